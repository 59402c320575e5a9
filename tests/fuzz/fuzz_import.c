// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for `bootherd import`: arbitrary bytes as a dnsmasq file and as an ethers
 * file. Every node handed out must be one the header promises (1 to 4 distinct MACs, a name of
 * the allowed characters, a line of the input), every diagnostic a "fuzz:LINE: why" line, the
 * return value must agree with both, and the YAML written for the nodes must load with the
 * configuration loader into the same nodes. Invariants are checked with __builtin_trap() so
 * that they hold in any build.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "conf/import.c"
#include "conf/conf.c"
#include "core/log.c"



struct fuzz_run {
	enum import_format format;
	unsigned lines;                 /* in the input: no node may come from past them */
	struct import_node *nodes;
	size_t nr, cap;
	FILE *yaml;
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static void fuzz_node(void *ctx, const struct import_node *n)
{
	struct fuzz_run *run = ctx;
	size_t name_len = strnlen(n->name, sizeof(n->name));

	ASSERT(n->nr_macs >= 1 && n->nr_macs <= 4);
	ASSERT(run->format != IMPORT_ETHERS || n->nr_macs == 1);
	for (size_t i = 0; i < n->nr_macs; i++)
		for (size_t j = 0; j < i; j++)
			ASSERT(memcmp(n->macs[i], n->macs[j], 6));
	ASSERT(name_len < sizeof(n->name));
	for (size_t i = 0; i < name_len; i++)
		ASSERT(name_char(n->name[i]));
	ASSERT(run->format != IMPORT_ETHERS || name_len || n->has_ip);
	ASSERT(n->line >= 1 && n->line <= run->lines);
	if (run->nr > 0)
		ASSERT(n->line > run->nodes[run->nr - 1].line);

	if (run->nr == run->cap) {
		run->cap = run->cap ? 2 * run->cap : 16;
		run->nodes = realloc(run->nodes, run->cap * sizeof(*run->nodes));
		ASSERT(run->nodes);
	}
	run->nodes[run->nr++] = *n;
	import_write_yaml(run->yaml, n);
}

/*
 * Each diagnostic is one "fuzz:LINE: why" line with LINE in the input; returns whether any of
 * them reports a malformed line rather than a note about a host left out.
 */
static bool check_diagnostics(const char *errs, size_t len, unsigned lines)
{
	const char *p = errs, *end = errs + len;
	bool malformed = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *after;
		unsigned long line;

		ASSERT(nl);
		ASSERT(!memcmp(p, "fuzz:", 5));
		line = strtoul(p + 5, &after, 10);
		ASSERT(line >= 1 && line <= lines);
		ASSERT(after[0] == ':' && after[1] == ' ' && after + 2 < nl);
		if (strncmp(after + 2, "not imported: ", 14))
			malformed = true;
		for (const char *c = after + 2; c < nl; c++)
			ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
		p = nl + 1;
	}
	return malformed;
}

/* The YAML goes back through the configuration loader and must give the same nodes. */
static void check_yaml(const struct fuzz_run *run, const char *yaml, size_t len)
{
	struct conf *c = NULL;

	ASSERT(!conf_load_buf("import.yaml", yaml, len, &c, NULL));
	ASSERT(c->nr_nodes == run->nr);
	for (size_t i = 0; i < run->nr; i++) {
		const struct import_node *n = &run->nodes[i];
		const struct conf_node *cn = &c->nodes[i];

		if (n->name[0]) {
			ASSERT(!strcmp(cn->name, n->name));
		} else {
			ASSERT(!strncmp(cn->name, "node-", 5) && strlen(cn->name) == 17);
			for (size_t m = 0; m < 6; m++)
				ASSERT(ascii_hexval(cn->name[5 + 2 * m]) == n->macs[0][m] >> 4 &&
				       ascii_hexval(cn->name[6 + 2 * m]) == (n->macs[0][m] & 15));
		}
		ASSERT(cn->nr_macs == n->nr_macs);
		ASSERT(!memcmp(cn->macs, n->macs, 6 * n->nr_macs));
		ASSERT(cn->has_ip == n->has_ip);
		ASSERT(!n->has_ip || cn->ip.s_addr == n->ip.s_addr);
	}
	conf_put(c);
}

static void fuzz_format(enum import_format format, const char *text, size_t len)
{
	struct fuzz_run run = { .format = format, .lines = 0 };
	char *yaml = NULL, *errs = NULL;
	size_t yaml_len = 0, errs_len = 0;
	FILE *err;
	bool malformed;
	int ret;

	for (size_t i = 0; i < len; i++)
		run.lines += text[i] == '\n';
	if (len && text[len - 1] != '\n')
		run.lines++;
	run.yaml = open_memstream(&yaml, &yaml_len);
	err = open_memstream(&errs, &errs_len);
	ASSERT(run.yaml && err);
	fputs("nodes:\n", run.yaml);

	ret = import_parse(format, "fuzz", text, len, fuzz_node, &run, err);
	fclose(run.yaml);
	fclose(err);

	malformed = check_diagnostics(errs, errs_len, run.lines);
	if (ret >= 0) {
		ASSERT((size_t)ret == run.nr);
		ASSERT(!malformed);
	} else {
		ASSERT(ret == -EINVAL);
		ASSERT(malformed);
	}
	check_yaml(&run, yaml, yaml_len);

	/* Without an error stream the same nodes come out and nothing is written anywhere. */
	{
		struct fuzz_run again = { .format = format, .lines = run.lines };
		char *y2 = NULL;
		size_t y2_len = 0;

		again.yaml = open_memstream(&y2, &y2_len);
		ASSERT(again.yaml);
		fputs("nodes:\n", again.yaml);
		ASSERT(import_parse(format, "fuzz", text, len, fuzz_node, &again, NULL) == ret);
		fclose(again.yaml);
		ASSERT(y2_len == yaml_len && !memcmp(y2, yaml, yaml_len));
		free(again.nodes);
		free(y2);
	}
	free(run.nodes);
	free(yaml);
	free(errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);

	/* An exact-size heap copy: libFuzzer's own buffer may have slack that hides over-reads. */
	memcpy(buf, data, size);
	fuzz_format(IMPORT_DNSMASQ, buf, size);
	fuzz_format(IMPORT_ETHERS, buf, size);
	free(buf);
	return 0;
}
