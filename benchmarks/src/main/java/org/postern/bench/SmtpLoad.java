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
 */
public final class SmtpLoad {
    private SmtpLoad() {
    }

    public static void main(String[] args) throws Exception {
        String host = arg(args, "--host", "127.0.0.1");
        int port = Integer.parseInt(arg(args, "--port", "2525"));
        int clients = Integer.parseInt(arg(args, "--clients", "16"));
        int messages = Integer.parseInt(arg(args, "--messages", "200"));
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

        byte[] body = body(size, from);
        long[][] latencies = new long[clients][];
        AtomicLong refused = new AtomicLong();
        List<String> firstRefusals = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            String to = recipients[c % recipients.length].trim();
            done.add(pool.submit(() -> {
                latencies[client] = runClient(host, port, helo, from, to, body, messages, refused, firstRefusals,
                        starttls, auth);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);

        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).filter(l -> l >= 0).sorted().toArray();
        System.out.printf("server %s:%d, %d clients x %d messages of %d bytes, %d recipient(s)%n", host, port, clients,
                messages, size, recipients.length);
        System.out.printf("accepted: %d in %.2f s = %.1f messages/s; refused or failed: %d%n", all.length, seconds,
                all.length / seconds, refused.get());
        if (all.length > 0) {
            System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n", pct(all, 50), pct(all, 90),
                    pct(all, 99), all[all.length - 1] / 1e6);
        }
        firstRefusals.stream().limit(5).forEach(r -> System.out.println("not accepted: " + r));
    }

    private static long[] runClient(String host, int port, String helo, String from, String to, byte[] body,
            int messages, AtomicLong refused, List<String> refusals, boolean starttls, String auth) {
        long[] lat = new long[messages];
        Arrays.fill(lat, -1);
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), 10_000);
            plain.setSoTimeout(60_000);
            plain.setTcpNoDelay(true);
            Socket s = plain;
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            send(out, "EHLO " + helo + "\r\n");
            if (starttls) {
                expect(in, "250");
                send(out, "STARTTLS\r\n");
                expect(in, "220");
                s = trustAll().getSocketFactory().createSocket(plain, host, port, true);
                ((javax.net.ssl.SSLSocket) s).startHandshake();
                in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                out = s.getOutputStream();
                send(out, "EHLO " + helo + "\r\n");
            }
            if (auth != null) {
                expect(in, "250");
                send(out, "AUTH PLAIN " + auth + "\r\n");
                expect(in, "235");
                send(out, "EHLO " + helo + "\r\n");
            }
            boolean pipelining = false;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                pipelining |= line.substring(4).trim().equalsIgnoreCase("PIPELINING");
                if (line.charAt(3) == ' ') {
                    break;
                }
            }
            for (int i = 0; i < messages; i++) {
                long t0 = System.nanoTime();
                String mail = "MAIL FROM:<" + from + ">\r\n";
                String rcpt = "RCPT TO:<" + to + ">\r\n";
                String reply;
                if (pipelining) {
                    send(out, mail + rcpt + "DATA\r\n");
                    String r1 = in.readLine();
                    String r2 = in.readLine();
                    String r3 = in.readLine();
                    if (!r1.startsWith("250") || !r2.startsWith("250") || !r3.startsWith("354")) {
                        refused.incrementAndGet();
                        refusals.add(r1 + " | " + r2 + " | " + r3);
                        if (r3.startsWith("354")) {
                            send(out, ".\r\n");
                            in.readLine();
                        }
                        send(out, "RSET\r\n");
                        in.readLine();
                        continue;
                    }
                } else {
                    send(out, mail);
                    expect(in, "250");
                    send(out, rcpt);
                    String r = in.readLine();
                    if (!r.startsWith("250")) {
                        refused.incrementAndGet();
                        refusals.add(r);
                        send(out, "RSET\r\n");
                        in.readLine();
                        continue;
                    }
                    send(out, "DATA\r\n");
                    expect(in, "354");
                }
                out.write(body);
                send(out, ".\r\n");
                reply = in.readLine();
                if (reply != null && reply.startsWith("250")) {
                    lat[i] = System.nanoTime() - t0;
                } else {
                    refused.incrementAndGet();
                    refusals.add(String.valueOf(reply));
                }
            }
            send(out, "QUIT\r\n");
        } catch (IOException | java.security.GeneralSecurityException e) {
            refused.incrementAndGet();
            refusals.add(e.toString());
        }
        return lat;
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

    private static byte[] body(int size, String from) {
        StringBuilder b = new StringBuilder("From: <" + from + ">\r\nTo: <rcpt@example.net>\r\n"
                + "Subject: load test\r\nMessage-ID: <load@sender.example>\r\n\r\n");
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
