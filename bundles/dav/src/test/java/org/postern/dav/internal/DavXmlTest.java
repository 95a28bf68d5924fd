package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class DavXmlTest {
    private static Element firstProp(String xml) throws Exception {
        Element root = DavXml.parse(xml.getBytes(StandardCharsets.UTF_8)).getDocumentElement();
        Element prop = DavXml.child(DavXml.child(root, DavXml.DAV, "set"), DavXml.DAV, "prop");
        return DavXml.children(prop).get(0);
    }

    @Test
    void aPropertyIsSerializedWithTheDeclarationsItNeedsAndItsLanguage() throws Exception {
        Element p = firstProp("<D:propertyupdate xmlns:D=\"DAV:\" xmlns:z=\"urn:z\" xml:lang=\"fr\"><D:set><D:prop>"
                + "<z:author a=\"1 &amp; 2\"><z:name>Zoë &lt;x&gt;</z:name><other xmlns=\"urn:o\"/><bare xmlns=\"\"/></z:author>"
                + "</D:prop></D:set></D:propertyupdate>");
        assertEquals("<z:author xmlns:z=\"urn:z\" a=\"1 &amp; 2\" xml:lang=\"fr\"><z:name>Zoë &lt;x&gt;</z:name>"
                + "<other xmlns=\"urn:o\"/><bare/></z:author>", DavXml.serialize(p));
    }

    @Test
    void theDefaultNamespaceIsUndeclaredForAnUnqualifiedChild() throws Exception {
        Element p = firstProp("<propertyupdate xmlns=\"DAV:\"><set><prop><x xmlns=\"urn:a\"><y xmlns=\"\">v</y></x></prop></set>"
                + "</propertyupdate>");
        assertEquals("<x xmlns=\"urn:a\"><y xmlns=\"\">v</y></x>", DavXml.serialize(p));
    }

    @Test
    void doctypesAreRefusedSoNoEntityIsEverExpanded() {
        assertThrows(DavXml.BadXml.class, () -> DavXml.parse(("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM "
                + "\"file:///etc/passwd\">]><a>&x;</a>").getBytes(StandardCharsets.UTF_8)));
        assertThrows(DavXml.BadXml.class, () -> DavXml.parse("<!DOCTYPE a><a/>".getBytes(StandardCharsets.UTF_8)));
        assertThrows(DavXml.BadXml.class, () -> DavXml.parse("<a>".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void deeplyNestedBodiesAreRefusedBeforeAnythingRecursesOnThem() throws Exception {
        String deep = "<a>".repeat(5000) + "</a>".repeat(5000);
        assertThrows(DavXml.BadXml.class, () -> DavXml.parse(deep.getBytes(StandardCharsets.UTF_8)));
        String fine = "<a>".repeat(DavXml.MAX_DEPTH) + "</a>".repeat(DavXml.MAX_DEPTH);
        DavXml.parse(fine.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void charactersXmlCannotCarryBecomeReplacementCharacters() {
        org.junit.jupiter.api.Assertions.assertEquals("a\uFFFDb\uFFFDc&#13;\n\t", DavXml.escapeText("a\u0000b\uFFFEc\r\n\t"));
        org.junit.jupiter.api.Assertions.assertEquals("\uFFFD&#10;", DavXml.escapeAttribute("\u001b\n"));
    }

    @Test
    void markupInTextIsEscapedAtEitherEndAndBetweenRuns() {
        org.junit.jupiter.api.Assertions.assertEquals("&lt;a&gt; &amp;&amp; b&#13;", DavXml.escapeText("<a> && b\r"));
        org.junit.jupiter.api.Assertions.assertEquals("plain text", DavXml.escapeText("plain text"));
        org.junit.jupiter.api.Assertions.assertEquals("", DavXml.escapeText(""));
    }
}
