"""The contract between the feed pipeline and a platform (dlt's destination idea): capabilities, not names.

A platform package exports one :class:`Platform`: what it can do (:class:`Capabilities`, per feed, from the feed
YAML's ``options`` which only the platform reads), which feeds one correction can touch (its correction scope),
and a lazily imported factory of its :class:`Sender`. The pipeline reads capabilities and calls the sender; it
never sees a platform's transaction names, envelopes or exceptions. Platforms are registered as data in
:mod:`hisbridge.platforms.registry`.

How a delivered record is corrected (:class:`Correction`):

================  =======================================================================================
group_delete      one message deletes every record of a correction key (医保 3507 by batch and data type);
                  what the platform held under that key and should keep is sent again from the ledger
delete_by_id      one message deletes one record by its business key (the CDC front-end's DELETE)
upsert            sending the new content replaces the old one; a voided record is deleted by id
reversal          the message that delivered the record is reversed (医保 2601), then the record is sent again
none              a delivered record cannot be corrected by us: a change is refused with that reason
================  =======================================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger, MessageResult
    from hisbridge.pipeline.spec import FeedSpec

Mode = Literal["batch", "single"]


class Correction(StrEnum):
    GROUP_DELETE = "group_delete"
    DELETE_BY_ID = "delete_by_id"
    UPSERT = "upsert"
    REVERSAL = "reversal"
    NONE = "none"


@dataclass(frozen=True)
class Capabilities:
    """What a platform supports for one feed."""

    modes: tuple[Mode, ...] = ("single",)
    #: the most records one message may carry in batch mode
    max_batch: int = 1
    #: messages must reach the platform one after another, in extraction order
    ordered: bool = False
    correction: Correction = Correction.NONE
    #: messages one run may have in flight at once (the platform's tolerance; the Airflow pool bounds tasks)
    max_in_flight: int = 1
    #: the platform may hold records that never went through hisbridge (entered before go-live or by hand):
    #: a void the ledger has never seen is still corrected (delete by id), "not found" counting as done
    unsent_may_exist: bool = False
    #: the platform keeps one copy per business key and answers a repeat as such (the city brain dedupes its
    #: notifications by eventId): a record whose outcome is unknown is sent again as it was, even where the
    #: platform offers no correction; a record whose content changed still follows ``correction``
    resend_unknown: bool = False

    def mode(self, requested: Mode) -> Mode:
        """The delivery mode actually used: batch only where the feed has a batch operation."""
        return requested if requested in self.modes else self.modes[0]

    def batch_size(self, mode: Mode, requested: int) -> int:
        return 1 if mode == "single" else max(1, min(requested, self.max_batch))


class Sender(Protocol):
    """Turns wire rows into messages and answers into :class:`~hisbridge.ledger.store.MessageResult`.

    Rows are the validated wire payloads (``dict``), serialised once by the pipeline and reused as they are.
    A sender never raises for a platform's answer or a transport fault: it reports them in the result
    (``outcome`` ``unknown`` / ``not_sent`` / ``busy`` / ``refused_by_gateway`` …).
    """

    platform: str

    def model_for(self, spec: FeedSpec) -> type[BaseModel]: ...

    def operation(self, spec: FeedSpec, mode: Mode) -> str: ...

    def correction_operation(self, spec: FeedSpec) -> str: ...

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> Hashable | None: ...

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]: ...

    def new_msgid(self) -> str: ...

    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult: ...

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult: ...


@dataclass(frozen=True)
class Platform:
    """One platform as the pipeline knows it.

    :param name: the ``platform`` a feed YAML names
    :param title: its Chinese name, for pages and logs
    :param options: the model of a feed's ``options`` for this platform (validated when a feed is loaded)
    :param capabilities: what the platform supports for a feed, from the feed's validated options
    :param correction_scope: feeds with the same scope are touched by one correction, so their runs never
        interleave and a group correction re-sends their records too
    :param connect: ``"module:function"`` building the platform's sender from Airflow connections,
        ``function(ledger) -> Sender``; imported only when a task runs
    """

    name: str
    title: str
    options: type[BaseModel]
    capabilities: Callable[[Any], Capabilities]
    correction_scope: Callable[[FeedSpec], str]
    connect: str

    def capabilities_for(self, spec: FeedSpec) -> Capabilities:
        return self.capabilities(spec.platform_options)

    def sender_from_airflow(self, ledger: Ledger) -> Sender:
        module, _, attr = self.connect.partition(":")
        return getattr(import_module(module), attr)(ledger)


#: message outcomes after which the platform is in trouble: stop sending, let Airflow retry with back-off
TRANSIENT_OUTCOMES = frozenset({"unknown", "not_sent", "busy"})


class DeliveryHalted(RuntimeError):
    """Raised after a transport fault or an unconfirmed correction: the run stopped sending; everything it
    touched is in the ledger, and a retry resolves what is uncertain."""


class DeliveryMisconfigured(RuntimeError):
    """The platform's gateway refused us (signature, account): retrying cannot help; fix the connection."""
