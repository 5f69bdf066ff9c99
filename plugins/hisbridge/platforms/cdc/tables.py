"""Every table the CDC front-end (传染病智能监测预警前置软件) receives, declared once, as data (platforms.md §1.6).

Each :class:`CdcTable` lists its columns (:class:`Col`: snake_case name, SQL type ``varchar(n)`` / ``text`` /
``timestamp``, Chinese description, whether it is required, its national code set, its parent table). From this
declaration the package derives everything else — nothing below is written per table:

* the typed pydantic models (``models.py``): field = column, ``max_length`` from ``varchar(n)``, code sets,
  date-times, camelCase wire keys;
* the push endpoint (``/hclient/emr/receive/<entity>``, entity = the camelCase table name);
* the front-end database's DDL for PostgreSQL, Oracle and SQLite (``ddl.py``) and its upserts (``frontend_db.py``);
* the docs table ``docs/cdc_tables.md`` (``doc.py``; a test fails when it is stale).

**Provenance.** Column names and types are those of the public mirror DDL (BK) and integrators' code (XA, CZ,
XR); meanings are paraphrased. The national required-field matrix is **not public**: a column is required here
only where public material marks it — ``NOT NULL`` in a public DDL (:attr:`Need.NOT_NULL`: NOT NULL in our DDL
too) or 必填 on a public data-quality dashboard (:attr:`Need.REQUIRED`: required by the model, nullable in the
DDL) — plus every table's key. Everything else is optional; a site that learns the matrix tightens it here.
Lengths the reference does not give are our assumption and say so in :attr:`Col.note`.

**Keys.** Every table is keyed by ``id`` (≤ 80 characters, made by the hospital, stable): the front-end upserts
and deletes by it. ``base_dept`` has no ``id`` in public material (its key there is ``dept_code`` [inf]); it gets
one here as every table does (issue 9's decision) — the hospital may simply send its department code.

**Names.** Column names are the front-end's, misspellings included (``nultitude``, ``inital``, ``excute``,
``ventilatorused``). Five exceed Oracle's old 30-character limit (``examination_quantification_lower`` …):
the Oracle front-end database needs Oracle 12.2 or later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType


class Timeliness(StrEnum):
    """How fresh the front-end wants a table (PN's 数据实时性; one DAG per group)."""

    REALTIME = "realtime"
    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    BASE = "base"

    @property
    def title(self) -> str:
        return {"realtime": "实时", "same_day": "常规·当日（T+0）", "next_day": "常规·次日", "base": "基础字典"}[self]


class Need(StrEnum):
    """Whether a column must have a value (the national matrix is not public: see the module docstring)."""

    OPTIONAL = "optional"
    #: 必填 in public material (a data-quality dashboard): the model requires it; the DDL allows NULL
    REQUIRED = "required"
    #: NOT NULL in a public DDL, or the table's key: the model requires it and the DDL says NOT NULL
    NOT_NULL = "not_null"

    @property
    def title(self) -> str:
        return {"optional": "", "required": "必填", "not_null": "非空"}[self]


_TYPE = re.compile(r"^(varchar\((\d{1,4})\)|text|timestamp)$")


@dataclass(frozen=True)
class Col:
    """One column: its name, SQL type, Chinese description and rules."""

    name: str
    type: str
    title: str
    need: Need = Need.OPTIONAL
    #: the code set (``include/mappings/cdc_dictionaries.yaml``) its values must belong to
    codes: str | None = None
    #: the table whose key this column holds (``patient_id`` → ``emr_patient_info``)
    parent: str | None = None
    #: identifies a person (patient or staff): masked in logs
    pii: bool = False
    #: where a type or meaning is our assumption rather than the reference's
    note: str | None = None

    def __post_init__(self) -> None:
        if not _TYPE.fullmatch(self.type):
            raise ValueError(f"column {self.name}: type {self.type!r} is not varchar(n), text or timestamp")

    @property
    def kind(self) -> str:
        """``varchar``, ``text`` or ``timestamp``."""
        return self.type.split("(", 1)[0]

    @property
    def length(self) -> int | None:
        m = _TYPE.fullmatch(self.type)
        return int(m.group(2)) if m and m.group(2) else None

    @property
    def camel(self) -> str:
        return camel(self.name)

    @property
    def required(self) -> bool:
        return self.need is not Need.OPTIONAL


@dataclass(frozen=True)
class CdcTable:
    """One table of the front-end: its columns, its key, its timeliness group."""

    name: str
    title: str
    group: Timeliness
    columns: tuple[Col, ...]
    key: str = "id"
    note: str = ""
    _index: dict[str, Col] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index: dict[str, Col] = {}
        for col in self.columns:
            if col.name in index:
                raise ValueError(f"{self.name}: column {col.name} declared twice")
            index[col.name] = col
        if self.key not in index or index[self.key].need is not Need.NOT_NULL:
            raise ValueError(f"{self.name}: the key {self.key} must be a NOT NULL column")
        object.__setattr__(self, "_index", index)

    @property
    def entity(self) -> str:
        """The push API's path name: the camelCase table name (``emr_ex_lab_item`` → ``emrExLabItem``)."""
        return camel(self.name)

    @property
    def model_name(self) -> str:
        return self.entity[0].upper() + self.entity[1:]

    def column(self, name: str) -> Col:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"{self.name} has no column {name!r}") from None

    def has(self, name: str) -> bool:
        return name in self._index

    @cached_property
    def by_camel(self) -> Mapping[str, Col]:
        return MappingProxyType({c.camel: c for c in self.columns})

    @property
    def parents(self) -> tuple[Col, ...]:
        return tuple(c for c in self.columns if c.parent)

    @property
    def voidable(self) -> bool:
        """Whether a void can be sent as ``invalid_flag = 1`` (the flag void mode) rather than a delete."""
        return self.has("invalid_flag")


def camel(snake: str) -> str:
    """``ex_lab_id`` → ``exLabId`` (the front-end's JSON keys and entity names)."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(camel_name: str) -> str:
    """``exLabId`` → ``ex_lab_id`` (the inverse of :func:`camel` for the declared names)."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel_name).lower()


# ---------------------------------------------------------------------------------------------- building blocks


def v(name: str, n: int, title: str, **kw) -> Col:
    return Col(name, f"varchar({n})", title, **kw)


def txt(name: str, title: str, **kw) -> Col:
    return Col(name, "text", title, **kw)


def ts(name: str, title: str, **kw) -> Col:
    return Col(name, "timestamp", title, **kw)


def pair(stem: str, code_len: int, name_len: int, title: str, *, codes: str | None = None,
         need: Need = Need.OPTIONAL, note: str | None = None) -> tuple[Col, Col]:
    """A coded value and its name (``gender_code`` / ``gender_name``); the name is filled from the code set when
    the row leaves it empty."""
    return (v(f"{stem}_code", code_len, f"{title}代码", codes=codes, need=need, note=note),
            v(f"{stem}_name", name_len, f"{title}名称", need=need, note=note))


def diagnosis(stem: str, n: int, title: str, note: str | None = None) -> tuple[Col, Col]:
    """A diagnosis as code and name, both ``varchar(n)`` (西医 400: several codes may be listed; 中医 250)."""
    return (v(f"{stem}_code", n, f"{title}代码", note=note), v(f"{stem}_name", n, f"{title}名称", note=note))


KEY = v("id", 80, "记录ID（医院生成，稳定唯一）", need=Need.NOT_NULL)
PATIENT_ID = v("patient_id", 80, "患者ID（emr_patient_info.id）", parent="emr_patient_info")
SERIAL_NUMBER = v("serial_number", 100, "就诊流水号（门急诊号 / 住院号）")
PATIENT_NAME = v("patient_name", 100, "患者姓名", pii=True)
ID_CARD = v("id_card", 50, "证件号码（无证新生儿：类别 99，填 8 位出生日期）", pii=True)


def identity(*, activity: bool = False, patient: Need = Need.OPTIONAL) -> tuple[Col, ...]:
    """The identity block of a clinical table (platforms.md §1.5)."""
    patient_id = replace(PATIENT_ID, need=patient)
    cols: list[Col] = [KEY, patient_id]
    if activity:
        cols += pair("activity_type", 2, 20, "就诊活动类型", codes="activity_type")
    cols += [SERIAL_NUMBER, PATIENT_NAME, *pair("id_card_type", 2, 20, "证件类别", codes="id_card_type"), ID_CARD]
    return tuple(cols)


WARD = (v("ward_name", 50, "病区名称"), v("ward_no", 10, "病房号"), v("bed_no", 10, "病床号"))
ORG = (v("org_code", 9, "医疗机构代码（9 位）"), v("org_name", 100, "医疗机构名称"))
DEPT = (v("dept_code", 40, "科室代码"), v("dept_name", 100, "科室名称"))


def tail(*, dept: bool = True, invalid_len: int = 1, org_title: str = "") -> tuple[Col, ...]:
    """The columns every clinical table ends with: institution, department, operator, time, void flag."""
    org = ORG if not org_title else (v("org_code", 9, f"{org_title}机构代码（9 位）"),
                                     v("org_name", 100, f"{org_title}机构名称"))
    depts = () if not dept else DEPT if not org_title else (v("dept_code", 40, f"{org_title}科室代码"),
                                                             v("dept_name", 100, f"{org_title}科室名称"))
    return (*org, *depts, *operation(invalid_len))


def operation(invalid_len: int = 1) -> tuple[Col, ...]:
    return (v("operator_id", 40, "操作人ID（base_user.id）"),
            ts("operation_time", "数据操作时间"),
            v("invalid_flag", invalid_len, "作废标志（0 有效 / 1 作废）", codes="invalid_flag"))


HISTORY = (
    txt("infection_his", "传染病史"), txt("vaccination_his", "预防接种史"), txt("operation_his", "手术史"),
    txt("blood_transfusion", "输血史"), txt("personal_his", "个人史"), txt("marital_his", "婚育史"),
    txt("menstrual_his", "月经史"), txt("family_his", "家族史"),
)
ASSUMED_LIKE_INITIAL = "长度同初步诊断（参考资料未列出）"

# ------------------------------------------------------------------------------------------------ the tables

PATIENT_INFO = CdcTable(
    "emr_patient_info", "患者基本信息", Timeliness.REALTIME,
    (
        KEY,
        v("patient_name", 100, "患者姓名", need=Need.REQUIRED, pii=True),
        *pair("id_card_type", 2, 20, "证件类别", codes="id_card_type", need=Need.REQUIRED),
        v("id_card", 50, "证件号码（无证新生儿：类别 99，填 8 位出生日期）", need=Need.REQUIRED, pii=True),
        *pair("gender", 2, 10, "性别", codes="gender"),
        ts("birth_date", "出生日期"),
        *pair("nationality", 5, 50, "国籍/地区", codes="nationality"),
        *pair("nation", 2, 50, "民族", codes="nation"),
        v("permanent_addr_code", 9, "户籍地址区划代码（9 位：县区 6 位 + 乡镇 3 位）", codes="addr_code"),
        v("permanent_addr_name", 100, "户籍地址区划名称"),
        v("permanent_addr_detail", 250, "户籍详细地址", pii=True),
        v("current_addr_code", 9, "现住地址区划代码（9 位）", codes="addr_code"),
        v("current_addr_name", 100, "现住地址区划名称"),
        v("current_addr_detail", 250, "现住详细地址", pii=True),
        v("workunit", 250, "工作单位/学校", pii=True),
        *pair("marital_status", 2, 20, "婚姻状况", codes="marital"),
        *pair("education", 2, 20, "学历（GB/T 4658）", codes="education"),
        *pair("nultitude_type", 2, 20, "人群分类", codes="nultitude_type"),
        v("nultitude_type_other", 100, "人群分类为其他时的说明"),
        v("tel", 70, "本人电话", pii=True),
        v("contacts", 100, "联系人/监护人姓名", pii=True),
        v("contacts_tel", 70, "联系人/监护人电话", pii=True),
        v("org_code", 9, "医疗机构代码（9 位）", need=Need.REQUIRED),
        v("org_name", 100, "医疗机构名称", need=Need.REQUIRED),
        v("operator_id", 40, "操作人ID（base_user.id）"),
        ts("operation_time", "数据操作时间", need=Need.REQUIRED),
        v("invalid_flag", 1, "作废标志（0 有效 / 1 作废）", codes="invalid_flag"),
    ),
    note="必填项（姓名、证件、机构、操作时间）来自公开的数据质量看板，置信度低；国家必填矩阵未公开。",
)

ACTIVITY_INFO = CdcTable(
    "emr_activity_info", "诊疗活动信息", Timeliness.REALTIME,
    (
        *identity(activity=True),
        ts("activity_time", "活动发生时间"),
        txt("chief_complaint", "主诉"),
        txt("present_illness_his", "现病史/入院情况"),
        txt("physical_examination", "体格检查"),
        txt("studies_summary_result", "辅助检查结果"),
        ts("diagnose_time", "诊断时间"),
        v("disease_code", 50, "传染病诊断代码（前置软件疾病字典）"),
        v("disease_name", 250, "传染病诊断名称"),
        *diagnosis("wm_disease", 400, "西医诊断（ICD-10，可多个）"),
        *diagnosis("tcm_disease", 250, "中医病名"),
        *diagnosis("tcm_syndrome", 250, "中医证候"),
        v("fill_doctor", 50, "诊断医生姓名", pii=True),
        v("report_disease_code", 50, "传报卡补充病种代码"),
        v("report_disease_name", 250, "传报卡补充病种名称"),
        *tail(),
    ),
    note="一条诊疗事件一行（门诊、急诊、留观、入院、住院、首次/日常病程、出院）。",
)

OUTPATIENT_RECORD = CdcTable(
    "emr_outpatient_record", "门（急）诊病历", Timeliness.SAME_DAY,
    (
        *identity(),
        v("allergy_his_flag", 1, "过敏史标志", codes="has_flag"),
        txt("allergy_his", "过敏史"),
        ts("outpatient_date", "就诊日期时间"),
        v("inital_diagnosis_code", 1, "初诊标志"),
        txt("chief_complaint", "主诉"),
        txt("present_illness_his", "现病史"),
        txt("past_illness_his", "既往史"),
        *HISTORY,
        txt("physical_examination", "体格检查"),
        txt("observation_result", "中医四诊观察结果"),
        txt("studies_summary_result", "辅助检查结果"),
        *diagnosis("wm_diagnosis", 400, "西医诊断"),
        *diagnosis("tcm_inital_diagnosis", 250, "中医病名"),
        *diagnosis("tcm_inital_syndrome", 250, "中医证候"),
        v("differentiation_basis", 100, "辨证依据"),
        v("treatment", 100, "治则治法"),
        *tail(),
    ),
)

OUTPATIENT_OBS = CdcTable(
    "emr_outpatient_obs", "门（急）诊留观记录", Timeliness.SAME_DAY,
    (
        *identity(),
        v("allergy_his_flag", 1, "过敏史标志", codes="has_flag"),
        txt("allergy_his", "过敏史"),
        ts("outpatient_date", "就诊日期时间"),
        v("inital_diagnosis_code", 1, "初诊标志"),
        txt("chief_complaint", "主诉"),
        txt("present_illness_his", "现病史"),
        txt("past_illness_his", "既往史"),
        txt("physical_examination", "体格检查"),
        txt("observation_result", "中医四诊观察结果"),
        txt("studies_summary_result", "辅助检查结果"),
        *diagnosis("wm_diagnosis", 400, "西医诊断"),
        *diagnosis("tcm_inital_diagnosis", 250, "中医病名"),
        *diagnosis("tcm_inital_syndrome", 250, "中医证候"),
        v("differentiation_basis", 100, "辨证依据"),
        v("treatment", 100, "治则治法"),
        txt("course", "急诊留观病程记录"),
        ts("observation_date", "收入观察室日期时间"),
        txt("notes", "注意事项"),
        *tail(),
    ),
    note="与门（急）诊病历相同，但无传染病史等八项病史，另有留观病程、收入观察室时间与注意事项。",
)

ADMISSION_INFO = CdcTable(
    "emr_admission_info", "入院记录", Timeliness.SAME_DAY,
    (
        *identity(),
        *WARD,
        ts("admission_date", "入院日期时间"),
        txt("chief_complaint", "主诉"),
        txt("present_illness_his", "现病史"),
        v("health_status_code", 1, "一般健康状况标志"),
        txt("past_illness_his", "疾病史（含外伤）"),
        v("infection_code", 1, "患者传染性标志"),
        txt("infection_his", "传染病史"),
        txt("vaccination_his", "预防接种史"), txt("operation_his", "手术史"), txt("blood_transfusion", "输血史"),
        txt("allergy_his", "过敏史"), txt("personal_his", "个人史"), txt("marital_his", "婚育史"),
        txt("menstrual_his", "月经史"), txt("family_his", "家族史"),
        txt("physical_examination", "体格检查"),
        txt("specialized_examination", "专科情况"),
        txt("studies_summary_result", "辅助检查结果"),
        txt("observation_result", "中医四诊观察结果"),
        v("treatment", 100, "治则治法"),
        *diagnosis("wm_inital_diagnosis", 400, "初步诊断-西医"),
        *diagnosis("tcm_inital_diagnosis", 250, "初步诊断-中医病名"),
        *diagnosis("tcm_inital_syndrome", 250, "初步诊断-中医证候"),
        ts("inital_diagnosis_date", "初步诊断日期"),
        *diagnosis("wm_revised_diagnosis", 400, "修正诊断-西医", ASSUMED_LIKE_INITIAL),
        *diagnosis("tcm_revised_diagnosis", 250, "修正诊断-中医病名", ASSUMED_LIKE_INITIAL),
        *diagnosis("tcm_revised_syndrome", 250, "修正诊断-中医证候", ASSUMED_LIKE_INITIAL),
        ts("revised_diagnosis_date", "修正诊断日期"),
        *diagnosis("wm_confirmed_diagnosis", 400, "确定诊断-西医", ASSUMED_LIKE_INITIAL),
        *diagnosis("tcm_confirmed_diagnosis", 250, "确定诊断-中医病名", ASSUMED_LIKE_INITIAL),
        *diagnosis("tcm_confirmed_syndrome", 250, "确定诊断-中医证候", ASSUMED_LIKE_INITIAL),
        ts("confirmed_diagnosis_date", "确定诊断日期"),
        v("complementary_diagnosis_name", 250, "补充诊断名称"),
        v("complementary_diagnosis_code", 50, "补充诊断代码"),
        ts("complementary_diagnosis_date", "补充诊断日期"),
        v("admission_diagnosis_order", 2, "入院诊断顺位"),
        v("visiting_physician_id", 50, "接诊医师ID（base_user.id）"),
        v("resident_physician_id", 50, "住院医师ID（base_user.id）"),
        v("chief_physician_id", 50, "主治医师ID（base_user.id）"),
        *tail(),
    ),
)

FIRST_COURSE = CdcTable(
    "emr_first_course", "住院首次病程记录", Timeliness.SAME_DAY,
    (
        *identity(patient=Need.NOT_NULL),
        *WARD,
        ts("create_time", "记录时间"),
        txt("chief_complaint", "主诉"),
        txt("present_illness_his", "病例特点"),
        txt("observation_result", "中医四诊观察结果"),
        txt("diagnosis_basis", "诊断依据"),
        *diagnosis("wm_inital_diagnosis", 400, "初步诊断-西医"),
        *diagnosis("tcm_inital_diagnosis", 250, "初步诊断-中医病名"),
        *diagnosis("tcm_inital_syndrome", 250, "初步诊断-中医证候"),
        *diagnosis("wm_diff_diagnosis", 400, "鉴别诊断-西医"),
        *diagnosis("tcm_primary_diagnosis", 250, "鉴别诊断-中医病名"),
        *diagnosis("tcm_primary_syndrome", 250, "鉴别诊断-中医证候"),
        txt("treatment_plan", "诊疗计划"),
        v("treatment", 100, "治则治法"),
        v("resident_physician_id", 50, "住院医师ID（base_user.id）"),
        *pair("disease_progression", 1, 50, "病情转归"),
        *tail(),
    ),
)

DAILY_COURSE = CdcTable(
    "emr_daily_course", "住院日常病程记录", Timeliness.SAME_DAY,
    (
        *identity(),
        *WARD,
        ts("create_time", "记录时间"),
        txt("course", "病程记录内容"),
        txt("order_content", "医嘱内容"),
        txt("observation_result", "中医四诊观察结果"),
        txt("treatment", "辨证论治"),
        *pair("disease_progression", 1, 50, "病情转归"),
        *tail(),
    ),
)

ADMISSION_RECORD = CdcTable(
    "emr_admission_record", "住院病案首页", Timeliness.NEXT_DAY,
    (
        *identity(),
        *pair("pay_method", 2, 50, "医疗付费方式"),
        v("health_card_no", 18, "居民健康卡号"),
        v("admission_num", 3, "住院次数"),
        v("reg_no", 18, "病案号"),
        ts("admission_date", "入院时间"),
        *pair("admission_dept", 20, 50, "入院科别"),
        v("ward_no", 10, "入院病房"),
        ts("discharge_date", "出院时间"),
        *pair("discharge_dept", 20, 50, "出院科别"),
        v("discharge_ward", 10, "出院病房", note="长度为推定，同 ward_no（参考资料未列出）"),
        v("admission_days", 4, "实际住院天数"),
        *diagnosis("wm_outpatient_diagnosis", 400, "门（急）诊诊断"),
        *diagnosis("discharge_diagnosis", 400, "出院主要诊断"),
        *diagnosis("wm_other_diagnosis", 400, "出院其他诊断"),
        v("external_causes_name", 250, "损伤中毒外部原因名称"),
        v("external_causes_code", 50, "损伤中毒外部原因代码"),
        txt("external_causes_system_name", "损伤中毒外部原因编码体系"),
        v("pathological_diagnosis_name", 250, "病理诊断名称"),
        v("pathological_diagnosis_code", 50, "病理诊断代码"),
        v("pathological_no", 50, "病理号"),
        v("allergy_code", 1, "药物过敏标志"),
        txt("allergy_drug", "过敏药物"),
        v("autopsy_code", 1, "死亡患者尸检标志"),
        v("chief_physician_id", 50, "主治医师ID（base_user.id）"),
        v("resident_physician_id", 50, "住院医师ID（base_user.id）"),
        v("accept_org_code", 9, "拟接收医疗机构代码"),
        v("accept_org_name", 70, "拟接收医疗机构名称"),
        *tail(),
    ),
)

DISCHARGE_INFO = CdcTable(
    "emr_discharge_info", "出院记录", Timeliness.NEXT_DAY,
    (
        *identity(),
        *WARD,
        ts("admission_date", "入院时间"),
        txt("admission_desc", "入院情况"),
        *diagnosis("admission_diagnosis", 400, "入院诊断"),
        txt("studies_summary_result", "阳性辅助检查结果"),
        txt("observation_result", "中医四诊观察结果"),
        v("treatment", 100, "治则治法"),
        txt("treatment_desc", "诊疗经过"),
        v("tcm_decoction_method", 100, "中药煎煮方法"),
        v("tcm_use_method", 100, "中药用药方法"),
        txt("discharge_desc", "出院情况"),
        ts("discharge_date", "出院时间"),
        *diagnosis("discharge_diagnosis", 400, "出院诊断-西医"),
        *diagnosis("tcm_discharge_diagnosis", 250, "出院诊断-中医病名"),
        *diagnosis("tcm_discharge_syndrome", 250, "出院诊断-中医证候"),
        txt("discharge_symptoms_signs", "出院时症状与体征"),
        txt("discharge_order", "出院医嘱"),
        v("resident_physician_id", 50, "住院医师ID（base_user.id）"),
        v("chief_physician_id", 50, "主治医师ID（base_user.id）"),
        *pair("disease_progression", 1, 50, "病情转归"),
        *tail(),
    ),
)

APPLY = (
    v("application_form_no", 50, "电子申请单编号"),
    v("apply_org_code", 9, "申请机构代码"), v("apply_org_name", 100, "申请机构名称"),
    v("apply_dept_code", 20, "申请科室代码"), v("apply_dept_name", 50, "申请科室名称"),
)

EX_CLINICAL = CdcTable(
    "emr_ex_clinical", "检查报告", Timeliness.SAME_DAY,
    (
        *identity(activity=True),
        *WARD,
        *APPLY,
        txt("chief_complaint", "主诉"),
        ts("symptom_start_date", "症状开始时间"),
        ts("symptom_end_date", "症状停止时间"),
        txt("symptom_desc", "症状描述"),
        txt("treatment_desc", "诊疗过程描述"),
        v("special_examination_code", 1, "特殊检查标志"),
        *pair("examination_type", 20, 100, "检查类别", codes="exam_type"),
        txt("examination_objective_desc", "检查所见（客观）"),
        txt("examination_subjective_desc", "检查提示/结论（主观）"),
        txt("examination_notes", "检查备注"),
        v("examination_report_no", 100, "检查报告单号"),
        ts("examination_report_date", "检查报告日期"),
        v("examination_report_id", 50, "报告医师ID（base_user.id）"),
        *tail(org_title="报告"),
    ),
)

EX_CLINICAL_ITEM = CdcTable(
    "emr_ex_clinical_item", "检查报告项目", Timeliness.SAME_DAY,
    (
        KEY,
        v("ex_clinical_id", 80, "检查报告ID（emr_ex_clinical.id）", parent="emr_ex_clinical"),
        v("item_code", 100, "检查项目代码", codes="exam_item"),
        v("item_name", 100, "检查项目名称"),
        *pair("examination_result", 5, 20, "检查结果", codes="exam_result"),
        v("examination_quantification", 50, "定量结果"),
        v("examination_quantification_unit", 50, "定量结果计量单位"),
        *operation(),
    ),
)

EX_LAB = CdcTable(
    "emr_ex_lab", "检验报告", Timeliness.SAME_DAY,
    (
        *identity(activity=True),
        *WARD,
        *APPLY,
        v("apply_physician_id", 50, "申请医师ID（base_user.id）"),
        v("specimen_no", 100, "标本号"),
        *pair("specimen_category", 20, 100, "标本类别"),
        ts("specimen_sampling_date", "采样时间"),
        ts("specimen_receiving_date", "标本接收时间"),
        v("examination_physician_id", 50, "检验医师ID（base_user.id）"),
        ts("examination_date", "检验日期"),
        v("examination_report_no", 100, "检验报告单号"),
        txt("examination_objective_desc", "检验结果（客观所见）"),
        txt("examination_subjective_desc", "检验结论（主观提示）"),
        txt("examination_notes", "检验备注"),
        ts("examination_report_date", "检验报告日期"),
        v("examination_report_id", 50, "报告医师ID（base_user.id）"),
        *tail(org_title="报告"),
    ),
)

EX_LAB_ITEM = CdcTable(
    "emr_ex_lab_item", "检验报告项目", Timeliness.SAME_DAY,
    (
        KEY,
        v("ex_lab_id", 80, "检验报告ID（emr_ex_lab.id）", need=Need.NOT_NULL, parent="emr_ex_lab"),
        v("item_code", 100, "检验项目代码"),
        txt("item_name", "检验项目名称"),
        *pair("examination_result", 5, 20, "检验定性结果（标化）", codes="lab_result"),
        v("source_examination_result_code", 100, "院内原始定性结果代码"),
        txt("source_examination_result_name", "院内原始定性结果名称"),
        v("examination_quantification", 100, "定量结果"),
        v("examination_quantification_unit", 20, "定量结果计量单位"),
        v("examination_quantification_lower", 20, "参考区间下限"),
        v("examination_quantification_upper", 20, "参考区间上限"),
        v("examination_quantification_ri", 2, "定量结果与参考区间（0 区间内 / 1 低于 / 2 高于）", codes="lab_ri"),
        *operation(),
    ),
)

ORDER = CdcTable(
    "emr_order", "医嘱处方信息", Timeliness.SAME_DAY,
    (
        *identity(activity=True),
        v("prescription_no", 30, "处方编号"),
        v("prescription_type_code", 1, "处方类别代码"),
        ts("prescription_issuance_date", "处方开立日期"),
        v("prescription_validity_days", 2, "处方有效天数"),
        ts("excute_date", "执行日期"),
        v("prescription_issuance_id", 50, "开立医师ID（base_user.id）"),
        v("prescription_dispensing_id", 50, "发药药师ID（base_user.id）"),
        v("prescription_notes", 100, "处方备注"),
        *tail(),
    ),
)

ORDER_ITEM = CdcTable(
    "emr_order_item", "医嘱处方条目", Timeliness.SAME_DAY,
    (
        KEY,
        v("order_id", 80, "医嘱处方ID（emr_order.id）", parent="emr_order"),
        v("drug_code", 20, "药品代码"),
        v("drug_name", 50, "药品名称"),
        v("drug_specifications", 50, "药品规格"),
        v("drug_dosage_code", 8, "单次剂量"),
        *pair("drug_dosage_unit", 6, 20, "剂量单位"),
        v("drug_dosage_total", 15, "总剂量"),
        v("tcm_prescription", 500, "中药饮片处方"),
        v("tcm_number", 2, "中药饮片剂数"),
        v("tcm_decoction_method", 100, "中药饮片煎煮法"),
        v("tcm_use_method", 100, "中药用药方法"),
        *operation(),
    ),
)

VITAL_SIGNS_RECORD = CdcTable(
    "emr_vital_signs_record", "生命体征（护理记录单）", Timeliness.SAME_DAY,
    (
        *identity(activity=True),
        ts("create_date", "记录时间"),
        *pair("ventilatorused", 2, 2, "使用呼吸机", codes="yes_no"),
        *pair("critical_care", 2, 2, "重症监护", codes="yes_no"),
        *tail(invalid_len=2),
    ),
    note="公开实现中没有体温、脉搏、血压等列，只有呼吸机与重症监护标志；列名 ventilatorused 按参考 DDL。",
)

DEATH_INFO = CdcTable(
    "emr_death_info", "死亡信息", Timeliness.SAME_DAY,
    (
        *identity(activity=True),
        txt("treatment_desc", "诊疗经过"),
        ts("dead_date", "死亡时间"),
        v("direct_cause_name", 250, "直接死因名称", note="长度为推定（参考资料未列出）"),
        v("direct_cause_code", 50, "直接死因代码", note="长度为推定（参考资料未列出）"),
        v("death_diagnosis_name", 400, "死亡诊断名称", note="长度为推定（参考资料未列出）"),
        v("death_diagnosis_code", 400, "死亡诊断代码", note="长度为推定（参考资料未列出）"),
        v("chief_physician_id", 50, "主治医师ID（base_user.id）"),
        *tail(),
    ),
    note="参考资料只列出列名，长度为推定。",
)

INF_REPORT = CdcTable(
    "emr_inf_report", "传染病报告卡（子集）", Timeliness.REALTIME,
    (
        *identity(activity=True),
        *pair("gender", 2, 10, "性别", codes="gender"),
        ts("birth_date", "出生日期"),
        *pair("nationality", 5, 50, "国籍/地区", codes="nationality"),
        *pair("nation", 2, 50, "民族", codes="nation"),
        v("current_addr_code", 9, "现住地址区划代码（9 位）", codes="addr_code"),
        v("current_addr_name", 100, "现住地址区划名称"),
        v("current_addr_detail", 250, "现住详细地址", pii=True),
        *pair("nultitude_type", 2, 20, "人群分类", codes="nultitude_type"),
        v("nultitude_type_other", 100, "人群分类为其他时的说明"),
        v("tel", 70, "联系电话", pii=True),
        v("contacts", 100, "联系人/监护人姓名", pii=True),
        v("contacts_tel", 70, "联系人/监护人电话", pii=True),
        ts("onset_date", "发病日期"),
        ts("diagnose_time", "诊断时间"),
        v("disease_code", 50, "传染病病种代码（前置软件疾病字典）"),
        v("disease_name", 250, "传染病病种名称"),
        v("disease_other", 50, "其他法定管理及重点监测传染病/病毒分型"),
        *pair("diagnose_state", 2, 20, "病例分类", codes="diagnose_state"),
        *pair("case_type", 2, 20, "病例分类（急性/慢性）"),
        ts("dead_date", "死亡日期"),
        *pair("laboratory_detection_verdict", 2, 40, "实验室检测结论"),
        ts("detection_positive_date", "检测阳性日期"),
        ts("report_date", "报告日期"),
        v("fill_doctor", 50, "填卡医生姓名", pii=True),
        v("report_org_code", 9, "报告单位代码"),
        v("report_org_name", 150, "报告单位名称"),
        txt("notes", "备注"),
        *tail(),
    ),
    note="约 110 个报告卡字段中的实用子集（身份、病种、病例分类、发病/诊断/报告日期、填卡医生、实验室检测结论、"
         "死亡）；列名按公开实现（CZ）推定，长度多为推定；AFP、性病、乙肝等附卡未建模。",
)

BASE_USER = CdcTable(
    "base_user", "医院信息系统用户", Timeliness.BASE,
    (
        KEY,
        v("user_name", 100, "真实姓名", pii=True),
        v("id_card_type_code", 2, "证件类别代码", codes="id_card_type"),
        v("id_card", 50, "证件号码", pii=True),
        v("tel", 70, "电话", pii=True),
        v("physician_no", 50, "医师执业证号"),
        v("org_code", 9, "所属机构代码"),
        v("dept_code", 40, "所属科室代码"),
        v("invalid_flag", 1, "作废标志（0 有效 / 1 作废）", codes="invalid_flag"),
        v("login_name", 50, "登录名"),
        v("user_type_code", 2, "用户类型（1 公卫 / 2 临床 / 3 管理员）", codes="user_type"),
        ts("create_time", "创建时间"),
    ),
    note="参考资料只给出 JSON 字段，列长度为推定；id 被各表 *_physician_id / operator_id 引用。",
)

BASE_DEPT = CdcTable(
    "base_dept", "科室（含标准科室对照）", Timeliness.BASE,
    (
        KEY,
        v("dept_code", 40, "院内科室代码", need=Need.NOT_NULL),
        v("dept_name", 100, "院内科室名称"),
        v("target_dept_code", 20, "前置软件标准科室代码", codes="target_dept"),
        v("target_dept_name", 100, "前置软件标准科室名称"),
        ts("create_time", "创建时间"),
    ),
    note="公开实现（XA BaseDept）没有 id、以科室代码为键（推定）；按本项目约定每张表以 id 为键，"
         "医院可直接以院内科室代码作 id。无作废标志，作废一律按删除处理。列长度为推定。",
)

#: every table, in the order a full load sends them: base dictionaries, patients, activities, then parents
#: before their children
TABLES: Mapping[str, CdcTable] = MappingProxyType({t.name: t for t in (
    BASE_DEPT, BASE_USER, PATIENT_INFO, ACTIVITY_INFO, INF_REPORT, OUTPATIENT_RECORD, OUTPATIENT_OBS,
    ADMISSION_INFO, FIRST_COURSE, DAILY_COURSE, ADMISSION_RECORD, DISCHARGE_INFO, EX_CLINICAL, EX_CLINICAL_ITEM,
    EX_LAB, EX_LAB_ITEM, ORDER, ORDER_ITEM, VITAL_SIGNS_RECORD, DEATH_INFO,
)})


def table(name: str) -> CdcTable:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown CDC table {name!r}; declared: {', '.join(TABLES)}") from None


def by_entity(entity: str) -> CdcTable:
    for t in TABLES.values():
        if t.entity == entity:
            return t
    raise KeyError(f"unknown CDC entity {entity!r}")
