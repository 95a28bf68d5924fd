package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.IncomingMessage;

/** postmaster@ and abuse@ (RFC 5321 4.5.1, RFC 2142) reach a person at every service domain. */
class RoleAddressTest extends SmtpTestSupport {
    private List<Path> roleFiles() throws IOException {
        Path dir = data.resolve("role-mail");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".eml")).sorted().toList();
        }
    }

    private String send(RawClient c, String... rcpts) throws IOException {
        assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<reporter@isp.example>"));
        for (String r : rcpts) {
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<" + r + ">"), r);
        }
        assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
        return c.command("Subject: your server\r\n\r\nspam from 192.0.2.9\r\n.");
    }

    @Test
    void withoutAPostmasterAccountRoleMailIsKeptOwnerOnlyForTheOperator() throws IOException {
        int before = roleFiles().size();
        try (RawClient c = ehlo()) {
            assertTrue(send(c, "postmaster@example.net", "ABUSE@example.net").startsWith("250 2.0.0 Ok"));
            assertTrue(send(c, "Postmaster").startsWith("250 2.0.0 Ok"), "the bare <postmaster> of RFC 5321 4.5.1");
        }
        List<Path> files = roleFiles();
        assertEquals(before + 3, files.size());
        Path last = files.get(files.size() - 1);
        String text = Files.readString(last);
        assertTrue(text.startsWith("Received: from client.example.org") && text.contains("spam from 192.0.2.9"), text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(last)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(last.getParent())));
        assertEquals(List.of(), mailboxes.delivered, "no account got it");
    }

    @Test
    void withAPostmasterAccountRoleMailGoesToItsInbox() throws IOException {
        postmasterAccount = "carol@example.net";
        restart();
        int files = roleFiles().size();
        try (RawClient c = ehlo()) {
            assertTrue(send(c, "abuse@example.net", "postmaster").startsWith("250 2.0.0 Ok"));
        }
        assertEquals(2, mailboxes.delivered.size());
        for (IncomingMessage m : mailboxes.delivered) {
            assertEquals("acc-carol", m.accountId());
        }
        assertEquals(files, roleFiles().size());
    }

    @Test
    void otherLocalPartsAndOwnedOrForeignDomainsAreNotRoleAddresses() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<reporter@isp.example>"));
            assertEquals("550 5.1.1 <hostmaster@example.net>: Recipient address rejected: User unknown",
                    c.command("RCPT TO:<hostmaster@example.net>"));
            assertEquals("550 5.1.1 <postmaster@owned.example>: Recipient address rejected: User unknown",
                    c.command("RCPT TO:<postmaster@owned.example>"), "an owner's domain: its catch-all decides");
            assertEquals("554 5.7.1 <postmaster@elsewhere.example>: Relay access denied",
                    c.command("RCPT TO:<postmaster@elsewhere.example>"));
        }
    }
}
