"""Billing endpoints: 收费确认查询 (``chargeConfirmations``), 退费查询 (``refunds``), 门诊发票清单查询
(``outpatientInvoices``), 住院发票清单查询 (``inpatientInvoices``), 住院费用清单查询 (``inpatientFees``) and 门诊缴费详情
(``outpatientPaymentDetail``).

An outpatient payment is a 收费单 (``billNo``): a 先诊疗后付费 patient's one payment after the visit (``payType`` 1
or 2), or any other patient's payment at a window, a kiosk or a phone; a 医保 payment is its settlement
(``setlId``). Amounts are strings with two decimals. Fee categories (``feeCat``) are the national 医疗收费项目类别
(01 床位费 … 09 西药费 10 中药饮片费 11 中成药费 … 14 其他费), the buckets a city-brain bill shows.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, computed_field, model_validator

from hisbridge.platforms.city_brain.catalogue import Child, Endpoint
from hisbridge.platforms.city_brain.endpoints.orders import Quantity
from hisbridge.platforms.city_brain.endpoints.registration import PAY_TYPE, Flag, PayType, patient_id_param
from hisbridge.platforms.city_brain.fields import DateParam, DateRange, DateTimeText, Money, Paging, WireModel

TITLE = "收费、退费、发票与费用清单"

FEE_CAT = ("医疗收费项目类别：01 床位费、02 诊察费、03 检查费、04 化验费、05 治疗费、06 手术费、07 护理费、08 卫生材料费、"
           "09 西药费、10 中药饮片费、11 中成药费、12 一般诊疗费、13 挂号费、14 其他费")
PAY_CHANNEL = "支付渠道（HIS 代码：cash 现金、card 银行卡、wechat 微信、alipay 支付宝、none 无需个人支付）"
ITEM_KIND = "项目类别（HIS：drug 药品、item 医疗服务项目、material 医用耗材）"


class _PatientRange(Paging, DateRange):
    patient_id: str = patient_id_param()


class FeeCat(WireModel):
    """An invoice's amount in one 医疗收费项目类别."""

    fee_cat: str = Field(description=FEE_CAT)
    fee_cat_name: str | None = Field(None, description="医疗收费项目类别名称")
    amount: Money = Field(description="金额（元）")


class BillLine(WireModel):
    line_no: int = Field(description="明细序号")
    item_kind: Literal["drug", "item", "material"] = Field(description=ITEM_KIND)
    item_code: str = Field(description="项目代码（HIS 药品代码或收费项目代码）")
    item_name: str = Field(description="项目名称")
    spec: str | None = Field(None, description="规格")
    unit: str | None = Field(None, description="单位")
    fee_cat: str = Field(description=FEE_CAT)
    fee_cat_name: str | None = Field(None, description="医疗收费项目类别名称")
    qty: Quantity = Field(description="数量")
    unit_price: Money = Field(description="单价（元）")
    amount: Money = Field(description="金额（元）")
    exec_dept_code: str | None = Field(None, description="执行科室代码")
    exec_dept_name: str | None = Field(None, description="执行科室名称")
    source_no: str | None = Field(None, description="来源单号（处方号、申请单号，诊察费为挂号ID；医保结算明细为空）")
    line_status: Literal["1", "2"] = Field(description="明细状态：1 正常、2 已退费")
    refund_no: str | None = Field(None, description="退费单号（已退费时）")


# -- chargeConfirmations -----------------------------------------------------------------------------------------
class ChargeConfirmationsQuery(_PatientRange):
    """按收费时间查询一位病人的门急诊收费。"""


class ChargeBill(WireModel):
    bill_no: str = Field(description="收费单号")
    patient_id: str = Field(description="病人ID（HIS）")
    reg_id: str | None = Field(None, description="挂号ID（门急诊就诊ID）")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    dept_code: str = Field(description="就诊科室代码")
    dept_name: str | None = Field(None, description="就诊科室名称")
    doctor_code: str | None = Field(None, description="接诊医生工号")
    doctor_name: str | None = Field(None, description="接诊医生姓名")
    paid_at: DateTimeText = Field(description="收费时间")
    total_amount: Money = Field(description="总金额（元）")
    insurance_amount: Money = Field(description="医保支付（元：统筹基金与个人账户）")
    self_amount: Money = Field(description="个人自付（元）")
    refunded_amount: Money = Field(description="已退费金额（元）")
    pay_channel: str = Field(description=PAY_CHANNEL)
    pay_channel_name: str | None = Field(None, description="支付渠道名称")
    pay_type: PayType = Field(description=PAY_TYPE)
    setl_id: str | None = Field(None, description="医保结算ID（医保结算的收费单）")
    invoice_code: str | None = Field(None, description="电子票据代码")
    invoice_no: str | None = Field(None, description="电子票据号码")
    bill_status: Literal["1", "2", "3"] = Field(description="收费单状态：1 正常、2 部分退费、3 全额退费")
    item_count: int = Field(description="明细条数")


# -- outpatientPaymentDetail -------------------------------------------------------------------------------------
class OutpatientPaymentDetailQuery(WireModel):
    bill_no: str = Field(min_length=1, max_length=30, description="收费单号（收费确认查询的 billNo）")


class PaymentDetail(ChargeBill):
    lines: list[BillLine] = Field(default_factory=list, description="收费明细")


# -- refunds -----------------------------------------------------------------------------------------------------
class RefundsQuery(_PatientRange):
    """按退费时间查询一位病人的门急诊退费。"""


class Refund(WireModel):
    refund_no: str = Field(description="退费单号")
    bill_no: str = Field(description="原收费单号")
    patient_id: str = Field(description="病人ID（HIS）")
    reg_id: str | None = Field(None, description="挂号ID")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    refund_time: DateTimeText = Field(description="退费时间")
    refund_amount: Money = Field(description="退费金额（元）")
    insurance_amount: Money = Field(description="退回医保（元）")
    self_amount: Money = Field(description="退回个人（元，原路退回）")
    refund_channel: str = Field(description=f"退费渠道，同原支付渠道；{PAY_CHANNEL}")
    refund_channel_name: str | None = Field(None, description="退费渠道名称")
    reason: str | None = Field(None, description="退费原因")
    red_invoice_no: str | None = Field(None, description="红冲电子票据号码")
    invoice_no: str | None = Field(None, description="原电子票据号码")
    cancel_setl_id: str | None = Field(None, description="医保撤销结算ID（医保结算全额退费时）")
    paid_at: DateTimeText = Field(description="原收费时间")
    pay_type: PayType = Field(description=f"{PAY_TYPE}（原收费单的）")
    lines: list[BillLine] = Field(default_factory=list, description="本次退费的明细")


# -- outpatientInvoices ------------------------------------------------------------------------------------------
class OutpatientInvoicesQuery(_PatientRange):
    """按开票（收费）时间查询一位病人的门急诊电子票据。"""


class OutpatientInvoice(WireModel):
    invoice_code: str | None = Field(None, description="电子票据代码")
    invoice_no: str = Field(description="电子票据号码")
    bill_no: str = Field(description="收费单号")
    patient_id: str = Field(description="病人ID（HIS）")
    reg_id: str | None = Field(None, description="挂号ID")
    visit_type: Literal["1", "2"] = Field(description="就诊类型：1 门诊、2 急诊")
    invoice_time: DateTimeText = Field(description="开票时间（收费时间）")
    dept_code: str = Field(description="就诊科室代码")
    dept_name: str | None = Field(None, description="就诊科室名称")
    total_amount: Money = Field(description="票面金额（元）")
    insurance_amount: Money = Field(description="医保支付（元）")
    self_amount: Money = Field(description="个人自付（元）")
    refunded_amount: Money = Field(description="已红冲金额（元）")
    void_flag: Literal["0", "1", "2"] = Field(description="红冲状态：0 正常、1 已全额红冲、2 部分红冲")
    pay_type: PayType = Field(description=PAY_TYPE)
    setl_id: str | None = Field(None, description="医保结算ID")
    fee_cats: list[FeeCat] = Field(default_factory=list, description="按医疗收费项目类别的金额")


# -- inpatientInvoices -------------------------------------------------------------------------------------------
class InpatientInvoicesQuery(Paging):
    """按病人或住院号查询住院发票（出院结算）；两者至少填一个。"""

    patient_id: str | None = Field(None, min_length=1, max_length=20, description="病人ID（HIS）")
    adm_id: str | None = Field(None, min_length=1, max_length=20, description="住院号")

    @model_validator(mode="after")
    def _one_way_to_find(self) -> InpatientInvoicesQuery:
        if self.patient_id is None and self.adm_id is None:
            raise ValueError("须填写 patientId 或 admId")
        return self


class InpatientInvoice(WireModel):
    invoice_code: str | None = Field(None, description="票据代码")
    invoice_no: str | None = Field(None, description="票据号码")
    setl_id: str = Field(description="医保结算ID")
    adm_id: str = Field(description="住院号")
    patient_id: str = Field(description="病人ID（HIS）")
    invoice_time: DateTimeText = Field(description="结算（开票）时间")
    adm_time: DateTimeText = Field(description="入院时间")
    dscg_time: DateTimeText | None = Field(None, description="出院时间")
    dept_code: str = Field(description="出院科室代码")
    dept_name: str | None = Field(None, description="出院科室名称")
    total_amount: Money = Field(description="医疗费用总额（元）")
    fund_amount: Money = Field(description="统筹基金支付（元）")
    account_amount: Money = Field(description="个人账户支付（元）")
    self_amount: Money = Field(description="个人现金支付（元）")
    void_flag: Flag = Field(description="作废（红冲）：1 结算已撤销、0 正常")
    void_time: DateTimeText | None = Field(None, description="撤销结算时间")
    fee_cats: list[FeeCat] = Field(default_factory=list, description="按医疗收费项目类别的金额")


# -- inpatientFees -----------------------------------------------------------------------------------------------
class InpatientFeesQuery(Paging):
    """一次住院的费用明细，全部或某一天的。"""

    adm_id: str = Field(min_length=1, max_length=20, description="住院号")
    fee_date: DateParam | None = Field(None, description="费用日期 yyyy-MM-dd（不填为全部）")

    # feeDate is a one-day range: the executor binds start_date/end_date as start_time and end_time
    @computed_field  # type: ignore[prop-decorator]
    @property
    def start_date(self) -> date | None:
        return self.fee_date

    @computed_field  # type: ignore[prop-decorator]
    @property
    def end_date(self) -> date | None:
        return self.fee_date


class InpatientFee(WireModel):
    fee_id: str = Field(description="费用明细流水号")
    adm_id: str = Field(description="住院号")
    patient_id: str = Field(description="病人ID（HIS）")
    fee_time: DateTimeText = Field(description="费用发生时间")
    item_kind: Literal["drug", "item", "material"] = Field(description=ITEM_KIND)
    item_code: str = Field(description="项目代码（HIS）")
    item_name: str = Field(description="项目名称")
    fee_cat: str = Field(description=FEE_CAT)
    fee_cat_name: str | None = Field(None, description="医疗收费项目类别名称")
    qty: Quantity = Field(description="数量")
    unit_price: Money = Field(description="单价（元）")
    amount: Money = Field(description="金额（元）")
    dept_code: str | None = Field(None, description="开单科室代码")
    dept_name: str | None = Field(None, description="开单科室名称")
    doctor_code: str | None = Field(None, description="开单医生工号")
    doctor_name: str | None = Field(None, description="开单医生姓名")
    fee_status: Literal["1", "2"] = Field(description="费用状态：1 正常、2 已退费")
    settled_flag: Flag = Field(description="已结算：1 是、0 否")
    setl_id: str | None = Field(None, description="医保结算ID（已结算时）")


ENDPOINTS: list[Endpoint] = [
    Endpoint("chargeConfirmations", "收费确认查询", ChargeConfirmationsQuery, ChargeBill,
             "city_brain/charge_confirmations.sql", order_by=("paid_at", "bill_no"),
             description="一位病人在日期范围内的门急诊收费（按收费时间）：金额、医保与自付、支付渠道、先诊疗后付费类型、"
                         "退费情况；明细见门诊缴费详情。来自 HIS 门诊收费单（charge_bill）。"),
    Endpoint("refunds", "退费查询", RefundsQuery, Refund, "city_brain/refunds.sql",
             order_by=("refund_time", "refund_no"),
             children=(Child("lines", "city_brain/refund_lines.sql", BillLine),),
             description="一位病人在日期范围内的门急诊退费（按退费时间）及所退明细、原收费单与红冲票据。"
                         "来自 HIS 退费（charge_refund）与收费明细（charge_bill_line）。"),
    Endpoint("outpatientInvoices", "门诊发票清单查询", OutpatientInvoicesQuery, OutpatientInvoice,
             "city_brain/outpatient_invoices.sql", order_by=("invoice_time", "bill_no"),
             children=(Child("fee_cats", "city_brain/invoice_fee_cats.sql", FeeCat),),
             description="一位病人在日期范围内的门急诊电子票据（按开票时间）及按医疗收费项目类别的金额、红冲状态。"
                         "来自 HIS 门诊收费单（charge_bill）与收费明细（charge_bill_line）。"),
    Endpoint("inpatientInvoices", "住院发票清单查询", InpatientInvoicesQuery, InpatientInvoice,
             "city_brain/inpatient_invoices.sql", order_by=("invoice_time", "setl_id"),
             children=(Child("fee_cats", "city_brain/inpatient_invoice_fee_cats.sql", FeeCat),), max_days=None,
             description="一位病人或一次住院的住院发票（出院结算）及按医疗收费项目类别的金额；已撤销的结算 voidFlag 为 1。"
                         "来自 HIS 医保结算记录（insu_settlement）与费用明细（fee_detail）。"),
    Endpoint("inpatientFees", "住院费用清单查询", InpatientFeesQuery, InpatientFee,
             "city_brain/inpatient_fees.sql", order_by=("fee_time", "fee_id"), max_days=None,
             description="一次住院的费用明细（日清单），全部或某一天（feeDate）的，按费用时间。"
                         "来自 HIS 费用明细（fee_detail）。"),
    Endpoint("outpatientPaymentDetail", "门诊缴费详情", OutpatientPaymentDetailQuery, PaymentDetail,
             "city_brain/outpatient_payment_detail.sql", many=False, max_days=None,
             children=(Child("lines", "city_brain/bill_lines.sql", BillLine, key="bill_no"),),
             description="一张门诊收费单的详情及全部明细（含已退费的明细）；没有该收费单时答复 2004。"
                         "来自 HIS 门诊收费单（charge_bill）与收费明细（charge_bill_line）。"),
]
