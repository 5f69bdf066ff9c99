"""
### 运维 · 月度运行报告

每月 1 日 00:00（Asia/Shanghai）后，从投递台账生成**上一个自然月**的运行报告（Excel 与 HTML）：各接口记录与报文、
失败原因、记录恢复时间、接口/平台中断与恢复、各平台可用率（按日）、对外服务（医保网关、互认服务、城市大脑接口）调用量。

- **报表**：`hisbridge_monthly_ops_report/<年-月>.xlsx|.html`，在台账页面“报表”中查看与下载；不含任何患者信息。
- **重跑**：清除该月任务即可，同样的台账数据得到同样的文件；也可在命令行生成任意月份：
  `python -m hisbridge.ops.monthly_report --month 2026-11`（`--url` 指定台账库，`--out` 指定目录）。
- **负责人**：hisbridge 运维组
"""

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, dag

from hisbridge.ops.monthly_operator import MonthlyOpsReportOperator
from hisbridge.scheduling import OWNER, SHANGHAI, alerting_callbacks, go_live


@dag(dag_id="hisbridge_monthly_ops_report", dag_display_name="运维·月度运行报告", doc_md=__doc__,
     schedule=CronDataIntervalTimetable("0 0 1 * *", timezone=SHANGHAI), start_date=go_live(), catchup=True,
     max_active_runs=1, tags=["hisbridge"],
     default_args={**alerting_callbacks(), "owner": OWNER, "retries": 2, "retry_delay": timedelta(minutes=10)})
def hisbridge_monthly_ops_report():
    MonthlyOpsReportOperator(task_id="report", task_display_name="生成月度运行报告")


hisbridge_monthly_ops_report()
