/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Prefix math of the renumber plugin: rules, matching, rewriting, configuration. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/renumber/renumber-impl.h"

static int fail(char *err, size_t errlen, const char *msg, const char *what)
{
	snprintf(err, errlen, "%s%s%s", msg, what ? ": " : "", what ? what : "");
	return -EINVAL;
}

/** Parse an address of either family. @return its length in bytes (4 or 16), or 0. */
static size_t parse_addr(const char *text, uint8_t *out)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, out) == 1)
		return 16;
	return 0;
}

/** Bits of a byte that belong to the prefix (byte i of a prefix of len bits). */
static uint8_t prefix_mask(unsigned len, unsigned i)
{
	unsigned bits = i * 8;
	if (bits >= len)
		return 0;
	if (bits + 8 <= len)
		return 0xff;
	return (uint8_t)(0xff << (8 - (len - bits)));
}

int renumber_rule_parse(const char *src, const char *dst, struct renumber_rule *out, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct renumber_rule r = { .len = 0 };
	if (!src || !dst)
		return fail(err, errlen, "a rule is {'PREFIX', 'TARGET'}", NULL);
	if (strlen(src) >= sizeof(buf))
		return fail(err, errlen, "invalid source prefix", src);
	strcpy(buf, src);
	char *slash = strchr(buf, '/');
	long len = 0;
	if (slash) {
		char *end = NULL;
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || len < 0)
			return fail(err, errlen, "invalid source prefix", src);
	}
	r.alen = (uint8_t)parse_addr(buf, r.src);
	if (!slash)
		len = r.alen * 8;   /* an address alone */
	if (!r.alen || len > r.alen * 8)
		return fail(err, errlen, "invalid source prefix", src);
	r.len = (uint8_t)len;
	for (unsigned i = 0; i < r.alen; ++i)
		r.src[i] &= prefix_mask(r.len, i);

	if (strlen(dst) >= sizeof(buf))
		return fail(err, errlen, "invalid target", dst);
	strcpy(buf, dst);
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '!') {
		r.whole = true;
		buf[n - 1] = '\0';
	}
	size_t dlen = parse_addr(buf, r.dst);
	if (!dlen)
		return fail(err, errlen, "invalid target", dst);
	if (dlen != r.alen)
		return fail(err, errlen, "the target is not of the source prefix's address family", dst);
	*out = r;
	return 0;
}

bool renumber_rule_match(const struct renumber_rule *r, const uint8_t *addr, size_t alen)
{
	if (alen != r->alen)
		return false;
	for (unsigned i = 0; i < r->alen; ++i) {
		uint8_t m = prefix_mask(r->len, i);
		if (!m)
			break;
		if ((addr[i] & m) != r->src[i])
			return false;
	}
	return true;
}

void renumber_rule_apply(const struct renumber_rule *r, uint8_t *addr)
{
	for (unsigned i = 0; i < r->alen; ++i) {
		uint8_t m = r->whole ? 0xff : prefix_mask(r->len, i);
		addr[i] = (uint8_t)((addr[i] & ~m) | (r->dst[i] & m));
	}
}

bool renumber_rewrite(const struct renumber *c, uint8_t *addr, size_t alen)
{
	for (unsigned i = 0; i < c->count; ++i) {
		if (renumber_rule_match(&c->rule[i], addr, alen)) {
			renumber_rule_apply(&c->rule[i], addr);
			return true;
		}
	}
	return false;
}

/** Is v a pair of strings {SRC, DST}? */
static bool is_pair(const json_t *v)
{
	return json_is_array(v) && json_array_size(v) == 2 && json_is_string(json_array_get(v, 0)) &&
	       json_is_string(json_array_get(v, 1));
}

int renumber_configure(struct renumber *c, const char *json, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, &jerr) : NULL;
	if (!v)
		return fail(err, errlen, "invalid configuration", NULL);
	struct renumber *n = calloc(1, sizeof(*n));
	int ret = n ? 0 : -ENOMEM;
	/* An empty Lua table arrives as {}: no rules. */
	bool empty = json_is_object(v) && json_object_size(v) == 0;
	if (!ret && is_pair(v)) {
		ret = renumber_rule_parse(json_string_value(json_array_get(v, 0)),
					  json_string_value(json_array_get(v, 1)), &n->rule[0], err, errlen);
		n->count = 1;
	} else if (!ret && json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			if (n->count == RENUMBER_RULES_MAX) {
				ret = fail(err, errlen, "too many rules", NULL);
				break;
			}
			if (!is_pair(item)) {
				ret = fail(err, errlen, "a rule is {'PREFIX', 'TARGET'}", NULL);
				break;
			}
			ret = renumber_rule_parse(json_string_value(json_array_get(item, 0)),
						  json_string_value(json_array_get(item, 1)), &n->rule[n->count],
						  err, errlen);
			if (ret)
				break;
			++n->count;
		}
	} else if (!ret && !empty) {
		ret = fail(err, errlen, "expected {{'PREFIX', 'TARGET'}, ...}", NULL);
	}
	json_decref(v);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (ret == 0)
		*c = *n;
	free(n);
	return ret;
}
