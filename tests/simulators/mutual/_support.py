"""A tiny hand-written client of the simulator (never hisbridge's): operations, uploads, admin."""

from __future__ import annotations

from typing import Any

import requests

from simulators.mutual.samples import OUR_ORG

ENVELOPE_KEYS = {"code", "msg", "request_id", "data"}
CLOCK = "2025-06-15 10:00:00"  # the simulator's clock in these tests (fixed)
PERSON = ("01", "360102199001010011", "测试甲")  # the person of the sample rows and records


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def url(self, op: str) -> str:
        return f"{self.base_url}/api/v1/{op}"

    def post(self, op: str, body: Any, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 5)
        return self.session.post(self.url(op), json=body, **kw)

    def call(self, op: str, body: Any, **kw: Any) -> dict[str, Any]:
        """POST and return the envelope, asserting HTTP 200 and its shape."""
        r = self.post(op, body, **kw)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert set(answer) == ENVELOPE_KEYS, answer
        assert isinstance(answer["request_id"], str) and answer["request_id"]
        return answer

    def upload(self, op: str, *rows: dict[str, Any], org: str = OUR_ORG.code) -> dict[str, Any]:
        """A data upload that must be answered 00000; returns ``data`` (accepted, failed)."""
        answer = self.call(op, {"orgCode": org, "data": list(rows)})
        assert answer["code"] == "00000", answer
        return answer["data"]

    def failure(self, op: str, row: dict[str, Any], org: str = OUR_ORG.code) -> dict[str, Any]:
        """Upload one row that must be refused; returns its failure entry."""
        data = self.upload(op, row, org=org)
        assert data["accepted"] == 0 and len(data["failed"]) == 1, data
        return data["failed"][0]

    def reminders(self, org: str = "360000009", *, id_type: str = PERSON[0], id_value: str = PERSON[1],
                  search_type: int = 1, **extra: Any) -> list[dict[str, Any]]:  # fmt: skip
        body = {"orgCode": org, "patientId": "P9", "idCardTypeCode": id_type, "idCardValue": id_value,
                "GHId": "GH9", "doctorId": "D9", "searchType": search_type, **extra}  # fmt: skip
        answer = self.call("queryReminders", body)
        assert answer["code"] == "00000", answer
        return answer["data"]

    def admin(self, path: str, **params: Any) -> Any:
        r = self.session.get(f"{self.base_url}/admin/{path}", params=params, timeout=5)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["code"] == "00000", answer
        return answer["data"]

    def admin_post(self, path: str, body: Any = None, *, status: int = 200) -> dict[str, Any]:
        r = self.session.post(f"{self.base_url}/admin/{path}", json=body, timeout=5)
        assert r.status_code == status, r.text
        answer = r.json()
        assert set(answer) == ENVELOPE_KEYS, answer
        return answer

    def rows(self, data_type: str, **params: Any) -> list[dict[str, Any]]:
        return self.admin("data", dataType=data_type, **params)
