// 检查检验结果互认页面: opens a report and records 互认 / 不互认 / 撤销不互认 / 引用 through the page's JSON API.
// No framework and nothing from a CDN; every value from the server is set as text, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("mutual-page");
  if (!root || root.dataset.error) { return; }
  var d = root.dataset;
  var query = new URLSearchParams({ PatientID: d.patient, doctorId: d.doctor, GHId: d.visit, type: d.type, mode: d.mode });
  var message = document.getElementById("mutual-message");
  var detail = document.getElementById("report-detail");
  var names = { none: "未决定", recognised: "互认", not_recognised: "不互认", revoked: "已撤销不互认" };
  var busy = false;

  function say(kind, text) {
    message.dataset.kind = kind;
    message.textContent = text;
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-Page-Ticket": d.ticket || "" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(d.api + path + "?" + query.toString(), options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var words = data && data.error && data.error.message;
          throw new Error(words || "请求失败（HTTP " + response.status + "），请稍后再试");
        }
        return data;
      });
    }, function () { throw new Error("无法连接互认服务，请检查网络后重试"); });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function fill(tableId, rows, columns) {
    var table = document.getElementById(tableId);
    var body = table.tBodies[0];
    body.textContent = "";
    rows.forEach(function (item) {
      var tr = document.createElement("tr");
      columns(item).forEach(function (value) { cell(tr, value); });
      body.appendChild(tr);
    });
    return table;
  }

  function words(state) {
    if (state.decision === "not_recognised" && state.reasonName) { return "不互认：" + state.reasonName; }
    return state.decisionName || names[state.decision] || state.decision;
  }

  function rowOf(reportId) {
    var rows = document.querySelectorAll("#report-list tr.report-row");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.reportId === reportId) { return rows[i]; }
    }
    return null;
  }

  function applyState(reportId, state) {
    var row = rowOf(reportId);
    if (row) {
      row.dataset.decision = state.decision;
      var c = row.querySelector(".col-decision");
      c.dataset.decision = state.decision;
      c.textContent = words(state);
    }
    if (detail.dataset.reportId === reportId) {
      detail.dataset.decision = state.decision;
      var extra = state.decision === "not_recognised" && state.diagName ? "（" + state.diagName + "）" : "";
      document.getElementById("detail-state").textContent = words(state) + extra + (state.quoted ? " · 已引用" : "");
      var revoke = document.getElementById("btn-revoke");
      var recognise = document.getElementById("btn-recognise");
      var reject = document.getElementById("btn-reject");
      if (revoke) { revoke.disabled = state.decision !== "not_recognised"; }
      if (recognise) { recognise.disabled = state.decision === "not_recognised" || state.decision === "recognised"; }
      if (reject) { reject.disabled = state.decision === "not_recognised"; }
    }
  }

  function showDetail(answer) {
    var r = answer.report;
    detail.hidden = false;
    detail.dataset.reportId = r.reportId;
    document.getElementById("detail-title").textContent = (r.reportName || r.itemName || r.itemCode || "") +
      " · " + (r.reportOrgName || r.reportOrgCode || "");
    var meta = ["报告单号 " + (r.reportNo || "-"), "报告时间 " + (r.reportTime || "-") + "（北京时间）"];
    if (r.specimenName) { meta.push("标本 " + r.specimenName); }
    if (r.diagName) { meta.push("临床诊断 " + r.diagName); }
    document.getElementById("detail-meta").textContent = meta.join(" · ");
    var items = fill("detail-items", r.items || [], function (i) {
      return [i.itemName || i.itemCode, i.result, i.unit, i.refRange, i.abnormalFlag];
    });
    Array.prototype.forEach.call(items.tBodies[0].rows, function (tr, n) {
      var flag = (r.items[n].abnormalFlag || "N").toUpperCase();
      tr.className = "detail-item";
      tr.dataset.abnormal = flag !== "N" ? "true" : "false";
    });
    items.hidden = !(r.items && r.items.length);
    fill("detail-bacteria", r.bacteria || [], function (b) { return [b.bacteriaName, b.colonyCount, b.testResult]; })
      .hidden = !(r.bacteria && r.bacteria.length);
    fill("detail-suscept", r.susceptibility || [], function (x) { return [x.bacteriaName, x.drugName, x.result, x.mic]; })
      .hidden = !(r.susceptibility && r.susceptibility.length);
    document.getElementById("detail-findings").textContent = r.findings || "无";
    document.getElementById("detail-conclusion").textContent = r.conclusion || r.resultSummary || "无";
    applyState(r.reportId, answer.state);
  }

  function open(row) {
    if (busy) { return; }
    busy = true;
    Array.prototype.forEach.call(document.querySelectorAll("#report-list tr.selected"), function (r) {
      r.classList.remove("selected");
    });
    row.classList.add("selected");
    say("info", "正在打开报告…");
    call("GET", "/reports/" + encodeURIComponent(row.dataset.reportId)).then(function (answer) {
      showDetail(answer);
      say("info", "已打开报告（已记录调阅）");
    }, function (error) { say("error", error.message); }).then(function () { busy = false; });
  }

  function act(path, body, pending) {
    var reportId = detail.dataset.reportId;
    if (!reportId || busy) { return; }
    busy = true;
    say("info", pending);
    call("POST", "/reports/" + encodeURIComponent(reportId) + "/" + path, body).then(function (answer) {
      applyState(reportId, answer.state);
      say(answer.status === "recorded" ? "ok" : "info", answer.message);
    }, function (error) { say("error", error.message); }).then(function () { busy = false; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("#report-list tr.report-row"), function (row) {
    row.addEventListener("click", function () { open(row); });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(row); }
    });
  });

  var reason = document.getElementById("reason-select");
  var diag = document.getElementById("diag-name");
  if (reason && diag) {
    reason.addEventListener("change", function () {
      var option = reason.options[reason.selectedIndex];
      var needs = !!(option && option.dataset.needsDiag);
      diag.hidden = !needs;
      diag.required = needs;
    });
    document.getElementById("reject-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!reason.value) { say("error", "请选择不互认原因"); return; }
      if (!diag.hidden && !diag.value.trim()) { say("error", "原因 99（连续性监测需要）须填写疾病名称"); return; }
      act("reject", { reasonCode: reason.value, diagName: diag.hidden ? null : diag.value.trim() }, "正在记录不互认…");
    });
  }
  var buttons = { "btn-recognise": ["recognise", "正在记录互认…"], "btn-revoke": ["revoke", "正在撤销不互认…"],
                  "btn-quote": ["quote", "正在引用报告…"] };
  Object.keys(buttons).forEach(function (id) {
    var button = document.getElementById(id);
    if (button) {
      button.addEventListener("click", function () { act(buttons[id][0], undefined, buttons[id][1]); });
    }
  });
})();
