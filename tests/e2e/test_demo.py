"""`make demo` as a newcomer runs it: every feed delivers, seeded edge cases land where they should, a re-run
sends nothing, and no patient's name, ID number or phone appears in its logs or on the console."""

from __future__ import annotations

import pytest

from hisbridge.pipeline.spec import all_feed_ids
from tests.support.demo_run import demo_run, shared_base

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_run(shared_base(tmp_path_factory))  # the health page's browser test reads the same run


def test_every_feed_delivers_records(demo) -> None:
    assert set(demo["totals"]) == set(all_feed_ids())
    assert {f for f in demo["totals"] if f.startswith("cdc_")} >= {"cdc_emr_patient_info", "cdc_emr_ex_lab_item",
                                                                 "cdc_base_dept", "cdc_emr_discharge_info"}
    for feed, totals in demo["totals"].items():
        if feed.startswith("cdc_base_"):  # the dictionaries went on the day before; unchanged, they are skipped
            assert totals["skipped"] > 0 and totals["messages"] == 0, feed
        else:
            assert totals["acknowledged"] > 0, feed


def test_seeded_edge_cases_end_in_the_expected_ledger_state(demo) -> None:
    wrong = [c for c in demo["checks"] if c["actual"] != c["expected"]]
    assert not wrong, wrong


def test_rerun_sends_nothing(demo) -> None:
    assert demo["rerun"]["messages"] == 0 and demo["rerun"]["skipped"] > 0


def test_no_patient_identifier_in_logs_or_console(demo) -> None:
    text = demo["log"].read_text(encoding="utf-8") + demo["console"]
    assert "hsa 3505A" in text or "hsa 3505" in text  # the log really has the traffic in it
    pii = demo["pii"]
    leaked = [v for v in (*pii.names, *pii.id_card_nos, *pii.phones) if v and v in text]
    assert leaked == []


def test_one_sign_in_per_operator_for_the_day_and_one_sign_out_each(demo) -> None:
    # every traceability feed shares the "hisbridge" operator's; the gateway's 收费员 signs in as herself
    assert demo["sign_calls"] == {"9001": 2, "9002": 2}


def test_one_outpatient_settlement_through_the_gateway_is_answered_and_journalled(demo) -> None:
    visit = demo["gateway_visit"]
    info = visit["answer"]["output"]["setlinfo"]
    parts = float(info["fund_pay_sumamt"]) + float(info["acct_pay"]) + float(info["psn_cash_pay"])
    assert round(parts, 2) == float(info["medfee_sumamt"]) == float(visit["request"]["medfee_sumamt"])
    entry = visit["journal"]
    assert entry["operation"] == "2207" and entry["outcome"] == "acknowledged"
    assert entry["msgid"] == visit["answer"]["msgid"] and '"infno":"2207"' in entry["request"]
    assert "4. 医保实时网关" in demo["console"] and info["setl_id"] in demo["console"]
    shown = demo["console"] + demo["log"].read_text(encoding="utf-8")
    assert visit["request"]["psn_no"] not in shown and visit["request"]["mdtrt_cert_no"] not in shown


def test_the_nightly_settlement_jobs_catch_every_planted_case(demo) -> None:
    wrong = [c for c in demo["jobs"]["checks"] if c["found"] != c["expect"]]
    assert not wrong, wrong
    daily = demo["jobs"]["summaries"]["hsa_daily_reconciliation"]
    assert (daily["his_only"], daily["platform_only"], daily["amount_diff"]) == (1, 1, 1)
    for kind, page in demo["jobs"]["pages"].items():
        assert page.is_file() and page.with_suffix(".xlsx").is_file(), kind
    assert "5. 医保两定夜间任务" in demo["console"]


def test_the_workstation_gets_reminders_and_the_page_link_opens_the_visit(demo) -> None:
    from urllib.parse import parse_qs, urlsplit

    ws = demo["workstation"]
    assert ws["visit"]["status"] == "ok" and ws["visit"]["reminders"], ws["visit"]
    assert {m["hisItemCode"] for m in ws["order"]["matches"]} == {"XCG", "CT0101"}  # seeded 血常规 and 胸部CT
    shown = len(ws["visit"]["reminders"]) + sum(len(m["reports"]) for m in ws["order"]["matches"])
    assert ws["reminder_records"] == shown  # every reminder shown was recorded on the platform
    url = urlsplit(ws["url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/mutual/page" and params["type"] == "lab" and params["mode"] == "recognize"
    assert params["GHId"] and params["PatientID"] and params["ticket"]
    assert "6. 检查检验互认" in demo["console"] and ws["url"] in demo["console"]


def test_the_city_brain_calls_the_hospital_and_the_journeys_pushes_arrive_in_order(demo) -> None:
    seen = demo["city_brain_api"]
    answers = seen["answers"]
    assert all(answers[e].ok for e in ("health", "registrations", "outpatientOrders", "labReports",
                                       "outpatientPaymentDetail", "refunds"))
    assert answers["registrations"].data["list"][0]["regId"] == demo["city_brain"].journey_registration
    assert answers["replay"].code == "1004"
    journey = seen["journey"]
    assert journey.missing == [] and journey.problems == [] and len(journey.endpoints) == 27
    # the planted journey's events reached the simulator in the order they happened, none late
    assert seen["journey_events"][:2] == ["REGISTERED", "CHECKED_IN"] and seen["journey_events"][-2:] == [
        "CHARGED", "REFUNDED"]
    assert seen["late"] == 0
    assert "城市大脑模拟器走完本例患者" in demo["console"]


def test_the_jiulonghu_sync_writes_only_the_planted_changes_and_keeps_the_campus_edit(demo) -> None:
    second = demo["jiulonghu"]["second"]["dictionaries"]
    changed = {name: (d["updated"], d["deactivated"], d["inserted"], d["conflicts"]) for name, d in second.items()
               if d["updated"] or d["deactivated"] or d["inserted"] or d["conflicts"]}
    # the drug's new price, the nurse leaving (a staff member and a nurse), the doctor the campus edited itself
    assert changed == {"drug": (1, 0, 0, 0), "staff": (0, 1, 0, 0), "nurse": (0, 1, 0, 0), "doctor": (0, 0, 0, 1)}
    assert sum(d["campus_rows_written"] for d in second.values()) == 3
    first = demo["jiulonghu"]["first"]["dictionaries"]
    assert all(d["inserted"] > 0 for d in first.values())


def test_the_jiulonghu_exports_are_whole_and_say_where_they_are(demo) -> None:
    from hisbridge.platforms.jiulonghu.exports import verify

    manifests = demo["exports"]
    assert set(manifests) == {"outpatient_registrations", "inpatients"}
    for manifest in manifests.values():
        assert manifest.rows > 0 and verify(manifest.folder) == []
        assert str(manifest.folder) in demo["console"]


def test_the_regional_health_check_finds_the_planted_gap_and_closes_it(demo) -> None:
    regional = demo["regional"]
    assert {name: n for name, n in regional["found"].items() if n} == {"prescription": 2, "lab_report": 3}
    assert regional["resent"]["prescription"] == 2 and regional["resent"]["lab_report"] == 3
    assert sum(regional["remaining"].values()) == 0
    assert len(regional["failed"]["outpatient_visit"]) == 2  # refused by the platform: listed, not re-sent blindly


def test_the_ledger_is_in_demo_time_so_the_health_page_finds_every_feed_on_time(demo) -> None:
    """demo/clock.py: each upload is stamped half a minute after its window closed (the steps after the day 45 s
    after midnight), none with the real clock; read as of the instant the demo wrote for make airflow, no feed is
    late."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from demo.clock import read_as_of
    from hisbridge.db import make_engine, sqlite_url
    from hisbridge.ledger import schema as s
    from hisbridge.ops.feed_health import snapshot

    as_of = read_as_of(demo["ledger"].parent)
    assert as_of == demo["as_of"] == datetime(2026, 11, 25, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    engine = make_engine(sqlite_url(str(demo["ledger"])))
    try:
        with engine.connect() as conn:
            sent = [t.replace(tzinfo=UTC) for t in conn.execute(select(s.delivery_message.c.sent_at)).scalars()]
        assert min(sent) >= datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai")) and max(sent) < as_of
        assert {t.second for t in sent} == {30, 45} and {t.microsecond for t in sent} == {0}
        snap = snapshot(engine, as_of)
    finally:
        engine.dispose()
    assert {h.info.feed: h.why for h in snap.feeds if h.lag is None or h.lag > h.info.sla / 2} == {}
