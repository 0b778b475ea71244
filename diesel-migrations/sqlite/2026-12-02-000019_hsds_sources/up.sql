-- Other directories followed through HSDS 3.0 (an API's base URL): polled like
-- calendar feeds (lease on next_fetch_at, health, back-off). What the last good read
-- took and left out is counted for the coordinator.
CREATE TABLE hsds_sources (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL UNIQUE,
    interval_minutes INTEGER NOT NULL,
    next_fetch_at TIMESTAMP NOT NULL,
    last_fetched_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL,
    organisation_count INTEGER NOT NULL,
    location_count INTEGER NOT NULL,
    service_count INTEGER NOT NULL,
    rejected_count INTEGER NOT NULL,
    issues TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX hsds_sources_due ON hsds_sources (next_fetch_at);

-- Which record of the Hub each record of a source became (kind: organization,
-- location, service), and when the import last wrote it: a record of the Hub changed
-- after that was edited here, and no poll overwrites it.
CREATE TABLE hsds_records (
    source_id TEXT NOT NULL REFERENCES hsds_sources (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    local_id TEXT NOT NULL,
    synced_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, kind, remote_id)
);
CREATE INDEX hsds_records_local ON hsds_records (local_id);
