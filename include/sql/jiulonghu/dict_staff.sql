-- 工作人员 → 九龙湖 zg_dict: every staff member. Not selected: ID number, phone, birth date (personal data the
-- campus HIS does not need from us).
SELECT
    s.staff_code AS staff_code,
    s.name AS staff_name,
    s.gender AS gender,
    s.role AS staff_role,
    s.title AS title,
    s.dept_code AS dept_code,
    s.prac_cert_no AS prac_cert_no,
    s.hi_psn_codg AS hi_psn_codg,
    s.is_active AS is_active
FROM staff s
ORDER BY s.staff_code
