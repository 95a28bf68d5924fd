#!/usr/bin/env bash
# Issue 10, item 2: what sender authentication (SPF, DKIM, DMARC, Authentication-Results) costs the
# MX. Run by hand from the repository root (never in CI):
#
#   benchmarks/mx-auth-bench.sh
#
# One distribution; for each of CLIENTS_LIST (1 4 16) SmtpLoad hands MESSAGES messages of SIZE
# octets per client to the MX (PIPELINING), first with sender.authentication = false, then true
# (the config file is edited; the listener rebinds). DNS: local-dns.py on loopback answers every
# question NXDOMAIN with an SOA (cacheable, as from a local unbound): SPF none, DMARC none, no key
# lookups. The figure is the cost of reading the header and the body for DKIM, the DNS round trips
# and the asynchronous hand-off, not of slow DNS. LOCAL_DNS=0 uses the machine's resolver instead
# (here it lost 2.5% of UDP queries and its NXDOMAIN had no SOA: every lost query cost a retry of
# seconds, which dominated the figures).
#
# Knobs: CLIENTS_LIST="1 4 16" MESSAGES=300 SIZE=4096 LOCAL_DNS=1 MODES="false true" (the order of the
# two halves; run it both ways to see what is noise)
set -euo pipefail
BENCH=mx-auth-bench
CLIENTS_LIST=${CLIENTS_LIST:-1 4 16}
MESSAGES=${MESSAGES:-300}
SIZE=${SIZE:-4096}
source "$(dirname "$0")/lib.sh"
bench_init dist
launcher=""
work=$(mktemp -d /tmp/mx-auth-bench.XXXX)
trap 'stop_karaf; stop_local_dns; echo "work directory: $work"' EXIT

unpack_postern "$work/postern"
if [ "${LOCAL_DNS:-1}" = 1 ]; then
  start_local_dns
fi
setcfg "$etc/org.postern.smtp.cfg" max.connections.per.ip 100
start_karaf
for i in $(seq 1 240); do greets "$smtp_port" && break; sleep 0.5; done
(umask 077; printf '%s\n' "bench password for alice" >"$home/alice.pw")
out=$(client "postern:domain-add example.net" "postern:account-add alice@example.net --password-file $home/alice.pw") \
  || die "account set-up failed: $out"
rm -f "$home/alice.pw"

run() { # clients label
  "$java" -cp "$jar" org.postern.bench.SmtpLoad --port "$smtp_port" --clients "$1" --messages 20 --size "$SIZE" \
    --to alice@example.net >/dev/null
  "$java" -cp "$jar" org.postern.bench.SmtpLoad --port "$smtp_port" --clients "$1" --messages "$MESSAGES" \
    --size "$SIZE" --to alice@example.net | tee "$work/$2-$1.txt"
}
# Whichever half ran first after boot was up to 3x slower (JIT, Derby's page cache, Karaf still
# settling): one untimed round at the largest concurrency first. Even so the second half came out
# faster in both orders (2026-12-03): compare the two modes averaged over MODES="false true" and
# MODES="true false", never one run's halves.
echo "== warm-up (not measured)"
"$java" -cp "$jar" org.postern.bench.SmtpLoad --port "$smtp_port" --clients 16 --messages "$MESSAGES" --size "$SIZE" \
  --to alice@example.net >/dev/null
for mode in ${MODES:-false true}; do
  setcfg "$etc/org.postern.smtp.cfg" sender.authentication "$mode"
  sleep 3
  for i in $(seq 1 120); do greets "$smtp_port" && break; sleep 0.5; done
  for c in $CLIENTS_LIST; do
    echo "== sender.authentication=$mode, $c client(s)"
    run "$c" "auth-$mode"
  done
done
