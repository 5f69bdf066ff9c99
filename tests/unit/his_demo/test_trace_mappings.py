"""The six traceability feed declarations agree with the spec (hsa.md §4.8), their SQL and the HIS codes."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import ErrorLevel

from demo.his import refdata
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.hsa.feeds import HsaFeedOptions

# Wire fields in spec order, written out from hsa.md §4.8 (independently of the typed models).
SPEC_FIELDS = {
    "hsa_trace_inventory": """med_list_codg fixmedins_hilist_id fixmedins_hilist_name rx_flag invdate inv_cnt
        manu_lotnum fixmedins_bchno manu_date expy_end memo drugtracinfo""",
    "hsa_trace_stock_change": """med_list_codg inv_chg_type fixmedins_hilist_id fixmedins_hilist_name
        fixmedins_bchno pric cnt rx_flag inv_chg_time inv_chg_opter_name memo trdn_flag drugtracinfo""",
    "hsa_trace_purchase": """med_list_codg fixmedins_hilist_id fixmedins_hilist_name dynt_no fixmedins_bchno
        spler_name spler_pmtno manu_lotnum prodentp_name aprvno manu_date expy_end finl_trns_pric purc_retn_cnt
        purc_invo_codg purc_invo_no rx_flag purc_retn_stoin_time purc_retn_opter_name prod_geay_flag memo""",
    "hsa_trace_purchase_return": """med_list_codg fixmedins_hilist_id fixmedins_hilist_name fixmedins_bchno
        spler_name spler_pmtno manu_date expy_end finl_trns_pric purc_retn_cnt purc_invo_codg purc_invo_no
        rx_flag purc_retn_stoin_time purc_retn_opter_name memo medins_prod_purc_no""",
    "hsa_trace_sale": """med_list_codg fixmedins_hilist_id fixmedins_hilist_name fixmedins_bchno
        prsc_dr_cert_type prsc_dr_certno prsc_dr_name phar_cert_type phar_certno phar_name phar_prac_cert_no
        hi_feesetl_type setl_id mdtrt_sn psn_no psn_cert_type certno psn_name manu_lotnum manu_date expy_end
        rx_flag trdn_flag finl_trns_pric rxno rx_circ_flag rtal_docno stoout_no bchno drug_trac_codg
        drug_prod_barc shelf_posi sel_retn_cnt sel_retn_time sel_retn_opter_name memo mdtrt_setl_type
        drugtracinfo""",
    "hsa_trace_sale_return": """med_list_codg fixmedins_hilist_id fixmedins_hilist_name fixmedins_bchno setl_id
        psn_no psn_cert_type certno psn_name manu_lotnum manu_date expy_end rx_flag trdn_flag finl_trns_pric
        sel_retn_cnt sel_retn_time sel_retn_opter_name memo medins_prod_sel_no mdtrt_sn drugtracinfo""",
}
TXN = {
    "hsa_trace_inventory": ("3501", "3501A", "1"),
    "hsa_trace_stock_change": ("3502", "3502A", "2"),
    "hsa_trace_purchase": ("3503", "3503A", "3"),
    "hsa_trace_purchase_return": ("3504", "3504A", "3"),
    "hsa_trace_sale": ("3505", "3505A", "4"),
    "hsa_trace_sale_return": ("3506", "3506A", "4"),
}
WITH_TRACE_CODES = {
    "hsa_trace_inventory",
    "hsa_trace_stock_change",
    "hsa_trace_sale",
    "hsa_trace_sale_return",
}
FEEDS = sorted(SPEC_FIELDS)


def _sql_columns(sql: str) -> list[str]:
    tree = sqlglot.parse_one(sql, read="oracle", error_level=ErrorLevel.RAISE)
    return [s.alias_or_name for s in tree.selects]


@pytest.mark.parametrize("feed", FEEDS)
def test_every_spec_field_is_mapped_in_spec_order(feed: str) -> None:
    spec = load_feed_spec(feed)
    assert list(spec.fields) + list(spec.lists) == SPEC_FIELDS[feed].split()


@pytest.mark.parametrize("feed", FEEDS)
def test_transactions_and_correction(feed: str) -> None:
    spec = load_feed_spec(feed)
    single, batch, inv_data_type = TXN[feed]
    options = spec.platform_options
    assert spec.platform == "hsa" and isinstance(options, HsaFeedOptions)
    assert (options.single, options.batch, options.delete, options.inv_data_type) == (
        single,
        batch,
        "3507",
        inv_data_type,
    )
    assert spec.correction_key == "fixmedins_bchno"
    assert spec.voided_column == "voided"
    assert spec.sql == f"{feed}.sql"


@pytest.mark.parametrize("feed", FEEDS)
def test_lists_only_where_the_transaction_carries_trace_codes(feed: str) -> None:
    spec = load_feed_spec(feed)
    if feed in WITH_TRACE_CODES:
        assert {k: (v.column, v.item_field) for k, v in spec.lists.items()} == {
            "drugtracinfo": ("trace_code", "drug_trac_codg")
        }
        regex = [c for c in spec.checks if c.column == "drugtracinfo[].drug_trac_codg"]
        assert regex and regex[0].regex == r"^\d{20}$"
    else:
        assert spec.lists == {}


@pytest.mark.parametrize("feed", FEEDS)
def test_every_mapped_column_is_returned_by_the_sql(feed: str) -> None:
    spec = load_feed_spec(feed)
    missing = spec.source_columns - set(_sql_columns(spec.sql_text()))
    assert not missing


@pytest.mark.parametrize("feed", FEEDS)
def test_national_code_is_checked(feed: str) -> None:
    spec = load_feed_spec(feed)
    assert any(c.column == "med_list_codg" and c.expect == "not_null" for c in spec.checks)


@pytest.mark.parametrize("feed", FEEDS)
def test_rx_flag_codes_cover_the_his_values(feed: str) -> None:
    spec = load_feed_spec(feed)
    src = spec.fields["rx_flag"]
    assert spec.codes[src.codes] == {"RX": "1", "OTC": "0"}
    assert {d.rx for d in refdata.DRUGS} <= set(spec.codes[src.codes])


def test_every_his_movement_type_maps_to_its_inv_chg_type() -> None:
    spec = load_feed_spec("hsa_trace_stock_change")
    codes = spec.codes[spec.fields["inv_chg_type"].codes]
    assert set(codes) == {m.code for m in refdata.MOVE_TYPES}
    assert sorted(codes.values()) == [str(n) for n in range(101, 112)]
    by_name = {m.code: m.name for m in refdata.MOVE_TYPES}
    assert by_name["DBRK"] == "调拨入库" and codes["DBRK"] == "101"
    assert by_name["ZYTH"] == "赠药退回出库" and codes["ZYTH"] == "111"


def test_sale_settlement_codes() -> None:
    spec = load_feed_spec("hsa_trace_sale")
    assert spec.codes["mdtrt_setl_type"] == {"YB": "1", "ZF": "2"}
    assert spec.codes["psn_cert_type"]["id_card"] == "01"
    assert set(spec.codes["hi_feesetl_type"]) == {"self", "local", "remote"}
    assert spec.fields["drug_trac_codg"].const == ""  # legacy single code: superseded by drugtracinfo
