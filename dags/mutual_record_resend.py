"""
### 检查检验互认 · 补传工作站记录

工作站服务（接诊/开单提醒、互认页面）产生的五类行为记录——提醒记录、不互认记录、调阅/互认记录、引用记录、撤销不互认——
先写入台账库 `call_journal`（发件箱），再实时上传省互认平台。平台慢、不可用或未应答时医生不等待，记录保留在发件箱。
本 DAG 每 10 分钟把**尚未被平台确认**的记录（pending / not_sent / unknown / busy / misconfigured，且已写入 2 分钟以上）
按原样重发。每条记录带自己的 GUID（remindId、mrId、reviewId、quoteId），平台按 GUID 去重，重发安全；撤销时平台已无
该不互认（A0404）视为完成。平台拒收（rejected）的记录不重发，原因见台账 `call_journal.err_msg`。

- **失败**：仍有记录未送达（平台不可用）时任务失败并重试一次；平台拒绝本院认证时失败且不重试（检查连接
  `mutual_recognition`）。记录都保留在发件箱，下次运行再发。
- **查看**：台账库 `call_journal`（platform = `mutual`，direction = `out`；outcome 为各记录的当前结果）。
- **负责人**：hisbridge 互认接口组
"""

from airflow.sdk import CronDataIntervalTimetable, dag

from hisbridge.platforms.mutual.service.operator import RecordResendOperator
from hisbridge.scheduling import SHANGHAI, go_live, platform_default_args


@dag(dag_id="mutual_record_resend", dag_display_name="检查检验互认·补传工作站记录", doc_md=__doc__,
     schedule=CronDataIntervalTimetable("*/10 * * * *", timezone=SHANGHAI), start_date=go_live(), catchup=False,
     max_active_runs=1, default_args={**platform_default_args("mutual_recognition"), "retries": 1},
     tags=["hisbridge", "mutual_recognition"])
def mutual_record_resend():
    RecordResendOperator(task_id="resend", task_display_name="补传未确认的互认行为记录")


mutual_record_resend()
