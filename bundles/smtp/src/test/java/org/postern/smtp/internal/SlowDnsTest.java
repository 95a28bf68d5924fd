package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.SendingServerResolver;

/**
 * Reverse lookups never hold a worker: with more slow lookups pending than there are workers
 * (64), the next client is still greeted, and a slow client is greeted without a name once the
 * lookup times out.
 */
class SlowDnsTest extends SmtpTestSupport {

    /** Never answers for the first {@code slow} clients; answers at once after that. */
    static final class SlowThenFast implements SendingServerResolver {
        final int slow;
        final AtomicInteger asked = new AtomicInteger();
        final List<CompletableFuture<Optional<String>>> pending = new ArrayList<>();

        SlowThenFast(int slow) {
            this.slow = slow;
        }

        @Override
        public synchronized CompletionStage<Optional<String>> confirmedName(InetAddress address) {
            if (asked.incrementAndGet() <= slow) {
                CompletableFuture<Optional<String>> never = new CompletableFuture<>();
                pending.add(never);
                return never;
            }
            return CompletableFuture.completedFuture(Optional.of("fast.sender.example"));
        }
    }

    @Test
    void seventyPendingLookupsDoNotDelayTheNextGreeting() throws Exception {
        maxConnectionsPerIp = 200;
        restart();
        SlowThenFast dns = new SlowThenFast(70);
        server.resolver = dns;
        List<RawClient> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                RawClient c = new RawClient(port);
                waiting.add(c);
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (dns.asked.get() < 70 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(70, dns.asked.get(), "every slow client's lookup has started");
            try (RawClient fast = new RawClient(port)) {
                assertEquals("220 " + HOSTNAME + " ESMTP Postern", fast.reply(),
                        "greeted while 70 lookups (more than the 64 workers) are pending");
            }
            // The slow ones have not been greeted yet (their lookups are still pending)...
            Socket first = waiting.get(0).socket();
            first.setSoTimeout(200);
            boolean greetedEarly;
            try {
                greetedEarly = first.getInputStream().read() >= 0;
            } catch (SocketTimeoutException notYet) {
                greetedEarly = false;
            }
            assertTrue(!greetedEarly || dns.pending.get(0).isDone(), "no greeting before the lookup ends");
            // ...and are greeted without a name once the lookup times out.
            first.setSoTimeout(30_000);
            RawClient last = waiting.get(69);
            assertEquals("220 " + HOSTNAME + " ESMTP Postern", last.reply());
        } finally {
            for (RawClient c : waiting) {
                c.close();
            }
        }
    }

    @Test
    void nothingTheClientSendsBeforeTheGreetingIsReadBeforeIt() throws Exception {
        CompletableFuture<Optional<String>> lookup = new CompletableFuture<>();
        server.resolver = address -> lookup;
        try (RawClient c = new RawClient(port)) {
            // A whole transaction pipelined before the greeting (RFC 5321 says wait for it).
            c.send("EHLO early.example\r\nMAIL FROM:<s@origin.example>\r\nRCPT TO:<alice@example.net>\r\n"
                    + "DATA\r\nSubject: early\r\n\r\nbody\r\n.\r\n");
            c.socket().setSoTimeout(1000);
            try {
                int b = c.socket().getInputStream().read();
                throw new AssertionError("the server answered before its greeting: " + (char) b);
            } catch (SocketTimeoutException expected) {
                // nothing was read, so nothing was answered
            }
            assertEquals(0, mailboxes.delivered.size(), "no message before the connect stage is over");
            lookup.complete(Optional.of("early.sender.example"));
            c.socket().setSoTimeout(10_000);
            assertEquals("220 " + HOSTNAME + " ESMTP Postern", c.reply(), "the greeting comes first");
        }
    }
}
