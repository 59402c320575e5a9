#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Entry point of the benchmarks (`make bench` runs it): installs what they need, builds bootherd
# when called by hand, then runs each benchmark. Knobs are environment variables: see
# bench/README.md (REPS=, SERVERS=, CLIENTS=, ...). CLIENT= is the list of TFTP client programs,
# "atftp tftpload" by default: bench/tftp.sh runs once with each, in that order, each writing its
# own build/bench/tftp-CLIENT.{txt,json,raw.tsv}. BENCHES= chooses the benchmarks, "tftp http dhcp
# xdp match reload bootstorm" by default (BENCHES=dhcp make bench: only DHCP); each script also runs
# on its own.
set -euo pipefail
cd "$(dirname "$0")/.."

# iperf3 gives the loopback UDP limit; tftpd-hpa is a peer; atftp is one client for all servers
# (and probes the windowsize each agrees to), build/bench/bin/tftpload the other. atftpd (the
# other peer) conflicts with tftpd-hpa as a package: bench/tftp.sh unpacks it privately under
# build/peers/.
# gnuplot-nox draws bench/bootstorm.sh's plot; jq reads bpftool's and dhcpflood's JSON in
# bench/xdp.sh.
pkgs=(iperf3 tftpd-hpa atftp iproute2 util-linux gnuplot-nox jq)
if [[ -x scripts/deps.sh ]]; then
	scripts/deps.sh "${pkgs[@]}"
else
	missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if ((${#missing[@]})); then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
fi

# Under make, `make bench` has just built both (all and the bench binaries).
[[ -n "${MAKELEVEL:-}" ]] || make --no-print-directory all build/bench/bin/tftpload

# Each client gets its full run (servers started afresh, warm-up, every case, iperf3), one after
# the other; a failed run does not stop the next, but makes this script fail.
rc=0
for bench in ${BENCHES:-tftp http dhcp xdp match reload bootstorm}; do
	case $bench in
	tftp)
		for client in ${CLIENT:-atftp tftpload}; do
			echo "bench: TFTP with the $client client" >&2
			CLIENT=$client bench/tftp.sh || rc=1
		done
		;;
	http) bench/http.sh || rc=1 ;;
	# kea-dhcp4, perfdhcp (kea-admin) and dnsmasq: bench/dhcp.sh installs them through
	# scripts/deps.sh, as bench/http.sh does nginx.
	dhcp) bench/dhcp.sh || rc=1 ;;
	# The XDP fast path against bootherd's user-space path, kea-dhcp4 and dnsmasq, with
	# build/bench/bin/dhcpflood as the client (bench/xdp.sh installs kea and dnsmasq itself).
	xdp) bench/xdp.sh || rc=1 ;;
	# No server, no network: match_first() against a regexec() loop, in one process.
	match) bench/match.sh || rc=1 ;;
	# A 10k-node, 1k-rule inventory reloaded under TFTP load.
	reload) bench/reload.sh || rc=1 ;;
	# NODES simulated nodes booting at once against bootherd and the classic stack
	# (dnsmasq, nginx), side by side, with the iperf3 floor (bench/bootstorm.sh).
	bootstorm) bench/bootstorm.sh || rc=1 ;;
	*) echo "bench: unknown benchmark '$bench' (known: tftp http dhcp xdp match reload bootstorm)" >&2; rc=1 ;;
	esac
done
exit "$rc"
