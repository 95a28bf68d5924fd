package org.postern.protocol.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.postern.api.address.DomainName;
import org.postern.api.address.MailAddress;

/**
 * The SMTP grammar Postern checks before anything reaches policy, storage or a header: paths,
 * EHLO names and the RFC 5321 size limits. Shared by the MX and (later) submission, and free of
 * session state. No client-controlled string leaves here longer than the column it lands in.
 */
public final class SmtpSyntax {
    /** RFC 5321 4.5.3.1.3: a path is at most 256 octets with its brackets, so 254 inside. */
    public static final int MAX_ADDRESS = 254;
    /** RFC 5321 4.5.3.1.2 and the {@code server_ehlo} column. */
    public static final int MAX_DOMAIN = 255;

    private SmtpSyntax() {
    }

    /** {@code FROM:<address> params} split; null when the shape is wrong. */
    public record PathArg(String address, List<String> params) {
    }

    public static PathArg parsePath(String arg, String prefix) {
        if (!arg.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return null;
        }
        String rest = arg.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) {
            return null;
        }
        int end = rest.indexOf('>');
        if (end < 0) {
            return null;
        }
        String address = rest.substring(1, end);
        if (address.startsWith("@")) { // RFC 5321 4.1.2 source route: ignored
            int colon = address.indexOf(':');
            if (colon < 0) {
                return null;
            }
            address = address.substring(colon + 1);
        }
        String params = rest.substring(end + 1).strip();
        return new PathArg(address, params.isEmpty() ? List.of() : List.of(params.split("\\s+")));
    }

    /**
     * The address in Postern's normal form, or null when it does not parse: quoted local parts,
     * local parts over 64 octets, addresses over 254 octets, bad domains. An address the server
     * cannot parse is an address its Block List cannot match, so it is refused, never waved on.
     */
    public static MailAddress address(String raw) {
        if (raw.getBytes(StandardCharsets.UTF_8).length > MAX_ADDRESS) {
            return null;
        }
        try {
            return MailAddress.parse(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static boolean tooLong(String raw) {
        return raw.getBytes(StandardCharsets.UTF_8).length > MAX_ADDRESS;
    }

    /**
     * True for an EHLO/HELO argument RFC 5321 allows: a domain (U-labels too, as RFC 6531 lets
     * an SMTPUTF8 client send them; underscores tolerated, as many real MTAs use them) of at most
     * 255 octets in its ASCII form, or an address literal {@code [192.0.2.1]} /
     * {@code [IPv6:2001:db8::1]}.
     */
    public static boolean validEhloName(String name) {
        if (name.isEmpty() || name.length() > MAX_DOMAIN) {
            return false;
        }
        if (name.startsWith("[")) {
            return validAddressLiteral(name);
        }
        String ascii;
        try {
            // Underscores break IDNA's STD3 rules but not DNS: check the rest with them as '-'.
            ascii = DomainName.normalizeLabels(name.replace('_', 'x'));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return ascii.length() <= MAX_DOMAIN;
    }

    private static boolean validAddressLiteral(String name) {
        if (!name.endsWith("]") || name.length() < 3) {
            return false;
        }
        String inner = name.substring(1, name.length() - 1);
        boolean v6 = inner.regionMatches(true, 0, "IPv6:", 0, 5);
        String ip = v6 ? inner.substring(5) : inner;
        if (ip.isEmpty()) {
            return false;
        }
        for (int i = 0; i < ip.length(); i++) {
            char c = ip.charAt(i);
            boolean ok = v6 ? Character.digit(c, 16) >= 0 || c == ':' || c == '.' : (c >= '0' && c <= '9') || c == '.';
            if (!ok) {
                return false; // also keeps InetAddress from ever resolving a name
            }
        }
        if (!v6) {
            String[] parts = ip.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (ip.indexOf(':') < 0 || !(ip.charAt(0) == ':' || Character.digit(ip.charAt(0), 16) >= 0)) {
            // InetAddress takes anything that does not start like an IPv6 literal for a host name
            // and looks it up, blocking a worker on the network
            return false;
        }
        try {
            InetAddress.getByName(ip);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** True when the bytes are well-formed UTF-8 (RFC 6532 header fields under SMTPUTF8). */
    public static boolean isUtf8(byte[] b, int off, int len) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** True when a line holds a NUL or a CR that is not part of its CRLF terminator. */
    public static boolean hasNulOrBareCr(byte[] b) {
        for (byte x : b) {
            if (x == 0 || x == '\r') {
                return true;
            }
        }
        return false;
    }
}
