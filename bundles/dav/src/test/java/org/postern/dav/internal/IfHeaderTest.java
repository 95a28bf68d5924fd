package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IfHeaderTest {
    @Test
    void untaggedListsWithTokensEtagsAndNot() {
        IfHeader h = IfHeader.parse("(<urn:uuid:1> [\"e1\"]) (Not <DAV:no-lock> [W/\"e2\"])").orElseThrow();
        assertEquals(2, h.lists().size());
        assertNull(h.lists().get(0).resource());
        assertEquals(new IfHeader.Condition(false, "urn:uuid:1", null), h.lists().get(0).conditions().get(0));
        assertEquals(new IfHeader.Condition(false, null, "\"e1\""), h.lists().get(0).conditions().get(1));
        assertEquals(new IfHeader.Condition(true, "DAV:no-lock", null), h.lists().get(1).conditions().get(0));
        assertEquals(List.of("urn:uuid:1", "DAV:no-lock"), h.tokens());
    }

    @Test
    void taggedListsNameTheirResource() {
        IfHeader h = IfHeader.parse("<http://h/dav/files/a/x> (<urn:uuid:1>) (<urn:uuid:2>) </dav/files/a/y> (Not [\"e\"])").orElseThrow();
        assertEquals(3, h.lists().size());
        assertEquals("http://h/dav/files/a/x", h.lists().get(1).resource());
        assertEquals("/dav/files/a/y", h.lists().get(2).resource());
    }

    @Test
    void malformedHeadersAreRefused() {
        for (String bad : new String[] {"", "(", "()", "(<urn:x", "([\"e\"", "<http://h/x>", "(<a>) <http://h/x> (<b>)",
                "(Not)", "(x)", "junk", "(<a>) junk", "(" + "<a>".repeat(3000) + ")"}) {
            assertTrue(IfHeader.parse(bad).isEmpty(), bad);
        }
    }

    @Test
    void theNumberOfListsIsBounded() {
        assertTrue(IfHeader.parse("(<a>)".repeat(IfHeader.MAX_LISTS)).isPresent());
        assertTrue(IfHeader.parse("(<a>)".repeat(IfHeader.MAX_LISTS + 1)).isEmpty());
    }
}
