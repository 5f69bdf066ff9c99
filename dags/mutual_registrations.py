"""
### 检查检验互认 · 挂号信息

每 5 分钟一个窗口（Asia/Shanghai），把门急诊挂号上传省检查检验结果互认平台（连接 `mutual_recognition`）。挂号ID
（GHId）是互认提醒、调阅、不互认和引用记录关联就诊的依据，所以挂号一发生就上传；退号/退费按业务流水号重新上传
（挂号状态「已退号」及退号时间），覆盖平台上的原挂号。

- **重发**：清除（Clear）失败的任务或回填日期区间；已确认且未变化的记录不会重复发送。
  隔离/拒收的记录：`python -m hisbridge ledger failures --feed mutual_registration`，修正后 `requeue`。
- **负责人**：hisbridge 互认接口组
"""

from airflow.sdk import dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="mutual_registrations", dag_display_name="检查检验互认·挂号信息", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("mutual_registration"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("mutual_recognition"), tags=["hisbridge", "mutual_recognition"])
def mutual_registrations():
    FeedOperator(task_id="registration", task_display_name="挂号信息", feed="mutual_registration")


mutual_registrations()
