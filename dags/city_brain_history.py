"""
### 城市大脑 · 医院历史数据抓取

每天一个窗口（Asia/Shanghai 00:00–24:00），把当天的就诊记录、收费结算、处方（含明细）和检查检验报告（含检验结果）
按页（每页至多 200 条）交付城市大脑（连接 `city_brain`）。任务日志每页一行进度：
`city_brain_history_bill 2026-10-03: 页 3/12，已确认 600/2317 条（26%）`。

- **补历史**：不自动追赶（catchup 关闭），按需回填日期区间：
  `airflow backfill create --dag-id city_brain_history --from-date 2026-10-01 --to-date 2026-10-31`
  （已跑过的日期再跑一遍加 `--reprocess-behavior completed`：已确认且未变化的记录跳过，只交付变化的）
- **中断与续传**：每页的应答落入台账后才发下一页；任务被杀或失败后重跑同一天，已确认的记录跳过，只发未确认的，
  不会重复发送已确认的页（批次号由页内记录决定；结果未知的那一页会原样重发，城市大脑按 recordId 覆盖）。
- **更正**：城市大脑按 (数据类型, recordId) 覆盖；日后重跑某天，只交付内容变化的记录（如其后发生的退费）。
- **失败清单**：`python -m hisbridge ledger failures --feed city_brain_history_report`。
- **负责人**：hisbridge 城市大脑接口组
"""

from airflow.sdk import chain, dag

from hisbridge.operators import FeedOperator
from hisbridge.scheduling import feed_timetable, go_live, platform_default_args

#: one task per data type, one after another (one slot of the pool: the pushes keep theirs)
DATA_TYPES = {"visit": "就诊记录", "bill": "收费结算", "prescription": "处方", "report": "检查检验报告"}


@dag(dag_id="city_brain_history", dag_display_name="城市大脑·医院历史数据抓取", doc_md=__doc__, start_date=go_live(),
     schedule=feed_timetable("city_brain_history_visit"), catchup=False, max_active_runs=1,
     default_args=platform_default_args("city_brain"), tags=["hisbridge", "city_brain"])
def city_brain_history():
    chain(*[FeedOperator(task_id=d, task_display_name=t, feed=f"city_brain_history_{d}")
            for d, t in DATA_TYPES.items()])


city_brain_history()
