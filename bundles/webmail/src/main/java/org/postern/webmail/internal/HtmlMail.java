package org.postern.webmail.internal;

import java.util.ArrayList;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.safety.Cleaner;
import org.jsoup.safety.Safelist;

/**
 * HTML mail made inert, for the rich mode's sandboxed frame: jsoup's allowlist cleaner keeps
 * formatting, tables, lists, links and images and drops everything else (script, event handlers,
 * style attributes and sheets, SVG, forms, frames, objects, meta and base), links keep only
 * http, https and mailto, and images only http and https. Remote images are then removed unless
 * the user asked for them, so opening a message tells no sender that it was read; when they are
 * shown, the browser fetches them (never the server) with no referrer.
 * <p>
 * This is one of three layers: the frame's document is also served with {@code
 * Content-Security-Policy: sandbox} and no script source, and the frame element is sandboxed.
 */
final class HtmlMail {
    /** The cleaned document and how many remote images were held back. */
    record Cleaned(String html, int remoteImagesBlocked) {
    }

    private static final Safelist ALLOWED = Safelist.relaxed()
            .removeProtocols("a", "href", "ftp")
            .addTags("hr", "center", "font", "abbr", "address", "mark", "s", "del", "ins")
            .addAttributes("font", "color", "size")
            .addAttributes("td", "align", "valign", "bgcolor")
            .addAttributes("th", "align", "valign", "bgcolor")
            .addAttributes("table", "border", "cellpadding", "cellspacing", "width", "align", "bgcolor")
            .addAttributes("p", "align")
            .addAttributes("div", "align");

    /** The longest markup cleaned (characters): parsing costs memory many times its size. */
    static final int MAX_CHARS = 2_000_000;

    private HtmlMail() {
    }

    /** At most {@link #MAX_CHARS} of markup, for taking its text. */
    static String capped(String html) {
        return html.length() > MAX_CHARS ? html.substring(0, MAX_CHARS) : html;
    }

    static Cleaned clean(String html, boolean showRemote) {
        Document dirty = Jsoup.parse(html == null ? "" : html);
        // A <base href> in the mail would make its relative URLs point wherever the sender likes:
        // no base at all, so the cleaner drops every relative URL instead.
        dirty.setBaseUri("");
        Document clean = new Cleaner(ALLOWED).clean(dirty);
        // one walk for both images and links (two selects cost as much as the output)
        List<Element> images = new ArrayList<>();
        for (Element e : clean.body().getAllElements()) {
            if (e.nameIs("img")) {
                images.add(e);
            } else if (e.nameIs("a") && e.hasAttr("href")) {
                e.attr("rel", "noopener noreferrer nofollow");
                e.attr("target", "_blank");
            }
        }
        int blocked = 0;
        for (Element img : images) {
            String src = img.attr("src");
            if (src.isEmpty()) {
                img.remove();
            } else if (!showRemote) {
                String alt = img.attr("alt");
                img.replaceWith(new org.jsoup.nodes.TextNode(alt.isEmpty() ? "[image]" : "[image: " + alt + "]"));
                blocked++;
            } else {
                img.attr("referrerpolicy", "no-referrer");
            }
        }
        clean.outputSettings().charset("UTF-8").prettyPrint(false);
        String body = clean.body().html();
        String doc = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Message</title></head><body>" + body
                + "</body></html>";
        return new Cleaned(doc, blocked);
    }
}
