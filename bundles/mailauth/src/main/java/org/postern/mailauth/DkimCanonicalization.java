package org.postern.mailauth;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;

/**
 * DKIM canonicalization (RFC 6376 §3.4), shared by the verifier here and the signer of
 * postern-submission, so that what Postern signs and what it checks are made by one piece of code.
 */
public final class DkimCanonicalization {
    private DkimCanonicalization() {
    }

    /**
     * One header field, RFC 6376 §3.4.1 (simple: as is) or §3.4.2 (relaxed), without its line end
     * unless {@code lineEnd}. {@code raw} is the field's octets as received, with or without its
     * final line end.
     */
    public static void header(byte[] raw, boolean relaxed, boolean lineEnd, ByteArrayOutputStream out) {
        int end = raw.length;
        if (end > 0 && raw[end - 1] == '\n') {
            end -= end > 1 && raw[end - 2] == '\r' ? 2 : 1;
        }
        if (!relaxed) {
            out.write(raw, 0, end);
        } else {
            int colon = 0;
            while (colon < end && raw[colon] != ':') {
                colon++;
            }
            int nameEnd = colon;
            while (nameEnd > 0 && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) {
                nameEnd--;
            }
            for (int i = 0; i < nameEnd; i++) {
                byte c = raw[i];
                out.write(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            }
            out.write(':');
            boolean content = false;
            boolean wsp = false;
            for (int i = colon + 1; i < end; i++) {
                byte c = raw[i];
                if (c == '\n' || c == '\r' && i + 1 < end && raw[i + 1] == '\n') {
                    continue; // unfolding (HeaderFields also ends lines at a bare LF)
                }
                if (c == ' ' || c == '\t') {
                    wsp = true;
                    continue;
                }
                if (wsp && content) {
                    out.write(' ');
                }
                wsp = false;
                content = true;
                out.write(c);
            }
        }
        if (lineEnd) {
            out.write('\r');
            out.write('\n');
        }
    }

    /**
     * RFC 6376 §3.4.3 (simple) and §3.4.4 (relaxed) body canonicalization as a stream, hashing the
     * first {@code l=} canonical octets. Empty lines are held back until content follows them, so
     * the trailing ones are never hashed without buffering the body.
     */
    public static final class Body {
        private final MessageDigest digest = DkimVerifier.sha256();
        private final boolean relaxed;
        /** l=, or -1 for the whole body. */
        private final long limit;
        private final byte[] out = new byte[8192];
        private int n;
        /** Canonical octets produced, also beyond the limit. */
        private long length;
        private boolean cr;
        private boolean wsp;
        private boolean lineContent;
        private boolean anyContent;
        private long heldLines;
        private byte[] result;

        /** @param limit the {@code l=} tag, or -1 to hash the whole body */
        public Body(boolean relaxed, long limit) {
            this.relaxed = relaxed;
            this.limit = limit;
        }

        public void update(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                byte c = b[i];
                if (cr) {
                    cr = false;
                    if (c == '\n') {
                        endLine();
                        continue;
                    }
                    content((byte) '\r');
                }
                if (c == '\r') {
                    cr = true;
                } else if (relaxed && (c == ' ' || c == '\t')) {
                    wsp = true;
                } else {
                    content(c);
                }
            }
        }

        public void finish() {
            if (result != null) {
                return;
            }
            if (cr) {
                cr = false;
                content((byte) '\r');
            }
            // a last line without its CRLF gets one; an empty body is CRLF (simple) or stays empty (relaxed)
            if (lineContent || !relaxed && !anyContent) {
                put((byte) '\r');
                put((byte) '\n');
            }
            digest.update(out, 0, n);
            n = 0;
            result = digest.digest();
        }

        /** The SHA-256 of the canonical body, once {@link #finish()} has run. */
        public byte[] digest() {
            return result;
        }

        /** The signature claims more body than there is. */
        public boolean shorterThanLimit() {
            return limit >= 0 && length < limit;
        }

        /** The canonical body goes on past l=: that part is not signed. */
        public boolean beyondLimit() {
            return limit >= 0 && length > limit;
        }

        private void content(byte c) {
            for (; heldLines > 0; heldLines--) {
                put((byte) '\r');
                put((byte) '\n');
            }
            if (wsp) {
                put((byte) ' ');
                wsp = false;
            }
            put(c);
            lineContent = true;
            anyContent = true;
        }

        private void endLine() {
            wsp = false; // trailing white space (relaxed)
            if (lineContent) {
                put((byte) '\r');
                put((byte) '\n');
                lineContent = false;
            } else {
                heldLines++;
            }
        }

        private void put(byte c) {
            length++;
            if (limit >= 0 && length > limit) {
                return;
            }
            if (n == out.length) {
                digest.update(out, 0, n);
                n = 0;
            }
            out[n++] = c;
        }
    }
}
