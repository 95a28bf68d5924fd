package org.postern.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * IMAP load over loopback, raw sockets (plain or implicit TLS), no client library: what is
 * measured is the server and one socket per client, nothing else. Works against any IMAP4rev1
 * server, so one run can compare Postern with Dovecot. Three modes:
 *
 * <p><b>Load</b> (default): {@code --clients} concurrent clients, each repeating a session on a new
 * connection: greeting, LOGIN (or {@code --auth plain}: AUTHENTICATE PLAIN), SELECT INBOX, UID
 * FETCH 1:* (UID FLAGS RFC822.SIZE), three UID FETCH (BODY.PEEK[]) of random messages (each body's
 * literal must have the size the listing gave), UID STORE +FLAGS (\Flagged) and -FLAGS on one of
 * them, LOGOUT. After {@code --warmup} seconds (not counted) it measures for {@code --seconds}, or,
 * with {@code --sessions N}, until each client has done N sessions. A session or command counts
 * when it completes inside the measured window. Prints sessions/s, commands/s, p50/p90/p99/max per
 * command type and per session, and every failure (the command and the server's answer, or the
 * exception: a read that waits longer than {@code --timeout} seconds is a hang). Exit status 1 when
 * anything failed.
 *
 * <p><b>Idle</b> ({@code --idle-connections N}): opens N connections ({@code --open-parallel} at a
 * time), each LOGIN, SELECT INBOX, IDLE; holds them {@code --hold} seconds; checks that each is
 * still open and answers DONE with OK; LOGOUT. With {@code --server-pid P} it measures the server
 * before opening and while all N idle: the process tree's size (processes, OS threads, PSS from
 * /proc/PID/smaps_rollup, children included, so Dovecot's one process per connection counts too),
 * and, when P is a JVM ({@code jcmd} answers), heap used after a full GC ({@code jcmd P GC.run},
 * {@code GC.heap_info}) and the Java thread count ({@code jcmd P Thread.print}); then prints the
 * differences and the cost per connection.
 *
 * <p><b>Fill</b> ({@code --append N}): APPENDs N messages of {@code --size} octets to INBOX over
 * {@code --clients} connections. The messages are generated from their index with realistic
 * headers (Received, DKIM-Signature, Date, From, To, Subject, Message-ID, MIME), so every server
 * gets the same bytes; nine in ten are {@code \Seen}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.postern.bench.ImapLoad --port 1143 \
 *     --user alice@example.net --password '...' --clients 16 --seconds 20 --warmup 5</pre>
 */
public final class ImapLoad {
    /** The command types timed separately. */
    enum Op {
        CONNECT("connect+greeting"), LOGIN("LOGIN"), SELECT("SELECT INBOX"), FETCH_ALL("UID FETCH 1:* (UID FLAGS RFC822.SIZE)"),
        FETCH_BODY("UID FETCH n (BODY.PEEK[])"), STORE("UID STORE n +/-FLAGS"), LOGOUT("LOGOUT");

        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    private static String host;
    private static int port;
    private static boolean tls;
    private static String user;
    private static String password;
    private static boolean authPlain;
    private static int timeoutMs;

    private ImapLoad() {
    }

    public static void main(String[] args) throws Exception {
        host = arg(args, "--host", "127.0.0.1");
        port = Integer.parseInt(arg(args, "--port", "1143"));
        tls = flag(args, "--tls");
        user = arg(args, "--user", "alice@example.net");
        password = arg(args, "--password", null);
        String pwFile = arg(args, "--password-file", null);
        if (pwFile != null) {
            password = Files.readAllLines(Paths.get(pwFile)).get(0).strip();
        }
        if (password == null) {
            throw new IllegalArgumentException("--password or --password-file is required");
        }
        authPlain = "plain".equalsIgnoreCase(arg(args, "--auth", "login"));
        timeoutMs = Integer.parseInt(arg(args, "--timeout", "60")) * 1000;
        int clients = Integer.parseInt(arg(args, "--clients", "16"));
        int idle = Integer.parseInt(arg(args, "--idle-connections", "0"));
        int append = Integer.parseInt(arg(args, "--append", "0"));
        int code;
        if (idle > 0) {
            code = idle(idle, Integer.parseInt(arg(args, "--hold", "30")), Integer.parseInt(arg(args, "--open-parallel", "16")),
                    Long.parseLong(arg(args, "--server-pid", "0")));
        } else if (append > 0) {
            code = fill(append, Integer.parseInt(arg(args, "--size", "4096")), clients);
        } else {
            code = load(clients, Double.parseDouble(arg(args, "--seconds", "20")), Double.parseDouble(arg(args, "--warmup", "5")),
                    Integer.parseInt(arg(args, "--sessions", "0")));
        }
        System.exit(code);
    }

    // ---------------------------------------------------------------- load

    /** One client's latencies, by op, plus sessions; times in ns. */
    static final class Stats {
        final Map<Op, LongList> ops = new EnumMap<>(Op.class);
        final LongList sessions = new LongList();

        Stats() {
            for (Op o : Op.values()) {
                ops.put(o, new LongList());
            }
        }
    }

    private static volatile long windowStart;
    private static volatile long windowEnd = Long.MAX_VALUE;
    private static final AtomicLong FAILURES = new AtomicLong();
    private static final List<String> FAILURE_TEXT = Collections.synchronizedList(new ArrayList<>());

    private static boolean inWindow(long t) {
        return t >= windowStart && t <= windowEnd;
    }

    private static int load(int clients, double seconds, double warmup, int sessionsPerClient) throws Exception {
        Stats[] stats = new Stats[clients];
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        windowStart = t0 + (long) (warmup * 1e9);
        long stopAt = sessionsPerClient > 0 ? Long.MAX_VALUE : windowStart + (long) (seconds * 1e9);
        windowEnd = stopAt;
        AtomicLong lastEnd = new AtomicLong();
        AtomicInteger exists = new AtomicInteger(-1);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            stats[c] = new Stats();
            done.add(pool.submit(() -> {
                Stats s = stats[client];
                int counted = 0;
                while (true) {
                    long now = System.nanoTime();
                    if (sessionsPerClient > 0 ? counted >= sessionsPerClient : now >= stopAt) {
                        break;
                    }
                    long start = System.nanoTime();
                    boolean ok = session(s, exists);
                    long end = System.nanoTime();
                    if (ok && (sessionsPerClient > 0 ? start >= windowStart : inWindow(end))) {
                        s.sessions.add(end - start);
                        counted++;
                    }
                    lastEnd.accumulateAndGet(end, Math::max);
                    if (!ok) {
                        sleep(100);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double measured = ((sessionsPerClient > 0 ? lastEnd.get() : windowEnd) - windowStart) / 1e9;

        System.out.printf("server %s:%d (%s), user %s, %d clients, %.0f s warm-up, %s; mailbox: %d messages%n", host, port,
                tls ? "implicit TLS" : "plain", user, clients, warmup,
                sessionsPerClient > 0 ? sessionsPerClient + " sessions per client" : String.format("%.0f s measured", seconds),
                exists.get());
        LongList sessions = new LongList();
        Map<Op, LongList> ops = new EnumMap<>(Op.class);
        for (Op o : Op.values()) {
            ops.put(o, new LongList());
        }
        for (Stats s : stats) {
            sessions.addAll(s.sessions);
            for (Op o : Op.values()) {
                ops.get(o).addAll(s.ops.get(o));
            }
        }
        long commands = 0;
        for (Op o : Op.values()) {
            if (o != Op.CONNECT) {
                commands += ops.get(o).size;
            }
        }
        System.out.printf("sessions: %d in %.2f s = %.1f sessions/s%n", sessions.size, measured, sessions.size / measured);
        System.out.printf("commands: %d = %.1f commands/s (FETCH BODY %.1f/s, UID FETCH 1:* %.1f/s)%n", commands,
                commands / measured, ops.get(Op.FETCH_BODY).size / measured, ops.get(Op.FETCH_ALL).size / measured);
        System.out.printf("failures: %d%n", FAILURES.get());
        System.out.printf("%-40s %8s %9s %9s %9s %9s%n", "latency ms", "count", "p50", "p90", "p99", "max");
        for (Op o : Op.values()) {
            printLatency(o.label, ops.get(o));
        }
        printLatency("session (connect to LOGOUT)", sessions);
        synchronized (FAILURE_TEXT) {
            FAILURE_TEXT.stream().limit(20).forEach(f -> System.out.println("failure: " + f));
        }
        return FAILURES.get() == 0 ? 0 : 1;
    }

    private static void printLatency(String label, LongList l) {
        long[] a = l.sorted();
        if (a.length == 0) {
            System.out.printf("%-40s %8d%n", label, 0);
            return;
        }
        System.out.printf("%-40s %8d %9.2f %9.2f %9.2f %9.2f%n", label, a.length, pct(a, 50), pct(a, 90), pct(a, 99),
                a[a.length - 1] / 1e6);
    }

    private static final Pattern UID = Pattern.compile("\\bUID (\\d+)");
    private static final Pattern SIZE = Pattern.compile("\\bRFC822\\.SIZE (\\d+)");
    private static final Pattern EXISTS = Pattern.compile("^\\* (\\d+) EXISTS");

    /** One session; false when it failed (the failure is recorded). */
    private static boolean session(Stats s, AtomicInteger existsSeen) {
        String step = "connect";
        Conn c = null;
        try {
            long t = System.nanoTime();
            c = Conn.open();
            time(s, Op.CONNECT, t);

            step = "LOGIN";
            t = System.nanoTime();
            c.login();
            time(s, Op.LOGIN, t);

            step = "SELECT";
            int[] exists = {-1};
            t = System.nanoTime();
            c.command("SELECT INBOX", line -> {
                Matcher m = EXISTS.matcher(line);
                if (m.find()) {
                    exists[0] = Integer.parseInt(m.group(1));
                }
            });
            time(s, Op.SELECT, t);
            existsSeen.set(exists[0]);

            step = "UID FETCH 1:*";
            LongList uids = new LongList();
            LongList sizes = new LongList();
            t = System.nanoTime();
            c.command("UID FETCH 1:* (UID FLAGS RFC822.SIZE)", line -> {
                if (line.startsWith("* ") && line.contains(" FETCH ")) {
                    Matcher u = UID.matcher(line);
                    Matcher z = SIZE.matcher(line);
                    if (u.find() && z.find()) {
                        uids.add(Long.parseLong(u.group(1)));
                        sizes.add(Long.parseLong(z.group(1)));
                    }
                }
            });
            time(s, Op.FETCH_ALL, t);
            if (uids.size != exists[0] || uids.size == 0) {
                throw new IOException("UID FETCH 1:* returned " + uids.size + " messages with UID and RFC822.SIZE; SELECT said "
                        + exists[0] + " EXISTS");
            }

            long flagged = 0;
            for (int i = 0; i < 3; i++) {
                int pick = ThreadLocalRandom.current().nextInt(uids.size);
                long uid = uids.get(pick);
                flagged = uid;
                step = "UID FETCH " + uid + " (BODY.PEEK[])";
                t = System.nanoTime();
                c.command("UID FETCH " + uid + " (BODY.PEEK[])", null);
                time(s, Op.FETCH_BODY, t);
                if (c.literals.size != 1 || c.literals.get(0) != sizes.get(pick)) {
                    throw new IOException(step + ": literal sizes " + c.literals + ", RFC822.SIZE was " + sizes.get(pick));
                }
            }

            step = "UID STORE " + flagged + " +FLAGS (\\Flagged)";
            t = System.nanoTime();
            c.command("UID STORE " + flagged + " +FLAGS (\\Flagged)", null);
            time(s, Op.STORE, t);
            step = "UID STORE " + flagged + " -FLAGS (\\Flagged)";
            t = System.nanoTime();
            c.command("UID STORE " + flagged + " -FLAGS (\\Flagged)", null);
            time(s, Op.STORE, t);

            step = "LOGOUT";
            t = System.nanoTime();
            c.logout();
            time(s, Op.LOGOUT, t);
            return true;
        } catch (Exception e) {
            fail(step + ": " + e);
            return false;
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    private static void time(Stats s, Op op, long t) {
        long end = System.nanoTime();
        if (inWindow(end)) {
            s.ops.get(op).add(end - t);
        }
    }

    private static void fail(String text) {
        FAILURES.incrementAndGet();
        if (FAILURE_TEXT.size() < 100) {
            FAILURE_TEXT.add(text);
        }
    }

    // ---------------------------------------------------------------- idle

    private static int idle(int n, int holdSeconds, int parallel, long pid) throws Exception {
        System.out.printf("server %s:%d (%s), user %s: %d connections, each LOGIN, SELECT INBOX, IDLE; held %d s%n", host, port,
                tls ? "implicit TLS" : "plain", user, n, holdSeconds);
        Snapshot before = pid > 0 ? Snapshot.take(pid) : null;
        if (before != null) {
            System.out.println("before:  " + before);
        }
        List<Conn> conns = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int p = 0; p < parallel; p++) {
            futures.add(pool.submit(() -> {
                while (next.getAndIncrement() < n) {
                    Conn c = null;
                    String step = "connect";
                    try {
                        c = Conn.open();
                        step = "LOGIN";
                        c.login();
                        step = "SELECT";
                        c.command("SELECT INBOX", null);
                        step = "IDLE";
                        c.startIdle();
                        conns.add(c);
                    } catch (Exception e) {
                        fail("connection " + next.get() + " " + step + ": " + e);
                        if (c != null) {
                            c.close();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double openSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("opened: %d of %d idling in %.1f s (%.0f connections/s); failures: %d%n", conns.size(), n, openSeconds,
                conns.size() / openSeconds, FAILURES.get());
        long holdEnd = System.nanoTime() + holdSeconds * 1_000_000_000L;
        sleep(Math.min(5_000, holdSeconds * 1000L / 2));
        Snapshot during = pid > 0 ? Snapshot.take(pid) : null;
        if (during != null) {
            System.out.println("idling:  " + during);
            int k = Math.max(1, conns.size());
            System.out.printf("delta:   %s%n", during.minus(before).describe(k));
        }
        long rest = (holdEnd - System.nanoTime()) / 1_000_000;
        if (rest > 0) {
            sleep(rest);
        }
        // Each connection must still be there, idling: nothing but untagged lines may have come.
        int alive = 0;
        long t1 = System.nanoTime();
        List<Future<Boolean>> ends = new ArrayList<>();
        for (Conn c : conns) {
            ends.add(pool.submit(() -> {
                try {
                    c.endIdle();
                    c.logout();
                    return true;
                } catch (Exception e) {
                    fail("DONE/LOGOUT after holding: " + e);
                    return false;
                } finally {
                    c.close();
                }
            }));
        }
        for (Future<Boolean> f : ends) {
            if (f.get()) {
                alive++;
            }
        }
        pool.shutdown();
        System.out.printf("after %d s: %d of %d answered DONE with OK and logged out (%.1f s); failures: %d%n", holdSeconds, alive,
                conns.size(), (System.nanoTime() - t1) / 1e9, FAILURES.get());
        synchronized (FAILURE_TEXT) {
            FAILURE_TEXT.stream().limit(20).forEach(f -> System.out.println("failure: " + f));
        }
        return FAILURES.get() == 0 ? 0 : 1;
    }

    /** The server's size: its process tree from /proc, and the JVM's heap and threads via jcmd. */
    record Snapshot(int processes, long osThreads, long pssKib, long heapUsedKib, long javaThreads) {
        /** Not a JVM, or jcmd failed. */
        static final long NONE = Long.MIN_VALUE;

        static Snapshot take(long pid) throws Exception {
            List<Long> tree = new ArrayList<>();
            tree.add(pid);
            for (int i = 0; i < tree.size(); i++) {
                ProcessHandle.of(tree.get(i)).ifPresent(h -> h.children().forEach(ch -> tree.add(ch.pid())));
            }
            long threads = 0;
            long pss = 0;
            for (long p : tree) {
                threads += procField(Paths.get("/proc", String.valueOf(p), "status"), "Threads:");
                pss += procField(Paths.get("/proc", String.valueOf(p), "smaps_rollup"), "Pss:");
            }
            long heap = NONE;
            long jthreads = NONE;
            String gc = jcmd(pid, "GC.run");
            if (gc != null) {
                String info = jcmd(pid, "GC.heap_info");
                Matcher m = Pattern.compile("used (\\d+)K").matcher(info == null ? "" : info);
                if (m.find()) {
                    heap = Long.parseLong(m.group(1));
                }
                String dump = jcmd(pid, "Thread.print");
                if (dump != null) {
                    jthreads = dump.lines().filter(l -> l.startsWith("\"")).count();
                }
            }
            return new Snapshot(tree.size(), threads, pss, heap, jthreads);
        }

        Snapshot minus(Snapshot b) {
            return new Snapshot(processes - b.processes, osThreads - b.osThreads, pssKib - b.pssKib,
                    heapUsedKib == NONE || b.heapUsedKib == NONE ? NONE : heapUsedKib - b.heapUsedKib,
                    javaThreads == NONE || b.javaThreads == NONE ? NONE : javaThreads - b.javaThreads);
        }

        @Override
        public String toString() {
            return describe(0);
        }

        /** With per > 0: also the figures divided by that many connections. */
        String describe(int per) {
            StringBuilder b = new StringBuilder();
            b.append(String.format("processes %d, OS threads %d, PSS %.1f MiB", processes, osThreads, pssKib / 1024.0));
            if (heapUsedKib != NONE) {
                b.append(String.format(", heap used after full GC %.1f MiB, Java threads %d", heapUsedKib / 1024.0, javaThreads));
            }
            if (per > 0) {
                b.append(String.format("  (per connection: PSS %.1f KiB", pssKib / (double) per));
                if (heapUsedKib != NONE) {
                    b.append(String.format(", heap %.1f KiB", heapUsedKib / (double) per));
                }
                b.append(String.format(", OS threads %.3f)", osThreads / (double) per));
            }
            return b.toString();
        }
    }

    private static long procField(Path file, String name) {
        try {
            for (String l : Files.readAllLines(file)) {
                if (l.startsWith(name)) {
                    return Long.parseLong(l.substring(name.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended meanwhile, or no access
        }
        return 0;
    }

    private static String jcmd(long pid, String command) {
        try {
            Process p = new ProcessBuilder("jcmd", String.valueOf(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- fill

    private static int fill(int n, int size, int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger stored = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int p = 0; p < clients; p++) {
            futures.add(pool.submit(() -> {
                try (Conn c = Conn.open()) {
                    c.login();
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        byte[] m = message(i, size);
                        try {
                            c.append("INBOX", i % 10 == 0 ? "()" : "(\\Seen)", m);
                            stored.incrementAndGet();
                        } catch (IOException e) {
                            fail("APPEND " + i + ": " + e);
                            return null; // this connection is done; the others go on
                        }
                    }
                    c.logout();
                } catch (Exception e) {
                    fail("fill connection: " + e);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        double sec = (System.nanoTime() - t0) / 1e9;
        System.out.printf("appended: %d of %d messages of %d octets in %.1f s = %.1f messages/s; failures: %d%n", stored.get(), n,
                size, sec, stored.get() / sec, FAILURES.get());
        synchronized (FAILURE_TEXT) {
            FAILURE_TEXT.stream().limit(20).forEach(f -> System.out.println("failure: " + f));
        }
        return FAILURES.get() == 0 ? 0 : 1;
    }

    private static final String[] NAMES = {"Ada Lovelace", "Grace Hopper", "Alan Turing", "Barbara Liskov", "Ken Thompson",
        "Margaret Hamilton", "Dennis Ritchie", "Frances Allen", "Edsger Dijkstra", "Radia Perlman"};
    private static final String[] DOMAINS = {"origin.example", "lists.example.org", "mail.example.com", "news.example.net"};
    private static final String[] WORDS = ("the quarterly report meeting agenda invoice draft release notes lunch on "
            + "friday build failed again patch review travel plans budget question about your order shipped holiday schedule")
            .split(" ");
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** Message i: realistic headers, a text body, exactly {@code size} octets, CRLF line ends. */
    static byte[] message(int i, int size) {
        Random r = new Random(i * 7919L + 17);
        String name = NAMES[r.nextInt(NAMES.length)];
        String domain = DOMAINS[r.nextInt(DOMAINS.length)];
        String from = name.toLowerCase(Locale.ROOT).replace(' ', '.') + "@" + domain;
        ZonedDateTime date = ZonedDateTime.of(2026, 1, 1, 8, 0, 0, 0, ZoneOffset.ofHours(1)).plusMinutes(37L * i);
        StringBuilder subj = new StringBuilder();
        for (int w = 0; w < 3 + r.nextInt(5); w++) {
            subj.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        String msgId = Long.toHexString(r.nextLong() & Long.MAX_VALUE) + "." + i + "@" + domain;
        String dkim = Base64.getEncoder().encodeToString(bytes(r, 192));
        StringBuilder b = new StringBuilder();
        b.append("Return-Path: <").append(from).append(">\r\n");
        b.append("Received: from mx.").append(domain).append(" (mx.").append(domain).append(" [192.0.2.")
                .append(1 + r.nextInt(250)).append("])\r\n\tby mx.example.net with ESMTPS id ")
                .append(Long.toHexString(r.nextLong() & Long.MAX_VALUE)).append("\r\n\tfor <alice@example.net>; ")
                .append(date.format(RFC5322)).append("\r\n");
        b.append("Received: from [198.51.100.").append(1 + r.nextInt(250)).append("] by mx.").append(domain)
                .append(" with ESMTPSA; ").append(date.minusSeconds(3).format(RFC5322)).append("\r\n");
        b.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=").append(domain)
                .append("; s=mail;\r\n\th=from:to:subject:date:message-id; bh=")
                .append(Base64.getEncoder().encodeToString(bytes(r, 32))).append(";\r\n\tb=");
        for (int k = 0; k < dkim.length(); k += 64) {
            b.append(k == 0 ? "" : "\r\n\t ").append(dkim, k, Math.min(dkim.length(), k + 64));
        }
        b.append("\r\n");
        b.append("Date: ").append(date.format(RFC5322)).append("\r\n");
        b.append("From: ").append(name).append(" <").append(from).append(">\r\n");
        b.append("To: Alice Example <alice@example.net>\r\n");
        if (r.nextInt(3) == 0) {
            b.append("Cc: bob@example.net, \"Carol C.\" <carol@example.net>\r\n");
        }
        b.append("Subject: ").append(r.nextInt(4) == 0 ? "Re: " : "").append(subj).append("\r\n");
        b.append("Message-ID: <").append(msgId).append(">\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: text/plain; charset=\"utf-8\"; format=flowed\r\n");
        b.append("Content-Transfer-Encoding: 7bit\r\n\r\n");
        b.append("Hi Alice,\r\n\r\n");
        StringBuilder line = new StringBuilder();
        while (b.length() + line.length() < size - 2) {
            String w = WORDS[r.nextInt(WORDS.length)];
            if (line.length() + w.length() + 1 > 72) {
                b.append(line).append("\r\n");
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(w);
        }
        b.append(line);
        // exactly size octets, ending with CRLF
        if (b.length() > size - 2) {
            b.setLength(size - 2);
            while (b.charAt(b.length() - 1) == '\r') {
                b.setCharAt(b.length() - 1, '.');
            }
        }
        while (b.length() < size - 2) {
            b.append('.');
        }
        b.append("\r\n");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(Random r, int n) {
        byte[] a = new byte[n];
        r.nextBytes(a);
        return a;
    }

    // ---------------------------------------------------------------- connection

    /** One IMAP connection: tagged commands, responses read with their literals. */
    static final class Conn implements Closeable {
        final Socket s;
        final InputStream in;
        final OutputStream out;
        int tag;
        /** The sizes of the literals in the last command's responses. */
        final LongList literals = new LongList();
        private final byte[] skip = new byte[65536];
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

        private Conn(Socket s) throws IOException {
            this.s = s;
            s.setSoTimeout(timeoutMs);
            s.setTcpNoDelay(true);
            in = new BufferedInputStream(s.getInputStream(), 65536);
            out = s.getOutputStream();
        }

        static Conn open() throws IOException {
            Socket raw = new Socket();
            try {
                raw.connect(new InetSocketAddress(host, port), timeoutMs);
                Socket s = raw;
                if (tls) {
                    SSLSocket t = (SSLSocket) trustAll().getSocketFactory().createSocket(raw, host, port, true);
                    t.startHandshake();
                    s = t;
                }
                Conn c = new Conn(s);
                String greeting = c.readResponse();
                if (greeting == null || !greeting.startsWith("* OK")) {
                    throw new IOException("greeting: " + greeting);
                }
                return c;
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        void login() throws IOException {
            if (authPlain) {
                String ir = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
                command("AUTHENTICATE PLAIN " + ir, null);
            } else {
                command("LOGIN " + quote(user) + " " + quote(password), null);
            }
        }

        /** Sends a command, reads to its tagged answer; untagged responses to the consumer. Not OK: IOException. */
        String command(String text, Consumer<String> untagged) throws IOException {
            String t = "a" + (++tag);
            send(t + " " + text + "\r\n");
            return await(t, text, untagged);
        }

        private String await(String t, String text, Consumer<String> untagged) throws IOException {
            literals.size = 0;
            while (true) {
                String r = readResponse();
                if (r == null) {
                    throw new IOException("connection closed by the server during " + redact(text));
                }
                if (r.startsWith(t + " ")) {
                    if (!r.startsWith(t + " OK")) {
                        throw new IOException(redact(text) + " -> " + r);
                    }
                    return r;
                }
                if (r.startsWith("* BYE") && !text.equals("LOGOUT")) {
                    throw new IOException(redact(text) + " -> " + r);
                }
                if (untagged != null) {
                    untagged.accept(r);
                }
            }
        }

        void append(String mailbox, String flags, byte[] message) throws IOException {
            String t = "a" + (++tag);
            String text = "APPEND " + mailbox + " " + flags + " {" + message.length + "}";
            send(t + " " + text + "\r\n");
            String r = readResponse();
            if (r == null || !r.startsWith("+")) {
                throw new IOException(text + " -> " + r);
            }
            out.write(message);
            send("\r\n");
            await(t, text, null);
        }

        void startIdle() throws IOException {
            String t = "a" + (++tag);
            send(t + " IDLE\r\n");
            while (true) {
                String r = readResponse();
                if (r == null) {
                    throw new IOException("closed before the IDLE continuation");
                }
                if (r.startsWith("+")) {
                    return;
                }
                if (r.startsWith(t + " ")) {
                    throw new IOException("IDLE -> " + r);
                }
            }
        }

        void endIdle() throws IOException {
            // Only untagged updates can have come while idling; a BYE fails in await.
            send("DONE\r\n");
            await("a" + tag, "IDLE", null);
        }

        void logout() throws IOException {
            command("LOGOUT", null);
        }

        private void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** One response: a line and the literals announced in it, which are skipped (their sizes recorded). */
        String readResponse() throws IOException {
            StringBuilder b = new StringBuilder();
            while (true) {
                line.reset();
                int c;
                while ((c = in.read()) != -1 && c != '\n') {
                    line.write(c);
                }
                if (c == -1 && line.size() == 0) {
                    return b.length() == 0 ? null : b.toString();
                }
                String l = line.toString(StandardCharsets.ISO_8859_1);
                if (l.endsWith("\r")) {
                    l = l.substring(0, l.length() - 1);
                }
                b.append(l);
                int open = l.lastIndexOf('{');
                if (l.endsWith("}") && open >= 0 && l.length() - open > 2 && l.substring(open + 1, l.length() - 1).chars()
                        .allMatch(Character::isDigit)) {
                    long n = Long.parseLong(l.substring(open + 1, l.length() - 1));
                    long left = n;
                    while (left > 0) {
                        int k = in.read(skip, 0, (int) Math.min(skip.length, left));
                        if (k < 0) {
                            throw new IOException("connection closed inside a literal");
                        }
                        left -= k;
                    }
                    literals.add(n);
                    continue;
                }
                return b.toString();
            }
        }

        @Override
        public void close() {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static String redact(String command) {
        return command.startsWith("LOGIN ") || command.startsWith("AUTHENTICATE ")
                ? command.substring(0, command.indexOf(' ')) + " ..." : command;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static SSLContext trustAllContext;

    private static synchronized SSLContext trustAll() throws IOException {
        if (trustAllContext == null) {
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public void checkServerTrusted(X509Certificate[] chain, String authType) {
                        // a benchmark on loopback against a self-signed certificate
                    }

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                }}, new SecureRandom());
                trustAllContext = ctx;
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
        return trustAllContext;
    }

    // ---------------------------------------------------------------- small things

    /** A growable list of longs. */
    static final class LongList {
        long[] a = new long[64];
        int size;

        void add(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }

        long get(int i) {
            return a[i];
        }

        void addAll(LongList o) {
            for (int i = 0; i < o.size; i++) {
                add(o.a[i]);
            }
        }

        long[] sorted() {
            long[] c = Arrays.copyOf(a, size);
            Arrays.sort(c);
            return c;
        }

        @Override
        public String toString() {
            return Arrays.toString(Arrays.copyOf(a, size));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static boolean flag(String[] args, String name) {
        return Arrays.asList(args).contains(name);
    }

    private static String arg(String[] args, String name, String def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }
}
