/* SPDX-License-Identifier: MIT */
/*
 * DHCPv4 wire format (RFC 2131/2132) with long-option concatenation (RFC 3396), option
 * overload (option 52), relay agent information (RFC 3046) and the PXE options of RFC 4578.
 * Pure code: no I/O, no globals. The parser takes (buf, len, &out) and returns the bytes
 * consumed or a negative code; the builder writes into the caller's buffer.
 */
#ifndef BOOTHERD_DHCP_WIRE_H
#define BOOTHERD_DHCP_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN   236u   /* op .. file, before the magic cookie */
#define DHCP_MAGIC       0x63825363u
#define DHCP_MIN_LEN     (DHCP_FIXED_LEN + 4u)  /* fixed part and cookie; options may be empty */
#define DHCP_BOOTP_MIN   300u   /* replies are padded to this (RFC 1542 relays drop less) */
#define DHCP_MAX_LEN     1500u  /* largest reply we build; also the default cap below */
#define DHCP_MTU_MIN     576u   /* RFC 2131: every client takes a 576-byte IP datagram */
#define DHCP_UDP_IP_HDR  28u    /* IPv4 + UDP headers, subtracted from option 57 */

enum dhcp_op {
	DHCP_BOOTREQUEST = 1,
	DHCP_BOOTREPLY = 2,
};

enum dhcp_msg_type {
	DHCP_NONE = 0,          /* no option 53: a BOOTP request */
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

enum dhcp_opt_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_ROOT_PATH = 17,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_NTP = 42,
	DHCP_OPT_VENDOR = 43,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_RENEWAL_T1 = 58,
	DHCP_OPT_REBINDING_T2 = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_USER_CLASS = 77,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_CLIENT_ARCH = 93,
	DHCP_OPT_CLIENT_NDI = 94,
	DHCP_OPT_UUID = 97,
	DHCP_OPT_IPXE = 175,
	DHCP_OPT_END = 255,
};

/* Overload bits (option 52). */
enum dhcp_overload {
	DHCP_OVERLOAD_FILE = 1,
	DHCP_OVERLOAD_SNAME = 2,
};

/* RFC 4578 / IANA processor architecture types (option 93). */
enum dhcp_arch {
	DHCP_ARCH_BIOS = 0,
	DHCP_ARCH_EFI_IA32 = 6,
	DHCP_ARCH_EFI_BC = 7,           /* x86-64 UEFI: what x64 firmware sends (IANA registry,
					 * RFC 4578 erratum 4624; the RFC had 7 and 9 swapped) */
	DHCP_ARCH_EFI_X64 = 9,          /* EFI byte code per IANA; some firmware sends it for x64 */
	DHCP_ARCH_EFI_ARM32 = 10,
	DHCP_ARCH_EFI_ARM64 = 11,
	DHCP_ARCH_EFI_X64_HTTP = 16,
	DHCP_ARCH_EFI_ARM64_HTTP = 19,
	DHCP_ARCH_UNKNOWN = 0xffff,     /* no option 93 and no arch in option 60 */
};

/* One option's value after RFC 3396 concatenation: a view into the packet or into out->concat. */
struct dhcp_opt {
	const uint8_t *data;    /* NULL when the option is absent */
	uint16_t len;           /* may be 0 for a present, empty option */
};

/*
 * A parsed message. Option values point into the caller's buffer, or into @concat when an
 * option was split over several instances (or over the overloaded file/sname fields) and had
 * to be joined; either way they live as long as both the buffer and this struct.
 */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;                   /* host order */
	uint16_t secs, flags;           /* host order; flags & 0x8000 is the broadcast bit */
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	char sname[65];                 /* NUL-terminated copy; empty when overloaded */
	char file[129];                 /* NUL-terminated copy; empty when overloaded */
	uint8_t overload;               /* DHCP_OVERLOAD_* bits seen in option 52 */

	struct dhcp_opt opt[256];       /* by code; PAD and END are never set */

	/* Conveniences read out of the options above; each is checked for its length. */
	uint8_t msg_type;               /* enum dhcp_msg_type; DHCP_NONE without option 53 */
	struct in_addr requested_ip;    /* option 50, or 0 */
	struct in_addr server_id;       /* option 54, or 0 */
	uint16_t max_size;              /* option 57 if >= 576, else 0 */
	uint32_t lease_time;            /* option 51, or 0 */
	uint16_t arch;                  /* first value of option 93, else the Arch of a
					 * "PXEClient:Arch:NNNNN" or "HTTPClient:Arch:NNNNN"
					 * option 60, else DHCP_ARCH_UNKNOWN */
	bool pxe;                       /* option 60 starts with "PXEClient" */
	bool http_client;               /* option 60 starts with "HTTPClient" */
	bool ipxe;                      /* user class (77) "iPXE" in either the RFC 3004 or
					 * iPXE's raw form, or option 175 present */

	uint8_t concat[2048];           /* storage for joined options */
	size_t concat_used;
};

/*
 * Parses a BOOTREQUEST or BOOTREPLY. Checks: at least DHCP_MIN_LEN bytes, the magic cookie,
 * hlen <= 16, every option's length within its area, option 52 only in the options field and
 * with a value 1..3, an option area that ends with END or runs to the end of its area (a
 * missing END is tolerated there: many clients pad to the end). Options repeated in several
 * instances are concatenated in order: options field, then file, then sname (RFC 3396).
 * A known option with a wrong length (53 not 1 byte, 50/54 not 4, 57 not 2, 93 odd or empty)
 * is dropped from the conveniences but kept in opt[]. Option 52 may appear once.
 * Returns @len, or -EBADMSG when the packet is malformed.
 */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *out);

/*
 * Parameter request list (option 55): true when @code is in it. A client that sent no list is
 * treated as asking for nothing beyond what a reply always carries.
 */
bool dhcp_requested(const struct dhcp_msg *m, uint8_t code);

/* Reply builder. Options are queued in order of priority and laid out by dhcp_build_finish(). */
struct dhcp_builder {
	uint8_t *buf;
	size_t cap;             /* room in buf; at least DHCP_BOOTP_MIN */
	size_t max_len;         /* largest message the client takes (from option 57), <= cap */
	uint8_t overload_ok;    /* DHCP_OVERLOAD_* fields the builder may fill with options */
	struct {
		uint8_t code;
		uint16_t len;
		uint16_t off;   /* into data[] */
	} q[64];
	size_t nq;
	uint8_t data[2048];
	size_t data_used;
	int err;                /* first error: -ENOSPC when a queued option did not fit */
};

/*
 * Starts a BOOTREPLY to @req in @buf: op 2, htype/hlen/xid/flags/giaddr/chaddr copied, hops 0,
 * secs 0, ciaddr copied, the magic cookie. @max_len bounds the reply (the caller passes what
 * the client's option 57 and link allow; values under DHCP_MTU_MIN - DHCP_UDP_IP_HDR are
 * raised to it). Both the sname and file fields start empty and may be used for overload.
 */
void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t cap, size_t max_len,
		     const struct dhcp_msg *req);

/* Sets the fixed fields; a non-empty sname or file takes that field out of overload use. */
void dhcp_build_set_addrs(struct dhcp_builder *b, struct in_addr yiaddr, struct in_addr siaddr);
int dhcp_build_set_sname(struct dhcp_builder *b, const char *sname);  /* -ENAMETOOLONG > 63 */
int dhcp_build_set_file(struct dhcp_builder *b, const char *file);    /* -ENAMETOOLONG > 127 */

/*
 * Queues an option. Values over 255 bytes are split into several instances (RFC 3396). Each
 * code may be queued once (-EEXIST otherwise); 0, 52 (the builder's own) and 255 are refused
 * (-EINVAL). Returns 0, or -ENOSPC (also set in err) when the queue or its data space is full.
 */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len);
int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v);
int dhcp_build_u16(struct dhcp_builder *b, uint8_t code, uint16_t v);
int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v);   /* host order in */
int dhcp_build_addr(struct dhcp_builder *b, uint8_t code, struct in_addr a);
int dhcp_build_str(struct dhcp_builder *b, uint8_t code, const char *s);

/*
 * Lays the queue out: option 53 first, then the rest in queue order into the options field;
 * when the options field is full, whole options go on into the file field and then the sname
 * field (when overload_ok allows and the field is empty), with option 52 added and each area
 * closed with END. An option that fits nowhere is left out and sets err to -ENOSPC, and the
 * options after it are still tried, so queue the important ones first. Pads to DHCP_BOOTP_MIN.
 * Returns the message length.
 */
size_t dhcp_build_finish(struct dhcp_builder *b);

/* "PXEClient:Arch:00007:UNDI:003016" -> 7; -1 when @s has no well-formed Arch field. */
int dhcp_vendor_arch(const uint8_t *s, size_t len);

/* Names for logs: "DISCOVER", "BIOS", "EFI x64", ... ("?" for unknown values). */
const char *dhcp_msg_type_name(unsigned type);
const char *dhcp_arch_name(unsigned arch);

#endif
