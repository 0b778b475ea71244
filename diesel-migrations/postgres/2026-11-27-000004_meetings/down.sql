DROP TABLE agenda_items;
DROP TABLE meeting_host_declines;
DROP TABLE meetings;
DROP TABLE meeting_series;
