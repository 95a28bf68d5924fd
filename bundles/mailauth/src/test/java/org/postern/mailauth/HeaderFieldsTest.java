package org.postern.mailauth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderFieldsTest {
    @Test
    void fieldsKeepTheirOctetsAndOffsetsAndTheStreamStopsAtTheBody() throws Exception {
        String msg = "From: a@example.com\r\nSubject: one\r\n two\r\nX-Empty:\r\n\r\nbody line\r\n";
        InputStream in = new BufferedInputStream(new ByteArrayInputStream(msg.getBytes(StandardCharsets.ISO_8859_1)));
        HeaderFields h = HeaderFields.read(in, 1024);
        assertEquals(3, h.fields().size());
        HeaderFields.Field subject = h.fields().get(1);
        assertEquals("Subject", subject.name());
        assertEquals(" one\r\n two", subject.value());
        assertEquals(msg.indexOf("Subject"), subject.offset());
        assertArrayEquals("Subject: one\r\n two\r\n".getBytes(StandardCharsets.ISO_8859_1), subject.raw());
        assertEquals(msg.indexOf("body"), h.bodyOffset());
        assertEquals("body line\r\n", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(1, h.named("FROM").size());
    }

    @Test
    void aMessageWithoutBodyAndAnOverlongHeader() throws Exception {
        HeaderFields h = HeaderFields.read(new ByteArrayInputStream("From: a@b\r\nTo: c@d".getBytes(StandardCharsets.US_ASCII)), 1024);
        assertEquals(2, h.fields().size());
        assertEquals(" c@d", h.fields().get(1).value());
        HeaderFields big = HeaderFields.read(new ByteArrayInputStream(("X: " + "y".repeat(5000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)), 1024);
        assertTrue(big.truncated());
        HeaderFields many = HeaderFields.read(new ByteArrayInputStream("a:\r\n".repeat(2000).getBytes(StandardCharsets.US_ASCII)),
                1 << 20, 1000);
        assertTrue(many.truncated());
        assertTrue(many.fields().size() <= 1001);
    }
}
