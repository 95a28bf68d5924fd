package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose PostgreSQL cannot be reached when it starts: the store waits, retrying in the
 * background, and starts (schema and all) once the server answers, with no restart. The server
 * is "down" while nothing listens on the port the store was given, and "up" once a forwarder to
 * the real server listens there.
 */
class DatabaseWaitsForPostgresqlTest {
    @TempDir
    Path dataDir;

    @Test
    void aStoreStartedWhileTheServerIsDownStartsWhenItAnswers() throws Exception {
        TestDatabase.requirePostgresql();
        try (TestDatabase target = TestDatabase.create(TestDatabase.Engine.POSTGRESQL, dataDir)) {
            int realPort = portOf(target.url());
            int port = freePort();
            String unreachable = target.url().replace(":" + realPort + "/", ":" + port + "/");
            AtomicReference<Database> started = new AtomicReference<>();
            Database db = new Database(target.factory(), target.config(Map.of("jdbc_url", unreachable,
                    "jdbc_connect_timeout_seconds", 1)), Map.of(), started::set);
            try {
                Thread.sleep(1500);
                assertNull(started.get(), "not started while nothing answers");
                assertFalse(db.isStarted());
                try (Forwarder f = new Forwarder(port, realPort)) {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (started.get() == null && System.nanoTime() < end) {
                        Thread.sleep(50);
                    }
                    assertTrue(started.get() == db, "started once the server answered");
                    assertEquals(Migrations.SCRIPTS.size(), db.schemaVersion());
                    JdbcDomainRepository domains = new JdbcDomainRepository(db);
                    domains.insertServiceDomain("example.net");
                    assertEquals(List.of("example.net"), domains.serviceDomains());
                }
            } finally {
                db.close();
            }
        }
    }

    @Test
    void withoutWaitingTheStoreRefusesAtOnce() throws Exception {
        TestDatabase.requirePostgresql();
        try (TestDatabase target = TestDatabase.create(TestDatabase.Engine.POSTGRESQL, dataDir)) {
            int realPort = portOf(target.url());
            int port = freePort();
            String unreachable = target.url().replace(":" + realPort + "/", ":" + port + "/");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> target.open(
                    Map.of("jdbc_url", unreachable, "jdbc_connect_timeout_seconds", 1)));
            assertTrue(e.getMessage().contains("cannot open database"), e.getMessage());
        }
    }

    private static int portOf(String jdbcUrl) {
        return URI.create(jdbcUrl.substring("jdbc:".length())).getPort();
    }

    /** A port nothing listens on (until a test's forwarder does). */
    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** Forwards every connection on {@code port} to the real server, both ways. */
    private static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Forwarder(int port, int target) throws IOException {
            server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket in = server.accept();
                        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                        sockets.add(in);
                        sockets.add(out);
                        pipe(in, out);
                        pipe(out, in);
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "forwarder");
            accept.setDaemon(true);
            accept.start();
        }

        private static void pipe(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException gone) {
                    // one side closed
                } finally {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }, "forwarder-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
