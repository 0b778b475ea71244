DROP TRIGGER search_postings_gone;
DROP TABLE search_index_state;
DROP TABLE search_postings;
DROP TABLE search_variants;
DROP TABLE search_parts;
DROP TABLE search_words;
