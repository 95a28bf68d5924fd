package org.postern.mailauth;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;

/**
 * SPF (RFC 7208): may the connecting address send mail for the MAIL FROM domain, or for the
 * HELO name when the reverse-path is null? This is check_host() of §4, evaluated one term at a
 * time on the stages of the {@link DnsResolver}, so nothing blocks and a slow DNS server costs
 * no thread. There is no deadline here: each answer is bounded by the resolver's timeout and the
 * whole evaluation by the caller's deadline (a stage that never completes stays incomplete).
 * <p>
 * Choices the RFC leaves open, and why:
 * <ul>
 * <li>The {@code p} macro always expands to {@code unknown} (allowed by §7.3 when no name is
 * validated): validating it costs up to 11 lookups outside the §4.6.4 limit, and the RFC says
 * not to use it.</li>
 * <li>{@code exp=} is checked for syntax but never fetched: nobody reads an explanation of a
 * rejection we do not write, and fetching it would be one more lookup an attacker controls.
 * For the same reason {@code r} (only in explanations) expands to {@code unknown}.</li>
 * <li>A void lookup (§4.6.4) is counted per term, for the query the term itself asks (the A/AAAA
 * of {@code a}, the MX of {@code mx}, the PTR of {@code ptr}, the A of {@code exists}); the
 * address lookups of MX and PTR names are bounded by the 10-name limits instead. An
 * {@link Status#INVALID} answer (a name made invalid by macro expansion, such as an empty
 * label) counts as void and never matches, as a nonexistent name would; for {@code include}
 * and {@code redirect} it means "no record", hence permerror.</li>
 * <li>The address lookups of the MX names run in parallel; the first error or match in MX
 * order decides, as a sequential evaluation would.</li>
 * <li>{@link SpfResult#domain()} is the identity's domain even after a {@code redirect}: that is
 * the domain SPF authenticated, and the one DMARC aligns on.</li>
 * </ul>
 */
public final class Spf {
    /** §4.6.4: terms asking DNS (include, a, mx, ptr, exists, redirect) in one evaluation. */
    static final int MAX_DNS_TERMS = 10;
    /** §4.6.4: terms whose lookup found nothing (NXDOMAIN or NODATA). */
    static final int MAX_VOID_LOOKUPS = 2;
    /** §4.6.4: names looked up for one mx or ptr term. */
    static final int MAX_NAMES = 10;
    private static final int MAX_DOMAIN = 253;
    private static final int MAX_REASON = 200;
    /** Room for untrusted names and terms inside a reason. */
    private static final int MAX_QUOTED = 80;
    /**
     * A macro expansion longer than this keeps only its right end while it grows: §7.3 truncation
     * keeps at most the last 253 characters anyway, and a record full of %{s} cannot then
     * allocate megabytes.
     */
    private static final int MAX_EXPANSION = 2048;
    private static final String VERSION = "v=spf1";
    private static final String DELIMITERS = ".-+,/_=";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final DnsResolver dns;

    public Spf(DnsResolver dns) {
        this.dns = Objects.requireNonNull(dns, "dns");
    }

    /**
     * RFC 7208 check for the MAIL FROM identity, or the HELO identity when reversePath is empty
     * (null sender).
     *
     * @param client the SMTP client's address; an IPv4-mapped IPv6 address counts as IPv4 (§5)
     * @param reversePath the MAIL FROM address without angle brackets ("" for {@code <>})
     * @param helo the EHLO/HELO argument
     * @return never fails: DNS trouble is a temperror, a bad record a permerror
     */
    public CompletionStage<SpfResult> check(InetAddress client, String reversePath, String helo) {
        String heloName = helo == null ? "" : helo;
        boolean useHelo = reversePath == null || reversePath.isEmpty();
        String identity = useHelo ? "helo" : "mailfrom";
        String local = "postmaster";
        String given = heloName;
        if (!useHelo) {
            int at = reversePath.lastIndexOf('@');
            given = reversePath.substring(at + 1);
            if (at > 0) {
                local = reversePath.substring(0, at);
            }
        }
        String sender = local + "@" + given.toLowerCase(Locale.ROOT);
        try {
            String domain = domainName(given);
            if (domain == null) {
                return CompletableFuture.completedFuture(new SpfResult(AuthResult.NONE, identity, sender, "",
                        clip((useHelo ? "HELO" : "MAIL FROM domain") + " is not a domain name: " + quote(given), MAX_REASON)));
            }
            if (client == null) {
                return CompletableFuture.completedFuture(new SpfResult(AuthResult.TEMPERROR, identity, sender, domain,
                        "no client address"));
            }
            Evaluation ev = new Evaluation(new MacroVars(local, domain, domain, client, heloName, Instant.now().getEpochSecond()));
            return checkHost(ev, domain).handle((verdict, failure) -> {
                Verdict v = verdict != null && failure == null ? verdict
                        : new Verdict(AuthResult.TEMPERROR, "internal error: " + failure);
                return new SpfResult(v.result(), identity, sender, domain, clip(v.reason(), MAX_REASON));
            });
        } catch (RuntimeException | StackOverflowError e) {
            return CompletableFuture.completedFuture(new SpfResult(AuthResult.TEMPERROR, identity, sender, "",
                    clip("internal error: " + e, MAX_REASON)));
        }
    }

    /** check_host() of §4: the record of the domain, then its terms in order. */
    private CompletionStage<Verdict> checkHost(Evaluation ev, String domain) {
        return lookup(domain, dns::txt).thenCompose(answer -> {
            if (answer.isTemporaryFailure()) {
                return done(AuthResult.TEMPERROR, "DNS " + answer.status() + " for " + quote(domain) + " TXT");
            }
            String record = null;
            for (String txt : answer.records()) {
                if (isSpfRecord(txt)) {
                    if (record != null) {
                        return done(AuthResult.PERMERROR, "more than one SPF record for " + quote(domain));
                    }
                    record = txt;
                }
            }
            if (record == null) {
                return done(AuthResult.NONE, "no SPF record for " + quote(domain));
            }
            Policy policy;
            try {
                policy = Policy.parse(record);
            } catch (PermError e) {
                return done(AuthResult.PERMERROR, e.getMessage() + " in the record of " + quote(domain));
            }
            return evaluate(ev, domain, policy, 0);
        });
    }

    /**
     * The terms from {@code from} on. Terms without DNS are decided in the loop; a DNS term
     * continues on its answer's stage, so the Java stack only grows with DNS terms, which
     * {@link #MAX_DNS_TERMS} bounds.
     */
    private CompletionStage<Verdict> evaluate(Evaluation ev, String domain, Policy policy, int from) {
        for (int i = from; i < policy.terms().size(); i++) {
            Term term = policy.terms().get(i);
            if (term.kind() == Kind.ALL || ((term.kind() == Kind.IP4 || term.kind() == Kind.IP6)
                    && inNetwork(ev.ip, term.network(), term.kind() == Kind.IP4 ? term.v4Prefix() : term.v6Prefix()))) {
                return done(term.result(), "matched " + quote(term.text()));
            }
            if (term.kind() == Kind.IP4 || term.kind() == Kind.IP6) {
                continue;
            }
            if (++ev.dnsTerms > MAX_DNS_TERMS) {
                return done(AuthResult.PERMERROR, "more than " + MAX_DNS_TERMS + " DNS lookups (at " + quote(term.text()) + ")");
            }
            CompletionStage<Outcome> outcome;
            try {
                outcome = mechanism(ev, domain, term);
            } catch (PermError e) {
                return done(AuthResult.PERMERROR, e.getMessage());
            }
            int next = i + 1;
            return outcome.thenCompose(o -> {
                if (o.stop() != null) {
                    return CompletableFuture.completedFuture(o.stop());
                }
                if (o.matched()) {
                    return done(term.result(), "matched " + quote(term.text()));
                }
                return evaluate(ev, domain, policy, next);
            });
        }
        if (policy.redirect() != null && !policy.hasAll()) {
            if (++ev.dnsTerms > MAX_DNS_TERMS) {
                return done(AuthResult.PERMERROR, "more than " + MAX_DNS_TERMS + " DNS lookups (at redirect)");
            }
            String target;
            try {
                target = targetName(policy.redirect(), ev.vars.at(domain));
            } catch (PermError e) {
                return done(AuthResult.PERMERROR, e.getMessage());
            }
            // §6.1: the redirect target's result is the result, except that "none" is an error
            return checkHost(ev, target).thenApply(v -> v.result() == AuthResult.NONE
                    ? new Verdict(AuthResult.PERMERROR, "redirect=" + quote(target) + " has no SPF record") : v);
        }
        return done(AuthResult.NEUTRAL, "no mechanism matched");
    }

    /** A mechanism that asks DNS: include, a, mx, ptr, exists. */
    private CompletionStage<Outcome> mechanism(Evaluation ev, String domain, Term term) throws PermError {
        String target = term.domainSpec() == null ? domain : targetName(term.domainSpec(), ev.vars.at(domain));
        switch (term.kind()) {
            case INCLUDE:
                // §5.2: only a pass matches; a missing record is an error, not a non-match
                return checkHost(ev, target).thenApply(v -> {
                    switch (v.result()) {
                        case PASS:
                            return Outcome.MATCH;
                        case FAIL:
                        case SOFTFAIL:
                        case NEUTRAL:
                            return Outcome.NO_MATCH;
                        case TEMPERROR:
                            return new Outcome(false, v);
                        case NONE:
                            return Outcome.stop(AuthResult.PERMERROR, "include:" + quote(target) + " has no SPF record");
                        default:
                            return Outcome.stop(AuthResult.PERMERROR, v.reason());
                    }
                });
            case A:
                return lookup(target, addressQuery(ev)).thenApply(answer -> answer.isOk()
                        ? (anyInNetwork(ev, answer.records(), term) ? Outcome.MATCH : Outcome.NO_MATCH)
                        : miss(ev, answer, target, addressType(ev)));
            case MX:
                return mx(ev, target, term);
            case PTR:
                return ptr(ev, target);
            case EXISTS:
                // §5.7: always an A query, whatever the client's address family
                return lookup(target, dns::a).thenApply(answer -> answer.isOk() ? Outcome.MATCH : miss(ev, answer, target, "A"));
            default:
                throw new IllegalStateException("not a DNS mechanism: " + term.kind());
        }
    }

    /** §5.4: the addresses of at most 10 MX names; more names is a permerror. */
    private CompletionStage<Outcome> mx(Evaluation ev, String target, Term term) {
        return lookup(target, dns::mx).thenCompose(answer -> {
            if (!answer.isOk()) {
                return CompletableFuture.completedFuture(miss(ev, answer, target, "MX"));
            }
            if (answer.records().size() > MAX_NAMES) {
                return CompletableFuture.completedFuture(Outcome.stop(AuthResult.PERMERROR,
                        "more than " + MAX_NAMES + " MX names for " + quote(target)));
            }
            List<String> hosts = new ArrayList<>();
            List<CompletableFuture<DnsAnswer<InetAddress>>> lookups = new ArrayList<>();
            for (MxRecord mx : answer.records()) {
                if (!mx.isNullMx()) {
                    hosts.add(mx.host());
                    lookups.add(lookup(mx.host(), addressQuery(ev)).toCompletableFuture());
                }
            }
            return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(all -> {
                for (int i = 0; i < lookups.size(); i++) {
                    DnsAnswer<InetAddress> a = lookups.get(i).getNow(null); // done: allOf completed
                    if (a.isOk() && anyInNetwork(ev, a.records(), term)) {
                        return Outcome.MATCH;
                    }
                    if (a.isTemporaryFailure()) {
                        return Outcome.stop(AuthResult.TEMPERROR,
                                "DNS " + a.status() + " for " + quote(hosts.get(i)) + " " + addressType(ev));
                    }
                }
                return Outcome.NO_MATCH;
            });
        });
    }

    /**
     * §5.5: a PTR name of the client that is the target or below it, and whose addresses include
     * the client. DNS errors here never make a temperror: the name is just not validated.
     */
    private CompletionStage<Outcome> ptr(Evaluation ev, String target) {
        String suffix = "." + target.toLowerCase(Locale.ROOT);
        return ask(() -> dns.ptr(ev.address)).thenCompose(answer -> {
            if (!answer.isOk()) {
                return CompletableFuture.completedFuture(answer.isNegative() ? miss(ev, answer, "the client", "PTR") : Outcome.NO_MATCH);
            }
            List<CompletableFuture<DnsAnswer<InetAddress>>> lookups = new ArrayList<>();
            for (String name : answer.records().subList(0, Math.min(MAX_NAMES, answer.records().size()))) {
                String n = stripDot(name.toLowerCase(Locale.ROOT));
                if (n.equals(suffix.substring(1)) || n.endsWith(suffix)) {
                    lookups.add(lookup(n, addressQuery(ev)).toCompletableFuture());
                }
            }
            return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(all -> {
                for (CompletableFuture<DnsAnswer<InetAddress>> lookup : lookups) {
                    DnsAnswer<InetAddress> a = lookup.getNow(null); // done: allOf completed
                    for (InetAddress address : a.records()) {
                        byte[] b = bytes(address);
                        if (inNetwork(ev.ip, b, b.length * 8)) {
                            return Outcome.MATCH;
                        }
                    }
                }
                return Outcome.NO_MATCH;
            });
        });
    }

    /** A lookup found nothing: temperror when it may find something later, else a void lookup. */
    private static Outcome miss(Evaluation ev, DnsAnswer<?> answer, String name, String type) {
        if (answer.isTemporaryFailure()) {
            return Outcome.stop(AuthResult.TEMPERROR, "DNS " + answer.status() + " for " + quote(name) + " " + type);
        }
        if (++ev.voidLookups > MAX_VOID_LOOKUPS) {
            return Outcome.stop(AuthResult.PERMERROR,
                    "more than " + MAX_VOID_LOOKUPS + " void lookups (at " + quote(name) + " " + type + ")");
        }
        return Outcome.NO_MATCH;
    }

    private Function<String, CompletionStage<DnsAnswer<InetAddress>>> addressQuery(Evaluation ev) {
        return ev.ip.length == 4 ? dns::a : dns::aaaa;
    }

    private static String addressType(Evaluation ev) {
        return ev.ip.length == 4 ? "A" : "AAAA";
    }

    /** A lookup of a name; an empty name (all truncated away) is not asked about. */
    private static <T> CompletionStage<DnsAnswer<T>> lookup(String name, Function<String, CompletionStage<DnsAnswer<T>>> query) {
        if (name.isEmpty()) {
            return CompletableFuture.completedFuture(DnsAnswer.failure(Status.INVALID));
        }
        return ask(() -> query.apply(name));
    }

    /** The resolver's stage, where a thrown exception or an exceptional stage is a TEMPFAIL. */
    private static <T> CompletionStage<DnsAnswer<T>> ask(Supplier<CompletionStage<DnsAnswer<T>>> query) {
        CompletionStage<DnsAnswer<T>> stage;
        try {
            stage = query.get();
        } catch (RuntimeException e) {
            stage = null;
        }
        if (stage == null) {
            return CompletableFuture.completedFuture(DnsAnswer.failure(Status.TEMPFAIL));
        }
        return stage.handle((answer, failure) -> failure != null || answer == null ? DnsAnswer.<T>failure(Status.TEMPFAIL) : answer);
    }

    private static CompletionStage<Verdict> done(AuthResult result, String reason) {
        return CompletableFuture.completedFuture(new Verdict(result, reason));
    }

    /** §4.5: "v=spf1" alone or followed by a space, in any case. */
    static boolean isSpfRecord(String txt) {
        return txt.regionMatches(true, 0, VERSION, 0, VERSION.length())
                && (txt.length() == VERSION.length() || txt.charAt(VERSION.length()) == ' ');
    }

    // ---------------------------------------------------------------- identities and addresses

    /**
     * The identity's domain as check_host() takes it: lower-case ASCII (A-labels for a Unicode
     * name, as SMTPUTF8 allows), without the trailing dot; null when §4.3 says "none": not a
     * multi-label name, a label empty or over 63 characters, over 253 characters, or an address
     * (a literal, or a bare IPv4 address whose last label is numeric).
     */
    static String domainName(String given) {
        String d = stripDot(given);
        if (d.isEmpty() || d.length() > 4 * MAX_DOMAIN) {
            return null;
        }
        for (int i = 0; i < d.length(); i++) {
            if (d.charAt(i) > 0x7E) {
                try {
                    d = IDN.toASCII(d);
                } catch (IllegalArgumentException e) {
                    return null;
                }
                break;
            }
        }
        d = d.toLowerCase(Locale.ROOT);
        if (d.length() > MAX_DOMAIN) {
            return null;
        }
        int labels = 0;
        int start = 0;
        boolean numeric = true;
        for (int i = 0; i <= d.length(); i++) {
            char c = i < d.length() ? d.charAt(i) : '.';
            if (c == '.') {
                if (i == start || i - start > 63) {
                    return null;
                }
                labels++;
                if (i < d.length()) {
                    start = i + 1;
                    numeric = true;
                }
            } else if ((c >= 'a' && c <= 'z') || c == '-' || c == '_') {
                numeric = false;
            } else if (c < '0' || c > '9') {
                return null;
            }
        }
        return labels >= 2 && !numeric ? d : null;
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** The address's octets: 4 for IPv4 and for IPv4-mapped IPv6 (§5), else 16. */
    static byte[] bytes(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16) {
            boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                return new byte[] {b[12], b[13], b[14], b[15]};
            }
        }
        return b;
    }

    /** The first {@code prefix} bits are equal (and so is the address family). */
    static boolean inNetwork(byte[] ip, byte[] network, int prefix) {
        if (ip.length != network.length) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (ip[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return rest == 0 || (ip[whole] & mask) == (network[whole] & mask);
    }

    private static boolean anyInNetwork(Evaluation ev, List<InetAddress> addresses, Term term) {
        int prefix = ev.ip.length == 4 ? term.v4Prefix() : term.v6Prefix();
        for (InetAddress a : addresses) {
            if (inNetwork(ev.ip, bytes(a), prefix)) {
                return true;
            }
        }
        return false;
    }

    /** ip4-network of §5.6: four decimal octets, no leading zeros; null when it is not one. */
    static byte[] parseIp4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i < s.length() && s.charAt(i) != '.') {
                continue;
            }
            int len = i - start;
            if (part == 4 || len < 1 || len > 3 || (len > 1 && s.charAt(start) == '0')) {
                return null;
            }
            int value = 0;
            for (int j = start; j < i; j++) {
                char c = s.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255) {
                return null;
            }
            out[part++] = (byte) value;
            start = i + 1;
        }
        return part == 4 ? out : null;
    }

    /**
     * ip6-network of §5.6 (RFC 4291 §2.2 text, with "::" and a trailing dotted quad); null when
     * it is not one. Parsed here rather than by InetAddress, which may ask DNS about a name.
     */
    static byte[] parseIp6(String s) {
        if (s.length() < 2 || s.length() > 45) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head = groups(gap < 0 ? s : s.substring(0, gap), gap < 0);
        int[] tail = gap < 0 ? new int[0] : groups(s.substring(gap + 2), true);
        if (head == null || tail == null || (gap < 0 ? head.length != 8 : head.length + tail.length > 7)) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.length; i++) {
            out[2 * i] = (byte) (head[i] >> 8);
            out[2 * i + 1] = (byte) head[i];
        }
        for (int i = 0; i < tail.length; i++) {
            out[16 - 2 * tail.length + 2 * i] = (byte) (tail[i] >> 8);
            out[16 - 2 * tail.length + 2 * i + 1] = (byte) tail[i];
        }
        return out;
    }

    /** Colon-separated 16-bit groups; a dotted quad may end them (two groups). */
    private static int[] groups(String s, boolean quadAtEnd) {
        if (s.isEmpty()) {
            return new int[0];
        }
        List<Integer> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int colon = s.indexOf(':', start);
            String g = colon < 0 ? s.substring(start) : s.substring(start, colon);
            if (colon < 0 && quadAtEnd && g.indexOf('.') >= 0) {
                byte[] quad = parseIp4(g);
                if (quad == null) {
                    return null;
                }
                out.add((quad[0] & 0xFF) << 8 | (quad[1] & 0xFF));
                out.add((quad[2] & 0xFF) << 8 | (quad[3] & 0xFF));
                break;
            }
            if (g.isEmpty() || g.length() > 4) {
                return null;
            }
            int value = 0;
            for (int i = 0; i < g.length(); i++) {
                int digit = hexDigit(g.charAt(i));
                if (digit < 0) {
                    return null;
                }
                value = value << 4 | digit;
            }
            out.add(value);
            if (colon < 0) {
                break;
            }
            start = colon + 1;
        }
        return out.size() > 8 ? null : out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    // ---------------------------------------------------------------- macros (§7)

    /**
     * What macros expand to (§7.2). {@code domain} changes with include and redirect; the rest is
     * fixed for one evaluation. {@code p} and {@code r} are always "unknown" (see the class).
     */
    record MacroVars(String local, String senderDomain, String domain, InetAddress client, String helo, long time) {
        MacroVars at(String newDomain) {
            return new MacroVars(local, senderDomain, newDomain, client, helo, time);
        }
    }

    /**
     * A domain-spec as a name to look up: expanded, without a trailing dot, and with its left
     * labels dropped until it fits in 253 characters (§7.3); empty when no label fits.
     */
    static String targetName(String domainSpec, MacroVars vars) throws PermError {
        String name = stripDot(expand(domainSpec, vars, false));
        while (name.length() > MAX_DOMAIN) {
            int dot = name.indexOf('.');
            name = dot < 0 ? "" : name.substring(dot + 1);
        }
        return name;
    }

    /**
     * Expands a macro-string (§7.1, §7.3). {@code explanation} allows the letters c, r and t,
     * which only explanation text may use. Otherwise the string is a name to be, so of a very
     * long expansion only the right end is kept ({@link #MAX_EXPANSION}).
     *
     * @throws PermError for a syntax error
     */
    static String expand(String macroString, MacroVars vars, boolean explanation) throws PermError {
        StringBuilder out = new StringBuilder();
        macroString(macroString, vars, explanation, out);
        return out.toString();
    }

    /**
     * Checks the syntax of a macro-string, and expands it into {@code out} when {@code vars} is
     * given. Hand-parsed: the input comes from DNS.
     *
     * @return where the literal text after the last macro-expand starts (the string's length
     *         when it ends with a macro-expand), for the domain-end check
     */
    private static int macroString(String s, MacroVars vars, boolean explanation, StringBuilder out) throws PermError {
        int afterMacro = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '%') {
                if (c < 0x21 || c > 0x7E) {
                    throw new PermError("invalid character in " + quote(s));
                }
                if (out != null) {
                    out.append(c);
                }
                i++;
                continue;
            }
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            String literal;
            if (next == '%') {
                literal = "%";
            } else if (next == '_') {
                literal = " ";
            } else if (next == '-') {
                literal = "%20";
            } else if (next == '{') {
                int close = s.indexOf('}', i + 2);
                if (close < 0) {
                    throw new PermError("unterminated macro in " + quote(s));
                }
                literal = macro(s.substring(i + 2, close), vars, explanation);
                i = close - 1;
            } else {
                throw new PermError("'%' not followed by '{', '%', '_' or '-' in " + quote(s));
            }
            i += 2;
            afterMacro = i;
            if (out != null) {
                out.append(literal);
                if (out.length() > MAX_EXPANSION && !explanation) {
                    out.delete(0, out.length() - MAX_EXPANSION / 2);
                }
            }
        }
        return afterMacro;
    }

    /** One %{...}: letter, transformers, delimiters; the expansion, or null when only checking. */
    private static String macro(String body, MacroVars vars, boolean explanation) throws PermError {
        if (body.isEmpty()) {
            throw new PermError("empty macro");
        }
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        if ("slodiphvcrt".indexOf(lower) < 0 || letter > 0x7F) {
            throw new PermError("unknown macro letter " + quote(String.valueOf(letter)));
        }
        if (!explanation && "crt".indexOf(lower) >= 0) {
            throw new PermError("macro %{" + letter + "} outside an explanation");
        }
        int i = 1;
        int keep = 0;
        boolean digits = false;
        while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') {
            keep = Math.min(1000, keep * 10 + (body.charAt(i) - '0'));
            digits = true;
            i++;
        }
        if (digits && keep == 0) {
            throw new PermError("macro keeping 0 parts");
        }
        boolean reverse = i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R');
        if (reverse) {
            i++;
        }
        String delimiters = body.substring(i);
        for (int j = 0; j < delimiters.length(); j++) {
            if (DELIMITERS.indexOf(delimiters.charAt(j)) < 0) {
                throw new PermError("invalid macro %{" + quote(body) + "}");
            }
        }
        if (vars == null) {
            return null;
        }
        String value = transform(value(lower, vars), keep, reverse, delimiters.isEmpty() ? "." : delimiters);
        return Character.isUpperCase(letter) ? urlEscape(value) : value;
    }

    private static String value(char letter, MacroVars v) {
        byte[] ip = bytes(v.client());
        switch (letter) {
            case 's':
                return v.local() + "@" + v.senderDomain();
            case 'l':
                return v.local();
            case 'o':
                return v.senderDomain();
            case 'd':
                return v.domain();
            case 'i':
                return ip.length == 4 ? readable(ip) : nibbles(ip);
            case 'v':
                return ip.length == 4 ? "in-addr" : "ip6";
            case 'h':
                return v.helo();
            case 'c':
                return readable(ip);
            case 't':
                return Long.toString(v.time());
            default: // p, r
                return "unknown";
        }
    }

    /** §7.3: split on the delimiters, reverse, keep the right-hand parts, join with dots. */
    private static String transform(String value, int keep, boolean reverse, String delimiters) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || delimiters.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        if (reverse) {
            Collections.reverse(parts);
        }
        if (keep > 0 && keep < parts.size()) {
            parts = parts.subList(parts.size() - keep, parts.size());
        }
        return String.join(".", parts);
    }

    /** §7.3: uppercase macros escape everything but RFC 3986 unreserved characters, as UTF-8. */
    private static String urlEscape(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    /** Dotted quad, or RFC 5952 text for IPv6 (the longest run of zero groups as "::"). */
    private static String readable(byte[] ip) {
        if (ip.length == 4) {
            return (ip[0] & 0xFF) + "." + (ip[1] & 0xFF) + "." + (ip[2] & 0xFF) + "." + (ip[3] & 0xFF);
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = (ip[2 * i] & 0xFF) << 8 | (ip[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(w[i]));
        }
        return out.toString();
    }

    /** §7.3: IPv6 "i" is 32 dot-separated nibbles. */
    private static String nibbles(byte[] ip) {
        StringBuilder out = new StringBuilder();
        for (byte b : ip) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append(Character.toLowerCase(HEX[(b >> 4) & 0xF])).append('.').append(Character.toLowerCase(HEX[b & 0xF]));
        }
        return out.toString();
    }

    /** Untrusted text for a reason: printable ASCII, and not too long. */
    private static String quote(String s) {
        return clip(s, MAX_QUOTED);
    }

    private static String clip(String s, int max) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && out.length() < max; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        if (s.length() > max) {
            out.setLength(max - 3);
            out.append("...");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- records (§4.6, §5, §6)

    /** A syntax error or a broken limit: check_host() returns permerror. */
    static final class PermError extends Exception {
        private static final long serialVersionUID = 1L;

        PermError(String message) {
            super(message, null, false, false);
        }
    }

    /** Evaluation-wide state: the §4.6.4 counters are shared by every nested include/redirect. */
    private static final class Evaluation {
        final MacroVars vars;
        final byte[] ip;
        /** The client as DNS PTR lookups need it: IPv4 when mapped. */
        final InetAddress address;
        int dnsTerms;
        int voidLookups;

        Evaluation(MacroVars vars) {
            this.vars = vars;
            this.ip = bytes(vars.client());
            try {
                this.address = InetAddress.getByAddress(ip);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e); // cannot happen: 4 or 16 octets
            }
        }
    }

    private record Verdict(AuthResult result, String reason) {
    }

    /** A DNS mechanism matched, or did not, or ended the evaluation ({@code stop}). */
    private record Outcome(boolean matched, Verdict stop) {
        static final Outcome MATCH = new Outcome(true, null);
        static final Outcome NO_MATCH = new Outcome(false, null);

        static Outcome stop(AuthResult result, String reason) {
            return new Outcome(false, new Verdict(result, reason));
        }
    }

    enum Kind { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /**
     * One directive. {@code domainSpec} is null when the mechanism has none (the current domain);
     * {@code network} is set for ip4/ip6 only.
     */
    record Term(AuthResult result, Kind kind, String domainSpec, byte[] network, int v4Prefix, int v6Prefix, String text) {
    }

    /** A parsed record: directives in order, the redirect domain-spec or null, and whether "all" is there. */
    record Policy(List<Term> terms, String redirect, boolean hasAll) {
        /**
         * Parses a whole record before anything is evaluated, as §4.6 wants a syntax error
         * anywhere to be a permerror even after a matching term.
         */
        static Policy parse(String record) throws PermError {
            List<Term> terms = new ArrayList<>();
            String redirect = null;
            boolean exp = false;
            boolean all = false;
            int i = VERSION.length();
            while (i < record.length()) {
                if (record.charAt(i) == ' ') {
                    i++;
                    continue;
                }
                int end = record.indexOf(' ', i);
                end = end < 0 ? record.length() : end;
                String t = record.substring(i, end);
                i = end;
                int eq = modifierName(t);
                if (eq < 0) {
                    Term term = directive(t);
                    all |= term.kind() == Kind.ALL;
                    terms.add(term);
                    continue;
                }
                String name = t.substring(0, eq).toLowerCase(Locale.ROOT);
                String value = t.substring(eq + 1);
                if (name.equals("redirect") || name.equals("exp")) {
                    if (name.equals("redirect") ? redirect != null : exp) {
                        throw new PermError("more than one " + name + "=");
                    }
                    checkDomainSpec(value);
                    if (name.equals("redirect")) {
                        redirect = value;
                    } else {
                        exp = true;
                    }
                } else {
                    macroString(value, null, true, null); // unknown modifiers are ignored, but must parse (§6)
                }
            }
            return new Policy(List.copyOf(terms), redirect, all);
        }

        /** Where the '=' of a modifier ("name=") is, or -1 when the term is a directive. */
        private static int modifierName(String t) {
            int eq = t.indexOf('=');
            if (eq <= 0 || !isAlpha(t.charAt(0))) {
                return -1;
            }
            for (int i = 1; i < eq; i++) {
                char c = t.charAt(i);
                if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.') {
                    return -1;
                }
            }
            return eq;
        }

        private static Term directive(String t) throws PermError {
            AuthResult result = AuthResult.PASS;
            int p = 1;
            switch (t.charAt(0)) {
                case '+':
                    break;
                case '-':
                    result = AuthResult.FAIL;
                    break;
                case '~':
                    result = AuthResult.SOFTFAIL;
                    break;
                case '?':
                    result = AuthResult.NEUTRAL;
                    break;
                default:
                    p = 0;
            }
            int k = p;
            while (k < t.length() && t.charAt(k) != ':' && t.charAt(k) != '/') {
                k++;
            }
            String name = t.substring(p, k).toLowerCase(Locale.ROOT);
            String rest = t.substring(k);
            switch (name) {
                case "all":
                    if (!rest.isEmpty()) {
                        throw new PermError("invalid " + quote(t));
                    }
                    return new Term(result, Kind.ALL, null, null, 0, 0, t);
                case "include":
                case "exists":
                    if (!rest.startsWith(":")) {
                        throw new PermError(name + " without a domain: " + quote(t));
                    }
                    checkDomainSpec(rest.substring(1));
                    return new Term(result, name.equals("include") ? Kind.INCLUDE : Kind.EXISTS, rest.substring(1), null, 0, 0, t);
                case "ptr":
                    return new Term(result, Kind.PTR, optionalDomainSpec(rest, t), null, 0, 0, t);
                case "a":
                case "mx":
                    return dualCidr(result, name.equals("a") ? Kind.A : Kind.MX, rest, t);
                case "ip4":
                case "ip6":
                    return network(result, name.equals("ip4") ? Kind.IP4 : Kind.IP6, rest, t);
                default:
                    throw new PermError("unknown mechanism " + quote(t));
            }
        }

        /** a and mx: [":" domain-spec] ["/" ip4-cidr] ["//" ip6-cidr], the CIDRs read from the end. */
        private static Term dualCidr(AuthResult result, Kind kind, String rest, String t) throws PermError {
            int end = rest.length();
            int v4 = 32;
            int v6 = 128;
            int d = digitsStart(rest, end);
            if (d < end && d >= 2 && rest.charAt(d - 1) == '/' && rest.charAt(d - 2) == '/') {
                v6 = prefix(rest.substring(d, end), 128, t);
                end = d - 2;
                d = digitsStart(rest, end);
            }
            if (d < end && d >= 1 && rest.charAt(d - 1) == '/') {
                v4 = prefix(rest.substring(d, end), 32, t);
                end = d - 1;
            }
            return new Term(result, kind, optionalDomainSpec(rest.substring(0, end), t), null, v4, v6, t);
        }

        private static int digitsStart(String s, int end) {
            int i = end;
            while (i > 0 && s.charAt(i - 1) >= '0' && s.charAt(i - 1) <= '9') {
                i--;
            }
            return i;
        }

        private static String optionalDomainSpec(String rest, String t) throws PermError {
            if (rest.isEmpty()) {
                return null;
            }
            if (!rest.startsWith(":")) {
                throw new PermError("invalid " + quote(t));
            }
            checkDomainSpec(rest.substring(1));
            return rest.substring(1);
        }

        /** ip4 and ip6: ":" network ["/" prefix]. */
        private static Term network(AuthResult result, Kind kind, String rest, String t) throws PermError {
            if (!rest.startsWith(":")) {
                throw new PermError("invalid " + quote(t));
            }
            String value = rest.substring(1);
            int slash = value.indexOf('/');
            String address = slash < 0 ? value : value.substring(0, slash);
            int max = kind == Kind.IP4 ? 32 : 128;
            int prefix = slash < 0 ? max : prefix(value.substring(slash + 1), max, t);
            byte[] network = kind == Kind.IP4 ? parseIp4(address) : parseIp6(address);
            if (network == null) {
                throw new PermError("invalid address in " + quote(t));
            }
            return new Term(result, kind, null, network, prefix, prefix, t);
        }

        /** A CIDR length (§5.6): decimal without leading zeros, at most {@code max}. */
        private static int prefix(String digits, int max, String t) throws PermError {
            boolean ok = !digits.isEmpty() && digits.length() <= 3 && (digits.length() == 1 || digits.charAt(0) != '0');
            for (int i = 0; ok && i < digits.length(); i++) {
                ok = digits.charAt(i) >= '0' && digits.charAt(i) <= '9';
            }
            if (!ok || Integer.parseInt(digits) > max) {
                throw new PermError("invalid CIDR length in " + quote(t));
            }
            return Integer.parseInt(digits);
        }

        /** domain-spec of §7.1: a macro-string whose end is a macro or "." toplabel ["."]. */
        private static void checkDomainSpec(String spec) throws PermError {
            int tail = macroString(spec, null, false, null);
            if (tail > 0 && tail == spec.length()) {
                return;
            }
            String end = stripDot(spec.substring(tail));
            int dot = end.lastIndexOf('.');
            if (dot < 0 || !isTopLabel(end.substring(dot + 1))) {
                throw new PermError("invalid domain " + quote(spec));
            }
        }

        /** toplabel of §7.1: letters, digits and inner hyphens, not all digits. */
        private static boolean isTopLabel(String label) {
            if (label.isEmpty() || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            boolean notNumeric = false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (isAlpha(c) || c == '-') {
                    notNumeric = true;
                } else if (c < '0' || c > '9') {
                    return false;
                }
            }
            return notNumeric;
        }

        private static boolean isAlpha(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }
    }
}
