package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReadableMessageTest {
    private static byte[] crlf(String s) {
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainQuotedPrintableLatin1WithEncodedSubject() throws Exception {
        byte[] raw = (("From: =?ISO-8859-1?Q?Ren=E9?= <rene@example.com>\r\n"
                + "Subject: =?UTF-8?B?Q2Fmw6k=?= menu\r\n"
                + "Content-Type: text/plain; charset=iso-8859-1\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "Caf=E9 au lait=\r\nsoon\r\n")).getBytes(StandardCharsets.ISO_8859_1);
        ReadableMessage m = ReadableMessage.of(raw, 1000);
        assertEquals("René <rene@example.com>", m.header("From"));
        assertEquals("Café menu", m.header("subject"));
        assertEquals("Café au laitsoon\r\n", m.text());
        assertNull(m.html());
        assertTrue(m.attachments().isEmpty());
    }

    @Test
    void alternativeWithAttachmentAndUtf8Header() throws Exception {
        byte[] raw = crlf("From: Jürgen <j@example.com>\nSubject: Grüße\nContent-Type: multipart/mixed; boundary=a\n\n"
                + "--a\nContent-Type: multipart/alternative; boundary=b\n\n"
                + "--b\nContent-Type: text/plain; charset=utf-8\n\nhello plain\n"
                + "--b\nContent-Type: text/html; charset=utf-8\n\n<p>hello <b>html</b></p>\n--b--\n"
                + "--a\nContent-Type: application/pdf; name=\"r.pdf\"\nContent-Disposition: attachment; filename=\"report.pdf\"\n"
                + "Content-Transfer-Encoding: base64\n\nSGVsbG8gUERG\n"
                + "--a\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\nnot the body\n--a--\n");
        ReadableMessage m = ReadableMessage.of(raw, 1000);
        assertEquals("Jürgen <j@example.com>", m.header("From"));
        assertEquals("Grüße", m.header("Subject"));
        assertEquals("hello plain", m.text().strip());
        assertTrue(m.html().contains("<b>html</b>"));
        assertEquals(2, m.attachments().size());
        ReadableMessage.Attachment pdf = m.attachments().get(0);
        assertEquals("2", pdf.path());
        assertEquals("report.pdf", pdf.fileName());
        assertEquals("application/pdf", pdf.contentType());
        try (InputStream in = m.attachment("2").orElseThrow()) {
            assertEquals("Hello PDF", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertEquals("notes.txt", m.attachments().get(1).fileName());
        assertTrue(m.attachment("9").isEmpty());
        assertTrue(m.attachment("x").isEmpty());
    }

    @Test
    void longTextIsCutAtTheLimit() throws Exception {
        byte[] raw = crlf("Subject: long\n\n" + "x".repeat(5000) + "\n");
        ReadableMessage m = ReadableMessage.of(raw, 100);
        assertEquals(100, m.text().length());
        assertTrue(m.textTruncated());
        assertFalse(ReadableMessage.of(raw, 10_000).textTruncated());
    }

    @Test
    void htmlOnlyHasNoTextAndAMessageWithoutHeaderFieldsReadsAsNull() throws Exception {
        ReadableMessage m = ReadableMessage.of(crlf("Content-Type: text/html\n\n<i>x</i>\n"), 100);
        assertNull(m.text());
        assertNull(m.header("Subject"));
        assertEquals("<i>x</i>", m.html().strip());
    }
}
