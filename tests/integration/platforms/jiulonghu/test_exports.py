"""九龙湖 exports on planted HIS rows, on real PostgreSQL and on SQLite: which rows a day and a snapshot hold (the
edges of the window), how they read back from the CSV and the workbook, the manifest, and a re-run of a day."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from demo.his import schema as s
from hisbridge.db import make_engine
from hisbridge.platforms.jiulonghu.export_files import csv_text, leftovers
from hisbridge.platforms.jiulonghu.exports import (
    MANIFEST,
    ExportError,
    export_day,
    export_spec,
    read_manifest,
    select_rows,
    sha256_of,
    verify,
    window_for,
)

D = date(2026, 11, 24)
T0 = datetime(2026, 11, 24)
AT8 = T0 + timedelta(hours=8)
SEC = timedelta(seconds=1)
UPDATED = datetime(2026, 11, 1)
FIXED_CLOCK = datetime(2026, 11, 25, 0, 5).astimezone()


def _patient(pid: str, name: str, gender: str, birth: date, insured: bool) -> dict:
    return dict(patient_id=pid, name=name, gender=gender, birth_date=birth, id_card_no=None, phone=None,
                address=None, psn_no="36000000000000000001" if insured else None,
                insuplc_admdvs="360100" if insured else None, created_at=UPDATED)


def _reg(reg_id: str, pid: str, reg_time: datetime, *, status: str = "normal", visit: date | None = None,
         cancel: datetime | None = None, doctor: str | None = "D01", reg_type: str = "normal") -> dict:
    return dict(reg_id=reg_id, patient_id=pid, dept_code="2040", room_code=None, doctor_code=doctor,
                visit_date=visit or reg_time.date(), time_slot="1" if reg_time.hour < 12 else "2", queue_no=7,
                reg_type=reg_type, reg_time=reg_time, is_appointment=1 if visit else 0, sign_in_time=None,
                visit_status="waiting", is_revisit=0, status=status, cancel_time=cancel, updated_at=reg_time)


def _stay(adm_id: str, pid: str, adm: datetime, dscg: datetime | None = None, status: str | None = None) -> dict:
    return dict(adm_id=adm_id, patient_id=pid, mdtrt_id=None, medcasno=f"BA{adm_id}", med_type="21",
                ipt_med_type="1", adm_way=None, trt_type=None, adm_time=adm, adm_dept_code="4030", dscg_time=dscg,
                dscg_dept_code="4030" if dscg else None, dscg_way=None, chfpdr_code="D01", resp_nurse_code=None,
                coner_name=None, coner_rlts=None, coner_addr=None, coner_tel=None, prfs=None,
                status=status or ("discharged" if dscg else "admitted"), updated_at=UPDATED)


def plant(engine: Engine) -> None:
    """The day D's edges: registrations around midnight, a 退号, a charged visit; stays around the 08:00 snapshot."""
    s.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(insert(s.dept), [
            dict(dept_code="2040", dept_name="九龙湖全科医学科门诊", dept_type="outpatient", campus="jiulonghu",
                 is_active=1, updated_at=UPDATED),
            dict(dept_code="4030", dept_name="九龙湖综合病区", dept_type="inpatient", campus="jiulonghu", is_active=1,
                 updated_at=UPDATED)])
        conn.execute(insert(s.staff), [dict(staff_code="D01", name="李医生", gender="1", role="doctor",
                                            dept_code="2040", is_active=1, updated_at=UPDATED)])
        conn.execute(insert(s.patient), [
            _patient("P01", "张三", "1", date(1979, 5, 9), True),
            _patient("P02", "李四", "2", date(2026, 6, 20), False),  # 5 months old on D
            _patient("P03", "=HYPERLINK(\"x\")", "2", date(2026, 11, 12), False),  # 12 days; a formula-like name
            _patient("P04", "赵六", "1", date(1950, 11, 25), True),  # turns 76 the day after D
        ])
        conn.execute(insert(s.registration), [
            _reg("R0-prev", "P01", T0 - SEC),  # 23:59:59 the day before: not D's
            _reg("R1-first", "P01", T0),  # 00:00:00: D's
            _reg("R2-cancel", "P02", T0 + timedelta(hours=10), status="cancelled",
                 cancel=T0 + timedelta(hours=10, minutes=30)),
            _reg("R3-refund", "P04", T0 + timedelta(hours=11), status="refunded", reg_type="expert",
                 cancel=T0 + timedelta(hours=12)),
            _reg("R4-last", "P03", T0 + timedelta(days=1) - SEC, visit=D + timedelta(days=2), doctor=None),
            _reg("R5-next", "P02", T0 + timedelta(days=1)),  # 00:00:00 the next day: not D's
        ])
        conn.execute(insert(s.charge_bill), [dict(
            bill_no="B1", patient_id="P01", reg_id="R1-first", visit_kind="O", dept_code="2040", doctor_code="D01",
            total_amount=Decimal("45.50"), insurance_amount=0, self_amount=Decimal("45.50"), pay_channel="cash",
            pay_type="0", paid_at=T0 + timedelta(minutes=5), status="normal", refunded_amount=0, updated_at=T0)])
        conn.execute(insert(s.charge_bill_line), [
            dict(line_id="L1", bill_no="B1", line_no=1, item_kind="item", item_code="110200001",
                 item_name="普通门诊诊察费", fee_cat="02", qty=1, unit_price=20, amount=Decimal("20.00"),
                 status="normal", updated_at=T0),
            dict(line_id="L2", bill_no="B1", line_no=2, item_kind="item", item_code="GHF", item_name="挂号费",
                 fee_cat="13", qty=1, unit_price=Decimal("0.50"), amount=Decimal("0.50"), status="normal",
                 updated_at=T0),
            dict(line_id="L3", bill_no="B1", line_no=3, item_kind="drug", item_code="X1", item_name="西药",
                 fee_cat="09", qty=1, unit_price=25, amount=Decimal("25.00"), status="normal", updated_at=T0)])
        conn.execute(insert(s.inpatient_stay), [
            _stay("S1-in", "P01", T0 - timedelta(days=3)),
            _stay("S2-at", "P02", AT8),  # admitted exactly at 08:00: in
            _stay("S3-after", "P03", AT8 + SEC),  # admitted after the snapshot: out
            _stay("S4-dis-before", "P04", T0 - timedelta(days=5), AT8 - SEC),  # discharged before: out
            _stay("S5-dis-at", "P04", T0 - timedelta(days=9), AT8),  # discharged exactly at 08:00: out
            _stay("S6-dis-after", "P03", T0 - timedelta(days=2), AT8 + timedelta(hours=1)),  # still in at 08:00
            _stay("S7-cancelled", "P02", T0 - timedelta(days=1), status="cancelled"),  # 撤销入院: never in
        ])
        conn.execute(insert(s.stay_bed), [
            dict(adm_id="S1-in", ward_code="4030", room_no="502", bed_no="03", bed_time=T0 - timedelta(days=3),
                 updated_at=UPDATED),
            dict(adm_id="S6-dis-after", ward_code="4030", room_no="501", bed_no="01",
                 bed_time=T0 - timedelta(days=2), updated_at=UPDATED)])
        conn.execute(insert(s.stay_diagnosis), [dict(adm_id="S1-in", seq_no=1, diag_type="1", diag_code="I50.900",
                                                     diag_name="心力衰竭", maindiag_flag="1")])
        note = dict(dept_code="4030", revision=1, status="signed", updated_at=UPDATED)
        conn.execute(insert(s.admission_note), [
            {**note, "note_id": "N6", "adm_id": "S6-dis-after", "patient_id": "P03", "adm_time": T0 - timedelta(days=2),
             "record_time": T0 - timedelta(days=2), "init_diag_names": "急性阑尾炎"},
            {**note, "note_id": "N1", "adm_id": "S1-in", "patient_id": "P01", "adm_time": T0 - timedelta(days=3),
             "record_time": T0 - timedelta(days=3), "init_diag_names": "写错的诊断", "status": "voided"}])


@pytest.fixture(params=["postgresql", "sqlite"])
def his(request, tmp_path) -> Iterator[Engine]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'his.db'}"
    engine = make_engine(url)
    plant(engine)
    yield engine
    engine.dispose()


def _export(his: Engine, name: str, out: Path, **kw):
    return export_day(his, name, D, out, clock=lambda: FIXED_CLOCK, **kw)


# -- which rows -----------------------------------------------------------------------------------------------------
def test_a_day_holds_the_registrations_made_from_midnight_to_midnight(his) -> None:
    rows = select_rows(his, export_spec("outpatient_registrations"),
                       window_for(export_spec("outpatient_registrations"), D))
    assert [r["reg_id"] for r in rows] == ["R1-first", "R2-cancel", "R3-refund", "R4-last"]
    by_id = {r["reg_id"]: r for r in rows}
    assert by_id["R4-last"]["reg_time"] == T0 + timedelta(days=1) - SEC
    assert by_id["R4-last"]["visit_date"] == D + timedelta(days=2)  # an appointment: the booking day's
    assert by_id["R4-last"]["reg_way"] == "预约挂号" and by_id["R4-last"]["doctor_name"] is None


def test_cancelled_registrations_are_marked_with_their_time(his) -> None:
    spec = export_spec("outpatient_registrations")
    by_id = {r["reg_id"]: r for r in select_rows(his, spec, window_for(spec, D))}
    assert (by_id["R2-cancel"]["reg_status"], by_id["R2-cancel"]["cancel_time"]) == (
        "退号", T0 + timedelta(hours=10, minutes=30))
    assert by_id["R3-refund"]["reg_status"] == "退号(已退费)" and by_id["R3-refund"]["reg_type"] == "专家号"
    assert (by_id["R1-first"]["reg_status"], by_id["R1-first"]["cancel_time"]) == ("正常", None)


def test_registration_fields_decode_codes_fee_and_age(his) -> None:
    spec = export_spec("outpatient_registrations")
    by_id = {r["reg_id"]: r for r in select_rows(his, spec, window_for(spec, D))}
    first = by_id["R1-first"]
    assert (first["gender"], first["age"], first["fee_type"], first["insuplc_admdvs"]) == ("男", "47岁", "医保", "360100")
    assert first["reg_fee"] == Decimal("20.50")  # 诊察费 + 挂号费, not the drug on the same bill
    assert (first["dept_name"], first["campus"], first["time_slot"]) == ("九龙湖全科医学科门诊", "九龙湖院区", "上午")
    assert by_id["R2-cancel"]["reg_fee"] is None  # never charged
    assert (by_id["R2-cancel"]["age"], by_id["R2-cancel"]["fee_type"]) == ("5月", "自费")
    assert by_id["R4-last"]["age"] == "12天"
    assert by_id["R3-refund"]["age"] == "75岁"  # P04 turns 76 the day after D


def test_the_snapshot_holds_the_stays_open_at_the_hour(his) -> None:
    spec = export_spec("inpatients")
    rows = select_rows(his, spec, window_for(spec, D, snapshot_hour=8))
    # ward, room, bed, then the stays without a bed (admission id order)
    assert [r["adm_id"] for r in rows] == ["S6-dis-after", "S1-in", "S2-at"]
    by_id = {r["adm_id"]: r for r in rows}
    assert (by_id["S1-in"]["adm_diag"], by_id["S1-in"]["bed_no"], by_id["S1-in"]["doctor_name"]) == (
        "心力衰竭", "03", "李医生")
    assert by_id["S6-dis-after"]["adm_diag"] == "急性阑尾炎"  # the admission note's 初步诊断 comes first …
    # … unless the note was voided (S1-in's says 写错的诊断): then the stay's main diagnosis
    assert by_id["S2-at"]["ward_name"] is None


def test_a_later_hour_sees_later_admissions_and_discharges(his) -> None:
    spec = export_spec("inpatients")
    rows = select_rows(his, spec, window_for(spec, D, snapshot_hour=10))
    assert sorted(r["adm_id"] for r in rows) == ["S1-in", "S2-at", "S3-after"]


# -- files ----------------------------------------------------------------------------------------------------------
def _expected_cells(spec, rows) -> list[list[str]]:
    return [[csv_text(c.type, r[c.key]) for c in spec.columns] for r in rows]


def test_csv_and_workbook_read_back_equal_the_rows(his, tmp_path) -> None:
    from openpyxl import load_workbook

    for name in ("outpatient_registrations", "inpatients"):
        spec = export_spec(name)
        rows = select_rows(his, spec, window_for(spec, D))
        m = _export(his, name, tmp_path)
        csv_file, xlsx_file = (m.folder / f.name for f in m.files)
        raw = csv_file.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # BOM for Excel, CRLF
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert table[0] == [c.title for c in spec.columns]
        assert table[1:] == _expected_cells(spec, rows)

        ws = load_workbook(xlsx_file).active
        assert ws.title == spec.title and ws.freeze_panes == "A2" and ws["A1"].font.b
        values = list(ws.iter_rows(values_only=True))
        assert list(values[0]) == [c.title for c in spec.columns]
        assert len(values) - 1 == len(rows)
        for got, want in zip(values[1:], rows, strict=True):
            for col, cell in zip(spec.columns, got, strict=True):
                expected = want[col.key]
                if col.type == "date" and expected is not None:
                    expected = datetime.combine(expected, datetime.min.time())  # Excel has no date-only cells
                if col.type == "money" and expected is not None:
                    cell = Decimal(str(cell)).quantize(Decimal("0.01"))
                assert cell == expected, (col.key, cell, expected)
        assert ws.column_dimensions["C"].width >= 8  # 姓名: two Chinese characters wide at least


def test_a_formula_like_value_stays_text_in_the_workbook(his, tmp_path) -> None:
    from openpyxl import load_workbook

    m = _export(his, "outpatient_registrations", tmp_path)
    ws = load_workbook(m.folder / m.files[1].name).active
    names = [row[2] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("x")' in names
    assert all(c.data_type == "s" for c in ws["C"][1:])


def test_the_manifest_counts_and_checksums_match_the_files(his, tmp_path) -> None:
    m = _export(his, "inpatients", tmp_path, snapshot_hour=8, source="his_db")
    folder = tmp_path / "inpatients" / "2026-11-24"
    assert m.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["在院患者信息_2026-11-24_0800.csv", "在院患者信息_2026-11-24_0800.xlsx", MANIFEST])
    body = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert body["rows"] == 3 and body["snapshot_at"] == "2026-11-24T08:00:00+08:00"
    assert (body["sql"], body["source"]) == ("include/sql/jiulonghu/export_inpatients.sql", "his_db")
    assert body["generated_at"].endswith("+08:00")
    for f in body["files"]:
        data = (folder / f["name"]).read_bytes()
        assert (f["bytes"], f["sha256"]) == (len(data), sha256_of(data))
    csv_lines = (folder / body["files"][0]["name"]).read_text(encoding="utf-8-sig").splitlines()
    assert len(csv_lines) - 1 == body["rows"]
    assert verify(folder) == []
    (folder / body["files"][0]["name"]).write_bytes(b"tampered")
    assert verify(folder) == [f"{body['files'][0]['name']}: size or sha256 differs from the manifest"]


def test_a_day_manifest_carries_the_window(his, tmp_path) -> None:
    m = read_manifest(_export(his, "outpatient_registrations", tmp_path).folder)
    assert (m.rows, m.window_start.isoformat(), m.window_end.isoformat(), m.snapshot_at) == (
        4, "2026-11-24T00:00:00+08:00", "2026-11-25T00:00:00+08:00", None)


def test_rerunning_a_day_replaces_its_files_and_reproduces_them(his, tmp_path) -> None:
    first = _export(his, "outpatient_registrations", tmp_path)
    before = {f.name: (first.folder / f.name).read_bytes() for f in first.files}
    (first.folder / "stale.txt").write_text("from an older layout")
    with his.begin() as conn:  # the HIS changes: one more registration of D
        conn.execute(insert(s.registration), [_reg("R9-added", "P01", T0 + timedelta(hours=15))])
    second = _export(his, "outpatient_registrations", tmp_path)
    assert second.rows == first.rows + 1
    assert sorted(p.name for p in second.folder.iterdir()) == sorted([*before, MANIFEST])  # stale file gone
    assert verify(second.folder) == []
    assert leftovers(second.folder) == []
    with his.begin() as conn:
        conn.execute(s.registration.delete().where(s.registration.c.reg_id == "R9-added"))
    third = _export(his, "outpatient_registrations", tmp_path)
    assert {f.name: (third.folder / f.name).read_bytes() for f in third.files} == before  # byte for byte


def test_a_row_outside_the_window_fails_before_any_file_is_written(his, tmp_path, monkeypatch) -> None:
    spec = export_spec("outpatient_registrations")
    broken = spec.sql_text().replace("r.reg_time < :day_end", "r.reg_time <= :day_end")
    monkeypatch.setattr(type(spec), "sql_text", lambda self: broken)
    with pytest.raises(ExportError, match="row 5 has reg_time 2026-11-25 00:00:00 outside the window"):
        _export(his, "outpatient_registrations", tmp_path)
    assert not (tmp_path / "outpatient_registrations").exists()


def test_files_are_the_same_on_postgresql_and_sqlite(pg_url, tmp_path) -> None:
    digests = []
    for url in (pg_url, f"sqlite:///{tmp_path / 'his.db'}"):
        engine = make_engine(url)
        plant(engine)
        out = tmp_path / url.split(":")[0]
        digests.append([(f.name, f.sha256) for name in ("outpatient_registrations", "inpatients")
                        for f in _export(engine, name, out).files])
        engine.dispose()
    assert digests[0] == digests[1]
