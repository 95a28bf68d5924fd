#!/usr/bin/python3
"""A real CardDAV and CalDAV client (Debian's vdirsyncer) against Postern: discovers the address
book and calendars from the principal, uploads a contact and an event, picks up a change made on
the server, deletes on both sides, and syncs again.
Usage: vdirsyncer-roundtrip.py URL USER; the password comes on stdin (never on a command line):
vdirsyncer reads it from an owner-only file through password.fetch.
Prints one line per step and 'OK' at the end; any failure is an exception and a non-zero exit."""
import atexit
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

url, user = sys.argv[1], sys.argv[2]
password = sys.stdin.readline().rstrip("\n")
work = tempfile.mkdtemp(prefix="postern-vdirsyncer-")  # 0700
atexit.register(shutil.rmtree, work, True)  # the password file goes with it
pwfile = os.path.join(work, "pw")
with open(os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write(password)

config = os.path.join(work, "config")
with open(config, "w") as f:
    f.write("""[general]
status_path = "{w}/status/"

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = ["from b"]

[storage contacts_local]
type = "filesystem"
path = "{w}/contacts/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "{url}"
username = "{user}"
password.fetch = ["command", "cat", "{pw}"]

[pair calendars]
a = "calendars_local"
b = "calendars_remote"
collections = ["from b"]

[storage calendars_local]
type = "filesystem"
path = "{w}/calendars/"
fileext = ".ics"

[storage calendars_remote]
type = "caldav"
url = "{url}"
username = "{user}"
password.fetch = ["command", "cat", "{pw}"]
""".format(w=work, url=url, user=user, pw=pwfile))


def vdirsyncer(*args):
    r = subprocess.run(["vdirsyncer", "-c", config, "--verbosity", "WARNING"] + list(args), input="y\n" * 20,
                       capture_output=True, text=True, timeout=120)
    print("vdirsyncer", " ".join(args), "->", r.returncode, r.stdout.strip()[-400:], r.stderr.strip()[-800:])
    assert r.returncode == 0, r.stderr
    return r


def server(method, path, body=None, headers=None):
    req = urllib.request.Request(path if path.startswith("http") else url.split("/dav/")[0] + path, data=body, method=method)
    req.add_header("Authorization", "Basic " + base64.b64encode((user + ":" + password).encode()).decode())
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


vdirsyncer("discover")
vdirsyncer("sync")
books = sorted(os.listdir(os.path.join(work, "contacts")))
cals = sorted(os.listdir(os.path.join(work, "calendars")))
print("discovered", books, cals)
assert books == ["contacts"], books
assert "default" in cals and "tasks" in cals, cals

card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:vds-1@example.net\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
        "EMAIL;TYPE=INTERNET:ada@example.net\r\nX-VDIRSYNCER-TEST;X-KEEP=yes:kept exactly\r\nEND:VCARD\r\n")
with open(os.path.join(work, "contacts", "contacts", "vds-1.vcf"), "w", newline="") as f:
    f.write(card)
# a second of each: vdirsyncer refuses to sync a collection one side emptied (its safety check)
with open(os.path.join(work, "contacts", "contacts", "vds-2.vcf"), "w", newline="") as f:
    f.write(card.replace("vds-1@", "vds-2@").replace("Ada Lovelace", "Grace Hopper").replace("ada@", "grace@"))
event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//vdirsyncer//EN\r\nBEGIN:VEVENT\r\nUID:vds-e1@example.net\r\n"
         "DTSTAMP:20261203T100000Z\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\nSUMMARY:Review\r\n"
         "END:VEVENT\r\nEND:VCALENDAR\r\n")
with open(os.path.join(work, "calendars", "default", "vds-e1.ics"), "w", newline="") as f:
    f.write(event)
with open(os.path.join(work, "calendars", "default", "vds-e2.ics"), "w", newline="") as f:
    f.write(event.replace("vds-e1@", "vds-e2@").replace("SUMMARY:Review", "SUMMARY:Retro"))
vdirsyncer("sync")

# the server has both, under hrefs vdirsyncer chose: find them by listing
status, principal = server("PROPFIND", url, b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
                           b'<D:current-user-principal/></D:prop></D:propfind>', {"Depth": "0"})
pid = principal.split("/dav/principals/")[1].split("/")[0]
book = url + "addressbooks/" + pid + "/contacts/"
status, members = server("PROPFIND", book, None, {"Depth": "1"})
hrefs = [h.split("</D:href>")[0] for h in members.split("<D:href>")[1:]]
cards = [h for h in hrefs if h.endswith(".vcf")]
print("cards on the server", cards)
assert len(cards) == 2, members
cards = [h for h in cards if "UID:vds-1@" in server("GET", h)[1]]
status, stored = server("GET", cards[0])
assert status == 200 and "X-VDIRSYNCER-TEST;X-KEEP=yes:kept exactly" in stored and "\r\nREV:" in stored, stored
assert stored.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n"), stored
status, query = server("REPORT", book, b'<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" '
                       b'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/></D:prop><C:filter>'
                       b'<C:prop-filter name="EMAIL"><C:text-match>ADA@</C:text-match></C:prop-filter></C:filter>'
                       b'</C:addressbook-query>', {"Depth": "1"})
assert status == 207 and cards[0] in query, query
cal = url + "calendars/" + pid + "/default/"
status, members = server("PROPFIND", cal, None, {"Depth": "1"})
events = [h.split("</D:href>")[0] for h in members.split("<D:href>")[1:] if ".ics</D:href>" in h]
print("events on the server", events)
assert len(events) == 2, members
events = [h for h in events if "UID:vds-e1@" in server("GET", h)[1]]

# a change made on the server (another device) reaches the local copy
changed = stored.replace("FN:Ada Lovelace", "FN:Ada King")
status, _ = server("PUT", cards[0], changed.encode("utf-8"), {"Content-Type": "text/vcard"})
assert status == 204, status
vdirsyncer("sync")
with open(os.path.join(work, "contacts", "contacts", "vds-1.vcf"), newline="") as f:
    local = f.read()
print("local card after sync", local.replace("\r\n", " | "))
assert "FN:Ada King" in local, local

# deleting locally deletes on the server; deleting on the server deletes locally
os.remove(os.path.join(work, "contacts", "contacts", "vds-1.vcf"))
status, _ = server("DELETE", events[0])
assert status == 204, status
vdirsyncer("sync")
status, _ = server("GET", cards[0])
assert status == 404, status
assert not os.path.exists(os.path.join(work, "calendars", "default", "vds-e1.ics"))
assert os.listdir(os.path.join(work, "calendars", "default")) == ["vds-e2.ics"], os.listdir(os.path.join(work, "calendars", "default"))
status, members = server("PROPFIND", book, None, {"Depth": "1"})
assert members.count(".vcf</D:href>") == 1, members
print("OK")
