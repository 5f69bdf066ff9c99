"""The 前置库 as the simulated platform defines it: its tables, columns and the rules its ETL applies when it
takes a row. Written from the platform's side (platforms.md §5: a 前置库 with an upload flag per row, the
platform's ETL pulling) and independent of ``plugins/hisbridge``: the hospital side declares the same tables in
``include/mappings/regional_datasets.yaml``; a test compares the two, so a mistake made in only one of them shows.

Every table ends with the platform's bookkeeping columns: ``upload_flag`` (``0`` 待上传 / ``1`` 已上传 / ``2`` 失败,
the hospital writes ``0``), ``upload_time`` (when the platform took the row), ``upload_error`` (why it refused
it) and ``create_time`` (when the hospital wrote it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PENDING, UPLOADED, FAILED = "0", "1", "2"


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # varchar | timestamp | date | integer
    length: int | None = None
    nullable: bool = True
    key: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    columns: tuple[Col, ...]
    #: the column that dates a row (its business time)
    day_column: str
    #: (earlier column, later column, words) — the platform refuses a row whose times run backwards
    time_order: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return next(c.name for c in self.columns if c.key)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.nullable)


def v(name: str, length: int, *, nullable: bool = True, key: bool = False) -> Col:
    return Col(name, "varchar", length, nullable=nullable and not key, key=key)


def ts(name: str, *, nullable: bool = True) -> Col:
    return Col(name, "timestamp", nullable=nullable)


PERSON = (v("org_code", 20, nullable=False), v("patient_id", 20, nullable=False),
          v("patient_name", 50, nullable=False), v("gender", 1), Col("birth_date", "date"), v("id_card_type", 2),
          v("id_card_no", 18))

BOOKKEEPING = (Col("upload_flag", "varchar", 1, nullable=False), ts("upload_time"), v("upload_error", 500),
               ts("create_time"))

TABLES: dict[str, TableSpec] = {t.name: t for t in (
    TableSpec("up_outpatient_visit", "门急诊就诊", (
        v("visit_no", 20, key=True), *PERSON, v("visit_type", 1, nullable=False), ts("reg_time", nullable=False),
        Col("visit_date", "date", nullable=False), v("dept_code", 20, nullable=False), v("dept_name", 100),
        v("doctor_code", 20), v("doctor_name", 50)),
        day_column="reg_time", time_order=(("birth_date", "reg_time", "出生日期晚于挂号时间"),)),
    TableSpec("up_admission", "入院", (
        v("adm_no", 20, key=True), *PERSON, v("medcasno", 40), ts("adm_time", nullable=False),
        v("adm_dept_code", 20, nullable=False), v("adm_dept_name", 100), v("doctor_code", 20), v("doctor_name", 50)),
        day_column="adm_time", time_order=(("birth_date", "adm_time", "出生日期晚于入院时间"),)),
    TableSpec("up_discharge", "出院", (
        v("adm_no", 20, key=True), *PERSON, v("medcasno", 40), ts("adm_time", nullable=False),
        ts("dscg_time", nullable=False), v("dscg_dept_code", 20), v("dscg_dept_name", 100), v("dscg_way", 3)),
        day_column="dscg_time", time_order=(("birth_date", "adm_time", "出生日期晚于入院时间"),
                                            ("adm_time", "dscg_time", "出院时间早于入院时间"))),
    TableSpec("up_prescription", "处方", (
        v("rx_no", 20, key=True), *PERSON, v("visit_no", 20), ts("rx_time", nullable=False),
        v("dept_code", 20, nullable=False), v("dept_name", 100), v("doctor_code", 20), v("doctor_name", 50),
        v("setl_type", 2), Col("line_count", "integer")),
        day_column="rx_time", time_order=(("birth_date", "rx_time", "出生日期晚于开方时间"),)),
    TableSpec("up_lab_report", "检验报告", (
        v("report_id", 24, key=True), *PERSON, v("visit_type", 1), v("visit_no", 20), v("apply_no", 30),
        v("panel_code", 20, nullable=False), v("panel_name", 100), v("specimen_type", 10), ts("sample_time"),
        ts("report_time", nullable=False), v("report_doctor_code", 20), v("report_dept_code", 20)),
        day_column="report_time", time_order=(("sample_time", "report_time", "报告时间早于采样时间"),)),
    TableSpec("up_exam_report", "检查报告", (
        v("report_id", 24, key=True), *PERSON, v("visit_type", 1), v("visit_no", 20), v("apply_no", 30),
        v("exam_type", 10, nullable=False), v("exam_part", 50), ts("exam_time"), ts("report_time", nullable=False),
        v("report_doctor_code", 20), v("report_dept_code", 20)),
        day_column="report_time", time_order=(("exam_time", "report_time", "报告时间早于检查时间"),)),
)}

#: 居民身份证 (证件类别 01) — 18 characters, the last a check character (GB 11643)
ID_CARD_TYPE = "01"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_card_ok(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return _CHECK[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11] == number[17].upper()
