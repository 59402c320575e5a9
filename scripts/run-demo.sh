#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: prepare a demo boot tree from the distro's syslinux files and serve it with the
# embedded default configuration (loopback, TFTP 6969). Ctrl-C stops the server.
# Usage: scripts/run-demo.sh [BINARY [SERVE-OPTIONS...]] (the tests pass the ports).
set -euo pipefail

bin=${1:-build/bootherd}
shift || true
port=6969
hport=8080
for ((i = 1; i <= $#; i++)); do
	j=$((i + 1))
	[[ "${!i}" == --tftp-port ]] && port=${!j}
	[[ "${!i}" == --http-port ]] && hport=${!j}
done
root=build/demo-root
pxe=/usr/lib/PXELINUX/pxelinux.0
mods=/usr/lib/syslinux/modules/bios

mkdir -p "$root/pxelinux.cfg"
install -m 0644 "$pxe" "$root/pxelinux.0"
for m in ldlinux.c32 menu.c32 libutil.c32; do
	install -m 0644 "$mods/$m" "$root/$m"
done
cat > "$root/pxelinux.cfg/default" <<'CFG'
# Demo menu served by `make run`: the shape of a diskless cluster's default entry.
default menu.c32
prompt 0
timeout 50
menu title bootherd demo

label diskless
	menu label Diskless node (NFS root)
	kernel vmlinuz
	append initrd=initrd.img root=nfs:127.0.0.1:/srv/diskless/default ip=dhcp rw
CFG

cat <<MSG
bootherd demo: serving $(realpath "$root") over TFTP on 127.0.0.1:$port and HTTP on 127.0.0.1:$hport
  $(cd "$root" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')

Fetch a file from another terminal, for example:
  tftp -m binary 127.0.0.1 $port -c get pxelinux.0 /tmp/pxelinux.0
  atftp -g -r ldlinux.c32 -l /tmp/ldlinux.c32 --option "blksize 1468" --option "windowsize 16" 127.0.0.1 $port
  curl -o /tmp/default tftp://127.0.0.1:$port/pxelinux.cfg/default
  curl -o /tmp/ldlinux.c32 http://127.0.0.1:$hport/ldlinux.c32   (the same files over HTTP)

Ctrl-C stops the server.
MSG
exec "$bin" serve --root "$root" "$@"
