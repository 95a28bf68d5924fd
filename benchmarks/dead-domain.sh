#!/usr/bin/env bash
# Issue 9: "a queue of 100,000 messages to one dead domain: the queue keeps every message, memory
# stays bounded, local delivery is not delayed by it, and the server keeps serving". Run by hand
# from the repository root (never in CI); it takes a while (TOTAL submissions, then HOLD seconds):
#
#   benchmarks/dead-domain.sh                 # MODE=refused
#   MODE=timeout benchmarks/dead-domain.sh
#
# No smart host: Postern looks the recipients' domain up in DNS, and org.postern.dns asks only a
# tiny DNS server of this run (DeadDns on loopback): MX dead.example -> mx.dead.example ->
# 127.0.0.1, NXDOMAIN for every other name. The MX port (remote.port) is
#   MODE=refused  a closed loopback port: every connection is refused at once;
#   MODE=timeout  a loopback listener that never accepts and whose accept queue is full: the kernel
#                 drops the SYNs, every connection ends in connect.timeout.seconds (30). (TEST-NET
#                 addresses such as 192.0.2.1 do not time out on every machine: a network whose
#                 egress proxy answers every address, or whose gateway is that address, accepts or
#                 refuses them.)
# private.destinations = true (the MX is on loopback); everything else in org.postern.outbound as
# shipped (workers 8, per.destination 4, retry 300..4000 s, unreachable.pause.seconds 300,
# lifetime.hours 120, lease.seconds 600, poll.ms 5000).
#
# SmtpLoad submits TOTAL messages to rcpt@dead.example over CLIENTS connections (STARTTLS, AUTH
# PLAIN, an app password; the per-account limits are raised above TOTAL). Every SAMPLE seconds
# while they come in, and for HOLD seconds after (the retries of the first ones fall due 300 s
# after their first attempt), the script records: postern:queue-list's total, the Karaf JVM's
# heap after a full GC (jcmd GC.run, GC.heap_info), its thread count and RSS, and the time one
# message from alice@example.net to herself takes from MAIL FROM to her INBOX (MailLatency: SMTP
# submission, then IMAP STATUS polled every 10 ms; one not there after PROBE_TIMEOUT seconds is
# reported as late and stays queued), and how far the queue is behind its schedule (now minus
# the next attempt of the first message postern:queue-list shows: a local message waits behind
# every message due before it). Before the load and at the end: LATENCY_COUNT such messages, and
# one message through the MX port (no AUTH) into the INBOX. At the end, with Karaf stopped, a copy
# of its Derby database is read (QueueSnapshot): the queue must hold a pending recipient at
# dead.example for every message accepted, and nothing else but late local probes.
#
# Everything runs under /tmp/postern-dead-domain-XXXX (kept: samples.txt, the tools' output,
# Karaf's data/log/karaf.log); every process started is stopped by PID.
#
# Knobs: MODE=refused TOTAL=100000 CLIENTS=8 SIZE=4096 SAMPLE=60 HOLD=330 LATENCY_COUNT=5 PROBE_TIMEOUT=120
set -euo pipefail

MODE=${MODE:-refused}
TOTAL=${TOTAL:-100000}
CLIENTS=${CLIENTS:-8}
SIZE=${SIZE:-4096}
SAMPLE=${SAMPLE:-60}
HOLD=${HOLD:-330}
LATENCY_COUNT=${LATENCY_COUNT:-5}
PROBE_TIMEOUT=${PROBE_TIMEOUT:-120}
ACCOUNT=alice@example.net
DEAD=rcpt@dead.example

BENCH=dead-domain
. "$(dirname "$0")/lib.sh"
case "$MODE" in
  refused | timeout) ;;
  *) die "MODE=$MODE: expected refused or timeout" ;;
esac
[ $((TOTAL % CLIENTS)) = 0 ] || die "TOTAL ($TOTAL) must be a multiple of CLIENTS ($CLIENTS)"
bench_init dist
command -v jcmd >/dev/null || die "jcmd not found (a JDK is needed for the heap figures)"
wait_for_quiet

umask 077
work=$(mktemp -d /tmp/postern-dead-domain-XXXX)
chmod 755 "$work"
echo "$BENCH: working in $work"

dns_pid=""
load_pid=""
stop_dns() { [ -n "$dns_pid" ] && { kill "$dns_pid" 2>/dev/null || true; wait "$dns_pid" 2>/dev/null || true; }; dns_pid=""; }
stop_load() { [ -n "$load_pid" ] && { kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; }; load_pid=""; }
cleanup() { stop_load; stop_karaf; stop_dns; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

dns_port=$(free_port)
dead_port=$(free_port)
port_free "$dead_port" || die "port $dead_port is not free"
if [ "$MODE" = timeout ]; then
  "$java" -Xmx64m -cp "$jar" org.postern.bench.DeadDns --port "$dns_port" --domain dead.example --address 127.0.0.1 \
    --blackhole-port "$dead_port" >"$work/dns.txt" 2>&1 &
else
  "$java" -Xmx64m -cp "$jar" org.postern.bench.DeadDns --port "$dns_port" --domain dead.example --address 127.0.0.1 \
    >"$work/dns.txt" 2>&1 &
fi
dns_pid=$!
for i in $(seq 1 100); do grep -q "dns listening" "$work/dns.txt" 2>/dev/null && break; sleep 0.1; done
grep -q "dns listening" "$work/dns.txt" || die "the DNS server did not start: $(cat "$work/dns.txt")"

unpack_postern "$work/postern"
setcfg "$etc/org.postern.submission.cfg" messages.per.hour $((TOTAL * 2))
setcfg "$etc/org.postern.submission.cfg" recipients.per.day $((TOTAL * 2))
setcfg "$etc/org.postern.submission.cfg" max.connections.per.ip $((CLIENTS + 10))
setcfg "$etc/org.postern.dns.cfg" servers "127.0.0.1:$dns_port"
setcfg "$etc/org.postern.outbound.cfg" remote.port "$dead_port"
setcfg "$etc/org.postern.outbound.cfg" private.destinations true
# two log lines a message: keep every rolled file (Karaf's default keeps 7 of 16 MB)
setcfg "$etc/org.ops4j.pax.logging.cfg" log4j2.appender.rolling.strategy.type DefaultRolloverStrategy
setcfg "$etc/org.ops4j.pax.logging.cfg" log4j2.appender.rolling.strategy.max 100
log=$home/data/log/karaf.log
derby=$(ls "$home"/system/org/apache/derby/derby/*/derby-*.jar | head -1)

echo "$BENCH: $(nproc) CPUs; $TOTAL messages of $SIZE octets to $DEAD over $CLIENTS submission clients;" \
  "MX mx.dead.example = 127.0.0.1:$dead_port ($MODE); DNS 127.0.0.1:$dns_port (DeadDns);" \
  "org.postern.outbound as shipped but remote.port and private.destinations = true; $("$java" -version 2>&1 | head -1)"

start_karaf
jvm=$(karaf_jvm)
[ -n "$jvm" ] || die "no Karaf JVM"
create_account "$ACCOUNT" smtp,imap "$work/alice.password"
echo "$BENCH: Karaf JVM $jvm, max heap $(jcmd "$jvm" VM.flags 2>/dev/null | tr ' ' '\n' | sed -n 's/^-XX:MaxHeapSize=//p' | awk '{ printf "%d MiB", $1 / 1048576 }')"

samples=$work/samples.txt
t_start=$(now_ms)
# label: one line of figures, also kept in samples.txt
sample() {
  local heap threads rss q acc out first behind
  heap=$(heap_after_gc_kib "$jvm")
  threads=$(threads_of "$jvm")
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$jvm/status" 2>/dev/null)
  out=$(client "postern:queue-list --limit 1" || true)
  q=$(sed -n 's/^\([0-9][0-9]*\) message(s) queued.*/\1/p' <<<"$out" | head -1)
  first=$(awk 'length($1) == 32 && $1 ~ /^[0-9a-f]+$/ { print $2; exit }' <<<"$out") # mawk: no {32}
  behind=0
  if [ -n "$first" ]; then
    behind=$(( $(date +%s) - $(date -d "$first" +%s 2>/dev/null || date +%s) ))
    [ "$behind" -gt 0 ] || behind=0
  fi
  acc=$(lines "$work/accepted.txt")
  printf '%s +%ds accepted %s queued %s behind %s s heap-after-gc %s MiB threads %s rss %s MiB\n' "$1" \
    $(( ($(now_ms) - t_start) / 1000 )) "$acc" "${q:-?}" "$behind" "$(( ${heap:-0} / 1024 ))" "${threads:-?}" \
    "$(( ${rss:-0} / 1024 ))" | tee -a "$samples" | sed "s/^/$BENCH: /"
}
# label count: alice to alice through submission, time to the INBOX
latency() {
  "$java" -Xmx128m -cp "$jar" org.postern.bench.MailLatency --port "$sub_port" --starttls --auth-user "$ACCOUNT" \
    --auth-secret-file "$work/alice.password" --from "$ACCOUNT" --to "$ACCOUNT" --imap-port "$imap_port" \
    --imap-user "$ACCOUNT" --imap-secret-file "$work/alice.password" --count "$2" --label "local-$1" \
    --timeout-seconds "$PROBE_TIMEOUT" 2>&1 | tee -a "$work/latency.txt" | sed "s/^/$BENCH: /" || true
}
# label: one message from outside through the MX port into the INBOX
mx_check() {
  "$java" -Xmx128m -cp "$jar" org.postern.bench.MailLatency --port "$smtp_port" --from someone@sender.example \
    --to "$ACCOUNT" --imap-port "$imap_port" --imap-user "$ACCOUNT" --imap-secret-file "$work/alice.password" \
    --count 1 --label "mx-$1" --timeout-seconds "$PROBE_TIMEOUT" 2>&1 | tee -a "$work/latency.txt" | sed "s/^/$BENCH: /" || true
}

sample idle
latency before "$LATENCY_COUNT"
mx_check before

"$java" -Xmx512m -cp "$jar" org.postern.bench.SmtpLoad --port "$sub_port" --starttls --auth-user "$ACCOUNT" \
  --auth-secret-file "$work/alice.password" --clients "$CLIENTS" --messages $((TOTAL / CLIENTS)) --size "$SIZE" \
  --from "$ACCOUNT" --to "$DEAD" --id-prefix dead --accepted-file "$work/accepted.txt" --report-seconds 30 \
    >"$work/load.txt" 2>&1 &
load_pid=$!
load_start=$(now_ms)
echo "$BENCH: submitting $TOTAL messages to $DEAD"
next=$(( $(now_ms) + SAMPLE * 1000 ))
while kill -0 "$load_pid" 2>/dev/null; do
  if [ "$(now_ms)" -ge "$next" ]; then
    sample loading
    latency loading 1
    next=$(( $(now_ms) + SAMPLE * 1000 ))
  fi
  sleep 1
done
wait "$load_pid" || true
load_pid=""
load_s=$(( ($(now_ms) - load_start) / 1000 ))
grep -v '^load: ' "$work/load.txt" | sed "s/^/$BENCH: submission: /" || true

hold_end=$(( $(now_ms) + HOLD * 1000 ))
echo "$BENCH: holding $HOLD s with the queue full"
while [ "$(now_ms)" -lt "$hold_end" ]; do
  sample holding
  latency holding 1
  left=$(( hold_end - $(now_ms) ))
  [ "$left" -le 0 ] || sleep "$(( (left < SAMPLE * 1000 ? left : SAMPLE * 1000) / 1000 ))"
done

latency after "$LATENCY_COUNT"
mx_check after
sample end
accepted=$(lines "$work/accepted.txt")
final=$(queue_count || true)
late=$(grep -c "NOT in the INBOX" "$work/latency.txt" || true)
list=$(client "postern:queue-list --limit 3")
echo "$BENCH: queue-list now:"
printf '%s\n' "$list" | sed 's/^/    /'
first=$(printf '%s\n' "$list" | awk 'length($1) == 32 && $1 ~ /^[0-9a-f]+$/ { print $1; exit }')
[ -z "$first" ] || client "postern:queue-show $first" | sed 's/^/    /'
echo "$BENCH: DNS: $(grep 'questions so far' "$work/dns.txt" | tail -1 | sed 's/^dns: //')"
stop_karaf
cp -a "$home/postern-data/db" "$work/db-at-end"
"$java" -cp "$jar:$derby" org.postern.bench.QueueSnapshot --db "$work/db-at-end" --blobs "$home/postern-data/blobs" \
  >"$work/queue-at-end.txt" 2>"$work/queue-at-end.err" || echo "$BENCH: reading the queue failed: $(tail -3 "$work/queue-at-end.err")"
dead_pending=$(awk '$1 == "recipients" && $2 == "dead.example" && $3 == "P" { print $4 }' "$work/queue-at-end.txt")
others=$(awk '$1 == "recipients" && !($2 == "dead.example" && $3 == "P") { print $2 " " $3 " " $4 }' "$work/queue-at-end.txt" | paste -sd, -)

echo
echo "$BENCH: summary ($MODE)"
sed -n 's/^accepted: \([0-9]*\) in \([0-9.]*\) s = \([0-9.]*\) messages\/s; refused or failed: \([0-9]*\).*/    submission: \1 accepted in \2 s = \3 messages\/s, \4 refused or failed/p' "$work/load.txt"
sed -n 's/^latency ms: /    submission latency ms: /p' "$work/load.txt"
awk '{ for (i = 1; i <= NF; i++) { if ($i == "heap-after-gc") h = $(i + 1); if ($i == "threads") t = $(i + 1); if ($i == "rss") r = $(i + 1); if ($i == "behind") b = $(i + 1) }
       if (h > mh) mh = h; if (t > mt) mt = t; if (r > mr) mr = r; if (b > mb) mb = b; if (NR == 1) { h0 = h; t0 = t; r0 = r } }
     END { printf "    heap after GC: idle %d MiB, max %d MiB, end %d MiB; threads: idle %d, max %d, end %d; RSS: idle %d MiB, max %d MiB, end %d MiB; queue behind its schedule: max %d s, end %d s\n", h0, mh, h, t0, mt, t, r0, mr, r, mb, b }' "$samples"
grep -h ': [0-9]*/[0-9]* in the INBOX' "$work/latency.txt" | sed 's/^/    /' || true
awk '/^local-(loading|holding): message/ { for (i = 1; i <= NF; i++) if ($i == "after" && $(i + 2) == "ms" && $(i - 1) == "INBOX") print $(i + 1) }' \
  "$work/latency.txt" 2>/dev/null | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "    local, one message per sample while the queue filled or held: %d samples, median %.1f ms, max %.1f ms\n", NR, v[int((NR + 1) / 2)], v[NR] }' || true
if grep -q "NOT in the INBOX\|refused" "$work/latency.txt"; then
  echo "    NOT DELIVERED: $(grep -c "NOT in the INBOX\|refused" "$work/latency.txt") latency message(s):"
  grep "NOT in the INBOX\|refused" "$work/latency.txt" | head -5 | sed 's/^/      /'
fi
echo "    queue at the end: postern:queue-list ${final:-?}; in the database: ${dead_pending:-?} recipients pending at dead.example${others:+, besides: $others};" \
  "accepted for $DEAD: $accepted; $([ "${dead_pending:-x}" = "$accepted" ] && echo "equal: nothing lost" || echo "DIFFERENT")" \
  "(local probes late: $late)"
echo "    karaf.log: $(cat "$log"* | grep -c ' WARN ' || true) WARN, $(cat "$log"* | grep -c ' ERROR ' || true) ERROR lines (karaf.log*); distinct ones:"
cat "$log"* | grep -E ' (WARN|ERROR) ' | sed -E 's/^[^|]*\| *([A-Z]+) *\|[^|]*\|/\1 |/; s/[0-9a-f]{32}/<id>/g' | sort | uniq -c | sort -rn | head -15 | cut -c1-300 | sed 's/^/      /' || true
stop_dns
