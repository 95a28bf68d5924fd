package org.postern.submission.internal;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.postern.api.account.Account;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.Resolution;
import org.postern.api.address.MailAddress;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.store.OutboundRepository;

/**
 * The outbound queue's peers in unit tests: a remote MX on a real socket (test-owned, posing as
 * another provider's server), its DNS, and in-memory stand-ins for the store's services.
 */
final class TestPeers {
    private TestPeers() {
    }

    /**
     * A remote MX speaking plain SMTP from a script: RCPT to an address whose local part starts with
     * "temp" gets 451, "perm" gets 550; {@link #dataReply} answers the end of data. Keeps every
     * message it accepted, as received (dot-stuffing undone).
     */
    static final class RemoteMx implements AutoCloseable {
        final ServerSocket server;
        final List<Received> received = new CopyOnWriteArrayList<>();
        final List<String> transcript = new CopyOnWriteArrayList<>();
        volatile String greeting = "220 mx.remote.test ESMTP";
        volatile String dataReply = "250 2.0.0 Ok: queued";
        volatile boolean garbage;
        private final Thread thread;

        record Received(String sender, List<String> recipients, byte[] data) {
            String text() {
                return new String(data, StandardCharsets.UTF_8);
            }
        }

        RemoteMx() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "test-remote-mx");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    session(s);
                } catch (IOException e) {
                    // next connection
                }
            }
        }

        private void session(Socket s) throws IOException {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (garbage) {
                out.write("HELLO THERE, I AM NOT SMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            send(out, greeting);
            String sender = null;
            List<String> rcpts = new ArrayList<>();
            String line;
            while ((line = readLine(in)) != null) {
                transcript.add(line);
                String upper = line.toUpperCase(java.util.Locale.ROOT);
                if (upper.startsWith("EHLO")) {
                    send(out, "250-mx.remote.test\r\n250-SIZE 10000000\r\n250-8BITMIME\r\n250 SMTPUTF8");
                } else if (upper.startsWith("MAIL FROM:")) {
                    sender = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    rcpts.clear();
                    send(out, "250 2.1.0 Ok");
                } else if (upper.startsWith("RCPT TO:")) {
                    String r = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    if (r.startsWith("temp")) {
                        send(out, "451 4.3.0 Try again later");
                    } else if (r.startsWith("perm")) {
                        send(out, "550 5.1.1 <" + r + ">: User unknown in virtual mailbox table");
                    } else {
                        rcpts.add(r);
                        send(out, "250 2.1.5 Ok");
                    }
                } else if (upper.equals("DATA")) {
                    send(out, "354 End data with <CR><LF>.<CR><LF>");
                    ByteArrayOutputStream data = new ByteArrayOutputStream();
                    String l;
                    while ((l = readRawLine(in, data)) != null && !l.equals(".")) {
                        // collected by readRawLine
                    }
                    String reply = dataReply;
                    if (reply.startsWith("250")) {
                        received.add(new Received(sender, List.copyOf(rcpts), data.toByteArray()));
                    }
                    send(out, reply);
                } else if (upper.equals("QUIT")) {
                    send(out, "221 2.0.0 Bye");
                    return;
                } else if (upper.equals("RSET") || upper.equals("NOOP")) {
                    send(out, "250 2.0.0 Ok");
                } else {
                    send(out, "502 5.5.2 Error: command not recognized");
                }
            }
        }

        /** A data line: undoes dot-stuffing and appends it (with CRLF) unless it is the end. */
        private static String readRawLine(InputStream in, ByteArrayOutputStream data) throws IOException {
            String l = readLine(in);
            if (l == null || l.equals(".")) {
                return l;
            }
            String unstuffed = l.startsWith(".") ? l.substring(1) : l;
            data.writeBytes(unstuffed.getBytes(StandardCharsets.UTF_8));
            data.writeBytes(new byte[] {'\r', '\n'});
            return l;
        }

        /** A line without its CRLF, or null at the end of the stream: for other test servers too. */
        static String readLineForTests(InputStream in) throws IOException {
            return readLine(in);
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    byte[] bytes = b.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, n, StandardCharsets.UTF_8);
                }
                b.write(c);
            }
            return null;
        }

        private static void send(OutputStream out, String reply) throws IOException {
            out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** DNS for tests: MX answers per domain, every host name resolves to loopback. */
    static class Dns implements DnsResolver {
        final Map<String, DnsAnswer<MxRecord>> mx = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
            return CompletableFuture.completedFuture(DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
            return CompletableFuture.completedFuture(DnsAnswer.ok(List.of(InetAddress.getLoopbackAddress()), false, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
            return CompletableFuture.completedFuture(DnsAnswer.none(DnsAnswer.Status.NODATA, false, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
            return CompletableFuture.completedFuture(
                    mx.getOrDefault(domain, DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60)));
        }

        @Override
        public CompletionStage<DnsAnswer<String>> txt(String name) {
            return CompletableFuture.completedFuture(DnsAnswer.none(DnsAnswer.Status.NODATA, false, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
            return CompletableFuture.completedFuture(DnsAnswer.none(DnsAnswer.Status.NODATA, false, 60));
        }
    }

    /** local.test is hosted: alice and bob exist; other local parts there are unknown; other domains are remote. */
    static final class Policy implements RecipientPolicy {
        @Override
        public RecipientVerdict decide(String recipient, String envelopeSender, List<String> serverNames,
                boolean authenticated) {
            MailAddress a = MailAddress.parse(recipient);
            if (!a.domain().equals("local.test")) {
                return authenticated ? RecipientVerdict.outbound() : RecipientVerdict.relayDenied();
            }
            if (!a.localPart().equals("alice") && !a.localPart().equals("bob")) {
                return RecipientVerdict.userUnknown();
            }
            return RecipientVerdict.accept(new Resolution(a,
                    new Account("acc-" + a.localPart(), a, AccountStatus.ACTIVE, Instant.EPOCH, null),
                    Resolution.Kind.PRIMARY));
        }
    }

    static final class Blobs implements BlobStore {
        final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

        @Override
        public BlobId put(InputStream content) throws IOException {
            byte[] id = new byte[16];
            new java.security.SecureRandom().nextBytes(id);
            BlobId blob = BlobId.of(HexFormat.of().formatHex(id));
            blobs.put(blob.value(), content.readAllBytes());
            return blob;
        }

        @Override
        public Optional<InputStream> open(BlobId id) {
            byte[] b = blobs.get(id.value());
            return b == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(b));
        }

        @Override
        public long size(BlobId id) {
            byte[] b = blobs.get(id.value());
            return b == null ? -1 : b.length;
        }

        @Override
        public boolean delete(BlobId id) {
            return blobs.remove(id.value()) != null;
        }
    }

    /** Keeps what it is given, by account. */
    static final class Mailboxes implements MailStore {
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

        final Blobs blobs;
        final Map<String, List<String>> delivered = new ConcurrentHashMap<>();

        Mailboxes(Blobs blobs) {
            this.blobs = blobs;
        }

        List<String> of(String accountId) {
            return delivered.getOrDefault(accountId, List.of());
        }

        @Override
        public long deliver(IncomingMessage message, String folder) {
            byte[] b = blobs.blobs.get(message.body().value());
            delivered.computeIfAbsent(message.accountId(), k -> new CopyOnWriteArrayList<>())
                    .add(new String(b, StandardCharsets.UTF_8));
            return 1;
        }

        @Override
        public java.util.SortedMap<String, Long> folders(String accountId) {
            return new java.util.TreeMap<>();
        }

        @Override
        public FolderSnapshot snapshot(String accountId, String folder) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid) {
            return Optional.empty();
        }

        @Override
        public int delete(String accountId, String folder, long uidValidity, java.util.Collection<Long> uids) {
            return 0;
        }
    }

    /** The queue's rows in memory, with the lease rules of the interface. */
    static final class Queue implements OutboundRepository {
        final Map<String, QueuedMessage> rows = new ConcurrentHashMap<>();
        final Blobs blobs;

        Queue(Blobs blobs) {
            this.blobs = blobs;
        }

        @Override
        public synchronized void enqueue(NewMessage m) {
            List<Recipient> rs = new ArrayList<>();
            for (int i = 0; i < m.recipients().size(); i++) {
                rs.add(new Recipient(i, m.recipients().get(i), RecipientState.PENDING, 0, null, null));
            }
            rows.put(m.id(), new QueuedMessage(m.id(), m.accountId(), m.sender(), m.blob(), m.size(), m.created(),
                    m.notBefore(), m.expires(), 0, null, null, rs));
        }

        @Override
        public synchronized List<QueuedMessage> claimDue(String owner, Instant now, Instant leaseUntil, int limit) {
            List<QueuedMessage> out = new ArrayList<>();
            for (QueuedMessage m : rows.values().stream()
                    .sorted(java.util.Comparator.comparing(QueuedMessage::nextAttempt)).toList()) {
                if (out.size() == limit) {
                    break;
                }
                if (!m.nextAttempt().isAfter(now) && (m.leaseUntil() == null || m.leaseUntil().isBefore(now))) {
                    QueuedMessage leased = with(m, m.nextAttempt(), m.attempts(), owner, leaseUntil, m.recipients());
                    rows.put(m.id(), leased);
                    out.add(leased);
                }
            }
            return out;
        }

        @Override
        public synchronized boolean renew(String id, String owner, Instant leaseUntil) {
            QueuedMessage m = rows.get(id);
            if (m == null || !owner.equals(m.leaseOwner())) {
                return false;
            }
            rows.put(id, with(m, m.nextAttempt(), m.attempts(), owner, leaseUntil, m.recipients()));
            return true;
        }

        @Override
        public synchronized boolean recordAttempt(String id, String owner, List<Outcome> outcomes, Instant next) {
            QueuedMessage m = rows.get(id);
            if (m == null || !owner.equals(m.leaseOwner())) {
                return false;
            }
            List<Recipient> rs = new ArrayList<>();
            for (Recipient r : m.recipients()) {
                Outcome o = outcomes.stream().filter(x -> x.position() == r.position()).findFirst().orElse(null);
                rs.add(o == null ? r : new Recipient(r.position(), r.address(), o.state(), r.attempts() + 1,
                        Instant.now(), o.reply()));
            }
            if (rs.stream().noneMatch(r -> r.state() == RecipientState.PENDING)) {
                rows.remove(id);
                blobs.delete(m.blob());
            } else {
                rows.put(id, with(m, next, m.attempts() + 1, null, null, rs));
            }
            return true;
        }

        private static QueuedMessage with(QueuedMessage m, Instant next, int attempts, String owner, Instant until,
                List<Recipient> rs) {
            return new QueuedMessage(m.id(), m.accountId(), m.sender(), m.blob(), m.size(), m.created(), next,
                    m.expires(), attempts, owner, until, rs);
        }

        @Override
        public Optional<QueuedMessage> find(String id) {
            return Optional.ofNullable(rows.get(id));
        }

        @Override
        public List<QueuedMessage> list(int limit) {
            return rows.values().stream().limit(limit).toList();
        }

        @Override
        public long count() {
            return rows.size();
        }

        @Override
        public synchronized boolean retryNow(String id, Instant now) {
            QueuedMessage m = rows.get(id);
            if (m == null) {
                return false;
            }
            rows.put(id, with(m, now, m.attempts(), null, null, m.recipients()));
            return true;
        }

        @Override
        public synchronized boolean delete(String id) {
            QueuedMessage m = rows.remove(id);
            if (m != null) {
                blobs.delete(m.blob());
            }
            return m != null;
        }
    }

    static <T> T poll(java.util.function.Supplier<T> what, java.util.function.Predicate<T> until, long seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        T v = what.get();
        while (!until.test(v)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + seconds + " s: " + v);
            }
            Thread.sleep(50);
            v = what.get();
        }
        return v;
    }

    static Function<String, DnsAnswer<MxRecord>> mxTo(String host) {
        return d -> DnsAnswer.ok(List.of(new MxRecord(10, host)), false, 60);
    }
}
