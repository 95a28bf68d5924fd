package org.postern.api.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer.Status;

class DnsAnswerTest {

    @Test
    void okNeedsRecordsAndOthersHaveNone() {
        assertThrows(IllegalArgumentException.class, () -> DnsAnswer.ok(List.of(), true, 10));
        assertThrows(IllegalArgumentException.class, () -> new DnsAnswer<>(Status.NXDOMAIN, List.of("x"), false, 0));
        assertThrows(IllegalArgumentException.class, () -> DnsAnswer.none(Status.OK, false, 0));
        assertThrows(IllegalArgumentException.class, () -> DnsAnswer.failure(Status.NODATA));
        assertThrows(IllegalArgumentException.class, () -> DnsAnswer.ok(List.of("x"), false, -1));
    }

    @Test
    void recordsAreACopy() {
        List<String> names = new ArrayList<>(List.of("a.example"));
        DnsAnswer<String> a = DnsAnswer.ok(names, false, 60);
        names.add("b.example");
        assertEquals(List.of("a.example"), a.records());
        assertThrows(UnsupportedOperationException.class, () -> a.records().add("c"));
    }

    @Test
    void failuresAreNeverAuthenticatedNorReusable() {
        DnsAnswer<String> f = new DnsAnswer<>(Status.TIMEOUT, List.of(), true, 300);
        assertFalse(f.authenticated());
        assertEquals(0, f.ttlSeconds());
        assertTrue(f.isTemporaryFailure());
        assertTrue(DnsAnswer.failure(Status.TEMPFAIL).isTemporaryFailure());
        assertFalse(DnsAnswer.failure(Status.INVALID).isTemporaryFailure());
        assertTrue(DnsAnswer.none(Status.NODATA, true, 5).isNegative());
        assertTrue(DnsAnswer.none(Status.NODATA, true, 5).authenticated());
    }

    @Test
    void withRecordsKeepsTheRestAndTurnsNothingLeftIntoNodata() {
        DnsAnswer<String> a = DnsAnswer.ok(List.of("x"), true, 42);
        DnsAnswer<Integer> mapped = a.withRecords(List.of(1, 2));
        assertEquals(List.of(1, 2), mapped.records());
        assertTrue(mapped.authenticated());
        assertEquals(42, mapped.ttlSeconds());
        assertEquals(Status.NODATA, a.withRecords(List.of()).status());
    }

    @Test
    void mxAndTlsaValues() {
        assertTrue(new MxRecord(0, ".").isNullMx());
        assertFalse(new MxRecord(10, "mx.example").isNullMx());
        assertThrows(IllegalArgumentException.class, () -> new MxRecord(70000, "mx.example"));

        byte[] data = {1, 2, 3};
        TlsaRecord t = new TlsaRecord(3, 1, 1, data);
        data[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, t.data());
        t.data()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, t.data());
        assertEquals(new TlsaRecord(3, 1, 1, new byte[] {1, 2, 3}), t);
        assertEquals(new TlsaRecord(3, 1, 1, new byte[] {1, 2, 3}).hashCode(), t.hashCode());
        assertNotEquals(new TlsaRecord(2, 1, 1, new byte[] {1, 2, 3}), t);
        assertEquals("3 1 1 010203", t.toString());
        assertThrows(IllegalArgumentException.class, () -> new TlsaRecord(256, 1, 1, data));
    }
}
