package org.postern.billing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY = "{\"account\": \"a@example.net\", \"plan\": \"monthly\", \"txid\": \"t1\", \"amount\": 5.00, \"currency\": \"EUR\"}"
            .getBytes(StandardCharsets.UTF_8);

    private static String header(long t, byte[] body) {
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(WebhookServlet.sign(SECRET, String.valueOf(t), body));
    }

    @Test
    void aSignatureHoldsOnlyForItsBodyItsSecretAndFiveMinutes() {
        long now = 1_800_000_000L;
        assertNull(WebhookServlet.verify(SECRET, header(now - 299, BODY), BODY, now));
        assertNull(WebhookServlet.verify(SECRET, " v1=" + header(now, BODY).split(",v1=")[1] + ", t=" + now, BODY, now));
        assertEquals("the signature's timestamp is outside the five-minute window",
                WebhookServlet.verify(SECRET, header(now - 301, BODY), BODY, now));
        assertEquals("the signature's timestamp is outside the five-minute window",
                WebhookServlet.verify(SECRET, header(now + 301, BODY), BODY, now));
        byte[] tampered = BODY.clone();
        tampered[tampered.length - 3] = 'X';
        assertEquals("the signature does not match", WebhookServlet.verify(SECRET, header(now, BODY), tampered, now));
        byte[] other = "another secret of at least 32 octets".getBytes(StandardCharsets.US_ASCII);
        assertEquals("the signature does not match", WebhookServlet.verify(other, header(now, BODY), BODY, now));
        // the timestamp is signed too: moving it into the window breaks the signature
        String old = header(now - 3600, BODY);
        assertEquals("the signature does not match",
                WebhookServlet.verify(SECRET, old.replace("t=" + (now - 3600), "t=" + now), BODY, now));
        for (String bad : new String[] {null, "", "t=,v1=00", "t=" + now + ",v1=zz", "v1=00", "t=-5,v1=00", "t=" + now}) {
            assertEquals(bad == null ? "no Postern-Signature header" : "a malformed Postern-Signature header",
                    WebhookServlet.verify(SECRET, bad, BODY, now), String.valueOf(bad));
        }
    }

    @Test
    void theBodyIsAFlatObjectAndAmountsKeepTheirDigits() {
        Map<String, String> f = FlatJson.parse(new String(BODY, StandardCharsets.UTF_8));
        assertEquals("5.00", f.get("amount"));
        assertEquals("a@example.net", f.get("account"));
        assertEquals("é\"", FlatJson.parse("{\"x\":\"\\u00e9\\\"\"}").get("x"));
        for (String bad : new String[] {"", "[]", "{\"a\":{}}", "{\"a\":1,\"a\":2}", "{\"a\":true}", "{\"a\":1} x", "{\"a\":\"\n\"}",
                "{\"a\":1,}", "{\"a\" 1}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}"}) {
            assertThrows(IllegalArgumentException.class, () -> FlatJson.parse(bad), bad);
        }
    }
}
