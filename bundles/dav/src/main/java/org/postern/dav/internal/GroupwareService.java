package org.postern.dav.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.Component;
import net.fortuna.ical4j.model.Property;
import net.fortuna.ical4j.model.component.CalendarComponent;
import org.osgi.service.component.annotations.Reference;
import org.postern.core.groupware.Groupware;
import org.postern.core.groupware.GroupwareCollection;
import org.postern.core.groupware.GroupwareException;
import org.postern.core.groupware.GroupwareItem;
import org.postern.core.store.DavProperty;
import org.postern.core.store.DavRepository;
import org.postern.core.store.DavResourceRecord;
import org.postern.core.store.DavUidConflictException;
import org.postern.core.store.DuplicateKeyException;

/**
 * {@link Groupware} on the DAV store: the objects the servlet serves, checked by the same parsers,
 * so that what the webmail writes is what a DAV PUT would have stored and DAV clients see it at
 * their next sync.
 */
@org.osgi.service.component.annotations.Component(service = Groupware.class)
public class GroupwareService implements Groupware {
    private final DavRepository repository;

    @org.osgi.service.component.annotations.Activate
    public GroupwareService(@Reference DavRepository repository) {
        this.repository = repository;
    }

    @Override
    public List<GroupwareCollection> calendars(String accountId) {
        return collections(accountId, DavServlet.CALENDARS);
    }

    @Override
    public List<GroupwareCollection> addressBooks(String accountId) {
        return collections(accountId, DavServlet.ADDRESSBOOKS);
    }

    private List<GroupwareCollection> collections(String accountId, String homeName) {
        DavResourceRecord home = Homes.home(repository, accountId, homeName);
        List<GroupwareCollection> out = new ArrayList<>();
        for (DavResourceRecord r : repository.children(accountId, home.id())) {
            if (r.isCalendar() || r.isAddressBook()) {
                out.add(new GroupwareCollection(r.id(), r.name(), displayName(accountId, r), r.isCalendar()
                        ? GroupwareCollection.Type.CALENDAR : GroupwareCollection.Type.ADDRESS_BOOK,
                        r.components() == null ? List.of() : List.of(r.components().split(","))));
            }
        }
        return out;
    }

    private String displayName(String accountId, DavResourceRecord r) {
        for (DavProperty p : repository.properties(accountId, r.id())) {
            if (p.namespace().equals(DavXml.DAV) && p.name().equals("displayname")) {
                try {
                    return DavXml.parse(p.xml().getBytes(StandardCharsets.UTF_8)).getDocumentElement().getTextContent();
                } catch (DavXml.BadXml e) {
                    return r.name();
                }
            }
        }
        return r.name();
    }

    /** The account's calendar or address book with this id, with its path segments; empty when it is not one. */
    private Optional<Located> collection(String accountId, String collectionId) {
        for (String homeName : List.of(DavServlet.CALENDARS, DavServlet.ADDRESSBOOKS)) {
            DavResourceRecord home = Homes.home(repository, accountId, homeName);
            for (DavResourceRecord r : repository.children(accountId, home.id())) {
                if (r.id().equals(collectionId) && (r.isCalendar() || r.isAddressBook())) {
                    return Optional.of(new Located(r, homeName));
                }
            }
        }
        return Optional.empty();
    }

    private record Located(DavResourceRecord collection, String homeName) {
    }

    @Override
    public List<GroupwareItem> items(String accountId, String collectionId, int offset, int limit) {
        Optional<Located> c = collection(accountId, collectionId);
        if (c.isEmpty() || offset < 0 || limit <= 0) {
            return List.of();
        }
        List<String> names = memberNames(accountId, c.get().collection);
        List<String> page = names.subList(Math.min(offset, names.size()), Math.min(names.size(),
                offset + Math.min(limit, MAX_PAGE)));
        List<GroupwareItem> out = new ArrayList<>();
        Members.walk(repository, accountId, collectionId, page, (r, body) -> out.add(item(c.get().collection, r, body)));
        out.sort(java.util.Comparator.comparing(GroupwareItem::name));
        return out;
    }

    /** A calendar-query of the VEVENTs meeting [from, to), as a client would send it. */
    private static CalendarQuery rangeQuery(Instant from, Instant to) {
        try {
            String filter = "<C:filter xmlns:C=\"" + DavServlet.CALDAV + "\"><C:comp-filter name=\"VCALENDAR\"><C:comp-filter "
                    + "name=\"VEVENT\"><C:time-range start=\"" + CalendarQuery.utc(from) + "\" end=\"" + CalendarQuery.utc(to)
                    + "\"/></C:comp-filter></C:comp-filter></C:filter>";
            return CalendarQuery.parse(DavXml.parse(filter.getBytes(StandardCharsets.UTF_8)).getDocumentElement());
        } catch (CalendarQuery.Unsupported | DavXml.BadXml e) {
            throw new IllegalStateException("a time-range filter Postern wrote was refused", e);
        }
    }

    private List<String> memberNames(String accountId, DavResourceRecord collection) {
        return Members.names(repository, accountId, collection.id()).stream().sorted().toList();
    }

    @Override
    public List<GroupwareItem> events(String accountId, String calendarId, Instant from, Instant to) {
        Optional<Located> c = collection(accountId, calendarId);
        if (c.isEmpty() || !c.get().collection.isCalendar() || !from.isBefore(to)) {
            return List.of();
        }
        CalendarQuery query = rangeQuery(from, to);
        List<GroupwareItem> out = new ArrayList<>();
        // in name order (the overlap query sorts), so that the first MAX_PAGE are always the same ones
        Members.walk(repository, accountId, calendarId, Members.names(repository, accountId, calendarId, query.eventRange()), (r, body) -> {
            Optional<Calendar> calendar = CalendarObject.build(body);
            if (calendar.isPresent() && query.matches(calendar.get())) {
                out.add(item(c.get().collection, r, body));
            }
            return out.size() < MAX_PAGE;
        });
        out.sort(java.util.Comparator.comparing(GroupwareItem::name));
        return out;
    }

    /**
     * One parse per object (the instances and the item's title and times come from the same
     * components), where {@code events} and {@code item} would parse each object twice more.
     */
    @Override
    public List<Occurrence> occurrences(String accountId, String calendarId, Instant from, Instant to) {
        Optional<Located> c = collection(accountId, calendarId);
        if (c.isEmpty() || !c.get().collection.isCalendar() || !from.isBefore(to)) {
            return List.of();
        }
        List<Occurrence> out = new ArrayList<>();
        int[] objects = {0};
        Members.walk(repository, accountId, calendarId, Members.names(repository, accountId, calendarId, rangeQuery(from, to).eventRange()),
                (r, body) -> {
                    CalendarData.Expanded x = CalendarData.expand(body, from, to, MAX_PAGE);
                    if (!x.instances().isEmpty()) {
                        CalendarComponent m = x.master();
                        String title = m.getProperty(Property.SUMMARY).map(p -> ((Property) p).getValue()).orElse(null);
                        GroupwareItem item = new GroupwareItem(r.name(), r.uid(), r.etag(), new String(body, StandardCharsets.UTF_8), title,
                                time(m, Property.DTSTART), time(m, m.getProperty(Property.DTEND).isPresent() ? Property.DTEND : Property.DUE));
                        for (Instant[] i : x.instances()) {
                            out.add(new Occurrence(item, i[0], i[1]));
                        }
                        objects[0]++;
                    }
                    return objects[0] < MAX_PAGE && out.size() < MAX_PAGE;
                });
        out.sort(java.util.Comparator.comparing(Occurrence::start).thenComparing(o -> o.item().name()));
        return out.size() > MAX_PAGE ? List.copyOf(out.subList(0, MAX_PAGE)) : out;
    }

    @Override
    public Optional<GroupwareItem> item(String accountId, String collectionId, String name) {
        Optional<Located> c = collection(accountId, collectionId);
        if (c.isEmpty() || name == null) {
            return Optional.empty();
        }
        for (Map.Entry<DavResourceRecord, byte[]> e : repository.membersWithBodies(accountId, collectionId, List.of(name))) {
            if (!e.getKey().collection()) {
                return Optional.of(item(c.get().collection, e.getKey(), e.getValue()));
            }
        }
        return Optional.empty();
    }

    @Override
    public GroupwareItem save(String accountId, String collectionId, String name, String data, String ifMatch)
            throws GroupwareException {
        Located c = collection(accountId, collectionId)
                .orElseThrow(() -> new GroupwareException(GroupwareException.Reason.NO_COLLECTION, "no such collection"));
        byte[] body = data.getBytes(StandardCharsets.UTF_8);
        boolean calendar = c.collection.isCalendar();
        if (body.length > (calendar ? DavServlet.MAX_CALENDAR_OBJECT : DavServlet.MAX_ADDRESS_OBJECT)) {
            throw new GroupwareException(GroupwareException.Reason.TOO_LARGE, "larger than " + (calendar
                    ? DavServlet.MAX_CALENDAR_OBJECT : DavServlet.MAX_ADDRESS_OBJECT) + " bytes");
        }
        String uid;
        String contentType;
        DavRepository.TimeSpan span = DavRepository.TimeSpan.UNKNOWN;
        if (calendar) {
            CalendarObject object;
            try {
                object = CalendarObject.parse(body);
            } catch (CalendarObject.Invalid e) {
                throw new GroupwareException(GroupwareException.Reason.INVALID_DATA, e.getMessage());
            }
            String taken = c.collection.components() == null ? "" : c.collection.components();
            if (!List.of(taken.split(",")).contains(object.component())) {
                throw new GroupwareException(GroupwareException.Reason.INVALID_DATA, object.component() + " is not taken here");
            }
            uid = object.uid();
            span = object.span();
            contentType = "text/calendar; charset=utf-8";
        } else {
            VCardObject card;
            try {
                card = VCardObject.parse(body);
            } catch (VCardObject.Invalid e) {
                throw new GroupwareException(GroupwareException.Reason.INVALID_DATA, e.getMessage());
            }
            uid = card.uid;
            body = card.stored(Instant.now());
            contentType = "text/vcard; charset=utf-8";
        }
        String target = name == null ? nameFor(uid, calendar ? ".ics" : ".vcf") : name;
        if (!memberName(target)) {
            throw new GroupwareException(GroupwareException.Reason.INVALID_DATA, "not a name for an object");
        }
        requireUnlocked(accountId, c, target);
        String want = unquoted(ifMatch);
        DavRepository.Written w;
        try {
            // the ETag is compared inside the write's transaction: a DAV client's write cannot come between
            w = repository.put(accountId, collectionId, target, contentType, body, uid, span,
                    etag -> want == null || want.equals(etag));
        } catch (org.postern.core.store.DavPreconditionException e) {
            throw new GroupwareException(GroupwareException.Reason.CHANGED, "changed since it was read");
        } catch (DavUidConflictException e) {
            throw new GroupwareException(GroupwareException.Reason.UID_CONFLICT, "the UID is taken by " + e.existingName());
        } catch (DuplicateKeyException e) {
            throw new GroupwareException(GroupwareException.Reason.INVALID_DATA, "a collection has that name");
        }
        return item(c.collection, w.resource(), body);
    }

    /**
     * True for a name a DAV URL can reach as one segment and the store can hold: what DavPath
     * accepts (1 to 255 characters, not . or .., no slash, backslash or control character, no
     * trailing space).
     */
    static boolean memberName(String name) {
        if (name.isEmpty() || name.length() > 255 || name.equals(".") || name.equals("..") || name.endsWith(" ")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** A member name from the UID when it is a safe one, else a random one. */
    static String nameFor(String uid, String extension) {
        boolean safe = !uid.isEmpty() && uid.length() <= 200 && !uid.startsWith(".");
        for (int i = 0; safe && i < uid.length(); i++) {
            char ch = uid.charAt(i);
            safe = ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || "-_.@".indexOf(ch) >= 0;
        }
        return (safe ? uid : java.util.UUID.randomUUID().toString()) + extension;
    }

    @Override
    public boolean delete(String accountId, String collectionId, String name) {
        try {
            return remove(accountId, collectionId, name, null);
        } catch (GroupwareException lockedOrChanged) {
            return false;
        }
    }

    @Override
    public boolean remove(String accountId, String collectionId, String name, String ifMatch) throws GroupwareException {
        Optional<Located> c = collection(accountId, collectionId);
        if (c.isEmpty() || name == null) {
            return false;
        }
        Optional<DavResourceRecord> r = repository.child(accountId, collectionId, name);
        if (r.isEmpty() || r.get().collection()) {
            return false;
        }
        requireUnlocked(accountId, c.get(), name);
        String want = unquoted(ifMatch);
        boolean removed;
        try {
            removed = repository.delete(accountId, r.get().id(), etag -> want == null || want.equals(etag));
        } catch (org.postern.core.store.DavPreconditionException e) {
            throw new GroupwareException(GroupwareException.Reason.CHANGED, "changed since it was read");
        }
        if (!removed) {
            return false;
        }
        // a DAV client's lock on it goes with it, as after a DAV DELETE
        repository.unlockAtOrUnder(accountId, String.join("/", c.get().homeName, repository.principalId(accountId),
                c.get().collection.name(), name));
        return true;
    }


    /** An ETag as the caller may pass it, quoted (as in a header) or not; null stays null. */
    private static String unquoted(String etag) {
        return etag != null && etag.length() > 1 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }

    /**
     * Refuses a write to a member that a DAV client has locked, or into a locked collection: the
     * webmail holds no lock tokens, so it may not write where a DAV client without the token
     * could not (RFC 4918 section 7).
     */
    private void requireUnlocked(String accountId, Located c, String name) throws GroupwareException {
        String collectionKey = String.join("/", c.homeName, repository.principalId(accountId), c.collection.name());
        String key = collectionKey + "/" + name;
        for (org.postern.core.store.DavLock l : repository.locks(accountId, System.currentTimeMillis())) {
            if (l.covers(key) || l.covers(collectionKey)) {
                throw new GroupwareException(GroupwareException.Reason.LOCKED, "locked by a DAV client");
            }
        }
    }

    private static GroupwareItem item(DavResourceRecord collection, DavResourceRecord r, byte[] body) {
        String data = new String(body, StandardCharsets.UTF_8);
        String title = null;
        Instant start = null;
        Instant end = null;
        if (collection.isCalendar()) {
            Optional<Calendar> calendar = CalendarObject.build(body);
            if (calendar.isPresent()) {
                for (CalendarComponent comp : calendar.get().getComponents()) {
                    if (Component.VTIMEZONE.equals(comp.getName())) {
                        continue;
                    }
                    title = comp.getProperty(Property.SUMMARY).map(p -> ((Property) p).getValue()).orElse(null);
                    start = time(comp, Property.DTSTART);
                    end = time(comp, comp.getProperty(Property.DTEND).isPresent() ? Property.DTEND : Property.DUE);
                    break; // the master component comes first; overrides follow it
                }
            }
        } else {
            try {
                title = VCardObject.parseStored(body).named("FN").stream().findFirst().map(VCardObject.Line::text).orElse(null);
            } catch (VCardObject.Invalid e) {
                title = null;
            }
        }
        return new GroupwareItem(r.name(), r.uid(), r.etag(), data, title, start, end);
    }

    private static Instant time(CalendarComponent c, String property) {
        Optional<Property> p = c.getProperty(property);
        if (p.isEmpty() || !(p.get() instanceof net.fortuna.ical4j.model.property.DateProperty<?> d) || d.getDate() == null) {
            return null;
        }
        try {
            return CalendarQuery.instant(d.getDate());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
