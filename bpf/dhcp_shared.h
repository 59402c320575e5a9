/* SPDX-License-Identifier: MIT */
/*
 * What bpf/dhcp.bpf.c and user space (src/xdp, src/svc/dhcp.c) share: map keys and values,
 * counters and ring-buffer events. Only fixed-size __u8..__u64 types, laid out without holes,
 * so both compilers agree on every offset.
 *
 * The fast path answers a DISCOVER or REQUEST from a node of the inventory with the reply that
 * user space would send. User space renders the parts of that reply that do not depend on the
 * request (per node: the head of the options and the boot file per client class; per
 * interface: the optional network options) with the same code it answers with, and the program
 * lays them out in the order the user-space builder queues them, adding what comes from the
 * request (xid, flags, ciaddr, chaddr, message type, the echoed options).
 *
 * Reloads are double-buffered by generation: user space writes the next generation's entries
 * beside the current ones, flips bh_global.gen, then deletes the old ones. A packet looks up
 * everything under the generation it read first, so it sees one configuration or the other,
 * never a mix, and a lookup that misses (an entry just deleted) is passed to user space.
 */
#ifndef BOOTHERD_DHCP_SHARED_H
#define BOOTHERD_DHCP_SHARED_H

#include <linux/types.h>

#define BH_XDP_PROG_NAME  "bootherd_dhcp"      /* how `bootherd status` finds the program */

#define BH_HEAD_MAX       192   /* options 53 .. 12 of an OFFER/ACK */
#define BH_NTP_MAX        64
#define BH_BOOT_OPTS_MAX  288   /* options 66 and 67 (67 may be split, RFC 3396) */
#define BH_FILE_LEN       128
#define BH_UUID_MAX       32    /* longest option 97 value echoed in the kernel */
#define BH_REQ_MAX        1472  /* longest request payload the fast path reads */
#define BH_EVENTS_SIZE    (1 << 18)     /* the ring buffer of replies sent */
#define BH_EVENTS_WAKE    (1 << 16)     /* pending bytes that wake user space at once */

/* Boot file classes: which dhcp.boot / profile boot field a request selects. */
enum bh_boot_class {
	BH_BOOT_NONE = 0,       /* a boot client of another architecture */
	BH_BOOT_BIOS = 1,
	BH_BOOT_EFI32 = 2,
	BH_BOOT_EFI64 = 3,
	BH_BOOT_ARM64 = 4,
	BH_BOOT_HTTP = 5,
	BH_BOOT_HTTP_ARM64 = 6,
	BH_BOOT_NR = 7,
};

/* Per-CPU counters (map bh_stats), one __u64 each. */
enum bh_counter {
	BH_CNT_REQUESTS = 0,    /* BOOTREQUESTs to the server port on an interface we serve */
	BH_CNT_OFFERS = 1,      /* answered in the kernel */
	BH_CNT_ACKS = 2,
	BH_CNT_NAKS = 3,
	BH_CNT_DROPPED = 4,     /* REQUESTs user space would not answer either */
	BH_CNT_PASS_UNKNOWN = 5,        /* MAC not in the fast path's inventory */
	BH_CNT_PASS_RELAYED = 6,        /* giaddr set: the relay path is user space's */
	BH_CNT_PASS_MALFORMED = 7,      /* bad lengths, checksums, options: user space decides */
	BH_CNT_PASS_OTHER = 8,  /* other message types, options only user space handles */
	BH_CNT_PASS_TOO_BIG = 9,        /* reply longer than the client takes without overload */
	BH_CNT_PASS_NO_ROOM = 10,       /* the frame could not grow to the reply's size */
	BH_CNT_PASS_STALE = 11, /* user space stopped its heartbeat: leave everything to it */
	BH_CNT_EVENTS_LOST = 12,        /* ring buffer full: a reply went out unreported */
	BH_CNT_NR = 13,
};

/* bh_global, the one entry of an array map. */
struct bh_global {
	__u32 gen;              /* generation of the entries in use */
	__u16 server_port;      /* dhcp.port */
	__u16 client_port;      /* dhcp.client_port */
	__u8 ttl;               /* IP TTL of replies: net.ipv4.ip_default_ttl */
	__u8 pad[7];
	__u64 heartbeat_ns;     /* CLOCK_MONOTONIC of user space's last sign of life */
	__u64 stale_ns;         /* older than this: pass everything; 0: no check */
};

/* bh_ifs key: an interface the program is attached to, and a VLAN on it (0: untagged). */
struct bh_if_key {
	__u32 gen;
	__u32 ifindex;
	__u32 vlan;
};

/* Network byte order for addresses, host order for the rest. */
struct bh_if {
	__u32 ifid;             /* this entry's id in node keys */
	__u32 addr;             /* our address: the replies' source */
	__u32 bcast;            /* the subnet's broadcast address */
	__u32 net, mask;        /* the subnet */
	__u32 server_id;        /* option 54 */
	__u32 lease_time;       /* seconds: a client asking less gets user space's answer */
	__u8 mac[6];            /* our MAC: the replies' source */
	__u8 authoritative;     /* NAK addresses off the network */
	__u8 pad;
	__u16 ntp_len;          /* bytes of option 42 as user space writes it; 0: none */
	__u16 mtu_len;          /* option 26 */
	__u16 bcast_len;        /* option 28 */
	__u16 pad2;
	__u8 ntp[BH_NTP_MAX];
	__u8 mtu[4];
	__u8 bcast_opt[8];
};

struct bh_node_key {
	__u32 ifid;
	__u8 mac[6];
	__u8 pad[2];
};

struct bh_node {
	__u32 ip;               /* yiaddr, network order */
	__u16 head_len;         /* options 53, 54, 51, 58, 59, 1, 3, 6, 15, 12, as built */
	__u16 pad;
	__u32 boot[2][BH_BOOT_NR];      /* [iPXE][class]: index into bh_boot; 0: no boot file */
	__u8 head[BH_HEAD_MAX];
};

/* bh_boot: one boot file answer (index 0 is never used). */
struct bh_boot {
	__u32 siaddr;           /* next-server for a TFTP file, 0 for a URL */
	__u16 opts_len;         /* options 66 and 67 */
	__u16 pad;
	__u8 file[BH_FILE_LEN]; /* the BOOTP file field */
	__u8 opts[BH_BOOT_OPTS_MAX];
};

/* Ring-buffer record of one reply sent from the kernel. */
struct bh_event {
	__u64 ts_ns;            /* bpf_ktime_get_ns() */
	__u32 ifindex;
	__u32 ip;               /* yiaddr (0 for a NAK), network order */
	__u32 xid;              /* network order, as on the wire */
	__u16 arch;             /* option 93 or option 60's Arch, 0xffff when neither */
	__u8 type;              /* DHCP message type sent: 2 OFFER, 5 ACK, 6 NAK */
	__u8 flags;             /* BH_EV_* */
	__u8 mac[6];
	__u8 pad[2];
};

#define BH_EV_PXE   1
#define BH_EV_IPXE  2
#define BH_EV_HTTP  4

#endif
