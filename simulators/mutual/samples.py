"""Sample data for tests and demos: our own valid upload rows and record bodies, and other hospitals' reports.

* :func:`row` — one valid row per upload operation, from our hospital (``360102001`` 南昌市第一医院):
  ``row("uploadLabIndicator", BusinessNo="LI0002")``. The lab children point at report ``LR0001`` (upload it
  first); identity data is made up.
* :func:`record` — one valid element/object per record operation, pointing at a seeded report
  (:data:`SAMPLE_REPORT_ID`): ``record("uploadRecognitionRecord", reasonCode="99", diagName="2型糖尿病")``.
* :func:`foreign_reports` — realistic reports of other hospitals (:data:`ORGS`) for a list of persons, at
  times before a given clock, deterministic by ``seed``: 血常规, 肝功能, 肾功能, 凝血四项, 血脂, 糖化血红蛋白,
  电解质, C反应蛋白, 尿常规, 痰培养+药敏 (LIS) and 胸部CT平扫, 头颅CT平扫, 腹部彩超, 胸部正位片, 颈部血管彩超,
  腰椎MRI平扫, 心脏彩超 (PACS), with the platform item codes of :data:`LIS_PANELS` / :data:`PACS_EXAMS`. Each
  person gets a 血常规 and a 胸部CT平扫 within the last 30 days (so a 90-day reminder always finds something),
  then reports spread over 150 days; about one in ten is not a 互认 item (``mtuRecMark "0"``).

Written by hand, not generated from :mod:`simulators.mutual.spec`, so the tests that post them check the spec
tables too. The platform item codes (``JY…`` 检验, ``JC…`` 检查) are the simulator's invention: Jiangxi's
catalogue is not public. They are listed in the README.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Org:
    code: str
    name: str


OUR_ORG = Org("360102001", "南昌市第一医院")
#: other hospitals (9-character codes: 3600 province-level, 3601 Nanchang city)
ORGS: tuple[Org, ...] = (
    Org("360000001", "江西省人民医院"),
    Org("360000002", "南昌大学第一附属医院"),
    Org("360000003", "南昌大学第二附属医院"),
    Org("360000004", "江西省儿童医院"),
    Org("360100005", "南昌市洪都中医院"),
    Org("360100006", "南昌市第九医院"),
)
ORG_NAMES: dict[str, str] = {o.code: o.name for o in (OUR_ORG, *ORGS)}


@dataclass(frozen=True)
class Person:
    """Whom a report is about, as the platform matches it: document type + number, and the name shown."""

    id_card_type: str
    id_card_value: str
    name: str

    @classmethod
    def from_json(cls, data: Any) -> Person:
        if isinstance(data, Sequence) and not isinstance(data, str) and len(data) == 3:
            return cls(*(str(v) for v in data))
        if not isinstance(data, Mapping):
            raise ValueError("person应为{idCardTypeCode, idCardValue, patientName}")
        try:
            return cls(str(data["idCardTypeCode"]), str(data["idCardValue"]), str(data["patientName"]))
        except KeyError as exc:
            raise ValueError(f"person缺少{exc.args[0]}") from exc


DEMO_PERSONS: tuple[Person, ...] = (
    Person("01", "360102199001010011", "测试甲"),
    Person("01", "360103198505152024", "测试乙"),
    Person("01", "36010419701120303X", "测试丙"),
)


# ------------------------------------------------------------------------------------------- the item catalogue


@dataclass(frozen=True)
class Indicator:
    code: str  # platform indicator code (ExamItemCode on the wire)
    name: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    decimals: int = 1
    loinc: str = ""
    normal_text: str | None = None  # qualitative: the normal result ("阴性")
    abnormal_text: str = "阳性(+)"

    def ref_range(self) -> str:
        if self.normal_text is not None:
            return self.normal_text
        assert self.low is not None and self.high is not None
        return f"{self.low:.{self.decimals}f}-{self.high:.{self.decimals}f}"


@dataclass(frozen=True)
class Panel:
    """A platform 检验 item (DataCode): one report, several indicators."""

    code: str
    name: str
    specimen: str
    category: str
    indicators: tuple[Indicator, ...] = ()
    microbe: bool = False


@dataclass(frozen=True)
class Exam:
    """A platform 检查 item (DataCode = CheckProjCode): findings and conclusion, normal or one of the abnormal."""

    code: str
    name: str
    check_type: str
    check_type_name: str
    part: str
    method: str
    normal: tuple[str, str]  # (findings, conclusion)
    abnormal: tuple[tuple[str, str], ...]


_I = Indicator
LIS_PANELS: dict[str, Panel] = {p.code: p for p in (
    Panel("L0001", "血常规", "全血", "临床血液", (
        _I("WBC", "白细胞计数", "×10^9/L", 3.5, 9.5, 2, "6690-2"),
        _I("RBC", "红细胞计数", "×10^12/L", 4.3, 5.8, 2, "789-8"),
        _I("HGB", "血红蛋白", "g/L", 130, 175, 0, "718-7"),
        _I("PLT", "血小板计数", "×10^9/L", 125, 350, 0, "777-3"),
        _I("NEUT%", "中性粒细胞百分比", "%", 40, 75, 1, "770-8"),
        _I("LYMPH%", "淋巴细胞百分比", "%", 20, 50, 1, "736-9"),
    )),
    Panel("L0002", "肝功能", "血清", "临床生化", (
        _I("ALT", "丙氨酸氨基转移酶", "U/L", 9, 50, 0, "1742-6"),
        _I("AST", "天门冬氨酸氨基转移酶", "U/L", 15, 40, 0, "1920-8"),
        _I("TBIL", "总胆红素", "μmol/L", 0, 23, 1, "1975-2"),
        _I("DBIL", "直接胆红素", "μmol/L", 0, 8, 1, "1968-7"),
        _I("ALB", "白蛋白", "g/L", 40, 55, 1, "1751-7"),
        _I("GGT", "γ-谷氨酰转移酶", "U/L", 10, 60, 0, "2324-2"),
    )),
    Panel("L0003", "肾功能", "血清", "临床生化", (
        _I("UREA", "尿素", "mmol/L", 3.1, 8.0, 2, "3091-6"),
        _I("CREA", "肌酐", "μmol/L", 57, 111, 0, "2160-0"),
        _I("UA", "尿酸", "μmol/L", 208, 428, 0, "3084-1"),
        _I("CYSC", "胱抑素C", "mg/L", 0.59, 1.03, 2, "33863-2"),
    )),
    Panel("L0004", "凝血四项", "血浆(枸橼酸钠抗凝)", "临床血液", (
        _I("PT", "凝血酶原时间", "s", 9.4, 12.5, 1, "5902-2"),
        _I("INR", "国际标准化比值", "", 0.8, 1.2, 2, "6301-6"),
        _I("APTT", "活化部分凝血活酶时间", "s", 25.1, 36.5, 1, "3173-2"),
        _I("FIB", "纤维蛋白原", "g/L", 2.0, 4.0, 2, "3255-7"),
    )),
    Panel("L0019", "血脂四项", "血清", "临床生化", (
        _I("TC", "总胆固醇", "mmol/L", 0, 5.2, 2, "2093-3"),
        _I("TG", "甘油三酯", "mmol/L", 0, 1.7, 2, "2571-8"),
        _I("HDL-C", "高密度脂蛋白胆固醇", "mmol/L", 1.04, 2.0, 2, "2085-9"),
        _I("LDL-C", "低密度脂蛋白胆固醇", "mmol/L", 0, 3.4, 2, "13457-7"),
    )),
    Panel("L0018", "糖化血红蛋白", "全血", "临床生化", (
        _I("HBA1C", "糖化血红蛋白", "%", 4.0, 6.0, 1, "4548-4"),
    )),
    Panel("L0021", "电解质", "血清", "临床生化", (
        _I("K", "钾", "mmol/L", 3.5, 5.3, 2, "2823-3"),
        _I("NA", "钠", "mmol/L", 137, 147, 1, "2951-2"),
        _I("CL", "氯", "mmol/L", 99, 110, 1, "2075-0"),
        _I("CA", "钙", "mmol/L", 2.11, 2.52, 2, "17861-6"),
    )),
    Panel("L0005", "C反应蛋白", "血清", "临床免疫", (
        _I("CRP", "C反应蛋白", "mg/L", 0, 10, 1, "1988-5"),
    )),
    Panel("L0006", "尿常规", "尿液", "临床体液", (
        _I("U-PRO", "尿蛋白", normal_text="阴性", loinc="20454-5"),
        _I("U-GLU", "尿葡萄糖", normal_text="阴性", loinc="25428-4"),
        _I("U-PH", "酸碱度", "", 5.0, 8.0, 1, "2756-5"),
        _I("U-SG", "比重", "", 1.003, 1.030, 3, "2965-2"),
    )),
    Panel("L0020", "痰培养+药敏", "痰液", "临床微生物", microbe=True),
)}  # fmt: skip

PACS_EXAMS: dict[str, Exam] = {e.code: e for e in (
    Exam("E0001", "胸部CT平扫", "CT", "CT", "胸部", "平扫",
         ("双肺纹理清晰，肺实质内未见明确异常密度影。气管及主支气管通畅。纵隔内未见肿大淋巴结。心影大小形态未见异常。"
          "双侧胸腔未见积液。", "胸部CT平扫未见明显异常。"),
         (("右肺上叶尖段见一磨玻璃密度结节，直径约6mm，边界清楚。余肺未见明显异常。", "右肺上叶磨玻璃结节，建议12个月后复查。"),
          ("双肺下叶见斑片状高密度影，边缘模糊，支气管血管束增粗。", "双肺下叶炎症，请结合临床。"))),
    Exam("E0002", "头颅CT平扫", "CT", "CT", "头颅", "平扫",
         ("脑实质内未见异常密度影，脑室系统未见扩张，中线结构居中，颅骨未见骨折。", "头颅CT平扫未见明显异常。"),
         (("左侧基底节区见小片状低密度影，边界清楚，约5mm。", "左侧基底节区腔隙性脑梗死。"),)),
    Exam("E0010", "腹部彩超(肝胆胰脾)", "US", "超声", "腹部", "彩色多普勒",
         ("肝脏大小形态正常，包膜光滑，实质回声均匀。胆囊大小正常，壁光滑，腔内未见异常回声。胰腺、脾脏未见明显异常。",
          "肝胆胰脾未见明显异常。"),
         (("肝脏实质回声细密增强，后方回声衰减。胆囊内见一强回声团，约8mm，后伴声影，随体位移动。", "脂肪肝；胆囊结石。"),)),
    Exam("E0020", "胸部正位片", "DR", "数字X线摄影", "胸部", "正位",
         ("双肺纹理清晰，未见实变影。心影不大。双膈面光整，肋膈角锐利。", "心肺膈未见明显异常。"),
         (("右下肺野见斑片状模糊影。", "右下肺炎症可能，建议治疗后复查。"),)),
    Exam("E0012", "颈部血管彩超", "US", "超声", "颈部", "彩色多普勒",
         ("双侧颈动脉内中膜不厚，管腔内未见斑块，血流通畅。", "双侧颈动脉未见明显异常。"),
         (("左侧颈总动脉分叉处见低回声斑块，大小约10mm×2mm。", "左侧颈动脉斑块形成。"),)),
    Exam("E0031", "腰椎MRI平扫", "MR", "磁共振", "腰椎", "平扫",
         ("腰椎生理曲度存在，各椎体信号未见异常，椎间盘未见突出，椎管未见狭窄。", "腰椎MRI平扫未见明显异常。"),
         (("L4/5椎间盘向后突出，硬膜囊受压。", "L4/5椎间盘突出。"),)),
    Exam("E0013", "心脏彩超", "US", "超声", "心脏", "彩色多普勒",
         ("各房室大小正常，室壁厚度及运动正常，瓣膜形态及启闭未见异常。LVEF 62%。", "心脏结构及功能未见明显异常。"),
         (("左心房增大，二尖瓣少量反流。LVEF 58%。", "左心房增大；二尖瓣轻度反流。"),)),
)}  # fmt: skip

#: bacteria of the sputum culture (WHONET-style codes) and the drugs tested against each
BACTERIA: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "KPN": ("肺炎克雷伯菌", (("CRO", "头孢曲松"), ("CAZ", "头孢他啶"), ("LVX", "左氧氟沙星"), ("IPM", "亚胺培南"),
                             ("AMK", "阿米卡星"), ("TZP", "哌拉西林/他唑巴坦"))),
    "ECO": ("大肠埃希菌", (("CRO", "头孢曲松"), ("LVX", "左氧氟沙星"), ("IPM", "亚胺培南"), ("AMK", "阿米卡星"))),
    "PAE": ("铜绿假单胞菌", (("CAZ", "头孢他啶"), ("LVX", "左氧氟沙星"), ("IPM", "亚胺培南"), ("AMK", "阿米卡星"))),
    "SAU": ("金黄色葡萄球菌", (("OXA", "苯唑西林"), ("VAN", "万古霉素"), ("ERY", "红霉素"), ("CLI", "克林霉素"))),
}  # fmt: skip
_MIC = {"S": ("≤0.25", "≤1", "2"), "I": ("4", "8"), "R": ("≥16", "≥32")}
DIAGNOSES = ("上呼吸道感染", "高血压病", "2型糖尿病", "社区获得性肺炎", "慢性胃炎", "冠状动脉粥样硬化性心脏病", "健康体检")


# ------------------------------------------------------------------------------------------- foreign reports


def _value(ind: Indicator, rng: random.Random, flag: str) -> str:
    if ind.normal_text is not None:
        return ind.normal_text if flag == "N" else ind.abnormal_text
    assert ind.low is not None and ind.high is not None
    span = ind.high - ind.low
    if flag == "H":
        v = ind.high + span * rng.uniform(0.1, 0.6)
    elif flag == "L":
        v = ind.low - min(span * rng.uniform(0.1, 0.4), ind.low * 0.5)
    else:
        v = rng.uniform(ind.low + span * 0.1, ind.high - span * 0.1)
    return f"{v:.{ind.decimals}f}"


def _lab_items(panel: Panel, rng: random.Random, abnormal: bool) -> list[dict[str, str]]:
    flagged: dict[str, str] = {}
    if abnormal:
        for ind in rng.sample(panel.indicators, k=min(len(panel.indicators), rng.randint(1, 2))):
            if ind.normal_text is not None:
                flagged[ind.code] = "A"
            else:
                flagged[ind.code] = "H" if (ind.low or 0) == 0 or rng.random() < 0.6 else "L"
    return [{"itemCode": ind.code, "itemName": ind.name, "result": _value(ind, rng, flagged.get(ind.code, "N")),
             "unit": ind.unit, "refRange": ind.ref_range(), "abnormalFlag": flagged.get(ind.code, "N")}
            for ind in panel.indicators]  # fmt: skip


def _culture(rng: random.Random, abnormal: bool) -> tuple[list[dict[str, str]], list[dict[str, str]], str]:
    if not abnormal:
        return [{"bacteriaName": "致病菌", "colonyCount": "", "testResult": "未检出"}], [], "正常菌群生长，未检出致病菌。"
    code = rng.choice(sorted(BACTERIA))
    name, drugs = BACTERIA[code]
    count = rng.choice(("10^5 CFU/ml", "10^6 CFU/ml", "3+", "4+"))
    suscept = []
    for _, drug in drugs:
        result = rng.choices(("S", "I", "R"), weights=(6, 1, 3))[0]
        suscept.append({"bacteriaName": name, "drugName": drug, "result": result, "mic": rng.choice(_MIC[result])})
    return [{"bacteriaName": name, "colonyCount": count, "testResult": "检出"}], suscept, f"检出{name}，请参考药敏结果。"


def _report_time(now: datetime, days_ago: float, rng: random.Random) -> datetime:
    day = (now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
    at = day + timedelta(seconds=rng.randint(8 * 3600, 18 * 3600))
    return at if at <= now else at - timedelta(days=1)


def foreign_report(person: Person, code: str, *, org: Org, at: datetime, rng: random.Random,
                   abnormal: bool = False, mtu_rec_mark: str = "1") -> dict[str, Any]:  # fmt: skip
    """One report of ``person`` for platform item ``code`` at ``org``, in the admin format of
    ``POST /admin/reports``."""
    is_lab = code in LIS_PANELS
    report_no = f"{'JY' if is_lab else 'JC'}{at:%Y%m%d}{rng.randint(0, 999_999):06d}"
    item_type = "LIS" if is_lab else "PACS"
    base: dict[str, Any] = {
        "reportId": f"{item_type}-{org.code}-{report_no}", "itemType": item_type, "itemCode": code,
        "reportOrgCode": org.code, "reportOrgName": org.name, "reportNo": report_no,
        "reportTime": at.strftime(TIME_FORMAT), "idCardTypeCode": person.id_card_type,
        "idCardValue": person.id_card_value, "patientName": person.name,
        "patientId": f"{org.code[-3:]}{rng.randint(10**7, 10**8 - 1)}", "mtuRecMark": mtu_rec_mark,
        "mtuRecLimitMark": "1", "diagName": rng.choice(DIAGNOSES),
    }  # fmt: skip
    if is_lab:
        panel = LIS_PANELS[code]
        base.update(itemName=panel.name, reportName=panel.name, specimenName=panel.specimen)
        if panel.microbe:
            bacteria, suscept, conclusion = _culture(rng, abnormal)
            base.update(items=[], bacteria=bacteria, susceptibility=suscept, conclusion=conclusion)
        else:
            base.update(items=_lab_items(panel, rng, abnormal), bacteria=[], susceptibility=[])
        return base
    exam = PACS_EXAMS[code]
    findings, conclusion = rng.choice(exam.abnormal) if abnormal else exam.normal
    base.update(itemName=exam.name, reportName=exam.name, findings=findings, conclusion=conclusion,
                abnormal=abnormal, items=[], bacteria=[], susceptibility=[])  # fmt: skip
    return base


def foreign_reports(persons: Sequence[Person | tuple[str, str, str]], *, now: datetime, seed: int = 0,
                    per_person: int | None = None, orgs: Sequence[Org] = ORGS) -> list[dict[str, Any]]:  # fmt: skip
    """Other hospitals' reports for ``persons`` (``Person`` or ``(idCardTypeCode, idCardValue, name)``), all
    before ``now`` (naive, Asia/Shanghai), deterministic by ``seed``: the same inputs give the same reports.

    Each person gets ``per_person`` reports (default 4–7): a recent 血常规 and 胸部CT平扫 (≤ 30 days), then items
    drawn from the whole catalogue up to 150 days back; about a third abnormal, one in ten not 互认
    (never the first two).
    """
    catalogue = sorted(LIS_PANELS) + sorted(PACS_EXAMS)
    out: list[dict[str, Any]] = []
    for p in persons:
        person = p if isinstance(p, Person) else Person(*p)
        rng = random.Random(f"{seed}:{person.id_card_type}:{person.id_card_value}")
        n = per_person if per_person is not None else rng.randint(4, 7)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 100:
            raise ValueError(f"perPerson应为0–100的整数，收到{n!r}")
        plan = ["L0001", "E0001"] + [rng.choice(catalogue) for _ in range(max(0, n - 2))]
        for k, code in enumerate(plan[:n]):
            days_ago = rng.uniform(1, 30) if k < 2 else rng.uniform(1, 150)
            mark = "1" if k < 2 or rng.random() >= 0.1 else "0"
            out.append(foreign_report(person, code, org=rng.choice(list(orgs)), at=_report_time(now, days_ago, rng),
                                      rng=rng, abnormal=rng.random() < 0.35, mtu_rec_mark=mark))  # fmt: skip
    return out


# ------------------------------------------------------------------------------------------- our rows

_US = {"OrgCode": OUR_ORG.code, "OrgName": OUR_ORG.name, "UpdateTime": "2025-06-14 10:05:00"}
_PATIENT = {"PatientId": "P001", "PatientName": "测试甲", "GenderCode": "1", "BirthDate": "1990-01-01",
            "IdCardTypeCode": "01", "IdCardValue": "360102199001010011"}  # fmt: skip
_CHILD = {"ReportBusinessNo": "LR0001", "TestReportNo": "JY202506140001", "OrgCode": OUR_ORG.code,
          "UpdateTime": "2025-06-14 10:05:00"}  # fmt: skip

ROWS: dict[str, dict[str, Any]] = {
    "uploadLabReport": {
        "BusinessNo": "LR0001", **_PATIENT, "GenderName": "男", "IdCardTypeName": "居民身份证",
        "DiagTypeCode": "1", "DiagTypeName": "门诊", "DiagNo": "GH20250614001", "PatNo": "MZ0001",
        "OrderRecFormNo": "SQ20250614001", "ApplicationTime": "2025-06-14 08:30:00", "ApplDoctNo": "D001",
        "ApplDoctName": "医生乙", "TestApplyDepartCode": "0301", "TestApplyDepartName": "呼吸内科门诊",
        "SpecimenNo": "BB20250614001", "SpecimenName": "全血", "SampleTime": "2025-06-14 08:40:00",
        "AcceptSampleTime": "2025-06-14 08:50:00", "TestRecTime": "2025-06-14 09:10:00", "TestDoctNo": "L001",
        "TestDoctName": "检验师丙", "AuditDoctNo": "L002", "AuditDoctName": "检验师丁",
        "TestAuditTime": "2025-06-14 09:55:00", "ReportDoctNo": "L001", "ReportDoctName": "检验师丙",
        "TestReportNo": "JY202506140001", "TestReportDate": "2025-06-14 10:00:00",
        "TestReportDepartCode": "1201", "TestReportDepartName": "检验科", "TestProjCategoryCode": "01",
        "TestProjCategoryName": "临床血液", "ReportClinialDiag": "上呼吸道感染", "MicrobeTestMark": "0",
        "DataCode": "L0001", "DataName": "血常规", "MtuRecMark": "1", "MtuRecLimitMark": "1",
        "BusinessGenerTime": "2025-06-14 10:00:00", **_US,
    },
    "uploadLabIndicator": {
        "BusinessNo": "LI0001", **_CHILD, "ExamItemCode": "WBC", "ExamItemName": "白细胞计数",
        "TestProjCodeExp": "H-WBC", "TestProjNameExp": "白细胞", "TestIndexResult": "12.60",
        "TestIndexUnit": "×10^9/L", "NormalRefLimit": "3.50-9.50", "AnomalyCode": "H", "AnomalyName": "偏高",
        "CriticalSign": "0", "LoincCode": "6690-2", "DataCode": "L0001", "DataName": "血常规", "MtuRecMark": "1",
    },
    "uploadMicrobeBacteria": {
        "BusinessNo": "MB0001", **_CHILD, "BacteriaId": "KPN", "BacteriaName": "肺炎克雷伯菌",
        "ColonyCount": "10^5 CFU/ml", "TestResult": "检出",
    },
    "uploadMicrobeSuscept": {
        "BusinessNo": "MS0001", **_CHILD, "BacteriaId": "KPN", "BacteriaName": "肺炎克雷伯菌",
        "DrugSusceptibleNo": "CRO", "DrugSusceptibleName": "头孢曲松", "DrugSusceptibilityCode": "R",
        "DrugSusceptibilityName": "耐药", "BacteriostaticConcentrate": "≥64", "ReferenceValue": "≤1",
    },
    "uploadExamReport": {
        "BusinessNo": "ER0001", **_PATIENT, "DiagTypeCode": "1", "DiagNo": "GH20250614001", "PatNo": "MZ0001",
        "OrderRecFormNo": "SQ20250614002", "ApplyTime": "2025-06-14 08:35:00", "CheckApplyDepartNo": "0301",
        "CheckApplyDepartName": "呼吸内科门诊", "ApplDoctNo": "D001", "ApplDoctName": "医生乙",
        "CheckRecNo": "CT20250614001", "CheckTypeCode": "CT", "CheckTypeName": "CT", "CheckProjCode": "E0001",
        "CheckProjName": "胸部CT平扫", "CheckProjCodeExp": "CT-XB-01", "CheckProjNameExp": "胸部CT平扫(64排)",
        "CheckPartName": "胸部", "CheckMethodName": "平扫",
        "CheckResObj": "右肺上叶尖段见一磨玻璃密度结节，直径约6mm。", "CheckResSub": "右肺上叶磨玻璃结节，建议随访。",
        "CheckResCode": "2", "ImageExistMark": "1", "CheckDoctNo": "R001", "CheckDoctName": "技师戊",
        "AuditDoctNo": "R002", "AuditDoctName": "医生己", "CheckAuditTime": "2025-06-14 11:20:00",
        "ReportDoctNo": "R003", "ReportDoctName": "医生庚", "CheckReportNo": "JC202506140001",
        "CheckReportDate": "2025-06-14 11:30:00", "CheckReportDepartCode": "1301",
        "CheckReportDepartName": "放射科", "DataCode": "E0001", "DataName": "胸部CT平扫", "MtuRecMark": "1",
        "MtuRecLimitMark": "1", "BusinessGenerTime": "2025-06-14 11:30:00", **_US,
    },
    "uploadAppointment": {
        "BusinessNo": "AP0001", "PatientId": "P001", "PatientName": "测试甲", "IdCardTypeCode": "01",
        "IdCardValue": "360102199001010011", "AppointType": "2", "DeptCode": "1301", "DeptName": "放射科",
        "DoctNo": "R003", "DoctName": "医生庚", "ItemCode": "E0001", "ItemName": "胸部CT平扫",
        "AppointDate": "2025-06-16", "AppointStartTime": "2025-06-16 09:00:00",
        "AppointEndTime": "2025-06-16 09:30:00", "AppointChannel": "5", "AppointStatus": "1",
        "AppointTime": "2025-06-14 08:36:00", **_US,
    },
    "uploadRegistration": {
        "BusinessNo": "GH20250614001", **_PATIENT, "DiagTypeCode": "1", "PatNo": "MZ0001", "DeptCode": "0301",
        "DeptName": "呼吸内科门诊", "DoctNo": "D001", "DoctName": "医生乙", "RegTypeCode": "2",
        "RegTypeName": "专家", "VisitDate": "2025-06-14", "RegTime": "2025-06-14 08:10:00", "AppointMark": "0",
        "RegStatus": "1", **_US,
    },
}  # fmt: skip

#: the report the sample records point at: seed it with :data:`SAMPLE_REPORT` first when that matters
SAMPLE_REPORT_ID = "LIS-360000001-JY20250601000123"
SAMPLE_REPORT: dict[str, Any] = {
    "reportId": SAMPLE_REPORT_ID, "itemType": "LIS", "itemCode": "L0001", "itemName": "血常规",
    "reportOrgCode": "360000001", "reportOrgName": "江西省人民医院", "reportNo": "JY20250601000123",
    "reportTime": "2025-06-01 09:30:00", "idCardTypeCode": "01", "idCardValue": "360102199001010011",
    "patientName": "测试甲", "specimenName": "全血", "diagName": "上呼吸道感染",
    "items": [
        {"itemCode": "WBC", "itemName": "白细胞计数", "result": "11.20", "unit": "×10^9/L", "refRange": "3.50-9.50",
         "abnormalFlag": "H"},
        {"itemCode": "HGB", "itemName": "血红蛋白", "result": "142", "unit": "g/L", "refRange": "130-175",
         "abnormalFlag": "N"},
    ],
}  # fmt: skip

_VISIT = {"patientId": "P001", "GHId": "GH20250614001", "itemType": "LIS", "itemCode": "L0001"}
_REPORT = {"reportOrgCode": "360000001", "reportOrgName": "江西省人民医院", "reportNo": "JY20250601000123",
           "reportName": "血常规", "reportTime": "2025-06-01 09:30:00"}  # fmt: skip

RECORDS: dict[str, dict[str, Any]] = {
    "uploadReminderRecords": {
        **_VISIT, **_REPORT, "operateTime": "2025-06-14 08:20:00", "remindId": "0f8fad5bd9cb469fa16570867728950e",
        "searchType": 1, "operateType": "1", "reportId": SAMPLE_REPORT_ID, "DoctorId": "D001", "OrderId": "",
    },
    "uploadRecognitionRecord": {
        **_VISIT, **_REPORT, "mrId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "idCardTypeCode": "01",
        "operateTime": "2025-06-14 08:25:00", "recognise": "0", "reasonCode": "01",
        "reasonName": "病情变化、结果与临床不符", "crossFlag": "0", "reportId": SAMPLE_REPORT_ID, "DoctorId": "D001",
    },
    "uploadRetrievalRecord": {
        **_VISIT, **_REPORT, "viewTime": "2025-06-14 08:22:00", "operateTime": "2025-06-14 08:22:05",
        "idCardTypeCode": "01", "SearchType": "1", "businessNo": "JY20250601000123",
        "reviewId": "3f2504e04f8941d39a0c0305e82c3301", "crossFlag": "0", "DoctorId": "D001", "OrderId": "",
        "ReportId": SAMPLE_REPORT_ID,
    },
    "uploadQuoteLog": {
        **_VISIT, "reportId": SAMPLE_REPORT_ID, "clientType": "2", "idCardTypeCode": "01", "doctorId": "D001",
        "quoteId": "9b2d6f0a1c3e4b5d8e7f6a5b4c3d2e1f", **_REPORT, "businessNo": "JY20250601000123",
        "operateTime": "2025-06-14 08:30:00", "microbiaMark": "0",
    },
    "revokeNonRecognition": {
        **_VISIT, "reportId": SAMPLE_REPORT_ID, "clientType": "2", "idCardTypeCode": "01", "doctorId": "D001",
    },
}  # fmt: skip


def _with(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides``; an override of ``None`` removes the key (to test a missing field)."""
    out = copy.deepcopy(dict(base))
    for k, v in overrides.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def row(op: str, **overrides: Any) -> dict[str, Any]:
    """A valid row of upload ``op`` from our hospital; ``Field=None`` leaves a field out."""
    return _with(ROWS[op], overrides)


def record(op: str, **overrides: Any) -> dict[str, Any]:
    """A valid element (array operations) or body (object operations) of record ``op``."""
    return _with(RECORDS[op], overrides)
