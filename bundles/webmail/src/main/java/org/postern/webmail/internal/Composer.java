package org.postern.webmail.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.postern.api.address.MailAddress;

/**
 * Messages the webmail writes (RFC 5322 with MIME): what the user typed into the compose form made
 * into header fields that cannot be injected into (line ends are never copied), encoded words
 * (RFC 2047) for non-ASCII display names and subjects, a UTF-8 text body in quoted-printable,
 * and attachments in base64 with RFC 2231 file names. Addresses are checked one by one, so a
 * typo is named back to the user rather than refused by the queue.
 */
final class Composer {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    /** The most recipients one message may name (the queue has its own, lower, limits too). */
    static final int MAX_RECIPIENTS = 500;

    /** One mailbox of an address list: a display name (maybe empty) and the address as typed. */
    record Mailbox(String name, String address) {
        String header() {
            if (name.isEmpty()) {
                return address;
            }
            return phrase(name) + " <" + address + ">";
        }
    }

    /** An uploaded file. */
    record Attachment(String fileName, String contentType, byte[] content) {
    }

    private Composer() {
    }

    /**
     * A comma-separated list as people type it ({@code Ann <a@example.com>, b@example.org,
     * "Doe, John" <j@example.net>}).
     *
     * @throws IllegalArgumentException naming the entry that is not an address
     */
    static List<Mailbox> parseList(String typed) {
        List<Mailbox> out = new ArrayList<>();
        if (typed == null) {
            return out;
        }
        String s = oneLine(typed);
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        int angle = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : ',';
            if (c == '"' && angle == 0) {
                quoted = !quoted;
            } else if (c == '<' && !quoted) {
                angle++;
            } else if (c == '>' && !quoted && angle > 0) {
                angle--;
            }
            if ((c == ',' || c == ';') && !quoted && angle == 0) {
                String entry = cur.toString().strip();
                cur.setLength(0);
                if (!entry.isEmpty()) {
                    out.add(mailbox(entry));
                    if (out.size() > MAX_RECIPIENTS) {
                        throw new IllegalArgumentException("more than " + MAX_RECIPIENTS + " recipients");
                    }
                }
            } else {
                cur.append(c);
            }
        }
        return out;
    }

    private static Mailbox mailbox(String entry) {
        String name = "";
        String address = entry;
        int lt = entry.lastIndexOf('<');
        if (lt >= 0 && entry.endsWith(">")) {
            name = entry.substring(0, lt).strip();
            if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                name = name.substring(1, name.length() - 1);
            }
            address = entry.substring(lt + 1, entry.length() - 1).strip();
        }
        try {
            MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a mail address: " + entry);
        }
        if (address.indexOf('<') >= 0 || address.indexOf('>') >= 0 || address.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("not a mail address: " + entry);
        }
        return new Mailbox(name.replace("\"", "").replace("\\", ""), address);
    }

    /**
     * The whole message, CRLF line ends.
     *
     * @param bcc written as a field only for a draft (a sent message never shows its Bcc): pass an
     *        empty list when sending
     * @param messageIdDomain the right-hand side of the new Message-ID (the From domain)
     */
    static byte[] build(Mailbox from, List<Mailbox> to, List<Mailbox> cc, List<Mailbox> bcc, String subject, String body,
            List<Attachment> attachments, String inReplyTo, String references, ZonedDateTime now, String messageIdDomain) {
        StringBuilder h = new StringBuilder(1024);
        field(h, "Date", DATE.format(now.withZoneSameInstant(ZoneOffset.UTC)));
        field(h, "From", from.header());
        if (!to.isEmpty()) {
            field(h, "To", joined(to));
        }
        if (!cc.isEmpty()) {
            field(h, "Cc", joined(cc));
        }
        if (!bcc.isEmpty()) {
            field(h, "Bcc", joined(bcc));
        }
        field(h, "Subject", encodedText(oneLine(subject == null ? "" : subject)));
        field(h, "Message-ID", messageId(messageIdDomain));
        String irt = inReplyTo == null ? "" : oneLine(inReplyTo);
        if (!irt.isEmpty() && irt.length() <= 900 && irt.indexOf(' ') < 0) {
            field(h, "In-Reply-To", irt);
        }
        String refs = references(references);
        if (!refs.isEmpty()) {
            field(h, "References", refs);
        }
        field(h, "MIME-Version", "1.0");
        ByteArrayOutputStream out = new ByteArrayOutputStream(body == null ? 1024 : body.length() + 1024);
        String text = body == null ? "" : body;
        if (attachments.isEmpty()) {
            textPartHeader(h);
            h.append("\r\n");
            out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(quotedPrintable(text));
            return out.toByteArray();
        }
        String boundary = "=_postern_" + HexFormat.of().formatHex(random(12));
        field(h, "Content-Type", "multipart/mixed; boundary=\"" + boundary + "\"");
        h.append("\r\nThis is a message in MIME format.\r\n--").append(boundary).append("\r\n");
        textPartHeader(h);
        h.append("\r\n");
        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(quotedPrintable(text));
        for (Attachment a : attachments) {
            StringBuilder p = new StringBuilder("\r\n--").append(boundary).append("\r\n");
            String type = a.contentType() == null || !a.contentType().matches("[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,64}")
                    ? "application/octet-stream" : a.contentType().toLowerCase(Locale.ROOT);
            p.append("Content-Type: ").append(type).append("\r\n");
            p.append("Content-Disposition: attachment; ").append(fileNameParameter(a.fileName())).append("\r\n");
            p.append("Content-Transfer-Encoding: base64\r\n\r\n");
            out.writeBytes(p.toString().getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encode(a.content()));
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * The message ids of a References value, the newest twenty (RFC 5322 3.6.4 lets a long thread
     * drop older ones), one per folded line so that no line nears 998 octets.
     */
    static String references(String typed) {
        if (typed == null) {
            return "";
        }
        List<String> ids = new ArrayList<>();
        for (String id : oneLine(typed).split(" +")) {
            if (id.length() > 2 && id.length() <= 250 && id.startsWith("<") && id.endsWith(">")) {
                ids.add(id);
            }
        }
        return String.join("\r\n ", ids.subList(Math.max(0, ids.size() - 20), ids.size()));
    }

    private static void textPartHeader(StringBuilder h) {
        h.append("Content-Type: text/plain; charset=UTF-8\r\n");
        h.append("Content-Transfer-Encoding: quoted-printable\r\n");
    }

    private static String joined(List<Mailbox> list) {
        StringBuilder b = new StringBuilder();
        for (Mailbox m : list) {
            if (b.length() > 0) {
                b.append(",\r\n ");
            }
            b.append(m.header());
        }
        return b.toString();
    }

    /** {@code name: value}; long values come here already folded (address lists, References, encoded words). */
    private static void field(StringBuilder h, String name, String value) {
        h.append(name).append(": ").append(value).append("\r\n");
    }

    static String messageId(String domain) {
        return "<" + HexFormat.of().formatHex(random(16)) + "@" + (domain == null || domain.isBlank() ? "postern.invalid" : domain) + ">";
    }

    /** A display name: as a quoted string when ASCII, else RFC 2047 encoded words. */
    static String phrase(String name) {
        String n = oneLine(name);
        if (isAscii(n)) {
            return "\"" + n.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return encodedWords(n);
    }

    /** Unstructured text (a subject): as is when ASCII, else RFC 2047 encoded words. */
    static String encodedText(String s) {
        return isAscii(s) && s.length() <= 900 ? s : encodedWords(s);
    }

    /** Base64 encoded words of at most 45 octets each, never splitting a character, folded. */
    private static String encodedWords(String s) {
        StringBuilder b = new StringBuilder();
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(45);
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            byte[] octets = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            if (chunk.size() + octets.length > 45) {
                word(b, chunk);
            }
            chunk.writeBytes(octets);
            i += Character.charCount(cp);
        }
        if (chunk.size() > 0) {
            word(b, chunk);
        }
        return b.toString();
    }

    private static void word(StringBuilder b, ByteArrayOutputStream chunk) {
        if (b.length() > 0) {
            b.append("\r\n ");
        }
        b.append("=?UTF-8?B?").append(Base64.getEncoder().encodeToString(chunk.toByteArray())).append("?=");
        chunk.reset();
    }

    /** RFC 2231 for any name, with an ASCII fallback for old readers. */
    private static String fileNameParameter(String name) {
        String n = name == null || name.isBlank() ? "attachment" : oneLine(name);
        int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
        n = n.substring(slash + 1);
        if (n.length() > 200) {
            n = n.substring(0, 200);
        }
        StringBuilder ascii = new StringBuilder();
        StringBuilder pct = new StringBuilder();
        for (char c : n.toCharArray()) {
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        for (byte o : n.getBytes(StandardCharsets.UTF_8)) {
            int v = o & 0xff;
            if (v < 0x7f && (Character.isLetterOrDigit(v) || "!#$&+-.^_`|~".indexOf(v) >= 0)) {
                pct.append((char) v);
            } else {
                pct.append('%').append(Character.toUpperCase(Character.forDigit(v >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(v & 15, 16)));
            }
        }
        return "filename=\"" + ascii + "\"; filename*=UTF-8''" + pct;
    }

    /** Quoted-printable (RFC 2045 6.7) of UTF-8 text: CRLF line ends, soft breaks at 76. */
    static byte[] quotedPrintable(String text) {
        String normalized = text.replace("\r\n", "\n").replace('\r', '\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream(normalized.length() + 64);
        String[] lines = normalized.split("\n", -1);
        // text that ends with a line end has no empty last line to write
        int count = normalized.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int n = 0; n < count; n++) {
            String line = lines[n];
            byte[] octets = line.getBytes(StandardCharsets.UTF_8);
            int col = 0;
            for (int i = 0; i < octets.length; i++) {
                int v = octets[i] & 0xff;
                boolean last = i == octets.length - 1;
                boolean literal = v >= 33 && v <= 126 && v != '=' || (v == ' ' || v == '\t') && !last;
                // a line starting with "From " or a lone "." survives any transport
                if (col == 0 && (v == '.' || v == 'F')) {
                    literal = false;
                }
                int width = literal ? 1 : 3;
                if (col + width > 75) {
                    out.writeBytes("=\r\n".getBytes(StandardCharsets.US_ASCII));
                    col = 0;
                }
                if (literal) {
                    out.write(v);
                } else {
                    out.write('=');
                    out.write(Character.toUpperCase(Character.forDigit(v >> 4, 16)));
                    out.write(Character.toUpperCase(Character.forDigit(v & 15, 16)));
                }
                col += width;
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** Line ends and other controls out: nothing typed can start a header field of its own. */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString().strip();
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
