package org.postern.pop3.internal;

import java.nio.charset.StandardCharsets;
import org.postern.api.mail.StoredMessage;

/**
 * The body of a multi-line LIST or UIDL response: one line per message not marked deleted, then
 * the terminating {@code .}, made a chunk at a time. The maildrop does not change meanwhile: no
 * command runs while a response is being sent.
 */
final class Listing implements Chunked {
    private final Maildrop maildrop;
    private final boolean uidl;
    private int n = 1;
    private boolean done;

    Listing(Maildrop maildrop, boolean uidl) {
        this.maildrop = maildrop;
        this.uidl = uidl;
    }

    @Override
    public byte[] next(int max) {
        if (done) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (; n <= maildrop.size() && b.length() < max; n++) {
            StoredMessage m = maildrop.get(n);
            if (m != null) {
                b.append(n).append(' ').append(uidl ? maildrop.uniqueId(n) : String.valueOf(m.size())).append("\r\n");
            }
        }
        if (n > maildrop.size()) {
            b.append(".\r\n");
            done = true;
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        // nothing held
    }
}
