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

EMR / LIS / PACS (read by the CDC feeds, 传染病前置监测; HIS codes mapped by ``include/mappings/cdc_*.yaml``):

======================= ========================================================================================
``code_dict``            HIS 通用字典: (dict_type, code) → name for every coded column below
``diag_dict``            诊断字典: ICD-10 code, name, 4-character category, 前置软件-style 传染病 code and 类别
``patient_extra``        病人扩展信息 (1:1 with ``patient``): ID type, nationality, nation, marital status, education,
                         人群分类, 户籍/现住地址 (9-digit 区划 code, name, detail), work unit, contact; ``updated_at``
                         is the patient master's last change
``stay_bed``             住院床位 of a stay: ward, room, bed
``visit_diagnosis``      门急诊诊断: ICD-10, main/疑似 flags, time, doctor
``outpatient_note``      门急诊病历 (one per visit)
``er_observation``       急诊留观 of an ER visit: in/out times, course, precautions
``admission_note``       入院记录 with 初步/修正/确定/补充诊断
``course_note``          病程记录: ``SC`` 首次病程 / ``RC`` 日常病程
``discharge_note``       出院记录
``front_page``           病案首页 items the stay lacks (pay method, 住院次数, diagnoses as coded, pathology, allergy,
                         autopsy, 拟接收机构); one per discharged stay
``exam_report``          检查报告 (CT/DR/US/MR/BL) and its ``exam_report_item`` rows
``lab_report``           检验报告 (incl. microbiology) and its ``lab_result`` rows: quantitative with range and flag,
                         qualitative raw text, organism and 药敏 S/I/R rows
``clinical_order``       医嘱处方 (门诊处方, 长期/临时医嘱, 中药饮片处方) and its ``clinical_order_item`` drug rows
``vital_sign``           护理记录 (体温单): temperature, pulse, breath, BP, SpO2, ventilator and ICU flags
``death_record``         死亡记录
``infectious_report``    传染病报告卡 filed by a doctor (disease, ICD-10, 病例分类, dates, reporter, audit, 订正)
======================= ========================================================================================

检查检验互认 (read by the 省平台互认 upload feeds ``mutual_*``, with ``registration``, ``lab_report``/``lab_result``
and ``exam_report``/``exam_report_item`` above; HIS codes mapped by ``include/mappings/mutual_*.yaml``):

======================= ========================================================================================
``appointment``          预约: 门诊号源 (``clinic``), 检查 (``exam``) or 检验 (``lab``) appointment of a patient, with
                         its HIS item (检查项目 / 检验组合), date and time slot, channel, status booked / cancelled /
                         attended / missed, booking and cancel times; ``reg_id`` once a clinic booking is taken
======================= ========================================================================================

城市大脑 先诊疗后付费 (read by the hospital-side API the city brain calls, ``include/sql/city_brain/``; filled by
:mod:`demo.his.city_brain`):

======================= ========================================================================================
``credit_sign``          先诊疗后付费签约 of a patient: 医保 (1) or 银联卡 (2) credit, limit, channel, signed, ended
                         (解约 / 冻结 as 黑名单); at most one ``active`` row per patient at a time
``schedule_stop``        停诊: a doctor's session (date, 上午/下午/晚间, its start and end) stopped, with the reason,
                         a 替诊 doctor when there is one, when it was announced, and its revocation (恢复出诊)
``patient_allergy``      过敏史: allergen (药物 / 食物 / 环境), reaction, severity, who recorded it and when
``medtech_apply``        医技申请单 (检验 / 检查): ordered (apply), registered at the 医技 department (标本接收 or
                         检查登记), reported (its ``report_id``) or cancelled; its charge item and amount
``charge_bill``          门诊收费单 (one payment): amounts total / 医保 / 自付, pay channel, 先诊疗后付费 pay type, the
                         医保 settlement it mirrors (``setl_id``), the electronic invoice, status normal /
                         part_refunded / refunded and the amount refunded so far
``charge_bill_line``     收费明细 of a bill: item, 医疗收费项目类别 (``fee_cat`` 01–14), qty, price, amount, executing
                         department, the order it charges (``source_no``: 处方号 / 申请单号 / 挂号ID), refund
``charge_refund``        退费 of (part of) a bill: amounts, channel, reason, the 红冲 invoice and the 医保 cancellation
======================= ========================================================================================
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
    Column("caty", String(20)),  # 医保科别 (3401 caty, e.g. A03.04); NULL for departments without a 诊疗科目
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
    # 医保人员代码 (医保医师/护士/药师代码, 医保贯标); NULL for staff without one (clerks, technicians)
    Column("hi_psn_codg", String(30)),
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
    Index("ix_patient_id_card_no", "id_card_no"),
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
    Index("ix_registration_queue", "visit_date", "dept_code", "time_slot"),
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
    Index("ix_inpatient_stay_patient_id", "patient_id"),
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


# ---------------------------------------------------------------------------------------------- EMR / LIS / PACS
# Read by the CDC feeds (传染病前置监测). Every table has a stable key, ``updated_at`` (the last change; a feed
# selects on it together with the business time) and, where the HIS has one, ``status`` with ``voided`` = 作废
# (→ invalid_flag 1 / DELETE) plus ``void_time``. Coded columns hold the HIS's own codes (listed in ``code_dict``);
# the feeds map them to the national dictionaries. A diagnosis list inside a document is kept as the document
# shows it (``diag_codes`` / ``diag_names``, comma separated) so no feed needs a string aggregate.

#: Free text of a clinical document. 4000 is Oracle's VARCHAR2 limit; the demo's texts are far shorter.
LongText = String(4000)
#: A comma-separated list of diagnosis codes or names as a document carries it (emr_* wm_* columns are 400).
DiagList = String(400)

code_dict = Table(
    "code_dict",
    metadata,
    Column("dict_type", String(20), primary_key=True),  # marital / nation / specimen / exam_type …
    Column("code", String(20), primary_key=True),  # the HIS code
    Column("name", String(100), nullable=False),  # the HIS's display name
    Column("sort_no", Integer),
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="HIS通用字典",
)

diag_dict = Table(
    "diag_dict",
    metadata,
    Column("diag_code", String(20), primary_key=True),  # ICD-10 (医保版 extension) as the HIS codes diagnoses
    Column("diag_name", String(200), nullable=False),
    Column("icd10_code", String(10), nullable=False),  # the 4-character ICD-10 category (A15.0)
    Column("inf_disease_code", String(10)),  # 前置软件-style 传染病 code when notifiable, else NULL
    Column("inf_disease_name", String(100)),  # its name (流行性感冒 …)
    Column("inf_class", String(2)),  # 甲 / 乙 / 丙 (法定传染病类别), NULL when not notifiable
    Column("is_active", SmallInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    comment="诊断字典",
)

patient_extra = Table(
    "patient_extra",
    metadata,
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), primary_key=True),
    Column("id_type", String(10), nullable=False),  # code_dict id_type: SFZ 身份证 / HZ 护照 …
    Column("country_code", String(10)),  # code_dict country (ISO alpha-3: CHN …)
    Column("nation_code", String(10)),  # code_dict nation (HAN 汉族 …)
    Column("marital_code", String(10)),  # code_dict marital (S/M/W/D/U)
    Column("education_code", String(10)),  # code_dict education (1 研究生 … 9 其他)
    Column("occupation_code", String(10)),  # code_dict occupation (人群分类 as the HIS keeps it)
    Column("occupation_other", String(100)),  # free text when occupation is QT 其他
    Column("perm_addr_code", String(9)),  # 户籍地址: 6-digit county + 3-digit township 区划
    Column("perm_addr_name", String(100)),
    Column("perm_addr_detail", String(250)),
    Column("curr_addr_code", String(9)),  # 现住地址
    Column("curr_addr_name", String(100)),
    Column("curr_addr_detail", String(250)),
    Column("workunit", String(250)),  # 工作单位/学校
    Column("contact_name", String(50)),  # 联系人/监护人
    Column("contact_rel", String(10)),  # code_dict relation
    Column("contact_tel", String(50)),
    Column("health_card_no", String(30)),  # 居民健康卡号
    Column("updated_at", DateTime, nullable=False),  # last change of the patient master (patient or extra)
    Index("ix_patient_extra_updated_at", "updated_at"),
    comment="病人扩展信息",
)

stay_bed = Table(
    "stay_bed",
    metadata,
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), primary_key=True),
    Column("ward_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("room_no", String(10), nullable=False),  # 病房号
    Column("bed_no", String(10), nullable=False),  # 床号
    Column("bed_time", DateTime, nullable=False),  # 入床时间
    Column("updated_at", DateTime, nullable=False),
    comment="住院床位",
)

visit_diagnosis = Table(
    "visit_diagnosis",
    metadata,
    Column("diag_id", String(24), primary_key=True),
    Column("reg_id", String(20), ForeignKey("registration.reg_id"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("seq_no", SmallInteger, nullable=False),
    Column("diag_type", String(3), nullable=False),  # 1 西医 / 2 中医病名 / 3 中医证候 (as stay_diagnosis)
    Column("main_flag", String(1), nullable=False),  # 1 主诊断 / 0
    Column("diag_code", String(20), nullable=False),  # ICD-10 (diag_dict) or 中医病证 code
    Column("diag_name", String(200), nullable=False),
    Column("suspect_flag", String(1), nullable=False),  # Y 疑似/待查 / N
    Column("diag_time", DateTime, nullable=False),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_visit_diagnosis_reg_id", "reg_id"),
    Index("ix_visit_diagnosis_updated_at", "updated_at"),
    comment="门急诊诊断",
)

outpatient_note = Table(
    "outpatient_note",
    metadata,
    Column("note_id", String(24), primary_key=True),
    Column("reg_id", String(20), ForeignKey("registration.reg_id"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("visit_time", DateTime, nullable=False),  # 就诊时间
    Column("first_visit_flag", String(1), nullable=False),  # Y 初诊 / N 复诊
    Column("chief_complaint", LongText),
    Column("present_illness", LongText),
    Column("past_illness", LongText),
    Column("infection_his", LongText),
    Column("vaccination_his", LongText),
    Column("operation_his", LongText),
    Column("transfusion_his", LongText),
    Column("personal_his", LongText),
    Column("marital_his", LongText),
    Column("menstrual_his", LongText),
    Column("family_his", LongText),
    Column("allergy_flag", String(1), nullable=False),  # Y 有 / N 无
    Column("allergy_his", LongText),
    Column("physical_exam", LongText),
    Column("tcm_observation", LongText),  # 中医四诊
    Column("studies_summary", LongText),  # 辅助检查
    Column("diag_codes", DiagList),  # 西医诊断 as written (ICD-10, comma separated)
    Column("diag_names", DiagList),
    Column("tcm_diag_code", String(50)),
    Column("tcm_diag_name", String(100)),
    Column("tcm_syndrome_code", String(50)),
    Column("tcm_syndrome_name", String(100)),
    Column("tcm_basis", String(100)),  # 辨证依据
    Column("treatment", String(100)),  # 治则治法
    Column("advice", LongText),  # 处理意见
    Column("sign_time", DateTime),
    Column("revision", SmallInteger, nullable=False),  # 1 on signing, +1 per later edit
    Column("status", String(10), nullable=False),  # signed / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_outpatient_note_reg_id", "reg_id"),
    Index("ix_outpatient_note_updated_at", "updated_at"),
    Index("ix_outpatient_note_patient_id", "patient_id"),
    comment="门急诊病历",
)

er_observation = Table(
    "er_observation",
    metadata,
    Column("obs_id", String(24), primary_key=True),
    Column("reg_id", String(20), ForeignKey("registration.reg_id"), nullable=False),  # the ER visit
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("in_time", DateTime, nullable=False),  # 收入观察室
    Column("out_time", DateTime),  # 离观; NULL while still observed
    Column("bed_no", String(10)),
    Column("chief_complaint", LongText),
    Column("present_illness", LongText),
    Column("past_illness", LongText),
    Column("allergy_flag", String(1), nullable=False),
    Column("allergy_his", LongText),
    Column("physical_exam", LongText),
    Column("tcm_observation", LongText),
    Column("studies_summary", LongText),
    Column("diag_codes", DiagList),
    Column("diag_names", DiagList),
    Column("tcm_diag_code", String(50)),
    Column("tcm_diag_name", String(100)),
    Column("tcm_syndrome_code", String(50)),
    Column("tcm_syndrome_name", String(100)),
    Column("tcm_basis", String(100)),
    Column("treatment", String(100)),
    Column("course_text", LongText),  # 留观病程记录
    Column("precautions", LongText),  # 注意事项
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # observing / left / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_er_observation_updated_at", "updated_at"),
    Index("ix_er_observation_patient_id", "patient_id"),
    comment="急诊留观记录",
)

admission_note = Table(
    "admission_note",
    metadata,
    Column("note_id", String(24), primary_key=True),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),  # the ward
    Column("adm_time", DateTime, nullable=False),
    Column("record_time", DateTime, nullable=False),
    Column("chief_complaint", LongText),
    Column("present_illness", LongText),
    Column("health_good_flag", String(1)),  # 一般健康状况良好 Y / N
    Column("past_illness", LongText),
    Column("infectious_flag", String(1)),  # 患者传染性 Y / N
    Column("infection_his", LongText),
    Column("vaccination_his", LongText),
    Column("operation_his", LongText),
    Column("transfusion_his", LongText),
    Column("allergy_his", LongText),
    Column("personal_his", LongText),
    Column("marital_his", LongText),
    Column("menstrual_his", LongText),
    Column("family_his", LongText),
    Column("physical_exam", LongText),
    Column("specialty_exam", LongText),  # 专科情况
    Column("studies_summary", LongText),
    Column("tcm_observation", LongText),
    Column("treatment", String(100)),
    # 初步诊断 / 修正诊断 / 确定诊断 / 补充诊断 as the note shows them
    Column("init_diag_codes", DiagList),
    Column("init_diag_names", DiagList),
    Column("init_tcm_code", String(50)),
    Column("init_tcm_name", String(100)),
    Column("init_syn_code", String(50)),
    Column("init_syn_name", String(100)),
    Column("init_diag_time", DateTime),
    Column("rev_diag_codes", DiagList),
    Column("rev_diag_names", DiagList),
    Column("rev_tcm_code", String(50)),
    Column("rev_tcm_name", String(100)),
    Column("rev_syn_code", String(50)),
    Column("rev_syn_name", String(100)),
    Column("rev_diag_time", DateTime),
    Column("conf_diag_codes", DiagList),
    Column("conf_diag_names", DiagList),
    Column("conf_tcm_code", String(50)),
    Column("conf_tcm_name", String(100)),
    Column("conf_syn_code", String(50)),
    Column("conf_syn_name", String(100)),
    Column("conf_diag_time", DateTime),
    Column("supp_diag_code", String(50)),
    Column("supp_diag_name", String(250)),
    Column("supp_diag_time", DateTime),
    Column("diag_order", String(2)),  # 入院诊断顺位
    Column("visit_doctor_code", String(20), ForeignKey("staff.staff_code")),  # 接诊医师
    Column("resident_code", String(20), ForeignKey("staff.staff_code")),  # 住院医师
    Column("attending_code", String(20), ForeignKey("staff.staff_code")),  # 主治医师
    Column("sign_time", DateTime),
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # signed / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_admission_note_adm_id", "adm_id"),
    Index("ix_admission_note_updated_at", "updated_at"),
    Index("ix_admission_note_patient_id", "patient_id"),
    comment="入院记录",
)

course_note = Table(
    "course_note",
    metadata,
    Column("note_id", String(24), primary_key=True),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("note_type", String(2), nullable=False),  # SC 首次病程 / RC 日常病程
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("record_time", DateTime, nullable=False),
    Column("chief_complaint", LongText),  # SC
    Column("case_summary", LongText),  # SC 病例特点
    Column("tcm_observation", LongText),
    Column("diag_basis", LongText),  # SC 诊断依据
    Column("diag_codes", DiagList),  # SC 初步诊断
    Column("diag_names", DiagList),
    Column("tcm_diag_code", String(50)),
    Column("tcm_diag_name", String(100)),
    Column("tcm_syn_code", String(50)),
    Column("tcm_syn_name", String(100)),
    Column("diff_diag_codes", DiagList),  # SC 鉴别诊断
    Column("diff_diag_names", DiagList),
    Column("diff_tcm_code", String(50)),
    Column("diff_tcm_name", String(100)),
    Column("diff_syn_code", String(50)),
    Column("diff_syn_name", String(100)),
    Column("treatment_plan", LongText),  # SC 诊疗计划
    Column("treatment", LongText),  # 治则治法 (SC) / 辨证论治 (RC)
    Column("course_text", LongText),  # RC 病程内容
    Column("order_content", LongText),  # RC 医嘱内容
    Column("outcome", String(10)),  # 病情转归 (code_dict outcome: 治愈/好转/未愈/死亡/其他)
    Column("doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("sign_time", DateTime),
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # signed / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_course_note_adm_id", "adm_id"),
    Index("ix_course_note_updated_at", "updated_at"),
    Index("ix_course_note_patient_id", "patient_id"),
    comment="病程记录",
)

discharge_note = Table(
    "discharge_note",
    metadata,
    Column("note_id", String(24), primary_key=True),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("adm_time", DateTime, nullable=False),
    Column("adm_desc", LongText),  # 入院情况
    Column("adm_diag_codes", DiagList),
    Column("adm_diag_names", DiagList),
    Column("studies_summary", LongText),  # 阳性辅助检查结果
    Column("tcm_observation", LongText),
    Column("treatment", String(100)),
    Column("treatment_desc", LongText),  # 诊疗经过
    Column("tcm_decoction", String(100)),
    Column("tcm_usage", String(100)),
    Column("dscg_desc", LongText),  # 出院情况
    Column("dscg_time", DateTime, nullable=False),
    Column("dscg_diag_codes", DiagList),
    Column("dscg_diag_names", DiagList),
    Column("dscg_tcm_code", String(50)),
    Column("dscg_tcm_name", String(100)),
    Column("dscg_syn_code", String(50)),
    Column("dscg_syn_name", String(100)),
    Column("dscg_signs", LongText),  # 出院时症状体征
    Column("dscg_advice", LongText),  # 出院医嘱
    Column("outcome", String(10)),  # code_dict outcome
    Column("resident_code", String(20), ForeignKey("staff.staff_code")),
    Column("attending_code", String(20), ForeignKey("staff.staff_code")),
    Column("record_time", DateTime, nullable=False),
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # signed / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_discharge_note_updated_at", "updated_at"),
    Index("ix_discharge_note_patient_id", "patient_id"),
    comment="出院记录",
)

front_page = Table(
    "front_page",
    metadata,
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), primary_key=True),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("pay_method", String(10), nullable=False),  # code_dict pay_method (ZG/JM/SY/GF/ZF/QT)
    Column("health_card_no", String(30)),
    Column("adm_times", SmallInteger, nullable=False),  # 第几次住院
    Column("ipt_days", Integer, nullable=False),  # 实际住院天数
    Column("adm_room_no", String(10)),
    Column("dscg_room_no", String(10)),
    Column("otp_diag_code", String(50)),  # 门（急）诊诊断
    Column("otp_diag_name", String(250)),
    Column("main_diag_code", String(50)),  # 出院主要诊断 (as stay_diagnosis maindiag_flag 1)
    Column("main_diag_name", String(250)),
    Column("other_diag_codes", DiagList),  # 出院其他诊断
    Column("other_diag_names", DiagList),
    Column("ext_cause_code", String(50)),  # 损伤中毒外部原因
    Column("ext_cause_name", String(250)),
    Column("path_diag_code", String(50)),  # 病理诊断
    Column("path_diag_name", String(250)),
    Column("path_no", String(50)),
    Column("allergy_flag", String(1), nullable=False),  # 药物过敏 Y / N
    Column("allergy_drug", String(500)),
    Column("autopsy_flag", String(1)),  # 死亡患者尸检 Y / N; NULL unless died
    Column("attending_code", String(20), ForeignKey("staff.staff_code")),
    Column("resident_code", String(20), ForeignKey("staff.staff_code")),
    Column("accept_org_code", String(9)),  # 拟接收医疗机构 (转院/转社区)
    Column("accept_org_name", String(100)),
    Column("coder_code", String(20), ForeignKey("staff.staff_code")),  # 编码员
    Column("completed_time", DateTime, nullable=False),  # 首页完成
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_front_page_updated_at", "updated_at"),
    comment="病案首页",
)

exam_report = Table(
    "exam_report",
    metadata,
    Column("report_id", String(24), primary_key=True),
    Column("apply_no", String(30), nullable=False),  # 电子申请单号
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # code_dict visit_kind: O 门诊 / E 急诊 / I 住院
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("apply_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("apply_doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("exam_type", String(10), nullable=False),  # code_dict exam_type: CT / DR / US / MR / BL
    Column("exam_part", String(50)),  # 检查部位
    Column("chief_complaint", LongText),
    Column("symptom_start", DateTime),
    Column("symptom_end", DateTime),
    Column("symptom_desc", LongText),
    Column("treatment_desc", LongText),
    Column("special_flag", String(1), nullable=False),  # 特殊检查 Y / N
    Column("exam_time", DateTime, nullable=False),
    Column("findings", LongText),  # 检查所见
    Column("conclusion", LongText),  # 诊断意见/提示
    Column("remark", String(500)),
    Column("report_no", String(30), nullable=False),
    Column("report_time", DateTime, nullable=False),
    Column("report_doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("audit_doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("report_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # reported / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_exam_report_updated_at", "updated_at"),
    Index("ix_exam_report_patient_id", "patient_id"),
    comment="检查报告",
)

exam_report_item = Table(
    "exam_report_item",
    metadata,
    Column("item_id", String(24), primary_key=True),
    Column("report_id", String(24), ForeignKey("exam_report.report_id"), nullable=False),
    Column("seq_no", SmallInteger, nullable=False),
    Column("item_code", String(20), nullable=False),  # HIS 检查项目 (CT0101 胸部CT平扫 …)
    Column("item_name", String(100), nullable=False),
    Column("result_code", String(10)),  # code_dict exam_result: N 未见异常 / A 异常 / U 不确定
    Column("quant_value", String(50)),
    Column("quant_unit", String(20)),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_exam_report_item_report_id", "report_id"),
    comment="检查报告项目",
)

lab_report = Table(
    "lab_report",
    metadata,
    Column("report_id", String(24), primary_key=True),
    Column("apply_no", String(30), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # O / E / I
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("apply_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("apply_doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("panel_code", String(20), nullable=False),  # LIS 检验组合 (XCG 血常规 …)
    Column("panel_name", String(100), nullable=False),
    Column("micro_flag", String(1), nullable=False),  # Y 微生物 (培养+药敏) / N
    Column("specimen_no", String(30), nullable=False),  # 标本条码
    Column("specimen_type", String(10), nullable=False),  # code_dict specimen (BLD/SER/URN/STL/SPU/NPS/OPS/BC)
    Column("sample_time", DateTime, nullable=False),
    Column("receive_time", DateTime),
    Column("test_doctor_code", String(20), ForeignKey("staff.staff_code")),  # 检验者
    Column("test_time", DateTime),
    Column("report_no", String(30), nullable=False),
    Column("findings", LongText),  # 结果描述
    Column("conclusion", LongText),  # 提示/结论
    Column("remark", String(500)),
    Column("report_time", DateTime, nullable=False),
    Column("audit_doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),  # 审核/报告者
    Column("report_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("revision", SmallInteger, nullable=False),
    Column("status", String(10), nullable=False),  # reported / voided
    Column("void_time", DateTime),
    Column("void_reason", String(200)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_lab_report_updated_at", "updated_at"),
    Index("ix_lab_report_patient_id", "patient_id"),
    comment="检验报告",
)

# No foreign key to lab_report on purpose: the LIS writes instrument results before (and independently of) the
# audited report header, so a result whose report was never signed is possible — the feeds quarantine it.
lab_result = Table(
    "lab_result",
    metadata,
    Column("result_id", String(24), primary_key=True),
    Column("report_id", String(24), nullable=False),
    Column("seq_no", SmallInteger, nullable=False),
    Column("item_code", String(20), nullable=False),  # LIS 项目 (WBC, FLUA-Ag …) or antibiotic (AMP …)
    Column("item_name", String(100), nullable=False),
    Column("result_kind", String(1), nullable=False),  # N 定量 / Q 定性 / G 培养菌株 / A 药敏
    Column("quant_value", String(50)),  # as the LIS shows it ("6.8", "≤1", "24.5")
    Column("unit", String(20)),
    Column("ref_low", String(20)),
    Column("ref_high", String(20)),
    Column("abn_flag", String(1)),  # code_dict abn_flag: N / H / L (定量 only)
    Column("qual_result", String(50)),  # LIS raw text: 阴性 / 阳性 / + / - / 检出 / 未检出 / S / I / R …
    Column("germ_code", String(20)),  # organism (G and A rows)
    Column("germ_name", String(100)),
    Column("test_time", DateTime),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_lab_result_report_id", "report_id"),
    Index("ix_lab_result_updated_at", "updated_at"),
    comment="检验结果",
)

clinical_order = Table(
    "clinical_order",
    metadata,
    Column("order_id", String(24), primary_key=True),
    Column("order_no", String(30), nullable=False),  # 处方/医嘱单号
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # O / E / I
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("rx_no", String(20), ForeignKey("prescription.rx_no")),  # the pharmacy's prescription (门诊)
    Column("order_type", String(2), nullable=False),  # code_dict order_type: W / C / L / T
    Column("issue_time", DateTime, nullable=False),  # 开立
    Column("valid_days", SmallInteger),
    Column("exec_time", DateTime),  # 执行/发药
    Column("stop_time", DateTime),  # 长期医嘱停止
    Column("doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("pharmacist_code", String(20), ForeignKey("staff.staff_code")),  # 发药药师
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("tcm_recipe", String(500)),  # 中药饮片处方 (order_type C)
    Column("tcm_doses", SmallInteger),  # 剂数
    Column("tcm_decoction", String(100)),  # 煎煮法
    Column("tcm_usage", String(100)),  # 用法
    Column("remark", String(100)),
    Column("status", String(10), nullable=False),  # normal / stopped / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_clinical_order_updated_at", "updated_at"),
    Index("ix_clinical_order_patient_id", "patient_id"),
    Index("ix_clinical_order_reg_id", "reg_id"),
    Index("ix_clinical_order_adm_id", "adm_id"),
    comment="医嘱处方",
)

clinical_order_item = Table(
    "clinical_order_item",
    metadata,
    Column("item_id", String(24), primary_key=True),
    Column("order_id", String(24), ForeignKey("clinical_order.order_id"), nullable=False),
    Column("seq_no", SmallInteger, nullable=False),
    Column("drug_code", String(20), ForeignKey("drug_dict.drug_code"), nullable=False),
    Column("drug_name", String(200), nullable=False),
    Column("drug_spec", String(100)),
    Column("dose", Numeric(12, 3)),  # 单次剂量
    Column("dose_unit", String(20)),  # as the HIS writes it (片/粒/g/ml …)
    Column("frequency", String(10)),  # qd / bid / tid …
    Column("route", String(20)),  # 口服 / 静脉滴注 / 水煎服 …
    Column("total_qty", Qty),  # 总量
    Column("total_unit", String(20)),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_clinical_order_item_order", "order_id"),
    comment="医嘱处方明细",
)

vital_sign = Table(
    "vital_sign",
    metadata,
    Column("record_id", String(24), primary_key=True),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("record_time", DateTime, nullable=False),
    Column("temperature", Numeric(4, 1)),  # ℃
    Column("pulse", SmallInteger),  # 次/分
    Column("breath", SmallInteger),  # 次/分
    Column("sbp", SmallInteger),  # mmHg
    Column("dbp", SmallInteger),
    Column("spo2", SmallInteger),  # %
    Column("ventilator_flag", String(1), nullable=False),  # 使用呼吸机 Y / N
    Column("icu_flag", String(1), nullable=False),  # 重症监护 Y / N
    Column("nurse_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_vital_sign_updated_at", "updated_at"),
    comment="生命体征(护理记录)",
)

death_record = Table(
    "death_record",
    metadata,
    Column("death_id", String(24), primary_key=True),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("death_time", DateTime, nullable=False),
    Column("treatment_desc", LongText),  # 诊疗/抢救经过
    Column("direct_cause_code", String(20)),  # 直接死因 ICD-10
    Column("direct_cause_name", String(200)),
    Column("death_diag_code", String(20)),  # 死亡诊断 ICD-10
    Column("death_diag_name", String(200)),
    Column("attending_code", String(20), ForeignKey("staff.staff_code")),
    Column("record_time", DateTime, nullable=False),
    Column("status", String(10), nullable=False),  # normal / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    comment="死亡记录",
)

infectious_report = Table(
    "infectious_report",
    metadata,
    Column("report_id", String(24), primary_key=True),
    Column("card_no", String(30), nullable=False),  # 卡片编号
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # O / E / I
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("disease_code", String(10), nullable=False),  # 前置软件-style 传染病 code (diag_dict.inf_disease_code)
    Column("disease_name", String(100), nullable=False),
    Column("icd10_code", String(20), nullable=False),
    Column("icd10_name", String(200), nullable=False),
    Column("case_type", String(4), nullable=False),  # code_dict case_type: YS 疑似 / LC 临床 / QZ 确诊 / BY 病原携带
    Column("onset_date", Date),  # 发病日期
    Column("diag_time", DateTime, nullable=False),  # 诊断时间
    Column("death_date", Date),
    Column("lab_conclusion", String(50)),  # 实验室检测结论 (阳性 / 阴性 / 未检测)
    Column("report_time", DateTime, nullable=False),  # 填卡时间
    Column("reporter_code", String(20), ForeignKey("staff.staff_code"), nullable=False),  # 报告医生
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("audit_by", String(20), ForeignKey("staff.staff_code")),  # 预防保健科 审核
    Column("audit_time", DateTime),
    Column("remark", String(500)),
    Column("revision", SmallInteger, nullable=False),  # 1 filed, +1 per 订正
    Column("status", String(10), nullable=False),  # submitted / audited / voided
    Column("void_time", DateTime),
    Column("void_reason", String(200)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_infectious_report_updated", "updated_at"),
    comment="传染病报告卡",
)

# ---------------------------------------------------------------------------------------------- 互认

appointment = Table(
    "appointment",
    metadata,
    Column("appt_id", String(24), primary_key=True),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("appt_type", String(10), nullable=False),  # clinic 门诊号源 / exam 检查 / lab 检验
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),  # 门诊科室 or 医技科室
    Column("doctor_code", String(20), ForeignKey("staff.staff_code")),  # clinic only (普通号 may have none)
    Column("item_code", String(20)),  # exam: exam_report_item.item_code (CT0101 …); lab: lab_report.panel_code
    Column("item_name", String(100)),
    Column("appt_date", Date, nullable=False),
    Column("start_time", DateTime, nullable=False),  # 预约时段 start and end (local wall-clock)
    Column("end_time", DateTime, nullable=False),
    Column("channel", String(10), nullable=False),  # window 窗口 / kiosk 自助机 / wechat 微信 / phone 电话 / clinic 诊间
    Column("status", String(10), nullable=False),  # booked / cancelled / attended / missed
    Column("booked_at", DateTime, nullable=False),
    Column("cancel_time", DateTime),
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),  # the registration a clinic booking became
    Column("updated_at", DateTime, nullable=False),
    Index("ix_appointment_updated_at", "updated_at"),
    comment="预约",
)


# ---------------------------------------------------------------------------------------------- 城市大脑 先诊疗后付费

credit_sign = Table(
    "credit_sign",
    metadata,
    Column("sign_id", String(24), primary_key=True),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("sign_type", String(1), nullable=False),  # 1 医保先诊疗后付费 / 2 银联卡先诊疗后付费
    Column("credit_limit", Money, nullable=False),  # 信用额度
    Column("sign_channel", String(10), nullable=False),  # app 城市大脑App / window 窗口 / kiosk 自助机
    Column("signed_at", DateTime, nullable=False),
    Column("status", String(10), nullable=False),  # active 有效 / cancelled 已解约 / frozen 已冻结(黑名单)
    Column("end_time", DateTime),  # 解约 or 冻结
    Column("end_reason", String(200)),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_credit_sign_patient_id", "patient_id"),
    comment="先诊疗后付费签约",
)

schedule_stop = Table(
    "schedule_stop",
    metadata,
    Column("stop_id", String(24), primary_key=True),
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code"), nullable=False),
    Column("stop_date", Date, nullable=False),
    Column("time_slot", String(1), nullable=False),  # 1 上午 / 2 下午 / 3 晚间 (as registration.time_slot)
    Column("session_start", DateTime, nullable=False),  # the stopped session's hours (local wall-clock)
    Column("session_end", DateTime, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("sub_doctor_code", String(20), ForeignKey("staff.staff_code")),  # 替诊医生, NULL when none
    Column("announced_at", DateTime, nullable=False),  # 停诊发布
    Column("announcer_code", String(20), ForeignKey("staff.staff_code")),
    Column("status", String(10), nullable=False),  # active 停诊 / revoked 已撤销(恢复出诊)
    Column("revoke_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_schedule_stop_session", "session_start"),
    comment="停诊",
)

patient_allergy = Table(
    "patient_allergy",
    metadata,
    Column("allergy_id", String(24), primary_key=True),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("allergen_type", String(1), nullable=False),  # 1 药物 / 2 食物 / 3 环境及其他
    Column("allergen_code", String(20)),  # HIS drug class or allergen code, NULL when recorded as free text
    Column("allergen_name", String(100), nullable=False),
    Column("reaction", String(200)),  # 过敏反应 (皮疹, 荨麻疹 …), NULL when not recorded
    Column("severity", String(1)),  # 1 轻度 / 2 中度 / 3 重度, NULL when not recorded
    Column("recorded_at", DateTime, nullable=False),
    Column("recorder_code", String(20), ForeignKey("staff.staff_code")),
    Column("dept_code", String(20), ForeignKey("dept.dept_code")),
    Column("status", String(10), nullable=False),  # active / voided
    Column("void_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_patient_allergy_patient_id", "patient_id"),
    comment="过敏史",
)

medtech_apply = Table(
    "medtech_apply",
    metadata,
    Column("apply_no", String(30), primary_key=True),  # = lab_report / exam_report.apply_no once reported
    Column("apply_kind", String(10), nullable=False),  # lab 检验 / exam 检查
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("visit_kind", String(1), nullable=False),  # O / E / I
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("adm_id", String(20), ForeignKey("inpatient_stay.adm_id")),
    Column("item_code", String(20), nullable=False),  # lab: 检验组合 (panel_code); exam: 检查项目 (CT0101 …)
    Column("item_name", String(100), nullable=False),
    Column("apply_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("apply_doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("exec_dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),  # 检验科 / 放射科 …
    Column("apply_time", DateTime, nullable=False),  # 开单
    Column("charge_code", String(20)),  # charge_item.item_code billed for it, NULL when priced by the 医技 system
    Column("amount", Money, nullable=False),
    Column("register_time", DateTime),  # 医技登记: 标本接收 (lab) / 检查登记 (exam)
    Column("register_no", String(30)),  # 标本条码 / 检查号
    Column("report_id", String(24)),  # lab_report / exam_report.report_id once reported
    Column("status", String(10), nullable=False),  # applied / registered / reported / cancelled
    Column("cancel_time", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_medtech_apply_apply_time", "apply_time"),
    Index("ix_medtech_apply_reg_id", "reg_id"),
    Index("ix_medtech_apply_patient_id", "patient_id"),
    comment="医技申请单",
)

charge_bill = Table(
    "charge_bill",
    metadata,
    Column("bill_no", String(30), primary_key=True),  # 收费单号
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("reg_id", String(20), ForeignKey("registration.reg_id")),
    Column("visit_kind", String(1), nullable=False),  # O / E
    Column("dept_code", String(20), ForeignKey("dept.dept_code"), nullable=False),
    Column("doctor_code", String(20), ForeignKey("staff.staff_code")),
    Column("total_amount", Money, nullable=False),  # = the sum of its lines
    Column("insurance_amount", Money, nullable=False),  # 医保支付 (统筹 + 个人账户)
    Column("self_amount", Money, nullable=False),  # 个人自付 (total - insurance)
    Column("pay_channel", String(10), nullable=False),  # code_dict pay_channel: cash / card / wechat / alipay / none
    Column("pay_type", String(1), nullable=False),  # 0 普通 / 1 医保先诊疗后付费 / 2 银联卡先诊疗后付费
    Column("setl_id", String(30)),  # the 医保 settlement this bill is (insu_settlement.setl_id), NULL when self-paid
    Column("invoice_code", String(50)),  # 电子票据代码
    Column("invoice_no", String(30)),  # 电子票据号码
    Column("paid_at", DateTime, nullable=False),
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),  # 收费员, NULL for self-service / credit
    Column("status", String(16), nullable=False),  # normal / part_refunded / refunded
    Column("refunded_amount", Money, nullable=False),  # 累计退费
    Column("updated_at", DateTime, nullable=False),
    Index("ix_charge_bill_paid_at", "paid_at"),
    Index("ix_charge_bill_reg_id", "reg_id"),
    Index("ix_charge_bill_patient_id", "patient_id"),
    comment="门诊收费单",
)

charge_refund = Table(
    "charge_refund",
    metadata,
    Column("refund_no", String(30), primary_key=True),
    Column("bill_no", String(30), ForeignKey("charge_bill.bill_no"), nullable=False),
    Column("patient_id", String(20), ForeignKey("patient.patient_id"), nullable=False),
    Column("refund_time", DateTime, nullable=False),
    Column("refund_amount", Money, nullable=False),  # positive: what goes back
    Column("insurance_amount", Money, nullable=False),  # back to the 医保 fund and account
    Column("self_amount", Money, nullable=False),  # back to the patient (原路退回)
    Column("refund_channel", String(10), nullable=False),  # as the bill's pay_channel
    Column("reason", String(200)),
    Column("red_invoice_no", String(30)),  # 红冲票据号码
    Column("cancel_setl_id", String(30)),  # the 医保 cancellation (insu_settlement row with refd_setl_flag 1)
    Column("operator_code", String(20), ForeignKey("staff.staff_code")),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_charge_refund_refund_time", "refund_time"),
    Index("ix_charge_refund_patient_id", "patient_id"),
    comment="退费",
)

charge_bill_line = Table(
    "charge_bill_line",
    metadata,
    Column("line_id", String(30), primary_key=True),
    Column("bill_no", String(30), ForeignKey("charge_bill.bill_no"), nullable=False),
    Column("line_no", SmallInteger, nullable=False),
    Column("item_kind", String(10), nullable=False),  # drug / item / material
    Column("item_code", String(20), nullable=False),  # drug_dict.drug_code or charge_item.item_code
    Column("item_name", String(200), nullable=False),
    Column("spec", String(100)),
    Column("unit", String(20)),
    Column("fee_cat", String(2), nullable=False),  # 医疗收费项目类别 (code_dict fee_cat): 01 床位 … 09 西药 … 14 其他
    Column("qty", Qty, nullable=False),
    Column("unit_price", Price, nullable=False),
    Column("amount", Money, nullable=False),
    Column("exec_dept_code", String(20), ForeignKey("dept.dept_code")),
    Column("source_no", String(30)),  # the order it charges: clinical_order.order_no / medtech_apply.apply_no / reg_id
    Column("fee_id", String(30)),  # fee_detail.fee_id of a 医保 bill's line
    Column("status", String(10), nullable=False),  # normal / refunded
    Column("refund_no", String(30), ForeignKey("charge_refund.refund_no")),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_charge_bill_line_bill_no", "bill_no"),
    Index("ix_charge_bill_line_source_no", "source_no"),
    comment="门诊收费明细",
)


def create_schema(engine: Engine) -> None:
    """Create every table and index that does not exist yet."""
    metadata.create_all(engine, checkfirst=True)


def drop_schema(engine: Engine) -> None:
    """Drop every demo table (children first)."""
    metadata.drop_all(engine, checkfirst=True)
