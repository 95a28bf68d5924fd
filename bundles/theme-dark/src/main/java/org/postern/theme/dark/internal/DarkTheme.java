package org.postern.theme.dark.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.postern.api.webmail.Theme;

/** The webmail's Dark theme. */
@Component(service = Theme.class)
public class DarkTheme implements Theme {
    private final String css = Theme.cssResource(DarkTheme.class, "theme.css");

    @Override
    public String name() {
        return "dark";
    }

    @Override
    public String label() {
        return "Dark";
    }

    @Override
    public String css() {
        return css;
    }

    @Override
    public List<String> swatch() {
        return List.of("#17191d", "#e4e6ea", "#7fb0ff");
    }
}
