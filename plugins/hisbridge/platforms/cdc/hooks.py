"""Airflow side of the CDC front-end: connections → a configured client or engine, and the site's delivery
target. The only module of the package that imports Airflow.

**Which target.** Airflow Variable ``cdc_delivery_target``: ``api`` (default) pushes to the front-end's API
(connection ``cdc_frontend``); ``db`` writes rows into its database (connection ``cdc_frontend_db``).

**``cdc_frontend``** (type ``http``):

========================  ==========================================================================================
Field / extra             Meaning
========================  ==========================================================================================
``host``, ``port``        the front-end (e.g. ``10.1.2.3``, ``8881``); a ``host`` written as ``http://…`` wins
``schema``                ``http`` (default) or ``https``
``path``                  extra; default ``/hclient/emr/receive/{entity}``
``void_mode``             extra; ``delete`` (default: a voided record is DELETEd) or ``flag`` (re-sent with
                          ``invalid_flag`` 1)
``connect_timeout``       extra; seconds, default 5
``read_timeout``          extra; seconds, default 30
``not_found_words``       extra; list of words by which a refused DELETE means "not there" (counts as done)
``verify``                extra; TLS verification ``true``/``false`` or a CA bundle path
========================  ==========================================================================================

Example::

    AIRFLOW_CONN_CDC_FRONTEND='{"conn_type": "http", "host": "10.1.2.3", "port": 8881,
      "extra": {"void_mode": "delete"}}'

**``cdc_frontend_db``** (``postgres``, ``oracle``, or ``sqlite`` with the file in ``host`` for the demo): the
front-end database; extras ``void_mode`` (as above) and ``table_schema`` (PostgreSQL schema / Oracle owner of
the ``emr_*`` tables; default the login's own).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal, Protocol

from airflow.sdk import BaseHook, Variable
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine

from hisbridge.platforms.cdc.client import CdcClient, CdcSettings, VoidMode

TARGET_VARIABLE = "cdc_delivery_target"
Target = Literal["api", "db"]
#: extras copied into CdcSettings under the same name
EXTRA_KEYS = ("path", "void_mode", "connect_timeout", "read_timeout", "not_found_words", "verify")


class ConnectionLike(Protocol):
    """What is read from a connection (``airflow.sdk.Connection`` or any object with these attributes)."""

    host: str | None
    port: int | None
    schema: str | None

    @property
    def extra_dejson(self) -> dict[str, Any]: ...


def settings_from_connection(conn: ConnectionLike, conn_id: str = "cdc_frontend") -> CdcSettings:
    """The front-end's settings from a connection; errors name the connection and the field or extra."""
    host = (conn.host or "").strip()
    if not host:
        raise ValueError(f"connection {conn_id!r}: host is empty (the front-end's address)")
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
    if isinstance(values.get("not_found_words"), list):
        values["not_found_words"] = tuple(values["not_found_words"])
    try:
        return CdcSettings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'host'}: {e['msg']}"
                             for e in exc.errors(include_input=False))
        raise ValueError(f"connection {conn_id!r}: {problems}") from None


class FrontendDbSettings(BaseModel):
    """The extras of ``cdc_frontend_db`` that are ours (the rest configure the database driver)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    void_mode: VoidMode = "delete"
    table_schema: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9_]{0,29}$")


class CdcFrontendHook(BaseHook):
    """The front-end's push API."""

    conn_name_attr = "cdc_conn_id"
    default_conn_name = "cdc_frontend"
    conn_type = "http"
    hook_name = "传染病监测预警前置软件"

    def __init__(self, cdc_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.cdc_conn_id = cdc_conn_id

    @cached_property
    def settings(self) -> CdcSettings:
        return settings_from_connection(self.get_connection(self.cdc_conn_id), self.cdc_conn_id)

    @cached_property
    def client(self) -> CdcClient:
        return CdcClient(self.settings)


class CdcFrontendDbHook(BaseHook):
    """The front-end's database (the ``db`` delivery target)."""

    conn_name_attr = "cdc_db_conn_id"
    default_conn_name = "cdc_frontend_db"
    conn_type = "postgres"
    hook_name = "传染病监测预警前置软件数据库"

    def __init__(self, cdc_db_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.cdc_db_conn_id = cdc_db_conn_id

    @cached_property
    def settings(self) -> FrontendDbSettings:
        extra = self.get_connection(self.cdc_db_conn_id).extra_dejson or {}
        try:
            return FrontendDbSettings.model_validate(extra)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
            raise ValueError(f"connection {self.cdc_db_conn_id!r}: {problems}") from None

    @cached_property
    def engine(self) -> Engine:
        from hisbridge.hooks import engine_for

        return engine_for(self.cdc_db_conn_id)


def delivery_target() -> Target:
    """The site's delivery target (Variable ``cdc_delivery_target``; ``api`` when unset)."""
    value = str(Variable.get(TARGET_VARIABLE, default="api") or "api").strip().lower()
    if value not in ("api", "db"):
        raise ValueError(f"Variable {TARGET_VARIABLE!r} must be 'api' or 'db', not {value!r}")
    return value  # type: ignore[return-value]
