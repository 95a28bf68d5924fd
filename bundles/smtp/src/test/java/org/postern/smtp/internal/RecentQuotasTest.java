package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.Mailboxes.QuotaUsage;

/** The RCPT quota check reads a roomy account once a second, any other every time. */
class RecentQuotasTest {
    private static final long GIB = 1024L * 1024 * 1024;

    private final Fakes.Quotas quotas = new Fakes.Quotas();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final RecentQuotas recent = new RecentQuotas(now::get);
    private final org.postern.api.mail.Mailboxes counted = (org.postern.api.mail.Mailboxes) java.lang.reflect.Proxy
            .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {org.postern.api.mail.Mailboxes.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("quota")) {
                            reads.incrementAndGet();
                            return quotas.service().quota((String) args[0]);
                        }
                        throw new UnsupportedOperationException(method.getName());
                    });

    @Test
    void aRoomyAccountIsReadOnceASecond() {
        quotas.usage.put("acc", new QuotaUsage(GIB / 2, GIB));
        assertEquals(new QuotaUsage(GIB / 2, GIB), recent.quota(counted, "acc"));
        quotas.usage.put("acc", new QuotaUsage(GIB, GIB)); // filled up meanwhile
        now.addAndGet(RecentQuotas.FRESH_NANOS - 1);
        assertEquals(new QuotaUsage(GIB / 2, GIB), recent.quota(counted, "acc"), "within the second: the reading");
        assertEquals(1, reads.get());
        now.addAndGet(1);
        assertEquals(new QuotaUsage(GIB, GIB), recent.quota(counted, "acc"), "a second later: read again");
        assertEquals(new QuotaUsage(GIB, GIB), recent.quota(counted, "acc"));
        assertEquals(3, reads.get(), "a full account is read every time");
    }

    @Test
    void anAccountNearItsLimitIsReadEveryTime() {
        quotas.usage.put("near", new QuotaUsage(GIB - GIB / 10 + 1, GIB)); // less than a tenth left
        quotas.usage.put("tiny", new QuotaUsage(0, 512 * 1024)); // less than 1 MiB of room at all
        for (int i = 0; i < 3; i++) {
            recent.quota(counted, "near");
            recent.quota(counted, "tiny");
        }
        assertEquals(6, reads.get());
    }

    @Test
    void noLimitIsRoomyAndAccountsAreKeptApart() {
        quotas.usage.put("a", new QuotaUsage(5 * GIB, 0));
        quotas.usage.put("b", new QuotaUsage(1, GIB));
        for (int i = 0; i < 3; i++) {
            assertEquals(new QuotaUsage(5 * GIB, 0), recent.quota(counted, "a"));
            assertEquals(new QuotaUsage(1, GIB), recent.quota(counted, "b"));
        }
        assertEquals(2, reads.get());
    }

    @Test
    void aSlowerOlderReadingDoesNotReplaceANewerOne() {
        quotas.usage.put("acc", new QuotaUsage(GIB, GIB)); // full, as a newer read will find
        java.util.concurrent.atomic.AtomicBoolean inner = new java.util.concurrent.atomic.AtomicBoolean();
        org.postern.api.mail.Mailboxes slow = (org.postern.api.mail.Mailboxes) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.postern.api.mail.Mailboxes.class}, (proxy, method, args) -> {
                    // While this (older) read is under way, a newer one finds the account full.
                    if (inner.compareAndSet(false, true)) {
                        now.addAndGet(10);
                        assertEquals(new QuotaUsage(GIB, GIB), recent.quota(counted, "acc"));
                    }
                    return new QuotaUsage(0, GIB); // what the older read saw: roomy
                });
        assertEquals(new QuotaUsage(0, GIB), recent.quota(slow, "acc"));
        assertEquals(new QuotaUsage(GIB, GIB), recent.quota(counted, "acc"), "the newer, full reading stands");
        assertEquals(2, reads.get());
    }

    @Test
    void aFailedReadIsNotRemembered() {
        quotas.fail = new IllegalStateException("store down");
        assertThrows(IllegalStateException.class, () -> recent.quota(counted, "acc"));
        quotas.fail = null;
        quotas.usage.put("acc", new QuotaUsage(1, GIB));
        assertEquals(new QuotaUsage(1, GIB), recent.quota(counted, "acc"));
        assertEquals(2, reads.get());
    }
}
