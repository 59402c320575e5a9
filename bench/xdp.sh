#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The DHCP fast path (issue 6): DORA exchanges per second and the cost per packet of bootherd's
# XDP fast path (dhcp.xdp: native), bootherd's user-space path (dhcp.xdp: off), kea-dhcp4 and
# dnsmasq, all in the same run on one veth pair, with one client for all: bench/dhcpflood.c,
# which plays NODES PXE clients from their own MACs in raw frames (broadcast DISCOVER, REQUEST,
# as firmware sends them; perfdhcp only plays a relay, which the fast path leaves to user space).
# Every server has the same inventory: NODES MACs, each with a fixed address.
#
# For each server and repetition: the highest DISCOVER rate at which at most MAX_DROP percent of
# the DORA exchanges are lost (a ladder, then a bisection, as bench/dhcp.sh), and one closed-loop
# trial with WINDOW exchanges in flight. A fresh server for every trial. The cost per packet:
# for the fast path, the XDP program's run time from the kernel's BPF statistics
# (kernel.bpf_stats_enabled, set for the run and put back after); for every server, its
# cgroup's CPU time (bench/lib.sh bench_cg_create), and that plus the kernel's receive thread of
# the server's veth end, per request received. Medians over REPS, the servers interleaved.
#
# Writes build/bench/xdp.{txt,json,raw.tsv} and build/bench/logs/xdp/. See bench/README.md
# (## DHCP fast path (XDP)) for the method and what each number means.
#
# The network: namespaces bhxdp-{s,c}PID joined by a veth pair (bhx<PID>{s,c}); the server's end
# 10.88.0.1/16, the nodes' addresses 10.88.1.1 and up. Everything goes when the script ends,
# however it ends; a later run reaps what a killed one left (namespaces, cgroup, the sysctl).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

die() { echo "bench/xdp: $*" >&2; exit 1; }
note() { printf 'bench/xdp: %s\n' "$*" >&2; }

# Knobs.
REPS=${REPS:-3}
XDP_SERVERS=${XDP_SERVERS:-${BENCH_SERVERS:-"bootherd_xdp bootherd kea dnsmasq"}}
NODES=${NODES:-1000}                     # inventory size: MACs with a fixed address each
RATES=${RATES:-"500 2000 8000 16000 32000 64000 128000 256000"}  # the ladder, DISCOVERs/s
BISECT=${BISECT:-3}                      # bisection steps after the ladder
RETRY=${RETRY:-1}                        # a failed trial is run again this many times
MAX_DROP=${MAX_DROP:-2.5}                # % of exchanges a passing trial may lose
TRIAL_SECS=${TRIAL_SECS:-3}              # seconds of new exchanges per rate trial
DROP_TIME=${DROP_TIME:-1}                # an OFFER or ACK later than this (s) is lost
WINDOW=${WINDOW:-64}                     # exchanges in flight in the closed-loop trial (0: none)
WINDOW_SECS=${WINDOW_SECS:-3}
NAPI_THREADED=${NAPI_THREADED:-1}        # the server's veth end receives in a kernel thread
BPF_STATS=${BPF_STATS:-1}                # kernel.bpf_stats_enabled for the run
KEA_THREADS=${KEA_THREADS:-0}            # 0: Kea's default (2.2: one thread); N: N threads
BH_LOG_LEVEL=${BH_LOG_LEVEL:-warn}
START_TIMEOUT=${START_TIMEOUT:-10}       # seconds for a server to answer its first DORA
FLOOD_ARGS=${FLOOD_ARGS:-}               # more dhcpflood options (--no-broadcast, --uuid, ...)

OUT=$ROOT/build/bench
BH=${BOOTHERD:-$ROOT/build/bootherd}
FLOOD=$ROOT/build/bench/bin/dhcpflood

((NODES >= 1 && NODES <= 60000)) || die "NODES must be 1..60000"
((EUID == 0)) || die "run as root: the bench makes network namespaces and sets a sysctl"
if [[ -z "${BENCH_XDP_NO_DEPS:-}" ]]; then
	scripts/deps.sh kea-dhcp4-server dnsmasq-base bpftool jq ethtool iproute2 util-linux
	make --no-print-directory -q build/bench/bin/dhcpflood 2>/dev/null ||
		make --no-print-directory build/bench/bin/dhcpflood
fi
for t in kea-dhcp4 dnsmasq bpftool jq ip ethtool ss flock timeout awk; do
	command -v "$t" >/dev/null || die "$t is missing: run bench/run.sh (it installs what is needed)"
done
[[ -x $FLOOD ]] || die "$FLOOD is missing: make build/bench/bin/dhcpflood"
[[ " $XDP_SERVERS " != *" bootherd"* || -x "$BH" ]] || die "$BH is missing: make"

declare -A LABEL=([bootherd_xdp]="bootherd+xdp" [bootherd]="bootherd" [kea]="kea-dhcp4" [dnsmasq]="dnsmasq")
read -r -a SV <<<"$XDP_SERVERS"
((${#SV[@]})) || die "no servers (XDP_SERVERS is empty)"
for s in "${SV[@]}"; do
	[[ -n "${LABEL[$s]:-}" ]] || die "unknown server '$s' (known: ${!LABEL[*]})"
done

TMP=$OUT/xdp-tmp
LOGS=$OUT/logs/xdp
mkdir -p "$OUT"
exec {lock_fd}>"$OUT/.xdp.lock"
flock -n "$lock_fd" || die "another bench/xdp.sh is running (lock $OUT/.xdp.lock)"

# --- Leftovers of a run that was killed: its namespaces and what runs in them, its cgroup, the
# sysctl it set. Found by the PID in their names, that PID being gone. ---------------------------
for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^bhxdp-[sc][0-9]+$' || true); do
	p=${ns#bhxdp-?}
	bench_run_alive "$p" xdp.sh && continue
	note "removing $ns, left by run $p"
	for q in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$q" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
done
bench_reap_cgroups bootherd-bench-xdp xdp.sh
if [[ -f $OUT/.xdp.sysctl ]]; then
	read -r p old <"$OUT/.xdp.sysctl"
	if ! bench_run_alive "$p" xdp.sh; then
		[[ $(sysctl -n kernel.bpf_stats_enabled) == 1 ]] && sysctl -qw kernel.bpf_stats_enabled="$old"
		rm -f "$OUT/.xdp.sysctl"
	fi
fi

rm -rf "${TMP:?}" "${LOGS:?}"
mkdir -p "$TMP" "$LOGS"
# Every trial runs the same build, whatever make does meanwhile.
if [[ " $XDP_SERVERS " == *" bootherd"* ]]; then
	cp "$BH" "$TMP/bootherd"
	BH=$TMP/bootherd
fi
cp "$FLOOD" "$TMP/dhcpflood"
FLOOD=$TMP/dhcpflood
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
RAW=$TMP/xdp.raw.tsv
BEST=$TMP/xdp.best.tsv

NS_S=bhxdp-s$$
NS_C=bhxdp-c$$
IF_S=bhx$$s
IF_C=bhx$$c
PID=
SERVER=
STATS_SET=
XDP_NAME=                               # the program found on the server's end (bootherd+xdp)

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
	[[ -z "$CG" || ! -w $CG/$SERVER/cgroup.kill ]] || echo 1 >"$CG/$SERVER/cgroup.kill" 2>/dev/null || true
	PID=
}

cleanup() {
	local p
	trap - EXIT INT TERM HUP
	stop_server
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for p in $(ip netns pids "$NS_S" 2>/dev/null) $(ip netns pids "$NS_C" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null || true
	done
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	bench_cg_remove
	if [[ -n "$STATS_SET" ]]; then
		sysctl -qw kernel.bpf_stats_enabled="$STATS_SET" || true
		rm -f "$OUT/.xdp.sysctl"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

bench_cg_create "bootherd-bench-xdp.$$"
[[ -n "$CG" ]] || note "no writable cgroup v2: server CPU from /proc of its main process"

# The XDP program's run time: the kernel counts it only while this sysctl is on.
if ((BPF_STATS)) && [[ $(sysctl -n kernel.bpf_stats_enabled) != 1 ]]; then
	old=$(sysctl -n kernel.bpf_stats_enabled)
	echo "$$ $old" >"$OUT/.xdp.sysctl"
	sysctl -qw kernel.bpf_stats_enabled=1
	STATS_SET=$old
fi

# --- The network. ---------------------------------------------------------------------------------
ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" addr add 10.88.0.1/16 dev "$IF_S"
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
# Checksums finished by the sender (Kea and dhcpflood read packet sockets, and dhcpflood checks
# every reply's checksums).
ip netns exec "$NS_S" ethtool -K "$IF_S" tx off >/dev/null
ip netns exec "$NS_C" ethtool -K "$IF_C" tx off >/dev/null
# Where the server's side receives. A veth hands a frame to its peer in the sender's own
# context: without this, the XDP program (and the user-space servers' IP and UDP input) would
# run inside dhcpflood's sendmmsg(), on its CPU, a frame per NAPI poll, and the bench would
# measure the generator's core. GRO on gives the server's end a NAPI context even without an
# XDP program, and a threaded NAPI runs it in a kernel thread of its own, as a NIC's receive
# runs on the server's CPUs. The client's end gets its XDP_PASS program from dhcpflood.
if ((NAPI_THREADED)); then
	ip netns exec "$NS_S" ethtool -K "$IF_S" gro on >/dev/null
	ip netns exec "$NS_S" sh -c "echo 1 >/sys/class/net/$IF_S/threaded" ||
		die "cannot turn on threaded NAPI on $IF_S"
fi

# --- The inventory: node I has the MAC 02:88:00:II:II:II (its 24-bit index) and the address
# 10.88.(1 + I/250).(1 + I%250). The same for every server. ----------------------------------------
INV=$TMP/inv
mkdir -p "$INV"
awk -v n="$NODES" -v hosts="$INV/hosts" -v dnsm="$INV/dnsmasq.hosts" -v bh="$INV/nodes.yaml" \
	-v kea="$INV/kea-reservations.json" 'BEGIN {
	for (i = 0; i < n; i++) {
		mac = sprintf("02:88:00:%02x:%02x:%02x", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
		ip = sprintf("10.88.%d.%d", 1 + int(i / 250), 1 + i % 250)
		print mac, ip > hosts
		printf "%s,%s,node%05d\n", mac, ip, i > dnsm
		printf "  - {name: node%05d, mac: \"%s\", ip: %s, profile: xdpbench}\n", i, mac, ip > bh
		printf "%s{ \"hw-address\": \"%s\", \"ip-address\": \"%s\" }", (i ? ",\n      " : ""), mac, ip > kea
	}
}'
tail -n 1 "$INV/hosts" >"$INV/probe.hosts"

write_bootherd() { # FILE XDP (a dhcp.xdp value, or "" to leave the key out)
	{
		cat <<-EOF
		listen: 0.0.0.0
		log: {level: $BH_LOG_LEVEL}
		tftp: {enabled: false}
		http: {enabled: false}
		dhcp:
		  enabled: true
		  interfaces: [$IF_S]
		  lease_db: $TMP/run/leases.sqlite
		  lease_time: 3600
		EOF
		[[ -z $2 ]] || echo "  xdp: $2"
		cat <<-EOF
		  boot: {bios: pxelinux.0}
		  subnets:
		    - subnet: 10.88.0.0/16
		      router: 10.88.0.1
		profiles:
		  xdpbench: {kernel: vmlinuz}
		nodes:
		EOF
		cat "$INV/nodes.yaml"
	} >"$1"
}

# The key: until the fast path is in, `bootherd check` refuses dhcp.xdp, and bootherd+xdp is
# skipped (bootherd then runs without the key).
XDP_KEY=0
if [[ " $XDP_SERVERS " == *" bootherd"* ]]; then
	write_bootherd "$TMP/probe.yaml" native
	if why=$("$BH" check -c "$TMP/probe.yaml" 2>&1); then
		XDP_KEY=1
	else
		note "bootherd has no dhcp.xdp yet: bootherd+xdp is skipped ($(grep -m1 -o "unknown key 'xdp'.*" <<<"$why" || echo "$why" | head -1))"
	fi
	write_bootherd "$TMP/bootherd_xdp.yaml" native
	write_bootherd "$TMP/bootherd.yaml" "$( ((XDP_KEY)) && echo off)"
fi
if ((!XDP_KEY)); then
	read -r -a SV <<<"$(for s in "${SV[@]}"; do [[ $s == bootherd_xdp ]] || printf '%s ' "$s"; done)"
	((${#SV[@]})) || die "nothing left to run"
fi

mt=
((KEA_THREADS > 0)) &&
	mt="\"multi-threading\": { \"enable-multi-threading\": true, \"thread-pool-size\": $KEA_THREADS, \"packet-queue-size\": 64 },"
# Kea as bench/dhcp.sh runs it, with the inventory as host reservations by MAC and the same boot
# file (bench/lib.sh).
bench_kea_json "$TMP/kea.json" "$IF_S" 10.88.0.0/16 10.88.0.1 "$INV/kea-reservations.json" \
	"$TMP/run" "$LOGS/kea.log" "$mt"

# --- Counters. ----------------------------------------------------------------------------------
TCK=$(getconf CLK_TCK)
srv_cpu_us() { # SERVER: CPU microseconds of the server's cgroup (or of its process)
	local st
	if [[ -n "$CG" && -r $CG/$1/cpu.stat ]]; then
		awk '$1 == "usage_usec" { print $2; exit }' "$CG/$1/cpu.stat"
	elif [[ -n "$PID" && -r /proc/$PID/stat ]]; then
		st=$(<"/proc/$PID/stat")
		st=${st##*) }
		awk -v t="$TCK" '{ printf "%d\n", ($12 + $13) * 1e6 / t }' <<<"$st"
	else
		echo 0
	fi
}
napi_ticks() { # the CPU ticks of the kernel threads that receive on the server's end
	bench_napi_ticks "$IF_S"
}
rcvbuf_errs() { # NETNS -> UDP RcvbufErrors of that namespace
	# shellcheck disable=SC2016
	ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' \
		/proc/net/snmp
}
xdp_tx_errs() { # replies XDP_TX could not hand to the client's end
	ip netns exec "$NS_S" ethtool -S "$IF_S" 2>/dev/null |
		awk '/xdp_tx_errors/ { s += $2 } END { print s + 0 }'
}
xdp_prog() { # -> "ID MODE NAME" of the XDP program on the server's end, or nothing
	ip -n "$NS_S" -j link show "$IF_S" 2>/dev/null |
		jq -r '.[0].xdp // empty | "\(.prog.id // .attached[0].prog.id) \(.mode) \(.prog.name // .attached[0].prog.name)"'
}
# bpf_sample PROG_ID -> "run_time_ns run_cnt requests offers acks passed" (bh_stats summed over
# the CPUs; passed: every pass_* counter)
bpf_sample() {
	local id=$1 m rt
	rt=$(bpftool -j prog show id "$id" 2>/dev/null | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
	m=$(for mid in $(bpftool -j prog show id "$id" | jq -r '.map_ids[]'); do
		bpftool -j map show id "$mid" | jq -r 'select(.name == "bh_stats") | .id'
	done | head -1)
	if [[ -z $m ]]; then
		echo "${rt:-0 0} 0 0 0 0"
		return
	fi
	bpftool -j map dump id "$m" | jq -r --arg rt "${rt:-0 0}" '
		(map({key: (.formatted.key | tostring), value: ([.formatted.values[].value] | add)})
		 | from_entries) as $c |
		"\($rt) \($c["0"] // 0) \($c["1"] // 0) \($c["2"] // 0) \([$c["5"], $c["6"], $c["7"], $c["8"], $c["9"], $c["10"], $c["11"]] | map(. // 0) | add)"'
}

# --- Servers. -----------------------------------------------------------------------------------
launch() { # COMMAND...: in the server namespace and the server's own cgroup
	mkdir -p "$TMP/run"
	if [[ -n "$CG" ]]; then
		mkdir -p "$CG/$SERVER"
		(echo "$BASHPID" >"$CG/$SERVER/cgroup.procs" && exec ip netns exec "$NS_S" "$@" {lock_fd}>&-) \
			>>"$LOGS/$SERVER.log" 2>&1 &
	else
		(exec ip netns exec "$NS_S" "$@" {lock_fd}>&-) >>"$LOGS/$SERVER.log" 2>&1 &
	fi
	PID=$!
}

flood() { # OUT_JSON ARGS...: dhcpflood in the client namespace, its XDP_PASS on the client's end
	local out=$1
	shift
	# shellcheck disable=SC2086 # FLOOD_ARGS: words
	ip netns exec "$NS_C" timeout -k 5 120 "$FLOOD" -i "$IF_C" --xdp-pass=native -j -q \
		-D "$DROP_TIME" $FLOOD_ARGS "$@" >"$out" 2>>"$LOGS/dhcpflood.log" {lock_fd}>&-
}

probe() { # one DORA from the last node of the inventory, within 1 s
	flood "$TMP/probe.json" --hosts "$INV/probe.hosts" -w 1 -c 1 -d 5 --max-lost 0 -D 1
}

start_server() { # SERVER -> 0 when it answered a first DORA within START_TIMEOUT s
	local s=$1 i l0 x
	SERVER=$s
	rm -rf "$TMP/run"
	mkdir -p "$TMP/run"
	echo "=== $(date -u +%H:%M:%S) start" >>"$LOGS/$s.log"
	l0=$(wc -l <"$LOGS/$s.log")
	case $s in
	bootherd_xdp) launch "$BH" serve -c "$TMP/bootherd_xdp.yaml" ;;
	bootherd) launch "$BH" serve -c "$TMP/bootherd.yaml" ;;
	kea) launch env KEA_PIDFILE_DIR="$TMP/run" KEA_LOCKFILE_DIR="$TMP/run" kea-dhcp4 -c "$TMP/kea.json" ;;
	dnsmasq)
		# As bench/dhcp.sh runs it, with the inventory as static hosts: --dhcp-range=...,static
		# answers only them.
		launch dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --port=0 \
			--no-ping --quiet-dhcp --dhcp-authoritative --dhcp-lease-max=200000 \
			--dhcp-range=10.88.0.0,static,255.255.0.0,3600 --dhcp-hostsfile="$INV/dnsmasq.hosts" \
			--dhcp-option=3,10.88.0.1 --dhcp-boot=pxelinux.0 --interface="$IF_S" \
			--bind-interfaces --dhcp-leasefile="$TMP/run/dnsmasq.leases" \
			--log-facility="$LOGS/dnsmasq.log"
		;;
	esac
	for ((i = 0; i < START_TIMEOUT * 20; i++)); do
		kill -0 "$PID" 2>/dev/null || return 1
		[[ $(ss -N "$NS_S" -Hanpu0 2>/dev/null) == *"pid=$PID,"* ]] && break
		[[ $(tail -n +$((l0 + 1)) "$LOGS/$s.log") == *ready* ]] && break
		sleep 0.05
	done
	if [[ $s == bootherd_xdp ]]; then
		# The fast path must be attached in native mode before the probe (XDP_ATTACHED_DRV = 1).
		for ((i = 0; i < START_TIMEOUT * 20; i++)); do
			x=$(xdp_prog)
			[[ -n $x ]] && break
			kill -0 "$PID" 2>/dev/null || return 1
			sleep 0.05
		done
		read -r XDP_ID XDP_MODE XDP_NAME <<<"${x:-0 0 none}"
		if [[ $XDP_MODE != 1 ]]; then
			note "bootherd+xdp: no XDP program in native mode on $IF_S (found: ${x:-none})"
			return 1
		fi
	fi
	for ((i = 0; i < START_TIMEOUT; i++)); do
		kill -0 "$PID" 2>/dev/null || return 1
		probe && return 0
	done
	return 1
}

# --- One trial: a fresh server, dhcpflood at RATE (or WINDOW), a RAW line. ---------------------
# RAW columns, by name in the header. mode: rate or window; why: ok, drop (more than MAX_DROP
# lost), client (lost too many with dhcpflood at 90% of a core or more: the generator's limit),
# error, nostart. pkts: DISCOVERs and REQUESTs dhcpflood sent (what the server received);
# srv_cpu_s: the server's cgroup; napi_cpu_s: the kernel threads receiving on the server's end
# (0 without NAPI_THREADED); bpf_*: the XDP program's run time and runs (bootherd+xdp only);
# fast_answers: OFFERs and ACKs the program sent, passed: requests it left to user space.
COLS="trial rep server mode rate window secs ok why attempted discover_sent offers acks lost_pct dora_s skipped timeouts naks wrong bad_csum pushed_back lat_offer_p50 lat_offer_p99 lat_dora_p50 lat_dora_p99 gen_cpu_s gen_cpu_pct pkts srv_cpu_s napi_cpu_s bpf_ns bpf_cnt fast_answers passed srv_rcvbuf xdp_tx_err other_cpu_s interval_s"
tr ' ' '\t' <<<"$COLS" >"$RAW"
printf 'rep\tserver\ttrial\n' >"$BEST"
NTRIAL=0
LAST_OK=0
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

trial() { # SERVER REP MODE VALUE -> LAST_OK=1 when it passed
	local s=$1 rep=$2 mode=$3 v=$4 secs c0 c1 n0 n1 b0 b1 e0 e1 x0 x1 t0 t1 rc=0 j line
	local bs0="0 0 0 0 0 0" bs1="0 0 0 0 0 0" rate=0 win=0
	NTRIAL=$((NTRIAL + 1))
	LAST_OK=0
	if [[ $mode == rate ]]; then rate=$v secs=$TRIAL_SECS; else win=$v secs=$WINDOW_SECS; fi
	if ! start_server "$s"; then
		note "${LABEL[$s]} rep $rep: no answer to a first DORA within ${START_TIMEOUT} s (see $LOGS/$s.log)"
		stop_server
		printf '%d\t%d\t%s\t%s\t%d\t%d\t%s\t0\tnostart\n' "$NTRIAL" "$rep" "$s" "$mode" "$rate" \
			"$win" "$secs" >>"$RAW"
		return 2
	fi
	[[ $s == bootherd_xdp ]] && bs0=$(bpf_sample "$XDP_ID")
	c0=$(srv_cpu_us "$s") n0=$(napi_ticks) e0=$(rcvbuf_errs "$NS_S") x0=$(xdp_tx_errs)
	b0=$(busy_ticks) t0=$EPOCHREALTIME
	if [[ $mode == rate ]]; then
		flood "$TMP/trial.json" --hosts "$INV/hosts" -r "$rate" -d "$secs" || rc=$?
	else
		flood "$TMP/trial.json" --hosts "$INV/hosts" -w "$win" -d "$secs" || rc=$?
	fi
	t1=$EPOCHREALTIME b1=$(busy_ticks)
	c1=$(srv_cpu_us "$s") n1=$(napi_ticks) e1=$(rcvbuf_errs "$NS_S") x1=$(xdp_tx_errs)
	[[ $s == bootherd_xdp ]] && bs1=$(bpf_sample "$XDP_ID")
	kill -0 "$PID" 2>/dev/null || note "${LABEL[$s]} died during the trial: see $LOGS/$s.log"
	stop_server
	j=$(cat "$TMP/trial.json" 2>/dev/null || true)
	{ echo "=== ${LABEL[$s]} rep $rep $mode $v: dhcpflood exit $rc"; echo "$j"; } >>"$LOGS/trials.log"
	[[ -n $j ]] || j='{}'
	line=$(jq -r --argjson n "$NTRIAL" --argjson rep "$rep" --arg s "$s" --arg mode "$mode" \
		--argjson rate "$rate" --argjson win "$win" --argjson secs "$secs" --argjson rc "$rc" \
		--argjson maxdrop "$MAX_DROP" --argjson srv "$((c1 - c0))" --argjson napi "$((n1 - n0))" \
		--argjson tck "$TCK" --arg bs0 "$bs0" --arg bs1 "$bs1" --argjson rcvbuf "$((e1 - e0))" \
		--argjson xerr "$((x1 - x0))" --argjson busy "$((b1 - b0))" --arg t0 "$t0" --arg t1 "$t1" '
		def r(x; d): if x == null then "-" else (x * pow(10; d) | round) / pow(10; d) end;
		($bs0 | split(" ") | map(tonumber)) as $a | ($bs1 | split(" ") | map(tonumber)) as $b |
		(($t1 | tonumber) - ($t0 | tonumber)) as $iv |
		(.cpu_user_s + .cpu_sys_s) as $gen |
		(if .attempted == null or ($rc != 0 and $rc != 1) then "error"
		 elif .lost_pct <= $maxdrop then "ok"
		 elif .cpu_pct >= 90 then "client"
		 else "drop" end) as $why |
		[$n, $rep, $s, $mode, $rate, $win, $secs, (if $why == "ok" then 1 else 0 end), $why,
		 .attempted, .discover_sent, .offers, .acks, r(.lost_pct; 3), r(.dora_per_s; 1),
		 .skipped, ((.timeout_offer // 0) + (.timeout_ack // 0)), .naks, .wrong, .bad_csum,
		 .send_again, r(.latency_us.offer.p50; 1), r(.latency_us.offer.p99; 1),
		 r(.latency_us.dora.p50; 1), r(.latency_us.dora.p99; 1), r($gen; 3), r(.cpu_pct; 1),
		 ((.discover_sent // 0) + (.request_sent // 0)), r($srv / 1e6; 3), r($napi / $tck; 3),
		 ($b[0] - $a[0]), ($b[1] - $a[1]), (($b[3] - $a[3]) + ($b[4] - $a[4])), ($b[5] - $a[5]),
		 $rcvbuf, $xerr, r($busy / $tck - $srv / 1e6 - $napi / $tck - ($gen // 0); 2), r($iv; 3)]
		| map(if . == null then "-" else tostring end) | join("\t")' <<<"$j")
	echo "$line" >>"$RAW"
	IFS=$'\t' read -r -a f <<<"$line"
	if [[ $mode == rate ]]; then
		note "$(printf '%-12s rep %d: %7d/s: %8s DORA/s, %6s%% lost, DORA p50/p99 %s/%s us, server %s CPU-s, kernel rx %s, dhcpflood %s%%: %s' \
			"${LABEL[$s]}" "$rep" "$rate" "${f[14]}" "${f[13]}" "${f[23]}" "${f[24]}" "${f[28]}" "${f[29]}" "${f[26]}" "${f[8]}")"
	else
		note "$(printf '%-12s rep %d: window %d: %8s DORA/s, %6s%% lost, DORA p50/p99 %s/%s us' \
			"${LABEL[$s]}" "$rep" "$win" "${f[14]}" "${f[13]}" "${f[23]}" "${f[24]}")"
	fi
	((f[7])) && LAST_OK=1
	return 0
}

try_rate() { # SERVER REP RATE -> LAST_OK; 2 when the server did not start
	local i
	for ((i = 0; i <= RETRY; i++)); do
		((i == 0)) || note "${LABEL[$1]} rep $2: $3/s again"
		trial "$1" "$2" rate "$3" || return 2
		((LAST_OK)) && return 0
	done
	return 0
}

search() { # SERVER REP: up the ladder while rates pass, then bisect (as bench/dhcp.sh)
	local s=$1 rep=$2 r lo=0 hi=0 lo_trial=0 mid i
	for r in $RATES; do
		try_rate "$s" "$rep" "$r" || { printf '%d\t%s\t0\n' "$rep" "$s" >>"$BEST"; return; }
		if ((LAST_OK)); then lo=$r lo_trial=$NTRIAL; else hi=$r; break; fi
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

# --- The run. -------------------------------------------------------------------------------------
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
T_START=$EPOCHSECONDS
note "servers: ${SV[*]}; $NODES nodes; ladder ${RATES// /, } /s, $BISECT bisection steps, ${TRIAL_SECS} s trials, pass: <= ${MAX_DROP}% lost; window $WINDOW for ${WINDOW_SECS} s; threaded NAPI $NAPI_THREADED"
rotated() { # REP -> the servers, rotated by REP
	local n=${#SV[@]} i
	for ((i = 0; i < n; i++)); do printf '%s ' "${SV[(i + $1 - 1) % n]}"; done
}
for ((rep = 1; rep <= REPS; rep++)); do
	for s in $(rotated "$rep"); do
		search "$s" "$rep"
		((WINDOW > 0)) && { trial "$s" "$rep" window "$WINDOW" || true; }
	done
done
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
note "$NTRIAL trials in $((EPOCHSECONDS - T_START)) s"

# --- Medians, the table and the JSON. -------------------------------------------------------------
ver() { { "$@" 2>&1 || true; } | head -1 | grep -o '[0-9][0-9.]*[0-9]' | head -1 || true; }
labels=
for s in "${SV[@]}"; do labels+="$s=${LABEL[$s]} "; done
awk -F'\t' -v servers="${SV[*]}" -v labels="$labels" -v json="$TMP/xdp.json" -v reps="$REPS" \
	-v rates="$RATES" -v bisect="$BISECT" -v retry="$RETRY" -v maxdrop="$MAX_DROP" -v secs="$TRIAL_SECS" \
	-v droptime="$DROP_TIME" -v window="$WINDOW" -v wsecs="$WINDOW_SECS" -v nodes="$NODES" \
	-v napi="$NAPI_THREADED" -v xdpname="$XDP_NAME" -v keathreads="$KEA_THREADS" -v floodargs="$FLOOD_ARGS" -v bestf="$BEST" \
	-v keav="$(ver kea-dhcp4 -v)" -v dnsv="$(ver dnsmasq -v)" -v xdpkey="$XDP_KEY" \
	-v load0="$LOAD0" -v load1="$LOAD1" -v kernel="$(uname -r)" -v ncpu="$(nproc)" \
	-v model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	-v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v rev="$REV" "$BENCH_AWK_LIB"'
BEGIN {
	ns = split(servers, S, " ")
	split(labels, L, " "); for (i in L) { split(L[i], kv, "="); lab[kv[1]] = kv[2] }
	nr = split(rates, RT, " "); for (i = 1; i <= nr; i++) rung[RT[i]] = 1
}
FILENAME == bestf { if (FNR > 1) { isbest[$3] = 1 } next }
FNR == 1 { for (i = 1; i <= NF; i++) { c[$i] = i; H[i] = $i } next }
{
	s = $c["server"]
	ntr[s]++
	if ($c["why"] == "nostart") nostart[s]++
	if ($c["why"] == "client") climited[s]++
	pk = $c["pkts"] + 0
	# ns per packet: the XDP program (BPF statistics) for the fast path, the server cgroup for
	# the others; with the kernel receive thread of the server end added, for all.
	nsp = ""; nspk = ""
	if (s == "bootherd_xdp" && $c["bpf_cnt"] > 0) nsp = $c["bpf_ns"] / $c["bpf_cnt"]
	else if (s != "bootherd_xdp" && pk > 0) nsp = 1e9 * $c["srv_cpu_s"] / pk
	# (without a receive thread, the server end receives inside dhcpflood: no figure)
	if (pk > 0 && napi) nspk = 1e9 * ($c["srv_cpu_s"] + $c["napi_cpu_s"]) / pk
	if ($c["ok"] && $c["mode"] == "rate" && ($c["rate"] in rung)) {
		al50[s SUBSEP $c["rate"]] = al50[s SUBSEP $c["rate"]] " " $c["lat_dora_p50"]
		al99[s SUBSEP $c["rate"]] = al99[s SUBSEP $c["rate"]] " " $c["lat_dora_p99"]
		if (nsp != "") atr[s SUBSEP $c["rate"]] = atr[s SUBSEP $c["rate"]] " " nsp
		if (nspk != "") atk[s SUBSEP $c["rate"]] = atk[s SUBSEP $c["rate"]] " " nspk
	}
	if ($c["mode"] == "window" && $c["why"] != "nostart") {
		mwin[s] = mwin[s] " " $c["dora_s"]; mwlost[s] = mwlost[s] " " $c["lost_pct"]
		mwp50[s] = mwp50[s] " " $c["lat_dora_p50"]; mwp99[s] = mwp99[s] " " $c["lat_dora_p99"]
	}
	o = ""
	for (i = 1; i <= NF; i++) {
		v = $i
		if (v !~ /^-?[0-9.]+$/ || v ~ /^0[0-9]/) v = "\"" v "\""
		o = o sprintf("%s\"%s\":%s", i > 1 ? "," : "", H[i], v)
	}
	tr[s] = tr[s] (tr[s] == "" ? "" : ",") "{" o "}"
	if (!($c["trial"] in isbest)) next
	rep_ok[s]++
	mrate[s] = mrate[s] " " $c["rate"]; mdora[s] = mdora[s] " " $c["dora_s"]
	mlost[s] = mlost[s] " " $c["lost_pct"]
	mp50[s] = mp50[s] " " $c["lat_dora_p50"]; mp99[s] = mp99[s] " " $c["lat_dora_p99"]
	mo50[s] = mo50[s] " " $c["lat_offer_p50"]; mo99[s] = mo99[s] " " $c["lat_offer_p99"]
	if (nsp != "") mns[s] = mns[s] " " nsp
	if (nspk != "") mnsk[s] = mnsk[s] " " nspk
	mscpu[s] = mscpu[s] " " (100 * ($c["srv_cpu_s"] + $c["napi_cpu_s"]) / $c["interval_s"])
	mgcpu[s] = mgcpu[s] " " $c["gen_cpu_pct"]
	mocpu[s] = mocpu[s] " " (100 * ($c["other_cpu_s"] < 0 ? 0 : $c["other_cpu_s"]) / $c["interval_s"])
	if (s == "bootherd_xdp" && $c["acks"] > 0) mfast[s] = mfast[s] " " (100 * $c["fast_answers"] / ($c["offers"] + $c["acks"]))
	msd[s] = msd[s] " " $c["srv_rcvbuf"]; mxe[s] = mxe[s] " " $c["xdp_tx_err"]
}
END {
	for (i = 1; i <= ns; i++) {
		s = S[i]
		R[s] = median(mrate[s]); D[s] = median(mdora[s]); P[s] = median(mlost[s])
		P50[s] = median(mp50[s]); P99[s] = median(mp99[s]); O50[s] = median(mo50[s]); O99[s] = median(mo99[s])
		W[s] = median(mwin[s]); WL[s] = median(mwlost[s]); W50[s] = median(mwp50[s]); W99[s] = median(mwp99[s])
		N[s] = median(mns[s]); NK[s] = median(mnsk[s]); SC[s] = median(mscpu[s]); GC[s] = median(mgcpu[s])
		OC[s] = median(mocpu[s]); F[s] = median(mfast[s]); SD[s] = median(msd[s]); XE[s] = median(mxe[s])
	}
	x = "bootherd_xdp"
	np = 0
	if (x in lab) for (i = 1; i <= ns; i++) if (S[i] != x) { PB[++np] = S[i]; PN[np] = "xdp:" (S[i] == "bootherd" ? "bh" : S[i]) }
	WD = 13
	printf "DHCP DORA on one veth pair (two network namespaces), dhcpflood as the client: %d PXE clients (MACs), each\n", nodes
	printf "with a fixed address in every server'"'"'s inventory. Best: the highest DISCOVER rate with <= %s%% of DORA lost (ladder\n", maxdrop
	printf "%s /s, then %d bisection steps; %s s trials, a fresh server each, a failed one run again %d time(s));\n", rates, bisect, secs, retry
	printf "closed loop: %d exchanges in flight for %s s. Medians of %d reps. Machine: %d CPUs, load average %s -> %s.\n", window, wsecs, reps, ncpu, load0, load1
	printf "Server end of the veth: %s.\n", napi ? "threaded NAPI (its receive path in a kernel thread, counted as \"kernel rx\")" : "default (receive in the sender'"'"'s context)"
	if (!xdpkey) print "bootherd+xdp: skipped, bootherd has no dhcp.xdp key yet (issue 6)."
	else if (xdpname != "") printf "bootherd+xdp: dhcp.xdp native, XDP program %s attached in native mode.\n", xdpname
	hdr = sprintf("%-24s", "metric")
	for (i = 1; i <= ns; i++) hdr = hdr pad(lab[S[i]], WD)
	if (np) { hdr = hdr "  |"; for (p = 1; p <= np; p++) hdr = hdr pad(PN[p], 12) }
	print hdr
	line = hdr; gsub(/./, "-", line); print line
	nm = split("best rate (/s)|DORA/s|lost %|DORA p50 us|DORA p99 us|OFFER p50 us|OFFER p99 us|closed loop DORA/s|closed loop lost %|closed loop p50/p99 us|ns/packet|ns/packet +kernel rx|server+kernel %cpu|dhcpflood %cpu|other %cpu|answered in kernel %|server rcvbuf drops|xdp_tx errors|trials|no pass", M, "|")
	for (m = 1; m <= nm; m++) {
		row = sprintf("%-24s", M[m])
		for (i = 1; i <= ns; i++) {
			s = S[i]
			if (m == 1) v = fmt(R[s], 0); else if (m == 2) v = fmt(D[s], 0); else if (m == 3) v = fmt(P[s], 2)
			else if (m == 4) v = fmt(P50[s], 0); else if (m == 5) v = fmt(P99[s], 0)
			else if (m == 6) v = fmt(O50[s], 0); else if (m == 7) v = fmt(O99[s], 0)
			else if (m == 8) v = fmt(W[s], 0); else if (m == 9) v = fmt(WL[s], 2)
			else if (m == 10) v = W50[s] == "" ? "-" : sprintf("%.0f/%.0f", W50[s], W99[s])
			else if (m == 11) v = fmt(N[s], 0); else if (m == 12) v = fmt(NK[s], 0)
			else if (m == 13) v = SC[s] == "" ? "-" : sprintf("%.0f%%", SC[s])
			else if (m == 14) v = GC[s] == "" ? "-" : sprintf("%.0f%%", GC[s])
			else if (m == 15) v = OC[s] == "" ? "-" : sprintf("%.0f%%", OC[s])
			else if (m == 16) v = s == x ? fmt(F[s], 1) : "-"
			else if (m == 17) v = s == "kea" ? "n/a" : fmt(SD[s], 0)
			else if (m == 18) v = s == x ? fmt(XE[s], 0) : "-"
			else if (m == 19) v = ntr[s] + 0; else v = sprintf("%d/%d", reps - rep_ok[s], reps)
			row = row pad(v, WD)
		}
		if (np) {
			row = row "  |"
			for (p = 1; p <= np; p++) {
				b = PB[p]
				if (m == 1) v = ratio(R[x], R[b]); else if (m == 2) v = ratio(D[x], D[b])
				else if (m == 8) v = ratio(W[x], W[b])
				else if (m == 11) v = ratio(N[b], N[x]); else if (m == 12) v = ratio(NK[b], NK[x]); else v = ""
				row = row pad(v == "" ? "" : sprintf("%.2f", v), 12)
			}
		}
		print row
	}
	for (r = 1; r <= nr; r++) {
		any = 0; for (i = 1; i <= ns; i++) if ((S[i] SUBSEP RT[r]) in al50) any = 1
		if (!any) continue
		row = sprintf("%-24s", "DORA p50/p99 us at " RT[r])
		for (i = 1; i <= ns; i++) {
			k = S[i] SUBSEP RT[r]
			row = row pad((k in al50) ? sprintf("%.0f/%.0f", median(al50[k]), median(al99[k])) : "-", WD)
		}
		print row
	}
	for (r = 1; r <= nr; r++) {
		any = 0; for (i = 1; i <= ns; i++) if ((S[i] SUBSEP RT[r]) in atr) any = 1
		if (!any) continue
		row = sprintf("%-24s", "ns/packet at " RT[r])
		for (i = 1; i <= ns; i++) { k = S[i] SUBSEP RT[r]; AR[k] = (k in atr) ? median(atr[k]) : ""; row = row pad(fmt(AR[k], 0), WD) }
		if (np) {
			row = row "  |"
			for (p = 1; p <= np; p++) { v = ratio(AR[PB[p] SUBSEP RT[r]], AR[x SUBSEP RT[r]]); row = row pad(v == "" ? "" : sprintf("%.2f", v), 12) }
		}
		print row
	}
	for (r = 1; r <= nr; r++) {
		any = 0; for (i = 1; i <= ns; i++) if ((S[i] SUBSEP RT[r]) in atk) any = 1
		if (!any) continue
		row = sprintf("%-24s", "ns/pkt +k.rx at " RT[r])
		for (i = 1; i <= ns; i++) { k = S[i] SUBSEP RT[r]; AK[k] = (k in atk) ? median(atk[k]) : ""; row = row pad(fmt(AK[k], 0), WD) }
		if (np) {
			row = row "  |"
			for (p = 1; p <= np; p++) { v = ratio(AK[PB[p] SUBSEP RT[r]], AK[x SUBSEP RT[r]]); row = row pad(v == "" ? "" : sprintf("%.2f", v), 12) }
		}
		print row
	}
	print line
	print "DORA/s: ACKs per second of the best trial; lost %: exchanges started (DISCOVERs due) without their ACK within " droptime " s;"
	print "DORA, OFFER p50/p99: from the DISCOVER to the ACK, to the OFFER (kernel receive stamps), in the best trial."
	print "closed loop: " window " exchanges in flight at all times, one trial per rep."
	print "ns/packet: per DISCOVER or REQUEST received; bootherd+xdp: the XDP program'"'"'s own run time (BPF statistics);"
	print "the others: the server'"'"'s cgroup CPU. +kernel rx: the server'"'"'s cgroup (bootherd+xdp: its user space reading the"
	print "program'"'"'s events) plus the kernel thread receiving on the server'"'"'s end: veth, XDP or IP/UDP input, and the"
	print "client end'"'"'s receive of the replies, which runs in the context that sent them (dhcpflood'"'"'s XDP_PASS, packet ring)."
	print "DORA p50/p99 at R, ns/packet at R, ns/pkt +k.rx at R: the same at the ladder'"'"'s rate R/s (passing trials). Ratios xdp:peer: the fast path'"'"'s DORA/s over the"
	print "peer'"'"'s, and the peer'"'"'s ns/packet over the fast path'"'"'s (both: above 1, the fast path is better)."
	print "server+kernel %cpu: cgroup and receive thread over the trial'"'"'s wall time (100% = one core); other %cpu: the rest of"
	print "the machine'"'"'s busy time (other tenants). answered in kernel: OFFERs and ACKs the program sent / those dhcpflood got."
	for (i = 1; i <= ns; i++) if (climited[S[i]]) printf "%s: %d trial(s) failed with dhcpflood at >= 90%% of a core (the client'"'"'s limit).\n", lab[S[i]], climited[S[i]]

	printf "{\n  \"date\": \"%s\",\n  \"revision\": \"%s\",\n", date, rev > json
	printf "  \"machine\": {\"cpus\": %d, \"cpu_model\": \"%s\", \"kernel\": \"%s\", \"network\": \"veth pair between two network namespaces\", \"napi_threaded\": %s, \"loadavg_start\": %s, \"loadavg_end\": %s},\n", ncpu, model, kernel, napi ? "true" : "false", load0, load1 > json
	printf "  \"params\": {\"reps\": %d, \"nodes\": %d, \"rates\": [%s], \"bisect_steps\": %d, \"retries\": %d, \"max_lost_pct\": %s, \"trial_s\": %s, \"drop_time_s\": %s, \"window\": %d, \"window_s\": %s, \"kea_threads\": %d, \"dhcpflood_args\": \"%s\"},\n", reps, nodes, list(rates), bisect, retry, maxdrop, secs, droptime, window, wsecs, keathreads, floodargs > json
	printf "  \"versions\": {\"kea\": \"%s\", \"dnsmasq\": \"%s\"},\n  \"xdp_variant\": %s,\n  \"results\": [\n", keav, dnsv, xdpkey ? "true" : "false" > json
	for (i = 1; i <= ns; i++) {
		s = S[i]
		printf "%s    {\"server\": \"%s\", \"reps_without_pass\": %d, \"best_rate_median\": %s, \"dora_per_s_median\": %s, \"lost_pct_median\": %s, \"dora_p50_us\": %s, \"dora_p99_us\": %s, \"window_dora_per_s_median\": %s, \"ns_per_packet_median\": %s, \"ns_per_packet_with_kernel_rx_median\": %s, \"dhcpflood_cpu_pct_median\": %s,\n      \"trials\": [%s]}",
			(i > 1 ? ",\n" : ""), s, reps - rep_ok[s], jnum(R[s]), jnum(D[s]), jnum(P[s]), jnum(P50[s]), jnum(P99[s]), jnum(W[s]), jnum(N[s]), jnum(NK[s]), jnum(GC[s]), tr[s] > json
	}
	printf "\n  ],\n  \"ratios\": [" > json
	for (p = 1; p <= np; p++) {
		b = PB[p]
		printf "%s\n    {\"of\": \"bootherd_xdp vs %s\", \"best_rate\": %s, \"dora_per_s\": %s, \"window_dora_per_s\": %s, \"ns_per_packet_peer_over_xdp\": %s, \"ns_per_packet_with_kernel_rx_peer_over_xdp\": %s}", (p > 1 ? "," : ""), b,
			jnum(ratio(R[x], R[b])), jnum(ratio(D[x], D[b])), jnum(ratio(W[x], W[b])), jnum(ratio(N[b], N[x])), jnum(ratio(NK[b], NK[x])) > json
	}
	printf "\n  ]\n}\n" > json
}
function list(s,    a, n, i, o) { n = split(s, a, " "); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? ", " : "") (a[i] + 0); return o }
' "$BEST" "$RAW" >"$TMP/table"
awk -F'\t' -v OFS='\t' 'FNR == NR { if (FNR > 1) b[$3] = 1; next }
	FNR == 1 { print $0, "best"; next } { print $0, ($1 in b) ? 1 : 0 }' "$BEST" "$RAW" >"$OUT/xdp.raw.tsv"
mv "$TMP/table" "$OUT/xdp.txt"
mv "$TMP/xdp.json" "$OUT/xdp.json"
cat "$OUT/xdp.txt"
note "table: $OUT/xdp.txt; JSON: $OUT/xdp.json; raw: $OUT/xdp.raw.tsv; logs: $LOGS/"
fails=$(awk -F'\t' 'NR > 1 && $3 == 0 { n++ } END { print n + 0 }' "$BEST")
((fails == 0)) || die "$fails searches without any passing rate (a server that never answered, or lost too much at every rate)"
