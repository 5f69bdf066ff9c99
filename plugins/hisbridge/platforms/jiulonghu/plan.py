"""Deciding what to do with each dictionary row — pure functions, tested as a table without a database.

Three versions of a row meet here: the main campus's row as the campus should hold it (the source row mapped to
campus columns and codes), the campus's current row, and what the ledger remembers of the last sync
(:class:`Prior`: the hash of the source row as mapped then, and of the campus row as we wrote it). Rows are compared
by a content hash of the compared columns (values normalised, so ``12.5`` and ``12.500000`` are one price).

======================================  ======================================================================
campus row …                            action
======================================  ======================================================================
absent, source active                   ``insert``
absent, source gone or inactive         ``unchanged`` (nothing to deactivate)
equal to what it should be              ``unchanged`` (the ledger adopts it if it did not know it yet)
unchanged since our write, source moved ``update`` — or ``deactivate`` when the source row is gone or inactive
                                        (only the campus's active flag changes: dictionary rows are never deleted)
changed on the campus since our write   ``conflict``: not overwritten, both versions reported
(or a campus row we never wrote)
as settled by a "keep the campus's      ``unchanged`` until the main campus changes the row again
version" decision
======================================  ======================================================================

A row whose codes cannot be mapped is ``quarantine``\\ d with its reason and left alone on the campus (neither
written nor deactivated); the other rows still sync, and the row syncs on the first run after its code is mapped.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import orjson

from hisbridge.platforms.jiulonghu.catalogue import Dictionary

#: the source hash of a row the main campus no longer selects
GONE = "gone"
#: the source hash a "keep the main campus's version" decision leaves: differs from every real hash, so the next
#: sync writes the main campus's version
OVERRULED = "overruled"


class Action(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    QUARANTINE = "quarantine"


#: actions that write the campus row
WRITES = (Action.INSERT, Action.UPDATE, Action.DEACTIVATE)
#: report counters, by action
COUNTER = {Action.INSERT: "inserted", Action.UPDATE: "updated", Action.DEACTIVATE: "deactivated",
           Action.UNCHANGED: "unchanged", Action.CONFLICT: "conflicts", Action.QUARANTINE: "quarantined"}


@dataclass(frozen=True)
class Prior:
    """What the ledger remembers of a row's last sync."""

    campus_key: str
    source_hash: str
    campus_hash: str


def normalise(value: Any) -> str | None:
    """A value as the hash sees it: text, whatever type the database returned it as (a price read back as
    ``Decimal('12.500000')`` equals the ``12.5`` written; an ``int`` 10 equals the text ``'10'``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (Decimal, float)):
        number = Decimal(str(value)).normalize()
        return format(number, "f") if number else "0"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def row_hash(row: Mapping[str, Any], columns: Iterable[str]) -> str:
    return hashlib.sha256(orjson.dumps([normalise(row.get(c)) for c in columns])).hexdigest()


def decide(*, active: bool, source_hash: str, target_hash: str | None, campus_hash: str | None,
           prior: Prior | None) -> Action:
    """The action for one row (see the module's table).

    :param active: the main campus wants the row in use (selected and active).
    :param source_hash: the hash of the source row as mapped (``GONE`` when the source no longer selects it).
    :param target_hash: the hash the campus row should have: the mapped source row, or — for a row to deactivate —
        the current campus row with its flag off (``None`` without a campus row).
    :param campus_hash: the hash of the current campus row; ``None`` when the campus has no such row.
    :param prior: the ledger's memory of the last sync, if any.
    """
    if campus_hash is None:
        # a row deleted on the campus is written again: dictionary rows are referenced by the campus's records
        return Action.INSERT if active else Action.UNCHANGED
    if campus_hash == target_hash:
        return Action.UNCHANGED
    if prior is not None and campus_hash == prior.campus_hash and source_hash == prior.source_hash:
        return Action.UNCHANGED  # both sides as last settled: the campus's version was kept by a decision
    if prior is None or campus_hash != prior.campus_hash:
        return Action.CONFLICT
    return Action.UPDATE if active else Action.DEACTIVATE


@dataclass(frozen=True)
class Step:
    """One row's decision, with what executing and reporting it needs."""

    key: str
    campus_key: str | None
    action: Action
    source_hash: str = GONE
    #: the hash the campus row has after this step (what the ledger records as written)
    campus_hash: str | None = None
    #: the campus row to write (insert/update: the mapped source row; deactivate: only the flag)
    values: dict[str, Any] | None = None
    #: the campus row as read (its version column included)
    current: dict[str, Any] | None = None
    #: the mapped source row (None when the source no longer selects the row)
    wanted: dict[str, Any] | None = None
    #: the campus columns an update/deactivation/conflict changes or disputes
    changed: tuple[str, ...] = ()
    reason: str | None = None
    #: the ledger's state of the row must be (re)written: after a write, or to adopt an equal campus row
    record: bool = False
    #: the main campus selected the row (False: known only to the ledger, the source no longer has it)
    selected: bool = True


@dataclass
class Plan:
    dictionary: Dictionary
    steps: list[Step] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        by_action = Counter(s.action for s in self.steps)
        counts = {name: by_action.get(action, 0) for action, name in COUNTER.items()}
        return {"selected": sum(1 for s in self.steps if s.selected), **counts}

    def of(self, *actions: Action) -> list[Step]:
        return [s for s in self.steps if s.action in actions]


def changed_columns(d: Dictionary, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> tuple[str, ...]:
    if a is None or b is None:
        return ()
    return tuple(c for c in d.campus_columns if normalise(a.get(c)) != normalise(b.get(c)))


def plan(d: Dictionary, wanted: Iterable[tuple[str, dict[str, Any] | None, str | None]],
         campus: Mapping[str, dict[str, Any]], priors: Mapping[str, Prior]) -> Plan:
    """Decide every row of dictionary ``d``.

    :param wanted: per source row ``(business key, mapped campus row or None, quarantine reason or None)``.
    :param campus: the campus's current rows by campus key.
    :param priors: the ledger's memory by business key.
    """
    columns = d.campus_columns
    flag, on, off = d.active.campus, d.active.campus_on, d.active.campus_off
    result = Plan(d)
    seen: set[str] = set()
    campus_keys: dict[str, str] = {}
    for key, row, reason in wanted:
        if key in seen:
            result.steps.append(Step(key, None, Action.QUARANTINE, reason=f"{d.title}{key}：主院区字典中主键重复，未同步"))
            continue
        seen.add(key)
        if row is None:
            result.steps.append(Step(key, None, Action.QUARANTINE, reason=reason))
            continue
        ckey = str(row[d.campus_key])
        if ckey in campus_keys:
            result.steps.append(Step(key, ckey, Action.QUARANTINE, reason=(
                f"{d.title}{key}：院区代码 {ckey} 已对应主院区 {campus_keys[ckey]}（jiulonghu_codes.yaml 对照重复），未同步")))
            continue
        campus_keys[ckey] = key
        result.steps.append(_step(d, key, ckey, row, campus.get(ckey), priors.get(key), columns, flag, on, off))
    for key, prior in priors.items():
        if key not in seen:  # the main campus no longer selects it
            result.steps.append(_step(d, key, prior.campus_key, None, campus.get(prior.campus_key), prior, columns,
                                      flag, on, off))
    return result


def _step(d: Dictionary, key: str, ckey: str, row: dict[str, Any] | None, current: dict[str, Any] | None,
          prior: Prior | None, columns: tuple[str, ...], flag: str, on: str, off: str) -> Step:
    active = row is not None and row[flag] == on
    source_hash = row_hash(row, columns) if row is not None else GONE
    campus_hash = row_hash(current, columns) if current is not None else None
    if active:
        target, target_hash = row, source_hash
    elif current is not None:
        target = {**current, flag: off}
        target_hash = row_hash(target, columns)
    else:
        target, target_hash = None, None
    action = decide(active=active, source_hash=source_hash, target_hash=target_hash, campus_hash=campus_hash,
                    prior=prior)
    values: dict[str, Any] | None = None
    changed: tuple[str, ...] = ()
    after = campus_hash
    record = False
    if action in (Action.INSERT, Action.UPDATE):
        values, after, record = row, source_hash, True
        changed = changed_columns(d, current, row) if current is not None else ()
    elif action is Action.DEACTIVATE:
        values, after, record, changed = {d.campus_key: ckey, flag: off}, target_hash, True, (flag,)
    elif action is Action.CONFLICT:
        changed = changed_columns(d, current, target)
    elif action is Action.UNCHANGED and current is not None and campus_hash == target_hash:
        # adopt: the campus already holds what it should; remember it unless the ledger already does
        record = prior is None or (prior.source_hash, prior.campus_hash, prior.campus_key) != (source_hash,
                                                                                                campus_hash, ckey)
    return Step(key, ckey, action, source_hash=source_hash, campus_hash=after, values=values, current=current,
                wanted=row, changed=changed, record=record, selected=row is not None)
