package org.postern.api.dns;

import java.util.Objects;

/**
 * One MX record (RFC 5321 §5.1).
 *
 * @param preference lower is tried first (0..65535)
 * @param host the exchange: lower case, no trailing dot; the root name is {@code "."}
 */
public record MxRecord(int preference, String host) {
    public MxRecord {
        if (preference < 0 || preference > 0xFFFF) {
            throw new IllegalArgumentException("MX preference out of range: " + preference);
        }
        Objects.requireNonNull(host, "host");
    }

    /**
     * The exchange is the root name: a "null MX" (RFC 7505) when it is the domain's only MX
     * record, meaning the domain accepts no mail.
     */
    public boolean isNullMx() {
        return host.equals(".");
    }
}
