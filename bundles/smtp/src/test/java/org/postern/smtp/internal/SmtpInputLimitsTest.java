package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Client-controlled strings are checked at the protocol, with a permanent, protocol-correct
 * refusal, before they reach policy, headers or a database column (issue: a 400-character local
 * part used to pass MAIL FROM and fail every delivery with 451 forever).
 */
class SmtpInputLimitsTest extends SmtpTestSupport {
    private static final String BODY = "Subject: hi\r\n\r\nhello\r\n";

    @Test
    void anOverlongSenderIsRefusedAtMailFromNotAtDelivery() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("501 5.1.7 Sender address too long (RFC 5321: 64 octets local part, 254 in all)",
                    c.command("MAIL FROM:<" + "x".repeat(400) + "@origin.example>"));
            assertEquals("501 5.1.7 Bad sender address syntax",
                    c.command("MAIL FROM:<" + "x".repeat(65) + "@origin.example>"), "local part over 64 octets");
            assertTrue(c.command("MAIL FROM:<" + "x".repeat(64) + "@origin.example>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<alice@example.net>").startsWith("250"));
            assertTrue(c.command("DATA").startsWith("354"));
            assertTrue(c.command(BODY + ".").startsWith("250 2.0.0 Ok"), "the longest legal sender is delivered");
        }
    }

    @Test
    void anOverlongRecipientIsRefusedWithASyntaxError() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("501 5.1.3 Recipient address too long (RFC 5321: 64 octets local part, 254 in all)",
                    c.command("RCPT TO:<" + "y".repeat(300) + "@example.net>"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"x\"@evil.example", "x@", "x@-evil.example", "x@evil..example"})
    void sendersTheBlockListCouldNotMatchAreRefusedAtMailFrom(String sender) throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("501 5.1.7 Bad sender address syntax", c.command("MAIL FROM:<" + sender + ">"));
        }
    }

    @Test
    void anOverlongOrMalformedEhloNameIsRefused() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.reply();
            String longName = ("a".repeat(60) + ".").repeat(5) + "example";
            assertEquals("501 5.5.2 Helo command rejected: invalid host name", c.command("EHLO " + longName));
            assertEquals("501 5.5.2 Helo command rejected: invalid host name", c.command("EHLO bad!name.example"));
            assertEquals("501 5.5.2 Helo command rejected: invalid host name", c.command("HELO [999.1.1.1]"));
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", c.command("MAIL FROM:<s@origin.example>"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"client.example.org", "localhost", "my_host.example.org", "[192.0.2.1]",
        "[IPv6:2001:db8::1]", "b\u00fccher.example"})
    void realWorldEhloNamesAreAccepted(String name) throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.reply();
            c.sendUtf8("HELO " + name + "\r\n");
            assertEquals("250 " + HOSTNAME, c.reply());
        }
    }

    @Test
    void smtputf8SendersAndRecipientsNeedTheParameter() throws IOException {
        try (RawClient c = ehlo()) {
            c.sendUtf8("MAIL FROM:<sp\u00e4m@evil.example>\r\n");
            assertEquals("553 5.6.7 Non-ASCII sender address requires SMTPUTF8", c.reply());
            c.sendUtf8("MAIL FROM:<sp\u00e4m@evil.example> SMTPUTF8\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            c.command("RSET");
            c.command("MAIL FROM:<s@origin.example>");
            c.sendUtf8("RCPT TO:<verk\u00e4ufer@example.net>\r\n");
            assertEquals("553 5.6.7 Non-ASCII recipient address requires SMTPUTF8", c.reply());
        }
    }

    @Test
    void aBareCrOrNulInDataRefusesTheMessage() throws IOException {
        for (String bad : new String[] {"Subject: x\r\n\r\nsmuggled\r.\r\nMAIL FROM:<x@y.example>\r\n",
            "Subject: x\r\n\r\nnul\u0000byte\r\n"}) {
            try (RawClient c = ehlo()) {
                c.command("MAIL FROM:<s@origin.example>");
                c.command("RCPT TO:<alice@example.net>");
                c.command("DATA");
                assertEquals("554 5.6.0 Message refused: bare CR or NUL in a line (RFC 5321 section 2.3.8)",
                        c.command(bad + "."));
                assertEquals("250 2.0.0 Ok", c.command("NOOP"), "the session goes on");
            }
        }
        assertEquals(0, mailboxes.delivered.size());
    }

    @Test
    void underSmtputf8TheHeaderMustBeUtf8ButTheBodyKeepsItsCharset() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example> SMTPUTF8");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            // ISO-8859-1 "Grüße" in a header field: not UTF-8
            assertEquals("554 5.6.7 Message refused: header is not valid UTF-8 (RFC 6532)",
                    c.command("Subject: Gr\u00fc\u00dfe\r\n\r\nbody\r\n."));
            c.command("MAIL FROM:<s@origin.example> SMTPUTF8");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            c.send("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe\r\n.\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0 Ok"), "a Latin-1 body is its MIME part's business");
        }
        assertEquals(1, mailboxes.delivered.size());
    }

    @Test
    void aCommandThatIsNotUtf8IsRefusedNotReadAsReplacementCharacters() throws IOException {
        try (RawClient c = ehlo()) {
            // ISO-8859-1 "ä" (0xE4) alone is not UTF-8
            assertEquals("500 5.5.2 Syntax error: command is not valid UTF-8",
                    c.command("MAIL FROM:<sp\u00e4m@evil.example> SMTPUTF8"));
        }
    }

    @Test
    void anAccountRemovedBetweenRcptAndDataGetsNothingAndTheSenderHearsUserUnknown() throws IOException {
        mailboxes.fail = new org.postern.api.mail.AccountGoneException("acc-alice");
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertTrue(c.command("RCPT TO:<alice@example.net>").startsWith("250"));
            c.command("DATA");
            assertEquals("550 5.1.1 Recipient address rejected: User unknown", c.command(BODY + "."));
        }
        assertEquals(0, mailboxes.delivered.size());
        assertEquals(0, blobs.count(), "no body left behind");
    }
}
