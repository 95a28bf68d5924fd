package org.postern.mailstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.postern.api.account.Account;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.delivery.DeliveryFilter;
import org.postern.api.delivery.FilterOutcome;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.store.MessageRepository;
import org.postern.core.store.StoreException;

class MailStoreServiceTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

    /** Records appends in memory; refuses removed accounts and, when asked, fails like a broken database. */
    static final class Messages implements MessageRepository {
        final List<String> log = new ArrayList<>();
        final Map<String, List<BlobId>> bodies = new HashMap<>();
        final java.util.Set<String> removed = new java.util.HashSet<>();
        final List<BlobId> recorded = new ArrayList<>();
        /** The parsed structure filed with each append, in order (null: none). */
        final List<byte[]> structures = new ArrayList<>();
        boolean failAppends;

        @Override
        public long append(String accountId, String folder, IncomingMessage m, byte[] structure) {
            if (removed.contains(accountId)) {
                throw new AccountGoneException(accountId);
            }
            if (failAppends) {
                throw new StoreException("database error: disk full", null);
            }
            log.add(accountId + "/" + folder + "/" + m.body());
            structures.add(structure);
            bodies.computeIfAbsent(accountId, k -> new ArrayList<>()).add(m.body());
            return log.size();
        }

        /** All or nothing, as the real store's single transaction. */
        @Override
        public long[] appendAll(List<Filing> filings) {
            if (failAppends) {
                throw new StoreException("database error: disk full", null);
            }
            long[] uids = new long[filings.size()];
            for (int i = 0; i < uids.length; i++) {
                Filing f = filings.get(i);
                uids[i] = removed.contains(f.accountId()) ? -1 : append(f.accountId(), f.folder(), f.message(), f.structure());
            }
            return uids;
        }

        @Override
        public long count(String accountId, String folder) {
            return log.stream().filter(l -> l.startsWith(accountId + "/" + folder + "/")).count();
        }

        @Override
        public java.util.SortedMap<String, Long> folders(String accountId) {
            java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
            log.stream().filter(l -> l.startsWith(accountId + "/")).forEach(l -> out.merge(l.split("/")[1], 1L, Long::sum));
            return out;
        }

        @Override
        public List<BlobId> deleteAllMail(String accountId) {
            log.removeIf(l -> l.startsWith(accountId + "/"));
            List<BlobId> gone = bodies.getOrDefault(accountId, List.of());
            recorded.addAll(gone);
            bodies.remove(accountId);
            return gone;
        }

        @Override
        public void recordForDeletion(java.util.Collection<BlobId> ids, String reason) {
            recorded.addAll(ids);
        }

        /** Folder "INBOX" of an account: UIDVALIDITY 7, the UID is the position in its body list + 1. */
        @Override
        public org.postern.api.mail.FolderSnapshot snapshot(String accountId, String folder) {
            List<BlobId> list = bodies.getOrDefault(accountId, List.of());
            List<org.postern.api.mail.StoredMessage> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) != null) {
                    out.add(new org.postern.api.mail.StoredMessage(i + 1, 24, Instant.EPOCH));
                }
            }
            return new org.postern.api.mail.FolderSnapshot(folder, 7, out);
        }

        @Override
        public Optional<BlobId> body(String accountId, String folder, long uidValidity, long uid) {
            List<BlobId> list = bodies.getOrDefault(accountId, List.of());
            return uidValidity != 7 || uid < 1 || uid > list.size() ? Optional.empty()
                    : Optional.ofNullable(list.get((int) uid - 1));
        }

        @Override
        public List<BlobId> delete(String accountId, String folder, long uidValidity, java.util.Collection<Long> uids) {
            List<BlobId> gone = new ArrayList<>();
            List<BlobId> list = bodies.getOrDefault(accountId, new ArrayList<>());
            for (long uid : uids) {
                Optional<BlobId> b = body(accountId, folder, uidValidity, uid);
                if (b.isPresent()) {
                    list.set((int) uid - 1, null);
                    gone.add(b.get());
                }
            }
            recorded.addAll(gone);
            return gone;
        }
    }

    /** Knows which blobs exist. */
    static final class Blobs implements BlobStore {
        final Map<BlobId, byte[]> stored = new HashMap<>();
        private int next;

        @Override
        public BlobId put(InputStream content) throws IOException {
            BlobId id = BlobId.of(String.format("%032x", ++next));
            stored.put(id, content.readAllBytes());
            return id;
        }

        @Override
        public Optional<InputStream> open(BlobId id) {
            return Optional.ofNullable(stored.get(id)).map(ByteArrayInputStream::new);
        }

        @Override
        public long size(BlobId id) {
            return stored.containsKey(id) ? stored.get(id).length : -1;
        }

        /** Deletes that fail (the disk said no) before deleting works again. */
        int failDeletes;

        @Override
        public boolean delete(BlobId id) throws IOException {
            if (failDeletes > 0) {
                failDeletes--;
                throw new IOException("disk said no");
            }
            return stored.remove(id) != null;
        }
    }

    private final Messages messages = new Messages();
    private final Blobs blobs = new Blobs();
    private final MailStoreService store = new MailStoreService(messages, blobs);

    private IncomingMessage incoming(String accountId) throws IOException {
        BlobId body = blobs.put(new ByteArrayInputStream("Subject: hi\r\n\r\nhello\r\n".getBytes()));
        return new IncomingMessage(accountId, MailAddress.parse("alice@example.net"), "x@example.org", null, body, 24,
                Instant.now());
    }

    private static Map<String, Object> props(int ranking, long id) {
        return Map.of(Constants.SERVICE_RANKING, ranking, Constants.SERVICE_ID, id);
    }

    /** What SCR does when a filter is registered: sets a new list with it added. */
    private void register(DeliveryFilter filter, Map<String, Object> props) {
        List<Map.Entry<Map<String, Object>, DeliveryFilter>> next = new ArrayList<>(store.filters);
        next.add(Map.entry(props, filter));
        store.filters = List.copyOf(next);
    }

    /** What SCR does when a filter goes: sets a new list without it. */
    private void unregister(DeliveryFilter filter) {
        List<Map.Entry<Map<String, Object>, DeliveryFilter>> next = new ArrayList<>(store.filters);
        next.removeIf(t -> t.getValue() == filter);
        store.filters = List.copyOf(next);
    }

    /** A filter that records its name and keeps the message. */
    private static DeliveryFilter named(String name, List<String> calls) {
        return msg -> {
            calls.add(name);
            return FilterOutcome.keep();
        };
    }

    @Test
    void highestRankingFirstThenFirstRegistered() throws Exception {
        List<String> order = new ArrayList<>();
        // Listed as SCR sorts them (ServiceReference.compareTo, ascending); the store reverses that.
        register(named("low", order), props(0, 7));
        register(named("tie-later", order), props(5, 9));
        register(named("tie-earlier", order), props(5, 8));
        register(named("high", order), props(10, 11));
        store.deliver(incoming(ALICE), MailStore.INBOX);
        assertEquals(List.of("high", "tie-earlier", "tie-later", "low"), order);
    }

    @Test
    void aMissingOrNonIntegerRankingCountsAsZero() throws Exception {
        List<String> order = new ArrayList<>();
        register(named("string", order), Map.of(Constants.SERVICE_RANKING, "50", Constants.SERVICE_ID, 3L));
        register(named("none", order), Map.of(Constants.SERVICE_ID, 2L));
        register(named("negative", order), props(-1, 1));
        register(named("one", order), props(1, 4));
        store.deliver(incoming(ALICE), MailStore.INBOX);
        assertEquals(List.of("one", "none", "string", "negative"), order);
    }

    @Test
    void aDeliveryInProgressKeepsTheFiltersItStartedWith() throws Exception {
        List<String> order = new ArrayList<>();
        DeliveryFilter late = named("late", order);
        register(msg -> {
            order.add("first");
            register(late, props(-5, 99)); // a filter comes while this delivery runs
            return FilterOutcome.keep();
        }, props(0, 1));
        store.deliver(incoming(ALICE), MailStore.INBOX);
        assertEquals(List.of("first"), order);
        order.clear();
        unregister(late);
        assertEquals(1, store.filters().size());
    }

    // ---- the parsed structure, filed with the message ----

    static final String MULTIPART = "From: Bob <bob@example.org>\r\nSubject: report\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            + "--b\r\nContent-Type: application/pdf; name=r.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
            + "--b--\r\n";

    private IncomingMessage incoming(String accountId, String text) throws IOException {
        byte[] raw = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        BlobId body = blobs.put(new ByteArrayInputStream(raw));
        return new IncomingMessage(accountId, MailAddress.parse("alice@example.net"), "x@example.org", null, body,
                raw.length, Instant.now());
    }

    private static org.postern.mime.MessageStructure parsed(String text) throws IOException {
        byte[] raw = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return org.postern.mime.MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
    }

    @Test
    void aDeliveryFilesTheStructureOfTheBodyItFiles() throws Exception {
        store.deliver(incoming(ALICE, MULTIPART), MailStore.INBOX);
        byte[] stored = messages.structures.get(0);
        assertNotNull(stored, "parsed at delivery");
        org.postern.mime.MessageStructure s = org.postern.mime.MessageStructure.fromBytes(stored);
        assertEquals(parsed(MULTIPART), s, "what a fresh parse answers");
        assertTrue(s.envelope().contains("\"report\""), s.envelope());
        assertTrue(s.bodyStructure().contains("\"pdf\""), s.bodyStructure());
    }

    @Test
    void aReplacedBodyIsTheOneParsed() throws Exception {
        String encrypted = "Subject: ...\r\nContent-Type: multipart/encrypted; boundary=e; protocol=\"application/pgp-encrypted\""
                + "\r\n\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e--\r\n";
        register(msg -> {
            IncomingMessage replacement = incoming(ALICE, encrypted);
            return FilterOutcome.replace(replacement);
        }, props(0, 1));
        store.deliver(incoming(ALICE, MULTIPART), MailStore.INBOX);
        assertEquals(parsed(encrypted), org.postern.mime.MessageStructure.fromBytes(messages.structures.get(0)));
    }

    @Test
    void aBodyThatCannotBeParsedIsStillDeliveredWithoutAStructure() throws Exception {
        // declared longer than it is: the parser meets the end of the stream early
        BlobId body = blobs.put(new ByteArrayInputStream("Subject: short\r\n\r\nx\r\n".getBytes()));
        store.deliver(new IncomingMessage(ALICE, MailAddress.parse("alice@example.net"), "x@example.org", null, body,
                500, Instant.now()), MailStore.INBOX);
        assertEquals(1, messages.log.size(), "delivered");
        assertNull(messages.structures.get(0), "parsed when first asked for");
    }

    @Test
    void aStructureTooLargeForTheRowIsNotStored() throws Exception {
        StringBuilder b = new StringBuilder("Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        for (int i = 0; i < 300; i++) {
            b.append("--b\r\nContent-Type: text/plain; name=\"").append("n".repeat(100)).append(i).append("\"\r\n\r\nx\r\n");
        }
        b.append("--b--\r\n");
        assertTrue(parsed(b.toString()).toBytes().length > MessageRepository.MAX_STRUCTURE);
        store.deliver(incoming(ALICE, b.toString()), MailStore.INBOX);
        assertEquals(1, messages.log.size(), "delivered");
        assertNull(messages.structures.get(0), "parsed whenever needed, as before structures were stored");
    }

    @Test
    void deliversIntoTheFolderAsked() throws Exception {
        IncomingMessage m = incoming(ALICE);
        assertEquals(1, store.deliver(m, MailStore.INBOX));
        assertEquals(List.of(ALICE + "/INBOX/" + m.body()), messages.log);
    }

    @Test
    void filtersRunInRankingOrderAndTheLastFolderWins() throws Exception {
        List<String> order = new ArrayList<>();
        register(msg -> {
            order.add("low");
            return FilterOutcome.fileInto("Low");
        }, props(1, 10));
        register(msg -> {
            order.add("high");
            return FilterOutcome.fileInto("High");
        }, props(100, 11));
        register(msg -> {
            order.add("default");
            return FilterOutcome.keep();
        }, props(0, 9));
        IncomingMessage m = incoming(ALICE);
        store.deliver(m, MailStore.INBOX);
        assertEquals(List.of("high", "low", "default"), order);
        assertEquals(List.of(ALICE + "/Low/" + m.body()), messages.log);
        assertEquals(java.util.Map.of("Low", 1L), store.folders(ALICE));
    }

    @Test
    void aReplacedBodyIsStoredAndTheOriginalUnlinked() throws Exception {
        IncomingMessage original = incoming(ALICE);
        BlobId encrypted = blobs.put(new ByteArrayInputStream("-----BEGIN PGP MESSAGE-----".getBytes()));
        register(msg -> FilterOutcome.replace(new IncomingMessage(msg.accountId(), msg.recipient(),
                msg.envelopeSender(), msg.sendingServer(), encrypted, 27, msg.received())), props(0, 1));
        store.deliver(original, MailStore.INBOX);
        assertEquals(List.of(ALICE + "/INBOX/" + encrypted), messages.log);
        assertEquals(-1, blobs.size(original.body()), "no plaintext copy left behind");
        assertTrue(blobs.size(encrypted) > 0);
    }

    @Test
    void aFilterCannotHandTheMessageToAnotherAccount() throws Exception {
        IncomingMessage m = incoming(ALICE);
        register(msg -> FilterOutcome.replace(new IncomingMessage("b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
                msg.recipient(), msg.envelopeSender(), null, msg.body(), msg.size(), msg.received())), props(0, 1));
        assertThrows(IllegalStateException.class, () -> store.deliver(m, MailStore.INBOX));
        assertEquals(List.of(), messages.log, "nothing stored");
    }

    @Test
    void aFilterAskingForARetryStoresNothing() throws Exception {
        IncomingMessage m = incoming(ALICE);
        register(msg -> {
            throw new IOException("keyserver down");
        }, props(0, 1));
        assertThrows(UncheckedIOException.class, () -> store.deliver(m, MailStore.INBOX));
        assertEquals(List.of(), messages.log);
        assertTrue(blobs.size(m.body()) > 0, "the body is kept for the retry");
    }

    @Test
    void aRemovedFilterIsNotAskedAgain() throws Exception {
        List<String> calls = new ArrayList<>();
        DeliveryFilter f = msg -> {
            calls.add("called");
            return FilterOutcome.keep();
        };
        register(f, props(0, 1));
        store.deliver(incoming(ALICE), MailStore.INBOX);
        unregister(f);
        store.deliver(incoming(ALICE), MailStore.INBOX);
        assertEquals(1, calls.size());
    }

    @Test
    void removingTheAccountDeletesItsMessagesAndBodies() throws Exception {
        IncomingMessage m1 = incoming(ALICE);
        IncomingMessage m2 = incoming(ALICE);
        store.deliver(m1, MailStore.INBOX);
        store.deliver(m2, "Archive");
        store.removed(new Account(ALICE, MailAddress.parse("alice@example.net"), AccountStatus.REMOVED, Instant.EPOCH, null));
        assertEquals(List.of(), messages.log);
        assertEquals(-1, blobs.size(m1.body()));
        assertEquals(-1, blobs.size(m2.body()));
    }

    // ---- no body left behind ----

    /** A filter that stores a new body, as PGP encryption does, and passes it on. */
    private DeliveryFilter replacing(String text, List<BlobId> made) {
        return msg -> {
            BlobId b = blobs.put(new ByteArrayInputStream(text.getBytes()));
            made.add(b);
            return FilterOutcome.replace(new IncomingMessage(msg.accountId(), msg.recipient(), msg.envelopeSender(),
                    msg.sendingServer(), b, text.length(), msg.received()));
        };
    }

    @Test
    void aReplacementThatIsReplacedAgainIsDeletedToo() throws Exception {
        List<BlobId> made = new ArrayList<>();
        register(replacing("signed", made), props(10, 1));
        register(replacing("encrypted", made), props(0, 2));
        IncomingMessage m = incoming(ALICE);
        store.deliver(m, MailStore.INBOX);
        assertEquals(List.of(ALICE + "/INBOX/" + made.get(1)), messages.log);
        assertEquals(java.util.Set.of(made.get(1)), blobs.stored.keySet(),
                "only the filed body is left: not the original, not the intermediate one");
    }

    @Test
    void aFailedAppendLeavesNoBodyAFilterMade() throws Exception {
        List<BlobId> made = new ArrayList<>();
        register(replacing("encrypted", made), props(0, 1));
        IncomingMessage m = incoming(ALICE);
        messages.failAppends = true;
        assertThrows(StoreException.class, () -> store.deliver(m, MailStore.INBOX));
        assertEquals(List.of(), messages.log);
        assertEquals(-1, blobs.size(made.get(0)), "the replacement is deleted");
        assertEquals(java.util.Set.of(m.body()), blobs.stored.keySet(),
                "only the caller's own body is left, for the caller to retry with or delete");
    }

    // ---- one message, several recipients ----

    private static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

    @Test
    void copiesForSeveralRecipientsAreFiledTogetherAndARemovedAccountGetsNone() throws Exception {
        List<BlobId> made = new ArrayList<>();
        register(replacing("encrypted", made), props(0, 1));
        IncomingMessage forAlice = incoming(ALICE);
        IncomingMessage forBob = incoming(BOB);
        IncomingMessage forCarol = incoming("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
        messages.removed.add("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
        long[] uids = store.deliverAll(List.of(forAlice, forBob, forCarol), MailStore.INBOX);
        assertEquals(-1, uids[2]);
        assertEquals(List.of(ALICE + "/INBOX/" + made.get(0), BOB + "/INBOX/" + made.get(1)), messages.log);
        assertEquals(-1, blobs.size(forAlice.body()), "the replaced originals are gone");
        assertEquals(-1, blobs.size(forBob.body()));
        assertEquals(-1, blobs.size(made.get(2)), "the removed account's encrypted copy is deleted");
        assertTrue(blobs.size(forCarol.body()) > 0, "its own body is left to the caller, as deliver() leaves it");
    }

    @Test
    void whenOneRecipientsFilterAsksForARetryNobodyGetsACopy() throws Exception {
        List<BlobId> made = new ArrayList<>();
        DeliveryFilter encrypt = replacing("encrypted", made);
        register(msg -> {
            if (msg.accountId().equals(BOB)) {
                throw new IOException("bob's keyserver down");
            }
            return encrypt.filter(msg);
        }, props(0, 1));
        IncomingMessage forAlice = incoming(ALICE);
        IncomingMessage forBob = incoming(BOB);
        assertThrows(UncheckedIOException.class, () -> store.deliverAll(List.of(forAlice, forBob), MailStore.INBOX));
        assertEquals(List.of(), messages.log, "alice's copy waits for bob's: the retry duplicates nothing");
        assertEquals(-1, blobs.size(made.get(0)), "alice's encrypted copy is deleted");
        assertTrue(blobs.size(forAlice.body()) > 0 && blobs.size(forBob.body()) > 0, "the caller's bodies stay");
    }

    @Test
    void aFilterHandingTheMessageToAnotherAccountLeavesNoBodyBehind() throws Exception {
        IncomingMessage m = incoming(ALICE);
        List<BlobId> made = new ArrayList<>();
        register(msg -> {
            BlobId b = blobs.put(new ByteArrayInputStream("elsewhere".getBytes()));
            made.add(b);
            return FilterOutcome.replace(new IncomingMessage("b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", msg.recipient(),
                    msg.envelopeSender(), null, b, 9, msg.received()));
        }, props(0, 1));
        assertThrows(IllegalStateException.class, () -> store.deliver(m, MailStore.INBOX));
        assertEquals(-1, blobs.size(made.get(0)));
    }

    @Test
    void anAccountRemovedBeforeDeliveryGetsNothingFiledAndNoBodyLeft() throws Exception {
        List<BlobId> made = new ArrayList<>();
        register(replacing("encrypted", made), props(0, 1));
        IncomingMessage m = incoming(ALICE);
        messages.removed.add(ALICE); // removed between RCPT and the end of DATA
        AccountGoneException e = assertThrows(AccountGoneException.class, () -> store.deliver(m, MailStore.INBOX));
        assertEquals(ALICE, e.accountId());
        assertEquals(java.util.Map.of(), store.folders(ALICE), "no INBOX");
        assertEquals(-1, blobs.size(made.get(0)), "the filter's body is deleted");
        assertTrue(blobs.size(m.body()) > 0, "the caller's body is the caller's to bounce or delete");
    }

    @Test
    void aBodyThatCannotBeUnlinkedNowIsRecordedForTheStoreToRetry() throws Exception {
        IncomingMessage original = incoming(ALICE);
        List<BlobId> made = new ArrayList<>();
        register(replacing("encrypted", made), props(0, 1));
        blobs.failDeletes = 1;
        store.deliver(original, MailStore.INBOX);
        assertEquals(List.of(original.body()), messages.recorded, "the replaced plaintext is not forgotten");
    }

    @Test
    void aFailedUnlinkDoesNotFailTheDelivery() throws Exception {
        IncomingMessage original = incoming(ALICE);
        List<BlobId> made = new ArrayList<>();
        register(replacing("encrypted", made), props(0, 1));
        blobs.failDeletes = 1;
        assertEquals(1, store.deliver(original, MailStore.INBOX));
        assertFalse(messages.log.isEmpty());
    }

    // ---- reading and deleting (POP3) ----

    @Test
    void opensAndDeletesThroughTheRepository() throws Exception {
        IncomingMessage m1 = incoming(ALICE);
        IncomingMessage m2 = incoming(ALICE);
        store.deliver(m1, MailStore.INBOX);
        store.deliver(m2, MailStore.INBOX);
        assertEquals(List.of(1L, 2L), store.snapshot(ALICE, MailStore.INBOX).messages().stream()
                .map(org.postern.api.mail.StoredMessage::uid).toList());
        try (InputStream in = store.open(ALICE, MailStore.INBOX, 7, 2).orElseThrow()) {
            assertEquals("Subject: hi\r\n\r\nhello\r\n", new String(in.readAllBytes()));
        }
        assertTrue(store.open(ALICE, MailStore.INBOX, 8, 2).isEmpty(), "another UIDVALIDITY");
        assertEquals(1, store.delete(ALICE, MailStore.INBOX, 7, List.of(1L, 5L)));
        assertEquals(List.of(m1.body()), messages.recorded, "recorded for the store's reaper to unlink");
        assertTrue(store.open(ALICE, MailStore.INBOX, 7, 1).isEmpty());
    }

    @Test
    void aBodyMissingOnDiskReadsAsGone() throws Exception {
        IncomingMessage m = incoming(ALICE);
        store.deliver(m, MailStore.INBOX);
        blobs.delete(m.body());
        assertTrue(store.open(ALICE, MailStore.INBOX, 7, 1).isEmpty());
    }
}
