#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Entry point of the benchmarks (`make bench` runs it): installs what they need, builds bootherd
# when called by hand, then runs each benchmark. Knobs are environment variables: see
# bench/README.md (REPS=, SERVERS=, CLIENTS=, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

# iperf3 gives the loopback UDP limit; tftpd-hpa is a peer; atftp is the one client for all
# servers. atftpd (the other peer) conflicts with tftpd-hpa as a package: bench/tftp.sh unpacks
# it privately under build/peers/.
pkgs=(iperf3 tftpd-hpa atftp iproute2 util-linux)
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

# Under make, the `bench: deps all` prerequisites have just built it.
[[ -n "${MAKELEVEL:-}" ]] || make --no-print-directory all

bench/tftp.sh
