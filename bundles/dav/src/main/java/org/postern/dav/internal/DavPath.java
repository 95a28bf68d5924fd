package org.postern.dav.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postern.core.store.DavRepository;

/**
 * A request path below {@code /dav/} as decoded segments. Refused (empty): a segment that is
 * empty in the middle, {@code .} or {@code ..}, ends with a space, an encoded slash or NUL, a percent escape that is
 * not valid UTF-8, or a name longer than the store keeps. A refused path is a 400 (or, in a
 * Destination header, a 400 too), never a lookup.
 */
record DavPath(List<String> segments, boolean trailingSlash) {
    static final String PREFIX = "/dav/";

    /** @param raw the request URI's path, still percent-encoded, starting with {@code /dav/} */
    static Optional<DavPath> parse(String raw) {
        if (raw == null || !(raw.startsWith(PREFIX) || raw.equals("/dav"))) {
            return Optional.empty();
        }
        String rest = raw.length() <= PREFIX.length() ? "" : raw.substring(PREFIX.length());
        boolean trailing = rest.isEmpty() || rest.endsWith("/");
        List<String> segments = new ArrayList<>();
        if (!rest.isEmpty()) {
            String[] parts = (trailing ? rest.substring(0, rest.length() - 1) : rest).split("/", -1);
            for (String p : parts) {
                Optional<String> s = decode(p);
                // A trailing space is refused too: Derby compares names padded with spaces, so "a"
                // and "a " would be one row to the database and two to every check made here.
                if (s.isEmpty() || s.get().isEmpty() || s.get().equals(".") || s.get().equals("..")
                        || s.get().length() > DavRepository.MAX_NAME || s.get().endsWith(" ")) {
                    return Optional.empty();
                }
                segments.add(s.get());
            }
        }
        return Optional.of(new DavPath(List.copyOf(segments), trailing));
    }

    static Optional<String> decode(String s) {
        if (plainAscii(s)) {
            return Optional.of(s); // what almost every segment is: nothing to decode
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                int b = hi * 16 + lo;
                if (b == '/' || b == 0 || b == '\\') {
                    return Optional.empty();
                }
                out.write(b);
                i += 2;
            } else if (c == 0 || c == '\\') {
                return Optional.empty();
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    bytes = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.writeBytes(bytes);
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /**
     * True for an absolute path of only unreserved characters, sub-delimiters, ':', '@' and '/':
     * what {@code new URI(href).getRawPath()} would give back unchanged, without parsing it.
     */
    static boolean plainPath(String href) {
        if (href.isEmpty() || href.charAt(0) != '/' || href.startsWith("//")) {
            return false;
        }
        for (int i = 0; i < href.length(); i++) {
            char c = href.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~/!$&'()*+,;=:@".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean plainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c >= 0x80 || c == '%' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** A segment as it goes into an href: unreserved characters as they are, everything else %-encoded. */
    static String encode(String segment) {
        StringBuilder b = new StringBuilder();
        for (byte x : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    /** The href of these segments, a collection's with a trailing slash. */
    static String href(List<String> segments, boolean collection) {
        StringBuilder b = new StringBuilder(PREFIX);
        for (String s : segments) {
            b.append(encode(s)).append('/');
        }
        if (!collection && !segments.isEmpty()) {
            b.setLength(b.length() - 1);
        }
        return b.toString();
    }

    DavPath child(String name, boolean collection) {
        List<String> s = new ArrayList<>(segments);
        s.add(name);
        return new DavPath(List.copyOf(s), collection);
    }

    int size() {
        return segments.size();
    }

    String get(int i) {
        return segments.get(i);
    }
}
