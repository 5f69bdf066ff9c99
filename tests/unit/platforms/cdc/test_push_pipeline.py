"""CDC feeds through the generic pipeline in push mode, against a receiver on a real socket: patients, lab
reports and their items — parents first — then a change (re-sent as an upsert, no delete), a void (DELETE, or
with ``void_mode: flag`` a re-send with invalid_flag 1), an orphan item (quarantined, naming its parent), a
refusal (rejected with the front-end's words) and a re-run that sends nothing.

HIS and ledger are SQLite files here (the PostgreSQL runs are the integration tests')."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.cdc.sender import CdcSender

from .fakes import FrontendStub, frontend_stub
from .support import cdc_spec

WINDOW = (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 0))
PATIENT_SQL = """SELECT pid, name, idno, sex, org, op_at, voided FROM patient
WHERE op_at >= :window_start AND op_at < :window_end ORDER BY pid"""
LAB_SQL = """SELECT lab_id, pid, report_at, voided FROM lab
WHERE report_at >= :window_start AND report_at < :window_end ORDER BY lab_id"""
ITEM_SQL = """SELECT i.item_id, i.lab_id, i.code, i.result, i.voided FROM lab_item i JOIN lab l ON l.lab_id = i.lab_id
WHERE l.report_at >= :window_start AND l.report_at < :window_end ORDER BY i.item_id"""


@pytest.fixture
def specs(tmp_path) -> dict[str, FeedSpec]:
    patient = cdc_spec(tmp_path, "t_cdc_patient", "emr_patient_info", PATIENT_SQL, {
        "id": "pid", "patient_name": "name", "id_card_type_code": {"const": "01"}, "id_card": "idno",
        "gender_code": {"column": "sex", "codes": "sex"}, "org_code": {"const": "360100001"},
        "org_name": {"const": "南昌市第一医院"}, "operation_time": "op_at", "invalid_flag": {"const": "0"},
    }, business_key=["pid"], voided_column="voided", codes={"sex": {"M": "1", "F": "2"}})
    lab = cdc_spec(tmp_path, "t_cdc_lab", "emr_ex_lab", LAB_SQL, {
        "id": "lab_id", "patient_id": "pid", "examination_report_date": "report_at", "invalid_flag": {"const": "0"},
    }, business_key=["lab_id"], voided_column="voided",
        parents=[{"column": "patient_id", "feed": "t_cdc_patient", "label": "emr_patient_info"}])
    item = cdc_spec(tmp_path, "t_cdc_lab_item", "emr_ex_lab_item", ITEM_SQL, {
        "id": "item_id", "ex_lab_id": "lab_id", "item_code": "code", "examination_result_code": "result",
        "invalid_flag": {"const": "0"},
    }, business_key=["item_id"], voided_column="voided",
        parents=[{"column": "ex_lab_id", "feed": "t_cdc_lab", "label": "emr_ex_lab"}])
    return {"patient": patient, "lab": lab, "item": item}


@pytest.fixture
def his(tmp_path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    at = datetime(2026, 3, 2, 8, 30)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE patient (pid TEXT, name TEXT, idno TEXT, sex TEXT, org TEXT, "
                          "op_at TIMESTAMP, voided INTEGER)"))
        conn.execute(text("CREATE TABLE lab (lab_id TEXT, pid TEXT, report_at TIMESTAMP, voided INTEGER)"))
        conn.execute(text("CREATE TABLE lab_item (item_id TEXT, lab_id TEXT, code TEXT, result TEXT, "
                          "voided INTEGER)"))
        conn.execute(text("INSERT INTO patient VALUES (:pid, :name, :idno, :sex, 'x', :at, 0)"), [
            {"pid": "P1", "name": "张三", "idno": "360102199001011234", "sex": "M", "at": at},
            {"pid": "P2", "name": "REFUSE", "idno": "360102199202021234", "sex": "F", "at": at},
            {"pid": "P3", "name": "王五", "idno": "360102199303031234", "sex": "X", "at": at},  # unmapped code
        ])
        conn.execute(text("INSERT INTO lab VALUES (:lab, :pid, :at, 0)"), [
            {"lab": "L1", "pid": "P1", "at": at}, {"lab": "L2", "pid": "P2", "at": at}])
        conn.execute(text("INSERT INTO lab_item VALUES (:item, :lab, :code, :result, 0)"), [
            {"item": "I1", "lab": "L1", "code": "57", "result": "01"},
            {"item": "I2", "lab": "L1", "code": "33", "result": "02"},
            {"item": "I3", "lab": "L2", "code": "57", "result": "02"},  # its report's patient was refused
        ])
    return engine


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    ledger = Ledger(make_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def stub():
    with frontend_stub() as server:
        yield server


def run_all(specs: dict[str, FeedSpec], his: Engine, ledger: Ledger, sender: CdcSender,
            run_id: str) -> dict[str, FeedSummary]:
    out = {}
    for name in ("patient", "lab", "item"):  # parents before children, as the DAG's tasks run
        summary = run_feed(specs[name], his, ledger, sender, WINDOW, RunSettings(run_id=f"{run_id}-{name}"))
        assert summary.balanced() and summary.halted is None
        out[name] = summary
    return out


def state(ledger: Ledger, feed: str, key: str):
    return ledger.lookup(feed, [key])[key]


def methods(stub: FrontendStub, entity: str, record_id: str) -> list[str]:
    path = f"/hclient/emr/receive/{entity}"
    return [m for m, p, body in stub.requests if p == path and body.get("id") == record_id]


def test_every_record_reaches_the_front_end_or_the_ledger_says_why(specs, his, ledger, stub) -> None:
    first = run_all(specs, his, ledger, CdcSender(stub.client(), ledger=ledger), "first")

    assert (first["patient"].acknowledged, first["patient"].rejected, first["patient"].quarantined) == (1, 1, 1)
    assert stub.held["emrPatientInfo"]["P1"] == {
        "id": "P1", "patientName": "张三", "idCardTypeCode": "01", "idCardTypeName": "居民身份证",
        "idCard": "360102199001011234", "genderCode": "1", "genderName": "男", "orgCode": "360100001",
        "orgName": "南昌市第一医院", "operationTime": "2026-03-02 08:30:00", "invalidFlag": "0"}
    assert state(ledger, "t_cdc_patient", "P2").reason == "患者姓名不合法 字段校验失败"
    assert state(ledger, "t_cdc_patient", "P3").reason == (
        "代码未对照：gender_code 的 HIS 代码 'X' 不在对照表 sex 中（在 include/mappings 中补充对照后重新排队）")

    assert (first["lab"].acknowledged, first["lab"].quarantined) == (1, 1)
    assert state(ledger, "t_cdc_lab", "L2").reason == "父记录 emr_patient_info id=P2 尚未上报传染病监测预警前置软件"
    assert (first["item"].acknowledged, first["item"].quarantined) == (2, 1)
    assert state(ledger, "t_cdc_lab_item", "I3").reason == "父记录 emr_ex_lab id=L2 尚未上报传染病监测预警前置软件"
    assert set(stub.held["emrExLabItem"]) == {"I1", "I2"}
    assert stub.held["emrExLabItem"]["I1"]["examinationResultName"] == "阳性"
    message = ledger.messages("t_cdc_lab_item")[0]
    assert message["operation"] == "POST emrExLabItem" and message["msgid"].startswith("cdc-")

    sent = len(stub.requests)
    again = run_all(specs, his, ledger, CdcSender(stub.client(), ledger=ledger), "again")
    assert len(stub.requests) == sent, "a re-run sends nothing twice"
    assert (again["patient"].skipped, again["item"].skipped) == (1, 2)


def test_a_change_is_sent_again_as_an_upsert_and_a_void_is_deleted(specs, his, ledger, stub) -> None:
    sender = CdcSender(stub.client(), ledger=ledger)
    run_all(specs, his, ledger, sender, "first")
    with his.begin() as conn:
        conn.execute(text("UPDATE lab_item SET result = '07' WHERE item_id = 'I1'"))
        conn.execute(text("UPDATE lab_item SET voided = 1 WHERE item_id = 'I2'"))

    summary = run_all(specs, his, ledger, sender, "after")["item"]

    assert (summary.acknowledged, summary.withdrawn) == (1, 1)
    assert stub.held["emrExLabItem"]["I1"]["examinationResultCode"] == "07"
    assert methods(stub, "emrExLabItem", "I1") == ["POST", "POST"]  # upsert: no delete first
    assert methods(stub, "emrExLabItem", "I2") == ["POST", "DELETE"]
    assert "I2" not in stub.held["emrExLabItem"]
    assert state(ledger, "t_cdc_lab_item", "I2").state == ls.WITHDRAWN
    [correction] = [m for m in ledger.messages("t_cdc_lab_item") if m["purpose"] == "correct"]
    assert correction["operation"] == "DELETE emrExLabItem"


def test_in_flag_mode_a_void_stays_on_the_front_end_marked_invalid(specs, his, ledger, stub) -> None:
    sender = CdcSender(stub.client(void_mode="flag"), ledger=ledger)
    run_all(specs, his, ledger, sender, "first")
    with his.begin() as conn:
        conn.execute(text("UPDATE lab_item SET voided = 1 WHERE item_id = 'I2'"))

    assert run_all(specs, his, ledger, sender, "after")["item"].withdrawn == 1

    assert methods(stub, "emrExLabItem", "I2") == ["POST", "POST"]
    assert stub.held["emrExLabItem"]["I2"]["invalidFlag"] == "1"
    assert stub.held["emrExLabItem"]["I2"]["examinationResultCode"] == "02"  # the delivered row, flagged
    assert state(ledger, "t_cdc_lab_item", "I2").state == ls.WITHDRAWN

    with his.begin() as conn:  # un-voided in the HIS: delivered again as valid
        conn.execute(text("UPDATE lab_item SET voided = 0 WHERE item_id = 'I2'"))
    run_all(specs, his, ledger, sender, "undo")
    assert stub.held["emrExLabItem"]["I2"]["invalidFlag"] == "0"


def test_a_lost_answer_is_sent_again_by_the_next_run(specs, his, ledger, stub) -> None:
    sender = CdcSender(stub.client(), ledger=ledger)
    stub.overrides.append((502, "<html>Bad Gateway</html>"))  # the patient P1 may or may not be stored
    from hisbridge.pipeline.platform import DeliveryHalted

    with pytest.raises(DeliveryHalted):
        run_feed(specs["patient"], his, ledger, sender, WINDOW, RunSettings(run_id="lost"))
    assert state(ledger, "t_cdc_patient", "P1").state == ls.UNKNOWN

    retry = run_feed(specs["patient"], his, ledger, sender, WINDOW, RunSettings(run_id="retry"))
    assert state(ledger, "t_cdc_patient", "P1").state == ls.ACKNOWLEDGED
    assert retry.acknowledged == 1 and stub.held["emrPatientInfo"]["P1"]["patientName"] == "张三"
