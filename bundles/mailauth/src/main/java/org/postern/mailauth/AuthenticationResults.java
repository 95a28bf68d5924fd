package org.postern.mailauth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Authentication-Results header field (RFC 8601) that records what this server found, and
 * the test for fields that only claim to come from it.
 * <p>
 * Everything in the field that a sender chose (addresses, domains, selectors, reasons) is
 * reduced to what the grammar allows: a value that is not a plain token becomes its domain or is
 * left out, comments lose parentheses and backslashes. A mail client showing the field can then
 * be told nothing the checks did not find.
 */
public final class AuthenticationResults {
    private AuthenticationResults() {
    }

    /**
     * The whole field, folded, ending in CRLF, for the message's top.
     *
     * @param authservId this server's name (RFC 8601 §2.5)
     * @param dkim empty when the message had no signature ({@code dkim=none})
     * @param dmarc null when DMARC was not evaluated (omitted)
     */
    public static String field(String authservId, SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc) {
        List<String> parts = new ArrayList<>();
        if (spf != null) {
            StringBuilder s = new StringBuilder("spf=").append(spf.result().keyword()).append(comment(spf.reason()));
            String property = spf.identity().equals("helo") ? "smtp.helo" : "smtp.mailfrom";
            String value = spf.identity().equals("helo") ? token(spf.domain()) : mailbox(spf.sender(), spf.domain());
            if (!value.isEmpty()) {
                s.append(' ').append(property).append('=').append(value);
            }
            parts.add(s.toString());
        }
        if (dkim.isEmpty()) {
            parts.add("dkim=none");
        }
        for (DkimResult k : dkim) {
            StringBuilder s = new StringBuilder("dkim=").append(k.result().keyword()).append(comment(k.reason()));
            property(s, "header.d", token(k.domain()));
            property(s, "header.s", token(k.selector()));
            property(s, "header.a", token(k.algorithm()));
            property(s, "header.b", quotable(k.signaturePrefix()));
            parts.add(s.toString());
        }
        if (dmarc != null) {
            StringBuilder s = new StringBuilder("dmarc=").append(dmarc.result().keyword());
            String why = dmarc.result() == AuthResult.FAIL || dmarc.result() == AuthResult.PASS
                    ? "p=" + dmarc.policy().name().toLowerCase(Locale.ROOT)
                            + (dmarc.result() == AuthResult.FAIL && !dmarc.enforce() ? ", not applied: pct" : "")
                    : dmarc.reason();
            s.append(comment(why));
            property(s, "header.from", token(dmarc.fromDomain()));
            parts.add(s.toString());
        }
        StringBuilder f = new StringBuilder("Authentication-Results: ").append(token(authservId));
        for (String p : parts) {
            f.append(";\r\n\t").append(p);
        }
        return f.append("\r\n").toString();
    }

    /**
     * Whether a received header field is an Authentication-Results that names {@code authservId}
     * as its author: RFC 8601 §5 has such fields removed from incoming mail, because only this
     * server may write them, and a reader trusts them.
     */
    public static boolean claims(HeaderFields.Field field, String authservId) {
        if (!field.lowerName().equals("authentication-results")) {
            return false;
        }
        String v = field.value();
        int i = skipCfws(v, 0);
        String id;
        if (i < v.length() && v.charAt(i) == '"') {
            StringBuilder b = new StringBuilder();
            for (i++; i < v.length() && v.charAt(i) != '"'; i++) {
                char c = v.charAt(i);
                if (c == '\\' && i + 1 < v.length()) {
                    c = v.charAt(++i);
                }
                b.append(c);
            }
            id = b.toString();
        } else {
            // the leading run of host name characters: whatever follows it ("/x", a no-break
            // space, a version number) cannot make a field naming this server look foreign
            int start = i;
            while (i < v.length() && isHostChar(v.charAt(i))) {
                i++;
            }
            id = v.substring(start, i);
        }
        if (id.endsWith(".")) {
            id = id.substring(0, id.length() - 1);
        }
        return id.equalsIgnoreCase(authservId);
    }

    /** Whether a field's octets are an Authentication-Results claiming this server (for raw callers). */
    public static boolean claims(byte[] rawField, String authservId) {
        String s = new String(rawField, StandardCharsets.ISO_8859_1);
        int colon = s.indexOf(':');
        if (colon < 0) {
            return false;
        }
        return claims(new HeaderFields.Field(s.substring(0, colon).strip(), rawField, 0), authservId);
    }

    private static boolean isHostChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_';
    }

    private static int skipCfws(String v, int i) {
        int depth = 0;
        for (; i < v.length(); i++) {
            char c = v.charAt(i);
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
            } else if (c == '(') {
                depth = 1;
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return i;
            }
        }
        return i;
    }

    private static void property(StringBuilder s, String name, String value) {
        if (!value.isEmpty()) {
            s.append(' ').append(name).append('=').append(value);
        }
    }

    /** A comment, " (text)", with nothing that could end it early. */
    private static String comment(String text) {
        String t = Text.reason(text).replace('(', '[').replace(')', ']').replace('\\', '/').strip();
        return t.isEmpty() ? "" : " (" + t + ")";
    }

    /**
     * A property value that must be an RFC 2045 token (domains, selectors, algorithms): as it
     * is, or empty (left out) when it is anything else.
     */
    static String token(String v) {
        String q = quotable(v);
        return q.startsWith("\"") ? "" : q;
    }

    /**
     * A property value (RFC 8601 §2.2 {@code value}): a token as it is, other printable ASCII as
     * a quoted-string (a {@code header.b} prefix may hold {@code /}), anything else (quotes,
     * backslashes, controls, UTF-8, over 255 characters) empty, so left out.
     */
    static String quotable(String v) {
        if (v == null || v.isEmpty() || v.length() > 255) {
            return "";
        }
        boolean plain = true;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                return "";
            }
            plain &= c != ' ' && "()<>@,;:/[]?=".indexOf(c) < 0;
        }
        return plain ? v : "\"" + v + "\"";
    }

    /**
     * An address as RFC 8601 §2.3 allows it ({@code local-part@domain} with a dot-atom local
     * part), else just its domain: an address needing quotes or in UTF-8 is reported by domain.
     */
    private static String mailbox(String address, String domain) {
        int at = address.lastIndexOf('@');
        if (at > 0 && address.length() <= 255) {
            String local = address.substring(0, at);
            boolean dotAtom = !local.startsWith(".") && !local.endsWith(".") && !local.contains("..");
            for (int i = 0; i < local.length() && dotAtom; i++) {
                char c = local.charAt(i);
                dotAtom = c > 0x20 && c < 0x7F && "()<>@,;:\\\"[]".indexOf(c) < 0;
            }
            String d = address.substring(at + 1);
            if (dotAtom && !d.isEmpty() && token(d).equals(d)) {
                return local + "@" + d;
            }
        }
        return token(domain).equals(domain) ? domain : "";
    }
}
