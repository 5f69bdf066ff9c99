-- 科室 → 九龙湖 ks_dict: every department of the main campus, active or not (a department gone inactive is
-- deactivated on the campus). hosp_dept_codg (3401 医院科室编码) is the HIS department code itself: 医保 requires
-- the code of 3401 to be the one every later 医保 and 电子处方 call uses.
SELECT
    d.dept_code AS dept_code,
    d.dept_name AS dept_name,
    d.dept_type AS dept_type,
    d.dept_code AS hosp_dept_codg,
    d.caty AS caty,
    d.spell_code AS spell_code,
    d.is_active AS is_active
FROM dept d
ORDER BY d.dept_code
