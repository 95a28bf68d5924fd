package org.postern.itests;

import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Boots the built Postern distribution (not a stock Karaf) in Pax Exam and gives tests what they
 * need inside it: run a shell command as the operator would, wait for a service, install and
 * uninstall features. One container per test class.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public abstract class PosternTestSupport {
    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected FeaturesService features;

    @Inject
    protected SessionFactory sessionFactory;

    /**
     * The test probe is one of Postern's own bundles: it may wire to org.postern.core.* (exported
     * only to importers asking for postern.core=true), which a plugin would not.
     */
    @org.ops4j.pax.exam.ProbeBuilder
    public org.ops4j.pax.exam.TestProbeBuilder probe(org.ops4j.pax.exam.TestProbeBuilder probe) {
        probe.setHeader("DynamicImport-Package", "org.postern.core.*;postern.core=true,*");
        return probe;
    }

    @Configuration
    public Option[] config() {
        String karaf = System.getProperty("karaf.version");
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl("file:" + System.getProperty("postern.distribution"))
                    .name("Postern").karafVersion(karaf)
                    .unpackDirectory(new File(System.getProperty("postern.itest.dir", "target"), "exam"))
                    .useDeployFolder(false),
            keepRuntimeFolder(),
            configureConsole().ignoreLocalConsole(),
            logLevel(LogLevel.INFO),
            // The container provisions Pax Exam's own bundles with its Maven resolver: point it at
            // the build's local repository, where the itests' dependencies put them.
            editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository",
                    System.getProperty("maven.repo.local")),
            // Another Postern on this machine (a developer's) must not collide with the test's ports.
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", "0"),
            editConfigurationFilePut("etc/org.postern.smtp.cfg", "port", String.valueOf(freePort())),
            editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", String.valueOf(freePort())),
            editConfigurationFilePut("etc/org.postern.https.cfg", "port", String.valueOf(freePort())),
            // Cheap hashes: tests create accounts often; the cost parameters are not under test here.
            editConfigurationFilePut("etc/org.postern.accounts.cfg", "argon2.memory.kib", "19456"),
            editConfigurationFilePut("etc/org.postern.accounts.cfg", "argon2.iterations", "2"),
            systemProperty("postern.itest").value("true"),
            // What bin/karaf passes on Java 9+ and Pax Exam does not.
            vmOptions("--add-reads=java.xml=java.logging",
                    "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
                    "--patch-module", "java.base=lib/endorsed/org.apache.karaf.specs.locator-" + karaf + ".jar",
                    "--patch-module", "java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + karaf + ".jar",
                    "--add-opens", "java.base/java.security=ALL-UNNAMED",
                    "--add-opens", "java.base/java.net=ALL-UNNAMED",
                    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "--add-opens", "java.base/java.util=ALL-UNNAMED",
                    "--add-opens", "java.naming/javax.naming.spi=ALL-UNNAMED",
                    "--add-opens", "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
                    "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
                    "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
                    "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED"),
        };
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a shell command printed and whether it failed (as bin/client's exit status would say). */
    public static final class Result {
        public final String output;
        public final Throwable failure;

        Result(String output, Throwable failure) {
            this.output = output;
            this.failure = failure;
        }

        public boolean failed() {
            return failure != null;
        }

        /** The one line the operator sees on failure. */
        public String error() {
            return failure == null ? null : failure.getMessage();
        }

        @Override
        public String toString() {
            return failed() ? "FAILED: " + error() + "\n" + output : output;
        }
    }

    /** Runs a command line in a fresh session; {@code input} is what the operator types (may be null). */
    protected Result shell(String command, String input) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Session session = sessionFactory.create(
                new ByteArrayInputStream((input == null ? "" : input).getBytes(StandardCharsets.UTF_8)), out, out);
        Throwable failure = null;
        // As the console admin: the postern command ACL lets only the admin role change things.
        javax.security.auth.Subject admin = new javax.security.auth.Subject();
        admin.getPrincipals().add(new org.apache.karaf.jaas.boot.principal.UserPrincipal("admin"));
        for (String role : new String[] {"admin", "manager", "viewer", "systembundles"}) {
            admin.getPrincipals().add(new org.apache.karaf.jaas.boot.principal.RolePrincipal(role));
        }
        try {
            Object result = javax.security.auth.Subject.doAs(admin,
                    (java.security.PrivilegedExceptionAction<Object>) () -> session.execute(command));
            if (result != null) {
                out.println(result);
            }
        } catch (java.security.PrivilegedActionException e) {
            failure = e.getException();
        } catch (Throwable t) {
            failure = t;
        } finally {
            out.flush();
            session.close();
        }
        return new Result(buf.toString(StandardCharsets.UTF_8), failure);
    }

    protected Result shell(String command) {
        return shell(command, null);
    }

    /**
     * A password in an owner-only file, for {@code --password-file}: how scripts give passwords
     * without putting them on a command line.
     */
    protected static String passwordFile(String password) {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("postern-pw", ".txt",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            java.nio.file.Files.writeString(f, password + "\n");
            f.toFile().deleteOnExit();
            return f.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs a command that must succeed and returns its output. */
    protected String ok(String command) {
        Result r = shell(command);
        if (r.failed()) {
            throw new AssertionError("'" + command + "' failed: " + r.error() + "\n" + r.output);
        }
        return r.output;
    }

    /** Waits for a service to be registered (components come and go asynchronously). */
    protected <T> T await(Class<T> type, long seconds) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(bundleContext, type, null);
        tracker.open();
        try {
            T service = tracker.waitForService(TimeUnit.SECONDS.toMillis(seconds));
            if (service == null) {
                throw new AssertionError(type.getName() + " not registered within " + seconds + " s");
            }
            return service;
        } finally {
            tracker.close();
        }
    }

    /** Waits until no service of this type is registered. */
    protected void awaitGone(Class<?> type, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            ServiceReference<?> ref = bundleContext.getServiceReference(type);
            if (ref == null) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(type.getName() + " still registered after " + seconds + " s");
    }

    protected void uninstall(String feature) throws Exception {
        features.uninstallFeature(feature, EnumSet.noneOf(FeaturesService.Option.class));
    }

    protected void install(String feature) throws Exception {
        features.installFeature(feature, EnumSet.noneOf(FeaturesService.Option.class));
    }
}
