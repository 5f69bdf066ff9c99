"""医保结算清单上传 (4101A) with its 4103 check and 4102 status change — hsa.md §4.9.

The job ``upload(ctx)`` runs once a day. Each inpatient 医保 settlement whose stay was discharged less than
``deadline_days`` before the window's end is a candidate; its list (``setlinfo`` + ``diseinfo[]`` + ``oprninfo[]``
+ ``icuinfo[]`` + ``bldinfo[]``) is built from the HIS through ``include/mappings/hsa_settlement_list.yaml`` and
validated against the catalogue model before anything is sent. What the platform already has is read from the
call journal (the gateway journals every call with ``business_ref`` = the payload's ``setl_id``), never from a
table of our own, so a list uploaded through the HIS gateway by hand counts too.

One decision per settlement (:func:`decide`, pure):

* cancelled in the HIS after its list was uploaded → 4102 with the configured ``stas_type``, once;
* on the platform (an acknowledged 4101/4101A, or a 4103 that found it) → 4103 says what the platform holds;
* discharged before the deadline → the overdue sheet, with the reason it was not uploaded when one is known;
* invalid → quarantined with field-level reasons in Chinese, tried again every run until fixed or overdue;
* refused before and unchanged since → reported with the platform's words, not sent again;
* the last upload's answer was lost, or the platform said it is already there → 4103 first, then send if absent;
* else → 4101A.

The report describes state, not this run's actions: a re-run of a day sends nothing again and writes the same
bytes. A platform that cannot be reached stops the run's calls; the rest are reported as pending and the task
fails after writing the report so that Airflow's retries apply. Logs carry counts and settlement ids only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine, text

from hisbridge import MAPPINGS_DIR, SQL_DIR
from hisbridge.pipeline.spec import ColumnSource, ConstSource, read_yaml
from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.gateway.errors import GatewayError
from hisbridge.platforms.hsa.jobs import JobContext
from hisbridge.reports import Column, Report, Sheet, write_report

log = logging.getLogger(__name__)

CONFIG_FILE = MAPPINGS_DIR / "hsa_settlement_list.yaml"
PLATFORM = "hsa"
UPLOAD, QUERY, STATUS = "4101A", "4103", "4102"
#: a list counts as uploaded after either upload transaction was acknowledged
_UPLOADS = frozenset({"4101", "4101A"})
#: gateway answers that mean "the platform cannot be reached or did not answer": stop calling it this run
_HALT = frozenset({"platform_busy", "not_sent", "outcome_unknown", "reversed_retry", "gateway_refused",
                   "unknown_transaction", "unauthorized"})

# -- configuration --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SqlFiles(_Strict):
    lists: str
    diagnoses: str
    operations: str


FieldSource = ColumnSource | ConstSource


class ListConfig(_Strict):
    """``include/mappings/hsa_settlement_list.yaml``: deadline, SQL files, platform wording, field and code maps."""

    job: str
    title: str
    infno: Literal["4101A"]
    deadline_days: int = Field(30, ge=1, le=366)
    overdue_report_days: int = Field(90, ge=0, le=3660)
    sql: SqlFiles
    already_uploaded: list[str] = Field(min_length=1)
    cancelled_stas_type: str = Field(min_length=1, max_length=6)
    setlinfo: dict[str, FieldSource]
    diseinfo: dict[str, FieldSource]
    oprninfo: dict[str, FieldSource]
    codes: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("setlinfo", "diseinfo", "oprninfo", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``field: column`` is shorthand for ``field: {column: column}``."""
        return {k: ({"column": v} if isinstance(v, str) else v) for k, v in (value or {}).items()}

    @model_validator(mode="after")
    def _consistent(self) -> ListConfig:
        for node in ("setlinfo", "diseinfo", "oprninfo"):
            mapping: dict[str, FieldSource] = getattr(self, node)
            model = _node_model(node)
            unknown = sorted(set(mapping) - set(model.model_fields))
            if unknown:
                raise ValueError(f"{node}: not fields of 4101A: {unknown}")
            unmapped = sorted(n for n, info in model.model_fields.items() if info.is_required() and n not in mapping)
            if unmapped:
                raise ValueError(f"{node}: required 4101A fields without a mapping: {unmapped}")
            for name, src in mapping.items():
                if isinstance(src, ColumnSource) and src.codes and src.codes not in self.codes:
                    raise ValueError(f"{node}.{name}: code table {src.codes!r} is not declared under codes")
        return self


def _body() -> type[BaseModel]:
    """The catalogue's 4101A input model: what the gateway validates against, so what build() checks."""
    return catalogue.get(UPLOAD).body


def _node_model(node: str) -> type[BaseModel]:
    model = _model_in(_body().model_fields[node].annotation)
    assert model is not None, node
    return model


def load_config(path: Path = CONFIG_FILE) -> ListConfig:
    return ListConfig.model_validate(read_yaml(path))


@cache
def _config() -> ListConfig:
    return load_config()


# -- the HIS side ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One settlement as the HIS has it: the list query's row and its stay's diagnoses and operations."""

    row: Mapping[str, Any]
    diagnoses: tuple[Mapping[str, Any], ...] = ()
    operations: tuple[Mapping[str, Any], ...] = ()

    @property
    def setl_id(self) -> str:
        return str(self.row["setl_id"])

    @property
    def due_from(self) -> datetime:
        """The time the upload deadline counts from: the discharge (the settlement when the stay is missing)."""
        return _as_datetime(self.row["due_from"])

    @property
    def cancelled(self) -> bool:
        return self.row.get("setl_status") == "cancelled" or self.row.get("cancelled_by") is not None

    def report_row(self, deadline_days: int) -> dict[str, Any]:
        """The columns every sheet shows: ids, discharge, department, doctor — never the patient's identity."""
        r = self.row
        dept = " ".join(str(v) for v in (r.get("dscg_dept_code"), r.get("dscg_dept_name")) if v)
        return {"setl_id": self.setl_id, "mdtrt_id": r.get("mdtrt_id"), "medcasno": r.get("medcasno"),
                "dscg_date": self.due_from.date().isoformat(), "dept": dept or None,
                "doctor": r.get("chfpdr_code"),
                "due_date": (self.due_from + timedelta(days=deadline_days)).date().isoformat()}


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    return datetime.fromisoformat(str(value))


def read_cases(his: Engine, config: ListConfig, since: datetime, until: datetime) -> list[Case]:
    """Settlements discharged in [since, until) with their diagnoses and operations (three portable queries)."""
    binds = {"window_start": since, "window_end": until}
    with his.connect() as conn:
        def rows(name: str) -> list[dict[str, Any]]:
            sql = (SQL_DIR / name).read_text(encoding="utf-8")
            return [dict(r) for r in conn.execute(text(sql), binds).mappings()]

        lists, diagnoses, operations = (rows(config.sql.lists), rows(config.sql.diagnoses),
                                        rows(config.sql.operations))
    by_stay: dict[str, tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]] = {}
    for r in diagnoses:
        by_stay.setdefault(str(r["adm_id"]), ([], []))[0].append(r)
    for r in operations:
        by_stay.setdefault(str(r["adm_id"]), ([], []))[1].append(r)
    out = []
    for r in lists:
        dg, op = by_stay.get(str(r.get("stay_adm_id")), ([], []))
        out.append(Case(r, tuple(dg), tuple(op)))
    return out


# -- building and checking one list (pure) --------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """A list's wire body (``None`` when it must not be sent) and the reasons it must not, in Chinese."""

    wire: dict[str, Any] | None
    problems: tuple[str, ...] = ()


def build(config: ListConfig, case: Case) -> Built:
    """The 4101A body of ``case`` through the YAML mapping, validated against the catalogue model."""
    r = case.row
    if r.get("stay_adm_id") is None:
        return Built(None, ("结算没有对应的住院登记（inpatient_stay）：无法取得病案号、出院科别、诊断等",))
    problems: list[str] = []
    failed: set[tuple[Any, ...]] = set()
    values = dict(r, nwb_age_days=_newborn_days(r.get("birth_date"), r.get("adm_time")))
    setlinfo = _map(config, "setlinfo", config.setlinfo, values, ("setlinfo",), problems, failed)
    diseinfo = [_map(config, "diseinfo", config.diseinfo, d, ("diseinfo", n), problems, failed)
                for n, d in enumerate(case.diagnoses)]
    oprninfo = [_map(config, "oprninfo", config.oprninfo, o, ("oprninfo", n), problems, failed)
                for n, o in enumerate(case.operations)]
    body = {"setlinfo": setlinfo, "diseinfo": diseinfo, "oprninfo": oprninfo, "icuinfo": [], "bldinfo": []}

    if r.get("stay_mdtrt_id") and r.get("stay_mdtrt_id") != r.get("mdtrt_id"):
        problems.append("结算的就诊ID与住院登记的就诊ID不一致（insu_settlement.mdtrt_id ≠ inpatient_stay.mdtrt_id）")
    if not r.get("insuplc_admdvs"):
        problems.append("病人参保地医保区划（patient.insuplc_admdvs）为空：交易无法路由")
    mains = sum(1 for d in case.diagnoses if str(d.get("maindiag_flag") or "") == "1")
    if not case.diagnoses:
        problems.append("无住院诊断（病案首页诊断未填，diseinfo 为空）")
    elif mains == 0:
        problems.append("无主诊断（住院诊断中没有主诊断标志为 1 的诊断）")
    elif mains > 1:
        problems.append(f"主诊断不止一个（{mains} 个）")
    try:
        wire = _body().model_validate(body).model_dump(mode="json")
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False):
            if tuple(err["loc"]) not in failed:
                problems.append(f"{_label(err['loc'])}：{_reason(err)}")
        return Built(None, tuple(problems))
    return Built(None if problems else wire, tuple(problems))


def _map(config: ListConfig, node: str, mapping: Mapping[str, FieldSource], values: Mapping[str, Any],
         loc: tuple[Any, ...], problems: list[str], failed: set[tuple[Any, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, src in mapping.items():
        if isinstance(src, ConstSource):
            out[name] = src.const
            continue
        value = values.get(src.column)
        if value is None or (isinstance(value, str) and not value.strip()):
            out[name] = src.default
        elif src.codes is not None:
            code = str(value).strip()
            table = config.codes[src.codes]
            if code not in table:
                problems.append(f"{_label((*loc, name))}：HIS 值“{code}”在代码表 {src.codes} 中没有医保对照"
                                f"（include/mappings/hsa_settlement_list.yaml）")
                failed.add((*loc, name))
                continue
            out[name] = table[code]
        else:
            out[name] = value
    return out


def _newborn_days(birth: Any, admitted: Any) -> int | None:
    """Age at admission in days for a patient under one year (4101A ``nwb_age``), else ``None``."""
    if birth is None or admitted is None:
        return None
    born, adm = _as_datetime(birth).date(), _as_datetime(admitted).date()
    try:
        first_birthday = born.replace(year=born.year + 1)
    except ValueError:  # born on 29 February
        first_birthday = date(born.year + 1, 3, 1)
    return (adm - born).days if born <= adm < first_birthday else None


_WORDS = {
    "missing": "必填项为空", "required_empty": "必填项为空", "extra_forbidden": "不是 4101A 的字段",
    "string_too_long": "超过长度上限（{max_length} 字符）", "literal_error": "不是允许的代码值（{expected}）",
    "date_parsing": "不是有效日期", "date_from_datetime_parsing": "不是有效日期", "date_type": "不是有效日期",
    "datetime_parsing": "不是有效日期时间", "datetime_type": "不是有效日期时间", "decimal_parsing": "不是数字",
    "decimal_max_places": "小数位数超过上限", "decimal_max_digits": "数字位数超过上限", "decimal_type": "不是数字",
}


def _reason(err: Mapping[str, Any]) -> str:
    words = _WORDS.get(err["type"])
    if words is None:
        return str(err["msg"])
    try:
        return words.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return words


def _label(loc: Sequence[Any]) -> str:
    """``("diseinfo", 0, "diag_code")`` → ``住院诊断信息第1行·诊断代码（diseinfo[0].diag_code）``."""
    model: type[BaseModel] | None = _body()
    words: list[str] = []
    path = ""
    for part in loc:
        if isinstance(part, int):
            words[-1:] = [f"{words[-1]}第{part + 1}行"] if words else [f"第{part + 1}行"]
            path += f"[{part}]"
            continue
        path += f".{part}" if path else str(part)
        info = model.model_fields.get(str(part)) if model is not None else None
        words.append(info.description if info is not None and info.description else str(part))
        model = _model_in(info.annotation) if info is not None else None
    return f"{'·'.join(words)}（{path}）"


def _loc(path: str) -> tuple[Any, ...]:
    """A gateway field path (``diseinfo.0.diag_code``) as a validation ``loc``."""
    return tuple(int(p) if p.isdigit() else p for p in path.split("."))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_in(arg)) is not None:
            return found
    return None


# -- what the journal says (pure) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """What earlier calls about one settlement left: from ``ledger.journal_entries(business_ref=setl_id)``."""

    upload_msgid: str | None = None  # the acknowledged 4101/4101A
    held: bool = False  # the platform has the list: an acknowledged upload, or a 4103 that found it
    last_outcome: str | None = None  # the latest 4101A's outcome
    last_words: str | None = None  # … and the platform's words when it was refused
    last_wire: Any = None  # … and the body it carried
    status_msgid: str | None = None  # the acknowledged 4102
    status_stas_type: str | None = None


def prior_of(entries: Sequence[Mapping[str, Any]]) -> Prior:
    """Journal entries of one ``business_ref`` (any order) → :class:`Prior`."""
    ordered = sorted(entries, key=lambda e: e["id"], reverse=True)
    ok = [e for e in ordered if e["platform"] == PLATFORM and e["outcome"] == "acknowledged"]
    upload = next((e for e in ok if e["operation"] in _UPLOADS), None)
    status = next((e for e in ok if e["operation"] == STATUS), None)
    last = next((e for e in ordered if e["platform"] == PLATFORM and e["operation"] == UPLOAD), None)
    stas = None
    if status is not None:
        rows = (_journalled_input(status.get("request")) or {}).get("data", {}).get("stastinfo") or [{}]
        stas = rows[0].get("stas_type")
    return Prior(
        upload_msgid=upload["msgid"] if upload else None,
        held=upload is not None or any(e["operation"] == QUERY for e in ok),
        last_outcome=last["outcome"] if last else None,
        last_words=last.get("err_msg") if last else None,
        last_wire=_journalled_input(last.get("request")) if last else None,
        status_msgid=status["msgid"] if status else None,
        status_stas_type=stas,
    )


def _journalled_input(request: str | None) -> Any:
    """The business input of a journalled envelope (``input``), or ``None`` when unreadable."""
    if not request:
        return None
    try:
        data = orjson.loads(request)
    except orjson.JSONDecodeError:
        return None
    return data.get("input") if isinstance(data, dict) else None


# -- the plan (pure) ------------------------------------------------------------------------------------------


class Action(StrEnum):
    SEND = "send"  # 4101A
    VERIFY = "verify"  # 4103 first (lost answer / "already there"), then 4101A when the platform has nothing
    CHECK = "check"  # uploaded: 4103 says what the platform holds
    QUARANTINE = "quarantine"  # invalid: not sent, reasons reported, tried again next run
    REFUSED = "refused"  # refused before, unchanged since: not sent again
    OVERDUE = "overdue"  # past the deadline and not on the platform
    CANCEL = "cancel"  # settlement cancelled after upload: 4102
    CANCELLED = "cancelled"  # … and 4102 already acknowledged
    VOID = "void"  # settlement cancelled before any upload: nothing to upload
    ASK_CANCEL = "ask_cancel"  # cancelled, no upload in the journal: 4103 asks whether a list is there → 4102
    DONE = "done"  # uploaded, discharged before the check range: nothing left to do


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str | None = None


_LOST = frozenset({"unknown", "in_flight"})
#: gateway answers that say "no" to one call (the platform's words, or our own check of the input)
_REFUSALS = frozenset({"platform_refused", "invalid_input"})


def decide(case: Case, built: Built, prior: Prior, cutoff: datetime, already: Sequence[str]) -> Decision:
    """What to do with one settlement; ``cutoff`` = window end − deadline days."""
    if case.cancelled:
        if not prior.held:
            # a list may have been uploaded outside hisbridge (the HIS's own client, by hand, before go-live):
            # 4103 tells; within the check range only, so a settlement is asked about for deadline_days at most
            return Decision(Action.ASK_CANCEL if case.due_from >= cutoff else Action.VOID)
        return Decision(Action.CANCELLED if prior.status_msgid else Action.CANCEL)
    if prior.held:
        return Decision(Action.CHECK if case.due_from >= cutoff else Action.DONE)
    if case.due_from < cutoff:
        return Decision(Action.OVERDUE, _why_not_uploaded(built, prior))
    if built.wire is None:
        return Decision(Action.QUARANTINE, "；".join(built.problems))
    if prior.last_outcome in _LOST:
        return Decision(Action.VERIFY, "上次上传未收到应答：先用 4103 核对")
    if prior.last_outcome == "rejected":
        words = prior.last_words or ""
        if any(w in words for w in already):
            return Decision(Action.VERIFY, words)
        if prior.last_wire == built.wire:
            return Decision(Action.REFUSED, words)
    return Decision(Action.SEND)


def _why_not_uploaded(built: Built, prior: Prior) -> str:
    if prior.last_outcome == "rejected":
        return f"医保平台拒绝：{prior.last_words or ''}"
    if prior.last_outcome in _LOST:
        return "上传已发出但未收到应答，结果未知（请用 4103 核对）"
    if built.problems:
        return "数据问题：" + "；".join(built.problems)
    if prior.last_outcome in ("busy", "not_sent"):
        return "上传时医保平台繁忙或未连通，未上传成功"
    return "无上传记录"


# -- the job --------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    """Outcomes of one run, by sheet; ``halted`` once the platform could not be reached."""

    uploaded: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    status: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    halted: str | None = None

    def count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1


class SettlementListHalted(RuntimeError):
    """The platform could not be reached: the report is written, the task fails so that retries apply."""


def upload(ctx: JobContext) -> dict[str, Any]:
    """Upload the day's 医保结算清单 (4101A), check what the platform holds (4103), change the status of lists
    whose settlement was cancelled (4102), and report; returns the summary counts."""
    config = _config()
    deadline = int(ctx.params.get("deadline_days", config.deadline_days))
    start, end = ctx.window
    cutoff = end - timedelta(days=deadline)
    since = cutoff - timedelta(days=config.overdue_report_days)
    cases = read_cases(ctx.his, config, since, end)
    run = _Run()
    for case in cases:
        built = build(config, case)
        prior = prior_of(ctx.ledger.journal_entries(platform=PLATFORM, business_ref=case.setl_id))
        decision = decide(case, built, prior, cutoff, config.already_uploaded)
        run.count(f"plan_{decision.action.value}")
        _carry_out(ctx, config, case, built, prior, decision, run, end, deadline)

    report = _report(config, run, start, end, cutoff, deadline, len(cases))
    write_report(report, ctx.reports_dir)
    summary = {"selected": len(cases), "uploaded": len(run.uploaded), "quarantined": len(run.quarantined),
               "refused": len(run.refused), "overdue": len(run.overdue), "status_changes": len(run.status),
               "pending": len(run.pending), **dict(sorted(run.counts.items()))}
    log.info("hsa settlement list %s: %s", start.date().isoformat(), summary)
    if run.halted:
        raise SettlementListHalted(f"医保平台暂不可用，{len(run.pending)} 份结算清单待处理：{run.halted}")
    return summary


def _carry_out(ctx: JobContext, config: ListConfig, case: Case, built: Built, prior: Prior, decision: Decision,
               run: _Run, end: datetime, deadline: int) -> None:
    row = case.report_row(deadline)
    action = decision.action
    if action in (Action.VOID, Action.DONE):
        return
    if action is Action.QUARANTINE:
        log.warning("hsa settlement list %s quarantined: %d reason(s)", case.setl_id, len(built.problems))
        run.quarantined.append(row | {"reasons": decision.reason})
        return
    if action is Action.REFUSED:
        run.refused.append(row | {"words": decision.reason, "note": _REFUSED_NOTE})
        return
    if action is Action.OVERDUE:
        days = max(1, (end.date() - (case.due_from + timedelta(days=deadline)).date()).days)
        run.overdue.append(row | {"days_overdue": days, "reason": decision.reason})
        return
    if action is Action.CANCELLED:
        run.status.append(row | {"stas_type": prior.status_stas_type, "msgid": prior.status_msgid,
                                 "note": _STATUS_NOTE})
        return
    if run.halted:
        run.pending.append(row | {"reason": f"医保平台暂不可用，本次未处理：{run.halted}"})
        return
    area = str(case.row.get("insuplc_admdvs") or "")
    psn_no = str(case.row.get("psn_no") or "")
    try:
        if action is Action.CANCEL or (action is Action.ASK_CANCEL and _held(ctx, case, area, psn_no)):
            _change_status(ctx, config, case, area, psn_no, row, run)
        elif action is Action.ASK_CANCEL:
            run.count("plan_void")
        elif action is Action.CHECK:
            _confirm(ctx, case, area, psn_no, prior.upload_msgid, row, run)
        elif action is Action.SEND or not _confirm(ctx, case, area, psn_no, None, row, run, only_if_found=True):
            _send(ctx, config, case, built, area, psn_no, row, run)
    except GatewayError as exc:
        if exc.body.code not in _HALT:
            raise
        run.halted = exc.body.message
        log.error("hsa settlement list %s: %s — no further calls this run", case.setl_id, exc.body.code)
        reason = (f"4101A 已发出但结果未知，下次运行先用 4103 核对：{exc.body.message}"
                  if exc.body.code == "outcome_unknown" else f"医保平台暂不可用，本次未处理：{exc.body.message}")
        run.pending.append(row | {"reason": reason})


_REFUSED_NOTE = "内容未变，不重发；修改 HIS 数据后下次运行自动重发"
_STATUS_NOTE = "结算已撤销，已发送 4102 修改清单状态"


def _send(ctx: JobContext, config: ListConfig, case: Case, built: Built, area: str, psn_no: str,
          row: dict[str, Any], run: _Run) -> None:
    assert built.wire is not None
    try:
        answer = ctx.gateway.call(UPLOAD, built.wire, caller=ctx.actor, insuplc_admdvs=area)
    except GatewayError as exc:
        body = exc.body
        if body.code == "invalid_input":  # the gateway read the catalogue differently from build(): quarantine
            reasons = "；".join(f"{_label(_loc(p.field))}：{p.reason}" for p in body.fields) or body.message
            run.quarantined.append(row | {"reasons": reasons})
            return
        if body.code != "platform_refused":
            raise
        words = (body.platform.err_msg if body.platform else None) or body.message
        run.count("sent_refused")
        if any(w in words for w in config.already_uploaded) and _confirm(
                ctx, case, area, psn_no, None, row, run, only_if_found=True):
            return
        log.warning("hsa settlement list %s refused by the platform (msgid %s)", case.setl_id, body.msgid)
        run.refused.append(row | {"words": words, "note": _REFUSED_NOTE})
        return
    run.count("sent_uploaded")
    log.info("hsa settlement list %s uploaded, msgid %s", case.setl_id, answer.msgid)
    _confirm(ctx, case, area, psn_no, answer.msgid, row, run)


def _confirm(ctx: JobContext, case: Case, area: str, psn_no: str, upload_msgid: str | None, row: dict[str, Any],
             run: _Run, *, only_if_found: bool = False) -> bool:
    """4103: what the platform holds. Found → an uploaded row; not found → a flagged uploaded row, or nothing
    when ``only_if_found`` (the caller sends the list). Returns whether it was found."""
    try:
        answer = ctx.gateway.call(QUERY, {"psn_no": psn_no, "setl_id": case.setl_id}, caller=ctx.actor,
                                  insuplc_admdvs=area)
    except GatewayError as exc:
        if exc.body.code not in _REFUSALS:
            raise
        if only_if_found:
            return False
        words = (exc.body.platform.err_msg if exc.body.platform else None) or exc.body.message
        run.count("check_missing")
        log.warning("hsa settlement list %s: acknowledged upload not found by 4103", case.setl_id)
        run.uploaded.append(row | {"upload_msgid": upload_msgid, "setl_list_sn": None, "stas_type": None,
                                   "note": f"平台查无此清单，请核实：{words}", "found": False})
        return False
    info = (answer.output or {}).get("setlinfo") or {}
    note = "平台已确认" if upload_msgid else "平台已有此清单（经 4103 核实；无本系统上传确认）"
    run.uploaded.append(row | {"upload_msgid": upload_msgid, "setl_list_sn": info.get("setl_list_sn"),
                               "stas_type": info.get("stas_type"), "note": note, "found": True})
    return True


def _held(ctx: JobContext, case: Case, area: str, psn_no: str) -> bool:
    """4103: whether the platform holds a list for ``case`` (the answer is journalled: the next run knows)."""
    try:
        ctx.gateway.call(QUERY, {"psn_no": psn_no, "setl_id": case.setl_id}, caller=ctx.actor, insuplc_admdvs=area)
    except GatewayError as exc:
        if exc.body.code not in _REFUSALS:
            raise
        return False
    return True


def _change_status(ctx: JobContext, config: ListConfig, case: Case, area: str, psn_no: str, row: dict[str, Any],
                   run: _Run) -> None:
    stas = config.cancelled_stas_type
    body = {"stastinfo": [{"psn_no": psn_no, "setl_id": case.setl_id, "stas_type": stas}]}
    try:
        answer = ctx.gateway.call(STATUS, body, caller=ctx.actor, insuplc_admdvs=area)
    except GatewayError as exc:
        if exc.body.code not in _REFUSALS:
            raise
        words = (exc.body.platform.err_msg if exc.body.platform else None) or exc.body.message
        run.status.append(row | {"stas_type": stas, "msgid": None, "note": f"医保平台拒绝，下次运行重试：{words}"})
        return
    run.count("sent_status")
    log.info("hsa settlement list %s: status changed (4102 msgid %s)", case.setl_id, answer.msgid)
    run.status.append(row | {"stas_type": stas, "msgid": answer.msgid, "note": _STATUS_NOTE})


# -- the report -----------------------------------------------------------------------------------------------

_IDS = (Column("setl_id", "结算ID"), Column("mdtrt_id", "就诊ID"), Column("medcasno", "病案号"),
        Column("dscg_date", "出院日期"), Column("dept", "出院科室"), Column("doctor", "主诊医师代码"))
_DUE = Column("due_date", "上传截止日期")


def _report(config: ListConfig, run: _Run, start: datetime, end: datetime, cutoff: datetime, deadline: int,
            selected: int) -> Report:
    day = start.date().isoformat()
    missing = sum(1 for r in run.uploaded if not r["found"])
    summary = [
        ("数据窗口", f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}（北京时间）"),
        ("上传时限", f"出院后 {deadline} 天（各统筹区规定，见 include/mappings/hsa_settlement_list.yaml）"),
        ("上传范围（出院时间）", f"{cutoff:%Y-%m-%d %H:%M} 起"),
        ("涉及住院医保结算", selected),
        ("已上传（平台已确认）", len(run.uploaded) - missing),
        ("已上传但平台查无", missing),
        ("数据问题未上传", len(run.quarantined)),
        ("医保平台拒绝", len(run.refused)),
        ("超期未上传", len(run.overdue)),
        ("结算撤销·清单状态修改（4102）", len(run.status)),
        ("待处理（平台暂不可用）", len(run.pending)),
        ("结算已撤销、无需上传", run.counts.get("plan_void", 0)),
    ]
    sheets = [
        Sheet("已上传", [*_IDS, Column("upload_msgid", "上传报文ID(4101A)"), Column("setl_list_sn", "清单流水号"),
                         Column("stas_type", "平台状态分类"), Column("note", "核对结果(4103)")], run.uploaded,
              "出院在上传时限内、平台已有的结算清单；每次运行用 4103 核对。"),
        Sheet("数据问题未上传", [*_IDS, _DUE, Column("reasons", "原因")], run.quarantined,
              "未发送。请在 HIS（病案首页/住院登记）修改后，下次运行自动重新上传，直至截止日期。"),
        Sheet("医保平台拒绝", [*_IDS, _DUE, Column("words", "医保平台原话"), Column("note", "处理")], run.refused,
              "医保平台拒绝的结算清单；内容未改不会重发。"),
        Sheet("超期未上传", [*_IDS, _DUE, Column("days_overdue", "超期天数"), Column("reason", "未上传原因")],
              run.overdue, f"超过上传时限仍未上传的结算清单（截止日期后 {config.overdue_report_days} 天内列出），不再自动上传。"),
        Sheet("清单状态修改(4102)", [*_IDS, Column("stas_type", "状态分类"), Column("msgid", "报文ID(4102)"),
                                    Column("note", "结果")], run.status,
              f"已上传清单的结算在 HIS 中被撤销：发送 4102（stas_type={config.cancelled_stas_type}），每份只发一次。"),
        Sheet("待处理", [*_IDS, _DUE, Column("reason", "原因")], run.pending,
              "医保平台暂不可用，本次未处理；任务重试或下次运行时处理。"),
    ]
    return Report(kind="hsa_settlement_list", period=day, title=f"医保结算清单上传（4101A）· {day}",
                  summary=summary, sheets=sheets)
