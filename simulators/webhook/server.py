"""Run the robot receiver in-process (:class:`simulators.inprocess.InProcessServer`)::

    with WebhookServer(wecom_keys={"k1"}, dingtalk_tokens={"t1": "SECabc"}) as robot:
        robot.wecom_url            # http://127.0.0.1:PORT/cgi-bin/webhook/send
        robot.state.accepted()     # the posts the robots took
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi import FastAPI

from simulators.inprocess import InProcessServer
from simulators.webhook.app import create_app
from simulators.webhook.state import WebhookState


class WebhookServer(InProcessServer):
    name = "webhook"

    def __init__(self, state: WebhookState | None = None, *, wecom_keys: Iterable[str] = (),
                 dingtalk_tokens: Mapping[str, str | None] | None = None, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning") -> None:  # fmt: skip
        super().__init__(host=host, port=port, log_level=log_level)
        self.state = state or WebhookState(set(wecom_keys), dict(dingtalk_tokens or {}))

    def make_app(self) -> FastAPI:
        return create_app(self.state)

    @property
    def wecom_url(self) -> str:
        return self.url + "/cgi-bin/webhook/send"

    @property
    def dingtalk_url(self) -> str:
        return self.url + "/robot/send"
