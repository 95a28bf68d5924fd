package org.postern.api.dns;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One TLSA record (RFC 6698 §2.1, DANE for SMTP: RFC 7672). {@link #data()} is copied in and out.
 *
 * @param usage certificate usage (2 = DANE-TA, 3 = DANE-EE are the ones SMTP uses)
 * @param selector 0 = full certificate, 1 = SubjectPublicKeyInfo
 * @param matchingType 0 = exact, 1 = SHA-256, 2 = SHA-512
 * @param data the certificate association data
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {
    public static final int USAGE_PKIX_TA = 0;
    public static final int USAGE_PKIX_EE = 1;
    public static final int USAGE_DANE_TA = 2;
    public static final int USAGE_DANE_EE = 3;
    public static final int SELECTOR_CERT = 0;
    public static final int SELECTOR_SPKI = 1;
    public static final int MATCHING_FULL = 0;
    public static final int MATCHING_SHA256 = 1;
    public static final int MATCHING_SHA512 = 2;

    public TlsaRecord {
        check("usage", usage);
        check("selector", selector);
        check("matching type", matchingType);
        data = data.clone();
    }

    private static void check(String what, int v) {
        if (v < 0 || v > 0xFF) {
            throw new IllegalArgumentException("TLSA " + what + " out of range: " + v);
        }
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsaRecord t && t.usage == usage && t.selector == selector
                && t.matchingType == matchingType && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return ((usage * 31 + selector) * 31 + matchingType) * 31 + Arrays.hashCode(data);
    }

    /** Presentation form, as in a zone file: {@code 3 1 1 0a1b…}. */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
    }
}
