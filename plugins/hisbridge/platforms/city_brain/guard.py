"""The checks a call passes before anything is read from the HIS, in this order (each refusal reads nothing):

====  ==========================================================================================================
1006  the caller's address is in no enabled caller's allow-list (before the body is even parsed)
1001  the envelope lacks a field, or one is malformed (2001: the body is not a JSON object, or over 1 MB)
1005  the appId is unknown or disabled
1006  the address is not in *this* caller's allow-list
1007  the caller's token bucket in this process is empty (HTTP 429 with ``Retry-After``)
1003  the timestamp is more than ``replay_window_s`` from our clock, either way
1002  the signType is not the one configured for the caller, or the signature does not match
1004  the nonce was already used by this caller within the window — stored only now, after the signature was
      verified, so a forged request cannot burn a genuine caller's nonce
====  ==========================================================================================================

The rate limit comes before the signature on purpose: verifying costs a hash, and a flood of garbage under a
known appId is stopped by the bucket. Each process keeps its own buckets with the caller's rate and burst divided
by ``workers`` (the service's total stays what the caller was given, within one bucket's rounding).

:class:`Guard` is plain Python — clock, buckets and nonce store injected — so its decisions are tested as a table.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hisbridge.platforms.city_brain.answers import (
    BAD_PARAMS,
    BAD_SIGN,
    NOT_ALLOWED,
    REPLAYED,
    STALE,
    TOO_MANY,
    UNKNOWN_APP,
    ApiError,
)
from hisbridge.platforms.city_brain.envelope import Envelope, read_envelope
from hisbridge.platforms.city_brain.settings import Caller, CityBrainApiSettings, Network
from hisbridge.platforms.city_brain.signing import verify

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_BODY = 1 << 20  # a request is a few hundred bytes: a megabyte is no request
#: (app_id, nonce, keep_s) → True when the nonce is new (and is now remembered), False when it was seen
NonceStore = Callable[[str, str, float], bool]


class Refused(ApiError):
    """A refusal by the guard; ``envelope`` (and its ``app_id``) when the request was read far enough."""

    def __init__(self, code: str, detail: str, *, envelope: Envelope | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(code, detail, retry_after_s=retry_after_s)
        self.envelope = envelope
        self.app_id = envelope.app_id if envelope is not None else None


@dataclass(frozen=True)
class Admitted:
    caller: Caller
    envelope: Envelope
    ip: str


class TokenBuckets:
    """One token bucket per caller, in this process: ``rate_per_s / workers`` tokens a second up to
    ``burst / workers`` (at least one)."""

    def __init__(self, workers: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.workers = max(1, workers)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # app_id → (tokens, at)
        self._lock = threading.Lock()

    def take(self, caller: Caller) -> float | None:
        """Take a token: ``None`` when there was one, else the seconds until there will be."""
        rate = caller.rate_per_s / self.workers
        capacity = max(1.0, caller.burst / self.workers)
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(caller.app_id, (capacity, now))
            tokens = min(capacity, tokens + (now - at) * rate)
            if tokens >= 1:
                self._buckets[caller.app_id] = (tokens - 1, now)
                return None
            self._buckets[caller.app_id] = (tokens, now)
            return (1 - tokens) / rate


class Guard:
    def __init__(self, settings: CityBrainApiSettings, nonces: NonceStore, *,
                 clock: Callable[[], float] = time.time, buckets: TokenBuckets | None = None) -> None:
        self.settings = settings
        self.nonces = nonces
        self.clock = clock
        self.buckets = buckets or TokenBuckets(settings.workers)

    # -- addresses -------------------------------------------------------------------------------------------
    def client_ip(self, peer: str | None, forwarded_for: str | None = None) -> IP | None:
        """The caller's address: the peer's, or behind a trusted proxy the last ``X-Forwarded-For`` entry that is
        not a trusted proxy itself. ``None`` when it cannot be read."""
        ip = _parse(peer)
        proxies = self.settings.proxy_networks
        if ip is None or not proxies or not _within(ip, proxies) or not forwarded_for:
            return ip
        for entry in reversed([e.strip() for e in forwarded_for.split(",")]):
            hop = _parse(entry)
            if hop is None:
                return None
            if not _within(hop, proxies):
                return hop
        return ip

    def may_read_metrics(self, peer: str | None, forwarded_for: str | None = None) -> bool:
        ip = self.client_ip(peer, forwarded_for)
        return ip is not None and _within(ip, self.settings.metrics_networks)

    # -- the chain ---------------------------------------------------------------------------------------------
    def check(self, peer: str | None, body: bytes, forwarded_for: str | None = None) -> Admitted:
        """The caller and its envelope, or :class:`Refused` (or :class:`ApiError` 1001/2001 for the envelope)."""
        ip = self.client_ip(peer, forwarded_for)
        shown = str(ip) if ip is not None else (peer or "未知")
        if ip is None or not _within(ip, self.settings.allowed_networks):
            raise Refused(NOT_ALLOWED, f"{shown}")
        if len(body) > MAX_BODY:
            raise ApiError(BAD_PARAMS, f"请求体超过 {MAX_BODY // 1024} KB")
        envelope = read_envelope(body)
        app_id = envelope.app_id
        caller = self.settings.by_app_id.get(app_id)
        if caller is None or not caller.enabled:
            raise Refused(UNKNOWN_APP, f"{app_id} 未登记或已停用", envelope=envelope)
        if not caller.allows(ip):
            raise Refused(NOT_ALLOWED, f"{shown} 不在 {app_id} 的白名单中", envelope=envelope)
        wait = self.buckets.take(caller)
        if wait is not None:
            rate = caller.rate_per_s / self.buckets.workers
            raise Refused(TOO_MANY, f"{app_id} 每秒最多 {rate:g} 次（本进程），请 {math.ceil(wait)} 秒后重试",
                          envelope=envelope, retry_after_s=wait)
        window = self.settings.replay_window_s
        skew_s = (self.clock() * 1000 - envelope.timestamp_ms) / 1000
        if abs(skew_s) > window:
            raise Refused(STALE, f"timestamp 与医院时间相差 {abs(skew_s):.0f} 秒，允许 ±{window} 秒", envelope=envelope)
        if envelope.sign_type != caller.sign_type:
            raise Refused(BAD_SIGN, f"{app_id} 须使用 {caller.sign_type} 签名", envelope=envelope)
        if not verify(envelope.raw, caller.secret, caller.sign_type):
            raise Refused(BAD_SIGN, f"{caller.sign_type} 签名与请求不符（签名串规则见接口文档）", envelope=envelope)
        # a request stamped at the window's far end is valid for two windows: the nonce is kept that long
        if not self.nonces(app_id, envelope.nonce, 2 * window):
            raise Refused(REPLAYED, f"nonce 已使用过（{2 * window} 秒内不可重复）", envelope=envelope)
        return Admitted(caller, envelope, str(ip))


def _parse(text: str | None) -> IP | None:
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:  # ::ffff:10.1.2.3 is 10.1.2.3
        return ip.ipv4_mapped
    return ip


def _within(ip: IP, nets: tuple[Network, ...]) -> bool:
    return any(ip in net for net in nets if net.version == ip.version)
