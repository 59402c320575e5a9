# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the shell tests under tests/integration/ and tests/e2e/. Source it first thing:
#
#	. "$(dirname "$0")/../lib.sh"
#
# Protocol (counted by tests/run.sh): each case prints exactly one line on stdout,
#	ok NAME | FAIL NAME: reason | skip NAME: reason
# and anything else a test wants to say goes to stderr prefixed with "# ". A script exits
# non-zero when one of its cases failed.
#
# Every test gets its own temp dir $T (removed on exit). Every process a test starts in the
# background is recorded (track_pid) and killed by PID when the script exits, however it
# exits; nothing is ever killed by name.
#
# Environment:
#	BOOTHERD               server binary (default: build/bootherd of this tree)
#	BOOTHERD_TEST_SERVER   "bootherd" (default) or "tftpd-hpa": start_bootherd then runs
#	                       in.tftpd as a stand-in, to check the tests themselves; or
#	                       "dnsmasq", which the DHCP tests start themselves as their stand-in.
#	SERVER_NETNS           when set, start_bootherd runs the server in this network namespace
#	                       (ip netns exec), and the port checks look there.
#	BOOTHERD_TEST_KEEP=1   keep $T after the run, for debugging.
#	BOOTHERD_TEST_PORT_WAIT=0  stop_bootherd returns as soon as the server is reaped, without
#	                       waiting for its ports to be released (see stop_bootherd).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BOOTHERD=${BOOTHERD:-$TOP/build/bootherd}
BOOTHERD_TEST_SERVER=${BOOTHERD_TEST_SERVER:-bootherd}
TFTPD_HPA=${TFTPD_HPA:-/usr/sbin/in.tftpd}

T=$(mktemp -d "${TMPDIR:-/tmp}/bootherd-test.XXXXXX") || exit 1
# A server that drops privileges must still reach the files under $T.
chmod 755 "$T"

SERVER_PID=
SERVER_LOG=
SERVER_NETNS=${SERVER_NETNS:-}
declare -A _lib_netns_of=()	# server PID -> the network namespace it runs in
declare -A _lib_ports=()	# server PID -> "udp:PORT tcp:PORT ..." it listened on
_lib_pids=()
_lib_groups=()		# process groups we created (setsid), by leader PID
_lib_nfail=0
_lib_log_dumped=

_lib_alive()
{
	local st
	[[ -r /proc/$1/stat ]] || return 1
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n "$st" && "$st" != Z ]]
}

# Kill one process we started: TERM, up to $2 tenths of a second to go, then KILL; reap it.
_lib_kill_pid()
{
	local pid=$1 tenths=${2:-30} i
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for ((i = 0; i < tenths; i++)); do
		_lib_alive "$pid" || break
		sleep 0.1
	done
	_lib_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Whatever is left in a process group we created (children of a forking server).
_lib_kill_group()
{
	local i
	kill -TERM -- "-$1" 2>/dev/null || return 0
	for ((i = 0; i < 20; i++)); do
		kill -0 -- "-$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$1" 2>/dev/null
	return 0
}

_lib_cleanup()
{
	local rc=$? pid
	# A runner's timeout signals twice (the script, then its process group): the second
	# signal must not cut the cleanup short.
	trap - EXIT
	trap '' INT TERM HUP
	for pid in "${_lib_pids[@]}"; do
		_lib_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${_lib_pids[@]}"; do
		_lib_kill_pid "$pid" 20
	done
	for pid in "${_lib_groups[@]}"; do
		_lib_kill_group "$pid"
	done
	# After the processes: a namespace with a process left in it would outlive its name.
	_lib_netns_cleanup
	if [[ "${BOOTHERD_TEST_KEEP:-0}" == 1 ]]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
	((rc == 0 && _lib_nfail > 0)) && rc=1
	exit "$rc"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Remember a background process so that cleanup kills it.
track_pid()
{
	_lib_pids+=("$@")
}

# ok NAME [NOTE]: the NOTE, if any, goes to stderr as a comment.
ok()
{
	echo "ok $1"
	[[ -n "${2:-}" ]] && echo "# $1: $2" >&2
	return 0
}

skip()
{
	echo "skip $1: ${2:?a skip must say why}"
}

# fail NAME REASON: one FAIL line, then the server log's tail on stderr.
fail()
{
	echo "FAIL $1: ${2:-failed}"
	_lib_nfail=$((_lib_nfail + 1))
	dump_server_log
}

# The last 30 lines of the server log, on stderr, prefixed "# " (once per change of the log,
# so that a run of failures does not print the same lines over and over).
dump_server_log()
{
	local sum
	[[ -n "$SERVER_LOG" && -s "$SERVER_LOG" ]] || return 0
	sum=$(wc -c <"$SERVER_LOG")
	if [[ "$_lib_log_dumped" == "$SERVER_LOG:$sum" ]]; then
		echo "# (server log unchanged since the last failure)" >&2
		return 0
	fi
	_lib_log_dumped="$SERVER_LOG:$sum"
	echo "# --- last 30 lines of $SERVER_LOG" >&2
	tail -n 30 "$SERVER_LOG" | sed 's/^/# /' >&2
}

# Prints stdin or the arguments on stderr as "# " comment lines.
note()
{
	if (($#)); then
		echo "# $*" >&2
	else
		sed 's/^/# /' >&2
	fi
}

# check_cmp EXPECTED ACTUAL NAME: ok when the two files hold the same bytes.
check_cmp()
{
	local a=$1 b=$2 name=$3 out
	if [[ ! -e "$b" ]]; then
		fail "$name" "no output file $(basename "$b")"
		return 1
	fi
	if out=$(cmp -- "$a" "$b" 2>&1); then
		ok "$name"
		return 0
	fi
	fail "$name" "content differs: expected $(stat -c %s "$a") B, got $(stat -c %s "$b") B; ${out//$'\n'/ }"
	return 1
}

# free_port: prints a port that is free for both UDP and TCP on 127.0.0.1.
free_port()
{
	python3 - <<'EOF'
import socket
for _ in range(100):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        u.close()
        continue
    t.close()
    u.close()
    print(port)
    break
else:
    raise SystemExit("no free port")
EOF
}

# Whether something listens on UDP port $1.
_lib_udp_bound()
{
	[[ -n $(ss -Hlnu "sport = :$1" 2>/dev/null) ]]
}

# have_server: 0 when the server under test can run; else prints why on stdout.
# Skips the whole test NAME and exits unless the server under test is bootherd, built: WHY says
# what ties the test to bootherd.
need_bootherd()	# need_bootherd NAME WHY
{
	local why

	if [[ "$BOOTHERD_TEST_SERVER" != bootherd ]]; then
		skip "$1" "$2"
		exit 0
	fi
	if ! why=$(have_server); then
		skip "$1" "$why"
		exit 0
	fi
}

have_server()
{
	if [[ "$BOOTHERD_TEST_SERVER" == tftpd-hpa ]]; then
		[[ -x "$TFTPD_HPA" ]] && return 0
		echo "$TFTPD_HPA not installed"
		return 1
	fi
	if [[ "$BOOTHERD_TEST_SERVER" == dnsmasq ]]; then
		command -v dnsmasq >/dev/null && return 0
		echo "dnsmasq not installed"
		return 1
	fi
	[[ -x "$BOOTHERD" ]] && return 0
	echo "$BOOTHERD not built (run make)"
	return 1
}

# start_bootherd ARGS...: runs "$BOOTHERD serve ARGS..." in the background, stderr (and stdout)
# into $T/server.N.log, and waits up to 10 s for its "ready" line. Sets SERVER_PID and
# SERVER_LOG. Returns 1 (log on stderr) when the server dies or never gets ready.
#
# With BOOTHERD_TEST_SERVER=tftpd-hpa it starts in.tftpd instead, taking --root and
# --tftp-port from ARGS (without --root, the first "path:" of the -c FILE; a config that says
# "writable: true" lets it create files), and waits for the UDP port to be bound.
_lib_nserver=0
start_bootherd()
{
	local i root='' port='' conf='' a prev=''
	_lib_nserver=$((_lib_nserver + 1))
	SERVER_LOG=$T/server.$_lib_nserver.log
	: >"$SERVER_LOG"
	if [[ "$BOOTHERD_TEST_SERVER" == tftpd-hpa ]]; then
		for a in "$@"; do
			case $prev in
			--root) root=$a ;;
			--tftp-port) port=$a ;;
			-c | --config) conf=$a ;;
			esac
			prev=$a
		done
		local extra=()
		[[ -n "$conf" ]] && grep -q 'writable: *true' "$conf" && extra+=(-c)
		[[ -z "$root" && -n "$conf" ]] &&
			root=$(sed -nE 's/^[[:space:]]*-?[[:space:]]*path:[[:space:]]*([^#[:space:]]+).*/\1/p' "$conf" | head -n1)
		(trap - INT QUIT; exec setsid "$TFTPD_HPA" -L -v -u root "${extra[@]}" -s "$root" \
			-a "127.0.0.1:$port") >>"$SERVER_LOG" 2>&1 &
		SERVER_PID=$!
		track_pid "$SERVER_PID"
		_lib_groups+=("$SERVER_PID")
		for ((i = 0; i < 100; i++)); do
			_lib_udp_bound "$port" && return 0
			_lib_alive "$SERVER_PID" || break
			sleep 0.1
		done
		echo "# in.tftpd did not start" >&2
		dump_server_log
		return 1
	fi
	# bash starts background jobs with SIGINT and SIGQUIT ignored; undo that so the server
	# sees the signals as it would from a terminal. setsid: its own process group, so that
	# cleanup can also reach anything it forks.
	# ip netns exec execs the command: the PID stays the server's.
	local wrap=()
	[[ -n "$SERVER_NETNS" ]] && wrap=(ip netns exec "$SERVER_NETNS")
	(trap - INT QUIT; exec setsid "${wrap[@]}" "$BOOTHERD" serve "$@") >>"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	_lib_groups+=("$SERVER_PID")
	_lib_netns_of[$SERVER_PID]=$SERVER_NETNS
	for ((i = 0; i < 100; i++)); do
		# -w: a word, so that "Address already in use" does not count.
		if grep -qw ready "$SERVER_LOG"; then
			_lib_ports[$SERVER_PID]=$(_lib_listening "$SERVER_PID")
			return 0
		fi
		if ! _lib_alive "$SERVER_PID"; then
			wait "$SERVER_PID"
			echo "# bootherd exited with status $? before ready" >&2
			dump_server_log
			return 1
		fi
		sleep 0.1
	done
	echo "# bootherd printed no 'ready' line within 10 s" >&2
	dump_server_log
	return 1
}

# _lib_ss PID ARGS...: ss ARGS in the network namespace server PID was started in (errors
# dropped).
_lib_ss()
{
	local ns=${_lib_netns_of[$1]:-}
	shift
	if [[ -n "$ns" ]]; then
		ip netns exec "$ns" ss "$@" 2>/dev/null
	else
		ss "$@" 2>/dev/null
	fi
}

# The ports process $1 listens on, as "udp:PORT tcp:PORT ...".
_lib_listening()
{
	{
		_lib_ss "$1" -Hlunp | grep -F "pid=$1," | awk '{ n = split($4, a, ":"); print "udp:" a[n] }'
		_lib_ss "$1" -Hltnp | grep -F "pid=$1," | awk '{ n = split($4, a, ":"); print "tcp:" a[n] }'
	} | sort -u | tr '\n' ' '
}

# stop_bootherd [SIGNAL [PID]]: sends SIGNAL (default TERM) to the server started last (or
# PID), waits up to 10 s, then KILLs it. Returns the server's exit status (137 after KILL).
# Then waits (up to 3 s) until the ports it listened on are free again: io_uring tears a ring
# down asynchronously, so a socket held by an in-flight request can outlive the process by a
# few milliseconds, and a server restarted at once on the same port would find it taken.
# (tests/integration/cli.sh restart_same_port checks that case on its own.)
stop_bootherd()
{
	local sig=${1:-TERM} pid=${2:-$SERVER_PID} i
	[[ -n "$pid" ]] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_lib_alive "$pid" || break
		sleep 0.1
	done
	if _lib_alive "$pid"; then
		echo "# server $pid still running 10 s after SIG$sig, killing it" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	local rc=$? p
	# Anything the server forked (in.tftpd does, per transfer).
	kill -0 -- "-$pid" 2>/dev/null && _lib_kill_group "$pid"
	if [[ "${BOOTHERD_TEST_PORT_WAIT:-1}" != 0 ]]; then
		for p in ${_lib_ports[$pid]:-}; do
			for ((i = 0; i < 300; i++)); do
				if [[ $p == udp:* ]]; then
					[[ -z $(_lib_ss "$pid" -Hlun "sport = :${p#udp:}") ]] && break
				else
					[[ -z $(_lib_ss "$pid" -Hltn "sport = :${p#tcp:}") ]] && break
				fi
				sleep 0.01
			done
		done
	fi
	unset '_lib_ports[$pid]' '_lib_netns_of[$pid]'
	[[ "$pid" == "$SERVER_PID" ]] && SERVER_PID=
	return $rc
}

# server_alive: whether the server started last still runs.
server_alive()
{
	[[ -n "$SERVER_PID" ]] && _lib_alive "$SERVER_PID"
}

# --- Network namespaces. Each one a test makes is deleted at exit, after every tracked
# process is gone (deleting a namespace deletes the veth ends in it).
_lib_netns=()

_lib_netns_cleanup()
{
	local ns
	for ns in "${_lib_netns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	_lib_netns=()
}

# have_netns: 0 when this process can make network namespaces and veth pairs (root, ip
# netns); else prints why on stdout.
have_netns()
{
	local probe=bhprobe$$
	if ((EUID != 0)); then
		echo "not root (network namespaces need CAP_SYS_ADMIN)"
		return 1
	fi
	if ! command -v ip >/dev/null; then
		echo "ip (iproute2) not installed"
		return 1
	fi
	if ! ip netns add "$probe" 2>/dev/null; then
		echo "ip netns add failed: no network namespaces here"
		return 1
	fi
	if ! ip netns exec "$probe" ip link add "${probe}a" type veth peer name "${probe}b" \
		2>/dev/null; then
		ip netns del "$probe"
		echo "cannot make a veth pair (no veth module?)"
		return 1
	fi
	ip netns del "$probe"
	return 0
}

# netns_add NAME: a new network namespace with lo up, deleted at exit.
netns_add()
{
	ip netns add "$1" || return 1
	_lib_netns+=("$1")
	ip -n "$1" link set lo up
}

# netns_pair NS_SRV NS_CLI IF_SRV IF_CLI [SRV_CIDR]: two namespaces joined by a veth pair,
# IF_SRV in NS_SRV with address SRV_CIDR (default 10.77.0.1/24), IF_CLI in NS_CLI with no
# address; links and lo up. Checksum offload is turned off on both ends: over veth a packet
# keeps the "checksum to be completed" state it was sent with, and DHCP clients reading raw
# sockets see a wrong UDP checksum and drop the reply. Names: at most 15 characters (put $$ in
# them). Both namespaces are deleted at exit.
netns_pair()
{
	local ns_s=$1 ns_c=$2 if_s=$3 if_c=$4 cidr=${5:-10.77.0.1/24} e
	netns_add "$ns_s" || return 1
	netns_add "$ns_c" || return 1
	ip -n "$ns_s" link add "$if_s" type veth peer name "$if_c" netns "$ns_c" || return 1
	ip -n "$ns_s" addr add "$cidr" dev "$if_s" || return 1
	ip -n "$ns_s" link set "$if_s" up || return 1
	ip -n "$ns_c" link set "$if_c" up || return 1
	for e in "$ns_s:$if_s" "$ns_c:$if_c"; do
		if ! ip netns exec "${e%%:*}" ethtool -K "${e#*:}" tx off >/dev/null 2>&1; then
			echo "# ethtool -K ${e#*:} tx off failed" >&2
			return 1
		fi
	done
}

# track_group PID: as track_pid, for a background job that leads a process group of its own
# (started between `set -m` and `set +m`, or with setsid): cleanup also kills what is left in
# the group, such as a client the job was waiting for.
track_group()
{
	_lib_pids+=("$1")
	_lib_groups+=("$1")
}

# netns_reap_stale PREFIX...: what a run that was killed (SIGKILL, a lost machine) left behind.
# A namespace named PREFIX<PID> whose PID is gone is such a leftover: each process still in it
# (ip netns pids) is sent TERM, then KILL after 2 s, by PID, and the namespace is deleted
# (its taps, bridges and veth ends go with it). A namespace whose PID is alive is left alone:
# that run may still be going.
netns_reap_stale()
{
	local pre ns pid p pids i
	for pre in "$@"; do
		while read -r ns _; do
			[[ $ns =~ ^$pre([0-9]+)$ ]] || continue
			pid=${BASH_REMATCH[1]}
			[[ $pid == "$$" || -e /proc/$pid ]] && continue
			pids=$(ip netns pids "$ns" 2>/dev/null)
			for p in $pids; do
				kill -TERM "$p" 2>/dev/null
			done
			for ((i = 0; i < 20; i++)); do
				for p in $pids; do
					[[ -e /proc/$p ]] && break
					p=
				done
				[[ -z ${p:-} ]] && break
				sleep 0.1
			done
			for p in $pids; do
				kill -KILL "$p" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
			note "reaped $ns, left by a run (PID $pid) that is gone${pids:+; killed ${pids//$'\n'/ }}"
		done < <(ip netns list 2>/dev/null)
	done
}

# start_ganesha NS DIR PROTOCOLS TAG: rpcbind and nfs-ganesha (NFS versions PROTOCOLS, e.g.
# "3" or "3, 4") in namespace NS, each run with a private /run (a tmpfs named TAG), so that
# nothing of the host's is touched. The config is DIR/etc/ganesha/ganesha.conf and %includes
# DIR/etc/ganesha/bootherd.conf (bootherd's diskless.ganesha_file); logs, pid files and the
# recovery directory go under DIR. Sets GANESHA to the PID (tracked with its process group,
# rpcbind being in it). The caller waits for mountd to answer.
start_ganesha()
{
	local ns=$1 dir=$2 protos=$3 tag=$4
	mkdir -p "$dir/etc/ganesha" "$dir/run" "$dir/ganesha/recov"
	cat >"$dir/etc/ganesha/ganesha.conf" <<EOF
NFS_CORE_PARAM {
	Protocols = $protos;
	Enable_NLM = false;
	Enable_RQUOTA = false;
}
NFSv4 {
	Graceless = true;
	RecoveryBackend = fs;
	RecoveryRoot = "$dir/ganesha/recov";
}
NFS_KRB5 {
	Active_krb5 = false;
}
%include "$dir/etc/ganesha/bootherd.conf"
EOF
	# shellcheck disable=SC2016	# expanded by the inner sh
	(trap - INT QUIT; exec setsid ip netns exec "$ns" unshare --mount --propagation private sh -c '
	mount -t tmpfs "$2" /run && mkdir -p /run/rpcbind /run/ganesha || exit 99
	chown _rpc /run/rpcbind 2>/dev/null
	rpcbind -f &
	echo $! >"$1/rpcbind.pid"
	i=0
	while [ ! -S /run/rpcbind.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	exec ganesha.nfsd -F -f "$1/etc/ganesha/ganesha.conf" -L "$1/ganesha.log" \
		-p "$1/run/ganesha.pid" -N NIV_EVENT' sh "$dir" "$tag") >"$dir/ganesha.out" 2>&1 &
	GANESHA=$!
	track_group "$GANESHA"
}
