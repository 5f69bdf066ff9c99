"""What the gateway refuses before anything leaves: callers without a live token, transactions it does not know,
and input that breaks the catalogue's declaration (HTTP 422 with the failing fields; nothing sent)."""

from __future__ import annotations

from hisbridge.platforms.hsa.gateway.service import HsaGateway

REGISTER = {"psn_no": "36000000000000000000001", "insutype": "310", "begntime": "2026-11-29 09:00:00",
            "mdtrt_cert_type": "02", "mdtrt_cert_no": "360102198001010011", "ipt_otp_no": "MZ20261129001",
            "atddr_no": "D001", "dr_name": "王医生", "dept_code": "0101", "dept_name": "内科", "caty": "03"}


def test_a_call_without_a_token_or_with_a_revoked_one_is_refused_in_one_shape(rig) -> None:
    before = len(rig.sim.state.journal)
    for token in (None, "hb_not-a-token"):
        answer = rig.post("1101", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "psn_cert_type": "01"},
                          token=token)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    [row] = rig.ledger.tokens(HsaGateway.SERVICE)
    assert rig.ledger.revoke_token(HsaGateway.SERVICE, row["id"])
    answer = rig.post("1101", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "psn_cert_type": "01"})
    assert answer.status_code == 401
    assert len(rig.sim.state.journal) == before and rig.journal() == []


def test_malformed_input_gets_422_naming_each_field_and_nothing_is_sent(rig) -> None:
    bad = {**REGISTER, "insutype": "", "dept_name": "内" * 201, "unknown": "x"}
    del bad["psn_no"]
    answer = rig.post("2201", bad)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    fields = {f["field"]: f["reason"] for f in error["fields"]}
    assert set(fields) == {"data.psn_no", "data.insutype", "data.dept_name", "data.unknown"}
    assert fields["data.psn_no"].startswith("必填项") and fields["data.dept_name"].startswith("超过长度上限")
    assert "内内内" not in answer.text, "the input's values are not echoed"
    assert rig.journal() == [] and not rig.sim.state.journal


def test_a_list_transaction_names_the_failing_row(rig) -> None:
    answer = rig.post("2204", [{"feedetl_sn": "1"}])
    assert answer.status_code == 422
    assert all(f["field"].startswith("feedetail[0].") for f in answer.json()["error"]["fields"])
    assert rig.post("2204", {"feedetl_sn": "1"}).json()["error"]["fields"][0]["field"] == "feedetail"


def test_an_unknown_transaction_and_a_traceability_batch_are_not_served(rig) -> None:
    assert rig.post("2999", {}).status_code == 404
    assert rig.post("3505A", []).status_code == 404


def test_the_openapi_docs_list_every_two_fixed_transaction_with_its_chinese_name(rig) -> None:
    spec = rig.http.get("/openapi.json").json()
    summaries = {op["post"]["summary"] for op in spec["paths"].values() if "post" in op}
    assert {"2207 门诊结算", "2304 住院结算", "1101 人员信息获取", "2601 冲正交易"} <= summaries
    assert not any(s.startswith("3505A") for s in summaries)
    refs = {ref.rsplit("/", 1)[1] for ref in _refs(spec)}
    assert refs <= set(spec["components"]["schemas"]), "every input model the docs point at is defined"
    assert rig.http.get("/docs").status_code == 200


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_a_persons_transaction_without_the_insured_area_is_refused_before_sending(rig) -> None:
    answer = rig.post("2201", REGISTER)
    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["insuplc_admdvs"]
    assert not rig.sim.state.journal


def test_nothing_is_sent_when_the_ledger_cannot_journal_the_call(rig, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(rig.ledger, "journal", down)
    answer = rig.post("1101", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X",
                               "psn_cert_type": "01"})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "not_sent"
    assert not [m for m in rig.sim.state.journal.values() if m.get("infno") == "1101"]
