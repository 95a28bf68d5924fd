package org.postern.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SMTP load over loopback: N concurrent clients, each on its own connection, each sending M
 * messages of a given size (MAIL, RCPT, DATA per message, pipelined per RFC 2920 when the server
 * offers PIPELINING). Prints accepted messages per second and latency percentiles (MAIL FROM to the
 * final 250), plus the replies that were not 250. Works against any SMTP server, so the same run
 * can be pointed at Postfix for a comparison.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.postern.bench.SmtpLoad \
 *     --port 2525 --clients 16 --messages 200 --size 4096 --to alice@example.net</pre>
 *
 * <p>For submission: {@code --starttls} (any certificate), and {@code --auth-user u
 * --auth-secret-file f} (AUTH PLAIN after STARTTLS; the secret is read from a file, never taken
 * from the command line). The message's From header is {@code --from}.
 *
 * <p>Every message has a Message-ID of its own, {@code <RUN.CLIENT.INDEX@bench.postern.test>}
 * ({@code --id-prefix RUN}, random by default), so that what a sink received can be matched with
 * what was accepted: {@code --accepted-file f} appends the Message-ID of every message the server
 * answered 250 to (one a line, flushed at once). {@code --reconnect-seconds n} makes a client whose
 * connection broke (a server killed under load) connect again, for up to n seconds, and go on with
 * its next message; the message it was sending counts as failed (the server may or may not have
 * taken it: it is not in the accepted file). {@code --report-seconds n} prints a progress line
 * every n seconds. {@code --seconds s} makes every client send for s seconds (and at most
 * {@code --messages}) instead of a fixed count.
 */
public final class SmtpLoad {
    private SmtpLoad() {
    }

    public static void main(String[] args) throws Exception {
        String host = arg(args, "--host", "127.0.0.1");
        int port = Integer.parseInt(arg(args, "--port", "2525"));
        int clients = Integer.parseInt(arg(args, "--clients", "16"));
        int messages = Integer.parseInt(arg(args, "--messages", "200"));
        // A run of a fixed length rather than a fixed count: each client sends until then (and at
        // most --messages), so a slow server and a fast one are both measured over the same span.
        double runSeconds = Double.parseDouble(arg(args, "--seconds", "0"));
        int size = Integer.parseInt(arg(args, "--size", "4096"));
        // Comma-separated: client i sends to recipient i mod n (one mailbox per client, or all to one).
        String[] recipients = arg(args, "--to", "alice@example.net").split(",");
        String from = arg(args, "--from", "load@sender.example");
        String helo = arg(args, "--helo", "load.sender.example");
        boolean starttls = Arrays.asList(args).contains("--starttls");
        String authUser = arg(args, "--auth-user", null);
        String secretFile = arg(args, "--auth-secret-file", null);
        String auth = authUser == null ? null : java.util.Base64.getEncoder().encodeToString(("\0" + authUser + "\0"
                + java.nio.file.Files.readString(java.nio.file.Path.of(secretFile)).strip()).getBytes(StandardCharsets.UTF_8));

        String prefix = arg(args, "--id-prefix", Long.toString(System.nanoTime() & 0xffffffL, 36));
        String acceptedFile = arg(args, "--accepted-file", null);
        long reconnectSeconds = Long.parseLong(arg(args, "--reconnect-seconds", "0"));
        long reportSeconds = Long.parseLong(arg(args, "--report-seconds", "0"));
        Accepted accepted = new Accepted(acceptedFile);
        Options o = new Options(host, port, helo, from, starttls, auth, prefix, accepted, reconnectSeconds * 1_000_000_000L);

        byte[] body = body(size, from);
        long[][] latencies = new long[clients][];
        AtomicLong refused = new AtomicLong();
        List<String> firstRefusals = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        long deadline = runSeconds > 0 ? start + (long) (runSeconds * 1e9) : 0;
        Thread reporter = null;
        if (reportSeconds > 0) {
            reporter = new Thread(() -> {
                try {
                    while (true) {
                        Thread.sleep(reportSeconds * 1000);
                        System.out.printf("load: %d accepted, %d refused or failed after %.0f s%n", accepted.count(),
                                refused.get(), (System.nanoTime() - start) / 1e9);
                    }
                } catch (InterruptedException e) {
                    // done
                }
            });
            reporter.setDaemon(true);
            reporter.start();
        }
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            String to = recipients[c % recipients.length].trim();
            done.add(pool.submit(() -> {
                latencies[client] = runClient(o, client, to, body, messages, deadline, refused, firstRefusals);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (reporter != null) {
            reporter.interrupt();
        }
        accepted.close();
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);

        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).filter(l -> l >= 0).sorted().toArray();
        System.out.printf("server %s:%d, %d clients x %s of %d bytes, %d recipient(s)%n", host, port, clients,
                deadline == 0 ? messages + " messages" : "messages for " + runSeconds + " s", size, recipients.length);
        System.out.printf("accepted: %d in %.2f s = %.1f messages/s; refused or failed: %d%n", all.length, seconds,
                all.length / seconds, refused.get());
        if (all.length > 0) {
            System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n", pct(all, 50), pct(all, 90),
                    pct(all, 99), all[all.length - 1] / 1e6);
        }
        firstRefusals.stream().limit(5).forEach(r -> System.out.println("not accepted: " + r));
        if (o.reconnectNanos() > 0) {
            System.out.printf("reconnections: %d%n", o.reconnections().get());
        }
    }

    /** What every client shares. */
    record Options(String host, int port, String helo, String from, boolean starttls, String auth, String prefix,
            Accepted accepted, long reconnectNanos, AtomicLong reconnections) {
        Options(String host, int port, String helo, String from, boolean starttls, String auth, String prefix,
                Accepted accepted, long reconnectNanos) {
            this(host, port, helo, from, starttls, auth, prefix, accepted, reconnectNanos, new AtomicLong());
        }
    }

    /** The Message-IDs the server took (250 after DATA): counted, and appended to a file when one is given. */
    static final class Accepted {
        private final java.io.Writer out;
        private final AtomicLong count = new AtomicLong();

        Accepted(String file) throws IOException {
            out = file == null ? null : java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(file),
                    StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }

        void add(String messageId) throws IOException {
            count.incrementAndGet();
            if (out != null) {
                synchronized (this) {
                    out.write(messageId + "\n");
                    out.flush();
                }
            }
        }

        long count() {
            return count.get();
        }

        synchronized void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }

    /** A session, ready for MAIL: connected, STARTTLS and AUTH done as asked. */
    record Session(Socket socket, BufferedReader in, OutputStream out, boolean pipelining) implements AutoCloseable {
        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // gone already
            }
        }
    }

    static Session open(Options o) throws IOException, java.security.GeneralSecurityException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(o.host(), o.port()), 10_000);
            plain.setSoTimeout(60_000);
            plain.setTcpNoDelay(true);
            Socket s = plain;
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            send(out, "EHLO " + o.helo() + "\r\n");
            if (o.starttls()) {
                expect(in, "250");
                send(out, "STARTTLS\r\n");
                expect(in, "220");
                s = trustAll().getSocketFactory().createSocket(plain, o.host(), o.port(), true);
                ((javax.net.ssl.SSLSocket) s).startHandshake();
                in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                out = s.getOutputStream();
                send(out, "EHLO " + o.helo() + "\r\n");
            }
            if (o.auth() != null) {
                expect(in, "250");
                send(out, "AUTH PLAIN " + o.auth() + "\r\n");
                expect(in, "235");
                send(out, "EHLO " + o.helo() + "\r\n");
            }
            boolean pipelining = false;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                pipelining |= line.substring(4).trim().equalsIgnoreCase("PIPELINING");
                if (line.charAt(3) == ' ') {
                    break;
                }
            }
            return new Session(s, in, out, pipelining);
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** @param deadline System.nanoTime() after which no new message is started; 0 for none */
    private static long[] runClient(Options o, int client, String to, byte[] body, int messages, long deadline,
            AtomicLong refused, List<String> refusals) {
        long[] lat = new long[deadline == 0 ? messages : Math.min(messages, 4096)];
        Arrays.fill(lat, -1);
        int i = 0;
        Session session = null;
        try {
            while (i < messages && (deadline == 0 || System.nanoTime() - deadline < 0)) {
                if (i == lat.length) {
                    lat = Arrays.copyOf(lat, (int) Math.min(messages, 2L * lat.length));
                    Arrays.fill(lat, i, lat.length, -1);
                }
                if (session == null) {
                    session = connect(o, refusals);
                    if (session == null) {
                        refused.addAndGet(deadline == 0 ? messages - i : 1); // gave up: the rest is not sent
                        return lat;
                    }
                }
                String messageId = "<" + o.prefix() + "." + client + "." + i + "@bench.postern.test>";
                String reply = null;
                try {
                    reply = sendOne(session, o.from(), to, messageId, body, refused, refusals);
                } catch (IOException | RuntimeException e) {
                    // broken in the middle of a message: it counts as failed, the next one goes on a new connection
                    refused.incrementAndGet();
                    refusals.add(e.toString());
                    session.close();
                    session = null;
                    if (o.reconnectNanos() <= 0) {
                        refused.addAndGet(deadline == 0 ? messages - i - 1 : 0);
                        return lat;
                    }
                    o.reconnections().incrementAndGet();
                }
                if (reply != null) {
                    lat[i] = Long.parseLong(reply);
                    o.accepted().add(messageId); // a failure to write it ends this client (the outer catch)
                }
                i++;
            }
            try {
                send(session.out(), "QUIT\r\n");
            } catch (IOException ignored) {
                // all sent anyway
            }
        } catch (IOException e) {
            refused.incrementAndGet();
            refusals.add(e.toString());
        } finally {
            if (session != null) {
                session.close();
            }
        }
        return lat;
    }

    /** A new session; with --reconnect-seconds, tried again every half second until that is up; null when it never came. */
    private static Session connect(Options o, List<String> refusals) {
        long deadline = System.nanoTime() + Math.max(0, o.reconnectNanos());
        while (true) {
            try {
                return open(o);
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                if (System.nanoTime() >= deadline) {
                    refusals.add("connect: " + e);
                    return null;
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /**
     * One message: MAIL, RCPT, DATA (pipelined when offered). Returns its latency in nanoseconds
     * (as text) when the server answered 250, null when it refused (counted); throws when the
     * connection broke.
     */
    static String sendOne(Session session, String from, String to, String messageId, byte[] body,
            AtomicLong refused, List<String> refusals) throws IOException {
        BufferedReader in = session.in();
        OutputStream out = session.out();
        long t0 = System.nanoTime();
        String mail = "MAIL FROM:<" + from + ">\r\n";
        String rcpt = "RCPT TO:<" + to + ">\r\n";
        if (session.pipelining()) {
            send(out, mail + rcpt + "DATA\r\n");
            String r1 = line(in);
            String r2 = line(in);
            String r3 = line(in);
            if (!r1.startsWith("250") || !r2.startsWith("250") || !r3.startsWith("354")) {
                refused.incrementAndGet();
                refusals.add(r1 + " | " + r2 + " | " + r3);
                if (r3.startsWith("354")) {
                    send(out, ".\r\n");
                    line(in);
                }
                send(out, "RSET\r\n");
                line(in);
                return null;
            }
        } else {
            send(out, mail);
            expect(in, "250");
            send(out, rcpt);
            String r = line(in);
            if (!r.startsWith("250")) {
                refused.incrementAndGet();
                refusals.add(r);
                send(out, "RSET\r\n");
                line(in);
                return null;
            }
            send(out, "DATA\r\n");
            expect(in, "354");
        }
        out.write(("Message-ID: " + messageId + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        send(out, ".\r\n");
        String reply = line(in);
        if (reply.startsWith("250")) {
            return Long.toString(System.nanoTime() - t0);
        }
        refused.incrementAndGet();
        refusals.add(reply);
        return null;
    }

    /** A reply line; the connection's end is an IOException, not null. */
    private static String line(BufferedReader in) throws IOException {
        String l = in.readLine();
        if (l == null) {
            throw new IOException("connection closed by the server");
        }
        return l;
    }

    private static javax.net.ssl.SSLContext trustAll() throws java.security.GeneralSecurityException {
        javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
        c.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String type) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String type) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        return c;
    }

    static byte[] body(int size, String from) {
        StringBuilder b = new StringBuilder("From: <" + from + ">\r\nTo: <rcpt@example.net>\r\n"
                + "Subject: load test\r\n\r\n");
        while (b.length() < size - 80) {
            b.append("The quick brown fox jumps over the lazy dog, again and again and again.\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null || !line.startsWith(code)) {
                throw new IOException("expected " + code + ", got " + line);
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
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
