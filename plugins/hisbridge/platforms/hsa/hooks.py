"""Airflow hook for the 医保 gateway: turns the ``hsa_platform`` connection into a configured :class:`HsaClient`.

The connection is of type ``http`` (a custom type with its own form needs a provider entry point):

========================  ==========================================================================================
Connection field          Meaning
========================  ==========================================================================================
``schema``                ``http`` or ``https`` (default ``https``); a ``host`` written as ``https://…`` wins
``host``, ``port``        the gateway (``port`` optional)
``password``              the gateway secret (TIF secretKey / CSB secret key); empty with ``auth: none``
``login``                 not used
========================  ==========================================================================================

Extras (JSON):

========================  ==========  ========================================================================
Key                       Required    Meaning
========================  ==========  ========================================================================
``fixmedins_code``        yes         定点医药机构编号, 12 characters (the msgid prefix)
``fixmedins_name``        yes         定点医药机构名称
``mdtrtarea_admvs``       yes         就医地医保区划 (Nanchang city ``360100``; from the 医保局 registration)
``recer_sys_code``        yes         接收方系统代码 (province-specific: ``YBXT``, ``his``, …)
``auth``                  yes         gateway header scheme: ``tif``, ``csb`` or ``none``
``paasid``                with auth   TIF paasid / CSB access key
``opter``                 yes         经办人 (operator / terminal id)
``opter_name``            yes         经办人姓名
``opter_type``            no          经办人类别 ``1`` 经办人 (default), ``2`` 自助终端, ``3`` 移动终端
``infver``                no          接口版本号, default ``V1.0``
``path``                  no          default ``/fsi/api/rsfComIfsService/callService``; ``{infno}`` is replaced
``sign_in``               no          sign in (9001) before the first call, default ``true``
``opter_no``              no          9001 操作员编号, default ``opter``
``ip``                    no          9001 签到IP地址, default: this host's IPv4 address towards the gateway
``mac``                   no          9001 签到MAC地址
``connect_timeout``       no          seconds, default 5
``read_timeout``          no          seconds, default 30
``csb_api_version``       no          CSB ``_api_version``, default ``1.0.0``
``dev_no``                no          设备编号
``verify``                no          TLS verification: ``true`` (default), ``false`` or a CA bundle path
========================  ==========  ========================================================================

Example::

    AIRFLOW_CONN_HSA_PLATFORM='{"conn_type": "http", "schema": "https", "host": "hsa-gw.example", "port": 8443,
      "password": "<secret>", "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院",
      "mdtrtarea_admvs": "360100", "recer_sys_code": "YBXT", "auth": "csb", "paasid": "<ak>",
      "opter": "hisbridge", "opter_name": "接口平台"}}'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from airflow.sdk import BaseHook
from pydantic import ValidationError

from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.errors import HsaError
from hisbridge.platforms.hsa.msgid import MsgIdSource
from hisbridge.platforms.hsa.signin import SharedSignIns

if TYPE_CHECKING:
    from hisbridge.ledger.sessions import SessionStore

log = logging.getLogger(__name__)

#: extras copied into HsaSettings under the same name
EXTRA_KEYS = (
    "fixmedins_code", "fixmedins_name", "mdtrtarea_admvs", "recer_sys_code", "infver", "auth", "paasid", "path",
    "opter", "opter_name", "opter_type", "sign_in", "opter_no", "mac", "ip", "connect_timeout", "read_timeout",
    "csb_api_version", "dev_no", "verify",
)  # fmt: skip
#: settings fields that come from the connection's own fields, by the name an operator sees
_FIELD_SOURCES = {"base_url": "host", "secret": "password"}


class ConnectionLike(Protocol):
    """What is read from a connection (``airflow.sdk.Connection`` or any object with these attributes)."""

    conn_id: str
    host: str | None
    port: int | None
    schema: str | None
    password: str | None

    @property
    def extra_dejson(self) -> Mapping[str, object]: ...


class HsaConnectionError(ValueError):
    """The connection cannot be turned into settings; the message names the connection and the key."""


class HsaHook(BaseHook):
    """Connects to the 医保 gateway.

    :param hsa_conn_id: the ``http`` connection describing the gateway and the institution.
    :param msgids: msgid source for the client (the ledger's, for uniqueness across tasks); in-process if None.
    :param sessions: the ledger's session store: the client then shares one sign-in (9001) per operator and
        day with every other task (see :mod:`~hisbridge.platforms.hsa.signin`); if None it signs in on its own.
    """

    conn_name_attr = "hsa_conn_id"
    default_conn_name = "hsa_platform"
    conn_type = "http"
    hook_name = "医保平台"

    def __init__(
        self,
        hsa_conn_id: str = default_conn_name,
        msgids: MsgIdSource | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        super().__init__()
        self.hsa_conn_id = hsa_conn_id
        self.msgids = msgids
        self.sessions = sessions

    @cached_property
    def client(self) -> HsaClient:
        settings = self.settings_from_connection(self.get_connection(self.hsa_conn_id))
        sign_ins = SharedSignIns(self.sessions) if self.sessions is not None else None
        return HsaClient(settings, msgids=self.msgids, sign_ins=sign_ins)

    def get_conn(self) -> HsaClient:
        return self.client

    @classmethod
    def settings_from_connection(cls, conn: ConnectionLike) -> HsaSettings:
        """Parse a connection into :class:`HsaSettings`; errors name the connection id and the key."""
        conn_id = getattr(conn, "conn_id", None) or cls.default_conn_name
        extras = dict(conn.extra_dejson or {})
        unknown = sorted(set(extras) - set(EXTRA_KEYS))
        if unknown:
            log.warning("connection %r: ignoring unknown extras %s", conn_id, ", ".join(unknown))
        if not conn.host:
            raise HsaConnectionError(f"connection {conn_id!r}: 'host' is missing")
        host = conn.host.rstrip("/")
        if "://" not in host:
            scheme = (conn.schema or "https").lower()
            if scheme not in ("http", "https"):
                raise HsaConnectionError(
                    f"connection {conn_id!r}: 'schema' must be http or https, not {scheme!r}"
                )
            host = f"{scheme}://{host}"
        base_url = f"{host}:{conn.port}" if conn.port else host
        values: dict[str, object] = {
            key: extras[key] for key in EXTRA_KEYS if extras.get(key) not in (None, "")
        }
        values["base_url"] = base_url
        if conn.password:
            values["secret"] = conn.password
        try:
            return HsaSettings.model_validate(values)
        except ValidationError as exc:
            problems = []
            for error in exc.errors(include_input=False, include_url=False):
                key = ".".join(str(part) for part in error["loc"])
                where = f"'{_FIELD_SOURCES.get(key, key)}'" if key else "extras"
                what = "is missing" if error["type"] == "missing" else error["msg"]
                problems.append(f"{where} {what}")
            raise HsaConnectionError(f"connection {conn_id!r}: " + "; ".join(problems)) from None

    def test_connection(self) -> tuple[bool, str]:
        """Sign in (9001) with the connection's settings."""
        try:
            self.client.sign_in()
        except (HsaError, HsaConnectionError, ValueError) as exc:
            return False, str(exc)
        exchange = self.client.last_exchange
        took = f" in {exchange.duration_ms} ms" if exchange else ""
        return True, f"医保 9001 签到成功{took}"
