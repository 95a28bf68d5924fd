package org.postern.dns.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.postern.dns.internal.AnswerCache.Question;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A tiny DNS server on 127.0.0.1 (UDP and TCP on one port) answering from a map, for tests: no
 * test ever asks the internet. Follows CNAMEs inside its own data, answers NXDOMAIN/NODATA with a
 * SOA whose minimum is {@link #negativeTtl}, sets AD for names in {@link #authenticated},
 * truncates UDP answers larger than the client's EDNS payload, and counts every query.
 */
final class LoopbackDnsServer implements AutoCloseable {
    final Map<Question, List<Record>> data = new ConcurrentHashMap<>();
    final Map<Name, Integer> rcodes = new ConcurrentHashMap<>();
    final List<Name> authenticated = new CopyOnWriteArrayList<>();
    final Map<Question, AtomicInteger> counts = new ConcurrentHashMap<>();
    final List<Message> received = new CopyOnWriteArrayList<>();
    final AtomicInteger tcpQueries = new AtomicInteger();
    volatile boolean silent;
    volatile long delayMillis;
    volatile long negativeTtl = 60;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Thread> threads = new ArrayList<>();

    LoopbackDnsServer() throws IOException {
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

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    /** Adds records (all of one name and type, or several). */
    LoopbackDnsServer add(Record... records) {
        for (Record r : records) {
            data.computeIfAbsent(new Question(r.getName(), r.getType()), k -> new CopyOnWriteArrayList<>()).add(r);
        }
        return this;
    }

    int count(Name name, int type) {
        AtomicInteger n = counts.get(new Question(name, type));
        return n == null ? 0 : n.get();
    }

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
                Message q = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
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
                start("tcp-conn", () -> serveConnection(s));
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
            if (cname == null || qtype == Type.CNAME) {
                break;
            }
            r.addRecord(cname.get(0), Section.ANSWER);
            current = ((CNAMERecord) cname.get(0)).getTarget();
        }
        List<Record> found = data.get(new Question(current, qtype));
        if (found != null) {
            found.forEach(rec -> r.addRecord(rec, Section.ANSWER));
        } else {
            Name at = current;
            boolean exists = data.keySet().stream().anyMatch(k -> k.name().equals(at));
            if (!exists) {
                r.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            Name zone = current.labels() > 1 ? new Name(current, 1) : Name.root;
            r.addRecord(new SOARecord(zone, DClass.IN, negativeTtl, Name.fromConstantString("ns.test."),
                    Name.fromConstantString("hostmaster.test."), 1, 3600, 600, 86400, negativeTtl), Section.AUTHORITY);
        }
        if (authenticated.contains(qname)) {
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
        for (Thread t : threads) {
            t.interrupt();
        }
    }
}
