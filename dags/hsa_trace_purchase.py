"""
### 医保追溯码 · 商品采购（3503 / 3503A）

把采购入库（随货单、供应商、生产批号、有效期、发票）上传医保平台。

- **数据窗口**：每天一个窗口（00:00–24:00，Asia/Shanghai），零点后运行。
- **发送方式**：批量（A 交易，默认）或逐条，由变量 `hsa_delivery_mode` / `hsa_batch_size` 决定。
- **作废/更正**：已上传的记录在 HIS 作废或修改后，先用 3507 删除该批次，再重新上传。
- **重发**：清除（Clear）失败的任务实例或对日期区间回填（Backfill）即可；已确认的记录不会重复发送。
  隔离/拒收的记录：`python -m hisbridge ledger failures --feed hsa_trace_purchase`，修正后 `requeue`。
- **负责人**：hisbridge 医保接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="hsa_trace_purchase", dag_display_name="医保追溯·商品采购(3503)", doc_md=__doc__,
     schedule=feed_timetable("hsa_trace_purchase"), start_date=go_live(), catchup=True, max_active_runs=1,
     default_args=platform_default_args("hsa_platform"), tags=["hisbridge", "hsa", "trace"])
def hsa_trace_purchase():
    FeedOperator(task_id="upload_purchases", task_display_name="上传商品采购", feed="hsa_trace_purchase")


hsa_trace_purchase()
