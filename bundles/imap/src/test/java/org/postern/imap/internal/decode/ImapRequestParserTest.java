package org.postern.imap.internal.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postern.imap.internal.decode.Events.ascii;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.imap.internal.decode.FetchItem.Body;
import org.postern.imap.internal.decode.FetchItem.Partial;
import org.postern.imap.internal.decode.FetchItem.Section;
import org.postern.imap.internal.decode.FetchItem.Simple;
import org.postern.imap.internal.decode.ImapRequest.ListReturn;
import org.postern.imap.internal.decode.ImapRequest.ListSelect;
import org.postern.imap.internal.decode.ImapRequest.StoreMode;
import org.postern.imap.internal.decode.Rejection.Status;
import org.postern.imap.internal.decode.SearchKey.Text.Field;

/** Commands as real clients send them, framed by the real framer, then parsed. */
class ImapRequestParserTest {
    @TempDir
    Path spoolDir;

    private final ImapRequestParser parser = new ImapRequestParser();

    /** Frames {@code wire} (one request) and parses it. */
    private ImapRequest parse(String wire) throws ImapDecodeException {
        return parse(ascii(wire));
    }

    private ImapRequest parse(byte[] wire) throws ImapDecodeException {
        Events events = new Events();
        ImapFramer framer = new ImapFramer(Limits.defaults(), new TempFileSpool(spoolDir), events);
        framer.feed(wire);
        assertEquals(List.of(), events.rejections, "framing");
        assertEquals(1, events.requests.size(), "one request framed");
        return parser.parse(events.requests.get(0));
    }

    private ImapDecodeException bad(String wire) {
        return assertThrows(ImapDecodeException.class, () -> parse(wire));
    }

    /** Parses one line without the framer (its line limit would refuse the huge ones first). */
    private ImapDecodeException badLine(String line) {
        return assertThrows(ImapDecodeException.class, () -> parser.parse(FramedRequest.ofLine(line)));
    }

    private static <T> T as(Class<T> type, ImapRequest r) {
        return assertInstanceOf(type, r);
    }

    // ---- any state ----

    @Test
    void bareCommandsInAnyCase() throws Exception {
        assertEquals(new ImapRequest.Bare("a1", Command.CAPABILITY), parse("a1 capability\r\n"));
        assertEquals(new ImapRequest.Bare("2", Command.NOOP), parse("2 NOOP\r\n"));
        assertEquals(new ImapRequest.Bare("A3", Command.LOGOUT), parse("A3 Logout\r\n"));
        assertEquals(new ImapRequest.Bare("x", Command.STARTTLS), parse("x STARTTLS\r\n"));
        assertEquals(new ImapRequest.Bare("x", Command.NAMESPACE), parse("x NAMESPACE\r\n"));
        assertEquals(new ImapRequest.Bare("x", Command.IDLE), parse("x IDLE\r\n"));
        assertEquals(new ImapRequest.Bare("x", Command.UNSELECT), parse("x UNSELECT\r\n"));
        assertEquals(new ImapRequest.Bare("x", Command.CHECK), parse("x CHECK\r\n"));
        assertEquals(new ImapRequest.Bare("x", Command.CLOSE), parse("x CLOSE\r\n"));
        assertEquals(new ImapRequest.Expunge("x", false, null), parse("x EXPUNGE\r\n"));
    }

    @Test
    void idFromThunderbirdAndNil() throws Exception {
        ImapRequest.Id id = as(ImapRequest.Id.class, parse("a ID (\"name\" \"Thunderbird\" \"version\" \"115.0\")\r\n"));
        assertEquals(Map.of("name", "Thunderbird", "version", "115.0"), id.fields());
        assertEquals(List.of("name", "version"), List.copyOf(id.fields().keySet()));
        assertTrue(as(ImapRequest.Id.class, parse("a ID NIL\r\n")).fields().isEmpty());
        ImapRequest.Id apple = as(ImapRequest.Id.class,
                parse("3 ID (\"name\" \"Mac OS X Mail\" \"version\" \"16.0 (3774.600.62)\" \"os\" \"Mac OS X\" \"os-version\" \"14.4 (23E214)\" \"vendor\" NIL)\r\n"));
        assertNull(apple.fields().get("vendor"));
        assertTrue(apple.fields().containsKey("vendor"));
        assertEquals("ID field or value too long", bad("a ID (\"" + "n".repeat(31) + "\" \"x\")\r\n").getMessage());
    }

    @Test
    void loginWithQuotedAndLiteralPassword() throws Exception {
        ImapRequest.Login l = as(ImapRequest.Login.class, parse("a001 LOGIN alice@example.net \"p\\\"ss \\\\word\"\r\n"));
        assertEquals("alice@example.net", l.user());
        assertEquals("p\"ss \\word", l.password());
        assertFalse(l.toString().contains("p\"ss"));
        byte[] utf8 = "pässwörd".getBytes(StandardCharsets.UTF_8);
        byte[] wire = concat(ascii("a2 LOGIN {5+}\r\nalice {" + utf8.length + "+}\r\n"), utf8, ascii("\r\n"));
        assertEquals("pässwörd", as(ImapRequest.Login.class, parse(wire)).password());
        assertEquals("Missing arguments", bad("a3 LOGIN alice\r\n").getMessage());
    }

    @Test
    void authenticateWithAndWithoutInitialResponse() throws Exception {
        ImapRequest.Authenticate a = as(ImapRequest.Authenticate.class, parse("a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n"));
        assertEquals("PLAIN", a.mechanism());
        assertArrayEquals("\0alice\0secret".getBytes(StandardCharsets.US_ASCII), a.initialResponse());
        assertNull(as(ImapRequest.Authenticate.class, parse("a authenticate xoauth2\r\n")).initialResponse());
        assertEquals(0, as(ImapRequest.Authenticate.class, parse("a AUTHENTICATE PLAIN =\r\n")).initialResponse().length);
        assertEquals("Invalid base64", bad("a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=\r\n").getMessage());
    }

    @Test
    void saslResponsesAndDone() throws Exception {
        assertTrue(PlainLines.isDone(FramedRequest.ofLine("done")));
        assertFalse(PlainLines.isDone(FramedRequest.ofLine("DONE ")));
        assertTrue(PlainLines.saslResponse(FramedRequest.ofLine("*"), "a").cancelled());
        assertArrayEquals(ascii("hi"), PlainLines.saslResponse(FramedRequest.ofLine("aGk="), "a").data());
        assertEquals(0, PlainLines.saslResponse(FramedRequest.ofLine(""), "a").data().length);
        ImapDecodeException e = assertThrows(ImapDecodeException.class,
                () -> PlainLines.saslResponse(FramedRequest.ofLine("a b"), "a"));
        assertEquals("a BAD Invalid base64 in SASL response\r\n", e.rejection().line());
    }

    @Test
    void enable() throws Exception {
        assertEquals(List.of("CONDSTORE", "UTF8=ACCEPT"),
                as(ImapRequest.Enable.class, parse("e ENABLE condstore UTF8=ACCEPT\r\n")).capabilities());
        assertEquals("Missing arguments", bad("e ENABLE\r\n").getMessage());
    }

    // ---- mailboxes ----

    @Test
    void selectExamineWithCondstore() throws Exception {
        assertEquals(new ImapRequest.Select("a", Command.SELECT, "INBOX", false), parse("a SELECT inbox\r\n"));
        assertEquals(new ImapRequest.Select("a", Command.EXAMINE, "Sent", true), parse("a EXAMINE \"Sent\" (CONDSTORE)\r\n"));
        assertEquals("Unknown SELECT parameter", bad("a SELECT INBOX (QRESYNC (1 2))\r\n").getMessage());
    }

    @Test
    void mailboxNamesAreModifiedUtf7() throws Exception {
        assertEquals("Entwürfe", as(ImapRequest.OnMailbox.class, parse("a DELETE Entw&APw-rfe\r\n")).mailbox());
        assertEquals("Tom & Jerry", as(ImapRequest.Create.class, parse("a CREATE \"Tom &- Jerry\"\r\n")).mailbox());
        assertEquals("inbox/Sub", as(ImapRequest.Create.class, parse("a CREATE inbox/Sub\r\n")).mailbox());
        assertEquals("Unterminated & in mailbox name", bad("a CREATE Entw&APw\r\n").getMessage());
        assertEquals("Modified UTF-7 encodes printable ASCII in mailbox name", bad("a CREATE &AGE-\r\n").getMessage());
        assertEquals("Non-canonical modified UTF-7 in mailbox name", bad("a CREATE &APw-\r\n".replace("APw", "APx")).getMessage());
        assertEquals("Mailbox name is not 7-bit (modified UTF-7 expected)", assertThrows(ImapDecodeException.class,
                () -> parse("a CREATE \"Entwürfe\"\r\n".getBytes(StandardCharsets.UTF_8))).getMessage());
    }

    @Test
    void createWithSpecialUse() throws Exception {
        ImapRequest.Create c = as(ImapRequest.Create.class, parse("a CREATE MyDrafts (USE (\\drafts \\Archive))\r\n"));
        assertEquals(List.of("\\Drafts", "\\Archive"), c.specialUse());
    }

    @Test
    void renameSubscribeUnsubscribeStatus() throws Exception {
        assertEquals(new ImapRequest.Rename("a", "Old", "New/Sub"), parse("a RENAME Old \"New/Sub\"\r\n"));
        assertEquals(new ImapRequest.OnMailbox("a", Command.SUBSCRIBE, "Archive"), parse("a SUBSCRIBE Archive\r\n"));
        assertEquals(new ImapRequest.OnMailbox("a", Command.UNSUBSCRIBE, "Archive"), parse("a UNSUBSCRIBE {7+}\r\nArchive\r\n"));
        ImapRequest.Status s = as(ImapRequest.Status.class,
                parse("a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)\r\n"));
        assertEquals(List.of(StatusItem.values()), s.items());
        assertEquals("Unknown status item", bad("a STATUS INBOX (MESSAGES DELETED-STORAGE)\r\n").getMessage());
        assertEquals("Expected (", bad("a STATUS INBOX MESSAGES\r\n").getMessage());
    }

    @Test
    void listBasicAndExtended() throws Exception {
        ImapRequest.ListMailboxes l = as(ImapRequest.ListMailboxes.class, parse("a LIST \"\" \"*\"\r\n"));
        assertEquals("", l.reference());
        assertEquals(List.of("*"), l.patterns());
        assertFalse(l.extended());
        assertEquals(List.of("INBOX.%"), as(ImapRequest.ListMailboxes.class, parse("a LIST \"\" INBOX.%\r\n")).patterns());

        ImapRequest.ListMailboxes su = as(ImapRequest.ListMailboxes.class,
                parse("3 LIST (SPECIAL-USE) \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))\r\n"));
        assertEquals(Set.of(ListSelect.SPECIAL_USE), su.selection());
        assertEquals(Set.of(ListReturn.STATUS), su.returns());
        assertEquals(List.of(StatusItem.MESSAGES, StatusItem.UNSEEN), su.statusItems());
        assertTrue(su.extended());

        ImapRequest.ListMailboxes ext = as(ImapRequest.ListMailboxes.class,
                parse("b LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" Entw&APw-rfe) RETURN (CHILDREN SPECIAL-USE)\r\n"));
        assertEquals(List.of("%", "Entwürfe"), ext.patterns());
        assertEquals(Set.of(ListReturn.CHILDREN, ListReturn.SPECIAL_USE), ext.returns());
        assertEquals(Set.of(ListSelect.SUBSCRIBED, ListSelect.RECURSIVEMATCH), ext.selection());

        assertEquals("RECURSIVEMATCH needs another selection option",
                bad("c LIST (RECURSIVEMATCH) \"\" *\r\n").getMessage());
        assertEquals("Unknown LIST selection option", bad("c LIST (FOO) \"\" *\r\n").getMessage());
        assertEquals(new ImapRequest.Lsub("d", "", "*"), parse("d LSUB \"\" *\r\n"));
        assertEquals(as(ImapRequest.ListMailboxes.class, parse("e LIST \"\" \"\"\r\n")).patterns(), List.of(""));
    }

    @Test
    void appendFromThunderbirdWithFlagsDateAndNonSyncLiteral() throws Exception {
        String message = "From: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n";
        ImapRequest.Append a = as(ImapRequest.Append.class,
                parse("5 APPEND \"Sent\" (\\Seen) {" + message.length() + "+}\r\n" + message + "\r\n"));
        assertEquals("Sent", a.mailbox());
        assertEquals(List.of("\\Seen"), a.flags());
        assertNull(a.internalDate());
        assertEquals(message, new String(a.message().open().readAllBytes(), StandardCharsets.US_ASCII));

        ImapRequest.Append b = as(ImapRequest.Append.class,
                parse("A003 APPEND saved-messages (\\seen $Forwarded) \" 7-Feb-1994 21:52:25 -0800\" {4}\r\nabcd\r\n"));
        assertEquals(List.of("\\Seen", "$Forwarded"), b.flags());
        assertEquals(OffsetDateTime.of(1994, 2, 7, 21, 52, 25, 0, ZoneOffset.ofHours(-8)), b.internalDate());

        ImapRequest.Append c = as(ImapRequest.Append.class, parse("c APPEND INBOX \"17-Jul-1996 02:44:25 +0200\" {1}\r\nx\r\n"));
        assertEquals(ZoneOffset.ofHours(2), c.internalDate().getOffset());

        assertEquals("APPEND needs the message as a literal", bad("d APPEND INBOX hello\r\n").getMessage());
        assertEquals("Invalid date-time", bad("d APPEND INBOX \"31-Feb-2024 00:00:00 +0000\" {1}\r\nx\r\n").getMessage());
        assertEquals("MULTIAPPEND is not supported", bad("d APPEND INBOX {1}\r\nx {1}\r\ny\r\n").getMessage());
        assertEquals("\\Recent cannot be set", bad("d APPEND INBOX (\\Recent) {1}\r\nx\r\n").getMessage());
    }

    @Test
    void appendBodyInATempFileStaysThere() throws Exception {
        byte[] body = new byte[200_000];
        ImapRequest.Append a = as(ImapRequest.Append.class,
                parse(concat(ascii("a APPEND INBOX {200000+}\r\n"), body, ascii("\r\n"))));
        assertFalse(a.message().inMemory());
        assertEquals(200_000, a.message().size());
        a.message().close();
        assertThrows(IOException.class, () -> a.message().open());
    }

    @Test
    void quotaCommands() throws Exception {
        assertEquals(new ImapRequest.GetQuota("a", ""), parse("a GETQUOTA \"\"\r\n"));
        assertEquals(new ImapRequest.OnMailbox("a", Command.GETQUOTAROOT, "INBOX"), parse("a GETQUOTAROOT INBOX\r\n"));
        ImapRequest.SetQuota s = as(ImapRequest.SetQuota.class, parse("a SETQUOTA \"\" (storage 512 MESSAGE 10000)\r\n"));
        assertEquals(List.of("STORAGE", "MESSAGE"), List.copyOf(s.limits().keySet()));
        assertEquals(512L, s.limits().get("STORAGE"));
        assertTrue(as(ImapRequest.SetQuota.class, parse("a SETQUOTA \"\" ()\r\n")).limits().isEmpty());
    }

    // ---- selected state ----

    @Test
    void fetchAsThunderbirdSendsIt() throws Exception {
        ImapRequest.Fetch f = as(ImapRequest.Fetch.class, parse("A1 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS "
                + "(From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])\r\n"));
        assertTrue(f.uid());
        assertEquals(List.of(new SequenceSet.Range(1, SequenceSet.STAR)), f.set().ranges());
        assertEquals(4, f.items().size());
        assertEquals(List.of(Simple.UID, Simple.RFC822_SIZE, Simple.FLAGS), f.items().subList(0, 3));
        Body body = assertInstanceOf(Body.class, f.items().get(3));
        assertTrue(body.peek());
        assertEquals(Section.Text.HEADER_FIELDS, body.section().text());
        assertEquals(14, body.section().fields().size());
        assertEquals("Reply-To", body.section().fields().get(13));
        assertNull(body.partial());
    }

    @Test
    void fetchMacrosAndSections() throws Exception {
        assertEquals(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE),
                as(ImapRequest.Fetch.class, parse("a FETCH 1 ALL\r\n")).items());
        assertEquals(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE),
                as(ImapRequest.Fetch.class, parse("a FETCH 1 fast\r\n")).items());
        assertEquals(List.of(Simple.UID, Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE, Simple.BODY),
                as(ImapRequest.Fetch.class, parse("a UID FETCH 1 FULL\r\n")).items());

        ImapRequest.Fetch f = as(ImapRequest.Fetch.class, parse("a FETCH 2:4,7 (BODY[] BODY[1.2.MIME] BODY.PEEK[2.TEXT]<0.2048> "
                + "BINARY.PEEK[1.1] BINARY.SIZE[2] BINARY[] RFC822 RFC822.HEADER RFC822.TEXT ENVELOPE BODYSTRUCTURE BODY "
                + "INTERNALDATE MODSEQ BODY[HEADER.FIELDS.NOT (Received)] BODY[3.HEADER] BODY[3])\r\n"));
        List<FetchItem> items = f.items();
        assertEquals(new Body(new Section(List.of(), Section.Text.ALL, List.of()), false, null), items.get(0));
        assertEquals(new Body(new Section(List.of(1, 2), Section.Text.MIME, List.of()), false, null), items.get(1));
        assertEquals(new Body(new Section(List.of(2), Section.Text.TEXT, List.of()), true, new Partial(0, 2048)), items.get(2));
        assertEquals(new FetchItem.Binary(List.of(1, 1), true, null), items.get(3));
        assertEquals(new FetchItem.BinarySize(List.of(2)), items.get(4));
        assertEquals(new FetchItem.Binary(List.of(), false, null), items.get(5));
        assertEquals(Simple.BODY, items.get(11));
        assertEquals(new Body(new Section(List.of(), Section.Text.HEADER_FIELDS_NOT, List.of("Received")), false, null), items.get(14));
        assertEquals(new Body(new Section(List.of(3), Section.Text.HEADER, List.of()), false, null), items.get(15));
        assertEquals(new Body(new Section(List.of(3), Section.Text.ALL, List.of()), false, null), items.get(16));

        ImapRequest.Fetch cs = as(ImapRequest.Fetch.class, parse("a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n"));
        assertEquals(12345L, cs.changedSince());
        assertEquals(List.of(Simple.UID, Simple.FLAGS, Simple.MODSEQ), cs.items());
        ImapRequest.Fetch mutt = as(ImapRequest.Fetch.class,
                parse("a0005 UID FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC "
                        + "MESSAGE-ID REFERENCES CONTENT-TYPE CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST LIST-SUBSCRIBE "
                        + "LIST-UNSUBSCRIBE X-LABEL X-ORIGINAL-TO)])\r\n"));
        assertEquals(5, mutt.items().size());
    }

    @Test
    void fetchErrors() {
        assertEquals("MIME needs a part number", bad("a FETCH 1 BODY[MIME]\r\n").getMessage());
        assertEquals("Number too large", bad("a FETCH 1 BODY[]<4294967296.1>\r\n").getMessage());
        assertEquals("Number must not be zero", bad("a FETCH 1 BODY[]<0.0>\r\n").getMessage());
        assertEquals("Unknown FETCH item", bad("a FETCH 1 (FLAGS EMAILID)\r\n").getMessage());
        assertEquals("ALL cannot be combined with other items", bad("a FETCH 1 (ALL)\r\n").getMessage());
        assertEquals("Invalid section", bad("a FETCH 1 BODY[HEADERS]\r\n").getMessage());
        assertEquals("Expected ]", bad("a FETCH 1 BODY[1.2\r\n").getMessage());
        assertEquals("Expected a space", bad("a FETCH 1 BODY[HEADER.FIELDS]\r\n").getMessage());
        assertEquals("Section part number too large", bad("a FETCH 1 BODY[2147483648]\r\n").getMessage());
        assertEquals("Unknown FETCH modifier", bad("a FETCH 1 FLAGS (VANISHED)\r\n").getMessage());
        assertEquals("Invalid sequence set: 0", bad("a FETCH 0 FLAGS\r\n").getMessage());
        assertEquals("Sequence number too large", bad("a FETCH 4294967296 FLAGS\r\n").getMessage());
        assertEquals("Invalid sequence set", bad("a FETCH 1: FLAGS\r\n").getMessage());
    }

    @Test
    void store() throws Exception {
        ImapRequest.Store s = as(ImapRequest.Store.class, parse("a UID STORE 1:5,9 +FLAGS.SILENT (\\Seen \\deleted)\r\n"));
        assertEquals(StoreMode.ADD, s.mode());
        assertTrue(s.silent());
        assertEquals(List.of("\\Seen", "\\Deleted"), s.flags());
        ImapRequest.Store t = as(ImapRequest.Store.class, parse("a STORE 2 -FLAGS $Junk NonJunk\r\n"));
        assertEquals(StoreMode.REMOVE, t.mode());
        assertEquals(List.of("$Junk", "NonJunk"), t.flags());
        ImapRequest.Store u = as(ImapRequest.Store.class, parse("a STORE 3 (UNCHANGEDSINCE 320162338) FLAGS ()\r\n"));
        assertEquals(320162338L, u.unchangedSince());
        assertEquals(StoreMode.REPLACE, u.mode());
        assertTrue(u.flags().isEmpty());
        assertEquals("Expected FLAGS, +FLAGS or -FLAGS", bad("a STORE 1 +X-GM-LABELS (foo)\r\n").getMessage());
    }

    @Test
    void copyMoveExpunge() throws Exception {
        assertEquals(new ImapRequest.Transfer("a", Command.COPY, false, new SequenceSet(List.of(new SequenceSet.Range(2, 4))), "Archive"),
                parse("a COPY 2:4 Archive\r\n"));
        ImapRequest.Transfer m = as(ImapRequest.Transfer.class, parse("a UID MOVE 10,*:5 \"Deleted Items\"\r\n"));
        assertEquals(Command.MOVE, m.command());
        assertTrue(m.uid());
        SequenceSet.Range r = m.set().ranges().get(1);
        assertEquals(3, r.low(3), "*:5 with largest 3 is 3:5");
        assertEquals(5, r.high(3));
        assertTrue(m.set().contains(4, 3));
        ImapRequest.Expunge e = as(ImapRequest.Expunge.class, parse("a UID EXPUNGE 3000:3002\r\n"));
        assertTrue(e.uid());
        assertEquals("3000:3002", e.uids().toString());
        assertEquals("UID NOOP is not a command", bad("a UID NOOP\r\n").getMessage());
    }

    @Test
    void search() throws Exception {
        ImapRequest.Search s = as(ImapRequest.Search.class, parse(concat(ascii("a UID SEARCH CHARSET utf-8 UNDELETED OR OR FROM \"x\" TO x "
                + "SUBJECT {4+}\r\n"), "\u00e4bc".getBytes(StandardCharsets.UTF_8), ascii(" NOT (SEEN SINCE 1-Feb-2024) UID 1:100 1,3 HEADER Message-ID \"<a@b>\" LARGER 1000 "
                + "MODSEQ \"/flags/\\\\draft\" all 620162338 YOUNGER 3600 KEYWORD $Forwarded BEFORE \"12-Dec-2023\"\r\n"))));
        assertTrue(s.uid());
        assertEquals("UTF-8", s.charset());
        List<SearchKey> k = s.key().keys();
        assertEquals(SearchKey.Simple.UNDELETED, k.get(0));
        SearchKey.Or or = assertInstanceOf(SearchKey.Or.class, k.get(1));
        assertEquals(new SearchKey.Text(Field.SUBJECT, "\u00e4bc"), or.right());
        assertEquals(new SearchKey.Not(new SearchKey.And(List.of(SearchKey.Simple.SEEN,
                new SearchKey.Date(false, SearchKey.Date.Comparison.SINCE, LocalDate.of(2024, 2, 1))))), k.get(2));
        assertEquals(new SearchKey.Sequence(true, new SequenceSet(List.of(new SequenceSet.Range(1, 100)))), k.get(3));
        assertEquals(new SearchKey.Sequence(false, new SequenceSet(List.of(new SequenceSet.Range(1, 1), new SequenceSet.Range(3, 3)))), k.get(4));
        assertEquals(new SearchKey.Header("Message-ID", "<a@b>"), k.get(5));
        assertEquals(new SearchKey.Size(true, 1000), k.get(6));
        assertEquals(new SearchKey.ModSeq("/flags/\\draft", "ALL", 620162338L), k.get(7));
        assertEquals(new SearchKey.Within(false, 3600), k.get(8));
        assertEquals(new SearchKey.Keyword("$Forwarded", true), k.get(9));
        assertEquals(new SearchKey.Date(false, SearchKey.Date.Comparison.BEFORE, LocalDate.of(2023, 12, 12)), k.get(10));

        ImapDecodeException e = bad("a SEARCH CHARSET ISO-8859-1 TEXT x\r\n");
        assertEquals("a NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n", e.rejection().line());
        assertEquals(Status.NO, e.status());
        assertEquals("Unknown search key", bad("a SEARCH X-GM-RAW foo\r\n").getMessage());
        assertEquals("Invalid date", bad("a SEARCH SINCE 32-Jan-2024\r\n").getMessage());
        assertEquals("Invalid month in date", bad("a SEARCH SINCE 1-Foo-2024\r\n").getMessage());
        assertEquals("Missing arguments", bad("a SEARCH\r\n").getMessage());
        assertEquals("Expected )", bad("a SEARCH (SEEN\r\n").getMessage());
    }

    // ---- the bad-input list ----

    @Test
    void garbageGetsTaggedOrUntaggedBad() {
        assertEquals("* BAD Missing or invalid tag\r\n", badLine("(bad NOOP").rejection().line());
        assertEquals("* BAD Missing or invalid tag\r\n", badLine("a+ NOOP").rejection().line());
        assertEquals("a BAD Missing command\r\n", badLine("a").rejection().line());
        assertEquals("a BAD Unknown command\r\n", badLine("a XYZZY").rejection().line());
        assertEquals("a BAD Unexpected characters at end of command\r\n", badLine("a NOOP x").rejection().line());
        assertEquals("a BAD Trailing space\r\n", badLine("a NOOP ").rejection().line());
        assertEquals("a BAD Unexpected characters at end of command\r\n", badLine("a NOOP\r").rejection().line());
        assertEquals("a BAD Unterminated quoted string\r\n", badLine("a LOGIN \"alice").rejection().line());
        assertEquals("a BAD Invalid character in quoted string\r\n", badLine("a LOGIN \"al\0ice\" x").rejection().line());
        assertEquals("a BAD String is not valid UTF-8\r\n",
                assertThrows(ImapDecodeException.class, () -> parser.parse(FramedRequest.of(
                        List.of(ascii("a LOGIN \"\u00e9\" x")), List.of()))).rejection().line());
        assertEquals("Tag too long", badLine("t".repeat(65) + " NOOP").getMessage());
    }

    @Test
    void literalThatIsNotAtTheEndOfALineIsBad() {
        assertEquals("Invalid literal", badLine("a LOGIN {5} x").getMessage());
        assertEquals("Invalid literal", badLine("a LOGIN {5}").getMessage());
        assertEquals("literal8 is not supported", badLine("a APPEND INBOX ~{5}").getMessage());
    }

    @Test
    void sectionTenThousandLevelsDeep() {
        StringBuilder b = new StringBuilder("a FETCH 1 BODY[1");
        for (int i = 2; i <= 10_000; i++) {
            b.append('.').append(i);
        }
        assertEquals("Section too deep", badLine(b + "]").getMessage());
        assertEquals("Section too deep", badLine(b.toString()).getMessage());
    }

    @Test
    void headerFieldsWithAHundredThousandNames() {
        StringBuilder b = new StringBuilder("a FETCH 1 BODY[HEADER.FIELDS (");
        for (int i = 0; i < 100_000; i++) {
            b.append("X-").append(i).append(' ');
        }
        assertEquals("Too many header field names", badLine(b.toString()).getMessage());
        assertEquals("Expected a string", badLine("a FETCH 1 BODY[HEADER.FIELDS (").getMessage());
    }

    @Test
    void searchNestedTooDeeply() {
        assertEquals("Search keys nested too deeply", badLine("a SEARCH " + "NOT ".repeat(100_000) + "SEEN").getMessage());
        assertEquals("Search keys nested too deeply", badLine("a SEARCH " + "(".repeat(100_000)).getMessage());
        assertEquals("Search keys nested too deeply", badLine("a SEARCH " + "OR SEEN ".repeat(100_000) + "SEEN").getMessage());
        assertEquals("Too many search keys", badLine("a SEARCH" + " SEEN".repeat(100_000)).getMessage());
        // 63 levels are fine
        String ok = "a SEARCH " + "NOT ".repeat(ImapRequestParser.MAX_NESTING - 1) + "SEEN";
        assertTrue(assertDoesNotThrow(ok) instanceof ImapRequest.Search);
    }

    @Test
    void sequenceSetWithAMillionRanges() {
        StringBuilder b = new StringBuilder("a UID FETCH 1");
        for (int i = 1; i < 1_000_000; i++) {
            b.append(',').append(i * 2 + 1);
        }
        assertEquals("Too many ranges in sequence set", badLine(b + " FLAGS").getMessage());
        StringBuilder ok = new StringBuilder("a UID FETCH 1");
        for (int i = 1; i < ImapRequestParser.MAX_RANGES; i++) {
            ok.append(',').append(i * 2 + 1);
        }
        ImapRequest.Fetch f = (ImapRequest.Fetch) assertDoesNotThrow(ok + " FLAGS");
        assertEquals(ImapRequestParser.MAX_RANGES, f.set().ranges().size());
    }

    @Test
    void tooManyFlags() {
        StringBuilder b = new StringBuilder("a STORE 1 FLAGS (");
        for (int i = 0; i < 300; i++) {
            b.append(i == 0 ? "" : " ").append("k").append(i);
        }
        assertEquals("Too many flags", badLine(b + ")").getMessage());
    }

    private ImapRequest assertDoesNotThrow(String line) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> parser.parse(FramedRequest.ofLine(line)));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
