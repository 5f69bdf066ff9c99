"""The gap arithmetic of the upload-health check, a pure function, as a table of cases."""

from __future__ import annotations

import pytest

from hisbridge.platforms.regional.datasets import FrontDbReceipt
from hisbridge.platforms.regional.frontdb import HeldRow
from hisbridge.platforms.regional.health import gap_figures

RECEIPT = FrontDbReceipt(table="up_x", day_column="t")


def held(**flags: str | None) -> dict[str, HeldRow]:
    return {k: HeldRow(k, f, "证件号码为空" if f == "2" else None) for k, f in flags.items()}


# (HIS count, HIS keys, 前置库 rows) → (uploaded, acknowledged, failed, waiting, missing, surplus)
CASES = [
    ("all taken", 3, ["a", "b", "c"], held(a="1", b="1", c="1"), (3, 3, 0, 0, 0, 0)),
    ("nothing delivered", 2, ["a", "b"], {}, (0, 0, 0, 0, 2, 0)),
    ("one lost on the platform's side", 3, ["a", "b", "c"], held(a="1", c="1"), (2, 2, 0, 0, 1, 0)),
    ("one refused, one waiting", 3, ["a", "b", "c"], held(a="1", b="2", c="0"), (3, 1, 1, 1, 0, 0)),
    ("an unknown flag counts as waiting", 1, ["a"], held(a="9"), (1, 0, 0, 1, 0, 0)),
    ("no flag at all counts as waiting", 1, ["a"], held(a=None), (1, 0, 0, 1, 0, 0)),
    ("voided in the HIS after delivery", 1, ["a"], held(a="1", z="1"), (2, 2, 0, 0, 0, 1)),
    ("duplicate HIS keys count once", 2, ["a", "a", "b"], held(a="1"), (1, 1, 0, 0, 1, 0)),
]


@pytest.mark.parametrize(("his_count", "keys", "rows", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gap_figures(his_count, keys, rows, expected) -> None:
    gap = gap_figures(his_count, keys, rows, RECEIPT)
    f = gap.figures
    assert (f.uploaded, f.acknowledged, f.failed, f.waiting, f.missing, f.surplus) == expected
    assert f.his_count == his_count
    assert f.uploaded == f.acknowledged + f.failed + f.waiting
    assert len(gap.missing) == f.missing and set(gap.missing) == set(keys) - set(rows)


def test_failed_rows_carry_the_platforms_words() -> None:
    gap = gap_figures(2, ["a", "b"], {"a": HeldRow("a", "2", "  "), "b": HeldRow("b", "2", "证件号码为空")}, RECEIPT)
    assert gap.failed == {"a": "平台未给出原因", "b": "证件号码为空"}


def test_flag_values_are_the_declared_ones() -> None:
    receipt = FrontDbReceipt(table="up_x", day_column="t", pending="N", uploaded="Y", failed="E")
    f = gap_figures(3, ["a", "b", "c"], {"a": HeldRow("a", "Y"), "b": HeldRow("b", "E"), "c": HeldRow("c", "1")},
                    receipt).figures
    assert (f.acknowledged, f.failed, f.waiting) == (1, 1, 1)
