#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A real diskless node boots from bootherd alone: QEMU guests (TCG) with no disk boot from the
# network in a namespace of the test's own, load a Debian kernel and a busybox initrd, mount
# the root that `bootherd roots` created, prepared and exported (nfs-ganesha), switch to it,
# and its init writes a proof file over NFS that the test reads on the host. The ways in:
#
#   pxelinux  SeaBIOS and the NIC's iPXE ROM, then pxelinux.0, ldlinux.c32 and the generated
#             pxelinux.cfg/01-<mac> over TFTP: a menu as in the seed (DEFAULT menu.c32, so
#             menu.c32 and libutil.c32 too, the node's entry and a local boot), which boots the
#             node's entry after 1 s; then the kernel and initrd over TFTP
#   ipxe      SeaBIOS and iPXE, which gets its generated script /boot/<mac>.ipxe over HTTP
#             (DHCP hands it the URL), then the kernel and initrd over HTTP
#   uefi      OVMF and the NIC's iPXE ROM (an EFI driver that boots by itself): the script,
#             kernel and initrd over HTTP; the EFI stub finds the initrd by initrd=NAME
#   uefi_pxe  OVMF's own PXE loads ipxe.efi over TFTP (it needs option 43 with the boot file), and
#             that iPXE goes on over HTTP, as on a server whose firmware has no iPXE
#
# and every boot goes on to the NFS root (*_nfsroot_*). Each guest has a random nonce on its
# kernel command line (bootherd.nonce=, in its profile's cmdline): the initrd and the NFS
# root's init print it on the serial console with a stage name, and the proof file holds it,
# so a stale log or file never passes. The stage timings come from bootherd's own log.
#
#	tests/e2e/diskless_boot.sh                     all four
#	E2E_SCENARIOS="ipxe uefi_pxe" tests/e2e/diskless_boot.sh
#
# Needs root, /dev/net/tun, qemu-system-x86, ipxe-qemu, pxelinux and syslinux-common, ovmf and
# ipxe (ipxe.efi), nfs-ganesha(-vfs), rpcbind, python3 (scripts/deps.sh); the kernel
# (linux-image-amd64's) and busybox-static come by apt-get download into build/e2e-cache/ once
# (tests/e2e/e2e.bash). A scenario without its firmware is skipped, saying why. Each boot may
# take E2E_BOOT_WAIT seconds (300); here one takes 8 to 12 s, the whole test about 35 s.
# E2E_RA=0: no router advertisements (each iPXE then waits ~16 s for IPv6); E2E_NIC=e1000: the
# ROM scenarios on an e1000 instead of virtio.
#
# Layout: namespace $NS (no uplink, no default route) holds the bridge $BR (10.56.0.1/24) with
# one tap per guest. bootherd (DHCP on $BR, TFTP on 69, HTTP on 8080), rpcbind and ganesha
# (NFSv3, with a private /run), ra.py (router advertisements only: iPXE then does not wait for
# IPv6) and QEMU run there; each guest's serial console goes to $T/<scenario>.serial. A run
# that was killed leaves its namespace bhe2e<PID>: the next run kills what is left in it (by
# PID), deletes it and removes that run's $T (tests/e2e/e2e.bash e2e_reap_killed).

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/e2e.bash
. "$HERE/e2e.bash"

QEMU=${QEMU:-qemu-system-x86_64}
WAIT=${E2E_BOOT_WAIT:-300}
SCENARIOS=${E2E_SCENARIOS:-pxelinux ipxe uefi uefi_pxe}
RA_ON=${E2E_RA:-1}
PXELINUX=/usr/lib/PXELINUX/pxelinux.0
C32=/usr/lib/syslinux/modules/bios
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
IPXE_EFI=${IPXE_EFI:-/usr/lib/ipxe/ipxe.efi}
SRV=10.56.0.1
IMAGE=e2e
ALL="pxelinux ipxe uefi uefi_pxe"
declare -A MAC=([pxelinux]=52:54:00:e2:00:01 [ipxe]=52:54:00:e2:00:02 [uefi]=52:54:00:e2:00:03
	[uefi_pxe]=52:54:00:e2:00:04)
declare -A IP=([pxelinux]=10.56.0.21 [ipxe]=10.56.0.22 [uefi]=10.56.0.23 [uefi_pxe]=10.56.0.24)
declare -A NODE=([pxelinux]=e2e-pxe [ipxe]=e2e-ipxe [uefi]=e2e-uefi [uefi_pxe]=e2e-uefipxe)
# The guests' NICs: virtio with QEMU's iPXE ROM (efi-virtio.rom, BIOS and EFI: under OVMF it
# is the NIC's driver and boots by itself); without the ROM (uefi_pxe) the network is OVMF's
# own driver and PXE, as a server's firmware would have it. E2E_NIC=e1000 boots the ROM
# scenarios with an e1000 (each of its DHCP exchanges takes a second longer under TCG).
NIC_ROM=${E2E_NIC:-virtio-net-pci}
declare -A NIC=([pxelinux]=$NIC_ROM [ipxe]=$NIC_ROM [uefi]=$NIC_ROM
	[uefi_pxe]="virtio-net-pci,romfile=")
declare -A NONCE=()

need_bootherd diskless_boot "needs bootherd itself (DHCP, generated configs, roots), not $BOOTHERD_TEST_SERVER"
if ! why=$(have_netns); then
	skip diskless_boot "$why"
	exit 0
fi
if [[ ! -c /dev/net/tun ]]; then
	skip diskless_boot "no /dev/net/tun (tap devices unavailable)"
	exit 0
fi
for c in "$QEMU" ganesha.nfsd rpcbind rpcinfo python3 unshare gzip flock apt-get dpkg; do
	if ! command -v "$c" >/dev/null; then
		skip diskless_boot "$c not installed (scripts/deps.sh: qemu-system-x86 nfs-ganesha nfs-ganesha-vfs rpcbind)"
		exit 0
	fi
done
if [[ -z $(find /usr/lib /usr/lib64 -name libfsalvfs.so -print -quit 2>/dev/null) ]]; then
	skip diskless_boot "ganesha's VFS backend (libfsalvfs.so) not installed (nfs-ganesha-vfs)"
	exit 0
fi
if ! "$BOOTHERD" roots --help 2>&1 | grep -q prepare; then
	skip diskless_boot "this bootherd has no 'roots prepare'"
	exit 0
fi

e2e_reap_killed

# The scenarios whose firmware and boot files are here.
run=()
for s in $SCENARIOS; do
	case $s in
	pxelinux)
		miss=
		for f in "$PXELINUX" "$C32/ldlinux.c32"; do
			[[ -f $f ]] || miss=$f
		done
		if [[ -n $miss ]]; then
			skip e2e_pxelinux "$miss missing (scripts/deps.sh: pxelinux syslinux-common)"
			continue
		fi
		;;
	ipxe) ;;
	uefi | uefi_pxe)
		if [[ ! -f $OVMF ]]; then
			skip "e2e_$s" "no OVMF firmware at $OVMF (scripts/deps.sh: ovmf)"
			continue
		fi
		if [[ ! -f $IPXE_EFI ]]; then
			skip "e2e_$s" "no $IPXE_EFI (scripts/deps.sh: ipxe)"
			continue
		fi
		;;
	*)
		fail e2e_scenarios "unknown scenario '$s' ($ALL)"
		continue
		;;
	esac
	run+=("$s")
done
((${#run[@]})) || exit 0

# --- what the nodes boot: kernel, initrd, the root image
if ! e2e_kernel; then
	skip diskless_boot "no Debian kernel: $E2E_WHY"
	exit 0
fi
if ! e2e_busybox; then
	skip diskless_boot "no busybox-static: $E2E_WHY"
	exit 0
fi
note "kernel $E2E_KVER ($(stat -c %s "$E2E_VMLINUZ") B), modules: $(paste -sd' ' "$E2E_MODDIR/modules.load")"

ROOT=$T/tftp
mkdir -p "$ROOT"
cp "$E2E_VMLINUZ" "$ROOT/vmlinuz"
if ! e2e_initrd "$ROOT/initrd.img"; then
	fail e2e_initrd "could not build the initrd"
	exit 1
fi
cp "$PXELINUX" "$C32/ldlinux.c32" "$C32/menu.c32" "$C32/libutil.c32" "$ROOT/" 2>/dev/null
[[ -f $IPXE_EFI ]] && cp "$IPXE_EFI" "$ROOT/ipxe.efi"
chmod -R a+rX "$ROOT"
note "initrd.img $(stat -c %s "$ROOT/initrd.img") B"

for s in "${run[@]}"; do
	NONCE[$s]=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
done

BASE=$T/base
GFILE=$T/etc/ganesha/bootherd.conf
GPID=$T/run/ganesha.pid
GLOG=$T/ganesha.log
mkdir -p "$T/etc/ganesha" "$T/run" "$T/ganesha/recov"
# shellcheck disable=SC2016	# bootherd fills these in
SCRIPT_URL='http://${server}:${http_port}/boot/${mac}.ipxe'

CONF=$T/bootherd.yaml
{
	cat <<-EOF
	listen: 0.0.0.0
	log: {level: debug}
	tftp: {port: 69}
	http: {port: 8080}
	roots: [{path: $ROOT}]
	dhcp:
	  enabled: true
	  interfaces: [BRIDGE]
	  lease_db: $T/leases.sqlite
	  lease_sync: normal
	  lease_time: 600
	  # QEMU's boot ROM is iPXE: with no dhcp.boot.ipxe it gets the architecture's file.
	  boot: {bios: pxelinux.0, efi64: ipxe.efi}
	  subnets:
	    - subnet: 10.56.0.0/24
	      pools: [10.56.0.100-10.56.0.150]
	diskless:
	  base: $BASE
	  server: ganesha
	  address: $SRV
	  ganesha_file: $GFILE
	  ganesha_pidfile: $GPID
	  exports_file: $T/etc/exports.d/bootherd.exports
	profiles:
	EOF
	# No root= in the cmdline: image: adds root=nfs:\${server}:\${root}:vers=3 ip=dhcp.
	for s in $ALL; do
		echo "  $s:"
		echo "    kernel: vmlinuz"
		echo "    initrd: initrd.img"
		echo "    image: $IMAGE"
		echo "    cmdline: \"console=ttyS0 panic=-1 bootherd.nonce=${NONCE[$s]:-none} bootherd.node=\${hostname}\""
		if [[ $s == pxelinux ]]; then
			# The seed's menu: DEFAULT menu.c32 (with libutil.c32), this profile first
			# and a local boot after it; menu.c32 boots the first when 1 s has passed.
			echo "    title: diskless (NFS root)"
			echo "    menu: [e2e_local]"
			echo "    timeout: 1"
		else
			echo "    timeout: 0"
			echo "    boot: {ipxe: \"$SCRIPT_URL\"}"
		fi
	done
	echo "  e2e_local: {title: boot from the local disk, localboot: true}"
	echo "nodes:"
	for s in $ALL; do
		echo "  - {name: ${NODE[$s]}, mac: \"${MAC[$s]}\", ip: ${IP[$s]}, profile: $s}"
	done
} >"$CONF"

# --- the root image: bootherd roots create, prepare, overlay (the nodes' own read-write
# areas) and export (ganesha's EXPORT blocks; ganesha starts after and reads them)
SEED=$T/seed
e2e_seed "$SEED"
br()
{
	timeout -k 2 120 "$BOOTHERD" roots -c "$CONF" "$@" >"$T/br.out" 2>&1
}
nodes=$(for s in "${run[@]}"; do echo "${NODE[$s]}"; done | paste -sd,)
for step in "create $IMAGE --from $SEED" "prepare $IMAGE" "overlay $IMAGE --nodes $nodes" \
	"export --no-apply"; do
	# shellcheck disable=SC2086	# the step is words
	if ! br $step; then
		fail e2e_roots "bootherd roots $step: $(tr '\n' ' ' <"$T/br.out" | cut -c1-400)"
		exit 1
	fi
done
ok e2e_roots "created, prepared, overlaid for $nodes and exported: $(grep -c Export_Id "$GFILE") exports"

# --- the network: namespace, bridge, one tap per guest
NS=bhe2e$$
BR=bhbr$$
declare -A TAP=([pxelinux]=bhta$$ [ipxe]=bhtb$$ [uefi]=bhtc$$ [uefi_pxe]=bhtd$$)
setup_net()
{
	netns_add "$NS" || return 1
	# No duplicate address detection: the bridge's link-local address (ra.py's source) is
	# usable at once. Without IPv6 only ra.py fails, and iPXE waits for IPv6 instead.
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 2>/dev/null
	ip -n "$NS" link add "$BR" type bridge forward_delay 0 || return 1
	ip -n "$NS" addr add "$SRV/24" dev "$BR" || return 1
	ip -n "$NS" link set "$BR" up || return 1
	for s in "${run[@]}"; do
		ip -n "$NS" tuntap add dev "${TAP[$s]}" mode tap || return 1
		ip -n "$NS" link set "${TAP[$s]}" master "$BR" up || return 1
	done
}
if ! setup_net; then
	fail e2e_setup "could not make the namespace, bridge and taps"
	exit 1
fi
sed -i "s/interfaces: \[BRIDGE\]/interfaces: [$BR]/" "$CONF"

# --- rpcbind and ganesha in $NS with a private /run (as tests/integration/roots.sh)
start_ganesha "$NS" "$T" "3" bootherd-e2e
RPCBIND=
# shellcheck disable=SC2034	# read by start_bootherd (tests/lib.sh)
SERVER_NETNS=$NS
if ! start_bootherd -c "$CONF"; then
	fail e2e_server "bootherd did not start"
	exit 1
fi
LOG=$SERVER_LOG
RA=
if ((RA_ON)); then
	(trap - INT QUIT; exec ip netns exec "$NS" python3 "$HERE/ra.py" "$BR") >"$T/ra.out" 2>&1 &
	RA=$!
	track_pid "$RA"
else
	note "no router advertisements (E2E_RA=0): iPXE waits for IPv6 autoconfiguration"
fi
up=0
for ((i = 0; i < 150; i++)); do
	if [[ -z $RPCBIND && -s $T/rpcbind.pid ]]; then
		RPCBIND=$(<"$T/rpcbind.pid")
		track_pid "$RPCBIND"
	fi
	if ip netns exec "$NS" rpcinfo -p 127.0.0.1 2>/dev/null | grep -qw mountd; then
		up=1
		break
	fi
	_lib_alive "$GANESHA" || break
	sleep 0.1
done
if ((!up)); then
	fail e2e_ganesha "ganesha did not register mountd within 15 s: $(head -c 300 "$T/ganesha.out") $(tail -n 5 "$GLOG" 2>/dev/null)"
	exit 1
fi

# --- helpers for the boots

# epoch TIME: an ISO 8601 UTC time (bootherd's log) as seconds since the epoch, with ms.
epoch()
{
	date -d "$1" +%s.%N | cut -c1-14
}

# logline REGEX: bootherd's first log line matching REGEX (empty if none).
logline()
{
	grep -m1 -E "$1" "$LOG"
}

# since LINE: seconds from the start of the current boot ($t0) to LINE's timestamp, or "-".
since()
{
	[[ -n $1 ]] || { echo -; return; }
	awk -v a="$(epoch "${1%% *}")" -v b="$t0" 'BEGIN { printf "%.1f", a - b }'
}

# serial_text SCENARIO: $T/SCENARIO.txt, the serial log without terminal escapes and carriage
# returns (SeaBIOS and OVMF put cursor moves anywhere in the text), made anew.
serial_text()
{
	sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[()][A-Z0-9]//g; s/\x1b[c78=>DEHM]//g' \
		"$T/$1.serial" | tr -d '\r\b' \
		>"$T/$1.txt"
}

# marker SCENARIO STAGE: the guest's line "bootherd-e2e: STAGE ... nonce=NONCE" with the
# scenario's nonce, if any, from the last serial_text.
marker()
{
	grep -m1 -E "^bootherd-e2e: $2( .*)? nonce=${NONCE[$1]}\$" "$T/$1.txt"
}

# transferred PROTO IP FILE: bootherd's log line for a whole transfer of FILE (a request path
# under the root, without the leading /) to IP: a TFTP RRQ done, or an HTTP GET 200, with the
# file's size in bytes.
transferred()
{
	local proto=$1 ip=$2 f=$3 size
	size=$(stat -c %s "$ROOT/$f" 2>/dev/null)
	if [[ $proto == tftp ]]; then
		logline "tftp: $ip:[0-9]+ RRQ \"/?$f\" .*: done, $size bytes"
	else
		logline "http: $ip:[0-9]+ \"GET /$f HTTP/1\\.[01]\" 200 $size bytes"
	fi
}

# check_log NAME LINE WHAT: ok when LINE (a log line found) is not empty.
check_log()
{
	if [[ -n $2 ]]; then
		ok "$1"
	else
		fail "$1" "no bootherd log line for $3"
	fi
}

# boot SCENARIO QEMU-ARGS...: starts the guest on its tap and waits until it powers off (the
# NFS root's init does, after the proof), gives up (firmware "Nothing to boot", "No bootable
# device", a kernel panic: panic=-1 powers off at once), or $WAIT s pass. Sets t0 (start),
# t_end, and the serial markers' arrival times T_MARK[stage].
declare -A T_MARK=()
GIVE_UP='Nothing to boot|No bootable device|PXE-E[0-9]+|^Shell> |Kernel panic|bootherd-e2e: FAIL'
boot()
{
	local s=$1 serial=$T/$1.serial pid stage
	shift
	: >"$serial"
	T_MARK=()
	t0=$(date +%s.%N | cut -c1-14)
	(trap - INT QUIT; exec ip netns exec "$NS" "$QEMU" -accel tcg -m 512 -nographic \
		-no-reboot -netdev "tap,id=n0,ifname=${TAP[$s]},script=no,downscript=no" \
		-device "${NIC[$s]},netdev=n0,mac=${MAC[$s]},bootindex=1" -serial "file:$serial" \
		-display none -monitor none "$@") </dev/null >"$T/$s.qemu.out" 2>&1 &
	pid=$!
	track_pid "$pid"
	local start=$SECONDS
	while ((SECONDS - start < WAIT)); do
		serial_text "$s"
		for stage in initrd dhcp nfsroot proof; do
			[[ -z ${T_MARK[$stage]:-} ]] && marker "$s" "$stage" >/dev/null &&
				T_MARK[$stage]=$(date +%s.%N | cut -c1-14)
		done
		_lib_alive "$pid" || break
		if grep -qE "$GIVE_UP" "$T/$s.txt"; then
			sleep 1
			break
		fi
		sleep 0.2
	done
	t_end=$(date +%s.%N | cut -c1-14)
	serial_text "$s"
	QEMU_EXITED=0
	_lib_alive "$pid" || QEMU_EXITED=1
	_lib_kill_pid "$pid" 20
	note "$s: QEMU ran $((SECONDS - start)) s (limit $WAIT s)$( ((QEMU_EXITED)) || echo ', killed')"
	if ((!QEMU_EXITED)) || [[ -z ${T_MARK[proof]:-} ]]; then
		grep -v '^[[:space:]]*$' "$T/$s.txt" | tail -n 15 | note
	fi
}

# guest_checks SCENARIO: the guest's own word: its markers with this run's nonce, and the
# proof file it wrote over NFS into its node's area.
guest_checks()
{
	local s=$1 n=${NONCE[$1]} line proof
	line=$(marker "$s" initrd)
	if [[ $line == *"kernel=$E2E_KVER node=${NODE[$s]}"* ]]; then
		ok "${s}_initrd_marker"
	else
		fail "${s}_initrd_marker" "no 'bootherd-e2e: initrd kernel=$E2E_KVER node=${NODE[$s]} nonce=$n' on the serial console${line:+ (got: $line)}"
	fi
	line=$(marker "$s" dhcp)
	if [[ $line == *"ip=${IP[$s]} server=$SRV hostname=${NODE[$s]}"* ]]; then
		ok "${s}_linux_dhcp"
	else
		fail "${s}_linux_dhcp" "the initrd did not get ${IP[$s]} (hostname ${NODE[$s]}) from $SRV${line:+ (got: $line)}"
	fi
	line=$(marker "$s" nfsroot)
	if [[ $line == *"fs=nfs fstab=$SRV:$BASE/$IMAGE,nfs,"* ]]; then
		ok "${s}_nfsroot_marker"
	else
		fail "${s}_nfsroot_marker" "no 'bootherd-e2e: nfsroot fs=nfs fstab=$SRV:$BASE/$IMAGE,nfs,... nonce=$n' (the image's init, over NFS, with the fstab prepare wrote)${line:+ (got: $line)}"
	fi
	proof=$BASE/.nodes/$IMAGE/${NODE[$s]}/bootherd-e2e.proof
	if [[ -f $proof ]] && grep -qx "nonce=$n node=${NODE[$s]} kernel=$E2E_KVER root=$SRV:$BASE/$IMAGE fs=nfs" "$proof" &&
		marker "$s" proof >/dev/null; then
		ok "${s}_nfsroot_proof"
	else
		fail "${s}_nfsroot_proof" "$proof: '$(head -c 300 "$proof" 2>&1)', want nonce=$n node=${NODE[$s]} ... fs=nfs"
	fi
}

# timings SCENARIO BOOTPROG-LINE CONFIG-LINE KERNEL-LINE INITRD-LINE: one note line, seconds
# from QEMU's start: bootherd's first ACK to the node, the boot program, its config, the
# kernel and initrd sent, then the guest's markers (initrd running, NFS root, proof written).
timings()
{
	local s=$1 ack
	ack=$(logline "dhcp: ACK ${IP[$s]} to ${MAC[$s]}")
	mk()
	{
		[[ -n ${T_MARK[$1]:-} ]] || { echo -; return; }
		awk -v a="${T_MARK[$1]}" -v b="$t0" 'BEGIN { printf "%.1f", a - b }'
	}
	note "$s timings (s from QEMU start): DHCP ACK $(since "$ack"), boot program $(since "$2"), config $(since "$3"), kernel $(since "$4"), initrd $(since "$5"); guest: initrd up $(mk initrd), NFS root $(mk nfsroot), proof $(mk proof), done $(awk -v a="$t_end" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')"
}

# mac_re MAC: a regex for MAC in a request path, its colons as sent or percent-encoded (iPXE
# encodes them).
mac_re()
{
	echo "${1//:/(:|%3[Aa])}"
}

# not_over PROTO IP: bootherd logged no transfer over PROTO to IP.
not_over()
{
	if [[ $1 == tftp ]]; then
		! grep -qE "tftp: $2:[0-9]+ RRQ" "$LOG"
	else
		! grep -qE "http: $2:[0-9]+ \"" "$LOG"
	fi
}

# --- pxelinux: SeaBIOS, iPXE ROM, PXELINUX over TFTP
scenario_pxelinux()
{
	local s=pxelinux ip=${IP[pxelinux]} m=${MAC[pxelinux]} hyp cfg ack l_pxe l_cfg l_k l_i
	hyp=01-${m//:/-}
	boot "$s" -boot n
	ack=$(logline "dhcp: ACK $ip to $m ${NODE[$s]} \\(BIOS,")
	check_log pxelinux_dhcp_ack "$ack" "an ACK of $ip to $m (bios)"
	l_pxe=$(transferred tftp "$ip" pxelinux.0)
	check_log pxelinux_pxelinux0_tftp "$l_pxe" "pxelinux.0 sent whole over TFTP to $ip"
	check_log pxelinux_ldlinux_tftp "$(transferred tftp "$ip" ldlinux.c32)" \
		"ldlinux.c32 sent whole over TFTP to $ip"
	check_log pxelinux_menu_c32_tftp "$(transferred tftp "$ip" menu.c32)" \
		"menu.c32 sent whole over TFTP to $ip (the config's DEFAULT menu.c32)"
	check_log pxelinux_libutil_c32_tftp "$(transferred tftp "$ip" libutil.c32)" \
		"libutil.c32 (menu.c32's library) sent whole over TFTP to $ip"
	l_cfg=$(logline "tftp: $ip:[0-9]+ RRQ \"/?pxelinux\\.cfg/$hyp\" .*: done")
	check_log pxelinux_config_tftp "$l_cfg" "the generated pxelinux.cfg/$hyp sent over TFTP"
	l_k=$(transferred tftp "$ip" vmlinuz)
	check_log pxelinux_kernel_tftp "$l_k" "vmlinuz sent whole over TFTP to $ip"
	l_i=$(transferred tftp "$ip" initrd.img)
	check_log pxelinux_initrd_tftp "$l_i" "initrd.img sent whole over TFTP to $ip"
	if [[ -n $l_k ]] && not_over http "$ip"; then
		ok pxelinux_nothing_over_http
	else
		fail pxelinux_nothing_over_http "$(grep -m1 -E "http: $ip:" "$LOG" || echo 'no kernel over TFTP either')"
	fi
	# The config PXELINUX was given, asked for again over HTTP: the profile, ${hostname}
	# and the image's root=nfs:... filled in.
	cfg=$T/$hyp
	if ip netns exec "$NS" curl -fsS --max-time 5 -o "$cfg" \
		"http://$SRV:8080/pxelinux.cfg/$hyp" 2>"$T/curl.err" &&
		grep -qx 'DEFAULT menu.c32' "$cfg" && grep -qx 'TIMEOUT 10' "$cfg" &&
		grep -qx '  MENU DEFAULT' "$cfg" && grep -qx '  LOCALBOOT 0' "$cfg" &&
		grep -q 'KERNEL .*vmlinuz' "$cfg" && grep -q 'initrd=initrd\.img' "$cfg" &&
		grep -qF "bootherd.nonce=${NONCE[$s]} bootherd.node=${NODE[$s]}" "$cfg" &&
		grep -qF "root=nfs:$SRV:$BASE/$IMAGE:vers=3 ip=dhcp" "$cfg"; then
		ok pxelinux_config_content
	else
		fail pxelinux_config_content "pxelinux.cfg/$hyp is not the menu (DEFAULT menu.c32, TIMEOUT 10, MENU DEFAULT, LOCALBOOT 0) or lacks the kernel, initrd, nonce or root=nfs:$SRV:$BASE/$IMAGE:vers=3: $(tr '\n' ' ' <"$cfg" 2>/dev/null)$(head -c 200 "$T/curl.err")"
	fi
	if grep -q '^PXELINUX ' "$T/$s.txt" && grep -qE 'Loading vmlinuz\.\.\. *ok' "$T/$s.txt"; then
		ok pxelinux_serial_banner
	else
		fail pxelinux_serial_banner "no PXELINUX banner or 'Loading vmlinuz... ok' on the serial console"
	fi
	guest_checks "$s"
	timings "$s" "$l_pxe" "$l_cfg" "$l_k" "$l_i"
}

# --- ipxe: SeaBIOS, iPXE ROM, the generated script, kernel and initrd over HTTP
scenario_ipxe()
{
	local s=ipxe ip=${IP[ipxe]} m=${MAC[ipxe]} ack l_scr l_k l_i scr=$T/ipxe.script
	boot "$s" -boot n
	ack=$(logline "dhcp: ACK $ip to $m ${NODE[$s]} \\(BIOS,")
	check_log ipxe_dhcp_ack "$ack" "an ACK of $ip to $m (bios)"
	l_scr=$(logline "http: $ip:[0-9]+ \"GET /boot/$(mac_re "$m")\\.ipxe HTTP/1\\.[01]\" 200 ")
	check_log ipxe_script_http "$l_scr" "GET /boot/$m.ipxe (the URL DHCP gave iPXE) answered 200"
	l_k=$(transferred http "$ip" vmlinuz)
	check_log ipxe_kernel_http "$l_k" "vmlinuz sent whole over HTTP to $ip"
	l_i=$(transferred http "$ip" initrd.img)
	check_log ipxe_initrd_http "$l_i" "initrd.img sent whole over HTTP to $ip"
	if [[ -n $l_k ]] && not_over tftp "$ip"; then
		ok ipxe_nothing_over_tftp
	else
		fail ipxe_nothing_over_tftp "$(grep -m1 -E "tftp: $ip:" "$LOG" || echo 'no kernel over HTTP either')"
	fi
	if ip netns exec "$NS" curl -fsS --max-time 5 -o "$scr" \
		"http://$SRV:8080/boot/$m.ipxe" 2>"$T/curl.err" &&
		grep -qE "^kernel http://$SRV:8080/vmlinuz .*initrd=initrd\\.img .*bootherd\\.nonce=${NONCE[$s]}" "$scr" &&
		grep -qE "^initrd .*http://$SRV:8080/initrd\\.img" "$scr" && grep -qx boot "$scr"; then
		ok ipxe_script_content
	else
		fail ipxe_script_content "/boot/$m.ipxe: $(tr '\n' '|' <"$scr" 2>/dev/null | cut -c1-400)$(head -c 200 "$T/curl.err")"
	fi
	guest_checks "$s"
	timings "$s" "" "$l_scr" "$l_k" "$l_i"
}

# --- uefi: OVMF with the e1000's iPXE ROM (an EFI driver that boots by itself): the script,
# kernel and initrd over HTTP, nothing over TFTP
scenario_uefi()
{
	local s=uefi ip=${IP[uefi]} m=${MAC[uefi]} ack l_scr l_k l_i
	boot "$s" -bios "$OVMF"
	ack=$(logline "dhcp: ACK $ip to $m ${NODE[$s]} \\(EFI x64(/BC)?,")
	check_log uefi_dhcp_ack "$ack" "an ACK of $ip to $m (EFI x64)"
	l_scr=$(logline "http: $ip:[0-9]+ \"GET /boot/$(mac_re "$m")\\.ipxe HTTP/1\\.[01]\" 200 ")
	check_log uefi_script_http "$l_scr" "GET /boot/$m.ipxe answered 200"
	l_k=$(transferred http "$ip" vmlinuz)
	check_log uefi_kernel_http "$l_k" "vmlinuz sent whole over HTTP to $ip"
	l_i=$(transferred http "$ip" initrd.img)
	check_log uefi_initrd_http "$l_i" "initrd.img sent whole over HTTP to $ip"
	if [[ -n $l_k ]] && not_over tftp "$ip"; then
		ok uefi_nothing_over_tftp
	else
		fail uefi_nothing_over_tftp "$(grep -m1 -E "tftp: $ip:" "$LOG" || echo 'no kernel over HTTP either')"
	fi
	guest_checks "$s"
	timings "$s" "" "$l_scr" "$l_k" "$l_i"
}

# --- uefi_pxe: OVMF's own PXE (virtio NIC, no option ROM) loads ipxe.efi over TFTP, as a
# server's firmware would; that iPXE gets the script, kernel and initrd over HTTP
scenario_uefi_pxe()
{
	local s=uefi_pxe ip=${IP[uefi_pxe]} m=${MAC[uefi_pxe]} ack l_efi l_scr l_k l_i
	boot "$s" -bios "$OVMF"
	ack=$(logline "dhcp: ACK $ip to $m ${NODE[$s]} \\(EFI x64(/BC)?,")
	check_log uefi_pxe_dhcp_ack "$ack" "an ACK of $ip to $m (EFI x64: OVMF's PXE)"
	l_efi=$(transferred tftp "$ip" ipxe.efi)
	check_log uefi_pxe_ipxe_efi_tftp "$l_efi" "ipxe.efi sent whole over TFTP to $ip"
	l_scr=$(logline "http: $ip:[0-9]+ \"GET /boot/$(mac_re "$m")\\.ipxe HTTP/1\\.[01]\" 200 ")
	check_log uefi_pxe_script_http "$l_scr" "GET /boot/$m.ipxe answered 200"
	l_k=$(transferred http "$ip" vmlinuz)
	check_log uefi_pxe_kernel_http "$l_k" "vmlinuz sent whole over HTTP to $ip"
	l_i=$(transferred http "$ip" initrd.img)
	check_log uefi_pxe_initrd_http "$l_i" "initrd.img sent whole over HTTP to $ip"
	guest_checks "$s"
	timings "$s" "$l_efi" "$l_scr" "$l_k" "$l_i"
}

for s in "${run[@]}"; do
	"scenario_$s"
done

# --- everything stops; nothing of this run is left in the namespace
stop_bootherd TERM
_lib_kill_pid "$GANESHA" 50
[[ -n $RPCBIND ]] && _lib_kill_pid "$RPCBIND" 20
[[ -n $RA ]] && _lib_kill_pid "$RA" 20
left=$(ip netns pids "$NS" 2>/dev/null | paste -sd' ')
if [[ -z $left ]]; then
	ok e2e_stopped
else
	fail e2e_stopped "still running in $NS: $(for p in $left; do tr '\0' ' ' </proc/"$p"/cmdline; echo; done | cut -c1-200)"
fi
