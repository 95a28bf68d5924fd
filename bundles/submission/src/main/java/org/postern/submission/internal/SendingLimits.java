package org.postern.submission.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-account sending limits on this node: messages in the last hour and recipients in the last
 * day, so that a stolen app password cannot turn the service into a spam cannon. Counted per
 * node (two nodes allow twice as much); memory is one small window per account that sent lately.
 */
final class SendingLimits {
    private final int messagesPerHour;
    private final int recipientsPerDay;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(10);
    private Instant lastSweep;

    SendingLimits(int messagesPerHour, int recipientsPerDay) {
        this.messagesPerHour = messagesPerHour;
        this.recipientsPerDay = recipientsPerDay;
    }

    /** What a message would exceed, or null when it may go; counted only when it may. */
    synchronized String take(String accountId, int recipients, Instant now) {
        if (lastSweep == null || now.isAfter(lastSweep.plus(SWEEP_EVERY))) {
            lastSweep = now;
            sweep(now); // accounts that stopped sending leave no window behind
        }
        Window w = windows.computeIfAbsent(accountId, k -> new Window());
        w.expire(now);
        if (w.messages.size() >= messagesPerHour) {
            return "messages";
        }
        if (w.recipientCount + recipients > recipientsPerDay) {
            return "recipients";
        }
        w.messages.addLast(now);
        w.recipients.addLast(new long[] {now.toEpochMilli(), recipients});
        w.recipientCount += recipients;
        return null;
    }

    /** Gives back what {@link #take} counted for a message that was not sent after all (refused for its size, store down). */
    synchronized void refund(String accountId, int recipients) {
        Window w = windows.get(accountId);
        if (w == null || w.messages.isEmpty()) {
            return;
        }
        w.messages.pollLast();
        long[] last = w.recipients.peekLast();
        if (last != null && last[1] == recipients) {
            w.recipients.pollLast();
            w.recipientCount -= recipients;
        }
    }

    /** Drops windows that are empty (called now and then). */
    synchronized void sweep(Instant now) {
        windows.values().removeIf(w -> {
            w.expire(now);
            return w.messages.isEmpty() && w.recipients.isEmpty();
        });
    }

    private static final class Window {
        final ArrayDeque<Instant> messages = new ArrayDeque<>();
        final ArrayDeque<long[]> recipients = new ArrayDeque<>();
        long recipientCount;

        void expire(Instant now) {
            Instant hourAgo = now.minus(Duration.ofHours(1));
            while (!messages.isEmpty() && !messages.peekFirst().isAfter(hourAgo)) {
                messages.pollFirst();
            }
            long dayAgo = now.minus(Duration.ofDays(1)).toEpochMilli();
            while (!recipients.isEmpty() && recipients.peekFirst()[0] <= dayAgo) {
                recipientCount -= recipients.pollFirst()[1];
            }
        }
    }
}
