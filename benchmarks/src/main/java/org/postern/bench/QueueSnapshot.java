package org.postern.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The outbound queue as a stopped (or killed) node left it, read from a copy of its embedded Derby
 * database: how many messages are queued, and which of them a node held a lease on at
 * {@code --at} (epoch ms; a kill's moment): the messages that node was sending, which may reach
 * their destination twice (sent, but the outcome never recorded). Each leased message is printed
 * with the Message-ID of its body, read from the node's blob directory, so that the duplicates a
 * sink saw can be matched with them.
 *
 * <p>Derby is not in benchmarks.jar: put the distribution's on the class path. Open a copy, never
 * the live directory (booting it runs Derby's recovery, which is the node's own to run).
 *
 * <pre>java -cp benchmarks.jar:system/org/apache/derby/derby/10.14.2.0/derby-10.14.2.0.jar \
 *     org.postern.bench.QueueSnapshot --db /tmp/copy/db --blobs postern-data/blobs --at 1700000000000</pre>
 *
 * <p>Prints {@code queued N}, {@code leased M}, then {@code leased <queue id> <message-id> <lease owner>}
 * lines (a node that was killed before may still hold leases that have not expired), then
 * {@code recipients <domain> <state> <count>} lines: the queue's recipients by domain and state
 * (P pending, D delivered, F failed), which tell the messages to one domain from the rest; then
 * {@code replies <attempts> <count> <last reply>} lines: the pending recipients by their number of
 * attempts and their last reply (hex ids and numbers in it made {@code #}, so that alike ones count
 * together).
 */
public final class QueueSnapshot {
    private QueueSnapshot() {
    }

    public static void main(String[] args) throws Exception {
        String db = arg(args, "--db", null);
        Path blobs = Path.of(arg(args, "--blobs", "blobs"));
        long at = Long.parseLong(arg(args, "--at", Long.toString(System.currentTimeMillis())));
        System.setProperty("derby.stream.error.file", Path.of(db).resolveSibling("derby-snapshot.log").toString());
        StringBuilder lines = new StringBuilder();
        long queued;
        long leased = 0;
        try (Connection c = DriverManager.getConnection("jdbc:derby:" + db); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM outbound_message")) {
                rs.next();
                queued = rs.getLong(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT id, blob_id, lease_owner, lease_until FROM outbound_message "
                    + "WHERE lease_owner IS NOT NULL ORDER BY id")) {
                while (rs.next()) {
                    long until = rs.getLong(4);
                    if (rs.wasNull() || until <= at) {
                        continue;
                    }
                    leased++;
                    String blob = rs.getString(2).trim();
                    lines.append("leased ").append(rs.getString(1).trim()).append(' ')
                            .append(messageId(blobs.resolve(blob.substring(0, 2)).resolve(blob))).append(' ')
                            .append(rs.getString(3).trim().replace(' ', '_')).append('\n');
                }
            }
        }
        java.util.Map<String, Long> byDomain = new java.util.TreeMap<>();
        java.util.Map<String, Long> replies = new java.util.TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:derby:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT address, state, attempts, last_reply FROM outbound_recipient")) {
            while (rs.next()) {
                String address = rs.getString(1);
                String domain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(java.util.Locale.ROOT);
                String state = rs.getString(2).trim();
                byDomain.merge(domain + " " + state, 1L, Long::sum);
                if (state.equals("P")) {
                    String reply = rs.getString(4) == null ? "-" : rs.getString(4).replaceAll("[0-9a-f]{32}|[0-9]+", "#");
                    replies.merge(String.format("%3d ", rs.getInt(3)) + "\t" + reply, 1L, Long::sum);
                }
            }
        }
        byDomain.forEach((k, v) -> lines.append("recipients ").append(k).append(' ').append(v).append('\n'));
        replies.forEach((k, v) -> {
            String[] parts = k.split("\t", 2);
            lines.append("replies ").append(parts[0].trim()).append(' ').append(v).append(' ').append(parts[1]).append('\n');
        });
        try {
            DriverManager.getConnection("jdbc:derby:;shutdown=true");
        } catch (SQLException expected) {
            // Derby says it shut down by throwing
        }
        System.out.println("queued " + queued);
        System.out.println("leased " + leased);
        System.out.print(lines);
    }

    private static String messageId(Path blob) throws IOException {
        try (InputStream raw = Files.newInputStream(blob);
                BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.ISO_8859_1))) {
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                    return line.substring(11).trim();
                }
            }
            return "-";
        } catch (NoSuchFileException e) {
            return "(body-gone)";
        }
    }

    private static String arg(String[] args, String name, String def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }
}
