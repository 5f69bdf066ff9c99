"""The simulated city brain's receiving side as a FastAPI app: the hospital pushes to it.

Wire contract (the shared spec of issue 11; :mod:`simulators.city_brain.signing`, :mod:`.spec`):

* ``POST <path>`` for ``notify`` and ``history``, default ``/api/v1/<op>`` (``paths`` moves them, as the
  connection's ``paths`` extra does), a signed JSON envelope in UTF-8 whatever the Content-Type.
* Every answer is ``{"code", "message", "requestId", "data"}``, HTTP 200 except 1007 (429), 5000 (500), 5003
  (503) — never FastAPI's 422; an unknown path is HTTP 404 (405 for another method) with code ``2004``. Only
  faults answer otherwise (HTML 500/502/503, or nothing at all).
* Order: ``down`` → body → envelope checks (:class:`.verify.Verifier`: 1001, 1005, 1006, 1003, 1002, 1004) →
  envelope shape (2001) → fault → payload checks and processing under the state lock (:mod:`.receive`) → the
  fault's way of answering → ``latency_ms``. Every call that is not ``down`` is journalled.

Admin routes under ``/admin`` (no signature, same envelope): ``state``, ``events``, ``visits``, ``history``,
``history/batches``, ``journal``, ``spec``, ``reset`` (POST), ``faults`` (GET/POST/DELETE). See the README.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from simulators.city_brain import receive, spec
from simulators.city_brain.faults import (
    DEFAULT_REFUSE_CODE,
    DEFAULT_REFUSE_MSG,
    FaultPlan,
    FaultRule,
    FaultSpecError,
)
from simulators.city_brain.receive import Answer
from simulators.city_brain.state import SimState
from simulators.city_brain.verify import Verifier
from simulators.transport_faults import RawSendApp, drop_connection, html_error, wait_unless_closing

log = logging.getLogger("simulators.city_brain")

JSON_TYPE = "application/json;charset=UTF-8"
_REQUEST_TEXT_MAX = 4000  # how much of an unparsable body the journal keeps



def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str).encode("utf-8"), status_code=status,
                    media_type=JSON_TYPE, headers=dict(headers or {}))  # fmt: skip


def _envelope(code: str, message: str, data: Any = None, status: int = 200) -> Response:
    return _json({"code": code, "message": message, "requestId": uuid.uuid4().hex, "data": data}, status)


def _ok(data: Any = None) -> Response:
    return _envelope(spec.OK, "成功", data)


def _bad(message: str, status: int = 400) -> Response:
    return _envelope(spec.BAD_PARAM, message, None, status)





async def _down(request: Request, faults: FaultPlan, state: SimState) -> Response:
    state.count("down")
    mode = faults.settings()["down_mode"]
    if mode == "drop":
        return drop_connection(request)
    if mode == "hang":
        await wait_unless_closing(request, faults.settings()["down_delay_ms"] / 1000)
    return html_error(503, "Service Unavailable")


def _keys(op: str, payload: Any) -> dict[str, Any]:
    """What the journal shows of a call at a glance (the ids, never a patient field)."""
    biz = payload.get("bizContent") if isinstance(payload, Mapping) else None
    if not isinstance(biz, Mapping):
        return {}
    if op == "notify":
        return {"eventId": biz.get("eventId"), "eventType": biz.get("eventType")}
    records = biz.get("records")
    return {"dataType": biz.get("dataType"), "batchNo": biz.get("batchNo"),
            "records": len(records) if isinstance(records, list) else None}  # fmt: skip


async def _call(request: Request, state: SimState, faults: FaultPlan, verifier: Verifier, op: str) -> Response:
    if faults.settings()["down"]:
        return await _down(request, faults, state)
    raw = await request.body()
    request_id = uuid.uuid4().hex
    client_ip = request.client.host if request.client else None
    payload, bad = receive.parse(raw)
    journal: dict[str, Any] = {
        "op": op, "request_id": request_id, "client": client_ip,
        "appId": payload.get("appId") if isinstance(payload, Mapping) else None, **_keys(op, payload),
        "request": payload if bad is None else raw[:_REQUEST_TEXT_MAX].decode("utf-8", "replace"),
        "fault": None, "processed": False,
    }  # fmt: skip

    async def answer(reply: Answer, *, delay_s: float = 0.0) -> Response:
        body = reply.to_json(request_id)
        state.journal_add({**journal, "http_status": reply.http_status, "answer": body})
        state.count(f"{op}_{'ok' if reply.ok else reply.code}")
        delay_s += faults.settings()["latency_ms"] / 1000
        if delay_s and not await wait_unless_closing(request, delay_s):
            return html_error(503, "Service Unavailable")
        return _json(body, reply.http_status, reply.headers)

    if bad is not None:
        return await answer(bad)
    refusal = verifier.check(payload, client_ip)
    if refusal is not None:
        state.count("refused")
        log.info("%s refused %s: %s", op, refusal.code, refusal.message)
        return await answer(Answer.refused(refusal.code, refusal.message))
    hospital = verifier.hospital(payload["appId"])
    assert hospital is not None
    shape = receive.envelope_problems(payload)
    if shape is not None:
        return await answer(shape)
    biz = payload["bizContent"]
    try:
        fault: FaultRule | None = FaultPlan.from_headers(request.headers) or faults.take(op, biz)
    except FaultSpecError as exc:  # a test asked for a fault that does not exist
        return _bad(str(exc))
    if fault is not None:
        journal["fault"] = fault.kind
        state.count(f"fault_{fault.kind}")
        log.info("fault %s on %s", fault.kind, op)
    if fault is not None and fault.kind == "http_500_before":
        verifier.release(payload["appId"], payload["nonce"])  # nothing reached the city brain
        state.journal_add({**journal, "http_status": 500, "answer": None})
        return html_error(500, "Internal Server Error")
    if fault is not None and fault.kind == "refuse":
        return await answer(Answer.refused(fault.code or DEFAULT_REFUSE_CODE, fault.msg or DEFAULT_REFUSE_MSG))

    with state.lock:
        reply = receive.dispatch(state, op, biz, hospital)
        journal["processed"] = True
    if fault is None:
        return await answer(reply)
    if fault.kind == "http_500_after":
        state.journal_add({**journal, "http_status": 500, "answer": reply.to_json(request_id)})
        return html_error(500, "Internal Server Error")
    if fault.kind == "drop":
        state.journal_add({**journal, "http_status": None, "answer": reply.to_json(request_id)})
        return drop_connection(request)
    return await answer(reply, delay_s=fault.delay_ms / 1000)  # slow


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    return json.loads(raw.decode("utf-8"))


def create_app(state: SimState, faults: FaultPlan, verifier: Verifier, *,
               paths: Mapping[str, str] | None = None) -> FastAPI:  # fmt: skip
    """The simulated city brain over ``state``, verifying envelopes with ``verifier``, misbehaving as ``faults``
    says, each operation at ``/api/v1/<op>`` unless ``paths`` moves it."""
    unknown = set(paths or {}) - set(receive.OPERATIONS)
    if unknown:
        raise ValueError(f"paths name unknown operations: {', '.join(sorted(unknown))}")
    by_path = {path: op for op, path in {**receive.DEFAULT_PATHS, **(paths or {})}.items()}
    app = RawSendApp(title="城市大脑模拟器 city_brain (接收推送)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = state
    app.state.faults = faults
    app.state.verifier = verifier
    app.state.paths = {op: path for path, op in by_path.items()}
    app.state.closing = threading.Event()  # set by the server's stop(): pending slow answers give up

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        state.count("unknown_path")
        what = "接口不存在" if exc.status_code == 404 else f"请求方法{request.method}不支持"
        return _envelope(spec.NOT_FOUND, f"{what}: {request.url.path}", None, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:  # never FastAPI's 422
        return _bad(f"参数错误: {exc.errors()[:3]}")

    # ------------------------------------------------------------------------------------------ admin

    @app.get("/admin/state")
    async def admin_state() -> Response:
        return _ok({**state.summary(), "verifier": verifier.to_json(), "nonces_seen": verifier.nonces_seen(),
                    "faults": faults.to_json(), "paths": app.state.paths})  # fmt: skip

    @app.get("/admin/events")
    async def admin_events(request: Request) -> Response:
        return _ok([e.to_json() for e in state.event_list(**dict(request.query_params))])

    @app.get("/admin/visits")
    async def admin_visits(request: Request) -> Response:
        q = request.query_params
        return _ok(state.visit_order(q.get("orgCode"), q.get("visitId")))

    @app.get("/admin/history")
    async def admin_history(request: Request) -> Response:
        q = request.query_params
        if q.get("dataType") and q["dataType"] not in spec.DATA_TYPES:
            return _bad(f"dataType应为{'/'.join(spec.DATA_TYPES)}之一，收到[{q['dataType']}]")
        found = state.history_list(q.get("dataType"), q.get("recordId"), q.get("batchNo"))
        return _ok([r.to_json() for r in found])

    @app.get("/admin/history/batches")
    async def admin_batches(request: Request) -> Response:
        q = request.query_params
        return _ok({"batches": [b.to_json() for b in state.batch_list(q.get("dataType"), q.get("batchNo"))],
                    "repeated_batches": state.repeated_batches(),
                    "repeated_records": state.repeated_records()})  # fmt: skip

    @app.post("/admin/reset")
    async def admin_reset() -> Response:
        state.reset()
        verifier.reset()
        return _ok({"reset": True})

    @app.get("/admin/faults")
    async def admin_faults() -> Response:
        return _ok(faults.to_json())

    @app.post("/admin/faults")
    async def admin_add_faults(request: Request) -> Response:
        try:
            faults.apply_json(await _json_body(request))
        except (ValueError, FaultSpecError) as exc:
            return _bad(str(exc))
        return _ok(faults.to_json())

    @app.delete("/admin/faults")
    async def admin_clear_faults() -> Response:
        faults.clear()
        return _ok(faults.to_json())

    @app.get("/admin/journal")
    async def admin_journal(request: Request) -> Response:
        q = request.query_params
        try:
            since = int(q.get("since", "0"))
        except ValueError:
            return _bad("since应为整数")
        return _ok(state.journal_entries(q.get("op"), since))

    @app.get("/admin/spec")
    async def admin_spec() -> Response:
        return _ok({**spec.spec_json(), "paths": app.state.paths})

    # ------------------------------------------------------------------------------------------ operations

    @app.post("/{path:path}")
    async def operation(request: Request, path: str) -> Response:
        op = by_path.get("/" + path)
        if op is None:
            raise StarletteHTTPException(404)
        return await _call(request, state, faults, verifier, op)

    return app
