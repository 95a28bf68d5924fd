package org.postern.auth.internal;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.postern.api.account.Account;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.OwnedDomain;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.account.PasswordVerifier;
import org.postern.core.store.AppPasswordRecord;
import org.postern.core.store.AppPasswordRepository;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.DuplicateKeyException;

/**
 * The authenticator's collaborators, in memory, with the contracts the real ones keep (the store's
 * tests prove those on Derby and PostgreSQL): changes are announced as the store announces them.
 */
final class Fakes {
    private Fakes() {
    }

    static final class Accounts implements AccountService, PasswordVerifier {
        final Map<String, Account> byId = new ConcurrentHashMap<>();
        final Map<String, char[]> passwords = new ConcurrentHashMap<>();
        volatile BiConsumer<String, String> announce = (topic, key) -> { };

        Account add(String id, String address, String password) {
            Account a = new Account(id, MailAddress.parse(address), AccountStatus.ACTIVE, Instant.EPOCH, null);
            byId.put(id, a);
            passwords.put(id, password.toCharArray());
            return a;
        }

        void setStatus(String id, AccountStatus status) {
            Account a = byId.get(id);
            byId.put(id, new Account(id, a.address(), status, a.created(), a.expires()));
            announce.accept(ChangeListener.ACCOUNT, id);
        }

        @Override
        public boolean verifyPassword(String accountId, char[] password) {
            try {
                Account a = accountId == null ? null : byId.get(accountId);
                return a != null && a.status() == AccountStatus.ACTIVE && Arrays.equals(passwords.get(accountId), password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }

        @Override
        public String passwordStamp(String accountId) {
            char[] p = passwords.get(accountId);
            return p == null ? "" : Integer.toHexString(Arrays.hashCode(p));
        }

        @Override
        public Optional<Account> find(String address) {
            MailAddress m;
            try {
                m = MailAddress.parse(address);
            } catch (RuntimeException e) {
                throw new AccountException(AccountException.Reason.INVALID_ADDRESS, "invalid");
            }
            return byId.values().stream().filter(a -> a.address().equals(m)).findFirst();
        }

        @Override
        public Optional<Account> get(String accountId) {
            return Optional.ofNullable(byId.get(accountId));
        }

        @Override
        public Account create(String address, char[] password, LocalDate expires) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Account> list() {
            return new ArrayList<>(byId.values());
        }

        @Override
        public void setPassword(String address, char[] password) {
            String id = find(address).orElseThrow().id();
            passwords.put(id, password.clone());
            announce.accept(ChangeListener.ACCOUNT, id);
        }

        @Override
        public void lock(String address) {
            setStatus(find(address).orElseThrow().id(), AccountStatus.LOCKED);
        }

        @Override
        public void unlock(String address) {
            setStatus(find(address).orElseThrow().id(), AccountStatus.ACTIVE);
        }

        @Override
        public void remove(String address) {
            setStatus(find(address).orElseThrow().id(), AccountStatus.REMOVED);
        }

        @Override
        public boolean removeExpired(String address, java.time.LocalDate expiredOnOrBefore) {
            remove(address);
            return true;
        }

        @Override
        public OwnedDomain addDomain(String address, String domain) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void removeDomain(String address, String domain) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<OwnedDomain> domains(String accountId) {
            return List.of();
        }
    }

    static final class AppPasswordRows implements AppPasswordRepository {
        final Map<String, AppPasswordRecord> rows = new ConcurrentHashMap<>();
        final Accounts accounts;

        AppPasswordRows(Accounts accounts) {
            this.accounts = accounts;
        }

        @Override
        public synchronized void insert(AppPasswordRecord r) {
            Account a = accounts.byId.get(r.accountId());
            if (a == null || a.status() == AccountStatus.REMOVED) {
                throw new AccountGoneException(r.accountId());
            }
            if (rows.values().stream().anyMatch(o -> o.accountId().equals(r.accountId()) && o.name().equals(r.name())
                    || o.secretHash().equals(r.secretHash()))) {
                throw new DuplicateKeyException("already exists", null);
            }
            rows.put(r.id(), r);
            accounts.announce.accept(ChangeListener.ACCOUNT, r.accountId());
        }

        @Override
        public Optional<AppPasswordRecord> bySecretHash(String secretHash) {
            return rows.values().stream().filter(r -> r.secretHash().equals(secretHash)).findFirst();
        }

        @Override
        public Optional<AppPasswordRecord> byId(String id) {
            return Optional.ofNullable(rows.get(id));
        }

        @Override
        public List<AppPasswordRecord> byAccount(String accountId) {
            return rows.values().stream().filter(r -> r.accountId().equals(accountId))
                    .sorted(Comparator.comparing(AppPasswordRecord::name)).collect(Collectors.toList());
        }

        @Override
        public boolean hasAny(String accountId) {
            return rows.values().stream().anyMatch(r -> r.accountId().equals(accountId));
        }

        @Override
        public synchronized boolean delete(String accountId, String name) {
            Optional<AppPasswordRecord> r = rows.values().stream()
                    .filter(o -> o.accountId().equals(accountId) && o.name().equals(name)).findFirst();
            r.ifPresent(o -> {
                rows.remove(o.id());
                accounts.announce.accept(ChangeListener.ACCOUNT, accountId);
            });
            return r.isPresent();
        }

        @Override
        public synchronized void recordUse(String id, Instant when) {
            AppPasswordRecord o = rows.get(id);
            if (o != null) {
                rows.put(id, new AppPasswordRecord(o.id(), o.accountId(), o.name(), o.secretHash(), o.keyId(), o.protocols(),
                        o.networks(), o.expires(), o.created(), when));
            }
        }

        @Override
        public long countMadeWithOtherKey(String keyId) {
            return rows.values().stream().filter(r -> !r.keyId().equals(keyId)).count();
        }
    }
}
