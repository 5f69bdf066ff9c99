"""Directory endpoints: 获取医院科室信息 (``departments``), 获取医院职工信息 (``staff``) and 个人档案查询
(``patientProfile``) — the hospital's departments and staff, and one patient's file.

The staff answer never carries a staff member's ID number or phone (the HIS keeps both; the SQL does not read
them). The patient's file is personal data by nature: its personal fields are flagged ``PII`` (masked in the
journal, marked in the docs).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hisbridge.platforms.city_brain.catalogue import Endpoint
from hisbridge.platforms.city_brain.fields import PII, DateText, DateTimeText, Paging, WireModel

TITLE = "科室、职工与个人档案"
Status = Literal["0", "1"]


# -- departments -----------------------------------------------------------------------------------------------
class DepartmentsQuery(Paging):
    campus: str | None = Field(None, max_length=20, description="院区代码（main 本部、jiulonghu 九龙湖院区；不填为全部）")


class Department(WireModel):
    dept_code: str = Field(description="科室代码（HIS）")
    dept_name: str = Field(description="科室名称")
    dept_type: str = Field(description="科室类别：outpatient 门诊、inpatient 住院、medtech 医技、pharmacy 药房、admin 行政")
    campus: str = Field(description="院区代码")
    area: str | None = Field(None, description="诊区")
    floor: str | None = Field(None, description="楼层")
    status: Status = Field(description="状态：1 在用、0 停用")
    updated_at: DateTimeText = Field(description="最后修改时间")


# -- staff -------------------------------------------------------------------------------------------------------
StaffRole = Literal["doctor", "nurse", "pharmacist", "technician", "clerk"]
STAFF_ROLE = "职工类别：doctor 医生、nurse 护士、pharmacist 药师、technician 医技、clerk 其他"


class StaffQuery(Paging):
    dept_code: str | None = Field(None, max_length=20, description="科室代码（不填为全部科室）")
    role: StaffRole | None = Field(None, description=f"{STAFF_ROLE}（不填为全部）")


class StaffMember(WireModel):
    staff_code: str = Field(description="职工工号")
    staff_name: str = Field(description="职工姓名")
    gender: str = Field(description="性别代码（GB/T 2261.1：1 男、2 女）")
    role: StaffRole = Field(description=STAFF_ROLE)
    title: str | None = Field(None, description="职称")
    dept_code: str = Field(description="所属科室代码")
    dept_name: str | None = Field(None, description="所属科室名称")
    specialty: str | None = Field(None, description="擅长")
    status: Status = Field(description="状态：1 在职、0 停用")
    updated_at: DateTimeText = Field(description="最后修改时间")


# -- patientProfile ----------------------------------------------------------------------------------------------
class PatientProfileQuery(WireModel):
    id_card_type: str | None = Field(None, pattern=r"^\d{2}$",
                                     description="证件类型（CV02.01.101：01 居民身份证、02 居民户口簿、03 护照、"
                                                 "06 港澳居民来往内地通行证、07 台湾居民来往大陆通行证、99 其他）")
    id_card_no: str | None = Field(None, min_length=1, max_length=18, description="证件号码",
                                   json_schema_extra=PII)
    patient_id: str | None = Field(None, min_length=1, max_length=20, description="病人ID（HIS）")

    @model_validator(mode="after")
    def _one_way_to_find(self) -> PatientProfileQuery:
        if (self.id_card_type is None) != (self.id_card_no is None):
            raise ValueError("idCardType 与 idCardNo 须同时填写")
        if self.patient_id is None and self.id_card_no is None:
            raise ValueError("须填写 patientId，或 idCardType 与 idCardNo")
        return self


class PatientProfile(WireModel):
    patient_id: str = Field(description="病人ID（HIS）")
    patient_name: str = Field(description="姓名", json_schema_extra=PII)
    gender: str = Field(description="性别代码（GB/T 2261.1：1 男、2 女）")
    birth_date: DateText | None = Field(None, description="出生日期")
    id_card_type: str | None = Field(None, description="证件类型（CV02.01.101）")
    id_card_no: str | None = Field(None, description="证件号码", json_schema_extra=PII)
    phone: str | None = Field(None, description="联系电话", json_schema_extra=PII)
    address: str | None = Field(None, description="现住址", json_schema_extra=PII)
    insurance_area: str | None = Field(None, description="参保地医保区划（自费病人为空）")
    health_card_no: str | None = Field(None, description="居民健康卡号", json_schema_extra=PII)
    created_at: DateTimeText = Field(description="建档时间")


ENDPOINTS: list[Endpoint] = [
    Endpoint("departments", "获取医院科室信息", DepartmentsQuery, Department, "city_brain/departments.sql",
             order_by=("dept_code",), max_days=None,
             description="医院全部科室（含停用，见 status），可按院区筛选。来自 HIS 科室字典（dept）。"),
    Endpoint("staff", "获取医院职工信息", StaffQuery, StaffMember, "city_brain/staff.sql",
             order_by=("staff_code",), max_days=None,
             description="医院职工（含停用，见 status），可按科室、类别筛选。不含身份证号与电话。来自 HIS 职工表（staff）。"),
    Endpoint("patientProfile", "个人档案查询", PatientProfileQuery, PatientProfile, "city_brain/patient_profile.sql",
             many=False, max_days=None,
             description="按病人ID，或证件类型与证件号码，查询一位病人的档案；没有该病人时答复 2004。"
                         "来自 HIS 病人基本信息（patient）与扩展信息（patient_extra）。"),
]
