package org.postern.mailstore.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.postern.api.whiteboard.WhiteboardOrder;
import org.postern.api.account.Account;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.api.delivery.DeliveryFilter;
import org.postern.api.delivery.FilterOutcome;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.store.MessageRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery into an account's folders. Runs the {@link DeliveryFilter} whiteboard in
 * {@code service.ranking} order (highest first), then records the message, deleting every body
 * that ends up filed nowhere. A removed account gets no mail (and no folder created for it). Registered as Postern's own
 * {@link MailStore} ({@code postern.core=true}), the one the SMTP server delivers into.
 */
@Component(service = {MailStore.class, AccountLifecycleListener.class},
        property = CoreService.PROPERTY + "=true")
public class MailStoreService implements MailStore, AccountLifecycleListener {
    private static final Logger LOG = LoggerFactory.getLogger(MailStoreService.class);

    private final MessageRepository messages;
    private final BlobStore blobs;

    /**
     * Delivery filters with their service properties, as SCR hands them over: a list it replaces
     * on every change and never mutates, so a delivery in progress runs the filters it started
     * with. Read it in {@link WhiteboardOrder#ORDER}.
     */
    @Reference(service = DeliveryFilter.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Map.Entry<Map<String, Object>, DeliveryFilter>> filters = List.of();

    @Activate
    public MailStoreService(@Reference MessageRepository messages,
            @Reference(target = CoreService.TARGET) BlobStore blobs) {
        this.messages = messages;
        this.blobs = blobs;
    }

    /** The filters now, in {@link WhiteboardOrder#ORDER}. */
    List<DeliveryFilter> filters() {
        return WhiteboardOrder.sorted(filters).stream().map(Map.Entry::getValue).toList();
    }

    /**
     * Bodies: the caller's {@code message.body()} is filed, or replaced by a filter and then
     * deleted once the replacement is filed. Every body a filter makes is either filed or deleted
     * before this returns or throws: intermediate ones (a filter replacing another filter's
     * replacement) and, when nothing is filed, all of them. When this throws, the caller's own
     * body is left to the caller (to retry with, bounce or delete).
     *
     * @throws UncheckedIOException when a filter asks for the delivery to be retried later; the
     *         caller must then not acknowledge the message
     * @throws AccountGoneException when the account was removed (between RCPT and the end of DATA,
     *         say): nothing is filed and no folder is created; permanent for this recipient
     */
    @Override
    public long deliver(IncomingMessage message, String folder) {
        Filtered f = filter(message, folder);
        IncomingMessage current = f.current();
        long uid;
        try {
            // Parsed once, here, not at every FETCH: ENVELOPE, BODYSTRUCTURE and the section
            // ranges go into the message row, in the transaction that files it. Outside that
            // transaction, so no lock is held while parsing. Null (parsed when first asked for)
            // when the body cannot be parsed or its structure is too large for the row.
            byte[] structure = StructureParsing.storable(StructureParsing.parse(blobs, current.body(), current.size()));
            // The store re-checks the account as it files: an account removed since RCPT gets
            // AccountGoneException here, and no INBOX is created for it.
            uid = messages.append(current.accountId(), f.folder(), current, structure);
        } catch (RuntimeException e) {
            // Nothing was filed: no row refers to any body a filter made.
            discard(f.made(), "failed-delivery");
            throw e;
        }
        // Filed: every other body is garbage now, the replaced original (no plaintext copy may
        // linger after encryption) and any intermediate replacement.
        Set<BlobId> garbage = new LinkedHashSet<>(f.made());
        garbage.add(message.body());
        garbage.remove(current.body());
        discard(garbage, "replaced");
        return uid;
    }

    /** One recipient's copy after the filters: what gets filed where, and the bodies made on the way. */
    private record Filtered(IncomingMessage current, String folder, Set<BlobId> made) {
    }

    /** The delivery filters applied to one copy; bodies they make are recorded in the result. */
    private Filtered filter(IncomingMessage message, String folder) {
        IncomingMessage current = message;
        String target = folder;
        Set<BlobId> made = new LinkedHashSet<>();
        try {
            for (DeliveryFilter f : filters()) {
                FilterOutcome outcome;
                try {
                    outcome = f.filter(current);
                } catch (IOException e) {
                    throw new UncheckedIOException("delivery filter " + f.getClass().getName() + " asked for a retry", e);
                }
                if (outcome.replacement() != null) {
                    if (!outcome.replacement().body().equals(message.body())) {
                        made.add(outcome.replacement().body());
                    }
                    if (!outcome.replacement().accountId().equals(message.accountId())) {
                        throw new IllegalStateException("delivery filter " + f.getClass().getName()
                                + " tried to hand a message to another account");
                    }
                    current = outcome.replacement();
                }
                if (outcome.folder() != null) {
                    target = outcome.folder();
                }
            }
        } catch (RuntimeException e) {
            discard(made, "failed-delivery");
            throw e;
        }
        return new Filtered(current, target, made);
    }

    /**
     * Filters every copy, then files them all in one store transaction
     * ({@link MessageRepository#appendAll}): a failure anywhere files nothing and deletes every
     * body a filter made, as {@link #deliver} does for one.
     */
    @Override
    public long[] deliverAll(List<IncomingMessage> messagesIn, String folder) {
        return deliverAll(messagesIn, folder, false);
    }

    /** As {@link #deliverAll}, through the store's journal ({@link MessageRepository#appendAllJournaled}). */
    @Override
    public long[] deliverAllDurably(List<IncomingMessage> messagesIn, String folder) {
        return deliverAll(messagesIn, folder, true);
    }

    private long[] deliverAll(List<IncomingMessage> messagesIn, String folder, boolean journaled) {
        List<Filtered> filtered = new java.util.ArrayList<>();
        long[] uids;
        try {
            List<MessageRepository.Filing> filings = new java.util.ArrayList<>();
            for (IncomingMessage m : messagesIn) {
                Filtered f = filter(m, folder);
                filtered.add(f);
                filings.add(new MessageRepository.Filing(f.current().accountId(), f.folder(), f.current(),
                        StructureParsing.storable(StructureParsing.parse(blobs, f.current().body(), f.current().size()))));
            }
            uids = journaled ? messages.appendAllJournaled(filings) : messages.appendAll(filings);
        } catch (RuntimeException e) {
            for (Filtered f : filtered) {
                discard(f.made(), "failed-delivery");
            }
            throw e;
        }
        for (int i = 0; i < uids.length; i++) {
            Filtered f = filtered.get(i);
            Set<BlobId> garbage = new LinkedHashSet<>(f.made());
            if (uids[i] < 0) {
                discard(garbage, "failed-delivery"); // the account is gone: the caller's body stays the caller's
                continue;
            }
            garbage.add(messagesIn.get(i).body());
            garbage.remove(f.current().body());
            discard(garbage, "replaced");
        }
        return uids;
    }

    @Override
    public java.util.SortedMap<String, Long> folders(String accountId) {
        return messages.folders(accountId);
    }

    @Override
    public FolderSnapshot snapshot(String accountId, String folder) {
        return messages.snapshot(accountId, folder);
    }

    /**
     * Streams from the blob store. A row whose blob file is missing (a crash between unlinking
     * and deleting, or a body lost on disk) reads as gone, like a deleted message.
     */
    @Override
    public Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid) throws IOException {
        Optional<BlobId> body = messages.body(accountId, folder, uidValidity, uid);
        return body.isEmpty() ? Optional.empty() : blobs.open(body.get());
    }

    /**
     * The store deletes the rows and records their bodies in one transaction, then wakes its
     * reaper, which unlinks them (checking first that no other row refers to one). Not unlinked
     * here: the reaper's check is what keeps a body some other row still uses.
     */
    @Override
    public int delete(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        return messages.delete(accountId, folder, uidValidity, uids).size();
    }

    /**
     * Normally finds nothing: the store deletes an account's folders and messages, and records
     * their bodies for deletion, in the transaction that marks it removed. Kept as a second pass
     * for mail filed in any other way; it goes through the same record.
     */
    @Override
    public void removed(Account account) {
        List<BlobId> bodies = messages.deleteAllMail(account.id());
        if (!bodies.isEmpty()) {
            for (BlobId id : bodies) {
                try {
                    blobs.delete(id);
                } catch (IOException | RuntimeException e) {
                    // recorded by deleteAllMail: the store retries
                }
            }
            LOG.info("Postern: deleted {} more messages of removed account {}", bodies.size(), account.address());
        }
    }

    /**
     * Unlinks bodies no row refers to. One that cannot be unlinked now is recorded with the store,
     * which retries until it is gone; if even that fails, the store's sweep for orphaned blobs
     * finds it later. Never throws: a delivery's outcome does not depend on its garbage.
     */
    private void discard(Collection<BlobId> bodies, String reason) {
        List<BlobId> failed = new ArrayList<>();
        for (BlobId id : bodies) {
            try {
                blobs.delete(id);
            } catch (IOException | RuntimeException e) {
                failed.add(id);
            }
        }
        if (failed.isEmpty()) {
            return;
        }
        try {
            messages.recordForDeletion(failed, reason);
        } catch (RuntimeException e) {
            LOG.warn("Postern: could not delete {} blob(s) ({}) nor record them for deletion; the sweep for orphaned "
                    + "blobs will: {}", failed.size(), reason, e.toString());
        }
    }
}
