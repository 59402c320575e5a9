// SPDX-License-Identifier: MIT
/*
 * Boot configurations made per request: PXELINUX, iPXE and GRUB text for one node (or a menu of
 * profiles), written into the caller's buffer with snprintf's contract.
 *
 * Every write goes through one bounded writer (struct outbuf) that keeps counting past the end of
 * the buffer, so a second call with a buffer of the returned size gets exactly the same text. To
 * keep that promise, every change made to an expanded field either keeps its length (control
 * characters become spaces, "http://host/p" becomes "(http,host)/p") or is decided from a bounded
 * copy of the expansion, which template_expand() gives whatever the expansion's full length.
 * So a field is expanded more than once, and the lookup must give the same answer each time.
 *
 * Injection: the fields come from the config, but variable values (a host name, ...) may carry
 * anything. All three formats are line-based, so every control character in a written field,
 * expanded or not, becomes a space: no value can start a command line of its own, nor a CR or
 * a tab slip through. The loaders' other syntax passes through as it is: iPXE expands ${...}
 * and takes a whole word "||", "&&" or ";" as a command separator; GRUB parses quotes, '$' and
 * ';' in the linux line. A config author may use those on purpose; keeping them out of variable
 * values is for the config check. GRUB menu titles are always quoted, as nothing else in them
 * can be meant as syntax.
 *
 * When the timeout is 0 no menu is shown in any format and the default entry boots at once.
 */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "boot/bootcfg.h"
#include "core/ascii.h"
#include "core/outbuf.h"

#define DEFAULT_MENU_TITLE "bootherd"

/* Enough of an expansion to see a URL's scheme and host (a DNS name is at most 253 bytes). */
#define HEAD_MAX 320

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Control characters written since @from become spaces: see the top of the file. */
static void out_clean(struct outbuf *o, size_t from)
{
	for (size_t i = from; i < outbuf_held(o); i++)
		if (is_ctl((unsigned char)o->buf[i]))
			o->buf[i] = ' ';
}

/* Text from the config (a title): as it is, but for control characters. */
static void out_text(struct outbuf *o, const char *s, size_t n)
{
	size_t from = o->len;

	outbuf_put(o, s, n);
	out_clean(o, from);
}

/*
 * A label, which every format takes as one word (PXELINUX LABEL, iPXE item and goto target):
 * blanks and control characters become '_', so a bad label stays one word, the same in each
 * place it is written.
 */
static void out_label(struct outbuf *o, const char *s)
{
	size_t from = o->len;

	outbuf_str(o, s);
	for (size_t i = from; i < outbuf_held(o); i++)
		if ((unsigned char)o->buf[i] <= ' ' || o->buf[i] == 0x7f)
			o->buf[i] = '_';
}

/* http_base without its trailing slashes, to which "/path" is appended. */
static void out_base(struct outbuf *o, const char *base)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	out_text(o, base, n);
}

static const char *no_vars(void *ctx, const char *name, size_t len)
{
	return NULL;
}

static ssize_t expand(const struct bootcfg *cfg, const char *tmpl, char *buf, size_t cap,
		      const char **bad)
{
	return template_expand(buf, cap, tmpl, cfg->lookup ? cfg->lookup : no_vars,
			       cfg->lookup_ctx, bad);
}

/* Expands a template that check() has passed straight into the output. */
static void out_tmpl(struct outbuf *o, const struct bootcfg *cfg, const char *tmpl)
{
	size_t from = o->len, room = o->len < o->cap ? o->cap - o->len : 0;
	ssize_t n = expand(cfg, tmpl, room ? o->buf + o->len : o->buf, room, NULL);

	assert(n >= 0);
	o->len += (size_t)n;
	out_clean(o, from);
}

/*
 * Every template of every entry must expand, else the first that does not is reported: the same
 * answer whichever format asks, and whether or not the entry ends up in the text.
 */
static int check(const struct bootcfg *cfg, const char **bad)
{
	assert(cfg->entries && cfg->nr_entries && cfg->default_entry < cfg->nr_entries);
	for (size_t i = 0; i < cfg->nr_entries; i++) {
		const struct bootcfg_entry *e = &cfg->entries[i];
		ssize_t n;

		assert(e->label);
		if (e->localboot)
			continue;
		assert(e->kernel);
		n = expand(cfg, e->kernel, NULL, 0, bad);
		for (const char *const *p = e->initrds; n >= 0 && p && *p; p++)
			n = expand(cfg, *p, NULL, 0, bad);
		if (n >= 0 && e->cmdline)
			n = expand(cfg, e->cmdline, NULL, 0, bad);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

static const char *title_of(const struct bootcfg_entry *e)
{
	return e->title ? e->title : e->label;
}

static const char *menu_title(const struct bootcfg *cfg)
{
	return cfg->menu_title ? cfg->menu_title : DEFAULT_MENU_TITLE;
}

static bool has_initrds(const struct bootcfg_entry *e)
{
	return e->initrds && e->initrds[0];
}

/* Whether the cmdline expands to something, so that no line ends in a stray blank. */
static bool has_cmdline(const struct bootcfg *cfg, const struct bootcfg_entry *e)
{
	return e->cmdline && expand(cfg, e->cmdline, NULL, 0, NULL) > 0;
}

/* Length of the scheme of a URL ("http" of "http://..."), or 0 when @s is not a URL. */
static size_t url_scheme_len(const char *s)
{
	size_t i = 0;

	if (!is_alpha(s[0]))
		return 0;
	while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return strncmp(s + i, "://", 3) ? 0 : i;
}

/*
 * The file name (after the last '/') of the expansion of @tmpl, moved to the start of @buf;
 * 0 when there is none fit to be a name: empty, not one plain word, or too long to find the
 * last '/' of.
 */
static size_t base_name(const struct bootcfg *cfg, const char *tmpl, char buf[PATH_MAX])
{
	ssize_t n = expand(cfg, tmpl, buf, PATH_MAX, NULL);
	const char *slash;
	size_t start;

	if (n <= 0 || n >= PATH_MAX)
		return 0;
	slash = memrchr(buf, '/', (size_t)n);
	start = slash ? (size_t)(slash - buf) + 1 : 0;
	for (size_t i = start; i < (size_t)n; i++)
		if ((unsigned char)buf[i] <= ' ' || buf[i] == 0x7f)
			return 0;
	memmove(buf, buf + start, (size_t)n - start);
	buf[(size_t)n - start] = '\0';
	return (size_t)n - start;
}

/*
 * The name initrd @i goes by: "initrd=NAME" is how the kernel's EFI stub asks for it, and iPXE
 * is told the same NAME with --name. Its file name where that can serve, else "initrdN": also
 * when an earlier initrd has the same file name, as iPXE would replace that image with this one.
 * @tmp is scratch space.
 */
static size_t initrd_name(const struct bootcfg *cfg, const char *const *initrds, size_t i,
			  char name[PATH_MAX], char tmp[PATH_MAX])
{
	size_t len = base_name(cfg, initrds[i], name);

	for (size_t j = 0; len && j < i; j++)
		if (base_name(cfg, initrds[j], tmp) == len && !memcmp(tmp, name, len))
			len = 0;
	if (!len)
		len = (size_t)snprintf(name, PATH_MAX, "initrd%zu", i);
	return len;
}

/* " initrd=NAME" for each initrd, for the EFI stub; @name and @tmp are scratch space. */
static void out_initrd_names(struct outbuf *o, const struct bootcfg *cfg,
			     const struct bootcfg_entry *e, char name[PATH_MAX], char tmp[PATH_MAX])
{
	for (size_t i = 0; e->initrds && e->initrds[i]; i++) {
		size_t n = initrd_name(cfg, e->initrds, i, name, tmp);

		outbuf_str(o, " initrd=");
		outbuf_put(o, name, n);
	}
}

/* PXELINUX */

static void pxelinux_entry(struct outbuf *o, const struct bootcfg *cfg,
			   const struct bootcfg_entry *e, bool menu, bool is_default)
{
	bool cmdline = has_cmdline(cfg, e);

	outbuf_str(o, "LABEL ");
	out_label(o, e->label);
	outbuf_str(o, "\n");
	if (menu) {
		outbuf_str(o, "  MENU LABEL ");
		out_text(o, title_of(e), strlen(title_of(e)));
		outbuf_str(o, "\n");
		/* menu.c32 is the DEFAULT, so the entry it starts on is named here. */
		if (is_default)
			outbuf_str(o, "  MENU DEFAULT\n");
	}
	if (e->localboot) {
		outbuf_str(o, "  LOCALBOOT 0\n");
		return;
	}
	outbuf_str(o, "  KERNEL ");
	out_tmpl(o, cfg, e->kernel);
	outbuf_str(o, "\n");
	if (!has_initrds(e) && !cmdline)
		return;
	outbuf_str(o, "  APPEND");
	for (size_t i = 0; e->initrds && e->initrds[i]; i++) {
		outbuf_str(o, i ? "," : " initrd=");
		out_tmpl(o, cfg, e->initrds[i]);
	}
	if (cmdline) {
		outbuf_str(o, " ");
		out_tmpl(o, cfg, e->cmdline);
	}
	outbuf_str(o, "\n");
}

/*
 * With no menu, PROMPT 0 boots DEFAULT at once unless Shift or Alt is held, and then every
 * LABEL can still be typed at the boot: prompt; so all entries are written either way.
 */
ssize_t bootcfg_pxelinux(char *out, size_t cap, const struct bootcfg *cfg, const char **bad)
{
	struct outbuf o = { out, cap, 0 };
	bool menu = cfg->timeout_s > 0;
	int err = check(cfg, bad);

	if (err)
		return outbuf_end(&o, err);
	if (menu) {
		outbuf_str(&o, "DEFAULT menu.c32\nPROMPT 0\nTIMEOUT ");
		outbuf_num(&o, (unsigned long long)cfg->timeout_s * 10);
		outbuf_str(&o, "\nMENU TITLE ");
		out_text(&o, menu_title(cfg), strlen(menu_title(cfg)));
		outbuf_str(&o, "\n");
	} else {
		outbuf_str(&o, "DEFAULT ");
		out_label(&o, cfg->entries[cfg->default_entry].label);
		outbuf_str(&o, "\nPROMPT 0\n");
	}
	for (size_t i = 0; i < cfg->nr_entries; i++)
		pxelinux_entry(&o, cfg, &cfg->entries[i], menu, i == cfg->default_entry);
	return outbuf_end(&o, 0);
}

/* iPXE */

/*
 * A kernel or initrd for iPXE: a URL as it is, anything else beneath http_base. Without
 * http_base, iPXE takes a relative path relative to the script's own URL.
 */
static void out_ipxe_path(struct outbuf *o, const struct bootcfg *cfg, const char *tmpl)
{
	char head[HEAD_MAX];

	expand(cfg, tmpl, head, sizeof(head), NULL);
	if (cfg->http_base && !url_scheme_len(head)) {
		out_base(o, cfg->http_base);
		if (head[0] != '/')
			outbuf_str(o, "/");
	}
	out_tmpl(o, cfg, tmpl);
}

static void ipxe_boot(struct outbuf *o, const struct bootcfg *cfg, const struct bootcfg_entry *e)
{
	char name[PATH_MAX], tmp[PATH_MAX];

	if (e->localboot) {
		/* Ends iPXE, and the firmware goes on to its next boot device: the local disk. */
		outbuf_str(o, "exit\n");
		return;
	}
	outbuf_str(o, "kernel ");
	out_ipxe_path(o, cfg, e->kernel);
	out_initrd_names(o, cfg, e, name, tmp);
	if (has_cmdline(cfg, e)) {
		outbuf_str(o, " ");
		out_tmpl(o, cfg, e->cmdline);
	}
	outbuf_str(o, "\n");
	for (size_t i = 0; e->initrds && e->initrds[i]; i++) {
		size_t n = initrd_name(cfg, e->initrds, i, name, tmp);

		outbuf_str(o, "initrd --name ");
		outbuf_put(o, name, n);
		outbuf_str(o, " ");
		out_ipxe_path(o, cfg, e->initrds[i]);
		outbuf_str(o, "\n");
	}
	outbuf_str(o, "boot\n");
}

/*
 * A failed command (choose when the menu is escaped, a download, boot) ends an iPXE script, so
 * no section runs on into the next one.
 */
ssize_t bootcfg_ipxe(char *out, size_t cap, const struct bootcfg *cfg, const char **bad)
{
	struct outbuf o = { out, cap, 0 };
	const struct bootcfg_entry *def;
	int err = check(cfg, bad);

	if (err)
		return outbuf_end(&o, err);
	def = &cfg->entries[cfg->default_entry];
	outbuf_str(&o, "#!ipxe\n");
	if (!cfg->timeout_s) {
		ipxe_boot(&o, cfg, def);
		return outbuf_end(&o, 0);
	}
	outbuf_str(&o, "menu");
	if (*menu_title(cfg)) {
		outbuf_str(&o, " ");
		out_text(&o, menu_title(cfg), strlen(menu_title(cfg)));
	}
	outbuf_str(&o, "\n");
	for (size_t i = 0; i < cfg->nr_entries; i++) {
		const struct bootcfg_entry *e = &cfg->entries[i];

		outbuf_str(&o, "item ");
		out_label(&o, e->label);
		if (*title_of(e)) {
			outbuf_str(&o, " ");
			out_text(&o, title_of(e), strlen(title_of(e)));
		}
		outbuf_str(&o, "\n");
	}
	outbuf_str(&o, "choose --default ");
	out_label(&o, def->label);
	outbuf_str(&o, " --timeout ");
	outbuf_num(&o, (unsigned long long)cfg->timeout_s * 1000);
	outbuf_str(&o, " target && goto ${target}\n");
	for (size_t i = 0; i < cfg->nr_entries; i++) {
		outbuf_str(&o, ":");
		out_label(&o, cfg->entries[i].label);
		outbuf_str(&o, "\n");
		ipxe_boot(&o, cfg, &cfg->entries[i]);
	}
	return outbuf_end(&o, 0);
}

ssize_t bootcfg_ipxe_chain(char *out, size_t cap, const char *http_base)
{
	struct outbuf o = { out, cap, 0 };

	/* Without a base, "/boot/..." still names the route on the server the script came from. */
	outbuf_str(&o, "#!ipxe\nchain --replace --autofree ");
	if (http_base)
		out_base(&o, http_base);
	outbuf_str(&o, "/boot/${mac:hexhyp}.ipxe\n");
	return outbuf_end(&o, 0);
}

/* GRUB */

/* The parts of an "http://HOST[:PORT][/PATH]" base, for "(http,HOST:PORT)/PATH". */
static bool grub_base(const char *base, const char **host, size_t *host_len, const char **path,
		      size_t *path_len)
{
	const char *slash;

	if (!base || strlen(base) < 7 || !ascii_caseeq(base, 7, "http://", 7))
		return false;
	*host = base + 7;
	slash = strchr(*host, '/');
	*host_len = slash ? (size_t)(slash - *host) : strlen(*host);
	if (!*host_len)
		return false;
	*path = *host + *host_len;
	*path_len = strlen(*path);
	while (*path_len && (*path)[*path_len - 1] == '/')
		(*path_len)--;
	return true;
}

/*
 * A URL as GRUB names a file: "http://host:port/p" is "(http,host:port)/p". The two have the
 * same length, so the URL already written at @from is rewritten where it lies, from @head (its
 * first bytes, @len the full length). Only http and tftp, GRUB's network protocols; any other
 * URL, or one whose host does not end within @head, is left for GRUB to reject.
 */
static void grub_rewrite_url(struct outbuf *o, size_t from, const char *head, size_t len)
{
	size_t sl = url_scheme_len(head), end, lim;
	const char *slash = strchr(head + sl + 3, '/');
	char *p;

	if (!ascii_caseeq(head, sl, "http", 4) && !ascii_caseeq(head, sl, "tftp", 4))
		return;
	if (slash)
		end = (size_t)(slash - head);
	else if (len < HEAD_MAX)
		end = len;
	else
		return;
	if (outbuf_held(o) <= from)
		return;
	lim = outbuf_held(o) - from;
	p = o->buf + from;
	for (size_t k = 0; k < end && k < lim; k++) {
		if (k == 0)
			p[k] = '(';
		else if (k <= sl)
			p[k] = to_lower(head[k - 1]);
		else if (k == sl + 1)
			p[k] = ',';
		else if (k == end - 1)
			p[k] = ')';
		else
			p[k] = head[k + 1];
	}
	out_clean(o, from);
}

/*
 * A kernel or initrd for GRUB: relative paths beneath http_base when it is an http:// URL (GRUB
 * speaks no https), else left relative, which GRUB's TFTP takes relative to the server's root.
 */
static void out_grub_path(struct outbuf *o, const struct bootcfg *cfg, const char *tmpl)
{
	const char *host, *path;
	size_t host_len, path_len, from;
	char head[HEAD_MAX];
	ssize_t n = expand(cfg, tmpl, head, sizeof(head), NULL);
	bool url = url_scheme_len(head) > 0;

	if (!url && grub_base(cfg->http_base, &host, &host_len, &path, &path_len)) {
		outbuf_str(o, "(http,");
		out_text(o, host, host_len);
		outbuf_str(o, ")");
		out_text(o, path, path_len);
		if (head[0] != '/')
			outbuf_str(o, "/");
	}
	from = o->len;
	out_tmpl(o, cfg, tmpl);
	if (url)
		grub_rewrite_url(o, from, head, (size_t)n);
}

/* GRUB's word for @s: as it is when nothing in it is GRUB syntax, else single-quoted. */
static void out_grub_word(struct outbuf *o, const char *s, bool always_quote)
{
	bool plain = *s && !always_quote;

	for (const char *p = s; plain && *p; p++)
		plain = is_alpha(*p) || is_digit(*p) || strchr("._-+:,/@=%", *p);
	if (plain) {
		outbuf_str(o, s);
		return;
	}
	outbuf_str(o, "'");
	for (const char *p = s; *p; p++) {
		/* Nothing is special inside single quotes: a quote closes, escapes, reopens. */
		if (*p == '\'')
			outbuf_str(o, "'\\''");
		else
			out_text(o, p, 1);
	}
	outbuf_str(o, "'");
}

static void grub_entry(struct outbuf *o, const struct bootcfg *cfg, const struct bootcfg_entry *e)
{
	char name[PATH_MAX], tmp[PATH_MAX];

	outbuf_str(o, "menuentry ");
	out_grub_word(o, title_of(e), true);
	outbuf_str(o, " --id ");
	out_grub_word(o, e->label, false);
	outbuf_str(o, " {\n");
	if (e->localboot) {
		/* Back to the firmware, which goes on to its next boot option. */
		outbuf_str(o, "\texit\n}\n");
		return;
	}
	outbuf_str(o, "\tlinux ");
	out_grub_path(o, cfg, e->kernel);
	out_initrd_names(o, cfg, e, name, tmp);
	if (has_cmdline(cfg, e)) {
		outbuf_str(o, " ");
		out_tmpl(o, cfg, e->cmdline);
	}
	outbuf_str(o, "\n");
	if (has_initrds(e)) {
		outbuf_str(o, "\tinitrd");
		for (size_t i = 0; e->initrds[i]; i++) {
			outbuf_str(o, " ");
			out_grub_path(o, cfg, e->initrds[i]);
		}
		outbuf_str(o, "\n");
	}
	outbuf_str(o, "}\n");
}

/* GRUB's timeout=0 boots the default without showing the menu, as the struct asks. */
ssize_t bootcfg_grub(char *out, size_t cap, const struct bootcfg *cfg, const char **bad)
{
	struct outbuf o = { out, cap, 0 };
	int err = check(cfg, bad);

	if (err)
		return outbuf_end(&o, err);
	outbuf_str(&o, "set default=");
	outbuf_num(&o, cfg->default_entry);
	outbuf_str(&o, "\nset timeout=");
	outbuf_num(&o, cfg->timeout_s);
	outbuf_str(&o, "\n");
	for (size_t i = 0; i < cfg->nr_entries; i++)
		grub_entry(&o, cfg, &cfg->entries[i]);
	return outbuf_end(&o, 0);
}

/* pxelinux.cfg/ names */

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_hexval(s[i]) < 0)
			return false;
	return true;
}

static int hex_byte(const char *s)
{
	int hi = ascii_hexval(s[0]), lo = ascii_hexval(s[1]);

	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

/* "01-aa-bb-cc-dd-ee-ff": ARP hardware type 1 (Ethernet), then the MAC. */
static bool parse_mac_name(const char *name, size_t len, unsigned char mac[6])
{
	unsigned char m[6];

	if (len != 20 || strncmp(name, "01", 2))
		return false;
	for (size_t i = 0; i < 6; i++) {
		const char *g = name + 2 + 3 * i;
		int b = hex_byte(g + 1);

		if (g[0] != '-' || b < 0)
			return false;
		m[i] = (unsigned char)b;
	}
	if (mac)
		memcpy(mac, m, sizeof(m));
	return true;
}

/* 8-4-4-4-12 hex digits. */
static bool is_uuid(const char *name, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? name[i] != '-' : ascii_hexval(name[i]) < 0)
			return false;
	}
	return true;
}

/*
 * PXELINUX asks for the MAC form in lower case, the IP prefixes in upper case and the UUID in
 * lower case; the other case is taken too, as some TFTP clients and hand-made names differ.
 * Any of the output pointers may be NULL; they are written only for the form returned.
 */
int bootcfg_pxelinux_name(const char *name, unsigned char mac[6], unsigned *hexip,
			  unsigned *hexlen, char uuid[37])
{
	size_t len;

	if (!name)
		return 0;
	len = strlen(name);
	if (parse_mac_name(name, len, mac))
		return 1;
	if (len >= 1 && len <= 8 && all_hex(name, len)) {
		unsigned v = 0;

		for (size_t i = 0; i < len; i++)
			v = v << 4 | (unsigned)ascii_hexval(name[i]);
		if (hexip)
			*hexip = v;
		if (hexlen)
			*hexlen = (unsigned)len;
		return 2;
	}
	if (!strcmp(name, "default"))
		return 3;
	if (is_uuid(name, len)) {
		if (uuid) {
			for (size_t i = 0; i < len; i++)
				uuid[i] = to_lower(name[i]);
			uuid[len] = '\0';
		}
		return 4;
	}
	return 0;
}
