-- 门诊候诊叫号 hx_* views — sqlite, site: (default contract)
-- GENERATED from include/mappings/queue_views.yaml by
--   python -m hisbridge queue-views render --dialect sqlite
-- Do not edit: change the YAML (or a site's overrides) and render again.
-- The contract: docs/queue_views_contract.md
--
-- SQLite (demo): views only; SQLite has no accounts.

-- Views
DROP VIEW IF EXISTS hx_department;
CREATE VIEW hx_department AS
SELECT
  CAST(d.dept_code AS TEXT) AS DEPT_ID,
  CAST(d.dept_name AS TEXT) AS DEPT_NAME,
  CAST(d.spell_code AS TEXT) AS SPELL_CODE,
  CAST(d.campus AS TEXT) AS CAMPUS_CODE,
  CAST(CASE d.campus WHEN 'main' THEN '本部' WHEN 'jiulonghu' THEN '九龙湖院区' ELSE d.campus END AS TEXT) AS CAMPUS_NAME,
  CAST(d.area AS TEXT) AS AREA_NAME,
  CAST(d.floor AS TEXT) AS DEPT_FLOOR,
  CAST(d.sort_no AS INTEGER) AS SORT_NO,
  strftime('%Y-%m-%d %H:%M:%S', d.updated_at) AS UPDATE_TIME,
  CAST(CASE WHEN d.is_active = 1 THEN 2 ELSE 0 END AS INTEGER) AS ADD_STATE
FROM dept d
WHERE d.dept_type IN ('outpatient');
DROP VIEW IF EXISTS hx_room;
CREATE VIEW hx_room AS
SELECT
  CAST(r.room_code AS TEXT) AS ROOM_ID,
  CAST(r.room_name AS TEXT) AS ROOM_NAME,
  CAST(r.dept_code AS TEXT) AS DEPT_ID,
  CAST(d.dept_name AS TEXT) AS DEPT_NAME,
  CAST(r.floor AS TEXT) AS ROOM_FLOOR,
  CAST(r.location AS TEXT) AS ROOM_LOCATION,
  CAST(r.caller_terminal AS TEXT) AS CALLER_ID,
  strftime('%Y-%m-%d %H:%M:%S', max(coalesce(r.updated_at, d.updated_at), coalesce(d.updated_at, r.updated_at))) AS UPDATE_TIME,
  CAST(CASE WHEN r.is_active = 1 AND d.is_active = 1 THEN 2 ELSE 0 END AS INTEGER) AS ADD_STATE
FROM room r
JOIN dept d ON d.dept_code = r.dept_code
WHERE d.dept_type IN ('outpatient');
DROP VIEW IF EXISTS hx_doctor;
CREATE VIEW hx_doctor AS
SELECT
  CAST(st.staff_code AS TEXT) AS DOCTOR_ID,
  CAST(st.name AS TEXT) AS DOCTOR_NAME,
  CAST(st.gender AS TEXT) AS GENDER,
  CAST(st.title AS TEXT) AS DOCTOR_TITLE,
  CAST(st.dept_code AS TEXT) AS DEPT_ID,
  CAST(d.dept_name AS TEXT) AS DEPT_NAME,
  CAST(st.specialty AS TEXT) AS SPECIALTY,
  strftime('%Y-%m-%d %H:%M:%S', st.updated_at) AS UPDATE_TIME,
  CAST(CASE WHEN st.is_active = 1 THEN 2 ELSE 0 END AS INTEGER) AS ADD_STATE
FROM staff st
LEFT JOIN dept d ON d.dept_code = st.dept_code
WHERE st.role = 'doctor';
DROP VIEW IF EXISTS hx_queue;
CREATE VIEW hx_queue AS
SELECT
  CAST(rg.reg_id AS TEXT) AS QUEUE_ID,
  date(rg.visit_date) AS VISIT_DATE,
  CAST(rg.time_slot AS TEXT) AS TIME_SLOT,
  CAST(CASE rg.time_slot WHEN '1' THEN '上午' WHEN '2' THEN '下午' WHEN '3' THEN '晚间' ELSE rg.time_slot END AS TEXT) AS TIME_SLOT_NAME,
  CAST(rg.queue_no AS INTEGER) AS QUEUE_NO,
  CAST(rg.patient_id AS TEXT) AS PATIENT_ID,
  CAST(CASE WHEN LENGTH(TRIM(p.name)) <= 1 THEN TRIM(p.name) WHEN LENGTH(TRIM(p.name)) = 2 THEN SUBSTR(TRIM(p.name), 1, 1) || '*' ELSE SUBSTR(TRIM(p.name), 1, 1) || '*' || SUBSTR(TRIM(p.name), LENGTH(TRIM(p.name)), 1) END AS TEXT) AS PATIENT_NAME,
  CAST(p.gender AS TEXT) AS GENDER,
  CAST(rg.dept_code AS TEXT) AS DEPT_ID,
  CAST(d.dept_name AS TEXT) AS DEPT_NAME,
  CAST(rg.room_code AS TEXT) AS ROOM_ID,
  CAST(r.room_name AS TEXT) AS ROOM_NAME,
  CAST(rg.doctor_code AS TEXT) AS DOCTOR_ID,
  CAST(st.name AS TEXT) AS DOCTOR_NAME,
  CAST(rg.reg_type AS TEXT) AS REG_TYPE,
  CAST(CASE rg.reg_type WHEN 'normal' THEN '普通' WHEN 'expert' THEN '专家' WHEN 'emergency' THEN '急诊' ELSE rg.reg_type END AS TEXT) AS REG_TYPE_NAME,
  CAST(COALESCE(rg.is_appointment, 0) AS INTEGER) AS IS_APPOINTMENT,
  strftime('%Y-%m-%d %H:%M:%S', rg.reg_time) AS REG_TIME,
  CAST(CASE WHEN rg.sign_in_time IS NULL THEN 0 ELSE 1 END AS INTEGER) AS SIGN_IN_STATE,
  strftime('%Y-%m-%d %H:%M:%S', rg.sign_in_time) AS SIGN_IN_TIME,
  CAST(rg.visit_status AS TEXT) AS VISIT_STATUS,
  CAST(COALESCE(rg.is_revisit, 0) AS INTEGER) AS IS_REVISIT,
  CAST(CASE WHEN date(p.birth_date) <= date(rg.visit_date, '-70 years') THEN 1 ELSE 0 END AS INTEGER) AS IS_ELDERLY,
  CAST(CASE WHEN date(p.birth_date) <= date(rg.visit_date, '-70 years') THEN 2 WHEN rg.is_revisit = 1 THEN 1 ELSE 0 END AS INTEGER) AS PRIORITY,
  strftime('%Y-%m-%d %H:%M:%S', rg.updated_at) AS UPDATE_TIME,
  CAST(CASE WHEN rg.status = 'normal' THEN 2 ELSE 0 END AS INTEGER) AS ADD_STATE
FROM registration rg
JOIN patient p ON p.patient_id = rg.patient_id
JOIN dept d ON d.dept_code = rg.dept_code
LEFT JOIN room r ON r.room_code = rg.room_code
LEFT JOIN staff st ON st.staff_code = rg.doctor_code
WHERE date(rg.visit_date) = date('now', 'localtime')
  AND d.dept_type IN ('outpatient');
