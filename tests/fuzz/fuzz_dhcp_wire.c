// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for the DHCP wire module: the parser, with every view it hands out checked
 * to lie in the packet or in the joined-option storage; then, on what parses, dhcp_requested()
 * and a reply built from the request (a long option, echoed client options, overload when the
 * room runs out) under a few size limits, parsed again and compared option by option with
 * what was queued. Invariants are checked with __builtin_trap() so that they hold in any build.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/dhcp_wire.c"



static bool within(const uint8_t *p, size_t n, const uint8_t *area, size_t area_len)
{
	return p >= area && p <= area + area_len && n <= (size_t)(area + area_len - p);
}

static void check_msg(const uint8_t *buf, size_t len, const struct dhcp_msg *m)
{
	const struct dhcp_opt *o;
	unsigned sum = 0;

	ASSERT(m->op == DHCP_BOOTREQUEST || m->op == DHCP_BOOTREPLY);
	ASSERT(m->hlen <= 16);
	ASSERT(m->overload <= 3);
	ASSERT(!m->opt[DHCP_OPT_OVERLOAD].data == !m->overload);
	ASSERT(m->concat_used <= sizeof(m->concat));
	ASSERT(strnlen(m->sname, sizeof(m->sname)) < sizeof(m->sname));
	ASSERT(strnlen(m->file, sizeof(m->file)) < sizeof(m->file));
	if (m->overload & DHCP_OVERLOAD_SNAME)
		ASSERT(!m->sname[0]);
	if (m->overload & DHCP_OVERLOAD_FILE)
		ASSERT(!m->file[0]);
	ASSERT(!m->opt[DHCP_OPT_PAD].data && !m->opt[DHCP_OPT_END].data);

	for (unsigned c = 0; c < 256; c++) {
		o = &m->opt[c];
		if (!o->data) {
			ASSERT(!o->len);
			continue;
		}
		if (within(o->data, o->len, buf + DHCP_MIN_LEN, len - DHCP_MIN_LEN) ||
		    within(o->data, o->len, buf + 44, 192))
			ASSERT(o->len <= 255);
		else
			ASSERT(within(o->data, o->len, m->concat, m->concat_used));
		/* Touch every byte, so that ASan sees any view that points nowhere. */
		for (size_t i = 0; i < o->len; i++)
			sum += o->data[i];
	}
	(void)sum;

	o = &m->opt[DHCP_OPT_MSG_TYPE];
	ASSERT(m->msg_type == (o->data && o->len == 1 ? o->data[0] : DHCP_NONE));
	ASSERT(!m->max_size || m->max_size >= DHCP_MTU_MIN);
	o = &m->opt[DHCP_OPT_CLIENT_ARCH];
	if (o->data && o->len >= 2 && !(o->len & 1))
		ASSERT(m->arch == get_be16(o->data));
	o = &m->opt[DHCP_OPT_VENDOR_CLASS];
	if (m->pxe)
		ASSERT(o->data && o->len >= 9 && !memcmp(o->data, "PXEClient", 9));
	if (m->http_client)
		ASSERT(o->data && o->len >= 10 && !memcmp(o->data, "HTTPClient", 10));
	if (m->opt[DHCP_OPT_IPXE].data)
		ASSERT(m->ipxe);

	o = &m->opt[DHCP_OPT_PARAM_LIST];
	for (unsigned c = 0; c < 256; c++)
		ASSERT(dhcp_requested(m, (uint8_t)c) ==
		       (o->data && o->len && memchr(o->data, (int)c, o->len) != NULL));
}

struct queued {
	uint8_t code;
	const uint8_t *data;
	size_t len;
	bool ok;        /* accepted by dhcp_build_opt() */
};

static void queue(struct dhcp_builder *b, struct queued *q, size_t *nq, uint8_t code,
		  const void *data, size_t len)
{
	int rc = dhcp_build_opt(b, code, data, len);

	ASSERT(rc == 0 || rc == -ENOSPC);
	q[*nq] = (struct queued){ code, data, len, rc == 0 };
	(*nq)++;
}

static void build_reply(const struct dhcp_msg *req, const uint8_t *in, size_t in_len,
			size_t cap, size_t max_len)
{
	static uint8_t big[1200];
	uint8_t *out = malloc(cap);
	struct dhcp_msg *rep = malloc(sizeof(*rep));
	struct in_addr a = { .s_addr = 0x0100000a };
	struct dhcp_builder b;
	struct queued q[16];
	size_t nq = 0, n, big_len;
	bool mt_ok;
	int rc;

	/* The long option takes its length and bytes from the input, so splits land anywhere. */
	big_len = in_len ? (in[in_len - 1] * 5u + in_len) % sizeof(big) : 600;
	for (size_t i = 0; i < big_len; i++)
		big[i] = in_len ? in[i % in_len] : (uint8_t)i;

	dhcp_build_init(&b, out, cap, max_len, req);
	ASSERT(b.max_len >= DHCP_BOOTP_MIN && b.max_len <= cap && b.max_len <= DHCP_MAX_LEN);
	dhcp_build_set_addrs(&b, a, a);
	if (in_len && (in[0] & 1))
		ASSERT(dhcp_build_set_file(&b, req->file[0] ? req->file : "pxelinux.0") == 0 ||
		       strlen(req->file) > 127);
	if (in_len && (in[0] & 2))
		ASSERT(dhcp_build_set_sname(&b, req->sname) == 0 || strlen(req->sname) > 63);

	queue(&b, q, &nq, DHCP_OPT_SERVER_ID, &a, 4);
	queue(&b, q, &nq, DHCP_OPT_LEASE_TIME, "\0\0\x0e\x10", 4);
	queue(&b, q, &nq, DHCP_OPT_VENDOR, big, big_len);
	if (req->opt[DHCP_OPT_RELAY_AGENT].data)
		queue(&b, q, &nq, DHCP_OPT_RELAY_AGENT, req->opt[DHCP_OPT_RELAY_AGENT].data,
		      req->opt[DHCP_OPT_RELAY_AGENT].len);
	if (req->opt[DHCP_OPT_CLIENT_ID].data)
		queue(&b, q, &nq, DHCP_OPT_CLIENT_ID, req->opt[DHCP_OPT_CLIENT_ID].data,
		      req->opt[DHCP_OPT_CLIENT_ID].len);
	queue(&b, q, &nq, DHCP_OPT_BOOTFILE, "bootx64.efi", 11);
	queue(&b, q, &nq, DHCP_OPT_HOSTNAME, "node-0001.example.org", 21);
	if (req->pxe)
		queue(&b, q, &nq, DHCP_OPT_VENDOR_CLASS, "PXEClient", 9);
	/* Queued last, still laid out first. */
	queue(&b, q, &nq, DHCP_OPT_MSG_TYPE, "\x02", 1);
	/* A relay option echoed whole can use up the data room before 53 comes. */
	mt_ok = q[nq - 1].ok;
	if (mt_ok)
		ASSERT(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, 5) == -EEXIST);
	ASSERT(dhcp_build_u8(&b, DHCP_OPT_OVERLOAD, 3) == -EINVAL);

	n = dhcp_build_finish(&b);
	ASSERT(n >= DHCP_BOOTP_MIN && n <= b.max_len);
	rc = dhcp_parse(out, n, rep);
	ASSERT(rc == (int)n);
	check_msg(out, n, rep);
	ASSERT(rep->op == DHCP_BOOTREPLY && rep->xid == req->xid && rep->hlen == req->hlen);
	ASSERT(rep->flags == req->flags && rep->giaddr.s_addr == req->giaddr.s_addr);
	ASSERT(!memcmp(rep->chaddr, req->chaddr, 16));
	if (mt_ok) {
		ASSERT(out[DHCP_MIN_LEN] == DHCP_OPT_MSG_TYPE);
		ASSERT(rep->msg_type == DHCP_OFFER);
	}

	for (size_t i = 0; i < nq; i++) {
		const struct dhcp_opt *o = &rep->opt[q[i].code];

		if (!o->data) {
			ASSERT(b.err == -ENOSPC);
			continue;
		}
		ASSERT(q[i].ok);
		ASSERT(o->len == q[i].len && !memcmp(o->data, q[i].data, q[i].len));
	}
	/* Nothing but what was queued, and 52. */
	for (unsigned c = 1; c < 255; c++) {
		bool want = c == DHCP_OPT_OVERLOAD && rep->overload;

		for (size_t i = 0; i < nq; i++)
			want |= q[i].code == c;
		if (!want)
			ASSERT(!rep->opt[c].data);
	}
	/* A second layout of the same queue is the same bytes. */
	ASSERT(dhcp_build_finish(&b) == n);
	ASSERT(dhcp_parse(out, n, rep) == (int)n);
	free(rep);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size);
	struct dhcp_msg *m = malloc(sizeof(*m));
	int rc;

	/* An exact-size heap copy: libFuzzer's own buffer may have slack that hides over-reads. */
	if (size)
		memcpy(buf, data, size);
	rc = dhcp_parse(buf, size, m);
	if (rc < 0) {
		ASSERT(rc == -EBADMSG);
	} else {
		ASSERT((size_t)rc == size);
		check_msg(buf, size, m);
		build_reply(m, buf, size, DHCP_MAX_LEN,
			    m->max_size ? m->max_size - DHCP_UDP_IP_HDR : 0);
		build_reply(m, buf, size, DHCP_BOOTP_MIN, 0);
		build_reply(m, buf, size, 4096, size);
	}
	(void)dhcp_vendor_arch(buf, size);
	free(m);
	free(buf);
	return 0;
}
