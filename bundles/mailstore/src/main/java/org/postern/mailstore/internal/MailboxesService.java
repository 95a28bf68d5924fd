package org.postern.mailstore.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.account.Account;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.OverQuotaException;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.config.ConfigCheck;
import org.postern.core.store.MailboxRepository;
import org.postern.core.store.MessageRepository;
import org.postern.core.store.StoreUnavailableException;
import org.postern.mime.MessageStructure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Mailboxes} over the store's {@link MailboxRepository}: checks names and flags, works out
 * an account's quota (its own or the configured default), writes appended bodies to the blob store
 * first, and gives every new account its default folders. Registered as Postern's own
 * ({@code postern.core=true}).
 */
@Component(service = {Mailboxes.class, AccountLifecycleListener.class}, property = CoreService.PROPERTY + "=true",
        configurationPid = MailStoreConfig.PID)
@Designate(ocd = MailStoreConfig.class)
public class MailboxesService implements Mailboxes, AccountLifecycleListener {
    private static final Logger LOG = LoggerFactory.getLogger(MailboxesService.class);
    static final int NAME_MAX = 255;
    /** RFC 3501 flag-keyword is an atom; longer ones are refused (a message's flags fit 1000 characters). */
    static final int KEYWORD_MAX = 100;
    static final long MIB = 1024L * 1024;
    /** The folders every account gets, with their SPECIAL-USE (INBOX has none). */
    static final List<Map.Entry<String, String>> DEFAULT_FOLDERS = List.of(Map.entry("Sent", SENT),
            Map.entry("Drafts", DRAFTS), Map.entry("Trash", TRASH), Map.entry("Junk", JUNK),
            Map.entry("Archive", ARCHIVE));
    static final Set<String> SPECIAL_USES = Set.of(SENT, DRAFTS, TRASH, JUNK, ARCHIVE);

    private final MailboxRepository repo;
    private final MessageRepository messages;
    private final BlobStore blobs;
    private volatile long defaultQuotaBytes;

    @Activate
    public MailboxesService(@Reference MailboxRepository repo, @Reference MessageRepository messages,
            @Reference(target = CoreService.TARGET) BlobStore blobs, MailStoreConfig config,
            Map<String, Object> properties) {
        this(repo, messages, blobs, checked(config, properties));
    }

    MailboxesService(MailboxRepository repo, MessageRepository messages, BlobStore blobs, long defaultQuotaBytes) {
        this.repo = repo;
        this.messages = messages;
        this.blobs = blobs;
        this.defaultQuotaBytes = defaultQuotaBytes;
    }

    /** A changed default applies at once; a malformed one is logged and the previous one kept. */
    @Modified
    void modified(MailStoreConfig config, Map<String, Object> properties) {
        try {
            defaultQuotaBytes = checked(config, properties);
        } catch (IllegalArgumentException e) {
            // logged by checked()
        }
    }

    private static long checked(MailStoreConfig config, Map<String, Object> properties) {
        try {
            ConfigCheck.of(MailStoreConfig.PID, properties).isLong("quota.default.mb", 0, Long.MAX_VALUE / MIB)
                    .throwIfInvalid();
        } catch (IllegalArgumentException e) {
            LOG.error("Postern mail store: {}", e.getMessage());
            throw e;
        }
        return config.quota_default_mb() * MIB;
    }

    // ---- names and flags ----

    /** INBOX in any case is INBOX, also as the first level of a longer name. */
    static String canonical(String name) {
        if (name == null) {
            throw new FolderNotFoundException("(none)");
        }
        return Mailboxes.canonicalName(name);
    }

    static final String INBOX_NAME = "INBOX";

    /**
     * A name for a new folder: canonical, not empty, at most 255 characters, no empty level
     * ({@code /} first, last or twice in a row), no control characters.
     */
    static String checkedName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a folder name is not empty");
        }
        String n = canonical(name);
        if (n.length() > NAME_MAX) {
            throw new IllegalArgumentException("a folder name is at most " + NAME_MAX + " characters");
        }
        if (n.startsWith("/") || n.endsWith("/") || n.contains("//")) {
            throw new IllegalArgumentException("a folder name has no empty level: " + n);
        }
        if (n.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new IllegalArgumentException("a folder name has no control characters");
        }
        return n;
    }

    /**
     * Flags as stored: system flags in their canonical case ({@code \seen} is {@code \Seen}),
     * {@code \Recent} dropped (a session's), keywords as atoms.
     *
     * @throws IllegalArgumentException for an unknown system flag or a keyword that is not an atom
     */
    static Set<String> checkedFlags(Set<String> flags) {
        Set<String> out = new LinkedHashSet<>();
        if (flags == null) {
            return out;
        }
        for (String f : flags) {
            if (f.startsWith("\\")) {
                if (f.equalsIgnoreCase("\\Recent")) {
                    continue;
                }
                String system = SYSTEM_FLAGS.stream().filter(s -> s.equalsIgnoreCase(f)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown system flag " + f));
                out.add(system);
            } else {
                if (f.isEmpty() || f.length() > KEYWORD_MAX || f.chars().anyMatch(MailboxesService::notAtomChar)) {
                    throw new IllegalArgumentException("a keyword is an atom of at most " + KEYWORD_MAX
                            + " characters: " + f);
                }
                out.add(f);
            }
        }
        return out;
    }

    /** RFC 3501 ATOM-CHAR: not atom-specials ( ) { SP CTL % * " \ ]. */
    private static boolean notAtomChar(int ch) {
        return ch <= 0x20 || ch >= 0x7f || "(){%*\"\\]".indexOf(ch) >= 0;
    }

    // ---- folders ----

    @Override
    public void ensureDefaultFolders(String accountId) {
        List<MailboxRepository.FolderName> have = repo.folderNames(accountId);
        boolean complete = have.stream().anyMatch(f -> f.name().equals(INBOX_NAME))
                && DEFAULT_FOLDERS.stream().allMatch(d -> have.stream().anyMatch(f -> d.getValue().equals(f.specialUse())));
        if (complete) {
            return; // every login: one read
        }
        repo.ensureFolder(accountId, INBOX_NAME, null);
        for (Map.Entry<String, String> d : DEFAULT_FOLDERS) {
            repo.ensureFolder(accountId, d.getKey(), d.getValue());
        }
    }

    @Override
    public void created(Account account) {
        ensureDefaultFolders(account.id());
    }

    @Override
    public List<FolderInfo> folders(String accountId) {
        return repo.folders(accountId);
    }

    @Override
    public Optional<FolderInfo> folder(String accountId, String name) {
        return name == null ? Optional.empty() : repo.folder(accountId, canonical(name));
    }

    @Override
    public FolderInfo createFolder(String accountId, String name, String specialUse) {
        String n = checkedName(name);
        if (specialUse != null && !SPECIAL_USES.contains(specialUse)) {
            throw new IllegalArgumentException("unknown SPECIAL-USE " + specialUse);
        }
        return repo.createFolder(accountId, n, specialUse);
    }

    /** @throws IllegalArgumentException for INBOX, which cannot be deleted */
    @Override
    public void deleteFolder(String accountId, String name) {
        String n = canonical(name);
        if (n.equals(INBOX_NAME)) {
            throw new IllegalArgumentException("INBOX cannot be deleted");
        }
        repo.deleteFolder(accountId, n);
    }

    @Override
    public void renameFolder(String accountId, String from, String to) {
        String f = canonical(from);
        String t = checkedName(to);
        if (t.equals(INBOX_NAME)) {
            throw new FolderExistsException(INBOX_NAME); // INBOX always exists (a delivery makes it)
        }
        repo.renameFolder(accountId, f, t);
    }

    @Override
    public void setSubscribed(String accountId, String name, boolean subscribed) {
        repo.setSubscribed(accountId, canonical(name), subscribed);
    }

    // ---- messages ----

    @Override
    public FolderView view(String accountId, String folder) {
        return repo.view(accountId, canonical(folder));
    }

    @Override
    public FolderChanges changes(String accountId, String folder, long uidValidity, long sinceModseq) {
        return repo.changes(accountId, canonical(folder), uidValidity, sinceModseq);
    }

    @Override
    public StoreResult storeFlags(String accountId, String folder, long uidValidity, Collection<Long> uids,
            FlagUpdate how, Set<String> flags, long unchangedSince) {
        return repo.storeFlags(accountId, canonical(folder), uidValidity, uids, how, checkedFlags(flags),
                unchangedSince);
    }

    @Override
    public List<Long> expunge(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        return repo.expunge(accountId, canonical(folder), uidValidity, uids);
    }

    @Override
    public CopyResult copy(String accountId, String from, long uidValidity, Collection<Long> uids, String to,
            boolean move) {
        return repo.copy(accountId, canonical(from), uidValidity, uids, canonical(to), move, limit(accountId));
    }

    /**
     * Refused before anything is written when the folder is missing or the account is already at
     * its limit (the content is still read to its end); otherwise the body is made durable, then
     * filed, and deleted again when filing fails. When the database went away during the commit
     * the body is left to the store's sweep for orphaned blobs, which deletes it only if no row
     * refers to it (the commit may have happened).
     */
    @Override
    public AppendResult append(String accountId, String folder, InputStream content, Set<String> flags,
            Instant internalDate) throws IOException {
        String f = canonical(folder);
        Set<String> checked;
        long limit;
        try {
            checked = checkedFlags(flags);
            limit = limit(accountId);
            // folderNames, not folder(): that one counts the folder's messages and unseen ones,
            // a scan per APPEND of a big folder. A missing folder is refused before the quota
            // (TRYCREATE, not OVERQUOTA) and before any body is written.
            if (repo.folderNames(accountId).stream().noneMatch(n -> n.name().equals(f))) {
                throw new FolderNotFoundException(f);
            }
            if (limit > 0 && repo.usedBytes(accountId) >= limit) {
                throw new OverQuotaException(accountId);
            }
        } catch (RuntimeException refused) {
            content.transferTo(OutputStream.nullOutputStream());
            throw refused;
        }
        BlobId body = blobs.put(content);
        try {
            long size = blobs.size(body);
            // Parsed once, from the body just made durable (StructureParsing says why not a tee),
            // and filed with the row in one transaction.
            byte[] structure = StructureParsing.storable(StructureParsing.parse(blobs, body, size));
            return repo.append(accountId, f, body, size, checked, internalDate, limit, structure);
        } catch (StoreUnavailableException maybeCommitted) {
            throw maybeCommitted;
        } catch (IOException | RuntimeException e) {
            discard(body);
            throw e;
        }
    }

    private void discard(BlobId body) {
        try {
            blobs.delete(body);
        } catch (IOException | RuntimeException e) {
            try {
                messages.recordForDeletion(List.of(body), "failed-append");
            } catch (RuntimeException alsoFailed) {
                LOG.warn("Postern: could not delete an appended body nor record it for deletion; the sweep for "
                        + "orphaned blobs will: {}", alsoFailed.toString());
            }
        }
    }

    @Override
    public Optional<MessageInfo> message(String accountId, String folder, long uidValidity, long uid) {
        return repo.message(accountId, canonical(folder), uidValidity, uid);
    }

    @Override
    public Optional<org.postern.api.mail.SendingServer> sendingServer(String accountId, String folder, long uidValidity,
            long uid) {
        return repo.sendingServer(accountId, canonical(folder), uidValidity, uid);
    }

    @Override
    public Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid) throws IOException {
        Optional<BlobId> body = repo.body(accountId, canonical(folder), uidValidity, uid);
        return body.isEmpty() ? Optional.empty() : blobs.open(body.get());
    }

    /**
     * One query for the batch. A message without a stored structure (filed before schema
     * version 8) is parsed from its body now and written back, all of the batch's in one
     * transaction (lazy backfill: once per message). A stored structure of another format (a
     * newer node's) is answered by parsing and left as it is; one too large for the row is
     * parsed at every call, as every structure was before they were stored. A body that cannot
     * be read leaves its UID out. A failed write-back is only logged: the answer is right anyway.
     */
    @Override
    public Map<Long, byte[]> structures(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        String f = canonical(folder);
        Map<Long, byte[]> out = new java.util.LinkedHashMap<>();
        Map<Long, byte[]> backfill = new java.util.TreeMap<>();
        for (MailboxRepository.StoredStructure row : repo.structures(accountId, f, uidValidity, uids)) {
            byte[] stored = row.structure();
            if (stored != null && stored.length > 0 && (stored[0] & 0xff) == MessageStructure.FORMAT_VERSION) {
                out.put(row.uid(), stored);
                continue;
            }
            byte[] parsed;
            try {
                parsed = StructureParsing.parse(blobs, row.body(), blobs.size(row.body()));
            } catch (IOException | RuntimeException gone) {
                parsed = null;
            }
            if (parsed == null) {
                continue;
            }
            out.put(row.uid(), parsed);
            if (stored == null && StructureParsing.storable(parsed) != null) {
                backfill.put(row.uid(), parsed);
            }
        }
        if (!backfill.isEmpty()) {
            try {
                repo.backfillStructures(accountId, f, uidValidity, backfill);
            } catch (RuntimeException e) {
                LOG.debug("Postern mail store: could not write back {} parsed structures: {}", backfill.size(),
                        e.toString());
            }
        }
        return out;
    }

    // ---- quota ----

    @Override
    public QuotaUsage quota(String accountId) {
        MailboxRepository.Usage u = repo.usage(accountId);
        return new QuotaUsage(u.usedBytes(), u.quotaBytes().orElse(defaultQuotaBytes));
    }

    /** The account's own limit, else the configured default; 0: none. */
    long limit(String accountId) {
        return repo.quotaBytes(accountId).orElse(defaultQuotaBytes);
    }

    long defaultQuotaBytes() {
        return defaultQuotaBytes;
    }
}
