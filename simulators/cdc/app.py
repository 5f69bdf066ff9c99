"""The simulated 传染病智能监测预警前置软件 push API as a FastAPI app.

Wire contract (platforms.md §1.2):

* ``POST /hclient/emr/receive/<entity>`` — one JSON object (camelCase keys), upsert by ``id``;
  ``DELETE`` on the same path with a JSON body holding at least ``id`` — delete. ``entity`` is the camelCase
  table name (``emrPatientInfo``, ``emrExLabItem``, ``baseDept`` …). ``Content-Type: application/json``, UTF-8.
* The answer is HTTP 200 ``{"result", "desc", "id", "errorCode", "errorName"}`` for every business outcome
  (:mod:`simulators.cdc.receive`) — never FastAPI's 422; an unknown entity is HTTP 404 in the same shape.
* Every push is journalled with its answer, faults included.

Admin routes under ``/__admin__`` (``state``, ``records/<entity>[/<id>]``, ``journal``, ``spec``, ``reset``,
``faults``) are the simulator's own.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import threading
import time
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.cdc import receive, spec
from simulators.cdc.faults import (
    DEFAULT_ERROR_CODE,
    DEFAULT_ERROR_NAME,
    FaultPlan,
    FaultSpecError,
    parse_rules,
)
from simulators.cdc.state import SimState

log = logging.getLogger("simulators.cdc")

RECEIVE_PATH = "/hclient/emr/receive"
JSON_TYPE = "application/json;charset=UTF-8"
_REQUEST_TEXT_MAX = 4000  # how much of an unparsable body the journal keeps


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_TYPE)


def _html(status: int, reason: str) -> Response:
    text = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(text, status_code=status, media_type="text/html")


def _unknown_entity(entity: str) -> receive.Reply:
    by_lower = {t.entity.lower(): t.entity for t in spec.TABLES}
    by_lower.update({t.name: t.entity for t in spec.TABLES})
    guess = by_lower.get(entity.lower()) or next(
        iter(difflib.get_close_matches(entity, list(spec.BY_ENTITY), n=1)), None
    )
    hint = f"，是否为[{guess}]?" if guess else ""
    return receive.Reply.refused("UNKNOWN_ENTITY", f"未知的数据表[{entity}]{hint}")


def _content_type_ok(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


async def _push(request: Request, state: SimState, faults: FaultPlan, entity: str) -> Response:
    method = request.method
    raw = await request.body()
    table = spec.BY_ENTITY.get(entity)
    journal: dict[str, Any] = {"method": method, "entity": entity, "id": None, "request": None, "fault": None,
                               "processed": False}  # fmt: skip

    def answer(reply: receive.Reply, status: int = 200) -> Response:
        state.journal_add({**journal, "http_status": status, "reply": reply.to_json()})
        state.count("accepted" if reply.result else "refused")
        return _json(reply.to_json(), status)

    payload, bad = receive.parse(raw)
    journal["request"] = (
        payload if payload is not None else raw[:_REQUEST_TEXT_MAX].decode("utf-8", "replace")
    )
    journal["id"] = receive.record_id(payload)
    if table is None:
        return answer(_unknown_entity(entity), 404)
    try:
        fault = FaultPlan.from_headers(request.headers) or faults.take(entity, method)
    except FaultSpecError as exc:  # a test asked for a fault that does not exist
        return _json({"error": str(exc)}, 400)
    if fault is not None:
        journal["fault"] = fault.kind
        state.count(f"fault_{fault.kind}")
    if fault is not None and fault.kind == "http_500_before":
        state.journal_add({**journal, "http_status": 500, "reply": None})
        return _html(500, "Internal Server Error")
    if fault is not None and fault.kind == "refuse":
        name = fault.error_name or DEFAULT_ERROR_NAME
        return answer(receive.Reply.refused(fault.error_code or DEFAULT_ERROR_CODE, name, journal["id"]))

    with state.lock:
        if bad is not None:
            reply = bad
        elif not _content_type_ok(request):
            reply = receive.Reply.refused(
                "CONTENT_TYPE",
                f"Content-Type应为application/json，收到[{request.headers.get('content-type')}]",
                journal["id"],
            )
        else:
            assert payload is not None
            reply = (receive.upsert if method == "POST" else receive.delete)(state, table, payload)
        journal["processed"] = True
        if fault is None:
            return answer(reply)
        if fault.kind == "http_500_after":
            state.journal_add({**journal, "http_status": 500, "reply": reply.to_json()})
            state.count("accepted" if reply.result else "refused")
            return _html(500, "Internal Server Error")
        entry = state.journal_add({**journal, "http_status": 200, "reply": reply.to_json()})
        state.count("accepted" if reply.result else "refused")
    # slow: processed and journalled; the answer leaves late (outside the lock: other pushes go on)
    closing: threading.Event = request.app.state.closing
    deadline = time.monotonic() + fault.delay_s
    while (left := deadline - time.monotonic()) > 0:
        if closing.is_set():  # the server is stopping: give up as a dying server would
            entry["http_status"] = None
            return _html(503, "Service Unavailable")
        await asyncio.sleep(min(left, 0.05))
    return _json(reply.to_json())


def create_app(state: SimState, faults: FaultPlan) -> FastAPI:
    """The simulated front-end over ``state``, misbehaving as ``faults`` says."""
    app = FastAPI(title="传染病前置软件模拟器 cdc", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = state
    app.state.faults = faults
    app.state.closing = threading.Event()  # set by SimServer.stop(): pending slow answers give up

    @app.api_route(RECEIVE_PATH + "/{entity}", methods=["POST", "DELETE"])
    async def push(request: Request, entity: str) -> Response:
        return await _push(request, state, faults, entity)

    @app.get("/__admin__/state")
    async def admin_state() -> Response:
        return _json(state.summary())

    @app.get("/__admin__/records/{entity}")
    async def admin_records(request: Request, entity: str) -> Response:
        if entity not in spec.BY_ENTITY:
            return _json(_unknown_entity(entity).to_json(), 404)
        live_only = request.query_params.get("live") in ("1", "true")
        with state.lock:
            rows = [r.to_json() for r in state.records[entity].values() if not (live_only and r.deleted)]
        return _json(rows)

    @app.get("/__admin__/records/{entity}/{rid:path}")
    async def admin_record(entity: str, rid: str) -> Response:
        if entity not in spec.BY_ENTITY:
            return _json(_unknown_entity(entity).to_json(), 404)
        with state.lock:
            record = state.get(entity, rid)
            if record is None:
                return _json({"error": f"{entity}[{rid}] was never received"}, 404)
            return _json(record.to_json())

    @app.get("/__admin__/journal")
    async def admin_journal(request: Request) -> Response:
        q = request.query_params
        try:
            since = int(q.get("since", "0"))
        except ValueError:
            return _json({"error": "since must be an integer"}, 400)
        return _json(state.journal_entries(q.get("entity"), q.get("id"), since))

    @app.get("/__admin__/spec")
    async def admin_spec() -> Response:
        return _json(spec.spec_json())

    @app.post("/__admin__/reset")
    async def admin_reset() -> Response:
        state.reset()
        return _json({"ok": True})

    @app.get("/__admin__/faults")
    async def admin_faults() -> Response:
        return _json(faults.to_json())

    @app.post("/__admin__/faults")
    async def admin_add_faults(request: Request) -> Response:
        try:
            raw = await request.body()
            rules = parse_rules(json.loads(raw.decode("utf-8")) if raw.strip() else None)
        except (ValueError, FaultSpecError) as exc:
            return _json({"ok": False, "error": str(exc)}, 400)
        faults.add(*rules)
        return _json({"ok": True, **faults.to_json()})

    @app.delete("/__admin__/faults")
    async def admin_clear_faults() -> Response:
        faults.clear()
        return _json({"ok": True, "rules": []})

    return app
