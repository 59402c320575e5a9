#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`'s demo: the script builds the PXELINUX tree from the distro's syslinux files and
# serves it; PXELINUX's own sequence of fetches works against it.
. "$(dirname "$0")/../lib.sh"

if ! why=$(have_server); then
	skip demo "$why"
	exit 0
fi
if [[ "$BOOTHERD_TEST_SERVER" != bootherd ]]; then
	skip demo "the demo script starts bootherd itself"
	exit 0
fi
cd "$TOP" || exit 1
port=$(free_port)
hport=$(free_port)
SERVER_LOG=$T/demo.log
(trap - INT QUIT; exec setsid scripts/run-demo.sh "$BOOTHERD" --tftp-port "$port" \
	--http-port "$hport") >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
track_pid "$SERVER_PID"
for ((i = 0; i < 100; i++)); do
	grep -qw ready "$SERVER_LOG" && break
	sleep 0.1
done
if ! grep -q "serving .* over TFTP on 127.0.0.1:$port and HTTP on 127.0.0.1:$hport" \
	"$SERVER_LOG"; then
	fail demo_prints_what_it_serves "no banner naming the port"
else
	ok demo_prints_what_it_serves
fi
# What PXELINUX fetches, in order: itself, ldlinux.c32, config probes, default, menu modules.
for f in pxelinux.0 ldlinux.c32 menu.c32 libutil.c32; do
	src=/usr/lib/syslinux/modules/bios/$f
	[[ $f == pxelinux.0 ]] && src=/usr/lib/PXELINUX/pxelinux.0
	atftp -g -r "$f" -l "$T/$f" --option "blksize 1408" --option "tsize 0" 127.0.0.1 "$port" \
		>/dev/null 2>&1
	check_cmp "$src" "$T/$f" "demo_serves_$f"
done
start=$(date +%s%N)
misses=0
for probe in 01-52-54-00-12-34-56 7F000001 7F00000 7F0000 7F000 7F00 7F0 7F 7; do
	out=$(tftp -m binary 127.0.0.1 "$port" -c get "pxelinux.cfg/$probe" "$T/probe" 2>&1)
	[[ "$out" == *"Error code 1"* ]] && misses=$((misses + 1))
done
ms=$((($(date +%s%N) - start) / 1000000))
if ((misses == 9)); then
	ok demo_config_probes_answered_not_found
	note "9 PXELINUX probes answered with error 1 in $ms ms"
else
	fail demo_config_probes_answered_not_found "$misses of 9 probes got error 1"
fi
if curl -s -o "$T/default" "tftp://127.0.0.1:$port/pxelinux.cfg/default" &&
	grep -q "^default menu.c32" "$T/default" && grep -q "append initrd=" "$T/default"; then
	ok demo_serves_menu
else
	fail demo_serves_menu "pxelinux.cfg/default missing or not a menu"
fi
curl -s -o "$T/ldlinux.http" "http://127.0.0.1:$hport/ldlinux.c32"
check_cmp /usr/lib/syslinux/modules/bios/ldlinux.c32 "$T/ldlinux.http" demo_serves_http
