package org.postern.imap.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** IMAP on the wire, over raw sockets, against the real server. */
class ImapProtocolTest extends ImapTestSupport {
    private static final String HELLO = "From: Bob <bob@example.org>\r\nTo: alice@example.net\r\nSubject: hello\r\n"
            + "Date: Wed, 02 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHello Alice.\r\n";

    @Test
    void loginSelectFetchStoreExpungeLogout() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO);
        store.deliver(ALICE, "INBOX", HELLO.replace("hello", "second"));
        try (Raw c = alice()) {
            List<String> sel = c.command("a", "SELECT INBOX");
            assertTrue(sel.contains("* 2 EXISTS"), sel.toString());
            assertTrue(sel.stream().anyMatch(l -> l.startsWith("* OK [UIDVALIDITY ")), sel.toString());
            assertTrue(last(sel).startsWith("a OK [READ-WRITE]"), sel.toString());
            List<String> f = c.command("b", "FETCH 1:* (UID FLAGS RFC822.SIZE)");
            assertEquals("* 1 FETCH (UID 1 FLAGS () RFC822.SIZE " + HELLO.length() + ")", f.get(0));
            assertEquals("b OK FETCH completed", last(f));
            List<String> body = c.command("c", "UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
            assertEquals("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {18}", body.get(0));
            assertEquals("Subject: hello", body.get(1));
            List<String> full = c.command("d", "FETCH 1 BODY[TEXT]");
            assertEquals("* 1 FETCH (BODY[TEXT] {14}", full.get(0));
            assertEquals("Hello Alice.", full.get(1));
            assertTrue(full.contains(" FLAGS (\\Seen))"), "an implicit \\Seen is reported: " + full);
            assertEquals(java.util.Set.of("\\Seen"), store.flags(ALICE, "INBOX", 1));
            List<String> st = c.command("e", "STORE 2 +FLAGS (\\Deleted)");
            assertEquals("* 2 FETCH (FLAGS (\\Deleted))", st.get(0));
            List<String> ex = c.command("f", "EXPUNGE");
            assertEquals("* 2 EXPUNGE", ex.get(0));
            assertEquals(List.of(1L), store.uids(ALICE, "INBOX"));
            List<String> out = c.command("g", "LOGOUT");
            assertEquals("* BYE Logging out", out.get(0));
        }
    }

    @Test
    void listShowsSpecialUseFoldersAndStatus() throws Exception {
        try (Raw c = alice()) {
            List<String> l = c.command("a", "LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT))");
            assertTrue(l.contains("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\""), l.toString());
            assertTrue(l.contains("* LIST (\\HasNoChildren) \"/\" \"INBOX\""), l.toString());
            assertTrue(l.contains("* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1)"), l.toString());
            assertTrue(last(c.command("b", "CREATE \"Projects/Caf&AOk-\"")).startsWith("b OK"));
            List<String> p = c.command("c", "LIST \"\" \"Projects/%\"");
            assertEquals("* LIST (\\HasNoChildren) \"/\" \"Projects/Caf&AOk-\"", p.get(0));
            assertTrue(last(c.command("d", "CREATE INBOX")).startsWith("d NO [ALREADYEXISTS]"));
            assertTrue(last(c.command("e", "STATUS Nope (MESSAGES)")).startsWith("e NO [NONEXISTENT]"));
        }
    }

    @Test
    void idleHearsADeliveryAtOnce() throws Exception {
        store.ensureDefaultFolders(ALICE);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            c.send("b IDLE\r\n");
            assertEquals("+ idling", c.line());
            store.deliver(ALICE, "INBOX", HELLO);
            assertEquals("* 1 EXISTS", c.line());
            c.send("DONE\r\n");
            assertEquals("b OK IDLE terminated", c.line());
        }
    }

    @Test
    void sessionsOfOneFolderShareItAndADeliveryThatWakesThemAllIsReadOnce() throws Exception {
        store.ensureDefaultFolders(ALICE);
        for (int i = 0; i < 3; i++) {
            store.deliver(ALICE, "INBOX", HELLO);
        }
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> reads = new java.util.concurrent.ConcurrentHashMap<>();
        server.mailboxes = (org.postern.api.mail.Mailboxes) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.postern.api.mail.Mailboxes.class}, (proxy, method, args) -> {
                    reads.computeIfAbsent(method.getName(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        List<Raw> sessions = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Raw c = alice();
                sessions.add(c);
                List<String> sel = c.command("a", "SELECT INBOX");
                assertTrue(sel.contains("* 3 EXISTS"), sel.toString());
            }
            assertEquals(1, reads.get("view").get(), "the folder is read for the first SELECT only: " + reads);
            for (Raw c : sessions) {
                c.send("b IDLE\r\n");
                assertEquals("+ idling", c.line());
            }
            store.deliver(ALICE, "INBOX", HELLO.replace("hello", "news"));
            for (Raw c : sessions) {
                assertEquals("* 4 EXISTS", c.line());
            }
            assertEquals(1, reads.get("changes").get(), "five sessions woke, one read: " + reads);
            for (Raw c : sessions) {
                c.send("DONE\r\n");
                assertEquals("b OK IDLE terminated", c.line());
            }
            // One session's STORE and EXPUNGE reach the others, numbered as each knows the folder.
            Raw first = sessions.get(0);
            List<String> stored = first.command("c", "STORE 2 +FLAGS (\\Deleted)");
            assertTrue(last(stored).startsWith("c OK"));
            assertEquals(List.of("* 2 EXPUNGE", "d OK EXPUNGE completed"), first.command("d", "EXPUNGE"));
            Raw second = sessions.get(1);
            List<String> f = second.command("e", "FETCH 2 (FLAGS)");
            assertTrue(f.stream().noneMatch(l -> l.contains("EXPUNGE")) && f.get(0).startsWith("* 2 FETCH ("),
                    "no EXPUNGE during FETCH by number; the message keeps its number: " + f);
            assertEquals(List.of("* 2 EXPUNGE", "f OK NOOP completed"), second.command("f", "NOOP"));
            assertEquals("* 3 FETCH (UID 4 FLAGS ())", second.command("g", "FETCH 3 (UID FLAGS)").get(0));
        } finally {
            for (Raw c : sessions) {
                c.close();
            }
        }
    }

    @Test
    void appendCopyAndMoveReportUids() throws Exception {
        try (Raw c = alice()) {
            c.send("a APPEND Drafts (\\Draft) {" + HELLO.length() + "}\r\n");
            assertEquals("+ Ready for literal data", c.line());
            c.send(HELLO + "\r\n");
            String ok = c.line();
            assertTrue(ok.matches("a OK \\[APPENDUID \\d+ 1\\] APPEND completed"), ok);
            c.command("b", "SELECT Drafts");
            String copy = last(c.command("c", "UID COPY 1 Archive"));
            assertTrue(copy.matches("c OK \\[COPYUID \\d+ 1 1\\] COPY completed"), copy);
            List<String> move = c.command("d", "MOVE 1 Trash");
            assertTrue(move.get(0).matches("\\* OK \\[COPYUID \\d+ 1 1\\] Moved"), move.toString());
            assertEquals("* 1 EXPUNGE", move.get(1));
            assertTrue(store.uids(ALICE, "Drafts").isEmpty());
            assertEquals(List.of(1L), store.uids(ALICE, "Trash"));
            store.quotaLimit = 10;
            c.send("e APPEND INBOX {5+}\r\nhello\r\n");
            assertTrue(c.line().startsWith("e NO [OVERQUOTA]"));
            c.send("f APPEND Nope {5+}\r\nhello\r\n");
            assertTrue(c.line().startsWith("f NO [TRYCREATE]"));
        }
    }

    @Test
    void searchFindsByFlagsHeadersAndText() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO);
        store.deliver(ALICE, "INBOX", HELLO.replace("Subject: hello", "Subject: invoice").replace("Hello Alice", "Pay now"));
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            c.command("b", "STORE 1 +FLAGS (\\Flagged)");
            assertEquals("* SEARCH 1", c.command("c", "SEARCH FLAGGED").get(0));
            assertEquals("* SEARCH 2", c.command("d", "SEARCH SUBJECT INVOICE").get(0));
            assertEquals("* SEARCH 2", c.command("e", "UID SEARCH BODY \"pay NOW\"").get(0));
            assertEquals("* SEARCH 1 2", c.command("f", "SEARCH OR FLAGGED TEXT pay").get(0));
            assertEquals("* SEARCH 1 2", c.command("g", "SEARCH SENTON 2-Dec-2026").get(0));
            assertEquals("* SEARCH", c.command("h", "SEARCH NOT ALL").get(0));
        }
    }

    @Test
    void searchDecodesEncodedWordsInHeaders() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO.replace("Subject: hello", "Subject: =?UTF-8?Q?Caf=C3=A9_cr=C3=A8me?="));
        store.deliver(ALICE, "INBOX", HELLO.replace("From: Bob <bob@example.org>",
                "From: =?ISO-8859-1?B?Sm/rbA==?= <joel@example.org>").replace("Subject: hello", "Subject: =?utf-8?q?caf?="));
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            byte[] cafe = "CAFÉ".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            c.send("b SEARCH CHARSET UTF-8 SUBJECT {" + cafe.length + "+}\r\n");
            c.socket.getOutputStream().write(cafe);
            c.send("\r\n");
            assertEquals("* SEARCH 1", c.until("b").get(0), "the encoded subject matches, case aside; 'caf' alone does not");
            byte[] joel = "joël".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            c.send("c SEARCH CHARSET UTF-8 FROM {" + joel.length + "+}\r\n");
            c.socket.getOutputStream().write(joel);
            c.send("\r\n");
            assertEquals("* SEARCH 2", c.until("c").get(0));
            assertEquals("* SEARCH", c.command("d", "SEARCH HEADER Subject \"creme\"").get(0), "an accent is not ignored");
            assertEquals("* SEARCH 1", c.command("e", "SEARCH TEXT \"_cr\"").get(0), "TEXT still sees the raw header");
        }
    }

    @Test
    void searchReadsBodiesAsTheirReaderSeesThem() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO.replace("Subject: hello", "Subject: menu\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable")
                .replace("Hello Alice", "Un caf=C3=A9 cr=C3=A8me, s'il vous pla=C3=AEt."));
        String pdf = java.util.Base64.getMimeEncoder().encodeToString("needle in a PDF".getBytes(StandardCharsets.US_ASCII));
        String text = java.util.Base64.getMimeEncoder().encodeToString("Grüße, die Rechnung".getBytes(StandardCharsets.ISO_8859_1));
        store.deliver(ALICE, "INBOX", "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: report\r\n"
                + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + text
                + "\r\n--b\r\nContent-Type: application/pdf\r\n"
                + "Content-Disposition: attachment; filename=figures.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + pdf + "\r\n--b--\r\n");
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            byte[] cafe = "CAFÉ crème".getBytes(StandardCharsets.UTF_8);
            c.send("b SEARCH CHARSET UTF-8 BODY {" + cafe.length + "+}\r\n");
            c.socket.getOutputStream().write(cafe);
            c.send("\r\n");
            assertEquals("* SEARCH 1", c.until("b").get(0), "quoted-printable UTF-8, case aside");
            byte[] grusse = "grüße".getBytes(StandardCharsets.UTF_8);
            c.send("c UID SEARCH CHARSET UTF-8 TEXT {" + grusse.length + "+}\r\n");
            c.socket.getOutputStream().write(grusse);
            c.send("\r\n");
            assertEquals("* SEARCH 2", c.until("c").get(0), "base64 Latin-1, searched in UTF-8");
            assertEquals("* SEARCH", c.command("d", "SEARCH BODY needle").get(0), "an attachment is not text");
            assertEquals("* SEARCH", c.command("e", "SEARCH BODY figures.pdf").get(0));
            assertEquals("* SEARCH 2", c.command("f", "SEARCH TEXT figures.pdf").get(0), "TEXT sees part headers");
            assertEquals("* SEARCH", c.command("g", "SEARCH BODY caf=C3=A9").get(0), "not the encoded form");
        }
    }

    @Test
    void plaintextLoginIsRefusedOffLoopbackUntilTls() throws Exception {
        // Loopback may log in in clear text (tests, local clients); other hosts get LOGINDISABLED.
        try (Raw c = connect()) {
            List<String> cap = c.command("a", "CAPABILITY");
            assertTrue(cap.get(0).contains("STARTTLS") && cap.get(0).contains("AUTH=PLAIN"), cap.toString());
            List<String> tls = c.command("b", "STARTTLS");
            assertEquals("b OK Begin TLS negotiation now", last(tls));
        }
    }

    @Test
    void badInputGetsBadAndTheSessionGoesOn() throws Exception {
        try (Raw c = connect()) {
            assertTrue(last(c.command("a", "FETCH 1 FLAGS")).startsWith("a BAD"), "wrong state");
            assertTrue(last(c.command("b", "NOSUCHCOMMAND")).startsWith("b BAD"));
            c.send("c LOGIN {4294967295}\r\n");
            String bomb = c.line();
            assertTrue(bomb.startsWith("c BAD"), "a literal bomb is refused before any allocation: " + bomb);
            assertTrue(last(c.command("d", "NOOP")).startsWith("d OK"));
        }
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            assertTrue(last(c.command("b", "FETCH 1:* BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23"
                    + ".24.25.26.27.28.29.30.31.32.33.34]")).startsWith("b BAD"));
            assertTrue(last(c.command("c", "FETCH 99 FLAGS")).startsWith("c BAD"), "beyond the folder");
            assertTrue(last(c.command("d", "SELECT \"&Jjo-&\"")).startsWith("d BAD"), "invalid modified UTF-7");
            assertTrue(last(c.command("e", "NOOP")).startsWith("e OK"));
        }
    }

    @Test
    void aRevokedLoginEndsTheSession() throws Exception {
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            c.send("b IDLE\r\n");
            assertEquals("+ idling", c.line());
            accounts.logins.get(0).revoke();
            assertEquals("* BYE Login no longer valid", c.line());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String l = "";
            while (l != null && System.nanoTime() < deadline) {
                l = c.line();
            }
            assertEquals(null, l, "closed");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!accounts.logins.get(0).closed && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(accounts.logins.get(0).closed, "the login is closed with the session");
    }

    @Test
    void aWrongPasswordIsRefusedAndThirdTimeClosed() throws Exception {
        try (Raw c = connect()) {
            for (int i = 0; i < 2; i++) {
                assertEquals(i + " NO [AUTHENTICATIONFAILED] Authentication failed",
                        last(c.command(String.valueOf(i), "LOGIN alice@example.net wrong")));
            }
            List<String> third = c.command("2", "LOGIN alice@example.net wrong");
            assertEquals("2 NO [AUTHENTICATIONFAILED] Authentication failed", last(third));
            assertEquals("* BYE Too many failed logins", c.line());
        }
        assertTrue(accounts.logins.isEmpty(), "no login was made");
    }

    @Test
    void eightBitHeadersGoOutAsLiteralsCountedInOctets() throws Exception {
        byte[] utf8 = "Subject: Grüße aus Köln\r\nFrom: a@example.org\r\n\r\nx\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", new String(utf8, java.nio.charset.StandardCharsets.ISO_8859_1));
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            c.send("b FETCH 1 ENVELOPE\r\n");
            String first = c.line();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{(\\d+)\\}$").matcher(first);
            assertTrue(m.find(), first);
            int n = Integer.parseInt(m.group(1));
            char[] literal = new char[n];
            int read = 0;
            while (read < n) {
                read += c.in.read(literal, read, n - read);
            }
            byte[] octets = new String(literal).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            assertEquals("Grüße aus Köln", new String(octets, java.nio.charset.StandardCharsets.UTF_8));
            List<String> rest = c.until("b");
            assertEquals("b OK FETCH completed", last(rest));
        }
    }

    @Test
    void aClientThatStopsReadingA25MegabyteBodyHoldsNoMoreThanAWindowAndOthersAreServed() throws Exception {
        StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
        String line = "x".repeat(998) + "\r\n";
        while (big.length() < 25 * 1024 * 1024) {
            big.append(line);
        }
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", big.toString());
        try (Raw slow = alice()) {
            slow.command("a", "SELECT INBOX");
            slow.send("b FETCH 1 BODY.PEEK[]\r\n");
            Thread.sleep(1000);
            // the slow client reads nothing; another session is served meanwhile
            try (Raw other = alice()) {
                assertTrue(last(other.command("x", "SELECT INBOX")).startsWith("x OK"));
                assertTrue(last(other.command("y", "FETCH 1 (UID RFC822.SIZE)")).startsWith("y OK"));
            }
            // and the slow one still gets every octet once it reads
            String first = slow.line();
            assertTrue(first.endsWith("{" + big.length() + "}"), first);
            long skipped = 0;
            while (skipped < big.length()) {
                long s = slow.in.skip(big.length() - skipped);
                if (s <= 0) {
                    break;
                }
                skipped += s;
            }
            assertEquals(big.length(), skipped);
            assertEquals(")", slow.line());
            assertEquals("b OK FETCH completed", slow.line());
        }
    }

    @Test
    void aPipelinedDoneNeverLetsAnAppendedMessageRunAsACommand() throws Exception {
        store.ensureDefaultFolders(ALICE);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            String draft = "x DELETE Archive\r\n";
            c.send("b IDLE\r\nDONE\r\nc APPEND Drafts {" + draft.length() + "+}\r\n" + draft + "\r\n");
            assertEquals("+ idling", c.line());
            assertEquals("b OK IDLE terminated", c.line());
            String appended = c.line();
            assertTrue(appended.startsWith("c OK [APPENDUID "), appended);
            assertTrue(store.folder(ALICE, "Archive").isPresent(), "the message's text did not run");
        }
    }

    @Test
    void nobodyCanMakeTheServerSpoolAMessageBeforeLoggingIn() throws Exception {
        try (Raw c = connect()) {
            c.send("a APPEND INBOX {5000000}\r\n");
            assertEquals("a NO [TOOBIG] Log in first", c.line());
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(spool)) {
            assertEquals(0, files.filter(java.nio.file.Files::isRegularFile).count(), "nothing spooled");
        }
    }

    @Test
    void aChangeMadeJustBeforeTheSessionsOwnStoreIsStillReported() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            java.util.function.Consumer<String> announce = store.announce;
            store.announce = account -> { };
            store.deliver(ALICE, "INBOX", HELLO.replace("hello", "late"));
            store.announce = announce;
            assertTrue(last(c.command("b", "STORE 1 +FLAGS (\\Flagged)")).startsWith("b OK"));
            server.changed(ImapServer.MAIL, ALICE); // the delivery's announcement, late
            List<String> noop = c.command("c", "NOOP");
            assertTrue(noop.contains("* 2 EXISTS"), noop.toString());
        }
    }

    @Test
    void aMessageExpungedBeforeItsFetchEndsTheFetchWithNoAndNoPartialResponse() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO);
        store.deliver(ALICE, "INBOX", HELLO);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            java.util.function.Consumer<String> announce = store.announce;
            store.announce = account -> { };
            store.storeFlags(ALICE, "INBOX", 0L == 0 ? store.view(ALICE, "INBOX").folder().uidValidity() : 0,
                    List.of(1L), org.postern.api.mail.Mailboxes.FlagUpdate.ADD, java.util.Set.of("\\Deleted"), 0);
            store.expunge(ALICE, "INBOX", store.view(ALICE, "INBOX").folder().uidValidity(), null);
            store.announce = announce;
            List<String> f = c.command("b", "FETCH 1:2 BODY.PEEK[HEADER]");
            assertTrue(f.get(0).startsWith("* 2 FETCH (BODY[HEADER] {"), f.toString());
            assertEquals("b NO Some messages were expunged meanwhile", last(f));
            assertTrue(last(c.command("c", "NOOP")).startsWith("c OK"));
        }
    }

    @Test
    void fetchAndSearchAndListRefuseRequestsBuiltToExhaustTheServer() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", HELLO);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            StringBuilder many = new StringBuilder("FETCH 1 (");
            for (int i = 0; i < 40; i++) {
                many.append(i == 0 ? "" : " ").append("BODY.PEEK[HEADER]<").append(i).append(".300000>");
            }
            assertEquals("b BAD Too many body sections in one FETCH", last(c.command("b", many.append(")").toString())));
            StringBuilder keys = new StringBuilder("SEARCH");
            for (int i = 0; i < 20; i++) {
                keys.append(" BODY x").append(i);
            }
            assertEquals("c BAD Too many header or text keys in one SEARCH", last(c.command("c", keys.toString())));
            assertTrue(last(c.command("d", "CREATE \"" + "a".repeat(200) + "\"")).startsWith("d OK"));
            List<String> l = c.command("e", "LIST \"\" \"*a*a*a*a*a*a*a*a*a*a*a*a*b\"");
            assertEquals("e OK LIST completed", last(l), "a pathological pattern matches nothing, quickly");
        }
    }

    @Test
    void wildcardsMatchAsRfc3501Says() {
        assertTrue(Listing.matches("*", "a/b/c"));
        assertTrue(Listing.matches("%", "abc"));
        assertFalse(Listing.matches("%", "a/b"));
        assertTrue(Listing.matches("a/%", "a/b"));
        assertFalse(Listing.matches("a/%", "a/b/c"));
        assertTrue(Listing.matches("a*c", "a/b/c"));
        assertTrue(Listing.matches("a%c", "abbc"));
        assertFalse(Listing.matches("a%c", "ab/c"));
        assertTrue(Listing.matches("**%%", ""));
        assertFalse(Listing.matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(255)));
    }
}
