"""
### 医保追溯码 · 商品销售退货（3506 / 3506A）

把患者退药（销售退货）记录及退回药品的追溯码上传医保平台，关联原销售流水号。

- **数据窗口**：每 5 分钟一个窗口（Asia/Shanghai），只读本窗口内登记的退药。
- **发送方式**：批量（A 交易，默认）或逐条，由变量 `hsa_delivery_mode` / `hsa_batch_size` 决定。
- **作废/更正**：已上传的记录在 HIS 作废或修改后，先用 3507 删除该批次，再重新上传。
- **重发**：清除（Clear）失败的任务实例或对日期区间回填（Backfill）即可；已确认的记录不会重复发送。
  隔离/拒收的记录：`python -m hisbridge ledger failures --feed hsa_trace_sale_return`，修正后 `requeue`。
- **负责人**：hisbridge 医保接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="hsa_trace_sale_return", dag_display_name="医保追溯·商品销售退货(3506)", doc_md=__doc__,
     schedule=feed_timetable("hsa_trace_sale_return"), start_date=go_live(), catchup=True, max_active_runs=1,
     default_args=platform_default_args("hsa_platform"), tags=["hisbridge", "hsa", "trace"])
def hsa_trace_sale_return():
    FeedOperator(task_id="upload_sale_returns", task_display_name="上传商品销售退货", feed="hsa_trace_sale_return")


hsa_trace_sale_return()
