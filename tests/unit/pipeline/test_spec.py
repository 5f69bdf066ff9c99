"""Feed declarations: every shipped YAML is valid, and mistakes in one are caught with a clear message."""

from __future__ import annotations

import re

import pytest
import yaml
from pydantic import ValidationError

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import ColumnSource, ConstSource, FeedSpec, all_feed_ids, load_feed_spec
from hisbridge.platforms.cdc.feeds import CdcFeedOptions
from hisbridge.platforms.cdc.sender import check_feed
from hisbridge.platforms.cdc.tables import Timeliness
from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.feeds import HsaFeedOptions

FEEDS = all_feed_ids()
HSA_FEEDS = [f for f in FEEDS if f.startswith("hsa_")]
CDC_FEEDS = [f for f in FEEDS if f.startswith("cdc_")]
MUTUAL_FEEDS = [f for f in FEEDS if f.startswith("mutual_")]
CITY_BRAIN_FEEDS = [f for f in FEEDS if f.startswith("city_brain_")]
REGIONAL_FEEDS = [f for f in FEEDS if f.startswith("regional_")]
#: the data window each CDC timeliness group runs on (one DAG per group; platforms.md §1.3)
CDC_WINDOWS = {
    Timeliness.REALTIME: r"continuous|\d+m",
    Timeliness.SAME_DAY: r"\d+[mh]",
    Timeliness.NEXT_DAY: r"daily",
    Timeliness.BASE: r"daily",
}


def test_every_traceability_feed_is_declared() -> None:
    assert {"hsa_trace_inventory", "hsa_trace_stock_change", "hsa_trace_purchase", "hsa_trace_purchase_return",
            "hsa_trace_sale", "hsa_trace_sale_return"} <= set(FEEDS)


def test_every_feed_belongs_to_a_known_platform() -> None:
    assert set(FEEDS) == (set(HSA_FEEDS) | set(CDC_FEEDS) | set(MUTUAL_FEEDS) | set(CITY_BRAIN_FEEDS)
                          | set(REGIONAL_FEEDS))
    assert {load_feed_spec(f).platform for f in REGIONAL_FEEDS} == {"regional"}
    assert {load_feed_spec(f).platform for f in MUTUAL_FEEDS} == {"mutual"}
    assert {load_feed_spec(f).platform for f in CITY_BRAIN_FEEDS} == {"city_brain"}


@pytest.mark.parametrize("feed", MUTUAL_FEEDS)
def test_mutual_feed_fills_every_required_field_of_its_upload(feed) -> None:
    from hisbridge.platforms.mutual.sender import check_feed

    op = check_feed(load_feed_spec(feed))  # raises naming an unmapped required field, a missing parent …
    assert op.kind == "upload" and feed == f"mutual_{_snake(op.data_type)}"


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@pytest.mark.parametrize("feed", HSA_FEEDS)
def test_feed_declaration_is_valid_and_names_every_field_of_its_model(feed) -> None:
    spec = load_feed_spec(feed)
    options = spec.platform_options
    assert isinstance(options, HsaFeedOptions)
    model = catalogue.get(options.single).body
    declared = set(spec.fields) | set(spec.lists)
    assert declared == set(model.model_fields), "every wire field named by the spec is mapped, no more"
    if feed.startswith("hsa_trace_"):  # 进销存: batch "A" variants, corrected by 3507 per batch
        assert catalogue.get(options.batch).many
        assert options.delete == "3507" and spec.correction_key == "fixmedins_bchno"


@pytest.mark.parametrize("feed", CDC_FEEDS)
def test_cdc_feed_fits_its_table_its_group_and_its_parents(feed) -> None:
    """A CDC feed fills one declared table: its fields are columns (required ones mapped, the key from the one
    business-key column), its window is its timeliness group's, the shared code maps are used, and every column
    holding a parent's key is checked against the parent feed (a child never reaches the front-end first)."""
    spec = load_feed_spec(feed)
    options = spec.platform_options
    assert isinstance(options, CdcFeedOptions)
    table = check_feed(spec)  # raises naming what does not fit
    assert feed == f"cdc_{table.name}", "feed ids are cdc_<table>"
    assert re.fullmatch(CDC_WINDOWS[table.group], spec.window), f"{table.group.title}: window {spec.window}"
    assert spec.code_files == ["cdc_codes.yaml"]
    declared = {(p.column, p.feed) for p in spec.parents}
    expected = {(c.name, f"cdc_{c.parent}") for c in table.parents if c.name in spec.fields}
    assert declared == expected
    if table.has("org_code"):
        assert isinstance(spec.fields.get("org_code"), ConstSource), "org_code is the site's configuration"


def _base() -> dict:
    return yaml.safe_load((MAPPINGS_DIR / "hsa_trace_sale.yaml").read_text(encoding="utf-8"))


def test_string_field_is_shorthand_for_a_column() -> None:
    spec = FeedSpec.model_validate(_base())
    assert isinstance(spec.fields["med_list_codg"], ColumnSource)
    assert any(isinstance(src, ConstSource) for src in spec.fields.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["fields"].update(rx_flag={"column": "rx_type", "codes": "nope"}), "code map 'nope'"),
        (lambda d: d.update(correction_key="not_a_field"), "correction_key"),
        (lambda d: d["checks"].append({"column": "ghost", "expect": "not_null", "reason": "x"}), "unknown wire field"),
        (lambda d: d["checks"].append({"column": "memo", "expect": "regex", "reason": "x"}), "needs a regex"),
        (lambda d: d["checks"].append({"column": "memo", "expect": "not_null", "reason": "x",
                                       "when": {"rx_flag": "1"}}), "'when' names SQL columns"),
        (lambda d: d.update(surprise=1), "surprise"),
    ],
)
def test_mistakes_in_a_declaration_are_refused_with_a_reason(change, message) -> None:
    data = _base()
    change(data)
    with pytest.raises(ValidationError, match=message):
        FeedSpec.model_validate(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(platform="fax"), "unknown platform 'fax'"),
        (lambda d: d["options"].update(single="9999"), "feed hsa_trace_sale: options for platform 'hsa'"),
        (lambda d: d["options"].update(batch="3501A"), "3501A is not the batch variant of 3505"),
        (lambda d: d["options"].pop("inv_data_type"), "a delete transaction needs inv_data_type"),
        (lambda d: d["options"].update(surprise=1), "surprise"),
    ],
    ids=["unknown platform", "unknown transaction", "batch of another", "delete without type", "unknown option"],
)
def test_a_platform_or_options_it_cannot_read_are_refused_when_the_feed_is_loaded(tmp_path, change,
                                                                                  message) -> None:
    """``platform`` and ``options`` are read by the platform (the registry), not by FeedSpec itself."""
    data = _base()
    change(data)
    FeedSpec.model_validate(data)  # the declaration's own shape is fine …
    (tmp_path / "hsa_trace_sale.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=message):  # … the platform refuses it when the feed is loaded
        load_feed_spec("hsa_trace_sale", mappings_dir=tmp_path)
    with pytest.raises(ValueError, match=message):
        FeedSpec.model_validate(data).platform_options  # noqa: B018 - the property validates


def test_an_unknown_transaction_in_the_options_is_refused_when_the_feed_is_loaded(tmp_path) -> None:
    data = _base()
    data["options"]["single"] = "9999"
    (tmp_path / "hsa_trace_sale.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="feed hsa_trace_sale: .*unknown 医保 transaction .9999."):
        load_feed_spec("hsa_trace_sale", mappings_dir=tmp_path)


def test_a_window_must_be_one_the_scheduler_understands() -> None:
    for window in ("5m", "1h", "daily", "cron: 0 2 * * *"):
        assert FeedSpec.model_validate(_base() | {"window": window}).window == window
    for window in ("5 minutes", "weekly", "", "cron:"):
        with pytest.raises(ValidationError, match="window"):
            FeedSpec.model_validate(_base() | {"window": window})


def test_a_declaration_must_match_its_file_name(tmp_path) -> None:
    data = _base()
    (tmp_path / "other_feed.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="expected 'other_feed'"):
        load_feed_spec("other_feed", mappings_dir=tmp_path)
