package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The global cap and the IPv6 /64 counting of the connection limiter. */
class ConnectionLimitFilterTest {
    private Listener listener;

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void ipv6ClientsAreCountedPerSlash64AndIpv4PerAddress() throws Exception {
        assertEquals(ConnectionLimitFilter.key(InetAddress.getByName("2001:db8:1:2::1")),
                ConnectionLimitFilter.key(InetAddress.getByName("2001:db8:1:2:ffff:1:2:3")),
                "one host rotating through its /64 is one client");
        assertNotEquals(ConnectionLimitFilter.key(InetAddress.getByName("2001:db8:1:2::1")),
                ConnectionLimitFilter.key(InetAddress.getByName("2001:db8:1:3::1")));
        assertNotEquals(ConnectionLimitFilter.key(InetAddress.getByName("192.0.2.1")),
                ConnectionLimitFilter.key(InetAddress.getByName("192.0.2.2")));
    }

    @Test
    void aFullListenerRefusesWithTheBusyLineAndRecovers() throws Exception {
        ConnectionLimitFilter limit = new ConnectionLimitFilter(10, "421 4.7.0 Too many connections from your address",
                1, "421 4.3.2 Service busy, try again later");
        listener = Listener.on("127.0.0.1", 0).filter("limit", limit).filter("lines", new LineFilter(100))
                .bind(new LineFilterTest.Describe());
        int port = listener.localAddress().getPort();
        try (Socket first = new Socket("127.0.0.1", port)) {
            first.setSoTimeout(5000);
            assertEquals("hello", new BufferedReader(new InputStreamReader(first.getInputStream())).readLine());
            try (Socket second = new Socket("127.0.0.1", port)) {
                second.setSoTimeout(5000);
                BufferedReader in = new BufferedReader(new InputStreamReader(second.getInputStream()));
                assertEquals("421 4.3.2 Service busy, try again later", in.readLine());
                assertEquals(null, in.readLine());
            }
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (limit.openTotal() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        try (Socket again = new Socket("127.0.0.1", port)) {
            again.setSoTimeout(5000);
            assertEquals("hello", new BufferedReader(new InputStreamReader(again.getInputStream())).readLine());
        }
    }
}
