-- 传染病前置 base_user (医院信息系统用户, 基础字典, daily) — one row per HIS staff member (id = staff_code: every
-- *_physician_id / operator_id the clinical feeds send is a staff_code).
-- A dictionary: every staff member active at the end of the window is selected, plus those deactivated in it
-- (voided = 1 → DELETE, or a re-send with invalid_flag 1 where the site's void_mode is flag). Unchanged rows are
-- skipped by the pipeline (same source row), so a day sends only what changed and the first run sends everything.
-- The HIS keeps no ID type for staff: a staff member with an ID number holds a 居民身份证 (id_type SFZ).
-- The HIS has no separate login name: staff log in with their staff code. No creation time is kept (create_time
-- is left out rather than filled with the last change).
SELECT
    s.staff_code AS staff_code,
    CASE WHEN s.is_active = 1 THEN 0 ELSE 1 END AS voided,
    s.name AS user_name,
    CASE WHEN s.id_card_no IS NOT NULL THEN 'SFZ' END AS id_type,
    s.id_card_no AS id_card,
    s.phone AS tel,
    s.prac_cert_no AS physician_no,
    s.dept_code AS dept_code,
    s.role AS role
FROM staff s
WHERE s.updated_at < :window_end
  AND (s.is_active = 1 OR s.updated_at >= :window_start)
ORDER BY s.staff_code
