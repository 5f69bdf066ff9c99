"""医保 jobs that are not record feeds: reconciliation, the settlement list, the fund self-check, catalogue
reports. A job is a plain function ``job(ctx: JobContext) -> dict`` (a small count summary for XCom and the log):
it reads the HIS over the run's window, talks to the platform through ``ctx.gateway`` (validated against the
catalogue, journalled in ``call_journal`` with who and when, a lost answer reversed or marked unknown exactly as
for the HIS's own calls) and writes its report with :mod:`hisbridge.reports`.

No Airflow here: ``HsaJobOperator`` (``hisbridge.operators``) builds the context from the connections, the demo
and the tests build it directly. The platform side is built lazily, so a job that never calls the platform (the
fund self-check) never signs in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.client import HsaClient
from hisbridge.platforms.hsa.gateway.service import HsaGateway
from hisbridge.reports import reports_dir


@dataclass
class JobContext:
    """What a job may use. ``window`` is the run's data interval as naive Asia/Shanghai wall-clock times (the
    HIS's), ``actor`` names the run in the journal (``airflow:<dag>.<task>#<try>``)."""

    his: Engine
    ledger: Ledger
    window: tuple[datetime, datetime]
    actor: str
    client_factory: Callable[[], HsaClient] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    reports: Path | None = None

    @cached_property
    def client(self) -> HsaClient:
        if self.client_factory is None:
            raise RuntimeError("this job was given no 医保 client (connection hsa_platform)")
        return self.client_factory()

    @cached_property
    def gateway(self) -> HsaGateway:
        """Journalled, validated calls: ``ctx.gateway.call(infno, body, caller=ctx.actor, insuplc_admdvs=…)``."""
        client = self.client
        return HsaGateway(self.ledger, lambda _operator: client)

    @property
    def fixmedins_code(self) -> str:
        return self.client.settings.fixmedins_code

    @property
    def reports_dir(self) -> Path:
        return self.reports or reports_dir()

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()


Job = Callable[[JobContext], Mapping[str, Any]]


class JobRefused(RuntimeError):
    """The job cannot do its work until someone changes its configuration or data (a rule that does not run, a
    mapping that is missing): retrying would fail the same way, so the task fails without retry. Transport
    faults are other exceptions, and Airflow retries them."""


def load_job(dotted: str) -> Job:
    """``package.module:function`` → the job function."""
    module, _, name = dotted.partition(":")
    if not module or not name:
        raise ValueError(f"a job is named 'package.module:function', not {dotted!r}")
    job = getattr(importlib.import_module(module), name, None)
    if not callable(job):
        raise ValueError(f"{dotted}: no such job function")
    return job


def run_job(job: Job | str, ctx: JobContext) -> dict[str, Any]:
    try:
        return dict((load_job(job) if isinstance(job, str) else job)(ctx))
    finally:
        ctx.close()
