/* SPDX-License-Identifier: MIT */
/*
 * The NFS root export manager behind `bootherd roots`: diskless root images under one base
 * directory, made fit to boot over NFS, per-node writable areas, and the exports for the
 * kernel NFS server or nfs-ganesha. The pure parts (text in, text out) are declared here for
 * the unit tests and fuzzers; roots_main() is the command.
 *
 * Layout under the base directory (conf `diskless.base`, default /srv/diskless):
 *   BASE/NAME/                 a root image (shared, exported read-only)
 *   BASE/.nodes/NAME/NODE/     per-node writable state of image NAME for node NODE
 *                              (etc/ and var/ copies, or a whole-root copy)
 *   BASE/.lock                 flock(2)ed by every command that changes anything
 */
#ifndef BOOTHERD_ROOTS_H
#define BOOTHERD_ROOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf/conf.h"

/* A root or node name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, not "." or "..". */
bool roots_name_ok(const char *name);

/* One export: a directory and who may mount it, how. */
struct roots_export {
	const char *path;               /* absolute, beneath the base */
	const char *const *clients;     /* NULL-terminated: "10.0.0.11", "10.0.0.0/24" */
	bool rw;                        /* else ro */
	bool no_root_squash;            /* per-node areas, where root must be root */
	unsigned id;                    /* ganesha Export_Id, unique, >= 1 */
};

/*
 * The kernel server's exports(5) file: a header comment saying it is generated, then one line
 * per export, "PATH CLIENT(OPTS) CLIENT(OPTS)", OPTS "ro|rw,sync,no_subtree_check" plus
 * ",no_root_squash" when asked (else "root_squash"). Paths with spaces or other characters
 * exports(5) would misread are refused (-EINVAL, *bad set to the export). Returns the length
 * written (snprintf-style: the full length even when @cap is short), or -EINVAL.
 */
ssize_t roots_exports_kernel(char *out, size_t cap, const struct roots_export *e, size_t n,
			     const struct roots_export **bad);

/*
 * nfs-ganesha EXPORT blocks (FSAL VFS), one per export: Export_Id, Path, Pseudo (= Path),
 * Protocols = 3, 4; Access_Type = None at the block level and one CLIENT sub-block listing the
 * clients with Access_Type RO or RW; Squash = No_Root_Squash or Root_Squash; SecType = sys.
 * Same return convention as above.
 */
ssize_t roots_exports_ganesha(char *out, size_t cap, const struct roots_export *e, size_t n,
			      const struct roots_export **bad);

/*
 * fstab(5) for a root mounted over NFS, from the image's own fstab (@in, @len bytes; may be
 * empty): every line mounting "/" or a local disk (a device path, UUID=, LABEL=, PARTUUID=,
 * PARTLABEL=) and every swap line is commented out with a "# bootherd: " prefix; comments,
 * blank lines and network or virtual mounts are kept as they are; then the lines the seed's
 * nodes need are added unless an active line already mounts that point:
 *   NFS_SOURCE  /  nfs  defaults,NFS_OPTS  0 0      (NFS_SOURCE "server:/path", or "/dev/nfs"
 *                                                    when @nfs_source is NULL: dracut mounts it)
 *   tmpfs  /dev/shm  tmpfs  defaults  0 0
 *   devpts  /dev/pts  devpts  gid=5,mode=620  0 0
 *   sysfs  /sys  sysfs  defaults  0 0
 *   proc  /proc  proc  defaults  0 0
 * Idempotent: the output fed back in gives itself. Lines are split on LF (a CR before it is
 * dropped); a NUL byte makes the input malformed (-EINVAL). Returns the length as above.
 */
ssize_t roots_fstab(char *out, size_t cap, const char *in, size_t len, const char *nfs_source,
		    const char *nfs_opts);

/*
 * `bootherd roots ...`: argv[0] is "roots". @c is the loaded configuration (its diskless
 * section, nodes and profiles), @config_path its file for messages. Returns the exit status:
 * 0, 1 on failure (reason on stderr), 2 on a usage error.
 */
int roots_main(int argc, char **argv, const struct conf *c);

#endif
