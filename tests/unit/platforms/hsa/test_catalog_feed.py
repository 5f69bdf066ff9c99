"""The 目录对照 feed as the pipeline sees it: 3302 corrects by id, 3507 still by batch, and the sender builds each
correction's body from its target — the 3302 one from the business key alone."""

from __future__ import annotations

import re

import pytest
import yaml
from pydantic import ValidationError

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.platform import Correction
from hisbridge.pipeline.spec import FeedSpec, load_feed_spec
from hisbridge.platforms.hsa.feeds import CORRECTIONS, HsaFeedOptions, capabilities, correction_scope
from hisbridge.platforms.hsa.sender import HsaSender
from hisbridge.platforms.registry import platform

from .fakes import CODE, ok, refused

OLD_KEY = "D001|101|XJ01CAA040A001010100959"


@pytest.fixture
def sender(client) -> HsaSender:
    return HsaSender(client)


def test_catalog_feed_corrects_by_id_in_its_own_scope() -> None:
    spec = load_feed_spec("hsa_catalog_mapping")
    caps = platform("hsa").capabilities_for(spec)
    assert caps.correction is Correction.DELETE_BY_ID
    assert caps.modes == ("single",) and caps.ordered  # one 对照 a message, a 3302 before the 3301 replacing it
    assert correction_scope(spec) == "feed:hsa_catalog_mapping"


@pytest.mark.parametrize(("feed", "scope"), [("hsa_trace_sale", "hsa:3507:4"), ("hsa_trace_sale_return", "hsa:3507:4"),
                                             ("hsa_trace_stock_change", "hsa:3507:2")])
def test_traceability_feeds_still_group_delete_by_batch_and_data_type(feed: str, scope: str) -> None:
    spec = load_feed_spec(feed)
    assert platform("hsa").capabilities_for(spec).correction is Correction.GROUP_DELETE
    assert correction_scope(spec) == scope


def test_every_correction_transaction_is_in_the_catalogue_with_a_kind() -> None:
    assert {k: r.kind for k, r in CORRECTIONS.items()} == {"3507": Correction.GROUP_DELETE,
                                                          "3302": Correction.DELETE_BY_ID}
    assert capabilities(HsaFeedOptions(single="3301")).correction is Correction.NONE


@pytest.mark.parametrize(("options", "message"), [
    ({"single": "3301", "delete": "3507", "inv_data_type": "4"}, "3301 is undone by 3302, not 3507"),
    ({"single": "3505", "delete": "3302"}, "3302 does not undo 3505"),
    ({"single": "3301", "delete": "3302", "inv_data_type": "4"}, "3302 does not delete by inv_data_type"),
    ({"single": "3301", "delete": "2202"}, "2202 is not a correction transaction"),
    ({"single": "3301", "inv_data_type": "4"}, "name delete too"),
])
def test_options_that_cannot_correct_are_refused(options: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HsaFeedOptions.model_validate(options)


def test_3302_body_is_the_business_key_plus_our_institution_code(sender, adapter) -> None:
    adapter.queue(ok())
    spec = load_feed_spec("hsa_catalog_mapping")
    assert sender.correction_operation(spec) == "3302"
    result = sender.correct(spec, OLD_KEY, "M1")
    [sent] = adapter.envelopes
    assert sent["infno"] == "3302" and sent["msgid"] == "M1"
    assert sent["input"] == {"data": {"fixmedins_code": CODE, "fixmedins_hilist_id": "D001", "list_type": "101",
                                      "med_list_codg": "XJ01CAA040A001010100959"}}
    assert result.outcome == "acknowledged"


def test_3302_of_a_mapping_the_platform_does_not_hold_counts_as_done(sender, adapter) -> None:
    """After a lost 3301 answer the platform may never have stored it: "nothing there" is what we wanted."""
    adapter.queue(refused("未查询到有效的目录对照信息(fixmedins_hilist_id=D001，list_type=101)"))
    result = sender.correct(load_feed_spec("hsa_catalog_mapping"), OLD_KEY, "M2")
    assert result.outcome == "acknowledged" and "未查询到" in (result.err_msg or "")


def test_3302_refused_for_another_reason_is_rejected(sender, adapter) -> None:
    adapter.queue(refused("定点医药机构编号[X]与报文头不一致"))
    assert sender.correct(load_feed_spec("hsa_catalog_mapping"), OLD_KEY, "M3").outcome == "rejected"


def test_3507_body_is_still_the_batch_and_the_feeds_data_type(sender, adapter) -> None:
    adapter.queue(ok())
    spec = load_feed_spec("hsa_trace_sale")
    assert sender.correction_operation(spec) == "3507"
    sender.correct(spec, "B2026112400017", "M4")
    assert adapter.envelopes[0]["input"] == {"data": {"fixmedins_bchno": "B2026112400017", "inv_data_type": "4"}}


def _catalog_data() -> dict:
    return yaml.safe_load((MAPPINGS_DIR / "hsa_catalog_mapping.yaml").read_text(encoding="utf-8"))


def test_a_business_key_that_cannot_name_the_3302_body_is_refused_before_anything_is_sent(sender, adapter) -> None:
    spec = FeedSpec.model_validate(_catalog_data() | {"business_key": ["map_id"]})
    with pytest.raises(ValueError, match="business key, which must name its fields"):
        sender.correction_operation(spec)
    assert adapter.sent == []


def test_a_target_that_is_not_a_whole_key_is_refused(sender, adapter) -> None:
    with pytest.raises(ValueError, match=re.escape("is not a fixmedins_hilist_id|list_type|med_list_codg key")):
        sender.correct(load_feed_spec("hsa_catalog_mapping"), "D001|101", "M5")
    assert adapter.sent == []
