#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The test runner behind `make test` (which builds everything first). Runs, in order:
#   1. every unit test binary under $BUILD/tests/unit/, then those under $BUILD/tests/bpf/
#   2. every tests/integration/*.sh, then every tests/e2e/*.sh
#   3. every fuzzer build/fuzz/fuzz_* for $FUZZ_TIME seconds on a copy of its seed corpus
# Each test prints "ok NAME", "FAIL NAME: reason" or "skip NAME: reason" lines; they are echoed
# and counted. A program that exits non-zero (or crashes, or times out) without printing a FAIL
# line counts as one failure named after the program. The last line is
#   N passed, N failed, N skipped
# and the exit status is non-zero when something failed or nothing ran.
#
# Environment: SANITIZE=1 takes unit tests and the server from build/asan (as make does);
# BUILD overrides the build dir, FUZZ_DIR the fuzzers' (build/fuzz); FUZZ_TIME (15) seconds
# per fuzzer; TEST_TIMEOUT (600) seconds per test script, UNIT_TIMEOUT (120) per unit test
# binary; ONLY=REGEX runs only the programs whose path matches.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

if [[ -z "${BUILD:-}" ]]; then
	if [[ "${SANITIZE:-}" == 1 ]]; then BUILD=build/asan; else BUILD=build; fi
fi
export BOOTHERD=${BOOTHERD:-$PWD/$BUILD/bootherd}
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_TIME=${FUZZ_TIME:-15}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
ONLY=${ONLY:-}

npass=0
nfail=0
nskip=0
nran=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bootherd-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_one NAME SECONDS CMD...: runs CMD under a timeout, echoes and counts its result lines.
run_one()
{
	local name=$1 lim=$2 out=$tmp/out rc line nf=0 last
	shift 2
	[[ -n "$ONLY" && ! "$name" =~ $ONLY ]] && return 0
	nran=$((nran + 1))
	# The program's stdout is both shown as it comes and kept for counting.
	timeout -k 10 "$lim" "$@" </dev/null | tee "$out"
	rc=${PIPESTATUS[0]}
	last=$(tail -n 1 "$out")
	while IFS= read -r line; do
		case $line in
		"ok "*) npass=$((npass + 1)) ;;
		"FAIL "*) nfail=$((nfail + 1)); nf=$((nf + 1)) ;;
		"skip "*) nskip=$((nskip + 1)) ;;
		esac
	done <"$out"
	# A hang or a crash is a failure of its own even after FAIL lines: those do not explain
	# the cases that never ran. A plain non-zero exit is expected after a FAIL line.
	if ((rc == 124 || rc == 137)); then
		nfail=$((nfail + 1))
		echo "FAIL $name: timed out after $lim s${last:+ (last line: $last)}"
	elif ((rc > 128)); then
		nfail=$((nfail + 1))
		echo "FAIL $name: killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))${last:+ after: $last}"
	elif ((rc != 0 && nf == 0)); then
		nfail=$((nfail + 1))
		echo "FAIL $name: exit status $rc without a FAIL line"
	fi
}

# 1. Unit tests, then the BPF tests (bpf_prog_test_run on fixtures).
for dir in unit bpf; do
	[[ -d $BUILD/tests/$dir ]] || continue
	while IFS= read -r bin; do
		run_one "${bin#"$BUILD"/tests/"$dir"/}" "$UNIT_TIMEOUT" "$bin"
	done < <(find "$BUILD/tests/$dir" -type f -name 'test_*' -perm -u+x | sort)
done

# 2. Shell tests.
for s in tests/integration/*.sh tests/e2e/*.sh; do
	[[ -f $s ]] || continue
	run_one "$s" "$TEST_TIMEOUT" bash "$s"
done

# 3. Fuzzers: a short run each on a scratch copy of the seed corpus (libFuzzer adds to the
# corpus it is given). Crash inputs are kept in $FUZZ_DIR/crashes/ for reproduction.
run_fuzzer()
{
	local f=$1 name corpus log rc
	name=$(basename "$f")
	corpus=$tmp/corpus-$name
	log=$tmp/$name.log
	mkdir -p "$corpus" "$FUZZ_DIR/crashes"
	if [[ -d tests/fuzz/corpus/$name ]]; then
		cp -r "tests/fuzz/corpus/$name/." "$corpus/"
	fi
	timeout -k 10 $((FUZZ_TIME + 120)) "$f" -max_total_time="$FUZZ_TIME" -timeout=10 \
		-print_final_stats=0 -artifact_prefix="$FUZZ_DIR/crashes/$name-" "$corpus" \
		</dev/null >"$log" 2>&1
	rc=$?
	if ((rc == 0)); then
		echo "ok $name"
		return 0
	fi
	echo "FAIL $name: exit status $rc; $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|deadly signal|timeout after' "$log" || echo 'see log')"
	tail -n 30 "$log" | sed 's/^/# /' >&2
	return 1
}
for f in "$FUZZ_DIR"/fuzz_*; do
	[[ -f $f && -x $f ]] || continue
	[[ -n "$ONLY" && ! "$f" =~ $ONLY ]] && continue
	nran=$((nran + 1))
	if run_fuzzer "$f"; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
done

echo "$npass passed, $nfail failed, $nskip skipped"
if ((nran == 0)); then
	echo "# nothing ran" >&2
	exit 1
fi
((nfail == 0))
