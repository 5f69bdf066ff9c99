"""The 市区卫平台 data sets as data: every declaration loads, names SQL that exists, fits its feed, and mistakes in
a declaration are refused with a message naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.regional.datasets import ColumnDecl, dataset_titles, datasets, load_datasets
from hisbridge.platforms.regional.feeds import RegionalFeedOptions
from hisbridge.platforms.regional.frontdb import check_feed
from hisbridge.platforms.registry import platform

REQUIRED_SETS = {"outpatient_visit": "门急诊就诊", "admission": "入院", "discharge": "出院",
                 "prescription": "处方", "lab_report": "检验报告", "exam_report": "检查报告"}
NAMES = sorted(datasets().datasets)


def test_the_six_uploads_are_declared_with_their_chinese_titles() -> None:
    assert {n: d.title for n, d in datasets().datasets.items()} == REQUIRED_SETS
    assert dataset_titles() == REQUIRED_SETS  # the DAG files' plain read agrees with the validated one


@pytest.mark.parametrize("name", NAMES)
def test_dataset_names_existing_sql_and_a_feed_that_fits_it(name: str) -> None:
    d = datasets().get(name)
    assert d.count_sql_path.is_file() and d.count_sql == f"regional/{name}_count.sql"
    spec = load_feed_spec(d.feed)
    assert spec.feed == f"regional_{name}" and spec.platform == "regional" and spec.window == "daily"
    assert spec.sql == f"regional/{name}.sql" and spec.sql_path.is_file()
    assert spec.platform_options == RegionalFeedOptions(dataset=name)
    assert check_feed(spec) is d  # raises naming an unmapped required column, a wrong key …
    assert d.receipt == "frontdb" and d.frontdb is not None and d.frontdb.flag_column == "upload_flag"
    assert (d.frontdb.pending, d.frontdb.uploaded, d.frontdb.failed) == ("0", "1", "2")


def test_the_platform_is_registered_as_an_upsert_platform() -> None:
    target = platform("regional")
    caps = target.capabilities_for(load_feed_spec("regional_lab_report"))
    assert target.title == "市区卫平台" and caps.correction == "upsert" and "batch" in caps.modes


@pytest.mark.parametrize(("text", "expected"), [
    ("varchar(18) pii", {"kind": "varchar", "length": 18, "pii": True, "required": False, "key": False}),
    ("varchar(20) key", {"kind": "varchar", "length": 20, "key": True, "required": True}),
    ("datetime required", {"kind": "datetime", "length": None, "required": True}),
    ("int", {"kind": "int", "required": False}),
])
def test_column_declarations_parse(text: str, expected: dict) -> None:
    c = ColumnDecl.parse("x", text)
    assert {k: getattr(c, k) for k in expected} == expected


@pytest.mark.parametrize("text", ["varchar", "text(10)", "varchar(10) unique", "datetime pii maybe"])
def test_a_bad_column_declaration_is_refused_naming_it(text: str) -> None:
    with pytest.raises(ValueError, match="column x"):
        ColumnDecl.parse("x", text)


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((MAPPINGS_DIR / "regional_datasets.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "regional_datasets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mutate", "words"), [
    (lambda d: d["datasets"]["admission"]["frontdb"].update(day_column="no_such"), "day_column"),
    (lambda d: d["datasets"]["admission"]["columns"].update(medcasno="varchar(40) key"), "exactly one column"),
    (lambda d: d["datasets"]["admission"].update(receipt="ack_api"), "ack_api block"),
    (lambda d: d["receipt_defaults"].update(failed="1"), "must differ"),
    (lambda d: d["datasets"]["admission"]["columns"].update(upload_flag="varchar(1)"), "receipt columns"),
])
def test_a_bad_declaration_is_refused_naming_what_is_wrong(tmp_path, mutate, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        load_datasets(_write(tmp_path, mutate))


def test_a_missing_count_sql_file_is_refused(tmp_path) -> None:
    path = _write(tmp_path, lambda d: d["datasets"]["admission"].update(count_sql="regional/nothing.sql"))
    with pytest.raises(FileNotFoundError, match="nothing.sql"):
        load_datasets(path)


def test_an_ack_api_receipt_can_be_declared(tmp_path) -> None:
    def to_api(d):
        d["datasets"]["lab_report"].update(receipt="ack_api", ack_api={"path": "/api/ack", "dataset_code": "JY01"})
    made = load_datasets(_write(tmp_path, to_api)).get("lab_report")
    assert made.receipt == "ack_api" and made.ack_api is not None and made.ack_api.day_param == "date"


def test_a_feed_naming_an_unknown_dataset_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown 市区卫平台 data set"):
        RegionalFeedOptions(dataset="vaccinations")
