-- Guests ask to attend a meeting (double opt-in: they confirm their address first);
-- the coordinator approves or declines. Their personal data is deleted a set number
-- of days after the meeting. Only a hash of the confirmation token and of the
-- client's address is kept.
CREATE TABLE guest_requests (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    affiliation TEXT,
    message TEXT,
    language TEXT NOT NULL,
    consent_at TIMESTAMP NOT NULL,
    client_hash TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    attendance TEXT,
    confirmed_at TIMESTAMP,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (meeting_id, email)
);
CREATE INDEX guest_requests_email ON guest_requests (email, created_at);
CREATE INDEX guest_requests_client ON guest_requests (client_hash, created_at);

-- Who was sent the invitation to a meeting, at which SEQUENCE: updates and
-- cancellations go to the same people, and nobody is invited twice.
CREATE TABLE meeting_invitations (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    representative_id TEXT REFERENCES representatives (id) ON DELETE SET NULL,
    guest_request_id TEXT REFERENCES guest_requests (id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, email)
);

ALTER TABLE meetings ADD COLUMN minutes TEXT;
ALTER TABLE meetings ADD COLUMN cancellation_reason TEXT;
