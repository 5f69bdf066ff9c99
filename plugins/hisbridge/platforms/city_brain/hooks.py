"""Airflow side of the pushes to the 城市大脑: the ``city_brain`` connection → :class:`PushSettings` and a configured
:class:`CityBrainClient`. The only module of the pushes that imports Airflow. (The API the city brain calls has
its own connection, ``city_brain_api``: :mod:`~hisbridge.platforms.city_brain.settings`.)

The connection is of type ``http``:

========================  ==========================================================================================
Field / extra             Meaning
========================  ==========================================================================================
``host``, ``port``        the city brain's receiver (e.g. ``10.1.2.3``, ``8885``); a ``host`` written as
                          ``http://…/prefix`` wins
``schema``                ``http`` (default) or ``https``
``login``                 our appId at the city brain (``appId`` of every envelope)
``password``              the secret the envelope is signed with (shared with the city brain)
``sign_type``             extra; ``SM3`` (default), ``SHA256`` or ``HMAC-SHA256`` — as agreed for our appId
``org_code``              extra; 本机构代码, the ``orgCode`` of every push (default ``360102001``)
``org_name``              extra; 本机构名称 (default 南昌市第一医院)
``paths``                 extra; ``{"notify": path, "history": path}`` overriding ``/api/v1/<operation>`` (a full
                          ``http://…`` URL routes one operation elsewhere)
``timeout_s``             extra; seconds to wait for an answer (default 10)
``connect_timeout_s``     extra; seconds to establish the connection (default 3)
``verify``                extra; TLS verification ``true``/``false`` or a CA bundle path
========================  ==========================================================================================

Example::

    AIRFLOW_CONN_CITY_BRAIN='{"conn_type": "http", "host": "10.1.2.3", "port": 8885,
      "login": "hisbridge-360102001", "password": "<secret>",
      "extra": {"sign_type": "SM3", "org_code": "360102001", "paths": {"notify": "/cb/push/notify"}}}'

Nanchang's specification is not public: paths, the sign type and the answer codes
(``include/mappings/city_brain_outbound_answers.yaml``) are configurable for that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Protocol

from airflow.sdk import BaseHook
from pydantic import ValidationError

from hisbridge.platforms.city_brain.client import CityBrainClient, PushSettings
from hisbridge.platforms.city_brain.errors import CityBrainError, Misconfigured

DEFAULT_CONN_ID = "city_brain"
#: extras copied into PushSettings under the same name
EXTRA_KEYS = ("sign_type", "org_code", "org_name", "paths", "timeout_s", "connect_timeout_s", "verify")
#: settings fields that come from the connection's own fields, by the name an operator sees
_FIELD_SOURCES = {"base_url": "host", "app_id": "login", "secret": "password"}


class ConnectionLike(Protocol):
    """What is read from a connection (``airflow.sdk.Connection`` or any object with these attributes)."""

    host: str | None
    port: int | None
    schema: str | None
    login: str | None
    password: str | None

    @property
    def extra_dejson(self) -> Mapping[str, Any]: ...


def settings_from_connection(conn: ConnectionLike, conn_id: str = DEFAULT_CONN_ID) -> PushSettings:
    """The pushes' settings from a connection; errors name the connection and the field or extra (never the
    secret's value)."""
    host = (conn.host or "").strip()
    if not host:
        raise ValueError(f"connection {conn_id!r}: host is empty (the city brain's address)")
    if host.startswith(("http://", "https://")):
        base_url = host.rstrip("/")
    else:
        scheme = (conn.schema or "http").strip() or "http"
        if scheme not in ("http", "https"):
            raise ValueError(f"connection {conn_id!r}: schema must be http or https, not {scheme!r}")
        base_url = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
    extra: Mapping[str, Any] = conn.extra_dejson or {}
    unknown = sorted(set(extra) - set(EXTRA_KEYS))
    if unknown:
        raise ValueError(f"connection {conn_id!r}: unknown extras {unknown}; known: {', '.join(EXTRA_KEYS)}")
    values: dict[str, Any] = {"base_url": base_url, "app_id": conn.login or "", "secret": conn.password or "",
                              **{k: extra[k] for k in EXTRA_KEYS if k in extra}}
    try:
        return PushSettings(**values)
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_input=False, include_url=False):
            key = ".".join(map(str, e["loc"]))
            where = _FIELD_SOURCES.get(key, key) or "extras"
            problems.append(f"{where}: {e['msg']}")
        raise ValueError(f"connection {conn_id!r}: " + "; ".join(problems)) from None


class CityBrainHook(BaseHook):
    """Pushes to the 城市大脑 (医院数据推送通知, 医院历史数据抓取).

    :param city_brain_conn_id: the ``http`` connection describing the city brain's receiver and our appId.
    """

    conn_name_attr = "city_brain_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "http"
    hook_name = "城市大脑（推送）"

    def __init__(self, city_brain_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.city_brain_conn_id = city_brain_conn_id

    @cached_property
    def settings(self) -> PushSettings:
        return settings_from_connection(self.get_connection(self.city_brain_conn_id), self.city_brain_conn_id)

    @cached_property
    def client(self) -> CityBrainClient:
        return CityBrainClient(self.settings)

    def get_conn(self) -> CityBrainClient:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        """A signed notify with nothing in it: the city brain checks appId, address, clock and signature, then
        refuses the empty event (2001) and keeps nothing — which proves everything but the data."""
        try:
            exchange = self.client.probe()
        except Misconfigured as exc:
            return False, str(exc)
        except (CityBrainError, ValueError) as exc:
            return False, str(exc)
        return True, f"城市大脑已应答（{exchange.duration_ms} ms）：签名与连接正常，探测用的空事件按约定被拒收（2001）"
