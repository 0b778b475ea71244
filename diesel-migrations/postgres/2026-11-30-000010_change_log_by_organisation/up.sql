-- Organisation.changes reads one organisation's log, newest first, for many
-- organisations at once.
CREATE INDEX change_log_organisation ON change_log (organisation_id, changed_at, id);
