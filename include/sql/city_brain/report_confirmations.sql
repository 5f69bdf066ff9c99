-- 城市大脑·检查检验报告确认查询 (endpoint reportConfirmations): the LIS and PACS reports of one patient issued (or
-- last corrected: report_time) in the date range — that a report is out, and whether anything in it is abnormal —
-- for the city brain's "报告已出" reminder. The full reports are labReports and examReports.
-- report_status: 1 已出报告, 2 已更正 (revision > 1), 9 已撤回 (voided).
-- abnormal_flag 1: a 检验 result flagged high or low, an organism grown, or a qualitative result reading positive;
-- a 检查 item read abnormal (exam_report_item.result_code A).
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    x.report_id AS report_id,
    x.report_kind AS report_kind,
    x.report_no AS report_no,
    x.apply_no AS apply_no,
    x.patient_id AS patient_id,
    CASE x.visit_kind WHEN 'E' THEN '2' WHEN 'I' THEN '4' ELSE '1' END AS visit_type,
    COALESCE(x.reg_id, x.adm_id) AS visit_id,
    x.reg_id AS reg_id,
    x.adm_id AS adm_id,
    x.item_name AS item_name,
    x.report_time AS report_time,
    x.report_dept_code AS report_dept_code,
    d.dept_name AS report_dept_name,
    x.report_doctor_code AS report_doctor_code,
    s.name AS report_doctor_name,
    CASE WHEN x.status = 'voided' THEN '9' WHEN x.revision > 1 THEN '2' ELSE '1' END AS report_status,
    x.revision AS revision,
    x.abnormal_flag AS abnormal_flag
FROM (
    SELECT
        l.report_id AS report_id,
        '1' AS report_kind,
        l.report_no AS report_no,
        l.apply_no AS apply_no,
        l.patient_id AS patient_id,
        l.visit_kind AS visit_kind,
        l.reg_id AS reg_id,
        l.adm_id AS adm_id,
        l.panel_name AS item_name,
        l.report_time AS report_time,
        l.report_dept_code AS report_dept_code,
        l.audit_doctor_code AS report_doctor_code,
        l.status AS status,
        l.revision AS revision,
        CASE WHEN EXISTS (
            SELECT 1 FROM lab_result r
             WHERE r.report_id = l.report_id AND r.status = 'normal'
               AND (r.abn_flag IN ('H', 'L') OR r.result_kind = 'G'
                    OR r.qual_result IN ('阳性', '弱阳性', '+', '检出'))) THEN '1' ELSE '0' END AS abnormal_flag
    FROM lab_report l
    UNION ALL
    SELECT
        e.report_id AS report_id,
        '2' AS report_kind,
        e.report_no AS report_no,
        e.apply_no AS apply_no,
        e.patient_id AS patient_id,
        e.visit_kind AS visit_kind,
        e.reg_id AS reg_id,
        e.adm_id AS adm_id,
        (SELECT MIN(i.item_name) FROM exam_report_item i WHERE i.report_id = e.report_id AND i.seq_no = 1)
            AS item_name,
        e.report_time AS report_time,
        e.report_dept_code AS report_dept_code,
        e.report_doctor_code AS report_doctor_code,
        e.status AS status,
        e.revision AS revision,
        CASE WHEN EXISTS (
            SELECT 1 FROM exam_report_item i
             WHERE i.report_id = e.report_id AND i.status = 'normal' AND i.result_code = 'A') THEN '1' ELSE '0' END
            AS abnormal_flag
    FROM exam_report e
) x
LEFT JOIN dept d ON d.dept_code = x.report_dept_code
LEFT JOIN staff s ON s.staff_code = x.report_doctor_code
WHERE x.patient_id = :patient_id
  AND x.report_time >= :start_time AND x.report_time < :end_time
ORDER BY x.report_time, x.report_id
