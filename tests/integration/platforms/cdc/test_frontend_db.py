"""Database delivery on real PostgreSQL: the front-end's tables installed from the declarations (in their own
schema), CDC feeds run through the generic pipeline writing rows by upsert, a change updating the row in place,
a void deleting it (or, in flag mode, keeping it with invalid_flag 1), a re-run writing nothing, and a missing
table or an unreachable database stopping the run with the records kept for the retry.

One PostgreSQL database per test holds the HIS tables (``his`` schema), the ledger (``public``) and the
front-end's tables (``frontend`` schema)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.platform import DeliveryHalted, DeliveryMisconfigured
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.cdc import ddl
from hisbridge.platforms.cdc.frontend_db import FrontendDbSender
from hisbridge.platforms.cdc.tables import TABLES, table
from tests.unit.platforms.cdc.support import cdc_spec

SCHEMA = "frontend"
WINDOW = (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 0))
AT = datetime(2026, 3, 2, 8, 30, 15)

PATIENT_SQL = """SELECT pid, name, idno, sex, tel, op_at, voided FROM his.patient
WHERE op_at >= :window_start AND op_at < :window_end ORDER BY pid"""
LAB_SQL = """SELECT lab_id, pid, report_no, report_at, voided FROM his.lab
WHERE report_at >= :window_start AND report_at < :window_end ORDER BY lab_id"""
ITEM_SQL = """SELECT i.item_id, i.lab_id, i.name, i.result, i.quant, i.voided FROM his.lab_item i
JOIN his.lab l ON l.lab_id = i.lab_id
WHERE l.report_at >= :window_start AND l.report_at < :window_end ORDER BY i.item_id"""


@pytest.fixture
def engine(pg_url) -> Engine:
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA his"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        conn.execute(text("CREATE TABLE his.patient (pid varchar(20), name varchar(40), idno varchar(18), "
                          "sex varchar(1), tel varchar(20), op_at timestamp, voided int)"))
        conn.execute(text("CREATE TABLE his.lab (lab_id varchar(20), pid varchar(20), report_no varchar(20), "
                          "report_at timestamp, voided int)"))
        conn.execute(text("CREATE TABLE his.lab_item (item_id varchar(20), lab_id varchar(20), name text, "
                          "result varchar(2), quant numeric(8, 2), voided int)"))
        conn.execute(text("INSERT INTO his.patient VALUES ('P1', '张三', '360102199001011234', 'M', '13912345678', "
                          ":at, 0)"), {"at": AT})
        conn.execute(text("INSERT INTO his.lab VALUES ('L1', 'P1', 'R-001', :at, 0)"), {"at": AT})
        conn.execute(text("INSERT INTO his.lab_item VALUES ('I1', 'L1', '乙肝表面抗原', '01', NULL, 0), "
                          "('I2', 'L1', '谷丙转氨酶', NULL, 35.50, 0)"))
    return engine


@pytest.fixture
def ledger(engine) -> Ledger:
    ledger = Ledger(engine)
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def specs(tmp_path) -> dict[str, FeedSpec]:
    patient = cdc_spec(tmp_path, "t_cdc_patient", "emr_patient_info", PATIENT_SQL, {
        "id": "pid", "patient_name": "name", "id_card_type_code": {"const": "01"}, "id_card": "idno",
        "gender_code": {"column": "sex", "codes": "sex"}, "tel": "tel", "org_code": {"const": "360100001"},
        "org_name": {"const": "南昌市第一医院"}, "operation_time": "op_at", "invalid_flag": {"const": "0"},
    }, business_key=["pid"], voided_column="voided", codes={"sex": {"M": "1", "F": "2"}})
    lab = cdc_spec(tmp_path, "t_cdc_lab", "emr_ex_lab", LAB_SQL, {
        "id": "lab_id", "patient_id": "pid", "examination_report_no": "report_no",
        "examination_report_date": "report_at", "invalid_flag": {"const": "0"},
    }, business_key=["lab_id"], voided_column="voided",
        parents=[{"column": "patient_id", "feed": "t_cdc_patient", "label": "emr_patient_info"}])
    item = cdc_spec(tmp_path, "t_cdc_lab_item", "emr_ex_lab_item", ITEM_SQL, {
        "id": "item_id", "ex_lab_id": "lab_id", "item_name": "name", "examination_result_code": "result",
        "examination_quantification": "quant", "invalid_flag": {"const": "0"},
    }, business_key=["item_id"], voided_column="voided",
        parents=[{"column": "ex_lab_id", "feed": "t_cdc_lab", "label": "emr_ex_lab"}])
    return {"patient": patient, "lab": lab, "item": item}


@pytest.fixture
def installed(engine) -> Engine:
    ddl.install(engine, schema=SCHEMA)
    return engine


def run_all(specs, engine, ledger, sender, run_id: str) -> dict[str, FeedSummary]:
    out = {}
    for name in ("patient", "lab", "item"):
        summary = run_feed(specs[name], engine, ledger, sender, WINDOW, RunSettings(run_id=f"{run_id}-{name}"))
        assert summary.balanced() and summary.halted is None, summary
        out[name] = summary
    return out


def rows(engine: Engine, table_name: str) -> dict[str, dict]:
    key = table(table_name).key
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {SCHEMA}.{table_name} ORDER BY {key}")).mappings().all()
    return {r[key]: dict(r) for r in result}


def test_install_creates_every_table_with_the_declared_types_and_comments(installed) -> None:
    with installed.connect() as conn:
        found = conn.execute(text(
            "SELECT table_name, column_name, data_type, character_maximum_length, datetime_precision, "
            "is_nullable FROM information_schema.columns WHERE table_schema = :s ORDER BY table_name, "
            "ordinal_position"), {"s": SCHEMA}).all()
        comment = conn.execute(text(
            "SELECT col_description('frontend.emr_ex_lab_item'::regclass, 2)")).scalar()
    by_table: dict[str, list] = {}
    for name, column, kind, length, precision, nullable in found:
        by_table.setdefault(name, []).append((column, kind, length, precision, nullable))
    assert set(by_table) == set(TABLES)
    expected_kind = {"varchar": "character varying", "text": "text", "timestamp": "timestamp without time zone"}
    for t in TABLES.values():
        assert by_table[t.name] == [
            (c.name, expected_kind[c.kind], c.length, 0 if c.kind == "timestamp" else None,
             "NO" if c.need.value == "not_null" else "YES") for c in t.columns]
    assert comment == "检验报告ID（emr_ex_lab.id）"
    again = ddl.install(installed, schema=SCHEMA)  # idempotent: only the comments are set again
    assert again and not [label for label in again if label.startswith("create table")]


def test_records_are_upserted_updated_in_place_and_deleted_on_void(installed, ledger, specs) -> None:
    sender = FrontendDbSender(installed, schema=SCHEMA, ledger=ledger)
    first = run_all(specs, installed, ledger, sender, "first")
    assert [s.acknowledged for s in first.values()] == [1, 1, 2]

    patient = rows(installed, "emr_patient_info")["P1"]
    assert {k: patient[k] for k in ("patient_name", "id_card_type_name", "gender_code", "gender_name",
                                    "operation_time", "invalid_flag")} == {
        "patient_name": "张三", "id_card_type_name": "居民身份证", "gender_code": "1", "gender_name": "男",
        "operation_time": AT, "invalid_flag": "0"}
    items = rows(installed, "emr_ex_lab_item")
    assert (items["I1"]["examination_result_name"], items["I2"]["examination_quantification"]) == ("阳性", "35.50")
    assert rows(installed, "emr_ex_lab")["L1"]["patient_id"] == "P1"
    [message] = ledger.messages("t_cdc_patient")
    assert (message["operation"], message["outcome"]) == ("UPSERT emr_patient_info", ls.ACKNOWLEDGED)

    with installed.begin() as conn:
        conn.execute(text("UPDATE his.lab_item SET result = NULL, quant = 4.10 WHERE item_id = 'I1'"))
        conn.execute(text("UPDATE his.lab_item SET voided = 1 WHERE item_id = 'I2'"))
    after = run_all(specs, installed, ledger, sender, "after")["item"]

    assert (after.acknowledged, after.withdrawn) == (1, 1)
    items = rows(installed, "emr_ex_lab_item")
    assert set(items) == {"I1"}  # I2 deleted
    assert (items["I1"]["examination_result_code"], items["I1"]["examination_result_name"],
            items["I1"]["examination_quantification"]) == (None, None, "4.10")  # the whole row replaced
    assert state(ledger, "t_cdc_lab_item", "I2").state == ls.WITHDRAWN

    messages = len(ledger.messages())
    again = run_all(specs, installed, ledger, sender, "again")
    assert len(ledger.messages()) == messages and again["item"].skipped == 1  # nothing written twice


def test_in_flag_mode_a_void_stays_in_the_table_marked_invalid(installed, ledger, specs) -> None:
    sender = FrontendDbSender(installed, schema=SCHEMA, ledger=ledger, void_mode="flag")
    run_all(specs, installed, ledger, sender, "first")
    with installed.begin() as conn:
        conn.execute(text("UPDATE his.lab_item SET voided = 1 WHERE item_id = 'I2'"))

    assert run_all(specs, installed, ledger, sender, "after")["item"].withdrawn == 1

    item = rows(installed, "emr_ex_lab_item")["I2"]
    assert (item["invalid_flag"], item["examination_quantification"]) == ("1", "35.50")
    [correction] = [m for m in ledger.messages("t_cdc_lab_item") if m["purpose"] == "correct"]
    assert correction["operation"] == "UPSERT emr_ex_lab_item invalid_flag=1"


def test_an_uninstalled_front_end_database_stops_the_run_without_retrying(engine, ledger, specs) -> None:
    sender = FrontendDbSender(engine, schema=SCHEMA, ledger=ledger)  # the schema exists, its tables do not
    with pytest.raises(DeliveryMisconfigured, match="cdc ddl"):
        run_feed(specs["patient"], engine, ledger, sender, WINDOW, RunSettings(run_id="no-tables"))
    assert state(ledger, "t_cdc_patient", "P1").state == ls.PENDING


def test_an_unreachable_front_end_database_leaves_the_records_for_the_retry(installed, ledger, specs) -> None:
    url = installed.url.set(port=1).render_as_string(hide_password=False)
    sender = FrontendDbSender(make_engine(url), schema=SCHEMA, ledger=ledger)
    with pytest.raises(DeliveryHalted, match="not_sent"):
        run_feed(specs["patient"], installed, ledger, sender, WINDOW, RunSettings(run_id="down"))
    assert state(ledger, "t_cdc_patient", "P1").state == ls.PENDING

    retry = run_feed(specs["patient"], installed, ledger, FrontendDbSender(installed, schema=SCHEMA, ledger=ledger),
                     WINDOW, RunSettings(run_id="retry"))
    assert retry.acknowledged == 1 and "P1" in rows(installed, "emr_patient_info")


def state(ledger: Ledger, feed: str, key: str):
    return ledger.lookup(feed, [key])[key]
