/* SPDX-License-Identifier: MIT */
/*
 * Configuration: YAML read with libyaml into an immutable struct conf. A loaded conf is never
 * modified; a reload builds a new one and swaps it whole (see svc/server.c), so readers hold a
 * reference (conf_get/conf_put) for as long as they use it.
 */
#ifndef BOOTHERD_CONF_H
#define BOOTHERD_CONF_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A directory served over TFTP (and later HTTP), mapped at a request-path prefix. */
struct conf_root {
	char *prefix;     /* "/" serves every path; "/ipxe/" only paths under it */
	char *path;       /* directory on disk; requests resolve beneath it */
	bool writable;    /* TFTP write requests allowed (never overwrite unless overwrite) */
	bool overwrite;   /* a write may replace an existing file */
	unsigned line;    /* where it was defined, for later diagnostics; 0: added by conf_add_root */
};

struct conf_node {
	char *name;             /* also its host name (option 12, ${hostname}) */
	uint8_t (*macs)[6];     /* one or more: a node with several NICs boots from any */
	size_t nr_macs;
	bool has_ip;
	struct in_addr ip;
	char *profile;          /* NULL: the group's, else the rules decide */
	char *group;
	char **tags;
	size_t nr_tags;
	unsigned line;    /* where it was defined, for later diagnostics */
};

/* Settings shared by the nodes that name the group. */
struct conf_group {
	char *name;
	char *profile;
	char **tags;
	size_t nr_tags;
	unsigned line;
};

/* Number of match fields; the order is that of enum match_field in src/match/match.h. */
#define CONF_RULE_FIELDS 7

/*
 * A rule: regexes over the client's fields (mac, vendor, user_class, arch, uuid, hostname,
 * subnet); the first rule whose every pattern matches chooses the profile.
 */
struct conf_rule {
	char *pattern[CONF_RULE_FIELDS];        /* NULL: field not constrained */
	char *profile;
	bool caseless;
	bool override;          /* also for nodes of the inventory, over their own profile */
	unsigned line;
};

/* A MAC of some node, for the sorted index behind conf_node_by_mac(). */
struct conf_mac_ref {
	uint8_t mac[6];
	const struct conf_node *node;
};

/*
 * Boot files by client architecture. A relative name is a path on the TFTP/HTTP roots; the
 * URLs may use ${server}, ${http_port}, ${mac}, ${ip} and ${hostname}. NULL: not set here.
 */
struct conf_bootfiles {
	char *bios;             /* arch 0: pxelinux.0 or undionly.kpxe */
	char *efi32;            /* arch 6 */
	char *efi64;            /* arch 7 and 9: ipxe.efi, grubx64.efi, shimx64.efi */
	char *arm64;            /* arch 11 */
	char *ipxe;             /* what iPXE gets (user class "iPXE" or option 175): a script URL */
	char *http;             /* UEFI HTTP boot, x86-64 (arch 16): an http:// URL */
	char *http_arm64;       /* UEFI HTTP boot, arm64 (arch 19) */
};

struct conf_profile {
	char *name;
	char *label;            /* PXELINUX label / menu id; default: the name */
	char *title;            /* menu text; default: the label */
	char *kernel;
	char **initrds;         /* `initrd:` takes one path or a list */
	size_t nr_initrds;
	char *cmdline;          /* ${hostname} ${ip} ${mac} ${server} ${root} ${http_port} */
	char *root;             /* what ${root} stands for, e.g. an NFS export path */
	bool localboot;         /* boot the local disk instead of a kernel */
	char **menu;            /* further profiles offered in a menu after this one */
	size_t nr_menu;
	uint32_t timeout;       /* menu timeout in seconds; 0: boot at once */
	char *image;            /* diskless root image under diskless.base (bootherd roots):
				 * ${root} is its path, and a cmdline without root= gets
				 * root=nfs:${server}:${root}:OPTS ip=dhcp */
	struct conf_bootfiles boot;     /* overrides dhcp.boot for this profile's nodes */
	unsigned line;
};

struct conf_range {
	struct in_addr first, last;
};

struct conf_subnet {
	struct in_addr net;     /* network address, host bits zero */
	uint32_t prefix_len;    /* 8..30 */
	struct conf_range *pools;
	size_t nr_pools;
	bool has_router;
	struct in_addr router;
	struct in_addr *dns;
	size_t nr_dns;
	char *domain;
	struct in_addr *ntp;
	size_t nr_ntp;
	bool has_mtu, has_lease_time;
	uint32_t mtu;           /* option 26, sent when has_mtu */
	uint32_t lease_time;    /* seconds; without has_lease_time, dhcp.lease_time */
	bool has_next_server;
	struct in_addr next_server; /* siaddr and option 66; default: the server's address */
	unsigned line;
};

enum conf_dhcp_mode {
	CONF_DHCP_SERVER = 0,   /* assigns addresses and gives boot information */
	CONF_DHCP_PROXY = 1,    /* another server assigns addresses; boot information only */
};

/* dhcp.xdp: where the XDP fast path (bpf/dhcp.bpf.c) may attach, on dhcp.interfaces. */
enum conf_dhcp_xdp {
	CONF_XDP_AUTO = 0,      /* native mode, else SKB mode, else user space alone */
	CONF_XDP_OFF = 1,
	CONF_XDP_NATIVE = 2,
	CONF_XDP_SKB = 3,
};

struct conf_dhcp {
	bool enabled;           /* default false: answering DHCP on a network is a decision */
	int mode;               /* enum conf_dhcp_mode */
	uint16_t port;          /* server port, default 67 */
	uint16_t client_port;   /* default 68 */
	uint16_t proxy_port;    /* PXE boot server port (4011); 0: not served */
	char **interfaces;      /* answer only on these; none: every interface */
	size_t nr_interfaces;
	bool has_server_id;
	struct in_addr server_id; /* default: the receiving interface's address */
	char *lease_db;         /* SQLite file; default /var/lib/bootherd/leases.sqlite */
	int lease_sync;         /* enum lease_sync */
	uint32_t lease_time;    /* seconds, default 3600 */
	uint32_t offer_time;    /* seconds an OFFER holds its address, default 30 */
	uint32_t decline_time;  /* seconds a DECLINEd address rests, default 600 */
	bool authoritative;     /* NAK requests for addresses we do not know; default true */
	int xdp;                /* enum conf_dhcp_xdp: the kernel fast path for known nodes */
	struct conf_bootfiles boot;
	struct conf_subnet *subnets;
	size_t nr_subnets;
};

struct conf_tftp {
	bool enabled;
	uint16_t port;          /* default 69 */
	uint32_t max_blksize;   /* cap on negotiated blksize, 8..65464; default 65464 */
	uint32_t max_windowsize;/* cap on negotiated windowsize, 1..65535; default 64 */
	uint32_t timeout_ms;    /* retransmit timeout when the client negotiates none; default 1000 */
	uint32_t retries;       /* retransmissions before a transfer is abandoned; default 5 */
	bool gso;               /* send windows with UDP GSO (one sendmsg per window); default true */
};

enum conf_http_send {
	CONF_HTTP_SEND_AUTO = 0,        /* per body size, from the measurements in bench/ */
	CONF_HTTP_SEND_COPY = 1,        /* send() from the cache mapping */
	CONF_HTTP_SEND_SPLICE = 2,      /* splice: cache copy -> pipe -> socket */
	CONF_HTTP_SEND_ZEROCOPY = 3,    /* IORING_OP_SEND_ZC from the cache mapping */
	CONF_HTTP_SEND_SENDFILE = 4,    /* sendfile(2) from the cache copy when POLLOUT says so */
};

struct conf_http {
	bool enabled;
	uint16_t port;          /* default 80 */
	uint32_t max_connections;
	uint32_t max_header_bytes;
	uint32_t header_timeout_ms;  /* a request head must arrive within this */
	uint32_t idle_timeout_ms;    /* a keep-alive connection may idle this long */
	uint32_t send_timeout_ms;    /* a reader that takes nothing for this long is dropped */
	uint32_t send_buffer_bytes;  /* SO_SNDBUF of each connection; 0: the kernel's autotuning */
	int send;                    /* enum conf_http_send */
	uint32_t active_sends;       /* large bodies sent at full speed at once; 0: all of them */
};

enum conf_nfs_server {
	CONF_NFS_AUTO = 0,      /* the kernel's when /proc/fs/nfsd exists, else nfs-ganesha */
	CONF_NFS_KERNEL = 1,
	CONF_NFS_GANESHA = 2,
};

/* `bootherd roots`: where diskless root images live and how they are exported. */
struct conf_diskless {
	char *base;             /* default /srv/diskless */
	int server;             /* enum conf_nfs_server */
	bool has_address;
	struct in_addr address; /* NFS server address in fstab and root=; default: dhcp.server_id,
				 * else listen when not 0.0.0.0 */
	char *nfs_options;      /* in root=nfs:server:path:OPTIONS and fstab; default "vers=3" */
	char **clients;         /* who may mount shared images besides the nodes booting them */
	size_t nr_clients;
	bool export_all;        /* allow "*" when no client is known; default false */
	char *exports_file;     /* default /etc/exports.d/bootherd.exports */
	char *ganesha_file;     /* default /etc/ganesha/bootherd.conf (%include it) */
	char *ganesha_pidfile;  /* SIGHUP'd after a change; default /run/ganesha/ganesha.pid */
};

struct conf_limits {
	uint32_t max_sessions;  /* concurrent TFTP transfers, all workers; default 4096 */
	uint32_t client_rate;   /* new requests per second per client address; default 50 */
	uint32_t client_burst;  /* bucket depth for client_rate; default 200 */
	uint64_t cache_bytes;   /* content cache budget; default 4 GiB */
	uint64_t max_file_bytes;/* largest file served or accepted; default 4 GiB */
};

struct conf {
	atomic_uint refs;
	char *source;           /* file name, or "<embedded>" */
	char *listen;           /* IPv4 address to bind, "0.0.0.0" for all */
	struct in_addr listen_addr;
	unsigned workers;       /* 0: one per online CPU */
	int log_level;          /* enum log_level */
	struct conf_tftp tftp;
	struct conf_http http;
	struct conf_limits limits;
	struct conf_dhcp dhcp;
	struct conf_diskless diskless;
	struct conf_root *roots;
	size_t nr_roots;
	struct conf_node *nodes;
	size_t nr_nodes;
	struct conf_group *groups;
	size_t nr_groups;
	struct conf_profile *profiles;
	size_t nr_profiles;
	struct conf_rule *rules;
	size_t nr_rules;
	struct conf_mac_ref *by_mac;    /* every node MAC, sorted; built by conf_load_buf() */
	size_t nr_by_mac;
};

/*
 * Parses YAML text. @name is used in diagnostics ("name:line:col: message"), one line per
 * error written to @err; every error is reported, not only the first. Unknown keys, wrong
 * types and out-of-range values are errors. On success *@out holds a conf with one reference
 * and 0 is returned; otherwise -EINVAL (or -ENOMEM) and *@out is untouched.
 */
int conf_load_buf(const char *name, const char *text, size_t len, struct conf **out, FILE *err);

/* Reads @path and parses it as conf_load_buf() does; an unreadable file is one error line. */
int conf_load_file(const char *path, struct conf **out, FILE *err);

/* The embedded default: loopback, TFTP 6969, HTTP 8080, no roots (the CLI adds --root). */
extern const char conf_default_yaml[];

/* Checks what needs the whole conf (a root exists, profile names resolve, ...). */
int conf_validate(const struct conf *c, FILE *err);

/* Adds a root; used by `serve --root DIR` on top of a loaded conf before it is shared. */
int conf_add_root(struct conf *c, const char *prefix, const char *path, bool writable);

/* The root whose prefix is the longest match for @path, or NULL; *@rest gets the remainder. */
const struct conf_root *conf_root_for(const struct conf *c, const char *path, const char **rest);

/* The subnet that holds @a (network order), or NULL. */
const struct conf_subnet *conf_subnet_for(const struct conf *c, struct in_addr a);

/* The node with MAC @mac, or NULL; a binary search over an index built at load. */
const struct conf_node *conf_node_by_mac(const struct conf *c, const uint8_t mac[6]);

const struct conf_profile *conf_profile_by_name(const struct conf *c, const char *name);
const struct conf_group *conf_group_by_name(const struct conf *c, const char *name);

/* The node's own profile, else its group's; NULL when neither names one. */
const struct conf_profile *conf_node_profile(const struct conf *c, const struct conf_node *n);

struct conf *conf_get(struct conf *c);
void conf_put(struct conf *c);

#endif
