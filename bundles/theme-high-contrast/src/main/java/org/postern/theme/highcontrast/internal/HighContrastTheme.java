package org.postern.theme.highcontrast.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.postern.api.webmail.Theme;

/** The webmail's High contrast theme. */
@Component(service = Theme.class)
public class HighContrastTheme implements Theme {
    private final String css = Theme.cssResource(HighContrastTheme.class, "theme.css");

    @Override
    public String name() {
        return "high-contrast";
    }

    @Override
    public String label() {
        return "High contrast";
    }

    @Override
    public String css() {
        return css;
    }

    @Override
    public List<String> swatch() {
        return List.of("#000000", "#ffffff", "#ffff00");
    }
}
