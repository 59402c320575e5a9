// SPDX-License-Identifier: MIT
/*
 * bootherd: one binary, several subcommands. Argument handling only; the work is in svc/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "conf/import.h"
#include "core/log.h"
#include "roots/roots.h"
#include "svc/bootgen.h"
#include "svc/server.h"
#include "xdp/xdp.h"

#ifndef BOOTHERD_VERSION
#define BOOTHERD_VERSION "0.1"
#endif

/* What the command line says; applied on top of the config file at start and at each reload. */
struct cli {
	const char *conf_path;
	const char *roots[16];
	unsigned nr_roots;
	bool writable;
	const char *listen;
	long tftp_port;
	long http_port;
	long workers;
	int log_level;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bootherd COMMAND [OPTIONS]\n"
		"\n"
		"A network boot server: DHCP, TFTP and HTTP on io_uring.\n"
		"\n"
		"Commands:\n"
		"  serve [-c FILE] [OPTIONS]   serve boot files (foreground; logs to stderr)\n"
		"  check -c FILE               validate a configuration file and exit\n"
		"  import dnsmasq|ethers FILE...\n"
		"                              print dnsmasq dhcp-host lines or /etc/ethers as a\n"
		"                              'nodes:' list (see import --help)\n"
		"  roots [-c FILE] COMMAND ... diskless NFS root images: create, list, remove,\n"
		"                              prepare, overlay, export, check (see roots --help;\n"
		"                              FILE default /etc/bootherd/bootherd.yaml)\n"
		"  status [-c FILE] [IFACE...] the DHCP fast path (XDP) on each interface: mode and\n"
		"                              counters, read from the kernel (FILE: its\n"
		"                              dhcp.interfaces; neither: every interface)\n"
		"\n"
		"serve options (override the config file):\n"
		"  -c, --config FILE     YAML configuration (default: the embedded default:\n"
		"                        127.0.0.1, TFTP 6969, HTTP 8080)\n"
		"  -r, --root DIR        serve DIR at / (repeatable: DIR or PREFIX=DIR)\n"
		"      --writable        allow TFTP writes into the --root directories\n"
		"  -l, --listen ADDR     IPv4 address to bind (0.0.0.0 for all)\n"
		"      --tftp-port N     TFTP port (0 disables TFTP)\n"
		"      --http-port N     HTTP port (0 disables HTTP)\n"
		"  -w, --workers N       worker threads (0: one per CPU)\n"
		"      --log-level L     err, warn, info or debug\n"
		"\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration (a bad one is refused and the old one\n"
		"kept); SIGINT and SIGTERM stop the server.\n"
		"\n"
		"Example: bootherd serve --root /srv/tftp --listen 0.0.0.0 --tftp-port 69\n");
}

static int parse_port(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The command line wins over the file: --root at a prefix the file already serves replaces it. */
static int replace_root(struct conf *c, const char *prefix, const char *path, bool writable)
{
	const char *rest;
	struct conf_root *r = (struct conf_root *)conf_root_for(c, prefix, &rest);
	char *abs;

	if (!r || *rest)
		return -EEXIST;
	abs = realpath(path, NULL);
	if (!abs)
		return -errno;
	free(r->path);
	r->path = abs;
	r->writable = writable;
	r->overwrite = false;
	return 0;
}

/* Loads the config (file or embedded) and applies the command line; NULL after errors. */
static struct conf *load_conf(void *ctx, FILE *err)
{
	struct cli *cli = ctx;
	struct conf *c = NULL;
	int ret;

	if (cli->conf_path)
		ret = conf_load_file(cli->conf_path, &c, err);
	else
		ret = conf_load_buf("<embedded>", conf_default_yaml, strlen(conf_default_yaml), &c,
				    err);
	if (ret)
		return NULL;
	if (cli->listen) {
		struct in_addr a;

		if (inet_pton(AF_INET, cli->listen, &a) != 1) {
			fprintf(err, "--listen: '%s' is not an IPv4 address\n", cli->listen);
			goto fail;
		}
		free(c->listen);
		c->listen = strdup(cli->listen);
		c->listen_addr = a;
	}
	if (cli->tftp_port >= 0) {
		c->tftp.enabled = cli->tftp_port > 0;
		if (cli->tftp_port)
			c->tftp.port = (uint16_t)cli->tftp_port;
	}
	if (cli->http_port >= 0) {
		c->http.enabled = cli->http_port > 0;
		if (cli->http_port)
			c->http.port = (uint16_t)cli->http_port;
	}
	if (cli->workers >= 0)
		c->workers = (unsigned)cli->workers;
	if (cli->log_level >= 0)
		c->log_level = cli->log_level;
	for (unsigned i = 0; i < cli->nr_roots; i++) {
		const char *spec = cli->roots[i], *eq = strchr(spec, '=');
		char prefix[PATH_MAX] = "/";

		if (eq && spec[0] == '/') {
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - spec), spec);
			spec = eq + 1;
		}
		ret = conf_add_root(c, prefix, spec, cli->writable);
		if (ret == -EEXIST)
			ret = replace_root(c, prefix, spec, cli->writable);
		if (ret) {
			fprintf(err, "--root %s: %s\n", spec, strerror(-ret));
			goto fail;
		}
	}
	if (conf_validate(c, err))
		goto fail;
	/* A DHCP-only server needs no files; TFTP or HTTP without a root would answer 404s. */
	if (!c->nr_roots && (c->tftp.enabled || c->http.enabled || !c->dhcp.enabled)) {
		fprintf(err, "nothing to serve: give --root DIR or a 'roots:' section\n");
		goto fail;
	}
	return c;
fail:
	conf_put(c);
	return NULL;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "writable", no_argument, NULL, 'W' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tftp-port", required_argument, NULL, 'T' },
		{ "http-port", required_argument, NULL, 'H' },
		{ "workers", required_argument, NULL, 'w' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli cli = { .tftp_port = -1, .http_port = -1, .workers = -1, .log_level = -1 };
	struct conf *c;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:r:l:w:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cli.conf_path = optarg;
			break;
		case 'r':
			if (cli.nr_roots == sizeof(cli.roots) / sizeof(cli.roots[0])) {
				fprintf(stderr, "bootherd: too many --root options\n");
				return 2;
			}
			cli.roots[cli.nr_roots++] = optarg;
			break;
		case 'W':
			cli.writable = true;
			break;
		case 'l':
			cli.listen = optarg;
			break;
		case 'T':
			if (parse_port(optarg, &cli.tftp_port)) {
				fprintf(stderr, "bootherd: --tftp-port: '%s' is not 0..65535\n", optarg);
				return 2;
			}
			break;
		case 'H':
			if (parse_port(optarg, &cli.http_port)) {
				fprintf(stderr, "bootherd: --http-port: '%s' is not 0..65535\n", optarg);
				return 2;
			}
			break;
		case 'w':
			if (parse_port(optarg, &cli.workers) || cli.workers > 256) {
				fprintf(stderr, "bootherd: --workers: '%s' is not 0..256\n", optarg);
				return 2;
			}
			break;
		case 'L':
			cli.log_level = log_level_parse(optarg);
			if (cli.log_level < 0) {
				fprintf(stderr, "bootherd: --log-level: '%s' is not err, warn, info or debug\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bootherd: serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	c = load_conf(&cli, stderr);
	if (!c) {
		fprintf(stderr, "bootherd: not started\n");
		return 1;
	}
	ret = server_run(c, load_conf, &cli);
	return ret ? 1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = NULL;
	struct conf *c = NULL;
	unsigned errors, warnings = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			printf("Usage: bootherd check -c FILE\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!path && optind < argc)
		path = argv[optind++];
	if (!path) {
		fprintf(stderr, "bootherd: check: give the file to check with -c FILE\n");
		return 2;
	}
	if (conf_load_file(path, &c, stderr)) {
		fprintf(stderr, "%s: not valid\n", path);
		return 1;
	}
	/* Every finding in one run: the inventory's, then the rules'. */
	errors = conf_validate(c, stderr) ? 1 : 0;
	errors += bootgen_check(c, stderr, &warnings);
	if (errors) {
		conf_put(c);
		fprintf(stderr, "%s: not valid\n", path);
		return 1;
	}
	printf("%s: ok (%zu roots, %zu nodes, %zu profiles, %zu rules%s", path, c->nr_roots,
	       c->nr_nodes, c->nr_profiles, c->nr_rules, warnings ? "; " : ")\n");
	if (warnings)
		printf("%u warnings)\n", warnings);
	conf_put(c);
	return 0;
}

/* One node read by `import`, with where it came from and what it shares with earlier ones. */
struct imp_item {
	struct import_node node;
	const char *source;
	size_t mac_first[sizeof(((struct import_node *)0)->macs) / 6];
	size_t name_first, ip_first;    /* index + 1 of the first node with the same; 0: none */
};

struct imp_run {
	struct imp_item *items;
	size_t nr, cap;
	const char *source;     /* of the input being parsed */
	bool nomem;
};

/* A MAC of some item, for the sort that finds MACs seen before. */
struct imp_mac_ref {
	const uint8_t *mac;
	size_t item;
	size_t m;
};

/* Inputs bigger than this are surely not an inventory (the same bound as conf files). */
#define IMP_MAX_INPUT (64u << 20)

static void imp_collect(void *ctx, const struct import_node *n)
{
	struct imp_run *run = ctx;

	if (run->nr == run->cap) {
		size_t cap = run->cap ? 2 * run->cap : 256;
		struct imp_item *items = realloc(run->items, cap * sizeof(*items));

		if (!items) {
			run->nomem = true;
			return;
		}
		run->items = items;
		run->cap = cap;
	}
	run->items[run->nr++] = (struct imp_item){ .node = *n, .source = run->source };
}

/* Reads all of @path ("-": standard input) into *@buf, which the caller frees. */
static int imp_read(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 0, n = 0;
	char *b = NULL;
	int ret = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n == cap) {
			char *nb;

			if (cap >= IMP_MAX_INPUT) {
				ret = -EFBIG;
				break;
			}
			cap = cap ? 2 * cap : 65536;
			nb = realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			b = nb;
		}
		errno = 0;
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (!got) {
			if (ferror(f))
				ret = errno ? -errno : -EIO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (ret) {
		free(b);
		return ret;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int imp_cmp_mac(const void *a, const void *b)
{
	const struct imp_mac_ref *x = a, *y = b;
	int d = memcmp(x->mac, y->mac, 6);

	if (d)
		return d;
	if (x->item != y->item)
		return (x->item > y->item) - (x->item < y->item);
	return (x->m > y->m) - (x->m < y->m);
}

static int imp_cmp_name(const void *a, const void *b)
{
	const struct imp_item *x = *(const struct imp_item *const *)a;
	const struct imp_item *y = *(const struct imp_item *const *)b;
	int d = strcmp(x->node.name, y->node.name);

	/* Ties in input order, so the first of a run is the one read first. */
	return d ? d : (x > y) - (x < y);
}

static int imp_cmp_ip(const void *a, const void *b)
{
	const struct imp_item *x = *(const struct imp_item *const *)a;
	const struct imp_item *y = *(const struct imp_item *const *)b;
	uint32_t ax = ntohl(x->node.ip.s_addr), ay = ntohl(y->node.ip.s_addr);

	return ax != ay ? (ax > ay) - (ax < ay) : (x > y) - (x < y);
}

/*
 * A MAC is one machine: the first node to have it keeps it, later ones lose it (and are left
 * out when nothing remains). Sorting keeps this n log n for inventories of thousands.
 */
static int imp_dedup_macs(struct imp_run *run)
{
	struct imp_mac_ref *refs;
	size_t nr = 0, first = 0;

	for (size_t i = 0; i < run->nr; i++)
		nr += run->items[i].node.nr_macs;
	refs = calloc(nr ? nr : 1, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	nr = 0;
	for (size_t i = 0; i < run->nr; i++)
		for (size_t m = 0; m < run->items[i].node.nr_macs; m++)
			refs[nr++] = (struct imp_mac_ref){ run->items[i].node.macs[m], i, m };
	qsort(refs, nr, sizeof(*refs), imp_cmp_mac);
	for (size_t r = 1; r < nr; r++) {
		if (memcmp(refs[r].mac, refs[first].mac, 6))
			first = r;
		else
			run->items[refs[r].item].mac_first[refs[r].m] = refs[first].item + 1;
	}
	free(refs);

	for (size_t i = 0; i < run->nr; i++) {
		struct imp_item *it = &run->items[i];
		struct import_node *n = &it->node;
		size_t kept = 0;

		for (size_t m = 0; m < n->nr_macs; m++)
			kept += !it->mac_first[m];
		for (size_t m = 0; m < n->nr_macs; m++) {
			const struct imp_item *o = &run->items[it->mac_first[m] - 1];
			const uint8_t *a = n->macs[m];

			if (!it->mac_first[m])
				continue;
			fprintf(stderr, "%s:%u: warning: MAC %02x:%02x:%02x:%02x:%02x:%02x was "
				"imported from %s:%u already; %s\n", it->source, n->line, a[0],
				a[1], a[2], a[3], a[4], a[5], o->source, o->node.line,
				kept ? "left out of this node" : "this node is left out");
		}
		kept = 0;
		for (size_t m = 0; m < n->nr_macs; m++)
			if (!it->mac_first[m])
				memmove(n->macs[kept++], n->macs[m], 6);
		n->nr_macs = kept;
	}
	return 0;
}

/* Repeated names and addresses are kept, with a warning: which node is right is not ours. */
static int imp_warn_repeats(struct imp_run *run)
{
	struct imp_item **sorted = calloc(run->nr ? run->nr : 1, sizeof(*sorted));
	char a[INET_ADDRSTRLEN];
	size_t nr = 0;

	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < run->nr; i++)
		if (run->items[i].node.nr_macs && run->items[i].node.name[0])
			sorted[nr++] = &run->items[i];
	qsort(sorted, nr, sizeof(*sorted), imp_cmp_name);
	for (size_t i = 1, first = 0; i < nr; i++) {
		if (strcmp(sorted[i]->node.name, sorted[first]->node.name))
			first = i;
		else
			sorted[i]->name_first = (size_t)(sorted[first] - run->items) + 1;
	}
	nr = 0;
	for (size_t i = 0; i < run->nr; i++)
		if (run->items[i].node.nr_macs && run->items[i].node.has_ip)
			sorted[nr++] = &run->items[i];
	qsort(sorted, nr, sizeof(*sorted), imp_cmp_ip);
	for (size_t i = 1, first = 0; i < nr; i++) {
		if (sorted[i]->node.ip.s_addr != sorted[first]->node.ip.s_addr)
			first = i;
		else
			sorted[i]->ip_first = (size_t)(sorted[first] - run->items) + 1;
	}
	free(sorted);

	for (size_t i = 0; i < run->nr; i++) {
		const struct imp_item *it = &run->items[i], *o;

		if (it->name_first) {
			o = &run->items[it->name_first - 1];
			fprintf(stderr, "%s:%u: warning: name '%s' is also that of the node from "
				"%s:%u (bootherd check refuses repeated names)\n", it->source,
				it->node.line, it->node.name, o->source, o->node.line);
		}
		if (it->ip_first) {
			o = &run->items[it->ip_first - 1];
			fprintf(stderr, "%s:%u: warning: IP %s is also that of the node from %s:%u "
				"(bootherd check refuses repeated addresses)\n", it->source,
				it->node.line, inet_ntop(AF_INET, &it->node.ip, a, sizeof(a)),
				o->source, o->node.line);
		}
	}
	return 0;
}

static void imp_usage(FILE *out)
{
	fprintf(out,
		"Usage: bootherd import dnsmasq|ethers FILE...\n"
		"\n"
		"Prints the hosts of another tool's inventory as bootherd's 'nodes:' list,\n"
		"for a configuration file. FILE '-' is standard input.\n"
		"\n"
		"  dnsmasq  dhcp-host= lines of dnsmasq.conf or a conf-dir file, and the\n"
		"           lines of a --dhcp-hostsfile; other options are skipped. MACs,\n"
		"           the IPv4 address and the host name are taken; client ids, tags,\n"
		"           lease times and IPv6 addresses are not. Hosts marked 'ignore'\n"
		"           are left out, and so, with a note, are wildcard MACs and hosts\n"
		"           without a MAC: none of them is one machine bootherd could know.\n"
		"  ethers   ethers(5), e.g. /etc/ethers: 'MAC HOST', HOST a name or an IPv4\n"
		"           address.\n"
		"\n"
		"A node without a name is called node-<MAC>. Malformed lines are reported\n"
		"as FILE:LINE and skipped. A MAC imported before is left out with a warning;\n"
		"repeated names and addresses are kept with a warning (bootherd check\n"
		"refuses them).\n"
		"\n"
		"Exit status: 0 when every line was fine; 1 when a line was malformed or a\n"
		"file could not be read (the good nodes are printed all the same); 2 for\n"
		"usage errors.\n"
		"\n"
		"Example: bootherd import dnsmasq /etc/dnsmasq.d/hosts.conf >nodes.yaml\n");
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct imp_run run = { 0 };
	enum import_format format;
	bool failed = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			imp_usage(stdout);
			return 0;
		default:
			imp_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "bootherd: import: give a format (dnsmasq or ethers) and files\n");
		return 2;
	}
	if (!strcmp(argv[optind], "dnsmasq")) {
		format = IMPORT_DNSMASQ;
	} else if (!strcmp(argv[optind], "ethers")) {
		format = IMPORT_ETHERS;
	} else {
		fprintf(stderr, "bootherd: import: unknown format '%s' (dnsmasq or ethers)\n",
			argv[optind]);
		return 2;
	}
	if (++optind >= argc) {
		fprintf(stderr, "bootherd: import: give the files to read ('-' for stdin)\n");
		return 2;
	}
	for (; optind < argc; optind++) {
		const char *path = argv[optind];
		char *text = NULL;
		size_t len = 0;
		int ret = imp_read(path, &text, &len);

		if (ret) {
			fprintf(stderr, "bootherd: import: %s: %s\n", path, strerror(-ret));
			failed = true;
			continue;
		}
		run.source = strcmp(path, "-") ? path : "<stdin>";
		ret = import_parse(format, run.source, text, len, imp_collect, &run, stderr);
		if (ret < 0)
			failed = true;
		free(text);
	}
	if (run.nomem || imp_dedup_macs(&run) || imp_warn_repeats(&run)) {
		fprintf(stderr, "bootherd: import: %s\n", strerror(ENOMEM));
		free(run.items);
		return 1;
	}
	fputs("nodes:", stdout);
	fputs(run.nr ? "\n" : " []\n", stdout);
	for (size_t i = 0; i < run.nr; i++)
		if (run.items[i].node.nr_macs)
			import_write_yaml(stdout, &run.items[i].node);
	free(run.items);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "bootherd: import: writing the output: %s\n", strerror(errno));
		return 1;
	}
	return failed ? 1 : 0;
}

/* `roots`: -c before the subcommand; everything after it is roots_main()'s. */
static int cmd_roots(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = "/etc/bootherd/bootherd.yaml";
	struct conf *c = NULL;
	int opt, ret;

	/* '+': stop at the subcommand, whose options are its own. */
	while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			return roots_main(2, (char *[]){ "roots", "--help", NULL }, NULL);
		default:
			return 2;
		}
	}
	if (optind >= argc)
		return roots_main(1, (char *[]){ "roots", NULL }, NULL);
	if (conf_load_file(path, &c, stderr)) {
		fprintf(stderr, "bootherd: roots: %s: not valid\n", path);
		return 1;
	}
	if (conf_validate(c, stderr)) {
		fprintf(stderr, "bootherd: roots: %s: not valid\n", path);
		conf_put(c);
		return 1;
	}
	argv[optind - 1] = "roots";
	ret = roots_main(argc - optind + 1, argv + optind - 1, c);
	conf_put(c);
	return ret;
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = NULL;
	struct conf *c = NULL;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			printf("Usage: bootherd status [-c FILE] [IFACE...]\n"
			       "Shows where the DHCP fast path (XDP) is attached and its counters,\n"
			       "read from the kernel: it works while the server is wedged, and finds\n"
			       "a program a killed server left behind. Exit status 1: none found.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		ret = xdp_fast_status(stdout, argv + optind, (size_t)(argc - optind));
		return ret < 0 ? 2 : ret;
	}
	if (path) {
		if (conf_load_file(path, &c, stderr)) {
			fprintf(stderr, "%s: not valid\n", path);
			return 2;
		}
		ret = xdp_fast_status(stdout, c->dhcp.interfaces, c->dhcp.nr_interfaces);
		conf_put(c);
		return ret < 0 ? 2 : ret;
	}
	ret = xdp_fast_status(stdout, NULL, 0);
	return ret < 0 ? 2 : ret;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("bootherd %s\n", BOOTHERD_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(cmd, "roots"))
		return cmd_roots(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	fprintf(stderr, "bootherd: unknown command '%s' (try --help)\n", cmd);
	return 2;
}
