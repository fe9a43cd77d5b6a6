-- The cycle with the provinces (issue 15): the lock after the deadline and its exceptions, the
-- findings each receipt lists, and what the outbox holds. Its own file, created IF NOT EXISTS, so a
-- warehouse made before it gains the tables at its next load.

-- The declared `lock_after_days` of each report type that declares one, refreshed on every load like
-- core.review_rules: a file arriving that many days after its period's deadline is locked out.
CREATE TABLE IF NOT EXISTS core.lock_rules (
    report_type      VARCHAR PRIMARY KEY,
    lock_after_days  INTEGER NOT NULL
);

-- An operator's exception to the lock (`cli unlock`): files of this province and period arriving
-- until `until` are answered as if the period were open. Never deleted: the record auditors read.
CREATE TABLE IF NOT EXISTS core.lock_exceptions (
    province_code  VARCHAR NOT NULL,
    period         VARCHAR NOT NULL,
    until          TIMESTAMP NOT NULL,   -- UTC
    reason         VARCHAR NOT NULL,
    granted_by     VARCHAR NOT NULL,
    granted_at     TIMESTAMP NOT NULL,   -- UTC
    PRIMARY KEY (province_code, period, granted_at)
);

-- The files the load answered `locked`: they arrived after their period's lock (locks_at) with no
-- exception covering them. Decided once, in the load's transaction, like the ledger row beside it.
CREATE TABLE IF NOT EXISTS ingest.locked_submissions (
    submission_id  VARCHAR PRIMARY KEY,
    locks_at       TIMESTAMP NOT NULL    -- UTC: the lock the file arrived after
);

-- Every failed rule of a file in words, one row per rule, taken from its validation result document
-- when its answer is loaded (load/validation_results.py): what its receipt lists.
CREATE TABLE IF NOT EXISTS ingest.findings (
    submission_id  VARCHAR NOT NULL,
    position       INTEGER NOT NULL,     -- the rule's place in the result document (ingest.validation_results)
    rule           VARCHAR NOT NULL,     -- GX expectation type, or contract:<check>
    severity       VARCHAR NOT NULL,     -- error: the rule rejects the file
    column_name    VARCHAR,
    source_rows    VARCHAR NOT NULL,     -- the file's rows the finding names, a JSON array ([] when none)
    zh             VARCHAR NOT NULL,
    en             VARCHAR NOT NULL,
    PRIMARY KEY (submission_id, position)
);

-- What the outbox holds: the hash of each document last written there (reply/outbox.py), so that a
-- reply writes only what changed and rewrites what a crash left unwritten.
CREATE TABLE IF NOT EXISTS core.outbox_documents (
    outbox_key  VARCHAR PRIMARY KEY,
    sha256      VARCHAR NOT NULL,
    written_at  TIMESTAMP NOT NULL       -- UTC
);
