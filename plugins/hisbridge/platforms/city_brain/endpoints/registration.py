"""Registration endpoints: 挂号查询 (``registrations``), 退号查询 (``cancelledRegistrations``), 门诊排队信息
(``queueInfo``), 挂号停诊查询 (``scheduleStops``), 自助签到查询 (``selfCheckins``), 就诊登记查询
(``visitRegistrations``) and 住院入科登记查询 (``admissions``) — the visit from its booking to the consulting room,
and the stay from its admission to its bed.

The code sets every endpoint shares are declared here once (``VisitType``, ``PayType`` …) and imported by the other
areas. No answer carries a patient's name, ID number or phone: the city brain knows the patient by ``patientId``
(个人档案查询 answers the rest).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from hisbridge.platforms.city_brain.catalogue import Endpoint
from hisbridge.platforms.city_brain.fields import DateRange, DateText, DateTimeText, Paging, WireModel

TITLE = "挂号、排队与就诊登记"

#: 就诊类型 (the pushes' visitType): 1 门诊, 2 急诊, 4 住院 (3 体检 is not a visit the HIS answers for)
VisitType = Literal["1", "2", "4"]
VISIT_TYPE = "就诊类型：1 门诊、2 急诊、4 住院"
#: 先诊疗后付费类型 of a visit or a payment
PayType = Literal["0", "1", "2"]
PAY_TYPE = "先诊疗后付费类型：0 普通（非先诊疗后付费）、1 医保先诊疗后付费、2 银联卡先诊疗后付费"
Flag = Literal["0", "1"]
TimeSlot = Literal["1", "2", "3"]
TIME_SLOT = "就诊时段：1 上午、2 下午、3 晚间"
RegType = Literal["1", "2", "3"]
REG_TYPE = "号别：1 普通号、2 专家号、3 急诊号"
VisitStatus = Literal["0", "1", "2", "3"]
VISIT_STATUS = "就诊状态：0 候诊、1 已叫号（就诊中）、2 已就诊、3 过号/未到"
RegStatus = Literal["1", "2", "3"]
REG_STATUS = "挂号状态：1 有效、2 已退号、3 已退费（退号并退挂号费）"



def patient_id_param() -> Any:
    """The required ``patientId`` of a query (a new FieldInfo each time: pydantic keeps one per model field)."""
    return Field(min_length=1, max_length=20, description="病人ID（HIS）")


# -- registrations -----------------------------------------------------------------------------------------------
class RegistrationsQuery(Paging, DateRange):
    """按挂号时间（预约挂号为预约时）查询一位病人的挂号，含已退号、已退费的。"""

    patient_id: str = patient_id_param()


class Registration(WireModel):
    reg_id: str = Field(description="挂号ID（门急诊就诊ID，推送的 visitId）")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    reg_type: RegType = Field(description=REG_TYPE)
    dept_code: str = Field(description="挂号科室代码")
    dept_name: str | None = Field(None, description="挂号科室名称")
    doctor_code: str | None = Field(None, description="医生工号（普通号叫号前可为空）")
    doctor_name: str | None = Field(None, description="医生姓名")
    doctor_title: str | None = Field(None, description="医生职称")
    room_code: str | None = Field(None, description="诊室代码")
    room_name: str | None = Field(None, description="诊室名称")
    room_location: str | None = Field(None, description="诊室位置")
    visit_date: DateText = Field(description="就诊日期")
    time_slot: TimeSlot = Field(description=TIME_SLOT)
    queue_no: int = Field(description="就诊序号（排队号）")
    reg_time: DateTimeText = Field(description="挂号时间（预约挂号为预约时间）")
    appointment_flag: Flag = Field(description="预约挂号：1 是、0 否（当日挂号）")
    book_channel: str | None = Field(
        None, description="预约渠道（HIS 代码：wechat 微信、kiosk 自助机、window 窗口、phone 电话、clinic 诊间、other 其他）")
    checkin_time: DateTimeText | None = Field(None, description="签到时间（未签到为空）")
    visit_status: VisitStatus = Field(description=VISIT_STATUS)
    reg_status: RegStatus = Field(description=REG_STATUS)
    cancel_time: DateTimeText | None = Field(None, description="退号时间")
    pay_type: PayType = Field(description=f"{PAY_TYPE}（挂号时的签约状态）")


# -- cancelledRegistrations --------------------------------------------------------------------------------------
class CancelledRegistrationsQuery(Paging, DateRange):
    """按退号时间查询；不填 patientId 为全部病人。"""

    patient_id: str | None = Field(None, min_length=1, max_length=20, description="病人ID（HIS；不填为全部病人）")


class CancelledRegistration(WireModel):
    reg_id: str = Field(description="挂号ID")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    reg_type: RegType = Field(description=REG_TYPE)
    dept_code: str = Field(description="挂号科室代码")
    dept_name: str | None = Field(None, description="挂号科室名称")
    doctor_code: str | None = Field(None, description="医生工号")
    doctor_name: str | None = Field(None, description="医生姓名")
    visit_date: DateText = Field(description="原就诊日期")
    time_slot: TimeSlot = Field(description=TIME_SLOT)
    queue_no: int = Field(description="原就诊序号")
    reg_time: DateTimeText = Field(description="挂号时间")
    appointment_flag: Flag = Field(description="预约挂号：1 是、0 否")
    reg_status: Literal["2", "3"] = Field(description="挂号状态：2 已退号、3 已退费")
    cancel_time: DateTimeText = Field(description="退号时间")
    pay_type: PayType = Field(description=f"{PAY_TYPE}（挂号时的签约状态）")


# -- queueInfo ---------------------------------------------------------------------------------------------------
class QueueInfoQuery(WireModel):
    reg_id: str = Field(min_length=1, max_length=20, description="挂号ID")


class QueueInfo(WireModel):
    reg_id: str = Field(description="挂号ID")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    dept_code: str = Field(description="科室代码")
    dept_name: str | None = Field(None, description="科室名称")
    doctor_code: str | None = Field(None, description="医生工号（普通号叫号前可为空）")
    doctor_name: str | None = Field(None, description="医生姓名")
    room_code: str | None = Field(None, description="诊室代码")
    room_name: str | None = Field(None, description="诊室名称")
    room_location: str | None = Field(None, description="诊室位置")
    visit_date: DateText = Field(description="就诊日期")
    time_slot: TimeSlot = Field(description=TIME_SLOT)
    queue_no: int = Field(description="本人就诊序号")
    checkin_time: DateTimeText | None = Field(None, description="签到时间（未签到为空，未签到不排队）")
    visit_status: VisitStatus = Field(description=VISIT_STATUS)
    reg_status: RegStatus = Field(description=REG_STATUS)
    current_no: int | None = Field(None, description="当前叫号：该医生本时段已叫到的最大序号（尚未叫号为空）")
    waiting_count: int = Field(description="前面等候人数：已签到、仍在候诊且序号在本人之前的人数")
    queue_total: int = Field(description="该医生本时段的有效挂号人数")


# -- scheduleStops -----------------------------------------------------------------------------------------------
class ScheduleStopsQuery(Paging, DateRange):
    """按停诊日期查询；不填 deptCode 为全部科室。"""

    dept_code: str | None = Field(None, min_length=1, max_length=20, description="科室代码（不填为全部科室）")


class ScheduleStop(WireModel):
    stop_id: str = Field(description="停诊记录ID")
    dept_code: str = Field(description="科室代码")
    dept_name: str | None = Field(None, description="科室名称")
    doctor_code: str = Field(description="停诊医生工号")
    doctor_name: str | None = Field(None, description="停诊医生姓名")
    doctor_title: str | None = Field(None, description="停诊医生职称")
    stop_date: DateText = Field(description="停诊日期")
    time_slot: TimeSlot = Field(description=f"停诊时段：{TIME_SLOT.split('：', 1)[1]}")
    session_start: DateTimeText = Field(description="停诊时段开始时间")
    session_end: DateTimeText = Field(description="停诊时段结束时间")
    reason: str = Field(description="停诊原因")
    sub_doctor_code: str | None = Field(None, description="替诊医生工号（无替诊为空）")
    sub_doctor_name: str | None = Field(None, description="替诊医生姓名")
    announced_at: DateTimeText = Field(description="停诊发布时间")
    stop_status: Flag = Field(description="停诊状态：1 停诊、0 已撤销（恢复出诊）")
    revoke_time: DateTimeText | None = Field(None, description="撤销停诊时间")
    affected_count: int = Field(description="受影响的有效预约数（该医生该时段仍为已预约的门诊预约）")


# -- selfCheckins ------------------------------------------------------------------------------------------------
class SelfCheckinsQuery(Paging, DateRange):
    """按签到时间查询一位病人的签到（自助机、护士站或手机签到）。"""

    patient_id: str = patient_id_param()


class SelfCheckin(WireModel):
    reg_id: str = Field(description="挂号ID")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    checkin_time: DateTimeText = Field(description="签到时间")
    dept_code: str = Field(description="科室代码")
    dept_name: str | None = Field(None, description="科室名称")
    doctor_code: str | None = Field(None, description="医生工号")
    doctor_name: str | None = Field(None, description="医生姓名")
    room_code: str | None = Field(None, description="诊室代码")
    room_name: str | None = Field(None, description="诊室名称")
    room_location: str | None = Field(None, description="诊室位置")
    visit_date: DateText = Field(description="就诊日期")
    time_slot: TimeSlot = Field(description=TIME_SLOT)
    queue_no: int = Field(description="就诊序号")
    visit_status: VisitStatus = Field(description=VISIT_STATUS)
    reg_status: RegStatus = Field(description=REG_STATUS)


# -- visitRegistrations ------------------------------------------------------------------------------------------
class VisitRegistrationsQuery(Paging, DateRange):
    """按就诊开始时间（门急诊为签到时间，住院为入院时间）查询一位病人的就诊。"""

    patient_id: str = patient_id_param()


class VisitRegistration(WireModel):
    visit_id: str = Field(description="就诊ID（门急诊为挂号ID，住院为住院号；推送的 visitId）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    patient_id: str = Field(description="病人ID（HIS）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊）")
    adm_id: str | None = Field(None, description="住院号（住院）")
    visit_time: DateTimeText = Field(description="就诊开始时间（门急诊签到时间，未签到为挂号时间；住院为入院时间）")
    end_time: DateTimeText | None = Field(None, description="就诊结束时间（住院为出院时间；门急诊为空）")
    dept_code: str = Field(description="就诊科室代码")
    dept_name: str | None = Field(None, description="就诊科室名称")
    doctor_code: str | None = Field(None, description="接诊医生工号（住院为主诊医师）")
    doctor_name: str | None = Field(None, description="接诊医生姓名")
    diag_code: str | None = Field(None, description="主要诊断代码（ICD-10；尚未诊断为空）")
    diag_name: str | None = Field(None, description="主要诊断名称")
    insured_flag: Flag = Field(description="参保病人：1 是（有医保人员编号）、0 否")
    pay_type: PayType = Field(description=f"{PAY_TYPE}（就诊开始时的签约状态）")
    visit_status: Literal["1", "2"] = Field(description="就诊状态：1 就诊中（住院为在院）、2 已完成（住院为已出院）")


# -- admissions --------------------------------------------------------------------------------------------------
class AdmissionsQuery(Paging, DateRange):
    """按入院时间查询；不填 patientId 为全部病人。"""

    patient_id: str | None = Field(None, min_length=1, max_length=20, description="病人ID（HIS；不填为全部病人）")


class Admission(WireModel):
    adm_id: str = Field(description="住院号（住院就诊ID，推送的 visitId）")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: Literal["4"] = Field(description="就诊类型：4 住院")
    medcas_no: str = Field(description="病案号")
    adm_time: DateTimeText = Field(description="入院时间（入院登记）")
    dept_code: str = Field(description="入院科室代码")
    dept_name: str | None = Field(None, description="入院科室名称")
    ward_code: str | None = Field(None, description="入住病区代码（尚未入科为空）")
    ward_name: str | None = Field(None, description="入住病区名称")
    room_no: str | None = Field(None, description="病房号")
    bed_no: str | None = Field(None, description="床号")
    bed_time: DateTimeText | None = Field(None, description="入科时间（入床时间）")
    doctor_code: str | None = Field(None, description="主诊医师工号")
    doctor_name: str | None = Field(None, description="主诊医师姓名")
    nurse_code: str | None = Field(None, description="责任护士工号")
    nurse_name: str | None = Field(None, description="责任护士姓名")
    diag_code: str | None = Field(None, description="主要诊断代码（ICD-10）")
    diag_name: str | None = Field(None, description="主要诊断名称")
    stay_status: Literal["1", "2", "9"] = Field(description="住院状态：1 在院、2 已出院、9 已取消入院")
    dscg_time: DateTimeText | None = Field(None, description="出院时间")
    insured_flag: Flag = Field(description="参保病人：1 是（有医保人员编号）、0 否")
    pay_type: PayType = Field(description=f"{PAY_TYPE}（入院时的签约状态）")


ENDPOINTS: list[Endpoint] = [
    Endpoint("registrations", "挂号查询", RegistrationsQuery, Registration, "city_brain/registrations.sql",
             order_by=("reg_time", "reg_id"),
             description="一位病人在日期范围内挂的号（按挂号时间；预约挂号按预约时间），含已退号、已退费的（见 regStatus），"
                         "及号别、诊室、排队号、签到与就诊状态、先诊疗后付费类型。来自 HIS 门诊挂号（registration）、"
                         "预约（appointment）与先诊疗后付费签约（credit_sign）。"),
    Endpoint("cancelledRegistrations", "退号查询", CancelledRegistrationsQuery, CancelledRegistration,
             "city_brain/cancelled_registrations.sql", order_by=("cancel_time", "reg_id"),
             description="日期范围内退号（含退费）的挂号，按退号时间；可只查一位病人。来自 HIS 门诊挂号（registration）。"),
    Endpoint("queueInfo", "门诊排队信息", QueueInfoQuery, QueueInfo, "city_brain/queue_info.sql", many=False,
             max_days=None,
             description="一个挂号在其队列（同一医生同一时段）中的位置：本人序号、当前叫号、前面等候人数。"
                         "没有该挂号时答复 2004。来自 HIS 门诊挂号（registration）。"),
    Endpoint("scheduleStops", "挂号停诊查询", ScheduleStopsQuery, ScheduleStop, "city_brain/schedule_stops.sql",
             order_by=("session_start", "stop_id"),
             description="日期范围内的停诊（按停诊日期），含已撤销的（见 stopStatus）及需通知的预约数；可按科室筛选。"
                         "来自 HIS 停诊记录（schedule_stop）与预约（appointment）。"),
    Endpoint("selfCheckins", "自助签到查询", SelfCheckinsQuery, SelfCheckin, "city_brain/self_checkins.sql",
             order_by=("checkin_time", "reg_id"),
             description="一位病人在日期范围内的签到（按签到时间）及所排队列、当前就诊状态。"
                         "来自 HIS 门诊挂号（registration.sign_in_time）。"),
    Endpoint("visitRegistrations", "就诊登记查询", VisitRegistrationsQuery, VisitRegistration,
             "city_brain/visit_registrations.sql", order_by=("visit_time", "visit_id"),
             description="一位病人在日期范围内开始的就诊：门急诊（签到或已接诊的有效挂号）与住院（入院），"
                         "含主要诊断、参保与先诊疗后付费类型。来自 HIS 门诊挂号、门急诊诊断、住院登记与住院诊断。"),
    Endpoint("admissions", "住院入科登记查询", AdmissionsQuery, Admission, "city_brain/admissions.sql",
             order_by=("adm_time", "adm_id"),
             description="日期范围内入院的住院登记（按入院时间）及入科床位、主诊医师、责任护士、主要诊断；"
                         "可只查一位病人。来自 HIS 住院登记（inpatient_stay）、住院床位（stay_bed）与住院诊断。"),
]
