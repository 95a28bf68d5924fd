package org.postern.dns.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A tiny DNS server on 127.0.0.1 (UDP and TCP on one port) answering from what the test added, so
 * that no test ever asks the internet. Shared with the integration tests through this module's
 * test-jar: point a Postern at it with {@code servers = }{@link #servers()} in
 * {@code etc/org.postern.dns.cfg}.
 *
 * <p>Follows CNAMEs inside its own data, answers NXDOMAIN/NODATA with a SOA whose minimum is the
 * {@linkplain #negativeTtl(long) negative TTL}, sets AD on answers to {@linkplain
 * #authenticate(String...) authenticated} names (this server is the "validating resolver" DANE
 * trusts), truncates UDP answers larger than the client's EDNS payload so the client retries over
 * TCP, and counts every query. Names are compared without case; a name without a trailing dot is
 * taken as absolute.
 */
public final class LoopbackDnsServer implements AutoCloseable {
    /** TTL of the records the convenience methods make until {@link #ttl(long)} says otherwise. */
    public static final long DEFAULT_TTL = 300;

    private record Question(Name name, int type) {
    }

    private final Map<Question, List<Record>> data = new ConcurrentHashMap<>();
    private final Map<Name, Integer> rcodes = new ConcurrentHashMap<>();
    private final Set<Name> authenticated = ConcurrentHashMap.newKeySet();
    private final Map<Question, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Message> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    private volatile boolean authenticateAll;
    private volatile boolean silent;
    private volatile long delayMillis;
    private volatile long negativeTtl = 60;
    private volatile long ttl = DEFAULT_TTL;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

    /** Binds UDP and TCP on one free loopback port and starts answering. */
    public LoopbackDnsServer() throws IOException {
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int attempt = 0; t == null; attempt++) {
            u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try {
                t = new ServerSocket();
                t.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), u.getLocalPort()));
            } catch (IOException taken) {
                u.close();
                t = null;
                if (attempt > 20) {
                    throw taken;
                }
            }
        }
        udp = u;
        tcp = t;
        start("udp", this::serveUdp);
        start("tcp", this::serveTcp);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** The value for {@code servers} in {@code org.postern.dns.cfg}: {@code 127.0.0.1:<port>}. */
    public String servers() {
        return address().getAddress().getHostAddress() + ":" + port();
    }

    // ---- data ----

    /** Adds records, each under its own name and type (several names and types at once are fine). */
    public LoopbackDnsServer add(Record... records) {
        for (Record r : records) {
            data.computeIfAbsent(new Question(r.getName(), r.getType()), k -> new CopyOnWriteArrayList<>()).add(r);
        }
        return this;
    }

    /** Forgets every record of that name and type, so that a test can change an answer. */
    public LoopbackDnsServer remove(String name, int type) {
        data.remove(new Question(name(name), type));
        return this;
    }

    /** The TTL the convenience methods give the records they make from now on. */
    public LoopbackDnsServer ttl(long seconds) {
        ttl = seconds;
        return this;
    }

    /** An A record; {@code address} is an IPv4 literal. */
    public LoopbackDnsServer a(String name, String address) {
        return add(new ARecord(name(name), DClass.IN, ttl, literal(address)));
    }

    /** An AAAA record; {@code address} is an IPv6 literal. */
    public LoopbackDnsServer aaaa(String name, String address) {
        return add(new AAAARecord(name(name), DClass.IN, ttl, literal(address)));
    }

    /** An MX record; {@code host} "." is the null MX (RFC 7505). */
    public LoopbackDnsServer mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, ttl, preference, name(host)));
    }

    /** A TXT record of one or more character-strings (each at most 255 octets), read joined. */
    public LoopbackDnsServer txt(String name, String... strings) {
        return add(new TXTRecord(name(name), DClass.IN, ttl, List.of(strings)));
    }

    /** A TLSA record, e.g. {@code tlsa("_25._tcp.mx.example.test", 3, 1, 1, sha256OfSpki)}. */
    public LoopbackDnsServer tlsa(String name, int usage, int selector, int matchingType, byte[] data) {
        return add(new TLSARecord(name(name), DClass.IN, ttl, usage, selector, matchingType, data));
    }

    public LoopbackDnsServer cname(String name, String target) {
        return add(new CNAMERecord(name(name), DClass.IN, ttl, name(target)));
    }

    // ---- behaviour ----

    /** Answers to questions for these names carry AD, whatever the answer (NODATA and NXDOMAIN too). */
    public LoopbackDnsServer authenticate(String... names) {
        for (String n : names) {
            authenticated.add(name(n));
        }
        return this;
    }

    /** With {@code true}, every answer carries AD: a fully signed world. */
    public LoopbackDnsServer authenticateAll(boolean all) {
        authenticateAll = all;
        return this;
    }

    /**
     * Every question for this name gets only this response code (e.g. {@link Rcode#SERVFAIL}, what
     * a validating resolver answers for bogus data); {@link Rcode#NOERROR} goes back to the data.
     */
    public LoopbackDnsServer rcode(String name, int rcode) {
        if (rcode == Rcode.NOERROR) {
            rcodes.remove(name(name));
        } else {
            rcodes.put(name(name), rcode);
        }
        return this;
    }

    /** With {@code true}, questions are counted but never answered (the client times out). */
    public LoopbackDnsServer silent(boolean silent) {
        this.silent = silent;
        return this;
    }

    /** Waits this long before each answer. */
    public LoopbackDnsServer delay(Duration delay) {
        delayMillis = delay.toMillis();
        return this;
    }

    /** The TTL and minimum of the SOA in NXDOMAIN and NODATA answers, which caches keep them for. */
    public LoopbackDnsServer negativeTtl(long seconds) {
        negativeTtl = seconds;
        return this;
    }

    // ---- what was asked ----

    /** How many times this name and type was asked, over UDP and TCP. */
    public int count(String name, int type) {
        return count(name(name), type);
    }

    public int count(Name name, int type) {
        AtomicInteger n = counts.get(new Question(name, type));
        return n == null ? 0 : n.get();
    }

    /** Every query as received, oldest first. */
    public List<Message> received() {
        return Collections.unmodifiableList(received);
    }

    /** How many queries came over TCP. */
    public int tcpQueries() {
        return tcpQueries.get();
    }

    /** {@code name} as an absolute name: a trailing dot is optional. */
    public static Name name(String name) {
        try {
            return Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(name, e);
        }
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address); // a literal: no lookup
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- serving ----

    private void start(String what, Runnable loop) {
        Thread t = new Thread(loop, "loopback-dns-" + what);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                Message q = new Message(Arrays.copyOf(p.getData(), p.getLength()));
                byte[] out = respond(q, false);
                if (out != null) {
                    udp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed, or a packet we cannot parse: next
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket s = tcp.accept();
                connections.add(s);
                Thread t = new Thread(() -> serveConnection(s), "loopback-dns-tcp-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void serveConnection(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (true) {
                byte[] msg = new byte[in.readUnsignedShort()];
                in.readFully(msg);
                tcpQueries.incrementAndGet();
                byte[] answer = respond(new Message(msg), true);
                if (answer != null) {
                    out.writeShort(answer.length);
                    out.write(answer);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // client closed
        } finally {
            connections.remove(s);
        }
    }

    private byte[] respond(Message q, boolean overTcp) {
        received.add(q);
        Record question = q.getQuestion();
        Name qname = question.getName();
        int qtype = question.getType();
        counts.computeIfAbsent(new Question(qname, qtype), k -> new AtomicInteger()).incrementAndGet();
        if (silent) {
            return null;
        }
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(question, Section.QUESTION);
        Integer rcode = rcodes.get(qname);
        if (rcode != null) {
            r.getHeader().setRcode(rcode);
            return r.toWire();
        }
        Name current = qname;
        for (int hops = 0; hops < 10; hops++) {
            List<Record> cname = data.get(new Question(current, Type.CNAME));
            if (cname == null || cname.isEmpty() || qtype == Type.CNAME) {
                break;
            }
            r.addRecord(cname.get(0), Section.ANSWER);
            current = ((CNAMERecord) cname.get(0)).getTarget();
        }
        List<Record> found = data.get(new Question(current, qtype));
        if (found != null && !found.isEmpty()) {
            found.forEach(rec -> r.addRecord(rec, Section.ANSWER));
        } else {
            Name at = current;
            // a name with data below it exists (an empty non-terminal, RFC 8020): NODATA, not NXDOMAIN
            boolean exists = data.entrySet().stream().anyMatch(e -> e.getKey().name().subdomain(at) && !e.getValue().isEmpty());
            if (!exists) {
                r.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            Name zone = current.labels() > 1 ? new Name(current, 1) : Name.root;
            r.addRecord(new SOARecord(zone, DClass.IN, negativeTtl, Name.fromConstantString("ns.test."),
                    Name.fromConstantString("hostmaster.test."), 1, 3600, 600, 86400, negativeTtl), Section.AUTHORITY);
        }
        if (authenticateAll || authenticated.contains(qname)) {
            r.getHeader().setFlag(Flags.AD);
        }
        byte[] wire = r.toWire();
        OPTRecord opt = q.getOPT();
        int limit = opt != null ? Math.max(512, opt.getPayloadSize()) : 512;
        if (!overTcp && wire.length > limit) {
            Message truncated = new Message(q.getHeader().getID());
            truncated.getHeader().setFlag(Flags.QR);
            truncated.getHeader().setFlag(Flags.TC);
            truncated.addRecord(question, Section.QUESTION);
            return truncated.toWire();
        }
        return wire;
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
        for (Socket s : connections) {
            s.close();
        }
        for (Thread t : threads) {
            t.interrupt();
        }
    }
}
