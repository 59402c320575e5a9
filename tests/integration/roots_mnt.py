#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tiny ONC RPC client for tests/integration/roots.sh: the MOUNT v3 and NFS v3 calls a
client makes after "mount -t nfs -o vers=3", over TCP from a chosen source address, for a
host whose kernel has no NFS client.

	roots_mnt.py --server ADDR --source ADDR mnt PATH
	    MNT PATH; prints MNT3_OK and the file handle, or the error (MNT3ERR_ACCES, ...)
	roots_mnt.py --server ADDR --source ADDR exports
	    MOUNT EXPORT: one line per export the server shows this client, "PATH CLIENT,..."
	roots_mnt.py --server ADDR --source ADDR read PATH FILE
	    MNT PATH, LOOKUP each component of FILE, READ it (up to 64 KiB) to stdout
	roots_mnt.py --server ADDR --source ADDR create PATH NAME TEXT
	    MNT PATH, CREATE NAME in its root (UNCHECKED), WRITE TEXT (FILE_SYNC); prints NFS3_OK
	    or the error (NFS3ERR_ROFS, NFS3ERR_ACCES, ...)

Credentials: AUTH_SYS as uid 0, gid 0 (what a booting node's root is; squashed or not by the
export). Exit status: 0 when the call succeeded, 1 when the server refused it (the status is on
stdout), 2 on a transport or protocol error (stderr).
"""
import argparse
import os
import socket
import struct
import sys

PMAP_PROG, MOUNT_PROG, NFS_PROG = 100000, 100005, 100003
MNT3 = {0: "MNT3_OK", 1: "MNT3ERR_PERM", 2: "MNT3ERR_NOENT", 5: "MNT3ERR_IO",
        13: "MNT3ERR_ACCES", 20: "MNT3ERR_NOTDIR", 22: "MNT3ERR_INVAL",
        63: "MNT3ERR_NAMETOOLONG", 10004: "MNT3ERR_NOTSUPP", 10006: "MNT3ERR_SERVERFAULT"}
NFS3 = {0: "NFS3_OK", 1: "NFS3ERR_PERM", 2: "NFS3ERR_NOENT", 5: "NFS3ERR_IO",
        13: "NFS3ERR_ACCES", 17: "NFS3ERR_EXIST", 20: "NFS3ERR_NOTDIR", 21: "NFS3ERR_ISDIR",
        22: "NFS3ERR_INVAL", 28: "NFS3ERR_NOSPC", 30: "NFS3ERR_ROFS", 70: "NFS3ERR_STALE",
        10001: "NFS3ERR_BADHANDLE", 10006: "NFS3ERR_SERVERFAULT"}


class Refused(Exception):
    pass


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def u32(v):
    return struct.pack(">I", v)


def opaque(b):
    return u32(len(b)) + pad(b)


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def u32(self):
        v, = struct.unpack_from(">I", self.b, self.o)
        self.o += 4
        return v

    def opaque(self):
        n = self.u32()
        v = self.b[self.o:self.o + n]
        self.o += n + (-n % 4)
        return v


class Rpc:
    """One TCP connection to PROG/VERS at ADDR:PORT, bound to a source address."""

    def __init__(self, server, port, source, prog, vers):
        self.prog, self.vers, self.xid = prog, vers, int.from_bytes(os.urandom(4), "big")
        self.s = socket.create_connection((server, port), timeout=5,
                                          source_address=(source, 0))

    def call(self, proc, args=b""):
        self.xid = (self.xid + 1) & 0xffffffff
        cred = u32(0) + opaque(b"bootherd-test") + u32(0) + u32(0) + u32(0)
        msg = (u32(self.xid) + u32(0) + u32(2) + u32(self.prog) + u32(self.vers) + u32(proc) +
               u32(1) + opaque(cred) + u32(0) + u32(0) + args)
        self.s.sendall(u32(0x80000000 | len(msg)) + msg)
        rep = b""
        while True:
            hdr = self.recv(4)
            mark, = struct.unpack(">I", hdr)
            rep += self.recv(mark & 0x7fffffff)
            if mark & 0x80000000:
                break
        r = Reader(rep)
        if r.u32() != self.xid or r.u32() != 1:
            raise RuntimeError("not a reply to our call")
        if r.u32() != 0:
            raise RuntimeError("RPC call denied (reject_stat %d)" % r.u32())
        r.u32()
        r.opaque()        # verifier
        st = r.u32()
        if st != 0:
            raise RuntimeError("RPC accept_stat %d for program %d proc %d" % (st, self.prog, proc))
        return r

    def recv(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise RuntimeError("connection closed by the server")
            b += c
        return b


def getport(server, source, prog, vers):
    r = Rpc(server, 111, source, PMAP_PROG, 2).call(3, u32(prog) + u32(vers) + u32(6) + u32(0))
    port = r.u32()
    if port == 0:
        raise RuntimeError("program %d v%d not registered with rpcbind" % (prog, vers))
    return port


def mnt(a):
    m = Rpc(a.server, getport(a.server, a.source, MOUNT_PROG, 3), a.source, MOUNT_PROG, 3)
    r = m.call(1, opaque(a.path.encode()))
    st = r.u32()
    if st != 0:
        raise Refused(MNT3.get(st, "MNT3ERR_%d" % st))
    return r.opaque()


def exports(a):
    m = Rpc(a.server, getport(a.server, a.source, MOUNT_PROG, 3), a.source, MOUNT_PROG, 3)
    r = m.call(5)
    while r.u32():
        path, groups = r.opaque().decode(), []
        while r.u32():
            groups.append(r.opaque().decode())
        print(path, ",".join(groups))


def nfs_status(r):
    st = r.u32()
    if st != 0:
        raise Refused(NFS3.get(st, "NFS3ERR_%d" % st))


def lookup(nfs, fh, name):
    r = nfs.call(3, opaque(fh) + opaque(name.encode()))
    nfs_status(r)
    return r.opaque()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("op", choices=["exports", "mnt", "read", "create"])
    p.add_argument("path", nargs="?", default="")
    p.add_argument("rest", nargs="*")
    a = p.parse_args()
    try:
        if a.op == "exports":
            exports(a)
            return 0
        fh = mnt(a)
        if a.op == "mnt":
            print("MNT3_OK fh=%s" % fh.hex())
            return 0
        nfs = Rpc(a.server, 2049, a.source, NFS_PROG, 3)
        if a.op == "read":
            for comp in a.rest[0].strip("/").split("/"):
                fh = lookup(nfs, fh, comp)
            r = nfs.call(6, opaque(fh) + struct.pack(">QI", 0, 65536))
            nfs_status(r)
            if r.u32():
                r.o += 84      # post_op_attr: fattr3
            r.u32()            # count
            r.u32()            # eof
            sys.stdout.buffer.write(r.opaque())
            return 0
        name, text = a.rest[0], a.rest[1].encode()
        # CREATE UNCHECKED with an empty sattr3 (set_mode, uid, gid, size, atime, mtime: no).
        r = nfs.call(8, opaque(fh) + opaque(name.encode()) + u32(0) + u32(0) * 6)
        nfs_status(r)
        fh = r.opaque() if r.u32() else lookup(nfs, fh, name)
        r = nfs.call(7, opaque(fh) + struct.pack(">QII", 0, len(text), 2) + opaque(text))
        nfs_status(r)
        print("NFS3_OK")
        return 0
    except Refused as e:
        print(e)
        return 1
    except (OSError, RuntimeError, struct.error) as e:
        print("roots_mnt.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
