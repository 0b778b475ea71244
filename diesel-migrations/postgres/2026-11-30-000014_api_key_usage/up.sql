-- Requests per partner key and day (Berlin), added up from each replica's memory about
-- once a minute: those let through and those refused (rate limit, origin).
CREATE TABLE api_key_usage (
    api_key_id TEXT NOT NULL REFERENCES api_keys (id),
    day DATE NOT NULL,
    requests BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, day)
);
