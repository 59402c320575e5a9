/* SPDX-License-Identifier: MIT */
/*
 * Per-node boot decisions and boot configs made on request: which profile a client boots
 * (inventory, then the Hyperscan rules), and the PXELINUX, GRUB and iPXE files that TFTP and
 * HTTP serve for it. Nothing is written to disk: a reload changes every answer at once.
 */
#ifndef BOOTHERD_BOOTGEN_H
#define BOOTHERD_BOOTGEN_H

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "match/match.h"

struct server_gen;

/* Compiles @c's rules; NULL with errno 0 when there are none. Errors go to @err. */
struct match_set *bootgen_compile(const struct conf *c, FILE *err, int *ret);

/*
 * The profile a client boots. @node is its inventory entry (or NULL); @in its fields for the
 * rules (may be NULL: only the inventory decides). A node's own (or group's) profile wins
 * unless the first matching rule says `override: true`; a client the inventory does not
 * give a profile gets the first matching rule's. *@rule (if not NULL) gets the 1-based rule
 * number that decided, or 0. NULL when nothing applies.
 */
const struct conf_profile *bootgen_profile(const struct server_gen *g,
					   const struct conf_node *node,
					   const struct match_input *in, unsigned *rule);

/*
 * What `bootherd check` adds to conf_validate(): compiles the rules (a bad regex is an error,
 * with Hyperscan's message and the rule's line), then warns about rules that can never match
 * and nodes that no profile reaches (none of their own or their group's, and no rule matches
 * their MAC or name). Writes "SOURCE:LINE: ..." lines to @out; returns the number of errors
 * (warnings do not count) and adds the warnings to *@warnings.
 */
unsigned bootgen_check(const struct conf *c, FILE *out, unsigned *warnings);

/*
 * The variables of boot-file URLs and command lines: ${server} ${ip} ${mac} ${hostname}
 * ${http_port} ${root}. Fill the fields, then pass bootgen_var_lookup and the struct to
 * template_expand(). ${root} is the profile's root:, else BASE/IMAGE for a profile with an
 * image: (diskless.base, default /srv/diskless).
 */
struct bootgen_vars {
	const struct conf_profile *profile;     /* for ${root}; NULL: empty */
	const struct conf *conf;                /* diskless.base for an image's ${root}; may be
						 * NULL: then only the profile's root: counts */
	char server[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN], mac[64], http_port[8];
	const char *hostname;                   /* never NULL: "" when unknown */
	char root[PATH_MAX];                    /* BASE/IMAGE, made by the lookup */
};

const char *bootgen_var_lookup(void *ctx, const char *name, size_t len);

/* Lowercase "52:54:00:ab:cd:ef" into @buf (18 bytes). */
char *bootgen_mac_str(char buf[static 18], const uint8_t mac[6]);

/* "00007:efi64" for option 93 values; "" for DHCP_ARCH_UNKNOWN. */
const char *bootgen_arch_str(char buf[static 32], unsigned arch);

struct bootgen_req {
	const char *path;               /* request path; leading '/' ignored */
	struct in_addr peer;            /* the client's address */
	struct in_addr server;          /* ours, as the client reached us (${server}) */
	const char *http_base;          /* "http://HOST:PORT" for iPXE and GRUB URLs */
};

/*
 * The generated file at @req->path, if it is one of ours (under any directory):
 *   pxelinux.cfg/01-<mac>, pxelinux.cfg/<HEXIP>, pxelinux.cfg/default,
 *   grub.cfg-01-<mac>, grub.cfg-<HEXIP>, grub.cfg,
 *   boot/<mac>.ipxe (colon, hyphen or bare hex MAC), boot/chain.ipxe.
 * A MAC or full hex IP names the node; `default` and `grub.cfg` give the node of the client's
 * address, else a menu of every profile; the iPXE script of a MAC no profile reaches is that
 * menu too (discovery).
 * Returns 1 with *@out (malloc'd, free it) and *@len; 0 when the path is not one of ours or
 * names nobody with a profile: then the disk answers (a hand-written file still works, and
 * PXELINUX, told "not found", tries its next name); -ENOMEM; -EINVAL when a template is bad
 * (logged).
 */
/*
 * A cheap first look: false when @path cannot be one of the names above, so a caller skips
 * what preparing a bootgen_req costs (HTTP asks the socket for its address).
 */
bool bootgen_may_make(const char *path);

int bootgen_file(const struct server_gen *g, const struct bootgen_req *req, char **out,
		 size_t *len);

#endif
