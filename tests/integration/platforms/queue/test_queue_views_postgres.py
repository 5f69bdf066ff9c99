"""The hx_* views, the reader role and the check, on a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from hisbridge.contracts.errors import InstallError
from hisbridge.platforms.queue.cli import main
from hisbridge.platforms.queue.declaration import CONTRACT_PATH, QueueContract, load_contract
from hisbridge.platforms.queue.views import check, install

from .his_tables import build_his, db_today

pytestmark = pytest.mark.postgres

PASSWORD = "Hx-reader'pw 1"


@pytest.fixture
def his(pg_url: str, pg_contract: QueueContract) -> Iterator[Engine]:
    engine = build_his(pg_url, pg_contract)
    install(engine, pg_contract, password=PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture
def reader(pg_url: str, pg_contract: QueueContract, his: Engine) -> Iterator[Engine]:
    """Logged in as the reader role with its password."""
    url = make_url(pg_url).set(username=pg_contract.reader.name, password=PASSWORD)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def queue(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["queue_id"]: dict(r) for r in conn.execute(text("SELECT * FROM hx_queue")).mappings()}


def sqlstate(exc: DBAPIError) -> str:
    return exc.orig.sqlstate  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------ the views


def test_todays_registration_appears_with_add_state_2(his: Engine) -> None:
    row = queue(his)["R001"]
    assert row["add_state"] == 2
    assert row["visit_date"] == db_today(his, load_contract())
    assert row["patient_name"] == "张*三"
    assert row["dept_name"] == "心血管内科门诊" and row["room_name"] == "心内科1诊室"
    assert row["doctor_name"] == "王建国" and row["reg_type_name"] == "专家"
    assert row["sign_in_state"] == 1 and row["time_slot_name"] == "上午"


def test_cancelling_a_registration_turns_add_state_to_0_and_keeps_the_row(his: Engine) -> None:
    with his.begin() as conn:
        conn.execute(
            text("UPDATE registration SET status = 'cancelled', cancel_time = now() WHERE reg_id = 'R001'")
        )
    rows = queue(his)
    assert rows["R001"]["add_state"] == 0
    assert rows["R007"]["add_state"] == 0  # refunded at seed time


def test_yesterdays_and_tomorrows_registrations_are_absent(his: Engine) -> None:
    assert {"R004", "R005"}.isdisjoint(queue(his))


def test_registrations_to_inpatient_departments_are_absent(his: Engine) -> None:
    assert set(queue(his)) == {"R001", "R002", "R003", "R007"}


def test_names_are_masked_and_elderly_and_revisits_get_priority(his: Engine) -> None:
    rows = queue(his)
    assert [rows[k]["patient_name"] for k in ("R001", "R002", "R003")] == ["张*三", "李*", "欧*明"]
    assert (rows["R002"]["is_elderly"], rows["R002"]["priority"]) == (1, 2)  # 75 years old
    assert (rows["R003"]["is_elderly"], rows["R003"]["priority"]) == (0, 1)  # 66, revisit
    assert rows["R001"]["priority"] == 0


def test_departments_rooms_and_doctors_show_inactive_rows_as_0(his: Engine) -> None:
    with his.connect() as conn:
        depts = dict(conn.execute(text("SELECT dept_id, add_state FROM hx_department")).all())
        rooms = dict(conn.execute(text("SELECT room_id, add_state FROM hx_room")).all())
        doctors = dict(conn.execute(text("SELECT doctor_id, add_state FROM hx_doctor")).all())
    assert depts == {"1010": 2, "1020": 0}  # the inpatient ward is not an outpatient department
    assert rooms == {"MZ2A01": 2, "MZ2A02": 0, "MZ3B01": 0}  # MZ3B01: its department is inactive
    assert doctors == {"D10231": 2, "D10232": 0}  # the nurse is not a doctor


def test_views_never_expose_id_card_phone_or_address(his: Engine) -> None:
    with his.connect() as conn:
        cols = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name LIKE 'hx\\_%'")
        ).scalars()
        names = set(cols)
    assert not {"id_card_no", "phone", "address", "birth_date"} & names


def test_today_follows_the_hospital_zone_not_the_session_zone(his: Engine) -> None:
    with his.connect() as conn:
        conn.execute(text("SET TimeZone = 'America/Los_Angeles'"))  # a client in another zone
        ids = set(conn.execute(text("SELECT queue_id FROM hx_queue")).scalars())
    assert ids == {"R001", "R002", "R003", "R007"}


# ------------------------------------------------------------------------------------------ the reader


def test_reader_can_select_every_view(reader: Engine, pg_contract: QueueContract) -> None:
    with reader.connect() as conn:
        for view in pg_contract.view_names:
            conn.execute(text(f"SELECT * FROM {view}")).all()
        assert conn.execute(text("SELECT current_user")).scalar() == pg_contract.reader.name


@pytest.mark.parametrize("table", ["dept", "room", "staff", "patient", "registration"])
def test_reader_is_refused_on_base_tables(reader: Engine, table: str) -> None:
    with pytest.raises(DBAPIError) as exc, reader.connect() as conn:
        conn.execute(text(f"SELECT * FROM {table}"))
    assert sqlstate(exc.value) == "42501"  # insufficient_privilege


@pytest.mark.parametrize(
    ("sql", "state"),
    [
        ("DELETE FROM hx_department WHERE 1 = 0", "42501"),  # auto-updatable view: refused by the grant
        ("INSERT INTO registration (reg_id) VALUES ('X')", "42501"),
        ("UPDATE staff SET name = name", "42501"),
        ("DELETE FROM patient", "42501"),
        ("CREATE TABLE public.hx_probe (x int)", "42501"),
        ("DELETE FROM hx_queue WHERE 1 = 0", "55000"),  # joins: not updatable by anyone
        ("UPDATE hx_doctor SET doctor_name = doctor_name WHERE 1 = 0", "55000"),
    ],
)
def test_reader_is_refused_on_writes(reader: Engine, sql: str, state: str) -> None:
    with pytest.raises(DBAPIError) as exc, reader.connect() as conn:
        conn.execute(text("SET TRANSACTION READ WRITE"))  # past the role's read-only default: test the grants
        conn.execute(text(sql))
    assert sqlstate(exc.value) == state


def test_reader_sessions_are_read_only_by_default(reader: Engine) -> None:
    with pytest.raises(DBAPIError) as exc, reader.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE t (x int)"))
    assert sqlstate(exc.value) == "25006"  # read_only_sql_transaction


def test_reinstall_keeps_grants_and_is_idempotent(his: Engine, reader: Engine, pg_contract: QueueContract) -> None:
    install(his, pg_contract, password=None, reader=False)  # views only: DROP/CREATE must give grants back
    with reader.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM hx_queue")).scalar() == 4


def test_install_without_password_refuses_to_create_the_reader(pg_url: str, pg_contract: QueueContract) -> None:
    engine = build_his(pg_url, pg_contract)
    try:
        with pytest.raises(InstallError, match="HX_READER_PASSWORD"):
            install(engine, pg_contract, password=None)
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------ the check


def test_check_passes_on_a_good_install(his: Engine, pg_contract: QueueContract) -> None:
    report = check(his, pg_contract, reader_password=PASSWORD)
    assert report.passed, report.render()
    assert report.findings == []


def test_check_reports_a_dropped_view_column(his: Engine, pg_contract: QueueContract) -> None:
    with his.begin() as conn:
        conn.execute(text("DROP VIEW hx_queue"))
        conn.execute(
            text(
                "CREATE VIEW hx_queue AS SELECT reg_id AS queue_id, visit_date, 2 AS add_state FROM registration"
            )
        )
    report = check(his, pg_contract, reader_password=PASSWORD)
    assert not report.passed
    missing = {f.subject for f in report.findings if f.code == "column_missing"}
    assert "hx_queue.PATIENT_NAME" in missing
    assert "rows_not_today" in report.codes()  # the hand-made view lost the "today" rule
    assert "reader_cannot_select" in report.codes()  # and the grant


def test_check_reports_a_base_table_change(his: Engine, pg_contract: QueueContract) -> None:
    with his.begin() as conn:
        conn.execute(text("ALTER TABLE registration RENAME COLUMN status TO reg_status"))
    report = check(his, pg_contract, reader_password=PASSWORD)
    assert not report.passed
    broken = [f for f in report.findings if f.code == "definition_broken"]
    assert [f.subject for f in broken] == ["hx_queue"]
    assert "status" in broken[0].message


def test_check_reports_a_dropped_base_table(his: Engine, pg_contract: QueueContract) -> None:
    with his.begin() as conn:
        conn.execute(text("DROP TABLE room CASCADE"))  # takes hx_room and hx_queue with it
    report = check(his, pg_contract, reader_password=PASSWORD)
    assert {f.subject for f in report.findings if f.code == "view_missing"} == {"hx_room", "hx_queue"}


def test_check_reports_add_state_outside_0_and_2(his: Engine, pg_contract: QueueContract) -> None:
    with his.begin() as conn:
        conn.execute(text("DROP VIEW hx_department"))
        conn.execute(
            text(
                "CREATE VIEW hx_department AS SELECT CAST(dept_code AS varchar(20)) AS dept_id, "
                "CAST(dept_name AS varchar(100)) AS dept_name, CAST(spell_code AS varchar(20)) AS spell_code, "
                "CAST(campus AS varchar(20)) AS campus_code, CAST(campus AS varchar(50)) AS campus_name, "
                "CAST(area AS varchar(50)) AS area_name, CAST(floor AS varchar(20)) AS dept_floor, sort_no, "
                "CAST(updated_at AS timestamp(0)) AS update_time, CAST(is_active AS smallint) AS add_state FROM dept"
            )
        )
        conn.execute(text(f"GRANT SELECT ON hx_department TO {pg_contract.reader.name}"))
    report = check(his, pg_contract, reader_password=PASSWORD)
    assert "add_state_value" in report.codes(), report.render()


def test_check_reports_extra_privileges_of_the_reader(his: Engine, pg_contract: QueueContract) -> None:
    with his.begin() as conn:
        conn.execute(text(f"GRANT SELECT (patient_id, id_card_no) ON patient TO {pg_contract.reader.name}"))
        conn.execute(text(f"GRANT DELETE ON hx_department TO {pg_contract.reader.name}"))
    report = check(his, pg_contract, reader_password=PASSWORD)
    codes = report.codes()
    assert {"reader_extra_privilege", "reader_reads_base_table", "reader_can_write"} <= codes, report.render()


def test_check_reports_a_missing_reader(pg_url: str, pg_contract: QueueContract) -> None:
    engine = build_his(pg_url, pg_contract)
    try:
        install(engine, pg_contract, reader=False)
        report = check(engine, pg_contract)
        assert "reader_missing" in report.codes()
    finally:
        engine.dispose()


def test_check_without_reader_password_warns_but_passes(his: Engine, pg_contract: QueueContract) -> None:
    report = check(his, pg_contract)
    assert report.passed
    assert [f.code for f in report.warnings] == ["reader_not_tested"]


# ------------------------------------------------------------------------------------------ the command


def _contract_file(tmp_path, reader_name: str):
    data = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    data["reader"]["name"] = reader_name
    path = tmp_path / "queue_views.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_cli_install_then_check_passes_and_a_dropped_view_fails(
    pg_url: str, pg_contract: QueueContract, tmp_path, monkeypatch, capsys
) -> None:
    engine = build_his(pg_url, pg_contract)
    path = _contract_file(tmp_path, pg_contract.reader.name)
    monkeypatch.setenv("HX_READER_PASSWORD", PASSWORD)
    try:
        assert main(["install", "--url", pg_url, "--contract", str(path)]) == 0
        assert main(["check", "--url", pg_url, "--contract", str(path)]) == 0
        assert "通过" in capsys.readouterr().out
        with engine.begin() as conn:
            conn.execute(text("DROP VIEW hx_doctor"))
        assert main(["check", "--url", pg_url, "--contract", str(path)]) == 1
        out = capsys.readouterr().out
        assert "不通过" in out and "[view_missing] hx_doctor" in out
    finally:
        engine.dispose()


def test_cli_site_override_installs_renamed_columns(
    pg_url: str, pg_contract: QueueContract, tmp_path, monkeypatch
) -> None:
    engine = build_his(pg_url, pg_contract)
    path = _contract_file(tmp_path, pg_contract.reader.name)
    monkeypatch.setenv("HX_READER_PASSWORD", PASSWORD)
    try:
        args = ["--url", pg_url, "--contract", str(path), "--site", "example_site"]
        assert main(["install", *args]) == 0
        assert main(["check", *args]) == 0
        with engine.connect() as conn:
            row = conn.execute(text("SELECT * FROM hx_queue WHERE queue_id = 'R003'")).mappings().one()
            doctor_view = conn.execute(text("SELECT to_regclass('hx_doctor')")).scalar()
        assert row["pat_name"] == "欧*" and row["seq_no"] == 3 and row["age"] == 66
        assert row["priority"] == 2  # 66 ≥ the site's elderly age of 65
        assert "gender" not in row and "patient_name" not in row
        assert doctor_view is None  # the site disabled the optional hx_doctor view
        # back to the default contract: the views are rebuilt with the default columns
        assert main(["install", "--url", pg_url, "--contract", str(path)]) == 0
        assert main(["check", "--url", pg_url, "--contract", str(path)]) == 0
    finally:
        engine.dispose()
