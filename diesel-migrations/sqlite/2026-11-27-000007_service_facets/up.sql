-- The facets of a service (delivery languages, localities of its locations, target
-- groups) as one space-separated, sorted list, kept by the Hub on every write. On
-- PostgreSQL a GIN index answers the combined filters from it; SQLite filters through
-- the link tables' indexes and keeps the column so both backends store the same rows.
ALTER TABLE services ADD COLUMN facets TEXT NOT NULL DEFAULT '';

UPDATE services SET facets = coalesce((
    SELECT group_concat(f, ' ' ORDER BY f) FROM (
        SELECT 'lang:' || language AS f FROM service_languages WHERE service_id = services.id
        UNION
        SELECT 'loc:' || replace(lo.locality_key, ' ', '_')
          FROM service_locations sl JOIN locations lo ON lo.id = sl.location_id
         WHERE sl.service_id = services.id AND lo.locality_key IS NOT NULL AND lo.locality_key <> ''
        UNION
        SELECT 'tg:' || target_group FROM service_target_groups WHERE service_id = services.id
    )), '');
