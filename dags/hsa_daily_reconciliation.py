"""
### 医保 · 日对账（3201 对总账 / 3202 对明细账）

每天 00:00（Asia/Shanghai）后对**前一天**（数据窗口 00:00–24:00，按结算时间）的医保结算对账：

- **对总账（3201）**：按（结算经办机构、险种、清算类别）分组，发送 HIS 的医疗费总额、基金支付、个人账户支付和
  结算笔数；本院经办机构（360100）的常用险种/清算类别即使当天无结算也对账（见 `include/mappings/hsa_reconciliation.yaml`）。
- **对明细账（3202）**：有不平的组时，按（经办机构、清算类别）生成逐笔明细文件，9101 上传、3202 比对、9102 下载结果，
  逐笔列出“仅 HIS 有 / 仅平台有 / 金额或信息不一致”及处理建议。
- **报表**：`hsa_daily_reconciliation/<日期>`（Excel 与网页，台账页面“报表”中查看）。
- **重跑**：清除该日任务即可重跑；已应答的报文（内容相同）不会重发，HIS 数据有变化的组重新发送；
  平台拒绝的组按报表中的原因修正后重跑。平台不可达时任务失败并自动重试。
- **负责人**：hisbridge 医保接口组（医保办处理差异）
"""

from airflow.sdk import dag

from hisbridge.operators import HsaJobOperator
from hisbridge.scheduling import go_live, nightly, platform_default_args


@dag(dag_id="hsa_daily_reconciliation", dag_display_name="医保·日对账(3201/3202)", doc_md=__doc__,
     schedule=nightly(), start_date=go_live(), catchup=True, max_active_runs=1,
     default_args=platform_default_args("hsa_platform"), tags=["hisbridge", "hsa", "settlement"])
def hsa_daily_reconciliation():
    HsaJobOperator(task_id="reconcile", task_display_name="对账并生成日对账报表",
                   job="hisbridge.platforms.hsa.reconciliation:daily")


hsa_daily_reconciliation()
