"""The ledger's Alembic migrations on real databases, PostgreSQL and SQLite: same tests.

The shape the ledger had before Alembic is written out below as ``create_all`` built it (schema.py at 09f1d48),
independently of revision 0001, so the tests also show that 0001 is that shape.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)

from hisbridge.db import make_engine
from hisbridge.ledger import migrate
from hisbridge.ledger import schema as s
from hisbridge.ledger.cli import main as cli

HEAD = "0013_alert_ack"
AT = datetime(2026, 11, 24, 0, 5, 1, tzinfo=UTC)
SALE_MSGID, REFUSED_MSGID = "H36010000001202611240805010001", "H36010000001202611240806010002"

# -- the pre-Alembic ledger, as metadata.create_all built it ----------------------------------------------------
legacy = MetaData()
_id = BigInteger().with_variant(Integer, "sqlite")
Table(
    "delivery_record", legacy,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("feed", String(64), nullable=False),
    Column("business_key", String(200), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("correction_key", String(100)),
    Column("payload", Text, nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_msgid", String(40)),
    Column("last_infno", String(10)),
    Column("window_start", DateTime(timezone=False)),
    Column("window_end", DateTime(timezone=False)),
    Column("run_id", String(250)),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True)),
    UniqueConstraint("feed", "business_key", name="uq_delivery_record_feed_key"),
    Index("ix_delivery_record_state", "feed", "state"),
    Index("ix_delivery_record_correction", "feed", "correction_key"),
)
Table(
    "delivery_message", legacy,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("msgid", String(40), nullable=False, unique=True),
    Column("feed", String(64), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("infno", String(10), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("infcode", Integer),
    Column("err_msg", Text),
    Column("http_status", Integer),
    Column("request", Text),
    Column("request_headers", Text),
    Column("response", Text),
    Column("inf_refmsgid", String(40)),
    Column("resent_as_msgid", String(40)),
    Column("run_id", String(250)),
    Column("actor", String(100)),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("duration_ms", Integer),
    Index("ix_delivery_message_feed", "feed", "sent_at"),
)
Table(
    "delivery_message_record", legacy,
    Column("message_id", _id, ForeignKey("delivery_message.id", ondelete="CASCADE"), primary_key=True),
    Column("record_id", _id, ForeignKey("delivery_record.id", ondelete="CASCADE"), primary_key=True),
    Column("row_index", Integer, nullable=False),
    Column("outcome", String(24)),
    Column("err_msg", Text),
    Index("ix_delivery_message_record_record", "record_id"),
)
Table(
    "delivery_event", legacy,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("record_id", _id, ForeignKey("delivery_record.id", ondelete="CASCADE"), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("reason", Text),
    Column("msgid", String(40)),
    Column("actor", String(250), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_delivery_event_record", "record_id"),
)
Table(
    "feed_lease", legacy,
    Column("scope", String(100), primary_key=True),
    Column("holder", String(300), nullable=False),
    Column("expires_at", Float, nullable=False),
)
Table(
    "msgid_sequence", legacy,
    Column("prefix", String(50), primary_key=True),
    Column("seq", Integer, nullable=False),
)


@pytest.fixture(params=["postgres", "sqlite"])
def engine(request) -> Engine:
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def differences(engine: Engine, target: MetaData = s.metadata) -> list:
    """What Alembic's autogenerate would change to make the database match ``target`` (empty: identical)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True})
        return compare_metadata(ctx, target)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def fill_previous_shape(engine: Engine) -> None:
    """A 3505A sale acknowledged, one refused (infcode -1), their messages, links, events and a msgid counter."""
    t = legacy.tables
    common = {"feed": "hsa_trace_sale", "platform": "hsa", "first_seen_at": AT, "updated_at": AT,
              "window_start": datetime(2026, 11, 24, 8), "window_end": datetime(2026, 11, 24, 9),
              "run_id": "scheduled__2026-11-24T00:00:00+00:00"}
    with engine.begin() as conn:
        conn.execute(insert(t["delivery_record"]), [
            {**common, "id": 1, "business_key": "MZ2026112400017-1", "state": "acknowledged",
             "content_hash": "a" * 64, "correction_key": "FY20261124001", "payload": '{"drug_trac_codg": "8123"}',
             "reason": None, "attempts": 1, "last_msgid": SALE_MSGID, "last_infno": "3505A", "acknowledged_at": AT},
            {**common, "id": 2, "business_key": "MZ2026112400018-1", "state": "rejected",
             "content_hash": "b" * 64, "correction_key": "FY20261124001", "payload": '{"drug_trac_codg": "8124"}',
             "reason": "追溯码已被其他机构销售", "attempts": 1, "last_msgid": REFUSED_MSGID, "last_infno": "3505",
             "acknowledged_at": None},
        ])
        conn.execute(insert(t["delivery_message"]), [
            {"id": 10, "msgid": SALE_MSGID, "feed": "hsa_trace_sale", "platform": "hsa", "infno": "3505A",
             "purpose": "upload", "record_count": 1, "outcome": "acknowledged", "infcode": 0, "err_msg": None,
             "http_status": 200,
             "request": '{"infno": "3505A"}', "response": '{"infcode": 0}', "inf_refmsgid": "360000202611240805010123",
             "actor": "airflow", "sent_at": AT, "answered_at": AT, "duration_ms": 42},
            {"id": 11, "msgid": REFUSED_MSGID, "feed": "hsa_trace_sale", "platform": "hsa", "infno": "3505",
             "purpose": "upload", "record_count": 1, "outcome": "rejected", "infcode": -1,
             "err_msg": "追溯码已被其他机构销售", "http_status": 200, "request": '{"infno": "3505"}',
             "response": '{"infcode": -1}', "inf_refmsgid": "360000202611240806010456",
             "actor": "airflow", "sent_at": AT, "answered_at": AT, "duration_ms": 38},
        ])
        conn.execute(insert(t["delivery_message_record"]), [
            {"message_id": 10, "record_id": 1, "row_index": 0, "outcome": "acknowledged", "err_msg": None},
            {"message_id": 11, "record_id": 2, "row_index": 0, "outcome": "rejected", "err_msg": "追溯码已被其他机构销售"},
        ])
        conn.execute(insert(t["delivery_event"]), [
            {"record_id": 1, "from_state": "sent", "to_state": "acknowledged", "msgid": SALE_MSGID, "reason": None,
             "actor": "airflow:hsa_trace_sale.deliver#1", "at": AT},
            {"record_id": 2, "from_state": "sent", "to_state": "rejected", "msgid": REFUSED_MSGID,
             "reason": "追溯码已被其他机构销售", "actor": "airflow:hsa_trace_sale.deliver#1", "at": AT},
        ])
        conn.execute(insert(t["msgid_sequence"]).values(prefix="H3601000000120261124080501", seq=1))


def assert_rows_carried_over(engine: Engine) -> None:
    with engine.connect() as conn:
        records = conn.execute(select(s.delivery_record.c.id, s.delivery_record.c.last_operation,
                                      s.delivery_record.c.last_msgid, s.delivery_record.c.state)
                               .order_by(s.delivery_record.c.id)).all()
        messages = conn.execute(select(s.delivery_message.c.msgid, s.delivery_message.c.operation,
                                       s.delivery_message.c.platform_code, s.delivery_message.c.platform_ref,
                                       s.delivery_message.c.err_msg).order_by(s.delivery_message.c.id)).all()
        links = conn.execute(select(s.delivery_message_record.c.message_id, s.delivery_message_record.c.record_id)
                             .order_by(s.delivery_message_record.c.message_id)).all()
        events = conn.execute(select(s.delivery_event.c.record_id, s.delivery_event.c.message_id,
                                     s.delivery_event.c.to_state).order_by(s.delivery_event.c.id)).all()
    assert [tuple(r) for r in records] == [(1, "3505A", SALE_MSGID, "acknowledged"), (2, "3505", REFUSED_MSGID, "rejected")]
    assert [tuple(m) for m in messages] == [
        (SALE_MSGID, "3505A", "0", "360000202611240805010123", None),
        (REFUSED_MSGID, "3505", "-1", "360000202611240806010456", "追溯码已被其他机构销售"),
    ]
    # on SQLite the message table is copied and dropped: its children must not be cascade-deleted on the way
    assert [tuple(link) for link in links] == [(10, 1), (11, 2)]
    assert [tuple(e) for e in events] == [(1, None, "acknowledged"), (2, None, "rejected")]
    assert "msgid_sequence" not in tables(engine)


def test_upgrade_from_an_empty_database_gives_exactly_the_current_schema(engine: Engine) -> None:
    migrate.upgrade(engine)

    assert migrate.current(engine) == HEAD == migrate.head()
    assert differences(engine) == []
    assert tables(engine) == set(s.metadata.tables) | {migrate.VERSION_TABLE}  # no alembic_version: Airflow's


def test_revision_0001_is_the_shape_create_all_built_before_alembic(engine: Engine) -> None:
    migrate.upgrade(engine, "0001_initial")

    assert migrate.current(engine) == "0001_initial"
    assert differences(engine, legacy) == []


def test_upgrade_from_the_previous_shape_keeps_rows_and_carries_renamed_columns(engine: Engine) -> None:
    migrate.upgrade(engine, "0001_initial")
    fill_previous_shape(engine)

    migrate.ensure_schema(engine)

    assert migrate.current(engine) == HEAD
    assert differences(engine) == []
    assert_rows_carried_over(engine)
    # and the new shape takes what the old one could not: text codes, long ids, events about a message only
    with engine.begin() as conn:
        conn.execute(s.delivery_message.update().where(s.delivery_message.c.id == 11)
                     .values(platform_code="E001", msgid="M" * 100))
        conn.execute(insert(s.delivery_event).values(message_id=11, to_state="rejected", actor="airflow", at=AT))
        conn.execute(insert(s.sequence_counter).values(name="hsa:H36010000001", value=1))
        assert conn.execute(select(func.count()).select_from(s.delivery_event)
                            .where(s.delivery_event.c.record_id.is_(None))).scalar_one() == 1


def test_ensure_schema_recognises_a_pre_alembic_ledger_and_upgrades_it(engine: Engine) -> None:
    legacy.create_all(engine)
    fill_previous_shape(engine)
    assert migrate.current(engine) is None

    migrate.ensure_schema(engine)

    assert migrate.current(engine) == HEAD
    assert differences(engine) == []
    assert_rows_carried_over(engine)


def test_ensure_schema_refuses_a_pre_alembic_ledger_that_drifted_and_changes_nothing(engine: Engine) -> None:
    # a ledger created before outcome was widened to 24 characters, which create_all never altered afterwards
    drifted = MetaData()
    for table in legacy.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["delivery_message"].c.outcome.type = String(16)
    drifted.create_all(engine)
    fill_previous_shape(engine)

    with pytest.raises(migrate.LedgerSchemaError, match="outcome"):
        migrate.ensure_schema(engine)

    assert migrate.current(engine) is None
    assert tables(engine) == set(legacy.tables)
    with engine.connect() as conn:
        infcodes = conn.execute(text("SELECT infcode FROM delivery_message ORDER BY id")).scalars().all()
    assert infcodes == [0, -1]


def test_ensure_schema_on_an_empty_database_creates_and_stamps_head_then_is_a_single_query(engine: Engine) -> None:
    migrate.ensure_schema(engine)
    assert migrate.current(engine) == HEAD
    assert differences(engine) == []
    with engine.begin() as conn:
        conn.execute(insert(s.feed_lease).values(scope="hsa:3507:4", holder="run-1", expires_at=1.0))

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, stmt, *_: statements.append(stmt))
    migrate.ensure_schema(engine)

    assert statements == [f"SELECT version_num FROM {migrate.VERSION_TABLE}"]
    with engine.connect() as conn:
        assert conn.execute(select(s.feed_lease.c.holder)).scalars().all() == ["run-1"]


@pytest.mark.postgres
def test_ensure_schema_analyses_the_ledger_tables_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    migrate.ensure_schema(engine)
    with engine.connect() as conn:
        reltuples = dict(conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
                                      {"names": list(s.metadata.tables)}).all())
    engine.dispose()
    # -1 means "never analysed" (PostgreSQL 14+): every ledger table has statistics, empty as it is
    assert reltuples == dict.fromkeys(s.metadata.tables, 0.0)


@pytest.mark.parametrize("start_at", ["empty", "pre-alembic"])
def test_concurrent_ensure_schema_calls_both_succeed(engine: Engine, start_at: str) -> None:
    if start_at == "pre-alembic":
        legacy.create_all(engine)
        fill_previous_shape(engine)
    url = engine.url.render_as_string(hide_password=False)
    barrier, errors = threading.Barrier(4), []

    def call() -> None:
        own = make_engine(url)  # one engine per thread, as separate processes would have
        try:
            barrier.wait()
            migrate.ensure_schema(own)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert migrate.current(engine) == HEAD
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {migrate.VERSION_TABLE}")).scalar_one() == 1
    assert differences(engine) == []
    if start_at == "pre-alembic":
        assert_rows_carried_over(engine)


def test_cli_upgrade_and_current(engine: Engine, capsys) -> None:
    url = engine.url.render_as_string(hide_password=False)

    assert cli(["--url", url, "current"]) == 0
    assert capsys.readouterr().out.startswith("none")
    assert tables(engine) == set()  # `current` only looks

    assert cli(["upgrade", "--url", url, "--revision", "0001_initial"]) == 0
    assert capsys.readouterr().out.strip() == "ledger schema: none → 0001_initial"
    assert cli(["upgrade", "--url", url]) == 0
    assert capsys.readouterr().out.strip() == f"ledger schema: 0001_initial → {HEAD}"
    assert cli(["current", "--url", url]) == 0
    assert capsys.readouterr().out.strip() == f"{HEAD} (head)"
    assert differences(engine) == []
