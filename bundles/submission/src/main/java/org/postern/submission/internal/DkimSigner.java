package org.postern.submission.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.core.submission.DkimKeys.Algorithm;
import org.postern.mailauth.DkimCanonicalization;

/**
 * DKIM signatures (RFC 6376, relaxed/relaxed; rsa-sha256 and ed25519-sha256, RFC 8463) over a
 * message as it will be sent, computed in one streaming pass: the header is read (at most
 * {@value #MAX_HEADER} octets), the body only hashed. The JDK does both algorithms; no library
 * is needed; canonicalization is postern-mailauth's, the verifier's own, and every byte of it
 * is tested against an independent verifier (dkimpy).
 */
final class DkimSigner {
    static final int MAX_HEADER = 256 * 1024;

    /**
     * Fields signed, each instance, and each name once more than it occurs (over-signing, RFC 6376
     * 8.15): no such field can be added. Over-signing From alone let anyone holding a signed
     * message add a Reply-To, a Cc or a second Subject above the signed one (the one mail
     * clients show) and replay it with the signature intact.
     */
    static final List<String> SIGNED = List.of("from", "to", "cc", "subject", "date", "message-id", "reply-to",
            "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding");

    /** A key to sign with. */
    record Key(String domain, String selector, Algorithm algorithm, PrivateKey privateKey) {
    }

    private DkimSigner() {
    }

    /**
     * The DKIM-Signature fields (one per key, each ending in CRLF) to put on top of the message.
     *
     * @param message the message's octets from the start (read to its end, not closed)
     */
    static byte[] sign(InputStream message, List<Key> keys, Instant now) throws IOException {
        if (keys.isEmpty()) {
            return new byte[0];
        }
        byte[] head = message.readNBytes(MAX_HEADER);
        int end = headerEnd(head);
        if (end < 0) {
            throw new IOException("no end of header within " + MAX_HEADER + " octets");
        }
        List<byte[]> fields = fields(head, end);
        DkimCanonicalization.Body body = new DkimCanonicalization.Body(true, -1);
        body.update(head, end, head.length - end);
        byte[] buf = new byte[64 * 1024];
        int r;
        while ((r = message.read(buf)) > 0) {
            body.update(buf, 0, r);
        }
        body.finish();
        String bh = Base64.getEncoder().encodeToString(body.digest());

        // which instances: per name, bottom-up (RFC 6376 5.4.2)
        Map<String, List<byte[]>> byName = new HashMap<>();
        for (byte[] f : fields) {
            byName.computeIfAbsent(name(f), k -> new ArrayList<>()).add(f);
        }
        List<String> h = new ArrayList<>();
        List<byte[]> signed = new ArrayList<>();
        for (String n : SIGNED) {
            List<byte[]> instances = byName.getOrDefault(n, List.of());
            for (int i = instances.size() - 1; i >= 0; i--) {
                h.add(n);
                signed.add(instances.get(i));
            }
            h.add(n); // over-signed: matches no field, so one more of them breaks the signature
            signed.add(null);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Key k : keys) {
            String tags = "v=1; a=" + (k.algorithm() == Algorithm.RSA_SHA256 ? "rsa-sha256" : "ed25519-sha256")
                    + "; c=relaxed/relaxed; d=" + k.domain() + "; s=" + k.selector() + ";\r\n\tt=" + now.getEpochSecond()
                    + "; h=" + String.join(":", h) + ";\r\n\tbh=" + bh + ";\r\n\tb=";
            String unsigned = "DKIM-Signature: " + tags;
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (byte[] f : signed) {
                if (f != null) {
                    DkimCanonicalization.header(f, true, true, data);
                }
            }
            // the signature field itself, b= empty, without its CRLF (RFC 6376 3.7)
            DkimCanonicalization.header(unsigned.getBytes(StandardCharsets.UTF_8), true, false, data);
            byte[] b = signature(k, data.toByteArray());
            out.writeBytes(unsigned.getBytes(StandardCharsets.UTF_8));
            out.writeBytes(fold(Base64.getEncoder().encodeToString(b)).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    private static byte[] signature(Key k, byte[] data) throws IOException {
        try {
            if (k.algorithm() == Algorithm.RSA_SHA256) {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initSign(k.privateKey());
                s.update(data);
                return s.sign();
            }
            // RFC 8463 3: PureEdDSA over the SHA-256 hash of the data
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(k.privateKey());
            s.update(sha256().digest(data));
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IOException("DKIM signing with " + k.selector() + "._domainkey." + k.domain() + " failed", e);
        }
    }

    /** b= folded in lines of 72: white space inside b= is ignored by verifiers (RFC 6376 3.5). */
    private static String fold(String b64) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < b64.length(); i += 72) {
            if (i > 0) {
                s.append("\r\n\t ");
            }
            s.append(b64, i, Math.min(b64.length(), i + 72));
        }
        return s.toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Index after the blank line, or -1. */
    private static int headerEnd(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (i == 0 || b[i - 1] == '\n') {
                if (b[i] == '\n') {
                    return i + 1;
                }
                if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                    return i + 2;
                }
            }
        }
        return -1;
    }

    /** The header's fields, each with its folded lines and final line end. */
    private static List<byte[]> fields(byte[] head, int end) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        int limit = end;
        while (i < limit) {
            if (head[i] == '\r' || head[i] == '\n') {
                break; // the blank line
            }
            int j = i;
            do {
                while (j < limit && head[j] != '\n') {
                    j++;
                }
                j = Math.min(limit, j + 1);
            } while (j < limit && (head[j] == ' ' || head[j] == '\t'));
            int colon = -1;
            for (int k = i; k < j; k++) {
                if (head[k] == ':') {
                    colon = k;
                    break;
                }
            }
            if (colon > i) {
                out.add(java.util.Arrays.copyOfRange(head, i, j));
            }
            i = j;
        }
        return out;
    }

    private static String name(byte[] field) {
        String f = new String(field, StandardCharsets.UTF_8);
        return f.substring(0, f.indexOf(':')).strip().toLowerCase(Locale.ROOT);
    }
}
