"""The 医保 client: envelope, gateway headers, one HTTP POST, and an answer mapped to a typed result or to
exactly one error of :mod:`~hisbridge.platforms.hsa.errors`.

Usage::

    client = HsaClient(settings, msgids=ledger_msgids)
    msgid = client.next_msgid()                     # the caller records it in the ledger first …
    answer = client.call("3505", sale, msgid=msgid) # … then sends
    batch = client.call_batch("3505A", sales, msgid=client.next_msgid())
    for row in batch.rows: ...                      # RowResult(index, ok, err_msg)

Sign-in: with ``settings.sign_in`` (the default) the client signs in (9001) before its first call, caches the
``sign_no`` and puts it in every envelope; when the platform refuses a call because of the sign-in (``err_msg``
mentions 签到), it signs in again and re-sends **once with a new msgid** (the refused msgid was not acted on).
Both attempts are in ``answer.exchanges`` / ``error.exchanges``. With a shared sign-in cache (``sign_ins``, see
:mod:`~hisbridge.platforms.hsa.signin`) the ``sign_no`` is the operator's one sign-in of the day shared by every
task and process: 9001 only if nobody has signed in that day, and a refusal renews the shared one.

Timeouts: ``(connect_timeout, read_timeout)``. Redirects are not followed (a POST must not turn into a GET).

Logging: infno, msgid, HTTP status, infcode, row counts and durations — never a body or a header value.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self
from urllib.parse import urlsplit

import orjson
import requests
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import ProxyError as _UrllibProxyError
from urllib3.exceptions import SSLError as _UrllibSSLError

from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.auth import AuthScheme, gateway_headers, new_nonce, redact
from hisbridge.platforms.hsa.catalogue import Txn
from hisbridge.platforms.hsa.envelope import Exchange, HsaAnswer, build_request
from hisbridge.platforms.hsa.errors import (
    GatewayRejected,
    HsaError,
    NotSent,
    OutcomeUnknown,
    Rejected,
    RowRejected,
    scrub,
)
from hisbridge.platforms.hsa.models import OpterType, SignIn, SignOut, pii_values, wire_pii_values
from hisbridge.platforms.hsa.msgid import SHANGHAI, LocalMsgIds, MsgIdSource, shanghai_now
from hisbridge.platforms.hsa.txns.files import FileDownload, FileUpload, FileUploadOutput

if TYPE_CHECKING:
    from hisbridge.platforms.hsa.signin import SignInCache

log = logging.getLogger(__name__)

DEFAULT_PATH = "/fsi/api/rsfComIfsService/callService"
SIGN_IN = "9001"
SIGN_OUT = "9002"
FILE_UPLOAD = "9101"
#: transactions whose success answer is the raw file (``application/octet-stream``), not an envelope (§4.11)
FILE_DOWNLOAD = "9102"
#: where the 9001 answer puts the sign_no (``output.signinoutb.sign_no``; some models read ``output.sign_no``)
SIGN_IN_OUTPUT_NODE = "signinoutb"
#: error-detail keys of a failed batch row
_ROW_ERROR_KEYS = ("errMsg", "err_msg", "msgRslt")
#: keys by which a JSON body is recognised as a gateway's own error rather than the platform's envelope
_GATEWAY_KEYS = frozenset({"code", "msg", "message", "error", "errcode", "errmsg", "status", "errorCode"})

Text = Annotated[str, Field(min_length=1)]


class HsaSettings(BaseModel):
    """One deployment's connection to the 医保 gateway (built from the Airflow connection by ``HsaHook``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Text = Field(description="scheme://host[:port] of the gateway")
    path: Text = Field(DEFAULT_PATH, description="request path; '{infno}' in it is replaced by the infno")
    fixmedins_code: str = Field(pattern=r"^[0-9A-Za-z]{12}$", description="定点医药机构编号 (12 characters)")
    fixmedins_name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="定点医药机构名称"
    )
    mdtrtarea_admvs: str = Field(pattern=r"^\d{6}$", description="就医地医保区划, e.g. 360100")
    recer_sys_code: Annotated[str, Field(min_length=1, max_length=10)] = Field(description="接收方系统代码")
    infver: Annotated[str, Field(min_length=1, max_length=6)] = Field("V1.0", description="接口版本号")
    auth: AuthScheme = Field(description="gateway header scheme: tif, csb or none")
    paasid: str | None = Field(None, description="TIF paasid / CSB access key")
    secret: SecretStr | None = Field(None, description="TIF secretKey (paasToken) / CSB secret key")
    opter: Annotated[str, Field(min_length=1, max_length=30)] = Field(description="经办人")
    opter_name: Annotated[str, Field(min_length=1, max_length=50)] = Field(description="经办人姓名")
    opter_type: OpterType = Field("1", description="经办人类别")
    sign_in: bool = Field(True, description="sign in (9001) before the first call and send its sign_no")
    opter_no: Annotated[str, Field(min_length=1, max_length=20)] | None = Field(
        None, description="9001 操作员编号 (default: opter)"
    )
    mac: Annotated[str, Field(max_length=20)] | None = Field(None, description="9001 签到MAC地址")
    ip: Annotated[str, Field(max_length=20)] | None = Field(
        None, description="9001 签到IP地址 (default: this host's address towards the gateway)"
    )
    dev_no: Annotated[str, Field(max_length=100)] = Field("", description="设备编号")
    dev_safe_info: Annotated[str, Field(max_length=2000)] = Field("", description="设备安全信息")
    connect_timeout: float = Field(5.0, gt=0, description="seconds to establish the connection")
    read_timeout: float = Field(30.0, gt=0, description="seconds to wait for the answer")
    csb_api_version: Text = Field("1.0.0", description="CSB _api_version")
    verify: bool | str = Field(True, description="TLS verification: true/false or a CA bundle path")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        if self.auth != "none" and (
            not self.paasid or self.secret is None or not self.secret.get_secret_value()
        ):
            raise ValueError(f"auth {self.auth!r} needs paasid and secret")
        return self

    def url_for(self, infno: str) -> str:
        return self.base_url.rstrip("/") + "/" + self.path.lstrip("/").replace("{infno}", infno)


class FileAnswer(HsaAnswer):
    """A 9102 hit: the platform answered the file's bytes instead of an envelope (``infcode`` is set to 0 here);
    the exchange's ``response_text`` only describes them (size, content type) — the bytes are in :attr:`data`."""

    _data: bytes = PrivateAttr(default=b"")
    _content_type: str = PrivateAttr(default="")

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def content_type(self) -> str:
        return self._content_type


@dataclass(frozen=True)
class RowResult:
    """The platform's verdict on one row of a batch; ``index`` is the row's position in the batch sent."""

    index: int
    ok: bool
    err_msg: str | None = None


@dataclass(frozen=True)
class BatchAnswer:
    """A batch call's envelope answer and one :class:`RowResult` per row sent, in order."""

    answer: HsaAnswer
    rows: list[RowResult] = field(default_factory=list)

    @property
    def failed(self) -> list[RowResult]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok_count(self) -> int:
        return sum(row.ok for row in self.rows)

    @property
    def exchange(self) -> Exchange | None:
        return self.answer.exchange


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def _connection_phase(exc: requests.RequestException) -> bool:
    """True when the request failed before any byte of it can have reached the server."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.InvalidURL):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):  # urllib3 gave up connecting (it never retries after sending here)
        return isinstance(reason.reason, ConnectTimeoutError | _UrllibSSLError | _UrllibProxyError)
    return False


def local_ip_towards(base_url: str) -> str:
    """This host's IPv4 address on the route to the gateway (no packet is sent); ``127.0.0.1`` if unknown."""
    url = urlsplit(base_url)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((url.hostname or "", url.port or (443 if url.scheme == "https" else 80)))
            return str(probe.getsockname()[0])
    except (OSError, ValueError):
        return "127.0.0.1"


def _row_value(value: object) -> str:
    """A row-identity value as comparable text (echoed date-times may come back as ``…T…`` or with fractions)."""
    if value is None:
        return ""
    text = str(value).strip()
    if len(text) >= 19 and text[4] == "-" and text[10] in "T " and text[13] == ":":
        return text[:10] + " " + text[11:19]
    return text


def row_key(txn: Txn, row: Mapping[str, object]) -> tuple[str, ...]:
    """The identity of a wire row (``model_dump(mode="json")``) by the catalogue's ``row_id_fields``."""
    return tuple(_row_value(row.get(name)) for name in txn.row_id_fields)


class HsaClient:
    """Calls 医保 transactions. Thread-safe except for :attr:`last_exchange` (prefer ``answer.exchange`` /
    ``error.exchange``, which belong to the call).

    :param settings: the deployment (gateway, institution, operator, auth).
    :param session: a ``requests.Session`` (tests mount a transport adapter on it); a new one by default.
    :param msgids: the msgid source; in-process :class:`LocalMsgIds` by default — use the ledger's for
        uniqueness across tasks and processes.
    :param clock: returns the current time (aware); used for ``inf_time``, gateway timestamps and the default
        msgid source.
    :param nonce: returns a fresh TIF nonce (uuid4 hex by default).
    :param sign_ins: where the ``sign_no`` comes from when it is shared (one per operator and day, e.g.
        :class:`~hisbridge.platforms.hsa.signin.SharedSignIns`); ``None``: this client signs in on its own.
    """

    def __init__(
        self,
        settings: HsaSettings,
        session: requests.Session | None = None,
        msgids: MsgIdSource | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        nonce: Callable[[], str] | None = None,
        sign_ins: SignInCache | None = None,
    ) -> None:
        self.settings = settings
        self._own_session = session is None
        self._session = session if session is not None else _session_for(settings.base_url)
        self._clock = clock or shanghai_now
        self._msgids = msgids if msgids is not None else LocalMsgIds(clock=self._clock)
        self._nonce = nonce or new_nonce
        self._sign_lock = threading.RLock()
        self._sign_no: str | None = None
        self._sign_ins = sign_ins
        self._sign_day: date | None = None  # the day of the shared sign-in cached in _sign_no
        #: the last exchange of any call on this client (evidence; racy across threads)
        self.last_exchange: Exchange | None = None

    # -- public API ------------------------------------------------------------------------------------------

    def next_msgid(self) -> str:
        """A new msgid for this institution (record it before sending)."""
        return self._msgids.next(self.settings.fixmedins_code)

    @property
    def sign_no(self) -> str | None:
        """The cached sign-in serial (``None`` before the first sign-in)."""
        return self._sign_no

    def sign_in(self) -> str:
        """Run 9001, cache and return its ``sign_no``.

        With a shared sign-in cache: the operator's sign-in of the day, by 9001 only if nobody has one yet.
        """
        if self._sign_ins is not None:
            return self._session_sign_no()
        with self._sign_lock:
            self._sign_no = self._sign_in_now()
            return self._sign_no

    def _sign_in_now(self) -> str:
        """One 9001; returns its ``sign_no`` (caches nothing)."""
        s = self.settings
        try:
            body = SignIn(opter_no=s.opter_no or s.opter, mac=s.mac, ip=s.ip or local_ip_towards(s.base_url))
        except ValidationError as exc:
            raise ValueError(
                f"cannot sign in: {exc.error_count()} invalid 9001 field(s): "
                f"{', '.join(str(e['loc'][0]) for e in exc.errors())}"
            ) from None
        with self._sign_lock:
            answer = self._call(
                catalogue.get(SIGN_IN), body.model_dump(mode="json"), None, "", set(), sign_no=""
            )
            sign_no = self._sign_no_of(answer)
            if not sign_no:
                raise NotSent(
                    f"医保 {SIGN_IN} answered infcode 0 without {SIGN_IN_OUTPUT_NODE}.sign_no "
                    f"(msgid={answer.exchange.msgid if answer.exchange else '?'})",
                    infno=SIGN_IN,
                    exchange=answer.exchange,
                )
            return sign_no

    def sign_out(self) -> HsaAnswer:
        """Run 9002 for the cached sign-in and forget it.

        With a shared sign-in cache the day's shared sign-in is signed out and closed (other clients sign in
        again on their next call); if it had already moved on, this client's own ``sign_no`` is signed out.
        """
        with self._sign_lock:
            if self._sign_no is None:
                raise ValueError("not signed in")
            answers: list[HsaAnswer] = []
            if self._sign_ins is not None and self._sign_day is not None:
                self._sign_ins.close(
                    self._opter_no, self._sign_day, lambda sign_no: answers.append(self.sign_out_of(sign_no))
                )
            answer = answers[0] if answers else self.sign_out_of(self._sign_no)
            self._sign_no = None
            self._sign_day = None
            return answer

    def sign_out_of(self, sign_no: str, *, opter_no: str | None = None) -> HsaAnswer:
        """Run 9002 for ``sign_no`` (e.g. a shared sign-in's) as ``opter_no`` (default: the settings'); this
        client's own cached sign-in is left alone."""
        body = SignOut(sign_no=sign_no, opter_no=opter_no or self._opter_no)
        return self._call(
            catalogue.get(SIGN_OUT), body.model_dump(mode="json"), None, "", set(), sign_no=sign_no
        )

    def call(
        self,
        infno: str,
        body: BaseModel | Mapping[str, object] | Sequence[BaseModel | Mapping[str, object]],
        *,
        msgid: str | None = None,
        insuplc_admdvs: str = "",
        wire: bool = False,
    ) -> HsaAnswer:
        """Send one transaction (``wire=True``: ``body`` is an already validated wire dict); for a transaction
        whose node is a list (2204 ``feedetail``), ``body`` is the list of rows.

        :raises Rejected: ``infcode != 0``.
        :raises RowRejected: ``result.retRslt == "0"``.
        :raises NotSent | OutcomeUnknown | GatewayRejected: transport and gateway failures.
        """
        txn = catalogue.get(infno)
        if txn.many and txn.err_node:
            raise TypeError(f"{infno} is a batch transaction: use call_batch()")
        payload: Mapping[str, JsonValue] | list[Mapping[str, JsonValue]]
        if txn.many:  # the node is a list (2204 feedetail): every row validated, sent in one message
            rows = list(body) if isinstance(body, Sequence) else [body]
            if wire:
                payload = [dict(row) for row in rows]
                personal = wire_pii_values(txn.body, payload)
            else:
                models = [self._model(txn, row) for row in rows]
                payload = [model.model_dump(mode="json") for model in models]
                personal = set().union(*(pii_values(model) for model in models))
        elif wire:
            payload = dict(body)
            personal = wire_pii_values(txn.body, [payload])
        else:
            model = self._model(txn, body)
            payload, personal = model.model_dump(mode="json"), pii_values(model)
        answer = self._call(txn, payload, msgid, insuplc_admdvs, personal)
        if answer.ret_rslt == "0":
            exchange = answer.exchange
            raise RowRejected(
                infno=infno,
                msgid=exchange.msgid if exchange else (msgid or ""),
                msg_rslt=answer.msg_rslt,
                answer=answer,
                pii_values=personal,
                exchange=exchange,
                exchanges=answer.exchanges,
            )
        return answer

    def request(
        self,
        infno: str,
        body: BaseModel | Mapping[str, object] | Sequence[BaseModel | Mapping[str, object]],
        *,
        msgid: str | None = None,
        insuplc_admdvs: str = "",
    ) -> tuple[BaseModel | None, HsaAnswer]:
        """Any catalogued transaction: validate ``body`` by its declaration, send it, and read the answer's output
        by the declared output model (fields the spec does not name are kept). Raises as :meth:`call`."""
        answer = self.call(infno, body, msgid=msgid, insuplc_admdvs=insuplc_admdvs)
        return catalogue.get(infno).read_output(answer.output), answer

    def upload_file(self, filename: str, data: bytes, *, msgid: str | None = None) -> FileUploadOutput:
        """9101 文件上传: ``data`` (usually a ``.zip`` holding one ``.txt``) goes as Base64 in ``fsUploadIn.in``;
        returns the ``file_qury_no`` / ``filename`` / ``dld_endtime`` the platform assigned. Raises as :meth:`call`."""
        body = FileUpload(in_=data, filename=filename, fixmedins_code=self.settings.fixmedins_code)
        output, _answer = self.request(FILE_UPLOAD, body, msgid=msgid)
        assert isinstance(output, FileUploadOutput)
        return output

    def download(self, file_qury_no: str, filename: str, *, msgid: str | None = None) -> FileAnswer:
        """9102 文件下载 with its evidence: the answer carries the bytes (:attr:`FileAnswer.data`) and the exchange.
        A miss is answered with the JSON envelope and raises :class:`Rejected` like any refusal; success is told
        by the content type (anything but JSON), never by trying to parse the bytes (§5.5)."""
        body = FileDownload(file_qury_no=file_qury_no, filename=filename, fixmedins_code=self.settings.fixmedins_code)
        answer = self.call(FILE_DOWNLOAD, body, msgid=msgid)
        if not isinstance(answer, FileAnswer):  # infcode 0 in an envelope: no file came
            raise OutcomeUnknown(f"医保 {FILE_DOWNLOAD} (msgid={self._msgid_of(answer)}) answered an envelope "
                                 "with infcode 0 instead of the file", infno=FILE_DOWNLOAD,
                                 msgid=self._msgid_of(answer), exchange=answer.exchange, exchanges=answer.exchanges)
        return answer

    def download_file(self, file_qury_no: str, filename: str, *, msgid: str | None = None) -> bytes:
        """9102 文件下载: the file's bytes (see :meth:`download`)."""
        return self.download(file_qury_no, filename, msgid=msgid).data

    def call_batch(
        self,
        infno_batch: str,
        rows: Sequence[BaseModel | Mapping[str, object]],
        *,
        msgid: str | None = None,
        insuplc_admdvs: str = "",
        wire: bool = False,
    ) -> BatchAnswer:
        """Send one batch ("A") transaction and say, per row sent, whether the platform took it.

        Failed rows are read from the answer's ``<node>ErrDetail`` and matched back to the rows sent by the
        catalogue's ``row_id_fields``; ``retRslt "0"`` without details fails every row with ``msgRslt``.

        ``wire=True``: the rows are wire dicts the caller validated against the body model and dumped in JSON
        mode (the pipeline serialises each record once); they are sent as they are.

        :raises ValueError: no rows, or two rows with the same identity (they could not be told apart in the
            answer — send them in different batches); nothing is sent.
        :raises Rejected: ``infcode != 0`` (the whole batch).
        :raises OutcomeUnknown: a failed row in the answer matches no single row sent.
        :raises NotSent | GatewayRejected: transport and gateway failures.
        """
        txn = catalogue.get(infno_batch)
        if not txn.many:
            raise TypeError(f"{infno_batch} is not a batch transaction: use call()")
        if not rows:
            raise ValueError(f"{infno_batch}: no rows to send")
        if wire:  # already validated and dumped by the caller (the feed pipeline): sent as they are
            payload = list(rows)
            personal = wire_pii_values(txn.body, payload)
        else:
            models = [self._model(txn, row) for row in rows]
            payload = [model.model_dump(mode="json") for model in models]
            personal = set().union(*(pii_values(model) for model in models))
        seen: dict[tuple[str, ...], int] = {}
        for index, wire in enumerate(payload):
            first = seen.setdefault(row_key(txn, wire), index)
            if first != index:
                raise ValueError(
                    f"{infno_batch}: rows {first} and {index} have the same identity "
                    f"({', '.join(txn.row_id_fields)}); send them in different batches"
                )
        answer = self._call(txn, payload, msgid, insuplc_admdvs, personal)
        results = self._row_results(txn, payload, answer)
        failed = sum(not r.ok for r in results)
        log.info(
            "hsa %s msgid=%s rows=%d ok=%d failed=%d",
            txn.infno,
            self._msgid_of(answer),
            len(results),
            len(results) - failed,
            failed,
        )
        return BatchAnswer(answer=answer, rows=results)

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------------------

    @staticmethod
    def _model(txn: Txn, body: BaseModel | Mapping[str, object]) -> BaseModel:
        if isinstance(body, BaseModel):
            if not isinstance(body, txn.body):
                raise TypeError(f"{txn.infno} takes {txn.body.__name__}, not {type(body).__name__}")
            return body
        return txn.body.model_validate(body)

    @staticmethod
    def _msgid_of(answer: HsaAnswer) -> str:
        return answer.exchange.msgid if answer.exchange else "?"

    @staticmethod
    def _sign_no_of(answer: HsaAnswer) -> str | None:
        node = answer.output.get(SIGN_IN_OUTPUT_NODE)
        value = node.get("sign_no") if isinstance(node, dict) else answer.output.get("sign_no")
        return str(value).strip() if value not in (None, "") else None

    @property
    def _opter_no(self) -> str:
        """The operator who signs in (9001 ``opter_no``): the principal of a shared sign-in."""
        return self.settings.opter_no or self.settings.opter

    def _today(self) -> date:
        now = self._clock()
        return (now.astimezone(SHANGHAI) if now.tzinfo is not None else now).date()

    def _session_sign_no(self) -> str:
        with self._sign_lock:
            if self._sign_ins is None:
                if self._sign_no is None:
                    self.sign_in()
                return self._sign_no or ""
            day = self._today()
            if self._sign_no is None or self._sign_day != day:  # first call, or a new day: the day's sign-in
                self._sign_no = self._sign_ins.current(self._opter_no, day, self._sign_in_now)
                self._sign_day = day
            return self._sign_no

    def _renew_sign_in(self, stale: str) -> str:
        with self._sign_lock:
            if self._sign_no == stale:  # nobody renewed it meanwhile (in this client)
                if self._sign_ins is None:
                    self._sign_no = None
                    self.sign_in()
                else:  # replaces the shared one only if no other process has already
                    day = self._today()
                    self._sign_no = self._sign_ins.renew(self._opter_no, day, stale, self._sign_in_now)
                    self._sign_day = day
            return self._sign_no or ""

    def _call(
        self,
        txn: Txn,
        payload: Mapping[str, JsonValue] | list[Mapping[str, JsonValue]],
        msgid: str | None,
        insuplc_admdvs: str,
        personal: set[str],
        *,
        sign_no: str | None = None,
    ) -> HsaAnswer:
        """Send (and after a sign-in refusal re-sign and re-send once); return an ``infcode 0`` answer.

        ``sign_no=None`` means "the session's": signed in first when ``settings.sign_in``, and a refusal for the
        sign-in is retried once. An explicit ``sign_no`` (9001, 9002) is sent as given and never retried.
        """
        msgid = msgid or self.next_msgid()
        retry_after_sign_in = sign_no is None and self.settings.sign_in
        if sign_no is None:
            sign_no = self._session_sign_no() if self.settings.sign_in else ""
        earlier: tuple[Exchange, ...] = ()
        while True:
            try:
                answer = self._send(txn, msgid, payload, insuplc_admdvs, sign_no, personal)
            except HsaError as exc:
                exc.exchanges = earlier + exc.exchanges
                raise
            exchange = answer.exchanges[-1]
            answer._exchanges = earlier + answer.exchanges
            if answer.infcode == 0:
                return answer
            error = Rejected(
                infno=txn.infno,
                msgid=msgid,
                infcode=answer.infcode,
                err_msg=answer.err_msg,
                answer=answer,
                pii_values=personal,
                exchange=exchange,
                exchanges=answer.exchanges,
            )
            if retry_after_sign_in and error.is_sign_expired and not earlier:
                log.warning(
                    "hsa %s msgid=%s refused for its sign-in (签到): signing in again, re-sending once "
                    "with a new msgid",
                    txn.infno,
                    msgid,
                )
                earlier = answer.exchanges
                sign_no = self._renew_sign_in(sign_no)
                msgid = self.next_msgid()
                continue
            raise error

    def _send(
        self,
        txn: Txn,
        msgid: str,
        payload: Mapping[str, JsonValue] | list[Mapping[str, JsonValue]],
        insuplc_admdvs: str,
        sign_no: str,
        personal: set[str],
    ) -> HsaAnswer:
        """One HTTP round trip; the answer (any infcode) or the transport/gateway error."""
        s = self.settings
        now = self._clock()
        request = build_request(
            s, infno=txn.infno, msgid=msgid, node=txn.node, body=payload, inf_time=now,
            sign_no=sign_no, insuplc_admdvs=insuplc_admdvs,
        )  # fmt: skip
        text = orjson.dumps(request).decode()  # compact UTF-8 JSON, as json.dumps(ensure_ascii=False) would write
        headers = {"Content-Type": "application/json;charset=utf-8"}
        headers.update(
            gateway_headers(
                s.auth,
                infno=txn.infno,
                paasid=s.paasid,
                secret=s.secret.get_secret_value() if s.secret else None,
                now=now.timestamp(),
                nonce=self._nonce,
                csb_api_version=s.csb_api_version,
            )  # fmt: skip
        )
        url = s.url_for(txn.infno)

        def evidence(
            status: int | None = None, body: str | None = None, error: str | None = None
        ) -> Exchange:
            exchange = Exchange(
                infno=txn.infno, msgid=msgid, url=url, request=request, request_text=text,
                request_headers=redact(headers), sent_at=now, status=status, response_text=body,
                duration_ms=round((time.monotonic() - started) * 1000), error=error,
            )  # fmt: skip
            self.last_exchange = exchange
            return exchange

        started = time.monotonic()
        try:
            response = self._session.post(
                url, data=text.encode("utf-8"), headers=headers, timeout=(s.connect_timeout, s.read_timeout),
                allow_redirects=False, verify=s.verify,
            )  # fmt: skip
        except requests.RequestException as exc:
            exchange = evidence(error=type(exc).__name__)
            if _connection_phase(exc):
                log.warning(
                    "hsa %s msgid=%s not sent: %s after %dms",
                    txn.infno,
                    msgid,
                    type(exc).__name__,
                    exchange.duration_ms,
                )
                raise NotSent(
                    f"医保 {txn.infno} not sent (msgid={msgid}): {type(exc).__name__}",
                    infno=txn.infno, msgid=msgid, exchange=exchange,
                ) from exc  # fmt: skip
            raise self._ambiguous(txn, msgid, f"{type(exc).__name__} after sending", exchange) from exc

        content_type = response.headers.get("Content-Type", "")
        if txn.infno == FILE_DOWNLOAD and 200 <= response.status_code < 300 and "json" not in content_type.lower():
            exchange = evidence(response.status_code, f"<file: {len(response.content)} bytes, {content_type}>")
            file = FileAnswer(infcode=0)
            file._data, file._content_type, file._exchanges = response.content, content_type, (exchange,)
            log.info("hsa %s msgid=%s http=%d file %d bytes %dms", txn.infno, msgid, response.status_code,
                     len(response.content), exchange.duration_ms)
            return file
        exchange = evidence(response.status_code, _decode(response.content))
        answer = self._parse(txn, msgid, exchange, personal)
        answer._exchanges = (exchange,)
        log.info(
            "hsa %s msgid=%s http=%d infcode=%d %dms",
            txn.infno,
            msgid,
            response.status_code,
            answer.infcode,
            exchange.duration_ms,
        )
        return answer

    def _ambiguous(self, txn: Txn, msgid: str, reason: str, exchange: Exchange) -> HsaError:
        """An answerless failure: unknown outcome for a state-changing transaction, else safe to repeat."""
        kind = OutcomeUnknown if txn.changes_state else NotSent
        log.warning(
            "hsa %s msgid=%s %s: %s (%dms)", txn.infno, msgid, kind.__name__, reason, exchange.duration_ms
        )
        return kind(
            f"医保 {txn.infno} {'outcome unknown' if txn.changes_state else 'failed, safe to repeat'} "
            f"(msgid={msgid}): {reason}",
            infno=txn.infno,
            msgid=msgid,
            exchange=exchange,
        )

    def _parse(self, txn: Txn, msgid: str, exchange: Exchange, personal: set[str]) -> HsaAnswer:
        status = exchange.status or 0
        text = exchange.response_text or ""
        if status >= 500 or status < 200:
            raise self._ambiguous(txn, msgid, f"HTTP {status}", exchange)
        if status in (408, 429):
            log.warning("hsa %s msgid=%s not sent: HTTP %d", txn.infno, msgid, status)
            raise NotSent(
                f"医保 {txn.infno} not processed (msgid={msgid}): HTTP {status}",
                infno=txn.infno,
                msgid=msgid,
                exchange=exchange,
            )
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if status in (401, 403) or (status >= 300 and not (isinstance(data, dict) and "infcode" in data)):
            raise self._gateway(txn, msgid, exchange, f"HTTP {status}", data, personal)
        if not isinstance(data, dict):
            raise self._ambiguous(txn, msgid, "answer is not a JSON object", exchange)
        if "infcode" not in data:
            if _GATEWAY_KEYS & data.keys():
                raise self._gateway(
                    txn, msgid, exchange, "gateway answer instead of the envelope", data, personal
                )
            raise self._ambiguous(txn, msgid, "answer has no infcode", exchange)
        try:
            return HsaAnswer.model_validate(data)
        except (ValidationError, ValueError):
            raise self._ambiguous(txn, msgid, "unreadable answer envelope", exchange) from None

    @staticmethod
    def _gateway(
        txn: Txn, msgid: str, exchange: Exchange, what: str, data: object, personal: set[str]
    ) -> GatewayRejected:
        detail = ""
        if isinstance(data, dict):
            code = next((data[k] for k in ("code", "errcode", "errorCode", "status") if k in data), None)
            words = next((data[k] for k in ("msg", "message", "errmsg", "error") if k in data), None)
            detail = f": code={code} {scrub(str(words), personal)}" if code is not None or words else ""
        log.warning("hsa %s msgid=%s gateway refused: %s", txn.infno, msgid, what)
        return GatewayRejected(
            f"医保 gateway refused {txn.infno} (msgid={msgid}, {what}){detail}",
            status=exchange.status,
            infno=txn.infno,
            msgid=msgid,
            exchange=exchange,
        )

    def _row_results(
        self, txn: Txn, payload: list[Mapping[str, JsonValue]], answer: HsaAnswer
    ) -> list[RowResult]:
        msgid = self._msgid_of(answer)
        details = answer.output.get(txn.err_node) if txn.err_node else None
        if details in (None, "", {}):
            details = []
        if isinstance(details, dict):
            details = [details]
        if not isinstance(details, list) or not all(isinstance(d, dict) for d in details):
            raise OutcomeUnknown(
                f"医保 {txn.infno} (msgid={msgid}): unreadable {txn.err_node}",
                infno=txn.infno,
                msgid=msgid,
                exchange=answer.exchange,
                exchanges=answer.exchanges,
            )
        if not details:
            if answer.ret_rslt == "0":
                reason = answer.msg_rslt or "retRslt=0"
                return [RowResult(i, False, reason) for i in range(len(payload))]
            return [RowResult(i, True) for i in range(len(payload))]

        keys = [row_key(txn, row) for row in payload]
        failed: dict[int, list[str]] = {}
        unmatched = 0
        for detail in details:
            present = [i for i, name in enumerate(txn.row_id_fields) if name in detail]
            want = tuple(_row_value(detail[txn.row_id_fields[i]]) for i in present)
            hits = [n for n, key in enumerate(keys) if present and tuple(key[i] for i in present) == want]
            if len(hits) != 1:
                unmatched += 1
                continue
            words = next((detail[k] for k in _ROW_ERROR_KEYS if detail.get(k)), None)
            failed.setdefault(hits[0], []).append(str(words) if words else (answer.msg_rslt or "rejected"))
        if unmatched:
            raise OutcomeUnknown(
                f"医保 {txn.infno} (msgid={msgid}): {unmatched} of {len(details)} failed rows in {txn.err_node} "
                f"match no single row sent; cannot tell which of the {len(payload)} rows failed",
                infno=txn.infno, msgid=msgid, exchange=answer.exchange, exchanges=answer.exchanges,
            )  # fmt: skip
        return [
            RowResult(i, i not in failed, "; ".join(failed[i]) if i in failed else None)
            for i in range(len(payload))
        ]


def _session_for(base_url: str) -> requests.Session:
    """A session that reads the environment's proxy settings once, here, not on every request (requests would
    look up proxies, ``NO_PROXY`` and ``~/.netrc`` per call: a tenth of a bulk upload's time)."""
    session = requests.Session()
    # the gateway shares one client per operator among its request threads: keep that many connections open
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    session.trust_env = False
    return session
