package org.postern.pop3.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postern.api.address.MailAddress;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.mail.StoredMessage;

/** In-test collaborators: an asynchronous authenticator and a mail store on real files. */
final class Fakes {
    private Fakes() {
    }

    /** A login that can be revoked from the test. */
    static final class FakeLogin implements Login {
        final String accountId;
        final MailAddress address;
        volatile boolean revoked;
        volatile boolean closed;
        private final List<Runnable> onRevoked = new CopyOnWriteArrayList<>();

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
            return Protocol.POP3;
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
                onRevoked.add(action);
            }
        }

        void revoke() {
            revoked = true;
            onRevoked.forEach(Runnable::run);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /**
     * Answers on another thread after {@code delayMillis}, like the real one (Argon2id off the
     * protocol's workers): address to password and account id.
     */
    static final class Accounts implements Authenticator {
        final Map<String, String[]> users = new ConcurrentHashMap<>();
        final List<FakeLogin> logins = new CopyOnWriteArrayList<>();
        final List<String> asked = new CopyOnWriteArrayList<>();
        volatile boolean unavailable;
        volatile long delayMillis = 20;
        volatile Protocol lastProtocol;

        void add(String address, String password, String accountId) {
            users.put(address, new String[] {password, accountId});
        }

        @Override
        public CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret,
                InetAddress client) {
            lastProtocol = protocol;
            asked.add(username);
            Executor later = CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> {
                // Read on the authenticator's thread, as the real one does: a caller that clears
                // the secret before the answer makes every login fail here too.
                String given = new String(secret);
                java.util.Arrays.fill(secret, '\0');
                if (unavailable) {
                    throw new AuthUnavailableException("store down", null);
                }
                String[] u = users.get(username);
                if (u == null || !u[0].equals(given) || protocol != Protocol.POP3) {
                    return Optional.empty();
                }
                FakeLogin l = new FakeLogin(u[1], username);
                logins.add(l);
                return Optional.of(l);
            }, later);
        }
    }

    /**
     * A mail store on real files: one file per message under the directory, INBOX only, a fixed
     * UIDVALIDITY per account. Counts the octets read from bodies (to see back-pressure at work).
     */
    static final class FileStore implements MailStore {
        /** Each in turn; a test that needs the all-or-nothing of the real store says so. */
        @Override
        public long[] deliverAll(java.util.List<org.postern.api.mail.IncomingMessage> messages, String folder) {
            long[] uids = new long[messages.size()];
            for (int i = 0; i < uids.length; i++) {
                try {
                    uids[i] = deliver(messages.get(i), folder);
                } catch (org.postern.api.mail.AccountGoneException gone) {
                    uids[i] = -1;
                }
            }
            return uids;
        }

        static final long UID_VALIDITY = 1_700_000_000L;
        private final Path dir;
        final Map<String, SortedMap<Long, Path>> inboxes = new ConcurrentHashMap<>();
        private final AtomicLong nextUid = new AtomicLong();
        final AtomicLong octetsRead = new AtomicLong();
        final List<Long> deleteCalls = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        FileStore(Path dir) {
            this.dir = dir;
        }

        long add(String accountId, String content) throws IOException {
            return add(accountId, content.getBytes(StandardCharsets.UTF_8));
        }

        synchronized long add(String accountId, byte[] content) throws IOException {
            long uid = nextUid.incrementAndGet();
            Path file = dir.resolve(accountId + "-" + uid);
            Files.write(file, content);
            inboxes.computeIfAbsent(accountId, k -> new TreeMap<>()).put(uid, file);
            return uid;
        }

        synchronized List<Long> uids(String accountId) {
            return new ArrayList<>(inboxes.getOrDefault(accountId, new TreeMap<>()).keySet());
        }

        @Override
        public long deliver(IncomingMessage message, String folder) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<String, Long> folders(String accountId) {
            return new TreeMap<>(Map.of(INBOX, (long) uids(accountId).size()));
        }

        @Override
        public synchronized FolderSnapshot snapshot(String accountId, String folder) {
            if (failing) {
                throw new IllegalStateException("database unreachable");
            }
            SortedMap<Long, Path> box = inboxes.get(accountId);
            if (box == null || !folder.equals(INBOX)) {
                return FolderSnapshot.missing(folder);
            }
            List<StoredMessage> out = new ArrayList<>();
            for (Map.Entry<Long, Path> e : box.entrySet()) {
                try {
                    out.add(new StoredMessage(e.getKey(), Files.size(e.getValue()), Instant.EPOCH));
                } catch (IOException x) {
                    throw new IllegalStateException(x);
                }
            }
            return new FolderSnapshot(folder, UID_VALIDITY, out);
        }

        @Override
        public synchronized Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid)
                throws IOException {
            Path file = uidValidity == UID_VALIDITY ? inboxes.getOrDefault(accountId, new TreeMap<>()).get(uid) : null;
            if (file == null) {
                return Optional.empty();
            }
            return Optional.of(new FilterInputStream(Files.newInputStream(file)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        octetsRead.addAndGet(n);
                    }
                    return n;
                }
            });
        }

        @Override
        public synchronized int delete(String accountId, String folder, long uidValidity, Collection<Long> uids) {
            if (failing) {
                throw new IllegalStateException("database unreachable");
            }
            int n = 0;
            SortedMap<Long, Path> box = inboxes.getOrDefault(accountId, new TreeMap<>());
            for (long uid : uids) {
                deleteCalls.add(uid);
                Path file = uidValidity == UID_VALIDITY ? box.remove(uid) : null;
                if (file != null) {
                    try {
                        Files.delete(file);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    n++;
                }
            }
            return n;
        }
    }
}
