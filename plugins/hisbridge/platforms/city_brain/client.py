"""The hospital's client of the 城市大脑: one signed JSON ``POST`` per push, the answer mapped to a typed result or to
exactly one error of :mod:`~hisbridge.platforms.city_brain.errors`.

Usage::

    client = CityBrainClient(PushSettings(base_url="http://10.1.2.3:8885", app_id="hisbridge-360102001",
                                          secret="…", org_code="360102001"))
    answer = client.notify(event)                       # NotifyAnswer: event_id, duplicate
    answer = client.history("bill", "bill-SF0001-200-9f3c…", records)   # HistoryAnswer: accepted, failed
    exchange = client.probe()                            # connection test: an empty notify, answered 2001

The wire (our declared analogue; Nanchang's spec is not public, so paths, sign type and answer codes are
configurable): ``POST <base>/api/v1/<operation>`` with the envelope ``{"appId", "timestamp" (epoch ms), "nonce",
"signType", "sign", "bizContent"}`` signed as :mod:`~hisbridge.platforms.city_brain.signing` says; the answer
``{"code", "message", "requestId", "data"}``, success iff the code's class is ``ok``
(``include/mappings/city_brain_outbound_answers.yaml``). Every call is signed afresh — its own timestamp and
nonce — so a re-send after a failure is a new request to the city brain's replay check, never a replay (``1004``).
``bizContent`` carries our ``orgCode`` (the connection's ``org_code``): notify ``{orgCode, …the event}``, history
``{orgCode, dataType, batchNo, records}``.

Timeouts: ``(connect_timeout_s, timeout_s)``. A connect failure is :class:`~.errors.NotSent`; a read timeout after
sending is :class:`~.errors.OutcomeUnknown`. Redirects are not followed (a POST must not turn into a GET).

Logging: operation, record count, HTTP status, answer code, the city brain's ``requestId`` and the duration —
never a body (patient ids and clinical content stay in the ledger, our own database).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Self

import orjson
import requests
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import ProxyError as _UrllibProxyError
from urllib3.exceptions import SSLError as _UrllibSSLError

from hisbridge.platforms.city_brain.errors import (
    Busy,
    Exchange,
    Failure,
    Misconfigured,
    NotSent,
    OutcomeUnknown,
    Refused,
    scrub,
)
from hisbridge.platforms.city_brain.outbound import (
    DATA_TYPES,
    MAX_RECORDS,
    OPERATIONS,
    AnswerClass,
    AnswerCodes,
    Reply,
    load_answer_codes,
    read_reply,
)
from hisbridge.platforms.city_brain.signing import SIGN_TYPES, SignType, sign

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json; charset=utf-8"


class PushSettings(BaseModel):
    """Where the city brain receives our pushes and who we are there (built from the connection ``city_brain``
    by :mod:`~hisbridge.platforms.city_brain.hooks`; tests build it directly)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Annotated[str, Field(min_length=8)] = Field(description="城市大脑接收地址 scheme://host[:port][/prefix]")
    app_id: str = Field(min_length=1, max_length=64, description="本院在城市大脑的 appId（连接的 login）")
    secret: SecretStr = Field(description="签名密钥（连接的 password）")
    sign_type: SignType = Field("SM3", description="签名算法：SM3（默认）、SHA256 或 HMAC-SHA256")
    org_code: str = Field("360102001", min_length=1, max_length=50, description="本机构代码（bizContent 的 orgCode）")
    org_name: str = Field("南昌市第一医院", min_length=1, max_length=100, description="本机构名称")
    paths: dict[str, str] = Field(default_factory=dict, description="接口 → 路径，覆盖 /api/v1/<接口>")
    timeout_s: float = Field(10, gt=0, le=300, description="等待应答的秒数")
    connect_timeout_s: float = Field(3, gt=0, le=60, description="建立连接的秒数")
    verify: bool | str = Field(True, description="TLS 校验：true/false 或 CA 证书路径")

    @field_validator("paths")
    @classmethod
    def _known_operations(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(OPERATIONS))
        if unknown:
            raise ValueError(f"paths for unknown operations {unknown}; known: {', '.join(OPERATIONS)}")
        blank = sorted(op for op, path in value.items() if not str(path).strip())
        if blank:
            raise ValueError(f"empty paths for {blank}")
        return value

    @field_validator("sign_type", mode="before")
    @classmethod
    def _sign_type(cls, value: Any) -> Any:
        if value not in SIGN_TYPES:
            raise ValueError(f"sign_type must be one of {', '.join(SIGN_TYPES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        if not self.secret.get_secret_value():
            raise ValueError("the secret (the connection's password) is empty")
        return self

    def url_for(self, operation: str) -> str:
        path = self.paths.get(operation) or OPERATIONS[operation].default_path
        if path.startswith(("http://", "https://")):  # a site may route one operation elsewhere entirely
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class NotifyAnswer:
    """The city brain took the event (``duplicate``: it already had that eventId — a re-send)."""

    exchange: Exchange
    event_id: str
    duplicate: bool
    code: str
    message: str


@dataclass(frozen=True)
class HistoryAnswer:
    """The city brain answered a history call: records not in ``failed`` were upserted."""

    exchange: Exchange
    accepted: int
    #: recordId → why the city brain refused that record
    failed: Mapping[str, Failure]
    code: str
    message: str


def new_nonce() -> str:
    """32 random hex digits (the wire allows 16–64 letters and digits)."""
    return secrets.token_hex(16)


def _connection_phase(exc: requests.RequestException) -> bool:
    """True when the request failed before any byte of it can have reached the city brain."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.InvalidURL):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):  # urllib3 gave up connecting (it never retries after sending here)
        return isinstance(reason.reason, ConnectTimeoutError | _UrllibSSLError | _UrllibProxyError)
    return False


class CityBrainClient:
    """Pushes to the city brain. Thread-safe for the calls it makes (one ``requests.Session``).

    :param settings: the city brain's address, our appId, secret, sign type and institution.
    :param session: a ``requests.Session`` (tests mount a transport adapter on it); a new one by default.
    :param answer_codes: what the answer codes mean; ``include/mappings/city_brain_outbound_answers.yaml`` by default.
    :param clock: unix time in seconds (the envelope's timestamp).
    :param nonce: a new nonce per call.
    """

    def __init__(self, settings: PushSettings, session: requests.Session | None = None, *,
                 answer_codes: AnswerCodes | None = None, clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = new_nonce) -> None:
        self.settings = settings
        self.answer_codes = answer_codes or load_answer_codes()
        self._clock = clock
        self._nonce = nonce
        self._own_session = session is None
        self._session = session if session is not None else _session()

    # -- the two pushes ------------------------------------------------------------------------------------------
    def notify(self, event: Mapping[str, Any]) -> NotifyAnswer:
        """Push one event (a validated wire row, without ``orgCode``: ours is added).

        :raises Refused | Misconfigured | NotSent | Busy | OutcomeUnknown: see :mod:`~.errors`.
        """
        biz = {"orgCode": self.settings.org_code, **{k: v for k, v in event.items() if k != "orgCode"}}
        reply, exchange = self._post("notify", biz, records=1)
        data = reply.data if isinstance(reply.data, Mapping) else {}
        event_id = str(data.get("eventId") or event.get("eventId") or "")
        if data.get("eventId") not in (None, event.get("eventId")):
            raise self._unreadable("notify", exchange, "its eventId is not the one sent")
        return NotifyAnswer(exchange, event_id, bool(data.get("duplicate")), reply.code, reply.message)

    def history(self, data_type: str, batch_no: str, records: Sequence[Mapping[str, Any]]) -> HistoryAnswer:
        """Deliver one page of history records of ``data_type`` (each with its ``recordId``).

        :returns: what the city brain took; records named in ``failed`` were refused, the others upserted.
        :raises Misconfigured: more than 200 records, or two with one recordId (nothing is sent).
        :raises Refused | NotSent | Busy | OutcomeUnknown: see :mod:`~.errors`.
        """
        if data_type not in DATA_TYPES:
            raise ValueError(f"unknown history data type {data_type!r}; known: {', '.join(DATA_TYPES)}")
        if not records:
            raise ValueError("history: nothing to deliver")
        keys = [str(r.get("recordId") or "") for r in records]
        if len(set(keys)) != len(keys) or "" in keys:
            raise ValueError("history: every record needs its own recordId (the answer names refused ones by it)")
        if len(records) > MAX_RECORDS:
            raise Misconfigured(f"城市大脑 history: {len(records)} records in one call, at most {MAX_RECORDS} "
                                f"(lower the feed's batch)", operation="history")
        biz = {"orgCode": self.settings.org_code, "dataType": data_type, "batchNo": batch_no,
               "records": list(records)}
        reply, exchange = self._post("history", biz, records=len(records))
        data = reply.data if isinstance(reply.data, Mapping) else None
        if data is None or not isinstance(data.get("failed", []), list):
            raise self._unreadable("history", exchange, "its data is not {accepted, failed}")
        failed = _failures(data.get("failed") or [], keys)
        if failed is None:
            raise self._unreadable("history", exchange, "its failed records do not match the records sent")
        accepted = data.get("accepted")
        if isinstance(accepted, int) and accepted != len(keys) - len(failed):
            log.warning("city_brain history batchNo=%s requestId=%s: accepted=%s but %d of %d records are not in "
                        "failed", batch_no, exchange.request_id or "-", accepted, len(keys) - len(failed), len(keys))
        return HistoryAnswer(exchange, len(keys) - len(failed), failed, reply.code, reply.message)

    def probe(self) -> Exchange:
        """A signed notify with an empty ``bizContent``: the city brain checks appId, address, clock and signature
        first, then answers ``2001`` for the missing fields — and keeps nothing. Returns the evidence when it
        answered ``2001`` (or ``0``).

        :raises Misconfigured | NotSent | Busy | OutcomeUnknown | Refused: what the connection test reports.
        """
        try:
            _, exchange = self._post("notify", {}, records=0)
        except Refused as exc:
            if exc.code == "2001" and exc.exchange is not None:
                return exc.exchange
            raise
        return exchange

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- one call ------------------------------------------------------------------------------------------------
    def envelope(self, biz: Mapping[str, Any]) -> dict[str, Any]:
        """A freshly signed envelope (new timestamp and nonce) carrying ``biz``."""
        s = self.settings
        envelope: dict[str, Any] = {"appId": s.app_id, "timestamp": str(int(self._clock() * 1000)),
                                    "nonce": self._nonce(), "signType": s.sign_type, "bizContent": dict(biz)}
        envelope["sign"] = sign(envelope, s.secret.get_secret_value(), s.sign_type)
        return envelope

    def _post(self, op: str, biz: Mapping[str, Any], *, records: int) -> tuple[Reply, Exchange]:
        """Send one call; the reply when its code means success, else the one error that says what happened."""
        s = self.settings
        envelope = self.envelope(biz)
        text = orjson.dumps(envelope).decode()
        url = s.url_for(op)
        headers = {"Content-Type": CONTENT_TYPE}
        sent_at = datetime.now(UTC)
        started = time.monotonic()

        def evidence(status: int | None = None, answer: str | None = None, error: str | None = None,
                     request_id: str | None = None) -> Exchange:
            return Exchange(operation=op, method="POST", url=url, request_text=text, request_headers=dict(headers),
                            sent_at=sent_at, status=status, response_text=answer,
                            duration_ms=round((time.monotonic() - started) * 1000), error=error,
                            request_id=request_id, nonce=envelope["nonce"])

        try:
            response = self._session.post(url, data=text.encode("utf-8"), headers=headers,
                                          timeout=(s.connect_timeout_s, s.timeout_s), allow_redirects=False,
                                          verify=s.verify)
        except requests.RequestException as exc:
            exchange = evidence(error=type(exc).__name__)
            if _connection_phase(exc):
                log.warning("city_brain %s records=%d not sent: %s after %dms", op, records, type(exc).__name__,
                            exchange.duration_ms)
                raise NotSent(f"城市大脑 {op} not sent: {type(exc).__name__}", operation=op,
                              exchange=exchange) from exc
            log.warning("city_brain %s records=%d outcome unknown: %s after %dms", op, records,
                        type(exc).__name__, exchange.duration_ms)
            raise OutcomeUnknown(f"城市大脑 {op} outcome unknown: {type(exc).__name__} after sending",
                                 operation=op, exchange=exchange) from exc

        answer_text = _decode(response.content)
        reply = read_reply(answer_text)
        exchange = evidence(response.status_code, answer_text, request_id=reply.request_id if reply else None)
        log.info("city_brain %s records=%d http=%d code=%s requestId=%s %dms", op, records, response.status_code,
                 reply.code if reply else "-", exchange.request_id or "-", exchange.duration_ms)
        self._judge(op, exchange, reply)
        assert reply is not None  # _judge raised otherwise
        return reply, exchange

    def _judge(self, op: str, exchange: Exchange, reply: Reply | None) -> None:
        """Raise the error the answer means; return when it means success."""
        status = exchange.status or 0
        what = f"城市大脑 {op}"
        context: dict[str, Any] = {"operation": op, "exchange": exchange}
        if reply is None:
            if status >= 500 or status < 200:
                raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status}", **context)
            if status == 408:
                raise NotSent(f"{what} not processed: HTTP 408", **context)
            if status == 429:
                raise Busy(f"{what} not processed, the city brain is busy: HTTP 429", **context)
            if status in (401, 403):
                raise Misconfigured(f"{what} refused us: HTTP {status} (check the connection's login and password)",
                                    status=status, **context)
            if status >= 300:
                raise Misconfigured(f"{what} did not reach the city brain's API: HTTP {status} (check host, port "
                                    f"and paths of the connection)", status=status, **context)
            raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status} without the city brain's answer", **context)
        kind = self.answer_codes.classify(reply.code)
        ref = f"code={reply.code} requestId={exchange.request_id or '-'}"
        title = self.answer_codes.title(reply.code) or ""
        if kind is AnswerClass.BUSY:
            raise Busy(f"{what} not processed ({ref} {title}): try later", code=reply.code, **context)
        if status >= 500:
            raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status} ({ref})", **context)
        if kind is AnswerClass.OK:
            if not 200 <= status < 300:
                raise OutcomeUnknown(f"{what} outcome unknown: success code with HTTP {status}", **context)
            return
        if kind is AnswerClass.UNKNOWN:
            raise OutcomeUnknown(f"{what} outcome unknown: the city brain failed ({ref})", **context)
        if kind is AnswerClass.MISCONFIGURED:
            raise Misconfigured(f"{what} refused our call ({ref} {title}: {scrub(reply.message)}): fix the "
                                f"connection city_brain", status=status, code=reply.code, **context)
        raise Refused(operation=op, code=reply.code, words=reply.message, exchange=exchange)

    def _unreadable(self, op: str, exchange: Exchange, why: str) -> OutcomeUnknown:
        log.warning("city_brain %s requestId=%s outcome unknown: %s", op, exchange.request_id or "-", why)
        return OutcomeUnknown(f"城市大脑 {op} answered success but {why}", operation=op, exchange=exchange)


def _failures(items: Sequence[Any], keys: Sequence[str]) -> dict[str, Failure] | None:
    """Refused records by recordId, or ``None`` when the answer names records we did not send (then nobody can
    tell which records the city brain kept). A failure without a recordId names the only record sent."""
    sent = set(keys)
    failed: dict[str, Failure] = {}
    for item in items:
        if not isinstance(item, Mapping):
            return None
        record_id = item.get("recordId")
        if record_id is None and len(keys) == 1:
            record_id = keys[0]
        if record_id is None or str(record_id) not in sent:
            return None
        failed[str(record_id)] = Failure(str(record_id), str(item.get("code") or ""), str(item.get("message") or ""))
    return failed


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def _session() -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
