#!/usr/bin/env bash
# Issue 8, item 9: Postern's IMAP against Debian's Dovecot, in one run on one machine. Run by hand
# from the repository root (never in CI):
#
#   benchmarks/imap-bench.sh
#
# Both servers get the same mailbox: MESSAGES messages of SIZE octets with realistic headers
# (ImapLoad --append: the same bytes for both, by IMAP APPEND, nine in ten \Seen), one user, INBOX.
# Then ImapLoad runs against each in turn with the same knobs: CLIENTS clients repeating a session
# (LOGIN, SELECT INBOX, UID FETCH 1:* (UID FLAGS RFC822.SIZE), three BODY.PEEK[] of random
# messages, STORE +FLAGS / -FLAGS \Flagged, LOGOUT) for DURATION seconds after WARMUP seconds; and
# IDLE connections, each LOGIN, SELECT INBOX, IDLE, held HOLD seconds while the server's size is
# measured (Postern: heap after a full GC and Java threads through jcmd; both: processes, OS
# threads and PSS of the process tree). Prints the ratios Postern / Dovecot at the end.
#
# Fairness: plain IMAP on both (no TLS; Postern allows LOGIN on loopback without it, Dovecot is
# told disable_plaintext_auth = no), LOGIN with the same kind of secret check (Postern: an app
# password, an HMAC; Dovecot: a {PLAIN} passwd-file entry). Postern runs as the distribution is
# shipped (blob.fsync and Derby's durable commits on; the unix bin/karaf ignores JAVA_MAX_MEM, so
# the heap limit is the JVM's default, a quarter of the RAM);
# Dovecot with its defaults (maildir, mail_fsync = optimized). Everything shares the machine's
# cores with the load tool, one server measured at a time while the other sits idle.
#
# Dovecot: a private instance under the work directory (its own base_dir, config, passwd-file,
# maildir, a free port on 127.0.0.1), started with dovecot -F -c and stopped by its PID; a system
# Dovecot is never touched. Postern: the distribution unpacked under /tmp/postern-imap-bench-XXXX,
# free ports, started with bin/karaf server, stopped by PID. The work directory stays for
# inspection (logs, the figures); it holds the bench user's passwords, nothing else secret.
#
# Knobs (environment): CLIENTS=16 DURATION=20 (seconds measured) WARMUP=5 MESSAGES=10000 SIZE=4096 FILL_CLIENTS=8
#   IDLE=1000 HOLD=30 SKIP_IDLE= JFR= (JFR=1: a Java Flight Recording of Postern's load phase,
#   written to the work directory as postern-load.jfr; read it with `jfr print --events
#   jdk.ExecutionSample` or JDK Mission Control)
set -euo pipefail

CLIENTS=${CLIENTS:-16}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
MESSAGES=${MESSAGES:-10000}
SIZE=${SIZE:-4096}
FILL_CLIENTS=${FILL_CLIENTS:-8}
IDLE=${IDLE:-1000}
HOLD=${HOLD:-30}
SKIP_IDLE=${SKIP_IDLE:-}
JFR=${JFR:-}
ACCOUNT=alice@example.net

die() { echo "imap-bench: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
dist=$(ls "$repo"/karaf-assembly/target/postern-karaf-assembly-*.tar.gz 2>/dev/null | head -1)
[ -n "$dist" ] || die "no distribution: mvn -B -q install -DskipTests first"
jar=$repo/benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ] || [ -n "$(find "$repo/benchmarks/src" -newer "$jar" -type f | head -1)" ]; then
  (cd "$repo" && mvn -B -q -o package -DskipTests -pl benchmarks)
fi
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
export JAVA_HOME
java=$JAVA_HOME/bin/java
command -v jcmd >/dev/null || die "jcmd not found (a JDK is needed for the idle figures)"
if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/dovecot/imap ]; then
  echo "imap-bench: installing dovecot-imapd"
  apt-get install -y dovecot-imapd >/dev/null || { apt-get update >/dev/null && apt-get install -y dovecot-imapd >/dev/null; } \
    || die "cannot install dovecot-imapd"
fi
[ "$(ulimit -n)" -ge $((IDLE * 2 + 200)) ] || ulimit -n $((IDLE * 2 + 200)) 2>/dev/null \
  || die "ulimit -n $(ulimit -n) is too low for $IDLE idle connections"

# Other Karafs (itests, CI) on the machine would make the figures meaningless: wait until none
# has run for 30 s (an itest run starts a new Karaf per test class), 15 minutes at most.
others() { pgrep -af 'karaf|surefire' 2>/dev/null | grep -E '/work/main/itests|/tmp/ci' || true; }
quiet=0
for i in $(seq 1 90); do
  if [ -z "$(others)" ]; then quiet=$((quiet + 1)); [ "$quiet" -ge 3 ] && break; else quiet=0; fi
  [ "$i" = 1 ] && [ -n "$(others)" ] && echo "imap-bench: another Karaf or itest run is running; waiting up to 15 min" \
    && others | cut -c1-160
  sleep 10
done
[ -z "$(others)" ] || echo "imap-bench: warning: another Karaf still runs; the figures are not clean"

umask 077   # the unpacked Postern holds passwords; its data-at-rest check wants owner-only
work=$(mktemp -d /tmp/postern-imap-bench-XXXX)
chmod 711 "$work"   # Dovecot's auth process (user dovecot) reads its passwd-file below
echo "imap-bench: working in $work"

# ---- helpers ----

launcher=""       # bin/karaf's PID
dovecot_pid=""
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
karaf_jvm() { # launcher PID -> the Karaf JVM's PID
  local k
  for k in $(descendants "$1"); do [ "$(cat "/proc/$k/comm" 2>/dev/null)" = java ] && { echo "$k"; return; }; done
  echo "$1"
}
stop_karaf() {
  [ -n "$launcher" ] || return 0
  local pid=$launcher procs jvms="" k i alive
  procs=$(descendants "$pid")
  for k in $procs; do [ "$(cat "/proc/$k/comm" 2>/dev/null)" = java ] && jvms+=" $k"; done
  for k in ${jvms:-$pid}; do kill -TERM "$k" 2>/dev/null || true; done
  for i in $(seq 1 600); do
    alive=""
    for k in $pid $jvms; do kill -0 "$k" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || break
    sleep 0.1
  done
  if [ -n "$alive" ]; then
    echo "imap-bench: Karaf $pid did not stop in 60 s; kill -9" >&2
    for k in $pid $procs; do kill -KILL "$k" 2>/dev/null || true; done
  fi
  wait "$pid" 2>/dev/null || true
  launcher=""
}
stop_dovecot() {
  [ -n "$dovecot_pid" ] || return 0
  local i
  kill -TERM "$dovecot_pid" 2>/dev/null || true
  for i in $(seq 1 300); do kill -0 "$dovecot_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$dovecot_pid" 2>/dev/null; then
    echo "imap-bench: Dovecot $dovecot_pid did not stop in 30 s; kill -9" >&2
    for i in $(descendants "$dovecot_pid") "$dovecot_pid"; do kill -KILL "$i" 2>/dev/null || true; done
  fi
  wait "$dovecot_pid" 2>/dev/null || true
  dovecot_pid=""
}
cleanup() { stop_karaf; stop_dovecot; }
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if port_free "$p"; then echo "$p"; return; fi
  done
  die "no free port"
}

setcfg() { # file key value: replaces the key's line, or appends it
  local f=$1
  KEY=$2 VAL=$3 awk '
    BEGIN { k = ENVIRON["KEY"]; v = ENVIRON["VAL"]; done = 0 }
    {
      s = $0; sub(/^[ \t]+/, "", s)
      if (index(s, k) == 1) {
        rest = substr(s, length(k) + 1); sub(/^[ \t]+/, "", rest)
        if (rest ~ /^[=:]/) { print k " = " v; done = 1; next }
      }
      print
    }
    END { if (!done) print k " = " v }' "$f" >"$f.tmp"
  mv "$f.tmp" "$f"
}
getcfg() { sed -n "s/^[[:space:]]*$2[[:space:]]*[=:][[:space:]]*//p" "$1" | tail -1; }

imap_greets() { # port: true when an IMAP greeting comes
  local line=""
  {
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    read -r -t 10 line <&3 || true
    exec 3>&-
  } 2>/dev/null
  [[ $line == "* OK"* ]]
}

client() { # commands... : through bin/client as the console admin
  local ssh
  ssh=$(getcfg "$home/etc/org.apache.karaf.shell.cfg" sshPort)
  printf '%s\n' "$@" | "$home/bin/client" -a "$ssh" -h 127.0.0.1 -u admin \
    -p "$(cat "$home/postern-data/admin.password")" -r 1 -b 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}

imapload() { # port password-file args...
  local p=$1 pw=$2; shift 2
  "$java" -Xmx1g -cp "$jar" org.postern.bench.ImapLoad --port "$p" --user "$ACCOUNT" --password-file "$pw" "$@"
}

dirty=""
other_jvms() { # warns when JVMs that are not ours run beside the benchmark (a build, tests)
  local ours others="" k
  ours=" $(descendants $$ | tr '\n' ' ') "
  for k in $(pgrep -x java || true); do [[ $ours == *" $k "* ]] || others+=" $k"; done
  [ -z "$others" ] || { echo "    warning: other JVMs running (PIDs$others): the figures are not clean"; dirty=1; }
}

cpu_busy() { # percent of CPU time not idle over the next 2 s, on the whole machine
  local a b total=0 i idle
  read -r -a a < <(head -1 /proc/stat)
  sleep 2
  read -r -a b < <(head -1 /proc/stat)
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$(( (b[4] - a[4]) + (b[5] - a[5]) ))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

echo "imap-bench: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM;" \
  "$MESSAGES messages of $SIZE octets; $CLIENTS clients, $WARMUP s warm-up + $DURATION s each; $IDLE IDLE connections held $HOLD s"
echo "imap-bench: $(dovecot --version | head -1 | sed 's/^/Dovecot /'); $("$java" -version 2>&1 | head -1)"

# ---- Dovecot: a private instance ----
dv=$work/dovecot
mkdir -p "$dv/run" "$dv/state" "$dv/home"
chmod 755 "$dv" "$dv/run" "$dv/state"
chown nobody:"$(id -gn nobody)" "$dv/home"   # the mail processes run as nobody (Dovecot refuses uid 0)
dv_port=$(free_port)
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$work/dovecot.password"
printf '%s:{PLAIN}%s::::::\n' "$ACCOUNT" "$(cat "$work/dovecot.password")" >"$dv/users"
chmod 644 "$dv/users"
cat >"$dv/dovecot.conf" <<EOF
# imap-bench's private Dovecot: nothing here touches a system instance.
instance_name = imap-bench-$(basename "$work")
base_dir = $dv/run
state_dir = $dv/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $dv/dovecot.log
info_log_path = $dv/dovecot.log
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dv/users
}
userdb {
  driver = static
  args = uid=$(id -u nobody) gid=$(id -g nobody) home=$dv/home/%u
}
default_process_limit = $((IDLE + 200))
default_client_limit = $((IDLE * 2 + 200))
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $dv_port
  }
  inet_listener imaps {
    port = 0
  }
}
service imap {
  process_limit = $((IDLE + 200))
}
protocol imap {
  mail_max_userip_connections = $((IDLE + 200))
}
EOF
dovecot -F -c "$dv/dovecot.conf" >"$dv/console.out" 2>&1 &
dovecot_pid=$!
for i in $(seq 1 100); do imap_greets "$dv_port" && break; kill -0 "$dovecot_pid" 2>/dev/null || break; sleep 0.1; done
imap_greets "$dv_port" || die "Dovecot did not start: $(cat "$dv/console.out" "$dv/dovecot.log" 2>/dev/null | tail -20)"
echo "imap-bench: Dovecot (PID $dovecot_pid) on 127.0.0.1:$dv_port, maildir under $dv/home"

# ---- Postern: the distribution ----
pdir=$work/postern
mkdir -p "$pdir"
tar xzf "$dist" -C "$pdir" --no-same-permissions
home=$(ls -d "$pdir"/*/ | head -1)
home=${home%/}
etc=$home/etc
setcfg "$etc/org.apache.karaf.shell.cfg" sshPort "$(free_port)"
setcfg "$etc/org.ops4j.pax.web.cfg" org.osgi.service.http.port "$(free_port)"
setcfg "$etc/org.postern.smtp.cfg" port "$(free_port)"
setcfg "$etc/org.postern.smtp.cfg" hostname mx.postern.test
setcfg "$etc/org.postern.tls.cfg" hostname mx.postern.test
setcfg "$etc/org.postern.pop3.cfg" port "$(free_port)"
setcfg "$etc/org.postern.pop3.cfg" tls.port "$(free_port)"
pt_port=$(free_port)
setcfg "$etc/org.postern.imap.cfg" port "$pt_port"
setcfg "$etc/org.postern.imap.cfg" tls.port "$(free_port)"
setcfg "$etc/org.postern.imap.cfg" max.connections.per.ip $((IDLE + 200))
setcfg "$etc/org.postern.accounts.cfg" argon2.memory.kib 19456   # only the set-up hashes
setcfg "$etc/org.postern.accounts.cfg" argon2.iterations 2
(cd "$home" && JAVA_MAX_MEM=512M exec bin/karaf server >"$home/console.out" 2>&1) &
launcher=$!
for i in $(seq 1 240); do
  [ -s "$home/postern-data/admin.password" ] && break
  kill -0 "$launcher" 2>/dev/null || die "Karaf exited; see $home/console.out"
  sleep 0.5
done
[ -s "$home/postern-data/admin.password" ] || die "no admin password after 120 s"
for i in $(seq 1 240); do
  out=$(client postern:status || true)
  grep -q "schema version" <<<"$out" && break
  kill -0 "$launcher" 2>/dev/null || die "Karaf exited; see $home/console.out"
  sleep 0.5
done
grep -q "schema version" <<<"$out" || die "postern:status never came up: $out"
for i in $(seq 1 240); do imap_greets "$pt_port" && break; sleep 0.5; done
imap_greets "$pt_port" || die "Postern IMAP not listening on $pt_port; see $home/data/log/karaf.log"
(umask 077; printf '%s\n' "alice bench password 1" >"$home/alice.pw")
out=$(client "postern:domain-add example.net" "postern:account-add $ACCOUNT --password-file $home/alice.pw") \
  || die "account set-up failed: $out"
rm -f "$home/alice.pw"
out=$(client "postern:app-password-create $ACCOUNT --name bench --protocols imap") || die "app-password-create: $out"
(umask 077; printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -1 | tr -d '[:space:]' >"$work/postern.password"; echo >>"$work/postern.password")
[ -s "$work/postern.password" ] || die "no app password in: $out"
jvm=$(karaf_jvm "$launcher")
echo "imap-bench: Postern (JVM PID $jvm) IMAP on 127.0.0.1:$pt_port; $(grep -E 'version' <<<"$(client postern:status)" | head -2 | tr -s ' ' | tr '\n' ';')"

# ---- the mailboxes ----
for s in postern dovecot; do
  p=$([ $s = postern ] && echo "$pt_port" || echo "$dv_port")
  echo
  echo "== filling $s: $MESSAGES messages by APPEND over $FILL_CLIENTS connections"
  imapload "$p" "$work/$s.password" --append "$MESSAGES" --size "$SIZE" --clients "$FILL_CLIENTS" | tee "$work/$s-fill.txt"
done

# ---- load ----
status=0
for s in postern dovecot; do
  p=$([ $s = postern ] && echo "$pt_port" || echo "$dv_port")
  echo
  echo "== load: $s ($CLIENTS clients, $WARMUP s warm-up, $DURATION s measured; CPU busy before: $(cpu_busy) %)"
  if [ -n "$JFR" ] && [ $s = postern ]; then
    jcmd "$jvm" JFR.start name=load settings=profile filename="$work/postern-load.jfr" >/dev/null
    # and the threads 15 s after the load, when a request still unanswered would be a hang
    (sleep $((WARMUP + DURATION + 15)); jcmd "$jvm" Thread.print >"$work/postern-threads-after-load.txt" 2>&1) &
  fi
  imapload "$p" "$work/$s.password" --clients "$CLIENTS" --seconds "$DURATION" --warmup "$WARMUP" \
    | tee "$work/$s-load.txt" || status=1
  if [ -n "$JFR" ] && [ $s = postern ]; then
    jcmd "$jvm" JFR.stop name=load >/dev/null && echo "    flight recording: $work/postern-load.jfr"
  fi
  echo "    load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  other_jvms
done

# ---- idle ----
if [ -z "$SKIP_IDLE" ]; then
  for s in postern dovecot; do
    p=$([ $s = postern ] && echo "$pt_port" || echo "$dv_port")
    pid=$([ $s = postern ] && echo "$jvm" || echo "$dovecot_pid")
    echo
    echo "== idle: $s, $IDLE connections in IDLE for $HOLD s (server PID $pid)"
    imapload "$p" "$work/$s.password" --idle-connections "$IDLE" --hold "$HOLD" --server-pid "$pid" \
      | tee "$work/$s-idle.txt" || status=1
  done
fi

stop_karaf
stop_dovecot
e=$(grep -c "| ERROR |" "$home/data/log/karaf.log" 2>/dev/null || true)
w=$(grep -c "| WARN  |" "$home/data/log/karaf.log" 2>/dev/null || true)
echo
echo "Postern's karaf.log: ${e:-0} ERROR and ${w:-0} WARN lines ($home/data/log/karaf.log)"
echo "Dovecot's log: $(grep -ciE 'error|panic|fatal' "$dv/dovecot.log" 2>/dev/null || true) error lines ($dv/dovecot.log)"

# ---- results ----
lat() { # file label-prefix -> "p50 p99" from the latency table (the line starting with the label)
  LABEL=$2 awk 'index($0, ENVIRON["LABEL"]) == 1 { print $(NF-3), $(NF-1); exit }' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "== results ($(date -u +%Y-%m-%d), $(nproc) CPUs, plain IMAP on loopback, $MESSAGES x $SIZE-octet messages," \
  "$CLIENTS clients, $DURATION s after $WARMUP s warm-up)"
printf '  %-34s %14s %14s %10s\n' "" Postern Dovecot "P / D"
ps=$(grep '^sessions:' "$work/postern-load.txt" | sed 's/.*= \([0-9.]*\) sessions.*/\1/')
ds=$(grep '^sessions:' "$work/dovecot-load.txt" | sed 's/.*= \([0-9.]*\) sessions.*/\1/')
printf '  %-34s %14s %14s %10s\n' "sessions/s" "$ps" "$ds" "$(ratio "$ps" "$ds")"
pc=$(grep '^commands:' "$work/postern-load.txt" | sed 's/.*= \([0-9.]*\) commands.*/\1/')
dc=$(grep '^commands:' "$work/dovecot-load.txt" | sed 's/.*= \([0-9.]*\) commands.*/\1/')
printf '  %-34s %14s %14s %10s\n' "commands/s" "$pc" "$dc" "$(ratio "$pc" "$dc")"
pf=$(grep '^commands:' "$work/postern-load.txt" | sed 's/.*FETCH BODY \([0-9.]*\).*/\1/')
df=$(grep '^commands:' "$work/dovecot-load.txt" | sed 's/.*FETCH BODY \([0-9.]*\).*/\1/')
printf '  %-34s %14s %14s %10s\n' "BODY.PEEK[] fetches/s" "$pf" "$df" "$(ratio "$pf" "$df")"
for label in "connect+greeting" "LOGIN" "SELECT INBOX" "UID FETCH 1:*" "UID FETCH n (BODY.PEEK[])" "UID STORE" "LOGOUT" "session (connect"; do
  read -r p50 p99 <<<"$(lat "$work/postern-load.txt" "$label")"
  read -r d50 d99 <<<"$(lat "$work/dovecot-load.txt" "$label")"
  printf '  %-34s %14s %14s %10s\n' "${label%% (connect} p50 / p99 ms" "$p50 / $p99" "$d50 / $d99" \
    "$(ratio "$p50" "$d50") / $(ratio "$p99" "$d99")"
done
printf '  %-34s %14s %14s\n' "failures" "$(grep '^failures:' "$work/postern-load.txt" | awk '{print $2}')" \
  "$(grep '^failures:' "$work/dovecot-load.txt" | awk '{print $2}')"
if [ -z "$SKIP_IDLE" ]; then
  echo "  $IDLE IDLE connections, server growth (idling minus before):"
  echo "    Postern: $(grep '^delta:' "$work/postern-idle.txt" | sed 's/^delta: *//')"
  echo "    Dovecot: $(grep '^delta:' "$work/dovecot-idle.txt" | sed 's/^delta: *//')"
  grep -h '^after' "$work/postern-idle.txt" | sed 's/^/    Postern: /'
  grep -h '^after' "$work/dovecot-idle.txt" | sed 's/^/    Dovecot: /'
fi
[ -z "$dirty" ] || echo "  WARNING: other JVMs ran beside the benchmark (see above): run it again on a quiet machine"
echo "  (details and logs: $work)"
exit $status
