package org.postern.mailauth;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postern.api.dns.DnsResolver;
import org.postern.mailauth.DmarcResult.Policy;

/**
 * SPF, DKIM and DMARC for one received message, each under a deadline, and the
 * Authentication-Results field recording them. The MX starts {@link #spf} when the message
 * starts (DATA accepted, first BDAT chunk; its lookups overlap the transfer) and calls
 * {@link #message} at the end of DATA. Whatever DNS does, the stages complete normally within
 * the deadline: an unfinished check is a {@code temperror}.
 */
public final class SenderAuthentication {
    /** What the checks found, and the field that records it (ends in CRLF). */
    public record Report(SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc, String field) {
        /** Whether the From domain's owner asks that the message be refused (DMARC p=reject). */
        public boolean dmarcRejects() {
            return dmarc != null && dmarc.rejects();
        }

        /** Whether p=reject applies but a temporary error kept the checks from deciding (answer 451). */
        public boolean dmarcDefers() {
            return dmarc != null && dmarc.defers();
        }
    }

    private final Spf spf;
    private final DkimVerifier dkim;
    private final Dmarc dmarc;
    private final String authservId;
    private final long timeoutMillis;

    /**
     * @param authservId this server's name, written into Authentication-Results
     * @param timeout the longest each stage may take: SPF from {@link #spf}, DKIM and then DMARC
     *        from {@link #message}
     */
    public SenderAuthentication(DnsResolver dns, String authservId, Duration timeout) {
        this.spf = new Spf(dns);
        this.dkim = new DkimVerifier(dns);
        this.dmarc = new Dmarc(dns);
        this.authservId = authservId;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
    }

    /** The server name the field is written for (and forged fields are recognized by). */
    public String authservId() {
        return authservId;
    }

    /** Starts the SPF check of the client for the MAIL FROM address (HELO when {@code reversePath} is empty). */
    public CompletableFuture<SpfResult> spf(InetAddress client, String reversePath, String helo) {
        SpfResult late = timedOut(reversePath, helo);
        CompletableFuture<SpfResult> f;
        try {
            f = spf.check(client, reversePath, helo).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new SpfResult(AuthResult.TEMPERROR, late.identity(), late.sender(),
                    late.domain(), "internal error: " + e));
        }
        return f.exceptionally(e -> new SpfResult(AuthResult.TEMPERROR, late.identity(), late.sender(), late.domain(),
                "internal error: " + e)).completeOnTimeout(late, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private static SpfResult timedOut(String reversePath, String helo) {
        String h = helo == null ? "" : helo.toLowerCase(Locale.ROOT);
        if (reversePath == null || reversePath.isEmpty()) {
            return new SpfResult(AuthResult.TEMPERROR, "helo", "postmaster@" + h, h, "timed out");
        }
        int at = reversePath.lastIndexOf('@');
        String domain = at < 0 ? "" : reversePath.substring(at + 1).toLowerCase(Locale.ROOT);
        return new SpfResult(AuthResult.TEMPERROR, "mailfrom", at < 0 ? reversePath : reversePath.substring(0, at + 1) + domain,
                domain, "timed out");
    }

    /**
     * Verifies the message's DKIM signatures (its body is read now, on the caller's thread) and,
     * once they and SPF are known, its DMARC policy.
     *
     * @param spfCheck what {@link #spf} returned for this transaction
     * @param header the message's header, already read from {@code body}'s stream
     * @param body the same stream, at the first body octet
     */
    public CompletableFuture<Report> message(CompletableFuture<SpfResult> spfCheck, HeaderFields header, InputStream body)
            throws IOException {
        List<DkimResult> late = List.of(new DkimResult(AuthResult.TEMPERROR, "", "", "", "", "timed out"));
        CompletableFuture<List<DkimResult>> signatures;
        try {
            signatures = dkim.verify(header, body).toCompletableFuture();
        } catch (RuntimeException e) {
            signatures = CompletableFuture.completedFuture(
                    List.of(new DkimResult(AuthResult.TEMPERROR, "", "", "", "", "internal error: " + e)));
        }
        signatures = signatures.exceptionally(e -> List.of(new DkimResult(AuthResult.TEMPERROR, "", "", "", "", "internal error: " + e)))
                .completeOnTimeout(late, timeoutMillis, TimeUnit.MILLISECONDS);
        // only the From fields wait for SPF and DKIM, not the whole header
        List<HeaderFields.Field> from = header.named("From");
        return spfCheck.thenCombine(signatures, (s, k) -> new Object[] {s, k}).thenCompose(both -> {
            SpfResult s = (SpfResult) both[0];
            @SuppressWarnings("unchecked")
            List<DkimResult> k = (List<DkimResult>) both[1];
            DmarcResult lateDmarc = new DmarcResult(AuthResult.TEMPERROR, "", Policy.NONE, false, "timed out");
            CompletableFuture<DmarcResult> d;
            try {
                d = dmarc.check(from, s, k).toCompletableFuture();
            } catch (RuntimeException e) {
                d = CompletableFuture.completedFuture(lateDmarc);
            }
            return d.exceptionally(e -> lateDmarc).completeOnTimeout(lateDmarc, timeoutMillis, TimeUnit.MILLISECONDS)
                    .thenApply(m -> new Report(s, k, m, AuthenticationResults.field(authservId, s, k, m)));
        });
    }
}
