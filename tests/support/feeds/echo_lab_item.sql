-- Lab items of the test HIS (tests/integration/pipeline/test_platform_plugin.py): no person in them.
-- One row per item changed in the window; an item voided in the HIS comes back with voided = 1.
SELECT id, name, value, voided
FROM lab_item
WHERE changed_at >= :window_start AND changed_at < :window_end
ORDER BY id
