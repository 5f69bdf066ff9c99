"""The gateway as a FastAPI app: ``POST /hsa/v1/{infno}`` with the business input, one route per transaction so
that ``/docs`` shows each with its Chinese description, its input model and its errors.

Two ways to serve it: inside Airflow's API server as a plugin app (small sites), or alone under uvicorn with
several workers (``python -m hisbridge gateway serve --workers 4``; production). Either way the app is made by
:func:`create_gateway_app` around an :class:`~hisbridge.platforms.hsa.gateway.service.HsaGateway`.
"""

# no ``from __future__ import annotations``: FastAPI reads the endpoints' annotations, closures included
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field, TypeAdapter

from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.gateway.errors import STATUS, ErrorAnswer, ErrorBody, FieldProblem, GatewayError
from hisbridge.platforms.hsa.gateway.service import HsaGateway, Operator
from hisbridge.platforms.hsa.gateway.tokens import token_hash
from hisbridge.platforms.hsa.txn import Txn

log = logging.getLogger("hisbridge.hsa.gateway")


class Answer(BaseModel):
    infno: str = Field(description="交易编号")
    msgid: str = Field(description="发送方报文ID（对账、冲正用）")
    output: dict[str, Any] | None = Field(None, description="交易输出（按交易目录解析；未列明的字段原样保留）")
    warn_msg: str | None = Field(None, description="医保平台的提示信息")


def create_gateway_app(gateway: Callable[[], HsaGateway], *, resolve_at_start: bool = True,
                       token_ttl_s: float = 30, resolve_after_s: float = 120, resolve_every_s: float = 60) -> FastAPI:
    """``gateway`` is called once, when the app starts (so importing the plugin opens no connection). A token
    that was accepted is trusted for ``token_ttl_s`` before it is looked up again: a revoked token stops working
    within that time.

    Calls left ``in_flight`` for more than ``resolve_after_s`` (longer than any call's read timeout: another
    worker's call still on the wire is never touched) are resolved when the app starts and then every
    ``resolve_every_s`` by a thread of its own — a worker that died mid-call is noticed without a restart."""

    lock = threading.Lock()

    def started() -> HsaGateway:
        """The gateway, made (and calls a dead process left in flight resolved) on first use: a plugin app
        mounted in Airflow's API server gets no start-up event of its own."""
        with lock:
            if getattr(app.state, "gateway", None) is None:
                made = gateway()
                made.ledger.ensure_schema()  # one query when current; a new ledger gets its tables
                if resolve_at_start:  # design.md: unknown outcomes are resolved
                    _resolve(made, resolve_after_s)
                    threading.Thread(target=_keep_resolving, args=(made, resolve_after_s, resolve_every_s),
                                     name="hsa-gateway-resolver", daemon=True).start()
                app.state.gateway = made
            return app.state.gateway

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(started)
        yield

    app = FastAPIOffline(title="医保实时网关", lifespan=lifespan, version="1", redoc_url=None,
                  description="HIS 调用医保两定交易：输入按交易目录校验，签到、报文留痕、结果未知时自动冲正。"
                              "错误统一为 `{\"error\": {...}}`，见各交易的响应说明。")

    @app.exception_handler(GatewayError)
    async def gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        return JSONResponse(ErrorAnswer(error=exc.body).model_dump(mode="json"), status_code=exc.status)

    known: dict[str, tuple[str, float]] = {}  # token hash → (caller, until): one ledger look-up per token_ttl_s

    async def caller(request: Request) -> str:
        """Who holds the request's bearer token; a token seen in the last token_ttl_s costs no query."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        who = None
        if scheme.lower() == "bearer" and token:
            digest = token_hash(token.strip())
            cached = known.get(digest)
            if cached and cached[1] > time.monotonic():
                who = cached[0]
            else:
                service = await run_in_threadpool(started)
                who = await run_in_threadpool(service.ledger.token_caller, HsaGateway.SERVICE, digest)
                if who is not None:
                    known[digest] = (who, time.monotonic() + token_ttl_s)
        if who is None:
            raise GatewayError(ErrorBody(code="unauthorized", message="缺少有效的网关令牌（Authorization: Bearer …）"))
        return who

    defs: dict[str, Any] = {}
    for txn in sorted(catalogue.CATALOGUE.values(), key=lambda t: t.infno):
        if txn.many and txn.err_node:
            continue  # 进销存 batches: the traceability feeds send them
        _route(app, txn, caller, started, defs)

    def openapi() -> dict[str, Any]:  # the input models' nested definitions, beside FastAPI's own
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {}).update(defs)
            components.setdefault("securitySchemes", {})["HTTPBearer"] = {
                "type": "http", "scheme": "bearer",
                "description": "每个 HIS 客户端一个令牌（python -m hisbridge gateway token add）"}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/hsa/v1/health", summary="网关健康检查")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _resolve(gateway: HsaGateway, older_than_s: float) -> None:
    try:
        resolved = gateway.resolve_in_flight(older_than_s=older_than_s)
    except Exception:  # the next round tries again; the gateway keeps serving
        log.exception("hsa gateway: resolving calls left in flight failed")
        return
    if resolved:
        log.warning("hsa gateway: resolved %d call(s) left in flight", resolved)


def _keep_resolving(gateway: HsaGateway, older_than_s: float, every_s: float) -> None:
    while True:
        time.sleep(every_s)
        _resolve(gateway, older_than_s)


def _route(app: FastAPI, txn: Txn, caller: Callable[..., str], started: Callable[[], HsaGateway],
           defs: dict[str, Any]) -> None:
    body_type: Any = list[txn.body] if txn.many else txn.body
    errors = {status: {"model": ErrorAnswer, "description": code}
              for code, status in STATUS.items() if code != "unauthorized"}
    errors[401] = {"model": ErrorAnswer, "description": "unauthorized"}

    # The request is read by hand, not through FastAPI's parameter machinery: on a busy gateway that machinery
    # cost as much CPU as the call itself. The parameters are documented in openapi_extra instead.
    async def endpoint(request: Request) -> Response:
        who = await caller(request)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise GatewayError(ErrorBody(code="invalid_input", message="请求体不是 JSON",
                                         fields=[FieldProblem(field="input", reason="须为 JSON")])) from None
        area = request.query_params.get("insuplc_admdvs", "")
        operator = Operator(request.headers.get("x-opter"), request.headers.get("x-opter-name"))

        def call() -> bytes:
            answer = started().call(txn.infno, body, caller=who, insuplc_admdvs=area, operator=operator)
            return orjson.dumps({"infno": answer.infno, "msgid": answer.msgid, "output": answer.output,
                                 "warn_msg": answer.warn_msg})

        # the answer is already plain JSON data: sent as it is (the response model documents it)
        return Response(await run_in_threadpool(call), media_type="application/json")

    endpoint.__name__ = f"hsa_{txn.infno}"
    app.post(f"/hsa/v1/{txn.infno}", response_model=Answer, responses=errors, tags=[txn.group or "其他"],
             summary=f"{txn.infno} {txn.title}", description=_description(txn), openapi_extra={
                 "requestBody": {"content": {"application/json": {"schema": _schema(body_type, defs)}},
                                 "required": True, "description": f"{txn.infno} {txn.title} 的业务输入"},
                 "parameters": _PARAMETERS, "security": [{"HTTPBearer": []}]})(endpoint)


_PARAMETERS = [
    {"name": "insuplc_admdvs", "in": "query", "required": False,
     "description": "参保地医保区划（来自 1101 insuinfo.insuplc_admdvs；输入含 psn_no 时必填）",
     "schema": {"type": "string", "maxLength": 6}},
    {"name": "X-Opter", "in": "header", "required": False, "description": "经办人编号（默认：网关配置）",
     "schema": {"type": "string", "maxLength": 30}},
    {"name": "X-Opter-Name", "in": "header", "required": False, "description": "经办人姓名",
     "schema": {"type": "string", "maxLength": 50}},
]


def _schema(body_type: Any, defs: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(body_type).json_schema(ref_template="#/components/schemas/{model}")
    defs.update(schema.pop("$defs", {}))
    return schema


def _description(txn: Txn) -> str:
    lines = [f"hsa.md §{txn.section} · {'改变医保平台数据' if txn.changes_state else '查询（可重发）'}"]
    if txn.undone_by:
        lines.append(f"撤销交易：{txn.undone_by}")
    if txn.reversible:
        lines.append("应答丢失时网关自动 2601 冲正并返回 reversed_retry")
    if txn.unknowns:
        lines.append(f"公开资料未定：{txn.unknowns}")
    return "\n\n".join(lines)
