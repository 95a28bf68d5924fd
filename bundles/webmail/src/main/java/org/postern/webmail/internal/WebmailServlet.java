package org.postern.webmail.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.Servlet;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.jsoup.Jsoup;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.api.mail.SendingServer;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountService;
import org.postern.api.policy.CatchAllMode;
import org.postern.api.policy.PolicyRules;
import org.postern.core.auth.AppPassword;
import org.postern.core.auth.AppPasswords;
import org.postern.core.auth.NewAppPassword;
import org.postern.core.groupware.Groupware;
import org.postern.core.submission.Submission;
import org.postern.core.submission.SubmissionException;
import org.postern.mailauth.OrganizationalDomain;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.DataDirectory;
import org.postern.core.store.AccountSettingRepository;
import org.postern.core.store.ServiceNoticeRepository;
import org.postern.core.store.TotpRepository;
import org.postern.api.webmail.Theme;
import org.postern.mime.ReadableMessage;
import org.postern.webmail.internal.WebSessions.WebSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webmail under {@code /mail/}: login, folders, the message list, reading, and the actions on
 * messages. Every page is plain HTML that works with no script, CSS or frames (DESIGN section 7);
 * rich mode only adds the theme's style sheet. State changes only on POST with the session's
 * anti-CSRF token; a GET never changes anything, which is why opening a message from the list is
 * a form button (it marks the message read) and the message page itself is a plain GET.
 */
@Component(service = Servlet.class, configurationPid = WebmailConfig.PID, property = {
    "osgi.http.whiteboard.servlet.pattern=/mail/*",
    "osgi.http.whiteboard.servlet.pattern=/mail",
    "osgi.http.whiteboard.servlet.name=postern-webmail",
    "osgi.http.whiteboard.servlet.asyncSupported=true",
    // Attachments are uploaded with the compose form. Held in memory up to the request limit, never
    // spooled to disk: no upload file can outlive its request, whatever way the request ends.
    "osgi.http.whiteboard.servlet.multipart.enabled=true",
    "osgi.http.whiteboard.servlet.multipart.fileSizeThreshold=" + WebmailServlet.MAX_UPLOAD,
    "osgi.http.whiteboard.servlet.multipart.maxFileSize=" + WebmailServlet.MAX_UPLOAD,
    "osgi.http.whiteboard.servlet.multipart.maxRequestSize=" + WebmailServlet.MAX_UPLOAD})
@Designate(ocd = WebmailConfig.class)
public class WebmailServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The largest compose form, attachments included (25 MiB: what most providers accept). */
    static final int MAX_UPLOAD = 25 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(WebmailServlet.class);

    static final String SESSION_COOKIE = "postern_session";
    static final String PRE_COOKIE = "postern_pre";
    static final String MODE_COOKIE = "postern_mode";
    static final String PENDING_COOKIE = "postern_pending";
    private static final String OUTCOME = WebmailServlet.class.getName() + ".outcome";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);
    /** Until an account chooses its own. */
    static final java.time.ZoneId DEFAULT_ZONE = java.time.ZoneId.of("UTC");
    static final String ZONE_SETTING = "webmail.timezone";
    /** The longest header read for a row of the message list. */
    private static final int MAX_LIST_HEADER = 64 * 1024;
    /** The longest address and password accepted from the login form (longer ones cannot be right). */
    private static final int MAX_CREDENTIAL = 1024;

    private final transient Authenticator authenticator;
    private final transient Mailboxes mailboxes;
    /** Envelopes read for conversations, kept per folder (bounded). */
    private final transient Conversations conversations;
    /** The most messages one action names (a long conversation, or a whole page of them). */
    private static final int MAX_PICKED = 10_000;
    private final transient SecondFactor secondFactor;
    private final transient AccountSettingRepository accountSettings;
    private final transient ServiceNoticeRepository notices;
    /** The notices as last read, and when: every page shows their number, so they are cached briefly. */
    private transient volatile Object[] noticeCache = {0L, List.of()};
    private static final long NOTICE_CACHE_MILLIS = 30_000;
    private final transient Themes themes;
    static final String THEME_SETTING = "webmail.theme";

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTheme(Theme theme, Map<String, Object> properties) {
        themes.add(theme, properties);
    }

    void removeTheme(Theme theme) {
        themes.remove(theme);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile Submission submission;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    private transient volatile PolicyRules rules;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile AppPasswords appPasswords;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile Groupware groupware;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile AccountService accounts;

    /** Names a locked account whose password was right, so its user sees why instead of "wrong password". */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile org.postern.core.auth.WebmailAuthenticator webmailAuthenticator;

    /** Why an account is locked (expiry or the operator), for that page; absent without billing. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile org.postern.core.billing.BillingService billing;
    private final String totpIssuer;
    private final transient WebSessions sessions;
    private final transient Pages pages = new Pages();
    private final transient ScheduledExecutorService sweeper;
    private final int pageSize;
    private final String cookieSecure;
    private final long maxMessageShown;
    private final int maxTextChars;

    @Activate
    public WebmailServlet(@Reference(target = CoreService.TARGET) Authenticator authenticator,
            @Reference(target = CoreService.TARGET) Mailboxes mailboxes, @Reference TotpRepository totp,
            @Reference AccountSettingRepository accountSettings, @Reference ServiceNoticeRepository notices,
            WebmailConfig config) {
        this.notices = notices;
        this.authenticator = authenticator;
        this.mailboxes = mailboxes;
        this.conversations = new Conversations(mailboxes);
        this.accountSettings = accountSettings;
        String defaultTheme = config.theme_default().strip();
        if (!Themes.validName(defaultTheme)) {
            throw new IllegalArgumentException("theme.default must be 1 to 32 of a-z 0-9 -: " + defaultTheme);
        }
        this.themes = new Themes(defaultTheme);
        this.secondFactor = new SecondFactor(totp, TotpSealer.loadOrCreate(DataDirectory.resolve().resolve("webmail").resolve("totp.key")),
                Clock.systemUTC());
        this.totpIssuer = config.totp_issuer().isBlank() ? "Postern" : config.totp_issuer().strip();
        this.sessions = new WebSessions(TimeUnit.MINUTES.toMillis(within(config.session_idle_minutes(), 1, 1440, "session.idle.minutes")),
                TimeUnit.HOURS.toMillis(within(config.session_absolute_hours(), 1, 720, "session.absolute.hours")),
                within(config.sessions_per_account(), 1, 1000, "sessions.per.account"));
        this.pageSize = within(config.page_size(), 10, 500, "page.size");
        String secure = config.cookie_secure().strip().toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "true", "false").contains(secure)) {
            throw new IllegalArgumentException("cookie.secure must be auto, true or false");
        }
        this.cookieSecure = secure;
        this.maxMessageShown = Math.max(1024, config.max_message_shown());
        this.maxTextChars = Math.max(1000, config.max_text_chars());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-webmail-sessions");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(() -> sessions.sweep(System.currentTimeMillis()), 1, 1, TimeUnit.MINUTES);
    }

    private static int within(int v, int min, int max, String name) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ": " + v);
        }
        return v;
    }

    @Deactivate
    void deactivate() {
        sweeper.shutdownNow();
        sessions.endEverything();
    }

    // ---- dispatch ----

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        securityHeaders(resp);
        Object outcome = req.getAttribute(OUTCOME);
        if (outcome != null) {
            req.removeAttribute(OUTCOME);
            Outcome o = (Outcome) outcome;
            if (o.purpose.equals("password")) {
                passwordChecked(req, resp, o);
            } else {
                loggedIn(req, resp, o);
            }
            return;
        }
        String method = req.getMethod();
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        if (req.getServletPath().equals("/mail") && path.isEmpty() && req.getRequestURI().equals("/mail")) {
            redirect(resp, "/mail/");
            return;
        }
        boolean get = method.equals("GET") || method.equals("HEAD");
        boolean post = method.equals("POST");
        if (!get && !post) {
            resp.setHeader("Allow", "GET, HEAD, POST");
            error(req, resp, 405, "This page cannot be used that way.");
            return;
        }
        // Reading any parameter parses the body, and a multipart body is held in memory (up to
        // MAX_UPLOAD): only the compose form of a logged-in session may send one, one at a time
        // per session and MAX_UPLOADS at once in all. Checked before any parameter is read.
        String type = req.getContentType();
        if (type != null && type.regionMatches(true, 0, "multipart/", 0, 10)) {
            WebSession owner = post && path.equals("/compose") ? sessions.find(cookie(req, SESSION_COOKIE), System.currentTimeMillis()) : null;
            if (owner == null) {
                error(req, resp, 415, "This page takes no uploads.");
                return;
            }
            if (!owner.uploading.compareAndSet(false, true)) {
                error(req, resp, 429, "Another upload of yours is still running; wait for it to end.");
                return;
            }
            try {
                if (!uploads.tryAcquire()) {
                    resp.setHeader("Retry-After", "30");
                    error(req, resp, 503, "The service is busy; please try again in a minute.");
                    return;
                }
                try {
                    dispatch(req, resp, path, get, post);
                } finally {
                    uploads.release();
                }
            } finally {
                owner.uploading.set(false);
            }
            return;
        }
        dispatch(req, resp, path, get, post);
    }

    /** Uploads held in memory at once, in all (each up to {@link #MAX_UPLOAD}). */
    private static final int MAX_UPLOADS = 4;
    private final transient java.util.concurrent.Semaphore uploads = new java.util.concurrent.Semaphore(MAX_UPLOADS);

    private void dispatch(HttpServletRequest req, HttpServletResponse resp, String path, boolean get, boolean post)
            throws IOException {
        try {
            route(req, resp, path, get, post);
        } catch (RuntimeException e) {
            // Jetty's refusal of a form or upload over its limits, at the first parameter read:
            // an IllegalStateException (multipart) or its BadMessageException (a form)
            boolean refusedForm = e instanceof IllegalStateException || e.getClass().getSimpleName().equals("BadMessageException");
            if (!refusedForm || resp.isCommitted()) {
                throw e;
            }
            error(req, resp, 413, "The form is too large (attachments: " + (MAX_UPLOAD >> 20) + " MB at most together).");
        }
    }

    /** Requests that read whole messages (up to max.message.shown each) at once, in all. */
    private static final int MAX_HEAVY = 8;
    private final transient java.util.concurrent.Semaphore heavy = new java.util.concurrent.Semaphore(MAX_HEAVY);

    private void route(HttpServletRequest req, HttpServletResponse resp, String path, boolean get, boolean post)
            throws IOException {
        if (path.equals("/read") || path.equals("/html") || path.equals("/part") || path.equals("/search")
                || path.equals("/compose")) {
            boolean admitted;
            try {
                admitted = heavy.tryAcquire(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                admitted = false;
            }
            if (!admitted) {
                resp.setHeader("Retry-After", "10");
                error(req, resp, 503, "The service is busy; please try again in a moment.");
                return;
            }
            try {
                routeAdmitted(req, resp, path, get, post);
            } finally {
                heavy.release();
            }
            return;
        }
        routeAdmitted(req, resp, path, get, post);
    }

    private void routeAdmitted(HttpServletRequest req, HttpServletResponse resp, String path, boolean get, boolean post)
            throws IOException {
        if (path.equals("/base.css") || path.equals("/theme.css") || path.equals("/swatch")) {
            if (!get) {
                methodNotAllowed(req, resp, "GET");
            } else {
                themeResource(path, req, resp);
            }
            return;
        }
        boolean text = mode(req, resp);
        WebSession s = sessions.find(cookie(req, SESSION_COOKIE), System.currentTimeMillis());
        try {
            switch (path) {
                case "", "/" -> {
                    if (!get) {
                        methodNotAllowed(req, resp, "GET");
                    } else if (s == null) {
                        loginPage(req, resp, text, null, 200);
                    } else {
                        redirect(resp, "/mail/list?f=INBOX");
                    }
                }
                case "/login" -> {
                    if (!post) {
                        redirect(resp, "/mail/");
                    } else {
                        login(req, resp, text);
                    }
                }
                case "/totp" -> secondStep(req, resp, text, post);
                case "/logout", "/logout-all" -> acting(post, req, resp, s, text, (rq, rs, ss, t) -> logout(path, rq, rs, ss, t));
                case "/list" -> viewing(get, req, resp, s, text, this::list);
                case "/read" -> viewing(get, req, resp, s, text, this::read);
                case "/html" -> viewing(get, req, resp, s, text, (rq, rs, ss, t) -> html(rq, rs, ss));
                case "/part" -> viewing(get, req, resp, s, text, this::part);
                case "/search" -> viewing(get, req, resp, s, text, this::search);
                case "/notices" -> viewing(get, req, resp, s, text, this::notices);
                case "/settings" -> viewing(get, req, resp, s, text, (rq, rs, ss, t) -> settings(rq, rs, ss, t, null));
                case "/act" -> acting(post, req, resp, s, text, this::act);
                case "/theme" -> acting(post, req, resp, s, text, this::chooseTheme);
                case "/timezone" -> acting(post, req, resp, s, text, this::chooseZone);
                case "/apppw" -> acting(post, req, resp, s, text, this::appPassword);
                case "/password" -> acting(post, req, resp, s, text, this::changePassword);
                case "/catchall" -> acting(post, req, resp, s, text, this::catchAll);
                case "/block", "/blocklist" -> acting(post, req, resp, s, text, this::blockList);
                case "/compose" -> showingAndActing(get, req, resp, s, text, this::composeForm, this::composeSubmit);
                case "/totp-setup", "/totp-qr", "/totp-confirm", "/totp-disable" -> showingAndActing(get, req, resp, s, text,
                        (rq, rs, ss, t) -> totpSettings(path, true, rq, rs, ss, t),
                        (rq, rs, ss, t) -> totpSettings(path, false, rq, rs, ss, t));
                case "/calendar", "/tasks", "/contacts" -> {
                    Groupware g = groupware;
                    if (g == null && s != null) {
                        error(req, resp, 503, "Calendars, tasks and contacts are not available at the moment.");
                    } else {
                        showingAndActing(get, req, resp, s, text, (rq, rs, ss, t) -> groupwarePage(path, g, rq, rs, ss, t, ""),
                                (rq, rs, ss, t) -> groupwareAction(path, g, rq, rs, ss, t));
                    }
                }
                default -> error(req, resp, 404, "There is no such page.");
            }
        } catch (FolderNotFoundException | NumberFormatException gone) {
            error(req, resp, 404, "There is no such folder or message (it may have been moved or deleted).");
        }
    }

    /** What a page does for a logged-in session. */
    @FunctionalInterface
    private interface Handler {
        void handle(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException;
    }

    /** A page that only shows: GET, logged in. */
    private void viewing(boolean get, HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text, Handler h)
            throws IOException {
        if (!get) {
            methodNotAllowed(req, resp, "GET");
        } else if (s == null) {
            loginPage(req, resp, text, null, 401);
        } else {
            h.handle(req, resp, s, text);
        }
    }

    /** An action: POST, logged in, with the session's anti-CSRF token. */
    private void acting(boolean post, HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text, Handler h)
            throws IOException {
        if (!post) {
            methodNotAllowed(req, resp, "POST");
        } else if (s == null) {
            loginPage(req, resp, text, null, 401);
        } else if (!WebSessions.sameToken(s.csrf, req.getParameter("csrf"))) {
            forbidden(req, resp, s, text);
        } else {
            h.handle(req, resp, s, text);
        }
    }

    /** A page that shows on GET and acts on POST (with the token). */
    private void showingAndActing(boolean get, HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text,
            Handler show, Handler act) throws IOException {
        if (get) {
            viewing(true, req, resp, s, text, show);
        } else {
            acting(true, req, resp, s, text, act);
        }
    }

    private void logout(String path, HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        if (path.equals("/logout-all")) {
            sessions.endAll(s.accountId);
        } else {
            sessions.end(s);
        }
        conversations.forget(s.accountId);
        clearCookie(req, resp, SESSION_COOKIE);
        loginPage(req, resp, text, path.equals("/logout-all") ? "You are logged out of every session." : "You are logged out.", 200);
    }

    private void notices(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        Map<String, Object> m = model(req, text, s);
        List<Map<String, String>> shown = new ArrayList<>();
        for (ServiceNoticeRepository.Notice n : currentNotices()) {
            shown.add(Map.of("date", when(s, n.created()), "text", n.text()));
        }
        m.put("notices", shown);
        page(resp, 200, "notices", m);
    }

    private void methodNotAllowed(HttpServletRequest req, HttpServletResponse resp, String allow) throws IOException {
        resp.setHeader("Allow", allow.equals("GET") ? "GET, HEAD" : allow);
        error(req, resp, 405, "This page cannot be used that way.");
    }

    // ---- login ----

    private void loginPage(HttpServletRequest req, HttpServletResponse resp, boolean text, String notice, int status)
            throws IOException {
        String pre = cookie(req, PRE_COOKIE);
        if (pre == null || pre.length() != 43) {
            pre = WebSessions.randomToken();
            setCookie(req, resp, PRE_COOKIE, pre, "Strict");
        }
        Map<String, Object> m = model(req, text, null);
        m.put("csrf", pre);
        m.put("notice", notice == null ? "" : notice);
        m.put("user", "");
        page(resp, status, "login", m);
    }

    private void login(HttpServletRequest req, HttpServletResponse resp, boolean text) throws IOException {
        String pre = cookie(req, PRE_COOKIE);
        if (pre == null || !WebSessions.sameToken(pre, req.getParameter("csrf"))) {
            // a login form from another site, or a browser that refuses cookies
            loginPage(req, resp, text, "Your browser must accept cookies for this site; please try again.", 403);
            return;
        }
        String user = req.getParameter("user");
        String password = req.getParameter("password");
        if (user == null || password == null || user.isBlank() || password.isEmpty()
                || user.length() > MAX_CREDENTIAL || password.length() > MAX_CREDENTIAL) {
            loginFailed(req, resp, text, user);
            return;
        }
        req.setAttribute(OUTCOME + ".user", user.strip());
        checkPassword(req, user.strip(), password.toCharArray(), "login");
    }

    /**
     * Asks the authenticator about an account password (WEBMAIL) without holding a container
     * thread: an account password costs up to a CPU-second of Argon2id and a refused login waits.
     * The answer comes back as a re-dispatch of this request with an {@link Outcome} for
     * {@code purpose} ("login", "password").
     */
    private void checkPassword(HttpServletRequest req, String user, char[] secret, String purpose) throws IOException {
        InetAddress client = InetAddress.getByName(req.getRemoteAddr()); // an address literal: no lookup
        // An account password costs up to a CPU-second of Argon2id and a refused login waits:
        // neither may hold one of the container's threads. The answer comes back as a re-dispatch.
        AsyncContext async = req.startAsync();
        async.setTimeout(120_000);
        AtomicBoolean owned = new AtomicBoolean();
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (owned.compareAndSet(false, true)) {
                    HttpServletResponse r = (HttpServletResponse) event.getAsyncContext().getResponse();
                    r.setHeader("Retry-After", "30");
                    error(req, r, 503, "The service is busy; please try again in a minute.");
                    event.getAsyncContext().complete();
                }
            }

            @Override
            public void onError(AsyncEvent event) {
                owned.set(true);
            }

            @Override
            public void onComplete(AsyncEvent event) {
                owned.set(true);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // not restarted
            }
        });
        org.postern.core.auth.WebmailAuthenticator named = purpose.equals("login") ? webmailAuthenticator : null;
        java.util.concurrent.CompletionStage<org.postern.core.auth.WebmailAuthenticator.Result> asked = named != null
                ? named.login(user, secret, client)
                : authenticator.login(Protocol.WEBMAIL, user, secret, client)
                        .thenApply(l -> new org.postern.core.auth.WebmailAuthenticator.Result(l, Optional.empty()));
        asked.whenComplete((result, failure) -> {
            Arrays.fill(secret, '\0');
            Login l = result == null ? null : result.login().orElse(null);
            String locked = result == null ? null : result.lockedAccountId().orElse(null);
            if (!owned.compareAndSet(false, true)) {
                if (l != null) {
                    l.close(); // the request timed out or failed meanwhile: nothing to answer
                }
                return;
            }
            try {
                req.setAttribute(OUTCOME, new Outcome(l, failure, purpose, locked));
                async.dispatch();
            } catch (IllegalStateException ended) {
                if (l != null) {
                    l.close();
                }
            }
        });
    }

    /** @param lockedAccountId a locked account whose password was right (login purpose only), else null */
    private record Outcome(Login login, Throwable failure, String purpose, String lockedAccountId) {
    }

    private void loggedIn(HttpServletRequest req, HttpServletResponse resp, Outcome o) throws IOException {
        boolean text = mode(req, resp);
        String user = (String) req.getAttribute(OUTCOME + ".user");
        if (o.failure != null) {
            Throwable cause = o.failure instanceof CompletionException && o.failure.getCause() != null ? o.failure.getCause() : o.failure;
            if (!(cause instanceof AuthUnavailableException)) {
                LOG.warn("Postern webmail: login failed unexpectedly: {}", cause.toString());
            }
            resp.setHeader("Retry-After", "30");
            error(req, resp, 503, "The service is busy; please try again in a minute.");
            return;
        }
        if (o.login == null && o.lockedAccountId != null) {
            lockedLogin(req, resp, text, o.lockedAccountId, user);
            return;
        }
        if (o.login == null) {
            loginFailed(req, resp, text, user);
            return;
        }
        boolean twoStep;
        try {
            mailboxes.ensureDefaultFolders(o.login.accountId());
            twoStep = secondFactor.enabled(o.login.accountId());
        } catch (RuntimeException e) {
            o.login.close();
            throw e;
        }
        if (twoStep) {
            Object[] held = sessions.createPending(o.login, System.currentTimeMillis());
            setCookie(req, resp, PENDING_COOKIE, (String) held[0], "Strict");
            redirect(resp, "/mail/totp");
            return;
        }
        Object[] created = sessions.create(o.login, System.currentTimeMillis());
        rememberTheme((WebSession) created[1]);
        setCookie(req, resp, SESSION_COOKIE, (String) created[0], "Lax");
        redirect(resp, "/mail/list?f=INBOX");
    }

    /** The second step of a login with TOTP: a code from the app, or a recovery code. */
    private void secondStep(HttpServletRequest req, HttpServletResponse resp, boolean text, boolean post) throws IOException {
        long now = System.currentTimeMillis();
        WebSessions.Pending p = sessions.findPending(cookie(req, PENDING_COOKIE), now);
        if (p == null) {
            clearCookie(req, resp, PENDING_COOKIE);
            if (post) {
                loginPage(req, resp, text, "The login took too long; please log in again.", 200);
            } else {
                redirect(resp, "/mail/");
            }
            return;
        }
        if (!post) {
            totpPage(req, resp, text, p, "");
            return;
        }
        if (!WebSessions.sameToken(p.csrf, req.getParameter("csrf"))) {
            error(req, resp, 403, "This form has expired; go back, reload the page and try again.");
            return;
        }
        if (!secondFactor.verify(p.login.accountId(), req.getParameter("code"))) {
            if (sessions.failedAttempt(p)) {
                clearCookie(req, resp, PENDING_COOKIE);
                loginFailed(req, resp, text, null);
            } else {
                totpPage(req, resp, text, p, "That code is not right (or was used already); try the next one.");
            }
            return;
        }
        if (p.login instanceof LockedAccount locked) {
            sessions.endPending(p);
            clearCookie(req, resp, PENDING_COOKIE);
            lockedPage(req, resp, text, locked.accountId());
            return;
        }
        Object[] created = sessions.promote(p, now);
        clearCookie(req, resp, PENDING_COOKIE);
        if (created == null) {
            loginPage(req, resp, text, "The login took too long; please log in again.", 200);
            return;
        }
        rememberTheme((WebSession) created[1]);
        setCookie(req, resp, SESSION_COOKIE, (String) created[0], "Lax");
        redirect(resp, "/mail/list?f=INBOX");
    }

    /**
     * The right password of a locked account: after the second factor (when the account has one),
     * a page saying why and how to renew, never a session. Anyone without both factors gets the
     * same answer as a wrong password.
     */
    private void lockedLogin(HttpServletRequest req, HttpServletResponse resp, boolean text, String accountId, String user)
            throws IOException {
        if (secondFactor.enabled(accountId)) {
            org.postern.api.address.MailAddress address;
            try {
                address = org.postern.api.address.MailAddress.parse(user);
            } catch (IllegalArgumentException e) {
                loginFailed(req, resp, text, user);
                return;
            }
            Object[] held = sessions.createPending(new LockedAccount(accountId, address), System.currentTimeMillis());
            setCookie(req, resp, PENDING_COOKIE, (String) held[0], "Strict");
            redirect(resp, "/mail/totp");
            return;
        }
        lockedPage(req, resp, text, accountId);
    }

    private void lockedPage(HttpServletRequest req, HttpServletResponse resp, boolean text, String accountId) throws IOException {
        Map<String, Object> m = model(req, text, null);
        AccountService a = accounts;
        java.time.LocalDate expires = a == null ? null : a.get(accountId).map(org.postern.api.account.Account::expires).orElse(null);
        // the operator's lock unless the ledger says it expired: only then does a payment unlock it
        boolean byOperator = true;
        org.postern.core.billing.BillingService b = billing;
        if (b != null && a != null) {
            String address = a.get(accountId).map(x -> x.address().toString()).orElse(null);
            if (address != null) {
                byOperator = b.ledger(address).stream()
                        .filter(e -> e.kind() == org.postern.core.billing.LedgerEntry.Kind.LOCKED
                                || e.kind() == org.postern.core.billing.LedgerEntry.Kind.LOCKED_EXPIRED
                                || e.kind() == org.postern.core.billing.LedgerEntry.Kind.UNLOCKED)
                        .reduce((first, second) -> second)
                        .map(e -> e.kind() != org.postern.core.billing.LedgerEntry.Kind.LOCKED_EXPIRED).orElse(true);
            }
        }
        m.put("byOperator", byOperator);
        m.put("expires", expires == null ? "" : java.time.format.DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH)
                .format(expires));
        List<Map<String, String>> shown = new ArrayList<>();
        for (ServiceNoticeRepository.Notice n : currentNotices()) {
            shown.add(Map.of("date", when(null, n.created()), "text", n.text()));
        }
        m.put("notices", shown);
        page(resp, 200, "locked", m);
    }

    /** Holds a locked account's place in the second step: it is never made a session. */
    private record LockedAccount(String accountId, org.postern.api.address.MailAddress address) implements Login {
        @Override
        public Protocol protocol() {
            return Protocol.WEBMAIL;
        }

        @Override
        public boolean isRevoked() {
            return false;
        }

        @Override
        public void onRevoked(Runnable action) {
            // nothing to revoke: it grants nothing
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    private void rememberTheme(WebSession s) {
        try {
            s.theme = accountSettings.get(s.accountId, THEME_SETTING).orElse(null);
            s.zone = accountSettings.get(s.accountId, ZONE_SETTING).map(WebmailServlet::zone).orElse(DEFAULT_ZONE);
        } catch (RuntimeException e) {
            LOG.warn("Postern webmail: the account's settings could not be read: {}", e.toString());
        }
    }

    /** A time as every page shows it: in the account's time zone, which is named. */
    private static String when(WebSession s, java.time.Instant t) {
        return DATE.format(t.atZone(s == null ? DEFAULT_ZONE : s.zone));
    }

    /**
     * A region name of the tz database ({@code Europe/Berlin}) or UTC, as typed in Settings; null
     * for anything else. Looked up in the JDK's list, never parsed as a pattern: fixed offsets
     * would be wrong half of the year and are not offered.
     */
    static java.time.ZoneId zone(String typed) {
        if (typed == null) {
            return null;
        }
        String t = typed.strip();
        if (t.equalsIgnoreCase("UTC")) {
            return DEFAULT_ZONE;
        }
        return t.length() <= 64 && java.time.ZoneId.getAvailableZoneIds().contains(t) && t.indexOf('/') > 0 ? java.time.ZoneId.of(t) : null;
    }

    private void chooseZone(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        java.time.ZoneId z = zone(req.getParameter("zone"));
        if (z == null) {
            settings(req, resp, s, text, "Not changed: give a time zone as the tz database names it, such as Europe/Berlin or "
                    + "America/New_York, or UTC.");
            return;
        }
        accountSettings.put(s.accountId, ZONE_SETTING, z.getId());
        sessions.forAccount(s.accountId, x -> x.zone = z);
        settings(req, resp, s, text, "Dates are now shown in " + z.getId() + ".");
    }

    private void totpPage(HttpServletRequest req, HttpServletResponse resp, boolean text, WebSessions.Pending p, String notice)
            throws IOException {
        Map<String, Object> m = model(req, text, null);
        m.put("csrf", p.csrf);
        m.put("notice", notice);
        page(resp, 200, "totp", m);
    }


    // ---- compose and send ----

    /** The compose form's fields: what the user typed, plus where its carried attachments and replaced draft are. */
    private static final List<String> COMPOSE_FIELDS = List.of("from", "to", "cc", "bcc", "subject", "body", "inReplyTo",
            "references", "rf", "rv", "ru", "sf", "sv", "su", "df", "dv", "du");

    private void composeForm(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        Map<String, Object> m = model(req, text, s);
        Map<String, String> form = new HashMap<>();
        for (String k : COMPOSE_FIELDS) {
            form.put(k, "");
        }
        form.put("from", s.address);
        List<Map<String, Object>> carried = List.of();
        String mode = req.getParameter("mode");
        if (mode != null && req.getParameter("f") != null) {
            String folder = Mailboxes.canonicalName(required(req, "f"));
            long uidValidity = Long.parseLong(required(req, "v"));
            long uid = Long.parseLong(required(req, "u"));
            Optional<MessageInfo> info = find(s.accountId, folder, uidValidity, uid);
            Optional<InputStream> in = info.isEmpty() || info.get().size() > maxMessageShown ? Optional.empty()
                    : mailboxes.open(s.accountId, folder, uidValidity, uid);
            if (in.isEmpty()) {
                error(req, resp, 404, "There is no such folder or message (it may have been moved or deleted).");
                return;
            }
            byte[] raw;
            try (InputStream body = in.get()) {
                raw = body.readAllBytes();
            }
            ReadableMessage original = ReadableMessage.of(raw, maxTextChars);
            if (mode.equals("draft")) {
                Replies.reopen(form, original);
                form.put("df", folder);
                form.put("dv", String.valueOf(uidValidity));
                form.put("du", String.valueOf(uid));
            } else {
                Replies.prefill(form, mode, original, s.address, when(s, info.get().internalDate()));
            }
            if (mode.equals("forward") || mode.equals("draft")) {
                // a forward carries the original's attachments, a reopened draft its own: each can be left out
                form.put("sf", folder);
                form.put("sv", String.valueOf(uidValidity));
                form.put("su", String.valueOf(uid));
                carried = carriedList(original, null);
            } else {
                form.put("rf", folder);
                form.put("rv", String.valueOf(uidValidity));
                form.put("ru", String.valueOf(uid));
            }
        }
        m.put("form", form);
        m.put("carried", carried);
        m.put("notice", "");
        page(resp, 200, "compose", m);
    }

    /** The attachments a form carries from another message, for the form: the ones in {@code kept} (null: all) ticked. */
    private static List<Map<String, Object>> carriedList(ReadableMessage source, Set<String> kept) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ReadableMessage.Attachment a : source.attachments()) {
            Map<String, Object> am = new HashMap<>();
            am.put("path", a.path());
            am.put("name", a.fileName() == null ? "part " + a.path() : display(a.fileName(), 200, "part " + a.path()));
            am.put("size", humanSize(a.encodedSize() * 3 / 4));
            am.put("kept", kept == null || kept.contains(a.path()));
            out.add(am);
        }
        return out;
    }

    /**
     * The message the form carries attachments from (a forwarded one, or the draft being edited),
     * read again at submit: the form names it and the attachments kept, never their content. Null
     * when the form carries none or the message is gone.
     */
    private ReadableMessage carriedSource(WebSession s, Map<String, String> form) throws IOException {
        if (form.get("su").isEmpty()) {
            return null;
        }
        long uidValidity;
        long uid;
        try {
            uidValidity = Long.parseLong(form.get("sv"));
            uid = Long.parseLong(form.get("su"));
        } catch (NumberFormatException e) {
            return null;
        }
        String folder = Mailboxes.canonicalName(form.get("sf"));
        Optional<MessageInfo> info = find(s.accountId, folder, uidValidity, uid);
        Optional<InputStream> in = info.isEmpty() || info.get().size() > maxMessageShown ? Optional.empty()
                : mailboxes.open(s.accountId, folder, uidValidity, uid);
        if (in.isEmpty()) {
            return null;
        }
        try (InputStream body = in.get()) {
            return ReadableMessage.of(body.readAllBytes(), 0);
        }
    }

    private static List<Composer.Attachment> carriedAttachments(ReadableMessage source, Set<String> kept) throws IOException {
        List<Composer.Attachment> out = new ArrayList<>();
        if (source == null) {
            return out;
        }
        for (ReadableMessage.Attachment a : source.attachments()) {
            if (!kept.contains(a.path())) {
                continue;
            }
            Optional<InputStream> content = source.attachment(a.path());
            if (content.isPresent()) {
                try (InputStream c = content.get()) {
                    out.add(new Composer.Attachment(a.fileName() == null ? "part-" + a.path() : a.fileName(),
                            a.contentType(), c.readAllBytes()));
                }
            }
        }
        return out;
    }

    private void composeSubmit(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        Map<String, String> form = new HashMap<>();
        for (String k : COMPOSE_FIELDS) {
            String v = req.getParameter(k);
            form.put(k, v == null ? "" : v);
        }
        boolean draft = req.getParameter("op:draft") != null;
        String[] keep = req.getParameterValues("keep");
        Set<String> kept = keep == null ? Set.of() : Set.of(java.util.Arrays.stream(keep).distinct().limit(100).toArray(String[]::new));
        ReadableMessage source = carriedSource(s, form);
        String problem = null;
        byte[] message = null;
        List<Composer.Mailbox> recipients = new ArrayList<>();
        Composer.Mailbox from = null;
        try {
            List<Composer.Mailbox> froms = Composer.parseList(form.get("from"));
            if (froms.size() != 1) {
                throw new IllegalArgumentException("give one From address");
            }
            from = froms.get(0);
            List<Composer.Mailbox> to = Composer.parseList(form.get("to"));
            List<Composer.Mailbox> cc = Composer.parseList(form.get("cc"));
            List<Composer.Mailbox> bcc = Composer.parseList(form.get("bcc"));
            recipients.addAll(to);
            recipients.addAll(cc);
            recipients.addAll(bcc);
            if (!draft && recipients.isEmpty()) {
                throw new IllegalArgumentException("name at least one recipient");
            }
            if (recipients.size() > Composer.MAX_RECIPIENTS) {
                throw new IllegalArgumentException("more than " + Composer.MAX_RECIPIENTS + " recipients");
            }
            List<Composer.Attachment> files = carriedAttachments(source, kept);
            files.addAll(attachments(req));
            message = Composer.build(from, to, cc, draft ? bcc : List.of(), form.get("subject"), form.get("body"), files,
                    form.get("inReplyTo"), form.get("references"), java.time.ZonedDateTime.now(ZoneOffset.UTC),
                    from.address().substring(from.address().lastIndexOf('@') + 1));
        } catch (IllegalArgumentException e) {
            problem = "Not sent: " + e.getMessage() + ".";
        } catch (IllegalStateException tooLarge) {
            problem = "Not sent: the attachments are larger than " + (MAX_UPLOAD >> 20) + " MB together.";
        }
        if (problem == null && draft) {
            Optional<FolderInfo> drafts = special(s.accountId, Mailboxes.DRAFTS);
            mailboxes.append(s.accountId, drafts.map(FolderInfo::name).orElse("Drafts"),
                    new java.io.ByteArrayInputStream(message), Set.of("\\Draft", "\\Seen"), null);
            replacedDraft(s, form);
            redirect(resp, "/mail/list?f=" + url(drafts.map(FolderInfo::name).orElse("Drafts")) + "&saved=1");
            return;
        }
        if (problem == null) {
            Submission sender = submission;
            if (sender == null) {
                problem = "Not sent: sending is not available at the moment; your text is below.";
            } else {
                List<String> envelope = new ArrayList<>();
                for (Composer.Mailbox r : recipients) {
                    envelope.add(r.address());
                }
                try {
                    sender.submit(s.accountId, from.address(), envelope, new java.io.ByteArrayInputStream(message));
                } catch (SubmissionException e) {
                    problem = "Not sent: " + refusal(e, from.address());
                }
            }
        }
        if (problem != null) {
            Map<String, Object> m = model(req, text, s);
            m.put("form", form);
            m.put("carried", source == null ? List.of() : carriedList(source, kept));
            m.put("notice", problem);
            page(resp, 200, "compose", m);
            return;
        }
        replacedDraft(s, form);
        // a copy in Sent (the queue has it durably already: a failure here loses only the copy)
        try {
            Optional<FolderInfo> sent = special(s.accountId, Mailboxes.SENT);
            if (sent.isPresent()) {
                mailboxes.append(s.accountId, sent.get().name(), new java.io.ByteArrayInputStream(message), Set.of("\\Seen"), null);
            }
        } catch (RuntimeException e) {
            LOG.warn("Postern webmail: a sent message was not copied to Sent: {}", e.toString());
        }
        if (!form.get("ru").isEmpty()) {
            try {
                mailboxes.storeFlags(s.accountId, Mailboxes.canonicalName(form.get("rf")), Long.parseLong(form.get("rv")),
                        List.of(Long.parseLong(form.get("ru"))), Mailboxes.FlagUpdate.ADD, Set.of("\\Answered"), 0);
            } catch (FolderNotFoundException | NumberFormatException gone) {
                // the original was moved or deleted meanwhile: nothing to mark
            }
        }
        redirect(resp, "/mail/list?f=INBOX&sent=1");
    }

    /** The draft a form was reopened from goes once its successor is saved or sent. */
    private void replacedDraft(WebSession s, Map<String, String> form) {
        if (form.get("du").isEmpty()) {
            return;
        }
        try {
            String folder = Mailboxes.canonicalName(form.get("df"));
            long uidValidity = Long.parseLong(form.get("dv"));
            long uid = Long.parseLong(form.get("du"));
            // only a draft: the form's hidden fields must not become a way to delete any message
            if (find(s.accountId, folder, uidValidity, uid).filter(i -> i.flags().contains("\\Draft")).isPresent()) {
                expunge(s.accountId, folder, uidValidity, List.of(uid));
            }
        } catch (FolderNotFoundException | NumberFormatException gone) {
            // deleted or moved meanwhile (in another window): nothing to replace
        }
    }

    private static String refusal(SubmissionException e, String from) {
        return switch (e.reason()) {
            case SENDER_NOT_ALLOWED, FROM_NOT_ALLOWED -> "this account cannot send as " + from
                    + " (your address, or any address at a domain you own, can be used).";
            case RECIPIENT_UNKNOWN -> "a recipient at this service does not exist.";
            case TOO_MANY_RECIPIENTS -> "too many recipients (or too many today).";
            case RATE_LIMITED -> "you have reached the sending limit for now; try again later.";
            case TOO_BIG -> "the message is too large.";
            case MALFORMED -> "the message could not be made.";
            case TEMPORARY -> "a temporary problem; try again in a minute.";
        };
    }

    /** The files of the compose form (none when it was not sent as multipart). */
    private List<Composer.Attachment> attachments(HttpServletRequest req) throws IOException {
        List<Composer.Attachment> out = new ArrayList<>();
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return out;
        }
        try {
            for (javax.servlet.http.Part p : req.getParts()) {
                if (p.getName().equals("attach") && p.getSize() > 0 && p.getSubmittedFileName() != null) {
                    try (InputStream in = p.getInputStream()) {
                        out.add(new Composer.Attachment(p.getSubmittedFileName(), p.getContentType(), in.readAllBytes()));
                    }
                }
            }
        } catch (javax.servlet.ServletException e) {
            throw new IllegalArgumentException("the form could not be read");
        }
        return out;
    }

    private void chooseTheme(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        Theme t = themes.get(req.getParameter("theme"));
        if (t == null) {
            settings(req, resp, s, text, "That theme is not installed.");
            return;
        }
        accountSettings.put(s.accountId, THEME_SETTING, t.name());
        sessions.forAccount(s.accountId, x -> x.theme = t.name());
        settings(req, resp, s, text, "Your theme is now " + t.label() + ".");
    }

    /** The shortest new account password accepted. */
    static final int MIN_PASSWORD = 10;
    private static final String NEW_PASSWORD = WebmailServlet.class.getName() + ".newPassword";

    /**
     * A new account password: the current one is checked by the authenticator (throttled like a
     * login), then set through the accounts service. Every webmail session of the account ends,
     * this one too (the authenticator revokes logins made with the old password anyway), and the
     * user logs in again with the new one. App passwords are not touched.
     */
    private void changePassword(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        String current = req.getParameter("current");
        String fresh = req.getParameter("new");
        String again = req.getParameter("again");
        if (current == null || current.isEmpty() || current.length() > MAX_CREDENTIAL) {
            settings(req, resp, s, text, "Not changed: type your current password.");
        } else if (fresh == null || fresh.length() < MIN_PASSWORD || fresh.length() > MAX_CREDENTIAL) {
            settings(req, resp, s, text, "Not changed: a new password has " + MIN_PASSWORD + " to " + MAX_CREDENTIAL + " characters.");
        } else if (!fresh.equals(again)) {
            settings(req, resp, s, text, "Not changed: the two new passwords differ.");
        } else if (accounts == null) {
            settings(req, resp, s, text, "The password cannot be changed at the moment.");
        } else {
            req.setAttribute(NEW_PASSWORD, fresh.toCharArray());
            checkPassword(req, s.address, current.toCharArray(), "password");
        }
    }

    private void passwordChecked(HttpServletRequest req, HttpServletResponse resp, Outcome o) throws IOException {
        boolean text = mode(req, resp);
        char[] fresh = (char[]) req.getAttribute(NEW_PASSWORD);
        req.removeAttribute(NEW_PASSWORD);
        try {
            WebSession s = sessions.find(cookie(req, SESSION_COOKIE), System.currentTimeMillis());
            if (o.login != null) {
                o.login.close(); // the check's own login: it opens nothing
            }
            if (s == null) {
                loginPage(req, resp, text, null, 401);
            } else if (o.failure != null) {
                resp.setHeader("Retry-After", "30");
                error(req, resp, 503, "The service is busy; please try again in a minute.");
            } else if (o.login == null || !o.login.accountId().equals(s.accountId)) {
                settings(req, resp, s, text, "Not changed: the current password is not right (or there were too many attempts).");
            } else {
                AccountService service = accounts;
                try {
                    service.setPassword(s.address, fresh);
                } catch (AccountException | NullPointerException e) {
                    settings(req, resp, s, text, "Not changed: " + (e instanceof AccountException ? e.getMessage() : "try again later."));
                    return;
                }
                sessions.endAll(s.accountId);
                clearCookie(req, resp, SESSION_COOKIE);
                loginPage(req, resp, text, "Your password was changed: log in with the new one.", 200);
            }
        } finally {
            if (fresh != null) {
                Arrays.fill(fresh, '\0');
            }
        }
    }

    /** App passwords: create (the secret shown once, on this answer only) and delete. */
    private void appPassword(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        AppPasswords ap = appPasswords;
        if (ap == null) {
            settings(req, resp, s, text, "App passwords cannot be changed at the moment.");
            return;
        }
        String name = req.getParameter("name");
        try {
            if (req.getParameter("op:delete") != null) {
                boolean gone = name != null && ap.delete(s.accountId, name);
                settings(req, resp, s, text, gone ? "App password " + name + " deleted: programs using it are logged out."
                        : "There is no app password of that name.");
                return;
            }
            java.util.EnumSet<org.postern.api.auth.Protocol> protocols = java.util.EnumSet.noneOf(org.postern.api.auth.Protocol.class);
            for (org.postern.api.auth.Protocol p : List.of(org.postern.api.auth.Protocol.IMAP, org.postern.api.auth.Protocol.POP3,
                    org.postern.api.auth.Protocol.SMTP, org.postern.api.auth.Protocol.DAV)) {
                if (req.getParameter("p:" + p.name().toLowerCase(Locale.ROOT)) != null) {
                    protocols.add(p);
                }
            }
            if (protocols.isEmpty()) {
                settings(req, resp, s, text, "Not created: tick at least one of IMAP, POP3, SMTP and DAV.");
                return;
            }
            List<String> networks = new ArrayList<>();
            String given = req.getParameter("networks");
            if (given != null && given.length() > 2000) {
                settings(req, resp, s, text, "Not created: list at most " + AppPasswords.MAX_NETWORKS + " networks.");
                return;
            }
            if (given != null) {
                for (String n : given.split("[,\\s]+")) {
                    if (!n.isBlank()) {
                        networks.add(n.strip());
                    }
                }
            }
            java.time.LocalDate expires = null;
            String e = req.getParameter("expires");
            if (e != null && !e.isBlank()) {
                try {
                    expires = java.time.LocalDate.parse(e.strip());
                } catch (java.time.format.DateTimeParseException bad) {
                    settings(req, resp, s, text, "Not created: the expiry date must be written YYYY-MM-DD.");
                    return;
                }
            }
            NewAppPassword made = ap.create(s.accountId, name == null ? "" : name.strip(), protocols, networks, expires);
            Map<String, Object> m = model(req, text, s);
            m.put("name", made.description().name());
            m.put("protocols", made.description().protocols().stream().map(Enum::name).sorted()
                    .collect(java.util.stream.Collectors.joining(", ")));
            m.put("secret", new String(made.secret()));
            made.clear();
            page(resp, 200, "apppw-created", m);
        } catch (AccountException ex) {
            settings(req, resp, s, text, "Not changed: " + ex.getMessage());
        }
    }

    private void catchAll(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        PolicyRules r = rules;
        if (r == null) {
            settings(req, resp, s, text, "Manage Catch-alls cannot be changed at the moment.");
            return;
        }
        String entry = req.getParameter("entry");
        try {
            if (req.getParameter("op:mode") != null) {
                CatchAllMode mode = "whitelist".equals(req.getParameter("mode")) ? CatchAllMode.WHITELIST : CatchAllMode.BLOCK;
                r.setCatchAllMode(s.address, mode);
                settings(req, resp, s, text, mode == CatchAllMode.BLOCK
                        ? "Block mode: every address at your domains is delivered except those listed."
                        : "Whitelist mode: only the addresses listed are delivered at your domains.");
            } else if (entry == null || entry.isBlank() || entry.length() > 300) {
                settings(req, resp, s, text, "Type a catch-all entry: sales, sales@example.com, @example.com or !sales@example.com.");
            } else if (req.getParameter("op:remove") != null) {
                r.removeCatchAllEntry(s.address, entry.strip());
                settings(req, resp, s, text, entry.strip() + " removed from Manage Catch-alls.");
            } else {
                settings(req, resp, s, text, r.addCatchAllEntry(s.address, entry.strip()) + " added to Manage Catch-alls.");
            }
        } catch (AccountException e) {
            settings(req, resp, s, text, "Not changed: " + e.getMessage());
        }
    }

    // ---- the Block List ----

    /**
     * What the Block menu of a message offers (issue 12, item 5): the server that handed it over
     * (its confirmed reverse DNS name, else its EHLO name), that name's registrable domain (Public
     * Suffix List), its TLD, and the From address.
     */
    static List<Map<String, String>> blockOffers(SendingServer server, String fromHeader) {
        List<Map<String, String>> out = new ArrayList<>();
        String name = server == null ? null : server.confirmedName() != null ? server.confirmedName() : server.ehloName();
        if (name != null && name.indexOf('.') > 0 && !name.startsWith("[") && name.length() <= 253) {
            String lower = name.toLowerCase(Locale.ROOT);
            String host = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
            out.add(Map.of("entry", "server:" + host, "label", "this server (" + host + ")"));
            String org = OrganizationalDomain.of(host);
            if (!org.equals(host)) {
                out.add(Map.of("entry", "server:" + org, "label", "every server of " + org));
            }
            String tld = host.substring(host.lastIndexOf('.') + 1);
            out.add(Map.of("entry", "server:" + tld, "label", "every server in ." + tld));
        }
        if (fromHeader != null) {
            try {
                List<Composer.Mailbox> from = Composer.parseList(fromHeader);
                if (from.size() == 1) {
                    out.add(Map.of("entry", from.get(0).address(), "label", "the sender " + from.get(0).address()));
                }
            } catch (IllegalArgumentException notAnAddress) {
                // a From that is not one address offers no sender rule
            }
        }
        return out;
    }

    private void blockList(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        PolicyRules r = rules;
        String entry = req.getParameter("entry");
        if (r == null) {
            settings(req, resp, s, text, "The Block List cannot be changed at the moment.");
            return;
        }
        if (entry == null || entry.isBlank() || entry.length() > 300) {
            settings(req, resp, s, text, "Type an address, @domain or server: rule.");
            return;
        }
        try {
            if (req.getParameter("op:remove") != null) {
                r.removeBlockEntry(s.address, entry.strip());
                settings(req, resp, s, text, entry.strip() + " removed from your Block List.");
            } else {
                String added = r.addBlockEntry(s.address, entry.strip());
                settings(req, resp, s, text, added + " added to your Block List: mail it sends is refused as if this address did not exist.");
            }
        } catch (AccountException e) {
            settings(req, resp, s, text, "Not changed: " + e.getMessage());
        }
    }

    // ---- settings ----

    private void settings(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text, String notice)
            throws IOException {
        Map<String, Object> m = model(req, text, s);
        m.put("totpEnabled", secondFactor.enabled(s.accountId));
        m.put("recoveryLeft", secondFactor.recoveryCodesLeft(s.accountId));
        m.put("notice", notice == null ? "" : notice);
        PolicyRules r = rules;
        m.put("blockAvailable", r != null);
        m.put("blockList", r == null ? List.of() : r.blockList(s.address));
        m.put("catchAllMode", r == null ? "" : r.catchAllMode(s.address).name().toLowerCase(Locale.ROOT));
        m.put("catchAllEntries", r == null ? List.of() : r.catchAllEntries(s.address));
        String preview = req.getMethod().equals("GET") ? req.getParameter("preview") : null;
        m.put("preview", "");
        if (r != null && preview != null && !preview.isBlank() && preview.length() <= 300) {
            PolicyRules.CatchAllPreview p = r.previewCatchAll(s.address, preview.strip());
            m.put("preview", "Mail to " + display(preview.strip(), 300, "") + (p.accepted() ? " would be delivered: " : " would be refused: ")
                    + p.reason() + ".");
        }
        m.put("themes", themes.choices(themes.effective(s.theme)));
        m.put("zone", s.zone.getId());
        AppPasswords ap = appPasswords;
        m.put("appPasswordsAvailable", ap != null);
        List<Map<String, String>> pws = new ArrayList<>();
        if (ap != null) {
            for (AppPassword a : ap.list(s.accountId)) {
                Map<String, String> pm = new HashMap<>();
                pm.put("name", a.name());
                pm.put("protocols", a.protocols().stream().map(Enum::name).sorted().collect(java.util.stream.Collectors.joining(", ")));
                pm.put("networks", a.networks().isEmpty() ? "anywhere" : String.join(", ", a.networks()));
                pm.put("expires", a.expires() == null ? "never" : a.expires().toString());
                pm.put("created", when(s, a.created()));
                pm.put("lastUsed", a.lastUsed() == null ? "never" : when(s, a.lastUsed()));
                pws.add(pm);
            }
        }
        m.put("appPasswords", pws);
        page(resp, 200, "settings", m);
    }

    private void totpSettings(String path, boolean get, HttpServletRequest req, HttpServletResponse resp, WebSession s,
            boolean text) throws IOException {
        switch (path) {
            case "/totp-setup" -> {
                if (!get && secondFactor.enabled(s.accountId)) {
                    // replacing the factor would bypass the code that turning it off takes
                    settings(req, resp, s, text, "Two-step login is on: turn it off first (that takes a code), then set it up again.");
                    return;
                }
                if (!get) {
                    // a new secret for this session only; nothing is stored before a code confirms it
                    s.enrolling = Totp.newSecret();
                    redirect(resp, "/mail/totp-setup");
                    return;
                }
                byte[] secret = s.enrolling;
                if (secret == null) {
                    redirect(resp, "/mail/settings");
                    return;
                }
                Map<String, Object> m = model(req, text, s);
                m.put("secret", Totp.grouped(Totp.base32(secret)));
                m.put("uri", Totp.otpauthUri(totpIssuer, s.address, secret));
                m.put("notice", "");
                page(resp, 200, "totp-setup", m);
            }
            case "/totp-qr" -> {
                byte[] secret = s.enrolling;
                if (!get || secret == null) {
                    error(req, resp, 404, "There is no such page.");
                    return;
                }
                byte[] svg = QrSvg.of(Totp.otpauthUri(totpIssuer, s.address, secret)).getBytes(StandardCharsets.UTF_8);
                resp.setStatus(200);
                resp.setContentType("image/svg+xml");
                resp.setContentLength(svg.length);
                try (OutputStream out = resp.getOutputStream()) {
                    out.write(svg);
                }
            }
            case "/totp-confirm" -> {
                byte[] secret = s.enrolling;
                if (get || secret == null) {
                    redirect(resp, "/mail/settings");
                    return;
                }
                Optional<List<String>> codes = secondFactor.enable(s.accountId, secret, req.getParameter("code"));
                if (codes.isEmpty()) {
                    Map<String, Object> m = model(req, text, s);
                    m.put("secret", Totp.grouped(Totp.base32(secret)));
                    m.put("uri", Totp.otpauthUri(totpIssuer, s.address, secret));
                    m.put("notice", "That code is not right; check the time on your phone and try the next one.");
                    page(resp, 200, "totp-setup", m);
                    return;
                }
                s.enrolling = null;
                Arrays.fill(secret, (byte) 0);
                // every other browser of the account logged in without the second factor: out
                sessions.endAllBut(s.accountId, s);
                Map<String, Object> m = model(req, text, s);
                m.put("codes", codes.get());
                page(resp, 200, "recovery", m);
            }
            case "/totp-disable" -> {
                if (get) {
                    redirect(resp, "/mail/settings");
                } else if (secondFactor.verify(s.accountId, req.getParameter("code"))) {
                    secondFactor.disable(s.accountId);
                    sessions.endAllBut(s.accountId, s);
                    s.codeFailures.set(0);
                    settings(req, resp, s, text, "Two-step login is off.");
                } else if (s.codeFailures.incrementAndGet() >= WebSessions.CODE_ATTEMPTS) {
                    // guessing codes from a stolen session: the password has to be typed again
                    sessions.end(s);
                    clearCookie(req, resp, SESSION_COOKIE);
                    loginPage(req, resp, text, "Too many wrong codes: please log in again.", 200);
                } else {
                    settings(req, resp, s, text, "That code is not right; two-step login is still on.");
                }
            }
            default -> error(req, resp, 404, "There is no such page.");
        }
    }

    /** One answer for every cause (DESIGN section 5): unknown user, wrong password, locked, throttled. */
    private void loginFailed(HttpServletRequest req, HttpServletResponse resp, boolean text, String user) throws IOException {
        String pre = cookie(req, PRE_COOKIE);
        Map<String, Object> m = model(req, text, null);
        m.put("csrf", pre == null ? "" : pre);
        m.put("notice", "Login failed: the address or the password is wrong, or there were too many attempts.");
        m.put("user", user == null || user.length() > MAX_CREDENTIAL ? "" : user);
        page(resp, 200, "login", m);
    }

    // ---- the message list ----

    private void list(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        String folder = Mailboxes.canonicalName(required(req, "f"));
        int pageNo = Math.max(1, intParam(req, "p", 1));
        String sort = "size".equals(req.getParameter("s")) ? "size" : "date";
        boolean ascending = "asc".equals(req.getParameter("o"));
        Mailboxes.FolderView view = mailboxes.view(s.accountId, folder);
        if (req.getParameter("t") != null) {
            conversationList(req, resp, s, text, folder, view, pageNo);
            return;
        }
        List<MessageInfo> all = new ArrayList<>(view.messages());
        Comparator<MessageInfo> order = sort.equals("size")
                ? Comparator.comparingLong(MessageInfo::size).thenComparingLong(MessageInfo::uid)
                : Comparator.comparing(MessageInfo::internalDate).thenComparingLong(MessageInfo::uid);
        all.sort(ascending ? order : order.reversed());
        int pages = Math.max(1, (all.size() + pageSize - 1) / pageSize);
        pageNo = Math.min(pageNo, pages);
        List<MessageInfo> slice = all.subList((pageNo - 1) * pageSize, Math.min(all.size(), pageNo * pageSize));
        List<Map<String, Object>> rows = new ArrayList<>(slice.size());
        long uidValidity = view.folder().uidValidity();
        for (MessageInfo mi : slice) {
            Map<String, Object> row = new HashMap<>();
            row.put("uid", mi.uid());
            row.put("seen", mi.flags().contains("\\Seen"));
            row.put("flagged", mi.flags().contains("\\Flagged"));
            row.put("answered", mi.flags().contains("\\Answered"));
            row.put("date", when(s, mi.internalDate()));
            row.put("size", humanSize(mi.size()));
            ReadableMessage head = headerOf(s.accountId, folder, uidValidity, mi.uid());
            row.put("from", display(head == null ? null : head.header("From"), 80, "(unknown sender)"));
            row.put("subject", display(head == null ? null : head.header("Subject"), 120, "(no subject)"));
            rows.add(row);
        }
        Map<String, Object> m = model(req, text, s);
        m.put("folder", folder);
        m.put("folderLabel", label(folder));
        m.put("uidValidity", uidValidity);
        m.put("rows", rows);
        m.put("page", pageNo);
        m.put("pages", pages);
        m.put("total", all.size());
        m.put("sort", sort);
        m.put("order", ascending ? "asc" : "desc");
        m.put("isTrash", Mailboxes.TRASH.equals(view.folder().specialUse()));
        m.put("threads", false);
        m.put("notice", req.getParameter("sent") != null ? "Your message was sent."
                : req.getParameter("saved") != null ? "Your draft was saved." : "");
        page(resp, 200, "list", m);
    }

    /**
     * The folder as conversations, the one with the newest message first: a row per conversation,
     * opening its newest message; picking a row picks all of its messages.
     */
    private void conversationList(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text, String folder,
            Mailboxes.FolderView view, int pageNo) throws IOException {
        List<Conversations.Conversation> all = conversations.of(s.accountId, view);
        int pages = Math.max(1, (all.size() + pageSize - 1) / pageSize);
        pageNo = Math.min(pageNo, pages);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Conversations.Conversation c : all.subList((pageNo - 1) * pageSize, Math.min(all.size(), pageNo * pageSize))) {
            Map<String, Object> row = new HashMap<>();
            MessageInfo newest = c.newest();
            row.put("uid", newest.uid());
            StringBuilder uids = new StringBuilder();
            long size = 0;
            for (MessageInfo mi : c.messages()) {
                uids.append(uids.length() == 0 ? "" : ",").append(mi.uid());
                size += mi.size();
            }
            row.put("uids", uids.toString());
            row.put("count", c.messages().size());
            row.put("seen", c.unseen() == 0);
            row.put("flagged", c.flagged());
            row.put("answered", false);
            row.put("date", when(s, newest.internalDate()));
            row.put("size", humanSize(size));
            row.put("from", display(c.from(), 80, "(unknown sender)"));
            row.put("subject", display(c.subject(), 120, "(no subject)"));
            rows.add(row);
        }
        Map<String, Object> m = model(req, text, s);
        m.put("folder", folder);
        m.put("folderLabel", label(folder));
        m.put("uidValidity", view.folder().uidValidity());
        m.put("rows", rows);
        m.put("page", pageNo);
        m.put("pages", pages);
        m.put("total", view.messages().size());
        m.put("conversations", all.size());
        m.put("sort", "date");
        m.put("order", "desc");
        m.put("isTrash", Mailboxes.TRASH.equals(view.folder().specialUse()));
        m.put("threads", true);
        m.put("notice", "");
        page(resp, 200, "list", m);
    }

    /** The message's header alone (a list row needs three fields), or null when it is gone. */
    private ReadableMessage headerOf(String accountId, String folder, long uidValidity, long uid) throws IOException {
        Optional<InputStream> in = mailboxes.open(accountId, folder, uidValidity, uid);
        if (in.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream(2048);
        try (InputStream body = in.get()) {
            byte[] buf = new byte[4096];
            int n;
            int last = 0; // the last four octets, for CRLF CRLF (or LF LF)
            outer:
            while (head.size() < MAX_LIST_HEADER && (n = body.read(buf, 0, Math.min(buf.length, MAX_LIST_HEADER - head.size()))) > 0) {
                for (int i = 0; i < n; i++) {
                    last = (last << 8) | (buf[i] & 0xff);
                    if (last == 0x0d0a0d0a || (last & 0xffff) == 0x0a0a) {
                        head.write(buf, 0, i + 1);
                        break outer;
                    }
                }
                head.write(buf, 0, n);
            }
        }
        return ReadableMessage.of(head.toByteArray(), 0);
    }

    // ---- calendar, tasks, contacts ----

    private void groupwarePage(String path, Groupware g, HttpServletRequest req, HttpServletResponse resp, WebSession s,
            boolean text, String notice) throws IOException {
        Map<String, Object> m = model(req, text, s);
        m.put("notice", notice);
        switch (path) {
            case "/calendar" -> {
                String view = req.getParameter("view");
                view = "week".equals(view) || "agenda".equals(view) ? view : "month";
                java.time.LocalDate day = GroupwareViews.day(req.getParameter("d"), java.time.LocalDate.now(s.zone));
                m.putAll(GroupwareViews.calendarModel(g, s.accountId, view, day, s.zone));
                m.put("d", day.toString());
                m.put("editing", editing(g, s, req, "c", item -> GroupwareViews.eventForm(item, s.zone)));
                page(resp, 200, "calendar", m);
            }
            case "/tasks" -> {
                m.put("tasks", GroupwareViews.tasks(g, s.accountId));
                List<org.postern.core.groupware.GroupwareCollection> lists = new ArrayList<>();
                for (var c : GroupwareViews.calendarsWith(g, s.accountId, "VTODO")) {
                    if (c.components().contains("VTODO")) {
                        lists.add(c);
                    }
                }
                m.put("lists", GroupwareViews.names(lists));
                m.put("editing", editing(g, s, req, "c", GroupwareViews::taskForm));
                page(resp, 200, "tasks", m);
            }
            default -> {
                m.put("contacts", GroupwareViews.contacts(g, s.accountId));
                m.put("books", GroupwareViews.names(g.addressBooks(s.accountId)));
                String book = req.getParameter("b");
                String item = req.getParameter("n");
                m.put("card", List.of());
                m.put("cardName", "");
                m.put("editing", editing(g, s, req, "b", GroupwareViews::contactForm));
                if (book != null && item != null && book.length() <= 200 && item.length() <= 300) {
                    Optional<org.postern.core.groupware.GroupwareItem> found = g.item(s.accountId, book, item);
                    if (found.isPresent()) {
                        m.put("card", GroupwareViews.card(found.get().data()));
                        m.put("cardName", display(found.get().title(), 200, "(no name)"));
                    }
                }
                page(resp, 200, "contacts", m);
            }
        }
    }

    /**
     * The edit form of the item a page names ({@code n} in the collection named by {@code
     * collectionParameter}), with what the item holds now and the ETag it was read at; an empty
     * map when the page names none or it is gone.
     */
    private static Map<String, Object> editing(Groupware g, WebSession s, HttpServletRequest req, String collectionParameter,
            java.util.function.Function<org.postern.core.groupware.GroupwareItem, Map<String, Object>> form) {
        String collection = req.getParameter(collectionParameter);
        String name = req.getParameter("n");
        if (collection == null || name == null || collection.length() > 200 || name.length() > 300) {
            return Map.of();
        }
        Optional<org.postern.core.groupware.GroupwareItem> item = g.item(s.accountId, collection, name);
        if (item.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> f = new HashMap<>(form.apply(item.get()));
        f.replaceAll((k, v) -> v instanceof String str ? display(str, 1000, "") : v);
        f.put("c", collection);
        f.put("n", name);
        f.put("etag", item.get().etag());
        return f;
    }

    private void groupwareAction(String path, Groupware g, HttpServletRequest req, HttpServletResponse resp, WebSession s,
            boolean text) throws IOException {
        String collection = req.getParameter("c");
        String name = req.getParameter("n");
        String etag = req.getParameter("etag");
        java.time.Instant now = java.time.Instant.now();
        String problem = null;
        String back = path;
        try {
            if (req.getParameter("op:delete") != null) {
                if (collection == null || name == null || !g.remove(s.accountId, collection, name, etag)) {
                    problem = "it was deleted already.";
                }
            } else if (path.equals("/tasks") && (req.getParameter("op:done") != null || req.getParameter("op:undone") != null)) {
                Optional<org.postern.core.groupware.GroupwareItem> task = collection == null || name == null ? Optional.empty()
                        : g.item(s.accountId, collection, name);
                problem = task.isEmpty() ? "that task is gone." : GroupwareViews.save(g, s.accountId, collection, name,
                        GroupwareViews.withCompletion(task.get().data(), req.getParameter("op:done") != null, now), etag);
            } else if (req.getParameter("op:save") != null) {
                // an edit: the item as it is now, changed where the form says, saved only if nobody changed it meanwhile
                Optional<org.postern.core.groupware.GroupwareItem> item = collection == null || name == null ? Optional.empty()
                        : g.item(s.accountId, collection, name);
                String title = req.getParameter("title");
                if (item.isEmpty()) {
                    problem = "it was deleted meanwhile.";
                } else if (title == null || title.isBlank()) {
                    problem = "give it a name.";
                } else {
                    String data = item.get().data();
                    if (path.equals("/calendar")) {
                        java.time.LocalDate date = GroupwareViews.day(req.getParameter("date"), null);
                        data = GroupwareViews.editedEvent(data, title, date, req.getParameter("start"), req.getParameter("end"), now, s.zone);
                        String view = req.getParameter("view");
                        back = "/calendar?view=" + ("week".equals(view) || "agenda".equals(view) ? view : "month")
                                + (date == null ? "" : "&d=" + date);
                    } else if (path.equals("/tasks")) {
                        data = GroupwareViews.editedTask(data, title, dueDate(req.getParameter("due")), now);
                    } else {
                        data = GroupwareViews.editedContact(data, title, req.getParameter("email"), req.getParameter("phone"));
                        back = "/contacts?b=" + url(collection) + "&n=" + url(name);
                    }
                    problem = GroupwareViews.save(g, s.accountId, collection, name, data, etag);
                }
            } else {
                String title = req.getParameter("title");
                if (title == null || title.isBlank()) {
                    problem = "give it a name.";
                } else if (collection == null || collection.length() > 200) {
                    problem = "choose where it goes.";
                } else {
                    String data;
                    String ext = ".ics";
                    if (path.equals("/calendar")) {
                        java.time.LocalDate date = GroupwareViews.day(req.getParameter("date"), null);
                        if (date == null) {
                            throw new IllegalArgumentException("the date must be written YYYY-MM-DD");
                        }
                        data = GroupwareViews.newEvent(title, date, req.getParameter("start"), req.getParameter("end"), now, s.zone);
                        String view = req.getParameter("view");
                        back = "/calendar?view=" + ("week".equals(view) || "agenda".equals(view) ? view : "month") + "&d=" + date;
                    } else if (path.equals("/tasks")) {
                        data = GroupwareViews.newTask(title, dueDate(req.getParameter("due")), now);
                    } else {
                        data = GroupwareViews.newContact(title, req.getParameter("email"), req.getParameter("phone"));
                        ext = ".vcf";
                    }
                    problem = GroupwareViews.save(g, s.accountId, collection, java.util.UUID.randomUUID() + ext, data, null);
                }
            }
        } catch (IllegalArgumentException | org.postern.core.groupware.GroupwareException e) {
            problem = e.getMessage();
        }
        if (problem != null) {
            groupwarePage(path, g, req, resp, s, text, "Not changed: " + problem);
            return;
        }
        redirect(resp, "/mail" + back);
    }

    /** An optional due date as typed: null when empty. */
    private static java.time.LocalDate dueDate(String due) {
        java.time.LocalDate d = due == null || due.isBlank() ? null : GroupwareViews.day(due.strip(), null);
        if (due != null && !due.isBlank() && d == null) {
            throw new IllegalArgumentException("the due date must be written YYYY-MM-DD");
        }
        return d;
    }

    // ---- search ----

    /** The most messages one search reads, newest first, and how long it may take. */
    static final int SEARCH_MAX_MESSAGES = 5000;
    static final long SEARCH_MAX_MILLIS = 10_000;
    static final int SEARCH_MAX_RESULTS = 200;

    /**
     * Every folder, newest first: the sender, recipients and subject (decoded) and the text of
     * every text part (as IMAP SEARCH TEXT reads it, case ignored). Bounded in messages, time and
     * results; the page says when it stopped early.
     */
    private void search(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        String q = req.getParameter("q");
        q = q == null ? "" : Composer.oneLine(q);
        Map<String, Object> m = model(req, text, s);
        m.put("q", q.length() > 200 ? q.substring(0, 200) : q);
        List<Map<String, Object>> results = new ArrayList<>();
        m.put("results", results);
        m.put("notice", "");
        if (q.isEmpty() || q.length() > 200) {
            m.put("notice", q.isEmpty() ? "" : "Search for at most 200 characters.");
            page(resp, 200, "search", m);
            return;
        }
        record Candidate(FolderInfo folder, MessageInfo message) {
        }
        List<Candidate> all = new ArrayList<>();
        for (FolderInfo f : mailboxes.folders(s.accountId)) {
            for (MessageInfo mi : mailboxes.view(s.accountId, f.name()).messages()) {
                all.add(new Candidate(f, mi));
            }
        }
        all.sort(Comparator.comparing((Candidate c) -> c.message.internalDate()).reversed());
        String needle = q.toLowerCase(Locale.ROOT);
        long deadline = System.currentTimeMillis() + SEARCH_MAX_MILLIS;
        int scanned = 0;
        for (Candidate c : all) {
            if (scanned >= SEARCH_MAX_MESSAGES || results.size() >= SEARCH_MAX_RESULTS || System.currentTimeMillis() > deadline) {
                break;
            }
            scanned++;
            if (c.message.size() > maxMessageShown) {
                continue;
            }
            Optional<InputStream> in = mailboxes.open(s.accountId, c.folder.name(), c.folder.uidValidity(), c.message.uid());
            if (in.isEmpty()) {
                continue;
            }
            byte[] raw;
            try (InputStream body = in.get()) {
                raw = body.readAllBytes();
            }
            ReadableMessage msg = ReadableMessage.of(raw, 0);
            boolean hit = false;
            for (String field : List.of("From", "To", "Cc", "Subject")) {
                String v = msg.header(field);
                if (v != null && v.toLowerCase(Locale.ROOT).contains(needle)) {
                    hit = true;
                    break;
                }
            }
            if (!hit) {
                hit = org.postern.mime.BodyText.contains(new java.io.ByteArrayInputStream(raw),
                        org.postern.mime.MessageStructure.parse(new java.io.ByteArrayInputStream(raw), raw.length), q, false);
            }
            if (hit) {
                Map<String, Object> r = new HashMap<>();
                r.put("folder", c.folder.name());
                r.put("folderLabel", label(c.folder.name()));
                r.put("v", c.folder.uidValidity());
                r.put("uid", c.message.uid());
                r.put("from", display(msg.header("From"), 80, "(unknown sender)"));
                r.put("subject", display(msg.header("Subject"), 120, "(no subject)"));
                r.put("date", when(s, c.message.internalDate()));
                r.put("seen", c.message.flags().contains("\\Seen"));
                results.add(r);
            }
        }
        if (scanned < all.size()) {
            m.put("notice", "Searched the newest " + scanned + " of " + all.size() + " messages.");
        }
        page(resp, 200, "search", m);
    }

    // ---- reading ----

    private void read(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        String folder = Mailboxes.canonicalName(required(req, "f"));
        long uidValidity = Long.parseLong(required(req, "v"));
        long uid = Long.parseLong(required(req, "u"));
        Optional<MessageInfo> info = find(s.accountId, folder, uidValidity, uid);
        Optional<InputStream> in = info.isEmpty() ? Optional.empty() : mailboxes.open(s.accountId, folder, uidValidity, uid);
        if (in.isEmpty()) {
            error(req, resp, 404, "There is no such folder or message (it may have been moved or deleted).");
            return;
        }
        Map<String, Object> m = model(req, text, s);
        m.put("folder", folder);
        m.put("folderLabel", label(folder));
        m.put("uidValidity", uidValidity);
        m.put("uid", uid);
        m.put("seen", info.get().flags().contains("\\Seen"));
        m.put("flagged", info.get().flags().contains("\\Flagged"));
        m.put("draft", info.get().flags().contains("\\Draft"));
        m.put("date", when(s, info.get().internalDate()));
        m.put("size", humanSize(info.get().size()));
        if (info.get().size() > maxMessageShown) {
            in.get().close();
            m.put("tooLarge", true);
            m.put("header", List.of());
            m.put("subject", "(message too large to show)");
            m.put("body", "");
            m.put("attachments", List.of());
            page(resp, 200, "read", m);
            return;
        }
        byte[] raw;
        try (InputStream body = in.get()) {
            raw = body.readAllBytes();
        }
        ReadableMessage msg = ReadableMessage.of(raw, maxTextChars);
        List<Map<String, String>> header = new ArrayList<>();
        for (String field : List.of("From", "To", "Cc", "Date", "Reply-To")) {
            String v = msg.header(field);
            if (v != null && !v.isBlank()) {
                header.add(Map.of("name", field, "value", display(v, 2000, "")));
            }
        }
        m.put("tooLarge", false);
        m.put("header", header);
        m.put("subject", display(msg.header("Subject"), 1000, "(no subject)"));
        String body;
        boolean fromHtml = false;
        if (msg.text() != null) {
            body = msg.text();
        } else if (msg.html() != null) {
            // the text of the markup only: nothing of it is rendered, so nothing in it can run or load
            body = Jsoup.parse(HtmlMail.capped(msg.html())).wholeText();
            fromHtml = true;
        } else {
            body = "";
        }
        m.put("body", body);
        m.put("fromHtml", fromHtml);
        boolean htmlShowable = msg.html() != null && !msg.htmlTruncated() && msg.html().length() <= HtmlMail.MAX_CHARS;
        boolean showHtml = htmlShowable && !text && req.getParameter("html") != null;
        boolean remote = showHtml && req.getParameter("remote") != null;
        m.put("hasHtml", htmlShowable);
        m.put("showHtml", showHtml);
        m.put("remote", remote);
        m.put("remoteBlocked", showHtml ? HtmlMail.clean(msg.html(), false).remoteImagesBlocked() : 0);
        m.put("truncated", msg.textTruncated() || (msg.text() == null && msg.htmlTruncated()));
        List<Map<String, Object>> attachments = new ArrayList<>();
        for (ReadableMessage.Attachment a : msg.attachments()) {
            Map<String, Object> am = new HashMap<>();
            am.put("path", a.path());
            am.put("name", a.fileName() == null ? "part " + a.path() : display(a.fileName(), 200, "part " + a.path()));
            am.put("type", a.contentType());
            am.put("size", humanSize(a.encodedSize() * 3 / 4));
            attachments.add(am);
        }
        m.put("attachments", attachments);
        m.put("blockOffers", blockOffers(mailboxes.sendingServer(s.accountId, folder, uidValidity, uid).orElse(null),
                msg.header("From")));
        // only when reached from the conversations list: it reads the whole folder's state, which
        // a plain read of one message in a 10,000-message folder should not pay for
        m.put("conversation", req.getParameter("t") != null ? conversationOf(s, folder, uidValidity, uid) : List.of());
        m.put("threads", req.getParameter("t") != null);
        page(resp, 200, "read", m);
    }

    /** The other messages of the conversation a message belongs to in its folder, oldest first (empty when alone). */
    private List<Map<String, Object>> conversationOf(WebSession s, String folder, long uidValidity, long uid) {
        Mailboxes.FolderView view;
        try {
            view = mailboxes.view(s.accountId, folder);
        } catch (FolderNotFoundException gone) {
            return List.of();
        }
        Conversations.Conversation c = view.folder().uidValidity() != uidValidity ? null
                : conversations.containing(s.accountId, view, uid);
        if (c == null || c.messages().size() < 2) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < c.messages().size(); i++) {
            MessageInfo mi = c.messages().get(i);
            Map<String, Object> row = new HashMap<>();
            row.put("uid", mi.uid());
            row.put("current", mi.uid() == uid);
            row.put("seen", mi.flags().contains("\\Seen"));
            row.put("date", when(s, mi.internalDate()));
            row.put("from", display(c.envelopes().get(i).from(), 80, "(unknown sender)"));
            row.put("subject", display(c.envelopes().get(i).subject(), 120, "(no subject)"));
            out.add(row);
        }
        return out;
    }

    /**
     * The HTML of a message, cleaned, as the document of the read page's sandboxed frame (rich
     * mode only). Its own policy: a sandbox (no script, no same-origin access, no forms), no
     * source but inline data images (and remote images once the user asked), framed only by
     * this origin.
     */
    private void html(HttpServletRequest req, HttpServletResponse resp, WebSession s) throws IOException {
        String folder = Mailboxes.canonicalName(required(req, "f"));
        long uidValidity = Long.parseLong(required(req, "v"));
        long uid = Long.parseLong(required(req, "u"));
        boolean remote = req.getParameter("remote") != null;
        Optional<MessageInfo> info = find(s.accountId, folder, uidValidity, uid);
        Optional<InputStream> in = info.isEmpty() || info.get().size() > maxMessageShown
                ? Optional.empty() : mailboxes.open(s.accountId, folder, uidValidity, uid);
        if (in.isEmpty()) {
            error(req, resp, 404, "There is no such message.");
            return;
        }
        byte[] raw;
        try (InputStream body = in.get()) {
            raw = body.readAllBytes();
        }
        ReadableMessage msg = ReadableMessage.of(raw, maxTextChars);
        String doc = msg.html() == null || msg.htmlTruncated() || msg.html().length() > HtmlMail.MAX_CHARS
                ? "<!DOCTYPE html><html><body><p>This message's HTML is too large to show; it is shown as text.</p></body></html>"
                : HtmlMail.clean(msg.html(), remote).html();
        byte[] out = doc.getBytes(StandardCharsets.UTF_8);
        resp.setHeader("Content-Security-Policy", "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
                + "img-src data:" + (remote ? " https: http:" : "") + "; frame-ancestors 'self'; form-action 'none'; base-uri 'none'");
        resp.setHeader("X-Frame-Options", "SAMEORIGIN");
        resp.setStatus(200);
        resp.setContentType("text/html; charset=UTF-8");
        resp.setContentLength(out.length);
        try (OutputStream o = resp.getOutputStream()) {
            o.write(out);
        }
    }

    /**
     * An attachment, always as a download of type application/octet-stream: a browser never
     * renders what a sender chose as HTML or SVG from this origin.
     */
    private void part(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        String folder = Mailboxes.canonicalName(required(req, "f"));
        long uidValidity = Long.parseLong(required(req, "v"));
        long uid = Long.parseLong(required(req, "u"));
        String path = required(req, "p");
        Optional<MessageInfo> info = find(s.accountId, folder, uidValidity, uid);
        Optional<InputStream> in = info.isEmpty() || info.get().size() > maxMessageShown
                ? Optional.empty() : mailboxes.open(s.accountId, folder, uidValidity, uid);
        if (in.isEmpty()) {
            error(req, resp, 404, "There is no such attachment.");
            return;
        }
        byte[] raw;
        try (InputStream body = in.get()) {
            raw = body.readAllBytes();
        }
        ReadableMessage msg = ReadableMessage.of(raw, 0);
        ReadableMessage.Attachment found = null;
        for (ReadableMessage.Attachment a : msg.attachments()) {
            if (a.path().equals(path)) {
                found = a;
            }
        }
        Optional<InputStream> content = found == null ? Optional.empty() : msg.attachment(path);
        if (content.isEmpty()) {
            error(req, resp, 404, "There is no such attachment.");
            return;
        }
        // bidi overrides and other format characters out: "invoice\u202Efdp.exe" must not save as "...pdf"
        String name = display(found.fileName(), 200, "part-" + path);
        resp.setStatus(200);
        resp.setContentType("application/octet-stream");
        resp.setHeader("Content-Disposition", "attachment; filename=\"" + asciiFileName(name) + "\"; filename*=UTF-8''"
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
        try (InputStream c = content.get(); OutputStream out = resp.getOutputStream()) {
            c.transferTo(out);
        }
    }

    private static String asciiFileName(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length() && b.length() < 200; i++) {
            char c = name.charAt(i);
            b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/' ? c : '_');
        }
        return b.toString();
    }

    private Optional<MessageInfo> find(String accountId, String folder, long uidValidity, long uid) {
        return mailboxes.message(accountId, folder, uidValidity, uid);
    }

    // ---- actions (POST only) ----

    private void act(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        String folder = Mailboxes.canonicalName(required(req, "f"));
        long uidValidity = Long.parseLong(required(req, "v"));
        // Buttons are named by what they do (their value is their label, which lynx shows):
        // "open:<uid>" on each row of the list, "op:<action>" for the actions.
        String open = null;
        String op = null;
        for (java.util.Enumeration<String> names = req.getParameterNames(); names.hasMoreElements();) {
            String name = names.nextElement();
            if (name.startsWith("open:")) {
                open = name.substring(5);
            } else if (name.startsWith("op:")) {
                op = name.substring(3);
            }
        }
        if (open != null) {
            long uid = Long.parseLong(open);
            mailboxes.storeFlags(s.accountId, folder, uidValidity, List.of(uid), Mailboxes.FlagUpdate.ADD, Set.of("\\Seen"), 0);
            redirect(resp, "/mail/read?f=" + url(folder) + "&v=" + uidValidity + "&u=" + uid
                    + (req.getParameter("t") != null ? "&t=1" : ""));
            return;
        }
        // a conversation's row picks all of its messages: "u" is then a comma-separated list
        List<Long> uids = new ArrayList<>();
        String[] given = req.getParameterValues("u");
        if (given != null) {
            for (String u : given) {
                for (String one : u.split(",", MAX_PICKED + 1)) {
                    if (uids.size() == MAX_PICKED) {
                        error(req, resp, 400, "Pick at most " + MAX_PICKED + " messages at a time.");
                        return;
                    }
                    uids.add(Long.parseLong(one.strip()));
                }
            }
        }
        String back = req.getParameter("back");
        String target = "read".equals(back) && uids.size() == 1
                ? "/mail/read?f=" + url(folder) + "&v=" + uidValidity + "&u=" + uids.get(0)
                : "/mail/list?f=" + url(folder) + (req.getParameter("t") != null ? "&t=1" : "");
        if (op == null) {
            redirect(resp, target);
            return;
        }
        switch (op) {
            case "seen", "unseen", "flag", "unflag" -> {
                if (!uids.isEmpty()) {
                    mailboxes.storeFlags(s.accountId, folder, uidValidity, uids,
                            op.startsWith("un") ? Mailboxes.FlagUpdate.REMOVE : Mailboxes.FlagUpdate.ADD,
                            Set.of(op.endsWith("seen") ? "\\Seen" : "\\Flagged"), 0);
                }
            }
            case "delete" -> {
                if (!uids.isEmpty()) {
                    Optional<FolderInfo> trash = special(s.accountId, Mailboxes.TRASH);
                    if (trash.isPresent() && !trash.get().name().equals(folder)) {
                        mailboxes.copy(s.accountId, folder, uidValidity, uids, trash.get().name(), true);
                    } else {
                        expunge(s.accountId, folder, uidValidity, uids);
                    }
                    target = "/mail/list?f=" + url(folder);
                }
            }
            case "move" -> {
                String to = req.getParameter("to");
                if (!uids.isEmpty() && to != null && !Mailboxes.canonicalName(to).equals(folder)) {
                    mailboxes.copy(s.accountId, folder, uidValidity, uids, Mailboxes.canonicalName(to), true);
                    target = "/mail/list?f=" + url(folder);
                }
            }
            case "empty" -> {
                Optional<FolderInfo> trash = special(s.accountId, Mailboxes.TRASH);
                if (trash.isPresent() && trash.get().name().equals(folder)) {
                    List<Long> every = new ArrayList<>();
                    for (MessageInfo mi : mailboxes.view(s.accountId, folder).messages()) {
                        every.add(mi.uid());
                    }
                    expunge(s.accountId, folder, uidValidity, every);
                }
                target = "/mail/list?f=" + url(folder);
            }
            default -> {
                error(req, resp, 400, "Unknown action.");
                return;
            }
        }
        redirect(resp, target);
    }

    private void expunge(String accountId, String folder, long uidValidity, List<Long> uids) {
        if (uids.isEmpty()) {
            return;
        }
        mailboxes.storeFlags(accountId, folder, uidValidity, uids, Mailboxes.FlagUpdate.ADD, Set.of("\\Deleted"), 0);
        mailboxes.expunge(accountId, folder, uidValidity, uids);
    }

    private Optional<FolderInfo> special(String accountId, String use) {
        return mailboxes.folders(accountId).stream().filter(f -> use.equals(f.specialUse())).findFirst();
    }

    // ---- page plumbing ----

    /** What every page shows: the mode, and once logged in the account and its folders. */
    private Map<String, Object> model(HttpServletRequest req, boolean text, WebSession s) {
        Map<String, Object> m = new HashMap<>();
        m.put("text", text);
        m.put("here", hereWithout(req));
        m.put("theme", themes.effective(s == null ? null : s.theme));
        if (s != null) {
            m.put("noticeCount", currentNotices().size());
            m.put("address", s.address);
            m.put("csrf", s.csrf);
            List<Map<String, Object>> folders = new ArrayList<>();
            List<FolderInfo> all = new ArrayList<>(mailboxes.folders(s.accountId));
            all.sort(Comparator.comparing((FolderInfo f) -> !f.name().equals("INBOX")).thenComparing(f -> order(f.specialUse()))
                    .thenComparing(FolderInfo::name));
            for (FolderInfo f : all) {
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("name", f.name());
                fm.put("label", label(f.name()));
                fm.put("unseen", f.unseen());
                fm.put("messages", f.messages());
                folders.add(fm);
            }
            m.put("folders", folders);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private List<ServiceNoticeRepository.Notice> currentNotices() {
        Object[] cached = noticeCache;
        long now = System.currentTimeMillis();
        if (now - (Long) cached[0] < NOTICE_CACHE_MILLIS) {
            return (List<ServiceNoticeRepository.Notice>) cached[1];
        }
        try {
            List<ServiceNoticeRepository.Notice> fresh = notices.list();
            noticeCache = new Object[] {now, fresh};
            return fresh;
        } catch (RuntimeException e) {
            LOG.warn("Postern webmail: the service notices could not be read: {}", e.toString());
            return (List<ServiceNoticeRepository.Notice>) cached[1];
        }
    }

    private static int order(String specialUse) {
        if (specialUse == null) {
            return 9;
        }
        return switch (specialUse) {
            case Mailboxes.DRAFTS -> 1;
            case Mailboxes.SENT -> 2;
            case Mailboxes.ARCHIVE -> 3;
            case Mailboxes.JUNK -> 4;
            case Mailboxes.TRASH -> 5;
            default -> 8;
        };
    }

    private static String label(String folder) {
        return folder.equals("INBOX") ? "Inbox" : folder;
    }

    /** This page's path and query without {@code text}/{@code notext}: the target of the mode links. */
    private static String hereWithout(HttpServletRequest req) {
        StringBuilder b = new StringBuilder(req.getRequestURI());
        String q = req.getQueryString();
        char sep = '?';
        if (q != null && req.getMethod().equals("GET")) {
            for (String p : q.split("&")) {
                if (p.isEmpty() || p.equals("text") || p.equals("notext") || p.startsWith("text=") || p.startsWith("notext=")) {
                    continue;
                }
                b.append(sep).append(p);
                sep = '&';
            }
        }
        return b.toString();
    }

    private void page(HttpServletResponse resp, int status, String template, Map<String, Object> model) throws IOException {
        byte[] html = pages.render(template, model).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("text/html; charset=UTF-8");
        resp.setContentLength(html.length);
        try (OutputStream out = resp.getOutputStream()) {
            out.write(html);
        }
    }

    private void error(HttpServletRequest req, HttpServletResponse resp, int status, String message) throws IOException {
        Map<String, Object> m = new HashMap<>();
        m.put("text", isText(req));
        m.put("here", "/mail/");
        m.put("theme", themes.effective(null));
        m.put("status", status);
        m.put("message", message);
        page(resp, status, "error", m);
    }

    private void forbidden(HttpServletRequest req, HttpServletResponse resp, WebSession s, boolean text) throws IOException {
        if (s == null) {
            loginPage(req, resp, text, null, 401);
        } else {
            error(req, resp, 403, "This form has expired; go back, reload the page and try again.");
        }
    }

    private static void securityHeaders(HttpServletResponse resp) {
        // One policy for both modes: text mode simply links no style sheet. Nothing from elsewhere,
        // no script at all, no framing, forms only to this origin.
        resp.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; "
                + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        resp.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        resp.setHeader("Cache-Control", "no-store");
    }

    /**
     * The layout sheet, a theme's sheet ({@code ?t=name}; empty when it is not installed, so a page
     * cached with an old link still renders), and a theme's swatch as SVG for Settings.
     */
    private void themeResource(String path, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body;
        String type;
        if (path.equals("/base.css")) {
            try (InputStream in = WebmailServlet.class.getResourceAsStream("/static/base.css")) {
                body = in.readAllBytes();
            }
            type = "text/css; charset=UTF-8";
        } else if (path.equals("/theme.css")) {
            Theme t = themes.get(req.getParameter("t"));
            body = (t == null ? "/* no such theme installed */\n" : t.css()).getBytes(StandardCharsets.UTF_8);
            type = "text/css; charset=UTF-8";
        } else {
            Theme t = themes.get(req.getParameter("t"));
            if (t == null) {
                error(req, resp, 404, "There is no such theme.");
                return;
            }
            body = Themes.swatchSvg(t).getBytes(StandardCharsets.UTF_8);
            type = "image/svg+xml";
        }
        resp.setStatus(200);
        resp.setContentType(type);
        resp.setHeader("Cache-Control", "private, max-age=300");
        resp.setContentLength(body.length);
        try (OutputStream out = resp.getOutputStream()) {
            out.write(body);
        }
    }

    /**
     * The display mode, from {@code ?text} / {@code ?notext} (remembered in a cookie for the browser
     * session, which is a preference and not a state change of anything stored) or the cookie.
     */
    private boolean mode(HttpServletRequest req, HttpServletResponse resp) {
        if (req.getMethod().equals("GET")) {
            if (req.getParameter("text") != null) {
                setCookie(req, resp, MODE_COOKIE, "text", "Lax");
                req.setAttribute(MODE_COOKIE, Boolean.TRUE);
                return true;
            }
            if (req.getParameter("notext") != null) {
                clearCookie(req, resp, MODE_COOKIE);
                req.setAttribute(MODE_COOKIE, Boolean.FALSE);
                return false;
            }
        }
        return isText(req);
    }

    private static boolean isText(HttpServletRequest req) {
        Object decided = req.getAttribute(MODE_COOKIE);
        if (decided instanceof Boolean b) {
            return b;
        }
        return "text".equals(cookie(req, MODE_COOKIE));
    }

    private static String cookie(HttpServletRequest req, String name) {
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals(name)) {
                    return c.getValue();
                }
            }
        }
        return null;
    }

    private boolean secure(HttpServletRequest req) {
        return cookieSecure.equals("true") || cookieSecure.equals("auto") && req.isSecure();
    }

    /** Written by hand: the Servlet 4 Cookie has no SameSite. Only base64url values are ever set. */
    private void setCookie(HttpServletRequest req, HttpServletResponse resp, String name, String value, String sameSite) {
        resp.addHeader("Set-Cookie", name + "=" + value + "; Path=/mail/; HttpOnly; SameSite=" + sameSite
                + (secure(req) ? "; Secure" : ""));
    }

    private void clearCookie(HttpServletRequest req, HttpServletResponse resp, String name) {
        resp.addHeader("Set-Cookie", name + "=; Path=/mail/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure(req) ? "; Secure" : ""));
    }

    private static void redirect(HttpServletResponse resp, String location) {
        resp.setStatus(303);
        resp.setHeader("Location", location);
        resp.setContentLength(0);
    }

    private static String required(HttpServletRequest req, String name) {
        String v = req.getParameter(name);
        if (v == null || v.isEmpty() || v.length() > 1000) {
            throw new FolderNotFoundException(String.valueOf(v));
        }
        return v;
    }

    private static int intParam(HttpServletRequest req, String name, int dflt) {
        String v = req.getParameter(name);
        if (v == null || v.isEmpty() || v.length() > 9) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Header text for a page: control characters out, cut at a length, a placeholder when empty. */
    static String display(String v, int max, String empty) {
        if (v == null) {
            return empty;
        }
        StringBuilder b = new StringBuilder(Math.min(v.length(), max));
        for (int i = 0; i < v.length() && b.length() < max; i++) {
            char c = v.charAt(i);
            if (c == '\t' || c == '\r' || c == '\n') {
                c = ' ';
            }
            // bidi overrides and other format characters could disguise a sender
            if (Character.getType(c) == Character.FORMAT || Character.isISOControl(c)) {
                continue;
            }
            b.append(c);
        }
        String out = b.toString().strip();
        if (v.length() > max) {
            out += "…";
        }
        return out.isEmpty() ? empty : out;
    }

    static String humanSize(long octets) {
        if (octets < 1024) {
            return octets + " B";
        }
        if (octets < 1024 * 1024) {
            return (octets + 512) / 1024 + " KB";
        }
        return String.format(Locale.ROOT, "%.1f MB", octets / (1024.0 * 1024.0));
    }

}
