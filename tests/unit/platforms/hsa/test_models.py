"""Message models: every field described, PII flagged, SQL-ish input accepted, wire output exact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa import models as m

from .fakes import sale_row

#: the bodies declared in models.py (the 两定 transactions of txns/ are tested beside their declarations)
MODELS = sorted(
    {txn.body for txn in catalogue.CATALOGUE.values() if txn.body.__module__ == m.__name__} | {m.DrugTracInfo},
    key=lambda c: c.__name__,
)

# one valid wire body per model (as the platform would read it)
SAMPLES: dict[type[BaseModel], dict] = {
    m.SignIn: {"opter_no": "hb01", "mac": "00-11-22-33-44-55", "ip": "10.0.0.5"},
    m.SignOut: {"sign_no": "360100202611240800000000000001", "opter_no": "hb01"},
    m.Reversal: {
        "psn_no": "36000000000000000000001",
        "omsgid": "H36010000001202611240930150001",
        "oinfno": "2207",
    },
    m.DrugTracInfo: {"drug_trac_codg": "81234567890123456789"},
    m.StockTake: {
        "med_list_codg": "XJ01",
        "fixmedins_hilist_id": "100234",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "rx_flag": "1",
        "invdate": "2026-11-24",
        "inv_cnt": 120.5,
        "manu_lotnum": "L1",
        "fixmedins_bchno": "B1",
        "manu_date": "2024-03-01",
        "expy_end": "2027-02-28",
        "memo": "月末盘存",
        "drugtracinfo": [{"drug_trac_codg": "81234567890123456789"}],
    },
    m.StockChange: {
        "med_list_codg": "XJ01",
        "inv_chg_type": "101",
        "fixmedins_hilist_id": "100234",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": "B1",
        "pric": 1.234567,
        "cnt": 10,
        "rx_flag": "1",
        "inv_chg_time": "2026-11-24 09:30:00",
        "inv_chg_opter_name": "库管甲",
        "trdn_flag": "0",
    },
    m.Purchase: {
        "med_list_codg": "XJ01",
        "fixmedins_hilist_id": "100234",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "dynt_no": "SH001",
        "fixmedins_bchno": "B1",
        "spler_name": "江西某医药公司",
        "spler_pmtno": "赣AA001",
        "manu_lotnum": "L1",
        "prodentp_name": "某制药厂",
        "aprvno": "国药准字H00000000",
        "manu_date": "2024-03-01",
        "expy_end": "2027-02-28",
        "finl_trns_pric": 0.85,
        "purc_retn_cnt": 200,
        "purc_invo_codg": "036001",
        "purc_invo_no": "00012345",
        "rx_flag": "1",
        "purc_retn_stoin_time": "2026-11-24 08:00:00",
        "purc_retn_opter_name": "采购甲",
        "prod_geay_flag": "0",
    },
    m.PurchaseReturn: {
        "med_list_codg": "XJ01",
        "fixmedins_hilist_id": "100234",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": "B1",
        "spler_name": "江西某医药公司",
        "manu_date": "2024-03-01",
        "expy_end": "2027-02-28",
        "purc_retn_cnt": 20,
        "purc_invo_no": "00012345",
        "rx_flag": "1",
        "purc_retn_stoin_time": "2026-11-24 08:00:00",
        "purc_retn_opter_name": "采购甲",
        "medins_prod_purc_no": "P0001",
    },
    m.Sale: m.Sale.model_validate(sale_row()).model_dump(mode="json"),
    m.SaleReturn: {
        "med_list_codg": "XJ01",
        "fixmedins_hilist_id": "100234",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": "B1",
        "psn_cert_type": "01",
        "certno": "36010219800101001X",
        "psn_name": "张三",
        "manu_lotnum": "L1",
        "manu_date": "2024-03-01",
        "rx_flag": "1",
        "trdn_flag": "0",
        "sel_retn_cnt": 1,
        "sel_retn_time": "2026-11-24 10:00:00",
        "sel_retn_opter_name": "赵药剂",
        "medins_prod_sel_no": "S1",
        "mdtrt_sn": "MZ1",
    },
    m.InventoryDelete: {"fixmedins_bchno": "B1", "inv_data_type": "4"},
}


def test_every_catalogued_model_has_a_sample():
    assert set(SAMPLES) == set(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda c: c.__name__)
def test_every_field_carries_its_chinese_name(model):
    for name, info in model.model_fields.items():
        assert info.description, f"{model.__name__}.{name} has no description"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in info.description), f"{model.__name__}.{name}"


@pytest.mark.parametrize("model", MODELS, ids=lambda c: c.__name__)
def test_model_round_trips_through_the_wire_format(model):
    first = model.model_validate(SAMPLES[model])
    wire = first.model_dump(mode="json")
    assert json.loads(json.dumps(wire, ensure_ascii=False)) == wire
    again = model.model_validate(wire)
    assert again == first
    assert again.model_dump(mode="json") == wire


def test_patient_identifiers_are_flagged_as_pii():
    for model in (m.Sale, m.SaleReturn):
        assert {"psn_no", "certno", "psn_name"} <= m.pii_fields(model, "patient")
    assert m.pii_fields(m.Reversal) == {"psn_no"}
    assert m.pii_fields(m.Sale, "staff") == {
        "prsc_dr_certno",
        "prsc_dr_name",
        "phar_certno",
        "phar_name",
        "phar_prac_cert_no",
        "sel_retn_opter_name",
    }
    assert m.pii_fields(m.InventoryDelete) == set()
    assert m.pii_fields(m.Sale.model_validate(sale_row())) == m.pii_fields(m.Sale)


def test_pii_values_are_the_flagged_values_of_a_body():
    values = m.pii_values(m.Sale.model_validate(sale_row()))
    assert {"张三", "36010219800101001X", "36000000000000000000001", "李医生"} <= values
    assert "B2026112400017" not in values


def test_sql_row_values_are_normalised_to_the_wire_format():
    wire = m.Sale.model_validate(sale_row()).model_dump(mode="json")
    assert wire["fixmedins_hilist_id"] == "100234"  # int from a NUMBER column
    assert wire["fixmedins_hilist_name"] == "阿莫西林胶囊"  # CHAR padding stripped
    assert wire["manu_date"] == "2024-03-01"  # datetime from a DATE column
    assert wire["sel_retn_time"] == "2026-11-24 09:30:00"  # ISO text with microseconds
    assert wire["rx_flag"] == "1" and wire["trdn_flag"] == "0"
    assert wire["finl_trns_pric"] == 12.35 and isinstance(wire["finl_trns_pric"], float)
    assert wire["sel_retn_cnt"] == 2 and isinstance(wire["sel_retn_cnt"], int)
    assert wire["drugtracinfo"] == [
        {"drug_trac_codg": "81234567890123456789"},
        {"drug_trac_codg": "81234567890123456790"},
    ]


def test_optional_fields_without_value_are_left_out_of_the_wire_body():
    wire = m.Sale.model_validate(sale_row(memo="", rxno=None, certno="  ")).model_dump(mode="json")
    assert "memo" not in wire and "rxno" not in wire and "certno" not in wire
    assert None not in wire.values()


@pytest.mark.parametrize("field", ["rtal_docno", "mdtrt_sn", "fixmedins_bchno"])
def test_required_field_must_not_be_empty(field):
    with pytest.raises(ValidationError) as info:
        m.Sale.model_validate(sale_row(**{field: "   "}))
    assert info.value.errors()[0]["type"] == "required_empty"
    assert info.value.errors()[0]["loc"] == (field,)


def test_validation_errors_do_not_echo_values():
    with pytest.raises(ValidationError) as info:
        m.Sale.model_validate(sale_row(certno="X" * 60))
    assert "X" * 60 not in str(info.value)
    assert "张三" not in str(info.value)


def test_length_limits_come_from_the_types():
    with pytest.raises(ValidationError):
        m.Sale.model_validate(sale_row(fixmedins_bchno="B" * 31))
    with pytest.raises(ValidationError):
        m.DrugTracInfo(drug_trac_codg="8" * 101)


def test_unknown_keys_are_refused_but_from_row_picks_the_model_fields():
    with pytest.raises(ValidationError):
        m.InventoryDelete.model_validate({"fixmedins_bchno": "B1", "inv_data_type": "4", "ledger_key": 7})
    body = m.InventoryDelete.from_row({"fixmedins_bchno": "B1", "inv_data_type": 4, "ledger_key": 7})
    assert body.model_dump(mode="json") == {"fixmedins_bchno": "B1", "inv_data_type": "4"}


def test_closed_code_sets_refuse_unknown_values():
    with pytest.raises(ValidationError):
        m.InventoryDelete(fixmedins_bchno="B1", inv_data_type="5")
    with pytest.raises(ValidationError):
        m.Sale.model_validate(sale_row(trdn_flag="Y"))


def test_setl_id_is_required_for_an_insured_sale():
    with pytest.raises(ValidationError, match="setl_id"):
        m.Sale.model_validate(sale_row(setl_id=None, mdtrt_setl_type="1"))
    assert m.Sale.model_validate(sale_row(setl_id=None, mdtrt_setl_type="2")).setl_id is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.5000"), 2.5),
        ("3", 3),
        (3, 3),
        (0.1 + 0.2, 0.3),  # binary noise of a float column is not an extra decimal place
        ("1234567890.1234", 1234567890.1234),
    ],
)
def test_numbers_are_json_numbers(value, expected):
    wire = m.Sale.model_validate(sale_row(sel_retn_cnt=value)).model_dump(mode="json")
    assert wire["sel_retn_cnt"] == expected
    assert not isinstance(wire["sel_retn_cnt"], str)


def test_numbers_beyond_the_declared_places_are_refused():
    with pytest.raises(ValidationError):
        m.Sale.model_validate(sale_row(sel_retn_cnt="1.23456"))  # N16,4
    with pytest.raises(ValidationError):
        m.StockTake.model_validate({**SAMPLES[m.StockTake], "inv_cnt": "1.234"})  # N16,2
    with pytest.raises(ValidationError):
        m.Sale.model_validate(sale_row(sel_retn_cnt="NaN"))


def test_a_value_a_double_cannot_carry_goes_as_numeric_text():
    wire = m.StockChange.model_validate({**SAMPLES[m.StockChange], "pric": "1234567890.123457"}).model_dump(
        mode="json"
    )
    assert Decimal(str(wire["pric"])) == Decimal("1234567890.123457")


@pytest.mark.parametrize(
    "value",
    [
        date(2026, 11, 24),
        datetime(2026, 11, 24, 0, 0),
        "2026-11-24",
        "2026-11-24 00:00:00.000000",
        "2026-11-24T00:00:00",
        "20261124",
        datetime(2026, 11, 23, 16, 0, tzinfo=UTC),  # = 2026-11-24 00:00 in Shanghai
    ],
)
def test_dates_accept_database_shapes(value):
    body = m.StockTake.model_validate({**SAMPLES[m.StockTake], "invdate": value})
    assert body.model_dump(mode="json")["invdate"] == "2026-11-24"


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 24, 9, 30, 0),
        datetime(2026, 11, 24, 9, 30, 0, 999999),
        "2026-11-24 09:30:00",
        "2026-11-24 09:30:00.000000",
        "2026-11-24T09:30:00",
        "20261124093000",
        datetime(2026, 11, 24, 1, 30, tzinfo=UTC),
        datetime(2026, 11, 24, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_datetimes_accept_database_shapes(value):
    body = m.StockChange.model_validate({**SAMPLES[m.StockChange], "inv_chg_time": value})
    assert body.model_dump(mode="json")["inv_chg_time"] == "2026-11-24 09:30:00"


def test_a_date_only_value_for_a_datetime_means_midnight():
    body = m.StockChange.model_validate({**SAMPLES[m.StockChange], "inv_chg_time": date(2026, 11, 24)})
    assert body.model_dump(mode="json")["inv_chg_time"] == "2026-11-24 00:00:00"


def test_garbage_dates_are_refused():
    with pytest.raises(ValidationError):
        m.StockTake.model_validate({**SAMPLES[m.StockTake], "invdate": "24/11/2026"})
