"""
### 检查检验互认 · 未对照项目清单

每天 07:00（北京时间）生成「互认项目未对照清单」（报表 `mutual_unmapped_items/<日期>`，Excel + 网页，在
`/hisbridge/reports/` 查看）：近 30 天有报告、但未在 `include/mappings/mutual_items.yaml` 对照到省平台项目代码的检验组合、
检验项目和检查项目，按报告数排序，并列出每个项目当前因「代码未对照」被隔离的记录数。只读 HIS 与台账，不访问互认平台。

- **谁用**：检验科（检验组合、检验项目）和影像科（检查项目）每天上班后查看，医务处确认平台项目代码；清单为空即全部对照。
- **如何对照**：在 `mutual_items.yaml` 中按“对照表”列（`lab_data_code` / `lab_item_code` / `exam_data_code`）加一行
  “HIS编码: 平台项目代码”，并补齐同组的名称、互认标志与互认范围表；部署后 `python -m hisbridge ledger requeue --feed
  mutual_lab_report --state quarantined --by <姓名> --reason 已补对照`（`mutual_lab_indicator`、`mutual_exam_report`
  同样），再按其提示清除（Clear）所列窗口，记录即重新上传。已对照但仍隔离的项目列在第二页，同样重新排队。
- **重跑**：清除（Clear）即可，同一天同样的数据生成同样的文件。负责人：hisbridge 互认接口组。
"""

from airflow.sdk import CronDataIntervalTimetable, dag

from hisbridge.platforms.mutual.operators import UnmappedItemsOperator
from hisbridge.scheduling import SHANGHAI, go_live, platform_default_args


@dag(dag_id="mutual_unmapped_items", dag_display_name="检查检验互认·未对照项目清单", doc_md=__doc__,
     schedule=CronDataIntervalTimetable("0 7 * * *", timezone=SHANGHAI), start_date=go_live(), catchup=False,
     max_active_runs=1, default_args={**platform_default_args("his_read"), "retries": 2},
     tags=["hisbridge", "mutual_recognition", "dictionary"])
def mutual_unmapped_items():
    UnmappedItemsOperator(task_id="unmapped_items", task_display_name="生成互认项目未对照清单")


mutual_unmapped_items()
