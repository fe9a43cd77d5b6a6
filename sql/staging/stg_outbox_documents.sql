-- What the outbox holds: each document's key and the hash of what was last written there.
SELECT
    outbox_key,
    sha256,
    written_at
FROM core.outbox_documents
