package org.postern.dav.internal;

import java.util.List;
import java.util.Optional;
import org.postern.core.store.DavRepository;
import org.postern.core.store.DavResourceRecord;
import org.postern.core.store.DuplicateKeyException;

/** The account's DAV homes, made on first use, for the servlet and the in-process service alike. */
final class Homes {
    private Homes() {
    }

    /**
     * The account's home {@code name}, made on first use; a new calendar home comes with a calendar
     * and a task list, a new address book home with an address book (a new account's defaults:
     * deleting them later does not bring them back).
     */
    static DavResourceRecord home(DavRepository repository, String accountId, String name) {
        Optional<DavResourceRecord> known = repository.child(accountId, DavRepository.NO_PARENT, name);
        if (known.isPresent()) {
            return known.get();
        }
        DavResourceRecord h = repository.home(accountId, name);
        if (name.equals(DavServlet.CALENDARS)) {
            provision(repository, accountId, h.id(), "default", DavResourceRecord.CALENDAR, "VEVENT", "Calendar");
            provision(repository, accountId, h.id(), "tasks", DavResourceRecord.CALENDAR, "VTODO", "Tasks");
        } else if (name.equals(DavServlet.ADDRESSBOOKS)) {
            provision(repository, accountId, h.id(), "contacts", DavResourceRecord.ADDRESSBOOK, null, "Contacts");
        }
        return h;
    }

    private static void provision(DavRepository repository, String accountId, String homeId, String name, String kind,
            String components, String displayName) {
        try {
            DavResourceRecord c = repository.createCollection(accountId, homeId, name, kind, components);
            repository.patchProperties(accountId, c.id(), List.of(new DavRepository.Change(DavXml.DAV, "displayname",
                    "<displayname xmlns=\"DAV:\">" + DavXml.escapeText(displayName) + "</displayname>")));
        } catch (DuplicateKeyException raced) {
            // another request made the home at the same moment and provisioned it
        }
    }
}
