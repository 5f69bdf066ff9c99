"""The city brain as a platform of the feed pipeline: feed options, capabilities (notify one ordered event at a
time with no correction but a safe re-send; history pages of up to 200 upserted by recordId), and every push and
history feed declared so that it loads, fits its body, names its parent and returns what the slicing reads."""

from __future__ import annotations

import pytest
import sqlglot
from pydantic import ValidationError
from sqlglot import ErrorLevel

from hisbridge.pipeline.platform import Correction
from hisbridge.pipeline.spec import all_feed_ids, load_feed_spec
from hisbridge.platforms.city_brain.feeds import PLATFORM, CityBrainFeedOptions, capabilities
from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS, TIME_COLUMN, VISIT_COLUMN
from hisbridge.platforms.city_brain.sender import PARENT_FEED, PARENT_FIELD, check_feed
from hisbridge.platforms.registry import platform

HISTORY_FEEDS = [f"city_brain_history_{d}" for d in ("visit", "bill", "prescription", "report")]


def test_the_platform_is_registered_and_its_feeds_are_all_declared() -> None:
    assert platform("city_brain") is PLATFORM and PLATFORM.title == "城市大脑"
    assert sorted(f for f in all_feed_ids() if f.startswith("city_brain_")) == sorted([*PUSH_FEEDS, *HISTORY_FEEDS])


@pytest.mark.parametrize(("options", "message"), [
    ({"operation": "notify"}, "notify needs event_type"),
    ({"operation": "notify", "event_type": "CHECKED_IN", "batch": 10}, "no data_type, no batch"),
    ({"operation": "notify", "event_type": "PAID"}, "event_type"),
    ({"operation": "history"}, "history needs data_type"),
    ({"operation": "history", "data_type": "bill", "event_type": "CHARGED"}, "no event_type"),
    ({"operation": "history", "data_type": "bill", "batch": 201}, "less than or equal to 200"),
    ({"operation": "history", "data_type": "invoice"}, "data_type"),
    ({"operation": "delete"}, "operation"),
])
def test_bad_options_are_refused_when_the_feed_is_loaded(options, message) -> None:
    with pytest.raises(ValidationError, match=message):
        CityBrainFeedOptions.model_validate(options)


def test_notify_is_one_ordered_event_at_a_time_never_corrected_but_safely_re_sent() -> None:
    caps = capabilities(CityBrainFeedOptions(operation="notify", event_type="CHARGED"))
    assert (caps.modes, caps.max_batch, caps.ordered, caps.max_in_flight) == (("single",), 1, True, 1)
    assert caps.correction is Correction.NONE and caps.resend_unknown is True
    assert caps.mode("batch") == "single" and caps.batch_size("single", 200) == 1


def test_history_is_pages_of_up_to_200_one_at_a_time_upserted() -> None:
    caps = capabilities(CityBrainFeedOptions(operation="history", data_type="bill"))
    assert (caps.modes, caps.max_batch, caps.ordered, caps.max_in_flight) == (("batch",), 200, True, 1)
    assert caps.correction is Correction.UPSERT and caps.resend_unknown is False
    assert caps.batch_size("batch", 500) == 200
    small = capabilities(CityBrainFeedOptions(operation="history", data_type="bill", batch=50))
    assert small.batch_size("batch", 200) == 50


@pytest.mark.parametrize("feed", [*PUSH_FEEDS, *HISTORY_FEEDS])
def test_each_feed_loads_and_fits_its_body(feed) -> None:
    spec = load_feed_spec(feed)
    check_feed(spec)
    assert spec.platform == "city_brain" and PLATFORM.correction_scope(spec) == f"feed:{feed}"
    outputs = {s.alias_or_name for s in sqlglot.parse_one(spec.sql_text(), read="oracle",
                                                          error_level=ErrorLevel.RAISE).selects}
    assert spec.source_columns <= outputs


@pytest.mark.parametrize("feed", list(PUSH_FEEDS))
def test_each_push_feed_runs_every_2_minutes_and_waits_for_its_visits_registration(feed) -> None:
    spec = load_feed_spec(feed)
    options = spec.platform_options
    assert spec.window == "2m" and spec.reread_s == 120 and not spec.progress
    assert spec.business_key == ["event_id"] and feed == f"city_brain_push_{options.event_type.lower()}"
    assert {TIME_COLUMN, VISIT_COLUMN} <= spec.source_columns  # what the journey slices read
    if feed == PARENT_FEED:
        assert spec.parents == []
    else:
        assert [(p.column, p.feed) for p in spec.parents] == [(PARENT_FIELD, PARENT_FEED)]


@pytest.mark.parametrize("feed", HISTORY_FEEDS)
def test_each_history_feed_is_daily_in_pages_with_progress(feed) -> None:
    spec = load_feed_spec(feed)
    assert spec.window == "daily" and spec.progress and spec.reread_s == 0
    assert spec.platform_options.page_size == 200
