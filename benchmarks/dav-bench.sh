#!/usr/bin/env bash
# DAV side by side: Postern and a private Radicale (Debian's radicale, on loopback under the work
# directory, stopped by PID), the same load (dav-load.py) against one calendar in each: PUT of
# EVENTS events, PROPFIND Depth 1, calendar-query with a time range, calendar-multiget of 100,
# sync-collection initial and incremental, GET; CLIENTS clients, SECONDS per operation. Prints
# each server's figures and Postern/Radicale per operation.
#   benchmarks/dav-bench.sh [work-dir]      EVENTS=2000 CLIENTS=4 SECONDS=10
set -euo pipefail
BENCH=dav-bench
source "$(dirname "$0")/lib.sh"
bench_init dist
EVENTS=${EVENTS:-2000}
CLIENTS=${CLIENTS:-4}
SECONDS_PER_OP=${SECONDS:-10}
command -v radicale >/dev/null || die "needs Debian's radicale (apt-get install radicale)"
work=${1:-$(mktemp -d /tmp/dav-bench.XXXXXX)}
mkdir -p "$work"
wait_for_quiet
radicale_pid=""
cleanup() {
  [ -n "$radicale_pid" ] && { kill "$radicale_pid" 2>/dev/null || true; wait "$radicale_pid" 2>/dev/null || true; }
  stop_karaf
}
trap cleanup EXIT

# Postern
unpack_postern "$work/postern"
start_karaf
create_account bench@example.net dav "$work/postern.pw"
pw=$(cat "$work/postern.pw")
base=http://127.0.0.1:$http_port
principal=$(curl -s -u "bench@example.net:$pw" -X PROPFIND -H 'Depth: 0' "$base/dav/" \
  --data '<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>' | sed -n 's|.*/dav/principals/\([0-9a-f]*\)/.*|\1|p')
[ -n "$principal" ] || die "no principal from Postern"
cal=/dav/calendars/$principal/bench/
code=$(curl -s -o /dev/null -w '%{http_code}' -u "bench@example.net:$pw" -X MKCALENDAR "$base$cal")
[ "$code" = 201 ] || die "MKCALENDAR on Postern answered $code"
echo "== Postern ($base$cal), $EVENTS events, $CLIENTS clients, ${SECONDS_PER_OP}s per operation"
printf '%s\n' "$pw" | python3 "$repo/benchmarks/dav-load.py" "$base" "$cal" bench@example.net "$EVENTS" "$CLIENTS" "$SECONDS_PER_OP" \
  | tee "$work/postern.txt"
stop_karaf

# Radicale, private: its own config, htpasswd (plain), storage under the work directory
rport=$(free_port)
mkdir -p "$work/radicale/collections"
(umask 077; printf 'bench:%s\n' "$pw" >"$work/radicale/users")
cat >"$work/radicale/config" <<CFG
[server]
hosts = 127.0.0.1:$rport
[auth]
type = htpasswd
htpasswd_filename = $work/radicale/users
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = $work/radicale/collections
[logging]
level = warning
CFG
radicale --config "$work/radicale/config" >"$work/radicale/log" 2>&1 &
radicale_pid=$!
for i in $(seq 1 100); do port_free "$rport" || break; sleep 0.2; done
rbase=http://127.0.0.1:$rport
code=$(curl -s -o /dev/null -w '%{http_code}' -u "bench:$pw" -X MKCALENDAR "$rbase/bench/bench/")
[ "$code" = 201 ] || die "MKCALENDAR on Radicale answered $code"
echo "== Radicale $(radicale --version 2>/dev/null) ($rbase/bench/bench/)"
printf '%s\n' "$pw" | python3 "$repo/benchmarks/dav-load.py" "$rbase" /bench/bench/ bench "$EVENTS" "$CLIENTS" "$SECONDS_PER_OP" \
  | tee "$work/radicale.txt"

echo "== Postern / Radicale (ops/s)"
paste -d'|' "$work/postern.txt" "$work/radicale.txt" | awk -F'|' '{
  split($1, a, "  +"); split($2, b, "  +");
  n = $1; sub(/ +[0-9.]+ ops\/s.*/, "", n);
  pa = $1; sub(/.* ([0-9.]+) ops\/s.*/, "&", pa); match($1, /[0-9.]+ ops\/s/); x = substr($1, RSTART, RLENGTH) + 0;
  match($2, /[0-9.]+ ops\/s/); y = substr($2, RSTART, RLENGTH) + 0;
  printf "%-22s %8.1f / %8.1f = %6.1fx\n", n, x, y, (y > 0 ? x / y : 0) }'
