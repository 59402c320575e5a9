// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The DHCP fast path: a DISCOVER or REQUEST from a node of the inventory is answered here, in
 * the XDP hook, with the reply user space would send (src/svc/dhcp.c), and sent back out with
 * XDP_TX. Everything this program does not fully understand goes on to the kernel and to user
 * space with XDP_PASS: unknown MACs, relayed requests, IP options, fragments, other message
 * types, malformed or oversized packets, options whose effect only user space computes.
 *
 * "The reply user space would send" is built from pieces user space rendered with its own code
 * (bpf/dhcp_shared.h), laid out in the order user space queues options:
 *   53 54 51 58 59 1 3 6 15 12 (node head) | 42 26 28 (if asked for) | 60 (PXEClient or
 *   HTTPClient echoed) | 66 67 (boot file of the client's class) | 43 (PXE, with a boot file) |
 *   175.176 (iPXE) | 97 (echoed)
 * A reply that would not fit the client's size without option overload is passed on too.
 */
#include "parsing.h"
#include "dhcp_shared.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define DHCP_SERVER_OFF_FIXED   236     /* op .. file */
#define DHCP_OPTS_OFF           240
#define DHCP_BOOTP_MIN          300
#define DHCP_MTU_MIN_PAYLOAD    548     /* 576 - IP - UDP */
#define DHCP_MAX_REPLY          1500

#define SCRATCH_SIZE    2048
#define SCRATCH_MASK    (SCRATCH_SIZE - 1)

#define ARCH_UNKNOWN    0xffff

/*
 * Per-CPU working memory. What the program learns about a request lives here rather than in
 * registers: values loaded from a map are unknown to the verifier, so the many independent
 * yes/no facts about a request do not multiply into as many verifier states.
 */
struct plan {
	__u32 l2_len;           /* 14, or 18 with a VLAN tag */
	__u32 pos;              /* next payload byte written, as a frame offset */
	__s32 err;              /* first store error */
	__u32 opts_len;         /* options and END */
	__u32 rlen;             /* DHCP payload */
	__u32 yiaddr, daddr, ciaddr;
	__u32 boot_id;
	__u32 prl;              /* 1: 42 asked for, 2: 26, 4: 28 */
	__u32 uuid_len;
	__u16 arch;
	__u8 type, reply_type;
	__u8 pxe, http, ipxe, has93, uuid_echo, bcast;
	__u8 pad[2];
	/* The option walk (and the scans of one option's value) by bpf_loop() callbacks. */
	__u32 i, len, status, seen, scan_off, scan_len, found, bad;
	__u16 off[11];          /* by enum track */
	__u8 olen[11];
	__u8 pad2[3];
};

struct scratch {
	__u8 b[SCRATCH_SIZE + 520];     /* the slack: the checksum's last 512-byte chunk, as the
					 * verifier bounds it, and reads just past a masked index */
	__u8 hdr[44];                   /* the reply's op .. chaddr */
	__u8 uuid[2 + BH_UUID_MAX];     /* option 97 echoed */
	__u8 dst_mac[6];
	__u8 pad[6];
	struct plan p;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bh_global);
} bh_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bh_if_key);
	__type(value, struct bh_if);
} bh_ifs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);      /* set by the loader from the inventory */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bh_node_key);
	__type(value, struct bh_node);
} bh_nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);       /* set by the loader */
	__type(key, __u32);
	__type(value, struct bh_boot);
} bh_boot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BH_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} bh_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BH_EVENTS_SIZE);
} bh_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} bh_scratch SEC(".maps");

static const __u8 zeros[128];

static __always_inline void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&bh_stats, &what);

	if (v)
		*v += 1;
}

/* --- the request */

/* The options the reply depends on; each may appear once (RFC 3396 joins are user space's). */
enum track {
	T_REQUESTED_IP = 0,     /* 50 */
	T_LEASE_TIME = 1,       /* 51 */
	T_MSG_TYPE = 2,         /* 53 */
	T_SERVER_ID = 3,        /* 54 */
	T_PARAM_LIST = 4,       /* 55 */
	T_MAX_SIZE = 5,         /* 57 */
	T_VENDOR = 6,           /* 60 */
	T_USER_CLASS = 7,       /* 77 */
	T_ARCH = 8,             /* 93 */
	T_UUID = 9,             /* 97 */
	T_IPXE = 10,            /* 175 */
	T_NR = 11,
};

enum walk_status {
	WALK_GOING = 0,
	WALK_DONE = 1,
	WALK_BAD = 2,           /* user space would call it malformed */
	WALK_OTHER = 3,         /* legal, but only user space handles it (52, repeats) */
};



static __always_inline int track_slot(__u8 code)
{
	switch (code) {
	case 50: return T_REQUESTED_IP;
	case 51: return T_LEASE_TIME;
	case 53: return T_MSG_TYPE;
	case 54: return T_SERVER_ID;
	case 55: return T_PARAM_LIST;
	case 57: return T_MAX_SIZE;
	case 60: return T_VENDOR;
	case 77: return T_USER_CLASS;
	case 93: return T_ARCH;
	case 97: return T_UUID;
	case 175: return T_IPXE;
	default: return -1;
	}
}

_Static_assert(T_NR == 11, "struct plan's off[] and olen[] have one slot per tracked option");

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&bh_scratch, &zero);
}

/*
 * One option per call, as dhcp_parse() walks them: PAD skipped, END or the area's end stops.
 * The callbacks keep their state in the scratch map, not in their context on the stack, so
 * that the verifier need not tell apart walks by the options they have seen.
 */
static long walk_one(__u32 idx, void *ctx)
{
	struct scratch *s = scratch();
	struct plan *p;
	__u32 i, l;
	__u8 code;
	int slot;

	if (!s)
		return 1;
	p = &s->p;
	i = p->i;
	if (i >= p->len) {
		p->status = WALK_DONE;
		return 1;
	}
	code = s->b[i & SCRATCH_MASK];
	if (code == 0) {
		p->i = i + 1;
		return 0;
	}
	if (code == 255) {
		p->status = WALK_DONE;
		return 1;
	}
	if (p->len - i < 2) {
		p->status = WALK_BAD;
		return 1;
	}
	l = s->b[(i + 1) & SCRATCH_MASK];
	if (p->len - i - 2 < l) {
		p->status = WALK_BAD;
		return 1;
	}
	if (code == 52) {
		p->status = WALK_OTHER;
		return 1;
	}
	slot = track_slot(code);
	if (slot >= 0 && slot < T_NR) {
		if (p->seen & (1u << slot)) {
			p->status = WALK_OTHER;
			return 1;
		}
		p->seen |= 1u << slot;
		p->off[slot] = (__u16)(i + 2);
		p->olen[slot] = (__u8)l;
	}
	p->i = i + 2 + l;
	return 0;
}

static __always_inline __u8 at(const __u8 *b, __u32 i)
{
	return b[i & SCRATCH_MASK];
}

static __always_inline int has_prefix(const __u8 *b, __u32 off, __u32 len, const char *p,
				      __u32 plen)
{
	if (len < plen)
		return 0;
	for (__u32 k = 0; k < plen; k++)
		if (at(b, off + k) != (__u8)p[k])
			return 0;
	return 1;
}

/* dhcp_vendor_arch(): "PXEClient:Arch:NNNNN[:...]" -> NNNNN, else -1. */
static __always_inline int vendor_arch(const __u8 *b, __u32 off, __u32 len)
{
	__u32 i, v = 0;

	if (has_prefix(b, off, len, "PXEClient", 9))
		i = 9;
	else if (has_prefix(b, off, len, "HTTPClient", 10))
		i = 10;
	else
		return -1;
	if (len - i < 11 || !has_prefix(b, off + i, 6, ":Arch:", 6))
		return -1;
	i += 6;
	for (__u32 k = 0; k < 5; k++) {
		__u32 d = (__u32)at(b, off + i + k) - '0';

		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	i += 5;
	if (v > 0xffff || (i < len && at(b, off + i) != ':'))
		return -1;
	return (int)v;
}

/* RFC 3004 user classes: one length-prefixed class per call. */
static long user_class_one(__u32 idx, void *ctx)
{
	struct scratch *s = scratch();
	struct plan *p;
	__u32 l, o;

	if (!s)
		return 1;
	p = &s->p;
	if (p->i >= p->scan_len)
		return 1;
	o = p->scan_off + p->i;
	l = at(s->b, o);
	if (!l || l > p->scan_len - p->i - 1) {
		p->bad = 1;
		return 1;
	}
	if (l == 4 && at(s->b, o + 1) == 'i' && at(s->b, o + 2) == 'P' &&
	    at(s->b, o + 3) == 'X' && at(s->b, o + 4) == 'E') {
		p->found = 1;
		return 1;
	}
	p->i += 1 + l;
	return 0;
}

/* Parameter request list: which of 42, 26 and 28 it names. */
static long param_one(__u32 idx, void *ctx)
{
	struct scratch *s = scratch();
	struct plan *p;
	__u8 c;

	if (!s)
		return 1;
	p = &s->p;
	if (idx >= p->scan_len)
		return 1;
	c = at(s->b, p->scan_off + idx);
	if (c == 42)
		p->prl |= 1;
	else if (c == 26)
		p->prl |= 2;
	else if (c == 28)
		p->prl |= 4;
	return 0;
}

static __always_inline __u32 be32_at(const __u8 *b, __u32 off)
{
	return (__u32)at(b, off) << 24 | (__u32)at(b, off + 1) << 16 |
	       (__u32)at(b, off + 2) << 8 | at(b, off + 3);
}

/* The same four bytes as they lie in the packet (network order stays network order). */
static __always_inline __u32 raw32_at(const __u8 *b, __u32 off)
{
	return bpf_htonl(be32_at(b, off));
}

/* One's complement sum of b[0..len), len a multiple of 4 and at most 2048. */
static __always_inline __u64 csum_buf(__u8 *b, __u32 len, __u64 seed)
{
	__u32 n;
	__s64 r;

	n = len > 512 ? 512 : len;
	r = bpf_csum_diff(0, 0, (void *)b, n & 0x3fc, (__u32)seed);
	seed = r < 0 ? 0 : (__u64)(__u32)r;
	if (len <= 512)
		return seed;
	len -= 512;
	n = len > 512 ? 512 : len;
	r = bpf_csum_diff(0, 0, (void *)(b + 512), n & 0x3fc, (__u32)seed);
	seed = r < 0 ? 0 : (__u64)(__u32)r;
	if (len <= 512)
		return seed;
	len -= 512;
	n = len > 512 ? 512 : len;
	r = bpf_csum_diff(0, 0, (void *)(b + 1024), n & 0x3fc, (__u32)seed);
	seed = r < 0 ? 0 : (__u64)(__u32)r;
	if (len <= 512)
		return seed;
	len -= 512;
	n = len > 512 ? 512 : len;
	r = bpf_csum_diff(0, 0, (void *)(b + 1536), n & 0x3fc, (__u32)seed);
	return r < 0 ? 0 : (__u64)(__u32)r;
}

struct pseudo {
	__be32 saddr, daddr;
	__u8 zero, proto;
	__be16 len;
	__be16 sport, dport, ulen, check;
};

/* The UDP checksum over the pseudo header, the UDP header (its check field as given) and
 * @len payload bytes in the scratch buffer (zero padded here to a multiple of 4). */
static __always_inline __u16 udp_sum(struct scratch *s, __u32 len, __be32 saddr, __be32 daddr,
				     __be16 sport, __be16 dport, __be16 check)
{
	struct pseudo ph = {
		.saddr = saddr, .daddr = daddr, .proto = IPPROTO_UDP,
		.len = bpf_htons((__u16)(len + 8)), .sport = sport, .dport = dport,
		.ulen = bpf_htons((__u16)(len + 8)), .check = check,
	};
	__s64 r;
	__u64 sum;

	s->b[len & SCRATCH_MASK] = 0;
	s->b[(len + 1) & SCRATCH_MASK] = 0;
	s->b[(len + 2) & SCRATCH_MASK] = 0;
	r = bpf_csum_diff(0, 0, (void *)&ph, sizeof(ph), 0);
	sum = csum_buf(s->b, (len + 3) & ~3u, r < 0 ? 0 : (__u32)r);
	return csum_fold32(sum);
}

/* --- the reply */

static __always_inline void put(struct xdp_md *ctx, struct plan *p, const void *src, __u64 len)
{
	long r = bpf_xdp_store_bytes(ctx, p->pos, (void *)src, len);

	if (r)
		p->err = (__s32)r;
	p->pos += len;
}

/* A piece of variable length, at most @max bytes (a constant): the two checks stay apart so
 * that the verifier sees both bounds on the length it passes on. */
static __always_inline void put_var(struct xdp_md *ctx, struct plan *p, const void *src,
				    __u64 len, const __u64 max)
{
	if (len > max) {
		p->err = -7;
		return;
	}
	asm volatile("" : "+r"(len));
	if (len == 0)
		return;
	asm volatile("" : "+r"(len));
	put(ctx, p, src, len);
}

/* The client's hints, as fill_conveniences() reads them, into @p. */
static __always_inline void read_hints(struct scratch *s, struct plan *p)
{
	int a;

	p->arch = ARCH_UNKNOWN;
	if (p->seen & (1u << T_VENDOR)) {
		p->pxe = has_prefix(s->b, p->off[T_VENDOR], p->olen[T_VENDOR], "PXEClient", 9);
		p->http = has_prefix(s->b, p->off[T_VENDOR], p->olen[T_VENDOR], "HTTPClient", 10);
	}
	p->has93 = !!(p->seen & (1u << T_ARCH));
	if (p->has93 && p->olen[T_ARCH] >= 2 && !(p->olen[T_ARCH] & 1)) {
		p->arch = (__u16)(at(s->b, p->off[T_ARCH]) << 8 | at(s->b, p->off[T_ARCH] + 1));
	} else if (p->seen & (1u << T_VENDOR)) {
		a = vendor_arch(s->b, p->off[T_VENDOR], p->olen[T_VENDOR]);
		if (a >= 0)
			p->arch = (__u16)a;
	}
	if (p->seen & (1u << T_IPXE)) {
		p->ipxe = 1;
	} else if (p->seen & (1u << T_USER_CLASS)) {
		__u32 uo = p->off[T_USER_CLASS], ul = p->olen[T_USER_CLASS];

		if (ul == 4 && at(s->b, uo) == 'i' && at(s->b, uo + 1) == 'P' &&
		    at(s->b, uo + 2) == 'X' && at(s->b, uo + 3) == 'E') {
			p->ipxe = 1;
		} else {
			p->scan_off = uo;
			p->scan_len = ul;
			p->i = 0;
			p->found = p->bad = 0;
			bpf_loop(256, user_class_one, NULL, 0);
			p->ipxe = p->found && !p->bad;
		}
	}
	if (p->seen & (1u << T_PARAM_LIST)) {
		p->scan_off = p->off[T_PARAM_LIST];
		p->scan_len = p->olen[T_PARAM_LIST];
		bpf_loop(256, param_one, NULL, 0);
	}
}

/* The boot file class of put_boot_opts() / boot_field(); BH_BOOT_NR: not a boot client. */
static __always_inline __u32 boot_class(const struct plan *p)
{
	__u16 arch = p->arch;

	if (!p->pxe && !p->http && !p->ipxe && !p->has93)
		return BH_BOOT_NR;
	if (p->http)
		return arch == 19 ? BH_BOOT_HTTP_ARM64 : BH_BOOT_HTTP;
	switch (arch) {
	case 0: return BH_BOOT_BIOS;
	case 6: return BH_BOOT_EFI32;
	case 7:
	case 9: return BH_BOOT_EFI64;
	case 11: return BH_BOOT_ARM64;
	case 16: return BH_BOOT_HTTP;
	case 19: return BH_BOOT_HTTP_ARM64;
	default: return BH_BOOT_NONE;
	}
}

static __always_inline void report(struct xdp_md *ctx, struct scratch *s)
{
	struct plan *p = &s->p;
	struct bh_event *ev = bpf_ringbuf_reserve(&bh_events, sizeof(*ev), 0);

	if (!ev) {
		count(BH_CNT_EVENTS_LOST);
		return;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->ifindex = ctx->ingress_ifindex;
	ev->ip = p->yiaddr;
	__builtin_memcpy(&ev->xid, &s->hdr[4], 4);
	ev->arch = p->arch;
	ev->type = p->reply_type;
	ev->flags = (p->pxe ? BH_EV_PXE : 0) | (p->ipxe ? BH_EV_IPXE : 0) |
		    (p->http ? BH_EV_HTTP : 0);
	__builtin_memcpy(ev->mac, &s->hdr[28], 6);
	ev->pad[0] = ev->pad[1] = 0;
	/*
	 * A wakeup per reply cost more than the reply itself: user space drains the ring on its
	 * own timer, and is woken only when a burst has filled a good part of it.
	 */
	bpf_ringbuf_submit(ev, bpf_ringbuf_query(&bh_events, BPF_RB_AVAIL_DATA) >= BH_EVENTS_WAKE ?
			       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

SEC("xdp")
int bootherd_dhcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct udphdr *udph;
	struct bh_global *g;
	struct bh_if_key ik = { 0 };
	struct bh_if *ifc;
	struct bh_node_key nk = { 0 };
	struct bh_node *node;
	struct bh_boot *boot = NULL;
	struct scratch *s;
	struct plan *p;
	__u32 zero = 0, vlan, l2_len, frame_len, tot_len, ulen, plen, max_len;
	int proto;
	__s64 r;

	proto = parse_ethhdr_vlan(&nh, data_end, &eth, &vlan, &l2_len);
	if (proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (parse_iphdr_plain(&nh, data_end, &iph) != IPPROTO_UDP)
		return XDP_PASS;
	if (parse_udphdr(&nh, data_end, &udph) < 0)
		return XDP_PASS;
	g = bpf_map_lookup_elem(&bh_global, &zero);
	if (!g || udph->dest != bpf_htons(g->server_port))
		return XDP_PASS;
	ik.gen = g->gen;
	ik.ifindex = ctx->ingress_ifindex;
	ik.vlan = vlan;
	ifc = bpf_map_lookup_elem(&bh_ifs, &ik);
	if (!ifc)
		return XDP_PASS;
	count(BH_CNT_REQUESTS);
	if (g->stale_ns && bpf_ktime_get_ns() - g->heartbeat_ns > g->stale_ns) {
		count(BH_CNT_PASS_STALE);
		return XDP_PASS;
	}
	/* Fragments and anything the kernel's IPv4 and UDP input would drop or trim. */
	frame_len = (__u32)(data_end - data);
	tot_len = bpf_ntohs(iph->tot_len);
	ulen = bpf_ntohs(udph->len);
	if ((iph->frag_off & bpf_htons(0x3fff)) || tot_len < 28 || l2_len + tot_len > frame_len ||
	    ulen < 8 || ulen > tot_len - 20 ||
	    csum_fold32(bpf_csum_diff(0, 0, (void *)iph, sizeof(*iph), 0) & 0xffffffff) != 0xffff) {
		count(BH_CNT_PASS_MALFORMED);
		return XDP_PASS;
	}
	/* Only what the kernel would deliver to our socket: to us, or broadcast. */
	if (iph->daddr != 0xffffffff && iph->daddr != ifc->addr && iph->daddr != ifc->bcast) {
		count(BH_CNT_PASS_OTHER);
		return XDP_PASS;
	}
	if (!(eth->h_dest[0] & 1) &&
	    (eth->h_dest[0] != ifc->mac[0] || eth->h_dest[1] != ifc->mac[1] ||
	     eth->h_dest[2] != ifc->mac[2] || eth->h_dest[3] != ifc->mac[3] ||
	     eth->h_dest[4] != ifc->mac[4] || eth->h_dest[5] != ifc->mac[5])) {
		count(BH_CNT_PASS_OTHER);
		return XDP_PASS;
	}

	plen = ulen - 8;
	if (plen < DHCP_OPTS_OFF || plen > BH_REQ_MAX) {
		count(BH_CNT_PASS_MALFORMED);
		return XDP_PASS;
	}
	s = bpf_map_lookup_elem(&bh_scratch, &zero);
	if (!s)
		return XDP_PASS;
	p = &s->p;
	__builtin_memset(p, 0, sizeof(*p));
	p->l2_len = l2_len;
	__builtin_memcpy(s->dst_mac, eth->h_source, 6);
	if (bpf_xdp_load_bytes(ctx, l2_len + 28, s->b, plen)) {
		count(BH_CNT_PASS_MALFORMED);
		return XDP_PASS;
	}
	if (udph->check && udp_sum(s, plen, iph->saddr, iph->daddr, udph->source, udph->dest,
				   udph->check) != 0xffff) {
		count(BH_CNT_PASS_MALFORMED);
		return XDP_PASS;
	}
	/* The fixed part: a BOOTREQUEST from an Ethernet MAC with the magic cookie. */
	if (s->b[0] != 1 || s->b[2] > 16 || be32_at(s->b, 236) != 0x63825363) {
		count(BH_CNT_PASS_MALFORMED);
		return XDP_PASS;
	}
	if (s->b[1] != 1 || s->b[2] != 6) {
		count(BH_CNT_PASS_UNKNOWN);
		return XDP_PASS;
	}
	if (raw32_at(s->b, 24)) {
		count(BH_CNT_PASS_RELAYED);
		return XDP_PASS;
	}

	p->i = DHCP_OPTS_OFF;
	p->len = plen;
	bpf_loop(SCRATCH_SIZE, walk_one, NULL, 0);
	if (p->status != WALK_DONE) {
		count(p->status == WALK_BAD ? BH_CNT_PASS_MALFORMED : BH_CNT_PASS_OTHER);
		return XDP_PASS;
	}
	if ((p->seen & (1u << T_MSG_TYPE)) && p->olen[T_MSG_TYPE] == 1)
		p->type = at(s->b, p->off[T_MSG_TYPE]);
	if (p->type != 1 && p->type != 3) {
		count(BH_CNT_PASS_OTHER);
		return XDP_PASS;
	}

	nk.ifid = ifc->ifid;
	__builtin_memcpy(nk.mac, &s->b[28], 6);
	node = bpf_map_lookup_elem(&bh_nodes, &nk);
	if (!node) {
		count(BH_CNT_PASS_UNKNOWN);
		return XDP_PASS;
	}
	/* A client asking for a shorter lease than ours gets it, from user space. */
	if ((p->seen & (1u << T_LEASE_TIME)) && p->olen[T_LEASE_TIME] == 4) {
		__u32 lt = be32_at(s->b, p->off[T_LEASE_TIME]);

		if (lt >= 60 && lt < ifc->lease_time) {
			count(BH_CNT_PASS_OTHER);
			return XDP_PASS;
		}
	}
	read_hints(s, p);
	if ((p->seen & (1u << T_UUID)) && (p->pxe || p->http)) {
		__u32 ul = p->olen[T_UUID];

		if (ul > BH_UUID_MAX) {
			count(BH_CNT_PASS_OTHER);
			return XDP_PASS;
		}
		p->uuid_echo = 1;
		p->uuid_len = ul;
		s->uuid[0] = 97;
		s->uuid[1] = (__u8)ul;
		for (__u32 k = 0; k < BH_UUID_MAX; k++)
			s->uuid[2 + k] = at(s->b, p->off[T_UUID] + k);
	}
	p->ciaddr = raw32_at(s->b, 12);
	__builtin_memcpy(s->hdr, s->b, sizeof(s->hdr));

	/* do_discover() / do_request() for a node with a reserved address. */
	if (p->type == 1) {
		p->reply_type = 2;
	} else {
		__u32 sid = 0, requested = 0, want;

		if ((p->seen & (1u << T_SERVER_ID)) && p->olen[T_SERVER_ID] == 4)
			sid = raw32_at(s->b, p->off[T_SERVER_ID]);
		if ((p->seen & (1u << T_REQUESTED_IP)) && p->olen[T_REQUESTED_IP] == 4)
			requested = raw32_at(s->b, p->off[T_REQUESTED_IP]);
		want = requested ? requested : p->ciaddr;
		if (sid && sid != ifc->server_id) {
			count(BH_CNT_DROPPED);  /* another server's offer was taken */
			return XDP_DROP;
		}
		if (!want) {
			count(BH_CNT_DROPPED);
			return XDP_DROP;
		}
		if ((want & ifc->mask) != ifc->net) {
			if (!ifc->authoritative) {
				count(BH_CNT_DROPPED);
				return XDP_DROP;
			}
			p->reply_type = 6;
		} else {
			p->reply_type = want == node->ip ? 5 : 6;
		}
	}

	/* The size of the options, and whether they fit without overload (dhcp_build_finish). */
	if (p->reply_type == 6) {
		p->opts_len = 3 + 6 + 1;
	} else {
		__u32 cls = boot_class(p);

		p->yiaddr = node->ip;
		if (cls < BH_BOOT_NR) {
			p->boot_id = node->boot[p->ipxe & 1][cls];
			if (p->boot_id) {
				boot = bpf_map_lookup_elem(&bh_boot, &p->boot_id);
				if (!boot) {
					count(BH_CNT_PASS_OTHER);
					return XDP_PASS;
				}
			}
		}
		p->opts_len = node->head_len + 1;
		if (p->prl & 1)
			p->opts_len += ifc->ntp_len;
		if (p->prl & 2)
			p->opts_len += ifc->mtu_len;
		if (p->prl & 4)
			p->opts_len += ifc->bcast_len;
		if (p->pxe)
			p->opts_len += 11;
		else if (p->http)
			p->opts_len += 12;
		if (boot)
			p->opts_len += boot->opts_len + (p->pxe ? 6 : 0);
		if (p->ipxe)
			p->opts_len += 5;
		if (p->uuid_echo)
			p->opts_len += 2 + p->uuid_len;
	}
	max_len = DHCP_MTU_MIN_PAYLOAD;
	if ((p->seen & (1u << T_MAX_SIZE)) && p->olen[T_MAX_SIZE] == 2) {
		__u32 ms = (__u32)at(s->b, p->off[T_MAX_SIZE]) << 8 | at(s->b, p->off[T_MAX_SIZE] + 1);

		if (ms >= 576)
			max_len = ms - 28;
		if (max_len > DHCP_MAX_REPLY)
			max_len = DHCP_MAX_REPLY;
	}
	if (DHCP_OPTS_OFF + p->opts_len > max_len) {
		count(BH_CNT_PASS_TOO_BIG);
		return XDP_PASS;
	}
	p->rlen = DHCP_OPTS_OFF + p->opts_len;
	if (p->rlen < DHCP_BOOTP_MIN)
		p->rlen = DHCP_BOOTP_MIN;

	/* Where it goes: tx_address() for a request without giaddr. */
	if (p->reply_type == 6) {
		p->bcast = 1;
	} else if (p->ciaddr) {
		p->daddr = p->ciaddr;
	} else if ((s->hdr[10] & 0x80) || !p->yiaddr) {
		p->bcast = 1;
	} else {
		p->daddr = p->yiaddr;
		__builtin_memcpy(s->dst_mac, &s->hdr[28], 6);
	}
	if (p->bcast) {
		p->daddr = 0xffffffff;
		__builtin_memset(s->dst_mac, 0xff, 6);
	}

	/* From here on the frame is rewritten: a failure drops it, as it is no longer the
	 * request. */
	if (bpf_xdp_adjust_tail(ctx, (int)(p->l2_len + 28 + p->rlen) - (int)frame_len)) {
		/*
		 * No tailroom (veth's native mode gives the frame only the sender's slack): grow
		 * at the head instead, which native XDP keeps 256 bytes of, and bring the
		 * EtherType (and VLAN tag) along; everything after it is written anew below.
		 */
		__s32 grow = (__s32)(p->l2_len + 28 + p->rlen) - (__s32)frame_len;
		__u8 *old;

		if (grow <= 0 || grow > 256 || bpf_xdp_adjust_head(ctx, -grow)) {
			count(BH_CNT_PASS_NO_ROOM);
			return XDP_PASS;
		}
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		old = data + (__u32)grow;
		if ((void *)(old + 18) > data_end || data + 18 > data_end)
			return XDP_DROP;
		__builtin_memcpy(data + 12, old + 12, 6);
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	l2_len = p->l2_len;
	if (l2_len > 18 || data + l2_len + 28 > data_end)
		return XDP_DROP;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	iph = data + l2_len;
	udph = data + l2_len + 20;
	if ((void *)(udph + 1) > data_end || (void *)(iph + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, s->dst_mac, 6);
	__builtin_memcpy(eth->h_source, ifc->mac, 6);
	{
		struct iphdr ip = {
			.version = 4, .ihl = 5, .tot_len = bpf_htons((__u16)(28 + p->rlen)),
			.frag_off = bpf_htons(0x4000), .ttl = g->ttl ? g->ttl : 64,
			.protocol = IPPROTO_UDP, .saddr = ifc->addr, .daddr = p->daddr,
		};

		r = bpf_csum_diff(0, 0, (void *)&ip, sizeof(ip), 0);
		ip.check = (__u16)~csum_fold32(r < 0 ? 0 : (__u32)r);
		__builtin_memcpy(iph, &ip, sizeof(ip));
	}
	udph->source = bpf_htons(g->server_port);
	udph->dest = bpf_htons(g->client_port);
	udph->len = bpf_htons((__u16)(8 + p->rlen));
	udph->check = 0;

	/* dhcp_build_init(): op, htype, hlen, hops 0, xid, secs 0, flags, ciaddr, giaddr 0, chaddr. */
	s->hdr[0] = 2;
	s->hdr[3] = 0;
	s->hdr[8] = 0;
	s->hdr[9] = 0;
	__builtin_memcpy(&s->hdr[16], &p->yiaddr, 4);
	__builtin_memset(&s->hdr[20], 0, 4);
	if (boot)
		__builtin_memcpy(&s->hdr[20], &boot->siaddr, 4);
	p->pos = l2_len + 28;
	put(ctx, p, s->hdr, sizeof(s->hdr));
	put(ctx, p, zeros, 64);
	if (boot)
		put(ctx, p, boot->file, BH_FILE_LEN);
	else
		put(ctx, p, zeros, BH_FILE_LEN);
	{
		static const __u8 cookie[4] = { 99, 130, 83, 99 };

		put(ctx, p, cookie, 4);
	}
	if (p->reply_type == 6) {
		__u8 nak[12] = { 53, 1, 6, 54, 4 };

		__builtin_memcpy(&nak[5], &ifc->server_id, 4);
		nak[9] = 255;
		put(ctx, p, nak, 10);
	} else {
		static const __u8 v60[11] = { 60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't' };
		static const __u8 v60h[12] = { 60, 10, 'H', 'T', 'T', 'P', 'C', 'l', 'i', 'e', 'n',
					       't' };
		static const __u8 o175[5] = { 175, 3, 176, 1, 1 };
		static const __u8 o43[6] = { 43, 4, 6, 1, 8, 255 };
		static const __u8 end = 255;
		__u8 t = p->reply_type;

		put_var(ctx, p, node->head, node->head_len, BH_HEAD_MAX);
		/* Option 53's value: the head was rendered as an OFFER. */
		if (bpf_xdp_store_bytes(ctx, p->l2_len + 28 + DHCP_OPTS_OFF + 2, &t, 1))
			p->err = -1;
		if (p->prl & 1)
			put_var(ctx, p, ifc->ntp, ifc->ntp_len, BH_NTP_MAX);
		if (p->prl & 2)
			put_var(ctx, p, ifc->mtu, ifc->mtu_len, sizeof(ifc->mtu));
		if (p->prl & 4)
			put_var(ctx, p, ifc->bcast_opt, ifc->bcast_len, sizeof(ifc->bcast_opt));
		if (p->pxe)
			put(ctx, p, v60, sizeof(v60));
		else if (p->http)
			put(ctx, p, v60h, sizeof(v60h));
		if (boot) {
			put_var(ctx, p, boot->opts, boot->opts_len, BH_BOOT_OPTS_MAX);
			/* PXE discovery control 8: boot the file named here (put_boot_opts()). */
			if (p->pxe)
				put(ctx, p, o43, sizeof(o43));
		}
		if (p->ipxe)
			put(ctx, p, o175, sizeof(o175));
		if (p->uuid_echo)
			put_var(ctx, p, s->uuid, 2 + p->uuid_len, sizeof(s->uuid));
		put(ctx, p, &end, 1);
	}
	{
		/* Options start at 240, so the padding to 300 is under 64 bytes. */
		__u32 used = p->pos - (p->l2_len + 28);

		if (used < DHCP_BOOTP_MIN) {
			__u64 pad = (DHCP_BOOTP_MIN - used) & 63;

			if (pad)
				put(ctx, p, zeros, pad);
		}
	}
	if (p->err || p->pos != p->l2_len + 28 + p->rlen)
		return XDP_DROP;

	/* The UDP checksum over what was written. */
	{
		__u64 n = p->rlen;
		__u16 c;

		asm volatile("" : "+r"(n));
		if (n < DHCP_BOOTP_MIN || n > DHCP_MAX_REPLY)
			return XDP_DROP;
		if (bpf_xdp_load_bytes(ctx, p->l2_len + 28, s->b, n))
			return XDP_DROP;
		c = ~udp_sum(s, p->rlen, ifc->addr, p->daddr, bpf_htons(g->server_port),
			     bpf_htons(g->client_port), 0);
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		l2_len = p->l2_len;
		if (l2_len > 18)
			return XDP_DROP;
		udph = data + l2_len + 20;
		if ((void *)(udph + 1) > data_end)
			return XDP_DROP;
		udph->check = c ? c : 0xffff;
	}

	count(p->reply_type == 2 ? BH_CNT_OFFERS : p->reply_type == 5 ? BH_CNT_ACKS : BH_CNT_NAKS);
	report(ctx, s);
	return XDP_TX;
}
