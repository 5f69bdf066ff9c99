"""The 两定 transactions (hsa.md §4.1–4.7, §4.9–4.11), one module per group; ``ENTRIES`` joins them all.

See :mod:`hisbridge.platforms.hsa.txns.base` for the conventions every declaration follows.
"""

from __future__ import annotations

from importlib import import_module

from hisbridge.platforms.hsa.txn import Txn

#: the group modules, in the docs table's order
GROUPS = ("person", "outpatient", "inpatient", "filing", "catalog_match", "reconciliation", "settlement_list",
          "queries", "files")


def entries() -> tuple[Txn, ...]:
    """Every declared 两定 transaction (a group module not written yet is skipped)."""
    found: list[Txn] = []
    for name in GROUPS:
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        found.extend(module.ENTRIES)
    return tuple(found)
