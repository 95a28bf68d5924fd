package org.postern.protocol;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;

/**
 * Turns each received {@link IoBuffer} into a {@link Chunk} stamped with whether the session's
 * chain had TLS when it was read. The read throttle counts chunks by their size. Writes pass
 * through untouched.
 */
public final class ChunkFilter extends IoFilterAdapter {
    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (!(message instanceof IoBuffer)) {
            next.messageReceived(session, message);
            return;
        }
        IoBuffer in = (IoBuffer) message;
        byte[] bytes = new byte[in.remaining()];
        in.get(bytes);
        next.messageReceived(session, new Chunk(bytes, session.getFilterChain().contains(SslFilter.class)));
    }
}
