"""Fixed reference data of the demo HIS: departments, drug catalogue, suppliers, movement types, streets.

Written out by hand so the demo reads like a real hospital's dictionaries. Everything here is synthetic: the
department codes, approval numbers and licence numbers are shaped like real ones but are not real.
"""

from __future__ import annotations

from typing import NamedTuple


class Dept(NamedTuple):
    code: str
    name: str
    dept_type: str  # outpatient / inpatient / pharmacy / medtech / admin
    campus: str  # main / jiulonghu
    area: str  # 诊区
    floor: str
    spell_code: str  # 拼音首字母


DEPTS: tuple[Dept, ...] = (
    Dept("1010", "心血管内科门诊", "outpatient", "main", "门诊楼三楼A区", "3F", "XXGNKMZ"),
    Dept("1020", "呼吸与危重症医学科门诊", "outpatient", "main", "门诊楼三楼B区", "3F", "HXYWZZYXKMZ"),
    Dept("1030", "消化内科门诊", "outpatient", "main", "门诊楼三楼C区", "3F", "XHNKMZ"),
    Dept("1040", "内分泌科门诊", "outpatient", "main", "门诊楼四楼A区", "4F", "NFMKMZ"),
    Dept("1050", "神经内科门诊", "outpatient", "main", "门诊楼四楼B区", "4F", "SJNKMZ"),
    Dept("1060", "肾内科门诊", "outpatient", "main", "门诊楼四楼C区", "4F", "SNKMZ"),
    Dept("1070", "普通外科门诊", "outpatient", "main", "门诊楼五楼A区", "5F", "PTWKMZ"),
    Dept("1080", "骨科门诊", "outpatient", "main", "门诊楼五楼B区", "5F", "GKMZ"),
    Dept("1090", "泌尿外科门诊", "outpatient", "main", "门诊楼五楼C区", "5F", "MNWKMZ"),
    Dept("1100", "妇科门诊", "outpatient", "main", "门诊楼六楼A区", "6F", "FKMZ"),
    Dept("1110", "儿科门诊", "outpatient", "main", "门诊楼二楼A区", "2F", "EKMZ"),
    Dept("1120", "眼科门诊", "outpatient", "main", "门诊楼六楼B区", "6F", "YKMZ"),
    Dept("1130", "耳鼻咽喉科门诊", "outpatient", "main", "门诊楼六楼C区", "6F", "EBYHKMZ"),
    Dept("1140", "口腔科门诊", "outpatient", "main", "门诊楼七楼A区", "7F", "KQKMZ"),
    Dept("1150", "皮肤科门诊", "outpatient", "main", "门诊楼七楼B区", "7F", "PFKMZ"),
    Dept("1160", "中医科门诊", "outpatient", "main", "门诊楼二楼B区", "2F", "ZYKMZ"),
    Dept("1170", "全科医学科门诊", "outpatient", "main", "门诊楼二楼C区", "2F", "QKYXKMZ"),
    Dept("1180", "急诊内科", "outpatient", "main", "急诊楼一楼", "1F", "JZNK"),
    Dept("1190", "发热门诊", "outpatient", "main", "发热门诊楼一楼", "1F", "FRMZ"),
    Dept("2010", "九龙湖心血管内科门诊", "outpatient", "jiulonghu", "九龙湖门诊二楼A区", "2F", "JLHXXGNKMZ"),
    Dept("2020", "九龙湖内分泌科门诊", "outpatient", "jiulonghu", "九龙湖门诊二楼B区", "2F", "JLHNFMKMZ"),
    Dept("2030", "九龙湖儿科门诊", "outpatient", "jiulonghu", "九龙湖门诊一楼A区", "1F", "JLHEKMZ"),
    Dept("2040", "九龙湖全科医学科门诊", "outpatient", "jiulonghu", "九龙湖门诊一楼B区", "1F", "JLHQKYXKMZ"),
    Dept("3010", "门诊西药房", "pharmacy", "main", "门诊楼一楼", "1F", "MZXYF"),
    Dept("3020", "门诊中药房", "pharmacy", "main", "门诊楼一楼", "1F", "MZZYF"),
    Dept("3030", "九龙湖门诊药房", "pharmacy", "jiulonghu", "九龙湖门诊一楼", "1F", "JLHMZYF"),
    Dept("3040", "住院药房", "pharmacy", "main", "住院楼负一楼", "B1", "ZYYF"),
    Dept("3050", "药库", "pharmacy", "main", "后勤楼一楼", "1F", "YK"),
    Dept("4010", "心血管内科一病区", "inpatient", "main", "住院楼十二楼", "12F", "XXGNKYBQ"),
    Dept("4020", "呼吸与危重症医学科病区", "inpatient", "main", "住院楼十楼", "10F", "HXYWZZYXKBQ"),
    Dept("4030", "九龙湖综合病区", "inpatient", "jiulonghu", "九龙湖住院楼五楼", "5F", "JLHZHBQ"),
    Dept("5010", "检验科", "medtech", "main", "医技楼二楼", "2F", "JYK"),
    Dept("5020", "放射科", "medtech", "main", "医技楼一楼", "1F", "FSK"),
    Dept("6010", "药学部", "admin", "main", "行政楼三楼", "3F", "YXB"),
    Dept("6020", "信息处", "admin", "main", "行政楼五楼", "5F", "XXC"),
)

#: 医保科别 (3401 ``caty``, 诊疗科目 codes) of the clinical and medtech departments; pharmacies and offices have none.
DEPT_CATY: dict[str, str] = {
    "1010": "A03.04", "1020": "A03.01", "1030": "A03.02", "1040": "A03.07", "1050": "A03.03", "1060": "A03.06",
    "1070": "A04.01", "1080": "A04.03", "1090": "A04.04", "1100": "A05.01", "1110": "A07", "1120": "A10",
    "1130": "A11", "1140": "A12", "1150": "A13", "1160": "A50", "1170": "A02", "1180": "A20", "1190": "A16",
    "2010": "A03.04", "2020": "A03.07", "2030": "A07", "2040": "A02",
    "4010": "A03.04", "4020": "A03.01", "4030": "A03",
    "5010": "A30", "5020": "A32", "5030": "A32.03", "5040": "A31", "6030": "A01",
}  # fmt: skip

#: the letter prefix of a 医保人员代码 by role (医师 D, 护士 N, 药师 HY as one public sample shows); others have none
HI_PSN_PREFIX = {"doctor": "D", "nurse": "N", "pharmacist": "HY"}
#: 行政区划 inside the demo hospital's 医保人员代码 (南昌市东湖区)
HI_PSN_AREA = "360102"


def hi_psn_codg(role: str, staff_code: str) -> str | None:
    """The demo's 医保人员代码 of a staff member: role prefix + 行政区划 + six digits from the staff code (derived,
    not drawn, so adding the column left every other generated value as it was)."""
    prefix = HI_PSN_PREFIX.get(role)
    return f"{prefix}{HI_PSN_AREA}{int(staff_code) % 10**6:06d}" if prefix else None


#: Outpatient pharmacy that dispenses for each campus; the drug store that receives purchases.
CAMPUS_PHARMACY = {"main": "3010", "jiulonghu": "3030"}
DRUG_STORE = "3050"
INPATIENT_PHARMACY = "3040"
EMERGENCY_DEPT = "1180"

#: 擅长 texts per outpatient department (the queue screens show them).
SPECIALTIES: dict[str, tuple[str, ...]] = {
    "1010": ("高血压、冠心病的诊治", "心律失常及心力衰竭", "冠心病介入治疗"),
    "1020": ("慢性阻塞性肺疾病、支气管哮喘", "肺部感染及肺结节", "睡眠呼吸暂停综合征"),
    "1030": ("胃食管反流病、消化性溃疡", "炎症性肠病", "消化内镜诊疗"),
    "1040": ("糖尿病及其并发症", "甲状腺疾病", "骨质疏松及代谢性疾病"),
    "1050": ("脑血管病", "头痛、眩晕", "癫痫及帕金森病"),
    "1060": ("慢性肾脏病", "肾小球肾炎", "血液净化"),
    "1070": ("甲状腺及乳腺疾病", "胆囊结石、疝气", "胃肠道肿瘤"),
    "1080": ("颈肩腰腿痛", "骨折创伤", "关节置换"),
    "1090": ("泌尿系结石", "前列腺疾病", "泌尿系肿瘤"),
    "1100": ("妇科炎症", "子宫肌瘤", "月经不调"),
    "1110": ("小儿呼吸道感染", "小儿消化系统疾病", "儿童生长发育"),
    "1120": ("白内障", "青光眼", "眼底病"),
    "1130": ("慢性鼻窦炎", "咽喉疾病", "耳聋耳鸣"),
    "1140": ("牙体牙髓病", "口腔修复", "口腔正畸"),
    "1150": ("湿疹、荨麻疹", "痤疮", "银屑病"),
    "1160": ("中医内科调理", "脾胃病", "失眠"),
    "1170": ("常见病多发病", "慢病管理", "健康体检解读"),
    "1180": ("急危重症救治", "急性中毒", "急性胸痛"),
    "1190": ("发热待查", "呼吸道传染病", "感染性疾病"),
    "2010": ("高血压、冠心病的诊治", "心力衰竭"),
    "2020": ("糖尿病", "甲状腺疾病"),
    "2030": ("小儿呼吸道感染", "儿童保健"),
    "2040": ("常见病多发病", "慢病管理"),
}


class MoveType(NamedTuple):
    code: str  # HIS 库存变动类型 code
    name: str
    direction: str  # in / out


#: The HIS movement types; ``include/mappings/hsa_trace_stock_change.yaml`` maps them to 医保 ``inv_chg_type``.
MOVE_TYPES: tuple[MoveType, ...] = (
    MoveType("DBRK", "调拨入库", "in"),
    MoveType("DBCK", "调拨出库", "out"),
    MoveType("PYRK", "盘盈入库", "in"),
    MoveType("PKCK", "盘亏(盘损)出库", "out"),
    MoveType("XHCK", "报损销毁出库", "out"),
    MoveType("QTRK", "其他入库", "in"),
    MoveType("QTCK", "其他出库", "out"),
    MoveType("CGRK", "采购入库", "in"),
    MoveType("CGTH", "采购退货出库", "out"),
    MoveType("ZYRK", "赠药入库", "in"),
    MoveType("ZYTH", "赠药退回出库", "out"),
)

#: Movement types the generator writes (purchases and returns live in their own tables, so CGRK/CGTH are
#: defined in the dictionary but not generated — a HIS that books them as movements too would double-report).
GENERATED_MOVE_TYPES = ("DBRK", "DBCK", "PYRK", "PKCK", "XHCK", "QTRK", "QTCK", "ZYRK", "ZYTH")


class DrugRef(NamedTuple):
    name: str
    spec: str
    form: str  # 剂型
    pack_unit: str  # 最小包装单位
    dose_unit: str  # 拆零单位
    pack_qty: int  # 每包装含拆零单位数
    category: str  # ATC-like class used in the national code (5 chars)
    kind: str  # X 西药 / Z 中成药 / T 中药饮片
    rx: str  # RX / OTC, as the HIS keeps it
    price: str  # retail price per pack, yuan


DRUGS: tuple[DrugRef, ...] = (
    DrugRef("阿莫西林胶囊", "0.25g*24粒", "胶囊剂", "盒", "粒", 24, "J01CA", "X", "RX", "9.80"),
    DrugRef("头孢克肟分散片", "0.1g*6片", "片剂", "盒", "片", 6, "J01DD", "X", "RX", "23.50"),
    DrugRef("头孢呋辛酯片", "0.25g*12片", "片剂", "盒", "片", 12, "J01DC", "X", "RX", "18.60"),
    DrugRef("阿奇霉素片", "0.25g*6片", "片剂", "盒", "片", 6, "J01FA", "X", "RX", "15.20"),
    DrugRef("克拉霉素缓释片", "0.5g*6片", "片剂", "盒", "片", 6, "J01FA", "X", "RX", "32.00"),
    DrugRef("左氧氟沙星片", "0.5g*4片", "片剂", "盒", "片", 4, "J01MA", "X", "RX", "12.40"),
    DrugRef("甲硝唑片", "0.2g*100片", "片剂", "瓶", "片", 100, "P01AB", "X", "RX", "6.50"),
    DrugRef("奥美拉唑肠溶胶囊", "20mg*14粒", "胶囊剂", "盒", "粒", 14, "A02BC", "X", "RX", "14.70"),
    DrugRef("雷贝拉唑钠肠溶片", "10mg*14片", "片剂", "盒", "片", 14, "A02BC", "X", "RX", "28.90"),
    DrugRef("铝碳酸镁咀嚼片", "0.5g*20片", "片剂", "盒", "片", 20, "A02AD", "X", "OTC", "16.80"),
    DrugRef("多潘立酮片", "10mg*30片", "片剂", "盒", "片", 30, "A03FA", "X", "OTC", "13.50"),
    DrugRef("枸橼酸莫沙必利片", "5mg*24片", "片剂", "盒", "片", 24, "A03FA", "X", "RX", "26.40"),
    DrugRef("蒙脱石散", "3g*10袋", "散剂", "盒", "袋", 10, "A07BC", "X", "OTC", "11.20"),
    DrugRef("双歧杆菌三联活菌胶囊", "210mg*36粒", "胶囊剂", "盒", "粒", 36, "A07FA", "X", "RX", "34.50"),
    DrugRef("盐酸二甲双胍片", "0.5g*20片", "片剂", "盒", "片", 20, "A10BA", "X", "RX", "4.60"),
    DrugRef("格列美脲片", "2mg*30片", "片剂", "盒", "片", 30, "A10BB", "X", "RX", "22.80"),
    DrugRef("阿卡波糖片", "50mg*30片", "片剂", "盒", "片", 30, "A10BF", "X", "RX", "36.90"),
    DrugRef("门冬胰岛素注射液", "3ml:300单位*1支", "注射剂", "支", "支", 1, "A10AB", "X", "RX", "58.30"),
    DrugRef("阿司匹林肠溶片", "100mg*30片", "片剂", "盒", "片", 30, "B01AC", "X", "RX", "15.60"),
    DrugRef("硫酸氢氯吡格雷片", "75mg*7片", "片剂", "盒", "片", 7, "B01AC", "X", "RX", "17.40"),
    DrugRef("利伐沙班片", "10mg*5片", "片剂", "盒", "片", 5, "B01AF", "X", "RX", "29.70"),
    DrugRef("华法林钠片", "2.5mg*60片", "片剂", "瓶", "片", 60, "B01AA", "X", "RX", "12.90"),
    DrugRef("硝苯地平控释片", "30mg*7片", "片剂", "盒", "片", 7, "C08CA", "X", "RX", "31.50"),
    DrugRef("苯磺酸氨氯地平片", "5mg*7片", "片剂", "盒", "片", 7, "C08CA", "X", "RX", "8.20"),
    DrugRef("缬沙坦胶囊", "80mg*7粒", "胶囊剂", "盒", "粒", 7, "C09CA", "X", "RX", "9.90"),
    DrugRef("厄贝沙坦片", "0.15g*7片", "片剂", "盒", "片", 7, "C09CA", "X", "RX", "7.80"),
    DrugRef("琥珀酸美托洛尔缓释片", "47.5mg*7片", "片剂", "盒", "片", 7, "C07AB", "X", "RX", "19.30"),
    DrugRef("单硝酸异山梨酯缓释片", "40mg*14片", "片剂", "盒", "片", 14, "C01DA", "X", "RX", "24.10"),
    DrugRef("盐酸曲美他嗪缓释片", "35mg*30片", "片剂", "盒", "片", 30, "C01EB", "X", "RX", "38.60"),
    DrugRef("螺内酯片", "20mg*100片", "片剂", "瓶", "片", 100, "C03DA", "X", "RX", "8.70"),
    DrugRef("呋塞米片", "20mg*100片", "片剂", "瓶", "片", 100, "C03CA", "X", "RX", "5.40"),
    DrugRef("阿托伐他汀钙片", "20mg*7片", "片剂", "盒", "片", 7, "C10AA", "X", "RX", "11.90"),
    DrugRef("瑞舒伐他汀钙片", "10mg*7片", "片剂", "盒", "片", 7, "C10AA", "X", "RX", "10.50"),
    DrugRef("布洛芬缓释胶囊", "0.3g*20粒", "胶囊剂", "盒", "粒", 20, "M01AE", "X", "OTC", "12.60"),
    DrugRef("对乙酰氨基酚片", "0.5g*12片", "片剂", "盒", "片", 12, "N02BE", "X", "OTC", "5.80"),
    DrugRef("塞来昔布胶囊", "0.2g*6粒", "胶囊剂", "盒", "粒", 6, "M01AH", "X", "RX", "21.30"),
    DrugRef("氯雷他定片", "10mg*6片", "片剂", "盒", "片", 6, "R06AX", "X", "OTC", "15.90"),
    DrugRef("地氯雷他定片", "5mg*6片", "片剂", "盒", "片", 6, "R06AX", "X", "OTC", "18.20"),
    DrugRef("盐酸西替利嗪片", "10mg*12片", "片剂", "盒", "片", 12, "R06AE", "X", "OTC", "16.40"),
    DrugRef("孟鲁司特钠片", "10mg*5片", "片剂", "盒", "片", 5, "R03DC", "X", "RX", "27.50"),
    DrugRef(
        "沙美特罗替卡松吸入粉雾剂", "50μg/250μg*60吸", "吸入剂", "支", "支", 1, "R03AK", "X", "RX", "146.00"
    ),
    DrugRef("布地奈德鼻喷雾剂", "64μg*120喷", "喷雾剂", "支", "支", 1, "R01AD", "X", "RX", "68.50"),
    DrugRef("盐酸氨溴索口服溶液", "100ml:0.6g", "口服溶液剂", "瓶", "瓶", 1, "R05CB", "X", "OTC", "19.80"),
    DrugRef("复方甘草片", "100片", "片剂", "瓶", "片", 100, "R05FA", "X", "RX", "4.20"),
    DrugRef("甲钴胺片", "0.5mg*20片", "片剂", "盒", "片", 20, "B03BA", "X", "RX", "25.60"),
    DrugRef("叶酸片", "5mg*100片", "片剂", "瓶", "片", 100, "B03BB", "X", "RX", "9.60"),
    DrugRef("碳酸钙D3片", "600mg*60片", "片剂", "瓶", "片", 60, "A12AX", "X", "OTC", "39.80"),
    DrugRef("维生素B1片", "10mg*100片", "片剂", "瓶", "片", 100, "A11DA", "X", "OTC", "3.50"),
    DrugRef("盐酸坦索罗辛缓释胶囊", "0.2mg*10粒", "胶囊剂", "盒", "粒", 10, "G04CA", "X", "RX", "33.20"),
    DrugRef("非那雄胺片", "5mg*10片", "片剂", "盒", "片", 10, "G04CB", "X", "RX", "29.40"),
    DrugRef("艾司唑仑片", "1mg*20片", "片剂", "盒", "片", 20, "N05CD", "X", "RX", "6.30"),
    DrugRef("草酸艾司西酞普兰片", "10mg*7片", "片剂", "盒", "片", 7, "N06AB", "X", "RX", "42.70"),
    DrugRef("盐酸舍曲林片", "50mg*14片", "片剂", "盒", "片", 14, "N06AB", "X", "RX", "45.30"),
    DrugRef("丙戊酸钠缓释片", "0.5g*30片", "片剂", "盒", "片", 30, "N03AG", "X", "RX", "69.80"),
    DrugRef("左甲状腺素钠片", "50μg*100片", "片剂", "盒", "片", 100, "H03AA", "X", "RX", "26.90"),
    DrugRef("甲巯咪唑片", "10mg*50片", "片剂", "盒", "片", 50, "H03BB", "X", "RX", "21.60"),
    DrugRef("醋酸泼尼松片", "5mg*100片", "片剂", "瓶", "片", 100, "H02AB", "X", "RX", "7.90"),
    DrugRef("阿昔洛韦片", "0.1g*24片", "片剂", "盒", "片", 24, "J05AB", "X", "RX", "8.80"),
    DrugRef("磷酸奥司他韦胶囊", "75mg*10粒", "胶囊剂", "盒", "粒", 10, "J05AH", "X", "RX", "52.40"),
    DrugRef("莫匹罗星软膏", "2%:5g", "软膏剂", "支", "支", 1, "D06AX", "X", "OTC", "17.20"),
    DrugRef("红霉素眼膏", "0.5%:2g", "眼膏剂", "支", "支", 1, "S01AA", "X", "OTC", "2.60"),
    DrugRef("妥布霉素地塞米松滴眼液", "5ml", "滴眼剂", "支", "支", 1, "S01CA", "X", "RX", "39.50"),
    DrugRef("玻璃酸钠滴眼液", "0.1%:5ml", "滴眼剂", "支", "支", 1, "S01XA", "X", "RX", "36.80"),
    DrugRef("连花清瘟胶囊", "0.35g*24粒", "胶囊剂", "盒", "粒", 24, "A01AA", "Z", "RX", "14.80"),
    DrugRef("蒲地蓝消炎口服液", "10ml*10支", "合剂", "盒", "支", 10, "A01AA", "Z", "OTC", "39.60"),
    DrugRef("复方丹参滴丸", "27mg*180丸", "滴丸剂", "瓶", "丸", 180, "A12BA", "Z", "RX", "28.30"),
    DrugRef("银杏叶片", "19.2mg*24片", "片剂", "盒", "片", 24, "A12BA", "Z", "RX", "24.70"),
    DrugRef("六味地黄丸", "浓缩丸*200丸", "丸剂", "瓶", "丸", 200, "A10AA", "Z", "OTC", "18.90"),
    DrugRef("藿香正气水", "10ml*10支", "酊剂", "盒", "支", 10, "A06AA", "Z", "OTC", "9.50"),
    DrugRef("板蓝根颗粒", "10g*20袋", "颗粒剂", "袋", "袋", 20, "A01AB", "Z", "OTC", "12.80"),
    DrugRef("感冒灵颗粒", "10g*9袋", "颗粒剂", "盒", "袋", 9, "A01AB", "Z", "OTC", "15.50"),
    DrugRef("血塞通软胶囊", "0.33g*24粒", "软胶囊剂", "盒", "粒", 24, "A12BA", "Z", "RX", "32.60"),
    DrugRef("金水宝胶囊", "0.33g*72粒", "胶囊剂", "瓶", "粒", 72, "A10BA", "Z", "RX", "55.80"),
    DrugRef("百令胶囊", "0.5g*42粒", "胶囊剂", "盒", "粒", 42, "A10BA", "Z", "RX", "61.20"),
    DrugRef("通心络胶囊", "0.26g*30粒", "胶囊剂", "盒", "粒", 30, "A12BA", "Z", "RX", "35.90"),
    DrugRef("消渴丸", "0.25g*120丸", "丸剂", "瓶", "丸", 120, "A10BA", "Z", "RX", "27.40"),
    DrugRef("云南白药胶囊", "0.25g*16粒", "胶囊剂", "盒", "粒", 16, "A12AB", "Z", "OTC", "26.50"),
    DrugRef("双黄连口服液", "10ml*10支", "合剂", "盒", "支", 10, "A01AA", "Z", "OTC", "21.70"),
    DrugRef("小柴胡颗粒", "10g*10袋", "颗粒剂", "盒", "袋", 10, "A01AC", "Z", "OTC", "16.30"),
    DrugRef("急支糖浆", "200ml", "糖浆剂", "瓶", "瓶", 1, "A04BA", "Z", "OTC", "18.40"),
    DrugRef("养血清脑颗粒", "4g*15袋", "颗粒剂", "盒", "袋", 15, "A07AB", "Z", "RX", "46.80"),
    DrugRef("稳心颗粒", "9g*9袋", "颗粒剂", "盒", "袋", 9, "A12BA", "Z", "RX", "29.90"),
    DrugRef("健胃消食片", "0.8g*32片", "片剂", "盒", "片", 32, "A08AA", "Z", "OTC", "12.50"),
    DrugRef("黄芪", "片 1000g/袋", "饮片", "袋", "g", 1000, "T0001", "T", "OTC", "98.00"),
    DrugRef("当归", "片 1000g/袋", "饮片", "袋", "g", 1000, "T0002", "T", "OTC", "156.00"),
    DrugRef("甘草", "片 1000g/袋", "饮片", "袋", "g", 1000, "T0003", "T", "OTC", "72.00"),
)

#: Manufacturers (生产企业) — chemical/biological and TCM pools.
MANUFACTURERS_X: tuple[str, ...] = (
    "华北制药股份有限公司",
    "石药集团欧意药业有限公司",
    "扬子江药业集团有限公司",
    "齐鲁制药有限公司",
    "浙江华海药业股份有限公司",
    "正大天晴药业集团股份有限公司",
    "江苏恒瑞医药股份有限公司",
    "上海信谊天平药业有限公司",
    "辉瑞制药有限公司",
    "阿斯利康制药有限公司",
    "拜耳医药保健有限公司",
    "赛诺菲(杭州)制药有限公司",
    "北京诺华制药有限公司",
    "江西汇仁药业股份有限公司",
    "江西济民可信药业有限公司",
    "仁和药业股份有限公司",
)
MANUFACTURERS_Z: tuple[str, ...] = (
    "石家庄以岭药业股份有限公司",
    "天士力医药集团股份有限公司",
    "云南白药集团股份有限公司",
    "华润三九医药股份有限公司",
    "江中药业股份有限公司",
    "江西青峰药业有限公司",
    "修正药业集团股份有限公司",
    "太极集团重庆涪陵制药厂有限公司",
)
MANUFACTURERS_T: tuple[str, ...] = ("江西樟树天齐堂中药饮片有限公司", "江西药都樟树饮片有限公司")

#: Wholesalers (供应商) with their 药品经营许可证 numbers (Jiangxi style 赣AA…).
SUPPLIERS: tuple[tuple[str, str], ...] = (
    ("国药控股江西有限公司", "赣AA7910021"),
    ("华润江西医药有限公司", "赣AA7910035"),
    ("江西九州通药业有限公司", "赣AA7910108"),
    ("上药控股江西有限公司", "赣AA7910142"),
    ("江西南华医药有限公司", "赣AA7910006"),
    ("江西五洲医药营销有限公司", "赣AA7910057"),
    ("江西汇仁医药贸易有限公司", "赣AA7910089"),
    ("江西樟树天齐堂中药饮片有限公司", "赣AA7950013"),
)

#: Streets of Nanchang, for patient addresses.
STREETS: tuple[str, ...] = (
    "象山北路",
    "北京东路",
    "八一大道",
    "井冈山大道",
    "阳明路",
    "叠山路",
    "洪都中大道",
    "红谷中大道",
    "丰和中大道",
    "昌东大道",
    "青山南路",
    "南京东路",
    "解放西路",
    "抚河北路",
    "民德路",
    "中山路",
    "胜利路",
    "站前路",
    "孺子路",
    "庐山南大道",
    "学府大道",
    "金沙大道",
    "迎宾中大道",
    "莲塘北大道",
)
