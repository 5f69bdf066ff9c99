"""What the gateway does with one call from the HIS, with no web framework in it.

1. The infno must be in the catalogue; the business input is validated against its declaration: a bad input is
   answered ``invalid_input`` with field-level reasons and **nothing is sent**.
2. The call is journalled as leaving (``call_journal``, outcome ``in_flight``, with its msgid) before it leaves,
   then completed with the whole envelope, the answer, the outcome and the duration.
3. A lost answer (timeout, reset, 5xx after sending) — hsa.md §5.1/§5.2:

   * a read-only transaction is simply asked again, with a new msgid;
   * a transaction 2601 may reverse (2207, 2208, 2304, 2305, 2401) is reversed with the original msgid; when the
     platform confirms (or says the original never arrived: "原交易不存在") the HIS gets ``reversed_retry``: the
     call did nothing and may be sent again. An unconfirmed reversal leaves the entry ``in_flight``; it is tried
     again at start-up (:meth:`HsaGateway.resolve_in_flight`) and by ``python -m hisbridge gateway resolve``;
   * any other state-changing transaction is ``outcome_unknown``: the HIS must check (a 52xx query, or the
     transaction's own undo) before sending it again.

A process that dies between sending and answering leaves the entry ``in_flight``: the next start resolves it the
same way. Logs carry infno, msgid, caller, outcome and timings — never the input (the ledger keeps it whole).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from hisbridge.ledger.store import JournalEntry, Ledger
from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.answers import load_meanings
from hisbridge.platforms.hsa.client import HsaClient
from hisbridge.platforms.hsa.errors import (
    GatewayRejected,
    HsaError,
    NotSent,
    OutcomeUnknown,
    Rejected,
    RowRejected,
    UnknownTransaction,
)
from hisbridge.platforms.hsa.gateway.errors import ErrorBody, FieldProblem, GatewayError, PlatformWords
from hisbridge.platforms.hsa.models import Reversal
from hisbridge.platforms.hsa.txn import Txn

log = logging.getLogger("hisbridge.hsa.gateway")

PLATFORM = "hsa"
REVERSAL = "2601"
#: fields whose value names the visit or settlement a call is about (kept as the journal's business_ref)
_REF_FIELDS = ("setl_id", "mdtrt_id", "trt_dcla_detl_sn", "file_qury_no")


@dataclass(frozen=True)
class Operator:
    """The HIS operator a call is made for (the envelope's 经办人; each signs in on their own)."""

    opter: str | None = None
    opter_name: str | None = None


@dataclass(frozen=True)
class GatewayAnswer:
    infno: str
    msgid: str
    output: dict[str, Any] | None
    warn_msg: str | None = None


class HsaGateway:
    SERVICE = "hsa-gateway"

    def __init__(self, ledger: Ledger, client_for: Callable[[Operator], HsaClient], *, read_retries: int = 1,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ledger = ledger
        self.client_for = client_for
        self.read_retries = read_retries
        self.clock = clock
        self.meanings = load_meanings()

    # -- one call ------------------------------------------------------------------------------------------
    def call(self, infno: str, body: Any, *, caller: str, insuplc_admdvs: str = "",
             operator: Operator = Operator(), business_ref: str | None = None) -> GatewayAnswer:
        """Validate, journal and send one transaction. ``business_ref`` names what the call is about in the journal
        (default: the first ``setl_id``/``mdtrt_id``/… of the input or the answer); a job that looks its own calls
        up again (reconciliation: ``3201/360100/310/11/2026-11-24``) passes its own."""
        txn = self.transaction(infno)
        payload = validated(txn, body)
        if not insuplc_admdvs and _find(payload, "psn_no"):  # hsa.md §2.1: it routes a person's transaction
            raise _invalid([FieldProblem(field="insuplc_admdvs", reason="输入含人员编号 psn_no 时必填（取 1101 返回的 "
                                         "insuinfo.insuplc_admdvs），作为查询参数 ?insuplc_admdvs= 传入")])
        client = self.client_for(operator)
        attempts = 1 + (0 if txn.changes_state else self.read_retries)
        for attempt in range(1, attempts + 1):
            try:
                entry, msgid = self._journal_begin(txn, client.next_msgid, payload, caller, insuplc_admdvs,
                                                   business_ref=business_ref)
            except SQLAlchemyError as exc:  # nothing leaves unless it is journalled first
                log.error("hsa gateway %s: ledger unavailable (%s): not sent", infno, type(exc).__name__)
                raise _error("not_sent", f"台账暂不可用，{infno} 未发出，可以重发") from None
            started = time.monotonic()
            try:
                answer = client.call(infno, payload, msgid=msgid, insuplc_admdvs=insuplc_admdvs, wire=True)
            except (OutcomeUnknown, NotSent) as exc:
                # a lost answer 2601 may reverse stays in_flight until a reversal is confirmed (now, or at the
                # next start); any other lost answer is unknown for ops to check
                lost = "in_flight" if txn.reversible else "unknown"
                self._journal_end(entry, exc, lost if isinstance(exc, OutcomeUnknown) else "not_sent", started)
                if not txn.changes_state and attempt < attempts:
                    log.warning("hsa gateway %s msgid=%s: no answer, asking again (read-only)", infno, msgid)
                    continue
                if isinstance(exc, NotSent):
                    raise _error("not_sent", f"医保平台未连通，{infno} 未发出，可以重发", msgid=exc.msgid) from None
                if not txn.changes_state:
                    raise _error("not_sent", f"医保平台未应答（{infno} 为查询类交易，可以重发）",
                                 msgid=exc.msgid) from None
                self._lost(txn, payload, exc.msgid or msgid, entry, client, caller, insuplc_admdvs)
            except (Rejected, RowRejected) as exc:
                words = exc.err_msg if isinstance(exc, Rejected) else (exc.msg_rslt or str(exc))
                code = exc.infcode if isinstance(exc, Rejected) else None
                meaning = self.meaning(txn, words)
                self._journal_end(entry, exc, "busy" if meaning == "try_later" else "rejected", started)
                platform = PlatformWords(infcode=code, err_msg=words, meaning=meaning)
                if meaning == "try_later":
                    raise _error("platform_busy", f"医保平台繁忙，{infno} 未办理，请稍后再试：{words}", msgid=exc.msgid,
                                 platform=platform) from None
                raise _error("platform_refused", f"医保平台拒绝了 {infno}：{words}", msgid=exc.msgid,
                             platform=platform) from None
            except GatewayRejected as exc:
                self._journal_end(entry, exc, "refused_by_gateway", started)
                raise _error("gateway_refused", "医保网关拒绝了本院的凭据（配置问题，请联系信息科）",
                             msgid=exc.msgid) from None
            else:
                output = txn.read_output(answer.output)
                dumped = output.model_dump(mode="json", exclude_none=True) if output is not None else None
                exchange = answer.exchange
                final = exchange.msgid if exchange else msgid
                self._journal_update(entry, started, outcome="acknowledged", msgid=final, platform_code=str(
                    answer.infcode), exchange=exchange, platform_ref=answer.inf_refmsgid,
                    business_ref=business_ref or _business_ref(payload, dumped))
                log.info("hsa gateway %s msgid=%s caller=%s acknowledged in %dms", infno, final, caller,
                         round((time.monotonic() - started) * 1000))
                return GatewayAnswer(infno, final, dumped, answer.warn_msg)
        raise AssertionError("unreachable")  # pragma: no cover - every attempt returns or raises

    def meaning(self, txn: Txn, words: str) -> str:
        """What a refusal means: the transaction's own known errors first, then the platform-wide wording of
        ``include/mappings/hsa_answers.yaml``."""
        for known in txn.errors:
            if known.wording in words:
                return known.meaning
        return str(self.meanings.meaning(words))

    @staticmethod
    def transaction(infno: str) -> Txn:
        try:
            txn = catalogue.get(infno)
        except UnknownTransaction:
            raise _error("unknown_transaction", f"交易 {infno} 不在医保交易目录中") from None
        if txn.many and txn.err_node:  # the 进销存 batches are sent by the traceability feeds, not by the HIS
            raise _error("unknown_transaction", f"{infno} 由追溯码上传任务发送，不经实时网关")
        return txn

    # -- lost answers --------------------------------------------------------------------------------------
    def _lost(self, txn: Txn, payload: Any, msgid: str, entry: int, client: HsaClient, caller: str,
              insuplc_admdvs: str) -> None:
        """The answer to a state-changing call was lost: reverse it when the spec allows, else say so."""
        if not txn.reversible:
            advice = f"请先查询（52xx）或用 {txn.undone_by} 撤销后再办理" if txn.undone_by else "请先查询确认后再办理"
            raise _error("outcome_unknown", f"{txn.infno} 已发出但未收到应答，结果未知：不要直接重发，{advice}",
                         msgid=msgid)
        reversal = self._reverse(txn.infno, payload, msgid, entry, client, caller, insuplc_admdvs)
        if reversal is None:
            raise _error("outcome_unknown", f"{txn.infno} 未收到应答，冲正（2601）也未确认：不要重发，"
                         "网关会再次冲正，请稍后查询", msgid=msgid)
        raise _error("reversed_retry", f"{txn.infno} 未收到应答，已用 2601 冲正，请重新办理", msgid=msgid,
                     reversal_msgid=reversal)

    def _reverse(self, oinfno: str, payload: Any, omsgid: str, entry: int, client: HsaClient, caller: str,
                 insuplc_admdvs: str) -> str | None:
        """Send 2601 for ``omsgid``; its msgid when the original is undone (or never arrived), else ``None``."""
        body = Reversal(psn_no=_find(payload, "psn_no") or "", omsgid=omsgid, oinfno=oinfno).model_dump(mode="json")
        rentry, msgid = self._journal_begin(catalogue.get(REVERSAL), client.next_msgid, body, caller, insuplc_admdvs,
                                            business_ref=omsgid)
        started = time.monotonic()
        try:
            answer = client.call(REVERSAL, body, msgid=msgid, insuplc_admdvs=insuplc_admdvs, wire=True)
        except Rejected as exc:
            gone = any(e.wording in exc.err_msg for e in catalogue.get(REVERSAL).errors if e.meaning == "not_found")
            self._journal_end(rentry, exc, "acknowledged" if gone else "rejected", started)
            if not gone:
                log.error("hsa gateway 2601 of %s refused: %s — left in flight", omsgid, exc)
                return None
        except HsaError as exc:
            self._journal_end(rentry, exc, "unknown", started)
            log.error("hsa gateway 2601 of %s unanswered — left in flight", omsgid)
            return None
        else:
            self._journal_update(rentry, started, outcome="acknowledged", msgid=msgid, exchange=answer.exchange,
                                 platform_code=str(answer.infcode), platform_ref=answer.inf_refmsgid)
        self.ledger.journal_update(entry, outcome="reversed", err_msg=f"answer lost; reversed by 2601 {msgid}")
        log.warning("hsa gateway %s msgid=%s: answer lost, reversed by 2601 msgid=%s", oinfno, omsgid, msgid)
        return msgid

    def resolve_in_flight(self, operator: Operator = Operator(), *, older_than_s: float = 0) -> int:
        """Calls a dead process (or an unconfirmed reversal) left ``in_flight`` — started more than
        ``older_than_s`` ago, so that another worker's call still on the wire is left alone: reverse those 2601
        may reverse, mark the others ``unknown`` (ops check them); returns how many were resolved."""
        resolved = 0
        before = self.clock() - timedelta(seconds=older_than_s)
        for row in self.ledger.journal_in_flight(PLATFORM, started_before=before):
            txn = catalogue.get(row["operation"])
            if not txn.changes_state:
                self.ledger.journal_update(row["id"], outcome="abandoned", err_msg="no answer recorded (read-only)")
                resolved += 1
                continue
            if not txn.reversible or txn.infno == REVERSAL:
                self.ledger.journal_update(row["id"], outcome="unknown",
                                           err_msg="no answer recorded: check on the platform before redoing")
                resolved += 1
                continue
            payload, area = _business_input(row["request"], txn)
            if self._reverse(txn.infno, payload, row["msgid"], row["id"], self.client_for(operator),
                             row["caller"] or "gateway", area) is not None:
                resolved += 1
        return resolved

    # -- the journal ---------------------------------------------------------------------------------------
    def _journal_begin(self, txn: Txn, msgid: Callable[[], str], payload: Any, caller: str, insuplc_admdvs: str,
                       business_ref: str | None = None) -> tuple[int, str]:
        """The call as leaving, with its msgid, in the envelope's shape (what a restart needs to reverse it); the
        whole envelope replaces it when the answer is in."""
        request = {"infno": txn.infno, "insuplc_admdvs": insuplc_admdvs,
                   "input": payload if txn.node is None else {txn.node: payload}}
        # the msgid is taken in a short transaction of its own: every concurrent call takes the same per-second
        # counter, and holding its row lock through this entry's commit would queue the callers one by one
        taken = msgid()
        entry = self.ledger.journal(JournalEntry(
            platform=PLATFORM, operation=txn.infno, direction="out", outcome="in_flight", started_at=self.clock(),
            caller=caller, msgid=taken, request=orjson.dumps(request).decode(),
            business_ref=business_ref or _business_ref(payload, None)))
        return entry, taken

    def _journal_end(self, entry: int, exc: HsaError, outcome: str, started: float) -> None:
        err = exc.err_msg if isinstance(exc, Rejected) else str(exc)
        code = str(exc.infcode) if isinstance(exc, Rejected) else None
        self._journal_update(entry, started, outcome=outcome, msgid=exc.msgid, exchange=exc.exchange,
                             platform_code=code, err_msg=err)

    def _journal_update(self, entry: int, started: float, *, outcome: str, msgid: str | None, exchange: Any,
                        **values: Any) -> None:
        values |= {"outcome": outcome, "duration_ms": round((time.monotonic() - started) * 1000)}
        if msgid:
            values["msgid"] = msgid
        if exchange is not None:
            values |= {"request": exchange.request_text, "response": exchange.response_text,
                       "http_status": exchange.status}
        self.ledger.journal_update(entry, **{k: v for k, v in values.items() if v is not None})


# -- validation ------------------------------------------------------------------------------------------------
def validated(txn: Txn, body: Any) -> Any:
    """The wire form of ``body`` per ``txn``'s declaration, or :class:`GatewayError` ``invalid_input``."""
    if txn.many:
        if not isinstance(body, list) or not body:
            raise _invalid([FieldProblem(field=txn.node or "input", reason="须为非空列表（每行一条明细）")])
        rows, problems = [], []
        for n, row in enumerate(body):
            try:
                rows.append(_wire(txn.body, row))
            except ValidationError as exc:
                problems += _problems(exc, prefix=f"{txn.node}[{n}]")
        if problems:
            raise _invalid(problems)
        return rows
    if not isinstance(body, Mapping):
        raise _invalid([FieldProblem(field=txn.node or "input", reason="须为 JSON 对象")])
    try:
        return _wire(txn.body, body)
    except ValidationError as exc:
        raise _invalid(_problems(exc, prefix=txn.node)) from None


def _wire(model: type[BaseModel], row: Any) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise ValidationError.from_exception_data(model.__name__, [
            {"type": "dict_type", "loc": (), "input": None}])
    return model.model_validate(dict(row)).model_dump(mode="json")


def _problems(exc: ValidationError, prefix: str | None) -> list[FieldProblem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"])
        field = ".".join(p for p in (prefix, loc) if p) or "input"
        out.append(FieldProblem(field=field, reason=_reason(err)))
    return out


_REASONS = {
    "missing": "必填项缺失", "required_empty": "必填项为空", "extra_forbidden": "不是该交易的字段",
    "string_too_long": "超过长度上限", "literal_error": "不是允许的代码值", "date_from_datetime_parsing": "不是日期",
    "date_parsing": "不是日期", "datetime_parsing": "不是日期时间", "decimal_parsing": "不是数字",
    "decimal_max_places": "小数位数超过上限", "decimal_max_digits": "数字位数超过上限",
}


def _reason(err: Mapping[str, Any]) -> str:
    words = _REASONS.get(err["type"])
    return f"{words}（{err['msg']}）" if words else err["msg"]


def _invalid(problems: Sequence[FieldProblem]) -> GatewayError:
    fields = "、".join(p.field for p in problems[:5])
    return _error("invalid_input", f"输入不符合交易定义，未发送：{fields}", fields=list(problems))


def _error(code: str, message: str, **values: Any) -> GatewayError:
    return GatewayError(ErrorBody(code=code, message=message, **values))


# -- payload look-ups --------------------------------------------------------------------------------------------
def _find(payload: Any, name: str) -> str | None:
    """The first value of ``name`` in the payload, its nodes, or its first list row."""
    if isinstance(payload, list):
        return _find(payload[0], name) if payload else None
    if not isinstance(payload, Mapping):
        return None
    if payload.get(name) not in (None, ""):
        return str(payload[name])
    for value in payload.values():
        if isinstance(value, (Mapping, list)) and (found := _find(value, name)):
            return found
    return None


def _business_ref(payload: Any, output: Any) -> str | None:
    for source in (payload, output):
        for name in _REF_FIELDS:
            if found := _find(source, name):
                return found
    return None


def _business_input(request: str | None, txn: Txn) -> tuple[Any, str]:
    """The business input of a journalled call (its envelope's ``input`` node) and its ``insuplc_admdvs``."""
    data = orjson.loads(request) if request else {}
    inp = data.get("input", {}) if isinstance(data, dict) else {}
    if txn.node and isinstance(inp, dict):
        inp = inp.get(txn.node, inp)
    return inp, (data.get("insuplc_admdvs") or "") if isinstance(data, dict) else ""
