"""The simulator's own reading of the 传染病前置软件 tables (platforms.md §1.4–1.7) as data, and its checker.

Deliberately independent of ``hisbridge``: the feeds and this simulator are both written from the same
reference, so a mistake shared by construction (a column name, a length, a code) would pass silently if one
imported the other. Never import ``hisbridge`` here.

Notation: ``varchar(n)`` a JSON string of at most n *characters* (PostgreSQL counts characters), ``text`` a JSON
string of any length, ``timestamp`` a JSON string exactly ``yyyy-MM-dd HH:mm:ss`` naming a real instant (dates
such as ``birth_date`` are sent as ``yyyy-MM-dd 00:00:00``). ``null`` or an absent key means "no value".

Required (``req="Y"``): ``id`` in every table, ``patient_id`` in every table that has it (the reference's foreign
key to ``emr_patient_info``), the parent id of the three child tables, ``dept_code`` of ``base_dept`` — the
reference publishes no required-field matrix (§1.5, §1.8). ``req="Q"`` marks the fields a public data-quality
dashboard treats as 必填 for ``emr_patient_info`` (low confidence); they are enforced only when the
simulator's ``require_quality_fields`` is on.

Lengths the reference leaves open are our inference, marked ``# inf`` where they are set: diagnosis code/name
pairs follow the nearest documented sibling (``wm_*`` 400, ``tcm_*`` 250), base tables follow the clinical
columns of the same meaning.

``emr_inf_report`` is a **subset** of the ≈110-field report card: the patient identity block, disease, 病例分类,
onset / diagnosis / report dates, reporter, laboratory verdict, death. Column names follow a public
implementation of the same table (CZ in platforms.md); keys of the card outside this subset are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

ColumnType = Literal["varchar", "text", "timestamp"]
Req = Literal["Y", "Q", "-"]
Group = Literal["realtime", "routine_t0", "routine_t1", "base"]

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMESTAMP_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def camel(snake: str) -> str:
    """``patient_name`` → ``patientName``, ``examination_quantification_ri`` → ``examinationQuantificationRi``."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --------------------------------------------------------------------------------------------------------------
# Code dictionaries (§1.7). A dictionary either lists its values (enforced exactly) or, where only part of it is
# public, gives the shape of a code (enforced as a pattern).


@dataclass(frozen=True)
class Dictionary:
    name: str
    cn: str
    values: Mapping[str, str] | None = None  # code -> 名称; None: only the pattern is known
    pattern: str | None = None
    source: str = ""
    summary: str | None = None  # how an error message lists a long value set

    def accepts(self, code: str) -> bool:
        if self.values is not None:
            return code in self.values
        assert self.pattern is not None
        return re.fullmatch(self.pattern, code) is not None

    def describe(self) -> str:
        if self.summary:
            return self.summary
        if self.values is not None:
            return "、".join(f"{k} {v}" for k, v in self.values.items())
        return f"格式 {self.pattern}"


_FLAG_YES_NO = {"0": "否", "1": "是"}

DICTS: dict[str, Dictionary] = {
    d.name: d
    for d in (
        Dictionary("gender", "性别 GB/T 2261.1", {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"},
                   source="XA, SX; 9 from the standard"),
        Dictionary("id_card_type", "身份证件类别 CV02.01.101",
                   {"01": "居民身份证", "02": "居民户口簿", "03": "护照", "04": "军官证", "05": "驾驶证",
                    "06": "港澳居民来往内地通行证", "07": "台湾居民来往内地通行证", "99": "其他法定有效证件"},
                   source="01/99 XA; 02–07 WS 364 CV02.01.101 [inf]"),
        Dictionary("activity_type", "就诊活动类型",
                   {"1": "门诊", "2": "急诊", "3": "留观入观", "4": "留观出观", "5": "入院", "6": "住院",
                    "7": "首次病程", "8": "日常病程", "9": "出院"},
                   source="XA HubCodeEnum, XR (XR's 10 体检/其他 is non-standard: refused)"),
        Dictionary("invalid_flag", "作废标志", {"0": "有效", "1": "作废"}, source="XA"),
        Dictionary("nationality", "国籍 GB/T 2659 数字码", pattern=r"\d{3}", source="156 中国; others by shape"),
        Dictionary("nation", "民族 GB 3304",
                   {**{f"{n:02d}": "" for n in range(1, 57)}, "01": "汉族", "97": "其他", "98": "外国血统中国籍人士"},
                   source="01 汉族 … 97 其他 (reference); 01–56, 98 from GB 3304", summary="01–56、97、98"),
        Dictionary("marital", "婚姻状况 GB/T 2261.2",
                   {"10": "未婚", "20": "已婚", "21": "初婚", "22": "再婚", "23": "复婚", "30": "丧偶",
                    "40": "离婚", "90": "未说明的婚姻状况"},
                   source="10 SX; rest from the standard"),
        Dictionary("education", "学历 GB/T 4658", pattern=r"\d{2}", source="20 SX; full list not public"),
        Dictionary("nultitude_type", "人群分类(报告卡职业)",
                   {**{str(n): "" for n in range(1, 21)}, **{f"{n:02d}": "" for n in range(1, 10)}, "18": "家务及待业"},
                   source="18 SX; 1–20 报告卡职业 list [inf], one-digit codes accepted with or without a leading 0",
                   summary="1–20(个位数可带前导0)"),
        Dictionary("addr_code", "行政区划(9位)", pattern=r"\d{9}", source="6-digit county + 3-digit township [inf]"),
        Dictionary("yes_no", "是否标志", _FLAG_YES_NO, source="XA (ventilator / ICU), 过敏史标志 0 无/1 有"),
        Dictionary("lab_result", "检验标化定性结果", {"01": "阳性", "02": "阴性", "07": "未检出"},
                   source="XA; the front-end's full dd_ex_quantification list is not public"),
        Dictionary("lab_ri", "定量结果与参考区间", {"0": "正常", "1": "低于下限", "2": "高于上限"}, source="XA"),
        Dictionary("exam_type", "检查类别", {"10": "影像学检查", "11": "病理学检查", "99": "其他"}, source="XR"),
        Dictionary("exam_result", "检查结果", {"01": "未见异常", "02": "异常", "03": "不确定"}, source="XR"),
        Dictionary("user_type", "用户类型 dd_user_type", {"1": "公卫", "2": "临床", "3": "管理员"}, source="XA"),
        Dictionary("target_dept", "前置软件标准科室", pattern=r"[A-D]\d{2}(\.\d{2})?",
                   source="A/B/C/D 科室分类 (XR, SX); e.g. A03.01, A16, D99"),
    )
}  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Columns and tables


@dataclass(frozen=True)
class Column:
    """One column: snake_case name (the wire key is its camelCase), Chinese name, type, length, required, codes."""

    name: str
    cn: str
    type: ColumnType
    length: int | None = None  # varchar only
    req: Req = "-"
    codes: str | None = None  # name of a dictionary in DICTS

    @property
    def wire(self) -> str:
        return camel(self.name)

    def required(self, *, quality: bool = False) -> bool:
        return self.req == "Y" or (self.req == "Q" and quality)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "wire": self.wire, "cn": self.cn, "type": self.type, "length": self.length,
                "required": self.req, "codes": self.codes}  # fmt: skip


@dataclass(frozen=True)
class Table:
    name: str
    cn: str
    group: Group
    columns: tuple[Column, ...]
    parent: tuple[str, str] | None = None  # (column, parent table) of the three child tables

    @property
    def entity(self) -> str:
        """The path suffix of ``/hclient/emr/receive/<entity>``: the camelCase table name."""
        return camel(self.name)

    @property
    def has_patient(self) -> bool:
        return any(c.name == "patient_id" for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "entity": self.entity, "cn": self.cn, "group": self.group,
                "parent": list(self.parent) if self.parent else None,
                "columns": [c.to_json() for c in self.columns]}  # fmt: skip


def V(name: str, cn: str, length: int, req: Req = "-", codes: str | None = None) -> Column:
    return Column(name, cn, "varchar", length, req, codes)


def T(name: str, cn: str) -> Column:
    return Column(name, cn, "text")


def TS(name: str, cn: str, req: Req = "-") -> Column:
    return Column(name, cn, "timestamp", req=req)


def pair(prefix: str, cn: str, code_len: int, name_len: int, codes: str | None = None) -> tuple[Column, ...]:
    """``<prefix>_code`` / ``<prefix>_name``."""
    return (
        V(f"{prefix}_code", f"{cn}代码", code_len, codes=codes),
        V(f"{prefix}_name", f"{cn}名称", name_len),
    )


def wm(prefix: str, cn: str) -> tuple[Column, ...]:
    """A 西医诊断 code/name pair: ICD-10, several codes allowed → varchar(400) both."""
    return pair(prefix, cn, 400, 400)


def tcm(prefix: str, cn: str) -> tuple[Column, ...]:
    """A 中医病名/证候 code/name pair: varchar(250) both."""
    return pair(prefix, cn, 250, 250)


ID = V("id", "记录ID", 80, "Y")

#: §1.5 identity block (no activity type)
IDENTITY: tuple[Column, ...] = (
    V("patient_id", "患者ID", 80, "Y"),
    V("serial_number", "就诊流水号", 100),
    V("patient_name", "患者姓名", 100),
    *pair("id_card_type", "身份证件类别", 2, 20, "id_card_type"),
    V("id_card", "身份证件号码", 50),
)
ACTIVITY_TYPE = pair("activity_type", "就诊活动类型", 2, 20, "activity_type")
WARD: tuple[Column, ...] = (
    V("ward_name", "病区名称", 50),
    V("ward_no", "病房号", 10),
    V("bed_no", "病床号", 10),
)
ORG = pair("org", "医疗机构", 9, 100)
DEPT = pair("dept", "科室", 40, 100)
#: operator / operation time / void flag, closing every table but the base ones
TAIL: tuple[Column, ...] = (
    V("operator_id", "操作人ID", 40),
    TS("operation_time", "数据操作时间"),
    V("invalid_flag", "作废标志", 1, codes="invalid_flag"),
)
COMMON_END = (*ORG, *DEPT, *TAIL)

HISTORIES: tuple[Column, ...] = (
    T("infection_his", "传染病史"),
    T("vaccination_his", "预防接种史"),
    T("operation_his", "手术史"),
    T("blood_transfusion", "输血史"),
    T("personal_his", "个人史"),
    T("marital_his", "婚育史"),
    T("menstrual_his", "月经史"),
    T("family_his", "家族史"),
)

_OUTPATIENT_HEAD: tuple[Column, ...] = (
    V("allergy_his_flag", "过敏史标志", 1, codes="yes_no"),
    T("allergy_his", "过敏史"),
    TS("outpatient_date", "就诊日期时间"),
    V("inital_diagnosis_code", "初诊标志", 1),
    T("chief_complaint", "主诉"),
    T("present_illness_his", "现病史"),
    T("past_illness_his", "既往史"),
)
_OUTPATIENT_TAIL: tuple[Column, ...] = (
    T("physical_examination", "体格检查"),
    T("observation_result", "中医四诊观察结果"),
    T("studies_summary_result", "辅助检查结果"),
    *wm("wm_diagnosis", "西医诊断"),
    *tcm("tcm_inital_diagnosis", "中医病名"),
    *tcm("tcm_inital_syndrome", "中医证候"),
    V("differentiation_basis", "辨证依据", 100),
    V("treatment", "治则治法", 100),
)

TABLES: tuple[Table, ...] = (
    Table("emr_patient_info", "患者基本信息", "realtime", (
        V("id", "患者ID", 80, "Y"),
        V("patient_name", "患者姓名", 100, "Q"),
        V("id_card_type_code", "身份证件类别代码", 2, "Q", "id_card_type"),
        V("id_card_type_name", "身份证件类别名称", 20, "Q"),
        V("id_card", "身份证件号码", 50, "Q"),
        *pair("gender", "性别", 2, 10, "gender"),
        TS("birth_date", "出生日期"),
        *pair("nationality", "国籍", 5, 50, "nationality"),
        *pair("nation", "民族", 2, 50, "nation"),
        *pair("permanent_addr", "户籍地址", 9, 100, "addr_code"),
        V("permanent_addr_detail", "户籍详细地址", 250),
        *pair("current_addr", "现住地址", 9, 100, "addr_code"),
        V("current_addr_detail", "现住详细地址", 250),
        V("workunit", "工作单位", 250),
        *pair("marital_status", "婚姻状况", 2, 20, "marital"),
        *pair("education", "学历", 2, 20, "education"),
        *pair("nultitude_type", "人群分类", 2, 20, "nultitude_type"),
        V("nultitude_type_other", "人群分类其他", 100),
        V("tel", "本人电话", 70),
        V("contacts", "联系人姓名", 100),
        V("contacts_tel", "联系人电话", 70),
        V("org_code", "医疗机构代码", 9, "Q"),
        V("org_name", "医疗机构名称", 100, "Q"),
        V("operator_id", "操作人ID", 40),
        TS("operation_time", "数据操作时间", "Q"),
        V("invalid_flag", "作废标志", 1, codes="invalid_flag"),
    )),
    Table("emr_activity_info", "诊疗活动信息", "realtime", (
        ID, *IDENTITY, *ACTIVITY_TYPE,
        TS("activity_time", "活动发生时间"),
        T("chief_complaint", "主诉"),
        T("present_illness_his", "现病史"),
        T("physical_examination", "体格检查"),
        T("studies_summary_result", "辅助检查"),
        TS("diagnose_time", "诊断时间"),
        *pair("disease", "传染病诊断", 50, 250),
        *wm("wm_disease", "西医诊断"),
        *tcm("tcm_disease", "中医病名"),
        *tcm("tcm_syndrome", "中医证候"),
        V("fill_doctor", "诊断医生", 50),
        *pair("report_disease", "传报卡补充病种", 50, 250),
        *COMMON_END,
    )),
    Table("emr_inf_report", "传染病报告卡(子集)", "realtime", (
        ID, *IDENTITY, *ACTIVITY_TYPE,
        *pair("gender", "性别", 2, 10, "gender"),
        TS("birth_date", "出生日期"),
        *pair("nationality", "国籍", 5, 50, "nationality"),
        *pair("nation", "民族", 2, 50, "nation"),
        *pair("current_addr", "现住地址", 9, 100, "addr_code"),
        V("current_addr_detail", "现住详细地址", 250),
        *pair("nultitude_type", "人群分类", 2, 20, "nultitude_type"),
        V("nultitude_type_other", "人群分类其他", 100),
        V("tel", "电话号码", 70),
        V("contacts", "联系人姓名", 100),
        V("contacts_tel", "联系人电话", 70),
        TS("onset_date", "发病日期"),
        TS("diagnose_time", "诊断时间"),
        *pair("disease", "疾病诊断", 50, 250),
        V("disease_other", "其他疾病或病毒分型", 50),
        *pair("diagnose_state", "病例分类", 2, 20),  # 疑似/临床诊断/确诊/病原携带/阳性检测 (codes not public)
        *pair("case_type", "病例分类(急慢性)", 2, 20),  # inf: CZ writes name varchar(2)
        TS("dead_date", "死亡日期"),
        *pair("laboratory_detection_verdict", "实验室检测结论", 2, 40),
        TS("detection_positive_date", "检测阳性日期"),
        TS("report_date", "报告日期"),
        V("fill_doctor", "填卡医生", 50),  # inf: CZ 20, activity_info 50
        *pair("report_org", "报告单位", 9, 150),
        T("notes", "备注"),
        *COMMON_END,
    )),
    Table("emr_outpatient_record", "门(急)诊病历", "routine_t0", (
        ID, *IDENTITY, *_OUTPATIENT_HEAD, *HISTORIES, *_OUTPATIENT_TAIL, *COMMON_END,
    )),
    Table("emr_outpatient_obs", "门(急)诊留观记录", "routine_t0", (
        ID, *IDENTITY, *_OUTPATIENT_HEAD, *_OUTPATIENT_TAIL,
        T("course", "急诊留观病程记录"),
        TS("observation_date", "收入观察室日期时间"),
        T("notes", "注意事项"),
        *COMMON_END,
    )),
    Table("emr_admission_info", "入院记录", "routine_t0", (
        ID, *IDENTITY, *WARD,
        TS("admission_date", "入院日期时间"),
        T("chief_complaint", "主诉"),
        T("present_illness_his", "现病史"),
        V("health_status_code", "一般健康状况标志", 1),
        T("past_illness_his", "疾病史(含外伤)"),
        V("infection_code", "患者传染性标志", 1),
        T("infection_his", "传染病史"),
        T("vaccination_his", "预防接种史"),
        T("operation_his", "手术史"),
        T("blood_transfusion", "输血史"),
        T("allergy_his", "过敏史"),
        T("personal_his", "个人史"),
        T("marital_his", "婚育史"),
        T("menstrual_his", "月经史"),
        T("family_his", "家族史"),
        T("physical_examination", "体格检查"),
        T("specialized_examination", "专科情况"),
        T("studies_summary_result", "辅助检查结果"),
        T("observation_result", "中医四诊观察结果"),
        V("treatment", "治则治法", 100),
        *wm("wm_inital_diagnosis", "初步诊断-西医"),
        *tcm("tcm_inital_diagnosis", "初步诊断-中医病名"),
        *tcm("tcm_inital_syndrome", "初步诊断-中医证候"),
        TS("inital_diagnosis_date", "初步诊断日期"),
        *wm("wm_revised_diagnosis", "修正诊断-西医"),
        *tcm("tcm_revised_diagnosis", "修正诊断-中医病名"),
        *tcm("tcm_revised_syndrome", "修正诊断-中医证候"),
        TS("revised_diagnosis_date", "修正诊断日期"),
        *wm("wm_confirmed_diagnosis", "确定诊断-西医"),
        *tcm("tcm_confirmed_diagnosis", "确定诊断-中医病名"),
        *tcm("tcm_confirmed_syndrome", "确定诊断-中医证候"),
        TS("confirmed_diagnosis_date", "确定诊断日期"),
        V("complementary_diagnosis_name", "补充诊断名称", 250),
        V("complementary_diagnosis_code", "补充诊断代码", 50),
        TS("complementary_diagnosis_date", "补充诊断日期"),
        V("admission_diagnosis_order", "入院诊断顺位", 2),
        V("visiting_physician_id", "接诊医师ID", 50),
        V("resident_physician_id", "住院医师ID", 50),
        V("chief_physician_id", "主治医师ID", 50),
        *COMMON_END,
    )),
    Table("emr_first_course", "住院首次病程记录", "routine_t0", (
        ID, *IDENTITY, *WARD,
        TS("create_time", "记录时间"),
        T("chief_complaint", "主诉"),
        T("present_illness_his", "病例特点"),
        T("observation_result", "中医四诊观察结果"),
        T("diagnosis_basis", "诊断依据"),
        *wm("wm_inital_diagnosis", "初步诊断-西医"),
        *tcm("tcm_inital_diagnosis", "初步诊断-中医病名"),
        *tcm("tcm_inital_syndrome", "初步诊断-中医证候"),
        *wm("wm_diff_diagnosis", "鉴别诊断-西医"),
        *tcm("tcm_primary_diagnosis", "鉴别诊断-中医病名"),
        *tcm("tcm_primary_syndrome", "鉴别诊断-中医证候"),
        T("treatment_plan", "诊疗计划"),
        V("treatment", "治则治法", 100),
        V("resident_physician_id", "住院医师ID", 50),
        *pair("disease_progression", "病情转归", 1, 50),
        *COMMON_END,
    )),
    Table("emr_daily_course", "住院日常病程记录", "routine_t0", (
        ID, *IDENTITY, *WARD,
        TS("create_time", "记录时间"),
        T("course", "病程内容"),
        T("order_content", "医嘱内容"),
        T("observation_result", "中医四诊观察结果"),
        T("treatment", "辨证论治"),
        *pair("disease_progression", "病情转归", 1, 50),
        *COMMON_END,
    )),
    Table("emr_admission_record", "住院病案首页", "routine_t1", (
        ID, *IDENTITY,
        *pair("pay_method", "医疗付费方式", 2, 50),
        V("health_card_no", "居民健康卡号", 18),
        V("admission_num", "住院次数", 3),
        V("reg_no", "病案号", 18),
        TS("admission_date", "入院日期时间"),
        *pair("admission_dept", "入院科别", 20, 50),
        V("ward_no", "入院病房", 10),
        TS("discharge_date", "出院日期时间"),
        *pair("discharge_dept", "出院科别", 20, 50),
        V("discharge_ward", "出院病房", 10),  # inf: same as ward_no
        V("admission_days", "实际住院天数", 4),
        *wm("wm_outpatient_diagnosis", "门(急)诊诊断"),
        *wm("discharge_diagnosis", "出院主要诊断"),
        *wm("wm_other_diagnosis", "出院其他诊断"),
        *pair("external_causes", "损伤中毒外部原因", 50, 250),
        T("external_causes_system_name", "损伤中毒外部原因系统名称"),
        *pair("pathological_diagnosis", "病理诊断", 50, 250),
        V("pathological_no", "病理号", 50),
        V("allergy_code", "药物过敏标志", 1),
        T("allergy_drug", "过敏药物"),
        V("autopsy_code", "死亡患者尸检标志", 1),
        V("chief_physician_id", "主治医师ID", 50),
        V("resident_physician_id", "住院医师ID", 50),
        *pair("accept_org", "拟接收医疗机构", 9, 70),
        *COMMON_END,
    )),
    Table("emr_discharge_info", "出院记录", "routine_t1", (
        ID, *IDENTITY, *WARD,
        TS("admission_date", "入院日期时间"),
        T("admission_desc", "入院情况"),
        *wm("admission_diagnosis", "入院诊断"),
        T("studies_summary_result", "阳性辅助检查结果"),
        T("observation_result", "中医四诊观察结果"),
        V("treatment", "治则治法", 100),
        T("treatment_desc", "诊疗经过"),
        V("tcm_decoction_method", "中药煎煮方法", 100),
        V("tcm_use_method", "中药用药方法", 100),
        T("discharge_desc", "出院情况"),
        TS("discharge_date", "出院日期时间"),
        *wm("discharge_diagnosis", "出院诊断-西医"),
        *tcm("tcm_discharge_diagnosis", "出院诊断-中医病名"),
        *tcm("tcm_discharge_syndrome", "出院诊断-中医证候"),
        T("discharge_symptoms_signs", "出院时症状体征"),
        T("discharge_order", "出院医嘱"),
        V("resident_physician_id", "住院医师ID", 50),
        V("chief_physician_id", "主治医师ID", 50),
        *pair("disease_progression", "病情转归", 1, 50),
        *COMMON_END,
    )),
    Table("emr_ex_clinical", "检查报告", "routine_t0", (
        ID, *IDENTITY, *ACTIVITY_TYPE, *WARD,
        V("application_form_no", "电子申请单编号", 50),
        *pair("apply_org", "申请机构", 9, 100),
        *pair("apply_dept", "申请科室", 20, 50),
        T("chief_complaint", "主诉"),
        TS("symptom_start_date", "症状开始时间"),
        TS("symptom_end_date", "症状停止时间"),
        T("symptom_desc", "症状描述"),
        T("treatment_desc", "诊疗过程描述"),
        V("special_examination_code", "特殊检查标志", 1),
        *pair("examination_type", "检查类别", 20, 100, "exam_type"),
        T("examination_objective_desc", "检查所见(客观)"),
        T("examination_subjective_desc", "检查提示(主观)"),
        T("examination_notes", "备注"),
        V("examination_report_no", "检查报告单号", 100),
        TS("examination_report_date", "检查报告日期"),
        V("examination_report_id", "报告医师ID", 50),
        *COMMON_END,
    )),
    Table("emr_ex_clinical_item", "检查报告项目", "routine_t0", (
        ID,
        V("ex_clinical_id", "检查报告ID", 80, "Y"),
        *pair("item", "检查项目", 100, 100),  # 1001 磁共振 … 99 其他 — list incomplete, not enforced
        *pair("examination_result", "检查结果", 5, 20, "exam_result"),
        V("examination_quantification", "定量结果", 50),
        V("examination_quantification_unit", "定量结果计量单位", 50),
        *TAIL,
    ), parent=("ex_clinical_id", "emr_ex_clinical")),
    Table("emr_ex_lab", "检验报告", "routine_t0", (
        ID, *IDENTITY, *ACTIVITY_TYPE, *WARD,
        V("application_form_no", "电子申请单编号", 50),
        *pair("apply_org", "申请机构", 9, 100),
        *pair("apply_dept", "申请科室", 20, 50),
        V("apply_physician_id", "申请医师ID", 50),
        V("specimen_no", "标本号", 100),
        *pair("specimen_category", "标本类别", 20, 100),
        TS("specimen_sampling_date", "采样日期时间"),
        TS("specimen_receiving_date", "接收标本日期时间"),
        V("examination_physician_id", "检验医师ID", 50),
        TS("examination_date", "检验日期"),
        V("examination_report_no", "检验报告单号", 100),
        T("examination_objective_desc", "检验结果(客观)"),
        T("examination_subjective_desc", "检验结果(主观提示)"),
        T("examination_notes", "备注"),
        TS("examination_report_date", "检验报告日期"),
        V("examination_report_id", "报告医师ID", 50),
        *COMMON_END,
    )),
    Table("emr_ex_lab_item", "检验报告项目", "routine_t0", (
        ID,
        V("ex_lab_id", "检验报告ID", 80, "Y"),
        V("item_code", "检验项目代码", 100),
        T("item_name", "检验项目名称"),
        *pair("examination_result", "标化定性结果", 5, 20, "lab_result"),
        V("source_examination_result_code", "院内原始定性结果代码", 100),
        T("source_examination_result_name", "院内原始定性结果名称"),
        V("examination_quantification", "定量结果", 100),
        V("examination_quantification_unit", "定量结果计量单位", 20),
        V("examination_quantification_lower", "参考区间下限", 20),
        V("examination_quantification_upper", "参考区间上限", 20),
        V("examination_quantification_ri", "定量结果与参考区间", 2, codes="lab_ri"),
        *TAIL,
    ), parent=("ex_lab_id", "emr_ex_lab")),
    Table("emr_order", "医嘱处方信息", "routine_t0", (
        ID, *IDENTITY, *ACTIVITY_TYPE,
        V("prescription_no", "处方编号", 30),
        V("prescription_type_code", "处方类别代码", 1),
        TS("prescription_issuance_date", "处方开立日期"),
        V("prescription_validity_days", "处方有效天数", 2),
        TS("excute_date", "执行日期"),
        V("prescription_issuance_id", "开立医师ID", 50),
        V("prescription_dispensing_id", "发药药师ID", 50),
        V("prescription_notes", "处方备注", 100),
        *COMMON_END,
    )),
    Table("emr_order_item", "医嘱处方条目", "routine_t0", (
        ID,
        V("order_id", "医嘱处方ID", 80, "Y"),
        V("drug_code", "药品代码", 20),
        V("drug_name", "药品名称", 50),
        V("drug_specifications", "药品规格", 50),
        V("drug_dosage_code", "单次剂量", 8),
        *pair("drug_dosage_unit", "剂量单位", 6, 20),
        V("drug_dosage_total", "总剂量", 15),
        V("tcm_prescription", "中药饮片处方", 500),
        V("tcm_number", "中药饮片剂数", 2),
        V("tcm_decoction_method", "中药饮片煎煮法", 100),
        V("tcm_use_method", "中药用药方法", 100),
        *TAIL,
    ), parent=("order_id", "emr_order")),
    Table("emr_death_info", "死亡信息", "routine_t0", (
        ID, *IDENTITY, *ACTIVITY_TYPE,
        T("treatment_desc", "诊疗过程描述"),
        TS("dead_date", "死亡日期时间"),
        *pair("direct_cause", "直接死亡原因", 50, 250),  # inf
        *wm("death_diagnosis", "死亡诊断"),  # inf
        V("chief_physician_id", "主治医师ID", 50),
        *COMMON_END,
    )),
    Table("emr_vital_signs_record", "生命体征(护理记录)", "routine_t0", (
        ID, *IDENTITY, *ACTIVITY_TYPE,
        TS("create_date", "记录时间"),
        *pair("ventilatorused", "使用呼吸机", 2, 2, "yes_no"),
        *pair("critical_care", "重症监护", 2, 2, "yes_no"),
        *ORG, *DEPT,
        V("operator_id", "操作人ID", 40),
        TS("operation_time", "数据操作时间"),
        V("invalid_flag", "作废标志", 2, codes="invalid_flag"),
    )),
    Table("base_user", "医院信息系统用户", "base", (
        ID,
        V("user_name", "用户真实姓名", 100),
        V("id_card_type_code", "身份证件类别代码", 2, codes="id_card_type"),
        V("id_card", "身份证件号码", 50),
        V("tel", "电话", 70),
        V("physician_no", "医师执业证号", 50),
        V("org_code", "所属医疗机构代码", 9),
        V("dept_code", "所属科室代码", 40),
        V("invalid_flag", "作废标志", 1, codes="invalid_flag"),
        V("login_name", "登录名", 50),
        V("user_type_code", "用户类型", 2, codes="user_type"),
        TS("create_time", "创建时间"),
    )),
    # XA's BaseDept has no id (its key is dept_code); every table here is keyed by ``id`` (issue 9 decision),
    # so the hospital sends one, e.g. its department code.
    Table("base_dept", "科室", "base", (
        ID,
        V("dept_code", "院内科室代码", 40, "Y"),
        V("dept_name", "院内科室名称", 100),
        V("target_dept_code", "前置软件标准科室代码", 20, codes="target_dept"),
        V("target_dept_name", "前置软件标准科室名称", 100),
        TS("create_time", "创建时间"),
    )),
)  # fmt: skip

BY_ENTITY: dict[str, Table] = {t.entity: t for t in TABLES}
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
PATIENT_TABLE = "emr_patient_info"


# --------------------------------------------------------------------------------------------------------------
# The checker


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a record: machine code, the wire field (or ``None``), the Chinese sentence."""

    code: str
    field: str | None
    message: str


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, list):
        return "数组"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__


def unknown_key(table: Table, key: str) -> Problem:
    """Why ``key`` is not a column of ``table``, with a hint when it is one spelled another way."""
    by_snake = {c.name: c for c in table.columns}
    by_lower = {c.wire.lower(): c for c in table.columns}
    hint = ""
    if "_" in key and key.lower() in by_snake:  # patient_name, PATIENT_NAME
        hint = f"，请使用驼峰命名[{by_snake[key.lower()].wire}]"
    elif key.lower() in by_lower:
        hint = f"，字段名大小写不符，应为[{by_lower[key.lower()].wire}]"
    elif key.replace("_", "").lower() in by_lower:
        hint = f"，应为[{by_lower[key.replace('_', '').lower()].wire}]"
    return Problem("UNKNOWN_FIELD", key, f"字段[{key}]不是表{table.name}({table.cn})的字段{hint}")


def check_value(col: Column, value: Any) -> Problem | None:
    """Type, length, format and code set of one present, non-null value."""
    w = col.wire
    if not isinstance(value, str):
        return Problem("TYPE", w, f"字段[{w}]({col.cn})类型错误: 应为字符串，收到{_kind(value)}")
    if col.type == "timestamp":
        if not TIMESTAMP_SHAPE.fullmatch(value):
            extra = "，空值请传null或省略该字段" if value == "" else ""
            return Problem(
                "DATETIME_FORMAT",
                w,
                f"字段[{w}]({col.cn})时间格式错误: 应为yyyy-MM-dd HH:mm:ss，收到[{value[:40]}]{extra}",
            )
        try:
            datetime.strptime(value, TIMESTAMP_FORMAT)
        except ValueError:
            return Problem("DATETIME_FORMAT", w, f"字段[{w}]({col.cn})不是有效的日期时间: [{value}]")
        return None
    if col.type == "varchar" and col.length is not None and len(value) > col.length:
        return Problem("LENGTH", w, f"字段[{w}]({col.cn})超长: 最多{col.length}个字符，实际{len(value)}个")
    if col.codes is not None:
        d = DICTS[col.codes]
        if not d.accepts(value):
            extra = "，空值请传null或省略该字段" if value == "" else ""
            return Problem(
                "CODE_VALUE",
                w,
                f"字段[{w}]({col.cn})代码值[{value[:40]}]不在值域{d.cn}中({d.describe()[:200]}){extra}",
            )
    return None


def check_record(table: Table, record: Mapping[str, Any], *, quality: bool = False) -> list[Problem]:
    """Every field problem of one upserted record, in a stable order: unknown keys, then column by column."""
    problems = [unknown_key(table, k) for k in record if k not in _WIRE[table.name]]
    for col in table.columns:
        value = record.get(col.wire)
        if value is None or (
            isinstance(value, str) and value.strip() == "" and col.required(quality=quality)
        ):
            if col.required(quality=quality):
                problems.append(Problem("REQUIRED", col.wire, f"必填字段[{col.wire}]({col.cn})为空"))
            continue
        problem = check_value(col, value)
        if problem:
            problems.append(problem)
    return problems


def check_delete(table: Table, record: Mapping[str, Any]) -> list[Problem]:
    """A DELETE body: its keys must be columns of the table (a whole record may be sent) and ``id`` present."""
    problems = [unknown_key(table, k) for k in record if k not in _WIRE[table.name]]
    rid = record.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        problems.append(Problem("REQUIRED", "id", "必填字段[id](记录ID)为空"))
    else:
        problem = check_value(table.column("id"), rid)
        if problem:
            problems.append(problem)
    return problems


_WIRE: dict[str, frozenset[str]] = {t.name: frozenset(c.wire for c in t.columns) for t in TABLES}


def spec_json() -> dict[str, Any]:
    """The whole specification as JSON (``GET /__admin__/spec``), to compare with a client's declarations."""
    return {
        "tables": [t.to_json() for t in TABLES],
        "dictionaries": {
            d.name: {"cn": d.cn, "values": dict(d.values) if d.values is not None else None, "pattern": d.pattern,
                     "source": d.source}
            for d in DICTS.values()
        },
    }  # fmt: skip
