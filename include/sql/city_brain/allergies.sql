-- 城市大脑·过敏史查询 (endpoint allergies): one patient's recorded allergies (patient_allergy), voided ones included
-- with allergy_status 9, oldest first.
-- allergen_type: 1 药物, 2 食物, 3 环境及其他; severity: 1 轻度, 2 中度, 3 重度 (NULL when not recorded).
-- Bind: patient_id.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    g.allergy_id AS allergy_id,
    g.patient_id AS patient_id,
    g.allergen_type AS allergen_type,
    CASE g.allergen_type WHEN '1' THEN '药物' WHEN '2' THEN '食物' ELSE '环境及其他' END AS allergen_type_name,
    g.allergen_code AS allergen_code,
    g.allergen_name AS allergen_name,
    g.reaction AS reaction,
    g.severity AS severity,
    g.recorded_at AS recorded_at,
    g.recorder_code AS recorder_code,
    s.name AS recorder_name,
    g.dept_code AS dept_code,
    d.dept_name AS dept_name,
    CASE WHEN g.status = 'voided' THEN '9' ELSE '1' END AS allergy_status
FROM patient_allergy g
LEFT JOIN staff s ON s.staff_code = g.recorder_code
LEFT JOIN dept d ON d.dept_code = g.dept_code
WHERE g.patient_id = :patient_id
ORDER BY g.recorded_at, g.allergy_id
