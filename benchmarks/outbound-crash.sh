#!/usr/bin/env bash
# Issue 9: "kill -9 while sending neither loses a message nor sends it twice beyond SMTP's own
# at-least-once window". Run by hand from the repository root (never in CI):
#
#   benchmarks/outbound-crash.sh
#
# Postern relays everything to a smart host, SmtpSink on loopback, which appends the Message-ID of
# every message it gets to a file (before its 250, then waits SINK_DELAY_MS as a distant server
# would: a sender killed in that window has sent the message but not seen the 250). SmtpLoad
# submits CLIENTS x MESSAGES messages (STARTTLS, AUTH PLAIN with an app password), each with a
# Message-ID of its own, and writes the ones answered 250 to a file; a client whose connection
# broke connects again and goes on with its next message. Meanwhile the Karaf JVM (the java
# process, not the launcher) is killed with SIGKILL KILLS times, each at a random moment
# KILL_MIN..KILL_MAX seconds after the submission port greeted again, during the load or, once it
# is done, while the queue still delivers; each time Karaf is started again at once.
#
# At each kill, before the restart, a copy of the node's Derby database is read (QueueSnapshot):
# the messages it held a lease on at that moment are the ones it was sending, the only ones that
# may reach the sink twice (lease.seconds = LEASE: a dead node's messages are sent again once
# their lease expired). Leases of a node killed earlier that have not expired yet are told apart
# by their owner (each start is a new owner) and counted with the kill that left them. At the end, once postern:queue-list says 0 queued, the files are compared:
#   lost        accepted (250 to the client) but never at the sink: must be 0
#   duplicated  at the sink more than once: must all be among the messages in flight at a kill
# plus the messages the sink got that the client never saw a 250 for (the kill came between
# Postern's commit and its reply: also SMTP's at-least-once, on the submission side).
#
# Everything runs under /tmp/postern-outbound-crash-XXXX (kept for inspection: the ID files,
# each kill's snapshot, Karaf's data/log/karaf.log); every process started is stopped by PID.
#
# Knobs: CLIENTS=16 MESSAGES=150 SIZE=4096 KILLS=5 KILL_MIN=2 KILL_MAX=10 LEASE=20 WORKERS=8
#   SINK_DELAY_MS=50 RETRY_INITIAL=30 DRAIN_SECONDS=900
set -euo pipefail

CLIENTS=${CLIENTS:-16}
MESSAGES=${MESSAGES:-150}
SIZE=${SIZE:-4096}
KILLS=${KILLS:-5}
KILL_MIN=${KILL_MIN:-2}
KILL_MAX=${KILL_MAX:-10}
LEASE=${LEASE:-20}
WORKERS=${WORKERS:-8}
SINK_DELAY_MS=${SINK_DELAY_MS:-50}
RETRY_INITIAL=${RETRY_INITIAL:-30}
DRAIN_SECONDS=${DRAIN_SECONDS:-900}
ACCOUNT=alice@example.net
TOTAL=$((CLIENTS * MESSAGES))
PREFIX=crash$$

BENCH=outbound-crash
. "$(dirname "$0")/lib.sh"
bench_init dist
command -v jcmd >/dev/null || die "a JDK is needed"
wait_for_quiet

umask 077
work=$(mktemp -d /tmp/postern-outbound-crash-XXXX)
chmod 755 "$work"
echo "$BENCH: working in $work"

sink_pid=""
load_pid=""
stop_sink() { [ -n "$sink_pid" ] && { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }; sink_pid=""; }
stop_load() { [ -n "$load_pid" ] && { kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; }; load_pid=""; }
cleanup() { stop_karaf; stop_load; stop_sink; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

sink_port=$(free_port)
unpack_postern "$work/postern"
setcfg "$etc/org.postern.submission.cfg" messages.per.hour $((TOTAL * 10))
setcfg "$etc/org.postern.submission.cfg" recipients.per.day $((TOTAL * 10))
setcfg "$etc/org.postern.submission.cfg" max.connections.per.ip $((CLIENTS + 10))
setcfg "$etc/org.postern.outbound.cfg" smarthost "127.0.0.1:$sink_port"
setcfg "$etc/org.postern.outbound.cfg" workers "$WORKERS"
setcfg "$etc/org.postern.outbound.cfg" per.destination "$WORKERS"
setcfg "$etc/org.postern.outbound.cfg" poll.ms 1000
setcfg "$etc/org.postern.outbound.cfg" lease.seconds "$LEASE"
setcfg "$etc/org.postern.outbound.cfg" retry.initial.seconds "$RETRY_INITIAL"
# two log lines a message: keep every rolled file (Karaf's default keeps 7 of 16 MB)
setcfg "$etc/org.ops4j.pax.logging.cfg" log4j2.appender.rolling.strategy.type DefaultRolloverStrategy
setcfg "$etc/org.ops4j.pax.logging.cfg" log4j2.appender.rolling.strategy.max 100
derby=$(ls "$home"/system/org/apache/derby/derby/*/derby-*.jar | head -1)
log=$home/data/log/karaf.log

echo "$BENCH: $(nproc) CPUs; $CLIENTS clients x $MESSAGES messages of $SIZE octets ($TOTAL) to rcpt@remote.example;" \
  "smart host 127.0.0.1:$sink_port (SmtpSink, ${SINK_DELAY_MS} ms before each 250); workers = per.destination = $WORKERS," \
  "lease.seconds = $LEASE, retry.initial.seconds = $RETRY_INITIAL, poll.ms = 1000; $KILLS kills -9," \
  "each ${KILL_MIN}..${KILL_MAX} s after submission greeted; $("$java" -version 2>&1 | head -1)"

"$java" -Xmx256m -cp "$jar" org.postern.bench.SmtpSink --port "$sink_port" --expect 0 --timeout 86400 \
  --record-file "$work/sink-record.txt" --delay-ms "$SINK_DELAY_MS" >"$work/sink.txt" 2>&1 &
sink_pid=$!
for i in $(seq 1 100); do greets "$sink_port" && break; sleep 0.1; done
greets "$sink_port" || die "the sink did not start"

t=$(now_ms)
start_karaf
echo "$BENCH: Karaf up (shell and submission) after $(( ($(now_ms) - t) / 1000 )) s"
create_account "$ACCOUNT" smtp "$work/postern.password"

"$java" -Xmx512m -cp "$jar" org.postern.bench.SmtpLoad --port "$sub_port" --starttls --auth-user "$ACCOUNT" \
  --auth-secret-file "$work/postern.password" --clients "$CLIENTS" --messages "$MESSAGES" --size "$SIZE" \
  --from "$ACCOUNT" --to rcpt@remote.example --id-prefix "$PREFIX" --accepted-file "$work/accepted.txt" \
  --reconnect-seconds 600 --report-seconds 5 >"$work/load.txt" 2>&1 &
load_pid=$!
load_start=$(now_ms)
echo "$BENCH: load started"

kills_file=$work/kills.txt
: >"$kills_file"
: >"$work/owners"
for k in $(seq 1 "$KILLS"); do
  delay_ms=$(( KILL_MIN * 1000 + RANDOM % ((KILL_MAX - KILL_MIN) * 1000 + 1) ))
  sleep "$(awk -v m="$delay_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
  jvm=$(karaf_jvm)
  [ -n "$jvm" ] || die "no Karaf JVM under launcher $launcher"
  if kill -0 "$load_pid" 2>/dev/null; then phase="during the load"; else phase="load done, queue delivering"; fi
  accepted_then=$(lines "$work/accepted.txt")
  sink_then=$(lines "$work/sink-record.txt")
  t_kill=$(now_ms)
  kill -KILL "$jvm"
  wait "$launcher" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$jvm" 2>/dev/null || break; sleep 0.05; done
  launcher=""
  mkdir -p "$work/kill-$k"
  cp -a "$home/postern-data/db" "$work/kill-$k/db"
  if "$java" -cp "$jar:$derby" org.postern.bench.QueueSnapshot --db "$work/kill-$k/db" --blobs "$home/postern-data/blobs" \
      --at "$t_kill" >"$work/kill-$k/snapshot.txt" 2>"$work/kill-$k/snapshot.err"; then
    queued=$(sed -n 's/^queued //p' "$work/kill-$k/snapshot.txt")
    # this node's leases: owners not seen at an earlier kill
    awk '$1 == "leased" && NF == 4 { print $4, $3 }' "$work/kill-$k/snapshot.txt" | sort >"$work/kill-$k/leases"
    awk 'FILENAME == ARGV[1] { old[$1] = 1; next } !($1 in old) { print $2 }' "$work/owners" "$work/kill-$k/leases" \
      | sort -u >"$work/kill-$k/inflight"
    awk '{ print $1 }' "$work/kill-$k/leases" | sort -u >>"$work/owners"
    leased=$(lines "$work/kill-$k/inflight")
    earlier=$(( $(lines "$work/kill-$k/leases") - leased ))
    [ "$earlier" = 0 ] || leased="$leased (+$earlier of an earlier kill, lease not expired)"
  else
    queued="?"
    leased="?"
    echo "$BENCH: kill $k: the snapshot failed: $(tail -3 "$work/kill-$k/snapshot.err")"
  fi
  t=$(now_ms)
  start_karaf
  back=$(( ($(now_ms) - t) / 1000 ))
  echo "$k $t_kill $phase|$accepted_then|$sink_then|$queued|$leased|$back" >>"$kills_file"
  echo "$BENCH: kill $k at +$(( (t_kill - load_start) / 1000 )) s ($phase): accepted so far $accepted_then," \
    "sink so far $sink_then, queued $queued, in flight (leased) $leased; back after $back s"
done

echo "$BENCH: waiting for the load to finish"
wait "$load_pid" || true
load_pid=""
sed 's/^/    /' "$work/load.txt" | grep -v '^    load: ' || true

echo "$BENCH: waiting for postern:queue-list to say 0 (at most $DRAIN_SECONDS s)"
t=$(now_ms)
left=""
while [ $(( ($(now_ms) - t) / 1000 )) -lt "$DRAIN_SECONDS" ]; do
  left=$(queue_count || true)
  [ "$left" = 0 ] && break
  sleep 5
done
drain=$(( ($(now_ms) - t) / 1000 ))
if [ "$left" != 0 ]; then
  echo "$BENCH: the queue still holds ${left:-?} after $drain s:"
  client "postern:queue-list --limit 10" | sed 's/^/    /'
else
  echo "$BENCH: queue empty $drain s after the load ended"
fi
sleep 2 # the last 250s of the sink
stop_sink

# ---- comparison ----
sort "$work/accepted.txt" >"$work/accepted.sorted"
sort -u "$work/accepted.txt" >"$work/accepted.distinct"
awk -v p="<$PREFIX." 'index($2, p) == 1 { print $2 }' "$work/sink-record.txt" | sort >"$work/received.sorted"
sort -u "$work/received.sorted" >"$work/received.distinct"
uniq -d "$work/received.sorted" >"$work/duplicated.txt"
cat "$work"/kill-*/inflight 2>/dev/null | sort -u >"$work/inflight.distinct"
accepted=$(lines "$work/accepted.distinct")
accepted_lines=$(lines "$work/accepted.sorted")
received=$(lines "$work/received.sorted")
distinct=$(lines "$work/received.distinct")
comm -23 "$work/accepted.distinct" "$work/received.distinct" >"$work/lost.txt"
comm -13 "$work/accepted.distinct" "$work/received.distinct" >"$work/unacknowledged.txt"
lost=$(lines "$work/lost.txt")
dups=$(lines "$work/duplicated.txt")
extra=$((received - distinct))
unexplained=$(comm -23 "$work/duplicated.txt" "$work/inflight.distinct" | wc -l | tr -d ' ')
unack=$(lines "$work/unacknowledged.txt")
other=$(awk -v p="<$PREFIX." 'index($2, p) != 1' "$work/sink-record.txt" | wc -l | tr -d ' ')

echo
echo "$BENCH: per kill (time since the load started, phase, accepted so far, at the sink so far, queued, in flight = leased by the killed node, of those at the sink twice):"
while read -r k t_kill rest; do
  IFS='|' read -r phase acc snk q l back <<<"$rest"
  twice=$(comm -12 "$work/kill-$k/inflight" "$work/duplicated.txt" 2>/dev/null | wc -l | tr -d ' ')
  echo "    kill $k: +$(( (t_kill - load_start) / 1000 )) s, $phase, accepted $acc, sink $snk, queued $q, in flight $l, duplicated $twice, back after $back s"
done <"$kills_file"
inflight=$(lines "$work/inflight.distinct")
echo "$BENCH: accepted $accepted$([ "$accepted_lines" = "$accepted" ] || echo " ($accepted_lines lines: an ID accepted twice!)")," \
  "delivered distinct $distinct, lost $lost, duplicated $dups ($extra extra copies; in flight at the kills: $inflight; duplicated but not in flight at a kill: $unexplained)," \
  "at the sink without a 250 to the client $unack$([ "$other" = 0 ] || echo ", other messages at the sink $other")"
[ "$lost" = 0 ] || { echo "$BENCH: LOST (first 10):"; head -10 "$work/lost.txt" | sed 's/^/    /'; }
[ "$unexplained" = 0 ] || { echo "$BENCH: duplicates not in flight at any kill:"; comm -23 "$work/duplicated.txt" "$work/inflight.distinct" | head -10 | sed 's/^/    /'; }
echo "$BENCH: karaf.log: $(cat "$log"* | grep -c ' WARN ' || true) WARN, $(cat "$log"* | grep -c ' ERROR ' || true) ERROR lines (karaf.log*); distinct ones:"
cat "$log"* | grep -E ' (WARN|ERROR) ' | sed -E 's/^[^|]*\| *([A-Z]+) *\|[^|]*\|/\1 |/; s/[0-9a-f]{32}/<id>/g' | sort | uniq -c | sort -rn | head -20 | cut -c1-300 | sed 's/^/    /' || true
stop_karaf
