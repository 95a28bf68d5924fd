package org.postern.pop3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    /** The typed configuration DS would make from {@code raw} (keys as in the .cfg file). */
    private static Pop3Config config(Map<String, Object> raw) {
        return new Pop3Config() {
            private Object get(String key, Object def) {
                Object v = raw.get(key);
                if (v == null) {
                    return def;
                }
                if (def instanceof Integer) {
                    return Integer.valueOf(v.toString());
                }
                if (def instanceof Boolean) {
                    return Boolean.valueOf(v.toString());
                }
                return v.toString();
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return Pop3Config.class;
            }

            public String host() {
                return (String) get("host", "127.0.0.1");
            }

            public int port() {
                return (Integer) get("port", 1110);
            }

            public int tls_port() {
                return (Integer) get("tls.port", 1995);
            }

            public int idle_timeout_seconds() {
                return (Integer) get("idle.timeout.seconds", 600);
            }

            public int max_connections_per_ip() {
                return (Integer) get("max.connections.per.ip", 20);
            }

            public int max_connections() {
                return (Integer) get("max.connections", 1000);
            }

            public int max_line_length() {
                return (Integer) get("max.line.length", 1024);
            }

            public boolean allow_plaintext_auth() {
                return (Boolean) get("allow.plaintext.auth", false);
            }
        };
    }

    @Test
    void defaults() {
        Settings s = Settings.from(config(Map.of()), Map.of(), null);
        assertEquals("127.0.0.1", s.host());
        assertEquals(1110, s.port());
        assertEquals(1995, s.tlsPort());
        assertEquals(600, s.idleTimeoutSeconds());
        assertFalse(s.allowPlaintextAuth());
        assertEquals("", s.portNote());
    }

    @Test
    void thePortOffsetMovesBothPorts() {
        Settings s = Settings.from(config(Map.of()), Map.of(), "100");
        assertEquals(1210, s.port());
        assertEquals(2095, s.tlsPort());
        assertTrue(s.portNote().contains("postern.port.offset 100"));
    }

    @Test
    void tlsPortZeroMeansNoImplicitTlsListener() {
        Map<String, Object> raw = Map.of("tls.port", "0");
        assertEquals(Settings.NO_TLS_PORT, Settings.from(config(raw), raw, "100").tlsPort());
    }

    @Test
    void everyBadKeyIsNamed() {
        Map<String, Object> raw = new HashMap<>();
        raw.put("port", "abc");
        raw.put("max.line.length", "100");
        raw.put("allow.plaintext.auth", "maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of("max.line.length", "100")), raw, null));
        assertTrue(e.getMessage().startsWith("invalid configuration org.postern.pop3: "), e.getMessage());
        assertTrue(e.getMessage().contains("port = 'abc' is not a whole number"), e.getMessage());
        assertTrue(e.getMessage().contains("max.line.length = 100 is outside 255..65536"), e.getMessage());
        assertTrue(e.getMessage().contains("allow.plaintext.auth = 'maybe' is not true or false"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Settings.from(config(Map.of()), Map.of(), "-5"));
        Map<String, Object> same = Map.of("port", "1995");
        assertThrows(IllegalArgumentException.class, () -> Settings.from(config(same), same, null));
    }
}
