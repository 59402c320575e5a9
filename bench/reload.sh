#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reload time of a large inventory: NODES nodes (default 10000), RULES match rules (default
# 1000) and a few profiles, generated into build/bench/reload/. bootherd serves it on loopback
# while a TFTP client keeps fetching a generated pxelinux.cfg file; the script edits the file
# 2 x REPS times (default 10) and reads the server's own "reloaded ... in X ms" line, which times
# the whole reload: read, parse, validate, index, compile the rules, swap. The reloads come from
# bootherd's watch on the file (each edit is a `sed -i`, a rename, as editors do); SIGHUP takes
# the same path. Prints the median and
# the range, and whether any fetch failed during the reloads.
#
#	bench/reload.sh
#	NODES=20000 RULES=2000 REPS=20 bench/reload.sh
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${NODES:-10000}
RULES=${RULES:-1000}
REPS=${REPS:-10}
OUT=$PWD/build/bench/reload
BIN=build/bootherd
mkdir -p "$OUT/root"
[[ -n "${MAKELEVEL:-}" ]] || make --no-print-directory all >/dev/null

python3 - "$NODES" "$RULES" "$OUT" <<'EOF'
import sys
nodes, rules, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(f"{out}/inventory.yaml", "w") as f:
    f.write(f"listen: 127.0.0.1\nlog: {{level: info}}\ntftp: {{port: 16970}}\n"
            f"http: {{enabled: false}}\nlimits: {{client_rate: 0}}\n"
            f"roots: [{{path: {out}/root}}]\n")
    f.write("profiles:\n")
    for p in ("diskless", "compute", "gpu", "rescue"):
        f.write(f"  {p}:\n    kernel: {p}/vmlinuz\n    initrd: {p}/initrd.img\n"
                f"    cmdline: \"root=nfs:${{server}}:/srv/roots/{p} ip=dhcp ro\"\n")
    f.write("groups:\n  rack: {profile: compute}\n")
    f.write("rules:\n")
    kinds = ("diskless", "compute", "gpu", "rescue")
    for i in range(rules):
        k = i % 5
        if k == 0:
            m = f"{{mac: '^52:54:{i >> 8 & 255:02x}:{i & 255:02x}:'}}"
        elif k == 1:
            m = f"{{hostname: '^cn{i:04d}[0-9]$'}}"
        elif k == 2:
            m = f"{{vendor: '^PXEClient:Arch:0000{i % 10}', arch: '^0000[79]'}}"
        elif k == 3:
            m = f"{{subnet: '^10\\\\.{i % 250}\\\\.', hostname: 'gpu{i}'}}"
        else:
            m = f"{{uuid: '^{i:08x}-', user_class: 'iPXE'}}"
        f.write(f"  - {{match: {m}, profile: {kinds[i % 4]}}}\n")
    f.write("nodes:\n")
    for i in range(nodes):
        mac = f"02:00:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}:01"
        a = i // 250
        ip = f"10.{a // 250}.{a % 250}.{i % 250 + 1}"
        prof = "" if i % 3 else f", profile: {kinds[i % 4]}"
        grp = ", group: rack" if i % 3 == 1 else ""
        tags = ", tags: [edit0]" if i == 0 else ""
        f.write(f"  - {{name: cn{i:05d}, mac: '{mac}', ip: {ip}{prof}{grp}{tags}}}\n")
EOF
printf "inventory: %s bytes, " "$(stat -c %s "$OUT/inventory.yaml")"
echo "$NODES nodes, $RULES rules"

"$BIN" check -c "$OUT/inventory.yaml" | tail -1 || true
"$BIN" serve -c "$OUT/inventory.yaml" >"$OUT/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q ready "$OUT/server.log" && break; sleep 0.1; done
grep -q ready "$OUT/server.log" || { cat "$OUT/server.log"; exit 1; }

# A client fetching a generated config the whole time: every fetch must succeed.
fails=0 fetches=0
(
	f=0 n=0
	while [[ ! -e "$OUT/stop" ]]; do
		n=$((n + 1))
		tftp 127.0.0.1 16970 -c get pxelinux.cfg/01-02-00-00-00-03-01 "$OUT/got" 2>/dev/null &&
			grep -q KERNEL "$OUT/got" || f=$((f + 1))
	done
	echo "$n $f" >"$OUT/fetches"
) &
fetcher=$!
rm -f "$OUT/stop"
# First the common case, an inventory edit (the rules stay as they were and their compiled
# databases are kept), then REPS reloads that each change one rule, so Hyperscan recompiles.
for i in $(seq "$REPS"); do
	sed -i "s/tags: \[edit[0-9]*\]/tags: [edit$i]/" "$OUT/inventory.yaml"
	sleep 0.5
done
for i in $(seq "$REPS"); do
	sed -i "0,/^  - {match: {mac: '[^']*'}/s//  - {match: {mac: '^52:54:00:00:$i'}/" \
		"$OUT/inventory.yaml"
	sleep 1.5
done
touch "$OUT/stop"
wait "$fetcher"
rm -f "$OUT/stop"
read -r fetches fails <"$OUT/fetches"

grep -o 'reloaded .* in [0-9.]* ms' "$OUT/server.log" | awk '{print $(NF-1)}' >"$OUT/ms"
n=$(wc -l <"$OUT/ms")
((n == 2 * REPS)) || { echo "only $n of $((2 * REPS)) reloads logged"; tail "$OUT/server.log"; exit 1; }
summary() {
	sort -n | awk -v what="$1" '{a[NR]=$1} END {
		m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
		printf "%-28s median %7.1f ms  (min %.1f, max %.1f, %d reloads)\n", what, m, a[1], a[NR], NR }'
}
head -n "$REPS" "$OUT/ms" | summary "reload, inventory edited:"
tail -n "$REPS" "$OUT/ms" | summary "reload, one rule changed:"
echo "fetches during reloads: $fetches, failed: $fails"
((fails == 0))
