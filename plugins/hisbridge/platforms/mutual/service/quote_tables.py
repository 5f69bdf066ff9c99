"""获取引用检验报告: the HIS-side tables a quoted report of another hospital is written into, for the EMR to read.

When the doctor quotes (引用) another hospital's lab report on the 互认 page, the service fetches it from the
platform (``getReport``) and writes it, in one transaction, into two tables on the HIS side (connection
``mutual_quote_db``; ``his_db`` when that connection does not exist):

``mutual_quoted_report``  one row per (visit, quoted report): who quoted what for which visit, the report's
                          summary as the other hospital issued it; ``quote_id`` is the GUID the quote log
                          (``uploadQuoteLog``) carries.
``mutual_quoted_result``  its lines: result items (``line_kind`` ``item``), organisms (``bacteria``) and
                          susceptibilities (``suscept``), in the report's order.

A report is quoted once per visit: quoting it again finds the row of (visit, report) and writes nothing
(:func:`write_quote` answers the existing ``quote_id``), so a double click or a re-sent request cannot duplicate
it. Rows are never updated or deleted by the service: the EMR may already have copied them.

The tables are created by the site's DBA from ``python -m hisbridge mutual ddl --dialect oracle|postgresql``
(identifiers of at most 30 characters, every column commented in Chinese); :func:`install` creates them on a demo
or test database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.dialects import oracle, postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable, SetColumnComment, SetTableComment

metadata = MetaData()

quoted_report = Table(
    "mutual_quoted_report",
    metadata,
    Column("quote_id", String(36), primary_key=True, comment="引用ID（GUID，即引用记录上传的 quoteId）"),
    Column("patient_id", String(64), nullable=False, comment="本院病人ID"),
    Column("visit_id", String(64), nullable=False, comment="本院就诊流水号（挂号ID或住院ID，平台的 GHId）"),
    Column("report_id", String(100), nullable=False, comment="平台报告ID（reportId）"),
    Column("item_type", String(8), nullable=False, comment="项目类别：LIS 检验 / PACS 检查"),
    Column("item_code", String(50), comment="平台项目代码（DataCode）"),
    Column("item_name", String(100), comment="平台项目名称"),
    Column("report_org_code", String(50), nullable=False, comment="出具报告的机构代码"),
    Column("report_org_name", String(100), comment="出具报告的机构名称"),
    Column("report_no", String(64), comment="报告单号（外院）"),
    Column("report_name", String(100), comment="报告名称"),
    Column("report_time", DateTime, comment="报告时间（北京时间）"),
    Column("specimen_name", String(100), comment="标本"),
    Column("diag_name", String(200), comment="外院临床诊断"),
    Column("result_summary", String(1000), comment="结果摘要"),
    Column("abnormal_flag", String(1), comment="是否有异常结果：1 是 / 0 否"),
    Column("microbe_flag", String(1), nullable=False, comment="微生物报告标记：1 是 / 0 否"),
    Column("findings", Text, comment="检查所见/结果描述"),
    Column("conclusion", Text, comment="结论/提示"),
    Column("doctor_id", String(64), nullable=False, comment="引用医生工号"),
    Column("quoted_at", DateTime, nullable=False, comment="引用时间（北京时间）"),
    UniqueConstraint("visit_id", "report_id", name="uq_mutual_quoted_visit_rpt"),
    comment="引用的外院检验报告（检查检验互认）",
)

quoted_result = Table(
    "mutual_quoted_result",
    metadata,
    Column("quote_id", String(36), ForeignKey("mutual_quoted_report.quote_id"), primary_key=True,
           comment="引用ID"),
    Column("line_no", Integer, primary_key=True, comment="行号（报告中的顺序，从 1 起）"),
    Column("line_kind", String(10), nullable=False, comment="行类别：item 结果项目 / bacteria 细菌 / suscept 药敏"),
    Column("item_code", String(50), comment="项目代码（外院）"),
    Column("item_name", String(100), comment="项目名称"),
    Column("result_value", String(500), comment="结果（药敏行：S/I/R 解释）"),
    Column("unit", String(50), comment="单位"),
    Column("ref_range", String(100), comment="参考范围"),
    Column("abnormal_flag", String(10), comment="异常标识（N 正常 H 偏高 L 偏低 A 异常）"),
    Column("bacteria_name", String(100), comment="细菌名称（细菌、药敏行）"),
    Column("colony_count", String(50), comment="菌落计数"),
    Column("drug_name", String(100), comment="抗菌药物（药敏行）"),
    Column("mic", String(50), comment="最低抑菌浓度 MIC"),
    comment="引用的外院检验报告的结果明细",
)

TABLES = (quoted_report, quoted_result)
_DIALECTS = {"postgresql": postgresql.dialect(), "oracle": oracle.dialect(), "sqlite": sqlite.dialect()}


@dataclass(frozen=True)
class QuotedLine:
    kind: Literal["item", "bacteria", "suscept"]
    item_code: str | None = None
    item_name: str | None = None
    result_value: str | None = None
    unit: str | None = None
    ref_range: str | None = None
    abnormal_flag: str | None = None
    bacteria_name: str | None = None
    colony_count: str | None = None
    drug_name: str | None = None
    mic: str | None = None


@dataclass(frozen=True)
class QuotedReport:
    """What :func:`write_quote` writes: the report row's values (column names) and its lines."""

    quote_id: str
    patient_id: str
    visit_id: str
    report_id: str
    item_type: str
    report_org_code: str
    doctor_id: str
    quoted_at: datetime
    microbe_flag: str = "0"
    item_code: str | None = None
    item_name: str | None = None
    report_org_name: str | None = None
    report_no: str | None = None
    report_name: str | None = None
    report_time: datetime | None = None
    specimen_name: str | None = None
    diag_name: str | None = None
    result_summary: str | None = None
    abnormal_flag: str | None = None
    findings: str | None = None
    conclusion: str | None = None
    lines: Sequence[QuotedLine] = field(default_factory=tuple)

    def row(self) -> dict:
        values = {c.name: getattr(self, c.name) for c in quoted_report.columns}
        for column in quoted_report.columns:  # values longer than the column are cut, not refused
            length = getattr(column.type, "length", None)
            if length and isinstance(values[column.name], str):
                values[column.name] = values[column.name][:length]
        return values


def write_quote(engine: Engine, quote: QuotedReport) -> tuple[str, bool]:
    """Write ``quote`` unless (visit, report) is already quoted; ``(quote_id, written)`` — the existing quote id
    and ``False`` when it was."""
    existing = _existing(engine, quote.visit_id, quote.report_id)
    if existing:
        return existing, False
    lines = [{"quote_id": quote.quote_id, "line_no": n, "line_kind": line.kind, **_cut(line)}
             for n, line in enumerate(quote.lines, start=1)]
    try:
        with engine.begin() as conn:
            conn.execute(insert(quoted_report), [quote.row()])
            if lines:
                conn.execute(insert(quoted_result), lines)
    except IntegrityError:  # quoted at the same moment by another request: that one's row stands
        existing = _existing(engine, quote.visit_id, quote.report_id)
        if existing:
            return existing, False
        raise
    return quote.quote_id, True


def _existing(engine: Engine, visit_id: str, report_id: str) -> str | None:
    t = quoted_report
    with engine.connect() as conn:
        return conn.execute(select(t.c.quote_id).where(t.c.visit_id == visit_id, t.c.report_id == report_id)).scalar()


def _cut(line: QuotedLine) -> dict:
    out = {}
    for column in quoted_result.columns:
        if column.name in ("quote_id", "line_no", "line_kind"):
            continue
        value = getattr(line, column.name)
        length = getattr(column.type, "length", None)
        out[column.name] = value[:length] if isinstance(value, str) and length else value
    return out


def statements(dialect: str, *, schema: str | None = None) -> list[str]:
    """CREATE TABLE and COMMENT statements for ``dialect`` (postgresql, oracle, sqlite)."""
    if dialect not in _DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}: postgresql, oracle or sqlite")
    target = _DIALECTS[dialect]
    copy = MetaData()
    tables = TABLES if schema is None else tuple(t.to_metadata(copy, schema=schema) for t in TABLES)
    out: list[str] = []
    for t in tables:
        out.append(str(CreateTable(t, if_not_exists=dialect == "postgresql").compile(dialect=target)).strip())
    if dialect != "sqlite":  # SQLite has no comments
        for t in tables:
            out.append(str(SetTableComment(t).compile(dialect=target)))
            out += [str(SetColumnComment(c).compile(dialect=target)) for c in t.columns]
    return out


def render_script(dialect: str, *, schema: str | None = None) -> str:
    """The whole script for psql / SQL*Plus, with a header saying what it is."""
    head = [f"-- 检查检验互认·获取引用检验报告: HIS-side tables ({', '.join(t.name for t in TABLES)}), {dialect}",
            "-- Rendered by `python -m hisbridge mutual ddl` from hisbridge.platforms.mutual.service.quote_tables;",
            "-- do not edit by hand. The service only inserts; the EMR reads (grant it SELECT).",
            "-- Tables are never dropped by hisbridge: they hold what doctors quoted into visits."]
    if dialect == "oracle":
        head.append("-- CREATE TABLE fails with ORA-00955 when the table exists: that statement may then be skipped.")
    return "\n".join(head) + "\n\n" + "".join(f"{sql};\n\n" for sql in statements(dialect, schema=schema))


def install(engine: Engine) -> None:
    """Create the tables where missing (demo and tests; production runs the DDL script)."""
    metadata.create_all(engine, checkfirst=True)
