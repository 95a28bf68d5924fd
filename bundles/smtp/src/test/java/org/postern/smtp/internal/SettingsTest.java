package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodType;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    /** The typed config DS would build, with every default and the given overrides. */
    static SmtpConfig config(Map<String, Object> overrides) {
        return (SmtpConfig) Proxy.newProxyInstance(SmtpConfig.class.getClassLoader(), new Class<?>[] {SmtpConfig.class},
                (proxy, method, args) -> {
                    String key = method.getName().replace('_', '.');
                    Object v = overrides.get(key);
                    Class<?> type = MethodType.methodType(method.getReturnType()).wrap().returnType();
                    return v != null && type.isInstance(v) ? v : method.getDefaultValue();
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

    /** A .cfg that sets the port: the typed value and the raw string, as DS hands them over. */
    private static Settings withPort(int port, String offset) {
        return Settings.from(config(Map.of("port", port)), Map.of("port", Integer.toString(port)), offset);
    }

    @Test
    void withoutAnOffsetThePortIsTheConfiguredOne() {
        Settings s = withPort(2525, null);
        assertEquals(2525, s.port());
        assertEquals(0, s.portOffset());
        assertEquals("", s.portNote());
        assertEquals(2525, withPort(2525, " ").port(), "blank: no offset");
        assertEquals(2525, withPort(2525, "0").port());
    }

    @Test
    void theOffsetShiftsTheConfiguredPortAndTheLogSaysSo() {
        Settings s = withPort(2525, "100");
        assertEquals(2625, s.port());
        assertEquals(100, s.portOffset());
        assertEquals(" (port 2525 + postern.port.offset 100)", s.portNote());
        assertEquals(125, withPort(25, "100").port());
        assertEquals(2625, Settings.from(config(Map.of()), Map.of(), "100").port(), "the default port shifts too");
    }

    @Test
    void aShiftedPortAbove65535IsRefusedWithTheOtherProblems() {
        Map<String, Object> raw = new HashMap<>();
        raw.put("port", "65500");
        raw.put("max.recipients", "lots");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of("port", 65500)), raw, "100"));
        assertTrue(e.getMessage().startsWith("invalid configuration org.postern.smtp: "), e.getMessage());
        assertTrue(e.getMessage().contains("port 65500 + postern.port.offset 100 = 65600 is above 65535"),
                e.getMessage());
        assertTrue(e.getMessage().contains("max.recipients = 'lots' is not a whole number"), e.getMessage());
    }

    @Test
    void aBadOffsetIsRefusedNamingTheSystemProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withPort(2525, "abc"));
        assertTrue(e.getMessage().contains("postern.port.offset = 'abc' is not a whole number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> withPort(2525, "10001"));
        assertTrue(e.getMessage().contains("postern.port.offset = 10001 is outside 0..10000"), e.getMessage());
    }

    @Test
    void aBadPortIsReportedOnceEvenWithAnOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of("port", 70000)), Map.of("port", "70000"), "100"));
        assertTrue(e.getMessage().contains("port = 70000 is outside 1..65535"), e.getMessage());
        assertFalse(e.getMessage().contains("postern.port.offset"), e.getMessage());
    }

    @Test
    void theServerListensOnTheConfiguredPortPlusTheOffset(@TempDir Path data) throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0)) {
            free = probe.getLocalPort();
        }
        Settings s = withPort(free - 100, "100");
        SmtpServer server = new SmtpServer(new Settings(s.host(), s.port(), "mx.test.example", s.maxMessageSize(),
                s.maxRecipients(), s.maxLineLength(), s.commandTimeoutSeconds(), s.dataTimeoutSeconds(),
                s.maxConnectionsPerIp(), s.maxConnections(), s.maxErrors(), data, s.portOffset()));
        server.start();
        try {
            assertEquals(free, server.localAddress().getPort());
        } finally {
            server.stop();
        }
    }
}
