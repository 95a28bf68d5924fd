package org.postern.protocol;

import javax.net.ssl.SSLContext;
import org.apache.mina.core.filterchain.IoFilter.NextFilter;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;

/** What the protocol servers (POP3, IMAP) share around their sessions. */
public final class SessionEvents {
    private SessionEvents() {
    }

    /**
     * Hands {@code event} to a session's ordered stream from any thread (an authenticator's, an I/O
     * thread completing a write): it enters the chain after the filter named {@code after} (the
     * protocol's decoder), so it passes the read throttle and the worker pool like input, never
     * TLS or the connection limit. False when the session is closing; the caller cleans up itself.
     */
    public static boolean fire(IoSession io, String after, Object event) {
        if (!io.isConnected() || io.isClosing()) {
            return false;
        }
        NextFilter next = io.getFilterChain().getNextFilter(after);
        if (next == null) {
            return false;
        }
        next.messageReceived(io, event);
        return true;
    }

    /** The context for STARTTLS/STLS now, or null when the node's TLS identity is not available. */
    public static SSLContext tls(ServerTls tls, Logger log, String protocol) {
        try {
            return tls == null ? null : tls.context();
        } catch (RuntimeException e) {
            log.warn("Postern {}: TLS not available: {}", protocol, e.toString());
            return null;
        }
    }

    /**
     * The implicit-TLS port's context for a new session. While org.postern.tls is away, the JDK's
     * default context, which holds no key: the handshake fails and the client learns nothing,
     * rather than the listener going down with the TLS service.
     */
    public static SSLContext implicitTls(ServerTls tls, Logger log, String protocol) {
        SSLContext c = tls(tls, log, protocol);
        if (c != null) {
            return c;
        }
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
