package org.postern.mailauth;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.postern.mailauth.HeaderFields.Field;

/**
 * Verifies the DKIM signatures of a received message (RFC 6376; rsa-sha256, and ed25519-sha256 of
 * RFC 8463), one {@link DkimResult} per DKIM-Signature field.
 * <p>
 * The message is read once, synchronously, while the caller still has it: the header, then the
 * body fed to every signature's canonicalizer at once, so a large message is never held in
 * memory and never read twice. Only the key lookups are asynchronous; while they run, each
 * signature keeps no more than its two hashes. A body hash that does not match ends a signature
 * before its key is asked for, so a mangled message costs no DNS traffic.
 * <p>
 * Choices where the RFCs leave room, or that bound the work a sender can cause:
 * <ul>
 * <li>Only the first (topmost) {@value #MAX_SIGNATURES} fields are evaluated and returned; the
 * rest are ignored as if absent. The topmost are the latest added, by the hops nearest to us.</li>
 * <li>A header longer than 256 KiB is not hashed: every signature found before the limit is a
 * PERMERROR.</li>
 * <li>{@code i=} outside {@code d=}, and {@code i=} other than {@code d=} under a key with
 * {@code t=s}, are PERMERROR (RFC 6376 §6.1.1 "domain mismatch").</li>
 * <li>An {@code l=} larger than the canonical body is a FAIL: the body was shortened after signing,
 * which is a changed body like any other. A body longer than {@code l=} is POLICY, not PASS
 * (RFC 6376 §8.2): the rest is unsigned, and a pass would let anyone append to a signed message
 * and keep its DMARC alignment.</li>
 * <li>RSA keys over 4096 bits or with a public exponent over 2^32 are PERMERROR: verification
 * runs on the resolver's threads, and a key chosen to be slow would stall every lookup.</li>
 * <li>Of several TXT records at the key's name, the first that is a DKIM key record (tag-list
 * syntax, {@code v=DKIM1} first if present, a {@code p=} tag) is used; only that one is tried
 * (RFC 6376 §6.1.2 leaves this to the verifier). Answer order is the resolver's.</li>
 * <li>rsa-sha1 is NEUTRAL, not checked (RFC 8301 §3.1); RSA keys below 1024 bits are PERMERROR
 * (RFC 8301 §3.2). A key's {@code p=} may be a SubjectPublicKeyInfo, as RFC 6376 says, or the
 * bare PKCS#1 RSAPublicKey some publish.</li>
 * <li>A {@code t=} in the future is accepted, and a key's testing flag ({@code t=y}) does not
 * change the result: both are MAYs, and whoever weighs the result can treat them.</li>
 * <li>The body's lines end in CRLF (the message as received over SMTP): a bare LF or CR is an
 * ordinary octet.</li>
 * </ul>
 */
public final class DkimVerifier {
    /** Signatures beyond this many per message are not evaluated (each costs a DNS lookup and a hash pass). */
    public static final int MAX_SIGNATURES = 5;
    static final int MAX_HEADER = 256 * 1024;
    private static final int BUFFER = 64 * 1024;
    private static final int MIN_RSA_BITS = 1024;
    /** Larger keys are not published (RFC 8301 asks verifiers for 4096 at most). */
    private static final int MAX_RSA_BITS = 4096;
    private static final int MAX_RSA_EXPONENT_BITS = 32;
    /** DER SubjectPublicKeyInfo up to the key octets, for the raw 32-octet key of RFC 8463 §4. */
    private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");
    /** DER DigestInfo of SHA-256 up to the digest (RFC 8017 §9.2): RSA checks the header hash taken up front. */
    private static final byte[] SHA256_DIGEST_INFO = HexFormat.of().parseHex("3031300d060960864801650304020105000420");

    private final DnsResolver dns;
    private final Clock clock;

    public DkimVerifier(DnsResolver dns) {
        this(dns, Clock.systemUTC());
    }

    /** With the clock that decides whether {@code x=} has passed (tests). */
    DkimVerifier(DnsResolver dns, Clock clock) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Reads the whole message (RFC 5322 octets with CRLF line ends, as received) synchronously in
     * ONE pass — header via HeaderFields.read(buffered, 256 KiB), body hashed for every signature
     * at once (each with its own canonicalization and l=) — then looks up the keys asynchronously.
     * Empty list when there is no DKIM-Signature field. The stage always completes normally; the
     * IOException is only for reading {@code message}. Never closes {@code message}.
     */
    public CompletionStage<List<DkimResult>> verify(InputStream message) throws IOException {
        // not closed: closing the wrapper would close the caller's stream
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, BUFFER);
        return verify(HeaderFields.read(in, MAX_HEADER), in);
    }

    /**
     * The same over a header already read (callers that read it themselves) and the stream
     * positioned at the first body octet. {@code body} is read to its end and not closed.
     */
    public CompletionStage<List<DkimResult>> verify(HeaderFields header, InputStream body) throws IOException {
        List<Field> fields = header.named("DKIM-Signature");
        List<Sig> sigs = new ArrayList<>();
        long now = clock.instant().getEpochSecond();
        for (Field f : fields.subList(0, Math.min(fields.size(), MAX_SIGNATURES))) {
            Sig s = Sig.parse(f, now);
            if (header.truncated()) {
                s.decide(AuthResult.PERMERROR, "header too long");
            }
            sigs.add(s);
        }
        List<DkimCanonicalization.Body> hashes = new ArrayList<>();
        for (Sig s : sigs) {
            if (s.verdict == null) {
                hashes.add(s.body);
            }
        }
        byte[] buf = new byte[BUFFER];
        for (int n; (n = body.read(buf)) >= 0;) {
            for (DkimCanonicalization.Body h : hashes) {
                h.update(buf, 0, n);
            }
        }

        CompletableFuture<List<DkimResult>> all = CompletableFuture.completedFuture(new ArrayList<>());
        for (Sig s : sigs) {
            CompletableFuture<DkimResult> one = check(s, header);
            all = all.thenCombine(one, (list, r) -> {
                list.add(r);
                return list;
            });
        }
        return all.thenApply(List::copyOf);
    }

    /** The verdict on one signature: at once when the message decides it, else after its key lookup. */
    private CompletableFuture<DkimResult> check(Sig s, HeaderFields header) {
        byte[] headerHash;
        try {
            if (s.verdict == null) {
                s.body.finish();
                if (s.body.shorterThanLimit()) {
                    s.decide(AuthResult.FAIL, "body shorter than l=");
                } else if (!MessageDigest.isEqual(s.body.digest(), s.bh)) {
                    s.decide(AuthResult.FAIL, "body hash did not verify");
                }
            }
            if (s.verdict != null) {
                return CompletableFuture.completedFuture(s.verdict);
            }
            headerHash = sha256().digest(headerData(s, header.fields()));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(
                    s.result(AuthResult.PERMERROR, "cannot check: " + e.getClass().getSimpleName()));
        }
        String name = s.selector + "._domainkey." + s.domain;
        CompletableFuture<DkimResult> out = new CompletableFuture<>();
        try {
            dns.txt(name).whenComplete((answer, error) -> {
                DkimResult r;
                try {
                    r = error != null || answer == null
                            ? s.result(AuthResult.TEMPERROR, "key lookup failed: " + name)
                            : keyed(s, name, answer, headerHash);
                } catch (RuntimeException e) {
                    r = s.result(AuthResult.PERMERROR, "cannot check: " + e.getClass().getSimpleName());
                }
                out.complete(r);
            });
        } catch (RuntimeException e) {
            out.complete(s.result(AuthResult.TEMPERROR, "key lookup failed: " + name));
        }
        return out;
    }

    /** RFC 6376 §6.1.2 and §6.1.3 from the key on: the record, its constraints, the signature. */
    private static DkimResult keyed(Sig s, String name, DnsAnswer<String> answer, byte[] headerHash) {
        switch (answer.status()) {
            case OK:
                break;
            case NXDOMAIN:
            case NODATA:
                return s.result(AuthResult.PERMERROR, "no key at " + name);
            case TEMPFAIL:
                return s.result(AuthResult.TEMPERROR, "key lookup failed: " + name);
            case TIMEOUT:
                return s.result(AuthResult.TEMPERROR, "key lookup timed out: " + name);
            default:
                return s.result(AuthResult.PERMERROR, "invalid key name " + name);
        }
        Map<String, String> key = null;
        for (String txt : answer.records()) {
            TagList t = TagList.parse(txt);
            if (t != null && t.duplicate == null && t.tags.containsKey("p")
                    && (!t.tags.containsKey("v") || "v".equals(t.first) && t.tags.get("v").equals("DKIM1"))) {
                key = t.tags;
                break;
            }
        }
        if (key == null) {
            return s.result(AuthResult.PERMERROR, "no DKIM key record at " + name);
        }
        String k = key.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
        if (!k.equals(s.ed25519 ? "ed25519" : "rsa")) {
            return s.result(AuthResult.PERMERROR, "key type k=" + k + " does not match a=" + s.algorithm);
        }
        if (key.containsKey("h") && !list(key.get("h")).contains("sha256")) {
            return s.result(AuthResult.PERMERROR, "key does not allow sha256 (h=)");
        }
        if (key.containsKey("s") && !list(key.get("s")).contains("*") && !list(key.get("s")).contains("email")) {
            return s.result(AuthResult.PERMERROR, "key not for email (s=)");
        }
        if (key.containsKey("t") && list(key.get("t")).contains("s") && !s.identityDomain.equals(s.domain)) {
            return s.result(AuthResult.PERMERROR, "key demands i= domain equal to d= (t=s)");
        }
        String p = withoutFws(key.get("p"));
        if (p.isEmpty()) {
            return s.result(AuthResult.PERMERROR, "key revoked");
        }
        PublicKey pk;
        try {
            byte[] der = Base64.getDecoder().decode(p);
            pk = s.ed25519 ? ed25519Key(der) : rsaKey(der);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return s.result(AuthResult.PERMERROR, "invalid key at " + name);
        }
        if (pk instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            return s.result(AuthResult.PERMERROR, "RSA key shorter than " + MIN_RSA_BITS + " bits");
        }
        if (pk instanceof RSAPublicKey rsa && (rsa.getModulus().bitLength() > MAX_RSA_BITS
                || rsa.getPublicExponent().bitLength() > MAX_RSA_EXPONENT_BITS)) {
            // the check runs on the resolver's threads: a key chosen to be slow to use would stall every lookup
            return s.result(AuthResult.PERMERROR, "RSA key larger than " + MAX_RSA_BITS + " bits or exponent over 2^32");
        }
        try {
            Signature v;
            if (s.ed25519) {
                // RFC 8463 §3: PureEdDSA over the SHA-256 of the canonical header data
                v = Signature.getInstance("Ed25519");
                v.initVerify(pk);
                v.update(headerHash);
            } else {
                // PKCS#1 v1.5 over the hash taken while the message was at hand
                v = Signature.getInstance("NONEwithRSA");
                v.initVerify(pk);
                v.update(SHA256_DIGEST_INFO);
                v.update(headerHash);
            }
            boolean ok;
            try {
                ok = v.verify(s.b);
            } catch (SignatureException e) {
                ok = false; // b= of the wrong length for the key: altered like any other
            }
            if (ok && s.body.beyondLimit()) {
                // RFC 6376 §8.2: what follows l= is unsigned; anyone holding the message can
                // append to it, so it vouches for nothing a reader sees as one text
                return s.result(AuthResult.POLICY, "unsigned content after l=");
            }
            return ok ? s.result(AuthResult.PASS, "signature verified")
                    : s.result(AuthResult.FAIL, "signature did not verify");
        } catch (GeneralSecurityException e) {
            return s.result(AuthResult.PERMERROR, "unusable key at " + name);
        }
    }

    /** RFC 6376 §5.4.2 and §3.7: the fields named by h= bottom-up, then this field with b= empty, no final CRLF. */
    static byte[] headerData(Sig s, List<Field> fields) {
        Map<String, List<Field>> byName = new HashMap<>();
        for (Field f : fields) {
            if (f != s.field && !f.name().isEmpty()) {
                byName.computeIfAbsent(f.lowerName(), n -> new ArrayList<>()).add(f);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String n : s.signedNames) {
            List<Field> left = byName.get(n);
            if (left != null && !left.isEmpty()) {
                // names with no instance left contribute nothing: that is what makes over-signing work
                DkimCanonicalization.header(left.remove(left.size() - 1).raw(), s.relaxedHeader, true, out);
            }
        }
        DkimCanonicalization.header(withoutB(s.field.raw()), s.relaxedHeader, false, out);
        return out.toByteArray();
    }


    /** The field's octets with the value of its b= tag removed, everything else as received. */
    static byte[] withoutB(byte[] raw) {
        int i = 0;
        while (i < raw.length && raw[i] != ':') {
            i++;
        }
        while (i < raw.length) {
            int j = i + 1;
            while (j < raw.length && isFws(raw[j])) {
                j++;
            }
            if (j < raw.length && raw[j] == 'b') {
                int k = j + 1;
                while (k < raw.length && isFws(raw[k])) {
                    k++;
                }
                if (k < raw.length && raw[k] == '=') {
                    int end = k + 1;
                    while (end < raw.length && raw[end] != ';') {
                        end++;
                    }
                    byte[] out = new byte[raw.length - (end - k - 1)];
                    System.arraycopy(raw, 0, out, 0, k + 1);
                    System.arraycopy(raw, end, out, k + 1, raw.length - end);
                    return out;
                }
            }
            i++;
            while (i < raw.length && raw[i] != ';') {
                i++;
            }
        }
        return raw;
    }

    private static PublicKey rsaKey(byte[] der) throws GeneralSecurityException {
        KeyFactory f = KeyFactory.getInstance("RSA");
        try {
            return f.generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            BigInteger[] ne = Der.rsaPublicKey(der);
            if (ne == null) {
                throw e;
            }
            return f.generatePublic(new RSAPublicKeySpec(ne[0], ne[1]));
        }
    }

    private static PublicKey ed25519Key(byte[] raw) throws GeneralSecurityException {
        if (raw.length != 32) {
            throw new InvalidKeySpecException("ed25519 key of " + raw.length + " octets");
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI, ED25519_SPKI.length + 32);
        System.arraycopy(raw, 0, spki, ED25519_SPKI.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    static boolean isFws(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    static String withoutFws(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (!isFws(s.charAt(i))) {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    /** A colon-separated tag value (h=, q=, a key's s= and t=): items without FWS, lower case. */
    static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || value.charAt(i) == ':') {
                out.add(withoutFws(value.substring(start, i)).toLowerCase(Locale.ROOT));
                start = i + 1;
            }
        }
        return out;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One DKIM-Signature field: what it says, and its verdict once known. */
    static final class Sig {
        final Field field;
        String domain = "";
        String selector = "";
        String prefix = "";
        String algorithm = "";
        DkimResult verdict;
        boolean ed25519;
        boolean relaxedHeader;
        List<String> signedNames;
        String identityDomain;
        byte[] b;
        byte[] bh;
        DkimCanonicalization.Body body;

        private Sig(Field field) {
            this.field = field;
        }

        DkimResult result(AuthResult r, String reason) {
            return new DkimResult(r, domain, selector, prefix, algorithm, Text.reason(reason));
        }

        void decide(AuthResult r, String reason) {
            verdict = result(r, reason);
        }

        /** RFC 6376 §3.5 and §6.1.1: everything that can be decided without the key or the body. */
        static Sig parse(Field field, long now) {
            Sig s = new Sig(field);
            try {
                TagList tags = TagList.parse(field.value());
                if (tags == null) {
                    s.decide(AuthResult.PERMERROR, "malformed tag-list");
                    return s;
                }
                Map<String, String> t = tags.tags;
                s.domain = Text.reason(t.getOrDefault("d", "").toLowerCase(Locale.ROOT));
                s.selector = Text.reason(t.getOrDefault("s", ""));
                String b = withoutFws(t.getOrDefault("b", ""));
                s.prefix = Text.reason(b.substring(0, Math.min(8, b.length())));
                s.algorithm = Text.reason(t.getOrDefault("a", ""));
                s.check(t, tags.duplicate, b, now);
            } catch (RuntimeException e) {
                s.decide(AuthResult.PERMERROR, "cannot check: " + e.getClass().getSimpleName());
            }
            return s;
        }

        private void check(Map<String, String> t, String duplicate, String b64, long now) {
            if (duplicate != null) {
                decide(AuthResult.PERMERROR, "duplicate tag " + duplicate + "=");
                return;
            }
            for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
                if (!t.containsKey(required)) {
                    decide(AuthResult.PERMERROR, "missing " + required + "=");
                    return;
                }
            }
            if (!t.get("v").equals("1")) {
                decide(AuthResult.PERMERROR, "unsupported version v=" + t.get("v"));
                return;
            }
            String a = t.get("a").toLowerCase(Locale.ROOT);
            if (a.equals("rsa-sha1")) {
                decide(AuthResult.NEUTRAL, "rsa-sha1 not accepted");
                return;
            }
            if (!a.equals("rsa-sha256") && !a.equals("ed25519-sha256")) {
                decide(AuthResult.NEUTRAL, "unknown algorithm");
                return;
            }
            ed25519 = a.startsWith("ed25519");
            List<String> c = list(t.getOrDefault("c", "simple/simple").replace('/', ':'));
            if (c.size() > 2 || !isCanonicalization(c.get(0)) || c.size() == 2 && !isCanonicalization(c.get(1))) {
                decide(AuthResult.NEUTRAL, "unknown canonicalization");
                return;
            }
            relaxedHeader = c.get(0).equals("relaxed");
            boolean relaxedBody = c.size() == 2 && c.get(1).equals("relaxed");
            if (t.containsKey("q") && !list(t.get("q")).contains("dns/txt")) {
                decide(AuthResult.NEUTRAL, "unsupported query method");
                return;
            }
            String d = t.get("d").toLowerCase(Locale.ROOT);
            if (!isDnsName(d) || !isDnsName(t.get("s")) || t.get("s").length() + d.length() + 12 > 253) {
                decide(AuthResult.PERMERROR, "invalid d= or s=");
                return;
            }
            domain = d; // printable and not cut: the key's name and DMARC alignment use it
            selector = t.get("s");
            signedNames = list(t.get("h"));
            if (!signedNames.contains("from")) {
                decide(AuthResult.PERMERROR, "h= does not include from");
                return;
            }
            identityDomain = domain;
            if (t.containsKey("i")) {
                String i = t.get("i");
                int at = i.lastIndexOf('@');
                identityDomain = at < 0 ? "" : i.substring(at + 1).toLowerCase(Locale.ROOT);
                if (!identityDomain.equals(domain) && !identityDomain.endsWith("." + domain)) {
                    decide(AuthResult.PERMERROR, "i= not within d=");
                    return;
                }
            }
            long l = t.containsKey("l") ? number(t.get("l")) : Long.MAX_VALUE;
            long signed = t.containsKey("t") ? number(t.get("t")) : 0;
            long expires = t.containsKey("x") ? number(t.get("x")) : Long.MAX_VALUE;
            if (l < 0 || signed < 0 || expires < 0) {
                decide(AuthResult.PERMERROR, "invalid l=, t= or x=");
                return;
            }
            if (expires < signed) {
                decide(AuthResult.PERMERROR, "x= before t=");
                return;
            }
            try {
                b = Base64.getDecoder().decode(b64);
                bh = Base64.getDecoder().decode(withoutFws(t.get("bh")));
            } catch (IllegalArgumentException e) {
                decide(AuthResult.PERMERROR, "b= or bh= is not base64");
                return;
            }
            if (b.length == 0 || bh.length == 0) {
                decide(AuthResult.PERMERROR, "empty b= or bh=");
                return;
            }
            if (expires < now) {
                decide(AuthResult.POLICY, "signature expired");
                return;
            }
            body = new DkimCanonicalization.Body(relaxedBody, t.containsKey("l") ? l : -1);
        }

        private static boolean isCanonicalization(String c) {
            return c.equals("simple") || c.equals("relaxed");
        }

        /** Digits as a number; more than fits is "later than anything" for t/x and "longer than any body" for l. */
        private static long number(String v) {
            if (v.isEmpty()) {
                return -1;
            }
            for (int i = 0; i < v.length(); i++) {
                if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                    return -1;
                }
            }
            return v.length() > 18 ? Long.MAX_VALUE : Long.parseLong(v);
        }

        /** Labels of letters, digits, hyphens and underscores: what may go into the key's DNS name. */
        private static boolean isDnsName(String n) {
            int label = 0;
            for (int i = 0; i < n.length(); i++) {
                char c = n.charAt(i);
                if (c == '.') {
                    if (label == 0) {
                        return false;
                    }
                    label = 0;
                } else if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '_') && ++label <= 63) {
                    continue;
                } else {
                    return false;
                }
            }
            return label > 0;
        }
    }

    /** RFC 6376 §3.2 tag=value lists, for signatures and key records alike; null when malformed. */
    static final class TagList {
        final Map<String, String> tags = new LinkedHashMap<>();
        /** The first tag name given twice (the first value is kept), or null. */
        String duplicate;
        /** The first tag's name, or null. */
        String first;

        static TagList parse(String list) {
            TagList out = new TagList();
            int start = 0;
            while (start <= list.length()) {
                int end = list.indexOf(';', start);
                if (end < 0) {
                    end = list.length();
                }
                String spec = list.substring(start, end);
                if (withoutFws(spec).isEmpty()) {
                    if (end < list.length()) {
                        return null; // an empty tag-spec: only a trailing ";" is allowed
                    }
                    break;
                }
                int eq = spec.indexOf('=');
                if (eq < 0) {
                    return null;
                }
                String name = strip(spec.substring(0, eq));
                if (!isTagName(name)) {
                    return null;
                }
                if (out.first == null) {
                    out.first = name;
                }
                if (out.tags.putIfAbsent(name, strip(spec.substring(eq + 1))) != null && out.duplicate == null) {
                    out.duplicate = name;
                }
                start = end + 1;
            }
            return out;
        }

        private static boolean isTagName(String n) {
            if (n.isEmpty() || !isAlpha(n.charAt(0))) {
                return false;
            }
            for (int i = 1; i < n.length(); i++) {
                char c = n.charAt(i);
                if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                    return false;
                }
            }
            return true;
        }

        private static boolean isAlpha(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
        }

        private static String strip(String s) {
            int a = 0;
            int z = s.length();
            while (a < z && isFws(s.charAt(a))) {
                a++;
            }
            while (z > a && isFws(s.charAt(z - 1))) {
                z--;
            }
            return s.substring(a, z);
        }
    }

    /** Just enough DER for a PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }. */
    static final class Der {
        private final byte[] d;
        private int pos;

        private Der(byte[] d) {
            this.d = d;
        }

        static BigInteger[] rsaPublicKey(byte[] der) {
            Der r = new Der(der);
            int len = r.header(0x30);
            if (len != der.length - r.pos) {
                return null;
            }
            BigInteger n = r.integer();
            BigInteger e = r.integer();
            return n == null || e == null || r.pos != der.length || n.signum() <= 0 || e.signum() <= 0 ? null
                    : new BigInteger[] {n, e};
        }

        private BigInteger integer() {
            int len = header(0x02);
            if (len <= 0 || len > d.length - pos) {
                return null;
            }
            BigInteger v = new BigInteger(Arrays.copyOfRange(d, pos, pos + len));
            pos += len;
            return v;
        }

        /** The length after the tag, or -1. */
        private int header(int tag) {
            if (pos + 2 > d.length || (d[pos++] & 0xFF) != tag) {
                return -1;
            }
            int first = d[pos++] & 0xFF;
            if (first < 0x80) {
                return first;
            }
            int octets = first & 0x7F;
            if (octets == 0 || octets > 3 || pos + octets > d.length) {
                return -1;
            }
            int len = 0;
            for (int i = 0; i < octets; i++) {
                len = len << 8 | d[pos++] & 0xFF;
            }
            return len;
        }
    }
}
