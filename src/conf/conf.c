// SPDX-License-Identifier: MIT
/*
 * Configuration loader. The YAML is composed whole into a libyaml document, so every node keeps
 * its line and column, and then walked by the schema tables further down: one table per
 * mapping, one entry per key giving its type, where the value goes, its range and its default.
 * A new key or section is a table entry, not new parsing code. The walk reports an error and
 * carries on, so one run of `bootherd check` shows every mistake in a file.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "core/ascii.h"
#include "conf/conf.h"
#include "core/log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The schema needs three levels (top, section or list, item); anything much deeper is a
 * mistake, and libyaml's composer recurses once per level, so a hostile file of a million '['
 * would otherwise exhaust the stack before we see a single node.
 */
#define CONF_MAX_DEPTH 32

/* A configuration file is an inventory, not a data set; past this it is surely the wrong file. */
#define CONF_MAX_FILE (64u << 20)

/* Room for a quoted excerpt of user text in a diagnostic (see excerpt()). */
#define EXCERPT_MAX 48
#define EXCERPT_KEEP 40

/* Room for a key path such as "profiles.diskless.kernel" or "nodes[1234].mac". */
#define PATH_MAX_LEN 128

const char conf_default_yaml[] =
	"# bootherd built-in defaults: loopback and unprivileged ports, no roots.\n"
	"listen: 127.0.0.1\n"
	"log:\n"
	"  level: info\n"
	"tftp:\n"
	"  port: 6969\n"
	"http:\n"
	"  port: 8080\n";

struct conf_parse {
	const char *name;       /* file name for diagnostics */
	FILE *err;              /* where diagnostics go; NULL counts them silently */
	yaml_document_t *doc;
	unsigned errors;
};

struct conf_key;
struct conf_section;

/*
 * A value type. parse() reads @val into the field @k describes inside @base; it reports bad
 * input itself (and returns 0, so the walk goes on) and returns a negative errno only when it
 * cannot go on (-ENOMEM). init() stores the default, release() frees what parse() allocated.
 */
struct conf_type {
	const char *what;       /* completes "expected ..." */
	int (*parse)(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		     void *base, const char *path);
	void (*init)(const struct conf_key *k, void *base);
	void (*release)(const struct conf_key *k, void *base);
};

struct conf_key {
	const char *name;
	const struct conf_type *type;
	size_t offset;          /* of the field in the struct being filled */
	size_t size;            /* of the field: integers are stored at their own width */
	uint64_t min, max;      /* inclusive range of integers and sizes */
	uint64_t def;           /* default of integers, sizes, booleans, levels, addresses */
	size_t present;         /* 1 + offset of a bool set when the key is given; 0: none */
	size_t count;           /* lists: offset of the size_t item count */
	bool required;
	const struct conf_section *sub; /* sections and lists: the mapping inside */
	const char *const *names;       /* enums: the accepted words, NULL-terminated */
};

/* The keys of one mapping and, for the items of a list, what each item is. */
struct conf_section {
	const struct conf_key *keys;
	size_t nr_keys;
	size_t item_size;
	size_t line_off;        /* of the item's `unsigned line` */
	size_t name_off;        /* named lists: of the item's `char *name` (the mapping key) */
	/* Runs after an item's keys are read, for defaults that allocate and cross-key checks. */
	int (*finish)(struct conf_parse *p, void *item, const yaml_node_t *node, const char *path);
};

#define FIELD(type, member) \
	.offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define PRESENT(type, member) .present = offsetof(type, member) + 1
#define SECTION(k) .keys = (k), .nr_keys = ARRAY_SIZE(k)

static void __attribute__((format(printf, 3, 4)))
parse_error(struct conf_parse *p, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (!p->err)
		return;
	fprintf(p->err, "%s:%zu:%zu: ", p->name, mark->line + 1, mark->column + 1);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

/*
 * Quotes user text in a diagnostic: at most EXCERPT_KEEP bytes and control bytes shown as '?',
 * so a binary or huge value can neither flood nor garble the terminal.
 */
static const char *excerpt(char buf[static EXCERPT_MAX], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < EXCERPT_KEEP; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (s[i])
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

static void *field_of(const struct conf_key *k, void *base)
{
	return (char *)base + k->offset;
}

/* YAML's null: an empty plain scalar (`key:`), `~` or `null`; an empty section or list. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return is_null(n) ? "an empty value" : "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* The text of a scalar, or NULL after reporting why @n is not the @what expected. */
static const char *scalar(struct conf_parse *p, const yaml_node_t *n, const char *path,
			  const char *what)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		parse_error(p, &n->start_mark, "%s: expected %s, got %s", path, what, node_kind(n));
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	/* A "\0" escape would silently cut every string we copy with strdup(). */
	if (strlen(v) != n->data.scalar.length) {
		parse_error(p, &n->start_mark, "%s: value contains a NUL byte", path);
		return NULL;
	}
	return v;
}

static const char *range_text(char *buf, size_t size, const struct conf_key *k)
{
	if (k->max == UINT64_MAX)
		snprintf(buf, size, "at least %" PRIu64, k->min);
	else
		snprintf(buf, size, "%" PRIu64 "..%" PRIu64, k->min, k->max);
	return buf;
}

/*
 * Decimal digits only: YAML 1.1's octal (010), hex and base-60 (1:30) integers are more often
 * typos than intent in a config file. Returns the end of the digits, or NULL if there are none;
 * on overflow the digits are still consumed so the caller can tell "too big" from "not a number".
 */
static const char *scan_u64(const char *s, uint64_t *v, bool *overflow)
{
	const char *c;
	uint64_t n = 0;

	*overflow = false;
	for (c = s; *c >= '0' && *c <= '9'; c++) {
		unsigned d = (unsigned)(*c - '0');

		if (n > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			n = n * 10 + d;
	}
	*v = n;
	return c == s ? NULL : c;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)field = (uint32_t)v;
		break;
	case 8:
		*(uint64_t *)field = v;
		break;
	default:
		assert(!"integer field of unexpected width");
	}
}

static void init_uint(const struct conf_key *k, void *base)
{
	store_uint(field_of(k, base), k->size, k->def);
}

static int check_range(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		       const char *path, const char *text, uint64_t v, bool neg)
{
	char q[EXCERPT_MAX], r[64];

	if ((neg && v) || v < k->min || v > k->max) {
		parse_error(p, &val->start_mark, "%s: %s is out of range (%s)", path,
			    excerpt(q, text), range_text(r, sizeof(r), k));
		return -ERANGE;
	}
	return 0;
}

static int parse_uint(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	const char *v, *s, *end;
	char q[EXCERPT_MAX];
	bool neg, overflow;
	uint64_t n;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	s = v;
	neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	end = scan_u64(s, &n, &overflow);
	if (!end || *end) {
		parse_error(p, &val->start_mark, "%s: expected %s, got '%s'", path, k->type->what,
			    excerpt(q, v));
		return 0;
	}
	if (overflow) {
		parse_error(p, &val->start_mark, "%s: integer overflow in '%s'", path,
			    excerpt(q, v));
		return 0;
	}
	if (!check_range(p, k, val, path, v, n, neg))
		store_uint(field_of(k, base), k->size, n);
	return 0;
}

/* Sizes are in bytes; both spellings of each unit are 1024-based, as memory sizes always are. */
static const struct {
	const char *unit;
	unsigned shift;
} size_units[] = {
	{ "", 0 },   { "K", 10 },   { "M", 20 },   { "G", 30 },
	{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 },
};

static int parse_size(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	const char *v, *end;
	char q[EXCERPT_MAX];
	bool overflow;
	uint64_t n;
	size_t i;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	end = scan_u64(v, &n, &overflow);
	if (!end)
		goto bad;
	while (*end == ' ')
		end++;
	for (i = 0; i < ARRAY_SIZE(size_units); i++)
		if (!strcasecmp(end, size_units[i].unit))
			break;
	if (i == ARRAY_SIZE(size_units))
		goto bad;
	if (overflow || n > UINT64_MAX >> size_units[i].shift) {
		parse_error(p, &val->start_mark, "%s: integer overflow in '%s'", path,
			    excerpt(q, v));
		return 0;
	}
	n <<= size_units[i].shift;
	if (!check_range(p, k, val, path, v, n, false))
		store_uint(field_of(k, base), k->size, n);
	return 0;
bad:
	parse_error(p, &val->start_mark,
		    "%s: invalid size '%s' (expected an integer with an optional K, M, G, KiB, MiB "
		    "or GiB suffix)", path, excerpt(q, v));
	return 0;
}

/* YAML 1.1's spellings, which is what people write in config files. */
static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{ "true", true }, { "false", false }, { "yes", true },
	{ "no", false },  { "on", true },     { "off", false },
};

static void init_bool(const struct conf_key *k, void *base)
{
	*(bool *)field_of(k, base) = k->def;
}

static int parse_bool(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	char q[EXCERPT_MAX];
	const char *v;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(bool_words); i++) {
		if (!strcasecmp(v, bool_words[i].word)) {
			*(bool *)field_of(k, base) = bool_words[i].value;
			return 0;
		}
	}
	parse_error(p, &val->start_mark, "%s: expected %s, got '%s'", path, k->type->what,
		    excerpt(q, v));
	return 0;
}

static int set_str(const struct conf_key *k, void *base, const char *v)
{
	char **f = field_of(k, base);
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*f);
	*f = s;
	return 0;
}

static void release_str(const struct conf_key *k, void *base)
{
	char **f = field_of(k, base);

	free(*f);
	*f = NULL;
}

static int parse_str(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		     void *base, const char *path)
{
	const char *v = scalar(p, val, path, k->type->what);

	return v ? set_str(k, base, v) : 0;
}

/* A name is what other entries refer to; an empty one could only match by accident. */
static int parse_name(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	const char *v = scalar(p, val, path, k->type->what);

	if (!v)
		return 0;
	if (!*v) {
		parse_error(p, &val->start_mark, "%s: must not be empty", path);
		return 0;
	}
	return set_str(k, base, v);
}

/* Relative paths would depend on the directory the daemon happens to start in. */
static int parse_abspath(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
			 void *base, const char *path)
{
	char q[EXCERPT_MAX];
	const char *v;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	if (v[0] != '/') {
		parse_error(p, &val->start_mark, "%s: '%s' is not an absolute path", path,
			    excerpt(q, v));
		return 0;
	}
	return set_str(k, base, v);
}

/*
 * A prefix in its one canonical form ("/", "/ipxe/"): leading '/', no "//", trailing '/', so
 * conf_root_for() and the duplicate check compare plain strings. NULL with errno EINVAL when
 * @in does not start with '/', ENOMEM when out of memory.
 */
static char *prefix_normalise(const char *in)
{
	char *out, *o;

	if (in[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(strlen(in) + 2);
	if (!out)
		return NULL;
	o = out;
	for (; *in; in++)
		if (*in != '/' || o == out || o[-1] != '/')
			*o++ = *in;
	if (o[-1] != '/')
		*o++ = '/';
	*o = '\0';
	return out;
}

static int parse_prefix(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
			void *base, const char *path)
{
	char **f = field_of(k, base);
	char q[EXCERPT_MAX];
	const char *v;
	char *s;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	s = prefix_normalise(v);
	if (!s && errno == EINVAL) {
		parse_error(p, &val->start_mark, "%s: '%s' must start with '/'", path,
			    excerpt(q, v));
		return 0;
	}
	if (!s)
		return -ENOMEM;
	free(*f);
	*f = s;
	return 0;
}

static void init_ipv4(const struct conf_key *k, void *base)
{
	((struct in_addr *)field_of(k, base))->s_addr = htonl((uint32_t)k->def);
}

static int parse_ipv4(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	char q[EXCERPT_MAX];
	const char *v;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	/* inet_pton(), not inet_aton(): "10.1" and "0x0a.0.0.1" are typos, not addresses. */
	if (inet_pton(AF_INET, v, field_of(k, base)) != 1)
		parse_error(p, &val->start_mark, "%s: invalid IPv4 address '%s'", path,
			    excerpt(q, v));
	return 0;
}

static void init_level(const struct conf_key *k, void *base)
{
	*(int *)field_of(k, base) = (int)k->def;
}

static int parse_level(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		       void *base, const char *path)
{
	char q[EXCERPT_MAX];
	const char *v;
	int level;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	level = log_level_parse(v);
	if (level < 0)
		parse_error(p, &val->start_mark,
			    "%s: invalid log level '%s' (expected err, warn, info or debug)", path,
			    excerpt(q, v));
	else
		*(int *)field_of(k, base) = level;
	return 0;
}

/* An enum: one of k->names, stored as its index (an int). */
static int parse_enum(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	char q[EXCERPT_MAX], list[128] = "";
	const char *v;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	for (int i = 0; k->names[i]; i++) {
		if (!strcmp(v, k->names[i])) {
			*(int *)field_of(k, base) = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", k->names[i]);
	}
	parse_error(p, &val->start_mark, "%s: invalid value '%s' (expected one of: %s)", path,
		    excerpt(q, v), list);
	return 0;
}

/* Six pairs of hex digits, any case, separated throughout by ':' or throughout by '-'. */
static int mac_parse(const char *s, uint8_t mac[6])
{
	char sep = 0;

	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (i) {
			if (!sep && (*s == ':' || *s == '-'))
				sep = *s;
			if (!sep || *s != sep)
				return -EINVAL;
			s++;
		}
		hi = ascii_hexval(s[0]);
		if (hi < 0)
			return -EINVAL;
		lo = ascii_hexval(s[1]);
		if (lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return *s ? -EINVAL : 0;
}

/*
 * Lists of scalars: a YAML sequence, or one scalar for a list of one ("dns: 10.0.0.1"). Each
 * element is parsed by @elem into an array of @esize-byte elements stored at the key's field,
 * with its length at the key's count. Elements that fail to parse are reported and left out.
 */
typedef bool (*elem_parse_fn)(struct conf_parse *p, const yaml_node_t *n, const char *v,
			      const char *path, void *out);

static int parse_seq(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		     void *base, const char *path, size_t esize, elem_parse_fn elem)
{
	size_t *count = (size_t *)((char *)base + k->count);
	const yaml_node_t *one = val;
	char ipath[PATH_MAX_LEN];
	size_t n = 1, got = 0;
	char *items;

	if (is_null(val))
		return 0;
	if (val->type == YAML_SEQUENCE_NODE)
		n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
	else if (val->type != YAML_SCALAR_NODE) {
		parse_error(p, &val->start_mark, "%s: expected %s, got %s", path, k->type->what,
			    node_kind(val));
		return 0;
	}
	if (!n)
		return 0;
	items = calloc(n, esize);
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *in = one;
		const char *v;

		if (val->type == YAML_SEQUENCE_NODE)
			in = yaml_document_get_node(p->doc, val->data.sequence.items.start[i]);
		if (val->type == YAML_SEQUENCE_NODE)
			snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		else
			snprintf(ipath, sizeof(ipath), "%s", path);
		v = scalar(p, in, ipath, "a scalar");
		if (v && elem(p, in, v, ipath, items + got * esize))
			got++;
	}
	memcpy(field_of(k, base), &items, sizeof(items));
	*count = got;
	return 0;
}

static bool elem_str(struct conf_parse *p, const yaml_node_t *n, const char *v, const char *path,
		     void *out)
{
	if (!*v) {
		parse_error(p, &n->start_mark, "%s: must not be empty", path);
		return false;
	}
	*(char **)out = strdup(v);
	/* An allocation failure shows up as a NULL element, which release() skips. */
	return *(char **)out != NULL;
}

static bool elem_ipv4(struct conf_parse *p, const yaml_node_t *n, const char *v, const char *path,
		      void *out)
{
	char q[EXCERPT_MAX];

	if (inet_pton(AF_INET, v, out) == 1)
		return true;
	parse_error(p, &n->start_mark, "%s: invalid IPv4 address '%s'", path, excerpt(q, v));
	return false;
}

/* "10.0.0.100-10.0.0.199", spaces allowed around the dash. */
static bool elem_range(struct conf_parse *p, const yaml_node_t *n, const char *v,
		       const char *path, void *out)
{
	struct conf_range *r = out;
	char a[INET_ADDRSTRLEN + 8], b[INET_ADDRSTRLEN + 8], q[EXCERPT_MAX];
	const char *dash = strchr(v, '-');
	size_t la;

	if (!dash)
		goto bad;
	la = (size_t)(dash - v);
	while (la && v[la - 1] == ' ')
		la--;
	dash++;
	while (*dash == ' ')
		dash++;
	if (la >= sizeof(a) || strlen(dash) >= sizeof(b))
		goto bad;
	memcpy(a, v, la);
	a[la] = '\0';
	strcpy(b, dash);
	if (inet_pton(AF_INET, a, &r->first) != 1 || inet_pton(AF_INET, b, &r->last) != 1)
		goto bad;
	if (ntohl(r->first.s_addr) > ntohl(r->last.s_addr)) {
		parse_error(p, &n->start_mark, "%s: range '%s' ends before it starts", path,
			    excerpt(q, v));
		return false;
	}
	return true;
bad:
	parse_error(p, &n->start_mark, "%s: expected an address range FIRST-LAST, got '%s'", path,
		    excerpt(q, v));
	return false;
}

static bool elem_mac(struct conf_parse *p, const yaml_node_t *n, const char *v, const char *path,
		     void *out)
{
	char q[EXCERPT_MAX];

	if (!mac_parse(v, out))
		return true;
	parse_error(p, &n->start_mark, "%s: invalid MAC address '%s'", path, excerpt(q, v));
	return false;
}

static int parse_maclist(struct conf_parse *p, const struct conf_key *k,
			 const yaml_node_t *val, void *base, const char *path)
{
	return parse_seq(p, k, val, base, path, 6, elem_mac);
}

static int parse_strlist(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
			 void *base, const char *path)
{
	return parse_seq(p, k, val, base, path, sizeof(char *), elem_str);
}

static int parse_addrlist(struct conf_parse *p, const struct conf_key *k,
			  const yaml_node_t *val, void *base, const char *path)
{
	return parse_seq(p, k, val, base, path, sizeof(struct in_addr), elem_ipv4);
}

static int parse_rangelist(struct conf_parse *p, const struct conf_key *k,
			   const yaml_node_t *val, void *base, const char *path)
{
	return parse_seq(p, k, val, base, path, sizeof(struct conf_range), elem_range);
}

static void release_seq(const struct conf_key *k, void *base)
{
	size_t *count = (size_t *)((char *)base + k->count);
	void *items;

	memcpy(&items, field_of(k, base), sizeof(items));
	free(items);
	items = NULL;
	memcpy(field_of(k, base), &items, sizeof(items));
	*count = 0;
}

static void release_strlist(const struct conf_key *k, void *base)
{
	size_t *count = (size_t *)((char *)base + k->count);
	char **items;

	memcpy(&items, field_of(k, base), sizeof(items));
	for (size_t i = 0; i < *count; i++)
		free(items[i]);
	release_seq(k, base);
}

/*
 * "10.1.0.0/16" into a struct in_addr at the key's offset followed by a uint32_t prefix
 * length (struct conf_subnet's net and prefix_len). Host bits must be zero: "10.1.2.3/16" is
 * more likely a mistake than a way of writing 10.1.0.0/16.
 */
static_assert(offsetof(struct conf_subnet, prefix_len) ==
	      offsetof(struct conf_subnet, net) + sizeof(struct in_addr),
	      "parse_cidr() stores the prefix length right after the address");

static int parse_cidr(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	struct in_addr *net = field_of(k, base);
	uint32_t *plen = (uint32_t *)(net + 1);
	char a[INET_ADDRSTRLEN], q[EXCERPT_MAX];
	const char *v, *slash, *end;
	bool overflow;
	uint64_t n;
	uint32_t mask;

	v = scalar(p, val, path, k->type->what);
	if (!v)
		return 0;
	slash = strchr(v, '/');
	if (!slash || (size_t)(slash - v) >= sizeof(a))
		goto bad;
	memcpy(a, v, (size_t)(slash - v));
	a[slash - v] = '\0';
	end = scan_u64(slash + 1, &n, &overflow);
	if (!end || *end || overflow || inet_pton(AF_INET, a, net) != 1)
		goto bad;
	if (n < k->min || n > k->max) {
		parse_error(p, &val->start_mark, "%s: prefix length /%" PRIu64 " is out of range "
			    "(%" PRIu64 "..%" PRIu64 ")", path, n, k->min, k->max);
		return 0;
	}
	mask = htonl(~UINT32_C(0) << (32 - n));
	if (net->s_addr & ~mask) {
		parse_error(p, &val->start_mark, "%s: '%s' has host bits set", path,
			    excerpt(q, v));
		return 0;
	}
	*plen = (uint32_t)n;
	return 0;
bad:
	parse_error(p, &val->start_mark, "%s: expected a subnet ADDRESS/PREFIX, got '%s'", path,
		    excerpt(q, v));
	return 0;
}

static const char *where(char *buf, size_t size, const char *path)
{
	if (!*path)
		return "at the top level";
	snprintf(buf, size, "in '%s'", path);
	return buf;
}

static void report_unknown_key(struct conf_parse *p, const struct conf_section *sec,
			       const yaml_node_t *key, const char *path)
{
	char list[512], w[PATH_MAX_LEN + 8], q[EXCERPT_MAX];
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < sec->nr_keys && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      sec->keys[i].name);
	parse_error(p, &key->start_mark, "unknown key '%s' %s (expected one of: %s)",
		    excerpt(q, (const char *)key->data.scalar.value), where(w, sizeof(w), path),
		    list);
}

/*
 * Fills @base from the mapping @node by the keys of @sec; @path names @node in diagnostics. A
 * null @node is an empty mapping: it still reports the required keys as missing.
 */
static int parse_mapping(struct conf_parse *p, const struct conf_section *sec,
			 const yaml_node_t *node, void *base, const char *path)
{
	char w[PATH_MAX_LEN + 8], q[EXCERPT_MAX], child[PATH_MAX_LEN];
	yaml_node_pair_t *pair = NULL, *end = NULL;
	unsigned first_line[64];
	uint64_t seen = 0;

	assert(node->type == YAML_MAPPING_NODE || is_null(node));
	assert(sec->nr_keys <= 64);
	if (node->type == YAML_MAPPING_NODE) {
		pair = node->data.mapping.pairs.start;
		end = node->data.mapping.pairs.top;
	}
	for (; pair < end; pair++) {
		const yaml_node_t *key = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *val = yaml_document_get_node(p->doc, pair->value);
		const struct conf_key *k = NULL;
		const char *name;
		size_t i;
		int ret;

		if (key->type != YAML_SCALAR_NODE) {
			parse_error(p, &key->start_mark, "expected a key name %s, got %s",
				    where(w, sizeof(w), path), node_kind(key));
			continue;
		}
		name = (const char *)key->data.scalar.value;
		for (i = 0; i < sec->nr_keys; i++) {
			/* The length check keeps "port\0x" from passing for "port". */
			if (strlen(sec->keys[i].name) == key->data.scalar.length &&
			    !strcmp(name, sec->keys[i].name)) {
				k = &sec->keys[i];
				break;
			}
		}
		if (!k) {
			report_unknown_key(p, sec, key, path);
			continue;
		}
		if (seen & (UINT64_C(1) << i)) {
			parse_error(p, &key->start_mark, "duplicate key '%s' %s (first at line %u)",
				    excerpt(q, name), where(w, sizeof(w), path), first_line[i]);
			continue;
		}
		seen |= UINT64_C(1) << i;
		first_line[i] = (unsigned)key->start_mark.line + 1;
		snprintf(child, sizeof(child), "%s%s%s", path, *path ? "." : "", k->name);
		ret = k->type->parse(p, k, val, base, child);
		if (ret < 0)
			return ret;
		if (k->present)
			*(bool *)((char *)base + k->present - 1) = true;
	}
	for (size_t i = 0; i < sec->nr_keys; i++)
		if (sec->keys[i].required && !(seen & (UINT64_C(1) << i)))
			parse_error(p, &node->start_mark, "missing required key '%s' %s",
				    sec->keys[i].name, where(w, sizeof(w), path));
	return 0;
}

static void schema_init(const struct conf_section *sec, void *base)
{
	for (size_t i = 0; i < sec->nr_keys; i++)
		if (sec->keys[i].type->init)
			sec->keys[i].type->init(&sec->keys[i], base);
}

static void schema_release(const struct conf_section *sec, void *base)
{
	for (size_t i = 0; i < sec->nr_keys; i++)
		if (sec->keys[i].type->release)
			sec->keys[i].type->release(&sec->keys[i], base);
}

static void init_section(const struct conf_key *k, void *base)
{
	schema_init(k->sub, field_of(k, base));
}

static void release_section(const struct conf_key *k, void *base)
{
	schema_release(k->sub, field_of(k, base));
}

static int parse_section(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
			 void *base, const char *path)
{
	if (val->type != YAML_MAPPING_NODE && !is_null(val)) {
		parse_error(p, &val->start_mark, "%s: expected %s, got %s", path, k->type->what,
			    node_kind(val));
		return 0;
	}
	return parse_mapping(p, k->sub, val, field_of(k, base), path);
}

/*
 * Allocates the items of a list up front (the node tells how many), attached to @base at once
 * so that release() frees them whatever happens next. Items start zeroed, then get defaults.
 */
static void *alloc_items(const struct conf_key *k, void *base, size_t n)
{
	size_t *count = (size_t *)((char *)base + k->count);
	char *items;

	assert(!*count);
	items = calloc(n, k->sub->item_size);
	if (!items)
		return NULL;
	/* memcpy: the field is a `struct conf_root *` (or node, or profile), not a void *. */
	memcpy(field_of(k, base), &items, sizeof(items));
	*count = n;
	for (size_t i = 0; i < n; i++)
		schema_init(k->sub, items + i * k->sub->item_size);
	return items;
}

/* Reads one list item whose line is already set; a null item is an item with no keys. */
static int parse_item(struct conf_parse *p, const struct conf_section *sec, const yaml_node_t *n,
		      void *item, const char *path)
{
	int ret;

	if (n->type != YAML_MAPPING_NODE && !is_null(n)) {
		parse_error(p, &n->start_mark, "%s: expected a mapping, got %s", path,
			    node_kind(n));
		return 0;
	}
	ret = parse_mapping(p, sec, n, item, path);
	if (ret)
		return ret;
	return sec->finish ? sec->finish(p, item, n, path) : 0;
}

static void release_list(const struct conf_key *k, void *base)
{
	size_t *count = (size_t *)((char *)base + k->count);
	char *items;

	memcpy(&items, field_of(k, base), sizeof(items));
	for (size_t i = 0; i < *count; i++)
		schema_release(k->sub, items + i * k->sub->item_size);
	free(items);
	items = NULL;
	memcpy(field_of(k, base), &items, sizeof(items));
	*count = 0;
}

/* A sequence of mappings: roots, nodes. */
static int parse_list(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		      void *base, const char *path)
{
	const struct conf_section *sec = k->sub;
	char ipath[PATH_MAX_LEN];
	size_t n;
	char *items;
	int ret;

	if (is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE) {
		parse_error(p, &val->start_mark, "%s: expected %s, got %s", path, k->type->what,
			    node_kind(val));
		return 0;
	}
	n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
	if (!n)
		return 0;
	items = alloc_items(k, base, n);
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *in = yaml_document_get_node(p->doc,
							       val->data.sequence.items.start[i]);
		void *item = items + i * sec->item_size;

		*(unsigned *)((char *)item + sec->line_off) = (unsigned)in->start_mark.line + 1;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		ret = parse_item(p, sec, in, item, ipath);
		if (ret)
			return ret;
	}
	return 0;
}

static void release_named(const struct conf_key *k, void *base)
{
	size_t *count = (size_t *)((char *)base + k->count);
	char *items;

	memcpy(&items, field_of(k, base), sizeof(items));
	for (size_t i = 0; i < *count; i++)
		free(*(char **)(items + i * k->sub->item_size + k->sub->name_off));
	release_list(k, base);
}

/* A mapping of name -> mapping: profiles. The name lands in the item's name field. */
static int parse_named(struct conf_parse *p, const struct conf_key *k, const yaml_node_t *val,
		       void *base, const char *path)
{
	const struct conf_section *sec = k->sub;
	char ipath[PATH_MAX_LEN], q[EXCERPT_MAX];
	size_t n;
	char *items;
	int ret;

	if (is_null(val))
		return 0;
	if (val->type != YAML_MAPPING_NODE) {
		parse_error(p, &val->start_mark, "%s: expected %s, got %s", path, k->type->what,
			    node_kind(val));
		return 0;
	}
	n = (size_t)(val->data.mapping.pairs.top - val->data.mapping.pairs.start);
	if (!n)
		return 0;
	items = alloc_items(k, base, n);
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_pair_t *pair = &val->data.mapping.pairs.start[i];
		const yaml_node_t *key = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *in = yaml_document_get_node(p->doc, pair->value);
		char *item = items + i * sec->item_size;
		const char *name;
		size_t j;

		*(unsigned *)(item + sec->line_off) = (unsigned)key->start_mark.line + 1;
		name = scalar(p, key, path, "a name");
		if (!name)
			continue;
		if (!*name) {
			parse_error(p, &key->start_mark, "%s: a name must not be empty", path);
			continue;
		}
		/* Quadratic, but a file holds a handful of profiles, not thousands. */
		for (j = 0; j < i; j++) {
			const char *other = *(char **)(items + j * sec->item_size + sec->name_off);

			if (other && !strcmp(other, name))
				break;
		}
		if (j < i) {
			parse_error(p, &key->start_mark,
				    "duplicate key '%s' in '%s' (first at line %u)",
				    excerpt(q, name), path,
				    *(unsigned *)(items + j * sec->item_size + sec->line_off));
			continue;
		}
		*(char **)(item + sec->name_off) = strdup(name);
		if (!*(char **)(item + sec->name_off))
			return -ENOMEM;
		snprintf(ipath, sizeof(ipath), "%s.%s", path, excerpt(q, name));
		ret = parse_item(p, sec, in, item, ipath);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct conf_type type_uint = { "an integer", parse_uint, init_uint, NULL };
static const struct conf_type type_size = { "a size", parse_size, init_uint, NULL };
static const struct conf_type type_bool = {
	"a boolean (true/false, yes/no, on/off)", parse_bool, init_bool, NULL
};
static const struct conf_type type_str = { "a string", parse_str, NULL, release_str };
static const struct conf_type type_name = { "a name", parse_name, NULL, release_str };
static const struct conf_type type_abspath = { "a path", parse_abspath, NULL, release_str };
static const struct conf_type type_prefix = { "a path prefix", parse_prefix, NULL, release_str };
static const struct conf_type type_ipv4 = { "an IPv4 address", parse_ipv4, init_ipv4, NULL };
static const struct conf_type type_level = { "a log level", parse_level, init_level, NULL };
static const struct conf_type type_enum = { "a word", parse_enum, init_level, NULL };
static const struct conf_type type_maclist = {
	"a MAC address or a list of them", parse_maclist, NULL, release_seq
};
static const struct conf_type type_strlist = {
	"a list of strings", parse_strlist, NULL, release_strlist
};
static const struct conf_type type_addrlist = {
	"a list of IPv4 addresses", parse_addrlist, NULL, release_seq
};
static const struct conf_type type_rangelist = {
	"a list of address ranges", parse_rangelist, NULL, release_seq
};
static const struct conf_type type_cidr = { "a subnet", parse_cidr, NULL, NULL };
static const struct conf_type type_section = {
	"a mapping", parse_section, init_section, release_section
};
static const struct conf_type type_list = { "a sequence", parse_list, NULL, release_list };
static const struct conf_type type_named = { "a mapping", parse_named, NULL, release_named };

/* The schema. Keys are listed (and suggested in errors) in the order of the example file. */

/* `log:` has no struct of its own: its keys land in struct conf. */
static const struct conf_key log_keys[] = {
	{ "level", &type_level, FIELD(struct conf, log_level), .def = LOG_INFO },
};

static const struct conf_key tftp_keys[] = {
	{ "enabled", &type_bool, FIELD(struct conf_tftp, enabled), .def = true },
	{ "port", &type_uint, FIELD(struct conf_tftp, port), .min = 1, .max = 65535, .def = 69 },
	/* RFC 2348 bounds blksize to 8..65464. */
	{ "max_blksize", &type_uint, FIELD(struct conf_tftp, max_blksize),
	  .min = 8, .max = 65464, .def = 65464 },
	/* RFC 7440 bounds windowsize to 1..65535. */
	{ "max_windowsize", &type_uint, FIELD(struct conf_tftp, max_windowsize),
	  .min = 1, .max = 65535, .def = 64 },
	/* RFC 2349 timeouts are 1..255 s; 10 ms is as short as a retransmit timer makes sense. */
	{ "timeout_ms", &type_uint, FIELD(struct conf_tftp, timeout_ms),
	  .min = 10, .max = 255000, .def = 1000 },
	{ "retries", &type_uint, FIELD(struct conf_tftp, retries), .max = 100, .def = 5 },
	{ "gso", &type_bool, FIELD(struct conf_tftp, gso), .def = true },
};

static const char *const http_send_names[] = {
	"auto", "copy", "splice", "zerocopy", "sendfile", NULL
};

static const struct conf_key http_keys[] = {
	{ "enabled", &type_bool, FIELD(struct conf_http, enabled), .def = true },
	{ "port", &type_uint, FIELD(struct conf_http, port), .min = 1, .max = 65535, .def = 80 },
	{ "max_connections", &type_uint, FIELD(struct conf_http, max_connections),
	  .min = 1, .max = 1000000, .def = 4096 },
	{ "max_header_bytes", &type_uint, FIELD(struct conf_http, max_header_bytes),
	  .min = 1024, .max = 65536, .def = 8192 },
	{ "header_timeout_ms", &type_uint, FIELD(struct conf_http, header_timeout_ms),
	  .min = 100, .max = 3600000, .def = 10000 },
	{ "idle_timeout_ms", &type_uint, FIELD(struct conf_http, idle_timeout_ms),
	  .min = 100, .max = 3600000, .def = 60000 },
	{ "send_timeout_ms", &type_uint, FIELD(struct conf_http, send_timeout_ms),
	  .min = 100, .max = 3600000, .def = 60000 },
	/*
	 * 0, the kernel's autotuning, as nginx has it: a fixed size is kept by every connection
	 * however many there are, and 1,000 downloads of 1 MiB buffers (2 MiB as the kernel counts
	 * them) passed the host's tcp_mem pressure threshold: 1.8 GB/s at 25 CPU-s against 3.4
	 * GB/s at 8.5 with autotuning, which holds buffers back under pressure. Measured in
	 * bench/README.md.
	 */
	{ "send_buffer_bytes", &type_size, FIELD(struct conf_http, send_buffer_bytes),
	  .max = 64u << 20, .def = 0 },
	{ "send", &type_enum, FIELD(struct conf_http, send), .names = http_send_names },
	/*
	 * Off by default: in a 500-node storm on one link, 64 at once brought the median node up
	 * 40% sooner but the last one 11% later (bench/README.md, Boot storm), and the last node
	 * is what a storm is judged by.
	 */
	{ "active_sends", &type_uint, FIELD(struct conf_http, active_sends),
	  .max = 1000000, .def = 0 },
};

static const struct conf_key limits_keys[] = {
	{ "max_sessions", &type_uint, FIELD(struct conf_limits, max_sessions),
	  .min = 1, .max = 1000000, .def = 4096 },
	{ "client_rate", &type_uint, FIELD(struct conf_limits, client_rate),
	  .max = 1000000, .def = 50 },
	{ "client_burst", &type_uint, FIELD(struct conf_limits, client_burst),
	  .min = 1, .max = 1000000, .def = 200 },
	{ "cache_bytes", &type_size, FIELD(struct conf_limits, cache_bytes),
	  .min = 1, .max = UINT64_MAX, .def = UINT64_C(4) << 30 },
	{ "max_file_bytes", &type_size, FIELD(struct conf_limits, max_file_bytes),
	  .min = 1, .max = UINT64_MAX, .def = UINT64_C(4) << 30 },
};

static const struct conf_key root_keys[] = {
	{ "path", &type_abspath, FIELD(struct conf_root, path), .required = true },
	{ "prefix", &type_prefix, FIELD(struct conf_root, prefix) },
	{ "writable", &type_bool, FIELD(struct conf_root, writable) },
	{ "overwrite", &type_bool, FIELD(struct conf_root, overwrite) },
};

static const struct conf_key boot_keys[] = {
	{ "bios", &type_str, FIELD(struct conf_bootfiles, bios) },
	{ "efi32", &type_str, FIELD(struct conf_bootfiles, efi32) },
	{ "efi64", &type_str, FIELD(struct conf_bootfiles, efi64) },
	{ "arm64", &type_str, FIELD(struct conf_bootfiles, arm64) },
	{ "ipxe", &type_str, FIELD(struct conf_bootfiles, ipxe) },
	{ "http", &type_str, FIELD(struct conf_bootfiles, http) },
	{ "http_arm64", &type_str, FIELD(struct conf_bootfiles, http_arm64) },
};

static const struct conf_section boot_section = { SECTION(boot_keys) };

static const struct conf_key profile_keys[] = {
	{ "label", &type_name, FIELD(struct conf_profile, label) },
	{ "title", &type_str, FIELD(struct conf_profile, title) },
	{ "kernel", &type_str, FIELD(struct conf_profile, kernel) },
	{ "initrd", &type_strlist, FIELD(struct conf_profile, initrds),
	  .count = offsetof(struct conf_profile, nr_initrds) },
	{ "cmdline", &type_str, FIELD(struct conf_profile, cmdline) },
	{ "root", &type_str, FIELD(struct conf_profile, root) },
	{ "localboot", &type_bool, FIELD(struct conf_profile, localboot) },
	{ "menu", &type_strlist, FIELD(struct conf_profile, menu),
	  .count = offsetof(struct conf_profile, nr_menu) },
	{ "timeout", &type_uint, FIELD(struct conf_profile, timeout), .max = 3600 },
	{ "image", &type_name, FIELD(struct conf_profile, image) },
	{ "boot", &type_section, FIELD(struct conf_profile, boot), .sub = &boot_section },
};

static const struct conf_key group_keys[] = {
	{ "profile", &type_name, FIELD(struct conf_group, profile) },
	{ "tags", &type_strlist, FIELD(struct conf_group, tags),
	  .count = offsetof(struct conf_group, nr_tags) },
};

static const struct conf_section group_section = {
	SECTION(group_keys),
	.item_size = sizeof(struct conf_group),
	.line_off = offsetof(struct conf_group, line),
	.name_off = offsetof(struct conf_group, name),
};

/* The fields of a rule's `match:`, in enum match_field order. */
static const struct conf_key rule_match_keys[] = {
	{ "mac", &type_str, FIELD(struct conf_rule, pattern[0]) },
	{ "vendor", &type_str, FIELD(struct conf_rule, pattern[1]) },
	{ "user_class", &type_str, FIELD(struct conf_rule, pattern[2]) },
	{ "arch", &type_str, FIELD(struct conf_rule, pattern[3]) },
	{ "uuid", &type_str, FIELD(struct conf_rule, pattern[4]) },
	{ "hostname", &type_str, FIELD(struct conf_rule, pattern[5]) },
	{ "subnet", &type_str, FIELD(struct conf_rule, pattern[6]) },
};

static_assert(ARRAY_SIZE(rule_match_keys) == CONF_RULE_FIELDS, "one key per match field");

static const struct conf_section rule_match_section = { SECTION(rule_match_keys) };

static const struct conf_key rule_keys[] = {
	{ "match", &type_section, .offset = 0, .sub = &rule_match_section },
	{ "profile", &type_name, FIELD(struct conf_rule, profile), .required = true },
	{ "caseless", &type_bool, FIELD(struct conf_rule, caseless) },
	{ "override", &type_bool, FIELD(struct conf_rule, override) },
};

static const struct conf_section rule_section = {
	SECTION(rule_keys),
	.item_size = sizeof(struct conf_rule),
	.line_off = offsetof(struct conf_rule, line),
};

static const struct conf_key subnet_keys[] = {
	{ "subnet", &type_cidr, FIELD(struct conf_subnet, net), .min = 8, .max = 30,
	  .required = true },
	{ "pools", &type_rangelist, FIELD(struct conf_subnet, pools),
	  .count = offsetof(struct conf_subnet, nr_pools) },
	{ "router", &type_ipv4, FIELD(struct conf_subnet, router),
	  PRESENT(struct conf_subnet, has_router) },
	{ "dns", &type_addrlist, FIELD(struct conf_subnet, dns),
	  .count = offsetof(struct conf_subnet, nr_dns) },
	{ "domain", &type_str, FIELD(struct conf_subnet, domain) },
	{ "ntp", &type_addrlist, FIELD(struct conf_subnet, ntp),
	  .count = offsetof(struct conf_subnet, nr_ntp) },
	{ "mtu", &type_uint, FIELD(struct conf_subnet, mtu), .min = 68, .max = 65535, .def = 1500,
	  PRESENT(struct conf_subnet, has_mtu) },
	{ "lease_time", &type_uint, FIELD(struct conf_subnet, lease_time),
	  .min = 60, .max = 31536000, .def = 3600, PRESENT(struct conf_subnet, has_lease_time) },
	{ "next_server", &type_ipv4, FIELD(struct conf_subnet, next_server),
	  PRESENT(struct conf_subnet, has_next_server) },
};

static const struct conf_section subnet_section = {
	SECTION(subnet_keys),
	.item_size = sizeof(struct conf_subnet),
	.line_off = offsetof(struct conf_subnet, line),
};

static const char *const nfs_server_names[] = { "auto", "kernel", "ganesha", NULL };

static const struct conf_key diskless_keys[] = {
	{ "base", &type_abspath, FIELD(struct conf_diskless, base) },
	{ "server", &type_enum, FIELD(struct conf_diskless, server), .names = nfs_server_names },
	{ "address", &type_ipv4, FIELD(struct conf_diskless, address),
	  PRESENT(struct conf_diskless, has_address) },
	{ "nfs_options", &type_str, FIELD(struct conf_diskless, nfs_options) },
	{ "clients", &type_strlist, FIELD(struct conf_diskless, clients),
	  .count = offsetof(struct conf_diskless, nr_clients) },
	{ "export_all", &type_bool, FIELD(struct conf_diskless, export_all) },
	{ "exports_file", &type_abspath, FIELD(struct conf_diskless, exports_file) },
	{ "ganesha_file", &type_abspath, FIELD(struct conf_diskless, ganesha_file) },
	{ "ganesha_pidfile", &type_abspath, FIELD(struct conf_diskless, ganesha_pidfile) },
};

static const struct conf_section diskless_section = { SECTION(diskless_keys) };

static const char *const dhcp_mode_names[] = { "server", "proxy", NULL };
static const char *const lease_sync_names[] = { "full", "normal", NULL };
static const char *const dhcp_xdp_names[] = { "auto", "off", "native", "skb", NULL };

static const struct conf_key dhcp_keys[] = {
	{ "enabled", &type_bool, FIELD(struct conf_dhcp, enabled), .def = false },
	{ "mode", &type_enum, FIELD(struct conf_dhcp, mode), .names = dhcp_mode_names },
	{ "port", &type_uint, FIELD(struct conf_dhcp, port), .min = 1, .max = 65535, .def = 67 },
	{ "client_port", &type_uint, FIELD(struct conf_dhcp, client_port),
	  .min = 1, .max = 65535, .def = 68 },
	{ "proxy_port", &type_uint, FIELD(struct conf_dhcp, proxy_port), .max = 65535,
	  .def = 4011 },
	{ "interfaces", &type_strlist, FIELD(struct conf_dhcp, interfaces),
	  .count = offsetof(struct conf_dhcp, nr_interfaces) },
	{ "server_id", &type_ipv4, FIELD(struct conf_dhcp, server_id),
	  PRESENT(struct conf_dhcp, has_server_id) },
	{ "lease_db", &type_abspath, FIELD(struct conf_dhcp, lease_db) },
	{ "lease_sync", &type_enum, FIELD(struct conf_dhcp, lease_sync),
	  .names = lease_sync_names },
	{ "lease_time", &type_uint, FIELD(struct conf_dhcp, lease_time),
	  .min = 60, .max = 31536000, .def = 3600 },
	{ "offer_time", &type_uint, FIELD(struct conf_dhcp, offer_time),
	  .min = 1, .max = 3600, .def = 30 },
	{ "decline_time", &type_uint, FIELD(struct conf_dhcp, decline_time),
	  .min = 1, .max = 86400, .def = 600 },
	{ "authoritative", &type_bool, FIELD(struct conf_dhcp, authoritative), .def = true },
	{ "xdp", &type_enum, FIELD(struct conf_dhcp, xdp), .names = dhcp_xdp_names },
	{ "boot", &type_section, FIELD(struct conf_dhcp, boot), .sub = &boot_section },
	{ "subnets", &type_list, FIELD(struct conf_dhcp, subnets),
	  .count = offsetof(struct conf_dhcp, nr_subnets), .sub = &subnet_section },
};

static const struct conf_key node_keys[] = {
	{ "name", &type_name, FIELD(struct conf_node, name), .required = true },
	{ "mac", &type_maclist, FIELD(struct conf_node, macs),
	  .count = offsetof(struct conf_node, nr_macs), .required = true },
	{ "ip", &type_ipv4, FIELD(struct conf_node, ip), PRESENT(struct conf_node, has_ip) },
	{ "profile", &type_name, FIELD(struct conf_node, profile) },
	{ "group", &type_name, FIELD(struct conf_node, group) },
	{ "tags", &type_strlist, FIELD(struct conf_node, tags),
	  .count = offsetof(struct conf_node, nr_tags) },
};

/* The prefix default is a string, so it is set after the keys rather than by init(). */
static int root_finish(struct conf_parse *p, void *item, const yaml_node_t *node,
		       const char *path)
{
	struct conf_root *r = item;

	if (!r->prefix) {
		r->prefix = strdup("/");
		if (!r->prefix)
			return -ENOMEM;
	}
	return 0;
}

static const struct conf_section log_section = { SECTION(log_keys) };
static const struct conf_section dhcp_section = { SECTION(dhcp_keys) };
static const struct conf_section tftp_section = { SECTION(tftp_keys) };
static const struct conf_section http_section = { SECTION(http_keys) };
static const struct conf_section limits_section = { SECTION(limits_keys) };

static const struct conf_section root_section = {
	SECTION(root_keys),
	.item_size = sizeof(struct conf_root),
	.line_off = offsetof(struct conf_root, line),
	.finish = root_finish,
};

static const struct conf_section profile_section = {
	SECTION(profile_keys),
	.item_size = sizeof(struct conf_profile),
	.line_off = offsetof(struct conf_profile, line),
	.name_off = offsetof(struct conf_profile, name),
};

static const struct conf_section node_section = {
	SECTION(node_keys),
	.item_size = sizeof(struct conf_node),
	.line_off = offsetof(struct conf_node, line),
};

static const struct conf_key conf_keys[] = {
	{ "listen", &type_ipv4, FIELD(struct conf, listen_addr), .def = INADDR_ANY },
	{ "workers", &type_uint, FIELD(struct conf, workers), .max = 256 },
	{ "log", &type_section, .offset = 0, .sub = &log_section },
	{ "tftp", &type_section, FIELD(struct conf, tftp), .sub = &tftp_section },
	{ "http", &type_section, FIELD(struct conf, http), .sub = &http_section },
	{ "limits", &type_section, FIELD(struct conf, limits), .sub = &limits_section },
	{ "dhcp", &type_section, FIELD(struct conf, dhcp), .sub = &dhcp_section },
	{ "diskless", &type_section, FIELD(struct conf, diskless), .sub = &diskless_section },
	{ "roots", &type_list, FIELD(struct conf, roots), .count = offsetof(struct conf, nr_roots),
	  .sub = &root_section },
	{ "profiles", &type_named, FIELD(struct conf, profiles),
	  .count = offsetof(struct conf, nr_profiles), .sub = &profile_section },
	{ "groups", &type_named, FIELD(struct conf, groups),
	  .count = offsetof(struct conf, nr_groups), .sub = &group_section },
	{ "rules", &type_list, FIELD(struct conf, rules), .count = offsetof(struct conf, nr_rules),
	  .sub = &rule_section },
	{ "nodes", &type_list, FIELD(struct conf, nodes), .count = offsetof(struct conf, nr_nodes),
	  .sub = &node_section },
};

static const struct conf_section conf_section = { SECTION(conf_keys) };

static int build_mac_index(struct conf *c);

static void conf_free(struct conf *c)
{
	free(c->by_mac);
	schema_release(&conf_section, c);
	free(c->source);
	free(c->listen);
	free(c);
}

/* Line and column of a byte offset, for reader errors, which carry no mark of their own. */
static yaml_mark_t mark_at(const char *text, size_t len, size_t offset)
{
	yaml_mark_t m = { .index = offset };

	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static int syntax_error(struct conf_parse *p, const yaml_parser_t *parser, const char *text,
			size_t len)
{
	const char *problem = parser->problem ? parser->problem : "syntax error";
	yaml_mark_t mark;

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		return -ENOMEM;
	case YAML_READER_ERROR:
		mark = mark_at(text, len, parser->problem_offset);
		if (parser->problem_value != -1)
			parse_error(p, &mark, "%s (0x%02X)", problem, parser->problem_value);
		else
			parse_error(p, &mark, "%s", problem);
		break;
	default:
		if (parser->context)
			parse_error(p, &parser->problem_mark, "%s (%s at line %zu, column %zu)",
				    problem, parser->context, parser->context_mark.line + 1,
				    parser->context_mark.column + 1);
		else
			parse_error(p, &parser->problem_mark, "%s", problem);
		break;
	}
	return -EINVAL;
}

/*
 * A pass over the events before the document is composed: it is iterative, so it can refuse
 * deep nesting before libyaml's recursive composer meets it, and it refuses a second document,
 * which would otherwise be ignored without a word. Syntax errors are reported from here.
 */
static int conf_scan(struct conf_parse *p, const char *text, size_t len)
{
	unsigned depth = 0, docs = 0;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ret = syntax_error(p, &parser, text, len);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				parse_error(p, &ev.start_mark, "only one YAML document is allowed");
				ret = -EINVAL;
				done = true;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CONF_MAX_DEPTH) {
				parse_error(p, &ev.start_mark, "nested deeper than %d levels",
					    CONF_MAX_DEPTH);
				ret = -EINVAL;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ret;
}

int conf_load_buf(const char *name, const char *text, size_t len, struct conf **out, FILE *err)
{
	struct conf_parse p = { .name = name ? name : "<buffer>", .err = err };
	char addr[INET_ADDRSTRLEN];
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct conf *c;
	int ret;

	if (!text)
		text = "";
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	atomic_init(&c->refs, 1);
	schema_init(&conf_section, c);
	c->source = strdup(p.name);
	if (!c->source) {
		ret = -ENOMEM;
		goto out_free;
	}

	ret = conf_scan(&p, text, len);
	if (ret)
		goto out_free;
	if (!yaml_parser_initialize(&parser)) {
		ret = -ENOMEM;
		goto out_free;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	/* Undefined aliases and duplicate anchors are found only here, by the composer. */
	if (!yaml_parser_load(&parser, &doc)) {
		ret = syntax_error(&p, &parser, text, len);
		goto out_parser;
	}
	p.doc = &doc;

	root = yaml_document_get_root_node(&doc);
	if (root && !is_null(root)) {
		if (root->type == YAML_MAPPING_NODE)
			ret = parse_mapping(&p, &conf_section, root, c, "");
		else
			parse_error(&p, &root->start_mark,
				    "expected a mapping at the top level, got %s", node_kind(root));
	}
	if (!ret) {
		inet_ntop(AF_INET, &c->listen_addr, addr, sizeof(addr));
		c->listen = strdup(addr);
		if (!c->listen)
			ret = -ENOMEM;
	}
	if (!ret && p.errors)
		ret = -EINVAL;
	if (!ret)
		ret = build_mac_index(c);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
out_free:
	if (ret) {
		conf_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

int conf_load_file(const char *path, struct conf **out, FILE *err)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		ret = -errno;
		if (err)
			fprintf(err, "cannot open %s: %s\n", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= CONF_MAX_FILE) {
				if (err)
					fprintf(err, "cannot read %s: larger than %u MiB\n", path,
						CONF_MAX_FILE >> 20);
				ret = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			if (err)
				fprintf(err, "cannot read %s: %s\n", path, strerror(-ret));
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	ret = conf_load_buf(path, buf, len, out, err);
out:
	free(buf);
	close(fd);
	return ret;
}

static void __attribute__((format(printf, 4, 5)))
validate_error(const struct conf *c, FILE *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	if (line)
		fprintf(err, "%s:%u: ", c->source, line);
	else
		fprintf(err, "%s: ", c->source);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
}

static int cmp_node_name(const void *a, const void *b)
{
	const struct conf_node *x = *(const struct conf_node *const *)a;
	const struct conf_node *y = *(const struct conf_node *const *)b;
	int d = strcmp(x->name, y->name);

	/* Ties in file order, so the first of a group is the one defined first. */
	return d ? d : (x > y) - (x < y);
}

static int cmp_node_ip(const void *a, const void *b)
{
	const struct conf_node *x = *(const struct conf_node *const *)a;
	const struct conf_node *y = *(const struct conf_node *const *)b;
	uint32_t ax = ntohl(x->ip.s_addr), ay = ntohl(y->ip.s_addr);

	if (ax != ay)
		return (ax > ay) - (ax < ay);
	return (x > y) - (x < y);
}

static bool same_key(int (*cmp)(const void *, const void *), const struct conf_node *a,
		     const struct conf_node *b)
{
	if (cmp == cmp_node_name)
		return !strcmp(a->name, b->name);
	return a->ip.s_addr == b->ip.s_addr;
}

/*
 * Reports every node whose key under @cmp (name, MAC or IP) an earlier node already has. Sorting
 * keeps this n log n for inventories of thousands of nodes; @dup, indexed in file order, lets
 * the reports come out in file order too. @sorted and @dup have room for every node.
 */
static unsigned check_unique(const struct conf *c, FILE *err, const struct conf_node **sorted,
			     const struct conf_node **dup, int (*cmp)(const void *, const void *))
{
	char a[INET_ADDRSTRLEN];
	unsigned errors = 0;
	size_t n = 0, first = 0;

	for (size_t i = 0; i < c->nr_nodes; i++)
		if (cmp != cmp_node_ip || c->nodes[i].has_ip)
			sorted[n++] = &c->nodes[i];
	memset(dup, 0, c->nr_nodes * sizeof(*dup));
	qsort(sorted, n, sizeof(*sorted), cmp);
	for (size_t i = 1; i < n; i++) {
		if (same_key(cmp, sorted[first], sorted[i]))
			dup[sorted[i] - c->nodes] = sorted[first];
		else
			first = i;
	}
	for (size_t i = 0; i < c->nr_nodes; i++) {
		const struct conf_node *nd = &c->nodes[i], *o = dup[i];

		if (!o)
			continue;
		errors++;
		if (cmp == cmp_node_name)
			validate_error(c, err, nd->line,
				       "duplicate node name '%s' (first at line %u)", nd->name,
				       o->line);
		else
			validate_error(c, err, nd->line,
				       "node '%s': IP %s is already used by node '%s' at line %u",
				       nd->name, inet_ntop(AF_INET, &nd->ip, a, sizeof(a)), o->name,
				       o->line);
	}
	return errors;
}

const struct conf_profile *conf_profile_by_name(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nr_profiles; i++)
		if (c->profiles[i].name && !strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	return NULL;
}

static uint32_t subnet_first(const struct conf_subnet *s)
{
	return ntohl(s->net.s_addr);
}

static uint32_t subnet_last(const struct conf_subnet *s)
{
	return subnet_first(s) | (~UINT32_C(0) >> s->prefix_len);
}

static const char *ntoa(char buf[static INET_ADDRSTRLEN], uint32_t host_order)
{
	struct in_addr a = { htonl(host_order) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* Subnets and pools: each pool inside its subnet, off its network and broadcast addresses. */
static unsigned validate_dhcp(const struct conf *c, FILE *err)
{
	const struct conf_dhcp *d = &c->dhcp;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	unsigned errors = 0;

	if (d->enabled && d->mode == CONF_DHCP_SERVER && !d->nr_subnets) {
		validate_error(c, err, 0, "dhcp: mode 'server' needs at least one entry in "
			       "dhcp.subnets (or use mode 'proxy')");
		errors++;
	}
	for (size_t i = 0; i < d->nr_subnets; i++) {
		const struct conf_subnet *s = &d->subnets[i];
		uint32_t lo = subnet_first(s), hi = subnet_last(s);

		/* Quadratic: a server has a handful of subnets. */
		for (size_t j = 0; j < i; j++) {
			const struct conf_subnet *o = &d->subnets[j];

			if (lo <= subnet_last(o) && subnet_first(o) <= hi) {
				validate_error(c, err, s->line, "subnet %s/%u overlaps subnet "
					       "%s/%u at line %u", ntoa(a, lo), s->prefix_len,
					       ntoa(b, subnet_first(o)), o->prefix_len, o->line);
				errors++;
			}
		}
		for (size_t j = 0; j < s->nr_pools; j++) {
			uint32_t f = ntohl(s->pools[j].first.s_addr);
			uint32_t l = ntohl(s->pools[j].last.s_addr);

			if (f <= lo || l >= hi) {
				validate_error(c, err, s->line, "subnet %s/%u: pool %s-%s must lie "
					       "inside the subnet, without its network and "
					       "broadcast addresses", ntoa(a, lo), s->prefix_len,
					       ntoa(a, f), ntoa(b, l));
				errors++;
			}
			for (size_t k = 0; k < j; k++) {
				if (f <= ntohl(s->pools[k].last.s_addr) &&
				    ntohl(s->pools[k].first.s_addr) <= l) {
					validate_error(c, err, s->line, "subnet %s/%u: pools %zu "
						       "and %zu overlap", ntoa(a, lo),
						       s->prefix_len, k + 1, j + 1);
					errors++;
				}
			}
		}
	}
	if (!d->enabled || d->mode != CONF_DHCP_SERVER)
		return errors;
	for (size_t i = 0; i < c->nr_nodes; i++) {
		const struct conf_node *nd = &c->nodes[i];

		if (nd->has_ip && !conf_subnet_for(c, nd->ip)) {
			validate_error(c, err, nd->line, "node '%s': IP %s is in none of "
				       "dhcp.subnets", nd->name, inet_ntop(AF_INET, &nd->ip, a,
								       sizeof(a)));
			errors++;
		}
	}
	return errors;
}

const struct conf_subnet *conf_subnet_for(const struct conf *c, struct in_addr addr)
{
	uint32_t h = ntohl(addr.s_addr);

	for (size_t i = 0; i < c->dhcp.nr_subnets; i++) {
		const struct conf_subnet *s = &c->dhcp.subnets[i];

		if (h >= subnet_first(s) && h <= subnet_last(s))
			return s;
	}
	return NULL;
}

static int cmp_mac_ref(const void *a, const void *b)
{
	const struct conf_mac_ref *x = a, *y = b;
	int d = memcmp(x->mac, y->mac, sizeof(x->mac));

	/* Ties in file order: duplicates (which conf_validate reports) resolve to the first. */
	return d ? d : (x->node > y->node) - (x->node < y->node);
}

/* The MAC index behind conf_node_by_mac(), built once per load: every MAC of every node. */
static int build_mac_index(struct conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nr_nodes; i++)
		n += c->nodes[i].nr_macs;
	if (!n)
		return 0;
	c->by_mac = malloc(n * sizeof(*c->by_mac));
	if (!c->by_mac)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_nodes; i++) {
		for (size_t j = 0; j < c->nodes[i].nr_macs; j++) {
			memcpy(c->by_mac[c->nr_by_mac].mac, c->nodes[i].macs[j], 6);
			c->by_mac[c->nr_by_mac++].node = &c->nodes[i];
		}
	}
	qsort(c->by_mac, c->nr_by_mac, sizeof(*c->by_mac), cmp_mac_ref);
	return 0;
}

const struct conf_node *conf_node_by_mac(const struct conf *c, const uint8_t mac[6])
{
	size_t lo = 0, hi = c->nr_by_mac;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(c->by_mac[mid].mac, mac, 6) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nr_by_mac && !memcmp(c->by_mac[lo].mac, mac, 6))
		return c->by_mac[lo].node;
	return NULL;
}

struct mac_dup {
	const struct conf_node *node, *first;
	const uint8_t *mac;
};

static int cmp_mac_dup(const void *a, const void *b)
{
	const struct mac_dup *x = a, *y = b;

	if (x->node != y->node)
		return (x->node > y->node) - (x->node < y->node);
	return (x->mac > y->mac) - (x->mac < y->mac);
}

/* Every MAC that an earlier node (or the same node, earlier) already has, in file order. */
static unsigned check_macs(const struct conf *c, FILE *err)
{
	struct mac_dup *dups;
	size_t n = 0, first = 0;

	if (c->nr_by_mac < 2)
		return 0;
	dups = calloc(c->nr_by_mac, sizeof(*dups));
	if (!dups)
		return 1;
	for (size_t i = 1; i < c->nr_by_mac; i++) {
		if (memcmp(c->by_mac[i].mac, c->by_mac[first].mac, 6)) {
			first = i;
			continue;
		}
		dups[n++] = (struct mac_dup){ c->by_mac[i].node, c->by_mac[first].node,
					      c->by_mac[i].mac };
	}
	qsort(dups, n, sizeof(*dups), cmp_mac_dup);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *m = dups[i].mac;

		validate_error(c, err, dups[i].node->line,
			       "node '%s': MAC %02x:%02x:%02x:%02x:%02x:%02x is already used by "
			       "node '%s' at line %u", dups[i].node->name, m[0], m[1], m[2], m[3],
			       m[4], m[5], dups[i].first->name, dups[i].first->line);
	}
	free(dups);
	return (unsigned)n;
}

const struct conf_group *conf_group_by_name(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nr_groups; i++)
		if (c->groups[i].name && !strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

const struct conf_profile *conf_node_profile(const struct conf *c, const struct conf_node *n)
{
	const struct conf_group *g;

	if (n->profile)
		return conf_profile_by_name(c, n->profile);
	g = n->group ? conf_group_by_name(c, n->group) : NULL;
	return g && g->profile ? conf_profile_by_name(c, g->profile) : NULL;
}

/* Names that must resolve: groups and profiles of nodes, rules, groups and menus. */
/*
 * Names that end up inside generated boot scripts (a node's name is ${hostname}; a profile's
 * label is a PXELINUX label and an iPXE goto target) must be words: iPXE and GRUB give
 * meaning to spaces, ';', '$', quotes and '#'. Host-name characters, as RFC 952/1123 has them,
 * plus '_'.
 */
static bool safe_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

static unsigned check_refs(const struct conf *c, FILE *err)
{
	unsigned errors = 0;

	for (size_t i = 0; i < c->nr_nodes; i++) {
		const struct conf_node *nd = &c->nodes[i];

		if (!safe_word(nd->name)) {
			validate_error(c, err, nd->line, "node name '%s' is not a host name (letters, "
				       "digits, '-', '.', '_')", nd->name);
			errors++;
		}
		if (!nd->nr_macs) {
			validate_error(c, err, nd->line, "node '%s' has no MAC address", nd->name);
			errors++;
		}
		if (nd->group && !conf_group_by_name(c, nd->group)) {
			validate_error(c, err, nd->line, "node '%s': unknown group '%s'", nd->name,
				       nd->group);
			errors++;
		}
	}
	for (size_t i = 0; i < c->nr_groups; i++) {
		const struct conf_group *g = &c->groups[i];

		if (g->profile && !conf_profile_by_name(c, g->profile)) {
			validate_error(c, err, g->line, "group '%s': unknown profile '%s'", g->name,
				       g->profile);
			errors++;
		}
	}
	for (size_t i = 0; i < c->nr_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		if (r->profile && !conf_profile_by_name(c, r->profile)) {
			validate_error(c, err, r->line, "rule %zu: unknown profile '%s'", i + 1,
				       r->profile);
			errors++;
		}
	}
	for (size_t i = 0; i < c->nr_profiles; i++) {
		const struct conf_profile *p = &c->profiles[i];
		const char *label = p->label ? p->label : p->name;

		if (!safe_word(label)) {
			validate_error(c, err, p->line, "profile '%s': label '%s' must be one word "
				       "(letters, digits, '-', '.', '_'); put free text in title", p->name,
				       label);
			errors++;
		}
		for (size_t j = 0; j < p->nr_menu; j++) {
			if (!conf_profile_by_name(c, p->menu[j])) {
				validate_error(c, err, p->line, "profile '%s': menu names unknown "
					       "profile '%s'", p->name, p->menu[j]);
				errors++;
			}
		}
		if (!p->kernel && !p->localboot) {
			validate_error(c, err, p->line, "profile '%s' needs a kernel (or "
				       "localboot: true)", p->name);
			errors++;
		}
	}
	return errors;
}

int conf_validate(const struct conf *c, FILE *err)
{
	const struct conf_node **sorted = NULL, **dup = NULL;
	unsigned errors = 0;
	struct stat st;

	for (size_t i = 0; i < c->nr_roots; i++) {
		const struct conf_root *r = &c->roots[i];

		if (stat(r->path, &st) == -1) {
			validate_error(c, err, r->line, "root '%s': %s", r->path, strerror(errno));
			errors++;
		} else if (!S_ISDIR(st.st_mode)) {
			validate_error(c, err, r->line, "root '%s' is not a directory", r->path);
			errors++;
		}
		/* Quadratic: a server has a few roots. */
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(c->roots[j].prefix, r->prefix)) {
				validate_error(c, err, r->line,
					       "root prefix '%s' is already used by the root at "
					       "line %u", r->prefix, c->roots[j].line);
				errors++;
				break;
			}
		}
	}

	if (c->nr_nodes) {
		sorted = malloc(c->nr_nodes * sizeof(*sorted));
		dup = malloc(c->nr_nodes * sizeof(*dup));
		if (!sorted || !dup) {
			free(sorted);
			free(dup);
			return -ENOMEM;
		}
		errors += check_unique(c, err, sorted, dup, cmp_node_name);
		errors += check_macs(c, err);
		errors += check_unique(c, err, sorted, dup, cmp_node_ip);
		free(sorted);
		free(dup);
	}

	for (size_t i = 0; i < c->nr_nodes; i++) {
		const struct conf_node *nd = &c->nodes[i];

		if (nd->profile && !conf_profile_by_name(c, nd->profile)) {
			validate_error(c, err, nd->line, "node '%s': unknown profile '%s'",
				       nd->name, nd->profile);
			errors++;
		}
	}
	errors += check_refs(c, err);
	errors += validate_dhcp(c, err);
	return errors ? -EINVAL : 0;
}

int conf_add_root(struct conf *c, const char *prefix, const char *path, bool writable)
{
	struct conf_root *roots, *r;
	char *norm, *real = NULL;
	struct stat st;
	int ret;

	norm = prefix_normalise(prefix ? prefix : "/");
	if (!norm)
		return -errno;
	for (size_t i = 0; i < c->nr_roots; i++) {
		if (!strcmp(c->roots[i].prefix, norm)) {
			ret = -EEXIST;
			goto err;
		}
	}
	/* Resolved now, so the root stays put whatever directory the server later runs in. */
	real = realpath(path, NULL);
	if (!real) {
		ret = -errno;
		goto err;
	}
	if (stat(real, &st) == -1) {
		ret = -errno;
		goto err;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		goto err;
	}
	roots = realloc(c->roots, (c->nr_roots + 1) * sizeof(*roots));
	if (!roots) {
		ret = -ENOMEM;
		goto err;
	}
	c->roots = roots;
	r = &roots[c->nr_roots++];
	*r = (struct conf_root){ .prefix = norm, .path = real, .writable = writable };
	return 0;
err:
	free(real);
	free(norm);
	return ret;
}

const struct conf_root *conf_root_for(const struct conf *c, const char *path, const char **rest)
{
	const struct conf_root *best = NULL;
	size_t best_len = 0;

	/* Clients send "pxelinux.0" and "/pxelinux.0" alike; prefixes are stored with the '/'. */
	while (*path == '/')
		path++;
	for (size_t i = 0; i < c->nr_roots; i++) {
		const char *pfx = c->roots[i].prefix + 1;
		size_t n = strlen(pfx);

		if ((!best || n > best_len) && !strncmp(path, pfx, n)) {
			best = &c->roots[i];
			best_len = n;
		}
	}
	if (rest) {
		*rest = NULL;
		if (best) {
			path += best_len;
			while (*path == '/')
				path++;
			*rest = path;
		}
	}
	return best;
}

struct conf *conf_get(struct conf *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void conf_put(struct conf *c)
{
	/* acq_rel: the last holder must see every other holder's reads finished before freeing. */
	if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		conf_free(c);
}
