package org.postern.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distribution as an operator runs it: unpacked from the tar.gz, started with
 * {@code bin/karaf server}, driven with {@code bin/client -u admin -b}, stopped with SIGTERM.
 * Each instance gets its own directory and SSH port.
 */
final class PosternProcess implements AutoCloseable {
    /** The schema version the store must report: the number of migrations shipped. */
    static final int SCHEMA_VERSION = 21;

    /** What bin/client printed and its exit status. */
    static final class ClientResult {
        final int exit;
        final String output;

        ClientResult(int exit, String output) {
            this.exit = exit;
            this.output = output;
        }

        @Override
        public String toString() {
            return "exit " + exit + ":\n" + output;
        }
    }

    final Path home;
    final int sshPort;
    /** Where SMTP listens: the configured port plus any {@link #portOffset}. */
    int smtpPort;
    /** Where POP3 listens (STLS) and POP3S (implicit TLS), offset included. */
    int pop3Port;
    int pop3sPort;
    /** Where IMAP listens (STARTTLS) and IMAPS (implicit TLS), offset included. */
    int imapPort;
    int imapsPort;
    /** Where submission listens (STARTTLS) and with implicit TLS, offset included. */
    int submissionPort;
    int submissionsPort;
    /** Where pax-web's HTTP listener is (DAV under /dav/); not moved by the port offset. */
    int httpPort;
    /** Where the HTTPS listener of postern-https is. */
    int httpsPort;
    private Path blobDir;
    private Process process;

    private PosternProcess(Path home, int sshPort, int smtpPort) {
        this.home = home;
        this.sshPort = sshPort;
        this.smtpPort = smtpPort;
    }

    /** Unpacks a fresh copy of the distribution under target/runs/{name}. */
    static PosternProcess unpack(String name) throws Exception {
        Path runs = Paths.get(System.getProperty("postern.itest.dir", "target"), "runs", name).toAbsolutePath();
        if (Files.exists(runs)) {
            run(List.of("rm", "-rf", runs.toString()), null, 60);
        }
        Files.createDirectories(runs);
        run(List.of("tar", "xzf", System.getProperty("postern.distribution"), "-C", runs.toString()), null, 120);
        Path home;
        try (var dirs = Files.list(runs)) {
            home = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        int port = freePort();
        int smtp = freePort();
        PosternProcess p = new PosternProcess(home, port, smtp);
        p.setConfig("org.apache.karaf.shell.cfg", "sshPort", String.valueOf(port));
        p.setConfig("org.postern.smtp.cfg", "port", String.valueOf(smtp));
        p.setConfig("org.postern.smtp.cfg", "hostname", "mx.postern.test");
        p.pop3Port = freePort();
        p.pop3sPort = freePort();
        p.setConfig("org.postern.pop3.cfg", "port", String.valueOf(p.pop3Port));
        p.setConfig("org.postern.pop3.cfg", "tls.port", String.valueOf(p.pop3sPort));
        p.imapPort = freePort();
        p.imapsPort = freePort();
        p.setConfig("org.postern.imap.cfg", "port", String.valueOf(p.imapPort));
        p.setConfig("org.postern.imap.cfg", "tls.port", String.valueOf(p.imapsPort));
        p.submissionPort = freePort();
        p.submissionsPort = freePort();
        p.setConfig("org.postern.submission.cfg", "port", String.valueOf(p.submissionPort));
        p.setConfig("org.postern.submission.cfg", "tls.port", String.valueOf(p.submissionsPort));
        p.httpPort = freePort();
        p.setConfig("org.ops4j.pax.web.cfg", "org.osgi.service.http.port", String.valueOf(p.httpPort));
        p.httpsPort = freePort();
        p.setConfig("org.postern.https.cfg", "port", String.valueOf(p.httpsPort));
        p.setConfig("org.postern.tls.cfg", "hostname", "mx.postern.test");
        // The cheapest hashes the floor allows: the cost parameters are not under test here.
        p.setConfig("org.postern.accounts.cfg", "argon2.memory.kib", "19456");
        p.setConfig("org.postern.accounts.cfg", "argon2.iterations", "2");
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Sets one key in an etc/ file, replacing its line or appending it. */
    void setConfig(String file, String key, String value) throws IOException {
        Path f = home.resolve("etc").resolve(file);
        List<String> lines = Files.exists(f) ? new ArrayList<>(Files.readAllLines(f)) : new ArrayList<>();
        Pattern p = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*[=:].*$");
        boolean replaced = false;
        for (int i = 0; i < lines.size(); i++) {
            if (p.matcher(lines.get(i)).matches()) {
                lines.set(i, key + " = " + value);
                replaced = true;
            }
        }
        if (!replaced) {
            lines.add(key + " = " + value);
        }
        Path tmp = f.resolveSibling(file + ".tmp");
        Files.deleteIfExists(tmp);
        // etc/ files may hold secrets (jdbc.password): owner-only from the first byte
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, lines);
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A password in an owner-only file under the instance, for {@code --password-file}. */
    String passwordFile(String password) throws IOException {
        Path dir = home.resolve("secrets");
        Files.createDirectories(dir);
        Path f = Files.createTempFile(dir, "pw", ".txt");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, password + "\n");
        return f.toString();
    }

    Path dataDir() {
        return home.resolve("postern-data");
    }

    /** Message bodies: {@code postern-data/blobs} unless {@link #usePostgresql} shares a directory. */
    Path blobDir() {
        return blobDir != null ? blobDir : dataDir().resolve("blobs");
    }

    /**
     * Points the node at a PostgreSQL database and a blob directory, the documented way: the
     * store's keys in etc/org.postern.store.cfg and postern-store-postgresql in featuresBoot.
     */
    void usePostgresql(String jdbcUrl, String user, String password, Path blobs) throws IOException {
        setConfig("org.postern.store.cfg", "jdbc.url", jdbcUrl);
        setConfig("org.postern.store.cfg", "jdbc.user", user);
        setConfig("org.postern.store.cfg", "jdbc.password", password);
        setConfig("org.postern.store.cfg", "dataSourceFactory.target", "(osgi.jdbc.driver.class=org.postgresql.Driver)");
        setConfig("org.postern.store.cfg", "blob.dir", blobs.toString());
        this.blobDir = blobs;
        Path features = home.resolve("etc/org.apache.karaf.features.cfg");
        String text = Files.readString(features);
        String boot = "featuresBoot = \\\n";
        if (!text.contains(boot)) {
            throw new AssertionError("no featuresBoot list in " + features);
        }
        Files.writeString(features, text.replace(boot, boot + "    postern-store-postgresql, \\\n"));
    }

    /** Sets postern.port.offset in etc/system.properties: every Postern listener moves by it. */
    void portOffset(int offset) throws IOException {
        setConfig("system.properties", "postern.port.offset", String.valueOf(offset));
        smtpPort += offset;
        pop3Port += offset;
        pop3sPort += offset;
        imapPort += offset;
        imapsPort += offset;
        submissionPort += offset;
        submissionsPort += offset;
    }

    Path log() {
        return home.resolve("data/log/karaf.log");
    }

    String logText() throws IOException {
        return Files.exists(log()) ? Files.readString(log()) : "";
    }

    /** The Karaf JVM's process id (the bin/karaf script execs java, or forks it as its child). */
    long pid() {
        return process.descendants().filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false))
                .map(ProcessHandle::pid).findFirst().orElse(process.pid());
    }

    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("console.out").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_MAX_MEM", "512M");
        process = pb.start();
    }

    /** Blocks until the console admin's password file exists and returns the password. */
    String adminPassword(long seconds) throws Exception {
        Path f = dataDir().resolve("admin.password");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(f) && Files.size(f) > 0) {
                return Files.readString(f).trim();
            }
            requireAlive();
            Thread.sleep(200);
        }
        throw new AssertionError("no " + f + " after " + seconds + " s; log:\n" + tail());
    }

    /** Runs commands through bin/client as the operator, retrying while SSH is not up yet. */
    ClientResult client(String password, String commands) throws Exception {
        return client(password, commands, 90);
    }

    ClientResult client(String password, String commands, long seconds) throws Exception {
        return clientAs("admin", password, commands, seconds);
    }

    /**
     * Like {@link #client} but takes "the ... service is not running" as the answer instead of
     * waiting for the capability to come up: for tests of a capability that must stay down.
     */
    ClientResult clientWhileDown(String password, String commands) throws Exception {
        return clientAs("admin", password, commands, 90, false);
    }

    /**
     * Runs commands until they succeed (a capability still starting answers "not running"),
     * up to {@code seconds}; returns the last result.
     */
    ClientResult clientUntilOk(String password, String commands, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ClientResult r = client(password, commands, seconds);
        while (r.exit != 0 && System.nanoTime() < deadline) {
            requireAlive();
            Thread.sleep(500);
            r = client(password, commands, 5);
        }
        return r;
    }

    /** Like {@link #client} as another console user. */
    ClientResult clientAs(String user, String password, String commands, long seconds) throws Exception {
        return clientAs(user, password, commands, seconds, true);
    }

    private ClientResult clientAs(String user, String password, String commands, long seconds, boolean awaitUp)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            ClientResult r = runClient(user, password, commands);
            boolean notUp = r.output.contains("Connection refused") || r.output.contains("Failed to get the session")
                    || r.output.contains("Authentication failed")
                    || r.output.contains("Command not found: postern:")
                    // capabilities start in any order after the console: "is not running" at first
                    || (awaitUp && r.output.contains("is not running (is the store up?"));
            if (!notUp || System.nanoTime() > deadline) {
                return r;
            }
            requireAlive();
            Thread.sleep(300);
        }
    }

    private ClientResult runClient(String user, String password, String commands) throws Exception {
        List<String> cmd = List.of(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort),
                "-h", "127.0.0.1", "-u", user, "-p", password, "-r", "1", "-b");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((commands + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(readAll(p.getInputStream()), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/client hung on: " + commands);
        }
        return new ClientResult(p.exitValue(), stripAnsi(out));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toByteArray();
    }

    /**
     * The INBOX line of {@code postern:mailbox-list} output ("INBOX 3"): every account has its
     * default folders besides, listed by name.
     */
    /**
     * Waits until this node's listener on {@code port} greets with a line starting
     * {@code greeting} ("220" for SMTP, "+OK" for POP3), failing with the log's tail.
     */
    void awaitGreeting(int port, String greeting, long seconds) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                        java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                if (line != null && line.startsWith(greeting)) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing greeting with " + greeting + " on " + port + ":\n" + tail());
            }
            Thread.sleep(500);
        }
    }

    static String inbox(String mailboxList) {
        for (String line : stripAnsi(mailboxList).split("\\R")) {
            if (line.trim().startsWith("INBOX ")) {
                return line.trim();
            }
        }
        return "(no INBOX in: " + mailboxList.trim() + ")";
    }

    static long inboxCount(String mailboxList) {
        return Long.parseLong(inbox(mailboxList).replace("INBOX ", ""));
    }

    static String stripAnsi(String s) {
        // bin/client's own chatter (a retried connect) is not the command's output
        return s.replaceAll("\u001B\\[[;\\d]*m", "").replaceAll("(?m)^client: JAVA_HOME not set.*\n", "")
                .replaceAll("(?m)^retrying \\(attempt \\d+\\) \\.\\.\\.\n", "");
    }

    private void requireAlive() throws IOException {
        if (process != null && !process.isAlive()) {
            throw new AssertionError("Postern exited with " + process.exitValue() + "; log:\n" + tail());
        }
    }

    String tail() throws IOException {
        String log = logText();
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }

    /** SIGTERM, as Ctrl-C or a service manager would; waits for a clean exit. */
    void stop() throws Exception {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.forEach(ProcessHandle::destroy);
        process.destroy();
        for (ProcessHandle h : all) {
            h.onExit().get(60, TimeUnit.SECONDS);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        process = null;
    }

    /** kill -9 of the whole container: no shutdown hook, no flush, no goodbye. */
    void killHard() throws Exception {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        for (ProcessHandle h : all) {
            h.onExit().get(30, TimeUnit.SECONDS);
        }
        process.waitFor(30, TimeUnit.SECONDS);
        process = null;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    static List<String> run(List<String> cmd, Path dir, long seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(readAll(p.getInputStream()), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(cmd + " failed: " + out);
        }
        return out.lines().toList();
    }

    /** What a command printed and its exit status. */
    record Ran(int exit, String output) {
    }

    /** Runs a command whose failure is expected; returns its output lines. */
    static List<String> runAllowingFailure(List<String> cmd, long seconds) throws Exception {
        return runWith(cmd, null, seconds).output().lines().toList();
    }

    /**
     * Runs ssh/sftp with the password coming from an SSH_ASKPASS program, so that it is on no
     * command line; {@code setsid} takes the terminal away so OpenSSH uses it.
     */
    static Ran runWithAskpass(List<String> cmd, Path askpass, long seconds) throws Exception {
        return runWith(cmd, askpass, seconds);
    }

    private static Ran runWith(List<String> cmd, Path askpass, long seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (askpass != null) {
            pb.environment().put("SSH_ASKPASS", askpass.toString());
            pb.environment().put("SSH_ASKPASS_REQUIRE", "force");
            pb.environment().put("DISPLAY", "none:0");
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(readAll(p.getInputStream()), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " hung: " + out);
        }
        return new Ran(p.exitValue(), out);
    }

    /**
     * Debian's swaks sends {@code data} (a whole message) to this MX from sender@origin.example,
     * greeting as {@code helo}; what it printed (the exit status is the caller's to judge: a
     * refusal is an answer too).
     */
    String swaks(String helo, String to, String data) throws Exception {
        Path file = Files.createTempFile(home, "msg", ".eml");
        Files.writeString(file, data);
        Process p = new ProcessBuilder("swaks", "--server", "127.0.0.1:" + smtpPort, "--to", to, "--from", "sender@origin.example",
                "--helo", helo, "--data", file.toString(), "--timeout", "20").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("swaks hung: " + out);
        }
        return out;
    }

    static String firstMatch(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(m.groupCount() > 0 ? 1 : 0) : null;
    }
}
