-- Member news: short posts of member organisations in Markdown, public once the
-- coordinator published them (status 'published') and their day (publish_on) has
-- come. Their translations live in translations, like every other text.
CREATE TABLE news (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    content_language TEXT NOT NULL,
    image_url TEXT,
    link_url TEXT,
    publish_on DATE NOT NULL,
    status TEXT NOT NULL,
    review_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX news_public ON news (status, publish_on);
CREATE INDEX news_organisation ON news (organisation_id, publish_on);
-- Public data: announced to the replicas' response caches (see 000013).
CREATE TRIGGER news_announce AFTER INSERT OR UPDATE OR DELETE ON news FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER news_announce_truncate AFTER TRUNCATE ON news FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
