-- A co-organiser is listed only once its editors have accepted; links made before
-- this rule count as accepted.
ALTER TABLE event_co_organisers ADD COLUMN accepted_at TIMESTAMP;
UPDATE event_co_organisers SET accepted_at = now() AT TIME ZONE 'UTC';
