-- 城市大脑·医院数据推送通知 REFUNDED (退费): one event per refund, when it was made —
-- * every outpatient and emergency 退费 (charge_refund, refund_time) of (part of) a 收费单, self-paid or 医保 (its
--   insu_settlement cancellation, cancel_setl_id); it follows the visit's REGISTERED event (parent);
-- * every inpatient 医保 settlement cancelled (insu_settlement, visit_kind I, refd_setl_flag 1, setl_time): the
--   settlement's money goes back; no registration to wait for.
-- eventId REFUNDED:<退费单号 refund_no | the cancellation's 医保结算ID setl_id>; amount what went back, positive
-- (the cancellation row carries it negated); item_count the fee lines refunded. The refund's free-text reason is
-- not sent (it may name people).
-- Window (half-open, local time) on the refund's time; rows in the order they happened.
-- Portable SQL (Oracle, PostgreSQL, SQLite); see city_brain_push_registered.sql for the summary's COALESCEs.
SELECT
    'REFUNDED:' || x.refund_key AS event_id,
    x.patient_id AS patient_id,
    x.visit_id AS visit_id,
    CASE x.visit_kind WHEN 'I' THEN '4' WHEN 'E' THEN '2' ELSE '1' END AS visit_type,
    x.refunded_at AS occurred_at,
    x.dept_code AS dept_code,
    d.dept_name AS dept_name,
    x.doctor_code AS doctor_code,
    s.name AS doctor_name,
    x.title AS summary,
    x.amount AS amount,
    x.item_count AS item_count,
    CASE WHEN x.reg_id IS NOT NULL THEN 'REGISTERED:' || x.reg_id END AS registration_event_id
FROM (
    SELECT
        f.refund_no AS refund_key,
        f.patient_id AS patient_id,
        b.reg_id AS reg_id,
        b.reg_id AS visit_id,
        b.visit_kind AS visit_kind,
        f.refund_time AS refunded_at,
        b.dept_code AS dept_code,
        b.doctor_code AS doctor_code,
        CASE WHEN b.visit_kind = 'E' THEN '急诊' ELSE '门诊' END
            || CASE WHEN f.refund_amount >= b.total_amount THEN '全额退费' ELSE '部分退费' END
            || '（收费单' || f.bill_no || '）' AS title,
        f.refund_amount AS amount,
        (SELECT COUNT(*) FROM charge_bill_line l WHERE l.refund_no = f.refund_no) AS item_count
    FROM charge_refund f
    LEFT JOIN charge_bill b ON b.bill_no = f.bill_no
    WHERE f.refund_time >= :window_start AND f.refund_time < :window_end
    UNION ALL
    SELECT
        i.setl_id AS refund_key,
        i.patient_id AS patient_id,
        CAST(NULL AS VARCHAR(20)) AS reg_id,
        i.adm_id AS visit_id,
        i.visit_kind AS visit_kind,
        i.setl_time AS refunded_at,
        COALESCE(a.dscg_dept_code, a.adm_dept_code) AS dept_code,
        a.chfpdr_code AS doctor_code,
        '住院结算撤销（退费）' AS title,
        ABS(i.medfee_sumamt) AS amount,
        (SELECT COUNT(*) FROM fee_detail t WHERE t.setl_id = i.cancel_of) AS item_count
    FROM insu_settlement i
    LEFT JOIN inpatient_stay a ON a.adm_id = i.adm_id
    WHERE i.visit_kind = 'I' AND i.refd_setl_flag = '1'
      AND i.setl_time >= :window_start AND i.setl_time < :window_end
) x
LEFT JOIN dept d ON d.dept_code = x.dept_code
LEFT JOIN staff s ON s.staff_code = x.doctor_code
ORDER BY x.refunded_at, x.refund_key
