"""The seven dictionaries' declarations, their SQL (portable: Oracle and PostgreSQL) and the campus code maps."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import ErrorLevel, exp

from demo.jiulonghu import schema as campus_schema
from hisbridge import SQL_DIR
from hisbridge.platforms.jiulonghu.catalogue import BY_NAME, DICTIONARIES, select
from hisbridge.platforms.jiulonghu.codes import load_codes, map_row

SQL_FILES = sorted((SQL_DIR / "jiulonghu").glob("dict_*.sql"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_seven_dictionaries_in_dependency_order() -> None:
    assert [d.name for d in DICTIONARIES] == ["dept", "staff", "doctor", "nurse", "pharmacist", "drug", "charge_item"]
    assert {d.title for d in DICTIONARIES} == {"科室", "工作人员", "医生", "护士", "药师", "药品", "收费项目"}
    seen: set[str] = set()
    for d in DICTIONARIES:
        assert set(d.parents) <= seen, f"{d.name} comes before its parents {d.parents}"
        seen.add(d.name)
    assert all(BY_NAME[n].parents == ("dept",) for n in ("staff", "doctor", "nurse", "pharmacist"))


@pytest.mark.parametrize("d", DICTIONARIES, ids=lambda d: d.name)
def test_every_dictionary_has_title_sql_key_and_campus_table(d) -> None:
    assert CJK.search(d.title)
    assert d.sql_path.exists(), d.sql_file
    table = campus_schema.metadata.tables[d.table]
    assert [c.name for c in table.primary_key.columns] == [d.campus_key]
    declared = {*d.campus_columns, d.version_column, d.modified_at_column, d.modified_by_column}
    assert declared <= set(table.columns.keys()), declared - set(table.columns.keys())
    assert all(CJK.search(c.title) for c in d.columns)
    tree = sqlglot.parse_one(d.sql(), read="oracle", error_level=ErrorLevel.RAISE)
    assert {s.alias_or_name for s in tree.selects} >= d.source_columns


@pytest.mark.parametrize("d", DICTIONARIES, ids=lambda d: d.name)
def test_every_row_carries_the_hsa_code(d) -> None:
    hsa = {"dept": {"hosp_dept_codg", "caty"}, "staff": {"hi_psn_codg", "prac_cert_no"},
           "doctor": {"hi_psn_codg", "prac_cert_no"}, "nurse": {"hi_psn_codg", "prac_cert_no"},
           "pharmacist": {"hi_psn_codg", "prac_cert_no"}, "drug": {"med_list_codg"}, "charge_item": {"med_list_codg"}}
    assert hsa[d.name] <= {c.source for c in d.columns}


def test_no_personal_data_is_selected() -> None:
    for path in SQL_FILES:
        code = path.read_text(encoding="utf-8").split("SELECT", 1)[1]
        for column in ("id_card_no", "phone", "birth_date"):
            assert column not in code, f"{path.name} selects {column}"


def test_select_by_name_keeps_dependency_order_and_refuses_unknown_names() -> None:
    assert [d.name for d in select("drug,dept")] == ["dept", "drug"]
    assert select(None) == DICTIONARIES
    with pytest.raises(ValueError, match="unknown dictionaries"):
        select("dept,wards")


def test_sql_files_are_the_declared_ones() -> None:
    assert sorted(p.name for p in SQL_FILES) == sorted(f"dict_{d.name}.sql" for d in DICTIONARIES)


@pytest.mark.parametrize("dialect", ["oracle", "postgres"])
@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_parses_as_one_portable_select(path, dialect) -> None:
    sql = path.read_text(encoding="utf-8")
    statements = [s for s in sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE) if s]
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)
    tree = statements[0]
    assert not [n for n in tree.walk() if isinstance(n, (exp.Limit, exp.Fetch, exp.ILike, exp.TryCast))]
    code = re.sub(r"--[^\n]*", "", sql)
    assert "::" not in code and ";" not in code
    for word in ("LIMIT", "TOP", "NVL", "SYSDATE", "NOW"):
        assert not re.search(rf"\b{word}\b", code, re.IGNORECASE), word
    assert not re.search(r"\b(FROM|JOIN)\s+\w+\s+AS\s+\w+", code, re.IGNORECASE)  # Oracle refuses it
    assert tree.args.get("order"), "rows come ordered by the business key"
    names = [s.alias_or_name for s in tree.selects]
    assert names == [n.lower() for n in names] and len(names) == len(set(names))


def test_code_maps_load_and_cover_every_declared_map() -> None:
    codes = load_codes()
    assert {c.codes for d in DICTIONARIES for c in d.columns if c.codes} <= set(codes)
    assert codes["gender"]["1"] == "M" and codes["dept_code"]["1010"] == "0101"
    assert len(set(codes["dept_code"].values())) == len(codes["dept_code"]), "two departments share a campus code"


def test_an_unmapped_code_quarantines_the_row_with_a_chinese_reason() -> None:
    codes = load_codes()
    row = {"staff_code": "10001", "staff_name": "张三", "gender": "1", "staff_role": "doctor", "title": "主治医师",
           "dept_code": "5090", "prac_cert_no": "110360102123456", "hi_psn_codg": "D360102010001", "is_active": 1}
    mapped, reason = map_row(BY_NAME["staff"], row, codes)
    assert mapped is None
    assert reason == ("工作人员 10001：所属科室「5090」在 jiulonghu_codes.yaml 的 dept_code 中没有院区对照，"
                      "本行未同步（补上对照后下次同步）")
    mapped, reason = map_row(BY_NAME["staff"], {**row, "dept_code": "1010"}, codes)
    assert reason is None
    assert mapped == {"zgdm": "10001", "xm": "张三", "xb": "M", "ksdm": "0101", "zc": "主治医师",
                      "zyzsbm": "110360102123456", "ybrydm": "D360102010001", "rylb": "01", "tybz": "0"}
    mapped, _ = map_row(BY_NAME["staff"], {**row, "dept_code": "1010", "is_active": 0}, codes)
    assert mapped["tybz"] == "1"
