#!/usr/bin/env bash
# Issue 13: "the job killed in the middle and run again". Run by hand from the repository root
# (never in CI):
#
#   benchmarks/billing-crash.sh
#
# One distribution with ACCOUNTS accounts at example.net: half expired yesterday (the run locks
# them and files an expiry notice), half expiring in 7 days (the run files a reminder). Then
# CYCLES times: postern:lifecycle-run starts, and a random MIN_MS..MAX_MS milliseconds later the
# Karaf JVM and its launcher get SIGKILL (no clean stop), and Karaf is started again. At the end
# one more run completes the work, and the script checks, per account, through the shell:
#   every expired account is LOCKED, with exactly one LOCKED_EXPIRED ledger row
#   every other account is ACTIVE, with at most one REMINDER row (a kill between the row and the
#     notice loses the notice: at most once, never twice)
#   INBOX holds at most one notice per account (postern:mailbox-list)
#   postern:billing-check: the ledger and the accounts agree
# Prints the counts; exit status 1 when any check fails. Everything runs under
# /tmp/postern-billing-crash-XXXX (kept); every process started is stopped by PID.
#
# Knobs: ACCOUNTS=200 CYCLES=10 MIN_MS=100 MAX_MS=1500
set -euo pipefail
ACCOUNTS=${ACCOUNTS:-200}
CYCLES=${CYCLES:-10}
MIN_MS=${MIN_MS:-100}
MAX_MS=${MAX_MS:-1500}
BENCH=billing-crash
source "$(dirname "$0")/lib.sh"
bench_init dist
wait_for_quiet
work=$(mktemp -d /tmp/postern-billing-crash-XXXX)
trap 'stop_karaf' EXIT
unpack_postern "$work"
start_karaf
yesterday=$(date -u -d yesterday +%F)
soon=$(date -u -d '+7 days' +%F)
(umask 077; printf 'crash test password\n' >"$home/account.pw")
cmds=("postern:domain-add example.net")
for i in $(seq 1 "$ACCOUNTS"); do
  if [ $((i % 2)) = 0 ]; then e=$yesterday; else e=$soon; fi
  cmds+=("postern:account-add c$i@example.net --expires $e --password-file $home/account.pw")
done
client "${cmds[@]}" >"$work/setup.out"
echo "$BENCH: $ACCOUNTS accounts, half expired on $yesterday, half expiring on $soon"

for c in $(seq 1 "$CYCLES"); do
  (client "postern:lifecycle-run" >"$work/run-$c.out" 2>&1 || true) &
  runner=$!
  sleep "$(awk -v a="$MIN_MS" -v b="$MAX_MS" 'BEGIN { srand(); printf "%.3f", (a + rand() * (b - a)) / 1000 }')"
  jvm=$(karaf_jvm)
  for k in $jvm $launcher; do kill -KILL "$k" 2>/dev/null || true; done
  wait "$launcher" 2>/dev/null || true
  launcher=""
  wait "$runner" 2>/dev/null || true
  echo "$BENCH: cycle $c: killed mid-run; restarting"
  start_karaf
done
client "postern:lifecycle-run" >"$work/final-run.out"
echo "$BENCH: final run: $(head -1 "$work/final-run.out")"

fail=0
locked_ok=0; active_ok=0; notices_max=0; reminders=0; expiry_rows=0
for i in $(seq 1 "$ACCOUNTS"); do
  out=$(client "postern:account-show c$i@example.net" "postern:ledger c$i@example.net" "postern:mailbox-list c$i@example.net")
  le=$(grep -c 'LOCKED_EXPIRED' <<<"$out" || true)
  rm_=$(grep -c ' REMINDER ' <<<"$out" || true)
  inbox=$(sed -n 's/^INBOX[^0-9]*\([0-9][0-9]*\).*/\1/p' <<<"$out" | head -1)
  inbox=${inbox:-0}
  [ "$inbox" -gt "$notices_max" ] && notices_max=$inbox
  if [ $((i % 2)) = 0 ]; then
    if grep -q 'status:  LOCKED' <<<"$out" && [ "$le" = 1 ] && [ "$inbox" -le 1 ]; then locked_ok=$((locked_ok + 1)); else
      echo "$BENCH: c$i: expected LOCKED with one LOCKED_EXPIRED row and at most one notice; got $le row(s), $inbox message(s)"; fail=1; fi
    expiry_rows=$((expiry_rows + le))
  else
    if grep -q 'status:  ACTIVE' <<<"$out" && [ "$rm_" -le 1 ] && [ "$inbox" -le 1 ]; then active_ok=$((active_ok + 1)); else
      echo "$BENCH: c$i: expected ACTIVE with at most one REMINDER and one notice; got $rm_ row(s), $inbox message(s)"; fail=1; fi
    reminders=$((reminders + rm_))
  fi
done
check=$(client "postern:billing-check" || true)
grep -q 'the ledger and the accounts agree' <<<"$check" || { echo "$BENCH: billing-check: $check"; fail=1; }
echo "$BENCH: cycles $CYCLES, accounts $ACCOUNTS"
echo "$BENCH: expired accounts locked once:   $locked_ok of $((ACCOUNTS / 2)) (LOCKED_EXPIRED rows: $expiry_rows)"
echo "$BENCH: expiring accounts still active: $active_ok of $((ACCOUNTS - ACCOUNTS / 2)) (REMINDER rows: $reminders)"
echo "$BENCH: most messages in one INBOX:      $notices_max (must be <= 1)"
echo "$BENCH: billing-check:                   $(tail -1 <<<"$check")"
echo "$BENCH: kept under $work"
exit "$fail"
