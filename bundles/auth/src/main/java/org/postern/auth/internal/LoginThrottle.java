package org.postern.auth.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rate limits of DESIGN section 5, none of which can lock a user out:
 * <ul>
 * <li>blocks per (account, client address) and per client address (an IPv4 address or an IPv6
 * /64), plus per IPv6 /48, counted ahead of each attempt's outcome (so attempts in flight count)
 * and taken back when it succeeds;</li>
 * <li>per account, from any address, a growing delay that also spaces the account's attempts
 * one at a time: parallel guesses queue behind each other instead of sharing a delay. A client
 * address that logged in to the account successfully within the window is exempt, so the
 * user's own devices are not slowed by an attack from elsewhere.</li>
 * </ul>
 * Keys are hashed (bounded memory per entry); each map keeps at most {@code maxKeys}, forgetting
 * the least recently used first.
 */
final class LoginThrottle {
    private final FailureLimiter perPair;
    private final FailureLimiter perAddress;
    private final FailureLimiter perNetwork;
    private final FailureLimiter perAccount;
    private final int delayAfter;
    private final long maxDelayMillis;
    /** How far ahead an account's queue of delayed attempts may reach before more are turned away. */
    private final long maxQueueMillis;
    private final long windowMillis;
    private final Clock clock;
    private final Map<String, Long> trusted;
    private final Map<String, Long> nextSlot;

    /** What counting one attempt did, so that a success can take it back. */
    static final class Ticket {
        final String pair;
        final String address;
        final String network;
        boolean pairBlock;
        boolean addressBlock;
        boolean networkBlock;

        Ticket(String pair, String address, String network) {
            this.pair = pair;
            this.address = address;
            this.network = network;
        }
    }

    LoginThrottle(AuthConfig c, int maxKeys, Clock clock) {
        Duration window = Duration.ofMinutes(Math.max(1, c.failure_window_minutes()));
        Duration block = Duration.ofMinutes(Math.max(1, c.block_minutes()));
        this.perPair = new FailureLimiter(c.failures_per_account_address(), window, block, maxKeys, clock);
        this.perAddress = new FailureLimiter(c.failures_per_address(), window, block, maxKeys, clock);
        this.perNetwork = new FailureLimiter(4 * Math.max(1, c.failures_per_address()), window, block, maxKeys, clock);
        this.delayAfter = Math.max(1, c.account_delay_after());
        this.maxDelayMillis = Math.max(0, c.account_delay_max_seconds()) * 1000L;
        int doublings = 64 - Long.numberOfLeadingZeros(Math.max(1, c.account_delay_max_seconds()));
        // The level needs to reach only the longest delay: any higher and a burst of failures
        // would slow the account for hours after it stopped.
        this.perAccount = new FailureLimiter(delayAfter, delayAfter + doublings + 1.0, window, Duration.ZERO, maxKeys, clock);
        this.maxQueueMillis = 4 * Math.max(1000, maxDelayMillis);
        this.windowMillis = window.toMillis();
        this.clock = clock;
        this.trusted = lru(maxKeys);
        this.nextSlot = lru(maxKeys);
    }

    private static Map<String, Long> lru(int maxKeys) {
        return new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Blocked before anything is looked up: the client address or its IPv6 /48. */
    boolean addressBlocked(String address, String network) {
        return perAddress.blocked(address) || network != null && perNetwork.blocked(network);
    }

    boolean pairBlocked(String pair) {
        return perPair.blocked(pair);
    }

    /** Counts the attempt as a failure now; {@link #succeeded} takes it back. */
    Ticket count(String pair, String address, String network) {
        Ticket t = new Ticket(pair, address, network);
        t.pairBlock = perPair.failure(pair);
        t.addressBlock = perAddress.failure(address);
        t.networkBlock = network != null && perNetwork.failure(network);
        return t;
    }

    void succeeded(Ticket t, String accountKey) {
        perPair.undo(t.pair, t.pairBlock);
        perPair.forget(t.pair);
        perAddress.undo(t.address, t.addressBlock);
        if (t.network != null) {
            perNetwork.undo(t.network, t.networkBlock);
        }
        synchronized (trusted) {
            trusted.put(accountKey + " " + t.address, clock.millis());
        }
    }

    void failed(String accountKey) {
        perAccount.failure(accountKey);
    }

    /**
     * How long this attempt waits before it is checked: 0 when the account is not under attack
     * or the client address is one the account logged in from lately; else its turn in the
     * account's queue. -1 when that queue already reaches too far ahead: a temporary failure.
     */
    long reserve(String accountKey, String address) {
        int recent = perAccount.recent(accountKey);
        if (recent < delayAfter || maxDelayMillis == 0) {
            return 0;
        }
        long now = clock.millis();
        synchronized (trusted) {
            Long ok = trusted.get(accountKey + " " + address);
            if (ok != null && now - ok < windowMillis) {
                return 0;
            }
        }
        long delay = Math.min(maxDelayMillis, 1000L << Math.min(30, recent - delayAfter));
        synchronized (nextSlot) {
            long slot = Math.max(now, nextSlot.getOrDefault(accountKey, 0L));
            if (slot - now > maxQueueMillis) {
                return -1;
            }
            nextSlot.put(accountKey, slot + delay);
            return slot - now + delay;
        }
    }

    // ---- keys ----

    /** A fixed-size key for whatever identifies the account or name (its length is the client's). */
    static String hashed(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The client as counted: an IPv4 address, or an IPv6 /64 (one subscriber's). */
    static String addressKey(InetAddress client) {
        if (client == null) {
            return "unknown";
        }
        if (client instanceof Inet6Address) {
            return prefix(client, 8) + "/64";
        }
        return client.getHostAddress();
    }

    /** An IPv6 client's /48 (one site's), or null for IPv4. */
    static String networkKey(InetAddress client) {
        return client instanceof Inet6Address ? prefix(client, 6) + "/48" : null;
    }

    private static String prefix(InetAddress client, int bytes) {
        byte[] a = Arrays.copyOf(client.getAddress(), 16);
        Arrays.fill(a, bytes, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
