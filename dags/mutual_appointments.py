"""
### 检查检验互认 · 预约信息

每 5 分钟一个窗口（Asia/Shanghai），把门诊号源、检查和检验的预约上传省检查检验结果互认平台（连接
`mutual_recognition`）：新预约、取消、到诊和爽约都按业务流水号重新上传，覆盖平台上的上一状态。

- **未对照项目**：检查/检验预约的项目未在 `include/mappings/mutual_items.yaml` 对照时隔离（原因「代码未对照」）。
- **重发**：清除（Clear）失败的任务或回填日期区间；已确认且未变化的记录不会重复发送。
  隔离/拒收的记录：`python -m hisbridge ledger failures --feed mutual_appointment`，修正后 `requeue`。
- **负责人**：hisbridge 互认接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="mutual_appointments", dag_display_name="检查检验互认·预约信息", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("mutual_appointment"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("mutual_recognition"), tags=["hisbridge", "mutual_recognition"])
def mutual_appointments():
    FeedOperator(task_id="appointment", task_display_name="预约信息", feed="mutual_appointment")


mutual_appointments()
