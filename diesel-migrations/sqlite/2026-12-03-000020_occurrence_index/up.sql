-- The occurrence index: every occurrence of every event that overlaps the horizon
-- [from_utc, until_utc), materialised, so that a window of occurrences is an index
-- range instead of an expansion of every series. Derived data: the events and their
-- overrides stay the truth, and a window outside the horizon is still expanded.
-- Until `occurrence_horizon` has its row the index is not built, and every window is
-- expanded.
CREATE TABLE occurrence_horizon (
    id INTEGER PRIMARY KEY NOT NULL,
    from_utc TIMESTAMP NOT NULL,
    until_utc TIMESTAMP NOT NULL,
    built_at TIMESTAMP NOT NULL
);

-- `span_class` says how far before a window an occurrence may start and still run
-- into it: 0 lasts at most 4 hours, 1 at most 26 hours (a whole day in any zone),
-- 2 longer. Local times are in the event's zone (all-day: the dates at midnight).
CREATE TABLE event_occurrences (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    recurrence_id TIMESTAMP NOT NULL,
    start_utc TIMESTAMP NOT NULL,
    end_utc TIMESTAMP NOT NULL,
    local_start TIMESTAMP NOT NULL,
    local_end TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    overridden BOOLEAN NOT NULL,
    span_class INTEGER NOT NULL,
    PRIMARY KEY (event_id, recurrence_id)
);
-- Windows are read in this order; the index holds what their conditions ask.
CREATE INDEX event_occurrences_order ON event_occurrences (start_utc, event_id, recurrence_id, end_utc, status, span_class);
CREATE INDEX event_occurrences_long ON event_occurrences (start_utc) WHERE span_class > 0;

-- Occurrences that are not cancelled, by the hour they start in: the exact total of
-- a window is the sum of its whole hours plus its two partial hours counted in the
-- index. Rows come in through the Hub (one upsert per hour for a whole import) and
-- leave by any path (a deleted event, a cascade from its organisation, the horizon
-- moving on) through the trigger below.
CREATE TABLE occurrence_hours (
    hour_utc TIMESTAMP PRIMARY KEY NOT NULL,
    live BIGINT NOT NULL
);

CREATE TRIGGER event_occurrences_gone AFTER DELETE ON event_occurrences
    WHEN OLD.status <> 'cancelled'
BEGIN
    UPDATE occurrence_hours SET live = live - 1
    WHERE hour_utc = strftime('%Y-%m-%d %H:00:00', OLD.start_utc);
END;
