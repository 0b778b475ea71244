DROP TRIGGER event_occurrences_gone ON event_occurrences;
DROP FUNCTION netzwerk_occurrence_gone();
DROP TABLE occurrence_hours;
DROP TABLE event_occurrences;
DROP TABLE occurrence_horizon;
