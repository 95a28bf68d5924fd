package org.postern.store.internal;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes.AppendResult;
import org.postern.api.mail.Mailboxes.CopyResult;
import org.postern.api.mail.Mailboxes.FlagUpdate;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.api.mail.Mailboxes.StoreResult;
import org.postern.api.mail.OverQuotaException;
import org.postern.api.store.BlobId;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.MailboxRepository;

/**
 * Folders and messages for IMAP. Locks, in the order every writer takes them: the account row
 * (only to create or rename folders, as account removal does), then folder rows (two at once in
 * id order). Reads that other folders' rows (the account's usage for a quota check) happen before
 * any folder lock, so that Derby, whose reads wait for row locks, cannot deadlock two copies.
 */
@Component(service = MailboxRepository.class)
public class JdbcMailboxRepository implements MailboxRepository {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** {@code message.flags} is VARCHAR(1000). */
    static final int FLAGS_MAX = 1000;
    static final int NAME_MAX = 255;
    static final String INBOX = "INBOX";
    /** Above this many UIDs, a folder's rows are read whole and filtered here instead of by IN lists. */
    static final int READ_WHOLE_ABOVE = 500;
    private static final String SEEN_PATTERN = "%\\Seen%";
    private static final String DELETED_PATTERN = "%\\Deleted%";

    private static final String BOX_COLUMNS = "id, name, special_use, subscribed, uid_validity, uid_next, "
            + "highest_modseq, used_bytes, expunged_modseq";

    private final Database db;

    @Activate
    public JdbcMailboxRepository(@Reference Database db) {
        this.db = db;
    }

    /** A folder's row; {@code expungedModseq}: V009, see {@link #changes}. */
    record Box(String id, String name, String specialUse, boolean subscribed, long uidValidity, long uidNext,
            long highestModseq, long usedBytes, long expungedModseq) {
        FolderInfo info(long messages, long unseen) {
            return new FolderInfo(name, specialUse, subscribed, uidValidity, uidNext, highestModseq, messages, unseen,
                    usedBytes);
        }
    }

    /** A message row, as copying needs it. */
    private record Row(long uid, long modseq, String flags, long size, long received, String blobId, String recipient,
            String envelopeSender, String serverIp, String serverEhlo, String serverName) {
    }

    // ---- folders ----

    @Override
    public List<FolderInfo> folders(String accountId) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        List<FolderInfo> out = db.query("SELECT " + prefixed("b.") + ", "
                + "(SELECT COUNT(*) FROM message m WHERE m.mailbox_id = b.id), "
                + "(SELECT COUNT(*) FROM message m WHERE m.mailbox_id = b.id AND m.flags NOT LIKE ? ESCAPE '!') "
                + "FROM mailbox b WHERE b.account_id = ?", ps -> {
                    ps.setString(1, SEEN_PATTERN);
                    ps.setString(2, accountId);
                }, rs -> box(rs).info(rs.getLong(10), rs.getLong(11)));
        return out.stream().sorted(Comparator.comparing(FolderInfo::name)).toList();
    }

    @Override
    public List<FolderName> folderNames(String accountId) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.query("SELECT name, special_use FROM mailbox WHERE account_id = ?", ps -> ps.setString(1, accountId),
                rs -> new FolderName(rs.getString(1), rs.getString(2))).stream()
                .sorted(Comparator.comparing(FolderName::name)).toList();
    }

    @Override
    public Optional<FolderInfo> folder(String accountId, String name) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.queryOne("SELECT " + prefixed("b.") + ", "
                + "(SELECT COUNT(*) FROM message m WHERE m.mailbox_id = b.id), "
                + "(SELECT COUNT(*) FROM message m WHERE m.mailbox_id = b.id AND m.flags NOT LIKE ? ESCAPE '!') "
                + "FROM mailbox b WHERE b.account_id = ? AND b.name = ?", ps -> {
                    ps.setString(1, SEEN_PATTERN);
                    ps.setString(2, accountId);
                    ps.setString(3, name);
                }, rs -> box(rs).info(rs.getLong(10), rs.getLong(11)));
    }

    @Override
    public FolderInfo createFolder(String accountId, String name, String specialUse) {
        try {
            return db.transaction(c -> {
                lockAccount(c, accountId);
                Box b = insertBox(c, accountId, name, specialUse, false);
                db.changed(c, ChangeListener.MAIL, accountId);
                return b.info(0, 0);
            });
        } catch (DuplicateKeyException e) {
            throw new FolderExistsException(name);
        }
    }

    @Override
    public boolean ensureFolder(String accountId, String name, String specialUse) {
        try {
            return db.transaction(c -> {
                // Every folder creation takes the account's lock first: no two run at once.
                lockAccount(c, accountId);
                if (specialUse != null && !Database.query(c, "SELECT id FROM mailbox WHERE account_id = ? "
                        + "AND special_use = ?", ps -> {
                            ps.setString(1, accountId);
                            ps.setString(2, specialUse);
                        }, rs -> rs.getString(1)).isEmpty()) {
                    return false;
                }
                Optional<Box> existing = find(c, accountId, name);
                if (existing.isPresent()) {
                    if (specialUse != null && existing.get().specialUse() == null) {
                        Database.update(c, "UPDATE mailbox SET special_use = ? WHERE id = ?", ps -> {
                            ps.setString(1, specialUse);
                            ps.setString(2, existing.get().id());
                        });
                        db.changed(c, ChangeListener.MAIL, accountId);
                    }
                    return false;
                }
                insertBox(c, accountId, name, specialUse, true);
                db.changed(c, ChangeListener.MAIL, accountId);
                return true;
            });
        } catch (DuplicateKeyException raced) {
            return false; // a rename took the name meanwhile
        }
    }

    @Override
    public void deleteFolder(String accountId, String name) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        long now = System.currentTimeMillis();
        List<BlobId> bodies = db.transaction(c -> {
            Box b = lock(c, accountId, name, null);
            List<BlobId> recorded = PendingDeletions.deleteFolder(c, b.id(), PendingDeletions.FOLDER_DELETED, now);
            db.changed(c, ChangeListener.MAIL, accountId);
            return recorded;
        });
        kick(bodies.size());
    }

    @Override
    public void renameFolder(String accountId, String from, String to) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        if (to.equals(from)) {
            throw new FolderExistsException(to);
        }
        if (to.startsWith(from + "/")) {
            throw new IllegalArgumentException("cannot rename " + from + " to a folder below itself");
        }
        try {
            db.transaction(c -> {
                lockAccount(c, accountId);
                if (from.equals(INBOX)) {
                    renameInbox(c, accountId, to);
                } else {
                    renameTree(c, accountId, from, to);
                }
                db.changed(c, ChangeListener.MAIL, accountId);
                return null;
            });
        } catch (DuplicateKeyException raced) {
            throw new FolderExistsException(to);
        }
    }

    /** RFC 3501 6.3.5: INBOX's messages go to a new folder; INBOX stays, empty; its children stay. */
    private void renameInbox(Connection c, String accountId, String to) throws SQLException {
        Box inbox = lock(c, accountId, INBOX, null);
        if (find(c, accountId, to).isPresent()) {
            throw new FolderExistsException(to);
        }
        Box target = insertBox(c, accountId, to, null, inbox.subscribed());
        Database.update(c, "UPDATE mailbox SET uid_next = ?, highest_modseq = ?, used_bytes = ? WHERE id = ?", ps -> {
            ps.setLong(1, inbox.uidNext());
            ps.setLong(2, inbox.highestModseq());
            ps.setLong(3, inbox.usedBytes());
            ps.setString(4, target.id());
        });
        // The new folder has a new UIDVALIDITY: its messages keep their UIDs and MODSEQs.
        Database.update(c, "UPDATE message SET mailbox_id = ? WHERE mailbox_id = ?", ps -> {
            ps.setString(1, target.id());
            ps.setString(2, inbox.id());
        });
        Database.update(c, "UPDATE mailbox SET used_bytes = 0, highest_modseq = highest_modseq + 1, "
                + "expunged_modseq = highest_modseq + 1 WHERE id = ?", ps -> ps.setString(1, inbox.id()));
    }

    private void renameTree(Connection c, String accountId, String from, String to) throws SQLException {
        List<Box> all = Database.query(c, "SELECT " + BOX_COLUMNS + " FROM mailbox WHERE account_id = ?",
                ps -> ps.setString(1, accountId), JdbcMailboxRepository::box);
        List<Box> moving = all.stream().filter(b -> b.name().equals(from) || b.name().startsWith(from + "/"))
                .sorted(Comparator.comparingInt((Box b) -> b.name().length())).toList();
        if (moving.stream().noneMatch(b -> b.name().equals(from))) {
            throw new FolderNotFoundException(from);
        }
        Set<String> staying = new HashSet<>();
        all.stream().filter(b -> !moving.contains(b)).forEach(b -> staying.add(b.name()));
        for (Box b : moving) {
            String newName = to + b.name().substring(from.length());
            if (newName.length() > NAME_MAX) {
                throw new IllegalArgumentException("folder name longer than " + NAME_MAX + " characters: " + newName);
            }
            if (staying.contains(newName)) {
                throw new FolderExistsException(newName);
            }
        }
        // Shortest first: renaming a/b to a renames a/b before a/b/b takes its old name.
        for (Box b : moving) {
            String newName = to + b.name().substring(from.length());
            Database.update(c, "UPDATE mailbox SET name = ?, highest_modseq = highest_modseq + 1 WHERE id = ?", ps -> {
                ps.setString(1, newName);
                ps.setString(2, b.id());
            });
        }
    }

    @Override
    public void setSubscribed(String accountId, String name, boolean subscribed) {
        db.transaction(c -> {
            if (Database.update(c, "UPDATE mailbox SET subscribed = ? WHERE account_id = ? AND name = ?", ps -> {
                ps.setInt(1, subscribed ? 1 : 0);
                ps.setString(2, accountId);
                ps.setString(3, name);
            }) != 1) {
                throw new FolderNotFoundException(name);
            }
            db.changed(c, ChangeListener.MAIL, accountId);
            return null;
        });
    }

    // ---- reading ----

    @Override
    public FolderView view(String accountId, String name) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.transaction(c -> {
            Box b = find(c, accountId, name).orElseThrow(() -> new FolderNotFoundException(name));
            List<MessageInfo> messages = listing(c, b.id());
            return new FolderView(consistent(b, messages), messages);
        });
    }

    @Override
    public FolderChanges changes(String accountId, String name, long uidValidity, long sinceModseq) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.transaction(c -> {
            Box b = find(c, accountId, name).filter(x -> x.uidValidity() == uidValidity)
                    .orElseThrow(() -> new FolderNotFoundException(name));
            // The box first: whatever commits while the rest is read shows in the rows, and the
            // counters are raised to cover it below. Only the changed rows are read (by the
            // MODSEQ index) and the UIDs (from the primary key): a resync after each STORE to a
            // 10,000-message folder must not read all of it.
            List<MessageInfo> changed = changedSince(c, b.id(), sinceModseq);
            // The UID list only when rows were deleted since (expunged_modseq, V009): reading it
            // takes a row lock per message in Derby, a third of a loaded server's CPU. Read after
            // the changed rows, not with the box: an expunge committed in between, followed by a
            // change whose MODSEQ is reported below, would otherwise be covered by that MODSEQ
            // and never read. One committed after this read has an expunged_modseq above every
            // MODSEQ reported here, so the caller's next call sees it.
            long expunged = Database.query(c, "SELECT expunged_modseq FROM mailbox WHERE id = ?",
                    ps -> ps.setString(1, b.id()), rs -> rs.getLong(1)).stream().findFirst().orElse(Long.MAX_VALUE);
            long[] uids = expunged <= sinceModseq ? null
                    : Database.query(c, "SELECT uid FROM message WHERE mailbox_id = ? ORDER BY uid",
                            ps -> ps.setString(1, b.id()), rs -> rs.getLong(1)).stream().mapToLong(Long::longValue)
                            .toArray();
            long uidNext = b.uidNext();
            long modseq = b.highestModseq();
            for (MessageInfo m : changed) {
                uidNext = Math.max(uidNext, m.uid() + 1);
                modseq = Math.max(modseq, m.modseq());
            }
            return new FolderChanges(b.name(), b.uidValidity(), uidNext, modseq, changed, uids);
        });
    }

    /**
     * The folder's counters as of its messages, read after it: a change committed between the two
     * reads shows in the messages, so the counters are raised to cover it (changes to one folder
     * commit in MODSEQ order, under its row lock). Never a HIGHESTMODSEQ below a change the list lacks.
     */
    private static FolderInfo consistent(Box b, List<MessageInfo> messages) {
        long uidNext = b.uidNext();
        long modseq = b.highestModseq();
        long unseen = 0;
        long size = 0;
        for (MessageInfo m : messages) {
            uidNext = Math.max(uidNext, m.uid() + 1);
            modseq = Math.max(modseq, m.modseq());
            size += m.size();
            if (!m.flags().contains("\\Seen")) {
                unseen++;
            }
        }
        return new FolderInfo(b.name(), b.specialUse(), b.subscribed(), b.uidValidity(), uidNext, modseq,
                messages.size(), unseen, size);
    }

    @Override
    public Optional<BlobId> body(String accountId, String folder, long uidValidity, long uid) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.queryOne("SELECT m.blob_id FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ? AND b.name = ? AND b.uid_validity = ? AND m.uid = ?", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, folder);
                    ps.setLong(3, uidValidity);
                    ps.setLong(4, uid);
                }, rs -> BlobId.of(rs.getString(1).trim()));
    }

    @Override
    public Optional<MessageInfo> message(String accountId, String folder, long uidValidity, long uid) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        ListedRow row = new ListedRow();
        return db.queryOne("SELECT m.uid, m.modseq, m.flags, m.size, m.received FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ? AND b.name = ? AND b.uid_validity = ? AND m.uid = ?", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, folder);
                    ps.setLong(3, uidValidity);
                    ps.setLong(4, uid);
                }, row::info);
    }

    @Override
    public Optional<org.postern.api.mail.SendingServer> sendingServer(String accountId, String folder, long uidValidity,
            long uid) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.query("SELECT m.server_ip, m.server_ehlo, m.server_name FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ? AND b.name = ? AND b.uid_validity = ? AND m.uid = ?", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, folder);
                    ps.setLong(3, uidValidity);
                    ps.setLong(4, uid);
                }, rs -> Optional.ofNullable(rs.getString(1) == null ? null
                        : new org.postern.api.mail.SendingServer(rs.getString(1), rs.getString(2), rs.getString(3))))
                .stream().flatMap(Optional::stream).findFirst();
    }

    // ---- changing messages ----

    @Override
    public StoreResult storeFlags(String accountId, String folder, long uidValidity, Collection<Long> uids,
            FlagUpdate how, Set<String> flags, long unchangedSince) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        if (uids.isEmpty()) {
            return new StoreResult(List.of(), List.of());
        }
        return db.transaction(c -> {
            Box b = lock(c, accountId, folder, uidValidity);
            long modseq = b.highestModseq() + 1;
            List<MessageInfo> updated = new ArrayList<>();
            List<Long> conflicts = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE message SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?")) {
                for (Row r : rows(c, b.id(), uids)) {
                    if (unchangedSince > 0 && r.modseq() > unchangedSince) {
                        conflicts.add(r.uid());
                        continue;
                    }
                    Set<String> now = apply(parseFlags(r.flags()), how, flags);
                    String stored = formatFlags(now);
                    if (stored.equals(formatFlags(parseFlags(r.flags())))) {
                        continue; // nothing changes: no new MODSEQ (RFC 7162 3.1.3)
                    }
                    if (stored.length() > FLAGS_MAX) {
                        throw new IllegalArgumentException("too many flags on message " + r.uid());
                    }
                    ps.setString(1, stored);
                    ps.setLong(2, modseq);
                    ps.setString(3, b.id());
                    ps.setLong(4, r.uid());
                    ps.addBatch();
                    updated.add(new MessageInfo(r.uid(), modseq, now, r.size(), Instant.ofEpochMilli(r.received())));
                }
                if (!updated.isEmpty()) {
                    ps.executeBatch();
                }
            }
            if (!updated.isEmpty()) {
                Database.update(c, "UPDATE mailbox SET highest_modseq = ? WHERE id = ?", ps -> {
                    ps.setLong(1, modseq);
                    ps.setString(2, b.id());
                });
                db.changed(c, ChangeListener.MAIL, accountId);
            }
            return new StoreResult(updated, conflicts);
        });
    }

    private static Set<String> apply(Set<String> current, FlagUpdate how, Set<String> flags) {
        Set<String> out = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        switch (how) {
            case REPLACE -> out.addAll(flags);
            case ADD -> {
                out.addAll(current);
                out.addAll(flags);
            }
            case REMOVE -> {
                out.addAll(current);
                flags.forEach(out::remove); // not removeAll: that may ask flags.contains, case-sensitive
            }
            default -> throw new IllegalArgumentException(String.valueOf(how));
        }
        return out;
    }

    @Override
    public List<Long> expunge(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        long now = System.currentTimeMillis();
        PendingDeletions.Deleted deleted = db.transaction(c -> {
            Box b = lock(c, accountId, folder, uidValidity);
            List<Long> flagged = Database.query(c, "SELECT uid FROM message WHERE mailbox_id = ? "
                    + "AND flags LIKE ? ESCAPE '!'", ps -> {
                        ps.setString(1, b.id());
                        ps.setString(2, DELETED_PATTERN);
                    }, rs -> rs.getLong(1));
            if (uids != null) {
                flagged.retainAll(new HashSet<>(uids));
            }
            if (flagged.isEmpty()) {
                return PendingDeletions.Deleted.NOTHING;
            }
            PendingDeletions.Deleted d = PendingDeletions.deleteMessages(c, b.id(), flagged,
                    PendingDeletions.EXPUNGED, now);
            if (!d.uids().isEmpty()) {
                Database.update(c, "UPDATE mailbox SET highest_modseq = highest_modseq + 1 WHERE id = ?",
                        ps -> ps.setString(1, b.id()));
                db.changed(c, ChangeListener.MAIL, accountId);
            }
            return d;
        });
        kick(deleted.bodies().size());
        return deleted.uids();
    }

    @Override
    public CopyResult copy(String accountId, String from, long uidValidity, Collection<Long> uids, String to,
            boolean move, long quotaLimit) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.transaction(c -> {
            Box src0 = find(c, accountId, from).filter(b -> b.uidValidity() == uidValidity)
                    .orElseThrow(() -> new FolderNotFoundException(from));
            Box dst0 = find(c, accountId, to).orElseThrow(() -> new FolderNotFoundException(to));
            // Before any folder lock: this reads every folder row of the account (see the class comment).
            long used = quotaLimit > 0 && !move ? usedBytes(c, accountId) : 0;
            // Two folder locks, always in id order: a copy A to B and one B to A cannot deadlock.
            for (String id : new TreeSet<>(List.of(src0.id(), dst0.id()))) {
                if (Database.update(c, "UPDATE mailbox SET uid_next = uid_next WHERE id = ?",
                        ps -> ps.setString(1, id)) != 1) {
                    throw new FolderNotFoundException(id.equals(src0.id()) ? from : to);
                }
            }
            Box src = byId(c, src0.id());
            Box dst = byId(c, dst0.id());
            List<Row> rows = uids.isEmpty() ? List.of() : rows(c, src.id(), uids);
            if (rows.isEmpty()) {
                return new CopyResult(dst.uidValidity(), List.of(), List.of());
            }
            // The parsed structure goes along with the row (V008), as the body does.
            java.util.Map<Long, String> structures = structureColumns(c, src.id(),
                    rows.stream().map(Row::uid).toList());
            long bytes = rows.stream().mapToLong(Row::size).sum();
            if (quotaLimit > 0 && !move && used + bytes > quotaLimit) {
                throw new OverQuotaException(accountId);
            }
            long modseq = dst.highestModseq() + 1;
            long firstUid = dst.uidNext();
            List<Long> sourceUids = new ArrayList<>();
            List<Long> targetUids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO message (mailbox_id, uid, modseq, blob_id, "
                    + "size, received, flags, recipient, envelope_sender, server_ip, server_ehlo, server_name, "
                    + "structure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                long uid = firstUid;
                for (Row r : rows) {
                    ps.setString(1, dst.id());
                    ps.setLong(2, uid);
                    ps.setLong(3, modseq);
                    ps.setString(4, r.blobId());
                    ps.setLong(5, r.size());
                    ps.setLong(6, r.received());
                    ps.setString(7, r.flags());
                    ps.setString(8, r.recipient());
                    ps.setString(9, r.envelopeSender());
                    ps.setString(10, r.serverIp());
                    ps.setString(11, r.serverEhlo());
                    ps.setString(12, r.serverName());
                    ps.setString(13, structures.get(r.uid()));
                    ps.addBatch();
                    sourceUids.add(r.uid());
                    targetUids.add(uid);
                    uid++;
                }
                ps.executeBatch();
            }
            Database.update(c, "UPDATE mailbox SET uid_next = ?, highest_modseq = ?, used_bytes = used_bytes + ? "
                    + "WHERE id = ?", ps -> {
                        ps.setLong(1, firstUid + rows.size());
                        ps.setLong(2, modseq);
                        ps.setLong(3, bytes);
                        ps.setString(4, dst.id());
                    });
            if (move) {
                // The bodies stay: the new rows refer to them. So no record for deletion here.
                for (int i = 0; i < sourceUids.size(); i += PendingDeletions.IN_CHUNK) {
                    List<Long> chunk = sourceUids.subList(i, Math.min(sourceUids.size(), i + PendingDeletions.IN_CHUNK));
                    Database.update(c, "DELETE FROM message WHERE mailbox_id = ? AND uid IN (" + marks(chunk.size())
                            + ")", ps -> {
                                ps.setString(1, src.id());
                                for (int k = 0; k < chunk.size(); k++) {
                                    ps.setLong(k + 2, chunk.get(k));
                                }
                            });
                }
                Database.update(c, "UPDATE mailbox SET highest_modseq = highest_modseq + 1, "
                        + "expunged_modseq = highest_modseq + 1, used_bytes = used_bytes - ? WHERE id = ?", ps -> {
                            ps.setLong(1, bytes);
                            ps.setString(2, src.id());
                        });
            }
            db.changed(c, ChangeListener.MAIL, accountId);
            return new CopyResult(dst.uidValidity(), sourceUids, targetUids);
        });
    }

    @Override
    public AppendResult append(String accountId, String folder, BlobId body, long size, Set<String> flags,
            Instant internalDate, long quotaLimit, byte[] structure) {
        String structureColumn = Structures.encode(structure);
        String stored = formatFlags(flags);
        if (stored.length() > FLAGS_MAX) {
            throw new IllegalArgumentException("too many flags");
        }
        return db.transaction(c -> {
            // Read before the folder lock, as a delivery does (store README: a folder being created
            // holds the account row and may wait for this folder's row).
            if (Database.query(c, "SELECT status FROM account WHERE id = ?", ps -> ps.setString(1, accountId),
                    rs -> rs.getString(1)).stream().noneMatch(s -> !s.equals("REMOVED"))) {
                throw new AccountGoneException(accountId);
            }
            if (quotaLimit > 0 && usedBytes(c, accountId) + size > quotaLimit) {
                throw new OverQuotaException(accountId);
            }
            if (Database.update(c, "UPDATE mailbox SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, "
                    + "used_bytes = used_bytes + ? WHERE account_id = ? AND name = ?", ps -> {
                        ps.setLong(1, size);
                        ps.setString(2, accountId);
                        ps.setString(3, folder);
                    }) != 1) {
                throw new FolderNotFoundException(folder);
            }
            Box b = find(c, accountId, folder).orElseThrow(() -> new FolderNotFoundException(folder));
            long uid = b.uidNext() - 1;
            Database.update(c, "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient, "
                    + "structure) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)", ps -> {
                        ps.setString(1, b.id());
                        ps.setLong(2, uid);
                        ps.setLong(3, b.highestModseq());
                        ps.setString(4, body.value());
                        ps.setLong(5, size);
                        ps.setLong(6, (internalDate == null ? Instant.now() : internalDate).toEpochMilli());
                        ps.setString(7, stored);
                        ps.setString(8, structureColumn);
                    });
            db.changed(c, ChangeListener.MAIL, accountId);
            return new AppendResult(b.uidValidity(), uid);
        });
    }

    // ---- parsed structures (V008) ----

    /** Reads without locks, like {@link #view}: a row expunged meanwhile is simply not in the answer. */
    @Override
    public List<StoredStructure> structures(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        if (uids.isEmpty()) {
            return List.of();
        }
        return db.transaction(c -> {
            Box b = find(c, accountId, folder).filter(x -> x.uidValidity() == uidValidity)
                    .orElseThrow(() -> new FolderNotFoundException(folder));
            List<Long> list = List.copyOf(new TreeSet<>(uids));
            List<StoredStructure> out = new ArrayList<>(list.size());
            for (int from = 0; from < list.size(); from += PendingDeletions.IN_CHUNK) {
                List<Long> chunk = list.subList(from, Math.min(list.size(), from + PendingDeletions.IN_CHUNK));
                out.addAll(Database.query(c, "SELECT uid, blob_id, structure FROM message WHERE mailbox_id = ? "
                        + "AND uid IN (" + marks(chunk.size()) + ")", ps -> {
                            ps.setString(1, b.id());
                            for (int i = 0; i < chunk.size(); i++) {
                                ps.setLong(i + 2, chunk.get(i));
                            }
                        }, rs -> new StoredStructure(rs.getLong(1), BlobId.of(rs.getString(2).trim()),
                                Structures.decode(rs.getString(3)))));
            }
            out.sort(Comparator.comparingLong(StoredStructure::uid));
            return out;
        });
    }

    /**
     * Takes the folder's row lock first, the order every writer of message rows uses, so the
     * backfill cannot deadlock with an expunge or a STORE; writes only rows still without one.
     */
    @Override
    public int backfillStructures(String accountId, String folder, long uidValidity,
            java.util.Map<Long, byte[]> structures) {
        if (structures.isEmpty()) {
            return 0;
        }
        java.util.Map<Long, String> columns = new java.util.TreeMap<>();
        structures.forEach((uid, s) -> columns.put(uid, Structures.encode(s)));
        return db.transaction(c -> {
            if (Database.update(c, "UPDATE mailbox SET uid_next = uid_next WHERE account_id = ? AND name = ? "
                    + "AND uid_validity = ?", ps -> {
                        ps.setString(1, accountId);
                        ps.setString(2, folder);
                        ps.setLong(3, uidValidity);
                    }) != 1) {
                return 0; // gone: nothing to fill
            }
            Box b = find(c, accountId, folder).orElseThrow(() -> new FolderNotFoundException(folder));
            int written = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE message SET structure = ? WHERE mailbox_id = ? AND uid = ? AND structure IS NULL")) {
                for (java.util.Map.Entry<Long, String> e : columns.entrySet()) {
                    ps.setString(1, e.getValue());
                    ps.setString(2, b.id());
                    ps.setLong(3, e.getKey());
                    written += ps.executeUpdate();
                }
            }
            return written;
        });
    }

    /** The structure column of those rows, by UID (rows without one are absent). */
    private static java.util.Map<Long, String> structureColumns(Connection c, String mailboxId, List<Long> uids)
            throws SQLException {
        java.util.Map<Long, String> out = new java.util.HashMap<>();
        for (int from = 0; from < uids.size(); from += PendingDeletions.IN_CHUNK) {
            List<Long> chunk = uids.subList(from, Math.min(uids.size(), from + PendingDeletions.IN_CHUNK));
            Database.query(c, "SELECT uid, structure FROM message WHERE mailbox_id = ? AND structure IS NOT NULL "
                    + "AND uid IN (" + marks(chunk.size()) + ")", ps -> {
                        ps.setString(1, mailboxId);
                        for (int i = 0; i < chunk.size(); i++) {
                            ps.setLong(i + 2, chunk.get(i));
                        }
                    }, rs -> out.put(rs.getLong(1), rs.getString(2)));
        }
        return out;
    }

    // ---- quota ----

    @Override
    public long usedBytes(String accountId) {
        return db.transaction(c -> usedBytes(c, accountId));
    }

    private static long usedBytes(Connection c, String accountId) throws SQLException {
        return Database.query(c, "SELECT COALESCE(SUM(used_bytes), 0) FROM mailbox WHERE account_id = ?",
                ps -> ps.setString(1, accountId), rs -> rs.getLong(1)).get(0);
    }

    /** One statement in one transaction, where the two separate reads took two of each. */
    @Override
    public Usage usage(String accountId) {
        List<Usage> u = db.query("SELECT a.quota_bytes, "
                + "(SELECT COALESCE(SUM(b.used_bytes), 0) FROM mailbox b WHERE b.account_id = a.id) "
                + "FROM account a WHERE a.id = ?", ps -> ps.setString(1, accountId), rs -> {
                    long quota = rs.getLong(1);
                    OptionalLong own = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(quota);
                    return new Usage(rs.getLong(2), own);
                });
        return u.isEmpty() ? new Usage(0, OptionalLong.empty()) : u.get(0);
    }

    @Override
    public OptionalLong quotaBytes(String accountId) {
        List<OptionalLong> q = db.query("SELECT quota_bytes FROM account WHERE id = ?", ps -> ps.setString(1, accountId),
                rs -> {
                    long v = rs.getLong(1);
                    return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
                });
        return q.isEmpty() ? OptionalLong.empty() : q.get(0);
    }

    @Override
    public boolean setQuotaBytes(String accountId, Long bytes) {
        if (bytes != null && bytes < 0) {
            throw new IllegalArgumentException("a quota is not negative");
        }
        return db.transaction(c -> {
            int n = Database.update(c, "UPDATE account SET quota_bytes = ? WHERE id = ? AND status <> 'REMOVED'", ps -> {
                if (bytes == null) {
                    ps.setNull(1, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(1, bytes);
                }
                ps.setString(2, accountId);
            });
            if (n == 1) {
                db.changed(c, ChangeListener.ACCOUNT, accountId);
                db.changed(c, ChangeListener.MAIL, accountId);
            }
            return n == 1;
        });
    }

    // ---- helpers ----

    /** Row-locks the account until commit; refuses a removed or unknown one. */
    private static void lockAccount(Connection c, String accountId) throws SQLException {
        if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                ps -> ps.setString(1, accountId)) != 1) {
            throw new AccountGoneException(accountId);
        }
    }

    /** Creates a folder row; the caller holds the account's lock. */
    private static Box insertBox(Connection c, String accountId, String name, String specialUse, boolean subscribed)
            throws SQLException {
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        long uidValidity = Sequences.nextUidValidity(c);
        Database.update(c, "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq, "
                + "special_use, subscribed, used_bytes) VALUES (?, ?, ?, ?, 1, 1, ?, ?, 0)", ps -> {
                    ps.setString(1, id);
                    ps.setString(2, accountId);
                    ps.setString(3, name);
                    ps.setLong(4, uidValidity);
                    ps.setString(5, specialUse);
                    ps.setInt(6, subscribed ? 1 : 0);
                });
        return new Box(id, name, specialUse, subscribed, uidValidity, 1, 1, 0, 0);
    }

    /**
     * Row-locks the folder until commit (the lock a delivery takes) and reads it.
     *
     * @param uidValidity null: any
     */
    private static Box lock(Connection c, String accountId, String name, Long uidValidity) throws SQLException {
        int n = Database.update(c, "UPDATE mailbox SET uid_next = uid_next WHERE account_id = ? AND name = ?"
                + (uidValidity == null ? "" : " AND uid_validity = ?"), ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, name);
                    if (uidValidity != null) {
                        ps.setLong(3, uidValidity);
                    }
                });
        if (n != 1) {
            throw new FolderNotFoundException(name);
        }
        return find(c, accountId, name).orElseThrow(() -> new FolderNotFoundException(name));
    }

    private static Optional<Box> find(Connection c, String accountId, String name) throws SQLException {
        List<Box> b = Database.query(c, "SELECT " + BOX_COLUMNS + " FROM mailbox WHERE account_id = ? AND name = ?",
                ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, name);
                }, JdbcMailboxRepository::box);
        return b.isEmpty() ? Optional.empty() : Optional.of(b.get(0));
    }

    private static Box byId(Connection c, String id) throws SQLException {
        return Database.query(c, "SELECT " + BOX_COLUMNS + " FROM mailbox WHERE id = ?", ps -> ps.setString(1, id),
                JdbcMailboxRepository::box).get(0);
    }

    private static Box box(java.sql.ResultSet rs) throws SQLException {
        return new Box(rs.getString(1).trim(), rs.getString(2), rs.getString(3), rs.getInt(4) != 0, rs.getLong(5),
                rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9));
    }

    private static String prefixed(String alias) {
        return alias + BOX_COLUMNS.replace(", ", ", " + alias);
    }

    private static final String ROW_COLUMNS = "uid, modseq, flags, size, received, blob_id, recipient, "
            + "envelope_sender, server_ip, server_ehlo, server_name";

    private static Row row(java.sql.ResultSet rs) throws SQLException {
        return new Row(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                rs.getString(6).trim(), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getString(11));
    }

    /** Every message of the folder, ascending by UID. */
    private static List<Row> all(Connection c, String mailboxId) throws SQLException {
        return Database.query(c, "SELECT " + ROW_COLUMNS + " FROM message WHERE mailbox_id = ? ORDER BY uid",
                ps -> ps.setString(1, mailboxId), JdbcMailboxRepository::row);
    }

    /**
     * Every message of the folder as IMAP lists it, ascending by UID. Only the five columns a
     * listing needs, and each distinct flags string parsed once: a folder of 10,000 messages
     * has a handful of distinct flag sets, and every session's SELECT and resync reads it whole.
     */
    private static List<MessageInfo> listing(Connection c, String mailboxId) throws SQLException {
        ListedRow row = new ListedRow();
        return Database.query(c, "SELECT " + LISTED_COLUMNS + " FROM message WHERE mailbox_id = ? ORDER BY uid",
                ps -> ps.setString(1, mailboxId), row::info);
    }

    /**
     * Those with a MODSEQ above {@code sinceModseq}, ascending by UID, as {@link #listing}. They
     * come unordered and are sorted here: with ORDER BY uid, Derby walks the primary key through
     * every row of the folder to skip the sort, instead of taking the few rows above the MODSEQ
     * from the message_modseq index (measured: half of a loaded IMAP server's CPU).
     */
    private static List<MessageInfo> changedSince(Connection c, String mailboxId, long sinceModseq) throws SQLException {
        ListedRow row = new ListedRow();
        List<MessageInfo> changed = new ArrayList<>(Database.query(c, "SELECT " + LISTED_COLUMNS
                + " FROM message WHERE mailbox_id = ? AND modseq > ?", ps -> {
                    ps.setString(1, mailboxId);
                    ps.setLong(2, sinceModseq);
                }, row::info));
        changed.sort(Comparator.comparingLong(MessageInfo::uid));
        return changed;
    }

    private static final String LISTED_COLUMNS = "uid, modseq, flags, size, received";

    /** Maps {@link #LISTED_COLUMNS} rows of one query, each distinct flags string parsed once. */
    private static final class ListedRow {
        private final Map<String, Set<String>> flagSets = new HashMap<>();

        MessageInfo info(java.sql.ResultSet rs) throws SQLException {
            return new MessageInfo(rs.getLong(1), rs.getLong(2),
                    flagSets.computeIfAbsent(rs.getString(3), k -> Set.copyOf(parseFlags(k))), rs.getLong(4),
                    Instant.ofEpochMilli(rs.getLong(5)));
        }
    }

    /** Those of the folder's messages that exist, ascending by UID. */
    private static List<Row> rows(Connection c, String mailboxId, Collection<Long> uids) throws SQLException {
        Set<Long> wanted = new TreeSet<>(uids);
        if (wanted.size() > READ_WHOLE_ABOVE) {
            return all(c, mailboxId).stream().filter(r -> wanted.contains(r.uid())).toList();
        }
        List<Long> list = List.copyOf(wanted);
        List<Row> out = new ArrayList<>();
        for (int from = 0; from < list.size(); from += PendingDeletions.IN_CHUNK) {
            List<Long> chunk = list.subList(from, Math.min(list.size(), from + PendingDeletions.IN_CHUNK));
            out.addAll(Database.query(c, "SELECT " + ROW_COLUMNS + " FROM message WHERE mailbox_id = ? AND uid IN ("
                    + marks(chunk.size()) + ")", ps -> {
                        ps.setString(1, mailboxId);
                        for (int i = 0; i < chunk.size(); i++) {
                            ps.setLong(i + 2, chunk.get(i));
                        }
                    }, JdbcMailboxRepository::row));
        }
        out.sort(Comparator.comparingLong(Row::uid));
        return out;
    }

    private static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** {@code message.flags}: space-separated, as stored since V003 (empty: none). */
    static Set<String> parseFlags(String stored) {
        Set<String> out = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        if (stored != null) {
            for (String f : stored.trim().split(" +")) {
                if (!f.isEmpty()) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    /** Sorted case-insensitively, each flag once (in the case first given). */
    static String formatFlags(Set<String> flags) {
        Set<String> sorted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        sorted.addAll(flags);
        return String.join(" ", sorted);
    }

    private void kick(int recorded) {
        if (recorded > 0) {
            db.pendingDeletionsRecorded();
        }
    }
}
