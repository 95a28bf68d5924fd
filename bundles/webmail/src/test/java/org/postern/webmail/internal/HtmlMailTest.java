package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The XSS corpus: every line, alone and all together, comes out of the cleaner inert. */
class HtmlMailTest {
    static List<String> corpus() throws Exception {
        try (InputStream in = HtmlMailTest.class.getResourceAsStream("/xss/corpus.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** What must never reach the browser from a sender. */
    static void assertInert(String html, boolean remoteShown) {
        String lower = html.toLowerCase(Locale.ROOT);
        for (String bad : List.of("<script", "javascript:", "vbscript:", "data:text", "<svg", "<math", "<iframe", "<object",
                "<embed", "<form", "<input", "<button", "<meta http", "<base", "<style", "style=", "expression(", "<link",
                "<video", "<source", "<details", "<marquee", "<isindex", "onerror", "onload", "onclick", "ontoggle", "onfocus",
                "onstart", "srcdoc", "x:script")) {
            assertFalse(lower.contains(bad), "'" + bad + "' in: " + html);
        }
        if (!remoteShown) {
            assertFalse(lower.contains("src=\"http"), "a remote image before the user asked: " + html);
        }
    }

    @Test
    void everyLineOfTheCorpusIsInertAloneAndTogether() throws Exception {
        List<String> lines = corpus();
        assertTrue(lines.size() >= 35);
        for (String line : lines) {
            assertInert(HtmlMail.clean(line, false).html(), false);
            assertInert(HtmlMail.clean(line, true).html(), true);
        }
        assertInert(HtmlMail.clean(String.join("\n", lines), false).html(), false);
        assertInert(HtmlMail.clean(String.join("\n", lines), true).html(), true);
    }

    @Test
    void aBaseElementInTheMailMakesNoRelativeUrlAbsolute() {
        String html = HtmlMail.clean("<base href=\"http://evil.example/\"><a href=\"page\">x</a><img src=\"pic.png\">", true).html();
        assertFalse(html.contains("evil.example"), html);
    }

    @Test
    void formattingAndLinksStayRemoteImagesWaitForTheUser() {
        String mail = "<h1>News</h1><p>Hello <b>you</b>, see <a href=\"https://ok.example/x\">this</a>.</p>"
                + "<table><tr><td>cell</td></tr></table><img src=\"https://tracker.example/p.gif\" alt=\"Logo\">";
        HtmlMail.Cleaned held = HtmlMail.clean(mail, false);
        assertEquals(1, held.remoteImagesBlocked());
        assertTrue(held.html().contains("<h1>News</h1>"), held.html());
        assertTrue(held.html().contains("<b>you</b>"), held.html());
        assertTrue(held.html().contains("<a href=\"https://ok.example/x\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">this</a>"),
                held.html());
        assertTrue(held.html().contains("<td>cell</td>"), held.html());
        assertTrue(held.html().contains("[image: Logo]"), held.html());
        HtmlMail.Cleaned shown = HtmlMail.clean(mail, true);
        assertEquals(0, shown.remoteImagesBlocked());
        assertTrue(shown.html().contains("src=\"https://tracker.example/p.gif\""), shown.html());
        assertTrue(shown.html().contains("referrerpolicy=\"no-referrer\""), shown.html());
    }
}
