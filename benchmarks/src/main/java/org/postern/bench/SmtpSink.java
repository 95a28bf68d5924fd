package org.postern.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An SMTP server that accepts everything and keeps nothing, standing for "the rest of the
 * Internet" when a sending queue is measured: a thread per connection, PIPELINING, 250 to every
 * message. Prints one line per second with the messages received so far, and when the count
 * reaches {@code --expect}, the rate from the first to the last message, then exits.
 *
 * <pre>java -cp benchmarks.jar org.postern.bench.SmtpSink --port 2626 --expect 3200</pre>
 *
 * <p>{@code --record-file f}: every message's Message-ID is appended to f as
 * {@code <epoch-millis> <message-id>} (or {@code -} when it has none), written and flushed before the
 * 250 goes out, so that a message the file holds is one the sender may count as delivered (and
 * may send again if it never saw the 250: SMTP's at-least-once). {@code --delay-ms n}: wait n ms
 * between recording a message and its 250, as a distant server would; a sender that dies in
 * that window sends the message again. {@code --expect 0}: run until the timeout or a kill.
 */
public final class SmtpSink {
    private static final AtomicLong COUNT = new AtomicLong();
    private static volatile long first;
    private static volatile long last;
    private static java.io.Writer record;
    private static long delayMs;

    private SmtpSink() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(arg(args, "--port", "2626"));
        long expect = Long.parseLong(arg(args, "--expect", "0"));
        long timeout = Long.parseLong(arg(args, "--timeout", "600"));
        String recordFile = arg(args, "--record-file", null);
        delayMs = Long.parseLong(arg(args, "--delay-ms", "0"));
        if (recordFile != null) {
            record = java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(recordFile), StandardCharsets.ISO_8859_1,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        ServerSocket server = new ServerSocket(port, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> session(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println("sink listening on 127.0.0.1:" + port);
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        while (System.nanoTime() < deadline && (expect == 0 || COUNT.get() < expect)) {
            Thread.sleep(1000);
            System.out.println("sink: " + COUNT.get() + " messages");
        }
        long n = COUNT.get();
        double seconds = (last - first) / 1e9;
        System.out.printf("sink: received %d messages; first to last %.2f s = %.1f messages/s%n", n, seconds,
                n > 1 && seconds > 0 ? (n - 1) / seconds : 0.0);
        server.close();
    }

    private static void session(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            out.write("220 sink ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            boolean data = false;
            boolean header = false;
            StringBuilder messageId = null;
            StringBuilder replies = new StringBuilder();
            while ((line = in.readLine()) != null) {
                if (data) {
                    if (line.equals(".")) {
                        data = false;
                        if (record != null) {
                            String id = messageId == null ? "-" : messageId.toString().trim();
                            synchronized (SmtpSink.class) {
                                record.write(System.currentTimeMillis() + " " + id + "\n");
                                record.flush();
                            }
                        }
                        if (delayMs > 0) {
                            out.write(replies.toString().getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            replies.setLength(0);
                            try {
                                Thread.sleep(delayMs);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        long now = System.nanoTime();
                        if (COUNT.getAndIncrement() == 0) {
                            first = now;
                        }
                        last = now;
                        replies.append("250 2.0.0 Ok: queued\r\n");
                    } else if (header) {
                        if (line.isEmpty()) {
                            header = false;
                        } else if (messageId != null && messageId.length() == 0 && !line.isEmpty()
                                && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                            messageId.append(line.trim()); // folded: the id on the next line
                        } else if (messageId == null && line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                            messageId = new StringBuilder(line.substring(11).trim());
                        }
                    }
                } else {
                    String u = line.toUpperCase(java.util.Locale.ROOT);
                    if (u.startsWith("EHLO")) {
                        replies.append("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 100000000\r\n");
                    } else if (u.equals("DATA")) {
                        replies.append("354 go\r\n");
                        data = true;
                        header = true;
                        messageId = null;
                    } else if (u.equals("QUIT")) {
                        out.write((replies + "221 Bye\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        return;
                    } else {
                        replies.append("250 Ok\r\n");
                    }
                }
                if (!in.ready() && replies.length() > 0) {
                    out.write(replies.toString().getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    replies.setLength(0);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
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
