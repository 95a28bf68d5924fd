package org.postern.billing.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.mail.MailStore;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.BlobStore;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.postern.api.billing.PaymentProvider;
import org.postern.core.billing.BillingService;
import org.postern.core.billing.LedgerEntry;
import org.postern.core.billing.PaymentOutcome;
import org.postern.core.billing.Lifecycle;
import org.postern.core.store.BillingRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily run: a reminder before the expire date, a lock at it, removal {@code removal.days}
 * after it. Every step is decided again under the account's row lock (a payment landing between
 * this job's read and its step wins), and recorded in the ledger before its mail is filed, so a
 * second node, a second run or a run after a crash never repeats one: at worst a crash between
 * the two loses one notice, never sends two.
 */
@Component(service = Lifecycle.class, configurationPid = BillingConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class LifecycleJob implements Lifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleJob.class);

    private final AccountService accounts;
    private final BillingRepository repository;
    private final MailStore mailStore;
    private final BlobStore blobs;
    private final ZoneId zone;
    private final TreeSet<Integer> reminderDays;
    private final int removalDays;
    private final LocalTime runAt;
    private final ServiceMail mail;
    private final ScheduledExecutorService timer;
    private final BillingService billing;
    /** Registered providers by name: the ones a month-to-month plan can renew through. */
    private final Map<String, PaymentProvider> providers = new java.util.concurrent.ConcurrentHashMap<>();
    @Reference(target = "(postern.clock=true)", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Clock clock;

    @Activate
    public LifecycleJob(@Reference AccountService accounts, @Reference BillingRepository repository,
            @Reference(target = CoreService.TARGET) MailStore mailStore, @Reference(target = CoreService.TARGET) BlobStore blobs,
            @Reference BillingService billing, BillingConfig config) {
        this.billing = billing;
        this.accounts = accounts;
        this.repository = repository;
        this.mailStore = mailStore;
        this.blobs = blobs;
        this.zone = BillingManager.zone(config.zone());
        this.reminderDays = reminderDays(config.reminder_days());
        if (config.removal_days() < 1 || config.removal_days() > 3650) {
            throw new IllegalArgumentException("removal.days must be 1..3650");
        }
        this.removalDays = config.removal_days();
        try {
            this.runAt = LocalTime.parse(config.run_at().strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("run.at must be HH:MM: " + config.run_at());
        }
        this.mail = new ServiceMail(config.service_name());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-billing-lifecycle");
            t.setDaemon(true);
            return t;
        });
        scheduleNext();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProvider(PaymentProvider p, Map<String, Object> properties) {
        Object name = properties.get(PaymentProvider.NAME);
        if (name instanceof String n && org.postern.core.billing.Plan.validName(n)) {
            providers.put(n, p);
        } else {
            LOG.warn("Postern billing: a payment provider without a valid {} property is ignored", PaymentProvider.NAME);
        }
    }

    void removeProvider(PaymentProvider p, Map<String, Object> properties) {
        if (properties.get(PaymentProvider.NAME) instanceof String n) {
            providers.remove(n, p);
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    static TreeSet<Integer> reminderDays(String list) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String d : list.split(",")) {
            if (d.isBlank()) {
                continue;
            }
            try {
                int n = Integer.parseInt(d.strip());
                if (n < 1 || n > 365) {
                    throw new NumberFormatException();
                }
                out.add(n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("reminder.days is a list of 1..365, such as 14,7,1: " + list);
            }
        }
        return out;
    }

    /** The next run.at in the billing zone, by the wall clock (the daily timer is real time; the rules read the Clock). */
    private void scheduleNext() {
        ZonedDateTime now = ZonedDateTime.now(zone);
        ZonedDateTime next = now.with(runAt).truncatedTo(ChronoUnit.MINUTES);
        if (!next.isAfter(now)) {
            next = next.plusDays(1);
        }
        long delay = Math.max(1000, Duration.between(now, next).toMillis());
        try {
            timer.schedule(() -> {
                try {
                    Report r = run(false);
                    LOG.info("Postern billing: lifecycle run for {}: {} action(s)", r.today(), r.actions().size());
                } catch (RuntimeException e) {
                    LOG.warn("Postern billing: the lifecycle run failed; it runs again tomorrow or with postern:lifecycle-run: {}",
                            e.toString());
                } finally {
                    scheduleNext();
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // deactivated
        }
    }

    private Instant now() {
        Clock c = clock;
        return c == null ? Instant.now() : c.instant();
    }

    @Override
    public Report run(boolean dryRun) {
        Instant now = now();
        LocalDate today = LocalDate.ofInstant(now, zone);
        LocalDate removalCutoff = today.minusDays(removalDays);
        List<String> actions = new ArrayList<>();
        for (Account a : accounts.list()) {
            if (a.status() == AccountStatus.REMOVED || a.expires() == null) {
                continue;
            }
            try {
                step(a, today, removalCutoff, now, dryRun, actions);
            } catch (RuntimeException e) {
                // one account's failure never stops the others; the next run tries it again
                actions.add("failed for " + a.address() + ": " + e.getMessage());
                LOG.warn("Postern billing: a lifecycle step failed for account {}: {}", a.id(), e.toString());
            }
        }
        return new Report(today, actions);
    }

    private void step(Account a, LocalDate today, LocalDate removalCutoff, Instant now, boolean dryRun, List<String> actions) {
        LocalDate expires = a.expires();
        LocalDate removal = expires.plusDays(removalDays);
        if (a.status() == AccountStatus.ACTIVE) {
            if (!expires.isAfter(today)) {
                LedgerEntry renewing = renewable(a);
                if (renewing != null && dryRun) {
                    actions.add("would renew " + a.address() + " through " + renewing.provider() + " (or lock it if that fails)");
                    return;
                }
                if (renewing != null && renewed(a, renewing, expires, today, now, actions)) {
                    return;
                }
                if (dryRun) {
                    actions.add("would lock " + a.address() + ": expired on " + expires);
                } else if (repository.lockExpired(a.id(), today, now).isPresent()) {
                    actions.add("locked " + a.address() + ": expired on " + expires);
                    send(a, ServiceMail.Template.EXPIRED, Map.of("expires", ServiceMail.day(expires), "removal",
                            ServiceMail.day((expires.isAfter(today) ? expires : today).plusDays(removalDays))), now);
                }
                return;
            }
            long left = ChronoUnit.DAYS.between(today, expires);
            // the nearest reminder not yet past: a run missed for a few days still sends one, never several
            Integer due = reminderDays.ceiling((int) Math.min(Integer.MAX_VALUE, left));
            if (due == null || left > due) {
                return;
            }
            if (dryRun) {
                actions.add("would remind " + a.address() + ": " + ServiceMail.days(left) + " before " + expires);
                return;
            }
            Optional<LedgerEntry> claimed = repository.claimReminder(a.id(), expires, due, now);
            if (claimed.isPresent()) {
                actions.add("reminded " + a.address() + ": " + ServiceMail.days(left) + " before " + expires);
                send(a, ServiceMail.Template.REMINDER, Map.of("expires", ServiceMail.day(expires), "days", ServiceMail.days(left),
                        "removal", ServiceMail.day(removal)), now);
            }
        } else if (a.status() == AccountStatus.LOCKED && !expires.isAfter(removalCutoff) && lockedSince(a, removalCutoff)) {
            if (dryRun) {
                actions.add("would remove " + a.address() + ": expired on " + expires);
            } else if (accounts.removeExpired(a.address().toString(), removalCutoff)) {
                actions.add("removed " + a.address() + ": expired on " + expires);
            }
        }
    }

    /**
     * True when the account's latest lock is an expiry lock written on or before {@code cutoff}:
     * removal counts from the day the account was locked for expiry, never from an old expire
     * date alone (an install that starts billing with long-expired accounts locks them first and
     * removes them only {@code removal.days} later), and an operator's lock, or one from before
     * the ledger, never leads to removal by this job.
     */
    private boolean lockedSince(Account a, LocalDate cutoff) {
        LedgerEntry last = null;
        for (LedgerEntry e : repository.ledger(a.id())) {
            if (e.kind() == LedgerEntry.Kind.LOCKED || e.kind() == LedgerEntry.Kind.LOCKED_EXPIRED || e.kind() == LedgerEntry.Kind.UNLOCKED) {
                last = e;
            }
        }
        return last != null && last.kind() == LedgerEntry.Kind.LOCKED_EXPIRED && !LocalDate.ofInstant(last.occurred(), zone).isAfter(cutoff);
    }

    /** The account's last payment when its plan renews by itself and its provider is here, else null. */
    private LedgerEntry renewable(Account a) {
        LedgerEntry last = null;
        for (LedgerEntry e : repository.ledger(a.id())) {
            if (e.kind() == LedgerEntry.Kind.PAYMENT) {
                last = e;
            }
        }
        if (last == null || last.provider() == null || !providers.containsKey(last.provider())) {
            return null;
        }
        return repository.plan(last.plan()).filter(org.postern.core.billing.Plan::renews).isPresent() ? last : null;
    }

    /**
     * Asks the provider for the next period, once per expire date (the attempt is claimed in the
     * ledger first, so no two nodes charge twice); a decline, an exception or a claim another node
     * holds is an ordinary expiry.
     */
    private boolean renewed(Account a, LedgerEntry last, LocalDate expires, LocalDate today, Instant now, List<String> actions) {
        org.postern.core.billing.Plan plan = repository.plan(last.plan()).orElse(null);
        PaymentProvider provider = providers.get(last.provider());
        if (plan == null || provider == null) {
            return false;
        }
        Optional<LedgerEntry> claim = repository.claimRenewal(a.id(), expires, plan.name(), last.provider(), today, now);
        if (claim.isEmpty()) {
            // another node (or an earlier run) asked the provider: while that is recent its answer may
            // still come, so this run does not lock; an hour on, the expiry stands
            String detail = "for " + expires;
            boolean recent = repository.ledger(a.id()).stream().anyMatch(e -> e.kind() == LedgerEntry.Kind.RENEWAL
                    && detail.equals(e.detail()) && e.occurred().isAfter(now.minus(Duration.ofHours(1))));
            if (recent) {
                actions.add("renewal of " + a.address() + " in progress elsewhere");
                return true;
            }
            return false;
        }
        PaymentProvider.Charge charge;
        try {
            charge = provider.renew(claim.get().accountRef(), plan.name(), plan.price(), plan.currency());
        } catch (RuntimeException e) {
            charge = PaymentProvider.Charge.declined("the provider failed: " + e.getClass().getSimpleName());
        }
        if (charge == null || !charge.paid() || charge.txid() == null) {
            actions.add("renewal of " + a.address() + " through " + last.provider() + " declined"
                    + (charge == null || charge.reason() == null ? "" : ": " + charge.reason()));
            return false;
        }
        PaymentOutcome o;
        try {
            o = billing.applyPayment(a.address().toString(), plan.name(), last.provider(), charge.txid(), null, null);
        } catch (RuntimeException e) {
            // charged but not recorded: the operator applies it by hand (payment-apply is idempotent)
            LOG.warn("Postern billing: renewal charged by {} as transaction {} for ledger reference {} could not be applied; "
                    + "apply it with postern:payment-apply: {}", last.provider(), charge.txid(), claim.get().accountRef(), e.toString());
            actions.add("renewal of " + a.address() + " through " + last.provider() + " charged as " + charge.txid()
                    + " but not applied: apply it with postern:payment-apply");
            return true;
        }
        actions.add("renewed " + a.address() + " through " + last.provider() + ": paid up to " + o.paidUntil());
        return o.paidUntil() != null && o.paidUntil().isAfter(today);
    }

    private void send(Account a, ServiceMail.Template t, Map<String, String> values, Instant now) {
        try {
            ServiceMail.deliver(mailStore, blobs, a, mail.message(a, t, values, now), now);
        } catch (java.io.IOException | RuntimeException e) {
            // recorded in the ledger already: the notice is lost, the state change is not
            LOG.warn("Postern billing: a {} notice for account {} could not be filed: {}", t, a.id(), e.toString());
        }
    }
}
