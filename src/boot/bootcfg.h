/* SPDX-License-Identifier: MIT */
/*
 * Boot configurations made on request, never written to disk: PXELINUX (pxelinux.cfg/...),
 * iPXE scripts and GRUB configs for one node (or a menu of profiles for an unknown one).
 * Pure: the caller supplies the node, its profile(s) and the variables; the text goes into
 * the caller's buffer.
 */
#ifndef BOOTHERD_BOOTCFG_H
#define BOOTHERD_BOOTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/template.h"

/* One bootable entry: a profile as the config generators see it. */
struct bootcfg_entry {
	const char *label;      /* short name: "diskless" (PXELINUX label, iPXE/GRUB id) */
	const char *title;      /* menu text; NULL: the label */
	const char *kernel;     /* path or URL, variables already allowed */
	const char *const *initrds;     /* NULL-terminated; may be empty */
	const char *cmdline;    /* may hold ${...} variables; NULL: empty */
	bool localboot;         /* boot from the local disk instead of a kernel */
};

struct bootcfg {
	const struct bootcfg_entry *entries;
	size_t nr_entries;
	size_t default_entry;   /* index into entries */
	unsigned timeout_s;     /* menu timeout; 0: boot the default at once, no menu shown */
	const char *menu_title; /* NULL: "bootherd" */
	const char *http_base;  /* "http://10.0.0.1:8080" for iPXE/GRUB URLs of relative
				 * kernel/initrd paths; NULL: paths are left relative */
	template_lookup_fn lookup;      /* variables for kernel, initrd and cmdline */
	void *lookup_ctx;
};

/*
 * Each returns the length of the full text (like snprintf: the output is truncated and
 * NUL-terminated when @cap is too small, so call again with a bigger buffer), or -EINVAL
 * when a template refers to an unknown variable (then *@bad names it if @bad is not NULL).
 *
 * PXELINUX: "DEFAULT menu.c32" (or the default label when there is one entry and no timeout),
 * PROMPT 0, TIMEOUT in tenths, MENU TITLE, then per entry LABEL, MENU LABEL, KERNEL,
 * APPEND initrd=a,b <cmdline> (or LOCALBOOT 0). Relative paths stay relative (TFTP).
 */
ssize_t bootcfg_pxelinux(char *out, size_t cap, const struct bootcfg *cfg, const char **bad);

/*
 * iPXE: "#!ipxe", a menu with a timeout when there are several entries (choose --default
 * --timeout), then per entry "kernel URL initrd=NAME cmdline", "initrd URL", "boot". Kernel
 * and initrd paths that are not URLs are made absolute with http_base.
 */
ssize_t bootcfg_ipxe(char *out, size_t cap, const struct bootcfg *cfg, const char **bad);

/*
 * GRUB (UEFI): set default/timeout, one menuentry per entry with "linux PATH cmdline" where
 * the cmdline carries initrd=NAME for kernels booted by the EFI stub, and "initrd PATHS".
 * Relative paths get http_base as (http,HOST:PORT)/path when http_base is set, else stay
 * relative to GRUB's prefix (TFTP).
 */
ssize_t bootcfg_grub(char *out, size_t cap, const struct bootcfg *cfg, const char **bad);

/*
 * The chain script iPXE fetches first (/boot/chain.ipxe): "#!ipxe" and
 * "chain --replace --autofree HTTP_BASE/boot/${mac:hexhyp}.ipxe", where ${mac:hexhyp} is
 * left for iPXE itself to fill in (so the per-node route takes 52-54-00-ab-cd-ef as well as
 * the colon form). Returns as above.
 */
ssize_t bootcfg_ipxe_chain(char *out, size_t cap, const char *http_base);

/*
 * Parses a PXELINUX config file name as PXELINUX asks for it, relative to pxelinux.cfg/:
 * "01-52-54-00-ab-cd-ef" (ARP type 1 and MAC) gives the MAC (returns 1); a hex IP prefix
 * ("0A000B", "0A0", ...) gives the prefix value and its length in hex digits (returns 2);
 * "default" returns 3; a UUID form returns 4 (uuid copied lowercase into @uuid, 37 bytes);
 * anything else 0.
 */
int bootcfg_pxelinux_name(const char *name, unsigned char mac[6], unsigned *hexip,
			  unsigned *hexlen, char uuid[37]);

#endif
