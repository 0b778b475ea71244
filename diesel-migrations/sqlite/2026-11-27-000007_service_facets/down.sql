ALTER TABLE services DROP COLUMN facets;
