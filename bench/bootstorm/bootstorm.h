/* SPDX-License-Identifier: MIT */
/*
 * bootstorm: N simulated nodes booting at once against one boot server. The pieces share this
 * header: main.c (options, workers, the event loop, phases, reports), dhcp.c (raw DHCP frames
 * over AF_PACKET), tftp.c and http.c (the transfers), sys.c (netlink addresses, the XDP
 * program on the client veth, the checksum, the server's CPU and memory).
 */
#ifndef BOOTSTORM_H
#define BOOTSTORM_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BS_MAX_NODES    1000
#define BS_MAX_THREADS  8
#define BS_MAX_INITRDS  4
#define BS_PATH         256
#define BS_CFG_CAP      8192    /* a PXELINUX config; longer is a failure */

/* The boot of one node, in order. A node that fails a phase stops there. */
enum bs_phase {
	PH_DHCP = 0,    /* DISCOVER .. ACK */
	PH_NBP = 1,     /* the boot program named by DHCP (and --nbp-extra files) */
	PH_CFG = 2,     /* PXELINUX's config probes until one is found */
	PH_KERNEL = 3,
	PH_INITRD = 4,
	PH_NR = 5,
};

enum bs_result {
	RES_NONE = 0,   /* not reached */
	RES_OK = 1,
	RES_FAIL = 2,   /* an answer that is wrong: error, NAK, bad size or checksum */
	RES_TIMEOUT = 3,/* no answer after every retry, or the run's deadline */
};

struct bs_opts {
	const char *ifname;             /* the client veth, in our namespace */
	unsigned nodes, threads;
	double ramp_s;                  /* node i starts at i * ramp / N */
	unsigned rtt_ms;                /* each packet a node sends is held this long */
	double loss;                    /* fraction of packets dropped, each way */
	const char *data_dir;           /* the files the server serves, for the checksums */
	uint16_t http_port;
	unsigned blk_nbp, blk_os, window;
	unsigned http_rcvbuf;           /* SO_RCVBUF of a node's connection; 0: autotuning */
	unsigned http_slice;            /* bytes read from one connection per turn */
	unsigned bulk_batch;            /* connections served per turn of the loop */
	unsigned dhcp_timeout_ms, dhcp_tries, tftp_timeout_ms, tftp_tries, http_stall_ms;
	double deadline_s;
	bool broadcast;                 /* the DHCP broadcast flag */
	bool uuid_probe;                /* probe pxelinux.cfg/<UUID> first, as PXELINUX does */
	const char *nbp_extra[4];       /* fetched after the boot program (ldlinux.c32) */
	unsigned n_nbp_extra;
	uint8_t mac_prefix[3];
	const char *json, *timeline, *nodes_tsv, *label;
	const char *server_cg;          /* cgroup v2 directory holding the server */
	int server_pids[8];
	unsigned n_server_pids;
	bool xdp_pass;                  /* attach XDP_PASS (or the loss program) to ifname */
	bool progress;
	bool verbose;
};

extern struct bs_opts opt;

/*
 * Files are checked with XXH3-64 from libxxhash, through its x86 dispatch (AVX2 where the CPU
 * has it): hashing is on the path of every byte received, and XXH3 with SSE2 only or XXH64
 * runs at 17 and 12 GB/s here against 41 with AVX2.
 */
#include <xxhash.h>
#include <xxh_x86dispatch.h>

struct node;
struct worker;

/* One file being fetched: by TFTP (path) or HTTP (url). */
struct xfer {
	char name[BS_PATH];             /* as requested: a path, or the URL's path */
	bool http;
	bool keep;                      /* keep the bytes (a config) in node->cfg */
	/* TFTP */
	int fd;
	struct sockaddr_in srv;
	bool tid_known, oack_seen;
	uint32_t blksize, window, since_ack;
	uint64_t expect;                /* next block, absolute from 1 */
	uint64_t tsize;                 /* 0: not announced */
	bool have_tsize;
	/* HTTP */
	int state;
	char head[4096];
	size_t hlen;
	uint64_t clen, got;
	bool server_close;
	/* both */
	uint64_t bytes;
	XXH3_state_t *h;                /* the file's running XXH3, one per node */
	uint64_t t_start, t_last;
	unsigned tries;
};

struct node {
	unsigned idx;
	struct worker *w;
	uint8_t mac[6];
	uint8_t uuid[16];
	uint32_t xid;
	enum bs_phase phase;
	int dstate;                     /* DHCP: 0 idle, 1 discovering, 2 requesting, 3 bound */
	bool started, finished;
	struct in_addr ip, server_id, next_server;
	char bootfile[128];
	uint64_t t_start, t_end;
	uint64_t t_phase[PH_NR][2];     /* start, end (ns, CLOCK_MONOTONIC) */
	enum bs_result res[PH_NR];
	unsigned retries[PH_NR];
	uint64_t bytes[PH_NR];
	char why[160];                  /* the first failure */
	/* the phase's list of files */
	unsigned step;
	char kernel[BS_PATH];
	char initrd[BS_MAX_INITRDS][BS_PATH];
	unsigned n_initrd;
	char *cfg;                      /* the config's bytes (BS_CFG_CAP) */
	size_t cfg_len;
	char cfg_name[BS_PATH];         /* which probe found it */
	struct xfer x;
	int hfd;                        /* HTTP connection, kept alive between files */
	bool hconnected;
	unsigned hreuse;                /* requests on this connection */
	/* timers */
	uint64_t timer_at;              /* 0: none */
	uint64_t dhcp_next;             /* DHCP retransmission */
	unsigned dhcp_tries;
	uint64_t dhcp_deadline_gen;
};

/* A packet held back by --rtt: sent at @at. */
struct held {
	uint64_t at;
	int fd;                         /* -1: a raw frame on the worker's packet socket */
	struct sockaddr_in to;
	uint16_t len;
	uint8_t data[];
};

struct worker {
	pthread_t thread;
	unsigned id;
	int ep;                         /* DHCP and TFTP sockets, and ep_bulk */
	int ep_bulk;                    /* HTTP connections: bulk, read a slice at a time */
	int pfd;                        /* AF_PACKET, DHCP frames */
	int nlfd;                       /* rtnetlink, address adds */
	struct node **nodes;            /* this worker's nodes */
	unsigned n;
	unsigned active;                /* started and not finished */
	uint64_t rng;
	struct held **heldq;            /* a binary heap by .at */
	unsigned nheld, capheld;
	uint8_t *buf;                   /* receive buffer */
	size_t bufcap;
	uint64_t frames_in, frames_dropped, pkts_lost_in, pkts_lost_out;
};

/* main.c */
extern struct node *all_nodes;          /* node i has the MAC prefix:i (24 bits) */
uint64_t now_ns(void);
extern uint64_t t_run0;
extern int ifindex;
extern uint8_t if_mac[6];
void node_fail(struct node *n, enum bs_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xfer_done(struct node *n, bool found);
bool lose(struct worker *w);
void send_udp(struct worker *w, int fd, const struct sockaddr_in *to, const void *p, size_t len);
void send_frame(struct worker *w, const void *p, size_t len);
void bs_close(struct worker *w, int fd);
int ep_add(struct worker *w, int fd, uint32_t events, struct node *n, unsigned kind);
void ep_del(struct worker *w, int fd);
void node_dhcp_bound(struct node *n);

/* Tags in an epoll cookie's low bits (nodes are aligned). */
#define EV_PACKET       1u
#define EV_TFTP         2u
#define EV_HTTP         3u
#define EV_BULK         4u

/* dhcp.c */
int dhcp_socket(void);
void dhcp_start(struct node *n);
void dhcp_timer(struct node *n, uint64_t now);
void dhcp_input(struct worker *w, const uint8_t *f, size_t len);
void garp_send(struct node *n);

/* tftp.c */
int tftp_start(struct node *n, const char *path, uint32_t blksize);
void tftp_input(struct node *n);
void tftp_timer(struct node *n, uint64_t now);
void tftp_close(struct node *n);

/* http.c */
int http_start(struct node *n, const char *path);
void http_event(struct node *n, uint32_t events);
void http_timer(struct node *n, uint64_t now);
void http_close(struct node *n);

/* sys.c */
int nl_open(void);
int nl_addr_add(int fd, int ifidx, struct in_addr a);
int xdp_attach(int ifidx, double loss);
int ref_lookup(const char *path, uint64_t *size, uint64_t *hash);
int ref_load_all(const char *dir);
struct srv_usage {
	double cpu_s;
	uint64_t hwm_kib;
	unsigned procs;
};
int srv_usage(struct srv_usage *u);

#endif
