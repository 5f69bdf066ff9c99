"""A morning's alert incidents planted in a ledger through the real alerter (incident store, dedup, reminder,
recovery) — shared by the CLI tests and the browser test of the alert page.

The channels are two fakes behind the alerter's sender seam: the robot takes every message, the mail server
refuses every one (so each notice leaves one ``sent`` and one ``failed`` row with the channel's words). The times
are those of the health page's planted morning (``tests/integration/ops/test_feed_health.py``: now = 10:02
Asia/Shanghai on 2026-11-24), so both pages can be read together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hisbridge.ops.alerts.channels import DeliveryFailed
from hisbridge.ops.alerts.config import AlertsConfig
from hisbridge.ops.alerts.dispatch import Alerter
from hisbridge.ops.alerts.message import Alert, Notice
from hisbridge.ops.alerts.state import IncidentStore

SH = ZoneInfo("Asia/Shanghai")
MAIL_REFUSAL = "e-mail not sent: SMTPRecipientsRefused: ops@hospital.local"

# the channels under the names of the deployed include/mappings/alerts.yaml (the CLI reads that file for their types)
CONFIG = AlertsConfig.model_validate({
    "renotify_after": "2h",
    "channels": {"ops_robot": {"type": "webhook", "conn_id": "hisbridge_alert_webhook"},
                 "ops_mail": {"type": "email", "conn_id": "hisbridge_alert_smtp"}},
    "routes": {"default": ["ops_robot", "ops_mail"]}})  # fmt: skip


def sh(day: int, hour: int, minute: int) -> datetime:
    """A moment of November 2026 in Asia/Shanghai, as UTC (the ledger's clock)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH).astimezone(UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class Robot:
    def __init__(self, told: list[Notice]) -> None:
        self.told = told

    def send(self, notice: Notice) -> None:
        self.told.append(notice)


class RefusingMail:
    def send(self, notice: Notice) -> None:
        raise DeliveryFailed(MAIL_REFUSAL)


@dataclass
class Planted:
    """The incident ids by what they are."""

    backlog: int  # open since 06:05, told 06:10, reminded 08:15: backlog:quarantined:mutual_lab_indicator
    task: int  # open since 07:30: task:cdc_routine_same_day.emr_ex_lab
    connection: int  # 08:00, recovered 08:20: connection:his_db
    sla: int  # open since 09:00, told 09:05: sla:cdc_emr_ex_lab
    old: int  # recovered three days ago: task:hsa_trace_sale.upload_sales
    told: list[Notice]


def plant_incidents(store: IncidentStore) -> Planted:
    """Raise, remind and resolve incidents as the checks and the notifiers would during the morning."""
    clock = Clock(sh(21, 9, 0))
    store.clock = clock
    told: list[Notice] = []
    alerter = Alerter(store, CONFIG, senders=lambda name, ch: Robot(told) if ch.type == "webhook" else RefusingMail(),
                      clock=clock)  # fmt: skip

    def fire(kind: str, key: str, subject: str, detail: str, fix: str, since: datetime) -> int:
        alerter.fire(Alert.create(kind=kind, key=key, subject=subject, detail=detail, fix=fix, since=since))
        incident = store.open_incident(key)
        assert incident is not None
        return incident.id

    old = fire("task_failure", "task:hsa_trace_sale.upload_sales", "医保追溯·商品销售(3505) · 上传商品销售 失败",
               "窗口 2026-11-21 08:55 – 09:00（北京时间），第 5 次尝试后仍失败：NotSent: connect timeout",
               "看日志找原因并排除后重跑该窗口：airflow tasks clear hsa_trace_sale -t '^upload_sales$' "
               "-s 2026-11-21T00:55:00+00:00 -e 2026-11-21T00:55:00+00:00 -y", sh(21, 9, 0))
    clock.at = sh(21, 9, 40)
    alerter.clear("task:hsa_trace_sale.upload_sales", "hsa_trace_sale/scheduled__2026-11-21T01:35:00+00:00")

    clock.at = sh(24, 6, 10)
    backlog = fire("backlog", "backlog:quarantined:mutual_lab_indicator",
                   "接口 mutual_lab_indicator 有 2 条记录隔离（阈值 1）",
                   "2 条隔离，最早一条自 2026-11-24 06:05（北京时间）。主要原因：结果值（result）：不能为空 ×2",
                   "在 HIS 更正源数据（下一窗口自动重发），或核实后重新排队：python -m hisbridge ledger requeue "
                   "--feed mutual_lab_indicator --state quarantined --by <姓名> --reason <原因>", sh(24, 6, 5))
    clock.at = sh(24, 7, 30)
    task = fire("task_failure", "task:cdc_routine_same_day.emr_ex_lab", "传染病前置·常规数据(当日) · 检验报告 失败",
                "窗口 2026-11-24 06:00 – 07:00（北京时间），第 5 次尝试后仍失败：NotSent: ConnectError",
                "看日志找原因并排除后重跑该窗口：airflow tasks clear cdc_routine_same_day -t '^emr_ex_lab$' "
                "-s 2026-11-23T22:00:00+00:00 -e 2026-11-23T22:00:00+00:00 -y", sh(24, 7, 30))
    clock.at = sh(24, 8, 0)
    connection = fire("connection", "connection:his_db", "数据库连接 his_db 不可用",
                      "连接 his_db 执行 SELECT 1 失败：OperationalError: ORA-12541: TNS:no listener",
                      "检查数据库服务与网络；在 Airflow 界面 Admin → Connections → his_db 点 Test 验证", sh(24, 8, 0))
    clock.at = sh(24, 8, 15)  # the 5-minute check, two hours after the backlog was told: a reminder
    alerter.fire(Alert.create(kind="backlog", key="backlog:quarantined:mutual_lab_indicator",
                              subject="接口 mutual_lab_indicator 有 2 条记录隔离（阈值 1）",
                              detail="2 条隔离，最早一条自 2026-11-24 06:05（北京时间）。主要原因：结果值（result）：不能为空 ×2",
                              fix=store.incident(backlog).fix or "", since=sh(24, 6, 5)))  # fmt: skip
    clock.at = sh(24, 8, 20)
    alerter.clear("connection:his_db", "hisbridge_alerts")
    clock.at = sh(24, 9, 5)  # the check after the SLA ran out at 09:00
    sla = fire("feed_sla", "sla:cdc_emr_ex_lab", "接口 cdc_emr_ex_lab 超过时效 3 小时",
               "最近送达的窗口截至 2026-11-24 06:00（北京时间），超过时效要求 3 小时（DAG cdc_routine_same_day）",
               "查看 DAG cdc_routine_same_day 是否暂停或失败并排除故障；列出漏跑窗口："
               "python -m hisbridge.ops.windows gaps --feed cdc_emr_ex_lab", sh(24, 9, 0))
    return Planted(backlog=backlog, sla=sla, task=task, connection=connection, old=old, told=told)
