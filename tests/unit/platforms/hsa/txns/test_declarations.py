"""What every declared 医保 transaction must carry, whatever its group, and the docs table derived from them."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from hisbridge.platforms.hsa import catalogue_doc
from hisbridge.platforms.hsa.catalogue import CATALOGUE
from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import HsaOutput

TXNS = sorted(CATALOGUE.values(), key=lambda t: t.infno)


def _models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    """``model`` and every model nested in its fields."""
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)
    for info in model.model_fields.values():
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    _models(inner, seen)
    return seen


@pytest.mark.parametrize("txn", TXNS, ids=lambda t: t.infno)
def test_every_field_in_and_out_carries_its_chinese_name(txn: Txn) -> None:
    models = _models(txn.body) | (_models(txn.output) if txn.output else set())
    for model in models:
        for name, info in model.model_fields.items():
            assert info.description and any("\u4e00" <= ch <= "\u9fff" for ch in info.description), \
                f"{txn.infno} {model.__name__}.{name}"


@pytest.mark.parametrize("txn", TXNS, ids=lambda t: t.infno)
def test_outputs_are_read_leniently_and_keep_what_the_spec_does_not_name(txn: Txn) -> None:
    if txn.output is None:
        return
    for model in _models(txn.output):
        assert issubclass(model, HsaOutput), f"{txn.infno}: {model.__name__} would refuse or drop fields"
        assert all(not info.is_required() for info in model.model_fields.values()), model.__name__
    assert txn.read_output({"a_field_no_spec_names": "x"}).model_dump()["a_field_no_spec_names"] == "x"


@pytest.mark.parametrize("txn", TXNS, ids=lambda t: t.infno)
def test_undo_and_reversal_point_at_declared_transactions(txn: Txn) -> None:
    assert txn.group and txn.section, f"{txn.infno} names its group and hsa.md section"
    if txn.undone_by:
        assert txn.undone_by in CATALOGUE and txn.changes_state
    if txn.reversible:
        assert txn.changes_state
    if not txn.changes_state:
        assert not txn.reversible and not txn.undone_by


def test_only_the_transactions_the_spec_lists_are_reversible_by_2601() -> None:
    # hsa.md §5.2: 门诊结算, 门诊结算撤销, 住院结算, 住院结算撤销, 入院办理
    reversible = {t.infno for t in TXNS if t.reversible}
    assert reversible <= {"2207", "2208", "2304", "2305", "2401"}


def test_the_docs_table_is_the_catalogues() -> None:
    doc = catalogue_doc.DOC.read_text(encoding="utf-8")
    assert catalogue_doc.rendered(doc) == doc, "run `python -m hisbridge hsa-catalogue --write`"
    for txn in TXNS:
        assert f"| {txn.infno} | {txn.title} |" in doc


def test_personal_data_in_nested_nodes_is_found_for_scrubbing() -> None:
    from hisbridge.platforms.hsa.models import pii_values, wire_pii_values

    admission = CATALOGUE["2401"].body
    wire = {"mdtrtinfo": {"psn_no": "36000000000000000000009", "coner_name": "赵六"}, "diseinfo": [{}]}
    assert {"36000000000000000000009", "赵六"} <= wire_pii_values(admission, [wire])
    sale = CATALOGUE["3505"].body
    assert pii_values(sale.model_construct(psn_name="张三", certno="360102198001010011")) >= {"张三"}
