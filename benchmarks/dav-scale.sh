#!/usr/bin/env bash
# Issue 11, item 9: a calendar-multiget (of 20) and an incremental sync on a 20,000-event calendar
# should cost about what they cost on a 20-event one. One Postern, one account, two calendars
# filled first by dav-load.py's PUTs (which also warms the JIT); then the same operations against
# each, CLIENTS clients, OP_SECONDS each. Prints both figures and large/small per operation.
#   benchmarks/dav-scale.sh [work-dir]      SMALL=20 LARGE=20000 CLIENTS=4 OP_SECONDS=10
set -euo pipefail
BENCH=dav-scale
source "$(dirname "$0")/lib.sh"
bench_init dist
SMALL=${SMALL:-20}
LARGE=${LARGE:-20000}
CLIENTS=${CLIENTS:-4}
SECONDS_PER_OP=${OP_SECONDS:-10}
work=${1:-$(mktemp -d /tmp/dav-scale.XXXXXX)}
mkdir -p "$work"
wait_for_quiet
trap stop_karaf EXIT
start_postern_dav "$work"
load() { # size, then dav-load's environment
  local size=$1
  shift
  printf '%s\n' "$pw" | env "$@" python3 "$repo/benchmarks/dav-load.py" "$base" "/dav/calendars/$principal/c$size/" \
    bench@example.net "$size" "$CLIENTS" "$SECONDS_PER_OP"
}
for size in "$SMALL" "$LARGE"; do
  dav_mkcalendar bench@example.net "$pw" "$base/dav/calendars/$principal/c$size/"
  load "$size" DAV_LOAD_ONLY=none
done
for size in "$SMALL" "$LARGE"; do
  echo "== $size events, $CLIENTS clients, ${SECONDS_PER_OP}s per operation"
  load "$size" DAV_LOAD_PUT=0 DAV_LOAD_ONLY=multiget,incremental,get DAV_LOAD_MULTIGET=20 | tee "$work/c$size.txt"
done
echo "== $LARGE events / $SMALL events (ops/s; 1.0: the calendar's size costs nothing)"
rate() { grep "^$1" "$2" | head -1 | awk '{for (i = 1; i < NF; i++) if ($(i + 1) == "ops/s") print $i}'; }
for op in "calendar-multiget" "sync incremental" "GET"; do
  awk -v op="$op" -v s="$(rate "$op" "$work/c$SMALL.txt")" -v l="$(rate "$op" "$work/c$LARGE.txt")" \
    'BEGIN { printf "%-22s %9.1f / %9.1f = %5.2f\n", op, l, s, (s > 0 ? l / s : 0) }'
done
