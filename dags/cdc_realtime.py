"""
### 传染病前置监测 · 实时数据（患者、诊疗活动、传染病报告卡）

把 HIS 的患者基本信息、诊疗活动（门急诊、留观、入院、病程、出院）和传染病报告卡实时推送到院内的传染病智能监测预警
前置软件（`emr_patient_info`、`emr_activity_info`、`emr_inf_report`）。

- **调度**：连续运行（`@continuous`）：每次运行的数据窗口从上次运行的结束时刻到本次开始，前后相接、不漏不重。
- **顺序**：先患者，再诊疗活动和报告卡；子表记录的患者未上报时先隔离，患者上报后下次运行自动补发。
- **作废/修改**：HIS 作废的记录按站点配置发送删除（默认）或作废标志；修改过的记录按 `id` 重新推送（覆盖）。
- **发送方式**：变量 `cdc_delivery_target` = `api`（推送接口，连接 `cdc_frontend`）或 `db`（写前置库，连接
  `cdc_frontend_db`）。
- **重发**：隔离/拒收的记录 `python -m hisbridge ledger failures --feed cdc_emr_patient_info`，修正后 `requeue`。
- **负责人**：hisbridge 公卫接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="cdc_realtime", dag_display_name="传染病前置·实时数据", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("cdc_emr_patient_info"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("cdc_frontend"), tags=["hisbridge", "cdc"])
def cdc_realtime():
    patients = FeedOperator(task_id="emr_patient_info", task_display_name="患者基本信息", feed="cdc_emr_patient_info")
    patients >> [FeedOperator(task_id="emr_activity_info", task_display_name="诊疗活动信息", feed="cdc_emr_activity_info"),
                 FeedOperator(task_id="emr_inf_report", task_display_name="传染病报告卡", feed="cdc_emr_inf_report")]


cdc_realtime()
