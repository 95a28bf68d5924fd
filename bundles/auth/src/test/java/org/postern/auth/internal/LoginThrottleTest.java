package org.postern.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final FailureLimiterTest.MutableClock clock = new FailureLimiterTest.MutableClock();

    private LoginThrottle throttle(Map<String, Object> config) {
        return new LoginThrottle(Configs.auth(config), 1000, clock);
    }

    @Test
    void parallelAttemptsOnAnAccountUnderAttackQueueOneAfterAnother() {
        LoginThrottle t = throttle(Map.of("account_delay_after", 2, "account_delay_max_seconds", 4));
        assertEquals(0, t.reserve("acct", "203.0.113.1"));
        t.failed("acct");
        t.failed("acct");
        long first = t.reserve("acct", "203.0.113.1");
        long second = t.reserve("acct", "203.0.113.2");
        long third = t.reserve("acct", "203.0.113.3");
        assertEquals(1000, first);
        assertEquals(2000, second, "the second waits for the first's turn");
        assertEquals(3000, third);
        for (int i = 0; i < 100; i++) {
            t.reserve("acct", "203.0.113.4");
        }
        assertEquals(-1, t.reserve("acct", "203.0.113.5"), "a queue reaching too far ahead is a temporary failure");
        assertEquals(0, t.reserve("other", "203.0.113.5"), "other accounts are not slowed");
    }

    @Test
    void anAddressTheAccountLoggedInFromIsNotSlowedByAnAttackElsewhere() {
        LoginThrottle t = throttle(Map.of("account_delay_after", 2));
        LoginThrottle.Ticket ok = t.count("pair-home", "192.0.2.10", null);
        t.succeeded(ok, "acct");
        for (int i = 0; i < 50; i++) {
            t.failed("acct");
        }
        assertTrue(t.reserve("acct", "203.0.113.9") > 0);
        assertEquals(0, t.reserve("acct", "192.0.2.10"));
        clock.advance(Duration.ofMinutes(16));
        assertTrue(t.reserve("acct", "192.0.2.10") > 0, "trust lasts one window; afterwards the address is like any other");
    }

    @Test
    void aBurstOfFailuresStopsSlowingTheAccountWithinAFewWindows() {
        LoginThrottle t = throttle(Map.of("account_delay_after", 5, "account_delay_max_seconds", 16));
        for (int i = 0; i < 400; i++) {
            t.failed("acct");
        }
        assertTrue(t.reserve("acct", "203.0.113.1") > 0);
        clock.advance(Duration.ofMinutes(45));
        assertEquals(0, t.reserve("acct", "203.0.113.1"), "400 failures must not slow the user for hours");
    }

    @Test
    void attemptsInFlightCountAndASuccessTakesItsOwnCountBack() {
        LoginThrottle t = throttle(Map.of("failures_per_account_address", 3));
        LoginThrottle.Ticket a = t.count("pair", "192.0.2.1", null);
        t.count("pair", "192.0.2.1", null);
        LoginThrottle.Ticket c = t.count("pair", "192.0.2.1", null);
        assertTrue(t.pairBlocked("pair"), "three attempts in flight reach the budget before any is decided");
        t.succeeded(c, "acct");
        assertFalse(t.pairBlocked("pair"), "the third was the right password: no block, failures forgotten");
        t.succeeded(a, "acct");
        assertFalse(t.pairBlocked("pair"));
    }

    @Test
    void ipv6ClientsAreCountedPerSlash64AndPerSlash48() throws Exception {
        assertEquals("2001:db8:1:2:0:0:0:0/64", LoginThrottle.addressKey(InetAddress.getByName("2001:db8:1:2:aaaa::1")));
        assertEquals("2001:db8:1:0:0:0:0:0/48", LoginThrottle.networkKey(InetAddress.getByName("2001:db8:1:2:aaaa::1")));
        assertEquals(null, LoginThrottle.networkKey(InetAddress.getByName("192.0.2.1")));
        LoginThrottle t = throttle(Map.of("failures_per_address", 2));
        for (int i = 0; i < 8; i++) {
            t.count("p" + i, "2001:db8:1:" + i + "::/64", "2001:db8:1::/48");
        }
        assertTrue(t.addressBlocked("2001:db8:1:99::/64", "2001:db8:1::/48"), "a /48 cycling through its /64s");
        assertFalse(t.addressBlocked("2001:db8:2:1::/64", "2001:db8:2::/48"));
    }
}
