package org.postern.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a message takes from SMTP to the recipient's INBOX: sends {@code --count} messages one
 * after the other over SMTP ({@code --port}; {@code --starttls} and {@code --auth-user
 * --auth-secret-file} for submission, neither for the MX) and, after each, polls IMAP
 * ({@code --imap-port}, LOGIN {@code --imap-user} with the secret in {@code --imap-secret-file},
 * plain text on loopback) with {@code STATUS INBOX (MESSAGES)} every {@code --poll-ms} until the
 * count went up. Prints, per message, the time to the server's 250 and to the INBOX, both counted
 * from MAIL FROM, then the median and the maximum. A message not in the INBOX after
 * {@code --timeout-seconds} is reported as such, no more are sent (they would only wait behind it),
 * and the exit status is 1; so is a refused one.
 *
 * <pre>java -cp benchmarks.jar org.postern.bench.MailLatency --port 5587 --starttls --auth-user alice@example.net \
 *     --auth-secret-file smtp.pw --from alice@example.net --to alice@example.net \
 *     --imap-port 1143 --imap-user alice@example.net --imap-secret-file imap.pw --count 5</pre>
 */
public final class MailLatency {
    private static final Pattern MESSAGES = Pattern.compile("\\(MESSAGES (\\d+)\\)", Pattern.CASE_INSENSITIVE);

    private MailLatency() {
    }

    public static void main(String[] args) throws Exception {
        String host = arg(args, "--host", "127.0.0.1");
        int port = Integer.parseInt(arg(args, "--port", "5587"));
        boolean starttls = java.util.Arrays.asList(args).contains("--starttls");
        String authUser = arg(args, "--auth-user", null);
        String auth = authUser == null ? null : java.util.Base64.getEncoder().encodeToString(("\0" + authUser + "\0"
                + Files.readString(Path.of(arg(args, "--auth-secret-file", null))).strip())
                .getBytes(StandardCharsets.UTF_8));
        String from = arg(args, "--from", "load@sender.example");
        String to = arg(args, "--to", "alice@example.net");
        int imapPort = Integer.parseInt(arg(args, "--imap-port", "1143"));
        String imapUser = arg(args, "--imap-user", to);
        String imapSecret = Files.readString(Path.of(arg(args, "--imap-secret-file", null))).strip();
        int count = Integer.parseInt(arg(args, "--count", "5"));
        long pollMs = Long.parseLong(arg(args, "--poll-ms", "10"));
        long timeoutNanos = Long.parseLong(arg(args, "--timeout-seconds", "120")) * 1_000_000_000L;
        String label = arg(args, "--label", "latency");
        String prefix = "lat" + Long.toString(System.nanoTime() & 0xffffffL, 36);
        byte[] body = SmtpLoad.body(1024, from);

        SmtpLoad.Options o = new SmtpLoad.Options(host, port, "latency.bench.test", from, starttls, auth, prefix,
                new SmtpLoad.Accepted(null), 0);
        List<Double> accepted = new ArrayList<>();
        List<Double> inbox = new ArrayList<>();
        boolean missing = false;
        try (Socket imap = new Socket()) {
            imap.connect(new InetSocketAddress(host, imapPort), 10_000);
            imap.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(imap.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = imap.getOutputStream();
            in.readLine();
            command(in, out, "a0", "LOGIN " + quote(imapUser) + " " + quote(imapSecret));
            int tag = 1;
            for (int i = 0; i < count; i++) {
                long before = messages(in, out, "s" + tag++);
                AtomicLong refused = new AtomicLong();
                List<String> refusals = new ArrayList<>();
                long t0;
                String latency;
                try (SmtpLoad.Session s = SmtpLoad.open(o)) {
                    t0 = System.nanoTime();
                    latency = SmtpLoad.sendOne(s, from, to, "<" + prefix + "." + i + "@bench.postern.test>", body, refused,
                            refusals);
                }
                if (latency == null) {
                    System.out.println(label + ": message " + i + " refused: " + refusals);
                    missing = true;
                    continue;
                }
                double acceptedMs = Long.parseLong(latency) / 1e6;
                long now;
                long n;
                do {
                    Thread.sleep(pollMs);
                    n = messages(in, out, "s" + tag++);
                    now = System.nanoTime();
                } while (n <= before && now - t0 < timeoutNanos);
                if (n <= before) {
                    System.out.printf("%s: message %d: 250 after %.1f ms, NOT in the INBOX after %d s%n", label, i,
                            acceptedMs, timeoutNanos / 1_000_000_000L);
                    missing = true;
                    break;
                }
                double inboxMs = (now - t0) / 1e6;
                accepted.add(acceptedMs);
                inbox.add(inboxMs);
                System.out.printf("%s: message %d: 250 after %.1f ms, in the INBOX after %.1f ms%n", label, i, acceptedMs,
                        inboxMs);
            }
            command(in, out, "z", "LOGOUT");
        }
        if (inbox.isEmpty()) {
            System.out.printf("%s: 0/%d in the INBOX%n", label, count);
        } else {
            System.out.printf("%s: %d/%d in the INBOX; ms to 250: median %.1f max %.1f; ms to the INBOX: median %.1f max %.1f%n",
                    label, inbox.size(), count, median(accepted), max(accepted), median(inbox), max(inbox));
        }
        System.exit(missing ? 1 : 0);
    }

    private static long messages(BufferedReader in, OutputStream out, String tag) throws IOException {
        long n = -1;
        for (String line : command(in, out, tag, "STATUS INBOX (MESSAGES)")) {
            Matcher m = MESSAGES.matcher(line);
            if (line.startsWith("* STATUS") && m.find()) {
                n = Long.parseLong(m.group(1));
            }
        }
        if (n < 0) {
            throw new IOException("no STATUS answer");
        }
        return n;
    }

    private static List<String> command(BufferedReader in, OutputStream out, String tag, String command) throws IOException {
        out.write((tag + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("IMAP connection closed after " + tag);
            }
            if (line.startsWith(tag + " ")) {
                if (!line.startsWith(tag + " OK")) {
                    throw new IOException(command.startsWith("LOGIN") ? "LOGIN failed: " + line : line);
                }
                return lines;
            }
            lines.add(line);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
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
