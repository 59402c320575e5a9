#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DHCP benchmark: bootherd against kea-dhcp4 (memfile, persist) and dnsmasq, all in the same run,
# with one client for every server: perfdhcp (Kea's load generator). For each server it finds
# the highest DISCOVER rate at which no more than MAX_DROP percent of the DORA exchanges are
# lost (a doubling ladder of short trials, then a bisection), and reports the DORA exchanges
# completed per second at that rate and the server's CPU per 1000 of them. Every trial starts the
# server afresh on an empty lease store. REPS repetitions, the servers interleaved within each;
# prints medians and the ratios bootherd/kea and bootherd/dnsmasq, and writes
# build/bench/dhcp.{txt,json,raw.tsv}. See bench/README.md (## bench/dhcp.sh) for the method.
#
# The network: two network namespaces of its own joined by a veth pair, the server on 10.88.0.1/16,
# perfdhcp on 10.88.0.2/16 at the other end; both go when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

die() { echo "bench/dhcp: $*" >&2; exit 1; }
note() { printf 'bench/dhcp: %s\n' "$*" >&2; }

# Knobs. REPS and BH_LOG_LEVEL mean what they mean in bench/tftp.sh and bench/http.sh.
REPS=${REPS:-3}                          # repetitions of the whole search, every server
DHCP_SERVERS=${DHCP_SERVERS:-${BENCH_SERVERS:-"bootherd kea dnsmasq"}}
RATES=${RATES:-"500 2000 8000 16000 32000"}  # the ladder of DISCOVER rates (/s)
BISECT=${BISECT:-3}                      # bisection steps between the last rung passed and the first failed
RETRY=${RETRY:-1}                        # a failed trial is run again this many times; one pass passes
MAX_DROP=${MAX_DROP:-2.5}                # % of DORA exchanges that may be lost at a passing rate
TRIAL_SECS=${TRIAL_SECS:-5}              # length of one trial in whole seconds (perfdhcp -p) ...
MAX_EXCHANGES=${MAX_EXCHANGES:-50000}    # ... shortened (to 1 s at least) to start no more exchanges than this
CLIENTS=${CLIENTS:-100000}               # perfdhcp -R: distinct client MACs
DROP_TIME=${DROP_TIME:-1}                # perfdhcp -d: seconds after which an unanswered message is lost
PERFDHCP_THREADS=${PERFDHCP_THREADS:-single}  # perfdhcp -g: single or multi
KEA_THREADS=${KEA_THREADS:-0}            # 0: Kea's default (2.2: multi-threading off); N: on, N threads
BH_LOG_LEVEL=${BH_LOG_LEVEL:-warn}
BH_LEASE_SYNC=${BH_LEASE_SYNC:-full}     # bootherd's dhcp.lease_sync: full (fsync at each commit) or normal
START_TIMEOUT=${START_TIMEOUT:-10}       # seconds for a server to answer its first DORA

# perfdhcp's exit wait (-W, microseconds) is its drop time: a late answer still counts. Its
# timeout leaves it ample time.
WAIT_US=$(awk -v d="$DROP_TIME" 'BEGIN { printf "%d\n", d * 1e6 }')
PD_TIMEOUT=$(awk -v p="$TRIAL_SECS" -v d="$DROP_TIME" 'BEGIN { printf "%d\n", p + d + 30 }')

OUT=$ROOT/build/bench
BH=${BOOTHERD:-$ROOT/build/bootherd}
POOL_FIRST=10.88.1.0
POOL_LAST=10.88.250.255
POOL_SIZE=$((250 * 256))

# What it needs, from the distribution: perfdhcp is in kea-admin, ethtool turns veth checksum
# offload off.
[[ -n "${BENCH_DHCP_NO_DEPS:-}" ]] ||
	scripts/deps.sh kea-dhcp4-server kea-admin dnsmasq-base iproute2 ethtool util-linux
for t in perfdhcp kea-dhcp4 dnsmasq ip ethtool ss flock timeout awk; do
	command -v "$t" >/dev/null || die "$t is missing: run bench/run.sh (it installs what is needed)"
done
((EUID == 0)) || die "run as root: the bench makes network namespaces"

declare -A LABEL=([bootherd]="bootherd" [kea]="kea-dhcp4" [dnsmasq]="dnsmasq")
read -r -a SV <<<"$DHCP_SERVERS"
((${#SV[@]})) || die "no servers (DHCP_SERVERS is empty)"
for s in "${SV[@]}"; do
	[[ -n "${LABEL[$s]:-}" ]] || die "unknown server '$s' (known: bootherd kea dnsmasq)"
done
[[ " $DHCP_SERVERS " != *" bootherd "* || -x "$BH" ]] || die "$BH is missing: make -C $ROOT"
case $PERFDHCP_THREADS in single | multi) ;; *) die "PERFDHCP_THREADS is single or multi" ;; esac
((MAX_EXCHANGES < POOL_SIZE)) || die "MAX_EXCHANGES must stay below the pool's $POOL_SIZE addresses"

TMP=$OUT/dhcp-tmp
LOGS=$OUT/logs/dhcp
mkdir -p "$LOGS"
# One run at a time: a second would share these directories and the machine's CPUs.
exec {lock_fd}>"$OUT/.dhcp.lock"
flock -n "$lock_fd" || die "another bench/dhcp.sh is running (lock $OUT/.dhcp.lock)"
rm -rf "${TMP:?}" "${LOGS:?}/"*
mkdir -p "$TMP"
# Every trial runs the same build, even if `make` replaces build/bootherd meanwhile.
if [[ " $DHCP_SERVERS " == *" bootherd "* ]]; then
	cp "$BH" "$TMP/bootherd"
	BH=$TMP/bootherd
fi
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown) # the tree at that moment
RAW=$TMP/dhcp.raw.tsv
BEST=$TMP/dhcp.best.tsv
JSON=$OUT/dhcp.json
TABLE=$OUT/dhcp.txt

# --- The network: server and client namespaces, a veth pair between them. -----------------------
# Names carry the PID: several runs (or other sessions' namespaces) cannot collide.
NS_S=bhdhcp-s$$
NS_C=bhdhcp-c$$
IF_S=bhd$$s
IF_C=bhd$$c
PID=
SERVER=

stop_server() {
	local i
	[[ -n "$PID" ]] || return 0
	kill "$PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$PID" 2>/dev/null && { note "${LABEL[$SERVER]} ignored SIGTERM for 5 s: SIGKILL"; kill -KILL "$PID" 2>/dev/null; }
	wait "$PID" 2>/dev/null || true
	PID=
}

cleanup() {
	local p
	trap - EXIT INT TERM
	stop_server
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" addr add 10.88.0.1/16 dev "$IF_S"
ip -n "$NS_C" addr add 10.88.0.2/16 dev "$IF_C"
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
# Checksums finished by the sender: with TX offload a veth hands on UDP datagrams whose checksum
# is still partial, which packet-socket readers (Kea, perfdhcp) see as wrong.
ip netns exec "$NS_S" ethtool -K "$IF_S" tx off >/dev/null
ip netns exec "$NS_C" ethtool -K "$IF_C" tx off >/dev/null

# --- Counters. ----------------------------------------------------------------------------------
TCK=$(getconf CLK_TCK)
cpu_ticks() { # PID -> utime+stime of every thread, in clock ticks (/proc/PID/stat)
	local st
	st=$(<"/proc/$1/stat") 2>/dev/null || { echo 0; return; }
	st=${st##*) }
	awk '{ print $12 + $13 }' <<<"$st"
}
busy_ticks() { # the machine's busy time, all CPUs (user, nice, system, irq, softirq, steal)
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
rcvbuf_errs() { # NETNS -> UDP RcvbufErrors of that namespace
	# shellcheck disable=SC2016 # awk's program, not the shell's
	ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' \
		/proc/net/snmp
}

# --- Servers: each trial starts one afresh, on an empty lease store in its own folder. ----------
launch() { # COMMAND... (in the server namespace; stdout and stderr to logs/dhcp/SERVER.log)
	(exec ip netns exec "$NS_S" "$@" {lock_fd}>&-) >>"$LOGS/$SERVER.log" 2>&1 &
	PID=$!
}

write_configs() { # DIR: the configuration files of every server, leases and state under DIR
	local d=$1 mt=
	((KEA_THREADS > 0)) &&
		mt="\"multi-threading\": { \"enable-multi-threading\": true, \"thread-pool-size\": $KEA_THREADS, \"packet-queue-size\": 64 },"
	cat >"$d/bootherd.yaml" <<-EOF
		listen: 0.0.0.0
		log: {level: $BH_LOG_LEVEL}
		tftp: {enabled: false}
		http: {enabled: false}
		dhcp:
		  enabled: true
		  interfaces: [$IF_S]
		  lease_db: $d/leases.sqlite
		  lease_sync: $BH_LEASE_SYNC
		  lease_time: 3600
		  subnets:
		    - subnet: 10.88.0.0/16
		      pools: [$POOL_FIRST-$POOL_LAST]
		      router: 10.88.0.1
	EOF
	# Kea as packaged, but for the paths: memfile with persist (every lease change appended to
	# the CSV file), lease file cleanup off, logs at WARN.
	cat >"$d/kea.json" <<-EOF
		{ "Dhcp4": {
		  "interfaces-config": { "interfaces": [ "$IF_S" ] },
		  "lease-database": { "type": "memfile", "persist": true, "name": "$d/kea-leases.csv",
		                      "lfc-interval": 0 },
		  "valid-lifetime": 3600,
		  $mt
		  "subnet4": [ { "id": 1, "subnet": "10.88.0.0/16",
		                 "pools": [ { "pool": "$POOL_FIRST - $POOL_LAST" } ],
		                 "option-data": [ { "name": "routers", "data": "10.88.0.1" } ] } ],
		  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
		                 "output_options": [ { "output": "$LOGS/kea.log" } ] } ]
		} }
	EOF
}

# One DISCOVER from a MAC outside the trial's range: the server is up when it answers with an
# OFFER. (perfdhcp -n 1 counts its REQUEST's ACK lost whatever the -W, and without -r it sends as
# fast as it can during -W: so a rate, and the OFFER as the sign.)
probe() {
	ip netns exec "$NS_C" timeout -k 1 5 perfdhcp -4 -g single -l "$IF_C" -b mac=02:00:00:00:00:01 \
		-r 10 -n 1 -d 0.5 -W 200000 >"$TMP/probe.out" 2>&1 || true
	awk '/^received packets:/ { exit !($3 > 0) }' "$TMP/probe.out"
}

start_server() { # SERVER -> 0 when it answered a first DORA within START_TIMEOUT s
	local s=$1 d=$TMP/run i l0
	SERVER=$s
	rm -rf "$d"
	mkdir -p "$d"
	write_configs "$d"
	echo "=== $(date -u +%H:%M:%S) start" >>"$LOGS/$s.log"
	l0=$(wc -l <"$LOGS/$s.log")
	case $s in
	bootherd)
		launch "$BH" serve -c "$d/bootherd.yaml"
		;;
	kea)
		launch env KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" kea-dhcp4 -c "$d/kea.json"
		;;
	dnsmasq)
		# --keep-in-foreground rather than --no-daemon: the latter is debug mode, which logs every
		# message to stderr. --quiet-dhcp: no log line per DHCP message (warnings remain).
		launch dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --port=0 \
			--no-ping --quiet-dhcp --dhcp-authoritative --dhcp-lease-max=200000 \
			--dhcp-range="$POOL_FIRST,$POOL_LAST,255.255.0.0,3600" --dhcp-option=3,10.88.0.1 \
			--interface="$IF_S" --bind-interfaces --dhcp-leasefile="$d/dnsmasq.leases" \
			--log-facility="$LOGS/dnsmasq.log"
		;;
	esac
	# Up when it has a socket (UDP or packet) in the namespace, or says "ready" (bootherd, at log
	# level info); then the probe decides.
	for ((i = 0; i < START_TIMEOUT * 20; i++)); do
		kill -0 "$PID" 2>/dev/null || return 1
		[[ $(ss -N "$NS_S" -Hanpu0) == *"pid=$PID,"* ]] && break
		[[ $(tail -n +$((l0 + 1)) "$LOGS/$s.log") == *ready* ]] && break
		sleep 0.05
	done
	for ((i = 0; i < START_TIMEOUT; i++)); do
		kill -0 "$PID" 2>/dev/null || return 1
		probe && return 0
	done
	return 1
}

# --- One trial: a fresh server, perfdhcp at RATE for TRIAL_SECS (or MAX_EXCHANGES), a RAW line. --
# RAW columns: trial rep server rate dur_s ok why do_sent do_rcvd ra_sent ra_rcvd drop_pct dora_s
# srv_cpu_s cli_cpu_s interval_s cli_rcvbuf srv_rcvbuf orphans perfdhcp_rc other_cpu_s
# (drop_pct: DORA exchanges started but not completed, over those started; dora_s: completed
# REQUEST-ACK exchanges per second of the trial; interval_s: the seconds over which the CPU
# counters were read, perfdhcp's start to its end, exit wait included; cli_rcvbuf, srv_rcvbuf: UDP
# datagrams the kernel dropped for a full receive buffer in the client's and the server's
# namespace; other_cpu_s: the machine's busy CPU time in the interval that is neither the server's
# nor perfdhcp's: other tenants, softirqs; why: ok, drop (too many lost), client (perfdhcp could
# not send at the rate), error (perfdhcp failed), nostart.)
printf 'trial\trep\tserver\trate\tdur_s\tok\twhy\tdo_sent\tdo_rcvd\tra_sent\tra_rcvd\tdrop_pct\tdora_s\tsrv_cpu_s\tcli_cpu_s\tinterval_s\tcli_rcvbuf\tsrv_rcvbuf\torphans\tperfdhcp_rc\tother_cpu_s\n' >"$RAW"
printf 'rep\tserver\ttrial\n' >"$BEST"
NTRIAL=0
LAST_OK=0
trial() { # SERVER REP RATE -> LAST_OK=1 when it passed; NTRIAL is its number
	local s=$1 rep=$2 rate=$3 dur c0 c1 k0 k1 e0 e1 b0 b1 t0 t1 rc=0 line f
	NTRIAL=$((NTRIAL + 1))
	LAST_OK=0
	# perfdhcp -p takes whole seconds: the most that keeps the trial within MAX_EXCHANGES, 1 at least.
	dur=$(awk -v p="$TRIAL_SECS" -v n="$MAX_EXCHANGES" -v r="$rate" 'BEGIN { d = int(n / r); d = d < p ? d : p; print d < 1 ? 1 : d }')
	if ! start_server "$s"; then
		note "${LABEL[$s]} rep $rep: no answer to a first DORA within ${START_TIMEOUT} s (see $LOGS/$s.log)"
		stop_server
		printf '%d\t%d\t%s\t%d\t%s\t0\tnostart\t0\t0\t0\t0\t100\t0\t0\t0\t0\t0\t0\t0\t-\t0\n' \
			"$NTRIAL" "$rep" "$s" "$rate" "$dur" >>"$RAW"
		return 2
	fi
	c0=$(cpu_ticks "$PID") k0=$(rcvbuf_errs "$NS_C") e0=$(rcvbuf_errs "$NS_S") b0=$(busy_ticks) t0=$EPOCHREALTIME
	# times: the CPU of this subshell's children, that is of perfdhcp.
	(
		r=0
		ip netns exec "$NS_C" timeout -k 5 "$PD_TIMEOUT" perfdhcp -4 -g "$PERFDHCP_THREADS" \
			-l "$IF_C" -R "$CLIENTS" -r "$rate" -p "$dur" -d "$DROP_TIME" -W "$WAIT_US" \
			>"$TMP/perfdhcp.out" 2>&1 || r=$?
		times >"$TMP/perfdhcp.times"
		exit "$r"
	) {lock_fd}>&- || rc=$?
	t1=$EPOCHREALTIME b1=$(busy_ticks) c1=$(cpu_ticks "$PID") k1=$(rcvbuf_errs "$NS_C") e1=$(rcvbuf_errs "$NS_S")
	kill -0 "$PID" 2>/dev/null || note "${LABEL[$s]} died during the trial at $rate/s: see $LOGS/$s.log"
	stop_server
	{ echo "=== ${LABEL[$s]} rep $rep rate $rate: perfdhcp exit $rc"; cat "$TMP/perfdhcp.out"; } >>"$LOGS/perfdhcp.log"
	# perfdhcp exits 3 when some exchanges were lost: only 0 and 3 come with statistics.
	line=$(awk -v OFS='\t' -v n="$NTRIAL" -v rep="$rep" -v s="$s" -v rate="$rate" -v dur="$dur" \
		-v maxdrop="$MAX_DROP" -v c0="$c0" -v c1="$c1" -v tck="$TCK" -v t0="$t0" -v t1="$t1" \
		-v k="$((k1 - k0))" -v e="$((e1 - e0))" -v b="$((b1 - b0))" -v rc="$rc" -v times="$TMP/perfdhcp.times" '
		function secs(v,    a) { split(v, a, "m"); sub("s", "", a[2]); return a[1] * 60 + a[2] }
		/Statistics for: DISCOVER-OFFER/ { blk = "do" }
		/Statistics for: REQUEST-ACK/ { blk = "ra" }
		blk != "" && /^sent packets:/ { sent[blk] = $3 }
		blk != "" && /^received packets:/ { rcvd[blk] = $3 }
		blk != "" && /^orphans:/ { orph += $2 }
		END {
			cli = 0
			if ((getline tl < times) > 0 && (getline tl < times) > 0) { split(tl, f, " "); cli = secs(f[1]) + secs(f[2]) }
			target = rate * dur
			dos = sent["do"] + 0; ra = rcvd["ra"] + 0
			drop = dos > 0 ? 100 * (dos - ra) / dos : 100
			why = "ok"
			if (!("do" in sent) || (rc != 0 && rc != 3)) why = "error"
			else if (dos < target * (1 - maxdrop / 100)) why = "client"
			else if (drop > maxdrop) why = "drop"
			print n, rep, s, rate, dur, why == "ok", why, dos, rcvd["do"] + 0, sent["ra"] + 0, ra,
			      sprintf("%.3f", drop), sprintf("%.1f", ra / dur), sprintf("%.2f", (c1 - c0) / tck),
			      sprintf("%.2f", cli), sprintf("%.3f", t1 - t0), k, e, orph + 0, rc,
			      sprintf("%.2f", b / tck - (c1 - c0) / tck - cli)
		}' "$TMP/perfdhcp.out")
	echo "$line" >>"$RAW"
	IFS=$'\t' read -r -a f <<<"$line"
	note "$(printf '%-9s rep %d: %6d/s for %5.2f s: %7.0f DORA/s, %6.2f%% lost, server %5.2f CPU-s, perfdhcp %5.2f: %s' \
		"${LABEL[$s]}" "$rep" "$rate" "$dur" "${f[12]}" "${f[11]}" "${f[13]}" "${f[14]}" "${f[6]}")"
	[[ "${f[6]}" != error ]] || sed 's/^/    perfdhcp: /' "$TMP/perfdhcp.out" | tail -3 >&2
	((f[5])) && LAST_OK=1
	return 0
}

# A rate, tried up to 1 + RETRY times until a trial passes: a burst of load from elsewhere on the
# machine can fail one trial, and should not end a search.
try_rate() { # SERVER REP RATE -> LAST_OK; 2 when the server did not start
	local i
	for ((i = 0; i <= RETRY; i++)); do
		((i == 0)) || note "${LABEL[$1]} rep $2: $3/s again"
		trial "$@" || return 2
		((LAST_OK)) && return 0
	done
	return 0
}

# The search for one server in one repetition: up the ladder while rates pass, then bisect
# between the last rung passed and the first failed (between 0 and the first rung when even that
# one failed). The best is the highest passing rate; its trial is written to BEST.
search() { # SERVER REP
	local s=$1 rep=$2 r lo=0 hi=0 lo_trial=0 mid i
	for r in $RATES; do
		try_rate "$s" "$rep" "$r" || { printf '%d\t%s\t0\n' "$rep" "$s" >>"$BEST"; return; }
		if ((LAST_OK)); then
			lo=$r lo_trial=$NTRIAL
		else
			hi=$r
			break
		fi
	done
	if ((hi > 0)); then
		for ((i = 0; i < BISECT; i++)); do
			mid=$(((lo + hi) / 2))
			((mid >= 100)) && mid=$(((mid + 25) / 50 * 50))
			((mid > lo && mid < hi)) || break
			try_rate "$s" "$rep" "$mid" || break
			if ((LAST_OK)); then lo=$mid lo_trial=$NTRIAL; else hi=$mid; fi
		done
	else
		note "${LABEL[$s]} rep $rep: every rate of the ladder passed (up to $lo/s): raise RATES"
	fi
	printf '%d\t%s\t%d\n' "$rep" "$s" "$lo_trial" >>"$BEST"
	note "${LABEL[$s]} rep $rep: best ${lo}/s"
}

# --- The run. -----------------------------------------------------------------------------------
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
T_START=$EPOCHSECONDS
note "servers: ${DHCP_SERVERS}; ladder ${RATES// /, } /s, $BISECT bisection steps, ${TRIAL_SECS} s trials (at most $MAX_EXCHANGES exchanges), pass: <= ${MAX_DROP}% lost, $RETRY retry"
rotated() { # REP -> the servers, rotated by REP
	local n=${#SV[@]} i
	for ((i = 0; i < n; i++)); do printf '%s ' "${SV[(i + $1 - 1) % n]}"; done
}
for ((rep = 1; rep <= REPS; rep++)); do
	for s in $(rotated "$rep"); do search "$s" "$rep"; done
done
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
note "$NTRIAL trials in $((EPOCHSECONDS - T_START)) s"

# --- Medians, the table and the JSON. -----------------------------------------------------------
labels=
for s in "${SV[@]}"; do labels+="$s=${LABEL[$s]} "; done
ver() { { "$@" 2>&1 || true; } | head -1 | grep -o '[0-9][0-9.]*[0-9]' | head -1 || true; }
awk -F'\t' -v servers="$DHCP_SERVERS" -v labels="$labels" -v json="$TMP/dhcp.json" -v reps="$REPS" \
	-v rates="$RATES" -v bisect="$BISECT" -v retry="$RETRY" -v maxdrop="$MAX_DROP" -v secs="$TRIAL_SECS" \
	-v maxex="$MAX_EXCHANGES" -v clients="$CLIENTS" -v droptime="$DROP_TIME" -v pdthreads="$PERFDHCP_THREADS" \
	-v keathreads="$KEA_THREADS" -v bhsync="$BH_LEASE_SYNC" -v bestf="$BEST" -v pdv="$(ver perfdhcp -v)" -v keav="$(ver kea-dhcp4 -v)" -v dnsv="$(ver dnsmasq -v)" \
	-v load0="$LOAD0" -v load1="$LOAD1" -v kernel="$(uname -r)" -v ncpu="$(nproc)" \
	-v model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	-v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v rev="$REV" "$BENCH_AWK_LIB"'
BEGIN {
	ns = split(servers, S, " ")
	split(labels, L, " "); for (i in L) { split(L[i], kv, "="); lab[kv[1]] = kv[2] }
	nr = split(rates, RT, " "); for (i = 1; i <= nr; i++) rung[RT[i]] = 1
}
FILENAME == bestf { if (FNR > 1) { best[$1 SUBSEP $2] = $3; isbest[$3] = 1 } next }
FNR == 1 { next }
{
	s = $3
	ntr[s]++
	if ($7 == "nostart") nostart[s]++
	# CPU per DORA at the rates of the ladder, passing trials only: the servers at equal load.
	if ($6 && ($4 in rung) && $11 > 0) atr[s SUBSEP $4] = atr[s SUBSEP $4] " " (1e6 * $14 / $11)
	if ($7 == "client") climited[s]++
	tr[s] = tr[s] sprintf("%s{\"trial\":%d,\"rep\":%d,\"rate\":%d,\"duration_s\":%s,\"passed\":%s,\"why\":\"%s\",\"discover_sent\":%d,\"offer_received\":%d,\"request_sent\":%d,\"ack_received\":%d,\"lost_pct\":%s,\"dora_per_s\":%s,\"server_cpu_s\":%s,\"perfdhcp_cpu_s\":%s,\"interval_s\":%s,\"client_rcvbuf_drops\":%d,\"server_rcvbuf_drops\":%d,\"orphans\":%d,\"other_cpu_s\":%s}",
		tr[s] == "" ? "" : ",", $1, $2, $4, $5, $6 ? "true" : "false", $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $21)
	if (!($1 in isbest)) next
	rep_ok[s]++
	mrate[s] = mrate[s] " " $4
	mdora[s] = mdora[s] " " $13
	mdrop[s] = mdrop[s] " " $12
	if ($11 > 0) mcpk[s] = mcpk[s] " " (1e6 * $14 / $11)
	mscpu[s] = mscpu[s] " " (100 * $14 / $16)
	mccpu[s] = mccpu[s] " " (100 * $15 / $16)
	mocpu[s] = mocpu[s] " " (100 * ($21 < 0 ? 0 : $21) / $16)
	if ($11 > 0) mclik[s] = mclik[s] " " (1e6 * $15 / $11)
	mkdr[s] = mkdr[s] " " $17
	msdr[s] = msdr[s] " " $18
	bests[s] = bests[s] sprintf("%s{\"rep\":%d,\"rate\":%d,\"dora_per_s\":%s,\"lost_pct\":%s,\"server_cpu_ms_per_1000\":%s}",
		bests[s] == "" ? "" : ",", $2, $4, $13, $12, $11 > 0 ? 1e6 * $14 / $11 : "null")
}
END {
	for (i = 1; i <= ns; i++) {
		s = S[i]
		R[s] = median(mrate[s]); D[s] = median(mdora[s]); P[s] = median(mdrop[s])
		C[s] = median(mcpk[s]); SC[s] = median(mscpu[s]); CC[s] = median(mccpu[s]); CK[s] = median(mclik[s])
		KD[s] = median(mkdr[s]); SD[s] = median(msdr[s]); OC[s] = median(mocpu[s])
	}
	np = 0
	if (("bootherd" in lab) && ("kea" in lab)) { PB[++np] = "kea"; PN[np] = "bh/kea" }
	if (("bootherd" in lab) && ("dnsmasq" in lab)) { PB[++np] = "dnsmasq"; PN[np] = "bh/dnsmasq" }
	W = 13
	printf "DHCP DORA over a veth pair (two network namespaces), perfdhcp %s as the client; the highest DISCOVER rate with\n", pdv
	printf "<= %s%% of DORA exchanges lost (ladder %s /s, then %d bisection steps; %s s trials, at most %d exchanges each,\n", maxdrop, rates, bisect, secs, maxex
	printf "a fresh server and lease store each, a failed one run again %d time(s)); medians of %d reps. Machine: %d CPUs,\n", retry, reps, ncpu
	printf "load average %s -> %s\n", load0, load1
	printf "Lease stores: bootherd SQLite, lease_sync %s; kea memfile, persist (one write(2) per lease, no fsync%s);\n", bhsync, (keathreads > 0 ? "; " keathreads " threads" : "")
	print "dnsmasq its lease file (rewritten whole and fsynced at every change)."
	hdr = sprintf("%-22s", "metric")
	for (i = 1; i <= ns; i++) hdr = hdr pad(lab[S[i]], W)
	if (np) { hdr = hdr "  |"; for (p = 1; p <= np; p++) hdr = hdr pad(PN[p], 12) }
	print hdr
	line = hdr; gsub(/./, "-", line); print line
	nm = split("best rate (/s)|DORA/s|lost %|CPU-ms/1000 DORA|server %cpu|perfdhcp %cpu|perfdhcp CPU-ms/1000|other %cpu|client rcvbuf drops|server rcvbuf drops|trials|no pass", M, "|")
	for (m = 1; m <= nm; m++) {
		row = sprintf("%-22s", M[m])
		for (i = 1; i <= ns; i++) {
			s = S[i]
			if (m == 1) v = fmt(R[s], 0); else if (m == 2) v = fmt(D[s], 0); else if (m == 3) v = fmt(P[s], 2)
			else if (m == 4) v = fmt(C[s], 1); else if (m == 5) v = SC[s] == "" ? "-" : sprintf("%.0f%%", SC[s])
			else if (m == 6) v = CC[s] == "" ? "-" : sprintf("%.0f%%", CC[s]); else if (m == 7) v = fmt(CK[s], 1)
			else if (m == 8) v = OC[s] == "" ? "-" : sprintf("%.0f%%", OC[s])
			else if (m == 9) v = fmt(KD[s], 0); else if (m == 10) v = s == "kea" ? "n/a" : fmt(SD[s], 0)
			else if (m == 11) v = ntr[s] + 0; else v = sprintf("%d/%d", reps - rep_ok[s], reps)
			row = row pad(v, W)
		}
		if (np) {
			row = row "  |"
			for (p = 1; p <= np; p++) {
				b = PB[p]
				if (m == 1) v = ratio(R["bootherd"], R[b]); else if (m == 2) v = ratio(D["bootherd"], D[b])
				else if (m == 4) v = ratio(C["bootherd"], C[b]); else v = ""
				row = row pad(v == "" ? "" : sprintf("%.2f", v), 12)
			}
		}
		print row
	}
	for (r = 1; r <= nr; r++) {
		any = 0; for (i = 1; i <= ns; i++) if ((S[i] SUBSEP RT[r]) in atr) any = 1
		if (!any) continue
		row = sprintf("%-22s", "CPU-ms/1000 at " RT[r])
		for (i = 1; i <= ns; i++) { k = S[i] SUBSEP RT[r]; AT[k] = (k in atr) ? median(atr[k]) : ""; row = row pad(fmt(AT[k], 1), W) }
		if (np) {
			row = row "  |"
			for (p = 1; p <= np; p++) { v = ratio(AT["bootherd" SUBSEP RT[r]], AT[PB[p] SUBSEP RT[r]]); row = row pad(v == "" ? "" : sprintf("%.2f", v), 12) }
		}
		print row
	}
	print line
	print "best rate: the highest DISCOVER rate that passed; DORA/s: REQUEST-ACK exchanges completed per second of that trial;"
	print "lost %: DORA exchanges started but not completed (no OFFER or no ACK within " droptime " s), at that rate."
	print "CPU-ms/1000 DORA: the server'"'"'s user+system CPU (/proc/PID/stat, every thread) per 1000 completed DORA, at that rate."
	print "server / perfdhcp %cpu: CPU time over the trial'"'"'s wall time (100% = one core; this machine has " ncpu "); other %cpu:"
	print "the rest of the machine'"'"'s busy time meanwhile (other tenants, softirqs): high values mean a noisy figure."
	print "client / server rcvbuf drops: UDP datagrams the kernel dropped for a full receive buffer in each namespace during"
	print "the best trial (kea: n/a, its fallback UDP socket on port 67 is never read; it receives on a packet socket)."
	print "CPU-ms/1000 at R: the same figure at the ladder'"'"'s rate R/s, median over the reps whose trial at R passed."
	print "trials: all reps; no pass: reps in which no rate passed (or the server never answered). Ratios: bootherd / peer."
	for (i = 1; i <= ns; i++) if (climited[S[i]]) printf "%s: %d trial(s) failed because perfdhcp could not send at the rate asked (the client'"'"'s limit).\n", lab[S[i]], climited[S[i]]

	printf "{\n  \"date\": \"%s\",\n  \"revision\": \"%s\",\n", date, rev > json
	printf "  \"machine\": {\"cpus\": %d, \"cpu_model\": \"%s\", \"kernel\": \"%s\", \"network\": \"veth pair between two network namespaces\", \"loadavg_start\": %s, \"loadavg_end\": %s},\n", ncpu, model, kernel, load0, load1 > json
	printf "  \"params\": {\"reps\": %d, \"rates\": [%s], \"bisect_steps\": %d, \"retries\": %d, \"max_lost_pct\": %s, \"trial_s\": %s, \"max_exchanges\": %d, \"clients\": %d, \"drop_time_s\": %s, \"perfdhcp_threads\": \"%s\", \"kea_threads\": %d, \"bootherd_lease_sync\": \"%s\"},\n", reps, list(rates), bisect, retry, maxdrop, secs, maxex, clients, droptime, pdthreads, keathreads, bhsync > json
	printf "  \"versions\": {\"perfdhcp\": \"%s\", \"kea\": \"%s\", \"dnsmasq\": \"%s\"},\n", pdv, keav, dnsv > json
	printf "  \"results\": [\n" > json
	for (i = 1; i <= ns; i++) {
		s = S[i]
		printf "%s    {\"server\": \"%s\", \"reps_without_pass\": %d, \"best_rate_median\": %s, \"dora_per_s_median\": %s, \"lost_pct_median\": %s, \"server_cpu_ms_per_1000_dora_median\": %s, \"server_cpu_pct_median\": %s, \"perfdhcp_cpu_pct_median\": %s, \"perfdhcp_cpu_ms_per_1000_dora_median\": %s, \"other_cpu_pct_median\": %s,\n      \"cpu_ms_per_1000_dora_at_rate\": {%s},\n      \"best\": [%s],\n      \"trials\": [%s]}",
			(i > 1 ? ",\n" : ""), s, reps - rep_ok[s], jnum(R[s]), jnum(D[s]), jnum(P[s]), jnum(C[s]), jnum(SC[s]), jnum(CC[s]), jnum(CK[s]), jnum(OC[s]), atrate(s), bests[s], tr[s] > json
	}
	printf "\n  ],\n  \"ratios\": [" > json
	for (p = 1; p <= np; p++) {
		b = PB[p]
		printf "%s\n    {\"of\": \"bootherd/%s\", \"best_rate\": %s, \"dora_per_s\": %s, \"server_cpu_per_dora\": %s}", (p > 1 ? "," : ""), b,
			jnum(ratio(R["bootherd"], R[b])), jnum(ratio(D["bootherd"], D[b])), jnum(ratio(C["bootherd"], C[b])) > json
	}
	printf "\n  ]\n}\n" > json
}
function atrate(s,    r, o, k) { o = ""; for (r = 1; r <= nr; r++) { k = s SUBSEP RT[r]; if (k in atr) o = o (o == "" ? "" : ", ") "\"" RT[r] "\": " median(atr[k]) } return o }
function list(s,    a, n, i, o) { n = split(s, a, " "); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? ", " : "") (a[i] + 0); return o }
' "$BEST" "$RAW" >"$TMP/table"
# The raw lines, with a last column saying which trial was its search's best.
awk -F'\t' -v OFS='\t' 'FNR == NR { if (FNR > 1) b[$3] = 1; next }
	FNR == 1 { print $0, "best"; next } { print $0, ($1 in b) ? 1 : 0 }' "$BEST" "$RAW" >"$OUT/dhcp.raw.tsv"
mv "$TMP/table" "$TABLE"
mv "$TMP/dhcp.json" "$JSON"
cat "$TABLE"
note "table: $TABLE; JSON: $JSON; raw: $OUT/dhcp.raw.tsv; logs: $LOGS/"
fails=$(awk -F'\t' 'NR > 1 && $3 == 0 { n++ } END { print n + 0 }' "$BEST")
((fails == 0)) || die "$fails searches without any passing rate (a server that never answered, or lost too much at every rate)"
