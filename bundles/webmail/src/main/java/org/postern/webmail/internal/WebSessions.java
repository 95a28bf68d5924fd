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

    private final Map<String, WebSession> byKey = new ConcurrentHashMap<>();
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

    void end(WebSession s) {
        if (byKey.remove(s.key, s)) {
            s.login.close();
        }
    }

    /** "Log out everywhere" (on this node): every session of the account; returns how many. */
    int endAll(String accountId) {
        List<WebSession> mine = sessionsOf(accountId);
        mine.forEach(this::end);
        return mine.size();
    }

    void sweep(long now) {
        for (WebSession s : byKey.values()) {
            if (expired(s, now) || s.login.isRevoked()) {
                end(s);
            }
        }
    }

    void endEverything() {
        for (WebSession s : byKey.values()) {
            end(s);
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
