DROP INDEX services_facets;
ALTER TABLE services DROP COLUMN facets;
