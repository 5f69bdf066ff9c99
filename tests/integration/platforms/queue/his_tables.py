"""The demo HIS schema with a handful of hand-made rows around "today" for the queue views.

The tables come from ``demo.his.schema`` (the same DDL on PostgreSQL and SQLite); the rows are our
own, not the demo generator's, so each test knows exactly which registration is where. "Today" is always asked
of the database itself, the way the views compute it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine, text

from demo.his.schema import create_schema, dept, patient, registration, room, staff
from hisbridge.contracts.sql import dialect_of
from hisbridge.db import make_engine
from hisbridge.platforms.queue.declaration import QueueContract
from hisbridge.platforms.queue.today import today


def db_today(engine: Engine, contract: QueueContract) -> date:
    """Today as the views see it (the database clock, not Python's)."""
    with engine.connect() as conn:
        value = conn.execute(text(f"SELECT {today(dialect_of(engine), contract.settings)}")).scalar()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def seed(engine: Engine, day: date) -> None:
    """Departments, rooms, staff, patients and registrations for yesterday, ``day`` and tomorrow."""
    now = datetime.combine(day, datetime.min.time()) + timedelta(hours=7, minutes=30)
    born = lambda years: date(day.year - years, 1, 15)  # noqa: E731 - local shorthand
    with engine.begin() as conn:
        conn.execute(
            dept.insert(),
            [
                dict(dept_code="1010", dept_name="心血管内科门诊", dept_type="outpatient", campus="main",
                     area="门诊二楼A区", floor="2F", spell_code="XXGNKMZ", sort_no=10, is_active=1, updated_at=now),
                dict(dept_code="1020", dept_name="呼吸内科门诊", dept_type="outpatient", campus="jiulonghu",
                     area="门诊三楼B区", floor="3F", spell_code="HXNKMZ", sort_no=20, is_active=0, updated_at=now),
                dict(dept_code="2010", dept_name="心内科一病区", dept_type="inpatient", campus="main",
                     area=None, floor="8F", spell_code="XNKYBQ", sort_no=90, is_active=1, updated_at=now),
            ],
        )  # fmt: skip
        conn.execute(
            room.insert(),
            [
                dict(room_code="MZ2A01", room_name="心内科1诊室", dept_code="1010", floor="2F",
                     location="门诊楼二楼A区东侧", caller_terminal="CALL-2A01", is_active=1, updated_at=now),
                dict(room_code="MZ2A02", room_name="心内科2诊室", dept_code="1010", floor="2F",
                     location="门诊楼二楼A区西侧", caller_terminal="CALL-2A02", is_active=0, updated_at=now),
                dict(room_code="MZ3B01", room_name="呼吸科1诊室", dept_code="1020", floor="3F",
                     location="门诊楼三楼B区", caller_terminal="CALL-3B01", is_active=1, updated_at=now),
                dict(room_code="BQ8001", room_name="病区医生办公室", dept_code="2010", floor="8F",
                     location="住院楼八楼", caller_terminal=None, is_active=1, updated_at=now),
            ],
        )  # fmt: skip
        conn.execute(
            staff.insert(),
            [
                dict(staff_code="D10231", name="王建国", gender="1", birth_date=born(55), id_card_no="360102197001011234",
                     phone="13900000001", role="doctor", title="主任医师", dept_code="1010", prac_cert_no="110360000001",
                     specialty="冠心病、高血压的诊治", is_active=1, updated_at=now),
                dict(staff_code="D10232", name="李芳", gender="2", birth_date=born(40), id_card_no="360102198501011234",
                     phone="13900000002", role="doctor", title="副主任医师", dept_code="1020", prac_cert_no="110360000002",
                     specialty="哮喘", is_active=0, updated_at=now),
                dict(staff_code="N20001", name="刘护士", gender="2", birth_date=born(30), id_card_no="360102199501011234",
                     phone="13900000003", role="nurse", title="护师", dept_code="1010", prac_cert_no=None,
                     specialty=None, is_active=1, updated_at=now),
            ],
        )  # fmt: skip
        conn.execute(
            patient.insert(),
            [
                dict(patient_id="P001", name="张小三", gender="1", birth_date=born(35), id_card_no="360102199001011111",
                     phone="13800000001", address="南昌市东湖区", psn_no=None, insuplc_admdvs=None, created_at=now),
                dict(patient_id="P002", name="李四", gender="2", birth_date=born(75), id_card_no="360102195001012222",
                     phone="13800000002", address="南昌市西湖区", psn_no=None, insuplc_admdvs=None, created_at=now),
                dict(patient_id="P003", name="欧阳小明", gender="1", birth_date=born(66), id_card_no="360102196001013333",
                     phone="13800000003", address="南昌市青山湖区", psn_no=None, insuplc_admdvs=None, created_at=now),
                dict(patient_id="P004", name="赵六", gender="2", birth_date=born(20), id_card_no="360102200501014444",
                     phone="13800000004", address="南昌市红谷滩区", psn_no=None, insuplc_admdvs=None, created_at=now),
            ],
        )  # fmt: skip
        reg = dict(room_code="MZ2A01", doctor_code="D10231", time_slot="1", reg_type="expert", is_appointment=1,
                   sign_in_time=None, visit_status="waiting", is_revisit=0, status="normal", cancel_time=None,
                   reg_time=now, updated_at=now)  # fmt: skip
        conn.execute(
            registration.insert(),
            [
                {**reg, "reg_id": "R001", "patient_id": "P001", "dept_code": "1010", "visit_date": day, "queue_no": 1,
                 "sign_in_time": now + timedelta(minutes=20)},
                {**reg, "reg_id": "R002", "patient_id": "P002", "dept_code": "1010", "visit_date": day, "queue_no": 2},
                {**reg, "reg_id": "R003", "patient_id": "P003", "dept_code": "1010", "visit_date": day, "queue_no": 3,
                 "is_revisit": 1, "room_code": None, "doctor_code": None, "reg_type": "normal"},
                {**reg, "reg_id": "R004", "patient_id": "P004", "dept_code": "1010", "visit_date": day - timedelta(days=1),
                 "queue_no": 1},
                {**reg, "reg_id": "R005", "patient_id": "P004", "dept_code": "1010", "visit_date": day + timedelta(days=1),
                 "queue_no": 1},
                {**reg, "reg_id": "R006", "patient_id": "P004", "dept_code": "2010", "visit_date": day, "queue_no": 1,
                 "room_code": "BQ8001"},
                {**reg, "reg_id": "R007", "patient_id": "P004", "dept_code": "1010", "visit_date": day, "queue_no": 4,
                 "status": "refunded", "cancel_time": now + timedelta(minutes=5)},
            ],
        )  # fmt: skip


def build_his(url: str, contract: QueueContract) -> Engine:
    engine = make_engine(url)
    create_schema(engine)
    seed(engine, db_today(engine, contract))
    return engine
