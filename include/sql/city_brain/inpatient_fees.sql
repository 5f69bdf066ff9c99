-- 城市大脑·住院费用清单查询 (endpoint inpatientFees): the fee lines (费用明细 fee_detail, through the stay's 医保就诊ID)
-- of one stay, all or those of one day (fee_time on feeDate), with their 医疗收费项目类别 as in
-- inpatient_invoice_fee_cats.sql. A stay without a 医保 就诊ID has no lines here.
-- fee_status: 1 正常, 2 已退费; settled_flag 1: within a settlement (setl_id).
-- Binds: adm_id; start_time and end_time (feeDate 00:00 and the day after; NULL when no feeDate: the last
-- condition is then true — the COALESCE form keeps PostgreSQL's parameter types inferable).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    y.fee_id AS fee_id,
    y.adm_id AS adm_id,
    y.patient_id AS patient_id,
    y.fee_time AS fee_time,
    y.item_kind AS item_kind,
    y.item_code AS item_code,
    y.item_name AS item_name,
    y.fee_cat AS fee_cat,
    c.name AS fee_cat_name,
    y.qty AS qty,
    y.unit_price AS unit_price,
    y.amount AS amount,
    y.dept_code AS dept_code,
    d.dept_name AS dept_name,
    y.doctor_code AS doctor_code,
    s.name AS doctor_name,
    y.fee_status AS fee_status,
    y.settled_flag AS settled_flag,
    y.setl_id AS setl_id
FROM (
    SELECT
        x.fee_id AS fee_id,
        i.adm_id AS adm_id,
        x.patient_id AS patient_id,
        x.fee_time AS fee_time,
        x.item_kind AS item_kind,
        x.item_code AS item_code,
        x.item_name AS item_name,
        CASE
            WHEN x.item_kind = 'drug' AND g.drug_cat = '中药饮片' THEN '10'
            WHEN x.item_kind = 'drug' AND g.drug_cat = '中成药' THEN '11'
            WHEN x.item_kind = 'drug' THEN '09'
            WHEN x.item_kind = 'material' THEN '08'
            ELSE COALESCE(h.med_chrgitm_type, '14')
        END AS fee_cat,
        x.qty AS qty,
        x.unit_price AS unit_price,
        x.amount AS amount,
        x.dept_code AS dept_code,
        x.doctor_code AS doctor_code,
        CASE WHEN x.status = 'refunded' THEN '2' ELSE '1' END AS fee_status,
        CASE WHEN x.setl_id IS NULL THEN '0' ELSE '1' END AS settled_flag,
        x.setl_id AS setl_id
    FROM inpatient_stay i
    JOIN fee_detail x ON x.mdtrt_id = i.mdtrt_id AND x.visit_kind = 'I'
    LEFT JOIN drug_dict g ON g.drug_code = x.item_code AND x.item_kind = 'drug'
    LEFT JOIN charge_item h ON h.item_code = x.item_code AND x.item_kind <> 'drug'
    WHERE i.adm_id = :adm_id
      AND ((x.fee_time >= :start_time AND x.fee_time < :end_time)
           OR COALESCE(:start_time, x.fee_time) = x.fee_time)
) y
LEFT JOIN code_dict c ON c.dict_type = 'fee_cat' AND c.code = y.fee_cat
LEFT JOIN dept d ON d.dept_code = y.dept_code
LEFT JOIN staff s ON s.staff_code = y.doctor_code
ORDER BY y.fee_time, y.fee_id
