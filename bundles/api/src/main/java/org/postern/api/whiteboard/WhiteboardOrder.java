package org.postern.api.whiteboard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Postern's one order for whiteboard services (SMTP policies, delivery filters, account
 * lifecycle listeners): highest {@code service.ranking} first (a ranking that is not an
 * {@code Integer} counts as 0), equal rankings by lowest {@code service.id}, the one registered
 * first. Declarative Services sorts a field-injected list by {@code ServiceReference.compareTo},
 * which is ascending (lowest ranking first, equal rankings by highest id); sorting by the
 * properties each tuple carries keeps the order explicit and testable without a framework.
 */
public final class WhiteboardOrder {
    /** The order on service properties. */
    public static final Comparator<Map<String, Object>> ORDER =
            Comparator.comparingInt(WhiteboardOrder::ranking).reversed().thenComparingLong(WhiteboardOrder::id);

    private WhiteboardOrder() {
    }

    /** The (properties, service) tuples DS injected, in {@link #ORDER}: a new list. */
    public static <S> List<Map.Entry<Map<String, Object>, S>> sorted(List<Map.Entry<Map<String, Object>, S>> tuples) {
        List<Map.Entry<Map<String, Object>, S>> copy = new ArrayList<>(tuples);
        copy.sort(Map.Entry.comparingByKey(ORDER));
        return copy;
    }

    /** Just the services of {@link #sorted}. */
    public static <S> List<S> services(List<Map.Entry<Map<String, Object>, S>> tuples) {
        return sorted(tuples).stream().map(Map.Entry::getValue).toList();
    }

    public static int ranking(Map<String, Object> properties) {
        return properties.get("service.ranking") instanceof Integer r ? r : 0;
    }

    /** Only a test's fake lacks an id: it comes after every registered service. */
    public static long id(Map<String, Object> properties) {
        return properties.get("service.id") instanceof Long id ? id : Long.MAX_VALUE;
    }
}
