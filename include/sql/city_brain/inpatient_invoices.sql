-- 城市大脑·住院发票清单查询 (endpoint inpatientInvoices): the 住院 invoices — each the discharge settlement of a stay
-- (insu_settlement visit_kind I, its 票据代码/号码) — of one patient or of one stay, with their amounts by 医疗收费项目
-- 类别 from inpatient_invoice_fee_cats.sql (keyed by setl_id). A settlement later cancelled (2305) is answered with
-- void_flag 1 and the cancellation's time; the cancellation rows themselves are not invoices.
-- Binds: patient_id, adm_id (each NULL: any; the request gives at least one).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    t.bill_code AS invoice_code,
    t.bill_no AS invoice_no,
    t.setl_id AS setl_id,
    t.adm_id AS adm_id,
    t.patient_id AS patient_id,
    t.setl_time AS invoice_time,
    i.adm_time AS adm_time,
    i.dscg_time AS dscg_time,
    COALESCE(i.dscg_dept_code, i.adm_dept_code) AS dept_code,
    d.dept_name AS dept_name,
    t.medfee_sumamt AS total_amount,
    t.fund_pay_sumamt AS fund_amount,
    t.acct_pay AS account_amount,
    t.psn_cash_pay AS self_amount,
    CASE WHEN t.status = 'cancelled' THEN '1' ELSE '0' END AS void_flag,
    (SELECT MAX(c.setl_time) FROM insu_settlement c WHERE c.cancel_of = t.setl_id) AS void_time
FROM insu_settlement t
JOIN inpatient_stay i ON i.adm_id = t.adm_id
LEFT JOIN dept d ON d.dept_code = COALESCE(i.dscg_dept_code, i.adm_dept_code)
WHERE t.visit_kind = 'I' AND t.refd_setl_flag = '0'
  AND COALESCE(:patient_id, t.patient_id) = t.patient_id
  AND COALESCE(:adm_id, t.adm_id) = t.adm_id
ORDER BY t.setl_time, t.setl_id
