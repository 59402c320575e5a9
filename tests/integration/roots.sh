#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `bootherd roots` against a real nfs-ganesha: a small busybox root is created, prepared for an
# NFS root, given per-node areas and exported; ganesha (with rpcbind, in a network namespace
# with a private /run) reloads on the SIGHUP bootherd sends and serves the image read-only to
# the nodes and each node area read-write to its node alone. The host kernel has neither an
# NFS server nor an NFS client, so the client side is roots_mnt.py: the MOUNT v3 and NFS v3
# calls (MNT, LOOKUP, READ, CREATE, WRITE) a kernel client makes, sent from each client
# address in turn. The real mount is the QEMU boot test's. Needs root. About 15 s.
#
#	tests/integration/roots.sh
#
# Layout: namespace $NS_S holds rpcbind and ganesha on $IF_S (10.66.0.1/24); namespace $NS_C
# holds the clients on $IF_C: 10.66.0.2 (node n001), 10.66.0.3 (node n002) and 10.66.0.4 (a
# stranger). ganesha keeps its pid file, log, recovery directory and configuration under $T;
# its /run (rpcbind's socket and lock, ganesha's callback directory) is a tmpfs of its own
# mount namespace. bootherd itself runs on the host, writing only under $T (diskless.base,
# ganesha_file, exports_file).
#
# Until `bootherd roots` exists, only the plumbing is checked (ganesha serving a hand-written
# export of the source tree); the rest is skipped with the reason.

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
RPC=$HERE/roots_mnt.py

if ! why=$(have_netns); then
	skip roots "$why"
	exit 0
fi
for c in ganesha.nfsd rpcbind rpcinfo showmount rsync busybox unshare python3 ethtool; do
	if ! command -v "$c" >/dev/null; then
		skip roots "$c not installed (apt-get install nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common rsync busybox)"
		exit 0
	fi
done
if [[ -z $(find /usr/lib /usr/lib64 -name libfsalvfs.so -print -quit 2>/dev/null) ]]; then
	skip roots "ganesha's VFS backend (libfsalvfs.so) not installed (apt-get install nfs-ganesha-vfs)"
	exit 0
fi

SRV=10.66.0.1
N1=10.66.0.2		# node n001
N2=10.66.0.3		# node n002
STRANGER=10.66.0.4	# in no clients list
NS_S=bhns$$
NS_C=bhnc$$
IF_S=bhns$$
IF_C=bhnc$$
if ! netns_pair "$NS_S" "$NS_C" "$IF_S" "$IF_C" "$SRV/24"; then
	fail roots_netns_setup "could not make the namespaces and veth pair"
	exit 1
fi
for a in "$N1" "$N2" "$STRANGER"; do
	ip -n "$NS_C" addr add "$a/24" dev "$IF_C" || {
		fail roots_netns_setup "could not add $a to $IF_C"
		exit 1
	}
done

BASE=$T/base
GFILE=$T/etc/ganesha/bootherd.conf	# diskless.ganesha_file, %included by start_ganesha's config
GPID=$T/run/ganesha.pid			# diskless.ganesha_pidfile
GLOG=$T/ganesha.log
mkdir -p "$T/etc/ganesha" "$T/run" "$T/ganesha/recov"

# --- helpers

# rpc SOURCE ARGS...: roots_mnt.py from SOURCE in the client namespace; stdout and stderr
# in $T/rpc.out, first line in RPC_OUT, status returned.
RPC_OUT=
rpc()
{
	local src=$1 rc
	shift
	timeout -k 2 15 ip netns exec "$NS_C" python3 "$RPC" --server "$SRV" --source "$src" "$@" \
		>"$T/rpc.out" 2>&1
	rc=$?
	RPC_OUT=$(head -n1 "$T/rpc.out")
	return $rc
}

# expect_rpc NAME REGEX SOURCE ARGS...: ok when roots_mnt.py's first line matches REGEX.
expect_rpc()
{
	local name=$1 want=$2
	shift 2
	rpc "$@"
	if [[ $RPC_OUT =~ $want ]]; then
		ok "$name"
		return 0
	fi
	fail "$name" "from $1: ${*:2}: got '$(tr '\n' ' ' <"$T/rpc.out" | cut -c1-300)', want /$want/"
	dump_ganesha_log
	return 1
}

# expect_exports NAME SOURCE PATH...: ok when the server shows SOURCE exactly these exports
# (MOUNT EXPORT, what showmount -e asks; ganesha lists only the exports that client may mount).
expect_exports()
{
	local name=$1 src=$2 got want
	shift 2
	if ! rpc "$src" exports; then
		fail "$name" "MOUNT EXPORT from $src failed: $(head -c 300 "$T/rpc.out")"
		return 1
	fi
	got=$(cut -d' ' -f1 "$T/rpc.out" | sort | paste -sd' ')
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | paste -sd' ')
	if [[ $got == "$want" ]]; then
		ok "$name"
		return 0
	fi
	fail "$name" "$src is shown [$got], want [$want] ($(head -c 200 "$T/rpc.out"))"
	dump_ganesha_log
	return 1
}

_glog_seen=0
dump_ganesha_log()
{
	local n
	[[ -s $GLOG ]] || return 0
	n=$(wc -l <"$GLOG")
	((n == _glog_seen)) && return 0
	_glog_seen=$n
	echo "# --- last 15 lines of $GLOG" >&2
	tail -n 15 "$GLOG" | sed 's/^/# /' >&2
}

# ganesha_quiet_since NAME LINE: ok when ganesha logged nothing at level CRIT, MAJ or WARN
# after line LINE of its log (startup, without dbus or Kerberos, has its own such lines).
ganesha_quiet_since()
{
	if tail -n +$(($2 + 1)) "$GLOG" | grep -E ':(CRIT|MAJ|WARN) :' >"$T/glog.new"; then
		fail "$1" "ganesha: $(head -n 3 "$T/glog.new" | cut -c1-400)"
		return 1
	fi
	ok "$1"
}

reloads()
{
	grep -c 'Reread exports complete' "$GLOG" 2>/dev/null
}

# wait_reload COUNT: up to 5 s for ganesha to have reloaded its exports more than COUNT times.
wait_reload()
{
	local i
	for ((i = 0; i < 50; i++)); do
		(($(reloads) > $1)) && return 0
		sleep 0.1
	done
	return 1
}

# tree_sum DIR: one checksum of the names, types, modes, link targets and contents beneath DIR.
tree_sum()
{
	(
		cd "$1" || exit 1
		find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
	) | sha256sum | cut -d' ' -f1
}

# --- ganesha and rpcbind in $NS_S, with a private /run. The chain ip netns exec -> unshare ->
# sh -> exec ganesha.nfsd keeps one PID, which is also what ganesha writes to its pid file;
# rpcbind is its child, in the same process group (setsid), and tracked by PID as well.
# The plumbing first: the source tree, exported read-only to n001 by hand.
S=$T/src
mkdir -p "$S"
cat >"$GFILE" <<EOF
EXPORT {
	Export_Id = 900;
	Path = "$S";
	Pseudo = "$S";
	Protocols = 3, 4;
	Access_Type = None;
	Squash = Root_Squash;
	SecType = sys;
	FSAL { Name = VFS; }
	CLIENT { Clients = $N1; Access_Type = RO; }
}
EOF
echo "plumbing" >"$S/hello"
start_ganesha "$NS_S" "$T" "3, 4" bootherd-test
up=0
for ((i = 0; i < 100; i++)); do
	[[ -s $T/rpcbind.pid && -z ${RPCBIND:-} ]] && RPCBIND=$(<"$T/rpcbind.pid") &&
		track_pid "$RPCBIND"
	if ip netns exec "$NS_S" rpcinfo -p 127.0.0.1 2>/dev/null | grep -qw mountd; then
		up=1
		break
	fi
	_lib_alive "$GANESHA" || break
	sleep 0.1
done
if ((!up)); then
	fail ganesha_start "ganesha did not register mountd with rpcbind within 10 s: $(head -c 300 "$T/ganesha.out")"
	dump_ganesha_log
	exit 1
fi
ok ganesha_start
if [[ $(cat "$GPID" 2>/dev/null) == "$GANESHA" ]]; then
	ok ganesha_pidfile
else
	fail ganesha_pidfile "$GPID holds '$(cat "$GPID" 2>/dev/null)', want $GANESHA"
fi

ip netns exec "$NS_C" rpcinfo -p "$SRV" >"$T/rpcinfo.out" 2>&1
if grep -qE '^ *100003 +3 +tcp +2049 +nfs' "$T/rpcinfo.out" &&
	grep -qE '^ *100005 +3 +tcp +[0-9]+ +mountd' "$T/rpcinfo.out"; then
	ok rpcinfo_nfs3_mountd3
else
	fail rpcinfo_nfs3_mountd3 "$(tr '\n' ' ' <"$T/rpcinfo.out" | cut -c1-400)"
fi
# showmount asks from the client's primary address, n001's.
ip netns exec "$NS_C" timeout 10 showmount -e "$SRV" >"$T/showmount.out" 2>&1
if grep -qxE "$S +$N1(/32)?" "$T/showmount.out"; then
	ok showmount_handwritten_export
else
	fail showmount_handwritten_export "$(tr '\n' ' ' <"$T/showmount.out" | cut -c1-300)"
fi
expect_rpc plumbing_mnt_allowed '^MNT3_OK fh=[0-9a-f]+$' "$N1" mnt "$S"
expect_rpc plumbing_read '^plumbing$' "$N1" read "$S" hello
expect_rpc plumbing_write_ro_refused '^NFS3ERR_(ROFS|ACCES|PERM)$' "$N1" create "$S" nope x
expect_rpc plumbing_mnt_other_refused '^MNT3ERR_ACCES$' "$N2" mnt "$S"
expect_exports plumbing_stranger_sees_nothing "$STRANGER"
[[ -e $S/nope ]] && fail plumbing_write_ro_refused_disk "$S/nope was created"

# --- bootherd roots
if [[ ! -x $BOOTHERD ]] || ! "$BOOTHERD" roots --help 2>&1 | grep -q prepare; then
	skip roots_commands "bootherd roots not built yet ($BOOTHERD roots --help shows no 'prepare')"
	exit 0
fi

# The busybox root: applets as relative links, one absolute link, a hard-linked pair, a sparse
# file, a local-disk fstab, an identity, junk in the directories create must leave empty,
# and a link to the host's /etc/passwd that nothing may follow.
mkdir -p "$S"/{bin,sbin,etc/network,dev,proc/1,sys/kernel,tmp,run,mnt/x,media,lost+found,root,var/log}
rm -f "$S/hello"
cp "$(command -v busybox)" "$S/bin/busybox"
while read -r applet; do
	[[ $applet == busybox ]] || ln -s busybox "$S/bin/$applet"
done < <(busybox --list)
ln -s /bin/busybox "$S/sbin/init"
echo linked >"$S/root/hard1"
ln "$S/root/hard1" "$S/root/hard2"
truncate -s 8M "$S/var/sparse"
for d in dev proc/1 sys/kernel tmp run mnt/x media lost+found; do
	echo junk >"$S/$d/junk"
done
cat >"$S/etc/fstab" <<'EOF'
# /etc/fstab: static file system information.
UUID=0a1b2c3d-1111-2222-3333-444455556666 / ext4 errors=remount-ro 0 1
UUID=0a1b2c3d-aaaa-bbbb-cccc-ddddeeeeffff none swap sw 0 0
/dev/sda3 /home ext4 defaults 0 2
tmpfs /tmp tmpfs defaults,size=64m 0 0
EOF
printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n\taddress 192.168.1.5/24\n' \
	>"$S/etc/network/interfaces"
echo builder >"$S/etc/hostname"
echo 0123456789abcdef0123456789abcdef >"$S/etc/machine-id"
echo 'root:x:0:0:root:/root:/bin/sh' >"$S/etc/passwd"
ln -s /etc/passwd "$S/etc/evil"
PASSWD_SUM=$(sha256sum </etc/passwd)

# A second root whose files prepare writes are links out of the image: to $T/outside (the
# host's files are not put at risk to test this).
S2=$T/src2
OUT=$T/outside
mkdir -p "$S2/etc" "$OUT/network"
for f in fstab hostname machine-id network/interfaces; do
	echo "outside $f" >"$OUT/$f"
done
ln -s "$OUT/fstab" "$S2/etc/fstab"
ln -s ../../../outside/hostname "$S2/etc/hostname"	# relative, from $BASE/trap/etc
ln -s "$OUT/machine-id" "$S2/etc/machine-id"
ln -s "$OUT/network" "$S2/etc/network"
OUT_SUM=$(tree_sum "$OUT")

CONF=$T/bootherd.yaml
# write_config N2_PROFILE [SERVER [FILE]]: n002's profile (compute boots image bb, other boots
# bb2), the NFS server (ganesha; "auto" is checked on its own).
write_config()
{
	cat >"${3:-$CONF}" <<-EOF
	listen: $SRV
	roots: [{path: $T}]
	diskless:
	  base: $BASE
	  server: ${2:-ganesha}
	  address: $SRV
	  exports_file: $T/etc/exports.d/bootherd.exports
	  ganesha_file: $GFILE
	  ganesha_pidfile: $GPID
	profiles:
	  compute: {kernel: vmlinuz, image: bb}
	EOF
	[[ $1 == other ]] && echo "  other: {kernel: vmlinuz, image: bb2}" >>"${3:-$CONF}"
	cat >>"${3:-$CONF}" <<-EOF
	nodes:
	  - {name: n001, mac: "02:00:00:66:00:02", ip: $N1, profile: compute}
	  - {name: n002, mac: "02:00:00:66:00:03", ip: $N2, profile: $1}
	EOF
}
write_config compute

# br ARGS...: bootherd roots -c $CONF ARGS; stdout and stderr in $T/br.out, status in BR.
BR=0
br()
{
	timeout -k 2 60 "$BOOTHERD" roots -c "$CONF" "$@" >"$T/br.out" 2>&1
	BR=$?
	return $BR
}
# br_ok NAME ARGS...: ok when the command exits 0.
br_ok()
{
	local name=$1
	shift
	if br "$@"; then
		ok "$name"
		return 0
	fi
	fail "$name" "roots $* exited $BR: $(tr '\n' ' ' <"$T/br.out" | cut -c1-400)"
	return 1
}
# br_refused NAME ARGS...: ok when the command exits non-zero and says why.
br_refused()
{
	local name=$1
	shift
	if br "$@"; then
		fail "$name" "roots $* exited 0: $(tr '\n' ' ' <"$T/br.out" | cut -c1-300)"
		return 1
	fi
	if [[ ! -s $T/br.out ]]; then
		fail "$name" "roots $* exited $BR without saying why"
		return 1
	fi
	ok "$name" "exit $BR: $(head -n1 "$T/br.out")"
}
# br_out: the last command's output, quoted for a message.
br_out()
{
	tr '\n' ' ' <"$T/br.out" | cut -c1-400
}

# --- create
B=$BASE/bb
if br_ok create_from create bb --from "$S"; then
	bad=()
	[[ -L $B/bin/sh && $(readlink "$B/bin/sh") == busybox ]] || bad+=("bin/sh not the link 'busybox'")
	[[ $(readlink "$B/sbin/init") == /bin/busybox ]] || bad+=("sbin/init -> '$(readlink "$B/sbin/init")'")
	[[ $(readlink "$B/etc/evil") == /etc/passwd ]] || bad+=("etc/evil -> '$(readlink "$B/etc/evil")'")
	[[ $(stat -c %i "$B/root/hard1" 2>/dev/null) == $(stat -c %i "$B/root/hard2" 2>/dev/null) ]] ||
		bad+=("root/hard1 and hard2 no longer one file (-H)")
	(($(du -k "$B/var/sparse" 2>/dev/null | cut -f1) < 1024)) || bad+=("var/sparse not sparse (-S)")
	cmp -s "$S/bin/busybox" "$B/bin/busybox" || bad+=("bin/busybox differs")
	# The directories stay (empty: mount points); lost+found is left out altogether.
	for d in dev proc sys tmp run mnt media; do
		[[ -d $B/$d ]] || bad+=("no $d/")
		[[ -n $(find "$B/$d" -mindepth 1 -print -quit 2>/dev/null) ]] && bad+=("$d/ not empty")
	done
	[[ -n $(find "$B/lost+found" -mindepth 1 -print -quit 2>/dev/null) ]] &&
		bad+=("lost+found/ not empty")
	if ((${#bad[@]} == 0)); then
		ok create_copy_faithful
	else
		fail create_copy_faithful "${bad[*]}"
	fi
fi
if br list && grep -qw bb "$T/br.out"; then
	ok list_shows_image
else
	fail list_shows_image "exit $BR: $(br_out)"
fi
br_refused create_existing_refused create bb --from "$S"
mkdir -p "$T/x"
echo sentinel >"$T/x/keep"
br_refused create_dotdot_refused create ../x --from "$S"
[[ -e $T/x/bin || -e $BASE/../x/bin ]] && fail create_dotdot_nothing_written "$T/x/bin exists"
br_refused create_slash_refused create a/b --from "$S"
br_refused create_missing_source_refused create nosrc --from "$T/does-not-exist"
[[ -e $BASE/nosrc ]] && fail create_missing_source_nothing_left "$BASE/nosrc left behind"

# --- prepare: --dry-run first (a diff, nothing changed), then for real, then again (no change)
before=$(tree_sum "$B")
if br prepare bb --dry-run; then
	if grep -q '^--- ' "$T/br.out" && grep -q '^+++ ' "$T/br.out" && grep -q '^@@ ' "$T/br.out" &&
		grep -q "^+.*$SRV:$B" "$T/br.out"; then
		ok prepare_dry_run_diff
	else
		fail prepare_dry_run_diff "no unified diff adding the NFS root line: $(br_out)"
	fi
else
	fail prepare_dry_run_diff "exit $BR: $(br_out)"
fi
if [[ $(tree_sum "$B") == "$before" ]]; then
	ok prepare_dry_run_changes_nothing
else
	fail prepare_dry_run_changes_nothing "the image changed under --dry-run"
fi

if br_ok prepare prepare bb; then
	F=$B/etc/fstab
	bad=()
	sp='[[:space:]]+'
	grep -qE "^$SRV:$B$sp/${sp}nfs${sp}defaults,vers=3$sp" "$F" ||
		bad+=("no '$SRV:$B / nfs defaults,vers=3' line")
	grep -qE '^[^#]*UUID=' "$F" && bad+=("a UUID line still active")
	grep -qE '^[^#]*[[:space:]]swap[[:space:]]' "$F" && bad+=("the swap line still active")
	grep -qE '^[^#]*/dev/sda3' "$F" && bad+=("the /dev/sda3 line still active")
	grep -qE '^# bootherd: UUID=0a1b2c3d-1111' "$F" || bad+=("the old root line not kept as a comment")
	grep -qxF 'tmpfs /tmp tmpfs defaults,size=64m 0 0' "$F" || bad+=("the tmpfs /tmp line not kept")
	grep -qF '# /etc/fstab: static' "$F" || bad+=("the comment not kept")
	for m in 'tmpfs /dev/shm tmpfs' 'devpts /dev/pts devpts' 'sysfs /sys sysfs' 'proc /proc proc'; do
		read -r a b c <<<"$m"
		grep -qE "^$a$sp$b$sp$c$sp" "$F" || bad+=("no '$m' line")
	done
	if ((${#bad[@]} == 0)); then
		ok prepare_fstab
	else
		fail prepare_fstab "${bad[*]}"
		sed 's/^/# fstab: /' "$F" >&2
	fi
	for f in machine-id hostname; do
		if [[ -f $B/etc/$f && ! -L $B/etc/$f && ! -s $B/etc/$f ]]; then
			ok "prepare_${f/-/_}_empty"
		else
			fail "prepare_${f/-/_}_empty" "etc/$f: '$(head -c 64 "$B/etc/$f" 2>&1)'"
		fi
	done
	# The interface the root is mounted over keeps what the initramfs got by DHCP: the
	# image's static address for eth0 must go, and nothing may take the interface down.
	I=$B/etc/network/interfaces
	if grep -qiw dhcp "$I" && ! grep -qE '^[^#]*inet[[:space:]]+static|^[^#]*eth0' "$I"; then
		ok prepare_network_dhcp
	else
		fail prepare_network_dhcp "etc/network/interfaces: $(tr '\n' ' ' <"$I" | cut -c1-300)"
	fi
	if [[ $(readlink "$B/etc/evil") == /etc/passwd && $(sha256sum </etc/passwd) == "$PASSWD_SUM" ]]; then
		ok prepare_symlink_not_followed
	else
		fail prepare_symlink_not_followed "etc/evil -> '$(readlink "$B/etc/evil")', host /etc/passwd changed?"
	fi
	cp "$T/br.out" "$T/prepare1.out"
	before=$(tree_sum "$B")
	if br prepare bb; then
		if [[ $(tree_sum "$B") != "$before" ]]; then
			fail prepare_idempotent "a second prepare changed the image"
		elif grep -qiE 'no change|unchanged|up to date|nothing to (do|change)|already' "$T/br.out"; then
			ok prepare_idempotent
		else
			fail prepare_idempotent "the image is as it was, but the output does not say so: '$(br_out)' (the first run said: '$(tr '\n' ' ' <"$T/prepare1.out" | cut -c1-200)')"
		fi
	else
		fail prepare_idempotent "the second prepare exited $BR: $(br_out)"
	fi
	if br prepare bb --dry-run && [[ $(tree_sum "$B") == "$before" ]] &&
		! grep -q '^@@ ' "$T/br.out"; then
		ok prepare_dry_run_prepared_empty_diff
	else
		fail prepare_dry_run_prepared_empty_diff "exit $BR: $(br_out)"
	fi
fi

# An image whose etc/fstab, hostname, machine-id and network/ are links out of it: prepare
# may refuse it or replace the links, but must write nothing outside.
if br create trap --from "$S2/"; then
	br prepare trap
	rc=$BR
	if [[ $(tree_sum "$OUT") == "$OUT_SUM" ]]; then
		ok prepare_trap_nothing_written_outside "prepare exited $rc: $(head -n1 "$T/br.out")"
	else
		fail prepare_trap_nothing_written_outside "prepare (exit $rc) wrote through a link: $(grep -r . "$OUT" | tr '\n' ' ' | cut -c1-300)"
	fi
	br_ok remove_trap remove trap --force
else
	fail prepare_trap_create "create trap exited $BR: $(br_out)"
fi

# --- overlay: a per-node area for each node
NB=$BASE/.nodes/bb
if br_ok overlay_two_nodes overlay bb --nodes n001,n002; then
	if [[ -d $NB/n001 && -d $NB/n002 &&
		$(stat -c %i "$NB/n001") != $(stat -c %i "$NB/n002") ]]; then
		ok overlay_dirs "n001: $(find "$NB/n001" -maxdepth 2 | wc -l) entries"
		# state mode: copies of etc/ and var/, not links into the image.
		if cmp -s "$B/etc/fstab" "$NB/n001/etc/fstab" &&
			[[ $(stat -c %i "$B/etc/fstab") != $(stat -c %i "$NB/n001/etc/fstab") ]]; then
			ok overlay_state_copies_etc
		else
			fail overlay_state_copies_etc "$NB/n001/etc/fstab: not a copy of the image's"
		fi
	else
		fail overlay_dirs "$(find "$BASE/.nodes" -maxdepth 3 2>&1 | tr '\n' ' ' | cut -c1-300)"
	fi
fi
br_refused overlay_unknown_node_refused overlay bb --nodes nosuch
br_refused overlay_unknown_image_refused overlay nosuch --nodes n001

# --- export: --dry-run changes nothing; then ganesha reloads and serves what the config says
gsum=$(sha256sum <"$GFILE")
r0=$(reloads)
if br export --dry-run && grep -q 'EXPORT' "$T/br.out"; then
	ok export_dry_run_prints
else
	fail export_dry_run_prints "exit $BR: $(br_out)"
fi
sleep 0.3
if [[ $(sha256sum <"$GFILE") == "$gsum" && $(reloads) == "$r0" ]]; then
	ok export_dry_run_changes_nothing
else
	fail export_dry_run_changes_nothing "ganesha_file changed or ganesha reloaded ($r0 -> $(reloads))"
fi

r0=$(reloads)
gl0=$(wc -l <"$GLOG")
if br_ok export export; then
	if grep -q "$B" "$GFILE" && ! grep -q "Export_Id = 900" "$GFILE"; then
		ok export_ganesha_file
	else
		fail export_ganesha_file "$GFILE does not name $B"
	fi
	if wait_reload "$r0"; then
		ok export_sighup_reload
	else
		fail export_sighup_reload "ganesha did not reload within 5 s ($(reloads) reloads)"
		dump_ganesha_log
	fi
	ganesha_quiet_since export_ganesha_accepts "$gl0"
fi
ip netns exec "$NS_C" timeout 10 showmount -e "$SRV" >"$T/showmount.out" 2>&1
if grep -qE "^$B +" "$T/showmount.out" && grep -qE "^$NB/n001 +" "$T/showmount.out"; then
	ok showmount_image_and_node_area
else
	fail showmount_image_and_node_area "$(tr '\n' ' ' <"$T/showmount.out" | cut -c1-300)"
fi
expect_exports exports_seen_by_n001 "$N1" "$B" "$NB/n001"
expect_exports exports_seen_by_n002 "$N2" "$B" "$NB/n002"
expect_exports exports_seen_by_stranger "$STRANGER"
expect_rpc image_mnt_n001 '^MNT3_OK' "$N1" mnt "$B"
expect_rpc image_mnt_n002 '^MNT3_OK' "$N2" mnt "$B"
expect_rpc image_mnt_stranger_refused '^MNT3ERR_ACCES$' "$STRANGER" mnt "$B"
if rpc "$N1" read "$B" etc/fstab && grep -q "^$SRV:$B" "$T/rpc.out"; then
	ok image_read_fstab_over_nfs
else
	fail image_read_fstab_over_nfs "$(tr '\n' ' ' <"$T/rpc.out" | cut -c1-300)"
fi
expect_rpc image_write_refused '^NFS3ERR_(ROFS|ACCES|PERM)$' "$N1" create "$B" written x
[[ -e $B/written ]] && fail image_write_refused_disk "$B/written was created"
expect_rpc node_area_write_own '^NFS3_OK$' "$N1" create "$NB/n001" written-by-n001 n001
if [[ $(cat "$NB/n001/written-by-n001" 2>/dev/null) == n001 &&
	$(stat -c %u "$NB/n001/written-by-n001") == 0 ]]; then
	ok node_area_write_as_root
else
	fail node_area_write_as_root "$(stat -c '%n uid %u' "$NB/n001/written-by-n001" 2>&1)"
fi
expect_rpc node_area_other_node_refused '^MNT3ERR_ACCES$' "$N2" mnt "$NB/n001"
expect_rpc node_area_stranger_refused '^MNT3ERR_ACCES$' "$STRANGER" mnt "$NB/n002"
expect_rpc handwritten_export_gone '^MNT3ERR_(ACCES|NOENT)$' "$N1" mnt "$S"
br_ok check_after_export check

# diskless.server: auto picks the kernel's server only where there is one (the nfsd file
# system); here that is ganesha, so export --dry-run must say nfs-ganesha and its file.
if grep -qw nfsd /proc/filesystems; then
	skip server_auto_picks_ganesha "this kernel has an NFS server (nfsd in /proc/filesystems)"
else
	write_config compute auto "$T/auto.yaml"
	timeout -k 2 60 "$BOOTHERD" roots -c "$T/auto.yaml" export --dry-run >"$T/br.out" 2>&1
	BR=$?
	if ((BR == 0)) && grep -q "nfs-ganesha.*$GFILE" "$T/br.out"; then
		ok server_auto_picks_ganesha
	else
		fail server_auto_picks_ganesha "no nfsd file system here$([[ -e /proc/fs/nfsd ]] && echo ' (though /proc/fs/nfsd exists)'), yet: exit $BR: $(br_out)"
	fi
fi

# --- the config changes under the exports: n002 now boots bb2, which nobody else does
br_ok create_bb2 create bb2 --rsync "$S/" && br_ok prepare_bb2 prepare bb2
write_config other
if br check; then
	fail check_reports_mismatch "check exited 0 after n002 moved to image bb2: $(br_out)"
elif grep -qE 'n002|bb2' "$T/br.out"; then
	ok check_reports_mismatch "exit $BR: $(head -n2 "$T/br.out" | tr '\n' ' ')"
else
	fail check_reports_mismatch "exit $BR, but neither n002 nor bb2 named: $(br_out)"
fi
if br_ok overlay_bb2_hardlink overlay bb2 --nodes n002 --mode hardlink; then
	a=$BASE/bb2/bin/busybox
	b=$BASE/.nodes/bb2/n002/bin/busybox
	if [[ -f $b && $(stat -c %i "$a") == $(stat -c %i "$b") ]]; then
		ok overlay_hardlink_whole_root "$(grep -m1 '^note' "$T/br.out")"
	else
		fail overlay_hardlink_whole_root "$b is not $a hard-linked"
	fi
fi
r0=$(reloads)
gsum=$(sha256sum <"$GFILE")
if br_ok export_no_apply export --no-apply; then
	sleep 0.5
	if [[ $(sha256sum <"$GFILE") != "$gsum" && $(reloads) == "$r0" ]]; then
		ok export_no_apply_writes_without_reload
	else
		fail export_no_apply_writes_without_reload "file changed: $([[ $(sha256sum <"$GFILE") != "$gsum" ]] && echo yes || echo no), reloads $r0 -> $(reloads)"
	fi
	expect_rpc no_apply_still_old_exports '^MNT3_OK' "$N2" mnt "$B"
fi
# The file now matches the config, though ganesha has not read it: what check says is noted.
br check
note "check after export --no-apply: exit $BR: $(head -n1 "$T/br.out")"
r0=$(reloads)
gl0=$(wc -l <"$GLOG")
br_ok export_again export
if wait_reload "$r0"; then
	ok export_again_reload
else
	fail export_again_reload "export after export --no-apply did not reload ganesha within 5 s: '$(br_out)'"
	# So that the cases below still check what the file says: the reload, by hand.
	note "SIGHUP sent to ganesha by the test, to go on"
	kill -HUP "$GANESHA"
	wait_reload "$r0" || note "ganesha did not reload on SIGHUP either"
fi
ganesha_quiet_since export_again_ganesha_accepts "$gl0"
expect_exports exports_n001_after_move "$N1" "$B" "$NB/n001"
expect_exports exports_n002_after_move "$N2" "$BASE/bb2" "$BASE/.nodes/bb2/n002"
expect_rpc image_bb_refused_to_moved_node '^MNT3ERR_ACCES$' "$N2" mnt "$B"
expect_rpc image_bb2_mnt_n002 '^MNT3_OK' "$N2" mnt "$BASE/bb2"
expect_rpc image_bb2_refused_to_n001 '^MNT3ERR_ACCES$' "$N1" mnt "$BASE/bb2"
br_ok check_after_reexport check

# --- remove
br_ok create_scratch create scratch --from "$S"
br_refused remove_without_force_refused remove scratch
[[ -d $BASE/scratch/bin ]] || fail remove_without_force_kept "$BASE/scratch is gone"
if br_ok remove_force remove scratch --force; then
	if [[ -e $BASE/scratch ]]; then
		fail remove_force_gone "$BASE/scratch still there"
	elif br list && grep -qw scratch "$T/br.out"; then
		fail remove_force_gone "list still shows scratch: $(br_out)"
	else
		ok remove_force_gone
	fi
fi
br_refused remove_dotdot_refused remove ../x --force
[[ -f $T/x/keep ]] || fail remove_dotdot_kept "$T/x/keep is gone"
br_refused remove_missing_refused remove nosuch --force

# --- ganesha stops cleanly, nothing left in its namespace
_lib_kill_pid "$GANESHA" 50
[[ -n ${RPCBIND:-} ]] && _lib_kill_pid "$RPCBIND" 20
left=$(ip netns pids "$NS_S" 2>/dev/null | paste -sd' ')
if [[ -z $left ]]; then
	ok ganesha_rpcbind_stopped
else
	fail ganesha_rpcbind_stopped "still in $NS_S: $left"
fi
