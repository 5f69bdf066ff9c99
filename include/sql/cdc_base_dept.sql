-- 传染病前置 base_dept (科室, 基础字典, daily) — one row per HIS department (id = dept_code, the front-end's key;
-- issue 9 gives every table an id and the hospital may simply send its department code).
-- A dictionary, not a stream of events: every department active at the end of the window is selected, plus those
-- deactivated in it (voided = 1 → DELETE: base_dept has no invalid_flag). A department selected again unchanged
-- has the same source row and is skipped by the pipeline (no message), so a day sends only what changed — and the
-- first run after go-live (or a department that was never sent, e.g. one quarantined until its mapping was added)
-- sends the whole dictionary without a separate initial load.
-- target_src is dept_code again: the YAML maps it through the `dept` code map (院内科室 → 前置软件标准科室); a
-- department missing from the map is quarantined with that reason until the map is completed.
SELECT
    d.dept_code AS dept_code,
    CASE WHEN d.is_active = 1 THEN 0 ELSE 1 END AS voided,
    d.dept_name AS dept_name,
    d.dept_code AS target_src
FROM dept d
WHERE d.updated_at < :window_end
  AND (d.is_active = 1 OR d.updated_at >= :window_start)
ORDER BY d.dept_code
