"""The workstation service's own settings (the platform's are :class:`~hisbridge.platforms.mutual.settings.
MutualSettings`).

From Airflow they come from their own connection, ``mutual_workstation`` (type ``generic``; read by
:func:`~hisbridge.platforms.mutual.service.wiring.workstation_settings`): its **password** is ``ticket_secret``,
its extras any other field below. Not from the extras of ``mutual_recognition``: that connection describes the
platform only, and its hook refuses extras it does not know::

    AIRFLOW_CONN_MUTUAL_WORKSTATION='{"conn_type": "generic", "password": "<random, 32+ characters>",
      "extra": {"page_auth": "ticket", "ticket_ttl_s": 600, "reminder_budget_ms": 800, "lookback_days": 90,
                "page_timeout_s": 3, "quote_conn_id": "mutual_quote_db", "identity_cache_s": 300}}'

Without that connection the defaults apply, and ``page_auth: ticket`` then has no secret: the service refuses to
start and names the connection to create. ``ticket_secret`` is a secret (kept as the connection's password, which
Airflow masks); every worker and every server of the service must share it. ``page_auth: none`` is for sites whose
workstations open the page on a closed intranet without a link from the HIS (as the public analogue does): the
page then trusts its URL parameters.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class WorkstationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    page_auth: Literal["ticket", "none"] = Field(
        "ticket", description="互认页面的鉴权：ticket（HIS 先取带签名票据的链接）或 none（内网直接按 URL 参数打开）")
    ticket_secret: SecretStr | None = Field(None, description="页面票据的签名密钥（各工作进程共用；page_auth=ticket 时必填）")
    ticket_ttl_s: float = Field(600, gt=0, le=86400, description="页面票据有效期（秒）")
    reminder_budget_ms: int = Field(800, ge=50, le=10000, description="接诊/开单提醒的总时限（毫秒），超时答复“暂不可用”")
    lookback_days: int = Field(90, ge=1, le=3650, description="提醒查询回溯天数")
    page_timeout_s: float = Field(3, gt=0, le=60, description="互认页面查询平台（报告列表、详情）的超时（秒）")
    quote_conn_id: str = Field("mutual_quote_db", description="引用检验报告写入的 HIS 侧数据库连接（不存在时用 his_db）")
    identity_cache_s: float = Field(300, ge=0, le=3600, description="病人证件信息在进程内缓存的秒数（0 不缓存）")

    @model_validator(mode="after")
    def _secret_when_ticketed(self) -> WorkstationSettings:
        if self.page_auth == "ticket":
            secret = self.ticket_secret.get_secret_value() if self.ticket_secret else ""
            if len(secret) < 16:
                raise ValueError("page_auth=ticket needs ticket_secret (at least 16 characters)")
        return self

    @property
    def budget_s(self) -> float:
        return self.reminder_budget_ms / 1000

    @property
    def secret(self) -> str:
        return self.ticket_secret.get_secret_value() if self.ticket_secret else ""
