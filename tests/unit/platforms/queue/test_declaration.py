"""The hx_* declaration: the YAML validates, sites resolve, bad overrides are refused with a clear message."""

from __future__ import annotations

import pytest
import yaml

from hisbridge.contracts.column_types import oracle_type, pg_type
from hisbridge.contracts.errors import ContractError
from hisbridge.platforms.queue.declaration import (
    CONTRACT_PATH,
    MANDATORY_VIEWS,
    VIEW_NAMES,
    ContractFile,
    load_contract,
    load_contract_file,
    parse_contract_file,
    resolve,
)


def raw() -> dict:
    return yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


def with_site(**override) -> ContractFile:
    data = raw()
    data["sites"] = {"s": override}
    return parse_contract_file(data)


def test_default_contract_has_all_four_views_with_add_state_and_one_key() -> None:
    contract = load_contract(site=None)
    assert contract.view_names == VIEW_NAMES
    for name in VIEW_NAMES:
        view = contract.views[name]
        assert view.add_state_column.name == "ADD_STATE" and not view.add_state_column.nullable
        assert view.key_column is view.columns[0]
    assert all(contract.views[v].required for v in MANDATORY_VIEWS)
    assert not contract.views["hx_room"].required and not contract.views["hx_doctor"].required


def test_every_column_is_described_typed_and_has_an_example() -> None:
    contract = load_contract(site=None)
    for view in contract.views.values():
        for col in view.columns:
            assert col.description and col.example is not None, col.name
            assert pg_type(col.type) and oracle_type(col.type)


def test_queue_exposes_what_a_queue_system_needs() -> None:
    names = {c.name for c in load_contract(site=None).views["hx_queue"].columns}
    assert {
        "QUEUE_ID", "QUEUE_NO", "PATIENT_NAME", "DEPT_ID", "DEPT_NAME", "ROOM_ID", "ROOM_NAME", "DOCTOR_ID",
        "DOCTOR_NAME", "REG_TIME", "VISIT_STATUS", "SIGN_IN_STATE", "PRIORITY", "IS_ELDERLY", "IS_REVISIT",
        "TIME_SLOT", "ADD_STATE",
    } <= names  # fmt: skip


def test_contract_is_not_mistaken_for_a_feed_declaration() -> None:
    assert not {"platform", "feed"} & set(raw())


def test_types_map_per_dialect() -> None:
    assert [pg_type(t) for t in ("string(20)", "int", "flag", "date", "datetime")] == [
        "varchar(20)", "integer", "smallint", "date", "timestamp(0)",
    ]  # fmt: skip
    assert [oracle_type(t) for t in ("string(20)", "int", "flag", "date", "datetime")] == [
        "VARCHAR2(20 CHAR)", "NUMBER(10)", "NUMBER(1)", "DATE", "DATE",
    ]  # fmt: skip


def test_example_site_renames_drops_disables_and_changes_settings() -> None:
    contract = load_contract(site="example_site")
    assert contract.settings.elderly_age == 65 and contract.settings.mask_rule == "first_only"
    assert "hx_doctor" not in contract.views
    queue = [c.name for c in contract.views["hx_queue"].columns]
    assert "PAT_NAME" in queue and "PATIENT_NAME" not in queue
    assert "SEQ_NO" in queue and "GENDER" not in queue and "IS_ELDERLY" not in queue
    assert queue[-1] == "AGE"
    assert contract.views["hx_queue"].column("DEPT_NAME").description == "挂号科室名称（厂商要求）"
    assert "CALLER_ID" not in [c.name for c in contract.views["hx_room"].columns]


def test_site_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HISBRIDGE_SITE", "example_site")
    assert load_contract().site == "example_site"


def test_unknown_site_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ContractError, match="example_site"):
        load_contract(site="nowhere")


def test_a_required_column_cannot_be_dropped() -> None:
    with pytest.raises(ContractError, match="QUEUE_ID is required"):
        resolve(with_site(views={"hx_queue": {"drop": ["QUEUE_ID"]}}), "s")


def test_a_mandatory_view_cannot_be_disabled() -> None:
    with pytest.raises(ContractError, match="mandatory"):
        resolve(with_site(views={"hx_queue": {"enabled": False}}), "s")


def test_an_unknown_column_in_an_override_is_refused() -> None:
    with pytest.raises(ContractError, match="no column 'NOPE'"):
        resolve(with_site(views={"hx_queue": {"rename": {"NOPE": "X"}}}), "s")


def test_a_rename_onto_an_existing_column_is_refused() -> None:
    with pytest.raises(ContractError, match="duplicate"):
        resolve(with_site(views={"hx_queue": {"rename": {"GENDER": "DEPT_ID"}}}), "s")


def test_an_added_column_needs_a_known_source_or_an_expr() -> None:
    col = {"name": "PHOTO_URL", "type": "string(200)", "source": "photo", "description": "照片"}
    with pytest.raises(ContractError, match="not in the expression library"):
        resolve(with_site(views={"hx_doctor": {"add": [col]}}), "s")
    col["expr"] = {"postgresql": "'x'", "oracle": "'x'", "sqlite": "'x'"}
    contract = resolve(with_site(views={"hx_doctor": {"add": [col]}}), "s")
    assert contract.views["hx_doctor"].columns[-1].name == "PHOTO_URL"


@pytest.mark.parametrize("name", ["LEVEL", "DATE", "9LIVES", "A" * 31, "a-b"])
def test_column_names_must_be_plain_identifiers(name: str) -> None:
    with pytest.raises(ContractError):
        resolve(with_site(views={"hx_queue": {"rename": {"GENDER": name}}}), "s")
    with pytest.raises(ContractError):
        resolve(
            with_site(
                views={
                    "hx_queue": {"add": [{"name": name, "type": "int", "source": "age", "description": "x"}]}
                }
            ),
            "s",
        )


def test_settings_are_validated() -> None:
    with pytest.raises(ContractError, match="time zone"):
        resolve(with_site(settings={"timezone": "Mars/Base"}), "s")
    with pytest.raises(ContractError):
        resolve(with_site(settings={"elderly_age": 7}), "s")


def test_descriptions_may_not_carry_sqlplus_substitution() -> None:
    data = raw()
    data["views"]["hx_queue"]["columns"][0]["description"] = "A & B"
    with pytest.raises(ContractError, match="SQL\\*Plus"):
        parse_contract_file(data)


def test_the_contract_file_has_no_secret() -> None:
    text = CONTRACT_PATH.read_text(encoding="utf-8").lower()
    assert "password:" not in text and "identified by" not in text
    assert load_contract_file().reader.password_env == "HX_READER_PASSWORD"
