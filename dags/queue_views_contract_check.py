"""
### 候诊叫号·视图契约检查
每天 06:30（北京时间，开诊前）检查 `his_db` 中排队叫号视图 `hx_department`/`hx_room`/`hx_doctor`/`hx_queue`
是否符合 `docs/queue_views_contract.md`：列与类型、`hx_queue` 只含当天、`ADD_STATE` 只为 2/0、只读账号只能查视图。
不通过则任务失败（AirflowFailException，不重试），日志逐条列出问题（只有对象名和行数）；连不上库则按重试处理。
只读账号口令取自连接 `his_queue_reader` 或环境变量 `HX_READER_PASSWORD`。修复后运行 `python -m hisbridge queue-views install`，再手动触发本 DAG 复查。负责人：hisbridge 集成组。
"""

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag

from hisbridge.platforms.queue.operator import QueueViewsCheckOperator
from hisbridge.scheduling import alerting_callbacks


@dag(
    dag_id="queue_views_contract_check",
    dag_display_name="候诊叫号·视图契约检查",
    doc_md=__doc__,
    schedule=CronTriggerTimetable("30 6 * * *", timezone="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={**alerting_callbacks(), "owner": "hisbridge", "retries": 1, "retry_delay": timedelta(minutes=5)},
    tags=["hisbridge", "queue"],
)
def queue_views_contract_check():
    QueueViewsCheckOperator(task_id="check_contract", task_display_name="检查候诊叫号视图契约")


queue_views_contract_check()
