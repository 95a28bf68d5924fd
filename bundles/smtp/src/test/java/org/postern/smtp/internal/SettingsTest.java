package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    /** The typed config DS would build, with every default and the given overrides. */
    static SmtpConfig config(Map<String, Object> overrides) {
        return (SmtpConfig) Proxy.newProxyInstance(SmtpConfig.class.getClassLoader(), new Class<?>[] {SmtpConfig.class},
                (proxy, method, args) -> {
                    String key = method.getName().replace('_', '.');
                    Object v = overrides.get(key);
                    return v != null && method.getReturnType().isInstance(v) ? v : method.getDefaultValue();
                });
    }

    @Test
    void defaultsAreValid() {
        Settings s = Settings.from(config(Map.of()), Map.of());
        assertEquals("127.0.0.1", s.host());
        assertEquals(2525, s.port());
        assertEquals(26_214_400L, s.maxMessageSize());
        assertEquals(100, s.maxRecipients());
        assertEquals(1000, s.maxLineLength());
        assertEquals(20, s.maxConnectionsPerIp());
        assertEquals("", s.hostname(), "empty: the greeting takes org.postern.tls's host name");
    }

    @Test
    void malformedValuesAreRefusedWithOneMessageNamingEveryKey() {
        Map<String, Object> raw = new HashMap<>();
        raw.put("port", "abc");
        raw.put("max.message.size", "-5");
        raw.put("command.timeout.seconds", "0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of()), raw));
        assertTrue(e.getMessage().startsWith("invalid configuration org.postern.smtp: "), e.getMessage());
        assertTrue(e.getMessage().contains("port = 'abc' is not a whole number"), e.getMessage());
        assertTrue(e.getMessage().contains("max.message.size = -5 is outside"), e.getMessage());
        assertTrue(e.getMessage().contains("command.timeout.seconds = 0 is outside"), e.getMessage());
    }

    @Test
    void aKeystoreStillNamedHereIsRefusedWithWhereItMoved() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of()), Map.of("tls.keystore", "/etc/ssl/mx.p12")));
        assertTrue(e.getMessage().contains("set keystore and keystore.password in org.postern.tls.cfg"), e.getMessage());
    }

    @Test
    void theComponentRefusesToStartOnABadValue() {
        assertThrows(IllegalArgumentException.class,
                () -> new SmtpServer(config(Map.of()), Map.of("max.recipients", "lots")));
    }

    @Test
    void aBadHostnameOrMissingKeystoreIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of("hostname", "not a host")), Map.of()));
        assertTrue(e.getMessage().contains("hostname = 'not a host' is not a host name"), e.getMessage());
    }
}
