package org.postern.billing.internal;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.mail.MailStore;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.BlobStore;
import org.postern.core.billing.BillingService;
import org.postern.core.billing.LedgerEntry;
import org.postern.core.billing.PaymentOutcome;
import org.postern.core.billing.Plan;
import org.postern.core.store.BillingRepository;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BillingService} over the store's {@link BillingRepository}: names checked, the account
 * found by its address, "today" taken in the billing zone from the {@code postern.clock} Clock.
 * Log lines name the ledger row and its kind, never an address or an amount.
 */
@Component(service = BillingService.class, configurationPid = BillingConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = BillingConfig.class)
public class BillingManager implements BillingService {
    private static final Logger LOG = LoggerFactory.getLogger(BillingManager.class);

    private final BillingRepository repository;
    private final AccountService accounts;
    private final ZoneId zone;
    private final MailStore mailStore;
    private final BlobStore blobs;
    private final ServiceMail mail;
    @Reference(target = "(postern.clock=true)", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Clock clock;

    @Activate
    public BillingManager(@Reference BillingRepository repository, @Reference AccountService accounts,
            @Reference(target = CoreService.TARGET) MailStore mailStore, @Reference(target = CoreService.TARGET) BlobStore blobs,
            BillingConfig config) {
        this.repository = repository;
        this.accounts = accounts;
        this.mailStore = mailStore;
        this.blobs = blobs;
        this.zone = zone(config.zone());
        this.mail = new ServiceMail(config.service_name());
    }

    static ZoneId zone(String name) {
        String z = name == null ? "" : name.strip();
        if (z.equalsIgnoreCase("UTC")) {
            return ZoneId.of("UTC");
        }
        if (!ZoneId.getAvailableZoneIds().contains(z) || z.indexOf('/') < 0) {
            throw new IllegalArgumentException("zone must be a tz region such as Europe/Berlin, or UTC: " + name);
        }
        return ZoneId.of(z);
    }

    private Instant now() {
        Clock c = clock;
        return c == null ? Instant.now() : c.instant();
    }

    @Override
    public List<Plan> plans() {
        return repository.plans();
    }

    @Override
    public void addPlan(Plan plan) {
        try {
            repository.addPlan(plan, now());
        } catch (DuplicateKeyException e) {
            throw new IllegalArgumentException("there is a plan named " + plan.name() + " already");
        }
    }

    @Override
    public boolean removePlan(String name) {
        return repository.removePlan(name);
    }

    @Override
    public PaymentOutcome applyPayment(String address, String planName, String provider, String txid, BigDecimal amount,
            String currency) {
        if (!Plan.validName(provider)) {
            throw new IllegalArgumentException("a provider's name is 1 to 64 of a-z 0-9 . _ -");
        }
        if (!validTxid(txid)) {
            throw new IllegalArgumentException("a transaction id is 1 to 200 printable ASCII characters without spaces");
        }
        // checked before any lookup: nothing longer than its column reaches the store
        if (!Plan.validName(planName)) {
            throw new IllegalArgumentException("there is no such plan");
        }
        Plan plan = repository.plan(planName).orElseThrow(() -> new IllegalArgumentException("there is no plan named " + planName));
        Account account = account(address);
        BigDecimal paid = amount == null ? plan.price() : amount;
        String in = currency == null ? plan.currency() : currency;
        if (!Plan.validAmount(paid) || !in.matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("an amount is non-negative with at most 4 decimals, a currency its ISO 4217 code");
        }
        // a report of less, or of another currency, buys nothing: the operator sorts it out
        if (!in.equals(plan.currency()) || paid.compareTo(plan.price()) < 0) {
            throw new IllegalArgumentException("the amount does not pay for the plan (" + plan.price().toPlainString() + " "
                    + plan.currency() + ")");
        }
        Instant now = now();
        PaymentOutcome o = repository.applyPayment(account.id(), plan, provider, txid, paid, in, now, LocalDate.ofInstant(now, zone));
        LOG.info("Postern billing: payment {} (ledger row {}, {})", o.result(), o.entry().seq(), o.entry().kind());
        if (o.result() == PaymentOutcome.Result.APPLIED) {
            receipt(account, plan, paid, in, o.paidUntil(), now);
        }
        return o;
    }

    /** The receipt, in the account's INBOX: best effort (the payment is applied and in the ledger whatever happens to it). */
    private void receipt(Account account, Plan plan, BigDecimal amount, String currency, LocalDate paidUntil, Instant now) {
        try {
            byte[] m = mail.message(account, ServiceMail.Template.RECEIPT, java.util.Map.of("amount",
                    amount.setScale(Math.max(2, amount.stripTrailingZeros().scale())).toPlainString() + " " + currency,
                    "period", ServiceMail.period(plan), "expires", ServiceMail.day(paidUntil)), now);
            ServiceMail.deliver(mailStore, blobs, account, m, now);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Postern billing: a receipt for account {} could not be filed: {}", account.id(), e.toString());
        }
    }

    static boolean validTxid(String txid) {
        if (txid == null || txid.isEmpty() || txid.length() > 200) {
            return false;
        }
        for (int i = 0; i < txid.length(); i++) {
            char c = txid.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public LedgerEntry lock(String address, String reason) {
        String why = reason == null ? "" : oneLine(reason);
        if (why.isEmpty() || why.length() > 500) {
            throw new IllegalArgumentException("give a reason of 1 to 500 characters: the operator will read it later");
        }
        Account a = account(address);
        try {
            Optional<LedgerEntry> e = repository.lock(a.id(), false, why, now());
            e.ifPresent(x -> LOG.info("Postern billing: locked by the operator (ledger row {})", x.seq()));
            return e.orElseGet(() -> repository.ledger(a.id()).stream().filter(x -> x.kind() == LedgerEntry.Kind.LOCKED)
                    .reduce((first, second) -> second).orElseThrow());
        } catch (StoreException removed) {
            throw new IllegalArgumentException("the account " + address + " was removed");
        }
    }

    @Override
    public Optional<LedgerEntry> unlock(String address) {
        Account a = account(address);
        Optional<LedgerEntry> e = repository.unlock(a.id(), now());
        e.ifPresent(x -> LOG.info("Postern billing: unlocked by the operator (ledger row {})", x.seq()));
        return e;
    }

    @Override
    public List<LedgerEntry> ledger(String address) {
        return repository.ledger(account(address).id());
    }

    @Override
    public List<String> check() {
        List<String> out = new ArrayList<>();
        for (BillingRepository.Replayed r : repository.replayAll()) {
            if (!r.matches()) {
                String who = accounts.get(r.accountId()).map(a -> a.address().toString()).orElse("account " + r.accountId());
                out.add(who + ": the ledger says " + r.ledgerStatus() + " until " + r.ledgerExpires() + ", the account is "
                        + r.accountStatus() + " until " + r.accountExpires());
            }
        }
        return out;
    }

    private Account account(String address) {
        if (address == null || address.length() > 320) {
            throw new IllegalArgumentException("there is no such account");
        }
        return accounts.find(address.strip())
                .orElseThrow(() -> new IllegalArgumentException("there is no account " + address));
    }

    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString().strip();
    }
}
