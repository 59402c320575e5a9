#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TFTP benchmark: bootherd (UDP GSO and one sendmsg per block) against tftpd-hpa and atftpd,
# all in the same run on loopback, with one client program for every server: CLIENT=atftp (the
# stock atftp client, one process per transfer; the default) or CLIENT=tftpload (bench/tftpload.c:
# one process, N sessions over epoll + recvmmsg). Prints a side-by-side table of medians and
# ratios and writes build/bench/tftp-$CLIENT.{txt,json,raw.tsv}. See bench/README.md for what
# each number means. All files (data, outputs, logs) live under build/bench/.
#
# It runs in a private network namespace of its own (unshare --net; NETNS=0 to stay in the
# host's): other processes on the machine can neither take its ports nor share them by
# SO_REUSEPORT, and the UDP drop counters of /proc/net/snmp count only its own traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

# Knobs.
REPS_SINGLE=${REPS_SINGLE:-${REPS:-5}}  # repetitions of each single-stream case
REPS_MANY=${REPS_MANY:-${REPS:-3}}      # repetitions of the many-clients case
CLIENT=${CLIENT:-atftp}                 # the client program: atftp or tftpload
CLIENTS=${CLIENTS:-200}                 # concurrent clients (sessions) in the many-clients case
BIG_MIB=${BIG_MIB:-64}                  # single-stream file size
MANY_MIB=${MANY_MIB:-16}                # per-client file size in the many-clients case
BLKSIZE=${BLKSIZE:-1468}
WINDOWS=${WINDOWS:-"1 16 64"}           # single-stream windowsizes
MANY_WS=${MANY_WS:-16}                  # windowsize of the many-clients case
IPERF_SECS=${IPERF_SECS:-3}             # length of each iperf3 run (REPS_MANY runs)
BH_LOG_LEVEL=${BH_LOG_LEVEL:-warn}      # info adds bootherd's per-transfer retransmit counts
SERVERS=${SERVERS:-"bootherd_gso bootherd_sendmsg tftpd_hpa atftpd"}
SINGLE_TIMEOUT=${SINGLE_TIMEOUT:-120}   # seconds before one client is called failed
MANY_TIMEOUT=${MANY_TIMEOUT:-300}
NETNS=${NETNS:-1}
LOAD_TIMEOUT_MS=${LOAD_TIMEOUT_MS:-1000} # tftpload -t: silence before it re-sends its last ACK

OUT=$ROOT/build/bench
BH=$ROOT/build/bootherd
ATFTPD=$ROOT/build/peers/atftpd/usr/sbin/atftpd
HPA=/usr/sbin/in.tftpd
LOAD=$ROOT/build/bench/bin/tftpload

die() { echo "bench/tftp: $*" >&2; exit 1; }
note() { printf 'bench/tftp: %s\n' "$*" >&2; }

# Into a private network namespace with only lo (up), unless told not to or unable to.
if [[ "$NETNS" == 1 && -z "${BENCH_TFTP_IN_NETNS:-}" ]]; then
	if unshare --net true 2>/dev/null; then
		export BENCH_TFTP_IN_NETNS=1
		# 127.0.0.2 too: glibc's AI_ADDRCONFIG counts every IPv4 address but 127.0.0.1, and
		# tftpd-hpa cannot resolve its -a address (exit 66) on a host without any.
		exec unshare --net -- bash -c \
			'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$0" "$@"' \
			"$ROOT/bench/tftp.sh" "$@"
	fi
	note "unshare --net refused: running in the host's network namespace"
fi
NS_NOTE="private network namespace (loopback only)"
[[ -n "${BENCH_TFTP_IN_NETNS:-}" ]] || NS_NOTE="host network namespace"

case $CLIENT in
atftp | tftpload) ;;
*) die "unknown CLIENT '$CLIENT' (known: atftp tftpload)" ;;
esac
# atftp is needed with either client: it probes the windowsize each server agrees to.
for t in atftp iperf3 ss flock timeout cmp awk; do
	command -v "$t" >/dev/null || die "$t is missing: run bench/run.sh (it installs what is needed)"
done
[[ "$CLIENT" != tftpload || -x "$LOAD" ]] || die "$LOAD is missing: make -C $ROOT build/bench/bin/tftpload"
[[ -x "$BH" ]] || die "$BH is missing: make -C $ROOT"
[[ -x "$HPA" ]] || die "$HPA is missing (package tftpd-hpa)"

# atftpd conflicts with tftpd-hpa as a package: unpack it privately, once.
if [[ " $SERVERS " == *" atftpd "* && ! -x "$ATFTPD" ]]; then
	note "fetching atftpd into build/peers/"
	mkdir -p "$ROOT/build/peers"
	(
		cd "$ROOT/build/peers"
		rm -f atftpd_*.deb
		apt-get download atftpd 2>/dev/null ||
			{ apt-get update -qq && apt-get download atftpd 2>/dev/null; }
		rm -rf atftpd
		dpkg -x atftpd_*.deb atftpd
	) || die "could not fetch atftpd"
	[[ -x "$ATFTPD" ]] || die "atftpd not found in the package"
fi

# Each client has its own logs, scratch folder and outputs: bench/run.sh runs one after the other
# and the second must not wipe what the first left.
LOGS=$OUT/logs/tftp-$CLIENT
TMP=$OUT/tmp-$CLIENT
mkdir -p "$OUT/data" "$LOGS"
rm -rf "$TMP" "${LOGS:?}/"*
mkdir -p "$TMP"
# Outputs of the single-client version of this script (tftp.{txt,json,raw.tsv}) go: their
# successors are tftp-atftp.*.
rm -rf "$OUT/tftp.txt" "$OUT/tftp.json" "$OUT/tftp.raw.tsv" "$OUT/logs/"*.log "$OUT/tmp"
# tftpd-hpa and atftpd drop to user nobody: the data must be reachable by others.
chmod a+rx "$ROOT/build" "$OUT" "$OUT/data"

# The raw lines go to tmp/ first: a run cut short leaves the last complete results in place.
RAW=$TMP/tftp.raw.tsv
JSON=$OUT/tftp-$CLIENT.json
TABLE=$OUT/tftp-$CLIENT.txt
RAW_OUT=$OUT/tftp-$CLIENT.raw.tsv

# --- Test data: random bytes, made once and kept between runs. -------------------------------
mkfile() { # NAME MIB
	local f=$OUT/data/$1
	if [[ ! -f "$f" || $(stat -c %s "$f") != $(($2 << 20)) ]]; then
		head -c $(($2 << 20)) /dev/urandom >"$f.tmp" && mv "$f.tmp" "$f"
	fi
	chmod a+r "$f"
}
BIG=big${BIG_MIB}m
SMALL=small${MANY_MIB}m
mkfile "$BIG" "$BIG_MIB"
mkfile "$SMALL" "$MANY_MIB"
# Files of other sizes, from earlier runs with other knobs, go.
for f in "$OUT"/data/big*m "$OUT"/data/small*m; do
	[[ -e "$f" && "$f" != "$OUT/data/$BIG" && "$f" != "$OUT/data/$SMALL" ]] && rm -f "$f"
done
printf 'probe\n' >"$OUT/data/probe"
chmod a+r "$OUT/data/probe"

# --- CPU accounting. ----------------------------------------------------------------------------
# Server CPU is user+system time. /proc/PID/stat covers every thread of bootherd and atftpd
# (exited ones too), but not tftpd-hpa's: it forks a child per transfer and ignores SIGCHLD, so
# the children are reaped by the kernel and their time never reaches the parent's cutime. So
# each server runs in a cgroup of its own and cpu.stat's usage_usec (every thread and child,
# in microseconds rather than 10 ms ticks) is the figure used; /proc/PID/stat is kept in the raw
# data as a cross-check. Without a writable cgroup v2 hierarchy, /proc/PID/stat is used and
# tftpd-hpa's CPU is reported as unknown.
# (The cgroups are made below, once the cleanup trap is in place.)
CG=

declare -A PID PORT LABEL
ALL_SERVERS=(bootherd_gso bootherd_sendmsg tftpd_hpa atftpd)
LABEL=([bootherd_gso]="bootherd GSO" [bootherd_sendmsg]="bootherd sendmsg"
       [tftpd_hpa]="tftpd-hpa" [atftpd]="atftpd")
for s in $SERVERS; do
	[[ -n "${LABEL[$s]:-}" ]] || die "unknown server '$s' (known: ${ALL_SERVERS[*]})"
done

cleanup() {
	local s p
	trap - EXIT INT TERM
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
	for s in "${!PID[@]}"; do
		# tftpd-hpa's per-transfer children are in its cgroup: end them too.
		[[ -n "$CG" && -w "$CG/$s/cgroup.kill" ]] && echo 1 >"$CG/$s/cgroup.kill" 2>/dev/null
	done
	wait 2>/dev/null || true
	# This script ran in CG/clients: out of it, so that it can go.
	bench_cg_remove
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_cg_create "bootherd-bench.$$"
CPU_METHOD="cgroup v2 cpu.stat usage_usec (all threads and children)"
[[ -n "$CG" ]] || CPU_METHOD="/proc/PID/stat utime+stime+cutime+cstime"

cpu_proc_us() { # PID -> utime+stime+cutime+cstime in microseconds, from /proc/PID/stat
	local st
	st=$(<"/proc/$1/stat") || { echo 0; return; }
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
cli_us() { # CPU microseconds of the clients (this script and its children), if measurable
	if [[ -n "$CG" ]]; then awk '$1 == "usage_usec" { print $2 }' "$CG/clients/cpu.stat"; else echo 0; fi
}
udp_errs() { # datagrams the kernel dropped on receive (InErrors, includes RcvbufErrors)
	awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["InErrors"] }' \
		/proc/net/snmp
}
udp_in() { # datagrams delivered to UDP sockets (InDatagrams): in the private namespace, only ours
	awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["InDatagrams"] }' \
		/proc/net/snmp
}
# The datagrams TRANSFERS clean reads of BYTES each take at windowsize WS, both directions: RRQ,
# OACK, ACK 0, one DATA per block (a last short or empty block included) and one ACK per WS
# blocks or at the last block. Anything beyond it is a retransmission (of a window, an ACK, a
# request) by either side, so the case's count against it is a protocol check on every pair.
ideal_dgrams() { # BYTES WS TRANSFERS
	local blocks=$(($1 / BLKSIZE + 1))
	echo $(($3 * (3 + blocks + (blocks + $2 - 1) / $2)))
}
# Waits until SERVER runs no transfer process but itself (tftpd-hpa's children exit after the
# last ACK), so that all of a case's CPU time is in the counter.
settle() {
	local i n
	[[ -n "$CG" ]] || { sleep 0.05; return; }
	for ((i = 0; i < 100; i++)); do
		n=$(wc -l <"$CG/$1/cgroup.procs")
		((n <= 1)) && return
		sleep 0.05
	done
	note "${LABEL[$1]}: transfer processes still running 5 s after the clients ended"
}

# --- Servers. -----------------------------------------------------------------------------------
used_ports=" "
pick_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		[[ "$used_ports" == *" $p "* ]] && continue
		[[ -z $(ss -Hatun "sport = :$p") ]] && break
	done
	used_ports+="$p "
	echo "$p"
}

launch() { # SERVER COMMAND... (the command's stdout and stderr go to logs/SERVER.log)
	local s=$1
	shift
	if [[ -n "$CG" ]]; then
		mkdir -p "$CG/$s"
		(echo "$BASHPID" >"$CG/$s/cgroup.procs" && exec "$@") >"$LOGS/$s.log" 2>&1 &
	else
		("$@") >"$LOGS/$s.log" 2>&1 &
	fi
	PID[$s]=$!
}

start_server() {
	local s=$1 p i
	p=$(pick_port)
	PORT[$s]=$p
	case $s in
	bootherd_gso | bootherd_sendmsg)
		local gso=true
		[[ $s == bootherd_sendmsg ]] && gso=false
		# client_rate 0: the per-address request rate limit (default 50/s, burst 200) would
		# see the bench's 200 clients, all from 127.0.0.1, as one client.
		cat >"$OUT/$s.yaml" <<-EOF
			listen: 127.0.0.1
			tftp:
			  port: $p
			  gso: $gso
			http:
			  enabled: false
			limits:
			  client_rate: 0
			roots:
			  - path: $OUT/data
		EOF
		launch "$s" "$BH" serve -c "$OUT/$s.yaml" --log-level "$BH_LOG_LEVEL"
		;;
	tftpd_hpa)
		launch "$s" "$HPA" -L -s "$OUT/data" -a "127.0.0.1:$p"
		;;
	atftpd)
		# --verbose=4: warnings only (LOG_WARNING), not a line per transfer nor per block.
		launch "$s" "$ATFTPD" --daemon --no-fork --port "$p" --bind-address 127.0.0.1 \
			--maxthread 300 --verbose=4 --logfile - "$OUT/data"
		;;
	esac
	for ((i = 0; i < 100; i++)); do
		kill -0 "${PID[$s]}" 2>/dev/null || die "${LABEL[$s]} exited at start: see $LOGS/$s.log"
		[[ -n $(ss -Huln "sport = :$p") ]] && break
		sleep 0.05
	done
	((i < 100)) || die "${LABEL[$s]} is not listening on 127.0.0.1:$p"
	# Every socket on the port must be this server's (SO_REUSEPORT would share it silently).
	local others
	others=$(ss -Hulnp "sport = :$p" | grep -v "pid=${PID[$s]}," || true)
	[[ -z "$others" ]] || die "127.0.0.1:$p is shared with another process: $others"
}

declare -A WS_NEG
# The windowsize a server agrees to (asked for the largest of the run), from the OACK that atftp
# traces for a tiny file.
probe_ws() {
	local s=$1 ws max=$MANY_WS w
	for w in $WINDOWS; do ((w > max)) && max=$w; done
	ws=$(atftp --trace -g -r probe -l "$TMP/probe.$s" --option "blksize $BLKSIZE" \
		--option "windowsize $max" 127.0.0.1 "${PORT[$s]}" 2>&1 |
		sed -n 's/.*received OACK.*windowsize: \([0-9]*\).*/\1/p' | head -1) || true
	WS_NEG[$s]=${ws:-1}
}

# --- One measurement: writes a line to RAW. -----------------------------------------------------
# RAW columns: case server ws rep ok wall_s bytes cpu_s cpu_proc_s udp_errs fails clients retx
# client_cpu_s tool_wall_s srv_log_lines udp_dgrams ideal_dgrams
# (tool_wall_s: the wall time tftpload measured itself, "-" with atftp; srv_log_lines: lines the
# server wrote to its log during the case: warnings only, at the log levels used here;
# udp_dgrams: UDP datagrams delivered during the case, both directions, "-" outside the private
# namespace; ideal_dgrams: what clean transfers take, see ideal_dgrams().)
printf 'case\tserver\tws\trep\tok\twall_s\tbytes\tcpu_s\tcpu_proc_s\tudp_errs\tfails\tclients\tretx\tclient_cpu_s\ttool_wall_s\tsrv_log_lines\tudp_dgrams\tideal_dgrams\n' \
	>"$RAW"

# Sum of "N retransmits" in the log lines a bootherd wrote since line $2 (info level only).
retx_since() {
	[[ "$1" == bootherd_* && "$BH_LOG_LEVEL" =~ ^(info|debug)$ ]] || { echo -; return; }
	tail -n +$(($2 + 1)) "$LOGS/$1.log" | grep -o '[0-9]* retransmits' |
		awk '{ n += $1 } END { print n + 0 }'
}

# Counters before (snap 0) and after (snap 1) a measurement: server CPU by the chosen method and
# by /proc/PID/stat, client CPU, UDP receive errors. In globals: the callers time around them.
snap() { # 0|1 SERVER
	local -n sn=SNAP$1
	sn=("$(udp_errs)" "$(cpu_us "$2")" "$(cpu_proc_us "${PID[$2]}")" "$(cli_us)" "$(udp_in)")
}
SNAP0=()
SNAP1=()
record() { # case server ws rep ok t0 t1 bytes fails clients retx tool_wall_s srv_log_lines
	local ws_eff=$3 ideal
	((ws_eff <= WS_NEG[$2])) || ws_eff=${WS_NEG[$2]}
	ideal=$(ideal_dgrams $(($8 / ${10})) "$ws_eff" "${10}")
	awk -v OFS='\t' -v c="$1" -v s="$2" -v ws="$3" -v rep="$4" -v ok="$5" -v t0="$6" \
		-v t1="$7" -v b="$8" -v f="$9" -v n="${10}" -v rx="${11}" -v tw="${12}" -v ll="${13}" \
		-v u0="${SNAP0[0]}" -v c0="${SNAP0[1]}" -v p0="${SNAP0[2]}" -v k0="${SNAP0[3]}" \
		-v u1="${SNAP1[0]}" -v c1="${SNAP1[1]}" -v p1="${SNAP1[2]}" -v k1="${SNAP1[3]}" \
		-v i0="${SNAP0[4]}" -v i1="${SNAP1[4]}" -v ns="${BENCH_TFTP_IN_NETNS:-}" -v id="$ideal" 'BEGIN {
		print c, s, ws, rep, ok, sprintf("%.4f", t1 - t0), b, sprintf("%.4f", (c1 - c0) / 1e6),
		      sprintf("%.2f", (p1 - p0) / 1e6), u1 - u0, f, n, rx, sprintf("%.4f", (k1 - k0) / 1e6),
		      tw, ll, ns ? i1 - i0 : "-", id }' \
		>>"$RAW"
}
log_lines() { wc -l <"$LOGS/$1.log"; } # SERVER

# tftpload runs every session of a case in one process: it compares each block with the expected
# file as it arrives (so it writes nothing to disk) and exits 1 if any session failed (wrong or
# missing bytes, an ERROR from the server, a timeout). Its JSON line is checked too: every session
# done, every byte counted.
load_run() { # TIMEOUT_S FILE SESSIONS WS PORT OUT (OUT: the JSON line; OUT.err: its stderr)
	timeout -k 5 "$1" "$LOAD" -s 127.0.0.1 -p "$5" -r "$2" -e "$OUT/data/$2" -n "$3" \
		-b "$BLKSIZE" -w "$4" -t "$LOAD_TIMEOUT_MS" -j >"$6" 2>"$6.err"
}
jfield() { # JSON_FILE KEY -> the value of KEY in tftpload's one-line JSON (empty if absent)
	sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$1" 2>/dev/null | head -1
}
load_ok() { # JSON_FILE SESSIONS FILE_BYTES -> status 0 if the JSON says all went well
	[[ "$(jfield "$1" ok)" == "$2" && "$(jfield "$1" failed)" == 0 &&
	   "$(jfield "$1" bytes)" == $(($2 * $3)) ]]
}

# Both clients are timed the same way: by this script, from just before the client process
# starts (atftp) or is released (see run_many) to the end of the last one. So wall time includes
# the client's own start (exec; for tftpload also mapping the expected file and opening its
# sockets). tftpload's own figure (first RRQ to last session done) is kept as tool_wall_s.
run_single() { # SERVER WS REP
	local s=$1 ws=$2 rep=$3 out=$TMP/single.out rc=0 ok=1 t0 t1 l0 tw=-
	rm -f "$out" "$out.err"
	l0=$(log_lines "$s")
	snap 0 "$s"
	t0=$EPOCHREALTIME
	if [[ $CLIENT == atftp ]]; then
		timeout -k 5 "$SINGLE_TIMEOUT" atftp -g -r "$BIG" -l "$out" --option "blksize $BLKSIZE" \
			--option "windowsize $ws" 127.0.0.1 "${PORT[$s]}" >"$TMP/client.log" 2>&1 || rc=$?
	else
		load_run "$SINGLE_TIMEOUT" "$BIG" 1 "$ws" "${PORT[$s]}" "$out" || rc=$?
	fi
	t1=$EPOCHREALTIME
	settle "$s"
	snap 1 "$s"
	if [[ $CLIENT == atftp ]]; then
		if ((rc != 0)) || ! cmp -s "$out" "$OUT/data/$BIG"; then
			ok=0
			note "FAIL: ${LABEL[$s]} single ws=$ws rep $rep: client exit $rc, output differs or is missing"
			sed 's/^/    client: /' "$TMP/client.log" | tail -3 >&2
		fi
	else
		tw=$(jfield "$out" wall_s)
		if ((rc != 0)) || ! load_ok "$out" 1 $((BIG_MIB << 20)); then
			ok=0
			note "FAIL: ${LABEL[$s]} single ws=$ws rep $rep: tftpload exit $rc: $(cat "$out" "$out.err" 2>/dev/null | tr '\n' ' ')"
		fi
	fi
	record "single-ws$ws" "$s" "$ws" "$rep" "$ok" "$t0" "$t1" $((BIG_MIB << 20)) $((1 - ok)) 1 \
		"$(retx_since "$s" "$l0")" "${tw:--}" $(($(log_lines "$s") - l0))
	rm -f "$out" "$out.err"
}

# tftpload: one process runs the CLIENTS sessions (it opens every socket and sends every RRQ in
# a loop before reading any reply), timed from its start to its exit.
run_many_load() { # SERVER REP
	local s=$1 rep=$2 out=$TMP/many.json rc=0 fails=0 t0 t1 l0 tw
	rm -f "$out" "$out.err"
	l0=$(log_lines "$s")
	snap 0 "$s"
	t0=$EPOCHREALTIME
	load_run "$MANY_TIMEOUT" "$SMALL" "$CLIENTS" "$MANY_WS" "${PORT[$s]}" "$out" || rc=$?
	t1=$EPOCHREALTIME
	settle "$s"
	snap 1 "$s"
	tw=$(jfield "$out" wall_s)
	if ((rc != 0)) || ! load_ok "$out" "$CLIENTS" $((MANY_MIB << 20)); then
		fails=$(jfield "$out" failed)
		[[ -n "$fails" && "$fails" != 0 ]] || fails=$CLIENTS
		note "FAIL: ${LABEL[$s]} ${CLIENTS} clients rep $rep: tftpload exit $rc, $fails sessions" \
			"failed: $(cat "$out" "$out.err" 2>/dev/null | tr '\n' ' ')"
	fi
	record "many-ws$MANY_WS" "$s" "$MANY_WS" "$rep" $((fails == 0)) "$t0" "$t1" \
		$((CLIENTS * (MANY_MIB << 20))) "$fails" "$CLIENTS" "$(retx_since "$s" "$l0")" \
		"${tw:--}" $(($(log_lines "$s") - l0))
	rm -f "$out" "$out.err"
}

run_many() { # SERVER REP
	local s=$1 rep=$2 dir=$TMP/many lock=$TMP/go.lock i rc fails=0 lfd
	local t0 t1 l0
	local -a pids
	[[ $CLIENT == atftp ]] || { run_many_load "$@"; return; }
	rm -rf "$dir"
	mkdir -p "$dir"
	: >"$lock"
	l0=$(log_lines "$s")
	# All clients start at once: each waits for a shared lock on go.lock, held exclusively here
	# until every client is spawned, so process creation stays out of the timed part.
	exec {lfd}>"$lock"
	flock -x "$lfd"
	for ((i = 0; i < CLIENTS; i++)); do
		timeout -k 5 "$MANY_TIMEOUT" flock -s "$lock" atftp -g -r "$SMALL" -l "$dir/c$i" \
			--option "blksize $BLKSIZE" --option "windowsize $MANY_WS" \
			127.0.0.1 "${PORT[$s]}" >"$dir/c$i.log" 2>&1 {lfd}>&- &
		pids[i]=$!
	done
	sleep 0.5
	snap 0 "$s"
	t0=$EPOCHREALTIME
	flock -u "$lfd"
	for ((i = 0; i < CLIENTS; i++)); do
		rc=0
		wait "${pids[i]}" || rc=$?
		echo "$rc" >"$dir/c$i.rc"
	done
	t1=$EPOCHREALTIME
	exec {lfd}>&-
	settle "$s"
	snap 1 "$s"
	for ((i = 0; i < CLIENTS; i++)); do
		if [[ $(<"$dir/c$i.rc") != 0 ]] || ! cmp -s "$dir/c$i" "$OUT/data/$SMALL"; then
			((fails == 0)) && { note "FAIL: ${LABEL[$s]} ${CLIENTS} clients rep $rep:" \
				"client $i exit $(<"$dir/c$i.rc"), output differs or is missing";
				tail -3 "$dir/c$i.log" | sed 's/^/    client: /' >&2; }
			fails=$((fails + 1))
		fi
	done
	((fails == 0)) || note "FAIL: ${LABEL[$s]} ${CLIENTS} clients rep $rep: $fails clients failed"
	record "many-ws$MANY_WS" "$s" "$MANY_WS" "$rep" $((fails == 0)) "$t0" "$t1" \
		$((CLIENTS * (MANY_MIB << 20))) "$fails" "$CLIENTS" "$(retx_since "$s" "$l0")" - \
		$(($(log_lines "$s") - l0))
	rm -rf "$dir"
}

# --- The UDP limit: iperf3, one flow of 1472-byte datagrams, the receiver's rate. --------------
# Twice: as asked (default socket buffers: the receiver's 208 KiB buffer overflows under -b 0 and
# most datagrams are lost, so this is a floor) and with -w 4M, the path's real single-flow limit,
# which the "% of UDP" rows use.
IPERF_MBPS=()
IPERF_W_MBPS=()
run_iperf() { # [IPERF3 CLIENT OPTIONS...]
	local p pid i line
	p=$(pick_port)
	iperf3 -s -1 -B 127.0.0.1 -p "$p" >"$LOGS/iperf3-server.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ss -Htln "sport = :$p") ]] && break
		sleep 0.05
	done
	line=$(iperf3 -c 127.0.0.1 -p "$p" -u -b 0 -l 1472 -t "$IPERF_SECS" -f m "$@" 2>&1 |
		tee -a "$LOGS/iperf3-client.log" | grep receiver || true)
	wait "$pid" 2>/dev/null || true
	# "... 1234 MBytes  3456 Mbits/sec  0.001 ms  12/3456 (0.35%)  receiver"
	awk '{ for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") { printf "%.1f\n", $(i - 1) / 8; exit } }' \
		<<<"$line"
}

# --- The run. -----------------------------------------------------------------------------------
read -r -a SV <<<"$SERVERS"
note "servers: ${SERVERS}; ${NS_NOTE}; CPU from ${CPU_METHOD}"
for s in "${SV[@]}"; do start_server "$s"; done
# The clients' CPU: this script moves into a cgroup of its own, and its children with it.
if [[ -n "$CG" ]]; then
	mkdir -p "$CG/clients"
	echo $$ >"$CG/clients/cgroup.procs"
fi
for s in "${SV[@]}"; do
	probe_ws "$s"
	# Warm-up, verified, with the client of the run: page cache, bootherd's content cache,
	# atftpd's and tftpd-hpa's first fork or thread. Not timed.
	for f in "$SMALL" "$BIG"; do
		if [[ $CLIENT == atftp ]]; then
			atftp -g -r "$f" -l "$TMP/warm" --option "blksize $BLKSIZE" --option "windowsize 16" \
				127.0.0.1 "${PORT[$s]}" >"$TMP/client.log" 2>&1 &&
				cmp -s "$TMP/warm" "$OUT/data/$f" ||
				die "${LABEL[$s]}: warm-up fetch of $f failed: $(tail -2 "$TMP/client.log")"
		else
			load_run "$SINGLE_TIMEOUT" "$f" 1 16 "${PORT[$s]}" "$TMP/warm" &&
				load_ok "$TMP/warm" 1 "$(stat -c %s "$OUT/data/$f")" ||
				die "${LABEL[$s]}: warm-up fetch of $f failed: $(cat "$TMP/warm" "$TMP/warm.err" 2>/dev/null)"
		fi
	done
	rm -f "$TMP/warm" "$TMP/warm.err"
	note "${LABEL[$s]} on 127.0.0.1:${PORT[$s]} (pid ${PID[$s]}), windowsize agreed: ${WS_NEG[$s]}"
done

# Repetitions are interleaved (each rep runs every server, in a rotated order), so that noise
# from the machine falls on all servers alike.
rotated() { # REP -> the servers, rotated by REP
	local n=${#SV[@]} i
	for ((i = 0; i < n; i++)); do printf '%s ' "${SV[(i + $1) % n]}"; done
}
for ((rep = 1; rep <= REPS_SINGLE; rep++)); do
	note "single stream ${BIG_MIB} MiB, rep $rep/$REPS_SINGLE"
	for s in $(rotated "$rep"); do
		for ws in $WINDOWS; do run_single "$s" "$ws" "$rep"; done
	done
done
for ((rep = 1; rep <= REPS_MANY; rep++)); do
	note "${CLIENTS} clients x ${MANY_MIB} MiB, rep $rep/$REPS_MANY"
	for s in $(rotated "$rep"); do run_many "$s" "$rep"; done
done
for ((rep = 1; rep <= REPS_MANY; rep++)); do
	note "iperf3 UDP limit, rep $rep/$REPS_MANY"
	IPERF_MBPS+=("$(run_iperf)")
	IPERF_W_MBPS+=("$(run_iperf -w 4M)")
done

for s in "${SV[@]}"; do
	kill -0 "${PID[$s]}" 2>/dev/null || note "${LABEL[$s]} died during the run: see $LOGS/$s.log"
done

# --- Medians, the table and the JSON. -----------------------------------------------------------
wsneg=
for s in "${SV[@]}"; do wsneg+="$s=${WS_NEG[$s]} "; done
labels=
for s in "${SV[@]}"; do labels+="$s=${LABEL[$s]// /_} "; done

awk -F'\t' -v servers="$SERVERS" -v wsneg="$wsneg" -v labels="$labels" \
	-v iperf="${IPERF_MBPS[*]}" -v iperfw="${IPERF_W_MBPS[*]}" -v json="$TMP/tftp.json" -v cpu_method="$CPU_METHOD" \
	-v netns="$NS_NOTE" -v cg="${CG:+1}" -v blksize="$BLKSIZE" -v clients="$CLIENTS" \
	-v big="$BIG_MIB" -v small="$MANY_MIB" -v reps_s="$REPS_SINGLE" -v reps_m="$REPS_MANY" \
	-v kernel="$(uname -r)" -v ncpu="$(nproc)" -v model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	-v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v rev="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
	-v loglevel="$BH_LOG_LEVEL" -v client="$CLIENT" -v load_timeout="$LOAD_TIMEOUT_MS" "$BENCH_AWK_LIB"'
BEGIN {
	ns = split(servers, S, " ")
	split(wsneg, W, " "); for (i in W) { split(W[i], kv, "="); ws_of[kv[1]] = kv[2] }
	split(labels, L, " "); for (i in L) { split(L[i], kv, "="); gsub("_", " ", kv[2]); lab[kv[1]] = kv[2] }
	udp0 = median(iperf)
	udp = median(iperfw)
}
NR == 1 { next }
{
	k = $1 SUBSEP $2
	if (!(k in seen)) { seen[k] = 1; if (!($1 in cseen)) { cseen[$1] = 1; cases[++nc] = $1; cws[$1] = $3 } }
	reps[k]++
	raw[k] = raw[k] sprintf("%s{\"rep\":%d,\"ok\":%s,\"wall_s\":%s,\"bytes\":%s,\"cpu_s\":%s,\"cpu_procstat_s\":%s,\"udp_in_errors\":%d,\"failed_clients\":%d,\"retransmits\":%s,\"client_cpu_s\":%s,\"tool_wall_s\":%s,\"server_log_lines\":%d,\"udp_datagrams\":%s,\"ideal_datagrams\":%d}",
		raw[k] == "" ? "" : ",", $4, $5 ? "true" : "false", $6, $7, $8, $9, $10, $11, $13 == "-" ? "null" : $13, cg ? $14 : "null",
		($15 == "-" || $15 == "") ? "null" : $15, $16, ($17 == "-" || $17 == "") ? "null" : $17, $18)
	loglines[k] += $16
	# A failed transfer ends short of its datagrams: only complete reps are counted.
	if ($17 != "-" && $17 != "" && $5) { dg[k] += $17 - $18; dgseen[k] = 1 }
	udperr[k] += $10
	if ($13 != "-") retx[k] += $13; else retx[k] = "-"
	if (!$5) { failed[k]++; next }
	okreps[k]++
	wall[k] = wall[k] " " $6
	mbps[k] = mbps[k] " " ($7 / 1e6 / $6)
	cpugb[k] = cpugb[k] " " ($8 / ($7 / 1e9))
	score[k] = score[k] " " (100 * $8 / $6)
	ccore[k] = ccore[k] " " (100 * $14 / $6)
	if ($15 != "-" && $15 != "") { twall[k] = twall[k] " " $15; anytw = 1 }
}
END {
	for (c = 1; c <= nc; c++) for (i = 1; i <= ns; i++) {
		k = cases[c] SUBSEP S[i]
		mw[k] = median(wall[k]); mm[k] = median(mbps[k])
		mc[k] = (!cg && S[i] == "tftpd_hpa") ? "" : median(cpugb[k])
		msc[k] = (!cg && S[i] == "tftpd_hpa") ? "" : median(score[k])
		mcc[k] = cg ? median(ccore[k]) : ""
		mtw[k] = median(twall[k])
	}
	# The table.
	hdr = sprintf("%-22s %-11s", "case", "metric")
	for (i = 1; i <= ns; i++) hdr = hdr pad(lab[S[i]] (ws_of[S[i]] == 1 ? "*" : ""), 18)
	np = 0
	if (("bootherd_gso" in lab) && ("tftpd_hpa" in lab)) { PA[++np] = "bootherd_gso"; PB[np] = "tftpd_hpa"; PN[np] = "bh/hpa" }
	if (("bootherd_gso" in lab) && ("atftpd" in lab)) { PA[++np] = "bootherd_gso"; PB[np] = "atftpd"; PN[np] = "bh/atftpd" }
	if (("bootherd_gso" in lab) && ("bootherd_sendmsg" in lab)) { PA[++np] = "bootherd_gso"; PB[np] = "bootherd_sendmsg"; PN[np] = "gso/sendmsg" }
	hdr = hdr "  |"
	for (p = 1; p <= np; p++) hdr = hdr pad(PN[p], 12)
	printf "TFTP on loopback (%s), blksize %d, %s client; medians of %d (single) and %d (%d clients) reps\n", netns, blksize, client == "atftp" ? "atftp 0.8.0" : "tftpload", reps_s, reps_m, clients
	printf "UDP limit, iperf3 -u -b 0 -l 1472, one flow, receiver (median of %d): %s MB/s with default socket buffers,\n", split(iperf, tmp, " "), fmt(udp0, 0)
	printf "  %s MB/s with -w 4M (the \"%% of UDP\" rows use this one)\n", fmt(udp, 0)
	printf "%s\n", hdr
	line = hdr; gsub(/./, "-", line); print line
	for (c = 1; c <= nc; c++) {
		cs = cases[c]
		name = cs ~ /^single/ ? sprintf("1 x %d MiB ws=%d", big, cws[cs]) : sprintf("%d x %d MiB ws=%d", clients, small, cws[cs])
		split("wall s|MB/s|% of UDP|CPU-s/GB|fails|UDP drops|server %cpu|client %cpu|(own wall s)|extra dgrams", M, "|")
		nord = split("1 9 2 3 4 7 8 5 6 10", ORD, " ")
		for (mi = 1; mi <= nord; mi++) {
			m = ORD[mi] + 0
			if (m == 8 && !cg) continue
			if (m == 9 && !anytw) continue
			if (m == 10) { any = 0; for (i = 1; i <= ns; i++) if (dg[cs SUBSEP S[i]]) any = 1; if (!any) continue }
			if (m == 6) { any = 0; for (i = 1; i <= ns; i++) if (udperr[cs SUBSEP S[i]]) any = 1; if (!any) continue }
			row = sprintf("%-22s %-11s", m == 1 ? name : "", M[m])
			for (i = 1; i <= ns; i++) {
				k = cs SUBSEP S[i]
				if (m == 1) v = fmt(mw[k], 3)
				else if (m == 2) v = fmt(mm[k], 1)
				else if (m == 3) v = (mm[k] == "" || udp == "") ? "-" : sprintf("%.1f%%", 100 * mm[k] / udp)
				else if (m == 4) v = fmt(mc[k], 2)
				else if (m == 5) v = sprintf("%d/%d", failed[k] + 0, reps[k])
				else if (m == 7) v = msc[k] == "" ? "-" : sprintf("%.0f%%", msc[k])
				else if (m == 8) v = mcc[k] == "" ? "-" : sprintf("%.0f%%", mcc[k])
				else if (m == 9) v = fmt(mtw[k], 3)
				else if (m == 10) v = dgseen[k] ? dg[k] : "-"
				else v = udperr[k] + 0
				row = row pad(v, 18)
			}
			row = row "  |"
			for (p = 1; p <= np; p++) {
				ka = cs SUBSEP PA[p]; kb = cs SUBSEP PB[p]
				if (m == 1) v = ratio(mw[ka], mw[kb]); else if (m == 2) v = ratio(mm[ka], mm[kb])
				else if (m == 4) v = ratio(mc[ka], mc[kb]); else v = ""
				row = row pad(v == "" ? "" : sprintf("%.2f", v), 12)
			}
			print row
		}
	}
	print line
	for (i = 1; i <= ns; i++) if (ws_of[S[i]] == 1) printf "* %s does not support windowsize (RFC 7440): it runs lockstep (ws=1) in every case.\n", lab[S[i]]
	print "MB = 10^6 bytes of file data per second of wall time (aggregate for the many-clients case)."
	printf "CPU-s/GB = server user+system CPU seconds per 10^9 bytes sent; from %s.\n", cpu_method
	print "Ratios are bootherd GSO / peer (bootherd GSO / bootherd sendmsg for gso/sendmsg): < 1 is better for"
	print "wall s and CPU-s/GB, > 1 is better for MB/s. fails: failed reps / reps (a failed rep is left out of the medians)."
	print "server/client %cpu: CPU time over wall time (100% = one core busy; this machine has " ncpu "); the client is"
	if (client == "atftp")
		print "every atftp process of the case (one per transfer, started together through a shared flock)."
	else
		print "the one tftpload process (every session of the case over epoll + recvmmsg, each block compared in memory)."
	print "wall s: timed around the client process(es) by the script, client start included, the same for both clients."
	if (anytw) print "(own wall s): what tftpload measured itself, first RRQ to last session done (not used for MB/s)."
	print "UDP drops (shown only when any): receive errors in /proc/net/snmp. extra dgrams (shown only when any): UDP"
	print "datagrams beyond what clean transfers take (retransmissions by either side), all reps without a fail together."
	anydg = 0; for (k in dgseen) anydg = 1
	if (anydg) { all0 = 1; for (k in dg) if (dg[k]) all0 = 0; if (all0) print "Every case took exactly the datagrams clean transfers take: no retransmission by either side." }
	for (c = 1; c <= nc; c++) for (i = 1; i <= ns; i++) { k = cases[c] SUBSEP S[i]; if (loglines[k]) printf "Log lines (warnings) from %s during %s: %d in all reps (see the logs).\n", lab[S[i]], cases[c], loglines[k] }
	if (!cg) print "tftpd-hpa forks a child per transfer and ignores SIGCHLD: its CPU cannot be read from /proc/PID/stat (no cgroup v2 here)."

	# The JSON.
	printf "{\n  \"date\": \"%s\",\n  \"revision\": \"%s\",\n", date, rev > json
	printf "  \"machine\": {\"cpus\": %d, \"cpu_model\": \"%s\", \"kernel\": \"%s\", \"network\": \"%s\"},\n", ncpu, model, kernel, netns > json
	printf "  \"params\": {\"blksize\": %d, \"single_file_mib\": %d, \"many_file_mib\": %d, \"clients\": %d, \"reps_single\": %d, \"reps_many\": %d, \"bootherd_log_level\": \"%s\", \"client\": \"%s\", \"tftpload_timeout_ms\": %s},\n", blksize, big, small, clients, reps_s, reps_m, loglevel, client, client == "tftpload" ? load_timeout : "null" > json
	printf "  \"units\": {\"wall_s\": \"timed by the script around the client process(es), client start included; tool_wall_s as measured by tftpload itself\", \"MBps\": \"10^6 bytes of file data per second of wall time\", \"cpu_s_per_GB\": \"server user+system CPU seconds per 10^9 bytes\", \"cpu_method\": \"%s\"},\n", cpu_method > json
	printf "  \"udp_limit\": {\"tool\": \"iperf3 -u -b 0 -l 1472 (one flow), receiver\", \"MBps_median\": %s, \"MBps_reps\": [%s],\n", jnum(udp0), gensub_list(iperf) > json
	printf "    \"w4M\": {\"tool\": \"iperf3 -u -b 0 -l 1472 -w 4M (one flow), receiver\", \"MBps_median\": %s, \"MBps_reps\": [%s]}},\n", jnum(udp), gensub_list(iperfw) > json
	printf "  \"servers\": {" > json
	for (i = 1; i <= ns; i++) printf "%s\"%s\": {\"label\": \"%s\", \"windowsize_agreed\": %d}", (i > 1 ? ", " : ""), S[i], lab[S[i]], ws_of[S[i]] > json
	printf "},\n  \"results\": [\n" > json
	first = 1
	for (c = 1; c <= nc; c++) for (i = 1; i <= ns; i++) {
		cs = cases[c]; k = cs SUBSEP S[i]
		if (!(k in reps)) continue
		printf "%s    {\"case\": \"%s\", \"server\": \"%s\", \"windowsize_asked\": %d, \"windowsize_agreed\": %d, \"reps\": %d, \"reps_failed\": %d, \"wall_s_median\": %s, \"tool_wall_s_median\": %s, \"MBps_median\": %s, \"pct_of_udp_limit_w4M\": %s, \"cpu_s_per_GB_median\": %s, \"server_cpu_pct_median\": %s, \"client_cpu_pct_median\": %s, \"udp_in_errors\": %d, \"extra_datagrams\": %s, \"retransmits\": %s,\n      \"raw\": [%s]}",
			first ? "" : ",\n", cs, S[i], cws[cs], ws_of[S[i]] < cws[cs] ? ws_of[S[i]] : cws[cs], reps[k], failed[k] + 0,
			jnum(mw[k]), jnum(mtw[k]), jnum(mm[k]), (mm[k] == "" || udp == "") ? "null" : 100 * mm[k] / udp, jnum(mc[k]), jnum(msc[k]), jnum(mcc[k]), udperr[k], dgseen[k] ? dg[k] + 0 : "null", retx[k] == "-" ? "null" : retx[k] + 0, raw[k] > json
		first = 0
	}
	printf "\n  ],\n  \"ratios\": [\n" > json
	first = 1
	for (c = 1; c <= nc; c++) for (p = 1; p <= np; p++) {
		cs = cases[c]; ka = cs SUBSEP PA[p]; kb = cs SUBSEP PB[p]
		printf "%s    {\"case\": \"%s\", \"of\": \"%s/%s\", \"wall_s\": %s, \"MBps\": %s, \"cpu_s_per_GB\": %s}", first ? "" : ",\n",
			cs, PA[p], PB[p], jnum(ratio(mw[ka], mw[kb])), jnum(ratio(mm[ka], mm[kb])), jnum(ratio(mc[ka], mc[kb])) > json
		first = 0
	}
	printf "\n  ]\n}\n" > json
}
function gensub_list(s,    a, n, i, o) { n = split(s, a, " "); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? ", " : "") (a[i] + 0); return o }
' "$RAW" >"$TMP/table"
cp "$RAW" "$RAW_OUT"
mv "$TMP/table" "$TABLE"
mv "$TMP/tftp.json" "$JSON"
cat "$TABLE"

note "table: $TABLE; JSON: $JSON; raw: $RAW_OUT; logs: $LOGS/"
fails=$(awk -F'\t' 'NR > 1 && !$5 { n++ } END { print n + 0 }' "$RAW_OUT")
((fails == 0)) || die "$fails failed reps (wrong bytes, client error or timeout): see above"
