"""Fixed reference data of the demo HIS's 先诊疗后付费 side: fee categories, pay channels, what a lab panel or an
exam item is charged as, stop reasons, allergies as the EMR words them, and the planted journey's choices. Used
by :mod:`demo.his.city_brain`.

Everything is synthetic. HIS codes stay the HIS's own (``wechat`` pay channel, ``active`` sign status); the
hospital-side API's SQL (``include/sql/city_brain/``) turns them into the codes its answers declare.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

#: 医疗收费项目类别 (national 2-digit codes, as charge_item.med_chrgitm_type): written to code_dict ``fee_cat``
FEE_CATS: dict[str, str] = {
    "01": "床位费", "02": "诊察费", "03": "检查费", "04": "化验费", "05": "治疗费", "06": "手术费", "07": "护理费",
    "08": "卫生材料费", "09": "西药费", "10": "中药饮片费", "11": "中成药费", "12": "一般诊疗费", "13": "挂号费",
    "14": "其他费",
}  # fmt: skip
#: drug_dict.drug_cat → fee category
DRUG_FEE_CAT: dict[str, str] = {"西药": "09", "中成药": "11", "中药饮片": "10"}
DEFAULT_DRUG_FEE_CAT = "09"
MATERIAL_FEE_CAT = "08"

#: charge_bill.pay_channel (code_dict ``pay_channel``) and how often a self-paying patient uses each
PAY_CHANNELS: dict[str, str] = {
    "cash": "现金", "card": "银行卡", "wechat": "微信", "alipay": "支付宝", "none": "无需个人支付",
}  # fmt: skip
CHANNEL_WEIGHTS: tuple[tuple[str, int], ...] = (("wechat", 42), ("alipay", 28), ("card", 18), ("cash", 12))
#: channels paid at a self-service terminal or a phone: no cashier on the bill
SELF_SERVICE = ("wechat", "alipay", "none")

#: 先诊疗后付费 sign types (credit_sign.sign_type) and the credit limits offered
SIGN_MEDICARE, SIGN_UNIONPAY = "1", "2"
CREDIT_LIMITS: dict[str, tuple[Decimal, ...]] = {
    SIGN_MEDICARE: (Decimal("1000.00"), Decimal("2000.00"), Decimal("3000.00")),
    SIGN_UNIONPAY: (Decimal("2000.00"), Decimal("5000.00")),
}
SIGN_CHANNELS: tuple[tuple[str, int], ...] = (("app", 70), ("window", 18), ("kiosk", 12))
#: share of the demo days' patients signed up (self-paying visits: 银联; single-settlement 医保 visits: 医保), and of
#: the other patients
P_SIGNED_SELF = 0.12
P_SIGNED_INSURED = 0.08
P_SIGNED_OTHER = 0.04
FROZEN_REASON = "逾期未还款超过30天，列入黑名单"
CANCELLED_REASON = "患者申请解约"


class Charge(NamedTuple):
    """What a lab panel or an exam item is billed as: a charge_item code (None: priced by the 医技 system under
    the panel's or item's own code) and the amount."""

    charge_code: str | None
    amount: Decimal


def _c(code: str | None, amount: str) -> Charge:
    return Charge(code, Decimal(amount))


#: lab panel (lab_report.panel_code) → charge
LAB_CHARGES: dict[str, Charge] = {
    "XCG": _c("XM0020", "25.00"), "NCG": _c("XM0021", "15.00"), "CRP": _c("XM0026", "30.00"),
    "THXHDB": _c("XM0024", "60.00"), "SHQX": _c(None, "120.00"), "FCG": _c(None, "12.00"),
    "LZBD": _c(None, "60.00"), "LGKY": _c(None, "80.00"), "LGHS": _c(None, "120.00"), "XGHS": _c(None, "40.00"),
    "KSGJ": _c(None, "20.00"), "JHHS": _c(None, "150.00"), "HIVKT": _c(None, "50.00"), "CD4": _c(None, "200.00"),
    "XPY": _c(None, "180.00"), "TPY": _c(None, "120.00"),
}  # fmt: skip
DEFAULT_LAB_CHARGE = _c(None, "50.00")
#: exam item (exam_report_item.item_code) → charge
EXAM_CHARGES: dict[str, Charge] = {
    "CT0101": _c("XM0032", "250.00"), "CT0201": _c("XM0034", "220.00"), "DR0101": _c("XM0031", "70.00"),
    "DR0301": _c(None, "90.00"), "DR0401": _c(None, "70.00"), "US0101": _c("XM0033", "150.00"),
    "US0201": _c(None, "120.00"), "MR0101": _c("XM0035", "480.00"), "BL0101": _c(None, "300.00"),
}  # fmt: skip
DEFAULT_EXAM_CHARGE = _c(None, "100.00")
#: the 诊察费 of an outpatient / emergency visit (charge_item codes)
VISIT_FEE, ER_VISIT_FEE = "XM0001", "XM0002"

#: why doctors stop a session
STOP_REASONS: tuple[str, ...] = ("临时手术", "外出会诊", "参加学术会议", "病假")
REVOKED_REASON = "参加学术会议"


class Allergy(NamedTuple):
    allergen_type: str  # 1 药物 / 2 食物 / 3 环境及其他
    allergen_code: str | None
    allergen_name: str
    reaction: str | None
    severity: str | None  # 1 轻度 / 2 中度 / 3 重度


#: 过敏史 as the EMR generator words it (outpatient_note / admission_note allergy_his, front_page allergy_drug)
ALLERGY_TEXTS: dict[str, Allergy] = {
    "青霉素过敏，表现为皮疹": Allergy("1", "GM001", "青霉素", "皮疹", "2"),
    "磺胺类药物过敏": Allergy("1", "GM002", "磺胺类药物", None, None),
    "头孢类抗生素过敏": Allergy("1", "GM003", "头孢类抗生素", None, None),
}
#: allergies a visit's main diagnosis reveals (ICD-10 of visit_diagnosis main_flag 1)
ALLERGY_DIAGS: dict[str, Allergy] = {
    "L50.900": Allergy("2", "GM101", "海鲜", "荨麻疹", "1"),  # 进食海鲜后全身风团
    "T78.400": Allergy("1", None, "药物（具体不详）", "皮疹、胸闷", "3"),  # 服药后皮疹胸闷，抗过敏留观
    "J45.900": Allergy("3", "GM201", "花粉", "喘息", "2"),  # 接触花粉后喘息
}

# -- the planted 先诊疗后付费 journey ------------------------------------------------------------------------------

#: the department, diagnosis, tests and drugs of the journey's visit
JOURNEY_DEPT = "1020"  # 呼吸与危重症医学科门诊
JOURNEY_DIAG = ("J20.900", "急性支气管炎")
JOURNEY_LAB = "XCG"
JOURNEY_EXAM = "DR0101"
#: (drug name, packs) prescribed; the last is the one refunded (the patient did not take it)
JOURNEY_DRUGS: tuple[tuple[str, int], ...] = (("阿奇霉素片", 1), ("盐酸氨溴索口服溶液", 1), ("连花清瘟胶囊", 1))
JOURNEY_ALLERGY = Allergy("1", "GM001", "青霉素", "皮疹", "2")
JOURNEY_REFUND_REASON = "患者放弃取药，申请退费"
JOURNEY_CREDIT_LIMIT = Decimal("5000.00")
#: the new patient's fixed profile: gender, age in years on the demo day, 居民身份证 area
JOURNEY_PATIENT = ("2", 46, "360102")
