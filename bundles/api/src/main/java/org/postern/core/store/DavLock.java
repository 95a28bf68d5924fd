package org.postern.core.store;

import java.util.Objects;

/**
 * A WebDAV lock (RFC 4918 section 6) on a URL of one account: {@code path} is its root's decoded
 * segments joined with '/', {@code href} the root as the client named it, {@code owner} the
 * client's DAV:owner element as XML (or null). {@code expires} is epoch milliseconds.
 */
public record DavLock(String token, String accountId, String path, String href, boolean exclusive, boolean depthInfinity,
        String owner, long timeoutSeconds, long expires) {
    /** Longest path and href, in characters. */
    public static final int MAX_PATH = 8192;
    /** Longest owner element, in characters. */
    public static final int MAX_OWNER = 4000;

    public DavLock {
        Objects.requireNonNull(token);
        Objects.requireNonNull(accountId);
        Objects.requireNonNull(path);
        Objects.requireNonNull(href);
    }

    /** True when this lock covers {@code other}: its root, or below it for a Depth: infinity lock. */
    public boolean covers(String other) {
        return path.equals(other) || (depthInfinity && other.startsWith(path + "/"));
    }

    /** True when this lock's root is {@code other} or below it. */
    public boolean isAtOrUnder(String other) {
        return path.equals(other) || path.startsWith(other + "/");
    }

    public DavLock withExpiry(long timeoutSeconds, long expires) {
        return new DavLock(token, accountId, path, href, exclusive, depthInfinity, owner, timeoutSeconds, expires);
    }
}
