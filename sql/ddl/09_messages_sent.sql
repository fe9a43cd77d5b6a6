-- The ledger of messages to the provinces' contacts (reply/mailer.py): one row per message the
-- mail server accepted, committed right after it did. A message whose id is here is never sent
-- again, so a retried task or a rerun sends each at most once; a crash between the server's
-- acceptance and this row's commit sends it once more (at least once: docs/messages.md). Its own
-- file, created IF NOT EXISTS, so a warehouse made before it gains it at its next load or send.
CREATE TABLE IF NOT EXISTS ingest.messages_sent (
    message_id     VARCHAR PRIMARY KEY,  -- what it is about: answer/<submission id> (…/returned: a
                                         -- reviewer's return), or
                                         -- reminder|overdue/<report type>/<province>/<period>/<days from due>
    kind           VARCHAR NOT NULL,     -- answer (a file's answer), reminder (before the due day), overdue (after it)
    province_code  VARCHAR NOT NULL,
    report_type    VARCHAR,              -- null for an answer to a file that names none
    period         VARCHAR,
    submission_id  VARCHAR,              -- answers: the file answered
    answer         VARCHAR,              -- answers: rejected, accepted_with_warnings, accepted, ... as told
    days_from_due  INTEGER,              -- reminders: -3 three days before the due day; overdue: 1 the day after
    recipients     VARCHAR NOT NULL,     -- the addresses it went to, comma-separated
    subject        VARCHAR NOT NULL,
    sent_at        TIMESTAMP NOT NULL    -- UTC: when the server accepted it
);
