"""
### 传染病前置监测 · 常规数据（当日，T+0）

门（急）诊病历、留观、入院记录、首次/日常病程、检查与检验报告（含项目、微生物与药敏）、医嘱处方、生命体征、死亡信息，
每小时一个窗口（Asia/Shanghai）推送到传染病智能监测预警前置软件。

- **顺序**：每对主表/项目跑三步：项目（先删除作废报告的项目——前置软件不允许删除仍有项目的报告）→ 主表 → 项目
  （主表刚上报的项目此时补发）；患者由实时 DAG 上报，未上报的先隔离、上报后自动补发。
- **作废/修改**：作废的报告连同其项目按站点配置删除或标记作废；修改的记录按 `id` 覆盖。
- **重发**：清除（Clear）失败的任务或回填日期区间；已确认且未变化的记录不会重复发送。
- **负责人**：hisbridge 公卫接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args

NOTES = {"emr_outpatient_record": "门急诊病历", "emr_outpatient_obs": "急诊留观记录", "emr_admission_info": "入院记录",
         "emr_first_course": "首次病程记录", "emr_daily_course": "日常病程记录", "emr_vital_signs_record": "生命体征",
         "emr_death_info": "死亡信息"}
REPORTS = {"emr_ex_clinical": ("检查报告", "检查报告项目"), "emr_ex_lab": ("检验报告", "检验报告项目"),
           "emr_order": ("医嘱处方", "医嘱处方条目")}


@dag(dag_id="cdc_routine_same_day", dag_display_name="传染病前置·常规数据(当日)", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("cdc_emr_ex_lab"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("cdc_frontend"), tags=["hisbridge", "cdc"])
def cdc_routine_same_day():
    for table, title in NOTES.items():
        FeedOperator(task_id=table, task_display_name=title, feed=f"cdc_{table}")
    for table, (head, items) in REPORTS.items():  # items, header, items: see the docstring
        feed = f"cdc_{table}_item"
        (FeedOperator(task_id=f"{table}_item_voids", task_display_name=f"{items}(先删作废)", feed=feed)
         >> FeedOperator(task_id=table, task_display_name=head, feed=f"cdc_{table}")
         >> FeedOperator(task_id=f"{table}_item", task_display_name=items, feed=feed))


cdc_routine_same_day()
