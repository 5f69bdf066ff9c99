"""The executor: parameters into binds, limits, paging rendered per dialect (Oracle proven by compiling), and
the whole path on a small SQLite HIS — a page, its children, a single object, a HIS that fails."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from pydantic import Field
from sqlalchemy import create_engine, text
from sqlalchemy.dialects import oracle, postgresql, sqlite
from sqlglot import ErrorLevel

from hisbridge.platforms.city_brain import executor as ex
from hisbridge.platforms.city_brain.answers import ApiError
from hisbridge.platforms.city_brain.catalogue import ENDPOINTS, Child, Endpoint
from hisbridge.platforms.city_brain.endpoints.directory import ENDPOINTS as DIRECTORY
from hisbridge.platforms.city_brain.fields import DateRange, DateTimeText, Money, Paging, WireModel
from tests.unit.platforms.city_brain.support import settings

DEPARTMENTS = next(e for e in DIRECTORY if e.path == "departments")


class VisitQuery(DateRange, Paging):
    patient_id: str = Field(description="病人ID")
    dept_code: str | None = Field(None, description="科室代码")


class Line(WireModel):
    line_no: int = Field(description="序号")
    amount: Money = Field(description="金额")


class Visit(WireModel):
    visit_id: str = Field(description="就诊ID")
    visit_time: DateTimeText = Field(description="就诊时间")
    lines: list[Line] = Field(default_factory=list, description="明细")


@pytest.fixture
def his(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'his.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE visit (visit_id TEXT, patient_id TEXT, dept_code TEXT, visit_time TIMESTAMP)"))
        conn.execute(text("CREATE TABLE line (visit_id TEXT, line_no INTEGER, amount NUMERIC)"))
        for n in range(1, 8):  # V1..V7 on 1..7 Nov; V7 of another department
            conn.execute(text("INSERT INTO visit VALUES (:v, 'P1', :d, :t)"),
                         {"v": f"V{n}", "d": "02" if n == 7 else "01", "t": datetime(2026, 11, n, 9, 30)})
            conn.execute(text("INSERT INTO line VALUES (:v, 1, 12.5), (:v, 2, 3)"), {"v": f"V{n}"})
        conn.execute(text("INSERT INTO visit VALUES ('X1', 'P2', '01', '2026-11-02 10:00:00')"))
    (tmp_path / "visits.sql").write_text(
        "SELECT v.visit_id AS visit_id, v.visit_time AS visit_time FROM visit v\n"
        "WHERE v.patient_id = :patient_id AND COALESCE(:dept_code, v.dept_code) = v.dept_code\n"
        "  AND v.visit_time >= :start_time AND v.visit_time < :end_time\nORDER BY v.visit_id", encoding="utf-8")
    (tmp_path / "lines.sql").write_text(
        "SELECT l.visit_id AS parent_key, l.line_no AS line_no, l.amount AS amount FROM line l\n"
        "WHERE l.visit_id IN :keys ORDER BY l.visit_id, l.line_no", encoding="utf-8")
    yield engine, tmp_path
    engine.dispose()


def visits(tmp_path: Path, **changes) -> Endpoint:
    values = {"order_by": ("visit_time", "visit_id"),
              "children": (Child("lines", str(tmp_path / "lines.sql"), Line, key="visit_id"),)} | changes
    return Endpoint("visits", "就诊查询", VisitQuery, Visit, str(tmp_path / "visits.sql"), **values)


# -- paging, rendered per dialect ----------------------------------------------------------------------------------
def _flat(sql: object) -> str:
    """The SQL without its comments, on one line."""
    return " ".join(re.sub(r"--[^\n]*", "", str(sql)).split())


def _page_sql(dialect) -> str:
    return _flat(ex.paged(DEPARTMENTS).page.compile(dialect=dialect))


def test_oracle_pages_with_offset_fetch_and_bind_parameters() -> None:
    sql = _page_sql(oracle.dialect())
    assert sql.startswith("SELECT q.dept_code, q.dept_name, ")
    assert "count(*) OVER () AS page_total_ FROM ( SELECT" in sql  # the total with the page, in one statement
    assert "FROM ( SELECT d.dept_code AS dept_code" in sql and ") q ORDER BY q.dept_code" in sql  # no AS on the alias
    assert sql.endswith("OFFSET :page_offset ROWS FETCH FIRST :page_limit ROWS ONLY")


def test_oracle_before_12c_pages_with_rownum() -> None:
    dialect = oracle.dialect()
    dialect._supports_offset_fetch = False  # as when the server reports version 11
    sql = _page_sql(dialect)
    assert "ROWNUM AS ora_rn" in sql and "WHERE ROWNUM <= :page_limit + :page_offset" in sql
    assert sql.endswith("WHERE ora_rn > :page_offset")
    # the window count sits in the innermost query: taken over every row before ROWNUM cuts the page
    inner = sql.index("count(*) OVER () AS page_total_")
    assert inner < sql.index("FROM ( SELECT d.dept_code") < sql.index("WHERE ROWNUM <=")


@pytest.mark.parametrize("before_12c", [False, True])
def test_the_oracle_page_statements_parse_as_oracle(before_12c: bool) -> None:
    dialect = oracle.dialect()
    dialect._supports_offset_fetch = not before_12c
    for endpoint in (e for e in ENDPOINTS.values() if e.many):
        sql = str(ex.paged(endpoint).page.compile(dialect=dialect))
        tree = sqlglot.parse_one(sql, read="oracle", error_level=ErrorLevel.RAISE)
        assert isinstance(tree, sqlglot.exp.Select), endpoint.path


@pytest.mark.parametrize(("dialect", "tail"), [
    (postgresql.dialect(), "ORDER BY q.dept_code LIMIT %(page_limit)s::INTEGER OFFSET %(page_offset)s::INTEGER"),
    (sqlite.dialect(), "ORDER BY q.dept_code LIMIT ? OFFSET ?"),
])
def test_postgresql_and_sqlite_page_with_limit_offset(dialect, tail: str) -> None:
    assert _page_sql(dialect).endswith(tail)


def test_the_count_wraps_the_sql_unchanged() -> None:
    sql = _flat(ex.paged(DEPARTMENTS).count.compile(dialect=oracle.dialect()))
    assert sql.startswith("SELECT count(*) AS count_1 FROM ( SELECT d.dept_code AS dept_code")
    assert sql.endswith("ORDER BY d.dept_code ) q")


# -- parameters ---------------------------------------------------------------------------------------------------
def test_a_date_range_binds_whole_days() -> None:
    params = VisitQuery.model_validate({"patientId": "P1", "startDate": "2026-11-01", "endDate": "2026-11-30"})
    values = ex.binds(DEPARTMENTS, params, frozenset({"patient_id", "dept_code", "start_time", "end_time"}))
    assert values == {"patient_id": "P1", "dept_code": None, "start_time": datetime(2026, 11, 1),
                      "end_time": datetime(2026, 12, 1)}


def test_a_bind_that_is_no_parameter_is_a_declaration_error() -> None:
    with pytest.raises(KeyError, match="reg_id"):
        ex.binds(DEPARTMENTS, DEPARTMENTS.params(), frozenset({"reg_id"}))


def test_a_last_line_that_is_a_comment_cannot_swallow_the_wrapping(tmp_path: Path) -> None:
    (tmp_path / "commented.sql").write_text("SELECT 1 AS visit_id FROM dual -- no line break after me")
    assert ex.sql_text(str(tmp_path / "commented.sql")).endswith("me\n")


@pytest.mark.parametrize(("biz", "words"), [
    ({"startDate": "2026-11-01", "endDate": "2026-11-02"}, "patientId 缺少"),
    ({"patientId": "P1", "startDate": "2026/11/01", "endDate": "2026-11-02"}, "startDate 日期格式须为 yyyy-MM-dd"),
    ({"patientId": "P1", "startDate": 20261101, "endDate": "2026-11-02"}, "startDate 日期格式须为 yyyy-MM-dd"),
    ({"patientId": "P1", "startDate": "2026-11-03", "endDate": "2026-11-02"}, "endDate 不能早于 startDate"),
    ({"patientId": "P1", "startDate": "2026-11-01", "endDate": "2026-11-02", "pageSize": 201}, "pageSize 不能大于 200"),
    ({"patientId": "P1", "startDate": "2026-11-01", "endDate": "2026-11-02", "pageNo": 0}, "pageNo 不能小于 1"),
    ({"patientId": 7, "startDate": "2026-11-01", "endDate": "2026-11-02"}, "patientId 须为文本"),
])
def test_wrong_parameters_are_2001_naming_the_field(tmp_path: Path, biz: dict, words: str) -> None:
    with pytest.raises(ApiError) as wrong:
        ex.parse_params(visits(tmp_path), biz)
    assert wrong.value.code == "2001" and words in wrong.value.detail


def test_a_range_longer_than_the_limit_is_2002(tmp_path: Path) -> None:
    endpoint = visits(tmp_path)
    ok = VisitQuery.model_validate({"patientId": "P1", "startDate": "2026-11-01", "endDate": "2026-12-01"})
    ex.check_limits(endpoint, ok, settings())  # 31 days, both ends counted
    long = ok.model_copy(update={"end_date": date(2026, 12, 2)})
    with pytest.raises(ApiError) as refused:
        ex.check_limits(endpoint, long, settings())
    assert refused.value.code == "2002" and "共 32 天，上限 31 天" in refused.value.detail
    ex.check_limits(endpoint, long, settings(max_days=60))  # the site's limit
    with pytest.raises(ApiError, match="2002"):
        ex.check_limits(visits(tmp_path, max_days=7), ok, settings(max_days=60))  # the endpoint's own limit
    ex.check_limits(visits(tmp_path, max_days=None), long, settings())  # no limit


def test_a_page_larger_than_the_site_allows_is_2001(tmp_path: Path) -> None:
    params = VisitQuery.model_validate({"patientId": "P1", "startDate": "2026-11-01", "endDate": "2026-11-02",
                                        "pageSize": 100})
    with pytest.raises(ApiError) as refused:
        ex.check_limits(visits(tmp_path), params, settings(max_page_size=50))
    assert refused.value.code == "2001" and "pageSize 不能大于 50" in refused.value.detail


# -- on a HIS ------------------------------------------------------------------------------------------------------
BIZ = {"patientId": "P1", "startDate": "2026-11-02", "endDate": "2026-11-07", "pageSize": 2}


def test_a_page_with_its_total_and_children(his) -> None:
    engine, tmp_path = his
    result = ex.Executor(engine, settings()).run(visits(tmp_path), {**BIZ, "pageNo": 2})
    assert result.data["total"] == 6 and (result.data["pageNo"], result.data["pageSize"]) == (2, 2)
    assert [v["visitId"] for v in result.data["list"]] == ["V4", "V5"]  # ordered by visit time
    assert result.data["list"][0] == {"visitId": "V4", "visitTime": "2026-11-04 09:30:00", "lines": [
        {"lineNo": 1, "amount": "12.50"}, {"lineNo": 2, "amount": "3.00"}]}
    assert (result.rows, result.total) == (2, 6)


def test_an_optional_filter_and_a_page_past_the_end(his) -> None:
    engine, tmp_path = his
    run = ex.Executor(engine, settings()).run
    one = run(visits(tmp_path), {**BIZ, "deptCode": "02"}).data
    assert one["total"] == 1 and one["list"][0]["visitId"] == "V7"
    past = run(visits(tmp_path), {**BIZ, "pageNo": 9}).data
    assert past == {"total": 6, "pageNo": 9, "pageSize": 2, "list": []}


def test_a_single_object_or_2004(his) -> None:
    engine, tmp_path = his
    single = visits(tmp_path, many=False)
    found = ex.Executor(engine, settings()).run(single, BIZ)
    assert found.data["visitId"] == "V2" and len(found.data["lines"]) == 2
    with pytest.raises(ApiError) as none:
        ex.Executor(engine, settings()).run(single, {**BIZ, "patientId": "P9"})
    assert none.value.code == "2004"


def test_a_his_that_cannot_be_read_is_5003(tmp_path: Path, his, caplog) -> None:
    _, sql_dir = his
    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'his.db'}")
    with pytest.raises(ApiError) as down:
        ex.Executor(broken, settings()).run(visits(sql_dir), BIZ)
    assert down.value.code == "5003"
    assert "the HIS could not be read (OperationalError)" in caplog.text and "P1" not in caplog.text


def test_his_rows_that_do_not_fit_the_answer_are_5000(his, caplog) -> None:
    engine, tmp_path = his
    with engine.begin() as conn:
        conn.execute(text("UPDATE line SET amount = 'abc' WHERE visit_id = 'V2'"))
    with pytest.raises(ApiError) as bad:
        ex.Executor(engine, settings()).run(visits(tmp_path), BIZ)
    assert bad.value.code == "5000" and "lines.0.amount" in caplog.text


def test_amounts_and_times_are_written_as_the_wire_says() -> None:
    line = Line.model_validate({"line_no": 1, "amount": Decimal("7.005")})
    assert line.model_dump(mode="json", by_alias=True) == {"lineNo": 1, "amount": "7.01"}
    assert Line.model_validate({"line_no": 1, "amount": 0.1}).model_dump(mode="json")["amount"] == "0.10"
    visit = Visit.model_validate({"visit_id": "V", "visit_time": "2026-11-24 08:00:00.000000"})
    assert visit.model_dump(mode="json", by_alias=True)["visitTime"] == "2026-11-24 08:00:00"
