// SPDX-License-Identifier: MIT
/*
 * Unit tests for the configuration module. conf.c is included whole so the schema tables and
 * static helpers are in reach. Diagnostics are captured with open_memstream() and compared
 * whole: their "file:line:col: message" form is what an operator reads, so it is part of the
 * contract. Run under ASan, which also proves conf_put() frees everything.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "conf/conf.c"

/* Loads @yaml as "t.yaml"; returns the diagnostics (free them). *@c is set only on success. */
static char *load(const char *yaml, int *ret, struct conf **c)
{
	struct conf *tmp = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*ret = conf_load_buf("t.yaml", yaml, strlen(yaml), c ? c : &tmp, f);
	fclose(f);
	if (!c && !*ret)
		conf_put(tmp);
	return buf;
}

/* Loads @yaml, which must load cleanly; the caller puts the result. */
static struct conf *load_ok(const char *yaml)
{
	struct conf *c = NULL;
	int ret;
	char *errs = load(yaml, &ret, &c);

	CHECK_EQ(ret, 0);
	CHECK_STR(errs, "");
	if (ret || *errs)
		printf("# unexpected errors for:\n%s# got:\n%s", yaml, errs);
	free(errs);
	return c;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

struct err_case {
	const char *yaml;
	const char *errs;       /* the whole diagnostic output */
};

/* Each case must fail to load with -EINVAL and print exactly its diagnostics. */
static void check_err_cases(const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct conf *c = (struct conf *)&cases[i];
		int ret;
		char *errs = load(cases[i].yaml, &ret, &c);

		CHECK_EQ(ret, -EINVAL);
		CHECK(c == (struct conf *)&cases[i]); /* *out untouched on error */
		CHECK_STR(errs, cases[i].errs);
		if (ret != -EINVAL || strcmp(errs, cases[i].errs))
			printf("# case %zu: ret %d\n# yaml:\n%s# expected:\n%s# got:\n%s", i, ret,
			       cases[i].yaml, cases[i].errs, errs);
		free(errs);
	}
}

#define CHECK_ERR_CASES(cases) check_err_cases((cases), ARRAY_SIZE(cases))

/* Runs conf_validate() on a conf that loads, and returns its diagnostics (free them). */
static char *validate(const char *yaml, int *ret)
{
	struct conf *c = load_ok(yaml);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	*ret = 0;
	if (!c)
		return strdup("(did not load)");
	f = open_memstream(&buf, &len);
	*ret = conf_validate(c, f);
	fclose(f);
	conf_put(c);
	return buf;
}

static void check_defaults(const struct conf *c)
{
	CHECK_STR(c->listen, "0.0.0.0");
	CHECK_EQ(c->listen_addr.s_addr, htonl(INADDR_ANY));
	CHECK_EQ(c->workers, 0u);
	CHECK_EQ(c->log_level, LOG_INFO);
	CHECK(c->tftp.enabled);
	CHECK_EQ(c->tftp.port, 69);
	CHECK_EQ(c->tftp.max_blksize, 65464u);
	CHECK_EQ(c->tftp.max_windowsize, 64u);
	CHECK_EQ(c->tftp.timeout_ms, 1000u);
	CHECK_EQ(c->tftp.retries, 5u);
	CHECK(c->tftp.gso);
	CHECK(c->http.enabled);
	CHECK_EQ(c->http.port, 80);
	CHECK_EQ(c->limits.max_sessions, 4096u);
	CHECK_EQ(c->limits.client_rate, 50u);
	CHECK_EQ(c->limits.client_burst, 200u);
	CHECK_EQ(c->limits.cache_bytes, UINT64_C(4) << 30);
	CHECK_EQ(c->limits.max_file_bytes, UINT64_C(4) << 30);
	CHECK_EQ(c->nr_roots, 0u);
	CHECK(c->roots == NULL);
	CHECK_EQ(c->nr_nodes, 0u);
	CHECK_EQ(c->nr_profiles, 0u);
	CHECK_EQ(atomic_load(&c->refs), 1u);
}

static void defaults_empty_document(void)
{
	static const char *const empties[] = {
		"", "\n", "# nothing but a comment\n", "~\n", "---\n", "---\n...\n", "null",
		/* Null sections and lists are empty ones. */
		"log:\ntftp:\nhttp: ~\nlimits: null\nroots:\nprofiles:\nnodes:\n",
		"tftp: {}\nroots: []\nprofiles: {}\nnodes: []\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(empties); i++) {
		struct conf *c = load_ok(empties[i]);

		if (!c)
			continue;
		check_defaults(c);
		CHECK_STR(c->source, "t.yaml");
		conf_put(c);
	}
}

static void embedded_default(void)
{
	struct conf *c = NULL;
	int ret = conf_load_buf("<embedded>", conf_default_yaml, strlen(conf_default_yaml), &c,
				stderr);

	CHECK_EQ(ret, 0);
	if (ret)
		return;
	CHECK_STR(c->source, "<embedded>");
	CHECK_STR(c->listen, "127.0.0.1");
	CHECK_EQ(c->listen_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_EQ(c->tftp.port, 6969);
	CHECK(c->tftp.enabled);
	CHECK_EQ(c->http.port, 8080);
	CHECK(c->http.enabled);
	CHECK_EQ(c->log_level, LOG_INFO);
	CHECK_EQ(c->nr_roots, 0u);
	CHECK_EQ(c->nr_nodes, 0u);
	CHECK_EQ(conf_validate(c, stderr), 0);
	conf_put(c);
}

static const char full_example[] =
	"listen: 127.0.0.1\n"
	"workers: 3\n"
	"log:\n"
	"  level: debug\n"
	"tftp:\n"
	"  enabled: false\n"
	"  port: 6969\n"
	"  max_blksize: 1468\n"
	"  max_windowsize: 16\n"
	"  timeout_ms: 250\n"
	"  retries: 0\n"
	"  gso: off\n"
	"http:\n"
	"  enabled: no\n"
	"  port: 8080\n"
	"limits:\n"
	"  max_sessions: 100\n"
	"  client_rate: 0\n"
	"  client_burst: 7\n"
	"  cache_bytes: 512MiB\n"
	"  max_file_bytes: 3G\n"
	"roots:\n"
	"  - path: /srv/bootherd\n"
	"  - path: /srv/ipxe\n"
	"    prefix: /ipxe\n"
	"    writable: true\n"
	"    overwrite: yes\n"
	"profiles:\n"
	"  diskless:\n"
	"    kernel: vmlinuz\n"
	"    initrd: initrd.img\n"
	"    cmdline: \"root=nfs:${server}:/srv/diskless/default ip=dhcp\"\n"
	"  bare: {}\n"
	"nodes:\n"
	"  - name: n001\n"
	"    mac: 52:54:00:00:00:01\n"
	"    ip: 10.0.0.11\n"
	"    profile: diskless\n"
	"  - {name: n002, mac: 52-54-00-AB-cd-Ef}\n";

static void full_example_values(void)
{
	static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t mac2[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	struct conf *c = load_ok(full_example);

	if (!c)
		return;
	CHECK_STR(c->listen, "127.0.0.1");
	CHECK_EQ(c->workers, 3u);
	CHECK_EQ(c->log_level, LOG_DEBUG);
	CHECK(!c->tftp.enabled);
	CHECK_EQ(c->tftp.port, 6969);
	CHECK_EQ(c->tftp.max_blksize, 1468u);
	CHECK_EQ(c->tftp.max_windowsize, 16u);
	CHECK_EQ(c->tftp.timeout_ms, 250u);
	CHECK_EQ(c->tftp.retries, 0u);
	CHECK(!c->tftp.gso);
	CHECK(!c->http.enabled);
	CHECK_EQ(c->http.port, 8080);
	CHECK_EQ(c->limits.max_sessions, 100u);
	CHECK_EQ(c->limits.client_rate, 0u);
	CHECK_EQ(c->limits.client_burst, 7u);
	CHECK_EQ(c->limits.cache_bytes, UINT64_C(512) << 20);
	CHECK_EQ(c->limits.max_file_bytes, UINT64_C(3) << 30);

	CHECK_EQ(c->nr_roots, 2u);
	if (c->nr_roots == 2) {
		CHECK_STR(c->roots[0].path, "/srv/bootherd");
		CHECK_STR(c->roots[0].prefix, "/");
		CHECK(!c->roots[0].writable);
		CHECK(!c->roots[0].overwrite);
		CHECK_EQ(c->roots[0].line, 23u);
		CHECK_STR(c->roots[1].path, "/srv/ipxe");
		CHECK_STR(c->roots[1].prefix, "/ipxe/");
		CHECK(c->roots[1].writable);
		CHECK(c->roots[1].overwrite);
		CHECK_EQ(c->roots[1].line, 24u);
	}

	CHECK_EQ(c->nr_profiles, 2u);
	if (c->nr_profiles == 2) {
		CHECK_STR(c->profiles[0].name, "diskless");
		CHECK_STR(c->profiles[0].kernel, "vmlinuz");
		CHECK_EQ(c->profiles[0].nr_initrds, 1u);
		CHECK_STR(c->profiles[0].initrds[0], "initrd.img");
		CHECK_STR(c->profiles[0].cmdline,
			  "root=nfs:${server}:/srv/diskless/default ip=dhcp");
		CHECK_EQ(c->profiles[0].line, 29u);
		CHECK_STR(c->profiles[1].name, "bare");
		CHECK(c->profiles[1].kernel == NULL);
		CHECK(c->profiles[1].initrds == NULL);
		CHECK(c->profiles[1].cmdline == NULL);
		CHECK_EQ(c->profiles[1].line, 33u);
	}

	CHECK_EQ(c->nr_nodes, 2u);
	if (c->nr_nodes == 2) {
		CHECK_STR(c->nodes[0].name, "n001");
		CHECK_MEM(c->nodes[0].macs[0], mac1, 6);
		CHECK(c->nodes[0].has_ip);
		CHECK_EQ(c->nodes[0].ip.s_addr, htonl(0x0a00000b));
		CHECK_STR(c->nodes[0].profile, "diskless");
		CHECK_EQ(c->nodes[0].line, 35u);
		CHECK_STR(c->nodes[1].name, "n002");
		CHECK_MEM(c->nodes[1].macs[0], mac2, 6);
		CHECK(!c->nodes[1].has_ip);
		CHECK(c->nodes[1].profile == NULL);
		CHECK_EQ(c->nodes[1].line, 39u);
	}
	conf_put(c);
}

/* The shipped example must load; its roots need not exist on the test machine. */
static void example_file_loads(void)
{
	struct conf *c = NULL;
	int ret = conf_load_file("conf/bootherd.yaml", &c, stdout);

	CHECK_EQ(ret, 0);
	if (ret)
		return;
	CHECK_STR(c->source, "conf/bootherd.yaml");
	CHECK_EQ(c->nr_nodes, 3u);
	CHECK_EQ(c->nr_profiles, 3u);
	CHECK_EQ(c->nr_groups, 1u);
	CHECK_EQ(c->nr_rules, 2u);
	CHECK_EQ(c->nodes[1].nr_macs, 2u);
	CHECK(c->nr_roots >= 1);
	if (c->nr_roots)
		CHECK_STR(c->roots[0].path, "/srv/bootherd/tftp");
	{
		/* Consistent apart from its roots, which only exist on a server. */
		char *errs = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&errs, &len);

		conf_validate(c, f);
		fclose(f);
		for (char *l = strtok(errs, "\n"); l; l = strtok(NULL, "\n")) {
			CHECK(strstr(l, ": root '/srv/bootherd/") != NULL);
			if (!strstr(l, ": root '/srv/bootherd/"))
				printf("# %s\n", l);
		}
		free(errs);
	}
	conf_put(c);
}

static void load_file_errors(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct conf *c = NULL;

	CHECK_EQ(conf_load_file("/nonexistent/bootherd.yaml", &c, f), -ENOENT);
	CHECK_EQ(conf_load_file("/", &c, f), -EISDIR);
	fclose(f);
	CHECK(c == NULL);
	CHECK_STR(buf, "cannot open /nonexistent/bootherd.yaml: No such file or directory\n"
		       "cannot read /: Is a directory\n");
	free(buf);
}

static void size_suffixes(void)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} sizes[] = {
		{ "1", 1 },
		{ "4096", 4096 },
		{ "64K", 64 << 10 },
		{ "64KiB", 64 << 10 },
		{ "3M", UINT64_C(3) << 20 },
		{ "512MiB", UINT64_C(512) << 20 },
		{ "2G", UINT64_C(2) << 30 },
		{ "4GiB", UINT64_C(4) << 30 },
		{ "4 GiB", UINT64_C(4) << 30 },
		{ "1gib", UINT64_C(1) << 30 },
		{ "8589934591G", UINT64_C(8589934591) << 30 },
		{ "18446744073709551615", UINT64_MAX },
	};
	char yaml[128];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct conf *c;

		snprintf(yaml, sizeof(yaml), "limits:\n  cache_bytes: %s\n", sizes[i].text);
		c = load_ok(yaml);
		if (!c)
			continue;
		CHECK_EQ(c->limits.cache_bytes, sizes[i].bytes);
		if (c->limits.cache_bytes != sizes[i].bytes)
			printf("# %s -> %" PRIu64 "\n", sizes[i].text, c->limits.cache_bytes);
		conf_put(c);
	}
}

static void booleans_and_levels(void)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "ON" };
	static const char *const no[] = { "false", "False", "no", "NO", "off", "Off" };
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "err", LOG_ERR }, { "warn", LOG_WARN }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG },
	};
	char yaml[64];
	struct conf *c;

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		snprintf(yaml, sizeof(yaml), "tftp: {gso: false}\nhttp: {enabled: %s}\n", yes[i]);
		c = load_ok(yaml);
		if (c)
			CHECK(c->http.enabled && !c->tftp.gso);
		conf_put(c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		snprintf(yaml, sizeof(yaml), "tftp:\n  gso: \"%s\"\n", no[i]);
		c = load_ok(yaml);
		if (c)
			CHECK(!c->tftp.gso);
		conf_put(c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		snprintf(yaml, sizeof(yaml), "log: {level: %s}\n", levels[i].name);
		c = load_ok(yaml);
		if (c)
			CHECK_EQ(c->log_level, levels[i].level);
		conf_put(c);
	}
}

static void range_limits_accepted(void)
{
	struct conf *c = load_ok("workers: 256\n"
				 "tftp: {port: 65535, max_blksize: 8, max_windowsize: 65535,\n"
				 "       timeout_ms: 255000, retries: 100}\n"
				 "http: {port: 1}\n"
				 "limits: {max_sessions: 1000000, client_rate: 1000000,\n"
				 "         client_burst: 1, max_file_bytes: 1}\n");

	if (!c)
		return;
	CHECK_EQ(c->workers, 256u);
	CHECK_EQ(c->tftp.port, 65535);
	CHECK_EQ(c->tftp.max_blksize, 8u);
	CHECK_EQ(c->tftp.max_windowsize, 65535u);
	CHECK_EQ(c->tftp.timeout_ms, 255000u);
	CHECK_EQ(c->tftp.retries, 100u);
	CHECK_EQ(c->http.port, 1);
	CHECK_EQ(c->limits.max_sessions, 1000000u);
	CHECK_EQ(c->limits.client_burst, 1u);
	CHECK_EQ(c->limits.max_file_bytes, 1u);
	conf_put(c);
}

static void unknown_keys(void)
{
	static const struct err_case cases[] = {
		{ "listen: 0.0.0.0\nlisten_port: 69\n",
		  "t.yaml:2:1: unknown key 'listen_port' at the top level (expected one of: "
		  "listen, workers, log, tftp, http, limits, dhcp, diskless, roots, profiles, groups, rules, nodes)\n" },
		{ "log:\n  lvl: info\n",
		  "t.yaml:2:3: unknown key 'lvl' in 'log' (expected one of: level)\n" },
		{ "tftp:\n  enabled: true\n  prot: 69\n",
		  "t.yaml:3:3: unknown key 'prot' in 'tftp' (expected one of: enabled, port, "
		  "max_blksize, max_windowsize, timeout_ms, retries, gso)\n" },
		{ "http:\n  Port: 80\n",
		  "t.yaml:2:3: unknown key 'Port' in 'http' (expected one of: enabled, port, "
		  "max_connections, max_header_bytes, header_timeout_ms, idle_timeout_ms, "
		  "send_timeout_ms, send_buffer_bytes, send, active_sends)\n" },
		{ "limits:\n  max_session: 1\n",
		  "t.yaml:2:3: unknown key 'max_session' in 'limits' (expected one of: "
		  "max_sessions, client_rate, client_burst, cache_bytes, max_file_bytes)\n" },
		{ "roots:\n  - path: /srv\n  - path: /srv/x\n    pefix: /x\n",
		  "t.yaml:4:5: unknown key 'pefix' in 'roots[1]' (expected one of: path, prefix, "
		  "writable, overwrite)\n" },
		{ "profiles:\n  diskless:\n    kernel: vmlinuz\n    append: quiet\n",
		  "t.yaml:4:5: unknown key 'append' in 'profiles.diskless' (expected one of: "
		  "label, title, kernel, initrd, cmdline, root, localboot, menu, timeout, image, boot)\n" },
		{ "nodes:\n  - {name: a, mac: 52:54:00:00:00:01, hostname: a}\n",
		  "t.yaml:2:39: unknown key 'hostname' in 'nodes[0]' (expected one of: name, mac, "
		  "ip, profile, group, tags)\n" },
		/* Keys are strings; a sequence as a key is no key at all. */
		{ "? [a, b]\n: 1\n",
		  "t.yaml:1:3: expected a key name at the top level, got a sequence\n" },
	};

	CHECK_ERR_CASES(cases);
}

static void wrong_types(void)
{
	static const struct err_case cases[] = {
		{ "tftp:\n  port: [69]\n",
		  "t.yaml:2:9: tftp.port: expected an integer, got a sequence\n" },
		{ "tftp:\n  port: {a: 1}\n",
		  "t.yaml:2:9: tftp.port: expected an integer, got a mapping\n" },
		{ "tftp:\n  port:\n",
		  "t.yaml:2:8: tftp.port: expected an integer, got an empty value\n" },
		{ "tftp:\n  retries: yes\n",
		  "t.yaml:2:12: tftp.retries: expected an integer, got 'yes'\n" },
		{ "tftp:\n  timeout_ms: 1.5\n",
		  "t.yaml:2:15: tftp.timeout_ms: expected an integer, got '1.5'\n" },
		{ "tftp:\n  port: 0x45\n",
		  "t.yaml:2:9: tftp.port: expected an integer, got '0x45'\n" },
		{ "workers: \"\"\n",
		  "t.yaml:1:10: workers: expected an integer, got ''\n" },
		{ "tftp:\n  gso: 1\n",
		  "t.yaml:2:8: tftp.gso: expected a boolean (true/false, yes/no, on/off), "
		  "got '1'\n" },
		{ "http:\n  enabled: [true]\n",
		  "t.yaml:2:12: http.enabled: expected a boolean (true/false, yes/no, on/off), "
		  "got a sequence\n" },
		{ "tftp: 69\n",
		  "t.yaml:1:7: tftp: expected a mapping, got a scalar\n" },
		{ "http:\n  send: fast\n",
		  "t.yaml:2:9: http.send: invalid value 'fast' (expected one of: auto, copy, splice, "
		  "zerocopy, sendfile)\n" },
		{ "http:\n  send: [copy]\n",
		  "t.yaml:2:9: http.send: expected a word, got a sequence\n" },
		{ "log: [info]\n",
		  "t.yaml:1:6: log: expected a mapping, got a sequence\n" },
		{ "log:\n  level: verbose\n",
		  "t.yaml:2:10: log.level: invalid log level 'verbose' (expected err, warn, info "
		  "or debug)\n" },
		{ "roots: /srv/bootherd\n",
		  "t.yaml:1:8: roots: expected a sequence, got a scalar\n" },
		{ "roots:\n  path: /srv\n",
		  "t.yaml:2:3: roots: expected a sequence, got a mapping\n" },
		{ "roots:\n  - /srv/bootherd\n",
		  "t.yaml:2:5: roots[0]: expected a mapping, got a scalar\n" },
		{ "profiles:\n  - diskless\n",
		  "t.yaml:2:3: profiles: expected a mapping, got a sequence\n" },
		{ "profiles:\n  diskless: vmlinuz\n",
		  "t.yaml:2:13: profiles.diskless: expected a mapping, got a scalar\n" },
		{ "profiles:\n  diskless:\n    cmdline: [a, b]\n",
		  "t.yaml:3:14: profiles.diskless.cmdline: expected a string, got a sequence\n" },
		{ "profiles:\n  [a]: {}\n",
		  "t.yaml:2:3: profiles: expected a name, got a sequence\n" },
		{ "nodes:\n  name: n001\n",
		  "t.yaml:2:3: nodes: expected a sequence, got a mapping\n" },
		{ "nodes:\n  - name: {first: n}\n    mac: 52:54:00:00:00:01\n",
		  "t.yaml:2:11: nodes[0].name: expected a name, got a mapping\n" },
		{ "nodes:\n  - name: \"\"\n    mac: 52:54:00:00:00:01\n",
		  "t.yaml:2:11: nodes[0].name: must not be empty\n" },
		{ "- listen\n- workers\n",
		  "t.yaml:1:1: expected a mapping at the top level, got a sequence\n" },
		{ "just a string\n",
		  "t.yaml:1:1: expected a mapping at the top level, got a scalar\n" },
		/* A "\0" escape would otherwise cut the string short without a word. */
		{ "profiles:\n  p:\n    kernel: \"vmlinuz\\0.bak\"\n",
		  "t.yaml:3:13: profiles.p.kernel: value contains a NUL byte\n" },
	};

	CHECK_ERR_CASES(cases);
}

static void out_of_range(void)
{
	static const struct err_case cases[] = {
		{ "workers: 257\n", "t.yaml:1:10: workers: 257 is out of range (0..256)\n" },
		{ "workers: -1\n", "t.yaml:1:10: workers: -1 is out of range (0..256)\n" },
		{ "tftp:\n  port: 0\n", "t.yaml:2:9: tftp.port: 0 is out of range (1..65535)\n" },
		{ "tftp:\n  port: 70000\n",
		  "t.yaml:2:9: tftp.port: 70000 is out of range (1..65535)\n" },
		{ "tftp:\n  max_blksize: 7\n",
		  "t.yaml:2:16: tftp.max_blksize: 7 is out of range (8..65464)\n" },
		{ "tftp:\n  max_blksize: 65465\n",
		  "t.yaml:2:16: tftp.max_blksize: 65465 is out of range (8..65464)\n" },
		{ "tftp:\n  max_windowsize: 0\n",
		  "t.yaml:2:19: tftp.max_windowsize: 0 is out of range (1..65535)\n" },
		{ "tftp:\n  timeout_ms: 9\n",
		  "t.yaml:2:15: tftp.timeout_ms: 9 is out of range (10..255000)\n" },
		{ "tftp:\n  timeout_ms: 255001\n",
		  "t.yaml:2:15: tftp.timeout_ms: 255001 is out of range (10..255000)\n" },
		{ "tftp:\n  retries: 101\n",
		  "t.yaml:2:12: tftp.retries: 101 is out of range (0..100)\n" },
		{ "http:\n  port: 65536\n",
		  "t.yaml:2:9: http.port: 65536 is out of range (1..65535)\n" },
		{ "limits:\n  max_sessions: 0\n",
		  "t.yaml:2:17: limits.max_sessions: 0 is out of range (1..1000000)\n" },
		{ "limits:\n  client_rate: 1000001\n",
		  "t.yaml:2:16: limits.client_rate: 1000001 is out of range (0..1000000)\n" },
		{ "limits:\n  client_burst: 0\n",
		  "t.yaml:2:17: limits.client_burst: 0 is out of range (1..1000000)\n" },
		{ "limits:\n  cache_bytes: 0G\n",
		  "t.yaml:2:16: limits.cache_bytes: 0G is out of range (at least 1)\n" },
		/* One past UINT64_MAX: overflow, not a wrapped small number. */
		{ "tftp:\n  retries: 18446744073709551616\n",
		  "t.yaml:2:12: tftp.retries: integer overflow in '18446744073709551616'\n" },
		{ "tftp:\n  port: 99999999999999999999999999999999999999999999999999\n",
		  "t.yaml:2:9: tftp.port: integer overflow in "
		  "'9999999999999999999999999999999999999999...'\n" },
		{ "limits:\n  cache_bytes: 17179869184G\n",
		  "t.yaml:2:16: limits.cache_bytes: integer overflow in '17179869184G'\n" },
		{ "limits:\n  cache_bytes: 18446744073709551616\n",
		  "t.yaml:2:16: limits.cache_bytes: integer overflow in '18446744073709551616'\n" },
	};

	CHECK_ERR_CASES(cases);
}

static void bad_sizes(void)
{
	static const char *const bad[] = {
		"4XB", "4GB", "4TiB", "1.5G", "G", "-1", "0x10", "4 G B", "4Gi", "\"\"", "4\tG",
	};
	char yaml[96], want[256];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err_case one[1] = { { yaml, want } };
		char raw[32];

		snprintf(yaml, sizeof(yaml), "limits:\n  max_file_bytes: %s\n", bad[i]);
		/* The excerpt shows the value as libyaml read it: without quotes, a tab as '?'. */
		snprintf(raw, sizeof(raw), "%s", strcmp(bad[i], "\"\"") ? bad[i] : "");
		for (char *s = raw; *s; s++)
			if (*s == '\t')
				*s = '?';
		snprintf(want, sizeof(want),
			 "t.yaml:2:19: limits.max_file_bytes: invalid size '%s' (expected an "
			 "integer with an optional K, M, G, KiB, MiB or GiB suffix)\n", raw);
		check_err_cases(one, 1);
	}
}

static void macs(void)
{
	static const struct {
		const char *text;
		uint8_t mac[6];
	} good[] = {
		{ "52:54:00:00:00:01", { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 } },
		{ "52-54-00-00-00-01", { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 } },
		{ "AA:bb:Cc:dD:ee:FF", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "\"00-00-00-00-00-00\"", { 0 } },
	};
	static const char *const bad[] = {
		"52:54:00:00:00", "52:54:00:00:00:01:02", "52:54:00:00:00:0g", "52:54-00:00:00:01",
		"525400000001", "5:54:00:00:00:01", "52:54:00:00:00:001", "52.54.00.00.00.01",
		"52::54:00:00:00:01",
	};
	char yaml[128], want[256];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct conf *c;

		snprintf(yaml, sizeof(yaml), "nodes:\n  - name: n\n    mac: %s\n", good[i].text);
		c = load_ok(yaml);
		if (c && c->nr_nodes == 1)
			CHECK_MEM(c->nodes[0].macs[0], good[i].mac, 6);
		conf_put(c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err_case one[1] = { { yaml, want } };

		snprintf(yaml, sizeof(yaml), "nodes:\n  - name: n\n    mac: %s\n", bad[i]);
		snprintf(want, sizeof(want),
			 "t.yaml:3:10: nodes[0].mac: invalid MAC address '%s'\n", bad[i]);
		check_err_cases(one, 1);
	}
}

static void ips(void)
{
	static const struct err_case cases[] = {
		{ "listen: localhost\n",
		  "t.yaml:1:9: listen: invalid IPv4 address 'localhost'\n" },
		{ "listen: 10.1\n", "t.yaml:1:9: listen: invalid IPv4 address '10.1'\n" },
		{ "listen: \"::1\"\n", "t.yaml:1:9: listen: invalid IPv4 address '::1'\n" },
		{ "nodes:\n  - name: n\n    mac: 52:54:00:00:00:01\n    ip: 10.0.0.256\n",
		  "t.yaml:4:9: nodes[0].ip: invalid IPv4 address '10.0.0.256'\n" },
		{ "nodes:\n  - name: n\n    mac: 52:54:00:00:00:01\n    ip: 10.0.0.1/24\n",
		  "t.yaml:4:9: nodes[0].ip: invalid IPv4 address '10.0.0.1/24'\n" },
	};

	CHECK_ERR_CASES(cases);
}

static void roots_and_required(void)
{
	static const struct err_case cases[] = {
		{ "roots:\n  - path: srv/bootherd\n",
		  "t.yaml:2:11: roots[0].path: 'srv/bootherd' is not an absolute path\n" },
		{ "roots:\n  - path: /srv\n    prefix: ipxe/\n",
		  "t.yaml:3:13: roots[0].prefix: 'ipxe/' must start with '/'\n" },
		{ "roots:\n  - prefix: /ipxe/\n",
		  "t.yaml:2:5: missing required key 'path' in 'roots[0]'\n" },
		{ "roots:\n  -\n",
		  "t.yaml:2:4: missing required key 'path' in 'roots[0]'\n" },
		{ "nodes:\n  - ip: 10.0.0.1\n",
		  "t.yaml:2:5: missing required key 'name' in 'nodes[0]'\n"
		  "t.yaml:2:5: missing required key 'mac' in 'nodes[0]'\n" },
		{ "tftp:\n  port: 69\n  port: 70\n",
		  "t.yaml:3:3: duplicate key 'port' in 'tftp' (first at line 2)\n" },
		{ "workers: 1\nworkers: 2\n",
		  "t.yaml:2:1: duplicate key 'workers' at the top level (first at line 1)\n" },
		{ "profiles:\n  a: {}\n  b: {}\n  a: {kernel: x}\n",
		  "t.yaml:4:3: duplicate key 'a' in 'profiles' (first at line 2)\n" },
		{ "profiles:\n  \"\": {}\n",
		  "t.yaml:2:3: profiles: a name must not be empty\n" },
	};
	struct conf *c = load_ok("roots:\n  - path: /a\n    prefix: //x//y\n  - path: /b\n"
				 "    prefix: /\n  - path: /c\n    prefix: /ipxe\n");

	if (c && c->nr_roots == 3) {
		CHECK_STR(c->roots[0].prefix, "/x/y/");
		CHECK_STR(c->roots[1].prefix, "/");
		CHECK_STR(c->roots[2].prefix, "/ipxe/");
	}
	conf_put(c);
	CHECK_ERR_CASES(cases);
}

static void syntax_errors(void)
{
	static const struct err_case cases[] = {
		{ "tftp:\n  port: 69\n enabled: true\n",
		  "t.yaml:3:2: did not find expected key (while parsing a block mapping at line 1, "
		  "column 1)\n" },
		{ "roots: [ {path: /srv}\n",
		  "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at "
		  "line 1, column 8)\n" },
		{ "listen: \"127.0.0.1\n",
		  "t.yaml:2:1: found unexpected end of stream (while scanning a quoted scalar at "
		  "line 1, column 9)\n" },
		{ "a: b: c\n",
		  "t.yaml:1:5: mapping values are not allowed in this context\n" },
		{ "\tlisten: 1.2.3.4\n",
		  "t.yaml:1:1: found character that cannot start any token (while scanning for the "
		  "next token at line 1, column 1)\n" },
		{ "listen: \xff\n",
		  "t.yaml:1:9: invalid leading UTF-8 octet (0xFF)\n" },
		{ "nodes:\n  - name: a\x01" "b\n",
		  "t.yaml:2:12: control characters are not allowed (0x01)\n" },
		{ "nodes: [*n]\n",
		  "t.yaml:1:9: found undefined alias\n" },
		{ "workers: 1\n---\nworkers: 2\n",
		  "t.yaml:2:1: only one YAML document is allowed\n" },
	};
	char deep[3 * CONF_MAX_DEPTH + 16];
	size_t n = 0;

	CHECK_ERR_CASES(cases);

	/* Nesting is refused before libyaml's recursive composer sees it. */
	n += (size_t)sprintf(deep + n, "a: ");
	for (int i = 0; i <= CONF_MAX_DEPTH; i++)
		deep[n++] = '[';
	deep[n++] = '\n';
	deep[n] = '\0';
	{
		struct err_case one[1] = {
			{ deep, "t.yaml:1:35: nested deeper than 32 levels\n" },
		};

		check_err_cases(one, 1);
	}
}

/* Anchors and aliases are plain YAML and work wherever the value would. */
static void aliases(void)
{
	struct conf *c = load_ok("profiles:\n  a: &p {kernel: vmlinuz, initrd: initrd.img}\n"
				 "  b: *p\n"
				 "roots: [&r {path: /srv}, *r]\n");

	if (!c)
		return;
	CHECK_EQ(c->nr_profiles, 2u);
	if (c->nr_profiles == 2)
		CHECK_STR(c->profiles[1].kernel, "vmlinuz");
	CHECK_EQ(c->nr_roots, 2u);
	conf_put(c);
}

/* Every error in a file is reported in one pass, not only the first. */
static void many_errors_one_pass(void)
{
	static const char yaml[] =
		"listen: 1.2.3\n"                       /* 1 */
		"workers: lots\n"                       /* 2 */
		"colour: blue\n"                        /* 3 */
		"tftp:\n"
		"  port: 70000\n"                       /* 4 */
		"  gso: maybe\n"                        /* 5 */
		"  prot: 1\n"                           /* 6 */
		"limits:\n"
		"  cache_bytes: 4XB\n"                  /* 7 */
		"roots:\n"
		"  - path: relative\n"                  /* 8 */
		"  - prefix: /x/\n"                     /* 9: path missing */
		"nodes:\n"
		"  - name: a\n"
		"    mac: 52:54:00:00:00:0g\n"          /* 10 */
		"    ip: 10.0.0\n"                      /* 11 */
		"  - mac: 52:54:00:00:00:02\n"          /* 12: name missing */
		"log:\n"
		"  level: loud\n";                      /* 13 */
	static const char want[] =
		"t.yaml:1:9: listen: invalid IPv4 address '1.2.3'\n"
		"t.yaml:2:10: workers: expected an integer, got 'lots'\n"
		"t.yaml:3:1: unknown key 'colour' at the top level (expected one of: listen, "
		"workers, log, tftp, http, limits, dhcp, diskless, roots, profiles, groups, rules, nodes)\n"
		"t.yaml:5:9: tftp.port: 70000 is out of range (1..65535)\n"
		"t.yaml:6:8: tftp.gso: expected a boolean (true/false, yes/no, on/off), "
		"got 'maybe'\n"
		"t.yaml:7:3: unknown key 'prot' in 'tftp' (expected one of: enabled, port, "
		"max_blksize, max_windowsize, timeout_ms, retries, gso)\n"
		"t.yaml:9:16: limits.cache_bytes: invalid size '4XB' (expected an integer with an "
		"optional K, M, G, KiB, MiB or GiB suffix)\n"
		"t.yaml:11:11: roots[0].path: 'relative' is not an absolute path\n"
		"t.yaml:12:5: missing required key 'path' in 'roots[1]'\n"
		"t.yaml:15:10: nodes[0].mac: invalid MAC address '52:54:00:00:00:0g'\n"
		"t.yaml:16:9: nodes[0].ip: invalid IPv4 address '10.0.0'\n"
		"t.yaml:17:5: missing required key 'name' in 'nodes[1]'\n"
		"t.yaml:19:10: log.level: invalid log level 'loud' (expected err, warn, info or "
		"debug)\n";
	struct err_case one[1] = { { yaml, want } };
	int ret;
	char *errs;

	check_err_cases(one, 1);
	errs = load(yaml, &ret, NULL);
	CHECK_EQ(count_lines(errs), 13u);
	free(errs);

	/* Without a stream the errors are still counted and the load still fails. */
	{
		struct conf *c = NULL;

		CHECK_EQ(conf_load_buf("t.yaml", yaml, strlen(yaml), &c, NULL), -EINVAL);
		CHECK(c == NULL);
	}
}

static const char inventory[] =
	"profiles:\n"                                   /* 1 */
	"  diskless: {kernel: vmlinuz}\n"               /* 2 */
	"nodes:\n"                                      /* 3 */
	"  - {name: n1, mac: 52:54:00:00:00:01, ip: 10.0.0.1, profile: diskless}\n"
	"  - {name: n2, mac: 52:54:00:00:00:02, ip: 10.0.0.2}\n"
	"  - {name: n1, mac: 52:54:00:00:00:03}\n"      /* 6: name of line 4 */
	"  - {name: n4, mac: 52-54-00-00-00-01}\n"      /* 7: MAC of line 4 */
	"  - {name: n5, mac: 52:54:00:00:00:05, ip: 10.0.0.2}\n" /* 8: IP of line 5 */
	"  - {name: n6, mac: 52:54:00:00:00:06, profile: disk}\n" /* 9: no such profile */
	"  - {name: n7, mac: 52:54:00:00:00:07, ip: 10.0.0.2}\n"; /* 10: IP of line 5 again */

static void validate_inventory(void)
{
	static const char want[] =
		"t.yaml:6: duplicate node name 'n1' (first at line 4)\n"
		"t.yaml:7: node 'n4': MAC 52:54:00:00:00:01 is already used by node 'n1' at "
		"line 4\n"
		"t.yaml:8: node 'n5': IP 10.0.0.2 is already used by node 'n2' at line 5\n"
		"t.yaml:10: node 'n7': IP 10.0.0.2 is already used by node 'n2' at line 5\n"
		"t.yaml:9: node 'n6': unknown profile 'disk'\n";
	int ret;
	char *errs = validate(inventory, &ret);

	CHECK_EQ(ret, -EINVAL);
	CHECK_STR(errs, want);
	if (strcmp(errs, want))
		printf("# got:\n%s", errs);
	CHECK_EQ(count_lines(errs), 5u);
	free(errs);

	/* The clean part of the same inventory passes. */
	errs = validate("profiles:\n  diskless: {kernel: vmlinuz}\n"
			"nodes:\n"
			"  - {name: n1, mac: 52:54:00:00:00:01, ip: 10.0.0.1, profile: diskless}\n"
			"  - {name: n2, mac: 52:54:00:00:00:02, ip: 10.0.0.2}\n"
			"  - {name: n3, mac: 52:54:00:00:00:03}\n"
			"  - {name: n4, mac: 52:54:00:00:00:04}\n", &ret);
	CHECK_EQ(ret, 0);
	CHECK_STR(errs, "");
	free(errs);
}

static void dhcp_values(void)
{
	struct conf *c = load_ok("dhcp:\n"
				 "  enabled: true\n"
				 "  interfaces: eth1\n"
				 "  lease_db: /var/lib/x.sqlite\n"
				 "  lease_sync: normal\n"
				 "  boot: {bios: pxelinux.0, ipxe: 'http://${server}/b/${mac}.ipxe'}\n"
				 "  subnets:\n"
				 "    - subnet: 10.1.0.0/16\n"
				 "      pools: [10.1.1.0-10.1.1.255, '10.1.2.10 - 10.1.2.20']\n"
				 "      router: 10.1.0.1\n"
				 "      dns: [10.1.0.1, 10.1.0.2]\n"
				 "      ntp: 10.1.0.3\n"
				 "      mtu: 9000\n"
				 "nodes:\n"
				 "  - {name: n1, mac: 52:54:00:00:00:01, ip: 10.1.0.10}\n");
	struct in_addr a;
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };

	if (!c)
		return;
	CHECK(c->dhcp.enabled);
	CHECK_EQ(c->dhcp.mode, CONF_DHCP_SERVER);
	CHECK_EQ(c->dhcp.port, 67);
	CHECK_EQ(c->dhcp.proxy_port, 4011);
	CHECK_EQ(c->dhcp.nr_interfaces, 1u);
	CHECK_STR(c->dhcp.interfaces[0], "eth1");
	CHECK_EQ(c->dhcp.lease_sync, 1);
	CHECK_EQ(c->dhcp.lease_time, 3600u);
	CHECK_STR(c->dhcp.boot.bios, "pxelinux.0");
	CHECK(c->dhcp.boot.efi64 == NULL);
	CHECK_EQ(c->dhcp.nr_subnets, 1u);
	CHECK_EQ(c->dhcp.subnets[0].prefix_len, 16u);
	CHECK_EQ(c->dhcp.subnets[0].nr_pools, 2u);
	CHECK_EQ(ntohl(c->dhcp.subnets[0].pools[1].first.s_addr), 0x0a01020au);
	CHECK_EQ(ntohl(c->dhcp.subnets[0].pools[1].last.s_addr), 0x0a010214u);
	CHECK_EQ(c->dhcp.subnets[0].nr_dns, 2u);
	CHECK_EQ(c->dhcp.subnets[0].nr_ntp, 1u);
	CHECK(c->dhcp.subnets[0].has_mtu);
	CHECK(!c->dhcp.subnets[0].has_lease_time);
	CHECK_EQ(conf_validate(c, NULL), 0);
	inet_pton(AF_INET, "10.1.200.3", &a);
	CHECK(conf_subnet_for(c, a) == &c->dhcp.subnets[0]);
	inet_pton(AF_INET, "10.2.0.1", &a);
	CHECK(conf_subnet_for(c, a) == NULL);
	CHECK(conf_node_by_mac(c, mac) == &c->nodes[0]);
	mac[5] = 2;
	CHECK(conf_node_by_mac(c, mac) == NULL);
	conf_put(c);
}

static void dhcp_errors(void)
{
	static const struct err_case cases[] = {
		{ "dhcp:\n  subnets:\n    - subnet: 10.1.2.0/16\n",
		  "t.yaml:3:15: dhcp.subnets[0].subnet: '10.1.2.0/16' has host bits set\n" },
		{ "dhcp:\n  subnets:\n    - subnet: 10.1.0.0\n",
		  "t.yaml:3:15: dhcp.subnets[0].subnet: expected a subnet ADDRESS/PREFIX, got "
		  "'10.1.0.0'\n" },
		{ "dhcp:\n  subnets:\n    - subnet: 10.0.0.0/31\n",
		  "t.yaml:3:15: dhcp.subnets[0].subnet: prefix length /31 is out of range "
		  "(8..30)\n" },
		{ "dhcp:\n  subnets:\n    - {subnet: 10.0.0.0/24, pools: [10.0.0.9-10.0.0.1]}\n",
		  "t.yaml:3:37: dhcp.subnets[0].pools[0]: range '10.0.0.9-10.0.0.1' ends before "
		  "it starts\n" },
		{ "dhcp:\n  subnets:\n    - {subnet: 10.0.0.0/24, pools: [10.0.0.9]}\n",
		  "t.yaml:3:37: dhcp.subnets[0].pools[0]: expected an address range FIRST-LAST, "
		  "got '10.0.0.9'\n" },
		{ "dhcp:\n  subnets:\n    - {subnet: 10.0.0.0/24, dns: [10.0.0.1, x]}\n",
		  "t.yaml:3:45: dhcp.subnets[0].dns[1]: invalid IPv4 address 'x'\n" },
		{ "dhcp:\n  mode: relay\n",
		  "t.yaml:2:9: dhcp.mode: invalid value 'relay' (expected one of: server, "
		  "proxy)\n" },
		{ "dhcp:\n  interfaces: {a: b}\n",
		  "t.yaml:2:15: dhcp.interfaces: expected a list of strings, got a mapping\n" },
	};

	CHECK_ERR_CASES(cases);
}

static void dhcp_validate(void)
{
	static const char want[] =
		"t.yaml: dhcp: mode 'server' needs at least one entry in dhcp.subnets (or use "
		"mode 'proxy')\n";
	static const char want2[] =
		"t.yaml:4: subnet 10.0.0.0/24: pool 10.0.0.0-10.0.0.9 must lie inside the subnet, "
		"without its network and broadcast addresses\n"
		"t.yaml:5: subnet 10.0.0.0/25 overlaps subnet 10.0.0.0/24 at line 4\n"
		"t.yaml:6: subnet 10.1.0.0/24: pools 1 and 2 overlap\n"
		"t.yaml:8: node 'n1': IP 10.9.0.1 is in none of dhcp.subnets\n";
	int ret;
	char *errs = validate("dhcp: {enabled: true}\n", &ret);

	CHECK_EQ(ret, -EINVAL);
	CHECK_STR(errs, want);
	free(errs);
	errs = validate("dhcp:\n"
			"  enabled: true\n"
			"  subnets:\n"
			"    - {subnet: 10.0.0.0/24, pools: [10.0.0.0-10.0.0.9]}\n"
			"    - {subnet: 10.0.0.0/25}\n"
			"    - {subnet: 10.1.0.0/24, pools: [10.1.0.5-10.1.0.9, 10.1.0.9-10.1.0.20]}\n"
			"nodes:\n"
			"  - {name: n1, mac: 52:54:00:00:00:01, ip: 10.9.0.1}\n", &ret);
	CHECK_EQ(ret, -EINVAL);
	CHECK_STR(errs, want2);
	if (strcmp(errs, want2))
		printf("# got:\n%s", errs);
	free(errs);
	/* Names that land in boot scripts must be words. */
	errs = validate("profiles:\n  a: {kernel: k, label: 'two words'}\n"
			"nodes:\n  - {name: 'n;1', mac: 52:54:00:00:00:01}\n", &ret);
	CHECK_EQ(ret, -EINVAL);
	CHECK_STR(errs, "t.yaml:4: node name 'n;1' is not a host name (letters, digits, '-', '.', "
		  "'_')\n"
		  "t.yaml:2: profile 'a': label 'two words' must be one word (letters, digits, '-', "
		  "'.', '_'); put free text in title\n");
	free(errs);
	/* Proxy mode needs no subnets. */
	errs = validate("dhcp: {enabled: true, mode: proxy}\n", &ret);
	CHECK_EQ(ret, 0);
	free(errs);
}

static void validate_roots(void)
{
	char dir[] = "/tmp/test_conf.XXXXXX", file[64], yaml[512], want[1024];
	int ret, fd;
	char *errs;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/file", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd != -1);
	close(fd);

	snprintf(yaml, sizeof(yaml),
		 "roots:\n"
		 "  - path: %s\n"                       /* 2: fine */
		 "  - path: %s/missing\n"               /* 3 */
		 "    prefix: /a/\n"
		 "  - path: %s\n"                       /* 5: a file */
		 "    prefix: /b/\n"
		 "  - path: %s\n"                       /* 7: prefix of line 2 */
		 "    prefix: /\n",
		 dir, dir, file, dir);
	snprintf(want, sizeof(want),
		 "t.yaml:3: root '%s/missing': No such file or directory\n"
		 "t.yaml:5: root '%s' is not a directory\n"
		 "t.yaml:7: root prefix '/' is already used by the root at line 2\n",
		 dir, file);
	errs = validate(yaml, &ret);
	CHECK_EQ(ret, -EINVAL);
	CHECK_STR(errs, want);
	if (strcmp(errs, want))
		printf("# got:\n%s", errs);
	free(errs);

	snprintf(yaml, sizeof(yaml), "roots:\n  - path: %s\n  - path: %s\n    prefix: /x/\n", dir,
		 dir);
	errs = validate(yaml, &ret);
	CHECK_EQ(ret, 0);
	CHECK_STR(errs, "");
	free(errs);

	unlink(file);
	rmdir(dir);
}

static void add_root(void)
{
	char dir[] = "/tmp/test_conf.XXXXXX", sub[64], file[64], cwd[4096];
	struct conf *c = load_ok("roots:\n  - path: /srv\n    prefix: /ipxe\n");
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	CHECK_EQ(mkdir(sub, 0700), 0);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	if (!c)
		return;

	/* Relative paths and symlinks are resolved once, here. */
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_EQ(chdir(dir), 0);
	CHECK_EQ(conf_add_root(c, NULL, "sub/../sub/", true), 0);
	CHECK_EQ(chdir(cwd), 0);
	CHECK_EQ(c->nr_roots, 2u);
	if (c->nr_roots == 2) {
		CHECK_STR(c->roots[1].path, sub);
		CHECK_STR(c->roots[1].prefix, "/");
		CHECK(c->roots[1].writable);
		CHECK(!c->roots[1].overwrite);
		CHECK_EQ(c->roots[1].line, 0u);
	}
	CHECK_EQ(conf_add_root(c, "/pxe", dir, false), 0);
	CHECK_EQ(c->nr_roots, 3u);
	if (c->nr_roots == 3)
		CHECK_STR(c->roots[2].prefix, "/pxe/");

	CHECK_EQ(conf_add_root(c, "/ipxe/", dir, false), -EEXIST);
	CHECK_EQ(conf_add_root(c, "//", dir, false), -EEXIST);
	CHECK_EQ(conf_add_root(c, "efi", dir, false), -EINVAL);
	CHECK_EQ(conf_add_root(c, "/efi/", file, false), -ENOTDIR);
	CHECK_EQ(conf_add_root(c, "/efi/", "/nonexistent/dir", false), -ENOENT);
	CHECK_EQ(c->nr_roots, 3u);
	conf_put(c);

	unlink(file);
	rmdir(sub);
	rmdir(dir);
}

static void root_for(void)
{
	static const struct {
		const char *path;
		int root;               /* index into the roots below, -1 for none */
		const char *rest;
	} cases[] = {
		{ "pxelinux.0", 0, "pxelinux.0" },
		{ "/pxelinux.0", 0, "pxelinux.0" },
		{ "//pxelinux.cfg/default", 0, "pxelinux.cfg/default" },
		{ "ipxe/undionly.kpxe", 1, "undionly.kpxe" },
		{ "/ipxe/undionly.kpxe", 1, "undionly.kpxe" },
		{ "/ipxe//undionly.kpxe", 1, "undionly.kpxe" },
		{ "/ipxe/efi/snp.efi", 2, "snp.efi" },
		{ "/ipxe/efi", 1, "efi" },
		{ "/ipxefoo", 0, "ipxefoo" },
		{ "/ipxe", 0, "ipxe" },
		{ "/ipxe/", 1, "" },
		{ "", 0, "" },
		{ "/", 0, "" },
		/* Beneath-the-root resolution, not this lookup, is what stops "..". */
		{ "/ipxe/../etc/passwd", 1, "../etc/passwd" },
	};
	struct conf *c = load_ok("roots:\n"
				 "  - path: /srv/tftp\n"
				 "  - path: /srv/ipxe\n    prefix: /ipxe\n"
				 "  - path: /srv/efi\n    prefix: /ipxe/efi/\n");
	const struct conf_root *r;
	const char *rest;

	if (!c)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		rest = NULL;
		r = conf_root_for(c, cases[i].path, &rest);
		CHECK(r == &c->roots[cases[i].root]);
		CHECK(rest && !strcmp(rest, cases[i].rest));
		if (r != &c->roots[cases[i].root] || !rest || strcmp(rest, cases[i].rest))
			printf("# %s -> root %td rest '%s'\n", cases[i].path,
			       r ? r - c->roots : -1, rest ? rest : "(null)");
	}
	CHECK(conf_root_for(c, "/x", NULL) == &c->roots[0]);
	conf_put(c);

	/* Without a "/" root, paths outside every prefix match nothing. */
	c = load_ok("roots:\n  - path: /srv/ipxe\n    prefix: /ipxe/\n");
	if (!c)
		return;
	rest = "unchanged";
	CHECK(conf_root_for(c, "/pxelinux.0", &rest) == NULL);
	CHECK(rest == NULL);
	CHECK(conf_root_for(c, "/ipx", &rest) == NULL);
	CHECK(conf_root_for(c, "/ipxe/a", &rest) == &c->roots[0]);
	CHECK_STR(rest, "a");
	conf_put(c);

	c = load_ok("");
	CHECK(c && conf_root_for(c, "/a", &rest) == NULL);
	conf_put(c);
}

static void prefix_forms(void)
{
	static const char *const forms[][2] = {
		{ "/", "/" }, { "//", "/" }, { "/a", "/a/" }, { "/a/", "/a/" },
		{ "//a//b//", "/a/b/" }, { "/a/b", "/a/b/" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		char *s = prefix_normalise(forms[i][0]);

		CHECK(s && !strcmp(s, forms[i][1]));
		free(s);
	}
	errno = 0;
	CHECK(prefix_normalise("a/") == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(prefix_normalise("") == NULL);
}

/* The last conf_put() frees everything; ASan's leak check at exit proves "everything". */
static void refcount(void)
{
	struct conf *c = load_ok(full_example);

	if (!c)
		return;
	CHECK(conf_get(c) == c);
	CHECK(conf_get(c) == c);
	CHECK_EQ(atomic_load(&c->refs), 3u);
	conf_put(c);
	conf_put(c);
	CHECK_EQ(atomic_load(&c->refs), 1u);
	CHECK_EQ(conf_add_root(c, "/tmp/", "/tmp", false), 0);
	conf_put(c);
	conf_put(NULL);
	CHECK(conf_get(NULL) == NULL);
}

/* Schema tables are data; check them as data, so a new entry cannot be silently wrong. */
static void check_section(const struct conf_section *sec)
{
	CHECK(sec->nr_keys <= 64);
	for (size_t i = 0; i < sec->nr_keys; i++) {
		const struct conf_key *k = &sec->keys[i];

		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(k->name, sec->keys[j].name) != 0);
		if (k->type == &type_uint || k->type == &type_size) {
			uint64_t width_max = k->size == 8 ? UINT64_MAX :
					     (UINT64_C(1) << (8 * k->size)) - 1;

			CHECK(k->size == 1 || k->size == 2 || k->size == 4 || k->size == 8);
			CHECK(k->min <= k->max);
			CHECK(k->max <= width_max);
			CHECK(k->def >= k->min && k->def <= k->max);
			if (k->max > width_max)
				printf("# key '%s': max does not fit its field\n", k->name);
		}
		if (k->type == &type_section || k->type == &type_list || k->type == &type_named) {
			CHECK(k->sub != NULL);
			if (k->sub)
				check_section(k->sub);
		}
		if (k->type == &type_list || k->type == &type_named)
			CHECK(k->sub && k->sub->item_size > 0);
	}
}

static void schema_tables(void)
{
	check_section(&conf_section);
}

int main(void)
{
	RUN(defaults_empty_document);
	RUN(embedded_default);
	RUN(full_example_values);
	RUN(example_file_loads);
	RUN(load_file_errors);
	RUN(size_suffixes);
	RUN(booleans_and_levels);
	RUN(range_limits_accepted);
	RUN(unknown_keys);
	RUN(wrong_types);
	RUN(out_of_range);
	RUN(bad_sizes);
	RUN(macs);
	RUN(ips);
	RUN(roots_and_required);
	RUN(syntax_errors);
	RUN(aliases);
	RUN(many_errors_one_pass);
	RUN(validate_inventory);
	RUN(dhcp_values);
	RUN(dhcp_errors);
	RUN(dhcp_validate);
	RUN(validate_roots);
	RUN(add_root);
	RUN(root_for);
	RUN(prefix_forms);
	RUN(refcount);
	RUN(schema_tables);
	return check_done();
}
