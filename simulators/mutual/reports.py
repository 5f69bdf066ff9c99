"""The platform's searchable reports: what a reminder lists and ``getReport`` details.

A :class:`Report` comes from one of two places:

* **seeded** — another hospital's report, posted whole to ``POST /admin/reports`` (or
  :meth:`SimState.add_reports <simulators.mutual.state.SimState.add_reports>`; :mod:`simulators.mutual.samples`
  generates realistic ones) in the admin format checked by :data:`ADMIN_REPORT`;
* **uploaded** — built on every query from the rows an org uploaded: a ``labReport`` row with its
  ``labIndicator`` / ``microbeBacteria`` / ``microbeSuscept`` children is one LIS report, an ``examReport`` row
  one PACS report. It is searchable by *other* orgs the moment it is accepted, changes with every upsert and
  disappears with ``deleteData``. Its ``reportId`` is ``<itemType>-<OrgCode>-<BusinessNo>``.

``resultSummary`` and ``abnormal`` are computed unless a seeded report gives them: LIS from the abnormal items
(``WBC 12.6 ×10^9/L↑``) and the bacteria found, PACS from the conclusion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulators.mutual import spec

SUMMARY_MAX = 200
_ARROWS = {"H": "↑", "L": "↓", "A": "(异常)"}

_f = spec._f  # the same field notation as the platform's tables

#: the admin format of one seeded report (``POST /admin/reports``); same names as the getReport answer
ADMIN_REPORT = spec.Table("adminReport", "模拟报告", fields=(
    _f("reportId", "报告ID(缺省时生成)", "id"),
    _f("itemType*", "项目类型", "code", "item_type"),
    _f("itemCode*", "平台项目代码", "code"),
    _f("itemName*", "平台项目名称", "name"),
    _f("reportOrgCode*", "报告机构代码", "code"),
    _f("reportOrgName*", "报告机构名称", "name"),
    _f("reportNo*", "报告单号", "code"),
    _f("reportName", "报告名称(缺省为项目名称)", "name"),
    _f("reportTime*", "报告时间", "dt"),
    _f("idCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
    _f("idCardValue*", "身份证件号码", "code", pii=True),
    _f("patientName*", "患者姓名", "name", pii=True),
    _f("patientId", "报告机构患者ID", "code"),
    _f("mtuRecMark", "是否互认项目(缺省1)", "code", "yes_no"),
    _f("mtuRecLimitMark", "互认范围(缺省1)", "code", "mtu_limit"),
    _f("specimenName", "标本名称", "name"),
    _f("diagName", "临床诊断", "text"),
    _f("findings", "检查所见", "text"),
    _f("conclusion", "结论", "text"),
    _f("resultSummary", "结果摘要(缺省时计算)", "text"),
    spec.Field("abnormal", "是否异常(缺省时计算)", "code"),  # a boolean: checked in :func:`from_admin_json`
    spec.Field("items", "检验指标", "code"),
    spec.Field("bacteria", "细菌结果", "code"),
    spec.Field("susceptibility", "药敏结果", "code"),
))  # fmt: skip
_NESTED = {"abnormal", "items", "bacteria", "susceptibility"}
ADMIN_ITEM = spec.Table("adminReportItem", "检验指标", fields=(
    _f("itemCode*", "指标代码", "code"), _f("itemName*", "指标名称", "name"), _f("result*", "结果", "text"),
    _f("unit", "单位", "code"), _f("refRange", "参考范围", "name"), _f("abnormalFlag", "异常标识", "code", "anomaly"),
))  # fmt: skip
ADMIN_BACTERIA = spec.Table("adminReportBacteria", "细菌结果", fields=(
    _f("bacteriaName*", "细菌名称", "name"), _f("colonyCount", "菌落计数", "name"),
    _f("testResult*", "检出结果", "code", "bacteria_result"),
))  # fmt: skip
ADMIN_SUSCEPT = spec.Table("adminReportSuscept", "药敏结果", fields=(
    _f("bacteriaName*", "细菌名称", "name"), _f("drugName*", "抗菌药物名称", "name"),
    _f("result*", "药敏结果", "code", "susceptibility"), _f("mic", "MIC", "code"),
))  # fmt: skip


class ReportError(ValueError):
    """A seeded report the simulator cannot take (the message names the field)."""


@dataclass
class Report:
    report_id: str
    item_type: str  # LIS | PACS
    item_code: str
    item_name: str
    org_code: str
    org_name: str
    report_no: str
    report_name: str
    report_time: str  # yyyy-MM-dd HH:mm:ss, Asia/Shanghai
    id_card_type: str
    id_card_value: str
    patient_name: str
    patient_id: str = ""
    mtu_rec_mark: str = "1"
    mtu_rec_limit_mark: str = "1"
    specimen_name: str = ""
    diag_name: str = ""
    findings: str = ""
    conclusion: str = ""
    items: list[dict[str, str]] = field(default_factory=list)
    bacteria: list[dict[str, str]] = field(default_factory=list)
    susceptibility: list[dict[str, str]] = field(default_factory=list)
    result_summary: str | None = None  # None: computed
    abnormal: bool | None = None  # None: computed
    source: str = "seeded"  # seeded | uploaded
    business_no: str | None = None  # uploaded: the report row's BusinessNo

    @property
    def person(self) -> tuple[str, str]:
        return self.id_card_type, self.id_card_value

    def is_abnormal(self) -> bool:
        if self.abnormal is not None:
            return self.abnormal
        return any(i.get("abnormalFlag") in _ARROWS for i in self.items) or any(
            b.get("testResult") == "检出" for b in self.bacteria
        )

    def summary_text(self) -> str:
        if self.result_summary is not None:
            return self.result_summary
        return compute_summary(self)

    def summary_json(self) -> dict[str, Any]:
        """One reminder (queryReminders ``data[]``)."""
        return {
            "reportId": self.report_id, "itemType": self.item_type, "itemCode": self.item_code,
            "itemName": self.item_name, "reportOrgCode": self.org_code, "reportOrgName": self.org_name,
            "reportNo": self.report_no, "reportName": self.report_name, "reportTime": self.report_time,
            "resultSummary": self.summary_text(), "abnormal": self.is_abnormal(), "mtuRecMark": self.mtu_rec_mark,
            "mtuRecLimitMark": self.mtu_rec_limit_mark,
        }  # fmt: skip

    def detail_json(self) -> dict[str, Any]:
        """The getReport ``data``."""
        return {
            **self.summary_json(), "patientName": self.patient_name, "specimenName": self.specimen_name,
            "diagName": self.diag_name, "findings": self.findings, "conclusion": self.conclusion,
            "items": [dict(i) for i in self.items], "bacteria": [dict(b) for b in self.bacteria],
            "susceptibility": [dict(s) for s in self.susceptibility],
        }  # fmt: skip

    def admin_json(self) -> dict[str, Any]:
        """The detail plus what only the simulator knows (``GET /admin/reports``)."""
        return {**self.detail_json(), "idCardTypeCode": self.id_card_type, "idCardValue": self.id_card_value,
                "patientId": self.patient_id, "source": self.source, "businessNo": self.business_no}  # fmt: skip


def _clip(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def compute_summary(report: Report) -> str:
    """What a doctor reads in the reminder list: abnormal findings first, or that everything is normal."""
    if report.item_type == "PACS":
        return _clip((report.conclusion or report.findings).strip().replace("\n", " "))
    parts: list[str] = []
    found = [b for b in report.bacteria if b.get("testResult") == "检出"]
    if found:
        parts.append("检出: " + "、".join(
            b["bacteriaName"] + (f"({b['colonyCount']})" if b.get("colonyCount") else "") for b in found))  # fmt: skip
    elif report.bacteria:
        parts.append("未检出致病菌")
    abnormal = [i for i in report.items if i.get("abnormalFlag") in _ARROWS]
    for i in abnormal:
        unit = f" {i['unit']}" if i.get("unit") else ""
        parts.append(f"{i['itemName']} {i['result']}{unit}{_ARROWS[i['abnormalFlag']]}")
    if report.items and not abnormal:
        parts.append(f"{len(report.items)}项指标均在参考范围内")
    if not parts:
        parts.append(report.conclusion or "无结果")
    return _clip("；".join(parts))


# ------------------------------------------------------------------------------------------------ from uploads


def report_id(item_type: str, org: str, business_no: str) -> str:
    return f"{item_type}-{org}-{business_no}"


def from_lab_rows(row: Mapping[str, Any], children: Sequence[tuple[str, Mapping[str, Any]]]) -> Report:
    """An uploaded labReport row with its live children ``(dataType, row)`` in upload order."""
    items, bacteria, suscept = [], [], []
    for data_type, child in children:
        if data_type == "labIndicator":
            items.append({"itemCode": child["ExamItemCode"], "itemName": child["ExamItemName"],
                          "result": child["TestIndexResult"], "unit": child.get("TestIndexUnit") or "",
                          "refRange": child.get("NormalRefLimit") or "",
                          "abnormalFlag": child.get("AnomalyCode") or ""})  # fmt: skip
        elif data_type == "microbeBacteria":
            bacteria.append({"bacteriaName": child["BacteriaName"], "colonyCount": child.get("ColonyCount") or "",
                             "testResult": child["TestResult"]})  # fmt: skip
        elif data_type == "microbeSuscept":
            suscept.append({"bacteriaName": child["BacteriaName"], "drugName": child["DrugSusceptibleName"],
                            "result": child["DrugSusceptibilityCode"],
                            "mic": child.get("BacteriostaticConcentrate") or ""})  # fmt: skip
    return Report(
        report_id=report_id("LIS", row["OrgCode"], row["BusinessNo"]), item_type="LIS", item_code=row["DataCode"],
        item_name=row["DataName"], org_code=row["OrgCode"], org_name=row["OrgName"], report_no=row["TestReportNo"],
        report_name=row["DataName"], report_time=row["TestReportDate"], id_card_type=row["IdCardTypeCode"],
        id_card_value=row["IdCardValue"], patient_name=row["PatientName"], patient_id=row["PatientId"],
        mtu_rec_mark=row["MtuRecMark"], mtu_rec_limit_mark=row["MtuRecLimitMark"],
        specimen_name=row["SpecimenName"], diag_name=row.get("ReportClinialDiag") or "",
        conclusion=row.get("TestReportComment") or "", items=items, bacteria=bacteria, susceptibility=suscept,
        source="uploaded", business_no=row["BusinessNo"],
    )  # fmt: skip


def from_exam_row(row: Mapping[str, Any]) -> Report:
    """An uploaded examReport row (one exam item per row)."""
    return Report(
        report_id=report_id("PACS", row["OrgCode"], row["BusinessNo"]), item_type="PACS",
        item_code=row["DataCode"], item_name=row["DataName"], org_code=row["OrgCode"], org_name=row["OrgName"],
        report_no=row["CheckReportNo"], report_name=row["DataName"], report_time=row["CheckReportDate"],
        id_card_type=row["IdCardTypeCode"], id_card_value=row["IdCardValue"], patient_name=row["PatientName"],
        patient_id=row["PatientId"], mtu_rec_mark=row["MtuRecMark"], mtu_rec_limit_mark=row["MtuRecLimitMark"],
        findings=row["CheckResObj"], conclusion=row["CheckResSub"], abnormal=row.get("CheckResCode") == "2",
        source="uploaded", business_no=row["BusinessNo"],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------ seeded


def _nested(data: Mapping[str, Any], key: str, table: spec.Table) -> list[dict[str, str]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportError(f"字段[{key}]应为数组")
    out = []
    for i, entry in enumerate(value):
        problems = spec.check(table, entry)
        if problems:
            raise ReportError(f"{key}第{i + 1}条: {spec.summarise(problems)}")
        out.append({f.name: entry.get(f.name) or "" for f in table.fields})
    return out


def from_admin_json(data: Any, *, default_id: str) -> Report:
    """A seeded report from its admin JSON; raises :class:`ReportError` naming the field."""
    if not isinstance(data, Mapping):
        raise ReportError("报告应为JSON对象")
    flat = {k: v for k, v in data.items() if k not in _NESTED}
    problems = spec.check(ADMIN_REPORT, flat)
    if problems:
        raise ReportError(spec.summarise(problems))
    abnormal = data.get("abnormal")
    if abnormal is not None and not isinstance(abnormal, bool):
        raise ReportError("字段[abnormal]应为true/false")
    return Report(
        report_id=data.get("reportId") or default_id, item_type=data["itemType"], item_code=data["itemCode"],
        item_name=data["itemName"], org_code=data["reportOrgCode"], org_name=data["reportOrgName"],
        report_no=data["reportNo"], report_name=data.get("reportName") or data["itemName"],
        report_time=data["reportTime"], id_card_type=data["idCardTypeCode"], id_card_value=data["idCardValue"],
        patient_name=data["patientName"], patient_id=data.get("patientId") or "",
        mtu_rec_mark=data.get("mtuRecMark") or "1", mtu_rec_limit_mark=data.get("mtuRecLimitMark") or "1",
        specimen_name=data.get("specimenName") or "", diag_name=data.get("diagName") or "",
        findings=data.get("findings") or "", conclusion=data.get("conclusion") or "",
        items=_nested(data, "items", ADMIN_ITEM), bacteria=_nested(data, "bacteria", ADMIN_BACTERIA),
        susceptibility=_nested(data, "susceptibility", ADMIN_SUSCEPT),
        result_summary=data.get("resultSummary"), abnormal=abnormal, source="seeded",
    )  # fmt: skip
