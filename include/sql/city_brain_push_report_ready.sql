-- 城市大脑·医院数据推送通知 REPORT_READY (报告已出): one event per lab report (lab_report, LIS) and exam report
-- (exam_report, PACS) issued, when it was issued (report_time), outpatient, emergency and inpatient alike.
-- eventId REPORT_READY:<LIS|PACS>-<report_id>, with -r<n> for a revised report (revision n > 1: a report issued
-- again is a new fact, not an edit of the first). An outpatient report follows its visit's REGISTERED event
-- (parent); an inpatient one has no registration (registration_event_id NULL: nothing to wait for).
-- Department and doctor are the ordering ones (where the patient is being seen); item_count the results (lab
-- results, exam items; voided ones not counted). A report voided before it was pushed is not announced.
-- Window (half-open, local time) on report_time; rows in the order they happened.
-- Portable SQL (Oracle, PostgreSQL, SQLite); the CASE keeps a NULL reg_id NULL (Oracle's || would not).
SELECT
    'REPORT_READY:' || x.report_key AS event_id,
    x.patient_id AS patient_id,
    x.visit_id AS visit_id,
    CASE x.visit_kind WHEN 'I' THEN '4' WHEN 'E' THEN '2' ELSE '1' END AS visit_type,
    x.report_time AS occurred_at,
    x.dept_code AS dept_code,
    d.dept_name AS dept_name,
    x.doctor_code AS doctor_code,
    s.name AS doctor_name,
    x.title || COALESCE(x.item_name, '') AS summary,
    x.item_count AS item_count,
    CASE WHEN x.reg_id IS NOT NULL THEN 'REGISTERED:' || x.reg_id END AS registration_event_id
FROM (
    SELECT
        'LIS-' || l.report_id
            || CASE WHEN l.revision > 1 THEN '-r' || CAST(l.revision AS VARCHAR(5)) ELSE '' END AS report_key,
        l.patient_id AS patient_id,
        l.reg_id AS reg_id,
        COALESCE(l.reg_id, l.adm_id) AS visit_id,
        l.visit_kind AS visit_kind,
        l.report_time AS report_time,
        l.apply_dept_code AS dept_code,
        l.apply_doctor_code AS doctor_code,
        '检验报告已出：' AS title,
        l.panel_name AS item_name,
        (SELECT COUNT(*) FROM lab_result t WHERE t.report_id = l.report_id AND t.status = 'normal') AS item_count
    FROM lab_report l
    WHERE l.status = 'reported'
      AND l.report_time >= :window_start AND l.report_time < :window_end
    UNION ALL
    SELECT
        'PACS-' || e.report_id
            || CASE WHEN e.revision > 1 THEN '-r' || CAST(e.revision AS VARCHAR(5)) ELSE '' END AS report_key,
        e.patient_id AS patient_id,
        e.reg_id AS reg_id,
        COALESCE(e.reg_id, e.adm_id) AS visit_id,
        e.visit_kind AS visit_kind,
        e.report_time AS report_time,
        e.apply_dept_code AS dept_code,
        e.apply_doctor_code AS doctor_code,
        '检查报告已出：' AS title,
        (SELECT MIN(i.item_name) FROM exam_report_item i WHERE i.report_id = e.report_id AND i.seq_no = 1)
            AS item_name,
        (SELECT COUNT(*) FROM exam_report_item i WHERE i.report_id = e.report_id AND i.status = 'normal')
            AS item_count
    FROM exam_report e
    WHERE e.status = 'reported'
      AND e.report_time >= :window_start AND e.report_time < :window_end
) x
LEFT JOIN dept d ON d.dept_code = x.dept_code
LEFT JOIN staff s ON s.staff_code = x.doctor_code
ORDER BY x.report_time, x.report_key
