package org.postern.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.mailauth.DmarcResult.Policy;

class AuthenticationResultsTest {
    @Test
    void theFieldNamesThisServerAndEveryResult() {
        String f = AuthenticationResults.field("mx.postern.test",
                new SpfResult(AuthResult.PASS, "mailfrom", "bounce@example.com", "example.com", "matched ip4:192.0.2.0/24"),
                List.of(new DkimResult(AuthResult.PASS, "example.com", "s1", "ab/cd+ef", "rsa-sha256", ""),
                        new DkimResult(AuthResult.FAIL, "other.example", "k", "12345678", "ed25519-sha256", "body hash did not verify")),
                new DmarcResult(AuthResult.PASS, "example.com", Policy.REJECT, false, ""));
        assertEquals("Authentication-Results: mx.postern.test;\r\n"
                + "\tspf=pass (matched ip4:192.0.2.0/24) smtp.mailfrom=bounce@example.com;\r\n"
                + "\tdkim=pass header.d=example.com header.s=s1 header.a=rsa-sha256 header.b=\"ab/cd+ef\";\r\n"
                + "\tdkim=fail (body hash did not verify) header.d=other.example header.s=k header.a=ed25519-sha256 header.b=12345678;\r\n"
                + "\tdmarc=pass (p=reject) header.from=example.com\r\n", f);
    }

    @Test
    void whatTheSenderChoseCannotBreakOutOfItsPlace() {
        String f = AuthenticationResults.field("mx.postern.test",
                new SpfResult(AuthResult.FAIL, "mailfrom", "\"a;dkim=pass\"@evil.example", "evil.example", "x) dkim=pass (y\r\nX: z"),
                List.of(new DkimResult(AuthResult.PERMERROR, "evil.example; dmarc=pass", "s\r\nX-Injected: 1", "", "", "")),
                new DmarcResult(AuthResult.FAIL, "bank.example", Policy.REJECT, true, ""));
        assertEquals("Authentication-Results: mx.postern.test;\r\n"
                + "\tspf=fail (x] dkim=pass [y??X: z) smtp.mailfrom=evil.example;\r\n"
                + "\tdkim=permerror;\r\n"
                + "\tdmarc=fail (p=reject) header.from=bank.example\r\n", f);
    }

    @Test
    void noSignatureIsDkimNone() {
        String f = AuthenticationResults.field("mx.postern.test",
                new SpfResult(AuthResult.NONE, "helo", "postmaster@client.example", "client.example", ""), List.of(), null);
        assertEquals("Authentication-Results: mx.postern.test;\r\n\tspf=none smtp.helo=client.example;\r\n\tdkim=none\r\n", f);
    }

    @Test
    void fieldsClaimingThisServerAreRecognized() {
        assertTrue(claims("Authentication-Results: MX.Postern.Test; spf=pass\r\n"));
        assertTrue(claims("Authentication-Results:  (comment) mx.postern.test.;\r\n\tdkim=pass\r\n"));
        assertTrue(claims("authentication-results: \"mx.postern.test\"; none\r\n"));
        assertTrue(claims("Authentication-Results: mx.postern.test 1; none\r\n"));
        assertTrue(claims("Authentication-Results: mx.postern.test\u00a0; spf=pass\r\n"));
        assertTrue(claims("Authentication-Results: mx.postern.test/x; spf=pass\r\n"));
        assertFalse(claims("Authentication-Results: mx.google.com; spf=pass\r\n"));
        assertFalse(claims("Authentication-Results: mx.postern.test.evil.example; spf=pass\r\n"));
        assertFalse(claims("X-Authentication-Results: mx.postern.test; spf=pass\r\n"));
    }

    private static boolean claims(String field) {
        return AuthenticationResults.claims(field.getBytes(StandardCharsets.ISO_8859_1), "mx.postern.test");
    }
}
