"""
### 九龙湖·字典同步
每天 02:30（北京时间）及手动触发：把主院区 HIS（`his_db`）的科室、工作人员、医生、护士、药师、药品、收费项目七个字典
同步到九龙湖院区 HIS（`jiulonghu_his`），每个字典一个任务，科室先于人员。每行带主院区代码与医保贯标代码。
- **只写变化的行**：按内容哈希与台账中上次同步的状态比较；新增、更新、停用（主院区停用或删除 → 院区停用标志，不删除）。
- **冲突**：院区侧自上次同步后改过的行不覆盖，两个版本记入台账 `dict_sync_conflict`，任务不失败；处理：
  `python -m hisbridge jiulonghu conflicts` / `resolve ID --keep main|campus`。
- **隔离**：院区代码未对照（`include/mappings/jiulonghu_codes.yaml`）的行隔离并写明原因，其余照常同步。
- **试运行**：触发时参数 `dry_run=true`，只在日志中列出差异（条数、前若干个变更的主键与列名），不写任何库。
- **负责人**：hisbridge 集成组
"""

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag

from hisbridge.platforms.jiulonghu.catalogue import DICTIONARIES
from hisbridge.platforms.jiulonghu.operators import DictionarySyncOperator
from hisbridge.scheduling import OWNER, SHANGHAI, alerting_callbacks


@dag(dag_id="jiulonghu_dictionary_sync", dag_display_name="九龙湖·字典同步", doc_md=__doc__,
     schedule=CronTriggerTimetable("30 2 * * *", timezone=SHANGHAI), catchup=False, max_active_runs=1,
     params={"dry_run": Param(False, type="boolean", description="只列出差异，不写入")},
     default_args={**alerting_callbacks(), "owner": OWNER, "retries": 2, "retry_delay": timedelta(minutes=5), "pool": "jiulonghu_his"},
     tags=["hisbridge", "jiulonghu", "dictionary"])
def jiulonghu_dictionary_sync():
    tasks = {d.name: DictionarySyncOperator(task_id=f"sync_{d.name}", task_display_name=f"同步{d.title}字典",
                                            dictionary=d.name, dry_run="{{ params.dry_run }}")
             for d in DICTIONARIES}
    for d in DICTIONARIES:
        for parent in d.parents:
            tasks[parent] >> tasks[d.name]


jiulonghu_dictionary_sync()
