"""One 医保 transaction as data: :class:`Txn` (what to send, how to read the answer, how it is undone)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

#: what an error answer means to the caller (the gateway and the feeds act on the meaning, not the words)
ErrorMeaning = Literal["not_found", "sign_in_expired", "refused", "try_later", "duplicate"]


@dataclass(frozen=True)
class KnownError:
    """An error the spec says the platform answers for a transaction: words it contains, and their meaning."""

    wording: str
    meaning: ErrorMeaning
    note: str = ""


@dataclass(frozen=True)
class Txn:
    """One transaction: what to send and how to read the answer."""

    infno: str
    title: str
    #: the key under ``input`` (``{"input": {node: body}}``); ``None`` when the body's fields are the nodes
    node: str | None
    body: type[BaseModel]
    many: bool = False
    changes_state: bool = True
    row_id_fields: tuple[str, ...] = ()
    err_node: str | None = None
    #: for a batch variant, the single transaction whose rows it carries
    single: str | None = None
    #: the ``output`` object (nodes as fields, unknown fields kept); ``None``: the answer carries no output
    output: type[BaseModel] | None = None
    #: 门诊, 住院, 对账 … (the docs table's grouping)
    group: str = ""
    #: hsa.md section the declaration follows
    section: str = ""
    #: the transaction that undoes its effect on purpose (2201 → 2202)
    undone_by: str | None = None
    #: 2601 冲正 may reverse it when its answer was lost (hsa.md §5.2)
    reversible: bool = False
    #: errors the spec names for this transaction (beyond the envelope's, which every transaction can answer)
    errors: tuple[KnownError, ...] = ()
    #: what public material leaves open about it (made configurable; listed in the docs table)
    unknowns: str | None = None

    def read_output(self, output: Mapping[str, Any] | None) -> BaseModel | None:
        """The answer's ``output`` as this transaction's output model (unknown fields kept); ``None`` when the
        transaction declares no output."""
        if self.output is None:
            return None
        return self.output.model_validate(dict(output or {}))
