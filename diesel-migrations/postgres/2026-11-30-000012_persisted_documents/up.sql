-- Documents the coordinator registered as trusted, beside the ones of
-- graphql/persisted/ that every replica knows from its build. A document is found by
-- the SHA-256 of its text (lowercase hex), so registering the same text twice is
-- one document.
CREATE TABLE persisted_documents (
    sha256 TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL
);
