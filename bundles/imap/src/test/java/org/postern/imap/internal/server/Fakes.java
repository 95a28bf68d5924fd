package org.postern.imap.internal.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postern.api.address.MailAddress;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.OverQuotaException;

/**
 * The IMAP server's collaborators in memory, keeping the contracts of the real ones (the store's
 * tests prove those on Derby and PostgreSQL); the server itself is real, on real sockets.
 */
final class Fakes {
    private Fakes() {
    }

    static final class FakeLogin implements Login {
        final String accountId;
        final MailAddress address;
        private final List<Runnable> actions = new CopyOnWriteArrayList<>();
        volatile boolean revoked;
        volatile boolean closed;

        FakeLogin(String accountId, String address) {
            this.accountId = accountId;
            this.address = MailAddress.parse(address);
        }

        @Override
        public String accountId() {
            return accountId;
        }

        @Override
        public MailAddress address() {
            return address;
        }

        @Override
        public Protocol protocol() {
            return Protocol.IMAP;
        }

        @Override
        public boolean isRevoked() {
            return revoked;
        }

        @Override
        public void onRevoked(Runnable action) {
            if (revoked) {
                action.run();
            } else {
                actions.add(action);
            }
        }

        void revoke() {
            revoked = true;
            actions.forEach(Runnable::run);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Answers on another thread, reading the secret there, as the real one does. */
    static final class Accounts implements Authenticator {
        final Map<String, String[]> users = new ConcurrentHashMap<>();
        final List<FakeLogin> logins = new CopyOnWriteArrayList<>();
        volatile boolean unavailable;

        void add(String address, String password, String accountId) {
            users.put(address, new String[] {password, accountId});
        }

        @Override
        public CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret, InetAddress client) {
            Executor later = CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> {
                String given = new String(secret);
                java.util.Arrays.fill(secret, '\0');
                if (unavailable) {
                    throw new AuthUnavailableException("store down", null);
                }
                String[] u = users.get(username);
                if (u == null || !u[0].equals(given) || protocol != Protocol.IMAP) {
                    return Optional.empty();
                }
                FakeLogin l = new FakeLogin(u[1], username);
                logins.add(l);
                return Optional.of(l);
            }, later);
        }
    }

    /** Folders and messages in memory; announces every change like the store. */
    static final class Store implements Mailboxes {
        private final Map<String, Map<String, Folder>> accounts = new ConcurrentHashMap<>();
        private long nextUidValidity = 1000;
        volatile Consumer<String> announce = a -> { };
        volatile long quotaLimit;
        /** Whether messages get their parsed structure when filed, as the mail store does (false: none kept). */
        volatile boolean keepStructures = true;
        /** Bodies opened, and structure queries answered: what a FETCH cost. */
        final java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger structureQueries = new java.util.concurrent.atomic.AtomicInteger();

        private static final class Msg {
            byte[] bytes;
            Set<String> flags;
            long modseq;
            final Instant internalDate;
            final byte[] structure;

            Msg(byte[] bytes, Set<String> flags, long modseq, Instant internalDate, boolean keepStructure) {
                this.bytes = bytes;
                this.flags = flags;
                this.modseq = modseq;
                this.internalDate = internalDate;
                this.structure = keepStructure ? parsed(bytes) : null;
            }

            Msg(byte[] bytes, Set<String> flags, long modseq, Instant internalDate, byte[] structure) {
                this.bytes = bytes;
                this.flags = flags;
                this.modseq = modseq;
                this.internalDate = internalDate;
                this.structure = structure;
            }

            private static byte[] parsed(byte[] bytes) {
                try {
                    return org.postern.mime.MessageStructure.parse(new ByteArrayInputStream(bytes), bytes.length).toBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        /** Replaces a stored body behind the store's back (a damaged or swapped blob); the structure stays. */
        synchronized void replaceBody(String accountId, String folder, long uid, String message) {
            get(accountId, folder, 0).messages.get(uid).bytes = message.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        @Override
        public synchronized Map<Long, byte[]> structures(String accountId, String folder, long uidValidity,
                java.util.Collection<Long> uids) {
            Folder f = get(accountId, folder, uidValidity);
            structureQueries.incrementAndGet();
            Map<Long, byte[]> out = new java.util.HashMap<>();
            for (long uid : uids) {
                Msg m = f.messages.get(uid);
                if (m != null && m.structure != null) {
                    out.put(uid, m.structure);
                }
            }
            return out;
        }

        private static final class Folder {
            final String name;
            final long uidValidity;
            String specialUse;
            boolean subscribed = true;
            long uidNext = 1;
            long highestModseq = 1;
            final TreeMap<Long, Msg> messages = new TreeMap<>();

            Folder(String name, long uidValidity, String specialUse) {
                this.name = name;
                this.uidValidity = uidValidity;
                this.specialUse = specialUse;
            }
        }

        private Map<String, Folder> folders(String accountId, boolean create) {
            return create ? accounts.computeIfAbsent(accountId, k -> new TreeMap<>()) : accounts.getOrDefault(accountId, Map.of());
        }

        private Folder get(String accountId, String name, long uidValidity) {
            Folder f = folders(accountId, false).get(name);
            if (f == null || uidValidity != 0 && f.uidValidity != uidValidity) {
                throw new FolderNotFoundException(name);
            }
            return f;
        }

        /** Delivers a message (the MX's way in). */
        synchronized long deliver(String accountId, String folder, String message) {
            Folder f = folders(accountId, true).computeIfAbsent(folder, n -> new Folder(n, nextUidValidity++, null));
            long uid = f.uidNext++;
            f.messages.put(uid, new Msg(message.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                    new HashSet<>(), ++f.highestModseq, Instant.parse("2026-12-02T10:00:00Z"), keepStructures));
            announce.accept(accountId);
            return uid;
        }

        synchronized Set<String> flags(String accountId, String folder, long uid) {
            return Set.copyOf(get(accountId, folder, 0).messages.get(uid).flags);
        }

        synchronized List<Long> uids(String accountId, String folder) {
            return new ArrayList<>(get(accountId, folder, 0).messages.keySet());
        }

        @Override
        public synchronized void ensureDefaultFolders(String accountId) {
            Map<String, Folder> m = folders(accountId, true);
            m.computeIfAbsent("INBOX", n -> new Folder(n, nextUidValidity++, null));
            for (String[] d : new String[][] {{"Sent", SENT}, {"Drafts", DRAFTS}, {"Trash", TRASH}, {"Junk", JUNK},
                    {"Archive", ARCHIVE}}) {
                m.computeIfAbsent(d[0], n -> new Folder(n, nextUidValidity++, d[1]));
            }
        }

        private FolderInfo info(Folder f) {
            long unseen = f.messages.values().stream().filter(x -> !x.flags.contains("\\Seen")).count();
            long size = f.messages.values().stream().mapToLong(x -> x.bytes.length).sum();
            return new FolderInfo(f.name, f.specialUse, f.subscribed, f.uidValidity, f.uidNext, f.highestModseq,
                    f.messages.size(), unseen, size);
        }

        private MessageInfo info(long uid, Msg m) {
            return new MessageInfo(uid, m.modseq, m.flags, m.bytes.length, m.internalDate);
        }

        @Override
        public synchronized List<FolderInfo> folders(String accountId) {
            return folders(accountId, false).values().stream().map(this::info).toList();
        }

        @Override
        public synchronized Optional<FolderInfo> folder(String accountId, String name) {
            Folder f = folders(accountId, false).get(name);
            return f == null ? Optional.empty() : Optional.of(info(f));
        }

        @Override
        public synchronized FolderInfo createFolder(String accountId, String name, String specialUse) {
            Map<String, Folder> m = folders(accountId, true);
            if (m.containsKey(name)) {
                throw new FolderExistsException(name);
            }
            Folder f = new Folder(name, nextUidValidity++, specialUse);
            m.put(name, f);
            announce.accept(accountId);
            return info(f);
        }

        @Override
        public synchronized void deleteFolder(String accountId, String name) {
            if (folders(accountId, false).remove(name) == null) {
                throw new FolderNotFoundException(name);
            }
            announce.accept(accountId);
        }

        @Override
        public synchronized void renameFolder(String accountId, String from, String to) {
            Map<String, Folder> m = folders(accountId, true);
            Folder f = m.get(from);
            if (f == null) {
                throw new FolderNotFoundException(from);
            }
            if (m.containsKey(to)) {
                throw new FolderExistsException(to);
            }
            m.remove(from);
            Folder moved = new Folder(to, nextUidValidity++, f.specialUse);
            moved.messages.putAll(f.messages);
            moved.uidNext = f.uidNext;
            m.put(to, moved);
            announce.accept(accountId);
        }

        @Override
        public synchronized void setSubscribed(String accountId, String name, boolean subscribed) {
            get(accountId, name, 0).subscribed = subscribed;
        }

        @Override
        public synchronized FolderView view(String accountId, String folder) {
            Folder f = get(accountId, folder, 0);
            List<MessageInfo> out = new ArrayList<>();
            f.messages.forEach((uid, m) -> out.add(info(uid, m)));
            return new FolderView(info(f), out);
        }

        @Override
        public synchronized FolderChanges changes(String accountId, String folder, long uidValidity, long sinceModseq) {
            Folder f = get(accountId, folder, uidValidity);
            List<MessageInfo> changed = new ArrayList<>();
            f.messages.forEach((uid, m) -> {
                if (m.modseq > sinceModseq) {
                    changed.add(info(uid, m));
                }
            });
            return new FolderChanges(f.name, f.uidValidity, f.uidNext, f.highestModseq, changed,
                    f.messages.keySet().stream().mapToLong(Long::longValue).toArray());
        }

        @Override
        public synchronized StoreResult storeFlags(String accountId, String folder, long uidValidity, Collection<Long> uids,
                FlagUpdate how, Set<String> flags, long unchangedSince) {
            Folder f = get(accountId, folder, uidValidity);
            List<MessageInfo> updated = new ArrayList<>();
            List<Long> conflicts = new ArrayList<>();
            for (long uid : uids) {
                Msg m = f.messages.get(uid);
                if (m == null) {
                    continue;
                }
                if (unchangedSince > 0 && m.modseq > unchangedSince) {
                    conflicts.add(uid);
                    continue;
                }
                Set<String> next = new LinkedHashSet<>(how == FlagUpdate.REPLACE ? Set.of() : m.flags);
                if (how == FlagUpdate.REMOVE) {
                    next.removeAll(flags);
                } else {
                    next.addAll(flags);
                }
                if (!next.equals(m.flags)) {
                    m.flags = next;
                    m.modseq = ++f.highestModseq;
                }
                updated.add(info(uid, m));
            }
            announce.accept(accountId);
            return new StoreResult(updated, conflicts);
        }

        @Override
        public synchronized List<Long> expunge(String accountId, String folder, long uidValidity, Collection<Long> uids) {
            Folder f = get(accountId, folder, uidValidity);
            List<Long> gone = new ArrayList<>();
            // Keys first: a TreeMap entry object may take its successor's key when removed.
            for (long uid : new ArrayList<>(f.messages.keySet())) {
                if (f.messages.get(uid).flags.contains("\\Deleted") && (uids == null || uids.contains(uid))) {
                    f.messages.remove(uid);
                    gone.add(uid);
                }
            }
            if (!gone.isEmpty()) {
                f.highestModseq++;
                announce.accept(accountId);
            }
            return gone;
        }

        @Override
        public synchronized CopyResult copy(String accountId, String from, long uidValidity, Collection<Long> uids, String to,
                boolean move) {
            Folder src = get(accountId, from, uidValidity);
            Folder dst = get(accountId, to, 0);
            List<Long> s = new ArrayList<>();
            List<Long> d = new ArrayList<>();
            for (long uid : new java.util.TreeSet<>(uids)) {
                Msg m = src.messages.get(uid);
                if (m == null) {
                    continue;
                }
                long nu = dst.uidNext++;
                dst.messages.put(nu, new Msg(m.bytes, new HashSet<>(m.flags), ++dst.highestModseq, m.internalDate, m.structure));
                s.add(uid);
                d.add(nu);
                if (move) {
                    src.messages.remove(uid);
                }
            }
            if (move) {
                src.highestModseq++;
            }
            announce.accept(accountId);
            return new CopyResult(dst.uidValidity, s, d);
        }

        @Override
        public synchronized AppendResult append(String accountId, String folder, InputStream content, Set<String> flags,
                Instant internalDate) throws IOException {
            Folder f = get(accountId, folder, 0);
            byte[] bytes = content.readAllBytes();
            if (quotaLimit > 0 && usage(accountId) + bytes.length > quotaLimit) {
                throw new OverQuotaException(accountId);
            }
            long uid = f.uidNext++;
            f.messages.put(uid, new Msg(bytes, new HashSet<>(flags), ++f.highestModseq,
                    internalDate == null ? Instant.now() : internalDate, keepStructures));
            announce.accept(accountId);
            return new AppendResult(f.uidValidity, uid);
        }

        private long usage(String accountId) {
            return folders(accountId, false).values().stream()
                    .flatMap(f -> f.messages.values().stream()).mapToLong(m -> m.bytes.length).sum();
        }

        @Override
        public synchronized Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid) {
            Folder f = folders(accountId, false).get(folder);
            if (f == null || f.uidValidity != uidValidity || !f.messages.containsKey(uid)) {
                return Optional.empty();
            }
            opens.incrementAndGet();
            return Optional.of(new ByteArrayInputStream(f.messages.get(uid).bytes));
        }

        @Override
        public synchronized QuotaUsage quota(String accountId) {
            return new QuotaUsage(usage(accountId), quotaLimit);
        }
    }
}
