ALTER TABLE outbox_messages DROP COLUMN list_unsubscribe;
DROP TABLE funding_subscriptions;
DROP TABLE funding_links;
DROP TABLE funding_deadlines;
DROP TABLE funding_topics;
DROP TABLE funding_opportunities;
DROP TABLE funding_sources;
