"""Feed windows from their YAML: cron windows, and continuous feeds that Airflow runs back to back."""

from __future__ import annotations

import pytest
from airflow.sdk import CronDataIntervalTimetable

from hisbridge import scheduling
from hisbridge.scheduling import CONTINUOUS_REPLAY, cron_of


@pytest.mark.parametrize(("window", "cron"), [("5m", "*/5 * * * *"), ("2h", "0 */2 * * *"), ("daily", "0 0 * * *"),
                                              ("cron: 55 23 * * *", "55 23 * * *"), ("continuous", CONTINUOUS_REPLAY)])
def test_windows_as_cron(window: str, cron: str) -> None:
    assert cron_of(window) == cron


def test_unknown_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown window"):
        cron_of("0m")


def test_a_continuous_feed_runs_back_to_back_and_the_others_on_their_cron(monkeypatch) -> None:
    monkeypatch.setattr(scheduling, "feed_window", lambda feed: {"a": "continuous", "b": "1h"}[feed])
    assert scheduling.feed_timetable("a") == "@continuous"
    hourly = scheduling.feed_timetable("b")
    assert isinstance(hourly, CronDataIntervalTimetable) and hourly.expression == "0 */1 * * *"
