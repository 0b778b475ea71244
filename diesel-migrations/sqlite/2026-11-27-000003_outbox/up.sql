-- The e-mail outbox: every message is stored here first and delivered by a sender
-- that retries with back-off, so nothing is lost while the mail server is down.
-- `message_id` (RFC 5322) stays the same across retries.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_name TEXT,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment_body TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox_messages (state, next_attempt_at);
