-- The directory: organisations, locations, services (offers), contact persons,
-- translations, accounts, partner API keys and the change log.
-- Ids are UUIDv7 text made by the application, identical on SQLite and PostgreSQL.
-- Sets of codes on organisations are stored as ",a,b," so `LIKE '%,a,%'` finds one.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    alternate_name TEXT,
    legal_status TEXT NOT NULL,
    description TEXT,
    content_language TEXT NOT NULL,
    website TEXT,
    email TEXT,
    phone TEXT,
    logo_url TEXT,
    membership_status TEXT NOT NULL,
    member_since DATE,
    fields_of_action TEXT NOT NULL,
    topics TEXT NOT NULL,
    target_groups TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_name ON organisations (name, id);

CREATE TABLE organisation_identifiers (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    scheme TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (organisation_id, position)
);

CREATE TABLE locations (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    address TEXT,
    locality TEXT,
    locality_key TEXT,
    postcode TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    wheelchair_accessible BOOLEAN,
    accessibility_note TEXT,
    transport_hint TEXT,
    timezone TEXT NOT NULL,
    content_language TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX locations_organisation ON locations (organisation_id);
CREATE INDEX locations_locality ON locations (locality_key);

CREATE TABLE services (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    content_language TEXT NOT NULL,
    category TEXT NOT NULL,
    free BOOLEAN NOT NULL,
    fee_note TEXT,
    appointment_required BOOLEAN NOT NULL,
    eligibility TEXT,
    application_process TEXT,
    -- The time zone of the service's opening hours: its first location's, kept in
    -- step when links or that location change, so "open at" needs no join.
    timezone TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX services_organisation ON services (organisation_id);
CREATE INDEX services_name ON services (name, id);
CREATE INDEX services_category ON services (category);

CREATE TABLE service_locations (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    location_id TEXT NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (service_id, location_id)
);
CREATE INDEX service_locations_location ON service_locations (location_id, service_id);

CREATE TABLE service_languages (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (service_id, language)
);
CREATE INDEX service_languages_language ON service_languages (language, service_id);

CREATE TABLE service_target_groups (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    target_group TEXT NOT NULL,
    PRIMARY KEY (service_id, target_group)
);
CREATE INDEX service_target_groups_group ON service_target_groups (target_group, service_id);

-- Weekly hours; times are minutes after midnight in the service's time zone.
CREATE TABLE opening_hours (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens INTEGER NOT NULL,
    closes INTEGER NOT NULL CHECK (closes > opens),
    PRIMARY KEY (service_id, position)
);
CREATE INDEX opening_hours_weekday ON opening_hours (weekday, opens, closes);

CREATE TABLE schedule_exceptions (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    date DATE NOT NULL,
    opens INTEGER,
    closes INTEGER,
    note TEXT,
    PRIMARY KEY (service_id, date)
);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT,
    email TEXT,
    phone TEXT,
    visibility TEXT NOT NULL,
    content_language TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_organisation ON contacts (organisation_id);

-- Translations of human text fields of any entity; `organisation_id` lets the
-- organisation's deletion take them along.
CREATE TABLE translations (
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    language TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    machine_translated BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (entity_id, field, language)
);
CREATE INDEX translations_organisation ON translations (organisation_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);

-- Bearer tokens, stored only as SHA-256 hashes.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Partner websites' keys, stored only as SHA-256 hashes; `prefix` identifies a key in lists.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    allowed_origins TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE change_log (
    id TEXT PRIMARY KEY NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    organisation_id TEXT,
    action TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX change_log_entity ON change_log (entity_kind, changed_at, entity_id);
CREATE INDEX change_log_id ON change_log (entity_id);

-- PostgreSQL only: trigram indexes make the substring search on folded text fast.
-- The rows and results are the same as on SQLite; only the speed differs.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX services_search ON services USING gin (search_text gin_trgm_ops);
CREATE INDEX organisations_search ON organisations USING gin (search_text gin_trgm_ops);
