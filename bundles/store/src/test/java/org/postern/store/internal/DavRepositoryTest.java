package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.DavConflictException;
import org.postern.core.store.DavLimitException;
import org.postern.core.store.DavLock;
import org.postern.core.store.DavProperty;
import org.postern.core.store.DavRepository;
import org.postern.core.store.DavResourceRecord;
import org.postern.core.store.DavUidConflictException;
import org.postern.core.store.DuplicateKeyException;

/** The DAV tables on each database: trees, bodies, dead properties, and one account per query. */
abstract class DavRepositoryTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

    @TempDir
    Path dataDir;

    private TestDatabase testDb;
    private Database db;
    private JdbcAccountRepository accounts;
    private JdbcDavRepository dav;

    abstract TestDatabase.Engine engine();

    @BeforeEach
    void open() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        accounts = new JdbcAccountRepository(db);
        new JdbcDomainRepository(db).insertServiceDomain("example.net");
        dav = new JdbcDavRepository(db);
        Instant now = Instant.parse("2026-12-03T10:00:00Z");
        accounts.insert(new AccountRecord(ALICE, MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE, "$argon2id$x",
                now, LocalDate.of(2031, 1, 1)));
        accounts.insert(new AccountRecord(BOB, MailAddress.parse("bob@example.net"), AccountStatus.ACTIVE, "$argon2id$x",
                now, LocalDate.of(2031, 1, 1)));
    }

    @AfterEach
    void close() {
        if (testDb == null) {
            return;
        }
        try {
            db.close();
        } finally {
            testDb.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTimeRangeReadsOnlyTheMembersWhoseSpanMayOverlapItAndThoseWithoutOne() {
        DavResourceRecord cal = dav.createCollection(ALICE, dav.home(ALICE, "calendars").id(), "work", "calendar", "VEVENT");
        dav.put(ALICE, cal.id(), "monday.ics", "text/calendar", bytes("m"), "m", new DavRepository.TimeSpan(100L, 200L));
        dav.put(ALICE, cal.id(), "weekly.ics", "text/calendar", bytes("w"), "w", new DavRepository.TimeSpan(150L, null));
        dav.put(ALICE, cal.id(), "old.ics", "text/calendar", bytes("o"), "o", new DavRepository.TimeSpan(null, 50L));
        dav.put(ALICE, cal.id(), "unknown.ics", "text/calendar", bytes("u"), "u");
        dav.createCollection(ALICE, cal.id(), "sub");
        assertEquals(List.of("monday.ics", "unknown.ics"), dav.memberNamesOverlapping(ALICE, cal.id(), 120, 140));
        assertEquals(List.of("monday.ics", "unknown.ics", "weekly.ics"), dav.memberNamesOverlapping(ALICE, cal.id(), 190, 1000));
        assertEquals(List.of("old.ics", "unknown.ics"), dav.memberNamesOverlapping(ALICE, cal.id(), 0, 100),
                "touching ends do not overlap: the writer widens its spans");
        assertEquals(List.of("monday.ics", "old.ics", "unknown.ics", "weekly.ics"),
                dav.memberNamesOverlapping(ALICE, cal.id(), Long.MIN_VALUE, Long.MAX_VALUE));
        // A new body replaces the span; a body written without one is a candidate for every range again.
        dav.put(ALICE, cal.id(), "monday.ics", "text/calendar", bytes("m2"), "m", new DavRepository.TimeSpan(5000L, 6000L));
        assertEquals(List.of("unknown.ics"), dav.memberNamesOverlapping(ALICE, cal.id(), 120, 140));
        dav.put(ALICE, cal.id(), "monday.ics", "text/calendar", bytes("m3"), "m");
        assertEquals(List.of("monday.ics", "unknown.ics"), dav.memberNamesOverlapping(ALICE, cal.id(), 120, 140));
        assertEquals(List.of(), dav.memberNamesOverlapping(BOB, cal.id(), Long.MIN_VALUE, Long.MAX_VALUE), "Alice's, not Bob's");
    }

    @Test
    void principalIdsAreRandomStableAndPerAccount() {
        String a = dav.principalId(ALICE);
        assertEquals(a, dav.principalId(ALICE));
        assertNotEquals(a, dav.principalId(BOB));
        assertTrue(a.matches("[0-9a-f]{32}"));
        assertNotEquals(ALICE, a);
    }

    @Test
    void aBodyComesBackByteForByteAndAReplacementChangesTheEtag() {
        DavResourceRecord home = dav.home(ALICE, "files");
        assertEquals(home.id(), dav.home(ALICE, "files").id(), "one home, created once");
        byte[] binary = new byte[200_000];
        new Random(7).nextBytes(binary);
        DavRepository.Written first = dav.put(ALICE, home.id(), "photo.bin", "application/octet-stream", binary);
        assertTrue(first.created());
        assertArrayEquals(binary, dav.body(ALICE, first.resource().id()).orElseThrow());
        DavRepository.Written second = dav.put(ALICE, home.id(), "photo.bin", "text/plain", bytes("now text"));
        assertFalse(second.created());
        assertEquals(first.resource().id(), second.resource().id());
        assertNotEquals(first.resource().etag(), second.resource().etag());
        assertEquals("text/plain", dav.child(ALICE, home.id(), "photo.bin").orElseThrow().contentType());
        assertEquals("now text", new String(dav.body(ALICE, second.resource().id()).orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(8, dav.child(ALICE, home.id(), "photo.bin").orElseThrow().length());
    }

    @Test
    void aWalkReadsAPathSegmentBySegmentAndStopsWhereItEnds() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord a = dav.createCollection(ALICE, home.id(), "a");
        DavResourceRecord doc = dav.put(ALICE, a.id(), "doc.txt", "text/plain", bytes("the body")).resource();
        DavRepository.Walk full = dav.walk(ALICE, DavRepository.NO_PARENT, List.of("files", "a", "doc.txt"), true);
        assertEquals(List.of(home.id(), a.id(), doc.id()), full.resources().stream().map(DavResourceRecord::id).toList());
        assertArrayEquals(bytes("the body"), full.body());
        assertNull(dav.walk(ALICE, DavRepository.NO_PARENT, List.of("files", "a", "doc.txt"), false).body(), "not asked for");
        assertNull(dav.walk(ALICE, DavRepository.NO_PARENT, List.of("files", "a"), true).body(), "a collection has none");
        assertEquals(2, dav.walk(ALICE, DavRepository.NO_PARENT, List.of("files", "a", "missing.txt"), true).resources().size());
        DavRepository.Walk below = dav.walk(ALICE, DavRepository.NO_PARENT, List.of("files", "a", "doc.txt", "below"), true);
        assertEquals(3, below.resources().size(), "nothing is below a file");
        assertNull(below.body(), "the body of what the path does not end with");
        assertEquals(1, dav.walk(ALICE, DavRepository.NO_PARENT, List.of("files", "a ", "doc.txt"), false).resources().size(),
                "names compare exactly, trailing spaces included");
        assertTrue(dav.walk(BOB, DavRepository.NO_PARENT, List.of("files", "a"), true).resources().isEmpty(), "another account's tree");
        assertTrue(dav.walk(BOB, a.id(), List.of("doc.txt"), true).resources().isEmpty(), "another account's ids");
    }

    @Test
    void aConditionalWriteSeesTheETagInsideItsTransactionAndWritesNothingWhenItFails() {
        DavResourceRecord home = dav.home(ALICE, "files");
        List<String> seen = new java.util.ArrayList<>();
        assertThrows(org.postern.core.store.DavPreconditionException.class, () -> dav.put(ALICE, home.id(), "n.txt", "text/plain",
                bytes("x"), null, DavRepository.TimeSpan.UNKNOWN, etag -> {
                    seen.add(String.valueOf(etag));
                    return etag != null; // If-Match: *
                }));
        assertEquals(List.of("null"), seen, "no member: no ETag");
        assertTrue(dav.child(ALICE, home.id(), "n.txt").isEmpty(), "nothing written");
        DavResourceRecord first = dav.put(ALICE, home.id(), "n.txt", "text/plain", bytes("one"), null, DavRepository.TimeSpan.UNKNOWN,
                etag -> etag == null).resource(); // If-None-Match: *
        assertThrows(org.postern.core.store.DavPreconditionException.class, () -> dav.put(ALICE, home.id(), "n.txt", "text/plain",
                bytes("lost update"), null, DavRepository.TimeSpan.UNKNOWN, etag -> "an old etag".equals(etag)));
        assertArrayEquals(bytes("one"), dav.body(ALICE, first.id()).orElseThrow());
        dav.put(ALICE, home.id(), "n.txt", "text/plain", bytes("two"), null, DavRepository.TimeSpan.UNKNOWN, first.etag()::equals);
        assertArrayEquals(bytes("two"), dav.body(ALICE, first.id()).orElseThrow());
        assertThrows(org.postern.core.store.DavPreconditionException.class, () -> dav.delete(ALICE, first.id(), first.etag()::equals),
                "the ETag of the first version no longer matches");
        assertTrue(dav.body(ALICE, first.id()).isPresent());
        String now = dav.child(ALICE, home.id(), "n.txt").orElseThrow().etag();
        assertTrue(dav.delete(ALICE, first.id(), now::equals));
        assertTrue(dav.child(ALICE, home.id(), "n.txt").isEmpty());
    }

    @Test
    void anotherAccountsIdsReachNothing() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord doc = dav.put(ALICE, home.id(), "secret.txt", "text/plain", bytes("alice only")).resource();
        dav.patchProperties(ALICE, doc.id(), List.of(new DavRepository.Change("urn:x", "p", "<p xmlns=\"urn:x\">v</p>")));
        assertTrue(dav.body(BOB, doc.id()).isEmpty());
        assertTrue(dav.children(BOB, home.id()).isEmpty());
        assertTrue(dav.child(BOB, home.id(), "secret.txt").isEmpty());
        assertTrue(dav.properties(BOB, doc.id()).isEmpty());
        assertFalse(dav.patchProperties(BOB, doc.id(), List.of(new DavRepository.Change("urn:x", "p", null))));
        assertFalse(dav.delete(BOB, doc.id()));
        assertEquals(1, dav.properties(ALICE, doc.id()).size());
        assertTrue(dav.body(ALICE, doc.id()).isPresent());
    }

    @Test
    void collectionsCopyDeepAndMoveKeepingTheirIds() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord a = dav.createCollection(ALICE, home.id(), "a");
        DavResourceRecord b = dav.createCollection(ALICE, a.id(), "b");
        DavResourceRecord f = dav.put(ALICE, b.id(), "f.txt", "text/plain", bytes("deep")).resource();
        dav.patchProperties(ALICE, f.id(), List.of(new DavRepository.Change("urn:x", "color", "<color xmlns=\"urn:x\">red</color>")));
        assertThrows(DuplicateKeyException.class, () -> dav.createCollection(ALICE, home.id(), "a"));
        assertThrows(DuplicateKeyException.class, () -> dav.put(ALICE, home.id(), "a", "text/plain", bytes("x")));

        DavResourceRecord copy = dav.copy(ALICE, a.id(), home.id(), "a2", true, null);
        assertNotEquals(a.id(), copy.id());
        DavResourceRecord b2 = dav.child(ALICE, copy.id(), "b").orElseThrow();
        DavResourceRecord f2 = dav.child(ALICE, b2.id(), "f.txt").orElseThrow();
        assertNotEquals(f.id(), f2.id());
        assertEquals("deep", new String(dav.body(ALICE, f2.id()).orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(List.of(new DavProperty("urn:x", "color", "<color xmlns=\"urn:x\">red</color>")), dav.properties(ALICE, f2.id()));

        DavResourceRecord shallow = dav.copy(ALICE, a.id(), home.id(), "a3", false, null);
        assertTrue(dav.children(ALICE, shallow.id()).isEmpty(), "Depth 0 copies the collection alone");

        DavResourceRecord moved = dav.move(ALICE, a.id(), home.id(), "a2", copy.id());
        assertEquals(a.id(), moved.id());
        assertEquals(f.id(), dav.child(ALICE, dav.child(ALICE, moved.id(), "b").orElseThrow().id(), "f.txt").orElseThrow().id());
        assertTrue(dav.body(ALICE, f2.id()).isEmpty(), "the replaced tree is gone");
        assertTrue(dav.child(ALICE, home.id(), "a").isEmpty());

        assertTrue(dav.delete(ALICE, moved.id()));
        assertTrue(dav.body(ALICE, f.id()).isEmpty());
        assertTrue(dav.properties(ALICE, f.id()).isEmpty());
        assertEquals(List.of("a3"), dav.children(ALICE, home.id()).stream().map(DavResourceRecord::name).toList());
    }

    @Test
    void propertiesAreSetReplacedAndRemovedInOrder() {
        DavResourceRecord home = dav.home(ALICE, "files");
        String long32k = "<p xmlns=\"urn:x\">" + "é".repeat(DavRepository.MAX_PROPERTY_XML - 40) + "</p>";
        assertTrue(dav.patchProperties(ALICE, home.id(), List.of(
                new DavRepository.Change("urn:x", "p", "<p xmlns=\"urn:x\">1</p>"),
                new DavRepository.Change("urn:x", "p", "<p xmlns=\"urn:x\">2</p>"),
                new DavRepository.Change("urn:y", "q", long32k),
                new DavRepository.Change("urn:y", "gone", null))));
        assertEquals(List.of(new DavProperty("urn:x", "p", "<p xmlns=\"urn:x\">2</p>"), new DavProperty("urn:y", "q", long32k)),
                dav.properties(ALICE, home.id()));
        dav.patchProperties(ALICE, home.id(), List.of(new DavRepository.Change("urn:x", "p", null)));
        assertEquals(1, dav.properties(ALICE, home.id()).size());
    }

    @Test
    void removingTheAccountDeletesItsDavDataAndRefusesNewData() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord doc = dav.put(ALICE, home.id(), "a.txt", "text/plain", bytes("x")).resource();
        String principal = dav.principalId(ALICE);
        assertTrue(accounts.markRemoved(ALICE));
        assertTrue(dav.body(ALICE, doc.id()).isEmpty());
        assertTrue(dav.child(ALICE, DavRepository.NO_PARENT, "files").isEmpty());
        assertThrows(AccountGoneException.class, () -> dav.principalId(ALICE));
        assertThrows(AccountGoneException.class, () -> dav.home(ALICE, "files"));
        assertEquals(0, db.query("SELECT COUNT(*) FROM dav_principal WHERE principal_id = ?", ps -> ps.setString(1, principal),
                rs -> rs.getInt(1)).get(0));
        assertTrue(dav.home(BOB, "files").collection(), "others are untouched");
    }

    private static DavLock lock(String token, String path, boolean exclusive, boolean infinity, long expires) {
        return new DavLock(token, ALICE, path, "/dav/" + path, exclusive, infinity, null, 60, expires);
    }

    @Test
    void locksConflictByScopeAndDepthAndExpire() {
        dav.principalId(ALICE);
        long now = 1_000_000L;
        assertTrue(dav.lock(lock("t1", "files/p/a", true, true, now + 60_000), now).isEmpty());
        assertEquals("t1", dav.lock(lock("t2", "files/p/a/b", false, false, now + 60_000), now).orElseThrow().token(),
                "an exclusive Depth: infinity lock covers the members");
        assertEquals("t1", dav.lock(lock("t3", "files/p", false, true, now + 60_000), now).orElseThrow().token(),
                "an infinite lock on the parent would cover the locked member");
        assertTrue(dav.lock(lock("t4", "files/p", false, false, now + 60_000), now).isEmpty(), "Depth 0 on the parent is fine");
        assertTrue(dav.lock(lock("t5", "files/p/ab", true, false, now + 60_000), now).isEmpty(), "a sibling whose name only starts alike");
        assertTrue(dav.lock(lock("s1", "files/p/c", false, false, now + 60_000), now).isEmpty());
        assertTrue(dav.lock(lock("s2", "files/p/c", false, false, now + 60_000), now).isEmpty(), "shared locks share");
        assertEquals(5, dav.locks(ALICE, now).size());
        assertTrue(dav.locks(BOB, now).isEmpty());
        assertTrue(dav.locks(ALICE, now + 60_000).isEmpty(), "expired locks are not locks");
        assertTrue(dav.lock(lock("t6", "files/p/a/b", true, false, now + 120_000), now + 60_001).isEmpty(), "expired locks conflict with nothing");
        assertTrue(dav.refreshLock(ALICE, "t6", 600, now + 600_000, now + 60_002));
        assertFalse(dav.refreshLock(BOB, "t6", 600, now + 600_000, now + 60_002));
        assertFalse(dav.unlock(BOB, "t6"));
        dav.unlockAtOrUnder(ALICE, "files/p/a");
        assertEquals(List.of(), dav.locks(ALICE, now + 60_003).stream().map(DavLock::token).toList());
        assertTrue(dav.lock(lock("t7", "files/p/x", true, false, now + 120_000), now).isEmpty());
        assertTrue(dav.unlock(ALICE, "t7"));
        assertTrue(dav.locks(ALICE, now).stream().noneMatch(l -> l.token().equals("t7")));
    }

    @Test
    void theTreeIsCheckedInsideTheWriteTransaction() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord a = dav.createCollection(ALICE, home.id(), "a");
        DavResourceRecord b = dav.createCollection(ALICE, a.id(), "b");
        assertThrows(DavConflictException.class, () -> dav.move(ALICE, a.id(), b.id(), "a", null), "a cycle");
        assertThrows(DavConflictException.class, () -> dav.copy(ALICE, a.id(), b.id(), "a", true, null), "an endless copy");
        DavResourceRecord x = dav.put(ALICE, b.id(), "x", "text/plain", bytes("x")).resource();
        assertThrows(DavConflictException.class, () -> dav.move(ALICE, x.id(), home.id(), "a", a.id()),
                "overwriting an ancestor of the source");
        assertTrue(dav.delete(ALICE, b.id()));
        assertThrows(DavConflictException.class, () -> dav.put(ALICE, b.id(), "late.txt", "text/plain", bytes("x")),
                "a PUT into a collection deleted meanwhile");
        assertThrows(DavConflictException.class, () -> dav.createCollection(ALICE, b.id(), "late"));
        assertThrows(DavConflictException.class, () -> dav.move(ALICE, x.id(), home.id(), "x", null), "the source is gone");
        assertEquals(List.of("a"), dav.children(ALICE, home.id()).stream().map(DavResourceRecord::name).toList());
    }

    @Test
    void aNameMatchesOnlyItselfEvenWhereTheDatabasePadsWithSpaces() {
        DavResourceRecord home = dav.home(ALICE, "files");
        dav.put(ALICE, home.id(), "a", "text/plain", bytes("x"));
        assertTrue(dav.child(ALICE, home.id(), "a ").isEmpty());
        assertTrue(dav.child(ALICE, home.id(), "a").isPresent());
    }

    @Test
    void aResourceKeepsABoundedNumberOfDeadProperties() {
        DavResourceRecord home = dav.home(ALICE, "files");
        List<DavRepository.Change> many = new java.util.ArrayList<>();
        for (int i = 0; i <= DavRepository.MAX_PROPERTIES; i++) {
            many.add(new DavRepository.Change("urn:x", "p" + i, "<p" + i + " xmlns=\"urn:x\"/>"));
        }
        assertThrows(DavLimitException.class, () -> dav.patchProperties(ALICE, home.id(), many));
        assertTrue(dav.properties(ALICE, home.id()).isEmpty(), "all or nothing");
        assertTrue(dav.patchProperties(ALICE, home.id(), many.subList(0, DavRepository.MAX_PROPERTIES)));
    }

    private static List<String> names(DavRepository.Changes ch) {
        return ch.members().stream().map(m -> (m.resource() == null ? "-" : "+") + m.name()).toList();
    }

    @Test
    void syncReportsWhatChangedSinceAToken() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord cal = dav.createCollection(ALICE, home.id(), "cal");
        long empty = dav.syncToken(ALICE, cal.id());
        dav.put(ALICE, cal.id(), "a.ics", "text/calendar", bytes("a"));
        dav.put(ALICE, cal.id(), "b.ics", "text/calendar", bytes("b"));
        DavRepository.Changes initial = dav.changes(ALICE, cal.id(), 0, 100);
        assertEquals(List.of("+a.ics", "+b.ics"), names(initial));
        assertFalse(initial.truncated());
        long t1 = initial.token();
        assertEquals(t1, dav.syncToken(ALICE, cal.id()));
        assertTrue(t1 > empty);
        assertTrue(dav.changes(ALICE, cal.id(), t1, 100).members().isEmpty(), "nothing since");

        dav.put(ALICE, cal.id(), "a.ics", "text/calendar", bytes("a2"));
        DavResourceRecord b = dav.child(ALICE, cal.id(), "b.ics").orElseThrow();
        dav.delete(ALICE, b.id());
        dav.put(ALICE, cal.id(), "c.ics", "text/calendar", bytes("c"));
        dav.put(ALICE, home.id(), "elsewhere.txt", "text/plain", bytes("x"));
        DavRepository.Changes since = dav.changes(ALICE, cal.id(), t1, 100);
        assertEquals(List.of("+a.ics", "-b.ics", "+c.ics"), names(since));
        assertEquals(dav.syncToken(ALICE, cal.id()), since.token());
        assertTrue(dav.syncToken(ALICE, cal.id()) < dav.syncToken(ALICE, home.id()), "a write elsewhere is not this one's change");

        dav.put(ALICE, cal.id(), "b.ics", "text/calendar", bytes("back"));
        assertEquals(List.of("+a.ics", "+c.ics", "+b.ics"), names(dav.changes(ALICE, cal.id(), t1, 100)), "a name that came back");
        DavResourceRecord c = dav.child(ALICE, cal.id(), "c.ics").orElseThrow();
        dav.move(ALICE, c.id(), home.id(), "moved.ics", null);
        long beforeProps = dav.syncToken(ALICE, cal.id());
        dav.patchProperties(ALICE, dav.child(ALICE, cal.id(), "a.ics").orElseThrow().id(),
                List.of(new DavRepository.Change("urn:x", "p", "<p xmlns=\"urn:x\"/>")));
        assertEquals(List.of("+a.ics"), names(dav.changes(ALICE, cal.id(), beforeProps, 100)), "properties are a change too");
        assertTrue(names(dav.changes(ALICE, cal.id(), t1, 100)).contains("-c.ics"), "moved away");
        assertTrue(dav.changes(BOB, cal.id(), 0, 100).members().isEmpty(), "another account sees nothing");
    }

    @Test
    void aLimitTruncatesWithAContinuationAndNeverSplitsOneWrite() {
        DavResourceRecord home = dav.home(ALICE, "files");
        DavResourceRecord col = dav.createCollection(ALICE, home.id(), "col");
        for (int i = 0; i < 7; i++) {
            dav.put(ALICE, col.id(), "m" + i, "text/plain", bytes("x"));
        }
        List<String> seen = new java.util.ArrayList<>();
        long token = 0;
        int pages = 0;
        DavRepository.Changes page;
        do {
            page = dav.changes(ALICE, col.id(), token, 3);
            seen.addAll(names(page));
            token = page.token();
            pages++;
        } while (page.truncated());
        assertEquals(3, pages);
        assertEquals(List.of("+m0", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6"), seen);
        assertEquals(dav.syncToken(ALICE, col.id()), token);
        // one write (a deep copy) that puts many members into one collection at once: one seq
        DavResourceRecord src = dav.createCollection(ALICE, home.id(), "src");
        for (int i = 0; i < 4; i++) {
            dav.put(ALICE, src.id(), "s" + i, "text/plain", bytes("x"));
        }
        long before = dav.syncToken(ALICE, home.id());
        dav.copy(ALICE, src.id(), home.id(), "dst", true, null);
        DavResourceRecord dst = dav.child(ALICE, home.id(), "dst").orElseThrow();
        DavRepository.Changes all = dav.changes(ALICE, dst.id(), 0, 2);
        assertEquals(4, all.members().size(), "the group is returned whole rather than split");
        assertTrue(dav.syncToken(ALICE, home.id()) > before);
    }

    @Test
    void aCalendarKeepsEachUidOnceAndAMultigetReadsBodiesInOneGo() {
        DavResourceRecord home = dav.home(ALICE, "calendars");
        DavResourceRecord cal = dav.createCollection(ALICE, home.id(), "default", DavResourceRecord.CALENDAR, "VEVENT");
        assertTrue(dav.child(ALICE, home.id(), "default").orElseThrow().isCalendar());
        assertEquals("VEVENT", dav.child(ALICE, home.id(), "default").orElseThrow().components());
        dav.put(ALICE, cal.id(), "a.ics", "text/calendar", bytes("A"), "uid-1");
        dav.put(ALICE, cal.id(), "a.ics", "text/calendar", bytes("A2"), "uid-1");
        DavUidConflictException e = assertThrows(DavUidConflictException.class,
                () -> dav.put(ALICE, cal.id(), "b.ics", "text/calendar", bytes("B"), "uid-1"));
        assertEquals("a.ics", e.existingName());
        assertTrue(dav.child(ALICE, cal.id(), "b.ics").isEmpty());
        dav.put(ALICE, cal.id(), "b.ics", "text/calendar", bytes("B"), "uid-2");
        assertEquals("uid-2", dav.child(ALICE, cal.id(), "b.ics").orElseThrow().uid());
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            names.add("missing" + i);
        }
        names.add("b.ics");
        names.add("a.ics");
        names.add("a.ics");
        var got = dav.membersWithBodies(ALICE, cal.id(), names);
        assertEquals(2, got.size());
        java.util.Map<String, String> bodies = new java.util.HashMap<>();
        got.forEach(en -> bodies.put(en.getKey().name(), new String(en.getValue(), StandardCharsets.UTF_8)));
        assertEquals(java.util.Map.of("a.ics", "A2", "b.ics", "B"), bodies);
        assertTrue(dav.membersWithBodies(BOB, cal.id(), names).isEmpty());
    }

    @Test
    void aMoveOrCopyBetweenCalendarsKeepsEachUidOnceThere() {
        DavResourceRecord home = dav.home(ALICE, "calendars");
        DavResourceRecord work = dav.createCollection(ALICE, home.id(), "work", DavResourceRecord.CALENDAR, "VEVENT");
        DavResourceRecord play = dav.createCollection(ALICE, home.id(), "play", DavResourceRecord.CALENDAR, "VEVENT");
        DavResourceRecord a = dav.put(ALICE, work.id(), "a.ics", "text/calendar", bytes("A"), "uid-1").resource();
        DavResourceRecord other = dav.put(ALICE, play.id(), "other.ics", "text/calendar", bytes("O"), "uid-1").resource();
        assertEquals("other.ics", assertThrows(DavUidConflictException.class,
                () -> dav.move(ALICE, a.id(), play.id(), "a.ics", null)).existingName());
        assertEquals("other.ics", assertThrows(DavUidConflictException.class,
                () -> dav.copy(ALICE, a.id(), play.id(), "a.ics", false, null)).existingName());
        assertEquals("a.ics", assertThrows(DavUidConflictException.class,
                () -> dav.copy(ALICE, a.id(), work.id(), "a-copy.ics", false, null)).existingName(), "a copy beside itself");
        assertTrue(dav.child(ALICE, play.id(), "a.ics").isEmpty(), "nothing moved");
        // replacing the member that has the UID is no conflict: it goes
        DavResourceRecord moved = dav.move(ALICE, a.id(), play.id(), "other.ics", other.id());
        assertEquals(a.id(), moved.id(), "a move keeps the resource");
        assertEquals("A", new String(dav.body(ALICE, moved.id()).orElseThrow(), StandardCharsets.UTF_8));
        dav.move(ALICE, moved.id(), play.id(), "renamed.ics", null);
        assertEquals(List.of("renamed.ics"), dav.children(ALICE, play.id()).stream().map(DavResourceRecord::name).toList());
    }
}
