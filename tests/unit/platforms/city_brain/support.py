"""Settings, callers and signed requests shared by the unit tests of the city-brain API."""

from __future__ import annotations

from typing import Any

import orjson

from hisbridge.platforms.city_brain.envelope import signed_request
from hisbridge.platforms.city_brain.settings import CityBrainApiSettings, settings_from_extras

NOW = 1_764_000_000.0  # the guard's clock in the tests (seconds)
SECRETS = {"cb01": "cb01-secret-0123456789", "cb02": "cb02-secret-0123456789", "off": "off-secret-0123456789"}


def extras(**changes: Any) -> dict[str, Any]:
    callers = {
        "cb01": {"secret": SECRETS["cb01"], "sign_type": "SM3", "rate_per_s": 2, "burst": 2,
                 "ips": ["10.0.0.0/8", "127.0.0.1"]},
        "cb02": {"secret": SECRETS["cb02"], "sign_type": "HMAC-SHA256", "ips": ["192.168.1.0/24"]},
        "off": {"secret": SECRETS["off"], "ips": ["10.0.0.0/8"], "enabled": False},
    }
    return {"callers": callers, **changes}


def settings(**changes: Any) -> CityBrainApiSettings:
    return settings_from_extras(extras(**changes))


def envelope(app_id: str = "cb01", biz: dict | None = None, *, at: float = NOW, sign_type: str | None = None,
             secret: str | None = None, nonce: str | None = None) -> dict[str, Any]:
    kind = sign_type or {"cb01": "SM3", "cb02": "HMAC-SHA256"}.get(app_id, "SM3")
    return signed_request(app_id, secret or SECRETS.get(app_id, "unknown-secret-0123456789"),
                          {"pageNo": 1} if biz is None else biz, sign_type=kind, timestamp_ms=int(at * 1000),
                          nonce=nonce)


def body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else orjson.dumps(value)
