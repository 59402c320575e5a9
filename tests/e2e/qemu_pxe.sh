#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A real firmware network boot against bootherd: QEMU (TCG, SeaBIOS with the e1000's iPXE
# option ROM) boots from the network in a namespace of its own making, and bootherd answers
# its DHCP, serves pxelinux.0 and ldlinux.c32 over TFTP, makes pxelinux.cfg/01-<mac> for the
# node on request, and is asked for the node's kernel and initrd. The kernel and initrd are
# random bytes: the test stops once both are requested. Needs root, /dev/net/tun,
# qemu-system-x86 and ipxe-qemu (scripts/deps.sh), PXELINUX (pxelinux, syslinux-common).
# About 20 s (15 of them iPXE's "Configuring" before it loads pxelinux.0); the wait is bounded by QEMU_PXE_WAIT seconds (120).
#
# Layout: namespace $NS holds a tap device $TAP (10.55.0.1/24) with bootherd (DHCP on $TAP,
# TFTP on 69, HTTP on 8080) and QEMU on the other end of the tap. The VM (MAC $MAC) is
# node qn01 with the fixed address $NODE_IP and profile "diskless" (timeout 0: PXELINUX boots
# it at once). The VM's serial console goes to $T/serial.log.

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
WAIT=${QEMU_PXE_WAIT:-120}
PXELINUX=/usr/lib/PXELINUX/pxelinux.0
C32=/usr/lib/syslinux/modules/bios
MAC=52:54:00:12:34:56
MAC_HYP=52-54-00-12-34-56
SRV=10.55.0.1
NODE_IP=10.55.0.20

need_bootherd qemu_pxe "needs bootherd itself (DHCP and generated configs), not $BOOTHERD_TEST_SERVER"
if ! why=$(have_netns); then
	skip qemu_pxe "$why"
	exit 0
fi
if [[ ! -c /dev/net/tun ]]; then
	skip qemu_pxe "no /dev/net/tun (tap devices unavailable)"
	exit 0
fi
if ! command -v "$QEMU" >/dev/null; then
	skip qemu_pxe "$QEMU not installed (scripts/deps.sh: qemu-system-x86 ipxe-qemu)"
	exit 0
fi
for f in "$PXELINUX" "$C32/ldlinux.c32" "$C32/menu.c32" "$C32/libutil.c32"; do
	if [[ ! -f $f ]]; then
		skip qemu_pxe "$f missing (scripts/deps.sh: pxelinux syslinux-common)"
		exit 0
	fi
done

NS=bhqp$$
TAP=bhqt$$
if ! netns_add "$NS" ||
	! ip -n "$NS" tuntap add dev "$TAP" mode tap ||
	! ip -n "$NS" addr add "$SRV/24" dev "$TAP" ||
	! ip -n "$NS" link set "$TAP" up; then
	fail qemu_pxe_setup "could not make the namespace and tap device"
	exit 1
fi
# shellcheck disable=SC2034	# read by start_bootherd (tests/lib.sh)
SERVER_NETNS=$NS

ROOT=$T/root
mkdir -p "$ROOT"
cp "$PXELINUX" "$C32/ldlinux.c32" "$C32/menu.c32" "$C32/libutil.c32" "$ROOT/"
head -c 65536 /dev/urandom >"$ROOT/vmlinuz"
head -c 32768 /dev/urandom >"$ROOT/initrd.img"
chmod -R a+rX "$ROOT"

CONF=$T/bootherd.yaml
cat >"$CONF" <<EOF
listen: 0.0.0.0
log: {level: debug}	# OFFERs are logged at debug
tftp: {port: 69}
http: {port: 8080}
roots: [{path: $ROOT}]
dhcp:
  enabled: true
  interfaces: [$TAP]
  lease_db: $T/leases.sqlite
  lease_sync: normal
  lease_time: 600
  boot:
    # QEMU's boot ROM is iPXE and says so (user class "iPXE"); with no dhcp.boot.ipxe it
    # gets the architecture's file, as plain PXE firmware would.
    bios: pxelinux.0
  subnets:
    - subnet: 10.55.0.0/24
      pools: [10.55.0.100-10.55.0.150]
      router: $SRV
profiles:
  diskless:
    kernel: vmlinuz
    initrd: initrd.img
    cmdline: "console=ttyS0 root=nfs:\${server}:/srv/x ip=dhcp"
    timeout: 0
nodes:
  - {name: qn01, mac: "$MAC", ip: $NODE_IP, profile: diskless}
EOF

if ! start_bootherd -c "$CONF"; then
	fail qemu_pxe_server "bootherd did not start"
	exit 1
fi
LOG=$SERVER_LOG

SERIAL=$T/serial.log
: >"$SERIAL"
start=$SECONDS
(trap - INT QUIT; exec ip netns exec "$NS" "$QEMU" -accel tcg -m 256 -nographic -no-reboot \
	-boot n -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" \
	-device "e1000,netdev=n0,mac=$MAC" -serial "file:$SERIAL" -display none \
	-monitor none) </dev/null >"$T/qemu.out" 2>&1 &
QEMU_PID=$!
track_pid "$QEMU_PID"

# logged LINE-REGEX: the server log has a line matching it.
logged()
{
	grep -qE "$1" "$LOG"
}

# Until both the kernel and the initrd are asked for, the VM gives up booting from the
# network (iPXE's "Nothing to boot", SeaBIOS's "No bootable device"), QEMU exits, or the
# time is up.
while ((SECONDS - start < WAIT)); do
	logged '[^a-z./_-]vmlinuz' && logged '[^a-z./_-]initrd\.img' && break
	_lib_alive "$QEMU_PID" || break
	if grep -qE 'Nothing to boot|No bootable device' "$SERIAL"; then
		note "the VM gave up: $(grep -m1 -E 'Nothing to boot|No bootable device' "$SERIAL" | tr -d '\r')"
		break
	fi
	sleep 0.5
done
elapsed=$((SECONDS - start))
qemu_alive=0
_lib_alive "$QEMU_PID" && qemu_alive=1
_lib_kill_pid "$QEMU_PID" 20
note "QEMU ran ${elapsed} s (limit ${WAIT} s)"
if ((!qemu_alive)); then
	note "QEMU exited early: $(tail -n 3 "$T/qemu.out" | tr '\n' ' ')"
	# The e1000's option ROM (efi-e1000.rom) comes with ipxe-qemu.
	if grep -qi romfile "$T/qemu.out" && ! logged DISCOVER; then
		skip qemu_pxe "$QEMU has no e1000 option ROM (ipxe-qemu not installed?)"
		exit 0
	fi
fi

# check NAME REGEX WHAT: ok when the server log has a line matching REGEX.
check()
{
	if logged "$2"; then
		ok "$1"
	else
		fail "$1" "no log line for $3"
	fi
}

m=${MAC//:/[:-]}
check qemu_pxe_dhcp_offer "OFFER.*$NODE_IP.*$m|OFFER.*$m.*$NODE_IP" "an OFFER of $NODE_IP to $MAC"
check qemu_pxe_dhcp_ack "ACK.*$NODE_IP.*$m|ACK.*$m.*$NODE_IP" "an ACK of $NODE_IP to $MAC"
check qemu_pxe_pxelinux "pxelinux\.0.*done" "pxelinux.0 transferred"
check qemu_pxe_ldlinux "ldlinux\.c32.*done" "ldlinux.c32 transferred"
check qemu_pxe_config "pxelinux\.cfg/01-$MAC_HYP.*done" "the generated pxelinux.cfg/01-$MAC_HYP transferred"
check qemu_pxe_kernel '[^a-z./_-]vmlinuz' "a request for vmlinuz"
check qemu_pxe_initrd '[^a-z./_-]initrd\.img' "a request for initrd.img"

# The config PXELINUX was given, asked for again over HTTP: the node's profile with ${server}
# filled in.
cfg=$T/01-$MAC_HYP
if ip netns exec "$NS" curl -fsS --max-time 5 -o "$cfg" \
	"http://$SRV:8080/pxelinux.cfg/01-$MAC_HYP" 2>"$T/curl.err" &&
	grep -q 'KERNEL .*vmlinuz' "$cfg" && grep -q 'initrd=initrd\.img' "$cfg" &&
	grep -qF "root=nfs:$SRV:/srv/x" "$cfg"; then
	ok qemu_pxe_config_content
else
	fail qemu_pxe_config_content "pxelinux.cfg/01-$MAC_HYP over HTTP lacks the kernel, initrd or root=nfs:$SRV:/srv/x: $(tr '\n' ' ' <"$cfg" 2>/dev/null)$(head -c 200 "$T/curl.err")"
fi

# What the VM said on its serial console (SeaBIOS sends the text console there under
# -nographic): PXELINUX's banner, then its "Loading vmlinuz... ok". SeaBIOS's serial console
# puts cursor moves anywhere in the text (even inside a word): they are taken out first.
TEXT=$T/serial.txt
sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$SERIAL" | tr -d '\r\b' >"$TEXT"
if grep -q 'PXELINUX' "$TEXT" && grep -q 'Loading vmlinuz\.\.\. *ok' "$TEXT"; then
	ok qemu_pxe_serial
else
	fail qemu_pxe_serial "no PXELINUX banner or 'Loading vmlinuz... ok' in the serial log ($(wc -c <"$SERIAL") B)"
	grep -v '^[[:space:]]*$' "$TEXT" | tail -n 10 | note
fi
