// SPDX-License-Identifier: MIT
/*
 * DHCPv4 wire format: the message parser (RFC 2131/2132, RFC 3396 long options, option 52
 * overload, the PXE and iPXE client hints) and the reply builder. Everything here works on the
 * caller's buffers and nothing else, so that the unit tests and the fuzzer can drive it without
 * a socket.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/dhcp_wire.h"

/* Offsets into the fixed part (RFC 2131, figure 1). */
#define OFF_XID     4
#define OFF_SECS    8
#define OFF_FLAGS   10
#define OFF_CIADDR  12
#define OFF_YIADDR  16
#define OFF_SIADDR  20
#define OFF_GIADDR  24
#define OFF_CHADDR  28
#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_COOKIE  DHCP_FIXED_LEN
#define OFF_OPTIONS DHCP_MIN_LEN
#define SNAME_LEN   64u
#define FILE_LEN    128u
#define CHADDR_LEN  16u

/* RFC 3396: the most one instance of an option carries. */
#define OPT_CHUNK   255u
/* Option 52 costs its code, its length and one byte of value. */
#define OVERLOAD_OPT_LEN 3u

static const char *const msg_type_names[] = {
	[DHCP_NONE] = "BOOTP",
	[DHCP_DISCOVER] = "DISCOVER",
	[DHCP_OFFER] = "OFFER",
	[DHCP_REQUEST] = "REQUEST",
	[DHCP_DECLINE] = "DECLINE",
	[DHCP_ACK] = "ACK",
	[DHCP_NAK] = "NAK",
	[DHCP_RELEASE] = "RELEASE",
	[DHCP_INFORM] = "INFORM",
};

/*
 * The IANA "Processor Architecture Types" registry, which supersedes RFC 4578's list: RFC 4578
 * had 7 as EFI byte code and 9 as x86-64, the registry (after erratum 4624) the other way
 * round, and firmware in the field sends 7 for x64 while older iPXE sends 9. So 9 is named for
 * both readings rather than for either.
 */
static const char *const arch_names[] = {
	[0x00] = "BIOS",
	[0x01] = "NEC/PC98",
	[0x02] = "Itanium",
	[0x03] = "DEC Alpha",
	[0x04] = "Arc x86",
	[0x05] = "Intel Lean Client",
	[0x06] = "EFI IA32",
	[0x07] = "EFI x64",
	[0x08] = "EFI Xscale",
	[0x09] = "EFI x64/BC",
	[0x0a] = "EFI ARM32",
	[0x0b] = "EFI ARM64",
	[0x0c] = "PowerPC OF",
	[0x0d] = "PowerPC ePAPR",
	[0x0e] = "POWER OPAL",
	[0x0f] = "EFI IA32 HTTP",
	[0x10] = "EFI x64 HTTP",
	[0x11] = "EFI BC HTTP",
	[0x12] = "EFI ARM32 HTTP",
	[0x13] = "EFI ARM64 HTTP",
	[0x14] = "BIOS HTTP",
	[0x15] = "U-Boot ARM32",
	[0x16] = "U-Boot ARM64",
	[0x17] = "U-Boot ARM32 HTTP",
	[0x18] = "U-Boot ARM64 HTTP",
	[0x19] = "EFI RISC-V 32",
	[0x1a] = "EFI RISC-V 32 HTTP",
	[0x1b] = "EFI RISC-V 64",
	[0x1c] = "EFI RISC-V 64 HTTP",
	[0x1d] = "EFI RISC-V 128",
	[0x1e] = "EFI RISC-V 128 HTTP",
	[0x1f] = "s390 Basic",
	[0x20] = "s390 Extended",
	[0x21] = "EFI MIPS 32",
	[0x22] = "EFI MIPS 64",
	[0x23] = "EFI Sunway 32",
	[0x24] = "EFI Sunway 64",
	[0x25] = "EFI LoongArch 32",
	[0x26] = "EFI LoongArch 32 HTTP",
	[0x27] = "EFI LoongArch 64",
	[0x28] = "EFI LoongArch 64 HTTP",
	[0x29] = "ARM rpiboot",
};

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool has_prefix(const uint8_t *s, size_t len, const char *prefix, size_t prefix_len)
{
	return len >= prefix_len && !memcmp(s, prefix, prefix_len);
}

/* Copies a fixed-size, possibly unterminated string field; @out has room for @n + 1. */
static void copy_field(char *out, const uint8_t *field, size_t n)
{
	const uint8_t *nul = memchr(field, 0, n);
	size_t l = nul ? (size_t)(nul - field) : n;

	memcpy(out, field, l);
	out[l] = 0;
}

/*
 * One walk over an option area. The first walk (@join false) checks the structure, records the
 * first instance of each code in opt[] and sums the lengths of a repeated code there, marking it
 * in @multi; the second (@join true), run once the repeated codes have their slots in concat,
 * appends their instances in the same order. Only the first walk can fail.
 */
static int walk_area(const uint8_t *p, size_t n, bool is_main, bool join, bool *multi,
		     struct dhcp_msg *out)
{
	size_t i = 0;

	while (i < n) {
		uint8_t code = p[i];
		struct dhcp_opt *o = &out->opt[code];
		const uint8_t *d;
		uint8_t l;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			break;
		if (n - i < 2 || n - i - 2 < p[i + 1])
			return -EBADMSG;
		l = p[i + 1];
		d = p + i + 2;
		i += 2u + l;

		if (join) {
			if (multi[code]) {
				memcpy(out->concat + (o->data - out->concat) + o->len, d, l);
				o->len = (uint16_t)(o->len + l);
			}
			continue;
		}
		/*
		 * Option 52 says where the other areas are, so it has to be read before them:
		 * anywhere else, or twice (which RFC 3396 would join into a 2-byte value), it is
		 * nonsense.
		 */
		if (code == DHCP_OPT_OVERLOAD) {
			if (!is_main || o->data || l != 1 || d[0] < 1 || d[0] > 3)
				return -EBADMSG;
			out->overload = d[0];
		}
		if (!o->data) {
			o->data = d;
			o->len = l;
			continue;
		}
		multi[code] = true;
		if (o->len + l > sizeof(out->concat))
			return -EBADMSG;
		o->len = (uint16_t)(o->len + l);
	}
	return 0;
}

/* Both walks go through the same areas in the RFC 3396 order: options, file, then sname. */
static int walk_all(const uint8_t *buf, size_t len, bool join, bool *multi, struct dhcp_msg *out)
{
	int rc = walk_area(buf + OFF_OPTIONS, len - OFF_OPTIONS, true, join, multi, out);

	if (!rc && (out->overload & DHCP_OVERLOAD_FILE))
		rc = walk_area(buf + OFF_FILE, FILE_LEN, false, join, multi, out);
	if (!rc && (out->overload & DHCP_OVERLOAD_SNAME))
		rc = walk_area(buf + OFF_SNAME, SNAME_LEN, false, join, multi, out);
	return rc;
}

/* A slot in concat for each repeated code, then the second walk to fill them. */
static int join_options(const uint8_t *buf, size_t len, bool *multi, struct dhcp_msg *out)
{
	size_t used = 0;

	for (unsigned c = 1; c < DHCP_OPT_END; c++) {
		struct dhcp_opt *o = &out->opt[c];

		if (!multi[c])
			continue;
		if (o->len > sizeof(out->concat) - used)
			return -EBADMSG;
		o->data = out->concat + used;
		used += o->len;
		o->len = 0;
	}
	out->concat_used = used;
	/* Repeated empty options need no copying: their slot is empty too. */
	if (!used)
		return 0;
	return walk_all(buf, len, true, multi, out);
}

/* RFC 3004 (a list of length-prefixed classes) or iPXE's own raw "iPXE". */
static bool user_class_is_ipxe(const uint8_t *d, size_t len)
{
	if (len == 4 && !memcmp(d, "iPXE", 4))
		return true;
	for (size_t i = 0; i < len;) {
		size_t l = d[i];

		/* RFC 3004 has no empty class; one means this is not that form. */
		if (!l || l > len - i - 1)
			return false;
		if (l == 4 && !memcmp(d + i + 1, "iPXE", 4))
			return true;
		i += 1 + l;
	}
	return false;
}

static void fill_conveniences(struct dhcp_msg *out)
{
	const struct dhcp_opt *o;

	o = &out->opt[DHCP_OPT_MSG_TYPE];
	if (o->data && o->len == 1)
		out->msg_type = o->data[0];
	o = &out->opt[DHCP_OPT_REQUESTED_IP];
	if (o->data && o->len == 4)
		memcpy(&out->requested_ip, o->data, 4);
	o = &out->opt[DHCP_OPT_SERVER_ID];
	if (o->data && o->len == 4)
		memcpy(&out->server_id, o->data, 4);
	o = &out->opt[DHCP_OPT_MAX_SIZE];
	if (o->data && o->len == 2 && get_be16(o->data) >= DHCP_MTU_MIN)
		out->max_size = get_be16(o->data);
	o = &out->opt[DHCP_OPT_LEASE_TIME];
	if (o->data && o->len == 4)
		out->lease_time = get_be32(o->data);

	out->arch = DHCP_ARCH_UNKNOWN;
	o = &out->opt[DHCP_OPT_CLIENT_ARCH];
	if (o->data && o->len >= 2 && !(o->len & 1)) {
		out->arch = get_be16(o->data);
	} else {
		int a;

		o = &out->opt[DHCP_OPT_VENDOR_CLASS];
		a = o->data ? dhcp_vendor_arch(o->data, o->len) : -1;
		if (a >= 0)
			out->arch = (uint16_t)a;
	}

	o = &out->opt[DHCP_OPT_VENDOR_CLASS];
	if (o->data) {
		out->pxe = has_prefix(o->data, o->len, "PXEClient", 9);
		out->http_client = has_prefix(o->data, o->len, "HTTPClient", 10);
	}
	o = &out->opt[DHCP_OPT_USER_CLASS];
	out->ipxe = out->opt[DHCP_OPT_IPXE].data ||
		    (o->data && user_class_is_ipxe(o->data, o->len));
}

int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *out)
{
	bool multi[DHCP_OPT_END + 1] = { false };
	int rc;

	/* concat is a third of the struct and is only read up to concat_used. */
	memset(out, 0, offsetof(struct dhcp_msg, concat));
	out->concat_used = 0;
	if (len < DHCP_MIN_LEN || len > INT_MAX)
		return -EBADMSG;
	if ((buf[0] != DHCP_BOOTREQUEST && buf[0] != DHCP_BOOTREPLY) || buf[2] > CHADDR_LEN ||
	    get_be32(buf + OFF_COOKIE) != DHCP_MAGIC)
		return -EBADMSG;

	out->op = buf[0];
	out->htype = buf[1];
	out->hlen = buf[2];
	out->hops = buf[3];
	out->xid = get_be32(buf + OFF_XID);
	out->secs = get_be16(buf + OFF_SECS);
	out->flags = get_be16(buf + OFF_FLAGS);
	memcpy(&out->ciaddr, buf + OFF_CIADDR, 4);
	memcpy(&out->yiaddr, buf + OFF_YIADDR, 4);
	memcpy(&out->siaddr, buf + OFF_SIADDR, 4);
	memcpy(&out->giaddr, buf + OFF_GIADDR, 4);
	memcpy(out->chaddr, buf + OFF_CHADDR, CHADDR_LEN);

	rc = walk_all(buf, len, false, multi, out);
	if (!rc)
		rc = join_options(buf, len, multi, out);
	if (rc) {
		memset(out, 0, offsetof(struct dhcp_msg, concat));
		out->concat_used = 0;
		return rc;
	}

	if (!(out->overload & DHCP_OVERLOAD_SNAME))
		copy_field(out->sname, buf + OFF_SNAME, SNAME_LEN);
	if (!(out->overload & DHCP_OVERLOAD_FILE))
		copy_field(out->file, buf + OFF_FILE, FILE_LEN);
	fill_conveniences(out);
	return (int)len;
}

bool dhcp_requested(const struct dhcp_msg *m, uint8_t code)
{
	const struct dhcp_opt *o = &m->opt[DHCP_OPT_PARAM_LIST];

	return o->data && o->len && memchr(o->data, code, o->len);
}

void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t cap, size_t max_len,
		     const struct dhcp_msg *req)
{
	assert(cap >= DHCP_BOOTP_MIN);
	/* Every client takes 548; DHCP_MAX_LEN is the most we ever send, whatever the buffer. */
	if (max_len < DHCP_MTU_MIN - DHCP_UDP_IP_HDR)
		max_len = DHCP_MTU_MIN - DHCP_UDP_IP_HDR;
	if (max_len > DHCP_MAX_LEN)
		max_len = DHCP_MAX_LEN;
	if (max_len > cap)
		max_len = cap;

	b->buf = buf;
	b->cap = cap;
	b->max_len = max_len;
	b->overload_ok = DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME;
	b->nq = 0;
	b->data_used = 0;
	b->err = 0;

	memset(buf, 0, DHCP_MIN_LEN);
	buf[0] = DHCP_BOOTREPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen > CHADDR_LEN ? CHADDR_LEN : req->hlen;
	put_be32(buf + OFF_XID, req->xid);
	put_be16(buf + OFF_FLAGS, req->flags);
	memcpy(buf + OFF_CIADDR, &req->ciaddr, 4);
	memcpy(buf + OFF_GIADDR, &req->giaddr, 4);
	memcpy(buf + OFF_CHADDR, req->chaddr, CHADDR_LEN);
	put_be32(buf + OFF_COOKIE, DHCP_MAGIC);
}

void dhcp_build_set_addrs(struct dhcp_builder *b, struct in_addr yiaddr, struct in_addr siaddr)
{
	memcpy(b->buf + OFF_YIADDR, &yiaddr, 4);
	memcpy(b->buf + OFF_SIADDR, &siaddr, 4);
}

/*
 * An empty string leaves the field to overload; it does not give it back once taken, since the
 * caller may have cleared overload_ok on purpose.
 */
static int set_field(struct dhcp_builder *b, size_t off, size_t size, uint8_t bit, const char *s)
{
	size_t l = strnlen(s, size);

	if (l >= size)
		return -ENAMETOOLONG;
	memset(b->buf + off, 0, size);
	memcpy(b->buf + off, s, l);
	if (l)
		b->overload_ok &= (uint8_t)~bit;
	return 0;
}

int dhcp_build_set_sname(struct dhcp_builder *b, const char *sname)
{
	return set_field(b, OFF_SNAME, SNAME_LEN, DHCP_OVERLOAD_SNAME, sname);
}

int dhcp_build_set_file(struct dhcp_builder *b, const char *file)
{
	return set_field(b, OFF_FILE, FILE_LEN, DHCP_OVERLOAD_FILE, file);
}

static void set_err(struct dhcp_builder *b, int err)
{
	if (!b->err)
		b->err = err;
}

/*
 * Option 52 is the builder's own (it describes the layout dhcp_build_finish() picks), so it is
 * refused like PAD and END: a second one would make the reply unparseable.
 */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len)
{
	const size_t nq_max = sizeof(b->q) / sizeof(b->q[0]);

	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END || code == DHCP_OPT_OVERLOAD)
		return -EINVAL;
	for (size_t i = 0; i < b->nq; i++)
		if (b->q[i].code == code)
			return -EEXIST;
	if (b->nq >= nq_max || len > sizeof(b->data) - b->data_used) {
		set_err(b, -ENOSPC);
		return -ENOSPC;
	}
	b->q[b->nq].code = code;
	b->q[b->nq].len = (uint16_t)len;
	b->q[b->nq].off = (uint16_t)b->data_used;
	if (len)
		memcpy(b->data + b->data_used, data, len);
	b->data_used += len;
	b->nq++;
	return 0;
}

int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v)
{
	return dhcp_build_opt(b, code, &v, 1);
}

int dhcp_build_u16(struct dhcp_builder *b, uint8_t code, uint16_t v)
{
	uint8_t be[2];

	put_be16(be, v);
	return dhcp_build_opt(b, code, be, sizeof(be));
}

int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v)
{
	uint8_t be[4];

	put_be32(be, v);
	return dhcp_build_opt(b, code, be, sizeof(be));
}

int dhcp_build_addr(struct dhcp_builder *b, uint8_t code, struct in_addr a)
{
	return dhcp_build_opt(b, code, &a.s_addr, 4);
}

int dhcp_build_str(struct dhcp_builder *b, uint8_t code, const char *s)
{
	return dhcp_build_opt(b, code, s, strlen(s));
}

/* Bytes an option of @len takes on the wire, as one or more instances of at most 255. */
static size_t opt_wire_size(size_t len)
{
	return len ? len + 2 * ((len + OPT_CHUNK - 1) / OPT_CHUNK) : 2;
}

/* Writes an option as consecutive instances of its code (RFC 3396); returns bytes written. */
static size_t put_opt(uint8_t *p, uint8_t code, const uint8_t *d, size_t len)
{
	size_t o = 0;

	do {
		size_t chunk = len > OPT_CHUNK ? OPT_CHUNK : len;

		p[o++] = code;
		p[o++] = (uint8_t)chunk;
		memcpy(p + o, d, chunk);
		o += chunk;
		d += chunk;
		len -= chunk;
	} while (len);
	return o;
}

/* Areas in the order options fill them; where[] holds the index + 1, 0 for "left out". */
enum build_area {
	AREA_OPTIONS = 0,
	AREA_FILE = 1,
	AREA_SNAME = 2,
	AREA_NR = 3,
};

static const struct {
	size_t off, size;
	uint8_t bit;
} area_desc[AREA_NR] = {
	[AREA_OPTIONS] = { OFF_OPTIONS, 0, 0 },
	[AREA_FILE] = { OFF_FILE, FILE_LEN, DHCP_OVERLOAD_FILE },
	[AREA_SNAME] = { OFF_SNAME, SNAME_LEN, DHCP_OVERLOAD_SNAME },
};

/*
 * First fit, in priority order, of whole options into the areas with @room bytes each (their
 * END already taken off). Returns the overload bits of the areas other than options used.
 */
static uint8_t plan_layout(const struct dhcp_builder *b, const uint8_t *order, size_t room[],
			   uint8_t *where)
{
	uint8_t used = 0;

	for (size_t k = 0; k < b->nq; k++) {
		size_t sz = opt_wire_size(b->q[order[k]].len);

		where[k] = 0;
		for (unsigned a = 0; a < AREA_NR; a++) {
			if (sz <= room[a]) {
				room[a] -= sz;
				where[k] = (uint8_t)(a + 1);
				used |= area_desc[a].bit;
				break;
			}
		}
	}
	return used;
}

/*
 * Two plans: one without overload (the whole options field, less its END), and, when that leaves
 * something out, one with it (three bytes less for option 52, plus the free fields). The
 * overloaded plan is taken only when, going down the queue in priority order, the first option
 * the two plans treat differently is one it places: it never trades an important option for
 * less important ones, and never overloads for nothing.
 */
size_t dhcp_build_finish(struct dhcp_builder *b)
{
	uint8_t order[sizeof(b->q) / sizeof(b->q[0])];
	uint8_t where[sizeof(order)], where_ov[sizeof(order)];
	size_t room[AREA_NR], pos[AREA_NR];
	size_t opt_room = b->max_len - OFF_OPTIONS - 1;
	uint8_t *buf = b->buf;
	uint8_t ov = 0, free_areas = 0;
	bool all = true, pending_52;
	size_t n = 0, k, len;

	assert(b->max_len >= DHCP_BOOTP_MIN && b->max_len <= b->cap);

	/* Option 53 first: some clients look only at the start of the options. */
	for (size_t i = 0; i < b->nq; i++)
		if (b->q[i].code == DHCP_OPT_MSG_TYPE)
			order[n++] = (uint8_t)i;
	for (size_t i = 0; i < b->nq; i++)
		if (b->q[i].code != DHCP_OPT_MSG_TYPE)
			order[n++] = (uint8_t)i;

	room[AREA_OPTIONS] = opt_room;
	room[AREA_FILE] = room[AREA_SNAME] = 0;
	plan_layout(b, order, room, where);
	for (k = 0; k < b->nq; k++)
		all &= where[k] != 0;

	/*
	 * The bits alone say which fields are free: dhcp_build_set_*() clears the bit of a field it
	 * fills, and a field this function filled before is free again for a second call.
	 */
	free_areas = b->overload_ok & (DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME);
	if (!all && free_areas) {
		room[AREA_OPTIONS] = opt_room - OVERLOAD_OPT_LEN;
		room[AREA_FILE] = free_areas & DHCP_OVERLOAD_FILE ? FILE_LEN - 1 : 0;
		room[AREA_SNAME] = free_areas & DHCP_OVERLOAD_SNAME ? SNAME_LEN - 1 : 0;
		ov = plan_layout(b, order, room, where_ov);
		for (k = 0; k < b->nq && !where[k] == !where_ov[k]; k++)
			;
		if (ov && k < b->nq && where_ov[k])
			memcpy(where, where_ov, b->nq);
		else
			ov = 0;
	}

	/* Clear what an earlier call may have put in a free field, used this time or not. */
	for (unsigned a = AREA_FILE; a < AREA_NR; a++) {
		pos[a] = area_desc[a].off;
		if (free_areas & area_desc[a].bit)
			memset(buf + pos[a], 0, area_desc[a].size);
	}
	pos[AREA_OPTIONS] = OFF_OPTIONS;

	/* Option 52 goes right after 53, which is first when queued at all. */
	pending_52 = ov != 0;
	for (k = 0; k < b->nq; k++) {
		uint8_t code = b->q[order[k]].code;
		unsigned a = where[k] - 1u;

		if (pending_52 && code != DHCP_OPT_MSG_TYPE) {
			put_opt(buf + pos[AREA_OPTIONS], DHCP_OPT_OVERLOAD, &ov, 1);
			pos[AREA_OPTIONS] += OVERLOAD_OPT_LEN;
			pending_52 = false;
		}
		if (!where[k]) {
			set_err(b, -ENOSPC);
			continue;
		}
		pos[a] += put_opt(buf + pos[a], code, b->data + b->q[order[k]].off,
				  b->q[order[k]].len);
	}
	assert(!pending_52);
	for (unsigned a = 0; a < AREA_NR; a++)
		if (!a || (ov & area_desc[a].bit))
			buf[pos[a]++] = DHCP_OPT_END;

	len = pos[AREA_OPTIONS];
	assert(len <= b->max_len);
	if (len < DHCP_BOOTP_MIN) {
		memset(buf + len, 0, DHCP_BOOTP_MIN - len);
		len = DHCP_BOOTP_MIN;
	}
	return len;
}

int dhcp_vendor_arch(const uint8_t *s, size_t len)
{
	static const char arch[] = ":Arch:";
	const size_t arch_len = sizeof(arch) - 1, digits = 5;
	unsigned v = 0;
	size_t i;

	if (has_prefix(s, len, "PXEClient", 9))
		i = 9;
	else if (has_prefix(s, len, "HTTPClient", 10))
		i = 10;
	else
		return -1;
	if (len - i < arch_len + digits || memcmp(s + i, arch, arch_len))
		return -1;
	i += arch_len;
	for (size_t end = i + digits; i < end; i++) {
		unsigned d = s[i] - (unsigned)'0';

		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	if (v > UINT16_MAX || (i < len && s[i] != ':'))
		return -1;
	return (int)v;
}

const char *dhcp_msg_type_name(unsigned type)
{
	if (type >= sizeof(msg_type_names) / sizeof(msg_type_names[0]))
		return "?";
	return msg_type_names[type];
}

const char *dhcp_arch_name(unsigned arch)
{
	if (arch >= sizeof(arch_names) / sizeof(arch_names[0]) || !arch_names[arch])
		return "?";
	return arch_names[arch];
}
