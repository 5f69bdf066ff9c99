"""How the city brain checks a signed envelope before it reads the payload (:mod:`simulators.city_brain.signing`).

Order, each refusal answered with its code and a Chinese message naming what is wrong, nothing processed:

1. the body is a JSON object — else ``2001``;
2. the signature parameters ``appId``, ``timestamp``, ``nonce``, ``signType``, ``sign`` are present, strings,
   and well formed (timestamp 13 digits of epoch ms, nonce 16–64 ``[A-Za-z0-9]``, signType one of
   SM3/SHA256/HMAC-SHA256) — else ``1001`` 缺少签名参数;
3. the appId is a configured, enabled hospital — else ``1005``;
4. the source IP is in that hospital's allow-list (when it has one) — else ``1006``;
5. the timestamp is within ``window_s`` (300 s) of the **real** clock, either way — else ``1003``;
6. the signType is the one agreed with that hospital, the sign is 64 lowercase hex digits, and it is the
   signature of the envelope — else ``1002``;
7. the nonce was not seen from that appId within the window — else ``1004``. Only a verified envelope uses its
   nonce up (a forged one cannot burn a real caller's nonce); a nonce is remembered for twice the window, after
   which its timestamp alone refuses it.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulators.city_brain import signing, spec

TIMESTAMP_SHAPE = re.compile(r"^\d{13}$")
NONCE_SHAPE = re.compile(r"^[A-Za-z0-9]{16,64}$")
SIGN_SHAPE = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_WINDOW_S = 300.0


@dataclass(frozen=True)
class Hospital:
    """One hospital allowed to push: its secret, the agreed algorithm, and optionally its org and source IPs."""

    secret: str
    sign_type: str = "SM3"
    enabled: bool = True
    org_code: str | None = None  # when set, bizContent.orgCode must be it
    ips: tuple[str, ...] | None = None  # networks ("10.0.0.0/8", "127.0.0.1"); None: any address

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a hospital needs a secret")
        if self.sign_type not in signing.SIGN_TYPES:
            raise ValueError(f"sign_type must be one of {', '.join(signing.SIGN_TYPES)}, got {self.sign_type!r}")
        for net in self.ips or ():
            ipaddress.ip_network(net, strict=False)  # raises ValueError on a typo

    def allows(self, ip: str | None) -> bool:
        if self.ips is None:
            return True
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in self.ips)

    def to_json(self) -> dict[str, Any]:
        return {"sign_type": self.sign_type, "enabled": self.enabled, "org_code": self.org_code,
                "ips": list(self.ips) if self.ips is not None else None}  # never the secret  # fmt: skip


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass
class Verifier:
    """The configured hospitals and the nonces seen. Thread-safe."""

    hospitals: Mapping[str, Hospital]
    window_s: float = DEFAULT_WINDOW_S
    clock: Callable[[], float] = time.time  # real time, never a simulated business clock
    _nonces: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hospital(self, app_id: str) -> Hospital | None:
        return self.hospitals.get(app_id)

    def check(self, envelope: Any, client_ip: str | None = None) -> Refusal | None:
        """Why the envelope is refused, or ``None`` (and its nonce is then used up)."""
        if not isinstance(envelope, Mapping):
            return Refusal(spec.BAD_PARAM, "参数错误: 请求体应为JSON对象")
        for name in signing.SIGN_FIELDS:
            value = envelope.get(name)
            if value is None or value == "":
                return Refusal(spec.MISSING_SIGN, f"缺少签名参数[{name}]")
            if not isinstance(value, str):
                return Refusal(spec.MISSING_SIGN, f"签名参数[{name}]应为字符串，实际{type(value).__name__}")
        timestamp, nonce, sign_type = envelope["timestamp"], envelope["nonce"], envelope["signType"]
        if not TIMESTAMP_SHAPE.fullmatch(timestamp):
            return Refusal(spec.MISSING_SIGN, f"签名参数[timestamp]格式错误: 应为13位毫秒时间戳字符串，实际[{timestamp[:20]}]")
        if not NONCE_SHAPE.fullmatch(nonce):
            return Refusal(spec.MISSING_SIGN, f"签名参数[nonce]格式错误: 应为16–64位字母或数字，实际{len(nonce)}位")
        if sign_type not in signing.SIGN_TYPES:
            return Refusal(spec.MISSING_SIGN, f"签名参数[signType]取值[{sign_type[:20]}]错误: 应为"
                                              f"{'/'.join(signing.SIGN_TYPES)}")  # fmt: skip
        app_id = envelope["appId"]
        hospital = self.hospitals.get(app_id)
        if hospital is None or not hospital.enabled:
            what = "未知" if hospital is None else "已停用"
            return Refusal(spec.UNKNOWN_APP, f"{what}的appId[{app_id[:40]}]")
        if not hospital.allows(client_ip):
            return Refusal(spec.IP_REFUSED, f"来源IP[{client_ip}]不在appId[{app_id[:40]}]的白名单内")
        now = self.clock()
        skew = int(timestamp) / 1000 - now
        if abs(skew) > self.window_s:
            where = "超前" if skew > 0 else "落后"
            return Refusal(spec.STALE, f"时间戳超出允许范围(±{self.window_s:g}秒): 比城市大脑时间{where}{abs(skew):.0f}秒")
        if sign_type != hospital.sign_type:
            return Refusal(spec.BAD_SIGN, f"签名错误: 签名类型[{sign_type}]与约定的[{hospital.sign_type}]不符")
        given = envelope["sign"]
        if not SIGN_SHAPE.fullmatch(given):
            return Refusal(spec.BAD_SIGN, "签名错误: sign应为64位小写十六进制")
        expected = signing.sign(envelope, hospital.secret)
        if not hmac.compare_digest(expected, given):
            return Refusal(spec.BAD_SIGN, "签名错误: 签名校验失败")
        with self._lock:
            for key, seen in list(self._nonces.items()):  # forget nonces the window already refuses
                if now - seen > 2 * self.window_s:
                    del self._nonces[key]
            if (app_id, nonce) in self._nonces:
                return Refusal(spec.REPLAY, f"重复的请求: nonce[{nonce[:64]}]已使用(重放)")
            self._nonces[(app_id, nonce)] = now
        return None

    def release(self, app_id: str, nonce: str) -> None:
        """Forget a nonce (a fault that fails the call before the city brain processed it)."""
        with self._lock:
            self._nonces.pop((app_id, nonce), None)

    def nonces_seen(self) -> int:
        with self._lock:
            return len(self._nonces)

    def reset(self) -> None:
        with self._lock:
            self._nonces.clear()

    def to_json(self) -> dict[str, Any]:
        return {"window_s": self.window_s, "hospitals": {k: h.to_json() for k, h in self.hospitals.items()}}
