package org.postern.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.api.dns.DnsAnswer.Status;

/**
 * Signatures made by an independent signer, dkimpy (Debian's python3-dkim, run with
 * /usr/bin/python3), over keys made here. Every PASS is also checked against the wrong key, so
 * a verifier that passes everything cannot pass these tests.
 */
class DkimVerifierTest {
    private static final String KEY_NAME = "s1._domainkey.example.com";
    private static final List<String> HEADERS = List.of("from", "to", "subject", "date", "message-id");
    private static final String MESSAGE = "From: Alice <alice@example.com>\r\nTo: bob@remote.test\r\nSubject: hello\r\n"
            + "Date: Wed, 2 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob.\r\n\r\nAlice\r\n";
    /** Canonicalization's corner cases: folding, odd white space, empty lines at the end, 8-bit octets. */
    private static final List<String> MESSAGES = List.of(
            MESSAGE,
            "From:   alice@example.com  \r\nTo: bob@remote.test,\r\n\t carol@remote.test\r\nSubject:\tsplit\r\n   over lines \r\n"
                    + "Date: Wed, 2 Dec 2026 10:00:00 +0000\r\n\r\n"
                    + "line  with   spaces \t \r\n\t leading tab\r\n \r\n\r\n\r\n",
            "From: alice@example.com\r\nSubject: empty\r\n\r\n",
            "From: alice@example.com\r\nSubject: empty lines\r\n\r\n\r\n\r\n",
            "From: alice@example.com\r\nSubject: unterminated\r\n\r\nno line end at the end",
            "From: alice@example.com\r\nSubject: Gr\u00fc\u00dfe\r\n\r\n" + "Gr\u00fc\u00dfe \r\n".repeat(20000));

    private static KeyPair rsa;
    private static KeyPair rsaOther;
    private static KeyPair ed;
    private static KeyPair edOther;

    @TempDir
    Path dir;

    private final FakeDns dns = new FakeDns();

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        rsaOther = g.generateKeyPair();
        KeyPairGenerator e = KeyPairGenerator.getInstance("Ed25519");
        ed = e.generateKeyPair();
        edOther = e.generateKeyPair();
    }

    @ParameterizedTest
    @ValueSource(strings = {"relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"})
    void rsaSha256PassesInEveryCanonicalization(String c) throws Exception {
        for (String m : MESSAGES) {
            String signed = sign(m, new Signing().canon(c));
            assertTrue(signed.contains("c=" + c + ";"), signed);
            assertPassesOnlyWithItsKey(signed, rsa, rsaOther, "rsa-sha256");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relaxed/relaxed", "simple/simple"})
    void ed25519Sha256Passes(String c) throws Exception {
        for (String m : MESSAGES) {
            String signed = sign(m, new Signing().ed25519().canon(c));
            assertTrue(signed.contains("a=ed25519-sha256;"), signed);
            assertPassesOnlyWithItsKey(signed, ed, edOther, "ed25519-sha256");
        }
    }

    @Test
    void cDefaultsToSimpleSimpleAndRelaxedAloneIsRelaxedSimple() throws Exception {
        String noC = sign(MESSAGE, new Signing().canon("").custom("q=dns/txt"));
        assertFalse(hasTag(noC, "c"), noC);
        assertPassesOnlyWithItsKey(noC, rsa, rsaOther, "rsa-sha256");
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.FAIL, "signature did not verify", verify(noC.replace("Subject: hello", "Subject:  hello")));

        String relaxed = sign(MESSAGE, new Signing().canon("relaxed").custom("q=dns/txt"));
        assertTrue(relaxed.contains("c=relaxed;"), relaxed);
        assertResult(AuthResult.PASS, "signature verified", verify(relaxed));
        assertResult(AuthResult.PASS, "signature verified", verify(relaxed.replace("Subject: hello", "Subject:  hello")));
        assertResult(AuthResult.FAIL, "body hash did not verify", verify(relaxed.replace("Hello Bob.", "Hello  Bob.")));
    }

    @Test
    void keysChosenToBeSlowToUseAreRefused() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(new java.security.spec.RSAKeyGenParameterSpec(1024,
                java.math.BigInteger.ONE.shiftLeft(40).add(java.math.BigInteger.ONE)));
        dns.txt(KEY_NAME, rsaTxt(g.generateKeyPair()));
        assertResult(AuthResult.PERMERROR, "RSA key larger than 4096 bits or exponent over 2^32", verify(signed));
    }

    @Test
    void lengthLimitDoesNotVouchForAppendedContentAndNothingSignedMayChange() throws Exception {
        String signed = sign(MESSAGE, new Signing().canon("relaxed/simple").length());
        assertTrue(hasTag(signed, "l"), signed);
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
        assertResult(AuthResult.PASS, "signature verified", verify(signed + "\r\n\r\n")); // empty lines are no content
        // RFC 6376 8.2: an appended phishing text would ride on the signature (and DMARC on it)
        assertResult(AuthResult.POLICY, "unsigned content after l=", verify(signed + "-- \r\nappended by a list\r\n"));
        assertResult(AuthResult.FAIL, "body hash did not verify", verify(signed.replace("Hello Bob.", "Hello Eve.")));
        assertResult(AuthResult.FAIL, "body shorter than l=", verify(signed.replace("\r\nAlice\r\n", "\r\n")));
        // without l= the appended text breaks it
        String whole = sign(MESSAGE, new Signing().canon("relaxed/simple"));
        assertResult(AuthResult.FAIL, "body hash did not verify", verify(whole + "-- \r\nappended by a list\r\n"));
    }

    @Test
    void changedBodyFailsOnTheBodyHashWithoutAskingForTheKey() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
        int before = dns.queries.get();
        assertResult(AuthResult.FAIL, "body hash did not verify", verify(signed.replace("Hello Bob.", "Hello Bob!")));
        assertEquals(before, dns.queries.get());
    }

    @Test
    void changedSubjectFailsTheSignature() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
        assertResult(AuthResult.FAIL, "signature did not verify", verify(signed.replace("Subject: hello", "Subject: hullo")));
    }

    @Test
    void addingAnOverSignedFieldFailsAddingAnUnsignedOnePasses() throws Exception {
        List<String> h = new ArrayList<>(HEADERS);
        h.addAll(List.of("subject", "reply-to"));
        String signed = sign(MESSAGE, new Signing().headers(h));
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
        assertResult(AuthResult.PASS, "signature verified", verify("Received: from x by y\r\n" + signed));
        String subject = signed.replace("To: bob", "Subject: pay me\r\nTo: bob");
        assertResult(AuthResult.FAIL, "signature did not verify", verify(subject));
        assertResult(AuthResult.FAIL, "signature did not verify", verify("Reply-To: eve@evil.test\r\n" + signed));
    }

    @Test
    void aNameListedOnceSignsItsBottomInstance() throws Exception {
        String m = MESSAGE.replace("Subject: hello", "X-Tag: top\r\nSubject: hello\r\nX-Tag: bottom");
        List<String> h = new ArrayList<>(HEADERS);
        h.add("x-tag");
        String signed = sign(m, new Signing().headers(h));
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
        assertResult(AuthResult.PASS, "signature verified", verify(signed.replace("X-Tag: top", "X-Tag: changed")));
        assertResult(AuthResult.FAIL, "signature did not verify", verify(signed.replace("X-Tag: bottom", "X-Tag: changed")));
    }

    @Test
    void theVerifiedFieldIsNoInstanceOfDkimSignatureInH() throws Exception {
        // when signed, the field did not exist: "dkim-signature" in h= matched nothing
        List<String> h = new ArrayList<>(HEADERS);
        h.add("dkim-signature");
        String signed = sign(MESSAGE, new Signing().headers(h).custom("q=dns/txt"));
        assertTrue(signed.contains("dkim-signature"), signed);
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
    }

    @Test
    void twoSignaturesGiveTwoResultsTopFirst() throws Exception {
        String inner = sign(MESSAGE, new Signing().domain("a.example"));
        String outer = sign(inner, new Signing().domain("b.example").selector("e1").ed25519());
        dns.txt("s1._domainkey.a.example", rsaTxt(rsaOther)); // the wrong key: a.example fails
        dns.txt("e1._domainkey.b.example", edTxt(ed));
        List<DkimResult> r = verify(outer);
        assertEquals(2, r.size(), r.toString());
        assertEquals(AuthResult.PASS, r.get(0).result(), r.toString());
        assertEquals("b.example", r.get(0).domain());
        assertEquals("e1", r.get(0).selector());
        assertEquals(AuthResult.FAIL, r.get(1).result(), r.toString());
        assertEquals("a.example", r.get(1).domain());
        assertEquals("signature did not verify", r.get(1).reason());
    }

    @Test
    void keyLookupFailures() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        assertResult(AuthResult.PERMERROR, "no key at " + KEY_NAME, verify(signed));
        dns.txt(KEY_NAME, "v=spf1 -all");
        assertResult(AuthResult.PERMERROR, "no DKIM key record at " + KEY_NAME, verify(signed));
        dns.fail("TXT", KEY_NAME, Status.TEMPFAIL);
        assertResult(AuthResult.TEMPERROR, "key lookup failed: " + KEY_NAME, verify(signed));
        dns.fail("TXT", KEY_NAME, Status.TIMEOUT);
        assertResult(AuthResult.TEMPERROR, "key lookup timed out: " + KEY_NAME, verify(signed));
    }

    @Test
    void keyRecordConstraints() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        String p = Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded());
        assertResult(AuthResult.PERMERROR, "key revoked", withKey(signed, "v=DKIM1; k=rsa; p="));
        assertResult(AuthResult.PERMERROR, "key type k=ed25519 does not match a=rsa-sha256", withKey(signed, edTxt(ed)));
        assertResult(AuthResult.PERMERROR, "key does not allow sha256 (h=)", withKey(signed, "v=DKIM1; h=sha1; p=" + p));
        assertResult(AuthResult.PERMERROR, "key not for email (s=)", withKey(signed, "v=DKIM1; s=tlsrpt; p=" + p));
        assertResult(AuthResult.PERMERROR, "no DKIM key record at " + KEY_NAME, withKey(signed, "k=rsa; v=DKIM1; p=" + p));
        assertResult(AuthResult.PERMERROR, "invalid key at " + KEY_NAME, withKey(signed, "v=DKIM1; p=" + p.substring(8)));
        // what is accepted: no v=, h= and s= lists, flags, folded p=, a PKCS#1 key, a non-key record first
        assertResult(AuthResult.PASS, "signature verified", withKey(signed, "k=rsa; h=sha1:sha256; s=email:*; t=y:s; p=" + p));
        assertResult(AuthResult.PASS, "signature verified",
                withKey(signed, "v=DKIM1; p=" + p.substring(0, 100) + " \t" + p.substring(100)));
        byte[] spki = rsa.getPublic().getEncoded();
        assertEquals(0x30, spki[24], "a 2048-bit key's RSAPublicKey starts at 24");
        assertResult(AuthResult.PASS, "signature verified",
                withKey(signed, "v=DKIM1; p=" + Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, 24, spki.length))));
        dns.txt(KEY_NAME, "v=spf1 -all", rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(signed));
    }

    @Test
    void strictKeyFlagWantsIdentityInExactlyTheDomain() throws Exception {
        String signed = sign(MESSAGE, new Signing().custom("i=alice@mail.example.com"));
        String p = Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded());
        assertResult(AuthResult.PASS, "signature verified", withKey(signed, "v=DKIM1; t=y; p=" + p));
        assertResult(AuthResult.PERMERROR, "key demands i= domain equal to d= (t=s)", withKey(signed, "v=DKIM1; t=s; p=" + p));
    }

    @Test
    void rsaKeysBelow1024BitsAreRefused() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(512);
        KeyPair small = g.generateKeyPair();
        String signed = sign(MESSAGE, new Signing().key(small));
        assertResult(AuthResult.PERMERROR, "RSA key shorter than 1024 bits", withKey(signed, rsaTxt(small)));
    }

    @Test
    void rsaSha1IsNeutralWithoutALookup() throws Exception {
        String signed = sign(MESSAGE, new Signing().algorithm("rsa-sha1"));
        assertTrue(signed.contains("a=rsa-sha1;"), signed);
        dns.txt(KEY_NAME, rsaTxt(rsa));
        List<DkimResult> r = verify(signed);
        assertResult(AuthResult.NEUTRAL, "rsa-sha1 not accepted", r);
        assertEquals("rsa-sha1", r.get(0).algorithm());
        assertEquals(0, dns.queries.get());
    }

    @Test
    void expiredSignatureIsPolicy() throws Exception {
        long x = Instant.now().getEpochSecond() + 3600;
        String signed = sign(MESSAGE, new Signing().custom("x=" + x));
        assertTrue(signed.contains("x=" + x), signed);
        dns.txt(KEY_NAME, rsaTxt(rsa));
        assertResult(AuthResult.PASS, "signature verified", verify(new DkimVerifier(dns, at(x - 10)), signed));
        assertResult(AuthResult.PASS, "signature verified", verify(new DkimVerifier(dns, at(x)), signed));
        assertResult(AuthResult.POLICY, "signature expired", verify(new DkimVerifier(dns, at(x + 1)), signed));
    }

    @Test
    void malformedSignaturesArePermerrors() throws Exception {
        dns.txt(KEY_NAME, rsaTxt(rsa));
        // each is correctly signed: only the rule makes it fail
        String noFrom = sign(MESSAGE, new Signing().headers(List.of("to", "subject")).custom("q=dns/txt"));
        assertResult(AuthResult.PERMERROR, "h= does not include from", verify(noFrom));
        String duplicate = sign(MESSAGE, new Signing().custom("t=1"));
        assertResult(AuthResult.PERMERROR, "duplicate tag t=", verify(duplicate));
        String outside = sign(MESSAGE, new Signing().custom("i=alice@evil.test"));
        assertResult(AuthResult.PERMERROR, "i= not within d=", verify(outside));
        String lookalike = sign(MESSAGE, new Signing().custom("i=@notexample.com"));
        assertResult(AuthResult.PERMERROR, "i= not within d=", verify(lookalike));
        String inside = sign(MESSAGE, new Signing().custom("i=alice@mail.example.com"));
        assertResult(AuthResult.PASS, "signature verified", verify(inside));
        String version = sign(MESSAGE, new Signing().custom("q=dns/txt")).replace("v=1;", "v=2;");
        assertResult(AuthResult.PERMERROR, "unsupported version v=2", verify(version));
        String noBh = sign(MESSAGE, new Signing()).replaceFirst("bh=", "xh=");
        assertResult(AuthResult.PERMERROR, "missing bh=", verify(noBh));
        assertResult(AuthResult.PERMERROR, "malformed tag-list",
                verify("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; b;\r\n" + MESSAGE));
        assertResult(AuthResult.NEUTRAL, "unknown algorithm",
                verify(sign(MESSAGE, new Signing()).replace("a=rsa-sha256", "a=rsa-sha512")));
        assertResult(AuthResult.NEUTRAL, "unknown canonicalization",
                verify(sign(MESSAGE, new Signing()).replace("c=relaxed/relaxed", "c=relaxed/nowsp")));
        assertEquals(1, dns.queries.get(), "only the good signature was looked up");
    }

    @Test
    void noSignatureNoResults() throws Exception {
        assertEquals(List.of(), verify(MESSAGE));
        assertEquals(0, dns.queries.get());
    }

    @Test
    void hangingKeyLookupLeavesTheStageOpen() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        dns.hang("TXT", KEY_NAME);
        CompletableFuture<List<DkimResult>> stage = new DkimVerifier(dns)
                .verify(new ByteArrayInputStream(signed.getBytes(StandardCharsets.ISO_8859_1))).toCompletableFuture();
        Thread.sleep(200);
        assertFalse(stage.isDone(), "the caller's deadline decides, not a join");
        assertEquals(1, dns.queries.get());
    }

    @Test
    void atMostMaxSignaturesAreEvaluated() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        String field = signed.substring(0, signed.indexOf("From:"));
        dns.txt(KEY_NAME, rsaTxt(rsa));
        List<DkimResult> r = verify(field.repeat(DkimVerifier.MAX_SIGNATURES + 2) + MESSAGE);
        assertEquals(DkimVerifier.MAX_SIGNATURES, r.size());
        assertTrue(r.stream().allMatch(x -> x.result() == AuthResult.PASS), r.toString());
        assertEquals(DkimVerifier.MAX_SIGNATURES, dns.queries.get());
    }

    @Test
    void tooLongHeaderIsPermerrorOrNothing() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        dns.txt(KEY_NAME, rsaTxt(rsa));
        String filler = ("X-Filler: " + "x".repeat(1000) + "\r\n").repeat(300);
        assertResult(AuthResult.PERMERROR, "header too long", verify(signed.replace("From:", filler + "From:")));
        assertEquals(List.of(), verify(filler + signed));
        assertEquals(0, dns.queries.get());
    }

    @Test
    void headerReadByTheCallerAndBodyReadToItsEnd() throws Exception {
        String signed = sign(MESSAGE, new Signing());
        dns.txt(KEY_NAME, rsaTxt(rsa));
        ByteArrayInputStream in = new ByteArrayInputStream(signed.getBytes(StandardCharsets.ISO_8859_1));
        HeaderFields header = HeaderFields.read(in, DkimVerifier.MAX_HEADER);
        List<DkimResult> r = new DkimVerifier(dns).verify(header, in).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertResult(AuthResult.PASS, "signature verified", r);
        assertEquals(0, in.available());
    }

    @Test
    void bodyCanonicalizationCorners() {
        // RFC 6376 §3.4.3/§3.4.4: the empty body is CRLF (simple) or nothing (relaxed)
        assertEquals("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", bodyHash(false, -1, ""));
        assertEquals("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", bodyHash(false, -1, "\r\n\r\n"));
        assertEquals("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", bodyHash(true, -1, " \r\n\t\r\n"));
        assertEquals(bodyHash(false, -1, "a b\r\n"), bodyHash(true, -1, "a \t b  \r\n\r\n"));
        assertEquals(bodyHash(false, -1, " a\r\n"), bodyHash(true, -1, "\t a"));
        assertEquals(bodyHash(false, -1, "a\rb\n\r\n"), bodyHash(false, -1, "a\rb\n"));
        assertEquals(bodyHash(false, 2, "ab"), bodyHash(false, 2, "abc\r\n"));
    }

    // --- helpers

    private static String bodyHash(boolean relaxed, long limit, String body) {
        DkimCanonicalization.Body h = new DkimCanonicalization.Body(relaxed, limit);
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        // split to check state across buffers
        for (int i = 0; i < b.length; i++) {
            h.update(b, i, 1);
        }
        h.finish();
        return Base64.getEncoder().encodeToString(h.digest());
    }

    private void assertPassesOnlyWithItsKey(String signed, KeyPair key, KeyPair other, String algorithm) throws Exception {
        FakeDns good = new FakeDns().txt(KEY_NAME, txt(key));
        List<DkimResult> r = verify(new DkimVerifier(good), signed);
        assertResult(AuthResult.PASS, "signature verified", r);
        DkimResult k = r.get(0);
        assertEquals("example.com", k.domain());
        assertEquals("s1", k.selector());
        assertEquals(algorithm, k.algorithm());
        assertEquals(b(signed).substring(0, 8), k.signaturePrefix());
        FakeDns wrong = new FakeDns().txt(KEY_NAME, txt(other));
        assertResult(AuthResult.FAIL, "signature did not verify", verify(new DkimVerifier(wrong), signed));
    }

    private static void assertResult(AuthResult expected, String reason, List<DkimResult> results) {
        assertEquals(1, results.size(), results.toString());
        assertEquals(expected, results.get(0).result(), results.toString());
        assertEquals(reason, results.get(0).reason(), results.toString());
    }

    private List<DkimResult> withKey(String signed, String txt) throws Exception {
        return verify(new DkimVerifier(new FakeDns().txt(KEY_NAME, txt)), signed);
    }

    private List<DkimResult> verify(String message) throws Exception {
        return verify(new DkimVerifier(dns), message);
    }

    private static List<DkimResult> verify(DkimVerifier v, String message) throws Exception {
        InputStream in = new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1));
        List<DkimResult> r = v.verify(in).toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (DkimResult k : r) {
            assertTrue(k.reason().length() <= 200, k.reason());
        }
        return r;
    }

    private static Clock at(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    /** The b= value of the topmost signature, white space removed. */
    private static String b(String signed) {
        Matcher m = Pattern.compile("[;\\s]b=([^;]*)").matcher(signed.substring(0, signed.indexOf("\r\nFrom:")));
        assertTrue(m.find(), signed);
        return m.group(1).replaceAll("\\s", "");
    }

    private static boolean hasTag(String signed, String tag) {
        return Pattern.compile("[;\\s]" + tag + "=").matcher(signed.substring(0, signed.indexOf("\r\nFrom:"))).find();
    }

    private static String txt(KeyPair k) {
        return k.getPublic().getAlgorithm().equals("RSA") ? rsaTxt(k) : edTxt(k);
    }

    private static String rsaTxt(KeyPair k) {
        return "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(k.getPublic().getEncoded());
    }

    /** RFC 8463 §4: the raw 32 octets, which end the X.509 encoding. */
    private static String edTxt(KeyPair k) {
        byte[] spki = k.getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(raw);
    }

    /** How dkimpy is to sign. */
    private static final class Signing {
        KeyPair key = rsa;
        String selector = "s1";
        String domain = "example.com";
        String algorithm = "rsa-sha256";
        String canon = "relaxed/relaxed";
        List<String> headers = HEADERS;
        boolean length;
        /** Tags added after t= ("k=v;k=v"); when set, the signature is built tag by tag, not by dkim.sign. */
        String custom = "";

        Signing key(KeyPair k) {
            key = k;
            return this;
        }

        Signing selector(String s) {
            selector = s;
            return this;
        }

        Signing domain(String d) {
            domain = d;
            return this;
        }

        Signing algorithm(String a) {
            algorithm = a;
            return this;
        }

        Signing ed25519() {
            key = ed;
            algorithm = "ed25519-sha256";
            return this;
        }

        Signing canon(String c) {
            canon = c;
            return this;
        }

        Signing headers(List<String> h) {
            headers = h;
            return this;
        }

        Signing length() {
            length = true;
            return this;
        }

        Signing custom(String tags) {
            custom = tags;
            return this;
        }
    }

    private static final String SIGNER = String.join("\n",
            "import sys, time, base64, dkim",
            "from dkim.canonicalization import CanonicalizationPolicy",
            "from dkim.crypto import parse_pem_private_key, HASH_ALGORITHMS",
            "msg = open(sys.argv[1], 'rb').read()",
            "key = open(sys.argv[2], 'rb').read()",
            "sel, dom, alg, canon, hdrs, length, custom = [a.encode() for a in sys.argv[3:10]]",
            "include = hdrs.split(b':')",
            "if not custom:",
            "    sig = dkim.sign(msg, sel, dom, key, canonicalize=tuple(canon.split(b'/')), signature_algorithm=alg,",
            "                    include_headers=include, length=length == b'1')",
            "else:",
            "    d = dkim.DKIM(msg, signature_algorithm=alg)",
            "    if alg == b'ed25519-sha256':",
            "        import nacl.signing, nacl.encoding",
            "        pk = nacl.signing.SigningKey(key, encoder=nacl.encoding.Base64Encoder)",
            "    else:",
            "        pk = parse_pem_private_key(key)",
            "    policy = CanonicalizationPolicy.from_c_value(canon or None)",
            "    d.hasher = HASH_ALGORITHMS[alg]",
            "    bh = base64.b64encode(d.hasher(policy.canonicalize_body(d.body)).digest())",
            "    fields = [(b'v', b'1'), (b'a', alg)] + ([(b'c', canon)] if canon else [])",
            "    fields += [(b'd', dom), (b's', sel), (b't', str(int(time.time())).encode())]",
            "    fields += [tuple(x.split(b'=', 1)) for x in custom.split(b';') if x]",
            "    fields += [(b'h', b':'.join(include)), (b'bh', bh), (b'b', b'0' * 60)]",
            "    names = tuple(x.lower() for x in include)",
            "    sig = b'DKIM-Signature: ' + d.gen_header(fields, names, policy, b'DKIM-Signature', pk)",
            "sys.stdout.buffer.write(sig)",
            "");

    /** The message with dkimpy's DKIM-Signature field on top. */
    private String sign(String message, Signing s) throws Exception {
        Path script = dir.resolve("sign.py");
        if (!Files.exists(script)) {
            Files.writeString(script, SIGNER);
        }
        Path msg = Files.write(Files.createTempFile(dir, "m", ".eml"), message.getBytes(StandardCharsets.ISO_8859_1));
        Path key = Files.writeString(Files.createTempFile(dir, "k", ".key"), privateKey(s.key));
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), msg.toString(), key.toString(),
                s.selector, s.domain, s.algorithm, s.canon, String.join(":", s.headers), s.length ? "1" : "0", s.custom).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (java.io.IOException e) {
                // the process is gone; the exit code tells
            }
        });
        drain.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        drain.join();
        assertEquals(0, p.exitValue(), err.toString(StandardCharsets.UTF_8));
        String field = new String(out, StandardCharsets.ISO_8859_1);
        assertTrue(field.startsWith("DKIM-Signature: ") && field.endsWith("\r\n"), field);
        return field + message;
    }

    /** PKCS#8 PEM for RSA (dkimpy reads it); for Ed25519 the base64 32-octet seed pynacl wants, the end of PKCS#8. */
    private static String privateKey(KeyPair k) {
        byte[] der = k.getPrivate().getEncoded();
        if (k.getPrivate().getAlgorithm().equals("RSA")) {
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                    + "\n-----END PRIVATE KEY-----\n";
        }
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(der, der.length - 32, der.length));
    }
}
