-- 城市大脑·检验信息查询 (endpoint labReports): the LIS reports of one patient issued or corrected (report_time) in the
-- date range, each with its results from lab_results.sql (keyed by report_id). A withdrawn report is answered with
-- report_status 9.
-- report_status: 1 已出报告, 2 已更正 (revision > 1), 9 已撤回. abnormal_flag as in report_confirmations.sql.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    l.report_id AS report_id,
    l.report_no AS report_no,
    l.apply_no AS apply_no,
    l.patient_id AS patient_id,
    CASE l.visit_kind WHEN 'E' THEN '2' WHEN 'I' THEN '4' ELSE '1' END AS visit_type,
    COALESCE(l.reg_id, l.adm_id) AS visit_id,
    l.reg_id AS reg_id,
    l.adm_id AS adm_id,
    l.panel_code AS panel_code,
    l.panel_name AS panel_name,
    CASE WHEN l.micro_flag = 'Y' THEN '1' ELSE '0' END AS micro_flag,
    l.specimen_no AS specimen_no,
    l.specimen_type AS specimen_type,
    t.name AS specimen_name,
    l.sample_time AS sample_time,
    l.receive_time AS receive_time,
    l.report_time AS report_time,
    l.apply_dept_code AS apply_dept_code,
    a.dept_name AS apply_dept_name,
    l.apply_doctor_code AS apply_doctor_code,
    p.name AS apply_doctor_name,
    l.report_dept_code AS report_dept_code,
    d.dept_name AS report_dept_name,
    l.test_doctor_code AS test_doctor_code,
    s.name AS test_doctor_name,
    l.audit_doctor_code AS audit_doctor_code,
    u.name AS audit_doctor_name,
    l.conclusion AS conclusion,
    l.remark AS remark,
    CASE WHEN l.status = 'voided' THEN '9' WHEN l.revision > 1 THEN '2' ELSE '1' END AS report_status,
    l.revision AS revision,
    CASE WHEN EXISTS (
        SELECT 1 FROM lab_result r
         WHERE r.report_id = l.report_id AND r.status = 'normal'
           AND (r.abn_flag IN ('H', 'L') OR r.result_kind = 'G'
                OR r.qual_result IN ('阳性', '弱阳性', '+', '检出'))) THEN '1' ELSE '0' END AS abnormal_flag
FROM lab_report l
LEFT JOIN code_dict t ON t.dict_type = 'specimen' AND t.code = l.specimen_type
LEFT JOIN dept a ON a.dept_code = l.apply_dept_code
LEFT JOIN staff p ON p.staff_code = l.apply_doctor_code
LEFT JOIN dept d ON d.dept_code = l.report_dept_code
LEFT JOIN staff s ON s.staff_code = l.test_doctor_code
LEFT JOIN staff u ON u.staff_code = l.audit_doctor_code
WHERE l.patient_id = :patient_id
  AND l.report_time >= :start_time AND l.report_time < :end_time
ORDER BY l.report_time, l.report_id
