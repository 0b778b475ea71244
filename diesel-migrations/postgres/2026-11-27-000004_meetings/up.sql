-- Network meetings: a series with its cadence, its meetings (local times with zone,
-- host and location chosen by rotation), and the hosts that declined a date.
CREATE TABLE meeting_series (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    every_months INTEGER NOT NULL,
    weekday INTEGER NOT NULL,
    week INTEGER NOT NULL,
    start_minutes INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    timezone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    series_id TEXT NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    starts_local TIMESTAMP NOT NULL,
    ends_local TIMESTAMP NOT NULL,
    timezone TEXT NOT NULL,
    host_organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    location_id TEXT REFERENCES locations (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    agenda_final BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_start ON meetings (starts_local);
CREATE INDEX meetings_host ON meetings (host_organisation_id);

CREATE TABLE meeting_host_declines (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    declined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, organisation_id)
);

-- Agenda items: proposed by members (pending until the coordinator accepts), or
-- added by the coordinator; the accepted ones must fit into the meeting.
CREATE TABLE agenda_items (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    presenter_organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    duration_minutes INTEGER NOT NULL,
    status TEXT NOT NULL,
    proposed_by_organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

-- The people a member organisation sends to meetings, and who was there.
CREATE TABLE representatives (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX representatives_organisation ON representatives (organisation_id);

CREATE TABLE attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    representative_id TEXT NOT NULL REFERENCES representatives (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, representative_id)
);
CREATE INDEX attendance_organisation ON attendance (organisation_id);
