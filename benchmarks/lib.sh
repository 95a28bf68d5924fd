# Shell functions shared by the benchmark scripts that run the Postern distribution
# (submission-bench.sh, outbound-crash.sh, dead-domain.sh). Sourced, never run: the script sets
# BENCH (its name, for messages) first, then calls bench_init.
#
# What they share: the benchmarks jar (rebuilt when its sources are newer), a JDK, the
# distribution unpacked under the work directory with free loopback ports, Karaf started with
# bin/karaf server and stopped by PID (the launcher and its JVM), the Karaf shell through
# bin/client with the generated admin password, and an account with an app password.

die() { echo "$BENCH: $*" >&2; exit 1; }

# repo, dist (when $1 = dist), jar, JAVA_HOME, java
bench_init() {
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  dist=""
  if [ "${1:-}" = dist ]; then
    # POSTERN_DIST: another build's tarball, to compare two builds in turn on the same machine
    dist=${POSTERN_DIST:-$(ls "$repo"/karaf-assembly/target/postern-karaf-assembly-*.tar.gz 2>/dev/null | head -1 || true)}
    [ -n "$dist" ] || die "no distribution: mvn -B -q install -DskipTests first"
  fi
  jar=$repo/benchmarks/target/benchmarks.jar
  if [ ! -f "$jar" ] || [ -n "$(find "$repo/benchmarks/src" "$repo/benchmarks/pom.xml" -newer "$jar" -type f | head -1)" ]; then
    (cd "$repo" && mvn -B -q -o package -DskipTests -pl benchmarks)
  fi
  if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
  export JAVA_HOME
  java=$JAVA_HOME/bin/java
}

# Other Karafs (itests, CI) on the machine would make the figures meaningless: wait until none has
# run for 30 s (an itest run starts a new Karaf per test class), 15 minutes at most.
others() { pgrep -af 'karaf|surefire' 2>/dev/null | grep -E '/work/main/itests|/tmp/ci' || true; }
wait_for_quiet() {
  local quiet=0 i
  for i in $(seq 1 90); do
    if [ -z "$(others)" ]; then quiet=$((quiet + 1)); [ "$quiet" -ge 3 ] && break; else quiet=0; fi
    [ "$i" = 1 ] && [ -n "$(others)" ] && echo "$BENCH: another Karaf or itest run is running; waiting up to 15 min"
    sleep 10
  done
  [ -z "$(others)" ] || echo "$BENCH: warning: another Karaf still runs; the figures are not clean"
}

launcher=""
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
# The Karaf JVM: the java process under the launcher (bin/karaf server runs it as a child).
karaf_jvm() {
  local k
  [ -n "$launcher" ] || return 0
  for k in $(descendants "$launcher"); do
    [ "$(cat "/proc/$k/comm" 2>/dev/null)" = java ] && { echo "$k"; return 0; }
  done
  return 0
}
stop_karaf() {
  [ -n "$launcher" ] || return 0
  local pid=$launcher procs k i alive
  procs=$(descendants "$pid")
  for k in $procs $pid; do kill -TERM "$k" 2>/dev/null || true; done
  for i in $(seq 1 600); do
    alive=""
    for k in $pid $procs; do kill -0 "$k" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || break
    sleep 0.1
  done
  [ -z "$alive" ] || for k in $pid $procs; do kill -KILL "$k" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
  launcher=""
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if port_free "$p"; then echo "$p"; return; fi
  done
  die "no free port"
}
setcfg() {
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
greets() { local line=""; { exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1; read -r -t 10 line <&3 || true; exec 3>&-; } 2>/dev/null; [[ $line == 220* ]]; }
client() {
  local ssh
  ssh=$(getcfg "$home/etc/org.apache.karaf.shell.cfg" sshPort)
  printf '%s\n' "$@" | "$home/bin/client" -a "$ssh" -h 127.0.0.1 -u admin \
    -p "$(cat "$home/postern-data/admin.password")" -r 1 -b 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}
# postern:queue-list's total, or nothing when the shell did not answer
queue_count() { client "postern:queue-list --limit 1" | sed -n 's/^\([0-9][0-9]*\) message(s) queued.*/\1/p' | head -1; }

# Unpacks the distribution into $1 and gives every listener a free port: sets home, etc,
# sub_port (submission, STARTTLS), smtp_port (the MX), imap_port (plain IMAP), http_port (DAV).
unpack_postern() {
  mkdir -p "$1"
  tar xzf "$dist" -C "$1" --no-same-permissions
  home=$(ls -d "$1"/*/ | head -1)
  home=${home%/}
  etc=$home/etc
  setcfg "$etc/org.apache.karaf.shell.cfg" sshPort "$(free_port)"
  smtp_port=$(free_port)
  setcfg "$etc/org.postern.smtp.cfg" port "$smtp_port"
  setcfg "$etc/org.postern.pop3.cfg" port "$(free_port)"
  setcfg "$etc/org.postern.pop3.cfg" tls.port "$(free_port)"
  imap_port=$(free_port)
  setcfg "$etc/org.postern.imap.cfg" port "$imap_port"
  setcfg "$etc/org.postern.imap.cfg" tls.port "$(free_port)"
  sub_port=$(free_port)
  setcfg "$etc/org.postern.submission.cfg" port "$sub_port"
  setcfg "$etc/org.postern.submission.cfg" tls.port "$(free_port)"
  setcfg "$etc/org.postern.submission.cfg" hostname mail.postern.test
  setcfg "$etc/org.postern.tls.cfg" hostname mail.postern.test
  http_port=$(free_port)
  setcfg "$etc/org.ops4j.pax.web.cfg" org.osgi.service.http.port "$http_port"
  setcfg "$etc/org.postern.accounts.cfg" argon2.memory.kib 19456
  setcfg "$etc/org.postern.accounts.cfg" argon2.iterations 2
}

# Starts Karaf in $home and waits until its shell answers and the submission port greets
# (4 minutes at most each). Sets launcher.
start_karaf() {
  local i out
  (cd "$home" && exec bin/karaf server >>"$home/console.out" 2>&1) &
  launcher=$!
  for i in $(seq 1 480); do
    [ -s "$home/postern-data/admin.password" ] && break
    kill -0 "$launcher" 2>/dev/null || die "Karaf exited; see $home/console.out"
    sleep 0.5
  done
  for i in $(seq 1 480); do
    out=$(client postern:status || true)
    grep -q "schema version" <<<"$out" && break
    kill -0 "$launcher" 2>/dev/null || die "Karaf exited; see $home/console.out"
    sleep 0.5
  done
  for i in $(seq 1 480); do greets "$sub_port" && break; sleep 0.5; done
  greets "$sub_port" || die "Postern submission not listening on $sub_port"
}

# Domain and account $1 (with its password), and an app password for the protocols $2 (imap,
# smtp, ...) written to file $3.
create_account() {
  local account=$1 protocols=$2 file=$3 out
  (umask 077; printf '%s\n' "bench password for $account" >"$home/account.pw")
  out=$(client "postern:domain-add ${account#*@}" "postern:account-add $account --password-file $home/account.pw") \
    || die "account set-up failed: $out"
  rm -f "$home/account.pw"
  out=$(client "postern:app-password-create $account --name bench --protocols $protocols") || die "app-password-create: $out"
  (umask 077; printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -1 | tr -d '[:space:]' >"$file")
  [ -s "$file" ] || die "no app password in: $out"
}

# The JVM's heap after a full GC (KiB used, from GC.heap_info) and its thread count (the kernel's).
heap_after_gc_kib() {
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jcmd "$1" GC.heap_info 2>/dev/null | sed -n 's/.* total \([0-9]*\)K, used \([0-9]*\)K.*/\2/p' | head -1
}
threads_of() { sed -n 's/^Threads:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; }

# benchmarks/local-dns.py on a free loopback port, and Postern's resolver ($etc) pointed at it: every
# question NXDOMAIN with an SOA, cacheable (mx-auth-bench.sh says why not the machine's resolver).
# Sets dns_pid; stop_local_dns stops it.
dns_pid=""
start_local_dns() {
  local port
  port=$(free_port)
  python3 "$repo/benchmarks/local-dns.py" "$port" &
  dns_pid=$!
  setcfg "$etc/org.postern.dns.cfg" servers "127.0.0.1:$port"
}
stop_local_dns() { [ -n "$dns_pid" ] && { kill "$dns_pid" 2>/dev/null || true; wait "$dns_pid" 2>/dev/null || true; }; dns_pid=""; }

# A private Postfix under $pf (submission-bench.sh, mx-bench.sh set it up): its master's pid, if it
# runs; and its stop, waiting for the master by PID, with /etc/postfix/main.cf restored from
# $main_cf_backup when the script changed it.
pf=""
main_cf_backup=""
pf_master() {
  local pid
  pid=$(tr -d ' \n' <"$pf/queue/pid/master.pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  return 0
}
stop_postfix() {
  local pid i
  if [ -n "$pf" ]; then
    pid=$(pf_master)
    postfix -c "$pf/etc" stop >/dev/null 2>&1 || true
    if [ -n "$pid" ]; then # postfix stop only signals the master: wait for it and its children
      for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { postfix -c "$pf/etc" abort >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true; }
    fi
  fi
  if [ -n "$main_cf_backup" ]; then
    cp "$main_cf_backup" /etc/postfix/main.cf || echo "$BENCH: restore /etc/postfix/main.cf from $main_cf_backup" >&2
    main_cf_backup=""
  fi
  pf=""
}

# A private Postfix instance under $1 (sets pf, pf_port): directories with Postfix's own modes, not
# the work directory's 077 (postsuper, run by postfix-script's integrity check on every start, and
# the daemons work as the postfix user inside the queue directory, so it must be root's and 0755;
# config files 0644 as in /etc/postfix), master.cf and friends copied from /etc/postfix. Leaves the
# umask at 022. The caller writes $pf/etc/main.cf (pf_main_cf_base first), then calls pf_start.
pf_prepare() {
  umask 022
  pf=$1
  mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
  chown root:root "$pf/queue"
  chmod 755 "$pf" "$pf/etc" "$pf/queue"
  chown postfix "$pf/data"
  chmod 700 "$pf/data"
  cp /etc/postfix/master.cf /etc/postfix/dynamicmaps.cf "$pf/etc/"
  cp -r /etc/postfix/dynamicmaps.cf.d /etc/postfix/postfix-files /etc/postfix/postfix-files.d "$pf/etc/" 2>/dev/null || true
  pf_port=$(free_port)
}
# The main.cf lines every private instance has: its own directories, loopback IPv4 only, no local
# domains, its own log file.
pf_main_cf_base() {
  printf '%s\n' \
    "compatibility_level = 3.6" \
    "queue_directory = $pf/queue" \
    "data_directory = $pf/data" \
    "mail_owner = postfix" \
    "setgid_group = postdrop" \
    "inet_interfaces = 127.0.0.1" \
    "inet_protocols = ipv4" \
    "myhostname = pfbench.test" \
    "mydestination =" \
    "maillog_file = $pf/maillog" \
    "maillog_file_prefixes = $pf"
}
# Moves the smtpd from *:25 (which the system's Postfix may hold) to 127.0.0.1:$pf_port, starts the
# instance and waits for its greeting. The set-gid commands (postqueue -c, postdrop) refuse a config
# directory that the system main.cf does not list in alternate_config_directories (root's postfix -c
# does not need it): it is added to /etc/postfix/main.cf, saved to $main_cf_backup first, which
# stop_postfix restores.
pf_start() {
  local out i
  sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$pf_port inet n - n - - smtpd/" "$pf/etc/master.cf"
  grep -q "^127\.0\.0\.1:$pf_port[[:space:]]" "$pf/etc/master.cf" || die "no smtp inet line to move in /etc/postfix/master.cf"
  postconf -c "$pf/etc" -F '*/*/chroot = n' >/dev/null
  main_cf_backup=$work/main.cf.system
  cp /etc/postfix/main.cf "$main_cf_backup"
  postconf -e "alternate_config_directories = $pf/etc"
  out=$(postfix -c "$pf/etc" check 2>&1) || die "postfix check failed: $out"
  out=$(postfix -c "$pf/etc" start 2>&1) || die "Postfix did not start: $out $(tail -5 "$pf/maillog" 2>/dev/null || true)"
  for i in $(seq 1 100); do greets "$pf_port" && break; sleep 0.1; done
  greets "$pf_port" || die "Postfix not listening on $pf_port: $(tail -5 "$pf/maillog" 2>/dev/null || true)"
}

# GET one URL with ApacheBench for SECONDS_PER_OP, CLIENTS keep-alive clients, Basic auth:
# "<name> ... <ops/s> ops/s  p99 <ms> ms  (<requests> requests, <failed> failed)"
ab_get() {
  local name=$1 url=$2 user=$3 pass=$4 out
  out=$(ab -k -q -c "$CLIENTS" -t "$SECONDS_PER_OP" -n 100000000 -A "$user:$pass" "$url" 2>&1) || die "ab against $name: $out"
  local rps p99 done failed non2xx
  rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' <<<"$out")
  p99=$(sed -n 's/^ *99% *\([0-9]*\).*/\1/p' <<<"$out")
  done=$(sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p' <<<"$out")
  failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' <<<"$out")
  non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' <<<"$out")
  printf '%-14s GET (ab) %9.1f ops/s  p99 %6s ms  (%s requests, %s failed, %s non-2xx)\n' \
    "$name" "$rps" "$p99" "$done" "${failed:-0}" "${non2xx:-0}"
}

# The DAV principal id of user $1 with password $2 at base URL $3 (empty when none answered).
dav_principal() {
  curl -s -u "$1:$2" -X PROPFIND -H 'Depth: 0' "$3/dav/" \
    --data '<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>' \
    | sed -n 's|.*/dav/principals/\([0-9a-f]*\)/.*|\1|p'
}

# MKCALENDAR of URL $3 as user $1 with password $2; dies unless it answers 201.
dav_mkcalendar() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "$1:$2" -X MKCALENDAR "$3")
  [ "$code" = 201 ] || die "MKCALENDAR of $3 answered $code"
}

# Unpacks and starts Postern in $1/postern with account bench@example.net and a DAV app
# password: sets pw, base (its HTTP URL) and principal (the account's DAV principal id).
start_postern_dav() {
  unpack_postern "$1/postern"
  start_karaf
  create_account bench@example.net dav "$1/postern.pw"
  pw=$(cat "$1/postern.pw")
  base=http://127.0.0.1:$http_port
  principal=$(dav_principal bench@example.net "$pw" "$base")
  [ -n "$principal" ] || die "no principal from Postern"
}
