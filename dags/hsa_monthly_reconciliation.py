"""
### 医保 · 月度对账（3201）

每月 1 日 00:00（Asia/Shanghai）后对**上一个自然月**的医保结算按（结算经办机构、险种、清算类别）发送全月对总账
（3201，对账开始日期为 1 日、结束日期为月末），供财务月度结账使用。

- **报表**：`hsa_monthly_reconciliation/<年-月>`：全月各组对账结果、每日 HIS 合计，以及日对账**非平**的日期
  （取自台账中各日 3201 的应答；日对账后 HIS 数据又有变化的记为“HIS 数据已变更”）。
- **重跑**：清除该月任务即可；内容未变的 3201 不会重发。先处理日对账差异并重跑相应日期，再重跑月度对账；
  本任务与月末最后一天的日对账同时启动，那一天若显示“未对账”，待日对账完成后重跑本任务。
- **负责人**：hisbridge 医保接口组（财务科使用）
"""

from airflow.sdk import CronDataIntervalTimetable, dag

from hisbridge.operators import HsaJobOperator
from hisbridge.scheduling import SHANGHAI, go_live, platform_default_args


@dag(dag_id="hsa_monthly_reconciliation", dag_display_name="医保·月度对账", doc_md=__doc__,
     schedule=CronDataIntervalTimetable("0 0 1 * *", timezone=SHANGHAI), start_date=go_live(), catchup=True,
     max_active_runs=1, default_args=platform_default_args("hsa_platform"), tags=["hisbridge", "hsa", "settlement"])
def hsa_monthly_reconciliation():
    HsaJobOperator(task_id="reconcile", task_display_name="月度对账并生成报表",
                   job="hisbridge.platforms.hsa.reconciliation:monthly")


hsa_monthly_reconciliation()
