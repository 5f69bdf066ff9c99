"""Order endpoints: 门诊就诊开单查询 (``outpatientOrders``), 医技登记查询 (``medtechRegistrations``), 查询住院医嘱
(``inpatientOrders``) and 门急诊处方信息查询 (``prescriptions``) — what the doctors ordered, and where the 检验/检查
stand at the 医技 departments.

Prescriptions, ward orders and 申请单 share one item model and one child SQL (``order_items.sql``, keyed by the
order's number), so that a drug reads the same in each answer. Whether an order is paid (``chargeStatus``) comes
from the 收费明细 that name it as their source: the 先诊疗后付费 reminder "您有未缴费的项目" reads it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator

from hisbridge.platforms.city_brain.catalogue import Child, Endpoint
from hisbridge.platforms.city_brain.endpoints.registration import VISIT_TYPE, VisitType, patient_id_param
from hisbridge.platforms.city_brain.fields import DateParam, DateRange, DateTimeText, Money, Paging, WireModel

TITLE = "开单、医技登记、医嘱与处方"


def _quantity(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("数量须为数字")
    if isinstance(value, float):  # SQLite's REAL: through its shortest text
        return Decimal(repr(value))
    if isinstance(value, int | str):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError("数量须为数字") from None
    return value


def _write_quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")  # 1.000 → "1", 2.500 → "2.5", 100 → "100"


#: a quantity or a dose, written as a decimal string without trailing zeros ("1", "0.5", "12")
Quantity = Annotated[
    Decimal, BeforeValidator(_quantity), PlainSerializer(_write_quantity, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["1", "0.5"]}),
]
ChargeStatus = Literal["0", "1", "2"]
CHARGE_STATUS = "收费状态：0 未收费、1 已收费、2 已退费（按收费明细的来源单号；医保结算的明细不记来源单号，其医嘱显示 0）"


class OrderItem(WireModel):
    """One drug of a prescription or a ward order, or what a 申请单 asks for."""

    seq_no: int = Field(description="序号")
    item_code: str = Field(description="项目代码（药品为 HIS 药品代码，申请单为检验组合或检查项目代码）")
    item_name: str = Field(description="项目名称")
    spec: str | None = Field(None, description="规格")
    dose: Quantity | None = Field(None, description="单次剂量")
    dose_unit: str | None = Field(None, description="剂量单位")
    frequency: str | None = Field(None, description="用药频次（qd 每日一次、bid 每日两次、tid 每日三次 …）")
    route: str | None = Field(None, description="给药途径（口服、静脉滴注、外用 …）")
    qty: Quantity | None = Field(None, description="总量")
    unit: str | None = Field(None, description="总量单位")


def order_items(key: str = "") -> Child:
    return Child("items", "city_brain/order_items.sql", OrderItem, key=key)


# -- outpatientOrders --------------------------------------------------------------------------------------------
class OutpatientOrdersQuery(Paging):
    reg_id: str = Field(min_length=1, max_length=20, description="挂号ID（门急诊就诊ID）")


class OutpatientOrder(WireModel):
    order_no: str = Field(description="单号（处方号或检验/检查申请单号）")
    order_kind: Literal["1", "2", "3", "4"] = Field(
        description="开单类别：1 西药/中成药处方、2 中药饮片处方、3 检验申请、4 检查申请")
    reg_id: str = Field(description="挂号ID")
    patient_id: str = Field(description="病人ID（HIS）")
    order_time: DateTimeText = Field(description="开单时间")
    dept_code: str = Field(description="开单科室代码")
    dept_name: str | None = Field(None, description="开单科室名称")
    doctor_code: str | None = Field(None, description="开单医生工号")
    doctor_name: str | None = Field(None, description="开单医生姓名")
    exec_dept_code: str | None = Field(None, description="执行科室代码（药房、检验科、放射科 …；处方未发药为空）")
    exec_dept_name: str | None = Field(None, description="执行科室名称")
    item_name: str | None = Field(None, description="项目名称（处方为第一种药品）")
    item_count: int = Field(description="项目数（处方为药品种数）")
    order_status: Literal["1", "2", "3", "9"] = Field(
        description="单据状态：1 已开立、2 已执行（处方已发药、医技已登记）、3 已出报告、9 已作废/已取消")
    amount: Money | None = Field(None, description="已收费金额（元；未收费为空）")
    charge_status: ChargeStatus = Field(description=CHARGE_STATUS)
    items: list[OrderItem] = Field(default_factory=list, description="项目明细")


# -- medtechRegistrations ----------------------------------------------------------------------------------------
class MedtechRegistrationsQuery(Paging, DateRange):
    """按医技登记时间（检验标本接收、检查登记）查询一位病人的检验检查登记。"""

    patient_id: str = patient_id_param()


class MedtechRegistration(WireModel):
    apply_no: str = Field(description="申请单号")
    apply_kind: Literal["1", "2"] = Field(description="申请类别：1 检验、2 检查")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: VisitType = Field(description=VISIT_TYPE)
    visit_id: str | None = Field(None, description="就诊ID（门急诊挂号ID或住院号）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊）")
    adm_id: str | None = Field(None, description="住院号（住院）")
    item_code: str = Field(description="检验组合或检查项目代码（HIS）")
    item_name: str = Field(description="检验组合或检查项目名称")
    apply_time: DateTimeText = Field(description="开单时间")
    dept_code: str = Field(description="申请科室代码")
    dept_name: str | None = Field(None, description="申请科室名称")
    doctor_code: str | None = Field(None, description="申请医生工号")
    doctor_name: str | None = Field(None, description="申请医生姓名")
    exec_dept_code: str = Field(description="执行科室代码（检验科、放射科、超声医学科 …）")
    exec_dept_name: str | None = Field(None, description="执行科室名称")
    register_time: DateTimeText = Field(description="医技登记时间（检验为标本接收，检查为检查登记）")
    register_no: str | None = Field(None, description="登记号（检验为标本条码，检查为检查号）")
    apply_status: Literal["2", "3", "9"] = Field(description="状态：2 已登记（待出报告）、3 已出报告、9 已取消")
    report_id: str | None = Field(None, description="报告ID（已出报告时）")
    amount: Money = Field(description="金额（元）")


# -- inpatientOrders ---------------------------------------------------------------------------------------------
class InpatientOrdersQuery(Paging):
    adm_id: str = Field(min_length=1, max_length=20, description="住院号")


class InpatientOrder(WireModel):
    order_id: str = Field(description="医嘱ID")
    order_no: str = Field(description="医嘱号")
    adm_id: str = Field(description="住院号")
    patient_id: str = Field(description="病人ID（HIS）")
    order_kind: Literal["1", "2", "3"] = Field(description="医嘱类别：1 长期医嘱、2 临时医嘱、3 处方")
    issue_time: DateTimeText = Field(description="开立时间")
    dept_code: str = Field(description="开立科室代码")
    dept_name: str | None = Field(None, description="开立科室名称")
    doctor_code: str = Field(description="开立医生工号")
    doctor_name: str | None = Field(None, description="开立医生姓名")
    exec_time: DateTimeText | None = Field(None, description="执行（发药）时间")
    stop_time: DateTimeText | None = Field(None, description="停止时间（长期医嘱）")
    pharmacist_code: str | None = Field(None, description="发药药师工号")
    pharmacist_name: str | None = Field(None, description="发药药师姓名")
    order_status: Literal["1", "2", "9"] = Field(description="医嘱状态：1 执行中（或待执行）、2 已停止、9 已作废")
    remark: str | None = Field(None, description="医嘱备注")
    items: list[OrderItem] = Field(default_factory=list, description="医嘱药品明细")


# -- prescriptions -----------------------------------------------------------------------------------------------
class PrescriptionsQuery(Paging):
    """按病人与开方日期查询，或按挂号ID查询一次就诊的处方（此时日期可不填）。"""

    patient_id: str | None = Field(None, min_length=1, max_length=20,
                                   description="病人ID（HIS；不填 regId 时必填，并须填开始、结束日期）")
    start_date: DateParam | None = Field(None, description="开方开始日期 yyyy-MM-dd（含）")
    end_date: DateParam | None = Field(None, description="开方结束日期 yyyy-MM-dd（含）")
    reg_id: str | None = Field(None, min_length=1, max_length=20, description="挂号ID（填写时查该次就诊的处方）")

    @model_validator(mode="after")
    def _one_way_to_find(self) -> PrescriptionsQuery:
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("startDate 与 endDate 须同时填写")
        if self.start_date is not None and self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("endDate 不能早于 startDate")
        if self.reg_id is None and (self.patient_id is None or self.start_date is None):
            raise ValueError("须填写 regId，或 patientId 与 startDate、endDate")
        return self


class Prescription(WireModel):
    rx_no: str = Field(description="处方号")
    reg_id: str = Field(description="挂号ID")
    patient_id: str = Field(description="病人ID（HIS）")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    rx_kind: Literal["1", "2"] = Field(description="处方类别：1 西药/中成药处方、2 中药饮片处方")
    rx_time: DateTimeText = Field(description="开方时间")
    valid_days: int | None = Field(None, description="处方有效天数")
    dept_code: str = Field(description="开方科室代码")
    dept_name: str | None = Field(None, description="开方科室名称")
    doctor_code: str = Field(description="开方医生工号")
    doctor_name: str | None = Field(None, description="开方医生姓名")
    pharmacist_code: str | None = Field(None, description="审核/发药药师工号")
    pharmacist_name: str | None = Field(None, description="审核/发药药师姓名")
    dispense_time: DateTimeText | None = Field(None, description="发药时间（未发药为空）")
    tcm_doses: int | None = Field(None, description="中药剂数（中药饮片处方）")
    tcm_usage: str | None = Field(None, description="中药用法")
    tcm_decoction: str | None = Field(None, description="中药煎煮法")
    rx_status: Literal["1", "9"] = Field(description="处方状态：1 有效、9 已作废")
    amount: Money | None = Field(None, description="已收费金额（元；未收费为空）")
    charge_status: ChargeStatus = Field(description=CHARGE_STATUS)
    items: list[OrderItem] = Field(default_factory=list, description="处方药品明细")


ENDPOINTS: list[Endpoint] = [
    Endpoint("outpatientOrders", "门诊就诊开单查询", OutpatientOrdersQuery, OutpatientOrder,
             "city_brain/outpatient_orders.sql", order_by=("order_time", "order_no"), children=(order_items(),),
             max_days=None,
             description="一次门急诊就诊所开的处方与检验、检查申请，及其执行、收费状态和项目明细。"
                         "来自 HIS 医嘱处方（clinical_order）、医技申请单（medtech_apply）与收费明细（charge_bill_line）。"),
    Endpoint("medtechRegistrations", "医技登记查询", MedtechRegistrationsQuery, MedtechRegistration,
             "city_brain/medtech_registrations.sql", order_by=("register_time", "apply_no"),
             description="一位病人在日期范围内的医技登记（按登记时间：检验标本接收、检查登记）及报告状态。"
                         "来自 HIS 医技申请单（medtech_apply）。"),
    Endpoint("inpatientOrders", "查询住院医嘱", InpatientOrdersQuery, InpatientOrder,
             "city_brain/inpatient_orders.sql", order_by=("issue_time", "order_id"),
             children=(order_items("order_no"),), max_days=None,
             description="一次住院的全部医嘱（长期、临时）及药品明细，按开立时间。来自 HIS 医嘱处方（clinical_order）。"),
    Endpoint("prescriptions", "门急诊处方信息查询", PrescriptionsQuery, Prescription,
             "city_brain/prescriptions.sql", order_by=("rx_time", "rx_no"), children=(order_items(),),
             description="一位病人在日期范围内的门急诊处方（按开方时间），或一次就诊（regId）的处方，及药品明细、"
                         "发药与收费状态。来自 HIS 医嘱处方（clinical_order）与收费明细（charge_bill_line）。"),
]
