#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Reload under load drops nothing. The server starts with a generated inventory of 2000 nodes;
# four fetch loops run at once (TFTP of a generated PXELINUX config with tftp-hpa, TFTP of a
# 4 MiB file with curl, HTTP of a node's iPXE script, HTTP of a 16 MiB file; the two files
# checked with cmp) while the config is rewritten twelve times, by SIGHUP and by renaming a
# new file over it in turn. Every good edit must show in the answers (a marker in the
# command lines; a node's profile changed and back; nodes added and removed); two bad edits
# (an unknown profile, broken YAML) must leave the old answers in place and say why in the
# log. At the end every fetch of every loop must have succeeded. About 20 s.
#
#	tests/integration/reload.sh
#
# SIGHUP edits write the new text through a hard link in another directory: the server watches
# the config file's directory, so a write there would reload it by itself, and the SIGHUP
# would not be what is tested.

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_bootherd reload "reloads are bootherd's (BOOTHERD_TEST_SERVER=$BOOTHERD_TEST_SERVER)"
for c in tftp curl python3 ss cmp; do
	if ! command -v "$c" >/dev/null; then
		skip reload "$c not installed (scripts/deps.sh)"
		exit 0
	fi
done

NODES=2000
ROOT=$T/root
ETC=$T/etc		# the config file's directory, which the server watches
STORE=$T/store		# a second link to the config file, for SIGHUP edits
CONF=$ETC/bootherd.yaml
mkdir -p "$ROOT" "$ETC" "$STORE" "$T/loops"
chmod 755 "$ROOT" "$ETC" "$STORE"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$ROOT/f4m"
head -c $((16 * 1024 * 1024)) /dev/urandom >"$ROOT/f16m"
chmod 644 "$ROOT/f4m" "$ROOT/f16m"

TP=$(free_port)
HP=$(free_port)
while [[ "$HP" == "$TP" ]]; do HP=$(free_port); done

# gen.py OUT MARK [key=value...]: the config, with "gen=MARK" in every command line.
#   nodes=N      how many nodes (n00000 ...); node i: MAC 52:54:01:<i as 3 bytes>,
#                IP 10.20.<i/250>.<i%250+1>, profile diskless (i%3 == 0), rescue (1), none (2:
#                the MAC rule gives them local)
#   p42=NAME     the profile of node n00042
#   bad=profile  one node names a profile there is none of
#   bad=syntax   the file ends in the middle of a flow sequence
cat >"$T/gen.py" <<'EOF'
import sys

out, mark = sys.argv[1], sys.argv[2]
opt = dict(a.split("=", 1) for a in sys.argv[3:])
n = int(opt.get("nodes", "2000"))
tp, hp, root = opt["tftp"], opt["http"], opt["root"]
lines = [
    "listen: 127.0.0.1",
    "workers: 2",
    "tftp:",
    "  port: %s" % tp,
    "http:",
    "  port: %s" % hp,
    "limits:",
    "  client_rate: 0",
    "roots:",
    "  - path: %s" % root,
    "profiles:",
    "  diskless:",
    "    label: diskless6",
    "    kernel: diskless/vmlinuz",
    "    initrd: diskless/initrd.img",
    '    cmdline: "root=nfs:${server}:${root} ro hostname=${hostname} gen=%s"' % mark,
    "    root: /srv/nfs/diskless6",
    "  rescue:",
    "    kernel: rescue/vmlinuz",
    '    cmdline: "rd.shell hostname=${hostname} gen=%s"' % mark,
    "  local:",
    "    localboot: true",
    "rules:",
    '  - match: {mac: "^52:54:01"}',
    "    profile: local",
    "nodes:",
]
for i in range(n):
    prof = ["diskless", "rescue", None][i % 3]
    if i == 42 and "p42" in opt:
        prof = opt["p42"]
    if i == 100 and opt.get("bad") == "profile":
        prof = "nosuch"
    lines.append("  - name: n%05d" % i)
    lines.append("    mac: 52:54:01:%02x:%02x:%02x" % (i >> 16, (i >> 8) & 255, i & 255))
    lines.append("    ip: 10.20.%d.%d" % (i // 250, i % 250 + 1))
    if prof:
        lines.append("    profile: %s" % prof)
text = "\n".join(lines) + "\n"
if opt.get("bad") == "syntax":
    text += "extra: [1, 2\n"
with open(out, "w") as f:
    f.write(text)
EOF

gen()
{
	python3 "$T/gen.py" "$@" "tftp=$TP" "http=$HP" "root=$ROOT"
}

gen "$CONF" 1 "nodes=$NODES"
ln "$CONF" "$STORE/bootherd.yaml"
if ! start_bootherd -c "$CONF"; then
	fail reload_server_start "server did not start (see log above)"
	exit 1
fi

# The names of node i.
mac_of()
{
	printf '52-54-01-%02x-%02x-%02x' $(($1 >> 16)) $((($1 >> 8) & 255)) $(($1 & 255))
}

# --- fetches. Each prints why it failed on stdout.
fetch_tftp_cfg()	# NODE OUT: tftp-hpa, a generated PXELINUX config, whole
{
	local name out=$2
	name=pxelinux.cfg/01-$(mac_of "$1")
	rm -f "$out"
	if ! timeout --foreground 20 tftp -m binary 127.0.0.1 "$TP" -c get "$name" "$out" \
		>"$out.client" 2>&1 || grep -qE 'Error code|Transfer timed out|tftp:' "$out.client"; then
		echo "tftp-hpa $name: $(tr '\n' ' ' <"$out.client" | cut -c1-120)"
		return 1
	fi
	if [[ $(head -n 1 "$out") != "DEFAULT "* ]] || ! grep -q ' gen=[0-9]*$' "$out"; then
		echo "$name: not a whole config: $(head -c 200 "$out" | tr '\n' '|')"
		return 1
	fi
}

fetch_http_ipxe()	# NODE OUT: curl, a node's iPXE script, whole
{
	local url out=$2
	url=http://127.0.0.1:$HP/boot/$(mac_of "$1").ipxe
	if ! timeout --foreground 20 curl -sSf -o "$out" "$url" 2>"$out.client"; then
		echo "curl $url: $(tr '\n' ' ' <"$out.client" | cut -c1-120)"
		return 1
	fi
	if [[ $(head -n 1 "$out") != '#!ipxe' ]] || [[ $(tail -n 1 "$out") != boot ]] ||
		! grep -q ' gen=[0-9]*$' "$out"; then
		echo "$url: not a whole script: $(head -c 200 "$out" | tr '\n' '|')"
		return 1
	fi
}

fetch_tftp_file()	# NAME OUT: curl over TFTP, checked with cmp
{
	local out=$2
	rm -f "$out"
	if ! timeout --foreground 30 curl -sS --tftp-blksize 1468 -o "$out" "tftp://127.0.0.1:$TP/$1" \
		2>"$out.client"; then
		echo "curl tftp $1: $(tr '\n' ' ' <"$out.client" | cut -c1-120)"
		return 1
	fi
	cmp -s "$ROOT/$1" "$out" || { echo "tftp $1: differs ($(stat -c %s "$out") B)"; return 1; }
}

fetch_http_file()	# NAME OUT: curl over HTTP, checked with cmp
{
	local out=$2
	rm -f "$out"
	if ! timeout --foreground 30 curl -sSf -o "$out" "http://127.0.0.1:$HP/$1" 2>"$out.client"; then
		echo "curl http $1: $(tr '\n' ' ' <"$out.client" | cut -c1-120)"
		return 1
	fi
	cmp -s "$ROOT/$1" "$out" || { echo "http $1: differs ($(stat -c %s "$out") B)"; return 1; }
}

# loop NAME CMD ARGS...: runs CMD ARGS $T/loops/NAME.out until $T/stop appears; counts in
# $T/loops/NAME.count ("OK FAILED" at the end), the reasons in $T/loops/NAME.err.
loop()
{
	local name=$1 nok=0 nfail=0 why
	shift
	: >"$T/loops/$name.err"
	while [[ ! -e "$T/stop" ]]; do
		if why=$("$@" "$T/loops/$name.out"); then
			nok=$((nok + 1))
		else
			nfail=$((nfail + 1))
			echo "$(date +%T.%N | cut -c1-12) $why" >>"$T/loops/$name.err"
		fi
		echo "$nok $nfail" >"$T/loops/$name.count"
	done
}

# Each loop leads a process group of its own (set -m), so that cleanup reaches the client it
# may be waiting for; the clients run under `timeout --foreground`, which stays in that group.
LOOPS=(tftp_cfg tftp_4m http_ipxe http_16m)
loop_pids=()
set -m
loop tftp_cfg fetch_tftp_cfg 7 &
loop_pids+=($!)
loop tftp_4m fetch_tftp_file f4m &
loop_pids+=($!)
loop http_ipxe fetch_http_ipxe 9 &
loop_pids+=($!)
loop http_16m fetch_http_file f16m &
loop_pids+=($!)
set +m
for pid in "${loop_pids[@]}"; do
	track_group "$pid"
done

# --- edits
GEN=1		# the server's generation number, as its log counts them
NSIG=0		# SIGHUP edits, and rename edits: each reloads once
NREN=0

# count REGEX: lines of the server log that match.
count()
{
	grep -cE -- "$1" "$SERVER_LOG"
}

# wait_log REGEX [COUNT]: until the log has COUNT (1) lines that match, up to 10 s.
wait_log()
{
	local i
	for ((i = 0; i < 200; i++)); do
		(($(count "$1") >= ${2:-1})) && return 0
		sleep 0.05
	done
	return 1
}

# edit sighup|rename MARK ARGS...: writes the config (gen.py MARK ARGS) and has it reloaded.
edit()
{
	local how=$1
	shift
	if [[ $how != sighup && $how != rename ]]; then
		echo "# edit: sighup or rename, not '$how'" >&2
		return 1
	fi
	if [[ $how == sighup ]]; then
		# In place, through the other link: no event in the watched directory.
		gen "$STORE/bootherd.yaml" "$@"
		kill -HUP "$SERVER_PID"
		NSIG=$((NSIG + 1))
	else
		# As an editor saves: a new file, renamed over the old one; then the other link
		# follows it, for the next SIGHUP edit.
		gen "$ETC/.bootherd.yaml.new" "$@"
		mv -f "$ETC/.bootherd.yaml.new" "$CONF"
		ln -f "$CONF" "$STORE/bootherd.yaml"
		NREN=$((NREN + 1))
	fi
}

# good_edit CASE sighup|rename ARGS...: a good config with the next generation's marker: the
# log must say "reloaded ... generation N", and both a TFTP config and an iPXE script must
# carry gen=N.
good_edit()
{
	local case=$1 how=$2 why
	shift 2
	GEN=$((GEN + 1))
	edit "$how" "$GEN" "$@"
	if ! wait_log "reloaded .* generation $GEN,"; then
		fail "$case" "$how: no 'reloaded ... generation $GEN' in the log within 10 s"
		return 1
	fi
	if ! why=$(fetch_tftp_cfg 3 "$T/check.cfg"); then
		fail "$case" "after the reload: $why"
		return 1
	fi
	if ! grep -q " gen=$GEN$" "$T/check.cfg"; then
		fail "$case" "generation $GEN is not what TFTP answers: $(grep -m1 APPEND "$T/check.cfg")"
		return 1
	fi
	if ! why=$(fetch_http_ipxe 3 "$T/check.ipxe"); then
		fail "$case" "after the reload: $why"
		return 1
	fi
	if ! grep -q " gen=$GEN$" "$T/check.ipxe"; then
		fail "$case" "generation $GEN is not what HTTP answers: $(grep -m1 kernel "$T/check.ipxe")"
		return 1
	fi
	ok "$case"
}

# bad_edit CASE sighup|rename REASON_REGEX ARGS...: a config that must be refused: the log
# must say why (REASON_REGEX) and that generation $GEN stays, and for a second the answers
# must still be generation $GEN's.
bad_edit()
{
	local case=$1 how=$2 reason=$3 i why nfailed
	shift 3
	nfailed=$(count "reload failed: still serving generation $GEN ")
	edit "$how" 999 "$@"
	if ! wait_log "reload failed: still serving generation $GEN " $((nfailed + 1)); then
		fail "$case" "$how: no 'reload failed: still serving generation $GEN' within 10 s"
		return 1
	fi
	if (($(count "err +reload: .*($reason)") == 0)); then
		fail "$case" "the log does not say why (no 'reload: ...$reason')"
		return 1
	fi
	for ((i = 0; i < 5; i++)); do
		if ! why=$(fetch_tftp_cfg 3 "$T/check.cfg") || ! grep -q " gen=$GEN$" "$T/check.cfg"; then
			fail "$case" "the old answer is gone: ${why:-$(grep -m1 APPEND "$T/check.cfg")}"
			return 1
		fi
		if ! why=$(fetch_http_ipxe 3 "$T/check.ipxe") ||
			! grep -q " gen=$GEN$" "$T/check.ipxe"; then
			fail "$case" "the old answer is gone: ${why:-$(grep -m1 kernel "$T/check.ipxe")}"
			return 1
		fi
		sleep 0.2
	done
	note "$case: $(grep -E "err +reload: .*($reason)" "$SERVER_LOG" | tail -n 1 | sed 's/^[^ ]* //')"
	ok "$case"
}

# profile_is CASE NODE PROFILE_LABEL: the node's PXELINUX config and iPXE script boot it.
profile_is()
{
	local case=$1 node=$2 label=$3 why
	if ! why=$(fetch_tftp_cfg "$node" "$T/p.cfg"); then
		fail "$case" "$why"
	elif [[ $(head -n 1 "$T/p.cfg") != "DEFAULT $label" ]]; then
		fail "$case" "TFTP: n$node boots '$(head -n 1 "$T/p.cfg")', wanted 'DEFAULT $label'"
	elif ! why=$(fetch_http_ipxe "$node" "$T/p.ipxe"); then
		fail "$case" "$why"
	elif ! grep -q "^kernel http://127.0.0.1:$HP/${label%6}/vmlinuz " "$T/p.ipxe"; then
		fail "$case" "HTTP: n$node's script: $(grep -m1 '^kernel' "$T/p.ipxe")"
	else
		ok "$case"
	fi
}

# Let the loops get going before the first reload.
sleep 1
profile_is reload_start_n42_diskless 42 diskless6
good_edit reload_e01_sighup sighup "nodes=$NODES"
good_edit reload_e02_rename_profile_change rename "nodes=$NODES" p42=rescue
profile_is reload_e02_n42_now_rescue 42 rescue
good_edit reload_e03_sighup_add_nodes sighup nodes=$((NODES + 10)) p42=rescue
profile_is reload_e03_new_node_served $((NODES + 7)) diskless6
bad_edit reload_e04_rename_bad_profile rename "unknown profile 'nosuch'" \
	nodes=$((NODES + 10)) p42=rescue bad=profile
profile_is reload_e04_n42_still_rescue 42 rescue
good_edit reload_e05_sighup_after_bad sighup nodes=$((NODES + 10)) p42=rescue
good_edit reload_e06_rename_profile_back rename nodes=$((NODES + 10)) p42=diskless
profile_is reload_e06_n42_diskless_again 42 diskless6
good_edit reload_e07_sighup_remove_nodes sighup "nodes=$NODES" p42=diskless
# Gone from the inventory, the node is a stranger the MAC rule gives local.
name=pxelinux.cfg/01-$(mac_of $((NODES + 7)))
timeout 10 tftp -m binary 127.0.0.1 "$TP" -c get "$name" "$T/gone.cfg" >"$T/gone.client" 2>&1
if [[ $(head -n 1 "$T/gone.cfg" 2>/dev/null) == "DEFAULT local" ]]; then
	ok reload_e07_removed_node_gone
else
	fail reload_e07_removed_node_gone "n$((NODES + 7)), removed, still gets: $(head -c 100 "$T/gone.cfg" 2>/dev/null | tr '\n' '|') $(tr '\n' ' ' <"$T/gone.client")"
fi
good_edit reload_e08_rename rename "nodes=$NODES"
bad_edit reload_e09_sighup_bad_yaml sighup "did not find expected|while parsing" \
	"nodes=$NODES" bad=syntax
good_edit reload_e10_rename_after_bad rename "nodes=$NODES"
good_edit reload_e11_sighup sighup "nodes=$NODES"
good_edit reload_e12_rename rename "nodes=$NODES"
# Let the loops run on the last generation for a moment too.
sleep 1

# Each edit reloaded once, by the way it was made: a SIGHUP edit is not also seen by the watch.
nsig=$(count 'SIGHUP: reloading configuration')
nren=$(count 'changed: reloading configuration')
if ((nsig == NSIG && nren == NREN)); then
	ok reload_each_edit_once "$NSIG by SIGHUP, $NREN by the file watch"
else
	fail reload_each_edit_once "$nsig SIGHUP reloads for $NSIG SIGHUP edits, $nren file-watch reloads for $NREN rename edits"
fi

# --- the loops: stop them, then every fetch must have succeeded.
touch "$T/stop"
for pid in "${loop_pids[@]}"; do
	wait "$pid"
done
for l in "${LOOPS[@]}"; do
	read -r nok nfail <"$T/loops/$l.count" 2>/dev/null || { nok=0; nfail=0; }
	if ((nfail > 0)); then
		fail "reload_load_$l" "$nfail of $((nok + nfail)) fetches failed; first: $(head -n 1 "$T/loops/$l.err")"
	elif ((nok < 5)); then
		fail "reload_load_$l" "only $nok fetches in the whole run"
	else
		ok "reload_load_$l" "$nok fetches, none failed"
	fi
done

if ! server_alive; then
	fail reload_server_exit_0 "the server died"
elif stop_bootherd TERM; then
	ok reload_server_exit_0
else
	fail reload_server_exit_0 "exit status $? after SIGTERM"
fi
