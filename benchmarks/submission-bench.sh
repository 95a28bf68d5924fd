#!/usr/bin/env bash
# Issue 9, item 9: Postern's submission and outbound queue beside Debian's Postfix, in one run on
# one machine. Run by hand from the repository root (never in CI):
#
#   benchmarks/submission-bench.sh
#
# Each server in turn gets the same load (SmtpLoad): CLIENTS connections, each STARTTLS, then
# MESSAGES messages of SIZE octets to one remote recipient, PIPELINING where offered. Postern
# authenticates (AUTH PLAIN with an app password: an HMAC); Postfix is told to relay for
# 127.0.0.0/8 without SASL (a Postfix submission with SASL needs Dovecot's or Cyrus's auth
# daemon; leaving it out favours Postfix). Both relay everything to the same sink (SmtpSink, an
# SMTP server that accepts and discards) and both do it with the same concurrency (Postern's
# workers = per.destination = CONCURRENCY; Postfix's default_destination_concurrency_limit).
# Printed: messages/s accepted from the submitters (with latency), and messages/s the queue
# delivered to the sink, first to last.
#
# Fairness notes: Postern runs as shipped (fsync of every body, Derby's durable commits, DKIM off
# unless DKIM=1 makes a key: signing costs an RSA signature per message); Postfix with its
# defaults (its queue files are fsync'ed too). Everything shares the machine's cores.
#
# Postfix: a private instance under the work directory (its own config, queue, a free port),
# started with postfix -c and stopped with postfix -c stop. Its queue directory must be root's and
# searchable by the postfix user (0755, as post-install makes it): postsuper, run by postfix-script's
# integrity check, drops to the postfix user inside it, and the work directory's umask 077 gave
# 0700, so every start failed with "Postfix integrity check failed!". Its config files are made
# world-readable as Postfix's own are, the TLS key stays 0600. The set-gid commands (postqueue -c,
# postdrop) refuse a config directory that the system main.cf does not list in
# alternate_config_directories (root's postfix -c does not need it): the script adds it to
# /etc/postfix/main.cf, so the queue can be inspected while the run goes, and restores the file at
# the end. Needs the Debian postfix package.
#
# Knobs: CLIENTS=16 MESSAGES=200 SIZE=4096 CONCURRENCY=16 DKIM= ONLY= (postern or postfix: run
# that half alone; the other is not started and its prerequisites are not needed)
set -euo pipefail

CLIENTS=${CLIENTS:-16}
MESSAGES=${MESSAGES:-200}
SIZE=${SIZE:-4096}
CONCURRENCY=${CONCURRENCY:-16}
DKIM=${DKIM:-}
ONLY=${ONLY:-}
ACCOUNT=alice@example.net
TOTAL=$((CLIENTS * MESSAGES))

BENCH=submission-bench
. "$(dirname "$0")/lib.sh"
case "$ONLY" in
  "" | postern | postfix) ;;
  *) die "ONLY=$ONLY: expected postern, postfix or nothing (both)" ;;
esac
runs() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

if runs postern; then bench_init dist; else bench_init; fi
if runs postfix; then
  command -v postfix >/dev/null || die "postfix not installed (apt-get install postfix)"
  command -v openssl >/dev/null || die "openssl not installed"
fi

wait_for_quiet

umask 077
work=$(mktemp -d /tmp/postern-submission-bench-XXXX)
chmod 755 "$work"
echo "submission-bench: working in $work"

sink_pid=""
stop_sink() { [ -n "$sink_pid" ] && { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }; sink_pid=""; }
cleanup() { stop_karaf; stop_sink; stop_postfix; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start_sink() { # port
  "$java" -Xmx256m -cp "$jar" org.postern.bench.SmtpSink --port "$1" --expect "$TOTAL" --timeout 900 >"$work/sink-$2.txt" 2>&1 &
  sink_pid=$!
  for i in $(seq 1 100); do greets "$1" && return; sleep 0.1; done
  die "the sink did not start"
}
await_sink() { # name: waits for the sink to have everything, prints its rate. Not in $(...): a
  # subshell cannot wait for the sink (not its child), it would print at once and the server be
  # stopped with its queue still delivering
  wait "$sink_pid" || true
  sink_pid=""
  echo "    $(tail -1 "$work/sink-$1.txt")"
}

echo "submission-bench: $(nproc) CPUs; $CLIENTS clients x $MESSAGES messages of $SIZE octets ($TOTAL), STARTTLS;" \
  "delivery concurrency $CONCURRENCY;$(runs postfix && postconf -h mail_version | sed 's/^/ Postfix /;s/$/;/')" \
  "$("$java" -version 2>&1 | head -1)${ONLY:+; $ONLY only}"

# ---- Postern ----
if runs postern; then
  sink_port=$(free_port)
  unpack_postern "$work/postern"
  setcfg "$etc/org.postern.submission.cfg" messages.per.hour $((TOTAL * 2))
  setcfg "$etc/org.postern.submission.cfg" recipients.per.day $((TOTAL * 2))
  setcfg "$etc/org.postern.submission.cfg" max.connections.per.ip $((CLIENTS + 10))
  setcfg "$etc/org.postern.outbound.cfg" smarthost "127.0.0.1:$sink_port"
  setcfg "$etc/org.postern.outbound.cfg" workers "$CONCURRENCY"
  setcfg "$etc/org.postern.outbound.cfg" per.destination "$CONCURRENCY"
  setcfg "$etc/org.postern.outbound.cfg" poll.ms 1000
  start_karaf
  create_account "$ACCOUNT" smtp "$work/postern.password"
  [ -z "$DKIM" ] || client "postern:dkim-create example.net" >/dev/null
  echo
  echo "== Postern: submission on 127.0.0.1:$sub_port (AUTH PLAIN after STARTTLS)$([ -n "$DKIM" ] && echo ', DKIM rsa-sha256')"
  start_sink "$sink_port" postern
  "$java" -Xmx1g -cp "$jar" org.postern.bench.SmtpLoad --port "$sub_port" --starttls --auth-user "$ACCOUNT" \
    --auth-secret-file "$work/postern.password" --clients "$CLIENTS" --messages "$MESSAGES" --size "$SIZE" \
    --from "$ACCOUNT" --to rcpt@remote.example | tee "$work/postern-submit.txt"
  echo "    queue delivery to the sink:"
  await_sink postern
  stop_karaf
fi

# ---- Postfix ----
if runs postfix; then
  pf_prepare "$work/postfix"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=pfbench.test -days 2 -keyout "$pf/etc/key.pem" -out "$pf/etc/cert.pem" \
    >/dev/null 2>&1
  chmod 600 "$pf/etc/key.pem"
  sink_port=$(free_port)
  { pf_main_cf_base; printf '%s\n' \
    "relayhost = [127.0.0.1]:$sink_port" \
    "mynetworks = 127.0.0.0/8" \
    "smtpd_relay_restrictions = permit_mynetworks, reject" \
    "smtpd_tls_cert_file = $pf/etc/cert.pem" \
    "smtpd_tls_key_file = $pf/etc/key.pem" \
    "smtpd_tls_security_level = may" \
    "smtp_tls_security_level = none" \
    "default_destination_concurrency_limit = $CONCURRENCY" \
    "default_process_limit = $((CLIENTS + CONCURRENCY + 20))" \
    "smtpd_client_connection_count_limit = 0"; } >"$pf/etc/main.cf"
  pf_start
  echo
  echo "== Postfix $(postconf -h mail_version): smtpd on 127.0.0.1:$pf_port (STARTTLS, relay for 127.0.0.0/8, no AUTH)"
  start_sink "$sink_port" postfix
  "$java" -Xmx1g -cp "$jar" org.postern.bench.SmtpLoad --port "$pf_port" --starttls --clients "$CLIENTS" \
    --messages "$MESSAGES" --size "$SIZE" --from "$ACCOUNT" --to rcpt@remote.example | tee "$work/postfix-submit.txt"
  echo "    queue delivery to the sink:"
  await_sink postfix
  stop_postfix
fi

echo
rate() { [ -f "$1" ] || return 0; sed -n 's/.*= \([0-9.]*\) messages\/s.*/\1/p' "$1" | head -1; }
compare() { # what postern-rate postfix-rate: prints what was measured, the ratio when both were
  local line=""
  [ -z "$2" ] || line="Postern $2"
  [ -z "$3" ] || line="${line:+$line, }Postfix $3"
  if [ -n "$2" ] && [ -n "$3" ]; then
    line="$line$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf " (Postern/Postfix %.2f)", a / b }')"
  fi
  echo "submission-bench: $1 messages/s: ${line:-nothing measured}"
}
compare submitted "$(rate "$work/postern-submit.txt")" "$(rate "$work/postfix-submit.txt")"
compare delivered "$(rate "$work/sink-postern.txt")" "$(rate "$work/sink-postfix.txt")"
