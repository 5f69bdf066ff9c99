"""The health page read "as of" a fixed instant (``HISBRIDGE_HEALTH_AS_OF``, set by make airflow to the end of the
demo day): the value must carry its offset, the figures are those of that instant, and the page says it is not
"now". Without the variable, or with a clock passed in (tests), the page is as before."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from hisbridge.db import make_engine, sqlite_url
from hisbridge.ledger.store import Ledger, LedgerItem, MessageResult, RunContext, dumps
from hisbridge.ops.feed_health import AS_OF_ENV, as_of_from_env, feed_infos, load_config
from hisbridge.ops.health_page import create_health_app

SH = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 25, 0, 1, tzinfo=SH)
FEED = "hsa_trace_sale"


def test_unset_or_empty_means_the_clock() -> None:
    assert as_of_from_env({}) is None and as_of_from_env({AS_OF_ENV: " "}) is None


def test_an_instant_with_its_offset_is_read_as_such() -> None:
    assert as_of_from_env({AS_OF_ENV: "2026-11-25T00:01:00+08:00"}) == AS_OF
    assert as_of_from_env({AS_OF_ENV: "2026-11-24T16:01:00+00:00"}) == AS_OF


@pytest.mark.parametrize("value, words", [("2026-11-25T00:01:00", "no offset"), ("yesterday", "not an ISO 8601")])
def test_a_value_without_offset_or_not_a_time_is_refused_naming_the_variable(value, words) -> None:
    with pytest.raises(ValueError, match=words) as err:
        as_of_from_env({AS_OF_ENV: value})
    assert AS_OF_ENV in str(err.value)


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    """A SQLite ledger (as the demo's) where the feed delivered its 23:55–24:00 window of 2026-11-24 on time."""
    at = [datetime(2026, 11, 24, 16, 0, 30, tzinfo=SH).astimezone(ZoneInfo("UTC"))]
    made = Ledger(make_engine(sqlite_url(str(tmp_path / "ledger.db"))), clock=lambda: at[0])
    made.ensure_schema()
    window = (datetime(2026, 11, 24, 23, 55), datetime(2026, 11, 25, 0, 0))
    run = RunContext(run_id="scheduled__20261124T2355", window_start=window[0], window_end=window[1], actor="t")
    at[0] = (datetime.combine(window[1].date(), window[1].time(), SH) + timedelta(seconds=30))
    items = [LedgerItem(f"K{n}", f"K{n}".ljust(64, "0"), dumps({"n": n})) for n in range(3)]
    ticket = made.begin_message(feed=FEED, platform="hsa", operation="upload", purpose="upload", msgid="M1",
                                items=items, run=run)
    made.finish_message(ticket, MessageResult(outcome="acknowledged", row_states=["acknowledged"] * 3,
                                              row_errors=[None] * 3), run)
    return made


def _page(ledger: Ledger, **kwargs) -> str:
    config = load_config()
    app = create_health_app(lambda: ledger, config=config, infos=feed_infos(config, feeds=[FEED]), cache_s=0,
                            **kwargs)
    with TestClient(app) as client:
        answer = client.get("/")
    assert answer.status_code == 200
    return answer.text


def test_the_page_reads_the_ledger_as_of_the_instant_and_says_so(ledger, monkeypatch) -> None:
    monkeypatch.setenv(AS_OF_ENV, AS_OF.isoformat())
    text = _page(ledger)
    assert "按 <time data-field=generated>2026-11-25 00:01:00</time>（北京时间）评估" in text and AS_OF_ENV in text
    assert "data-colour='green'" in text and "准时" in text  # at the real clock it would be days late
    assert "data-count='day-delivered'>3<" in text


def test_without_the_variable_the_clock_decides(ledger, monkeypatch) -> None:
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    text = _page(ledger, clock=lambda: AS_OF + timedelta(days=3))
    assert "生成于 <time data-field=generated>2026-11-28 00:01:00</time>（北京时间，每分钟刷新）" in text
    assert "data-colour='red'" in text and "落后 3 天" in text


def test_a_clock_passed_in_wins_over_the_variable(ledger, monkeypatch) -> None:
    monkeypatch.setenv(AS_OF_ENV, "not a time")  # not even read
    assert "生成于" in _page(ledger, clock=lambda: AS_OF)


def test_a_wrong_variable_stops_the_app_at_start_not_each_request(ledger, monkeypatch) -> None:
    monkeypatch.setenv(AS_OF_ENV, "2026-11-25 00:01")
    with pytest.raises(ValueError, match="no offset"):
        create_health_app(lambda: ledger)
