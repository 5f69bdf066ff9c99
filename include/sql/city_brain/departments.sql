-- 城市大脑·获取医院科室信息 (endpoint departments): the hospital's departments, stopped ones included (status 0),
-- optionally of one campus. One bind parameter, campus (NULL: every campus). The executor pages it (a count and
-- one page in the HIS's own dialect) and orders the page by dept_code.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    d.dept_code AS dept_code,
    d.dept_name AS dept_name,
    d.dept_type AS dept_type,
    d.campus AS campus,
    d.area AS area,
    d.floor AS floor,
    CASE WHEN d.is_active = 1 THEN '1' ELSE '0' END AS status,
    d.updated_at AS updated_at
FROM dept d
WHERE COALESCE(:campus, d.campus) = d.campus
ORDER BY d.dept_code
