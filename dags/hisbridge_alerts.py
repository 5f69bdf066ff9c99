"""
### 运维 · 告警检查

每 5 分钟（北京时间）检查一遍，有问题就告警（企业微信/钉钉机器人与邮件，连接 `hisbridge_alert_webhook`、
`hisbridge_alert_smtp`），问题消失时发恢复通知：

- **连接中断**：HIS（`his_db`）、台账库（`hisbridge_db`）执行 `SELECT 1` 失败；
- **接口超时未送达**：某接口最近完成的窗口落后超过时效（`include/mappings/feed_sla.yaml`）；
- **积压**：某接口当前隔离 / 平台拒收 / 结果未知的记录数达到阈值（`include/mappings/alerts.yaml`）；
- **医保签到失败**：当天 9001 签到失败且之后没有成功的签到。

同一问题只告警一次（台账表 `alert_incident`），未恢复时按 `renotify_after`（默认 4 小时）再提醒；任务失败的告警由各
DAG 的 `on_failure_callback` 发出，这里只负责提醒。每条告警写明出了什么问题、从何时开始（北京时间）、怎么处理。
发送记录：台账表 `alert_notification`。负责人：hisbridge 运维组。
"""

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag

from hisbridge.ops.alerts.notifier import task_failure_notifier
from hisbridge.ops.alerts.operator import AlertCheckOperator
from hisbridge.scheduling import OWNER, SHANGHAI, go_live


@dag(dag_id="hisbridge_alerts", dag_display_name="运维·告警检查", doc_md=__doc__, start_date=go_live(),
     schedule=CronTriggerTimetable("*/5 * * * *", timezone=SHANGHAI), catchup=False, max_active_runs=1,
     default_args={"owner": OWNER, "retries": 1, "retry_delay": timedelta(minutes=1),
                   "on_failure_callback": [task_failure_notifier()]}, tags=["hisbridge"])
def hisbridge_alerts():
    AlertCheckOperator(task_id="check", task_display_name="检查并告警")


hisbridge_alerts()
