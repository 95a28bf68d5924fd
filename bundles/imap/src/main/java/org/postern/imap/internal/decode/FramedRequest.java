package org.postern.imap.internal.decode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One complete client request as the framer cut it: {@code n + 1} lines (terminators stripped)
 * with the {@code n} literals announced at the ends of the first {@code n} lines between them.
 * A line keeps its literal announcement ({@code {42}}, {@code {42+}}) at its end, so the parser sees
 * the command as written.
 *
 * <p>The receiver owns it: {@link #close()} it when the command is done, on every path (a spooled
 * APPEND literal is deleted then). {@link ImapRequestParser#parse} never closes it.
 */
public final class FramedRequest implements AutoCloseable {
    private final List<byte[]> lines;
    private final List<Literal> literals;

    FramedRequest(List<byte[]> lines, List<Literal> literals) {
        if (lines.size() != literals.size() + 1) {
            throw new IllegalArgumentException("need one line more than literals");
        }
        this.lines = List.copyOf(lines);
        this.literals = List.copyOf(literals);
    }

    /** A request of one line without literals (tests, and tools that build requests). */
    public static FramedRequest ofLine(String line) {
        return new FramedRequest(List.of(line.getBytes(StandardCharsets.UTF_8)), List.of());
    }

    /** A request with literals: {@code lines.size() == literals.size() + 1}. */
    public static FramedRequest of(List<byte[]> lines, List<Literal> literals) {
        return new FramedRequest(lines.stream().map(byte[]::clone).toList(), literals);
    }

    public int lineCount() {
        return lines.size();
    }

    /** A copy of line {@code i}. */
    public byte[] line(int i) {
        return lines.get(i).clone();
    }

    byte[] rawLine(int i) {
        return lines.get(i);
    }

    public List<Literal> literals() {
        return literals;
    }

    /** The first line as text (for logs and the lines of IDLE and AUTHENTICATE). */
    public String firstLine() {
        return new String(lines.get(0), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        for (Literal l : literals) {
            l.close();
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                b.append("<").append(literals.get(i - 1).size()).append(" octets>");
            }
            b.append(new String(lines.get(i), StandardCharsets.UTF_8));
        }
        return b.toString();
    }
}
