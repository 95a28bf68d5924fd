#!/usr/bin/env bash
# Issue 7, item 6: the figures for running Postern on PostgreSQL. Run by hand from the repository
# root (not in CI), under a private PostgreSQL with fsync on:
#
#   scripts/with-postgresql --fsync benchmarks/cluster-bench.sh
#
# It unpacks the distribution (karaf-assembly/target/postern-*.tar.gz) into fresh directories
# under /tmp/postern-bench-XXXX and measures, one Karaf at a time except in (c):
#   (a) SMTP acceptance rate, one node on embedded Derby: SmtpLoad, CLIENTS clients x MESSAGES
#       messages of SIZE bytes to one account, after a short warm-up run;
#   (b) the same, one node on PostgreSQL (a database of its own);
#   (c) two nodes A and B on one PostgreSQL database and one blob directory (B: postern.port.offset
#       = 100, its own SSH port): BlockListPropagation, ROUNDS Block List entries added on A with
#       bin/client (after WARMUP_ROUNDS not counted), the time until A and B refuse the sender.
# blob.fsync stays true (the default) everywhere; Argon2 is at the floor the itests use, as only
# the account set-up hashes. Every Karaf it starts is stopped by PID when it ends, however it ends.
# The directories stay for inspection (console.out, data/log/karaf.log); they hold the test
# cluster's password and the generated console passwords, nothing else secret.
#
# Knobs (environment): CLIENTS=16 MESSAGES=200 SIZE=4096 WARMUP_MESSAGES=20 ROUNDS=20 WARMUP_ROUNDS=2
set -euo pipefail

CLIENTS=${CLIENTS:-16}
MESSAGES=${MESSAGES:-200}
SIZE=${SIZE:-4096}
WARMUP_MESSAGES=${WARMUP_MESSAGES:-20}
ROUNDS=${ROUNDS:-20}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-2}
ACCOUNT=alice@example.net

die() { echo "cluster-bench: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
[ -n "${POSTERN_TEST_PG_URL:-}" ] && [ -n "${POSTERN_TEST_PG_USER:-}" ] && [ -n "${POSTERN_TEST_PG_PASSWORD:-}" ] \
  || die "no POSTERN_TEST_PG_*: run it as  scripts/with-postgresql --fsync $0"
[[ $POSTERN_TEST_PG_URL =~ ^jdbc:postgresql://([^:/]+):([0-9]+)/ ]] || die "unexpected POSTERN_TEST_PG_URL"
pg_host=${BASH_REMATCH[1]}
pg_port=${BASH_REMATCH[2]}
command -v psql >/dev/null || die "psql not found"

dist=$(ls "$repo"/karaf-assembly/target/postern-*.tar.gz 2>/dev/null | head -1)
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

umask 077   # the unpacked nodes hold passwords; and Postern's data-at-rest check wants owner-only
work=$(mktemp -d /tmp/postern-bench-XXXX)
echo "cluster-bench: working in $work"

# ---- helpers ----

psql_do() { # database sql...
  local db=$1; shift
  PGPASSWORD=$POSTERN_TEST_PG_PASSWORD psql -X -q -t -A -h "$pg_host" -p "$pg_port" -U "$POSTERN_TEST_PG_USER" \
    -d "$db" -v ON_ERROR_STOP=1 "$@"
}

databases=()
new_database() { # name -> creates it
  psql_do postgres -c "CREATE DATABASE $1"
  databases+=("$1")
}

launchers=()      # PIDs of the bin/karaf scripts still running
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
stop_karaf() { # launcher PID: SIGTERM to its JVM (as a service manager would), wait, then -9
  local pid=$1 procs jvms="" k i alive
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
    echo "cluster-bench: Karaf $pid did not stop in 60 s; kill -9" >&2
    for k in $pid $procs; do kill -KILL "$k" 2>/dev/null || true; done
  fi
  wait "$pid" 2>/dev/null || true
  local rest=()
  for k in "${launchers[@]}"; do [ "$k" = "$pid" ] || rest+=("$k"); done
  launchers=("${rest[@]+"${rest[@]}"}")
}

cleanup() {
  local pid db
  for pid in "${launchers[@]+"${launchers[@]}"}"; do stop_karaf "$pid"; done
  for db in "${databases[@]+"${databases[@]}"}"; do psql_do postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # a free port p (and p+100 free too: node B's SMTP port)
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if port_free "$p" && port_free $((p + 100)); then echo "$p"; return; fi
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

getcfg() { # file key
  sed -n "s/^[[:space:]]*$2[[:space:]]*[=:][[:space:]]*//p" "$1" | tail -1
}

unpack() { # name -> prints the node's home
  local dir=$work/$1
  mkdir -p "$dir"
  tar xzf "$dist" -C "$dir" --no-same-permissions   # the umask applies: owner-only
  local home
  home=$(ls -d "$dir"/*/ | head -1)
  home=${home%/}
  local etc=$home/etc
  setcfg "$etc/org.apache.karaf.shell.cfg" sshPort "$(free_port)"
  setcfg "$etc/org.ops4j.pax.web.cfg" org.osgi.service.http.port "$(free_port)"
  setcfg "$etc/org.postern.smtp.cfg" port "$(free_port)"
  setcfg "$etc/org.postern.smtp.cfg" hostname mx.postern.test
  setcfg "$etc/org.postern.tls.cfg" hostname mx.postern.test
  # the cheapest hashes the floor allows, as in the itests: only the set-up hashes
  setcfg "$etc/org.postern.accounts.cfg" argon2.memory.kib 19456
  setcfg "$etc/org.postern.accounts.cfg" argon2.iterations 2
  echo "$home"
}

use_postgresql() { # home database blobdir
  local home=$1 db=$2 blobs=$3 cfg=$1/etc/org.postern.store.cfg
  setcfg "$cfg" jdbc.url "jdbc:postgresql://$pg_host:$pg_port/$db"
  setcfg "$cfg" jdbc.user "$POSTERN_TEST_PG_USER"
  setcfg "$cfg" jdbc.password "$POSTERN_TEST_PG_PASSWORD"
  setcfg "$cfg" dataSourceFactory.target "(osgi.jdbc.driver.class=org.postgresql.Driver)"
  setcfg "$cfg" blob.dir "$blobs"
  chmod 600 "$cfg"
  local features=$home/etc/org.apache.karaf.features.cfg
  grep -q '^featuresBoot = \\$' "$features" || die "no featuresBoot list in $features"
  sed -i 's/^featuresBoot = \\$/&\n    postern-store-postgresql, \\/' "$features"
}

smtp_port() { # home: the configured port plus the offset
  local p o
  p=$(getcfg "$1/etc/org.postern.smtp.cfg" port)
  o=$(getcfg "$1/etc/system.properties" postern.port.offset)
  echo $((p + ${o:-0}))
}

start_karaf() { # home -> sets LAUNCHER
  local home=$1
  (cd "$home" && JAVA_MAX_MEM=512M exec bin/karaf server >"$home/console.out" 2>&1) &
  LAUNCHER=$!
  launchers+=("$LAUNCHER")
}

client() { # home command... : runs the commands through bin/client as the console admin
  local home=$1; shift
  local ssh
  ssh=$(getcfg "$home/etc/org.apache.karaf.shell.cfg" sshPort)
  printf '%s\n' "$@" | "$home/bin/client" -a "$ssh" -h 127.0.0.1 -u admin \
    -p "$(cat "$home/postern-data/admin.password")" -r 1 -b 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}

smtp_rcpt() { # port from to: prints the reply to RCPT TO (or nothing when SMTP is not up)
  local line=""
  {
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 0
    read -r -t 10 line <&3 && [[ $line == 220* ]] || { exec 3>&-; return 0; }
    printf 'EHLO bench.example\r\n' >&3
    while read -r -t 10 line <&3; do [[ $line == 250\ * ]] && break; done
    printf 'MAIL FROM:<%s>\r\n' "$2" >&3
    read -r -t 10 line <&3 || true
    printf 'RCPT TO:<%s>\r\n' "$3" >&3
    read -r -t 10 line <&3 || true
    printf 'QUIT\r\n' >&3
    exec 3>&-
  } 2>/dev/null
  printf '%s\n' "${line%$'\r'}"
}

await_node() { # home launcher: up when postern:status shows the schema and SMTP greets
  local home=$1 pid=$2 i out
  for i in $(seq 1 240); do
    kill -0 "$pid" 2>/dev/null || die "Karaf in $home exited; see $home/console.out and $home/data/log/karaf.log"
    [ -s "$home/postern-data/admin.password" ] && break
    sleep 0.5
  done
  [ -s "$home/postern-data/admin.password" ] || die "no admin password in $home after 120 s"
  for i in $(seq 1 240); do
    out=$(client "$home" postern:status || true)
    if grep -q "schema version" <<<"$out"; then break; fi
    kill -0 "$pid" 2>/dev/null || die "Karaf in $home exited"
    sleep 0.5
  done
  grep -q "schema version" <<<"$out" || die "postern:status in $home never came up: $out"
  for i in $(seq 1 120); do
    [ -n "$(smtp_rcpt "$(smtp_port "$home")" probe@bench.example postmaster@example.net)" ] && break
    sleep 0.5
  done
  grep -E "version|database" <<<"$out" | sed 's/^/    /'
}

make_account() { # home
  local home=$1 pwfile out
  pwfile=$(umask 077; mktemp "$home/alice-password.XXXX")
  printf '%s\n' "alice bench password 1" >"$pwfile"
  out=$(client "$home" "postern:domain-add example.net" \
    "postern:account-add $ACCOUNT --password-file $pwfile") || die "account set-up failed: $out"
  rm -f "$pwfile"
}

load() { # home label: a warm-up run, then the measured one; prints the latter
  local home=$1 label=$2 port
  port=$(smtp_port "$home")
  "$java" -cp "$jar" org.postern.bench.SmtpLoad --port "$port" --clients "$CLIENTS" \
    --messages "$WARMUP_MESSAGES" --size "$SIZE" --to "$ACCOUNT" >"$work/$label-warmup.txt"
  "$java" -cp "$jar" org.postern.bench.SmtpLoad --port "$port" --clients "$CLIENTS" \
    --messages "$MESSAGES" --size "$SIZE" --to "$ACCOUNT" | tee "$work/$label.txt"
}

loadavg() { # and a warning when JVMs that are not ours run beside the benchmark (a build, tests)
  local ours others="" k
  ours=" $(descendants $$ | tr '\n' ' ') "
  for k in $(pgrep -x java || true); do [[ $ours == *" $k "* ]] || others+=" $k"; done
  echo "    load average: $(cut -d' ' -f1-3 /proc/loadavg)${others:+; warning: other JVMs running (PIDs$others), the figures are not clean}"
  [ -z "$others" ] || dirty=1
}
dirty=""

log_check() { # home label: counts of ERROR and WARN lines in the node's log
  local log=$1/data/log/karaf.log e w
  e=$(grep -c "| ERROR |" "$log" 2>/dev/null || true)
  w=$(grep -c "| WARN  |" "$log" 2>/dev/null || true)
  echo "    $2: karaf.log has ${e:-0} ERROR and ${w:-0} WARN lines ($log)"
}

pg_settings=$(psql_do postgres -c "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'server_version')")
echo "cluster-bench: PostgreSQL $pg_settings"
echo "cluster-bench: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
  "$CLIENTS clients x $MESSAGES messages of $SIZE bytes (after $WARMUP_MESSAGES each to warm up), $ROUNDS rounds"

cpu_busy() { # percent of CPU time not idle over the next 2 s, on the whole machine
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 2
  read -r -a b < <(head -1 /proc/stat)
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  local idle=$(( (b[4] - a[4]) + (b[5] - a[5]) ))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
busy=$(cpu_busy)
echo "cluster-bench: CPU busy before the start: $busy %"
[ "$busy" -le 20 ] || { echo "cluster-bench: warning: something else is using the CPU: the figures will be low"; dirty=1; }

# ---- (a) one node on embedded Derby ----
echo
echo "== (a) one node, embedded Derby"
derby=$(unpack derby)
start_karaf "$derby"
await_node "$derby" "$LAUNCHER"
make_account "$derby"
loadavg
load "$derby" derby
loadavg
stop_karaf "$LAUNCHER"
log_check "$derby" derby

# ---- (b) one node on PostgreSQL ----
echo
echo "== (b) one node, PostgreSQL"
new_database postern_bench_single
pg=$(unpack pg)
use_postgresql "$pg" postern_bench_single "$work/pg-blobs"
start_karaf "$pg"
await_node "$pg" "$LAUNCHER"
make_account "$pg"
loadavg
load "$pg" pg
loadavg
stop_karaf "$LAUNCHER"
log_check "$pg" postgresql

# ---- (c) two nodes on one database and one blob directory ----
echo
echo "== (c) two nodes, one PostgreSQL database, one blob directory"
new_database postern_bench_cluster
a=$(unpack node-a)
b=$(unpack node-b)
use_postgresql "$a" postern_bench_cluster "$work/cluster-blobs"
use_postgresql "$b" postern_bench_cluster "$work/cluster-blobs"
# B is A's configuration moved by the port offset, with an SSH port of its own
setcfg "$b/etc/org.postern.smtp.cfg" port "$(getcfg "$a/etc/org.postern.smtp.cfg" port)"
setcfg "$b/etc/system.properties" postern.port.offset 100
port_a=$(smtp_port "$a")
port_b=$(smtp_port "$b")
port_free "$port_b" || die "port $port_b (B's SMTP) is taken"
start_karaf "$a"
launcher_a=$LAUNCHER
await_node "$a" "$launcher_a"
start_karaf "$b"
launcher_b=$LAUNCHER
await_node "$b" "$launcher_b"
make_account "$b"   # the account is made on B, the Block List entries on A
reply=$(smtp_rcpt "$port_b" friend@origin.example "$ACCOUNT")
[[ $reply == 250* ]] || die "B does not accept mail for $ACCOUNT: $reply"
echo "    account made on B; B accepts RCPT TO:<$ACCOUNT> ($reply)"
loadavg
"$java" -cp "$jar" org.postern.bench.BlockListPropagation --port-a "$port_a" --port-b "$port_b" \
  --account "$ACCOUNT" --rounds "$ROUNDS" --warmup-rounds "$WARMUP_ROUNDS" --karaf-home "$a" | tee "$work/propagation.txt"
loadavg
grep -q "Postern change feed: listening" "$b/data/log/karaf.log" || echo "    note: no 'change feed: listening' in B's log"
stop_karaf "$launcher_b"
stop_karaf "$launcher_a"
log_check "$a" node-a
log_check "$b" node-b

# ---- results ----
echo
echo "== results ($(date -u +%Y-%m-%d), $(nproc) CPUs; PostgreSQL $pg_settings; blob.fsync = true)"
for label in derby pg; do
  printf '  %-11s %s\n' "$([ $label = derby ] && echo Derby: || echo PostgreSQL:)" \
    "$(grep '^accepted:' "$work/$label.txt")"
  printf '  %-11s %s\n' "" "$(grep '^latency' "$work/$label.txt")"
done
echo "  Block List change on A, enforced on B:"
grep -E '^(rounds|propagation|change command|probe)' "$work/propagation.txt" | sed 's/^/    /'
[ -z "$dirty" ] || echo "  WARNING: other JVMs ran beside the benchmark (see 'load average' above): run it again on a quiet machine"
echo "  (details and logs: $work)"
