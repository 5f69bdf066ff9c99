"""
### 检查检验互认 · 检验报告

每 5 分钟一个窗口（Asia/Shanghai），把 LIS 已审核的检验报告连同结果指标、微生物细菌结果和药敏结果上传省检查检验结果
互认平台（连接 `mutual_recognition`）：报告审核后几分钟，外院医生即可在平台上看到并互认。

- **顺序**：报告 → 指标 → 细菌 → 药敏（平台拒收所属报告尚未上传的子数据，这些子数据先隔离、报告上传后同一次运行补发）。
  撤回的报告倒过来：平台不允许删除仍有子数据的报告，所以每次运行先跑一遍三张子表（删除撤回报告的子数据），再跑报告
  （删除报告），最后按 指标 → 细菌 → 药敏 补发。
- **修订**：修订的报告（第 2 版…）重新上传，按业务流水号覆盖平台上的旧版本。
- **未对照项目**：检验组合未在 `include/mappings/mutual_items.yaml` 对照的报告隔离（原因「代码未对照」）；
  `python -m hisbridge ledger failures --feed mutual_lab_report` 列出，检验科补充对照后 `requeue`。
- **重发**：清除（Clear）失败的任务或回填日期区间；已确认且未变化的记录不会重复发送。
- **负责人**：hisbridge 互认接口组
"""

from airflow.sdk import chain, dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args

#: the report's children in upload order; a withdrawal deletes them in the opposite order, before the report
CHILDREN = {"mutual_lab_indicator": "结果指标", "mutual_microbe_bacteria": "细菌结果", "mutual_microbe_suscept": "药敏结果"}


@dag(dag_id="mutual_lab_reports", dag_display_name="检查检验互认·检验报告", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("mutual_lab_report"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("mutual_recognition"), tags=["hisbridge", "mutual_recognition"])
def mutual_lab_reports():
    chain(*[FeedOperator(task_id=f"{f[7:]}_voids", task_display_name=f"{t}(先删撤回)", feed=f)
            for f, t in reversed(CHILDREN.items())],
          FeedOperator(task_id="lab_report", task_display_name="检验报告", feed="mutual_lab_report"),
          *[FeedOperator(task_id=f[7:], task_display_name=t, feed=f) for f, t in CHILDREN.items()])


mutual_lab_reports()
