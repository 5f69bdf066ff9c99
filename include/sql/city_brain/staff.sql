-- 城市大脑·获取医院职工信息 (endpoint staff): the hospital's staff, stopped ones included (status 0), optionally of
-- one department and one role. Two bind parameters, dept_code and role (NULL: all). Never reads the staff's ID
-- number or phone. The executor pages it and orders the page by staff_code. A HIS role outside the documented
-- set (doctor, nurse, pharmacist, technician) is answered, and filtered, as clerk (其他).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    s.staff_code AS staff_code,
    s.name AS staff_name,
    s.gender AS gender,
    CASE WHEN s.role IN ('doctor', 'nurse', 'pharmacist', 'technician') THEN s.role ELSE 'clerk' END AS role,
    s.title AS title,
    s.dept_code AS dept_code,
    d.dept_name AS dept_name,
    s.specialty AS specialty,
    CASE WHEN s.is_active = 1 THEN '1' ELSE '0' END AS status,
    s.updated_at AS updated_at
FROM staff s
LEFT JOIN dept d ON d.dept_code = s.dept_code
WHERE COALESCE(:dept_code, s.dept_code) = s.dept_code
  AND COALESCE(:role, CASE WHEN s.role IN ('doctor', 'nurse', 'pharmacist', 'technician') THEN s.role ELSE 'clerk' END) =
      CASE WHEN s.role IN ('doctor', 'nurse', 'pharmacist', 'technician') THEN s.role ELSE 'clerk' END
ORDER BY s.staff_code
