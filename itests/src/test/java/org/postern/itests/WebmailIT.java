package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * The webmail from outside, against one started distribution: mail sent to the MX with swaks is
 * read with an HTTP client (cookies as a browser keeps them) and with Debian's lynx in text mode.
 * Login with the account password, one answer for every failure, CSRF tokens, no state change on
 * GET, text mode without CSS or script, attachments only as downloads, one user against another's
 * messages, logout and "log out everywhere".
 */
public class WebmailIT {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]{43})\"");
    private static final Pattern OPEN = Pattern.compile("name=\"open:([0-9]+)\"");
    private static final Pattern VALIDITY = Pattern.compile("name=\"v\" value=\"([0-9]+)\"");
    private static final String FAILED = "Login failed: the address or the password is wrong, or there were too many attempts.";

    private static PosternProcess postern;
    private static String admin;
    private static String base;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("webmail");
        postern.setConfig("org.postern.auth.cfg", "failures.per.address", "100000");
        postern.setConfig("org.postern.auth.cfg", "account.delay.after", "100000");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        base = "http://127.0.0.1:" + postern.httpPort;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        HttpClient probe = HttpClient.newHttpClient();
        while (true) {
            try {
                if (probe.send(HttpRequest.newBuilder(URI.create(base + "/mail/")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    break;
                }
            } catch (java.io.IOException notYet) {
                // pax-web not listening yet
            }
            assertTrue("the webmail never answered on " + base + "\n" + postern.tail(), System.nanoTime() < deadline);
            Thread.sleep(500);
        }
    }

    @AfterClass
    public static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
    }

    private static String ok(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    private static String account(String password) throws Exception {
        String address = "w" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + address + " --password-file " + postern.passwordFile(password));
        return address;
    }

    private static void swaks(String to, String data) throws Exception {
        String out = postern.swaks("client.example.org", to, data);
        assertTrue(out, out.contains("250 2.0.0"));
    }

    /** A browser: its own cookie jar, redirects not followed (the test looks at each). */
    private static final class Browser {
        final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        String csrf;

        HttpResponse<String> get(String path) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            remember(r);
            return r;
        }

        HttpResponse<byte[]> getBytes(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }

        HttpResponse<String> post(String path, String... fields) throws Exception {
            StringBuilder form = new StringBuilder();
            for (int i = 0; i < fields.length; i += 2) {
                if (form.length() > 0) {
                    form.append('&');
                }
                form.append(URLEncoder.encode(fields[i], StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(), HttpResponse.BodyHandlers.ofString());
            remember(r);
            return r;
        }

        private void remember(HttpResponse<String> r) {
            Matcher m = CSRF.matcher(r.body());
            if (m.find()) {
                csrf = m.group(1);
            }
        }

        HttpResponse<String> login(String user, String password) throws Exception {
            get("/mail/");
            return post("/mail/login", "csrf", csrf, "user", user, "password", password);
        }
    }

    private static String location(HttpResponse<?> r) {
        return r.headers().firstValue("Location").orElse("");
    }

    @Test
    public void loginReadAndActOnMailWithFormsAndTokensAndNoStateChangeOnGet() throws Exception {
        String alice = account("alice webmail password");
        String marker = UUID.randomUUID().toString().substring(0, 8);
        swaks(alice, "From: Sender <sender@origin.example>\r\nTo: " + alice + "\r\nSubject: <script>alert('" + marker
                + "')</script> plain\r\nMessage-ID: <p" + marker + "@origin.example>\r\n\r\nHello " + marker
                + " <b>not bold</b>\r\nsecond line\r\n");
        swaks(alice, "From: =?UTF-8?Q?J=C3=BCrgen?= <j@origin.example>\r\nTo: " + alice + "\r\nSubject: report " + marker
                + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n--b1\r\n"
                + "Content-Type: text/html; name=evil.html\r\nContent-Disposition: attachment; filename=\"evil.html\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\nPHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\r\n--b1--\r\n");

        Browser b = new Browser();
        HttpResponse<String> page = b.get("/mail/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body(), page.body().contains("name=\"password\""));
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp, csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"));
        assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(""));
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElse(""));

        // one answer for a wrong password and for an unknown address
        HttpResponse<String> wrong = b.post("/mail/login", "csrf", b.csrf, "user", alice, "password", "not it");
        HttpResponse<String> unknown = b.post("/mail/login", "csrf", b.csrf, "user", "nobody-" + marker + "@example.net",
                "password", "alice webmail password");
        assertEquals(200, wrong.statusCode());
        assertTrue(wrong.body(), wrong.body().contains(FAILED));
        assertEquals(wrong.body().replace(alice, "X"), unknown.body().replace("nobody-" + marker + "@example.net", "X"));
        // a login form posted from elsewhere (no token of this browser) logs nobody in
        Browser elsewhere = new Browser();
        HttpResponse<String> forged = elsewhere.post("/mail/login", "csrf", b.csrf, "user", alice, "password", "alice webmail password");
        assertEquals(403, forged.statusCode());
        assertTrue(forged.headers().allValues("Set-Cookie").stream().noneMatch(c -> c.startsWith("postern_session=")));

        HttpResponse<String> in = b.post("/mail/login", "csrf", b.csrf, "user", alice, "password", "alice webmail password");
        assertEquals(in.body(), 303, in.statusCode());
        assertEquals("/mail/list?f=INBOX", location(in));
        String session = in.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("postern_session=")).findFirst().orElse("");
        assertTrue(session, session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/mail/"));

        HttpResponse<String> list = b.get("/mail/list?f=INBOX");
        assertEquals(200, list.statusCode());
        String html = list.body();
        assertTrue(html, html.contains("Inbox</a> (2 unread)"));
        assertTrue(html, html.contains("&lt;script&gt;alert(&#39;" + marker + "&#39;)&lt;/script&gt; plain"));
        assertFalse(html, html.contains("<script"));
        assertTrue(html, html.contains("report " + marker));
        assertTrue(html, html.contains("Jürgen"));
        List<String> uids = new ArrayList<>();
        Matcher m = OPEN.matcher(html);
        while (m.find()) {
            uids.add(m.group(1));
        }
        assertEquals(2, uids.size());
        Matcher vm = VALIDITY.matcher(html);
        assertTrue(vm.find());
        String v = vm.group(1);
        String report = uids.get(0); // newest first
        String plain = uids.get(1);

        // no state change on GET, and none without this session's token
        assertEquals(405, b.get("/mail/act?f=INBOX&v=" + v + "&open=" + plain).statusCode());
        assertEquals(403, b.post("/mail/act", "f", "INBOX", "v", v, "open:" + plain, "x").statusCode());
        assertEquals(403, b.post("/mail/act", "csrf", "A".repeat(43), "f", "INBOX", "v", v, "open:" + plain, "x").statusCode());
        HttpResponse<String> read = b.get("/mail/read?f=INBOX&v=" + v + "&u=" + plain);
        assertEquals(200, read.statusCode());
        assertTrue("reading by GET left the message unread", b.get("/mail/list?f=INBOX").body().contains("(2 unread)"));

        HttpResponse<String> opened = b.post("/mail/act", "csrf", b.csrf, "f", "INBOX", "v", v, "open:" + plain, "x");
        assertEquals(303, opened.statusCode());
        assertEquals("/mail/read?f=INBOX&v=" + v + "&u=" + plain, location(opened));
        read = b.get(location(opened));
        assertTrue(read.body(), read.body().contains("Hello " + marker + " &lt;b&gt;not bold&lt;/b&gt;\r\nsecond line"));
        assertTrue(b.get("/mail/list?f=INBOX").body().contains("(1 unread)"));

        // the attachment: a download of type application/octet-stream, never rendered from this origin
        read = b.get("/mail/read?f=INBOX&v=" + v + "&u=" + report);
        assertTrue(read.body(), read.body().contains("See the attachment."));
        assertTrue(read.body(), read.body().contains("evil.html</a> (text/html"));
        HttpResponse<byte[]> part = b.getBytes("/mail/part?f=INBOX&v=" + v + "&u=" + report + "&p=2");
        assertEquals(200, part.statusCode());
        assertEquals("application/octet-stream", part.headers().firstValue("Content-Type").orElse(""));
        assertTrue(part.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment; filename=\"evil.html\""));
        assertEquals("<script>alert(1)</script>", new String(part.body(), StandardCharsets.US_ASCII));

        // text mode: no style sheet, no script, no frames, remembered; rich mode links the theme
        String text = b.get("/mail/list?f=INBOX&text").body();
        assertFalse(text, text.contains("<link") || text.contains("<style") || text.contains("<script") || text.contains("frame"));
        assertTrue(text, text.contains("Rich mode"));
        assertFalse(b.get("/mail/read?f=INBOX&v=" + v + "&u=" + report).body().contains("<link"));
        String rich = b.get("/mail/list?f=INBOX&notext").body();
        assertTrue(rich, rich.contains("<link rel=\"stylesheet\" href=\"/mail/base.css\">"));
        assertTrue(rich, rich.contains("<link rel=\"stylesheet\" href=\"/mail/theme.css?t=light\">"));
        assertEquals(200, b.get("/mail/theme.css?t=light").statusCode());

        // flag, delete to Trash, empty Trash
        assertEquals(303, b.post("/mail/act", "csrf", b.csrf, "f", "INBOX", "v", v, "u", report, "op:flag", "x").statusCode());
        assertTrue(b.get("/mail/list?f=INBOX").body().contains("[flagged]"));
        assertEquals(303, b.post("/mail/act", "csrf", b.csrf, "f", "INBOX", "v", v, "u", report, "op:delete", "x").statusCode());
        String inbox = b.get("/mail/list?f=INBOX").body();
        assertFalse(inbox, inbox.contains("report " + marker));
        String trash = b.get("/mail/list?f=Trash").body();
        assertTrue(trash, trash.contains("report " + marker));
        Matcher tv = VALIDITY.matcher(trash);
        assertTrue(tv.find());
        assertEquals(303, b.post("/mail/act", "csrf", b.csrf, "f", "Trash", "v", tv.group(1), "op:empty", "x").statusCode());
        assertTrue(b.get("/mail/list?f=Trash").body().contains("This folder is empty."));

        // another user sees none of it, whatever the URL
        String bob = account("bob webmail password");
        Browser other = new Browser();
        assertEquals(303, other.login(bob, "bob webmail password").statusCode());
        HttpResponse<String> theirs = other.get("/mail/read?f=INBOX&v=" + v + "&u=" + plain);
        assertEquals(404, theirs.statusCode());
        assertFalse(theirs.body().contains(marker));
        assertEquals(404, other.getBytes("/mail/part?f=INBOX&v=" + v + "&u=" + report + "&p=2").statusCode());
        assertFalse(other.get("/mail/list?f=INBOX").body().contains(marker));

        // logout ends this session only; "log out everywhere" ends every one
        Browser second = new Browser();
        assertEquals(303, second.login(alice, "alice webmail password").statusCode());
        assertEquals(200, b.post("/mail/logout", "csrf", b.csrf).statusCode());
        assertEquals(401, b.get("/mail/list?f=INBOX").statusCode());
        assertEquals(200, second.get("/mail/list?f=INBOX").statusCode());
        Browser third = new Browser();
        assertEquals(303, third.login(alice, "alice webmail password").statusCode());
        third.get("/mail/list?f=INBOX");
        assertEquals(200, third.post("/mail/logout-all", "csrf", third.csrf).statusCode());
        assertEquals(401, second.get("/mail/list?f=INBOX").statusCode());
        assertEquals(401, third.get("/mail/list?f=INBOX").statusCode());
        assertNotEquals(401, other.get("/mail/list?f=INBOX").statusCode());
    }


    private static final Pattern SECRET = Pattern.compile("Secret: <code>([A-Z2-7 ]+)</code>");
    private static final Pattern RECOVERY = Pattern.compile("<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})</code></li>");

    /** Debian's oathtool: the TOTP code of {@code secret} (base32) at {@code epochSeconds}. */
    private static String oathtool(String secret, long epochSeconds) throws Exception {
        List<String> out = PosternProcess.run(List.of("oathtool", "--totp", "-b", "-N", "@" + epochSeconds, secret), null, 30);
        return out.get(out.size() - 1).strip();
    }

    /** Turns two-step login on for a logged-in browser: {base32 secret, the step time used, recovery codes...}. */
    private static List<String> enableTotp(Browser b) throws Exception {
        b.get("/mail/settings");
        HttpResponse<String> setup = b.post("/mail/totp-setup", "csrf", b.csrf);
        assertEquals(303, setup.statusCode());
        String page = b.get("/mail/totp-setup").body();
        Matcher sm = SECRET.matcher(page);
        assertTrue(page, sm.find());
        String secret = sm.group(1).replace(" ", "");
        long now = System.currentTimeMillis() / 1000;
        HttpResponse<String> on = b.post("/mail/totp-confirm", "csrf", b.csrf, "code", oathtool(secret, now));
        assertEquals(200, on.statusCode());
        List<String> result = new ArrayList<>(List.of(secret, String.valueOf(now)));
        Matcher rm = RECOVERY.matcher(on.body());
        while (rm.find()) {
            result.add(rm.group(1));
        }
        assertEquals(on.body(), 12, result.size());
        return result;
    }

    @Test
    public void aLockedAccountsOwnerLearnsWhyOnlyWithBothFactors() throws Exception {
        String dana = account("dana webmail password");
        Browser b = new Browser();
        assertEquals(303, b.login(dana, "dana webmail password").statusCode());
        List<String> totp = enableTotp(b);
        ok("postern:account-lock " + dana + " --reason 'itest lock'");
        // a wrong password: the one refusal, nothing about the lock
        HttpResponse<String> wrong = new Browser().login(dana, "not dana's password");
        assertTrue(wrong.body(), wrong.body().contains(FAILED) && !wrong.body().contains("locked"));
        // the right password: the second factor still comes first
        Browser c = new Browser();
        HttpResponse<String> first = c.login(dana, "dana webmail password");
        assertEquals(303, first.statusCode());
        assertEquals("/mail/totp", location(first));
        assertFalse(c.get("/mail/totp").body().contains("locked"));
        HttpResponse<String> page = c.post("/mail/totp", "csrf", c.csrf, "code",
                oathtool(totp.get(0), Long.parseLong(totp.get(1)) + 30));
        assertEquals(page.body(), 200, page.statusCode());
        assertTrue(page.body(), page.body().contains("Your account is locked"));
        assertTrue(page.headers().allValues("Set-Cookie").stream().noneMatch(h -> h.startsWith("postern_session=")));
        assertEquals(401, c.get("/mail/list?f=INBOX").statusCode());
        ok("postern:account-unlock " + dana);
    }

    @Test
    public void twoStepLoginWithTotpIsReplayProtectedAndHasOneTimeRecoveryCodes() throws Exception {
        String carol = account("carol webmail password");
        Browser b = new Browser();
        assertEquals(303, b.login(carol, "carol webmail password").statusCode());
        assertTrue(b.get("/mail/settings").body().contains("Two-step login is off."));
        assertEquals(303, b.post("/mail/totp-setup", "csrf", b.csrf).statusCode());
        String rich = b.get("/mail/totp-setup").body();
        assertTrue(rich, rich.contains("otpauth://totp/Postern:" + carol.replace("@", "%40") + "?secret="));
        assertTrue(rich, rich.contains("<img src=\"/mail/totp-qr\""));
        HttpResponse<String> qr = b.get("/mail/totp-qr");
        assertEquals(200, qr.statusCode());
        assertEquals("image/svg+xml", qr.headers().firstValue("Content-Type").orElse(""));
        assertTrue(qr.body().startsWith("<svg") && !qr.body().contains("script"));
        String text = b.get("/mail/totp-setup?text").body();
        assertFalse("text mode: the secret as text, no image", text.contains("<img"));
        b.get("/mail/totp-setup?notext");
        // a wrong code turns nothing on
        Matcher sm = SECRET.matcher(text);
        assertTrue(sm.find());
        String shownSecret = sm.group(1).replace(" ", "");
        String wrong = oathtool(shownSecret, System.currentTimeMillis() / 1000 - 600);
        assertTrue(b.post("/mail/totp-confirm", "csrf", b.csrf, "code", wrong).body().contains("That code is not right"));
        assertTrue(b.get("/mail/settings").body().contains("Two-step login is off."));

        List<String> totp = enableTotp(b);
        String secret = totp.get(0);
        long enrolled = Long.parseLong(totp.get(1));
        List<String> recovery = totp.subList(2, 12);
        assertTrue(b.get("/mail/settings").body().contains("You have 10 unused recovery codes."));

        // the password alone no longer opens a session
        Browser c = new Browser();
        HttpResponse<String> first = c.login(carol, "carol webmail password");
        assertEquals(303, first.statusCode());
        assertEquals("/mail/totp", location(first));
        assertTrue(first.headers().allValues("Set-Cookie").stream().noneMatch(h -> h.startsWith("postern_session=")));
        assertEquals(401, c.get("/mail/list?f=INBOX").statusCode());
        assertTrue(c.get("/mail/totp").body().contains("name=\"code\""));
        assertTrue(c.post("/mail/totp", "csrf", c.csrf, "code", "000000").body().contains("That code is not right"));
        // the code that turned it on was spent by the enrolment
        assertTrue(c.post("/mail/totp", "csrf", c.csrf, "code", oathtool(secret, enrolled)).body().contains("That code is not right"));
        String next = oathtool(secret, enrolled + 30);
        HttpResponse<String> in = c.post("/mail/totp", "csrf", c.csrf, "code", next);
        assertEquals(in.body(), 303, in.statusCode());
        assertEquals(200, c.get("/mail/list?f=INBOX").statusCode());

        // the same code again, in another browser: refused (replay)
        Browser d = new Browser();
        d.login(carol, "carol webmail password");
        d.get("/mail/totp");
        assertTrue(d.post("/mail/totp", "csrf", d.csrf, "code", next).body().contains("That code is not right"));
        // a recovery code works once
        assertEquals(303, d.post("/mail/totp", "csrf", d.csrf, "code", recovery.get(0)).statusCode());
        Browser e = new Browser();
        e.login(carol, "carol webmail password");
        e.get("/mail/totp");
        assertTrue(e.post("/mail/totp", "csrf", e.csrf, "code", recovery.get(0)).body().contains("That code is not right"));
        // five wrong codes drop the half-done login: the password has to be typed again
        for (int i = 0; i < 3; i++) {
            e.post("/mail/totp", "csrf", e.csrf, "code", "00000" + i);
        }
        HttpResponse<String> dropped = e.post("/mail/totp", "csrf", e.csrf, "code", "999999");
        assertTrue(dropped.body(), dropped.body().contains(FAILED));
        assertEquals(303, e.get("/mail/totp").statusCode());

        // turning it off takes a code (here a recovery code); then the password alone logs in again
        assertTrue(b.get("/mail/settings").body().contains("You have 9 unused recovery codes."));
        assertTrue(b.post("/mail/totp-disable", "csrf", b.csrf, "code", "123456").body().contains("still on"));
        assertTrue(b.post("/mail/totp-disable", "csrf", b.csrf, "code", recovery.get(1)).body().contains("Two-step login is off."));
        Browser f = new Browser();
        HttpResponse<String> plain = f.login(carol, "carol webmail password");
        assertEquals("/mail/list?f=INBOX", location(plain));
    }


    /** swaks to the MX from a given EHLO name; returns what swaks printed (its exit status not checked). */
    private static String swaksFrom(String helo, String to, String data) throws Exception {
        return postern.swaks(helo, to, data);
    }

    /** A compose form as a browser sends it with a file: multipart/form-data. */
    private static HttpResponse<String> postMultipart(Browser b, String path, List<String[]> fields, String fileName, byte[] file)
            throws Exception {
        String boundary = "----postern" + UUID.randomUUID().toString().replace("-", "");
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (String[] f : fields) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f[0] + "\"\r\n\r\n" + f[1] + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (fileName != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"attach\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: text/plain\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(file);
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return b.http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls a folder's list until it shows {@code text}; returns the page. */
    private static String awaitInList(Browser b, String folder, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            String page = b.get("/mail/list?f=" + folder).body();
            if (page.contains(text)) {
                return page;
            }
            assertTrue("never arrived in " + folder + ": " + text + "\n" + page, System.nanoTime() < deadline);
            Thread.sleep(300);
        }
    }

    private static String uidOf(String listPage, String subjectHtml) {
        Matcher m = Pattern.compile("name=\"open:([0-9]+)\" value=\"" + Pattern.quote(subjectHtml) + "\"").matcher(listPage);
        assertTrue(subjectHtml + " in " + listPage, m.find());
        return m.group(1);
    }

    private static String validityOf(String page) {
        Matcher m = VALIDITY.matcher(page);
        assertTrue(page, m.find());
        return m.group(1);
    }

    @Test
    public void composeSendReplyAndBlockASendingServerFromAMessage() throws Exception {
        String alice = account("alice2 webmail password");
        String bob = account("bob2 webmail password");
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String accepted = swaksFrom("client.spam-" + marker + ".example", alice,
                "From: Pushy <pushy@spam-" + marker + ".example>\r\nTo: " + alice + "\r\nSubject: offer " + marker + "\r\n\r\nBuy.\r\n");
        assertTrue(accepted, accepted.contains("250 2.0.0"));
        Browser a = new Browser();
        assertEquals(303, a.login(alice, "alice2 webmail password").statusCode());
        String list = awaitInList(a, "INBOX", "offer " + marker);
        String v = validityOf(list);
        String uid = uidOf(list, "offer " + marker);
        String read = a.get("/mail/read?f=INBOX&v=" + v + "&u=" + uid).body();
        assertTrue(read, read.contains("Block this server (client.spam-" + marker + ".example)"));
        assertTrue(read, read.contains("Block every server of spam-" + marker + ".example"));
        assertTrue(read, read.contains("Block every server in .example"));
        assertTrue(read, read.contains("Block the sender pushy@spam-" + marker + ".example"));
        HttpResponse<String> blocked = a.post("/mail/block", "csrf", a.csrf, "entry", "server:spam-" + marker + ".example");
        assertTrue(blocked.body(), blocked.body().contains("server:spam-" + marker + ".example added to your Block List"));
        assertTrue(a.get("/mail/settings").body().contains("<li>server:spam-" + marker + ".example"));
        // the MX now answers that server as if the address did not exist
        String refused = swaksFrom("other.spam-" + marker + ".example", alice, "Subject: again\r\n\r\nBuy.\r\n");
        assertTrue(refused, refused.contains("550 5.1.1"));
        // the shell's validation, in the webmail's words
        assertTrue(a.post("/mail/blocklist", "csrf", a.csrf, "entry", "server:", "op:add", "Add").body().contains("Not changed: "));
        assertTrue(a.post("/mail/blocklist", "csrf", a.csrf, "entry", "server:spam-" + marker + ".example", "op:remove", "Remove")
                .body().contains("removed from your Block List"));
        assertTrue(swaksFrom("other.spam-" + marker + ".example", alice, "Subject: again\r\n\r\nBuy.\r\n").contains("250 2.0.0"));

        // write with an attachment; the copy goes to Sent, the message to bob through the queue
        String page = a.get("/mail/compose").body();
        assertTrue(page, page.contains("value=\"" + alice + "\""));
        byte[] notes = ("notes " + marker + "\nline two\n").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> sent = postMultipart(a, "/mail/compose", List.of(new String[] {"csrf", a.csrf},
                new String[] {"from", alice}, new String[] {"to", "Bob <" + bob + ">"}, new String[] {"cc", ""},
                new String[] {"bcc", ""}, new String[] {"subject", "Grüße <b>" + marker + "</b>"},
                new String[] {"body", "Hello Bob,\r\n.\r\nFrom here: ünïcode " + marker + "\r\n"},
                new String[] {"inReplyTo", ""}, new String[] {"references", ""}, new String[] {"rf", ""}, new String[] {"rv", ""},
                new String[] {"ru", ""}, new String[] {"op:send", "Send"}), "notes.txt", notes);
        assertEquals(sent.body(), 303, sent.statusCode());
        assertEquals("/mail/list?f=INBOX&sent=1", location(sent));
        assertTrue(a.get("/mail/list?f=INBOX&sent=1").body().contains("Your message was sent."));
        String subjectHtml = "Grüße &lt;b&gt;" + marker + "&lt;/b&gt;";
        awaitInList(a, "Sent", subjectHtml);

        Browser b = new Browser();
        assertEquals(303, b.login(bob, "bob2 webmail password").statusCode());
        String inbox = awaitInList(b, "INBOX", subjectHtml);
        String bv = validityOf(inbox);
        String bu = uidOf(inbox, subjectHtml);
        String shown = b.get("/mail/read?f=INBOX&v=" + bv + "&u=" + bu).body();
        assertTrue(shown, shown.contains("Hello Bob,\r\n.\r\nFrom here: ünïcode " + marker));
        assertTrue(shown, shown.contains(alice));
        HttpResponse<byte[]> part = b.getBytes("/mail/part?f=INBOX&v=" + bv + "&u=" + bu + "&p=2");
        assertEquals(200, part.statusCode());
        assertEquals(new String(notes, StandardCharsets.UTF_8), new String(part.body(), StandardCharsets.UTF_8));

        // search finds it by a word of its text (case and accents as written), in every folder
        String found = b.get("/mail/search?q=" + URLEncoder.encode("ÜNÏCODE " + marker, StandardCharsets.UTF_8)).body();
        assertTrue(found, found.contains("1 message found"));
        assertTrue(found, found.contains(subjectHtml));
        String inSent = a.get("/mail/search?q=" + marker + "%3C%2Fb").body();
        assertTrue(inSent, inSent.contains("<td>Sent</td>"));
        assertTrue(a.get("/mail/search?q=nothing-like-this-" + marker).body().contains("Nothing found."));

        // bob replies: Re: once, the text quoted, threaded, and his original marked answered
        String reply = b.get("/mail/compose?mode=reply&f=INBOX&v=" + bv + "&u=" + bu).body();
        assertTrue(reply, reply.contains("value=\"Re: " + subjectHtml + "\""));
        assertTrue(reply, reply.contains("&gt; Hello Bob,"));
        Matcher irt = Pattern.compile("name=\"inReplyTo\" value=\"([^\"]+)\"").matcher(reply);
        assertTrue(reply, irt.find());
        HttpResponse<String> replied = b.post("/mail/compose", "csrf", b.csrf, "from", bob, "to", alice, "cc", "", "bcc", "",
                "subject", "Re: Grüße <b>" + marker + "</b>", "body", "Thanks!", "inReplyTo", irt.group(1).replace("&lt;", "<").replace("&gt;", ">"),
                "references", "", "rf", "INBOX", "rv", bv, "ru", bu, "op:send", "Send");
        assertEquals(replied.body(), 303, replied.statusCode());
        awaitInList(a, "INBOX", "Re: " + subjectHtml);

        // refusals come back to the form, with what was typed
        HttpResponse<String> notMine = b.post("/mail/compose", "csrf", b.csrf, "from", "someone@elsewhere.example", "to", alice,
                "subject", "spoof", "body", "kept text " + marker, "op:send", "Send");
        assertTrue(notMine.body(), notMine.body().contains("this account cannot send as someone@elsewhere.example"));
        assertTrue(notMine.body(), notMine.body().contains("kept text " + marker));
        assertTrue(b.post("/mail/compose", "csrf", b.csrf, "from", bob, "to", "not an address", "subject", "x", "body", "y",
                "op:send", "Send").body().contains("Not sent: not a mail address: not an address."));
        assertEquals(403, b.post("/mail/compose", "from", bob, "to", alice, "subject", "x", "body", "y", "op:send", "Send").statusCode());
        // a draft is kept in Drafts
        HttpResponse<String> draft = b.post("/mail/compose", "csrf", b.csrf, "from", bob, "to", "", "subject", "draft " + marker,
                "body", "later", "op:draft", "Save draft");
        assertEquals(303, draft.statusCode());
        assertTrue(b.get(location(draft)).body().contains("draft " + marker));
    }


    @Test
    public void conversationsForwardsWithAttachmentsAndDraftsReopened() throws Exception {
        String carol = account("carol webmail password");
        String dave = account("dave webmail password");
        String m = UUID.randomUUID().toString().substring(0, 8);
        swaks(carol, "From: Ann <ann@example.org>\r\nTo: " + carol + "\r\nSubject: Plans " + m + "\r\nMessage-ID: <a-" + m
                + "@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nSee the map.\r\n--b\r\nContent-Type: text/plain; name=\"map.txt\"\r\n"
                + "Content-Disposition: attachment; filename=\"map.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getEncoder().encodeToString(("map " + m).getBytes(StandardCharsets.UTF_8)) + "\r\n--b--\r\n");
        swaks(carol, "From: Ben <ben@example.org>\r\nTo: " + carol + "\r\nSubject: Re: Plans " + m
                + "\r\nIn-Reply-To: <a-" + m + "@example.org>\r\n\r\nCount me in.\r\n");
        swaks(carol, "From: Cy <cy@example.org>\r\nTo: " + carol + "\r\nSubject: Other " + m + "\r\n\r\nUnrelated.\r\n");
        Browser c = new Browser();
        assertEquals(303, c.login(carol, "carol webmail password").statusCode());
        String list = awaitInList(c, "INBOX", "Other " + m);
        awaitInList(c, "INBOX", "Re: Plans " + m);
        String v = validityOf(list);
        String original = uidOf(list, "Plans " + m);
        String answer = uidOf(list, "Re: Plans " + m);

        // as conversations: the answer and what it answers are one row, picked together
        String threads = c.get("/mail/list?f=INBOX&t=1").body();
        assertTrue(threads, threads.contains("3 messages in 2 conversations"));
        assertTrue(threads, threads.contains("name=\"open:" + answer + "\" value=\"Plans " + m + "\" class=\"link\"> (2) [new]"));
        assertTrue(threads, threads.contains("value=\"" + original + "," + answer + "\""));
        HttpResponse<String> read = c.post("/mail/act", "csrf", c.csrf, "f", "INBOX", "v", v, "t", "1", "u", original + "," + answer,
                "op:seen", "Mark read");
        assertEquals("/mail/list?f=INBOX&t=1", location(read));
        assertFalse(c.get("/mail/list?f=INBOX&t=1").body().contains("(2) [new]"));
        assertFalse(c.get("/mail/read?f=INBOX&v=" + v + "&u=" + answer).body().contains("This conversation"));
        HttpResponse<String> opened = c.post("/mail/act", "csrf", c.csrf, "f", "INBOX", "v", v, "t", "1", "open:" + answer, "x");
        assertEquals("/mail/read?f=INBOX&v=" + v + "&u=" + answer + "&t=1", location(opened));
        String page = c.get(location(opened)).body();
        assertTrue(page, page.contains("This conversation (2 messages)"));
        assertTrue(page, page.contains("name=\"open:" + original + "\" value=\"Ann, "));

        // a forward carries the original's attachment, unless it is unticked
        String fwd = c.get("/mail/compose?mode=forward&f=INBOX&v=" + v + "&u=" + original).body();
        assertTrue(fwd, fwd.contains("name=\"keep\" value=\"2\" checked>"));
        assertTrue(fwd, fwd.contains("map.txt (about "));
        HttpResponse<String> forwarded = c.post("/mail/compose", "csrf", c.csrf, "from", carol, "to", dave, "subject",
                "Fwd: Plans " + m, "body", "Have a look.", "sf", "INBOX", "sv", v, "su", original, "keep", "2", "op:send", "Send");
        assertEquals(forwarded.body(), 303, forwarded.statusCode());
        // the same form saved as a draft, with a Bcc, and the attachment kept
        HttpResponse<String> saved = c.post("/mail/compose", "csrf", c.csrf, "from", carol, "to", dave, "bcc", carol, "subject",
                "Draft " + m, "body", "Unfinished " + m, "sf", "INBOX", "sv", v, "su", original, "keep", "2", "op:draft", "Save draft");
        assertEquals(saved.body(), 303, saved.statusCode());
        String drafts = c.get(location(saved)).body();
        String dv = validityOf(drafts);
        String du = uidOf(drafts, "Draft " + m);
        assertTrue(c.get("/mail/read?f=Drafts&v=" + dv + "&u=" + du).body().contains("Edit this draft"));
        String reopened = c.get("/mail/compose?mode=draft&f=Drafts&v=" + dv + "&u=" + du).body();
        assertTrue(reopened, reopened.contains("name=\"subject\" type=\"text\" size=\"60\" value=\"Draft " + m + "\""));
        assertTrue(reopened, reopened.contains("name=\"bcc\" type=\"text\" size=\"60\" value=\"" + carol + "\""));
        assertTrue(reopened, reopened.contains("Unfinished " + m));
        assertTrue(reopened, reopened.contains("name=\"keep\" value=\"2\" checked>"));
        assertTrue(reopened, reopened.contains("name=\"du\" value=\"" + du + "\""));
        HttpResponse<String> finished = c.post("/mail/compose", "csrf", c.csrf, "from", carol, "to", dave, "subject",
                "Finished " + m, "body", "Done " + m, "sf", "Drafts", "sv", dv, "su", du, "keep", "2",
                "df", "Drafts", "dv", dv, "du", du, "op:send", "Send");
        assertEquals(finished.body(), 303, finished.statusCode());
        assertFalse("the reopened draft is gone once sent", c.get("/mail/list?f=Drafts").body().contains("Draft " + m));
        // the draft fields cannot delete a message that is not a draft
        c.post("/mail/compose", "csrf", c.csrf, "from", carol, "to", dave, "subject", "x " + m, "body", "y",
                "df", "INBOX", "dv", v, "du", original, "op:draft", "Save draft");
        assertTrue(c.get("/mail/list?f=INBOX").body().contains("name=\"open:" + original + "\""));

        Browser d = new Browser();
        assertEquals(303, d.login(dave, "dave webmail password").statusCode());
        for (String subject : List.of("Fwd: Plans " + m, "Finished " + m)) {
            String inbox = awaitInList(d, "INBOX", subject);
            String u = uidOf(inbox, subject);
            String dvv = validityOf(inbox);
            String shown = d.get("/mail/read?f=INBOX&v=" + dvv + "&u=" + u).body();
            assertTrue(shown, shown.contains("map.txt"));
            assertFalse("a Bcc never travels: " + shown, shown.contains("Bcc"));
            HttpResponse<byte[]> part = d.getBytes("/mail/part?f=INBOX&v=" + dvv + "&u=" + u + "&p=2");
            assertEquals(200, part.statusCode());
            assertEquals("map " + m, new String(part.body(), StandardCharsets.UTF_8));
        }
    }

    /** Polls the settings page until {@code check} holds; returns it. */
    private static String awaitSettings(Browser b, java.util.function.Predicate<String> check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            String page = b.get("/mail/settings?notext").body();
            if (check.test(page)) {
                return page;
            }
            assertTrue(what + "\n" + page, System.nanoTime() < deadline);
            Thread.sleep(500);
        }
    }

    @Test
    public void themeBundlesComeAndGoAtRunTimeAndUsersFallBackToTheDefault() throws Exception {
        String dora = account("dora webmail password");
        Browser b = new Browser();
        assertEquals(303, b.login(dora, "dora webmail password").statusCode());
        String settings = awaitSettings(b, p -> p.contains("High contrast"), "the three shipped themes");
        assertTrue(settings, settings.contains("Light (current)"));
        assertTrue(settings, settings.contains("value=\"dark\""));
        assertTrue(settings, settings.contains("<img src=\"/mail/swatch?t=dark\""));
        HttpResponse<String> swatch = b.get("/mail/swatch?t=dark");
        assertEquals("image/svg+xml", swatch.headers().firstValue("Content-Type").orElse(""));
        assertTrue(swatch.body().contains("#17191d"));

        assertTrue(b.post("/mail/theme", "csrf", b.csrf, "theme", "dark").body().contains("Your theme is now Dark."));
        assertTrue(b.get("/mail/list?f=INBOX").body().contains("href=\"/mail/theme.css?t=dark\""));
        assertTrue(b.get("/mail/theme.css?t=dark").body().contains("--bg: #17191d"));
        assertTrue(b.post("/mail/theme", "csrf", b.csrf, "theme", "no-such").body().contains("That theme is not installed."));
        // kept across logins: it is the account's setting
        Browser again = new Browser();
        again.login(dora, "dora webmail password");
        assertTrue(again.get("/mail/list?f=INBOX").body().contains("href=\"/mail/theme.css?t=dark\""));

        // the operator removes the dark theme: its users get the default, nothing breaks
        ok("feature:uninstall postern-theme-dark");
        awaitSettings(b, p -> !p.contains("value=\"dark\""), "dark still offered after its feature was uninstalled");
        assertTrue(b.get("/mail/list?f=INBOX").body().contains("href=\"/mail/theme.css?t=light\""));
        assertTrue(b.get("/mail/theme.css?t=dark").body().contains("no such theme installed"));
        // and installs it again: offered at once, no restart, and the user's choice is back
        ok("feature:install postern-theme-dark");
        awaitSettings(b, p -> p.contains("value=\"dark\""), "dark not offered after its feature was installed");
        assertTrue(b.get("/mail/list?f=INBOX").body().contains("href=\"/mail/theme.css?t=dark\""));
    }


    @Test
    public void htmlMailIsShownOnlyCleanedInASandboxedFrameWithRemoteImagesHeldBack() throws Exception {
        String erin = account("erin webmail password");
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String hostile = "<p>Dear <b>customer</b> " + marker + "</p><script>alert(1)</script><img src=x onerror=alert(2)>"
                + "<svg onload=alert(3)></svg><a href=\"javascript:alert(4)\">win</a><iframe src=\"http://evil.example/\"></iframe>"
                + "<div style=\"width:expression(alert(5))\">css</div><form action=\"http://evil.example/\"><input name=p></form>"
                + "<img src=\"http://tracker.example/pixel.gif\" alt=\"pixel\"><a href=\"data:text/html,<script>alert(6)</script>\">data</a>";
        swaks(erin, "From: News <news@origin.example>\r\nTo: " + erin + "\r\nSubject: html " + marker
                + "\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + hostile + "\r\n");
        Browser b = new Browser();
        assertEquals(303, b.login(erin, "erin webmail password").statusCode());
        String list = awaitInList(b, "INBOX", "html " + marker);
        String v = validityOf(list);
        String uid = uidOf(list, "html " + marker);
        String read = b.get("/mail/read?f=INBOX&v=" + v + "&u=" + uid + "&notext").body();
        // plain text by default: the markup's text, nothing of it rendered
        assertTrue(read, read.contains("Dear customer " + marker));
        assertFalse(read, read.contains("<iframe"));
        assertTrue(read, read.contains("Show the HTML version"));
        String framed = b.get("/mail/read?f=INBOX&v=" + v + "&u=" + uid + "&html").body();
        assertTrue(framed, framed.contains("<iframe class=\"html\" src=\"/mail/html?f=INBOX&amp;v=" + v + "&amp;u=" + uid + "\" sandbox="));
        assertTrue(framed, framed.contains("1 remote image blocked"));
        HttpResponse<String> doc = b.get("/mail/html?f=INBOX&v=" + v + "&u=" + uid);
        String csp = doc.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp, csp.startsWith("sandbox") && csp.contains("default-src 'none'") && !csp.contains("script-src"));
        assertFalse(csp, csp.contains("http:"));
        String html = doc.body();
        assertTrue(html, html.contains("<b>customer</b> " + marker));
        for (String bad : List.of("<script", "onerror", "onload", "javascript:", "<svg", "<iframe", "expression(", "<form", "<input",
                "data:text", "tracker.example")) {
            assertFalse(bad + " in " + html, html.toLowerCase(java.util.Locale.ROOT).contains(bad));
        }
        // remote images only when asked, fetched by the browser (the policy allows them then), never by the server
        HttpResponse<String> remote = b.get("/mail/html?f=INBOX&v=" + v + "&u=" + uid + "&remote");
        assertTrue(remote.body(), remote.body().contains("src=\"http://tracker.example/pixel.gif\""));
        assertTrue(remote.headers().firstValue("Content-Security-Policy").orElse("").contains("img-src data: https: http:"));
        // text mode has no frames at all
        String text = b.get("/mail/read?f=INBOX&v=" + v + "&u=" + uid + "&html&text").body();
        assertFalse(text, text.contains("<iframe"));
        // another account's message is not served as HTML either
        String other = account("other webmail password");
        Browser o = new Browser();
        o.login(other, "other webmail password");
        assertEquals(404, o.get("/mail/html?f=INBOX&v=" + v + "&u=" + uid).statusCode());
    }


    @Test
    public void manageCatchAllsWithAPreviewComputedByThePolicy() throws Exception {
        String fred = account("fred webmail password");
        String domain = "f" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + ".example";
        ok("postern:account-domain-add " + fred + " " + domain);
        Browser b = new Browser();
        assertEquals(303, b.login(fred, "fred webmail password").statusCode());
        String settings = b.get("/mail/settings").body();
        assertTrue(settings, settings.contains("id=\"mode-block\" value=\"block\" checked"));
        assertTrue(b.get("/mail/settings?preview=anyone@" + domain).body()
                .contains("Mail to anyone@" + domain + " would be delivered: block mode delivers every address that is not listed."));

        assertTrue(b.post("/mail/catchall", "csrf", b.csrf, "mode", "whitelist", "op:mode", "Save mode").body().contains("Whitelist mode"));
        assertTrue(b.post("/mail/catchall", "csrf", b.csrf, "entry", "sales", "op:add", "Add").body()
                .contains("sales added to Manage Catch-alls."));
        assertTrue(b.post("/mail/catchall", "csrf", b.csrf, "entry", "@not-" + domain, "op:add", "Add").body().contains("Not changed: "));
        assertTrue(b.get("/mail/settings?preview=sales@" + domain).body()
                .contains("Mail to sales@" + domain + " would be delivered: the entry sales lets it through."));
        assertTrue(b.get("/mail/settings?preview=x@" + domain).body().contains("Mail to x@" + domain
                + " would be refused: whitelist mode delivers only listed addresses, and it is not listed."));
        assertTrue(b.get("/mail/settings?preview=someone@example.net").body()
                .contains("would be refused: someone@example.net is not one of your addresses"));
        // the MX agrees with the preview
        assertTrue(swaksFrom("client.example.org", "x@" + domain, "Subject: x\r\n\r\ny\r\n").contains("550 5.1.1"));
        assertTrue(swaksFrom("client.example.org", "sales@" + domain, "Subject: x\r\n\r\ny\r\n").contains("250 2.0.0"));
        assertTrue(b.post("/mail/catchall", "csrf", b.csrf, "entry", "sales", "op:remove", "Remove").body().contains("removed"));
        assertEquals(405, b.get("/mail/catchall?mode=block&op:mode=x").statusCode());
    }


    private static boolean imapsLogin(String user, String password) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(postern.imapsPort));
        p.put("mail.imaps.ssl.trust", "*");
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        p.put("mail.imaps.timeout", "60000");
        jakarta.mail.Store store = jakarta.mail.Session.getInstance(p).getStore("imaps");
        try {
            store.connect(user, password);
            store.close();
            return true;
        } catch (jakarta.mail.AuthenticationFailedException refused) {
            return false;
        }
    }

    @Test
    public void appPasswordsAreMadeShownOnceListedAndDeletedInSettings() throws Exception {
        String gina = account("gina webmail password");
        Browser b = new Browser();
        assertEquals(303, b.login(gina, "gina webmail password").statusCode());
        assertTrue(b.get("/mail/settings").body().contains("You have no app passwords."));
        assertTrue(b.post("/mail/apppw", "csrf", b.csrf, "name", "phone", "op:create", "Create").body().contains("tick at least one"));
        assertTrue(b.post("/mail/apppw", "csrf", b.csrf, "name", "phone", "p:imap", "on", "expires", "tomorrow", "op:create", "Create")
                .body().contains("YYYY-MM-DD"));
        HttpResponse<String> made = b.post("/mail/apppw", "csrf", b.csrf, "name", "phone", "p:imap", "on", "networks", "127.0.0.0/8",
                "expires", java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(30).toString(), "op:create", "Create");
        Matcher sm = Pattern.compile("<p><code>([^<]+)</code></p>").matcher(made.body());
        assertTrue(made.body(), sm.find());
        String secret = sm.group(1);
        assertEquals("no-store", made.headers().firstValue("Cache-Control").orElse(""));
        String settings = b.get("/mail/settings").body();
        assertTrue(settings, settings.contains("<td>phone</td><td>IMAP</td><td>127.0.0.0/8</td>"));
        assertFalse("the secret is never shown again", settings.contains(secret));
        assertTrue(b.post("/mail/apppw", "csrf", b.csrf, "name", "phone", "p:pop3", "on", "op:create", "Create").body()
                .contains("Not changed: "));
        // it works for IMAP, the account password does not (an app password exists: bridge mode is over)
        assertTrue(imapsLogin(gina, secret));
        assertFalse(imapsLogin(gina, "gina webmail password"));
        assertTrue(b.post("/mail/apppw", "csrf", b.csrf, "name", "phone", "op:delete", "Delete").body().contains("deleted"));
        assertFalse(imapsLogin(gina, secret));
        assertTrue(b.get("/mail/settings").body().contains("You have no app passwords."));
    }


    @Test
    public void serviceNoticesFromTheConsoleAreShownInBothModes() throws Exception {
        String hana = account("hana webmail password");
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String added = ok("postern:notice-add 'Maintenance <b>Sunday</b> " + marker + "'");
        Matcher id = Pattern.compile("notice ([0-9a-f]{32}) added").matcher(added);
        assertTrue(added, id.find());
        assertTrue(ok("postern:notice-list").contains(marker));
        Browser b = new Browser();
        assertEquals(303, b.login(hana, "hana webmail password").statusCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!b.get("/mail/list?f=INBOX").body().contains("/mail/notices")) {
            assertTrue("no notices link", System.nanoTime() < deadline);
            Thread.sleep(1000);
        }
        for (String mode : List.of("text", "notext")) {
            String page = b.get("/mail/notices?" + mode).body();
            assertTrue(page, page.contains("Maintenance &lt;b&gt;Sunday&lt;/b&gt; " + marker));
        }
        ok("postern:notice-remove " + id.group(1));
        assertFalse(ok("postern:notice-list").contains(marker));
        assertTrue(postern.client(admin, "postern:notice-remove " + id.group(1)).exit != 0);
    }


    @Test
    public void aStolenSessionCannotReplaceOrGuessTheSecondFactorNorUploadWithoutLogin() throws Exception {
        String ivy = account("ivy webmail password");
        Browser b = new Browser();
        assertEquals(303, b.login(ivy, "ivy webmail password").statusCode());
        Browser before = new Browser();
        assertEquals(303, before.login(ivy, "ivy webmail password").statusCode());
        enableTotp(b);
        assertEquals("turning two-step login on ends the sessions opened without it", 401,
                before.get("/mail/list?f=INBOX").statusCode());
        assertEquals(200, b.get("/mail/list?f=INBOX").statusCode());
        assertTrue(b.post("/mail/totp-setup", "csrf", b.csrf).body().contains("turn it off first"));
        for (int i = 0; i < 4; i++) {
            assertTrue(b.post("/mail/totp-disable", "csrf", b.csrf, "code", "00000" + i).body().contains("still on"));
        }
        assertTrue(b.post("/mail/totp-disable", "csrf", b.csrf, "code", "000009").body().contains("Too many wrong codes"));
        assertEquals(401, b.get("/mail/list?f=INBOX").statusCode());
        // the operator's way out for a user who lost the app and the recovery codes
        assertTrue(ok("postern:totp-disable " + ivy).contains("turned off"));
        assertEquals("/mail/list?f=INBOX", location(new Browser().login(ivy, "ivy webmail password")));
        assertTrue(postern.client(admin, "postern:totp-disable " + ivy).exit != 0);

        // multipart bodies are read only for a logged-in session's compose form
        Browser stranger = new Browser();
        stranger.get("/mail/");
        byte[] big = new byte[16 << 10]; // small enough to be sent whole before the early refusal
        assertEquals(415, postMultipart(stranger, "/mail/", List.of(), "x.bin", big).statusCode());
        assertEquals(415, postMultipart(stranger, "/mail/login", List.<String[]>of(new String[] {"csrf", stranger.csrf}), "x.bin", big)
                .statusCode());
        assertEquals(415, postMultipart(stranger, "/mail/compose", List.<String[]>of(new String[] {"csrf", stranger.csrf}), "x.bin", big)
                .statusCode());
    }


    @Test
    public void calendarTasksAndContactsThroughTheGroupwareServiceInBothModes() throws Exception {
        String jo = account("jo webmail password");
        Browser b = new Browser();
        assertEquals(303, b.login(jo, "jo webmail password").statusCode());
        String month = b.get("/mail/calendar?view=month&d=2026-12-10").body();
        assertTrue(month, month.contains("Calendar: December 2026"));
        Matcher cal = Pattern.compile("<select id=\"ev-cal\" name=\"c\"><option value=\"([^\"]+)\"").matcher(month);
        assertTrue("a default calendar on first use: " + month, cal.find());
        HttpResponse<String> added = b.post("/mail/calendar", "csrf", b.csrf, "view", "month", "title", "Dentist <x>",
                "date", "2026-12-10", "start", "09:30", "end", "10:15", "c", cal.group(1), "op:add", "Add event");
        assertEquals(added.body(), 303, added.statusCode());
        month = b.get(location(added)).body();
        assertTrue(month, month.contains("09:30–10:15 Dentist &lt;x&gt;"));
        assertTrue(b.get("/mail/calendar?view=week&d=2026-12-09").body().contains("Dentist &lt;x&gt;"));
        assertFalse(b.get("/mail/calendar?view=week&d=2026-12-20").body().contains("Dentist"));
        assertTrue(b.post("/mail/calendar", "csrf", b.csrf, "title", "x", "date", "10.12.2026", "c", cal.group(1), "op:add", "Add")
                .body().contains("Not changed: the date must be written YYYY-MM-DD"));
        assertTrue(b.post("/mail/calendar", "csrf", b.csrf, "title", "Holiday", "date", "2026-12-24", "c", cal.group(1), "op:add", "Add")
                .statusCode() == 303);
        String agenda = b.get("/mail/calendar?view=agenda&d=2026-12-01&text").body();
        assertTrue(agenda, agenda.contains("Thu 24 Dec 2026") && agenda.contains("all day Holiday"));
        assertFalse(agenda, agenda.contains("<link") || agenda.contains("<style"));
        b.get("/mail/?notext");
        Matcher ev = Pattern.compile("name=\"n\" value=\"([^\"]+)\"><input type=\"hidden\" name=\"etag\" value=\"([^\"]+)\"")
                .matcher(b.get("/mail/calendar?view=agenda&d=2026-12-09").body());
        assertTrue(ev.find());
        assertEquals(303, b.post("/mail/calendar", "csrf", b.csrf, "c", cal.group(1), "n", ev.group(1),
                "etag", ev.group(2).replace("&quot;", "\""), "op:delete", "Delete").statusCode());
        assertFalse(b.get("/mail/calendar?view=month&d=2026-12-10").body().contains("Dentist"));

        String tasks = b.get("/mail/tasks").body();
        Matcher list = Pattern.compile("<select id=\"task-list\" name=\"c\"><option value=\"([^\"]+)\"").matcher(tasks);
        assertTrue("a default task list on first use: " + tasks, list.find());
        assertEquals(303, b.post("/mail/tasks", "csrf", b.csrf, "title", "Pay rent", "due", "2026-12-31", "c", list.group(1),
                "op:add", "Add task").statusCode());
        tasks = b.get("/mail/tasks").body();
        assertTrue(tasks, tasks.contains("<td>Pay rent</td><td>2026-12-31</td><td>open</td>"));
        Matcher t = Pattern.compile("name=\"n\" value=\"([^\"]+)\"><input type=\"hidden\" name=\"etag\" value=\"([^\"]+)\"")
                .matcher(tasks);
        assertTrue(t.find());
        assertEquals(303, b.post("/mail/tasks", "csrf", b.csrf, "c", list.group(1), "n", t.group(1),
                "etag", t.group(2).replace("&quot;", "\""), "op:done", "Done").statusCode());
        assertTrue(b.get("/mail/tasks").body().contains("<td>Pay rent</td><td>2026-12-31</td><td>done</td>"));

        String contacts = b.get("/mail/contacts").body();
        Matcher book = Pattern.compile("<select id=\"ct-book\" name=\"c\"><option value=\"([^\"]+)\"").matcher(contacts);
        assertTrue("a default address book on first use: " + contacts, book.find());
        assertEquals(303, b.post("/mail/contacts", "csrf", b.csrf, "title", "Ann Example", "email", "ann@example.org",
                "phone", "+1 555 0100", "c", book.group(1), "op:add", "Add contact").statusCode());
        contacts = b.get("/mail/contacts").body();
        assertTrue(contacts, contacts.contains("Ann Example</a> &lt;ann@example.org&gt;"));
        Matcher card = Pattern.compile("href=\"(/mail/contacts\\?b=[^\"]+)\">Ann Example").matcher(contacts);
        assertTrue(card.find());
        String shown = b.get(card.group(1).replace("&amp;", "&")).body();
        assertTrue(shown, shown.contains("<dt>Email</dt><dd>ann@example.org</dd>") && shown.contains("<dt>Phone</dt><dd>+1 555 0100</dd>"));
        // another account sees none of it
        String other = account("jo other password");
        Browser o = new Browser();
        o.login(other, "jo other password");
        assertFalse(o.get("/mail/contacts").body().contains("Ann Example"));
        assertFalse(o.get(card.group(1).replace("&amp;", "&")).body().contains("ann@example.org"));
        assertFalse(o.get("/mail/tasks").body().contains("Pay rent"));

        // a time zone of the account's own: times are typed and shown in it, stored in UTC
        assertTrue(b.post("/mail/timezone", "csrf", b.csrf, "zone", "Mars/Olympus").body().contains("Not changed: give a time zone"));
        assertTrue(b.post("/mail/timezone", "csrf", b.csrf, "zone", "Europe/Berlin").body().contains("Dates are now shown in Europe/Berlin."));
        assertEquals(303, b.post("/mail/calendar", "csrf", b.csrf, "view", "week", "title", "Standup", "date", "2026-12-15",
                "start", "09:30", "end", "09:45", "c", cal.group(1), "op:add", "Add event").statusCode());
        String week = b.get("/mail/calendar?view=week&d=2026-12-15").body();
        assertTrue(week, week.contains("(times in Europe/Berlin)") && week.contains("09:30–09:45 Standup"));
        Matcher edit = Pattern.compile("Standup <a href=\"(/mail/calendar\\?[^\"]+)\">Edit</a>").matcher(week);
        assertTrue(week, edit.find());
        String form = b.get(edit.group(1).replace("&amp;", "&")).body();
        assertTrue(form, form.contains("<h2>Edit event</h2>") && form.contains("name=\"start\" type=\"text\" size=\"5\" value=\"09:30\""));
        Matcher hidden = Pattern.compile("name=\"c\" value=\"([^\"]+)\">\s*<input type=\"hidden\" name=\"n\" value=\"([^\"]+)\">\s*"
                + "<input type=\"hidden\" name=\"etag\" value=\"([^\"]+)\">").matcher(form);
        assertTrue(form, hidden.find());
        String etag = hidden.group(3).replace("&quot;", "\"");
        assertEquals(303, b.post("/mail/calendar", "csrf", b.csrf, "view", "week", "c", hidden.group(1), "n", hidden.group(2),
                "etag", etag, "title", "Standup (moved)", "date", "2026-12-16", "start", "10:00", "end", "10:30", "op:save", "Save changes")
                .statusCode());
        week = b.get("/mail/calendar?view=week&d=2026-12-15").body();
        assertTrue(week, week.contains("10:00–10:30 Standup (moved)"));
        assertFalse(week, week.contains("09:30–09:45 Standup"));
        // the stale form (its ETag is the old one) changes nothing
        assertTrue(b.post("/mail/calendar", "csrf", b.csrf, "c", hidden.group(1), "n", hidden.group(2), "etag", etag,
                "title", "Lost update", "date", "2026-12-16", "op:save", "Save changes").body().contains("Not changed: "));
        // as UTC it is 09:00: switching back shows it so
        assertTrue(b.post("/mail/timezone", "csrf", b.csrf, "zone", "UTC").body().contains("Dates are now shown in UTC."));
        assertTrue(b.get("/mail/calendar?view=week&d=2026-12-15").body().contains("09:00–09:30 Standup (moved)"));

        tasks = b.get("/mail/tasks").body();
        Matcher taskEdit = Pattern.compile("href=\"(/mail/tasks\\?c=[^\"]+)\">Edit</a>").matcher(tasks);
        assertTrue(tasks, taskEdit.find());
        form = b.get(taskEdit.group(1).replace("&amp;", "&")).body();
        assertTrue(form, form.contains("value=\"Pay rent\"") && form.contains("value=\"2026-12-31\""));
        hidden.reset(form);
        assertTrue(form, hidden.find());
        assertEquals(303, b.post("/mail/tasks", "csrf", b.csrf, "c", hidden.group(1), "n", hidden.group(2),
                "etag", hidden.group(3).replace("&quot;", "\""), "title", "Pay January rent", "due", "2027-01-03", "op:save", "Save changes")
                .statusCode());
        assertTrue(b.get("/mail/tasks").body().contains("<td>Pay January rent</td><td>2027-01-03</td><td>done</td>"));

        form = b.get(card.group(1).replace("&amp;", "&")).body();
        assertTrue(form, form.contains("<h2>Edit contact</h2>") && form.contains("value=\"ann@example.org\""));
        hidden.reset(form);
        assertTrue(form, hidden.find());
        HttpResponse<String> saved = b.post("/mail/contacts", "csrf", b.csrf, "c", hidden.group(1), "n", hidden.group(2),
                "etag", hidden.group(3).replace("&quot;", "\""), "title", "Ann Other", "email", "ann@new.example", "phone", "",
                "op:save", "Save changes");
        assertEquals(saved.body(), 303, saved.statusCode());
        shown = b.get(location(saved).replace("&amp;", "&")).body();
        assertTrue(shown, shown.contains("<dt>Email</dt><dd>ann@new.example</dd>") && shown.contains("<h2>Ann Other</h2>"));
        assertFalse(shown, shown.contains("<dt>Phone</dt>"));
        // another account cannot edit it by naming it
        assertTrue(o.post("/mail/contacts", "csrf", o.csrf, "c", hidden.group(1), "n", hidden.group(2), "title", "Mine now",
                "op:save", "Save changes").body().contains("Not changed: "));
    }


    @Test
    public void thePasswordIsChangedWithTheCurrentOneAndEverySessionEnds() throws Exception {
        String kim = account("kim old password");
        Browser b = new Browser();
        assertEquals(303, b.login(kim, "kim old password").statusCode());
        Browser other = new Browser();
        assertEquals(303, other.login(kim, "kim old password").statusCode());
        b.get("/mail/settings");
        assertTrue(b.post("/mail/password", "csrf", b.csrf, "current", "wrong", "new", "kim new password", "again", "kim new password")
                .body().contains("the current password is not right"));
        assertTrue(b.post("/mail/password", "csrf", b.csrf, "current", "kim old password", "new", "kim new password", "again", "kim other")
                .body().contains("the two new passwords differ"));
        assertTrue(b.post("/mail/password", "csrf", b.csrf, "current", "kim old password", "new", "short", "again", "short")
                .body().contains("a new password has 10 to"));
        assertEquals(403, b.post("/mail/password", "current", "kim old password", "new", "kim new password", "again", "kim new password")
                .statusCode());
        HttpResponse<String> changed = b.post("/mail/password", "csrf", b.csrf, "current", "kim old password", "new", "kim new password",
                "again", "kim new password");
        assertTrue(changed.body(), changed.body().contains("Your password was changed: log in with the new one."));
        assertEquals(401, b.get("/mail/list?f=INBOX").statusCode());
        assertEquals(401, other.get("/mail/list?f=INBOX").statusCode());
        assertTrue(new Browser().login(kim, "kim old password").body().contains(FAILED));
        assertEquals(303, new Browser().login(kim, "kim new password").statusCode());
    }

    /** Lines of a lynx command script that type {@code text} (lynx's own keystroke log format). */
    private static void type(List<String> keys, String text) {
        for (char c : text.toCharArray()) {
            keys.add(c == ' ' ? "key <space>" : "key " + c);
        }
    }

    /** Lynx's print menu, first entry "Save to a local file", to {@code file}. */
    private static void save(List<String> keys, Path file) {
        keys.addAll(List.of("key p", "key ^J", "key ^U"));
        type(keys, file.toString());
        keys.add("key ^J");
    }

    /**
     * Debian's lynx, driven by a keystroke script as a person would type: log in on the text-mode
     * login form with the password and a TOTP code from Debian's oathtool, save the message list, find the message by its subject and open it (a form
     * button: opening marks it read), save what it shows; write to another account and send; add a
     * Block List rule in the settings.
     */
    @Test
    public void lynxLogsInWithTotpReadsSendsAndAddsABlockListRule() throws Exception {
        String user = account("lynx pass word 1");
        Browser b = new Browser();
        assertEquals(303, b.login(user, "lynx pass word 1").statusCode());
        List<String> totp = enableTotp(b);
        // the step after the enrolment's: still accepted a minute later, and never spent before
        String code = oathtool(totp.get(0), Long.parseLong(totp.get(1)) + 30);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        swaks(user, "From: Someone <s@origin.example>\r\nTo: " + user + "\r\nSubject: Hello lynx " + marker
                + "\r\n\r\nThe body for lynx " + marker + ".\r\n");
        Path dir = Files.createTempDirectory(postern.home, "lynx");
        Path list = dir.resolve("list.txt");
        Path read = dir.resolve("read.txt");
        List<String> keys = new ArrayList<>();
        keys.add("key Down Arrow"); // from the mode link to the address field
        type(keys, user);
        keys.add("key Down Arrow");
        type(keys, "lynx pass word 1");
        keys.add("key Down Arrow"); // the Log in button
        keys.add("key ^J");
        keys.add("key Down Arrow"); // two-step login: from the mode link to the code field
        type(keys, code);
        keys.add("key Down Arrow"); // Continue
        keys.add("key ^J");
        save(keys, list);
        keys.add("key /"); // find the row: its first link is the subject's button
        type(keys, "Hello lynx " + marker);
        keys.add("key ^J");
        keys.add("key ^J");
        save(keys, read);
        // write to another account: find each field by its label, type, send
        String friend = account("lynx friend password");
        Path sent = dir.resolve("sent.txt");
        keys.add("key g");
        keys.add("key ^U");
        type(keys, base + "/mail/compose");
        keys.add("key ^J");
        // one search, from the page's first link (typed keys go into a field once one is current):
        // then Down through Cc and Bcc to Subject, the upper Send and the text's first line
        keys.add("key /");
        type(keys, "To:");
        keys.add("key ^J");
        type(keys, friend);
        keys.addAll(List.of("key Down Arrow", "key Down Arrow", "key Down Arrow")); // Cc, Bcc, Subject
        type(keys, "From lynx " + marker);
        keys.addAll(List.of("key Down Arrow", "key Down Arrow")); // Send, the text
        type(keys, "Typed in lynx " + marker);
        keys.add("key Up Arrow"); // Send
        keys.add("key ^J");
        save(keys, sent);
        // a Block List rule from the settings page
        Path settings = dir.resolve("settings.txt");
        keys.add("key g");
        keys.add("key ^U");
        type(keys, base + "/mail/settings");
        keys.add("key ^J");
        keys.add("key /");
        type(keys, "Add to the Block List:");
        keys.add("key ^J");
        type(keys, "server:lynx-" + marker + ".example");
        keys.add("key Down Arrow"); // Add
        keys.add("key ^J");
        save(keys, settings);
        keys.addAll(List.of("key q", "key y"));
        Path script = dir.resolve("flow.keys");
        Files.write(script, keys);
        Path cfg = Files.writeString(dir.resolve("lynx.cfg"), "");
        // lynx wants a terminal: script(1) gives it one
        String lynx = "lynx -cfg=" + cfg + " -display_charset=utf-8 -accept_all_cookies -cmd_script=" + script + " '"
                + base + "/mail/?text'";
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", lynx, "/dev/null").redirectErrorStream(true)
                .redirectOutput(dir.resolve("screen.log").toFile());
        pb.environment().put("TERM", "vt100");
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("lynx did not finish its script; its screen: " + dir.resolve("screen.log"));
        }
        assertTrue("lynx saved no message list", Files.exists(list));
        String listed = Files.readString(list);
        assertTrue(listed, listed.contains(user));
        assertTrue(listed, listed.contains("Inbox (1 unread)"));
        assertTrue(listed, listed.contains("Hello lynx " + marker + " [new]"));
        assertTrue("lynx saved no message", Files.exists(read));
        String shown = Files.readString(read);
        assertTrue(shown, shown.contains("The body for lynx " + marker + "."));
        assertTrue(shown, shown.contains("Someone <s@origin.example>"));
        assertFalse("opening it marked it read: " + shown, shown.contains("unread)"));
        assertTrue("lynx saved no page after sending", Files.exists(sent));
        String afterSend = Files.readString(sent);
        assertTrue(afterSend, afterSend.contains("Your message was sent."));
        Browser f = new Browser();
        assertEquals(303, f.login(friend, "lynx friend password").statusCode());
        String got = awaitInList(f, "INBOX", "From lynx " + marker);
        String fv = validityOf(got);
        String body = f.get("/mail/read?f=INBOX&v=" + fv + "&u=" + uidOf(got, "From lynx " + marker)).body();
        assertTrue(body, body.contains("Typed in lynx " + marker));
        assertTrue(body, body.contains(user));
        assertTrue("lynx saved no settings page", Files.exists(settings));
        String ruled = Files.readString(settings);
        assertTrue(ruled, ruled.contains("server:lynx-" + marker + ".example added to your Block List"));
        assertTrue(swaksFrom("mx.lynx-" + marker + ".example", user, "Subject: x\r\n\r\ny\r\n").contains("550 5.1.1"));
    }
}
