"""The CDC front-end's push API: one JSON record per request, an answer mapped to :class:`CdcAnswer` or to exactly
one error of :mod:`~hisbridge.platforms.cdc.errors`.

Usage::

    client = CdcClient(CdcSettings(base_url="http://10.1.2.3:8881"))
    answer = client.post("emrPatientInfo", {"id": "P1", "patientName": "…", …})    # upsert by id
    answer = client.delete("emrPatientInfo", {"id": "P1"})                          # remove by id

The wire (platforms.md §1.2): ``POST <base>/hclient/emr/receive/<entity>`` inserts or updates the record with that
``id``; ``DELETE`` to the same URL with a JSON body naming the ``id`` removes it. ``Content-Type:
application/json``, no token (the front-end trusts the hospital network). The answer is JSON: ``result`` (bool),
``desc``, ``id`` (the record acted on), ``errorCode``, ``errorName``; some deployments say ``msg`` instead of
``desc``. ``result`` may come as ``true``/``"true"``/``1``.

Timeouts: ``(connect_timeout, read_timeout)`` — a connect failure is :class:`~.errors.NotSent`, a read timeout
:class:`~.errors.OutcomeUnknown`. Redirects are not followed (a POST must not turn into a GET).

Logging: method, entity, record id, HTTP status, result and duration — never a body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

import orjson
import requests
from pydantic import BaseModel, ConfigDict, Field, model_validator
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import ProxyError as _UrllibProxyError
from urllib3.exceptions import SSLError as _UrllibSSLError

from hisbridge.platforms.cdc.errors import (
    Busy,
    CdcError,
    EndpointRefused,
    Exchange,
    NotSent,
    OutcomeUnknown,
    Refused,
)

log = logging.getLogger(__name__)

DEFAULT_PATH = "/hclient/emr/receive/{entity}"
CONTENT_TYPE = "application/json"
#: words by which a refused DELETE says the record is not there (which is what a delete wants)
NOT_FOUND_WORDS = ("不存在", "未找到", "未查询到", "not found", "not exist")
VoidMode = Literal["delete", "flag"]


class CdcSettings(BaseModel):
    """One hospital's front-end (built from the ``cdc_frontend`` connection by ``hooks.CdcFrontendHook``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Annotated[str, Field(min_length=8)] = Field(description="scheme://host[:port] of the front-end")
    path: str = Field(DEFAULT_PATH, description="request path; '{entity}' is replaced by the entity name")
    connect_timeout: float = Field(5.0, gt=0, description="seconds to establish the connection")
    read_timeout: float = Field(30.0, gt=0, description="seconds to wait for the answer")
    void_mode: VoidMode = Field("delete", description="a record voided in the HIS: DELETE it, or re-send it "
                                                      "with invalid_flag 1 (flag)")
    not_found_words: tuple[str, ...] = Field(NOT_FOUND_WORDS, description="a refused DELETE with these words "
                                                                           "means 'nothing there': done")
    verify: bool | str = Field(True, description="TLS verification: true/false or a CA bundle path")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        if "{entity}" not in self.path:
            raise ValueError("path must contain '{entity}'")
        return self

    def url_for(self, entity: str) -> str:
        return self.base_url.rstrip("/") + "/" + self.path.lstrip("/").replace("{entity}", entity)


@dataclass(frozen=True)
class CdcAnswer:
    """The front-end's answer to one request (``result`` true, or a refusal raised as :class:`Refused`)."""

    result: bool
    desc: str | None
    id: str | None
    error_code: str | None
    error_name: str | None
    exchange: Exchange

    @property
    def words(self) -> str:
        """The front-end's own words, whichever key carried them."""
        return " ".join(w for w in (self.desc, self.error_name) if w) or ""


def read_reply(text: str | None) -> dict[str, Any] | None:
    """The answer's fields (``result`` as a bool, the rest as text), or ``None`` when it is not such an answer."""
    try:
        data = orjson.loads(text or "")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or "result" not in data:
        return None
    result = _boolean(data["result"])
    if result is None:
        return None

    def text_of(*keys: str) -> str | None:
        for key in keys:
            value = data.get(key)
            if value not in (None, ""):
                return str(value)
        return None

    return {"result": result, "desc": text_of("desc", "msg", "message"), "id": text_of("id"),
            "error_code": text_of("errorCode", "error_code"), "error_name": text_of("errorName", "error_name")}


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    return None


def _connection_phase(exc: requests.RequestException) -> bool:
    """True when the request failed before any byte of it can have reached the server."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.InvalidURL):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):  # urllib3 gave up connecting (it never retries after sending here)
        # NewConnectionError (refused, no route, name not resolved) is a ConnectTimeoutError in urllib3
        return isinstance(reason.reason, ConnectTimeoutError | _UrllibSSLError | _UrllibProxyError)
    return False


class CdcClient:
    """Calls the front-end's push API. Thread-safe (a ``requests.Session`` per client).

    :param settings: the front-end's address and timeouts.
    :param session: a ``requests.Session`` (tests mount a transport adapter on it); a new one by default.
    """

    def __init__(self, settings: CdcSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._own_session = session is None
        self._session = session if session is not None else _session()

    def post(self, entity: str, body: Mapping[str, Any], *, pii_values: Iterable[str] = ()) -> CdcAnswer:
        """Insert or update the record ``body["id"]`` (raises as :meth:`send`)."""
        return self.send("POST", entity, body, pii_values=pii_values)

    def delete(self, entity: str, body: Mapping[str, Any], *, pii_values: Iterable[str] = ()) -> CdcAnswer:
        """Remove the record the body names (raises as :meth:`send`)."""
        return self.send("DELETE", entity, body, pii_values=pii_values)

    def send(self, method: Literal["POST", "DELETE"], entity: str, body: Mapping[str, Any], *,
             pii_values: Iterable[str] = ()) -> CdcAnswer:
        """One request; the answer when ``result`` is true.

        :raises Refused: ``result`` false (the front-end's words in ``.words``).
        :raises NotSent | Busy | OutcomeUnknown | EndpointRefused: transport and routing failures.
        """
        s = self.settings
        text = orjson.dumps(dict(body)).decode()
        record_id = _record_id(body)
        url = s.url_for(entity)
        headers = {"Content-Type": CONTENT_TYPE}
        sent_at = datetime.now(UTC)
        started = time.monotonic()

        def evidence(status: int | None = None, answer: str | None = None, error: str | None = None) -> Exchange:
            return Exchange(method=method, url=url, request_text=text, request_headers=dict(headers),
                            sent_at=sent_at, status=status, response_text=answer,
                            duration_ms=round((time.monotonic() - started) * 1000), error=error)

        context = {"entity": entity, "record_id": record_id}
        try:
            response = self._session.request(method, url, data=text.encode("utf-8"), headers=headers,
                                             timeout=(s.connect_timeout, s.read_timeout), allow_redirects=False,
                                             verify=s.verify)
        except requests.RequestException as exc:
            exchange = evidence(error=type(exc).__name__)
            if _connection_phase(exc):
                log.warning("cdc %s %s id=%s not sent: %s after %dms", method, entity, record_id,
                            type(exc).__name__, exchange.duration_ms)
                raise NotSent(f"前置软件 {method} {entity} id={record_id} not sent: {type(exc).__name__}",
                              exchange=exchange, **context) from exc
            log.warning("cdc %s %s id=%s outcome unknown: %s after %dms", method, entity, record_id,
                        type(exc).__name__, exchange.duration_ms)
            raise OutcomeUnknown(f"前置软件 {method} {entity} id={record_id} outcome unknown: "
                                 f"{type(exc).__name__} after sending", exchange=exchange, **context) from exc

        exchange = evidence(response.status_code, _decode(response.content))
        answer = self._read(method, entity, record_id, exchange, pii_values)
        log.info("cdc %s %s id=%s http=%d result=%s %dms", method, entity, record_id, response.status_code,
                 str(answer.result).lower(), exchange.duration_ms)
        return answer

    def is_not_found(self, words: str) -> bool:
        """Whether a refusal's words say the record is not there."""
        lowered = words.lower()
        return any(w.lower() in lowered for w in self.settings.not_found_words)

    def _read(self, method: str, entity: str, record_id: str | None, exchange: Exchange,
              pii_values: Iterable[str]) -> CdcAnswer:
        status = exchange.status or 0
        context = {"entity": entity, "record_id": record_id, "exchange": exchange}
        what = f"前置软件 {method} {entity} id={record_id}"
        if status >= 500 or status < 200:
            log.warning("cdc %s %s id=%s outcome unknown: HTTP %d", method, entity, record_id, status)
            raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status}", **context)
        if status == 408:
            raise NotSent(f"{what} not processed: HTTP 408", **context)
        if status == 429:
            raise Busy(f"{what} not processed, the front-end is busy: HTTP 429", **context)
        reply = read_reply(exchange.response_text)
        if reply is None:
            if status >= 300:
                log.warning("cdc %s %s id=%s refused before the receiver: HTTP %d", method, entity, record_id, status)
                raise EndpointRefused(f"{what} did not reach the receiver: HTTP {status} (check host, port and "
                                      f"path of the connection)", status=status, **context)
            log.warning("cdc %s %s id=%s outcome unknown: no readable result", method, entity, record_id)
            raise OutcomeUnknown(f"{what} outcome unknown: HTTP {status} without a readable 'result'", **context)
        answer = CdcAnswer(reply["result"], reply["desc"], reply["id"], reply["error_code"], reply["error_name"],
                           exchange)
        if not answer.result:
            log.info("cdc %s %s id=%s http=%d result=false errorCode=%s", method, entity, record_id, status,
                     answer.error_code or "")
            raise Refused(entity=entity, record_id=record_id, error_code=answer.error_code,
                          words=answer.words or "result=false", pii_values=pii_values, exchange=exchange)
        return answer

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _record_id(body: Mapping[str, Any]) -> str | None:
    value = body.get("id")
    return None if value in (None, "") else str(value)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def _session() -> requests.Session:
    """A session that reads the environment's proxy settings once (not per request) and keeps a few
    connections open for the run's sender threads."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


__all__ = ["CdcAnswer", "CdcClient", "CdcError", "CdcSettings", "read_reply"]
