"""A tiny hand-written client of the simulator (never hisbridge's): push, delete, admin."""

from __future__ import annotations

from typing import Any

import requests

RECEIVE = "/hclient/emr/receive"
REPLY_KEYS = {"result", "desc", "id", "errorCode", "errorName"}


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def url(self, entity: str) -> str:
        return f"{self.base_url}{RECEIVE}/{entity}"

    def post(self, entity: str, body: Any, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 5)
        return self.session.post(self.url(entity), json=body, **kw)

    def delete(self, entity: str, body: Any, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 5)
        return self.session.delete(self.url(entity), json=body, **kw)

    def push(self, entity: str, body: Any, **kw: Any) -> dict[str, Any]:
        """POST and return the reply, asserting HTTP 200 and the reply shape."""
        r = self.post(entity, body, **kw)
        assert r.status_code == 200, r.text
        reply = r.json()
        assert set(reply) == REPLY_KEYS, reply
        return reply

    def remove(self, entity: str, body: Any, **kw: Any) -> dict[str, Any]:
        r = self.delete(entity, body, **kw)
        assert r.status_code == 200, r.text
        reply = r.json()
        assert set(reply) == REPLY_KEYS, reply
        return reply

    def admin(self, path: str, **params: Any) -> Any:
        r = self.session.get(f"{self.base_url}/__admin__/{path}", params=params, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()

    def counts(self, entity: str) -> dict[str, int]:
        return self.admin("state")["counts"][entity]
