package org.postern.webmail.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.mime.ReadableMessage;

/**
 * The compose form filled in for a reply, a reply to all, or a forward, as mail readers do it:
 * "Re:"/"Fwd:" once, the text quoted with "> ", In-Reply-To and References for threading
 * (RFC 5322 3.6.4), and for a reply to all every other recipient except the account itself.
 */
final class Replies {
    private Replies() {
    }

    static void prefill(Map<String, String> form, String mode, ReadableMessage original, String self, String received) {
        String subject = nonNull(original.header("Subject"));
        String from = nonNull(original.header("From"));
        String replyTo = original.header("Reply-To");
        String messageId = nonNull(original.header("Message-ID")).strip();
        String text = original.text() != null ? original.text()
                : original.html() != null ? org.jsoup.Jsoup.parse(HtmlMail.capped(original.html())).wholeText() : "";
        if (mode.equals("forward")) {
            form.put("subject", prefixed("Fwd: ", subject));
            StringBuilder b = new StringBuilder("\n\n---------- Forwarded message ----------\n");
            b.append("From: ").append(from).append('\n');
            for (String f : List.of("Date", "Subject", "To", "Cc")) {
                String v = original.header(f);
                if (v != null) {
                    b.append(f).append(": ").append(v).append('\n');
                }
            }
            b.append('\n').append(text.replace("\r\n", "\n"));
            form.put("body", b.toString());
            return;
        }
        form.put("to", replyTo != null && !replyTo.isBlank() ? replyTo : from);
        if (mode.equals("all")) {
            List<String> others = new ArrayList<>();
            for (String f : List.of("To", "Cc")) {
                String v = original.header(f);
                if (v == null) {
                    continue;
                }
                try {
                    for (Composer.Mailbox m : Composer.parseList(v)) {
                        if (!m.address().equalsIgnoreCase(self)) {
                            others.add(m.header());
                        }
                    }
                } catch (IllegalArgumentException unparsable) {
                    // a malformed list in the original: the user types what is missing
                }
            }
            form.put("cc", String.join(", ", others));
        }
        form.put("subject", prefixed("Re: ", subject));
        StringBuilder b = new StringBuilder("\n\nOn ").append(received).append(", ").append(from).append(" wrote:\n");
        for (String line : text.replace("\r\n", "\n").split("\n", -1)) {
            b.append(line.startsWith(">") ? ">" : "> ").append(line).append('\n');
        }
        form.put("body", b.toString());
        if (!messageId.isEmpty() && messageId.length() < 1000) {
            form.put("inReplyTo", messageId);
            String refs = nonNull(original.header("References")).strip();
            String joined = (refs.isEmpty() ? "" : refs + " ") + messageId;
            form.put("references", joined.length() > 4000 ? messageId : joined);
        }
    }

    /** The form of a saved draft, to go on writing it: its fields and text as they were saved. */
    static void reopen(Map<String, String> form, ReadableMessage draft) {
        for (String[] f : new String[][] {{"from", "From"}, {"to", "To"}, {"cc", "Cc"}, {"bcc", "Bcc"}, {"subject", "Subject"},
                {"inReplyTo", "In-Reply-To"}, {"references", "References"}}) {
            String v = draft.header(f[1]);
            if (v != null && !v.isBlank()) {
                form.put(f[0], v.strip());
            }
        }
        String text = draft.text() != null ? draft.text()
                : draft.html() != null ? org.jsoup.Jsoup.parse(HtmlMail.capped(draft.html())).wholeText() : "";
        form.put("body", text.replace("\r\n", "\n"));
    }

    private static String prefixed(String prefix, String subject) {
        String s = subject.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith(prefix.toLowerCase(Locale.ROOT))) {
            return s;
        }
        return prefix + s;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
