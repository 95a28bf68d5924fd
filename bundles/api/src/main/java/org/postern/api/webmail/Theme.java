package org.postern.api.webmail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A colour theme of the webmail's rich mode: its compiled CSS, a name and a preview swatch.
 * Register it as an OSGi service (whiteboard); text mode never uses a theme.
 * <p>
 * The CSS is served from the webmail's own origin under a Content-Security-Policy that allows no
 * script, no remote resource and no inline style, so a theme can restyle the pages but load
 * nothing from elsewhere: {@code url()} of another origin is refused by browsers. Pages are plain
 * semantic HTML (header, nav, main, table, form, pre.body, dl); the bundled themes show the
 * selectors they style.
 */
@ConsumerType
public interface Theme {
    /**
     * The stable id users' settings keep: 1 to 32 of {@code a-z 0-9 -}. A theme with another name
     * is ignored (and logged). Two services of one name: the higher service ranking wins.
     */
    String name();

    /** What Settings shows, e.g. "High contrast". */
    String label();

    /** The compiled CSS, UTF-8 text. */
    String css();

    /** Two to six colours for the preview swatch, each {@code #rrggbb}: background, text, accent, ... */
    List<String> swatch();

    /** A theme's CSS from a resource of its own bundle, for {@link #css()}. */
    static String cssResource(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + resource + " next to " + owner.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
