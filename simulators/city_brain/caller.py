"""The city brain as the **caller** of the hospital's API: a small signed-request client plus attack helpers.

Independent of ``hisbridge`` (it signs with :mod:`simulators.city_brain.signing`): a hospital API that accepts
what this client sends, and refuses what its attacks send, agrees with the wire as the city brain reads it.

    caller = CityBrainCaller("http://127.0.0.1:8080", app_id="citybrain", secret="…", sign_type="SM3")
    reply = caller.call("registrations", {"patientId": "P0001", "startDate": "2025-06-01", "endDate": "2025-06-15"})
    reply.ok, reply.code, reply.data, reply.problems()     # problems(): the answer envelope's own faults
    caller.bad_signature("health").code == "1002"          # and replay, stale_timestamp, unknown_app_id …
    caller.flood("health", n=500, concurrency=32).histogram  # {"200/0": 300, "429/1007": 200}

Requests go to ``<base_url><prefix>/<endpoint>`` (prefix ``/city-brain/api/v1``; the simulator's own receiver
is at ``/api/v1``). Every :class:`Reply` keeps the envelope that was sent. The single-shot attacks are data
(:data:`ATTACKS`: name → Chinese title, the code a correct verifier answers, an envelope builder), so a test
can run all of them against any endpoint, or feed the envelopes straight to a verifier.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from simulators.city_brain import signing, spec

DEFAULT_PREFIX = "/city-brain/api/v1"
ANSWER_KEYS = frozenset({"code", "message", "requestId", "data"})
DEFAULT_WINDOW_S = 300.0  # the replay window the hospital is assumed to keep (±, seconds)
STALE_MARGIN_S = 60.0  # how far beyond the window a stale/future timestamp is put


@dataclass(frozen=True)
class Reply:
    """One answer (or the lack of one) and what was sent."""

    status: int | None  # None: no HTTP answer (connection refused or dropped, timeout)
    code: str | None
    message: str | None
    request_id: str | None
    data: Any
    headers: Mapping[str, str]  # case-insensitive
    elapsed_ms: float
    envelope: Any  # the body sent (an envelope, or whatever a test chose to send)
    error: str | None = None  # the transport error, or why the answer is not an envelope
    body: Any = None  # the parsed answer as it came

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.code == spec.OK

    @property
    def key(self) -> str:
        """``"<status>/<code>"`` (``"error/<exception>"`` without an answer): the flood histogram's key."""
        if self.status is None:
            return f"error/{self.error}"
        return f"{self.status}/{self.code if self.code is not None else '-'}"

    def problems(self) -> list[str]:
        """What is wrong with the answer envelope itself (empty when it is well formed)."""
        if self.status is None:
            return [f"无应答: {self.error}"]
        if not isinstance(self.body, Mapping):
            return [f"应答不是JSON对象(HTTP {self.status})"]
        found = []
        if set(self.body) != ANSWER_KEYS:
            found.append(f"应答字段应为{sorted(ANSWER_KEYS)}，实际{sorted(self.body)}")
        if not isinstance(self.body.get("code"), str):
            found.append(f"code应为字符串，实际{self.body.get('code')!r}")
        elif self.body["code"] not in spec.ANSWER_CODES:
            found.append(f"code[{self.body['code']}]不是约定的应答码")
        if not isinstance(self.body.get("message"), str) or not self.body.get("message"):
            found.append("message应为非空字符串")
        if not isinstance(self.body.get("requestId"), str) or not self.body.get("requestId"):
            found.append("requestId应为非空字符串")
        expected = spec.HTTP_STATUS.get(self.code or "", 200)
        if isinstance(self.code, str) and self.status != expected:
            found.append(f"应答码{self.code}应以HTTP {expected}返回，实际HTTP {self.status}")
        if self.code == spec.TOO_MANY and not any(k.lower() == "retry-after" for k in self.headers):
            found.append("应答码1007应带Retry-After头")
        return found


class _SourceAddressAdapter(HTTPAdapter):
    """Connections from a chosen local address (``127.0.0.2`` on Linux loopback: a caller outside an allow-list
    of ``127.0.0.1``)."""

    def __init__(self, source_ip: str, **kwargs: Any) -> None:
        self._source = (source_ip, 0)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = self._source
        super().init_poolmanager(*args, **kwargs)


@dataclass(frozen=True)
class FloodResult:
    """What ``n`` requests as fast as possible got back."""

    n: int
    concurrency: int
    elapsed_s: float
    histogram: dict[str, int]  # Reply.key → count, e.g. {"200/0": 180, "429/1007": 20}
    latencies_ms: list[float] = field(repr=False)  # sorted
    problems: list[str] = field(default_factory=list, repr=False)  # answers whose envelope was malformed (≤ 20)

    @property
    def rate_per_s(self) -> float:
        return self.n / self.elapsed_s if self.elapsed_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        return self.latencies_ms[min(len(self.latencies_ms) - 1, int(len(self.latencies_ms) * p / 100))]

    def count(self, code: str | None = None, status: int | None = None) -> int:
        """Answers with that code (and/or HTTP status)."""
        total = 0
        for key, n in self.histogram.items():
            got_status, _, got_code = key.partition("/")
            if (code is None or got_code == code) and (status is None or got_status == str(status)):
                total += n
        return total

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "concurrency": self.concurrency, "elapsed_s": round(self.elapsed_s, 3),
                "rate_per_s": round(self.rate_per_s, 1), "histogram": dict(self.histogram),
                "p50_ms": round(self.percentile(50), 1), "p99_ms": round(self.percentile(99), 1),
                "max_ms": round(self.latencies_ms[-1], 1) if self.latencies_ms else 0.0,
                "problems": list(self.problems)}  # fmt: skip


class CityBrainCaller:
    """Signed calls to ``<base_url><prefix>/<endpoint>`` as the city brain (appId, secret, sign type)."""

    def __init__(self, base_url: str, app_id: str, secret: str, *, sign_type: str = "SM3",
                 prefix: str = DEFAULT_PREFIX, timeout: float = 10.0, window_s: float = DEFAULT_WINDOW_S,
                 source_ip: str | None = None, clock: Callable[[], float] = time.time,
                 session: requests.Session | None = None) -> None:  # fmt: skip
        if sign_type not in signing.SIGN_TYPES:
            raise ValueError(f"sign_type must be one of {', '.join(signing.SIGN_TYPES)}, got {sign_type!r}")
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.secret = secret
        self.sign_type = sign_type
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.timeout = timeout
        self.window_s = window_s
        self.source_ip = source_ip
        self.clock = clock
        self._session = session
        self._local = threading.local()

    def __repr__(self) -> str:  # never the secret
        return f"CityBrainCaller({self.base_url}{self.prefix}, app_id={self.app_id!r}, sign_type={self.sign_type})"

    # ------------------------------------------------------------------------------------------ plumbing

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        if self.source_ip:
            adapter = _SourceAddressAdapter(self.source_ip)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        return session

    @property
    def session(self) -> requests.Session:
        """The given session, else one per thread (a flood's workers each have their own)."""
        if self._session is not None:
            return self._session
        if getattr(self._local, "session", None) is None:
            self._local.session = self._new_session()
        return self._local.session

    def url(self, endpoint: str) -> str:
        return f"{self.base_url}{self.prefix}/{endpoint.lstrip('/')}"

    def from_ip(self, source_ip: str) -> CityBrainCaller:
        """The same caller sending from another local address (``127.0.0.2``: outside an allow-list)."""
        return CityBrainCaller(self.base_url, self.app_id, self.secret, sign_type=self.sign_type, prefix=self.prefix,
                               timeout=self.timeout, window_s=self.window_s, source_ip=source_ip,
                               clock=self.clock)  # fmt: skip

    def envelope(self, biz: Any = None, *, app_id: str | None = None, secret: str | None = None,
                 sign_type: str | None = None, timestamp: str | None = None, nonce: str | None = None,
                 skew_s: float = 0.0) -> dict[str, Any]:  # fmt: skip
        """A signed envelope carrying ``biz`` (``{}`` when ``None``), fresh timestamp and nonce unless given;
        ``skew_s`` moves the timestamp off the clock."""
        return signing.signed_envelope(
            app_id or self.app_id, secret or self.secret, {} if biz is None else biz,
            sign_type=sign_type or self.sign_type,
            timestamp=timestamp or signing.timestamp_ms(self.clock, skew_s=skew_s), nonce=nonce,
        )  # fmt: skip

    def send(self, endpoint: str, body: Any = None, *, raw: bytes | None = None,
             headers: Mapping[str, str] | None = None) -> Reply:  # fmt: skip
        """POST ``body`` as JSON (or ``raw`` bytes) as it is, and read the answer; never raises on transport."""
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent_headers = {"Content-Type": "application/json;charset=UTF-8", **dict(headers or {})}
        t0 = time.perf_counter()
        try:
            r = self.session.post(self.url(endpoint), data=data, headers=sent_headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return Reply(None, None, None, None, None, {}, (time.perf_counter() - t0) * 1000, body,
                         error=type(exc).__name__)  # fmt: skip
        elapsed = (time.perf_counter() - t0) * 1000
        try:
            answer = r.json()
        except ValueError:
            return Reply(r.status_code, None, None, None, None, CaseInsensitiveDict(r.headers), elapsed, body,
                         error="应答不是JSON", body=r.text[:2000])  # fmt: skip
        if not isinstance(answer, Mapping):
            return Reply(r.status_code, None, None, None, None, CaseInsensitiveDict(r.headers), elapsed, body,
                         error="应答不是JSON对象", body=answer)  # fmt: skip
        code = answer.get("code")
        return Reply(r.status_code, code if isinstance(code, str) else None, answer.get("message"),
                     answer.get("requestId"), answer.get("data"), CaseInsensitiveDict(r.headers), elapsed, body,
                     body=answer)  # fmt: skip

    def call(self, endpoint: str, biz: Any = None, **envelope_options: Any) -> Reply:
        """A correctly signed call (``envelope_options`` as :meth:`envelope`)."""
        return self.send(endpoint, self.envelope(biz, **envelope_options))

    # ------------------------------------------------------------------------------------------ attacks

    def attack(self, name: str, endpoint: str, biz: Any = None) -> Reply:
        """Send the envelope of one of :data:`ATTACKS`; a correct hospital answers ``ATTACKS[name].code``."""
        return self.send(endpoint, ATTACKS[name].build(self, biz))

    def attack_all(self, endpoint: str, biz: Any = None) -> dict[str, Reply]:
        """Every single-shot attack on ``endpoint``: name → reply (compare ``reply.code`` with ``ATTACKS``)."""
        return {name: self.attack(name, endpoint, biz) for name in ATTACKS}

    def bad_signature(self, endpoint: str, biz: Any = None, *, how: str = "sign") -> Reply:
        """``how``: ``sign`` (a digit of the signature changed), ``body`` (bizContent changed after signing),
        ``secret`` (signed with another secret). Expected 1002."""
        return self.attack({"sign": "bad_sign", "body": "tampered_body", "secret": "wrong_secret"}[how],
                           endpoint, biz)  # fmt: skip

    def replay(self, endpoint: str, biz: Any = None) -> tuple[Reply, Reply]:
        """The same envelope twice: the first answered normally, the second 1004."""
        envelope = self.envelope(biz)
        return self.send(endpoint, envelope), self.send(endpoint, copy.deepcopy(envelope))

    def stale_timestamp(self, endpoint: str, biz: Any = None, *, skew_s: float | None = None) -> Reply:
        """Correctly signed, timestamp ``window + 60 s`` in the past (or ``skew_s``). Expected 1003."""
        return self.call(endpoint, biz, skew_s=-(self.window_s + STALE_MARGIN_S) if skew_s is None else skew_s)

    def future_timestamp(self, endpoint: str, biz: Any = None, *, skew_s: float | None = None) -> Reply:
        """Correctly signed, timestamp ``window + 60 s`` ahead. Expected 1003."""
        return self.call(endpoint, biz, skew_s=self.window_s + STALE_MARGIN_S if skew_s is None else skew_s)

    def unknown_app_id(self, endpoint: str, biz: Any = None, *, app_id: str = "unknown-app-9") -> Reply:
        """Correctly signed (same secret) under an appId the hospital does not know. Expected 1005."""
        return self.call(endpoint, biz, app_id=app_id)

    def missing_sign(self, endpoint: str, biz: Any = None, *, field: str = "sign") -> Reply:
        """A signed envelope without ``field`` (sign, appId, timestamp, nonce or signType). Expected 1001."""
        envelope = self.envelope(biz)
        envelope.pop(field)
        return self.send(endpoint, envelope)

    def other_sign_type(self, endpoint: str, biz: Any = None) -> Reply:
        """Validly signed with an algorithm other than the agreed one (a downgrade). Expected 1002."""
        return self.attack("other_sign_type", endpoint, biz)

    def outside_allow_list(self, endpoint: str, biz: Any = None, *, source_ip: str = "127.0.0.2") -> Reply:
        """A correct call from another local address. Expected 1006 when the allow-list has only 127.0.0.1."""
        return self.from_ip(source_ip).call(endpoint, biz)

    def flood(self, endpoint: str, biz: Any = None, *, n: int = 200, concurrency: int = 32,
              same_envelope: bool = False) -> FloodResult:  # fmt: skip
        """``n`` requests as fast as ``concurrency`` threads can send them, each freshly signed (or all the same
        envelope: a replay flood, one accepted and the rest 1004). Returns the status/code histogram and the
        latencies."""
        if n < 1 or concurrency < 1:
            raise ValueError("n and concurrency must be at least 1")
        fixed = self.envelope(biz) if same_envelope else None

        def one(_: int) -> Reply:
            return self.send(endpoint, fixed if fixed is not None else self.envelope(biz))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="city-brain-flood") as pool:
            replies = list(pool.map(one, range(n)))
        elapsed = time.perf_counter() - t0
        histogram = Counter(r.key for r in replies)
        problems = [f"{r.key}: {p}" for r in replies if r.status is not None for p in r.problems()][:20]
        return FloodResult(n, concurrency, elapsed, dict(histogram.most_common()),
                           sorted(r.elapsed_ms for r in replies), problems)  # fmt: skip


# ---------------------------------------------------------------------------------------------- attacks as data


@dataclass(frozen=True)
class Attack:
    name: str
    title: str  # 中文说明
    code: str  # what a correct verifier answers
    build: Callable[[CityBrainCaller, Any], dict[str, Any]]


def _flip_hex(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def _bad_sign(c: CityBrainCaller, biz: Any) -> dict[str, Any]:
    envelope = c.envelope(biz)
    envelope["sign"] = _flip_hex(envelope["sign"])
    return envelope


def _tampered_body(c: CityBrainCaller, biz: Any) -> dict[str, Any]:
    envelope = c.envelope(biz)
    envelope["bizContent"] = {**envelope["bizContent"], "tampered": "1"}  # changed after signing
    return envelope


def _other_sign_type(c: CityBrainCaller, biz: Any) -> dict[str, Any]:
    other = next(t for t in signing.SIGN_TYPES if t != c.sign_type)
    return c.envelope(biz, sign_type=other)


def _without(name: str) -> Callable[[CityBrainCaller, Any], dict[str, Any]]:
    def build(c: CityBrainCaller, biz: Any) -> dict[str, Any]:
        envelope = c.envelope(biz)
        envelope.pop(name)
        return envelope

    return build


ATTACKS: dict[str, Attack] = {a.name: a for a in (
    Attack("bad_sign", "签名被篡改(改动一位)", spec.BAD_SIGN, _bad_sign),
    Attack("tampered_body", "签名后篡改bizContent", spec.BAD_SIGN, _tampered_body),
    Attack("wrong_secret", "用错误的密钥签名", spec.BAD_SIGN, lambda c, b: c.envelope(b, secret=c.secret + "x")),
    Attack("other_sign_type", "用非约定的签名算法签名", spec.BAD_SIGN, _other_sign_type),
    Attack("stale_timestamp", "时间戳过旧(超出窗口60秒)", spec.STALE,
           lambda c, b: c.envelope(b, skew_s=-(c.window_s + STALE_MARGIN_S))),
    Attack("future_timestamp", "时间戳超前(超出窗口60秒)", spec.STALE,
           lambda c, b: c.envelope(b, skew_s=c.window_s + STALE_MARGIN_S)),
    Attack("unknown_app_id", "未知的appId", spec.UNKNOWN_APP, lambda c, b: c.envelope(b, app_id="unknown-app-9")),
    Attack("missing_sign", "缺少sign", spec.MISSING_SIGN, _without("sign")),
    Attack("missing_app_id", "缺少appId", spec.MISSING_SIGN, _without("appId")),
    Attack("missing_timestamp", "缺少timestamp", spec.MISSING_SIGN, _without("timestamp")),
    Attack("missing_nonce", "缺少nonce", spec.MISSING_SIGN, _without("nonce")),
    Attack("missing_sign_type", "缺少signType", spec.MISSING_SIGN, _without("signType")),
)}  # fmt: skip
