package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DavPathTest {
    @Test
    void segmentsAreDecodedAsUtf8() {
        DavPath p = DavPath.parse("/dav/files/abc/caf%C3%A9%20menu.txt").orElseThrow();
        assertEquals(List.of("files", "abc", "café menu.txt"), p.segments());
        assertEquals(false, p.trailingSlash());
        assertTrue(DavPath.parse("/dav/").orElseThrow().segments().isEmpty());
        assertTrue(DavPath.parse("/dav/files/").orElseThrow().trailingSlash());
    }

    @Test
    void pathsThatCouldEscapeOrConfuseAreRefused() {
        for (String bad : new String[] {"/dav/files/a/../b", "/dav/files/./a", "/dav/files//a", "/dav/files/a%2Fb",
                "/dav/files/a%2fb", "/dav/files/a%00", "/dav/files/a%5Cb", "/dav/files/a\\b", "/dav/files/%C3",
                "/dav/files/%ZZ", "/dav/files/a%2", "/dav/files/%2e%2e/x", "/elsewhere/", "/dav/files/" + "n".repeat(256)}) {
            assertTrue(DavPath.parse(bad).isEmpty(), bad);
        }
        assertTrue(DavPath.parse("/dav/files/" + "n".repeat(255)).isPresent());
    }

    @Test
    void hrefsEncodeEverythingButUnreservedCharacters() {
        assertEquals("/dav/files/abc/caf%C3%A9%20menu%23%3F.txt", DavPath.href(List.of("files", "abc", "café menu#?.txt"), false));
        assertEquals("/dav/files/abc/", DavPath.href(List.of("files", "abc"), true));
        assertEquals("/dav/", DavPath.href(List.of(), true));
        String name = "naïve ü/x";
        assertEquals(name, DavPath.decode(DavPath.encode("naïve ü")).orElseThrow() + "/x");
    }

    @Test
    void aNameEndingWithASpaceIsRefused() {
        assertTrue(DavPath.parse("/dav/files/p/a%20").isEmpty());
        assertTrue(DavPath.parse("/dav/files/p/a%20/b").isEmpty());
        assertTrue(DavPath.parse("/dav/files/p/a%20b").isPresent());
    }

    @Test
    void aPlainPathIsWhatUriParsingWouldGiveBack() throws Exception {
        for (String href : new String[] {"/dav/calendars/abc/default/x.ics", "/dav/a:b/c@d/e+f,g;h=i/", "/dav/files/1/(x)'!$&*"}) {
            org.junit.jupiter.api.Assertions.assertTrue(DavPath.plainPath(href), href);
            org.junit.jupiter.api.Assertions.assertEquals(new java.net.URI(href).getRawPath(), href);
        }
        for (String href : new String[] {"", "x.ics", "//host/dav/", "/dav/a%20b", "/dav/a b", "/dav/x?y", "/dav/x#y",
                "http://h/dav/", "/dav/\u00e9", "/dav/a\\b"}) {
            org.junit.jupiter.api.Assertions.assertFalse(DavPath.plainPath(href), href);
        }
    }
}
