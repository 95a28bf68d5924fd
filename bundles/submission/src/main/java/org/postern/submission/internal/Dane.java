package org.postern.submission.internal;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.postern.api.dns.TlsaRecord;

/**
 * DANE for SMTP (RFC 7672): which TLSA records an SMTP client can use, and a trust manager that
 * accepts a server certificate only when one of them matches. DANE-EE(3) matches the server's
 * own certificate or key, with no name or date check (§3.1.1). DANE-TA(2) matches a
 * certificate or key in the chain the server sent (or, given in full as a key, one that signed
 * its last certificate); the chain from the server's certificate up to it must validate (dates,
 * signatures, CA constraints; no revocation) and the server's certificate must name one of the
 * reference identifiers, the MX host name first (§3.2).
 */
final class Dane {
    private Dane() {
    }

    /** The records an SMTP client may use (§3.1.3: PKIX-TA and PKIX-EE are not), in order. */
    static List<TlsaRecord> usable(List<TlsaRecord> records) {
        List<TlsaRecord> out = new ArrayList<>();
        for (TlsaRecord r : records) {
            boolean usage = r.usage() == TlsaRecord.USAGE_DANE_TA || r.usage() == TlsaRecord.USAGE_DANE_EE;
            boolean selector = r.selector() == TlsaRecord.SELECTOR_CERT || r.selector() == TlsaRecord.SELECTOR_SPKI;
            boolean matching = r.matchingType() >= TlsaRecord.MATCHING_FULL && r.matchingType() <= TlsaRecord.MATCHING_SHA512;
            if (usage && selector && matching && r.data().length > 0) {
                out.add(r);
            }
        }
        return out;
    }

    /** A TLS context that trusts exactly what the records say, for a session with the named host. */
    static SSLContext context(List<TlsaRecord> records, List<String> referenceNames) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new DaneTrustManager(records, referenceNames)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS unavailable", e);
        }
    }

    /** Whether the record's data is the certificate's (selector: whole certificate or its key). */
    static boolean matches(TlsaRecord r, X509Certificate c) {
        try {
            byte[] selected = r.selector() == TlsaRecord.SELECTOR_CERT ? c.getEncoded() : c.getPublicKey().getEncoded();
            byte[] expected = r.data();
            return switch (r.matchingType()) {
                case TlsaRecord.MATCHING_FULL -> MessageDigest.isEqual(selected, expected);
                case TlsaRecord.MATCHING_SHA256 -> MessageDigest.isEqual(
                        MessageDigest.getInstance("SHA-256").digest(selected), expected);
                case TlsaRecord.MATCHING_SHA512 -> MessageDigest.isEqual(
                        MessageDigest.getInstance("SHA-512").digest(selected), expected);
                default -> false;
            };
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The check itself: returns when the chain is trusted under the records, else throws. */
    static void check(X509Certificate[] chain, List<TlsaRecord> records, List<String> referenceNames)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("DANE: the server sent no certificate");
        }
        for (TlsaRecord r : records) {
            if (r.usage() == TlsaRecord.USAGE_DANE_EE && matches(r, chain[0])) {
                return;
            }
        }
        for (TlsaRecord r : records) {
            if (r.usage() != TlsaRecord.USAGE_DANE_TA) {
                continue;
            }
            for (int i = 0; i < chain.length; i++) {
                if (matches(r, chain[i]) && validUpTo(chain, i, new TrustAnchor(chain[i], null))
                        && names(chain[0], referenceNames)) {
                    return;
                }
            }
            if (r.selector() == TlsaRecord.SELECTOR_SPKI && r.matchingType() == TlsaRecord.MATCHING_FULL) {
                PublicKey key = publicKey(r.data());
                X509Certificate top = chain[chain.length - 1];
                if (key != null && validUpTo(chain, chain.length,
                        new TrustAnchor(top.getIssuerX500Principal(), key, null)) && names(chain[0], referenceNames)) {
                    return;
                }
            }
        }
        throw new CertificateException("DANE: no TLSA record matches the certificate of " + referenceNames.get(0));
    }

    /** The chain below position {@code end} validates up to the anchor (the anchor itself not included). */
    private static boolean validUpTo(X509Certificate[] chain, int end, TrustAnchor anchor) {
        if (end == 0) {
            return true; // the server's own certificate is the trust anchor
        }
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            CertPath path = f.generateCertPath(Arrays.asList(chain).subList(0, end));
            PKIXParameters p = new PKIXParameters(Set.of(anchor));
            p.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(path, p);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static PublicKey publicKey(byte[] spki) {
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException | IllegalArgumentException notThisOne) {
                // next algorithm
            }
        }
        return null;
    }

    /**
     * Whether the certificate names one of the reference identifiers: its DNS subject
     * alternative names, or its common name when it has none; a wildcard stands for exactly one
     * leftmost label (RFC 7672 §3.2.3).
     */
    static boolean names(X509Certificate c, List<String> referenceNames) {
        List<String> presented = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String s) {
                        presented.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        if (presented.isEmpty()) {
            String dn = c.getSubjectX500Principal().getName();
            for (String rdn : dn.split(",")) {
                if (rdn.startsWith("CN=")) {
                    presented.add(rdn.substring(3));
                }
            }
        }
        for (String reference : referenceNames) {
            for (String p : presented) {
                if (MtaSts.matches(p.toLowerCase(Locale.ROOT), reference)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static final class DaneTrustManager extends X509ExtendedTrustManager {
        private final List<TlsaRecord> records;
        private final List<String> referenceNames;

        DaneTrustManager(List<TlsaRecord> records, List<String> referenceNames) {
            this.records = List.copyOf(records);
            this.referenceNames = List.copyOf(referenceNames);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, records, referenceNames);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain, records, referenceNames);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain, records, referenceNames);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client of outbound SMTP checks no clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client of outbound SMTP checks no clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client of outbound SMTP checks no clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
