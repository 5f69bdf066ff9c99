"""The workstation service as a FastAPI app: reminders for the HIS, the page link, and the 互认 page with its API.

=========================================  ===========================================================================
``POST /api/v1/reminders/visit``           接诊提醒 (bearer token)
``POST /api/v1/reminders/order``           开单提醒 (bearer token)
``POST /api/v1/page-link``                 the 互认 page's URL for a patient, doctor and visit, with a signed ticket
``GET  /page?PatientID=…&doctorId=…&GHId=…&type=lab|exam&mode=recognize|view&ticket=…``  the 互认 page
``GET  /api/v1/page/reports``              the page's report list (same parameters; ticket in ``X-Page-Ticket``)
``GET  /api/v1/page/reports/{reportId}``   one report in full (records a retrieval 调阅)
``POST /api/v1/page/reports/{reportId}/recognise|reject|revoke|quote``  互认 / 不互认 / 撤销不互认 / 引用
``GET  /api/v1/health``                    liveness
=========================================  ===========================================================================

Served two ways, always under ``/mutual``: inside Airflow's API server as a plugin app (``plugin.py``), or alone
under uvicorn (``python -m hisbridge mutual serve --workers 4``). Links are built from the mount point the request
came through, so the HIS's configuration is the same either way.

:func:`create_workstation_app` takes a factory: the service (ledger, HIS and platform connections, thread pools) is
made when the app starts, or on the first request when mounted in Airflow (a mounted app gets no start-up event).
Errors have one shape, ``{"error": {"code", "message"}}``, with a Chinese message; the reminders never answer an
error for a platform fault (they answer ``status: "unavailable"``).
"""

# no ``from __future__ import annotations``: FastAPI reads the endpoints' annotations, closures included
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import SQLAlchemyError

from hisbridge.platforms.hsa.gateway.tokens import token_hash
from hisbridge.platforms.mutual.service import page as page_html
from hisbridge.platforms.mutual.service import tickets
from hisbridge.platforms.mutual.service.schemas import (
    DecisionAnswer,
    ErrorAnswer,
    OrderReminderAnswer,
    OrderReminderRequest,
    PageDetailAnswer,
    PageLinkAnswer,
    PageLinkRequest,
    PageReportsAnswer,
    QuoteAnswer,
    RejectRequest,
    VisitReminderAnswer,
    VisitReminderRequest,
)
from hisbridge.platforms.mutual.service.service import ServiceError, WorkstationService
from hisbridge.platforms.mutual.service.tickets import PageContext, TicketError

log = logging.getLogger("hisbridge.mutual.service")

STATIC = Path(__file__).resolve().with_name("static")
_ERRORS = {status: {"model": ErrorAnswer, "description": words} for status, words in (
    (401, "缺少有效的令牌"), (403, "票据无效或查看模式"), (404, "报告不在本次就诊的列表中"), (409, "与当前决定冲突或平台拒收"),
    (422, "输入不符合接口定义"), (503, "平台或 HIS 暂不可用"))}


def create_workstation_app(service: Callable[[], WorkstationService], *, token_ttl_s: float = 30) -> FastAPI:
    """``service`` is called once, when the app starts or on its first request. A bearer token that was accepted
    is trusted for ``token_ttl_s`` before it is looked up again (a revoked token stops working within that
    time; a reminder costs no ledger query for its token)."""
    lock = threading.Lock()

    def started() -> WorkstationService:
        made = app.state.service
        if made is not None:  # the common case: no lock, no thread hop
            return made
        with lock:
            if getattr(app.state, "service", None) is None:
                made = service()
                made.ledger.ensure_schema()  # one query when current; a new ledger gets its tables
                app.state.service = made
            return app.state.service

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(started)
        yield
        made = getattr(app.state, "service", None)
        if made is not None:
            await run_in_threadpool(made.close)

    app = FastAPIOffline(title="检查检验互认工作站服务", version="1", lifespan=lifespan, redoc_url=None,
                  description="HIS 工作站调用：接诊提醒、开单提醒（限时答复，平台不可用时答复“暂不可用”，不影响开单）、"
                              "互认页面链接；医生在互认页面查看外院报告并记录互认、不互认、撤销与引用。"
                              "错误统一为 `{\"error\": {\"code\", \"message\"}}`。")
    app.state.service = None

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(SQLAlchemyError)
    async def ledger_down(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        # the ledger (or the HIS) cannot be written: nothing was recorded, so nothing was sent either
        log.error("mutual workstation: database unavailable (%s)", type(exc).__name__)
        return _error(503, "unavailable", "台账数据库暂不可用，本次操作未记录，请稍后再试")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = "、".join(".".join(str(p) for p in e["loc"] if p != "body") or "body" for e in exc.errors()[:5])
        return _error(422, "invalid_input", f"请求不符合接口定义：{fields}")

    async def _service() -> WorkstationService:
        return app.state.service or await run_in_threadpool(started)

    # -- callers (HIS workstations) -----------------------------------------------------------------------
    known: dict[str, tuple[str, float]] = {}  # token hash → (caller, until)

    async def caller(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        who = None
        if scheme.lower() == "bearer" and token.strip():
            digest = token_hash(token.strip())
            cached = known.get(digest)
            if cached and cached[1] > time.monotonic():
                who = cached[0]
            else:
                made = await _service()
                who = await run_in_threadpool(made.ledger.token_caller, WorkstationService.SERVICE, digest)
                if who is not None:
                    known[digest] = (who, time.monotonic() + token_ttl_s)
        if who is None:
            raise ServiceError(401, "unauthorized", "缺少有效的令牌（Authorization: Bearer …）")
        return who

    Caller = Annotated[str, Depends(caller)]

    # -- the page's context --------------------------------------------------------------------------------
    def context(PatientID: Annotated[str, Query(min_length=1, max_length=50, description="HIS 病人ID")],
                doctorId: Annotated[str, Query(min_length=1, max_length=50, description="医生工号")],
                GHId: Annotated[str, Query(min_length=1, max_length=50, description="就诊ID")],
                type: Annotated[Literal["lab", "exam"], Query(description="lab 检验 / exam 检查")] = "lab",
                mode: Annotated[Literal["recognize", "view"], Query(description="recognize / view")] = "recognize",
                ticket: Annotated[str | None, Query(description="页面票据")] = None,
                x_page_ticket: Annotated[str | None, Header(description="页面票据（页面脚本调用时）")] = None,
                ) -> PageContext:
        ctx = PageContext(PatientID, doctorId, GHId, type, mode)
        settings = started().settings
        if settings.page_auth == "ticket":
            try:
                tickets.verify(x_page_ticket or ticket, ctx, settings.secret)
            except TicketError as exc:
                raise ServiceError(403, "forbidden", str(exc)) from None
        return ctx

    Page = Annotated[PageContext, Depends(context)]

    # -- reminders -----------------------------------------------------------------------------------------
    reminders = APIRouter(prefix="/api/v1/reminders", tags=["提醒"], responses={401: _ERRORS[401], 422: _ERRORS[422]})

    @reminders.post("/visit", summary="接诊提醒", response_model=VisitReminderAnswer,
                    description="打开就诊时调用：返回该病人在其他医院、回看期内可互认的报告。限时答复（默认 800 毫秒）；"
                                "平台慢、不可用或拒绝时答复 status=unavailable，HTTP 200，不影响接诊。显示的提醒在答复后"
                                "上传提醒记录。")
    async def visit(req: VisitReminderRequest, who: Caller) -> VisitReminderAnswer:
        return await (await _service()).visit_reminders(req, who)

    @reminders.post("/order", summary="开单提醒", response_model=OrderReminderAnswer,
                    description="开检查检验单时调用：HIS 项目按项目对照（include/mappings/mutual_items.yaml）转为平台项目代码，"
                                "返回外院同一项目可互认的报告；未对照的项目列在 unmapped。限时答复，平台不可用时 "
                                "status=unavailable，不影响开单。")
    async def order(req: OrderReminderRequest, who: Caller) -> OrderReminderAnswer:
        return await (await _service()).order_reminders(req, who)

    # -- page link -----------------------------------------------------------------------------------------
    links = APIRouter(prefix="/api/v1", tags=["互认页面"])

    @links.post("/page-link", summary="获取互认页面链接", response_model=PageLinkAnswer,
                responses={401: _ERRORS[401], 422: _ERRORS[422]},
                description="返回带签名票据（有效期见 ticket_ttl_s）的互认页面地址，票据绑定病人、医生、就诊、类型与模式；"
                            "page_auth=none 的站点返回不带票据的地址。")
    def page_link(req: PageLinkRequest, request: Request, who: Caller) -> PageLinkAnswer:
        made = started()
        settings = made.settings
        ctx = PageContext(req.patientId, req.doctorId, req.visitId, req.type, req.mode)
        params = {"PatientID": ctx.patient_id, "doctorId": ctx.doctor_id, "GHId": ctx.visit_id, "type": ctx.type,
                  "mode": ctx.mode}
        expires = None
        if settings.page_auth == "ticket":
            params["ticket"] = tickets.issue(ctx, settings.secret, settings.ticket_ttl_s)
            expires = int(settings.ticket_ttl_s)
        log.info("mutual page link visit=%s type=%s mode=%s for %s", ctx.visit_id, ctx.type, ctx.mode, who)
        made.journal_link(who, ctx)
        return PageLinkAnswer(url=f"{request.scope.get('root_path', '')}/page?{urlencode(params)}", expiresIn=expires)

    # -- the page and its API ------------------------------------------------------------------------------
    pages = APIRouter(tags=["互认页面"])

    @pages.get("/page", summary="互认页面", response_class=HTMLResponse, include_in_schema=True)
    def page(request: Request, PatientID: Annotated[str, Query()] = "", doctorId: Annotated[str, Query()] = "",
             GHId: Annotated[str, Query()] = "", type: Annotated[str, Query()] = "lab",
             mode: Annotated[str, Query()] = "recognize", ticket: Annotated[str | None, Query()] = None,
             ) -> HTMLResponse:
        made = started()
        if not (PatientID and doctorId and GHId) or type not in ("lab", "exam") or mode not in ("recognize", "view"):
            return page_html.error_page("页面参数不完整：需要 PatientID、doctorId、GHId，type 为 lab 或 exam，"
                                        "mode 为 recognize 或 view", 400)
        ctx = PageContext(PatientID, doctorId, GHId, type, mode)  # type: ignore[arg-type]
        if made.settings.page_auth == "ticket":
            try:
                tickets.verify(ticket, ctx, made.settings.secret)
            except TicketError as exc:
                return page_html.error_page(str(exc), 403)
        listing = made.list_reports(ctx)
        return page_html.render(ctx, made.identity(ctx.patient_id), listing, ticket=ticket,
                                base=request.scope.get("root_path", ""))

    @pages.get("/static/mutual-page.js", include_in_schema=False)
    def script() -> FileResponse:
        return FileResponse(STATIC / "mutual_page.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "max-age=300"})

    api = APIRouter(prefix="/api/v1/page", tags=["互认页面"],
                    responses={s: _ERRORS[s] for s in (403, 404, 409, 422, 503)})

    @api.get("/reports", summary="外院报告列表", response_model=PageReportsAnswer)
    def list_reports(ctx: Page) -> PageReportsAnswer:
        return started().list_reports(ctx)

    @api.get("/reports/{reportId}", summary="报告详情（记录调阅）", response_model=PageDetailAnswer)
    def open_report(reportId: str, ctx: Page) -> PageDetailAnswer:
        return started().open_report(ctx, reportId)

    @api.post("/reports/{reportId}/recognise", summary="互认（上传调阅记录）", response_model=DecisionAnswer)
    def recognise(reportId: str, ctx: Page) -> DecisionAnswer:
        return started().decide(ctx, reportId, "recognised")

    @api.post("/reports/{reportId}/reject", summary="不互认（上传互认记录，须选原因）", response_model=DecisionAnswer)
    def reject(reportId: str, body: RejectRequest, ctx: Page) -> DecisionAnswer:
        return started().decide(ctx, reportId, "not_recognised", reason_code=body.reasonCode, diag_name=body.diagName)

    @api.post("/reports/{reportId}/revoke", summary="撤销不互认", response_model=DecisionAnswer)
    def revoke(reportId: str, ctx: Page) -> DecisionAnswer:
        return started().decide(ctx, reportId, "revoked")

    @api.post("/reports/{reportId}/quote", summary="引用检验报告（写入 HIS 并上传引用记录）", response_model=QuoteAnswer)
    def quote(reportId: str, ctx: Page) -> QuoteAnswer:
        return started().quote(ctx, reportId)

    @app.get("/api/v1/health", summary="健康检查", tags=["运维"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for router in (reminders, links, pages, api):
        app.include_router(router)
    return app


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def mounted(app: FastAPI, prefix: str = "/mutual") -> FastAPI:
    """``app`` under ``prefix`` of an outer app that runs its start-up and shut-down (a mounted app's own lifespan
    does not run): how ``serve`` runs the service alone, with the same URLs as in Airflow."""

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        async with app.router.lifespan_context(app):
            yield

    outer = FastAPI(title=app.title, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    outer.mount(prefix, app)
    return outer
