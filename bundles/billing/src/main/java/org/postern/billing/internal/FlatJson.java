package org.postern.billing.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one JSON shape the webhook takes: a flat object whose values are strings or numbers, kept
 * as their text (an amount's digits exactly as sent, never through a double). Strict: nesting,
 * duplicate names, literals, control characters and anything after the object are refused.
 */
final class FlatJson {
    private final String s;
    private int i;

    private FlatJson(String s) {
        this.s = s;
    }

    static Map<String, String> parse(String text) {
        FlatJson p = new FlatJson(text);
        Map<String, String> out = p.object();
        p.space();
        if (p.i != text.length()) {
            throw new IllegalArgumentException("text after the object");
        }
        return out;
    }

    private Map<String, String> object() {
        space();
        expect('{');
        Map<String, String> out = new LinkedHashMap<>();
        space();
        if (peek() == '}') {
            i++;
            return out;
        }
        while (true) {
            space();
            String name = string();
            space();
            expect(':');
            space();
            String value = peek() == '"' ? string() : number();
            if (out.put(name, value) != null) {
                throw new IllegalArgumentException("duplicate " + name);
            }
            if (out.size() > 32) {
                throw new IllegalArgumentException("too many fields");
            }
            space();
            char c = next();
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected , or }");
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw new IllegalArgumentException("control character in a string");
            }
            if (c == '\\') {
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw new IllegalArgumentException("short \\u escape");
                        }
                        b.append((char) Integer.parseInt(s, i, i + 4, 16));
                        i += 4;
                    }
                    default -> throw new IllegalArgumentException("bad escape");
                }
            } else {
                b.append(c);
            }
            if (b.length() > 1000) {
                throw new IllegalArgumentException("string too long");
            }
        }
    }

    private String number() {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        String n = s.substring(start, i);
        if (n.isEmpty() || n.equals("-") || n.length() > 40) {
            throw new IllegalArgumentException("expected a string or a number");
        }
        return n;
    }

    private void space() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
            i++;
        }
    }

    private char peek() {
        if (i >= s.length()) {
            throw new IllegalArgumentException("unexpected end");
        }
        return s.charAt(i);
    }

    private char next() {
        char c = peek();
        i++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalArgumentException("expected " + c);
        }
    }
}
