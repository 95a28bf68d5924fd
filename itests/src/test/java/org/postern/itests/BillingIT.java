package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.util.UUID;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Billing through the operator's commands against one started distribution: plans, payments
 * applied once to the expire date (not the payment date), an operator's lock that no payment
 * lifts, the ledger naming an opaque reference, removal leaving the ledger whole, and the check.
 */
public class BillingIT {
    private static PosternProcess postern;
    private static String admin;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("billing");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        // the itests' clock (never shipped), ranked above the system clock: billing takes it at once
        postern.setConfig("org.postern.testclock.cfg", "now", "2027-01-17T03:00:00Z");
        java.nio.file.Files.copy(java.nio.file.Path.of(System.getProperty("postern.testsupport.jar")),
                postern.home.resolve("deploy/postern-test-support.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        setClock("2027-01-17T03:00:00Z");
    }

    /** Moves the injected clock and waits until billing counts the new day. */
    private static void setClock(String instant) throws Exception {
        postern.setConfig("org.postern.testclock.cfg", "now", instant);
        if (admin == null) {
            return;
        }
        String day = instant.substring(0, 10);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        while (true) {
            ClientResult r = postern.client(admin, "postern:lifecycle-run --dry-run");
            if (r.exit == 0 && r.output.contains("dry run for " + day)) {
                return;
            }
            assertTrue("billing never counted " + day + ": " + r, System.nanoTime() < deadline);
            Thread.sleep(500);
        }
    }

    /** The subjects and texts of the account's INBOX, read over IMAPS; null when the login is refused. */
    private static java.util.List<String[]> inbox(String user, String password) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(postern.imapsPort));
        p.put("mail.imaps.ssl.trust", "*");
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        p.put("mail.imaps.timeout", "60000");
        jakarta.mail.Store store = jakarta.mail.Session.getInstance(p).getStore("imaps");
        try {
            store.connect(user, password);
        } catch (jakarta.mail.AuthenticationFailedException refused) {
            return null;
        }
        try {
            jakarta.mail.Folder f = store.getFolder("INBOX");
            f.open(jakarta.mail.Folder.READ_ONLY);
            java.util.List<String[]> out = new java.util.ArrayList<>();
            for (jakarta.mail.Message m : f.getMessages()) {
                Object content = m.getContent();
                out.add(new String[] {m.getSubject(), m.getContentType(), content instanceof String t ? t : "(not text)"});
            }
            f.close(false);
            return out;
        } finally {
            store.close();
        }
    }

    /** Logs in to the webmail with the account password as a browser does; returns the page the login ends on. */
    private static String webmailLogin(String user, String password) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager())
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        String base = "http://127.0.0.1:" + postern.httpPort;
        String form = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/mail/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\"").matcher(form);
        assertTrue(form, csrf.find());
        String body = "csrf=" + csrf.group(1) + "&user=" + java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8)
                + "&password=" + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8);
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/mail/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(java.time.Duration.ofSeconds(60))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static String appPassword(String account) throws Exception {
        String out = ok("postern:app-password-create " + account + " --name billing-it --protocols imap").strip();
        return out.substring(out.lastIndexOf('\n') + 1).strip();
    }

    private static String[] find(java.util.List<String[]> messages, String subject) {
        for (String[] m : messages) {
            if (m[0] != null && m[0].startsWith(subject)) {
                return m;
            }
        }
        throw new AssertionError(subject + " not among " + messages.stream().map(m -> m[0]).toList());
    }

    private static void plainWithoutLinks(String[] m) {
        assertTrue(m[1], m[1].toLowerCase(java.util.Locale.ROOT).startsWith("text/plain; charset=utf-8"));
        for (String linkish : new String[] {"http", "www", "@", "<", ".example", ".net"}) {
            assertFalse(linkish + " in " + m[2], m[2].contains(linkish));
        }
        assertTrue(m[2], m[2].contains("contains no links"));
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

    private static String refused(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertNotEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    private static String account(String expires) throws Exception {
        String address = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + address + " --expires " + expires + " --password-file "
                + postern.passwordFile("billing test password"));
        return address;
    }

    @Test
    public void accountsRunTheirLifecycleOnTheInjectedClock() throws Exception {
        String late = account("2027-01-31");
        String gone = account("2027-01-31");
        String saved = account("2027-01-31");
        String secret = appPassword(late);
        assertEquals(0, inbox(late, secret).size());

        // 14 days before: a reminder, once however often the job runs
        setClock("2027-01-17T03:00:00Z");
        String run = ok("postern:lifecycle-run");
        assertTrue(run, run.contains("reminded " + late + ": 14 days before 2027-01-31"));
        assertFalse(ok("postern:lifecycle-run"), ok("postern:lifecycle-run").contains(late));
        String[] reminder = find(inbox(late, secret), "Your account expires in 14 days");
        plainWithoutLinks(reminder);
        assertTrue(reminder[2], reminder[2].contains("paid up to 31 January 2027") && reminder[2].contains("until 1 May 2027"));

        // at the expire date: locked, logins refused as for a wrong password, mail still accepted
        setClock("2027-01-31T03:00:00Z");
        String dry = ok("postern:lifecycle-run --dry-run");
        assertTrue(dry, dry.contains("would lock " + late + ": expired on 2027-01-31"));
        assertTrue(ok("postern:account-show " + late).contains("status:  ACTIVE"));
        run = ok("postern:lifecycle-run");
        assertTrue(run, run.contains("locked " + late + ": expired on 2027-01-31") && run.contains("locked " + gone));
        assertTrue(ok("postern:account-show " + late).contains("locked:  expired"));
        assertEquals(null, inbox(late, secret));
        // the webmail tells the right password's owner why, and anyone else nothing
        String page = webmailLogin(late, "billing test password");
        assertTrue(page, page.contains("Your account has expired") && page.contains("expired on 31 January 2027"));
        assertFalse(page, page.contains("Log out"));
        String wrong = webmailLogin(late, "not the password at all");
        assertTrue(wrong, wrong.contains("Login failed") && !wrong.contains("expired"));
        String accepted = postern.swaks("client.example.org", late, "Subject: while locked\r\n\r\nkept\r\n");
        assertTrue(accepted, accepted.contains("250 2.0.0"));

        // paid late: counted from the old expire date, not from the payment's, and unlocked at once
        setClock("2027-02-10T12:00:00Z");
        String paid = ok("postern:payment-apply " + late + " monthly manual late-" + late.substring(0, 11));
        assertTrue(paid, paid.contains("is paid up to 2027-02-28 and ACTIVE"));
        java.util.List<String[]> mail = inbox(late, secret);
        assertTrue("unlocked at once", mail != null);
        assertTrue(webmailLogin(late, "billing test password").contains("Log out"));
        plainWithoutLinks(find(mail, "Your account has expired"));
        String[] receipt = find(mail, "Payment received");
        plainWithoutLinks(receipt);
        assertTrue(receipt[2], receipt[2].contains("5.00 EUR for 1 month") && receipt[2].contains("paid up to 28 February 2027"));
        find(mail, "while locked");

        // day 89 of the lock: a payment still saves the account; day 90 removes the one never paid
        setClock("2027-04-30T03:00:00Z");
        ok("postern:plan-add yearly-lc --period 1y --price 50 --currency EUR");
        assertTrue(ok("postern:payment-apply " + saved + " yearly-lc manual day89-" + saved.substring(0, 11))
                .contains("is paid up to 2028-01-31 and ACTIVE"));
        assertFalse(ok("postern:lifecycle-run --dry-run").contains("would remove " + gone));
        setClock("2027-05-01T03:00:00Z");
        run = ok("postern:lifecycle-run");
        assertTrue(run, run.contains("removed " + gone + ": expired on 2027-01-31"));
        assertFalse(run, run.contains("removed " + saved) || run.contains("removed " + late));
        assertTrue(ok("postern:resolve " + gone).contains("unknown"));
        assertTrue(ok("postern:account-show " + gone).contains("REMOVED"));
        assertFalse("safe to run again", ok("postern:lifecycle-run").contains(gone));
        String refused = postern.swaks("client.example.org", gone, "Subject: after\r\n\r\nx\r\n");
        assertTrue(refused, refused.contains("550 5.1.1"));
        assertTrue(ok("postern:billing-check").contains("the ledger and the accounts agree"));
    }

    /** POSTs a webhook body signed at {@code t} with {@code secret}; returns status and body. */
    private static java.net.http.HttpResponse<String> webhook(String provider, byte[] secret, long t, String body) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
        mac.update((t + ".").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String sig = java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + postern.httpPort + "/billing/webhook/" + provider))
                .header("Content-Type", "application/json").header("Postern-Signature", "t=" + t + ",v1=" + sig)
                .timeout(java.time.Duration.ofSeconds(60))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void theWebhookIsSignatureCheckedAndAppliesEachTransactionOnce() throws Exception {
        byte[] secret = "it-webhook-secret-0123456789-abcdefghij".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.file.Path file = postern.home.resolve("etc/acme-webhook.secret");
        java.nio.file.Files.write(file, secret);
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        postern.setConfig("org.postern.billing.webhook-acme.cfg", "postern.payment.provider", "acme");
        postern.setConfig("org.postern.billing.webhook-acme.cfg", "secret.file", file.toString());
        setClock("2027-06-01T10:00:00Z");
        long t = java.time.Instant.parse("2027-06-01T10:00:00Z").getEpochSecond();
        String a = account("2027-07-01");
        String body = "{\"account\": \"" + a + "\", \"plan\": \"monthly\", \"txid\": \"ch_" + a.substring(1, 11)
                + "\", \"amount\": 5.00, \"currency\": \"EUR\"}";
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        java.net.http.HttpResponse<String> r;
        while ((r = webhook("acme", "wrong secret, also long enough to be one".getBytes(), t, body)).statusCode() == 404) {
            assertTrue("the acme webhook never appeared", System.nanoTime() < deadline);
            Thread.sleep(500);
        }
        assertEquals(r.body(), 401, r.statusCode());
        assertTrue(r.body(), r.body().contains("the signature does not match"));
        r = webhook("acme", secret, t - 3600, body);
        assertEquals(r.body(), 401, r.statusCode());
        assertTrue(r.body(), r.body().contains("five-minute window"));
        assertTrue(ok("postern:account-show " + a).contains("expires: 2027-07-01"));

        r = webhook("acme", secret, t + 2, body);
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.body(), r.body().contains("\"result\": \"applied\"") && r.body().contains("\"paid_until\": \"2027-08-01\""));
        // the same signed call again (a provider's retry, or a replay within the window): applied once
        r = webhook("acme", secret, t + 2, body);
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.body(), r.body().contains("\"result\": \"duplicate\""));
        assertTrue(ok("postern:account-show " + a).contains("expires: 2027-08-01"));
        assertTrue(ok("postern:ledger " + a).contains("acme ch_"));
        assertEquals(400, webhook("acme", secret, t + 2, "{\"account\": 1}").statusCode());
        assertEquals(422, webhook("acme", secret, t + 2, body.replace(a, "nobody@example.net").replace("ch_", "ch2_")).statusCode());
        assertEquals(404, webhook("nope", secret, t + 2, body).statusCode());
    }

    @Test
    public void monthlyPlansRenewThroughTheirProviderAndADeclineIsAnOrdinaryExpiry() throws Exception {
        setClock("2027-08-20T03:00:00Z");
        String a = account("2027-09-01");
        assertTrue(ok("postern:payment-apply " + a + " monthly test first-" + a.substring(1, 11)).contains("paid up to 2027-10-01"));
        setClock("2027-10-01T03:00:00Z");
        assertTrue(ok("postern:lifecycle-run --dry-run").contains("would renew " + a + " through test"));
        String run = ok("postern:lifecycle-run");
        assertTrue(run, run.contains("renewed " + a + " through test: paid up to 2027-11-01"));
        assertTrue(ok("postern:account-show " + a).contains("status:  ACTIVE"));
        assertFalse("once per expire date", ok("postern:lifecycle-run").contains(a));

        postern.setConfig("org.postern.testpayments.cfg", "renewals", "decline");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!postern.client(admin, "config:property-list --pid org.postern.testpayments").output.contains("decline")) {
            assertTrue("the test provider's configuration was never read", System.nanoTime() < deadline);
            Thread.sleep(300);
        }
        setClock("2027-11-01T03:00:00Z");
        // the provider reads its configuration asynchronously: the first run after it declines
        while (true) {
            run = ok("postern:lifecycle-run");
            if (run.contains("renewal of " + a + " through test declined: the test card was declined")) {
                break;
            }
            assertFalse("renewed although declining was configured: " + run, run.contains("renewed " + a));
            assertTrue(run, System.nanoTime() < deadline);
            Thread.sleep(500);
        }
        assertTrue(run, run.contains("locked " + a + ": expired on 2027-11-01"));
        assertTrue(ok("postern:account-show " + a).contains("status:  LOCKED"));
        postern.setConfig("org.postern.testpayments.cfg", "renewals", "pay");
    }

    @Test
    public void plansAreOperatorDataAndOnlyAMonthRenews() throws Exception {
        assertTrue(ok("postern:plan-list"), ok("postern:plan-list").contains("monthly  1m  5.00 EUR  renews"));
        assertTrue(ok("postern:plan-add yearly-it --period 1y --price 49.9 --currency eur").contains("plan yearly-it added: 1y for 49.9 EUR"));
        assertTrue(refused("postern:plan-add yearly-it --period 1y --price 1 --currency EUR").contains("there is a plan named yearly-it already"));
        assertTrue(refused("postern:plan-add quarter-it --period 3m --price 12 --currency EUR --renews")
                .contains("only a plan of one month renews by itself"));
        assertTrue(refused("postern:plan-add weekly-it --period 1w --price 1 --currency EUR").contains("a period is <n>d, <n>m or <n>y"));
        assertTrue(ok("postern:plan-list").contains("yearly-it  1y  49.90 EUR"));
        assertTrue(ok("postern:plan-remove yearly-it").contains("plan yearly-it removed"));
        assertFalse(ok("postern:plan-list").contains("yearly-it"));
    }

    @Test
    public void aPaymentCountsFromTheOldExpireDateOnceAndTheLedgerNamesNobody() throws Exception {
        String a = account("2027-01-31");
        String applied = ok("postern:payment-apply " + a + " monthly manual inv-" + a.substring(0, 11));
        assertTrue(applied, applied.contains("is paid up to 2027-02-28 and ACTIVE"));
        String again = ok("postern:payment-apply " + a + " monthly manual inv-" + a.substring(0, 11));
        assertTrue(again, again.contains("already applied") && again.contains("it paid up to 2027-02-28"));
        assertTrue(ok("postern:account-show " + a).contains("expires: 2027-02-28"));
        assertTrue(refused("postern:payment-apply " + a + " no-such-plan manual x1").contains("there is no plan named no-such-plan"));
        assertTrue(refused("postern:payment-apply nobody@example.net monthly manual x2").contains("there is no account nobody@example.net"));

        // an operator's lock: kept in the ledger with its reason, shown to the operator, never paid away
        assertTrue(ok("postern:account-lock " + a + " --reason 'abuse report 17'").contains("locked (recorded in the ledger)"));
        String shown = ok("postern:account-show " + a);
        assertTrue(shown, shown.contains("status:  LOCKED") && shown.contains("by the operator") && shown.contains("abuse report 17"));
        assertTrue(ok("postern:payment-apply " + a + " monthly bank tx-2").contains("is paid up to 2027-03-28 and LOCKED"));
        assertTrue(ok("postern:account-unlock " + a).contains("unlocked (recorded in the ledger)"));
        assertTrue(ok("postern:account-unlock " + a).contains("it was not locked"));

        String ledger = ok("postern:ledger " + a);
        assertFalse("the ledger names a reference, not the address: " + ledger, ledger.contains(a));
        String[] kinds = {"OPENED", "PAYMENT  plan monthly (1m)  manual inv-", "LOCKED", "PAYMENT  plan monthly (1m)  bank tx-2  5.00 EUR"
                + "  expires 2027-02-28 -> 2027-03-28  LOCKED", "UNLOCKED"};
        int at = 0;
        for (String k : kinds) {
            int next = ledger.indexOf(k, at);
            assertTrue(k + " in order in " + ledger, next >= at);
            at = next;
        }
        assertTrue(ok("postern:billing-check").contains("the ledger and the accounts agree"));

        // removed: the ledger keeps its rows under the reference, and a late payment is kept for a refund
        ok("postern:account-remove --force " + a);
        assertTrue(ok("postern:ledger " + a).contains("no ledger rows"));
        String late = ok("postern:payment-apply " + a + " monthly bank tx-3");
        assertTrue(late, late.contains("not applied: the account was removed. The payment is recorded for a refund"));
        assertTrue(ok("postern:payment-apply " + a + " monthly bank tx-3").contains("already applied"));
    }
}
