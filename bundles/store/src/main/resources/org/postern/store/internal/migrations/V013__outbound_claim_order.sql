-- Claims read due messages in order without sorting them, and new mail goes before retries.
--
-- V010's index on next_attempt alone could not give the claim's ORDER BY next_attempt, id, so
-- Derby read and sorted every due row on every claim; with 100,000 messages waiting for a dead
-- domain each claim cost seconds of CPU, the queue fell minutes behind its schedule, and a
-- user's mail to a local mailbox waited behind the whole backlog. The claim now asks twice,
-- each an ordered range of an index with FETCH FIRST: first messages never tried (attempts = 0:
-- all new mail, local or remote, in the order it came), then retries by next attempt. Like
-- Postfix's incoming and deferred queues: a backlog of retries never delays new mail.
DROP INDEX outbound_message_due;
CREATE INDEX outbound_message_due ON outbound_message (next_attempt, id);
CREATE INDEX outbound_message_fresh ON outbound_message (attempts, next_attempt, id);
