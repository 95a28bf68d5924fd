package org.postern.api.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyResultTest {

    @Test
    void declineAndAcceptCarryNoReply() {
        assertEquals(PolicyResult.Kind.DECLINE, PolicyResult.decline().kind());
        assertEquals(PolicyResult.Kind.ACCEPT, PolicyResult.accept().kind());
        assertEquals(0, PolicyResult.accept().code());
    }

    @ParameterizedTest
    @CsvSource({"550, 5.7.1", "500, 5.5.2", "599, 5.0.0"})
    void rejectTakesPermanentCodes(int code, String enhanced) {
        PolicyResult r = PolicyResult.reject(code, enhanced, "go away");
        assertEquals(PolicyResult.Kind.REJECT, r.kind());
        assertEquals(code, r.code());
        assertEquals(enhanced, r.enhancedCode());
        assertEquals("go away", r.text());
    }

    @ParameterizedTest
    @CsvSource({"450, 5.7.1", "499, 5.7.1", "600, 5.7.1", "550, 4.7.1", "550, 2.0.0", "250, 2.0.0"})
    void rejectRefusesNonPermanentCodes(int code, String enhanced) {
        assertThrows(IllegalArgumentException.class, () -> PolicyResult.reject(code, enhanced, "no"));
    }

    @ParameterizedTest
    @CsvSource({"451, 4.7.1", "400, 4.0.0", "499, 4.3.2"})
    void tempfailTakesTransientCodes(int code, String enhanced) {
        PolicyResult r = PolicyResult.tempfail(code, enhanced, "later");
        assertEquals(PolicyResult.Kind.TEMPFAIL, r.kind());
        assertEquals(code, r.code());
        assertEquals(enhanced, r.enhancedCode());
        assertEquals("later", r.text());
    }

    @ParameterizedTest
    @CsvSource({"550, 4.7.1", "399, 4.7.1", "500, 4.7.1", "451, 5.7.1", "451, 2.0.0"})
    void tempfailRefusesNonTransientCodes(int code, String enhanced) {
        assertThrows(IllegalArgumentException.class, () -> PolicyResult.tempfail(code, enhanced, "no"));
    }

    @Test
    void refusalsNeedText() {
        assertThrows(NullPointerException.class, () -> PolicyResult.reject(550, "5.7.1", null));
        assertThrows(NullPointerException.class, () -> PolicyResult.tempfail(451, "4.7.1", null));
    }
}
