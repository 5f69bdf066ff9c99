"""deleteData: per-key outcome, A0404 for what is not held, children before their report."""

from __future__ import annotations

import pytest

from simulators.mutual.samples import row
from tests.simulators.mutual._support import Client


def _delete(client: Client, data_type: str, *keys: str, org: str = "360102001") -> dict:
    answer = client.call("deleteData", {"orgCode": org, "dataType": data_type, "businessNos": list(keys)})
    assert answer["code"] == "00000", answer
    return answer["data"]


def test_delete_withdraws_the_row(client: Client) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"))
    assert _delete(client, "registration", "GH20250614001") == {"deleted": ["GH20250614001"], "failed": []}
    (kept,) = client.rows("registration")
    assert kept["deleted"] is True and kept["deleted_at"] == "2025-06-15 10:00:00"
    assert client.rows("registration", live=1) == []
    assert client.admin("state")["data"]["360102001"]["registration"]["deleted"] == 1


def test_absent_key_is_a0404_per_key(client: Client) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"))
    data = _delete(client, "registration", "NOPE", "GH20250614001", "GH20250614001")
    assert data["deleted"] == ["GH20250614001"]
    assert [(f["BusinessNo"], f["code"]) for f in data["failed"]] == [("NOPE", "A0404"), ("GH20250614001", "A0404")]
    assert "数据不存在" in data["failed"][0]["msg"] and set(data["failed"][0]) == {"BusinessNo", "code", "msg"}


def test_keys_are_per_org_and_data_type(client: Client) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"))
    assert _delete(client, "registration", "GH20250614001", org="360102002")["failed"][0]["code"] == "A0404"
    assert _delete(client, "appointment", "GH20250614001")["failed"][0]["code"] == "A0404"


def test_report_with_children_is_refused_until_they_are_withdrawn(client: Client) -> None:
    client.upload("uploadLabReport", row("uploadLabReport"))
    client.upload("uploadLabIndicator", row("uploadLabIndicator"), row("uploadLabIndicator", BusinessNo="LI0002"))
    client.upload("uploadMicrobeBacteria", row("uploadMicrobeBacteria"))
    (failure,) = _delete(client, "labReport", "LR0001")["failed"]
    assert failure["code"] == "A0400" and "存在下级数据" in failure["msg"]
    assert "检验结果指标2条" in failure["msg"] and "微生物细菌结果1条" in failure["msg"]
    assert _delete(client, "labIndicator", "LI0001", "LI0002")["deleted"] == ["LI0001", "LI0002"]
    assert _delete(client, "labReport", "LR0001")["failed"][0]["msg"].startswith("存在下级数据(微生物细菌结果1条)")
    _delete(client, "microbeBacteria", "MB0001")
    assert _delete(client, "labReport", "LR0001") == {"deleted": ["LR0001"], "failed": []}


def test_a_child_moved_to_another_report_no_longer_holds_the_first(client: Client) -> None:
    client.upload("uploadLabReport", row("uploadLabReport"), row("uploadLabReport", BusinessNo="LR0002"))
    client.upload("uploadLabIndicator", row("uploadLabIndicator"))
    client.upload("uploadLabIndicator", row("uploadLabIndicator", ReportBusinessNo="LR0002"))
    assert _delete(client, "labReport", "LR0001")["deleted"] == ["LR0001"]
    assert _delete(client, "labReport", "LR0002")["failed"][0]["code"] == "A0400"


def test_children_of_a_withdrawn_report_are_refused_and_an_upload_revives_it(client: Client) -> None:
    client.upload("uploadLabReport", row("uploadLabReport"))
    _delete(client, "labReport", "LR0001")
    failure = client.failure("uploadLabIndicator", row("uploadLabIndicator"))
    assert "[ReportBusinessNo]" in failure["msg"]
    assert client.upload("uploadLabReport", row("uploadLabReport"))["accepted"] == 1
    (kept,) = client.rows("labReport")
    assert (kept["deleted"], kept["versions"]) == (False, 2)
    assert client.upload("uploadLabIndicator", row("uploadLabIndicator"))["accepted"] == 1


@pytest.mark.parametrize(("body", "words"), [
    ({"orgCode": "360102001", "dataType": "labResult", "businessNos": ["A"]}, "[dataType]"),
    ({"orgCode": "360102001", "dataType": "labReport", "businessNos": []}, "[businessNos]"),
    ({"orgCode": "360102001", "dataType": "labReport", "businessNos": "A"}, "[businessNos]"),
    ({"orgCode": "360102001", "dataType": "labReport", "businessNos": [1]}, "[businessNos]"),
    ({"orgCode": "360102001", "dataType": "labReport", "businessNos": ["A"], "reason": "x"}, "未知字段[reason]"),
    ({"dataType": "labReport", "businessNos": ["A"]}, "[orgCode]"),
    ({"orgCode": "360102001", "dataType": "labReport", "businessNos": [f"A{i}" for i in range(51)]}, "最多50条"),
])  # fmt: skip
def test_malformed_delete_is_refused(client: Client, body: dict, words: str) -> None:
    answer = client.call("deleteData", body)
    assert answer["code"] == "A0400" and words in answer["msg"], answer
