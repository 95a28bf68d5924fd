package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every page renders in both modes, escapes what a sender wrote, and has no script anywhere. */
class PagesTest {
    private final Pages pages = new Pages();
    private static final String HOSTILE = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";

    private Map<String, Object> base(boolean text) {
        Map<String, Object> m = new HashMap<>();
        m.put("text", text);
        m.put("here", "/mail/list?f=INBOX");
        m.put("theme", "light");
        m.put("address", "a@example.net");
        m.put("csrf", "tok");
        m.put("folders", List.of(Map.of("name", "INBOX", "label", "Inbox", "unseen", 3L, "messages", 4L),
                Map.of("name", "Trash", "label", "Trash", "unseen", 0L, "messages", 0L)));
        return m;
    }

    private static void inert(String html) {
        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains("<img"), html);
        assertTrue(html.contains("&lt;script&gt;"), html);
    }

    @Test
    void listEscapesSenderTextAndLinksCssOnlyInRichMode() throws Exception {
        for (boolean text : new boolean[] {true, false}) {
            Map<String, Object> m = base(text);
            m.put("folder", "INBOX");
            m.put("folderLabel", "Inbox");
            m.put("uidValidity", 7L);
            m.put("rows", List.of(Map.of("uid", 12L, "seen", false, "flagged", true, "answered", false, "date", "2026-12-04 07:00 UTC",
                    "size", "4 KB", "from", HOSTILE, "subject", HOSTILE)));
            m.put("page", 1);
            m.put("pages", 2);
            m.put("total", 60);
            m.put("sort", "date");
            m.put("order", "desc");
            m.put("isTrash", false);
            m.put("threads", false);
            String html = pages.render("list", m);
            inert(html);
            assertTrue(html.contains("name=\"open:12\""), html);
            assertTrue(html.contains("p=2&amp;s=date&amp;o=desc"), html);

            m.put("threads", true);
            m.put("conversations", 31);
            m.put("rows", List.of(Map.of("uid", 14L, "uids", "12,13,14", "count", 3, "seen", false, "flagged", false,
                    "answered", false, "date", "d", "size", "9 KB", "from", HOSTILE, "subject", HOSTILE)));
            String threads = pages.render("list", m);
            inert(threads);
            assertTrue(threads.contains("60 messages in 31 conversations"), threads);
            assertTrue(threads.contains("value=\"12,13,14\""), threads);
            assertTrue(threads.contains("name=\"t\" value=\"1\""), threads);
            assertTrue(threads.contains("p=2&amp;t=1\""), threads);
            assertTrue(html.contains("Inbox</a> (3 unread)"), html);
            assertTrue(html.contains("p=2"), html);
            assertTrue(html.contains("/mail/theme.css") != text, html);
            assertFalse(html.contains("<style") || html.contains("<frame") || html.contains("<iframe"), html);
            assertTrue(html.contains(text ? "notext\">Rich mode" : "text\">Text mode"), html);
        }
    }

    @Test
    void readLoginAndErrorRender() throws Exception {
        Map<String, Object> m = base(false); // rich mode: the HTML link is offered
        m.put("folder", "INBOX");
        m.put("folderLabel", "Inbox");
        m.put("uidValidity", 7L);
        m.put("uid", 12L);
        m.put("seen", true);
        m.put("flagged", false);
        m.put("draft", true);
        m.put("date", "d");
        m.put("size", "1 KB");
        m.put("tooLarge", false);
        m.put("header", List.of(Map.of("name", "From", "value", HOSTILE)));
        m.put("subject", HOSTILE);
        m.put("body", "line one\n" + HOSTILE);
        m.put("fromHtml", false);
        m.put("hasHtml", true);
        m.put("showHtml", false);
        m.put("remote", false);
        m.put("remoteBlocked", 0);
        m.put("blockOffers", List.of(Map.of("entry", "server:" + HOSTILE, "label", HOSTILE)));
        m.put("truncated", false);
        m.put("attachments", List.of(Map.of("path", "2", "name", HOSTILE, "type", "application/pdf", "size", "1 KB")));
        m.put("conversation", List.of(Map.of("uid", 9L, "current", false, "seen", false, "date", "d", "from", HOSTILE, "subject", "s"),
                Map.of("uid", 12L, "current", true, "seen", true, "date", "d", "from", "me", "subject", "s")));
        String html = pages.render("read", m);
        inert(html);
        assertTrue(html.contains("line one"), html);
        assertTrue(html.contains("/mail/part?f=INBOX&amp;v=7&amp;u=12&amp;p=2"), html);
        assertTrue(html.contains("/mail/read?f=INBOX&amp;v=7&amp;u=12&amp;html"), html);
        assertTrue(html.contains("<form method=\"post\" action=\"/mail/block\">"), html);
        assertTrue(html.contains("This conversation (2 messages)") && html.contains("name=\"open:9\""), html);
        assertTrue(html.contains("/mail/compose?mode=draft&amp;f=INBOX&amp;v=7&amp;u=12\">Edit this draft"), html);

        Map<String, Object> locked = base(true);
        locked.put("byOperator", false);
        locked.put("expires", "31 January 2027");
        locked.put("notices", List.of(Map.of("date", "d", "text", HOSTILE)));
        String lockedPage = pages.render("locked", locked);
        assertTrue(lockedPage.contains("Your account expired on 31 January 2027.") && lockedPage.contains("&lt;script&gt;"), lockedPage);
        locked.put("byOperator", true);
        assertTrue(pages.render("locked", locked).contains("Your account is locked"));

        Map<String, Object> login = new HashMap<>();
        login.put("text", false);
        login.put("here", "/mail/");
        login.put("theme", "light");
        login.put("csrf", "pre");
        login.put("notice", "");
        login.put("user", HOSTILE);
        html = pages.render("login", login);
        assertFalse(html.contains("<script"), html);
        assertTrue(html.contains("name=\"password\" type=\"password\""), html);
        assertFalse(html.contains("Log out"), html);

        Map<String, Object> error = new HashMap<>();
        error.put("text", true);
        error.put("here", "/mail/");
        error.put("theme", "light");
        error.put("status", 404);
        error.put("message", "There is no such page.");
        assertTrue(pages.render("error", error).contains("There is no such page."));
    }
}
