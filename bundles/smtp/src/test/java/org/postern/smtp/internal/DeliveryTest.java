package org.postern.smtp.internal;

import org.postern.protocol.smtp.DataFraming;
import org.postern.protocol.smtp.SmtpSyntax;
import org.postern.protocol.smtp.Spool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.address.MailAddress;
import org.postern.core.store.StoreException;
import org.postern.core.store.StoreUnavailableException;

/**
 * What a failed delivery leaves behind. A refused statement: nothing was filed, every body is
 * deleted. The database gone: the one transaction filing every copy may have committed before
 * the connection died, so the bodies stay for the orphan sweep (which checks for references).
 */
class DeliveryTest {
    @TempDir
    Path dir;

    private long bodiesLeftAfter(RuntimeException failure) throws IOException {
        Fakes.Blobs blobs = new Fakes.Blobs(dir.resolve("blobs-" + System.nanoTime()));
        java.nio.file.Files.createDirectories(blobs.dir);
        Fakes.Mailboxes store = new Fakes.Mailboxes();
        store.fail = failure;
        List<SmtpSession.Accepted> to = List.of(
                new SmtpSession.Accepted("alice@example.net", MailAddress.parse("alice@example.net"), "a1", null),
                new SmtpSession.Accepted("bob@example.net", MailAddress.parse("bob@example.net"), "b2", null));
        try (Spool spool = new Spool(dir)) {
            byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            spool.write(body, 0, body.length);
            Delivery.Trace trace = new Delivery.Trace("client.example.org", null, InetAddress.getLoopbackAddress(),
                    "mx.postern.test", "ESMTP");
            assertThrows(RuntimeException.class, () -> Delivery.deliver(blobs, store, to, MessageContent.of(spool), "x@origin.example",
                    trace, "ID1", Instant.now()));
        }
        return blobs.count();
    }

    @Test
    void aRefusedStatementLeavesNoBody() throws IOException {
        assertEquals(0, bodiesLeftAfter(new StoreException("database error: value too long", null)));
    }

    @Test
    void theDatabaseGoneLeavesTheInDoubtBodyOnlyForTheSweep() throws IOException {
        assertEquals(2, bodiesLeftAfter(new StoreUnavailableException("database unreachable", null)),
                "every copy may be referenced by the transaction that may have committed");
    }
}
