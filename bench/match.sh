#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rule matching benchmark: match_first() (src/match/match.c, Hyperscan) against a plain loop of
# POSIX regexec() calls over the same rules in order, on the same generated site: NODES clients
# (10000) and RULES rules (1000), REPS repetitions (7) interleaved, medians. Also the compile
# time of the whole rule set. The work is done by build/bench/bin/match (bench/match.c, which
# says how the site is generated); this script builds it, runs it and keeps its outputs:
# build/bench/match.txt (the table), build/bench/match.json (with the machine), and the site in
# build/bench/match/{rules.txt,nodes.tsv}. See bench/README.md ("Rule matching").
#
#	bench/match.sh
#	NODES=20000 RULES=5000 REPS=3 bench/match.sh
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${NODES:-10000}
RULES=${RULES:-1000}
REPS=${REPS:-7}
SEED=${SEED:-1}
OUT=build/bench
BIN=build/bench/bin/match

# One C file and src/match/match.c, built by the Makefile's rule (libhs from scripts/deps.sh).
if [[ -z "${MAKELEVEL:-}" ]]; then
	make --no-print-directory -q "$BIN" 2>/dev/null || make --no-print-directory "$BIN"
fi
mkdir -p "$OUT/match"

echo "bench/match: $RULES rules, $NODES clients, $REPS reps" >&2
rc=0
"$BIN" -n "$NODES" -r "$RULES" -k "$REPS" -s "$SEED" -d "$OUT/match" -j >"$OUT/match.raw" ||
	rc=$?
grep -v '^{' "$OUT/match.raw" | tee "$OUT/match.txt"
result=$(grep '^{' "$OUT/match.raw" || echo null)
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
hs=$(pkg-config --modversion libhs 2>/dev/null || echo unknown)
printf '{"date": "%s", "revision": "%s", "machine": {"cpus": %d, "cpu_model": "%s", ' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$rev" "$(nproc)" "$model" >"$OUT/match.json"
printf '"kernel": "%s", "hyperscan": "%s"}, "result": %s}\n' "$(uname -r)" "$hs" "$result" \
	>>"$OUT/match.json"
rm -f "$OUT/match.raw"
if ((rc)); then
	echo "bench/match: FAILED (exit status $rc): see above" >&2
fi
exit "$rc"
