package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What SEARCH BODY and TEXT find: the text a reader sees, not the octets a sender encoded. */
class BodyTextTest {
    private static final String CRLF = "\r\n";

    private static boolean body(String message, String needle) throws IOException {
        return search(message.getBytes(StandardCharsets.ISO_8859_1), needle, false);
    }

    private static boolean text(String message, String needle) throws IOException {
        return search(message.getBytes(StandardCharsets.ISO_8859_1), needle, true);
    }

    /** Searches with the structure as parsed and as read back from its stored form; both must agree. */
    private static boolean search(byte[] raw, String needle, boolean withPartHeaders) throws IOException {
        MessageStructure parsed = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        boolean a = BodyText.contains(new ByteArrayInputStream(raw), parsed, needle, withPartHeaders);
        MessageStructure stored = MessageStructure.fromBytes(parsed.toBytes());
        boolean b = BodyText.contains(new ByteArrayInputStream(raw), stored, needle, withPartHeaders);
        if (a != b) {
            throw new AssertionError("parsed and stored structure disagree on " + needle);
        }
        return a;
    }

    /** UTF-8 text as octets, one char per octet, so it can be put in a message string. */
    private static String octets(String text, Charset charset) {
        return new String(text.getBytes(charset), StandardCharsets.ISO_8859_1);
    }

    @Test
    void quotedPrintableIsDecodedInItsCharsetAndSoftLineBreaksJoinWords() throws IOException {
        String m = "Subject: menu" + CRLF
                + "Content-Type: text/plain; charset=\"UTF-8\"" + CRLF
                + "Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF
                + "Un caf=C3=A9 cr=C3=A8me, s'il vous pla=C3=AEt. Pay=" + CRLF
                + "ment due." + CRLF;
        assertTrue(body(m, "café crème"));
        assertTrue(body(m, "CAFÉ CRÈME"), "case is ignored beyond ASCII");
        assertTrue(body(m, "payment"), "a soft line break is no break");
        assertFalse(body(m, "caf=C3=A9"), "the encoded form is not what the reader sees");
        assertFalse(body(m, "cafe"), "an accent is not ignored");
        assertFalse(body(m, "menu"), "the message header is not the body");
    }

    @Test
    void base64IsDecodedAndLatin1ReadAsLatin1() throws IOException {
        String text = "Grüße aus Köln.\r\nDie Rechnung liegt bei.\r\n";
        String b64 = Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
        String m = "Content-Type: text/plain; charset=iso-8859-1" + CRLF
                + "Content-Transfer-Encoding: BASE64" + CRLF + CRLF + b64 + CRLF;
        assertTrue(body(m, "grüße aus köln"));
        assertTrue(body(m, "Rechnung"));
        assertFalse(body(m, b64.substring(0, 12)), "base64 text is not searched as written");
    }

    @Test
    void eightBitWithoutCharsetOrWithAnUnknownOneIsReadAsUtf8() throws IOException {
        String plain = "Subject: x" + CRLF + CRLF + octets("Smörgåsbord", StandardCharsets.UTF_8) + CRLF;
        assertTrue(body(plain, "smörgåsbord"));
        String unknown = "Content-Type: text/plain; charset=x-no-such-charset" + CRLF + CRLF
                + octets("naïve", StandardCharsets.UTF_8) + CRLF;
        assertTrue(body(unknown, "NAÏVE"));
        String ascii = "Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF
                + octets("déjà vu", StandardCharsets.UTF_8) + CRLF;
        assertTrue(body(ascii, "déjà"), "mislabelled 8-bit text still found");
    }

    @Test
    void onlyTextPartsAreSearchedAndPartHeadersOnlyForText() throws IOException {
        String secret = Base64.getMimeEncoder().encodeToString("the word needle inside a PDF".getBytes(StandardCharsets.US_ASCII));
        String m = "Subject: report" + CRLF
                + "MIME-Version: 1.0" + CRLF
                + "Content-Type: multipart/mixed; boundary=\"b1\"" + CRLF + CRLF
                + "preamble mentions haystack" + CRLF
                + "--b1" + CRLF
                + "Content-Type: multipart/alternative; boundary=b2" + CRLF + CRLF
                + "--b2" + CRLF
                + "Content-Type: text/plain; charset=utf-8" + CRLF
                + "Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF
                + "Le r=C3=A9sum=C3=A9 est joint." + CRLF
                + "--b2" + CRLF
                + "Content-Type: text/html; charset=utf-8" + CRLF
                + "Content-Transfer-Encoding: base64" + CRLF + CRLF
                + Base64.getMimeEncoder().encodeToString("<p>Voir l'<b>annexe</b></p>".getBytes(StandardCharsets.UTF_8)) + CRLF
                + "--b2--" + CRLF
                + "--b1" + CRLF
                + "Content-Type: application/pdf; name=\"quarterly-figures.pdf\"" + CRLF
                + "Content-Disposition: attachment; filename=\"quarterly-figures.pdf\"" + CRLF
                + "Content-Transfer-Encoding: base64" + CRLF + CRLF
                + secret + CRLF
                + "--b1--" + CRLF
                + "epilogue" + CRLF;
        assertTrue(body(m, "résumé est joint"));
        assertTrue(body(m, "annexe"), "the HTML alternative is text too");
        assertFalse(body(m, "needle"), "an attachment that is not text is not searched");
        assertFalse(body(m, "haystack"), "nor the preamble");
        assertFalse(body(m, "quarterly-figures"), "BODY: part headers are not searched");
        assertTrue(text(m, "quarterly-figures"), "TEXT: they are, attachment names included");
        assertFalse(text(m, "report"), "the message header is the caller's to search");
        assertFalse(body(m, "joint.annexe"), "a match lies within one part");
    }

    @Test
    void anEmbeddedMessageHeaderIsBodyTextWithItsWordsDecoded() throws IOException {
        String inner = "From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.org>" + CRLF
                + "Subject: =?UTF-8?B?" + Base64.getEncoder().encodeToString("Réunion".getBytes(StandardCharsets.UTF_8)) + "?=" + CRLF
                + "Content-Type: text/plain; charset=utf-8" + CRLF
                + "Content-Transfer-Encoding: base64" + CRLF + CRLF
                + Base64.getMimeEncoder().encodeToString("Ordre du jour ci-dessous.".getBytes(StandardCharsets.UTF_8)) + CRLF;
        String m = "Subject: Fwd" + CRLF
                + "Content-Type: multipart/mixed; boundary=x" + CRLF + CRLF
                + "--x" + CRLF
                + "Content-Type: text/plain" + CRLF + CRLF
                + "See below." + CRLF
                + "--x" + CRLF
                + "Content-Type: message/rfc822" + CRLF + CRLF
                + inner
                + "--x--" + CRLF;
        assertTrue(body(m, "réunion"), "the forwarded subject, decoded");
        assertTrue(body(m, "josé"));
        assertTrue(body(m, "ordre du jour"), "the forwarded body, decoded");
        assertTrue(body(m, "see below"));
        String single = "Subject: top" + CRLF + "Content-Type: message/rfc822" + CRLF + CRLF + inner;
        assertTrue(body(single, "ordre du jour"), "a message that is only an embedded message");
        assertTrue(body(single, "Réunion"));
    }

    @Test
    void malformedEncodingsDecodeWhatTheyCanAndNeverThrow() throws IOException {
        String qp = "Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF
                + "a=zz b=4 c=" + CRLF + "d =3d e=";
        assertTrue(body(qp, "a=zz b=4 cd = e"));
        String b64 = "Content-Transfer-Encoding: base64" + CRLF + CRLF
                + Base64.getEncoder().encodeToString("first ".getBytes(StandardCharsets.US_ASCII)) + CRLF
                + "!!not base64!!" + CRLF
                + Base64.getEncoder().encodeToString("x".getBytes(StandardCharsets.US_ASCII)) + CRLF
                + Base64.getEncoder().encodeToString("second".getBytes(StandardCharsets.US_ASCII)) + CRLF;
        assertTrue(body(b64, "second"), "a new quantum after padding: concatenated blocks decode");
        assertTrue(body(b64, "first"));
        String badUtf8 = "Content-Type: text/plain; charset=utf-8" + CRLF + CRLF + "ab\u00ff\u00fecd efg" + CRLF;
        assertTrue(body(badUtf8, "cd efg"), "invalid octets become U+FFFD, the rest is found");
    }

    @Test
    void decodersRoundTripArbitraryOctetsAcrossBufferBoundaries() throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            byte[] data = new byte[random.nextInt(100_000)];
            random.nextBytes(data);
            byte[] b64 = Base64.getMimeEncoder().encode(data);
            assertArrayEquals(data, TransferDecoding.decoding(trickle(b64, random), "base64").readAllBytes());
            byte[] qp = quotedPrintable(data, random);
            assertArrayEquals(data, TransferDecoding.decoding(trickle(qp, random), " Quoted-Printable (c)").readAllBytes());
        }
    }

    @Test
    void aNeedleIsFoundWhereverItFallsInALongPart() throws IOException {
        Random random = new Random(7);
        StringBuilder filler = new StringBuilder();
        while (filler.length() < 200_000) {
            filler.append("lorem ipsum dolor sit amet ").append(random.nextInt(1000)).append(' ');
        }
        for (int at : new int[] {0, 8191, 8192, 16383, 16384, 65535, 150_001, 199_990}) {
            String text = filler.substring(0, at) + "Zwölf Boxkämpfer" + filler.substring(at);
            String m = "Content-Type: text/plain; charset=utf-8" + CRLF
                    + "Content-Transfer-Encoding: base64" + CRLF + CRLF
                    + Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + CRLF;
            assertTrue(body(m, "zwölf boxkämpfer"), "at " + at);
            assertFalse(body(m, "zwölf boxkämpferx"), "at " + at);
        }
    }

    @Test
    void manyPartsAndDeepNestingAreSearchedInOnePass() throws IOException {
        StringBuilder m = new StringBuilder("Content-Type: multipart/mixed; boundary=q" + CRLF + CRLF);
        for (int i = 0; i < 20_000; i++) {
            m.append("--q").append(CRLF).append("Content-Type: text/plain").append(CRLF).append(CRLF)
                    .append("part ").append(i).append(CRLF);
        }
        m.append("--q--").append(CRLF);
        assertTrue(body(m.toString(), "part 9000"));
        assertFalse(body(m.toString(), "part 20000"));
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 90; i++) {
            deep.append("Content-Type: multipart/mixed; boundary=d").append(i).append(CRLF).append(CRLF)
                    .append("--d").append(i).append(CRLF);
        }
        deep.append("Content-Type: text/plain").append(CRLF).append(CRLF).append("bottom").append(CRLF);
        assertTrue(body(deep.toString(), "bottom"), "90 levels down");
    }

    /** Hands out the octets a few at a time, as a socket or a slow disk would. */
    private static InputStream trickle(byte[] b, Random random) {
        return new ByteArrayInputStream(b) {
            @Override
            public synchronized int read(byte[] out, int off, int len) {
                return super.read(out, off, Math.min(len, 1 + random.nextInt(5000)));
            }
        };
    }

    private static byte[] quotedPrintable(byte[] data, Random random) {
        StringBuilder b = new StringBuilder();
        int line = 0;
        for (byte x : data) {
            int c = x & 0xff;
            if (c >= 33 && c <= 126 && c != '=') {
                b.append((char) c);
                line++;
            } else {
                b.append('=').append(String.format("%02X", c));
                line += 3;
            }
            if (line > 70) {
                b.append(random.nextBoolean() ? "=\r\n" : "=  \n");
                line = 0;
            }
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
