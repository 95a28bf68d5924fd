package org.postern.dav.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import javax.servlet.AsyncContext;
import javax.servlet.DispatcherType;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.store.DavConflictException;
import org.postern.core.store.DavLimitException;
import org.postern.core.store.DavLock;
import org.postern.core.store.DavProperty;
import org.postern.core.store.DavRepository;
import org.postern.core.store.DavResourceRecord;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.StoreException;
import org.postern.core.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * WebDAV under {@code /dav/} (RFC 4918 class 1 and 3; DESIGN section 6): the root, the principal
 * collection, each account's principal at a random id, and each account's files at
 * {@code /dav/files/<principal-id>/}. Every request logs in with HTTP Basic through the
 * {@link Authenticator} (app passwords with the DAV scope), and every lookup names the logged-in
 * account: another account's principal id, in a URL or a Destination, is a 404 (or a 403 as a
 * destination) whether it exists or not.
 */
@Component(service = Servlet.class, configurationPid = "org.postern.dav", property = {
    "osgi.http.whiteboard.servlet.pattern=/dav/*",
    "osgi.http.whiteboard.servlet.pattern=/dav",
    "osgi.http.whiteboard.servlet.asyncSupported=true",
    "osgi.http.whiteboard.servlet.name=postern-dav"})
@Designate(ocd = DavConfig.class)
public class DavServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DavServlet.class);
    static final String FILES = "files";
    static final String CALENDARS = "calendars";
    static final String ADDRESSBOOKS = "addressbooks";
    /** The trees each account has, each at /dav/<tree>/<principal-id>/. */
    static final java.util.Set<String> HOMES = java.util.Set.of(FILES, CALENDARS, ADDRESSBOOKS);
    static final String CALDAV = "urn:ietf:params:xml:ns:caldav";
    static final String CARDDAV = AddressQuery.CARDDAV;
    /** Largest vCard: a photo inline is the usual reason for size; ez-vcard reads it whole. */
    static final long MAX_ADDRESS_OBJECT = 1L << 20;
    /**
     * Largest calendar object: parsing costs ical4j about 30 times the body in memory, so a
     * calendar takes far less than a file (real events are a few KiB).
     */
    static final long MAX_CALENDAR_OBJECT = 1L << 20;
    static final String PRINCIPALS = "principals";
    /** RFC 4918 classes, and CalDAV (RFC 4791: MKCALENDAR, calendar-query, calendar-multiget, free-busy-query). */
    private static final String DAV_HEADER = "1, 2, 3, calendar-access, calendar-no-timezone, addressbook, extended-mkcol";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO_DATE = DateTimeFormatter.ISO_INSTANT;

    private final transient Authenticator authenticator;
    private final transient DavRepository repository;
    private final transient LoginCache logins;
    private final long maxResource;
    private final int maxXml;
    private final String realm;
    private final long cacheMillis;
    private final long defaultLockSeconds;
    private final long maxLockSeconds;

    @Activate
    public DavServlet(@Reference Authenticator authenticator, @Reference DavRepository repository, DavConfig config) {
        this.authenticator = authenticator;
        this.repository = repository;
        this.maxResource = config.max_resource_size();
        this.maxXml = config.max_xml_size();
        this.realm = config.realm().replace("\"", "").replace("\\", "");
        this.cacheMillis = Math.max(0, config.auth_cache_seconds()) * 1000L;
        this.logins = new LoginCache(cacheMillis, Math.max(1, config.auth_cache_max()));
        this.maxLockSeconds = Math.max(1, config.lock_timeout_max_seconds());
        this.defaultLockSeconds = Math.max(1, config.lock_timeout_default_seconds());
        // ical4j fetches timezone updates from the network only when told to; make sure nothing does.
        System.setProperty("net.fortuna.ical4j.timezone.update.enabled", "false");
    }

    @Deactivate
    void deactivate() {
        logins.clear();
    }

    // ---- authentication ----

    /** Request attribute carrying the authenticator's answer into the asynchronous re-dispatch. */
    private static final String OUTCOME = DavServlet.class.getName() + ".login";

    /** What the authenticator answered, for the re-dispatched request. */
    private record Outcome(Login login, Throwable failure) {
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean suspended = false;
        try {
            suspended = serve(req, resp);
        } finally {
            if (!suspended) {
                drainUnread(req, resp);
            }
        }
    }

    /** Bodies up to this size are read and dropped after an answer that did not need them. */
    static final long DRAIN_LIMIT = 4L << 20;
    /** How long a refused body is waited for: a client trickling it must not hold a Jetty thread. */
    static final long DRAIN_MILLIS = 2000;

    /**
     * Reads what is left of a request body the answer did not need (a refusal, a 401). Closing a
     * socket with unread bytes makes the kernel send a reset, and a client still writing its body
     * can lose the answer with it: it sees a dropped connection instead of a 403 it could act on.
     * A client that asked for 100-continue never sent the body, and reading it would invite it.
     * Only what has arrived is read (no blocking read), for {@link #DRAIN_MILLIS} at most: a
     * client that trickles its body, logged in or not, loses its connection instead of holding a
     * thread.
     */
    private static void drainUnread(HttpServletRequest req, HttpServletResponse resp) {
        String expect = req.getHeader("Expect");
        if (expect != null && expect.toLowerCase(Locale.ROOT).contains("100-continue")) {
            return;
        }
        long declared = req.getContentLengthLong();
        if (declared == 0 || (declared < 0 && req.getHeader("Transfer-Encoding") == null)) {
            return;
        }
        if (declared > DRAIN_LIMIT) {
            if (!resp.isCommitted()) {
                resp.setHeader("Connection", "close"); // not worth reading: the connection ends instead
            }
            return;
        }
        try {
            javax.servlet.ServletInputStream in = req.getInputStream();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
            while (total <= DRAIN_LIMIT && !in.isFinished() && System.nanoTime() < deadline) {
                int ready = in.available();
                if (ready <= 0) {
                    Thread.sleep(2);
                    continue;
                }
                int n = in.read(buf, 0, Math.min(ready, buf.length));
                if (n < 0) {
                    break;
                }
                total += n;
            }
            if (!in.isFinished() && !resp.isCommitted()) {
                resp.setHeader("Connection", "close");
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away, or the body was read as text: nothing left to protect
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Answers the request, or returns true when it went asynchronous to wait for a login. */
    private boolean serve(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(OUTCOME) instanceof Outcome o) {
            req.removeAttribute(OUTCOME);
            answered(req, resp, o);
            return false;
        }
        Optional<BasicCredentials> credentials = BasicCredentials.parse(req.getHeader("Authorization"));
        if (credentials.isEmpty()) {
            challenge(resp);
            return false;
        }
        BasicCredentials c = credentials.get();
        InetAddress client = InetAddress.getByName(req.getRemoteAddr()); // an address literal: no lookup
        String key = logins.keyOf(client, c.username, c.secret);
        Login cached = cacheMillis > 0 ? logins.get(key, System.currentTimeMillis()) : null;
        if (cached != null) {
            c.clear();
            handle(req, resp, cached.accountId());
            return false;
        }
        // Checking a password costs up to a CPU-second and a refused login waits: neither holds
        // one of the container's threads. The answer comes back as a re-dispatch of this request.
        AsyncContext async = req.startAsync();
        async.setTimeout(120_000);
        req.setAttribute(OUTCOME + ".key", key);
        // Whoever flips this first owns the request: the authenticator's answer (re-dispatch) or
        // the timeout (503). A late answer must not touch a request Jetty may already reuse.
        java.util.concurrent.atomic.AtomicBoolean owned = new java.util.concurrent.atomic.AtomicBoolean();
        async.addListener(new javax.servlet.AsyncListener() {
            @Override
            public void onTimeout(javax.servlet.AsyncEvent event) throws IOException {
                if (owned.compareAndSet(false, true)) {
                    HttpServletResponse r = (HttpServletResponse) event.getAsyncContext().getResponse();
                    r.setHeader("Retry-After", "30");
                    plain(r, 503, "Service temporarily unavailable, try again later\n");
                    event.getAsyncContext().complete();
                }
            }

            @Override
            public void onError(javax.servlet.AsyncEvent event) {
                owned.set(true);
            }

            @Override
            public void onComplete(javax.servlet.AsyncEvent event) {
                owned.set(true);
            }

            @Override
            public void onStartAsync(javax.servlet.AsyncEvent event) {
                // not restarted
            }
        });
        authenticator.login(Protocol.DAV, c.username, c.secret, client).whenComplete((login, failure) -> {
            Login l = login == null ? null : login.orElse(null);
            if (!owned.compareAndSet(false, true)) {
                if (l != null) {
                    l.close(); // the request timed out or failed meanwhile: nothing to answer
                }
                return;
            }
            try {
                req.setAttribute(OUTCOME, new Outcome(l, failure));
                async.dispatch();
            } catch (IllegalStateException ended) {
                if (l != null) {
                    l.close();
                }
            }
        });
        return true;
    }

    private void answered(HttpServletRequest req, HttpServletResponse resp, Outcome o) throws IOException {
        if (o.failure != null) {
            Throwable cause = o.failure instanceof CompletionException && o.failure.getCause() != null ? o.failure.getCause() : o.failure;
            if (!(cause instanceof AuthUnavailableException)) {
                LOG.warn("Postern DAV: login failed unexpectedly: {}", cause.toString());
            }
            resp.setHeader("Retry-After", "30");
            plain(resp, 503, "Service temporarily unavailable, try again later\n");
            return;
        }
        if (o.login == null) {
            challenge(resp);
            return;
        }
        String key = (String) req.getAttribute(OUTCOME + ".key");
        req.removeAttribute(OUTCOME + ".key");
        if (cacheMillis > 0) {
            logins.put(key, o.login, System.currentTimeMillis());
            handle(req, resp, o.login.accountId());
        } else {
            try {
                handle(req, resp, o.login.accountId());
            } finally {
                o.login.close();
            }
        }
    }

    private void challenge(HttpServletResponse resp) throws IOException {
        resp.setHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
        plain(resp, 401, "Authentication required\n");
    }

    // ---- dispatch ----

    /** What a path names, for the logged-in account. */
    private enum Kind {
        ROOT, PRINCIPALS, PRINCIPAL, FILES_TOP, STORED, NOT_FOUND
    }

    /**
     * A resolved request target. For STORED: {@code resource} is null when the last segment does
     * not exist yet; {@code parent} is null when its parent does not exist (or is not a collection).
     */
    private record Target(Kind kind, DavPath path, DavResourceRecord resource, DavResourceRecord parent, String principal) {
        boolean exists() {
            return kind != Kind.NOT_FOUND && (kind != Kind.STORED || resource != null);
        }

        boolean collection() {
            return kind != Kind.STORED ? kind != Kind.NOT_FOUND : resource != null && resource.collection();
        }

        boolean home() {
            return kind == Kind.STORED && path.size() == 2;
        }

        int size() {
            return path.size();
        }
    }

    private Target resolve(DavPath path, String accountId) {
        return resolve(path, accountId, null);
    }

    /** @param body when not null, its one element gets the body of the object the path names, read with it */
    private Target resolve(DavPath path, String accountId, byte[][] body) {
        String principal = principals.computeIfAbsent(accountId, repository::principalId);
        if (principals.size() > 100_000) {
            principals.clear(); // a bound, not an eviction policy: ids are read again when needed
        }
        if (path.size() == 0) {
            return new Target(Kind.ROOT, path, null, null, principal);
        }
        String top = path.get(0);
        if (top.equals(PRINCIPALS)) {
            if (path.size() == 1) {
                return new Target(Kind.PRINCIPALS, path, null, null, principal);
            }
            if (path.size() == 2 && path.get(1).equals(principal)) {
                return new Target(Kind.PRINCIPAL, path, null, null, principal);
            }
            return new Target(Kind.NOT_FOUND, path, null, null, principal);
        }
        if (HOMES.contains(top)) {
            if (path.size() == 1) {
                return new Target(Kind.FILES_TOP, path, null, null, principal);
            }
            if (!path.get(1).equals(principal)) {
                return new Target(Kind.NOT_FOUND, path, null, null, principal);
            }
            // the home, then each segment below it, in one read
            List<String> names = new ArrayList<>(path.size() - 1);
            names.add(top);
            names.addAll(path.segments().subList(2, path.size()));
            DavRepository.Walk walk = repository.walk(accountId, DavRepository.NO_PARENT, names, body != null);
            if (walk.resources().isEmpty()) {
                home(accountId, top); // first use: made, with its default collections
                walk = repository.walk(accountId, DavRepository.NO_PARENT, names, body != null);
            }
            List<DavResourceRecord> chain = walk.resources();
            if (body != null) {
                body[0] = walk.body();
            }
            int n = names.size();
            int k = chain.size();
            if (k == n) {
                return new Target(Kind.STORED, path, chain.get(n - 1), n > 1 ? chain.get(n - 2) : null, principal);
            }
            if (k == n - 1 && k > 0 && chain.get(k - 1).collection()) {
                return new Target(Kind.STORED, path, null, chain.get(k - 1), principal); // the last one is not there (yet)
            }
            return new Target(Kind.STORED, path, null, null, principal);
        }
        return new Target(Kind.NOT_FOUND, path, null, null, principal);
    }

    private DavResourceRecord home(String accountId, String name) {
        return Homes.home(repository, accountId, name);
    }

    /** True for a path in the account's calendar tree. */
    private static boolean inCalendars(Target t) {
        return t.kind == Kind.STORED && t.path.get(0).equals(CALENDARS);
    }

    /** True for a path in the account's address book tree. */
    private static boolean inAddressBooks(Target t) {
        return t.kind == Kind.STORED && t.path.get(0).equals(ADDRESSBOOKS);
    }

    /**
     * True for a path in a tree whose collections are calendars or address books and whose
     * members are their objects: nothing else may be made there.
     */
    private static boolean inGroupware(Target t) {
        return inCalendars(t) || inAddressBooks(t);
    }

    private void handle(HttpServletRequest req, HttpServletResponse resp, String accountId) throws IOException {
        String raw = req.getRequestURI().substring(req.getContextPath().length());
        Optional<DavPath> path = DavPath.parse(raw);
        if (path.isEmpty()) {
            plain(resp, 400, "Bad request path\n");
            return;
        }
        try {
            String method = req.getMethod().toUpperCase(Locale.ROOT);
            // a GET reads the object's body in the same transaction as its path
            byte[][] read = (method.equals("GET") || method.equals("HEAD")) && req.getHeader("If-None-Match") == null
                    && req.getHeader("If") == null ? new byte[1][] : null; // a 304 or 412 needs no body
            Target t = resolve(path.get(), accountId, read);
            if (t.kind == Kind.NOT_FOUND) {
                // Another account's principal id, or nothing: the same answer for every method.
                plain(resp, 404, "Not found\n");
                return;
            }
            Conditions cond = new Conditions(accountId);
            if (read != null && read[0] != null && t.resource != null) {
                cond.bodies.put(t.resource.id(), read[0]);
            }
            String ifHeader = req.getHeader("If");
            if (ifHeader != null) {
                Optional<IfHeader> parsed = IfHeader.parse(ifHeader);
                if (parsed.isEmpty()) {
                    plain(resp, 400, "Malformed If header\n");
                    return;
                }
                cond.header = parsed.get();
                if (!holds(req, cond, t)) {
                    plain(resp, 412, "Precondition failed (If header)\n");
                    return;
                }
            }
            cond.minimal = minimal(req);
            String timezones = req.getHeader("CalDAV-Timezones");
            if (timezones != null) {
                if (!timezones.trim().equalsIgnoreCase("T") && !timezones.trim().equalsIgnoreCase("F")) {
                    plain(resp, 400, "CalDAV-Timezones must be T or F\n");
                    return;
                }
                cond.withTimezones = timezones.trim().equalsIgnoreCase("T");
            }
            if (cond.minimal && (method.equals("PROPFIND") || method.equals("REPORT"))) {
                resp.setHeader("Preference-Applied", "return=minimal");
            }
            resp.addHeader("Vary", "Brief, Prefer");
            current.set(cond);
            switch (method) {
                case "OPTIONS" -> options(t, resp);
                case "PROPFIND" -> propfind(req, resp, t, accountId);
                case "PROPPATCH" -> proppatch(req, resp, t, accountId);
                case "GET" -> get(req, resp, t, accountId, true);
                case "HEAD" -> get(req, resp, t, accountId, false);
                case "PUT" -> put(req, resp, t, accountId);
                case "DELETE" -> delete(req, resp, t, accountId);
                case "MKCOL" -> mkcol(req, resp, t, accountId);
                case "MKCALENDAR" -> mkcalendar(req, resp, t, accountId);
                case "COPY" -> copyOrMove(req, resp, t, accountId, false);
                case "MOVE" -> copyOrMove(req, resp, t, accountId, true);
                case "LOCK" -> lock(req, resp, t, accountId);
                case "UNLOCK" -> unlock(req, resp, t, accountId);
                case "REPORT" -> report(req, resp, t, accountId);
                case "POST", "ACL", "SEARCH", "BIND", "UNBIND", "REBIND",
                        "VERSION-CONTROL", "CHECKOUT", "CHECKIN", "UNCHECKOUT", "MKWORKSPACE", "UPDATE", "LABEL",
                        "MERGE", "MKACTIVITY", "ORDERPATCH", "PATCH", "TRACE" -> {
                    resp.setHeader("Allow", allow(t));
                    plain(resp, 405, "Method not allowed here\n");
                }
                default -> plain(resp, 501, "Method not implemented\n");
            }
        } catch (AccountGoneException e) {
            challenge(resp);
        } catch (org.postern.core.store.DavPreconditionException e) {
            // another write came between the first check and this one's transaction
            answer(resp, 412, "Precondition failed\n");
        } catch (DavConflictException e) {
            answer(resp, 409, "Conflict: " + e.getMessage() + "\n");
        } catch (DavLimitException e) {
            answer(resp, 507, e.getMessage() + "\n");
        } catch (StoreUnavailableException e) {
            resp.setHeader("Retry-After", "30");
            answer(resp, 503, "Storage temporarily unavailable, try again later\n");
        } catch (StoreException e) {
            // a deadlock or a serialization failure between concurrent writers: worth a retry
            LOG.debug("Postern DAV: store refused a request: {}", e.toString());
            resp.setHeader("Retry-After", "5");
            answer(resp, 503, "Busy, try again\n");
        } finally {
            current.remove();
        }
    }

    /**
     * RFC 8144: {@code Prefer: return=minimal} (also the legacy {@code return-minimal}) or
     * {@code Brief: t}. Read token by token; no pattern sees the header.
     */
    static boolean minimal(HttpServletRequest req) {
        String brief = req.getHeader("Brief");
        if (brief != null && brief.trim().equalsIgnoreCase("t")) {
            return true;
        }
        java.util.Enumeration<String> prefer = req.getHeaders("Prefer");
        int seen = 0;
        while (prefer != null && prefer.hasMoreElements() && seen++ < 16) {
            for (String part : prefer.nextElement().split("[,;]", 64)) {
                String p = part.trim().toLowerCase(Locale.ROOT).replace("\"", "");
                if (p.equals("return=minimal") || p.equals("return-minimal")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** An error answer unless part of a response was already sent (then the connection says it). */
    private static void answer(HttpServletResponse resp, int status, String text) throws IOException {
        if (resp.isCommitted()) {
            throw new IOException("failed after the response began: " + text.trim());
        }
        resp.reset();
        plain(resp, status, text);
    }

    // ---- locks and the If header (RFC 4918 sections 6, 7, 9.10, 9.11, 10.4) ----

    /** Per request: the parsed If header and the account's unexpired locks, read once when first needed. */
    private final class Conditions {
        final String accountId;
        IfHeader header;
        private List<DavLock> locks;
        /** Bodies a report already read (by resource id), so calendar-data does not read them again. */
        final Map<String, byte[]> bodies = new java.util.HashMap<>();
        /** What a CalDAV report's calendar-data element asked for (RFC 4791 section 9.6). */
        CalendarData calendarData = CalendarData.WHOLE;
        /** What a CardDAV report's address-data element asked for; null: the vCard as stored. */
        AddressData addressData;
        /** The client prefers minimal answers (RFC 8144: Prefer return=minimal, or Brief: t). */
        boolean minimal;
        /**
         * Calendar data carries the standard time zones it refers to (RFC 7809 section 3.1.3:
         * {@code CalDAV-Timezones: T}, and without the header, for clients that know nothing of it).
         */
        boolean withTimezones = true;

        Conditions(String accountId) {
            this.accountId = accountId;
        }

        List<DavLock> locks() {
            if (locks == null) {
                locks = repository.locks(accountId, System.currentTimeMillis());
            }
            return locks;
        }

        List<String> submitted() {
            return header == null ? List.of() : header.tokens();
        }
    }

    private final transient ThreadLocal<Conditions> current = new ThreadLocal<>();
    /** Principal ids by account: made once, never changed, so read once per account. */
    private final transient Map<String, String> principals = new java.util.concurrent.ConcurrentHashMap<>();

    static String key(DavPath p) {
        return String.join("/", p.segments());
    }

    static String parentKey(DavPath p) {
        return String.join("/", p.segments().subList(0, Math.max(0, p.size() - 1)));
    }

    /** Section 10.4: true when any list holds; a list holds when all its conditions do. */
    private boolean holds(HttpServletRequest req, Conditions cond, Target requested) {
        for (IfHeader.TaggedList list : cond.header.lists()) {
            Target t = list.resource() == null ? requested : tagged(req, list.resource(), cond.accountId);
            if (t == null) {
                continue;
            }
            boolean all = true;
            for (IfHeader.Condition c : list.conditions()) {
                boolean value;
                if (c.stateToken() != null) {
                    String k = key(t.path);
                    value = cond.locks().stream().anyMatch(l -> l.token().equals(c.stateToken()) && l.covers(k));
                } else {
                    String etag = t.kind == Kind.STORED && t.resource != null && !t.resource.collection() ? t.resource.etag() : null;
                    value = etag != null && etagMatches(c.etag(), etag);
                }
                if (value == c.not()) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** The resource a tagged list names, or null when it is not one of this server's DAV URLs. */
    private Target tagged(HttpServletRequest req, String tag, String accountId) {
        try {
            String rawPath = new URI(tag).getRawPath();
            if (rawPath == null || !rawPath.startsWith(req.getContextPath())) {
                return null;
            }
            return DavPath.parse(rawPath.substring(req.getContextPath().length())).map(p -> resolve(p, accountId)).orElse(null);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The locks on {@code key} itself and, for Depth: infinity ones, on its ancestors. */
    private static List<DavLock> covering(Conditions cond, String key) {
        return cond.locks().stream().filter(l -> l.covers(key)).toList();
    }

    /** The locks rooted at {@code key} or below it (what a DELETE or MOVE of a collection takes away). */
    private static List<DavLock> atOrUnder(Conditions cond, String key) {
        return cond.locks().stream().filter(l -> l.isAtOrUnder(key)).toList();
    }

    /**
     * Section 7: a write to what {@code protecting} locks needs their tokens in the If header (of a
     * shared lock, one token of the shared locks on the same root will do). Otherwise answers 423
     * with lock-token-submitted naming the lock's root.
     */
    private static boolean mayWrite(HttpServletResponse resp, Conditions cond, List<DavLock> protecting) throws IOException {
        List<String> submitted = cond.submitted();
        for (DavLock l : protecting) {
            boolean ok = submitted.contains(l.token()) || (!l.exclusive() && protecting.stream()
                    .anyMatch(o -> !o.exclusive() && o.path().equals(l.path()) && submitted.contains(o.token())));
            if (!ok) {
                error(resp, 423, "lock-token-submitted", "<D:href>" + DavXml.escapeText(l.href()) + "</D:href>");
                return false;
            }
        }
        return true;
    }

    private static List<DavLock> union(List<DavLock> a, List<DavLock> b) {
        List<DavLock> out = new ArrayList<>(a);
        for (DavLock l : b) {
            if (!out.contains(l)) {
                out.add(l);
            }
        }
        return out;
    }

    /** What deleting or moving away {@code t} needs: its locks, its members' and its parent's. */
    private static List<DavLock> forRemoval(Conditions cond, Target t) {
        return union(union(covering(cond, key(t.path)), atOrUnder(cond, key(t.path))), covering(cond, parentKey(t.path)));
    }

    /** What writing to {@code t} needs: its own locks when it exists, its parent's too when it is created or replaced. */
    private static List<DavLock> forWrite(Conditions cond, Target t, boolean replacesMembers) {
        if (t.resource != null && !replacesMembers) {
            return covering(cond, key(t.path));
        }
        List<DavLock> out = union(covering(cond, key(t.path)), covering(cond, parentKey(t.path)));
        return t.resource != null ? union(out, atOrUnder(cond, key(t.path))) : out;
    }

    private String activeLock(DavLock l) {
        return "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>" + (l.exclusive() ? "<D:exclusive/>" : "<D:shared/>")
                + "</D:lockscope><D:depth>" + (l.depthInfinity() ? "infinity" : "0") + "</D:depth>"
                + (l.owner() == null ? "" : l.owner()) + "<D:timeout>Second-" + l.timeoutSeconds() + "</D:timeout>"
                + "<D:locktoken><D:href>" + DavXml.escapeText(l.token()) + "</D:href></D:locktoken>"
                + "<D:lockroot><D:href>" + DavXml.escapeText(l.href()) + "</D:href></D:lockroot></D:activelock>";
    }

    /** The Timeout header's first acceptable value (section 10.7), capped; the default when there is none. */
    private long timeout(HttpServletRequest req) {
        String h = req.getHeader("Timeout");
        if (h != null && h.length() < 200) {
            for (String part : h.split(",")) {
                String v = part.trim();
                if (v.equalsIgnoreCase("Infinite")) {
                    return maxLockSeconds;
                }
                if (v.regionMatches(true, 0, "Second-", 0, 7)) {
                    try {
                        long n = Long.parseLong(v.substring(7));
                        if (n > 0) {
                            return Math.min(n, maxLockSeconds);
                        }
                    } catch (NumberFormatException e) {
                        // try the next value
                    }
                }
            }
        }
        return Math.min(defaultLockSeconds, maxLockSeconds);
    }

    private void lock(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        if (t.kind != Kind.STORED || (t.resource == null && t.parent == null && t.size() > 2)) {
            if (t.kind == Kind.STORED) {
                plain(resp, 409, "The parent collection does not exist\n");
            } else {
                resp.setHeader("Allow", allow(t));
                plain(resp, 405, "This resource cannot be locked\n");
            }
            return;
        }
        Conditions cond = current.get();
        byte[] body = body(req, resp, maxXml);
        if (body == null) {
            return;
        }
        long now = System.currentTimeMillis();
        long seconds = timeout(req);
        if (body.length == 0) {
            // A refresh (section 9.10.2): the lock is named by a token in the If header.
            DavLock found = null;
            for (DavLock l : covering(cond, key(t.path))) {
                if (cond.submitted().contains(l.token())) {
                    found = l;
                    break;
                }
            }
            if (found == null || !repository.refreshLock(accountId, found.token(), seconds, now + seconds * 1000, now)) {
                error(resp, 412, "lock-token-matches-request-uri");
                return;
            }
            sendLock(resp, 200, found.withExpiry(seconds, now + seconds * 1000), false);
            return;
        }
        Element info = xml(resp, body);
        if (info == null) {
            return;
        }
        Element scope = DavXml.is(info, DavXml.DAV, "lockinfo") ? DavXml.child(info, DavXml.DAV, "lockscope") : null;
        Element type = DavXml.is(info, DavXml.DAV, "lockinfo") ? DavXml.child(info, DavXml.DAV, "locktype") : null;
        if (scope == null || type == null || DavXml.child(type, DavXml.DAV, "write") == null) {
            plain(resp, 400, "Expected DAV:lockinfo with a write lock type\n");
            return;
        }
        boolean exclusive = DavXml.child(scope, DavXml.DAV, "exclusive") != null;
        if (!exclusive && DavXml.child(scope, DavXml.DAV, "shared") == null) {
            plain(resp, 400, "Expected an exclusive or shared lock scope\n");
            return;
        }
        Element ownerElement = DavXml.child(info, DavXml.DAV, "owner");
        String owner = ownerElement == null ? null : DavXml.serialize(ownerElement);
        if (owner != null && owner.length() > DavLock.MAX_OWNER) {
            plain(resp, 400, "DAV:owner too long\n");
            return;
        }
        String depth = req.getHeader("Depth");
        boolean infinity;
        if (depth == null || depth.equalsIgnoreCase("infinity")) {
            infinity = true;
        } else if (depth.equals("0")) {
            infinity = false;
        } else {
            plain(resp, 400, "Bad Depth header\n");
            return;
        }
        boolean create = t.resource == null;
        if (create && inGroupware(t)) {
            // an empty resource is no calendar object or vCard, and nothing else lives in these trees
            locationError(resp, t);
            return;
        }
        if (create && !mayWrite(resp, cond, forWrite(cond, t, false))) {
            return;
        }
        String href = href(t);
        if (key(t.path).length() > DavLock.MAX_PATH || href.length() > DavLock.MAX_PATH) {
            plain(resp, 414, "Path too long to lock\n");
            return;
        }
        DavLock lock = new DavLock("urn:uuid:" + java.util.UUID.randomUUID(), accountId, key(t.path), href, exclusive,
                infinity, owner, seconds, now + seconds * 1000);
        Optional<DavLock> conflict = repository.lock(lock, now);
        if (conflict.isPresent()) {
            error(resp, 423, "no-conflicting-lock", "<D:href>" + DavXml.escapeText(conflict.get().href()) + "</D:href>");
            return;
        }
        if (create) {
            // Section 7.3: LOCK on an unmapped URL makes an empty resource.
            try {
                repository.put(accountId, t.parent.id(), t.path.get(t.path.size() - 1), "application/octet-stream", new byte[0]);
            } catch (DuplicateKeyException e) {
                repository.unlock(accountId, lock.token());
                plain(resp, 409, "A collection was made there meanwhile\n");
                return;
            } catch (RuntimeException e) {
                repository.unlock(accountId, lock.token());
                throw e;
            }
        }
        sendLock(resp, create ? 201 : 200, lock, true);
    }

    private void sendLock(HttpServletResponse resp, int status, DavLock lock, boolean tokenHeader) throws IOException {
        byte[] out = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" + activeLock(lock)
                + "</D:lockdiscovery></D:prop>\n").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        if (tokenHeader) {
            resp.setHeader("Lock-Token", "<" + lock.token() + ">");
        }
        resp.setContentType("application/xml; charset=utf-8");
        resp.setContentLength(out.length);
        resp.getOutputStream().write(out);
    }

    private void unlock(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        String h = req.getHeader("Lock-Token");
        if (h == null || !h.trim().startsWith("<") || !h.trim().endsWith(">")) {
            plain(resp, 400, "Lock-Token header required\n");
            return;
        }
        String token = h.trim().substring(1, h.trim().length() - 1);
        if (t.kind != Kind.STORED || t.resource == null) {
            plain(resp, 404, "Not found\n");
            return;
        }
        boolean ok = covering(current.get(), key(t.path)).stream().anyMatch(l -> l.token().equals(token));
        if (!ok || !repository.unlock(accountId, token)) {
            error(resp, 409, "lock-token-matches-request-uri");
            return;
        }
        resp.setStatus(204);
    }

    private static String allow(Target t) {
        if (t.kind == Kind.STORED) {
            if (t.resource == null) {
                return inCalendars(t) ? (t.size() == 3 ? "OPTIONS, MKCALENDAR, MKCOL" : "OPTIONS, PUT")
                        : inAddressBooks(t) ? (t.size() == 3 ? "OPTIONS, MKCOL" : "OPTIONS, PUT") : "OPTIONS, PUT, MKCOL, LOCK";
            }
            return t.home() ? "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, LOCK, UNLOCK, REPORT"
                    : t.collection() ? "OPTIONS, GET, HEAD, DELETE, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK, REPORT"
                    : "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK";
        }
        return "OPTIONS, GET, HEAD, PROPFIND";
    }

    private void options(Target t, HttpServletResponse resp) {
        resp.setHeader("DAV", DAV_HEADER);
        resp.setHeader("Allow", allow(t));
        resp.setStatus(200);
        resp.setContentLength(0);
    }

    // ---- reading bodies ----

    /** The body, or null after answering 413. */
    private static byte[] body(HttpServletRequest req, HttpServletResponse resp, long limit) throws IOException {
        long declared = req.getContentLengthLong();
        if (declared > limit) {
            plain(resp, 413, "Request body too large\n");
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, 64 * 1024)));
        byte[] buf = new byte[16 * 1024];
        InputStream in = req.getInputStream();
        int n;
        long total = 0;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > limit) {
                plain(resp, 413, "Request body too large\n");
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** The body's root element, or null after answering 400 for malformed or refused XML. */
    private static Element xml(HttpServletResponse resp, byte[] body) throws IOException {
        try {
            return DavXml.parse(body).getDocumentElement();
        } catch (DavXml.BadXml e) {
            plain(resp, 400, "Malformed XML\n");
            return null;
        }
    }

    // ---- PROPFIND ----

    /** A property name: namespace ("" for none) and local name. */
    record Name(String ns, String local) {
    }

    private static final Name RESOURCETYPE = new Name(DavXml.DAV, "resourcetype");
    private static final Name GETCONTENTLENGTH = new Name(DavXml.DAV, "getcontentlength");
    private static final Name GETCONTENTTYPE = new Name(DavXml.DAV, "getcontenttype");
    private static final Name GETETAG = new Name(DavXml.DAV, "getetag");
    private static final Name GETLASTMODIFIED = new Name(DavXml.DAV, "getlastmodified");
    private static final Name CREATIONDATE = new Name(DavXml.DAV, "creationdate");
    private static final Name RESOURCE_ID = new Name(DavXml.DAV, "resource-id");
    private static final Name CURRENT_USER_PRINCIPAL = new Name(DavXml.DAV, "current-user-principal");
    private static final Name PRINCIPAL_URL = new Name(DavXml.DAV, "principal-URL");
    private static final Name PRINCIPAL_COLLECTION_SET = new Name(DavXml.DAV, "principal-collection-set");
    private static final Name SUPPORTED_REPORT_SET = new Name(DavXml.DAV, "supported-report-set");
    private static final Name CALENDAR_HOME_SET = new Name(CALDAV, "calendar-home-set");
    /** RFC 7809 section 5.1: where the standard time zones come from (this server's own service). */
    private static final Name TIMEZONE_SERVICE_SET = new Name(CALDAV, "timezone-service-set");
    private static final Name ADDRESSBOOK_HOME_SET = new Name(CARDDAV, "addressbook-home-set");
    private static final Name ADDRESS_DATA = new Name(CARDDAV, "address-data");
    private static final Name CALENDAR_USER_ADDRESS_SET = new Name(CALDAV, "calendar-user-address-set");
    private static final Name EMAIL_ADDRESS_SET = new Name("http://calendarserver.org/ns/", "email-address-set");
    private static final Name OWNER = new Name(DavXml.DAV, "owner");
    private static final Name CURRENT_USER_PRIVILEGE_SET = new Name(DavXml.DAV, "current-user-privilege-set");
    private static final Name LOCKDISCOVERY = new Name(DavXml.DAV, "lockdiscovery");
    static final String CALENDARSERVER = "http://calendarserver.org/ns/";
    private static final Name SYNC_TOKEN = new Name(DavXml.DAV, "sync-token");
    private static final Name GETCTAG = new Name(CALENDARSERVER, "getctag");
    /**
     * Sync tokens are URIs (RFC 6578 section 3.2): this, the collection's id, the account's change
     * counter. The id ties a token to its collection: a collection deleted and made again under
     * the same name has another id, so an old token is refused instead of hiding the deletions.
     */
    static final String SYNC_PREFIX = "urn:postern:sync:";

    static String syncToken(String collectionId, long seq) {
        return SYNC_PREFIX + collectionId + ":" + seq;
    }
    /** Most changes one sync-collection answers when the client names no smaller DAV:limit. */
    static final int SYNC_PAGE = 1000;
    private static final Name SUPPORTEDLOCK = new Name(DavXml.DAV, "supportedlock");

    /** Live properties: computed, protected from PROPPATCH. */
    private static final List<Name> LIVE = List.of(RESOURCETYPE, GETCONTENTLENGTH, GETCONTENTTYPE, GETETAG, GETLASTMODIFIED,
            CREATIONDATE, RESOURCE_ID, CURRENT_USER_PRINCIPAL, PRINCIPAL_URL, PRINCIPAL_COLLECTION_SET, SUPPORTED_REPORT_SET, LOCKDISCOVERY, SUPPORTEDLOCK, SYNC_TOKEN, GETCTAG, CALENDAR_HOME_SET, OWNER,
            CURRENT_USER_PRIVILEGE_SET,
            new Name(CALDAV, "supported-calendar-component-set"), new Name(CALDAV, "supported-calendar-data"),
            new Name(CALDAV, "max-resource-size"), new Name(CALDAV, "calendar-data"), ADDRESSBOOK_HOME_SET,
            new Name(CARDDAV, "supported-address-data"), new Name(CARDDAV, "max-resource-size"), ADDRESS_DATA,
            CALENDAR_USER_ADDRESS_SET, EMAIL_ADDRESS_SET, TIMEZONE_SERVICE_SET);
    /** {@link #LIVE} for lookups, asked once per property of every member of a listing. */
    private static final java.util.Set<Name> LIVE_SET = java.util.Set.copyOf(LIVE);
    /** The live properties allprop returns (RFC 4918 section 9.1: those it defines; the rest only when named). */
    private static final List<Name> ALLPROP = List.of(RESOURCETYPE, GETCONTENTLENGTH, GETCONTENTTYPE, GETETAG,
            GETLASTMODIFIED, CREATIONDATE, LOCKDISCOVERY, SUPPORTEDLOCK);

    /** Most distinct property names one PROPFIND may ask for (a listing repeats each per member). */
    static final int MAX_NAMED = 200;

    /** The distinct property names in a DAV:prop (none when absent), or null past {@link #MAX_NAMED}. */
    private static List<Name> names(Element prop) {
        List<Name> named = new ArrayList<>();
        if (prop != null) {
            for (Element p : DavXml.children(prop)) {
                Name n = new Name(DavXml.namespace(p), p.getLocalName());
                if (!named.contains(n)) {
                    named.add(n);
                }
                if (named.size() > MAX_NAMED) {
                    return null;
                }
            }
        }
        return named;
    }

    private enum Mode {
        ALLPROP, PROPNAME, PROP
    }

    private void propfind(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        if (!t.exists()) {
            plain(resp, 404, "Not found\n");
            return;
        }
        String depth = req.getHeader("Depth");
        int d;
        if (depth == null || depth.equalsIgnoreCase("infinity")) {
            error(resp, 403, "propfind-finite-depth");
            return;
        } else if (depth.equals("0")) {
            d = 0;
        } else if (depth.equals("1")) {
            d = 1;
        } else {
            plain(resp, 400, "Bad Depth header\n");
            return;
        }
        byte[] body = body(req, resp, maxXml);
        if (body == null) {
            return;
        }
        Mode mode = Mode.ALLPROP;
        List<Name> named = new ArrayList<>();
        List<Name> include = new ArrayList<>();
        if (body.length > 0) {
            Element root = xml(resp, body);
            if (root == null) {
                return;
            }
            if (!DavXml.is(root, DavXml.DAV, "propfind")) {
                plain(resp, 400, "Expected DAV:propfind\n");
                return;
            }
            Element prop = DavXml.child(root, DavXml.DAV, "prop");
            if (prop != null) {
                mode = Mode.PROP;
                for (Element p : DavXml.children(prop)) {
                    Name n = new Name(DavXml.namespace(p), p.getLocalName());
                    if (!named.contains(n)) {
                        named.add(n);
                    }
                    if (named.size() > MAX_NAMED) {
                        plain(resp, 400, "At most " + MAX_NAMED + " properties per PROPFIND\n");
                        return;
                    }
                }
            } else if (DavXml.child(root, DavXml.DAV, "propname") != null) {
                mode = Mode.PROPNAME;
            } else if (DavXml.child(root, DavXml.DAV, "allprop") != null) {
                Element inc = DavXml.child(root, DavXml.DAV, "include");
                if (inc != null) {
                    for (Element p : DavXml.children(inc)) {
                        Name n = new Name(DavXml.namespace(p), p.getLocalName());
                        if (!include.contains(n)) {
                            include.add(n);
                        }
                        if (include.size() > MAX_NAMED) {
                            plain(resp, 400, "At most " + MAX_NAMED + " properties per PROPFIND\n");
                            return;
                        }
                    }
                }
            } else {
                plain(resp, 400, "Expected prop, propname or allprop\n");
                return;
            }
        }
        Multistatus ms = new Multistatus(resp);
        describe(ms, t.path, t, accountId, mode, named, include);
        if (d == 1 && t.collection()) {
            for (Target member : members(t, accountId)) {
                describe(ms, member.path, member, accountId, mode, named, include);
            }
        }
        ms.send(resp);
    }

    private List<Target> members(Target t, String accountId) {
        List<Target> out = new ArrayList<>();
        switch (t.kind) {
            case ROOT -> {
                out.add(new Target(Kind.PRINCIPALS, t.path.child(PRINCIPALS, true), null, null, t.principal));
                out.add(new Target(Kind.FILES_TOP, t.path.child(ADDRESSBOOKS, true), null, null, t.principal));
                out.add(new Target(Kind.FILES_TOP, t.path.child(CALENDARS, true), null, null, t.principal));
                out.add(new Target(Kind.FILES_TOP, t.path.child(FILES, true), null, null, t.principal));
            }
            case PRINCIPALS -> out.add(new Target(Kind.PRINCIPAL, t.path.child(t.principal, true), null, null, t.principal));
            case FILES_TOP -> {
                DavResourceRecord home = home(accountId, t.path.get(0));
                out.add(new Target(Kind.STORED, t.path.child(t.principal, true), home, null, t.principal));
            }
            case STORED -> {
                for (DavResourceRecord r : repository.children(accountId, t.resource.id())) {
                    out.add(new Target(Kind.STORED, t.path.child(r.name(), r.collection()), r, t.resource, t.principal));
                }
            }
            default -> {
            }
        }
        return out;
    }

    private String href(Target t) {
        return DavPath.href(t.path.segments(), t.collection());
    }

    private void describe(Multistatus ms, DavPath path, Target t, String accountId, Mode mode, List<Name> named,
            List<Name> include) throws IOException {
        // Dead properties only when they can be part of the answer: a listing or report that names
        // live properties alone (getetag, calendar-data: what clients ask) costs no query per member.
        boolean needDead = t.kind == Kind.STORED && (mode != Mode.PROP || !LIVE_SET.containsAll(named));
        List<DavProperty> dead = needDead ? repository.properties(accountId, t.resource.id()) : List.of();
        Map<Integer, List<String>> byStatus = new LinkedHashMap<>();
        if (mode == Mode.PROPNAME) {
            List<String> names = new ArrayList<>();
            for (Name n : LIVE) {
                if (live(t, n) != null) {
                    names.add(DavXml.emptyElement(n.ns, n.local));
                }
            }
            for (DavProperty p : dead) {
                names.add(DavXml.emptyElement(p.namespace(), p.name()));
            }
            byStatus.put(200, names);
        } else {
            List<Name> wanted = new ArrayList<>();
            if (mode == Mode.ALLPROP) {
                wanted.addAll(ALLPROP);
                for (Name n : include) {
                    if (!wanted.contains(n)) {
                        wanted.add(n);
                    }
                }
            } else {
                wanted.addAll(named);
            }
            List<String> found = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (Name n : wanted) {
                String v = live(t, n);
                if (v == null) {
                    v = deadValue(dead, n);
                }
                if (v != null) {
                    found.add(v);
                } else if (mode == Mode.PROP) {
                    missing.add(DavXml.emptyElement(n.ns, n.local));
                }
            }
            if (mode == Mode.ALLPROP) {
                for (DavProperty p : dead) {
                    if (!wanted.contains(new Name(p.namespace(), p.name()))) {
                        found.add(p.xml());
                    }
                }
            }
            // RFC 8144 section 2.1: a minimal answer leaves out what is not there (a 200 stays, even empty)
            boolean minimal = current.get().minimal;
            if (!found.isEmpty() || missing.isEmpty() || minimal) {
                byStatus.put(200, found);
            }
            if (!missing.isEmpty() && !minimal) {
                byStatus.put(404, missing);
            }
        }
        ms.response(href(t), byStatus);
    }

    private static String deadValue(List<DavProperty> dead, Name n) {
        for (DavProperty p : dead) {
            if (p.namespace().equals(n.ns) && p.name().equals(n.local)) {
                return p.xml();
            }
        }
        return null;
    }

    /** A live property's XML, or null when this resource does not have it. */
    private String live(Target t, Name n) {
        String d = DavXml.DAV;
        if (n.equals(GETETAG) && t.kind == Kind.STORED && t.resource != null && !t.resource.collection()) {
            // what every listing and report asks of every member: answered before the other ~30 names are tried
            return "<D:getetag>" + DavXml.escapeText(quote(t.resource.etag())) + "</D:getetag>";
        }
        if (n.equals(RESOURCETYPE)) {
            String inner = t.collection() ? "<D:collection/>" : "";
            if (t.kind == Kind.PRINCIPAL) {
                inner += "<D:principal/>";
            }
            if (t.kind == Kind.STORED && t.resource != null && t.resource.isCalendar()) {
                inner += "<C:calendar xmlns:C=\"" + CALDAV + "\"/>";
            }
            if (t.kind == Kind.STORED && t.resource != null && t.resource.isAddressBook()) {
                inner += "<CR:addressbook xmlns:CR=\"" + CARDDAV + "\"/>";
            }
            return "<D:resourcetype>" + inner + "</D:resourcetype>";
        }
        if (n.equals(CURRENT_USER_PRINCIPAL)) {
            return "<D:current-user-principal><D:href>" + principalHref(t) + "</D:href></D:current-user-principal>";
        }
        if (n.equals(PRINCIPAL_COLLECTION_SET)) {
            return "<D:principal-collection-set><D:href>" + DavPath.PREFIX + PRINCIPALS + "/</D:href></D:principal-collection-set>";
        }
        if (n.equals(SUPPORTED_REPORT_SET)) {
            // RFC 6578 sync-collection on stored collections, calendar-multiget on calendars; nothing else
            String expand = "<D:supported-report><D:report><D:expand-property/></D:report></D:supported-report>";
            if (t.kind != Kind.STORED || !t.collection()) {
                return "<D:supported-report-set>" + expand + "</D:supported-report-set>";
            }
            return "<D:supported-report-set>" + expand + "<D:supported-report><D:report><D:sync-collection/></D:report></D:supported-report>"
                    + (t.resource.isCalendar() ? "<D:supported-report><D:report><C:calendar-multiget xmlns:C=\"" + CALDAV
                            + "\"/></D:report></D:supported-report><D:supported-report><D:report><C:calendar-query xmlns:C=\""
                            + CALDAV + "\"/></D:report></D:supported-report><D:supported-report><D:report><C:free-busy-query "
                            + "xmlns:C=\"" + CALDAV + "\"/></D:report></D:supported-report>" : "")
                    + (t.resource.isAddressBook() ? "<D:supported-report><D:report><CR:addressbook-multiget xmlns:CR=\"" + CARDDAV
                            + "\"/></D:report></D:supported-report><D:supported-report><D:report><CR:addressbook-query xmlns:CR=\""
                            + CARDDAV + "\"/></D:report></D:supported-report>" : "")
                    + "</D:supported-report-set>";
        }
        if ((n.equals(SYNC_TOKEN) || n.equals(GETCTAG)) && t.kind == Kind.STORED && t.collection()) {
            String token = DavXml.escapeText(syncToken(t.resource.id(), repository.syncToken(current.get().accountId, t.resource.id())));
            return n.equals(SYNC_TOKEN) ? "<D:sync-token>" + token + "</D:sync-token>"
                    : "<CS:getctag xmlns:CS=\"" + CALENDARSERVER + "\">" + token + "</CS:getctag>";
        }
        if (n.equals(OWNER)) {
            return t.kind == Kind.STORED || t.kind == Kind.PRINCIPAL
                    ? "<D:owner><D:href>" + principalHref(t) + "</D:href></D:owner>" : null;
        }
        if (n.equals(CURRENT_USER_PRIVILEGE_SET)) {
            return "<D:current-user-privilege-set>" + privileges(t) + "</D:current-user-privilege-set>";
        }
        if (n.equals(TIMEZONE_SERVICE_SET)) {
            return t.home() && CALENDARS.equals(t.path.get(0)) ? "<C:timezone-service-set xmlns:C=\"" + CALDAV + "\"><D:href>"
                    + TzdistServlet.PATH + "</D:href></C:timezone-service-set>" : null;
        }
        if (n.equals(CALENDAR_HOME_SET)) {
            return t.kind == Kind.PRINCIPAL ? "<C:calendar-home-set xmlns:C=\"" + CALDAV + "\"><D:href>" + DavPath.PREFIX + CALENDARS
                    + "/" + t.principal + "/</D:href></C:calendar-home-set>" : null;
        }
        if (n.equals(CALENDAR_USER_ADDRESS_SET)) {
            // DESIGN section 6: privatized. The principal's own URN and URL, never the mail address,
            // which would reach every invitation the calendar sends.
            return t.kind == Kind.PRINCIPAL ? "<C:calendar-user-address-set xmlns:C=\"" + CALDAV + "\"><D:href>urn:uuid:"
                    + resourceId(t) + "</D:href><D:href>" + principalHref(t) + "</D:href></C:calendar-user-address-set>" : null;
        }
        if (n.equals(EMAIL_ADDRESS_SET)) {
            return t.kind == Kind.PRINCIPAL ? "<CS:email-address-set xmlns:CS=\"" + CALENDARSERVER + "\"/>" : null; // privatized: none
        }
        if (n.equals(ADDRESSBOOK_HOME_SET)) {
            return t.kind == Kind.PRINCIPAL ? "<CR:addressbook-home-set xmlns:CR=\"" + CARDDAV + "\"><D:href>" + DavPath.PREFIX
                    + ADDRESSBOOKS + "/" + t.principal + "/</D:href></CR:addressbook-home-set>" : null;
        }
        if (CALDAV.equals(n.ns) && t.kind == Kind.STORED && t.resource != null) {
            return calDavProperty(t, n.local);
        }
        if (CARDDAV.equals(n.ns) && t.kind == Kind.STORED && t.resource != null) {
            return cardDavProperty(t, n.local);
        }
        if (n.equals(PRINCIPAL_URL)) {
            return t.kind == Kind.PRINCIPAL ? "<D:principal-URL><D:href>" + principalHref(t) + "</D:href></D:principal-URL>" : null;
        }
        if (n.equals(RESOURCE_ID)) {
            return "<D:resource-id><D:href>urn:uuid:" + resourceId(t) + "</D:href></D:resource-id>";
        }
        if (t.kind != Kind.STORED || !d.equals(n.ns)) {
            return null;
        }
        if (n.equals(SUPPORTEDLOCK)) {
            return "<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
                    + "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype>"
                    + "</D:lockentry></D:supportedlock>";
        }
        if (n.equals(LOCKDISCOVERY)) {
            StringBuilder b = new StringBuilder("<D:lockdiscovery>");
            for (DavLock l : current.get().locks()) {
                if (l.covers(key(t.path))) {
                    b.append(activeLock(l));
                }
            }
            return b.append("</D:lockdiscovery>").toString();
        }
        DavResourceRecord r = t.resource;
        switch (n.local) {
            case "getlastmodified":
                return "<D:getlastmodified>" + HTTP_DATE.format(r.modified()) + "</D:getlastmodified>";
            case "creationdate":
                return "<D:creationdate>" + ISO_DATE.format(r.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                        + "</D:creationdate>";
            default:
                break;
        }
        if (r.collection()) {
            return null;
        }
        return switch (n.local) {
            case "getcontentlength" -> "<D:getcontentlength>" + r.length() + "</D:getcontentlength>";
            case "getcontenttype" -> r.contentType() == null ? null
                    : "<D:getcontenttype>" + DavXml.escapeText(r.contentType()) + "</D:getcontenttype>";
            case "getetag" -> "<D:getetag>" + DavXml.escapeText(quote(r.etag())) + "</D:getetag>";
            default -> null;
        };
    }

    /** CalDAV's live properties of calendar collections and calendar objects (RFC 4791 section 5.2, 9.6). */
    private String calDavProperty(Target t, String local) {
        DavResourceRecord r = t.resource;
        String open = "<C:" + local + " xmlns:C=\"" + CALDAV + "\">";
        String close = "</C:" + local + ">";
        if (r.isCalendar()) {
            switch (local) {
                case "supported-calendar-component-set": {
                    StringBuilder b = new StringBuilder(open);
                    for (String comp : r.components() == null ? new String[0] : r.components().split(",")) {
                        b.append("<C:comp name=\"").append(DavXml.escapeAttribute(comp)).append("\"/>");
                    }
                    return b.append(close).toString();
                }
                case "supported-calendar-data":
                    return open + "<C:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>" + close;
                case "max-resource-size":
                    return open + Math.min(maxResource, MAX_CALENDAR_OBJECT) + close;
                default:
                    return null;
            }
        }
        if (local.equals("calendar-data") && t.parent != null && t.parent.isCalendar() && !r.collection()) {
            byte[] body = current.get().bodies.get(r.id());
            if (body == null) {
                body = repository.body(current.get().accountId, r.id()).orElse(null);
            }
            if (body == null) {
                return null;
            }
            CalendarData wanted = current.get().calendarData;
            // expanded data has no time zones at all; ical4j reads the stored ones with the standard ones added
            byte[] data = wanted.apply(Timezones.forClient(body, current.get().withTimezones || wanted.expands()));
            return open + DavXml.escapeText(new String(data, StandardCharsets.UTF_8)) + close;
        }
        return null;
    }

    /** CardDAV's live properties of address books and address objects (RFC 6352 sections 6.2, 10.4). */
    private String cardDavProperty(Target t, String local) {
        DavResourceRecord r = t.resource;
        String open = "<CR:" + local + " xmlns:CR=\"" + CARDDAV + "\">";
        String close = "</CR:" + local + ">";
        if (r.isAddressBook()) {
            return switch (local) {
                case "supported-address-data" -> open + "<CR:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>"
                        + "<CR:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>" + close;
                case "max-resource-size" -> open + Math.min(maxResource, MAX_ADDRESS_OBJECT) + close;
                default -> null;
            };
        }
        if (local.equals("address-data") && t.parent != null && t.parent.isAddressBook() && !r.collection()) {
            byte[] body = current.get().bodies.get(r.id());
            if (body == null) {
                body = repository.body(current.get().accountId, r.id()).orElse(null);
            }
            if (body == null) {
                return null;
            }
            AddressData wanted = current.get().addressData;
            if (wanted != null) {
                try {
                    VCardObject card = VCardObject.parseStored(body);
                    if (wanted.version != null && !wanted.version.equals(card.version)) {
                        body = VCardObject.convert(body, wanted.version);
                        card = VCardObject.parseStored(body);
                    }
                    if (wanted.properties != null) {
                        body = card.only(wanted.properties);
                    }
                } catch (VCardObject.Invalid | RuntimeException e) {
                    // stored data that no longer reads is given as it is
                }
            }
            return open + DavXml.escapeText(new String(body, StandardCharsets.UTF_8)) + close;
        }
        return null;
    }

    /**
     * What a report's CARDDAV:address-data asks for (RFC 6352 section 10.4): a vCard version to
     * convert to (null: as stored) and the properties to keep (null: all).
     */
    record AddressData(String version, java.util.Set<String> properties) {
        /** The request in {@code e}, or empty when it asks for a type or version Postern does not write. */
        static Optional<AddressData> of(Element e) {
            if (e == null) {
                return Optional.of(new AddressData(null, null));
            }
            String type = e.getAttribute("content-type");
            String version = e.getAttribute("version");
            if (!type.isEmpty() && !type.equalsIgnoreCase("text/vcard")) {
                return Optional.empty();
            }
            if (!version.isEmpty() && !VCardObject.VERSIONS.contains(version)) {
                return Optional.empty();
            }
            java.util.Set<String> props = null;
            for (Element c : DavXml.children(e)) {
                if (DavXml.is(c, CARDDAV, "prop") && !c.getAttribute("name").isEmpty()) {
                    props = props == null ? new java.util.HashSet<>() : props;
                    props.add(c.getAttribute("name").toUpperCase(Locale.ROOT));
                } else if (DavXml.is(c, CARDDAV, "allprop")) {
                    props = null;
                    break;
                }
            }
            return Optional.of(new AddressData(version.isEmpty() ? null : version, props));
        }
    }

    /**
     * RFC 3744 section 5.4, as it is: the owner may do everything to what is stored (a home cannot
     * be deleted, but its members can); the fixed collections and the principal are read-only.
     * Nobody else reaches any of it.
     */
    private static String privileges(Target t) {
        StringBuilder b = new StringBuilder("<D:privilege><D:read/></D:privilege>"
                + "<D:privilege><D:read-current-user-privilege-set/></D:privilege>");
        if (t.kind == Kind.STORED) {
            for (String p : new String[] {"write", "write-properties", "write-content", "bind", "unbind", "unlock"}) {
                b.append("<D:privilege><D:").append(p).append("/></D:privilege>");
            }
            if (inCalendars(t)) {
                b.append("<D:privilege><C:read-free-busy xmlns:C=\"").append(CALDAV).append("\"/></D:privilege>");
            }
        }
        return b.toString();
    }

    private static String principalHref(Target t) {
        return DavPath.PREFIX + PRINCIPALS + "/" + t.principal + "/";
    }

    /** RFC 5842: stored resources carry their own id; the fixed ones a name-based UUID, per account where it differs. */
    private static String resourceId(Target t) {
        String hex;
        if (t.kind == Kind.STORED) {
            hex = t.resource.id();
        } else {
            String name = "postern-dav:" + t.kind + (t.kind == Kind.FILES_TOP ? ":" + t.path.get(0) : "")
                    + (t.kind == Kind.PRINCIPAL || t.kind == Kind.FILES_TOP ? ":" + t.principal : "");
            hex = java.util.UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
        }
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20) + "-"
                + hex.substring(20, 32);
    }

    private static String quote(String etag) {
        return "\"" + etag + "\"";
    }

    // ---- REPORT: sync-collection (RFC 6578) ----

    private void report(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        byte[] body = body(req, resp, maxXml);
        if (body == null) {
            return;
        }
        Element root = xml(resp, body);
        if (root == null) {
            return;
        }
        boolean calendar = t.kind == Kind.STORED && t.resource != null && t.resource.isCalendar();
        if (calendar && (DavXml.is(root, CALDAV, "calendar-multiget") || DavXml.is(root, CALDAV, "calendar-query"))) {
            Element prop = DavXml.child(root, DavXml.DAV, "prop");
            try {
                current.get().calendarData = CalendarData.of(prop == null ? null : DavXml.child(prop, CALDAV, "calendar-data"));
            } catch (CalendarData.Refused e) {
                if (e.precondition != null) {
                    calError(resp, 403, e.precondition, "");
                } else {
                    plain(resp, 400, e.getMessage() + "\n");
                }
                return;
            }
            if (DavXml.is(root, CALDAV, "calendar-multiget")) {
                multiget(req, resp, t, accountId, root);
            } else {
                calendarQuery(resp, t, accountId, root);
            }
            return;
        }
        if (DavXml.is(root, CALDAV, "free-busy-query") && t.kind == Kind.STORED && t.resource != null && t.resource.isCalendar()) {
            freeBusy(resp, t, accountId, root);
            return;
        }
        if (DavXml.is(root, DavXml.DAV, "expand-property")) {
            if (!t.exists()) {
                plain(resp, 404, "Not found\n");
                return;
            }
            expandProperty(req, resp, t, accountId, root);
            return;
        }
        boolean book = t.kind == Kind.STORED && t.resource != null && t.resource.isAddressBook();
        if (book && (DavXml.is(root, CARDDAV, "addressbook-multiget") || DavXml.is(root, CARDDAV, "addressbook-query"))) {
            Element prop = DavXml.child(root, DavXml.DAV, "prop");
            Optional<AddressData> wanted = AddressData.of(prop == null ? null : DavXml.child(prop, CARDDAV, "address-data"));
            if (wanted.isEmpty()) {
                cardError(resp, 403, "supported-address-data-conversion", "");
                return;
            }
            current.get().addressData = wanted.get();
            if (DavXml.is(root, CARDDAV, "addressbook-multiget")) {
                multiget(req, resp, t, accountId, root);
            } else {
                addressQuery(resp, t, accountId, root);
            }
            return;
        }
        if (!DavXml.is(root, DavXml.DAV, "sync-collection") || t.kind != Kind.STORED || !t.collection()) {
            error(resp, 403, "supported-report"); // RFC 3253 section 3.6
            return;
        }
        // RFC 6578 section 3.2 asks for Depth: 0; clients send 1 too (python3-caldav does), and the
        // report is the same for both: only an infinite depth is refused, as the RFC says.
        String depth = req.getHeader("Depth");
        if (depth != null && !depth.equals("0") && !depth.equals("1")) {
            plain(resp, 400, "sync-collection takes Depth: 0\n");
            return;
        }
        Element level = DavXml.child(root, DavXml.DAV, "sync-level");
        if (level != null && !level.getTextContent().trim().equals("1")) {
            error(resp, 403, "sync-traversal-supported"); // only the members themselves, as CalDAV and CardDAV need
            return;
        }
        Element tokenElement = DavXml.child(root, DavXml.DAV, "sync-token");
        String tokenText = tokenElement == null ? "" : tokenElement.getTextContent().trim();
        long current = repository.syncToken(accountId, t.resource.id());
        long since = 0;
        if (!tokenText.isEmpty()) {
            Long parsed = null;
            String mine = SYNC_PREFIX + t.resource.id() + ":";
            if (tokenText.startsWith(mine) && tokenText.length() < mine.length() + 20) {
                try {
                    parsed = Long.parseLong(tokenText.substring(mine.length()));
                } catch (NumberFormatException e) {
                    parsed = null;
                }
            }
            if (parsed == null || parsed < 0 || parsed > current) {
                error(resp, 403, "valid-sync-token");
                return;
            }
            since = parsed;
        }
        int limit = SYNC_PAGE;
        Element limitElement = DavXml.child(root, DavXml.DAV, "limit");
        if (limitElement != null) {
            Element n = DavXml.child(limitElement, DavXml.DAV, "nresults");
            try {
                limit = Math.max(1, Math.min(SYNC_PAGE, Integer.parseInt(n == null ? "" : n.getTextContent().trim())));
            } catch (NumberFormatException e) {
                plain(resp, 400, "DAV:nresults must be a number\n");
                return;
            }
        }
        List<Name> named = names(DavXml.child(root, DavXml.DAV, "prop"));
        if (named == null) {
            plain(resp, 400, "At most " + MAX_NAMED + " properties\n");
            return;
        }
        DavRepository.Changes changes = repository.changes(accountId, t.resource.id(), since, limit);
        Multistatus ms = new Multistatus(resp);
        for (DavRepository.Member m : changes.members()) {
            if (m.resource() == null) {
                ms.status(DavPath.href(t.path.child(m.name(), false).segments(), false), 404);
            } else {
                DavResourceRecord r = m.resource();
                Target member = new Target(Kind.STORED, t.path.child(r.name(), r.collection()), r, t.resource, t.principal);
                describe(ms, member.path, member, accountId, Mode.PROP, named, List.of());
            }
        }
        if (changes.truncated()) {
            ms.status(href(t), 507); // section 3.6: more changes follow the token below
        }
        ms.send(resp, "<D:sync-token>" + DavXml.escapeText(syncToken(t.resource.id(), changes.token())) + "</D:sync-token>");
    }

    /** Most hrefs one calendar-multiget may name. */
    static final int MAX_MULTIGET = 1000;

    /**
     * RFC 4791 section 7.9: the named members of this calendar, bodies read in one query per
     * hundred names; an href that is not one of its members is a 404 response.
     */
    private void multiget(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId, Element root)
            throws IOException {
        List<Name> named = names(DavXml.child(root, DavXml.DAV, "prop"));
        if (named == null) {
            plain(resp, 400, "At most " + MAX_NAMED + " properties\n");
            return;
        }
        // each href once: naming one object a thousand times would make the work of a thousand
        java.util.Set<String> distinct = new java.util.LinkedHashSet<>();
        for (Element e : DavXml.children(root)) {
            if (DavXml.is(e, DavXml.DAV, "href")) {
                distinct.add(e.getTextContent().trim());
            }
        }
        List<String> hrefs = new ArrayList<>(distinct);
        if (hrefs.size() > MAX_MULTIGET) {
            plain(resp, 400, "At most " + MAX_MULTIGET + " hrefs per multiget\n");
            return;
        }
        // Each href as a member name of this calendar, or null when it names anything else.
        List<String> names = new ArrayList<>();
        for (String href : hrefs) {
            String name = null;
            try {
                String raw = DavPath.plainPath(href) ? href : new URI(href).getRawPath();
                if (raw != null && raw.startsWith(req.getContextPath())) {
                    Optional<DavPath> p = DavPath.parse(raw.substring(req.getContextPath().length()));
                    if (p.isPresent() && p.get().size() == t.size() + 1
                            && p.get().segments().subList(0, t.size()).equals(t.path.segments())) {
                        name = p.get().get(t.size());
                    }
                }
            } catch (URISyntaxException e) {
                name = null;
            }
            names.add(name);
        }
        // Each member once, however its hrefs are spelled (another host, %-escapes): a thousand
        // spellings of one heavy object would otherwise be a thousand expansions.
        java.util.Set<String> seenNames = new java.util.HashSet<>();
        List<Boolean> repeat = new ArrayList<>();
        for (String name : names) {
            repeat.add(name != null && !seenNames.add(name));
        }
        // A chunk of hrefs at a time: read their bodies, write their responses, drop the bodies.
        Multistatus ms = new Multistatus(resp);
        for (int from = 0; from < hrefs.size(); from += QUERY_CHUNK) {
            int to = Math.min(hrefs.size(), from + QUERY_CHUNK);
            Map<String, DavResourceRecord> found = new java.util.HashMap<>();
            current.get().bodies.clear();
            for (Map.Entry<DavResourceRecord, byte[]> e : repository.membersWithBodies(accountId, t.resource.id(),
                    names.subList(from, to).stream().filter(java.util.Objects::nonNull).toList())) {
                found.put(e.getKey().name(), e.getKey());
                current.get().bodies.put(e.getKey().id(), e.getValue());
            }
            for (int i = from; i < to; i++) {
                if (repeat.get(i)) {
                    continue; // answered under its first href
                }
                DavResourceRecord r = names.get(i) == null ? null : found.get(names.get(i));
                if (r == null) {
                    ms.status(hrefs.get(i), 404);
                } else {
                    Target member = new Target(Kind.STORED, t.path.child(r.name(), r.collection()), r, t.resource, t.principal);
                    describe(ms, member.path, member, accountId, Mode.PROP, named, List.of());
                }
            }
        }
        current.get().bodies.clear();
        ms.send(resp);
    }

    /** Members a report reads at a time: bounds the bodies in memory (50 MiB at most), not the result. */
    static final int QUERY_CHUNK = Members.CHUNK;

    /**
     * RFC 4791 section 7.8: every member of the calendar whose iCalendar data matches the filter
     * ({@link CalendarQuery}), streamed as found. Members are read a chunk at a time and parsed;
     * unparseable stored data never matches.
     */
    private void calendarQuery(HttpServletResponse resp, Target t, String accountId, Element root) throws IOException {
        Element filterElement = DavXml.child(root, CALDAV, "filter");
        if (filterElement == null) {
            calError(resp, 403, "valid-filter", "");
            return;
        }
        CalendarQuery query;
        try {
            query = CalendarQuery.parse(filterElement);
        } catch (CalendarQuery.Unsupported e) {
            calError(resp, 403, e.precondition, "");
            return;
        }
        // RFC 4791 section 9.9, RFC 7809 section 3.1.6: floating times in the query's zone, else the calendar's
        Element timezoneId = DavXml.child(root, CALDAV, "timezone-id");
        Element timezone = DavXml.child(root, CALDAV, "timezone");
        if (timezoneId != null && timezone != null) {
            plain(resp, 400, "timezone or timezone-id, not both\n"); // RFC 7809 section 6.1
            return;
        }
        String zone;
        if (timezoneId != null || timezone != null) {
            String[] refused = new String[1];
            String[] named = timezone(timezoneId != null ? CALENDAR_TIMEZONE_ID : CALENDAR_TIMEZONE,
                    timezoneId != null ? timezoneId : timezone, refused);
            if (named == null) {
                calError(resp, 403, refused[0], "");
                return;
            }
            zone = named[0];
        } else {
            zone = repository.properties(accountId, t.resource.id()).stream()
                    .filter(p -> CALDAV.equals(p.namespace()) && CALENDAR_TIMEZONE_ID.local.equals(p.name()))
                    .map(p -> DavXml.parseFragmentText(p.xml())).findFirst().orElse(null);
        }
        if (zone != null && Timezones.isStandard(zone.trim())) {
            try {
                query = query.in(java.time.ZoneId.of(zone.trim()));
            } catch (java.time.DateTimeException notInTheJdk) {
                // ical4j knows the zone, the JDK does not: floating times stay UTC
            }
        }
        CalendarQuery inZone = query;
        List<Name> named = names(DavXml.child(root, DavXml.DAV, "prop"));
        if (named == null) {
            plain(resp, 400, "At most " + MAX_NAMED + " properties\n");
            return;
        }
        Multistatus ms = new Multistatus(resp);
        Map<String, byte[]> bodies = current.get().bodies;
        // A bound on the work of one request (expansion is costly): past it, what was found and a 507
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(QUERY_SECONDS);
        boolean truncated = forEachCalendarObject(accountId, t, query.eventRange(), deadline, (r, body, calendar) -> {
            if (inZone.matches(calendar)) {
                describeWithBody(ms, t, r, body, accountId, named);
            }
        });
        if (truncated) {
            ms.status(href(t), 507, "<D:error><D:number-of-matches-within-limits/></D:error>");
        }
        ms.send(resp);
    }

    /**
     * RFC 6352 section 8.6: the address book's vCards that pass the filter ({@link AddressQuery}),
     * at most CARDDAV:nresults of them (then the request-URI gets a 507, section 8.6.1).
     */
    private void addressQuery(HttpServletResponse resp, Target t, String accountId, Element root) throws IOException {
        Element filterElement = DavXml.child(root, CARDDAV, "filter");
        if (filterElement == null) {
            cardError(resp, 403, "valid-filter", "");
            return;
        }
        AddressQuery query;
        try {
            query = AddressQuery.parse(filterElement);
        } catch (AddressQuery.Unsupported e) {
            cardError(resp, 403, e.precondition, "");
            return;
        }
        long limit = Long.MAX_VALUE;
        Element limitElement = DavXml.child(root, CARDDAV, "limit");
        if (limitElement != null) {
            Element n = DavXml.child(limitElement, CARDDAV, "nresults");
            try {
                limit = Long.parseLong(n == null ? "" : n.getTextContent().trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1) {
                cardError(resp, 403, "valid-filter", ""); // no precondition of its own; the request is malformed
                return;
            }
        }
        List<Name> named = names(DavXml.child(root, DavXml.DAV, "prop"));
        if (named == null) {
            plain(resp, 400, "At most " + MAX_NAMED + " properties\n");
            return;
        }
        Multistatus ms = new Multistatus(resp);
        long max = limit;
        long[] found = {0};
        // A bound on the work of one request: past it the answer is what was found, marked truncated
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(QUERY_SECONDS);
        boolean truncated = Members.walk(repository, accountId, t.resource.id(), Members.names(repository, accountId, t.resource.id()),
                (r, body) -> {
                    if (System.nanoTime() - deadline > 0) {
                        return false;
                    }
                    VCardObject card;
                    try {
                        card = VCardObject.parseStored(body);
                    } catch (VCardObject.Invalid invalid) {
                        return true;
                    }
                    if (!query.matches(card)) {
                        return true;
                    }
                    if (found[0] == max) {
                        return false;
                    }
                    found[0]++;
                    describeWithBody(ms, t, r, body, accountId, named);
                    return true;
                });
        if (truncated) {
            ms.status(href(t), 507, "<D:error><D:number-of-matches-within-limits/></D:error>");
        }
        ms.send(resp);
    }

    /** How deep expand-property nests: Apple asks for two levels; each level may multiply the work. */
    static final int MAX_EXPAND_DEPTH = 3;
    /** Most property elements one expand-property may hold, at all levels together. */
    static final int MAX_EXPAND_PROPERTIES = 100;
    /**
     * The properties whose hrefs are expanded: Postern's own, each naming one or two resources. A
     * dead property or a lock owner holds whatever a client wrote (hundreds of hrefs, one request
     * multiplied into gigabytes), so their hrefs stay hrefs.
     */
    private static final java.util.Set<Name> EXPANDABLE = java.util.Set.of(CURRENT_USER_PRINCIPAL, PRINCIPAL_URL,
            PRINCIPAL_COLLECTION_SET, CALENDAR_HOME_SET, ADDRESSBOOK_HOME_SET, OWNER, CALENDAR_USER_ADDRESS_SET);
    /** Object data is for multiget: in an expansion it would be read for every href at every level. */
    private static final java.util.Set<Name> NOT_IN_EXPANSION = java.util.Set.of(new Name(CALDAV, "calendar-data"), ADDRESS_DATA);

    /**
     * RFC 3253 section 3.8, as Apple clients use it on principals: the named properties of the
     * request-URI, and for each that holds hrefs and names properties inside it, each href replaced
     * by a response carrying those properties of the resource it names.
     */
    private void expandProperty(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId, Element root)
            throws IOException {
        int[] count = {0};
        if (!expandable(root, 0, count)) {
            plain(resp, 400, "expand-property nests at most " + MAX_EXPAND_DEPTH + " deep, names at most "
                    + MAX_EXPAND_PROPERTIES + " properties, each by an XML name\n");
            return;
        }
        Multistatus ms = new Multistatus(resp);
        StringBuilder b = new StringBuilder();
        expanded(req, b, t, accountId, root);
        ms.raw(b.toString());
        ms.send(resp);
    }

    private static boolean expandable(Element e, int depth, int[] count) {
        for (Element p : DavXml.children(e)) {
            if (!DavXml.is(p, DavXml.DAV, "property")) {
                continue;
            }
            // the name is an attribute here, not an element name the parser checked: it goes into the answer
            if (++count[0] > MAX_EXPAND_PROPERTIES || depth >= MAX_EXPAND_DEPTH || !ncName(p.getAttribute("name"))
                    || !expandable(p, depth + 1, count)) {
                return false;
            }
        }
        return true;
    }

    /** One DAV:response for {@code t} with the properties {@code spec} names, expanded. */
    private void expanded(HttpServletRequest req, StringBuilder b, Target t, String accountId, Element spec) {
        List<String> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<DavProperty> dead = null;
        for (Element p : DavXml.children(spec)) {
            if (!DavXml.is(p, DavXml.DAV, "property")) {
                continue;
            }
            String ns = p.hasAttribute("namespace") ? p.getAttribute("namespace") : DavXml.DAV;
            Name n = new Name(ns, p.getAttribute("name"));
            if (NOT_IN_EXPANSION.contains(n)) {
                missing.add(DavXml.emptyElement(n.ns, n.local));
                continue;
            }
            String value = live(t, n);
            if (value == null && t.kind == Kind.STORED && !LIVE_SET.contains(n)) {
                dead = dead == null ? repository.properties(accountId, t.resource.id()) : dead;
                value = deadValue(dead, n);
            }
            if (value == null) {
                missing.add(DavXml.emptyElement(n.ns, n.local));
                continue;
            }
            List<String> hrefs = DavXml.children(p).isEmpty() || !EXPANDABLE.contains(n) ? List.of() : hrefsIn(value);
            if (hrefs.isEmpty()) {
                found.add(value);
                continue;
            }
            StringBuilder inner = new StringBuilder();
            for (String href : hrefs) {
                Target h = tagged(req, href, accountId);
                if (h == null || !h.exists()) {
                    inner.append("<D:response><D:href>").append(DavXml.escapeText(href))
                            .append("</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
                } else {
                    expanded(req, inner, h, accountId, p);
                }
            }
            found.add(DavXml.rawElement(n.ns, n.local, inner.toString())); // the property again, its hrefs now responses
        }
        b.append("<D:response><D:href>").append(DavXml.escapeText(href(t))).append("</D:href>");
        if (!found.isEmpty() || missing.isEmpty()) {
            b.append("<D:propstat><D:prop>").append(String.join("", found)).append("</D:prop><D:status>HTTP/1.1 200 OK</D:status>"
                    + "</D:propstat>");
        }
        if (!missing.isEmpty() && !current.get().minimal) {
            b.append("<D:propstat><D:prop>").append(String.join("", missing))
                    .append("</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>");
        }
        b.append("</D:response>");
    }

    /** An XML local name (ASCII letters, digits, '-', '_', '.'; not starting with a digit, '-' or '.'). */
    static boolean ncName(String s) {
        if (s.isEmpty() || s.length() > DavRepository.MAX_PROPERTY_NAME) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
            boolean other = c >= '0' && c <= '9' || c == '-' || c == '.';
            if (!letter && (i == 0 || !other)) {
                return false;
            }
        }
        return true;
    }

    /** The DAV:href texts in a property value Postern wrote (its D: prefix is always DAV:). */
    private static List<String> hrefsIn(String value) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int start = value.indexOf("<D:href>", from);
            if (start < 0) {
                return out;
            }
            int end = value.indexOf("</D:href>", start);
            if (end < 0) {
                return out;
            }
            out.add(unescape(value.substring(start + 8, end)));
            from = end;
        }
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    }

    /** Longest a calendar-query or addressbook-query searches before it answers with what it found (507 for the rest). */
    static final long QUERY_SECONDS = 20;

    /** What {@link #forEachCalendarObject} hands over: a member, its body, and the body parsed. */
    private interface CalendarObjectVisitor {
        void visit(DavResourceRecord member, byte[] body, net.fortuna.ical4j.model.Calendar calendar) throws IOException;
    }

    /**
     * Every member of calendar {@code t}, read {@link #QUERY_CHUNK} at a time so that the bodies in
     * memory are bounded, parsed with ical4j; stored data that does not parse is skipped. Returns
     * true when it stopped at {@code deadline} (a {@link System#nanoTime()}) before the last member.
     */
    private boolean forEachCalendarObject(String accountId, Target t, Instant[] eventRange, long deadline,
            CalendarObjectVisitor visitor) throws IOException {
        return Members.walk(repository, accountId, t.resource.id(), Members.names(repository, accountId, t.resource.id(), eventRange),
                (r, body) -> {
                    if (System.nanoTime() - deadline > 0) {
                        return false;
                    }
                    Optional<net.fortuna.ical4j.model.Calendar> calendar = CalendarObject.build(body);
                    if (calendar.isPresent()) {
                        visitor.visit(r, body, calendar.get());
                    }
                    return true;
                });
    }

    /**
     * A report's response for member {@code r} of {@code t}, its body already read: calendar-data
     * and address-data take it from there instead of reading it again, and it is dropped after.
     */
    private void describeWithBody(Multistatus ms, Target t, DavResourceRecord r, byte[] body, String accountId, List<Name> named)
            throws IOException {
        Map<String, byte[]> bodies = current.get().bodies;
        bodies.put(r.id(), body);
        try {
            Target member = new Target(Kind.STORED, t.path.child(r.name(), false), r, t.resource, t.principal);
            describe(ms, member.path, member, accountId, Mode.PROP, named, List.of());
        } finally {
            bodies.remove(r.id());
        }
    }

    /** RFC 4791 section 7.10: the calendar's busy time in a range, as one VFREEBUSY. */
    private void freeBusy(HttpServletResponse resp, Target t, String accountId, Element root) throws IOException {
        Instant[] range;
        try {
            range = CalendarQuery.range(DavXml.child(root, CALDAV, "time-range"));
        } catch (CalendarQuery.Unsupported e) {
            calError(resp, 403, e.precondition, "");
            return;
        }
        List<CalendarQuery.Busy> busy = new ArrayList<>();
        // no deadline: a free-busy answer with members left out would say free where it is busy
        forEachCalendarObject(accountId, t, range, System.nanoTime() + Long.MAX_VALUE / 2, (r, body, calendar) -> busy.addAll(CalendarQuery.busy(calendar, range[0], range[1])));
        StringBuilder b = new StringBuilder("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//DAV//EN\r\nBEGIN:VFREEBUSY\r\n")
                .append("DTSTAMP:").append(CalendarQuery.utc(Instant.now())).append("\r\n")
                .append("DTSTART:").append(CalendarQuery.utc(range[0])).append("\r\n")
                .append("DTEND:").append(CalendarQuery.utc(range[1])).append("\r\n");
        for (CalendarQuery.Busy x : CalendarQuery.merge(busy)) {
            b.append("FREEBUSY").append(x.type().equals("BUSY") ? "" : ";FBTYPE=" + x.type()).append(':')
                    .append(CalendarQuery.utc(x.start())).append('/').append(CalendarQuery.utc(x.end())).append("\r\n");
        }
        byte[] out = b.append("END:VFREEBUSY\r\nEND:VCALENDAR\r\n").toString().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("text/calendar; charset=utf-8");
        resp.setContentLength(out.length);
        resp.getOutputStream().write(out);
    }

    // ---- PROPPATCH ----

    private void proppatch(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        if (!t.exists()) {
            plain(resp, 404, "Not found\n");
            return;
        }
        if (t.kind != Kind.STORED) {
            error(resp, 403, "cannot-modify-protected-property");
            return;
        }
        byte[] body = body(req, resp, maxXml);
        if (body == null) {
            return;
        }
        Element root = xml(resp, body);
        if (root == null) {
            return;
        }
        if (!DavXml.is(root, DavXml.DAV, "propertyupdate")) {
            plain(resp, 400, "Expected DAV:propertyupdate\n");
            return;
        }
        List<DavRepository.Change> changes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<String, Integer> failed = new LinkedHashMap<>();
        java.util.Set<String> refusedBy = new java.util.LinkedHashSet<>(); // CalDAV preconditions of 403s
        for (Element op : DavXml.children(root)) {
            boolean set = DavXml.is(op, DavXml.DAV, "set");
            if (!set && !DavXml.is(op, DavXml.DAV, "remove")) {
                continue;
            }
            Element prop = DavXml.child(op, DavXml.DAV, "prop");
            if (prop == null) {
                plain(resp, 400, "set and remove need a DAV:prop\n");
                return;
            }
            for (Element p : DavXml.children(prop)) {
                Name n = new Name(DavXml.namespace(p), p.getLocalName());
                String element = DavXml.emptyElement(n.ns, n.local);
                if (names.size() >= DavRepository.MAX_PROPERTIES * 2) {
                    plain(resp, 400, "Too many properties in one PROPPATCH\n");
                    return;
                }
                names.add(element);
                if (LIVE_SET.contains(n)) {
                    failed.put(element, 403);
                    continue;
                }
                if (t.resource.isCalendar() && (n.equals(CALENDAR_TIMEZONE) || n.equals(CALENDAR_TIMEZONE_ID))) {
                    String[] refused = new String[1];
                    List<DavRepository.Change> tz = timezoneChanges(n, p, set, refused);
                    if (tz == null) {
                        failed.put(element, 403);
                        refusedBy.add(refused[0]);
                    } else {
                        changes.addAll(tz);
                    }
                    continue;
                }
                if (n.ns.length() > DavRepository.MAX_PROPERTY_NAME || n.local.length() > DavRepository.MAX_PROPERTY_NAME) {
                    failed.put(element, 507);
                    continue;
                }
                String xml = set ? DavXml.serialize(p) : null;
                if (xml != null && xml.length() > DavRepository.MAX_PROPERTY_XML) {
                    failed.put(element, 507);
                    continue;
                }
                changes.add(new DavRepository.Change(n.ns, n.local, xml));
            }
        }
        Multistatus ms = new Multistatus(resp);
        Map<Integer, List<String>> byStatus = new LinkedHashMap<>();
        if (!failed.isEmpty()) {
            // all or nothing (RFC 4918 section 9.2): the rest fail with 424
            for (String name : names) {
                byStatus.computeIfAbsent(failed.getOrDefault(name, 424), k -> new ArrayList<>()).add(name);
            }
            Map<Integer, String> errors = new LinkedHashMap<>();
            if (failed.containsValue(403)) {
                StringBuilder why = new StringBuilder();
                if (refusedBy.size() < failed.values().stream().filter(v -> v == 403).count()) {
                    why.append("<D:cannot-modify-protected-property/>");
                }
                for (String precondition : refusedBy) {
                    why.append("<C:").append(precondition).append(" xmlns:C=\"").append(CALDAV).append("\"/>");
                }
                errors.put(403, why.toString());
            }
            ms.response(href(t), byStatus, errors);
            ms.send(resp);
            return;
        }
        if (!mayWrite(resp, current.get(), covering(current.get(), key(t.path)))) {
            return;
        }
        boolean patched;
        try {
            patched = repository.patchProperties(accountId, t.resource.id(), changes);
        } catch (DavLimitException e) {
            byStatus.put(507, names);
            ms.response(href(t), byStatus);
            ms.send(resp);
            return;
        }
        if (!patched) {
            plain(resp, 404, "Not found\n");
            return;
        }
        byStatus.put(200, names);
        ms.response(href(t), byStatus);
        ms.send(resp);
    }

    // ---- GET, PUT, DELETE, MKCOL ----

    private void get(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId, boolean withBody)
            throws IOException {
        if (!t.exists()) {
            plain(resp, 404, "Not found\n");
            return;
        }
        if (t.collection()) {
            StringBuilder b = new StringBuilder("Postern DAV collection ").append(href(t)).append('\n');
            for (Target m : members(t, accountId)) {
                b.append(href(m)).append('\n');
            }
            byte[] out = b.toString().getBytes(StandardCharsets.UTF_8);
            resp.setStatus(200);
            resp.setContentType("text/plain; charset=utf-8");
            resp.setContentLength(out.length);
            if (withBody) {
                resp.getOutputStream().write(out);
            }
            return;
        }
        DavResourceRecord r = t.resource;
        String version = t.parent != null && t.parent.isAddressBook() ? vCardVersionAccepted(req.getHeader("Accept")) : null;
        if (version != null) {
            resp.setHeader("Vary", "Accept, Brief, Prefer");
            if (getVCard(req, resp, r, accountId, version, withBody)) {
                return;
            }
        }
        String inm = req.getHeader("If-None-Match");
        if (inm != null && etagMatches(inm, r.etag())) {
            resp.setStatus(304);
            resp.setHeader("ETag", quote(r.etag()));
            return;
        }
        byte[] read = current.get().bodies.get(r.id());
        Optional<byte[]> body = read != null ? Optional.of(read) : repository.body(accountId, r.id());
        if (body.isEmpty()) {
            plain(resp, 404, "Not found\n");
            return;
        }
        if (t.parent != null && t.parent.isCalendar()) {
            // One ETag for the object whichever way its time zones travel (RFC 7809 says nothing of
            // ETags): an If-Match names the object's version, not the representation.
            body = Optional.of(Timezones.forClient(body.get(), current.get().withTimezones));
            resp.setHeader("Vary", "CalDAV-Timezones");
        }
        resp.setStatus(200);
        resp.setContentType(r.contentType() == null ? "application/octet-stream" : r.contentType());
        resp.setHeader("ETag", quote(r.etag()));
        resp.setHeader("Last-Modified", HTTP_DATE.format(r.modified()));
        resp.setContentLengthLong(body.get().length);
        if (withBody) {
            resp.getOutputStream().write(body.get());
        }
    }

    /** RFC 9110 If-Match / If-None-Match list: {@code *} or quoted tags (weak ones compared weakly). */
    static boolean etagMatches(String header, String etag) {
        String h = header.trim();
        if (h.equals("*")) {
            return etag != null;
        }
        if (etag == null) {
            return false;
        }
        for (String part : h.split(",")) {
            String p = part.trim();
            if (p.startsWith("W/")) {
                p = p.substring(2);
            }
            if (p.equals(quote(etag))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The request's If-Match and If-None-Match as a test of the ETag a write finds inside its
     * transaction (null: no member by that name, or a collection when {@code collection}), so
     * that two clients who read one version cannot both replace it.
     */
    static java.util.function.Predicate<String> expectation(HttpServletRequest req, boolean collection) {
        String im = req.getHeader("If-Match");
        String inm = req.getHeader("If-None-Match");
        if (im == null && inm == null) {
            return etag -> true;
        }
        return etag -> {
            boolean exists = collection || etag != null;
            if (im != null && !(im.trim().equals("*") ? exists : etagMatches(im, etag))) {
                return false;
            }
            return inm == null || !(inm.trim().equals("*") ? exists : etagMatches(inm, etag));
        };
    }

    /** RFC 9110 section 13.2.2: If-Match, then If-None-Match; false after answering 412. */
    private static boolean preconditions(HttpServletRequest req, HttpServletResponse resp, DavResourceRecord r) throws IOException {
        String etag = r == null || r.collection() ? null : r.etag();
        boolean exists = r != null;
        String im = req.getHeader("If-Match");
        if (im != null && !(im.trim().equals("*") ? exists : etagMatches(im, etag))) {
            plain(resp, 412, "Precondition failed\n");
            return false;
        }
        String inm = req.getHeader("If-None-Match");
        if (inm != null && (inm.trim().equals("*") ? exists : etagMatches(inm, etag))) {
            plain(resp, 412, "Precondition failed\n");
            return false;
        }
        return true;
    }

    private void put(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        if (t.kind != Kind.STORED || t.home()) {
            resp.setHeader("Allow", allow(t));
            plain(resp, 405, "Method not allowed here\n");
            return;
        }
        if (t.resource != null && t.resource.collection()) {
            resp.setHeader("Allow", allow(t));
            plain(resp, 405, "A collection has no body to replace\n");
            return;
        }
        if (t.parent == null) {
            plain(resp, 409, "The parent collection does not exist\n");
            return;
        }
        if (req.getHeader("Content-Range") != null) {
            plain(resp, 400, "Partial PUT is not supported\n"); // RFC 9110 section 14.5
            return;
        }
        if (!preconditions(req, resp, t.resource) || !mayWrite(resp, current.get(), forWrite(current.get(), t, false))) {
            return;
        }
        String contentType = req.getContentType();
        if (contentType == null || contentType.isBlank()) {
            contentType = "application/octet-stream";
        }
        if (contentType.length() > DavRepository.MAX_CONTENT_TYPE) {
            plain(resp, 415, "Content-Type too long\n");
            return;
        }
        boolean calendar = t.parent.isCalendar();
        boolean book = t.parent.isAddressBook();
        if (inGroupware(t) && !calendar && !book) {
            locationError(resp, t); // objects go into a calendar or an address book, nothing else here
            return;
        }
        if (calendar && !contentType.toLowerCase(Locale.ROOT).startsWith("text/calendar")) {
            calError(resp, 403, "supported-calendar-data", "");
            return;
        }
        String lowerType = contentType.toLowerCase(Locale.ROOT);
        if (book && !lowerType.startsWith("text/vcard") && !lowerType.startsWith("text/x-vcard")) {
            cardError(resp, 403, "supported-address-data", "");
            return;
        }
        long limit = calendar ? Math.min(maxResource, MAX_CALENDAR_OBJECT) : book ? Math.min(maxResource, MAX_ADDRESS_OBJECT) : maxResource;
        if ((calendar || book) && req.getContentLengthLong() > limit) {
            if (calendar) {
                calError(resp, 403, "max-resource-size", "");
            } else {
                cardError(resp, 403, "max-resource-size", "");
            }
            return;
        }
        byte[] body = body(req, resp, limit);
        if (body == null) {
            return;
        }
        String uid = null;
        DavRepository.TimeSpan span = DavRepository.TimeSpan.UNKNOWN;
        if (book) {
            VCardObject card;
            try {
                card = VCardObject.parse(body);
            } catch (VCardObject.Invalid e) {
                cardError(resp, 403, e.precondition, "");
                return;
            }
            uid = card.uid;
            // REV says when the server last saw the card change: the stored body is not the one sent
            body = card.stored(Instant.now());
            contentType = "text/vcard; charset=utf-8";
        }
        if (calendar) {
            CalendarObject object = calendarObjectFor(resp, t.parent, body);
            if (object == null) {
                return;
            }
            uid = object.uid();
            span = object.span();
            contentType = "text/calendar; charset=utf-8";
        }
        DavRepository.Written w;
        try {
            w = repository.put(accountId, t.parent.id(), t.path.get(t.path.size() - 1), contentType, body, uid, span,
                    expectation(req, false));
        } catch (DuplicateKeyException e) {
            plain(resp, 405, "A collection has that name\n");
            return;
        } catch (org.postern.core.store.DavUidConflictException e) {
            List<String> existing = new ArrayList<>(t.path.segments().subList(0, t.path.size() - 1));
            existing.add(e.existingName());
            preconditionError(resp, 403, book ? CARDDAV : CALDAV, "no-uid-conflict",
                    "<D:href>" + DavXml.escapeText(DavPath.href(existing, false)) + "</D:href>");
            return;
        }
        if (!book) {
            // RFC 6352 section 6.3.2.3 (and RFC 4791 5.3.4): no ETag when what is stored differs from
            // what was sent, so that the client reads it back instead of keeping its own copy.
            resp.setHeader("ETag", quote(w.resource().etag()));
        }
        resp.setStatus(w.created() ? 201 : 204);
        resp.setContentLength(0);
    }

    /**
     * The vCard version an Accept header asks for ({@code text/vcard; version=4.0}), or null when
     * it names none Postern writes. Read by hand, bounded: no pattern sees the header.
     */
    static String vCardVersionAccepted(String accept) {
        if (accept == null || accept.length() > 1024) {
            return null;
        }
        for (String range : accept.split(",", 32)) {
            String[] parts = range.split(";", 16);
            if (!parts[0].trim().equalsIgnoreCase("text/vcard")) {
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim().replace("\"", "");
                if (p.regionMatches(true, 0, "version=", 0, 8) && VCardObject.VERSIONS.contains(p.substring(8).trim())) {
                    return p.substring(8).trim();
                }
            }
        }
        return null;
    }

    /**
     * A GET of a vCard in another version than stored: converted by ez-vcard, with an ETag of its
     * own (a strong ETag names one representation). False when the stored card is that version.
     */
    private boolean getVCard(HttpServletRequest req, HttpServletResponse resp, DavResourceRecord r, String accountId, String version,
            boolean withBody) throws IOException {
        Optional<byte[]> body = repository.body(accountId, r.id());
        if (body.isEmpty()) {
            return false;
        }
        byte[] out;
        try {
            if (VCardObject.parseStored(body.get()).version.equals(version)) {
                return false;
            }
            out = VCardObject.convert(body.get(), version);
        } catch (VCardObject.Invalid | RuntimeException e) {
            return false; // stored data that does not convert is given as it is
        }
        String etag = r.etag() + "-v" + version.charAt(0);
        String inm = req.getHeader("If-None-Match");
        if (inm != null && etagMatches(inm, etag)) {
            resp.setStatus(304);
            resp.setHeader("ETag", quote(etag));
            return true;
        }
        resp.setStatus(200);
        resp.setContentType("text/vcard; charset=utf-8; version=" + version);
        resp.setHeader("ETag", quote(etag));
        resp.setHeader("Last-Modified", HTTP_DATE.format(r.modified()));
        resp.setContentLength(out.length);
        if (withBody) {
            resp.getOutputStream().write(out);
        }
        return true;
    }

    private void delete(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        if (!t.exists()) {
            plain(resp, 404, "Not found\n");
            return;
        }
        if (t.kind != Kind.STORED || t.home()) {
            resp.setHeader("Allow", allow(t));
            plain(resp, 405, "This collection cannot be deleted\n");
            return;
        }
        String depth = req.getHeader("Depth");
        if (depth != null && !depth.equalsIgnoreCase("infinity")) {
            plain(resp, 400, "DELETE takes Depth: infinity only\n"); // RFC 4918 section 9.6.1
            return;
        }
        if (!preconditions(req, resp, t.resource) || !mayWrite(resp, current.get(), forRemoval(current.get(), t))) {
            return;
        }
        if (!repository.delete(accountId, t.resource.id(), expectation(req, t.resource.collection()))) {
            plain(resp, 404, "Not found\n");
            return;
        }
        repository.unlockAtOrUnder(accountId, key(t.path));
        resp.setStatus(204);
    }

    // ---- MKCOL, extended MKCOL (RFC 5689) and MKCALENDAR (RFC 4791 section 5.3.1) ----

    /** What a MKCOL or MKCALENDAR body asks for: the kind of collection, its components, its dead properties. */
    private record CollectionSpec(String kind, String components, List<DavRepository.Change> properties, List<Name> set) {
    }

    private static final Name SUPPORTED_COMPONENTS = new Name(CALDAV, "supported-calendar-component-set");
    private static final Name CALENDAR_TIMEZONE = new Name(CALDAV, "calendar-timezone");
    private static final Name CALENDAR_TIMEZONE_ID = new Name(CALDAV, "calendar-timezone-id");

    /**
     * A calendar's time zone (RFC 4791 section 5.2.2, RFC 7809 section 5.2), set or removed by
     * either property: both are stored, each matching the other. Null when the value is refused,
     * with the CalDAV precondition in {@code refused[0]}: {@code valid-timezone} for an id that
     * is not a standard zone, {@code valid-calendar-data} for anything but one VTIMEZONE.
     */
    /**
     * The zone a calendar-timezone-id (a standard TZID) or calendar-timezone (one VTIMEZONE)
     * element names: {tzid, the VCALENDAR defining it}, or null with the CalDAV precondition it
     * fails in {@code refused[0]}.
     */
    private static String[] timezone(Name n, Element p, String[] refused) {
        String value = p.getTextContent() == null ? "" : p.getTextContent();
        if (n.equals(CALENDAR_TIMEZONE_ID)) {
            Optional<Timezones.Zone> zone = Timezones.zone(value.trim());
            if (zone.isEmpty()) {
                refused[0] = "valid-timezone";
                return null;
            }
            return new String[] {zone.get().tzid(), new String(zone.get().calendar(), StandardCharsets.UTF_8)};
        }
        Optional<net.fortuna.ical4j.model.Calendar> calendar = value.length() > DavRepository.MAX_PROPERTY_XML / 2
                ? Optional.empty() : CalendarObject.build(value.getBytes(StandardCharsets.UTF_8));
        List<net.fortuna.ical4j.model.component.CalendarComponent> comps = calendar.isEmpty() ? List.of()
                : calendar.get().getComponents();
        if (comps.size() != 1 || !net.fortuna.ical4j.model.Component.VTIMEZONE.equals(comps.get(0).getName())
                || comps.get(0).getProperty(net.fortuna.ical4j.model.Property.TZID).isEmpty()) {
            refused[0] = "valid-calendar-data";
            return null;
        }
        return new String[] {comps.get(0).getProperty(net.fortuna.ical4j.model.Property.TZID)
                .map(x -> ((net.fortuna.ical4j.model.Property) x).getValue()).orElse(""), value};
    }

    private static List<DavRepository.Change> timezoneChanges(Name n, Element p, boolean set, String[] refused) {
        if (!set) {
            return List.of(new DavRepository.Change(CALDAV, CALENDAR_TIMEZONE.local, null),
                    new DavRepository.Change(CALDAV, CALENDAR_TIMEZONE_ID.local, null));
        }
        String[] zone = timezone(n, p, refused);
        if (zone == null) {
            return null;
        }
        String id = zone[0];
        String definition = zone[1];
        String tz = "<C:calendar-timezone xmlns:C=\"" + CALDAV + "\">" + DavXml.escapeText(definition) + "</C:calendar-timezone>";
        String tzid = "<C:calendar-timezone-id xmlns:C=\"" + CALDAV + "\">" + DavXml.escapeText(id) + "</C:calendar-timezone-id>";
        if (tz.length() > DavRepository.MAX_PROPERTY_XML || tzid.length() > DavRepository.MAX_PROPERTY_XML) {
            refused[0] = "valid-calendar-data";
            return null;
        }
        return List.of(new DavRepository.Change(CALDAV, CALENDAR_TIMEZONE.local, tz),
                new DavRepository.Change(CALDAV, CALENDAR_TIMEZONE_ID.local, tzid));
    }

    /**
     * The body of a MKCOL ({@code root} DAV:mkcol) or MKCALENDAR (CALDAV:mkcalendar), or null after
     * answering. A MKCOL names its kind by DAV:resourcetype; a MKCALENDAR makes a calendar.
     */
    private CollectionSpec collectionSpec(HttpServletResponse resp, Element root, boolean calendar) throws IOException {
        String kind = calendar ? DavResourceRecord.CALENDAR : null;
        String components = null;
        List<DavRepository.Change> props = new ArrayList<>();
        List<Name> set = new ArrayList<>();
        List<Element> timezones = new ArrayList<>(); // decided once the kind is known
        for (Element op : DavXml.children(root)) {
            Element prop = DavXml.is(op, DavXml.DAV, "set") ? DavXml.child(op, DavXml.DAV, "prop") : null;
            if (prop == null) {
                continue;
            }
            for (Element p : DavXml.children(prop)) {
                Name n = new Name(DavXml.namespace(p), p.getLocalName());
                set.add(n);
                if (n.equals(RESOURCETYPE) && !calendar) {
                    boolean collection = false;
                    for (Element type : DavXml.children(p)) {
                        if (DavXml.is(type, DavXml.DAV, "collection")) {
                            collection = true;
                        } else if (DavXml.is(type, CALDAV, "calendar") && kind == null) {
                            kind = DavResourceRecord.CALENDAR;
                        } else if (DavXml.is(type, CARDDAV, "addressbook") && kind == null) {
                            kind = DavResourceRecord.ADDRESSBOOK;
                        } else {
                            error(resp, 403, "valid-resourcetype"); // RFC 5689 section 3.3
                            return null;
                        }
                    }
                    if (!collection) {
                        error(resp, 403, "valid-resourcetype");
                        return null;
                    }
                } else if (n.equals(SUPPORTED_COMPONENTS)) {
                    List<String> comps = new ArrayList<>();
                    for (Element comp : DavXml.children(p)) {
                        String name = comp.getAttribute("name").toUpperCase(Locale.ROOT);
                        if (!CalendarObject.TYPES.contains(name)) {
                            calError(resp, 403, "supported-calendar-component", "");
                            return null;
                        }
                        if (!comps.contains(name)) {
                            comps.add(name);
                        }
                    }
                    if (comps.isEmpty()) {
                        calError(resp, 403, "supported-calendar-component", "");
                        return null;
                    }
                    components = String.join(",", comps);
                } else if (LIVE_SET.contains(n)) {
                    error(resp, 403, "cannot-modify-protected-property");
                    return null;
                } else if (n.equals(CALENDAR_TIMEZONE) || n.equals(CALENDAR_TIMEZONE_ID)) {
                    timezones.add(p);
                } else {
                    String xml = DavXml.serialize(p);
                    if (n.ns.length() > DavRepository.MAX_PROPERTY_NAME || n.local.length() > DavRepository.MAX_PROPERTY_NAME
                            || xml.length() > DavRepository.MAX_PROPERTY_XML || props.size() >= DavRepository.MAX_PROPERTIES) {
                        plain(resp, 507, "Property too large\n");
                        return null;
                    }
                    props.add(new DavRepository.Change(n.ns, n.local, xml));
                }
            }
        }
        if (components != null && !DavResourceRecord.CALENDAR.equals(kind)) {
            error(resp, 403, "valid-resourcetype"); // components belong to calendars
            return null;
        }
        if (DavResourceRecord.CALENDAR.equals(kind) && components == null) {
            components = "VEVENT";
        }
        for (Element p : timezones) {
            Name n = new Name(DavXml.namespace(p), p.getLocalName());
            if (DavResourceRecord.CALENDAR.equals(kind)) {
                String[] refused = new String[1];
                List<DavRepository.Change> tz = timezoneChanges(n, p, true, refused);
                if (tz == null) {
                    calError(resp, 403, refused[0], "");
                    return null;
                }
                props.addAll(tz);
            } else {
                String xml = DavXml.serialize(p); // not a calendar: a dead property like any other
                if (xml.length() > DavRepository.MAX_PROPERTY_XML || props.size() >= DavRepository.MAX_PROPERTIES) {
                    plain(resp, 507, "Property too large\n");
                    return null;
                }
                props.add(new DavRepository.Change(n.ns, n.local, xml));
            }
        }
        return new CollectionSpec(kind, components, props, set);
    }

    private void mkcol(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        makeCollection(req, resp, t, accountId, false);
    }

    private void mkcalendar(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId) throws IOException {
        makeCollection(req, resp, t, accountId, true);
    }

    private void makeCollection(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId, boolean calendar)
            throws IOException {
        if (t.exists() || t.kind != Kind.STORED) {
            resp.setHeader("Allow", allow(t));
            plain(resp, t.kind == Kind.NOT_FOUND ? 404 : 405, t.kind == Kind.NOT_FOUND ? "Not found\n" : "It exists\n");
            return;
        }
        CollectionSpec spec = new CollectionSpec(calendar ? DavResourceRecord.CALENDAR : null, calendar ? "VEVENT" : null,
                List.of(), List.of());
        boolean extended = false;
        if (req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null) {
            byte[] body = body(req, resp, maxXml);
            if (body == null) {
                return;
            }
            if (body.length > 0) {
                Element root;
                if (calendar) {
                    root = xml(resp, body);
                    if (root == null) {
                        return;
                    }
                } else {
                    try {
                        root = DavXml.parse(body).getDocumentElement();
                    } catch (DavXml.BadXml e) {
                        // RFC 4918 section 9.3: a MKCOL body the server does not understand is a 415
                        plain(resp, 415, "Expected DAV:mkcol\n");
                        return;
                    }
                }
                if (calendar ? !DavXml.is(root, CALDAV, "mkcalendar") : !DavXml.is(root, DavXml.DAV, "mkcol")) {
                    // RFC 5689 section 3: a MKCOL body Postern does not know is a 415
                    plain(resp, calendar ? 400 : 415, calendar ? "Expected CALDAV:mkcalendar\n" : "Expected DAV:mkcol\n");
                    return;
                }
                spec = collectionSpec(resp, root, calendar);
                if (spec == null) {
                    return;
                }
                extended = !calendar;
            }
        }
        // Calendars and address books live right in their homes, and nothing else lives there.
        boolean groupwareKind = spec.kind != null;
        boolean rightHome = DavResourceRecord.CALENDAR.equals(spec.kind) ? inCalendars(t) && t.size() == 3
                : DavResourceRecord.ADDRESSBOOK.equals(spec.kind) ? inAddressBooks(t) && t.size() == 3 : !inGroupware(t);
        if (!rightHome || t.parent == null && groupwareKind) {
            if (DavResourceRecord.ADDRESSBOOK.equals(spec.kind)) {
                cardError(resp, 403, "addressbook-collection-location-ok", "");
            } else if (DavResourceRecord.CALENDAR.equals(spec.kind)) {
                calError(resp, 403, "calendar-collection-location-ok", "");
            } else {
                locationError(resp, t);
            }
            return;
        }
        if (t.parent == null) {
            plain(resp, 409, "The parent collection does not exist\n");
            return;
        }
        if (!mayWrite(resp, current.get(), forWrite(current.get(), t, false))) {
            return;
        }
        DavResourceRecord created;
        try {
            created = repository.createCollection(accountId, t.parent.id(), t.path.get(t.path.size() - 1), spec.kind, spec.components);
        } catch (DuplicateKeyException e) {
            plain(resp, 405, "It exists\n");
            return;
        }
        if (!spec.properties.isEmpty()) {
            repository.patchProperties(accountId, created.id(), spec.properties);
        }
        resp.setHeader("Cache-Control", "no-cache");
        if (!extended || spec.set.isEmpty()) {
            resp.setStatus(201);
            resp.setContentLength(0);
            return;
        }
        // RFC 5689 section 3.2: an extended MKCOL answers with what became of each property it set
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:mkcol-response xmlns:D=\"DAV:\">"
                + "<D:propstat><D:prop>");
        for (Name n : spec.set) {
            b.append(DavXml.emptyElement(n.ns, n.local));
        }
        b.append("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:mkcol-response>\n");
        byte[] out = b.toString().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(201);
        resp.setContentType("application/xml; charset=utf-8");
        resp.setContentLength(out.length);
        resp.getOutputStream().write(out);
    }

    /** An error body whose precondition is CalDAV's (RFC 4791 section 1.3). */
    static void calError(HttpServletResponse resp, int status, String condition, String inner) throws IOException {
        preconditionError(resp, status, CALDAV, condition, inner);
    }

    /** An error body whose precondition is CardDAV's (RFC 6352 section 6.3.2.1). */
    static void cardError(HttpServletResponse resp, int status, String condition, String inner) throws IOException {
        preconditionError(resp, status, CARDDAV, condition, inner);
    }

    /** The refusal of something that may not be made where it was asked for, in the tree's own terms. */
    static void locationError(HttpServletResponse resp, Target t) throws IOException {
        if (inAddressBooks(t)) {
            cardError(resp, 403, "addressbook-collection-location-ok", "");
        } else {
            calError(resp, 403, "calendar-collection-location-ok", "");
        }
    }

    private static void preconditionError(HttpServletResponse resp, int status, String ns, String condition, String inner)
            throws IOException {
        byte[] b = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\" xmlns:C=\"" + ns + "\"><C:" + condition
                + (inner.isEmpty() ? "/>" : ">" + inner + "</C:" + condition + ">") + "</D:error>\n").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/xml; charset=utf-8");
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    // ---- COPY and MOVE ----

    /**
     * {@code body} as an object of {@code calendar}, or null after refusing it with the CalDAV
     * precondition it fails (not a calendar object, or a component type the calendar does not take).
     */
    private static CalendarObject calendarObjectFor(HttpServletResponse resp, DavResourceRecord calendar, byte[] body)
            throws IOException {
        CalendarObject object;
        try {
            object = CalendarObject.parse(body);
        } catch (CalendarObject.Invalid e) {
            calError(resp, 403, e.precondition, "");
            return null;
        }
        String taken = calendar.components() == null ? "" : calendar.components();
        if (!java.util.Arrays.asList(taken.split(",")).contains(object.component())) {
            calError(resp, 403, "supported-calendar-component", "");
            return null;
        }
        return object;
    }

    private void copyOrMove(HttpServletRequest req, HttpServletResponse resp, Target t, String accountId, boolean move)
            throws IOException {
        if (!t.exists()) {
            plain(resp, 404, "Not found\n");
            return;
        }
        if (t.kind != Kind.STORED || (move && t.home())) {
            resp.setHeader("Allow", allow(t));
            plain(resp, 405, "This resource cannot be " + (move ? "moved" : "copied") + "\n");
            return;
        }
        String destination = req.getHeader("Destination");
        if (destination == null) {
            plain(resp, 400, "Destination header required\n");
            return;
        }
        URI uri;
        try {
            uri = new URI(destination.trim());
        } catch (URISyntaxException e) {
            plain(resp, 400, "Bad Destination header\n");
            return;
        }
        if (uri.getRawAuthority() != null) {
            String host = req.getHeader("Host");
            if (host == null || !host.equalsIgnoreCase(uri.getRawAuthority())) {
                plain(resp, 502, "The destination is on another server\n");
                return;
            }
        }
        String rawPath = uri.getRawPath();
        if (rawPath == null || !rawPath.startsWith(req.getContextPath())) {
            plain(resp, 400, "Bad Destination header\n");
            return;
        }
        Optional<DavPath> destPath = DavPath.parse(rawPath.substring(req.getContextPath().length()));
        if (destPath.isEmpty()) {
            plain(resp, 400, "Bad Destination header\n");
            return;
        }
        Target d = resolve(destPath.get(), accountId);
        if (d.kind != Kind.STORED || d.home()) {
            plain(resp, 403, "The destination is not writable\n");
            return;
        }
        if (inGroupware(t) || inGroupware(d)) {
            // Within one tree: a calendar or address book renamed in its home, or an object renamed
            // in its collection. Anything else would need the checks a PUT makes (UID, component, data).
            boolean sameTree = inGroupware(t) && inGroupware(d) && t.path.get(0).equals(d.path.get(0));
            boolean collectionRenamed = sameTree && (t.resource.isCalendar() || t.resource.isAddressBook()) && t.size() == 3
                    && d.size() == 3;
            // An object into another collection of its kind, or renamed in its own. The store keeps
            // each UID once per collection (a COPY beside itself is a UID conflict); the component
            // type is checked here, as a PUT checks it.
            boolean objectMoved = sameTree && !t.collection() && d.parent != null && t.parent != null
                    && (t.parent.isCalendar() && d.parent.isCalendar() || t.parent.isAddressBook() && d.parent.isAddressBook());
            if (!collectionRenamed && !objectMoved) {
                locationError(resp, inGroupware(d) ? d : t);
                return;
            }
            if (objectMoved && d.parent.isCalendar() && !d.parent.id().equals(t.parent.id())
                    && calendarObjectFor(resp, d.parent, repository.body(accountId, t.resource.id()).orElse(new byte[0])) == null) {
                return;
            }
        }
        String depth = req.getHeader("Depth");
        boolean deep = true;
        if (depth != null) {
            if (depth.equals("0") && !move) {
                deep = false;
            } else if (!depth.equalsIgnoreCase("infinity")) {
                plain(resp, 400, "Bad Depth header\n");
                return;
            }
        }
        List<String> src = t.path.segments();
        List<String> dst = d.path.segments();
        if (src.equals(dst)) {
            plain(resp, 403, "Source and destination are the same\n");
            return;
        }
        if (t.collection() && dst.size() > src.size() && dst.subList(0, src.size()).equals(src)) {
            plain(resp, 409, "A collection cannot go inside itself\n");
            return;
        }
        if (d.parent == null) {
            plain(resp, 409, "The destination's parent collection does not exist\n");
            return;
        }
        boolean existed = d.resource != null;
        String overwrite = req.getHeader("Overwrite");
        if (overwrite != null && !overwrite.trim().equalsIgnoreCase("T") && !overwrite.trim().equalsIgnoreCase("F")) {
            plain(resp, 400, "Overwrite must be T or F\n");
            return;
        }
        if (existed && overwrite != null && overwrite.trim().equalsIgnoreCase("F")) {
            plain(resp, 412, "The destination exists and Overwrite is F\n");
            return;
        }
        if (existed && dst.size() < src.size() && src.subList(0, dst.size()).equals(dst)) {
            plain(resp, 409, "The destination contains the source\n");
            return;
        }
        Conditions cond = current.get();
        List<DavLock> needed = forWrite(cond, d, existed);
        if (move) {
            needed = union(forRemoval(cond, t), needed);
        }
        if (!mayWrite(resp, cond, needed)) {
            return;
        }
        String name = dst.get(dst.size() - 1);
        String replace = existed ? d.resource.id() : null;
        try {
            if (move) {
                repository.move(accountId, t.resource.id(), d.parent.id(), name, replace);
                repository.unlockAtOrUnder(accountId, key(t.path)); // section 7.7: locks stay with the URL, not the resource
            } else {
                repository.copy(accountId, t.resource.id(), d.parent.id(), name, deep, replace);
            }
            if (existed) {
                repository.unlockAtOrUnder(accountId, key(d.path)); // section 9.9.4: the replaced resource's locks go
            }
        } catch (DuplicateKeyException e) {
            plain(resp, 412, "The destination was created meanwhile\n");
            return;
        } catch (org.postern.core.store.DavUidConflictException e) {
            List<String> existing = new ArrayList<>(dst.subList(0, dst.size() - 1));
            existing.add(e.existingName());
            preconditionError(resp, 403, d.parent.isAddressBook() ? CARDDAV : CALDAV, "no-uid-conflict",
                    "<D:href>" + DavXml.escapeText(DavPath.href(existing, false)) + "</D:href>");
            return;
        }
        resp.setStatus(existed ? 204 : 201);
        resp.setContentLength(0);
    }

    // ---- answers ----

    static void plain(HttpServletResponse resp, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("text/plain; charset=utf-8");
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    /** An RFC 4918 section 16 error body with one precondition element. */
    static void error(HttpServletResponse resp, int status, String condition) throws IOException {
        error(resp, status, condition, "");
    }

    /** The same with content in the precondition element (the hrefs it names). */
    static void error(HttpServletResponse resp, int status, String condition, String inner) throws IOException {
        byte[] b = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\"><D:" + condition
                + (inner.isEmpty() ? "/>" : ">" + inner + "</D:" + condition + ">") + "</D:error>\n").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/xml; charset=utf-8");
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    /**
     * A 207 body, streamed: each response element is written as it is made, so a listing of many
     * members never sits in memory whole.
     */
    static final class Multistatus {
        private final HttpServletResponse resp;
        private java.io.Writer out;

        Multistatus(HttpServletResponse resp) {
            this.resp = resp;
        }

        private java.io.Writer out() throws IOException {
            if (out == null) {
                resp.setStatus(207);
                resp.setContentType("application/xml; charset=utf-8");
                out = new java.io.BufferedWriter(new java.io.OutputStreamWriter(resp.getOutputStream(), StandardCharsets.UTF_8), 16 * 1024);
                out.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">");
            }
            return out;
        }

        void response(String href, Map<Integer, List<String>> byStatus) throws IOException {
            response(href, byStatus, Map.of());
        }

        void response(String href, Map<Integer, List<String>> byStatus, Map<Integer, String> errors) throws IOException {
            java.io.Writer b = out();
            b.append("<D:response><D:href>").append(DavXml.escapeText(href)).append("</D:href>");
            for (Map.Entry<Integer, List<String>> e : byStatus.entrySet()) {
                b.append("<D:propstat><D:prop>");
                for (String p : e.getValue()) {
                    b.append(p);
                }
                b.append("</D:prop><D:status>HTTP/1.1 ").append(String.valueOf(e.getKey())).append(' ').append(reason(e.getKey()))
                        .append("</D:status>");
                String err = errors.get(e.getKey());
                if (err != null) {
                    b.append("<D:error>").append(err).append("</D:error>");
                }
                b.append("</D:propstat>");
            }
            b.append("</D:response>");
        }

        /** Responses already written as XML. */
        void raw(String xml) throws IOException {
            out().append(xml);
        }

        /** A response with a status and no properties (a member that is gone, a truncated listing). */
        void status(String href, int status) throws IOException {
            status(href, status, "");
        }

        /** A response with a status and {@code error} (already XML: a DAV:error element, or empty). */
        void status(String href, int status, String error) throws IOException {
            out().append("<D:response><D:href>").append(DavXml.escapeText(href)).append("</D:href><D:status>HTTP/1.1 ")
                    .append(String.valueOf(status)).append(' ').append(reason(status)).append("</D:status>").append(error)
                    .append("</D:response>");
        }

        void send(HttpServletResponse ignored) throws IOException {
            send(ignored, "");
        }

        /** Ends the body, with {@code trailer} (already XML) after the last response. */
        void send(HttpServletResponse ignored, String trailer) throws IOException {
            out().append(trailer).append("</D:multistatus>\n");
            out.flush();
        }

        private static String reason(int status) {
            return switch (status) {
                case 200 -> "OK";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 424 -> "Failed Dependency";
                case 507 -> "Insufficient Storage";
                default -> "Status";
            };
        }
    }
}
