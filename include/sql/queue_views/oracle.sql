-- 门诊候诊叫号 hx_* views — oracle, site: (default contract)
-- GENERATED from include/mappings/queue_views.yaml by
--   python -m hisbridge queue-views render --dialect oracle
-- Do not edit: change the YAML (or a site's overrides) and render again.
-- The contract: docs/queue_views_contract.md
--
-- Run in SQL*Plus/SQLcl as the owner of the HIS tables; the reader part needs CREATE USER and is
-- usually run by the DBA. SQL*Plus asks for &&hx_reader_password once. CREATE USER fails with
-- ORA-01920 when the user exists: that line may then be skipped.
-- Views run with the owner's rights, so the reader needs no grant on the base tables.

-- Views
CREATE OR REPLACE VIEW hx_department AS
SELECT
  CAST(SUBSTR(d.dept_code, 1, 20) AS VARCHAR2(20 CHAR)) AS DEPT_ID,
  CAST(SUBSTR(d.dept_name, 1, 100) AS VARCHAR2(100 CHAR)) AS DEPT_NAME,
  CAST(SUBSTR(d.spell_code, 1, 20) AS VARCHAR2(20 CHAR)) AS SPELL_CODE,
  CAST(SUBSTR(d.campus, 1, 20) AS VARCHAR2(20 CHAR)) AS CAMPUS_CODE,
  CAST(SUBSTR(CASE d.campus WHEN 'main' THEN '本部' WHEN 'jiulonghu' THEN '九龙湖院区' ELSE d.campus END, 1, 50) AS VARCHAR2(50 CHAR)) AS CAMPUS_NAME,
  CAST(SUBSTR(d.area, 1, 50) AS VARCHAR2(50 CHAR)) AS AREA_NAME,
  CAST(SUBSTR(d.floor, 1, 20) AS VARCHAR2(20 CHAR)) AS DEPT_FLOOR,
  CAST(d.sort_no AS NUMBER(10)) AS SORT_NO,
  CAST(d.updated_at AS DATE) AS UPDATE_TIME,
  CAST(CASE WHEN d.is_active = 1 THEN 2 ELSE 0 END AS NUMBER(1)) AS ADD_STATE
FROM dept d
WHERE d.dept_type IN ('outpatient');
COMMENT ON TABLE hx_department IS '门诊挂号科室（hisbridge 门诊候诊叫号视图契约 v1）：可挂号的门诊科室。停用科室仍然列出，ADD_STATE = 0，排队系统据此删除该科室。';
COMMENT ON COLUMN hx_department.DEPT_ID IS '科室编码（HIS 科室代码，唯一）';
COMMENT ON COLUMN hx_department.DEPT_NAME IS '科室名称';
COMMENT ON COLUMN hx_department.SPELL_CODE IS '科室拼音码（检索用）';
COMMENT ON COLUMN hx_department.CAMPUS_CODE IS '院区代码（main 本部，jiulonghu 九龙湖院区）';
COMMENT ON COLUMN hx_department.CAMPUS_NAME IS '院区名称（由 settings.campus_names 翻译，未配置的代码原样输出）';
COMMENT ON COLUMN hx_department.AREA_NAME IS '诊区（候诊区，决定分诊台与候诊屏）';
COMMENT ON COLUMN hx_department.DEPT_FLOOR IS '楼层';
COMMENT ON COLUMN hx_department.SORT_NO IS '显示顺序（小的在前）';
COMMENT ON COLUMN hx_department.UPDATE_TIME IS '最后修改时间（增量拉取用）';
COMMENT ON COLUMN hx_department.ADD_STATE IS '2 有效（科室启用），0 无效（科室停用，排队系统删除）';
CREATE OR REPLACE VIEW hx_room AS
SELECT
  CAST(SUBSTR(r.room_code, 1, 20) AS VARCHAR2(20 CHAR)) AS ROOM_ID,
  CAST(SUBSTR(r.room_name, 1, 100) AS VARCHAR2(100 CHAR)) AS ROOM_NAME,
  CAST(SUBSTR(r.dept_code, 1, 20) AS VARCHAR2(20 CHAR)) AS DEPT_ID,
  CAST(SUBSTR(d.dept_name, 1, 100) AS VARCHAR2(100 CHAR)) AS DEPT_NAME,
  CAST(SUBSTR(r.floor, 1, 20) AS VARCHAR2(20 CHAR)) AS ROOM_FLOOR,
  CAST(SUBSTR(r.location, 1, 100) AS VARCHAR2(100 CHAR)) AS ROOM_LOCATION,
  CAST(SUBSTR(r.caller_terminal, 1, 50) AS VARCHAR2(50 CHAR)) AS CALLER_ID,
  CAST(GREATEST(NVL(r.updated_at, d.updated_at), NVL(d.updated_at, r.updated_at)) AS DATE) AS UPDATE_TIME,
  CAST(CASE WHEN r.is_active = 1 AND d.is_active = 1 THEN 2 ELSE 0 END AS NUMBER(1)) AS ADD_STATE
FROM room r
JOIN dept d ON d.dept_code = r.dept_code
WHERE d.dept_type IN ('outpatient');
COMMENT ON TABLE hx_room IS '诊室（hisbridge 门诊候诊叫号视图契约 v1）：门诊科室的诊室。诊室或其科室停用时 ADD_STATE = 0。';
COMMENT ON COLUMN hx_room.ROOM_ID IS '诊室编码（唯一）';
COMMENT ON COLUMN hx_room.ROOM_NAME IS '诊室名称（候诊屏与语音播报用）';
COMMENT ON COLUMN hx_room.DEPT_ID IS '所属科室编码（对应 hx_department.DEPT_ID）';
COMMENT ON COLUMN hx_room.DEPT_NAME IS '所属科室名称';
COMMENT ON COLUMN hx_room.ROOM_FLOOR IS '楼层';
COMMENT ON COLUMN hx_room.ROOM_LOCATION IS '位置（播报“请到……”）';
COMMENT ON COLUMN hx_room.CALLER_ID IS '叫号终端编号（诊室呼叫器/诊室屏）';
COMMENT ON COLUMN hx_room.UPDATE_TIME IS '最后修改时间（诊室与科室中较晚者，增量拉取用）';
COMMENT ON COLUMN hx_room.ADD_STATE IS '2 有效（诊室与科室均启用），0 无效（排队系统删除）';
CREATE OR REPLACE VIEW hx_doctor AS
SELECT
  CAST(SUBSTR(st.staff_code, 1, 20) AS VARCHAR2(20 CHAR)) AS DOCTOR_ID,
  CAST(SUBSTR(st.name, 1, 50) AS VARCHAR2(50 CHAR)) AS DOCTOR_NAME,
  CAST(SUBSTR(st.gender, 1, 1) AS VARCHAR2(1 CHAR)) AS GENDER,
  CAST(SUBSTR(st.title, 1, 50) AS VARCHAR2(50 CHAR)) AS DOCTOR_TITLE,
  CAST(SUBSTR(st.dept_code, 1, 20) AS VARCHAR2(20 CHAR)) AS DEPT_ID,
  CAST(SUBSTR(d.dept_name, 1, 100) AS VARCHAR2(100 CHAR)) AS DEPT_NAME,
  CAST(SUBSTR(st.specialty, 1, 200) AS VARCHAR2(200 CHAR)) AS SPECIALTY,
  CAST(st.updated_at AS DATE) AS UPDATE_TIME,
  CAST(CASE WHEN st.is_active = 1 THEN 2 ELSE 0 END AS NUMBER(1)) AS ADD_STATE
FROM staff st
LEFT JOIN dept d ON d.dept_code = st.dept_code
WHERE st.role = 'doctor';
COMMENT ON TABLE hx_doctor IS '医生（hisbridge 门诊候诊叫号视图契约 v1）：全院医生（角色 doctor）。停用的医生 ADD_STATE = 0。不含身份证号、手机号、出生日期。';
COMMENT ON COLUMN hx_doctor.DOCTOR_ID IS '医生工号（HIS 用户编码，唯一）';
COMMENT ON COLUMN hx_doctor.DOCTOR_NAME IS '医生姓名（公开信息，不脱敏）';
COMMENT ON COLUMN hx_doctor.GENDER IS '性别（1 男，2 女）';
COMMENT ON COLUMN hx_doctor.DOCTOR_TITLE IS '职称';
COMMENT ON COLUMN hx_doctor.DEPT_ID IS '所属科室编码';
COMMENT ON COLUMN hx_doctor.DEPT_NAME IS '所属科室名称';
COMMENT ON COLUMN hx_doctor.SPECIALTY IS '擅长（医生介绍屏用）';
COMMENT ON COLUMN hx_doctor.UPDATE_TIME IS '最后修改时间（增量拉取用）';
COMMENT ON COLUMN hx_doctor.ADD_STATE IS '2 有效（在岗），0 无效（停用，排队系统删除）';
CREATE OR REPLACE VIEW hx_queue AS
SELECT
  CAST(SUBSTR(rg.reg_id, 1, 20) AS VARCHAR2(20 CHAR)) AS QUEUE_ID,
  CAST(rg.visit_date AS DATE) AS VISIT_DATE,
  CAST(SUBSTR(rg.time_slot, 1, 1) AS VARCHAR2(1 CHAR)) AS TIME_SLOT,
  CAST(SUBSTR(CASE rg.time_slot WHEN '1' THEN '上午' WHEN '2' THEN '下午' WHEN '3' THEN '晚间' ELSE rg.time_slot END, 1, 10) AS VARCHAR2(10 CHAR)) AS TIME_SLOT_NAME,
  CAST(rg.queue_no AS NUMBER(10)) AS QUEUE_NO,
  CAST(SUBSTR(rg.patient_id, 1, 20) AS VARCHAR2(20 CHAR)) AS PATIENT_ID,
  CAST(SUBSTR(CASE WHEN LENGTH(TRIM(p.name)) <= 1 THEN TRIM(p.name) WHEN LENGTH(TRIM(p.name)) = 2 THEN SUBSTR(TRIM(p.name), 1, 1) || '*' ELSE SUBSTR(TRIM(p.name), 1, 1) || '*' || SUBSTR(TRIM(p.name), LENGTH(TRIM(p.name)), 1) END, 1, 50) AS VARCHAR2(50 CHAR)) AS PATIENT_NAME,
  CAST(SUBSTR(p.gender, 1, 1) AS VARCHAR2(1 CHAR)) AS GENDER,
  CAST(SUBSTR(rg.dept_code, 1, 20) AS VARCHAR2(20 CHAR)) AS DEPT_ID,
  CAST(SUBSTR(d.dept_name, 1, 100) AS VARCHAR2(100 CHAR)) AS DEPT_NAME,
  CAST(SUBSTR(rg.room_code, 1, 20) AS VARCHAR2(20 CHAR)) AS ROOM_ID,
  CAST(SUBSTR(r.room_name, 1, 100) AS VARCHAR2(100 CHAR)) AS ROOM_NAME,
  CAST(SUBSTR(rg.doctor_code, 1, 20) AS VARCHAR2(20 CHAR)) AS DOCTOR_ID,
  CAST(SUBSTR(st.name, 1, 50) AS VARCHAR2(50 CHAR)) AS DOCTOR_NAME,
  CAST(SUBSTR(rg.reg_type, 1, 10) AS VARCHAR2(10 CHAR)) AS REG_TYPE,
  CAST(SUBSTR(CASE rg.reg_type WHEN 'normal' THEN '普通' WHEN 'expert' THEN '专家' WHEN 'emergency' THEN '急诊' ELSE rg.reg_type END, 1, 10) AS VARCHAR2(10 CHAR)) AS REG_TYPE_NAME,
  CAST(COALESCE(rg.is_appointment, 0) AS NUMBER(1)) AS IS_APPOINTMENT,
  CAST(rg.reg_time AS DATE) AS REG_TIME,
  CAST(CASE WHEN rg.sign_in_time IS NULL THEN 0 ELSE 1 END AS NUMBER(1)) AS SIGN_IN_STATE,
  CAST(rg.sign_in_time AS DATE) AS SIGN_IN_TIME,
  CAST(SUBSTR(rg.visit_status, 1, 10) AS VARCHAR2(10 CHAR)) AS VISIT_STATUS,
  CAST(COALESCE(rg.is_revisit, 0) AS NUMBER(1)) AS IS_REVISIT,
  CAST(CASE WHEN p.birth_date <= ADD_MONTHS(rg.visit_date, -840) THEN 1 ELSE 0 END AS NUMBER(1)) AS IS_ELDERLY,
  CAST(CASE WHEN p.birth_date <= ADD_MONTHS(rg.visit_date, -840) THEN 2 WHEN rg.is_revisit = 1 THEN 1 ELSE 0 END AS NUMBER(10)) AS PRIORITY,
  CAST(rg.updated_at AS DATE) AS UPDATE_TIME,
  CAST(CASE WHEN rg.status = 'normal' THEN 2 ELSE 0 END AS NUMBER(1)) AS ADD_STATE
FROM registration rg
JOIN patient p ON p.patient_id = rg.patient_id
JOIN dept d ON d.dept_code = rg.dept_code
LEFT JOIN room r ON r.room_code = rg.room_code
LEFT JOIN staff st ON st.staff_code = rg.doctor_code
WHERE rg.visit_date >= TRUNC(SYSDATE) AND rg.visit_date < TRUNC(SYSDATE) + 1
  AND d.dept_type IN ('outpatient');
COMMENT ON TABLE hx_queue IS '当天门诊挂号（候诊队列）（hisbridge 门诊候诊叫号视图契约 v1）：就诊日期为数据库当天的门诊挂号，每条挂号一行。退号、作废的挂号当天仍然列出，ADD_STATE = 0。';
COMMENT ON COLUMN hx_queue.QUEUE_ID IS '挂号流水号（唯一，排队系统的主键）';
COMMENT ON COLUMN hx_queue.VISIT_DATE IS '就诊日期（恒为当天）';
COMMENT ON COLUMN hx_queue.TIME_SLOT IS '午别代码（1 上午，2 下午，3 晚间）';
COMMENT ON COLUMN hx_queue.TIME_SLOT_NAME IS '午别名称（未知代码原样输出）';
COMMENT ON COLUMN hx_queue.QUEUE_NO IS '就诊序号（同科室/医生、同午别内的号序）';
COMMENT ON COLUMN hx_queue.PATIENT_ID IS '患者 ID（HIS 内部编号，不是身份证号）';
COMMENT ON COLUMN hx_queue.PATIENT_NAME IS '患者姓名（按 settings.mask_rule 脱敏，候诊屏显示用）';
COMMENT ON COLUMN hx_queue.GENDER IS '性别（1 男，2 女；语音“先生/女士”用）';
COMMENT ON COLUMN hx_queue.DEPT_ID IS '挂号科室编码（对应 hx_department.DEPT_ID）';
COMMENT ON COLUMN hx_queue.DEPT_NAME IS '挂号科室名称';
COMMENT ON COLUMN hx_queue.ROOM_ID IS '诊室编码（未分诊时为空；对应 hx_room.ROOM_ID）';
COMMENT ON COLUMN hx_queue.ROOM_NAME IS '诊室名称';
COMMENT ON COLUMN hx_queue.DOCTOR_ID IS '医生工号（普通号可为空；对应 hx_doctor.DOCTOR_ID）';
COMMENT ON COLUMN hx_queue.DOCTOR_NAME IS '医生姓名';
COMMENT ON COLUMN hx_queue.REG_TYPE IS '号别代码（normal 普通，expert 专家，emergency 急诊）';
COMMENT ON COLUMN hx_queue.REG_TYPE_NAME IS '号别名称（未知代码原样输出）';
COMMENT ON COLUMN hx_queue.IS_APPOINTMENT IS '是否预约挂号（1 是，0 否）';
COMMENT ON COLUMN hx_queue.REG_TIME IS '挂号时间（同优先级内按此排序）';
COMMENT ON COLUMN hx_queue.SIGN_IN_STATE IS '签到状态（1 已签到，0 未签到）';
COMMENT ON COLUMN hx_queue.SIGN_IN_TIME IS '签到时间（未签到为空）';
COMMENT ON COLUMN hx_queue.VISIT_STATUS IS 'HIS 就诊状态（waiting 候诊，called 已呼叫，done 已就诊，absent 过号）';
COMMENT ON COLUMN hx_queue.IS_REVISIT IS '是否复诊（1 是，0 否）';
COMMENT ON COLUMN hx_queue.IS_ELDERLY IS '是否老年人（就诊日年龄 ≥ settings.elderly_age，默认 70）';
COMMENT ON COLUMN hx_queue.PRIORITY IS '优先级（2 老年优先，1 复诊，0 普通；大的优先）';
COMMENT ON COLUMN hx_queue.UPDATE_TIME IS '最后修改时间（签到、退号都会更新，增量拉取用）';
COMMENT ON COLUMN hx_queue.ADD_STATE IS '2 有效（正常挂号），0 无效（退号或作废，排队系统删除）';

-- Reader account hx_reader: SELECT on the views, nothing else
CREATE USER hx_reader IDENTIFIED BY "&&hx_reader_password";
GRANT CREATE SESSION TO hx_reader;
GRANT SELECT ON hx_department TO hx_reader;
GRANT SELECT ON hx_room TO hx_reader;
GRANT SELECT ON hx_doctor TO hx_reader;
GRANT SELECT ON hx_queue TO hx_reader;
