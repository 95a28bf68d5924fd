package org.postern.dav.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.w3c.dom.Element;

/**
 * The filter of an addressbook-query REPORT (RFC 6352 section 10.5), tested against a stored
 * vCard's content lines. What Postern does not support is refused with the precondition the RFC
 * names (supported-filter, supported-collation, valid-filter), never silently ignored.
 */
final class AddressQuery {
    static final String CARDDAV = "urn:ietf:params:xml:ns:carddav";
    /** Longest text-match taken; longer ones are refused rather than compared against every card. */
    static final int MAX_TEXT = 256;
    /** Most tests (prop-filters, text-matches and param-filters together) in one filter. */
    static final int MAX_FILTERS = 64;
    /**
     * How much of a value is searched: a name, an address, a note's start. A longer value (a
     * photo, a pasted document) is compared by its first this many characters only.
     */
    static final int MAX_VALUE = 16 * 1024;
    /** Values that are data, not text: never searched (RFC 6350 sections 6.2.4, 6.7.5, 6.8.1). */
    private static final java.util.Set<String> BINARY = java.util.Set.of("PHOTO", "LOGO", "SOUND", "KEY");

    /** A filter Postern cannot honour: the precondition element's local name. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;
        final String precondition;

        Unsupported(String precondition, String message) {
            super(message);
            this.precondition = precondition;
        }
    }

    private enum MatchType {
        EQUALS, CONTAINS, STARTS_WITH, ENDS_WITH
    }

    private enum Collation {
        OCTET, ASCII_CASEMAP, UNICODE_CASEMAP
    }

    private record TextMatch(String text, Collation collation, MatchType type, boolean negate) {
        /** {@code folded} holds the value folded per collation, made once per value and test run. */
        boolean test(String value, Map<Collation, String> folded) {
            String v = folded.computeIfAbsent(collation, c -> fold(value, c));
            boolean m = switch (type) {
                case EQUALS -> v.equals(text);
                case CONTAINS -> v.contains(text);
                case STARTS_WITH -> v.startsWith(text);
                case ENDS_WITH -> v.endsWith(text);
            };
            return m != negate;
        }
    }

    private record ParamFilter(String name, boolean notDefined, TextMatch text) {
    }

    private record PropFilter(String name, boolean allOf, boolean notDefined, List<TextMatch> texts, List<ParamFilter> params) {
    }

    private final boolean allOf;
    private final List<PropFilter> filters;

    private AddressQuery(boolean allOf, List<PropFilter> filters) {
        this.allOf = allOf;
        this.filters = filters;
    }

    static AddressQuery parse(Element filter) throws Unsupported {
        boolean allOf = test(filter);
        List<PropFilter> props = new ArrayList<>();
        int tests = 0;
        for (Element c : DavXml.children(filter)) {
            if (!DavXml.is(c, CARDDAV, "prop-filter")) {
                throw new Unsupported("supported-filter", c.getLocalName());
            }
            PropFilter f = prop(c);
            tests += 1 + f.texts.size() + f.params.size();
            if (tests > MAX_FILTERS) {
                throw new Unsupported("valid-filter", "more than " + MAX_FILTERS + " tests in one filter");
            }
            props.add(f);
        }
        return new AddressQuery(allOf, List.copyOf(props));
    }

    private static boolean test(Element e) throws Unsupported {
        String t = e.getAttribute("test");
        if (t.isEmpty() || t.equals("anyof")) {
            return false;
        }
        if (t.equals("allof")) {
            return true;
        }
        throw new Unsupported("valid-filter", "test is anyof or allof");
    }

    private static PropFilter prop(Element e) throws Unsupported {
        String name = e.getAttribute("name").toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new Unsupported("valid-filter", "prop-filter needs a name");
        }
        boolean notDefined = false;
        List<TextMatch> texts = new ArrayList<>();
        List<ParamFilter> params = new ArrayList<>();
        for (Element c : DavXml.children(e)) {
            if (DavXml.is(c, CARDDAV, "is-not-defined")) {
                notDefined = true;
            } else if (DavXml.is(c, CARDDAV, "text-match")) {
                texts.add(text(c));
            } else if (DavXml.is(c, CARDDAV, "param-filter")) {
                params.add(param(c));
            } else {
                throw new Unsupported("supported-filter", c.getLocalName());
            }
            if (texts.size() + params.size() >= MAX_FILTERS) {
                throw new Unsupported("valid-filter", "more than " + MAX_FILTERS + " tests in one filter");
            }
        }
        if (notDefined && (!texts.isEmpty() || !params.isEmpty())) {
            throw new Unsupported("valid-filter", "is-not-defined stands alone");
        }
        return new PropFilter(name, test(e), notDefined, List.copyOf(texts), List.copyOf(params));
    }

    private static ParamFilter param(Element e) throws Unsupported {
        String name = e.getAttribute("name").toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new Unsupported("valid-filter", "param-filter needs a name");
        }
        boolean notDefined = false;
        TextMatch text = null;
        for (Element c : DavXml.children(e)) {
            if (DavXml.is(c, CARDDAV, "is-not-defined") && text == null && !notDefined) {
                notDefined = true;
            } else if (DavXml.is(c, CARDDAV, "text-match") && text == null && !notDefined) {
                text = text(c);
            } else {
                throw new Unsupported("valid-filter", "param-filter holds is-not-defined or one text-match");
            }
        }
        return new ParamFilter(name, notDefined, text);
    }

    private static TextMatch text(Element e) throws Unsupported {
        String c = e.getAttribute("collation");
        Collation collation = switch (c) {
            case "", "i;unicode-casemap" -> Collation.UNICODE_CASEMAP;
            case "i;ascii-casemap" -> Collation.ASCII_CASEMAP;
            case "i;octet" -> Collation.OCTET;
            default -> throw new Unsupported("supported-collation", c);
        };
        MatchType type = switch (e.getAttribute("match-type")) {
            case "", "contains" -> MatchType.CONTAINS;
            case "equals" -> MatchType.EQUALS;
            case "starts-with" -> MatchType.STARTS_WITH;
            case "ends-with" -> MatchType.ENDS_WITH;
            default -> throw new Unsupported("valid-filter", "match-type");
        };
        String negate = e.getAttribute("negate-condition");
        if (!negate.isEmpty() && !negate.equals("yes") && !negate.equals("no")) {
            throw new Unsupported("valid-filter", "negate-condition is yes or no");
        }
        String text = e.getTextContent();
        if (text.length() > MAX_TEXT) {
            throw new Unsupported("valid-filter", "text-match longer than " + MAX_TEXT + " characters");
        }
        return new TextMatch(fold(text, collation), collation, type, negate.equals("yes"));
    }

    /** The string as the collation compares it (RFC 4790; RFC 5051 approximated by full case folding). */
    private static String fold(String s, Collation c) {
        return switch (c) {
            case OCTET -> s;
            case ASCII_CASEMAP -> {
                StringBuilder b = new StringBuilder(s.length());
                for (int i = 0; i < s.length(); i++) {
                    char ch = s.charAt(i);
                    b.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch);
                }
                yield b.toString();
            }
            case UNICODE_CASEMAP -> s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        };
    }

    /** True when the card passes the filter. An empty filter passes every card. */
    boolean matches(VCardObject card) {
        if (filters.isEmpty()) {
            return true;
        }
        for (PropFilter f : filters) {
            boolean m = matches(card, f);
            if (allOf && !m) {
                return false;
            }
            if (!allOf && m) {
                return true;
            }
        }
        return allOf;
    }

    private static boolean matches(VCardObject card, PropFilter f) {
        List<VCardObject.Line> lines = card.named(f.name);
        if (f.notDefined) {
            return lines.isEmpty();
        }
        if (lines.isEmpty()) {
            return false;
        }
        if (f.texts.isEmpty() && f.params.isEmpty()) {
            return true;
        }
        // RFC 6352 section 10.5.1: the tests combine per property instance; any instance may pass
        for (VCardObject.Line l : lines) {
            if (passes(l, f)) {
                return true;
            }
        }
        return false;
    }

    private static boolean passes(VCardObject.Line l, PropFilter f) {
        if (!f.texts.isEmpty() && BINARY.contains(l.name())) {
            return false; // data is not text: no text-match holds (nor its negation)
        }
        String value = f.texts.isEmpty() ? "" : l.text();
        if (value.length() > MAX_VALUE) {
            value = value.substring(0, MAX_VALUE);
        }
        Map<Collation, String> folded = new java.util.EnumMap<>(Collation.class);
        // the tests combine as the prop-filter says; the first that decides ends it
        for (TextMatch t : f.texts) {
            boolean r = t.test(value, folded);
            if (r != f.allOf) {
                return r;
            }
        }
        for (ParamFilter p : f.params) {
            boolean r = passes(l, p);
            if (r != f.allOf) {
                return r;
            }
        }
        return f.allOf;
    }

    private static boolean passes(VCardObject.Line l, ParamFilter p) {
        List<String> values = null;
        for (VCardObject.Param param : l.params()) {
            if (param.name().equals(p.name)) {
                values = values == null ? new ArrayList<>() : values;
                values.addAll(param.values());
            }
        }
        if (p.notDefined) {
            return values == null;
        }
        if (values == null) {
            return false;
        }
        if (p.text == null) {
            return true;
        }
        for (String v : values) {
            if (p.text.test(v.length() > MAX_VALUE ? v.substring(0, MAX_VALUE) : v, new java.util.EnumMap<>(Collation.class))) {
                return true;
            }
        }
        return false;
    }
}
