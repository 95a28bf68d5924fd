package org.postern.billing.internal;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.postern.core.billing.BillingService;
import org.postern.core.billing.PaymentOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /billing/webhook/<provider>}: a payment a provider reports, as JSON
 * {@code {"account", "plan", "txid", "amount", "currency"}} with the header
 * {@code Postern-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<body>">} under the
 * provider's secret. The signature is compared in constant time; a timestamp more than five
 * minutes from now is refused (an old capture cannot be replayed later), and one replayed within
 * the window finds its transaction applied already. A 2xx answer means the ledger row is
 * committed; anything else may be retried by the provider and applies once.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.pattern=/billing/webhook/*",
    "osgi.http.whiteboard.servlet.name=postern-billing-webhook"})
public class WebhookServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServlet.class);
    static final int MAX_BODY = 64 * 1024;
    static final long WINDOW_SECONDS = 300;

    private final transient BillingService billing;
    private final transient Map<String, WebhookProvider> providers = new ConcurrentHashMap<>();
    @Reference(target = "(postern.clock=true)", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile Clock clock;

    @Activate
    public WebhookServlet(@Reference BillingService billing) {
        this.billing = billing;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProvider(WebhookProvider p) {
        providers.put(p.name, p);
    }

    void removeProvider(WebhookProvider p) {
        providers.remove(p.name, p);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        if (!req.getMethod().equals("POST")) {
            resp.setHeader("Allow", "POST");
            answer(resp, 405, "error", "POST only");
            return;
        }
        String path = req.getPathInfo();
        String name = path == null || path.length() < 2 ? "" : path.substring(1);
        WebhookProvider provider = providers.get(name);
        if (provider == null) {
            answer(resp, 404, "error", "no such provider");
            return;
        }
        byte[] body = body(req);
        if (body == null) {
            answer(resp, 413, "error", "the body is larger than " + MAX_BODY + " octets");
            return;
        }
        Clock c = clock;
        long now = (c == null ? Instant.now() : c.instant()).getEpochSecond();
        String refused = verify(provider.secret(), req.getHeader("Postern-Signature"), body, now);
        if (refused != null) {
            LOG.warn("Postern billing: a webhook call for provider {} was refused: {}", name, refused);
            answer(resp, 401, "error", refused);
            return;
        }
        Map<String, String> fields;
        try {
            fields = FlatJson.parse(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException | IllegalArgumentException e) {
            answer(resp, 400, "error", "the body is not the expected JSON object");
            return;
        }
        String account = fields.get("account");
        String plan = fields.get("plan");
        String txid = fields.get("txid");
        String amount = fields.get("amount");
        String currency = fields.get("currency");
        if (account == null || plan == null || txid == null || amount == null || currency == null) {
            answer(resp, 400, "error", "account, plan, txid, amount and currency are required");
            return;
        }
        BigDecimal paid;
        try {
            paid = new BigDecimal(amount);
        } catch (NumberFormatException e) {
            answer(resp, 400, "error", "amount is not a number");
            return;
        }
        PaymentOutcome o;
        try {
            o = billing.applyPayment(account, plan, name, txid, paid, currency);
        } catch (IllegalArgumentException e) {
            // an unknown account or plan: the provider should tell a person, not retry blindly
            String why = String.valueOf(e.getMessage());
            answer(resp, 422, "error", why.startsWith("there is no account") || why.startsWith("there is no such account") ? "no such account"
                    : why.startsWith("there is no") ? "no such plan" : why.startsWith("the amount does not pay") ? "the amount does not pay for the plan"
                    : "the payment is malformed");
            return;
        } catch (RuntimeException e) {
            LOG.warn("Postern billing: a webhook payment could not be applied now (the provider retries): {}", e.toString());
            answer(resp, 503, "error", "not applied now; retry");
            return;
        }
        LOG.info("Postern billing: webhook payment from {}: {} (ledger row {})", name, o.result(), o.entry().seq());
        json(resp, 200, "{\"result\": \"" + o.result().name().toLowerCase(java.util.Locale.ROOT) + "\""
                + (o.paidUntil() == null ? "" : ", \"paid_until\": \"" + o.paidUntil() + "\"") + "}\n");
    }

    /** The body, or null when it is larger than {@link #MAX_BODY}. */
    private static byte[] body(HttpServletRequest req) throws IOException {
        if (req.getContentLengthLong() > MAX_BODY) {
            return null;
        }
        try (InputStream in = req.getInputStream()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            return b.length > MAX_BODY ? null : b;
        }
    }

    /** Null when the signature holds, else why not (for the log and the answer: never the expected value). */
    static String verify(byte[] secret, String header, byte[] body, long nowSeconds) {
        if (header == null || header.length() > 512) {
            return "no Postern-Signature header";
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String p = part.strip();
            if (p.startsWith("t=")) {
                t = p.substring(2);
            } else if (p.startsWith("v1=")) {
                v1 = p.substring(3);
            }
        }
        if (t == null || v1 == null || t.isEmpty() || t.length() > 12 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "a malformed Postern-Signature header";
        }
        long when = Long.parseLong(t);
        if (Math.abs(nowSeconds - when) > WINDOW_SECONDS) {
            return "the signature's timestamp is outside the five-minute window";
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(v1);
        } catch (IllegalArgumentException e) {
            return "a malformed Postern-Signature header";
        }
        byte[] expected = sign(secret, t, body);
        return MessageDigest.isEqual(expected, given) ? null : "the signature does not match";
    }

    static byte[] sign(byte[] secret, String t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
        }
    }

    private static void answer(HttpServletResponse resp, int status, String key, String value) throws IOException {
        StringBuilder v = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                v.append('\\').append(c);
            } else if (c < 0x20) {
                v.append(String.format("\\u%04x", (int) c));
            } else {
                v.append(c);
            }
        }
        json(resp, status, "{\"" + key + "\": \"" + v + "\"}\n");
    }

    private static void json(HttpServletResponse resp, int status, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(out.length);
        resp.getOutputStream().write(out);
    }
}
