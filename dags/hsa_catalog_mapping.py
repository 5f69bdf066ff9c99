"""
### 医保 · 目录对照（3301 上传 / 3302 撤销）

把 HIS 医保目录对照（`catalog_map`：药品、诊疗项目、耗材与国家医保编码的对照）当天的新增、修改、撤销报送医保平台。

- **数据窗口**：每天一个窗口（00:00–24:00，Asia/Shanghai），零点后运行。
- **上传/撤销**：新增或修改用 3301；HIS 中撤销（withdrawn）的用 3302。更换国家编码 = 撤销旧对照 + 新增对照：先 3302 后 3301。
- **未对照项目报告**（只读 HIS，上传失败也生成）：无国家医保编码的在用药品、项目、耗材，按近 30 天使用金额排序
  （报表 `hsa_catalog_unmapped/<日期>`）；这些药品的追溯码记录以“药品无国家医保目录编码”隔离，直到完成对照。
- **重发**：清除（Clear）或回填（Backfill），已确认的不重发；隔离/拒收：`python -m hisbridge ledger failures --feed
  hsa_catalog_mapping`，修正后 `requeue`。负责人：hisbridge 医保接口组。
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator, HsaJobOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="hsa_catalog_mapping", dag_display_name="医保·目录对照(3301/3302)", doc_md=__doc__,
     schedule=feed_timetable("hsa_catalog_mapping"), start_date=go_live(), catchup=True, max_active_runs=1,
     default_args=platform_default_args("hsa_platform"), tags=["hisbridge", "hsa", "dictionary"])
def hsa_catalog_mapping():
    upload = FeedOperator(task_id="upload_catalog_mapping", task_display_name="上传目录对照(3301/3302)",
                          feed="hsa_catalog_mapping")
    upload >> HsaJobOperator(task_id="unmapped_report", task_display_name="未对照项目报告", trigger_rule="all_done",
                             job="hisbridge.platforms.hsa.catalog_report:unmapped_report")


hsa_catalog_mapping()
