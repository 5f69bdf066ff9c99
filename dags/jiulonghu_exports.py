"""
### 九龙湖 · 业务数据导出

每天 00:00（北京时间）后为前一天生成两份文件（CSV + Excel + `manifest.json`），写入 Variable `jiulonghu_exports`
的 `dir`：`<dir>/<导出>/<yyyy-mm-dd>/`。

- **门诊挂号信息**（`outpatient_registrations`）：当天 00:00–24:00 办理的全部挂号（按挂号时间；预约挂号算预约当天），
  含退号（状态“退号”及退号时间）。
- **在院患者信息**（`inpatients`）：当天 `inpatient_snapshot_hour` 点（默认 8 点）在院的患者：入院时间不晚于该时刻、
  且该时刻尚未出院。
- **文件**：CSV 为带 BOM 的 UTF-8（Excel 直接打开中文不乱码，供程序导入）；人工查看请打开 .xlsx（患者ID 等保留前导零）。
  `manifest.json` 记录行数、各文件 sha256 与大小、生成时间、SQL 文件与数据来源连接。
- **重跑/补数**：清除（Clear）或回填某天即按该天重新生成，整目录原子替换（读取方不会看到半套文件）；HIS 数据未变时
  CSV/Excel 与原文件逐字节相同。
- **配置**：Variable `jiulonghu_exports`（JSON：`dir` 必填，`inpatient_snapshot_hour`、`timezone`、`his_conn_id`
  可选）；未配置时任务失败并提示。任务日志只有行数、路径与校验和，不含患者信息。负责人：hisbridge 九龙湖接口组。
"""

from airflow.sdk import dag

from hisbridge.platforms.jiulonghu.export_operator import JiulonghuExportOperator
from hisbridge.scheduling import go_live, nightly, platform_default_args

EXPORTS = {"outpatient_registrations": "门诊挂号信息", "inpatients": "在院患者信息"}


@dag(dag_id="jiulonghu_exports", dag_display_name="九龙湖·业务数据导出", doc_md=__doc__, start_date=go_live(),
     schedule=nightly(), catchup=True, max_active_runs=1,
     default_args={**platform_default_args("his_read"), "retries": 2}, tags=["hisbridge", "jiulonghu"])
def jiulonghu_exports():
    for name, title in EXPORTS.items():
        JiulonghuExportOperator(task_id=name, task_display_name=title, export=name)


jiulonghu_exports()
