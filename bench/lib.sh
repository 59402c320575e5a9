# SPDX-License-Identifier: MIT
# Sourced by the bench scripts: what their reports share.

# awk functions of every report: the median of a space-separated list, a number or "-", a JSON
# number or null, a ratio or "", a right-aligned column. Prepend to a program: "$BENCH_AWK_LIB"'...'
# shellcheck disable=SC2016
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
export BENCH_AWK_LIB
