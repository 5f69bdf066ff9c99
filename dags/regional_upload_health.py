"""
### 市区卫平台 · 上传健康检查

每天 6 点（Asia/Shanghai）核对前一天及之前 N 天（Variable `regional_health_lookback_days`，默认 3）各数据集的
**HIS 条数 / 已写入前置库 / 平台已取走（已上传）/ 平台拒收（失败）/ 待上传**，结果存入台账库
`regional_upload_health`，在台账页面“市区卫平台上传健康检查”按日显示（有缺口标红）。

- **缺口**（HIS 有、前置库没有）：告警（中文，注明数据集、日期、缺失条数），并通过同一接口补传缺失的记录；
  已写入且未变化的记录不会重复写入。
- **平台拒收**：按平台原因列出，台账登记为“平台拒收”；更正数据或在台账页面重新排队后，下次检查补传（不会每天盲目重发）。
- **按需运行**：手动触发，可在 conf 中指定 `{"day": "2026-11-24", "lookback_days": 7}`。
- **负责人**：hisbridge 区域平台接口组
"""

from airflow.sdk import CronDataIntervalTimetable, dag

from hisbridge.platforms.regional.datasets import dataset_titles
from hisbridge.platforms.regional.operators import RegionalHealthOperator
from hisbridge.scheduling import SHANGHAI, go_live, platform_default_args


@dag(dag_id="regional_upload_health", dag_display_name="市区卫平台·上传健康检查", doc_md=__doc__, start_date=go_live(),
     schedule=CronDataIntervalTimetable("0 6 * * *", timezone=SHANGHAI), catchup=False, max_active_runs=1,
     default_args={**platform_default_args("regional_platform"), "retries": 2}, tags=["hisbridge", "regional_platform"])
def regional_upload_health():
    for name, title in dataset_titles().items():
        RegionalHealthOperator(task_id=name, task_display_name=f"核对·{title}", dataset=name)


regional_upload_health()
