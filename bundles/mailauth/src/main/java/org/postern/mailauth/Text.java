package org.postern.mailauth;

/** Reasons and header values built from what a sender controls: bounded and printable. */
final class Text {
    static final int MAX_REASON = 200;

    private Text() {
    }

    /** Printable ASCII only, at most {@value #MAX_REASON} characters. */
    static String reason(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_REASON));
        for (int i = 0; i < s.length() && b.length() < MAX_REASON; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }
}
