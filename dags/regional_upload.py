"""
### 市区卫平台 · 数据上传（前置库）

每天 0 点后（Asia/Shanghai）把前一天的门急诊就诊、入院、出院、处方、检验报告、检查报告写入市区卫平台的前置库
（连接 `regional_frontdb`），平台的抽取任务从前置库取走并设置上传标志（0 待上传 / 1 已上传 / 2 失败）。
数据集的定义（HIS 表、计数 SQL、前置库表与标志列）见 `include/mappings/regional_datasets.yaml`。

- **写入**：按业务主键 upsert（修改的记录覆盖原行、上传标志重置为待上传）；HIS 作废的记录从前置库删除。
- **重发**：已写入且未变化的记录不会重复写入；缺失与被平台拒收的记录由 DAG `regional_upload_health` 核对并补传。
- **负责人**：hisbridge 区域平台接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.platforms.regional.datasets import dataset_titles
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="regional_upload", dag_display_name="市区卫平台·数据上传(前置库)", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("regional_outpatient_visit"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("regional_platform"), tags=["hisbridge", "regional_platform"])
def regional_upload():
    for name, title in dataset_titles().items():
        FeedOperator(task_id=name, task_display_name=title, feed=f"regional_{name}")


regional_upload()
