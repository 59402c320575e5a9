// SPDX-License-Identifier: MIT
/*
 * Unit tests for the boot config generators. Each output is compared with the whole expected
 * text, so a stray blank or a missing line shows; the module is included to reach its statics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "boot/bootcfg.c"

static const char *lookup(void *ctx, const char *name, size_t len)
{
	static const struct {
		const char *name, *value;
	} vars[] = {
		{ "server", "10.0.0.1" },
		{ "hostname", "node7" },
		{ "empty", "" },
		{ "evil", "x\nboot\r\tq" },
		{ "dir", "a/b" },
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strlen(vars[i].name) == len && !memcmp(vars[i].name, name, len))
			return vars[i].value;
	return NULL;
}

typedef ssize_t (*gen_fn)(char *out, size_t cap, const struct bootcfg *cfg, const char **bad);

static const char *const diskless_initrds[] = { "diskless/initrd.img", NULL };
static const char *const rescue_initrds[] = { "rescue/initrd.img", "/ucode.cpio", NULL };
static const char *const no_initrds[] = { NULL };

/* Macros, so that the arrays below can be static initializers too. */
#define DISKLESS                                                                \
	{                                                                       \
		.label = "diskless",                                            \
		.title = "Diskless node (NFS root)",                            \
		.kernel = "diskless/vmlinuz",                                   \
		.initrds = diskless_initrds,                                    \
		.cmdline = "root=nfs:${server}:/srv/roots/default ip=dhcp ro",  \
	}
#define RESCUE                                                                  \
	{                                                                       \
		.label = "rescue",                                              \
		.title = "Rescue (it's here)",                                  \
		.kernel = "http://mirror.example/rescue/vmlinuz",               \
		.initrds = rescue_initrds,                                      \
		.cmdline = "console=ttyS0,115200n8 rd.shell",                   \
	}
#define LOCAL                                                                   \
	{                                                                       \
		.label = "local",                                               \
		.title = "Boot from local disk",                                \
		.localboot = true,                                              \
	}

static const struct bootcfg_entry diskless = DISKLESS, rescue = RESCUE, local = LOCAL;
static const struct bootcfg_entry seed_entries[] = { DISKLESS, LOCAL };
static const struct bootcfg_entry three[] = { DISKLESS, RESCUE, LOCAL };

static struct bootcfg mkcfg(const struct bootcfg_entry *e, size_t n, size_t def, unsigned timeout,
			    const char *http_base)
{
	return (struct bootcfg){
		.entries = e,
		.nr_entries = n,
		.default_entry = def,
		.timeout_s = timeout,
		.http_base = http_base,
		.lookup = lookup,
	};
}

/*
 * Runs @gen into a large buffer and compares with @want; then into every smaller buffer, which
 * must give the same length back and hold the same text cut short, NUL-terminated.
 */
static int same(gen_fn gen, const struct bootcfg *cfg, const char *want)
{
	size_t want_len = strlen(want);
	char big[8192], *small;
	ssize_t n = gen(big, sizeof(big), cfg, NULL);
	int ok = 1;

	if (n != (ssize_t)want_len || strcmp(big, want)) {
		printf("--- got (%zd):\n%s--- want (%zu):\n%s---\n", n, n >= 0 ? big : "", want_len,
		       want);
		return 0;
	}
	if (gen(NULL, 0, cfg, NULL) != n)
		return 0;
	small = malloc(want_len + 2);
	for (size_t cap = 1; ok && cap <= want_len + 1; cap++) {
		size_t held = cap - 1 < want_len ? cap - 1 : want_len;

		memset(small, 'X', want_len + 2);
		ok = gen(small, cap, cfg, NULL) == n && !memcmp(small, want, held) &&
		     small[held] == '\0' && small[cap] == 'X';
	}
	free(small);
	return ok;
}

static void pxelinux_seed_menu(void)
{
	struct bootcfg cfg = mkcfg(seed_entries, 2, 0, 5, "http://10.0.0.1:8080");

	CHECK(same(bootcfg_pxelinux, &cfg,
		   "DEFAULT menu.c32\n"
		   "PROMPT 0\n"
		   "TIMEOUT 50\n"
		   "MENU TITLE bootherd\n"
		   "LABEL diskless\n"
		   "  MENU LABEL Diskless node (NFS root)\n"
		   "  MENU DEFAULT\n"
		   "  KERNEL diskless/vmlinuz\n"
		   "  APPEND initrd=diskless/initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "LABEL local\n"
		   "  MENU LABEL Boot from local disk\n"
		   "  LOCALBOOT 0\n"));
}

static void pxelinux_single(void)
{
	struct bootcfg cfg = mkcfg(&diskless, 1, 0, 0, NULL);

	CHECK(same(bootcfg_pxelinux, &cfg,
		   "DEFAULT diskless\n"
		   "PROMPT 0\n"
		   "LABEL diskless\n"
		   "  KERNEL diskless/vmlinuz\n"
		   "  APPEND initrd=diskless/initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"));
}

static void pxelinux_localboot(void)
{
	struct bootcfg cfg = mkcfg(&local, 1, 0, 0, NULL);

	CHECK(same(bootcfg_pxelinux, &cfg,
		   "DEFAULT local\nPROMPT 0\nLABEL local\n  LOCALBOOT 0\n"));
}

/* Several entries and no timeout: the default boots at once, the others stay typeable. */
static void pxelinux_no_timeout_several(void)
{
	struct bootcfg cfg = mkcfg(seed_entries, 2, 1, 0, NULL);

	CHECK(same(bootcfg_pxelinux, &cfg,
		   "DEFAULT local\n"
		   "PROMPT 0\n"
		   "LABEL diskless\n"
		   "  KERNEL diskless/vmlinuz\n"
		   "  APPEND initrd=diskless/initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "LABEL local\n"
		   "  LOCALBOOT 0\n"));
}

static void pxelinux_initrds_and_menu_default(void)
{
	static const char *const initrds[] = { "ucode.cpio", "diskless/initrd-${hostname}.img",
					       NULL };
	const struct bootcfg_entry e[] = {
		{ .label = "bare", .kernel = "bare/vmlinuz", .initrds = no_initrds,
		  .cmdline = "${empty}" },
		{ .label = "multi", .title = "Two initrds", .kernel = "k", .initrds = initrds },
	};
	struct bootcfg cfg = mkcfg(e, 2, 1, 3, NULL);

	cfg.menu_title = "Cluster A";
	CHECK(same(bootcfg_pxelinux, &cfg,
		   "DEFAULT menu.c32\n"
		   "PROMPT 0\n"
		   "TIMEOUT 30\n"
		   "MENU TITLE Cluster A\n"
		   "LABEL bare\n"
		   "  MENU LABEL bare\n"
		   "  KERNEL bare/vmlinuz\n"
		   "LABEL multi\n"
		   "  MENU LABEL Two initrds\n"
		   "  MENU DEFAULT\n"
		   "  KERNEL k\n"
		   "  APPEND initrd=ucode.cpio,diskless/initrd-node7.img\n"));
}

static void ipxe_single(void)
{
	struct bootcfg cfg = mkcfg(&diskless, 1, 0, 0, "http://10.0.0.1:8080/");

	CHECK(same(bootcfg_ipxe, &cfg,
		   "#!ipxe\n"
		   "kernel http://10.0.0.1:8080/diskless/vmlinuz initrd=initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "initrd --name initrd.img http://10.0.0.1:8080/diskless/initrd.img\n"
		   "boot\n"));
}

static void ipxe_menu(void)
{
	struct bootcfg cfg = mkcfg(three, 3, 1, 5, "http://10.0.0.1:8080");

	cfg.menu_title = "Pick one";
	CHECK(same(bootcfg_ipxe, &cfg,
		   "#!ipxe\n"
		   "menu Pick one\n"
		   "item diskless Diskless node (NFS root)\n"
		   "item rescue Rescue (it's here)\n"
		   "item local Boot from local disk\n"
		   "choose --default rescue --timeout 5000 target && goto ${target}\n"
		   ":diskless\n"
		   "kernel http://10.0.0.1:8080/diskless/vmlinuz initrd=initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "initrd --name initrd.img http://10.0.0.1:8080/diskless/initrd.img\n"
		   "boot\n"
		   ":rescue\n"
		   "kernel http://mirror.example/rescue/vmlinuz "
		   "initrd=initrd.img initrd=ucode.cpio "
		   "console=ttyS0,115200n8 rd.shell\n"
		   "initrd --name initrd.img http://10.0.0.1:8080/rescue/initrd.img\n"
		   "initrd --name ucode.cpio http://10.0.0.1:8080/ucode.cpio\n"
		   "boot\n"
		   ":local\n"
		   "exit\n"));
}

/* No timeout: no menu, only the default entry; no http_base: relative paths stay relative. */
static void ipxe_no_timeout_no_base(void)
{
	struct bootcfg cfg = mkcfg(three, 3, 0, 0, NULL);

	CHECK(same(bootcfg_ipxe, &cfg,
		   "#!ipxe\n"
		   "kernel diskless/vmlinuz initrd=initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "initrd --name initrd.img diskless/initrd.img\n"
		   "boot\n"));
	cfg.default_entry = 2;
	CHECK(same(bootcfg_ipxe, &cfg, "#!ipxe\nexit\n"));
}

/* Names the EFI stub could not tell apart, or that are no name, fall back to "initrdN". */
static void ipxe_initrd_names(void)
{
	static const char *const initrds[] = { "a/initrd.img", "b/initrd.img", "c/", "${dir}/x.img",
					       "${evil}.img", NULL };
	const struct bootcfg_entry e = { .label = "n", .kernel = "/k", .initrds = initrds };
	struct bootcfg cfg = mkcfg(&e, 1, 0, 0, "http://h");

	CHECK(same(bootcfg_ipxe, &cfg,
		   "#!ipxe\n"
		   "kernel http://h/k initrd=initrd.img initrd=initrd1 initrd=initrd2 initrd=x.img "
		   "initrd=initrd4\n"
		   "initrd --name initrd.img http://h/a/initrd.img\n"
		   "initrd --name initrd1 http://h/b/initrd.img\n"
		   "initrd --name initrd2 http://h/c/\n"
		   "initrd --name x.img http://h/a/b/x.img\n"
		   "initrd --name initrd4 http://h/x boot  q.img\n"
		   "boot\n"));
}

static void grub_with_base(void)
{
	struct bootcfg cfg = mkcfg(three, 3, 0, 5, "http://10.0.0.1:8080");

	CHECK(same(bootcfg_grub, &cfg,
		   "set default=0\n"
		   "set timeout=5\n"
		   "menuentry 'Diskless node (NFS root)' --id diskless {\n"
		   "\tlinux (http,10.0.0.1:8080)/diskless/vmlinuz initrd=initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "\tinitrd (http,10.0.0.1:8080)/diskless/initrd.img\n"
		   "}\n"
		   "menuentry 'Rescue (it'\\''s here)' --id rescue {\n"
		   "\tlinux (http,mirror.example)/rescue/vmlinuz "
		   "initrd=initrd.img initrd=ucode.cpio "
		   "console=ttyS0,115200n8 rd.shell\n"
		   "\tinitrd (http,10.0.0.1:8080)/rescue/initrd.img "
		   "(http,10.0.0.1:8080)/ucode.cpio\n"
		   "}\n"
		   "menuentry 'Boot from local disk' --id local {\n"
		   "\texit\n"
		   "}\n"));
}

static void grub_without_base(void)
{
	struct bootcfg cfg = mkcfg(three, 3, 2, 0, NULL);

	CHECK(same(bootcfg_grub, &cfg,
		   "set default=2\n"
		   "set timeout=0\n"
		   "menuentry 'Diskless node (NFS root)' --id diskless {\n"
		   "\tlinux diskless/vmlinuz initrd=initrd.img "
		   "root=nfs:10.0.0.1:/srv/roots/default ip=dhcp ro\n"
		   "\tinitrd diskless/initrd.img\n"
		   "}\n"
		   "menuentry 'Rescue (it'\\''s here)' --id rescue {\n"
		   "\tlinux (http,mirror.example)/rescue/vmlinuz "
		   "initrd=initrd.img initrd=ucode.cpio "
		   "console=ttyS0,115200n8 rd.shell\n"
		   "\tinitrd rescue/initrd.img /ucode.cpio\n"
		   "}\n"
		   "menuentry 'Boot from local disk' --id local {\n"
		   "\texit\n"
		   "}\n"));
}

/* URLs GRUB can fetch become devices; others are left for GRUB to refuse; odd ids get quoted. */
static void grub_urls_and_ids(void)
{
	static const char *const initrds[] = { "tftp://10.0.0.2/i.img", "https://x/y.img",
					       "HTTP://Host:81", NULL };
	const struct bootcfg_entry e = { .label = "my id", .kernel = "/k", .initrds = initrds };
	struct bootcfg cfg = mkcfg(&e, 1, 0, 1, "http://h:80/pxe//");

	CHECK(same(bootcfg_grub, &cfg,
		   "set default=0\n"
		   "set timeout=1\n"
		   "menuentry 'my id' --id 'my id' {\n"
		   "\tlinux (http,h:80)/pxe/k initrd=i.img initrd=y.img initrd=Host:81\n"
		   "\tinitrd (tftp,10.0.0.2)/i.img https://x/y.img (http,Host:81)\n"
		   "}\n"));
	/* An https base is no base GRUB can use: paths stay relative. */
	cfg.http_base = "https://h";
	CHECK(same(bootcfg_grub, &cfg,
		   "set default=0\n"
		   "set timeout=1\n"
		   "menuentry 'my id' --id 'my id' {\n"
		   "\tlinux /k initrd=i.img initrd=y.img initrd=Host:81\n"
		   "\tinitrd (tftp,10.0.0.2)/i.img https://x/y.img (http,Host:81)\n"
		   "}\n"));
}

static void chain(void)
{
	static const char want[] = "#!ipxe\n"
				   "chain --replace --autofree "
				   "http://10.0.0.1:8080/boot/${mac:hexhyp}.ipxe\n";
	char out[128];

	CHECK_EQ(bootcfg_ipxe_chain(out, sizeof(out), "http://10.0.0.1:8080"),
		 (ssize_t)strlen(want));
	CHECK_STR(out, want);
	CHECK_EQ(bootcfg_ipxe_chain(out, sizeof(out), "http://10.0.0.1:8080/"),
		 (ssize_t)strlen(want));
	CHECK_STR(out, want);
	CHECK_EQ(bootcfg_ipxe_chain(out, sizeof(out), NULL), 59);
	CHECK_STR(out, "#!ipxe\nchain --replace --autofree /boot/${mac:hexhyp}.ipxe\n");
	CHECK_EQ(bootcfg_ipxe_chain(out, 10, "http://10.0.0.1:8080"), (ssize_t)strlen(want));
	CHECK_STR(out, "#!ipxe\nch");
	CHECK_EQ(bootcfg_ipxe_chain(NULL, 0, NULL), 59);
}

/* The full length comes back however short the buffer, and the text is cut with a NUL. */
static void truncation(void)
{
	struct bootcfg cfg = mkcfg(three, 3, 1, 5, "http://10.0.0.1:8080");
	gen_fn gens[] = { bootcfg_pxelinux, bootcfg_ipxe, bootcfg_grub };
	char big[4096], out[16];

	for (size_t g = 0; g < 3; g++) {
		ssize_t n = gens[g](big, sizeof(big), &cfg, NULL);

		CHECK(n > (ssize_t)sizeof(out));
		memset(out, 'X', sizeof(out));
		CHECK_EQ(gens[g](out, sizeof(out), &cfg, NULL), n);
		CHECK_EQ(out[sizeof(out) - 1], '\0');
		CHECK_MEM(out, big, sizeof(out) - 1);
		memset(out, 'X', sizeof(out));
		CHECK_EQ(gens[g](out, 1, &cfg, NULL), n);
		CHECK_EQ(out[0], '\0');
		CHECK_EQ(out[1], 'X');
	}
}

/* Unknown variables are reported in any entry, shown or not, by every generator. */
static void unknown_variable(void)
{
	const char *cmdline = "ro ${nope} quiet", *kernel = "k/${server", *bad;
	struct bootcfg_entry e[] = { diskless, rescue };
	struct bootcfg cfg = mkcfg(e, 2, 0, 0, "http://h");
	gen_fn gens[] = { bootcfg_pxelinux, bootcfg_ipxe, bootcfg_grub };
	char out[256];

	e[1].cmdline = cmdline;
	for (size_t g = 0; g < 3; g++) {
		bad = NULL;
		strcpy(out, "junk");
		CHECK_EQ(gens[g](out, sizeof(out), &cfg, &bad), -EINVAL);
		CHECK(bad == cmdline + 3);
		CHECK_STR(out, "");
		CHECK_EQ(gens[g](out, sizeof(out), &cfg, NULL), -EINVAL);
		CHECK_EQ(gens[g](NULL, 0, &cfg, &bad), -EINVAL);
	}
	e[1].cmdline = rescue.cmdline;
	e[0].kernel = kernel;
	CHECK_EQ(bootcfg_grub(out, sizeof(out), &cfg, &bad), -EINVAL);
	CHECK(bad == kernel + 2);
	/* With no lookup at all, any variable is unknown; plain text is fine. */
	cfg.lookup = NULL;
	e[0].kernel = "k";
	CHECK_EQ(bootcfg_pxelinux(out, sizeof(out), &cfg, &bad), -EINVAL);
	CHECK(bad == diskless.cmdline + 9);
	cfg.entries = &local;
	cfg.nr_entries = 1;
	CHECK_EQ(bootcfg_pxelinux(out, sizeof(out), &cfg, &bad), 49);
	CHECK_STR(out, "DEFAULT local\nPROMPT 0\nLABEL local\n  LOCALBOOT 0\n");
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A newline in a value (or anywhere in a field) never starts a line of its own. */
static void no_injection(void)
{
	static const char *const initrds[] = { "i/${evil}", NULL };
	const struct bootcfg_entry e[] = {
		{ .label = "bad\nlabel", .title = "T\nkernel evil", .kernel = "k${evil}",
		  .initrds = initrds, .cmdline = "host=${evil}\n" },
		local,
	};
	struct bootcfg cfg = mkcfg(e, 2, 0, 5, "http://h\n");
	char out[1024];

	cfg.menu_title = "menu\nboot";
	CHECK(same(bootcfg_pxelinux, &cfg,
		   "DEFAULT menu.c32\n"
		   "PROMPT 0\n"
		   "TIMEOUT 50\n"
		   "MENU TITLE menu boot\n"
		   "LABEL bad_label\n"
		   "  MENU LABEL T kernel evil\n"
		   "  MENU DEFAULT\n"
		   "  KERNEL kx boot  q\n"
		   "  APPEND initrd=i/x boot  q host=x boot  q \n"
		   "LABEL local\n"
		   "  MENU LABEL Boot from local disk\n"
		   "  LOCALBOOT 0\n"));
	CHECK(same(bootcfg_ipxe, &cfg,
		   "#!ipxe\n"
		   "menu menu boot\n"
		   "item bad_label T kernel evil\n"
		   "item local Boot from local disk\n"
		   "choose --default bad_label --timeout 5000 target && goto ${target}\n"
		   ":bad_label\n"
		   "kernel http://h /kx boot  q initrd=initrd0 host=x boot  q \n"
		   "initrd --name initrd0 http://h /i/x boot  q\n"
		   "boot\n"
		   ":local\n"
		   "exit\n"));
	CHECK(same(bootcfg_grub, &cfg,
		   "set default=0\n"
		   "set timeout=5\n"
		   "menuentry 'T kernel evil' --id 'bad label' {\n"
		   "\tlinux (http,h )/kx boot  q initrd=initrd0 host=x boot  q \n"
		   "\tinitrd (http,h )/i/x boot  q\n"
		   "}\n"
		   "menuentry 'Boot from local disk' --id local {\n"
		   "\texit\n"
		   "}\n"));
	CHECK(bootcfg_grub(out, sizeof(out), &cfg, NULL) > 0);
	CHECK_EQ(count_lines(out), 9u);
	CHECK_EQ(bootcfg_ipxe_chain(out, sizeof(out), "http://h\n;\r"), 70);
	CHECK_EQ(count_lines(out), 2u);
}

static void pxelinux_names(void)
{
	unsigned char mac[6] = { 0 };
	unsigned ip = 0, len = 0;
	char uuid[37] = "";

	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-ab-cd-ef", mac, &ip, &len, uuid), 1);
	CHECK_MEM(mac, "\x52\x54\x00\xab\xcd\xef", 6);
	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-AB-CD-0F", mac, NULL, NULL, NULL), 1);
	CHECK_MEM(mac, "\x52\x54\x00\xab\xcd\x0f", 6);

	CHECK_EQ(bootcfg_pxelinux_name("0A000B07", mac, &ip, &len, uuid), 2);
	CHECK_EQ(ip, 0x0A000B07u);
	CHECK_EQ(len, 8u);
	CHECK_EQ(bootcfg_pxelinux_name("0A0", NULL, &ip, &len, NULL), 2);
	CHECK_EQ(ip, 0xA0u);
	CHECK_EQ(len, 3u);
	CHECK_EQ(bootcfg_pxelinux_name("c", NULL, &ip, &len, NULL), 2);
	CHECK_EQ(ip, 0xCu);
	CHECK_EQ(len, 1u);
	CHECK_EQ(bootcfg_pxelinux_name("FFFFFFFF", NULL, &ip, &len, NULL), 2);
	CHECK_EQ(ip, 0xFFFFFFFFu);

	CHECK_EQ(bootcfg_pxelinux_name("default", NULL, NULL, NULL, NULL), 3);

	CHECK_EQ(bootcfg_pxelinux_name("B8945908-D6A6-41A9-611D-74A6AB80B83D", NULL, NULL, NULL,
				       uuid), 4);
	CHECK_STR(uuid, "b8945908-d6a6-41a9-611d-74a6ab80b83d");
	CHECK_EQ(bootcfg_pxelinux_name("b8945908-d6a6-41a9-611d-74a6ab80b83d", NULL, NULL, NULL,
				       NULL), 4);

	/* Bad forms, and nothing written for them. */
	memset(mac, 0, sizeof(mac));
	ip = len = 0;
	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-ab-cd-eg", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-ab-cd-ef-01", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-ab-cd", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("01:52:54:00:ab:cd:ef", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-ab-cd-e", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("20-52-54-00-ab-cd-ef", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("01-52-54-00-ab-cd-+f", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("0A000B071", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("0A0G", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name(NULL, mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("Default", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("default.cfg", mac, &ip, &len, uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("b8945908-d6a6-41a9-611d-74a6ab80b83", mac, &ip, &len, uuid),
		 0);
	CHECK_EQ(bootcfg_pxelinux_name("b8945908d6a6-41a9-611d-74a6ab80b83dd", mac, &ip, &len,
				       uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("x8945908-d6a6-41a9-611d-74a6ab80b83d", mac, &ip, &len,
				       uuid), 0);
	CHECK_EQ(bootcfg_pxelinux_name("../default", mac, &ip, &len, uuid), 0);
	CHECK_MEM(mac, "\0\0\0\0\0\0", 6);
	CHECK_EQ(ip, 0u);
	CHECK_EQ(len, 0u);
}

int main(void)
{
	RUN(pxelinux_seed_menu);
	RUN(pxelinux_single);
	RUN(pxelinux_localboot);
	RUN(pxelinux_no_timeout_several);
	RUN(pxelinux_initrds_and_menu_default);
	RUN(ipxe_single);
	RUN(ipxe_menu);
	RUN(ipxe_no_timeout_no_base);
	RUN(ipxe_initrd_names);
	RUN(grub_with_base);
	RUN(grub_without_base);
	RUN(grub_urls_and_ids);
	RUN(chain);
	RUN(truncation);
	RUN(unknown_variable);
	RUN(no_injection);
	RUN(pxelinux_names);
	return check_done();
}
