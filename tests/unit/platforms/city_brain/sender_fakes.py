"""Test doubles for the pushes' client and sender (hisbridge's side of notify / history).

:class:`CannedAdapter` is mounted on a real ``requests.Session``: the client builds, signs and sends exactly as in
production; the adapter answers with canned responses (or raises what ``requests`` would raise) and records every
request. The receiver simulator (``simulators/city_brain``) is used by the integration tests, not here.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from hisbridge.platforms.city_brain.client import CityBrainClient, PushSettings

BASE_URL = "http://city-brain.test:8885"
APP_ID, SECRET, ORG = "hisbridge-360102001", "push-secret-0123456789", "360102001"

EVENT = {"eventId": "CHECKED_IN:MZ1", "eventType": "CHECKED_IN", "patientId": "P0001", "visitId": "MZ1",
         "visitType": "1", "occurredAt": "2026-11-24 08:30:00", "deptCode": "1020", "deptName": "呼吸内科门诊",
         "summary": "签到：呼吸内科门诊，第3号候诊"}
BILL = {"recordId": "SF1", "billNo": "SF1", "patientId": "P0001", "visitId": "MZ1", "totalAmount": "12.50",
        "insuranceAmount": "0.00", "selfAmount": "12.50", "paidAt": "2026-11-24 09:00:00", "status": "1"}


@dataclass
class Sent:
    request: requests.PreparedRequest
    timeout: Any

    @property
    def body(self) -> Any:
        return json.loads(self.request.body)

    @property
    def biz(self) -> Any:
        return self.body["bizContent"]

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


def respond(body: Any = None, *, status: int = 200, text: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    raw = text if text is not None else json.dumps(body, ensure_ascii=False)
    response._content = raw.encode("utf-8")
    response.headers["Content-Type"] = "application/json;charset=UTF-8"
    response.encoding = "utf-8"
    return response


def answer(code: str = "0", message: str = "成功", data: Any = None, *, status: int = 200,
           request_id: str = "req-1") -> requests.Response:
    """An answer in the city brain's envelope."""
    return respond({"code": code, "message": message, "requestId": request_id, "data": data}, status=status)


def notified(event_id: str = "CHECKED_IN:MZ1", duplicate: bool = False) -> requests.Response:
    return answer(data={"eventId": event_id, "duplicate": duplicate},
                  message="成功(重复事件，已忽略)" if duplicate else "成功")


def accepted(n: int, *failed: dict[str, Any]) -> requests.Response:
    return answer(data={"accepted": n, "failed": list(failed)})


def connect_refused() -> requests.ConnectionError:
    reason = MaxRetryError(None, "/api/v1/notify", NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    return requests.ConnectionError(reason)


def settings(**changes: Any) -> PushSettings:
    return PushSettings(**{"base_url": BASE_URL, "app_id": APP_ID, "secret": SECRET, "org_code": ORG, **changes})


def canned_client(*answers: requests.Response | BaseException, **changes: Any) -> tuple[CityBrainClient, CannedAdapter]:
    adapter = CannedAdapter(*answers)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return CityBrainClient(settings(**changes), session), adapter
