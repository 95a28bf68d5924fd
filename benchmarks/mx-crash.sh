#!/usr/bin/env bash
# Issue 10, the MX's durable write path: "20 kill -9 cycles under 16-client load: every
# acknowledged Message-ID is readable afterwards, exactly once". Run by hand from the repository
# root (never in CI):
#
#   benchmarks/mx-crash.sh
#
# What the 250 after DATA promises: the body is in the blob store (through the node-local blob
# journal, postern-data/blob-journal: one shared fdatasync for concurrent bodies, checkpointed into
# the blob directory every few seconds, replayed at start) and the message is filed in the INBOX
# (group-committed Derby transactions). A kill -9 at any moment must not lose one of those, nor
# file one twice.
#
# One distribution (max.connections.per.ip raised, sender authentication on with DNS answered by
# local-dns.py on loopback, as in mx-auth-bench.sh), 16 accounts u01..u16@example.net, each with an
# IMAP app password. Then CYCLES times: SmtpLoad runs CLIENTS clients against the MX (plain SMTP,
# PIPELINING), SIZE octets a message, to the 16 mailboxes (client i to u(i mod 16 + 1)) or all to
# u01, alternately (MAILBOXES_LIST, taken in turn); it appends the Message-ID of every message
# answered 250 to one file for the whole run (flushed at once). A random MIN_LOAD..MAX_LOAD
# seconds after the cycle's first 250 the Karaf JVM and its launcher get SIGKILL (no clean stop: no final journal
# checkpoint), the load tool is stopped, and Karaf is started again until the MX greets. The
# journal's segments are counted before and after each restart (seg-N.log: written, not yet
# checkpointed; recovered-N.log: replayed at start, waiting for the blob reaper's check against the
# database), with Postern's own journal and reaper log lines of that start.
#
# At the end (SETTLE seconds after the last restart) every INBOX is read over plain IMAP on
# loopback (LOGIN with the app password, Python's imaplib: the benchmarks jar has no IMAP client
# library) and the Message-ID of every message collected. Printed:
#   acknowledged         Message-IDs SmtpLoad saw a 250 for
#   found                messages in the 16 INBOXes (and distinct Message-IDs)
#   missing              acknowledged, not found: must be 0
#   duplicated           found more than once (acknowledged or not: SmtpLoad never sends a
#                        message again): must be 0
#   misfiled             found in another mailbox than the one it was sent to: must be 0
#   not acknowledged     found, but no 250 reached the client (the kill came between the commit and
#                        the reply): allowed, SMTP's at-least-once
# and the orphan check: blob files under postern-data/blobs/?? (the 256 fan-out directories, not
# tmp) against message rows (the INBOX counts of postern:mailbox-list, plus anything queued); after
# a restart the blob reaper unlinks recovered bodies no row refers to, so the script waits up to
# REAP_WAIT seconds for the two to agree. A difference is printed as ORPHANS (more files) or
# MISSING BLOBS (fewer); it does not change the exit status. Exit status 1 when anything is
# missing, duplicated or misfiled.
#
# Everything runs under /tmp/postern-mx-crash-XXXX (kept: accepted.txt, found.txt, each cycle's
# load output, Karaf's data/log/karaf.log); every process started is stopped by PID.
#
# Knobs: CYCLES=20 CLIENTS=16 SIZE=4096 MIN_LOAD=2 MAX_LOAD=6 (seconds of load before each kill)
#   MAILBOXES_LIST="16 1" (per cycle, in turn) SETTLE=5 REAP_WAIT=60
set -euo pipefail

CYCLES=${CYCLES:-20}
CLIENTS=${CLIENTS:-16}
SIZE=${SIZE:-4096}
MIN_LOAD=${MIN_LOAD:-2}
MAX_LOAD=${MAX_LOAD:-6}
MAILBOXES_LIST=${MAILBOXES_LIST:-16 1}
SETTLE=${SETTLE:-5}
REAP_WAIT=${REAP_WAIT:-60}
PREFIX=mxc$$
export LC_ALL=C # sort and comm agree

BENCH=mx-crash
. "$(dirname "$0")/lib.sh"
for m in $MAILBOXES_LIST; do
  [[ $m =~ ^[0-9]+$ ]] && [ "$m" -ge 1 ] && [ "$m" -le 16 ] || die "MAILBOXES_LIST: $m is not 1 to 16"
done
[ "$MAX_LOAD" -ge "$MIN_LOAD" ] || die "MAX_LOAD < MIN_LOAD"
command -v python3 >/dev/null || die "python3 is needed (local-dns.py, the IMAP reader)"
bench_init dist
wait_for_quiet

umask 077
work=$(mktemp -d /tmp/postern-mx-crash-XXXX)
chmod 755 "$work"
echo "$BENCH: working in $work"

launcher=""
load_pid=""
stop_load() { [ -n "$load_pid" ] && { kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; }; load_pid=""; }
cleanup() { stop_load; stop_karaf; stop_local_dns; echo "$BENCH: work directory: $work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
addresses=$(seq -f 'u%02g@example.net' 1 16)
to_list() { echo "$addresses" | head -"$1" | paste -sd, -; } # the first $1 addresses, comma-separated

unpack_postern "$work/postern"
start_local_dns
setcfg "$etc/org.postern.smtp.cfg" max.connections.per.ip 100
# many starts: keep every rolled log file (Karaf's default keeps 7 of 16 MB)
setcfg "$etc/org.ops4j.pax.logging.cfg" log4j2.appender.rolling.strategy.type DefaultRolloverStrategy
setcfg "$etc/org.ops4j.pax.logging.cfg" log4j2.appender.rolling.strategy.max 100
data=$home/postern-data
journal=$data/blob-journal
blobs=$data/blobs
log=$home/data/log/karaf.log

echo "$BENCH: $(nproc) CPUs; $CYCLES kill -9 cycles, each after ${MIN_LOAD}..${MAX_LOAD} s of $CLIENTS clients" \
  "($SIZE octets a message, plain SMTP) to $(echo "$MAILBOXES_LIST" | sed 's/ / or /g') mailbox(es) in turn;" \
  "$("$java" -version 2>&1 | head -1)"

# Segments in the journal: "seg S, recovered R, B bytes"
journal_state() {
  local s r b
  s=$(find "$journal" -maxdepth 1 -name 'seg-*.log' 2>/dev/null | wc -l)
  r=$(find "$journal" -maxdepth 1 -name 'recovered-*.log' 2>/dev/null | wc -l)
  b=$(du -sb "$journal" 2>/dev/null | cut -f1)
  echo "seg $s, recovered $r, ${b:-0} bytes"
}
blob_files() { find "$blobs" -mindepth 2 -maxdepth 2 -path "$blobs/[0-9a-f][0-9a-f]/*" -type f 2>/dev/null | wc -l; }
log_lines() { lines "$log"; }
# karaf.log's lines about the journal and the reaper since line $1 (0 when the file rolled since)
journal_log_since() {
  local from=$1
  [ "$(log_lines)" -ge "$from" ] || from=0
  tail -n +"$((from + 1))" "$log" 2>/dev/null | grep -E 'Postern blob (journal|reaper)|ERROR' \
    | sed -E 's/^[^|]*\| *([A-Z]+) *\|[^|]*\|[^|]*\|[^|]*\| */\1 /' | cut -c1-240 || true
}
mx_greets() { local i; for i in $(seq 1 240); do greets "$smtp_port" && return 0; sleep 0.5; done; return 1; }

t=$(now_ms)
start_karaf
mx_greets || die "Postern MX not listening on $smtp_port"
echo "$BENCH: Karaf up (shell, submission and MX) after $(( ($(now_ms) - t) / 1000 )) s"

# ---- accounts and app passwords: one bin/client for the lot ----
(umask 077; printf '%s\n' "bench password" >"$home/account.pw")
cmds=("postern:domain-add example.net")
for a in $addresses; do cmds+=("postern:account-add $a --password-file $home/account.pw"); done
for a in $addresses; do cmds+=("postern:app-password-create $a --name bench --protocols imap"); done
out=$(client "${cmds[@]}") || die "account set-up failed: $out"
rm -f "$home/account.pw"
# app-password-create prints "... Log in with ADDRESS and:" and the secret on the next line
(umask 077; tr -d '\r' <<<"$out" | awk '
  match($0, /Log in with [^ ]+ and:[[:space:]]*$/) { split(substr($0, RSTART), w, " "); who = w[4]; next }
  who != "" && NF { print who, $1; who = "" }' >"$work/secrets")
[ "$(lines "$work/secrets")" = 16 ] || die "expected 16 app passwords, got $(lines "$work/secrets"): $out"

# ---- the kill cycles ----
accepted_file=$work/accepted.txt
: >"$accepted_file"
: >"$work/cycles.txt"
# Every start after a SIGKILL: the launcher's check for a running root instance reads the dead
# JVM's pid from instances/instance.properties; should the pid be in use again by another Karaf,
# bin/karaf would refuse to start. Ours is gone (waited for below), so the check is off.
export CHECK_ROOT_INSTANCE_RUNNING=false
read -r -a mb_cycle <<<"$MAILBOXES_LIST"
for k in $(seq 1 "$CYCLES"); do
  m=${mb_cycle[$(( (k - 1) % ${#mb_cycle[@]} ))]}
  id_prefix=${PREFIX}c${k}m${m}
  before_acc=$(lines "$accepted_file")
  "$java" -Xmx256m -cp "$jar" org.postern.bench.SmtpLoad --port "$smtp_port" --clients "$CLIENTS" --messages 100000 \
    --size "$SIZE" --to "$(to_list "$m")" --id-prefix "$id_prefix" --accepted-file "$accepted_file" \
    --reconnect-seconds 3600 >"$work/load-$k.txt" 2>&1 &
  load_pid=$!
  # The delay counts from the cycle's first 250 (the MX needs a few seconds after a start before it
  # accepts), so that every kill lands under load; 60 s at most.
  for i in $(seq 1 600); do [ "$(lines "$accepted_file")" -gt "$before_acc" ] && break; sleep 0.1; done
  load_ms=$(( MIN_LOAD * 1000 + RANDOM % ((MAX_LOAD - MIN_LOAD) * 1000 + 1) ))
  sleep "$(awk -v m="$load_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
  kill -0 "$load_pid" 2>/dev/null || die "cycle $k: SmtpLoad ended early: $(tail -5 "$work/load-$k.txt")"
  jvm=$(karaf_jvm)
  [ -n "$jvm" ] || die "cycle $k: no Karaf JVM under launcher $launcher"
  kill -KILL "$jvm"
  kill -KILL "$launcher" 2>/dev/null || true
  wait "$launcher" 2>/dev/null || true
  launcher=""
  # gone, or a zombie nobody reaped yet (it holds no file or socket any more)
  for i in $(seq 1 200); do
    st=$(awk '{ print $3 }' "/proc/$jvm/stat" 2>/dev/null || true)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.05
  done
  sleep 0.5 # a 250 already on its way in the client's socket buffer still counts
  stop_load
  acked=$(( $(lines "$accepted_file") - before_acc ))
  j_before=$(journal_state)
  log_from=$(log_lines)
  t=$(now_ms)
  start_karaf
  mx_greets || die "cycle $k: Postern MX not listening on $smtp_port after the restart"
  back=$(( ($(now_ms) - t) / 1000 ))
  j_after=$(journal_state)
  echo "$k $m $load_ms $acked $back" >>"$work/cycles.txt"
  echo "$BENCH: cycle $k: $m mailbox(es), kill -9 after $load_ms ms of load, $acked acknowledged;" \
    "back after $back s; journal before restart: $j_before; after: $j_after"
  journal_log_since "$log_from" | sed 's/^/    /'
done

echo "$BENCH: all $CYCLES cycles done; settling $SETTLE s"
sleep "$SETTLE"

# ---- read every INBOX over IMAP ----
# Output: one line per message: ACCOUNT MESSAGE-ID (or "-" when it has none); to stderr, per
# account, the EXISTS count and how many messages the FETCH returned.
python3 - "$imap_port" "$work/secrets" >"$work/found.txt" 2>"$work/imap.txt" <<'PY' || die "IMAP read failed: $(tail -5 "$work/imap.txt")"
import imaplib, re, sys
port, secrets = int(sys.argv[1]), sys.argv[2]
mid = re.compile(rb"^Message-ID:[ \t]*(.*?)[ \t\r]*$", re.I | re.M)
for line in open(secrets):
    who, secret = line.split()
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login(who, secret)
    typ, data = c.select("INBOX", readonly=True)
    if typ != "OK":
        raise SystemExit(f"SELECT INBOX for {who}: {typ} {data}")
    exists = int(data[0])
    got = 0
    if exists:
        typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        if typ != "OK":
            raise SystemExit(f"UID FETCH for {who}: {typ} {data}")
        for item in data:
            if not isinstance(item, tuple):
                continue
            got += 1
            header = re.sub(rb"\n[ \t]+", b" ", item[1].replace(b"\r\n", b"\n"))  # unfold
            found = mid.search(header)
            print(who, found.group(1).decode("ascii", "replace") if found else "-")
    print(f"{who} exists {exists} fetched {got}", file=sys.stderr)
    c.logout()
PY
short=$(awk '$3 != $5' "$work/imap.txt")
[ -z "$short" ] || echo "$BENCH: WARNING: FETCH returned another number of messages than EXISTS: $short"

# ---- comparison ----
sort "$accepted_file" >"$work/accepted.sorted"
sort -u "$accepted_file" >"$work/accepted.distinct"
awk '{ print $2 }' "$work/found.txt" | sort >"$work/found.sorted"
sort -u "$work/found.sorted" >"$work/found.distinct"
uniq -d "$work/found.sorted" >"$work/duplicated.txt"
comm -23 "$work/accepted.distinct" "$work/found.distinct" >"$work/missing.txt"
comm -13 "$work/accepted.distinct" "$work/found.distinct" >"$work/unacknowledged.txt"
comm -12 "$work/accepted.distinct" "$work/duplicated.txt" >"$work/duplicated-acknowledged.txt"
# <PREFIXcKmM.CLIENT.INDEX@...> belongs in u(CLIENT mod M + 1)
awk -v p="<$PREFIX" '
  index($2, p) == 1 {
    split(substr($2, length(p) + 1), f, "[.@]"); m = f[1]; sub(/.*m/, "", m)
    want = sprintf("u%02d@example.net", f[2] % m + 1)
    if ($1 != want) print $1, $2, "expected in", want
  }' "$work/found.txt" >"$work/misfiled.txt"
awk -v p="<$PREFIX" 'index($2, p) != 1' "$work/found.txt" >"$work/foreign.txt"
acknowledged=$(lines "$work/accepted.distinct")
acknowledged_lines=$(lines "$work/accepted.sorted")
found=$(lines "$work/found.sorted")
found_distinct=$(lines "$work/found.distinct")
missing=$(lines "$work/missing.txt")
dups=$(lines "$work/duplicated.txt")
dups_ack=$(lines "$work/duplicated-acknowledged.txt")
misfiled=$(lines "$work/misfiled.txt")
unack=$(lines "$work/unacknowledged.txt")
foreign=$(lines "$work/foreign.txt")

# ---- orphans: blob files against rows ----
rows_now() {
  local cmds=() a o inbox q
  for a in $addresses; do cmds+=("postern:mailbox-list $a"); done
  o=$(client "${cmds[@]}" "postern:queue-list --limit 1" || true)
  inbox=$(awk '$1 == "INBOX" && $2 ~ /^[0-9]+$/ { n += $2 } END { print n + 0 }' <<<"$o")
  q=$(sed -n 's/^\([0-9][0-9]*\) message(s) queued.*/\1/p' <<<"$o" | head -1)
  echo "$inbox ${q:-0}"
}
t=$(now_ms)
while :; do
  read -r rows queued <<<"$(rows_now)"
  files=$(blob_files)
  [ "$files" = $((rows + queued)) ] && break
  [ $(( ($(now_ms) - t) / 1000 )) -lt "$REAP_WAIT" ] || break
  sleep 5
done
waited=$(( ($(now_ms) - t) / 1000 ))
tmp_files=$(find "$blobs/tmp" -type f 2>/dev/null | wc -l)

echo
echo "$BENCH: per cycle (mailboxes, ms of load before the kill, acknowledged, restart s):"
while read -r k m ms acked back; do
  echo "    cycle $k: $m mailbox(es), $ms ms, $acked acknowledged, back after $back s"
done <"$work/cycles.txt"
echo "$BENCH: acknowledged $acknowledged$([ "$acknowledged_lines" = "$acknowledged" ] || echo " ($acknowledged_lines lines: an ID acknowledged twice!)")"
echo "$BENCH: found $found message(s) over IMAP in the 16 INBOXes ($found_distinct distinct Message-IDs$([ "$foreign" = 0 ] || echo "; $foreign not from this run"))"
echo "$BENCH: acknowledged but missing: $missing"
[ "$missing" = 0 ] || head -10 "$work/missing.txt" | sed 's/^/    MISSING /'
echo "$BENCH: found more than once: $dups ($dups_ack of them acknowledged)"
[ "$dups" = 0 ] || { grep -F -f "$work/duplicated.txt" "$work/found.txt" | head -10 | sed 's/^/    DUPLICATE /'; }
echo "$BENCH: found in the wrong mailbox: $misfiled"
[ "$misfiled" = 0 ] || head -10 "$work/misfiled.txt" | sed 's/^/    MISFILED /'
echo "$BENCH: found but not acknowledged (the 250 lost in the kill; allowed): $unack"
echo "$BENCH: blob files $files (postern-data/blobs/??, $tmp_files in tmp), message rows $rows (INBOX counts)" \
  "+ $queued queued, after waiting $waited s; journal now: $(journal_state)"
if [ "$files" -gt $((rows + queued)) ]; then
  echo "$BENCH: ORPHANS: $((files - rows - queued)) blob file(s) no row refers to"
elif [ "$files" -lt $((rows + queued)) ]; then
  echo "$BENCH: MISSING BLOBS: $((rows + queued - files)) row(s) more than blob files"
fi
[ "$rows" = "$found" ] || echo "$BENCH: note: postern:mailbox-list counts $rows, IMAP found $found"
echo "$BENCH: karaf.log: $(cat "$log"* | grep -c ' ERROR ' || true) ERROR, $(cat "$log"* | grep -c ' WARN ' || true) WARN lines (karaf.log*); distinct ones:"
cat "$log"* | grep -E ' (WARN|ERROR) ' | sed -E 's/^[^|]*\| *([A-Z]+) *\|[^|]*\|/\1 |/; s/[0-9a-f]{32}/<id>/g; s/[0-9]+/N/g' \
  | sort | uniq -c | sort -rn | head -20 | cut -c1-300 | sed 's/^/    /' || true
echo "$BENCH: journal recovery in karaf.log: $(cat "$log"* | grep -c 'Postern blob journal: recovered' || true) start(s) replayed" \
  "$(cat "$log"* | sed -n 's/.*Postern blob journal: recovered \([0-9]*\) bodies.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')" \
  "bodies; the reaper unlinked" \
  "$(cat "$log"* | sed -n 's/.*recovered bodies checked, \([0-9]*\) never filed.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')"

if [ "$missing" = 0 ] && [ "$dups" = 0 ] && [ "$misfiled" = 0 ] && [ "$acknowledged_lines" = "$acknowledged" ]; then
  echo "$BENCH: PASS: every acknowledged Message-ID is in its INBOX exactly once after $CYCLES kill -9 cycles"
  status=0
else
  echo "$BENCH: FAIL"
  status=1
fi
stop_karaf
exit "$status"
