"""One record's history for its ledger page: every message that touched it and every change of its state, in
order, each with why — and, for a message carrying many records, this record's own row.

Where the ledger links a message to a record (``delivery_message_record``: uploads, re-sends) the link is used.
Two kinds of message touch a record without such a link, and are found here:

* a correction named by one of the record's own events (``delivery_event.msgid``): a 3507 that removed a batch
  and queued its other records again, a void removed by a correction;
* the correction that removed the record's *old version* before it was re-sent changed (医保 3507 by batch, 3302
  by id): the pipeline sends it without records. It is the feed's ``correct`` message sent by the same run as one
  of the record's uploads whose request names the record's correction target (its correction key, or every part
  of its business key). Looked up by feed and time (the ``(feed, sent_at)`` index), among that run's corrections.

A batch request is shown as this record's element: the element whose values hold every part of the business key
(when one alone does), else the element at the record's position in the message (``row_index``), else the one
most like the record's payload. The answer's row is taken the same way when the answer has one row per record.
The full message stays one click away.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.ops import archive
from hisbridge.pipeline.extract import KEY_SEP

#: who did it, as the feed operator records it: ``airflow:<dag_id>.<task_id>#<try>``
AIRFLOW_ACTOR = re.compile(r"^airflow:(?P<dag>[^.#]+)\.(?P<task>[^#]+)#\d+$")
OUTCOME_NAMES = {"acknowledged": "已确认", "partial": "部分确认", "rejected": "平台拒收", "unknown": "结果未知",
                 "not_sent": "未发出", "busy": "平台忙，稍后重试", "refused_by_gateway": "网关拒绝（凭据）",
                 "in_flight": "发送中", "pending": "待发送", "sent": "已发送待应答", "quarantined": "已隔离",
                 "withdrawn": "已撤回/作废"}
#: how far around a record's uploads a correction of the same run is looked for
CORRECTION_SLACK = timedelta(hours=6)


@dataclass
class Step:
    """One line of the history. ``message`` is the message row when the step is a message."""

    at: datetime
    kind: str  # upload | correction | requeue | quarantine | state
    title: str
    why: str = ""
    actor: str = ""
    message: dict[str, Any] | None = None
    #: this record's outcome and the platform's words on it (a message step)
    outcome: str | None = None
    err_msg: str | None = None
    row_index: int | None = None
    #: this record's element of the request and of the answer, as JSON text (None: not found, show the message)
    request_row: str | None = None
    answer_row: str | None = None
    notes: list[str] = field(default_factory=list)


def history(ledger: Ledger, record: dict[str, Any]) -> list[Step]:
    """Every step of ``record`` (a row of ``delivery_record``), oldest first."""
    rid = record["id"]
    m, mr, e = s.delivery_message, s.delivery_message_record, s.delivery_event
    with ledger.engine.connect() as conn:
        linked = [dict(r._mapping) for r in conn.execute(
            select(m, mr.c.row_index, mr.c.outcome.label("row_outcome"), mr.c.err_msg.label("row_err"))
            .join(mr, mr.c.message_id == m.c.id).where(mr.c.record_id == rid).order_by(m.c.id))]
        events = [dict(r._mapping) for r in conn.execute(
            select(e.c.at, e.c.from_state, e.c.to_state, e.c.reason, e.c.msgid, e.c.actor)
            .where(e.c.record_id == rid).order_by(e.c.id))]
        seen = {row["msgid"] for row in linked}
        named = sorted({ev["msgid"] for ev in events if ev["msgid"] and ev["msgid"] not in seen})
        referenced = [dict(r._mapping) for r in conn.execute(select(m).where(m.c.msgid.in_(named)))] if named else []
        seen |= {row["msgid"] for row in referenced}
        corrections = _corrections(conn, record, linked, seen)
    # bodies older than the retention live in the archive (ops/archive.py): shown as if they had never moved
    linked, referenced, corrections = (archive.with_bodies(ledger.engine, "delivery_message", rows)
                                       for rows in (linked, referenced, corrections))

    steps: list[Step] = []
    for row in linked:
        steps.append(_message_step(row, record))
    for row in referenced + corrections:
        steps.append(_correction_step(row, record) if row["purpose"] == "correct" else _message_step(row, record))
    for ev in events:
        steps.append(_event_step(ev))
    steps.sort(key=lambda st: (_utc(st.at), _rank(st)))
    _explain_resends(steps)
    return steps


def airflow_task(ledger: Ledger, record_id: int) -> tuple[str, str] | None:
    """(dag_id, task_id) of the Airflow task that last handled the record, from the actors the ledger recorded."""
    m, mr, e = s.delivery_message, s.delivery_message_record, s.delivery_event
    with ledger.engine.connect() as conn:
        actors = [r.actor for r in conn.execute(select(e.c.actor).where(e.c.record_id == record_id)
                                                .order_by(e.c.id.desc()))]
        actors += [r.actor for r in conn.execute(select(m.c.actor).join(mr, mr.c.message_id == m.c.id)
                                                 .where(mr.c.record_id == record_id).order_by(m.c.id.desc()))]
    for actor in actors:
        found = AIRFLOW_ACTOR.match(actor or "")
        if found:
            return found["dag"], found["task"]
    return None


# -- finding what touched the record ------------------------------------------------------------------------
def _corrections(conn, record: dict[str, Any], linked: list[dict[str, Any]], seen: set[str]) -> list[dict]:
    """The feed's corrections sent by the runs of the record's uploads that name the record's target."""
    runs = {row["run_id"] for row in linked if row["run_id"]}
    targets = _targets(record)
    if not runs or not targets:
        return []
    m = s.delivery_message
    times = [row["sent_at"] for row in linked]
    low, high = min(times, key=_utc) - CORRECTION_SLACK, max(times, key=_utc) + CORRECTION_SLACK
    found = []
    for row in conn.execute(select(m).where(m.c.feed == record["feed"], m.c.sent_at >= low, m.c.sent_at <= high,
                                            m.c.purpose == "correct", m.c.run_id.in_(sorted(runs)))):
        row = dict(row._mapping)
        if row["msgid"] not in seen and _names_target(row.get("request") or "", targets):
            found.append(row)
    return found


def _targets(record: dict[str, Any]) -> list[list[str]]:
    """What a correction of the record names: its correction key, or every part of its business key."""
    out = []
    if record.get("correction_key"):
        out.append([record["correction_key"]])
    parts = [p for p in str(record["business_key"]).split(KEY_SEP) if p]
    if parts:
        out.append(parts)
    return out


def _names_target(request: str, targets: list[list[str]]) -> bool:
    values = _scalars(_json(request)) if request else set()
    return any(all(part in values for part in target) for target in targets)


# -- steps ---------------------------------------------------------------------------------------------------
def _message_step(row: dict[str, Any], record: dict[str, Any]) -> Step:
    operation = row["operation"]
    outcome = row.get("row_outcome") or row["outcome"]
    step = Step(at=row["sent_at"], kind="upload", title=f"上报（{operation}）", actor=row.get("actor") or "",
                message=row, outcome=outcome, err_msg=row.get("row_err") or row.get("err_msg"),
                row_index=row.get("row_index"))
    count = row.get("record_count") or 0
    step.request_row = this_row(row.get("request"), count, step.row_index, record)
    step.answer_row = answer_row(row.get("response"), count, step.row_index)
    if count > 1:
        step.notes.append(f"本报文共 {count} 条记录，本记录为第 {(step.row_index or 0) + 1} 条")
    return step


def _correction_step(row: dict[str, Any], record: dict[str, Any]) -> Step:
    target = record.get("correction_key") or record["business_key"]
    what = "整批（同一更正键）" if record.get("correction_key") else "本记录"
    return Step(at=row["sent_at"], kind="correction", title=f"撤回（{row['operation']}）",
                why=f"从平台删除{what}的已上报版本（更正对象 {target}），之后按 HIS 现有数据重新上报或作废",
                actor=row.get("actor") or "", message=row, outcome=row["outcome"], err_msg=row.get("err_msg"))


def _event_step(ev: dict[str, Any]) -> Step:
    to, reason, actor = ev["to_state"], ev["reason"] or "", ev["actor"] or ""
    requeued = re.match(r"^re-queued by (?P<who>.+?): (?P<why>.*)$", reason, re.S)
    if requeued:
        return Step(at=ev["at"], kind="requeue", title="重新排队", actor=requeued["who"],
                    why=f"{requeued['why']}（下次运行其窗口时重发）")
    if to == s.QUARANTINED:
        return Step(at=ev["at"], kind="quarantine", title="隔离（未发送）", actor=actor, why=explain(reason))
    frm = OUTCOME_NAMES.get(ev["from_state"] or "", ev["from_state"] or "新记录")
    return Step(at=ev["at"], kind="state", title=f"状态：{frm} → {OUTCOME_NAMES.get(to, to)}", actor=actor,
                why=explain(reason))


def _explain_resends(steps: list[Step]) -> None:
    """Say why each upload after the first was sent again: what came just before it (the last upload, correction
    or re-queue — state changes are their consequences)."""
    uploads = 0
    previous: Step | None = None
    for step in steps:
        if step.kind == "upload":
            uploads += 1
            if uploads == 1:
                step.why = "首次上报"
            else:
                step.title = f"重新上报（{step.message['operation']}）" if step.message else "重新上报"
                step.why = _resend_reason(previous)
        if step.kind in ("upload", "correction", "requeue"):
            previous = step


def _resend_reason(previous: Step | None) -> str:
    if previous is None:
        return "重发"
    if previous.kind == "correction":
        return f"{previous.message['msgid'] if previous.message else ''} 撤回旧版本后，按 HIS 更正后的数据重新上报"
    if previous.kind == "requeue":
        return f"{previous.actor} 重新排队后重发：{previous.why}"
    if previous.kind == "upload":
        words = {"unknown": "上次发送结果未知，核实后重发", "not_sent": "上次未发出，重发", "busy": "平台忙，重发",
                 "refused_by_gateway": "网关曾拒绝凭据，修复后重发", "pending": "上次未发出，重发",
                 "rejected": "上次被平台拒收，重发"}
        return words.get(previous.outcome or "", "内容变更后重新上报")
    return "重发"


def _rank(step: Step) -> int:
    """At the same instant: a correction before the state changes it caused, before the next upload."""
    return {"correction": 0, "state": 1, "quarantine": 1, "requeue": 1, "upload": 2}.get(step.kind, 3)


#: the pipeline's and the ledger's own reasons (English in the ledger), said in Chinese on the page
_EXPLAINED = [
    (re.compile(r"^re-upload after correction (?P<m>\S+) of (?P<t>.+)$"), "{m} 撤回了批次 {t}，本记录随之待重新上报"),
    (re.compile(r"^re-queued: (?P<w>.*)$", re.S), "已重新排队，等待其窗口再次运行时重发：{w}"),
    (re.compile(r"^voided in the HIS, removed by (?P<m>\S+)$"), "HIS 中已作废，已由 {m} 从平台删除"),
    (re.compile(r"^voided in the HIS before upload$"), "上报前已在 HIS 中作废，无需上报"),
    (re.compile(r"^not sent: run halted$"), "本次运行中止，未发出（下次运行重发）"),
    (re.compile(r"^not corrected: run halted$"), "本次运行中止，未完成更正（下次运行先更正）"),
    (re.compile(r"^correction (?P<t>\S+) not confirmed: (?P<w>.*)$"), "更正 {t} 未获平台确认：{w}"),
    (re.compile(r"^(?P<m>\S+): the run sending it died before the answer was recorded$"),
     "发送 {m} 的运行在记录应答前中断，结果未知（下次运行核实）"),
    (re.compile(r"^(?P<r>.*) \(old version removed by (?P<m>\S+)\)$"), "{r}（旧版本已由 {m} 删除）"),
]


def explain(reason: str) -> str:
    """A ledger reason in Chinese where the ledger wrote it in English; anything else as it is."""
    for pattern, words in _EXPLAINED:
        found = pattern.match(reason)
        if found:
            return words.format(**found.groupdict())
    return reason


# -- this record's row ---------------------------------------------------------------------------------------
def this_row(request: str | None, count: int, row_index: int | None, record: dict[str, Any]) -> str | None:
    """This record's element of a request as indented JSON text, or ``None`` when it cannot be told apart."""
    body = _json(request)
    if body is None:
        return None
    payload = _json(record.get("payload"))
    parts = [p for p in str(record["business_key"]).split(KEY_SEP) if p]
    if count > 1:
        rows = _lists_of(body, count)
        if rows:
            by_key = [el for el in rows[0] if parts and all(p in _scalars(el) for p in parts)]
            if len(by_key) == 1:
                return _pretty(by_key[0])
            if row_index is not None and row_index < count:
                return _pretty(rows[0][row_index])
    best = _most_like(body, payload)
    return _pretty(best) if best is not None and best is not body else None


def answer_row(response: str | None, count: int, row_index: int | None) -> str | None:
    """The answer's row for this record when the answer has one row per record."""
    body = _json(response)
    if body is None or row_index is None or count < 1:
        return None
    rows = _lists_of(body, count)
    return _pretty(rows[0][row_index]) if rows and count > 1 else None


def _lists_of(node: Any, count: int) -> list[list[dict]]:
    """Every list of ``count`` objects in ``node``, outermost first."""
    found: list[list[dict]] = []
    stack = [node]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            if len(item) == count and item and all(isinstance(x, dict) for x in item):
                found.append(item)
                continue
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return found


def _most_like(body: Any, payload: Any) -> Any:
    """The object in ``body`` sharing the most fields (name and value) with ``payload``, if it shares half."""
    if not isinstance(payload, dict) or not payload:
        return None
    wanted = {k: v for k, v in payload.items() if not isinstance(v, dict | list)}
    best, score = None, 0
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            shared = sum(1 for k, v in wanted.items() if item.get(k) == v)
            if shared > score:
                best, score = item, shared
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return best if wanted and score * 2 >= len(wanted) else None


def _scalars(node: Any) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None:
            out.add(str(item))
    return out


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _pretty(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False, indent=2)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
