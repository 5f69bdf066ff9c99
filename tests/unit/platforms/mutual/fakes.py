"""Test doubles for the 互认 platform's client and sender.

:class:`CannedAdapter` is mounted on a real ``requests.Session``: the client builds and sends exactly as in
production; the adapter answers with canned responses (or raises what ``requests`` would raise) and records
every request. The real simulator is ``simulators/mutual`` — not used here, so that these tests check the client
against the spec, not against another implementation of it.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.settings import MutualSettings

BASE_URL = "http://mutual.test:8093"


@dataclass
class Sent:
    request: requests.PreparedRequest
    timeout: Any

    @property
    def body(self) -> Any:
        return json.loads(self.request.body)

    @property
    def path(self) -> str:
        return self.request.path_url


class CannedAdapter(HTTPAdapter):
    """Answers each request with the next canned answer; records what was sent."""

    def __init__(self, *answers: requests.Response | BaseException) -> None:
        super().__init__()
        self.answers: deque[requests.Response | BaseException] = deque(answers)
        self.sent: list[Sent] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: ARG002
        self.sent.append(Sent(request, timeout))
        if not self.answers:
            raise AssertionError("the client sent more requests than the test expected")
        answer = self.answers.popleft()
        if isinstance(answer, BaseException):
            raise answer
        answer.request = request
        answer.url = request.url
        return answer


def respond(body: Any = None, *, status: int = 200, text: str | None = None,
            content_type: str = "application/json;charset=UTF-8") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    raw = text if text is not None else json.dumps(body, ensure_ascii=False)
    response._content = raw.encode("utf-8")
    response.headers["Content-Type"] = content_type
    response.encoding = "utf-8"
    return response


def answer(code: str = "00000", msg: str = "成功", data: Any = None, *, status: int = 200,
           request_id: str = "req-1") -> requests.Response:
    """An answer in the platform's envelope."""
    return respond({"code": code, "msg": msg, "request_id": request_id, "data": data}, status=status)


def accepted(n: int, *failed: dict[str, Any], request_id: str = "req-1") -> requests.Response:
    return answer(data={"accepted": n, "failed": list(failed)}, request_id=request_id)


def connect_refused() -> requests.ConnectionError:
    """What ``requests`` raises when nothing listens on the port (urllib3's NewConnectionError inside)."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/api/v1/uploadLabReport", reason))


def canned_client(*answers: requests.Response | BaseException, **settings: Any) -> tuple[MutualClient, CannedAdapter]:
    adapter = CannedAdapter(*answers)
    session = requests.Session()
    session.mount("http://", adapter)
    clock = settings.pop("clock", None)
    nonce = settings.pop("nonce", None)
    extra = {k: v for k, v in (("clock", clock), ("nonce", nonce)) if v is not None}
    client = MutualClient(MutualSettings(base_url=settings.pop("base_url", BASE_URL), **settings), session=session,
                          **extra)
    return client, adapter
