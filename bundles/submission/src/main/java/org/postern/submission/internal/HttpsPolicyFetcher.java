package org.postern.submission.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 §3.3): the host's
 * addresses from Postern's {@link DnsResolver} (the JDK's resolver would ask another DNS than
 * the one the queue trusts), TLS with a certificate valid for that host name, no redirects, 200
 * and {@code text/plain} only, at most 64 KiB, the whole exchange within the timeout. A minimal
 * HTTP/1.0 exchange (no chunking, the server closes) rather than the JDK's HttpClient, which
 * resolves names itself.
 *
 * <p>Each connection gets at most the timeout in all (connect, handshake, response), not per read.
 */
final class HttpsPolicyFetcher implements MtaStsPolicies.Fetcher {
    static final String PATH = "/.well-known/mta-sts.txt";
    private static final int MAX_HEADER_OCTETS = 16 * 1024;

    private final Supplier<DnsResolver> dns;
    private final SSLContext verified;
    private final int port;
    private final int timeoutMillis;
    private final boolean privateDestinations;

    /**
     * @param privateDestinations whether the policy host may be on a loopback or private
     *        address; off, a hostile domain cannot point mta-sts.<domain> at this node or the
     *        operator's internal hosts and have the queue probe their ports
     */
    HttpsPolicyFetcher(Supplier<DnsResolver> dns, SSLContext verified, int port, int timeoutMillis,
            boolean privateDestinations) {
        this.privateDestinations = privateDestinations;
        this.dns = dns;
        this.verified = verified;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public String fetch(String domain) throws IOException {
        String host = "mta-sts." + domain;
        DnsResolver resolver = dns.get();
        if (resolver == null) {
            throw new IOException("no DNS resolver");
        }
        DnsAnswer<InetAddress> addresses;
        try {
            addresses = resolver.addresses(host).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException("no address for " + host + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (!addresses.isOk()) {
            throw new IOException("no address for " + host + ": " + addresses.status());
        }
        IOException last = null;
        List<InetAddress> all = addresses.records().stream()
                .filter(a -> privateDestinations || !RemoteDelivery.isPrivate(a)).toList();
        if (all.isEmpty()) {
            throw new IOException(host + " has only private addresses: not connected to");
        }
        for (int i = 0; i < Math.min(2, all.size()); i++) {
            try {
                return fetch(all.get(i), host);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private String fetch(InetAddress address, String host) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (Socket plain = new Socket()) {
            // SO_TIMEOUT bounds each read only: a policy host that sent its TLS handshake an octet
            // at a time held the queue worker for days. At the deadline the socket is closed.
            ScheduledFuture<?> closer = SocketDeadlines.TIMER.schedule(() -> close(plain), timeoutMillis, TimeUnit.MILLISECONDS);
            try {
                plain.connect(new InetSocketAddress(address, port), timeoutMillis);
                plain.setSoTimeout(timeoutMillis);
                try (SSLSocket tls = (SSLSocket) verified.getSocketFactory().createSocket(plain, host, port, true)) {
                    SSLParameters p = tls.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name mta-sts.<domain>
                    p.setServerNames(List.of(new SNIHostName(host)));
                    tls.setSSLParameters(p);
                    tls.startHandshake();
                    OutputStream out = tls.getOutputStream();
                    out.write(("GET " + PATH + " HTTP/1.0\r\nHost: " + host + "\r\nAccept: text/plain\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return read(tls.getInputStream(), host, deadline);
                }
            } catch (IOException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new IOException(host + " took too long", e);
                }
                throw e;
            } finally {
                closer.cancel(false);
            }
        }
    }

    private static void close(Socket s) {
        try {
            s.close(); // unblocks the connect, handshake or read in progress
        } catch (IOException ignored) {
            // closed anyway
        }
    }

    private static String read(InputStream in, String host, long deadline) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0; // how much of CRLF CRLF (or LF LF) has been seen
        while (true) {
            int b = in.read();
            checkDeadline(deadline, host);
            if (b < 0) {
                throw new IOException(host + " closed the connection in the response header");
            }
            head.write(b);
            if (head.size() > MAX_HEADER_OCTETS) {
                throw new IOException(host + " sent a response header over " + MAX_HEADER_OCTETS + " octets");
            }
            state = b == '\n' ? (state == 1 ? 2 : 1) : (b == '\r' ? state : 0);
            if (state == 2) {
                break;
            }
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r?\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.") || !status[1].equals("200")) {
            throw new IOException(host + " answered " + printable(lines[0]) + " (only 200 is a policy; no redirects)");
        }
        String contentType = null;
        long length = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).strip();
            switch (name) {
                case "content-type" -> contentType = value.toLowerCase(Locale.ROOT);
                case "content-length" -> {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException(host + " sent a bad Content-Length");
                    }
                }
                case "transfer-encoding" -> throw new IOException(host + " sent a transfer encoding to an HTTP/1.0 request");
                default -> {
                    // not needed
                }
            }
        }
        if (contentType == null || !(contentType.equals("text/plain") || contentType.startsWith("text/plain;"))) {
            throw new IOException(host + " sent " + (contentType == null ? "no content type" : printable(contentType))
                    + ", not text/plain");
        }
        if (length > MtaSts.MAX_POLICY_OCTETS) {
            throw new IOException(host + " announced a policy of " + length + " octets");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (length < 0 || body.size() < length) {
            int n = in.read(buf);
            checkDeadline(deadline, host);
            if (n < 0) {
                break;
            }
            body.write(buf, 0, n);
            if (body.size() > MtaSts.MAX_POLICY_OCTETS) {
                throw new IOException(host + " sent a policy over " + MtaSts.MAX_POLICY_OCTETS + " octets");
            }
        }
        if (length >= 0 && body.size() < length) {
            throw new IOException(host + " closed the connection in the policy");
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static void checkDeadline(long deadline, String host) throws IOException {
        if (System.nanoTime() - deadline > 0) {
            throw new IOException(host + " took too long");
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
