package org.postern.dav.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.postern.api.auth.Login;

/**
 * Logins that passed the authenticator, kept briefly so that HTTP Basic, which sends the
 * credential with every request, does not pay a password hash (up to a CPU-second of Argon2id)
 * on each one. The key is an HMAC, under a key made at start and never stored, of the client's
 * address, the username and the secret: the secret itself is not kept, and the same secret from
 * another address (an app password may be limited to networks) is checked again. An entry goes
 * when its login is revoked (app password deleted or expired, account locked or removed), after
 * {@code ttlMillis}, or when the cache is full (oldest first); its login is closed then.
 */
final class LoginCache {
    private final byte[] key = new byte[32];
    private final long ttlMillis;
    private final int max;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private boolean closed; // guarded by this

    private record Entry(Login login, long expires) {
    }

    LoginCache(long ttlMillis, int max) {
        new SecureRandom().nextBytes(key);
        this.ttlMillis = ttlMillis;
        this.max = max;
    }

    String keyOf(InetAddress client, String username, char[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(client.getAddress());
            mac.update((byte) 0);
            mac.update(username.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
            byte[] sb = new byte[bb.remaining()];
            bb.get(sb);
            Arrays.fill(bb.array(), (byte) 0);
            mac.update(sb);
            Arrays.fill(sb, (byte) 0);
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A live cached login, or null. */
    Login get(String k, long now) {
        Login expired;
        synchronized (this) {
            Entry e = entries.get(k);
            if (e == null) {
                return null;
            }
            if (e.expires > now && !e.login.isRevoked()) {
                return e.login;
            }
            entries.remove(k);
            expired = e.login;
        }
        expired.close();
        return null;
    }

    void put(String k, Login login, long now) {
        List<Login> toClose = new ArrayList<>();
        boolean kept = false;
        synchronized (this) {
            if (!closed) { // after deactivation nothing would ever clear it: closed below instead
                // Entries expire in the order they were put: drop the expired ones at the head,
                // so their logins do not stay open until the cache fills up.
                Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
                while (it.hasNext()) {
                    Entry e = it.next().getValue();
                    if (e.expires > now) {
                        break;
                    }
                    toClose.add(e.login);
                    it.remove();
                }
                Entry old = entries.put(k, new Entry(login, now + ttlMillis));
                if (old != null && old.login != login) {
                    toClose.add(old.login);
                }
                if (entries.size() > max) {
                    it = entries.entrySet().iterator();
                    toClose.add(it.next().getValue().login);
                    it.remove();
                }
                kept = entries.containsKey(k);
            }
        }
        if (!kept) {
            toClose.add(login);
        }
        toClose.forEach(LoginCache::close);
        if (kept) {
            login.onRevoked(() -> remove(k, login));
        }
    }

    private void remove(String k, Login login) {
        boolean removed;
        synchronized (this) {
            Entry e = entries.get(k);
            removed = e != null && e.login == login;
            if (removed) {
                entries.remove(k);
            }
        }
        if (removed) {
            login.close();
        }
    }

    synchronized int size() {
        return entries.size();
    }

    /** Closes every cached login; later puts close theirs at once. */
    void clear() {
        Map<String, Entry> all;
        synchronized (this) {
            closed = true;
            all = new LinkedHashMap<>(entries);
            entries.clear();
        }
        all.values().forEach(e -> e.login.close());
    }

    private static void close(Login l) {
        if (l != null) {
            l.close();
        }
    }
}
