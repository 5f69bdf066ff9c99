"""The catalogue: every endpoint declared once, consistent with its SQL (binds, columns, portability), every field
described in Chinese, personal fields flagged, and docs that are not stale."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import sqlglot
from pydantic import BaseModel
from sqlalchemy import text
from sqlglot import ErrorLevel, exp

from hisbridge import SQL_DIR
from hisbridge.platforms.city_brain import catalogue, doc
from hisbridge.platforms.city_brain.catalogue import ENDPOINTS, Endpoint
from hisbridge.platforms.city_brain.executor import END_TIME, KEYS, RESERVED, START_TIME

ALL = list(ENDPOINTS.values())
SQL_FILES = [(e.path, e.sql) for e in ALL] + [(f"{e.path}.{c.field}", c.sql) for e in ALL for c in e.children]
#: attribute names whose values identify a person: they must be flagged PII
PERSONAL = re.compile(r"^(patient_name|id_card_no|phone|mobile|address|contact_tel|contact_phone|\w+_id_card_no)$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """The model and the models nested in its fields."""
    found = [model]
    for info in model.model_fields.values():
        for arg in [info.annotation, *typing.get_args(info.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in found:
                    found += [m for m in _models(inner) if m not in found]
    return found


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _code(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", sql))


def test_every_endpoint_is_declared_once_in_a_listed_module() -> None:
    declared = [e.path for area in catalogue.areas() for e in area.endpoints]
    assert len(declared) == len(set(declared)) == len(ENDPOINTS)
    assert "health" not in ENDPOINTS  # served by the app itself
    modules = {p.stem for p in (Path(catalogue.__file__).parent / "endpoints").glob("*.py") if p.stem != "__init__"}
    assert modules == set(catalogue.AREAS), "list every endpoints/<area>.py module in catalogue.AREAS"
    assert all(area.title != area.name and CJK.search(area.title) for area in catalogue.areas()), "TITLE in Chinese"


def test_the_directory_endpoints_are_the_specs() -> None:
    spec = {"departments": ("获取医院科室信息", True), "staff": ("获取医院职工信息", True),
            "patientProfile": ("个人档案查询", False)}
    assert {p: (ENDPOINTS[p].title, ENDPOINTS[p].many) for p in spec} == spec


@pytest.mark.parametrize("endpoint", ALL, ids=lambda e: e.path)
def test_every_field_is_described_in_chinese(endpoint: Endpoint) -> None:
    models = _models(endpoint.params) + _models(endpoint.item) + [m for c in endpoint.children for m in _models(c.item)]
    for model in models:
        for name, info in model.model_fields.items():
            assert info.description and CJK.search(info.description), f"{model.__name__}.{name} has no Chinese words"
    assert CJK.search(endpoint.title)


@pytest.mark.parametrize("endpoint", ALL, ids=lambda e: e.path)
def test_personal_fields_are_flagged(endpoint: Endpoint) -> None:
    models = _models(endpoint.params) + _models(endpoint.item) + [m for c in endpoint.children for m in _models(c.item)]
    for model in models:
        for name, info in model.model_fields.items():
            if PERSONAL.match(name):
                flags = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
                assert flags.get("pii") is True, f"{model.__name__}.{name} holds personal data: flag it PII"


@pytest.mark.parametrize("endpoint", ALL, ids=lambda e: e.path)
def test_parameters_bind_by_name(endpoint: Endpoint) -> None:
    # a computed field (a one-day feeDate as start_date and end_date) binds like a parameter
    params = set(endpoint.params.model_fields) | set(endpoint.params.model_computed_fields)
    assert not params & RESERVED, "the executor binds these names itself"
    allowed = params | ({START_TIME, END_TIME} if {"start_date", "end_date"} <= params else set())
    assert endpoint.sql_path.is_file(), f"include/sql/{endpoint.sql} is missing"
    binds = set(text(_sql(endpoint.sql))._bindparams)
    assert binds <= allowed, f"{endpoint.sql} binds {binds - allowed}, which are no parameters"
    for child in endpoint.children:
        assert (SQL_DIR / child.sql).is_file(), f"include/sql/{child.sql} is missing"
        child_binds = set(text(_sql(child.sql))._bindparams)
        assert KEYS in child_binds and child_binds <= allowed | {KEYS}


@pytest.mark.parametrize("endpoint", ALL, ids=lambda e: e.path)
def test_the_sql_answers_every_column_of_the_item(endpoint: Endpoint) -> None:
    tree = sqlglot.parse_one(_sql(endpoint.sql), read="oracle", error_level=ErrorLevel.RAISE)
    names = [sel.alias_or_name for sel in tree.selects]
    assert all(isinstance(sel, exp.Alias | exp.Column) for sel in tree.selects)
    assert names == [n.lower() for n in names] and len(names) == len(set(names))
    assert set(endpoint.columns) <= set(names), f"missing columns {set(endpoint.columns) - set(names)}"
    if endpoint.many:
        assert tree.args.get("order"), "ORDER BY the endpoint's order_by"
    for child in endpoint.children:
        child_tree = sqlglot.parse_one(_sql(child.sql), read="oracle", error_level=ErrorLevel.RAISE)
        child_names = {sel.alias_or_name for sel in child_tree.selects}
        assert {"parent_key", *child.item.model_fields} <= child_names


@pytest.mark.parametrize("dialect", ["oracle", "postgres"])
@pytest.mark.parametrize(("label", "name"), SQL_FILES, ids=[label for label, _ in SQL_FILES])
def test_the_sql_is_one_portable_select(label: str, name: str, dialect: str) -> None:
    sql = _sql(name)
    statements = [s for s in sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE) if s]
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)
    vendor = (exp.Limit, exp.Fetch, exp.ILike, exp.GroupConcat, exp.ArrayAgg, exp.TryCast)
    assert not [type(n).__name__ for n in statements[0].walk() if isinstance(n, vendor)]
    code = _code(sql)
    assert "::" not in code and ";" not in code
    for word in ("LIMIT", "OFFSET", "TOP", "ILIKE", "STRING_AGG", "LISTAGG", "GROUP_CONCAT", "NVL", "SYSDATE", "NOW"):
        assert not re.search(rf"\b{word}\b", code, re.IGNORECASE), f"{word} is not portable"
    assert not re.search(r"\b(FROM|JOIN)\s+\w+\s+AS\s+\w+", code, re.IGNORECASE), "Oracle refuses AS on a table"
    # PostgreSQL cannot type a parameter that is only tested for NULL
    assert not re.search(r":\w+\s+IS\s+(NOT\s+)?NULL", code, re.IGNORECASE), "write COALESCE(:p, col) = col"
    comments = re.findall(r"--[^\n]*", sql)
    assert not [c for c in comments if re.search(r"(?<![:\w]):[A-Za-z_]", c)], "a comment names a bind parameter"


def test_the_staff_answer_never_reads_id_numbers_or_phones() -> None:
    code = _code(_sql(ENDPOINTS["staff"].sql))
    assert not re.search(r"id_card_no|phone", code)
    assert not {"id_card_no", "phone"} & set(ENDPOINTS["staff"].item.model_fields)


def test_a_declaration_error_says_which_endpoint() -> None:
    departments = ENDPOINTS["departments"]
    with pytest.raises(ValueError, match="'departments': a list needs order_by"):
        Endpoint("departments", "科室", departments.params, departments.item, departments.sql)
    with pytest.raises(ValueError, match="order_by names columns the item does not have"):
        Endpoint("departments", "科室", departments.params, departments.item, departments.sql, order_by=("x",))
    with pytest.raises(ValueError, match="camelCase"):
        Endpoint("dept-list", "科室", departments.params, departments.item, departments.sql, order_by=("dept_code",))


def test_a_broken_module_is_named(monkeypatch) -> None:
    monkeypatch.setattr(catalogue, "AREAS", ("directory", "no_such_area"))
    with pytest.raises(ImportError, match=r"hisbridge\.platforms\.city_brain\.endpoints\.no_such_area"):
        catalogue._collect(catalogue.AREAS)


def test_the_docs_are_up_to_date() -> None:
    text_ = doc.DOC.read_text(encoding="utf-8")
    assert doc.rendered(text_) == text_, "run `python -m hisbridge city-brain doc --write`"
    for endpoint in ALL:
        assert f"### {endpoint.path} — {endpoint.title}" in text_
    assert "| `1007` | 429 | 请求过于频繁 |" in text_ and "### health — 医院接口健康检查" in text_
