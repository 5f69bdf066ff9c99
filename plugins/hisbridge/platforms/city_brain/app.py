"""The hospital-side API of the city brain as a FastAPI app, one route per endpoint of the catalogue.

=============================================  ==================================================================
``POST /api/v1/<endpoint>``                    an endpoint of ``catalogue.ENDPOINTS`` (signed envelope in, answer
                                               envelope out; see ``envelope.py``)
``POST /api/v1/health``                        医院接口健康检查: HIS, ledger, unsent pushes (signed like the rest)
``GET  /metrics``                              Prometheus text: calls and refusals of this process, the same
                                               health figures (``metrics_ips`` only)
``GET  /docs``                                 the OpenAPI docs (each endpoint's parameters and answer, in Chinese)
=============================================  ==================================================================

Always served under ``/city-brain``: inside Airflow's API server as a plugin app (``plugin.py``), or alone under
uvicorn (``python -m hisbridge city-brain serve --workers 4``), where :func:`mounted` puts it at the same prefix.

Routes read the body themselves (no FastAPI parameter parsing): the signature covers the exact fields received,
the guard runs before any parameter is looked at, and errors keep the platform's envelope (never FastAPI's 422).
Each route's request and answer schema are still in the OpenAPI, from the endpoint's models.
"""

# no ``from __future__ import annotations``: FastAPI reads the routes' annotations
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field, TypeAdapter, create_model
from starlette.background import BackgroundTask

from hisbridge.platforms.city_brain import catalogue
from hisbridge.platforms.city_brain.answers import load_answers
from hisbridge.platforms.city_brain.catalogue import Endpoint
from hisbridge.platforms.city_brain.envelope import Answer, Page, RequestEnvelope
from hisbridge.platforms.city_brain.service import HEALTH, CityBrainService

PREFIX = "/city-brain"
API = "/api/v1"


# -- the health check's answer ------------------------------------------------------------------------------------
class Component(BaseModel):
    status: str = Field(description="UP 正常 / DOWN 不可用")
    latencyMs: float | None = Field(None, description="探测查询用时（毫秒）")


class PushQueue(BaseModel):
    unsent: int | None = Field(None, description="未送达的推送记录数（待发送、结果未知、数据有误）；台账不可用时为空")
    oldestAgeSeconds: int | None = Field(None, description="最早一条未送达记录已等待的秒数；没有时为空")
    oldestAt: str | None = Field(None, description="最早一条未送达记录的产生时间 yyyy-MM-dd HH:mm:ss（北京时间）")


class Health(BaseModel):
    status: str = Field(description="UP：HIS 与台账均正常；DOWN：任一不可用")
    his: Component = Field(description="HIS 数据库（只读账号）")
    ledger: Component = Field(description="台账数据库")
    pushes: PushQueue = Field(description="医院数据推送通知的积压")
    checkedAt: str = Field(description="检查时间 yyyy-MM-dd HH:mm:ss（北京时间）")


class HealthQuery(BaseModel):
    """健康检查没有业务参数（bizContent 可为 {} 或不填）。"""


def create_city_brain_app(service: Callable[[], CityBrainService]) -> FastAPI:
    """``service`` is called once, when the app starts or on its first request (a plugin app mounted in Airflow
    gets no start-up event); it makes the HIS and ledger engines, and the ledger's tables are brought up to date."""
    lock = threading.Lock()

    def started() -> CityBrainService:
        made = app.state.service
        if made is not None:
            return made
        with lock:
            if app.state.service is None:
                made = service()
                made.ledger.ensure_schema()  # one query when current
                app.state.service = made
            return app.state.service

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(started)
        yield
        made = app.state.service
        if made is not None:
            made.close()

    app = FastAPIOffline(  # /docs from local files: hospital networks reach no CDN
        title="城市大脑·先诊疗后付费 医院接口", version="1", lifespan=lifespan, docs_url="/docs", redoc_url=None,
        description=_DESCRIPTION, openapi_tags=[{"name": a.title, "description": f"接口模块 {a.name}"}
                                                for a in catalogue.areas()] + [{"name": "运维", "description": "健康检查与指标"}])
    app.state.service = None
    defs: dict[str, Any] = {}

    def route(path: str, summary: str, description: str, params: type[BaseModel], answer: type[BaseModel],
              tag: str) -> None:
        async def call(request: Request) -> Response:
            made = app.state.service or await run_in_threadpool(started)
            body = await request.body()
            peer = request.client.host if request.client else None
            reply = await run_in_threadpool(made.call, path, body, peer=peer,
                                            forwarded_for=request.headers.get("x-forwarded-for"))
            return Response(reply.body, status_code=reply.status, media_type="application/json",
                            headers=reply.headers, background=BackgroundTask(made.record, reply.entry))

        call.__name__ = f"city_brain_{path}"
        envelope = create_model(f"{_title(path)}Request", __base__=RequestEnvelope,
                                bizContent=(params, Field(description=f"{summary}的业务参数")))
        app.post(f"{API}/{path}", summary=summary, description=description, tags=[tag],
                 response_model=answer, responses=_ERRORS, response_description="答复（code 为 0 成功，其他见答复代码表）", openapi_extra={"requestBody": {
                     "required": True, "description": "签名的请求信封；bizContent 为本接口的业务参数",
                     "content": {"application/json": {"schema": _schema(envelope, defs)}}}})(call)

    for area in catalogue.areas():
        for endpoint in area.endpoints:
            route(endpoint.path, endpoint.title, describe(endpoint), endpoint.params, answer_model(endpoint),
                  area.title)
    route(HEALTH, "医院接口健康检查", "HIS 数据库（只读账号）探测查询及用时、台账数据库、未送达的医院数据推送通知"
          "（条数与最早一条的等待时间）。签名与其他接口相同；HIS 不可用时仍答复 code 0，data.status 为 DOWN。",
          HealthQuery, create_model("HealthAnswer", __base__=Answer[Health]), "运维")

    @app.get("/metrics", summary="Prometheus 指标", tags=["运维"], response_class=PlainTextResponse,
             description="本进程的调用次数（按接口与答复代码）、校验拒绝次数（按代码）、答复用时，以及 HIS、台账与推送积压的"
                         "当前值。多进程运行时每个进程各自计数。仅 metrics_ips 中的地址可读。")
    async def metrics(request: Request) -> Response:
        made = app.state.service or await run_in_threadpool(started)
        peer = request.client.host if request.client else None
        if not made.guard.may_read_metrics(peer, request.headers.get("x-forwarded-for")):
            return PlainTextResponse("forbidden\n", status_code=403)
        text = await run_in_threadpool(made.metrics_text)
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    def openapi() -> dict[str, Any]:  # the envelopes' nested definitions beside FastAPI's own
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def answer_model(endpoint: Endpoint) -> type[BaseModel]:
    """The answer envelope of ``endpoint`` with its ``data`` (a page of items, or one item) for OpenAPI."""
    name = _title(endpoint.path)
    if endpoint.many:
        page = create_model(f"{name}Page", __base__=Page[endpoint.item])
        return create_model(f"{name}Answer", __base__=Answer[page])
    return create_model(f"{name}Answer", __base__=Answer[endpoint.item])


def describe(endpoint: Endpoint) -> str:
    """The route's description: what it answers, its limits, what is personal."""
    lines = [endpoint.description or endpoint.title]
    if endpoint.many:
        lines.append("分页：pageNo 从 1 开始，pageSize 默认 50、最多 200（站点可调小）；data 为 {total, pageNo, pageSize, list}。")
    else:
        lines.append("data 为单个对象；没有符合条件的记录时答复 2004。")
    if endpoint.max_days is not None and "start_date" in endpoint.params.model_fields:
        days = "站点设置 max_days（默认 31）" if endpoint.max_days == catalogue.DEFAULT_MAX_DAYS \
            else f"{endpoint.max_days}"
        lines.append(f"日期范围：startDate 至 endDate（含两端）最长 {days} 天，超过答复 2002。")
    pii = [info.alias or name for name, info in endpoint.item.model_fields.items()
           if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("pii")]
    if pii:
        lines.append(f"个人信息字段：{'、'.join(pii)}（医院日志与台账中不记录其值）。")
    lines.append(f"SQL：include/sql/{endpoint.sql}")
    return "\n\n".join(lines)


def mounted(app: FastAPI, prefix: str = PREFIX, *, threads: int | None = None) -> FastAPI:
    """``app`` under ``prefix`` of an outer app that runs its start-up and shut-down (a mounted app's own lifespan
    does not run): how ``serve`` runs the API alone, at the same URLs as in Airflow. ``threads``: the process's
    request threads (the HIS pool's size; a process of its own only — Airflow's API server keeps its own)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if threads is not None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        async with app.router.lifespan_context(app):
            yield

    outer = FastAPI(title=app.title, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    outer.mount(prefix, app)
    return outer


def _title(path: str) -> str:
    return path[:1].upper() + path[1:]


def _schema(model: type[BaseModel], defs: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
    defs.update(schema.pop("$defs", {}))
    defs[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error_responses() -> dict[int | str, dict[str, Any]]:
    answers = load_answers()
    by_status: dict[int, list[str]] = {}
    for code, meaning in answers.codes.items():
        if code != "0" and meaning.status != 200:
            by_status.setdefault(meaning.status, []).append(f"{code} {meaning.message}")
    error = create_model("ErrorAnswer", __base__=Answer[None])
    return {status: {"model": error, "description": "；".join(words)} for status, words in by_status.items()}


_ERRORS = _error_responses()
_DESCRIPTION = """城市大脑“先诊疗后付费”调用医院的查询接口。

**请求**：`POST /city-brain/api/v1/<接口>`，JSON 信封 `{appId, timestamp（毫秒）, nonce（16–64 位字母数字）, signType,
sign, bizContent}`。签名串为除 sign 外的字段按键名排序、空值不参与、`键=值` 以 `&` 连接，bizContent 取其规范 JSON
（键排序、无空格、不转义中文）；SM3 / SHA256 为 `hex(hash(签名串 + "&key=" + 密钥))`，HMAC-SHA256 为
`hex(HMAC(密钥, 签名串))`，小写十六进制。

**答复**：`{code, message, requestId, data}`，code 为 "0" 表示成功；列表的 data 为 `{total, pageNo, pageSize, list}`。
业务错误多以 HTTP 200 答复，1007（429，含 Retry-After）、5000（500）、5003（503）除外。

**校验顺序**（任一不通过即拒绝，不读 HIS）：来源 IP 白名单（1006）→ 签名参数齐全（1001）→ appId（1005）→ 限流（1007）→
时间戳（1003）→ 签名（1002）→ nonce 防重放（1004）→ 业务参数（2001、2002）。

详见 docs/city_brain_api.md。"""
