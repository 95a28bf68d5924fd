package org.postern.bench;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How long a Block List change made on one node takes to be enforced by another node sharing
 * the database (issue 7): two Postern nodes A and B on one PostgreSQL database, B's policy cache
 * dropped by the change feed (LISTEN/NOTIFY) when A commits a change.
 *
 * <p>Each of N rounds (default 20, after {@code --warmup-rounds} not counted, default 0) uses a
 * sender no Block List holds yet, {@code spam-<run>-<n>@leaky.example}, and
 * <ol>
 * <li>starts one prober per node: one SMTP connection each, sending RSET, MAIL FROM:&lt;sender&gt;,
 * RCPT TO:&lt;account&gt; (pipelined when the server offers PIPELINING) back to back, as fast as the
 * node answers;</li>
 * <li>waits until both nodes have answered 250 to that RCPT: the account's lists are then
 * compiled and cached on both nodes (B's cache is warm, which is the case under test: a cold
 * cache reads the database and sees the change at once);</li>
 * <li>at {@code t0} starts the change on A, by default
 * {@code <karaf home>/bin/client ... postern:block-add <account> <sender>} (a new JVM, an SSH
 * login and the command), or any {@code --command};</li>
 * <li>records {@code tA} and {@code tB}, the moments A's and B's probers first read a 550 reply
 * to the RCPT (the blocked sender gets the same "User unknown" as a non-existent address).</li>
 * </ol>
 * Per round it prints {@code tA - t0}, {@code tB - t0} and {@code tB - tA}, plus how long the
 * change command ran; at the end the median, p95 and max of {@code tB - tA} ("propagation to the
 * other node": commit on A, NOTIFY, B's feed drops the cache, B's next RCPT reloads the lists)
 * and of {@code tB - t0} ("from typing the command to enforcement everywhere", dominated by
 * bin/client's JVM start and SSH login). A time is when a reply was read, so each is late by at
 * most one probe round trip; the "window" printed is the time between a node's last 250 and its
 * first 550, the uncertainty of that node's figure. {@code tB - tA} may be negative within that
 * resolution, or when A's own cache drop is slower than the feed.
 *
 * <p>The probers compete for the CPU with both nodes and with bin/client: on a small machine
 * {@code tB - t0} grows with them; {@code --probe-pause-us} throttles the probers.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.postern.bench.BlockListPropagation \
 *     --port-a 2525 --port-b 2625 --account alice@example.net --rounds 20 --warmup-rounds 2 \
 *     --karaf-home /opt/postern-a [--ssh-port 8101] [--password-file /opt/postern-a/postern-data/admin.password]
 * # or any command; {account} and {sender} are replaced, and are also in $ACCOUNT and $SENDER:
 *     --command 'ssh admin@node-a postern:block-add {account} {sender}'</pre>
 *
 * The console password is passed to bin/client with {@code -p}, so it is visible in the process
 * list of the machine while the command runs: for test installations only.
 */
public final class BlockListPropagation {
    private BlockListPropagation() {
    }

    public static void main(String[] args) throws Exception {
        String host = arg(args, "--host", "127.0.0.1");
        int portA = Integer.parseInt(required(args, "--port-a"));
        int portB = Integer.parseInt(required(args, "--port-b"));
        String account = arg(args, "--account", "alice@example.net");
        int rounds = Integer.parseInt(arg(args, "--rounds", "20"));
        int warmupRounds = Integer.parseInt(arg(args, "--warmup-rounds", "0"));
        long timeoutSeconds = Long.parseLong(arg(args, "--timeout-seconds", "60"));
        long pauseMicros = Long.parseLong(arg(args, "--probe-pause-us", "0"));
        String run = arg(args, "--run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36));
        String command = arg(args, "--command", null);
        Change change;
        String how;
        if (command != null) {
            change = (acct, sender) -> runShell(command, acct, sender);
            how = "command: " + command;
        } else {
            Path home = Path.of(required(args, "--karaf-home")).toAbsolutePath();
            String ssh = arg(args, "--ssh-port", null);
            int sshPort = ssh != null ? Integer.parseInt(ssh) : sshPortOf(home);
            Path pwFile = Path.of(arg(args, "--password-file", home.resolve("postern-data/admin.password").toString()));
            String password = Files.readString(pwFile).trim();
            change = (acct, sender) -> runClient(home, sshPort, password, "postern:block-add " + acct + " " + sender);
            how = "bin/client of " + home + " (SSH port " + sshPort + ")";
        }

        System.out.printf("Block List propagation: node A %s:%d, node B %s:%d, account %s, %d rounds after %d warm-up%n",
                host, portA, host, portB, account, rounds, warmupRounds);
        System.out.println("change on A by " + how);
        System.out.println("times in ms from t0 (the change command started); tA/tB: first 550 read from A/B");
        System.out.printf("%5s  %-36s %9s %9s %9s %9s %9s %9s%n", "round", "sender", "command", "tA-t0", "tB-t0",
                "tB-tA", "windowA", "windowB");

        List<Double> propagation = new ArrayList<>();
        List<Double> endToEnd = new ArrayList<>();
        List<Double> onA = new ArrayList<>();
        List<Double> commands = new ArrayList<>();
        List<Double> windows = new ArrayList<>();
        int failed = 0;
        for (int n = 1 - warmupRounds; n <= rounds; n++) {
            boolean warmup = n <= 0;
            String round = warmup ? "w" + (n + warmupRounds) : String.valueOf(n);
            String sender = "spam-" + run + "-" + round + "@leaky.example";
            Prober a = new Prober("A", host, portA, sender, account, pauseMicros);
            Prober b = new Prober("B", host, portB, sender, account, pauseMicros);
            a.start();
            b.start();
            try {
                if (!a.warm.await(30, TimeUnit.SECONDS) || !b.warm.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("no 250 to the RCPT before the change: A " + a.failure() + ", B "
                            + b.failure());
                }
                long t0 = System.nanoTime();
                Ran ran = change.apply(account, sender);
                long commandEnd = System.nanoTime();
                if (ran.exit != 0) {
                    throw new IOException("the change command exited with " + ran.exit + ":\n" + ran.output);
                }
                long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
                for (Prober p : List.of(a, b)) {
                    if (!p.done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        throw new IOException("node " + p.name + " did not answer 550 within " + timeoutSeconds
                                + " s of the change");
                    }
                    if (p.blockedAt == 0) {
                        throw new IOException("node " + p.name + ": " + p.failure());
                    }
                }
                double cmd = ms(commandEnd - t0);
                double ta = ms(a.blockedAt - t0);
                double tb = ms(b.blockedAt - t0);
                double wa = ms(a.blockedAt - a.lastAcceptedAt);
                double wb = ms(b.blockedAt - b.lastAcceptedAt);
                System.out.printf("%5s  %-36s %9.1f %9.1f %9.1f %+9.1f %9.2f %9.2f%s%n", round, sender, cmd, ta, tb,
                        tb - ta, wa, wb, warmup ? "  (warm-up, not counted)" : "");
                if (warmup) {
                    continue;
                }
                propagation.add(tb - ta);
                endToEnd.add(tb);
                onA.add(ta);
                commands.add(cmd);
                windows.add(wa);
                windows.add(wb);
            } catch (IOException e) {
                failed++;
                System.out.printf("%5s  %-36s FAILED: %s%n", round, sender, e.getMessage());
            } finally {
                a.stopAndJoin();
                b.stopAndJoin();
            }
            Thread.sleep(200);
        }

        System.out.println();
        System.out.printf("rounds: %d measured, %d failed%n", propagation.size(), failed);
        if (!propagation.isEmpty()) {
            summary("propagation to the other node (tB - tA)", propagation);
            summary("change command to enforcement on B (tB - t0)", endToEnd);
            summary("change command to enforcement on A (tA - t0)", onA);
            summary("change command run time (bin/client or --command)", commands);
            summary("probe resolution (last 250 to first 550, A and B)", windows);
        }
        if (failed > 0) {
            System.exit(1);
        }
    }

    /** Makes the Block List change on node A. */
    @FunctionalInterface
    private interface Change {
        Ran apply(String account, String sender) throws IOException, InterruptedException;
    }

    private record Ran(int exit, String output) {
    }

    /**
     * Probes one node on one connection until its RCPT answer turns from 250 to 550. Times are
     * {@link System#nanoTime()} when the RCPT reply was read.
     */
    private static final class Prober extends Thread {
        final String name;
        private final String host;
        private final int port;
        private final String sender;
        private final String account;
        private final long pauseMicros;
        final CountDownLatch warm = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        private final AtomicBoolean running = new AtomicBoolean(true);
        volatile long lastAcceptedAt;
        volatile long blockedAt;
        private volatile String failure = "no reply yet";

        Prober(String name, String host, int port, String sender, String account, long pauseMicros) {
            super("probe-" + name);
            setDaemon(true);
            this.name = name;
            this.host = host;
            this.port = port;
            this.sender = sender;
            this.account = account;
            this.pauseMicros = pauseMicros;
        }

        String failure() {
            return failure;
        }

        @Override
        public void run() {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 10_000);
                s.setSoTimeout(30_000);
                s.setTcpNoDelay(true);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                reply(in, "220");
                send(out, "EHLO probe.bench.example\r\n");
                boolean pipelining = false;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    pipelining |= line.length() > 4 && line.substring(4).trim().equalsIgnoreCase("PIPELINING");
                    if (line.length() < 4 || line.charAt(3) == ' ') {
                        break;
                    }
                }
                String rset = "RSET\r\n";
                String mail = "MAIL FROM:<" + sender + ">\r\n";
                String rcpt = "RCPT TO:<" + account + ">\r\n";
                while (running.get()) {
                    String r;
                    if (pipelining) {
                        send(out, rset + mail + rcpt);
                        reply(in, "250");
                        reply(in, "250");
                        r = reply(in, null);
                    } else {
                        send(out, rset);
                        reply(in, "250");
                        send(out, mail);
                        reply(in, "250");
                        send(out, rcpt);
                        r = reply(in, null);
                    }
                    long t = System.nanoTime();
                    if (r.startsWith("250")) {
                        lastAcceptedAt = t;
                        warm.countDown();
                    } else if (r.startsWith("550")) {
                        if (lastAcceptedAt == 0) {
                            failure = "550 before any 250 (sender already blocked?): " + r;
                        } else {
                            blockedAt = t;
                        }
                        break;
                    } else {
                        failure = "unexpected RCPT reply: " + r;
                        break;
                    }
                    if (pauseMicros > 0) {
                        TimeUnit.MICROSECONDS.sleep(pauseMicros);
                    }
                }
                send(out, "QUIT\r\n");
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                warm.countDown();
                done.countDown();
            }
        }

        void stopAndJoin() throws InterruptedException {
            running.set(false);
            join(35_000);
        }
    }

    /** Reads one (possibly multi-line) reply; its last line, which must start with code if given. */
    private static String reply(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed by the server");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (code != null && !line.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + line);
        }
        return line;
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** bin/client -b with the command on stdin, as the operator (and the itests) run it. */
    private static Ran runClient(Path home, int sshPort, String password, String commands)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort),
                "-h", "127.0.0.1", "-u", "admin", "-p", password, "-r", "1", "-b").directory(home.toFile())
                .redirectErrorStream(true);
        pb.environment().putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((commands + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return finish(p);
    }

    private static Ran runShell(String command, String account, String sender)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c",
                command.replace("{account}", account).replace("{sender}", sender)).redirectErrorStream(true);
        pb.environment().put("ACCOUNT", account);
        pb.environment().put("SENDER", sender);
        Process p = pb.start();
        p.getOutputStream().close();
        return finish(p);
    }

    private static Ran finish(Process p) throws IOException, InterruptedException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream out = p.getInputStream()) {
            out.transferTo(buf);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Ran(-1, "timed out; " + buf.toString(StandardCharsets.UTF_8));
        }
        return new Ran(p.exitValue(), buf.toString(StandardCharsets.UTF_8));
    }

    private static int sshPortOf(Path home) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(home.resolve("etc/org.apache.karaf.shell.cfg"))) {
            p.load(in);
        }
        return Integer.parseInt(p.getProperty("sshPort", "8101").trim());
    }

    private static void summary(String what, List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("%-52s median %8.1f ms  p95 %8.1f ms  max %8.1f ms  (min %.1f, n=%d)%n", what + ":",
                pct(v, 50), pct(v, 95), v[v.length - 1], v[0], v.length);
    }

    /** Nearest-rank percentile of sorted values. */
    private static double pct(double[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String required(String[] args, String name) {
        String v = arg(args, name, null);
        if (v == null) {
            System.err.println("missing " + name + "; see the javadoc of " + BlockListPropagation.class.getName());
            System.exit(2);
        }
        return v;
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
