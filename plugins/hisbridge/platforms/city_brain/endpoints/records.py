"""Medical-record endpoints: 病历列表 (``medicalRecords``), 病历详情 (``medicalRecordDetail``) and 过敏史查询
(``allergies``).

A clinical document is named by its type and id: 01 门（急）诊病历, 02 急诊留观记录, 03 入院记录, 04 首次病程记录,
05 日常病程记录, 06 出院记录. The detail has one shape for every type (a section the type lacks is empty), so that the
city brain shows any of them with one template. A document's text is clinical, not identifying: the HIS writes
no name, ID number or phone into it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hisbridge.platforms.city_brain.catalogue import Endpoint
from hisbridge.platforms.city_brain.endpoints.registration import VISIT_TYPE, VisitType, patient_id_param
from hisbridge.platforms.city_brain.fields import DateRange, DateTimeText, Paging, WireModel

TITLE = "病历与过敏史"

RecordType = Literal["01", "02", "03", "04", "05", "06"]
RECORD_TYPE = "病历类型：01 门（急）诊病历、02 急诊留观记录、03 入院记录、04 首次病程记录、05 日常病程记录、06 出院记录"
RECORD_STATUS = "病历状态：1 已签名（有效）、9 已作废"


# -- medicalRecords ----------------------------------------------------------------------------------------------
class MedicalRecordsQuery(Paging, DateRange):
    """按书写时间查询一位病人的病历文书。"""

    patient_id: str = patient_id_param()


class MedicalRecord(WireModel):
    record_type: RecordType = Field(description=RECORD_TYPE)
    record_type_name: str = Field(description="病历类型名称")
    record_id: str = Field(description="病历ID（与 recordType 一起查病历详情）")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    visit_id: str | None = Field(None, description="就诊ID（门急诊挂号ID或住院号）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊）")
    adm_id: str | None = Field(None, description="住院号（住院）")
    record_time: DateTimeText = Field(description="书写时间（门诊病历为就诊时间，留观记录为入观时间）")
    dept_code: str = Field(description="科室代码")
    dept_name: str | None = Field(None, description="科室名称")
    doctor_code: str | None = Field(None, description="书写医生工号")
    doctor_name: str | None = Field(None, description="书写医生姓名")
    diag_names: str | None = Field(None, description="文书所列诊断（逗号分隔）")
    record_status: Literal["1", "9"] = Field(description=RECORD_STATUS)
    revision: int = Field(description="版本号（签名为 1，之后每次修改加 1）")


# -- medicalRecordDetail -----------------------------------------------------------------------------------------
class MedicalRecordDetailQuery(WireModel):
    record_type: RecordType = Field(description=RECORD_TYPE)
    record_id: str = Field(min_length=1, max_length=24, description="病历ID（病历列表的 recordId）")


class MedicalRecordDetail(WireModel):
    record_type: RecordType = Field(description=RECORD_TYPE)
    record_type_name: str = Field(description="病历类型名称")
    record_id: str = Field(description="病历ID")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    visit_id: str | None = Field(None, description="就诊ID（门急诊挂号ID或住院号）")
    record_time: DateTimeText = Field(description="书写时间")
    dept_code: str = Field(description="科室代码")
    dept_name: str | None = Field(None, description="科室名称")
    doctor_code: str | None = Field(None, description="书写医生工号")
    doctor_name: str | None = Field(None, description="书写医生姓名")
    chief_complaint: str | None = Field(None, description="主诉")
    present_illness: str | None = Field(None, description="现病史（出院记录为入院情况）")
    past_illness: str | None = Field(None, description="既往史")
    personal_his: str | None = Field(None, description="个人史")
    family_his: str | None = Field(None, description="家族史")
    allergy_his: str | None = Field(None, description="过敏史")
    physical_exam: str | None = Field(None, description="体格检查（出院记录为出院时症状体征）")
    specialty_exam: str | None = Field(None, description="专科情况")
    studies_summary: str | None = Field(None, description="辅助检查")
    diag_codes: str | None = Field(None, description="诊断代码（ICD-10，逗号分隔）")
    diag_names: str | None = Field(None, description="诊断名称（逗号分隔）")
    tcm_diag_name: str | None = Field(None, description="中医病名")
    tcm_syndrome_name: str | None = Field(None, description="中医证候")
    course_text: str | None = Field(None, description="病程经过（留观/日常病程内容、首次病程的病例特点、出院记录的诊疗经过）")
    treatment: str | None = Field(None, description="治则治法")
    advice: str | None = Field(None, description="处理意见（留观为注意事项，病程为诊疗计划或医嘱内容，出院记录为出院医嘱）")
    outcome_desc: str | None = Field(None, description="出院情况（出院记录）")
    sign_time: DateTimeText | None = Field(None, description="签名时间")
    record_status: Literal["1", "9"] = Field(description=RECORD_STATUS)
    revision: int = Field(description="版本号")


# -- allergies ---------------------------------------------------------------------------------------------------
class AllergiesQuery(Paging):
    patient_id: str = patient_id_param()


class Allergy(WireModel):
    allergy_id: str = Field(description="过敏记录ID")
    patient_id: str = Field(description="病人ID（HIS）")
    allergen_type: Literal["1", "2", "3"] = Field(description="过敏原类别：1 药物、2 食物、3 环境及其他")
    allergen_type_name: str = Field(description="过敏原类别名称")
    allergen_code: str | None = Field(None, description="过敏原代码（HIS；按自由文本记录时为空）")
    allergen_name: str = Field(description="过敏原名称（如青霉素、海鲜、花粉）")
    reaction: str | None = Field(None, description="过敏反应（如皮疹、荨麻疹；未记录为空）")
    severity: Literal["1", "2", "3"] | None = Field(None, description="严重程度：1 轻度、2 中度、3 重度（未记录为空）")
    recorded_at: DateTimeText = Field(description="记录时间")
    recorder_code: str | None = Field(None, description="记录医生工号")
    recorder_name: str | None = Field(None, description="记录医生姓名")
    dept_code: str | None = Field(None, description="记录科室代码")
    dept_name: str | None = Field(None, description="记录科室名称")
    allergy_status: Literal["1", "9"] = Field(description="记录状态：1 有效、9 已作废")


ENDPOINTS: list[Endpoint] = [
    Endpoint("medicalRecords", "病历列表", MedicalRecordsQuery, MedicalRecord, "city_brain/medical_records.sql",
             order_by=("record_time", "record_id"),
             description="一位病人在日期范围内书写的病历文书（门急诊病历、留观记录、入院记录、病程记录、出院记录），按书写时间；"
                         "内容见病历详情。来自 HIS 电子病历各文书表。"),
    Endpoint("medicalRecordDetail", "病历详情", MedicalRecordDetailQuery, MedicalRecordDetail,
             "city_brain/medical_record_detail.sql", many=False, max_days=None,
             description="一份病历文书的内容（按病历类型与病历ID）：病史、查体、辅助检查、诊断、病程与处理意见，"
                         "各类型统一格式（该类型没有的部分为空）；没有该文书时答复 2004。来自 HIS 电子病历各文书表。"),
    Endpoint("allergies", "过敏史查询", AllergiesQuery, Allergy, "city_brain/allergies.sql",
             order_by=("recorded_at", "allergy_id"), max_days=None,
             description="一位病人记录在案的过敏史（药物、食物、环境），含已作废的（见 allergyStatus）。"
                         "来自 HIS 过敏史（patient_allergy）。"),
]
