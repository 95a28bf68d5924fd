package org.postern.webmail.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.postern.api.auth.Login;

/**
 * The logged-in sessions of this node, in memory: a restart logs everyone out, which for a mail
 * reader is a small price for never writing a session secret to disk.
 * <p>
 * The cookie carries 256 random bits; the map is keyed by their SHA-256, so neither a heap dump nor
 * a timing difference of the lookup gives a usable cookie away. A session ends at its idle or
 * absolute timeout, at logout, at "log out everywhere", when its account holds more sessions than
 * allowed (the oldest goes), and when the authenticator revokes its login (password changed,
 * account locked or removed). Every way closes the {@link Login}.
 */
final class WebSessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One logged-in browser. */
    static final class WebSession {
        final String key;
        final String accountId;
        final String address;
        final Login login;
        /** Anti-CSRF token of every form of this session (base64url of 256 random bits). */
        final String csrf;
        final long created;
        volatile long lastSeen;
        /** The theme the account chose (read at login, changed in Settings), or null for the default. */
        volatile String theme;
        /** The account's time zone for every date shown and typed (read at login, changed in Settings). */
        volatile java.time.ZoneId zone = WebmailServlet.DEFAULT_ZONE;
        /** True while this session's upload is being read (one at a time). */
        final java.util.concurrent.atomic.AtomicBoolean uploading = new java.util.concurrent.atomic.AtomicBoolean();
        /** Wrong codes given to turn two-step login off; the session ends at {@link #CODE_ATTEMPTS}. */
        final java.util.concurrent.atomic.AtomicInteger codeFailures = new java.util.concurrent.atomic.AtomicInteger();
        /** A TOTP secret being enrolled: shown until confirmed by a code, never stored before. */
        volatile byte[] enrolling;

        WebSession(String key, Login login, String csrf, long now) {
            this.key = key;
            this.accountId = login.accountId();
            this.address = login.address().toString();
            this.login = login;
            this.csrf = csrf;
            this.created = now;
            this.lastSeen = now;
        }
    }

    /**
     * A login whose password was right and whose second factor is still to come: held for
     * {@link #PENDING_MILLIS} and {@link #PENDING_ATTEMPTS} codes at most, then dropped with its
     * login, so a stolen password alone can try only a few codes before typing it again (and the
     * authenticator throttles those).
     */
    static final class Pending {
        final String key;
        final Login login;
        final String csrf;
        final long created;
        int attempts;

        Pending(String key, Login login, String csrf, long created) {
            this.key = key;
            this.login = login;
            this.csrf = csrf;
            this.created = created;
        }
    }

    static final long PENDING_MILLIS = 5 * 60_000;
    static final int PENDING_ATTEMPTS = 5;
    /** Pending logins held at most (each cost a right password; the oldest go first). */
    private static final int MAX_PENDING = 10_000;

    private final Map<String, WebSession> byKey = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final long idleMillis;
    private final long absoluteMillis;
    private final int perAccount;

    WebSessions(long idleMillis, long absoluteMillis, int perAccount) {
        this.idleMillis = idleMillis;
        this.absoluteMillis = absoluteMillis;
        this.perAccount = perAccount;
    }

    static String randomToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A new session for the login; returns {cookie value, session}. */
    Object[] create(Login login, long now) {
        String cookie = randomToken();
        WebSession s = new WebSession(keyOf(cookie), login, randomToken(), now);
        byKey.put(s.key, s);
        login.onRevoked(() -> end(s));
        List<WebSession> mine = sessionsOf(s.accountId);
        if (mine.size() > perAccount) {
            mine.sort(Comparator.comparingLong(x -> x.created));
            for (int i = 0; i < mine.size() - perAccount; i++) {
                end(mine.get(i));
            }
        }
        return new Object[] {cookie, s};
    }

    /** Holds a login until its second factor; returns {cookie value, pending}. */
    Object[] createPending(Login login, long now) {
        if (pending.size() >= MAX_PENDING) {
            pending.values().stream().min(Comparator.comparingLong(p -> p.created)).ifPresent(this::endPending);
        }
        String cookie = randomToken();
        Pending p = new Pending(keyOf(cookie), login, randomToken(), now);
        pending.put(p.key, p);
        login.onRevoked(() -> endPending(p));
        return new Object[] {cookie, p};
    }

    Pending findPending(String cookie, long now) {
        if (cookie == null || cookie.length() != 43) {
            return null;
        }
        Pending p = pending.get(keyOf(cookie));
        if (p != null && (now - p.created >= PENDING_MILLIS || p.login.isRevoked())) {
            endPending(p);
            return null;
        }
        return p;
    }

    /** The second factor was refused: true when that was the last attempt allowed (the login is dropped). */
    synchronized boolean failedAttempt(Pending p) {
        p.attempts++;
        if (p.attempts >= PENDING_ATTEMPTS) {
            endPending(p);
            return true;
        }
        return false;
    }

    void endPending(Pending p) {
        if (pending.remove(p.key, p)) {
            p.login.close();
        }
    }

    /** The second factor was right: the pending login becomes a session (its login is kept open). */
    Object[] promote(Pending p, long now) {
        if (!pending.remove(p.key, p)) {
            return null; // dropped meanwhile (timeout, revocation, a concurrent attempt)
        }
        return create(p.login, now);
    }

    /** The live session of this cookie value (its last use now), or null. */
    WebSession find(String cookie, long now) {
        if (cookie == null || cookie.length() != 43) {
            return null;
        }
        WebSession s = byKey.get(keyOf(cookie));
        if (s == null) {
            return null;
        }
        if (expired(s, now) || s.login.isRevoked()) {
            end(s);
            return null;
        }
        s.lastSeen = now;
        return s;
    }

    private boolean expired(WebSession s, long now) {
        return now - s.lastSeen >= idleMillis || now - s.created >= absoluteMillis;
    }

    static final int CODE_ATTEMPTS = 5;

    void end(WebSession s) {
        if (byKey.remove(s.key, s)) {
            byte[] secret = s.enrolling;
            s.enrolling = null;
            if (secret != null) {
                java.util.Arrays.fill(secret, (byte) 0);
            }
            s.login.close();
        }
    }

    /** Every session and pending two-step login of the account on this node but {@code keep}. */
    int endAllBut(String accountId, WebSession keep) {
        int n = 0;
        for (WebSession s : sessionsOf(accountId)) {
            if (s != keep) {
                end(s);
                n++;
            }
        }
        for (Pending p : pending.values()) {
            if (p.login.accountId().equals(accountId)) {
                endPending(p);
            }
        }
        return n;
    }

    /** "Log out everywhere" (on this node): every session and pending login of the account; returns how many sessions. */
    int endAll(String accountId) {
        return endAllBut(accountId, null);
    }

    /** Runs {@code change} on every session of the account on this node. */
    void forAccount(String accountId, java.util.function.Consumer<WebSession> change) {
        sessionsOf(accountId).forEach(change);
    }

    void sweep(long now) {
        for (WebSession s : byKey.values()) {
            if (expired(s, now) || s.login.isRevoked()) {
                end(s);
            }
        }
        for (Pending p : pending.values()) {
            if (now - p.created >= PENDING_MILLIS || p.login.isRevoked()) {
                endPending(p);
            }
        }
    }

    void endEverything() {
        for (WebSession s : byKey.values()) {
            end(s);
        }
        for (Pending p : pending.values()) {
            endPending(p);
        }
    }

    int size() {
        return byKey.size();
    }

    private List<WebSession> sessionsOf(String accountId) {
        List<WebSession> out = new ArrayList<>();
        for (WebSession s : byKey.values()) {
            if (s.accountId.equals(accountId)) {
                out.add(s);
            }
        }
        return out;
    }

    static String keyOf(String cookie) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cookie.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of a submitted form token with the session's. */
    static boolean sameToken(String expected, String given) {
        if (expected == null || given == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII));
    }
}
