package org.postern.pop3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-exact protocol behaviour over raw sockets against the real server. */
class Pop3ProtocolTest extends Pop3TestSupport {
    private static final String FIRST = "Subject: one\r\nFrom: x@example.org\r\n\r\nline 1\r\n.starts with a dot\r\n"
            + "..two dots\r\nline 4\r\n";
    private static final String SECOND = "Subject: two\n\nbare LF body\n.dot\nno final newline";

    private static String plain(String authzid, String user, String password) {
        return Base64.getEncoder().encodeToString((authzid + "\0" + user + "\0" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void capaBeforeAndAfterLogin() throws Exception {
        try (RawClient c = connect()) {
            assertEquals("+OK Capability list follows", c.command("CAPA"));
            assertEquals(List.of("USER", "SASL PLAIN", "STLS", "UIDL", "TOP", "RESP-CODES", "AUTH-RESP-CODE",
                    "PIPELINING").stream().sorted().toList(), c.body().stream().sorted().toList());
            assertEquals("+OK", c.command("USER alice@example.net"));
            assertTrue(c.command("PASS " + ALICE_PASSWORD).startsWith("+OK Logged in, 0 messages"));
            assertEquals("+OK Capability list follows", c.command("CAPA"));
            assertEquals(List.of("AUTH-RESP-CODE", "PIPELINING", "RESP-CODES", "TOP", "UIDL"),
                    c.body().stream().sorted().toList());
        }
    }

    @Test
    void statListUidlRetrAndTop() throws Exception {
        long u1 = store.add(ALICE, FIRST);
        long u2 = store.add(ALICE, SECOND);
        int s1 = FIRST.length();
        int s2 = SECOND.length();
        try (RawClient c = alice()) {
            assertEquals("+OK 2 " + (s1 + s2), c.command("STAT"));
            assertEquals("+OK 2 messages (" + (s1 + s2) + " octets)", c.command("LIST"));
            assertEquals(List.of("1 " + s1, "2 " + s2), c.body());
            assertEquals("+OK 2 " + s2, c.command("LIST 2"));
            assertEquals("+OK Unique-ID listing follows", c.command("UIDL"));
            long v = Fakes.FileStore.UID_VALIDITY;
            assertEquals(List.of("1 " + v + "-" + u1, "2 " + v + "-" + u2), c.body());
            assertEquals("+OK 1 " + v + "-" + u1, c.command("UIDL 1"));

            assertEquals("+OK " + s1 + " octets", c.command("RETR 1"));
            assertEquals("Subject: one\r\nFrom: x@example.org\r\n\r\nline 1\r\n..starts with a dot\r\n"
                    + "...two dots\r\nline 4\r\n.\r\n", new String(c.rawBody(), StandardCharsets.ISO_8859_1));
            assertEquals("+OK " + s2 + " octets", c.command("RETR 2"));
            assertEquals("Subject: two\r\n\r\nbare LF body\r\n..dot\r\nno final newline\r\n.\r\n",
                    new String(c.rawBody(), StandardCharsets.ISO_8859_1), "CRLF, stuffed, and a last line end added");

            assertEquals("+OK Top of message follows", c.command("TOP 1 2"));
            assertEquals(List.of("Subject: one", "From: x@example.org", "", "line 1", "..starts with a dot"), c.body());
            assertEquals("+OK Top of message follows", c.command("TOP 1 0"));
            assertEquals(List.of("Subject: one", "From: x@example.org", ""), c.body());
            assertEquals("+OK Top of message follows", c.command("TOP 2 100"));
            assertEquals(List.of("Subject: two", "", "bare LF body", "..dot", "no final newline"), c.body());
            assertEquals("+OK", c.command("NOOP"));
            assertTrue(c.command("QUIT").startsWith("+OK Bye"));
            assertTrue(c.closedByServer());
        }
        assertEquals(List.of(u1, u2), store.uids(ALICE), "nothing deleted without DELE");
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        store.add(ALICE, FIRST);
        try (RawClient c = connect()) {
            c.send("USER alice@example.net\r\nPASS " + ALICE_PASSWORD + "\r\nSTAT\r\nRETR 1\r\nLIST 1\r\nQUIT\r\n");
            assertEquals("+OK", c.line());
            assertTrue(c.line().startsWith("+OK Logged in"));
            assertEquals("+OK 1 " + FIRST.length(), c.line());
            assertEquals("+OK " + FIRST.length() + " octets", c.line());
            assertEquals(7, c.body().size());
            assertEquals("+OK 1 " + FIRST.length(), c.line());
            assertTrue(c.line().startsWith("+OK Bye"));
        }
    }

    @Test
    void commandsInTheWrongStateUnknownCommandsAndBadArguments() throws Exception {
        store.add(ALICE, FIRST);
        try (RawClient c = connect()) {
            assertEquals("-ERR Not logged in", c.command("STAT"));
            assertEquals("-ERR Not logged in", c.command("RETR 1"));
            assertEquals("-ERR Not logged in", c.command("NOOP"));
            assertEquals("-ERR Unknown command", c.command("FROB"));
            assertEquals("-ERR Unknown command", c.command("APOP alice 0123456789abcdef"));
            assertEquals("-ERR Unknown command", c.command(""));
            assertEquals("-ERR USER first", c.command("PASS x"));
        }
        try (RawClient c = alice()) {
            assertEquals("-ERR Already logged in", c.command("USER bob@example.net"));
            assertEquals("-ERR Already logged in", c.command("STLS"));
            assertEquals("-ERR Already logged in", c.command("AUTH PLAIN"));
            assertEquals("-ERR No such message", c.command("RETR 2"));
            assertEquals("-ERR No such message", c.command("RETR 0"));
            assertEquals("-ERR Invalid message number", c.command("RETR -1"));
            assertEquals("-ERR Invalid message number", c.command("RETR x"));
            assertEquals("-ERR Invalid message number", c.command("LIST 99999999999"));
            assertEquals("-ERR Usage: RETR msg", c.command("RETR"));
            assertEquals("-ERR Invalid number of lines", c.command("TOP 1 -1"));
            assertEquals("+OK 1 " + FIRST.length(), c.command("stat"), "keywords are case-insensitive");
        }
    }

    @Test
    void overlongLinesAndNulAreRefusedAndTheSessionGoesOn() throws Exception {
        try (RawClient c = connect()) {
            assertEquals("-ERR Line too long", c.command("USER " + "x".repeat(5000)));
            assertEquals("-ERR NUL in command", c.command("US\0ER x"));
            assertEquals("+OK", c.command("USER alice@example.net"));
            assertTrue(c.command("PASS " + ALICE_PASSWORD).startsWith("+OK Logged in"));
            assertEquals("-ERR Line too long", c.command("LIST " + "1".repeat(2000)));
            assertEquals("+OK", c.command("NOOP"));
        }
    }

    @Test
    void tooManyErrorsCloseTheConnection() throws Exception {
        try (RawClient c = connect()) {
            for (int i = 1; i < Pop3Session.MAX_ERRORS; i++) {
                assertEquals("-ERR Unknown command", c.command("NOPE"));
            }
            assertEquals("-ERR Unknown command", c.command("NOPE"));
            assertEquals("-ERR Too many errors", c.line());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void everyFailedLoginGetsTheSameReplyAndTheThirdCloses() throws Exception {
        try (RawClient c = connect()) {
            c.command("USER alice@example.net");
            assertEquals(Pop3Session.AUTH_FAILED, c.command("PASS wrong"));
            c.command("USER nobody@example.net");
            assertEquals(Pop3Session.AUTH_FAILED, c.command("PASS " + ALICE_PASSWORD));
            assertEquals(Pop3Session.AUTH_FAILED, c.command("AUTH PLAIN " + plain("bob@example.net",
                    "alice@example.net", ALICE_PASSWORD)), "acting as someone else is refused alike");
            assertTrue(c.closedByServer());
        }
        assertEquals(List.of("alice@example.net", "nobody@example.net"), accounts.asked,
                "a foreign authzid never reaches the authenticator");
    }

    @Test
    void authPlainWithInitialResponseAndWithContinuation() throws Exception {
        store.add(ALICE, FIRST);
        try (RawClient c = connect()) {
            assertTrue(c.command("AUTH PLAIN " + plain("", "alice@example.net", ALICE_PASSWORD))
                    .startsWith("+OK Logged in, 1 messages"));
            assertEquals(org.postern.api.auth.Protocol.POP3, accounts.lastProtocol);
        }
        try (RawClient c = connect()) {
            assertEquals("+ ", c.command("AUTH PLAIN"));
            assertTrue(c.command(plain("alice@example.net", "alice@example.net", ALICE_PASSWORD))
                    .startsWith("+OK Logged in"));
        }
        try (RawClient c = connect()) {
            assertEquals("+ ", c.command("AUTH PLAIN"));
            assertEquals("-ERR Authentication cancelled", c.command("*"));
            assertEquals("+ ", c.command("AUTH plain"));
            assertEquals("-ERR Malformed AUTH PLAIN response: not base64", c.command("!!!"));
            assertEquals("-ERR Malformed AUTH PLAIN response: not [authzid] NUL authcid NUL passwd",
                    c.command("AUTH PLAIN " + Base64.getEncoder().encodeToString("just text".getBytes())));
            assertEquals("-ERR Malformed AUTH PLAIN response: not [authzid] NUL authcid NUL passwd",
                    c.command("AUTH PLAIN ="));
            assertEquals("-ERR Unsupported authentication mechanism", c.command("AUTH CRAM-MD5"));
            assertEquals("+OK", c.command("AUTH"));
            assertEquals(List.of("PLAIN"), c.body());
        }
    }

    @Test
    void temporaryFailuresSayTemp() throws Exception {
        accounts.unavailable = true;
        try (RawClient c = connect()) {
            c.command("USER alice@example.net");
            assertEquals(Pop3Session.TEMP_FAILURE, c.command("PASS " + ALICE_PASSWORD));
            accounts.unavailable = false;
            c.command("USER alice@example.net");
            assertTrue(c.command("PASS " + ALICE_PASSWORD).startsWith("+OK"), "a temporary failure is no failed login");
        }
        server.authenticator = null;
        try (RawClient c = connect()) {
            c.command("USER alice@example.net");
            assertEquals(Pop3Session.TEMP_FAILURE, c.command("PASS " + ALICE_PASSWORD));
            assertEquals(Pop3Session.TEMP_FAILURE, c.command("AUTH PLAIN " + plain("", "alice@example.net",
                    ALICE_PASSWORD)));
        }
        server.authenticator = accounts;
        server.mailStore = null;
        try (RawClient c = connect()) {
            c.command("USER alice@example.net");
            assertEquals(Pop3Session.TEMP_FAILURE, c.command("PASS " + ALICE_PASSWORD));
        }
        server.mailStore = store;
        store.failing = true;
        try (RawClient c = connect()) {
            c.command("USER alice@example.net");
            assertEquals("-ERR [SYS/TEMP] Maildrop not available, try again later", c.command("PASS " + ALICE_PASSWORD));
        }
        assertTrue(accounts.logins.stream().allMatch(l -> l.closed), "every login not used was closed");
    }

    @Test
    void aSecondSessionOfTheSameAccountFindsTheMaildropInUse() throws Exception {
        try (RawClient first = alice(); RawClient second = connect()) {
            second.command("USER alice@example.net");
            assertEquals(Pop3Session.IN_USE, second.command("PASS " + ALICE_PASSWORD));
            try (RawClient bob = connect()) {
                bob.command("USER bob@example.net");
                assertTrue(bob.command("PASS bobs password").startsWith("+OK"), "other accounts are not held up");
            }
            assertTrue(first.command("QUIT").startsWith("+OK Bye"));
            first.closedByServer();
            eventually(() -> {
                try {
                    second.command("USER alice@example.net");
                    return second.command("PASS " + ALICE_PASSWORD).startsWith("+OK");
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            }, "the lock is released");
        }
    }

    @Test
    void aClientThatReconnectsAtOnceIsNotLockedOutByItsOldSession() throws Exception {
        store.add(ALICE, FIRST);
        for (int i = 0; i < 20; i++) {
            RawClient c = alice(); // asserts +OK Logged in
            if (i % 2 == 0) {
                c.send("QUIT\r\n");
            }
            c.close(); // no waiting for the server to notice
        }
    }

    @Test
    void deleThenQuitDeletesForGood() throws Exception {
        long u1 = store.add(ALICE, FIRST);
        long u2 = store.add(ALICE, SECOND);
        long u3 = store.add(ALICE, "Subject: three\r\n\r\nthree\r\n");
        try (RawClient c = alice()) {
            assertEquals("+OK Message 1 deleted", c.command("DELE 1"));
            assertEquals("-ERR Message 1 already deleted", c.command("DELE 1"));
            assertEquals("-ERR Message 1 already deleted", c.command("RETR 1"));
            assertEquals("+OK Message 3 deleted", c.command("DELE 3"));
            assertEquals("+OK 1 " + SECOND.length(), c.command("STAT"));
            assertEquals("+OK 1 messages (" + SECOND.length() + " octets)", c.command("LIST"));
            assertEquals(List.of("2 " + SECOND.length()), c.body(), "numbers stay; deleted ones are left out");
            assertEquals("+OK Bye, 2 message(s) deleted", c.command("QUIT"));
            assertTrue(c.closedByServer());
        }
        assertEquals(List.of(u2), store.uids(ALICE));
        assertEquals(1, java.nio.file.Files.list(mailDir).count(), "the bodies are gone too");
        try (RawClient c = alice()) {
            assertEquals("+OK 1 " + SECOND.length(), c.command("STAT"));
        }
        assertFalse(store.uids(ALICE).contains(u1) || store.uids(ALICE).contains(u3));
    }

    @Test
    void rsetUndeletes() throws Exception {
        store.add(ALICE, FIRST);
        try (RawClient c = alice()) {
            c.command("DELE 1");
            assertEquals("+OK 1 messages (" + FIRST.length() + " octets)", c.command("RSET"));
            assertEquals("+OK Bye", c.command("QUIT"));
        }
        assertEquals(1, store.uids(ALICE).size());
    }

    @Test
    void aDroppedConnectionDeletesNothingAndLetsGo() throws Exception {
        store.add(ALICE, FIRST);
        store.add(ALICE, SECOND);
        RawClient c = alice();
        assertEquals("+OK Message 1 deleted", c.command("DELE 1"));
        c.close();
        eventually(() -> accounts.logins.get(0).closed, "the login is closed");
        assertEquals(2, store.uids(ALICE).size());
        assertEquals(List.of(), store.deleteCalls);
        try (RawClient again = alice()) {
            assertEquals("+OK 2 " + (FIRST.length() + SECOND.length()), again.command("STAT"));
        }
    }

    @Test
    void aQuitWhoseDeletionFailsSaysSoAndCloses() throws Exception {
        store.add(ALICE, FIRST);
        try (RawClient c = alice()) {
            c.command("DELE 1");
            store.failing = true;
            assertEquals("-ERR [SYS/TEMP] Deleted messages not removed, try again later", c.command("QUIT"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aRevokedLoginEndsTheSessionWithNothingDeleted() throws Exception {
        store.add(ALICE, FIRST);
        try (RawClient c = alice()) {
            c.command("DELE 1");
            Fakes.FakeLogin login = accounts.logins.get(0);
            login.revoke();
            assertTrue(c.closedByServer());
            eventually(() -> login.closed, "the login is closed");
        }
        assertEquals(1, store.uids(ALICE).size());
    }

    @Test
    void plaintextLoginsFromOtherHostsNeedTls() throws Exception {
        server.trustedClient = address -> false; // as if the client were not on loopback
        try (RawClient c = connect()) {
            assertEquals("+OK Capability list follows", c.command("CAPA"));
            List<String> caps = c.body();
            assertTrue(caps.contains("STLS"), caps.toString());
            assertFalse(caps.contains("USER") || caps.contains("SASL PLAIN"), caps.toString());
            assertEquals(Pop3Session.PLAINTEXT_DISALLOWED, c.command("USER alice@example.net"));
            assertEquals(Pop3Session.PLAINTEXT_DISALLOWED, c.command("AUTH PLAIN"));
            assertEquals("+OK Begin TLS negotiation", c.command("STLS"));
            c.startTls();
            assertEquals("+OK Capability list follows", c.command("CAPA"));
            caps = c.body();
            assertTrue(caps.contains("USER") && caps.contains("SASL PLAIN"), caps.toString());
            assertFalse(caps.contains("STLS"), caps.toString());
            assertEquals("-ERR TLS already active", c.command("STLS"));
            assertTrue(c.command("AUTH PLAIN " + plain("", "alice@example.net", ALICE_PASSWORD)).startsWith("+OK"));
        }
        assertTrue(accounts.asked.size() == 1, "no secret was asked about in clear text");
    }

    @Test
    void commandsPipelinedAfterStlsInClearTextAreDiscarded() throws Exception {
        try (RawClient c = connect()) {
            c.send("STLS\r\nUSER alice@example.net\r\n");
            assertEquals("+OK Begin TLS negotiation", c.line());
            c.startTls();
            assertEquals("-ERR USER first", c.command("PASS " + ALICE_PASSWORD), "the clear-text USER was dropped");
        }
    }

    @Test
    void implicitTls() throws Exception {
        store.add(ALICE, FIRST);
        server.trustedClient = address -> false;
        try (RawClient c = RawClient.tls(tlsPort)) {
            assertEquals(Pop3Session.GREETING, c.line());
            assertEquals("+OK Capability list follows", c.command("CAPA"));
            assertFalse(c.body().contains("STLS"));
            assertEquals("+OK", c.command("USER alice@example.net"));
            assertTrue(c.command("PASS " + ALICE_PASSWORD).startsWith("+OK Logged in, 1 messages"));
            assertEquals("+OK " + FIRST.length() + " octets", c.command("RETR 1"));
            assertEquals(7, c.body().size());
        }
    }

    @Test
    void aLargeMessageStreamsWithBackPressure() throws Exception {
        int size = 24 * 1024 * 1024;
        byte[] message = new byte[size];
        byte[] line = "Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(line, 0, message, 0, line.length);
        for (int i = line.length; i < size; i++) {
            message[i] = (byte) ((i % 100) == 98 ? '\r' : (i % 100) == 99 ? '\n' : (i % 100) == 0 ? '.' : 'a');
        }
        store.add(ALICE, message);
        try (RawClient c = alice()) {
            c.socket().setReceiveBufferSize(64 * 1024);
            assertTrue(c.command("RETR 1").startsWith("+OK " + size + " octets"));
            Thread.sleep(1000); // the client reads nothing: the server must stop reading the body
            long readWhileStalled = store.octetsRead.get();
            assertTrue(readWhileStalled < size / 2, "read " + readWhileStalled + " of " + size + " octets while the "
                    + "client read nothing");
            try (RawClient bob = connect()) {
                bob.command("USER bob@example.net");
                assertTrue(bob.command("PASS bobs password").startsWith("+OK"), "others are served meanwhile");
            }
            byte[] got = c.rawBody();
            int stuffed = 0;
            for (int i = line.length; i < size; i++) {
                if ((i % 100) == 0) {
                    stuffed++;
                }
            }
            assertEquals(size + stuffed + 2 + 3, got.length,
                    "every octet, each line's dot doubled, the missing last CRLF, and the final .CRLF");
            assertEquals("+OK", c.command("NOOP"), "the session goes on after the transfer");
        }
    }
}
