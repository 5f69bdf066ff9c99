"""
### 检查检验互认 · 检查报告

每 5 分钟一个窗口（Asia/Shanghai），把 PACS/超声/病理已审核的检查报告上传省检查检验结果互认平台（连接
`mutual_recognition`），一个检查项目一行：报告审核后几分钟，外院医生即可在平台上看到并互认。

- **修订**：修订的报告（新的检查所见或结论）重新上传，按业务流水号覆盖平台上的旧版本；撤回的报告从平台删除。
- **未对照项目**：检查项目未在 `include/mappings/mutual_items.yaml` 对照的报告隔离（原因「代码未对照」）；
  `python -m hisbridge ledger failures --feed mutual_exam_report` 列出，影像科补充对照后 `requeue`。
- **重发**：清除（Clear）失败的任务或回填日期区间；已确认且未变化的记录不会重复发送。
- **负责人**：hisbridge 互认接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="mutual_exam_reports", dag_display_name="检查检验互认·检查报告", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("mutual_exam_report"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("mutual_recognition"), tags=["hisbridge", "mutual_recognition"])
def mutual_exam_reports():
    FeedOperator(task_id="exam_report", task_display_name="检查报告", feed="mutual_exam_report")


mutual_exam_reports()
