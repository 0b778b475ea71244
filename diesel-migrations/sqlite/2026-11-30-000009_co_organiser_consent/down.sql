ALTER TABLE event_co_organisers DROP COLUMN accepted_at;
