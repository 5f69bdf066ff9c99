"""The platform's answer to one call: checks, then store / withdraw / search / detail / record, and the envelope.

Envelope: ``{"code", "msg", "request_id", "data"}``; success iff ``code == "00000"``. Codes (:mod:`spec`):
``A0400`` 参数校验失败 (``data`` ``[{"field", "msg"}]`` for a whole-call refusal), ``A0401`` 认证失败,
``A0404`` 数据不存在, ``A0429`` / ``B0001`` (faults only), ``C0113`` 接口不存在 (no operation at that path).

* **Data uploads** ``{"orgCode", "data": [row …]}`` — the call itself is refused (A0400) when the body is not
  that (unknown top-level key, no rows, more than ``max_batch``); otherwise each row is checked on its own
  (:func:`spec.check`, ``OrgCode`` equal to ``orgCode``, a child's report held and its ``TestReportNo`` the
  report's) and either stored (upsert by org + dataType + BusinessNo) or listed in ``data.failed`` with its
  0-based ``index``, ``BusinessNo``, ``A0400`` and a Chinese ``msg`` naming the field. Rows are processed in
  order: a later row with the same BusinessNo replaces an earlier one.
* **deleteData** — per key: withdrawn, or failed ``A0404`` (never held / already withdrawn) or ``A0400``
  "存在下级数据" (a lab report whose children are still held).
* **queryReminders** / **getReport** — :func:`query_reminders`, :func:`get_report`.
* **Record uploads** — all elements checked first; any problem refuses the whole call (A0400, ``data`` lists
  ``{"index", "field", "msg"}``) and nothing is stored. Otherwise each is kept by its GUID (a GUID already held
  is accepted again and counted as a duplicate). ``revokeNonRecognition`` revokes the live 不互认 records of
  (GHId, reportId), or answers A0404. Answer ``data`` null.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from simulators.mutual import spec
from simulators.mutual.state import SimState


@dataclass(frozen=True)
class Answer:
    code: str
    msg: str
    data: Any = None

    @property
    def ok(self) -> bool:
        return self.code == spec.OK

    def to_json(self, request_id: str) -> dict[str, Any]:
        return {"code": self.code, "msg": self.msg, "request_id": request_id, "data": self.data}

    @classmethod
    def success(cls, data: Any = None, msg: str = "成功") -> Answer:
        return cls(spec.OK, msg, data)

    @classmethod
    def refused(cls, msg: str, problems: list[spec.Problem] | None = None) -> Answer:
        return cls(spec.REFUSED, msg, [p.to_json() for p in problems] if problems else None)


def parse(raw: bytes) -> tuple[Any, Answer | None]:
    """The JSON body, or the refusal."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, Answer.refused("报文解析失败: 请求体不是UTF-8编码")
    if not text.strip():
        return None, Answer.refused("报文解析失败: 请求体为空")

    def no_constants(name: str) -> Any:
        raise ValueError(f"非法数值{name}")

    try:
        return json.loads(text, parse_constant=no_constants), None
    except ValueError as exc:
        return None, Answer.refused(f"报文解析失败: JSON格式错误({exc})"[:200])


def _whole_call_refusal(table: spec.Table, problems: list[spec.Problem]) -> Answer:
    return Answer.refused(f"{table.cn}参数校验失败: {spec.summarise(problems)}", problems)


def _envelope_problems(body: Any, keys: dict[str, str], list_key: str, limit: int) -> list[spec.Problem]:
    """The shape of ``{"orgCode": str, <list_key>: [...]}``: known keys, orgCode present, a bounded list."""
    if not isinstance(body, Mapping):
        return [spec.Problem("TYPE", None, "请求体应为JSON对象")]
    problems = [spec.Problem("UNKNOWN_FIELD", k, f"未知字段[{k}]") for k in body if k not in keys]
    org = body.get("orgCode")
    if not isinstance(org, str) or not org.strip():
        problems.append(spec.Problem("REQUIRED", "orgCode", "必填字段[orgCode](机构代码)为空或不是字符串"))
    elif len(org) > spec.LENGTHS["code"]:
        problems.append(spec.Problem("LENGTH", "orgCode", f"字段[orgCode](机构代码)超长: 最多{spec.LENGTHS['code']}个字符"))
    items = body.get(list_key)
    if not isinstance(items, list) or not items:
        problems.append(spec.Problem("REQUIRED", list_key, f"必填字段[{list_key}]({keys[list_key]})应为非空数组"))
    elif len(items) > limit:
        problems.append(spec.Problem("LENGTH", list_key, f"字段[{list_key}]({keys[list_key]})单次最多{limit}条，"
                                                         f"收到{len(items)}条"))  # fmt: skip
    return problems


def _business_no(row: Any) -> str:
    value = row.get("BusinessNo") if isinstance(row, Mapping) else None
    return value if isinstance(value, str) else ("" if value is None else str(value))


# ---------------------------------------------------------------------------------------------- data uploads


def _row_problems(state: SimState, table: spec.Table, org: str, row: Any) -> list[spec.Problem]:
    problems = spec.check(table, row)
    if problems:
        return problems
    if row["OrgCode"] != org:
        return [spec.Problem("RULE", "OrgCode", f"字段[OrgCode](机构代码)[{row['OrgCode']}]与请求orgCode[{org}]不一致")]
    if table.parent is not None:
        parent_no = row["ReportBusinessNo"]
        report = state.live_row(org, table.parent, parent_no)
        parent_cn = spec.DATA_TYPES[table.parent]
        if report is None:
            return [spec.Problem("RULE", "ReportBusinessNo", f"字段[ReportBusinessNo]: 所属{parent_cn}[{parent_no}]"
                                                             f"不存在，请先上传{parent_cn}")]  # fmt: skip
        if report.data.get("TestReportNo") != row["TestReportNo"]:
            return [spec.Problem("RULE", "TestReportNo", f"字段[TestReportNo](检验报告单号)[{row['TestReportNo']}]"
                                                         f"与所属{parent_cn}的TestReportNo"
                                                         f"[{report.data.get('TestReportNo')}]不一致")]  # fmt: skip
    return []


def upload(state: SimState, table: spec.Table, body: Any) -> Answer:
    """A data upload: per-row checks and upserts. Call under ``state.lock``."""
    problems = _envelope_problems(body, {"orgCode": "机构代码", "data": "数据"}, "data", state.max_batch)
    if problems:
        return _whole_call_refusal(table, problems)
    org = body["orgCode"]
    accepted, failed = 0, []
    for index, row in enumerate(body["data"]):
        row_problems = _row_problems(state, table, org, row)
        if row_problems:
            failed.append({"index": index, "BusinessNo": _business_no(row), "code": spec.REFUSED,
                           "msg": spec.summarise(row_problems)})  # fmt: skip
            continue
        state.upsert_row(table, dict(row))
        accepted += 1
    state.count("rows_accepted", accepted)
    state.count("rows_failed", len(failed))
    msg = "成功" if not failed else f"成功{accepted}条，失败{len(failed)}条"
    return Answer.success({"accepted": accepted, "failed": failed}, msg)


def delete(state: SimState, body: Any) -> Answer:
    """deleteData: withdraw rows by key. Call under ``state.lock``."""
    problems = spec.check(spec.DELETE, body)
    if not problems and len(body["businessNos"]) > state.max_batch:
        problems = [spec.Problem("LENGTH", "businessNos", f"字段[businessNos]单次最多{state.max_batch}条，"
                                                          f"收到{len(body['businessNos'])}条")]  # fmt: skip
    if problems:
        return _whole_call_refusal(spec.DELETE, problems)
    org, data_type = body["orgCode"], body["dataType"]
    cn = spec.DATA_TYPES[data_type]
    deleted: list[str] = []
    failed: list[dict[str, str]] = []
    for bno in body["businessNos"]:
        if state.live_row(org, data_type, bno) is None:
            failed.append({"BusinessNo": bno, "code": spec.NOT_FOUND, "msg": f"数据不存在: {cn}[{bno}]"})
            continue
        kids = state.live_children(org, bno) if spec.CHILD_TYPES[data_type] else []
        if kids:
            per_type: dict[str, int] = {}
            for child_type, _ in kids:
                per_type[child_type] = per_type.get(child_type, 0) + 1
            listed = "、".join(f"{spec.DATA_TYPES[t]}{n}条" for t, n in per_type.items())
            failed.append({"BusinessNo": bno, "code": spec.REFUSED,
                           "msg": f"存在下级数据({listed})，请先撤回下级数据再撤回{cn}[{bno}]"})  # fmt: skip
            continue
        state.delete_row(org, data_type, bno)
        deleted.append(bno)
    msg = "成功" if not failed else f"撤回{len(deleted)}条，失败{len(failed)}条"
    return Answer.success({"deleted": deleted, "failed": failed}, msg)


# ---------------------------------------------------------------------------------------------- queries


def query_reminders(state: SimState, body: Any) -> Answer:
    """Reports of the same person (idCardTypeCode + idCardValue) from other orgs, reported within lookbackDays
    of the simulator's clock,互认 items only (mtuRecMark "1"); searchType 2: only itemCode in dataCodes;
    itemType "LIS"/"PACS" narrows; newest first."""
    problems = spec.check(spec.QUERY_REMINDERS, body)
    if problems:
        return _whole_call_refusal(spec.QUERY_REMINDERS, problems)
    days = body.get("lookbackDays") or 90
    since = (state.now() - timedelta(days=days)).strftime(spec.TIME_FORMAT)
    item_type = body.get("itemType") or ""
    wanted = set(body.get("dataCodes") or ()) if body["searchType"] == 2 else None
    found = [
        r for r in state.reports_of(body["idCardTypeCode"], body["idCardValue"])
        if r.org_code != body["orgCode"] and r.mtu_rec_mark == "1" and r.report_time >= since
        and (not item_type or r.item_type == item_type) and (wanted is None or r.item_code in wanted)
    ]  # fmt: skip
    found.sort(key=lambda r: (r.report_time, r.report_id), reverse=True)
    return Answer.success([r.summary_json() for r in found])


def get_report(state: SimState, body: Any) -> Answer:
    """getReport: one report's detail; A0404 when no report of that id and itemType is held."""
    problems = spec.check(spec.GET_REPORT, body)
    if problems:
        return _whole_call_refusal(spec.GET_REPORT, problems)
    report = state.get_report(body["reportId"])
    if report is None or report.item_type != body["itemType"]:
        return Answer(spec.NOT_FOUND, f"数据不存在: 报告[{body['reportId']}]({body['itemType']})")
    return Answer.success(report.detail_json())


# ---------------------------------------------------------------------------------------------- records


def record(state: SimState, table: spec.Table, body: Any) -> Answer:
    """The five record uploads. Call under ``state.lock``."""
    many = spec.RECORD_MANY[table.op]
    if many:
        if not isinstance(body, list) or not body:
            return Answer.refused(f"{table.cn}: 请求体应为非空JSON数组")
        if len(body) > state.max_records:
            return Answer.refused(f"{table.cn}: 单次最多{state.max_records}条，收到{len(body)}条")
        elements = body
    else:
        if not isinstance(body, Mapping):
            return Answer.refused(f"{table.cn}: 请求体应为JSON对象")
        elements = [body]
    listed: list[dict[str, Any]] = []
    for index, element in enumerate(elements):
        for p in spec.check(table, element):
            listed.append({"index": index, "field": p.field, "msg": p.message} if many else p.to_json())
    if listed:
        shown = "；".join((f"第{e['index'] + 1}条: " if many else "") + e["msg"] for e in listed[:5])
        more = f"；等共{len(listed)}个问题" if len(listed) > 5 else ""
        return Answer(spec.REFUSED, f"{table.cn}参数校验失败: {shown}{more}", listed)
    kind = spec.RECORD_KIND[table.op]
    if kind == "revoke":
        live = state.live_non_recognitions(body["GHId"], body["reportId"])
        if not live:
            return Answer(spec.NOT_FOUND, f"数据不存在: 挂号[{body['GHId']}]报告[{body['reportId']}]没有未撤销的不互认记录")
        state.revoke(live)
        state.put_record(kind, None, dict(body), report_known=state.get_report(body["reportId"]) is not None)
        return Answer.success(msg=f"成功撤销{len(live)}条不互认记录")
    report_field = "ReportId" if "ReportId" in table.names else "reportId"
    duplicates = 0
    for element in elements:
        known = state.get_report(element[report_field]) is not None
        _, new = state.put_record(kind, element[table.guid], dict(element), report_known=known)  # type: ignore[index]
        duplicates += int(not new)
    return Answer.success(msg="成功" if not duplicates else f"成功(其中{duplicates}条此前已接收)")


def dispatch(state: SimState, op: str, body: Any) -> Answer:
    """The answer to operation ``op`` with the parsed ``body``. Call under ``state.lock``."""
    kind = spec.OPERATION_KIND[op]
    if kind == "upload":
        return upload(state, spec.BY_OP[op], body)
    if kind == "delete":
        return delete(state, body)
    if kind == "record":
        return record(state, spec.BY_OP[op], body)
    if op == "queryReminders":
        return query_reminders(state, body)
    return get_report(state, body)

