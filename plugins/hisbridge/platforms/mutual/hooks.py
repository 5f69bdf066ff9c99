"""Airflow side of the 互认 platform: the ``mutual_recognition`` connection → :class:`MutualSettings` and a
configured :class:`MutualClient`. The only module of the package that imports Airflow.

The connection is of type ``http`` (a custom type with its own form needs a provider entry point):

========================  ==========================================================================================
Field / extra             Meaning
========================  ==========================================================================================
``host``, ``port``        the platform (e.g. ``10.1.2.3``, ``8093``); a ``host`` written as ``http://…/prefix`` wins
``schema``                ``http`` (default) or ``https``
``login``                 ``auth: hmac``: the app id (``X-App-Id``)
``password``              ``auth: token``: the bearer token; ``auth: hmac``: the signing key
``org_code``              extra; 本机构代码 sent as ``orgCode`` / checked against every row's ``OrgCode``
                          (default ``360102001``)
``org_name``              extra; 本机构名称 (default 南昌市第一医院)
``auth``                  extra; ``none`` (default: the analogue's intranet calls carry none), ``token`` or ``hmac``
``paths``                 extra; ``{operation: path}`` overriding ``/api/v1/<operation>`` (a full ``http://…`` URL
                          routes one operation elsewhere)
``timeout_s``             extra; seconds to wait for an upload's, a withdrawal's or a record's answer (default 10)
``query_timeout_s``       extra; seconds to wait for a reminder or report query (default 0.5; the workstation
                          service passes its own budget)
``connect_timeout_s``     extra; seconds to establish the connection (default 3; a query's timeout caps it)
``max_batch``             extra; the most rows the platform takes in one upload (default 50)
``verify``                extra; TLS verification ``true``/``false`` or a CA bundle path
========================  ==========================================================================================

Example::

    AIRFLOW_CONN_MUTUAL_RECOGNITION='{"conn_type": "http", "host": "10.1.2.3", "port": 8093,
      "login": "hisbridge", "password": "<key>",
      "extra": {"org_code": "360102001", "auth": "hmac", "paths": {"queryReminders": "/mr/api/remind"}}}'

Jiangxi's specification is not public: paths, auth and answer codes (``include/mappings/mutual_answers.yaml``)
are all configurable for that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Protocol

from airflow.sdk import BaseHook
from pydantic import ValidationError

from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.errors import Misconfigured, MutualError, Refused
from hisbridge.platforms.mutual.models import ReminderQuery
from hisbridge.platforms.mutual.settings import MutualSettings

DEFAULT_CONN_ID = "mutual_recognition"
#: extras copied into MutualSettings under the same name
EXTRA_KEYS = ("org_code", "org_name", "auth", "paths", "timeout_s", "query_timeout_s", "connect_timeout_s",
              "max_batch", "verify")
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


def settings_from_connection(conn: ConnectionLike, conn_id: str = DEFAULT_CONN_ID) -> MutualSettings:
    """The platform's settings from a connection; errors name the connection and the field or extra."""
    host = (conn.host or "").strip()
    if not host:
        raise ValueError(f"connection {conn_id!r}: host is empty (the 互认 platform's address)")
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
    values: dict[str, Any] = {"base_url": base_url, **{k: extra[k] for k in EXTRA_KEYS if k in extra}}
    if conn.login:
        values["app_id"] = conn.login
    if conn.password:
        values["secret"] = conn.password
    try:
        return MutualSettings(**values)
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_input=False, include_url=False):
            key = ".".join(map(str, e["loc"]))
            where = _FIELD_SOURCES.get(key, key) or "extras"
            problems.append(f"{where}: {e['msg']}")
        raise ValueError(f"connection {conn_id!r}: " + "; ".join(problems)) from None


class MutualHook(BaseHook):
    """Connects to the 省检查检验结果互认平台.

    :param mutual_conn_id: the ``http`` connection describing the platform and our institution.
    """

    conn_name_attr = "mutual_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "http"
    hook_name = "省检查检验互认平台"

    def __init__(self, mutual_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.mutual_conn_id = mutual_conn_id

    @cached_property
    def settings(self) -> MutualSettings:
        return settings_from_connection(self.get_connection(self.mutual_conn_id), self.mutual_conn_id)

    @cached_property
    def client(self) -> MutualClient:
        return MutualClient(self.settings)

    def get_conn(self) -> MutualClient:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        """A reminder query for a patient nobody has (cheap, read-only): it proves address, path and auth."""
        probe = ReminderQuery(patientId="hisbridge-connection-test", idCardTypeCode="99", idCardValue="0",
                              GHId="hisbridge-connection-test", doctorId="hisbridge", searchType=1, lookbackDays=1)
        try:
            client = self.client
            reports = client.query_reminders(probe, timeout_s=max(client.settings.query_timeout_s, 5.0))
        except Misconfigured as exc:
            return False, str(exc)
        except Refused as exc:  # the platform answered and took our credentials: it only disliked the probe
            took = f" in {exc.exchange.duration_ms} ms" if exc.exchange else ""
            return True, f"互认平台已应答{took}（{exc.code}：探测查询被拒，但连接与认证正常）"
        except (MutualError, ValueError) as exc:
            return False, str(exc)
        return True, f"互认平台 queryReminders 应答正常（{len(reports)} 条）"
