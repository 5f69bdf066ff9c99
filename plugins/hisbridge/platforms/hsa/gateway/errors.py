"""The one shape every gateway error has, and what each code means for the HIS."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ErrorCode = Literal[
    "unauthorized",  # 401: no token, or not a live one
    "unknown_transaction",  # 404: the infno is not in the catalogue
    "invalid_input",  # 422: the business input breaks the catalogue's declaration; nothing was sent
    "platform_refused",  # 409: the platform answered infcode ≠ 0; its own words are in ``platform.err_msg``
    "platform_busy",  # 503: the platform said it is busy / timed out on its side: nothing happened, try later
    "reversed_retry",  # 503: the answer was lost, the call was reversed with 2601: send it again
    "not_sent",  # 503: the platform could not be reached; nothing happened there: send it again
    "outcome_unknown",  # 504: the answer was lost and could not be reversed: do not resend, check first
    "gateway_refused",  # 502: the platform's gateway refused our credentials: a configuration problem
]

STATUS: dict[str, int] = {
    "unauthorized": 401, "unknown_transaction": 404, "invalid_input": 422, "platform_refused": 409, "platform_busy": 503,
    "reversed_retry": 503, "not_sent": 503, "outcome_unknown": 504, "gateway_refused": 502,
}


class FieldProblem(BaseModel):
    field: str = Field(description="出错字段（节点.字段，列表行号从 0 起）")
    reason: str = Field(description="原因")


class PlatformWords(BaseModel):
    infcode: int | None = Field(None, description="医保平台交易状态码")
    err_msg: str | None = Field(None, description="医保平台原文错误信息")
    meaning: str = Field("refused", description="含义：refused 业务拒绝 | not_found 未查询到 | try_later 平台繁忙，稍后再试"
                                                 " | duplicate 重复办理 | sign_in_expired 签到失效")


class ErrorBody(BaseModel):
    code: ErrorCode = Field(description="错误类别")
    message: str = Field(description="说明（中文）")
    fields: list[FieldProblem] = Field(default_factory=list, description="字段级原因（invalid_input）")
    platform: PlatformWords | None = Field(None, description="医保平台的原话（platform_refused）")
    msgid: str | None = Field(None, description="发送方报文ID（已发出时）")
    reversal_msgid: str | None = Field(None, description="冲正（2601）报文ID")


class ErrorAnswer(BaseModel):
    error: ErrorBody


class GatewayError(Exception):
    """Raised by the service, rendered by the app as :class:`ErrorAnswer` with the code's HTTP status."""

    def __init__(self, body: ErrorBody) -> None:
        super().__init__(f"{body.code}: {body.message}")
        self.body = body

    @property
    def status(self) -> int:
        return STATUS[self.body.code]
