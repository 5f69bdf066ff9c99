"""
### 运维 · 漏跑窗口检查

每 30 分钟（Asia/Shanghai）核对每个定时接口的数据窗口：台账 `feed_window` 记录了各接口已跑完的窗口，与其 DAG 的
时间表比较，窗口结束超过宽限期（默认 60 分钟）仍未完成即为**漏跑**——无论 Airflow 的补跑（catchup）做了什么，
例如先回填 10:10–10:15 再恢复 DAG，调度器会跳过 00:05–10:05。

- **告警**：每个漏跑的接口一条中文告警（窗口、个数、已做的处理）。
- **补跑**：参数 `fill`（默认是）为真时，经 Airflow REST API（连接 `airflow_api`）为每个 DAG 提交一次回填，
  只含最早一段连续漏跑的窗口；已确认的记录不会重复发送。暂停或连续运行的 DAG 不回填，任务标红并给出处理办法。
- **设置**：Variable `hisbridge_window_gaps`（JSON）：`lookback_days`、`grace_minutes`、`since`、`exclude`（有意暂停的
  接口或 DAG）、`fill`。命令行：`python -m hisbridge.ops.windows gaps`。
- **负责人**：hisbridge 运维组
"""

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, Param, dag

from hisbridge.ops.window_tasks import WindowGapsOperator
from hisbridge.scheduling import OWNER, SHANGHAI, alerting_callbacks, go_live


@dag(dag_id="hisbridge_window_gaps", dag_display_name="运维·漏跑窗口检查", doc_md=__doc__, start_date=go_live(),
     schedule=CronDataIntervalTimetable("*/30 * * * *", timezone=SHANGHAI), catchup=False, max_active_runs=1,
     default_args={**alerting_callbacks(), "owner": OWNER, "retries": 1, "retry_delay": timedelta(minutes=2)}, tags=["hisbridge"],
     params={"fill": Param(True, type="boolean", title="发现漏跑即回填")})
def hisbridge_window_gaps():
    WindowGapsOperator(task_id="check_windows", task_display_name="检查并补跑漏跑窗口")


hisbridge_window_gaps()
