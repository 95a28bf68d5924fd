package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.inject.Inject;
import org.junit.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.postern.api.account.Account;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.api.account.AccountService;
import org.postern.api.address.MailAddress;
import org.postern.api.delivery.DeliveryFilter;
import org.postern.api.delivery.FilterOutcome;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;

/**
 * The two whiteboards a plugin uses besides SmtpPolicy, in the real distribution: a bundle (here
 * the test probe) registers a {@link DeliveryFilter} and an {@link AccountLifecycleListener} as
 * plain OSGi services, and Postern calls them for mail that arrives over SMTP and for accounts the
 * operator creates and removes; once unregistered, they are called no more.
 *
 * <p>Two filters show the chain and its order: a tagger (ranking 10) replaces the body of mail to
 * one account with a copy carrying a header; a router (ranking -10, registered first, so it would
 * run first if registration order decided) files a message into the folder {@code Plugin} only if
 * it sees that header, so it can do so only if it runs after the tagger, on the tagger's result.
 */
public class PluginWhiteboardIT extends PosternTestSupport {
    private static final long DEADLINE_SECONDS = 60;
    private static final String FOLDER = "Plugin";

    @Inject
    protected ConfigurationAdmin configAdmin;

    /** What the filters did, in the order they did it: "tagger rcpt", "router rcpt". */
    private final List<String> calls = new CopyOnWriteArrayList<>();
    /** Bodies the tagger replaced, and their replacements. */
    private final List<BlobId> originals = new CopyOnWriteArrayList<>();
    private final List<BlobId> replacements = new CopyOnWriteArrayList<>();
    /** What the listener was told: "created address", "removed address". */
    private final List<String> events = new CopyOnWriteArrayList<>();

    private BlobStore blobs;
    private String tag;
    private MailAddress filtered;

    @Test
    public void aPluginsDeliveryFilterAndLifecycleListenerAreCalledUntilUnregistered() throws Exception {
        AccountService accounts = await(AccountService.class, DEADLINE_SECONDS);
        await(MailStore.class, DEADLINE_SECONDS);
        await(BlobStore.class, DEADLINE_SECONDS);
        MailStore mailStore = core(MailStore.class);
        blobs = core(BlobStore.class);
        int port = smtpPort();

        String unique = "w" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String domain = unique + ".example.net";
        tag = "X-Postern-Plugin: " + unique;
        String filteredAddress = "filtered@" + domain;
        String plainAddress = "plain@" + domain;
        filtered = MailAddress.parse(filteredAddress);

        ServiceRegistration<DeliveryFilter> router = bundleContext.registerService(DeliveryFilter.class,
                this::route, properties("router", -10));
        ServiceRegistration<DeliveryFilter> tagger = bundleContext.registerService(DeliveryFilter.class,
                this::tagBody, properties("tagger", 10));
        ServiceRegistration<AccountLifecycleListener> listener = bundleContext.registerService(
                AccountLifecycleListener.class, new AccountLifecycleListener() {
                    @Override
                    public void created(Account account) {
                        events.add("created " + account.address());
                    }

                    @Override
                    public void removed(Account account) {
                        events.add("removed " + account.address());
                    }
                }, properties("listener", 0));
        boolean registered = true;
        try {
            ok("postern:domain-add " + domain);
            ok("postern:account-add " + filteredAddress + " --password-file " + passwordFile("filtered password 1"));
            ok("postern:account-add " + plainAddress + " --password-file " + passwordFile("plain password 22"));
            eventually("the listener is told of both accounts", () -> events,
                    List.of("created " + filteredAddress, "created " + plainAddress));
            String filteredId = accounts.find(filteredAddress).orElseThrow().id();
            String plainId = accounts.find(plainAddress).orElseThrow().id();

            awaitListener(port);
            deliver(port, "first " + unique, filteredAddress, plainAddress);
            eventually("the tagged message is filed by the router", () -> withMail(mailStore.folders(filteredId)),
                    folders(FOLDER, 1));
            eventually("the other account's message is untouched", () -> withMail(mailStore.folders(plainId)),
                    folders(MailStore.INBOX, 1));
            assertEquals("highest ranking first, though registered last", List.of("tagger", "router"),
                    callsFor(filteredAddress));
            assertEquals("every filter sees every message", List.of("tagger", "router"), callsFor(plainAddress));
            assertEquals(1, replacements.size());
            String stored = read(replacements.get(0));
            assertTrue(stored, stored.startsWith(tag + "\r\n") && stored.contains("Subject: first " + unique));
            BlobId original = originals.get(0);
            eventually("the replaced original is deleted, as the mail store promises", () -> sizeOf(original), -1L);

            ok("postern:account-remove " + plainAddress + " --force");
            eventually("the listener is told of the removal", () -> events, List.of("created " + filteredAddress,
                    "created " + plainAddress, "removed " + plainAddress));
            eventually("Postern's own listener deleted the removed account's mail alongside",
                    () -> withMail(mailStore.folders(plainId)), folders());

            // Unregistering is synchronous (SCR unbinds dynamic references before unregister returns):
            // from here on neither is called, so the negative checks need no waiting.
            tagger.unregister();
            router.unregister();
            listener.unregister();
            registered = false;
            int callsBefore = calls.size();
            deliver(port, "second " + unique, filteredAddress);
            eventually("the second message lands in INBOX, unfiltered", () -> withMail(mailStore.folders(filteredId)),
                    folders(FOLDER, 1, MailStore.INBOX, 1));
            assertEquals("no filter was called after unregistering", callsBefore, calls.size());
            assertEquals(1, replacements.size());
            ok("postern:account-add late@" + domain + " --password-file " + passwordFile("late password 333"));
            assertFalse("no listener was told after unregistering: " + events,
                    events.stream().anyMatch(e -> e.contains("late@")));
        } finally {
            if (registered) {
                for (ServiceRegistration<?> r : List.of(tagger, router, listener)) {
                    try {
                        r.unregister();
                    } catch (IllegalStateException alreadyGone) {
                        // unregistered above
                    }
                }
            }
        }
    }

    // ---- the plugin ----

    /** Mail to {@link #filtered}: the same message with {@link #tag} as its first header, in a new blob. */
    private FilterOutcome tagBody(IncomingMessage m) throws IOException {
        calls.add("tagger " + m.recipient());
        if (!m.recipient().equals(filtered)) {
            return FilterOutcome.keep();
        }
        ByteArrayOutputStream tagged = new ByteArrayOutputStream();
        tagged.write((tag + "\r\n").getBytes(StandardCharsets.US_ASCII));
        try (InputStream in = blobs.open(m.body()).orElseThrow(() -> new IOException("no blob " + m.body()))) {
            in.transferTo(tagged);
        }
        BlobId id = blobs.put(new ByteArrayInputStream(tagged.toByteArray()));
        originals.add(m.body());
        replacements.add(id);
        return FilterOutcome.replace(new IncomingMessage(m.accountId(), m.recipient(), m.envelopeSender(),
                m.sendingServer(), id, tagged.size(), m.received()));
    }

    /** Files into {@link #FOLDER} a message whose body starts with {@link #tag}. */
    private FilterOutcome route(IncomingMessage m) throws IOException {
        calls.add("router " + m.recipient());
        return read(m.body()).startsWith(tag + "\r\n") ? FilterOutcome.fileInto(FOLDER) : FilterOutcome.keep();
    }

    /** Which filters were called for mail to this address, in order. */
    private List<String> callsFor(String address) {
        return calls.stream().filter(c -> c.endsWith(" " + address)).map(c -> c.substring(0, c.indexOf(' '))).toList();
    }

    private long sizeOf(BlobId id) {
        try {
            return blobs.size(id);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String read(BlobId id) throws IOException {
        try (InputStream in = blobs.open(id).orElseThrow(() -> new IOException("no blob " + id))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Dictionary<String, Object> properties(String name, int ranking) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(DeliveryFilter.NAME, name);
        p.put(Constants.SERVICE_RANKING, ranking);
        return p;
    }

    // ---- the container ----

    /** Postern's own implementation of a service the SMTP server uses ({@code postern.core=true}). */
    private <T> T core(Class<T> type) throws InvalidSyntaxException {
        Collection<ServiceReference<T>> refs = bundleContext.getServiceReferences(type, CoreService.TARGET);
        assertEquals(type.getName() + " with " + CoreService.TARGET, 1, refs.size());
        return bundleContext.getService(refs.iterator().next());
    }

    /** The port PosternTestSupport wrote into etc/org.postern.smtp.cfg, as Configuration Admin has it. */
    private int smtpPort() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (true) {
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=org.postern.smtp)");
            if (found != null && found.length == 1 && found[0].getProperties() != null
                    && found[0].getProperties().get("port") != null) {
                return Integer.parseInt(String.valueOf(found[0].getProperties().get("port")).trim());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no port in configuration org.postern.smtp");
            }
            Thread.sleep(250);
        }
    }

    /** Waits until the listener greets (it starts asynchronously with its feature). */
    private static void awaitListener(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (true) {
            try (SmtpWire w = new SmtpWire(port)) {
                String greeting = w.reply();
                assertTrue(greeting, greeting.startsWith("220 "));
                w.command("QUIT");
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("SMTP on port " + port + " did not greet within " + DEADLINE_SECONDS + " s",
                            notYet);
                }
                Thread.sleep(250);
            }
        }
    }

    /** One message to the recipients over SMTP; every step must be accepted. */
    private static void deliver(int port, String subject, String... recipients) throws IOException {
        try (SmtpWire w = new SmtpWire(port)) {
            String greeting = w.reply();
            assertTrue(greeting, greeting.startsWith("220 "));
            String ehlo = w.command("EHLO plugin.test.example");
            assertTrue(ehlo, ehlo.startsWith("250 "));
            assertEquals("250 2.1.0 Ok", w.command("MAIL FROM:<sender@origin.example>"));
            for (String r : recipients) {
                assertEquals(r, "250 2.1.5 Ok", w.command("RCPT TO:<" + r + ">"));
            }
            String data = w.command("DATA");
            assertTrue(data, data.startsWith("354 "));
            String queued = w.command("Subject: " + subject + "\r\n\r\nHello, plugin.\r\n.");
            assertTrue(queued, queued.startsWith("250 2.0.0 Ok: queued as "));
            w.command("QUIT");
        }
    }

    /** The folders holding mail: every account also has its empty default folders (Sent, Drafts, ...). */
    private static SortedMap<String, Long> withMail(SortedMap<String, Long> folders) {
        SortedMap<String, Long> m = new TreeMap<>(folders);
        m.values().removeIf(count -> count == 0);
        return m;
    }

    private static SortedMap<String, Long> folders(Object... nameThenCount) {
        SortedMap<String, Long> m = new TreeMap<>();
        for (int i = 0; i < nameThenCount.length; i += 2) {
            m.put((String) nameThenCount[i], ((Integer) nameThenCount[i + 1]).longValue());
        }
        return m;
    }

    /** Polls until the value equals the expected one, or fails with the last value after the deadline. */
    private static void eventually(String what, Supplier<?> actual, Object expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        Object last = actual.get();
        while (!expected.equals(last) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            last = actual.get();
        }
        assertEquals(what, expected, last);
    }
}
