package org.postern.core.config;

/**
 * The node's listener port offset, from the system property {@value #PROPERTY} (set in
 * {@code etc/system.properties}), like WildFly's socket-binding port offset: every Postern listener
 * binds its configured port plus the offset, so a second node can run beside the first on one
 * machine. Missing or blank means 0. Port 0 (an ephemeral port) is never shifted.
 */
public final class PortOffset {
    /** The system property naming the offset. */
    public static final String PROPERTY = "postern.port.offset";
    /** The largest offset accepted. */
    public static final int MAX_OFFSET = 10_000;
    /** The highest TCP/UDP port. */
    public static final int MAX_PORT = 65_535;

    private static final PortOffset NONE = new PortOffset(0);

    private final int offset;

    private PortOffset(int offset) {
        this.offset = offset;
    }

    /**
     * The offset the system property names now.
     *
     * @throws IllegalArgumentException naming {@value #PROPERTY} when it is not a whole number in 0..10000
     */
    public static PortOffset fromSystemProperty() {
        return of(System.getProperty(PROPERTY));
    }

    /**
     * The offset a property value names: {@code null} or blank is 0.
     *
     * @throws IllegalArgumentException naming {@value #PROPERTY} when it is not a whole number in 0..10000
     */
    public static PortOffset of(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        String s = value.trim();
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " = '" + value + "' is not a whole number (expected 0.."
                    + MAX_OFFSET + ", in etc/system.properties)");
        }
        if (n < 0 || n > MAX_OFFSET) {
            throw new IllegalArgumentException(PROPERTY + " = " + n + " is outside 0.." + MAX_OFFSET
                    + " (in etc/system.properties)");
        }
        return n == 0 ? NONE : new PortOffset(n);
    }

    /** The offset, 0..10000. */
    public int value() {
        return offset;
    }

    /**
     * The port to bind for a configured port: the configured port plus the offset; 0 stays 0.
     *
     * @throws IllegalArgumentException when the configured port is outside 0..65535 or the shifted
     *         port is above 65535, with the port, the offset and the property in the message
     */
    public int apply(int configuredPort) {
        if (configuredPort < 0 || configuredPort > MAX_PORT) {
            throw new IllegalArgumentException("port " + configuredPort + " is outside 0.." + MAX_PORT);
        }
        if (configuredPort == 0) {
            return 0;
        }
        int shifted = configuredPort + offset;
        if (shifted > MAX_PORT) {
            throw new IllegalArgumentException("port " + configuredPort + " + " + PROPERTY + " " + offset + " = "
                    + shifted + " is above " + MAX_PORT);
        }
        return shifted;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortOffset && ((PortOffset) o).offset == offset;
    }

    @Override
    public int hashCode() {
        return offset;
    }

    @Override
    public String toString() {
        return PROPERTY + " = " + offset;
    }
}
