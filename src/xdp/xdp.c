// SPDX-License-Identifier: MIT
/*
 * The fast path's loader: the skeleton of bpf/dhcp.bpf.c, handed to libxdp so that other XDP
 * programs can share the interface (libxdp's dispatcher), its maps filled by generation, its
 * counters and events read back, and the same counters read from the kernel by `bootherd
 * status` without the daemon's help.
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "core/log.h"
#include "xdp/xdp.h"
#include "dhcp.skel.h"

struct gen_keys {
	struct bh_node_key *nodes;
	size_t nr_nodes, cap_nodes;
	struct bh_if_key *ifs;
	size_t nr_ifs, cap_ifs;
};

struct attached {
	int ifindex;
	enum xdp_attach_mode mode;
	char name[IF_NAMESIZE];
};

struct xdp_fast {
	struct dhcp_bpf *skel;
	struct xdp_program *prog;
	struct attached ifs[XDP_FAST_IFS_MAX];
	size_t nr_ifs;
	struct ring_buffer *rb;
	xdp_fast_event_fn ev_fn;
	void *ev_ctx;

	pthread_mutex_t global_lock;    /* the heartbeat and a commit both write bh_global */
	struct bh_global global;

	struct gen_keys cur, next;
	bool building;
	uint32_t next_gen;
	size_t max_boot;                /* boot entries per half of bh_boot */
	uint32_t next_boot;             /* next free index in the new generation's half */
	struct bh_boot *boot_copy;      /* contents of the new generation's entries, for reuse */
	uint32_t *boot_hash;            /* open addressing over boot_copy: index + 1, 0 empty */
	size_t boot_hash_size;
};

static const char *const counter_names[BH_CNT_NR] = {
	[BH_CNT_REQUESTS] = "requests",
	[BH_CNT_OFFERS] = "offers",
	[BH_CNT_ACKS] = "acks",
	[BH_CNT_NAKS] = "naks",
	[BH_CNT_DROPPED] = "dropped",
	[BH_CNT_PASS_UNKNOWN] = "pass_unknown",
	[BH_CNT_PASS_RELAYED] = "pass_relayed",
	[BH_CNT_PASS_MALFORMED] = "pass_malformed",
	[BH_CNT_PASS_OTHER] = "pass_other",
	[BH_CNT_PASS_TOO_BIG] = "pass_too_big",
	[BH_CNT_PASS_NO_ROOM] = "pass_no_room",
	[BH_CNT_PASS_STALE] = "pass_stale",
	[BH_CNT_EVENTS_LOST] = "events_lost",
};

const char *xdp_fast_counter_name(unsigned idx)
{
	return idx < BH_CNT_NR ? counter_names[idx] : "?";
}

/* libbpf's and libxdp's messages, through our log at a level that matches theirs. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	/* Their debug level is a trace of every relocation: never ours. */
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* Both libraries report the attempts we fall back from as warnings: debug is enough. */
	pr_debug("xdp: %s", buf);
	return 0;
}

static int print_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return print_libbpf((enum libbpf_print_level)level, fmt, ap);
}

static void quiet_libs(void)
{
	libbpf_set_print(print_libbpf);
	libxdp_set_print(print_libxdp);
}

static const char *mode_name(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE: return "native";
	case XDP_MODE_SKB: return "skb";
	case XDP_MODE_HW: return "hw";
	default: return "none";
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A bootherd program left on @ifindex by a run that died without detaching it. */
static void detach_leftover(int ifindex, const char *ifname)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;
	enum xdp_attach_mode mode;

	if (libxdp_get_error(mp) || !mp)
		return;
	mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), BH_XDP_PROG_NAME)) {
			pr_warn("xdp: %s: detaching a fast path left by an earlier run", ifname);
			xdp_multiprog__detach(mp);
		}
		xdp_multiprog__close(mp);
		return;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
		if (strcmp(xdp_program__name(p), BH_XDP_PROG_NAME))
			continue;
		pr_warn("xdp: %s: detaching a fast path left by an earlier run", ifname);
		if (xdp_program__detach(p, ifindex, mode, 0))
			pr_warn("xdp: %s: could not detach it; the new one runs beside it",
				ifname);
		break;
	}
	xdp_multiprog__close(mp);
}

static int attach_one(struct xdp_fast *x, const char *ifname, enum xdp_fast_mode want)
{
	static const enum xdp_attach_mode order[] = { XDP_MODE_NATIVE, XDP_MODE_SKB };
	int ifindex = (int)if_nametoindex(ifname), err = -ENODEV;
	struct attached *a = &x->ifs[x->nr_ifs];

	if (!ifindex) {
		pr_warn("xdp: %s: %s; DHCP there stays in user space", ifname, strerror(errno));
		return -errno;
	}
	detach_leftover(ifindex, ifname);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char why[128];

		if ((want == XDP_FAST_NATIVE && order[i] != XDP_MODE_NATIVE) ||
		    (want == XDP_FAST_SKB && order[i] != XDP_MODE_SKB))
			continue;
		err = xdp_program__attach(x->prog, ifindex, order[i], 0);
		if (!err) {
			a->ifindex = ifindex;
			a->mode = order[i];
			snprintf(a->name, sizeof(a->name), "%s", ifname);
			x->nr_ifs++;
			pr_info("xdp: DHCP fast path attached to %s in %s mode", ifname,
				mode_name(order[i]));
			return 0;
		}
		libxdp_strerror(err, why, sizeof(why));
		pr_info("xdp: %s: %s mode not available (%s)%s", ifname, mode_name(order[i]), why,
			want == XDP_FAST_AUTO && order[i] == XDP_MODE_NATIVE ?
			"; trying skb mode" : "");
	}
	pr_warn("xdp: %s: no XDP mode works; DHCP there stays in user space", ifname);
	return err;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct xdp_fast *x = ctx;

	if (size >= sizeof(struct bh_event) && x->ev_fn)
		x->ev_fn(x->ev_ctx, data);
	return 0;
}

static int write_global(struct xdp_fast *x)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.bh_global), &zero, &x->global, 0) ?
	       -errno : 0;
}

#define BPF_FS_MAGIC_NR 0xcafe4a11

/*
 * libxdp keeps its dispatcher (what lets programs share an interface) on a bpffs; without one
 * it attaches our program alone. `ip netns exec` hides the host's /sys/fs/bpf behind a fresh
 * sysfs: mount one there, as systemd does at boot.
 */
static void ensure_bpffs(bool quiet)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC_NR)
		return;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") == 0 && !quiet)
		pr_info("xdp: mounted a bpffs on /sys/fs/bpf for libxdp's dispatcher");
	else if (!quiet)
		pr_info("xdp: no bpffs on /sys/fs/bpf (%s): the fast path cannot share the "
			"interface with other XDP programs", strerror(errno));
}

/* The skeleton opened and sized, not loaded yet. */
static struct xdp_fast *fast_new(const struct xdp_fast_opts *o)
{
	struct xdp_fast *x;

	quiet_libs();
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	pthread_mutex_init(&x->global_lock, NULL);
	x->max_boot = o->max_boot ? o->max_boot : 64;
	x->global.server_port = o->server_port;
	x->global.client_port = o->client_port;
	x->global.stale_ns = o->stale_ms * 1000000u;
	x->skel = dhcp_bpf__open();
	if (!x->skel) {
		pr_warn("xdp: cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	/* Two generations side by side during a reload, with room to spare. */
	bpf_map__set_max_entries(x->skel->maps.bh_nodes, (uint32_t)(2 * o->max_nodes + 64));
	bpf_map__set_max_entries(x->skel->maps.bh_boot, (uint32_t)(2 * x->max_boot + 2));
	x->boot_copy = calloc(x->max_boot + 1, sizeof(*x->boot_copy));
	for (x->boot_hash_size = 16; x->boot_hash_size < 2 * x->max_boot; x->boot_hash_size *= 2)
		;
	x->boot_hash = calloc(x->boot_hash_size, sizeof(*x->boot_hash));
	if (!x->boot_copy || !x->boot_hash)
		goto fail;
	return x;
fail:
	xdp_fast_close(x);
	return NULL;
}

/* Once loaded: the settings map, and the ring buffer. */
static int fast_ready(struct xdp_fast *x)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_default_ttl", "r");
	unsigned ttl = 64;

	if (f) {
		if (fscanf(f, "%u", &ttl) != 1 || !ttl || ttl > 255)
			ttl = 64;
		fclose(f);
	}
	x->global.ttl = (uint8_t)ttl;
	x->global.heartbeat_ns = mono_ns();
	/* Generation 0 has no entries: the program passes everything until the first commit. */
	if (write_global(x)) {
		pr_warn("xdp: cannot write the program's settings: %s", strerror(errno));
		return -errno;
	}
	x->rb = ring_buffer__new(bpf_map__fd(x->skel->maps.bh_events), on_event, x, NULL);
	if (!x->rb)
		pr_warn("xdp: no ring buffer (%s): fast-path replies go unlogged",
			strerror(errno));
	return 0;
}

struct xdp_fast *xdp_fast_open(const struct xdp_fast_opts *o, char *const *ifnames,
			       const enum xdp_fast_mode *modes, size_t n)
{
	struct xdp_fast *x;
	int err;

	if (n > XDP_FAST_IFS_MAX) {
		pr_warn("xdp: at most %d interfaces", XDP_FAST_IFS_MAX);
		n = XDP_FAST_IFS_MAX;
	}
	ensure_bpffs(false);
	x = fast_new(o);
	if (!x)
		return NULL;
	x->prog = xdp_program__from_bpf_obj(x->skel->obj, "xdp");
	err = (int)libxdp_get_error(x->prog);
	if (err) {
		x->prog = NULL;
		pr_warn("xdp: cannot make a libxdp program: %s", strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		attach_one(x, ifnames[i], modes[i]);
	if (!x->nr_ifs || fast_ready(x))
		goto fail;
	return x;
fail:
	xdp_fast_close(x);
	return NULL;
}

struct xdp_fast *xdp_fast_load(const struct xdp_fast_opts *o, const int *ifindex, size_t n)
{
	struct xdp_fast *x = fast_new(o);
	int err;

	if (!x)
		return NULL;
	err = dhcp_bpf__load(x->skel);
	if (err) {
		pr_warn("xdp: cannot load the program: %s", strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < n && i < XDP_FAST_IFS_MAX; i++) {
		x->ifs[i].ifindex = ifindex[i];
		x->ifs[i].mode = XDP_MODE_UNSPEC;
		if_indextoname((unsigned)ifindex[i], x->ifs[i].name);
		x->nr_ifs++;
	}
	if (fast_ready(x))
		goto fail;
	return x;
fail:
	xdp_fast_close(x);
	return NULL;
}

int xdp_fast_prog_fd(const struct xdp_fast *x)
{
	return bpf_program__fd(x->skel->progs.bootherd_dhcp);
}

static void keys_free(struct gen_keys *k)
{
	free(k->nodes);
	free(k->ifs);
	memset(k, 0, sizeof(*k));
}

/* Deletes a generation's entries from the maps. */
static void keys_delete(struct xdp_fast *x, struct gen_keys *k)
{
	int nfd = bpf_map__fd(x->skel->maps.bh_nodes), ifd = bpf_map__fd(x->skel->maps.bh_ifs);

	for (size_t i = 0; i < k->nr_nodes; i++)
		bpf_map_delete_elem(nfd, &k->nodes[i]);
	for (size_t i = 0; i < k->nr_ifs; i++)
		bpf_map_delete_elem(ifd, &k->ifs[i]);
	k->nr_nodes = k->nr_ifs = 0;
}

void xdp_fast_close(struct xdp_fast *x)
{
	if (!x)
		return;
	for (size_t i = 0; x->prog && i < x->nr_ifs; i++) {
		int err = xdp_program__detach(x->prog, x->ifs[i].ifindex, x->ifs[i].mode, 0);

		if (err)
			pr_warn("xdp: detaching from %s: %s", x->ifs[i].name, strerror(-err));
		else
			pr_info("xdp: DHCP fast path detached from %s", x->ifs[i].name);
	}
	ring_buffer__free(x->rb);
	/* The program object belongs to the skeleton's bpf_object. */
	if (x->prog)
		xdp_program__close(x->prog);
	dhcp_bpf__destroy(x->skel);
	keys_free(&x->cur);
	keys_free(&x->next);
	free(x->boot_copy);
	free(x->boot_hash);
	pthread_mutex_destroy(&x->global_lock);
	free(x);
}

void xdp_fast_describe(const struct xdp_fast *x, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; x && i < x->nr_ifs && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s on %s", i ? ", " : "",
				      mode_name(x->ifs[i].mode), x->ifs[i].name);
}

size_t xdp_fast_ifaces(const struct xdp_fast *x, int *ifindex, size_t max)
{
	size_t n = 0;

	for (; x && n < x->nr_ifs && n < max; n++)
		ifindex[n] = x->ifs[n].ifindex;
	return n;
}

int xdp_fast_begin(struct xdp_fast *x)
{
	if (x->building)
		xdp_fast_abort(x);
	x->building = true;
	x->next_gen = x->global.gen + 1;
	/* The two halves of bh_boot alternate; index 0 of each half stays unused. */
	x->next_boot = 1;
	memset(x->boot_hash, 0, x->boot_hash_size * sizeof(*x->boot_hash));
	return 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *p;
	size_t n;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int xdp_fast_add_if(struct xdp_fast *x, uint32_t ifindex, uint32_t vlan, struct bh_if *v)
{
	struct bh_if_key k = { .gen = x->next_gen, .ifindex = ifindex, .vlan = vlan };
	struct gen_keys *g = &x->next;

	if (grow((void **)&g->ifs, &g->cap_ifs, g->nr_ifs + 1, sizeof(*g->ifs)))
		return -ENOMEM;
	/* Unique across generations, so a node key never matches another generation's. */
	v->ifid = (x->next_gen << 8) | (uint32_t)(g->nr_ifs + 1);
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.bh_ifs), &k, v, BPF_ANY))
		return -errno;
	g->ifs[g->nr_ifs++] = k;
	return (int)v->ifid;
}

int xdp_fast_add_node(struct xdp_fast *x, uint32_t ifid, const uint8_t mac[6],
		      const struct bh_node *v)
{
	struct bh_node_key k = { .ifid = ifid };
	struct gen_keys *g = &x->next;

	memcpy(k.mac, mac, 6);
	if (grow((void **)&g->nodes, &g->cap_nodes, g->nr_nodes + 1, sizeof(*g->nodes)))
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.bh_nodes), &k, v, BPF_ANY))
		return -errno;
	g->nodes[g->nr_nodes++] = k;
	return 0;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3u;
	return h;
}

uint32_t xdp_fast_add_boot(struct xdp_fast *x, const struct bh_boot *b)
{
	size_t mask = x->boot_hash_size - 1, i = hash_bytes(b, sizeof(*b)) & mask;
	uint32_t half = (x->next_gen & 1) ? (uint32_t)x->max_boot + 1 : 0, idx;

	for (; x->boot_hash[i]; i = (i + 1) & mask) {
		uint32_t slot = x->boot_hash[i];

		if (!memcmp(&x->boot_copy[slot], b, sizeof(*b)))
			return half + slot;
	}
	if (x->next_boot > x->max_boot)
		return 0;
	idx = half + x->next_boot;
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.bh_boot), &idx, b, BPF_ANY))
		return 0;
	x->boot_copy[x->next_boot] = *b;
	x->boot_hash[i] = x->next_boot++;
	return idx;
}

int xdp_fast_commit(struct xdp_fast *x)
{
	struct gen_keys old;
	int err;

	if (!x->building)
		return -EINVAL;
	pthread_mutex_lock(&x->global_lock);
	x->global.gen = x->next_gen;
	x->global.heartbeat_ns = mono_ns();
	err = write_global(x);
	if (err)
		x->global.gen = x->next_gen - 1;
	pthread_mutex_unlock(&x->global_lock);
	if (err) {
		xdp_fast_abort(x);
		return err;
	}
	/*
	 * A packet that read the old generation just before the switch may still look up its
	 * entries; one that misses is passed to user space, so deleting them now loses nothing.
	 */
	old = x->cur;
	keys_delete(x, &old);
	x->cur = x->next;
	x->next = old;
	x->building = false;
	return 0;
}

void xdp_fast_abort(struct xdp_fast *x)
{
	keys_delete(x, &x->next);
	x->building = false;
}

void xdp_fast_heartbeat(struct xdp_fast *x)
{
	pthread_mutex_lock(&x->global_lock);
	x->global.heartbeat_ns = mono_ns();
	write_global(x);
	pthread_mutex_unlock(&x->global_lock);
}

static int sum_stats(int fd, uint64_t out[BH_CNT_NR])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < BH_CNT_NR; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
	return 0;
}

int xdp_fast_stats(const struct xdp_fast *x, uint64_t out[BH_CNT_NR])
{
	return sum_stats(bpf_map__fd(x->skel->maps.bh_stats), out);
}

int xdp_fast_events_fd(const struct xdp_fast *x)
{
	return x->rb ? ring_buffer__epoll_fd(x->rb) : -1;
}

int xdp_fast_events_consume(struct xdp_fast *x, xdp_fast_event_fn fn, void *ctx)
{
	int n = 0;

	if (!x->rb)
		return 0;
	/* The records come back through on_event(), which passes them on to @fn. */
	x->ev_fn = fn;
	x->ev_ctx = ctx;
	n = ring_buffer__consume(x->rb);
	return n;
}

/* --- `bootherd status` */

/* The counters map of the bootherd program with id @prog_id. */
static int stats_fd_of(uint32_t prog_id)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info), ids[16] = { 0 };
	int pfd = bpf_prog_get_fd_by_id(prog_id), fd = -ENOENT;

	if (pfd < 0)
		return -errno;
	info.nr_map_ids = 16;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(pfd, &info, &len)) {
		close(pfd);
		return -errno;
	}
	close(pfd);
	for (uint32_t i = 0; i < info.nr_map_ids && i < 16 && fd == -ENOENT; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t ml = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &ml) && !strcmp(mi.name, "bh_stats"))
			fd = mfd;
		else
			close(mfd);
	}
	return fd;
}

static int status_one(FILE *out, int ifindex, const char *ifname)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p = NULL;
	uint64_t c[BH_CNT_NR];
	int fd, found = 0;

	if (libxdp_get_error(mp) || !mp)
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && strcmp(xdp_program__name(p), BH_XDP_PROG_NAME))
			p = NULL;
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (!strcmp(xdp_program__name(p), BH_XDP_PROG_NAME))
				break;
	}
	if (p) {
		found = 1;
		fprintf(out, "%s: DHCP fast path attached (%s mode, program id %u, %d XDP "
			"program%s on the interface)\n", ifname,
			mode_name(xdp_multiprog__attach_mode(mp)), xdp_program__id(p),
			xdp_multiprog__program_count(mp) > 0 ? xdp_multiprog__program_count(mp) : 1,
			xdp_multiprog__program_count(mp) > 1 ? "s" : "");
		fd = stats_fd_of(xdp_program__id(p));
		if (fd >= 0 && !sum_stats(fd, c)) {
			for (unsigned k = 0; k < BH_CNT_NR; k++)
				fprintf(out, "  %-16s %llu\n", counter_names[k],
					(unsigned long long)c[k]);
		} else {
			fprintf(out, "  counters unreadable: %s\n", strerror(fd < 0 ? -fd : EIO));
		}
		if (fd >= 0)
			close(fd);
	}
	xdp_multiprog__close(mp);
	return found;
}

int xdp_fast_status(FILE *out, char *const *ifnames, size_t n)
{
	int found = 0;

	quiet_libs();
	ensure_bpffs(true);
	if (n) {
		for (size_t i = 0; i < n; i++) {
			int idx = (int)if_nametoindex(ifnames[i]);

			if (!idx) {
				fprintf(out, "%s: %s\n", ifnames[i], strerror(errno));
				continue;
			}
			if (!status_one(out, idx, ifnames[i])) {
				fprintf(out, "%s: no DHCP fast path attached\n", ifnames[i]);
				continue;
			}
			found++;
		}
	} else {
		struct if_nameindex *ni = if_nameindex(), *it;

		if (!ni)
			return -errno;
		for (it = ni; it->if_index; it++)
			found += status_one(out, (int)it->if_index, it->if_name);
		if (!found)
			fprintf(out, "no DHCP fast path attached to any interface\n");
		if_freenameindex(ni);
	}
	return found ? 0 : 1;
}
