#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot storm: NODES simulated nodes (build/bench/bin/bootstorm, bench/bootstorm/) boot at once
# against bootherd (with its XDP DHCP fast path, and without) and against the classic stack
# (dnsmasq for DHCP and TFTP, or tftpd-hpa for TFTP, and nginx for HTTP), one after the other
# in the same run, over the same veth between two network namespaces of its own. Each server
# is started by this script with an equivalent configuration: the same inventory (each node's
# MAC and fixed address), the same boot program, the same kernel and initrd; bootherd makes
# each node's pxelinux.cfg/01-<mac>, the classic stack serves a static pxelinux.cfg/default.
# iperf3 measures the veth before each storm, in the state the storm runs in: the physical
# floor is NODES x bytes per node / that bandwidth.
#
# Writes build/bench/bootstorm.{txt,json,png} (the table, every run's figures, the plot of
# nodes done over time and per-phase latency) and build/bench/bootstorm/ (each run's JSON,
# timeline and per-node TSV, server logs). See bench/README.md (## bench/bootstorm.sh).
#
# Everything runs in namespaces named bhst-{s,c}PID, which go with this script however it
# ends (a later run reaps those of a run that was killed); servers are killed by PID and
# through their cgroup. Bounded: the harness stops at its deadline, iperf3 after IPERF_SECS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

die() { echo "bench/bootstorm: $*" >&2; exit 1; }
note() { printf 'bench/bootstorm: %s\n' "$*" >&2; }

# Knobs (environment).
NODES=${NODES:-500}                      # simulated nodes, 1..1000
MODE=${MODE:-http}                       # kernel and initrd over http or tftp
KERNEL_MIB=${KERNEL_MIB:-8}
INITRD_MIB=${INITRD_MIB:-64}
REPS=${REPS:-1}                          # storms per server; the table shows medians
STORM_SERVERS=${STORM_SERVERS:-"bootherd_xdp bootherd classic"}
CLASSIC_DHCP=${CLASSIC_DHCP:-dnsmasq}    # the classic stack's DHCP: dnsmasq or kea (kea-dhcp4)
[[ $CLASSIC_DHCP == kea ]] && CLASSIC_TFTP=${CLASSIC_TFTP:-tftpd-hpa}
CLASSIC_TFTP=${CLASSIC_TFTP:-dnsmasq}    # the classic stack's TFTP: dnsmasq or tftpd-hpa
RAMP=${RAMP:-0}                          # seconds over which the nodes start (0: all at once)
RTT_MS=${RTT_MS:-0}                      # each packet a node sends is held this long
LOSS=${LOSS:-0}                          # percent of packets lost, each way, on the nodes' side
BROADCAST=${BROADCAST:-1}                # 0: DHCP without the broadcast flag (unicast replies)
WINDOW=${WINDOW:-1}                      # TFTP windowsize the nodes ask for (1: none, as firmware)
FIRMWARE=${FIRMWARE:-pxe}                # DHCP retransmissions: pxe (4, 8, 16, 32 s) or ipxe (1, 2, 4, 8 s)
THREADS=${THREADS:-2}                    # harness threads
DEADLINE=${DEADLINE:-300}                # seconds before the harness gives up on a storm
IPERF_SECS=${IPERF_SECS:-3}
IPERF_STREAMS=${IPERF_STREAMS:-4}         # TCP streams per iperf3 client
IPERF_PROCS=${IPERF_PROCS:-2}             # iperf3 clients at once (each one thread)
IPERF_NODE_STREAMS=${IPERF_NODE_STREAMS:-1}   # 1: also iperf3 with one stream per node (reference)
IPERF_NODE_WINDOW=${IPERF_NODE_WINDOW:-256K}  # its -w: the nodes' TCP receive buffer (--http-rcvbuf)
BH_LOG_LEVEL=${BH_LOG_LEVEL:-warn}
STORM_ARGS=${STORM_ARGS:-}               # more bootstorm options

OUT=$ROOT/build/bench
BH=${BOOTHERD:-$ROOT/build/bootherd}
STORM=$ROOT/build/bench/bin/bootstorm
NGINX=${NGINX:-/usr/sbin/nginx}
TFTPD=${TFTPD:-/usr/sbin/in.tftpd}

((NODES >= 1 && NODES <= 1000)) || die "NODES must be 1..1000"
[[ $IPERF_NODE_STREAMS == [01] ]] || die "IPERF_NODE_STREAMS is 0 or 1"
[[ $IPERF_NODE_WINDOW =~ ^[1-9][0-9]*[KM]?$ ]] || die "IPERF_NODE_WINDOW is a size such as 256K"
[[ $MODE == http || $MODE == tftp ]] || die "MODE is http or tftp"
[[ $CLASSIC_TFTP == dnsmasq || $CLASSIC_TFTP == tftpd-hpa ]] || die "CLASSIC_TFTP is dnsmasq or tftpd-hpa"
((EUID == 0)) || die "run as root: the bench makes network namespaces"

if [[ -z "${BENCH_BOOTSTORM_NO_DEPS:-}" ]]; then
	scripts/deps.sh dnsmasq-base nginx-light iperf3 tftpd-hpa gnuplot-nox iproute2 util-linux \
		kea-dhcp4-server
	make --no-print-directory -q build/bench/bin/bootstorm 2>/dev/null ||
		make --no-print-directory build/bench/bin/bootstorm
fi
for t in iperf3 dnsmasq ip ss timeout awk flock nsenter; do
	command -v "$t" >/dev/null || die "$t is missing: run bench/run.sh (it installs what is needed)"
done
[[ -x $STORM ]] || die "$STORM is missing: make build/bench/bin/bootstorm"
[[ -x $BH ]] || die "$BH is missing: make"
[[ -x $NGINX ]] || die "$NGINX is missing (package nginx-light)"

DATA=$OUT/bootstorm-data
RUNS=$OUT/bootstorm
LOGS=$RUNS/logs
TMP=$RUNS/tmp
mkdir -p "$OUT"
exec {lock_fd}>"$OUT/.bootstorm.lock"
flock -n "$lock_fd" || die "another bench/bootstorm.sh is running (lock $OUT/.bootstorm.lock)"

# --- Leftovers of a run that was killed: its namespaces (and what still runs in them) and
# its cgroup, found by the PID in their names, that PID being gone. -------------------------
for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^bhst-[sc][0-9]+$' || true); do
	p=${ns#bhst-?}
	kill -0 "$p" 2>/dev/null && continue
	note "removing $ns, left by run $p"
	for q in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$q" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
done
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
for d in ${cg2:+"$cg2"/bootherd-bench-bootstorm.*}; do
	[[ -d $d ]] || continue
	p=${d##*.}
	kill -0 "$p" 2>/dev/null && continue
	for s in "$d"/*/; do [[ -w $s/cgroup.kill ]] && echo 1 >"$s/cgroup.kill"; done
	for _ in $(seq 20); do
		for s in "$d"/*/; do [[ -d $s ]] && rmdir "$s" 2>/dev/null; done
		rmdir "$d" 2>/dev/null && break
		sleep 0.1
	done
done
# ... and the neighbour table limits it raised, if they are still what it set.
if [[ -f $OUT/.bootstorm.sysctl ]]; then
	read -r p o2 o3 n2 n3 <"$OUT/.bootstorm.sysctl"
	if ! kill -0 "$p" 2>/dev/null; then
		[[ $(sysctl -n net.ipv4.neigh.default.gc_thresh3) == "$n3" ]] &&
			sysctl -qw net.ipv4.neigh.default.gc_thresh3="$o3" net.ipv4.neigh.default.gc_thresh2="$o2"
		rm -f "$OUT/.bootstorm.sysctl"
		: "$n2"
	fi
fi

rm -rf "${RUNS:?}"
mkdir -p "$LOGS" "$TMP"
cp "$BH" "$TMP/bootherd"    # every storm runs the same build, whatever make does meanwhile
BH=$TMP/bootherd
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)

NS_S=bhst-s$$
NS_C=bhst-c$$
IF_S=bhst$$s
IF_C=bhst$$c
PREFIX=02:b6:$(printf %02x $(($$ & 255)))
declare -A SPIDS=()   # server -> its PIDs
GC_SET=

cleanup() {
	local s p
	trap - EXIT INT TERM HUP
	for s in "${!SPIDS[@]}"; do
		for p in ${SPIDS[$s]}; do kill "$p" 2>/dev/null || true; done
	done
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [[ -n "$CG" ]]; then
		for s in "$CG"/*/; do [[ -w $s/cgroup.kill ]] && echo 1 >"$s/cgroup.kill" 2>/dev/null; done
	fi
	for p in $(ip netns pids "$NS_S" 2>/dev/null) $(ip netns pids "$NS_C" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null || true
	done
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	bench_cg_remove
	# The neighbour table limits are the kernel's, shared by every namespace: put them back
	# unless someone changed them since.
	if [[ -n "$GC_SET" ]]; then
		read -r o2 o3 n2 n3 <<<"$GC_SET"
		[[ $(sysctl -n net.ipv4.neigh.default.gc_thresh3) == "$n3" ]] &&
			sysctl -qw net.ipv4.neigh.default.gc_thresh3="$o3" net.ipv4.neigh.default.gc_thresh2="$o2"
		: "$n2"
		rm -f "$OUT/.bootstorm.sysctl"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

bench_cg_create "bootherd-bench-bootstorm.$$"
[[ -n "$CG" ]] || note "no writable cgroup v2: CPU from /proc of the servers' main processes"

# --- The network. No checksum offload change: the harness computes its frames' checksums
# and does not check the replies' (a veth hands on partial ones), so TCP keeps its offloads. ---
ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" addr add "$BOOTSTORM_SERVER_IP/16" dev "$IF_S"
ip -n "$NS_C" addr add "$BOOTSTORM_CLIENT_IP/16" dev "$IF_C"
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
# Neighbour entries: one per node in the server's namespace. The limits are global.
g2=$(sysctl -n net.ipv4.neigh.default.gc_thresh2) g3=$(sysctl -n net.ipv4.neigh.default.gc_thresh3)
if ((g3 < NODES * 2 + 1024)); then
	n3=$((NODES * 2 + 1024)) n2=$((NODES * 2 + 512))
	((n2 > g2)) || n2=$g2
	sysctl -qw net.ipv4.neigh.default.gc_thresh2="$n2" net.ipv4.neigh.default.gc_thresh3="$n3"
	GC_SET="$g2 $g3 $n2 $n3"
	echo "$$ $GC_SET" >"$OUT/.bootstorm.sysctl"
	note "neighbour table limits (global) raised to gc_thresh2=$n2 gc_thresh3=$n3 for this run"
fi

# --- The data: the same tree for every server. -----------------------------------------------
note "data: $KERNEL_MIB MiB kernel, $INITRD_MIB MiB initrd in $DATA"
bootstorm_data "$DATA" $((KERNEL_MIB << 20)) $((INITRD_MIB << 20))
bootstorm_pxelinux_default "$DATA" "$MODE" "$BOOTSTORM_SERVER_IP" 80
chmod a+rx "$ROOT/build" "$OUT"
PER_NODE=$(($(stat -c %s "$DATA/pxelinux.0") + $(stat -c %s "$DATA/ldlinux.c32") + \
	(KERNEL_MIB << 20) + (INITRD_MIB << 20)))

# --- Servers. --------------------------------------------------------------------------------
declare -A LABEL=([bootherd_xdp]="bootherd+xdp" [bootherd]="bootherd" [classic]="classic")
XDP_KEY=1
bootstorm_bootherd_yaml "$TMP/probe.yaml" "$DATA" "$IF_S" "$TMP/probe.sqlite" 1 "$PREFIX" "$MODE" off
if ! why=$("$BH" check -c "$TMP/probe.yaml" 2>&1); then
	XDP_KEY=0
	note "bootherd has no dhcp.xdp yet: bootherd+xdp is skipped ($(grep -m1 -o "unknown key 'xdp'.*in 'dhcp'" <<<"$why" || echo "$why" | head -1))"
fi
case $CLASSIC_DHCP in
dnsmasq | kea) ;;
*) die "CLASSIC_DHCP is dnsmasq or kea, not '$CLASSIC_DHCP'" ;;
esac
case $FIRMWARE in
pxe | ipxe) ;;
*) die "FIRMWARE is pxe or ipxe, not '$FIRMWARE'" ;;
esac
case $CLASSIC_TFTP in
dnsmasq | tftpd-hpa) ;;
*) die "CLASSIC_TFTP is dnsmasq or tftpd-hpa, not '$CLASSIC_TFTP'" ;;
esac
if [[ $CLASSIC_DHCP == kea ]]; then
	command -v kea-dhcp4 >/dev/null || die "kea-dhcp4 is missing (package kea-dhcp4-server)"
	LABEL[classic]="kea+$CLASSIC_TFTP+nginx"
	[[ $CLASSIC_TFTP == dnsmasq ]] && LABEL[classic]="kea+dnsmasq-tftp+nginx"
elif [[ $CLASSIC_TFTP == tftpd-hpa ]]; then
	LABEL[classic]="dnsmasq+tftpd-hpa+nginx"
else
	LABEL[classic]="dnsmasq+nginx"
fi
[[ $CLASSIC_TFTP == tftpd-hpa && ! -x $TFTPD ]] && die "$TFTPD is missing (package tftpd-hpa)"

launch() { # SERVER NAME COMMAND...: in the server namespace and the server's cgroup
	local s=$1 name=$2
	shift 2
	if [[ -n "$CG" ]]; then
		mkdir -p "$CG/$s"
		(echo "$BASHPID" >"$CG/$s/cgroup.procs" && exec ip netns exec "$NS_S" "$@" {lock_fd}>&-) \
			>>"$LOGS/$s.$name.log" 2>&1 &
	else
		(exec ip netns exec "$NS_S" "$@" {lock_fd}>&-) >>"$LOGS/$s.$name.log" 2>&1 &
	fi
	SPIDS[$s]+="$! "
}

listening() { # PROTO PORT [NS]: something listens on it in the server namespace (or NS)
	[[ -n $(ip netns exec "${3:-$NS_S}" ss -Hln"$1" "sport = :$2" 2>/dev/null) ]]
}

start_server() { # SERVER REP
	local s=$1 rep=$2 d=$TMP/$1.$2 i xdp
	mkdir -p "$d"
	SPIDS[$s]=
	case $s in
	bootherd | bootherd_xdp)
		xdp=
		((XDP_KEY)) && xdp=off
		# skb mode (what auto picks on a veth): native XDP on both ends of a veth takes GRO
		# and TSO from every flow on it (iperf3 fell from 5 GB/s to 0.5 GB/s here, and TFTP
		# lost windows), a cost of the test link, not of the fast path on a real NIC.
		[[ $s == bootherd_xdp ]] && xdp=${STORM_XDP_MODE:-skb}
		bootstorm_bootherd_yaml "$d/bootherd.yaml" "$DATA" "$IF_S" "$d/leases.sqlite" "$NODES" \
			"$PREFIX" "$MODE" "$xdp"
		launch "$s" bootherd "$BH" serve -c "$d/bootherd.yaml"
		;;
	classic)
		bootstorm_dnsmasq_hosts "$d/hosts" "$NODES" "$PREFIX"
		# As dnsmasq is run for PXE: static leases for the inventory, the boot file, its own
		# TFTP server (as many transfers at once as nodes; it logs none) unless tftpd-hpa.
		local tftp=(--enable-tftp --tftp-root="$DATA" --tftp-max=$((NODES + 64)) --quiet-tftp)
		# shellcheck disable=SC2054 # dnsmasq's commas
		local dhcp=(--dhcp-authoritative --no-ping --quiet-dhcp
			--dhcp-range="${BOOTSTORM_SERVER_IP%.*}.0,static,255.255.0.0"
			--dhcp-hostsfile="$d/hosts" --dhcp-leasefile="$d/dnsmasq.leases"
			--dhcp-lease-max=$((NODES + 64)) --dhcp-boot=pxelinux.0)
		[[ $CLASSIC_TFTP == tftpd-hpa ]] && tftp=()
		if [[ $CLASSIC_DHCP == kea ]]; then
			# kea-dhcp4 with the inventory as host reservations (bench/lib.sh); its
			# pid and lock files in the storm's own folder.
			dhcp=()
			mkdir -p "$d/kea"
			bootstorm_kea_json "$d/kea.json" "$NODES" "$PREFIX" "$IF_S" "$d/kea" \
				"$LOGS/$s.kea.log"
			launch "$s" kea env KEA_PIDFILE_DIR="$d/kea" KEA_LOCKFILE_DIR="$d/kea" \
				kea-dhcp4 -c "$d/kea.json"
		fi
		((${#dhcp[@]} + ${#tftp[@]})) &&
			launch "$s" dnsmasq dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
				--interface="$IF_S" --bind-interfaces --log-facility=- \
				"${dhcp[@]}" "${tftp[@]}"
		[[ $CLASSIC_TFTP == tftpd-hpa ]] &&
			launch "$s" tftpd "$TFTPD" -L -u root -s "$DATA" -a "$BOOTSTORM_SERVER_IP:69"
		mkdir -p "$d/nginx"
		cat >"$d/nginx/nginx.conf" <<-EOF
			daemon off;
			master_process on;
			worker_processes auto;
			worker_rlimit_nofile 65536;
			error_log stderr warn;
			pid $d/nginx/nginx.pid;
			events { worker_connections 16384; }
			http {
			  sendfile on;
			  tcp_nopush on;
			  access_log off;
			  keepalive_requests 100000;
			  default_type application/octet-stream;
			  client_body_temp_path $d/nginx/body;
			  proxy_temp_path $d/nginx/proxy;
			  fastcgi_temp_path $d/nginx/fastcgi;
			  uwsgi_temp_path $d/nginx/uwsgi;
			  scgi_temp_path $d/nginx/scgi;
			  server {
			    listen $BOOTSTORM_SERVER_IP:80 reuseport backlog=4096;
			    root $DATA;
			  }
			}
		EOF
		launch "$s" nginx "$NGINX" -e stderr -c "$d/nginx/nginx.conf" -p "$d/nginx"
		;;
	esac
	for ((i = 0; i < 100; i++)); do
		listening u 67 && listening u 69 && listening t 80 && return 0
		for p in ${SPIDS[$s]}; do
			kill -0 "$p" 2>/dev/null || { note "${LABEL[$s]} exited at start: see $LOGS/"; return 1; }
		done
		sleep 0.1
	done
	note "${LABEL[$s]} does not listen on UDP 67 and 69 and TCP 80"
	return 1
}

stop_server() { # SERVER
	local s=$1 p i
	for p in ${SPIDS[$s]:-}; do kill "$p" 2>/dev/null || true; done
	for p in ${SPIDS[$s]:-}; do
		for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[[ -n "$CG" && -w "$CG/$s/cgroup.kill" ]] && echo 1 >"$CG/$s/cgroup.kill" 2>/dev/null
	SPIDS[$s]=
	# The next storm starts on a clean veth: no node address, no neighbour entry.
	ip -n "$NS_C" addr flush dev "$IF_C" 2>/dev/null || true
	ip -n "$NS_C" addr add "$BOOTSTORM_CLIENT_IP/16" dev "$IF_C"
	ip -n "$NS_S" neigh flush dev "$IF_S" 2>/dev/null || true
	ip -n "$NS_C" neigh flush dev "$IF_C" 2>/dev/null || true
}

xdp_args() { # SERVER: the harness's XDP options for it
	local a=()
	[[ $1 == bootherd_xdp && ${STORM_XDP_MODE:-skb} == native ]] && a+=(--xdp-pass)
	[[ $LOSS != 0 ]] && a+=(--loss "$LOSS")
	echo "${a[@]}"
}

# The floor's bandwidth: iperf3 from the server's namespace to the client's, as a storm's bytes
# go: the sender uses sendfile (-Z), as bootherd and nginx do, and PROCS clients of STREAMS TCP
# streams each run at once (iperf3 3.12 runs all its streams in one thread; the harness has
# THREADS); the receivers' rates summed, in MB/s. The receivers run under bootstorm with the
# storm's XDP program on the client veth, so the veth is measured in the storm's state.
run_iperf() { # SERVER PROCS STREAMS [IPERF3 ARGS...]
	local wpid i j cpids=() IPERF_PROCS=$2 IPERF_STREAMS=$3
	shift 3
	{
		echo 'for j in $(seq 0 $(($1 - 1))); do iperf3 -s -1 -B "$2" -p $((5201 + j)) & done; wait'
	} >"$TMP/iperf-srv.sh"
	# shellcheck disable=SC2046 # the options are words
	timeout -k 5 $((IPERF_SECS + 40)) ip netns exec "$NS_C" "$STORM" -i "$IF_C" $(xdp_args "$1") \
		-- bash "$TMP/iperf-srv.sh" "$IPERF_PROCS" "$BOOTSTORM_CLIENT_IP" \
		>>"$LOGS/iperf3-server.log" 2>&1 {lock_fd}>&- &
	wpid=$!
	for ((j = 0; j < IPERF_PROCS; j++)); do
		for ((i = 0; i < 100; i++)); do listening t $((5201 + j)) "$NS_C" && break; sleep 0.05; done
	done
	for ((j = 0; j < IPERF_PROCS; j++)); do
		timeout -k 5 $((IPERF_SECS + 30)) ip netns exec "$NS_S" iperf3 -c "$BOOTSTORM_CLIENT_IP" \
			-B "$BOOTSTORM_SERVER_IP" -p $((5201 + j)) -Z -t "$IPERF_SECS" -P "$IPERF_STREAMS" \
			-f m "$@" >"$TMP/iperf.out.$j" 2>&1 {lock_fd}>&- &
		cpids+=($!)
	done
	for p in "${cpids[@]}"; do wait "$p" 2>/dev/null || true; done
	wait "$wpid" 2>/dev/null || true
	for ((j = 0; j < IPERF_PROCS; j++)); do
		cat "$TMP/iperf.out.$j" >>"$LOGS/iperf3-client.log" 2>/dev/null || true
		grep -E '(SUM|^\[ *[0-9]+\]).*receiver' "$TMP/iperf.out.$j" 2>/dev/null | tail -1
	done | awk '{ for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") { s += $(i - 1) / 8; n++ } }
		END { if (n == '"$IPERF_PROCS"') printf "%.1f\n", s }'
}

# The kernel's own account of a storm, per namespace: TCP segments retransmitted, retransmission
# timeouts, memory pressure events, segments dropped for want of receive memory; UDP datagrams
# dropped because a socket's receive buffer was full.
tcp_counters() { # NS -> "retrans rto pressure rcvqdrop udp_rcvbuf"
	ip netns exec "$1" cat /proc/net/snmp /proc/net/netstat 2>/dev/null | awk '
		$1 == "Tcp:" || $1 == "TcpExt:" || $1 == "Udp:" {
			if (!($1 in h)) { for (i = 2; i <= NF; i++) n[$1, i] = $i; h[$1] = 1 }
			else for (i = 2; i <= NF; i++) v[$1 n[$1, i]] = $i }
		END { printf "%d %d %d %d %d\n", v["Tcp:RetransSegs"], v["TcpExt:TCPTimeouts"],
			v["TcpExt:TCPMemoryPressures"], v["TcpExt:TCPRcvQDrop"], v["Udp:RcvbufErrors"] }'
}
tcp_delta() { # "BEFORE" "AFTER" PREFIX -> key=value words
	local -a a b
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	echo "$3_retrans=$((b[0] - a[0])) $3_rto=$((b[1] - a[1])) $3_mempressure=$((b[2] - a[2]))" \
		"$3_rcvqdrop=$((b[3] - a[3])) $3_udp_rcvbuf=$((b[4] - a[4]))"
}

# RAW: one line per storm: server rep key=value... (bootstorm's summary line, the floor).
RAW=$RUNS/bootstorm.raw
: >"$RAW"
storm() { # SERVER REP
	local s=$1 rep=$2 bw bwn=0 rc=0 base=$RUNS/$1.$2 args=()
	bw=$(run_iperf "$s" "$IPERF_PROCS" "$IPERF_STREAMS")
	[[ -n $bw ]] || { note "iperf3 gave no figure (see $LOGS/iperf3-client.log)"; bw=0; }
	if ((IPERF_NODE_STREAMS)); then
		# The same bytes over as many streams as nodes, each with a node's receive window:
		# what the veth and the two vCPUs give NODES connections when nothing else runs.
		# iperf3 takes at most 128 streams per client.
		local np=$(((NODES + 124) / 125))
		bwn=$(run_iperf "$s" "$np" $(((NODES + np - 1) / np)) -w "$IPERF_NODE_WINDOW")
		[[ -n $bwn ]] || { note "iperf3 with one stream per node gave no figure"; bwn=0; }
	fi
	((BROADCAST)) || args+=(--no-broadcast)
	local more=()
	read -r -a more <<<"$(xdp_args "$s") $STORM_ARGS"
	args+=("${more[@]}")
	local pids=()
	if [[ -z "$CG" ]]; then
		for p in ${SPIDS[$s]}; do pids+=(--server-pid "$p"); done
	fi
	note "rep $rep/$REPS: ${LABEL[$s]}: $NODES nodes, iperf3 $bw MB/s$( ((IPERF_NODE_STREAMS)) && echo ", $bwn MB/s over $NODES streams")"
	local ts0 tc0 ts1 tc1
	ts0=$(tcp_counters "$NS_S") tc0=$(tcp_counters "$NS_C")
	# nsenter, not ip netns exec: that one mounts a /sys of its own, where the server's cgroup
	# is not to be seen.
	timeout -k 10 $((DEADLINE + 60)) nsenter --net="/run/netns/$NS_C" "$STORM" -i "$IF_C" -d "$DATA" \
		-n "$NODES" -T "$THREADS" --mac-prefix "$PREFIX" --nbp-extra ldlinux.c32 \
		--ramp "$RAMP" --rtt "$RTT_MS" --window "$WINDOW" --deadline "$DEADLINE" \
		--firmware "$FIRMWARE" ${CG:+--server-cg "$CG/$s"} "${pids[@]}" --label "${LABEL[$s]}" \
		--json "$base.json" --timeline "$base.timeline.tsv" --nodes-tsv "$base.nodes.tsv" \
		"${args[@]}" >"$base.out" {lock_fd}>&- &
	# In the background, waited for: a signal to this script is acted on at once (the trap
	# stops the harness, which reports what it had, and the servers).
	wait $! || rc=$?
	ts1=$(tcp_counters "$NS_S") tc1=$(tcp_counters "$NS_C")
	cat "$base.out" >&2
	((rc == 0)) || note "FAIL: ${LABEL[$s]} rep $rep: bootstorm exit $rc (see $base.json)"
	echo "server=$s rep=$rep rc=$rc iperf_MBps=$bw iperf_nodes_MBps=$bwn $(tcp_delta "$ts0" "$ts1" srv) $(tcp_delta "$tc0" "$tc1" cli) $(grep '^bootstorm: ' "$base.out" | cut -d' ' -f2-)" >>"$RAW"
	return "$rc"
}

servers=()
for s in $STORM_SERVERS; do
	[[ -n "${LABEL[$s]:-}" ]] || die "unknown server '$s' (known: bootherd_xdp bootherd classic)"
	if [[ $s == bootherd_xdp ]] && ((!XDP_KEY)); then continue; fi
	servers+=("$s")
done
((${#servers[@]})) || die "no server to run"

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date -u +%FT%TZ)
note "$NODES nodes, $MODE, $KERNEL_MIB + $INITRD_MIB MiB, $REPS rep(s), servers: ${servers[*]}; load $LOAD0"
status=0
for ((rep = 1; rep <= REPS; rep++)); do
	# Rotated per rep, so that the machine's noise falls on all alike.
	k=$(((rep - 1) % ${#servers[@]}))
	order=("${servers[@]:k}" "${servers[@]:0:k}")
	for s in "${order[@]}"; do
		if start_server "$s" "$rep"; then
			storm "$s" "$rep" || status=1
			# Proof that the kernel answered: the fast path's own counters.
			if [[ $s == bootherd_xdp ]]; then
				note "rep $rep: XDP fast path: $(ip netns exec "$NS_S" "$BH" status "$IF_S" 2>&1 |
					awk '$1 ~ /^(requests|offers|acks|pass_unknown|pass_no_room)$/ { printf "%s %s ", $1, $2 }')"
			fi
		else
			echo "server=$s rep=$rep rc=2 iperf_MBps=0" >>"$RAW"
			status=1
		fi
		stop_server "$s"
	done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- The table: medians over reps, ratios, the floor. ---------------------------------------
TABLE=$OUT/bootstorm.txt
{
	printf 'Boot storm: %s nodes, kernel %s MiB + initrd %s MiB over %s (+ pxelinux.0, ldlinux.c32 and configs over TFTP)\n' \
		"$NODES" "$KERNEL_MIB" "$INITRD_MIB" "$MODE"
	printf 'ramp %s s, rtt %s ms, loss %s%%, broadcast %s, windowsize %s, %s firmware DHCP retransmissions; %s rep(s), medians; bootherd %s; load %s -> %s\n' \
		"$RAMP" "$RTT_MS" "$LOSS" "$BROADCAST" "$WINDOW" "$FIRMWARE" "$REPS" "$REV" "$LOAD0" "$LOAD1"
	((XDP_KEY)) || echo "bootherd+xdp: skipped, bootherd has no dhcp.xdp key yet (issue 6)"
	# shellcheck disable=SC2016
	awk -v per="$PER_NODE" -v n="$NODES" -v order="${servers[*]}" -v nodes_ref="$IPERF_NODE_STREAMS" \
		-v labels="bootherd_xdp=bootherd+xdp bootherd=bootherd classic=${LABEL[classic]}" \
		"$BENCH_AWK_LIB"'
	{
		delete r
		for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); r[k] = v }
		s = r["server"]
		runs[s]++
		if (r["rc"] != 0) fails[s]++
		if (r["iperf_MBps"] > 0) bw[s] = bw[s] " " r["iperf_MBps"]
		if (r["iperf_nodes_MBps"] > 0) bwn[s] = bwn[s] " " r["iperf_nodes_MBps"]
		if (r["last_done_s"] != "" && r["last_done_s"] != "nan") last[s] = last[s] " " r["last_done_s"]
		for (k in r) if (k ~ /_(p50|p99|max)$/ && r[k] != "nan") m[s, k] = m[s, k] " " r[k]
		for (k in r) if (k ~ /_(fail|timeout)$/) cnt[s, k] += r[k]
		mbps[s] = mbps[s] " " r["MBps"]; cpu[s] = cpu[s] " " r["cpu_s"]; rss[s] = rss[s] " " r["rss_kib"]
		ccpu[s] = ccpu[s] " " r["client_cpu_s"]
		okn[s] = okn[s] " " r["ok"]
		tc[s, "srv_retrans"] = tc[s, "srv_retrans"] " " r["srv_retrans"]
		tc[s, "cli_retrans"] = tc[s, "cli_retrans"] " " r["cli_retrans"]
		tc[s, "rto"] = tc[s, "rto"] " " (r["srv_rto"] + r["cli_rto"])
		tc[s, "mempressure"] = tc[s, "mempressure"] " " (r["srv_mempressure"] + r["cli_mempressure"])
		tc[s, "srv_udp_rcvbuf"] = tc[s, "srv_udp_rcvbuf"] " " r["srv_udp_rcvbuf"]
	}
	END {
		ns = split(order, S, " ")
		nl = split(labels, L, " ")
		for (i = 1; i <= nl; i++) { split(L[i], kv, "="); lab[kv[1]] = kv[2] }
		printf "%-26s", "metric"
		for (i = 1; i <= ns; i++) printf " %16s", lab[S[i]]
		if ("bootherd" in runs && "classic" in runs) printf " %16s", "classic/bh"
		printf "\n"
		row("nodes ok (median)", "okn", 0)
		row("last node done s", "last", 2)
		for (i = 1; i <= ns; i++) { b = median(bw[S[i]]); fl[S[i]] = b > 0 ? n * per / (b * 1e6) : "" }
		printf "%-26s", "floor s (N x bytes / bw)"
		for (i = 1; i <= ns; i++) printf " %16s", fmt(fl[S[i]], 2)
		printf "\n"
		printf "%-26s", "last done / floor"
		for (i = 1; i <= ns; i++) printf " %16s", fmt(ratio(median(last[S[i]]), fl[S[i]]), 2)
		printf "\n"
		printf "%-26s", "iperf3 MB/s"
		for (i = 1; i <= ns; i++) printf " %16s", fmt(median(bw[S[i]]), 0)
		printf "\n"
		if (nodes_ref) {
			for (i = 1; i <= ns; i++) { b = median(bwn[S[i]]); fln[S[i]] = b > 0 ? n * per / (b * 1e6) : "" }
			printf "%-26s", "iperf3, N streams MB/s"
			for (i = 1; i <= ns; i++) printf " %16s", fmt(median(bwn[S[i]]), 0)
			printf "\n"
			printf "%-26s", "last done / N-stream ref"
			for (i = 1; i <= ns; i++) printf " %16s", fmt(ratio(median(last[S[i]]), fln[S[i]]), 2)
			printf "\n"
		}
		row("aggregate MB/s", "mbps", 0)
		split("total dhcp nbp cfg kernel initrd", P, " ")
		for (p = 1; p <= 6; p++) for (q = 1; q <= 3; q++) {
			split("p50 p99 max", Q, " ")
			k = P[p] "_" Q[q]
			printf "%-26s", P[p] " " Q[q] " s"
			for (i = 1; i <= ns; i++) printf " %16s", fmt(median(m[S[i], k]), 3)
			if ("bootherd" in runs && "classic" in runs) printf " %16s", fmt(ratio(median(m["classic", k]), median(m["bootherd", k])), 2)
			printf "\n"
		}
		for (p = 2; p <= 6; p++) {
			printf "%-26s", P[p] " fail/timeout"
			for (i = 1; i <= ns; i++) printf " %16s", (cnt[S[i], P[p] "_fail"] + 0) "/" (cnt[S[i], P[p] "_timeout"] + 0)
			printf "\n"
		}
		tcprow("TCP retrans segs, server", "srv_retrans")
		tcprow("TCP retrans segs, nodes", "cli_retrans")
		tcprow("TCP RTO timeouts, s+n", "rto")
		tcprow("TCP memory pressure", "mempressure")
		tcprow("UDP rcvbuf drops, server", "srv_udp_rcvbuf")
		row("server CPU s", "cpu", 2)
		row("harness CPU s", "ccpu", 2)
		printf "%-26s", "server peak RSS MiB"
		for (i = 1; i <= ns; i++) printf " %16s", fmt(median(rss[S[i]]) / 1024, 1)
		printf "\n"
		printf "%-26s", "failed storms"
		for (i = 1; i <= ns; i++) printf " %16s", (fails[S[i]] + 0) "/" runs[S[i]]
		printf "\n"
	}
	function tcprow(name, k,    i) {
		printf "%-26s", name
		for (i = 1; i <= ns; i++) printf " %16s", fmt(median(tc[S[i], k]), 0)
		printf "\n"
	}
	function row(name, what, d,    i, v, c) {
		printf "%-26s", name
		for (i = 1; i <= ns; i++) {
			if (what == "okn") v = median(okn[S[i]]); else if (what == "last") v = median(last[S[i]])
			else if (what == "mbps") v = median(mbps[S[i]]); else if (what == "cpu") v = median(cpu[S[i]])
			else if (what == "ccpu") v = median(ccpu[S[i]])
			printf " %16s", fmt(v, d)
		}
		if ("bootherd" in runs && "classic" in runs) {
			if (what == "last") printf " %16s", fmt(ratio(median(last["classic"]), median(last["bootherd"])), 2)
			else if (what == "cpu") printf " %16s", fmt(ratio(median(cpu["classic"]), median(cpu["bootherd"])), 2)
			else if (what == "mbps") printf " %16s", fmt(ratio(median(mbps["classic"]), median(mbps["bootherd"])), 2)
		}
		printf "\n"
	}' "$RAW"
} >"$TABLE"
cat "$TABLE"

# --- JSON: the knobs, the table's source lines, every storm's own JSON. ----------------------
JSON=$OUT/bootstorm.json
{
	printf '{"date": "%s", "rev": "%s", "load_before": "%s", "load_after": "%s", ' "$T0" "$REV" "$LOAD0" "$LOAD1"
	printf '"knobs": {"nodes": %s, "mode": "%s", "kernel_mib": %s, "initrd_mib": %s, "reps": %s, "ramp_s": %s, "rtt_ms": %s, "loss_pct": %s, "broadcast": %s, "window": %s, "firmware": "%s", "classic_dhcp": "%s", "classic_tftp": "%s", "iperf_node_streams": %s, "iperf_node_window": "%s"}, ' \
		"$NODES" "$MODE" "$KERNEL_MIB" "$INITRD_MIB" "$REPS" "$RAMP" "$RTT_MS" "$LOSS" "$BROADCAST" "$WINDOW" "$FIRMWARE" "$CLASSIC_DHCP" "$CLASSIC_TFTP" "$IPERF_NODE_STREAMS" "$IPERF_NODE_WINDOW"
	printf '"bytes_per_node": %s, "xdp_variant": %s, "storms": [' "$PER_NODE" "$( ((XDP_KEY)) && echo true || echo false)"
	first=1
	while read -r line; do
		declare -A r=()
		for kv in $line; do r[${kv%%=*}]=${kv#*=}; done
		f=$RUNS/${r[server]}.${r[rep]}.json
		((first)) || printf ', '
		first=0
		printf '{"server": "%s", "rep": %s, "exit": %s, "iperf_MBps": %s, "iperf_nodes_MBps": %s, "floor_s": %s, "result": %s}' \
			"${r[server]}" "${r[rep]}" "${r[rc]}" "${r[iperf_MBps]:-0}" "${r[iperf_nodes_MBps]:-0}" \
			"$(awk -v n="$NODES" -v p="$PER_NODE" -v b="${r[iperf_MBps]:-0}" 'BEGIN { if (b > 0) printf "%.3f", n * p / (b * 1e6); else printf "null" }')" \
			"$(if [[ -s $f ]]; then cat "$f"; else echo null; fi)"
		unset r
	done <"$RAW"
	printf '], "table": "%s"}\n' "$(sed 's/\\/\\\\/g; s/"/\\"/g' "$TABLE" | awk '{ printf "%s\\n", $0 }')"
} >"$JSON"

# --- The plot: nodes done over time, per-phase latency (the first rep of each server). -------
PNG=$OUT/bootstorm.png
if command -v gnuplot >/dev/null; then
	plots=() lat=$RUNS/phase-latency.dat
	{
		printf 'phase'
		for s in "${servers[@]}"; do printf '\t"%s p50"\t"%s p99"' "${LABEL[$s]}" "${LABEL[$s]}"; done
		printf '\n'
		for p in dhcp nbp cfg kernel initrd total; do
			printf '%s' "$p"
			for s in "${servers[@]}"; do
				awk -v p="$p" -v s="$s" '{ delete r; for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); r[k] = v }
					if (r["server"] == s && r["rep"] == 1) { a = r[p "_p50"]; b = r[p "_p99"]
					printf "\t%s\t%s", (a == "nan" || a == "") ? 1e-4 : a, (b == "nan" || b == "") ? 1e-4 : b } }' "$RAW"
			done
			printf '\n'
		done
	} >"$lat"
	for s in "${servers[@]}"; do
		[[ -s $RUNS/$s.1.timeline.tsv ]] &&
			plots+=("'$RUNS/$s.1.timeline.tsv' using 1:(\$2+\$3) with lines lw 2 title '${LABEL[$s]}'")
	done
	if ((${#plots[@]})); then
		curves=$(printf '%s, ' "${plots[@]}")
		curves=${curves%, }
		cols=""
		for ((i = 0; i < ${#servers[@]}; i++)); do
			cols+="${cols:+, }'' using $((2 * i + 2)):xtic(1) title columnhead($((2 * i + 2))), '' using $((2 * i + 3)) title columnhead($((2 * i + 3)))"
		done
		gnuplot <<-EOF 2>>"$LOGS/gnuplot.log" || note "gnuplot failed: see $LOGS/gnuplot.log"
			set terminal pngcairo size 1400,560 font ",10"
			set output '$PNG'
			set multiplot layout 1,2 title "Boot storm: $NODES nodes, $KERNEL_MIB + $INITRD_MIB MiB over $MODE ($T0)"
			set title "nodes done over time"
			set xlabel "seconds since the storm began"
			set ylabel "nodes done"
			set key bottom right
			set grid
			plot $curves
			set title "per-phase latency (p50, p99), log scale"
			set xlabel ""
			set ylabel "seconds"
			set logscale y
			set style data histograms
			set style histogram clustered gap 1
			set style fill solid 0.8 border -1
			set key top left
			plot '$lat' ${cols#\'\' }
			unset multiplot
		EOF
	fi
fi
note "table: $TABLE; JSON: $JSON; plot: $PNG; per storm: $RUNS/"
exit "$status"
