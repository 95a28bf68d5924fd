package org.postern.webmail.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Constants;
import org.postern.api.webmail.Theme;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Theme services registered now (whiteboard). A theme bundle installed at run time is offered
 * at once; when one goes, every user who had it gets the default theme (their setting is kept, so
 * the theme returns if it is installed again). A theme with an invalid name or swatch is ignored.
 */
final class Themes {
    private static final Logger LOG = LoggerFactory.getLogger(Themes.class);

    private record Entry(Theme theme, int ranking) {
    }

    private final Map<String, List<Entry>> byName = new ConcurrentHashMap<>();
    private final String defaultName;

    Themes(String defaultName) {
        this.defaultName = defaultName;
    }

    static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > 32) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean validColour(String c) {
        if (c == null || c.length() != 7 || c.charAt(0) != '#') {
            return false;
        }
        for (int i = 1; i < 7; i++) {
            if (Character.digit(c.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    void add(Theme theme, Map<String, Object> properties) {
        String name;
        List<String> swatch;
        try {
            name = theme.name();
            swatch = theme.swatch();
        } catch (RuntimeException e) {
            LOG.warn("Postern webmail: a theme service failed and is ignored: {}", e.toString());
            return;
        }
        if (!validName(name) || swatch == null || swatch.size() < 2 || swatch.size() > 6
                || !swatch.stream().allMatch(Themes::validColour)) {
            LOG.warn("Postern webmail: theme {} ignored: its name must be 1 to 32 of a-z 0-9 - and its swatch 2 to 6 #rrggbb colours",
                    theme.getClass().getName());
            return;
        }
        Object r = properties.get(Constants.SERVICE_RANKING);
        int ranking = r instanceof Integer i ? i : 0;
        byName.compute(name, (k, list) -> {
            List<Entry> l = list == null ? new ArrayList<>() : new ArrayList<>(list);
            l.add(new Entry(theme, ranking));
            l.sort(Comparator.comparingInt(Entry::ranking).reversed());
            return List.copyOf(l);
        });
    }

    void remove(Theme theme) {
        for (String name : List.copyOf(byName.keySet())) {
            byName.computeIfPresent(name, (k, list) -> {
                List<Entry> l = new ArrayList<>(list);
                l.removeIf(e -> e.theme == theme);
                return l.isEmpty() ? null : List.copyOf(l);
            });
        }
    }

    /** The installed theme of that name, or null. */
    Theme get(String name) {
        if (name == null) {
            return null;
        }
        List<Entry> l = byName.get(name);
        return l == null || l.isEmpty() ? null : l.get(0).theme;
    }

    /** The theme a page links: the chosen one when installed, else the default (which may be absent: no colours). */
    String effective(String chosen) {
        return chosen != null && get(chosen) != null ? chosen : defaultName;
    }

    /** For Settings: every installed theme by label, the current one marked. */
    List<Map<String, Object>> choices(String current) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : byName.keySet()) {
            Theme t = get(name);
            if (t == null) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("label", WebmailServlet.display(t.label(), 60, name));
            m.put("current", name.equals(current));
            out.add(m);
        }
        out.sort(Comparator.comparing(m -> (String) m.get("label")));
        return out;
    }

    /** The preview: one stripe per colour. */
    static String swatchSvg(Theme t) {
        List<String> colours = t.swatch();
        StringBuilder b = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + 16 * colours.size()
                + "\" height=\"16\" viewBox=\"0 0 " + colours.size() + " 1\" shape-rendering=\"crispEdges\">");
        for (int i = 0; i < colours.size(); i++) {
            String c = colours.get(i);
            b.append("<rect x=\"").append(i).append("\" width=\"1\" height=\"1\" fill=\"")
                    .append(validColour(c) ? c : "#808080").append("\"/>");
        }
        return b.append("</svg>").toString();
    }
}
