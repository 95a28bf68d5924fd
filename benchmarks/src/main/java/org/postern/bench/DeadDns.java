package org.postern.bench;

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
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A tiny recursive-resolver stand-in for the dead-domain run: on 127.0.0.1 (UDP and TCP) it
 * answers MX {@code --domain} (dead.example) with {@code 10 mx.<domain>}, A {@code mx.<domain>}
 * with {@code --address}, NODATA for the other types of those two names, and NXDOMAIN for every
 * other name. Never sets AD (no DANE). Prints the questions it got, by type, every 30 s when they
 * changed.
 *
 * <p>{@code --blackhole-port p}: also listens on 127.0.0.1:p with a backlog of one and never
 * accepts; it fills the accept queue itself, after which the kernel drops every SYN to that port
 * (Linux: a full accept queue drops, it does not refuse): connecting there ends in a connect
 * timeout, as with a host that is down behind a filtering firewall. For the timeout variant, when
 * the network in between answers every address (a proxy) and TEST-NET addresses do not time out.
 *
 * <pre>java -cp benchmarks.jar org.postern.bench.DeadDns --port 5353 --domain dead.example --address 127.0.0.1</pre>
 */
public final class DeadDns {
    private static final long TTL = 3600;
    private static final Map<String, AtomicLong> QUESTIONS = new ConcurrentHashMap<>();

    private DeadDns() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(arg(args, "--port", "5353"));
        Name domain = Name.fromString(arg(args, "--domain", "dead.example"), Name.root);
        Name mx = Name.fromString("mx", domain);
        InetAddress address = InetAddress.getByName(arg(args, "--address", "127.0.0.1"));
        String blackhole = arg(args, "--blackhole-port", null);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Socket> queued = new ArrayList<>();
        if (blackhole != null) {
            ServerSocket hole = new ServerSocket(Integer.parseInt(blackhole), 1, loopback);
            // never accepted: fill the accept queue so that the kernel drops further SYNs
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(loopback, hole.getLocalPort()), 1000);
                    queued.add(s);
                } catch (IOException full) {
                    s.close();
                    break;
                }
            }
            System.out.println("dns: black hole on 127.0.0.1:" + hole.getLocalPort() + " (accept queue full after "
                    + queued.size() + " connections)");
        }
        Zone zone = new Zone(domain, mx, address);
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port));
        ServerSocket tcp = new ServerSocket(port, 50, loopback);
        Thread tcpThread = new Thread(() -> {
            while (true) {
                try {
                    Socket s = tcp.accept();
                    Thread t = new Thread(() -> tcpSession(s, zone));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        tcpThread.setDaemon(true);
        tcpThread.start();
        Thread reporter = new Thread(() -> {
            String last = "";
            while (true) {
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException e) {
                    return;
                }
                String now = new java.util.TreeMap<>(QUESTIONS).toString();
                if (!now.equals(last)) {
                    System.out.println("dns: questions so far " + now);
                    last = now;
                }
            }
        });
        reporter.setDaemon(true);
        reporter.start();
        System.out.println("dns listening on 127.0.0.1:" + port + " (udp, tcp): MX " + domain + " -> " + mx + " -> "
                + address.getHostAddress() + ", NXDOMAIN otherwise");
        byte[] buf = new byte[4096];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            udp.receive(p);
            byte[] reply;
            try {
                Message q = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                reply = zone.answer(q).toWire(512);
            } catch (IOException | RuntimeException e) {
                continue; // not a DNS query
            }
            udp.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        }
    }

    private static void tcpSession(Socket s, Zone zone) {
        try (s) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (true) {
                int length = in.readUnsignedShort();
                byte[] query = new byte[length];
                in.readFully(query);
                byte[] reply = zone.answer(new Message(query)).toWire();
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the client is done
        }
    }

    /** The one zone: the dead domain's MX and its host's address. */
    private record Zone(Name domain, Name mx, InetAddress address) {
        Message answer(Message query) {
            Message r = new Message(query.getHeader().getID());
            r.getHeader().setFlag(Flags.QR);
            r.getHeader().setFlag(Flags.RA);
            if (query.getHeader().getFlag(Flags.RD)) {
                r.getHeader().setFlag(Flags.RD);
            }
            Record question = query.getQuestion();
            if (question == null) {
                r.getHeader().setRcode(Rcode.FORMERR);
                return r;
            }
            r.addRecord(question, Section.QUESTION);
            Name name = question.getName();
            int type = question.getType();
            QUESTIONS.computeIfAbsent(Type.string(type) + " " + (name.subdomain(domain) ? name : "other"),
                    k -> new AtomicLong()).incrementAndGet();
            if (name.equals(domain)) {
                if (type == Type.MX) {
                    r.addRecord(new MXRecord(domain, DClass.IN, TTL, 10, mx), Section.ANSWER);
                } else {
                    r.addRecord(soa(), Section.AUTHORITY); // NODATA
                }
            } else if (name.equals(mx)) {
                if (type == Type.A && address.getAddress().length == 4) {
                    r.addRecord(new ARecord(mx, DClass.IN, TTL, address), Section.ANSWER);
                } else {
                    r.addRecord(soa(), Section.AUTHORITY);
                }
            } else {
                r.getHeader().setRcode(Rcode.NXDOMAIN);
                if (name.subdomain(domain)) {
                    r.addRecord(soa(), Section.AUTHORITY);
                }
            }
            return r;
        }

        private SOARecord soa() {
            return new SOARecord(domain, DClass.IN, TTL, Name.fromConstantString("ns." + domain),
                    Name.fromConstantString("hostmaster." + domain), 1, 3600, 600, 86400, 300);
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
