package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Before;
import org.junit.Test;
import org.osgi.service.cm.ConfigurationAdmin;
import org.postern.api.account.AccountService;
import org.postern.core.groupware.Groupware;
import org.postern.core.groupware.GroupwareCollection;
import org.postern.core.groupware.GroupwareException;
import org.postern.core.groupware.GroupwareItem;

/**
 * The in-process groupware service the webmail uses, in the distribution: it sees and writes the
 * same calendars and address books DAV clients do, refuses what a DAV PUT refuses, and never
 * reaches another account's collections.
 */
public class GroupwareIT extends PosternTestSupport {
    private Groupware groupware;
    private String address;
    private String accountId;

    @Before
    public void ownAccount() throws Exception {
        groupware = await(Groupware.class, 60);
        AccountService accounts = await(AccountService.class, 60);
        String unique = "g" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        ok("postern:domain-add " + unique + ".example.net");
        address = "alice@" + unique + ".example.net";
        ok("postern:account-add " + address + " --password-file " + passwordFile("an account password 1234"));
        accountId = accounts.find(address).orElseThrow().id();
    }

    private static String event(String uid, String start, String end, String extra) {
        return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//GroupwareIT//EN\r\nBEGIN:VEVENT\r\nUID:" + uid
                + "\r\nDTSTAMP:20261203T100000Z\r\nDTSTART:" + start + "\r\nDTEND:" + end + "\r\nSUMMARY:Standup\r\n" + extra
                + "END:VEVENT\r\nEND:VCALENDAR\r\n";
    }

    private GroupwareCollection named(List<GroupwareCollection> all, String name) {
        return all.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in " + all));
    }

    private static GroupwareException.Reason refused(ThrowingRunnable r) {
        try {
            r.run();
        } catch (GroupwareException e) {
            return e.reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("not refused");
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    public void aNewAccountHasTheDefaultCollectionsDavShows() {
        List<GroupwareCollection> calendars = groupware.calendars(accountId);
        GroupwareCollection cal = named(calendars, "default");
        assertEquals("Calendar", cal.displayName());
        assertEquals(List.of("VEVENT"), cal.components());
        assertEquals(List.of("VTODO"), named(calendars, "tasks").components());
        GroupwareCollection book = named(groupware.addressBooks(accountId), "contacts");
        assertEquals(GroupwareCollection.Type.ADDRESS_BOOK, book.type());
        assertEquals("Contacts", book.displayName());
    }

    @Test
    public void eventsAreFoundByTimeRangeWithRecurrencesAndWritesAreCheckedLikeAPut() throws Exception {
        String cal = named(groupware.calendars(accountId), "default").id();
        GroupwareItem once = groupware.save(accountId, cal, null, event("once-1@example.net", "20261207T090000Z",
                "20261207T100000Z", ""), null);
        assertEquals("once-1@example.net.ics", once.name());
        assertEquals("Standup", once.title());
        assertEquals(Instant.parse("2026-12-07T09:00:00Z"), once.start());
        groupware.save(accountId, cal, "weekly.ics", event("weekly-1", "20261201T120000Z", "20261201T130000Z",
                "RRULE:FREQ=WEEKLY;COUNT=10\r\n"), null);

        List<String> week = groupware.events(accountId, cal, Instant.parse("2026-12-07T00:00:00Z"),
                Instant.parse("2026-12-14T00:00:00Z")).stream().map(GroupwareItem::name).sorted().toList();
        assertEquals(List.of("once-1@example.net.ics", "weekly.ics"), week);
        List<String> later = groupware.events(accountId, cal, Instant.parse("2027-01-04T00:00:00Z"),
                Instant.parse("2027-01-11T00:00:00Z")).stream().map(GroupwareItem::name).toList();
        assertEquals("the sixth week's instance, not the one-off", List.of("weekly.ics"), later);
        assertEquals(2, groupware.items(accountId, cal, 0, 10).size());
        assertEquals("a page at a time, in name order", List.of("weekly.ics"),
                groupware.items(accountId, cal, 1, 10).stream().map(GroupwareItem::name).toList());

        assertEquals(GroupwareException.Reason.INVALID_DATA, refused(() -> groupware.save(accountId, cal, null, "not iCalendar", null)));
        String task = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VTODO\r\nUID:t-1\r\nDTSTAMP:20261203T100000Z\r\n"
                + "SUMMARY:Pay rent\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        assertEquals("the calendar takes events only", GroupwareException.Reason.INVALID_DATA,
                refused(() -> groupware.save(accountId, cal, null, task, null)));
        assertEquals(GroupwareException.Reason.UID_CONFLICT, refused(() -> groupware.save(accountId, cal, "other.ics",
                event("weekly-1", "20261201T120000Z", "20261201T130000Z", ""), null)));
        assertEquals(GroupwareException.Reason.CHANGED, refused(() -> groupware.save(accountId, cal, once.name(),
                event("once-1@example.net", "20261208T090000Z", "20261208T100000Z", ""), "\"not-the-etag\"")));
        GroupwareItem moved = groupware.save(accountId, cal, once.name(), event("once-1@example.net", "20261208T090000Z",
                "20261208T100000Z", ""), "\"" + once.etag() + "\"");
        assertNotEquals(once.etag(), moved.etag());
        assertEquals("a removal names the version it saw", GroupwareException.Reason.CHANGED,
                refused(() -> groupware.remove(accountId, cal, once.name(), "\"" + once.etag() + "\"")));
        assertTrue(groupware.item(accountId, cal, once.name()).isPresent());

        // a DAV client's lock keeps the webmail out until it goes, as it keeps out a DAV client without its token
        org.postern.core.store.DavRepository dav = await(org.postern.core.store.DavRepository.class, 60);
        long now = System.currentTimeMillis();
        String collectionKey = "calendars/" + dav.principalId(accountId) + "/default";
        String token = "urn:uuid:" + UUID.randomUUID();
        assertTrue("granted: no conflicting lock", dav.lock(new org.postern.core.store.DavLock(token, accountId,
                collectionKey + "/" + once.name(), "/dav/" + collectionKey + "/" + once.name(), true, false, null, 600,
                now + 600_000), now).isEmpty());
        assertEquals(GroupwareException.Reason.LOCKED, refused(() -> groupware.save(accountId, cal, once.name(),
                event("once-1@example.net", "20261209T090000Z", "20261209T100000Z", ""), null)));
        assertEquals(GroupwareException.Reason.LOCKED, refused(() -> groupware.remove(accountId, cal, once.name(), null)));
        assertFalse("delete says no while it is locked", groupware.delete(accountId, cal, once.name()));
        assertTrue(dav.unlock(accountId, token));
        assertTrue(groupware.delete(accountId, cal, once.name()));
        assertFalse(groupware.delete(accountId, cal, once.name()));
        assertTrue(groupware.item(accountId, cal, once.name()).isEmpty());
        String tasks = named(groupware.calendars(accountId), "tasks").id();
        assertEquals("Pay rent", groupware.save(accountId, tasks, null, task, null).title());
    }

    @Test
    public void contactsWrittenHereAreWhatDavClientsSeeAndTheOtherWayRound() throws Exception {
        String book = named(groupware.addressBooks(accountId), "contacts").id();
        GroupwareItem ada = groupware.save(accountId, book, null, "BEGIN:VCARD\r\nUID:ada-1\r\nFN:Ada Lovelace\r\n"
                + "X-KEEP-ME;X-P=1:exactly\r\nVERSION:4.0\r\nEND:VCARD\r\n", null);
        assertEquals("Ada Lovelace", ada.title());
        assertTrue(ada.data(), ada.data().startsWith("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
        assertTrue(ada.data(), ada.data().contains("\r\nREV:"));
        assertEquals(GroupwareException.Reason.INVALID_DATA, refused(() -> groupware.save(accountId, book, null,
                "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No UID\r\nEND:VCARD\r\n", null)));

        String secret = ok("postern:app-password-create " + address + " --name dav --protocols dav").strip();
        secret = secret.substring(secret.lastIndexOf('\n') + 1).strip();
        String port = String.valueOf(bundleContext.getService(bundleContext.getServiceReference(ConfigurationAdmin.class))
                .getConfiguration("org.ops4j.pax.web", null).getProperties().get("org.osgi.service.http.port"));
        String base = "http://127.0.0.1:" + port;
        String auth = "Basic " + Base64.getEncoder().encodeToString((address + ":" + secret).getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String principal = http.send(HttpRequest.newBuilder(URI.create(base + "/dav/")).header("Authorization", auth)
                .header("Depth", "0").timeout(Duration.ofSeconds(60)).method("PROPFIND", HttpRequest.BodyPublishers.ofString(
                        "<propfind xmlns=\"DAV:\"><prop><current-user-principal/></prop></propfind>")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("/dav/principals/([0-9a-f]+)/").matcher(principal);
        assertTrue(principal, m.find());
        String url = base + "/dav/addressbooks/" + m.group(1) + "/contacts/";
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(url + ada.name())).header("Authorization", auth)
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, get.statusCode());
        assertEquals(ada.data(), get.body());
        assertEquals("\"" + ada.etag() + "\"", get.headers().firstValue("ETag").orElse(""));

        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(url + "grace.vcf")).header("Authorization", auth)
                .header("Content-Type", "text/vcard").timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofString(
                        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:grace-1\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\nEND:VCARD\r\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode());
        assertEquals(List.of("Ada Lovelace", "Grace Hopper"), groupware.items(accountId, book, 0, 100).stream().map(GroupwareItem::title)
                .sorted().toList());
    }

    @Test
    public void anotherAccountsCollectionsAreNotThere() throws Exception {
        String book = named(groupware.addressBooks(accountId), "contacts").id();
        groupware.save(accountId, book, "a.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nN:A;;;;\r\nEND:VCARD\r\n", null);
        String bob = "bob@" + address.substring(address.indexOf('@') + 1);
        ok("postern:account-add " + bob + " --password-file " + passwordFile("another account password 1234"));
        String bobId = await(AccountService.class, 60).find(bob).orElseThrow().id();
        assertTrue(groupware.items(bobId, book, 0, 100).isEmpty());
        assertTrue(groupware.item(bobId, book, "a.vcf").isEmpty());
        assertFalse(groupware.delete(bobId, book, "a.vcf"));
        assertEquals(GroupwareException.Reason.NO_COLLECTION, refused(() -> groupware.save(bobId, book, "b.vcf",
                "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b\r\nFN:B\r\nN:B;;;;\r\nEND:VCARD\r\n", null)));
        assertEquals(1, groupware.items(accountId, book, 0, 100).size());
    }
}
