package com.example.postern.solarized;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.postern.api.webmail.Theme;

/**
 * A third party's webmail theme: Ethan Schoonover's Solarized (light) palette over the webmail's
 * layout. Everything it needs is the {@code org.postern.api.webmail} package.
 */
@Component(service = Theme.class)
public class SolarizedTheme implements Theme {
    private final String css = Theme.cssResource(SolarizedTheme.class, "solarized.css");

    @Override
    public String name() {
        return "solarized";
    }

    @Override
    public String label() {
        return "Solarized";
    }

    @Override
    public String css() {
        return css;
    }

    @Override
    public List<String> swatch() {
        return List.of("#fdf6e3", "#586e75", "#268bd2", "#b58900");
    }
}
