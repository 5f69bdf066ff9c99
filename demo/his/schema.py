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


def create_schema(engine: Engine) -> None:
    """Create every table and index that does not exist yet."""
    metadata.create_all(engine, checkfirst=True)


def drop_schema(engine: Engine) -> None:
    """Drop every demo table (children first)."""
    metadata.drop_all(engine, checkfirst=True)
