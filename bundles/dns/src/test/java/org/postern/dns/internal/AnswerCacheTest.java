package org.postern.dns.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.dns.internal.AnswerCache.Question;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

class AnswerCacheTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    static Question q(String name) {
        return new Question(Name.fromConstantString(name + "."), Type.A);
    }

    static DnsAnswer<Record> answer(String name, long ttl) throws Exception {
        return DnsAnswer.ok(List.of(new ARecord(Name.fromConstantString(name + "."), DClass.IN, ttl,
                InetAddress.getByName("192.0.2.1"))), true, ttl);
    }

    @Test
    void remainingTtlAndExpiry() throws Exception {
        AnswerCache c = new AnswerCache(1 << 20);
        c.put(q("a.test"), answer("a.test", 10), 0);
        assertEquals(10, c.get(q("a.test"), 0).ttlSeconds());
        assertEquals(6, c.get(q("a.test"), 3 * S + S / 2).ttlSeconds());
        assertTrue(c.get(q("a.test"), 3 * S).authenticated());
        assertNull(c.get(q("a.test"), 10 * S));
        assertEquals(0, c.size());
        assertEquals(0, c.used());
    }

    @Test
    void failuresAndZeroTtlAreNotKept() throws Exception {
        AnswerCache c = new AnswerCache(1 << 20);
        c.put(q("f.test"), DnsAnswer.failure(Status.TIMEOUT), 0);
        c.put(q("z.test"), answer("z.test", 0), 0);
        c.put(q("n.test"), DnsAnswer.none(Status.NXDOMAIN, false, 30), 0);
        assertNull(c.get(q("f.test"), 0));
        assertNull(c.get(q("z.test"), 0));
        assertEquals(Status.NXDOMAIN, c.get(q("n.test"), 0).status());
    }

    @Test
    void theBudgetEvictsTheLeastRecentlyUsed() throws Exception {
        long one = AnswerCache.weight(q("h00.test"), answer("h00.test", 60));
        AnswerCache c = new AnswerCache(one * 10);
        for (int i = 0; i < 10; i++) {
            String name = String.format("h%02d.test", i);
            c.put(q(name), answer(name, 60), 0);
        }
        assertNotNull(c.get(q("h00.test"), 0)); // h00 now most recently used
        c.put(q("h10.test"), answer("h10.test", 60), 0);
        assertNull(c.get(q("h01.test"), 0));
        assertNotNull(c.get(q("h00.test"), 0));
        assertNotNull(c.get(q("h10.test"), 0));
        assertTrue(c.used() <= one * 10);

        c.put(q("h10.test"), answer("h10.test", 60), 0); // replacing does not count twice
        assertTrue(c.used() <= one * 10);
        assertEquals(10, c.size());
    }
}
