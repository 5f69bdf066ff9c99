"""Airflow side of the 市区卫平台: the 前置库 connection → an engine, the feed's sender. The only module of the
package (with ``operators.py``) that imports Airflow.

**``regional_frontdb``** (``postgres``, ``oracle``, or ``sqlite`` with the file in ``host`` for the demo): the
前置库 the platform pulls from; extra ``table_schema`` — the PostgreSQL schema / Oracle owner of its tables
(default: the login's own). Example::

    AIRFLOW_CONN_REGIONAL_FRONTDB='{"conn_type": "postgres", "host": "10.1.2.30", "schema": "qzk",
      "login": "his_upload", "password": "…", "extra": {"table_schema": "qzk"}}'

``regional_platform`` (http) stays reserved for a platform whose receipt is an acknowledgment API (``ack_api`` in
``regional_datasets.yaml``; no client yet).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from airflow.sdk import BaseHook
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine

from hisbridge.platforms.regional.frontdb import FrontDbSender

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger


class FrontDbSettings(BaseModel):
    """The extras of ``regional_frontdb`` that are ours (the rest configure the database driver)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    table_schema: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9_]{0,29}$")


class RegionalFrontDbHook(BaseHook):
    """The 市区卫平台's 前置库."""

    conn_name_attr = "frontdb_conn_id"
    default_conn_name = "regional_frontdb"
    conn_type = "postgres"
    hook_name = "市区卫平台前置库"

    def __init__(self, frontdb_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.frontdb_conn_id = frontdb_conn_id

    @cached_property
    def settings(self) -> FrontDbSettings:
        extra = self.get_connection(self.frontdb_conn_id).extra_dejson or {}
        try:
            return FrontDbSettings.model_validate(extra)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
            raise ValueError(f"connection {self.frontdb_conn_id!r}: {problems}") from None

    @cached_property
    def engine(self) -> Engine:
        from hisbridge.hooks import engine_for

        return engine_for(self.frontdb_conn_id)

    def sender(self) -> FrontDbSender:
        return FrontDbSender(self.engine, schema=self.settings.table_schema)


def sender_from_airflow(ledger: Ledger) -> FrontDbSender:
    """The sender of a feed task (``Platform.connect``)."""
    return RegionalFrontDbHook().sender()
