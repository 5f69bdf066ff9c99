"""
### 城市大脑 · 医院数据推送通知

每 2 分钟一个窗口（Asia/Shanghai），把门急诊就诊的每一步推送城市大脑（连接 `city_brain`）：挂号 → 退号 → 签到 →
开单（处方、检验检查申请）→ 报告已出 → 收费 → 退费（住院的报告、结算与结算撤销也推送）。先诊疗后付费的患者据此在
城市大脑 App 收到每一步的提醒。

- **顺序**：同一就诊的事件按发生时间先后送达。七类事件各为一个 feed，窗口内按就诊流程顺序执行；若同一就诊的两个
  事件在窗口内先后与流程顺序相反（如自费患者签到前几秒交了诊察费），窗口自动切段、逐段推送。门急诊事件须待该就诊的
  挂号事件送达后才推送（挂号未送达时先隔离，下一窗口自动补发）。
- **重发**：城市大脑按 eventId（`<事件类型>:<HIS 业务键>`）去重，结果未知的事件下次运行原样重发（每次重新签名、
  新随机串）。事件是事实：HIS 事后的变化是新的事件（退号、退费），不更正已推送的事件。
- **上线**：上线前已预约、上线后就诊的挂号，其挂号事件在上线前产生：回填本 DAG 覆盖预约期（如上线前 7 天）。
- **失败清单**：`python -m hisbridge ledger failures --feed city_brain_push_checked_in`（隔离原因、拒收原因）。
- **负责人**：hisbridge 城市大脑接口组
"""

from airflow.sdk import dag

from hisbridge.platforms.city_brain.operators import CityBrainPushOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args


@dag(dag_id="city_brain_push", dag_display_name="城市大脑·医院数据推送通知", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("city_brain_push_registered"), catchup=True, max_active_runs=1,
     default_args=platform_default_args("city_brain"), tags=["hisbridge", "city_brain"])
def city_brain_push():
    CityBrainPushOperator(task_id="push", task_display_name="推送（挂号→退号→签到→开单→报告→收费→退费）")


city_brain_push()
