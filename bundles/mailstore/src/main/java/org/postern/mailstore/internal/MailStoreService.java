package org.postern.mailstore.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.postern.api.account.Account;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.api.delivery.DeliveryFilter;
import org.postern.api.delivery.FilterOutcome;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.api.store.MessageRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery into an account's folders. Runs the {@link DeliveryFilter} whiteboard in
 * {@code service.ranking} order (highest first), then records the message. When the account is
 * removed, its messages and their bodies are deleted for good.
 */
@Component(service = {MailStore.class, AccountLifecycleListener.class})
public class MailStoreService implements MailStore, AccountLifecycleListener {
    private static final Logger LOG = LoggerFactory.getLogger(MailStoreService.class);

    /** A filter with the properties it was registered with. */
    private static final class Registered {
        final DeliveryFilter filter;
        final int ranking;
        final long id;

        Registered(DeliveryFilter filter, Map<String, Object> props) {
            this.filter = filter;
            Object r = props.get(Constants.SERVICE_RANKING);
            this.ranking = r instanceof Integer ? (Integer) r : 0;
            this.id = (Long) props.getOrDefault(Constants.SERVICE_ID, 0L);
        }
    }

    private static final Comparator<Registered> ORDER =
            Comparator.comparingInt((Registered r) -> -r.ranking).thenComparingLong(r -> r.id);

    private final MessageRepository messages;
    private final BlobStore blobs;
    private volatile List<Registered> filters = List.of();

    @Activate
    public MailStoreService(@Reference MessageRepository messages, @Reference BlobStore blobs) {
        this.messages = messages;
        this.blobs = blobs;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addFilter(DeliveryFilter filter, Map<String, Object> props) {
        List<Registered> next = new ArrayList<>(filters);
        next.add(new Registered(filter, props));
        next.sort(ORDER);
        filters = List.copyOf(next);
    }

    synchronized void removeFilter(DeliveryFilter filter) {
        List<Registered> next = new ArrayList<>(filters);
        next.removeIf(r -> r.filter == filter);
        filters = List.copyOf(next);
    }

    /**
     * @throws UncheckedIOException when a filter asks for the delivery to be retried later; the
     *         caller must then not acknowledge the message
     */
    @Override
    public long deliver(IncomingMessage message, String folder) {
        IncomingMessage current = message;
        String target = folder;
        for (Registered r : filters) {
            FilterOutcome outcome;
            try {
                outcome = r.filter.filter(current);
            } catch (IOException e) {
                throw new UncheckedIOException("delivery filter " + r.filter.getClass().getName() + " asked for a retry", e);
            }
            if (outcome.replacement() != null) {
                if (!outcome.replacement().accountId().equals(message.accountId())) {
                    throw new IllegalStateException("delivery filter " + r.filter.getClass().getName()
                            + " tried to hand a message to another account");
                }
                current = outcome.replacement();
            }
            if (outcome.folder() != null) {
                target = outcome.folder();
            }
        }
        long uid = messages.append(current.accountId(), target, current);
        if (!current.body().equals(message.body())) {
            // A filter replaced the body (encrypted it, say): the original must not linger on disk.
            deleteQuietly(message.body());
        }
        return uid;
    }

    @Override
    public java.util.SortedMap<String, Long> folders(String accountId) {
        return messages.folders(accountId);
    }

    @Override
    public void removed(Account account) {
        List<BlobId> bodies = messages.deleteAllMail(account.id());
        bodies.forEach(this::deleteQuietly);
        LOG.info("Postern: deleted {} messages of removed account {}", bodies.size(), account.address());
    }

    private void deleteQuietly(BlobId id) {
        try {
            blobs.delete(id);
        } catch (IOException e) {
            LOG.warn("Postern: could not delete blob {}: {}", id, e.getMessage());
        }
    }
}
