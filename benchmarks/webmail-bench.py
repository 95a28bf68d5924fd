#!/usr/bin/env python3
"""Issue 12, item 11: how long the webmail takes to answer its heaviest pages, measured from a
client on loopback (so: the server's whole work, the store included, plus a loopback round trip).

  webmail-bench.py BASE SMTP_PORT ADDRESS REPEAT      (the account password on stdin)

Fills the account's INBOX through the MX with 10,000 messages of 4 KiB (python's smtplib, one
connection), one 5 MB plain-text message and one 1 MB HTML message, logs in through the login
form, then times REPEAT GETs of: the message list of the 10,002-message INBOX, the 5 MB message,
the 1 MB HTML message's cleaned frame document, and the month view of a calendar holding 500
events that month (made through the webmail's own form first). Prints median, p90 and max in ms.
"""
import http.client
import re
import smtplib
import statistics
import sys
import time
import urllib.parse

base, smtp_port, address, repeat = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
password = sys.stdin.readline().rstrip("\n")
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
FILL = 10000

def fill():
    body4k = ("x" * 70 + "\r\n") * 56
    s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=60)
    s.ehlo("bench.example.org")
    t = time.time()
    for i in range(FILL):
        msg = f"From: Bench <b{i}@origin.example>\r\nTo: {address}\r\nSubject: bench message {i}\r\n\r\n{body4k}"
        s.sendmail("b@origin.example", [address], msg)
    big = "From: big@origin.example\r\nTo: %s\r\nSubject: five megabytes\r\n\r\n" % address + ("y" * 78 + "\r\n") * 65536
    s.sendmail("b@origin.example", [address], big)
    row = "<tr><td><b>cell</b></td><td><a href=\"https://example.org/x\">link</a></td><td style=\"color:red\" onclick=\"x()\">styled</td></tr>\n"
    html = ("From: html@origin.example\r\nTo: %s\r\nSubject: one megabyte of html\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><table>" % address) + row * 8000 + "</table></body></html>\r\n"
    s.sendmail("b@origin.example", [address], html)
    s.quit()
    print(f"filled {FILL + 2} messages in {time.time() - t:.0f} s", flush=True)

class Browser:
    def __init__(self):
        self.cookies = {}
    def request(self, method, path, body=None):
        c = http.client.HTTPConnection(host, port, timeout=300)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body, headers)
        r = c.getresponse()
        data = r.read()
        for h, v in r.getheaders():
            if h.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        c.close()
        return r.status, r.getheader("Location"), data.decode("utf-8", "replace")

def timed(b, path):
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        status, _, page = b.request("GET", path)
        samples.append((time.perf_counter() - t) * 1000)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1], samples[-1], page

fill()
b = Browser()
_, _, login = b.request("GET", "/mail/")
csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)
status, location, _ = b.request("POST", "/mail/login",
                               urllib.parse.urlencode({"csrf": csrf, "user": address, "password": password}))
if status != 303:
    sys.exit(f"login answered {status}")
deadline = time.time() + 300
while True:  # delivery is done when the list counts every message
    _, _, page = b.request("GET", "/mail/list?f=INBOX")
    m = re.search(r"<p>(\d+) messages", page)
    if m and int(m.group(1)) >= FILL + 2:
        break
    if time.time() > deadline:
        sys.exit("the INBOX never held every message: " + (m.group(1) if m else "?"))
    time.sleep(1)
v = re.search(r'name="v" value="(\d+)"', page).group(1)
uids = {s: re.search(r'name="open:(\d+)" value="' + s, page) for s in ("five megabytes", "one megabyte of html")}
if not all(uids.values()):
    _, _, page = b.request("GET", "/mail/list?f=INBOX&s=size&o=desc")
    uids = {s: re.search(r'name="open:(\d+)" value="' + s, page) for s in ("five megabytes", "one megabyte of html")}
big, html = uids["five megabytes"].group(1), uids["one megabyte of html"].group(1)
_, _, cal = b.request("GET", "/mail/calendar?view=month&d=2027-03-01")
calendar_id = re.search(r'<select id="ev-cal" name="c"><option value="([^"]+)"', cal).group(1)
csrf = re.search(r'name="csrf" value="([^"]+)"', cal).group(1)
t = time.time()
for i in range(500):
    form = {"csrf": csrf, "view": "month", "title": f"event {i}", "date": f"2027-03-{1 + i % 31:02d}",
            "start": f"{8 + i % 10:02d}:{(i * 7) % 60:02d}", "end": "", "c": calendar_id, "op:add": "Add event"}
    status, _, _ = b.request("POST", "/mail/calendar", urllib.parse.urlencode(form))
    if status != 303:
        sys.exit(f"adding event {i} answered {status}")
print(f"made 500 events in {time.time() - t:.0f} s", flush=True)
rows = [
    ("message list, INBOX of %d (page of 50)" % (FILL + 2), "/mail/list?f=INBOX"),
    ("5 MB plain-text message", f"/mail/read?f=INBOX&v={v}&u={big}"),
    ("1 MB HTML message, cleaned frame", f"/mail/html?f=INBOX&v={v}&u={html}"),
    ("month view, 500 events", "/mail/calendar?view=month&d=2027-03-01"),
]
for _ in range(3):  # warm-up of each page
    for _, path in rows:
        b.request("GET", path)
print(f"{'page':46} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}")
for name, path in rows:
    med, p90, worst, _ = timed(b, path)
    print(f"{name:46} {med:10.1f} {p90:8.1f} {worst:8.1f}", flush=True)
