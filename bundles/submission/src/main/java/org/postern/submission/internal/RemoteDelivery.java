package org.postern.submission.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.core.store.OutboundRepository.RecipientState;

/**
 * Sends one message to the recipients of one domain: MX lookup (RFC 5321 5.1: by preference, the
 * domain itself when it has no MX, nothing at all for a null MX, RFC 7505), then each host's
 * addresses in turn until one gives per-recipient answers. Or, with a smart host, only that host.
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

    private final DnsResolver dns;
    private final SmtpClient client;
    private final Route smartHost;
    private final int port;
    private final long dnsTimeoutMillis;

    RemoteDelivery(DnsResolver dns, SmtpClient client, Route smartHost, int port, long dnsTimeoutMillis) {
        this.dns = dns;
        this.client = client;
        this.smartHost = smartHost;
        this.port = port;
        this.dnsTimeoutMillis = dnsTimeoutMillis;
    }

    Verdicts deliver(String domain, String sender, List<String> recipients, long size, boolean eightBit,
            boolean smtputf8, SmtpClient.BodySource body) {
        List<Route> routes;
        if (smartHost != null) {
            routes = List.of(smartHost);
        } else {
            DnsAnswer<MxRecord> mx = lookup(() -> dns.mx(domain));
            if (mx.isTemporaryFailure()) {
                return all(recipients, RecipientState.PENDING, "4.4.3 DNS lookup of MX for " + domain + " failed: "
                        + mx.status(), true);
            }
            if (mx.status() == DnsAnswer.Status.NXDOMAIN) {
                return all(recipients, RecipientState.FAILED, "5.1.2 Domain " + domain + " does not exist", false);
            }
            routes = new ArrayList<>();
            if (mx.isOk()) {
                List<MxRecord> sorted = new ArrayList<>(mx.records());
                sorted.sort(Comparator.comparingInt(MxRecord::preference));
                if (sorted.stream().anyMatch(MxRecord::isNullMx)) {
                    return all(recipients, RecipientState.FAILED,
                            "5.1.10 Domain " + domain + " accepts no mail (null MX)", false);
                }
                for (MxRecord r : sorted) {
                    if (routes.size() < MAX_HOSTS) {
                        routes.add(new Route(trimDot(r.host()), port));
                    }
                }
            } else {
                routes.add(new Route(domain, port)); // no MX: the implicit MX is the domain itself
            }
        }
        String lastFailure = "4.4.1 No answer from any mail server of " + domain;
        boolean anyPermanentSession = false;
        for (Route route : routes) {
            InetAddress literal = literal(route.host());
            DnsAnswer<InetAddress> addresses = literal != null ? DnsAnswer.ok(List.of(literal), false, 0)
                    : lookup(() -> dns.addresses(route.host()));
            if (!addresses.isOk()) {
                lastFailure = "4.4.3 No address for " + route.host() + ": " + addresses.status();
                continue;
            }
            int tried = 0;
            for (InetAddress address : addresses.records()) {
                if (tried++ == MAX_ADDRESSES) {
                    break;
                }
                try {
                    SmtpClient.Result r = client.send(address, route.port(), route.host(), SmtpClient.Tls.OPPORTUNISTIC,
                            sender, recipients, size, eightBit, smtputf8, body);
                    return verdicts(r, route.host());
                } catch (SmtpClient.SessionFailure f) {
                    if (f.permanent()) {
                        // a 5xx to the greeting, EHLO or MAIL: this server refuses the message for good
                        return all(recipients, RecipientState.FAILED, route.host() + " said: " + f.reply(), false);
                    }
                    lastFailure = "4.4.1 " + (f.reply() != null ? route.host() + " said: " + f.reply() : f.getMessage());
                    anyPermanentSession |= f.reply() != null;
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

    private interface Lookup<T> {
        java.util.concurrent.CompletionStage<DnsAnswer<T>> start();
    }

    private <T> DnsAnswer<T> lookup(Lookup<T> l) {
        try {
            return l.start().toCompletableFuture().get(dnsTimeoutMillis, TimeUnit.MILLISECONDS);
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
