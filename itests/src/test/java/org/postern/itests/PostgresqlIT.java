package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Postern on PostgreSQL, from outside, as an operator runs it (issue 7): one node end to end over
 * SMTP; two nodes on one machine (port offset) sharing one database and one blob directory; and
 * the database stopped under SMTP load. Each test gets a database of its own on the server that
 * scripts/with-postgresql started; the fault test stops and starts that server.
 */
public class PostgresqlIT {
    private static final String UNKNOWN = "550 5.1.1 <%s>: Recipient address rejected: User unknown";
    private static final long DEADLINE_SECONDS = 120;

    private String database;
    private final List<PosternProcess> nodes = new ArrayList<>();

    @Before
    public void database() throws Exception {
        PostgresqlServer.require();
        database = PostgresqlServer.createDatabase();
    }

    @After
    public void cleanUp() throws Exception {
        for (PosternProcess p : nodes) {
            p.close();
        }
        if (database != null) {
            PostgresqlServer.dropDatabase(database);
        }
    }

    private PosternProcess node(String name, Path blobs) throws Exception {
        PosternProcess p = PosternProcess.unpack(name);
        nodes.add(p);
        p.usePostgresql(PostgresqlServer.url(database), PostgresqlServer.user(), PostgresqlServer.password(), blobs);
        return p;
    }

    @Test
    public void smtpDeliveryEndToEndOnPostgresql() throws Exception {
        PosternProcess postern = node("pg-smtp", runs("pg-smtp-blobs"));
        postern.start();
        String pw = SmtpIT.setUp(postern);
        ClientResult status = postern.client(pw, "postern:status");
        assertTrue(status.toString(), status.output.contains("PostgreSQL"));
        assertTrue(status.toString(), status.output.contains("schema version: " + PosternProcess.SCHEMA_VERSION));

        SmtpIT.deliveriesAndRejectionsFollowTheDesign(postern, pw);

        assertFalse("the database password is in no log", postern.logText().contains(PostgresqlServer.password()));
        assertFalse("nor in what postern:status shows", status.output.contains(PostgresqlServer.password()));
        // Every bundle, plugins included, can read service properties: the store's configuration
        // must not be published with its services.
        ClientResult services = postern.client(pw, "bundle:services -p");
        assertEquals(services.toString(), 0, services.exit);
        assertTrue(services.output, services.output.contains("org.postern.api.store.StoreInfo"));
        assertFalse("the database password is no service property", services.output.contains(PostgresqlServer.password()));
        assertFalse(services.output, services.output.contains("jdbc.password"));
    }

    @Test
    public void twoNodesShareOneDatabaseAndOneBlobDirectory() throws Exception {
        Path blobs = runs("two-nodes-blobs");
        if (Files.exists(blobs)) {
            PosternProcess.run(List.of("rm", "-rf", blobs.toString()), null, 60);
        }
        PosternProcess a = node("node-a", blobs);
        PosternProcess b = node("node-b", blobs);
        // B is A's configuration copied, moved by the port offset (and its own SSH port).
        b.setConfig("org.postern.smtp.cfg", "port", String.valueOf(a.smtpPort));
        b.smtpPort = a.smtpPort;
        b.portOffset(100);

        // One app password key for the cluster, copied to every node before its first start, as
        // the auth bundle's README tells operators (like the TLS certificate).
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        String key = java.util.HexFormat.of().formatHex(raw);
        for (PosternProcess n : List.of(a, b)) {
            Path dir = n.dataDir().resolve("auth");
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("app-password.key");
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, key + "\n");
        }

        // Both at once on an empty database: the migrations race, one wins, the other waits.
        a.start();
        b.start();
        String pwA = a.adminPassword(120);
        String pwB = b.adminPassword(120);
        for (PosternProcess n : List.of(a, b)) {
            ClientResult s = n.clientUntilOk(n == a ? pwA : pwB, "postern:status", DEADLINE_SECONDS);
            assertTrue(s.toString(), s.output.contains("schema version: " + PosternProcess.SCHEMA_VERSION));
        }
        try (Connection c = PostgresqlServer.connect(database); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT version) FROM postern_schema")) {
            rs.next();
            assertEquals("each migration applied once", PosternProcess.SCHEMA_VERSION, rs.getInt(1));
            assertEquals(PosternProcess.SCHEMA_VERSION, rs.getInt(2));
        }

        // An account created on B receives mail through A's MX.
        ClientResult made = b.client(pwB, String.join("\n", "postern:domain-add example.net",
                "postern:account-add carol@example.net --password-file " + b.passwordFile("carol password 333")));
        assertEquals(made.toString(), 0, made.exit);
        assertEquals("250", smtp(a.smtpPort, "friend@origin.example", "carol@example.net", "via-a"));
        assertEquals("INBOX 1", PosternProcess.inbox(b.client(pwB, "postern:mailbox-list carol@example.net").output));
        assertTrue("the body is in the shared blob directory", blobsContain(blobs, "via-a"));

        // B's MX has carol's lists cached; a Block List entry added on A reaches it through NOTIFY.
        assertEquals("250", smtp(b.smtpPort, "spam@leaky.example", "carol@example.net", "before-block"));
        long added = System.nanoTime();
        ClientResult block = a.client(pwA, "postern:block-add carol@example.net spam@leaky.example");
        assertEquals(block.toString(), 0, block.exit);
        String unknown = String.format(UNKNOWN, "carol@example.net");
        waitFor("B's MX to enforce A's Block List entry",
                () -> unknown.equals(rcpt(b.smtpPort, "spam@leaky.example", "carol@example.net")));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - added);
        System.out.printf("two nodes: a Block List entry added on node A was enforced by node B's MX after %d ms "
                + "(including the console command)%n", millis);
        assertEquals("A enforces it too", unknown, rcpt(a.smtpPort, "spam@leaky.example", "carol@example.net"));
        assertEquals("other senders still reach carol through B", "250",
                smtp(b.smtpPort, "friend@origin.example", "carol@example.net", "via-b"));

        // An app password made on A opens POP3 on B; deleting it on A ends B's live session.
        ClientResult created = a.client(pwA, "postern:app-password-create carol@example.net --name phone --protocols pop3");
        assertEquals(created.toString(), 0, created.exit);
        String[] lines = PosternProcess.stripAnsi(created.output).strip().split("\\R");
        String secret = lines[lines.length - 1].strip();
        Pop3Wire.awaitListening(b.pop3Port, DEADLINE_SECONDS, b);
        try (Pop3Wire pop3 = new Pop3Wire(b.pop3Port)) {
            String reply = pop3.userPass("carol@example.net", secret);
            assertTrue("an app password made on A logs in on B: " + reply, reply.startsWith("+OK"));
            assertTrue("carol's three messages", pop3.send("STAT").startsWith("+OK 3 "));
            long deleted = System.nanoTime();
            ClientResult delete = a.client(pwA, "postern:app-password-delete carol@example.net phone");
            assertEquals(delete.toString(), 0, delete.exit);
            assertTrue("B closes the session of an app password deleted on A", pop3.awaitClosedByServer(30));
            System.out.printf("two nodes: an app password deleted on node A closed node B's POP3 session after %d ms "
                    + "(including the console command)%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - deleted));
        }
        try (Pop3Wire pop3 = new Pop3Wire(b.pop3Port)) {
            assertTrue(pop3.userPass("carol@example.net", secret).startsWith("-ERR"));
        }

        // Removing the account on A: both MXs answer User unknown.
        ClientResult removed = a.client(pwA, "postern:account-remove carol@example.net --force");
        assertEquals(removed.toString(), 0, removed.exit);
        for (PosternProcess n : List.of(a, b)) {
            waitFor("User unknown for the removed account on " + n.home.getFileName(),
                    () -> unknown.equals(rcpt(n.smtpPort, "friend@origin.example", "carol@example.net")));
        }
        for (PosternProcess n : List.of(a, b)) {
            String log = n.logText();
            assertFalse(log, log.contains("Postern store not started"));
            assertTrue(log, log.contains("Postern change feed: listening"));
        }
    }

    @Test
    public void postgresqlStoppedUnderLoadGets451AndServiceResumesWithNothingAcknowledgedLost() throws Exception {
        PosternProcess postern = node("pg-fault", runs("pg-fault-blobs"));
        postern.start();
        String pw = SmtpIT.setUp(postern);
        int port = postern.smtpPort;

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger tempFailed = new AtomicInteger();
        AtomicInteger acceptedAfterRestart = new AtomicInteger();
        AtomicBoolean restarted = new AtomicBoolean();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    try (SmtpWire w = new SmtpWire(port)) {
                        w.reply();
                        w.command("EHLO load.example.org");
                        while (running.get()) {
                            String id = "fault-" + client + "-" + n++ + "@load.example.org";
                            w.command("RSET");
                            w.command("MAIL FROM:<load@load.example.org>");
                            String rcpt = w.command("RCPT TO:<alice@example.net>");
                            if (rcpt.startsWith("451")) {
                                tempFailed.incrementAndGet();
                                continue;
                            }
                            if (!rcpt.startsWith("250")) {
                                unexpected.add("RCPT: " + rcpt);
                                continue;
                            }
                            w.command("DATA");
                            String end = w.command("Message-ID: <" + id + ">\r\nSubject: fault\r\n\r\n"
                                    + ("y".repeat(70) + "\r\n").repeat(20) + ".");
                            if (end.startsWith("250")) {
                                acknowledged.add(id);
                                if (restarted.get()) {
                                    acceptedAfterRestart.incrementAndGet();
                                }
                            } else if (end.startsWith("451")) {
                                tempFailed.incrementAndGet();
                            } else {
                                unexpected.add("DATA: " + end);
                            }
                        }
                    } catch (SocketTimeoutException e) {
                        unexpected.add("no reply within 30 s: " + e.getMessage());
                    } catch (IOException e) {
                        // a session the server ended (421 after errors): reconnect
                    }
                }
            }, "smtp-load-" + c);
            t.start();
            clients.add(t);
        }
        try {
            waitFor("the load to run", () -> acknowledged.size() >= 50);
            PostgresqlServer.stop();
            int before = tempFailed.get();
            waitFor("451s while the database is down", () -> tempFailed.get() >= before + 50);
            Set<String> ackedWhileDown = new HashSet<>(acknowledged);
            Thread.sleep(2000);
            restarted.set(true);
            int ackedAtRestart = acknowledged.size();
            PostgresqlServer.start();
            waitFor("deliveries to resume by themselves", () -> acceptedAfterRestart.get() >= 50);
            System.out.printf("PostgreSQL stopped under load: %d acknowledged before the restart, %d answered 451, "
                    + "%d accepted after it%n", ackedAtRestart, tempFailed.get(), acceptedAfterRestart.get());
            assertTrue(ackedWhileDown.size() >= 50);
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(60_000);
            }
        }
        assertEquals("every reply was 250 or 451 and came in time", List.of(), unexpected);

        Set<String> acked = new HashSet<>(acknowledged);
        ClientResult boxes = postern.clientUntilOk(pw, "postern:mailbox-list alice@example.net", DEADLINE_SECONDS);
        long stored = PosternProcess.inboxCount(boxes.output);
        assertTrue("every 250 is stored: " + stored + " stored, " + acked.size() + " acknowledged",
                stored >= acked.size());
        Set<String> onDisk = messageIds(postern.blobDir());
        Set<String> lost = new HashSet<>(acked);
        lost.removeAll(onDisk);
        assertEquals("acknowledged but lost", Set.of(), lost);

        String log = postern.logText();
        assertEquals("one clear line for the outage:\n" + log, 1, count(log, "Postern store: database unreachable"));
        assertTrue(log, log.contains("Postern store: database reachable again"));
        assertEquals("no warning per refused message", 0, count(log, "not accepted:") + count(log, "policy failed"));
    }

    // ---- helpers ----

    /** A directory under target/runs, beside the unpacked nodes. */
    private static Path runs(String name) {
        return Path.of(System.getProperty("postern.itest.dir", "target"), "runs", name).toAbsolutePath();
    }

    /** One message over a bare socket; the first three characters of the final reply. */
    private static String smtp(int port, String from, String to, String marker) throws IOException {
        try (SmtpWire w = new SmtpWire(port)) {
            w.reply();
            w.command("EHLO client.example.org");
            w.command("MAIL FROM:<" + from + ">");
            String rcpt = w.command("RCPT TO:<" + to + ">");
            if (!rcpt.startsWith("250")) {
                return rcpt;
            }
            w.command("DATA");
            String end = w.command("Subject: " + marker + "\r\n\r\n" + marker + "\r\n.");
            w.command("QUIT");
            return end.substring(0, 3);
        }
    }

    /** The reply to RCPT TO (the transaction goes no further). */
    private static String rcpt(int port, String from, String to) {
        try (SmtpWire w = new SmtpWire(port)) {
            w.reply();
            w.command("EHLO client.example.org");
            w.command("MAIL FROM:<" + from + ">");
            String r = w.command("RCPT TO:<" + to + ">");
            w.command("QUIT");
            return r;
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " within " + DEADLINE_SECONDS + " s");
            }
            Thread.sleep(50);
        }
    }

    private static boolean blobsContain(Path blobs, String text) throws IOException {
        try (Stream<Path> files = Files.walk(blobs)) {
            return files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.readString(f, StandardCharsets.ISO_8859_1).contains(text);
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static Set<String> messageIds(Path blobs) throws IOException {
        Set<String> ids = new HashSet<>();
        try (Stream<Path> files = Files.walk(blobs)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                int at = text.indexOf("Message-ID: <");
                if (at >= 0) {
                    ids.add(text.substring(at + 13, text.indexOf('>', at)));
                }
            }
        }
        return ids;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
