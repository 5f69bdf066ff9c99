-- 九龙湖·门诊挂号信息 (export outpatient_registrations): every registration made (挂号时间 reg_time) in one day,
-- whatever its visit date (an appointment booked today for Friday is today's), 退号 included and marked.
-- Binds: day_start and day_end, the day as [00:00, next day 00:00) in the HIS's wall-clock time (a registration at
-- 23:59:59 is that day's, one at 00:00:00 the next day's).
-- 挂号费: the 诊察费 (fee_cat 02) and 挂号费 (13) lines on the visit's bills; NULL until the visit is charged.
-- 费别: 医保 when the patient has a 医保人员编号, else 自费; 参保地 is the 医保区划 code.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the keys of include/mappings/jiulonghu_exports.yaml.
SELECT
    r.reg_id AS reg_id,
    r.patient_id AS patient_id,
    p.name AS patient_name,
    CASE p.gender WHEN '1' THEN '男' WHEN '2' THEN '女' ELSE '未知' END AS gender,
    p.birth_date AS birth_date,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    CASE d.campus WHEN 'jiulonghu' THEN '九龙湖院区' WHEN 'main' THEN '本部' ELSE d.campus END AS campus,
    r.doctor_code AS doctor_code,
    s.name AS doctor_name,
    CASE r.reg_type WHEN 'normal' THEN '普通号' WHEN 'expert' THEN '专家号' WHEN 'emergency' THEN '急诊号'
        ELSE r.reg_type END AS reg_type,
    CASE WHEN r.is_appointment = 1 THEN '预约挂号' ELSE '当日挂号' END AS reg_way,
    r.reg_time AS reg_time,
    r.visit_date AS visit_date,
    CASE r.time_slot WHEN '1' THEN '上午' WHEN '2' THEN '下午' WHEN '3' THEN '晚间' ELSE r.time_slot END AS time_slot,
    r.queue_no AS queue_no,
    (SELECT SUM(l.amount)
       FROM charge_bill b
       JOIN charge_bill_line l ON l.bill_no = b.bill_no
      WHERE b.reg_id = r.reg_id AND l.fee_cat IN ('02', '13')) AS reg_fee,
    CASE r.status WHEN 'normal' THEN '正常' WHEN 'cancelled' THEN '退号' WHEN 'refunded' THEN '退号(已退费)'
        ELSE r.status END AS reg_status,
    r.cancel_time AS cancel_time,
    CASE WHEN p.psn_no IS NULL THEN '自费' ELSE '医保' END AS fee_type,
    p.insuplc_admdvs AS insuplc_admdvs
FROM registration r
JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.reg_time >= :day_start AND r.reg_time < :day_end
ORDER BY r.reg_time, r.reg_id
