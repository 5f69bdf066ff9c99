"""
### 医保 · 结算清单上传（4101A）

每天 0 点后处理前一天（Asia/Shanghai）：出院时间在**上传时限**（默认 30 天，各统筹区规定，见
`include/mappings/hsa_settlement_list.yaml` 的 `deadline_days`）内、平台尚无的住院医保结算，按病案首页生成结算
清单并上传（4101A）；已上传的用 4103 核对；已上传清单的结算在 HIS 撤销后发送一次 4102 修改状态。

- **报表**：`hsa_settlement_list/<日期>`：已上传、数据问题未上传（原因）、平台拒绝（平台原话）、超期未上传、4102。
- **重发**：数据问题在 HIS 修改后，下次运行自动上传，直至截止日期；平台拒绝的内容未改不会重发；重跑某日不会重复发送。
- **失败**：平台不可用时写完报表后任务失败并按退避重试。
- **负责人**：hisbridge 医保接口组（病案统计科维护病案首页数据）
"""

from airflow.sdk import dag

from hisbridge.operators import HsaJobOperator
from hisbridge.scheduling import go_live, nightly, platform_default_args


@dag(dag_id="hsa_settlement_list_upload", dag_display_name="医保·结算清单上传(4101A)", doc_md=__doc__,
     schedule=nightly(), start_date=go_live(), catchup=True, max_active_runs=1,
     default_args=platform_default_args("hsa_platform"), tags=["hisbridge", "hsa", "settlement"])
def hsa_settlement_list_upload():
    HsaJobOperator(task_id="upload", task_display_name="上传医保结算清单并核对",
                   job="hisbridge.platforms.hsa.settlement_list:upload")


hsa_settlement_list_upload()
