#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# DHCP against the real server in a network namespace, over a veth pair, with stock clients
# (busybox udhcpc, ISC dhclient, dhcpcd, perfdhcp) and hand-made packets (dhcp_scapy.py with
# python3-scapy): PXE boot files per architecture, iPXE and UEFI HTTP boot, a full DORA,
# RELEASE, DECLINE, NAK, INFORM, the broadcast flag, client ids, a relay with option 82,
# proxyDHCP, leases across a kill -9, and malformed packets. Needs root. About 15 s.
#
#	tests/integration/dhcp_clients.sh
#	BOOTHERD_TEST_SERVER=dnsmasq tests/integration/dhcp_clients.sh   # check the test itself
#
# Layout: namespace $NS_S holds the server on $IF_S (10.77.0.1/24); namespace $NS_C holds the
# clients on $IF_C (10.77.0.2/24, the address the relay, INFORM and proxy cases send from; the
# clients themselves start without a lease). Nothing outside the two namespaces and $T is
# touched: dhclient and dhcpcd keep their lease, pid and DUID files under $T.

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
HELPER=$HERE/dhcp_scapy.py
PY=/usr/bin/python3	# the distribution's python, where python3-scapy lives

if ! why=$(have_server); then
	skip dhcp_clients "$why"
	exit 0
fi
if ! why=$(have_netns); then
	skip dhcp_clients "$why"
	exit 0
fi
for c in ethtool ss; do
	if ! command -v "$c" >/dev/null; then
		skip dhcp_clients "$c not installed (scripts/deps.sh)"
		exit 0
	fi
done
if ! "$PY" -c 'import scapy.layers.dhcp' 2>/dev/null; then
	skip dhcp_clients "$PY cannot import scapy (apt-get install python3-scapy)"
	exit 0
fi

dm=0
[[ "$BOOTHERD_TEST_SERVER" == dnsmasq ]] && dm=1

SRV=10.77.0.1
CLI=10.77.0.2
NS_S=bhds$$
NS_C=bhdc$$
IF_S=bhds$$
IF_C=bhdc$$
if ! netns_pair "$NS_S" "$NS_C" "$IF_S" "$IF_C" "$SRV/24" ||
	! ip -n "$NS_C" addr add "$CLI/24" dev "$IF_C"; then
	fail dhcp_netns_setup "could not make the namespaces and veth pair"
	exit 1
fi
SERVER_NETNS=$NS_S

ROOT=$T/root
mkdir -p "$ROOT"
for f in pxelinux.0 ipxe.efi ipxe-arm64.efi; do
	echo "$f" >"$ROOT/$f"
done
chmod -R a+rX "$ROOT"

# write_config FILE MODE DB: the server's configuration; MODE is server or proxy.
write_config()
{
	local file=$1 mode=$2 db=$3
	{
		cat <<-EOF
		listen: 0.0.0.0
		log: {level: debug}
		tftp: {port: 69}
		http: {port: 8080}
		roots: [{path: $ROOT}]
		dhcp:
		  enabled: true
		  interfaces: [$IF_S]
		  lease_db: $db
		  lease_time: 600
		EOF
		[[ $mode == proxy ]] && printf '  mode: proxy\n  proxy_port: 4011\n'
		cat <<-'EOF'
		  boot:
		    bios: pxelinux.0
		    efi64: ipxe.efi
		    arm64: ipxe-arm64.efi
		    ipxe: "http://${server}:8080/boot/${mac}.ipxe"
		    http: "http://${server}:8080/ipxe.efi"
		EOF
		[[ $mode == proxy ]] || cat <<-EOF
		  subnets:
		    - subnet: 10.77.0.0/24
		      pools: [10.77.0.100-10.77.0.199]
		      router: $SRV
		      dns: [$SRV]
		      domain: cluster.test
		      mtu: 1500
		EOF
		cat <<-'EOF'
		nodes:
		  - {name: n001, mac: "02:00:00:00:00:01", ip: 10.77.0.11}
		EOF
	} >"$file"
}

# The stand-in: dnsmasq configured as close to the configuration above as it goes. What it
# cannot do ("${mac}" in a URL, a lease database in SQLite, a proxy that puts the file in its
# OFFER) is noted where it is checked.
# shellcheck disable=SC2054	# the commas are dnsmasq's
dnsmasq_args()
{
	local mode=$1 db=$2
	DNSMASQ_ARGS=(--no-daemon --conf-file=/dev/null --port=0 --interface="$IF_S"
		--bind-interfaces --log-dhcp --log-facility=- --no-ping
		--dhcp-leasefile="$db")
	if [[ $mode == proxy ]]; then
		DNSMASQ_ARGS+=(--dhcp-range=10.77.0.0,proxy,255.255.255.0
			--pxe-service=x86PC,"bootherd stand-in",pxelinux)
		return
	fi
	DNSMASQ_ARGS+=(--dhcp-authoritative --dhcp-ignore-clid
		--dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,10m
		--dhcp-host=02:00:00:00:00:01,10.77.0.11
		"--dhcp-option=option:router,$SRV" "--dhcp-option=option:dns-server,$SRV"
		--dhcp-option=option:domain-name,cluster.test --dhcp-option=option:mtu,1500
		--dhcp-vendorclass=set:pxe,PXEClient --dhcp-vendorclass=set:http,HTTPClient
		--dhcp-userclass=set:ipxe,iPXE --dhcp-match=set:ipxe,175
		--dhcp-match=set:bios,option:client-arch,0
		--dhcp-match=set:efi64,option:client-arch,7
		--dhcp-match=set:efi64,option:client-arch,9
		--dhcp-match=set:arm64,option:client-arch,11
		"--dhcp-boot=tag:ipxe,http://$SRV:8080/boot/dnsmasq.ipxe"
		--dhcp-boot=tag:!ipxe,tag:bios,pxelinux.0
		--dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi
		--dhcp-boot=tag:!ipxe,tag:arm64,ipxe-arm64.efi
		"--dhcp-boot=tag:http,http://$SRV:8080/ipxe.efi"
		--dhcp-option-force=tag:pxe,60,PXEClient
		--dhcp-option-force=tag:http,60,HTTPClient
		--dhcp-option-force=tag:ipxe,encap:175,176,1)
}

# udp_bound PORT: something listens on UDP PORT in the server namespace.
udp_bound()
{
	[[ -n $(ip netns exec "$NS_S" ss -Hlun "sport = :$1" 2>/dev/null) ]]
}

# start_dhcp MODE DB: the server under test in $NS_S; waits for its "ready" line and port 67.
start_dhcp()
{
	local mode=$1 db=$2 i conf=$T/bootherd.$1.yaml
	if ((dm)); then
		dnsmasq_args "$mode" "$db"
		_lib_nserver=$((_lib_nserver + 1))
		SERVER_LOG=$T/server.$_lib_nserver.log
		(trap - INT QUIT; exec ip netns exec "$NS_S" dnsmasq "${DNSMASQ_ARGS[@]}") \
			>>"$SERVER_LOG" 2>&1 &
		SERVER_PID=$!
		track_pid "$SERVER_PID"
	else
		write_config "$conf" "$mode" "$db"
		start_bootherd -c "$conf" || return 1
	fi
	for ((i = 0; i < 50; i++)); do
		udp_bound 67 && return 0
		server_alive || break
		sleep 0.1
	done
	echo "# the server does not listen on UDP 67 in $NS_S" >&2
	dump_server_log
	return 1
}

# in_client SECONDS OUT CMD...: CMD in the client namespace, killed after SECONDS, output in
# OUT. Tracked, so that an interrupted run does not leave it behind. Returns CMD's status.
in_client()
{
	local lim=$1 out=$2 pid
	shift 2
	timeout -k 2 "$lim" ip netns exec "$NS_C" "$@" >"$out" 2>&1 &
	pid=$!
	track_pid "$pid"
	wait "$pid"
}

# set_client_mac MAC: the client veth's hardware address (and chaddr of the stock clients).
# The server's neighbour entry for $CLI is dropped, or it would go on sending to the old MAC.
set_client_mac()
{
	ip -n "$NS_C" link set dev "$IF_C" address "$1" &&
		ip -n "$NS_S" neigh flush dev "$IF_S" 2>/dev/null
	return 0
}

# envval FILE KEY: the value of KEY=... in a dumped environment (quotes removed).
envval()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n1 | sed "s/^'\\(.*\\)'\$/\\1/"
}

# in_pool ADDR
in_pool()
{
	local a=$1
	[[ $a =~ ^10\.77\.0\.([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 100 && BASH_REMATCH[1] <= 199))
}

# check_env NAME FILE KEY=VALUE...: ok when FILE has each KEY with that VALUE; "KEY=~RE" for a
# regular expression, "KEY=@pool" for an address of the pool.
check_env()
{
	local name=$1 file=$2 kv k v got bad=()
	shift 2
	if [[ ! -s $file ]]; then
		fail "$name" "the client's script never ran (no $(basename "$file"))"
		return 1
	fi
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		got=$(envval "$file" "$k")
		if [[ $v == @pool ]]; then
			in_pool "$got" || bad+=("$k='$got' (want an address of 10.77.0.100-199)")
		elif [[ $v == ~* ]]; then
			[[ $got =~ ${v#\~} ]] || bad+=("$k='$got' (want /${v#\~}/)")
		elif [[ $got != "$v" ]]; then
			bad+=("$k='$got' (want '$v')")
		fi
	done
	if ((${#bad[@]} == 0)); then
		ok "$name"
		return 0
	fi
	fail "$name" "${bad[*]}"
	return 1
}

# scapy_run ARGS...: dhcp_scapy.py in the client namespace. Its result lines become ok/fail/
# skip here; a FAIL is followed by the packets behind it, then the server log's tail.
mac_base=0
scapy_run()
{
	local out=$T/scapy.out rc line pend='' why='' ev=() nres=0 log mac
	in_client 120 "$out" "$PY" "$HELPER" --iface "$IF_C" --server "$SRV" --client-ip "$CLI" \
		--kind "$BOOTHERD_TEST_SERVER" --mac-base "$mac_base" "$@"
	rc=$?
	mac_base=$((mac_base + 1))
	flush_fail()
	{
		[[ -n $pend ]] || return 0
		log=$SERVER_LOG
		SERVER_LOG=
		fail "$pend" "$why"
		SERVER_LOG=$log
		((${#ev[@]})) && printf '%s\n' "${ev[@]}" >&2
		# The server's lines about the client of the failed exchange, else its log's tail.
		mac=$(printf '%s\n' "${ev[@]}" | grep -om1 'chaddr [0-9a-f:]\{17\}' | cut -d' ' -f2)
		if [[ -n $mac && -n $SERVER_LOG ]] && grep -qi "$mac" "$SERVER_LOG"; then
			echo "# --- $SERVER_LOG, lines naming $mac" >&2
			grep -i "$mac" "$SERVER_LOG" | tail -n 15 | sed 's/^/# /' >&2
		else
			dump_server_log
		fi
		pend=''
		ev=()
	}
	while IFS= read -r line; do
		case $line in
		"ok "* | "FAIL "* | "skip "*)
			flush_fail
			nres=$((nres + 1)) ;;
		esac
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"skip "*) line=${line#skip }; skip "${line%%: *}" "${line#*: }" ;;
		"FAIL "*) line=${line#FAIL }; pend=${line%%: *}; why=${line#*: } ;;
		"# "*) if [[ -n $pend ]]; then ev+=("$line"); else echo "$line" >&2; fi ;;
		*) if [[ -n $pend ]]; then ev+=("# $line"); else echo "# $line" >&2; fi ;;
		esac
	done <"$out"
	flush_fail
	if ((rc > 1 || nres == 0)); then
		fail "scapy_${1}_helper" "dhcp_scapy.py $1 exited with status $rc"
		tail -n 20 "$out" | sed 's/^/# /' >&2
	fi
}

DB1=$T/leases1.sqlite
DB2=$T/leases2.sqlite
((dm)) && DB1=$T/dnsmasq1.leases DB2=$T/dnsmasq2.leases

if ! start_dhcp server "$DB1"; then
	fail dhcp_server_start "the server did not start (see the log above)"
	exit 1
fi

# --- 1. busybox udhcpc: PXE BIOS as node n001, then x86-64 UEFI from the pool
cat >"$T/dump-udhcpc.sh" <<EOF
#!/bin/sh
env >"$T/udhcpc.\$1.env"
EOF
chmod +x "$T/dump-udhcpc.sh"
CLEANENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin)

# udhcpc_run TAG MAC VENDOR ARCHHEX: one udhcpc lease; its "bound" environment in
# $T/udhcpc.bound.env, copied to $T/udhcpc.TAG.env.
udhcpc_run()
{
	local tag=$1 mac=$2 vendor=$3 arch=$4
	rm -f "$T"/udhcpc.*.env
	set_client_mac "$mac"
	in_client 15 "$T/udhcpc.$tag.out" "${CLEANENV[@]}" busybox udhcpc -i "$IF_C" \
		-V "$vendor" -x "0x5d:$arch" -O mtu -s "$T/dump-udhcpc.sh" -q -n -f -t 5 -T 1
	local rc=$?
	[[ -e $T/udhcpc.bound.env ]] && cp "$T/udhcpc.bound.env" "$T/udhcpc.$tag.env"
	if ((rc != 0)); then
		note "udhcpc $tag exit $rc: $(tr '\n' ' ' <"$T/udhcpc.$tag.out" | cut -c1-300)"
	fi
	return $rc
}

if command -v busybox >/dev/null && busybox udhcpc --help >/dev/null 2>&1; then
	udhcpc_run bios 02:00:00:00:00:01 PXEClient:Arch:00000:UNDI:002001 0000
	E=$T/udhcpc.bios.env
	check_env udhcpc_bios_node_static_address "$E" ip=10.77.0.11
	check_env udhcpc_bios_subnet_options "$E" router=$SRV "dns=~^ *$SRV *\$" \
		domain=cluster.test lease=600 subnet=255.255.255.0 mtu=1500 serverid=$SRV
	check_env udhcpc_bios_bootfile_pxelinux "$E" boot_file=pxelinux.0 siaddr=$SRV
	udhcpc_run efi64 02:00:00:00:77:07 PXEClient:Arch:00007:UNDI:003016 0007
	E=$T/udhcpc.efi64.env
	check_env udhcpc_efi64_pool_address "$E" ip=@pool router=$SRV lease=600
	check_env udhcpc_efi64_bootfile_ipxe_efi "$E" boot_file=ipxe.efi siaddr=$SRV
else
	skip udhcpc "busybox with udhcpc not installed"
fi

# --- 2. ISC dhclient with a PXE-flavoured configuration
if command -v dhclient >/dev/null; then
	cat >"$T/dhclient.conf" <<-'EOF'
	option pxe-arch code 93 = unsigned integer 16;
	send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";
	send pxe-arch 0;
	request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name,
		interface-mtu, bootfile-name, tftp-server-name;
	EOF
	cat >"$T/dump-dhclient.sh" <<-EOF
	#!/bin/sh
	env >"$T/dhclient.\$reason.env"
	EOF
	chmod +x "$T/dump-dhclient.sh"
	set_client_mac 02:00:00:00:dc:01
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
		fail dhclient_bound "no BOUND within 15 s: $(tr '\n' ' ' <"$T/dhclient.out" | cut -c1-400)"
	else
		check_env dhclient_bound "$E" new_ip_address=@pool new_routers=$SRV \
			new_dhcp_lease_time=600 new_domain_name=cluster.test
		# The boot file belongs in the file field (new_filename), which PXE ROMs read;
		# dnsmasq moves it into option 67 (new_bootfile_name) when that is requested.
		f=$(envval "$E" new_filename)
		if ((dm)) && [[ -z $f ]]; then
			f=$(envval "$E" new_bootfile_name)
			note "dnsmasq: boot file only in option 67 ('$f'), file field empty"
		fi
		if [[ $f == pxelinux.0 ]]; then
			check_env dhclient_next_server_and_filename "$E" new_next_server=$SRV
		else
			fail dhclient_next_server_and_filename "new_filename='$f' (want pxelinux.0), new_bootfile_name='$(envval "$E" new_bootfile_name)', new_next_server='$(envval "$E" new_next_server)'"
		fi
	fi
else
	skip dhclient "isc-dhcp-client not installed"
fi

# --- 3. dhcpcd in test mode (-T: reports the OFFER through its script, configures nothing).
# It keeps its lease and DUID under /var/lib/dhcpcd and its pid file and control socket
# under /run: a private mount namespace puts $T/dhcpcd over the first and an empty tmpfs over
# /run, so nothing of the host's is read or written. dhcpcd 9.4.1 crashes (SIGSEGV) while
# tearing down its privilege-separation helpers after a -T run, and the helpers, orphaned,
# stay behind and ignore SIGTERM; so it runs in a PID namespace of its own, whose end (the
# shell that is its init exits, or unshare is killed: --kill-child) takes every process in
# it. The OFFER is reported before the crash, so only the script's output counts.
if command -v dhcpcd >/dev/null && command -v unshare >/dev/null; then
	mkdir -p "$T/dhcpcd"
	cat >"$T/dump-dhcpcd.sh" <<-EOF
	#!/bin/sh
	env >"$T/dhcpcd.\$reason.env"
	EOF
	chmod +x "$T/dump-dhcpcd.sh"
	set_client_mac 02:00:00:00:dd:01
	# shellcheck disable=SC2016	# expanded by the inner sh
	in_client 20 "$T/dhcpcd.out" unshare -m -p --kill-child sh -c '
		mount --bind "$1" /var/lib/dhcpcd && mount -t tmpfs bootherd-test /run || exit 99
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout 15 \
			dhcpcd -f /dev/null -4 -1 -T -t 10 -c "$2" "$3"
		echo "dhcpcd exit status $?"' sh "$T/dhcpcd" "$T/dump-dhcpcd.sh" "$IF_C"
	rc=$?
	if ((rc == 99)); then
		skip dhcpcd_offer "cannot confine dhcpcd's files to $T (mount in a private namespace failed): $(head -c 300 "$T/dhcpcd.out")"
	elif [[ ! -e $T/dhcpcd.TEST.env ]]; then
		fail dhcpcd_offer "no TEST report: $(tr '\n' ' ' <"$T/dhcpcd.out" | cut -c1-400)"
	else
		check_env dhcpcd_offer "$T/dhcpcd.TEST.env" new_ip_address=@pool \
			new_dhcp_server_identifier=$SRV new_dhcp_lease_time=600 new_routers=$SRV
	fi
	st=$(sed -n 's/^dhcpcd exit status //p' "$T/dhcpcd.out")
	[[ -n $st && $st != 0 ]] && note "dhcpcd exit status $st (139: the known crash after -T)"
	left=$(find "$T/dhcpcd" -mindepth 1 -printf '%P ')
	[[ -n $left ]] && note "dhcpcd wrote to its state dir (under \$T): $left"
else
	skip dhcpcd_offer "dhcpcd or unshare not installed"
fi

# From here on the client veth keeps one MAC: the INFORM, relay and proxy cases send from
# $CLI with it.
set_client_mac 02:00:00:00:c1:02

# --- 4. hand-made exchanges
scapy_run cases static arch dora release decline nak inform broadcast client_ids relay

if ! server_alive; then
	fail dhcp_server_alive "the server died during the exchanges"
	exit 1
fi
if stop_bootherd TERM; then
	ok dhcp_server_exit_0_on_sigterm
else
	fail dhcp_server_exit_0_on_sigterm "exit status $? after SIGTERM"
fi

# --- 5. leases across a kill -9: 20 leases, SIGKILL, restart on the same database
if ! start_dhcp server "$DB2"; then
	fail dhcp_server_start_db2 "the server did not start"
	exit 1
fi
scapy_run acquire 20 "$T/acquired"
if [[ -s $T/acquired ]]; then
	stop_bootherd KILL
	if ((dm)); then
		n=$(grep -c . "$DB2")
		if ((n == 20)); then
			ok dnsmasq_leasefile_rows
		else
			fail dnsmasq_leasefile_rows "$n lines in $DB2, want 20"
		fi
	else
		# A copy, as the crash left it (database and WAL): opening it recovers the WAL.
		mkdir -p "$T/dbcopy"
		cp "$DB2" "$T/dbcopy/leases.sqlite"
		[[ -e $DB2-wal ]] && cp "$DB2-wal" "$T/dbcopy/leases.sqlite-wal"
		scapy_run dbcheck "$T/dbcopy/leases.sqlite" "$T/acquired"
	fi
	if ! start_dhcp server "$DB2"; then
		fail dhcp_server_restart_after_kill9 "the server did not start again on its database"
		exit 1
	fi
	scapy_run verify "$T/acquired"
else
	skip scapy_leases_survive_kill9 "no leases acquired (see scapy_acquire_20_leases)"
fi

# --- 6. perfdhcp through the relay path: it sends from $CLI:67 with giaddr $CLI, to the
# server's unicast address. -W: wait 1 s after the last request for its answer, which would
# otherwise count as a drop.
if command -v perfdhcp >/dev/null; then
	in_client 30 "$T/perfdhcp.out" perfdhcp -4 -l "$CLI" -R 50 -n 50 -r 50 -p 5 -d 2 \
		-W 1000000 "$SRV"
	rc=$?
	grep -E '^(\*\*\*Statistics|Rate:|sent packets|received packets|drops:)' "$T/perfdhcp.out" |
		paste -sd ' ' | note
	# "sent packets: N" and "received packets: N" per exchange; "drops: N".
	mapfile -t sent < <(sed -nE 's/^sent packets: ([0-9]+)/\1/p' "$T/perfdhcp.out")
	mapfile -t recv < <(sed -nE 's/^received packets: ([0-9]+)/\1/p' "$T/perfdhcp.out")
	mapfile -t drops < <(sed -nE 's/^drops: ([0-9]+)/\1/p' "$T/perfdhcp.out")
	if ((${#sent[@]} < 2 || ${#recv[@]} < 2)); then
		fail perfdhcp_relay_dora "exit $rc, no exchange statistics: $(tail -n 5 "$T/perfdhcp.out" | tr '\n' ' ')"
	elif ((sent[0] == 50 && recv[0] == 50 && sent[1] == 50 && recv[1] == 50)); then
		ok perfdhcp_relay_dora
	else
		fail perfdhcp_relay_dora "DISCOVER-OFFER ${recv[0]}/${sent[0]}, REQUEST-ACK ${recv[1]}/${sent[1]}, drops ${drops[*]:-?}"
	fi
else
	skip perfdhcp_relay_dora "perfdhcp (kea-admin) not installed"
fi

# --- 7. malformed packets: the server survives and answers afterwards
scapy_run malformed
if server_alive; then
	ok malformed_server_alive
else
	fail malformed_server_alive "the server died on malformed packets"
	exit 1
fi
if stop_bootherd TERM; then
	ok dhcp_server2_exit_0_on_sigterm
else
	fail dhcp_server2_exit_0_on_sigterm "exit status $? after SIGTERM"
fi

# --- 8. proxyDHCP: another server gives addresses; this one only boot information
if ! start_dhcp proxy "$T/proxy.leases"; then
	fail dhcp_proxy_start "the proxy did not start"
	exit 1
fi
for ((i = 0; i < 30; i++)); do
	udp_bound 4011 && break
	sleep 0.1
done
if udp_bound 4011; then
	ok proxy_listens_4011
else
	fail proxy_listens_4011 "nothing listens on UDP 4011 in $NS_S"
fi
scapy_run proxy offer 4011 non_pxe
if server_alive; then
	ok proxy_server_alive
else
	fail proxy_server_alive "the proxy died"
fi
stop_bootherd TERM
