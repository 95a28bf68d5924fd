package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AddressQueryTest {
    private static final VCardObject ADA;
    private static final VCardObject GRACE;

    static {
        try {
            ADA = VCardObject.parse(VCardObjectTest.APPLE.getBytes(StandardCharsets.UTF_8));
            GRACE = VCardObject.parse(("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:grace\r\nFN:Grace Hopper\r\n"
                    + "EMAIL;TYPE=home:grace@navy.example\r\nNOTE:Über compilers\r\nEND:VCARD\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (VCardObject.Invalid e) {
            throw new AssertionError(e);
        }
    }

    private static AddressQuery query(String filterBody, String test) throws Exception {
        String xml = "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:carddav\"" + (test == null ? "" : " test=\"" + test + "\"") + ">"
                + filterBody + "</C:filter>";
        return AddressQuery.parse(DavXml.parse(xml.getBytes(StandardCharsets.UTF_8)).getDocumentElement());
    }

    @Test
    void textMatchDefaultsToContainsAndUnicodeCaseless() throws Exception {
        AddressQuery q = query("<C:prop-filter name=\"FN\"><C:text-match>LOVE</C:text-match></C:prop-filter>", null);
        assertTrue(q.matches(ADA));
        assertFalse(q.matches(GRACE));
        AddressQuery umlaut = query("<C:prop-filter name=\"note\"><C:text-match>über</C:text-match></C:prop-filter>", null);
        assertTrue(umlaut.matches(GRACE));
        AddressQuery ascii = query("<C:prop-filter name=\"NOTE\"><C:text-match collation=\"i;ascii-casemap\">über"
                + "</C:text-match></C:prop-filter>", null);
        assertFalse(ascii.matches(GRACE), "ascii-casemap folds A-Z only");
    }

    @Test
    void matchTypesNegationAndGroupedProperties() throws Exception {
        assertTrue(query("<C:prop-filter name=\"EMAIL\"><C:text-match match-type=\"equals\">ada@example.net</C:text-match>"
                + "</C:prop-filter>", null).matches(ADA), "item1.EMAIL is an EMAIL");
        assertTrue(query("<C:prop-filter name=\"EMAIL\"><C:text-match match-type=\"starts-with\">grace@</C:text-match>"
                + "</C:prop-filter>", null).matches(GRACE));
        assertFalse(query("<C:prop-filter name=\"EMAIL\"><C:text-match match-type=\"ends-with\">grace@</C:text-match>"
                + "</C:prop-filter>", null).matches(GRACE));
        assertFalse(query("<C:prop-filter name=\"FN\"><C:text-match negate-condition=\"yes\">grace</C:text-match>"
                + "</C:prop-filter>", null).matches(GRACE));
        assertTrue(query("<C:prop-filter name=\"NOTE\"><C:is-not-defined/></C:prop-filter>", null).matches(ADA));
        assertFalse(query("<C:prop-filter name=\"NOTE\"><C:is-not-defined/></C:prop-filter>", null).matches(GRACE));
    }

    @Test
    void paramFiltersAndAnyofAllof() throws Exception {
        assertTrue(query("<C:prop-filter name=\"EMAIL\"><C:param-filter name=\"TYPE\"><C:text-match match-type=\"equals\">home"
                + "</C:text-match></C:param-filter></C:prop-filter>", null).matches(GRACE));
        assertFalse(query("<C:prop-filter name=\"EMAIL\"><C:param-filter name=\"TYPE\"><C:text-match match-type=\"equals\">home"
                + "</C:text-match></C:param-filter></C:prop-filter>", null).matches(ADA));
        String both = "<C:prop-filter name=\"FN\"><C:text-match>grace</C:text-match></C:prop-filter>"
                + "<C:prop-filter name=\"EMAIL\"><C:text-match>example.net</C:text-match></C:prop-filter>";
        assertTrue(query(both, null).matches(ADA), "anyof by default");
        assertTrue(query(both, null).matches(GRACE));
        assertFalse(query(both, "allof").matches(ADA));
        assertFalse(query(both, "allof").matches(GRACE));
        assertTrue(query("", null).matches(ADA), "an empty filter takes every card");
    }

    @Test
    void whatIsNotSupportedIsRefusedByPrecondition() {
        assertEquals("supported-collation", assertThrows(AddressQuery.Unsupported.class, () -> query(
                "<C:prop-filter name=\"FN\"><C:text-match collation=\"i;klingon\">x</C:text-match></C:prop-filter>", null)).precondition);
        assertEquals("supported-filter", assertThrows(AddressQuery.Unsupported.class, () -> query(
                "<C:comp-filter name=\"VCARD\"/>", null)).precondition);
        assertEquals("valid-filter", assertThrows(AddressQuery.Unsupported.class, () -> query(
                "<C:prop-filter name=\"FN\"><C:text-match>" + "x".repeat(2000) + "</C:text-match></C:prop-filter>", null)).precondition);
        assertEquals("valid-filter", assertThrows(AddressQuery.Unsupported.class, () -> query("", "someof")).precondition);
        String many = "<C:prop-filter name=\"FN\">" + "<C:text-match>x</C:text-match>".repeat(40) + "</C:prop-filter>";
        assertEquals("valid-filter", assertThrows(AddressQuery.Unsupported.class, () -> query(many + many, null)).precondition,
                "64 tests in a filter at most, however they are nested");
    }

    @Test
    void dataIsNotSearchedAsText() throws Exception {
        VCardObject photo = VCardObject.parse(("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:p\r\nFN:P\r\n"
                + "PHOTO:data:image/jpeg;base64,QUJDREVGRw==\r\nEND:VCARD\r\n").getBytes(StandardCharsets.UTF_8));
        assertFalse(query("<C:prop-filter name=\"PHOTO\"><C:text-match>QUJD</C:text-match></C:prop-filter>", null).matches(photo));
        assertTrue(query("<C:prop-filter name=\"PHOTO\"/>", null).matches(photo), "it is there all the same");
    }
}
