-- 医生 → 九龙湖 ys_dict: the staff whose role is doctor, with the 医保医师代码 (hi_psn_codg) and 执业证书编码. A member
-- whose role changes leaves this selection and is deactivated in ys_dict. No ID number or phone.
SELECT
    s.staff_code AS staff_code,
    s.name AS staff_name,
    s.gender AS gender,
    s.title AS title,
    s.dept_code AS dept_code,
    s.prac_cert_no AS prac_cert_no,
    s.hi_psn_codg AS hi_psn_codg,
    s.specialty AS specialty,
    s.is_active AS is_active
FROM staff s
WHERE s.role = 'doctor'
ORDER BY s.staff_code
