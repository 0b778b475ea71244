-- The search index of the services: the words of their names, descriptions,
-- organisations' names and translations, as the Hub's own search keys (normalised and
-- stemmed by netzwerk_domain::search), so that a query meets them whole, as their
-- start, inside them (compounds) or within a typo or two — the same way on both
-- backends. Derived data, written with the services in their transactions; a change
-- of the key rules raises the version in `search_index_state` and the Hub builds the
-- index again.

-- Every key of the directory once. Keys compare in byte order, so that the keys
-- starting with a query's key are one range of the primary key.
CREATE TABLE search_words (
    word TEXT COLLATE "C" PRIMARY KEY NOT NULL
);

-- The inner parts of each key that reach its end (`beratung` of
-- `migrationsberatung`): a query's key meets a key inside where it starts a part.
CREATE TABLE search_parts (
    part TEXT COLLATE "C" NOT NULL,
    word TEXT COLLATE "C" NOT NULL REFERENCES search_words (word) ON DELETE CASCADE,
    PRIMARY KEY (part, word)
);

-- Each key with up to one or two letters deleted (by its length): a query's key with
-- its own deletions meets the keys within its typo budget (symmetric deletion).
CREATE TABLE search_variants (
    variant TEXT COLLATE "C" NOT NULL,
    word TEXT COLLATE "C" NOT NULL REFERENCES search_words (word) ON DELETE CASCADE,
    PRIMARY KEY (variant, word)
);
CREATE INDEX search_variants_word ON search_variants (word);
CREATE INDEX search_parts_word ON search_parts (word);

-- Where the keys stand: per service, key and language of the text (`de` for the
-- original and the organisation's name), the best field weight (name 4, organisation
-- 2, description 1). `name` is the service's name, to order equal scores without a
-- join.
CREATE TABLE search_postings (
    word TEXT COLLATE "C" NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    weight INTEGER NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (word, service_id, lang) INCLUDE (weight, name)
);
CREATE INDEX search_postings_service ON search_postings (service_id);

-- The version of the key rules the index was built with (one row once built), and
-- a count of the changes to the postings: every write of a service's postings adds
-- one (and so waits for the other writers), as does every deletion of postings (a
-- trigger: cascades from services and organisations too). A replica that keeps the
-- postings in memory for ranking uses them only while this count is the one it read
-- them at.
CREATE TABLE search_index_state (
    id INTEGER PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    changes BIGINT NOT NULL DEFAULT 0,
    built_at TIMESTAMP NOT NULL
);

CREATE FUNCTION netzwerk_search_postings_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_index_state SET changes = changes + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_postings_gone AFTER DELETE ON search_postings
    FOR EACH STATEMENT EXECUTE FUNCTION netzwerk_search_postings_gone();
