package org.postern.submission.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The texts of SMTP MTA Strict Transport Security (RFC 8461): the {@code _mta-sts} TXT record
 * (§3.1), the policy file (§3.2), and how a policy's {@code mx} patterns match an MX host (§4.1).
 * Parsing only: no I/O.
 */
final class MtaSts {
    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
    static final long MAX_AGE_LIMIT = 31_557_600;
    /** RFC 8461 §3.3: a policy body larger than 64 KiB is not a policy. */
    static final int MAX_POLICY_OCTETS = 64 * 1024;

    enum Mode {
        /** Deliver only to matching MX hosts over TLS with a valid certificate. */
        ENFORCE,
        /** Deliver as without a policy (a sender would report failures: TLSRPT is not done). */
        TESTING,
        /** The domain withdrew its policy. */
        NONE
    }

    /** A policy as the domain published it. */
    record Policy(Mode mode, List<String> mx, Duration maxAge) {
        Policy {
            mx = List.copyOf(mx);
        }

        /** Whether mail may go to this MX host under the policy's {@code mx} patterns. */
        boolean allows(String host) {
            for (String pattern : mx) {
                if (matches(pattern, host)) {
                    return true;
                }
            }
            return false;
        }
    }

    private MtaSts() {
    }

    /**
     * The policy id of the domain's TXT records: exactly one record beginning {@code v=STSv1;}
     * with a valid {@code id} (1 to 32 letters and digits), else empty (RFC 8461 §3.1: the
     * domain then does not support MTA-STS).
     */
    static Optional<String> recordId(List<String> txt) {
        String found = null;
        for (String record : txt) {
            String r = record.strip();
            if (!(r.startsWith("v=STSv1;") || r.equals("v=STSv1"))) {
                continue; // other TXT records at the name are ignored
            }
            if (found != null) {
                return Optional.empty(); // two STS records: none counts
            }
            found = r;
        }
        if (found == null) {
            return Optional.empty();
        }
        String id = null;
        for (String field : found.split(";")) {
            String f = field.strip();
            int eq = f.indexOf('=');
            if (eq <= 0) {
                if (!f.isEmpty()) {
                    return Optional.empty();
                }
                continue;
            }
            String key = f.substring(0, eq).strip();
            String value = f.substring(eq + 1).strip();
            if (key.equals("id")) {
                if (id != null || !validId(value)) {
                    return Optional.empty();
                }
                id = value;
            }
        }
        return Optional.ofNullable(id);
    }

    private static boolean validId(String id) {
        if (id.isEmpty() || id.length() > 32) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A policy body (RFC 8461 §3.2): {@code key: value} lines ending in CRLF or LF;
     * {@code version: STSv1}, {@code mode}, {@code max_age} and, unless the mode is none, at
     * least one {@code mx}. Unknown keys are ignored; a known key given twice (other than mx), a
     * bad value or a missing field makes the whole policy invalid (empty).
     */
    static Optional<Policy> parsePolicy(String body) {
        if (body.length() > MAX_POLICY_OCTETS) {
            return Optional.empty();
        }
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String raw : body.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> {
                    if (version != null) {
                        return Optional.empty();
                    }
                    version = value;
                }
                case "mode" -> {
                    if (mode != null) {
                        return Optional.empty();
                    }
                    mode = switch (value) {
                        case "enforce" -> Mode.ENFORCE;
                        case "testing" -> Mode.TESTING;
                        case "none" -> Mode.NONE;
                        default -> null;
                    };
                    if (mode == null) {
                        return Optional.empty();
                    }
                }
                case "max_age" -> {
                    if (maxAge != null || value.isEmpty() || value.length() > 10 || !value.chars().allMatch(Character::isDigit)) {
                        return Optional.empty();
                    }
                    maxAge = Math.min(Long.parseLong(value), MAX_AGE_LIMIT);
                }
                case "mx" -> {
                    String pattern = value.toLowerCase(Locale.ROOT);
                    if (!validPattern(pattern)) {
                        return Optional.empty();
                    }
                    mx.add(pattern.endsWith(".") ? pattern.substring(0, pattern.length() - 1) : pattern);
                }
                default -> {
                    // extension keys: ignored (RFC 8461 §3.2)
                }
            }
        }
        if (!"STSv1".equals(version) || mode == null || maxAge == null || (mode != Mode.NONE && mx.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new Policy(mode, mx, Duration.ofSeconds(maxAge)));
    }

    private static boolean validPattern(String p) {
        String name = p.startsWith("*.") ? p.substring(2) : p;
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
                return false;
            }
        }
        return !name.startsWith(".") && !name.contains("..");
    }

    /**
     * RFC 8461 §4.1: a pattern is a host name, or {@code *.} and a name, where the wildcard stands
     * for exactly one leftmost label. Case and a trailing dot do not matter.
     */
    static boolean matches(String pattern, String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        String p = pattern.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            String suffix = p.substring(1); // ".example.com"
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(suffix);
        }
        return h.equals(p);
    }
}
