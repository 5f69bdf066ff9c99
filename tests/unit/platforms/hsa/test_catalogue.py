"""The transaction catalogue: one entry per infno, consistent with the models."""

from __future__ import annotations

import pytest

from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.catalogue import _ENTRIES, CATALOGUE
from hisbridge.platforms.hsa.errors import UnknownTransaction

TRACEABILITY = {
    "9001", "9002", "2601", "3501", "3501A", "3502", "3502A", "3503", "3503A", "3504", "3504A", "3505", "3505A",
    "3506", "3506A", "3507",
}  # fmt: skip
#: the 两定 transactions issue 7 lists
SETTLEMENT = {
    "1101", "2001", "2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208", "2301", "2302", "2303", "2304",
    "2305", "2401", "2402", "2403", "2404", "2405", "3301", "3302", "3201", "3202", "4101", "4101A", "4102", "4103",
    "5201", "5202", "5203", "5204", "5206", "5301", "5303", "9903", "9101", "9102", "2503", "2504",
}  # fmt: skip


def test_infno_is_unique_and_complete():
    infnos = [txn.infno for txn in _ENTRIES]
    assert len(infnos) == len(set(infnos))
    assert TRACEABILITY | SETTLEMENT <= set(CATALOGUE)
    assert set(CATALOGUE) - TRACEABILITY - SETTLEMENT <= {"2203A"}  # a variant the spec describes


def test_unknown_infno_is_a_clear_error():
    with pytest.raises(UnknownTransaction, match="'3599'.*3505A"):
        catalogue.get("3599")


@pytest.mark.parametrize("txn", list(CATALOGUE.values()), ids=lambda t: t.infno)
def test_row_identity_fields_exist_on_the_body(txn):
    assert set(txn.row_id_fields) <= set(txn.body.model_fields)
    assert txn.title


@pytest.mark.parametrize(
    ("single", "batch", "node", "err_node"),
    [
        ("3501", "3501A", "invinfoDetail", "invinfoErrDetail"),
        ("3502", "3502A", "invinfoDetail", "invinfoErrDetail"),
        ("3503", "3503A", "purcinfoDetail", "purcinfoErrDetail"),
        ("3504", "3504A", "purcinfoDetail", "purcinfoErrDetail"),
        ("3505", "3505A", "selinfoDetail", "selinfoErrDetail"),
        ("3506", "3506A", "selinfoDetail", "selinfoErrDetail"),
    ],
)
def test_batch_variant_carries_the_rows_of_its_single(single, batch, node, err_node):
    one, many = catalogue.get(single), catalogue.batch_of(single)
    assert many.infno == batch and many.many and not one.many
    assert many.body is one.body and many.row_id_fields == one.row_id_fields
    assert (many.node, many.err_node) == (node, err_node)
    assert many.changes_state and one.changes_state


def test_batch_of_a_transaction_without_batch_variant_fails():
    with pytest.raises(UnknownTransaction):
        catalogue.batch_of("3507")


def test_nodes_follow_the_spec():
    nodes = {infno: txn.node for infno, txn in CATALOGUE.items()}
    assert nodes["9001"] == "signIn" and nodes["9002"] == "signOut"
    assert nodes["2601"] == "data" and nodes["3507"] == "data"
    assert nodes["3501"] == nodes["3502"] == "invinfo"
    assert nodes["3503"] == nodes["3504"] == "purcinfo"
    assert nodes["3505"] == nodes["3506"] == "selinfo"
    assert not CATALOGUE["9001"].changes_state


def test_row_identity_of_each_transaction():
    ids = {infno: txn.row_id_fields for infno, txn in CATALOGUE.items()}
    assert ids["3501"] == ("fixmedins_bchno", "fixmedins_hilist_id", "invdate")
    assert ids["3502"] == ("fixmedins_bchno", "fixmedins_hilist_id", "inv_chg_type", "inv_chg_time")
    assert ids["3503"] == ids["3504"] == ("fixmedins_bchno", "fixmedins_hilist_id", "purc_retn_stoin_time")
    assert ids["3505"] == ("fixmedins_bchno", "fixmedins_hilist_id", "rtal_docno", "sel_retn_time")
    assert ids["3506"] == ("fixmedins_bchno", "fixmedins_hilist_id", "sel_retn_time", "medins_prod_sel_no")
