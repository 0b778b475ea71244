DROP TABLE event_target_groups;
DROP TABLE event_languages;
DROP TABLE event_co_organisers;
DROP TABLE event_overrides;
DROP TABLE events;
DROP TABLE calendar_sources;
