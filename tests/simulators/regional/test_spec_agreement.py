"""The simulator's own table specification and the hospital side's declaration (regional_datasets.yaml) describe
the same 前置库: written independently, compared here, so a mistake made in only one of them shows."""

from __future__ import annotations

import pytest

from hisbridge.platforms.regional.datasets import datasets
from simulators.regional.spec import BOOKKEEPING, TABLES

KINDS = {"varchar": "varchar", "datetime": "timestamp", "date": "date", "int": "integer"}
NAMES = sorted(datasets().datasets)


@pytest.mark.parametrize("name", NAMES)
def test_declared_columns_are_the_simulators(name: str) -> None:
    d = datasets().get(name)
    assert d.frontdb is not None
    sim = TABLES[d.frontdb.table]
    assert [(c.name, KINDS[c.kind], c.length) for c in d.columns] == [(c.name, c.kind, c.length) for c in sim.columns]
    assert d.key_column == sim.key and d.frontdb.day_column == sim.day_column
    assert {c.name for c in d.columns if c.required} == {c.name for c in sim.columns if not c.nullable}
    assert set(d.frontdb.bookkeeping) == {c.name for c in BOOKKEEPING}
    assert sim.title == d.title


def test_every_simulated_table_is_a_declared_dataset() -> None:
    assert {d.frontdb.table for d in datasets().datasets.values() if d.frontdb} == set(TABLES)
