"""
### 传染病前置监测 · 常规数据（次日）

住院病案首页（`emr_admission_record`）和出院记录（`emr_discharge_info`），每天零点后推送前一天的（Asia/Shanghai）。

- **重发**：清除（Clear）失败的任务或回填日期区间；已确认且未变化的记录不会重复发送。
- **负责人**：hisbridge 公卫接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="cdc_routine_next_day", dag_display_name="传染病前置·常规数据(次日)", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("cdc_emr_admission_record"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("cdc_frontend"), tags=["hisbridge", "cdc"])
def cdc_routine_next_day():
    FeedOperator(task_id="emr_admission_record", task_display_name="住院病案首页", feed="cdc_emr_admission_record")
    FeedOperator(task_id="emr_discharge_info", task_display_name="出院记录", feed="cdc_emr_discharge_info")


cdc_routine_next_day()
