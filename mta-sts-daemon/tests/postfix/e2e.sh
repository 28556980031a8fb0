#!/usr/bin/env bash
# End-to-end test of mta-stsd with a real Postfix, on loopback only.
#
#   bash mta-sts-daemon/tests/postfix/e2e.sh [path-to-mta-stsd]
#
# Without an argument the daemon is built with cargo (a no-op when it is up to date) and
# ${CARGO_TARGET_DIR:-target}/debug/mta-stsd is used. Needs root: it installs postfix, swaks,
# dnsmasq, nginx and python3-aiosmtpd from Debian when missing, then runs everything inside a
# private network, mount and PID namespace (only 127.0.0.0/8 exists there; every process dies
# with it). See README.md beside this file for the scenarios.
#
# Environment: E2E_KEEP=1 keeps the test directory (printed at the end) for inspection.
# shellcheck disable=SC2317  # trap handlers and helpers are reached indirectly
set -euo pipefail
umask 022
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin # postfix, postmap, nginx, dnsmasq, ip, ss

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)

# --------------------------------------------------------------------------------------------
# Outside the namespace: packages, the daemon binary, the test directory.
# --------------------------------------------------------------------------------------------
if [ -z "${MTA_STSD_E2E_INNER:-}" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "e2e.sh: must run as root (namespaces, Postfix, port 25)" >&2
        exit 2
    fi

    missing=()
    have() { command -v "$1" >/dev/null 2>&1; }
    { have postfix && have postmap; } || missing+=(postfix)
    have swaks || missing+=(swaks)
    have dnsmasq || missing+=(dnsmasq)
    have nginx || missing+=(nginx)
    /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
    { have ip && have ss; } || missing+=(iproute2)
    have openssl || missing+=(openssl)
    have unshare || missing+=(util-linux)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "e2e.sh: installing ${missing[*]}"
        # Postfix asks debconf questions: install it unconfigured (we bring our own config).
        printf '%s\n' \
            'postfix postfix/main_mailer_type select No configuration' \
            'postfix postfix/mailname string e2e.invalid' | debconf-set-selections
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi

    if [ $# -ge 1 ]; then
        BIN=$1
    else
        target=${CARGO_TARGET_DIR:-target}
        case $target in /*) ;; *) target=$ROOT/$target ;; esac
        BIN=$target/debug/mta-stsd
        if have cargo; then
            (cd "$ROOT" && cargo build -q -p mta-sts-daemon --bin mta-stsd --locked)
        elif [ ! -x "$BIN" ]; then
            echo "e2e.sh: $BIN is missing and cargo is not installed" >&2
            exit 2
        fi
    fi
    case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
    if [ ! -x "$BIN" ]; then
        echo "e2e.sh: no executable at $BIN" >&2
        exit 2
    fi

    # World-readable: Postfix's smtp (user postfix) reads the CA, nginx workers the policies.
    E2E_DIR=$(mktemp -d /tmp/mta-stsd-e2e.XXXXXX)
    chmod 755 "$E2E_DIR"
    cleanup_outer() {
        if [ "${E2E_KEEP:-}" = 1 ]; then
            echo "e2e.sh: kept $E2E_DIR"
        else
            rm -rf "$E2E_DIR"
        fi
    }
    trap cleanup_outer EXIT
    trap 'exit 130' INT TERM

    rc=0
    MTA_STSD_E2E_INNER=1 E2E_DIR=$E2E_DIR \
        unshare --net --mount --pid --fork --mount-proc bash "$HERE/e2e.sh" "$BIN" || rc=$?
    exit "$rc"
fi

# --------------------------------------------------------------------------------------------
# Inside the namespace (this shell is PID 1: everything it starts dies with it).
# --------------------------------------------------------------------------------------------
BIN=$1
D=$E2E_DIR
PY=/usr/bin/python3
START=$SECONDS
PASSED=0
FAILED=0
DAEMON_PID=
NGINX_PID=
DNSMASQ_PID=
MX_PID=
POSTFIX_UP=
PF=$D/postfix/etc
MAILLOG=$D/postfix/maillog
DLOG=$D/mta-stsd.log
STORE=$D/mx
MAP=socketmap:inet:127.0.0.1:8461:postfix

log() { printf "%s\n" "$*"; }

stop_pid() { # pid [timeout-seconds]: TERM, then KILL; returns 0 if it exited on TERM
    local pid=$1 limit=${2:-10} i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$POSTFIX_UP" ]; then
        postfix -c "$PF" stop >/dev/null 2>&1 || true
    fi
    stop_pid "$DAEMON_PID" 5 || true
    stop_pid "$NGINX_PID" 5 || true
    stop_pid "$DNSMASQ_PID" 5 || true
    stop_pid "$MX_PID" 5 || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

diagnostics() {
    echo "---- mail log (last 40 lines of $MAILLOG)"
    tail -n 40 "$MAILLOG" 2>/dev/null | sed 's/^/  | /' || true
    echo "---- mta-stsd log (last 40 lines of $DLOG)"
    tail -n 40 "$DLOG" 2>/dev/null | sed 's/^/  | /' || true
}

setup_fail() {
    echo "FAIL setup: $*"
    for f in "$D"/dnsmasq.log "$D"/nginx/error.log "$D"/mx.log; do
        [ -s "$f" ] || continue
        echo "---- $f (last 20 lines)"
        tail -n 20 "$f" | sed 's/^/  | /'
    done
    FAILED=$((FAILED + 1))
    summary
    exit 1
}

summary() {
    if [ "$FAILED" != 0 ]; then
        diagnostics
        [ "${E2E_KEEP:-}" = 1 ] || echo "(run with E2E_KEEP=1 to keep $D for inspection)"
    fi
    echo "e2e: finished in $((SECONDS - START)) s"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ] || exit 1
    exit 0
}

ok() {
    echo "ok $1"
    PASSED=$((PASSED + 1))
}

fail() { # name why [qid [domain]]
    local out rc=0
    echo "FAIL $1: $2"
    FAILED=$((FAILED + 1))
    if [ -n "${3:-}" ]; then
        echo "---- mail log lines of queue id $3 and of the smtp process that handled it"
        qid_lines "$3" | sed 's/^/  | /'
    fi
    if [ -n "${4:-}" ]; then
        out=$(timeout 30 postmap -c "$PF" -q "$4" "$MAP" 2>&1) || rc=$?
        echo "---- postmap -q $4 $MAP (now): exit $rc, output '$out'"
    fi
    echo "---- mta-stsd log (last 15 lines of $DLOG)"
    tail -n 15 "$DLOG" 2>/dev/null | sed 's/^/  | /' || true
}

wait_until() { # timeout-seconds command...: poll every 0.1 s
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
alive() { kill -0 "$1" 2>/dev/null; }

# ---- network namespace -----------------------------------------------------------------------
ip link set lo up
printf 'nameserver 127.0.0.53\noptions timeout:2 attempts:2\n' >"$D/resolv.conf"
mount --bind "$D/resolv.conf" /etc/resolv.conf

# ---- the test world ---------------------------------------------------------------------------
# domain | policy (mode, mx) | its MX host -> address, certificate
#   enforce.test    enforce, mx1.enforce.test       mx1.enforce.test    127.0.0.20  good
#   badcert.test    enforce, mx1.badcert.test       mx1.badcert.test    127.0.0.21  wrong name
#   testing.test    testing, mx1.testing.test       mx1.testing.test    127.0.0.22  wrong name
#   outside.test    enforce, mx.elsewhere.test      mx1.outside.test    127.0.0.23  good (own name)
#   selfsigned.test enforce, mx1.selfsigned.test    mx1.selfsigned.test 127.0.0.24  self-signed
#   nosts.test      (no _mta-sts record)            mx1.nosts.test      127.0.0.25  good
#   unreachable.test TXT, but nothing listens on its policy host (127.0.0.11)
#                                                   mx1.unreachable.test 127.0.0.26 good
POLICY_DOMAINS="enforce badcert testing outside selfsigned"
declare -A MODE=([enforce]=enforce [badcert]=enforce [testing]=testing [outside]=enforce [selfsigned]=enforce)
declare -A POLICY_MX=([enforce]=mx1.enforce.test [badcert]=mx1.badcert.test
    [testing]=mx1.testing.test [outside]=mx.elsewhere.test [selfsigned]=mx1.selfsigned.test)
declare -A MX_ADDR=([enforce]=127.0.0.20 [badcert]=127.0.0.21 [testing]=127.0.0.22
    [outside]=127.0.0.23 [selfsigned]=127.0.0.24 [nosts]=127.0.0.25 [unreachable]=127.0.0.26)
declare -A MX_CERT=([enforce]=good [badcert]=wrongname [testing]=wrongname [outside]=good
    [selfsigned]=selfsigned [nosts]=good [unreachable]=good)
ALL_DOMAINS="enforce badcert testing outside selfsigned nosts unreachable"

# ---- certificates -----------------------------------------------------------------------------
mkdir -p "$D/pki"
cat >"$D/pki/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
EOF
pki() { OPENSSL_CONF=$D/pki/openssl.cnf SAN=${SAN:-DNS:unused} openssl "$@" 2>>"$D/pki/openssl.log"; }
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
pki req -x509 "${EC[@]}" -keyout "$D/pki/ca.key" -out "$D/ca.pem" -days 2 \
    -subj "/CN=mta-stsd e2e test CA" -extensions ca || setup_fail "openssl: test CA"
leaf() { # name cn san...: a certificate signed by the test CA
    local name=$1 cn=$2 san
    shift 2
    san=$(printf 'DNS:%s,' "$@")
    pki req -new "${EC[@]}" -keyout "$D/pki/$name.key" -out "$D/pki/$name.csr" -subj "/CN=$cn" \
        || setup_fail "openssl: $name key"
    SAN=${san%,} pki x509 -req -in "$D/pki/$name.csr" -CA "$D/ca.pem" -CAkey "$D/pki/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$D/pki/openssl.cnf" \
        -extensions leaf -out "$D/pki/$name.pem" || setup_fail "openssl: $name certificate"
}
policy_hosts=()
for d in $POLICY_DOMAINS; do policy_hosts+=("mta-sts.$d.test"); done
leaf policy "${policy_hosts[0]}" "${policy_hosts[@]}"
for d in $ALL_DOMAINS; do
    case ${MX_CERT[$d]} in
        good) leaf "mx-$d" "mx1.$d.test" "mx1.$d.test" ;;
        wrongname) leaf "mx-$d" "mx.wrong-name.invalid" "mx.wrong-name.invalid" ;;
        selfsigned)
            SAN="DNS:mx1.$d.test" pki req -x509 "${EC[@]}" -keyout "$D/pki/mx-$d.key" \
                -out "$D/pki/mx-$d.pem" -days 2 -subj "/CN=mx1.$d.test" -extensions leaf \
                || setup_fail "openssl: self-signed certificate"
            ;;
    esac
done

# ---- DNS: dnsmasq on 127.0.0.53 ---------------------------------------------------------------
declare -A TXT_ID
for d in $POLICY_DOMAINS unreachable; do TXT_ID[$d]=e2e${d}1; done
start_dnsmasq() { # (re)writes the zone from TXT_ID and starts dnsmasq
    local d
    {
        echo "no-resolv"
        echo "no-hosts"
        echo "bind-interfaces"
        echo "listen-address=127.0.0.53"
        echo "port=53"
        echo "user=root"
        echo "local=/test/"
        echo "log-queries"
        echo "log-facility=$D/dnsmasq.log"
        for d in $POLICY_DOMAINS unreachable; do
            echo "txt-record=_mta-sts.$d.test,\"v=STSv1; id=${TXT_ID[$d]};\""
        done
        for d in $POLICY_DOMAINS; do
            echo "host-record=mta-sts.$d.test,127.0.0.10"
        done
        # A policy host where nothing listens.
        echo "host-record=mta-sts.unreachable.test,127.0.0.11"
        for d in $ALL_DOMAINS; do
            echo "mx-host=$d.test,mx1.$d.test,10"
            echo "host-record=mx1.$d.test,${MX_ADDR[$d]}"
        done
    } >"$D/dnsmasq.conf"
    dnsmasq --keep-in-foreground --conf-file="$D/dnsmasq.conf" --pid-file= 2>>"$D/dnsmasq.log" &
    DNSMASQ_PID=$!
    wait_until 10 getent hosts mx1.enforce.test || setup_fail "dnsmasq does not answer on 127.0.0.53"
}
start_dnsmasq

# ---- policy host: nginx on 127.0.0.10:443 -----------------------------------------------------
mkdir -p "$D/nginx/tmp"
for d in $POLICY_DOMAINS; do
    mkdir -p "$D/www/mta-sts.$d.test/.well-known"
    printf 'version: STSv1\nmode: %s\nmx: %s\nmax_age: 86400\n' "${MODE[$d]}" "${POLICY_MX[$d]}" \
        >"$D/www/mta-sts.$d.test/.well-known/mta-sts.txt"
done
cat >"$D/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log info;
events { worker_connections 64; }
http {
    access_log $D/nginx/access.log;
    client_body_temp_path $D/nginx/tmp/body;
    proxy_temp_path $D/nginx/tmp/proxy;
    fastcgi_temp_path $D/nginx/tmp/fastcgi;
    uwsgi_temp_path $D/nginx/tmp/uwsgi;
    scgi_temp_path $D/nginx/tmp/scgi;
    types { }
    default_type text/plain;
    server {
        listen 127.0.0.10:443 ssl;
        server_name _;
        ssl_certificate $D/pki/policy.pem;
        ssl_certificate_key $D/pki/policy.key;
        root $D/www/\$host;
    }
}
EOF
nginx -p "$D/nginx" -c "$D/nginx/nginx.conf" -e "$D/nginx/error.log" &
NGINX_PID=$!
wait_until 10 tcp_open 127.0.0.10 443 || setup_fail "nginx does not listen on 127.0.0.10:443"

# ---- MX hosts: aiosmtpd on 127.0.0.20-25:25 ---------------------------------------------------
mx_specs=()
for d in $ALL_DOMAINS; do
    mx_specs+=("${MX_ADDR[$d]},mx1.$d.test,$D/pki/mx-$d.pem,$D/pki/mx-$d.key")
done
mkdir -p "$STORE"
"$PY" "$HERE/mx.py" "$STORE" "${mx_specs[@]}" >>"$D/mx.log" 2>&1 &
MX_PID=$!
wait_until 15 test -e "$STORE/ready" || setup_fail "the aiosmtpd MX hosts did not start"

# ---- mta-stsd ---------------------------------------------------------------------------------
mkdir -p "$D/state"
DAEMON_CMD=("$BIN" --listen 127.0.0.1:8461 --state-dir "$D/state" --resolver 127.0.0.53
    --ca-file "$D/ca.pem")
start_daemon() {
    echo "=== $(date -u +%FT%TZ) starting: ${DAEMON_CMD[*]}" >>"$DLOG"
    "${DAEMON_CMD[@]}" 2>>"$DLOG" >>"$DLOG" &
    DAEMON_PID=$!
    local i
    for ((i = 0; i < 150; i++)); do
        tcp_open 127.0.0.1 8461 && return 0
        alive "$DAEMON_PID" || return 1
        sleep 0.1
    done
    return 1
}

# ---- Postfix ----------------------------------------------------------------------------------
mkdir -p "$PF" "$D/postfix/queue" "$D/postfix/data"
chown postfix: "$D/postfix/data"
chmod 700 "$D/postfix/data"
cat >"$PF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $D/postfix/queue
data_directory = $D/postfix/data
maillog_file = $MAILLOG
maillog_file_prefixes = $D
myhostname = sender.e2e.invalid
mydomain = e2e.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_host_lookup = dns
smtp_dns_support_level = enabled
smtp_tls_security_level = may
smtp_tls_CAfile = $D/ca.pem
smtp_tls_policy_maps = $MAP
smtp_tls_loglevel = 1
smtp_tls_session_cache_database =
smtp_connection_cache_on_demand = no
smtputf8_enable = no
biff = no
# Deferred mail must not be retried while the test runs.
queue_run_delay = 3600s
minimal_backoff_time = 3600s
maximal_backoff_time = 3600s
delay_warning_time = 0h
EOF
# Chroot off everywhere; smtp handles one delivery per process so that no TLS policy
# survives in a process between scenarios.
cat >"$PF/master.cf" <<'EOF'
127.0.0.1:smtp inet n - n - - smtpd
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp -o max_use=1
relay      unix  - - n -    - smtp -o max_use=1
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
local      unix  - n n -    - local
virtual    unix  - n n -    - virtual
lmtp       unix  - - n -    - lmtp
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
postfix -c "$PF" check >>"$D/postfix/start.log" 2>&1 || setup_fail "postfix check: $(tail -n 5 "$D/postfix/start.log")"

# ---- helpers for the scenarios ----------------------------------------------------------------
qid_lines() { # qid: the queue id's log lines, and those of the smtp processes that handled it
    local qid=$1 pids
    pids=$(grep -E "\]: $qid: " "$MAILLOG" 2>/dev/null | sed -nE 's/.*postfix\/smtp\[([0-9]+)\]: .*/\1/p' | sort -u) || true
    grep -E "\]: $qid: |postfix/smtp\[(${pids//$'\n'/|}|none)\]: " "$MAILLOG" 2>/dev/null || true
}

SEND_N=0
send() { # domain -> sets QID and MSGID (a unique header value), or returns 1
    local rcpt=user@$1 out
    SEND_N=$((SEND_N + 1))
    MSGID="e2e-$SEND_N-$RANDOM$RANDOM"
    QID=
    out=$(swaks --server 127.0.0.1:25 --from "sender@e2e.invalid" --to "$rcpt" \
        --helo client.e2e.invalid --header "X-E2E-Id: $MSGID" \
        --header "Subject: mta-stsd e2e $MSGID" --body "test message $MSGID" 2>&1) || {
        echo "swaks to $rcpt failed: $(printf '%s\n' "$out" | tail -n 3)"
        return 1
    }
    QID=$(printf '%s\n' "$out" | sed -nE 's/.*queued as ([0-9A-Za-z]+).*/\1/p' | head -n 1)
    [ -n "$QID" ] || { echo "no queue id in swaks output"; return 1; }
}

delivery_status() { # qid rcpt: waits for the delivery attempt; sets STATUS_LINE, STATUS, DSN, SMTP_PID
    local qid=$1 rcpt=$2 i
    STATUS_LINE=
    for ((i = 0; i < 300; i++)); do
        STATUS_LINE=$(grep -E "\]: $qid: to=<$rcpt>.* status=" "$MAILLOG" 2>/dev/null | head -n 1) || true
        [ -n "$STATUS_LINE" ] && break
        sleep 0.1
    done
    [ -n "$STATUS_LINE" ] || return 1
    STATUS=$(sed -nE 's/.* status=([a-z]+).*/\1/p' <<<"$STATUS_LINE")
    DSN=$(sed -nE 's/.* dsn=([0-9.]+),.*/\1/p' <<<"$STATUS_LINE")
    SMTP_PID=$(sed -nE 's/.*postfix\/smtp\[([0-9]+)\]: .*/\1/p' <<<"$STATUS_LINE")
}

stored_at() { # msgid: the MX store directories holding the message, space-separated
    local files
    files=$(grep -rlF --include='*.eml' "X-E2E-Id: $1" "$STORE" 2>/dev/null) || true
    [ -n "$files" ] || return 0
    sed -E "s|^$STORE/([^/]+)/.*|\1|" <<<"$files" | sort -u | paste -sd ' '
}

# expect_delivered scenario domain tls-kind mx-host
#   tls-kind: Verified|Trusted|Untrusted|any — the smtp process's "<kind> TLS connection" line
expect_delivered() {
    local name=$1 domain=$2 kind=$3 mx=$4 where tlsline
    send "$domain" || { fail "$name" "could not inject mail to user@$domain"; return; }
    delivery_status "$QID" "user@$domain" || {
        fail "$name" "no delivery attempt for queue id $QID within 30 s" "$QID" "$domain"
        return
    }
    if [ "$STATUS" != sent ]; then
        fail "$name" "expected status=sent, got: ${STATUS_LINE#*: "$QID": }" "$QID" "$domain"
        return
    fi
    tlsline=$(grep -E "postfix/smtp\[$SMTP_PID\]: [A-Za-z]+ TLS connection established to $mx\[" "$MAILLOG" | head -n 1) || true
    if [ -z "$tlsline" ]; then
        fail "$name" "sent, but no TLS connection established to $mx logged" "$QID" "$domain"
        return
    fi
    if [ "$kind" != any ] && ! grep -q " $kind TLS connection established" <<<"$tlsline"; then
        fail "$name" "expected '$kind TLS connection', got: ${tlsline#*]: }" "$QID" "$domain"
        return
    fi
    where=$(stored_at "$MSGID")
    if [ "$where" != "$mx" ]; then
        fail "$name" "sent, but the message is stored at '${where:-nowhere}' instead of $mx" "$QID" "$domain"
        return
    fi
    if ! grep -qE '^X-E2E-TLS: .*TLSv1' "$(grep -rlF "X-E2E-Id: $MSGID" "$STORE/$mx")"; then
        fail "$name" "the message reached $mx without STARTTLS" "$QID" "$domain"
        return
    fi
    ok "$name"
}

# expect_deferred scenario domain reason-regex
expect_deferred() {
    local name=$1 domain=$2 reason=$3 where
    send "$domain" || { fail "$name" "could not inject mail to user@$domain"; return; }
    delivery_status "$QID" "user@$domain" || {
        fail "$name" "no delivery attempt for queue id $QID within 30 s" "$QID" "$domain"
        return
    }
    if [ "$STATUS" != deferred ] || [ "$DSN" != 4.7.5 ]; then
        fail "$name" "expected status=deferred dsn=4.7.5, got: ${STATUS_LINE#*: "$QID": }" "$QID" "$domain"
        return
    fi
    if ! grep -qE "$reason" <<<"$(qid_lines "$QID")"; then
        fail "$name" "deferred 4.7.5, but no log line matches /$reason/" "$QID" "$domain"
        return
    fi
    where=$(stored_at "$MSGID")
    if [ -n "$where" ]; then
        fail "$name" "deferred, yet the message is stored at $where" "$QID" "$domain"
        return
    fi
    ok "$name"
}

# expect_map scenario key expected-data: postmap -q as Postfix's smtp asks
expect_map() {
    local name=$1 key=$2 want=$3 out err rc=0
    out=$(timeout 30 postmap -c "$PF" -q "$key" "$MAP" 2>"$D/postmap.err") || rc=$?
    err=$(cat "$D/postmap.err")
    if [ "$rc" != 0 ] || [ -n "$err" ]; then
        fail "$name" "postmap -q $key: exit $rc, stdout '$out', stderr '$err' (want '$want')"
    elif [ "$out" != "$want" ]; then
        fail "$name" "postmap -q $key replied '$out', want '$want'"
    else
        ok "$name"
    fi
}

expect_map_notfound() {
    local name=$1 key=$2 out err rc=0
    out=$(timeout 30 postmap -c "$PF" -q "$key" "$MAP" 2>"$D/postmap.err") || rc=$?
    err=$(cat "$D/postmap.err")
    if [ "$rc" != 1 ] || [ -n "$out" ] || [ -n "$err" ]; then
        fail "$name" "postmap -q $key: exit $rc, stdout '$out', stderr '$err' (want no result: exit 1, no output)"
    else
        ok "$name"
    fi
}

# expect_map_stream scenario expected-output key...: several lookups on one connection, as a
# long-lived smtp process makes them (postmap -q - prints "key<TAB>data" for each found key)
expect_map_stream() {
    local name=$1 want=$2 out err rc=0
    shift 2
    out=$(printf '%s\n' "$@" | timeout 30 postmap -c "$PF" -q - "$MAP" 2>"$D/postmap.err") || rc=$?
    err=$(cat "$D/postmap.err")
    if [ "$rc" != 0 ] || [ -n "$err" ] || [ "$out" != "$want" ]; then
        fail "$name" "postmap -q - with keys '$*': exit $rc, stdout '$out', stderr '$err' (want exit 0 and '$want')"
    else
        ok "$name"
    fi
}

# ---- run --------------------------------------------------------------------------------------
start_daemon || setup_fail "mta-stsd did not accept connections on 127.0.0.1:8461 within 15 s"
postfix -c "$PF" start >>"$D/postfix/start.log" 2>&1 || setup_fail "postfix start: $(tail -n 5 "$D/postfix/start.log")"
POSTFIX_UP=1
wait_until 15 tcp_open 127.0.0.1 25 || setup_fail "postfix does not listen on 127.0.0.1:25"
log "e2e: setup done in $((SECONDS - START)) s ($D)"

# Nothing listens outside 127.0.0.0/8 (and nothing on IPv6).
bad=$(ss -Hlntu | awk '{print $5}' | grep -vE '^127\.' || true)
if [ -n "$bad" ]; then fail loopback-only "listeners outside 127.0.0.0/8: $(paste -sd ' ' <<<"$bad")"; else ok loopback-only; fi

# The socketmap replies, exactly as Postfix's smtp reads them.
expect_map postmap-enforce enforce.test "secure match=mx1.enforce.test servername=hostname"
expect_map postmap-outside outside.test "secure match=mx.elsewhere.test servername=hostname"
expect_map_notfound postmap-no-sts nosts.test
# Postfix also asks the parent-domain form after a NOTFOUND, and bracketed next hops.
expect_map_notfound postmap-parent-form .test
expect_map_notfound postmap-bracketed '[127.0.0.20]:25'
expect_map_stream postmap-one-connection \
    "$(printf 'enforce.test\tsecure match=mx1.enforce.test servername=hostname\nbadcert.test\tsecure match=mx1.badcert.test servername=hostname')" \
    enforce.test nosts.test .test badcert.test

# Deliveries.
expect_delivered enforce enforce.test Verified mx1.enforce.test
expect_deferred badcert badcert.test 'Server certificate not verified|certificate verification failed'
expect_delivered testing testing.test any mx1.testing.test
expect_deferred outside outside.test 'Server certificate not verified|certificate verification failed|not allowed by'
expect_deferred selfsigned selfsigned.test 'Server certificate not verified|certificate verification failed'
expect_delivered no-sts nosts.test any mx1.nosts.test
# A _mta-sts record but no policy can be fetched, and none is cached: deliver as though the
# domain had no MTA-STS (RFC 8461 section 3.3); the daemon must not defer it.
expect_delivered fetch-fails-no-cache unreachable.test any mx1.unreachable.test

# The daemon down: Postfix defers (TLS policy lookup fails), even for a domain it knew.
if stop_pid "$DAEMON_PID" 10; then stop_note=; else stop_note=" (mta-stsd ignored SIGTERM for 10 s and was killed)"; fi
DAEMON_PID=
expect_deferred daemon-down enforce.test 'TLS configuration problem|TLS policy lookup'
if [ -n "$stop_note" ]; then fail daemon-stop "$stop_note"; fi

# The policy host down and the daemon restarted on the same state directory: enforce holds
# from the persisted cache.
stop_pid "$NGINX_PID" 10 || true
NGINX_PID=
if tcp_open 127.0.0.10 443; then setup_fail "nginx still listens after it was stopped"; fi
start_daemon || setup_fail "mta-stsd did not restart (same --state-dir)"
expect_map persisted-postmap badcert.test "secure match=mx1.badcert.test servername=hostname"
expect_deferred persisted-badcert badcert.test 'Server certificate not verified|certificate verification failed'
expect_delivered persisted-enforce enforce.test Verified mx1.enforce.test

# Extra: a new policy id while the policy host is down. The fetch of the new policy fails,
# so the cached policy goes on applying (RFC 8461 section 3.3). The daemon answers from its
# cache and re-checks the TXT record in the background when the last check is older than
# recheck-interval: restart it with recheck-interval = 1 so that it re-checks now.
new_id_scenario() {
    local name=new-id-fetch-fails mark i out
    stop_pid "$DAEMON_PID" 10 || true
    DAEMON_PID=
    stop_pid "$DNSMASQ_PID" 10 || true
    TXT_ID[badcert]=e2ebadcert2
    start_dnsmasq
    mark=$(wc -l <"$D/dnsmasq.log")
    printf 'recheck-interval = 1\n' >"$D/recheck.toml"
    DAEMON_CMD+=(--config "$D/recheck.toml")
    start_daemon || setup_fail "mta-stsd did not restart with --config $D/recheck.toml"
    out=$(timeout 30 postmap -c "$PF" -q badcert.test "$MAP" 2>&1) || true
    if [ "$out" != "secure match=mx1.badcert.test servername=hostname" ]; then
        fail "$name" "with the policy host down, badcert.test answered '$out' right after the restart"
        return
    fi
    # The re-check: a TXT query for the new id, then the attempt to fetch the new policy.
    # An answer starts it once the policy's last check is recheck-interval old (policies
    # loaded at start count as checked up to an interval before), so keep asking.
    if ! wait_until 10 asked_and_logged badcert.test "$mark" 'query\[TXT\] _mta-sts\.badcert\.test'; then
        fail "$name" "mta-stsd did not re-check _mta-sts.badcert.test within 10 s (recheck-interval = 1)"
        return
    fi
    if ! wait_until 10 logged_since "$D/dnsmasq.log" "$mark" 'query\[A+\] mta-sts\.badcert\.test'; then
        fail "$name" "mta-stsd saw the new id of badcert.test but did not try to fetch the new policy within 10 s"
        return
    fi
    # The fetch fails at once (connection refused); the answer must stay the cached policy.
    for ((i = 0; i < 10; i++)); do
        sleep 0.1
        out=$(timeout 30 postmap -c "$PF" -q badcert.test "$MAP" 2>&1) || true
        if [ "$out" != "secure match=mx1.badcert.test servername=hostname" ]; then
            fail "$name" "after the failed fetch of the new policy (id e2ebadcert2), badcert.test answered '$out'"
            return
        fi
    done
    expect_deferred "$name" badcert.test 'Server certificate not verified|certificate verification failed'
}
asked_and_logged() { # domain line-count regex: ask the daemon for domain, then logged_since
    timeout 30 postmap -c "$PF" -q "$1" "$MAP" >/dev/null 2>&1 || true
    logged_since "$D/dnsmasq.log" "$2" "$3"
}
logged_since() { # file line-count regex: the regex matches a line after the first line-count lines
    awk -v m="$2" -v re="$3" 'NR > m && $0 ~ re { found = 1 } END { exit !found }' "$1"
}
new_id_scenario

summary
