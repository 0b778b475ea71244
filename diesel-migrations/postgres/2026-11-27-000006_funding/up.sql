-- Funding news: the feeds the Hub follows (with their health), the opportunities
-- normalised from them or posted by members, the links from each feed item to the
-- opportunity it became (one call announced by several feeds is one opportunity),
-- and the digest subscriptions (double opt-in).
CREATE TABLE funding_sources (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL UNIQUE,
    funder TEXT NOT NULL,
    topics TEXT NOT NULL,
    region TEXT,
    interval_minutes INTEGER NOT NULL,
    etag TEXT,
    last_modified_header TEXT,
    next_fetch_at TIMESTAMP NOT NULL,
    last_fetched_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL,
    item_count INTEGER NOT NULL,
    rejected_count INTEGER NOT NULL,
    issues TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX funding_sources_due ON funding_sources (next_fetch_at);

CREATE TABLE funding_opportunities (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    url TEXT,
    url_key TEXT,
    funder TEXT NOT NULL,
    funder_key TEXT NOT NULL,
    programme TEXT,
    status TEXT NOT NULL,
    deadline_kind TEXT NOT NULL,
    last_deadline DATE,
    amount_min BIGINT,
    amount_max BIGINT,
    currency TEXT,
    region TEXT,
    applicants TEXT NOT NULL,
    search_text TEXT NOT NULL,
    published_at TIMESTAMP,
    changed_at TIMESTAMP,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    posted_by_organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX funding_opportunities_url ON funding_opportunities (url_key);
CREATE INDEX funding_opportunities_funder ON funding_opportunities (funder_key);
CREATE INDEX funding_opportunities_seen ON funding_opportunities (first_seen_at);

CREATE TABLE funding_topics (
    opportunity_id TEXT NOT NULL REFERENCES funding_opportunities (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    PRIMARY KEY (opportunity_id, topic)
);
CREATE INDEX funding_topics_topic ON funding_topics (topic);

CREATE TABLE funding_deadlines (
    opportunity_id TEXT NOT NULL REFERENCES funding_opportunities (id) ON DELETE CASCADE,
    deadline DATE NOT NULL,
    PRIMARY KEY (opportunity_id, deadline)
);
CREATE INDEX funding_deadlines_date ON funding_deadlines (deadline);

CREATE TABLE funding_links (
    id TEXT PRIMARY KEY NOT NULL,
    opportunity_id TEXT NOT NULL REFERENCES funding_opportunities (id) ON DELETE CASCADE,
    source_id TEXT REFERENCES funding_sources (id) ON DELETE SET NULL,
    guid TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    UNIQUE (source_id, guid)
);
CREATE INDEX funding_links_opportunity ON funding_links (opportunity_id);

CREATE TABLE funding_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE CASCADE,
    topics TEXT NOT NULL,
    confirm_hash TEXT NOT NULL UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    confirmed_at TIMESTAMP,
    last_digest_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX funding_subscriptions_email ON funding_subscriptions (email);

-- Digests carry a List-Unsubscribe header.
ALTER TABLE outbox_messages ADD COLUMN list_unsubscribe TEXT;
CREATE INDEX funding_opportunities_search ON funding_opportunities USING gin (search_text gin_trgm_ops);
