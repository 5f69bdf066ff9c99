"""人员: 1101 人员信息获取 and 2001 人员待遇享受检查 (hsa.md §4.1). Both only read: safe to retry (§5.1)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C6,
    C15,
    C30,
    C32,
    C50,
    C500,
    DateTime,
    HsaBody,
    HsaOutput,
    Insutype,
    MdtrtCertType,
    MedType,
    OutDate,
    OutDateTime,
    OutNum,
    OutText,
    PsnCertType,
    f,
    o,
)

_Row = TypeVar("_Row")


def _listed(value: object) -> object:
    """A lone object where the spec has an array (early draft / some clients) is read as a one-row list."""
    return [value] if isinstance(value, dict) else value


#: an output array node that some platforms send as a single object (optional, like every output field)
_OneOrMany = Annotated[list[_Row] | None, BeforeValidator(_listed)]

# -- 1101 人员信息获取 ----------------------------------------------------------------------------------------


class PersonQuery(HsaBody):
    """1101 人员信息获取, input node ``data``."""

    mdtrt_cert_type: MdtrtCertType = f("就诊凭证类型")
    # 01 电子凭证令牌 (ecToken), 02 身份证号, 03 社保卡卡号: identifies the patient whatever the type
    mdtrt_cert_no: C50 = f("就诊凭证编号", pii="patient")
    card_sn: C32 | None = f("卡识别码", None, pii="patient")  # required when mdtrt_cert_type = 03 社会保障卡
    begntime: DateTime | None = f("开始时间", None)  # only to fetch historical 参保 information
    psn_cert_type: PsnCertType = f("人员证件类型")
    certno: C50 | None = f("证件号码", None, pii="patient")
    psn_name: C50 | None = f("人员姓名", None, pii="patient")


class PersonBaseInfo(HsaOutput):
    """1101 output node ``baseinfo``."""

    psn_no: OutText | None = o("人员编号", required=True, pii="patient")
    psn_cert_type: OutText | None = o("人员证件类型", required=True)
    certno: OutText | None = o("证件号码", required=True, pii="patient")
    psn_name: OutText | None = o("人员姓名", required=True, pii="patient")
    gend: OutText | None = o("性别", required=True)
    naty: OutText | None = o("民族")
    brdy: OutDate | None = o("出生日期")
    age: OutNum | None = o("年龄", required=True)
    # added late 2021, JSON text or an object; some platforms spell it ``expContent`` (kept as an extra field)
    exp_content: dict[str, Any] | OutText | None = o("扩展字段")


class PersonInsuInfo(HsaOutput):
    """1101 output node ``insuinfo`` (one row per 险种; the HIS picks one and routes later calls with its
    ``insuplc_admdvs``)."""

    balc: OutNum | None = o("余额", required=True)
    insutype: OutText | None = o("险种类型", required=True)
    psn_type: OutText | None = o("人员类别", required=True)
    psn_insu_stas: OutText | None = o("人员参保状态", required=True)  # 1 正常参保; 4 with paus_insu_date [U]
    psn_insu_date: OutDate | None = o("个人参保日期")
    paus_insu_date: OutDate | None = o("暂停参保日期")
    cvlserv_flag: OutText | None = o("公务员标志", required=True)
    insuplc_admdvs: OutText | None = o("参保地医保区划", required=True)
    emp_name: OutText | None = o("单位名称")


class PersonIdetInfo(HsaOutput):
    """1101 output node ``idetinfo`` (often empty)."""

    psn_idet_type: OutText | None = o("人员身份类别", required=True)
    psn_type_lv: OutText | None = o("人员类别等级")
    memo: OutText | None = o("备注")
    begntime: OutDateTime | None = o("开始时间", required=True)
    endtime: OutDateTime | None = o("结束时间")


class PersonInfoOutput(HsaOutput):
    """1101 ``output``."""

    baseinfo: PersonBaseInfo | None = o("基本信息", required=True)
    # an array on production platforms, a single object in the early (2020) draft sample: both read as a list
    insuinfo: _OneOrMany[PersonInsuInfo] = o("参保信息列表", required=True)
    idetinfo: list[PersonIdetInfo] | None = o("身份信息列表")


# -- 2001 人员待遇享受检查 ------------------------------------------------------------------------------------


class TreatmentCheck(HsaBody):
    """2001 人员待遇享受检查, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    insutype: Insutype = f("险种类型")
    fixmedins_code: C15 = f("定点医药机构编号")  # C 12 in the spec; C15 is the nearest declared length
    med_type: MedType = f("医疗类别")
    begntime: DateTime = f("开始时间")
    endtime: DateTime | None = f("结束时间", None)
    dise_codg: C30 | None = f("病种编码", None)
    dise_name: C500 | None = f("病种名称", None)
    oprn_oprt_code: C30 | None = f("手术操作代码", None)  # required for 日间手术 病种
    oprn_oprt_name: C500 | None = f("手术操作名称", None)
    matn_type: C6 | None = f("生育类别", None)  # dict; value set not captured
    birctrl_type: C6 | None = f("计划生育手术类别", None)  # dict; value set not captured


class TreatmentInfo(HsaOutput):
    """2001 output node ``trtinfo``."""

    psn_no: OutText | None = o("人员编号", required=True, pii="patient")
    trt_chk_type: OutText | None = o("待遇检查类型", required=True)
    fund_pay_type: OutText | None = o("基金支付类型", required=True)
    trt_enjymnt_flag: OutText | None = o("基金款项待遇享受标志", required=True)
    begndate: OutDate | None = o("开始日期", required=True)
    enddate: OutDate | None = o("结束日期")
    trt_chk_rslt: OutText | None = o("待遇检查结果")  # the reason benefits are not granted


class TreatmentCheckOutput(HsaOutput):
    """2001 ``output``."""

    # an array in most clients, read as a single object by one: both read as a list
    trtinfo: _OneOrMany[TreatmentInfo] = o("待遇信息", required=True)


# fmt: off
ENTRIES = (
    Txn("1101", "人员信息获取", "data", PersonQuery, changes_state=False, output=PersonInfoOutput, group="人员",
        section="4.1",
        unknowns="An early (2020) draft returns insuinfo as one object with insu_admdvs/psn_insu_rlts_id where "
                 "production platforms return an array with insuplc_admdvs (both shapes read as a list, the draft's "
                 "fields kept as extras); psn_insu_stas values other than 1 are uncertain."),
    Txn("2001", "人员待遇享受检查", "data", TreatmentCheck, changes_state=False, output=TreatmentCheckOutput,
        group="人员", section="4.1",
        unknowns="trtinfo is an array in most clients and a single object in one (both read as a list); the "
                 "trt_chk_type, trt_enjymnt_flag, matn_type and birctrl_type value sets are not captured."),
)
# fmt: on
