"""The simulated 检查检验互认 platform as a FastAPI app.

Wire contract (the shared spec of issue 10; :mod:`simulators.mutual.spec`):

* ``POST <path>`` for each operation, default path ``/api/v1/<operation>`` (``paths`` overrides per operation,
  as a site's connection does), JSON body in UTF-8 whatever the Content-Type.
* Every answer is the envelope ``{"code", "msg", "request_id", "data"}`` (:mod:`simulators.mutual.receive`) —
  HTTP 200 for every business outcome, never FastAPI's 422; an unknown path or method is HTTP 404/405 in the same
  envelope (``C0113`` 接口不存在). Only faults answer otherwise (HTML 500/502/503, or nothing at all).
* Order of checks: ``down`` (nothing answers) → authentication (A0401, :mod:`simulators.mutual.auth`) → fault
  rule → body → processing under the state lock → the fault's way of answering → query ``latency_ms``.
* Every call reaching authentication is journalled with its answer, fault and whether it was processed.

Admin routes under ``/admin`` (no authentication, same envelope): ``state``, ``data``, ``records``,
``reports`` (GET/POST/DELETE, ``reports/generate``), ``reset``, ``clock`` (GET/POST/DELETE), ``faults``
(GET/POST/DELETE), ``journal``, ``spec``. See the README.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from simulators.mutual import receive, samples, spec
from simulators.mutual.auth import Auth
from simulators.mutual.faults import (
    DEFAULT_REFUSE_CODE,
    DEFAULT_REFUSE_MSG,
    FaultPlan,
    FaultRule,
    FaultSpecError,
)
from simulators.mutual.reports import ReportError
from simulators.mutual.state import SimState
from simulators.transport_faults import RawSendApp, drop_connection, html_error, wait_unless_closing

log = logging.getLogger("simulators.mutual")

JSON_TYPE = "application/json;charset=UTF-8"
_REQUEST_TEXT_MAX = 4000  # how much of an unparsable body the journal keeps



def _envelope(code: str, msg: str, data: Any = None, status: int = 200) -> Response:
    body = {"code": code, "msg": msg, "request_id": uuid.uuid4().hex, "data": data}
    return Response(json.dumps(body, ensure_ascii=False, default=str).encode("utf-8"), status_code=status,
                    media_type=JSON_TYPE)  # fmt: skip


def _ok(data: Any = None) -> Response:
    return _envelope(spec.OK, "成功", data)


def _bad(msg: str, status: int = 400) -> Response:
    return _envelope(spec.REFUSED, msg, None, status)





async def _down(request: Request, faults: FaultPlan, state: SimState) -> Response:
    state.count("down")
    mode = faults.settings()["down_mode"]
    if mode == "drop":
        return drop_connection(request)
    if mode == "hang":
        await wait_unless_closing(request, faults.settings()["down_delay_ms"] / 1000)
    return html_error(503, "Service Unavailable")


async def _call(request: Request, state: SimState, faults: FaultPlan, auth: Auth, op: str) -> Response:
    if faults.settings()["down"]:
        return await _down(request, faults, state)
    raw = await request.body()
    request_id = uuid.uuid4().hex
    journal: dict[str, Any] = {"op": op, "request_id": request_id, "request": None, "fault": None,
                               "processed": False}  # fmt: skip
    payload, bad = receive.parse(raw)
    journal["request"] = payload if bad is None else raw[:_REQUEST_TEXT_MAX].decode("utf-8", "replace")
    is_query = spec.OPERATION_KIND[op] == "query"

    async def answer(reply: receive.Answer, *, status: int = 200, delay_s: float = 0.0) -> Response:
        body = reply.to_json(request_id)
        state.journal_add({**journal, "http_status": status, "answer": body})
        state.count(f"{op}_{'ok' if reply.ok else reply.code}")
        if is_query:
            delay_s += faults.settings()["latency_ms"] / 1000
        if delay_s and not await wait_unless_closing(request, delay_s):
            return html_error(503, "Service Unavailable")
        return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), status_code=status,
                        media_type=JSON_TYPE)  # fmt: skip

    problem = auth.check(request.headers, raw)
    if problem is not None:
        state.count("auth_refused")
        return await answer(receive.Answer(spec.AUTH_FAILED, problem))
    try:
        fault: FaultRule | None = FaultPlan.from_headers(request.headers) or faults.take(op)
    except FaultSpecError as exc:  # a test asked for a fault that does not exist
        return _bad(str(exc))
    if fault is not None:
        journal["fault"] = fault.kind
        state.count(f"fault_{fault.kind}")
        log.info("fault %s on %s", fault.kind, op)
    if fault is not None and fault.kind == "http_500_before":
        state.journal_add({**journal, "http_status": 500, "answer": None})
        return html_error(500, "Internal Server Error")
    if fault is not None and fault.kind == "refuse":
        return await answer(receive.Answer(fault.code or DEFAULT_REFUSE_CODE, fault.msg or DEFAULT_REFUSE_MSG))

    with state.lock:
        reply = bad if bad is not None else receive.dispatch(state, op, payload)
        journal["processed"] = bad is None
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


def create_app(state: SimState, faults: FaultPlan, *, auth: Auth | None = None,
               paths: Mapping[str, str] | None = None) -> FastAPI:  # fmt: skip
    """The simulated platform over ``state``, misbehaving as ``faults`` says, authenticating as ``auth`` says
    (default: none), each operation at ``/api/v1/<op>`` unless ``paths`` moves it."""
    auth = auth if auth is not None else Auth()
    unknown = set(paths or {}) - set(spec.OPERATIONS)
    if unknown:
        raise ValueError(f"paths name unknown operations: {', '.join(sorted(unknown))}")
    by_path = {path: op for op, path in {**spec.DEFAULT_PATHS, **(paths or {})}.items()}
    app = RawSendApp(title="检查检验互认平台模拟器 mutual", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = state
    app.state.faults = faults
    app.state.auth = auth
    app.state.paths = {op: path for path, op in by_path.items()}
    app.state.closing = threading.Event()  # set by the server's stop(): pending slow answers give up

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        state.count("unknown_path")
        what = "接口不存在" if exc.status_code == 404 else f"请求方法{request.method}不支持"
        return _envelope(spec.NO_SUCH_API, f"{what}: {request.url.path}", None, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:  # never FastAPI's 422
        return _bad(f"参数校验失败: {exc.errors()[:3]}")

    # ------------------------------------------------------------------------------------------ admin

    @app.get("/admin/state")
    async def admin_state() -> Response:
        return _ok({**state.summary(), "auth": auth.to_json(), "faults": faults.to_json(),
                    "paths": app.state.paths})  # fmt: skip

    @app.get("/admin/data")
    async def admin_data(request: Request) -> Response:
        q = request.query_params
        live_only = q.get("live") in ("1", "true")
        with state.lock:
            rows = [r.to_json() for (org, dt), by_no in sorted(state.rows.items()) for r in by_no.values()
                    if (not q.get("orgCode") or org == q["orgCode"]) and (not q.get("dataType") or dt == q["dataType"])
                    and (not q.get("businessNo") or r.business_no == q["businessNo"])
                    and not (live_only and r.deleted)]  # fmt: skip
        return _ok(rows)

    @app.get("/admin/records")
    async def admin_records(request: Request) -> Response:
        q = dict(request.query_params)
        kind = q.pop("kind", None)
        if kind is not None and kind not in spec.RECORD_KINDS:
            return _bad(f"kind应为{'/'.join(spec.RECORD_KINDS)}之一，收到[{kind}]")
        return _ok([e.to_json() for e in state.record_list(kind, **q)])

    @app.get("/admin/reports")
    async def admin_reports(request: Request) -> Response:
        q = request.query_params
        found = [r.admin_json() for r in state.all_reports()
                 if all(not q.get(k) or str(v) == q[k] for k, v in
                        (("idCardValue", r.id_card_value), ("orgCode", r.org_code), ("itemType", r.item_type),
                         ("itemCode", r.item_code), ("source", r.source)))]  # fmt: skip
        return _ok(found)

    @app.post("/admin/reports")
    async def admin_add_reports(request: Request) -> Response:
        try:
            body = await _json_body(request)
        except ValueError as exc:
            return _bad(f"报文解析失败: {exc}")
        if isinstance(body, Mapping) and "reports" in body:
            body = body["reports"]
        items = body if isinstance(body, list) else [body]
        try:
            ids = state.add_reports(items)
        except ReportError as exc:
            return _bad(str(exc))
        return _ok({"added": len(ids), "reportIds": ids})

    @app.post("/admin/reports/generate")
    async def admin_generate_reports(request: Request) -> Response:
        try:
            body = await _json_body(request) or {}
            persons = [samples.Person.from_json(p) for p in body.get("persons", [])]
            if not persons:
                raise ValueError("persons应为非空数组: [{idCardTypeCode, idCardValue, patientName}]")
            seed = body.get("seed", 0)
            per_person = body.get("perPerson")
            generated = samples.foreign_reports(persons, now=state.now(), seed=seed, per_person=per_person)
            ids = state.add_reports(generated)
        except (ValueError, TypeError, AttributeError, ReportError) as exc:
            return _bad(str(exc))
        return _ok({"added": len(ids), "reportIds": ids})

    @app.delete("/admin/reports")
    async def admin_clear_reports() -> Response:
        return _ok({"removed": state.clear_reports()})

    @app.post("/admin/reset")
    async def admin_reset() -> Response:
        state.reset()
        return _ok({"reset": True})

    @app.get("/admin/clock")
    async def admin_clock() -> Response:
        return _ok(state.clock_json())

    @app.post("/admin/clock")
    async def admin_set_clock(request: Request) -> Response:
        try:
            body = await _json_body(request) or {}
            now, offset = body.get("now"), body.get("offset_s", 0)
            if now is not None and not isinstance(now, str):
                raise ValueError("now应为yyyy-MM-dd HH:mm:ss")
            if isinstance(offset, bool) or not isinstance(offset, int | float):
                raise ValueError("offset_s应为秒数")
            state.set_clock(datetime.strptime(now, spec.TIME_FORMAT) if now else None, offset_s=offset)
        except (ValueError, AttributeError) as exc:
            return _bad(f"时钟设置错误: {exc}")
        return _ok(state.clock_json())

    @app.delete("/admin/clock")
    async def admin_real_clock() -> Response:
        state.set_clock()
        return _ok(state.clock_json())

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
        return await _call(request, state, faults, auth, op)

    return app
