DROP INDEX change_log_organisation;
