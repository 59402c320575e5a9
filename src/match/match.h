/* SPDX-License-Identifier: MIT */
/*
 * Boot-profile rules matched with Hyperscan. A rule is a set of regexes, one per field it
 * constrains (MAC, vendor class, ...); it matches a client when every constrained field
 * matches. The first matching rule in file order wins. All rules' patterns for one field are
 * compiled into one Hyperscan database, so choosing a profile costs one scan per field
 * present, whatever the number of rules. A compiled set is immutable and swapped whole on
 * reload; scratch space is per thread.
 */
#ifndef BOOTHERD_MATCH_H
#define BOOTHERD_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum match_field {
	MATCH_MAC = 0,          /* "52:54:00:ab:cd:ef": lowercase, colon-separated */
	MATCH_VENDOR = 1,       /* option 60, as sent */
	MATCH_USER_CLASS = 2,   /* option 77, the class names joined by ',' */
	MATCH_ARCH = 3,         /* option 93 as 5 decimal digits ("00007"), then ':' and the
				 * name ("00007:efi64"), so either form can be matched */
	MATCH_UUID = 4,         /* option 97 as 8-4-4-4-12 lowercase hex */
	MATCH_HOSTNAME = 5,     /* inventory name, else option 12 */
	MATCH_SUBNET = 6,       /* "10.1.0.0/16": the subnet of the relay or interface */
	MATCH_NR_FIELDS = 7,
};

/* One rule as configured. Patterns are PCRE-style regexes (Hyperscan's subset). */
struct match_rule {
	const char *pattern[MATCH_NR_FIELDS];   /* NULL: the field is not constrained */
	bool caseless;          /* match ignoring case (the default for MACs and UUIDs is
				 * always caseless, as their text is normalised lowercase) */
	unsigned line;          /* where it was defined, for diagnostics */
};

struct match_set;

/*
 * Compiles @n rules (n may be 0: nothing matches). Patterns are unanchored unless they
 * anchor themselves ('^', '$'), as with grep. On an error writes one line per bad pattern,
 * "SOURCE:LINE: rule N, field F: Hyperscan's message", to @err and returns NULL (errno
 * EINVAL); ENOMEM otherwise.
 */
struct match_set *match_compile(const struct match_rule *rules, size_t n, const char *source,
				FILE *err);
void match_free(struct match_set *s);

/* The client's fields as text; NULL or length 0 when absent (a constrained field then fails). */
struct match_input {
	const char *field[MATCH_NR_FIELDS];
	size_t len[MATCH_NR_FIELDS];
};

/*
 * The index of the first rule that matches @in, or -1. Thread-safe: uses scratch space of
 * the calling thread, (re)allocated as needed. Returns -ENOMEM if scratch cannot be had.
 */
int match_first(const struct match_set *s, const struct match_input *in);

/*
 * Diagnostics for `bootherd check`: rules that can never match. A rule can never match when
 * one of its patterns can never match its field (its minimum width exceeds the field's
 * longest possible text, e.g. a MAC pattern that needs 18 characters), or when an earlier
 * rule constrains a subset of its fields with identical patterns (it shadows it). Writes one
 * line per finding ("SOURCE:LINE: rule N can never match: why") and returns how many.
 */
unsigned match_check(const struct match_set *s, const struct match_rule *rules, size_t n,
		     const char *source, FILE *err);

/* Field names for messages and the YAML keys: "mac", "vendor", "user_class", "arch", ... */
const char *match_field_name(enum match_field f);

#endif
