DROP TABLE attendance;
DROP TABLE representatives;
DROP TABLE agenda_items;
DROP TABLE meeting_host_declines;
DROP TABLE meetings;
DROP TABLE meeting_series;
