-- A partner site's own request limit (per minute; none: no limit of its own) and
-- whether it may run trusted (registered) documents only.
ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN trusted_only BOOLEAN NOT NULL DEFAULT FALSE;
