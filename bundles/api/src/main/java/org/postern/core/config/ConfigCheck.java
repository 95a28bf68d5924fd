package org.postern.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Validates the raw properties a component was activated with. Collects every problem, then
 * {@link #throwIfInvalid()} throws one {@link IllegalArgumentException} naming the PID, the keys,
 * the bad values and what was expected. Absent keys are fine: the typed default applies.
 */
public final class ConfigCheck {
    private final String pid;
    private final Map<String, ?> properties;
    private final List<String> problems = new ArrayList<>();

    private ConfigCheck(String pid, Map<String, ?> properties) {
        this.pid = pid;
        this.properties = properties;
    }

    public static ConfigCheck of(String pid, Map<String, ?> properties) {
        return new ConfigCheck(pid, properties == null ? Map.of() : properties);
    }

    /** The key, when present, is {@code true} or {@code false} (any case). */
    public ConfigCheck isBoolean(String key) {
        Object v = properties.get(key);
        if (v != null && !(v instanceof Boolean)) {
            String s = v.toString().trim();
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                problems.add(key + " = '" + v + "' is not true or false");
            }
        }
        return this;
    }

    /** The key, when present, is a whole number in [min, max]. */
    public ConfigCheck isLong(String key, long min, long max) {
        Object v = properties.get(key);
        if (v == null) {
            return this;
        }
        long n;
        if (v instanceof Number) {
            n = ((Number) v).longValue();
        } else {
            try {
                n = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                problems.add(key + " = '" + v + "' is not a whole number");
                return this;
            }
        }
        if (n < min || n > max) {
            problems.add(key + " = " + n + " is outside " + min + ".." + max);
        }
        return this;
    }

    /** Adds a problem of the caller's own finding. */
    public ConfigCheck problem(boolean invalid, String message) {
        if (invalid) {
            problems.add(message);
        }
        return this;
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** @throws IllegalArgumentException listing every problem found */
    public void throwIfInvalid() {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration " + pid + ": " + String.join("; ", problems));
        }
    }
}
