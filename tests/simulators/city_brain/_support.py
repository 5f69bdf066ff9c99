"""A tiny admin client of the simulator and the credentials of these tests (the pushes themselves go through the
simulator's own :class:`simulators.city_brain.caller.CityBrainCaller`, never hisbridge's)."""

from __future__ import annotations

from typing import Any

import requests

APP_ID, SECRET = "hisbridge-360102001", "s3cr3t-key-for-tests"
ENVELOPE_KEYS = {"code", "message", "requestId", "data"}


class Admin:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path: str, **params: Any) -> Any:
        r = self.session.get(f"{self.base_url}/admin/{path}", params=params, timeout=5)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert set(answer) == ENVELOPE_KEYS and answer["code"] == "0", answer
        return answer["data"]

    def post(self, path: str, body: Any = None, *, status: int = 200) -> dict[str, Any]:
        r = self.session.post(f"{self.base_url}/admin/{path}", json=body, timeout=5)
        assert r.status_code == status, r.text
        answer = r.json()
        assert set(answer) == ENVELOPE_KEYS, answer
        return answer

    def delete(self, path: str) -> Any:
        r = self.session.delete(f"{self.base_url}/admin/{path}", timeout=5)
        assert r.status_code == 200, r.text
        return r.json()["data"]
