#!/usr/bin/python3
"""A real CalDAV client (Debian's python3-caldav) against Postern: finds the calendar from the
principal, creates events, finds them by time range, syncs, changes and deletes one, syncs again.
Usage: caldav-roundtrip.py URL USER; the password comes on stdin (never on a command line).
Prints one line per step and 'OK' at the end; any failure is an exception and a non-zero exit."""
import sys
from datetime import datetime, timezone

import caldav

url, user = sys.argv[1], sys.argv[2]
password = sys.stdin.readline().rstrip("\n")
client = caldav.DAVClient(url=url, username=user, password=password)
principal = client.principal()
calendars = principal.calendars()
names = sorted(str(c.url).rstrip("/").rsplit("/", 1)[-1] for c in calendars)
print("calendars", names)
assert "default" in names and "tasks" in names, names
cal = [c for c in calendars if str(c.url).rstrip("/").endswith("/default")][0]

def event(uid, day, summary):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//roundtrip//EN\r\nBEGIN:VEVENT\r\n"
            "UID:%s\r\nDTSTAMP:20261203T100000Z\r\nDTSTART:202612%02dT090000Z\r\nDTEND:202612%02dT100000Z\r\n"
            "SUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % (uid, day, day, summary))

a = cal.save_event(event("rt-a@example.net", 7, "Alpha"))
b = cal.save_event(event("rt-b@example.net", 9, "Beta"))
print("saved", a.url, b.url)

found = cal.date_search(start=datetime(2026, 12, 8, tzinfo=timezone.utc), end=datetime(2026, 12, 10, tzinfo=timezone.utc),
                        expand=False)
summaries = sorted(str(e.vobject_instance.vevent.summary.value) for e in found)
print("in range", summaries)
assert summaries == ["Beta"], summaries

sync = cal.objects_by_sync_token(load_objects=True)
uids = sorted(str(o.vobject_instance.vevent.uid.value) for o in sync)
print("initial sync", uids, sync.sync_token)
assert "rt-a@example.net" in uids and "rt-b@example.net" in uids, uids

a.vobject_instance.vevent.summary.value = "Alpha moved"
a.save()
b.delete()
updated, deleted = sync.sync()
print("incremental sync", [str(o.url) for o in updated], [str(o.url) for o in deleted])
assert any(str(o.url) == str(a.url) for o in updated), updated
assert any(str(o.url) == str(b.url) for o in deleted), deleted

again = cal.event_by_uid("rt-a@example.net")
assert "Alpha moved" in again.data, again.data
a.delete()
print("OK")
