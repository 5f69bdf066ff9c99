"""Fixed reference data of the demo HIS's 医保 settlement side: charge items, their 医保 limits, diagnoses and
the inpatient case mix. Used by :mod:`demo.his.insurance`.

Everything is synthetic. National codes have the shapes of the national rules (医疗服务项目 15 digits, 医用耗材
``C`` + 20 characters) but are not real codes, except the three the 医保 simulator's built-in catalogue knows
(普通门诊诊察费, 床位费, 一次性使用输液器), so that those price-checks work in the simulator too.
ICD-10 (医保版) diagnosis codes and ICD-9-CM-3 operation codes are shaped like the 医保版 ones.
"""

from __future__ import annotations

from typing import NamedTuple


class ChargeItemRef(NamedTuple):
    code: str
    name: str
    kind: str  # item 医疗服务项目 / material 医用耗材
    chrgitm_type: str  # 医疗收费项目类别 (hsa.md §6): 01 床位费 02 诊察费 03 检查费 04 化验费 05 治疗费 …
    unit: str
    spec: str | None
    price: str
    national: str | None  # NULL = 未对照


def _i(code: str, name: str, chrg: str, unit: str, price: str, national: str | None) -> ChargeItemRef:
    return ChargeItemRef(code, name, "item", chrg, unit, None, price, national)


def _m(code: str, name: str, unit: str, spec: str, price: str, national: str | None) -> ChargeItemRef:
    return ChargeItemRef(code, name, "material", "08", unit, spec, price, national)


# Item codes the generator refers to by name.
OTP_EXAM = "XM0001"  # 普通门诊诊察费
ER_EXAM = "XM0002"  # 急诊诊察费
IPT_EXAM = "XM0003"  # 住院诊察费
BED = "XM0010"  # 床位费 — the only 01 床位费 item: billed once a day, at 00:05 for the night before
NURSING_1 = "XM0011"  # 一级护理 (insu_item_limit daily_max_qty 1)
NURSING_2 = "XM0012"  # 二级护理 (insu_item_limit daily_max_qty 1)
GLUCOSE = "XM0025"  # 末梢血糖测定 (insu_item_limit daily_max_qty 8)
IV_DRIP = "XM0040"  # 静脉输液
DRESSING = "XM0043"  # 大换药
MRI = "XM0035"  # 磁共振平扫 — its national code changes on the demo day
CT_CHEST = "XM0032"  # 胸部CT平扫 — its national code changed long ago (history in catalog_map)
TCT = "XM0060"  # 宫颈液基细胞学检查 (限女性)
PSA = "XM0061"  # 前列腺特异性抗原测定 (限男性)
CHILD_MASSAGE = "XM0062"  # 小儿推拿治疗 (限 14 岁及以下)
GERIATRIC = "XM0063"  # 老年综合评估 (限 60 岁及以上)
INFUSION_SET = "HC0001"  # 一次性使用输液器
SYRINGE = "HC0002"
CANNULA = "HC0003"
# 未对照 (no national code), active: used in the last 30 days in clearly different amounts …
UNCODED_CARER_BED = "XM0090"  # 陪护床位费 (14 其他费, so not a second 床位费 of the day)
UNCODED_DRESSING_PACK = "HC0090"  # 院内制备换药包
UNCODED_DIET = "XM0091"  # 营养膳食指导
# … used only more than 30 days ago, never used
UNCODED_OLD = "XM0092"  # 临床营养风险筛查
UNCODED_UNUSED = "HC0091"  # 院内自制凡士林纱布
# 目录对照 events on the demo day
WITHDRAWN = "XM0093"  # 红外线治疗: stopped on the day (is_active 0), its 对照 withdrawn
NEW_ITEM = "XM0070"  # 互联网复诊费: new on the day, mapped on the day
NEW_MATERIAL = "HC0070"  # 一次性使用鼻氧管: new on the day, mapped on the day
MALFORMED = "HC0071"  # 一次性使用吸痰管: new on the day, mapped with a mistyped national code

#: the mistyped national code (a hyphen, too short) of the malformed 对照
MALFORMED_CODE = "C1402011234-5678"
#: the national code MRI had until the demo day, and the one it has from then on
MRI_OLD_CODE = "002203000010000"
MRI_NEW_CODE = "002203000010100"
#: the code CT_CHEST had until its change long ago
CT_CHEST_OLD_CODE = "002203000020000"

CHARGE_ITEMS: tuple[ChargeItemRef, ...] = (
    _i(OTP_EXAM, "普通门诊诊察费", "02", "次", "20.00", "001102000010000"),
    _i(ER_EXAM, "急诊诊察费", "02", "次", "25.00", "001102000020000"),
    _i(IPT_EXAM, "住院诊察费", "02", "日", "20.00", "001103000010000"),
    _i(BED, "床位费(普通病房三人间)", "01", "床日", "45.00", "002201000010000"),
    _i(NURSING_1, "一级护理", "07", "日", "38.00", "001204000010000"),
    _i(NURSING_2, "二级护理", "07", "日", "25.00", "001204000020000"),
    _i("XM0020", "血细胞分析(血常规)", "04", "次", "25.00", "002501010150000"),
    _i("XM0021", "尿液分析(尿常规)", "04", "次", "15.00", "002501020010000"),
    _i("XM0022", "肝功能测定", "04", "次", "60.00", "002503010010000"),
    _i("XM0023", "肾功能测定", "04", "次", "45.00", "002503020010000"),
    _i("XM0024", "糖化血红蛋白测定", "04", "次", "60.00", "002503040010000"),
    _i(GLUCOSE, "末梢血糖测定", "04", "次", "8.00", "002503040020000"),
    _i("XM0026", "C反应蛋白测定", "04", "次", "30.00", "002505010010000"),
    _i("XM0030", "常规心电图检查", "03", "次", "20.00", "003102010010000"),
    _i("XM0031", "胸部X线摄影(DR)", "03", "次", "70.00", "002201010010000"),
    _i(CT_CHEST, "胸部CT平扫", "03", "次", "250.00", "002203000020100"),
    _i("XM0033", "腹部彩色多普勒超声", "03", "次", "150.00", "002204010010000"),
    _i("XM0034", "头颅CT平扫", "03", "次", "220.00", "002203000030000"),
    _i(MRI, "磁共振平扫(1.5T)", "03", "次", "480.00", MRI_NEW_CODE),
    _i(IV_DRIP, "静脉输液", "05", "组", "12.00", "001206000010000"),
    _i("XM0041", "肌肉注射", "05", "次", "3.00", "001206000020000"),
    _i("XM0042", "雾化吸入", "05", "次", "10.00", "003107000010000"),
    _i(DRESSING, "大换药", "05", "次", "30.00", "001208000010000"),
    _i("XM0050", "经皮冠状动脉支架置入术", "06", "次", "6500.00", "003302030010000"),
    _i("XM0051", "腹腔镜下胆囊切除术", "06", "次", "2800.00", "003307060010000"),
    _i("XM0052", "全身麻醉", "06", "次", "1200.00", "003303000010000"),
    _i("XM0053", "腹腔镜下阑尾切除术", "06", "次", "2200.00", "003307050010000"),
    _i("XM0054", "纤维支气管镜检查", "03", "次", "350.00", "003106010010000"),
    _i(TCT, "宫颈液基细胞学检查(TCT)", "04", "次", "150.00", "002701010010000"),
    _i(PSA, "前列腺特异性抗原测定(PSA)", "04", "次", "80.00", "002506010010000"),
    _i(CHILD_MASSAGE, "小儿推拿治疗", "05", "次", "40.00", "004103000010000"),
    _i(GERIATRIC, "老年综合评估", "05", "次", "60.00", "003110000010000"),
    _m(INFUSION_SET, "一次性使用输液器", "支", "带针 0.7mm", "3.50", "C14020112345678901234"),
    _m(SYRINGE, "一次性使用无菌注射器", "支", "5ml 带针", "0.80", "C14020112345678905678"),
    _m(CANNULA, "一次性使用静脉留置针", "支", "22G", "12.00", "C14020212345678900011"),
    _m("HC0004", "药物洗脱冠状动脉支架系统", "套", "3.0×18mm", "5800.00", "C02030412345678900021"),
    _m("HC0005", "可吸收外科缝线", "根", "2-0 带针", "85.00", "C13020112345678900031"),
    # 未对照
    _i(UNCODED_CARER_BED, "陪护床位费", "14", "日", "15.00", None),
    _m(UNCODED_DRESSING_PACK, "院内制备换药包", "包", "标准型", "35.00", None),
    _i(UNCODED_DIET, "营养膳食指导", "14", "次", "20.00", None),
    _i(UNCODED_OLD, "临床营养风险筛查", "14", "次", "10.00", None),
    _m(UNCODED_UNUSED, "院内自制凡士林纱布", "块", "10cm×10cm", "10.00", None),
    # 目录对照 events on the day (WITHDRAWN's national code is only in catalog_map: the item is stopped)
    _i(WITHDRAWN, "红外线治疗", "05", "次", "15.00", None),
    _i(NEW_ITEM, "互联网复诊费", "02", "次", "20.00", "001102000030000"),
    _m(NEW_MATERIAL, "一次性使用鼻氧管", "根", "成人 双腔", "3.00", "C14021012345678900041"),
    _m(MALFORMED, "一次性使用吸痰管", "根", "F12", "2.50", MALFORMED_CODE),
)

#: the national code WITHDRAWN had until the day
WITHDRAWN_CODE = "001209000010000"
#: charge items created on the demo day (their dictionary rows and 对照 are dated that day)
NEW_ON_DAY = (NEW_ITEM, NEW_MATERIAL, MALFORMED)


class LimitRef(NamedTuple):
    gender_limit: str | None
    min_age: int | None
    max_age: int | None
    daily_max_qty: int | None
    indication_diag: str | None
    limit_note: str


#: 医保限制条件 of charge items (item_code → limit); drug limits are by drug name (DRUG_LIMITS).
ITEM_LIMITS: dict[str, LimitRef] = {
    TCT: LimitRef("2", None, None, None, None, "限女性"),
    PSA: LimitRef("1", None, None, None, None, "限男性"),
    CHILD_MASSAGE: LimitRef(None, None, 14, None, None, "限14周岁及以下儿童"),
    GERIATRIC: LimitRef(None, 60, None, None, None, "限60周岁及以上老年患者"),
    NURSING_1: LimitRef(None, None, None, 1, None, "按日计价，每日限1次"),
    NURSING_2: LimitRef(None, None, None, 1, None, "按日计价，每日限1次"),
    GLUCOSE: LimitRef(None, None, None, 8, None, "每日限8次"),
}

INDICATED_DRUG = "阿卡波糖片"  # the drug of the 限定支付范围 cases
DRUG_LIMITS: dict[str, LimitRef] = {
    INDICATED_DRUG: LimitRef(None, None, None, None, "E11", "限2型糖尿病"),
    "门冬胰岛素注射液": LimitRef(None, None, None, None, "E10,E11,O24", "限1型、2型糖尿病及妊娠期糖尿病患者"),
}

#: A hospital preparation (院内制剂) the generator adds to drug_dict: active, no national code, used only on
#: fee lines (never dispensed through the outpatient pharmacy, so no sale_line).
PREPARATION = {
    "drug_code": "ZJ000001",
    "drug_name": "复方薄荷脑滴鼻液(院内制剂)",
    "spec": "10ml",
    "dosage_form": "滴鼻剂",
    "drug_cat": "西药",
    "pack_unit": "瓶",
    "dose_unit": "瓶",
    "pack_qty": 1,
    "prodentp_name": "南昌市第一医院制剂室",
    "aprvno": "赣药制字H20150012",
    "rx_type": "RX",
    "retail_price": "18.00",
    "trace_required": "N",
}


class Diag(NamedTuple):
    code: str
    name: str
    gender: str | None = None  # only for this gender


_D = Diag
CARDIO = (_D("I10.x00", "原发性高血压"), _D("I25.100", "冠状动脉粥样硬化性心脏病"), _D("I48.x00", "心房颤动"),
          _D("R07.400", "胸痛"))  # fmt: skip
ENDO = (_D("E11.900", "2型糖尿病"), _D("E11.900", "2型糖尿病"), _D("E03.900", "甲状腺功能减退症"),
        _D("E05.900", "甲状腺毒症"))  # fmt: skip
PEDS = (_D("J06.900", "急性上呼吸道感染"), _D("J20.900", "急性支气管炎"), _D("A09.900", "胃肠炎和结肠炎"))
GENERAL = (_D("J06.900", "急性上呼吸道感染"), _D("I10.x00", "原发性高血压"), _D("R51.x00", "头痛"),
           _D("E78.500", "高脂血症"))  # fmt: skip
DIABETES = Diag("E11.900", "2型糖尿病")
HYPERTENSION = Diag("I10.x00", "原发性高血压")

#: Outpatient diagnoses by department (the visit's main diagnosis, insu_settlement.main_diag_code).
OTP_DIAGS: dict[str, tuple[Diag, ...]] = {
    "1010": CARDIO,
    "1020": (_D("J18.900", "肺炎"), _D("J44.100", "慢性阻塞性肺疾病伴有急性加重"), _D("J45.900", "支气管哮喘"),
             _D("J20.900", "急性支气管炎")),
    "1030": (_D("K29.700", "胃炎"), _D("K21.000", "胃食管反流病伴有食管炎"), _D("K25.900", "胃溃疡"),
             _D("K58.900", "肠易激综合征")),
    "1040": ENDO,
    "1050": (_D("I63.900", "脑梗死"), _D("G43.900", "偏头痛"), _D("R42.x00", "头晕"), _D("G47.000", "失眠")),
    "1060": (_D("N18.300", "慢性肾脏病3期"), _D("N04.900", "肾病综合征"), _D("N39.000", "尿路感染")),
    "1070": (_D("K80.200", "胆囊结石不伴有胆囊炎"), _D("K40.900", "腹股沟疝"), _D("E04.100", "甲状腺单个结节"),
             _D("L02.900", "皮肤脓肿")),
    "1080": (_D("M54.500", "腰痛"), _D("M17.900", "膝关节病"), _D("M47.800", "颈椎病"), _D("S52.500", "桡骨下端骨折")),
    "1090": (_D("N20.000", "肾结石"), _D("N40.x00", "前列腺增生", "1"), _D("N39.000", "尿路感染")),
    "1100": (_D("N76.000", "急性阴道炎", "2"), _D("D25.900", "子宫平滑肌瘤", "2"), _D("N92.000", "月经过多", "2")),
    "1110": PEDS,
    "1120": (_D("H25.900", "老年性白内障"), _D("H10.900", "结膜炎"), _D("H40.900", "青光眼")),
    "1130": (_D("J32.900", "慢性鼻窦炎"), _D("J02.900", "急性咽炎"), _D("H91.900", "听力减退")),
    "1140": (_D("K02.900", "龋病"), _D("K05.100", "慢性龈炎"), _D("K04.000", "牙髓炎")),
    "1150": (_D("L30.900", "皮炎"), _D("L50.900", "荨麻疹"), _D("L70.000", "寻常痤疮")),
    "1160": (_D("G47.000", "失眠"), _D("K59.000", "便秘"), _D("R53.x00", "不适和疲劳")),
    "1170": GENERAL,
    "1180": (_D("R10.400", "腹痛"), _D("T78.400", "过敏反应"), _D("S01.800", "头部开放性伤口"), _D("R07.400", "胸痛")),
    "1190": (_D("R50.900", "发热"), _D("J06.900", "急性上呼吸道感染"), _D("J11.100", "流行性感冒")),
    "2010": CARDIO,
    "2020": ENDO,
    "2030": PEDS,
    "2040": GENERAL,
}  # fmt: skip

#: What an outpatient visit of a department uses: drug classes (ATC prefixes of refdata.DRUGS.category; "Z" =
#: any 中成药) and charge items (tests, treatments, consumables).
OTP_DRUGS: dict[str, tuple[str, ...]] = {
    "1010": ("C", "B01"), "1020": ("J01", "R03", "R05", "R06"), "1030": ("A02", "A03", "A07"),
    "1040": ("A10", "H03"), "1050": ("N03", "N05", "N06", "B03", "C10"), "1060": ("C03", "C09", "B03"),
    "1070": ("J01", "M01", "N02"), "1080": ("M01", "A12"), "1090": ("G04", "J01M"), "1100": ("P01", "J01"),
    "1110": ("J01C", "R05", "A07", "R06"), "1120": ("S01",), "1130": ("R01", "J01"), "1140": ("J01", "P01", "N02"),
    "1150": ("D06", "R06"), "1160": ("Z",), "1170": ("J01", "N02", "R05", "C08"), "1180": ("N02", "M01", "J01", "A03"),
    "1190": ("J05", "N02", "Z"), "2010": ("C", "B01"), "2020": ("A10", "H03"), "2030": ("J01C", "R05", "A07"),
    "2040": ("J01", "N02", "R05", "C08"),
}  # fmt: skip
OTP_ITEMS: dict[str, tuple[str, ...]] = {
    "1010": ("XM0030", "XM0020", "XM0023"), "1020": ("XM0020", "XM0026", "XM0031", CT_CHEST, "XM0042"),
    "1030": ("XM0033", "XM0022"), "1040": ("XM0024", GLUCOSE, "XM0022", "XM0023"), "1050": ("XM0034", MRI),
    "1060": ("XM0023", "XM0021"), "1070": ("XM0033", DRESSING), "1080": ("XM0031", MRI), "1090": ("XM0021", PSA),
    "1100": (TCT, "XM0021"), "1110": ("XM0020", CHILD_MASSAGE, "XM0042"), "1120": (), "1130": ("XM0020",),
    "1140": (), "1150": (), "1160": (), "1170": ("XM0020", "XM0030", GERIATRIC), "1180": ("XM0020", "XM0030",
    "XM0034", IV_DRIP), "1190": ("XM0020", "XM0026", CT_CHEST), "2010": ("XM0030",), "2020": ("XM0024", GLUCOSE),
    "2030": ("XM0020", CHILD_MASSAGE), "2040": ("XM0020", GERIATRIC),
}  # fmt: skip


class Operation(NamedTuple):
    code: str  # ICD-9-CM-3 (医保版)
    name: str
    anst_way: str  # 麻醉方式 (医保 code as the HIS keeps it): 1 全身麻醉, 3 局部麻醉
    items: tuple[str, ...]  # charge items billed on the operation day


class WardCase(NamedTuple):
    main: Diag
    others: tuple[Diag, ...]  # candidate other diagnoses
    operation: Operation | None
    drugs: tuple[str, ...]  # drug classes as in OTP_DRUGS
    nursing: str  # the nursing level the stay starts with


_PCI = Operation("36.0700", "经皮冠状动脉药物洗脱支架置入术", "3", ("XM0050", "HC0004"))
_CHOLE = Operation("51.2300", "腹腔镜下胆囊切除术", "1", ("XM0051", "XM0052", "HC0005"))
_APPY = Operation("47.0100", "腹腔镜下阑尾切除术", "1", ("XM0053", "XM0052", "HC0005"))
_BRONCH = Operation("33.2200", "纤维支气管镜检查", "3", ("XM0054",))
_HT = _D("I10.x00", "原发性高血压")
_LIPID = _D("E78.500", "高脂血症")
_COPD = _D("J44.900", "慢性阻塞性肺疾病")

#: The inpatient case mix per ward (dept codes of refdata.DEPTS with dept_type inpatient).
WARD_CASES: dict[str, tuple[WardCase, ...]] = {
    "4010": (
        WardCase(_D("I20.000", "不稳定型心绞痛"), (_HT, _LIPID), _PCI, ("B01", "C10", "C07", "C01"), NURSING_1),
        WardCase(_D("I50.900", "心力衰竭"), (_HT, _D("I48.x00", "心房颤动")), None, ("C03", "C09", "C07"), NURSING_1),
        WardCase(_D("I25.100", "冠状动脉粥样硬化性心脏病"), (_HT, _LIPID), None, ("B01", "C10", "C08"), NURSING_2),
    ),
    "4020": (
        WardCase(_D("J18.900", "肺炎"), (_HT, _COPD), None, ("J01", "R05"), NURSING_2),
        WardCase(_D("J44.100", "慢性阻塞性肺疾病伴有急性加重"), (_HT,), _BRONCH, ("J01", "R03", "R05"), NURSING_1),
        WardCase(_D("J45.900", "支气管哮喘"), (_D("J30.400", "变应性鼻炎"),), None, ("R03", "R06"), NURSING_2),
    ),
    "4030": (
        WardCase(_D("K80.100", "胆囊结石伴有其他胆囊炎"), (_HT,), _CHOLE, ("J01", "A02"), NURSING_1),
        WardCase(_D("K35.800", "急性阑尾炎"), (), _APPY, ("J01", "P01"), NURSING_1),
        WardCase(_D("I63.900", "脑梗死"), (_HT, _LIPID), None, ("B01", "C10", "B03"), NURSING_1),
        WardCase(DIABETES, (_HT, _LIPID), None, ("A10", "C10"), NURSING_2),
    ),
}  # fmt: skip

#: The outpatient department whose doctors and nurses also staff each ward.
WARD_STAFF = {"4010": ("1010",), "4020": ("1020",), "4030": ("1070", "1080", "2040")}

#: 职业 (GB/T 6565) and 与患者关系 (GB/T 4761) codes the HIS keeps for the contact person
PROFESSIONS = ("11", "13", "17", "21", "24", "27", "51", "54", "70", "80", "90")
RELATIONS = ("1", "2", "3", "5", "7", "9")  # 配偶, 子, 女, 父母, 兄弟姐妹, 其他
