"""The 九龙湖 campus HIS's dictionary tables, as SQLAlchemy Core metadata (connection ``jiulonghu_his``).

The campus runs another vendor's HIS: its tables and columns are named the way that HIS names them (pinyin
initials: ``ksdm`` 科室代码, ``tybz`` 停用标志 …), departments have the campus's own codes, and coded columns
use the campus's own values (gender ``M``/``F``, 人员类别 ``01``–``05`` …); ``include/mappings/jiulonghu_codes.yaml``
maps the main campus's codes to them. Doctors, nurses and pharmacists are kept in tables of their own besides the
全院职工 table, as campus HISes keep them (the 医生/护士/药师 workstations read those).

Every table carries the campus HIS's own bookkeeping: ``tybz`` (停用标志, ``0`` 在用 / ``1`` 停用 — dictionary rows
are deactivated, never deleted, because old records point at them), ``xgsj`` (修改时间), ``bbh`` (版本号, raised by
every write, ours and the campus's) and ``xgr`` (修改人). Some tables have campus-only columns (``yp_dict.hwh`` 货位号)
that the sync never touches.

Portable like the demo HIS: identifiers ≤ 30 characters, only String/Integer/Numeric/DateTime, no reserved words;
:func:`create_schema` builds it on any SQLAlchemy engine (PostgreSQL in the tests, SQLite in the demo).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

Price = Numeric(16, 6)


def _bookkeeping() -> list[Column]:
    return [
        Column("tybz", String(1), nullable=False, server_default="0"),  # 停用标志 0 在用 / 1 停用
        Column("xgsj", DateTime),  # 修改时间
        Column("bbh", Integer, nullable=False, server_default="1"),  # 版本号
        Column("xgr", String(30)),  # 修改人
    ]


ks_dict = Table(
    "ks_dict",
    metadata,
    Column("ksdm", String(20), primary_key=True),  # 院区科室代码
    Column("ksmc", String(100), nullable=False),  # 科室名称
    Column("kslb", String(2)),  # 科室类别 01 门诊 02 住院 03 医技 04 药剂 05 行政
    Column("zyks", String(20)),  # 主院区科室代码
    Column("ybksbm", String(30)),  # 医保科室编码 (hosp_dept_codg)
    Column("ybkb", String(20)),  # 医保科别 (caty)
    Column("pym", String(20)),  # 拼音码
    *_bookkeeping(),
    comment="科室字典",
)

zg_dict = Table(
    "zg_dict",
    metadata,
    Column("zgdm", String(20), primary_key=True),  # 工号
    Column("xm", String(50), nullable=False),  # 姓名
    Column("xb", String(1)),  # 性别 M / F / U
    Column("rylb", String(2)),  # 人员类别 01 医生 02 护士 03 药师 04 技师 05 行政
    Column("zc", String(50)),  # 职称
    Column("ksdm", String(20)),  # 所属科室 (院区科室代码)
    Column("zyzsbm", String(50)),  # 执业证书编码
    Column("ybrydm", String(30)),  # 医保人员代码
    *_bookkeeping(),
    comment="职工字典",
)


def _clinician(name: str, code: str, person: str, hi_code: str, comment: str, *extra: Column) -> Table:
    return Table(
        name,
        metadata,
        Column(code, String(20), primary_key=True),  # 工号
        Column(person, String(50), nullable=False),  # 姓名
        Column("xb", String(1)),
        Column("ksdm", String(20)),
        Column("zc", String(50)),
        Column("zyzsbm", String(50)),
        Column(hi_code, String(30)),  # 医保医师/护士/药师代码
        *extra,
        *_bookkeeping(),
        comment=comment,
    )


ys_dict = _clinician("ys_dict", "ysdm", "ysxm", "ybysdm", "医生字典", Column("sc", String(200)))  # 擅长
hs_dict = _clinician("hs_dict", "hsdm", "hsxm", "ybhsdm", "护士字典")
yjs_dict = _clinician("yjs_dict", "yjsdm", "yjsxm", "ybyjsdm", "药师字典")

yp_dict = Table(
    "yp_dict",
    metadata,
    Column("ypdm", String(20), primary_key=True),  # 药品代码 (全院统一)
    Column("ypmc", String(200), nullable=False),  # 药品名称
    Column("gg", String(100)),  # 规格
    Column("jx", String(50)),  # 剂型
    Column("yplb", String(2)),  # 药品类别 1 西药 2 中成药 3 中药饮片
    Column("bzdw", String(20)),  # 包装单位
    Column("zxdw", String(20)),  # 最小单位
    Column("bzsl", Integer),  # 包装数量
    Column("sccj", String(200)),  # 生产厂家
    Column("pzwh", String(100)),  # 批准文号
    Column("ybbm", String(50)),  # 医保药品代码 (med_list_codg)
    Column("cfybz", String(1)),  # 处方药标志 1 处方药 / 0 非处方药
    Column("lsj", Price),  # 零售价
    Column("zsmbz", String(1)),  # 追溯码标志 1 需扫码
    Column("hwh", String(20)),  # 货位号 (院区自有，同步不改)
    *_bookkeeping(),
    comment="药品字典",
)

sfxm_dict = Table(
    "sfxm_dict",
    metadata,
    Column("xmdm", String(20), primary_key=True),  # 项目代码
    Column("xmmc", String(200), nullable=False),  # 项目名称
    Column("xmlb", String(2)),  # 项目类别 1 医疗服务 2 医用耗材
    Column("sflb", String(6)),  # 医疗收费项目类别 (国家代码)
    Column("jjdw", String(20)),  # 计价单位
    Column("gg", String(200)),  # 规格
    Column("dj", Price),  # 单价
    Column("gjbm", String(50)),  # 国家医保编码 (医疗服务项目 / 耗材)
    *_bookkeeping(),
    comment="收费项目字典",
)


def create_schema(engine: Engine) -> None:
    """Create the campus dictionary tables that are missing."""
    metadata.create_all(engine)
