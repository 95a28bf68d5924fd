package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.TlsaRecord;

/** What a TLSA record vouches for (RFC 7672 §3): DANE-EE pins the server's key, DANE-TA an issuer plus the name. */
class DaneTest {
    private static final List<String> NAMES = List.of("mx.dane.test", "dane.test");

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    private static TlsaRecord ee(X509Certificate c) throws Exception {
        return new TlsaRecord(3, 1, 1, sha256(c.getPublicKey().getEncoded()));
    }

    @Test
    void daneEeMatchesTheServersKeyWhateverItsNameOrDates() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Some CA");
        TestCerts.Identity expiredElsewhere = TestCerts.leaf(ca, Instant.now().minusSeconds(3600), "other.test");
        assertDoesNotThrow(() -> Dane.check(expiredElsewhere.chain(), List.of(ee(expiredElsewhere.certificate())), NAMES));
        TlsaRecord full = new TlsaRecord(3, 0, 0, expiredElsewhere.certificate().getEncoded());
        assertDoesNotThrow(() -> Dane.check(expiredElsewhere.chain(), List.of(full), NAMES));
        TestCerts.Identity impostor = TestCerts.selfSigned("mx.dane.test");
        assertThrows(CertificateException.class,
                () -> Dane.check(impostor.chain(), List.of(ee(expiredElsewhere.certificate())), NAMES),
                "another key with the right name is not the pinned one");
    }

    @Test
    void daneTaNeedsTheIssuerInTheChainAValidPathAndTheName() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("DANE TA");
        TestCerts.Identity mx = TestCerts.leaf(ca, "mx.dane.test");
        TlsaRecord ta = new TlsaRecord(2, 0, 1, sha256(ca.certificate().getEncoded()));
        assertDoesNotThrow(() -> Dane.check(mx.chain(), List.of(ta), NAMES));

        TestCerts.Identity wrongName = TestCerts.leaf(ca, "mx.elsewhere.test");
        assertThrows(CertificateException.class, () -> Dane.check(wrongName.chain(), List.of(ta), NAMES));

        TestCerts.Identity expired = TestCerts.leaf(ca, Instant.now().minusSeconds(60), "mx.dane.test");
        assertThrows(CertificateException.class, () -> Dane.check(expired.chain(), List.of(ta), NAMES),
                "under DANE-TA the dates count");

        TestCerts.Identity forged = TestCerts.leaf(TestCerts.ca("DANE TA"), "mx.dane.test");
        X509Certificate[] spliced = {forged.certificate(), ca.certificate()};
        assertThrows(CertificateException.class, () -> Dane.check(spliced, List.of(ta), NAMES),
                "the real TA sent along does not vouch for a certificate it did not sign");

        TlsaRecord taKey = new TlsaRecord(2, 1, 0, ca.certificate().getPublicKey().getEncoded());
        X509Certificate[] leafOnly = {mx.certificate()};
        assertDoesNotThrow(() -> Dane.check(leafOnly, List.of(taKey), NAMES), "a TA key in full need not be sent");
    }

    @Test
    void withoutSubjectAlternativeNamesOnlyARealCommonNameCounts() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("DANE TA");
        TlsaRecord ta = new TlsaRecord(2, 0, 1, sha256(ca.certificate().getEncoded()));
        TestCerts.Identity byCn = TestCerts.leafWithSubject(ca, "CN=mx.dane.test,O=Example");
        assertDoesNotThrow(() -> Dane.check(byCn.chain(), List.of(ta), NAMES), "the common name when there is no SAN");
        TestCerts.Identity smuggled = TestCerts.leafWithSubject(ca, "CN=shop.other.test,O=Evil\\,CN=mx.dane.test");
        assertThrows(CertificateException.class, () -> Dane.check(smuggled.chain(), List.of(ta), NAMES),
                "\",CN=\" inside an organization name is not a common name: "
                        + smuggled.certificate().getSubjectX500Principal().getName());
    }

    @Test
    void onlyDaneUsagesWithKnownSelectorsAndMatchingTypesAreUsable() {
        byte[] d = new byte[32];
        List<TlsaRecord> usable = Dane.usable(List.of(new TlsaRecord(0, 0, 1, d), new TlsaRecord(1, 1, 1, d),
                new TlsaRecord(2, 0, 1, d), new TlsaRecord(3, 1, 1, d), new TlsaRecord(3, 2, 1, d),
                new TlsaRecord(3, 1, 3, d), new TlsaRecord(4, 1, 1, d)));
        assertEquals(List.of(new TlsaRecord(2, 0, 1, d), new TlsaRecord(3, 1, 1, d)), usable);
    }
}
