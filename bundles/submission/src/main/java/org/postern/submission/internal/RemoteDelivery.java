package org.postern.submission.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.core.store.OutboundRepository.RecipientState;

/**
 * Sends one message to the recipients of one domain: MX lookup (RFC 5321 5.1: by preference, the
 * domain itself when it has no MX, nothing at all for a null MX, RFC 7505), then each host's
 * addresses in turn until one gives per-recipient answers. Or, with a smart host, only that host.
 *
 * <p><b>TLS per host</b>, strongest rule first: DANE (RFC 7672) when the MX answer, the host's
 * addresses and its TLSA records are all DNSSEC-authenticated (the resolver's AD bit): TLS
 * required, the certificate must match a usable TLSA record; then the domain's MTA-STS policy
 * in enforce mode (RFC 8461): only MX hosts its patterns allow, TLS required with a certificate
 * the trust store vouches for, issued to the host name; otherwise opportunistic STARTTLS. A host
 * that cannot meet its rule is skipped, and when none can the recipients stay queued (4.7.5):
 * never a fallback to clear text.
 */
final class RemoteDelivery {
    /** MX hosts tried per attempt, and addresses per host (Postfix: 5 sessions per delivery). */
    static final int MAX_HOSTS = 5;
    static final int MAX_ADDRESSES = 2;

    /** What became of each recipient (index as given), and a summary for the log. */
    record Verdicts(List<RecipientState> states, List<String> replies, boolean unreachable) {
    }

    /** Where mail for a domain goes; tests replace it with their own listener. */
    record Route(String host, int port) {
    }

    /** The TLS contexts of outbound sessions: any certificate (opportunistic), or one the trust store vouches for. */
    record TlsContexts(SSLContext anyCertificate, SSLContext verified) {
    }

    private final DnsResolver dns;
    private final SmtpClient client;
    private final Route smartHost;
    private final int port;
    private final long dnsTimeoutMillis;
    private final TlsContexts tls;
    private final MtaStsPolicies mtaSts;
    private final boolean dane;
    private final boolean privateDestinations;

    /**
     * @param mtaSts the domains' MTA-STS policies, null to ignore MTA-STS
     * @param dane whether DNSSEC-validated TLSA records make TLS mandatory and authenticate it
     * @param privateDestinations whether an MX may resolve to a loopback, private or link-local
     *        address (off on the Internet: a domain whose MX points there would have this node
     *        talk to itself or to the operator's internal hosts)
     */
    RemoteDelivery(DnsResolver dns, SmtpClient client, Route smartHost, int port, long dnsTimeoutMillis,
            TlsContexts tls, MtaStsPolicies mtaSts, boolean dane, boolean privateDestinations) {
        this.dns = dns;
        this.client = client;
        this.smartHost = smartHost;
        this.port = port;
        this.dnsTimeoutMillis = dnsTimeoutMillis;
        this.tls = tls;
        this.mtaSts = mtaSts;
        this.dane = dane;
        this.privateDestinations = privateDestinations;
    }

    /**
     * A host to try, with the TLS its domain's policy demands, or the reason it may not be tried.
     */
    private record Target(Route route, boolean mxSecure) {
    }

    Verdicts deliver(String domain, String sender, List<String> recipients, long size, boolean eightBit,
            boolean smtputf8, SmtpClient.BodySource body) {
        List<Target> targets = new ArrayList<>();
        MtaSts.Policy policy = null;
        if (smartHost != null) {
            // a smart host is the operator's relay: its own TLS, not the recipient domain's policy
            targets.add(new Target(smartHost, false));
        } else {
            DnsAnswer<MxRecord> mx = lookup(() -> dns.mx(domain));
            if (mx.isTemporaryFailure()) {
                return all(recipients, RecipientState.PENDING, "4.4.3 DNS lookup of MX for " + domain + " failed: "
                        + mx.status(), true);
            }
            if (mx.status() == DnsAnswer.Status.NXDOMAIN) {
                return all(recipients, RecipientState.FAILED, "5.1.2 Domain " + domain + " does not exist", false);
            }
            List<String> hosts = new ArrayList<>();
            if (mx.isOk()) {
                List<MxRecord> sorted = new ArrayList<>(mx.records());
                sorted.sort(Comparator.comparingInt(MxRecord::preference));
                if (sorted.stream().anyMatch(MxRecord::isNullMx)) {
                    return all(recipients, RecipientState.FAILED,
                            "5.1.10 Domain " + domain + " accepts no mail (null MX)", false);
                }
                for (MxRecord r : sorted) {
                    hosts.add(trimDot(r.host()));
                }
            } else {
                hosts.add(domain); // no MX: the implicit MX is the domain itself
            }
            if (mtaSts != null) {
                policy = mtaSts.policyFor(domain).filter(p -> p.mode() == MtaSts.Mode.ENFORCE).orElse(null);
            }
            for (String host : hosts) {
                if (targets.size() == MAX_HOSTS) {
                    break;
                }
                if (policy != null && !policy.allows(host) && !(dane && mx.authenticated())) {
                    continue; // RFC 8461 §4.1; a DANE host may still qualify (DANE wins, RFC 8461 §2)
                }
                targets.add(new Target(new Route(host, port), mx.authenticated()));
            }
            if (targets.isEmpty()) {
                return all(recipients, RecipientState.PENDING, "4.7.5 No MX host of " + domain
                        + " is allowed by its MTA-STS policy", false);
            }
        }
        String lastFailure = "4.4.1 No answer from any mail server of " + domain;
        boolean anyPermanentSession = false;
        for (Target target : targets) {
            Route route = target.route();
            InetAddress literal = literal(route.host());
            DnsAnswer<InetAddress> addresses = literal != null ? DnsAnswer.ok(List.of(literal), false, 0)
                    : addresses(route.host());
            if (!addresses.isOk()) {
                lastFailure = "4.4.3 No address for " + route.host() + ": " + addresses.status();
                continue;
            }
            SmtpClient.TlsPlan plan;
            String planFailure = null;
            Optional<SmtpClient.TlsPlan> daneplan = Optional.empty();
            if (dane && smartHost == null && target.mxSecure() && addresses.authenticated()) {
                DnsAnswer<TlsaRecord> tlsa = lookup(() -> dns.tlsa(route.port(), route.host()));
                if (tlsa.isTemporaryFailure()) {
                    // RFC 7672 §2.2: a secure zone whose TLSA lookup fails may be under attack: no clear text
                    planFailure = "4.7.5 TLSA lookup for " + route.host() + " failed: " + tlsa.status();
                } else if (tlsa.isOk() && tlsa.authenticated()) {
                    List<TlsaRecord> usable = Dane.usable(tlsa.records());
                    if (!usable.isEmpty()) {
                        daneplan = Optional.of(new SmtpClient.TlsPlan(true,
                                Dane.context(usable, List.of(route.host(), domain)), false, "DANE"));
                    } else if (policy == null) {
                        // §2.2: records but none usable: TLS still required, not authenticated
                        daneplan = Optional.of(new SmtpClient.TlsPlan(true, tls.anyCertificate(), false,
                                "DANE (no usable TLSA record)"));
                    }
                    // else no DANE here: only usable records beat MTA-STS (RFC 8461 §2), whose enforce
                    // policy (its MX list, a certificate the CAs vouch for) is stronger than unauthenticated TLS
                }
            }
            if (planFailure != null) {
                lastFailure = planFailure;
                continue;
            }
            if (daneplan.isPresent()) {
                plan = daneplan.get();
            } else if (policy != null) {
                if (!policy.allows(route.host())) {
                    lastFailure = "4.7.5 " + route.host() + " is not allowed by the MTA-STS policy of " + domain;
                    continue;
                }
                plan = new SmtpClient.TlsPlan(true, tls.verified(), true, "the MTA-STS policy of " + domain);
            } else if (smartHost != null && client.logsIn()) {
                // the login must not cross in clear, nor to whoever answers on the smart host's address
                plan = new SmtpClient.TlsPlan(true, tls.verified(), true, "the smart host login");
            } else {
                plan = SmtpClient.TlsPlan.opportunistic(tls.anyCertificate());
            }
            int tried = 0;
            for (InetAddress address : addresses.records()) {
                if (smartHost == null && !privateDestinations && isPrivate(address)) {
                    lastFailure = "4.4.4 " + route.host() + " resolves to a private address ("
                            + address.getHostAddress() + "): not connected to";
                    continue;
                }
                if (tried++ == MAX_ADDRESSES) {
                    break;
                }
                try {
                    SmtpClient.Result r = client.send(address, route.port(), route.host(), plan,
                            sender, recipients, size, eightBit, smtputf8, body);
                    return verdicts(r, route.host());
                } catch (SmtpClient.SessionFailure f) {
                    if (f.permanent() && f.atGreeting()) {
                        // like Postfix's smtp_skip_5xx_greeting: a server that will not talk is skipped, not the mail
                        lastFailure = "4.4.1 " + route.host() + " greeted with " + f.reply();
                        anyPermanentSession = true;
                        break;
                    }
                    if (f.permanent()) {
                        // a 5xx to the greeting, EHLO or MAIL: this server refuses the message for good
                        return all(recipients, RecipientState.FAILED, route.host() + " said: " + f.reply(), false);
                    }
                    lastFailure = (f.tlsPolicy() ? "4.7.5 " : "4.4.1 ")
                            + (f.reply() != null ? route.host() + " said: " + f.reply() : f.getMessage());
                    anyPermanentSession |= f.reply() != null || f.tlsPolicy();
                }
            }
        }
        return all(recipients, RecipientState.PENDING, lastFailure, !anyPermanentSession);
    }

    private static Verdicts verdicts(SmtpClient.Result r, String host) {
        List<RecipientState> states = new ArrayList<>();
        List<String> replies = new ArrayList<>();
        for (SmtpClient.Reply a : r.recipients()) {
            if (!a.positive()) {
                states.add(a.permanent() ? RecipientState.FAILED : RecipientState.PENDING);
                replies.add(host + " said: " + a);
            } else if (r.data() == null) {
                states.add(RecipientState.PENDING);
                replies.add(host + ": no data phase");
            } else if (r.data().positive()) {
                states.add(RecipientState.DELIVERED);
                replies.add(host + " said: " + r.data());
            } else {
                states.add(r.data().permanent() ? RecipientState.FAILED : RecipientState.PENDING);
                replies.add(host + " said: " + r.data());
            }
        }
        return new Verdicts(states, replies, false);
    }

    private static Verdicts all(List<String> recipients, RecipientState state, String reply, boolean unreachable) {
        List<RecipientState> states = new ArrayList<>();
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            states.add(state);
            replies.add(reply);
        }
        return new Verdicts(states, replies, unreachable);
    }

    interface Lookup<T> {
        java.util.concurrent.CompletionStage<DnsAnswer<T>> start();
    }

    private <T> DnsAnswer<T> lookup(Lookup<T> l) {
        return await(started(l), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(dnsTimeoutMillis));
    }

    /**
     * The host's A and AAAA records, asked in parallel. Authenticated when a family answered with
     * DNSSEC-validated addresses and no family answered without validation; a family whose lookup
     * failed does not count. ({@link DnsResolver#addresses} drops the AD bit when either lookup
     * fails, and with it DANE: whoever could make the resolver fail the AAAA lookup of a signed
     * host, by dropping its answers upstream, turned DANE off and got opportunistic TLS, which a
     * stripped STARTTLS turns into clear text. Now the signed A records are used, with DANE.)
     */
    private DnsAnswer<InetAddress> addresses(String host) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(dnsTimeoutMillis);
        CompletableFuture<DnsAnswer<InetAddress>> v4 = started(() -> dns.a(host));
        CompletableFuture<DnsAnswer<InetAddress>> v6 = started(() -> dns.aaaa(host));
        DnsAnswer<InetAddress> four = await(v4, deadline);
        DnsAnswer<InetAddress> six = await(v6, deadline);
        if (!four.isOk() && !six.isOk()) {
            return six.isTemporaryFailure() && !four.isTemporaryFailure() ? six : four;
        }
        List<InetAddress> all = new ArrayList<>(four.records());
        all.addAll(six.records());
        boolean signed = (four.isOk() && four.authenticated()) || (six.isOk() && six.authenticated());
        boolean unsigned = (!four.isTemporaryFailure() && !four.authenticated())
                || (!six.isTemporaryFailure() && !six.authenticated());
        return DnsAnswer.ok(all, signed && !unsigned, 0);
    }

    static <T> CompletableFuture<DnsAnswer<T>> started(Lookup<T> l) {
        try {
            return l.start().toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(DnsAnswer.failure(DnsAnswer.Status.TEMPFAIL));
        }
    }

    /** The answer, or a TIMEOUT or TEMPFAIL one: a DNS question never throws at its asker. */
    static <T> DnsAnswer<T> await(CompletableFuture<DnsAnswer<T>> f, long deadlineNanos) {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return DnsAnswer.failure(DnsAnswer.Status.TIMEOUT);
        } catch (ExecutionException | RuntimeException e) {
            return DnsAnswer.failure(DnsAnswer.Status.TEMPFAIL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DnsAnswer.failure(DnsAnswer.Status.TEMPFAIL);
        }
    }

    /**
     * Addresses no Internet MX or policy host has: loopback, wildcard, link-local, RFC 1918,
     * CGNAT (100.64/10), benchmarking (198.18/15), reserved (240/4), IPv6 unique-local, and
     * IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64 64:ff9b::/96, 6to4
     * 2002::/16) when that address is one of these.
     */
    static boolean isPrivate(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int first = b[0] & 0xFF;
            int second = b[1] & 0xFF;
            return first == 0 || first == 10 || first == 127 || (first == 100 && (second & 0xC0) == 64)
                    || (first == 169 && second == 254) || (first == 172 && (second & 0xF0) == 16)
                    || (first == 192 && second == 168) || (first == 198 && (second & 0xFE) == 18) || first >= 224;
        }
        if ((b[0] & 0xFE) == 0xFC) {
            return true; // fc00::/7
        }
        boolean zeroTo10 = true;
        for (int i = 0; i < 10; i++) {
            zeroTo10 &= b[i] == 0;
        }
        boolean nat64 = (b[0] & 0xFF) == 0x00 && (b[1] & 0xFF) == 0x64 && (b[2] & 0xFF) == 0xFF && (b[3] & 0xFF) == 0x9B
                && java.util.stream.IntStream.range(4, 12).allMatch(i -> b[i] == 0);
        if ((zeroTo10 && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xFF && b[11] == (byte) 0xFF))) || nat64) {
            return isPrivate(v4(b, 12)); // ::a.b.c.d, ::ffff:a.b.c.d, 64:ff9b::a.b.c.d
        }
        if ((b[0] & 0xFF) == 0x20 && (b[1] & 0xFF) == 0x02) {
            return isPrivate(v4(b, 2)); // 2002:AABB:CCDD::/48 is 6to4 for a.b.c.d
        }
        return false;
    }

    private static InetAddress v4(byte[] b, int from) {
        try {
            return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, from, from + 4));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The address a host written as an IP literal names (a smart host such as 127.0.0.1 or ::1),
     * without asking DNS; null for a host name.
     */
    static InetAddress literal(String host) {
        boolean v4 = !host.isEmpty() && host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        boolean v6 = host.indexOf(':') >= 0 && host.chars().allMatch(c -> c == ':' || c == '.'
                || Character.digit(c, 16) >= 0);
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(host); // a literal: parsed, never looked up
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static String trimDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}
