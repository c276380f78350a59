-- The board columns of the records written before migration 0014, from
-- their documents (`domain::storage::BoardAttributes` says the same in
-- Rust; `ledger verify` checks that the two agree on every row).
UPDATE records SET
    open_due_at = CASE WHEN state NOT IN ('refused', 'closed', 'cancelled')
        THEN COALESCE(json_extract(doc, '$.due_at'), 9223372036854775807) END,
    awaiting = CASE WHEN state = 'answered'
            AND json_type(doc, '$.answer.disclosure') = 'object'
            AND json_type(doc, '$.answer.disclosure.approval') = 'null'
        THEN 'disclosure_approval' END
WHERE kind = 'request' AND doc IS NOT NULL;
UPDATE records SET
    category = json_extract(doc, '$.category'),
    severity = json_extract(doc, '$.severity')
WHERE kind = 'log_entry' AND doc IS NOT NULL;
