"""The code sets of the 互认 platform's bodies, and the 不互认 reasons — data, read by the models (closed
``Literal`` types, names filled from codes), the docs table and the workstation page.

Sources: GB/T 2261.1 (性别), the analogue's dictionaries (platforms.md §2.2) and our declared wire spec where
the analogue is silent. Codes with "…" in the spec (互认范围, 检查类型) are open: only their shape is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


def _frozen(pairs: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(pairs)


#: 性别代码 GB/T 2261.1
GENDERS = _frozen({"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"})
#: 证件类型代码
ID_CARD_TYPES = _frozen({
    "01": "居民身份证", "02": "居民户口簿", "03": "护照", "04": "军官证", "06": "港澳居民来往内地通行证",
    "07": "台湾居民来往内地通行证", "99": "其他",
})
#: 就诊类型代码 (报告)
DIAG_TYPES = _frozen({"1": "门诊", "2": "急诊", "3": "住院", "4": "体检"})
#: 就诊类型代码 (挂号: 门诊与急诊)
REGISTRATION_DIAG_TYPES = _frozen({"1": "门诊", "2": "急诊"})
#: 异常标识
ANOMALIES = _frozen({"N": "正常", "H": "偏高", "L": "偏低", "A": "异常"})
#: 细菌检出结果 (the value is the name itself)
BACTERIA_RESULTS = _frozen({"检出": "检出", "未检出": "未检出"})
#: 药敏结果
SUSCEPTIBILITIES = _frozen({"S": "敏感", "I": "中介", "R": "耐药", "SDD": "剂量依赖性敏感"})
#: 检查结果代码
EXAM_RESULTS = _frozen({"1": "阴性", "2": "阳性", "3": "不确定"})
#: 预约类型
APPOINT_TYPES = _frozen({"1": "门诊号源", "2": "检查", "3": "检验"})
#: 预约渠道
APPOINT_CHANNELS = _frozen({"1": "窗口", "2": "自助机", "3": "微信", "4": "电话", "5": "诊间", "9": "其他"})
#: 预约状态
APPOINT_STATUSES = _frozen({"1": "已预约", "2": "已取消", "3": "已就诊", "4": "爽约"})
#: 挂号类别
REGISTRATION_TYPES = _frozen({"1": "普通", "2": "专家", "3": "急诊"})
#: 挂号状态
REGISTRATION_STATUSES = _frozen({"1": "正常", "2": "已退号"})
#: 项目类型 (检验 / 检查)
ITEM_TYPES = _frozen({"LIS": "检验", "PACS": "检查"})
#: 提醒类型 (record uploads carry it as text)
SEARCH_TYPES = _frozen({"1": "接诊提醒", "2": "开单提醒"})
#: 客户端类型
CLIENT_TYPES = _frozen({"1": "平台客户端", "2": "自研客户端"})
#: 互认范围 — open ("…" in the spec): known codes, others of the same shape accepted
MTU_REC_LIMITS = _frozen({"1": "省内", "2": "市内", "3": "院内"})
MTU_REC_LIMIT_PATTERN = r"^\d{1,2}$"

#: every closed code set, by the name the docs use
CODE_SETS: Mapping[str, tuple[str, Mapping[str, str]]] = MappingProxyType({
    "gender": ("性别（GB/T 2261.1）", GENDERS),
    "id_card_type": ("证件类型", ID_CARD_TYPES),
    "diag_type": ("就诊类型（报告）", DIAG_TYPES),
    "registration_diag_type": ("就诊类型（挂号）", REGISTRATION_DIAG_TYPES),
    "anomaly": ("异常标识", ANOMALIES),
    "bacteria_result": ("细菌检出结果", BACTERIA_RESULTS),
    "susceptibility": ("药敏结果", SUSCEPTIBILITIES),
    "exam_result": ("检查结果", EXAM_RESULTS),
    "appoint_type": ("预约类型", APPOINT_TYPES),
    "appoint_channel": ("预约渠道", APPOINT_CHANNELS),
    "appoint_status": ("预约状态", APPOINT_STATUSES),
    "registration_type": ("挂号类别", REGISTRATION_TYPES),
    "registration_status": ("挂号状态", REGISTRATION_STATUSES),
    "item_type": ("项目类型", ITEM_TYPES),
    "search_type": ("提醒类型", SEARCH_TYPES),
    "client_type": ("客户端类型", CLIENT_TYPES),
    "mtu_rec_limit": ("互认范围（开放：一至两位数字）", MTU_REC_LIMITS),
})


@dataclass(frozen=True)
class Reason:
    """A 不互认 reason (platforms.md §2.2; 01–08 follow 国卫医发〔2022〕6号)."""

    code: str
    title: str
    #: counts as a 不互认 in the platform's statistics (98 and 99 do not)
    counted: bool = True
    #: the record must name the disease monitored (``diagName``)
    needs_diag_name: bool = False


REASON_TABLE: tuple[Reason, ...] = (
    Reason("01", "病情变化、结果与临床不符"),
    Reason("02", "结果在病程中变化快"),
    Reason("03", "对诊疗意义重大（手术、输血等前）"),
    Reason("04", "急诊/急救/危重"),
    Reason("05", "司法/伤残/病退/劳动仲裁鉴定"),
    Reason("06", "需特定资质机构的项目"),
    Reason("07", "医师认为有必要复查"),
    Reason("08", "其他确需复查"),
    Reason("98", "未收到外院影像资料", counted=False),
    Reason("99", "连续性监测需要", counted=False, needs_diag_name=True),
)
#: 不互认原因: code → name (a plain dict, as the interface promises; treat it as read-only)
REASONS: dict[str, str] = {r.code: r.title for r in REASON_TABLE}
#: code → the reason with its rules
REASON_RULES: Mapping[str, Reason] = MappingProxyType({r.code: r for r in REASON_TABLE})
#: reasons that do not count as 不互认
NOT_COUNTED: frozenset[str] = frozenset(r.code for r in REASON_TABLE if not r.counted)
#: reasons whose record must carry ``diagName``
NEEDS_DIAG_NAME: frozenset[str] = frozenset(r.code for r in REASON_TABLE if r.needs_diag_name)
