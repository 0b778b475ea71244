ALTER TABLE meetings DROP COLUMN cancellation_reason;
ALTER TABLE meetings DROP COLUMN minutes;
DROP TABLE meeting_invitations;
DROP TABLE guest_requests;
