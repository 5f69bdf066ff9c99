"""The platform as the pipeline sees it: registered by name, feed options that name an upload and a batch size,
capabilities (batch, ordered, upsert) and a correction scope per feed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hisbridge.pipeline.platform import Correction
from hisbridge.platforms.mutual.feeds import MAX_BATCH, PLATFORM, MutualFeedOptions
from hisbridge.platforms.registry import platform

from .support import LAB_INDICATOR, all_fields, mutual_spec


def test_the_platform_is_registered_under_its_name() -> None:
    assert platform("mutual") is PLATFORM
    assert (PLATFORM.name, PLATFORM.title, PLATFORM.connect) == (
        "mutual", "省检查检验结果互认平台", "hisbridge.platforms.mutual.sender:from_airflow")


def test_capabilities_batch_ordered_upsert() -> None:
    caps = PLATFORM.capabilities(MutualFeedOptions(operation="uploadLabReport"))
    assert (caps.modes, caps.max_batch, caps.ordered, caps.correction, caps.max_in_flight, caps.unsent_may_exist) \
        == (("batch", "single"), 50, True, Correction.UPSERT, 1, False)
    assert caps.mode("batch") == "batch" and caps.batch_size("batch", 500) == 50
    assert caps.batch_size("single", 500) == 1
    small = PLATFORM.capabilities(MutualFeedOptions(operation="uploadLabIndicator", batch=20))
    assert small.max_batch == 20 and small.batch_size("batch", 100) == 20


@pytest.mark.parametrize(("options", "message"), [
    ({"operation": "uploadLabResult"}, "not a data upload"),
    ({"operation": "queryReminders"}, "not a data upload"),  # a query is not a feed
    ({"operation": "deleteData"}, "not a data upload"),
    ({"operation": "uploadQuoteLog"}, "not a data upload"),  # records are the workstation service's
    ({"operation": "uploadLabReport", "batch": 0}, "greater than or equal to 1"),
    ({"operation": "uploadLabReport", "batch": MAX_BATCH + 1}, "less than or equal to"),
    ({"operation": "uploadLabReport", "table": "x"}, "Extra inputs"),
    ({}, "operation"),
])
def test_feed_options_name_an_upload_and_a_sane_batch(options, message) -> None:
    with pytest.raises(ValidationError, match=message):
        MutualFeedOptions.model_validate(options)


def test_options_are_validated_when_a_feed_is_loaded(tmp_path) -> None:
    spec = mutual_spec(tmp_path, "t_mutual_x", "uploadLabResult", {"BusinessNo": "id"})
    with pytest.raises(ValueError, match="feed t_mutual_x: options for platform 'mutual'"):
        spec.platform_options  # noqa: B018
    good = mutual_spec(tmp_path, "t_mutual_li", "uploadLabIndicator", all_fields(LAB_INDICATOR),
                       options={"batch": 10})
    assert (good.platform_options.data_type, good.platform_options.batch) == ("labIndicator", 10)


def test_each_feed_is_its_own_correction_scope(tmp_path) -> None:
    spec = mutual_spec(tmp_path, "t_mutual_lr", "uploadLabReport", {"BusinessNo": "id"})
    assert PLATFORM.correction_scope(spec) == "feed:t_mutual_lr"
