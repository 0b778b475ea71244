-- Newsletter subscribers: one row per address. Someone receives issues while
-- confirmed_at is set and unsubscribed_at is not. A subscription by the form is
-- confirmed by e-mail (double opt-in); an imported one carries its proof of consent
-- (consent_source, consent_at). Unsubscribing keeps the address only (no name), so
-- that no import subscribes it again.
CREATE TABLE newsletter_subscribers (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    language TEXT NOT NULL,
    sections TEXT NOT NULL,
    confirm_hash TEXT UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    consent_source TEXT NOT NULL,
    consent_at TIMESTAMP,
    confirmed_at TIMESTAMP,
    unsubscribed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- What a sent issue said, per language, frozen when it was sent: the composed
-- sections (JSON) and the web view.
CREATE TABLE newsletter_editions (
    issue_id TEXT NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    composition TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (issue_id, language)
);

-- The editorial in other languages than it was written in.
CREATE TABLE newsletter_editorials (
    issue_id TEXT NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (issue_id, language)
);

-- Sending at a time, and how many it went to.
ALTER TABLE newsletter_issues ADD COLUMN send_at TIMESTAMP;
ALTER TABLE newsletter_issues ADD COLUMN recipients INTEGER;

-- The messages of one sending (a newsletter issue), counted by state.
ALTER TABLE outbox_messages ADD COLUMN batch TEXT;
CREATE INDEX outbox_messages_batch ON outbox_messages (batch, state);
-- The newsletter's rate: what one purpose handed to the mail server in the last minute.
CREATE INDEX outbox_messages_purpose_sent ON outbox_messages (purpose, sent_at);

-- Editions and editorials are public once their issue is sent: announced to the replicas' response
-- caches (see 000013). Subscribers are personal data and stay quiet.
CREATE TRIGGER newsletter_editions_announce AFTER INSERT OR UPDATE OR DELETE ON newsletter_editions FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER newsletter_editions_announce_truncate AFTER TRUNCATE ON newsletter_editions FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER newsletter_editorials_announce AFTER INSERT OR UPDATE OR DELETE ON newsletter_editorials FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER newsletter_editorials_announce_truncate AFTER TRUNCATE ON newsletter_editorials FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
