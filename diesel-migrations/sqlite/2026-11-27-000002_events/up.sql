-- Events and calendars: events (one-off or recurring) with per-occurrence overrides,
-- and member calendar feeds the Hub follows.

CREATE TABLE calendar_sources (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    interval_minutes INTEGER NOT NULL,
    etag TEXT,
    last_modified_header TEXT,
    next_fetch_at TIMESTAMP NOT NULL,
    last_fetched_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_error TEXT,
    last_error_at TIMESTAMP,
    consecutive_failures INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    rejected_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, url)
);
CREATE INDEX calendar_sources_due ON calendar_sources (next_fetch_at);

-- Local times are in `timezone`; `first_start_utc` and `last_end_utc` (NULL: no end)
-- bound every occurrence, so a time window is found without expanding every series.
-- `origin` groups imported events (a source, or one file/URL) for deletion by absence.
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT,
    content_language TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    all_day BOOLEAN NOT NULL,
    start_local TIMESTAMP NOT NULL,
    end_local TIMESTAMP NOT NULL,
    timezone TEXT NOT NULL,
    rrule TEXT,
    rdates TEXT NOT NULL,
    exdates TEXT NOT NULL,
    location_id TEXT REFERENCES locations (id) ON DELETE SET NULL,
    place TEXT,
    online_url TEXT,
    accessibility_note TEXT,
    interpretation_note TEXT,
    registration_url TEXT,
    image_url TEXT,
    origin TEXT,
    uid TEXT,
    sequence INTEGER NOT NULL,
    last_modified TIMESTAMP,
    first_start_utc TIMESTAMP NOT NULL,
    last_end_utc TIMESTAMP,
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, uid)
);
CREATE INDEX events_window ON events (first_start_utc, last_end_utc);
CREATE INDEX events_organisation ON events (organisation_id);
CREATE INDEX events_origin ON events (origin);

CREATE TABLE event_overrides (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    recurrence_id TIMESTAMP NOT NULL,
    status TEXT,
    start_local TIMESTAMP,
    end_local TIMESTAMP,
    title TEXT,
    description TEXT,
    PRIMARY KEY (event_id, recurrence_id)
);

-- Other member organisations that organise an event together with its owner.
CREATE TABLE event_co_organisers (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, organisation_id)
);
CREATE INDEX event_co_organisers_organisation ON event_co_organisers (organisation_id, event_id);

CREATE TABLE event_languages (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (event_id, language)
);
CREATE INDEX event_languages_language ON event_languages (language, event_id);

CREATE TABLE event_target_groups (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    target_group TEXT NOT NULL,
    PRIMARY KEY (event_id, target_group)
);
CREATE INDEX event_target_groups_group ON event_target_groups (target_group, event_id);
