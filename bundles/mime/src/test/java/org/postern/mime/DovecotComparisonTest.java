package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each {@code *.eml} resource against what Dovecot 2.3.19's imap answered for it: {@code *.env},
 * {@code *.bs}, {@code *.body} are its raw {@code * 1 FETCH (ENVELOPE|BODYSTRUCTURE|BODY ...)}
 * lines, {@code sections/NAME.SECTION.bin} the octets of its {@code BODY.PEEK[SECTION]}. Where we
 * differ on purpose, {@link #OURS} holds our answer and says why.
 */
class DovecotComparisonTest {
    private static final Map<String, String> OURS = Map.of(
            // Dovecot counts LF as CRLF (it serves CRLF); we count the stored octets, which is what
            // BODY[section] streams from the blob
            "barelf.bs", "((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 56 1 NIL NIL (\"en-GB\" \"de\") NIL)"
                    + "(\"image\" \"png\" (\"name\" \"chart.png\") \"<chart@example.net>\" \"Q2 chart\" \"base64\" 283 NIL"
                    + " (\"inline\" (\"filename\" \"chart.png\")) NIL \"http://example.net/chart.png\") \"related\""
                    + " (\"boundary\" \"rel\" \"type\" \"text/html\") NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"Q2 report.pdf\")"
                    + " NIL NIL \"base64\" 1050 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename\" \"Q2 report.pdf\""
                    + " \"size\" \"777\")) NIL NIL) \"mixed\" (\"boundary\" \"=-=-=mixed\") NIL NIL NIL",
            "barelf.body", "((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 56 1)(\"image\" \"png\" (\"name\" \"chart.png\")"
                    + " \"<chart@example.net>\" \"Q2 chart\" \"base64\" 283) \"related\")(\"application\" \"pdf\""
                    + " (\"name\" \"Q2 report.pdf\") NIL NIL \"base64\" 1050) \"mixed\"",
            // Dovecot sends a folded subject as a literal; a quoted string is the same value
            "encoded.env", "\"Sat, 8 Jun 2024 18:00:00 +0200\" \"=?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?= =?UTF-8?B?IHVuZCBLw7ZsbiDwn5iA?=\""
                    + " ((\"=?UTF-8?Q?Andr=C3=A9_M=C3=BCller?=\" NIL \"andre\" \"example.de\"))"
                    + " ((\"=?UTF-8?Q?Andr=C3=A9_M=C3=BCller?=\" NIL \"andre\" \"example.de\"))"
                    + " ((\"=?UTF-8?Q?Andr=C3=A9_M=C3=BCller?=\" NIL \"andre\" \"example.de\"))"
                    + " ((\"=?ISO-8859-1?Q?J=F6rg?=\" NIL \"joerg\" \"example.de\")) NIL NIL NIL \"<enc@example.de>\"",
            // Dovecot turns a name with several escapes into a literal; quoted with escapes is the same value
            "groups.env", "NIL \"groups\" ((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\"))"
                    + " ((NIL NIL \"quoted local\" \"example.com\")) ((NIL \"@relay1.test,@relay2.test\" \"user\" \"final.test\"))"
                    + " ((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")(\"Who?\" NIL \"one\" \"y.test\"))"
                    + " ((NIL NIL \"boss\" \"nil.test\")(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\"))"
                    + " ((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")"
                    + "(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)(NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))"
                    + " NIL \"<groups@example.com>\"",
            // the first Subject counts, not the last; "Sender: <>" is no sender (so From), not a
            // MISSING_MAILBOX address; an empty list element is skipped; no leading space kept from
            // a folded Message-ID
            "addrs.env", "\"Mon, 1 Jul 2024 00:00:00 +0000\" \"spaced subject\""
                    + " ((NIL NIL \"user-without-domain\" \"MISSING_DOMAIN\")) ((NIL NIL \"user-without-domain\" \"MISSING_DOMAIN\"))"
                    + " ((NIL NIL \"user-without-domain\" \"MISSING_DOMAIN\"))"
                    + " ((\"Comment Name\" NIL \"a\" \"b.test\")(\"Quoted\" NIL \"q\" \"b.test\")(NIL NIL \"c\" \"b.test\")"
                    + "(NIL NIL \"second-to\" \"b.test\")) ((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL))"
                    + " NIL NIL \"<folded@id.test>\"");

    @ParameterizedTest
    @ValueSource(strings = {"plain", "alternative", "mixed", "forward", "signed", "nomime", "rfc2231", "encoded",
            "groups", "eightbit", "digest", "edge", "barelf", "addrs", "toprfc822", "empty", "padding"})
    void sameAsDovecot(String name) throws IOException {
        MessageStructure m = parse(name);
        check(name, "env", "ENVELOPE", m.envelope());
        check(name, "bs", "BODYSTRUCTURE", m.bodyStructure());
        check(name, "body", "BODY", m.body());
    }

    private static void check(String name, String ext, String item, String ours) throws IOException {
        String expected = OURS.containsKey(name + "." + ext) ? "(" + OURS.get(name + "." + ext) + ")" : null;
        if (expected == null) {
            String raw = new String(resource(name + "." + ext), StandardCharsets.ISO_8859_1);
            String prefix = "* 1 FETCH (" + item + " ";
            assertTrue(raw.startsWith(prefix), raw);
            raw = raw.stripTrailing();
            expected = raw.substring(prefix.length(), raw.length() - 1);
        }
        assertEquals(expected, ours, name + " " + item);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "plain:HEADER", "plain:TEXT", "plain:1", "plain:1.MIME",
        "forward:HEADER", "forward:TEXT", "forward:1", "forward:1.MIME", "forward:2", "forward:2.MIME",
        "forward:2.HEADER", "forward:2.TEXT", "forward:2.1", "forward:2.1.MIME", "forward:2.2", "forward:2.2.MIME",
        "mixed:1", "mixed:1.MIME", "mixed:1.1", "mixed:1.2", "mixed:1.2.MIME", "mixed:2", "mixed:2.MIME", "mixed:TEXT",
        "toprfc822:1", "toprfc822:1.HEADER", "toprfc822:1.TEXT", "toprfc822:1.1", "toprfc822:1.1.MIME",
        "toprfc822:1.2", "toprfc822:1.2.MIME",
        "digest:1", "digest:1.HEADER", "digest:1.TEXT", "digest:1.1", "digest:2.1", "digest:2.HEADER",
        "edge:1", "edge:1.1", "edge:2", "edge:2.MIME", "edge:3", "edge:3.MIME",
        "signed:1", "signed:1.MIME", "signed:2", "signed:2.MIME",
        "barelf:1.2", "barelf:2", "barelf:2.MIME",
        "empty:HEADER", "empty:TEXT", "empty:1"})
    void sectionsSameAsDovecot(String spec) throws IOException {
        String name = spec.substring(0, spec.indexOf(':'));
        String section = spec.substring(spec.indexOf(':') + 1);
        byte[] raw = resource(name + ".eml");
        MessageStructure m = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        byte[] expected = resource("sections/" + name + "." + section + ".bin");
        byte[] inRange = bytes(raw, Sections.resolve(m, section));
        byte[] ours = name.equals("barelf") ? crlf(inRange) : inRange; // Dovecot serves CRLF
        assertArrayEquals(expected, ours, () -> spec + ": dovecot\n" + new String(expected, StandardCharsets.ISO_8859_1)
                + "\nours\n" + new String(ours, StandardCharsets.ISO_8859_1));
    }

    @org.junit.jupiter.api.Test
    void missingPartsAreEmpty() throws IOException {
        MessageStructure m = parse("forward");
        assertTrue(m.part(3).isEmpty());
        assertTrue(m.part(1, 1).isEmpty(), "a text part has no sub-parts");
        assertTrue(m.part(2, 3).isEmpty());
        assertTrue(m.part(0).isEmpty());
        assertTrue(m.part(1).orElseThrow().header().isEmpty(), "HEADER only of message/rfc822 parts");
        assertTrue(parse("plain").part(2).isEmpty());
    }

    static byte[] bytes(byte[] raw, Range r) {
        return Arrays.copyOfRange(raw, (int) r.start(), (int) r.end());
    }

    private static byte[] crlf(byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) {
                o.write('\r');
            }
            o.write(b[i]);
        }
        return o.toByteArray();
    }

    static MessageStructure parse(String name) throws IOException {
        byte[] raw = resource(name + ".eml");
        return MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DovecotComparisonTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** "2.1.MIME" to a range, the way a FETCH processor would. */
    static final class Sections {
        static Range resolve(MessageStructure m, String section) {
            String[] s = section.split("\\.");
            int n = 0;
            while (n < s.length && s[n].chars().allMatch(Character::isDigit)) {
                n++;
            }
            int[] path = new int[n];
            for (int i = 0; i < n; i++) {
                path[i] = Integer.parseInt(s[i]);
            }
            Part p = m.part(path).orElseThrow(() -> new AssertionError("no part " + section));
            String text = n < s.length ? s[n] : "";
            Optional<Range> r = switch (text) {
                case "" -> Optional.of(p.content());
                case "MIME" -> Optional.of(p.mime());
                case "HEADER" -> p.header();
                case "TEXT" -> p.text();
                default -> throw new IllegalArgumentException(section);
            };
            return r.orElseThrow(() -> new AssertionError("no " + text + " in " + section));
        }
    }
}
