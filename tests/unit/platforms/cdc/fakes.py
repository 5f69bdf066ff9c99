"""Test doubles for the CDC client and senders.

* :class:`CannedAdapter` — mounted on a real ``requests.Session``: the client builds and sends exactly as in
  production; the adapter answers with canned responses (or raises what ``requests`` would raise) and records
  every request.
* :class:`FrontendStub` — a tiny real HTTP server on 127.0.0.1 that behaves like the front-end's receiver for
  what these tests need: ``POST`` upserts by ``id``, ``DELETE`` removes (``result: false`` with "记录不存在" when
  there is nothing), a record whose ``patientName`` is ``REFUSE`` is refused, and answers can be overridden per
  request (status and body) to inject faults. The real simulator is ``simulators/cdc``.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from hisbridge.platforms.cdc.client import CdcClient, CdcSettings

PREFIX = "/hclient/emr/receive/"


@dataclass
class Sent:
    request: requests.PreparedRequest
    timeout: Any

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.request.body)


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


def ok(record_id: str = "P1", **extra: Any) -> requests.Response:
    return respond({"result": True, "desc": "成功", "id": record_id, "errorCode": None, "errorName": None, **extra})


def canned_client(*answers: requests.Response | BaseException, **settings: Any) -> tuple[CdcClient, CannedAdapter]:
    adapter = CannedAdapter(*answers)
    session = requests.Session()
    session.mount("http://", adapter)
    return CdcClient(CdcSettings(base_url="http://cdc-frontend.test:8881", **settings), session=session), adapter


class FrontendStub:
    """A receiver on a real socket (see the module docstring). ``held[entity][id]`` is what it holds."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        #: answers to give instead of the normal one, in order: (status, body text)
        self.overrides: deque[tuple[int, str]] = deque()
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = stub.answer(self.command, self.path, self.headers.get("Content-Type", ""), body)
                data = answer.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _handle  # noqa: N815
            do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, path: str, content_type: str, body: dict[str, Any]) -> tuple[int, str]:
        with self.lock:
            self.requests.append((method, path, body))
            if self.overrides:
                return self.overrides.popleft()
            if not path.startswith(PREFIX) or content_type != "application/json":
                return 404, "<html>not found</html>"
            entity, record_id = path[len(PREFIX):], str(body.get("id"))
            table = self.held.setdefault(entity, {})
            if method == "DELETE":
                if table.pop(record_id, None) is None:
                    return 200, json.dumps({"result": False, "desc": "记录不存在", "id": record_id,
                                            "errorCode": "404", "errorName": "记录不存在"}, ensure_ascii=False)
            elif body.get("patientName") == "REFUSE":
                return 200, json.dumps({"result": False, "desc": "患者姓名不合法", "id": record_id,
                                        "errorCode": "E001", "errorName": "字段校验失败"}, ensure_ascii=False)
            else:
                table[record_id] = dict(body)
            return 200, json.dumps({"result": True, "desc": "成功", "id": record_id})

    def client(self, **settings: Any) -> CdcClient:
        return CdcClient(CdcSettings(base_url=self.url, **settings))


@contextmanager
def frontend_stub() -> Iterator[FrontendStub]:
    stub = FrontendStub()
    stub.thread.start()
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()
