package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.api.address.MailAddress;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;

class LoginCacheTest {
    /** A login the test revokes by hand. */
    static final class FakeLogin implements Login {
        final List<Runnable> onRevoked = new ArrayList<>();
        boolean revoked;
        int closed;

        @Override
        public String accountId() {
            return "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
        }

        @Override
        public MailAddress address() {
            return MailAddress.parse("alice@example.net");
        }

        @Override
        public Protocol protocol() {
            return Protocol.DAV;
        }

        @Override
        public boolean isRevoked() {
            return revoked;
        }

        @Override
        public void onRevoked(Runnable action) {
            onRevoked.add(action);
        }

        @Override
        public void close() {
            closed++;
        }

        void revoke() {
            revoked = true;
            onRevoked.forEach(Runnable::run);
        }
    }

    @Test
    void theKeyDependsOnAddressUserAndSecret() throws Exception {
        LoginCache c = new LoginCache(60_000, 10);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        String k = c.keyOf(a, "alice@example.net", "secret".toCharArray());
        assertEquals(k, c.keyOf(a, "alice@example.net", "secret".toCharArray()));
        assertNotEquals(k, c.keyOf(b, "alice@example.net", "secret".toCharArray()));
        assertNotEquals(k, c.keyOf(a, "alice@example.net", "secreT".toCharArray()));
        assertNotEquals(k, c.keyOf(a, "alice@example.ne", "tsecret".toCharArray()));
        assertNotEquals(k, new LoginCache(60_000, 10).keyOf(a, "alice@example.net", "secret".toCharArray()), "a key per start");
    }

    @Test
    void anEntryGoesOnRevocationExpiryAndEviction() {
        LoginCache c = new LoginCache(1000, 2);
        FakeLogin l1 = new FakeLogin();
        c.put("k1", l1, 0);
        assertSame(l1, c.get("k1", 999));
        assertNull(c.get("k1", 1000), "expired");
        assertEquals(1, l1.closed);

        FakeLogin l2 = new FakeLogin();
        c.put("k2", l2, 0);
        l2.revoke();
        assertNull(c.get("k2", 1));
        assertEquals(1, l2.closed);

        FakeLogin l3 = new FakeLogin();
        FakeLogin l4 = new FakeLogin();
        FakeLogin l5 = new FakeLogin();
        c.put("k3", l3, 0);
        c.put("k4", l4, 0);
        c.put("k5", l5, 0);
        assertEquals(2, c.size());
        assertEquals(1, l3.closed, "the oldest is evicted and closed");
        c.clear();
        assertTrue(l4.closed == 1 && l5.closed == 1);
    }

    @Test
    void expiredEntriesAreClosedWhenTheNextOneComesAndNothingIsKeptAfterClear() {
        LoginCache c = new LoginCache(1000, 100);
        FakeLogin old = new FakeLogin();
        c.put("old", old, 0);
        FakeLogin fresh = new FakeLogin();
        c.put("fresh", fresh, 5000);
        assertEquals(1, old.closed, "swept without being looked up");
        assertEquals(1, c.size());
        c.clear();
        FakeLogin late = new FakeLogin();
        c.put("late", late, 6000);
        assertEquals(0, c.size());
        assertEquals(1, late.closed);
    }
}
