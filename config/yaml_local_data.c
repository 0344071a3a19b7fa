/* SPDX-License-Identifier: GPL-3.0-or-later */
/* local-data: ttl, addresses (hints.set), addresses-files (hints.add_hosts),
 * records (policy ANSWER for the exact name), rpz (policy.rpz). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/dname.h>
#include <kres/rrset.h>
#include "config/yaml.h"

/** One parsed line of `records`. */
struct record {
	uint8_t owner[KR_DNAME_MAXLEN];   /**< lower-cased wire name */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
	int line;
	bool done;                        /**< emitted with an earlier record of its owner */
};

/** An exact-match Lua pattern of a lower-cased wire name: "^\3www\3lab%z$". */
static const char *exact_pattern(struct kr_yaml_ctx *ctx, const uint8_t *wire)
{
	char pat[KR_DNAME_MAXLEN * 2 + 8];
	size_t j = 0;
	pat[j++] = '^';
	size_t len = kr_dname_size(wire);
	for (size_t i = 0; i < len; ++i) {
		unsigned char c = wire[i];
		if (c == 0) {
			pat[j++] = '%';
			pat[j++] = 'z';
		} else if (isalnum(c)) {
			pat[j++] = (char)c;
		} else {
			pat[j++] = '%';
			pat[j++] = (char)c;
		}
	}
	pat[j++] = '$';
	return kr__yaml_quote(ctx, pat, j);
}

/** Emit one ANSWER rule per owner, holding every type of it. */
static void emit_records(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, struct record *recs, size_t count)
{
	for (size_t i = 0; i < count; ++i) {
		if (recs[i].done)
			continue;
		struct kr_yaml_buf rule = { 0 };
		for (size_t t = i; t < count; ++t) {
			if (recs[t].done || !kr_dname_eq(recs[t].owner, recs[i].owner))
				continue;
			/* every record of this owner and type */
			uint32_t ttl = recs[t].ttl;
			kr__yaml_buf_printf(&rule, "[%u] = { rdata = { ", recs[t].type);
			bool first = true;
			for (size_t k = t; k < count; ++k) {
				if (recs[k].done || recs[k].type != recs[t].type || !kr_dname_eq(recs[k].owner, recs[i].owner))
					continue;
				if (recs[k].ttl < ttl)
					ttl = recs[k].ttl;
				kr__yaml_buf_printf(&rule, "%s%s", first ? "" : ", ",
						    kr__yaml_quote(ctx, (const char *)recs[k].rdata, recs[k].rdlen));
				first = false;
				if (k != t)
					recs[k].done = true;
			}
			char tname[32];
			kr_rrtype_to_str(recs[t].type, tname, sizeof(tname));
			kr__yaml_buf_printf(&rule, " }, ttl = %u }, -- %s\n\t", ttl, tname);
			recs[t].done = true;
		}
		char owner[KR_DNAME_MAXTEXT];
		kr_dname_to_str(owner, sizeof(owner), recs[i].owner);
		if (rule.failed)
			ctx->lua.failed = true;
		else
			kr__yaml_emit(ctx, n, "local-data.records", "-- %s\npolicy.add(policy.pattern(policy.ANSWER({\n\t%s}, true), %s))\n",
				      owner, rule.data, exact_pattern(ctx, recs[i].owner));
		free(rule.data);
	}
}

/** records: zone-file lines "owner [TTL] [IN] TYPE rdata"; ';' starts a comment line. */
static void records(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	const char *text;
	if (!kr__yaml_string(ctx, n, "local-data.records", &text))
		return;
	size_t cap = 16, count = 0;
	struct record *recs = malloc(cap * sizeof(*recs));
	char *copy = strdup(text);
	if (!recs || !copy) {
		ctx->lua.failed = true;
		goto out;
	}
	int index = 0;
	bool ok = true;
	for (char *save = NULL, *line = copy; line; line = save, ++index) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		int yline = n->line + (n->literal ? 1 + index : 0);
		char *s = line;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			++s;
		if (*s == '\0' || *s == ';')
			continue;
		if (s != line) {
			kr__yaml_error_at(ctx, yline, 1, "local-data.records", "line %d: a record must start with its owner name", index + 1);
			ok = false;
			continue;
		}
		kr_rrset_t rr;
		int ret = kr_rrset_from_str(&rr, line, NULL, ctx->default_ttl, ctx->mm);
		if (ret != 0 || rr.rclass != 1) {
			kr__yaml_error_at(ctx, yline, 1, "local-data.records", "line %d: %s: '%.80s'", index + 1,
					  ret == KR_ETYPE ? "unknown record type" : ret == 0 ? "only class IN is served" :
					  "not a record (owner [TTL] [IN] TYPE data)", line);
			ok = false;
			continue;
		}
		if (count == cap) {
			void *r = realloc(recs, 2 * cap * sizeof(*recs));
			if (!r) {
				ctx->lua.failed = true;
				goto out;
			}
			recs = r;
			cap *= 2;
		}
		struct record *r = &recs[count++];
		const struct kr_rdata *rd = kr_rdataset_first(&rr.rrs);
		*r = (struct record){ .type = rr.type, .ttl = rr.ttl, .rdata = rd->data, .rdlen = rd->len, .line = yline };
		memcpy(r->owner, rr.owner, kr_dname_size(rr.owner));
		kr_dname_lower(r->owner);
	}
	if (ok && count == 0)
		kr__yaml_error(ctx, n, "local-data.records", "no record in the text");
	else if (ok)
		emit_records(ctx, n, recs, count);
out:
	free(copy);
	free(recs);
}

static void addresses(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	if (!kr__yaml_want_map(ctx, n, "local-data.addresses"))
		return;
	for (size_t i = 0; i < n->count; ++i) {
		const struct kr_yaml_node *key = n->keys[i], *val = n->items[i];
		const char *path = kr__yaml_path_key(ctx, "local-data.addresses", key->text), *name, *ip;
		if (!kr__yaml_dname(ctx, key, path, &name))
			continue;
		const struct kr_yaml_node **items;
		int count = kr__yaml_scalar_list(ctx, val, path, &items);
		struct kr_yaml_buf line = { 0 };
		kr__yaml_buf_printf(&line, "%s", name);
		bool ok = count > 0;
		for (int k = 0; k < count; ++k) {
			const char *ipath = val->kind == KR_YAML_SEQ ? kr__yaml_path_index(ctx, path, (size_t)k) : path;
			if (kr__yaml_ip(ctx, items[k], ipath, 0, &ip))
				kr__yaml_buf_printf(&line, " %s", ip);
			else
				ok = false;
		}
		if (line.failed)
			ctx->lua.failed = true;
		else if (ok)
			kr__yaml_emit(ctx, key, path, "hints.set(%s)\n", kr__yaml_quote(ctx, line.data, line.len));
		free(line.data);
	}
}

static void rpz(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "file", "watchdog", NULL };
	if (!kr__yaml_want_seq(ctx, n, "local-data.rpz"))
		return;
	for (size_t i = 0; i < n->count; ++i) {
		const struct kr_yaml_node *e = n->items[i], *file, *watch;
		const char *path = kr__yaml_path_index(ctx, "local-data.rpz", i), *s;
		if (!kr__yaml_want_map(ctx, e, path) || !kr__yaml_check_keys(ctx, e, path, keys))
			continue;
		if (!(file = kr__yaml_get(e, "file"))) {
			kr__yaml_error(ctx, e, path, "missing key 'file'");
			continue;
		}
		bool watchdog = true;
		if ((watch = kr__yaml_get(e, "watchdog")) &&
		    !kr__yaml_bool(ctx, watch, kr__yaml_path_key(ctx, path, "watchdog"), &watchdog))
			continue;
		const char *fpath = kr__yaml_path_key(ctx, path, "file");
		if (kr__yaml_string(ctx, file, fpath, &s))
			kr__yaml_emit(ctx, file, fpath, "policy.add(policy.rpz(policy.DENY, %s, %s))\n",
				      kr__yaml_quote(ctx, s, file->len), watchdog ? "true" : "false");
	}
}

void kr__yaml_local_data(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "ttl", "addresses", "addresses-files", "records", "rpz", NULL };
	if (!kr__yaml_want_map(ctx, n, "local-data"))
		return;
	kr__yaml_check_keys(ctx, n, "local-data", keys);
	const struct kr_yaml_node *v;
	long long ttl;
	if ((v = kr__yaml_get(n, "ttl")) && kr__yaml_seconds(ctx, v, "local-data.ttl", 0, 2147483647, &ttl)) {
		ctx->default_ttl = (uint32_t)ttl;
		kr__yaml_emit(ctx, v, "local-data.ttl", "hints.ttl(%lld)\n", ttl);
	}
	if ((v = kr__yaml_get(n, "addresses")))
		addresses(ctx, v);
	if ((v = kr__yaml_get(n, "addresses-files")) && kr__yaml_want_seq(ctx, v, "local-data.addresses-files")) {
		for (size_t i = 0; i < v->count; ++i) {
			const char *path = kr__yaml_path_index(ctx, "local-data.addresses-files", i), *s;
			if (kr__yaml_string(ctx, v->items[i], path, &s))
				kr__yaml_emit(ctx, v->items[i], path, "hints.add_hosts(%s)\n", kr__yaml_quote(ctx, s, v->items[i]->len));
		}
	}
	if ((v = kr__yaml_get(n, "records")))
		records(ctx, v);
	if ((v = kr__yaml_get(n, "rpz")))
		rpz(ctx, v);
}
