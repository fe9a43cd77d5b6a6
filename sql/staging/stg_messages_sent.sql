-- The messages the provinces' contacts were sent, as the mail server accepted them.
SELECT
    message_id,
    kind,
    province_code,
    report_type,
    period,
    submission_id,
    answer,
    days_from_due,
    recipients,
    subject,
    sent_at
FROM ingest.messages_sent
