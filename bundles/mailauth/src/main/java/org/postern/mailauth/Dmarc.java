package org.postern.mailauth;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntUnaryOperator;
import java.util.concurrent.ThreadLocalRandom;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.postern.mailauth.DmarcResult.Policy;

/**
 * DMARC (RFC 7489): the From domain's published policy, and whether an SPF or DKIM pass aligned
 * with that domain vouches for the message.
 * <p>
 * Decisions where the RFC leaves room: a message with several From fields (or more than
 * {@value #MAX_FROM_DOMAINS} author domains) is a PERMERROR that {@link DmarcResult#enforce()
 * enforces} a reject policy (RFC 5322 §3.6 allows one; a second From is how a forger shows
 * readers a different author than the one checked), and so is a From without one usable
 * domain; a message without From is a PERMERROR that enforces nothing. Several addresses in one From are each checked and the
 * strictest outcome counts (§6.6.1). A failure where an aligned check had a temporary DNS error
 * is TEMPERROR, not FAIL: a DNS hiccup must not bounce a legitimate sender's mail.
 */
public final class Dmarc {
    /** Author domains checked per message; more are a PERMERROR (each costs up to two lookups). */
    static final int MAX_FROM_DOMAINS = 5;

    private final DnsResolver dns;
    private final IntUnaryOperator random;

    public Dmarc(DnsResolver dns) {
        this(dns, bound -> ThreadLocalRandom.current().nextInt(bound));
    }

    /** With the random source for {@code pct=} sampling (tests). */
    Dmarc(DnsResolver dns, IntUnaryOperator random) {
        this.dns = dns;
        this.random = random;
    }

    /** A parsed DMARC record. */
    record Record(Policy p, Policy sp, boolean strictDkim, boolean strictSpf, int pct) {
    }

    /**
     * Checks the message whose header is given against the From domain's policy. Never throws;
     * the stage always completes normally.
     */
    public CompletionStage<DmarcResult> check(HeaderFields header, SpfResult spf, List<DkimResult> dkim) {
        return check(header.named("From"), spf, dkim);
    }

    /**
     * As {@link #check(HeaderFields, SpfResult, List)} with only the message's From fields (all
     * of them, in order): a caller waiting for SPF and DKIM need not keep the whole header.
     */
    public CompletionStage<DmarcResult> check(List<HeaderFields.Field> from, SpfResult spf, List<DkimResult> dkim) {
        try {
            if (from.size() != 1) {
                // several From fields are refused (a forger's second author); none is only noted
                return done(new DmarcResult(AuthResult.PERMERROR, "", from.isEmpty() ? Policy.NONE : Policy.REJECT,
                        !from.isEmpty(), from.isEmpty() ? "no From field" : from.size() + " From fields"));
            }
            List<String> domains = authorDomains(from.get(0).value());
            if (domains.isEmpty()) {
                // refused like several From fields: what a reader is shown cannot be checked
                return done(new DmarcResult(AuthResult.PERMERROR, "", Policy.REJECT, true, "no usable domain in From"));
            }
            if (domains.size() > MAX_FROM_DOMAINS) {
                return done(new DmarcResult(AuthResult.PERMERROR, "", Policy.REJECT, true,
                        domains.size() + " domains in From"));
            }
            List<CompletableFuture<DmarcResult>> each = new ArrayList<>();
            for (String d : domains) {
                each.add(checkDomain(d, spf, dkim).toCompletableFuture());
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).handle((ok, failure) -> {
                DmarcResult worst = null;
                for (CompletableFuture<DmarcResult> f : each) {
                    DmarcResult r = f.isCompletedExceptionally() ? null : f.join();
                    if (r == null) {
                        r = new DmarcResult(AuthResult.TEMPERROR, "", Policy.NONE, false, "internal error");
                    }
                    if (worst == null || rank(r) > rank(worst)) {
                        worst = r;
                    }
                }
                return worst;
            });
        } catch (RuntimeException e) {
            return done(new DmarcResult(AuthResult.TEMPERROR, "", Policy.NONE, false, Text.reason("internal error: " + e)));
        }
    }

    /** Which of several author domains' results counts: the strictest. */
    private static int rank(DmarcResult r) {
        return switch (r.result()) {
            case FAIL -> r.rejects() ? 60 : r.enforce() ? 50 : 40;
            case PERMERROR -> 35;
            case TEMPERROR -> 30;
            case NONE -> 20;
            default -> 10;
        };
    }

    private CompletionStage<DmarcResult> checkDomain(String from, SpfResult spf, List<DkimResult> dkim) {
        String org = OrganizationalDomain.of(from);
        return lookup(from).thenCompose(own -> {
            if (own.status == Found.Status.TEMPERROR) {
                return done(new DmarcResult(AuthResult.TEMPERROR, from, Policy.NONE, false,
                        "DNS " + own.dns + " for _dmarc." + from));
            }
            if (own.status == Found.Status.RECORD) {
                return done(evaluate(from, own.record, own.record.p(), spf, dkim));
            }
            if (org.equals(from)) {
                return done(new DmarcResult(AuthResult.NONE, from, Policy.NONE, false, "no DMARC record"));
            }
            return lookup(org).thenApply(parent -> switch (parent.status) {
                case TEMPERROR -> new DmarcResult(AuthResult.TEMPERROR, from, Policy.NONE, false,
                        "DNS " + parent.dns + " for _dmarc." + org);
                case RECORD -> evaluate(from, parent.record, parent.record.sp(), spf, dkim);
                default -> new DmarcResult(AuthResult.NONE, from, Policy.NONE, false, "no DMARC record");
            });
        });
    }

    private DmarcResult evaluate(String from, Record r, Policy policy, SpfResult spf, List<DkimResult> dkim) {
        boolean tempError = false;
        if (spf != null && !spf.domain().isEmpty() && aligned(spf.domain(), from, r.strictSpf())) {
            if (spf.result() == AuthResult.PASS) {
                return new DmarcResult(AuthResult.PASS, from, policy, false, "SPF aligned: " + spf.domain());
            }
            tempError |= spf.result() == AuthResult.TEMPERROR;
        }
        for (DkimResult k : dkim) {
            if (!k.domain().isEmpty() && aligned(k.domain(), from, r.strictDkim())) {
                if (k.result() == AuthResult.PASS) {
                    return new DmarcResult(AuthResult.PASS, from, policy, false, "DKIM aligned: " + k.domain());
                }
                tempError |= k.result() == AuthResult.TEMPERROR;
            }
        }
        if (tempError) {
            return new DmarcResult(AuthResult.TEMPERROR, from, policy, false, "an aligned check had a temporary error");
        }
        boolean sampled = r.pct() >= 100 || (r.pct() > 0 && random.applyAsInt(100) < r.pct());
        return new DmarcResult(AuthResult.FAIL, from, policy, sampled, "no aligned SPF or DKIM pass");
    }

    private static boolean aligned(String authenticated, String from, boolean strict) {
        String a = authenticated.toLowerCase(Locale.ROOT);
        return strict ? a.equals(from) : OrganizationalDomain.relaxedAligned(a, from);
    }

    /** What a {@code _dmarc} lookup found. */
    private record Found(Status status, Record record, DnsAnswer.Status dns) {
        enum Status { RECORD, NONE, TEMPERROR }
    }

    private CompletionStage<Found> lookup(String domain) {
        return dns.txt("_dmarc." + domain).handle((answer, failure) -> {
            if (failure != null || answer == null) {
                return new Found(Found.Status.TEMPERROR, null, DnsAnswer.Status.TEMPFAIL);
            }
            if (answer.isTemporaryFailure()) {
                return new Found(Found.Status.TEMPERROR, null, answer.status());
            }
            if (!answer.isOk()) {
                return new Found(Found.Status.NONE, null, answer.status());
            }
            List<Record> records = new ArrayList<>();
            for (String txt : answer.records()) {
                Record r = parse(txt);
                if (r != null) {
                    records.add(r);
                }
            }
            // RFC 7489 §6.6.3: several records, like none, end policy discovery
            return records.size() == 1 ? new Found(Found.Status.RECORD, records.get(0), answer.status())
                    : new Found(Found.Status.NONE, null, answer.status());
        });
    }

    /** A DMARC record (RFC 7489 §6.3), or null when the text is none: {@code v=DMARC1} must come first, exactly. */
    static Record parse(String txt) {
        String[] tags = txt.split(";", -1);
        if (tags.length == 0 || !tags[0].strip().replace(" ", "").replace("\t", "").equals("v=DMARC1")) {
            return null;
        }
        Policy p = null;
        Policy sp = null;
        boolean adkimStrict = false;
        boolean aspfStrict = false;
        int pct = 100;
        for (int i = 1; i < tags.length; i++) {
            String t = tags[i].strip();
            int eq = t.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = t.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = t.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
            switch (name) {
                case "p" -> p = policy(value);
                case "sp" -> sp = policy(value);
                case "adkim" -> adkimStrict = value.equals("s");
                case "aspf" -> aspfStrict = value.equals("s");
                case "pct" -> pct = percent(value);
                default -> {
                    // rua, ruf, fo, rf, ri and unknown tags change nothing here
                }
            }
        }
        // A missing or invalid p= is p=none (RFC 7489 §6.6.3 step 6, taken leniently): the record
        // still says the domain takes part, so results are reported, but nothing is enforced.
        Policy own = p == null ? Policy.NONE : p;
        return new Record(own, sp == null ? own : sp, adkimStrict, aspfStrict, pct);
    }

    private static Policy policy(String v) {
        return switch (v) {
            case "none" -> Policy.NONE;
            case "quarantine" -> Policy.QUARANTINE;
            case "reject" -> Policy.REJECT;
            default -> null;
        };
    }

    private static int percent(String v) {
        if (v.isEmpty() || v.length() > 3 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 100;
        }
        return Math.min(100, Integer.parseInt(v));
    }

    /**
     * The domains of the addresses in a From value (octets as ISO-8859-1 chars, as
     * {@link HeaderFields.Field#value()} gives them), as A-labels in lower case, in order, without
     * duplicates. The octets are read as UTF-8 (RFC 6532) and the domains converted with
     * {@link IDN#toASCII}, so an IDN From is checked by its DNS name and an invisible character
     * a reader never sees (a zero-width space) does not make another name. Comments and quoted
     * strings are dropped first (a quoted display name may contain an {@code @}), and the
     * obsolete source route of {@code <@relay:user@domain>}; then every {@code @} starts a
     * domain. That also catches an unquoted address in a display name
     * ({@code paypal.com@x <evil@y>}), which readers may show: both are checked. What is no
     * domain name (empty, a literal, bad characters) is skipped; the caller refuses a From with
     * none left.
     */
    static List<String> authorDomains(String value) {
        String v = new String(value.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        StringBuilder plain = new StringBuilder(v.length());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && (quoted || depth > 0)) {
                i++;
                continue;
            }
            if (depth > 0) {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                continue;
            }
            if (quoted) {
                quoted = c != '"';
                continue;
            }
            if (c == '(') {
                depth = 1;
            } else if (c == '"') {
                quoted = true;
                plain.append('q');
            } else {
                plain.append(c);
            }
        }
        String s = dropSourceRoutes(plain.toString());
        Set<String> domains = new LinkedHashSet<>();
        for (int at = s.indexOf('@'); at >= 0; at = s.indexOf('@', at + 1)) {
            int end = at + 1;
            while (end < s.length() && " \t\r\n<>,;:@[]\"".indexOf(s.charAt(end)) < 0) {
                end++;
            }
            String d = domainName(s.substring(at + 1, end));
            if (d != null) {
                domains.add(d);
            }
        }
        return new ArrayList<>(domains);
    }

    /** {@code <@a,@b:user@domain>} becomes {@code <user@domain>} (RFC 5322 §4.4 obs-route). */
    private static String dropSourceRoutes(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c);
            if (c != '<') {
                continue;
            }
            int j = i + 1;
            while (j < s.length() && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                j++;
            }
            if (j < s.length() && s.charAt(j) == '@') {
                int colon = s.indexOf(':', j);
                int close = s.indexOf('>', j);
                if (colon > 0 && (close < 0 || colon < close)) {
                    i = colon;
                }
            }
        }
        return out.toString();
    }

    /** The A-label form of a domain, lower case, or null when it is none. */
    static String domainName(String raw) {
        String d = raw.endsWith(".") ? raw.substring(0, raw.length() - 1) : raw;
        if (d.isEmpty() || d.length() > 253) {
            return null;
        }
        try {
            d = IDN.toASCII(d).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (d.isEmpty() || d.length() > 253 || d.startsWith(".") || d.endsWith(".") || d.contains("..")) {
            return null;
        }
        for (String label : d.split("\\.")) {
            if (label.length() > 63) {
                return null;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return null;
                }
            }
        }
        return d;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
