-- The board columns of the records written before migration 0014, from
-- their documents (`domain::storage::BoardAttributes` says the same in
-- Rust; `ledger verify` checks that the two agree on every row).
UPDATE records SET
    open_due_at = CASE WHEN state NOT IN ('refused', 'closed', 'cancelled')
        THEN COALESCE((doc::jsonb ->> 'due_at')::BIGINT, 9223372036854775807) END,
    awaiting = CASE WHEN state = 'answered'
            AND jsonb_typeof(doc::jsonb -> 'answer' -> 'disclosure') = 'object'
            AND jsonb_typeof(doc::jsonb -> 'answer' -> 'disclosure' -> 'approval') = 'null'
        THEN 'disclosure_approval' END
WHERE kind = 'request' AND doc IS NOT NULL;
UPDATE records SET
    category = doc::jsonb ->> 'category',
    severity = (doc::jsonb ->> 'severity')::BIGINT
WHERE kind = 'log_entry' AND doc IS NOT NULL;
