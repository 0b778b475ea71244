-- Every committed change to the data the public reads is announced on the channel
-- netzwerk_data_changed (NOTIFY is delivered on commit, once per transaction and
-- channel: the same notice from many rows is one). Row triggers, so that a statement
-- that changes nothing (a clean-up that finds nothing to delete) announces nothing. Each serving replica listens and drops its cached answers. Sessions, rate
-- limits, the outbox, the change log, accounts, API keys and persisted documents are
-- not public data and stay quiet.
CREATE FUNCTION netzwerk_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('netzwerk_data_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER agenda_items_announce AFTER INSERT OR UPDATE OR DELETE ON agenda_items FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER agenda_items_announce_truncate AFTER TRUNCATE ON agenda_items FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER contacts_announce AFTER INSERT OR UPDATE OR DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER contacts_announce_truncate AFTER TRUNCATE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER attendance_announce AFTER INSERT OR UPDATE OR DELETE ON attendance FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER attendance_announce_truncate AFTER TRUNCATE ON attendance FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER calendar_sources_announce AFTER INSERT OR UPDATE OR DELETE ON calendar_sources FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER calendar_sources_announce_truncate AFTER TRUNCATE ON calendar_sources FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_co_organisers_announce AFTER INSERT OR UPDATE OR DELETE ON event_co_organisers FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_co_organisers_announce_truncate AFTER TRUNCATE ON event_co_organisers FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_languages_announce AFTER INSERT OR UPDATE OR DELETE ON event_languages FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_languages_announce_truncate AFTER TRUNCATE ON event_languages FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_overrides_announce AFTER INSERT OR UPDATE OR DELETE ON event_overrides FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_overrides_announce_truncate AFTER TRUNCATE ON event_overrides FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_target_groups_announce AFTER INSERT OR UPDATE OR DELETE ON event_target_groups FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER event_target_groups_announce_truncate AFTER TRUNCATE ON event_target_groups FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER events_announce AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER events_announce_truncate AFTER TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_deadlines_announce AFTER INSERT OR UPDATE OR DELETE ON funding_deadlines FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_deadlines_announce_truncate AFTER TRUNCATE ON funding_deadlines FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_links_announce AFTER INSERT OR UPDATE OR DELETE ON funding_links FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_links_announce_truncate AFTER TRUNCATE ON funding_links FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_opportunities_announce AFTER INSERT OR UPDATE OR DELETE ON funding_opportunities FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_opportunities_announce_truncate AFTER TRUNCATE ON funding_opportunities FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_sources_announce AFTER INSERT OR UPDATE OR DELETE ON funding_sources FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_sources_announce_truncate AFTER TRUNCATE ON funding_sources FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_subscriptions_announce AFTER INSERT OR UPDATE OR DELETE ON funding_subscriptions FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_subscriptions_announce_truncate AFTER TRUNCATE ON funding_subscriptions FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_topics_announce AFTER INSERT OR UPDATE OR DELETE ON funding_topics FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER funding_topics_announce_truncate AFTER TRUNCATE ON funding_topics FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER guest_requests_announce AFTER INSERT OR UPDATE OR DELETE ON guest_requests FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER guest_requests_announce_truncate AFTER TRUNCATE ON guest_requests FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER locations_announce AFTER INSERT OR UPDATE OR DELETE ON locations FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER locations_announce_truncate AFTER TRUNCATE ON locations FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meeting_host_declines_announce AFTER INSERT OR UPDATE OR DELETE ON meeting_host_declines FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meeting_host_declines_announce_truncate AFTER TRUNCATE ON meeting_host_declines FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meeting_series_announce AFTER INSERT OR UPDATE OR DELETE ON meeting_series FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meeting_series_announce_truncate AFTER TRUNCATE ON meeting_series FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meetings_announce AFTER INSERT OR UPDATE OR DELETE ON meetings FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meetings_announce_truncate AFTER TRUNCATE ON meetings FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meeting_invitations_announce AFTER INSERT OR UPDATE OR DELETE ON meeting_invitations FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER meeting_invitations_announce_truncate AFTER TRUNCATE ON meeting_invitations FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER opening_hours_announce AFTER INSERT OR UPDATE OR DELETE ON opening_hours FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER opening_hours_announce_truncate AFTER TRUNCATE ON opening_hours FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER organisation_identifiers_announce AFTER INSERT OR UPDATE OR DELETE ON organisation_identifiers FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER organisation_identifiers_announce_truncate AFTER TRUNCATE ON organisation_identifiers FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER organisations_announce AFTER INSERT OR UPDATE OR DELETE ON organisations FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER organisations_announce_truncate AFTER TRUNCATE ON organisations FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER representatives_announce AFTER INSERT OR UPDATE OR DELETE ON representatives FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER representatives_announce_truncate AFTER TRUNCATE ON representatives FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER schedule_exceptions_announce AFTER INSERT OR UPDATE OR DELETE ON schedule_exceptions FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER schedule_exceptions_announce_truncate AFTER TRUNCATE ON schedule_exceptions FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER service_languages_announce AFTER INSERT OR UPDATE OR DELETE ON service_languages FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER service_languages_announce_truncate AFTER TRUNCATE ON service_languages FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER service_locations_announce AFTER INSERT OR UPDATE OR DELETE ON service_locations FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER service_locations_announce_truncate AFTER TRUNCATE ON service_locations FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER service_target_groups_announce AFTER INSERT OR UPDATE OR DELETE ON service_target_groups FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER service_target_groups_announce_truncate AFTER TRUNCATE ON service_target_groups FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER services_announce AFTER INSERT OR UPDATE OR DELETE ON services FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER services_announce_truncate AFTER TRUNCATE ON services FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER translations_announce AFTER INSERT OR UPDATE OR DELETE ON translations FOR EACH ROW EXECUTE FUNCTION netzwerk_announce_change();
CREATE TRIGGER translations_announce_truncate AFTER TRUNCATE ON translations FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_announce_change();
