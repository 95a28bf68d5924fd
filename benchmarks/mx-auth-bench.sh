#!/usr/bin/env bash
# Issue 10, item 2: what sender authentication (SPF, DKIM, DMARC, Authentication-Results) costs the
# MX. Run by hand from the repository root (never in CI):
#
#   benchmarks/mx-auth-bench.sh
#
# One distribution; for each of CLIENTS_LIST (1 4 16) SmtpLoad hands MESSAGES messages of SIZE
# octets per client to the MX (PIPELINING), first with sender.authentication = false, then true
# (the config file is edited; the listener rebinds). DNS: a LoopbackDnsServer-free setup would need
# the test jar, so the machine's resolver answers (here NXDOMAIN at once for the load's sender
# domain: SPF none, DMARC none, no key lookups); the figure is the cost of reading the header and
# the body for DKIM, the DNS round trips and the asynchronous hand-off, not of slow DNS.
#
# Knobs: CLIENTS_LIST="1 4 16" MESSAGES=300 SIZE=4096
set -euo pipefail
BENCH=mx-auth-bench
CLIENTS_LIST=${CLIENTS_LIST:-1 4 16}
MESSAGES=${MESSAGES:-300}
SIZE=${SIZE:-4096}
source "$(dirname "$0")/lib.sh"
bench_init dist
launcher=""
work=$(mktemp -d /tmp/mx-auth-bench.XXXX)
trap 'stop_karaf; echo "work directory: $work"' EXIT

unpack_postern "$work/postern"
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
for mode in false true; do
  setcfg "$etc/org.postern.smtp.cfg" sender.authentication "$mode"
  sleep 3
  for i in $(seq 1 120); do greets "$smtp_port" && break; sleep 0.5; done
  for c in $CLIENTS_LIST; do
    echo "== sender.authentication=$mode, $c client(s)"
    run "$c" "auth-$mode"
  done
done
