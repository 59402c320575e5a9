# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by the bench scripts: what their reports share.

# awk functions of every report: the median of a space-separated list, a number or "-", a JSON
# number or null, a ratio or "", a right-aligned column. Prepend to a program: "$BENCH_AWK_LIB"'...'
# shellcheck disable=SC2016,SC2034,SC2089
BENCH_AWK_LIB='
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v, d) { return v == "" ? "-" : sprintf("%." d "f", v) }
function jnum(v) { return v == "" ? "null" : v + 0 }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "" : a / b }
function pad(s, w) { return sprintf("%" w "s", s) }
'

# A cgroup (v2) per benchmark run, so each server's CPU time can be read from its own child:
# bench_cg_create NAME sets CG (empty when cgroup v2 is not writable here), cg2 (the mount)
# and CG_ORIG (where this script was); bench_cg_remove moves the script back out and removes
# CG and its children once their processes are gone.
bench_cg_create() {
	CG=
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [[ -n "$cg2" ]] && mkdir "$cg2/$1" 2>/dev/null; then
		CG=$cg2/$1
		[[ -r "$CG/cpu.stat" ]] || { rmdir "$CG"; CG=; }
	fi
	CG_ORIG=$(awk -F: '$1 == "0" { print $3; exit }' /proc/self/cgroup)
}

bench_cg_remove() {
	[[ -n "$CG" ]] || return 0
	echo $$ >"$cg2$CG_ORIG/cgroup.procs" 2>/dev/null || echo $$ >"$cg2/cgroup.procs" || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		for s in "$CG"/*/; do [[ -d "$s" ]] && rmdir "$s" 2>/dev/null; done
		rmdir "$CG" 2>/dev/null && break
		sleep 0.1
	done
	[[ ! -d "$CG" ]] || note "could not remove the cgroup $CG"
}
