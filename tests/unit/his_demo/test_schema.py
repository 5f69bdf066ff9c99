"""The demo HIS schema is portable (SQLite, PostgreSQL, Oracle) and keeps the outpatient contract exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import Date, DateTime, Integer, Numeric, SmallInteger, String, create_engine, inspect
from sqlalchemy.dialects import oracle, postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from demo.his import schema

# Oracle reserved words (V$RESERVED_WORDS, reserved = Y) and PostgreSQL reserved key words that look like
# column names; none may be a table or column name.
RESERVED = set(
    """
    access add all alter and any as asc audit between by char check cluster column comment compress connect
    create current date decimal default delete desc distinct drop else exclusive exists file float for from
    grant group having identified immediate in increment index initial insert integer intersect into is level
    like lock long maxextents minus mode modify noaudit nocompress not nowait null number of offline on online
    option or order pctfree prior public raw rename resource revoke row rowid rownum rows select session set
    share size smallint start synonym sysdate table then to trigger uid union unique update user validate values
    varchar varchar2 view whenever where with
    limit offset analyse analyze array both case cast collate constraint current_date current_time
    current_user do end except fetch foreign leading localtime only placing primary references returning some
    symmetric trailing variadic window
    """.split()
)

OUTPATIENT = {
    "dept": "dept_code dept_name dept_type campus area floor spell_code sort_no caty is_active updated_at",
    "room": "room_code room_name dept_code floor location caller_terminal is_active updated_at",
    "staff": "staff_code name gender birth_date id_card_no phone role title dept_code prac_cert_no specialty "
    "hi_psn_codg is_active updated_at",
    "patient": "patient_id name gender birth_date id_card_no phone address psn_no insuplc_admdvs created_at",
    "registration": "reg_id patient_id dept_code room_code doctor_code visit_date time_slot queue_no reg_type "
    "reg_time is_appointment sign_in_time visit_status is_revisit status cancel_time updated_at",
}


def test_outpatient_tables_have_exactly_the_agreed_columns() -> None:
    for table, columns in OUTPATIENT.items():
        assert [c.name for c in schema.metadata.tables[table].columns] == columns.split()


def test_identifiers_fit_oracle_and_avoid_reserved_words() -> None:
    for table in schema.metadata.sorted_tables:
        assert len(table.name) <= 30 and table.name not in RESERVED
        for column in table.columns:
            assert len(column.name) <= 30, f"{table.name}.{column.name}"
            assert column.name not in RESERVED, f"{table.name}.{column.name} is a reserved word"
        for index in table.indexes:
            assert index.name and len(index.name) <= 30


def test_only_portable_types() -> None:
    allowed = (String, Integer, SmallInteger, Numeric, Date, DateTime)
    for table in schema.metadata.sorted_tables:
        for column in table.columns:
            assert isinstance(column.type, allowed), f"{table.name}.{column.name}: {column.type!r}"
            if isinstance(column.type, String):
                assert column.type.length, f"{table.name}.{column.name} needs a length (Oracle VARCHAR2)"


@pytest.mark.parametrize("dialect", [oracle, postgresql, sqlite], ids=lambda d: d.__name__.rsplit(".", 1)[-1])
def test_ddl_compiles(dialect) -> None:
    dialect = dialect.dialect()
    for table in schema.metadata.sorted_tables:
        assert "CREATE TABLE" in str(CreateTable(table).compile(dialect=dialect))
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))


def test_create_and_drop_schema(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'his.db'}")
    schema.create_schema(engine)
    schema.create_schema(engine)  # idempotent
    assert set(inspect(engine).get_table_names()) == set(schema.metadata.tables)
    schema.drop_schema(engine)
    assert inspect(engine).get_table_names() == []
