# SPDX-License-Identifier: MIT
"""Hand-made DHCP exchanges for tests/integration/xdp_dhcp.sh (the XDP fast path), run in the
client network namespace with /usr/bin/python3 and python3-scapy. The packets, the AF_PACKET
link and the reply parser are dhcp_scapy.py's.

	xdp_dhcp_scapy.py --iface IF --server IP COMMAND ARGS...

Commands (result lines "ok NAME" / "FAIL NAME: reason", comments "# ..."):
	requests MAC IP WRONG  a known node's REQUESTs: for IP with our server id (ACK with IP),
	                       for WRONG with our server id (NAK), for IP with another server's id
	                       (no reply at all)
	dora MAC IP PAD NAME   DISCOVER and REQUEST as a PXE BIOS client, payloads padded to PAD
	                       bytes (PXE ROMs send 548): an OFFER and an ACK of IP, pxelinux.0
	stale MAC SECS READY KILLED
	                       once the link is open, touches READY and waits for KILLED (the
	                       server's kill -9 time, epoch seconds, written by the shell); then
	                       a DISCOVER from MAC every 0.25 s for SECS seconds: the replies must
	                       stop within STALE_LIMIT seconds of the kill and not come back
"""

import os
import sys
import time

import dhcp_scapy as ds
from dhcp_scapy import (ACK, DISCOVER, MSG, NAK, REQUEST, expect, fail, frame, ip4, note, opt,
                        payload, req_dump, xid)

OTHER_SERVER = "10.91.0.254"
STALE_LIMIT = 6.5       # the program's 5 s without a heartbeat, plus the 1 s heartbeat period


def request(link, mac, want, sid, timeout=1.5):
    x = xid()
    d = payload(REQUEST, mac, x, [opt(50, ip4(want)), opt(54, ip4(sid)),
                                  opt(55, bytes([1, 3, 6, 51, 54]))])
    link.send(frame(mac, d))
    r = link.replies(x, timeout)
    return (r[0] if r else None), d


def desc(r):
    return "%s yiaddr %s" % (MSG.get(r.mtype, "type %d" % r.mtype), r.yiaddr) if r else "nothing"


def cmd_requests(link, mac, good, wrong):
    r, d = request(link, mac, good, ds.A.server)
    expect("xdp_request_own_address_ack", r is not None and r.mtype == ACK and r.yiaddr == good,
           "REQUEST for %s (the node's address) with our server id: want ACK %s, got %s" % (
               good, good, desc(r)), req_dump(d), r.dump() if r else "")
    r, d = request(link, mac, wrong, ds.A.server)
    expect("xdp_request_wrong_address_nak",
           r is not None and r.mtype == NAK and r.yiaddr == "0.0.0.0" and
           r.addr(54) == ds.A.server,
           "REQUEST for %s (not the node's %s) with our server id: want NAK from %s, got %s"
           % (wrong, good, ds.A.server, desc(r)), req_dump(d), r.dump() if r else "")
    r, d = request(link, mac, good, OTHER_SERVER)
    expect("xdp_request_other_server_ignored", r is None,
           "REQUEST for %s naming server %s: want no reply, got %s" % (
               good, OTHER_SERVER, desc(r)), req_dump(d), r.dump() if r else "")


def cmd_dora(link, mac, ip, pad, name):
    opts = ds.pxe_opts(0, "PXEClient:Arch:00000:UNDI:002001", uuid=False)
    x = xid()
    d1 = payload(DISCOVER, mac, x, opts, pad_to=pad)
    off = link.xchg(frame(mac, d1), x, 1.5)
    if off is None or off.mtype != ds.OFFER or off.yiaddr != ip:
        fail(name, "DISCOVER (%d B) from %s: want OFFER %s, got %s" % (len(d1), mac, ip, desc(off)),
             req_dump(d1), off.dump() if off else "")
        return
    d2 = payload(REQUEST, mac, x, [opt(50, ip4(ip)), opt(54, ip4(ds.A.server))] + opts,
                 pad_to=pad)
    ack = link.xchg(frame(mac, d2), x, 1.5)
    expect(name, ack is not None and ack.mtype == ACK and ack.yiaddr == ip and
           ack.bootfile() == "pxelinux.0" and ack.siaddr == ds.A.server,
           "REQUEST (%d B) for %s: want ACK %s with pxelinux.0 from %s, got %s" % (
               len(d2), ip, ip, ds.A.server, desc(ack)), req_dump(d2), ack.dump() if ack else "")


def cmd_stale(link, mac, secs, ready, killed):
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())
    end = time.monotonic() + 10
    while not os.path.exists(killed) and time.monotonic() < end:
        time.sleep(0.02)
    try:
        with open(killed) as f:
            t_kill = float(f.read().strip())
    except (OSError, ValueError):
        fail("xdp_kill9_fast_path_goes_quiet", "the shell never wrote the kill time")
        return
    answered = []
    n = 0
    end = time.time() + secs
    while time.time() < end:
        x = xid()
        t = time.time()
        link.send(frame(mac, payload(DISCOVER, mac, x, [opt(55, bytes([1, 3, 51, 54]))])))
        n += 1
        if link.replies(x, 0.25):
            answered.append(t - t_kill)
        rest = t + 0.25 - time.time()
        if rest > 0:
            time.sleep(rest)
    last = max(answered) if answered else None
    note("%d DISCOVERs over %.1f s after the kill; %d answered%s" % (
        n, secs, len(answered),
        ", the last %.2f s after the kill" % last if answered else ""))
    if last is None:
        note("no answer at all after the kill (the first probe went out %.2f s after it)" %
             (end - secs - t_kill))
    expect("xdp_kill9_fast_path_goes_quiet", last is None or last < STALE_LIMIT,
           "the fast path still answered %.2f s after the server's kill -9 (want < %.1f s)" %
           (last or 0, STALE_LIMIT))


def main():
    import argparse
    import random
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ds.A = ap.parse_args()
    ds.A.kind = "bootherd"
    ds.A.mac_base = 0
    random.seed()
    link = ds.Link(ds.A.iface)
    try:
        if ds.A.cmd == "requests":
            cmd_requests(link, *ds.A.args)
        elif ds.A.cmd == "dora":
            a = ds.A.args
            cmd_dora(link, a[0], a[1], int(a[2]), a[3])
        elif ds.A.cmd == "stale":
            a = ds.A.args
            cmd_stale(link, a[0], float(a[1]), a[2], a[3])
        else:
            fail("xdp_scapy_" + ds.A.cmd, "unknown command")
    except Exception as e:      # report, so that the shell does not count a silent helper
        fail("xdp_scapy_" + ds.A.cmd, "helper error: %r" % e)


if __name__ == "__main__":
    main()
    sys.exit(1 if ds.RESULTS["fail"] else 0)
