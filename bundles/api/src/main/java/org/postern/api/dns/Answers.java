package org.postern.api.dns;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.postern.api.dns.DnsAnswer.Status;

/** Helpers for the default methods of {@link DnsResolver}; not API. */
final class Answers {
    private Answers() {
    }

    /** The stage as a future of its own; an exceptional completion becomes {@link Status#TEMPFAIL}. */
    static <T> CompletableFuture<DnsAnswer<T>> safe(CompletionStage<DnsAnswer<T>> stage) {
        return stage.handle((answer, failure) -> failure != null || answer == null
                ? DnsAnswer.<T>failure(Status.TEMPFAIL) : answer).toCompletableFuture();
    }

    /** The worse of two non-OK statuses: TEMPFAIL, TIMEOUT, INVALID, NODATA, NXDOMAIN. */
    static Status worse(Status a, Status b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(Status s) {
        switch (s) {
            case TEMPFAIL: return 5;
            case TIMEOUT: return 4;
            case INVALID: return 3;
            case NODATA: return 2;
            case NXDOMAIN: return 1;
            default: return 0;
        }
    }
}
