"""The made-up contract installed on a real PostgreSQL database, with its reader, and checked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from hisbridge.contracts.check import check
from hisbridge.contracts.ddl import install
from hisbridge.contracts.model import DbContract
from hisbridge.db import make_engine

from .lab import create_base_table, lab_contract

pytestmark = pytest.mark.postgres

PASSWORD = "lab'pw 1"


@pytest.fixture
def contract(pg_url: str) -> Iterator[DbContract]:
    """The made-up contract with a reader name unique to this test (roles are cluster-wide); dropped after."""
    name = f"lab_reader_t{uuid.uuid4().hex[:10]}"
    yield lab_contract(reader_name=name)
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT COUNT(*) FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar():
                conn.execute(text(f"DROP OWNED BY {name}"))
                conn.execute(text(f"DROP ROLE {name}"))
    finally:
        admin.dispose()


@pytest.fixture
def lis(pg_url: str, contract: DbContract) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    create_base_table(engine)
    install(engine, contract, password=PASSWORD)
    yield engine
    engine.dispose()


def codes_and_subjects(report) -> set[tuple[str, str]]:
    return {(str(f.code), f.subject) for f in report.findings}


def test_a_fresh_install_passes_with_the_reader_logged_in(lis: Engine, contract: DbContract) -> None:
    report = check(lis, contract, reader_password=PASSWORD)
    assert report.passed and report.findings == [], report.render()
    assert f"只读账号 {contract.reader.name}：已登录验证，2 个表和视图可查，1 张基表的查询、写入与建表均被拒绝" in report.notes


def test_check_finds_a_missing_column_and_a_wrong_type(lis: Engine, contract: DbContract) -> None:
    with lis.begin() as conn:
        conn.execute(text("ALTER TABLE lab_result DROP COLUMN reported_at"))
        conn.execute(text("ALTER TABLE lab_result ALTER COLUMN value_text TYPE varchar(80)"))
    report = check(lis, contract, reader_password=PASSWORD)
    assert not report.passed
    assert codes_and_subjects(report) == {
        ("column_missing", "lab_result.REPORTED_AT"),
        ("column_type", "lab_result.VALUE_TEXT"),
    }
    wrong = next(f for f in report.findings if f.code == "column_type")
    assert wrong.message == "类型为 varchar(80)，契约为 varchar(50)"


def test_check_finds_a_hand_made_view_with_other_types(lis: Engine, contract: DbContract) -> None:
    with lis.begin() as conn:
        conn.execute(text("DROP VIEW lab_open_order"))
        conn.execute(
            text("CREATE VIEW lab_open_order AS SELECT CAST(order_id AS text), test_code, 1 AS is_open FROM lab_order")
        )
    report = check(lis, contract, reader_password=PASSWORD)
    assert {
        ("column_type", "lab_open_order.ORDER_ID"),  # text, not varchar(20)
        ("column_missing", "lab_open_order.ORDERED_AT"),
        ("column_type", "lab_open_order.IS_OPEN"),  # integer, not smallint
        ("reader_cannot_select", f"reader {contract.reader.name}"),  # a new view forgets the grant
    } <= codes_and_subjects(report)


def test_check_finds_the_reader_reading_base_tables_and_writing(lis: Engine, contract: DbContract) -> None:
    with lis.begin() as conn:
        conn.execute(text(f"GRANT SELECT ON lab_order TO {contract.reader.name}"))
        conn.execute(text(f"GRANT DELETE ON lab_result TO {contract.reader.name}"))
    report = check(lis, contract, reader_password=PASSWORD)
    assert {"reader_extra_privilege", "reader_reads_base_table", "reader_can_write"} <= report.codes()


def test_reinstall_keeps_rows_and_grants(pg_url: str, lis: Engine, contract: DbContract) -> None:
    with lis.begin() as conn:
        conn.execute(text("INSERT INTO lab_result VALUES ('R1', 'O1', '5.6', NULL)"))
    install(lis, contract)  # the reader exists: its password is kept
    reader = create_engine(make_url(pg_url).set(username=contract.reader.name, password=PASSWORD))
    try:
        with reader.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM lab_result")).scalar() == 1
            assert conn.execute(text("SELECT COUNT(*) FROM lab_open_order")).scalar() == 2
    finally:
        reader.dispose()
