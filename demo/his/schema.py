"""The demo HIS schema: outpatient registration and pharmacy/inventory tables, as SQLAlchemy Core metadata.

It stands in for the hospital's Oracle HIS in the demo, the tests and the integration runs, so it is written to
create unchanged on SQLite, PostgreSQL and Oracle: identifiers of at most 30 characters, no reserved words as
column names, only ``String``/``Integer``/``SmallInteger``/``Numeric``/``Date``/``DateTime``. Times are naive
local (Asia/Shanghai) wall-clock times, as the HIS keeps them.

Outpatient (read by the queue views ``hx_*``): ``dept``, ``room``, ``staff``, ``patient``, ``registration``.

Pharmacy/inventory (read by the 医保 traceability feeds 3501–3506):

================== =============================================================================================
``drug_dict``       药品字典 — HIS drug code, name, spec, form, manufacturer, approval no., national code
                    (``med_list_codg``, NULL until matched 目录对照), RX/OTC, packs, price, 追溯码 required Y/N
``supplier``        供应商 with 药品经营许可证号
``purchase_receipt`` 采购入库单 (header): 随货单号, invoice, supplier, receiving dept, time, operator, status
``purchase_line``   入库明细: one drug batch received (qty, final price, gift Y/N); → ``stock_batch``
``stock_batch``     入库批次: the id is the ``fixmedins_bchno`` sent to 医保; lot, manu date, expiry, prices
``purchase_return`` 采购退货 to the supplier, per batch, linked to the purchase line it returns
``stock_take``      盘存: one row per (dept, batch, date) counted
``stock_move_type`` HIS 库存变动类型 dictionary (DBRK 调拨入库 …)
``stock_move``      库存变动: transfers, 盘盈/盘亏, destruction, other in/out, gifts (status, cancel time)
``prescription``    门诊处方: patient, doctor, dept, settlement type YB/ZF, 医保 setl_id / mdtrt_id
``sale_line``       发药(销售)明细: 零售单据号, 出库单号, batch, qty, price, 拆零 Y/N, pharmacist, operator,
                    status normal/cancelled + cancel_time
``sale_return``     销售退货 of a sale line
``drug_trace_code`` 追溯码扫码记录: one row per scanned package code, ``src_kind`` sale / sale_ret / take / move
================== =============================================================================================

医保 settlement (read by reconciliation 3201/3202, the settlement list 4101A, 目录对照 3301/3302 and the fund
self-check):

==================== ===========================================================================================
``charge_item``       收费项目字典 (medical services ``item`` and consumables ``material``); ``med_list_codg`` is
                      the current national code (NULL = 未对照)
``catalog_map``       医保目录对照 as the HIS keeps it: one row per (HIS code, list type, national code) mapping with
                      its validity; ``status`` active / withdrawn (a changed code = the old row withdrawn + a new row)
``insu_item_limit``   医保限制条件 of a drug or item: gender, age range, daily quantity, the diagnoses (ICD-10
                      prefixes) its 限定支付范围 allows
``inpatient_stay``    住院登记: 就诊ID, 病案号, admission and discharge (time, dept, way), 医疗类别, doctors
``stay_diagnosis``    住院诊断 (病案首页): one row per diagnosis, ``maindiag_flag``
``stay_operation``    手术操作 of a stay
``insu_settlement``   医保结算记录 as the HIS recorded the 2207/2304 answers: 结算ID, 就诊ID, 险种, 清算类别, 清算
                      经办机构, amounts; a cancellation (2208/2305) is a second row with ``refd_setl_flag`` 1 and
                      ``cancel_of``; ``main_diag_code`` is the visit's main diagnosis
``fee_detail``        费用明细 of a settlement: drug (``drug_dict``) or item/material (``charge_item``) lines
==================== ===========================================================================================
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
)

metadata = MetaData()

#: ``drug_trace_code.src_kind`` values.
TRACE_SALE = "sale"
TRACE_SALE_RETURN = "sale_ret"
TRACE_STOCK_TAKE = "take"
TRACE_STOCK_MOVE = "move"


Qty = Numeric(16, 4)
Price = Numeric(16, 6)
Money = Numeric(16, 2)

# ---------------------------------------------------------------------------------------------- outpatient

dept = Table(
    "dept",
    metadata,
    Column("dept_code", String(20), primary_key=True),
    Column("dept_name", String(100), nullable=False),
    Column("dept_type", String(20), nullable=False),  # outpatient/inpatient/pharmacy/medtech/admin
    Column("campus", String(20), nullable=False),  # main/jiulonghu
    Column("area", String(50)),  # 诊区
    Column("floor", String(20)),
    Column("spell_code", String(20)),  # 拼音首字母
    Column("sort_no", Integer),
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="科室",
)

room = Table(
    "room",
    metadata,
    Column("room_code", String(20), primary_key=True),
    Column("room_name", String(100), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("floor", String(20)),
    Column("location", String(100)),
    Column("caller_terminal", String(50)),
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="诊室",
)

staff = Table(
    "staff",
    metadata,
    Column("staff_code", String(20), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("gender", String(1), nullable=False),  # 1 男 / 2 女
    Column("birth_date", Date),
    Column("id_card_no", String(18)),
    Column("phone", String(11)),
    Column("role", String(20), nullable=False),  # doctor/nurse/pharmacist/clerk
    Column("title", String(50)),  # 职称
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("prac_cert_no", String(50)),  # 执业证书编号
    Column("specialty", String(200)),
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="职工",
)

patient = Table(
    "patient",
    metadata,
    Column("patient_id", String(20), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("gender", String(1), nullable=False),
    Column("birth_date", Date),
    Column("id_card_no", String(18)),
    Column("phone", String(11)),
    Column("address", String(200)),
    Column("psn_no", String(30)),  # 医保人员编号, NULL for self-paying patients
    Column("insuplc_admdvs", String(6)),  # 参保地医保区划
    Column("created_at", DateTime, nullable=False),
    comment="病人基本信息",
)

registration = Table(
    "registration",
    metadata,
    Column("reg_id", String(20), primary_key=True),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("room_code", String(20), ForeignKey("room.room_code")),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("visit_date", Date, nullable=False),
    Column("time_slot", String(1), nullable=False),  # 1 上午 / 2 下午 / 3 晚间
    Column("queue_no", Integer, nullable=False),  # 就诊序号
    Column("reg_type", String(10), nullable=False),  # normal/expert/emergency
    Column("reg_time", DateTime, nullable=False),
    Column("is_appointment", SmallInteger, nullable=False),
    Column("sign_in_time", DateTime),
    Column("visit_status", String(10), nullable=False),  # waiting/called/done/absent
    Column("is_revisit", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # normal/cancelled/refunded
    Column("cancel_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_registration_visit_date", "visit_date"),
    Index("ix_registration_patient_id", "patient_id"),
    comment="门诊挂号",
)

# ---------------------------------------------------------------------------------------------- pharmacy

drug_dict = Table(
    "drug_dict",
    metadata,
    Column("drug_code", String(20), primary_key=True),  # → fixmedins_hilist_id
    Column("drug_name", String(200), nullable=False),  # → fixmedins_hilist_name
    Column("spec", String(100)),  # 规格
    Column("dosage_form", String(50)),  # 剂型
    Column("drug_cat", String(20)),  # 西药 / 中成药 / 中药饮片
    Column("pack_unit", String(20)),  # 最小包装单位 (盒/瓶/支)
    Column("dose_unit", String(20)),  # 拆零单位 (片/粒/袋)
    Column("pack_qty", Integer),  # 拆零单位 per pack
    Column("prodentp_name", String(200)),  # 生产企业
    Column("aprvno", String(100)),  # 批准文号
    Column("med_list_codg", String(50)),  # 国家医保药品编码; NULL = 未对照
    Column("rx_type", String(10), nullable=False),  # RX / OTC
    Column("retail_price", Price),  # per pack
    Column("trace_required", String(1), nullable=False),  # Y/N 需扫追溯码
    Column("barcode", String(30)),  # 商品条形码
    Column("shelf_posi", String(20)),  # 货架位
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="药品字典",
)

supplier = Table(
    "supplier",
    metadata,
    Column("supplier_code", String(20), primary_key=True),
    Column("supplier_name", String(200), nullable=False),
    Column("licence_no", String(50)),  # 药品经营许可证号
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="供应商",
)

stock_batch = Table(
    "stock_batch",
    metadata,
    Column("batch_id", String(30), primary_key=True),  # → fixmedins_bchno
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("manu_lotnum", String(30)),  # 生产批号
    Column("manu_date", Date),
    Column("expy_end", Date),
    Column("purchase_price", Price),
    Column("retail_price", Price),
    Column("supplier_code", String(20), ForeignKey("supplier.supplier_code")),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),  # where it is kept
    Column("in_time", DateTime, nullable=False),
    Column("stock_qty", Qty),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_stock_batch_drug_code", "drug_code"),
    comment="库存批次",
)

purchase_receipt = Table(
    "purchase_receipt",
    metadata,
    Column("receipt_no", String(20), primary_key=True),
    Column("supplier_code", String(20), ForeignKey("supplier.supplier_code"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("delivery_no", String(50)),  # 随货单号 → dynt_no
    Column("invoice_code", String(50)),
    Column("invoice_no", String(50)),
    Column("receipt_time", DateTime, nullable=False),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("status", String(10), nullable=False),  # normal / cancelled (冲红)
    Column("cancel_time", DateTime),
    Column("remark", String(500)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_purchase_receipt_time", "receipt_time"),
    Index("ix_purchase_receipt_cancel", "cancel_time"),
    comment="采购入库单",
)

purchase_line = Table(
    "purchase_line",
    metadata,
    Column("purchase_line_id", String(20), primary_key=True),
    Column("receipt_no", String(20), ForeignKey("purchase_receipt.receipt_no"), nullable=False),
    Column("line_no", SmallInteger, nullable=False),
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("batch_id", String(30), ForeignKey("stock_batch.batch_id"), nullable=False),
    Column("qty", Qty, nullable=False),  # packs
    Column("price", Price),  # 最终成交单价 per pack; 0 for gifts
    Column("amount", Money),
    Column("gift_flag", String(1), nullable=False),  # Y/N
    Column("remark", String(500)),
    Index("ix_purchase_line_receipt_no", "receipt_no"),
    comment="采购入库明细",
)

purchase_return = Table(
    "purchase_return",
    metadata,
    Column("return_id", String(20), primary_key=True),
    Column("return_no", String(20), nullable=False),  # 退货单号
    Column("supplier_code", String(20), ForeignKey("supplier.supplier_code"), nullable=False),
    Column("purchase_line_id", String(20), ForeignKey("purchase_line.purchase_line_id")),
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("batch_id", String(30), ForeignKey("stock_batch.batch_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("qty", Qty, nullable=False),
    Column("price", Price),
    Column("invoice_code", String(50)),
    Column("invoice_no", String(50)),
    Column("return_time", DateTime, nullable=False),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("reason", String(200)),
    Column("remark", String(500)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_purchase_return_time", "return_time"),
    comment="采购退货",
)

stock_take = Table(
    "stock_take",
    metadata,
    Column("take_id", String(20), primary_key=True),
    Column("take_no", String(30), nullable=False),  # 盘点单号 (per dept and date)
    Column("take_date", Date, nullable=False),  # → invdate
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("batch_id", String(30), ForeignKey("stock_batch.batch_id"), nullable=False),
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("book_qty", Qty),  # 账面数量
    Column("actual_qty", Qty, nullable=False),  # 实盘数量 → inv_cnt
    Column("take_time", DateTime, nullable=False),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("remark", String(500)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_stock_take_time", "take_time"),
    comment="药品盘存",
)

stock_move_type = Table(
    "stock_move_type",
    metadata,
    Column("move_type", String(10), primary_key=True),
    Column("type_name", String(50), nullable=False),
    Column("direction", String(3), nullable=False),  # in / out
    Column("is_active", SmallInteger, nullable=False),
    comment="库存变动类型",
)

stock_move = Table(
    "stock_move",
    metadata,
    Column("move_id", String(20), primary_key=True),
    Column("move_no", String(30), nullable=False),  # 单据号
    Column("move_type", String(10), ForeignKey("stock_move_type.move_type"), nullable=False),
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("batch_id", String(30), ForeignKey("stock_batch.batch_id"), nullable=False),
    Column("qty", Qty, nullable=False),
    Column("price", Price),
    Column("split_flag", String(1), nullable=False),  # 拆零 Y/N
    Column("from_dept", String(20), ForeignKey("dept.dept_code")),
    Column("to_dept", String(20), ForeignKey("dept.dept_code")),
    Column("move_time", DateTime, nullable=False),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("reason", String(200)),
    Column("remark", String(500)),
    Column("status", String(10), nullable=False),  # normal / cancelled
    Column("cancel_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_stock_move_time", "move_time"),
    Index("ix_stock_move_cancel", "cancel_time"),
    comment="库存变动",
)

prescription = Table(
    "prescription",
    metadata,
    Column("rx_no", String(20), primary_key=True),
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("rx_time", DateTime, nullable=False),
    Column("setl_type", String(2), nullable=False),  # YB 医保 / ZF 自费
    Column("setl_id", String(30)),  # 医保结算ID
    Column("mdtrt_id", String(30)),  # 医保就诊ID
    Column("external_flag", String(1), nullable=False),  # 外购处方 Y/N
    Column("status", String(10), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_prescription_reg_id", "reg_id"),
    comment="门诊处方",
)

sale_line = Table(
    "sale_line",
    metadata,
    Column("sale_line_id", String(20), primary_key=True),
    Column("rx_no", String(20), ForeignKey("prescription.rx_no"), nullable=False),
    Column("line_no", SmallInteger, nullable=False),
    Column("rtal_docno", String(40), nullable=False),  # 零售单据号
    Column("stoout_no", String(40)),  # 销售出库单号
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),  # dispensing pharmacy
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("batch_id", String(30), ForeignKey("stock_batch.batch_id"), nullable=False),
    Column("qty", Qty, nullable=False),  # in sale_unit
    Column("sale_unit", String(20)),
    Column("unit_price", Price),
    Column("amount", Money),
    Column("split_flag", String(1), nullable=False),  # 拆零 Y/N
    Column("sale_time", DateTime, nullable=False),
    Column("pharmacist_code", String(20), ForeignKey("staff.staff_code")),  # 审核药师
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),  # 发药人
    Column("status", String(10), nullable=False),  # normal / cancelled
    Column("cancel_time", DateTime),
    Column("remark", String(500)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_sale_line_sale_time", "sale_time"),
    Index("ix_sale_line_cancel_time", "cancel_time"),
    Index("ix_sale_line_rx_no", "rx_no"),
    comment="药品销售(发药)明细",
)

sale_return = Table(
    "sale_return",
    metadata,
    Column("return_id", String(20), primary_key=True),
    Column("sale_line_id", String(20), ForeignKey("sale_line.sale_line_id"), nullable=False),
    Column("qty", Qty, nullable=False),
    Column("amount", Money),
    Column("return_time", DateTime, nullable=False),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("reason", String(200)),
    Column("remark", String(500)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_sale_return_time", "return_time"),
    comment="药品销售退货",
)

drug_trace_code = Table(
    "drug_trace_code",
    metadata,
    Column("src_kind", String(10), primary_key=True),  # sale / sale_ret / take / move
    Column("src_id", String(20), primary_key=True),  # sale_line_id / return_id / take_id / move_id
    Column("seq_no", SmallInteger, primary_key=True),
    Column("trace_code", String(100), nullable=False),  # as scanned; normally 20 digits
    Column("scan_time", DateTime),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Index("ix_drug_trace_code_code", "trace_code"),
    comment="药品追溯码扫码记录",
)


# ---------------------------------------------------------------------------------------------- 医保 settlement

charge_item = Table(
    "charge_item",
    metadata,
    Column("item_code", String(20), primary_key=True),  # → fixmedins_hilist_id
    Column("item_name", String(200), nullable=False),
    Column("item_kind", String(10), nullable=False),  # item 医疗服务项目 / material 医用耗材
    Column("med_chrgitm_type", String(6)),  # 医疗收费项目类别 (hsa.md dictionary)
    Column("unit", String(20)),  # 计价单位
    Column("spec", String(200)),
    Column("price", Price),
    Column("med_list_codg", String(50)),  # 国家医保编码; NULL = 未对照
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="收费项目字典",
)

catalog_map = Table(
    "catalog_map",
    metadata,
    Column("map_id", String(20), primary_key=True),
    Column("item_kind", String(10), nullable=False),  # drug / item / material
    Column("item_code", String(20), nullable=False),  # drug_dict.drug_code or charge_item.item_code
    Column("list_type", String(3), nullable=False),  # 101 西药中成药 / 102 中药饮片 / 201 医疗服务 / 301 医用耗材
    Column("med_list_codg", String(50), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("status", String(10), nullable=False),  # active / withdrawn
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_catalog_map_item", "item_kind", "item_code"),
    Index("ix_catalog_map_updated_at", "updated_at"),
    comment="医保目录对照",
)

insu_item_limit = Table(
    "insu_item_limit",
    metadata,
    Column("item_kind", String(10), primary_key=True),  # drug / item / material
    Column("item_code", String(20), primary_key=True),
    Column("gender_limit", String(1)),  # 1 限男 / 2 限女
    Column("min_age", Integer),  # 限定年龄 (years, inclusive)
    Column("max_age", Integer),
    Column("daily_max_qty", Qty),  # 每日限量
    Column("indication_diag", String(200)),  # ICD-10 prefixes, comma separated: 限定支付的诊断
    Column("limit_note", String(500)),  # 限制使用范围 as the 医保目录 words it
    Column("updated_at", DateTime, nullable=False),
    comment="医保限制条件",
)

inpatient_stay = Table(
    "inpatient_stay",
    metadata,
    Column("adm_id", String(20), primary_key=True),  # 住院号
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("mdtrt_id", String(30)),  # 医保就诊ID (2401)
    Column("medcasno", String(40), nullable=False),  # 病案号
    Column("med_type", String(6), nullable=False),  # 医疗类别 21 普通住院 …
    Column("ipt_med_type", String(3), nullable=False),  # 住院医疗类型 1 住院 / 2 日间手术
    Column("adm_way", String(3)),  # 入院途径
    Column("trt_type", String(3)),  # 治疗类别
    Column("adm_time", DateTime, nullable=False),
    Column("adm_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("dscg_time", DateTime),
    Column("dscg_dept_code", String(20), ForeignKey("dept.dept_code")),
    Column("dscg_way", String(3)),  # 离院方式
    Column("chfpdr_code", String(20), ForeignKey("staff.staff_code")),  # 主诊医师
    Column("resp_nurse_code", String(20), ForeignKey("staff.staff_code")),  # 责任护士
    Column("coner_name", String(50)),  # 联系人
    Column("coner_rlts", String(6)),  # 与患者关系
    Column("coner_addr", String(200)),
    Column("coner_tel", String(50)),
    Column("prfs", String(6)),  # 职业
    Column("status", String(10), nullable=False),  # admitted / discharged / cancelled
    Column("updated_at", DateTime, nullable=False),
    Index("ix_inpatient_stay_dscg_time", "dscg_time"),
    comment="住院登记",
)

stay_diagnosis = Table(
    "stay_diagnosis",
    metadata,
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), primary_key=True),
    Column("seq_no", SmallInteger, primary_key=True),
    Column("diag_type", String(3), nullable=False),  # 1 西医 / 2 中医主病 / 3 中医主证
    Column("diag_code", String(20), nullable=False),  # ICD-10 (医保版)
    Column("diag_name", String(100), nullable=False),
    Column("maindiag_flag", String(1), nullable=False),  # 1 主诊断 / 0
    Column("adm_cond_type", String(3)),  # 入院病情 1 有 / 2 临床未确定 / 3 情况不明 / 4 无
    comment="住院诊断",
)

stay_operation = Table(
    "stay_operation",
    metadata,
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), primary_key=True),
    Column("seq_no", SmallInteger, primary_key=True),
    Column("oprn_oprt_type", String(3), nullable=False),  # 1 主手术 / 2 其他
    Column("oprn_oprt_code", String(30), nullable=False),  # ICD-9-CM-3 (医保版)
    Column("oprn_oprt_name", String(500), nullable=False),
    Column("begin_time", DateTime),
    Column("end_time", DateTime),
    Column("anst_way", String(6)),
    Column("oper_dr_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("anst_dr_code", String(20), ForeignKey("staff.staff_code")),
    comment="手术操作",
)

insu_settlement = Table(
    "insu_settlement",
    metadata,
    Column("setl_id", String(30), primary_key=True),  # 医保结算ID
    Column("mdtrt_id", String(30), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # O 门诊 / I 住院
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("insutype", String(6), nullable=False),  # 险种 310 职工 / 390 居民 …
    Column("clr_type", String(6), nullable=False),  # 清算类别 11 门诊 / 21 住院
    Column("clr_optins", String(6), nullable=False),  # 清算经办机构
    Column("med_type", String(6), nullable=False),
    Column("setl_time", DateTime, nullable=False),
    Column("medfee_sumamt", Money, nullable=False),
    Column("fund_pay_sumamt", Money, nullable=False),
    Column("acct_pay", Money, nullable=False),
    Column("psn_cash_pay", Money, nullable=False),
    Column("refd_setl_flag", String(1), nullable=False),  # 0 结算 / 1 退费(撤销)结算
    Column("cancel_of", String(30)),  # the setl_id a cancellation row undoes
    Column("status", String(10), nullable=False),  # normal / cancelled (an original later cancelled)
    Column("main_diag_code", String(20)),
    Column("msgid", String(30)),  # the 2207/2304 request msgid
    Column("bill_code", String(50)),  # 票据代码
    Column("bill_no", String(30)),  # 票据号码
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_insu_settlement_setl_time", "setl_time"),
    Index("ix_insu_settlement_mdtrt_id", "mdtrt_id"),
    comment="医保结算记录",
)

fee_detail = Table(
    "fee_detail",
    metadata,
    Column("fee_id", String(30), primary_key=True),  # 费用明细流水号 feedetl_sn
    Column("setl_id", String(30), ForeignKey("insu_settlement.setl_id")),  # NULL until settled
    Column("mdtrt_id", String(30), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # O / I
    Column("item_kind", String(10), nullable=False),  # drug / item / material
    Column("item_code", String(20), nullable=False),
    Column("item_name", String(200), nullable=False),
    Column("fee_time", DateTime, nullable=False),
    Column("qty", Qty, nullable=False),
    Column("unit_price", Price, nullable=False),
    Column("amount", Money, nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code")),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("status", String(10), nullable=False),  # normal / refunded
    Column("updated_at", DateTime, nullable=False),
    Index("ix_fee_detail_setl_id", "setl_id"),
    Index("ix_fee_detail_fee_time", "fee_time"),
    comment="费用明细",
)


def create_schema(engine: Engine) -> None:
    """Create every table and index that does not exist yet."""
    metadata.create_all(engine, checkfirst=True)


def drop_schema(engine: Engine) -> None:
    """Drop every demo table (children first)."""
    metadata.drop_all(engine, checkfirst=True)
