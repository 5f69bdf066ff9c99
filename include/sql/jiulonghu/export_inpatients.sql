-- 九龙湖·在院患者信息 (export inpatients): the patients in hospital at one moment, snapshot_at (the configured hour
-- of the day, in the HIS's wall-clock time). In hospital = admitted at or before that moment and not discharged by
-- it: a stay covers [adm_time, dscg_time), so a patient discharged at exactly snapshot_at is out, one admitted at
-- exactly snapshot_at is in. Decided by the times, not by the stay's status, so a later run for the same moment (a
-- backfill) lists the same stays. A cancelled admission (撤销入院) is never in hospital.
-- 入院诊断: the 初步诊断 of the (not voided) admission note, else the main diagnosis of the stay. 病区/床号: the stay's bed.
-- 费别: 医保 when the patient has a 医保人员编号, else 自费.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the keys of include/mappings/jiulonghu_exports.yaml.
SELECT
    i.adm_id AS adm_id,
    i.medcasno AS medcasno,
    i.patient_id AS patient_id,
    p.name AS patient_name,
    CASE p.gender WHEN '1' THEN '男' WHEN '2' THEN '女' ELSE '未知' END AS gender,
    p.birth_date AS birth_date,
    i.adm_dept_code AS dept_code,
    d.dept_name AS dept_name,
    b.ward_code AS ward_code,
    w.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    i.adm_time AS adm_time,
    COALESCE(
        (SELECT MAX(n.init_diag_names) FROM admission_note n WHERE n.adm_id = i.adm_id AND n.status <> 'voided'),
        (SELECT MAX(g.diag_name) FROM stay_diagnosis g WHERE g.adm_id = i.adm_id AND g.maindiag_flag = '1')
    ) AS adm_diag,
    i.chfpdr_code AS doctor_code,
    s.name AS doctor_name,
    CASE WHEN p.psn_no IS NULL THEN '自费' ELSE '医保' END AS fee_type
FROM inpatient_stay i
JOIN patient p ON p.patient_id = i.patient_id
LEFT JOIN dept d ON d.dept_code = i.adm_dept_code
LEFT JOIN stay_bed b ON b.adm_id = i.adm_id
LEFT JOIN dept w ON w.dept_code = b.ward_code
LEFT JOIN staff s ON s.staff_code = i.chfpdr_code
WHERE i.adm_time <= :snapshot_at
  AND (i.dscg_time IS NULL OR i.dscg_time > :snapshot_at)
  AND i.status <> 'cancelled'
ORDER BY CASE WHEN b.ward_code IS NULL THEN 1 ELSE 0 END, b.ward_code, b.room_no, b.bed_no, i.adm_id
