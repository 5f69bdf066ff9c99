"""The 互认 platform's client: one JSON ``POST`` per call, the answer mapped to a typed result or to exactly one
error of :mod:`~hisbridge.platforms.mutual.errors`.

Usage::

    client = MutualClient(MutualSettings(base_url="http://10.1.2.3:8093"))
    answer = client.upload("uploadLabReport", rows)          # UploadAnswer: accepted, failed {BusinessNo: Failure}
    gone = client.delete("labReport", ["R1"])                # DeleteAnswer: deleted, failed
    reports = client.query_reminders(query)                  # list[ReportSummary], within query_timeout_s
    detail = client.get_report("RPT1", "LIS")                # ReportDetail (NotFound when unknown)
    exchange = client.record("uploadRecognitionRecord", [record])   # data null: the evidence only

The wire (our declared analogue; Jiangxi's spec is not public, so paths, auth and answer codes are
configurable): ``POST <base>/api/v1/<operation>`` with a JSON body (UTF-8); the answer ``{"code", "msg",
"request_id", "data"}``, success iff the code's class is ``ok`` (``include/mappings/mutual_answers.yaml``).
Uploads send ``{"orgCode": <ours>, "data": [row, …]}`` (at most ``max_batch`` rows, every row of our
``OrgCode``); the answer's ``data`` names the rows it refused (``failed``: index, BusinessNo, code, msg).

Timeouts: ``(connect, read)`` — uploads, withdrawals and records wait ``timeout_s`` for the answer, queries
``query_timeout_s`` (or the caller's budget), which also caps the connect timeout. A connect failure is
:class:`~.errors.NotSent`; a read timeout after sending is :class:`~.errors.OutcomeUnknown`. Redirects are not
followed (a POST must not turn into a GET).

Logging: operation, row count, HTTP status, answer code, the platform's ``request_id`` and the duration —
never a body, never a header value (personal data stays in the ledger, our own database).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Self

import orjson
import requests
from pydantic import BaseModel, ValidationError
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import ProxyError as _UrllibProxyError
from urllib3.exceptions import SSLError as _UrllibSSLError

from hisbridge.platforms.mutual import catalogue
from hisbridge.platforms.mutual.answers import (
    AnswerClass,
    AnswerCodes,
    DeleteAnswer,
    Reply,
    UploadAnswer,
    load_answer_codes,
    read_reply,
)
from hisbridge.platforms.mutual.auth import auth_headers, new_nonce, redact
from hisbridge.platforms.mutual.catalogue import Operation
from hisbridge.platforms.mutual.errors import (
    Busy,
    Exchange,
    Failure,
    Misconfigured,
    MutualError,
    NotFound,
    NotSent,
    OutcomeUnknown,
    Refused,
)
from hisbridge.platforms.mutual.fields import wire_pii_values
from hisbridge.platforms.mutual.models import (
    DeleteData,
    DeleteResult,
    FieldError,
    ReminderQuery,
    ReportDetail,
    ReportQuery,
    ReportSummary,
    UploadResult,
)
from hisbridge.platforms.mutual.settings import MutualSettings

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json; charset=utf-8"

__all__ = ["MutualClient", "MutualError", "MutualSettings"]


def _connection_phase(exc: requests.RequestException) -> bool:
    """True when the request failed before any byte of it can have reached the platform."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.InvalidURL):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):  # urllib3 gave up connecting (it never retries after sending here)
        # NewConnectionError (refused, no route, name not resolved) is a ConnectTimeoutError in urllib3
        return isinstance(reason.reason, ConnectTimeoutError | _UrllibSSLError | _UrllibProxyError)
    return False


class MutualClient:
    """Calls the 互认 platform. Thread-safe for the calls it makes (a ``requests.Session`` per client).

    :param settings: the platform's address, our institution, auth and timeouts.
    :param session: a ``requests.Session`` (tests mount a transport adapter on it); a new one by default.
    :param answer_codes: what the answer codes mean; ``include/mappings/mutual_answers.yaml`` by default.
    :param clock: unix time in seconds (the hmac timestamp).
    :param nonce: a new nonce per request (hmac).
    """

    def __init__(self, settings: MutualSettings, session: requests.Session | None = None, *,
                 answer_codes: AnswerCodes | None = None, clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = new_nonce) -> None:
        self.settings = settings
        self.answer_codes = answer_codes or load_answer_codes()
        self._clock = clock
        self._nonce = nonce
        self._own_session = session is None
        self._session = session if session is not None else _session()

    # -- data uploads --------------------------------------------------------------------------------------------
    def upload(self, op: str, rows: Sequence[Mapping[str, Any]]) -> UploadAnswer:
        """Upload validated wire rows of one upload operation (upserted by ``BusinessNo``).

        :returns: what the platform took; rows named in ``failed`` were refused, the others accepted.
        :raises Refused: the whole message refused (``.failed`` names rows when the answer does).
        :raises Misconfigured: more rows than ``max_batch``, a row of another ``OrgCode``, or the platform
            refused our credentials. Nothing is sent in the first two cases.
        :raises NotSent | Busy | OutcomeUnknown: transport and platform faults.
        """
        operation = self._operation(op, "upload")
        s = self.settings
        keys = [str(r.get("BusinessNo") or "") for r in rows]
        if not rows:
            raise ValueError(f"{op}: nothing to upload")
        if len(set(keys)) != len(keys) or "" in keys:
            raise ValueError(f"{op}: every row needs its own BusinessNo (the answer names failed rows by it)")
        if len(rows) > s.max_batch:
            raise Misconfigured(f"互认平台 {op}: {len(rows)} rows in one message, the connection's max_batch is "
                                f"{s.max_batch} (lower the feed's batch or raise max_batch)", operation=op)
        foreign = sorted({str(r.get("OrgCode")) for r in rows} - {s.org_code})
        if foreign:
            raise Misconfigured(f"互认平台 {op}: rows of OrgCode {foreign} but the connection's org_code is "
                                f"{s.org_code!r} (the feed's OrgCode and the connection must agree)", operation=op)
        pii = wire_pii_values(operation.body, rows)
        reply, exchange = self._post(operation, {"orgCode": s.org_code, "data": list(rows)},
                                     timeout=s.timeout_s, pii_values=pii, keys=keys)
        try:
            result = UploadResult.model_validate(reply.data or {})
        except ValidationError:
            raise self._unreadable(operation, exchange, "its data is not {accepted, failed}") from None
        failed = _row_failures(result, keys)
        if failed is None:
            raise self._unreadable(operation, exchange, "its failed rows do not match the rows sent")
        accepted = len(keys) - len(failed)
        if result.accepted is not None and result.accepted != accepted:
            log.warning("mutual %s request_id=%s: accepted=%d but %d of %d rows are not in failed", op,
                        exchange.request_id, result.accepted, accepted, len(keys))
        return UploadAnswer(exchange, accepted, failed, reply.code, reply.msg)

    def delete(self, data_type: str, keys: Sequence[str]) -> DeleteAnswer:
        """Withdraw rows of ``data_type`` by their ``BusinessNo``.

        :returns: what was deleted and, per key, what was not (``A0404`` when the platform held nothing).
        :raises NotFound: the whole message answered ``A0404``.
        :raises Refused | Misconfigured | NotSent | Busy | OutcomeUnknown: as :meth:`upload`.
        """
        operation = self._operation("deleteData", "delete")
        catalogue.by_data_type(data_type)
        body = DeleteData(orgCode=self.settings.org_code, dataType=data_type, businessNos=list(keys)).wire()
        wanted = [str(k) for k in keys]
        reply, exchange = self._post(operation, body, timeout=self.settings.timeout_s, keys=wanted)
        try:
            result = DeleteResult.model_validate(reply.data or {})
        except ValidationError:
            raise self._unreadable(operation, exchange, "its data is not {deleted, failed}") from None
        failed: dict[str, Failure] = {}
        for f in result.failed:
            key = f.BusinessNo if f.BusinessNo is not None else (wanted[0] if len(wanted) == 1 else None)
            if key not in wanted:
                raise self._unreadable(operation, exchange, "its failed keys do not match the keys sent")
            failed[key] = Failure(f.code or "", f.msg or "")
        return DeleteAnswer(exchange, list(result.deleted), failed, reply.code, reply.msg)

    # -- real-time queries -----------------------------------------------------------------------------------------
    def query_reminders(self, query: ReminderQuery, *, timeout_s: float | None = None) -> list[ReportSummary]:
        """Other hospitals' recognisable reports of the patient, newest first (read-only: safe to ask again).

        :param timeout_s: the caller's budget; ``query_timeout_s`` by default.
        """
        operation = self._operation("queryReminders", "query")
        if query.orgCode is None:
            query = query.model_copy(update={"orgCode": self.settings.org_code})
        reply, exchange = self._post(operation, query.wire(), timeout=timeout_s or self.settings.query_timeout_s,
                                     pii_values=wire_pii_values(ReminderQuery, [query.wire()]))
        data = reply.data if reply.data is not None else []
        if not isinstance(data, list):
            raise self._unreadable(operation, exchange, "its data is not a list of reports")
        try:
            return [ReportSummary.model_validate(item) for item in data]
        except ValidationError:
            raise self._unreadable(operation, exchange, "a report in its data is not readable") from None

    def get_report(self, report_id: str, item_type: str, *, timeout_s: float | None = None) -> ReportDetail:
        """One report in full (read-only). :raises NotFound: the platform knows no such report."""
        operation = self._operation("getReport", "query")
        body = ReportQuery(orgCode=self.settings.org_code, reportId=report_id, itemType=item_type).wire()
        reply, exchange = self._post(operation, body, timeout=timeout_s or self.settings.query_timeout_s)
        try:
            return ReportDetail.model_validate(reply.data)
        except ValidationError:
            raise self._unreadable(operation, exchange, "its data is not a report") from None

    # -- behaviour records -------------------------------------------------------------------------------------
    def record(self, op: str, body: BaseModel | Sequence[BaseModel]) -> Exchange:
        """Upload behaviour records (the five record operations; ``data`` is null). The platform dedupes by
        each record's GUID, so a record whose outcome is unknown is simply sent again.

        :returns: the evidence of the call.
        :raises NotFound: ``revokeNonRecognition`` without a live 不互认 for (GHId, reportId).
        :raises Refused | Misconfigured | NotSent | Busy | OutcomeUnknown: as :meth:`upload`.
        """
        operation = self._operation(op, "record")
        items = [body] if isinstance(body, BaseModel) else list(body)
        if not items:
            raise ValueError(f"{op}: no record to upload")
        wrong = sorted({type(b).__name__ for b in items if not isinstance(b, operation.body)})
        if wrong:
            raise TypeError(f"{op} takes {operation.body.__name__} bodies, not {', '.join(wrong)}")
        if not operation.many and len(items) != 1:
            raise ValueError(f"{op} takes one {operation.body.__name__}, not {len(items)}")
        wire = [b.wire() for b in items]  # type: ignore[attr-defined]
        payload: Any = wire if operation.many else wire[0]
        _, exchange = self._post(operation, payload, timeout=self.settings.timeout_s,
                                 pii_values=wire_pii_values(operation.body, wire))
        return exchange

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- one call ------------------------------------------------------------------------------------------------
    def _operation(self, name: str, kind: str) -> Operation:
        operation = catalogue.get(name)
        if operation.kind != kind:
            raise ValueError(f"{name} is a {operation.kind!r} operation, this call takes {kind!r} operations")
        return operation

    def _post(self, op: Operation, payload: Any, *, timeout: float, pii_values: Iterable[str] = (),
              keys: Sequence[str] = ()) -> tuple[Reply, Exchange]:
        """Send one call; the reply when its code means success, else the one error that says what happened."""
        s = self.settings
        text = orjson.dumps(payload).decode()
        raw = text.encode("utf-8")
        url = s.url_for(op.name)
        headers = {"Content-Type": CONTENT_TYPE,
                   **auth_headers(s.auth, app_id=s.app_id, secret=s.secret_value(), body=raw, now=self._clock(),
                                  nonce=self._nonce)}
        kept = redact(headers)
        n = len(payload["data"]) if isinstance(payload, dict) and isinstance(payload.get("data"), list) else (
            len(payload) if isinstance(payload, list) else 1)
        sent_at = datetime.now(UTC)
        started = time.monotonic()

        def evidence(status: int | None = None, answer: str | None = None, error: str | None = None,
                     request_id: str | None = None) -> Exchange:
            return Exchange(operation=op.name, method="POST", url=url, request_text=text, request_headers=kept,
                            sent_at=sent_at, status=status, response_text=answer,
                            duration_ms=round((time.monotonic() - started) * 1000), error=error,
                            request_id=request_id)

        try:
            response = self._session.post(url, data=raw, headers=headers,
                                          timeout=(min(s.connect_timeout_s, timeout), timeout),
                                          allow_redirects=False, verify=s.verify)
        except requests.RequestException as exc:
            exchange = evidence(error=type(exc).__name__)
            if _connection_phase(exc):
                log.warning("mutual %s rows=%d not sent: %s after %dms", op.name, n, type(exc).__name__,
                            exchange.duration_ms)
                raise NotSent(f"互认平台 {op.name} not sent: {type(exc).__name__}", operation=op.name,
                              exchange=exchange) from exc
            log.warning("mutual %s rows=%d outcome unknown: %s after %dms", op.name, n, type(exc).__name__,
                        exchange.duration_ms)
            raise OutcomeUnknown(f"互认平台 {op.name} outcome unknown: {type(exc).__name__} after sending",
                                 operation=op.name, exchange=exchange) from exc

        answer_text = _decode(response.content)
        reply = read_reply(answer_text)
        exchange = evidence(response.status_code, answer_text, request_id=reply.request_id if reply else None)
        log.info("mutual %s rows=%d http=%d code=%s request_id=%s %dms", op.name, n, response.status_code,
                 reply.code if reply else "-", exchange.request_id or "-", exchange.duration_ms)
        self._judge(op, exchange, reply, pii_values, keys)
        assert reply is not None  # _judge raised otherwise
        return reply, exchange

    def _judge(self, op: Operation, exchange: Exchange, reply: Reply | None, pii_values: Iterable[str],
               keys: Sequence[str]) -> None:
        """Raise the error the answer means; return when it means success."""
        status = exchange.status or 0
        what = f"互认平台 {op.name}"
        context: dict[str, Any] = {"operation": op.name, "exchange": exchange}
        if reply is None:
            if status >= 500 or status < 200:
                raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status}", **context)
            if status == 408:
                raise NotSent(f"{what} not processed: HTTP 408", **context)
            if status == 429:
                raise Busy(f"{what} not processed, the platform is busy: HTTP 429", **context)
            if status in (401, 403):
                raise Misconfigured(f"{what} refused our credentials: HTTP {status} (check the connection's auth, "
                                    f"login and password)", status=status, **context)
            if status >= 300:
                raise Misconfigured(f"{what} did not reach the platform's API: HTTP {status} (check host, port and "
                                    f"paths of the connection)", status=status, **context)
            raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status} without the platform's answer", **context)
        kind = self.answer_codes.classify(reply.code)
        ref = f"code={reply.code} request_id={exchange.request_id or '-'}"
        if status >= 500 and kind is not AnswerClass.BUSY:
            raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status} ({ref})", **context)
        if kind is AnswerClass.OK:
            if not 200 <= status < 300:
                raise OutcomeUnknown(f"{what} outcome unknown: success code with HTTP {status}", **context)
            return
        if kind is AnswerClass.BUSY:
            raise Busy(f"{what} not processed, the platform is busy ({ref})", **context)
        if kind is AnswerClass.UNKNOWN:
            raise OutcomeUnknown(f"{what} outcome unknown: the platform failed ({ref})", **context)
        if kind is AnswerClass.MISCONFIGURED:
            raise Misconfigured(f"{what} refused our credentials or signature ({ref}): fix the connection",
                                status=status, code=reply.code, **context)
        details, failed, accepted = _refusal_detail(op, reply.data, keys)
        error = NotFound if kind is AnswerClass.NOT_FOUND else Refused
        raise error(operation=op.name, code=reply.code, msg=reply.msg, exchange=exchange, details=details,
                    failed=failed, accepted=accepted, pii_values=pii_values)

    def _unreadable(self, op: Operation, exchange: Exchange, why: str) -> OutcomeUnknown:
        log.warning("mutual %s request_id=%s outcome unknown: %s", op.name, exchange.request_id or "-", why)
        return OutcomeUnknown(f"互认平台 {op.name} answered success but {why}", operation=op.name, exchange=exchange)


def _row_failures(result: UploadResult, keys: Sequence[str]) -> dict[str, Failure] | None:
    """Failed rows by BusinessNo, or ``None`` when the answer names rows we did not send (or names one by an
    index and another BusinessNo): then nobody can tell which rows the platform kept."""
    sent = set(keys)
    failed: dict[str, Failure] = {}
    for f in result.failed:
        by_index = keys[f.index] if f.index is not None and 0 <= f.index < len(keys) else None
        if f.BusinessNo is not None:
            if f.BusinessNo not in sent or (f.index is not None and by_index != f.BusinessNo):
                return None
            key = f.BusinessNo
        elif by_index is not None:
            key = by_index
        else:
            return None
        failed[key] = Failure(f.code or "", f.msg or "")
    return failed


def _refusal_detail(op: Operation, data: Any, keys: Sequence[str]
                    ) -> tuple[list[tuple[str, str]], dict[str, Failure], int]:
    """A refusal's field errors (``A0400``'s ``[{"field", "msg"}]``) and, for an upload whose answer names its
    failed rows, those rows and how many the platform says it accepted."""
    details: list[tuple[str, str]] = []
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                try:
                    e = FieldError.model_validate(item)
                except ValidationError:
                    continue
                if e.field or e.msg:
                    details.append((e.field or "", e.msg or ""))
    if op.kind == "upload" and isinstance(data, dict) and isinstance(data.get("failed"), list):
        try:
            result = UploadResult.model_validate(data)
        except ValidationError:
            return details, {}, 0
        failed = _row_failures(result, keys)
        if failed is not None:
            return details, failed, max(0, min(result.accepted or 0, len(keys) - len(failed)))
    return details, {}, 0


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def _session() -> requests.Session:
    """A session that keeps a few connections open (the workstation service asks from several threads)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
