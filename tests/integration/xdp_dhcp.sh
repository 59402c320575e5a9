#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The XDP DHCP fast path (bpf/dhcp.bpf.c, src/xdp) over a veth pair between two network
# namespaces, with stock clients (busybox udhcpc, ISC dhclient with a PXE configuration) and
# hand-made REQUESTs (xdp_dhcp_scapy.py): inventory nodes with a fixed address are answered in
# the kernel (the server logs "[xdp]", the program's counters in `bootherd status` move, and
# user space's packet counter in /metrics does not), others by user space. In order:
#	1. dhcp.xdp: auto, which on a veth means skb (generic) mode: udhcpc as a known node and as
#	   an unknown one, dhclient as a PXE BIOS node, a NAK and a REQUEST for another server;
#	   a reload by saving the file (a node's address and the boot file change, a node is
#	   removed); kill -9 (the program stays attached and goes quiet once the heartbeat is
#	   5 s old); a restart that detaches the leftover; SIGTERM detaches.
#	2. dhcp.xdp: native, with a trivial XDP_PASS program (xdp_pass.bpf.c, built here with
#	   clang) on the client end: a veth delivers XDP_TX frames only to a peer running XDP.
#	3. dhcp.xdp: off: nothing attached, user space answers the node.
# Needs root, a kernel with XDP on veth, busybox. About 25 s.
#
# Layout: namespace $NS_S holds the server on $IF_S (10.91.0.1/24); $NS_C the clients on $IF_C
# (no address: the clients only read their leases). Nothing outside the namespaces and $T is
# touched.

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
HELPER=$HERE/xdp_dhcp_scapy.py
PY=/usr/bin/python3	# the distribution's python, where python3-scapy lives

need_bootherd xdp_dhcp "the XDP fast path is bootherd's"
if ! why=$(have_netns); then
	skip xdp_dhcp "$why"
	exit 0
fi
for c in ethtool ss curl busybox; do
	if ! command -v "$c" >/dev/null; then
		skip xdp_dhcp "$c not installed (scripts/deps.sh)"
		exit 0
	fi
done
if ! busybox udhcpc --help >/dev/null 2>&1; then
	skip xdp_dhcp "busybox has no udhcpc"
	exit 0
fi
have_scapy=1
"$PY" -c 'import scapy.layers.dhcp' 2>/dev/null || have_scapy=0

SRV=10.91.0.1
NS_S=bhxs$$
NS_C=bhxc$$
IF_S=bhxs$$
IF_C=bhxc$$
if ! netns_pair "$NS_S" "$NS_C" "$IF_S" "$IF_C" "$SRV/24"; then
	fail xdp_netns_setup "could not make the namespaces and veth pair"
	exit 1
fi
SERVER_NETNS=$NS_S

ROOT=$T/root
mkdir -p "$ROOT"
for f in pxelinux.0 pxelinux-v2.0 ipxe.efi; do
	echo "$f" >"$ROOT/$f"
done
chmod -R a+rX "$ROOT"

MAC_A=02:91:00:00:00:01		# n001, udhcpc: 10.91.0.11, after the reload 10.91.0.21
MAC_D=02:91:00:00:00:02		# n002, dhclient: 10.91.0.12; removed by the reload
MAC_S=02:91:00:00:00:03		# n003, scapy: 10.91.0.13
MAC_U=02:91:00:00:99:01		# in no inventory
CONF=$T/conf/bootherd.yaml	# its own directory: the server watches it
mkdir -p "$T/conf"

# write_config FILE XDP VERSION: VERSION 1, or 2 (what the reload brings: n001 moved to
# 10.91.0.21, BIOS boot file pxelinux-v2.0, n002 gone). Written beside FILE and renamed over it,
# so that the watcher sees one complete file.
write_config()
{
	local file=$1 xdp=$2 v=$3 bios=pxelinux.0 ip_a=10.91.0.11
	((v == 2)) && bios=pxelinux-v2.0 ip_a=10.91.0.21
	{
		cat <<-EOF
		listen: 0.0.0.0
		log: {level: info}
		tftp: {port: 69}
		http: {port: 8080}
		roots: [{path: $ROOT}]
		dhcp:
		  enabled: true
		  interfaces: [$IF_S]
		  xdp: $xdp
		  lease_db: $T/leases.sqlite
		  lease_time: 600
		  boot:
		    bios: $bios
		    efi64: ipxe.efi
		  subnets:
		    - subnet: 10.91.0.0/24
		      pools: [10.91.0.100-10.91.0.199]
		      router: $SRV
		      dns: [$SRV]
		      domain: xdp.test
		nodes:
		  - {name: n001, mac: "$MAC_A", ip: $ip_a}
		  - {name: n003, mac: "$MAC_S", ip: 10.91.0.13}
		EOF
		if ((v == 1)); then
			echo "  - {name: n002, mac: \"$MAC_D\", ip: 10.91.0.12}"
		fi
	} >"$file.new" && mv -f "$file.new" "$file"
}

# start_dhcp XDP: the server with dhcp.xdp XDP (configuration version 1); waits for port 67.
start_dhcp()
{
	local i
	write_config "$CONF" "$1" 1
	start_bootherd -c "$CONF" || return 1
	for ((i = 0; i < 50; i++)); do
		[[ -n $(ip netns exec "$NS_S" ss -Hlun "sport = :67" 2>/dev/null) ]] && return 0
		server_alive || break
		sleep 0.1
	done
	echo "# the server does not listen on UDP 67 in $NS_S" >&2
	dump_server_log
	return 1
}

# --- what the server and the kernel say

# status: `bootherd status $IF_S` in the server namespace (read from the kernel, not from the
# server); its exit status is status's.
status()
{
	ip netns exec "$NS_S" "$BOOTHERD" status "$IF_S" 2>&1
}

# counter NAME STATUS_OUTPUT: one of the program's counters, from status's output (empty when
# absent).
counter()
{
	awk -v k="$1" '$1 == k { print $2; exit }' <<<"$2"
}

# moved STATUS_BEFORE STATUS_AFTER: the program's counters that moved, "name +N ...".
moved()
{
	local k v a d=()
	while read -r k v; do
		a=$(counter "$k" "$1")
		[[ -n $a && $v != "$a" ]] && d+=("$k +$((v - a))")
	done < <(awk 'NF == 2 && $2 ~ /^[0-9]+$/' <<<"$2")
	echo "${d[*]:-none}"
}

# metric NAME: a value of the server's /metrics (empty when unreadable).
metric()
{
	ip netns exec "$NS_S" curl -s --max-time 3 "http://$SRV:8080/metrics" 2>/dev/null |
		awk -v k="$1" '$1 == k { print $2; exit }'
}

# link_xdp: the XDP part of `ip link show $IF_S`: "xdpgeneric", "xdp" (native), or "".
link_xdp()
{
	ip -n "$NS_S" -d link show dev "$IF_S" 2>/dev/null |
		grep -oE '\b(xdpgeneric|xdpdrv|xdpoffload|xdp)\b' | head -n1
}

# re STRING: STRING with its dots escaped, for a regex.
re()
{
	printf '%s' "${1//./\\.}"
}

# wait_log REGEX [TENTHS]: until the server log has a line matching REGEX (default 3 s).
wait_log()
{
	local i
	for ((i = 0; i < ${2:-30}; i++)); do
		grep -qE "$1" "$SERVER_LOG" && return 0
		sleep 0.1
	done
	return 1
}

# xdp_line TYPE IP MAC: the regex of the fast path's log line for a reply (the node's name
# follows the MAC, as in user space's line).
xdp_line()
{
	printf 'dhcp: %s %s to %s( [^ ]+)? \\([^)]*\\) \\[xdp\\]' "$1" "$(re "$2")" "$3"
}

# user_line TYPE MAC: the regex of user space's log line for a reply to MAC.
user_line()
{
	printf 'dhcp: %s [0-9.]+ to %s( [^ ]+)? \\([^)]*\\)$' "$1" "$2"
}

# --- clients

cat >"$T/dump-udhcpc.sh" <<EOF
#!/bin/sh
env >"$T/udhcpc.\$1.env"
EOF
chmod +x "$T/dump-udhcpc.sh"
CLEANENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin)

# in_client SECONDS OUT CMD...: CMD in the client namespace, killed after SECONDS.
in_client()
{
	local lim=$1 out=$2 pid
	shift 2
	timeout -k 2 "$lim" ip netns exec "$NS_C" "$@" >"$out" 2>&1 &
	pid=$!
	track_pid "$pid"
	wait "$pid"
}

# set_client_mac MAC: the client veth's address (udhcpc's and dhclient's chaddr).
set_client_mac()
{
	ip -n "$NS_C" link set dev "$IF_C" address "$1"
}

# udhcpc_run TAG MAC: one lease as a PXE BIOS client (vendor class PXEClient, option 93 = 0);
# its "bound" environment in $T/udhcpc.TAG.env.
udhcpc_run()
{
	local tag=$1 mac=$2 rc
	rm -f "$T"/udhcpc.*.env
	set_client_mac "$mac"
	in_client 15 "$T/udhcpc.$tag.out" "${CLEANENV[@]}" busybox udhcpc -i "$IF_C" \
		-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000 -s "$T/dump-udhcpc.sh" \
		-q -n -f -t 4 -T 1
	rc=$?
	[[ -e $T/udhcpc.bound.env ]] && cp "$T/udhcpc.bound.env" "$T/udhcpc.$tag.env"
	((rc != 0)) && note "udhcpc $tag exit $rc: $(tr '\n' ' ' <"$T/udhcpc.$tag.out" | cut -c1-300)"
	return 0
}

# envval FILE KEY
envval()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n1 | sed "s/^'\\(.*\\)'\$/\\1/"
}

# check_env NAME FILE KEY=VALUE...: FILE has each KEY with VALUE ("KEY=@pool": an address of
# the pool). Prints nothing and returns 0 when it does, else prints what differs.
env_diff()
{
	local file=$1 kv k v got bad=()
	shift
	if [[ ! -s $file ]]; then
		echo "the client got no lease (no $(basename "$file"))"
		return 1
	fi
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		got=$(envval "$file" "$k")
		if [[ $v == @pool ]]; then
			[[ $got =~ ^10\.91\.0\.([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 100 &&
				BASH_REMATCH[1] <= 199)) || bad+=("$k='$got' (want one of the pool)")
		elif [[ $got != "$v" ]]; then
			bad+=("$k='$got' (want '$v')")
		fi
	done
	((${#bad[@]} == 0)) && return 0
	echo "${bad[*]}"
	return 1
}

# expect NAME WHY: ok when WHY is empty, else FAIL with it.
expect()
{
	if [[ -z $2 ]]; then
		ok "$1"
	else
		fail "$1" "$2"
	fi
}

# scapy ARGS...: xdp_dhcp_scapy.py in the client namespace; its ok/FAIL lines pass through.
scapy()
{
	local out=$T/scapy.$1.out line nres=0
	in_client 60 "$out" "$PY" "$HELPER" --iface "$IF_C" --server "$SRV" "$@"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }"; nres=$((nres + 1)) ;;
		"FAIL "*) line=${line#FAIL }; fail "${line%%: *}" "${line#*: }"
			nres=$((nres + 1)) ;;
		"# "*) echo "$line" >&2 ;;
		*) note "$line" ;;
		esac
	done <"$out"
	((nres)) || fail "xdp_scapy_$1" "the helper reported nothing: $(tail -n 5 "$out" | tr '\n' ' ')"
}

# known_exchange PREFIX TAG MAC IP FILE: udhcpc as node MAC, which the fast path must answer
# with IP and boot file FILE: the lease, the [xdp] ACK line, the program's counters, and
# user space's packet counter (unchanged).
known_exchange()
{
	local p=$1 tag=$2 mac=$3 ip=$4 file=$5 st0 st1 pk0 pk1 a0 a1 o0 o1 why
	st0=$(status)
	pk0=$(metric bootherd_dhcp_packets_total)
	a0=$(counter acks "$st0") o0=$(counter offers "$st0")
	udhcpc_run "$tag" "$mac"
	expect "${p}_udhcpc_known_node" "$(env_diff "$T/udhcpc.$tag.env" ip="$ip" \
		boot_file="$file" siaddr=$SRV serverid=$SRV router=$SRV lease=600)"
	if wait_log "$(xdp_line ACK "$ip" "$mac")"; then
		ok "${p}_ack_logged_xdp"
	else
		fail "${p}_ack_logged_xdp" "no 'dhcp: ACK $ip to $mac (...) [xdp]' line in the log"
	fi
	st1=$(status)
	a1=$(counter acks "$st1") o1=$(counter offers "$st1")
	if [[ -z $a0 || -z $a1 ]]; then
		fail "${p}_status_counters" "bootherd status shows no counters: $(tr '\n' ' ' <<<"$st1" | cut -c1-300)"
	elif ((a1 >= a0 + 1 && o1 >= o0 + 1)); then
		ok "${p}_status_counters" "offers $o0 -> $o1, acks $a0 -> $a1"
	else
		fail "${p}_status_counters" "offers $o0 -> $o1, acks $a0 -> $a1 (want each to move); counters that moved: $(moved "$st0" "$st1")"
	fi
	pk1=$(metric bootherd_dhcp_packets_total)
	if [[ -z $pk0 || -z $pk1 ]]; then
		fail "${p}_userspace_saw_no_packet" "no bootherd_dhcp_packets_total in /metrics"
	elif ((pk1 == pk0)); then
		ok "${p}_userspace_saw_no_packet"
	else
		why="bootherd_dhcp_packets_total $pk0 -> $pk1 across a fast-path exchange"
		grep -i "$mac" "$SERVER_LOG" | tail -n 5 | note
		fail "${p}_userspace_saw_no_packet" "$why"
	fi
}

# unknown_exchange NAME TAG MAC FILE: udhcpc from MAC must get a pool address and boot file FILE
# from user space.
unknown_exchange()
{
	local name=$1 tag=$2 mac=$3 file=$4 pk0 pk1 why n0 n1
	n0=$(grep -cE "to $mac .*\[xdp\]" "$SERVER_LOG")
	pk0=$(metric bootherd_dhcp_packets_total)
	udhcpc_run "$tag" "$mac"
	why=$(env_diff "$T/udhcpc.$tag.env" ip=@pool boot_file="$file" siaddr=$SRV)
	pk1=$(metric bootherd_dhcp_packets_total)
	n1=$(grep -cE "to $mac .*\[xdp\]" "$SERVER_LOG")
	if [[ -n $why ]]; then
		:
	elif ((n1 != n0)); then
		why="the fast path answered it: $(grep -E "to $mac .*\[xdp\]" "$SERVER_LOG" | tail -n1)"
	elif ! grep -qE "$(user_line ACK "$mac")" "$SERVER_LOG"; then
		why="no ACK line from user space for $mac"
	elif ! [[ -n $pk0 && -n $pk1 ]] || ((pk1 < pk0 + 2)); then
		why="bootherd_dhcp_packets_total '$pk0' -> '$pk1' (want +2: DISCOVER and REQUEST)"
	fi
	expect "$name" "$why"
}

# =============================================================================================
# 1. dhcp.xdp: auto on a veth: skb mode
if ! start_dhcp auto; then
	fail xdp_server_start "the server did not start (see the log above)"
	exit 1
fi
if grep -q 'DHCP fast path unavailable' "$SERVER_LOG"; then
	skip xdp_dhcp "XDP does not attach here: $(grep -m3 'xdp:' "$SERVER_LOG" | cut -c1-200 | paste -sd '|')"
	exit 0
fi
if grep -q "fast path attached to $IF_S in skb mode" "$SERVER_LOG" && [[ $(link_xdp) == xdpgeneric ]] &&
	status | grep -q "^$IF_S: DHCP fast path attached (skb mode"; then
	ok xdp_auto_veth_is_skb_mode
else
	fail xdp_auto_veth_is_skb_mode "want skb mode on the veth: ip link says '$(link_xdp)'; status: $(status | head -n1)"
fi
if wait_log "xdp: $IF_S: 3 nodes answered in the kernel"; then
	ok xdp_nodes_in_kernel
else
	fail xdp_nodes_in_kernel "no 'xdp: $IF_S: 3 nodes answered in the kernel' line"
fi

known_exchange xdp_skb a1 "$MAC_A" 10.91.0.11 pxelinux.0

st0=$(status)
unknown_exchange xdp_unknown_mac_user_space u1 "$MAC_U" pxelinux.0
st1=$(status)
pu0=$(counter pass_unknown "$st0") pu1=$(counter pass_unknown "$st1")
if [[ -n $pu0 && -n $pu1 ]] && ((pu1 >= pu0 + 2)); then
	ok xdp_unknown_mac_passed
else
	fail xdp_unknown_mac_passed "pass_unknown '$pu0' -> '$pu1' (want +2)"
fi

# --- dhclient as a PXE BIOS node (n002)
if command -v dhclient >/dev/null; then
	cat >"$T/dhclient.conf" <<-'EOF'
	option pxe-arch code 93 = unsigned integer 16;
	send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";
	send pxe-arch 0;
	request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name,
		bootfile-name, tftp-server-name;
	EOF
	cat >"$T/dump-dhclient.sh" <<-EOF
	#!/bin/sh
	env >"$T/dhclient.\$reason.env"
	EOF
	chmod +x "$T/dump-dhclient.sh"
	set_client_mac "$MAC_D"
	pk0=$(metric bootherd_dhcp_packets_total)
	a0=$(counter acks "$(status)")
	# -d: stays in the foreground, so that it is ours to stop (by PID) once bound.
	timeout -k 2 30 ip netns exec "$NS_C" "${CLEANENV[@]}" dhclient -d -1 -v \
		-cf "$T/dhclient.conf" -sf "$T/dump-dhclient.sh" -lf "$T/dhclient.leases" \
		-pf "$T/dhclient.pid" "$IF_C" >"$T/dhclient.out" 2>&1 &
	pid=$!
	track_pid "$pid"
	for ((i = 0; i < 150; i++)); do
		[[ -e $T/dhclient.BOUND.env ]] && break
		_lib_alive "$pid" || break
		sleep 0.1
	done
	_lib_kill_pid "$pid" 20
	E=$T/dhclient.BOUND.env
	if [[ ! -e $E ]]; then
		fail xdp_dhclient_pxe_known_node "no BOUND within 15 s: $(tr '\n' ' ' <"$T/dhclient.out" | cut -c1-400)"
	else
		expect xdp_dhclient_pxe_known_node "$(env_diff "$E" new_ip_address=10.91.0.12 \
			new_filename=pxelinux.0 new_next_server=$SRV new_routers=$SRV \
			new_dhcp_lease_time=600 new_domain_name=xdp.test)"
		L=$T/dhclient.leases
		if grep -q 'fixed-address 10\.91\.0\.12;' "$L" && grep -q 'filename "pxelinux\.0";' "$L"
		then
			ok xdp_dhclient_lease_file
		else
			fail xdp_dhclient_lease_file "want fixed-address 10.91.0.12 and filename \"pxelinux.0\" in the lease file: $(tr '\n' ' ' <"$L" 2>/dev/null | cut -c1-400)"
		fi
		pk1=$(metric bootherd_dhcp_packets_total)
		a1=$(counter acks "$(status)")
		why=
		if ! wait_log "$(xdp_line ACK 10.91.0.12 "$MAC_D")"; then
			why="no 'dhcp: ACK 10.91.0.12 to $MAC_D (...) [xdp]' line"
		elif [[ -z $pk0 || -z $pk1 ]] || ((pk1 != pk0)); then
			why="bootherd_dhcp_packets_total '$pk0' -> '$pk1' (user space saw the exchange)"
		elif [[ -z $a0 || -z $a1 ]] || ((a1 < a0 + 1)); then
			why="status acks '$a0' -> '$a1'"
		fi
		expect xdp_dhclient_answered_by_fast_path "$why"
	fi
else
	skip xdp_dhclient_pxe_known_node "isc-dhcp-client not installed"
fi

# --- a NAK, and a REQUEST for another server (n003)
if ((have_scapy)); then
	st0=$(status)
	pk0=$(metric bootherd_dhcp_packets_total)
	scapy requests "$MAC_S" 10.91.0.13 10.91.0.250
	st1=$(status)
	pk1=$(metric bootherd_dhcp_packets_total)
	why=
	if ! wait_log "$(xdp_line NAK 0.0.0.0 "$MAC_S")"; then
		why="no 'dhcp: NAK 0.0.0.0 to $MAC_S (...) [xdp]' line: $(grep -E "NAK.*$MAC_S" "$SERVER_LOG" | tail -n1)"
	elif (($(counter naks "$st1") < $(counter naks "$st0") + 1)); then
		why="status naks $(counter naks "$st0") -> $(counter naks "$st1")"
	elif (($(counter dropped "$st1") < $(counter dropped "$st0") + 1)); then
		why="status dropped $(counter dropped "$st0") -> $(counter dropped "$st1") (the other server's REQUEST)"
	elif [[ -z $pk0 || -z $pk1 ]] || ((pk1 != pk0)); then
		why="bootherd_dhcp_packets_total '$pk0' -> '$pk1' (user space saw one of them)"
	fi
	expect xdp_nak_and_other_server_in_kernel "$why"
else
	skip xdp_request_wrong_address_nak "$PY cannot import scapy (apt-get install python3-scapy)"
fi

# --- reload by saving the file: n001 moves to 10.91.0.21, BIOS boots pxelinux-v2.0, n002 goes
nrel=$(grep -c 'reloaded ' "$SERVER_LOG")
write_config "$CONF" auto 2
for ((i = 0; i < 50; i++)); do
	(($(grep -c 'reloaded ' "$SERVER_LOG") > nrel)) && break
	sleep 0.1
done
if (($(grep -c 'reloaded ' "$SERVER_LOG") > nrel)); then
	ok xdp_reload_on_save
	grep -E "xdp: $IF_S: [0-9]+ nodes" "$SERVER_LOG" | tail -n1 | note
	known_exchange xdp_reload a2 "$MAC_A" 10.91.0.21 pxelinux-v2.0
	unknown_exchange xdp_reload_removed_node_user_space d2 "$MAC_D" pxelinux-v2.0
else
	fail xdp_reload_on_save "no 'reloaded' line within 5 s of saving the file"
fi

# --- kill -9: the program stays, goes quiet once the heartbeat is 5 s old, and the next start
# detaches it
if ((have_scapy)); then
	rm -f "$T/stale.ready" "$T/stale.killed"
	timeout -k 2 30 ip netns exec "$NS_C" "$PY" "$HELPER" --iface "$IF_C" --server "$SRV" \
		stale "$MAC_A" 8 "$T/stale.ready" "$T/stale.killed" >"$T/scapy.stale.out" 2>&1 &
	probe=$!
	track_pid "$probe"
	for ((i = 0; i < 100; i++)); do
		[[ -e $T/stale.ready ]] && break
		sleep 0.1
	done
fi
st0=$(status)
kill -KILL "$SERVER_PID"
# Renamed into place: the probe must never read a half-written file.
date +%s.%N >"$T/stale.killed.new" && mv "$T/stale.killed.new" "$T/stale.killed"
# (bash's "Killed" job notice goes to /dev/null)
{ stop_bootherd KILL; } 2>/dev/null
if [[ -n $(link_xdp) ]]; then
	ok xdp_kill9_program_left_attached
else
	fail xdp_kill9_program_left_attached "ip link shows no XDP program on $IF_S after kill -9"
fi
stk=$(status)
if grep -q "^$IF_S: DHCP fast path attached" <<<"$stk"; then
	ok xdp_kill9_status_shows_leftover
else
	fail xdp_kill9_status_shows_leftover "bootherd status: $(tr '\n' ' ' <<<"$stk" | cut -c1-300)"
fi
if ((have_scapy)); then
	wait "$probe"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"FAIL "*) line=${line#FAIL }; fail "${line%%: *}" "${line#*: }" ;;
		"# "*) echo "$line" >&2 ;;
		*) note "$line" ;;
		esac
	done <"$T/scapy.stale.out"
	grep -qE '^(ok|FAIL) ' "$T/scapy.stale.out" ||
		fail xdp_kill9_fast_path_goes_quiet "the probe reported nothing: $(tail -n 5 "$T/scapy.stale.out" | tr '\n' ' ')"
else
	# Without the probe: wait out the heartbeat, then one DISCOVER must go unanswered.
	sleep 6
	udhcpc_run stale "$MAC_A"
	expect xdp_kill9_fast_path_goes_quiet "$([[ -e $T/udhcpc.stale.env ]] && echo "answered after the heartbeat stopped")"
fi
st1=$(status)
ps0=$(counter pass_stale "$st0") ps1=$(counter pass_stale "$st1")
if [[ -n $ps0 && -n $ps1 ]] && ((ps1 > ps0)); then
	ok xdp_kill9_pass_stale_counted "pass_stale $ps0 -> $ps1"
else
	fail xdp_kill9_pass_stale_counted "pass_stale '$ps0' -> '$ps1' (want it to move)"
fi

write_config "$CONF" auto 2
if ! start_bootherd -c "$CONF"; then
	fail xdp_restart_after_kill9 "the server did not start again"
	exit 1
fi
if grep -q "xdp: $IF_S: detaching a fast path left by an earlier run" "$SERVER_LOG"; then
	ok xdp_restart_detaches_leftover
else
	fail xdp_restart_detaches_leftover "no 'detaching a fast path left by an earlier run' line"
fi
st=$(status)
if grep -qE "^$IF_S: DHCP fast path attached \(skb mode, program id [0-9]+, 1 XDP program on" <<<"$st" &&
	(($(counter acks "$st") == 0)); then
	ok xdp_restart_one_fresh_program
else
	fail xdp_restart_one_fresh_program "want one fast path with fresh counters: $(tr '\n' ' ' <<<"$st" | cut -c1-300)"
fi
known_exchange xdp_restart a3 "$MAC_A" 10.91.0.21 pxelinux-v2.0

if stop_bootherd TERM; then
	ok xdp_server_exit_0
else
	fail xdp_server_exit_0 "exit status $? after SIGTERM"
fi
st=$(status)
rc=$?
if [[ -z $(link_xdp) ]] && ((rc == 1)) && grep -q "^$IF_S: no DHCP fast path attached" <<<"$st"; then
	ok xdp_exit_detaches
else
	fail xdp_exit_detaches "after SIGTERM: ip link says '$(link_xdp)'; status (exit $rc): $(tr '\n' ' ' <<<"$st" | cut -c1-200)"
fi

# =============================================================================================
# 2. dhcp.xdp: native, with XDP_PASS on the client end
native=1
if ! command -v clang >/dev/null; then
	skip xdp_native "clang not installed (to build the peer's XDP_PASS program)"
	native=0
# The multiarch include directory holds asm/types.h (linux/bpf.h needs it), as in the Makefile.
elif ! msg=$(clang -O2 -g -target bpf -I"/usr/include/$(cc -dumpmachine)" \
		-c "$HERE/xdp_pass.bpf.c" -o "$T/xdp_pass.o" 2>&1); then
	skip xdp_native "cannot build xdp_pass.bpf.c: $(head -c 200 <<<"$msg")"
	native=0
elif ! msg=$(ip -n "$NS_C" link set dev "$IF_C" xdpdrv obj "$T/xdp_pass.o" sec xdp 2>&1); then
	skip xdp_native "cannot attach XDP_PASS natively to the client veth: $(head -c 200 <<<"$msg")"
	native=0
fi
if ((native)); then
	if ! start_dhcp native; then
		fail xdp_native_server_start "the server did not start"
		exit 1
	fi
	if grep -q "fast path attached to $IF_S in native mode" "$SERVER_LOG"; then
		if [[ $(link_xdp) == xdp ]] &&
			status | grep -q "^$IF_S: DHCP fast path attached (native mode"; then
			ok xdp_native_mode
		else
			fail xdp_native_mode "ip link says '$(link_xdp)'; status: $(status | head -n1)"
		fi
		known_exchange xdp_native a4 "$MAC_A" 10.91.0.11 pxelinux.0
		unknown_exchange xdp_native_unknown_mac_user_space u4 "$MAC_U" pxelinux.0
		# Requests of PXE ROM size (548 B): the reply is no longer than the request.
		if ((have_scapy)); then
			st0=$(status)
			pk0=$(metric bootherd_dhcp_packets_total)
			scapy dora "$MAC_S" 10.91.0.13 548 xdp_native_pxe_rom_size_dora
			st1=$(status)
			pk1=$(metric bootherd_dhcp_packets_total)
			why=
			if ! wait_log "$(xdp_line ACK 10.91.0.13 "$MAC_S")"; then
				why="no 'dhcp: ACK 10.91.0.13 to $MAC_S (...) [xdp]' line; counters that moved: $(moved "$st0" "$st1")"
			elif [[ -z $pk0 || -z $pk1 ]] || ((pk1 != pk0)); then
				why="bootherd_dhcp_packets_total '$pk0' -> '$pk1' (user space saw it)"
			fi
			expect xdp_native_pxe_rom_size_in_kernel "$why"
		fi
	else
		skip xdp_native "native mode does not attach here: $(grep -m1 "$IF_S: native mode" "$SERVER_LOG" | cut -c1-200)"
	fi
	stop_bootherd TERM
	ip -n "$NS_C" link set dev "$IF_C" xdpdrv off 2>/dev/null
fi

# =============================================================================================
# 3. dhcp.xdp: off
if ! start_dhcp off; then
	fail xdp_off_server_start "the server did not start"
	exit 1
fi
st=$(status)
rc=$?
if [[ -z $(link_xdp) ]] && ((rc == 1)) && ! grep -q 'fast path attached' "$SERVER_LOG"; then
	ok xdp_off_nothing_attached
else
	fail xdp_off_nothing_attached "ip link says '$(link_xdp)'; status (exit $rc): $(head -n1 <<<"$st")"
fi
pk0=$(metric bootherd_dhcp_packets_total)
udhcpc_run off "$MAC_A"
pk1=$(metric bootherd_dhcp_packets_total)
why=$(env_diff "$T/udhcpc.off.env" ip=10.91.0.11 boot_file=pxelinux.0 siaddr=$SRV)
if [[ -n $why ]]; then
	:
elif grep -q '\[xdp\]' "$SERVER_LOG"; then
	why="an [xdp] line with xdp: off: $(grep -m1 '\[xdp\]' "$SERVER_LOG")"
elif ! grep -qE "$(user_line ACK "$MAC_A")" "$SERVER_LOG"; then
	why="no ACK line from user space for $MAC_A"
elif [[ -z $pk0 || -z $pk1 ]] || ((pk1 < pk0 + 2)); then
	why="bootherd_dhcp_packets_total '$pk0' -> '$pk1' (want +2)"
fi
expect xdp_off_user_space_answers "$why"
stop_bootherd TERM
