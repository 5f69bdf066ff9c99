-- 城市大脑·医院历史数据抓取 bill (收费结算): every outpatient and emergency 收费单 (charge_bill, paid in the window:
-- paid_at) and every inpatient 医保 settlement (insu_settlement, visit_kind I, refd_setl_flag 0, settled in the
-- window: setl_time), as it stands now: a bill refunded since is sent with its status (2 全额退费 / 3 部分退费), the
-- amount refunded so far and the last refund's time — a capture run again later replaces the old version (the
-- city brain upserts by recordId = billNo: 收费单号 | 医保结算ID).
-- insurance_amount: 医保 统筹 + 个人账户; self_amount: the rest (they add up to the total, in the HIS as here).
-- Window (half-open, local time) on the payment's time; ORDER BY the record id.
-- Portable SQL (Oracle, PostgreSQL, SQLite).
SELECT
    x.bill_no AS bill_no,
    x.patient_id AS patient_id,
    x.visit_id AS visit_id,
    x.visit_type AS visit_type,
    x.invoice_no AS invoice_no,
    x.total_amount AS total_amount,
    x.insurance_amount AS insurance_amount,
    x.self_amount AS self_amount,
    x.paid_at AS paid_at,
    x.bill_status AS bill_status,
    x.refund_amount AS refund_amount,
    x.refunded_at AS refunded_at,
    x.pay_type AS pay_type
FROM (
    SELECT
        b.bill_no AS bill_no,
        b.patient_id AS patient_id,
        b.reg_id AS visit_id,
        CASE WHEN b.visit_kind = 'E' THEN '2' ELSE '1' END AS visit_type,
        b.invoice_no AS invoice_no,
        b.total_amount AS total_amount,
        b.insurance_amount AS insurance_amount,
        b.self_amount AS self_amount,
        b.paid_at AS paid_at,
        CASE b.status WHEN 'refunded' THEN '2' WHEN 'part_refunded' THEN '3' ELSE '1' END AS bill_status,
        CASE WHEN b.status <> 'normal' THEN b.refunded_amount END AS refund_amount,
        CASE WHEN b.status <> 'normal'
             THEN (SELECT MAX(f.refund_time) FROM charge_refund f WHERE f.bill_no = b.bill_no) END AS refunded_at,
        b.pay_type AS pay_type
    FROM charge_bill b
    WHERE b.paid_at >= :window_start AND b.paid_at < :window_end
    UNION ALL
    SELECT
        i.setl_id AS bill_no,
        i.patient_id AS patient_id,
        i.adm_id AS visit_id,
        '4' AS visit_type,
        i.bill_no AS invoice_no,
        i.medfee_sumamt AS total_amount,
        i.fund_pay_sumamt + i.acct_pay AS insurance_amount,
        i.psn_cash_pay AS self_amount,
        i.setl_time AS paid_at,
        CASE WHEN i.status = 'cancelled' THEN '2' ELSE '1' END AS bill_status,
        CASE WHEN i.status = 'cancelled' THEN i.medfee_sumamt END AS refund_amount,
        CASE WHEN i.status = 'cancelled'
             THEN (SELECT MAX(c.setl_time) FROM insu_settlement c WHERE c.cancel_of = i.setl_id) END AS refunded_at,
        COALESCE((SELECT MAX(c.sign_type) FROM credit_sign c
                   WHERE c.patient_id = i.patient_id AND c.sign_type = '1' AND c.signed_at <= i.setl_time
                     AND (c.end_time IS NULL OR c.end_time > i.setl_time)), '0') AS pay_type
    FROM insu_settlement i
    WHERE i.visit_kind = 'I' AND i.refd_setl_flag = '0'
      AND i.setl_time >= :window_start AND i.setl_time < :window_end
) x
ORDER BY x.bill_no
