# SPDX-License-Identifier: MIT
"""Hand-made DHCP exchanges for tests/integration/dhcp_clients.sh, run in the client network
namespace with /usr/bin/python3 and python3-scapy.

Frames are built with scapy (Ether/IP/UDP, checksums included) around a DHCP payload made
here byte by byte (so that malformed and unusual packets are easy), sent and read on one
AF_PACKET socket bound to the client veth: every reply is seen whatever its addressing
(broadcast, unicast to an address the client does not have yet, unicast to the relay).

	dhcp_scapy.py [--iface IF] [--server IP] [--client-ip IP] [--kind bootherd|dnsmasq]
	              [--mac-base N] COMMAND ARGS...

Commands (each prints result lines "ok NAME", "FAIL NAME: reason", "skip NAME: reason", and
comments "# ..." with the packets that back a failure; the shell turns them into ok/fail):
	cases NAME...        the named protocol cases (see CASES)
	acquire N FILE       full DORA for N new MACs, "MAC IP" lines into FILE
	verify FILE          every MAC in FILE is offered and ACKed its old address again
	malformed            broken packets to port 67, then a good DISCOVER must be answered
	dbcheck DB FILE      the SQLite lease DB holds exactly the leases in FILE, bound
	proxy NAME...        the proxyDHCP cases (see PROXY_CASES)
"""

import argparse
import ipaddress
import random
import select
import socket
import sqlite3
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
MSG = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
       7: "RELEASE", 8: "INFORM"}
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
POOL = (ipaddress.IPv4Address("10.77.0.100"), ipaddress.IPv4Address("10.77.0.199"))
BCAST = "255.255.255.255"

A = None            # parsed arguments
SERVER = {}         # "mac": the server's MAC, learnt from its replies
RESULTS = {"fail": 0}


# --- output

def out(line):
    print(line, flush=True)


def note(text):
    for line in str(text).splitlines():
        out("# " + line)


def ok(name):
    out("ok " + name)


def fail(name, why, *evidence):
    RESULTS["fail"] += 1
    out("FAIL %s: %s" % (name, why.replace("\n", " ")))
    for e in evidence:
        note(e)


def skip(name, why):
    out("skip %s: %s" % (name, why))


def dnsmasq():
    return A.kind == "dnsmasq"


# --- packets

def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b[:6])


_mac_seq = [0]


def new_mac():
    """A MAC no other case (or other run of this helper against the same server) uses."""
    _mac_seq[0] += 1
    n = A.mac_base * 256 + _mac_seq[0]
    return "02:00:00:5c:%02x:%02x" % ((n >> 8) & 0xFF, n & 0xFF)


def opt(code, value):
    if isinstance(value, str):
        value = value.encode()
    return bytes([code, len(value)]) + value


def ip4(a):
    return socket.inet_aton(a)


def payload(mtype, mac, xid, opts=(), ciaddr="0.0.0.0", yiaddr="0.0.0.0", giaddr="0.0.0.0",
            flags=0, hops=0, secs=0, end=True, cookie=MAGIC, pad_to=300):
    """A BOOTREQUEST: the fixed part, the cookie, option 53 (unless mtype is None), opts
    (a list of already encoded options, see opt()), END."""
    p = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, hops, xid, secs, flags,
                    ip4(ciaddr), ip4(yiaddr), ip4("0.0.0.0"), ip4(giaddr),
                    mac_bytes(mac).ljust(16, b"\0"), b"", b"")
    p += cookie
    if mtype is not None:
        p += opt(53, bytes([mtype]))
    for o in opts:
        p += o
    if end:
        p += b"\xff"
    if len(p) < pad_to:
        p += b"\0" * (pad_to - len(p))
    return p


def pxe_opts(arch, vendor=None, uuid=True, extra=()):
    """What PXE firmware sends: option 60, 93 (arch), 94 (NDI), 97 (UUID), 55."""
    if vendor is None:
        vendor = "PXEClient:Arch:%05d:UNDI:003016" % arch
    o = [opt(60, vendor), opt(93, struct.pack("!H", arch)), opt(94, b"\x01\x03\x10")]
    if uuid:
        o.append(opt(97, b"\x00" + UUID))
    o.append(opt(55, bytes([1, 3, 6, 15, 26, 43, 51, 54, 60, 66, 67, 97, 128, 175])))
    return o + list(extra)


UUID = bytes(range(0x10, 0x20))


def frame(mac, data, src="0.0.0.0", dst=BCAST, sport=68, dport=67, edst="ff:ff:ff:ff:ff:ff"):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    return bytes(Ether(src=mac, dst=edst) / IP(src=src, dst=dst, ttl=64) /
                 UDP(sport=sport, dport=dport) / data)


def parse_opts(area, into):
    i = 0
    while i < len(area):
        c = area[i]
        if c == 0:
            i += 1
            continue
        if c == 255:
            return True
        if i + 1 >= len(area) or i + 2 + area[i + 1] > len(area):
            into.setdefault("_errors", []).append("option %d runs past its area" % c)
            return False
        v = area[i + 2:i + 2 + area[i + 1]]
        into[c] = into.get(c, b"") + v      # RFC 3396: instances concatenate
        i += 2 + area[i + 1]
    return True


class Reply:
    """A received BOOTREPLY with its addressing."""

    def __init__(self, raw, ether, ip, udp, bootp):
        self.raw = raw
        self.edst = ether.dst
        self.esrc = ether.src
        self.ipsrc = ip.src
        self.ipdst = ip.dst
        self.sport = udp.sport
        self.dport = udp.dport
        b = bootp
        self.bootp = b
        (self.op, self.htype, self.hlen, self.hops, self.xid, self.secs, self.flags) = \
            struct.unpack("!BBBBIHH", b[:12])
        self.ciaddr, self.yiaddr, self.siaddr, self.giaddr = (
            socket.inet_ntoa(b[12 + 4 * i:16 + 4 * i]) for i in range(4))
        self.chaddr = b[28:44]
        self.sname = b[44:108].split(b"\0")[0]
        self.file = b[108:236].split(b"\0")[0]
        self.cookie = b[236:240]
        self.opts = {}
        parse_opts(b[240:], self.opts)
        ov = self.opts.get(52, b"\0")[0]
        if ov & 1:
            parse_opts(b[108:236], self.opts)
            self.file = b""
        if ov & 2:
            parse_opts(b[44:108], self.opts)
            self.sname = b""
        self.mtype = self.opts.get(53, b"\0")[0]

    def bootfile(self):
        """The boot file name: the file field, else option 67."""
        if self.file:
            return self.file.decode("latin1")
        if 67 in self.opts:
            return self.opts[67].rstrip(b"\0").decode("latin1")
        return ""

    def addr(self, code):
        v = self.opts.get(code)
        return socket.inet_ntoa(v[:4]) if v and len(v) >= 4 else None

    def u32(self, code):
        v = self.opts.get(code)
        return struct.unpack("!I", v)[0] if v and len(v) == 4 else None

    def dump(self):
        lines = ["%s from %s %s:%d to %s %s:%d, %d B" % (
            MSG.get(self.mtype, "type %d" % self.mtype), self.esrc, self.ipsrc, self.sport,
            self.edst, self.ipdst, self.dport, len(self.bootp)),
            "  op %d xid %#x flags %#06x ciaddr %s yiaddr %s siaddr %s giaddr %s chaddr %s" % (
            self.op, self.xid, self.flags, self.ciaddr, self.yiaddr, self.siaddr, self.giaddr,
            mac_str(self.chaddr)),
            "  sname %r file %r" % (self.sname, self.file)]
        for c in sorted(k for k in self.opts if isinstance(k, int)):
            v = self.opts[c]
            txt = v.decode("latin1") if all(32 <= x < 127 for x in v) and v else ""
            lines.append("  opt %3d len %3d %s%s" % (c, len(v), v.hex(),
                                                    "  %r" % txt if txt else ""))
        for e in self.opts.get("_errors", []):
            lines.append("  malformed: " + e)
        return "\n".join(lines)


def req_dump(data):
    """A short description of a request payload we sent, for evidence."""
    o = {}
    parse_opts(data[240:], o)
    return "sent %s xid %#x chaddr %s ciaddr %s giaddr %s flags %#06x opts %s" % (
        MSG.get(o.get(53, b"\0")[0], "?"), struct.unpack("!I", data[4:8])[0],
        mac_str(data[28:34]), socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[24:28]),
        struct.unpack("!H", data[10:12])[0],
        " ".join("%d=%s" % (c, v.hex()) for c, v in sorted(o.items()) if isinstance(c, int)))


class Link:
    """One AF_PACKET socket on the client veth: sends frames, reads every BOOTREPLY."""

    def __init__(self, iface):
        self.iface = iface
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((iface, ETH_P_IP))
        self.pending = []

    def send(self, raw):
        self.s.send(raw)

    def _read(self, timeout):
        from scapy.layers.inet import IP, UDP
        from scapy.layers.l2 import Ether
        r, _, _ = select.select([self.s], [], [], max(0.0, timeout))
        if not r:
            return None
        raw, addr = self.s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING:
            return False
        e = Ether(raw)
        if IP not in e or UDP not in e:
            return False
        u = e[UDP]
        if u.sport not in (67, 4011):
            return False
        b = bytes(u.payload)
        if len(b) < 240 or b[0] != 2:
            return False
        if e[IP].src == A.server:
            SERVER["mac"] = e.src
        return Reply(raw, e, e[IP], u, b)

    def replies(self, xid, timeout=2.0, want=1):
        """Replies with this xid: returns when `want` arrived or at the timeout."""
        got = [p for p in self.pending if p.xid == xid]
        self.pending = [p for p in self.pending if p.xid != xid]
        end = time.monotonic() + timeout
        while len(got) < want:
            p = self._read(end - time.monotonic())
            if p is None:
                break
            if p is False:
                continue
            if p.xid == xid:
                got.append(p)
            else:
                self.pending.append(p)      # a late reply to someone else
                del self.pending[:-64]
        return got

    def xchg(self, raw, xid, timeout=2.0):
        self.send(raw)
        r = self.replies(xid, timeout)
        return r[0] if r else None


def udp_sock(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    return s


def xid():
    return random.getrandbits(32)


def in_pool(a):
    try:
        return POOL[0] <= ipaddress.IPv4Address(a) <= POOL[1]
    except ValueError:
        return False


# --- exchanges used by several cases

def discover(link, mac, opts=(), flags=0, **kw):
    x = xid()
    data = payload(DISCOVER, mac, x, opts, flags=flags, **kw)
    return link.xchg(frame(mac, data), x), data


def request_selecting(link, mac, offer, opts=(), flags=0):
    x = offer.xid
    o = [opt(50, ip4(offer.yiaddr)), opt(54, ip4(offer.addr(54) or A.server))] + list(opts)
    data = payload(REQUEST, mac, x, o, flags=flags)
    return link.xchg(frame(mac, data), x), data


def dora(link, mac, opts=(), name=None):
    """DISCOVER then REQUEST. Returns the ACK, or None after a FAIL line for `name` (when
    given)."""
    off, d1 = discover(link, mac, opts)
    if off is None or off.mtype != OFFER:
        if name:
            fail(name, "no OFFER to a DISCOVER from %s" % mac, req_dump(d1),
                 off.dump() if off else "nothing came back within 2 s")
        return None
    ack, d2 = request_selecting(link, mac, off, opts)
    if ack is None or ack.mtype != ACK or ack.yiaddr != off.yiaddr:
        if name:
            fail(name, "REQUEST for offered %s from %s not ACKed with it" % (off.yiaddr, mac),
                 req_dump(d2), ack.dump() if ack else "nothing came back within 2 s")
        return None
    return ack


def expect(name, cond, why, *evidence):
    if cond:
        ok(name)
    else:
        fail(name, why, *evidence)
    return cond


# --- cases

def arch_case(link, name, arch, want_file, vendor=None, extra=(), check=None):
    mac = new_mac()
    off, sent = discover(link, mac, pxe_opts(arch, vendor, extra=extra))
    if off is None:
        fail(name, "no reply to a PXE DISCOVER (arch %d)" % arch, req_dump(sent))
        return None
    ev = (req_dump(sent), off.dump())
    if off.mtype != OFFER or not in_pool(off.yiaddr):
        fail(name, "want an OFFER from the pool, got %s yiaddr %s" % (
            MSG.get(off.mtype), off.yiaddr), *ev)
        return off
    f = off.bootfile()
    if want_file is None:
        expect(name, f == "" and 67 not in off.opts,
               "arch %d has no boot file configured, yet the OFFER names %r" % (arch, f), *ev)
        return off
    good = want_file(f) if callable(want_file) else f == want_file
    if not good:
        fail(name, "arch %d: boot file %r, want %s" % (
            arch, f, want_file.__doc__ if callable(want_file) else repr(want_file)), *ev)
        return off
    if off.siaddr != A.server and not f.startswith("http"):
        fail(name, "arch %d: siaddr %s, want %s (the TFTP server)" % (
            arch, off.siaddr, A.server), *ev)
        return off
    if check:
        why = check(off)
        if why:
            fail(name, why, *ev)
            return off
    ok(name)
    return off


def case_arch(link):
    off = arch_case(link, "scapy_arch0_bios_pxelinux", 0, "pxelinux.0",
                    vendor="PXEClient:Arch:00000:UNDI:002001")
    if off is not None and off.mtype == OFFER:
        ev = off.dump()
        v = off.opts.get(60)
        expect("scapy_pxe_reply_option60_pxeclient", v == b"PXEClient",
               "a PXE reply must carry option 60 'PXEClient', got %r" % v, ev)
        v = off.opts.get(97)
        if dnsmasq() and v is None:
            skip("scapy_pxe_reply_echoes_uuid97", "dnsmasq echoes option 97 only with its "
                 "pxe-service menus")
        else:
            expect("scapy_pxe_reply_echoes_uuid97", v == b"\x00" + UUID,
                   "option 97 of the request (%s) not echoed: got %s" % (
                       (b"\x00" + UUID).hex(), v.hex() if v is not None else "none"), ev)
        expect("scapy_offer_server_id54", off.addr(54) == A.server,
               "option 54 %s, want %s" % (off.addr(54), A.server), ev)
    else:
        for n in ("scapy_pxe_reply_option60_pxeclient", "scapy_pxe_reply_echoes_uuid97",
                  "scapy_offer_server_id54"):
            fail(n, "no OFFER to check (see scapy_arch0_bios_pxelinux)")
    arch_case(link, "scapy_arch6_efi32_no_bootfile", 6, None)
    arch_case(link, "scapy_arch7_efi64_ipxe_efi", 7, "ipxe.efi")
    arch_case(link, "scapy_arch9_efi64_ipxe_efi", 9, "ipxe.efi")
    arch_case(link, "scapy_arch11_arm64_ipxe_arm64_efi", 11, "ipxe-arm64.efi")

    def http_url(f):
        """http://SERVER:8080/ipxe.efi"""
        return f == "http://%s:8080/ipxe.efi" % A.server

    def http_check(off):
        v = off.opts.get(60)
        if v != b"HTTPClient":
            return "an HTTP boot reply must carry option 60 'HTTPClient', got %r" % v
        return None
    arch_case(link, "scapy_arch16_httpclient_url", 16, http_url,
              vendor="HTTPClient:Arch:00016:UNDI:003001", check=http_check)

    def ipxe_url(f):
        """http://SERVER:8080/boot/....ipxe"""
        return f.startswith("http://%s:8080/boot/" % A.server) and f.endswith(".ipxe")

    def opt175(off):
        v = off.opts.get(175)
        sub = {}
        if v is None or not parse_opts(v, sub) or sub.get(176) != b"\x01":
            return "option 175 with sub-option 176 = 1 missing: 175 = %s" % (
                v.hex() if v is not None else "absent")
        return None
    # iPXE sends its user class raw ("iPXE", not RFC 3004) and arch 7 under a PXEClient class.
    arch_case(link, "scapy_ipxe_userclass77_script_url", 7, ipxe_url,
              extra=[opt(77, "iPXE")], check=opt175)
    # Without a user class, option 175 (iPXE's feature list) alone says iPXE.
    arch_case(link, "scapy_ipxe_option175_only_script_url", 7, ipxe_url,
              extra=[opt(175, b"\x13\x01\x01" + b"\x11\x01\x01")])


def case_static(link):
    mac = "02:00:00:00:00:01"
    off, sent = discover(link, mac, pxe_opts(0))
    expect("scapy_static_node_address", off is not None and off.mtype == OFFER and
           off.yiaddr == "10.77.0.11",
           "node n001 (%s) must be offered 10.77.0.11, got %s" % (
               mac, "%s %s" % (MSG.get(off.mtype), off.yiaddr) if off else "nothing"),
           req_dump(sent), off.dump() if off else "")


def case_dora(link):
    mac = new_mac()
    name = "scapy_dora"
    off, d1 = discover(link, mac, [opt(55, bytes([1, 3, 6, 15, 26, 51, 54]))])
    if off is None or off.mtype != OFFER:
        fail(name, "no OFFER", req_dump(d1), off.dump() if off else "nothing within 2 s")
        return
    ev = [req_dump(d1), off.dump()]
    if not in_pool(off.yiaddr) or off.addr(54) != A.server or off.u32(51) != 600:
        fail(name, "OFFER yiaddr %s (pool %s-%s), server id %s (want %s), lease %s (want "
             "600)" % (off.yiaddr, POOL[0], POOL[1], off.addr(54), A.server, off.u32(51)), *ev)
        return
    ack, d2 = request_selecting(link, mac, off, [opt(55, bytes([1, 3, 6, 15, 26, 51, 54]))])
    ev += [req_dump(d2), ack.dump() if ack else "no ACK within 2 s"]
    if ack is None or ack.mtype != ACK or ack.yiaddr != off.yiaddr:
        fail(name, "REQUEST for %s not ACKed with it" % off.yiaddr, *ev)
        return
    if ack.u32(51) != 600 or ack.addr(54) != A.server:
        fail(name, "ACK lease time %s (want 600), server id %s" % (ack.u32(51), ack.addr(54)),
             *ev)
        return
    ok(name)
    want = {1: "255.255.255.0", 3: "10.77.0.1", 6: "10.77.0.1"}
    bad = ["option %d %s, want %s" % (c, ack.addr(c), w) for c, w in want.items()
           if ack.addr(c) != w]
    if ack.opts.get(15, b"").rstrip(b"\0") != b"cluster.test":
        bad.append("option 15 %r, want 'cluster.test'" % ack.opts.get(15))
    if ack.opts.get(26) != b"\x05\xdc":
        bad.append("option 26 %s, want 05dc (1500)" % (ack.opts.get(26) or b"").hex())
    expect("scapy_ack_subnet_options", not bad, "; ".join(bad), ack.dump())


def case_release(link):
    name = "scapy_release_frees_address"
    a, b, c = new_mac(), new_mac(), new_mac()
    ack = dora(link, a, name=name)
    if ack is None:
        return
    x = ack.yiaddr
    # While A holds X, B asking for X must get another address.
    off, d = discover(link, b, [opt(50, ip4(x))])
    if off is None or off.mtype != OFFER or off.yiaddr == x:
        fail(name, "while %s is bound to %s, another client asking for it must be offered a "
             "different address" % (a, x), req_dump(d), off.dump() if off else "no OFFER")
        return
    rel = payload(RELEASE, a, xid(), [opt(54, ip4(A.server))], ciaddr=x)
    link.send(frame(a, rel, src=x, dst=A.server, edst=server_mac()))
    time.sleep(0.3)
    off, d = discover(link, c, [opt(50, ip4(x))])
    expect(name, off is not None and off.mtype == OFFER and off.yiaddr == x,
           "after RELEASE of %s by %s, a new client asking for it was offered %s" % (
               x, a, off.yiaddr if off else "nothing"), req_dump(d), off.dump() if off else "")


def case_decline(link):
    name = "scapy_decline_quarantines_address"
    d_mac, e_mac = new_mac(), new_mac()
    ack = dora(link, d_mac, name=name)
    if ack is None:
        return
    y = ack.yiaddr
    dec = payload(DECLINE, d_mac, xid(), [opt(50, ip4(y)), opt(54, ip4(A.server))])
    link.send(frame(d_mac, dec))
    time.sleep(0.3)
    off, d = discover(link, e_mac, [opt(50, ip4(y))])
    if dnsmasq():
        # dnsmasq remembers a DECLINE only for the addresses of dhcp-host entries; for the
        # others it just changes its address hash, and gives the address to who asks for it.
        skip(name, "dnsmasq does not quarantine declined dynamic addresses (offered %s to a "
             "client asking for declined %s)" % (off.yiaddr if off else "nothing", y))
        return
    expect(name, off is not None and off.mtype == OFFER and off.yiaddr != y,
           "after DECLINE of %s, another client asking for it got %s" % (
               y, "%s %s" % (MSG.get(off.mtype), off.yiaddr) if off else "no OFFER at all"),
           req_dump(d), off.dump() if off else "")


def case_nak(link):
    mac = new_mac()
    # INIT-REBOOT (no server id, ciaddr 0) for an address of another network.
    x = xid()
    d = payload(REQUEST, mac, x, [opt(50, ip4("10.99.0.5"))])
    r = link.xchg(frame(mac, d), x)
    expect("scapy_nak_foreign_network", r is not None and r.mtype == NAK,
           "REQUEST (INIT-REBOOT) for 10.99.0.5 from a client on 10.77.0.0/24: want NAK, got %s"
           % (MSG.get(r.mtype) if r else "nothing"), req_dump(d), r.dump() if r else "")
    # SELECTING: server id ours, for an address in the subnet we never offered.
    x = xid()
    d = payload(REQUEST, mac, x, [opt(50, ip4("10.77.0.250")), opt(54, ip4(A.server))])
    r = link.xchg(frame(mac, d), x)
    expect("scapy_nak_address_not_offered", r is not None and r.mtype == NAK,
           "REQUEST for 10.77.0.250 (outside the pool, never offered) with our server id: want "
           "NAK, got %s" % (MSG.get(r.mtype) if r else "nothing"), req_dump(d),
           r.dump() if r else "")


def server_mac():
    """The server's MAC, as seen in its replies: a RELEASE goes to it unicast."""
    if "mac" not in SERVER:
        raise RuntimeError("no reply from %s seen yet, so no MAC to send to" % A.server)
    return SERVER["mac"]


def case_inform(link):
    name = "scapy_inform_ack_without_lease"
    mac = link_mac()
    s = udp_sock(A.client_ip, 68)
    try:
        x = xid()
        d = payload(INFORM, mac, x, [opt(55, bytes([1, 3, 6, 15]))], ciaddr=A.client_ip)
        s.sendto(d, (A.server, 67))
        r = link.replies(x)
        r = r[0] if r else None
    finally:
        s.close()
    if r is None or r.mtype != ACK:
        fail(name, "INFORM from %s: want ACK, got %s" % (
            A.client_ip, MSG.get(r.mtype) if r else "nothing"), req_dump(d),
            r.dump() if r else "")
        return
    bad = []
    if r.yiaddr != "0.0.0.0":
        bad.append("yiaddr %s, want 0.0.0.0" % r.yiaddr)
    if 51 in r.opts:
        bad.append("carries a lease time (option 51)")
    if r.ipdst != A.client_ip or r.dport != 68:
        bad.append("sent to %s:%d, want %s:68 (ciaddr)" % (r.ipdst, r.dport, A.client_ip))
    if r.addr(3) != "10.77.0.1":
        bad.append("no router option")
    expect(name, not bad, "; ".join(bad), req_dump(d), r.dump())


def link_mac():
    with open("/sys/class/net/%s/address" % A.iface) as f:
        return f.read().strip()


def case_broadcast(link):
    mac = new_mac()
    off, d = discover(link, mac, pxe_opts(0), flags=0x8000)
    expect("scapy_broadcast_flag_reply_broadcast",
           off is not None and off.mtype == OFFER and off.ipdst == BCAST and
           off.edst == "ff:ff:ff:ff:ff:ff",
           "DISCOVER with the broadcast flag: want the OFFER to 255.255.255.255 "
           "(ff:ff:ff:ff:ff:ff), got %s" % (
               "%s to %s (%s)" % (MSG.get(off.mtype), off.ipdst, off.edst) if off else "nothing"),
           req_dump(d), off.dump() if off else "")
    mac = new_mac()
    off, d = discover(link, mac, pxe_opts(0))
    if off is not None:
        note("without the broadcast flag the OFFER went to %s %s:%d" % (
            off.edst, off.ipdst, off.dport))


def case_client_ids(link):
    name = "scapy_same_mac_three_client_ids_same_address"
    mac = new_mac()
    cids = [("firmware", b"\x00" + UUID),
            ("iPXE", b"\x01" + mac_bytes(mac)),
            ("Linux", b"\xff" + b"\x00\x00\x00\x01" + b"\x00\x04" + bytes(range(16)))]
    got = []
    for who, cid in cids:
        ack = dora(link, mac, [opt(61, cid)], name=name)
        if ack is None:
            return
        got.append("%s:%s" % (who, ack.yiaddr))
    expect(name, len({g.split(":")[1] for g in got}) == 1,
           "one MAC, three client ids, got %s" % ", ".join(got))


def case_relay(link):
    name = "scapy_relay_reply_to_giaddr_option82"
    mac = new_mac()
    o82 = opt(82, opt(1, "eth0/1/7:vlan77") + opt(2, b"\x00\x11\x22\x33\x44\x55"))
    s = udp_sock(A.client_ip, 67)
    try:
        x = xid()
        d = payload(DISCOVER, mac, x, pxe_opts(0) + [o82], giaddr=A.client_ip, hops=1)
        s.sendto(d, (A.server, 67))
        r = link.replies(x)
        off = r[0] if r else None
        ev = [req_dump(d), off.dump() if off else "no reply within 2 s"]
        if off is None or off.mtype != OFFER:
            fail(name, "no OFFER to a relayed DISCOVER", *ev)
            return
        bad = []
        if off.ipdst != A.client_ip or off.dport != 67:
            bad.append("OFFER sent to %s:%d, want giaddr %s:67" % (
                off.ipdst, off.dport, A.client_ip))
        if off.giaddr != A.client_ip:
            bad.append("giaddr %s not kept" % off.giaddr)
        if opt(82, off.opts.get(82, b"")) != o82:
            bad.append("option 82 %s, want %s echoed byte for byte" % (
                off.opts.get(82, b"").hex() or "absent", o82[2:].hex()))
        if not in_pool(off.yiaddr):
            bad.append("yiaddr %s not in the pool" % off.yiaddr)
        if bad:
            fail(name, "; ".join(bad), *ev)
            return
        ok(name)
        d = payload(REQUEST, mac, x, [opt(50, ip4(off.yiaddr)), opt(54, ip4(A.server)), o82],
                    giaddr=A.client_ip, hops=1)
        s.sendto(d, (A.server, 67))
        r = link.replies(x)
        ack = r[0] if r else None
        expect("scapy_relay_request_ack", ack is not None and ack.mtype == ACK and
               ack.yiaddr == off.yiaddr and ack.ipdst == A.client_ip and ack.dport == 67 and
               opt(82, ack.opts.get(82, b"")) == o82,
               "relayed REQUEST: want an ACK of %s to %s:67 with option 82" % (
                   off.yiaddr, A.client_ip), req_dump(d), ack.dump() if ack else "no reply")
    finally:
        s.close()


CASES = {
    "arch": case_arch,
    "static": case_static,
    "dora": case_dora,
    "release": case_release,
    "decline": case_decline,
    "nak": case_nak,
    "inform": case_inform,
    "broadcast": case_broadcast,
    "client_ids": case_client_ids,
    "relay": case_relay,
}


# --- proxyDHCP

def proxy_case_offer(link):
    name = "proxy_offer_pxe"
    mac = new_mac()
    off, d = discover(link, mac, pxe_opts(0, vendor="PXEClient:Arch:00000:UNDI:002001"))
    ev = [req_dump(d), off.dump() if off else "no reply within 2 s"]
    if off is None or off.mtype != OFFER:
        fail(name, "no OFFER to a PXE DISCOVER", *ev)
        return None
    bad = []
    if off.yiaddr != "0.0.0.0":
        bad.append("yiaddr %s, want 0.0.0.0 (a proxy gives no address)" % off.yiaddr)
    if off.opts.get(60) != b"PXEClient":
        bad.append("option 60 %r, want 'PXEClient'" % off.opts.get(60))
    if 51 in off.opts:
        bad.append("carries a lease time")
    if dnsmasq():
        # dnsmasq's proxy OFFER carries a PXE menu (option 43) instead of a file; the file
        # comes in the ACK on port 4011.
        note("dnsmasq proxy OFFER file %r siaddr %s (file and next-server not checked)" % (
            off.bootfile(), off.siaddr))
    else:
        if off.bootfile() != "pxelinux.0":
            bad.append("boot file %r, want 'pxelinux.0'" % off.bootfile())
        if off.siaddr != A.server:
            bad.append("siaddr %s, want %s" % (off.siaddr, A.server))
    expect(name, not bad, "; ".join(bad), *ev)
    return off


def proxy_case_4011(link, off):
    name = "proxy_port4011_request_ack"
    mac = link_mac()
    o = pxe_opts(0, vendor="PXEClient:Arch:00000:UNDI:002001")
    # A PXE client asks the boot server for the item the proxy's menu offered (option 43,
    # sub-option 71); a proxy that sent no menu gets a request for item 0 (local boot).
    item = b"\x00\x00"
    if off is not None and 43 in off.opts:
        sub = {}
        parse_opts(off.opts[43], sub)
        if 9 in sub and len(sub[9]) >= 2:
            item = sub[9][:2]
    if item != b"\x00\x00":
        o.append(opt(43, opt(71, item + b"\x00\x00")))
    s = udp_sock(A.client_ip, 68)
    try:
        x = xid()
        d = payload(REQUEST, mac, x, o, ciaddr=A.client_ip)
        s.sendto(d, (A.server, 4011))
        r = link.replies(x)
        ack = r[0] if r else None
    finally:
        s.close()
    ev = [req_dump(d), ack.dump() if ack else "no reply within 2 s"]
    if ack is None or ack.mtype != ACK:
        fail(name, "REQUEST to %s:4011 from %s: want ACK, got %s" % (
            A.server, A.client_ip, MSG.get(ack.mtype) if ack else "nothing"), *ev)
        return
    bad = []
    if ack.ipdst != A.client_ip or ack.dport != 68:
        bad.append("sent to %s:%d, want unicast to %s:68" % (ack.ipdst, ack.dport, A.client_ip))
    want = "pxelinux.0" if not dnsmasq() else None
    if want and ack.bootfile() != want:
        bad.append("boot file %r, want %r" % (ack.bootfile(), want))
    if not ack.bootfile():
        bad.append("no boot file")
    expect(name, not bad, "; ".join(bad), *ev)


def proxy_case_non_pxe(link):
    name = "proxy_ignores_non_pxe"
    mac = new_mac()
    x = xid()
    d = payload(DISCOVER, mac, x, [opt(55, bytes([1, 3, 6]))])
    link.send(frame(mac, d))
    r = link.replies(x, timeout=1.5)
    expect(name, not r, "a proxy must not answer a DISCOVER without PXEClient, got %s" % (
        MSG.get(r[0].mtype) if r else ""), req_dump(d), *(p.dump() for p in r))


def cmd_proxy(link, names):
    off = None
    for n in names:
        if n == "offer":
            off = proxy_case_offer(link)
        elif n == "4011":
            proxy_case_4011(link, off)
        elif n == "non_pxe":
            proxy_case_non_pxe(link)
        else:
            fail("proxy_" + n, "unknown proxy case")


# --- leases across a crash

def cmd_acquire(link, n, path):
    name = "scapy_acquire_%d_leases" % n
    got = []
    for _ in range(n):
        mac = new_mac()
        ack = dora(link, mac, pxe_opts(7), name=name)
        if ack is None:
            return
        got.append((mac, ack.yiaddr))
    ips = {ip for _, ip in got}
    if len(ips) != n or not all(in_pool(ip) for ip in ips):
        fail(name, "want %d different pool addresses, got %s" % (n, got))
        return
    with open(path, "w") as f:
        for mac, ip in got:
            f.write("%s %s\n" % (mac, ip))
    ok(name)


def read_leases(path):
    with open(path) as f:
        return [tuple(line.split()) for line in f if line.strip()]


def cmd_verify(link, path):
    name = "scapy_leases_survive_kill9"
    bad = []
    ev = []
    for mac, ip in read_leases(path):
        off, d = discover(link, mac, pxe_opts(7))
        if off is None or off.mtype != OFFER or off.yiaddr != ip:
            bad.append("%s had %s, offered %s" % (mac, ip, off.yiaddr if off else "nothing"))
            ev += [req_dump(d), off.dump() if off else "no reply"]
            continue
        ack, d = request_selecting(link, mac, off, pxe_opts(7))
        if ack is None or ack.mtype != ACK or ack.yiaddr != ip:
            bad.append("%s: REQUEST for %s got %s" % (mac, ip, MSG.get(ack.mtype) if ack
                                                      else "nothing"))
            ev += [req_dump(d), ack.dump() if ack else "no reply"]
    expect(name, not bad, "%d of %d: %s" % (len(bad), len(read_leases(path)), "; ".join(bad[:5])),
           *ev[:6])


def cmd_dbcheck(db, path):
    name = "lease_db_sqlite_rows"
    want = {mac: ip for mac, ip in read_leases(path)}
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        rows = con.execute("SELECT ip, state, htype, hwaddr, expires FROM leases").fetchall()
        con.close()
    except sqlite3.Error as e:
        fail(name, "cannot read %s: %s" % (db, e))
        return
    now = time.time()
    have = {}
    bad = []
    for ip, state, htype, hw, expires in rows:
        a = str(ipaddress.IPv4Address(ip))
        m = mac_str(hw) if hw else "?"
        have[m] = a
        if m in want and (state != 2 or htype != 1 or not now + 500 < expires <= now + 700):
            bad.append("%s %s: state %s htype %s expires in %d s (want 2, 1, ~600)" % (
                m, a, state, htype, expires - now))
    for mac, ip in want.items():
        if have.get(mac) != ip:
            bad.append("%s: row %s, want %s" % (mac, have.get(mac), ip))
    expect(name, len(rows) == len(want) and not bad,
           "%d rows for %d leases; %s" % (len(rows), len(want), "; ".join(bad[:5])),
           *["row ip %s state %s htype %s hwaddr %s expires %s" % (
               ipaddress.IPv4Address(r[0]), r[1], r[2], r[3].hex() if r[3] else None, r[4])
             for r in rows[:25]])


# --- malformed input

def cmd_malformed(link):
    name = "malformed_then_discover_answered"
    mac = new_mac()
    x = xid()
    good = payload(DISCOVER, mac, x, pxe_opts(0))
    bad = [
        ("empty", b""),
        ("one byte", b"\x01"),
        ("truncated to 100 B", good[:100]),
        ("truncated before the cookie", good[:236]),
        ("only the cookie", good[:240]),
        ("bad cookie", good[:236] + b"\x63\x82\x53\x64" + good[240:]),
        ("option running past the end", good[:240] + b"\x35\x01\x01\x0c\xc8abc"),
        ("option 53 of length 0", good[:240] + b"\x35\x00\xff"),
        ("option 53 of length 4", good[:240] + b"\x35\x04\x01\x01\x01\x01\xff"),
        ("hlen 255", good[:2] + b"\xff" + good[3:]),
        ("op 2 (a reply)", b"\x02" + good[1:]),
        ("overload 3 with garbage in file and sname",
         good[:44] + b"\x0c\xff" * 32 + b"\x0f\xff" * 64 + MAGIC +
         b"\x35\x01\x01\x34\x01\x03\xff"),
        ("overload 7", good[:240] + b"\x35\x01\x01\x34\x01\x07\xff"),
        ("option 97 short", good[:240] + b"\x35\x01\x01\x61\x03\x00\x01\x02\xff"),
        ("option 93 odd", good[:240] + b"\x35\x01\x01\x5d\x03\x00\x00\x07\xff"),
        ("option 82 with a sub-option past its end",
         good[:240] + b"\x35\x01\x01\x52\x04\x01\x09ab\xff"),
        ("no END, options to the last byte", good[:240] + b"\x35\x01\x01" + b"\x0c\x01a" * 30),
        ("all ones", b"\xff" * 548),
        ("huge 1472 B of options", good[:240] + b"\x35\x01\x01" + b"\x2b\xff" +
         b"\xaa" * 255 + b"\x2b\xff" + b"\xbb" * 255 + b"\x2b\xff" + b"\xcc" * 255 +
         b"\x2b\xff" + b"\xdd" * 255 + b"\x2b\xc0" + b"\xee" * 192 + b"\xff"),
    ]
    # Each its own xid (when it has one), so that an answer tells which one it was.
    xids = {}
    for i, (what, data) in enumerate(bad):
        if len(data) >= 8:
            bx = (x + 1 + i) & 0xFFFFFFFF
            data = data[:4] + struct.pack("!I", bx) + data[8:]
            xids[bx] = what
        link.send(frame(mac, data))
    rnd = random.Random(1234)
    junk_mac = new_mac()
    for i in range(1000):
        if i % 2:
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 600)))
        else:
            # Header and cookie right, options random: reaches the option parser.
            n = rnd.randrange(0, 400)
            data = payload(None, junk_mac, rnd.getrandbits(32), end=False, pad_to=0) + \
                bytes(rnd.getrandbits(8) for _ in range(n))
        link.send(frame(junk_mac, data))
        if i % 100 == 99:
            time.sleep(0.01)    # stay under the veth's queue
    time.sleep(0.2)
    answered = {}
    for bx, what in xids.items():
        for p in link.replies(bx, timeout=0.01, want=99):
            answered.setdefault(what, p)
    off = None
    for _ in range(3):
        link.send(frame(mac, good))
        r = link.replies(x, timeout=2.0)
        if r:
            off = r[0]
            break
    expect(name, off is not None and off.mtype == OFFER,
           "no OFFER to a good DISCOVER after %d malformed packets and 1000 random ones" %
           len(bad), req_dump(good), off.dump() if off else "nothing within 3 x 2 s")
    # What a parser that follows RFC 2131 must drop (dhcp_wire.h's dhcp_parse() contract).
    must_drop = ("truncated to 100 B", "truncated before the cookie", "bad cookie",
                 "option running past the end", "hlen 255", "op 2 (a reply)", "overload 7")
    wrong = [w for w in must_drop if w in answered]
    if dnsmasq():
        note("dnsmasq answered: %s" % (", ".join(sorted(answered)) or "none"))
        skip("malformed_ignored", "dnsmasq answers some malformed requests as BOOTP")
    else:
        if answered:
            note("answered: %s" % ", ".join(sorted(answered)))
        expect("malformed_ignored", not wrong, "replies to malformed requests: %s" %
               ", ".join(wrong), *(answered[w].dump() for w in wrong[:3]))


# --- main

def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface")
    ap.add_argument("--server", default="10.77.0.1")
    ap.add_argument("--client-ip", default="10.77.0.2")
    ap.add_argument("--kind", default="bootherd")
    ap.add_argument("--mac-base", type=int, default=0)
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    A = ap.parse_args()
    random.seed()
    if A.cmd == "dbcheck":
        cmd_dbcheck(A.args[0], A.args[1])
        return
    link = Link(A.iface)
    if A.cmd == "cases":
        for n in A.args:
            fn = CASES.get(n)
            if fn is None:
                fail("scapy_" + n, "unknown case")
                continue
            try:
                fn(link)
            except Exception as e:      # a bug here must not hide the other cases
                fail("scapy_" + n, "helper error: %r" % e)
    elif A.cmd == "proxy":
        cmd_proxy(link, A.args)
    elif A.cmd == "acquire":
        cmd_acquire(link, int(A.args[0]), A.args[1])
    elif A.cmd == "verify":
        cmd_verify(link, A.args[0])
    elif A.cmd == "malformed":
        cmd_malformed(link)
    else:
        fail("scapy_" + A.cmd, "unknown command")


if __name__ == "__main__":
    main()
    sys.exit(1 if RESULTS["fail"] else 0)
