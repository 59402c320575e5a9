// SPDX-License-Identifier: MIT
/*
 * bootstorm's system helpers: the reference checksums (XXH3) of the served files, rtnetlink
 * address adds, the XDP program on the client veth, and the server's CPU time and peak RSS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bootstorm.h"

/* --- Reference checksums: every regular file beneath the data directory, read once. --- */

struct ref {
	char *path;     /* relative, no leading '/' */
	uint64_t size, hash;
};
static struct ref *refs;
static size_t nrefs, caprefs;

static int ref_file(const char *full, const char *rel)
{
	XXH64_hash_t hash;
	struct stat st;
	const uint8_t *m;
	int fd = open(full, O_RDONLY | O_CLOEXEC);

	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		return -errno;
	}
	hash = XXH3_64bits(NULL, 0);
	if (st.st_size) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			close(fd);
			return -errno;
		}
		madvise((void *)m, (size_t)st.st_size, MADV_SEQUENTIAL);
		hash = XXH3_64bits(m, (size_t)st.st_size);
		munmap((void *)m, (size_t)st.st_size);
	}
	close(fd);
	if (nrefs == caprefs) {
		caprefs = caprefs ? caprefs * 2 : 64;
		refs = realloc(refs, caprefs * sizeof(*refs));
		if (!refs)
			return -ENOMEM;
	}
	refs[nrefs].path = strdup(rel);
	refs[nrefs].size = (uint64_t)st.st_size;
	refs[nrefs].hash = hash;
	nrefs++;
	return 0;
}

static int ref_walk(const char *dir, const char *rel, int depth)
{
	char full[1024], sub[1024];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err = 0;

	if (depth > 8)
		return 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (stat(full, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode))
			err = ref_walk(full, sub, depth + 1);
		else if (S_ISREG(st.st_mode))
			err = ref_file(full, sub);
	}
	closedir(d);
	return err;
}

int ref_load_all(const char *dir)
{
	return ref_walk(dir, "", 0);
}

/* The reference for a request path ("/a/b", "a/b", "a\\b" alike); -ENOENT when none. */
int ref_lookup(const char *path, uint64_t *size, uint64_t *hash)
{
	char norm[BS_PATH];
	size_t j = 0;

	while (*path == '/' || *path == '\\')
		path++;
	for (; *path && j < sizeof(norm) - 1; path++)
		norm[j++] = *path == '\\' ? '/' : *path;
	norm[j] = 0;
	for (size_t i = 0; i < nrefs; i++) {
		if (!strcmp(refs[i].path, norm)) {
			*size = refs[i].size;
			*hash = refs[i].hash;
			return 0;
		}
	}
	return -ENOENT;
}

/* --- rtnetlink: a node's leased address on the client veth (a /32: the veth's own address
 * already carries the subnet's route). --- */

int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd == -1)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -errno;
	}
	return fd;
}

int nl_addr_add(int fd, int ifidx, struct in_addr a)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		struct rtattr rta1;
		struct in_addr a1;
		struct rtattr rta2;
		struct in_addr a2;
	} req;
	char ans[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)ans;
	ssize_t r;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = 32;
	req.ifa.ifa_index = (unsigned)ifidx;
	req.rta1.rta_type = IFA_LOCAL;
	req.rta1.rta_len = RTA_LENGTH(4);
	req.a1 = a;
	req.rta2.rta_type = IFA_ADDRESS;
	req.rta2.rta_len = RTA_LENGTH(4);
	req.a2 = a;
	if (send(fd, &req, sizeof(req), 0) == -1)
		return -errno;
	/* rtnetlink answers within the send: the ACK is already queued. */
	r = recv(fd, ans, sizeof(ans), 0);
	if (r < (ssize_t)sizeof(*nh))
		return r == -1 ? -errno : -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		if (e->error && e->error != -EEXIST)
			return e->error;
	}
	return 0;
}

/* --- XDP on the client veth: XDP_PASS, or a random drop of --loss of every frame received.
 * Raw instructions, loaded with bpf(2) and attached by a BPF link (native mode), so that the
 * program goes with this process however it ends. The fd is kept open. --- */

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

int xdp_attach(int ifidx, double loss)
{
	struct bpf_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint64_t thr = (uint64_t)(loss * 4294967296.0);
	struct bpf_insn drop[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_prandom_u32 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .imm = (int32_t)(uint32_t)thr },
		{ .imm = (int32_t)(uint32_t)(thr >> 32) },
		{ .code = BPF_JMP | BPF_JLT | BPF_X, .dst_reg = 0, .src_reg = 1, .off = 2 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr a;
	int pfd, lfd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.expected_attach_type = BPF_XDP;
	a.insns = (uint64_t)(uintptr_t)(loss > 0 ? drop : pass);
	a.insn_cnt = loss > 0 ? sizeof(drop) / sizeof(drop[0]) : 2;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	memcpy(a.prog_name, "bootstorm", 10);
	pfd = sys_bpf(BPF_PROG_LOAD, &a);
	if (pfd == -1) {
		int e = errno;

		fprintf(stderr, "bootstorm: BPF_PROG_LOAD: %s\n%s", strerror(e), log);
		return -e;
	}
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)pfd;
	a.link_create.target_ifindex = (uint32_t)ifidx;
	a.link_create.attach_type = BPF_XDP;
	a.link_create.flags = XDP_FLAGS_DRV_MODE;
	lfd = sys_bpf(BPF_LINK_CREATE, &a);
	if (lfd == -1) {
		int e = errno;

		close(pfd);
		return -e;
	}
	return lfd;
}

/* --- The server's CPU time and peak RSS: from its cgroup (v2: cpu.stat covers every thread
 * and child), else from /proc of the PIDs given. RSS: the sum of VmHWM over its processes (an
 * upper bound of their joint peak: shared pages count once per process). --- */

static uint64_t hwm_kib(int pid)
{
	char p[64], line[256];
	uint64_t v = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lu kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static double proc_cpu_s(int pid)
{
	char p[64], buf[2048], *s;
	unsigned long ut, st;
	long cut, cst;
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	f = fopen(p, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	s = strrchr(buf, ')');
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
			 &ut, &st, &cut, &cst) != 4)
		return 0;
	return (double)(ut + st + (unsigned long)cut + (unsigned long)cst) /
	       (double)sysconf(_SC_CLK_TCK);
}

int srv_usage(struct srv_usage *u)
{
	char p[1024], line[256];
	FILE *f;

	memset(u, 0, sizeof(*u));
	if (opt.server_cg) {
		unsigned long long us = 0;
		int pid;

		snprintf(p, sizeof(p), "%s/cpu.stat", opt.server_cg);
		f = fopen(p, "re");
		if (!f)
			return -errno;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "usage_usec %llu", &us) == 1)
				break;
		fclose(f);
		u->cpu_s = (double)us / 1e6;
		snprintf(p, sizeof(p), "%s/cgroup.procs", opt.server_cg);
		f = fopen(p, "re");
		if (!f)
			return -errno;
		while (fscanf(f, "%d", &pid) == 1) {
			u->hwm_kib += hwm_kib(pid);
			u->procs++;
		}
		fclose(f);
		return 0;
	}
	for (unsigned i = 0; i < opt.n_server_pids; i++) {
		u->cpu_s += proc_cpu_s(opt.server_pids[i]);
		u->hwm_kib += hwm_kib(opt.server_pids[i]);
		u->procs++;
	}
	return 0;
}
