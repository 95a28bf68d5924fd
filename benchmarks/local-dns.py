#!/usr/bin/env python3
"""A stand-in for the caching resolver an MX runs on localhost (unbound, say), for by-hand
benchmarks: answers every question on 127.0.0.1:PORT with NXDOMAIN and an SOA in the authority
section (negative TTL 300 s, so the answer may be cached, RFC 2308). Unlike the sandbox's upstream
resolver it drops nothing (that one lost 2.5% of UDP queries and sent NXDOMAIN without SOA, so
each lost query cost a resolver retry of seconds). Usage: local-dns.py PORT"""
import socket
import struct
import sys

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
# SOA of the root: mname ".", rname ".", serial, refresh, retry, expire, minimum (negative TTL)
soa_rdata = b"\x00\x00" + struct.pack(">IIIII", 1, 1800, 900, 604800, 300)
while True:
    q, addr = s.recvfrom(4096)
    if len(q) < 12:
        continue
    qid = q[:2]
    flags = struct.pack(">H", 0x8183 | (q[2] & 0x01) << 8)  # QR, RD copied, RA, NXDOMAIN
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    question = q[12:end + 5]
    authority = b"\x00" + struct.pack(">HHIH", 6, 1, 300, len(soa_rdata)) + soa_rdata
    s.sendto(qid + flags + struct.pack(">HHHH", 1, 0, 1, 0) + question + authority, addr)
