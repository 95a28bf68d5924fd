#!/usr/bin/env bash
# Issue 12, item 11: render times of the webmail's heaviest pages (target: under 50 ms each on this
# machine). One Postern, one account; webmail-bench.py fills its INBOX through the MX, logs in and
# times REPEAT GETs of each page from loopback (the whole server-side work, the store included).
#   benchmarks/webmail-bench.sh [work-dir]      REPEAT=50
set -euo pipefail
BENCH=webmail-bench
source "$(dirname "$0")/lib.sh"
bench_init dist
REPEAT=${REPEAT:-50}
work=${1:-$(mktemp -d /tmp/webmail-bench.XXXXXX)}
mkdir -p "$work"
wait_for_quiet
trap 'stop_karaf; stop_local_dns' EXIT
unpack_postern "$work/postern"
start_local_dns   # sender authentication asks DNS for every message: answered on loopback
start_karaf
create_account bench@example.net imap "$work/imap.pw"
printf '%s\n' "bench password for bench@example.net" \
  | python3 "$repo/benchmarks/webmail-bench.py" "http://127.0.0.1:$http_port" "$smtp_port" bench@example.net "$REPEAT"
