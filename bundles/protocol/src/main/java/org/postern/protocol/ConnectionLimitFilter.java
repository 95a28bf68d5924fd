package org.postern.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;

/**
 * Limits simultaneous sessions per client IP address. A session over the limit never reaches
 * the handler: it is sent the protocol's refusal line (for SMTP
 * {@code 421 4.7.0 Too many connections from your address}) and closed. Counting is per exact
 * address (IPv6 too, not per prefix).
 */
public final class ConnectionLimitFilter extends IoFilterAdapter {
    private static final AttributeKey COUNTED = new AttributeKey(ConnectionLimitFilter.class, "counted");
    private static final AttributeKey REFUSED = new AttributeKey(ConnectionLimitFilter.class, "refused");

    private final int max;
    private final byte[] refusal;
    private final ConcurrentMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    /**
     * @param max sessions allowed per address at once
     * @param refusalLine the line sent to a refused client, without CRLF
     */
    public ConnectionLimitFilter(int max, String refusalLine) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        this.max = max;
        this.refusal = (refusalLine + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sessions open now from {@code address} (for tests and status output). */
    public int openFrom(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    @Override
    public void sessionCreated(NextFilter next, IoSession session) throws Exception {
        InetAddress ip = address(session.getRemoteAddress());
        if (ip != null) {
            int n = open.merge(ip, 1, Integer::sum);
            session.setAttribute(COUNTED, ip);
            if (n > max) {
                session.setAttribute(REFUSED, Boolean.TRUE);
                return;
            }
        }
        next.sessionCreated(session);
    }

    @Override
    public void sessionOpened(NextFilter next, IoSession session) throws Exception {
        if (refused(session)) {
            session.write(IoBuffer.wrap(refusal.clone()));
            session.closeOnFlush();
            return;
        }
        next.sessionOpened(session);
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        InetAddress ip = (InetAddress) session.removeAttribute(COUNTED);
        if (ip != null) {
            open.computeIfPresent(ip, (k, v) -> v <= 1 ? null : v - 1);
        }
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
}
