/* SPDX-License-Identifier: MIT */
/*
 * `bootherd import`: inventories kept by other tools, turned into bootherd's `nodes:` YAML.
 * Reads dnsmasq's dhcp-host= lines (from dnsmasq.conf, a conf-dir file or a --dhcp-hostsfile,
 * where the lines carry no "dhcp-host=" prefix) and /etc/ethers (ethers(5): "MAC name-or-IP").
 */
#ifndef BOOTHERD_IMPORT_H
#define BOOTHERD_IMPORT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum import_format {
	IMPORT_DNSMASQ = 0,     /* dhcp-host=[MAC,...][,id:*][,set:TAG][,IP][,NAME][,LEASE] */
	IMPORT_ETHERS = 1,      /* MAC HOST (HOST a name or an IPv4 address) */
};

/* One imported node. Several MACs come from dnsmasq lines that list several. */
struct import_node {
	char name[64];          /* "" when the line had none: the caller names it */
	uint8_t macs[4][6];
	size_t nr_macs;
	bool has_ip;
	struct in_addr ip;
	unsigned line;          /* where it came from */
};

/*
 * Parses @len bytes of @text in @format, calling @fn for every node found; a line that is
 * not a node definition (comments, other dnsmasq options, blank) is skipped silently; a node
 * line that is malformed (bad MAC, bad IP, name with characters outside [A-Za-z0-9._-], more
 * than 4 MACs, a field too long) is reported on @err as "SOURCE:LINE: why" and skipped.
 * Lines may end in LF or CRLF; NUL bytes make a line malformed. Returns the number of nodes
 * passed to @fn, or -EINVAL when any line was malformed (the good ones were still passed).
 */
int import_parse(enum import_format format, const char *source, const char *text, size_t len,
		 void (*fn)(void *ctx, const struct import_node *n), void *ctx, FILE *err);

/*
 * Writes @n as one YAML list item of a `nodes:` sequence ("  - {name: ..., mac: ..., ip:
 * ...}"), quoting as YAML needs. A node without a name gets "node-<mac without colons>".
 */
void import_write_yaml(FILE *out, const struct import_node *n);

#endif
