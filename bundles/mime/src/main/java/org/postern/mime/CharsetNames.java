package org.postern.mime;

import java.nio.charset.Charset;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every charset of this JVM by name and alias, case-insensitive, made once. A charset name from a
 * message (an encoded word, a Content-Type parameter) is only ever looked up here:
 * {@code Charset.forName} scans the charset providers on every name it does not know, a tenth of
 * a millisecond each, which a header of 30,000 made-up names turns into seconds per message.
 */
final class CharsetNames {
    private static final Map<String, Charset> BY_NAME;

    static {
        Map<String, Charset> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Charset c : Charset.availableCharsets().values()) {
            m.put(c.name(), c);
            for (String alias : c.aliases()) {
                m.putIfAbsent(alias, c);
            }
        }
        BY_NAME = m;
    }

    private CharsetNames() {
    }

    /** The charset of that name or alias, or null. */
    static Charset lookup(String name) {
        return BY_NAME.get(name);
    }
}
