// SPDX-License-Identifier: MIT
/*
 * bootstorm's DHCP client: what PXE firmware sends, as raw Ethernet frames from each node's
 * own MAC over an AF_PACKET socket on the client veth (so that the server sees N machines, and
 * an XDP program on its side sees real frames), and the replies read back the same way,
 * broadcast or unicast to the node's MAC (the socket is promiscuous, with a classic BPF filter
 * that passes only UDP to port 68).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstorm.h"

#define BOOTP_OFF       (14 + 20 + 8)
#define OPT_OFF         240

static const char pxe_vendor[] = "PXEClient:Arch:00000:UNDI:002001";
static const uint8_t prl[] = { 1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40,
			       41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130,
			       131, 132, 133, 134, 135 };

int dhcp_socket(void)
{
	/* ip[9] == 17, not a fragment, udp dport == 68 */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 68, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 65535),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
	int one = 1, rcv = 4 << 20;
	int fd;

	/* Socket with protocol 0 first: no frame is queued before the filter is in place. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == -1 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) == -1) {
		int e = errno;

		close(fd);
		return -e;
	}
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return fd;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	return s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 + UDP headers around a BOOTP payload of @blen bytes at f + BOOTP_OFF. */
static size_t frame_wrap(struct node *n, uint8_t *f, size_t blen)
{
	uint8_t *ip = f + 14, *udp = f + 34;
	size_t ulen = 8 + blen;
	uint32_t s;

	memset(f, 0xff, 6);
	memcpy(f + 6, n->mac, 6);
	put16(f + 12, ETH_P_IP);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = 0x10;
	put16(ip + 2, (uint16_t)(20 + ulen));
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4);       /* 0.0.0.0 -> 255.255.255.255 */
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);
	/* pseudo header: addresses, protocol, length */
	s = csum_add(0, ip + 12, 8) + 17 + (uint32_t)ulen;
	s = csum_add(s, udp, ulen);
	put16(udp + 6, csum_fold(s) ? csum_fold(s) : 0xffff);
	return 14 + 20 + ulen;
}

static void dhcp_send(struct node *n, int type)
{
	uint8_t f[600];
	uint8_t *b = f + BOOTP_OFF, *o = b + OPT_OFF;
	size_t blen;

	memset(b, 0, OPT_OFF);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, &n->xid, 4);
	put16(b + 8, (uint16_t)((now_ns() - n->t_phase[PH_DHCP][0]) / 1000000000ull));
	if (opt.broadcast)
		b[10] = 0x80;
	memcpy(b + 28, n->mac, 6);
	b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99;
	*o++ = 53, *o++ = 1, *o++ = (uint8_t)type;
	if (type == 3) {
		*o++ = 50, *o++ = 4;
		memcpy(o, &n->ip, 4), o += 4;
		*o++ = 54, *o++ = 4;
		memcpy(o, &n->server_id, 4), o += 4;
	}
	*o++ = 57, *o++ = 2, *o++ = 0x05, *o++ = 0xc0;
	*o++ = 93, *o++ = 2, *o++ = 0, *o++ = 0;
	*o++ = 94, *o++ = 3, *o++ = 1, *o++ = 2, *o++ = 1;
	*o++ = 97, *o++ = 17, *o++ = 0;
	memcpy(o, n->uuid, 16), o += 16;
	*o++ = 60, *o++ = sizeof(pxe_vendor) - 1;
	memcpy(o, pxe_vendor, sizeof(pxe_vendor) - 1), o += sizeof(pxe_vendor) - 1;
	*o++ = 55, *o++ = sizeof(prl);
	memcpy(o, prl, sizeof(prl)), o += sizeof(prl);
	*o++ = 255;
	blen = (size_t)(o - b);
	if (blen < 300)                 /* BOOTP's minimum, as firmware pads */
		memset(o, 0, 300 - blen), blen = 300;
	send_frame(n->w, f, frame_wrap(n, f, blen));
}

static void dhcp_arm(struct node *n)
{
	uint64_t t = (uint64_t)opt.dhcp_timeout_ms << (n->dhcp_tries < 5 ? n->dhcp_tries : 5);

	n->dhcp_next = now_ns() + t * 1000000ull;
}

void dhcp_start(struct node *n)
{
	n->dstate = 1;
	n->dhcp_tries = 0;
	dhcp_send(n, 1);
	dhcp_arm(n);
}

void dhcp_timer(struct node *n, uint64_t now)
{
	if (n->dstate != 1 && n->dstate != 2)
		return;
	if (now < n->dhcp_next)
		return;
	if (++n->dhcp_tries >= opt.dhcp_tries) {
		const char *what = n->dstate == 1 ? "OFFER" : "ACK";

		n->dstate = 0;
		node_fail(n, RES_TIMEOUT, "no DHCP %s after %u tries", what, n->dhcp_tries);
		return;
	}
	n->retries[PH_DHCP]++;
	/* Firmware starts over with a DISCOVER when its REQUEST goes unanswered. */
	if (n->dstate == 2 && n->dhcp_tries >= 2)
		n->dstate = 1;
	dhcp_send(n, n->dstate == 1 ? 1 : 3);
	dhcp_arm(n);
}

/* Options of one area (the options field, or file/sname under overload). */
static void parse_opts(const uint8_t *p, size_t len, int *type, struct in_addr *sid,
		       char *bootfile, size_t bfcap, int *overload)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i], l;

		if (c == 0) {
			i++;
			continue;
		}
		if (c == 255 || i + 1 >= len)
			break;
		l = p[i + 1];
		if (i + 2 + l > len)
			break;
		if (c == 53 && l == 1)
			*type = p[i + 2];
		else if (c == 54 && l == 4)
			memcpy(sid, p + i + 2, 4);
		else if (c == 67 && l > 0) {
			size_t k = l < bfcap - 1 ? l : bfcap - 1;

			memcpy(bootfile, p + i + 2, k);
			bootfile[k] = 0;
		} else if (c == 52 && l == 1)
			*overload = p[i + 2];
		i += 2 + (size_t)l;
	}
}

void dhcp_input(struct worker *w, const uint8_t *f, size_t len)
{
	const uint8_t *ip, *udp, *b;
	struct in_addr sid = { 0 };
	char bootfile[128] = "";
	int type = 0, overload = 0;
	size_t ihl, blen;
	struct node *n;
	unsigned idx;

	if (len < 14 + 20 + 8 + OPT_OFF || f[12] != 0x08 || f[13] != 0)
		return;
	ip = f + 14;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < 14 + ihl + 8 + OPT_OFF || ip[9] != 17)
		return;
	udp = ip + ihl;
	if (udp[2] != 0 || udp[3] != 68)
		return;
	b = udp + 8;
	blen = len - (size_t)(b - f);
	if (b[0] != 2 || b[1] != 1 || b[2] != 6 || memcmp(b + 28, opt.mac_prefix, 3) ||
	    b[236] != 99 || b[237] != 130 || b[238] != 83 || b[239] != 99)
		return;
	idx = (unsigned)b[31] << 16 | (unsigned)b[32] << 8 | b[33];
	if (idx >= opt.nodes)
		return;
	n = &all_nodes[idx];
	if (n->w != w || memcmp(b + 4, &n->xid, 4))
		return;
	parse_opts(b + OPT_OFF, blen - OPT_OFF, &type, &sid, bootfile, sizeof(bootfile), &overload);
	if (overload & 1)
		parse_opts(b + 108, 128, &type, &sid, bootfile, sizeof(bootfile), &overload);
	if (overload & 2)
		parse_opts(b + 44, 64, &type, &sid, bootfile, sizeof(bootfile), &overload);
	if (!bootfile[0] && !(overload & 1) && b[108]) {
		memcpy(bootfile, b + 108, 127);
		bootfile[127] = 0;
	}
	if (n->dstate == 1 && type == 2) {
		memcpy(&n->ip, b + 16, 4);
		n->server_id = sid;
		if (!sid.s_addr)
			memcpy(&n->server_id, ip + 12, 4);
		n->dstate = 2;
		n->dhcp_tries = 0;
		dhcp_send(n, 3);
		dhcp_arm(n);
	} else if (n->dstate == 2 && type == 6) {
		n->dstate = 0;
		node_fail(n, RES_FAIL, "DHCP NAK");
	} else if (n->dstate == 2 && type == 5) {
		struct in_addr yi;

		memcpy(&yi, b + 16, 4);
		if (yi.s_addr != n->ip.s_addr) {
			n->dstate = 0;
			node_fail(n, RES_FAIL, "ACK for %s, not the offered address",
				  inet_ntoa(yi));
			return;
		}
		memcpy(&n->next_server, b + 20, 4);
		if (!n->next_server.s_addr)
			n->next_server = n->server_id;
		snprintf(n->bootfile, sizeof(n->bootfile), "%s", bootfile);
		n->dstate = 3;
		if (!bootfile[0]) {
			node_fail(n, RES_FAIL, "the ACK names no boot file");
			return;
		}
		node_dhcp_bound(n);
	}
}

/* A gratuitous ARP for the node's new address, from the client veth's MAC: the node's TFTP and
 * HTTP traffic comes from that MAC (one veth for all nodes), while a server that answered a
 * DHCP client without the broadcast flag has put the node's own MAC in its neighbour table. */
void garp_send(struct node *n)
{
	uint8_t f[60] = { 0 };
	uint8_t *a = f + 14;

	memset(f, 0xff, 6);
	memcpy(f + 6, if_mac, 6);
	put16(f + 12, ETH_P_ARP);
	put16(a, 1);
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, if_mac, 6);
	memcpy(a + 14, &n->ip, 4);
	memcpy(a + 24, &n->ip, 4);
	send_frame(n->w, f, sizeof(f));
}
