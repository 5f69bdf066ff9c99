"""The declaration: names all three dialects accept, the five column types, a contract's own consistency."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hisbridge.contracts.column_types import dialect_type, oracle_type, pg_type, sqlite_type
from hisbridge.contracts.model import Column, DbContract, Reader

from .lab import lab_contract

TYPES = ("string(20)", "int", "flag", "date", "datetime")


def test_types_are_spelled_per_dialect_as_the_catalogs_report_them() -> None:
    assert [pg_type(t) for t in TYPES] == ["varchar(20)", "integer", "smallint", "date", "timestamp(0)"]
    assert [oracle_type(t) for t in TYPES] == ["VARCHAR2(20 CHAR)", "NUMBER(10)", "NUMBER(1)", "DATE", "DATE"]
    assert [sqlite_type(t) for t in TYPES] == ["TEXT", "INTEGER", "INTEGER", "TEXT", "TEXT"]
    assert dialect_type("string(5)", "oracle") == "VARCHAR2(5 CHAR)"


def test_column_names_are_upper_cased_and_lengths_known() -> None:
    col = Column(name="value_text", type="string(50)", description="结果")
    assert (col.name, col.length) == ("VALUE_TEXT", 50)
    assert Column(name="n", type="int", description="数").length is None


@pytest.mark.parametrize("name", ["LEVEL", "date", "9LIVES", "A" * 31, "a-b"])
def test_column_names_must_be_plain_unreserved_identifiers(name: str) -> None:
    with pytest.raises(ValidationError):
        Column(name=name, type="int", description="x")


@pytest.mark.parametrize("bad", [{"type": "string"}, {"type": "bool"}, {"description": ""}, {"description": "A & B"}])
def test_column_types_and_descriptions_are_validated(bad: dict) -> None:
    with pytest.raises(ValidationError):
        Column(**{"name": "X", "type": "int", "description": "x", **bad})


def test_reader_names_are_lower_cased_and_the_script_variable_follows() -> None:
    reader = Reader(name="Lab_Reader", password_env="LAB_READER_PASSWORD")
    assert (reader.name, reader.script_variable) == ("lab_reader", "lab_reader_password")
    assert reader.model_copy(update={"password_variable": "pw"}).script_variable == "pw"
    with pytest.raises(ValidationError):
        Reader(name="lab_reader", password_env="lab-password")


def test_contract_lists_its_objects_by_kind() -> None:
    contract = lab_contract()
    assert contract.object_names == ("lab_result", "lab_open_order")
    assert [t.name for t in contract.tables] == ["lab_result"]
    assert [v.name for v in contract.views] == ["lab_open_order"]
    assert contract.objects_noun == "表和视图"
    assert contract.object("lab_result").key_columns[0].name == "RESULT_ID"


def test_duplicate_objects_and_columns_are_refused() -> None:
    contract = lab_contract()
    with pytest.raises(ValidationError, match="duplicate object names"):
        DbContract.model_validate({**contract.model_dump(), "objects": [*contract.model_dump()["objects"]] * 2})
    table = contract.object("lab_result").model_dump()
    with pytest.raises(ValidationError, match="duplicate column names"):
        type(contract.object("lab_result")).model_validate({**table, "columns": table["columns"] * 2})


def test_a_retired_view_cannot_also_be_in_the_contract() -> None:
    data = {**lab_contract().model_dump(), "retired_views": ["lab_open_order"]}
    with pytest.raises(ValidationError, match="both in the contract and retired"):
        DbContract.model_validate(data)


def test_contract_round_trips_through_plain_data() -> None:
    contract = lab_contract()
    assert DbContract.model_validate(contract.model_dump()) == contract
