// SPDX-License-Identifier: MIT
/*
 * Boot decisions and generated boot configs (src/svc/bootgen.c): the profile choice order
 * (own, group, rule, override, none), which request paths are generated files and which are
 * not (classify), what bootgen_file gives for each (1: made; 0: nothing made, the disk
 * answers), the variables filled into a config (${root} per menu entry, "$$" escapes), and
 * exact texts for one config of each format. The conf comes from YAML, as the server loads
 * it; the generation is made by hand, as the server's gen_new() would.
 */
#include "svc/bootgen.c"

#include <stdio.h>

#include "check.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The inventory of most cases. Rule 1 constrains a DHCP-only field, so no TFTP or HTTP request
 * (which carries only a MAC and, for a known node, its name) can ever match it.
 */
static const char yaml_main[] =
	"http:\n"
	"  port: 8080\n"
	"profiles:\n"
	"  diskless:\n"
	"    label: diskless6\n"
	"    title: Diskless NFS root\n"
	"    kernel: diskless/vmlinuz\n"
	"    initrd: [diskless/initrd.img, diskless/extra.img]\n"
	"    cmdline: \"root=nfs:${server}:${root} ip=${ip} hostname=${hostname} mac=${mac} "
	"port=${http_port}\"\n"
	"    root: /srv/nfs/diskless6\n"
	"    menu: [rescue, local, diskless7]\n"
	"    timeout: 5\n"
	"  diskless7:\n"
	"    kernel: diskless7/vmlinuz\n"
	"    cmdline: \"root=nfs:${server}:${root}\"\n"
	"    root: /srv/nfs/diskless7\n"
	"  rescue:\n"
	"    kernel: rescue/vmlinuz\n"
	"    initrd: rescue/initrd.img\n"
	"    cmdline: \"console=ttyS0 rd.shell host=${hostname}\"\n"
	"  local:\n"
	"    title: Local disk\n"
	"    localboot: true\n"
	"  install:\n"
	"    kernel: \"http://${server}:${http_port}/install/vmlinuz\"\n"
	"    cmdline: \"inst.ks=http://${server}:${http_port}/ks/${hostname}.cfg\"\n"
	"  efi:\n"
	"    kernel: efi/vmlinuz\n"
	"groups:\n"
	"  compute:\n"
	"    profile: rescue\n"
	"  plain: {}\n"
	"rules:\n"
	"  - match: {arch: efi64}\n"
	"    profile: efi\n"
	"  - match: {mac: \"^02:00:5e\"}\n"
	"    profile: install\n"
	"  - match: {hostname: \"^quarantine\"}\n"
	"    profile: local\n"
	"    override: true\n"
	"nodes:\n"
	/* own profile, two NICs */
	"  - name: n1\n"
	"    mac: [52:54:00:00:01:01, 52-54-00-00-01-02]\n"
	"    ip: 10.0.5.11\n"
	"    profile: diskless\n"
	/* the group's profile */
	"  - name: g1\n"
	"    mac: 52:54:00:00:02:01\n"
	"    ip: 10.0.5.12\n"
	"    group: compute\n"
	/* own profile over the group's */
	"  - name: g2\n"
	"    mac: 52:54:00:00:02:02\n"
	"    group: compute\n"
	"    profile: diskless7\n"
	/* own profile over a matching rule without override */
	"  - name: keep1\n"
	"    mac: 02:00:5e:00:00:07\n"
	"    profile: rescue\n"
	/* the group's profile over a matching rule without override */
	"  - name: keep2\n"
	"    mac: 02:00:5e:00:00:08\n"
	"    group: compute\n"
	/* nothing of its own: the MAC rule */
	"  - name: np1\n"
	"    mac: 02:00:5e:00:00:09\n"
	"    ip: 10.0.5.19\n"
	"    group: plain\n"
	/* the override rule beats its own profile, and a group's */
	"  - name: quarantine1\n"
	"    mac: 52:54:00:00:04:01\n"
	"    ip: 10.0.5.14\n"
	"    profile: diskless\n"
	"  - name: quarantine2\n"
	"    mac: 52:54:00:00:04:02\n"
	"    group: compute\n"
	/* no profile at all */
	"  - name: noprof\n"
	"    mac: 52:54:00:00:06:01\n"
	"    ip: 10.0.5.21\n"
	/* the client's own address for `default` */
	"  - name: lo\n"
	"    mac: 52:54:00:00:03:01\n"
	"    ip: 127.0.0.1\n"
	"    profile: local\n";

struct fixture {
	struct conf *c;
	struct server_gen g;
};

static bool fixture_load(struct fixture *f, const char *yaml)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);
	int ret;

	memset(f, 0, sizeof(*f));
	ret = conf_load_buf("t.yaml", yaml, strlen(yaml), &f->c, err);
	if (!ret)
		ret = conf_validate(f->c, err);
	if (!ret) {
		f->g.conf = f->c;
		f->g.match = bootgen_compile(f->c, err, &ret);
	}
	fclose(err);
	CHECK_EQ(ret, 0);
	if (len)
		printf("# %s", buf);
	free(buf);
	if (ret && f->c) {
		conf_put(f->c);
		f->c = NULL;
	}
	return !ret;
}

static void fixture_free(struct fixture *f)
{
	match_free(f->g.match);
	if (f->c)
		conf_put(f->c);
}

static const struct conf_node *node_named(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nr_nodes; i++)
		if (!strcmp(c->nodes[i].name, name))
			return &c->nodes[i];
	return NULL;
}

/* What a TFTP or HTTP request gives the rules: the MAC and, for a known node, its name. */
static struct match_input req_input(const char *mac, const char *hostname)
{
	struct match_input in = { 0 };

	if (mac) {
		in.field[MATCH_MAC] = mac;
		in.len[MATCH_MAC] = strlen(mac);
	}
	if (hostname) {
		in.field[MATCH_HOSTNAME] = hostname;
		in.len[MATCH_HOSTNAME] = strlen(hostname);
	}
	return in;
}

/* The profile name chosen for inventory node @name, as a TFTP request would see it. */
static const char *choice(const struct fixture *f, const char *name, unsigned *rule)
{
	const struct conf_node *nd = node_named(f->c, name);
	const struct conf_profile *p;
	struct match_input in;
	char mac[18];

	if (!nd)
		return "(no such node)";
	in = req_input(bootgen_mac_str(mac, nd->macs[0]), nd->name);
	p = bootgen_profile(&f->g, nd, &in, rule);
	return p ? p->name : "(none)";
}

static void profile_order(void)
{
	struct fixture f;
	const struct conf_profile *p;
	struct match_input in;
	unsigned rule = 99;

	if (!fixture_load(&f, yaml_main))
		return;
	CHECK(f.g.match != NULL);
	/* own */
	CHECK_STR(choice(&f, "n1", &rule), "diskless");
	CHECK_EQ(rule, 0u);
	CHECK_STR(choice(&f, "g2", &rule), "diskless7");
	CHECK_STR(choice(&f, "keep1", &rule), "rescue");
	CHECK_EQ(rule, 0u);
	/* group */
	CHECK_STR(choice(&f, "g1", &rule), "rescue");
	CHECK_EQ(rule, 0u);
	CHECK_STR(choice(&f, "keep2", &rule), "rescue");
	CHECK_EQ(rule, 0u);
	/* rule: a node with nothing of its own (its group names no profile) */
	CHECK_STR(choice(&f, "np1", &rule), "install");
	CHECK_EQ(rule, 2u);
	/* override, over an own profile and over a group's */
	CHECK_STR(choice(&f, "quarantine1", &rule), "local");
	CHECK_EQ(rule, 3u);
	CHECK_STR(choice(&f, "quarantine2", &rule), "local");
	CHECK_EQ(rule, 3u);
	/* none */
	rule = 99;
	CHECK_STR(choice(&f, "noprof", &rule), "(none)");
	CHECK_EQ(rule, 0u);

	/* Not in the inventory: only the rules; the MAC prefix rule or nothing. */
	in = req_input("02:00:5e:12:34:56", NULL);
	p = bootgen_profile(&f.g, NULL, &in, &rule);
	CHECK(p && !strcmp(p->name, "install"));
	CHECK_EQ(rule, 2u);
	in = req_input("52:54:00:99:99:99", NULL);
	rule = 99;
	CHECK(bootgen_profile(&f.g, NULL, &in, &rule) == NULL);
	CHECK_EQ(rule, 0u);
	/* No input at all: the inventory alone decides, and nothing for a stranger. */
	p = bootgen_profile(&f.g, node_named(f.c, "quarantine1"), NULL, &rule);
	CHECK(p && !strcmp(p->name, "diskless"));
	CHECK_EQ(rule, 0u);
	CHECK(bootgen_profile(&f.g, NULL, NULL, &rule) == NULL);
	/* A rule on a DHCP field (rule 1, arch) matches only when the field is there. */
	in = req_input("52:54:00:99:99:99", NULL);
	in.field[MATCH_ARCH] = "00007:efi64";
	in.len[MATCH_ARCH] = strlen(in.field[MATCH_ARCH]);
	p = bootgen_profile(&f.g, NULL, &in, &rule);
	CHECK(p && !strcmp(p->name, "efi"));
	CHECK_EQ(rule, 1u);
	/* ... and then the first matching rule wins, not the more specific MAC one. */
	in.field[MATCH_MAC] = "02:00:5e:00:00:09";
	p = bootgen_profile(&f.g, node_named(f.c, "np1"), &in, &rule);
	CHECK(p && !strcmp(p->name, "efi"));
	CHECK_EQ(rule, 1u);
	/* A NULL rule pointer is allowed. */
	in = req_input("02:00:5e:00:00:09", "np1");
	p = bootgen_profile(&f.g, node_named(f.c, "np1"), &in, NULL);
	CHECK(p && !strcmp(p->name, "install"));
	fixture_free(&f);
}

/* Without rules there is no compiled set, and the inventory alone decides. */
static void profile_no_rules(void)
{
	static const char yaml[] =
		"profiles:\n"
		"  a: {kernel: a/vmlinuz}\n"
		"  b: {kernel: b/vmlinuz}\n"
		"groups:\n"
		"  grp: {profile: b}\n"
		"nodes:\n"
		"  - {name: x, mac: 52:54:00:00:00:01, profile: a, group: grp}\n"
		"  - {name: y, mac: 52:54:00:00:00:02, group: grp}\n"
		"  - {name: z, mac: 52:54:00:00:00:03}\n";
	struct fixture f;
	unsigned rule = 99;

	if (!fixture_load(&f, yaml))
		return;
	CHECK(f.g.match == NULL);
	CHECK_STR(choice(&f, "x", &rule), "a");
	CHECK_EQ(rule, 0u);
	CHECK_STR(choice(&f, "y", &rule), "b");
	CHECK_STR(choice(&f, "z", &rule), "(none)");
	fixture_free(&f);
}

struct class_case {
	const char *path;
	int ret;                /* classify(): 0 not ours, 1 a file, 2 the chain script */
	int kind;               /* when ret > 0 */
	const char *node;       /* the node the name gives, NULL: none */
	bool have_mac, by_name, menu_ok;
};

#define NO(p) { .path = (p) }
#define CHAIN(p) { .path = (p), .ret = 2, .kind = KIND_IPXE }
#define YES(p, k, n, m, b, o) { .path = (p), .ret = 1, .kind = (k), .node = (n), \
				.have_mac = (m), .by_name = (b), .menu_ok = (o) }

static void classify_paths(void)
{
	static const struct class_case cases[] = {
		/* PXELINUX */
		YES("pxelinux.cfg/01-52-54-00-00-01-01", KIND_PXELINUX, "n1", true, true, false),
		YES("pxelinux.cfg/01-52-54-00-00-01-02", KIND_PXELINUX, "n1", true, true, false),
		/* PXELINUX sends lower case; the other is taken too */
		YES("pxelinux.cfg/01-52-54-00-00-02-01", KIND_PXELINUX, "g1", true, true, false),
		YES("pxelinux.cfg/01-02-00-5E-00-00-09", KIND_PXELINUX, "np1", true, true, false),
		YES("pxelinux.cfg/01-52-54-00-99-99-99", KIND_PXELINUX, NULL, true, true, false),
		YES("pxelinux.cfg/0A00050B", KIND_PXELINUX, "n1", false, true, false),
		YES("pxelinux.cfg/0a00050b", KIND_PXELINUX, "n1", false, true, false),
		YES("pxelinux.cfg/7F000001", KIND_PXELINUX, "lo", false, true, false),
		YES("pxelinux.cfg/0A00050", KIND_PXELINUX, NULL, false, true, false),
		YES("pxelinux.cfg/0A0005", KIND_PXELINUX, NULL, false, true, false),
		YES("pxelinux.cfg/0", KIND_PXELINUX, NULL, false, true, false),
		YES("pxelinux.cfg/0A0005FF", KIND_PXELINUX, NULL, false, true, false),
		YES("pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d", KIND_PXELINUX, NULL, false,
		  true, false),
		YES("pxelinux.cfg/default", KIND_PXELINUX, NULL, false, false, true),
		YES("bios/pxelinux.cfg/01-52-54-00-00-01-01", KIND_PXELINUX, "n1", true, true,
		  false),
		YES("a/b/pxelinux.cfg/default", KIND_PXELINUX, NULL, false, false, true),
		NO("pxelinux.cfg/01-xx"),
		NO("pxelinux.cfg/01-52-54-00-00-01"),
		NO("pxelinux.cfg/01-52-54-00-00-01-01-02"),
		NO("pxelinux.cfg/02-52-54-00-00-01-01"),
		NO("pxelinux.cfg/01:52:54:00:00:01:01"),
		NO("pxelinux.cfg/0A00050B0"),
		NO("pxelinux.cfg/0A00050G"),
		NO("pxelinux.cfg/"),
		NO("pxelinux.cfg/Default"),
		NO("pxelinux.cfg/default.bak"),
		NO("pxelinux.cfg/menu.c32"),
		NO("pxelinux.cfgx/default"),
		NO("xpxelinux.cfg/default"),
		NO("pxelinux.cfg"),
		NO("pxelinux.0"),
		NO("default"),
		NO("01-52-54-00-00-01-01"),
		/* GRUB */
		YES("grub.cfg", KIND_GRUB, NULL, false, false, true),
		YES("boot/grub/grub.cfg", KIND_GRUB, NULL, false, false, true),
		YES("grub.cfg-01-52-54-00-00-01-01", KIND_GRUB, "n1", true, true, false),
		YES("boot/grub/grub.cfg-01-52-54-00-00-02-01", KIND_GRUB, "g1", true, true, false),
		YES("grub.cfg-0A00050B", KIND_GRUB, "n1", false, true, false),
		YES("grub.cfg-0A0005", KIND_GRUB, NULL, false, true, false),
		NO("grub.cfg-default"),
		NO("grub.cfg-"),
		NO("grub.cfg-junk"),
		NO("grub.cfgx"),
		NO("mygrub.cfg"),
		NO("grub.cfg/x"),
		/* iPXE */
		CHAIN("boot/chain.ipxe"),
		CHAIN("ipxe/boot/chain.ipxe"),
		YES("boot/52:54:00:00:01:01.ipxe", KIND_IPXE, "n1", true, true, true),
		YES("boot/52-54-00-00-01-02.ipxe", KIND_IPXE, "n1", true, true, true),
		YES("boot/525400000201.ipxe", KIND_IPXE, "g1", true, true, true),
		YES("boot/52:54:00:00:02:01.ipxe", KIND_IPXE, "g1", true, true, true),
		YES("boot/02:00:5E:00:00:09.ipxe", KIND_IPXE, "np1", true, true, true),
		YES("boot/de:ad:be:ef:00:01.ipxe", KIND_IPXE, NULL, true, true, true),
		YES("x/boot/525400000101.ipxe", KIND_IPXE, "n1", true, true, true),
		NO("boot/xyz.ipxe"),
		NO("boot/.ipxe"),
		NO("boot/chain.ipxe.bak"),
		NO("boot/CHAIN.ipxe"),
		NO("boot/52:54:00:00:01:0.ipxe"),
		NO("boot/52:54:00:00:01:011.ipxe"),
		NO("boot/52_54_00_00_01_01.ipxe"),
		NO("boot/5254000001zz.ipxe"),
		NO("boot/52540000010.ipxe"),
		NO("boot/52:54:00:00:01:01.ipx"),
		NO("reboot/52:54:00:00:01:01.ipxe"),
		NO("52:54:00:00:01:01.ipxe"),
		NO("chain.ipxe"),
		/* files */
		NO("vmlinuz"),
		NO("diskless/initrd.img"),
		NO(""),
	};
	struct fixture f;

	if (!fixture_load(&f, yaml_main))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct class_case *k = &cases[i];
		const struct conf_node *want = k->node ? node_named(f.c, k->node) : NULL;
		enum kind kind = KIND_PXELINUX;
		struct target t;
		int ret = classify(f.c, k->path, &t, &kind);
		bool good = ret == k->ret;

		if (good && ret > 0)
			good = (int)kind == k->kind;
		if (good && ret == 1)
			good = t.node == want && t.have_mac == k->have_mac &&
			       t.by_name == k->by_name && t.menu_ok == k->menu_ok;
		if (!good)
			printf("# classify(\"%s\") = %d, kind %d, node %s, mac %d, by_name %d, "
			       "menu_ok %d\n", k->path, ret, (int)kind,
			       ret > 0 && t.node ? t.node->name : "-", ret > 0 && t.have_mac,
			       ret > 0 && t.by_name, ret > 0 && t.menu_ok);
		CHECK(good);
	}
	fixture_free(&f);
}

/* The MAC a name gives is parsed, whatever the spelling. */
static void classify_mac_value(void)
{
	static const char *const paths[] = {
		"pxelinux.cfg/01-de-ad-be-ef-00-0a",
		"pxelinux.cfg/01-DE-AD-BE-EF-00-0A",
		"grub.cfg-01-de-ad-be-ef-00-0a",
		"boot/de:ad:be:ef:00:0a.ipxe",
		"boot/DE-AD-BE-EF-00-0A.ipxe",
		"boot/deadbeef000a.ipxe",
	};
	static const uint8_t want[6] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a };
	struct fixture f;

	if (!fixture_load(&f, yaml_main))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		enum kind kind;
		struct target t;

		CHECK_EQ(classify(f.c, paths[i], &t, &kind), 1);
		CHECK(t.have_mac);
		CHECK_MEM(t.mac, want, 6);
	}
	fixture_free(&f);
}

/* --- bootgen_file */

struct file_result {
	int ret;
	char *text;
	size_t len;
};

static struct file_result gen(const struct fixture *f, const char *path, const char *peer)
{
	struct bootgen_req r = { .path = path, .http_base = "http://10.0.0.1:8080" };
	struct file_result res = { 0 };

	inet_pton(AF_INET, peer, &r.peer);
	inet_pton(AF_INET, "10.0.0.1", &r.server);
	res.ret = bootgen_file(&f->g, &r, &res.text, &res.len);
	if (res.ret == 1) {
		CHECK(res.text != NULL);
		if (res.text)
			CHECK_EQ(strlen(res.text), res.len);
	}
	return res;
}

static int gen_ret(const struct fixture *f, const char *path, const char *peer)
{
	struct file_result r = gen(f, path, peer);

	if (r.ret == 1)
		free(r.text);
	return r.ret;
}

/* @text as "# " comment lines, which the test runner does not count. */
static void print_commented(const char *what, const char *text)
{
	printf("# %s:\n", what);
	while (*text) {
		size_t n = strcspn(text, "\n");

		printf("#   %.*s\n", (int)n, text);
		text += n;
		if (*text)
			text++;
	}
}

/* Whether the generated file holds @needle; prints the file when it does not. */
static bool has(const struct file_result *r, const char *needle)
{
	if (r->ret == 1 && r->text && strstr(r->text, needle))
		return true;
	print_commented("wanted", needle);
	if (r->ret == 1 && r->text)
		print_commented("in", r->text);
	else
		printf("# but bootgen_file returned %d\n", r->ret);
	return false;
}

struct ret_case {
	const char *path;
	const char *peer;
	int ret;
};

static void file_results(void)
{
	static const struct ret_case cases[] = {
		/* a known node, by each of its names */
		{ "pxelinux.cfg/01-52-54-00-00-01-01", "10.0.5.11", 1 },
		{ "pxelinux.cfg/01-52-54-00-00-01-02", "10.0.5.11", 1 },
		{ "/pxelinux.cfg/01-52-54-00-00-01-01", "10.0.5.11", 1 },
		{ "//bios/pxelinux.cfg/01-52-54-00-00-01-01", "10.0.5.11", 1 },
		{ "pxelinux.cfg/0A00050B", "10.9.9.9", 1 },
		{ "grub.cfg-01-52-54-00-00-01-01", "10.0.5.11", 1 },
		{ "grub.cfg-0A00050B", "10.0.5.11", 1 },
		{ "boot/52:54:00:00:01:01.ipxe", "10.0.5.11", 1 },
		{ "boot/52-54-00-00-01-01.ipxe", "10.0.5.11", 1 },
		{ "boot/525400000101.ipxe", "10.0.5.11", 1 },
		{ "boot/chain.ipxe", "10.9.9.9", 1 },
		/* group and rule profiles */
		{ "pxelinux.cfg/01-52-54-00-00-02-01", "10.9.9.9", 1 },
		{ "pxelinux.cfg/01-02-00-5e-00-00-09", "10.9.9.9", 1 },
		{ "pxelinux.cfg/01-02-00-5e-77-77-77", "10.9.9.9", 1 },
		{ "pxelinux.cfg/01-52-54-00-00-04-01", "10.9.9.9", 1 },
		/*
		 * Config names of nobody with a profile: nothing is made and the disk answers (a
		 * hand-written file, else "not found": PXELINUX and GRUB go on to their next name).
		 */
		{ "pxelinux.cfg/01-52-54-00-99-99-99", "10.9.9.9", 0 },
		{ "pxelinux.cfg/01-52-54-00-00-06-01", "10.0.5.21", 0 },
		{ "pxelinux.cfg/0A000515", "10.0.5.21", 0 },
		{ "pxelinux.cfg/0A0005FF", "10.9.9.9", 0 },
		{ "pxelinux.cfg/0A00050", "10.0.5.11", 0 },
		{ "pxelinux.cfg/0A0005", "10.0.5.11", 0 },
		{ "pxelinux.cfg/0A", "10.0.5.11", 0 },
		{ "pxelinux.cfg/0", "10.0.5.11", 0 },
		{ "pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d", "10.0.5.11", 0 },
		{ "grub.cfg-01-52-54-00-99-99-99", "10.9.9.9", 0 },
		{ "grub.cfg-0A00050", "10.0.5.11", 0 },
		/* default and grub.cfg: the client's address, else a menu */
		{ "pxelinux.cfg/default", "127.0.0.1", 1 },
		{ "pxelinux.cfg/default", "10.9.9.9", 1 },
		{ "pxelinux.cfg/default", "10.0.5.21", 1 },
		{ "grub.cfg", "127.0.0.1", 1 },
		{ "grub.cfg", "10.9.9.9", 1 },
		/* iPXE has no next name: a stranger gets the menu */
		{ "boot/52:54:00:99:99:99.ipxe", "10.9.9.9", 1 },
		{ "boot/52:54:00:00:06:01.ipxe", "10.0.5.21", 1 },
		/* not config names at all: the disk's */
		{ "pxelinux.cfg/01-xx", "10.0.5.11", 0 },
		{ "pxelinux.cfgx/default", "10.0.5.11", 0 },
		{ "pxelinux.cfg/menu.c32", "10.0.5.11", 0 },
		{ "boot/xyz.ipxe", "10.0.5.11", 0 },
		{ "boot/chain.ipxe.bak", "10.0.5.11", 0 },
		{ "grub.cfg-default", "10.0.5.11", 0 },
		{ "grub.cfg-junk", "10.0.5.11", 0 },
		{ "pxelinux.0", "10.0.5.11", 0 },
		{ "diskless/vmlinuz", "10.0.5.11", 0 },
		{ "", "10.0.5.11", 0 },
		{ "/", "10.0.5.11", 0 },
	};
	struct fixture f;

	if (!fixture_load(&f, yaml_main))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = gen_ret(&f, cases[i].path, cases[i].peer);

		if (ret != cases[i].ret)
			printf("# bootgen_file(\"%s\" from %s) = %d, want %d\n", cases[i].path,
			       cases[i].peer, ret, cases[i].ret);
		CHECK_EQ(ret, cases[i].ret);
	}
	fixture_free(&f);
}

/*
 * "../pxelinux.cfg/default" must be either not ours (then the root's resolver refuses the
 * "..") or made here, never read from disk: the same text as pxelinux.cfg/default.
 */
static void file_dotdot(void)
{
	static const char *const paths[] = {
		"../pxelinux.cfg/default",
		"../../pxelinux.cfg/01-52-54-00-00-01-01",
		"x/../pxelinux.cfg/default",
		"../grub.cfg",
		"../boot/52:54:00:00:01:01.ipxe",
	};
	static const char *const plain[] = {
		"pxelinux.cfg/default",
		"pxelinux.cfg/01-52-54-00-00-01-01",
		"pxelinux.cfg/default",
		"grub.cfg",
		"boot/52:54:00:00:01:01.ipxe",
	};
	struct fixture f;

	if (!fixture_load(&f, yaml_main))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct file_result a = gen(&f, paths[i], "10.0.5.11");
		struct file_result b = gen(&f, plain[i], "10.0.5.11");

		CHECK(a.ret == 0 || a.ret == 1);
		if (a.ret == 1) {
			CHECK_EQ(b.ret, 1);
			CHECK(b.ret == 1 && a.len == b.len && !strcmp(a.text, b.text));
		}
		if (a.ret == 1)
			free(a.text);
		if (b.ret == 1)
			free(b.text);
	}
	fixture_free(&f);
}

static const char want_pxelinux_n1[] =
	"DEFAULT menu.c32\n"
	"PROMPT 0\n"
	"TIMEOUT 50\n"
	"MENU TITLE n1\n"
	"LABEL diskless6\n"
	"  MENU LABEL Diskless NFS root\n"
	"  MENU DEFAULT\n"
	"  KERNEL diskless/vmlinuz\n"
	"  APPEND initrd=diskless/initrd.img,diskless/extra.img root=nfs:10.0.0.1:/srv/nfs/diskless6"
	" ip=10.0.5.11 hostname=n1 mac=52:54:00:00:01:02 port=8080\n"
	"LABEL rescue\n"
	"  MENU LABEL rescue\n"
	"  KERNEL rescue/vmlinuz\n"
	"  APPEND initrd=rescue/initrd.img console=ttyS0 rd.shell host=n1\n"
	"LABEL local\n"
	"  MENU LABEL Local disk\n"
	"  LOCALBOOT 0\n"
	"LABEL diskless7\n"
	"  MENU LABEL diskless7\n"
	"  KERNEL diskless7/vmlinuz\n"
	"  APPEND root=nfs:10.0.0.1:/srv/nfs/diskless7\n";

static const char want_grub_np1[] =
	"set default=0\n"
	"set timeout=0\n"
	"menuentry 'install' --id install {\n"
	"\tlinux (http,10.0.0.1:8080)/install/vmlinuz inst.ks=http://10.0.0.1:8080/ks/np1.cfg\n"
	"}\n";

static const char want_ipxe_g1[] =
	"#!ipxe\n"
	"kernel http://10.0.0.1:8080/rescue/vmlinuz initrd=initrd.img console=ttyS0 rd.shell"
	" host=g1\n"
	"initrd --name initrd.img http://10.0.0.1:8080/rescue/initrd.img\n"
	"boot\n";

static const char want_chain[] =
	"#!ipxe\n"
	"chain --replace --autofree http://10.0.0.1:8080/boot/${mac:hexhyp}.ipxe\n";

static void check_text(const struct file_result *r, const char *want)
{
	CHECK_EQ(r->ret, 1);
	if (r->ret != 1)
		return;
	if (strcmp(r->text, want)) {
		print_commented("got", r->text);
		print_commented("want", want);
	}
	CHECK_STR(r->text, want);
	CHECK_EQ(r->len, strlen(want));
}

/* One exact text per format; the n1 one by its second NIC, with a menu entry using ${root}. */
static void file_exact_texts(void)
{
	struct fixture f;
	struct file_result r;

	if (!fixture_load(&f, yaml_main))
		return;
	r = gen(&f, "pxelinux.cfg/01-52-54-00-00-01-02", "10.0.5.11");
	check_text(&r, want_pxelinux_n1);
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "grub.cfg-01-02-00-5e-00-00-09", "10.0.5.19");
	check_text(&r, want_grub_np1);
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "boot/525400000201.ipxe", "10.0.5.12");
	check_text(&r, want_ipxe_g1);
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "boot/chain.ipxe", "10.9.9.9");
	check_text(&r, want_chain);
	free(r.ret == 1 ? r.text : NULL);
	fixture_free(&f);
}

/*
 * ${root} is the root of the profile whose entry it is in: a menu offering diskless7 after
 * diskless6 must not boot diskless7 with diskless6's export, in a node's menu or in the
 * discovery menu of every profile.
 */
static void vars_root_per_entry(void)
{
	struct fixture f;
	struct file_result r;

	if (!fixture_load(&f, yaml_main))
		return;
	r = gen(&f, "pxelinux.cfg/01-52-54-00-00-01-01", "10.0.5.11");
	CHECK(has(&r, "KERNEL diskless7/vmlinuz\n  APPEND root=nfs:10.0.0.1:/srv/nfs/diskless7\n"));
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "pxelinux.cfg/default", "10.9.9.9");
	CHECK(has(&r, "KERNEL diskless7/vmlinuz\n  APPEND root=nfs:10.0.0.1:/srv/nfs/diskless7\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* g2's own profile is diskless7: its root, at once. */
	r = gen(&f, "boot/52:54:00:00:02:02.ipxe", "10.9.9.9");
	CHECK(has(&r, "diskless7/vmlinuz root=nfs:10.0.0.1:/srv/nfs/diskless7\n"));
	free(r.ret == 1 ? r.text : NULL);
	fixture_free(&f);
}

/*
 * ${root} in a kernel or initrd path is the entry's own profile's too: a diskless image's
 * kernel is often the one inside the image.
 */
static void vars_root_per_entry_paths(void)
{
	static const char yaml[] =
		"profiles:\n"
		"  a:\n"
		"    kernel: \"http://${server}:${http_port}${root}/boot/vmlinuz\"\n"
		"    initrd: \"${root}/boot/initrd.img\"\n"
		"    root: /srv/nfs/a\n"
		"    menu: [b]\n"
		"    timeout: 3\n"
		"  b:\n"
		"    kernel: \"http://${server}:${http_port}${root}/boot/vmlinuz\"\n"
		"    initrd: \"${root}/boot/initrd.img\"\n"
		"    root: /srv/nfs/b\n"
		"nodes:\n"
		"  - {name: x, mac: 52:54:00:00:00:01, profile: a}\n";
	struct fixture f;
	struct file_result r;

	if (!fixture_load(&f, yaml))
		return;
	r = gen(&f, "pxelinux.cfg/01-52-54-00-00-00-01", "10.0.5.11");
	CHECK(has(&r, "LABEL a\n  MENU LABEL a\n  MENU DEFAULT\n"
		  "  KERNEL http://10.0.0.1:80/srv/nfs/a/boot/vmlinuz\n"
		  "  APPEND initrd=/srv/nfs/a/boot/initrd.img\n"));
	CHECK(has(&r, "LABEL b\n  MENU LABEL b\n"
		  "  KERNEL http://10.0.0.1:80/srv/nfs/b/boot/vmlinuz\n"
		  "  APPEND initrd=/srv/nfs/b/boot/initrd.img\n"));
	free(r.ret == 1 ? r.text : NULL);
	fixture_free(&f);
}

/*
 * "$$" is a literal '$' in a template, so "$${net0/mac}" reaches iPXE as its own variable
 * "${net0/mac}": with ${root} in the same command line as without it.
 */
static void vars_dollar_escape(void)
{
	static const char yaml[] =
		"profiles:\n"
		"  plain:\n"
		"    kernel: vmlinuz\n"
		"    cmdline: \"BOOTIF=01-$${net0/mac:hexhyp} price=$$5 h=${hostname}\"\n"
		"  withroot:\n"
		"    kernel: vmlinuz\n"
		"    root: /srv/nfs/r\n"
		"    cmdline: \"root=nfs:${server}:${root} BOOTIF=01-$${net0/mac:hexhyp} h=${hostname}\"\n"
		"nodes:\n"
		"  - {name: x, mac: 52:54:00:00:00:01, profile: plain}\n"
		"  - {name: y, mac: 52:54:00:00:00:02, profile: withroot}\n";
	struct fixture f;
	struct file_result r;
	int level = log_level;

	if (!fixture_load(&f, yaml))
		return;
	log_level = LOG_ERR;	/* a failure here logs an unknown variable */
	r = gen(&f, "boot/52:54:00:00:00:01.ipxe", "10.0.5.11");
	CHECK(has(&r, " BOOTIF=01-${net0/mac:hexhyp} price=$5 h=x\n"));
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "boot/52:54:00:00:00:02.ipxe", "10.0.5.11");
	CHECK_EQ(r.ret, 1);
	CHECK(has(&r, " root=nfs:10.0.0.1:/srv/nfs/r BOOTIF=01-${net0/mac:hexhyp} h=y\n"));
	free(r.ret == 1 ? r.text : NULL);
	log_level = level;
	fixture_free(&f);
}

/* Each variable, from the node, the request and the conf. */
static void vars_filled(void)
{
	struct fixture f;
	struct file_result r;

	if (!fixture_load(&f, yaml_main))
		return;
	/* By MAC: the MAC asked for (the second NIC's), the node's inventory IP. */
	r = gen(&f, "grub.cfg-01-52-54-00-00-01-02", "10.9.9.9");
	CHECK(has(&r, "root=nfs:10.0.0.1:/srv/nfs/diskless6 ip=10.0.5.11 hostname=n1 "
		  "mac=52:54:00:00:01:02 port=8080\n"));
	CHECK(has(&r, "menuentry 'Diskless NFS root' --id diskless6 {\n"));
	CHECK(has(&r, "set timeout=5\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* By IP: the node's first MAC. */
	r = gen(&f, "pxelinux.cfg/0A00050B", "10.9.9.9");
	CHECK(has(&r, "ip=10.0.5.11 hostname=n1 mac=52:54:00:00:01:01 port=8080\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* A node with no inventory IP: the client's address. */
	r = gen(&f, "boot/52:54:00:00:02:02.ipxe", "10.0.7.7");
	CHECK(has(&r, "root=nfs:10.0.0.1:/srv/nfs/diskless7"));
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "pxelinux.cfg/01-52-54-00-00-02-01", "10.9.9.9");
	CHECK(has(&r, "DEFAULT rescue\nPROMPT 0\nLABEL rescue\n  KERNEL rescue/vmlinuz\n"
		  "  APPEND initrd=rescue/initrd.img console=ttyS0 rd.shell host=g1\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* A stranger the MAC rule picks: no host name. */
	r = gen(&f, "boot/02-00-5e-77-77-77.ipxe", "10.9.9.9");
	CHECK(has(&r, "kernel http://10.0.0.1:8080/install/vmlinuz "
		  "inst.ks=http://10.0.0.1:8080/ks/.cfg\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* The override: local, however the node is named. */
	r = gen(&f, "pxelinux.cfg/0A00050E", "10.9.9.9");
	CHECK(has(&r, "DEFAULT local\nPROMPT 0\nLABEL local\n  LOCALBOOT 0\n"));
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "boot/52:54:00:00:04:01.ipxe", "10.9.9.9");
	CHECK(has(&r, "#!ipxe\nexit\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* default: the node of the client's address ... */
	r = gen(&f, "pxelinux.cfg/default", "127.0.0.1");
	CHECK(has(&r, "DEFAULT local\nPROMPT 0\nLABEL local\n  LOCALBOOT 0\n"));
	free(r.ret == 1 ? r.text : NULL);
	r = gen(&f, "grub.cfg", "10.0.5.11");
	CHECK(has(&r, "hostname=n1 mac=52:54:00:00:01:01 port=8080\n"));
	free(r.ret == 1 ? r.text : NULL);
	fixture_free(&f);
}

/* The menu of every profile, for a client nobody knows, in file order, the first the default. */
static void file_discovery(void)
{
	static const char *const labels[] = {
		"LABEL diskless6\n", "LABEL diskless7\n", "LABEL rescue\n", "LABEL local\n",
		"LABEL install\n", "LABEL efi\n",
	};
	struct fixture f;
	struct file_result r;
	const char *at;

	if (!fixture_load(&f, yaml_main))
		return;
	r = gen(&f, "pxelinux.cfg/default", "10.9.9.9");
	CHECK(has(&r, "DEFAULT menu.c32\nPROMPT 0\nTIMEOUT 100\nMENU TITLE bootherd\n"
		  "LABEL diskless6\n  MENU LABEL Diskless NFS root\n  MENU DEFAULT\n"));
	/* The client's address for ${ip}; nothing for ${hostname} and ${mac}. */
	CHECK(has(&r, " ip=10.9.9.9 hostname= mac= port=8080\n"));
	at = r.ret == 1 ? r.text : "";
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
		const char *p = strstr(at, labels[i]);

		CHECK(p != NULL);
		at = p ? p : at;
	}
	free(r.ret == 1 ? r.text : NULL);
	/* A node without a profile, at its own address: the menu, with its name. */
	r = gen(&f, "grub.cfg", "10.0.5.21");
	CHECK(has(&r, "set default=0\nset timeout=10\nmenuentry 'Diskless NFS root' --id "
		  "diskless6 {\n"));
	CHECK(has(&r, "hostname=noprof mac=52:54:00:00:06:01 port=8080\n"));
	CHECK(has(&r, "menuentry 'efi' --id efi {\n"));
	free(r.ret == 1 ? r.text : NULL);
	/* iPXE, by a MAC nobody knows: the menu, with the MAC asked for. */
	r = gen(&f, "boot/52-54-00-99-99-99.ipxe", "10.9.9.9");
	CHECK(has(&r, "#!ipxe\nmenu bootherd\nitem diskless6 Diskless NFS root\n"));
	CHECK(has(&r, "choose --default diskless6 --timeout 10000 target && goto ${target}\n"));
	CHECK(has(&r, "hostname= mac=52:54:00:99:99:99 port=8080\n"));
	free(r.ret == 1 ? r.text : NULL);
	fixture_free(&f);
}

/* No profiles: nothing to offer, so not even a menu is made; the disk answers. */
static void file_no_profiles(void)
{
	static const char yaml[] =
		"nodes:\n"
		"  - {name: x, mac: 52:54:00:00:00:01, ip: 10.0.0.5}\n";
	struct fixture f;

	if (!fixture_load(&f, yaml))
		return;
	CHECK_EQ(gen_ret(&f, "pxelinux.cfg/default", "10.9.9.9"), 0);
	CHECK_EQ(gen_ret(&f, "pxelinux.cfg/default", "10.0.0.5"), 0);
	CHECK_EQ(gen_ret(&f, "grub.cfg", "10.9.9.9"), 0);
	CHECK_EQ(gen_ret(&f, "pxelinux.cfg/01-52-54-00-00-00-01", "10.9.9.9"), 0);
	CHECK_EQ(gen_ret(&f, "boot/52:54:00:00:00:01.ipxe", "10.9.9.9"), 0);
	CHECK_EQ(gen_ret(&f, "boot/chain.ipxe", "10.9.9.9"), 1);
	CHECK_EQ(gen_ret(&f, "vmlinuz", "10.9.9.9"), 0);
	fixture_free(&f);
}

/* A template naming a variable there is none of: refused, not sent half made. */
static void file_bad_variable(void)
{
	static const char yaml[] =
		"profiles:\n"
		"  p: {kernel: vmlinuz, cmdline: \"x=${nosuch}\"}\n"
		"nodes:\n"
		"  - {name: x, mac: 52:54:00:00:00:01, profile: p}\n";
	struct fixture f;
	char *out = (char *)"untouched";
	size_t len = 0;
	struct bootgen_req r = { .path = "pxelinux.cfg/01-52-54-00-00-00-01" };
	int level = log_level;

	if (!fixture_load(&f, yaml))
		return;
	log_level = LOG_ERR;	/* the warning it logs is expected */
	CHECK_EQ(bootgen_file(&f.g, &r, &out, &len), -EINVAL);
	log_level = level;
	CHECK_STR(out, "untouched");
	fixture_free(&f);
}

/* Without http_base, iPXE and GRUB paths stay relative; the chain script names /boot/. */
static void file_no_http_base(void)
{
	struct fixture f;
	struct bootgen_req r = { .path = "grub.cfg-01-52-54-00-00-02-01" };
	char *out = NULL;
	size_t len = 0;

	if (!fixture_load(&f, yaml_main))
		return;
	CHECK_EQ(bootgen_file(&f.g, &r, &out, &len), 1);
	CHECK(out && strstr(out, "\tlinux rescue/vmlinuz initrd=initrd.img console=ttyS0"));
	CHECK(out && strstr(out, "\tinitrd rescue/initrd.img\n"));
	free(out);
	out = NULL;
	r.path = "boot/chain.ipxe";
	CHECK_EQ(bootgen_file(&f.g, &r, &out, &len), 1);
	CHECK(out && !strcmp(out, "#!ipxe\nchain --replace --autofree /boot/${mac:hexhyp}.ipxe\n"));
	free(out);
	fixture_free(&f);
}

static void mac_and_arch_strings(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF };
	char m[18], a[32];

	CHECK_STR(bootgen_mac_str(m, mac), "52:54:00:ab:cd:ef");
	CHECK_STR(bootgen_arch_str(a, DHCP_ARCH_BIOS), "00000:bios");
	CHECK_STR(bootgen_arch_str(a, DHCP_ARCH_EFI_BC), "00007:efi64");
	CHECK_STR(bootgen_arch_str(a, DHCP_ARCH_EFI_X64), "00009:efi64");
	CHECK_STR(bootgen_arch_str(a, DHCP_ARCH_EFI_ARM64), "00011:arm64");
	CHECK_STR(bootgen_arch_str(a, DHCP_ARCH_UNKNOWN), "");
}

/* The cheap first look never turns away a name bootgen_file() makes. */
static void may_make(void)
{
	static const char *const yes[] = {
		"pxelinux.cfg/01-52-54-00-00-00-01", "/bios/pxelinux.cfg/default",
		"pxelinux.cfg/0A000B01", "grub.cfg", "boot/grub/grub.cfg-01-52-54-00-00-00-01",
		"grub.cfg-0A000B01", "boot/chain.ipxe", "/boot/52:54:00:00:00:01.ipxe",
	};
	static const char *const no[] = {
		"pxelinux.0", "ldlinux.c32", "diskless/vmlinuz", "boot/initrd.img", "grub/x.mod",
		"ipxe.efi", "pxelinux.cfg",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(bootgen_may_make(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!bootgen_may_make(no[i]));
}

int main(void)
{
	RUN(profile_order);
	RUN(profile_no_rules);
	RUN(classify_paths);
	RUN(classify_mac_value);
	RUN(file_results);
	RUN(file_dotdot);
	RUN(file_exact_texts);
	RUN(vars_root_per_entry);
	RUN(vars_root_per_entry_paths);
	RUN(vars_dollar_escape);
	RUN(vars_filled);
	RUN(file_discovery);
	RUN(file_no_profiles);
	RUN(file_bad_variable);
	RUN(file_no_http_base);
	RUN(mac_and_arch_strings);
	RUN(may_make);
	return check_done();
}
