package org.postern.api.dns;

import java.util.List;
import java.util.Objects;

/**
 * One answer of a {@link DnsResolver}: the records of the asked type (after any CNAME chain), what
 * kind of answer it was, whether the upstream resolver vouched for it with DNSSEC, and how long
 * it may still be used.
 * <p>
 * {@link #records()} is non-empty exactly when {@link #status()} is {@link Status#OK}. It is
 * immutable and never null.
 *
 * @param <T> the record value type ({@link String} for names and TXT, {@link java.net.InetAddress},
 *        {@link MxRecord}, {@link TlsaRecord})
 * @param status what kind of answer this is
 * @param records the records, in the order the server sent them (MX: by preference)
 * @param authenticated the upstream resolver set the DNSSEC AD bit on every response this answer
 *        was built from (RFC 4035 §3.2.3, RFC 6840 §5.7). Only as trustworthy as the path to that
 *        resolver: a resolver on loopback or over a secured channel. Failures are never
 *        authenticated
 * @param ttlSeconds how many more seconds this answer may be reused (the smallest TTL of the
 *        records and CNAMEs it was built from, or the negative-caching TTL of RFC 2308 for
 *        {@link Status#NXDOMAIN} and {@link Status#NODATA}, as capped by the resolver's
 *        configuration); 0 for failures
 */
public record DnsAnswer<T>(Status status, List<T> records, boolean authenticated, long ttlSeconds) {

    /** What kind of answer a question got. */
    public enum Status {
        /** The name has records of the asked type: {@link #records()} is not empty. */
        OK,
        /** The name does not exist (RCODE 3, Name Error). */
        NXDOMAIN,
        /** The name exists but has no records of the asked type (RFC 2308 §2.2). */
        NODATA,
        /**
         * The upstream failed or refused (SERVFAIL, REFUSED, any other RCODE), answered with
         * something unusable, or could not be reached: ask again later (SPF "temperror").
         */
        TEMPFAIL,
        /** No answer within the configured timeout: ask again later. */
        TIMEOUT,
        /** The question could not be asked: the name is not a valid DNS name. */
        INVALID
    }

    public DnsAnswer {
        Objects.requireNonNull(status, "status");
        records = List.copyOf(records);
        if ((status == Status.OK) == records.isEmpty()) {
            throw new IllegalArgumentException(status + " answer with " + records.size() + " records");
        }
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("negative TTL " + ttlSeconds);
        }
        if (status.ordinal() >= Status.TEMPFAIL.ordinal()) {
            authenticated = false;
            ttlSeconds = 0;
        }
    }

    /** Records found. */
    public static <T> DnsAnswer<T> ok(List<T> records, boolean authenticated, long ttlSeconds) {
        return new DnsAnswer<>(Status.OK, records, authenticated, ttlSeconds);
    }

    /** A negative answer ({@link Status#NXDOMAIN} or {@link Status#NODATA}) or a failure. */
    public static <T> DnsAnswer<T> none(Status status, boolean authenticated, long ttlSeconds) {
        if (status == Status.OK) {
            throw new IllegalArgumentException("an OK answer needs records");
        }
        return new DnsAnswer<>(status, List.of(), authenticated, ttlSeconds);
    }

    /** A failure: {@link Status#TEMPFAIL}, {@link Status#TIMEOUT} or {@link Status#INVALID}. */
    public static <T> DnsAnswer<T> failure(Status status) {
        if (status.ordinal() < Status.TEMPFAIL.ordinal()) {
            throw new IllegalArgumentException(status + " is not a failure");
        }
        return new DnsAnswer<>(status, List.of(), false, 0);
    }

    public boolean isOk() {
        return status == Status.OK;
    }

    /** The name or the records do not exist ({@link Status#NXDOMAIN}, {@link Status#NODATA}). */
    public boolean isNegative() {
        return status == Status.NXDOMAIN || status == Status.NODATA;
    }

    /** Asking again later may help ({@link Status#TEMPFAIL}, {@link Status#TIMEOUT}). */
    public boolean isTemporaryFailure() {
        return status == Status.TEMPFAIL || status == Status.TIMEOUT;
    }

    /** The same answer for other records: an empty result keeps the status, the rest is kept. */
    public <U> DnsAnswer<U> withRecords(List<U> newRecords) {
        if (status == Status.OK && newRecords.isEmpty()) {
            return none(Status.NODATA, authenticated, ttlSeconds);
        }
        if (status != Status.OK && !newRecords.isEmpty()) {
            throw new IllegalArgumentException(status + " answer with records");
        }
        return new DnsAnswer<>(status, newRecords, authenticated, ttlSeconds);
    }
}
