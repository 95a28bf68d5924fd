package org.postern.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class NetworkTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void ipv4NetworksMatchTheirAddressesOnly() throws Exception {
        Network n = Network.parse("192.0.2.0/24");
        assertTrue(n.contains(ip("192.0.2.1")));
        assertTrue(n.contains(ip("192.0.2.255")));
        assertFalse(n.contains(ip("192.0.3.1")));
        assertFalse(n.contains(ip("2001:db8::1")));
        assertEquals("192.0.2.0/24", n.toString());
    }

    @Test
    void ipv6NetworksMatchTheirAddressesOnly() throws Exception {
        Network n = Network.parse("2001:DB8:0:0::/32");
        assertTrue(n.contains(ip("2001:db8:ffff::1")));
        assertFalse(n.contains(ip("2001:db9::1")));
        assertFalse(n.contains(ip("192.0.2.1")));
        assertEquals("2001:db8::/32", n.toString());
    }

    @Test
    void aBareAddressIsOneHostAndHostBitsAreCleared() throws Exception {
        assertEquals("198.51.100.7/32", Network.parse("198.51.100.7").toString());
        assertEquals("2001:db8::7/128", Network.parse("2001:db8::7").toString());
        assertEquals("192.0.2.0/24", Network.parse(" 192.0.2.77/24 ").toString());
        assertEquals("0.0.0.0/0", Network.parse("10.1.2.3/0").toString());
        assertTrue(Network.parse("0.0.0.0/0").contains(ip("203.0.113.9")));
        assertEquals("2001:db8:0:1::/64", Network.parse("2001:db8:0:1:2:3:4:5/64").toString());
    }

    @Test
    void namesAndJunkAreRefusedWithoutAnyLookup() {
        for (String bad : new String[] {"example.com", "localhost", "192.0.2", "192.0.2.0/33", "2001:db8::/129",
                "192.0.2.256", "192.0.2.1/", "/24", "", " ", "fe80::1%eth0", "1.2.3.4/a", "::g", "1.2.3.4.5",
                "192.0.2.1/0024", "a".repeat(100), "\u0660::1", ".1::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::",
                ":1::", "1:2:3:4:5:6:7", "::1.2.3.4:5", "1.2.3.4::"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Network.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("not a network"), e.getMessage());
        }
    }

    @Test
    void everyIpv6TextFormParses() throws Exception {
        assertEquals("1:2:3:4:5:6:7:8/128", Network.parse("1:2:3:4:5:6:7:8").toString());
        assertEquals("::/0", Network.parse("::/0").toString());
        assertEquals("::1/128", Network.parse("::1").toString());
        assertEquals("1::/16", Network.parse("1::/16").toString());
        assertEquals("::102:304/128", Network.parse("::1.2.3.4").toString());
        assertEquals("192.0.2.1/32", Network.parse("::FFFF:192.0.2.1").toString());
        assertTrue(Network.parse("fe80::/10").contains(ip("fe80::1234")));
    }

    @Test
    void anIpv4MappedNetworkMatchesIpv4Clients() throws Exception {
        Network n = Network.parse("::ffff:192.0.2.0/120");
        assertTrue(n.contains(ip("192.0.2.9")));
        assertFalse(n.contains(ip("192.0.3.9")));
        assertEquals("192.0.2.0/24", n.toString());
        assertThrows(IllegalArgumentException.class, () -> Network.parse("::ffff:192.0.2.0/64"));
    }
}
