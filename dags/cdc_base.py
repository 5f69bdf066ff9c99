"""
### 传染病前置监测 · 基础字典（科室、用户）

院内科室（含到前置软件标准科室代码的对照，`include/mappings/cdc_codes.yaml` 的 `dept`）和 HIS 用户（医生、护士等），
每天推送当天新增或修改的；未对照的科室先隔离，补充对照后重新排队。

- **顺序**：先科室，后用户。
- **负责人**：hisbridge 公卫接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="cdc_base", dag_display_name="传染病前置·基础字典", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("cdc_base_dept"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("cdc_frontend"), tags=["hisbridge", "cdc", "dictionary"])
def cdc_base():
    FeedOperator(task_id="base_dept", task_display_name="科室", feed="cdc_base_dept") >> FeedOperator(
        task_id="base_user", task_display_name="用户", feed="cdc_base_user")


cdc_base()
