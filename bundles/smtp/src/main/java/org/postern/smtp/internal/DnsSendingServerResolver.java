package org.postern.smtp.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.postern.api.address.DomainName;
import org.postern.smtp.SendingServerResolver;

/**
 * Forward-confirmed reverse DNS through the JVM's resolver: PTR of the address, then the name's
 * A/AAAA records must contain the address. Loopback, wildcard and link-local addresses answer
 * null at once; a lookup slower than {@link #TIMEOUT_MS} answers null (the lookup thread is left
 * to finish on its own, bounded by {@link #MAX_LOOKUPS}).
 */
@Component(service = SendingServerResolver.class)
public class DnsSendingServerResolver implements SendingServerResolver {
    static final long TIMEOUT_MS = 3000;
    static final int MAX_LOOKUPS = 16;

    private final ThreadPoolExecutor lookups;

    public DnsSendingServerResolver() {
        AtomicInteger n = new AtomicInteger();
        lookups = new ThreadPoolExecutor(0, MAX_LOOKUPS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "postern-smtp-dns-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void stop() {
        lookups.shutdownNow();
    }

    @Override
    public String confirmedName(InetAddress address) {
        if (address == null || address.isLoopbackAddress() || address.isAnyLocalAddress()
                || address.isLinkLocalAddress()) {
            return null;
        }
        Future<String> f;
        try {
            f = lookups.submit(() -> lookup(address));
        } catch (RejectedExecutionException busy) {
            return null;
        }
        try {
            return f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            f.cancel(true);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String lookup(InetAddress address) throws UnknownHostException {
        String name = InetAddress.getByAddress(address.getAddress()).getCanonicalHostName();
        if (name == null || name.equals(address.getHostAddress()) || name.indexOf('.') < 0) {
            return null;
        }
        for (InetAddress forward : InetAddress.getAllByName(name)) {
            if (forward.equals(address)) {
                try {
                    return DomainName.normalizeLabels(name);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
