package org.postern.dav.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * XML in and out. Parsing refuses any DOCTYPE, so neither external entities (XXE) nor entity
 * expansion (billion laughs) can happen; bodies are size-limited before they get here.
 * Serializing a dead property writes every namespace declaration it needs on the element itself,
 * so the stored text is self-contained and comes back inside any response unchanged.
 */
final class DavXml {
    static final String DAV = "DAV:";
    /** Deepest element nesting accepted in a request body. */
    static final int MAX_DEPTH = 64;

    private static final DocumentBuilderFactory FACTORY = factory();

    private DavXml() {
    }

    private static DocumentBuilderFactory factory() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            // DAV bodies are a few levels deep; a deeper one is an attack on the stack (serialize recurses).
            f.setAttribute("jdk.xml.maxElementDepth", MAX_DEPTH);
            return f;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A malformed or refused body. */
    static final class BadXml extends Exception {
        private static final long serialVersionUID = 1L;

        BadXml(String message) {
            super(message);
        }
    }

    /** The text content of one serialized element (a stored property), or null when it does not parse. */
    static String parseFragmentText(String xml) {
        try {
            return parse(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)).getDocumentElement().getTextContent();
        } catch (BadXml e) {
            return null;
        }
    }

    static Document parse(byte[] body) throws BadXml {
        try {
            DocumentBuilder b = FACTORY.newDocumentBuilder();
            b.setErrorHandler(new DefaultHandler()); // no parser noise on stderr
            return b.parse(new ByteArrayInputStream(body));
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new BadXml("malformed XML");
        }
    }

    static boolean is(Node n, String ns, String local) {
        return n instanceof Element && local.equals(n.getLocalName()) && ns.equals(namespace(n));
    }

    static String namespace(Node n) {
        return n.getNamespaceURI() == null ? "" : n.getNamespaceURI();
    }

    static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element) {
                out.add((Element) c);
            }
        }
        return out;
    }

    static Element child(Element e, String ns, String local) {
        for (Element c : children(e)) {
            if (is(c, ns, local)) {
                return c;
            }
        }
        return null;
    }

    // ---- writing ----

    static String escapeText(String s) {
        // Runs of ordinary characters are copied whole: calendar data in a multiget is mostly
        // those, with a CR to escape on every line.
        StringBuilder b = null;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String replacement;
            switch (c) {
                case '&' -> replacement = "&amp;";
                case '<' -> replacement = "&lt;";
                case '>' -> replacement = "&gt;";
                case '\r' -> replacement = "&#13;";
                // not allowed in XML 1.0 at all: one would make the whole multistatus unreadable
                default -> replacement = c < 0x20 && c != '\t' && c != '\n' || c == '\uFFFE' || c == '\uFFFF' ? "\uFFFD" : null;
            }
            if (replacement != null) {
                if (b == null) {
                    b = new StringBuilder(s.length() + s.length() / 8 + 16);
                }
                b.append(s, run, i).append(replacement);
                run = i + 1;
            }
        }
        return b == null ? s : b.append(s, run, s.length()).toString();
    }

    static String escapeAttribute(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '"' -> b.append("&quot;");
                case '\t' -> b.append("&#9;");
                case '\n' -> b.append("&#10;");
                case '\r' -> b.append("&#13;");
                default -> b.append(c < 0x20 || c == '\uFFFE' || c == '\uFFFF' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** An empty element for a property name: {@code <x:name xmlns:x="ns"/>}, or unqualified. */
    static String emptyElement(String ns, String local) {
        return ns.isEmpty() ? "<" + local + " xmlns=\"\"/>" : "<x:" + local + " xmlns:x=\"" + escapeAttribute(ns) + "\"/>";
    }

    /** An element with text content in the same form. */
    static String textElement(String ns, String local, String text) {
        return ns.isEmpty() ? "<" + local + " xmlns=\"\">" + escapeText(text) + "</" + local + ">"
                : "<x:" + local + " xmlns:x=\"" + escapeAttribute(ns) + "\">" + escapeText(text) + "</x:" + local + ">";
    }

    /** An element whose content is already XML (written by this class). */
    static String rawElement(String ns, String local, String innerXml) {
        return ns.isEmpty() ? "<" + local + " xmlns=\"\">" + innerXml + "</" + local + ">"
                : "<x:" + local + " xmlns:x=\"" + escapeAttribute(ns) + "\">" + innerXml + "</x:" + local + ">";
    }

    /**
     * The element as self-contained XML: every prefix it or its descendants use is declared where
     * first needed (starting from no bindings), xml:lang and other attributes kept, text escaped.
     * The xml:lang in scope from an ancestor is written on the element, so it is not lost.
     */
    static String serialize(Element e) {
        StringBuilder b = new StringBuilder();
        Map<String, String> scope = new HashMap<>();
        String lang = inheritedLang(e);
        write(e, b, scope, lang);
        return b.toString();
    }

    private static String inheritedLang(Element e) {
        if (e.hasAttributeNS(XMLConstants.XML_NS_URI, "lang")) {
            return null; // its own wins and is written as an attribute anyway
        }
        for (Node p = e.getParentNode(); p instanceof Element; p = p.getParentNode()) {
            Element pe = (Element) p;
            if (pe.hasAttributeNS(XMLConstants.XML_NS_URI, "lang")) {
                return pe.getAttributeNS(XMLConstants.XML_NS_URI, "lang");
            }
        }
        return null;
    }

    private static void write(Element e, StringBuilder b, Map<String, String> outer, String lang) {
        Map<String, String> scope = new HashMap<>(outer);
        StringBuilder decl = new StringBuilder();
        String ns = e.getNamespaceURI();
        String prefix = e.getPrefix();
        String qname = name(prefix, e.getLocalName() == null ? e.getNodeName() : e.getLocalName());
        declare(prefix == null ? "" : prefix, ns == null ? "" : ns, scope, decl);
        StringBuilder attrs = new StringBuilder();
        NamedNodeMap map = e.getAttributes();
        for (int i = 0; i < map.getLength(); i++) {
            Attr a = (Attr) map.item(i);
            if (XMLConstants.XMLNS_ATTRIBUTE_NS_URI.equals(a.getNamespaceURI())) {
                continue; // declarations are written as needed, not copied
            }
            String ans = a.getNamespaceURI();
            String ap = a.getPrefix();
            if (ans != null && !XMLConstants.XML_NS_URI.equals(ans)) {
                if (ap == null) {
                    ap = "a" + i;
                }
                declare(ap, ans, scope, decl);
            }
            String an = a.getLocalName() == null ? a.getName() : a.getLocalName();
            attrs.append(' ').append(ans == null ? an : ap + ":" + an).append("=\"").append(escapeAttribute(a.getValue())).append('"');
        }
        if (lang != null) {
            attrs.append(" xml:lang=\"").append(escapeAttribute(lang)).append('"');
        }
        b.append('<').append(qname).append(decl).append(attrs);
        if (e.getFirstChild() == null) {
            b.append("/>");
            return;
        }
        b.append('>');
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            switch (c.getNodeType()) {
                case Node.ELEMENT_NODE -> write((Element) c, b, scope, null);
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> b.append(escapeText(c.getNodeValue()));
                default -> {
                    // comments and processing instructions are not part of a property's value
                }
            }
        }
        b.append("</").append(qname).append('>');
    }

    private static void declare(String prefix, String ns, Map<String, String> scope, StringBuilder decl) {
        String bound = scope.get(prefix);
        if (bound == null ? !ns.isEmpty() : !bound.equals(ns)) {
            scope.put(prefix, ns);
            decl.append(prefix.isEmpty() ? " xmlns" : " xmlns:" + prefix).append("=\"").append(escapeAttribute(ns)).append('"');
        }
    }

    private static String name(String prefix, String local) {
        return prefix == null || prefix.isEmpty() ? local : prefix + ":" + local;
    }
}
