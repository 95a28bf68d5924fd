package org.postern.theme.light.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.postern.api.webmail.Theme;

/** The webmail's Light theme. */
@Component(service = Theme.class)
public class LightTheme implements Theme {
    private final String css = Theme.cssResource(LightTheme.class, "theme.css");

    @Override
    public String name() {
        return "light";
    }

    @Override
    public String label() {
        return "Light";
    }

    @Override
    public String css() {
        return css;
    }

    @Override
    public List<String> swatch() {
        return List.of("#fbfbfa", "#1d1f23", "#1f5fbf");
    }
}
