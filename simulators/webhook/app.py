"""The receiver's FastAPI app: ``create_app(state)``.

* ``POST /cgi-bin/webhook/send?key=…`` — as 企业微信群机器人
* ``POST /robot/send?access_token=…[&timestamp=…&sign=…]`` — as 钉钉自定义机器人
* ``GET /admin/received`` — every post and the answer it got; ``POST /admin/reset``;
  ``POST /admin/faults`` ``{"http": 500}`` or ``{"errcode": 45009}`` — the next post answers that

Answers are the robots': HTTP 200 with ``errcode``/``errmsg`` (never FastAPI's 422).
"""

from __future__ import annotations

import json
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from simulators.webhook.spec import (
    DINGTALK_BAD_JSON,
    DINGTALK_NO_TOKEN,
    WECOM_BAD_JSON,
    WECOM_INVALID_KEY,
    Refused,
    check_dingtalk,
    check_dingtalk_sign,
    check_wecom,
)
from simulators.webhook.state import Received, WebhookState


def _answer(code: int = 0, msg: str = "ok") -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": msg})


def create_app(state: WebhookState) -> FastAPI:
    app = FastAPI(title="企业微信 / 钉钉 机器人模拟器", docs_url=None, redoc_url=None)

    async def _receive(robot: str, token: str | None, request: Request, check) -> JSONResponse:
        raw = await request.body()
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        fault = state.next_fault()
        if fault is not None:
            kind, value = fault
            state.record(Received(robot, token, body, -1 if kind == "http" else value, f"fault {kind} {value}",
                                  state.now()))
            if kind == "http":
                return JSONResponse({"error": "simulated"}, status_code=value)
            return _answer(value, "simulated refusal")
        try:
            if body is None:
                raise Refused(WECOM_BAD_JSON if robot == "wecom" else DINGTALK_BAD_JSON)
            check(body)
        except Refused as exc:
            state.record(Received(robot, token, body, exc.errcode, exc.errmsg, state.now()))
            return _answer(exc.errcode, exc.errmsg)
        state.record(Received(robot, token, body, 0, "ok", state.now()))
        return _answer()

    @app.post("/cgi-bin/webhook/send")
    async def wecom(request: Request, key: str | None = None) -> JSONResponse:
        if not key or (state.wecom_keys and key not in state.wecom_keys):
            state.record(Received("wecom", key, None, WECOM_INVALID_KEY[0], WECOM_INVALID_KEY[1], state.now()))
            return _answer(*WECOM_INVALID_KEY)
        return await _receive("wecom", key, request, check_wecom)

    @app.post("/robot/send")
    async def dingtalk(request: Request, access_token: str | None = None, timestamp: str | None = None,
                       sign: str | None = None) -> JSONResponse:
        if not access_token or (state.dingtalk_tokens and access_token not in state.dingtalk_tokens):
            state.record(Received("dingtalk", access_token, None, DINGTALK_NO_TOKEN[0], DINGTALK_NO_TOKEN[1],
                                  state.now()))
            return _answer(*DINGTALK_NO_TOKEN)
        secret = state.dingtalk_tokens.get(access_token)
        if secret:
            try:
                check_dingtalk_sign(secret, timestamp, sign, int(time.time() * 1000))
            except Refused as exc:
                state.record(Received("dingtalk", access_token, None, exc.errcode, exc.errmsg, state.now()))
                return _answer(exc.errcode, exc.errmsg)
        return await _receive("dingtalk", access_token, request, check_dingtalk)

    @app.get("/admin/received")
    def received() -> JSONResponse:
        return JSONResponse({"received": [r.as_json() for r in state.received]})

    @app.post("/admin/reset")
    def reset() -> JSONResponse:
        state.reset()
        return _answer()

    @app.post("/admin/faults")
    async def faults(request: Request) -> JSONResponse:
        spec = await request.json()
        count = int(spec.get("count", 1))
        kind, value = ("http", int(spec["http"])) if "http" in spec else ("errcode", int(spec["errcode"]))
        state.faults.extend([(kind, value)] * count)
        return _answer()

    return app
