# SPDX-License-Identifier: MIT
"""A scriptable TFTP client for integration tests: exact packet sequences that stock clients
cannot produce (slow ACKs, lost ACKs, dropped blocks, held sessions).

    python3 tftp_peer.py PORT CASE FILE [ARGS...]

Exits 0 when the case's assertions hold; prints the reason otherwise.
"""
import os
import signal
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def rrq(name, **opts):
    pkt = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    for k, v in opts.items():
        pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
    return pkt


def ack(block):
    return struct.pack("!HH", 4, block & 0xFFFF)


def sock(timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    return s


def recv(s):
    data, addr = s.recvfrom(70000)
    return struct.unpack("!H", data[:2])[0], data, addr


def fetch(port, name, expect, blksize=512, window=1, ack_delay=0.0, on_block=None,
          drop=None):
    """Fetches NAME block by block; on_block(n) is called after each new block; drop(n) says
    whether to pretend block n was lost (for the first time it arrives)."""
    s = sock()
    opts = {"blksize": blksize}
    if window > 1:
        opts["windowsize"] = window
    s.sendto(rrq(name, **opts), (HOST, port))
    out, want, since, dropped, seen = b"", 1, 0, set(), {}
    op, data, peer = recv(s)
    if op != 6:
        raise SystemExit(f"expected OACK, got opcode {op}: {data[:60]!r}")
    s.sendto(ack(0), peer)
    while True:
        op, data, addr = recv(s)
        if addr != peer:
            raise SystemExit(f"DATA from another port {addr} (transfer on {peer})")
        if op != 3:
            raise SystemExit(f"expected DATA, got opcode {op}: {data[:60]!r}")
        blk = struct.unpack("!H", data[2:4])[0]
        seen[blk] = seen.get(blk, 0) + 1
        if drop and blk == want & 0xFFFF and blk not in dropped and drop(blk):
            dropped.add(blk)
            continue
        if blk != want & 0xFFFF:
            # A gap: acknowledge the last in-order block once (RFC 7440).
            if since:
                s.sendto(ack(want - 1), peer)
                since = 0
            continue
        out += data[4:]
        want += 1
        since += 1
        last = len(data) - 4 < blksize
        if on_block:
            on_block(want - 1)
        if last or since >= window:
            if ack_delay:
                time.sleep(ack_delay)
            s.sendto(ack(want - 1), peer)
            since = 0
        if last:
            break
    if out != expect:
        raise SystemExit(f"content differs: got {len(out)} bytes, expected {len(expect)}")
    return seen


def case_reload(port, path, pidfile, staged, conf):
    """A new config renamed over the old one, and SIGHUP, in the middle of a slow transfer:
    the transfer completes intact."""
    expect = open(path, "rb").read()
    pid = int(open(pidfile).read())

    def hup(n):
        if n == 10:
            os.replace(staged, conf)
            os.kill(pid, signal.SIGHUP)
    fetch(port, os.path.basename(path), expect, ack_delay=0.02, on_block=hup)


def case_hold(port, path, count):
    """Opens COUNT transfers and never acknowledges them; prints READY, then waits on stdin."""
    socks = []
    for _ in range(int(count)):
        s = sock()
        s.sendto(rrq(os.path.basename(path), blksize=512), (HOST, port))
        op, data, _ = recv(s)
        if op != 6:
            raise SystemExit(f"held transfer: expected OACK, got {op}")
        socks.append(s)
    print("READY", flush=True)
    sys.stdin.readline()


def case_unanswered(port, path):
    """One request that must get no answer at all within 0.7 s."""
    s = sock(0.7)
    s.sendto(rrq(os.path.basename(path), blksize=512), (HOST, port))
    try:
        op, data, _ = recv(s)
    except socket.timeout:
        return
    raise SystemExit(f"expected no answer, got opcode {op}: {data[:60]!r}")


def case_burst(port, name, n):
    """N requests back to back from one client; prints how many were answered."""
    socks = []
    for _ in range(int(n)):
        s = sock(0.7)
        s.sendto(rrq(name), (HOST, port))
        socks.append(s)
    answered = 0
    for s in socks:
        try:
            recv(s)
            answered += 1
        except socket.timeout:
            pass
    print(answered)


def case_retransmit(port, path):
    """Never ACK DATA 1 the first time: the server resends it, later than the first timeout,
    and the transfer then completes."""
    expect = open(path, "rb").read()
    s = sock()
    s.sendto(rrq(os.path.basename(path), blksize=512), (HOST, port))
    op, data, peer = recv(s)
    s.sendto(ack(0), peer)
    op, first, _ = recv(s)
    t0 = time.monotonic()
    op, again, _ = recv(s)
    gap = time.monotonic() - t0
    if first != again or op != 3:
        raise SystemExit("the resent packet is not DATA 1 again")
    if gap < 0.15:
        raise SystemExit(f"resent after {gap:.3f} s: before the 0.2 s timeout")
    out, blk, last = first[4:], 1, len(first) - 4 < 512
    s.sendto(ack(1), peer)
    while not last:
        op, data, _ = recv(s)
        if struct.unpack("!H", data[2:4])[0] == (blk + 1) & 0xFFFF:
            out += data[4:]
            blk += 1
            last = len(data) - 4 < 512
        s.sendto(ack(blk), peer)
    if out != expect:
        raise SystemExit(f"content differs after the retransmission ({len(out)} bytes)")


def case_abandon(port, path):
    """Never ACK anything: the server gives up. Counts the DATA 1 copies it sent (>= 2)."""
    s = sock(3.0)
    s.sendto(rrq(os.path.basename(path), blksize=512), (HOST, port))
    op, data, peer = recv(s)
    s.sendto(ack(0), peer)
    copies = 0
    try:
        while True:
            op, data, _ = recv(s)
            copies += 1
    except socket.timeout:
        pass
    if copies < 2:
        raise SystemExit(f"expected DATA 1 resent with backoff, saw {copies} copies")
    print(copies)


def case_window_loss(port, path):
    """Windowsize 8, every block 3 (mod 8) lost once: the server restarts each window from
    the last block acknowledged and the file arrives intact."""
    expect = open(path, "rb").read()
    seen = fetch(port, os.path.basename(path), expect, blksize=1024, window=8,
                 drop=lambda b: b % 8 == 3)
    if not any(n > 1 for n in seen.values()):
        raise SystemExit("no block was ever resent")


def main():
    port, case = int(sys.argv[1]), sys.argv[2]
    fn = globals().get("case_" + case)
    if not fn:
        raise SystemExit(f"unknown case {case}")
    fn(port, *sys.argv[3:])


if __name__ == "__main__":
    main()
