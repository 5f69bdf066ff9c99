-- 城市大脑·医院数据推送通知 CHARGED (收费): one event per payment, when it was made —
-- * every outpatient and emergency 收费单 (charge_bill, paid_at): self-paid, 医保-settled (the bill mirrors its
--   insu_settlement row, setl_id) or paid once after the visit under 先诊疗后付费 (pay_type 1 医保 / 2 银联卡);
--   it follows the visit's REGISTERED event (parent);
-- * every inpatient 医保 settlement (insu_settlement, visit_kind I, refd_setl_flag 0, setl_time): the discharge
--   settlement; no registration to wait for.
-- A payment later refunded stays charged: the refund is REFUNDED, an event of its own. eventId
-- CHARGED:<收费单号 bill_no | 医保结算ID setl_id>; amount the total charged; item_count its 收费明细 (fee lines).
-- Window (half-open, local time) on the payment's time; rows in the order they happened.
-- Portable SQL (Oracle, PostgreSQL, SQLite); see city_brain_push_registered.sql for the summary's COALESCEs.
SELECT
    'CHARGED:' || x.charge_key AS event_id,
    x.patient_id AS patient_id,
    x.visit_id AS visit_id,
    CASE x.visit_kind WHEN 'I' THEN '4' WHEN 'E' THEN '2' ELSE '1' END AS visit_type,
    x.paid_at AS occurred_at,
    x.dept_code AS dept_code,
    d.dept_name AS dept_name,
    x.doctor_code AS doctor_code,
    s.name AS doctor_name,
    CASE x.visit_kind WHEN 'I' THEN '住院结算' WHEN 'E' THEN '急诊收费' ELSE '门诊收费' END
        || '：' || CAST(x.item_count AS VARCHAR(10)) || '项'
        || CASE x.pay_kind
               WHEN '1' THEN '（医保先诊疗后付费）'
               WHEN '2' THEN '（银联卡先诊疗后付费）'
               WHEN 'insured' THEN '（医保结算）'
               ELSE '（自费）'
           END AS summary,
    x.amount AS amount,
    x.item_count AS item_count,
    CASE WHEN x.reg_id IS NOT NULL THEN 'REGISTERED:' || x.reg_id END AS registration_event_id
FROM (
    SELECT
        b.bill_no AS charge_key,
        b.patient_id AS patient_id,
        b.reg_id AS reg_id,
        b.reg_id AS visit_id,
        b.visit_kind AS visit_kind,
        b.paid_at AS paid_at,
        b.dept_code AS dept_code,
        b.doctor_code AS doctor_code,
        CASE WHEN b.pay_type IN ('1', '2') THEN b.pay_type WHEN b.setl_id IS NOT NULL THEN 'insured' ELSE 'self' END
            AS pay_kind,
        b.total_amount AS amount,
        (SELECT COUNT(*) FROM charge_bill_line l WHERE l.bill_no = b.bill_no) AS item_count
    FROM charge_bill b
    WHERE b.paid_at >= :window_start AND b.paid_at < :window_end
    UNION ALL
    SELECT
        i.setl_id AS charge_key,
        i.patient_id AS patient_id,
        CAST(NULL AS VARCHAR(20)) AS reg_id,
        i.adm_id AS visit_id,
        i.visit_kind AS visit_kind,
        i.setl_time AS paid_at,
        COALESCE(a.dscg_dept_code, a.adm_dept_code) AS dept_code,
        a.chfpdr_code AS doctor_code,
        'insured' AS pay_kind,
        i.medfee_sumamt AS amount,
        (SELECT COUNT(*) FROM fee_detail f WHERE f.setl_id = i.setl_id) AS item_count
    FROM insu_settlement i
    LEFT JOIN inpatient_stay a ON a.adm_id = i.adm_id
    WHERE i.visit_kind = 'I' AND i.refd_setl_flag = '0'
      AND i.setl_time >= :window_start AND i.setl_time < :window_end
) x
LEFT JOIN dept d ON d.dept_code = x.dept_code
LEFT JOIN staff s ON s.staff_code = x.doctor_code
ORDER BY x.paid_at, x.charge_key
