#!/usr/bin/env bash
# Issue 10's MX target: Postern's inbound MX beside Debian's Postfix as an MX with local delivery,
# both in the same run on one machine. Run by hand from the repository root (never in CI):
#
#   benchmarks/mx-bench.sh
#
# For each of CLIENTS_LIST (1 4 16) and each of MAILBOXES_LIST (1: every client to
# u01@example.net; 16: client i to u(i mod 16 + 1), the --to list u01..u16), SmtpLoad's clients
# send messages of SIZE octets for RUN_SECONDS (plain SMTP, PIPELINING) to Postern, then to
# Postfix, or the other way round: the order alternates from one row to the next. Runs of a fixed
# length, 15 s as in the issue's own measurement, not of a fixed count: SmtpLoad starts in a JVM
# of its own for every run, and through a run of 2,400 messages (TOTAL, the count this script
# used before; RUN_SECONDS=0 brings it back) that JVM was still compiling itself for a good part
# of the run's two seconds, on the same two cores, which costs the faster server more. One untimed
# rounds per server first, one per client count of CLIENTS_LIST (to 16 mailboxes, WARMUP messages
# each): whichever server ran first after its start was far slower (JIT, Derby's page cache, Karaf
# settling; see mx-auth-bench.sh), and each new concurrency still sent the JIT compiling: after
# 30,000 messages at 16 clients, C2 took a third of the JVM's CPU through the first 4,000 at one
# client (async-profiler, 2026-12-04), a startup cost no long-running MX pays; at 6,000 to 8,000
# messages C2 still took a fifth of the CPU at one client, hence 10,000 per count; and at 6,000
# per count, C2 still took two fifths of the JVM's CPU at 4 clients (2026-12-05), and its total
# time kept growing for about 40,000 messages, hence 30,000 per count now. Each Postern run's
# output ends with the seconds the Karaf JVM spent compiling during it (jstat -compiler), so a
# run the JIT still disturbed can be seen as such. Each row runs
# REPEAT rounds (the order of the servers alternating from round to round): a single round of a
# few seconds swung by a third on this VM, for Postfix as much as for Postern. Printed at the
# end, one row per (clients, mailboxes): the median of the rounds' accepted messages/s of each,
# Postern/Postfix of those medians, the median p99 of each (MAIL FROM to the final 250), whether
# Postern's is no worse, and each round's own ratio; the target is a ratio of at least 2 with p99
# no worse. Each run's output is kept in the
# work directory (postern-C-M.txt, postfix-C-M.txt).
#
# What the 250 means: Postern answers after the body and its filing are durable (blob.fsync = true
# as shipped: both records in the blob journal, one flush, bundles/store/README.md "Group commit",
# "Journaled filing"); the INBOX rows follow within milliseconds (Derby, durable commits, many
# deliveries per transaction), and a read of the account waits for them; Postfix after its
# queue file is fsync'ed (its default), and its queue manager and virtual(8) deliver into the
# maildirs afterwards, on the same cores while the load runs. Before every run the script waits
# until Postfix's queue is empty, so one run's deliveries do not slow the next; at the end it counts
# what each server really put into the mailboxes (Postfix: files in mail/*/new; Postern: INBOX
# counts from postern:mailbox-list) against what SmtpLoad saw accepted, warm-up included.
#
# Postern: the distribution as shipped, max.connections.per.ip raised, sender.authentication on
# (its default) with DNS answered by local-dns.py on loopback (every question NXDOMAIN with an SOA,
# cacheable, as from a local unbound: SPF none, DMARC none; the sandbox resolver's lost queries
# cost seconds each, see mx-auth-bench.sh). Postfix does no sender authentication at all (no SPF
# policy service, no DKIM milter) and looks up 127.0.0.1 in /etc/hosts: that favours Postfix.
#
# Postfix: a private instance under the work directory (its own config, queue, maildirs under
# mail/, a free loopback port), started with postfix -c and stopped with postfix -c stop, the master
# waited for by PID. example.net is a virtual mailbox domain with the same 16 addresses (a texthash:
# map, maildir), delivered as the postfix user; mydestination empty; no connection count or rate
# limits; default_process_limit 100; no TLS. Its queue directory must be root's and searchable by
# the postfix user (0755, as post-install makes it): postsuper, run by postfix-script's integrity
# check, drops to the postfix user inside it, and the work directory's umask 077 gave 0700, so every
# start failed with "Postfix integrity check failed!" (submission-bench.sh). Its config files are
# made world-readable as Postfix's own are. The set-gid commands (postqueue -c, postdrop) refuse a
# config directory that the system main.cf does not list in alternate_config_directories (root's
# postfix -c does not need it): the script adds it to /etc/postfix/main.cf, so the queue can be
# inspected while the run goes (postqueue -c WORK/postfix/etc -p), and restores the file at the
# end. A system Postfix, running or not, is otherwise left alone. Needs the Debian postfix package
# (the script does not install it).
#
# Knobs: CLIENTS_LIST="1 4 16" MAILBOXES_LIST="1 16" RUN_SECONDS=15 (length of a run; 0: runs of
# TOTAL messages instead) TOTAL=2400 (messages per run, split over the clients, with RUN_SECONDS=0)
# SIZE=4096 WARMUP=30000 (per client count) REPEAT=3 (rounds per row) ONLY= (postern or postfix: run that half alone; the other is not
# started and its prerequisites are not needed) PF_EXTRA= (more main.cf lines for Postfix, separated
# by ";", e.g. PF_EXTRA="in_flow_delay = 0"; the defaults are Postfix's own) POSTERN_CFG= (Postern
# settings to change, "pid:key=value" separated by ";", e.g.
# POSTERN_CFG="org.postern.store:blob.checkpoint.syncfs=false"; the shipped ones otherwise)
# POSTERN_DIST= (another build's distribution tarball; to compare two builds, copy one aside and
# run ONLY=postern with each in turn)
set -euo pipefail
BENCH=mx-bench
CLIENTS_LIST=${CLIENTS_LIST:-1 4 16}
MAILBOXES_LIST=${MAILBOXES_LIST:-1 16}
RUN_SECONDS=${RUN_SECONDS:-15}
TOTAL=${TOTAL:-2400}
SIZE=${SIZE:-4096}
WARMUP=${WARMUP:-30000}
REPEAT=${REPEAT:-3}
ONLY=${ONLY:-}
PF_EXTRA=${PF_EXTRA:-}
POSTERN_CFG=${POSTERN_CFG:-}
source "$(dirname "$0")/lib.sh"
case "$ONLY" in
  "" | postern | postfix) ;;
  *) die "ONLY=$ONLY: expected postern, postfix or nothing (both)" ;;
esac
runs() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
for m in $MAILBOXES_LIST; do
  [[ $m =~ ^[0-9]+$ ]] && [ "$m" -ge 1 ] && [ "$m" -le 16 ] || die "MAILBOXES_LIST: $m is not 1 to 16"
done
[[ $REPEAT =~ ^[0-9]+$ ]] && [ "$REPEAT" -ge 1 ] || die "REPEAT=$REPEAT: expected a whole number of rounds, at least 1"
[[ $RUN_SECONDS =~ ^[0-9]+$ ]] || die "RUN_SECONDS=$RUN_SECONDS: expected a whole number of seconds (0: TOTAL messages a run)"

if runs postern; then bench_init dist; else bench_init; fi
if runs postfix; then
  command -v postfix >/dev/null || die "postfix not installed (apt-get install postfix)"
  id postfix >/dev/null 2>&1 || die "no postfix user: is the Debian postfix package installed?"
fi

wait_for_quiet
# wait_for_quiet knows only itests and CI; any other Karaf shares the cores too.
other_karafs() { pgrep -f 'org\.apache\.karaf\.main\.Main' 2>/dev/null | grep -vxF -e "$(karaf_jvm)" || true; }
[ -z "$(other_karafs)" ] || echo "$BENCH: warning: another Karaf runs on this machine (pid $(other_karafs | paste -sd' ' -)); the figures are not clean"

umask 077
work=$(mktemp -d /tmp/postern-mx-bench-XXXX)
chmod 755 "$work"
echo "$BENCH: working in $work"

addresses=$(seq -f 'u%02g@example.net' 1 16)
to_list() { echo "$addresses" | head -"$1" | paste -sd, -; } # the first $1 addresses, comma-separated

launcher=""
cleanup() { stop_karaf; stop_postfix; stop_local_dns; echo "$BENCH: work directory: $work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$RUN_SECONDS" -gt 0 ]; then per_run="$RUN_SECONDS s of messages"; else per_run="$TOTAL messages"; fi
echo "$BENCH: $(nproc) CPUs; clients $CLIENTS_LIST; mailboxes $MAILBOXES_LIST; $per_run of $SIZE octets per run;" \
  "$(runs postfix && postconf -h mail_version | sed 's/^/Postfix /;s/$/;/')" "$("$java" -version 2>&1 | head -1)${ONLY:+; $ONLY only}"

# ---- Postern ----
if runs postern; then
  unpack_postern "$work/postern"
  start_local_dns
  setcfg "$etc/org.postern.smtp.cfg" max.connections.per.ip 100
  if [ -n "$POSTERN_CFG" ]; then
    while IFS= read -r setting; do
      setting=$(sed 's/^[[:space:]]*//;s/[[:space:]]*$//' <<<"$setting")
      [ -n "$setting" ] || continue
      [[ $setting =~ ^([A-Za-z0-9.]+):([A-Za-z0-9._-]+)=(.*)$ ]] || die "POSTERN_CFG: $setting is not pid:key=value"
      [ -f "$etc/${BASH_REMATCH[1]}.cfg" ] || die "POSTERN_CFG: no $etc/${BASH_REMATCH[1]}.cfg"
      setcfg "$etc/${BASH_REMATCH[1]}.cfg" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    done < <(tr ';' '\n' <<<"$POSTERN_CFG")
  fi
  start_karaf
  for i in $(seq 1 240); do greets "$smtp_port" && break; sleep 0.5; done
  greets "$smtp_port" || die "Postern MX not listening on $smtp_port"
  # One bin/client for the lot: each call costs a JVM start and an SSH login.
  (umask 077; printf '%s\n' "bench password" >"$home/account.pw")
  cmds=("postern:domain-add example.net")
  # Unlimited quotas: 15-second runs to one mailbox filled u01's default quota (452 Mailbox full).
  for a in $addresses; do cmds+=("postern:account-add $a --password-file $home/account.pw" "postern:account-quota $a 0"); done
  out=$(client "${cmds[@]}" "postern:account-list") || die "account set-up failed: $out"
  rm -f "$home/account.pw"
  [ "$(grep -c '^u[0-9][0-9]@example\.net ' <<<"$out")" = 16 ] || die "account set-up failed: $out"
  echo "== Postern: MX on 127.0.0.1:$smtp_port (plain), 16 accounts, sender authentication with local DNS"
fi

# ---- Postfix ----
if runs postfix; then
  pf_prepare "$work/postfix"
  mkdir -p "$pf/mail"
  chown postfix:postfix "$pf/mail" # virtual(8) delivers as the postfix user (virtual_uid_maps)
  for a in $addresses; do echo "$a ${a%@*}/"; done >"$pf/etc/vmailbox" # maildir: the value ends in /
  { pf_main_cf_base; printf '%s\n' \
    "alias_maps =" \
    "alias_database =" \
    "biff = no" \
    "virtual_mailbox_domains = example.net" \
    "virtual_mailbox_base = $pf/mail" \
    "virtual_mailbox_maps = texthash:$pf/etc/vmailbox" \
    "virtual_uid_maps = static:$(id -u postfix)" \
    "virtual_gid_maps = static:$(id -g postfix)" \
    "smtpd_tls_security_level = none" \
    "smtpd_client_connection_count_limit = 0" \
    "smtpd_client_message_rate_limit = 0" \
    "default_process_limit = 100"; } >"$pf/etc/main.cf"
  [ -z "$PF_EXTRA" ] || tr ';' '\n' <<<"$PF_EXTRA" | sed 's/^[[:space:]]*//' >>"$pf/etc/main.cf"
  pf_start
  echo "== Postfix $(postconf -h mail_version): smtpd on 127.0.0.1:$pf_port (plain), virtual maildirs in $pf/mail"
fi

pf_queued() { find "$pf/queue/maildrop" "$pf/queue/incoming" "$pf/queue/active" -type f 2>/dev/null | wc -l; }
pf_deferred() { find "$pf/queue/deferred" -type f 2>/dev/null | wc -l; }
pf_drain() { # until the queue manager has handed everything to virtual(8), 5 minutes at most
  local i
  [ -n "$pf" ] || return 0
  for i in $(seq 1 3000); do [ "$(pf_queued)" = 0 ] && return 0; sleep 0.1; done
  echo "$BENCH: warning: Postfix still has $(pf_queued) message(s) queued after 5 minutes"
}
# SmtpLoad's lines: "accepted: N in S s = R messages/s; refused or failed: F" and
# "latency ms: p50 A  p90 B  p99 C  max D". Nothing (and success) for a run that did not happen.
field() { [ -f "$2" ] || return 0; sed -n "$1" "$2" | head -1; }
rate() { field 's/^accepted: .* = \([0-9.]*\) messages\/s.*/\1/p' "$1"; }
p99() { field 's/^latency ms: .* p99 \([0-9.]*\) .*/\1/p' "$1"; }
accepted() { field 's/^accepted: \([0-9]*\) in .*/\1/p' "$1"; }
failed() { field 's/.*; refused or failed: \([0-9]*\).*/\1/p' "$1"; }
port_of() { if [ "$1" = postern ]; then echo "$smtp_port"; else echo "$pf_port"; fi; }
name_of() { if [ "$1" = postern ]; then echo Postern; else echo Postfix; fi; }
# Seconds the Karaf JVM has spent in the JIT so far (jstat -compiler's Time), or nothing.
jit_seconds() {
  local jvm
  jvm=$(karaf_jvm)
  [ -n "$jvm" ] && "$JAVA_HOME/bin/jstat" -compiler "$jvm" 2>/dev/null | awk 'NR == 2 { print $4 }' || true
}
load() { # server clients messages-per-client mailboxes output [seconds]
  local j0 j1
  pf_drain
  sleep 1
  [ "$1" = postern ] && j0=$(jit_seconds)
  "$java" -cp "$jar" org.postern.bench.SmtpLoad --port "$(port_of "$1")" --clients "$2" --messages "$3" \
    ${6:+--seconds "$6"} --size "$SIZE" --to "$(to_list "$4")" >"$5" 2>&1 || echo "$BENCH: SmtpLoad failed against $(name_of "$1"), see $5"
  if [ "$1" = postern ]; then
    j1=$(jit_seconds)
    [ -z "$j0" ] || [ -z "$j1" ] || awk -v a="$j0" -v b="$j1" 'BEGIN { printf "jit: %.2f s compiling in the Karaf JVM during the run\n", b - a }' >>"$5"
  fi
}

servers=""
runs postern && servers="postern"
runs postfix && servers="${servers:+$servers }postfix"
echo "== warm-up (not measured): clients $CLIENTS_LIST, 16 mailboxes, $WARMUP messages each, per server"
for s in $servers; do
  for c in $(echo "$CLIENTS_LIST" | tr ' ' '\n' | sort -rn); do
    load "$s" "$c" $(((WARMUP + c - 1) / c)) 16 "$work/$s-warmup-$c.txt"
    echo "    $(name_of "$s"), $c client(s): $(rate "$work/$s-warmup-$c.txt") messages/s, $(failed "$work/$s-warmup-$c.txt") refused or failed"
  done
done

row=0
run_for=""
[ "$RUN_SECONDS" = 0 ] || run_for=$RUN_SECONDS
for c in $CLIENTS_LIST; do
  for m in $MAILBOXES_LIST; do
    if [ "$RUN_SECONDS" -gt 0 ]; then
      per=100000000 span="for $RUN_SECONDS s"
    else
      per=$((TOTAL / c))
      [ "$per" -ge 1 ] || per=1
      span="x $per messages"
    fi
    for r in $(seq 1 "$REPEAT"); do
      order=$servers
      [ $((row % 2)) = 0 ] || order=$(echo "$servers" | tr ' ' '\n' | tac | paste -sd' ' -)
      echo "== $c client(s) $span, $m mailbox(es), round $r of $REPEAT"
      for s in $order; do
        load "$s" "$c" "$per" "$m" "$work/$s-$c-$m-$r.txt" "$run_for"
        sed 's/^/    /' "$work/$s-$c-$m-$r.txt" | sed "1s/^    /    $(name_of "$s"): /"
      done
      row=$((row + 1))
    done
  done
done

# ---- what really arrived ----
sum_accepted() { local f n t=0; for f in "$work/$1"-*.txt; do n=$(accepted "$f"); t=$((t + ${n:-0})); done; echo "$t"; }
echo
if runs postfix; then
  pf_drain
  delivered=$(find "$pf/mail" -path '*/new/*' -type f | wc -l)
  boxes=$(find "$pf/mail" -mindepth 1 -maxdepth 1 -type d | wc -l)
  echo "$BENCH: Postfix delivered $delivered message(s) into $boxes maildir(s) ($pf/mail/*/new) of $(sum_accepted postfix)" \
    "accepted (warm-up included); $(pf_deferred) deferred; maillog: $(grep -c 'status=sent' "$pf/maillog" 2>/dev/null || true)" \
    "sent, $(grep -cE 'status=(deferred|bounced)' "$pf/maillog" 2>/dev/null || true) deferred or bounced"
fi
if runs postern; then
  cmds=()
  for a in $addresses; do cmds+=("postern:mailbox-list $a"); done
  out=$(client "${cmds[@]}" || true)
  inbox=$(awk '$1 == "INBOX" { n += $2 } END { print n + 0 }' <<<"$out")
  echo "$BENCH: Postern filed $inbox message(s) in the 16 INBOXes (postern:mailbox-list) of $(sum_accepted postern)" \
    "accepted (warm-up included)"
fi

# ---- the table ----
# The median of the rounds, for rates and p99s alike ("" when a server did not run).
median_of() { # field-function server clients mailboxes
  local r v
  for r in $(seq 1 "$REPEAT"); do v=$("$1" "$work/$2-$3-$4-$r.txt"); [ -z "$v" ] || echo "$v"; done |
    sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
round_ratios() { # clients mailboxes: each round's Postern/Postfix
  local r a b out=""
  for r in $(seq 1 "$REPEAT"); do
    a=$(rate "$work/postern-$1-$2-$r.txt"); b=$(rate "$work/postfix-$1-$2-$r.txt")
    [ -n "$a" ] && [ -n "$b" ] && out="$out $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
  done
  echo "${out# }"
}
echo
printf '%-8s %-10s %14s %14s %9s %12s %12s %9s   %s\n' clients mailboxes "Postern msg/s" "Postfix msg/s" ratio \
  "Postern p99" "Postfix p99" "p99 <=" "rounds' ratios"
met=0
rows=0
for c in $CLIENTS_LIST; do
  for m in $MAILBOXES_LIST; do
    a=$(median_of rate postern "$c" "$m"); b=$(median_of rate postfix "$c" "$m")
    pa=$(median_of p99 postern "$c" "$m"); pb=$(median_of p99 postfix "$c" "$m")
    verdict=$(awk -v a="$a" -v b="$b" -v pa="$pa" -v pb="$pb" 'BEGIN {
      r = (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-"
      ok = (pa != "" && pb != "") ? (pa + 0 <= pb + 0 ? "yes" : "no") : "-"
      met = (r != "-" && r + 0 >= 2 && ok == "yes") ? 1 : 0
      print r, ok, met }')
    read -r ratio ok hit <<<"$verdict"
    printf '%-8s %-10s %14s %14s %9s %12s %12s %9s   %s\n' "$c" "$m" "${a:--}" "${b:--}" "$ratio" "${pa:--}" "${pb:--}" "$ok" \
      "$(round_ratios "$c" "$m")"
    met=$((met + hit)); rows=$((rows + 1))
  done
done
refusals=$(for f in "$work"/postern-*-*.txt "$work"/postfix-*-*.txt; do
  [ -f "$f" ] || continue; n=$(failed "$f"); [ "${n:-0}" = 0 ] || echo "$(basename "$f" .txt): $n"; done)
[ -z "$refusals" ] || echo "$BENCH: refused or failed messages (see the files): $(tr "\n" " " <<<"$refusals")"
echo "(msg/s: accepted messages per second; p99 in ms, MAIL FROM to the final 250; each the median of $REPEAT rounds;"
echo " ratio: of the medians, Postern/Postfix; the rounds' own ratios after it)"
if [ -z "$ONLY" ]; then
  echo "$BENCH: target (ratio >= 2.00 and p99 no worse than Postfix's) met in $met of $rows rows"
fi
[ -z "$(other_karafs)" ] || echo "$BENCH: warning: another Karaf ran beside this one; the figures are not clean"
