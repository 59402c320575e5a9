# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the QEMU boot tests in tests/e2e/ (sourced after tests/lib.sh; not a test:
# tests/run.sh runs only *.sh). What a real diskless node boots, made once and cached under
# $E2E_CACHE (build/e2e-cache, which `make clean` removes):
#
#	e2e_kernel      a Debian kernel (linux-image-amd64's linux-image-6.1.0-N-amd64, by
#	                apt-get download and dpkg -x) and the modules a diskless node needs
#	e2e_busybox     busybox-static (apt-get download: the package conflicts with busybox,
#	                which other tests use, so it is not installed)
#	e2e_initrd      a busybox initrd: modules, DHCP (udhcpc), NFS root, switch_root
#	e2e_seed        a busybox root whose init proves, over NFS, that the node booted
#
# The guest side prints "bootherd-e2e: STAGE ... nonce=NONCE" lines on its serial console
# (ttyS0); NONCE is whatever bootherd.nonce= says on the kernel command line.

E2E_CACHE=${E2E_CACHE:-$TOP/build/e2e-cache}
# The modules the initrd loads, with their dependencies: the NICs (QEMU's e1000 and
# virtio-net) and the NFS v3 client.
E2E_MODULES=(e1000 virtio_pci virtio_net nfsv3)

# _e2e_apt_download DIR PKG: the .deb of PKG into DIR (as root, apt's _apt sandbox user
# cannot write there). Prints apt's complaint on failure.
_e2e_apt_download()
{
	local dir=$1 pkg=$2 out
	if ! out=$(cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$pkg" 2>&1); then
		echo "apt-get download $pkg failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# _e2e_lock: holds $E2E_CACHE/.lock (on fd E2E_LOCK_FD) while the cache is filled, so that
# two runs at once do not download twice or see half a directory.
_e2e_lock()
{
	mkdir -p "$E2E_CACHE" || return 1
	exec {E2E_LOCK_FD}>"$E2E_CACHE/.lock" || return 1
	flock -w 900 "$E2E_LOCK_FD"
}

_e2e_unlock()
{
	[[ -n ${E2E_LOCK_FD:-} ]] && exec {E2E_LOCK_FD}>&-
	E2E_LOCK_FD=
}

# _e2e_modinfo_depends KO: the modules KO depends on (its .modinfo "depends=" field), one a
# line. kmod's modinfo is not needed: the field is a NUL-terminated string in the file.
_e2e_modinfo_depends()
{
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' '\n' | sed '/^$/d'
}

# _e2e_visit NAME: appends NAME to _e2e_kernel_fetch's order after what it depends on (its
# path, seen, order and tmp, by bash's dynamic scope); E2E_WHY says what is missing.
_e2e_visit()
{
	local n=${1//-/_} d
	[[ -n ${seen[$n]:-} ]] && return 0
	seen[$n]=1
	if [[ -z ${path[$n]:-} ]]; then
		# Built into the kernel: nothing to load.
		grep -q "/$n.ko$" "$tmp"/x/lib/modules/*/modules.builtin 2>/dev/null && return 0
		E2E_WHY="module $n not found"
		return 1
	fi
	for d in $(_e2e_modinfo_depends "${path[$n]}"); do
		_e2e_visit "$d" || return 1
	done
	order+=("$n")
}

# _e2e_kernel_cached DIR: DIR holds a kernel and the modules E2E_MODULES asks for now.
_e2e_kernel_cached()
{
	[[ -f $1/vmlinuz && -s $1/modules.load && $(cat "$1/modules.want" 2>/dev/null) == "${E2E_MODULES[*]}" ]]
}

# _e2e_kernel_fetch PKG DIR: PKG's kernel and the modules E2E_MODULES needs into DIR (by way
# of a temporary directory beside it, renamed into place). Call it holding the lock. On
# failure sets E2E_WHY.
_e2e_kernel_fetch()
{
	local pkg=$1 dir=$2 tmp why x m
	local -A path=() seen=()
	local -a order=()
	note "fetching $pkg into $dir (once)"
	tmp=$(mktemp -d "$E2E_CACHE/.tmp.XXXXXX") || { E2E_WHY="mktemp in $E2E_CACHE failed"; return 1; }
	if ! why=$(_e2e_apt_download "$tmp" "$pkg") || ! dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/x"; then
		rm -rf "$tmp"
		E2E_WHY=${why:-dpkg -x of $pkg failed}
		return 1
	fi
	mkdir -p "$tmp/out"
	cp "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz"
	basename "$tmp"/x/lib/modules/* >"$tmp/out/version"
	# Every module's path by its name ('-' and '_' are the same to the kernel).
	while IFS= read -r m; do
		x=${m##*/}
		x=${x%.ko}
		path[${x//-/_}]=$m
	done < <(find "$tmp/x/lib/modules" -name '*.ko')
	for m in "${E2E_MODULES[@]}"; do
		if ! _e2e_visit "$m"; then
			rm -rf "$tmp"
			E2E_WHY="$E2E_WHY in $pkg"
			return 1
		fi
	done
	for m in "${order[@]}"; do
		cp "${path[$m]}" "$tmp/out/$m.ko"
	done
	printf '%s\n' "${order[@]}" >"$tmp/out/modules.load"
	echo "${E2E_MODULES[*]}" >"$tmp/out/modules.want"
	rm -rf "$dir"
	mv -T "$tmp/out" "$dir"
	rm -rf "$tmp"
}

# shellcheck disable=SC2034	# E2E_* are for the tests that source this file
# e2e_kernel: sets E2E_KVER, E2E_VMLINUZ and E2E_MODDIR (the modules, and modules.load: their
# names in load order). The kernel package is the one linux-image-amd64 depends on now; when
# apt knows none or cannot download it (offline), the newest kernel already in the cache. On
# failure sets E2E_WHY (for a skip) and returns 1.
e2e_kernel()
{
	local pkg dir=
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	if [[ -z $pkg ]]; then
		E2E_WHY="apt-cache knows no linux-image-amd64 (apt-get update?)"
	else
		dir=$E2E_CACHE/$pkg
		if ! _e2e_kernel_cached "$dir"; then
			if ! _e2e_lock; then
				E2E_WHY="cannot lock $E2E_CACHE"
				dir=
			elif ! _e2e_kernel_cached "$dir" && ! _e2e_kernel_fetch "$pkg" "$dir"; then
				dir=
			fi
			_e2e_unlock
		fi
	fi
	if [[ -z $dir ]]; then
		for dir in $(find "$E2E_CACHE" -maxdepth 1 -name 'linux-image-*' -type d 2>/dev/null |
			sort -rV); do
			_e2e_kernel_cached "$dir" && break
			dir=
		done
		if [[ -z $dir ]]; then
			E2E_WHY="$E2E_WHY; no kernel cached in $E2E_CACHE either"
			return 1
		fi
		note "using the cached ${dir##*/}: $E2E_WHY"
	fi
	E2E_KVER=$(<"$dir/version")
	E2E_VMLINUZ=$dir/vmlinuz
	E2E_MODDIR=$dir
	return 0
}

# e2e_busybox: sets E2E_BUSYBOX to a statically linked busybox (busybox-static's, cached); on
# failure E2E_WHY.
e2e_busybox()
{
	local dir=$E2E_CACHE/busybox-static tmp why
	if [[ ! -x $dir/busybox ]]; then
		_e2e_lock || { E2E_WHY="cannot lock $E2E_CACHE"; return 1; }
		if [[ ! -x $dir/busybox ]]; then
			tmp=$(mktemp -d "$E2E_CACHE/.tmp.XXXXXX")
			if ! why=$(_e2e_apt_download "$tmp" busybox-static) ||
				! dpkg -x "$tmp"/busybox-static_*.deb "$tmp/x"; then
				rm -rf "$tmp"
				_e2e_unlock
				E2E_WHY=${why:-dpkg -x of busybox-static failed}
				return 1
			fi
			mkdir -p "$tmp/out"
			cp "$tmp/x/bin/busybox" "$tmp/out/busybox"
			rm -rf "$dir"
			mv -T "$tmp/out" "$dir"
			rm -rf "$tmp"
		fi
		_e2e_unlock
	fi
	E2E_BUSYBOX=$dir/busybox
}

# _e2e_busybox_tree DIR: DIR/bin/busybox with every applet as a link to it, and the usual
# empty directories.
_e2e_busybox_tree()
{
	local d=$1 a
	mkdir -p "$d"/{bin,sbin,etc,dev,proc,sys,tmp,run,mnt,newroot,lib/modules,var}
	cp "$E2E_BUSYBOX" "$d/bin/busybox"
	for a in $("$E2E_BUSYBOX" --list); do
		[[ $a == busybox ]] || ln -sf busybox "$d/bin/$a"
	done
}

# e2e_initrd FILE: a gzip'd newc initrd of busybox, the modules and an /init that loads them,
# gets an address by DHCP (udhcpc), and with root=nfs:SERVER:PATH[:OPTS] on the command line
# mounts PATH read-only and switches to it (its /sbin/init); without, it powers off. Any
# failure is said on the console ("bootherd-e2e: FAIL ...") and powers off, so that the test
# does not wait out its limit.
e2e_initrd()
{
	local out=$1 d m
	d=$(mktemp -d "$T/initrd.XXXXXX")
	_e2e_busybox_tree "$d"
	for m in $(<"$E2E_MODDIR/modules.load"); do
		cp "$E2E_MODDIR/$m.ko" "$d/lib/modules/"
	done
	cp "$E2E_MODDIR/modules.load" "$d/lib/modules/"
	cat >"$d/init" <<'EOF'
#!/bin/sh
# bootherd e2e initrd: modules, DHCP, NFS root.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Only our lines on the console from here on: no kernel message in the middle of one.
echo 1 >/proc/sys/kernel/printk
nonce= root= node=
for a in $(cat /proc/cmdline); do
	case $a in
	bootherd.nonce=*) nonce=${a#*=} ;;
	bootherd.node=*) node=${a#*=} ;;
	root=*) root=${a#root=} ;;
	esac
done
say() { echo "bootherd-e2e: $* nonce=$nonce"; }
die() { say "FAIL $*"; sync; poweroff -f; sleep 60; }
say "initrd kernel=$(uname -r) node=$node"
for m in $(cat /lib/modules/modules.load); do
	insmod "/lib/modules/$m.ko" || die "insmod $m"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
ip link set eth0 up || die "no eth0"
# udhcpc's first DISCOVER would be lost before the link is up (the e1000 takes a second or two).
i=0
while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
udhcpc -i eth0 -f -q -n -t 10 -T 2 -s /udhcpc.sh -x hostname:"$node" >/tmp/udhcpc.log 2>&1 ||
	die "udhcpc: $(tail -n 2 /tmp/udhcpc.log | tr '\n' ' ')"
. /tmp/lease
say "dhcp ip=$ip server=$serverid hostname=$hostname"
case $root in
nfs:*) ;;
*) say "done (no NFS root)"; sync; poweroff -f ;;
esac
# root=nfs:SERVER:PATH[:OPTS], as bootherd writes it for a profile with image:
r=${root#nfs:}
server=${r%%:*}
r=${r#*:}
path=${r%%:*}
opts=
[ "$path" != "$r" ] && opts=${r#*:}
# busybox's mount leaves the server's address to the caller (addr=); no lock manager here.
o=ro,nolock,addr=$server${opts:+,$opts}
mount -t nfs -o "$o" "$server:$path" /newroot || die "mount -t nfs -o $o $server:$path"
say "nfs mounted $server:$path opts=$o"
for f in proc sys dev; do
	mount --move /$f /newroot/$f || die "mount --move /$f"
done
exec switch_root /newroot /sbin/init
EOF
	cat >"$d/udhcpc.sh" <<'EOF'
#!/bin/sh
case $1 in
bound | renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
	echo "ip=$ip serverid=$serverid hostname=$hostname" >/tmp/lease
	;;
esac
exit 0
EOF
	chmod 755 "$d/init" "$d/udhcpc.sh"
	(cd "$d" && find . | LC_ALL=C sort | "$E2E_BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -1 >"$out"
	local rc=${PIPESTATUS[0]}
	rm -rf "$d"
	return "$rc"
}

# e2e_seed DIR: the busybox root `bootherd roots create` copies. Its /sbin/init says on the
# console that it runs from NFS, mounts the node's own area (BASE/.nodes/IMAGE/NODE, which
# `bootherd roots overlay` made and exported read-write to that node alone) and writes the
# proof file bootherd-e2e.proof there: the test reads it on the host. Then powers off.
e2e_seed()
{
	local d=$1
	_e2e_busybox_tree "$d"
	rm -rf "${d:?}/newroot" "${d:?}/lib"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
	echo seed >"$d/etc/hostname"
	echo 'UUID=00000000-0000-0000-0000-000000000000 / ext4 defaults 0 1' >"$d/etc/fstab"
	cat >"$d/sbin/init" <<'EOF'
#!/bin/sh
# bootherd e2e NFS root: prove it over NFS.
export PATH=/bin:/sbin
nonce= root= node=
for a in $(cat /proc/cmdline); do
	case $a in
	bootherd.nonce=*) nonce=${a#*=} ;;
	bootherd.node=*) node=${a#*=} ;;
	root=*) root=${a#root=} ;;
	esac
done
say() { echo "bootherd-e2e: $* nonce=$nonce"; }
die() { say "FAIL $*"; sync; poweroff -f; sleep 60; }
fs=$(awk '$2 == "/" { t = $3 } END { print t }' /proc/mounts)
# What `bootherd roots prepare` wrote, read over NFS.
fstab=$(awk '$2 == "/" && $1 !~ /^#/ { print $1 " " $3 " " $4 }' /etc/fstab)
say "nfsroot fs=$fs fstab=$(echo "$fstab" | tr ' ' ,)"
r=${root#nfs:}
server=${r%%:*}
r=${r#*:}
path=${r%%:*}
area=${path%/*}/.nodes/${path##*/}/$node
mount -t tmpfs tmpfs /mnt || die "tmpfs /mnt"
mkdir -p /mnt/state
mount -t nfs -o rw,nolock,vers=3,addr=$server "$server:$area" /mnt/state ||
	die "mount $server:$area"
echo "nonce=$nonce node=$node kernel=$(uname -r) root=$server:$path fs=$fs" \
	>/mnt/state/bootherd-e2e.proof || die "write the proof"
sync
umount /mnt/state || die "umount $area"
say "proof written $server:$area/bootherd-e2e.proof"
poweroff -f
EOF
	chmod 755 "$d/sbin/init"
}

# e2e_reap_killed: what a killed run of these tests left: its namespace bhe2e<PID> and every
# process in it (netns_reap_stale, tests/lib.sh), then its temporary directory (the $T whose
# .e2e-pid names that PID). Namespaces bhqp<PID> of the older QEMU test go the same way. Then
# marks this run's $T.
e2e_reap_killed()
{
	local ns pid f
	local -a gone=()
	while read -r ns _; do
		[[ $ns =~ ^bhe2e([0-9]+)$ ]] || continue
		pid=${BASH_REMATCH[1]}
		[[ $pid == "$$" || -e /proc/$pid ]] || gone+=("$pid")
	done < <(ip netns list 2>/dev/null)
	netns_reap_stale bhe2e bhqp
	for pid in "${gone[@]}"; do
		for f in "${TMPDIR:-/tmp}"/bootherd-test.*/.e2e-pid; do
			[[ -f $f && $(<"$f") == "$pid" ]] || continue
			rm -rf "${f%/.e2e-pid}" && note "removed ${f%/.e2e-pid} of that run"
		done
	done
	echo "$$" >"$T/.e2e-pid"
}
