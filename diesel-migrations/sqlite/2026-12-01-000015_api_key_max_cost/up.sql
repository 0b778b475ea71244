-- A partner site's own complexity budget: the largest cost (fields, list sizes
-- multiplied in) one of its queries may have; none: the Hub's server.max_complexity.
-- Stricter than the Hub's only: the smaller of the two applies.
ALTER TABLE api_keys ADD COLUMN max_cost INTEGER;
