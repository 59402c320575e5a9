# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by the bench scripts: what their reports share.

# awk functions of every report: the median of a space-separated list, a number or "-", a JSON
# number or null, a ratio or "", a right-aligned column. Prepend to a program: "$BENCH_AWK_LIB"'...'
# shellcheck disable=SC2016,SC2034,SC2089
BENCH_AWK_LIB='
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v, d) { return v == "" ? "-" : sprintf("%." d "f", v) }
function jnum(v) { return v == "" ? "null" : v + 0 }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "" : a / b }
function pad(s, w) { return sprintf("%" w "s", s) }
'

# A cgroup (v2) per benchmark run, so each server's CPU time can be read from its own child:
# bench_cg_create NAME sets CG (empty when cgroup v2 is not writable here), cg2 (the mount)
# and CG_ORIG (where this script was); bench_cg_remove moves the script back out and removes
# CG and its children once their processes are gone.
bench_cg_create() {
	CG=
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [[ -n "$cg2" ]] && mkdir "$cg2/$1" 2>/dev/null; then
		CG=$cg2/$1
		[[ -r "$CG/cpu.stat" ]] || { rmdir "$CG"; CG=; }
	fi
	CG_ORIG=$(awk -F: '$1 == "0" { print $3; exit }' /proc/self/cgroup)
}

bench_cg_remove() {
	[[ -n "$CG" ]] || return 0
	echo $$ >"$cg2$CG_ORIG/cgroup.procs" 2>/dev/null || echo $$ >"$cg2/cgroup.procs" || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		for s in "$CG"/*/; do [[ -d "$s" ]] && rmdir "$s" 2>/dev/null; done
		rmdir "$CG" 2>/dev/null && break
		sleep 0.1
	done
	[[ ! -d "$CG" ]] || note "could not remove the cgroup $CG"
}

# --- bootstorm (bench/bootstorm.sh and tests/integration/bootstorm.sh): the simulated nodes'
# inventory and the servers' equivalent configurations. Node I (from 0) has the MAC
# PREFIX:II:II:II (its 24-bit index, as build/bench/bin/bootstorm makes them) and the fixed
# address 10.140.(1 + I/250).(1 + I%250); the server is 10.140.0.1/16, the client veth 10.140.0.2.
BOOTSTORM_SERVER_IP=10.140.0.1
BOOTSTORM_CLIENT_IP=10.140.0.2
BOOTSTORM_SUBNET=10.140.0.0/16

bootstorm_mac() { # INDEX PREFIX
	printf '%s:%02x:%02x:%02x\n' "$2" $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

bootstorm_ip() { # INDEX
	echo "10.140.$((1 + $1 / 250)).$((1 + $1 % 250))"
}

# bootstorm_data DIR KERNEL_BYTES INITRD_BYTES: the served tree. pxelinux.0 and ldlinux.c32 are
# the distribution's when installed (pxelinux, syslinux-common), else random bytes of their
# size; the kernel and initrd are random bytes, made again only when their size changes.
bootstorm_data() {
	local d=$1 f src n
	mkdir -p "$d/storm" "$d/pxelinux.cfg"
	for f in pxelinux.0:/usr/lib/PXELINUX/pxelinux.0:46000 \
		ldlinux.c32:/usr/lib/syslinux/modules/bios/ldlinux.c32:120000; do
		IFS=: read -r f src n <<<"$f"
		if [[ -f $src ]]; then
			cmp -s "$src" "$d/$f" || cp "$src" "$d/$f"
		elif [[ ! -f $d/$f ]]; then
			head -c "$n" /dev/urandom >"$d/$f"
		fi
	done
	for f in vmlinuz:$2 initrd.img:$3; do
		if [[ ! -f $d/storm/${f%%:*} || $(stat -c %s "$d/storm/${f%%:*}") != "${f#*:}" ]]; then
			head -c "${f#*:}" /dev/urandom >"$d/storm/${f%%:*}.tmp" &&
				mv "$d/storm/${f%%:*}.tmp" "$d/storm/${f%%:*}"
		fi
	done
	chmod -R a+rX "$d"
}

# The kernel and initrd as the nodes' config names them: over HTTP (lpxelinux and iPXE fetch
# http:// URLs) or TFTP (relative paths).
bootstorm_kernel_path() { # MODE SERVER HTTP_PORT
	if [[ $1 == http ]]; then echo "http://$2:$3/storm/vmlinuz"; else echo storm/vmlinuz; fi
}
bootstorm_initrd_path() {
	if [[ $1 == http ]]; then echo "http://$2:$3/storm/initrd.img"; else echo storm/initrd.img; fi
}

# bootstorm_bootherd_yaml FILE ROOT IFACE LEASE_DB NODES PREFIX MODE XDP [HTTP_PORT]: bootherd's
# configuration: DHCP on IFACE, every node in the inventory with its fixed address and the
# profile "storm" (so bootherd makes its pxelinux.cfg/01-<mac>). XDP: a dhcp.xdp value, or "" to
# leave the key out.
bootstorm_bootherd_yaml() {
	local file=$1 root=$2 ifc=$3 db=$4 n=$5 prefix=$6 mode=$7 xdp=$8 hp=${9:-80} i
	local kernel initrd
	# shellcheck disable=SC2016 # bootherd's own ${...} templates
	kernel=$(bootstorm_kernel_path "$mode" '${server}' '${http_port}')
	# shellcheck disable=SC2016
	initrd=$(bootstorm_initrd_path "$mode" '${server}' '${http_port}')
	{
		cat <<-EOF
		listen: 0.0.0.0
		workers: 0
		log: {level: ${BH_LOG_LEVEL:-warn}}
		tftp: {port: 69}
		http: {port: $hp, max_connections: 8192${BH_ACTIVE_SENDS:+, active_sends: $BH_ACTIVE_SENDS}}
		limits: {max_sessions: 8192}
		roots: [{path: $root}]
		dhcp:
		  enabled: true
		  interfaces: [$ifc]
		  lease_db: $db
		EOF
		[[ -n $xdp ]] && echo "  xdp: $xdp"
		cat <<-EOF
		  boot: {bios: pxelinux.0}
		  subnets:
		    - subnet: $BOOTSTORM_SUBNET
		      router: $BOOTSTORM_SERVER_IP
		profiles:
		  storm:
		    kernel: "$kernel"
		    initrd: "$initrd"
		    cmdline: "console=ttyS0 ip=dhcp"
		nodes:
		EOF
		for ((i = 0; i < n; i++)); do
			printf '  - {name: storm%04d, mac: "%s", ip: %s, profile: storm}\n' "$i" \
				"$(bootstorm_mac "$i" "$prefix")" "$(bootstorm_ip "$i")"
		done
	} >"$file"
}

# bootstorm_pxelinux_default ROOT MODE SERVER HTTP_PORT: the classic stack's static
# pxelinux.cfg/default, the same entry bootherd makes per node.
bootstorm_pxelinux_default() {
	cat >"$1/pxelinux.cfg/default" <<-EOF
	DEFAULT storm
	PROMPT 0
	LABEL storm
	  KERNEL $(bootstorm_kernel_path "$2" "$3" "$4")
	  APPEND initrd=$(bootstorm_initrd_path "$2" "$3" "$4") console=ttyS0 ip=dhcp
	EOF
	chmod a+r "$1/pxelinux.cfg/default"
}

# bootstorm_dnsmasq_hosts FILE NODES PREFIX: dnsmasq's --dhcp-hostsfile, the same inventory.
bootstorm_dnsmasq_hosts() {
	local i
	for ((i = 0; i < $2; i++)); do
		echo "$(bootstorm_mac "$i" "$3"),$(bootstorm_ip "$i"),storm$(printf %04d "$i")"
	done >"$1"
}

# bootstorm_kea_json FILE NODES PREFIX IFACE RUN_DIR LOG: kea-dhcp4's configuration for the
# storm's inventory (bench_kea_json), its reservations in RUN_DIR.
bootstorm_kea_json() {
	local i sep=
	for ((i = 0; i < $2; i++)); do
		printf '%s{ "hw-address": "%s", "ip-address": "%s" }' "$sep" \
			"$(bootstorm_mac "$i" "$3")" "$(bootstorm_ip "$i")"
		sep=$',\n      '
	done >"$5/reservations.json"
	bench_kea_json "$1" "$4" "$BOOTSTORM_SUBNET" "$BOOTSTORM_SERVER_IP" "$5/reservations.json" \
		"$5" "$6"
}

# --- Shared by bench/xdp.sh (and free for others). ------------------------------------------------

# bench_kea_json FILE IFACE SUBNET SERVER_IP RESERVATIONS RUN_DIR LOG [EXTRA]: kea-dhcp4 as the
# benches run it (as bench/dhcp.sh does: memfile leases persisted in RUN_DIR, no lease file
# cleanup, WARN logs to LOG), with host reservations by MAC (RESERVATIONS: a file of
# comma-separated {"hw-address", "ip-address"} objects) and no pool, next-server SERVER_IP with
# the boot file pxelinux.0. EXTRA: more Dhcp4 members, each with its trailing comma.
bench_kea_json() {
	cat >"$1" <<-EOF
	{ "Dhcp4": {
	  "interfaces-config": { "interfaces": [ "$2" ] },
	  "lease-database": { "type": "memfile", "persist": true, "name": "$6/kea-leases.csv",
	                      "lfc-interval": 0 },
	  "valid-lifetime": 3600,
	  "host-reservation-identifiers": [ "hw-address" ],
	  ${8:-}
	  "subnet4": [ { "id": 1, "subnet": "$3",
	                 "reservations-in-subnet": true, "reservations-out-of-pool": true,
	                 "next-server": "$4", "boot-file-name": "pxelinux.0",
	                 "option-data": [ { "name": "routers", "data": "$4" } ],
	                 "reservations": [
	      $(cat "$5")
	                 ] } ],
	  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
	                 "output_options": [ { "output": "$7" } ] } ]
	} }
	EOF
}

# bench_run_alive PID PATTERN: the run PID is still going: that process lives and its command line
# holds PATTERN (PIDs wrap around, at 32768 here, so a live PID alone proves little).
bench_run_alive() {
	kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# bench_reap_cgroups PREFIX PATTERN: the cgroups PREFIX.PID that bench_cg_create made for runs
# that are gone (bench_run_alive PID PATTERN fails: a run killed before its cleanup): whatever
# still runs in them is killed, then they go.
bench_reap_cgroups() {
	local cg d s p
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[[ -n "$cg" ]] || return 0
	for d in "$cg/$1".*; do
		[[ -d $d ]] || continue
		p=${d##*.}
		bench_run_alive "$p" "$2" && continue
		for s in "$d"/*/; do [[ -w $s/cgroup.kill ]] && echo 1 >"$s/cgroup.kill" 2>/dev/null; done
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			for s in "$d"/*/; do [[ -d $s ]] && rmdir "$s" 2>/dev/null; done
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
	return 0
}

# bench_napi_ticks IFACE: the CPU time (utime + stime, clock ticks) of the kernel threads that run
# IFACE's threaded NAPI ("napi/IFACE-ID", a name the kernel cuts to 15 characters); 0 when none.
bench_napi_ticks() {
	local pfx="napi/$1" t
	pfx=${pfx:0:15}
	for t in $(ps -eo pid=,comm= | awk -v p="$pfx" 'index($2, p) == 1 { print $1 }'); do
		awk '{ print $14 + $15 }' "/proc/$t/stat" 2>/dev/null || true
	done | awk '{ s += $1 } END { print s + 0 }'
}
