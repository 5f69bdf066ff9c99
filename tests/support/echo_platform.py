"""``echo``: a push platform that lives only in the tests, plugged in exactly as a site's own platform would be.

Registered through the environment, never in ``hisbridge.platforms.registry``::

    HISBRIDGE_PLATFORMS='{"echo": "tests.support.echo_platform:PLATFORM"}'

What the platform does (an in-memory stand-in for a front-end database fed by a push API):

=========================  ====================================================================================
upload (batch or single)   stores each row under its wire ``id`` (a newer row replaces an older one) and
                           acknowledges it; a row whose ``name`` is ``REFUSE`` is rejected with :data:`REFUSAL`
correct (delete by id)     deletes the row whose ``id`` is the business key; deleting an id it does not hold is
                           acknowledged too ("nothing there")
fault: upload times out    the next upload is stored, then no answer comes: every row ``unknown``
fault: correction refused  the next correction is refused: outcome ``rejected``, nothing deleted
=========================  ====================================================================================

A feed's ``options`` name the platform's table (``{table: lab_item}``); its business key must be the wire ``id``
(the platform deletes by it).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.platform import Capabilities, Correction, Mode, Platform
from hisbridge.pipeline.spec import FeedSpec

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger

REFUSE = "REFUSE"
REFUSAL = "name REFUSE is not accepted by the echo platform"
CORRECTION_REFUSAL = "the echo platform refuses deletes just now"
TIMEOUT = "read timeout: the echo platform did not answer"


class EchoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(min_length=1, description="the platform's table the feed fills")


class LabItem(BaseModel):
    """The wire row: a lab item (no person in it)."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(description="项目编号")
    name: str = Field(min_length=1, description="项目名称")
    value: str = Field(min_length=1, description="结果")


def capabilities(options: EchoOptions) -> Capabilities:
    return Capabilities(modes=("batch", "single"), max_batch=50, ordered=False,
                        correction=Correction.DELETE_BY_ID, max_in_flight=2)


def correction_scope(spec: FeedSpec) -> str:
    options = spec.platform_options
    assert isinstance(options, EchoOptions)
    return f"echo:{options.table}"


PLATFORM = Platform(
    name="echo",
    title="回声测试平台",
    options=EchoOptions,
    capabilities=capabilities,
    correction_scope=correction_scope,
    connect="tests.support.echo_platform:from_airflow",
)


@dataclass
class Faults:
    """Switches for the next messages; each counts down as it fires."""

    upload_timeouts: int = 0
    refused_corrections: int = 0


class EchoSender:
    """The sender and, behind it, the platform itself: ``tables`` is what the platform holds."""

    platform = "echo"

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        #: every change the platform made, in order: (operation, table, id, msgid)
        self.history: list[tuple[str, str, str, str]] = []
        self.faults = Faults()
        self._lock = threading.Lock()  # the run sends from up to max_in_flight threads

    # -- what the pipeline asks ------------------------------------------------------------------------------
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        return LabItem

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        return "upload_batch" if mode == "batch" else "upload"

    def correction_operation(self, spec: FeedSpec) -> str:
        return "delete"

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> str:
        return str(row["id"])

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]:
        return ()

    def new_msgid(self) -> str:
        return f"echo-{uuid.uuid4().hex[:20]}"

    # -- messages --------------------------------------------------------------------------------------------
    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        table = _table(spec)
        states: list[str] = []
        errors: list[str | None] = []
        with self._lock:
            held = self.tables.setdefault(table, {})
            for row in rows:
                if row.get("name") == REFUSE:
                    states.append("rejected")
                    errors.append(REFUSAL)
                    continue
                held[str(row["id"])] = dict(row)
                self.history.append(("upload", table, str(row["id"]), msgid))
                states.append("acknowledged")
                errors.append(None)
            timed_out = _fire(self.faults, "upload_timeouts")
        request = json.dumps({"msgid": msgid, "table": table, "rows": list(rows)}, ensure_ascii=False)
        if timed_out:
            return MessageResult("unknown", ["unknown"] * len(rows), [TIMEOUT] * len(rows), err_msg=TIMEOUT,
                                 request=request)
        ok = states.count("acknowledged")
        outcome = "acknowledged" if ok == len(rows) else ("rejected" if ok == 0 else "partial")
        answer = {"code": 0 if ok == len(rows) else -1, "rows": [{"state": s, "error": e} for s, e in
                                                                  zip(states, errors, strict=True)]}
        return MessageResult(outcome, states, errors, platform_code=str(answer["code"]),
                             err_msg=None if outcome == "acknowledged" else REFUSAL, request=request,
                             response=json.dumps(answer, ensure_ascii=False), platform_ref=msgid)

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        table = _table(spec)
        request = json.dumps({"msgid": msgid, "table": table, "delete": target})
        with self._lock:
            if _fire(self.faults, "refused_corrections"):
                return MessageResult("rejected", [], [], platform_code="-1", err_msg=CORRECTION_REFUSAL,
                                     request=request)
            removed = self.tables.get(table, {}).pop(target, None)
            self.history.append(("delete", table, target, msgid))
        return MessageResult("acknowledged", [], [], platform_code="0",
                             err_msg=None if removed is not None else "nothing there", request=request,
                             response=json.dumps({"code": 0, "deleted": int(removed is not None)}))

    # -- for the tests ---------------------------------------------------------------------------------------
    def held(self, table: str) -> dict[str, dict[str, Any]]:
        """A copy of what the platform holds in ``table``, by id."""
        with self._lock:
            return {k: dict(v) for k, v in self.tables.get(table, {}).items()}

    def operations(self, table: str, row_id: str) -> list[str]:
        """What the platform did to one row, oldest first (``upload`` / ``delete``)."""
        with self._lock:
            return [op for op, t, i, _ in self.history if t == table and i == row_id]


def from_airflow(ledger: Ledger) -> EchoSender:
    """The sender of a task (a real platform would read its Airflow connection here)."""
    return EchoSender()


def _table(spec: FeedSpec) -> str:
    options = spec.platform_options
    assert isinstance(options, EchoOptions), f"{spec.feed} is not an echo feed"
    return options.table


def _fire(faults: Faults, switch: str) -> bool:
    left = getattr(faults, switch)
    if left > 0:
        setattr(faults, switch, left - 1)
        return True
    return False
