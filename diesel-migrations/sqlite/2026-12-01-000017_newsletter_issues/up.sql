-- Newsletter issues: a period, the coordinator's editorial, a status (draft, sent).
-- The sections are composed from the Hub's own data whenever an issue is shown.
CREATE TABLE newsletter_issues (
    id TEXT PRIMARY KEY NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    editorial TEXT,
    content_language TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX newsletter_issues_period ON newsletter_issues (period_from);
