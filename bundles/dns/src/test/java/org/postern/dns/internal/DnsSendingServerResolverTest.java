package org.postern.dns.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.dns.testing.LoopbackDnsServer;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.ReverseMap;

class DnsSendingServerResolverTest {
    private LoopbackDnsServer server;
    private DnsjavaResolver dns;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackDnsServer();
        dns = DnsjavaResolverTest.resolver(server.address(), java.time.Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() throws Exception {
        dns.close();
        server.close();
    }

    static Optional<String> get(CompletionStage<Optional<String>> s) throws Exception {
        return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void theFirstConfirmedHostName() throws Exception {
        InetAddress ip = InetAddress.getByName("192.0.2.90");
        Name rev = ReverseMap.fromAddress(ip);
        server.add(new PTRRecord(rev, DClass.IN, 300, Name.fromConstantString("_odd.example.test.")),
                new PTRRecord(rev, DClass.IN, 300, Name.fromConstantString("single.")),
                new PTRRecord(rev, DClass.IN, 300, Name.fromConstantString("Mail.Example.Test.")));
        for (String name : List.of("_odd.example.test.", "single.", "mail.example.test.")) {
            server.add(new ARecord(Name.fromConstantString(name), DClass.IN, 300, ip));
        }
        assertEquals(Optional.of("mail.example.test"), get(new DnsSendingServerResolver(dns).confirmedName(ip)));
    }

    @Test
    void emptyWhenNotConfirmedOrLocal() throws Exception {
        DnsSendingServerResolver r = new DnsSendingServerResolver(dns);
        InetAddress ip = InetAddress.getByName("192.0.2.91");
        server.add(new PTRRecord(ReverseMap.fromAddress(ip), DClass.IN, 300, Name.fromConstantString("mail.example.test.")));
        assertEquals(Optional.empty(), get(r.confirmedName(ip)));
        assertEquals(Optional.empty(), get(r.confirmedName(InetAddress.getByName("192.0.2.92"))));
        int asked = server.received().size();
        assertEquals(Optional.empty(), get(r.confirmedName(InetAddress.getLoopbackAddress())));
        assertEquals(Optional.empty(), get(r.confirmedName(InetAddress.getByName("fe80::1"))));
        assertEquals(Optional.empty(), get(r.confirmedName(null)));
        assertEquals(asked, server.received().size(), "local addresses are never asked");
    }

    @Test
    void aBrokenResolverMeansEmpty() throws Exception {
        DnsResolver broken = new DnsResolver() {
            @Override
            public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
                return CompletableFuture.failedFuture(new IllegalStateException("broken"));
            }

            @Override
            public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
                throw new IllegalStateException("broken");
            }

            @Override
            public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
                throw new IllegalStateException("broken");
            }

            @Override
            public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
                throw new IllegalStateException("broken");
            }

            @Override
            public CompletionStage<DnsAnswer<String>> txt(String name) {
                throw new IllegalStateException("broken");
            }

            @Override
            public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
                throw new IllegalStateException("broken");
            }

            @Override
            public CompletionStage<DnsAnswer<String>> forwardConfirmedNames(InetAddress address) {
                if (address.getAddress()[3] == 1) {
                    throw new IllegalStateException("broken");
                }
                return CompletableFuture.completedFuture(DnsAnswer.failure(Status.TIMEOUT));
            }
        };
        DnsSendingServerResolver r = new DnsSendingServerResolver(broken);
        assertEquals(Optional.empty(), get(r.confirmedName(InetAddress.getByName("192.0.2.1"))));
        assertEquals(Optional.empty(), get(r.confirmedName(InetAddress.getByName("192.0.2.2"))));
    }
}
