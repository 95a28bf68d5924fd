package org.postern.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OrganizationalDomainTest {
    @Test
    void publicSuffixPlusOneLabel() {
        assertEquals("example.com", OrganizationalDomain.of("mail.EXAMPLE.com."));
        assertEquals("example.co.uk", OrganizationalDomain.of("a.b.example.co.uk"));
        assertEquals("alice.github.io", OrganizationalDomain.of("www.alice.github.io"), "private section of the list");
        assertEquals("co.uk", OrganizationalDomain.of("co.uk"), "a suffix is its own");
        assertEquals("example.test", OrganizationalDomain.of("mx.example.test"), "unlisted TLD: the default rule");
        assertEquals("not a name", OrganizationalDomain.of("not a name"));
    }

    @Test
    void relaxedAlignment() {
        assertTrue(OrganizationalDomain.relaxedAligned("bounces.example.com", "example.com"));
        assertFalse(OrganizationalDomain.relaxedAligned("alice.github.io", "bob.github.io"));
        assertFalse(OrganizationalDomain.relaxedAligned("example.co.uk", "other.co.uk"));
    }
}
