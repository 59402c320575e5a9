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
#include "core/log.h"
#include "svc/server.h"

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
		"A network boot server: TFTP and HTTP (DHCP to come) on io_uring.\n"
		"\n"
		"Commands:\n"
		"  serve [-c FILE] [OPTIONS]   serve boot files (foreground; logs to stderr)\n"
		"  check -c FILE               validate a configuration file and exit\n"
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
	if (!c->nr_roots) {
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
	if (conf_load_file(path, &c, stderr) || conf_validate(c, stderr)) {
		conf_put(c);
		fprintf(stderr, "%s: not valid\n", path);
		return 1;
	}
	printf("%s: ok (%zu roots, %zu nodes, %zu profiles)\n", path, c->nr_roots, c->nr_nodes,
	       c->nr_profiles);
	conf_put(c);
	return 0;
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
	fprintf(stderr, "bootherd: unknown command '%s' (try --help)\n", cmd);
	return 2;
}
