#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages bootherd needs to build and test, plus any names given as
# arguments (bench/ passes its own list). Quiet when nothing is missing. Needs root only when
# something must be installed; otherwise it prints the command to run and exits 1.
set -euo pipefail

pkgs=(gcc make pkg-config liburing-dev libyaml-dev clang libclang-rt-14-dev tftp-hpa atftp
      curl busybox pxelinux syslinux-common iproute2 procps python3 ovmf ipxe
      wget apache2-utils nghttp2-client aria2 libsqlite3-dev
      dhcpcd-base isc-dhcp-client python3-scapy ethtool libhyperscan-dev rsync libxxhash-dev
      nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common qemu-system-x86 ipxe-qemu kea-admin
      libbpf-dev libxdp-dev bpftool "$@")

missing=()
for p in "${pkgs[@]}"; do
	[[ -n "$p" ]] || continue
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done

((${#missing[@]} == 0)) && exit 0

if ((EUID != 0)); then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
