// SPDX-License-Identifier: MIT
/*
 * DHCP service glue: packets in from the loop, decisions from the inventory and the lease
 * table, replies out through the loop. The wire format is src/proto/dhcp_wire.c; the lease
 * table src/store/pool.c; durability src/store/leases.c.
 *
 * A reply that binds a dynamic lease is held in its tx slot until the store says the lease is
 * on disk, then sent: a client never holds an address that a crash could hand to another.
 * Static reservations (nodes with an ip) are answered at once and never written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netpacket/packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/template.h"
#include "match/match.h"
#include "proto/dhcp_wire.h"
#include "store/leases.h"
#include "store/pool.h"
#include "svc/bootgen.h"
#include "svc/dhcp.h"
#include "svc/server.h"
#include "xdp/xdp.h"

#define DHCP_BGID       7
#define DHCP_BUFS       1024    /* a storm's burst, between two passes of the loop */
#define DHCP_BUF_SIZE   2048
#define DHCP_TX_SLOTS   1024
#define DHCP_IFS_MAX    32
#define DEFAULT_LEASE_DB "/var/lib/bootherd/leases.sqlite"

struct dhcp_tx {
	struct loop_op op;
	struct dhcp_service *d;
	struct dhcp_tx *next_free;
	int fd;
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_in to;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctrl;
	uint8_t pkt[DHCP_MAX_LEN];
};

struct dhcp_listener {
	struct loop_op op;
	struct dhcp_service *d;
	struct msghdr msg;
	int fd;
	bool proxy_port;        /* the PXE boot server port (4011) */
};

/* What the decision code knows about one request. */
struct dhcp_req {
	const struct dhcp_msg *m;
	const struct server_gen *g;
	const struct conf *c;
	struct sockaddr_in peer;
	int ifindex;
	struct in_addr local;           /* our address on the receiving interface */
	struct in_addr server_id;       /* what we answer as: conf server_id or local */
	const struct conf_subnet *subnet;
	const struct conf_node *node;   /* inventory entry of the client's MAC */
	bool proxy_port;
	uint64_t now;
};

struct dhcp_service {
	struct server *srv;
	struct loop *loop;
	struct dhcp_listener main, proxy;
	struct loop_bufring ring;
	struct lease_pool *pool;
	struct lease_store *store;
	struct loop_op store_op;
	int mode;
	uint16_t client_port;
	int ifindex[DHCP_IFS_MAX];
	size_t nr_ifs;
	char ifnames[DHCP_IFS_MAX][IF_NAMESIZE];
	struct dhcp_tx *tx;
	struct dhcp_tx *tx_free;
	struct dhcp_msg msg;            /* the request being handled; large, so not on the stack */
	size_t pool_size;
	struct xdp_fast *xdp;           /* the kernel fast path; NULL when off or unavailable */
	struct loop_op xdp_op;          /* its ring buffer of replies sent */
	struct loop_timer xdp_timer;    /* its heartbeat */
	size_t xdp_nodes;               /* nodes it answers, in the current generation */
};

#define XDP_HEARTBEAT_MS 250    /* also how often the ring of fast-path replies is drained */
#define XDP_STALE_MS     5000   /* the program passes everything when user space is this late */

/* Counters live in struct server, where /metrics reads them; only this thread writes them. */
#define COUNT(d, what) atomic_fetch_add_explicit(&(d)->srv->dhcp_##what, 1, memory_order_relaxed)

static uint32_t h32(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static struct in_addr addr_h(uint32_t h)
{
	return (struct in_addr){ htonl(h) };
}

static const char *mac_str(char buf[static 64], const struct dhcp_msg *m)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < m->hlen && i < 16 && n + 3 < 64; i++)
		n += (size_t)snprintf(buf + n, 64 - n, i ? ":%02x" : "%02x", m->chaddr[i]);
	return buf;
}

static uint32_t subnet_lo(const struct conf_subnet *s)
{
	return h32(s->net);
}

static uint32_t subnet_hi(const struct conf_subnet *s)
{
	return subnet_lo(s) | (~UINT32_C(0) >> s->prefix_len);
}

static bool in_subnet(const struct conf_subnet *s, uint32_t ip)
{
	return s && ip >= subnet_lo(s) && ip <= subnet_hi(s);
}

/* --- transmit slots */

static struct dhcp_tx *tx_get(struct dhcp_service *d)
{
	struct dhcp_tx *tx = d->tx_free;

	if (tx)
		d->tx_free = tx->next_free;
	return tx;
}

static void tx_put(struct dhcp_tx *tx)
{
	tx->next_free = tx->d->tx_free;
	tx->d->tx_free = tx;
}

static void on_sent(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct dhcp_tx *tx = container_of(op, struct dhcp_tx, op);

	if (res < 0) {
		char a[INET_ADDRSTRLEN];

		pr_ratelimited(LOG_WARN, "dhcp: send to %s:%u: %s",
			       inet_ntop(AF_INET, &tx->to.sin_addr, a, sizeof(a)),
			       ntohs(tx->to.sin_port), strerror(-res));
	}
	tx_put(tx);
}

static void tx_send(struct dhcp_tx *tx)
{
	int ret = loop_sendmsg(tx->d->loop, &tx->op, tx->fd, &tx->msg, 0);

	if (ret) {
		/* The submission queue is full: send now rather than lose the reply. */
		if (sendmsg(tx->fd, &tx->msg, MSG_DONTWAIT) == -1)
			on_sent(tx->d->loop, &tx->op, -errno, 0);
		else
			on_sent(tx->d->loop, &tx->op, 0, 0);
	}
}

/*
 * A client with no address yet and the broadcast flag clear wants a unicast reply to an
 * address it does not answer ARP for: tell the kernel the MAC first (what RFC 2131 4.1 asks
 * of a server that can). Returns false when that is not possible, and the reply is broadcast.
 */
static bool arp_inject(struct dhcp_service *d, const struct dhcp_req *r, struct in_addr ip)
{
	struct arpreq req = { 0 };
	struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;

	if (r->m->htype != ARPHRD_ETHER || r->m->hlen != 6)
		return false;
	pa->sin_family = AF_INET;
	pa->sin_addr = ip;
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, r->m->chaddr, 6);
	req.arp_flags = ATF_COM;
	if (!if_indextoname((unsigned)r->ifindex, req.arp_dev))
		return false;
	return ioctl(d->main.fd, SIOCSARP, &req) == 0;
}

/* RFC 2131 4.1: where a reply goes. */
static void tx_address(struct dhcp_service *d, struct dhcp_tx *tx, const struct dhcp_req *r,
		       uint8_t type, struct in_addr yiaddr)
{
	const struct dhcp_msg *m = r->m;
	struct in_pktinfo pi = { .ipi_ifindex = r->ifindex, .ipi_spec_dst = r->local };
	struct cmsghdr *cm;
	bool bcast = false;

	tx->to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(d->client_port) };
	tx->fd = r->proxy_port ? d->proxy.fd : d->main.fd;
	if (r->proxy_port) {
		/* The boot server port answers whoever asked, where they asked from. */
		tx->to = r->peer;
	} else if (m->giaddr.s_addr) {
		tx->to.sin_addr = m->giaddr;
		tx->to.sin_port = r->peer.sin_port ? r->peer.sin_port : htons(67);
	} else if (type == DHCP_NAK) {
		bcast = true;
	} else if (m->ciaddr.s_addr) {
		tx->to.sin_addr = m->ciaddr;
	} else if ((m->flags & 0x8000) || !yiaddr.s_addr) {
		bcast = true;
	} else if (arp_inject(d, r, yiaddr)) {
		tx->to.sin_addr = yiaddr;
	} else {
		bcast = true;
	}
	if (bcast)
		tx->to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	tx->msg = (struct msghdr){
		.msg_name = &tx->to, .msg_namelen = sizeof(tx->to),
		.msg_iov = &tx->iov, .msg_iovlen = 1,
		.msg_control = tx->ctrl.buf, .msg_controllen = sizeof(tx->ctrl.buf),
	};
	/* Out of the interface the request came in on, from our address there. */
	cm = CMSG_FIRSTHDR(&tx->msg);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
}

/* --- boot information */

/* A DHCP option as match text: NULL when absent. */
static void match_opt(struct match_input *in, enum match_field f, const struct dhcp_opt *o)
{
	if (o->data && o->len) {
		in->field[f] = (const char *)o->data;
		in->len[f] = o->len;
	}
}

/*
 * The client's profile: the inventory's, or the rules' over its fields (RFC 3004 user
 * classes are matched as sent; iPXE sends its class bare). Fields are only built when there
 * are rules.
 */
static const struct conf_profile *client_profile(const struct dhcp_req *r)
{
	const struct dhcp_msg *m = r->m;
	struct match_input in = { 0 };
	char mac[18], arch[32], uuid[40], net[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN];
	const struct dhcp_opt *u = &m->opt[DHCP_OPT_UUID];

	if (!r->g->match)
		return bootgen_profile(r->g, r->node, NULL, NULL);
	if (m->htype == ARPHRD_ETHER && m->hlen == 6) {
		in.field[MATCH_MAC] = bootgen_mac_str(mac, m->chaddr);
		in.len[MATCH_MAC] = 17;
	}
	match_opt(&in, MATCH_VENDOR, &m->opt[DHCP_OPT_VENDOR_CLASS]);
	match_opt(&in, MATCH_USER_CLASS, &m->opt[DHCP_OPT_USER_CLASS]);
	in.field[MATCH_ARCH] = bootgen_arch_str(arch, m->arch);
	in.len[MATCH_ARCH] = strlen(arch);
	if (u->data && u->len == 17) {
		const uint8_t *b = u->data + 1;

		snprintf(uuid, sizeof(uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
			 b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
		in.field[MATCH_UUID] = uuid;
		in.len[MATCH_UUID] = 36;
	}
	if (r->node) {
		in.field[MATCH_HOSTNAME] = r->node->name;
		in.len[MATCH_HOSTNAME] = strlen(r->node->name);
	} else {
		match_opt(&in, MATCH_HOSTNAME, &m->opt[DHCP_OPT_HOSTNAME]);
	}
	if (r->subnet) {
		snprintf(net, sizeof(net), "%s/%u",
			 inet_ntop(AF_INET, &r->subnet->net, a, sizeof(a)), r->subnet->prefix_len);
		in.field[MATCH_SUBNET] = net;
		in.len[MATCH_SUBNET] = strlen(net);
	}
	return bootgen_profile(r->g, r->node, &in, NULL);
}

/* The field of @b that serves the client's architecture, or NULL. */
static const char *boot_field(const struct conf_bootfiles *b, const struct dhcp_msg *m)
{
	if (m->http_client)
		return m->arch == DHCP_ARCH_EFI_ARM64_HTTP ? b->http_arm64 : b->http;
	switch (m->arch) {
	case DHCP_ARCH_BIOS:
		return b->bios;
	case DHCP_ARCH_EFI_IA32:
		return b->efi32;
	case DHCP_ARCH_EFI_BC:
	case DHCP_ARCH_EFI_X64:
		return b->efi64;
	case DHCP_ARCH_EFI_ARM64:
		return b->arm64;
	case DHCP_ARCH_EFI_X64_HTTP:
		return b->http;
	case DHCP_ARCH_EFI_ARM64_HTTP:
		return b->http_arm64;
	default:
		return NULL;
	}
}

static bool is_boot_client(const struct dhcp_msg *m)
{
	return m->pxe || m->http_client || m->ipxe || m->opt[DHCP_OPT_CLIENT_ARCH].data;
}

/*
 * The boot file (or URL) for this client, expanded into @out: the node's profile first, then
 * dhcp.boot. Returns false when there is none (not a boot client, or nothing configured).
 */
static bool boot_file(const struct dhcp_req *r, struct in_addr yiaddr, char *out, size_t cap)
{
	const struct conf_profile *p = NULL;
	const char *tmpl = NULL, *bad;
	struct bootgen_vars v = { .hostname = r->node ? r->node->name : "", .conf = r->c };
	ssize_t n;

	if (!is_boot_client(r->m))
		return false;
	p = client_profile(r);
	/*
	 * iPXE gets its script where one is configured (the profile's, then dhcp.boot's); else
	 * it is one more PXE client of its architecture, as QEMU's and many NICs' boot ROMs are,
	 * and gets the architecture's file like firmware would.
	 */
	if (r->m->ipxe)
		tmpl = p && p->boot.ipxe ? p->boot.ipxe : r->c->dhcp.boot.ipxe;
	if (!tmpl && p)
		tmpl = boot_field(&p->boot, r->m);
	if (!tmpl)
		tmpl = boot_field(&r->c->dhcp.boot, r->m);
	if (!tmpl || !*tmpl)
		return false;
	v.profile = p;
	inet_ntop(AF_INET, &r->server_id, v.server, sizeof(v.server));
	inet_ntop(AF_INET, yiaddr.s_addr ? &yiaddr : &r->m->ciaddr, v.ip, sizeof(v.ip));
	snprintf(v.http_port, sizeof(v.http_port), "%u", r->c->http.port);
	mac_str(v.mac, r->m);
	n = template_expand(out, cap, tmpl, bootgen_var_lookup, &v, &bad);
	if (n < 0) {
		pr_ratelimited(LOG_WARN, "dhcp: boot file '%s': unknown variable at '%.20s'", tmpl,
			       bad);
		return false;
	}
	if ((size_t)n >= cap) {
		pr_ratelimited(LOG_WARN, "dhcp: boot file '%s' is longer than %zu bytes", tmpl,
			       cap - 1);
		return false;
	}
	return true;
}

static bool is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) ||
	       !strncmp(s, "tftp://", 7);
}

/* --- replies */

/* Options for the address and the network: what every ACK and OFFER of a lease carries. */
static void put_net_opts(struct dhcp_builder *b, const struct dhcp_req *r, uint32_t lease)
{
	const struct conf_subnet *s = r->subnet;
	const struct dhcp_msg *m = r->m;

	if (lease) {
		dhcp_build_u32(b, DHCP_OPT_LEASE_TIME, lease);
		dhcp_build_u32(b, DHCP_OPT_RENEWAL_T1, lease / 2);
		dhcp_build_u32(b, DHCP_OPT_REBINDING_T2, (uint32_t)((uint64_t)lease * 7 / 8));
	}
	if (!s)
		return;
	dhcp_build_addr(b, DHCP_OPT_SUBNET_MASK,
			addr_h(s->prefix_len ? ~UINT32_C(0) << (32 - s->prefix_len) : 0));
	if (s->has_router)
		dhcp_build_addr(b, DHCP_OPT_ROUTER, s->router);
	if (s->nr_dns)
		dhcp_build_opt(b, DHCP_OPT_DNS, s->dns, s->nr_dns * sizeof(*s->dns));
	if (s->domain)
		dhcp_build_str(b, DHCP_OPT_DOMAIN, s->domain);
	if (r->node)
		dhcp_build_str(b, DHCP_OPT_HOSTNAME, r->node->name);
	/* The rest only when asked for (option 55), as RFC 2131 4.3.1 has it. */
	if (s->nr_ntp && dhcp_requested(m, DHCP_OPT_NTP))
		dhcp_build_opt(b, DHCP_OPT_NTP, s->ntp, s->nr_ntp * sizeof(*s->ntp));
	if (s->has_mtu && dhcp_requested(m, DHCP_OPT_MTU))
		dhcp_build_u16(b, DHCP_OPT_MTU, (uint16_t)s->mtu);
	if (dhcp_requested(m, DHCP_OPT_BROADCAST))
		dhcp_build_addr(b, DHCP_OPT_BROADCAST, addr_h(subnet_hi(s)));
}

/*
 * Boot options. A TFTP file goes in the file field and option 67 with next-server in siaddr
 * and option 66; a URL (iPXE, UEFI HTTP boot) in the same places without the TFTP server.
 */
static void put_boot_opts(struct dhcp_builder *b, const struct dhcp_req *r, struct in_addr yiaddr,
			  bool proxy)
{
	const struct dhcp_msg *m = r->m;
	struct in_addr next = r->server_id;
	char file[256], a[INET_ADDRSTRLEN];
	bool have_file = false;

	if (r->subnet && r->subnet->has_next_server)
		next = r->subnet->next_server;
	if (m->pxe)
		dhcp_build_str(b, DHCP_OPT_VENDOR_CLASS, "PXEClient");
	else if (m->http_client)
		dhcp_build_str(b, DHCP_OPT_VENDOR_CLASS, "HTTPClient");
	if (boot_file(r, yiaddr, file, sizeof(file))) {
		have_file = true;
		if (!is_url(file)) {
			dhcp_build_set_addrs(b, yiaddr, next);
			dhcp_build_str(b, DHCP_OPT_TFTP_SERVER,
				       inet_ntop(AF_INET, &next, a, sizeof(a)));
		}
		/* A name too long for the 128-byte field still goes out as option 67. */
		dhcp_build_set_file(b, file);
		dhcp_build_str(b, DHCP_OPT_BOOTFILE, file);
	}
	/*
	 * PXE ROMs look for option 43; discovery control 8 says "boot the file named here, no
	 * boot server discovery, no menu". Behind a proxyDHCP server it is always needed; from a
	 * plain server it keeps UEFI PXE (OVMF, and firmware like it) from taking a PXEClient
	 * offer without it for a BINL offer and asking port 4011 for the file.
	 */
	if (m->pxe && (proxy || have_file)) {
		static const uint8_t pxe43[] = { 6, 1, 8, 255 };

		dhcp_build_opt(b, DHCP_OPT_VENDOR, pxe43, sizeof(pxe43));
	}
	/* iPXE's no-pxedhcp (175.176): do not wait ~3 s for proxyDHCP offers that never come. */
	if (m->ipxe && !proxy) {
		static const uint8_t ipxe175[] = { 176, 1, 1 };

		dhcp_build_opt(b, DHCP_OPT_IPXE, ipxe175, sizeof(ipxe175));
	}
	if (m->opt[DHCP_OPT_UUID].data && (m->pxe || m->http_client))
		dhcp_build_opt(b, DHCP_OPT_UUID, m->opt[DHCP_OPT_UUID].data,
			       m->opt[DHCP_OPT_UUID].len);
}

/*
 * The reply to @r into @pkt (DHCP_MAX_LEN bytes): what the server sends, and what the XDP fast
 * path's pieces are rendered from (dhcp_fast_render()). Returns its length; options that did
 * not fit are logged.
 */
static size_t build_reply(const struct dhcp_req *r, bool proxy, uint8_t type,
			  struct in_addr yiaddr, uint32_t lease, uint8_t *pkt)
{
	const struct dhcp_msg *m = r->m;
	struct dhcp_builder b;
	size_t max_len = DHCP_MTU_MIN - DHCP_UDP_IP_HDR, len;

	if (m->max_size > DHCP_UDP_IP_HDR)
		max_len = m->max_size - DHCP_UDP_IP_HDR;
	dhcp_build_init(&b, pkt, DHCP_MAX_LEN, max_len, m);
	dhcp_build_set_addrs(&b, yiaddr, (struct in_addr){ 0 });
	if (type != DHCP_NONE)
		dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, type);
	dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, r->server_id);
	if (type != DHCP_NAK) {
		if (!proxy)
			put_net_opts(&b, r, lease);
		put_boot_opts(&b, r, yiaddr, proxy);
	}
	/* RFC 3046 2.2: option 82 goes back as it came, the last option before END. */
	if (m->opt[DHCP_OPT_RELAY_AGENT].data && m->giaddr.s_addr)
		dhcp_build_opt(&b, DHCP_OPT_RELAY_AGENT, m->opt[DHCP_OPT_RELAY_AGENT].data,
			       m->opt[DHCP_OPT_RELAY_AGENT].len);
	len = dhcp_build_finish(&b);
	if (b.err)
		pr_ratelimited(LOG_WARN, "dhcp: reply to xid %08x: options left out (%s)", m->xid,
			       strerror(-b.err));
	return len;
}

/* Builds a reply in a tx slot and sends it, or with @send_now false hands the slot back unsent. */
static struct dhcp_tx *reply(struct dhcp_service *d, const struct dhcp_req *r, uint8_t type,
			     struct in_addr yiaddr, uint32_t lease, bool send_now)
{
	struct dhcp_tx *tx;
	size_t len;

	tx = tx_get(d);
	if (!tx) {
		COUNT(d, dropped);
		pr_ratelimited(LOG_WARN, "dhcp: all %u reply slots busy; dropping a request",
			       DHCP_TX_SLOTS);
		return NULL;
	}
	len = build_reply(r, d->mode == CONF_DHCP_PROXY, type, yiaddr, lease, tx->pkt);
	tx->iov = (struct iovec){ tx->pkt, len };
	tx_address(d, tx, r, type, yiaddr);
	if (send_now)
		tx_send(tx);
	return tx;
}

static void log_reply(const struct dhcp_req *r, const char *what, struct in_addr ip)
{
	char mac[64], a[INET_ADDRSTRLEN];

	pr_info("dhcp: %s %s to %s%s%s (%s, xid %08x)", what,
		inet_ntop(AF_INET, &ip, a, sizeof(a)), mac_str(mac, r->m),
		r->node ? " " : "", r->node ? r->node->name : "", dhcp_arch_name(r->m->arch),
		r->m->xid);
}

/* --- leases */

static bool lease_owned(const struct lease *l, const struct dhcp_msg *m)
{
	const struct dhcp_opt *cid = &m->opt[DHCP_OPT_CLIENT_ID];

	if (cid->data && l->cid_len && l->cid_len == cid->len &&
	    !memcmp(l->cid, cid->data, cid->len))
		return true;
	return l->hlen && l->hlen == m->hlen && l->htype == m->htype &&
	       !memcmp(l->hwaddr, m->chaddr, m->hlen);
}

static void client_ident(const struct dhcp_msg *m, const uint8_t **cid, size_t *cid_len)
{
	const struct dhcp_opt *o = &m->opt[DHCP_OPT_CLIENT_ID];

	*cid = o->data;
	*cid_len = o->data && o->len <= LEASE_CID_MAX ? o->len : 0;
}

static bool available(const struct lease *l, uint64_t now)
{
	return !l || l->state == LEASE_FREE || l->expires <= now;
}

/* The client's own lease when it can keep it: same subnet, in a pool, not declined. */
static struct lease *client_lease(struct dhcp_service *d, const struct dhcp_req *r)
{
	const struct dhcp_msg *m = r->m;
	const uint8_t *cid;
	size_t cid_len;
	struct lease *l;

	client_ident(m, &cid, &cid_len);
	l = lease_pool_find_client(d->pool, m->htype, m->hlen, m->chaddr, cid, cid_len);
	if (!l || l->state == LEASE_DECLINED || !in_subnet(r->subnet, l->ip) ||
	    !lease_pool_in_range(d->pool, l->ip))
		return NULL;
	/* The same MAC under a new client id (firmware, then iPXE, then Linux): one lease. */
	lease_pool_set_client(d->pool, l, m->htype, m->hlen, m->chaddr, cid, cid_len);
	return l;
}

static struct lease *alloc_lease(struct dhcp_service *d, const struct dhcp_req *r,
				 uint32_t requested)
{
	const struct dhcp_msg *m = r->m;
	const uint8_t *cid;
	size_t cid_len;
	struct lease *l;

	client_ident(m, &cid, &cid_len);
	l = lease_pool_alloc(d->pool, subnet_lo(r->subnet), subnet_hi(r->subnet), requested,
			     m->htype, m->hlen, m->chaddr, cid, cid_len, r->now);
	if (!l) {
		char a[INET_ADDRSTRLEN];

		pr_ratelimited(LOG_ERR, "dhcp: no free address in subnet %s/%u (%s)",
			       inet_ntop(AF_INET, &r->subnet->net, a, sizeof(a)),
			       r->subnet->prefix_len, strerror(errno));
	}
	return l;
}

/* The address a static reservation gives the client, when it fits the link. */
static bool static_ip(const struct dhcp_req *r, struct in_addr *ip)
{
	if (!r->node || !r->node->has_ip || !in_subnet(r->subnet, h32(r->node->ip)))
		return false;
	*ip = r->node->ip;
	return true;
}

static uint32_t lease_time(const struct dhcp_req *r)
{
	uint32_t t = r->subnet && r->subnet->has_lease_time ? r->subnet->lease_time :
							       r->c->dhcp.lease_time;

	/* A client may ask for less (option 51), never for more. */
	if (r->m->lease_time && r->m->lease_time >= 60 && r->m->lease_time < t)
		t = r->m->lease_time;
	return t;
}

static void on_durable(void *ctx, int err)
{
	struct dhcp_tx *tx = ctx;

	if (err) {
		COUNT(tx->d, store_errors);
		pr_ratelimited(LOG_ERR, "dhcp: lease not stored (%s); ACK withheld",
			       strerror(-err));
		tx_put(tx);
		return;
	}
	tx_send(tx);
}

static void on_stored(void *ctx, int err)
{
	struct dhcp_service *d = ctx;

	if (err) {
		COUNT(d, store_errors);
		pr_ratelimited(LOG_ERR, "dhcp: lease change not stored: %s", strerror(-err));
	}
}

static void persist(struct dhcp_service *d, const struct lease *l)
{
	int ret = lease_store_put(d->store, l, on_stored, d);

	if (ret)
		on_stored(d, ret);
}

/* --- message handlers */

static void do_discover(struct dhcp_service *d, const struct dhcp_req *r)
{
	struct in_addr ip;
	struct lease *l;

	if (d->mode == CONF_DHCP_PROXY) {
		if (!is_boot_client(r->m))
			return;
		COUNT(d, offers);
		reply(d, r, DHCP_OFFER, (struct in_addr){ 0 }, 0, true);
		log_reply(r, "proxy OFFER", r->server_id);
		return;
	}
	if (!static_ip(r, &ip)) {
		l = client_lease(d, r);
		if (!l)
			l = alloc_lease(d, r, h32(r->m->requested_ip));
		if (!l)
			return;
		if (l->state != LEASE_BOUND || l->expires <= r->now) {
			l->state = LEASE_OFFERED;
			l->expires = r->now + r->c->dhcp.offer_time;
		}
		l->updated = r->now;
		ip = addr_h(l->ip);
	}
	COUNT(d, offers);
	reply(d, r, DHCP_OFFER, ip, lease_time(r), true);
	if (log_level >= LOG_DEBUG)
		log_reply(r, "OFFER", ip);
}

static void nak(struct dhcp_service *d, const struct dhcp_req *r, const char *why)
{
	char mac[64];

	COUNT(d, naks);
	pr_info("dhcp: NAK to %s: %s", mac_str(mac, r->m), why);
	reply(d, r, DHCP_NAK, (struct in_addr){ 0 }, 0, true);
}

static void ack_lease(struct dhcp_service *d, const struct dhcp_req *r, struct lease *l)
{
	const struct dhcp_opt *host = &r->m->opt[DHCP_OPT_HOSTNAME];
	uint32_t t = lease_time(r);
	struct dhcp_tx *tx;
	int ret;

	l->state = LEASE_BOUND;
	l->expires = r->now + t;
	l->updated = r->now;
	if (host->data) {
		size_t n = host->len < LEASE_HOST_MAX - 1 ? host->len : LEASE_HOST_MAX - 1;

		memcpy(l->hostname, host->data, n);
		l->hostname[n] = '\0';
	}
	tx = reply(d, r, DHCP_ACK, addr_h(l->ip), t, false);
	if (!tx)
		return;
	COUNT(d, acks);
	log_reply(r, "ACK", addr_h(l->ip));
	ret = lease_store_put(d->store, l, on_durable, tx);
	if (ret)
		on_durable(tx, ret);
}

static void do_request(struct dhcp_service *d, const struct dhcp_req *r)
{
	const struct dhcp_msg *m = r->m;
	bool selecting = m->server_id.s_addr != 0;
	struct in_addr want = m->requested_ip.s_addr ? m->requested_ip : m->ciaddr, ip;
	struct lease *l;

	if (d->mode == CONF_DHCP_PROXY) {
		/* Only the boot server port answers requests in proxy mode. */
		if (!r->proxy_port || !is_boot_client(m))
			return;
		COUNT(d, acks);
		reply(d, r, DHCP_ACK, (struct in_addr){ 0 }, 0, true);
		log_reply(r, "proxy ACK", m->ciaddr);
		return;
	}
	if (selecting && m->server_id.s_addr != r->server_id.s_addr) {
		/* The client took another server's offer: let ours go at once. */
		l = client_lease(d, r);
		if (l && l->state == LEASE_OFFERED) {
			l->state = LEASE_FREE;
			l->expires = r->now;
			l->updated = r->now;
		}
		return;
	}
	if (!want.s_addr) {
		COUNT(d, dropped);
		return;
	}
	if (!in_subnet(r->subnet, h32(want))) {
		if (r->c->dhcp.authoritative)
			nak(d, r, "address is not on this network");
		return;
	}
	if (static_ip(r, &ip)) {
		if (ip.s_addr != want.s_addr) {
			nak(d, r, "the node has a reserved address");
			return;
		}
		COUNT(d, acks);
		reply(d, r, DHCP_ACK, ip, lease_time(r), true);
		log_reply(r, "ACK", ip);
		return;
	}
	l = client_lease(d, r);
	if (l && l->ip == h32(want)) {
		ack_lease(d, r, l);
		return;
	}
	/*
	 * INIT-REBOOT or a lease we no longer hold (a new database, an expiry): grant the
	 * address if nobody else holds it, as if the client had been offered it.
	 */
	if (!selecting && !l && lease_pool_in_range(d->pool, h32(want)) &&
	    available(lease_pool_find_ip(d->pool, h32(want)), r->now)) {
		l = alloc_lease(d, r, h32(want));
		if (l && l->ip == h32(want)) {
			ack_lease(d, r, l);
			return;
		}
	}
	if (r->c->dhcp.authoritative || selecting)
		nak(d, r, l ? "the client holds another address" : "address not available");
}

static void do_decline(struct dhcp_service *d, const struct dhcp_req *r)
{
	const struct dhcp_msg *m = r->m;
	struct lease *l;
	char mac[64], a[INET_ADDRSTRLEN];

	if (d->mode == CONF_DHCP_PROXY || m->server_id.s_addr != r->server_id.s_addr)
		return;
	l = lease_pool_find_ip(d->pool, h32(m->requested_ip));
	if (!l || !lease_owned(l, m))
		return;
	pr_warn("dhcp: %s declined %s (another host uses it?); quarantined for %u s",
		mac_str(mac, m), inet_ntop(AF_INET, &m->requested_ip, a, sizeof(a)),
		r->c->dhcp.decline_time);
	l->state = LEASE_DECLINED;
	l->expires = r->now + r->c->dhcp.decline_time;
	l->updated = r->now;
	/* Nobody's address any more: the client gets another one when it starts over. */
	lease_pool_set_client(d->pool, l, 0, 0, NULL, NULL, 0);
	persist(d, l);
}

static void do_release(struct dhcp_service *d, const struct dhcp_req *r)
{
	const struct dhcp_msg *m = r->m;
	struct lease *l;

	if (d->mode == CONF_DHCP_PROXY || m->server_id.s_addr != r->server_id.s_addr)
		return;
	l = lease_pool_find_ip(d->pool, h32(m->ciaddr));
	if (!l || !lease_owned(l, m) || l->state != LEASE_BOUND)
		return;
	/* The identity stays, so the client gets the same address back if it is still free. */
	l->state = LEASE_FREE;
	l->expires = r->now;
	l->updated = r->now;
	log_reply(r, "RELEASE of", m->ciaddr);
	persist(d, l);
}

static void do_inform(struct dhcp_service *d, const struct dhcp_req *r)
{
	if (!r->m->ciaddr.s_addr)
		return;
	COUNT(d, acks);
	reply(d, r, DHCP_ACK, (struct in_addr){ 0 }, 0, true);
}

/* BOOTP (no option 53): answered for nodes with a reserved address only, as BOOTP leases are
 * forever. */
static void do_bootp(struct dhcp_service *d, const struct dhcp_req *r)
{
	struct in_addr ip;

	if (d->mode == CONF_DHCP_PROXY || !static_ip(r, &ip))
		return;
	COUNT(d, acks);
	reply(d, r, DHCP_NONE, ip, 0, true);
	log_reply(r, "BOOTREPLY", ip);
}

static bool interface_ok(const struct dhcp_service *d, int ifindex)
{
	if (!d->nr_ifs)
		return true;
	for (size_t i = 0; i < d->nr_ifs; i++)
		if (d->ifindex[i] == ifindex)
			return true;
	return false;
}

/* One request, under generation @g (the caller holds a reference). */
static void handle_gen(struct dhcp_service *d, struct dhcp_listener *ln, const uint8_t *pkt,
		       size_t len, const struct sockaddr_in *peer, int ifindex,
		       struct in_addr local, const struct server_gen *g)
{
	struct dhcp_req r = { .m = &d->msg, .peer = *peer, .ifindex = ifindex, .local = local,
			      .proxy_port = ln->proxy_port };
	struct in_addr link;
	char a[INET_ADDRSTRLEN];

	COUNT(d, packets);
	if (!interface_ok(d, ifindex))
		return;
	if (dhcp_parse(pkt, len, &d->msg) < 0 || d->msg.op != DHCP_BOOTREQUEST) {
		COUNT(d, malformed);
		pr_ratelimited(LOG_WARN, "dhcp: malformed packet (%zu bytes) from %s:%u dropped",
			       len, inet_ntop(AF_INET, &peer->sin_addr, a, sizeof(a)),
			       ntohs(peer->sin_port));
		return;
	}
	r.g = g;
	r.c = g->conf;
	r.now = (uint64_t)time(NULL);
	r.server_id = r.c->dhcp.has_server_id ? r.c->dhcp.server_id : local;
	if (!r.server_id.s_addr)
		return;
	if (d->msg.htype == ARPHRD_ETHER && d->msg.hlen == 6)
		r.node = conf_node_by_mac(r.c, d->msg.chaddr);
	/* The link the client is on: its relay's, or ours where the request came in. */
	link = d->msg.giaddr.s_addr ? d->msg.giaddr : local;
	r.subnet = conf_subnet_for(r.c, link);
	if (!r.subnet && d->mode == CONF_DHCP_SERVER) {
		pr_ratelimited(LOG_WARN, "dhcp: no subnet in the configuration holds %s; request "
			       "from %s ignored", inet_ntop(AF_INET, &link, a, sizeof(a)),
			       mac_str((char[64]){ 0 }, &d->msg));
		return;
	}
	if (log_level >= LOG_DEBUG)
		pr_debug("dhcp: %s from %s arch %s%s%s%s", dhcp_msg_type_name(d->msg.msg_type),
			 mac_str((char[64]){ 0 }, &d->msg), dhcp_arch_name(d->msg.arch),
			 d->msg.pxe ? " PXE" : "", d->msg.ipxe ? " iPXE" : "",
			 d->msg.http_client ? " HTTP" : "");
	switch (d->msg.msg_type) {
	case DHCP_DISCOVER:
		if (!ln->proxy_port)
			do_discover(d, &r);
		break;
	case DHCP_REQUEST:
		do_request(d, &r);
		break;
	case DHCP_DECLINE:
		do_decline(d, &r);
		break;
	case DHCP_RELEASE:
		do_release(d, &r);
		break;
	case DHCP_INFORM:
		do_inform(d, &r);
		break;
	case DHCP_NONE:
		do_bootp(d, &r);
		break;
	default:
		break;
	}
}

static void handle(struct dhcp_service *d, struct dhcp_listener *ln, const uint8_t *pkt,
		   size_t len, const struct sockaddr_in *peer, int ifindex, struct in_addr local)
{
	struct server_gen *g = server_gen_get();

	handle_gen(d, ln, pkt, len, peer, ifindex, local, g);
	server_gen_put(g);
}

/* --- the XDP fast path (bpf/dhcp.bpf.c): its pieces rendered by the code above */

/*
 * Copies, in order, the option instances of @b's options area (a reply built without
 * overload) whose code is @lo..@hi into @out. Returns the bytes copied, or -1 when they do not
 * fit in @cap.
 */
static int extract_opts(const uint8_t *pkt, size_t len, uint8_t lo, uint8_t hi, uint8_t *out,
			size_t cap)
{
	size_t i = DHCP_MIN_LEN, n = 0;

	while (i < len && pkt[i] != DHCP_OPT_END) {
		size_t l;

		if (pkt[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + pkt[i + 1] > len)
			return -1;
		l = 2u + pkt[i + 1];
		if (pkt[i] >= lo && pkt[i] <= hi) {
			if (n + l > cap)
				return -1;
			memcpy(out + n, pkt + i, l);
			n += l;
		}
		i += l;
	}
	return (int)n;
}

/* Our address (the primary one) and MAC on @ifindex. */
static int if_addrs(int ifindex, struct in_addr *addr, uint8_t mac[6])
{
	struct ifaddrs *ifa, *it;
	char name[IF_NAMESIZE];
	bool have_addr = false, have_mac = false;

	if (!if_indextoname((unsigned)ifindex, name) || getifaddrs(&ifa) == -1)
		return -errno;
	for (it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr || strcmp(it->ifa_name, name))
			continue;
		if (it->ifa_addr->sa_family == AF_INET && !have_addr) {
			*addr = ((struct sockaddr_in *)it->ifa_addr)->sin_addr;
			have_addr = true;
		} else if (it->ifa_addr->sa_family == AF_PACKET && !have_mac) {
			const struct sockaddr_ll *ll = (const struct sockaddr_ll *)it->ifa_addr;

			if (ll->sll_halen == 6) {
				memcpy(mac, ll->sll_addr, 6);
				have_mac = true;
			}
		}
	}
	freeifaddrs(ifa);
	return have_addr && have_mac ? 0 : -EADDRNOTAVAIL;
}

/* A representative request of each boot class: what boot_field() maps to that class. */
static void class_request(struct dhcp_msg *m, unsigned cls, bool ipxe)
{
	static const uint16_t arch_of[BH_BOOT_NR] = {
		[BH_BOOT_NONE] = DHCP_ARCH_EFI_ARM32, [BH_BOOT_BIOS] = DHCP_ARCH_BIOS,
		[BH_BOOT_EFI32] = DHCP_ARCH_EFI_IA32, [BH_BOOT_EFI64] = DHCP_ARCH_EFI_BC,
		[BH_BOOT_ARM64] = DHCP_ARCH_EFI_ARM64, [BH_BOOT_HTTP] = DHCP_ARCH_EFI_X64_HTTP,
		[BH_BOOT_HTTP_ARM64] = DHCP_ARCH_EFI_ARM64_HTTP,
	};
	static const uint8_t present[2] = { 0, 0 };

	m->arch = arch_of[cls];
	m->http_client = cls == BH_BOOT_HTTP || cls == BH_BOOT_HTTP_ARM64;
	m->ipxe = ipxe;
	m->pxe = false;
	/* A boot client by option 93; its value is never read past m->arch. */
	m->opt[DHCP_OPT_CLIENT_ARCH] = (struct dhcp_opt){ present, sizeof(present) };
}

/*
 * The answers a node would get from build_reply(), cut into the pieces the program lays out:
 * the head of the options and one boot answer per class. False when the node is not for the
 * fast path (its reply cannot be cut that way).
 */
static bool render_node(struct xdp_fast *x, struct dhcp_req *r, struct dhcp_msg *m,
			uint8_t *pkt, struct bh_node *v)
{
	uint32_t lease = lease_time(r);
	size_t len;
	int n;

	memset(v, 0, sizeof(*v));
	v->ip = r->node->ip.s_addr;
	m->max_size = DHCP_MAX_LEN + DHCP_UDP_IP_HDR;   /* no overload while rendering */
	len = build_reply(r, false, DHCP_OFFER, r->node->ip, lease, pkt);
	n = extract_opts(pkt, len, 1, DHCP_OPT_END - 1, v->head, sizeof(v->head));
	if (n < 3 || pkt[DHCP_MIN_LEN] != DHCP_OPT_MSG_TYPE)
		return false;
	v->head_len = (uint16_t)n;
	for (unsigned ipxe = 0; ipxe < 2; ipxe++) {
		for (unsigned cls = 0; cls < BH_BOOT_NR; cls++) {
			struct bh_boot b = { 0 };

			class_request(m, cls, ipxe);
			len = build_reply(r, false, DHCP_OFFER, r->node->ip, lease, pkt);
			n = extract_opts(pkt, len, DHCP_OPT_TFTP_SERVER, DHCP_OPT_BOOTFILE, b.opts,
					 sizeof(b.opts));
			if (n < 0)
				return false;
			if (!n)
				continue;
			b.opts_len = (uint16_t)n;
			memcpy(&b.siaddr, pkt + 20, 4);
			memcpy(b.file, pkt + 108, BH_FILE_LEN);
			v->boot[ipxe][cls] = xdp_fast_add_boot(x, &b);
			if (!v->boot[ipxe][cls])
				return false;
		}
	}
	return true;
}

/* Whether user space could pick a node's profile other than its own, from the request. */
static bool rules_may_decide(const struct server_gen *g, const struct conf_node *node)
{
	if (!g->match)
		return false;
	if (!conf_node_profile(g->conf, node))
		return true;
	for (size_t i = 0; i < g->conf->nr_rules; i++)
		if (g->conf->rules[i].override)
			return true;
	return false;
}

/* The interface entry: our addresses, the subnet, and options 42, 26 and 28 as rendered. */
static bool render_if(struct dhcp_req *r, struct dhcp_msg *m, uint8_t *pkt, uint8_t mac[6],
		      struct bh_if *v)
{
	static const uint8_t prl[] = { DHCP_OPT_NTP, DHCP_OPT_MTU, DHCP_OPT_BROADCAST };
	const struct conf_subnet *sn = r->subnet;
	size_t len;
	int n;

	memset(v, 0, sizeof(*v));
	v->addr = r->local.s_addr;
	v->bcast = htonl(subnet_hi(sn));
	v->net = sn->net.s_addr;
	v->mask = htonl(sn->prefix_len ? ~UINT32_C(0) << (32 - sn->prefix_len) : 0);
	v->server_id = r->server_id.s_addr;
	v->lease_time = lease_time(r);
	v->authoritative = r->c->dhcp.authoritative;
	memcpy(v->mac, mac, 6);
	m->opt[DHCP_OPT_PARAM_LIST] = (struct dhcp_opt){ prl, sizeof(prl) };
	m->max_size = DHCP_MAX_LEN + DHCP_UDP_IP_HDR;
	len = build_reply(r, false, DHCP_OFFER, addr_h(subnet_lo(sn) + 1), 3600, pkt);
	m->opt[DHCP_OPT_PARAM_LIST] = (struct dhcp_opt){ 0 };
	n = extract_opts(pkt, len, DHCP_OPT_NTP, DHCP_OPT_NTP, v->ntp, sizeof(v->ntp));
	if (n < 0)
		return false;
	v->ntp_len = (uint16_t)n;
	n = extract_opts(pkt, len, DHCP_OPT_MTU, DHCP_OPT_MTU, v->mtu, sizeof(v->mtu));
	if (n < 0)
		return false;
	v->mtu_len = (uint16_t)n;
	n = extract_opts(pkt, len, DHCP_OPT_BROADCAST, DHCP_OPT_BROADCAST, v->bcast_opt,
			 sizeof(v->bcast_opt));
	if (n < 0)
		return false;
	v->bcast_len = (uint16_t)n;
	return true;
}

/*
 * Fills the fast path's maps for generation @g: for each interface it is attached to, the
 * nodes with a reserved address on that interface's subnet whose profile the rules cannot
 * change. The rest are answered by user space as before. Returns the nodes it answers.
 */
static size_t fast_fill(struct dhcp_service *d, const struct server_gen *g)
{
	const struct conf *c = g->conf;
	struct server_gen g_norules = *g;
	struct dhcp_msg *m = NULL;
	uint8_t *pkt = NULL;
	int ifs[XDP_FAST_IFS_MAX];
	size_t nifs = xdp_fast_ifaces(d->xdp, ifs, XDP_FAST_IFS_MAX), total = 0;
	bool full = false;

	/* Eligible nodes' profiles are their own: no need for the rules while rendering. */
	g_norules.match = NULL;
	m = calloc(1, sizeof(*m));
	pkt = malloc(DHCP_MAX_LEN);
	if (!m || !pkt || xdp_fast_begin(d->xdp))
		goto fail;
	for (size_t i = 0; i < nifs; i++) {
		struct dhcp_req r = { .m = m, .g = &g_norules, .c = c, .ifindex = ifs[i] };
		char name[IF_NAMESIZE] = "?", a[INET_ADDRSTRLEN];
		uint8_t mac[6];
		struct bh_if iv;
		size_t on_if = 0, skipped = 0;
		int ifid;

		if_indextoname((unsigned)ifs[i], name);
		if (if_addrs(ifs[i], &r.local, mac)) {
			pr_warn("xdp: %s has no IPv4 address; its DHCP stays in user space", name);
			continue;
		}
		r.server_id = c->dhcp.has_server_id ? c->dhcp.server_id : r.local;
		r.subnet = conf_subnet_for(c, r.local);
		if (!r.subnet) {
			pr_warn("xdp: no subnet holds %s (%s); its DHCP stays in user space",
				inet_ntop(AF_INET, &r.local, a, sizeof(a)), name);
			continue;
		}
		memset(m, 0, sizeof(*m));
		m->op = DHCP_BOOTREQUEST;
		m->htype = ARPHRD_ETHER;
		m->hlen = 6;
		m->arch = DHCP_ARCH_UNKNOWN;
		if (!render_if(&r, m, pkt, mac, &iv)) {
			pr_warn("xdp: %s: network options too long for the fast path", name);
			continue;
		}
		ifid = xdp_fast_add_if(d->xdp, (uint32_t)ifs[i], 0, &iv);
		if (ifid < 0) {
			pr_warn("xdp: %s: %s", name, strerror(-ifid));
			continue;
		}
		for (size_t k = 0; k < c->nr_nodes && !full; k++) {
			const struct conf_node *node = &c->nodes[k];
			struct bh_node v;

			if (!node->has_ip || !in_subnet(r.subnet, h32(node->ip)))
				continue;
			if (rules_may_decide(g, node)) {
				skipped++;
				continue;
			}
			r.node = node;
			for (size_t j = 0; j < node->nr_macs; j++) {
				int ret;

				memset(m, 0, sizeof(*m));
				m->op = DHCP_BOOTREQUEST;
				m->htype = ARPHRD_ETHER;
				m->hlen = 6;
				m->arch = DHCP_ARCH_UNKNOWN;
				memcpy(m->chaddr, node->macs[j], 6);
				if (!render_node(d->xdp, &r, m, pkt, &v)) {
					skipped++;
					break;
				}
				ret = xdp_fast_add_node(d->xdp, (uint32_t)ifid, node->macs[j], &v);
				if (ret) {
					pr_warn("xdp: fast path full at %zu nodes (%s); the others "
						"are answered by user space until a restart", total,
						strerror(-ret));
					full = true;
					break;
				}
			}
			if (!full)
				on_if++;
			total += !full;
		}
		if (skipped)
			pr_info("xdp: %s: %zu nodes answered in the kernel, %zu left to user space "
				"(their profile depends on rules, or their reply does not fit)",
				name, on_if, skipped);
		else
			pr_info("xdp: %s: %zu nodes answered in the kernel", name, on_if);
	}
	if (xdp_fast_commit(d->xdp))
		goto fail;
	free(m);
	free(pkt);
	return total;
fail:
	pr_err("xdp: cannot fill the fast path's maps; DHCP stays in user space");
	xdp_fast_abort(d->xdp);
	free(m);
	free(pkt);
	return 0;
}

static void log_fast_event(void *ctx, const struct bh_event *ev)
{
	struct dhcp_service *d = ctx;
	static const char *const what[] = { [2] = "OFFER", [5] = "ACK", [6] = "NAK" };
	const char *w = ev->type < sizeof(what) / sizeof(what[0]) && what[ev->type] ?
			what[ev->type] : "?";
	const struct conf_node *node;
	struct server_gen *g;
	char a[INET_ADDRSTRLEN];

	if (ev->type == DHCP_OFFER) {
		COUNT(d, offers);
		if (log_level < LOG_DEBUG)
			return;
	} else if (ev->type == DHCP_ACK) {
		COUNT(d, acks);
	} else {
		COUNT(d, naks);
	}
	if (log_level < LOG_INFO)
		return;
	/* The same line as log_reply()'s, marked as the kernel's. */
	g = server_gen_get();
	node = conf_node_by_mac(g->conf, ev->mac);
	pr_log(ev->type == DHCP_OFFER ? LOG_DEBUG : LOG_INFO,
	       "dhcp: %s %s to %02x:%02x:%02x:%02x:%02x:%02x%s%s (%s, xid %08x) [xdp]", w,
	       inet_ntop(AF_INET, &ev->ip, a, sizeof(a)), ev->mac[0], ev->mac[1], ev->mac[2],
	       ev->mac[3], ev->mac[4], ev->mac[5], node ? " " : "", node ? node->name : "",
	       dhcp_arch_name(ev->arch), ntohl(ev->xid));
	server_gen_put(g);
}

static void arm_fast_events(struct dhcp_service *d)
{
	int ret = loop_poll(d->loop, &d->xdp_op, xdp_fast_events_fd(d->xdp), POLLIN);

	if (ret)
		pr_err("xdp: cannot watch the fast path's ring buffer: %s", strerror(-ret));
}

static void on_fast_events(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct dhcp_service *d = container_of(op, struct dhcp_service, xdp_op);

	if (res == -ECANCELED)
		return;
	xdp_fast_events_consume(d->xdp, log_fast_event, d);
	arm_fast_events(d);
}

/* The heartbeat runs on the DHCP worker: if that loop stalls, the program leaves every
 * request to the kernel stack rather than answer for a server that no longer does. */
static void on_fast_heartbeat(struct loop *loop, struct loop_timer *t)
{
	struct dhcp_service *d = container_of(t, struct dhcp_service, xdp_timer);

	xdp_fast_heartbeat(d->xdp);
	/* The program wakes us only for bursts (bpf/dhcp.bpf.c): the rest comes here. */
	xdp_fast_events_consume(d->xdp, log_fast_event, d);
	loop_timer_arm(loop, t, XDP_HEARTBEAT_MS);
}

/* Native mode on a veth needs an XDP program on its peer, which we do not own: skb mode. */
static bool is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth = false;

	if (fd == -1)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		veth = !strcmp(info.driver, "veth");
	close(fd);
	return veth;
}

static void fast_open(struct dhcp_service *d, const struct conf *c)
{
	const struct conf_dhcp *dc = &c->dhcp;
	struct xdp_fast_opts o = {
		.max_nodes = c->nr_nodes, .max_boot = 2 * (c->nr_profiles + 1) * 2 * BH_BOOT_NR + 64,
		.server_port = dc->port, .client_port = dc->client_port,
		.stale_ms = XDP_STALE_MS,
	};
	enum xdp_fast_mode modes[DHCP_IFS_MAX];
	char *names[DHCP_IFS_MAX];

	if (dc->xdp == CONF_XDP_OFF || d->mode != CONF_DHCP_SERVER)
		return;
	if (!d->nr_ifs) {
		if (dc->xdp != CONF_XDP_AUTO)
			pr_warn("xdp: dhcp.interfaces names no interface to attach to; fast path "
				"off");
		return;
	}
	/* Per-node answers (boot URLs with ${mac}) make boot entries grow with the nodes. */
	o.max_boot += 2 * c->nr_nodes;
	for (size_t i = 0; i < d->nr_ifs; i++) {
		names[i] = d->ifnames[i];
		modes[i] = dc->xdp == CONF_XDP_NATIVE ? XDP_FAST_NATIVE :
			   dc->xdp == CONF_XDP_SKB ? XDP_FAST_SKB : XDP_FAST_AUTO;
		if (dc->xdp == CONF_XDP_AUTO && is_veth(d->ifnames[i])) {
			pr_info("xdp: %s is a veth, where native XDP_TX needs an XDP program on "
				"the peer: skb mode (dhcp.xdp: native to insist)", d->ifnames[i]);
			modes[i] = XDP_FAST_SKB;
		}
	}
	d->xdp = xdp_fast_open(&o, names, modes, d->nr_ifs);
	if (!d->xdp) {
		pr_warn("xdp: DHCP fast path unavailable; every request is answered in user space");
		return;
	}
}

void dhcp_reloaded(struct dhcp_service *d, const struct server_gen *g)
{
	if (d && d->xdp)
		d->xdp_nodes = fast_fill(d, g);
}

int dhcp_fast_stats(const struct dhcp_service *d, uint64_t out[])
{
	return d && d->xdp ? xdp_fast_stats(d->xdp, out) : -ENOENT;
}

/* --- loop plumbing */

static void arm_listener(struct dhcp_service *d, struct dhcp_listener *ln)
{
	int ret = loop_recvmsg_multishot(d->loop, &ln->op, ln->fd, &ln->msg, &d->ring);

	if (ret)
		pr_err("dhcp: cannot arm the listener: %s", strerror(-ret));
}

static void on_packet(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct dhcp_listener *ln = container_of(op, struct dhcp_listener, op);
	struct dhcp_service *d = ln->d;
	struct io_uring_recvmsg_out *out;
	struct in_addr local = { 0 };
	struct sockaddr_in peer;
	struct cmsghdr *cm;
	int ifindex = 0;
	uint8_t *buf;

	if (res < 0) {
		if (res != -ENOBUFS && res != -ECANCELED)
			pr_warn("dhcp: listener: %s", strerror(-res));
		if (!(flags & IORING_CQE_F_MORE) && res != -ECANCELED)
			arm_listener(d, ln);
		return;
	}
	if (!(flags & IORING_CQE_F_BUFFER))
		goto rearm;
	buf = loop_buf(&d->ring, flags);
	out = io_uring_recvmsg_validate(buf, res, &ln->msg);
	if (!out || out->namelen < sizeof(peer) || (out->flags & MSG_TRUNC))
		goto recycle;
	memcpy(&peer, io_uring_recvmsg_name(out), sizeof(peer));
	for (cm = io_uring_recvmsg_cmsg_firsthdr(out, &ln->msg); cm;
	     cm = io_uring_recvmsg_cmsg_nexthdr(out, &ln->msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			local = pi.ipi_spec_dst;
			ifindex = pi.ipi_ifindex;
		}
	}
	handle(d, ln, io_uring_recvmsg_payload(out, &ln->msg),
	       io_uring_recvmsg_payload_length(out, res, &ln->msg), &peer, ifindex, local);
recycle:
	loop_buf_recycle(loop, &d->ring, flags);
rearm:
	if (!(flags & IORING_CQE_F_MORE))
		arm_listener(d, ln);
}

static void arm_store(struct dhcp_service *d)
{
	int ret = loop_poll(d->loop, &d->store_op, lease_store_fd(d->store), POLLIN);

	if (ret)
		pr_err("dhcp: cannot watch the lease store: %s", strerror(-ret));
}

static void on_store(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct dhcp_service *d = container_of(op, struct dhcp_service, store_op);

	if (res == -ECANCELED)
		return;
	lease_store_reap(d->store);
	arm_store(d);
}

static int open_socket(uint16_t port, const char *ifname)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, rcvbuf = 4 << 20, fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	/* Broadcast replies, and the interface and our address of every request. */
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1)
		goto fail;
	/*
	 * A boot storm arrives in bursts (and ACKs leave in bursts after each group commit):
	 * room for a few thousand requests. FORCE goes past rmem_max when we may; else the
	 * plain option takes what rmem_max allows.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* One interface: let the kernel filter, and let other servers have the others. */
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 (socklen_t)strlen(ifname) + 1) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

static void load_one(void *ctx, const struct lease *l)
{
	struct dhcp_service *d = ctx;

	/* An offer is never stored; anything else comes back as it was. */
	if (l->state != LEASE_OFFERED && !lease_pool_insert(d->pool, l))
		pr_err("dhcp: out of memory loading leases");
}

static int setup_pool(struct dhcp_service *d, const struct conf *c)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int ret;

	for (size_t i = 0; i < c->dhcp.nr_subnets; i++) {
		const struct conf_subnet *s = &c->dhcp.subnets[i];

		for (size_t j = 0; j < s->nr_pools; j++) {
			uint32_t f = h32(s->pools[j].first), l = h32(s->pools[j].last);

			ret = lease_pool_add_range(d->pool, f, l);
			if (ret) {
				pr_err("dhcp: pool %s-%s: %s",
				       inet_ntop(AF_INET, &s->pools[j].first, a, sizeof(a)),
				       inet_ntop(AF_INET, &s->pools[j].last, b, sizeof(b)),
				       strerror(-ret));
				return ret;
			}
			d->pool_size += (size_t)(l - f) + 1;
		}
	}
	for (size_t i = 0; i < c->nr_nodes; i++)
		if (c->nodes[i].has_ip)
			lease_pool_reserve(d->pool, h32(c->nodes[i].ip));
	return 0;
}

struct dhcp_service *dhcp_open(struct server *srv, const struct conf *c)
{
	const struct conf_dhcp *dc = &c->dhcp;
	const char *db = dc->lease_db ? dc->lease_db : DEFAULT_LEASE_DB;
	struct dhcp_service *d;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->srv = srv;
	d->mode = dc->mode;
	d->client_port = dc->client_port;
	d->main.fd = d->proxy.fd = -1;
	if (dc->nr_interfaces > DHCP_IFS_MAX) {
		pr_err("dhcp: at most %d interfaces", DHCP_IFS_MAX);
		goto fail;
	}
	for (size_t i = 0; i < dc->nr_interfaces; i++) {
		unsigned idx = if_nametoindex(dc->interfaces[i]);

		if (!idx) {
			pr_err("dhcp: interface %s: %s", dc->interfaces[i], strerror(errno));
			goto fail;
		}
		d->ifindex[d->nr_ifs] = (int)idx;
		snprintf(d->ifnames[d->nr_ifs++], IF_NAMESIZE, "%s", dc->interfaces[i]);
	}
	d->main.fd = open_socket(dc->port, d->nr_ifs == 1 ? d->ifnames[0] : NULL);
	if (d->main.fd < 0) {
		pr_err("dhcp: cannot listen on port %u: %s", dc->port, strerror(-d->main.fd));
		goto fail;
	}
	if (d->mode == CONF_DHCP_PROXY && dc->proxy_port) {
		d->proxy.fd = open_socket(dc->proxy_port, d->nr_ifs == 1 ? d->ifnames[0] : NULL);
		if (d->proxy.fd < 0) {
			pr_err("dhcp: cannot listen on port %u: %s", dc->proxy_port,
			       strerror(-d->proxy.fd));
			goto fail;
		}
	}
	d->pool = lease_pool_new();
	if (!d->pool || setup_pool(d, c))
		goto fail;
	if (d->mode == CONF_DHCP_SERVER) {
		char *errs = NULL;
		size_t errs_len = 0;
		FILE *err = open_memstream(&errs, &errs_len);

		d->store = lease_store_open(db, (enum lease_sync)dc->lease_sync, err);
		if (err)
			fclose(err);
		if (!d->store) {
			pr_err("dhcp: %s", errs && *errs ? strtok(errs, "\n") : "lease store");
			free(errs);
			goto fail;
		}
		free(errs);
		ret = lease_store_load(d->store, load_one, d);
		if (ret < 0) {
			pr_err("dhcp: cannot load leases from %s: %s", db, strerror(-ret));
			goto fail;
		}
		pr_info("dhcp: %d leases loaded from %s", ret, db);
	}
	d->tx = calloc(DHCP_TX_SLOTS, sizeof(*d->tx));
	if (!d->tx)
		goto fail;
	/* Attached now, filled once the DHCP worker runs: until then it passes everything. */
	fast_open(d, c);
	for (size_t i = 0; i < DHCP_TX_SLOTS; i++) {
		d->tx[i].d = d;
		d->tx[i].op.fn = on_sent;
		tx_put(&d->tx[i]);
	}
	return d;
fail:
	dhcp_close(d);
	return NULL;
}

static void listener_init(struct dhcp_service *d, struct dhcp_listener *ln, bool proxy_port)
{
	ln->d = d;
	ln->op.fn = on_packet;
	ln->proxy_port = proxy_port;
	/* Multishot recvmsg lays out name and control in each buffer from these lengths. */
	ln->msg.msg_namelen = sizeof(struct sockaddr_in);
	ln->msg.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
}

int dhcp_start(struct dhcp_service *d, struct loop *loop)
{
	int ret;

	d->loop = loop;
	ret = loop_bufring_init(loop, &d->ring, DHCP_BGID, DHCP_BUFS, DHCP_BUF_SIZE);
	if (ret) {
		pr_err("dhcp: provided-buffer ring: %s", strerror(-ret));
		return ret;
	}
	listener_init(d, &d->main, false);
	arm_listener(d, &d->main);
	if (d->proxy.fd >= 0) {
		listener_init(d, &d->proxy, true);
		arm_listener(d, &d->proxy);
	}
	if (d->store) {
		d->store_op.fn = on_store;
		arm_store(d);
	}
	if (d->xdp) {
		struct server_gen *g = server_gen_get();

		d->xdp_nodes = fast_fill(d, g);
		server_gen_put(g);
		d->xdp_timer.fn = on_fast_heartbeat;
		loop_timer_arm(loop, &d->xdp_timer, XDP_HEARTBEAT_MS);
		if (xdp_fast_events_fd(d->xdp) >= 0) {
			d->xdp_op.fn = on_fast_events;
			arm_fast_events(d);
		}
	}
	return 0;
}

void dhcp_describe(const struct dhcp_service *d, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "dhcp %s on %s", d->mode == CONF_DHCP_PROXY ?
				    "proxy" : "server", d->nr_ifs ? "" : "every interface");

	for (size_t i = 0; i < d->nr_ifs && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "", d->ifnames[i]);
	if (n < size && d->mode == CONF_DHCP_SERVER)
		n += (size_t)snprintf(buf + n, size - n, " (%zu pool addresses)", d->pool_size);
	if (n < size && d->xdp) {
		char where[128];

		xdp_fast_describe(d->xdp, where, sizeof(where));
		snprintf(buf + n, size - n, ", XDP fast path %s", where);
	}
}

void dhcp_close(struct dhcp_service *d)
{
	if (!d)
		return;
	/* The loop is gone (loop_free ran first), so only the memory is left to free. */
	loop_bufring_free(NULL, &d->ring);
	if (d->main.fd >= 0)
		close(d->main.fd);
	if (d->proxy.fd >= 0)
		close(d->proxy.fd);
	if (d->xdp) {
		uint64_t st[BH_CNT_NR];

		if (!xdp_fast_stats(d->xdp, st))
			pr_info("xdp: %llu requests seen, %llu offers, %llu acks, %llu naks sent "
				"from the kernel", (unsigned long long)st[BH_CNT_REQUESTS],
				(unsigned long long)st[BH_CNT_OFFERS],
				(unsigned long long)st[BH_CNT_ACKS],
				(unsigned long long)st[BH_CNT_NAKS]);
		xdp_fast_close(d->xdp);
	}
	lease_store_close(d->store);
	lease_pool_free(d->pool);
	if (atomic_load(&d->srv->dhcp_packets))
		pr_info("dhcp: %llu packets, %llu offers, %llu acks, %llu naks, %llu malformed, "
			"%llu dropped, %llu store errors",
			(unsigned long long)atomic_load(&d->srv->dhcp_packets),
			(unsigned long long)atomic_load(&d->srv->dhcp_offers),
			(unsigned long long)atomic_load(&d->srv->dhcp_acks),
			(unsigned long long)atomic_load(&d->srv->dhcp_naks),
			(unsigned long long)atomic_load(&d->srv->dhcp_malformed),
			(unsigned long long)atomic_load(&d->srv->dhcp_dropped),
			(unsigned long long)atomic_load(&d->srv->dhcp_store_errors));
	free(d->tx);
	free(d);
}
