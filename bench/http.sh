#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP benchmark: bootherd in each of its body-send modes (copy, splice, zerocopy, sendfile,
# auto) against nginx (sendfile), all side by side in the same run on loopback, with one client for
# every server: build/bench/bin/httpload (bench/httpload.c), which checks every body byte
# against the file as it reads. Cases: 500 and 50 connections each downloading a 64 MiB file
# at once, 50 keep-alive connections fetching 1000 small files (4 to 64 KiB), and a size sweep
# (4 KiB to 64 MiB, over 1 and 50 connections) to choose `auto`'s thresholds from; iperf3 over
# TCP in the same run gives the loopback limit.
# Prints a side-by-side table of medians and ratios; writes build/bench/http.{txt,json,raw.tsv}.
# See bench/README.md (## HTTP) for what each number means and the knobs.
#
# It runs in a private network namespace of its own (unshare --net; NETNS=0 to stay in the
# host's): no other process can take its ports or share them by SO_REUSEPORT.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

die() { echo "bench/http: $*" >&2; exit 1; }
note() { printf 'bench/http: %s\n' "$*" >&2; }

# What it needs, installed before the network namespace (which has no route out): nginx is the
# peer, iperf3 the TCP limit. The load generator is one C file, built by the Makefile's rule.
if [[ -z "${BENCH_HTTP_IN_NETNS:-}" ]]; then
	scripts/deps.sh nginx-light iperf3 iproute2 util-linux
	make --no-print-directory -q build/bench/bin/httpload 2>/dev/null ||
		make --no-print-directory build/bench/bin/httpload
fi

# Knobs. Names shared with bench/tftp.sh (REPS, IPERF_SECS, NETNS, BH_LOG_LEVEL) mean the same;
# the others are HTTP's own.
REPS=${REPS:-3}                          # repetitions of every case
HTTP_SERVERS=${HTTP_SERVERS:-"bootherd_copy bootherd_splice bootherd_zerocopy bootherd_sendfile bootherd_auto nginx"}
HTTP_FILE_MIB=${HTTP_FILE_MIB:-64}       # the big file of cases 1 and 2
BIG_CONNS=${BIG_CONNS:-500}              # case 1: connections, one download each, all at once
MID_CONNS=${MID_CONNS:-50}               # case 2
SMALL_FILES=${SMALL_FILES:-1000}         # case 3: files of SMALL_KIB_MIN..SMALL_KIB_MAX KiB
SMALL_KIB_MIN=${SMALL_KIB_MIN:-4}
SMALL_KIB_MAX=${SMALL_KIB_MAX:-64}
SMALL_CONNS=${SMALL_CONNS:-50}           # keep-alive connections of case 3
SMALL_REQS=${SMALL_REQS:-100000}         # requests of case 3 (over all connections)
SWEEP_SIZES=${SWEEP_SIZES:-"4k 64k 1m 16m 64m"}  # size sweep, one connection per point
SWEEP_SECS=${SWEEP_SECS:-1}              # seconds of requests per sweep point
SWEEP_CONNS=${SWEEP_CONNS:-"1 50"}       # the sweep is run with each of these numbers of connections
LOAD_THREADS=${LOAD_THREADS:-2}          # httpload threads (epoll loops)
STALL_S=${STALL_S:-20}                   # httpload fails a request that gets nothing this long
CASE_TIMEOUT=${CASE_TIMEOUT:-300}        # seconds before httpload is killed, its rep failed
IPERF_SECS=${IPERF_SECS:-3}
IPERF_MANY=${IPERF_MANY:-1}              # 1: also iperf3 -Z over BIG_CONNS streams (a reference)
BH_LOG_LEVEL=${BH_LOG_LEVEL:-warn}
NETNS=${NETNS:-1}

OUT=$ROOT/build/bench
BH=${BOOTHERD:-$ROOT/build/bootherd}
LOAD=$ROOT/build/bench/bin/httpload
NGINX=${NGINX:-/usr/sbin/nginx}

# Into a private network namespace with only lo (up), unless told not to or unable to.
if [[ "$NETNS" == 1 && -z "${BENCH_HTTP_IN_NETNS:-}" ]]; then
	if unshare --net true 2>/dev/null; then
		export BENCH_HTTP_IN_NETNS=1
		exec unshare --net -- bash -c 'ip link set lo up && exec "$0" "$@"' \
			"$ROOT/bench/http.sh" "$@"
	fi
	note "unshare --net refused: running in the host's network namespace"
fi
NS_NOTE="private network namespace (loopback only)"
[[ -n "${BENCH_HTTP_IN_NETNS:-}" ]] || NS_NOTE="host network namespace"

for t in iperf3 ss timeout awk flock; do
	command -v "$t" >/dev/null || die "$t is missing: run bench/run.sh (it installs what is needed)"
done
[[ -x "$BH" ]] || die "$BH is missing: make -C $ROOT"
[[ -x "$LOAD" ]] || die "$LOAD is missing: make -C $ROOT build/bench/bin/httpload"
[[ -x "$NGINX" ]] || die "$NGINX is missing (package nginx-light)"

# Everything of this script's own is under http-*: bench/tftp.sh owns tmp/, data/ and logs/*.
DATA=$OUT/http-data
TMP=$OUT/http-tmp
LOGS=$OUT/logs/http
mkdir -p "$DATA" "$LOGS"
# One run at a time: a second would share these directories and the machine's CPUs.
exec {lock_fd}>"$OUT/.http.lock"
flock -n "$lock_fd" || die "another bench/http.sh is running (lock $OUT/.http.lock)"
rm -rf "${TMP:?}" "${LOGS:?}/"*
mkdir -p "$TMP"
RAW=$TMP/http.raw.tsv
JSON=$OUT/http.json
TABLE=$OUT/http.txt

# --- Test data: random bytes, made once and kept between runs. -------------------------------
bytes_of() { # 4k | 64k | 1m | 123 -> bytes
	local v=${1,,}
	case $v in
	*k) echo $((${v%k} << 10)) ;;
	*m) echo $((${v%m} << 20)) ;;
	*) echo $((v)) ;;
	esac
}
mkfile() { # PATH BYTES
	if [[ ! -f "$1" || $(stat -c %s "$1") != "$2" ]]; then
		head -c "$2" /dev/urandom >"$1.tmp" && mv "$1.tmp" "$1"
	fi
}
BIG=big${HTTP_FILE_MIB}m
mkfile "$DATA/$BIG" $((HTTP_FILE_MIB << 20))
for f in "$DATA"/big*m; do [[ "$f" == "$DATA/$BIG" ]] || rm -f "$f"; done
# Small files: sizes spread evenly over [min, max] KiB by a fixed stride, so every run (and
# every server) fetches the same bytes.
mkdir -p "$DATA/small" "$DATA/sweep"
small_stamp="$SMALL_FILES $SMALL_KIB_MIN $SMALL_KIB_MAX"
if [[ ! -f "$DATA/small/.stamp" || $(<"$DATA/small/.stamp") != "$small_stamp" ]]; then
	note "making $SMALL_FILES files of $SMALL_KIB_MIN to $SMALL_KIB_MAX KiB"
	rm -f "$DATA/small/"f*
	lo=$((SMALL_KIB_MIN << 10)) span=$(((SMALL_KIB_MAX - SMALL_KIB_MIN << 10) + 1))
	for ((i = 0; i < SMALL_FILES; i++)); do
		head -c $((lo + (i * 7919) % span)) /dev/urandom >"$DATA/small/$(printf 'f%04d' "$i")"
	done
	echo "$small_stamp" >"$DATA/small/.stamp"
fi
SMALL_BYTES=$(du -sb --exclude=.stamp "$DATA/small" | awk '{ print $1 }')
: >"$TMP/small.list"
for ((i = 0; i < SMALL_FILES; i++)); do
	printf '/small/f%04d %s/small/f%04d\n' "$i" "$DATA" "$i" >>"$TMP/small.list"
done
for z in $SWEEP_SIZES; do mkfile "$DATA/sweep/s${z,,}" "$(bytes_of "$z")"; done
# nginx's workers run as nobody: the data must be reachable by others.
chmod a+rx "$ROOT/build" "$OUT" "$DATA" "$DATA/small" "$DATA/sweep"
chmod -R a+r "$DATA"

# --- CPU accounting: a cgroup v2 per server (every thread and child: nginx's workers, the
# io_uring io-wq threads of bootherd's splices), one for this script and its clients. Without a
# writable cgroup v2 hierarchy: /proc/PID/stat, which misses nginx's workers (shown unknown). ---
CG=
declare -A PID PORT LABEL
ALL_SERVERS=(bootherd_copy bootherd_splice bootherd_zerocopy bootherd_sendfile bootherd_auto nginx)
LABEL=([bootherd_copy]="bootherd copy" [bootherd_splice]="bootherd splice"
       [bootherd_zerocopy]="bootherd zerocopy" [bootherd_sendfile]="bootherd sendfile"
       [bootherd_auto]="bootherd auto" [nginx]="nginx")
declare -A SHORT=([bootherd_copy]="bh copy" [bootherd_splice]="bh splice"
       [bootherd_zerocopy]="bh zerocopy" [bootherd_sendfile]="bh sendfile" [bootherd_auto]="bh auto"
       [nginx]="nginx")
for s in $HTTP_SERVERS; do
	[[ -n "${LABEL[$s]:-}" ]] || die "unknown server '$s' (known: ${ALL_SERVERS[*]})"
done

cleanup() {
	local s p
	trap - EXIT INT TERM
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for s in "${!PID[@]}"; do
		# nginx's workers, if the master went first.
		[[ -n "$CG" && -w "$CG/$s/cgroup.kill" ]] && echo 1 >"$CG/$s/cgroup.kill" 2>/dev/null
	done
	# This script ran in CG/clients: out of it, so that it can go.
	bench_cg_remove
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_cg_create "bootherd-bench-http.$$"
CPU_METHOD="cgroup v2 cpu.stat usage_usec (all threads and children)"
[[ -n "$CG" ]] || CPU_METHOD="/proc/PID/stat utime+stime+cutime+cstime"

cpu_proc_us() { # PID -> utime+stime+cutime+cstime in microseconds, from /proc/PID/stat
	local st
	st=$(<"/proc/$1/stat") 2>/dev/null || { echo 0; return; }
	st=${st##*) }
	awk -v tck="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($12 + $13 + $14 + $15) * 1e6 / tck }' \
		<<<"$st"
}
cpu_us() { # SERVER -> CPU microseconds by the chosen method
	if [[ -n "$CG" ]]; then
		awk '$1 == "usage_usec" { print $2 }' "$CG/$1/cpu.stat"
	else
		cpu_proc_us "${PID[$1]}"
	fi
}
sys_busy_us() { # CPU time of the whole machine (all cores, every process, softirqs), microseconds
	awk -v tck="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e6 / tck; exit }' /proc/stat
}
cli_us() {
	if [[ -n "$CG" ]]; then awk '$1 == "usage_usec" { print $2 }' "$CG/clients/cpu.stat"; else echo 0; fi
}

# --- Servers. -----------------------------------------------------------------------------------
used_ports=" "
pick_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		[[ "$used_ports" == *" $p "* ]] && continue
		[[ -z $(ss -Hatn "sport = :$p") ]] && break
	done
	used_ports+="$p "
	echo "$p"
}

launch() { # SERVER COMMAND... (stdout and stderr to logs/http/SERVER.log)
	local s=$1
	shift
	if [[ -n "$CG" ]]; then
		mkdir -p "$CG/$s"
		(echo "$BASHPID" >"$CG/$s/cgroup.procs" && exec "$@" {lock_fd}>&-) >"$LOGS/$s.log" 2>&1 &
	else
		(exec "$@" {lock_fd}>&-) >"$LOGS/$s.log" 2>&1 &
	fi
	PID[$s]=$!
}

is_servers() { # SERVER PID -> whether PID is the server's process or one of its children
	if [[ -n "$CG" ]]; then
		grep -qx "$2" "$CG/$1/cgroup.procs"
	else
		[[ "$2" == "${PID[$1]}" || $(awk '{ print $4 }' "/proc/$2/stat" 2>/dev/null) == "${PID[$1]}" ]]
	fi
}

start_server() {
	local s=$1 p i pid
	p=$(pick_port)
	PORT[$s]=$p
	case $s in
	bootherd_*)
		# client_rate 0: the per-address request limit would see all the bench's connections,
		# every one from 127.0.0.1, as one client.
		cat >"$TMP/$s.yaml" <<-EOF
			listen: 127.0.0.1
			workers: 0
			tftp:
			  enabled: false
			http:
			  port: $p
			  send: ${s#bootherd_}
			  max_connections: 10000
			limits:
			  client_rate: 0
			roots:
			  - path: $DATA
		EOF
		launch "$s" "$BH" serve -c "$TMP/$s.yaml" --log-level "$BH_LOG_LEVEL"
		;;
	nginx)
		# As nginx is deployed for static files: sendfile, one worker per core, no access log;
		# keep-alive for the whole run. backlog as bootherd's listen(2) (nginx's default: 511).
		mkdir -p "$TMP/nginx"
		cat >"$TMP/nginx/nginx.conf" <<-EOF
			daemon off;
			master_process on;
			worker_processes auto;
			worker_rlimit_nofile 65536;
			error_log stderr warn;
			pid $TMP/nginx/nginx.pid;
			events { worker_connections 16384; }
			http {
			  sendfile on;
			  tcp_nopush on;
			  access_log off;
			  keepalive_requests 100000;
			  default_type application/octet-stream;
			  client_body_temp_path $TMP/nginx/body;
			  proxy_temp_path $TMP/nginx/proxy;
			  fastcgi_temp_path $TMP/nginx/fastcgi;
			  uwsgi_temp_path $TMP/nginx/uwsgi;
			  scgi_temp_path $TMP/nginx/scgi;
			  server {
			    listen 127.0.0.1:$p reuseport backlog=4096;
			    root $DATA;
			  }
			}
		EOF
		launch "$s" "$NGINX" -e stderr -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
		;;
	esac
	for ((i = 0; i < 100; i++)); do
		kill -0 "${PID[$s]}" 2>/dev/null || die "${LABEL[$s]} exited at start: see $LOGS/$s.log"
		[[ -n $(ss -Htln "sport = :$p") ]] && break
		sleep 0.05
	done
	((i < 100)) || die "${LABEL[$s]} is not listening on 127.0.0.1:$p"
	sleep 0.2 # every worker's listener (SO_REUSEPORT) is up
	# Every socket on the port must be this server's (SO_REUSEPORT would share it silently).
	for pid in $(ss -Htlnp "sport = :$p" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		is_servers "$s" "$pid" || die "127.0.0.1:$p is shared with another process (pid $pid)"
	done
}

# --- One measurement: httpload against one server; a line in RAW. -----------------------------
# RAW columns: case server rep ok wall_s bytes requests conns cpu_s cpu_proc_s client_cpu_s
# load_cpu_s rps p50_ms p90_ms p99_ms max_ms failed_reqs other_cpu_s (other_cpu_s: the machine's CPU
# time in the interval that is neither the server's nor the clients': other tenants, ksoftirqd;
# interval_s: the seconds over which the CPU counters were read, httpload's start to its end)
printf 'case\tserver\trep\tok\twall_s\tbytes\trequests\tconns\tcpu_s\tcpu_proc_s\tclient_cpu_s\tload_cpu_s\trps\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tfailed_reqs\tother_cpu_s\tinterval_s\n' \
	>"$RAW"

measure() { # CASE SERVER REP CONNS HTTPLOAD-ARGS...
	local c=$1 s=$2 rep=$3 conns=$4 rc=0 c0 p0 k0 b0 c1 p1 k1 b1 t0 t1 line
	shift 4
	local -A r=()
	if ! kill -0 "${PID[$s]}" 2>/dev/null; then
		note "FAIL: ${LABEL[$s]} $c rep $rep: the server is not running (see $LOGS/$s.log)"
		printf '%s\t%s\t%s\t0\t0\t0\t0\t%s\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t0\t0\n' "$c" "$s" "$rep" \
			"$conns" >>"$RAW"
		return
	fi
	c0=$(cpu_us "$s") p0=$(cpu_proc_us "${PID[$s]}") k0=$(cli_us) b0=$(sys_busy_us) t0=$EPOCHREALTIME
	timeout -k 5 "$CASE_TIMEOUT" "$LOAD" -p "${PORT[$s]}" -c "$conns" -T "$LOAD_THREADS" \
		-s "$STALL_S" "$@" >"$TMP/load.out" 2>"$TMP/load.err" || rc=$?
	# The server's last completions (closes, zero-copy notifications) land in its counter.
	sleep 0.05
	t1=$EPOCHREALTIME c1=$(cpu_us "$s") p1=$(cpu_proc_us "${PID[$s]}") k1=$(cli_us) b1=$(sys_busy_us)
	line=$(tail -1 "$TMP/load.out")
	for kv in $line; do r[${kv%%=*}]=${kv#*=}; done
	if ((rc != 0)) || [[ -z "${r[ok]:-}" ]]; then
		note "FAIL: ${LABEL[$s]} $c rep $rep: httpload exit $rc ${r[failed]:+(${r[failed]} of ${r[requests]} requests failed)}"
		sed 's/^/    httpload: /' "$TMP/load.err" | head -3 >&2
		{ echo "== ${LABEL[$s]} $c rep $rep: exit $rc"; cat "$TMP/load.err" "$TMP/load.out"; } \
			>>"$LOGS/failures.log"
		kill -0 "${PID[$s]}" 2>/dev/null || note "${LABEL[$s]} is no longer running: see $LOGS/$s.log"
	fi
	awk -v OFS='\t' -v c="$c" -v s="$s" -v rep="$rep" -v ok=$((rc == 0)) -v conns="$conns" \
		-v c0="$c0" -v c1="$c1" -v p0="$p0" -v p1="$p1" -v k0="$k0" -v k1="$k1" -v b0="$b0" -v b1="$b1" -v t0="$t0" -v t1="$t1" \
		-v wall="${r[wall_s]:-0}" -v bytes="${r[bytes]:-0}" -v reqs="${r[ok]:-0}" \
		-v lcpu="${r[cpu_s]:-0}" -v rps="${r[rps]:-0}" -v p50="${r[p50_ms]:-0}" \
		-v p90="${r[p90_ms]:-0}" -v p99="${r[p99_ms]:-0}" -v max="${r[max_ms]:-0}" \
		-v fr="${r[failed]:--}" 'BEGIN {
		print c, s, rep, ok, wall, bytes, reqs, conns, sprintf("%.4f", (c1 - c0) / 1e6),
		      sprintf("%.2f", (p1 - p0) / 1e6), sprintf("%.4f", (k1 - k0) / 1e6), lcpu, rps,
		      p50, p90, p99, max, fr, sprintf("%.4f", (b1 - b0 - (c1 - c0) - (k1 - k0)) / 1e6), sprintf("%.4f", t1 - t0) }' >>"$RAW"
}

# --- The TCP limit: iperf3, one stream over loopback, the receiver's rate. ---------------------
# Twice: plain (write(2) from a buffer: one copy on each side, as bootherd copy) and -Z
# (sendfile: as nginx and bootherd splice).
run_iperf() { # [IPERF3 CLIENT OPTIONS...] -> MB/s
	local p pid i line
	p=$(pick_port)
	iperf3 -s -1 -B 127.0.0.1 -p "$p" >>"$LOGS/iperf3-server.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ss -Htln "sport = :$p") ]] && break
		sleep 0.05
	done
	line=$(iperf3 -c 127.0.0.1 -p "$p" -t "$IPERF_SECS" -f m "$@" 2>&1 |
		tee -a "$LOGS/iperf3-client.log" | grep receiver || true)
	wait "$pid" 2>/dev/null || true
	awk '{ for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") { printf "%.1f\n", $(i - 1) / 8; exit } }' \
		<<<"$line"
}

# The same, -Z, over as many streams as case 1 has connections: iperf3 3.12 takes at most 128
# streams per client and runs them in one thread, so ceil(N / 125) clients at once, each with its
# own server; their receivers' rates summed. What the kernel moves over N loopback connections
# when neither end does anything else (no HTTP, no byte check): a reference for case 1.
run_iperf_many() { # N -> MB/s
	local n=$1 np ports=() pids=() cpids=() j i p
	np=$(((n + 124) / 125))
	for ((j = 0; j < np; j++)); do
		p=$(pick_port)
		ports+=("$p")
		iperf3 -s -1 -B 127.0.0.1 -p "$p" >>"$LOGS/iperf3-server.log" 2>&1 &
		pids+=($!)
		for ((i = 0; i < 100; i++)); do
			[[ -n $(ss -Htln "sport = :$p") ]] && break
			sleep 0.05
		done
	done
	for ((j = 0; j < np; j++)); do
		iperf3 -c 127.0.0.1 -p "${ports[j]}" -t "$IPERF_SECS" -f m -Z -P $(((n + np - 1) / np)) \
			>"$TMP/iperf-many.$j" 2>&1 &
		cpids+=($!)
	done
	for p in "${cpids[@]}" "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for ((j = 0; j < np; j++)); do
		cat "$TMP/iperf-many.$j" >>"$LOGS/iperf3-client.log"
		grep -E '(SUM|^\[ *[0-9]+\]).*receiver' "$TMP/iperf-many.$j" | tail -1
	done | awk -v np="$np" '{ for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") { s += $(i - 1) / 8; k++ } }
		END { if (k == np) printf "%.1f\n", s }'
}

# --- The run. -----------------------------------------------------------------------------------
read -r -a SV <<<"$HTTP_SERVERS"
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
note "servers: ${HTTP_SERVERS}; ${NS_NOTE}; CPU from ${CPU_METHOD}; bootherd: $BH"
for s in "${SV[@]}"; do start_server "$s"; done
if [[ -n "$CG" ]]; then
	mkdir -p "$CG/clients"
	echo $$ >"$CG/clients/cgroup.procs"
fi
# Warm-up, verified, not timed: page cache, bootherd's content cache (each file is copied into
# it on first use), nginx's open-file state. A server that fails it stays in the run: its reps
# fail and say why.
for s in "${SV[@]}"; do
	ok=1
	(
		"$LOAD" -p "${PORT[$s]}" -u "/$BIG" -e "$DATA/$BIG" -c 1 -s "$STALL_S" &&
			"$LOAD" -p "${PORT[$s]}" -l "$TMP/small.list" -c 8 -n "$SMALL_FILES" -s "$STALL_S" &&
			for z in $SWEEP_SIZES; do
				"$LOAD" -p "${PORT[$s]}" -u "/sweep/s${z,,}" -e "$DATA/sweep/s${z,,}" -c 1 \
					-s "$STALL_S" || exit 1
			done
	) >"$TMP/warm.out" 2>&1 || ok=0
	if ((ok)); then
		note "${LABEL[$s]} on 127.0.0.1:${PORT[$s]} (pid ${PID[$s]}): warm"
	else
		note "FAIL: ${LABEL[$s]}: warm-up failed: $(grep -m2 httpload: "$TMP/warm.out" | tr '\n' ' ')"
		kill -0 "${PID[$s]}" 2>/dev/null || note "${LABEL[$s]} is no longer running: see $LOGS/$s.log"
	fi
done

rotated() { # REP -> the servers, rotated by REP
	local n=${#SV[@]} i
	for ((i = 0; i < n; i++)); do printf '%s ' "${SV[(i + $1) % n]}"; done
}
# Each rep runs every case on every server, in an order rotated per rep, and iperf3 once each
# way: the machine's noise falls on all of them alike.
IPERF_MBPS=()
IPERF_Z_MBPS=()
IPERF_MANY_MBPS=()
for ((rep = 1; rep <= REPS; rep++)); do
	note "rep $rep/$REPS: iperf3"
	IPERF_MBPS+=("$(run_iperf)")
	IPERF_Z_MBPS+=("$(run_iperf -Z)")
	((IPERF_MANY)) && IPERF_MANY_MBPS+=("$(run_iperf_many "$BIG_CONNS")")
	note "rep $rep/$REPS: $BIG_CONNS x $HTTP_FILE_MIB MiB"
	for s in $(rotated "$rep"); do
		measure big "$s" "$rep" "$BIG_CONNS" -u "/$BIG" -e "$DATA/$BIG" -n "$BIG_CONNS"
	done
	note "rep $rep/$REPS: $MID_CONNS x $HTTP_FILE_MIB MiB"
	for s in $(rotated "$rep"); do
		measure mid "$s" "$rep" "$MID_CONNS" -u "/$BIG" -e "$DATA/$BIG" -n "$MID_CONNS"
	done
	note "rep $rep/$REPS: $SMALL_CONNS connections x $SMALL_REQS small files"
	for s in $(rotated "$rep"); do
		measure small "$s" "$rep" "$SMALL_CONNS" -l "$TMP/small.list" -n "$SMALL_REQS"
	done
	# Size by size, all servers in turn: a burst of noise hits every server's figure for a
	# size or two, rather than one server's whole sweep.
	for n in $SWEEP_CONNS; do
		note "rep $rep/$REPS: size sweep, $n connection(s), ${SWEEP_SECS} s per point"
		for z in $SWEEP_SIZES; do
			for s in $(rotated "$rep"); do
				measure "sweep$n-${z,,}" "$s" "$rep" "$n" -u "/sweep/s${z,,}" \
					-e "$DATA/sweep/s${z,,}" -d "$SWEEP_SECS" -T $((n > 1 ? LOAD_THREADS : 1))
			done
		done
	done
done

for s in "${SV[@]}"; do
	kill -0 "${PID[$s]}" 2>/dev/null || note "${LABEL[$s]} died during the run: see $LOGS/$s.log"
done

# --- Medians, the tables and the JSON. ----------------------------------------------------------
labels=
for s in "${SV[@]}"; do labels+="$s=${LABEL[$s]// /_}=${SHORT[$s]// /_} "; done
sizes=
for z in $SWEEP_SIZES; do sizes+="${z,,}=$(bytes_of "$z") "; done

awk -F'\t' -v servers="$HTTP_SERVERS" -v labels="$labels" -v sizes="$sizes" \
	-v iperf="${IPERF_MBPS[*]}" -v iperfz="${IPERF_Z_MBPS[*]}" -v iperfm="${IPERF_MANY_MBPS[*]}" \
	-v json="$TMP/http.json" \
	-v cpu_method="$CPU_METHOD" -v netns="$NS_NOTE" -v cg="${CG:+1}" -v reps="$REPS" \
	-v bigc="$BIG_CONNS" -v midc="$MID_CONNS" -v mib="$HTTP_FILE_MIB" -v nsmall="$SMALL_FILES" \
	-v kmin="$SMALL_KIB_MIN" -v kmax="$SMALL_KIB_MAX" -v smallc="$SMALL_CONNS" \
	-v smallr="$SMALL_REQS" -v smallb="$SMALL_BYTES" -v sweeps="$SWEEP_SECS" -v sweepc="$SWEEP_CONNS" \
	-v threads="$LOAD_THREADS" -v load0="$LOAD0" -v load1="$(cut -d' ' -f1 /proc/loadavg)" -v loglevel="$BH_LOG_LEVEL" -v nginxv="$("$NGINX" -v 2>&1 | sed 's/.*: //')" \
	-v kernel="$(uname -r)" -v ncpu="$(nproc)" -v model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	-v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v rev="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" "$BENCH_AWK_LIB"'
function list(s,    a, n, i, o) { n = split(s, a, " "); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? ", " : "") (a[i] + 0); return o }
function casename(cs,    z) {
	if (cs == "big") return sprintf("%d x %d MiB", bigc, mib)
	if (cs == "mid") return sprintf("%d x %d MiB", midc, mib)
	if (cs == "small") return sprintf("%d x small, %dk GETs", smallc, smallr / 1000)
	z = substr(cs, 7); return "1 conn, " z
}
BEGIN {
	ns = split(servers, S, " ")
	split(labels, L, " "); for (i in L) { split(L[i], kv, "="); gsub("_", " ", kv[2]); gsub("_", " ", kv[3]); lab[kv[1]] = kv[2]; short[kv[1]] = kv[3] }
	nz = split(sizes, Z, " "); for (i = 1; i <= nz; i++) { split(Z[i], kv, "="); zname[i] = kv[1]; zbytes[kv[1]] = kv[2] }
	tcp = median(iperf); tcpz = median(iperfz); tcpm = median(iperfm)
	ngx = ("nginx" in lab)
}
NR == 1 { next }
{
	k = $1 SUBSEP $2
	if (!($1 in cseen)) { cseen[$1] = 1; cases[++nc] = $1 }
	nrep[k]++
	raw[k] = raw[k] sprintf("%s{\"rep\":%d,\"ok\":%s,\"wall_s\":%s,\"bytes\":%s,\"requests\":%s,\"cpu_s\":%s,\"cpu_procstat_s\":%s,\"client_cpu_s\":%s,\"httpload_cpu_s\":%s,\"rps\":%s,\"p50_ms\":%s,\"p90_ms\":%s,\"p99_ms\":%s,\"max_ms\":%s,\"failed_requests\":%s,\"other_cpu_s\":%s}",
		raw[k] == "" ? "" : ",", $3, $4 ? "true" : "false", $5, $6, $7, $9, $10, cg ? $11 : "null", $12, $13, $14, $15, $16, $17, $18 == "-" ? "null" : $18, $19)
	if (!$4 || $5 <= 0) { failed[k]++; next }
	wall[k] = wall[k] " " $5
	gbps[k] = gbps[k] " " ($6 / 1e9 / $5)
	cpugb[k] = cpugb[k] " " ($9 / ($6 / 1e9))
	totgb[k] = totgb[k] " " (($9 + $11) / ($6 / 1e9))
	scpu[k] = scpu[k] " " (100 * $9 / $5)
	ccpu[k] = ccpu[k] " " (100 * $11 / $5)
	ocpu[k] = ocpu[k] " " (100 * $19 / $20)
	rps[k] = rps[k] " " $13
	p50[k] = p50[k] " " $14; p90[k] = p90[k] " " $15; pmax[k] = pmax[k] " " $17
}
END {
	for (c = 1; c <= nc; c++) for (i = 1; i <= ns; i++) {
		k = cases[c] SUBSEP S[i]
		mw[k] = median(wall[k]); mg[k] = median(gbps[k]); mr[k] = median(rps[k])
		mc[k] = (!cg && S[i] == "nginx") ? "" : median(cpugb[k])
		ms[k] = (!cg && S[i] == "nginx") ? "" : median(scpu[k])
		mcc[k] = cg ? median(ccpu[k]) : ""
		mt[k] = !cg ? "" : median(totgb[k])
		moc[k] = median(ocpu[k])
		m50[k] = median(p50[k]); m90[k] = median(p90[k]); mmax[k] = median(pmax[k])
	}
	np = 0
	if (ngx) for (i = 1; i <= ns; i++) if (S[i] != "nginx") { PA[++np] = S[i]; PN[np] = (S[i] == "bootherd_zerocopy" ? "zc" : substr(S[i], 10)) "/ngx" }
	W = 13; RW = 13

	# Table 1: the three load cases.
	printf "HTTP on loopback (%s), httpload client (%d thread%s, every body byte verified); medians of %d reps\n", netns, threads, (threads > 1 ? "s" : ""), reps
	printf "TCP limit, iperf3 one stream, receiver (median of %d): %s GB/s (write), %s GB/s (-Z: sendfile)\n", split(iperf, tmp, " "), fmt(tcp / 1000, 2), fmt(tcpz / 1000, 2)
	if (iperfm != "") printf "iperf3 -Z over %d streams (no HTTP, no byte check; median of %d): %s GB/s\n", bigc, split(iperfm, tmp, " "), fmt(tcpm / 1000, 2)
	printf "Load average (1 min) at the start and the end: %s, %s (this machine: %d cores); bh = bootherd\n", load0, load1, ncpu
	hdr = sprintf("%-24s %-12s", "case", "metric")
	for (i = 1; i <= ns; i++) hdr = hdr pad(short[S[i]], W)
	if (np) { hdr = hdr "  |"; for (p = 1; p <= np; p++) hdr = hdr pad(PN[p], RW) }
	print hdr
	line = hdr; gsub(/./, "-", line); print line
	split("GB/s|% of TCP|wall s|CPU-s/GB|server %cpu|client %cpu|req/s|p50|p90|max|fails|other %cpu|tot CPU-s/GB", M, "|")
	for (c = 1; c <= nc; c++) {
		cs = cases[c]
		if (cs ~ /^sweep/) continue
		unit = cs == "small" ? "ms" : "s"; div = cs == "small" ? 1 : 1000
		first = 1
		for (mi = 1; mi <= 13; mi++) {
			m = mi <= 4 ? mi : mi == 5 ? 13 : mi <= 7 ? mi - 1 : mi == 8 ? 12 : mi - 2
			if ((m == 6 || m == 13) && !cg) continue
			if (m == 7 && cs != "small") continue
			name = M[m]; if (m >= 8 && m <= 10) name = name " " unit
			row = sprintf("%-24s %-12s", first ? casename(cs) : "", name); first = 0
			for (i = 1; i <= ns; i++) {
				k = cs SUBSEP S[i]
				if (m == 1) v = fmt(mg[k], 3)
				else if (m == 2) v = (mg[k] == "" || tcp == "") ? "-" : sprintf("%.0f%%", 100 * mg[k] * 1000 / tcp)
				else if (m == 3) v = fmt(mw[k], 2)
				else if (m == 4) v = fmt(mc[k], 3)
				else if (m == 5) v = ms[k] == "" ? "-" : sprintf("%.0f%%", ms[k])
				else if (m == 6) v = mcc[k] == "" ? "-" : sprintf("%.0f%%", mcc[k])
				else if (m == 7) v = fmt(mr[k], 0)
				else if (m == 8) v = m50[k] == "" ? "-" : fmt(m50[k] / div, cs == "small" ? 2 : 2)
				else if (m == 9) v = m90[k] == "" ? "-" : fmt(m90[k] / div, 2)
				else if (m == 10) v = mmax[k] == "" ? "-" : fmt(mmax[k] / div, 2)
				else if (m == 12) v = moc[k] == "" ? "-" : sprintf("%.0f%%", moc[k] < 0 ? 0 : moc[k] > 100 * ncpu ? 100 * ncpu : moc[k])
				else if (m == 13) v = fmt(mt[k], 3)
				else v = sprintf("%d/%d", failed[k] + 0, nrep[k])
				row = row pad(v, W)
			}
			if (np) {
				row = row "  |"
				for (p = 1; p <= np; p++) {
					ka = cs SUBSEP PA[p]; kb = cs SUBSEP "nginx"
					if (m == 1) v = ratio(mg[ka], mg[kb]); else if (m == 3) v = ratio(mw[ka], mw[kb])
					else if (m == 4) v = ratio(mc[ka], mc[kb]); else if (m == 7) v = ratio(mr[ka], mr[kb])
					else if (m == 13) v = ratio(mt[ka], mt[kb])
					else if (m == 8) v = ratio(m50[ka], m50[kb]); else if (m == 10) v = ratio(mmax[ka], mmax[kb])
					else v = ""
					row = row pad(v == "" ? "" : sprintf("%.2f", v), RW)
				}
			}
			print row
		}
	}
	print line
	print "GB/s: 10^9 bytes of verified body per second of wall time (aggregate), from the first request to the last"
	print "byte. CPU-s/GB: the server'"'"'s user+system CPU seconds per 10^9 body bytes, from " cpu_method "."
	print "tot CPU-s/GB: server and client CPU seconds together per 10^9 bytes: on loopback the kernel charges some"
	print "of one side'"'"'s network work to the other (softirqs run in whichever task is on the CPU), so this is the fair total."
	print "server/client %cpu: CPU time over wall time (100% = one core; this machine has " ncpu "); other %cpu: the rest of the"
	print "machine'"'"'s busy time meanwhile (other tenants, ksoftirqd): noise when high. p50/p90/max: per request,"
	print "from its send to its last body byte. Ratios: bootherd mode / nginx (> 1 better for GB/s and req/s, < 1 for the rest)."
	print "fails: failed reps / reps (a wrong byte, a short body, a stall, an error status; left out of the medians)."

	# Table 2: the size sweep, once per number of connections.
	nsc = split(sweepc, SC, " ")
	for (sci = 1; nz && sci <= nsc; sci++) {
		if (SC[sci] == 1) printf "\nSize sweep: one keep-alive connection, %s s of back-to-back GETs per point, medians of %d reps\n", sweeps, reps
		else printf "\nSize sweep: %d keep-alive connections, each with back-to-back GETs for %s s, medians of %d reps\n", SC[sci], sweeps, reps
		hdr = sprintf("%-8s %-12s", "size", "metric")
		for (i = 1; i <= ns; i++) hdr = hdr pad(short[S[i]], W)
		hdr = hdr "  | best bh mode"
		print hdr
		line = hdr; gsub(/./, "-", line); print line
		split("GB/s|CPU-s/GB|server %cpu|client %cpu|req/s|fails|other %cpu|tot CPU-s/GB", SM, "|")
		for (zi = 1; zi <= nz; zi++) {
			cs = "sweep" SC[sci] "-" zname[zi]
			bestg = ""; bestc = ""; bestt = ""
			for (i = 1; i <= ns; i++) {
				k = cs SUBSEP S[i]
				if (S[i] !~ /^bootherd_(copy|splice|zerocopy|sendfile)$/ || failed[k] || mg[k] == "") continue
				if (bestg == "" || mg[k] > mg[cs SUBSEP bestg]) bestg = S[i]
				if (mc[k] != "" && (bestc == "" || mc[k] < mc[cs SUBSEP bestc])) bestc = S[i]
				if (mt[k] != "" && (bestt == "" || mt[k] < mt[cs SUBSEP bestt])) bestt = S[i]
			}
			fastest[cs] = bestg; cheapest[cs] = bestc; cheapest_t[cs] = bestt
			for (mi = 1; mi <= 8; mi++) {
				m = mi <= 2 ? mi : mi == 3 ? 8 : mi <= 5 ? mi - 1 : mi == 6 ? 7 : mi - 2
				if ((m == 4 || m == 8) && !cg) continue
				row = sprintf("%-8s %-12s", m == 1 ? zname[zi] : "", SM[m])
				for (i = 1; i <= ns; i++) {
					k = cs SUBSEP S[i]
					if (m == 1) v = fmt(mg[k], 3)
					else if (m == 2) v = fmt(mc[k], 3)
					else if (m == 3) v = ms[k] == "" ? "-" : sprintf("%.0f%%", ms[k])
					else if (m == 4) v = mcc[k] == "" ? "-" : sprintf("%.0f%%", mcc[k])
					else if (m == 5) v = fmt(mr[k], 0)
					else if (m == 7) v = moc[k] == "" ? "-" : sprintf("%.0f%%", moc[k] < 0 ? 0 : moc[k] > 100 * ncpu ? 100 * ncpu : moc[k])
					else if (m == 8) v = fmt(mt[k], 3)
					else v = sprintf("%d/%d", failed[k] + 0, nrep[k])
					row = row pad(v, W)
				}
				if (m == 1) row = row "  | " (bestg == "" ? "-" : substr(bestg, 10))
				if (m == 2) row = row "  | " (bestc == "" ? "-" : substr(bestc, 10))
				if (m == 8) row = row "  | " (bestt == "" ? "-" : substr(bestt, 10))
				print row
			}
		}
		print line
	}
	if (nz) {
		print "best bh mode, among copy, splice, zerocopy and sendfile (reps without fails): on the GB/s row the fastest, on CPU-s/GB"
		print "the one whose server spends least, on tot CPU-s/GB the one whose server and client together spend least."
	}

	# The JSON.
	printf "{\n  \"date\": \"%s\",\n  \"revision\": \"%s\",\n", date, rev > json
	printf "  \"machine\": {\"cpus\": %d, \"cpu_model\": \"%s\", \"kernel\": \"%s\", \"network\": \"%s\", \"loadavg_start\": %s, \"loadavg_end\": %s},\n", ncpu, model, kernel, netns, load0, load1 > json
	printf "  \"params\": {\"reps\": %d, \"file_mib\": %d, \"big_conns\": %d, \"mid_conns\": %d, \"small_files\": %d, \"small_kib\": [%d, %d], \"small_bytes_total\": %d, \"small_conns\": %d, \"small_requests\": %d, \"sweep_seconds\": %s, \"sweep_conns\": [%s], \"sweep_sizes\": {", reps, mib, bigc, midc, nsmall, kmin, kmax, smallb, smallc, smallr, sweeps, list(sweepc) > json
	for (zi = 1; zi <= nz; zi++) printf "%s\"%s\": %d", (zi > 1 ? ", " : ""), zname[zi], zbytes[zname[zi]] > json
	printf "}, \"client\": \"build/bench/bin/httpload\", \"client_threads\": %d, \"bootherd_log_level\": \"%s\", \"nginx\": \"%s\"},\n", threads, loglevel, nginxv > json
	printf "  \"units\": {\"GBps\": \"10^9 bytes of verified body per second of wall time\", \"cpu_s_per_GB\": \"server user+system CPU seconds per 10^9 body bytes\", \"cpu_method\": \"%s\", \"latency\": \"ms per request, send to last body byte\"},\n", cpu_method > json
	printf "  \"tcp_limit\": {\"tool\": \"iperf3 one TCP stream over loopback, receiver\", \"MBps_median\": %s, \"MBps_reps\": [%s],\n", jnum(tcp), list(iperf) > json
	printf "    \"sendfile\": {\"tool\": \"iperf3 -Z\", \"MBps_median\": %s, \"MBps_reps\": [%s]},\n", jnum(tcpz), list(iperfz) > json
	printf "    \"many_streams\": {\"tool\": \"iperf3 -Z, %d streams\", \"MBps_median\": %s, \"MBps_reps\": [%s]}},\n", bigc, (iperfm == "" ? "null" : jnum(tcpm)), list(iperfm) > json
	printf "  \"servers\": {" > json
	for (i = 1; i <= ns; i++) printf "%s\"%s\": \"%s\"", (i > 1 ? ", " : ""), S[i], lab[S[i]] > json
	printf "},\n  \"results\": [\n" > json
	first = 1
	for (c = 1; c <= nc; c++) for (i = 1; i <= ns; i++) {
		cs = cases[c]; k = cs SUBSEP S[i]
		if (!(k in nrep)) continue
		printf "%s    {\"case\": \"%s\", \"server\": \"%s\", \"reps\": %d, \"reps_failed\": %d, \"GBps_median\": %s, \"pct_of_tcp_limit\": %s, \"wall_s_median\": %s, \"cpu_s_per_GB_median\": %s, \"server_plus_client_cpu_s_per_GB_median\": %s, \"server_cpu_pct_median\": %s, \"client_cpu_pct_median\": %s, \"other_cpu_pct_median\": %s, \"rps_median\": %s, \"p50_ms_median\": %s, \"p90_ms_median\": %s, \"max_ms_median\": %s,\n      \"raw\": [%s]}",
			first ? "" : ",\n", cs, S[i], nrep[k], failed[k] + 0, jnum(mg[k]), (mg[k] == "" || tcp == "") ? "null" : 100 * mg[k] * 1000 / tcp,
			jnum(mw[k]), jnum(mc[k]), jnum(mt[k]), jnum(ms[k]), jnum(mcc[k]), jnum(moc[k]), jnum(mr[k]), jnum(m50[k]), jnum(m90[k]), jnum(mmax[k]), raw[k] > json
		first = 0
	}
	printf "\n  ],\n  \"ratios_to_nginx\": [\n" > json
	first = 1
	for (c = 1; c <= nc; c++) for (p = 1; p <= np; p++) {
		cs = cases[c]; ka = cs SUBSEP PA[p]; kb = cs SUBSEP "nginx"
		printf "%s    {\"case\": \"%s\", \"of\": \"%s/nginx\", \"GBps\": %s, \"cpu_s_per_GB\": %s, \"server_plus_client_cpu_s_per_GB\": %s, \"wall_s\": %s, \"rps\": %s, \"p50_ms\": %s, \"max_ms\": %s}", first ? "" : ",\n",
			cs, PA[p], jnum(ratio(mg[ka], mg[kb])), jnum(ratio(mc[ka], mc[kb])), jnum(ratio(mt[ka], mt[kb])), jnum(ratio(mw[ka], mw[kb])), jnum(ratio(mr[ka], mr[kb])), jnum(ratio(m50[ka], m50[kb])), jnum(ratio(mmax[ka], mmax[kb])) > json
		first = 0
	}
	printf "\n  ],\n  \"sweep_winners\": [" > json
	first = 1
	for (sci = 1; sci <= nsc; sci++) for (zi = 1; zi <= nz; zi++) {
		cs = "sweep" SC[sci] "-" zname[zi]
		printf "%s\n    {\"conns\": %d, \"size\": \"%s\", \"bytes\": %d, \"fastest\": %s, \"cheapest_server_cpu\": %s, \"cheapest_server_plus_client_cpu\": %s}", (first ? "" : ","), SC[sci], zname[zi], zbytes[zname[zi]],
			fastest[cs] == "" ? "null" : "\"" fastest[cs] "\"", cheapest[cs] == "" ? "null" : "\"" cheapest[cs] "\"", cheapest_t[cs] == "" ? "null" : "\"" cheapest_t[cs] "\"" > json
		first = 0
	}
	printf "\n  ]\n}\n" > json
}
' "$RAW" >"$TMP/table"
cp "$RAW" "$OUT/http.raw.tsv"
mv "$TMP/table" "$TABLE"
mv "$TMP/http.json" "$JSON"
cat "$TABLE"

note "table: $TABLE; JSON: $JSON; raw: $OUT/http.raw.tsv; logs: $LOGS/"
fails=$(awk -F'\t' 'NR > 1 && !$4 { n++ } END { print n + 0 }' "$OUT/http.raw.tsv")
((fails == 0)) || die "$fails failed reps (wrong bytes, short bodies, stalls, errors): see above and $LOGS/failures.log"
