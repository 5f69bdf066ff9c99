"""The pipeline's view of a platform: an :class:`Outbox` turns typed rows into messages and answers into
:class:`~hisbridge.ledger.store.MessageResult`. Each platform package implements it (``platforms/hsa/outbox.py``);
the pipeline never sees a platform's exceptions or envelopes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.spec import FeedSpec

Mode = Literal["batch", "single"]
T = TypeVar("T")

# Outcomes after which the platform is in trouble: stop sending, let Airflow retry the task with back-off.
TRANSIENT_OUTCOMES = frozenset({"unknown", "not_sent"})


class DeliveryHalted(RuntimeError):
    """Raised after a transport fault: the run stopped sending; what was not answered is in the ledger."""


class DeliveryMisconfigured(RuntimeError):
    """The platform's gateway refused us (signature, account): retrying cannot help; fix the connection."""


class Outbox(Protocol):
    platform: str

    def model_for(self, spec: FeedSpec) -> type[BaseModel]: ...

    def new_msgid(self) -> str: ...

    def upload_infno(self, spec: FeedSpec, mode: Mode) -> str: ...

    def row_identity(self, spec: FeedSpec, model: BaseModel) -> Hashable: ...

    def remember_pii(self, spec: FeedSpec, rows: Sequence[dict]) -> None: ...

    def upload(self, spec: FeedSpec, rows: Sequence[BaseModel], mode: Mode, msgid: str) -> MessageResult: ...

    def withdraw(self, spec: FeedSpec, correction_key: str, msgid: str) -> MessageResult: ...


def batches(items: Sequence[T], mode: Mode, batch_size: int,
            identity: Callable[[T], Hashable] | None = None) -> list[list[T]]:
    """Split into messages of at most ``batch_size`` (1 in single mode), never two rows of the same identity in
    one message: the platform's answer names failed rows by their fields, so twins could not be told apart."""
    size = 1 if mode == "single" else max(1, batch_size)
    if identity is None or size == 1:
        return [list(items[i : i + size]) for i in range(0, len(items), size)]
    out: list[list[T]] = []
    open_batches: list[tuple[list[T], set[Hashable]]] = []
    for item in items:
        key = identity(item)
        for rows, keys in open_batches:
            if len(rows) < size and key not in keys:
                rows.append(item)
                keys.add(key)
                break
        else:
            rows, keys = [item], {key}
            open_batches.append((rows, keys))
            out.append(rows)
        open_batches = [(r, k) for r, k in open_batches if len(r) < size][-4:]
    return out
