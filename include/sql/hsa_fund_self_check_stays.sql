-- 医保基金自查: every inpatient stay (not cancelled, 医保 or not) of the patients settled in the window, for the
-- rule on outpatient charges during a stay. Days are compared in Python (no date functions here): a stay covers
-- the calendar days from its admission to its discharge, both included; a stay not yet discharged is open.
SELECT
    st.adm_id AS adm_id,
    st.patient_id AS patient_id,
    st.adm_time AS adm_time,
    st.dscg_time AS dscg_time
FROM inpatient_stay st
WHERE st.status <> 'cancelled'
  AND st.patient_id IN (
      SELECT s.patient_id
      FROM insu_settlement s
      WHERE s.setl_time >= :window_start
        AND s.setl_time < :window_end
        AND s.refd_setl_flag = '0'
        AND s.status = 'normal'
  )
ORDER BY st.patient_id, st.adm_time, st.adm_id
