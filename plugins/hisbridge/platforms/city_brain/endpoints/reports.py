"""Report endpoints: 检查检验报告确认查询 (``reportConfirmations``), 检查信息查询 (``examReports``) and 检验信息查询
(``labReports``) — that a report is out (the "报告已出" reminder), and the reports themselves with their items or
results.

A corrected report (revision > 1) is answered as it now reads, with ``reportStatus`` 2; a withdrawn one stays in the
answers with ``reportStatus`` 9 so that the city brain can take back what it showed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hisbridge.platforms.city_brain.catalogue import Child, Endpoint
from hisbridge.platforms.city_brain.endpoints.registration import (
    VISIT_TYPE,
    Flag,
    VisitType,
    patient_id_param,
)
from hisbridge.platforms.city_brain.fields import DateRange, DateTimeText, Paging, WireModel

TITLE = "检查检验报告"

ReportStatus = Literal["1", "2", "9"]
REPORT_STATUS = "报告状态：1 已出报告、2 已更正（修订版）、9 已撤回"
ABNORMAL = "有异常结果：1 是、0 否"


class _ReportsQuery(Paging, DateRange):
    patient_id: str = patient_id_param()


# -- reportConfirmations -----------------------------------------------------------------------------------------
class ReportConfirmationsQuery(_ReportsQuery):
    """按报告时间（更正的报告为更正时间）查询一位病人的检验、检查报告。"""


class ReportConfirmation(WireModel):
    report_id: str = Field(description="报告ID")
    report_kind: Literal["1", "2"] = Field(description="报告类别：1 检验、2 检查")
    report_no: str = Field(description="报告单号")
    apply_no: str = Field(description="申请单号")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    visit_id: str | None = Field(None, description="就诊ID（门急诊挂号ID或住院号）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊）")
    adm_id: str | None = Field(None, description="住院号（住院）")
    item_name: str | None = Field(None, description="项目名称（检验组合或检查项目）")
    report_time: DateTimeText = Field(description="报告时间（更正的报告为更正时间）")
    report_dept_code: str = Field(description="报告科室代码")
    report_dept_name: str | None = Field(None, description="报告科室名称")
    report_doctor_code: str | None = Field(None, description="报告医生工号（检验为审核者）")
    report_doctor_name: str | None = Field(None, description="报告医生姓名")
    report_status: ReportStatus = Field(description=REPORT_STATUS)
    revision: int = Field(description="报告版本号（1 起，每次更正加 1）")
    abnormal_flag: Flag = Field(description=ABNORMAL)


# -- examReports -------------------------------------------------------------------------------------------------
class ExamReportsQuery(_ReportsQuery):
    """按报告时间查询一位病人的检查报告（CT、DR、磁共振、超声、病理）。"""


class ExamItem(WireModel):
    seq_no: int = Field(description="序号")
    item_code: str = Field(description="检查项目代码（HIS）")
    item_name: str = Field(description="检查项目名称")
    result_flag: Literal["N", "A", "U"] | None = Field(None, description="检查结果：N 未见异常、A 异常、U 不确定")
    quant_value: str | None = Field(None, description="测量值（如病灶大小）")
    quant_unit: str | None = Field(None, description="测量单位")


class ExamReport(WireModel):
    report_id: str = Field(description="报告ID")
    report_no: str = Field(description="报告单号（检查号）")
    apply_no: str = Field(description="申请单号")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    visit_id: str | None = Field(None, description="就诊ID（门急诊挂号ID或住院号）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊）")
    adm_id: str | None = Field(None, description="住院号（住院）")
    exam_type: str = Field(description="检查类别代码（HIS：CT、DR 数字X线摄影、MR 磁共振、US 超声、BL 病理）")
    exam_type_name: str | None = Field(None, description="检查类别名称")
    exam_part: str | None = Field(None, description="检查部位")
    exam_time: DateTimeText = Field(description="检查时间")
    findings: str | None = Field(None, description="检查所见")
    conclusion: str | None = Field(None, description="诊断意见")
    report_time: DateTimeText = Field(description="报告时间（更正的报告为更正时间）")
    apply_dept_code: str = Field(description="申请科室代码")
    apply_dept_name: str | None = Field(None, description="申请科室名称")
    apply_doctor_code: str | None = Field(None, description="申请医生工号")
    apply_doctor_name: str | None = Field(None, description="申请医生姓名")
    report_dept_code: str = Field(description="报告科室代码")
    report_dept_name: str | None = Field(None, description="报告科室名称")
    report_doctor_code: str = Field(description="报告医生工号")
    report_doctor_name: str | None = Field(None, description="报告医生姓名")
    audit_doctor_code: str | None = Field(None, description="审核医生工号")
    audit_doctor_name: str | None = Field(None, description="审核医生姓名")
    report_status: ReportStatus = Field(description=REPORT_STATUS)
    revision: int = Field(description="报告版本号")
    abnormal_flag: Flag = Field(description=ABNORMAL)
    items: list[ExamItem] = Field(default_factory=list, description="检查项目及结果")


# -- labReports --------------------------------------------------------------------------------------------------
class LabReportsQuery(_ReportsQuery):
    """按报告时间查询一位病人的检验报告（含微生物培养及药敏）。"""


class LabResult(WireModel):
    seq_no: int = Field(description="序号")
    item_code: str = Field(description="检验项目代码（LIS；药敏为抗菌药物代码）")
    item_name: str = Field(description="检验项目名称")
    result_kind: Literal["N", "Q", "G", "A"] = Field(description="结果类型：N 定量、Q 定性、G 培养菌株、A 药敏")
    quant_value: str | None = Field(None, description="定量结果（药敏为 MIC）")
    unit: str | None = Field(None, description="单位")
    ref_low: str | None = Field(None, description="参考范围下限")
    ref_high: str | None = Field(None, description="参考范围上限")
    abn_flag: Literal["N", "H", "L"] | None = Field(None, description="结果提示：N 正常、H 偏高、L 偏低（定量结果）")
    qual_result: str | None = Field(None, description="定性结果（阴性、阳性、检出 …；药敏为 S 敏感、I 中介、R 耐药）")
    germ_code: str | None = Field(None, description="细菌代码（培养及药敏）")
    germ_name: str | None = Field(None, description="细菌名称")
    test_time: DateTimeText | None = Field(None, description="检测时间")


class LabReport(WireModel):
    report_id: str = Field(description="报告ID")
    report_no: str = Field(description="报告单号")
    apply_no: str = Field(description="申请单号")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    visit_id: str | None = Field(None, description="就诊ID（门急诊挂号ID或住院号）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊）")
    adm_id: str | None = Field(None, description="住院号（住院）")
    panel_code: str = Field(description="检验组合代码（LIS）")
    panel_name: str = Field(description="检验组合名称")
    micro_flag: Flag = Field(description="微生物检验（培养及药敏）：1 是、0 否")
    specimen_no: str = Field(description="标本条码")
    specimen_type: str = Field(description="标本类型代码（HIS：BLD 全血、SER 血清、URN 尿液 …）")
    specimen_name: str | None = Field(None, description="标本类型名称")
    sample_time: DateTimeText = Field(description="采样时间")
    receive_time: DateTimeText | None = Field(None, description="标本接收时间")
    report_time: DateTimeText = Field(description="报告时间（更正的报告为更正时间）")
    apply_dept_code: str = Field(description="申请科室代码")
    apply_dept_name: str | None = Field(None, description="申请科室名称")
    apply_doctor_code: str | None = Field(None, description="申请医生工号")
    apply_doctor_name: str | None = Field(None, description="申请医生姓名")
    report_dept_code: str = Field(description="报告科室代码")
    report_dept_name: str | None = Field(None, description="报告科室名称")
    test_doctor_code: str | None = Field(None, description="检验者工号")
    test_doctor_name: str | None = Field(None, description="检验者姓名")
    audit_doctor_code: str = Field(description="审核者工号")
    audit_doctor_name: str | None = Field(None, description="审核者姓名")
    conclusion: str | None = Field(None, description="结论/提示")
    remark: str | None = Field(None, description="备注（更正说明等）")
    report_status: ReportStatus = Field(description=REPORT_STATUS)
    revision: int = Field(description="报告版本号")
    abnormal_flag: Flag = Field(description=ABNORMAL)
    results: list[LabResult] = Field(default_factory=list, description="检验结果")


ENDPOINTS: list[Endpoint] = [
    Endpoint("reportConfirmations", "检查检验报告确认查询", ReportConfirmationsQuery, ReportConfirmation,
             "city_brain/report_confirmations.sql", order_by=("report_time", "report_id"),
             description="一位病人在日期范围内出具（或更正）的检验、检查报告：已出报告、是否有异常结果，供“报告已出”提醒；"
                         "报告内容见检验信息查询、检查信息查询。来自 HIS 检验报告（lab_report）与检查报告（exam_report）。"),
    Endpoint("examReports", "检查信息查询", ExamReportsQuery, ExamReport, "city_brain/exam_reports.sql",
             order_by=("report_time", "report_id"),
             children=(Child("items", "city_brain/exam_report_items.sql", ExamItem),),
             description="一位病人在日期范围内的检查报告（按报告时间）及检查所见、诊断意见和各检查项目结果。"
                         "来自 HIS 检查报告（exam_report、exam_report_item）。"),
    Endpoint("labReports", "检验信息查询", LabReportsQuery, LabReport, "city_brain/lab_reports.sql",
             order_by=("report_time", "report_id"),
             children=(Child("results", "city_brain/lab_results.sql", LabResult),),
             description="一位病人在日期范围内的检验报告（按报告时间）及各项结果（定量、定性、培养菌株与药敏）。"
                         "来自 HIS 检验报告（lab_report）与检验结果（lab_result）。"),
]
