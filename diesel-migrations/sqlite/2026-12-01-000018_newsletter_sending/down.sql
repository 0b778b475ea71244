DROP INDEX outbox_messages_purpose_sent;
DROP INDEX outbox_messages_batch;
ALTER TABLE outbox_messages DROP COLUMN batch;
ALTER TABLE newsletter_issues DROP COLUMN recipients;
ALTER TABLE newsletter_issues DROP COLUMN send_at;
DROP TABLE newsletter_editions;
DROP TABLE newsletter_editorials;
DROP TABLE newsletter_subscribers;
