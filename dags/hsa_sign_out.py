"""
### 医保 · 日终签退（9002）

各任务共用每个操作员每天一次的医保签到（9001，签到编号保存在台账库 `platform_session` 表，平台提示签到失效时
由首先发现的任务重新签到并替换）。本 DAG 每天 23:55（Asia/Shanghai）对**当天及更早日期**仍未签退的签到逐个发送
9002，并在台账中标记为已关闭。

- **日期**：取数据窗口结束时刻（北京时间）所在日期；回填某日只处理该日及更早仍未签退的签到。
- **23:55 之后的调用**：任务会重新签到一次，由次日的运行签退；平台若已使其失效（拒绝 9002），记录原因并标记关闭。
- **新一天的首次签到不签退前一天遗留的签到**：业务任务不因签退而等待或失败，遗留的由本 DAG 下次运行补签退。
- **失败**：网络/网关错误按重试处理，未签退的签到保持打开，重试时再签退。
- **负责人**：hisbridge 医保接口组
"""

from airflow.sdk import dag

from hisbridge.operators import HsaSignOutOperator
from hisbridge.scheduling import day_end, go_live, platform_default_args


@dag(dag_id="hsa_sign_out", dag_display_name="医保·日终签退(9002)", doc_md=__doc__, schedule=day_end(),
     start_date=go_live(), catchup=True, max_active_runs=1, default_args=platform_default_args("hsa_platform"),
     tags=["hisbridge", "hsa"])
def hsa_sign_out():
    HsaSignOutOperator(task_id="sign_out", task_display_name="签退当天及更早的医保签到")


hsa_sign_out()
