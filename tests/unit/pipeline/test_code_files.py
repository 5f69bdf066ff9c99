"""Shared code-map files: one place for a platform's HIS → national code maps, merged under a feed's own."""

from __future__ import annotations

import shutil

import pytest

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import load_feed_spec, read_yaml


@pytest.fixture
def mappings(tmp_path):
    shutil.copy(MAPPINGS_DIR / "hsa_trace_sale.yaml", tmp_path / "hsa_trace_sale.yaml")
    return tmp_path


def _with(mappings, **changes) -> None:
    path = mappings / "hsa_trace_sale.yaml"
    data = read_yaml(path) | changes
    import yaml

    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shared_maps_are_merged_and_the_feed_s_own_win(mappings) -> None:
    (mappings / "shared_codes.yaml").write_text(
        "codes:\n  rx_flag: {RX: '9', OTC: '8'}\n  extra: {A: '01'}\n", encoding="utf-8")
    _with(mappings, code_files=["shared_codes.yaml"])
    spec = load_feed_spec("hsa_trace_sale", mappings)
    assert spec.codes["extra"] == {"A": "01"}
    assert spec.codes["rx_flag"] == {"RX": "1", "OTC": "0"}  # the feed's own map wins


def test_a_field_may_use_a_map_only_the_shared_file_declares(mappings) -> None:
    (mappings / "shared_codes.yaml").write_text("codes:\n  yn: {Y: '1', N: '0'}\n", encoding="utf-8")
    data = read_yaml(mappings / "hsa_trace_sale.yaml")
    fields = data["fields"] | {"trdn_flag": {"column": "split_flag", "codes": "yn"}}
    _with(mappings, code_files=["shared_codes.yaml"], fields=fields)
    assert load_feed_spec("hsa_trace_sale", mappings).fields["trdn_flag"].codes == "yn"


def test_a_missing_or_malformed_code_file_is_named(mappings) -> None:
    _with(mappings, code_files=["nowhere.yaml"])
    with pytest.raises(FileNotFoundError, match="nowhere.yaml"):
        load_feed_spec("hsa_trace_sale", mappings)
    (mappings / "bad.yaml").write_text("rx_flag: {RX: '1'}\n", encoding="utf-8")
    _with(mappings, code_files=["bad.yaml"])
    with pytest.raises(ValueError, match="bad.yaml"):
        load_feed_spec("hsa_trace_sale", mappings)
