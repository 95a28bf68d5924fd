package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.api.smtp.PolicyResult;
import org.postern.api.smtp.SmtpPolicy;
import org.postern.api.smtp.SmtpTransaction;

/** Protocol edge cases, driven byte for byte over a raw socket. */
class SmtpProtocolTest extends SmtpTestSupport {
    private static final String BODY = "Subject: hi\r\n\r\nhello\r\n";

    @Test
    void greetingAndEhloAdvertiseExactlyWhatIsImplemented() throws IOException {
        try (RawClient c = new RawClient(port)) {
            assertEquals("220 " + HOSTNAME + " ESMTP Postern", c.reply());
            c.send("EHLO client.example.org\r\n");
            assertEquals(List.of("250-" + HOSTNAME, "250-PIPELINING", "250-SIZE 1048576", "250-8BITMIME",
                    "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-STARTTLS", "250 SMTPUTF8"), c.replyLines());
            assertEquals("250 " + HOSTNAME, c.command("HELO client.example.org"));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
            assertEquals("502 5.5.1 Command not implemented", c.command("EXPN staff"));
            assertEquals("500 5.5.2 Command not recognized", c.command("FROB"));
            assertEquals("221 2.0.0 Bye", c.command("QUIT"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void happyPathDeliversOneBlobPerRecipientWithItsOwnReceivedHeader() throws IOException {
        server.resolver = address -> java.util.concurrent.CompletableFuture.completedFuture(java.util.Optional.of("mail.sender.example"));
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example> BODY=8BITMIME SIZE=100"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<Alice@Example.NET>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<bob@example.net>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
            String reply = c.command("Subject: hi\r\n\r\n..leading dot\r\n.");
            assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as [0-9A-F]{16}"), reply);
            String id = reply.substring(reply.lastIndexOf(' ') + 1);
            assertEquals(2, mailboxes.delivered.size());
            IncomingMessage m = mailboxes.delivered.get(0);
            assertEquals("acc-alice", m.accountId());
            assertEquals(MailAddress.parse("alice@example.net"), m.recipient());
            assertEquals("sender@origin.example", m.envelopeSender());
            assertEquals("127.0.0.1", m.sendingServer().ip());
            assertEquals("client.example.org", m.sendingServer().ehloName());
            assertEquals("mail.sender.example", m.sendingServer().confirmedName());
            String stored = blobs.read(m.body());
            assertEquals(stored.length(), m.size());
            Pattern received = Pattern.compile("Received: from client\\.example\\.org \\(mail\\.sender\\.example "
                    + "\\[127\\.0\\.0\\.1\\]\\)\r\n\tby " + Pattern.quote(HOSTNAME) + " \\(Postern\\) with ESMTP id "
                    + id + "\r\n\tfor <alice@example\\.net>; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\r\n"
                    + "Subject: hi\r\n\r\n\\.leading dot\r\n");
            assertTrue(received.matcher(stored).matches(), stored);
            String bobs = blobs.read(mailboxes.delivered.get(1).body());
            assertTrue(bobs.contains("\tfor <bob@example.net>;") && !bobs.contains("alice"), bobs);
            assertEquals(List.of(List.of("mail.sender.example", "client.example.org")),
                    recipients.serverNamesSeen.subList(0, 1));
        }
    }

    @Test
    void commandLineOverTheLimitIsRefusedAndTheSessionGoesOn() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("500 5.5.6 Line too long", c.command("NOOP " + "x".repeat(5000)));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
            // 1000 octets including CRLF is still fine
            assertEquals("250 2.0.0 Ok", c.command("NOOP " + "y".repeat(1000 - 5 - 2)));
            assertEquals("500 5.5.6 Line too long", c.command("NOOP " + "y".repeat(1000 - 5 - 1)));
        }
    }

    @Test
    void messageLineOverTheLimitIsRefusedAfterTheEndOfData() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            c.command("RCPT TO:<alice@example.net>");
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
            c.send("Subject: long\r\n\r\n" + "z".repeat(50_000) + "\r\nmore\r\n.\r\n");
            assertEquals("554 5.6.0 Message refused: line longer than 1000 octets", c.reply());
            assertEquals(0, mailboxes.delivered.size());
            assertEquals(0, blobs.count());
            assertEquals("250 2.0.0 Ok", c.command("RSET"));
        }
    }

    @Test
    void bareLfInACommandIsRefused() throws IOException {
        try (RawClient c = ehlo()) {
            c.send("NOOP\n");
            assertEquals("500 5.5.2 Syntax error: bare LF; lines must end with CRLF (RFC 5321 section 2.3.8)",
                    c.reply());
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
        }
    }

    @Test
    void bareLfInDataRefusesTheMessageAndCannotEndDataEarly() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            // SMTP smuggling attempt: "\n.\n" and "\r\n.\n" must not end DATA
            c.send("Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@x.example>\r\n.\n");
            c.send("RCPT TO:<bob@example.net>\r\n.\r\n");
            assertEquals("554 5.6.0 Message refused: bare LF; lines must end with CRLF (RFC 5321 section 2.3.8)",
                    c.reply());
            assertEquals(0, mailboxes.delivered.size());
            assertEquals("503 5.5.1 Error: need MAIL command", c.command("RCPT TO:<bob@example.net>"));
        }
    }

    @Test
    void nulInACommandIsRefused() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("501 5.5.4 Syntax error: NUL character in command", c.command("MAIL FROM:<a\0b@x.example>"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<ab@x.example>"));
        }
    }

    @Test
    void commandsOutOfOrderGet503() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.reply();
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", c.command("MAIL FROM:<s@origin.example>"));
            assertEquals("503 5.5.1 Error: need MAIL command", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("503 5.5.1 Error: need MAIL command", c.command("DATA"));
            c.command("EHLO client.example.org");
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<>"));
            assertEquals("503 5.5.1 Error: nested MAIL command", c.command("MAIL FROM:<>"));
        }
    }

    @Test
    void dataWithoutAcceptedRecipientGets503() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown",
                    c.command("RCPT TO:<nobody@example.net>"));
            assertEquals("503 5.5.1 Error: need RCPT command", c.command("DATA"));
        }
    }

    @Test
    void syntaxErrorsGet501AndUnknownParameters555() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("501 5.5.4 Syntax: MAIL FROM:<address>", c.command("MAIL FROM:someone@x.example"));
            assertEquals("501 5.5.4 Bad SIZE parameter", c.command("MAIL FROM:<a@x.example> SIZE=big"));
            assertEquals("501 5.5.4 Unsupported BODY type", c.command("MAIL FROM:<a@x.example> BODY=BINARYMIME"));
            assertEquals("555 5.5.4 Unsupported option: AUTH", c.command("MAIL FROM:<a@x.example> AUTH=<>"));
            assertEquals("501 5.5.4 Syntax: EHLO hostname", c.command("EHLO"));
            c.command("EHLO client.example.org");
            c.command("MAIL FROM:<a@x.example> SMTPUTF8");
            assertEquals("501 5.1.3 Bad recipient address syntax", c.command("RCPT TO:<not an address>"));
        }
    }

    @Test
    void declaredSizeOverTheLimitGets552() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("552 5.3.4 Message size exceeds fixed maximum message size",
                    c.command("MAIL FROM:<s@origin.example> SIZE=1048577"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@origin.example> SIZE=1048576"));
        }
    }

    @Test
    void actualSizeOverTheLimitIsReadToTheEndThenRefusedWith552() throws IOException {
        maxMessageSize = 2048;
        restart();
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
            for (int i = 0; i < 200; i++) {
                big.append("line ").append(i).append(" of a message that is far too big\r\n");
            }
            c.send(big + ".\r\n");
            assertEquals("552 5.3.4 Message size exceeds fixed maximum message size", c.reply());
            assertEquals(0, mailboxes.delivered.size());
            assertEquals(0, blobs.count());
            assertEquals("250 2.0.0 Ok", c.command("NOOP"), "the session goes on");
        }
    }

    @Test
    void tooManyRecipientsGet452() throws IOException {
        maxRecipients = 3;
        restart();
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<bob@example.net>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<carol@example.net>"));
            assertEquals("452 4.5.3 Too many recipients", c.command("RCPT TO:<dave@example.net>"));
            c.command("DATA");
            assertTrue(c.command(BODY + ".").startsWith("250 2.0.0 Ok: queued as "));
            assertEquals(3, mailboxes.delivered.size());
        }
    }

    /**
     * RFC 2920: the replies to a pipelined group leave together, but a message's outcome does not
     * wait for the commands pipelined behind it. Bob's lookup takes 400 ms: a server writing each
     * reply on its own would send Alice's long before Bob's and the 354 (a read of its own);
     * one holding every reply until its input is drained would hold the 250 for the message
     * until the next transaction's RCPT is answered.
     */
    @Test
    void repliesToAPipelinedGroupLeaveTogetherAndAMessagesOutcomeAtOnce() throws IOException {
        org.postern.api.policy.RecipientPolicy real = server.recipientPolicy;
        server.recipientPolicy = (recipient, sender, names, authenticated) -> {
            if (recipient.startsWith("bob@")) {
                try {
                    Thread.sleep(400);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return real.decide(recipient, sender, names, authenticated);
        };
        try (RawClient c = ehlo()) {
            c.send("MAIL FROM:<s@origin.example>\r\nRCPT TO:<alice@example.net>\r\nRCPT TO:<bob@example.net>\r\n"
                    + "DATA\r\n");
            String received = "";
            String withAlice = null;
            while (!received.endsWith("354 End data with <CR><LF>.<CR><LF>\r\n")) {
                String read = c.readOnce();
                assertTrue(read != null, "closed after " + received);
                received += read;
                if (withAlice == null && received.contains("250 2.1.5 Ok")) {
                    withAlice = read;
                }
            }
            assertEquals("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
                    received);
            assertTrue(withAlice.endsWith("250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"),
                    "Alice's reply left with Bob's and the 354: " + withAlice);

            c.send(BODY + ".\r\nMAIL FROM:<s@origin.example>\r\nRCPT TO:<bob@example.net>\r\n");
            String outcome = c.readOnce();
            assertTrue(outcome.matches("250 2\\.0\\.0 Ok: queued as [0-9A-F]{16}\r\n"),
                    "the 250 for the message left on its own, before the next RCPT was answered: " + outcome);
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("221 2.0.0 Bye", c.command("QUIT"), "a lone command's reply leaves at once");
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws IOException {
        try (RawClient c = ehlo()) {
            c.send("MAIL FROM:<s@origin.example>\r\nRCPT TO:<alice@example.net>\r\nRCPT TO:<nobody@example.net>\r\n"
                    + "RCPT TO:<bob@example.net>\r\nDATA\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.reply());
            c.send(BODY + ".\r\nMAIL FROM:<>\r\nRCPT TO:<carol@example.net>\r\nRSET\r\nNOOP\r\nQUIT\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("250 2.0.0 Ok", c.reply());
            assertEquals("250 2.0.0 Ok", c.reply());
            assertEquals("221 2.0.0 Bye", c.reply());
            assertEquals(2, mailboxes.delivered.size());
        }
    }

    @Test
    void aStalledClientIsTimedOutWhileAnotherIsServed() throws Exception {
        commandTimeout = 1;
        dataTimeout = 2;
        restart();
        try (RawClient stalled = ehlo(); RawClient stalledInData = ehlo()) {
            stalledInData.command("MAIL FROM:<s@origin.example>");
            stalledInData.command("RCPT TO:<alice@example.net>");
            stalledInData.command("DATA");
            stalledInData.send("Subject: half a message\r\n");
            try (RawClient active = ehlo()) {
                // keep talking faster than the timeout while the others stall
                for (int i = 0; i < 3; i++) {
                    assertEquals("250 2.0.0 Ok", active.command("NOOP"));
                    Thread.sleep(500);
                }
                assertEquals("421 4.4.2 " + HOSTNAME + " Error: timeout exceeded", stalled.reply());
                assertTrue(stalled.closedByServer());
                active.command("MAIL FROM:<s@origin.example>");
                active.command("RCPT TO:<bob@example.net>");
                active.command("DATA");
                assertTrue(active.command(BODY + ".").startsWith("250 2.0.0 Ok: queued as "));
            }
            assertEquals("421 4.4.2 " + HOSTNAME + " Error: timeout exceeded", stalledInData.reply());
            assertTrue(stalledInData.closedByServer());
            assertEquals(1, mailboxes.delivered.size(), "the half message was not delivered");
        }
    }

    @Test
    void aBurstFromOneAddressBeyondTheLimitGets421AndServiceContinues() throws Exception {
        maxConnectionsPerIp = 3;
        restart();
        List<RawClient> clients = new ArrayList<>();
        try {
            List<String> greetings = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                RawClient c = new RawClient(port);
                clients.add(c);
            }
            for (RawClient c : clients) {
                greetings.add(c.reply());
            }
            assertEquals(3, greetings.stream().filter(g -> g.startsWith("220 ")).count(), greetings.toString());
            assertEquals(3, greetings.stream().filter("421 4.7.0 Too many connections from your address"::equals)
                    .count(), greetings.toString());
            for (int i = 0; i < clients.size(); i++) {
                if (greetings.get(i).startsWith("421")) {
                    assertTrue(clients.get(i).closedByServer());
                }
            }
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
        // once the server has seen the closes, a new connection is greeted normally
        String greeting = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try (RawClient c = new RawClient(port)) {
                greeting = c.reply();
                if (greeting.startsWith("220 ")) {
                    assertEquals("250 2.0.0 Ok", c.command("NOOP"));
                    break;
                }
            }
            Thread.sleep(100);
        }
        assertEquals("220 " + HOSTNAME + " ESMTP Postern", greeting);
    }

    /**
     * DESIGN §4: an unknown address, a catch-all refusal and a Block List refusal must look the same
     * on the wire, or a sender learns which addresses exist. Which of them applies is the
     * {@link RecipientPolicy}'s business, and {@link RecipientVerdict#userUnknown()} is one value
     * without a reason, so what the SMTP layer can get wrong is how it renders that verdict: the
     * reply (and everything after it in the session) must depend on nothing but the echoed address,
     * not on whether the address belongs to an account, nor on what the session did before.
     *
     * <p>That is what this test can prove, with the fake policy in both states of one address
     * (blocked@ first as an account whose Block List refuses everyone, then as no account at all)
     * and with refusals of addresses the fake would accept (as a catch-all rule or a Block List
     * entry refuses them). That the real policy answers USER_UNKNOWN for all three causes is
     * PolicyIT's; that the whole chain gives byte-identical replies is
     * SmtpIT#deliveriesAndRejectionsFollowTheDesignOnTheWire's.
     */
    @Test
    void everyUserUnknownVerdictIsRenderedTheSameWhateverTheRecipientAndTheSessionBefore() throws IOException {
        Set<String> refusedLikeACatchAllOrBlockList = Set.of("alice@example.net", "bob@example.net");
        List<String> verdicts = new CopyOnWriteArrayList<>();
        server.recipientPolicy = (rcpt, sender, names, auth) -> {
            RecipientVerdict v = recipients.decide(rcpt, sender, names, auth);
            if (refusedLikeACatchAllOrBlockList.contains(rcpt.toLowerCase(Locale.ROOT))) {
                assertEquals(RecipientVerdict.Kind.ACCEPT, v.kind(), "an account the fake would deliver to");
                v = RecipientVerdict.userUnknown();
            }
            verdicts.add(rcpt + " " + v.kind());
            return v;
        };
        String expected = "550 5.1.1 <RCPT>: Recipient address rejected: User unknown\r\n" + "250 2.0.0 Ok\r\n";

        // One address in both states: the same bytes, address included.
        assertTrue(recipients.accounts.containsKey("blocked@example.net"), "blocked@ is an account in the fake");
        byte[] blockedAccount = rcptThenNoop("blocked@example.net", false);
        byte[] blockedAccountAfterAnother = rcptThenNoop("blocked@example.net", true);
        recipients.accounts.remove("blocked@example.net");
        assertArrayEquals(blockedAccount, rcptThenNoop("blocked@example.net", false),
                "an account whose Block List refuses the sender and no account at all");
        assertArrayEquals(blockedAccountAfterAnother, rcptThenNoop("blocked@example.net", true));
        assertEquals(expected, masked("blocked@example.net", blockedAccount));
        assertArrayEquals(blockedAccount, blockedAccountAfterAnother, "an accepted recipient before changes nothing");

        // Every kind of recipient: the same reply but for the address echoed as the client wrote it,
        // one line, the same enhanced code, nothing else pending behind it.
        for (String rcpt : List.of("nobody@example.net", "NoBody@Example.NET", "blocked@example.net",
                "Alice@Example.NET", "bob@example.net", "sales+tag@example.net")) {
            for (boolean afterAnAcceptedRecipient : new boolean[] {false, true}) {
                assertEquals(expected, masked(rcpt, rcptThenNoop(rcpt, afterAnAcceptedRecipient)),
                        rcpt + (afterAnAcceptedRecipient ? " after an accepted recipient" : ""));
            }
        }
        // Each refusal above was the policy's verdict, not a syntax or relay refusal.
        assertTrue(verdicts.stream().filter(v -> !v.startsWith("carol@"))
                .allMatch(v -> v.endsWith(" USER_UNKNOWN")), verdicts::toString);
        assertEquals(2 * 2 + 6 * 2, verdicts.stream().filter(v -> !v.startsWith("carol@")).count(), verdicts::toString);
    }

    /**
     * Exactly the bytes the server answers to {@code RCPT TO:<rcpt>} pipelined with a NOOP, through
     * the NOOP's reply, so an extra line or a different line ending shows; optionally after another
     * recipient (carol, whom the fake accepts) was accepted in the same transaction.
     */
    private byte[] rcptThenNoop(String rcpt, boolean afterAnAcceptedRecipient) throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@origin.example>"));
            if (afterAnAcceptedRecipient) {
                assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<carol@example.net>"));
            }
            c.send("RCPT TO:<" + rcpt + ">\r\nNOOP\r\n");
            byte[] end = "250 2.0.0 Ok\r\n".getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = c.socket().getInputStream();
            while (!endsWith(got.toByteArray(), end)) {
                int b = in.read();
                if (b < 0 || got.size() > 4096) {
                    throw new AssertionError("no NOOP reply after RCPT TO:<" + rcpt + ">: "
                            + got.toString(StandardCharsets.ISO_8859_1));
                }
                got.write(b);
            }
            return got.toByteArray();
        }
    }

    private static boolean endsWith(byte[] bytes, byte[] end) {
        return bytes.length >= end.length
                && Arrays.equals(bytes, bytes.length - end.length, bytes.length, end, 0, end.length);
    }

    /** The transcript with the echoed address, exactly as sent, replaced by {@code RCPT}. */
    private static String masked(String rcpt, byte[] transcript) {
        String s = new String(transcript, StandardCharsets.ISO_8859_1);
        assertTrue(s.contains("<" + rcpt + ">"), () -> "echoes the address as the client wrote it: " + s);
        return s.replace("<" + rcpt + ">", "<RCPT>");
    }

    @Test
    void relayIsDenied() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("554 5.7.1 <someone@elsewhere.example>: Relay access denied",
                    c.command("RCPT TO:<someone@elsewhere.example>"));
        }
    }

    @Test
    void vrfyDisclosesNothing() throws IOException {
        try (RawClient c = ehlo()) {
            String exists = c.command("VRFY alice@example.net");
            assertEquals("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery", exists);
            assertEquals(exists, c.command("VRFY nobody@example.net"));
            assertEquals(exists, c.command("VRFY"));
        }
    }

    @Test
    void aThirdPartyTempfailIsHonouredAndRankingDecidesWhoIsAsked() throws IOException {
        List<String> asked = new ArrayList<>();
        SmtpPolicy greylist = new SmtpPolicy() {
            @Override
            public PolicyResult onRcpt(SmtpTransaction tx, MailAddress recipient) {
                asked.add("greylist " + recipient);
                return recipient.localPart().equals("bob")
                        ? PolicyResult.tempfail(451, "4.7.1", "Greylisted, try again later")
                        : PolicyResult.decline();
            }
        };
        SmtpPolicy lowRanked = new SmtpPolicy() {
            @Override
            public PolicyResult onRcpt(SmtpTransaction tx, MailAddress recipient) {
                asked.add("low " + recipient + " after " + tx.recipients());
                return PolicyResult.decline();
            }
        };
        addPolicy(lowRanked, -10, 2);
        addPolicy(greylist, 100, 1);
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("451 4.7.1 Greylisted, try again later", c.command("RCPT TO:<bob@example.net>"));
            assertEquals("550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown",
                    c.command("RCPT TO:<nobody@example.net>"));
        }
        assertEquals(List.of("greylist alice@example.net", "low alice@example.net after []",
                "greylist bob@example.net"), asked, "own checks first; then by ranking; first non-DECLINE wins");
        server.unbindPolicy(greylist);
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<bob@example.net>"));
        }
    }

    @Test
    void policiesAreAskedAtConnectHeloMailAndData() throws IOException {
        SmtpPolicy strict = new SmtpPolicy() {
            @Override
            public PolicyResult onHelo(SmtpTransaction tx) {
                return tx.heloName().equals("bad.example")
                        ? PolicyResult.reject(550, "5.7.1", "Go away") : PolicyResult.decline();
            }

            @Override
            public PolicyResult onMail(SmtpTransaction tx) {
                return tx.sender().endsWith("@spam.example")
                        ? PolicyResult.reject(553, "5.7.1", "Sender refused") : PolicyResult.decline();
            }

            @Override
            public PolicyResult onData(SmtpTransaction tx) {
                return tx.recipients().size() > 1
                        ? PolicyResult.tempfail(452, "4.7.0", "One at a time") : PolicyResult.accept();
            }
        };
        addPolicy(strict, 0, 1);
        try (RawClient c = new RawClient(port)) {
            c.reply();
            assertEquals("550 5.7.1 Go away", c.command("EHLO bad.example"));
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", c.command("MAIL FROM:<a@b.example>"));
            c.command("EHLO good.example");
            assertEquals("553 5.7.1 Sender refused", c.command("MAIL FROM:<x@spam.example>"));
            c.command("MAIL FROM:<x@fine.example>");
            c.command("RCPT TO:<alice@example.net>");
            c.command("RCPT TO:<bob@example.net>");
            c.command("DATA");
            assertEquals("452 4.7.0 One at a time", c.command(BODY + "."));
            assertEquals(0, mailboxes.delivered.size());
        }
        SmtpPolicy closed = new SmtpPolicy() {
            @Override
            public PolicyResult onConnect(SmtpTransaction tx) {
                return PolicyResult.reject(554, "5.7.1", "No SMTP service here");
            }
        };
        addPolicy(closed, 1000, 2);
        try (RawClient c = new RawClient(port)) {
            assertEquals("554 5.7.1 No SMTP service here", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void missingServicesGive451AndNothingIsAcknowledged() throws IOException {
        server.recipientPolicy = null;
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            assertEquals("451 4.3.0 Temporary local problem, try again later", c.command("RCPT TO:<alice@example.net>"));
            server.recipientPolicy = recipients;
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            server.blobStore = null;
            assertEquals("451 4.3.0 Temporary local problem, try again later", c.command("DATA"));
            server.blobStore = blobs;
            mailboxes.fail = new IllegalStateException("database gone (fake)");
            c.command("DATA");
            assertEquals("451 4.3.0 Temporary local problem, try again later", c.command(BODY + "."));
            assertEquals(0, blobs.count(), "blobs of an unacknowledged message are removed");
            mailboxes.fail = null;
            blobs.fail = true;
            c.command("MAIL FROM:<s@origin.example>");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            assertEquals("451 4.3.0 Temporary local problem, try again later", c.command(BODY + "."));
            blobs.fail = false;
            c.command("MAIL FROM:<s@origin.example>");
            server.recipientPolicy = (r, s, n, a) -> {
                throw new IllegalStateException("boom (fake)");
            };
            assertEquals("451 4.3.0 Temporary local problem, try again later", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"), "the session survives");
        }
        assertEquals(0, mailboxes.delivered.size());
    }

    @Test
    void tooManyErrorsEndTheSessionWith421() throws IOException {
        maxErrors = 3;
        restart();
        try (RawClient c = ehlo()) {
            assertEquals("500 5.5.2 Command not recognized", c.command("ONE"));
            assertEquals("500 5.5.2 Command not recognized", c.command("TWO"));
            c.send("THREE\r\n");
            assertEquals("500 5.5.2 Command not recognized", c.reply());
            assertEquals("421 4.7.0 " + HOSTNAME + " Error: too many errors", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void dotStuffingIsUndoneAndEightBitIsKept() throws IOException {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example> BODY=8BITMIME SMTPUTF8");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            c.sendUtf8("Subject: Grüße\r\n\r\n..\r\n...two\r\n.x\r\n\r\n.\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0 Ok"));
        }
        String stored = blobs.read(mailboxes.delivered.get(0).body());
        assertTrue(stored.endsWith("Subject: Grüße\r\n\r\n.\r\n..two\r\nx\r\n\r\n"), stored);
    }

    @Test
    void starttlsDiscardsPipelinedClearTextAndResetsTheSession() throws Exception {
        try (RawClient c = ehlo()) {
            c.command("MAIL FROM:<s@origin.example>");
            // CVE-2011-0411 style injection: commands pipelined after STARTTLS must be discarded
            c.send("STARTTLS\r\nRCPT TO:<alice@example.net>\r\n");
            assertEquals("220 2.0.0 Ready to start TLS", c.reply());
            SSLContext trustAll = trustAll();
            SSLSocket tls = (SSLSocket) trustAll.getSocketFactory().createSocket(c.socket(), "127.0.0.1", port, true);
            tls.startHandshake();
            c.use(tls);
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", c.command("MAIL FROM:<s@origin.example>"),
                    "state learnt before TLS is forgotten");
            c.send("EHLO client.example.org\r\n");
            List<String> ehlo = c.replyLines();
            assertTrue(ehlo.stream().noneMatch(l -> l.contains("STARTTLS")), ehlo.toString());
            assertEquals("503 5.5.1 Error: TLS already active", c.command("STARTTLS"));
            c.command("MAIL FROM:<s@origin.example>");
            c.command("RCPT TO:<alice@example.net>");
            c.command("DATA");
            assertTrue(c.command(BODY + ".").startsWith("250 2.0.0 Ok"));
        }
        assertEquals(1, mailboxes.delivered.size());
        assertTrue(blobs.read(mailboxes.delivered.get(0).body()).contains(" with ESMTPS id "));
        assertNotEquals(null, server.tls());
    }
}
