#!/usr/bin/env bash
# DAV side by side: Postern and a private Radicale (Debian's radicale, on loopback under the work
# directory, stopped by PID), the same load (dav-load.py) against one calendar in each: PUT of
# EVENTS events, PROPFIND Depth 1, calendar-query with a time range, calendar-multiget of 100,
# sync-collection initial and incremental, GET; CLIENTS clients, OP_SECONDS per operation. Prints
# each server's figures and Postern/Radicale per operation. Then GET once more with ApacheBench
# (a C client: the Python one caps GET before the servers do) against Postern, Radicale and a
# private Apache with mod_dav serving the same event file, Basic auth on all three.
#   benchmarks/dav-bench.sh [work-dir]      EVENTS=2000 CLIENTS=4 OP_SECONDS=10
set -euo pipefail
BENCH=dav-bench
source "$(dirname "$0")/lib.sh"
bench_init dist
EVENTS=${EVENTS:-2000}
CLIENTS=${CLIENTS:-4}
# not SECONDS: bash counts its own run time in that variable
SECONDS_PER_OP=${OP_SECONDS:-10}
command -v radicale >/dev/null || die "needs Debian's radicale (apt-get install radicale)"
command -v apache2 >/dev/null && command -v ab >/dev/null || die "needs Debian's apache2 and apache2-utils"
work=${1:-$(mktemp -d /tmp/dav-bench.XXXXXX)}
mkdir -p "$work"
wait_for_quiet
radicale_pid=""
apache_pid=""
cleanup() {
  [ -n "$radicale_pid" ] && { kill "$radicale_pid" 2>/dev/null || true; wait "$radicale_pid" 2>/dev/null || true; }
  [ -n "$apache_pid" ] && { kill "$apache_pid" 2>/dev/null || true; wait "$apache_pid" 2>/dev/null || true; }
  stop_karaf
}
trap cleanup EXIT

# Postern
start_postern_dav "$work"
cal=/dav/calendars/$principal/bench/
dav_mkcalendar bench@example.net "$pw" "$base$cal"
echo "== Postern ($base$cal), $EVENTS events, $CLIENTS clients, ${SECONDS_PER_OP}s per operation"
printf '%s\n' "$pw" | python3 "$repo/benchmarks/dav-load.py" "$base" "$cal" bench@example.net "$EVENTS" "$CLIENTS" "$SECONDS_PER_OP" \
  | tee "$work/postern.txt"
# the file every server serves to ab: one event as Postern stores it (byte for byte as PUT)
sample=load-7.ics
curl -sf -u "bench@example.net:$pw" -o "$work/$sample" "$base$cal$sample" || die "no $sample from Postern"
ab_get "Postern" "$base$cal$sample" bench@example.net "$pw" | tee "$work/ab.txt"
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
ab_get "Radicale" "$rbase/bench/bench/$sample" bench "$pw" | tee -a "$work/ab.txt"
kill "$radicale_pid"; wait "$radicale_pid" 2>/dev/null || true; radicale_pid=""

# Apache mod_dav, private: keep-alive, the event file under a DAV directory, Basic auth against a
# {SHA} htpasswd entry: one SHA-1 per request, the cheapest check Apache has (mod_authn_socache
# caches the stored hash, not a verified password: with bcrypt every GET pays a bcrypt, which
# would measure the hash, not the serving). Postern reuses a verified credential for 60 s.
aport=$(free_port)
ad=$work/apache
mkdir -p "$ad/htdocs/bench" "$ad/run"
cp "$work/$sample" "$ad/htdocs/bench/$sample"
htpasswd -cbs "$ad/users" bench "$pw" 2>/dev/null
chmod -R a+rX "$work"; chown -R www-data "$ad/run"
mods=/usr/lib/apache2/modules
cat >"$ad/httpd.conf" <<CFG
ServerName 127.0.0.1
Listen 127.0.0.1:$aport
PidFile $ad/run/httpd.pid
ErrorLog $ad/error.log
DefaultRuntimeDir $ad/run
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_file_module $mods/mod_authn_file.so
LoadModule auth_basic_module $mods/mod_auth_basic.so
LoadModule dav_module $mods/mod_dav.so
LoadModule dav_fs_module $mods/mod_dav_fs.so
User www-data
Group www-data
KeepAlive On
MaxKeepAliveRequests 0
DocumentRoot $ad/htdocs
DavLockDB $ad/run/davlock
<Directory $ad/htdocs>
  Dav On
  AuthType Basic
  AuthName bench
  AuthBasicProvider file
  AuthUserFile $ad/users
  Require valid-user
</Directory>
CFG
apache2 -f "$ad/httpd.conf" -DFOREGROUND >"$ad/stdout" 2>&1 &
apache_pid=$!
for i in $(seq 1 100); do port_free "$aport" || break; sleep 0.2; done
abase=http://127.0.0.1:$aport
code=$(curl -s -o /dev/null -w '%{http_code}' -u "bench:$pw" "$abase/bench/$sample")
[ "$code" = 200 ] || die "Apache answered $code (see $ad/error.log)"
echo "== Apache $(apache2 -v | sed -n 's/^Server version: //p') mod_dav ($abase/bench/)"
ab_get "Apache mod_dav" "$abase/bench/$sample" bench "$pw" | tee -a "$work/ab.txt"

echo "== GET with ab -k -c $CLIENTS (ops/s): Postern / Radicale and Postern / Apache mod_dav"
awk '{ match($0, /[0-9.]+ ops\/s/); r[$1] = substr($0, RSTART, RLENGTH) + 0 } END {
  printf "GET %8.1f / %8.1f = %6.1fx;  %8.1f / %8.1f = %5.2fx\n", r["Postern"], r["Radicale"],
    (r["Radicale"] > 0 ? r["Postern"] / r["Radicale"] : 0), r["Postern"], r["Apache"], (r["Apache"] > 0 ? r["Postern"] / r["Apache"] : 0) }' "$work/ab.txt"
echo "== Postern / Radicale (ops/s)"
paste -d'|' "$work/postern.txt" "$work/radicale.txt" | awk -F'|' '{
  split($1, a, "  +"); split($2, b, "  +");
  n = $1; sub(/ +[0-9.]+ ops\/s.*/, "", n);
  pa = $1; sub(/.* ([0-9.]+) ops\/s.*/, "&", pa); match($1, /[0-9.]+ ops\/s/); x = substr($1, RSTART, RLENGTH) + 0;
  match($2, /[0-9.]+ ops\/s/); y = substr($2, RSTART, RLENGTH) + 0;
  printf "%-22s %8.1f / %8.1f = %6.1fx\n", n, x, y, (y > 0 ? x / y : 0) }'
