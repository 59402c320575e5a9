// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for the boot config generators. The input is a flags byte and then fields
 * split at NUL bytes: a pxelinux.cfg/ name, a kernel, a cmdline and an initrd template, the
 * value of ${v}, a label/title and an http_base. The name goes through the name parser (and
 * what it parses must read back as the same name); the rest makes a three-entry config that
 * each generator writes into buffers of every kind of size. Checked, in any build through
 * __builtin_trap(): the length contract (the same length whatever the buffer, a NUL where the
 * text stops, nothing written past it), that the text has exactly the lines its structure asks
 * for whatever the fields hold, and no control character but the newline (and GRUB's indent).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "boot/bootcfg.c"
#include "core/template.c"



enum { F_NAME, F_KERNEL, F_CMDLINE, F_INITRD, F_VALUE, F_TITLE, F_BASE, NR_FIELDS };

static const char *fuzz_value;

/* The fixed templates, named so that a reported *bad can be matched against them. */
static const char fixed_kernel[] = "fixed/${v}", url_kernel[] = "http://h/${v}/k",
		  value_initrd[] = "${v}", slash_initrd[] = "/${slash}i", x_initrd[] = "x/${v}";

static const char *fuzz_lookup(void *ctx, const char *name, size_t len)
{
	if (len == 1 && name[0] == 'v')
		return fuzz_value;
	if (len == 6 && !memcmp(name, "server", 6))
		return "10.0.0.1";
	if (len == 5 && !memcmp(name, "slash", 5))
		return "a/b/";
	if (len == 1 && name[0] == 'e')
		return "";
	return NULL;
}

/* The name parser: whatever it accepts must print back as the same name. */
static void fuzz_name(const char *name)
{
	unsigned char mac[6];
	unsigned ip = 0, len = 0;
	char uuid[37], back[40];
	int rc = bootcfg_pxelinux_name(name, mac, &ip, &len, uuid);

	switch (rc) {
	case 0:
		return;
	case 1:
		snprintf(back, sizeof(back), "01-%02x-%02x-%02x-%02x-%02x-%02x", mac[0], mac[1],
			 mac[2], mac[3], mac[4], mac[5]);
		ASSERT(!strcasecmp(back, name));
		break;
	case 2:
		ASSERT(len >= 1 && len <= 8 && len == strlen(name));
		snprintf(back, sizeof(back), "%0*X", (int)len, ip);
		ASSERT(!strcasecmp(back, name));
		break;
	case 3:
		ASSERT(!strcmp(name, "default"));
		break;
	case 4:
		ASSERT(strlen(uuid) == 36 && !strcasecmp(uuid, name));
		for (size_t i = 0; i < 36; i++)
			ASSERT(uuid[i] < 'A' || uuid[i] > 'Z');
		break;
	default:
		ASSERT(0);
	}
	/* NULL outputs are allowed and change nothing. */
	ASSERT(bootcfg_pxelinux_name(name, NULL, NULL, NULL, NULL) == rc);
}

enum { FMT_PXELINUX, FMT_IPXE, FMT_GRUB };

static size_t nr_initrds(const struct bootcfg_entry *e)
{
	size_t n = 0;

	while (e->initrds && e->initrds[n])
		n++;
	return n;
}

static int cmdline_shown(const struct bootcfg *cfg, const struct bootcfg_entry *e)
{
	return e->cmdline && template_expand(NULL, 0, e->cmdline, cfg->lookup ? cfg->lookup :
					     no_vars, NULL, NULL) > 0;
}

/* The number of lines the structure asks for, which no field's content may change. */
static size_t want_lines(int fmt, const struct bootcfg *cfg)
{
	const struct bootcfg_entry *def = &cfg->entries[cfg->default_entry];
	int menu = cfg->timeout_s > 0;
	size_t n = 0;

	for (size_t i = 0; i < cfg->nr_entries; i++) {
		const struct bootcfg_entry *e = &cfg->entries[i];
		size_t nin = nr_initrds(e);

		switch (fmt) {
		case FMT_PXELINUX:
			n += 1 + (menu ? 1 + (i == cfg->default_entry) : 0);
			n += e->localboot ? 1 : 1 + (nin || cmdline_shown(cfg, e));
			break;
		case FMT_IPXE:
			if (menu)
				n += 2 + (e->localboot ? 1 : 2 + nin);
			break;
		case FMT_GRUB:
			n += 2 + (e->localboot ? 1 : 1 + (nin > 0));
			break;
		}
	}
	switch (fmt) {
	case FMT_PXELINUX:
		return n + (menu ? 4 : 2);
	case FMT_IPXE:
		return menu ? n + 3 : 1 + (def->localboot ? 1 : 2 + nr_initrds(def));
	default:
		return n + 2;
	}
}

static void check_text(int fmt, const struct bootcfg *cfg, const char *s, size_t len)
{
	size_t lines = 0;
	int bol = 1;

	ASSERT(strlen(s) == len);
	ASSERT(len && s[len - 1] == '\n');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			lines++;
		else if (c == '\t')
			ASSERT(fmt == FMT_GRUB && bol);
		else
			ASSERT(c >= 0x20 && c != 0x7f);
		bol = c == '\n';
	}
	ASSERT(lines == want_lines(fmt, cfg));
}

static int bad_in(const char *bad, const char *tmpl)
{
	return tmpl && bad >= tmpl && bad < tmpl + strlen(tmpl) && *bad == '$';
}

static void fuzz_gen(int fmt, const struct bootcfg *cfg, const char *const *tmpls, size_t nr)
{
	static ssize_t (*const gens[])(char *, size_t, const struct bootcfg *, const char **) = {
		[FMT_PXELINUX] = bootcfg_pxelinux,
		[FMT_IPXE] = bootcfg_ipxe,
		[FMT_GRUB] = bootcfg_grub,
	};
	const char *bad = NULL;
	ssize_t n = gens[fmt](NULL, 0, cfg, &bad);
	size_t caps[4];
	char *full, *buf;

	if (n < 0) {
		int found = 0;

		ASSERT(n == -EINVAL);
		for (size_t i = 0; i < nr; i++)
			found |= bad_in(bad, tmpls[i]);
		ASSERT(found);
		buf = malloc(8);
		buf[0] = 'x';
		ASSERT(gens[fmt](buf, 8, cfg, NULL) == -EINVAL && buf[0] == '\0');
		free(buf);
		return;
	}
	full = malloc((size_t)n + 1);
	ASSERT(gens[fmt](full, (size_t)n + 1, cfg, NULL) == n);
	check_text(fmt, cfg, full, (size_t)n);

	fuzz_caps((size_t)n, caps);
	for (size_t i = 0; i < 4; i++) {
		size_t cap = caps[i], held = cap - 1 < (size_t)n ? cap - 1 : (size_t)n;

		buf = malloc(cap);
		ASSERT(gens[fmt](buf, cap, cfg, NULL) == n);
		ASSERT(buf[held] == '\0' && !memcmp(buf, full, held));
		free(buf);
	}
	free(full);
}

static void fuzz_chain(const char *base)
{
	ssize_t n = bootcfg_ipxe_chain(NULL, 0, base);
	char *full = malloc((size_t)n + 1), small[9];

	ASSERT(bootcfg_ipxe_chain(full, (size_t)n + 1, base) == n && strlen(full) == (size_t)n);
	ASSERT(!strncmp(full, "#!ipxe\nchain --replace --autofree ", 34));
	ASSERT(strchr(full, '\n') == full + 6 && strchr(full + 7, '\n') == full + n - 1);
	ASSERT(bootcfg_ipxe_chain(small, sizeof(small), base) == n);
	ASSERT(!memcmp(small, full, sizeof(small) - 1) && small[sizeof(small) - 1] == '\0');
	free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned timeouts[] = { 0, 1, 5, 4294967295u };
	const char *f[NR_FIELDS] = { "", "", "", "", "", "", "" };
	char *copy;
	unsigned flags;

	if (!size)
		return 0;
	flags = data[0];
	/* The fields, NUL-terminated in one exact-size copy; missing ones stay empty. */
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (size_t i = 0, at = 0; i < NR_FIELDS && at < size; i++) {
		f[i] = copy + at;
		at += strlen(copy + at) + 1;
	}
	fuzz_name(f[F_NAME]);
	fuzz_value = f[F_VALUE];

	{
		const char *const initrds0[] = { f[F_INITRD], x_initrd, f[F_INITRD], NULL };
		const char *const initrds2[] = { value_initrd, slash_initrd, NULL };
		const char *const none[] = { NULL };
		const struct bootcfg_entry e[] = {
			{
				.label = f[F_TITLE],
				.title = flags & 0x40 ? NULL : f[F_TITLE],
				.kernel = f[F_KERNEL],
				.initrds = initrds0,
				.cmdline = f[F_CMDLINE],
			},
			{
				.label = "b",
				.kernel = fixed_kernel,
				.initrds = flags & 0x80 ? NULL : none,
				.cmdline = flags & 0x40 ? f[F_CMDLINE] : NULL,
				.localboot = flags & 0x10,
			},
			{
				.label = "c c",
				.title = f[F_VALUE],
				.kernel = url_kernel,
				.initrds = initrds2,
			},
		};
		const char *const tmpls[] = { f[F_KERNEL], f[F_INITRD], f[F_CMDLINE], fixed_kernel,
					      url_kernel, value_initrd, slash_initrd, x_initrd };
		const struct bootcfg cfg = {
			.entries = e,
			.nr_entries = 3,
			.default_entry = (flags >> 2 & 3) % 3,
			.timeout_s = timeouts[flags & 3],
			.menu_title = flags & 0x40 ? f[F_VALUE] : NULL,
			.http_base = flags & 0x20 ? f[F_BASE] : NULL,
			.lookup = flags & 0x10 && flags & 0x80 ? NULL : fuzz_lookup,
		};

		size_t nr = sizeof(tmpls) / sizeof(tmpls[0]);

		fuzz_gen(FMT_PXELINUX, &cfg, tmpls, nr);
		fuzz_gen(FMT_IPXE, &cfg, tmpls, nr);
		fuzz_gen(FMT_GRUB, &cfg, tmpls, nr);
		fuzz_chain(cfg.http_base);
	}
	free(copy);
	return 0;
}
