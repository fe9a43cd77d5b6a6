"""Step 7, reply: what goes back to the provinces — receipts and status documents in their outbox, messages to their contacts, reminders."""
