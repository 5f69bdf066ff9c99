"""The simulated 医保 platform as a FastAPI app: gateway, envelope, 9001/9002 and 进销存 3501–3507 (+A).

Wire contract (hsa.md §1, §2, §4.0, §4.8, §5):

* ``POST /fsi/api/rsfComIfsService/callService`` (or ``…/callService/{infno}``), JSON body whatever the
  Content-Type (``application/json`` and ``text/plain`` are what clients send), UTF-8.
* The gateway (:mod:`simulators.hsa.signing`) answers HTTP 401 ``{"code": "401", "message": …}`` before the
  envelope is looked at.
* Everything else is HTTP 200 with the answer envelope ``infcode`` (0 / -1), ``inf_refmsgid``,
  ``refmsg_time``, ``respond_time``, ``err_msg``, ``warn_msg``, ``output``, ``cainfo``, ``signtype`` —
  never FastAPI's 422.
* Every request whose ``fixmedins_code`` and ``msgid`` are well-formed consumes its msgid (a second use answers
  ``报文ID重复``) and gets a journal entry, whatever its outcome — unless a fault stopped it before processing.

The 两定 transactions (1101 … 9903, :mod:`simulators.hsa.settlement_spec`) are dispatched to
:func:`simulators.hsa.settlement.handle`; a 9102 hit is answered as ``application/octet-stream`` bytes.

Admin routes under ``/__admin__`` (``state``, ``journal``, ``records``, ``inventory``, ``settlements``, ``reset``,
``faults``, ``sign_ins/expire``) are the simulator's own and need no gateway auth.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from simulators.hsa import settlement, settlement_spec, spec
from simulators.hsa.faults import DEFAULT_REFUSAL, FaultPlan, FaultRule, FaultSpecError, parse_rules
from simulators.hsa.signing import check_gateway
from simulators.hsa.state import SimState

log = logging.getLogger("simulators.hsa")

CALL_PATH = "/fsi/api/rsfComIfsService/callService"
RAW_SEND = "hsa_sim.raw_send"
JSON_TYPE = "application/json;charset=UTF-8"
OK = {"retRslt": "1", "msgRslt": "成功"}
BUSY = "系统繁忙，请稍后再试"
SIGN_EXPIRED = "签到信息已失效，请重新签到"
NOT_FOUND_3507 = "未查询到该批次的进销存信息"


def _html(status: int, reason: str) -> str:
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )


class Failure(Exception):
    """The platform answers ``infcode -1`` with this ``err_msg``; nothing was changed."""


@dataclass
class Outcome:
    output: dict[str, Any] | None
    outcome: str = "success"  # success | refused | partial
    rows_ok: int = 0
    rows_failed: int = 0
    err_msg: str | None = None
    warn_msg: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _SimApp(FastAPI):
    """FastAPI that keeps the server's own ``send`` in the scope, so the ``drop`` fault can cut the line."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_TYPE)


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "报文解析失败: 请求体不是UTF-8编码"
    if not text.strip():
        return None, "报文解析失败: 请求体为空"

    def no_constants(name: str) -> Any:
        raise ValueError(f"非法数值{name}")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except ValueError as exc:
        return None, f"报文解析失败: JSON格式错误({exc})"[:200]
    if not isinstance(data, dict):
        return None, "报文解析失败: 请求体应为JSON对象"
    return data, None


def _answer(
    state: SimState,
    refmsg_time: str,
    infcode: int,
    *,
    output: dict[str, Any] | None = None,
    err_msg: str | None = None,
    warn_msg: str | None = None,
) -> dict[str, Any]:
    return {
        "infcode": infcode,
        "inf_refmsgid": state.next_id(),
        "refmsg_time": refmsg_time,
        "respond_time": state.stamp_ms(),
        "err_msg": err_msg,
        "warn_msg": warn_msg,
        "output": output,
        "cainfo": None,
        "signtype": None,
    }


def _raise_if(problem: str | None) -> None:
    if problem:
        raise Failure(problem)


def _node_object(inp: dict[str, Any], name: str) -> dict[str, Any]:
    node = inp.get(name)
    if spec.blank(node):
        raise Failure(f"[{name}]不能为空")
    if not isinstance(node, dict):
        raise Failure(f"[{name}]类型错误，应为JSON对象")
    return node


# ------------------------------------------------------------------------------------------------ transactions


def _sign_in(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Outcome:
    assert txn.node is not None
    node = _node_object(env["input"], txn.node)
    _raise_if(spec.check_fields(txn.fields, node, txn.node, require_2025=state.require_2025_fields))
    signin = state.sign_in(env["fixmedins_code"], env["opter"], node["opter_no"])
    return Outcome({"signinoutb": {"sign_time": signin.sign_time, "sign_no": signin.sign_no}})


def _sign_out(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Outcome:
    inp = env["input"]
    if "signOut" in inp:
        node, fields, path = _node_object(inp, "signOut"), spec.SIGN_OUT_WRAPPED, "signOut"
    else:
        node, fields, path = inp, spec.SIGN_OUT_FLAT, "input"
    _raise_if(spec.check_fields(fields, node, path, require_2025=state.require_2025_fields))
    target = node.get("sign_no") or env["sign_no"]
    warn = None
    if not state.sign_out(target, env["fixmedins_code"]):
        if state.enforce_sign_no:
            raise Failure(f"签到编号[{target}]不存在或已签退")
        warn = f"签到编号[{target}]不存在或已签退"
    return Outcome({"signoutoutb": {"sign_time": state.now().strftime("%Y-%m-%d %H:%M:%S")}}, warn_msg=warn)


def _upload_one(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Outcome:
    assert txn.node is not None
    node = _node_object(env["input"], txn.node)
    _raise_if(spec.check_row(txn, node, txn.node, require_2025=state.require_2025_fields))
    why = state.refusal(txn.base or txn.infno, node, env["fixmedins_code"])
    if why:
        return Outcome({"result": {"retRslt": "0", "msgRslt": why}}, "refused", 0, 1, err_msg=why)
    state.store(txn, node, env["fixmedins_code"], msgid)
    return Outcome({"result": dict(OK)}, rows_ok=1)


def _upload_many(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Outcome:
    assert txn.node is not None and txn.err_node is not None
    rows = env["input"].get(txn.node)
    if spec.blank(rows):
        raise Failure(f"[{txn.node}]不能为空")
    if not isinstance(rows, list):
        raise Failure(f"[{txn.node}]类型错误，应为数组")
    if not rows:
        raise Failure(f"[{txn.node}]不能为空")
    if len(rows) > state.max_batch_rows:
        raise Failure(f"批量上传条数超过上限: {len(rows)}条，最多{state.max_batch_rows}条")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise Failure(f"[{txn.node}[{i}]]类型错误，应为JSON对象")
    failed: list[dict[str, Any]] = []
    code = env["fixmedins_code"]
    for i, row in enumerate(rows):
        why = spec.check_row(
            txn, row, f"{txn.node}[{i}]", require_2025=state.require_2025_fields
        ) or state.refusal(txn.base or txn.infno, row, code)
        if why:
            failed.append({**copy.deepcopy(row), "errMsg": why})
        else:
            state.store(txn, row, code, msgid)
    ok = len(rows) - len(failed)
    if not failed:
        return Outcome({"result": dict(OK), txn.err_node: []}, rows_ok=ok)
    result = {"retRslt": "0", "msgRslt": f"部分数据上传失败: {len(failed)}条"}
    return Outcome(
        {"result": result, txn.err_node: failed},
        "partial" if ok else "refused",
        ok,
        len(failed),
        err_msg=result["msgRslt"],
    )


def _delete(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Outcome:
    assert txn.node is not None
    node = _node_object(env["input"], txn.node)
    _raise_if(spec.check_fields(txn.fields, node, txn.node, require_2025=state.require_2025_fields))
    bchno, dtype = node["fixmedins_bchno"], node["inv_data_type"]
    n = state.delete(env["fixmedins_code"], dtype, bchno)
    if n == 0:
        raise Failure(f"{NOT_FOUND_3507}(fixmedins_bchno={bchno}, inv_data_type={dtype})")
    return Outcome({"result": dict(OK)}, extra={"deleted": n})


def _settlement(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Outcome:
    try:
        reply = settlement.handle(state, txn, env, msgid)
    except settlement.Refused as exc:
        raise Failure(str(exc)) from None
    rows_ok = reply.journal.pop("rows_ok", 0)
    return Outcome(reply.output, rows_ok=rows_ok, warn_msg=reply.warn, extra=reply.journal)


HANDLERS = {"sign_in": _sign_in, "sign_out": _sign_out, "delete": _delete, "settlement": _settlement}


def _handler(txn: spec.Txn) -> Any:
    if txn.kind == "upload":
        return _upload_many if txn.many else _upload_one
    return HANDLERS[txn.kind]


# ------------------------------------------------------------------------------------------------ envelope

_IDENTITY = tuple(f for f in spec.ENVELOPE if f.name in ("fixmedins_code", "msgid"))


def _check_msgid(msgid: str, fixmedins_code: str) -> None:
    shape = "应为定点医药机构编号+yyyyMMddHHmmss+4位序号"
    if not msgid.startswith(fixmedins_code):
        raise Failure(f"[msgid]格式错误，{shape}(应以[{fixmedins_code}]开头)")
    m = spec.MSGID_TAIL.fullmatch(msgid[len(fixmedins_code) :])
    if not m:
        raise Failure(f"[msgid]格式错误，{shape}")
    try:
        datetime.strptime(m.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        raise Failure(f"[msgid]格式错误，{shape}(时间部分无效)") from None


def process(
    state: SimState,
    payload: dict[str, Any] | None,
    parse_error: str | None,
    path_infno: str | None,
    refmsg_time: str,
) -> tuple[dict[str, Any], str | None]:
    """Answer one platform call; returns the answer envelope and the msgid it consumed (``None`` if none)."""
    with state.lock:
        state.count("calls")
        msgid: str | None = None
        warn: str | None = None
        try:
            if parse_error or payload is None:
                raise Failure(parse_error or "报文解析失败")
            env = payload
            req25 = state.require_2025_fields
            _raise_if(spec.check_fields(_IDENTITY, env, "", require_2025=req25))
            code = env["fixmedins_code"]
            _check_msgid(env["msgid"], code)
            if not state.see_msgid(code, env["msgid"], env.get("infno"), refmsg_time):
                raise Failure(f"报文ID重复: {env['msgid']}")
            msgid = env["msgid"]
            _raise_if(spec.check_fields(spec.ENVELOPE, env, "", require_2025=req25))
            infno = env["infno"]
            if path_infno is not None and path_infno != infno:
                raise Failure(f"[infno]与请求路径中的交易编号[{path_infno}]不一致")
            txn = spec.CATALOGUE.get(infno) or settlement_spec.CATALOGUE.get(infno)
            if txn is None:
                raise Failure(f"交易编号[{infno}]不存在或未开通")
            if txn.kind != "sign_in":
                if spec.blank(env.get("sign_no")):
                    raise Failure("[sign_no]不能为空")
                if not state.sign_no_valid(env["sign_no"], code):
                    if state.enforce_sign_no:
                        raise Failure(SIGN_EXPIRED)
                    warn = SIGN_EXPIRED
            result: Outcome = _handler(txn)(state, txn, env, msgid)
            warn = "；".join(w for w in (warn, result.warn_msg) if w) or None
            state.note(
                msgid,
                outcome=result.outcome,
                err_msg=result.err_msg,
                rows_ok=result.rows_ok,
                rows_failed=result.rows_failed,
                **result.extra,
            )
            state.count(f"outcome_{result.outcome}")
            return _answer(state, refmsg_time, 0, output=result.output, warn_msg=warn), msgid
        except Failure as exc:
            err = str(exc)
            if msgid is not None:
                state.note(msgid, outcome="error", err_msg=err)
            state.count("outcome_error")
            return _answer(state, refmsg_time, -1, err_msg=err, warn_msg=warn), msgid


# ------------------------------------------------------------------------------------------------ app


def _render(answer: dict[str, Any]) -> Response:
    """The answer envelope as JSON, or the bytes of a 9102 hit as ``application/octet-stream``."""
    output = answer.get("output")
    if isinstance(output, settlement.FileDownload):
        disposition = f"attachment; filename*=UTF-8''{quote(output.filename)}"
        return Response(output.data, media_type="application/octet-stream",
                        headers={"Content-Disposition": disposition})  # fmt: skip
    return _json(answer)


def _drop_connection(request: Request) -> None:
    """Close the client connection without a byte of answer (uvicorn only)."""
    send = request.scope.get(RAW_SEND)
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("the drop fault needs uvicorn (SimServer or python -m simulators.hsa)")
    transport.abort()
    cycle.disconnected = True  # uvicorn then sends nothing more on this connection


async def _call(request: Request, state: SimState, faults: FaultPlan, path_infno: str | None) -> Response:
    refmsg_time = state.stamp_ms()
    raw = await request.body()
    payload, parse_error = _parse(raw)
    infno_hint = path_infno
    if infno_hint is None and payload is not None and isinstance(payload.get("infno"), str):
        infno_hint = payload["infno"]

    problem = check_gateway(state, request.headers, infno_hint)
    if problem:
        state.count("gateway_rejected")
        return _json({"code": "401", "message": problem}, status=401)

    try:
        fault: FaultRule | None = FaultPlan.from_headers(request.headers) or faults.take(infno_hint)
    except FaultSpecError as exc:
        return _json({"code": "400", "message": str(exc)}, status=400)
    if fault is not None:
        state.count(f"fault_{fault.kind}")
        log.info("fault %s on infno %s", fault.kind, infno_hint)
        if fault.kind == "http_500_before":
            return Response(_html(500, "Internal Server Error"), status_code=500, media_type="text/html")
        if fault.kind == "infcode_-1":
            return _json(_answer(state, refmsg_time, -1, err_msg=BUSY))
        if fault.kind == "refused":
            return _json(_answer(state, refmsg_time, -1, err_msg=fault.err_msg or DEFAULT_REFUSAL))

    answer, msgid = process(state, payload, parse_error, path_infno, refmsg_time)
    if fault is None:
        return _render(answer)
    if msgid is not None:
        state.note(msgid, fault=fault.kind)
    if fault.kind == "http_502_after":
        return Response(_html(502, "Bad Gateway"), status_code=502, media_type="text/html")
    if fault.kind == "slow":
        closing: threading.Event = request.app.state.closing
        deadline = time.monotonic() + fault.delay_s
        while (left := deadline - time.monotonic()) > 0:
            if closing.is_set():  # the server is stopping: go away as a dying server would
                _drop_connection(request)
                return Response(b"")
            await asyncio.sleep(min(left, 0.05))
        return _render(answer)
    if fault.kind == "malformed":
        body = bytes(_render(answer).body)
        return Response(body[: len(body) // 2], media_type=JSON_TYPE)
    if fault.kind == "drop":
        _drop_connection(request)
        return Response(b"")
    raise AssertionError(f"unhandled fault kind {fault.kind}")  # pragma: no cover


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    return json.loads(raw.decode("utf-8"))


def create_app(state: SimState, faults: FaultPlan) -> FastAPI:
    """The simulated platform (gateway + FSI services) over ``state``, misbehaving as ``faults`` says."""
    app = _SimApp(title="医保平台模拟器 hsa", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = state
    app.state.faults = faults
    app.state.closing = threading.Event()  # set by SimServer.stop(): pending slow answers give up

    @app.post(CALL_PATH)
    async def call_service(request: Request) -> Response:
        return await _call(request, state, faults, None)

    @app.post(CALL_PATH + "/{infno}")
    async def call_service_infno(request: Request, infno: str) -> Response:
        return await _call(request, state, faults, infno)

    @app.get("/__admin__/state")
    async def admin_state() -> Response:
        return _json(state.summary())

    @app.get("/__admin__/journal")
    async def admin_journal() -> Response:
        with state.lock:
            return _json(copy.deepcopy(state.journal))

    @app.get("/__admin__/records")
    async def admin_records(request: Request) -> Response:
        q = request.query_params
        records = state.all_records(q.get("fixmedins_code"), q.get("inv_data_type"), q.get("fixmedins_bchno"))
        return _json([r.to_json() for r in records])

    @app.get("/__admin__/inventory")
    async def admin_inventory() -> Response:
        return _json(state.inventory_json())

    @app.get("/__admin__/settlements")
    async def admin_settlements() -> Response:
        with state.lock:
            return _json(state.settlement.to_json())

    @app.post("/__admin__/reset")
    async def admin_reset() -> Response:
        state.reset()
        return _json({"ok": True})

    @app.post("/__admin__/sign_ins/expire")
    async def admin_expire_sign_ins() -> Response:
        return _json({"ok": True, "expired": state.expire_sign_ins()})

    @app.get("/__admin__/faults")
    async def admin_faults() -> Response:
        return _json(faults.to_json())

    @app.post("/__admin__/faults")
    async def admin_add_faults(request: Request) -> Response:
        try:
            rules = parse_rules(await _json_body(request))
        except (ValueError, FaultSpecError) as exc:
            return _json({"ok": False, "error": str(exc)}, status=400)
        faults.add(*rules)
        return _json({"ok": True, **faults.to_json()})

    @app.delete("/__admin__/faults")
    async def admin_clear_faults() -> Response:
        faults.clear()
        return _json({"ok": True, "rules": []})

    return app
