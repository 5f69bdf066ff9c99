"""The CDC platform plug-in and its push sender: options and capabilities, a feed declaration checked against its
table, every client outcome as a ledger result, and voids as DELETE by key — or as a flagged re-send."""

from __future__ import annotations

import json

import pytest
import requests

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger, LedgerItem, RunContext
from hisbridge.pipeline.platform import Correction
from hisbridge.platforms.cdc.feeds import PLATFORM, CdcFeedOptions
from hisbridge.platforms.cdc.sender import CdcSender, check_feed
from hisbridge.platforms.registry import platform

from .fakes import canned_client, ok, respond
from .support import cdc_spec

SQL = "SELECT id, patient_id, name, idno, voided FROM t WHERE at >= :window_start AND at < :window_end ORDER BY id"
LAB_FIELDS = {"id": "id", "patient_id": "patient_id"}


@pytest.fixture
def lab_spec(tmp_path):
    return cdc_spec(tmp_path, "t_cdc_lab", "emr_ex_lab", SQL, LAB_FIELDS, voided_column="voided")


def test_the_platform_is_registered_with_upsert_corrections_one_record_a_message() -> None:
    assert platform("cdc") is PLATFORM
    caps = PLATFORM.capabilities(CdcFeedOptions(table="emr_ex_lab_item"))
    assert (caps.modes, caps.max_batch, caps.ordered, caps.correction, caps.max_in_flight) == \
        (("single",), 1, True, Correction.UPSERT, 1)
    assert caps.mode("batch") == "single"
    fast = PLATFORM.capabilities(CdcFeedOptions(table="emr_ex_lab_item", in_flight=4))
    assert (fast.ordered, fast.max_in_flight) == (False, 4)
    assert CdcFeedOptions(table="emr_ex_lab_item").entity == "emrExLabItem"


def test_feed_options_name_a_declared_table(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown CDC table 'emr_lab'"):
        cdc_spec(tmp_path, "t_cdc_x", "emr_lab", SQL, LAB_FIELDS).platform_options  # noqa: B018
    with pytest.raises(ValueError, match="in_flight"):
        cdc_spec(tmp_path, "t_cdc_x", "emr_ex_lab", SQL, LAB_FIELDS, options={"in_flight": 0}).platform_options  # noqa: B018


def test_each_feed_is_its_own_correction_scope(lab_spec) -> None:
    assert PLATFORM.correction_scope(lab_spec) == "feed:t_cdc_lab"


@pytest.mark.parametrize(("table", "fields", "extra", "message"), [
    ("emr_ex_lab", {"id": "id", "lab_name": "name"}, {}, r"fields \['lab_name'\] are not columns of emr_ex_lab"),
    ("emr_patient_info", {"id": "id", "patient_name": "name"}, {},
     r"required columns \['id_card', 'id_card_type_code', 'id_card_type_name', 'operation_time', 'org_code', "
     r"'org_name'\] are not mapped"),
    ("emr_ex_lab", {"id": "name"}, {}, "the business key must be the one SQL column mapped to id"),
    ("emr_ex_lab", {"id": "id"}, {"business_key": ["id", "name"]}, "business key must be"),
    ("emr_ex_lab", {"id": {"const": "x"}}, {}, "business key must be"),
    ("base_dept", {"id": "id", "dept_code": "code"}, {}, None),
    ("base_dept", {"id": "id"}, {}, r"required columns \['dept_code'\] are not mapped"),
    ("emr_ex_lab", {"id": "id"}, {"lists": {"items": {"column": "name", "item_field": "x"}}}, "no lists"),
])
def test_a_declaration_that_does_not_fit_its_table_fails_before_anything_is_sent(tmp_path, table, fields, extra,
                                                                                message) -> None:
    spec = cdc_spec(tmp_path, "t_cdc_x", table, SQL, fields, **extra)
    sender = CdcSender(canned_client()[0])
    if message is None:
        assert sender.model_for(spec).__name__ == "BaseDept"
        return
    with pytest.raises(ValueError, match=message):
        sender.model_for(spec)
    with pytest.raises(ValueError, match="t_cdc_x"):
        check_feed(spec)


def test_what_the_pipeline_asks(lab_spec, tmp_path) -> None:
    sender = CdcSender(canned_client()[0])
    assert sender.operation(lab_spec, "single") == "POST emrExLab"
    assert sender.correction_operation(lab_spec) == "DELETE emrExLab"
    assert sender.row_identity(lab_spec, {"id": "L1", "patientId": "P1"}) == "L1"
    ids = {sender.new_msgid() for _ in range(1000)}
    assert len(ids) == 1000 and all(i.startswith("cdc-") and len(i) <= 100 for i in ids)
    personal = cdc_spec(tmp_path, "t_cdc_p", "emr_ex_lab", SQL,
                        {"id": "id", "patient_name": "name", "id_card": "idno"})
    assert sorted(sender.personal_fields(personal)) == ["id_card", "patient_name"]  # only what the feed maps


@pytest.mark.parametrize(("answer", "outcome", "state"), [
    (ok("L1"), "acknowledged", "acknowledged"),
    (respond({"result": False, "desc": "患者不存在", "errorCode": "E404"}), "rejected", "rejected"),
    (respond(text="", status=503), "unknown", "unknown"),
    (respond(text="<html>404</html>", status=404), "refused_by_gateway", "pending"),
    (respond(text="", status=429), "busy", "pending"),
    (requests.ConnectTimeout("connect"), "not_sent", "pending"),
])
def test_every_client_outcome_becomes_a_message_result(lab_spec, answer, outcome, state) -> None:
    client, adapter = canned_client(answer)
    result = CdcSender(client).upload(lab_spec, [{"id": "L1", "patientId": "P1"}], "single", "cdc-1")
    assert (result.outcome, result.row_states) == (outcome, [state])
    assert result.request == '{"id":"L1","patientId":"P1"}'
    assert result.request_headers["url"].endswith("/hclient/emr/receive/emrExLab")
    if outcome == "acknowledged":
        assert (result.platform_ref, result.http_status, result.row_errors) == ("L1", 200, [None])
    if outcome == "rejected":
        assert (result.row_errors, result.platform_code, result.err_msg) == (["患者不存在"], "E404", "患者不存在")


def test_a_void_is_a_delete_by_key_and_nothing_there_counts_as_done(lab_spec) -> None:
    client, adapter = canned_client(ok("L1"), respond({"result": False, "desc": "记录不存在"}),
                                    respond({"result": False, "desc": "数据被锁定"}))
    sender = CdcSender(client)
    assert sender.correct(lab_spec, "L1", "cdc-1").outcome == "acknowledged"
    gone = sender.correct(lab_spec, "L2", "cdc-2")
    assert (gone.outcome, gone.err_msg) == ("acknowledged", "记录不存在")
    assert sender.correct(lab_spec, "L3", "cdc-3").outcome == "rejected"
    assert [(s.request.method, s.body) for s in adapter.sent] == [
        ("DELETE", {"id": "L1"}), ("DELETE", {"id": "L2"}), ("DELETE", {"id": "L3"})]
def test_flag_mode_sends_the_delivered_record_again_marked_void(lab_spec, tmp_path) -> None:
    ledger = Ledger(make_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.ensure_schema()
    delivered = {"id": "L1", "patientId": "P1", "invalidFlag": "0", "operationTime": "2026-03-02 08:00:00"}
    text = json.dumps(delivered, separators=(",", ":"))
    ledger.settle("t_cdc_lab", "cdc", [LedgerItem("L1", "h", text)], "acknowledged", RunContext("r"))
    client, adapter = canned_client(ok("L1"))
    sender = CdcSender(client, ledger=ledger, void_mode="flag")

    assert sender.correction_operation(lab_spec) == "POST emrExLab invalid_flag=1"
    result = sender.correct(lab_spec, "L1", "cdc-1")

    assert result.outcome == "acknowledged"
    assert adapter.sent[0].request.method == "POST"
    assert adapter.sent[0].body == {**delivered, "invalidFlag": "1"}
    missing = sender.correct(lab_spec, "L9", "cdc-2")  # never delivered: nothing to flag
    assert missing.outcome == "rejected" and "no delivered content" in missing.err_msg


def test_flag_mode_needs_the_ledger_and_deletes_tables_without_a_void_flag(tmp_path) -> None:
    client, adapter = canned_client(ok("0101"), void_mode="flag")
    with pytest.raises(ValueError, match="needs the ledger"):
        CdcSender(client)
    ledger = Ledger(make_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    sender = CdcSender(client, ledger=ledger)
    dept = cdc_spec(tmp_path, "t_cdc_dept", "base_dept", SQL, {"id": "id", "dept_code": "name"})
    assert sender.correction_operation(dept) == "DELETE baseDept"
    sender.correct(dept, "0101", "cdc-1")
    assert adapter.sent[0].request.method == "DELETE"
