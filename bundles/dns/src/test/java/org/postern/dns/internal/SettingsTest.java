package org.postern.dns.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    static DnsConfig config(String[] servers, int timeoutMs, int cacheKib) {
        return new DnsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DnsConfig.class;
            }

            @Override
            public String[] servers() {
                return servers;
            }

            @Override
            public int timeout_ms() {
                return timeoutMs;
            }

            @Override
            public int cache_size_kib() {
                return cacheKib;
            }

            @Override
            public int cache_max_ttl_seconds() {
                return 86400;
            }

            @Override
            public int cache_negative_max_ttl_seconds() {
                return 900;
            }
        };
    }

    @Test
    void serversAreLiteralsWithOptionalPorts() throws Exception {
        Settings s = Settings.from(config(new String[] {"192.0.2.53, 192.0.2.54:5353", "2001:db8::53 [2001:db8::54]:5300"},
                3000, 100), Map.of());
        assertEquals(List.of(new InetSocketAddress("192.0.2.53", 53), new InetSocketAddress("192.0.2.54", 5353),
                new InetSocketAddress("2001:db8::53", 53), new InetSocketAddress("2001:db8::54", 5300)), s.servers());
        assertEquals(Duration.ofMillis(3000), s.timeout());
        assertEquals(100 * 1024, s.cacheBytes());
    }

    @Test
    void emptyServersMeansTheSystemResolvers() {
        assertTrue(Settings.from(config(new String[] {""}, 5000, 1), Map.of()).servers().isEmpty());
        assertTrue(Settings.from(config(new String[0], 5000, 1), Map.of()).servers().isEmpty());
    }

    @Test
    void namesAndBadValuesAreRefusedWithThePid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(new String[] {"dns.google", "192.0.2.1:99999", "[::1"}, 5000, 1),
                        Map.of("timeout.ms", "10")));
        assertTrue(e.getMessage().contains("org.postern.dns"), e.getMessage());
        assertTrue(e.getMessage().contains("dns.google"), e.getMessage());
        assertTrue(e.getMessage().contains("192.0.2.1:99999"), e.getMessage());
        assertTrue(e.getMessage().contains("[::1"), e.getMessage());
        assertTrue(e.getMessage().contains("timeout.ms"), e.getMessage());
    }
}
