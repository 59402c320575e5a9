#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# A router-advertisement-only responder for the QEMU boot test (tests/e2e/diskless_boot.sh).
#
# iPXE configures IPv6 alongside DHCPv4 and waits for a router advertisement before it goes
# on: on a link without one it waits about 13 s per boot. This answers each router
# solicitation (and repeats every second to all nodes) with an advertisement that ends that
# wait and changes nothing else: router lifetime 0 (not a default router), no prefix, no
# M or O flag (no DHCPv6). It is no part of bootherd, which does not do IPv6.
#
#	ra.py IFNAME
#
# Runs until killed. Sending fails while the link has no carrier (no guest yet): ignored.

import select
import socket
import struct
import sys
import time

ICMP6_RS = 133
ICMP6_RA = 134


def main():
    ifname = sys.argv[1]
    idx = socket.if_nametoindex(ifname)
    with open(f"/sys/class/net/{ifname}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))

    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    # RFC 4861 6.1.2: a receiver drops an RA whose hop limit is not 255.
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    # Solicitations go to all-routers.
    mreq = socket.inet_pton(socket.AF_INET6, "ff02::2") + struct.pack("@I", idx)
    try:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    except OSError as e:
        print(f"ra.py: joining ff02::2 on {ifname}: {e}", file=sys.stderr)

    # Type, code, checksum (the kernel fills it in for ICMPv6 raw sockets), current hop
    # limit, flags, router lifetime, reachable time, retransmit timer; then the source
    # link-layer address option.
    ra = struct.pack("!BBHBBHII", ICMP6_RA, 0, 0, 64, 0, 0, 0, 0)
    ra += struct.pack("!BB", 1, 1) + mac
    dst = ("ff02::1", 0, 0, idx)

    sent = 0
    last = 0.0
    while True:
        now = time.monotonic()
        wait = max(0.0, last + 1.0 - now)
        r, _, _ = select.select([s], [], [], wait)
        solicited = False
        if r:
            pkt, src = s.recvfrom(2048)
            solicited = len(pkt) >= 1 and pkt[0] == ICMP6_RS
        if solicited or time.monotonic() - last >= 1.0:
            last = time.monotonic()
            try:
                s.sendto(ra, dst)
                sent += 1
                if sent == 1:
                    print(f"ra.py: first advertisement on {ifname}", file=sys.stderr,
                          flush=True)
            except OSError:
                pass


if __name__ == "__main__":
    main()
