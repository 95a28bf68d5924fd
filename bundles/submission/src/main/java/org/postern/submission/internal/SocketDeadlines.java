package org.postern.submission.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread that closes outbound sockets past their deadline (SMTP sessions, MTA-STS
 * policy fetches): SO_TIMEOUT bounds a single read only, so a peer trickling octets or never
 * reading would otherwise hold a queue worker for ever. A daemon, gone after 10 s without work,
 * so nothing lingers once the bundle stops.
 */
final class SocketDeadlines {
    static final ScheduledThreadPoolExecutor TIMER = timer();

    private SocketDeadlines() {
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "postern-outbound-deadlines");
            t.setDaemon(true);
            return t;
        });
        e.setKeepAliveTime(10, TimeUnit.SECONDS);
        e.allowCoreThreadTimeOut(true);
        e.setRemoveOnCancelPolicy(true);
        return e;
    }
}
