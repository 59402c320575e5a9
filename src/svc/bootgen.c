// SPDX-License-Identifier: MIT
/*
 * Boot decisions and generated boot configs. The generators themselves (text formats) are in
 * src/boot/bootcfg.c; this file picks the node and profile(s) and fills the variables.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg.h"
#include "conf/conf.h"
#include "core/ascii.h"
#include "core/log.h"
#include "match/match.h"
#include "proto/dhcp_wire.h"
#include "svc/bootgen.h"
#include "svc/server.h"

/* Menus longer than this are cut: a boot menu of thousands of profiles helps nobody. */
#define MENU_MAX 64
#define INITRD_MAX 16
#define DISCOVERY_TIMEOUT_S 10

struct match_set *bootgen_compile(const struct conf *c, FILE *err, int *ret)
{
	struct match_rule *rules;
	struct match_set *s;

	*ret = 0;
	if (!c->nr_rules)
		return NULL;
	rules = calloc(c->nr_rules, sizeof(*rules));
	if (!rules) {
		*ret = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < c->nr_rules; i++) {
		for (int f = 0; f < MATCH_NR_FIELDS; f++)
			rules[i].pattern[f] = c->rules[i].pattern[f];
		rules[i].caseless = c->rules[i].caseless;
		rules[i].line = c->rules[i].line;
	}
	s = match_compile(rules, c->nr_rules, c->source, err);
	if (!s)
		*ret = errno ? -errno : -EINVAL;
	free(rules);
	return s;
}

unsigned bootgen_check(const struct conf *c, FILE *out, unsigned *warnings)
{
	struct match_rule *rules;
	struct match_set *set;
	int ret;

	set = bootgen_compile(c, out, &ret);
	if (ret)
		return 1;
	if (set) {
		rules = calloc(c->nr_rules, sizeof(*rules));
		if (!rules) {
			match_free(set);
			return 1;
		}
		for (size_t i = 0; i < c->nr_rules; i++) {
			for (int f = 0; f < MATCH_NR_FIELDS; f++)
				rules[i].pattern[f] = c->rules[i].pattern[f];
			rules[i].caseless = c->rules[i].caseless;
			rules[i].line = c->rules[i].line;
		}
		*warnings += match_check(set, rules, c->nr_rules, c->source, out);
		free(rules);
	}
	for (size_t i = 0; i < c->nr_nodes; i++) {
		const struct conf_node *nd = &c->nodes[i];
		struct match_input in = { 0 };
		char mac[18];
		bool reached = conf_node_profile(c, nd) != NULL;

		for (size_t j = 0; !reached && set && j < nd->nr_macs; j++) {
			in.field[MATCH_MAC] = bootgen_mac_str(mac, nd->macs[j]);
			in.len[MATCH_MAC] = 17;
			in.field[MATCH_HOSTNAME] = nd->name;
			in.len[MATCH_HOSTNAME] = strlen(nd->name);
			reached = match_first(set, &in) >= 0;
		}
		if (!reached) {
			fprintf(out, "%s:%u: warning: node '%s' has no profile: none of its own or its "
				"group's, and no rule matches its MAC or name (it gets an address but "
				"no boot config unless a rule on DHCP fields picks one)\n", c->source,
				nd->line, nd->name);
			(*warnings)++;
		}
	}
	match_free(set);
	return 0;
}

const struct conf_profile *bootgen_profile(const struct server_gen *g,
					   const struct conf_node *node,
					   const struct match_input *in, unsigned *rule)
{
	const struct conf *c = g->conf;
	const struct conf_profile *own = node ? conf_node_profile(c, node) : NULL;
	int r = -1;

	if (rule)
		*rule = 0;
	if (in && g->match)
		r = match_first(g->match, in);
	if (r >= 0 && (!own || c->rules[r].override)) {
		if (rule)
			*rule = (unsigned)r + 1;
		return conf_profile_by_name(c, c->rules[r].profile);
	}
	return own;
}

char *bootgen_mac_str(char buf[static 18], const uint8_t mac[6])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

const char *bootgen_arch_str(char buf[static 32], unsigned arch)
{
	const char *name;

	switch (arch) {
	case DHCP_ARCH_BIOS: name = "bios"; break;
	case DHCP_ARCH_EFI_IA32: name = "efi32"; break;
	case DHCP_ARCH_EFI_BC:
	case DHCP_ARCH_EFI_X64: name = "efi64"; break;
	case DHCP_ARCH_EFI_ARM32: name = "arm32"; break;
	case DHCP_ARCH_EFI_ARM64: name = "arm64"; break;
	case DHCP_ARCH_EFI_X64_HTTP: name = "http-efi64"; break;
	case DHCP_ARCH_EFI_ARM64_HTTP: name = "http-arm64"; break;
	case DHCP_ARCH_UNKNOWN: buf[0] = '\0'; return buf;
	default: name = "other"; break;
	}
	snprintf(buf, 32, "%05u:%s", arch, name);
	return buf;
}

/* --- variables */

/* The profile's root:, else its image's directory (as `bootherd roots` exports it). */
static const char *var_root(struct bootgen_vars *v)
{
	const struct conf_profile *p = v->profile;
	const char *base = v->conf && v->conf->diskless.base ? v->conf->diskless.base :
							       "/srv/diskless";
	size_t blen = strlen(base);
	int n;

	if (!p)
		return "";
	if (p->root)
		return p->root;
	if (!p->image)
		return "";
	while (blen > 1 && base[blen - 1] == '/')
		blen--;
	n = snprintf(v->root, sizeof(v->root), "%.*s/%s", (int)blen, base, p->image);
	return n > 0 && (size_t)n < sizeof(v->root) ? v->root : "";
}

const char *bootgen_var_lookup(void *ctx, const char *name, size_t len)
{
	struct bootgen_vars *v = ctx;

#define IS(s) (len == sizeof(s) - 1 && !memcmp(name, s, len))
	if (IS("server"))
		return v->server;
	if (IS("ip"))
		return v->ip;
	if (IS("mac"))
		return v->mac;
	if (IS("hostname"))
		return v->hostname;
	if (IS("http_port"))
		return v->http_port;
	if (IS("root"))
		return var_root(v);
#undef IS
	return NULL;
}

/* --- which config */

enum kind {
	KIND_PXELINUX = 0,
	KIND_GRUB = 1,
	KIND_IPXE = 2,
};

/* The node a file name or the client's address names. */
struct target {
	const struct conf_node *node;
	bool have_mac;
	uint8_t mac[6];
	bool by_name;           /* the name said which client (MAC or full IP) */
	bool menu_ok;           /* a menu of everything is a sensible answer */
};

static const struct conf_node *node_by_ip(const struct conf *c, struct in_addr ip)
{
	for (size_t i = 0; i < c->nr_nodes; i++)
		if (c->nodes[i].has_ip && c->nodes[i].ip.s_addr == ip.s_addr)
			return &c->nodes[i];
	return NULL;
}

/* "52-54-00-ab-cd-ef", "52:54:00:ab:cd:ef" or "525400abcdef". */
static bool parse_mac_any(const char *s, size_t len, uint8_t mac[6])
{
	size_t step = len == 12 ? 2 : 3;

	if (len != 12 && len != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		const char *p = s + (size_t)i * step;
		int hi = ascii_hexval(p[0]), lo = ascii_hexval(p[1]);

		if (hi < 0 || lo < 0)
			return false;
		if (step == 3 && i < 5 && p[2] != ':' && p[2] != '-')
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Fills @t from a PXELINUX-style name ("01-<mac>", "<HEXIP>", "default"); false: not ours. */
static int pxe_name(const struct conf *c, const char *name, struct target *t)
{
	unsigned hexip = 0, hexlen = 0;
	char uuid[37];
	int kind = bootcfg_pxelinux_name(name, t->mac, &hexip, &hexlen, uuid);

	switch (kind) {
	case 1:
		t->have_mac = t->by_name = true;
		t->node = conf_node_by_mac(c, t->mac);
		return 1;
	case 2:
		/* Only the full address names a node; shorter prefixes would be subnet files. */
		if (hexlen == 8)
			t->node = node_by_ip(c, (struct in_addr){ htonl(hexip) });
		t->by_name = true;
		return 1;
	case 3:
		t->menu_ok = true;
		return 1;
	case 4:
		t->by_name = true;
		return 1;
	default:
		return 0;
	}
}

/* Which generated file @path is, if any; fills @t. */
static int classify(const struct conf *c, const char *path, struct target *t, enum kind *kind)
{
	const char *base = strrchr(path, '/'), *dir_end;
	size_t n;

	base = base ? base + 1 : path;
	memset(t, 0, sizeof(*t));
	dir_end = base > path ? base - 1 : path;
	/* .../pxelinux.cfg/NAME */
	if (dir_end - path >= 12 && !memcmp(dir_end - 12, "pxelinux.cfg", 12) &&
	    (dir_end - 12 == path || dir_end[-13] == '/')) {
		*kind = KIND_PXELINUX;
		return pxe_name(c, base, t);
	}
	if (!strcmp(base, "grub.cfg")) {
		*kind = KIND_GRUB;
		t->menu_ok = true;
		return 1;
	}
	if (!strncmp(base, "grub.cfg-", 9)) {
		*kind = KIND_GRUB;
		return pxe_name(c, base + 9, t) && !t->menu_ok;
	}
	/* boot/NAME.ipxe */
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".ipxe") && dir_end - path >= 4 &&
	    !memcmp(dir_end - 4, "boot", 4) && (dir_end - 4 == path || dir_end[-5] == '/')) {
		*kind = KIND_IPXE;
		if (n == 10 && !memcmp(base, "chain", 5))
			return 2;
		if (!parse_mac_any(base, n - 5, t->mac))
			return 0;
		t->have_mac = t->by_name = t->menu_ok = true;
		t->node = conf_node_by_mac(c, t->mac);
		return 1;
	}
	return 0;
}

/* --- building */

struct built {
	struct bootcfg_entry entries[MENU_MAX];
	const char *initrds[MENU_MAX][INITRD_MAX + 1];
	char *owned[MENU_MAX * (INITRD_MAX + 2)];
	size_t n, nr_owned;
};

/*
 * Expands @tmpl with the node's variables and the entry's own profile (${root} belongs to the
 * entry, the rest to the node), then doubles every '$' so the generator's own expansion gives
 * the text back unchanged. A template that does not expand is left as written, for the
 * generator to report.
 */
static const char *entry_text(struct built *b, const struct bootgen_vars *node_vars,
			      const struct conf_profile *p, const char *tmpl)
{
	struct bootgen_vars v = *node_vars;
	ssize_t n;
	size_t dollars = 0, j = 0;
	char *exp, *esc;

	if (!tmpl || !strchr(tmpl, '$') || b->nr_owned >= sizeof(b->owned) / sizeof(b->owned[0]))
		return tmpl;
	v.profile = p;
	n = template_expand(NULL, 0, tmpl, bootgen_var_lookup, &v, NULL);
	if (n < 0)
		return tmpl;
	exp = malloc((size_t)n + 1);
	if (!exp)
		return tmpl;
	template_expand(exp, (size_t)n + 1, tmpl, bootgen_var_lookup, &v, NULL);
	for (const char *q = exp; *q; q++)
		dollars += *q == '$';
	esc = malloc((size_t)n + dollars + 1);
	if (!esc) {
		free(exp);
		return tmpl;
	}
	for (const char *q = exp; *q; q++) {
		esc[j++] = *q;
		if (*q == '$')
			esc[j++] = '$';
	}
	esc[j] = '\0';
	free(exp);
	b->owned[b->nr_owned++] = esc;
	return esc;
}

/* Does @cmdline have a root= argument of its own (a word starting "root=")? */
static bool has_root_arg(const char *cmdline)
{
	for (const char *q = cmdline; q && (q = strstr(q, "root=")); q += 5)
		if (q == cmdline || q[-1] == ' ' || q[-1] == '\t')
			return true;
	return false;
}

/*
 * The entry's command line. A profile with an image: and no root= of its own boots the image
 * over NFS: root=nfs:SERVER:PATH:OPTS is what dracut and initramfs-tools both read, with the
 * options `bootherd roots` writes into the image's fstab.
 */
static const char *entry_cmdline(struct built *b, const struct bootgen_vars *v,
				 const struct conf_profile *p)
{
	const struct conf *c = v->conf;
	const char *opts = c && c->diskless.nfs_options && *c->diskless.nfs_options ?
			   c->diskless.nfs_options : "vers=3";
	const char *cmd = p->cmdline ? p->cmdline : "";
	size_t len = strlen(cmd), j;
	char *tmpl;

	/* Two slots: this template and entry_text()'s expansion of it. */
	if (!p->image || has_root_arg(cmd) ||
	    b->nr_owned + 2 > sizeof(b->owned) / sizeof(b->owned[0]))
		return entry_text(b, v, p, p->cmdline);
	tmpl = malloc(len + 2 * strlen(opts) + 64);
	if (!tmpl)
		return entry_text(b, v, p, p->cmdline);
	j = (size_t)sprintf(tmpl, "%s%sroot=nfs:${server}:${root}:", cmd, len ? " " : "");
	/* The options are text, not a template: a '$' in them stays one. */
	for (const char *q = opts; *q; q++) {
		tmpl[j++] = *q;
		if (*q == '$')
			tmpl[j++] = '$';
	}
	strcpy(tmpl + j, " ip=dhcp");
	b->owned[b->nr_owned++] = tmpl;
	return entry_text(b, v, p, tmpl);
}

static void add_entry(struct built *b, const struct bootgen_vars *v, const struct conf_profile *p)
{
	struct bootcfg_entry *e;
	size_t k;

	if (b->n >= MENU_MAX)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (b->entries[i].label == (p->label ? p->label : p->name))
			return;
	e = &b->entries[b->n];
	for (k = 0; k < p->nr_initrds && k < INITRD_MAX; k++)
		b->initrds[b->n][k] = entry_text(b, v, p, p->initrds[k]);
	b->initrds[b->n][k] = NULL;
	*e = (struct bootcfg_entry){
		.label = p->label ? p->label : p->name,
		.title = p->title,
		.kernel = entry_text(b, v, p, p->kernel),
		.initrds = b->initrds[b->n],
		.cmdline = entry_cmdline(b, v, p),
		.localboot = p->localboot,
	};
	b->n++;
}

static ssize_t render(enum kind kind, char *out, size_t cap, const struct bootcfg *cfg,
		      const char **bad)
{
	switch (kind) {
	case KIND_PXELINUX:
		return bootcfg_pxelinux(out, cap, cfg, bad);
	case KIND_GRUB:
		return bootcfg_grub(out, cap, cfg, bad);
	default:
		return bootcfg_ipxe(out, cap, cfg, bad);
	}
}

/* Renders into a malloc'd buffer, growing it once if the first guess was short. */
static int render_alloc(enum kind kind, const struct bootcfg *cfg, char **out, size_t *len)
{
	size_t cap = 4096;
	const char *bad = NULL;

	for (int tries = 0; tries < 2; tries++) {
		char *buf = malloc(cap);
		ssize_t n;

		if (!buf)
			return -ENOMEM;
		n = render(kind, buf, cap, cfg, &bad);
		if (n < 0) {
			pr_ratelimited(LOG_WARN, "boot config: unknown variable at '%.24s'",
				       bad ? bad : "?");
			free(buf);
			return -EINVAL;
		}
		if ((size_t)n < cap) {
			*out = buf;
			*len = (size_t)n;
			return 1;
		}
		free(buf);
		cap = (size_t)n + 1;
	}
	return -ENOMEM;
}

bool bootgen_may_make(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	return strstr(path, "pxelinux.cfg/") || !strncmp(base, "grub.cfg", 8) ||
	       (n > 5 && !strcmp(base + n - 5, ".ipxe"));
}

int bootgen_file(const struct server_gen *g, const struct bootgen_req *req, char **out,
		 size_t *len)
{
	const struct conf *c = g->conf;
	const struct conf_profile *p = NULL;
	const char *path = req->path;
	struct match_input in = { 0 };
	struct built *b;
	struct target t;
	struct bootgen_vars v = { .hostname = "", .conf = c };
	struct bootcfg cfg = { 0 };
	enum kind kind = KIND_PXELINUX;
	int ret;

	while (*path == '/')
		path++;
	ret = classify(c, path, &t, &kind);
	if (!ret)
		return 0;
	if (ret == 2) {
		char buf[512];
		ssize_t n = bootcfg_ipxe_chain(buf, sizeof(buf), req->http_base);

		if (n < 0 || (size_t)n >= sizeof(buf))
			return -EINVAL;
		*out = strdup(buf);
		*len = (size_t)n;
		return *out ? 1 : -ENOMEM;
	}
	/* default, grub.cfg: the client's own address may still name it. */
	if (!t.node && !t.by_name)
		t.node = node_by_ip(c, req->peer);
	if (t.node && !t.have_mac && t.node->nr_macs) {
		memcpy(t.mac, t.node->macs[0], 6);
		t.have_mac = true;
	}
	if (t.have_mac) {
		bootgen_mac_str(v.mac, t.mac);
		in.field[MATCH_MAC] = v.mac;
		in.len[MATCH_MAC] = 17;
	}
	if (t.node) {
		in.field[MATCH_HOSTNAME] = t.node->name;
		in.len[MATCH_HOSTNAME] = strlen(t.node->name);
	}
	if (t.node || t.have_mac)
		p = bootgen_profile(g, t.node, &in, NULL);
	/*
	 * Nothing to make: let the disk answer, so a hand-written pxelinux.cfg/default (or a
	 * file for one odd node) still works, and PXELINUX sees "not found" when there is none.
	 */
	if (!p && !(t.menu_ok && c->nr_profiles))
		return 0;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	v.profile = p ? p : &c->profiles[0];
	v.hostname = t.node ? t.node->name : "";
	inet_ntop(AF_INET, &req->server, v.server, sizeof(v.server));
	inet_ntop(AF_INET, t.node && t.node->has_ip ? &t.node->ip : &req->peer, v.ip,
		  sizeof(v.ip));
	snprintf(v.http_port, sizeof(v.http_port), "%u", c->http.port);
	if (p) {
		/* The node's profile first (the default), then its menu. */
		add_entry(b, &v, p);
		for (size_t i = 0; i < p->nr_menu; i++) {
			const struct conf_profile *m = conf_profile_by_name(c, p->menu[i]);

			if (m)
				add_entry(b, &v, m);
		}
		cfg.timeout_s = p->timeout;
	} else {
		/* Discovery: nobody we know; offer every profile and boot the first. */
		for (size_t i = 0; i < c->nr_profiles; i++)
			add_entry(b, &v, &c->profiles[i]);
		cfg.timeout_s = DISCOVERY_TIMEOUT_S;
	}
	cfg.entries = b->entries;
	cfg.nr_entries = b->n;
	cfg.default_entry = 0;
	cfg.menu_title = t.node ? t.node->name : "bootherd";
	cfg.http_base = req->http_base;
	cfg.lookup = bootgen_var_lookup;
	cfg.lookup_ctx = &v;
	ret = render_alloc(kind, &cfg, out, len);
	for (size_t i = 0; i < b->nr_owned; i++)
		free(b->owned[i]);
	free(b);
	return ret;
}
