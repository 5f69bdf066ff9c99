"""The fund self-check's rules file: the shipped one is valid, its SQL is portable, and a broken one is refused with
a message that names the rule and says what is wrong."""

from __future__ import annotations

import copy
import re

import pytest
import sqlglot
from sqlalchemy import text
from sqlglot import ErrorLevel, exp

from hisbridge import PROJECT_DIR, SQL_DIR
from hisbridge.pipeline.spec import read_yaml
from hisbridge.platforms.hsa import self_check
from hisbridge.platforms.hsa.self_check import SelfCheckSpecError, parse_spec

RAW = read_yaml(self_check.SPEC_FILE)
SPEC = self_check.load_spec()


def _with_rule(index: int = 0, **changes) -> dict:
    data = copy.deepcopy(RAW)
    rule = data["rules"][index]
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    return data


def _problem(data: dict) -> str:
    with pytest.raises(SelfCheckSpecError) as info:
        parse_spec(data)
    return str(info.value)


# -- the shipped file ----------------------------------------------------------------------------------------------
def test_shipped_rules_are_valid_and_cover_the_inspectors_checks() -> None:
    ids = [r.id for r in SPEC.rules]
    assert {"gender_limit", "age_limit", "duplicate_daily", "over_daily_qty", "after_discharge",
            "outpatient_during_stay", "indication_limit"} <= set(ids)
    assert {r.kind for r in SPEC.rules} == {"pandas", "sql"}
    for rule in SPEC.rules:
        assert re.search(r"[\u4e00-\u9fff]", rule.title + rule.description + rule.what_to_check)
        assert rule.detail, f"{rule.id}: a finding should say what is wrong"


def test_frame_sql_returns_exactly_the_documented_columns() -> None:
    tree = sqlglot.parse_one((SQL_DIR / self_check.FRAME_SQL).read_text(encoding="utf-8"), read="oracle",
                             error_level=ErrorLevel.RAISE)
    assert [s.alias_or_name for s in tree.selects] == list(self_check.SQL_COLUMNS)


@pytest.mark.parametrize("rule", [r for r in SPEC.rules if r.kind == "sql"], ids=lambda r: r.id)
def test_sql_rules_are_portable_and_return_the_finding_columns(rule) -> None:
    sql = rule.query()
    for dialect in ("oracle", "postgres"):
        tree = sqlglot.parse_one(sql, read=dialect, error_level=ErrorLevel.RAISE)
        assert isinstance(tree, exp.Select)
    names = [s.alias_or_name for s in tree.selects]
    assert set(self_check.FINDING_COLUMNS) - {"detail"} <= set(names)
    assert set(text(sql)._bindparams) <= {"window_start", "window_end"}
    if rule.detail:  # the template can only name what the query returns
        assert set(self_check._template_fields(rule.detail)) <= set(names)


def test_every_frame_column_is_documented_in_the_docs() -> None:
    doc = (PROJECT_DIR / "docs" / "hsa_fund_self_check.md").read_text(encoding="utf-8")
    missing = [c for c in self_check.FRAME_COLUMNS if f"`{c}`" not in doc]
    assert not missing, f"docs/hsa_fund_self_check.md does not describe {missing}"
    assert all(f"`{r.id}`" in doc for r in SPEC.rules)


# -- clear errors ---------------------------------------------------------------------------------------------------
def test_an_unknown_column_names_the_rule_the_field_and_the_columns_there_are() -> None:
    message = _problem(_with_rule(1, pandas={"where": "agee > max_age"}))
    assert "rules[1] (age_limit).pandas.where" in message
    assert "unknown name 'agee' (did you mean 'age'?)" in message and "starts_with_any" in message


def test_a_syntax_error_in_an_expression_is_reported_with_the_expression() -> None:
    message = _problem(_with_rule(0, pandas={"where": "gender != ", "amount_at_risk": "amount"}))
    assert "rules[0] (gender_limit).pandas.where" in message and "not a Python expression" in message


def test_private_attributes_are_refused() -> None:
    message = _problem(_with_rule(0, pandas={"where": "gender.__class__"}))
    assert "private attribute '__class__'" in message


def test_a_rule_must_be_exactly_one_kind() -> None:
    both = _problem(_with_rule(0, sql="SELECT fee_id FROM fee_detail"))
    assert "rules[0] (gender_limit)" in both and "exactly one of pandas, sql_file, sql (got pandas, sql)" in both
    neither = _problem(_with_rule(0, pandas=None))
    assert "exactly one of pandas, sql_file, sql (got none)" in neither


def test_sql_file_must_exist_and_follow_the_naming() -> None:
    missing = _problem(_with_rule(4, sql_file="hsa_fund_self_check_nope.sql"))
    assert "rules[4] (after_discharge)" in missing and "does not exist" in missing
    elsewhere = _problem(_with_rule(4, sql_file="../secrets.sql"))
    assert "hsa_fund_self_check_<name>.sql" in elsewhere


def test_a_query_may_bind_only_the_window() -> None:
    message = _problem(_with_rule(4, sql_file=None, sql="SELECT fee_id FROM fee_detail WHERE fee_time >= :day"))
    assert "rules[4] (after_discharge)" in message and "binds [':day']" in message


def test_detail_template_may_only_name_frame_columns() -> None:
    message = _problem(_with_rule(0, detail="患者 {patient_name}"))
    assert "rules[0] (gender_limit).detail" not in message  # a model-level check: reported on the rule
    assert "rules[0] (gender_limit)" in message and "unknown column(s) ['patient_name']" in message
    assert "name every field" in _problem(_with_rule(0, detail="患者 {}"))


def test_duplicate_ids_bad_severity_and_english_titles_are_refused() -> None:
    data = copy.deepcopy(RAW)
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    assert "rule id 'gender_limit' is used twice" in _problem(data)
    assert "rules[0] (gender_limit).severity" in _problem(_with_rule(0, severity="critical"))
    assert "rules[0] (gender_limit).title" in _problem(_with_rule(0, title="Wrong gender"))
    assert "rules[2] (no id).id" in _problem(_with_rule(2, id=None))
    assert "rules[0] (Gender-Limit).id" in _problem(_with_rule(0, id="Gender-Limit"))


def test_all_problems_are_reported_at_once_with_the_file_name() -> None:
    data = _with_rule(0, severity="critical")
    data["rules"][1]["pandas"] = {"where": "nope"}
    data["extra_key"] = 1
    message = _problem(data)
    assert message.startswith("hsa_fund_self_check.yaml: 3 problem(s)")
    assert "extra_key" in message


def test_once_per_day_items_are_checked() -> None:
    data = copy.deepcopy(RAW)
    data["once_per_day"]["items"] = [{"item_kind": "bed", "item_code": "X"}]
    assert "once_per_day.items.0.item_kind" in _problem(data)
