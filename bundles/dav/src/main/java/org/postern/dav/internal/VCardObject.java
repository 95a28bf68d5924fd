package org.postern.dav.internal;

import ezvcard.VCard;
import ezvcard.VCardVersion;
import ezvcard.io.text.VCardReader;
import ezvcard.io.text.VCardWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An address object resource as RFC 6352 section 5.1 wants it: one vCard 3.0 or 4.0 with a UID.
 * Postern reads it as content lines of its own (unfolded, in order, each kept as the client wrote
 * it) so that what it does not understand comes back byte for byte; ez-vcard checks that the
 * vCard is one and converts between versions when a report asks for the other.
 */
final class VCardObject {
    /** The versions Postern stores and converts between. */
    static final Set<String> VERSIONS = Set.of("3.0", "4.0");

    private static final DateTimeFormatter REV = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** Why a body is not an address object: the CardDAV precondition element's local name. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String precondition;

        Invalid(String precondition, String message) {
            super(message);
            this.precondition = precondition;
        }
    }

    /** A parameter of a content line: its name (upper case) and its values, unquoted. */
    record Param(String name, List<String> values) {
    }

    /**
     * One content line. {@code raw} is the line as written, folding included, without its final
     * line break; {@code name} is upper case without the group; {@code value} is unfolded.
     */
    record Line(String raw, String group, String name, List<Param> params, String value) {
        /** The value with the text escapes of RFC 6350 section 3.4 undone, for matching. */
        String text() {
            StringBuilder b = new StringBuilder(value.length());
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\\' && i + 1 < value.length()) {
                    char n = value.charAt(++i);
                    b.append(n == 'n' || n == 'N' ? '\n' : n);
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }

    final String version;
    final String uid;
    /** The lines between BEGIN and END, VERSION included, in the client's order. */
    final List<Line> lines;

    private VCardObject(String version, String uid, List<Line> lines) {
        this.version = version;
        this.uid = uid;
        this.lines = lines;
    }

    /** The lines named {@code name} (upper case), whatever their group. */
    List<Line> named(String name) {
        List<Line> out = new ArrayList<>();
        for (Line l : lines) {
            if (l.name.equals(name)) {
                out.add(l);
            }
        }
        return out;
    }

    /** Most content lines in a card: a real one has tens; each costs a few objects to read. */
    static final int MAX_LINES = 10_000;
    /** Most parameters on one line, and values in one parameter. */
    static final int MAX_PARAMS = 64;

    static VCardObject parse(byte[] body) throws Invalid {
        return parse(body, true);
    }

    /**
     * A card Postern stored itself (checked when it was written): read without ez-vcard, which
     * a report over a whole address book would otherwise run once per card.
     */
    static VCardObject parseStored(byte[] body) throws Invalid {
        return parse(body, false);
    }

    private static VCardObject parse(byte[] body, boolean full) throws Invalid {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid("valid-address-data", "not UTF-8");
        }
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // valid to a vCard reader, never to the XML of a report that would carry it
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f || c == '\uFFFE' || c == '\uFFFF') {
                throw new Invalid("valid-address-data", "control character");
            }
            // ez-vcard ends a line at a lone CR too: read two ways, one card could carry two UIDs
            if (c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n')) {
                throw new Invalid("valid-address-data", "a CR without LF");
            }
        }
        List<Line> all = lines(text);
        if (all.size() < 2 || !isBegin(all.get(0)) || !isEnd(all.get(all.size() - 1))) {
            throw new Invalid("valid-address-data", "not one BEGIN:VCARD ... END:VCARD");
        }
        List<Line> inner = new ArrayList<>(all.subList(1, all.size() - 1));
        String version = null;
        String uid = null;
        for (Line l : inner) {
            if (isBegin(l) || isEnd(l)) {
                throw new Invalid("valid-address-data", "one vCard per resource");
            }
            if (l.name.equals("VERSION")) {
                if (version != null) {
                    throw new Invalid("valid-address-data", "VERSION twice");
                }
                version = l.value.strip();
            } else if (l.name.equals("UID")) {
                if (uid != null) {
                    throw new Invalid("valid-address-data", "UID twice");
                }
                uid = l.value.strip();
            }
        }
        if (version == null) {
            throw new Invalid("valid-address-data", "no VERSION");
        }
        if (!VERSIONS.contains(version)) {
            throw new Invalid("supported-address-data", "vCard " + version + " is not taken here");
        }
        if (uid == null || uid.isEmpty()) {
            throw new Invalid("valid-address-data", "no UID");
        }
        if (uid.length() > 255) {
            throw new Invalid("valid-address-data", "UID longer than 255 characters");
        }
        for (Line l : inner) {
            for (Param p : l.params) {
                // decoded by ez-vcard's reader and dropped by its writer: a conversion would carry raw bytes
                if (p.name.equals("ENCODING") && p.values.stream().anyMatch(v -> v.equalsIgnoreCase("QUOTED-PRINTABLE"))) {
                    throw new Invalid("valid-address-data", "quoted-printable is vCard 2.1's");
                }
            }
        }
        if (full && read(text).size() != 1) {
            throw new Invalid("valid-address-data", "one vCard per resource");
        }
        return new VCardObject(version, uid, List.copyOf(inner));
    }

    /**
     * The vCard as Postern stores it: VERSION right after BEGIN (RFC 6350 section 6.7.9), every
     * other line as the client wrote it and in its order, and a REV of {@code now} in place of
     * the client's (section 6.7.4: it says when the server last saw the card change).
     */
    byte[] stored(Instant now) {
        StringBuilder b = new StringBuilder(64 + lines.size() * 40);
        b.append("BEGIN:VCARD\r\n");
        for (Line l : lines) {
            if (l.name.equals("VERSION")) {
                b.append(l.raw).append("\r\n");
            }
        }
        for (Line l : lines) {
            if (!l.name.equals("VERSION") && !l.name.equals("REV")) {
                b.append(l.raw).append("\r\n");
            }
        }
        b.append("REV:").append(REV.format(now)).append("\r\n");
        b.append("END:VCARD\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * This vCard with only the properties named in {@code names} (upper case) and those that
     * make it a vCard (RFC 6352 section 10.4.2), lines untouched.
     */
    byte[] only(Collection<String> names) {
        StringBuilder b = new StringBuilder("BEGIN:VCARD\r\n");
        for (Line l : lines) {
            if (l.name.equals("VERSION")) {
                b.append(l.raw).append("\r\n");
            }
        }
        for (Line l : lines) {
            if (!l.name.equals("VERSION") && (names.contains(l.name) || l.name.equals("UID"))) {
                b.append(l.raw).append("\r\n");
            }
        }
        b.append("END:VCARD\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The vCards ez-vcard reads in {@code text}. Its reader and writer are used directly: the
     * {@code Ezvcard} facade links its HTML writer, and with it FreeMarker, which is not deployed.
     */
    private static List<VCard> read(String text) throws Invalid {
        List<VCard> cards = new ArrayList<>();
        try (VCardReader reader = new VCardReader(text)) {
            VCard c;
            while ((c = reader.readNext()) != null) {
                cards.add(c);
                if (cards.size() > 1) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new Invalid("valid-address-data", "unreadable vCard");
        }
        return cards;
    }

    /** This vCard written by ez-vcard as {@code target} ("3.0" or "4.0"). */
    static byte[] convert(byte[] stored, String target) throws Invalid {
        List<VCard> cards = read(new String(stored, StandardCharsets.UTF_8));
        if (cards.size() != 1) {
            throw new Invalid("valid-address-data", "one vCard per resource");
        }
        VCardVersion v = target.equals("4.0") ? VCardVersion.V4_0 : VCardVersion.V3_0;
        StringWriter out = new StringWriter();
        try (VCardWriter writer = new VCardWriter(out, v)) {
            writer.setAddProdId(false);
            writer.write(cards.get(0));
        } catch (IOException e) {
            throw new Invalid("valid-address-data", "unwritable vCard"); // a StringWriter does not fail
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isBegin(Line l) {
        return l.name.equals("BEGIN") && l.value.strip().equalsIgnoreCase("VCARD");
    }

    private static boolean isEnd(Line l) {
        return l.name.equals("END") && l.value.strip().equalsIgnoreCase("VCARD");
    }

    /** Splits the text into unfolded content lines; blank lines are dropped. */
    static List<Line> lines(String text) throws Invalid {
        List<Line> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int start = i;
            StringBuilder unfolded = new StringBuilder();
            int end;
            while (true) {
                int nl = text.indexOf('\n', i);
                int lineEnd = nl < 0 ? n : nl;
                int contentEnd = lineEnd > i && text.charAt(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
                unfolded.append(text, i, contentEnd);
                end = contentEnd;
                i = nl < 0 ? n : nl + 1;
                // a line break followed by a space or tab is folding (RFC 6350 section 3.2)
                if (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                    i++;
                    continue;
                }
                break;
            }
            if (unfolded.toString().isBlank()) {
                continue;
            }
            if (out.size() >= MAX_LINES) {
                throw new Invalid("valid-address-data", "more than " + MAX_LINES + " lines");
            }
            out.add(line(text.substring(start, end), unfolded.toString()));
        }
        return out;
    }

    private static Line line(String raw, String s) throws Invalid {
        // name and parameters end at the first colon outside a quoted parameter value
        int colon = -1;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ':' && !quoted) {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            throw new Invalid("valid-address-data", "a line without a name and a colon");
        }
        String head = s.substring(0, colon);
        String value = s.substring(colon + 1);
        List<String> parts = split(head, ';');
        String name = parts.get(0);
        String group = null;
        int dot = name.indexOf('.');
        if (dot >= 0) {
            group = name.substring(0, dot);
            name = name.substring(dot + 1);
        }
        if (name.isEmpty() || !token(name) || (group != null && !token(group))) {
            throw new Invalid("valid-address-data", "a property name that is not one");
        }
        if (parts.size() > MAX_PARAMS + 1) {
            throw new Invalid("valid-address-data", "more than " + MAX_PARAMS + " parameters on a line");
        }
        List<Param> params = new ArrayList<>();
        for (String p : parts.subList(1, parts.size())) {
            int eq = p.indexOf('=');
            // vCard 2.1 style bare parameters (TYPE implied) are read as TYPE
            String pname = eq < 0 ? "TYPE" : p.substring(0, eq).toUpperCase(Locale.ROOT);
            String pvalue = eq < 0 ? p : p.substring(eq + 1);
            List<String> values = new ArrayList<>();
            List<String> pieces = split(pvalue, ',');
            if (pieces.size() > MAX_PARAMS) {
                throw new Invalid("valid-address-data", "more than " + MAX_PARAMS + " values in a parameter");
            }
            for (String v : pieces) {
                values.add(v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
            params.add(new Param(pname, List.copyOf(values)));
        }
        return new Line(raw, group, name.toUpperCase(Locale.ROOT), List.copyOf(params), value);
    }

    /** Splits at {@code sep} outside double quotes. */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == sep && !quoted) {
                out.add(s.substring(from, i));
                from = i + 1;
            }
        }
        out.add(s.substring(from));
        return out;
    }

    private static boolean token(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
