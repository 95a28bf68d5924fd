package org.postern.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postern.api.account.Account;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.Resolution;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;

/** Small stand-ins for the services the SMTP server uses. */
final class Fakes {
    private Fakes() {
    }

    /**
     * example.net is hosted: alice and bob exist; blocked@ exists but its owner's Block List refuses
     * every sender (so Postern says User unknown); everything else there is unknown. Other domains
     * are not hosted.
     */
    static final class Recipients implements RecipientPolicy {
        static final String HOSTED = "example.net";
        final Map<String, String> accounts = new ConcurrentHashMap<>(Map.of(
                "alice@example.net", "acc-alice", "bob@example.net", "acc-bob", "carol@example.net", "acc-carol",
                "dave@example.net", "acc-dave", "blocked@example.net", "acc-blocked"));
        final List<List<String>> serverNamesSeen = new CopyOnWriteArrayList<>();

        @Override
        public RecipientVerdict decide(String recipient, String envelopeSender, List<String> serverNames,
                boolean authenticated) {
            serverNamesSeen.add(serverNames);
            MailAddress a = MailAddress.parse(recipient);
            if (a.domain().equals("owned.example")) {
                return RecipientVerdict.userUnknown(); // an owner's domain whose catch-all refuses everything
            }
            if (!a.domain().equals(HOSTED)) {
                return RecipientVerdict.relayDenied();
            }
            String account = accounts.get(a.toString());
            if (account == null || a.localPart().equals("blocked")) {
                return RecipientVerdict.userUnknown();
            }
            return RecipientVerdict.accept(new Resolution(a,
                    new Account(account, a, AccountStatus.ACTIVE, Instant.EPOCH, null), Resolution.Kind.PRIMARY));
        }
    }

    /** example.net is the one service domain; owned.example is some account owner's own domain. */
    static final class Domains implements org.postern.api.account.DomainService {
        @Override
        public String addServiceDomain(String domain) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> serviceDomains() {
            return List.of(Recipients.HOSTED);
        }

        @Override
        public boolean isHosted(String domain) {
            return domain.equals(Recipients.HOSTED) || domain.equals("owned.example");
        }
    }

    /** The accounts of {@link Recipients}, by primary address. */
    static final class Addresses implements org.postern.api.account.AddressResolver {
        private final Recipients recipients;

        Addresses(Recipients recipients) {
            this.recipients = recipients;
        }

        @Override
        public java.util.Optional<Resolution> resolve(String address) {
            MailAddress a = MailAddress.parse(address);
            String account = recipients.accounts.get(a.toString());
            return account == null ? java.util.Optional.empty() : java.util.Optional.of(new Resolution(a,
                    new Account(account, a, AccountStatus.ACTIVE, Instant.EPOCH, null), Resolution.Kind.PRIMARY));
        }
    }

    /** Files in a directory; put() writes and forces like the real one. */
    static final class Blobs implements BlobStore {
        private static final SecureRandom RANDOM = new SecureRandom();
        final Path dir;
        volatile boolean fail;

        Blobs(Path dir) {
            this.dir = dir;
        }

        @Override
        public BlobId put(InputStream content) throws IOException {
            if (fail) {
                throw new IOException("disk full (fake)");
            }
            byte[] raw = new byte[16];
            RANDOM.nextBytes(raw);
            BlobId id = BlobId.of(HexFormat.of().formatHex(raw));
            try (OutputStream out = Files.newOutputStream(dir.resolve(id.value()))) {
                content.transferTo(out);
            }
            return id;
        }

        @Override
        public Optional<InputStream> open(BlobId id) throws IOException {
            Path p = dir.resolve(id.value());
            return Files.exists(p) ? Optional.of(Files.newInputStream(p)) : Optional.empty();
        }

        @Override
        public long size(BlobId id) throws IOException {
            Path p = dir.resolve(id.value());
            return Files.exists(p) ? Files.size(p) : -1;
        }

        @Override
        public boolean delete(BlobId id) throws IOException {
            return Files.deleteIfExists(dir.resolve(id.value()));
        }

        String read(BlobId id) throws IOException {
            return Files.readString(dir.resolve(id.value()), java.nio.charset.StandardCharsets.UTF_8);
        }

        long count() throws IOException {
            try (var s = Files.list(dir)) {
                return s.count();
            }
        }
    }

    /** Records deliveries. */
    static final class Mailboxes implements MailStore {
        /** Each in turn; a test that needs the all-or-nothing of the real store says so. */
        @Override
        public long[] deliverAll(java.util.List<org.postern.api.mail.IncomingMessage> messages, String folder) {
            long[] uids = new long[messages.size()];
            for (int i = 0; i < uids.length; i++) {
                try {
                    uids[i] = deliver(messages.get(i), folder);
                } catch (org.postern.api.mail.AccountGoneException gone) {
                    uids[i] = -1;
                }
            }
            return uids;
        }

        final List<IncomingMessage> delivered = new CopyOnWriteArrayList<>();
        volatile RuntimeException fail;

        @Override
        public long deliver(IncomingMessage message, String folder) {
            if (fail != null) {
                throw fail;
            }
            delivered.add(message);
            return delivered.size();
        }

        @Override
        public java.util.SortedMap<String, Long> folders(String accountId) {
            return new java.util.TreeMap<>(java.util.Map.of(MailStore.INBOX,
                    delivered.stream().filter(m -> m.accountId().equals(accountId)).count()));
        }

        // The MX only delivers: reading and deleting are POP3's and IMAP's, tested there.
        @Override
        public org.postern.api.mail.FolderSnapshot snapshot(String accountId, String folder) {
            throw new UnsupportedOperationException("the SMTP tests only deliver");
        }

        @Override
        public java.util.Optional<java.io.InputStream> open(String accountId, String folder, long uidValidity, long uid) {
            throw new UnsupportedOperationException("the SMTP tests only deliver");
        }

        @Override
        public int delete(String accountId, String folder, long uidValidity, java.util.Collection<Long> uids) {
            throw new UnsupportedOperationException("the SMTP tests only deliver");
        }
    }

    /** Quotas: each account's usage and limit as a test sets them (default: none); nothing else. */
    static final class Quotas {
        final Map<String, org.postern.api.mail.Mailboxes.QuotaUsage> usage = new ConcurrentHashMap<>();
        volatile RuntimeException fail;

        org.postern.api.mail.Mailboxes service() {
            return (org.postern.api.mail.Mailboxes) java.lang.reflect.Proxy.newProxyInstance(
                    Fakes.class.getClassLoader(), new Class<?>[] {org.postern.api.mail.Mailboxes.class},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "quota":
                                if (fail != null) {
                                    throw fail;
                                }
                                return usage.getOrDefault((String) args[0],
                                        new org.postern.api.mail.Mailboxes.QuotaUsage(0, 0));
                            case "toString":
                                return "Fakes.Quotas";
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            default:
                                throw new UnsupportedOperationException(method.getName());
                        }
                    });
        }
    }
}
