"""The parts of the checks and the failure notifier that need no database: lag arithmetic, error lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hisbridge.ops.alerts.checks import check_connections, check_feed_sla, due_end
from hisbridge.ops.alerts.config import FeedSla
from hisbridge.ops.alerts.notifier import error_line, failure_alert_args

NOW = datetime(2026, 11, 24, 2, 12, tzinfo=UTC)  # 10:12 Shanghai


def test_due_end_is_the_newest_window_boundary_in_shanghai() -> None:
    local = datetime(2026, 11, 24, 10, 12)
    assert due_end(local, timedelta(minutes=5)) == datetime(2026, 11, 24, 10, 10)
    assert due_end(local, timedelta(days=1)) == datetime(2026, 11, 24)
    assert due_end(local, None) == local


def test_feed_past_its_sla_is_one_finding_with_the_backfill_command() -> None:
    slas = [FeedSla("hsa_trace_sale", "hsa_trace_sale", timedelta(minutes=5), timedelta(minutes=30)),
            FeedSla("cdc_base_dept", "cdc_base", timedelta(days=1), timedelta(hours=6)),
            FeedSla("never_ran", "never_ran", timedelta(minutes=5), timedelta(minutes=30))]
    last = {"hsa_trace_sale": datetime(2026, 11, 24, 9, 35),  # 35 min behind 10:10: late
            "cdc_base_dept": datetime(2026, 11, 24)}  # today's day not due yet
    result = check_feed_sla(slas, last, NOW, "http://airflow:8080")
    assert [a.key for a in result.findings] == ["sla:hsa_trace_sale"]
    a = result.findings[0]
    assert "airflow backfill create --dag-id hsa_trace_sale --from-date 2026-11-24T09:35:00" in a.fix
    assert a.since == datetime(2026, 11, 24, 10, 5).replace(tzinfo=a.since.tzinfo)  # last end + SLA
    on_time = check_feed_sla(slas[:1], {"hsa_trace_sale": datetime(2026, 11, 24, 9, 45)}, NOW, "http://x")
    assert on_time.findings == [] and on_time.ok


def test_a_connection_that_cannot_answer_is_a_finding_naming_it() -> None:
    def probe(conn_id: str) -> None:
        if conn_id == "his_db":
            raise OSError("connection refused")

    result = check_connections(["his_db", "hisbridge_db"], NOW, probe)
    assert [a.key for a in result.findings] == ["connection:his_db"]
    assert "OSError: connection refused" in result.findings[0].detail


def test_error_line_drops_sql_and_bound_parameters() -> None:
    exc = RuntimeError("(psycopg.errors.X) boom\n[SQL: INSERT INTO t VALUES (%(name)s)]\n[parameters: {'name': '张三'}]")
    assert error_line(exc) == "RuntimeError: (psycopg.errors.X) boom"


def test_failure_alert_names_the_task_window_and_rerun_command() -> None:
    ti = SimpleNamespace(dag_id="hsa_trace_sale", task_id="upload", run_id="scheduled__x", try_number=5,
                         log_url="http://airflow:8080/dags/hsa_trace_sale/runs/x/tasks/upload")
    context = {"ti": ti, "dag": SimpleNamespace(dag_id="hsa_trace_sale", dag_display_name="医保追溯·商品销售"),
               "task": SimpleNamespace(task_id="upload", task_display_name="上传", feed="hsa_trace_sale"),
               "data_interval_start": datetime(2026, 11, 24, 2, 5, tzinfo=UTC),
               "data_interval_end": datetime(2026, 11, 24, 2, 10, tzinfo=UTC),
               "logical_date": datetime(2026, 11, 24, 2, 10, tzinfo=UTC), "exception": ConnectionError("refused")}
    args = failure_alert_args(context)
    assert args["key"] == "task:hsa_trace_sale.upload" and args["subject"] == "医保追溯·商品销售 · 上传 失败"
    assert "窗口 2026-11-24 10:05（北京时间） – 2026-11-24 10:10（北京时间）" in args["detail"]
    assert "第 5 次尝试后仍失败：ConnectionError: refused" in args["detail"]
    assert ("airflow tasks clear hsa_trace_sale -t '^upload$' -s 2026-11-24T02:10:00+00:00 "
            "-e 2026-11-24T02:10:00+00:00 -y") in args["fix"]
    assert "python -m hisbridge ledger failures --feed hsa_trace_sale" in args["fix"]
    assert args["links"] == (("任务日志", ti.log_url),)
