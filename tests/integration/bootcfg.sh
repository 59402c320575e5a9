#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Boot configs made on request, against the real server on loopback: the probe sequences of
# the real loaders replayed name by name, each node checked to get the right file at the
# right step.
#
#   PXELINUX  pxelinux.cfg/<uuid>, 01-<mac>, <HEXIP> with 8 down to 1 digits, default
#             (TFTP with tftp-hpa and curl; HTTP with curl, as lpxelinux)
#   GRUB      grub.cfg-01-<mac>, grub.cfg-<HEXIP> 8 down to 1 digits, grub.cfg, beneath its
#             prefix boot/grub/ (TFTP and HTTP)
#   iPXE      /boot/chain.ipxe, then the /boot/<mac>.ipxe it chains to (HTTP), and the same
#             script by the colon, hyphen and bare-hex spellings of the MAC
#
# The inventory has a node with two NICs, a node in a group, nodes of a diskless NFS-root,
# a rescue, a localboot and an install profile, a rule on a MAC prefix, a rule with override,
# a node with no profile, and strangers: `default` gives the node whose inventory IP is the
# client's address (127.0.0.1 here), else (a client at 127.0.0.2) the menu of every profile.
# Hand-written files lie where configs are made (never served then) and where nothing is made
# (a subnet file, one odd machine's: the disk answers those). Exact texts for one PXELINUX,
# two GRUB and one iPXE config; key lines for the others. About 6 s.
#
#	tests/integration/bootcfg.sh

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_bootherd bootcfg "boot configs are made by bootherd only (BOOTHERD_TEST_SERVER=$BOOTHERD_TEST_SERVER)"
for c in tftp curl python3 ss; do
	if ! command -v "$c" >/dev/null; then
		skip bootcfg "$c not installed (scripts/deps.sh)"
		exit 0
	fi
done

ROOT=$T/root
OUT=$T/out
mkdir -p "$ROOT/pxelinux.cfg" "$ROOT/boot/grub" "$OUT"
chmod 755 "$ROOT" "$ROOT/pxelinux.cfg" "$ROOT/boot" "$ROOT/boot/grub"
# Hand-written files where a config is made: never served while one is made.
for f in pxelinux.cfg/default pxelinux.cfg/01-52-54-00-00-01-01 grub.cfg boot/grub/grub.cfg; do
	echo "HAND-WRITTEN $f" >"$ROOT/$f"
done
# Where nothing is made, the disk answers: a subnet file (10.0.9.0/24) and one odd machine.
echo "HAND-WRITTEN subnet 10.0.9" >"$ROOT/pxelinux.cfg/0A0009"
echo "HAND-WRITTEN odd machine" >"$ROOT/pxelinux.cfg/01-52-54-00-00-07-01"
chmod 644 "$ROOT"/pxelinux.cfg/* "$ROOT/grub.cfg" "$ROOT/boot/grub/grub.cfg"

TP=$(free_port)
HP=$(free_port)
while [[ "$HP" == "$TP" ]]; do HP=$(free_port); done
CONF=$T/bootherd.yaml
cat >"$CONF" <<EOF
listen: 127.0.0.1
workers: 2
tftp:
  port: $TP
http:
  port: $HP
limits:
  client_rate: 0
roots:
  - path: $ROOT
profiles:
  diskless:
    label: diskless6
    title: Diskless (NFS root)
    kernel: diskless/vmlinuz
    initrd: diskless/initrd.img
    cmdline: "root=nfs:\${server}:\${root} ro ip=\${ip} hostname=\${hostname} BOOTIF=\${mac} ks=http://\${server}:\${http_port}/ks"
    root: /srv/nfs/diskless6
    menu: [rescue, local]
    timeout: 5
  diskless7:
    kernel: diskless7/vmlinuz
    cmdline: "root=nfs:\${server}:\${root} ro"
    root: /srv/nfs/diskless7
  rescue:
    title: Rescue shell
    kernel: rescue/vmlinuz
    initrd: rescue/initrd.img
    cmdline: "console=ttyS0,115200n8 rd.shell hostname=\${hostname}"
  local:
    title: Boot from local disk
    localboot: true
  install:
    kernel: "http://\${server}:\${http_port}/install/vmlinuz"
    initrd: "http://\${server}:\${http_port}/install/initrd.img"
    cmdline: "inst.ks=http://\${server}:\${http_port}/ks/\${mac}.cfg"
groups:
  compute:
    profile: rescue
rules:
  - match: {mac: "^02:00:5e"}
    profile: install
  - match: {hostname: "^quarantine"}
    profile: local
    override: true
nodes:
  - name: n1
    mac: [52:54:00:00:01:01, 52-54-00-00-01-02]
    ip: 10.0.5.11
    profile: diskless
  - name: g1
    mac: 52:54:00:00:02:01
    ip: 10.0.5.12
    group: compute
  - name: quarantine1
    mac: 52:54:00:00:04:01
    ip: 10.0.5.14
    profile: diskless
  - name: np1
    mac: 02:00:5e:00:00:09
    ip: 10.0.5.19
  - name: keep1
    mac: 02:00:5e:00:00:07
    ip: 10.0.5.17
    profile: rescue
  - name: nic2
    mac: 52:54:00:00:05:01
    ip: 10.0.5.20
    profile: rescue
  - name: noprof
    mac: 52:54:00:00:06:01
    ip: 10.0.5.21
  - name: lo
    mac: 52:54:00:00:03:01
    ip: 127.0.0.1
    profile: local
EOF

if ! start_bootherd -c "$CONF"; then
	fail bootcfg_server_start "server did not start (see log above)"
	exit 1
fi

# --- expected texts (@HP@ is the HTTP port)
expect()
{
	sed "s/@HP@/$HP/g" >"$T/$1"
}

expect n1.pxelinux.exact <<'EOF'
DEFAULT menu.c32
PROMPT 0
TIMEOUT 50
MENU TITLE n1
LABEL diskless6
  MENU LABEL Diskless (NFS root)
  MENU DEFAULT
  KERNEL diskless/vmlinuz
  APPEND initrd=diskless/initrd.img root=nfs:127.0.0.1:/srv/nfs/diskless6 ro ip=10.0.5.11 hostname=n1 BOOTIF=52:54:00:00:01:01 ks=http://127.0.0.1:@HP@/ks
LABEL rescue
  MENU LABEL Rescue shell
  KERNEL rescue/vmlinuz
  APPEND initrd=rescue/initrd.img console=ttyS0,115200n8 rd.shell hostname=n1
LABEL local
  MENU LABEL Boot from local disk
  LOCALBOOT 0
EOF
# The second NIC: the same node, its own MAC for BOOTIF.
sed 's/BOOTIF=52:54:00:00:01:01/BOOTIF=52:54:00:00:01:02/' "$T/n1.pxelinux.exact" \
	>"$T/n1nic2.pxelinux.exact"

expect n1.grub.exact <<'EOF'
set default=0
set timeout=5
menuentry 'Diskless (NFS root)' --id diskless6 {
	linux (http,127.0.0.1:@HP@)/diskless/vmlinuz initrd=initrd.img root=nfs:127.0.0.1:/srv/nfs/diskless6 ro ip=10.0.5.11 hostname=n1 BOOTIF=52:54:00:00:01:01 ks=http://127.0.0.1:@HP@/ks
	initrd (http,127.0.0.1:@HP@)/diskless/initrd.img
}
menuentry 'Rescue shell' --id rescue {
	linux (http,127.0.0.1:@HP@)/rescue/vmlinuz initrd=initrd.img console=ttyS0,115200n8 rd.shell hostname=n1
	initrd (http,127.0.0.1:@HP@)/rescue/initrd.img
}
menuentry 'Boot from local disk' --id local {
	exit
}
EOF

# The rule's profile: URLs become GRUB's (http,HOST:PORT)/PATH, ${mac} the MAC asked for.
expect np1.grub.exact <<'EOF'
set default=0
set timeout=0
menuentry 'install' --id install {
	linux (http,127.0.0.1:@HP@)/install/vmlinuz initrd=initrd.img inst.ks=http://127.0.0.1:@HP@/ks/02:00:5e:00:00:09.cfg
	initrd (http,127.0.0.1:@HP@)/install/initrd.img
}
EOF

expect n1.ipxe.exact <<'EOF'
#!ipxe
menu n1
item diskless6 Diskless (NFS root)
item rescue Rescue shell
item local Boot from local disk
choose --default diskless6 --timeout 5000 target && goto ${target}
:diskless6
kernel http://127.0.0.1:@HP@/diskless/vmlinuz initrd=initrd.img root=nfs:127.0.0.1:/srv/nfs/diskless6 ro ip=10.0.5.11 hostname=n1 BOOTIF=52:54:00:00:01:01 ks=http://127.0.0.1:@HP@/ks
initrd --name initrd.img http://127.0.0.1:@HP@/diskless/initrd.img
boot
:rescue
kernel http://127.0.0.1:@HP@/rescue/vmlinuz initrd=initrd.img console=ttyS0,115200n8 rd.shell hostname=n1
initrd --name initrd.img http://127.0.0.1:@HP@/rescue/initrd.img
boot
:local
exit
EOF

expect chain.ipxe.exact <<'EOF'
#!ipxe
chain --replace --autofree http://127.0.0.1:@HP@/boot/${mac:hexhyp}.ipxe
EOF

# Key lines: each must be in the file as a whole line; a line "!TEXT": TEXT must not be.
expect g1.pxelinux.lines <<'EOF'
DEFAULT rescue
PROMPT 0
LABEL rescue
  KERNEL rescue/vmlinuz
  APPEND initrd=rescue/initrd.img console=ttyS0,115200n8 rd.shell hostname=g1
!TIMEOUT 50
!LABEL diskless6
EOF
expect g1.grub.lines <<'EOF'
set timeout=0
menuentry 'Rescue shell' --id rescue {
	linux (http,127.0.0.1:@HP@)/rescue/vmlinuz initrd=initrd.img console=ttyS0,115200n8 rd.shell hostname=g1
	initrd (http,127.0.0.1:@HP@)/rescue/initrd.img
EOF
expect g1.ipxe.lines <<'EOF'
#!ipxe
kernel http://127.0.0.1:@HP@/rescue/vmlinuz initrd=initrd.img console=ttyS0,115200n8 rd.shell hostname=g1
initrd --name initrd.img http://127.0.0.1:@HP@/rescue/initrd.img
boot
!menu g1
EOF
expect nic2.pxelinux.lines <<'EOF'
DEFAULT rescue
  APPEND initrd=rescue/initrd.img console=ttyS0,115200n8 rd.shell hostname=nic2
EOF
expect nic2.grub.lines <<'EOF'
	linux (http,127.0.0.1:@HP@)/rescue/vmlinuz initrd=initrd.img console=ttyS0,115200n8 rd.shell hostname=nic2
EOF
expect local.pxelinux.lines <<'EOF'
DEFAULT local
PROMPT 0
LABEL local
  LOCALBOOT 0
!LABEL diskless6
!LABEL rescue
EOF
expect local.grub.lines <<'EOF'
set timeout=0
menuentry 'Boot from local disk' --id local {
	exit
!menuentry 'Rescue shell' --id rescue {
EOF
expect local.ipxe.lines <<'EOF'
#!ipxe
exit
!boot
EOF
expect np1.pxelinux.lines <<'EOF'
DEFAULT install
LABEL install
  KERNEL http://127.0.0.1:@HP@/install/vmlinuz
  APPEND initrd=http://127.0.0.1:@HP@/install/initrd.img inst.ks=http://127.0.0.1:@HP@/ks/02:00:5e:00:00:09.cfg
EOF
expect np1.ipxe.lines <<'EOF'
kernel http://127.0.0.1:@HP@/install/vmlinuz initrd=initrd.img inst.ks=http://127.0.0.1:@HP@/ks/02:00:5e:00:00:09.cfg
initrd --name initrd.img http://127.0.0.1:@HP@/install/initrd.img
EOF
expect stranger5e.pxelinux.lines <<'EOF'
DEFAULT install
  APPEND initrd=http://127.0.0.1:@HP@/install/initrd.img inst.ks=http://127.0.0.1:@HP@/ks/02:00:5e:12:34:56.cfg
EOF
expect keep1.pxelinux.lines <<'EOF'
DEFAULT rescue
  APPEND initrd=rescue/initrd.img console=ttyS0,115200n8 rd.shell hostname=keep1
!DEFAULT install
EOF
# Discovery: every profile, in file order, the first the default; the client's address for
# ${ip}, nothing for ${hostname} and ${mac}.
expect discovery.pxelinux.lines <<'EOF'
DEFAULT menu.c32
PROMPT 0
TIMEOUT 100
MENU TITLE bootherd
LABEL diskless6
  MENU DEFAULT
  APPEND initrd=diskless/initrd.img root=nfs:127.0.0.1:/srv/nfs/diskless6 ro ip=127.0.0.2 hostname= BOOTIF= ks=http://127.0.0.1:@HP@/ks
LABEL diskless7
LABEL rescue
  APPEND initrd=rescue/initrd.img console=ttyS0,115200n8 rd.shell hostname=
LABEL local
LABEL install
EOF
expect discovery.grub.lines <<'EOF'
set default=0
set timeout=10
menuentry 'Diskless (NFS root)' --id diskless6 {
menuentry 'diskless7' --id diskless7 {
menuentry 'Rescue shell' --id rescue {
menuentry 'Boot from local disk' --id local {
menuentry 'install' --id install {
EOF
# iPXE by a MAC nobody knows: the menu (iPXE has no next name to try), with that MAC.
expect discovery.ipxe.lines <<'EOF'
#!ipxe
menu bootherd
item diskless6 Diskless (NFS root)
item diskless7 diskless7
item rescue Rescue shell
item local Boot from local disk
item install install
choose --default diskless6 --timeout 10000 target && goto ${target}
kernel http://127.0.0.1:@HP@/diskless/vmlinuz initrd=initrd.img root=nfs:127.0.0.1:/srv/nfs/diskless6 ro ip=127.0.0.2 hostname= BOOTIF=52:54:00:99:99:99 ks=http://127.0.0.1:@HP@/ks
EOF
expect subnet.lines <<'EOF'
HAND-WRITTEN subnet 10.0.9
EOF
expect odd.lines <<'EOF'
HAND-WRITTEN odd machine
EOF

# --- clients. get CLIENT SRC NAME OUTFILE: 0 got it, 1 not found, 2 any other failure (the
# client's words in $T/client.out). CLIENT: tftp-hpa (source 127.0.0.1 only), curl (TFTP),
# http (curl). SRC: the client's source address.
get()
{
	local client=$1 src=$2 name=$3 out=$4 rc code
	rm -f "$out"
	case $client in
	tftp-hpa)
		if [[ "$src" != 127.0.0.1 ]]; then
			echo "tftp-hpa cannot choose its source address" >"$T/client.out"
			return 2
		fi
		timeout 10 tftp -m binary 127.0.0.1 "$TP" -c get "$name" "$out" \
			>"$T/client.out" 2>&1
		rc=$?
		if grep -q 'Error code 1' "$T/client.out"; then
			rm -f "$out"
			return 1
		fi
		((rc == 0)) && ! grep -qE 'Error code|Transfer timed out|tftp:' "$T/client.out" &&
			return 0
		return 2 ;;
	curl)
		timeout 10 curl -sS --interface "$src" -o "$out" "tftp://127.0.0.1:$TP/$name" \
			>"$T/client.out" 2>&1
		rc=$?
		((rc == 0)) && { [[ -e "$out" ]] || : >"$out"; return 0; }
		((rc == 68)) && return 1
		return 2 ;;
	http)
		code=$(timeout 10 curl -sS --path-as-is --interface "$src" -o "$out" \
			-w '%{http_code}' "http://127.0.0.1:$HP/$name" 2>"$T/client.out")
		rc=$?
		echo "HTTP $code" >>"$T/client.out"
		((rc == 0)) && [[ "$code" == 200 ]] && return 0
		rm -f "$out"
		((rc == 0)) && [[ "$code" == 404 ]] && return 1
		return 2 ;;
	esac
	return 2
}

client_says()
{
	tr '\n' ' ' <"$T/client.out" | cut -c1-200
}

# The names PXELINUX asks for, in order, for MAC (colon form) and IP.
hexip()
{
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	printf '%02X%02X%02X%02X' "$a" "$b" "$c" "$d"
}

pxe_names()
{
	local mac=$1 hex i
	hex=$(hexip "$2")
	echo "pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d"
	echo "pxelinux.cfg/01-${mac//:/-}"
	for ((i = 8; i >= 1; i--)); do
		echo "pxelinux.cfg/${hex:0:i}"
	done
	echo "pxelinux.cfg/default"
}

# GRUB's (net_search_config_file), beneath its prefix.
grub_names()
{
	local mac=$1 hex i
	hex=$(hexip "$2")
	echo "boot/grub/grub.cfg-01-${mac//:/-}"
	for ((i = 8; i >= 1; i--)); do
		echo "boot/grub/grub.cfg-${hex:0:i}"
	done
	echo "boot/grub/grub.cfg"
}

# check_content FILE EXPECT: ok when FILE is as EXPECT says (EXPECT.exact: the same bytes;
# EXPECT.lines: the key lines); else prints why on stdout.
check_content()
{
	local got=$1 want=$2 line
	if [[ $want == *.exact ]]; then
		cmp -s "$got" "$want" && return 0
		echo "differs from $(basename "$want"): $(diff "$want" "$got" | head -n 8 | tr '\n' '|')"
		return 1
	fi
	while IFS= read -r line; do
		if [[ $line == '!'* ]]; then
			if grep -qFx -- "${line#!}" "$got"; then
				echo "has the line '${line#!}'; file: $(head -c 300 "$got" | tr '\n' '|')"
				return 1
			fi
		elif ! grep -qFx -- "$line" "$got"; then
			echo "no line '$line'; file: $(head -c 300 "$got" | tr '\n' '|')"
			return 1
		fi
	done <"$want"
	return 0
}

# probe CASE CLIENT SRC WANT_NAME EXPECT NAME...: asks for each NAME in turn, as the loader
# would, until one is found: that must be WANT_NAME, with content as EXPECT says (see
# check_content), and every earlier one "not found".
probe()
{
	local case=$1 client=$2 src=$3 want=$4 expect=$5 name step=0 why
	shift 5
	for name in "$@"; do
		step=$((step + 1))
		get "$client" "$src" "$name" "$OUT/got"
		case $? in
		0) break ;;
		1) continue ;;
		*)
			fail "$case" "$client from $src: step $step $name: $(client_says)"
			return 1 ;;
		esac
	done
	if [[ ! -e "$OUT/got" ]]; then
		fail "$case" "$client from $src: nothing found in $step steps (wanted $want)"
		return 1
	fi
	if [[ "$name" != "$want" ]]; then
		fail "$case" "$client from $src: step $step $name answered, wanted $want; it said: $(head -c 120 "$OUT/got" | tr '\n' '|')"
		return 1
	fi
	if ! why=$(check_content "$OUT/got" "$T/$expect"); then
		fail "$case" "$client from $src: $name (step $step): $why"
		return 1
	fi
	ok "$case"
}

mapfile -t n1_pxe < <(pxe_names 52:54:00:00:01:01 10.0.5.11)
mapfile -t n1b_pxe < <(pxe_names 52:54:00:00:01:02 10.0.5.11)
mapfile -t g1_pxe < <(pxe_names 52:54:00:00:02:01 10.0.5.12)
mapfile -t q1_pxe < <(pxe_names 52:54:00:00:04:01 10.0.5.14)
mapfile -t np1_pxe < <(pxe_names 02:00:5e:00:00:09 10.0.5.19)
mapfile -t keep1_pxe < <(pxe_names 02:00:5e:00:00:07 10.0.5.17)
# nic2 boots from a NIC the inventory does not list, with the node's address (from another
# DHCP server): the MAC name misses, the full hex IP names the node.
mapfile -t nic2_pxe < <(pxe_names 52:54:00:00:05:99 10.0.5.20)
# A node with no profile: every name misses up to `default`.
mapfile -t noprof_pxe < <(pxe_names 52:54:00:00:06:01 10.0.5.21)
# Strangers: not in the inventory; one whose MAC the prefix rule matches; one on a subnet
# with a hand-written file; one with a hand-written file of its own.
mapfile -t stranger_pxe < <(pxe_names 52:54:00:99:99:99 10.0.8.8)
mapfile -t s5e_pxe < <(pxe_names 02:00:5e:12:34:56 10.0.8.9)
mapfile -t subnet_pxe < <(pxe_names 52:54:00:99:99:98 10.0.9.99)
mapfile -t odd_pxe < <(pxe_names 52:54:00:00:07:01 10.0.8.10)

# --- 1. PXELINUX over TFTP, with both clients
for cl in tftp-hpa curl; do
	probe "pxelinux_n1_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-52-54-00-00-01-01 \
		n1.pxelinux.exact "${n1_pxe[@]}"
	probe "pxelinux_n1_second_nic_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-52-54-00-00-01-02 \
		n1nic2.pxelinux.exact "${n1b_pxe[@]}"
	probe "pxelinux_group_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-52-54-00-00-02-01 \
		g1.pxelinux.lines "${g1_pxe[@]}"
	probe "pxelinux_override_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-52-54-00-00-04-01 \
		local.pxelinux.lines "${q1_pxe[@]}"
	probe "pxelinux_rule_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-02-00-5e-00-00-09 \
		np1.pxelinux.lines "${np1_pxe[@]}"
	probe "pxelinux_own_over_rule_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-02-00-5e-00-00-07 \
		keep1.pxelinux.lines "${keep1_pxe[@]}"
	probe "pxelinux_rule_stranger_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-02-00-5e-12-34-56 \
		stranger5e.pxelinux.lines "${s5e_pxe[@]}"
	probe "pxelinux_hexip_$cl" "$cl" 127.0.0.1 pxelinux.cfg/0A000514 \
		nic2.pxelinux.lines "${nic2_pxe[@]}"
	# From 127.0.0.1, `default` is the config of node lo (inventory IP 127.0.0.1).
	probe "pxelinux_noprofile_default_by_source_$cl" "$cl" 127.0.0.1 pxelinux.cfg/default \
		local.pxelinux.lines "${noprof_pxe[@]}"
	probe "pxelinux_stranger_default_by_source_$cl" "$cl" 127.0.0.1 pxelinux.cfg/default \
		local.pxelinux.lines "${stranger_pxe[@]}"
	probe "pxelinux_subnet_file_from_disk_$cl" "$cl" 127.0.0.1 pxelinux.cfg/0A0009 \
		subnet.lines "${subnet_pxe[@]}"
	probe "pxelinux_odd_file_from_disk_$cl" "$cl" 127.0.0.1 pxelinux.cfg/01-52-54-00-00-07-01 \
		odd.lines "${odd_pxe[@]}"
done
# From 127.0.0.2, which no node has: the menu of every profile (curl can pick its source).
probe pxelinux_discovery_curl curl 127.0.0.2 pxelinux.cfg/default discovery.pxelinux.lines \
	"${stranger_pxe[@]}"
probe pxelinux_noprofile_discovery_curl curl 127.0.0.2 pxelinux.cfg/default \
	discovery.pxelinux.lines "${noprof_pxe[@]}"

# lpxelinux fetches the same names over HTTP.
probe pxelinux_n1_http http 127.0.0.1 pxelinux.cfg/01-52-54-00-00-01-01 n1.pxelinux.exact \
	"${n1_pxe[@]}"
probe pxelinux_hexip_http http 127.0.0.1 pxelinux.cfg/0A000514 nic2.pxelinux.lines \
	"${nic2_pxe[@]}"
probe pxelinux_discovery_http http 127.0.0.2 pxelinux.cfg/default discovery.pxelinux.lines \
	"${stranger_pxe[@]}"

# ${root} is each entry's own profile's: diskless7 in the menu boots its own export.
get curl 127.0.0.2 pxelinux.cfg/default "$OUT/disc"
d7=$(grep -A3 -Fx 'LABEL diskless7' "$OUT/disc" 2>/dev/null)
if grep -qFx '  APPEND root=nfs:127.0.0.1:/srv/nfs/diskless7 ro' <<<"$d7"; then
	ok discovery_root_per_profile
else
	fail discovery_root_per_profile "the menu's diskless7 entry: $(tr '\n' '|' <<<"$d7")"
fi

# --- 2. GRUB over TFTP and HTTP
mapfile -t n1_grub < <(grub_names 52:54:00:00:01:01 10.0.5.11)
mapfile -t g1_grub < <(grub_names 52:54:00:00:02:01 10.0.5.12)
mapfile -t np1_grub < <(grub_names 02:00:5e:00:00:09 10.0.5.19)
mapfile -t nic2_grub < <(grub_names 52:54:00:00:05:99 10.0.5.20)
mapfile -t stranger_grub < <(grub_names 52:54:00:99:99:99 10.0.8.8)
for cl in tftp-hpa curl http; do
	probe "grub_n1_$cl" "$cl" 127.0.0.1 boot/grub/grub.cfg-01-52-54-00-00-01-01 \
		n1.grub.exact "${n1_grub[@]}"
	probe "grub_group_$cl" "$cl" 127.0.0.1 boot/grub/grub.cfg-01-52-54-00-00-02-01 \
		g1.grub.lines "${g1_grub[@]}"
	probe "grub_rule_$cl" "$cl" 127.0.0.1 boot/grub/grub.cfg-01-02-00-5e-00-00-09 \
		np1.grub.exact "${np1_grub[@]}"
	probe "grub_hexip_$cl" "$cl" 127.0.0.1 boot/grub/grub.cfg-0A000514 \
		nic2.grub.lines "${nic2_grub[@]}"
	probe "grub_default_by_source_$cl" "$cl" 127.0.0.1 boot/grub/grub.cfg \
		local.grub.lines "${stranger_grub[@]}"
	[[ $cl == tftp-hpa ]] && continue
	probe "grub_discovery_$cl" "$cl" 127.0.0.2 boot/grub/grub.cfg \
		discovery.grub.lines "${stranger_grub[@]}"
done
# At the root too (GRUB's prefix may be the TFTP root).
probe grub_n1_root_prefix_tftp-hpa tftp-hpa 127.0.0.1 grub.cfg-01-52-54-00-00-01-01 \
	n1.grub.exact grub.cfg-01-52-54-00-00-01-01

# --- 3. iPXE over HTTP: the chain script, then the script it names, as iPXE fills it in.
# ipxe_seq CASE SRC MAC EXPECT: chain.ipxe, then its URL with ${mac:hexhyp} for MAC; the
# same bytes again by the colon and bare-hex spellings.
ipxe_seq()
{
	local case=$1 src=$2 mac=$3 want=$4 url why sp
	if ! get http "$src" boot/chain.ipxe "$OUT/chain"; then
		fail "$case" "GET /boot/chain.ipxe: $(client_says)"
		return 1
	fi
	if ! why=$(check_content "$OUT/chain" "$T/chain.ipxe.exact"); then
		fail "$case" "chain.ipxe $why"
		return 1
	fi
	url=$(sed -n 's/^chain --replace --autofree //p' "$OUT/chain")
	# shellcheck disable=SC2016 # iPXE's variable, literally
	url=${url//'${mac:hexhyp}'/${mac//:/-}}
	if [[ "$url" != "http://127.0.0.1:$HP/boot/"* ]]; then
		fail "$case" "chain.ipxe names $url"
		return 1
	fi
	if ! get http "$src" "${url#"http://127.0.0.1:$HP/"}" "$OUT/script"; then
		fail "$case" "GET $url: $(client_says)"
		return 1
	fi
	if ! why=$(check_content "$OUT/script" "$T/$want"); then
		fail "$case" "$url: $why"
		return 1
	fi
	for sp in "$mac" "${mac//:/}" "${mac^^}"; do
		if ! get http "$src" "boot/$sp.ipxe" "$OUT/again" ||
			! cmp -s "$OUT/script" "$OUT/again"; then
			fail "$case" "/boot/$sp.ipxe is not the same script as $url: $(client_says)"
			return 1
		fi
	done
	ok "$case"
}
ipxe_seq ipxe_n1 127.0.0.1 52:54:00:00:01:01 n1.ipxe.exact
ipxe_seq ipxe_group 127.0.0.1 52:54:00:00:02:01 g1.ipxe.lines
ipxe_seq ipxe_rule 127.0.0.1 02:00:5e:00:00:09 np1.ipxe.lines
ipxe_seq ipxe_override 127.0.0.1 52:54:00:00:04:01 local.ipxe.lines
# From 127.0.0.2, which no node has (whether the client's address should name a node for
# an unknown MAC here, as for `default`, is not what this case asks).
ipxe_seq ipxe_discovery 127.0.0.2 52:54:00:99:99:99 discovery.ipxe.lines

# --- 4. names that are not found, or not ours
# not_found CASE CLIENT NAME: the server says "not found" (TFTP error 1, HTTP 404).
not_found()
{
	local case=$1 client=$2 name=$3
	get "$client" 127.0.0.1 "$name" "$OUT/nf"
	case $? in
	1) ok "$case" ;;
	0) fail "$case" "$name was served: $(head -c 120 "$OUT/nf" | tr '\n' '|')" ;;
	*) fail "$case" "$name: $(client_says)" ;;
	esac
}
for cl in tftp-hpa curl http; do
	not_found "unknown_mac_not_found_$cl" "$cl" pxelinux.cfg/01-52-54-00-99-99-99
	not_found "noprofile_mac_not_found_$cl" "$cl" pxelinux.cfg/01-52-54-00-00-06-01
	not_found "grub_unknown_mac_not_found_$cl" "$cl" grub.cfg-01-52-54-00-99-99-99
	not_found "short_hexip_not_found_$cl" "$cl" pxelinux.cfg/0A00050
	not_found "bad_mac_name_not_found_$cl" "$cl" pxelinux.cfg/01-xx
	not_found "not_pxelinux_dir_not_found_$cl" "$cl" pxelinux.cfgx/default
done
not_found ipxe_bad_name_not_found_http http boot/xyz.ipxe
not_found ipxe_bad_mac_not_found_http http boot/52:54:00:00:01:0.ipxe

# Under any directory.
if get tftp-hpa 127.0.0.1 bios/pxelinux.cfg/01-52-54-00-00-01-01 "$OUT/sub" &&
	cmp -s "$OUT/sub" "$T/n1.pxelinux.exact"; then
	ok pxelinux_under_directory_tftp-hpa
else
	fail pxelinux_under_directory_tftp-hpa "bios/pxelinux.cfg/01-52-54-00-00-01-01: $(client_says)"
fi
# "..": refused, or made (then the same as without it); never read from disk.
for cl in tftp-hpa http; do
	get "$cl" 127.0.0.1 ../pxelinux.cfg/default "$OUT/dd"
	case $? in
	1 | 2) ok "dotdot_default_$cl" "refused: $(client_says)" ;;
	0)
		if check_content "$OUT/dd" "$T/local.pxelinux.lines" >/dev/null; then
			ok "dotdot_default_$cl" "made, as pxelinux.cfg/default"
		else
			fail "dotdot_default_$cl" "../pxelinux.cfg/default gave: $(head -c 120 "$OUT/dd" | tr '\n' '|')"
		fi ;;
	esac
done

if stop_bootherd TERM; then
	ok bootcfg_server_exit_0
else
	fail bootcfg_server_exit_0 "exit status $? after SIGTERM"
fi
