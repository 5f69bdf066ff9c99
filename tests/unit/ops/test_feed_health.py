"""Feed health without a database: feed_sla.yaml as data (every feed has an SLA and the DAG that runs it), the
schedule arithmetic, the colour rules as a table, reasons grouped, and the Prometheus text parsed by
prometheus_client's own parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from hisbridge import PROJECT_DIR
from hisbridge.ops.feed_health import (
    AMBER,
    GREEN,
    GREY,
    RED,
    Counts,
    FeedHealth,
    FeedInfo,
    HealthConfig,
    JobHealth,
    JobSpec,
    Reason,
    Snapshot,
    Thresholds,
    TrendDay,
    colour,
    due_end,
    feed_infos,
    job_colour,
    lag_text,
    load_config,
    parse_duration,
    prometheus_text,
    reason_kind,
)
from hisbridge.pipeline.spec import all_feed_ids

SH = ZoneInfo("Asia/Shanghai")
T = Thresholds()  # amber at 50 % of the SLA; red at 50 failures in 24 h or 5 % (from 5 failures)


def _info(feed: str = "hsa_trace_sale", sla: timedelta = timedelta(minutes=30), disabled: bool = False) -> FeedInfo:
    return FeedInfo(feed=feed, title="商品销售", platform="hsa", platform_title="医保", cadence="5m",
                    cron="*/5 * * * *", dag_id="hsa_trace_sale", sla=sla, disabled=disabled)


def _health(lag_min: int | None = 0, day: Counts | None = None, waiting: Counts | None = None,
            disabled: bool = False) -> FeedHealth:
    due = datetime(2026, 11, 24, 10, 0)
    return FeedHealth(info=_info(disabled=disabled), due_end=due,
                      last_window_end=None if lag_min is None else due - timedelta(minutes=lag_min),
                      day=day or Counts(delivered=100), waiting=waiting or Counts())


# -- configuration ----------------------------------------------------------------------------------------------
def test_every_feed_of_every_platform_has_an_sla_and_a_dag():
    config = load_config()
    infos = feed_infos(config)
    assert [i.feed for i in infos] == all_feed_ids()
    assert all(i.sla > timedelta(0) for i in infos)
    assert {i.platform for i in infos} == {"hsa", "cdc", "mutual", "city_brain", "regional"}
    assert next(i for i in infos if i.feed == "cdc_emr_ex_lab_item").dag_id == "cdc_routine_same_day"
    assert next(i for i in infos if i.feed == "hsa_trace_sale").sla == timedelta(minutes=30)  # by cadence 5m
    assert next(i for i in infos if i.feed == "hsa_catalog_mapping").sla == timedelta(days=1)  # overridden


def test_sla_file_names_only_real_feeds_and_each_feed_once():
    config = load_config()
    feeds = set(all_feed_ids())
    listed = [f for group in config.dags.values() for f in group]
    assert len(listed) == len(set(listed)), "a feed is listed under two DAGs"
    assert set(listed) <= feeds
    assert set(config.sla) <= feeds and set(config.disabled) <= feeds


# every DAG file run in one fresh interpreter: which feeds each DAG's tasks deliver
PROBE = r"""
import gc, json, runpy, sys
from airflow.sdk.definitions.dag import DAG

def is_dag(o):
    try:
        return type(o) is DAG or isinstance(o, DAG)
    except Exception:  # a lazy module proxy that imports on touch (airflow's cloudpickle hook)
        return False

out = {}
for path in sys.argv[1:]:
    runpy.run_path(path)  # the DAG object lives only until the next collection: read it now
    for d in [o for o in gc.get_objects() if is_dag(o)]:
        for t in d.tasks:
            if type(t).__name__ in ("FeedOperator", "CityBrainPushOperator"):
                if type(t).__name__ == "FeedOperator":
                    feeds = [t.feed]
                else:  # no feeds named: all seven pushes
                    from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS
                    feeds = list(t.feeds or PUSH_FEEDS)
                for f in feeds:
                    out.setdefault(f, set()).add(d.dag_id)
print("PROBE" + json.dumps({f: sorted(d) for f, d in out.items()}))
"""


def test_the_dag_of_each_feed_is_the_dag_that_runs_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env["PYTHONPATH"] = f"{PROJECT_DIR / 'plugins'}{os.pathsep}{PROJECT_DIR}"
    files = [str(p) for p in sorted((PROJECT_DIR / "dags").glob("*.py"))]
    proc = subprocess.run([sys.executable, "-c", PROBE, *files], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ran_by = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE"))[5:])
    config = load_config()
    for feed in all_feed_ids():
        assert ran_by.get(feed) == [config.dag_of(feed)], feed


@pytest.mark.parametrize(("text", "expected"), [("30s", timedelta(seconds=30)), ("15m", timedelta(minutes=15)),
                                                ("2h", timedelta(hours=2)), (" 1d ", timedelta(days=1))])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["15", "15 min", "0m", "-5m", "1w", ""])
def test_a_bad_duration_is_an_error_naming_the_format(bad):
    with pytest.raises(ValueError, match="e.g. 30s, 15m"):
        parse_duration(bad)


def test_an_unknown_key_in_the_sla_file_is_an_error():
    with pytest.raises(ValidationError, match="amber_lag"):
        HealthConfig.model_validate({"sla_by_cadence": {"default": "1h"}, "thresholds": {"amber_lag": 0.5}})


def test_a_cadence_without_sla_and_without_default_is_an_error():
    config = HealthConfig.model_validate({"sla_by_cadence": {"5m": "30m"}})
    with pytest.raises(ValueError, match="no SLA for cadence 'daily'"):
        config.sla_for("x", "daily")


# -- schedule arithmetic -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cron", "now_local", "expected"), [
    ("*/5 * * * *", datetime(2026, 11, 24, 10, 7, 30), datetime(2026, 11, 24, 10, 5)),
    ("*/5 * * * *", datetime(2026, 11, 24, 10, 5), datetime(2026, 11, 24, 10, 5)),  # a tick is due at the tick
    ("0 * * * *", datetime(2026, 11, 24, 10, 59), datetime(2026, 11, 24, 10, 0)),
    ("0 0 * * *", datetime(2026, 11, 24, 5, 0), datetime(2026, 11, 24, 0, 0)),
    ("0 0 * * *", datetime(2026, 11, 24, 0, 0, 1), datetime(2026, 11, 24, 0, 0)),
    (None, datetime(2026, 11, 24, 10, 7, 30, 500), datetime(2026, 11, 24, 10, 7, 30)),  # continuous: now
])
def test_due_end_is_the_last_tick_in_shanghai(cron, now_local, expected):
    now = now_local.replace(tzinfo=SH).astimezone(UTC)  # the clock says UTC; windows are Shanghai wall-clock
    assert due_end(cron, now) == expected


@pytest.mark.parametrize(("lag", "text"), [(None, "从未投递"), (timedelta(0), "准时"), (timedelta(seconds=59), "准时"),
                                           (timedelta(minutes=25), "25 分"), (timedelta(hours=3, minutes=20), "3 小时 20 分"),
                                           (timedelta(days=2, hours=1, minutes=5), "2 天 1 小时")])
def test_lag_in_words(lag, text):
    assert lag_text(lag) == text


# -- colours ----------------------------------------------------------------------------------------------------
COLOUR_RULES = [
    # lag (min, SLA 30), 24 h counts, waiting now → colour, the rule that fired
    ("on time, nothing waiting", 0, Counts(delivered=100), Counts(), GREEN, None),
    ("within half the SLA", 15, Counts(delivered=100), Counts(), GREEN, None),
    ("past half the SLA", 16, Counts(delivered=100), Counts(), AMBER, "接近时限"),
    ("at the SLA", 30, Counts(delivered=100), Counts(), AMBER, "接近时限"),
    ("past the SLA", 31, Counts(delivered=100), Counts(), RED, "超过时限"),
    ("never delivered", None, Counts(), Counts(), RED, "从未投递"),
    ("one unknown outcome", 0, Counts(delivered=100), Counts(unknown=1), RED, "1 条结果未知"),
    ("an old quarantined record", 0, Counts(delivered=100), Counts(quarantined=1), AMBER, "1 条隔离"),
    ("an old refused record", 0, Counts(delivered=100), Counts(rejected=2), AMBER, "2 条拒收"),
    ("4 failures of 10: share counts from 5", 0, Counts(delivered=6, quarantined=4), Counts(quarantined=4), AMBER,
     "4 条隔离"),
    ("5 failures of 200: 2.5 %", 0, Counts(delivered=195, rejected=5), Counts(rejected=5), AMBER, "5 条拒收"),
    ("5 failures of 100: 5 %", 0, Counts(delivered=95, rejected=5), Counts(rejected=5), RED, "占 5%"),
    ("50 failures of 10 000", 0, Counts(delivered=9950, quarantined=50), Counts(quarantined=50), RED, "≥ 50"),
    ("49 failures of 10 000", 0, Counts(delivered=9951, quarantined=49), Counts(quarantined=49), AMBER, "49 条隔离"),
    ("unknown in 24 h but resolved since", 0, Counts(delivered=100, unknown=3), Counts(), GREEN, None),
]


@pytest.mark.parametrize(("case", "lag", "day", "waiting", "expected", "rule"), COLOUR_RULES,
                         ids=[c[0] for c in COLOUR_RULES])
def test_colour_rules(case, lag, day, waiting, expected, rule):
    got, why = colour(_health(lag, day, waiting), T)
    assert got == expected
    if rule is None:
        assert why == []
    else:
        assert any(rule in w for w in why), why


def test_several_rules_are_all_listed_red_first():
    got, why = colour(_health(45, Counts(delivered=10), Counts(unknown=2, quarantined=1)), T)
    assert got == RED
    assert why[0].startswith("落后 45 分") and "2 条结果未知" in why[1] and "1 条隔离" in why[2]


def test_a_feed_not_used_here_is_grey_whatever_its_figures():
    assert colour(_health(None, disabled=True), T) == (GREY, ["本院未启用"])


def test_thresholds_are_configurable():
    strict = Thresholds(amber_lag_share=0.1, red_failures_24h=2)
    assert colour(_health(4), strict)[0] == AMBER  # 4 min > 10 % of 30 min
    assert colour(_health(0, Counts(delivered=1000, rejected=2), Counts(rejected=2)), strict)[0] == RED


@pytest.mark.parametrize(("ran", "findings", "expected"), [
    (datetime(2026, 11, 24, 2, 31), [], GREEN),
    (datetime(2026, 11, 23, 2, 31), [], GREEN),  # due 02:30 today, now 03:00: 30 min late, SLA 6 h
    (datetime(2026, 11, 23, 2, 31), [("补传后仍缺", 3, RED)], RED),
    (datetime(2026, 11, 24, 2, 31), [("待处理冲突", 2, AMBER)], AMBER),
    (None, [], RED),
])
def test_job_colours(ran, findings, expected):
    j = JobHealth(job="jiulonghu_dictionary_sync", spec=JobSpec(title="字典同步", cron="30 2 * * *", sla="6h",
                                                                  source="dict_sync_run"),
                  due_at=datetime(2026, 11, 24, 2, 30), now=datetime(2026, 11, 24, 3, 0),
                  last_run_at=ran.replace(tzinfo=SH) if ran else None, findings=findings)
    assert job_colour(j, T)[0] == expected


def test_a_job_far_past_its_time_is_red():
    j = JobHealth(job="j", spec=JobSpec(title="j", cron="30 2 * * *", sla="6h", source="dict_sync_run"),
                  due_at=datetime(2026, 11, 24, 2, 30), now=datetime(2026, 11, 24, 9, 0),
                  last_run_at=datetime(2026, 11, 23, 2, 31, tzinfo=SH))
    got, why = job_colour(j, T)
    assert got == RED and "已过 6 小时 30 分" in why[0]


# -- reasons ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("a", "b"), [
    ("父记录 检验报告 id=JY20261123000039 尚未上报省检查检验结果互认平台", "父记录 检验报告 id=JY20261123000040 尚未上报省检查检验结果互认平台"),
    ("代码未对照：target_dept_code 的 HIS 代码 '5090' 不在对照表 dept 中", "代码未对照：target_dept_code 的 HIS 代码 '61' 不在对照表 dept 中"),
])
def test_reasons_differing_only_in_ids_and_values_count_as_one(a, b):
    assert reason_kind(a) == reason_kind(b)
    assert "尚未上报" in reason_kind(a) or "不在对照表" in reason_kind(a)


def test_different_reasons_stay_apart():
    assert reason_kind("追溯码已被其他机构销售") != reason_kind("父记录 检验报告 id=1 尚未上报")
    assert reason_kind(None) == "（无原因）"


# -- Prometheus ---------------------------------------------------------------------------------------------------
def _snapshot() -> Snapshot:
    now = datetime(2026, 11, 24, 2, 2, tzinfo=UTC)
    odd = FeedInfo(feed='odd"feed\\x', title="t", platform="hsa", platform_title="医保", cadence="5m",
                   cron="*/5 * * * *", dag_id="d", sla=timedelta(minutes=30))
    h1 = _health(10, Counts(delivered=7, rejected=1), Counts(rejected=1))
    h1.month = Counts(delivered=70, rejected=3, quarantined=2, unknown=0)
    h1.in_flight = 4
    h1.trend = [TrendDay(date(2026, 11, 24), 7, 1)]
    h1.reasons = [Reason("rejected", "追溯码…", 1)]
    h1.colour = AMBER
    h2 = FeedHealth(info=odd, due_end=datetime(2026, 11, 24, 10, 0))
    h2.colour = RED
    job = JobHealth(job="regional_upload_health", spec=JobSpec(title="j", cron="0 6 * * *", sla="6h",
                                                               source="regional_upload_health"),
                    due_at=datetime(2026, 11, 24, 6, 0), now=datetime(2026, 11, 24, 10, 2),
                    last_run_at=datetime(2026, 11, 24, 6, 1, tzinfo=SH), colour=GREEN)
    return Snapshot(now=now, feeds=[h1, h2], jobs=[job], config=load_config(), seconds=0.012)


def test_metrics_parse_with_prometheus_clients_parser():
    text = prometheus_text(_snapshot())
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert all(f.type == "gauge" for f in families.values())
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    base = (("dag_id", "hsa_trace_sale"), ("feed", "hsa_trace_sale"), ("platform", "hsa"))
    assert samples[("hisbridge_feed_status", base)] == 1
    assert samples[("hisbridge_feed_lag_seconds", base)] == 600
    assert samples[("hisbridge_feed_sla_seconds", base)] == 1800
    assert samples[("hisbridge_feed_records", tuple(sorted(base + (("period", "30d"), ("state", "delivered")))))] == 70
    assert samples[("hisbridge_feed_records", tuple(sorted(base + (("period", "24h"), ("state", "rejected")))))] == 1
    assert samples[("hisbridge_feed_waiting_records", tuple(sorted(base + (("state", "sent"),))))] == 4
    # 09:50 Shanghai = 01:50 UTC
    assert samples[("hisbridge_feed_last_window_end_timestamp_seconds", base)] == \
        datetime(2026, 11, 24, 1, 50, tzinfo=UTC).timestamp()
    odd = (("dag_id", "d"), ("feed", 'odd"feed\\x'), ("platform", "hsa"))
    assert samples[("hisbridge_feed_status", odd)] == 2  # quotes and backslashes escaped, read back intact
    assert ("hisbridge_feed_lag_seconds", odd) not in samples  # never delivered: no lag, not a fake 0
    assert samples[("hisbridge_job_status", (("job", "regional_upload_health"),))] == 0
    assert samples[("hisbridge_health_collect_seconds", ())] == pytest.approx(0.012)


def test_metrics_text_is_one_help_and_type_per_family_then_its_samples():
    lines = prometheus_text(_snapshot()).splitlines()
    helps = [ln.split()[2] for ln in lines if ln.startswith("# HELP")]
    assert len(helps) == len(set(helps))
    for n, line in enumerate(lines):
        if line.startswith("# HELP"):
            assert lines[n + 1].startswith(f"# TYPE {line.split()[2]} gauge")
