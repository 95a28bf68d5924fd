package org.postern.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;

/**
 * Limits simultaneous sessions per client network and in total. A session over a limit never
 * reaches the handler: it is sent the protocol's refusal line (for SMTP
 * {@code 421 4.7.0 Too many connections from your address}) and closed.
 *
 * <p>IPv4 clients are counted per address, IPv6 clients per /64: one host usually owns a whole
 * /64, so counting single IPv6 addresses would be no limit at all.
 *
 * <p>A slot is given back when the session's transport closes (its close future), not when the
 * {@code sessionClosed} event reaches this filter: a filter nearer the socket (TLS after a failed
 * STARTTLS handshake) may swallow that event, and a slot lost that way locks an address out
 * forever.
 */
public final class ConnectionLimitFilter extends IoFilterAdapter {
    private static final AttributeKey REFUSED = new AttributeKey(ConnectionLimitFilter.class, "refused");

    private final int maxPerClient;
    private final int maxTotal;
    private final byte[] refusal;
    private final byte[] busy;
    private final ConcurrentMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /**
     * A per-client limit only.
     *
     * @param max sessions allowed per address (IPv6: per /64) at once
     * @param refusalLine the line sent to a refused client, without CRLF
     */
    public ConnectionLimitFilter(int max, String refusalLine) {
        this(max, refusalLine, Integer.MAX_VALUE, refusalLine);
    }

    /**
     * @param maxPerClient sessions allowed per address (IPv6: per /64) at once
     * @param refusalLine the line sent to a client over its own limit, without CRLF
     * @param maxTotal sessions allowed on the listener at once
     * @param busyLine the line sent when the listener is full, without CRLF
     */
    public ConnectionLimitFilter(int maxPerClient, String refusalLine, int maxTotal, String busyLine) {
        if (maxPerClient < 1 || maxTotal < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
        this.maxPerClient = maxPerClient;
        this.maxTotal = maxTotal;
        this.refusal = (refusalLine + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.busy = (busyLine + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sessions open now from {@code address}'s network (IPv6: its /64). */
    public int openFrom(InetAddress address) {
        return open.getOrDefault(key(address), 0);
    }

    /** Sessions counted now on this listener. */
    public int openTotal() {
        return total.get();
    }

    @Override
    public void sessionCreated(NextFilter next, IoSession session) throws Exception {
        InetAddress ip = address(session.getRemoteAddress());
        InetAddress client = ip == null ? null : key(ip);
        int n = client == null ? 0 : open.merge(client, 1, Integer::sum);
        int all = total.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        session.getCloseFuture().addListener(f -> {
            if (released.compareAndSet(false, true)) {
                total.decrementAndGet();
                if (client != null) {
                    open.computeIfPresent(client, (k, v) -> v <= 1 ? null : v - 1);
                }
            }
        });
        if (n > maxPerClient) {
            session.setAttribute(REFUSED, refusal);
            return;
        }
        if (all > maxTotal) {
            session.setAttribute(REFUSED, busy);
            return;
        }
        next.sessionCreated(session);
    }

    @Override
    public void sessionOpened(NextFilter next, IoSession session) throws Exception {
        byte[] line = (byte[]) session.getAttribute(REFUSED);
        if (line != null) {
            session.write(IoBuffer.wrap(line.clone()));
            session.closeOnFlush();
            return;
        }
        next.sessionOpened(session);
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        if (!refused(session)) {
            next.sessionClosed(session);
        }
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (!refused(session)) {
            next.messageReceived(session, message);
        }
    }

    @Override
    public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (!refused(session)) {
            next.messageSent(session, request);
        }
    }

    @Override
    public void sessionIdle(NextFilter next, IoSession session, IdleStatus status) throws Exception {
        if (refused(session)) {
            session.closeNow();
        } else {
            next.sessionIdle(session, status);
        }
    }

    @Override
    public void exceptionCaught(NextFilter next, IoSession session, Throwable cause) throws Exception {
        if (refused(session)) {
            session.closeNow();
        } else {
            next.exceptionCaught(session, cause);
        }
    }

    private static boolean refused(IoSession session) {
        return session.containsAttribute(REFUSED);
    }

    private static InetAddress address(SocketAddress a) {
        return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getAddress() : null;
    }

    /** The counting key: the address itself for IPv4, its /64 for IPv6. */
    static InetAddress key(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip;
        }
        byte[] prefix = Arrays.copyOf(ip.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes is always a valid length
        }
    }
}
