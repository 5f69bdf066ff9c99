"""Rendering: the scripts parse (Oracle with sqlglot), reference only real base columns, never select PII,
follow the site's overrides, and the checked-in scripts are what the YAML renders today."""

from __future__ import annotations

import sqlite3

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from demo.his.schema import dept, patient, registration, room, staff
from hisbridge.contracts.accounts import render_reader
from hisbridge.contracts.ddl import render_views
from hisbridge.contracts.ddl import select_sql as view_sql
from hisbridge.contracts.sql import DIALECTS
from hisbridge.platforms.queue.cli import SCRIPT_DIR
from hisbridge.platforms.queue.declaration import QueueContract, load_contract
from hisbridge.platforms.queue.sources import masked_name
from hisbridge.platforms.queue.today import today
from hisbridge.platforms.queue.views import db_contract, render_script

# The demo HIS tables' columns, for sqlglot to resolve every column a view references.
SCHEMA = {t.name: {c.name: "VARCHAR" for c in t.columns} for t in (dept, room, staff, patient, registration)}
SQLGLOT = {"postgresql": "postgres", "oracle": "oracle", "sqlite": "sqlite"}


def select_sql(contract: QueueContract, view: str, dialect: str) -> str:
    return view_sql(db_contract(contract).object(view), dialect)


def views_in(script: str, dialect: str) -> dict[str, exp.Create]:
    out = {}
    for stmt in sqlglot.parse(script, read=SQLGLOT[dialect]):
        if isinstance(stmt, exp.Create) and stmt.kind == "VIEW":
            out[stmt.this.name.lower()] = stmt
    return out


def test_oracle_script_parses_with_sqlglot() -> None:
    script = (SCRIPT_DIR / "oracle.sql").read_text(encoding="utf-8")
    statements = sqlglot.parse(script, read="oracle")
    views = views_in(script, "oracle")
    assert set(views) == {"hx_department", "hx_room", "hx_doctor", "hx_queue"}
    contract = load_contract(site=None)
    for name, create in views.items():
        assert [s.alias for s in create.expression.selects] == [c.name for c in contract.views[name].columns]
    kinds = {type(s).__name__ for s in statements}
    assert {"Create", "Comment", "Grant"} <= kinds


@pytest.mark.parametrize("site", [None, "example_site"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_view_selects_reference_only_existing_base_columns(dialect: str, site: str | None) -> None:
    contract = load_contract(site=site)
    for view in contract.view_names:
        select = sqlglot.parse_one(select_sql(contract, view, dialect), read=SQLGLOT[dialect])
        qualify(select, schema=SCHEMA, dialect=SQLGLOT[dialect], validate_qualify_columns=True)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_checked_in_scripts_are_what_the_yaml_renders(dialect: str) -> None:
    on_disk = (SCRIPT_DIR / f"{dialect}.sql").read_text(encoding="utf-8")
    assert on_disk == render_script(load_contract(site=None), dialect), (
        "include/sql/queue_views is stale: run `python -m hisbridge queue-views render --all`"
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_views_never_select_id_card_phone_or_address(dialect: str) -> None:
    sql = "\n".join(s.sql for s in render_views(db_contract(load_contract(site=None)), dialect)).lower()
    for column in ("id_card_no", "phone", "address", "prac_cert_no", "psn_no"):
        assert column not in sql
    assert "p.name" in sql and "as patient_name" in sql
    # the patient's name only leaves through the mask
    assert sql.count("p.name") == sql.count("trim(p.name)")


def test_site_override_changes_the_rendered_ddl() -> None:
    default = render_script(load_contract(site=None), "oracle")
    site = render_script(load_contract(site="example_site"), "oracle")
    assert "ADD_MONTHS(rg.visit_date, -840)" in default and "ADD_MONTHS(rg.visit_date, -780)" in site
    assert "AS PAT_NAME" in site and "AS PATIENT_NAME" not in site
    assert "AS SEQ_NO" in site and "AS AGE" in site
    assert "CREATE OR REPLACE VIEW hx_doctor" in default and "CREATE OR REPLACE VIEW hx_doctor" not in site
    assert "GRANT SELECT ON hx_doctor" not in site
    assert "CALLER_ID" in default and "CALLER_ID" not in site
    pg = render_script(load_contract(site="example_site"), "postgresql")
    assert "DROP VIEW IF EXISTS public.hx_doctor;" in pg and "CREATE VIEW public.hx_doctor" not in pg


def test_today_is_the_databases_own_date() -> None:
    settings = load_contract(site=None).settings
    assert today("postgresql", settings) == "CAST(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Shanghai' AS DATE)"
    assert today("postgresql", settings.model_copy(update={"timezone": None})) == "CURRENT_DATE"
    assert today("oracle", settings) == "TRUNC(SYSDATE)"
    assert today("sqlite", settings) == "date('now', 'localtime')"
    oracle = select_sql(load_contract(site=None), "hx_queue", "oracle")
    assert "rg.visit_date >= TRUNC(SYSDATE) AND rg.visit_date < TRUNC(SYSDATE) + 1" in oracle


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("first_last", ["张*三", "李*", "欧*明", "王", None, "张*三"]),
        ("first_only", ["张*", "李*", "欧*", "王", None, "张*"]),
        ("none", ["张小三", "李四", "欧阳小明", "王", None, "张小三"]),
    ],
)
def test_mask_rules(rule: str, expected: list[str | None]) -> None:
    settings = load_contract(site=None).settings.model_copy(update={"mask_rule": rule})
    db = sqlite3.connect(":memory:")
    names = ["张小三", "李四", "欧阳小明", "王", None, " 张小三 "]
    sql = f"SELECT {masked_name('sqlite', settings, ':n')}"
    got = [db.execute(sql, {"n": n}).fetchone()[0] for n in names]
    assert got == expected


def test_reader_gets_select_on_the_views_and_nothing_else() -> None:
    contract = db_contract(load_contract(site=None))
    pg = [s.sql for s in render_reader(contract, "postgresql", password_sql=":'pw'", exists=None)]
    grants = [s for s in pg if s.startswith("GRANT")]
    assert grants == [
        "GRANT USAGE ON SCHEMA public TO hx_reader",
        "GRANT SELECT ON public.hx_department, public.hx_room, public.hx_doctor, public.hx_queue TO hx_reader",
    ]
    assert "REVOKE CREATE ON SCHEMA public FROM hx_reader" in pg
    ora = [s.sql for s in render_reader(contract, "oracle", password_sql='"pw"', exists=None)]
    assert ora == [
        'CREATE USER hx_reader IDENTIFIED BY "pw"',
        "GRANT CREATE SESSION TO hx_reader",
        "GRANT SELECT ON hx_department TO hx_reader",
        "GRANT SELECT ON hx_room TO hx_reader",
        "GRANT SELECT ON hx_doctor TO hx_reader",
        "GRANT SELECT ON hx_queue TO hx_reader",
    ]
    assert render_reader(contract, "sqlite", password_sql=None, exists=None) == []


def test_password_statements_are_marked_secret_and_scripts_carry_only_a_variable() -> None:
    contract = load_contract(site=None)
    stmts = render_reader(db_contract(contract), "postgresql", password_sql="'s3cret'", exists=True)
    assert [s.secret for s in stmts if "s3cret" in s.sql] == [True]
    assert ":'hx_reader_password'" in render_script(contract, "postgresql")
    assert '"&&hx_reader_password"' in render_script(contract, "oracle")


def test_pg_views_are_security_barrier_and_rebuilt_atomically() -> None:
    stmts = render_views(db_contract(load_contract(site=None)), "postgresql")
    creates = [s.sql for s in stmts if s.sql.startswith("CREATE VIEW")]
    assert len(creates) == 4 and all("WITH (security_barrier = true)" in c for c in creates)
