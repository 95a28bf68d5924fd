package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.api.address.MailAddress;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;

/** How webmail sessions end: every way closes the login, and a cookie never outlives its session. */
class WebSessionsTest {
    static final class FakeLogin implements Login {
        final String account;
        boolean revoked;
        boolean closed;
        final List<Runnable> onRevoked = new ArrayList<>();

        FakeLogin(String account) {
            this.account = account;
        }

        @Override
        public String accountId() {
            return account;
        }

        @Override
        public MailAddress address() {
            return MailAddress.parse(account + "@example.net");
        }

        @Override
        public Protocol protocol() {
            return Protocol.WEBMAIL;
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
            closed = true;
        }

        void revoke() {
            revoked = true;
            onRevoked.forEach(Runnable::run);
        }
    }

    private final WebSessions sessions = new WebSessions(30_000, 600_000, 2);

    @Test
    void aSessionIsFoundByItsCookieOnlyAndKeepsItsCsrfToken() {
        FakeLogin login = new FakeLogin("a");
        Object[] c = sessions.create(login, 0);
        String cookie = (String) c[0];
        assertEquals(43, cookie.length());
        WebSessions.WebSession s = sessions.find(cookie, 1000);
        assertSame(c[1], s);
        assertEquals("a@example.net", s.address);
        assertNotNull(s.csrf);
        assertFalse(s.csrf.equals(cookie));
        assertNull(sessions.find(cookie.substring(1) + "x", 1000));
        assertNull(sessions.find(null, 1000));
        assertTrue(WebSessions.sameToken(s.csrf, s.csrf));
        assertFalse(WebSessions.sameToken(s.csrf, s.csrf.substring(1)));
        assertFalse(WebSessions.sameToken(s.csrf, null));
    }

    @Test
    void idleAndAbsoluteTimeoutsEndTheSessionAndCloseTheLogin() {
        FakeLogin idle = new FakeLogin("a");
        String c1 = (String) sessions.create(idle, 0)[0];
        assertNotNull(sessions.find(c1, 29_000)); // use keeps it alive
        assertNotNull(sessions.find(c1, 58_000));
        assertNull(sessions.find(c1, 88_001));
        assertTrue(idle.closed);

        FakeLogin busy = new FakeLogin("b");
        String c2 = (String) sessions.create(busy, 0)[0];
        for (long t = 20_000; t < 600_000; t += 20_000) {
            assertNotNull(sessions.find(c2, t));
        }
        assertNull(sessions.find(c2, 600_000));
        assertTrue(busy.closed);
    }

    @Test
    void revocationLogoutEverywhereAndTheSessionLimitEndSessions() {
        FakeLogin revoked = new FakeLogin("a");
        String c1 = (String) sessions.create(revoked, 0)[0];
        revoked.revoke();
        assertNull(sessions.find(c1, 1));
        assertTrue(revoked.closed);

        FakeLogin first = new FakeLogin("b");
        FakeLogin second = new FakeLogin("b");
        FakeLogin third = new FakeLogin("b");
        String b1 = (String) sessions.create(first, 10)[0];
        String b2 = (String) sessions.create(second, 20)[0];
        String b3 = (String) sessions.create(third, 30)[0];
        assertNull(sessions.find(b1, 40), "the oldest of three goes when two are allowed");
        assertTrue(first.closed);
        FakeLogin other = new FakeLogin("c");
        String c = (String) sessions.create(other, 40)[0];
        assertEquals(2, sessions.endAll("b"));
        assertNull(sessions.find(b2, 50));
        assertNull(sessions.find(b3, 50));
        assertTrue(second.closed && third.closed);
        assertNotNull(sessions.find(c, 50), "another account's session is left alone");
        sessions.sweep(50 + 30_000);
        assertTrue(other.closed);
        assertEquals(0, sessions.size());
    }
}
