"""Fixed reference data of the demo HIS's 预约 and the planted 互认 cases. Used by :mod:`demo.his.mutual`.

Everything is synthetic. The HIS codes stay the HIS's own (``wechat`` channel, ``booked`` status, the LIS panel
``THXHDB``) so that the ``mutual_*`` feeds must map them to the platform's codes through
``include/mappings/mutual_codes.yaml`` and ``mutual_items.yaml``; the platform's codes are not written here.
"""

from __future__ import annotations

from datetime import time

from demo.his.emr_refdata import Germ, LabItem, LabPanel

#: appointment.channel values and how often patients use them (a provincial hospital in 2026: mostly WeChat)
CHANNEL_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("wechat", 46),  # 微信公众号/小程序
    ("kiosk", 14),  # 自助机
    ("window", 14),  # 挂号窗口
    ("phone", 8),  # 电话预约
    ("clinic", 14),  # 诊间预约 (the doctor books the next visit or the exam)
    ("other", 4),  # 其他 (12320, 社区转诊)
)

#: the HIS's 就诊时段 (registration.time_slot) → the session an appointment slot lies in
SESSIONS: dict[str, tuple[time, time]] = {
    "1": (time(8, 0), time(12, 0)),
    "2": (time(13, 30), time(17, 30)),
    "3": (time(18, 0), time(21, 0)),
}
#: 号源 are released per half hour
SLOT_MINUTES = 30

#: share of the outpatient exams (CT / MR / US) that were booked beforehand, and of the lab tests (fasting panels)
P_EXAM_BOOKED = 0.7
P_LAB_BOOKED = 0.5
#: panels a patient books (空腹抽血, CD4 by appointment); other lab tests are walk-in
BOOKED_PANELS = ("SHQX", "CD4")
#: exams booked for a later day from the demo days' visits: (exam type, HIS item code, item name, 医技科室)
FUTURE_EXAMS: tuple[tuple[str, str, str, str], ...] = (
    ("MR", "MR0101", "头颅MRI平扫", "5020"),
    ("US", "US0101", "肝胆胰脾超声", "5030"),
    ("CT", "CT0101", "胸部CT平扫", "5020"),
    ("US", "US0201", "泌尿系超声", "5030"),
)
#: clinic bookings for later days per 100 registrations of a demo day, and the share cancelled the same day
FUTURE_CLINIC_PER_100 = 8
P_CANCEL_SAME_DAY = 0.08

#: The LIS panel the lab started in the week of the demo and has not yet mapped to a platform item (对照): its
#: reports stay quarantined with "代码未对照" until the lab adds it to include/mappings/mutual_items.yaml.
UNMAPPED_PANEL = LabPanel(
    "THXHDB",
    "糖化血红蛋白测定",
    "BLD",
    (LabItem("HbA1c", "糖化血红蛋白", "N", "%", 4.0, 6.0, 1, None, None),),
)
#: its value for the planted (diabetic-looking) patient
UNMAPPED_VALUE = ("7.8", "H")

#: The planted revised lab report: 血常规 whose 血小板 was first reported low from a clotted (聚集) specimen, then
#: re-tested and corrected the next morning (revision 2). (item, first value, first flag, corrected, flag)
REVISED_ITEM = ("PLT", "86", "L", "182", "N")
REVISED_REMARK = "复核修正：首次标本血小板聚集致计数假性减低，重新检测后更正血小板计数"

#: The planted withdrawn lab report (撤回: the specimen belonged to another patient)
WITHDRAWN_REASON = "标本与患者信息不符，报告撤回"

#: The planted microbiology report: sputum culture of an inpatient growing MRSA, with its 药敏 (S/I/R, MIC μg/ml)
MRSA = Germ(
    "SAU",
    "金黄色葡萄球菌",
    (
        ("OXA", "苯唑西林", "R", "≥4"),
        ("VAN", "万古霉素", "S", "1"),
        ("LZD", "利奈唑胺", "S", "2"),
        ("ERY", "红霉素", "R", "≥8"),
        ("CLI", "克林霉素", "I", "1"),
    ),
)

#: The planted revised exam report: a chest CT first read as normal, corrected on audit the next morning
EXAM_REVISED_FIRST = (
    "双肺纹理清晰，未见明确实质性病变，气管支气管通畅，纵隔居中，未见肿大淋巴结。",
    "胸部CT平扫未见明显异常。",
)
EXAM_REVISED_SECOND = (
    "右肺上叶尖段见一磨玻璃密度结节，大小约6mm×5mm，边界清；余双肺纹理清晰，纵隔居中，未见肿大淋巴结。",
    "右肺上叶磨玻璃结节（约6mm），建议6-12个月后复查胸部CT。",
)
EXAM_REVISED_REMARK = "审核修改：补充右肺上叶磨玻璃结节描述"
