"""
### 数据质量 · 每日检查
每天 00:00（北京时间）后，按各接口 `include/mappings/<feed>.yaml` 中的 `checks`，用 Great Expectations 检查前一天
（00:00–24:00）从 HIS 抽取的全部记录：国家医保目录编码、追溯码个数与格式等。每个接口一个任务，互不影响。
- **结果**：`$HISBRIDGE_QUALITY_DIR`（默认 `$AIRFLOW_HOME/hisbridge-quality`）下 `<feed>/results/<日期>.json`，
  Data Docs 报告在 `<feed>/gx/uncommitted/data_docs/local_site/index.html`，供运维与审计查阅。
- **不合格不算失败**：发现问题只记录条数和业务主键，任务仍成功；只有检查本身无法运行时任务才失败。
- **重查**：清除（Clear）某天的任务实例即可，新结果覆盖该日旧结果。负责人：hisbridge 集成组。
"""

from datetime import timedelta

from airflow.sdk import dag

from hisbridge.quality_operator import DataQualityOperator, feed_titles
from hisbridge.scheduling import OWNER, alerting_callbacks, go_live, nightly


@dag(dag_id="hisbridge_data_quality", dag_display_name="数据质量·每日检查", doc_md=__doc__, schedule=nightly(),
     start_date=go_live(), catchup=True, max_active_runs=1, tags=["hisbridge", "quality"],
     default_args={**alerting_callbacks(), "owner": OWNER, "retries": 1, "retry_delay": timedelta(minutes=10), "pool": "his_read"})
def hisbridge_data_quality():
    for feed, title in feed_titles().items():
        DataQualityOperator(task_id=f"quality_{feed}", task_display_name=f"数据质量·{title}", feed=feed)


hisbridge_data_quality()
