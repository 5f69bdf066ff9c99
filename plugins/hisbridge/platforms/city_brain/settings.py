"""The API's settings: who may call (per-caller credentials, signature algorithm, rate, IP allow-list) and the
limits, from the extras of the Airflow connection ``city_brain_api`` (type ``generic``)::

    AIRFLOW_CONN_CITY_BRAIN_API='{"conn_type": "generic", "extra": {
      "callers": {"cb01": {"secret": "<32+ random characters>", "sign_type": "SM3", "rate_per_s": 100,
                           "burst": 200, "ips": ["10.0.0.0/8", "127.0.0.1"], "enabled": true}},
      "replay_window_s": 300, "max_days": 31, "max_page_size": 200, "workers": 4}}'

======================  =================================================================================================
``callers``             appId → ``secret`` (at least 16 characters; shared with the city brain), ``sign_type``
                        (``SM3`` default, ``SHA256`` or ``HMAC-SHA256``: the only one accepted from that caller),
                        ``rate_per_s`` and ``burst`` (its token bucket, for the whole service), ``ips`` (addresses or
                        CIDR networks it calls from; at least one), ``enabled``, ``name`` (who it is, for people)
``replay_window_s``     how far a request's timestamp may be from our clock, either way (default 300 s); nonces are
                        kept twice that long (a request stamped at the window's far end is valid for 2 windows)
``max_days``            the longest date range of an endpoint that keeps the default limit (default 31 days)
``max_page_size``       the largest ``pageSize`` (default and ceiling 200)
``workers``             how many processes serve the API (``serve --workers N`` sets it for its own processes): each
                        process gives a caller ``rate_per_s / workers`` and ``burst / workers``
``trusted_proxies``     addresses of reverse proxies in front of the API: behind one of them the caller's address is
                        the last ``X-Forwarded-For`` entry not itself a trusted proxy (empty: the peer's address)
``metrics_ips``         who may read ``GET /city-brain/metrics`` (default loopback and the private networks)
======================  =================================================================================================

Errors name the connection and the key (``connection 'city_brain_api': callers.cb01.ips.0: …``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hisbridge.platforms.city_brain.envelope import APP_ID
from hisbridge.platforms.city_brain.signing import SignType

CONN_ID = "city_brain_api"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PRIVATE = ["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values)


def _networks(values: list[str]) -> list[str]:
    for n, value in enumerate(values):
        try:
            ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            raise ValueError(f"entry {n} ({value!r}) is not an IP address or CIDR network") from None
    return values


class CallerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: SecretStr = Field(description="签名密钥（与城市大脑共享，至少 16 个字符）")
    sign_type: SignType = Field("SM3", description="该调用方使用的签名算法")
    rate_per_s: float = Field(100, gt=0, le=100_000, description="每秒请求数上限（全服务合计）")
    burst: int = Field(200, ge=1, le=1_000_000, description="突发请求数上限（令牌桶容量，全服务合计）")
    ips: list[str] = Field(min_length=1, description="来源 IP 白名单（地址或 CIDR 网段）")
    enabled: bool = Field(True, description="是否启用")
    name: str | None = Field(None, max_length=100, description="调用方名称")

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("the secret needs at least 16 characters")
        return value

    @field_validator("ips")
    @classmethod
    def _ips(cls, value: list[str]) -> list[str]:
        return _networks(value)


@dataclass(frozen=True)
class Caller:
    """One caller as the guard uses it."""

    app_id: str
    secret: str
    sign_type: SignType
    rate_per_s: float
    burst: int
    networks: tuple[Network, ...]
    enabled: bool = True
    name: str | None = None

    def allows(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(ip in net for net in self.networks if net.version == ip.version)

    def __repr__(self) -> str:  # never the secret
        return f"Caller({self.app_id!r}, {self.sign_type}, {self.rate_per_s}/s, enabled={self.enabled})"


class CityBrainApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    callers: dict[str, CallerSettings] = Field(min_length=1, description="调用方（appId → 凭据与限制）")
    replay_window_s: int = Field(300, ge=10, le=3600, description="时间戳允许偏差（秒）")
    max_days: int = Field(31, ge=1, le=3660, description="日期范围上限（天）")
    max_page_size: int = Field(200, ge=1, le=200, description="每页条数上限")
    workers: int = Field(1, ge=1, le=256, description="服务进程数（限流按进程平分）")
    trusted_proxies: list[str] = Field(default_factory=list, description="可信反向代理地址")
    metrics_ips: list[str] = Field(default_factory=lambda: list(PRIVATE), description="可读取 /metrics 的地址")

    @field_validator("callers")
    @classmethod
    def _app_ids(cls, value: dict[str, CallerSettings]) -> dict[str, CallerSettings]:
        for app_id in value:
            if not APP_ID.match(app_id):
                raise ValueError(f"appId {app_id!r}: 1–64 letters, digits, '_', '.' or '-'")
        return value

    @field_validator("trusted_proxies", "metrics_ips")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return _networks(value)

    @cached_property
    def by_app_id(self) -> dict[str, Caller]:
        return {app_id: Caller(app_id=app_id, secret=c.secret.get_secret_value(), sign_type=c.sign_type,
                               rate_per_s=c.rate_per_s, burst=c.burst, networks=networks(c.ips), enabled=c.enabled,
                               name=c.name)
                for app_id, c in self.callers.items()}

    @cached_property
    def allowed_networks(self) -> tuple[Network, ...]:
        """Every enabled caller's networks: the first check, before the body is read."""
        return tuple(dict.fromkeys(n for c in self.by_app_id.values() if c.enabled for n in c.networks))

    @cached_property
    def proxy_networks(self) -> tuple[Network, ...]:
        return networks(self.trusted_proxies)

    @cached_property
    def metrics_networks(self) -> tuple[Network, ...]:
        return networks(self.metrics_ips)

    def max_days_for(self, endpoint_max_days: int | None, default: int) -> int | None:
        """An endpoint's date-range limit: its own when it declares one, the site's when it keeps the default."""
        if endpoint_max_days is None:
            return None
        return self.max_days if endpoint_max_days == default else endpoint_max_days


def settings_from_extras(extras: Mapping[str, Any] | None, conn_id: str = CONN_ID,
                         **overrides: Any) -> CityBrainApiSettings:
    """The settings from a connection's extras (``overrides`` win: ``workers`` from ``serve``); a
    ``ValueError`` naming the connection and every key that is wrong."""
    values = {**(extras or {}), **overrides}
    try:
        return CityBrainApiSettings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'extra'}: {e['msg']}"
                             for e in exc.errors(include_input=False, include_url=False))
        raise ValueError(f"connection {conn_id!r}: {problems}") from None
