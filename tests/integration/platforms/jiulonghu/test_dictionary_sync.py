"""The 九龙湖 dictionary sync end to end between two PostgreSQL databases: the main campus's HIS (the demo schema,
with the ledger beside it) and the campus's HIS (demo/jiulonghu). For every dictionary: the initial sync, a change,
a deactivation (inactive and gone at the source), a conflict, and a re-run that writes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, delete, event, func, select, text, update

from demo.his import schema as s
from demo.his.schema import create_schema
from demo.jiulonghu import schema as cs
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.platforms.jiulonghu import state
from hisbridge.platforms.jiulonghu.campus import CampusMoved, read_rows, write
from hisbridge.platforms.jiulonghu.catalogue import BY_NAME, DICTIONARIES, Dictionary
from hisbridge.platforms.jiulonghu.codes import load_codes
from hisbridge.platforms.jiulonghu.plan import Action, plan
from hisbridge.platforms.jiulonghu.sync import sync_all, wanted_rows
from tests.conftest import _create_database, _drop_database
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

AT = datetime(2026, 11, 24, 8, 0)
DEPTS = ("1010", "1020", "1030", "1040", "1050")  # all mapped in jiulonghu_codes.yaml
ROLES = ("doctor", "nurse", "pharmacist")


@dataclass
class Rig:
    his: Engine
    campus: Engine
    ledger: Engine
    writes: list[str]

    def sync(self, *names: str, dry_run: bool = False):
        self.writes.clear()
        return sync_all(self.his, self.campus, self.ledger, dry_run=dry_run, only=list(names) or None)

    def campus_rows(self, d: Dictionary) -> dict[str, dict]:
        with self.campus.connect() as conn:
            return read_rows(conn, d) | {}

    def campus_row(self, d: Dictionary, campus_key: str) -> dict:
        t = cs.metadata.tables[d.table]
        with self.campus.connect() as conn:
            return dict(conn.execute(select(t).where(t.c[d.campus_key] == campus_key)).mappings().one())

    def ledger_count(self, table) -> int:
        with self.ledger.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _plant(his: Engine) -> None:
    rows = {"dept": [], "staff": [], "drug_dict": [], "charge_item": []}
    for i, code in enumerate(DEPTS):
        rows["dept"].append(dict(dept_code=code, dept_name=f"科室{i}", dept_type="outpatient", campus="main",
                                 caty=f"A0{i + 1}", spell_code=f"KS{i}", sort_no=i, is_active=1, updated_at=AT))
    n = 10000
    for role in (*ROLES, "clerk"):
        for i in range(5):
            n += 1
            rows["staff"].append(dict(staff_code=str(n), name=f"职工{n}", gender="1" if i % 2 else "2",
                                      birth_date=None, id_card_no="360102198001011234", phone="13800001111",
                                      role=role, title="主治", dept_code="1010", prac_cert_no=f"C{n}",
                                      hi_psn_codg=f"D360102{n:06d}", specialty="擅长" if role == "doctor" else None,
                                      is_active=1, updated_at=AT))
    for i in range(5):
        rows["drug_dict"].append(dict(drug_code=f"YP{i:06d}", drug_name=f"药品{i}", spec="10mg*24片",
                                      dosage_form="片剂", drug_cat="西药", pack_unit="盒", dose_unit="片", pack_qty=24,
                                      prodentp_name="某药业", aprvno=f"国药准字H{i:08d}",
                                      med_list_codg=f"XA01AAA{i:016d}", rx_type="RX",
                                      retail_price=Decimal("12.500000") + i, trace_required="Y", is_active=1,
                                      updated_at=AT))
        rows["charge_item"].append(dict(item_code=f"XM{i:04d}", item_name=f"项目{i}", item_kind="item",
                                        med_chrgitm_type="02", unit="次", spec=None, price=Decimal("6.000000") + i,
                                        med_list_codg=f"00120000000{i}", is_active=1, updated_at=AT))
    with his.begin() as conn:
        for table, values in rows.items():
            conn.execute(s.metadata.tables[table].insert(), values)


@pytest.fixture
def rig(pg_url: str) -> Iterator[Rig]:
    campus_url = _create_database()
    his, campus = make_engine(pg_url), make_engine(campus_url)
    create_schema(his)
    cs.create_schema(campus)
    _plant(his)
    writes: list[str] = []

    @event.listens_for(campus, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "COMMIT", "ROLLBACK")):
            writes.append(statement)

    try:
        yield Rig(his, campus, his, writes)  # the ledger lives beside the main campus's HIS
    finally:
        his.dispose()
        campus.dispose()
        _drop_database(campus_url)


# per dictionary: the source table, its key column, the row filter, a compared source column, its campus column, the
# new value, and how the campus writes that value back
CHANGES = {
    "dept": ("dept", "dept_code", None, "dept_name", "ksmc", "新名称", "新名称"),
    "staff": ("staff", "staff_code", None, "title", "zc", "副主任医师", "副主任医师"),
    "doctor": ("staff", "staff_code", "doctor", "title", "zc", "主任医师", "主任医师"),
    "nurse": ("staff", "staff_code", "nurse", "title", "zc", "主管护师", "主管护师"),
    "pharmacist": ("staff", "staff_code", "pharmacist", "title", "zc", "主管药师", "主管药师"),
    "drug": ("drug_dict", "drug_code", None, "retail_price", "lsj", Decimal("99.9"), Decimal("99.900000")),
    "charge_item": ("charge_item", "item_code", None, "price", "dj", Decimal("8.25"), Decimal("8.250000")),
}


def _keys(rig: Rig, d: Dictionary) -> list[str]:
    return sorted(k for k, _, _ in wanted_rows(rig.his, d, load_codes()))


def _set(rig: Rig, d: Dictionary, key: str, **values) -> None:
    table, key_col, *_ = CHANGES[d.name]
    t = s.metadata.tables[table]
    with rig.his.begin() as conn:
        assert conn.execute(update(t).where(t.c[key_col] == key).values(**values)).rowcount == 1


def _campus_key(d: Dictionary, key: str) -> str:
    return load_codes()["dept_code"][key] if d.name == "dept" else key


@pytest.mark.parametrize("d", DICTIONARIES, ids=lambda d: d.name)
def test_dictionary_syncs_end_to_end(rig: Rig, d: Dictionary) -> None:
    names = [*d.parents, d.name]
    table, key_col, role, column, campus_column, new, read_back = CHANGES[d.name]
    keys = _keys(rig, d)
    assert len(keys) >= 5

    # initial sync: every row, parents first
    report = rig.sync(*names)
    assert [r.name for r in report.dictionaries] == names
    mine = report.by_name(d.name)
    assert (mine.counts["inserted"], mine.counts["quarantined"], mine.counts["conflicts"]) == (len(keys), 0, 0)
    campus = rig.campus_rows(d)
    assert sorted(campus) == sorted(_campus_key(d, k) for k in keys)
    assert all(r["tybz"] == "0" and r["bbh"] == 1 for r in campus.values())

    # a change, a deactivation, a row gone at the source, a conflict; keys[0] stays as it was
    steady, changed, inactive, gone, disputed = keys[:5]
    _set(rig, d, changed, **{column: new})
    _set(rig, d, inactive, is_active=0)
    if d.name == "dept":  # a department leaves the source: no staff names it
        with rig.his.begin() as conn:
            conn.execute(delete(s.dept).where(s.dept.c.dept_code == gone))
    elif role:  # a member leaves the dictionary's selection (another role)
        _set(rig, d, gone, role="technician")
    else:
        with rig.his.begin() as conn:
            t = s.metadata.tables[table]
            conn.execute(delete(t).where(t.c[key_col] == gone))
    campus_table = cs.metadata.tables[d.table]
    with rig.campus.begin() as conn:  # the campus edits a row itself, which the main campus then changes too
        conn.execute(update(campus_table).where(campus_table.c[d.campus_key] == _campus_key(d, disputed))
                     .values({campus_column: Decimal("77") if campus_column in ("lsj", "dj") else "院区自改",
                              "bbh": campus_table.c.bbh + 1, "xgr": "jlh"}))
    _set(rig, d, disputed, **{column: new})

    report = rig.sync(*names).by_name(d.name)
    assert report.counts | {"selected": 0} == {"selected": 0, "inserted": 0, "updated": 1, "deactivated": 2,
                                               "unchanged": len(keys) - 4, "conflicts": 1, "quarantined": 0}
    assert report.campus_rows_written == 3
    row = rig.campus_row(d, _campus_key(d, changed))
    assert row[campus_column] == read_back and row["bbh"] == 2 and row["xgr"] == "hisbridge"
    for key in (inactive, gone):
        row = rig.campus_row(d, _campus_key(d, key))
        assert row["tybz"] == "1" and row["bbh"] == 2  # deactivated, never deleted
    assert rig.campus_row(d, _campus_key(d, steady))["bbh"] == 1  # untouched
    row = rig.campus_row(d, _campus_key(d, disputed))
    assert row["xgr"] == "jlh" and row["bbh"] == 2  # the campus's edit is not overwritten
    [conflict] = state.open_conflicts(rig.ledger, d.name)
    assert conflict["business_key"] == disputed
    assert Decimal(conflict["source_version"][campus_column]) == new if isinstance(new, Decimal) else \
        conflict["source_version"][campus_column] == new
    campus_value = conflict["campus_version"][campus_column]
    assert Decimal(campus_value) == 77 if isinstance(new, Decimal) else campus_value == "院区自改"
    assert report.conflicts[0][0] == disputed

    # a re-run writes nothing: not one statement on the campus, not one ledger row but the run's own
    states, conflicts = rig.ledger_count(ls.dict_sync_state), rig.ledger_count(ls.dict_sync_conflict)
    again = rig.sync(*names)
    assert rig.writes == []
    mine = again.by_name(d.name)
    assert (mine.counts["inserted"], mine.counts["updated"], mine.counts["deactivated"]) == (0, 0, 0)
    assert mine.counts["conflicts"] == 1  # still open, still reported
    assert all(r.campus_rows_written == 0 and r.ledger_rows_written == 0 for r in again.dictionaries)
    assert (rig.ledger_count(ls.dict_sync_state), rig.ledger_count(ls.dict_sync_conflict)) == (states, conflicts)


def test_dry_run_writes_nothing_and_names_changed_columns(rig: Rig) -> None:
    report = rig.sync(dry_run=True)
    assert rig.writes == []
    assert report.by_name("drug").counts["inserted"] == 5
    assert rig.campus_rows(BY_NAME["drug"]) == {}
    assert rig.ledger_count(ls.dict_sync_state) == 0 and rig.ledger_count(ls.dict_sync_run) == 0

    rig.sync()
    _set(rig, BY_NAME["drug"], "YP000002", retail_price=Decimal("1.23"), drug_name="新药名")
    report = rig.sync("drug", dry_run=True).by_name("drug")
    assert rig.writes == []
    assert report.changes == [("update", "YP000002", ["药品名称", "零售价"])]
    line = "\n".join(report.lines())
    assert "试运行" in line and "1.23" not in line and "新药名" not in line  # names of columns, never values
    assert rig.campus_row(BY_NAME["drug"], "YP000002")["lsj"] == Decimal("12.500000") + 2


def test_parents_sync_before_children_and_an_unmapped_department_quarantines_its_staff(rig: Rig) -> None:
    with rig.his.begin() as conn:
        conn.execute(s.dept.insert().values(dept_code="5090", dept_name="未对照科室", dept_type="medtech",
                                            campus="main", is_active=1, updated_at=AT))
        conn.execute(update(s.staff).where(s.staff.c.staff_code == "10001").values(dept_code="5090"))
    report = rig.sync()
    assert [r.name for r in report.dictionaries] == [d.name for d in DICTIONARIES]
    with rig.ledger.connect() as conn:
        order = conn.execute(select(ls.dict_sync_run.c.dictionary).order_by(ls.dict_sync_run.c.id)).scalars().all()
    assert order == [d.name for d in DICTIONARIES]
    assert report.by_name("dept").quarantined[0][0] == "5090"
    for name in ("staff", "doctor"):
        r = report.by_name(name)
        assert r.counts["quarantined"] == 1 and "所属科室「5090」" in r.quarantined[0][1]
        assert "10001" not in rig.campus_rows(BY_NAME[name])
    assert report.by_name("staff").counts["inserted"] == 19  # the rest still syncs
    with rig.ledger.connect() as conn:
        stored = conn.execute(select(ls.dict_sync_run.c.report).where(ls.dict_sync_run.c.dictionary == "staff"))
        assert "5090" in stored.scalar_one()

    # mapped at last (here: the staff member moves back): it syncs on the next run
    _set(rig, BY_NAME["staff"], "10001", dept_code="1010")
    assert rig.sync("staff").by_name("staff").counts["inserted"] == 1


def test_resolving_a_conflict_keep_campus_then_keep_main(rig: Rig) -> None:
    d = BY_NAME["drug"]
    rig.sync("drug")
    with rig.campus.begin() as conn:
        conn.execute(update(cs.yp_dict).where(cs.yp_dict.c.ypdm == "YP000001")
                     .values(ypmc="院区名称", bbh=cs.yp_dict.c.bbh + 1))
    assert rig.sync("drug").by_name("drug").counts["conflicts"] == 1
    [c] = state.open_conflicts(rig.ledger, "drug")
    assert c["campus_version"]["ypmc"] == "院区名称" and c["source_version"]["ypmc"] == "药品1"

    state.resolve(rig.ledger, c["id"], state.KEEP_CAMPUS, by="药学部")
    report = rig.sync("drug").by_name("drug")
    assert report.counts["conflicts"] == 0 and report.counts["updated"] == 0
    assert rig.campus_row(d, "YP000001")["ypmc"] == "院区名称"

    _set(rig, d, "YP000001", drug_name="药品1（新）")  # the main campus changes it again: its version wins now
    assert rig.sync("drug").by_name("drug").counts["updated"] == 1
    assert rig.campus_row(d, "YP000001")["ypmc"] == "药品1（新）"

    with rig.campus.begin() as conn:
        conn.execute(update(cs.yp_dict).where(cs.yp_dict.c.ypdm == "YP000001").values(ypmc="又改了"))
    rig.sync("drug")
    [c] = state.open_conflicts(rig.ledger, "drug")
    state.resolve(rig.ledger, c["id"], state.KEEP_MAIN, by="药学部")
    assert rig.sync("drug").by_name("drug").counts["updated"] == 1
    assert rig.campus_row(d, "YP000001")["ypmc"] == "药品1（新）"
    assert state.open_conflicts(rig.ledger, "drug") == []


def test_a_campus_edit_between_plan_and_write_is_not_overwritten(rig: Rig) -> None:
    d = BY_NAME["drug"]
    rig.sync("drug")
    _set(rig, d, "YP000003", drug_name="改名")
    codes = load_codes()
    with rig.ledger.connect() as conn:
        priors = state.priors(conn, "drug")
    with rig.campus.connect() as conn:
        planned = plan(d, wanted_rows(rig.his, d, codes), read_rows(conn, d), priors)
    with rig.campus.begin() as conn:  # the campus edits the row after we read it
        conn.execute(update(cs.yp_dict).where(cs.yp_dict.c.ypdm == "YP000003").values(ypmc="院区", bbh=5))
    with pytest.raises(CampusMoved), rig.campus.begin() as conn:
        write(conn, d, [], planned.of(Action.UPDATE), [], AT)
    assert rig.campus_row(d, "YP000003")["ypmc"] == "院区"
    assert rig.sync("drug").by_name("drug").counts["conflicts"] == 1


def test_no_personal_data_reaches_the_campus(rig: Rig) -> None:
    rig.sync()
    with rig.campus.connect() as conn:
        for table in (cs.zg_dict, cs.ys_dict, cs.hs_dict, cs.yjs_dict):
            dumped = str(conn.execute(select(table)).all())
            assert "360102198001011234" not in dumped and "13800001111" not in dumped
        assert conn.execute(text("SELECT count(*) FROM zg_dict")).scalar_one() == 20


def test_cli_sync_dry_run_conflicts_and_resolve(rig: Rig, capsys) -> None:
    from hisbridge.platforms.jiulonghu.cli import main

    urls = ["--his-url", rig.his.url.render_as_string(hide_password=False),
            "--campus-url", rig.campus.url.render_as_string(hide_password=False),
            "--ledger-url", rig.ledger.url.render_as_string(hide_password=False)]
    assert main([*urls, "sync", "--only", "dept", "--dry-run"]) == 0
    assert "试运行" in capsys.readouterr().out and rig.campus_rows(BY_NAME["dept"]) == {}
    assert main([*urls, "sync", "--only", "dept,drug"]) == 0
    assert "药品（drug）：选取 5，新增 5" in capsys.readouterr().out
    assert main([*urls, "sync", "--only", "wards"]) == 2

    with rig.campus.begin() as conn:
        conn.execute(update(cs.yp_dict).where(cs.yp_dict.c.ypdm == "YP000004").values(jx="胶囊剂"))
    main([*urls, "sync", "--only", "drug"])
    capsys.readouterr()
    assert main([*urls, "conflicts"]) == 0
    out = capsys.readouterr().out
    assert "YP000004" in out and "剂型" in out
    [c] = state.open_conflicts(rig.ledger)
    assert main([*urls, "resolve", str(c["id"]), "--keep", "main", "--by", "药学部"]) == 0
    assert main([*urls, "resolve", str(c["id"]), "--keep", "main", "--by", "药学部"]) == 1  # no longer open
    main([*urls, "sync", "--only", "drug"])
    assert rig.campus_row(BY_NAME["drug"], "YP000004")["jx"] == "片剂"


def test_demo_step_shows_a_change_a_deactivation_and_a_conflict(rig: Rig, tmp_path) -> None:
    from demo.jiulonghu_sync_demo import sync_step

    lines: list[str] = []
    result = sync_step(rig.his, rig.ledger, tmp_path, lines.append)
    second = result["second"]["dictionaries"]
    assert second["drug"]["updated"] == 1 and second["staff"]["deactivated"] == 1
    assert second["nurse"]["deactivated"] == 1 and second["doctor"]["conflicts"] == 1
    assert all(d["inserted"] == 0 for d in second.values())
    text_out = "\n".join(lines)
    assert f"冲突 医生 {result['planted']['doctor']}：院区改动了 职称" in text_out
    assert (tmp_path / "jiulonghu_his.db").exists()


@pytest.mark.usefixtures("task_log")
def test_the_operator_ends_its_log_with_the_counts_and_warns_of_quarantine_and_conflicts(rig: Rig, monkeypatch,
                                                                                          caplog) -> None:
    from hisbridge.platforms.jiulonghu.operators import DictionarySyncOperator

    for conn_id, engine in (("HIS_DB", rig.his), ("HISBRIDGE_DB", rig.ledger), ("JIULONGHU_HIS", rig.campus)):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id}", json.dumps({
            "conn_type": "postgres", "host": engine.url.host, "port": engine.url.port, "login": engine.url.username,
            "schema": engine.url.database}))
    context = {"run_id": "manual__sync", "ti": SimpleNamespace(dag_id="jiulonghu_dictionary_sync", task_id="t",
                                                               try_number=1)}
    with rig.his.begin() as conn:  # a staff member of a department without a campus code: quarantined
        conn.execute(s.dept.insert().values(dept_code="5090", dept_name="未对照科室", dept_type="medtech",
                                            campus="main", is_active=1, updated_at=AT))
        conn.execute(update(s.staff).where(s.staff.c.staff_code == "10001").values(dept_code="5090"))
    title = BY_NAME["staff"].title
    counts = DictionarySyncOperator(task_id="sync_staff", dictionary="staff").execute(context)
    lines = operator_lines(caplog, DictionarySyncOperator)
    assert lines[-2] == (logging.INFO, (
        f"汇总：九龙湖字典同步 {title}（staff）：选取 20、新增 19、更新 0、停用 0、未变 0、冲突 0、隔离 1；"
        f"写入院区 {counts['campus_rows_written']} 行"))
    assert lines[-1] == (logging.WARNING, f"任务成功，但{title}有 1 行隔离未同步（原因见上，多为院区代码未对照）："
                                          "补充 include/mappings/jiulonghu_codes.yaml 的对照或修正 HIS 数据后，下次同步写入")
    assert any("所属科室「5090」" in line for _, line in lines[:-2])  # the reason, above the summary

    DictionarySyncOperator(task_id="sync_drug", dictionary="drug").execute(context)
    with rig.campus.begin() as conn:  # edited on the campus since our write: a conflict, not overwritten
        conn.execute(update(cs.yp_dict).where(cs.yp_dict.c.ypdm == "YP000001")
                     .values(ypmc="院区名称", bbh=cs.yp_dict.c.bbh + 1))
    _set(rig, BY_NAME["drug"], "YP000001", drug_name="药品1（新）")
    caplog.clear()
    counts = DictionarySyncOperator(task_id="sync_drug", dictionary="drug").execute(context)
    assert counts["conflicts"] == 1
    title = BY_NAME["drug"].title
    lines = operator_lines(caplog, DictionarySyncOperator)
    assert lines[-2][1].startswith(f"汇总：九龙湖字典同步 {title}（drug）：选取 5、新增 0、更新 0、停用 0、未变 4、冲突 1、隔离 0")
    assert lines[-1] == (logging.WARNING, (
        f"任务成功，但{title}有 1 行冲突未覆盖（院区侧自上次同步后修改过）：用 python -m hisbridge jiulonghu conflicts "
        "查看两边的版本，商定后处理（台账 dict_sync_conflict）"))
    assert not [line for _, line in lines if "职工" in line or "13800001111" in line]  # never a person
