DROP TRIGGER event_occurrences_gone;
DROP TABLE occurrence_hours;
DROP TABLE event_occurrences;
DROP TABLE occurrence_horizon;
