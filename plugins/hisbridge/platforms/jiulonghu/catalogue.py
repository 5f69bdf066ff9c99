"""The seven dictionaries kept in step with the 九龙湖 campus HIS, declared once as data.

Each :class:`Dictionary` names its title, the SQL that selects it from the main campus's HIS (``his_db``,
``include/sql/jiulonghu/dict_<name>.sql``), the campus table it is written to (``jiulonghu_his``), the business key,
the compared columns (source column → campus column, with the code map of ``include/mappings/jiulonghu_codes.yaml``
where the campus has codes of its own), the active flag on both sides, and the dictionaries it refers to
(``parents``: a staff row names its department, so departments sync first). Everything else — planning, statements,
the DAG's tasks and their order — is derived from these declarations; nothing names a dictionary in code.

Every row carries the main campus's code and the 医保贯标 code (platforms.md §6): 科室 the 3401 ``hosp_dept_codg`` and
``caty``, staff the 医保人员代码 and 执业证书编码, drugs ``med_list_codg``, charge items the 国家医保 code. Personal data
the campus does not need (ID number, phone, birth date) is not selected.

This module is light (pydantic only): the DAG file imports it at parse.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hisbridge import SQL_DIR

SQL_SUBDIR = "jiulonghu"
CODES_FILE = "jiulonghu_codes.yaml"
#: the connections: the main campus's HIS (read) and the campus's (written)
SOURCE_CONN_ID, CAMPUS_CONN_ID = "his_db", "jiulonghu_his"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Col(_Frozen):
    """One compared column: the source column (the SQL's alias) → the campus column."""

    source: str
    campus: str
    title: str = Field(description="中文列名（隔离原因与差异报告用）")
    codes: str | None = Field(None, description="jiulonghu_codes.yaml 中的代码表名；无则原样同步")


class ActiveFlag(_Frozen):
    """How each side says a row is in use: the source's column and its 'in use' values; the campus's column and
    its two values (the campus HIS has a 停用标志, so 'in use' is ``0`` there)."""

    source: str = "is_active"
    source_on: tuple[str, ...] = ("1",)
    campus: str = "tybz"
    campus_on: str = "0"
    campus_off: str = "1"


class Dictionary(_Frozen):
    name: str = Field(pattern=r"^[a-z_]+$")
    title: str
    table: str = Field(description="院区表")
    key: str = Field(description="主院区业务主键（SQL 列）")
    campus_key: str = Field(description="院区主键列（由 key 经 columns 中同名映射得到）")
    columns: tuple[Col, ...]
    active: ActiveFlag = ActiveFlag()
    parents: tuple[str, ...] = ()
    #: the campus HIS's own bookkeeping columns: raised / set by every write of ours
    version_column: str = "bbh"
    modified_at_column: str = "xgsj"
    modified_by_column: str = "xgr"

    @property
    def sql_file(self) -> str:
        return f"{SQL_SUBDIR}/dict_{self.name}.sql"

    @property
    def sql_path(self) -> Path:
        return SQL_DIR / self.sql_file

    def sql(self) -> str:
        return self.sql_path.read_text(encoding="utf-8")

    @property
    def key_column(self) -> Col:
        return next(c for c in self.columns if c.campus == self.campus_key)

    @property
    def campus_columns(self) -> tuple[str, ...]:
        """The columns the sync compares and writes (the active flag included), key first."""
        return (self.campus_key, *(c.campus for c in self.columns if c.campus != self.campus_key), self.active.campus)

    @property
    def source_columns(self) -> frozenset[str]:
        return frozenset({self.key, self.active.source, *(c.source for c in self.columns)})

    @model_validator(mode="after")
    def _consistent(self) -> Dictionary:
        names = [c.campus for c in self.columns]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: a campus column is declared twice")
        if self.campus_key not in names:
            raise ValueError(f"{self.name}: the campus key {self.campus_key!r} is not among the columns")
        if self.key_column.source != self.key:
            raise ValueError(f"{self.name}: the campus key must come from the business key {self.key!r}")
        if self.active.campus in names:
            raise ValueError(f"{self.name}: the active flag {self.active.campus!r} is not a compared column")
        return self


def _staff_columns(key_col: str, name_col: str, hi_col: str, hi_title: str) -> tuple[Col, ...]:
    return (
        Col(source="staff_code", campus=key_col, title="工号"),
        Col(source="staff_name", campus=name_col, title="姓名"),
        Col(source="gender", campus="xb", title="性别", codes="gender"),
        Col(source="dept_code", campus="ksdm", title="所属科室", codes="dept_code"),
        Col(source="title", campus="zc", title="职称"),
        Col(source="prac_cert_no", campus="zyzsbm", title="执业证书编码"),
        Col(source="hi_psn_codg", campus=hi_col, title=hi_title),
    )


DEPT = Dictionary(
    name="dept", title="科室", table="ks_dict", key="dept_code", campus_key="ksdm",
    columns=(
        Col(source="dept_code", campus="ksdm", title="科室代码", codes="dept_code"),
        Col(source="dept_code", campus="zyks", title="主院区科室代码"),
        Col(source="dept_name", campus="ksmc", title="科室名称"),
        Col(source="dept_type", campus="kslb", title="科室类别", codes="dept_type"),
        Col(source="hosp_dept_codg", campus="ybksbm", title="医保科室编码"),
        Col(source="caty", campus="ybkb", title="医保科别"),
        Col(source="spell_code", campus="pym", title="拼音码"),
    ),
)
STAFF = Dictionary(
    name="staff", title="工作人员", table="zg_dict", key="staff_code", campus_key="zgdm", parents=("dept",),
    columns=(*_staff_columns("zgdm", "xm", "ybrydm", "医保人员代码"),
             Col(source="staff_role", campus="rylb", title="人员类别", codes="staff_role")),
)
DOCTOR = Dictionary(
    name="doctor", title="医生", table="ys_dict", key="staff_code", campus_key="ysdm", parents=("dept",),
    columns=(*_staff_columns("ysdm", "ysxm", "ybysdm", "医保医师代码"), Col(source="specialty", campus="sc", title="擅长")),
)
NURSE = Dictionary(
    name="nurse", title="护士", table="hs_dict", key="staff_code", campus_key="hsdm", parents=("dept",),
    columns=_staff_columns("hsdm", "hsxm", "ybhsdm", "医保护士代码"),
)
PHARMACIST = Dictionary(
    name="pharmacist", title="药师", table="yjs_dict", key="staff_code", campus_key="yjsdm", parents=("dept",),
    columns=_staff_columns("yjsdm", "yjsxm", "ybyjsdm", "医保药师代码"),
)
DRUG = Dictionary(
    name="drug", title="药品", table="yp_dict", key="drug_code", campus_key="ypdm",
    columns=(
        Col(source="drug_code", campus="ypdm", title="药品代码"),
        Col(source="drug_name", campus="ypmc", title="药品名称"),
        Col(source="spec", campus="gg", title="规格"),
        Col(source="dosage_form", campus="jx", title="剂型"),
        Col(source="drug_cat", campus="yplb", title="药品类别", codes="drug_cat"),
        Col(source="pack_unit", campus="bzdw", title="包装单位"),
        Col(source="dose_unit", campus="zxdw", title="最小单位"),
        Col(source="pack_qty", campus="bzsl", title="包装数量"),
        Col(source="prodentp_name", campus="sccj", title="生产厂家"),
        Col(source="aprvno", campus="pzwh", title="批准文号"),
        Col(source="med_list_codg", campus="ybbm", title="医保药品代码"),
        Col(source="rx_type", campus="cfybz", title="处方药标志", codes="rx_type"),
        Col(source="retail_price", campus="lsj", title="零售价"),
        Col(source="trace_required", campus="zsmbz", title="追溯码标志", codes="yes_no"),
    ),
)
CHARGE_ITEM = Dictionary(
    name="charge_item", title="收费项目", table="sfxm_dict", key="item_code", campus_key="xmdm",
    columns=(
        Col(source="item_code", campus="xmdm", title="项目代码"),
        Col(source="item_name", campus="xmmc", title="项目名称"),
        Col(source="item_kind", campus="xmlb", title="项目类别", codes="item_kind"),
        Col(source="med_chrgitm_type", campus="sflb", title="医疗收费项目类别"),
        Col(source="unit", campus="jjdw", title="计价单位"),
        Col(source="spec", campus="gg", title="规格"),
        Col(source="price", campus="dj", title="单价"),
        Col(source="med_list_codg", campus="gjbm", title="国家医保编码"),
    ),
)

#: in dependency order: every dictionary after its parents
DICTIONARIES: tuple[Dictionary, ...] = (DEPT, STAFF, DOCTOR, NURSE, PHARMACIST, DRUG, CHARGE_ITEM)
BY_NAME: dict[str, Dictionary] = {d.name: d for d in DICTIONARIES}


def select(names: str | list[str] | tuple[str, ...] | None) -> tuple[Dictionary, ...]:
    """The dictionaries named (``"dept,staff"`` or a list), in dependency order; all of them for ``None``/empty.
    Unknown names are an error naming the known ones."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not names:
        return DICTIONARIES
    unknown = sorted(set(names) - set(BY_NAME))
    if unknown:
        raise ValueError(f"unknown dictionaries {unknown}; known: {', '.join(BY_NAME)}")
    return tuple(d for d in DICTIONARIES if d.name in names)
