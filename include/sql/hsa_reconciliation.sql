-- 医保对账 3201/3202 — the HIS's 医保 settlements of the window [window_start, window_end) by settlement time,
-- one row per insu_settlement row: originals (2207/2304) and cancellation rows (2208/2305, refd_setl_flag 1,
-- negative amounts, cancel_of = the original's setl_id) alike. Which of them count is decided in Python by the
-- configured 退费结算标志 rule (include/mappings/hsa_reconciliation.yaml), so that the rule is data, not SQL.
-- Grouping (clr_optins, insutype, clr_type) is done in Python too: the same rows give the 3201 totals and the
-- 3202 detail lines, and a per-day table for the month.
SELECT
    s.setl_id AS setl_id,
    s.mdtrt_id AS mdtrt_id,
    s.psn_no AS psn_no,
    s.insutype AS insutype,
    s.clr_type AS clr_type,
    s.clr_optins AS clr_optins,
    s.med_type AS med_type,
    s.setl_time AS setl_time,
    s.medfee_sumamt AS medfee_sumamt,
    s.fund_pay_sumamt AS fund_pay_sumamt,
    s.acct_pay AS acct_pay,
    s.psn_cash_pay AS psn_cash_pay,
    s.refd_setl_flag AS refd_setl_flag,
    s.cancel_of AS cancel_of,
    s.status AS status,
    s.msgid AS msgid
FROM insu_settlement s
WHERE s.setl_time >= :window_start
    AND s.setl_time < :window_end
ORDER BY s.setl_id
