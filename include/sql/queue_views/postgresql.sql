-- 门诊候诊叫号 hx_* views — postgresql, site: (default contract)
-- GENERATED from include/mappings/queue_views.yaml by
--   python -m hisbridge queue-views render --dialect postgresql
-- Do not edit: change the YAML (or a site's overrides) and render again.
-- The contract: docs/queue_views_contract.md
--
-- Run as the owner of the HIS tables (the reader part needs CREATEROLE):
--   psql -v ON_ERROR_STOP=1 -v hx_reader_password=… -d <his database> -f postgresql.sql
-- The views are dropped and created again, so run the whole file: it also re-grants SELECT.

-- Views
DROP VIEW IF EXISTS public.hx_department;
CREATE VIEW public.hx_department WITH (security_barrier = true) AS
SELECT
  CAST(d.dept_code AS varchar(20)) AS DEPT_ID,
  CAST(d.dept_name AS varchar(100)) AS DEPT_NAME,
  CAST(d.spell_code AS varchar(20)) AS SPELL_CODE,
  CAST(d.campus AS varchar(20)) AS CAMPUS_CODE,
  CAST(CASE d.campus WHEN 'main' THEN '本部' WHEN 'jiulonghu' THEN '九龙湖院区' ELSE d.campus END AS varchar(50)) AS CAMPUS_NAME,
  CAST(d.area AS varchar(50)) AS AREA_NAME,
  CAST(d.floor AS varchar(20)) AS DEPT_FLOOR,
  CAST(d.sort_no AS integer) AS SORT_NO,
  CAST(d.updated_at AS timestamp(0)) AS UPDATE_TIME,
  CAST(CASE WHEN d.is_active = 1 THEN 2 ELSE 0 END AS smallint) AS ADD_STATE
FROM public.dept d
WHERE d.dept_type IN ('outpatient');
COMMENT ON VIEW public.hx_department IS '门诊挂号科室（hisbridge 门诊候诊叫号视图契约 v1）：可挂号的门诊科室。停用科室仍然列出，ADD_STATE = 0，排队系统据此删除该科室。';
COMMENT ON COLUMN public.hx_department.DEPT_ID IS '科室编码（HIS 科室代码，唯一）';
COMMENT ON COLUMN public.hx_department.DEPT_NAME IS '科室名称';
COMMENT ON COLUMN public.hx_department.SPELL_CODE IS '科室拼音码（检索用）';
COMMENT ON COLUMN public.hx_department.CAMPUS_CODE IS '院区代码（main 本部，jiulonghu 九龙湖院区）';
COMMENT ON COLUMN public.hx_department.CAMPUS_NAME IS '院区名称（由 settings.campus_names 翻译，未配置的代码原样输出）';
COMMENT ON COLUMN public.hx_department.AREA_NAME IS '诊区（候诊区，决定分诊台与候诊屏）';
COMMENT ON COLUMN public.hx_department.DEPT_FLOOR IS '楼层';
COMMENT ON COLUMN public.hx_department.SORT_NO IS '显示顺序（小的在前）';
COMMENT ON COLUMN public.hx_department.UPDATE_TIME IS '最后修改时间（增量拉取用）';
COMMENT ON COLUMN public.hx_department.ADD_STATE IS '2 有效（科室启用），0 无效（科室停用，排队系统删除）';
DROP VIEW IF EXISTS public.hx_room;
CREATE VIEW public.hx_room WITH (security_barrier = true) AS
SELECT
  CAST(r.room_code AS varchar(20)) AS ROOM_ID,
  CAST(r.room_name AS varchar(100)) AS ROOM_NAME,
  CAST(r.dept_code AS varchar(20)) AS DEPT_ID,
  CAST(d.dept_name AS varchar(100)) AS DEPT_NAME,
  CAST(r.floor AS varchar(20)) AS ROOM_FLOOR,
  CAST(r.location AS varchar(100)) AS ROOM_LOCATION,
  CAST(r.caller_terminal AS varchar(50)) AS CALLER_ID,
  CAST(GREATEST(r.updated_at, d.updated_at) AS timestamp(0)) AS UPDATE_TIME,
  CAST(CASE WHEN r.is_active = 1 AND d.is_active = 1 THEN 2 ELSE 0 END AS smallint) AS ADD_STATE
FROM public.room r
JOIN public.dept d ON d.dept_code = r.dept_code
WHERE d.dept_type IN ('outpatient');
COMMENT ON VIEW public.hx_room IS '诊室（hisbridge 门诊候诊叫号视图契约 v1）：门诊科室的诊室。诊室或其科室停用时 ADD_STATE = 0。';
COMMENT ON COLUMN public.hx_room.ROOM_ID IS '诊室编码（唯一）';
COMMENT ON COLUMN public.hx_room.ROOM_NAME IS '诊室名称（候诊屏与语音播报用）';
COMMENT ON COLUMN public.hx_room.DEPT_ID IS '所属科室编码（对应 hx_department.DEPT_ID）';
COMMENT ON COLUMN public.hx_room.DEPT_NAME IS '所属科室名称';
COMMENT ON COLUMN public.hx_room.ROOM_FLOOR IS '楼层';
COMMENT ON COLUMN public.hx_room.ROOM_LOCATION IS '位置（播报“请到……”）';
COMMENT ON COLUMN public.hx_room.CALLER_ID IS '叫号终端编号（诊室呼叫器/诊室屏）';
COMMENT ON COLUMN public.hx_room.UPDATE_TIME IS '最后修改时间（诊室与科室中较晚者，增量拉取用）';
COMMENT ON COLUMN public.hx_room.ADD_STATE IS '2 有效（诊室与科室均启用），0 无效（排队系统删除）';
DROP VIEW IF EXISTS public.hx_doctor;
CREATE VIEW public.hx_doctor WITH (security_barrier = true) AS
SELECT
  CAST(st.staff_code AS varchar(20)) AS DOCTOR_ID,
  CAST(st.name AS varchar(50)) AS DOCTOR_NAME,
  CAST(st.gender AS varchar(1)) AS GENDER,
  CAST(st.title AS varchar(50)) AS DOCTOR_TITLE,
  CAST(st.dept_code AS varchar(20)) AS DEPT_ID,
  CAST(d.dept_name AS varchar(100)) AS DEPT_NAME,
  CAST(st.specialty AS varchar(200)) AS SPECIALTY,
  CAST(st.updated_at AS timestamp(0)) AS UPDATE_TIME,
  CAST(CASE WHEN st.is_active = 1 THEN 2 ELSE 0 END AS smallint) AS ADD_STATE
FROM public.staff st
LEFT JOIN public.dept d ON d.dept_code = st.dept_code
WHERE st.role = 'doctor';
COMMENT ON VIEW public.hx_doctor IS '医生（hisbridge 门诊候诊叫号视图契约 v1）：全院医生（角色 doctor）。停用的医生 ADD_STATE = 0。不含身份证号、手机号、出生日期。';
COMMENT ON COLUMN public.hx_doctor.DOCTOR_ID IS '医生工号（HIS 用户编码，唯一）';
COMMENT ON COLUMN public.hx_doctor.DOCTOR_NAME IS '医生姓名（公开信息，不脱敏）';
COMMENT ON COLUMN public.hx_doctor.GENDER IS '性别（1 男，2 女）';
COMMENT ON COLUMN public.hx_doctor.DOCTOR_TITLE IS '职称';
COMMENT ON COLUMN public.hx_doctor.DEPT_ID IS '所属科室编码';
COMMENT ON COLUMN public.hx_doctor.DEPT_NAME IS '所属科室名称';
COMMENT ON COLUMN public.hx_doctor.SPECIALTY IS '擅长（医生介绍屏用）';
COMMENT ON COLUMN public.hx_doctor.UPDATE_TIME IS '最后修改时间（增量拉取用）';
COMMENT ON COLUMN public.hx_doctor.ADD_STATE IS '2 有效（在岗），0 无效（停用，排队系统删除）';
DROP VIEW IF EXISTS public.hx_queue;
CREATE VIEW public.hx_queue WITH (security_barrier = true) AS
SELECT
  CAST(rg.reg_id AS varchar(20)) AS QUEUE_ID,
  CAST(rg.visit_date AS date) AS VISIT_DATE,
  CAST(rg.time_slot AS varchar(1)) AS TIME_SLOT,
  CAST(CASE rg.time_slot WHEN '1' THEN '上午' WHEN '2' THEN '下午' WHEN '3' THEN '晚间' ELSE rg.time_slot END AS varchar(10)) AS TIME_SLOT_NAME,
  CAST(rg.queue_no AS integer) AS QUEUE_NO,
  CAST(rg.patient_id AS varchar(20)) AS PATIENT_ID,
  CAST(CASE WHEN char_length(TRIM(p.name)) <= 1 THEN TRIM(p.name) WHEN char_length(TRIM(p.name)) = 2 THEN SUBSTR(TRIM(p.name), 1, 1) || '*' ELSE SUBSTR(TRIM(p.name), 1, 1) || '*' || SUBSTR(TRIM(p.name), char_length(TRIM(p.name)), 1) END AS varchar(50)) AS PATIENT_NAME,
  CAST(p.gender AS varchar(1)) AS GENDER,
  CAST(rg.dept_code AS varchar(20)) AS DEPT_ID,
  CAST(d.dept_name AS varchar(100)) AS DEPT_NAME,
  CAST(rg.room_code AS varchar(20)) AS ROOM_ID,
  CAST(r.room_name AS varchar(100)) AS ROOM_NAME,
  CAST(rg.doctor_code AS varchar(20)) AS DOCTOR_ID,
  CAST(st.name AS varchar(50)) AS DOCTOR_NAME,
  CAST(rg.reg_type AS varchar(10)) AS REG_TYPE,
  CAST(CASE rg.reg_type WHEN 'normal' THEN '普通' WHEN 'expert' THEN '专家' WHEN 'emergency' THEN '急诊' ELSE rg.reg_type END AS varchar(10)) AS REG_TYPE_NAME,
  CAST(COALESCE(rg.is_appointment, 0) AS smallint) AS IS_APPOINTMENT,
  CAST(rg.reg_time AS timestamp(0)) AS REG_TIME,
  CAST(CASE WHEN rg.sign_in_time IS NULL THEN 0 ELSE 1 END AS smallint) AS SIGN_IN_STATE,
  CAST(rg.sign_in_time AS timestamp(0)) AS SIGN_IN_TIME,
  CAST(rg.visit_status AS varchar(10)) AS VISIT_STATUS,
  CAST(COALESCE(rg.is_revisit, 0) AS smallint) AS IS_REVISIT,
  CAST(CASE WHEN p.birth_date <= rg.visit_date - make_interval(years => 70) THEN 1 ELSE 0 END AS smallint) AS IS_ELDERLY,
  CAST(CASE WHEN p.birth_date <= rg.visit_date - make_interval(years => 70) THEN 2 WHEN rg.is_revisit = 1 THEN 1 ELSE 0 END AS integer) AS PRIORITY,
  CAST(rg.updated_at AS timestamp(0)) AS UPDATE_TIME,
  CAST(CASE WHEN rg.status = 'normal' THEN 2 ELSE 0 END AS smallint) AS ADD_STATE
FROM public.registration rg
JOIN public.patient p ON p.patient_id = rg.patient_id
JOIN public.dept d ON d.dept_code = rg.dept_code
LEFT JOIN public.room r ON r.room_code = rg.room_code
LEFT JOIN public.staff st ON st.staff_code = rg.doctor_code
WHERE rg.visit_date = CAST(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Shanghai' AS DATE)
  AND d.dept_type IN ('outpatient');
COMMENT ON VIEW public.hx_queue IS '当天门诊挂号（候诊队列）（hisbridge 门诊候诊叫号视图契约 v1）：就诊日期为数据库当天的门诊挂号，每条挂号一行。退号、作废的挂号当天仍然列出，ADD_STATE = 0。';
COMMENT ON COLUMN public.hx_queue.QUEUE_ID IS '挂号流水号（唯一，排队系统的主键）';
COMMENT ON COLUMN public.hx_queue.VISIT_DATE IS '就诊日期（恒为当天）';
COMMENT ON COLUMN public.hx_queue.TIME_SLOT IS '午别代码（1 上午，2 下午，3 晚间）';
COMMENT ON COLUMN public.hx_queue.TIME_SLOT_NAME IS '午别名称（未知代码原样输出）';
COMMENT ON COLUMN public.hx_queue.QUEUE_NO IS '就诊序号（同科室/医生、同午别内的号序）';
COMMENT ON COLUMN public.hx_queue.PATIENT_ID IS '患者 ID（HIS 内部编号，不是身份证号）';
COMMENT ON COLUMN public.hx_queue.PATIENT_NAME IS '患者姓名（按 settings.mask_rule 脱敏，候诊屏显示用）';
COMMENT ON COLUMN public.hx_queue.GENDER IS '性别（1 男，2 女；语音“先生/女士”用）';
COMMENT ON COLUMN public.hx_queue.DEPT_ID IS '挂号科室编码（对应 hx_department.DEPT_ID）';
COMMENT ON COLUMN public.hx_queue.DEPT_NAME IS '挂号科室名称';
COMMENT ON COLUMN public.hx_queue.ROOM_ID IS '诊室编码（未分诊时为空；对应 hx_room.ROOM_ID）';
COMMENT ON COLUMN public.hx_queue.ROOM_NAME IS '诊室名称';
COMMENT ON COLUMN public.hx_queue.DOCTOR_ID IS '医生工号（普通号可为空；对应 hx_doctor.DOCTOR_ID）';
COMMENT ON COLUMN public.hx_queue.DOCTOR_NAME IS '医生姓名';
COMMENT ON COLUMN public.hx_queue.REG_TYPE IS '号别代码（normal 普通，expert 专家，emergency 急诊）';
COMMENT ON COLUMN public.hx_queue.REG_TYPE_NAME IS '号别名称（未知代码原样输出）';
COMMENT ON COLUMN public.hx_queue.IS_APPOINTMENT IS '是否预约挂号（1 是，0 否）';
COMMENT ON COLUMN public.hx_queue.REG_TIME IS '挂号时间（同优先级内按此排序）';
COMMENT ON COLUMN public.hx_queue.SIGN_IN_STATE IS '签到状态（1 已签到，0 未签到）';
COMMENT ON COLUMN public.hx_queue.SIGN_IN_TIME IS '签到时间（未签到为空）';
COMMENT ON COLUMN public.hx_queue.VISIT_STATUS IS 'HIS 就诊状态（waiting 候诊，called 已呼叫，done 已就诊，absent 过号）';
COMMENT ON COLUMN public.hx_queue.IS_REVISIT IS '是否复诊（1 是，0 否）';
COMMENT ON COLUMN public.hx_queue.IS_ELDERLY IS '是否老年人（就诊日年龄 ≥ settings.elderly_age，默认 70）';
COMMENT ON COLUMN public.hx_queue.PRIORITY IS '优先级（2 老年优先，1 复诊，0 普通；大的优先）';
COMMENT ON COLUMN public.hx_queue.UPDATE_TIME IS '最后修改时间（签到、退号都会更新，增量拉取用）';
COMMENT ON COLUMN public.hx_queue.ADD_STATE IS '2 有效（正常挂号），0 无效（退号或作废，排队系统删除）';

-- Reader account hx_reader: SELECT on the views, nothing else
DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hx_reader') THEN CREATE ROLE hx_reader LOGIN NOINHERIT; END IF; END $$;
ALTER ROLE hx_reader WITH LOGIN NOINHERIT CONNECTION LIMIT 10;
ALTER ROLE hx_reader PASSWORD :'hx_reader_password';
ALTER ROLE hx_reader SET search_path = public;
ALTER ROLE hx_reader SET TimeZone = 'Asia/Shanghai';
ALTER ROLE hx_reader SET default_transaction_read_only = on;
ALTER ROLE hx_reader SET statement_timeout = '30s';
REVOKE CREATE ON SCHEMA public FROM hx_reader;
GRANT USAGE ON SCHEMA public TO hx_reader;
GRANT SELECT ON public.hx_department, public.hx_room, public.hx_doctor, public.hx_queue TO hx_reader;
