package org.postern.auth.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A CIDR network an app password is restricted to. Parsed by hand, strictly, as literals only:
 * a name would make {@link InetAddress} ask DNS, and what the user typed never becomes a pattern.
 */
final class Network {
    private final byte[] address;
    private final int prefix;

    private Network(byte[] address, int prefix) {
        this.address = address;
        this.prefix = prefix;
        mask(this.address, prefix);
    }

    /**
     * @param text {@code 192.0.2.0/24}, {@code 2001:db8::/32}, or an address alone (a /32 or /128);
     *             host bits are cleared ({@code 192.0.2.7/24} is {@code 192.0.2.0/24})
     * @throws IllegalArgumentException with a message fit for the user
     */
    static Network parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || t.length() > 49) {
            throw invalid(text);
        }
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        boolean colon = addr.indexOf(':') >= 0;
        byte[] bytes = colon ? ipv6(addr, text) : ipv4(addr, text);
        // ::ffff:a.b.c.d/n is the IPv4 network a.b.c.d/(n-96).
        int mapped = colon && bytes.length == 4 ? 96 : 0;
        int max = bytes.length * 8 + mapped;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw invalid(text);
            }
            prefix = Integer.parseInt(p);
            if (prefix > max || prefix < mapped) {
                throw invalid(text);
            }
        }
        return new Network(bytes, prefix - mapped);
    }

    private static byte[] ipv4(String s, String original) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw invalid(original);
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw invalid(original);
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw invalid(original);
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /**
     * RFC 4291 2.2 text forms, parsed here: ASCII hex groups, at most one "::", an optional
     * dotted IPv4 tail. Never handed to InetAddress, which looks up what it cannot parse.
     * ::ffff:a.b.c.d comes back as IPv4 (4 bytes), so that it matches IPv4 clients.
     */
    private static byte[] ipv6(String s, String original) {
        if (s.length() > 45) {
            throw invalid(original);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                throw invalid(original);
            }
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            throw invalid(original);
        }
        String head = gap >= 0 ? s.substring(0, gap) : s;
        String tail = gap >= 0 ? s.substring(gap + 2) : "";
        List<Integer> h = groups(head, original, gap < 0);
        List<Integer> t = gap >= 0 ? groups(tail, original, true) : List.of();
        int total = h.size() + t.size();
        if (gap < 0 ? total != 8 : total > 7) {
            throw invalid(original);
        }
        byte[] out = new byte[16];
        int i = 0;
        for (int g : h) {
            out[i++] = (byte) (g >> 8);
            out[i++] = (byte) g;
        }
        i = 16 - 2 * t.size();
        for (int g : t) {
            out[i++] = (byte) (g >> 8);
            out[i++] = (byte) g;
        }
        boolean mapped = true;
        for (int k = 0; k < 10; k++) {
            mapped &= out[k] == 0;
        }
        if (mapped && out[10] == (byte) 0xff && out[11] == (byte) 0xff) {
            return java.util.Arrays.copyOfRange(out, 12, 16);
        }
        return out;
    }

    /** Colon-separated 16-bit groups; the last may be a dotted IPv4 address (two groups) when allowed. */
    private static List<Integer> groups(String part, String original, boolean ipv4TailAllowed) {
        List<Integer> out = new ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        String[] pieces = part.split(":", -1);
        for (int i = 0; i < pieces.length; i++) {
            String p = pieces[i];
            if (p.indexOf('.') >= 0) {
                if (i != pieces.length - 1 || !ipv4TailAllowed) {
                    throw invalid(original);
                }
                byte[] v4 = ipv4(p, original);
                out.add((v4[0] & 0xff) << 8 | v4[1] & 0xff);
                out.add((v4[2] & 0xff) << 8 | v4[3] & 0xff);
            } else {
                if (p.isEmpty() || p.length() > 4) {
                    throw invalid(original);
                }
                out.add(Integer.parseInt(p, 16));
            }
        }
        return out;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("not a network: '" + shorten(text)
                + "' (expected an IPv4 or IPv6 address, optionally with /prefix, e.g. 192.0.2.0/24 or 2001:db8::/32)");
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static void mask(byte[] bytes, int prefix) {
        for (int i = 0; i < bytes.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - 8 * i));
            bytes[i] &= (byte) (0xff << (8 - bits));
        }
    }

    boolean contains(InetAddress client) {
        if (client == null) {
            return false;
        }
        byte[] c = client.getAddress();
        if (c.length != address.length) {
            return false;
        }
        mask(c, prefix);
        return java.util.Arrays.equals(c, address);
    }

    /** Canonical text: the network address (compressed for IPv6) and the prefix. */
    @Override
    public String toString() {
        try {
            InetAddress a = InetAddress.getByAddress(address);
            String host = a instanceof Inet4Address ? a.getHostAddress() : compress(a.getHostAddress());
            return host + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5952: the longest run of two or more zero groups becomes "::", hex in lowercase. */
    private static String compress(String full) {
        String[] groups = full.split(":");
        for (int i = 0; i < groups.length; i++) {
            groups[i] = Integer.toHexString(Integer.parseInt(groups[i], 16));
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length;) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i >= 2) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return String.join(":", groups);
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }
}
