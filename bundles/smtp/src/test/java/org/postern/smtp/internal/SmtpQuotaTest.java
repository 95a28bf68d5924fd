package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.Mailboxes.QuotaUsage;
import org.postern.core.store.StoreUnavailableException;

/**
 * Storage quotas at RCPT TO: a full mailbox (used at or above its limit, or the size MAIL FROM
 * declared would take it above) is refused for that recipient with 452 4.2.2, temporarily, so
 * the sender retries and in the end bounces: never a silent drop. The other recipients of the
 * transaction get the message.
 */
class SmtpQuotaTest extends SmtpTestSupport {
    private static final String BODY = "Subject: hi\r\n\r\nhello\r\n";

    @Test
    void aFullMailboxIsRefusedAtRcptAndTheOthersStillGetTheMessage() throws IOException {
        quotas.usage.put("acc-alice", new QuotaUsage(1000, 1000));
        quotas.usage.put("acc-bob", new QuotaUsage(10, 1000));
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("452 4.2.2 Mailbox full", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<bob@example.net>"));
            assertTrue(c.command("DATA").startsWith("354"));
            assertTrue(c.command(BODY + ".").startsWith("250 2.0.0 Ok"));
        }
        assertEquals(1, mailboxes.delivered.size());
        assertEquals("acc-bob", mailboxes.delivered.get(0).accountId());
    }

    @Test
    void theDeclaredSizeCountsAgainstTheRoomLeft() throws IOException {
        quotas.usage.put("acc-alice", new QuotaUsage(900, 1000));
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example> SIZE=101");
            assertEquals("452 4.2.2 Mailbox full", c.command("RCPT TO:<alice@example.net>"));
            c.command("RSET");
            c.command("MAIL FROM:<s@origin.example> SIZE=100");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"), "exactly up to the limit");
            c.command("RSET");
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"),
                    "no SIZE: below the limit is enough, the message may overrun it (a soft limit)");
            c.command("RSET");
            c.command("MAIL FROM:<s@origin.example> SIZE=999999");
            quotas.usage.put("acc-alice", new QuotaUsage(900, 0));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"), "limit 0: unlimited");
        }
    }

    @Test
    void aStoreThatCannotSayIsATemporaryFailureNotAnAcceptance() throws IOException {
        quotas.fail = new StoreUnavailableException("database unreachable", null);
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("451 4.3.0 Temporary local problem, try again later", c.command("RCPT TO:<alice@example.net>"));
        }
    }

    @Test
    void withoutTheMailboxesServiceRcptDoesNotCheck() throws IOException {
        server.mailboxes = null;
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
        }
    }
}
