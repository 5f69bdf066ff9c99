"""The workstation API's requests and answers, declared once (the OpenAPI page shows them with their Chinese
names). Report summaries are the platform's own model (:class:`~hisbridge.platforms.mutual.models.ReportSummary`):
the HIS sees a report exactly as the platform described it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hisbridge.platforms.mutual.models import BacteriaResult, ReportItem, ReportSummary, SusceptResult

Status = Literal["ok", "unavailable"]
UNAVAILABLE = "互认平台暂不可用，本次无提醒"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class VisitReminderRequest(_In):
    patientId: str = Field(min_length=1, max_length=50, description="HIS 病人ID")
    visitId: str = Field(min_length=1, max_length=50, description="就诊ID（挂号ID或住院ID，平台的 GHId）")
    doctorId: str = Field(min_length=1, max_length=50, description="接诊医生工号")


class OrderItem(_In):
    hisItemCode: str = Field(min_length=1, max_length=50, description="HIS 项目代码（检验组合或检查项目）")
    itemType: Literal["LIS", "PACS"] = Field(description="项目类型：LIS 检验 / PACS 检查")
    orderId: str | None = Field(None, max_length=50, description="医嘱ID（记录在提醒记录中）")


class OrderReminderRequest(VisitReminderRequest):
    items: list[OrderItem] = Field(min_length=1, max_length=100, description="本次所开的检查检验项目")


class VisitReminderAnswer(BaseModel):
    status: Status = Field(description="ok 已查询（可能无提醒）；unavailable 平台或 HIS 暂不可用，本次无提醒（不影响开单）")
    message: str = Field(description="给医生看的一句话")
    reminders: list[ReportSummary] = Field(default_factory=list, description="可互认的外院报告（新的在前）")
    elapsedMs: int = Field(description="本次用时（毫秒）")


class OrderMatch(BaseModel):
    hisItemCode: str = Field(description="HIS 项目代码")
    dataCode: str = Field(description="平台项目代码")
    dataName: str | None = Field(None, description="平台项目名称")
    reports: list[ReportSummary] = Field(default_factory=list, description="该项目可互认的外院报告")


class OrderReminderAnswer(BaseModel):
    status: Status = Field(description="ok 已查询；unavailable 平台或 HIS 暂不可用，本次无提醒（不影响开单）")
    message: str = Field(description="给医生看的一句话")
    matches: list[OrderMatch] = Field(default_factory=list, description="有外院报告的项目")
    unmapped: list[str] = Field(default_factory=list, description="未对照平台项目代码的 HIS 项目（未查询）")
    elapsedMs: int = Field(description="本次用时（毫秒）")


class PageLinkRequest(_In):
    patientId: str = Field(min_length=1, max_length=50, description="HIS 病人ID")
    doctorId: str = Field(min_length=1, max_length=50, description="医生工号")
    visitId: str = Field(min_length=1, max_length=50, description="就诊ID（GHId）")
    type: Literal["lab", "exam"] = Field("lab", description="lab 检验报告 / exam 检查报告")
    mode: Literal["recognize", "view"] = Field("recognize", description="recognize 可互认/不互认 / view 只查看")


class PageLinkAnswer(BaseModel):
    url: str = Field(description="互认页面地址（相对本服务所在主机）")
    expiresIn: int | None = Field(None, description="票据有效秒数（page_auth=none 时为空）")


class Decision(BaseModel):
    """What this visit decided about a report (kept by the service)."""

    decision: Literal["none", "recognised", "not_recognised", "revoked"] = Field(
        "none", description="none 未决定 / recognised 互认 / not_recognised 不互认 / revoked 已撤销不互认")
    decisionName: str = Field("未决定", description="决定的中文名")
    reasonCode: str | None = Field(None, description="不互认原因代码")
    reasonName: str | None = Field(None, description="不互认原因")
    diagName: str | None = Field(None, description="疾病名称（原因 99）")
    decidedAt: datetime | None = Field(None, description="决定时间")
    viewed: bool = Field(False, description="本次就诊是否已调阅")
    quoted: bool = Field(False, description="是否已引用到本次就诊")


class PageReport(BaseModel):
    report: ReportSummary = Field(description="报告摘要（平台提供）")
    state: Decision = Field(description="本次就诊的决定")


class PageReportsAnswer(BaseModel):
    status: Status = Field(description="ok / unavailable")
    message: str = Field(description="给医生看的一句话")
    reports: list[PageReport] = Field(default_factory=list, description="外院报告")


class PageReportDetail(ReportSummary):
    """报告详情（不含患者姓名：页面抬头已显示）。"""

    specimenName: str | None = Field(None, description="标本名称")
    diagName: str | None = Field(None, description="临床诊断")
    findings: str | None = Field(None, description="检查所见/结果描述")
    conclusion: str | None = Field(None, description="结论")
    items: list[ReportItem] = Field(default_factory=list, description="检验结果项目")
    bacteria: list[BacteriaResult] = Field(default_factory=list, description="细菌结果")
    susceptibility: list[SusceptResult] = Field(default_factory=list, description="药敏结果")


class PageDetailAnswer(BaseModel):
    report: PageReportDetail = Field(description="报告详情")
    state: Decision = Field(description="本次就诊的决定")


class RejectRequest(_In):
    reasonCode: str = Field(min_length=2, max_length=2, description="不互认原因代码（01–08、98、99）")
    diagName: str | None = Field(None, max_length=100, description="疾病名称（原因 99 连续性监测需要时必填）")


class DecisionAnswer(BaseModel):
    status: Literal["recorded", "queued"] = Field(
        description="recorded 平台已接收；queued 已保存，平台暂不可用，稍后自动补传")
    message: str = Field(description="给医生看的确认")
    state: Decision = Field(description="本次就诊的决定")


class QuoteAnswer(BaseModel):
    status: Literal["recorded", "queued"] = Field(description="recorded 引用记录平台已接收；queued 稍后自动补传")
    message: str = Field(description="给医生看的确认")
    quoteId: str = Field(description="引用ID（HIS 侧 mutual_quoted_report.quote_id）")
    written: bool = Field(description="本次是否新写入（同一就诊重复引用同一报告时为 false）")
    state: Decision = Field(description="本次就诊的决定")


class ErrorBody(BaseModel):
    code: str = Field(description="unauthorized / forbidden / invalid_input / not_found / conflict / unavailable / …")
    message: str = Field(description="中文说明")


class ErrorAnswer(BaseModel):
    error: ErrorBody
