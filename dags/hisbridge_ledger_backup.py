"""
### 运维 · 台账备份与报文归档
每天 01:30（北京时间）备份投递台账库（连接 `hisbridge_db`），再把超过保留期的报文正文移入归档表。
- **备份**：PostgreSQL 用 `pg_dump --format=custom`（演示用的 SQLite 台账用 SQLite 在线备份），写入 Variable
  `hisbridge_ledger_backup` 的 `dir`（未配置时用环境变量 `HISBRIDGE_BACKUP_DIR`），文件名带时间，旁边是 `.sha256`
  校验文件和 `.json` 清单（版本、各表行数）。保留最近 `keep_daily` 天（默认 14）每天最新一份、最近 `keep_monthly`
  个月（默认 12）每月最新一份，其余删除。任务日志有文件大小和 sha256。
- **归档**：已结束的报文（不含未决、结果未知）中，早于本次运行日期减 Variable `hisbridge_message_archive_days`
  天（默认 180）的请求/应答正文压缩后移入 `message_body_archive`；报文记录保留，台账记录页照常显示正文。
- **命令**：`python -m hisbridge.ops.backup list|verify|restore`，`python -m hisbridge.ops.archive stats`。负责人：hisbridge 运维组。
"""

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, dag

from hisbridge.ops.backup_operators import LedgerBackupOperator, MessageArchiveOperator
from hisbridge.scheduling import OWNER, SHANGHAI, alerting_callbacks, go_live


@dag(dag_id="hisbridge_ledger_backup", dag_display_name="运维·台账备份与报文归档", doc_md=__doc__,
     schedule=CronDataIntervalTimetable("30 1 * * *", timezone=SHANGHAI), start_date=go_live(), catchup=False,
     max_active_runs=1, tags=["hisbridge"],
     default_args={**alerting_callbacks(), "owner": OWNER, "retries": 2, "retry_delay": timedelta(minutes=10)})
def hisbridge_ledger_backup():
    backup = LedgerBackupOperator(task_id="backup", task_display_name="备份台账库")
    archive = MessageArchiveOperator(task_id="archive_bodies", task_display_name="归档超期报文正文")
    backup >> archive


hisbridge_ledger_backup()
