#!/usr/bin/python3
"""DAV load: the operations of issue 11's benchmark against one calendar collection, with CLIENTS
threads each on its own keep-alive connection. Prints one line per operation: ops/s and p99 (ms).

Usage: dav-load.py BASE_URL CALENDAR_PATH USER [EVENTS] [CLIENTS] [SECONDS]   (password on stdin)
DAV_LOAD_ONLY=multiget,get (a comma list of words in the operation names) runs only those after
the PUTs, e.g. to profile one operation. DAV_LOAD_MULTIGET=20 names that many events per
calendar-multiget (default 100, spread over the calendar). DAV_LOAD_PUT=0 skips the PUTs (the
calendar already holds the EVENTS events).
The calendar must exist and be empty. PUT creates EVENTS events (one a day from 2026-01-01, some
weekly recurring); the other operations run for SECONDS each."""
import base64
import os
import re
import http.client
import sys
import threading
import time
import urllib.parse

base, cal, user = sys.argv[1], sys.argv[2], sys.argv[3]
events = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
clients = int(sys.argv[5]) if len(sys.argv) > 5 else 4
seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 10
password = sys.stdin.readline().rstrip("\n")
url = urllib.parse.urlparse(base)
auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
if not cal.endswith("/"):
    cal += "/"
CALDAV = "urn:ietf:params:xml:ns:caldav"


def conn():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=120)


def request(c, method, path, body=None, headers=None):
    h = {"Authorization": auth}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, data, r


def event(i):
    day = 1 + (i % 365)
    from datetime import date, timedelta
    d = date(2026, 1, 1) + timedelta(days=day - 1)
    rrule = "RRULE:FREQ=WEEKLY;COUNT=10\r\n" if i % 10 == 0 else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//dav-load//EN\r\nBEGIN:VEVENT\r\nUID:load-%d@example.net\r\n"
            "DTSTAMP:20261203T100000Z\r\nDTSTART:%sT090000Z\r\nDTEND:%sT100000Z\r\n%sSUMMARY:Event %d\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n" % (i, d.strftime("%Y%m%d"), d.strftime("%Y%m%d"), rrule, i)).encode()


only = [w.strip().lower() for w in os.environ.get("DAV_LOAD_ONLY", "").split(",") if w.strip()]


def run(name, make_request, count=None):
    """Runs make_request(conn, n) from every client, for `count` requests in all or for `seconds`."""
    if count is None and only and not any(w in name.lower() for w in only):
        return 0
    latencies = []
    errors = []
    lock = threading.Lock()
    next_n = [0]
    deadline = time.monotonic() + seconds

    def worker():
        c = conn()
        mine = []
        while True:
            with lock:
                n = next_n[0]
                next_n[0] += 1
            if count is not None and n >= count:
                break
            if count is None and time.monotonic() >= deadline:
                break
            t0 = time.monotonic()
            try:
                status = make_request(c, n)
            except Exception as e:  # a broken connection: count it, open another
                status = repr(e)
                c = conn()
            mine.append(time.monotonic() - t0)
            if status not in (200, 201, 204, 207):
                with lock:
                    errors.append(status)
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0
    rate = len(latencies) / elapsed if elapsed > 0 else 0
    print("%-22s %9.1f ops/s  p99 %8.1f ms  (%d requests, %d errors%s)" % (name, rate, p99, len(latencies), len(errors),
          ": " + str(errors[0]) if errors else ""), flush=True)
    return rate


propfind = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/></D:prop></D:propfind>'
query = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="%s"><D:prop><D:getetag/></D:prop><C:filter>'
         '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260301T000000Z" '
         'end="20260308T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>' % CALDAV).encode()
per_multiget = int(os.environ.get("DAV_LOAD_MULTIGET", "100"))
multiget = ('<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="%s"><D:prop><D:getetag/><C:calendar-data/>'
            '</D:prop>%s</C:calendar-multiget>' % (CALDAV, "".join(
                "<D:href>%sload-%d.ics</D:href>" % (cal, i)
                for i in range(0, events, max(1, events // per_multiget))[:per_multiget]))).encode()


def sync_body(token):
    return ('<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>%s</D:sync-token><D:sync-level>1'
            '</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>' % token).encode()


if os.environ.get("DAV_LOAD_PUT", "1") != "0":
    run("PUT (%d events)" % events, lambda c, n: request(c, "PUT", "%sload-%d.ics" % (cal, n), event(n),
                                                           {"Content-Type": "text/calendar; charset=utf-8"})[0], count=events)
run("PROPFIND Depth 1", lambda c, n: request(c, "PROPFIND", cal, propfind, {"Depth": "1", "Content-Type": "application/xml"})[0])
run("calendar-query (week)", lambda c, n: request(c, "REPORT", cal, query, {"Depth": "1", "Content-Type": "application/xml"})[0])
run("calendar-multiget %d" % min(per_multiget, events), lambda c, n: request(c, "REPORT", cal, multiget, {"Depth": "1", "Content-Type": "application/xml"})[0])
run("sync initial", lambda c, n: request(c, "REPORT", cal, sync_body(""), {"Depth": "0", "Content-Type": "application/xml"})[0])
# one change, then incremental syncs from the token before it
c0 = conn()
token = ""
while True:  # to the last page: a first sync of more than 1,000 members is cut (507) with a token to go on from
    status, data, _ = request(c0, "REPORT", cal, sync_body(token), {"Depth": "0", "Content-Type": "application/xml"})
    token = re.search(r"sync-token>([^<]+)<", data.decode()).group(1)
    if b"HTTP/1.1 507" not in data:
        break
request(c0, "PUT", "%sload-%d.ics" % (cal, 0), event(0), {"Content-Type": "text/calendar; charset=utf-8"})
run("sync incremental", lambda c, n: request(c, "REPORT", cal, sync_body(token), {"Depth": "0", "Content-Type": "application/xml"})[0])
run("GET", lambda c, n: request(c, "GET", "%sload-%d.ics" % (cal, n % events))[0])
