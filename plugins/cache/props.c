/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cache props: JSON text in, JSON text out (see README.md for the shapes). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/cache/cache-impl.h"

#define GET_MAX 10000   /* entries listed by one get() */

/** {"error": formatted message}: a Lua error. */
static char *error_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *error_outf(const char *fmt, ...)
{
	char msg[CACHE_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_out(msg);
}

/** Parse args; NULL gives NULL. @return 0 or -EINVAL. */
static int args_load(const char *args, json_t **out)
{
	*out = NULL;
	if (!args)
		return 0;
	json_error_t jerr;
	*out = json_loads(args, JSON_DECODE_ANY, &jerr);
	return *out ? 0 : -EINVAL;
}

/** A non-negative integral JSON number up to max. @return 0 or -EINVAL. */
static int uint_from_json(const json_t *v, double max, uint64_t *out)
{
	if (!json_is_number(v))
		return -EINVAL;
	double d = json_number_value(v);
	if (d < 0 || d > max || d != (double)(uint64_t)d)
		return -EINVAL;
	*out = (uint64_t)d;
	return 0;
}

/* --- open, close, storage --- */

char *cache_prop_open(struct cache *c, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0 || !v)
		return error_outf("open(max_size[, uri]): expected a size in bytes");
	const json_t *size = v, *uri = NULL;
	if (json_is_array(v)) {
		size = json_array_get(v, 0);
		uri = json_array_get(v, 1);
		if (json_array_size(v) > 2 || (uri && !json_is_string(uri) && !json_is_null(uri))) {
			json_decref(v);
			return error_outf("open(max_size[, uri]): the uri must be a string like 'bdb://.'");
		}
	}
	uint64_t n;
	if (uint_from_json(size, 1e15, &n) != 0) {
		json_decref(v);
		return error_outf("open(max_size[, uri]): max_size must be a whole number of bytes");
	}
	char ustr[1024] = "";
	if (uri && json_is_string(uri))
		snprintf(ustr, sizeof(ustr), "%s", json_string_value(uri));
	json_decref(v);
	char path[1024];
	bool legacy;
	if (ustr[0] && cache_uri_parse(ustr, path, sizeof(path), &legacy) != 0)
		return error_outf("open(): unsupported storage '%s' (use bdb://PATH)", ustr);
	int ret = cache_open(c, (size_t)n, ustr[0] ? ustr : NULL);
	if (ret != 0)
		return error_outf("open(): cannot open the cache in %s: %s", c->path, kr_strerror(ret));
	return json_out(json_true());
}

char *cache_prop_close(struct cache *c, const char *args)
{
	(void)args;
	bool was = c->db != NULL;
	cache_close(c);
	return json_out(json_boolean(was));
}

char *cache_prop_storage(struct cache *c, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0 || !json_is_string(v)) {
		json_decref(v);
		return error_outf("storage: expected a string like 'bdb://PATH'");
	}
	char uri[1024];
	snprintf(uri, sizeof(uri), "%s", json_string_value(v));
	json_decref(v);
	char *a = json_out(json_pack("[I,s]", (json_int_t)c->max_size, uri));
	char *out = cache_prop_open(c, a);
	free(a);
	return out;
}

char *cache_prop_current_size(struct cache *c, const char *args)
{
	(void)args;
	return json_out(json_integer((json_int_t)c->max_size));
}

char *cache_prop_current_storage(struct cache *c, const char *args)
{
	(void)args;
	return json_out(json_string(c->uri));
}

char *cache_prop_backends(struct cache *c, const char *args)
{
	(void)c;
	(void)args;
	return json_out(json_pack("{s:b,s:b}", "bdb://", 1, "lmdb://", 1));
}

/* --- counters, TTL bounds --- */

char *cache_prop_count(struct cache *c, const char *args)
{
	(void)args;
	int64_t n = cache_count(c);
	return n < 0 ? NULL : json_out(json_integer(n));
}

char *cache_prop_stats(struct cache *c, const char *args)
{
	(void)args;
	const struct cache_stats *s = &c->stats;
	json_t *o = json_object();
#define STAT(x) json_object_set_new(o, #x, json_integer((json_int_t)s->x))
	STAT(hit); STAT(miss); STAT(insert); STAT(delete); STAT(evict); STAT(prune);
	STAT(read); STAT(write); STAT(commit); STAT(abort); STAT(conflict); STAT(recover);
	STAT(recreate); STAT(error); STAT(probe); STAT(skip); STAT(aggressive);
#undef STAT
	const struct cache_front *f = &c->front;
	json_object_set_new(o, "front_hit", json_integer((json_int_t)f->hit));
	json_object_set_new(o, "front_miss", json_integer((json_int_t)f->miss));
	json_object_set_new(o, "front_insert", json_integer((json_int_t)f->insert));
	json_object_set_new(o, "front_replace", json_integer((json_int_t)f->replace));
	json_object_set_new(o, "front_flush", json_integer((json_int_t)f->flush));
	if (c->db) {
		int64_t u = cache_usage(c);
		if (u >= 0)
			json_object_set_new(o, "usage", json_integer(u));
	}
	return json_out(o);
}

char *cache_prop_front(struct cache *c, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0)
		return error_outf("front([bytes]): invalid argument");
	if (v && !json_is_null(v)) {
		uint64_t n;
		int ret = uint_from_json(v, 1 << 30, &n);
		json_decref(v);
		if (ret != 0)
			return error_outf("front(bytes): bytes must be a whole number in [0, 1073741824]");
		cache_front_init(&c->front, (size_t)n);
		if (c->front.nslots && c->db)
			cache_front_attach(&c->front, c->path);
	}
	return json_out(json_integer((json_int_t)c->front.size));
}

char *cache_prop_aggressive(struct cache *c, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0)
		return error_outf("aggressive([on]): invalid argument");
	if (v && !json_is_null(v)) {
		bool ok = json_is_boolean(v);
		if (ok)
			c->aggressive = json_is_true(v);
		json_decref(v);
		if (!ok)
			return error_outf("aggressive(on): on must be true or false");
	}
	return json_out(json_boolean(c->aggressive));
}

char *cache_prop_max_ttl(struct cache *c, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0)
		return error_outf("max_ttl([ttl]): invalid argument");
	if (v && !json_is_null(v)) {
		uint64_t n;
		int ret = uint_from_json(v, 4294967295.0, &n);
		json_decref(v);
		if (ret != 0 || n <= c->min_ttl)
			return error_outf("max_ttl(ttl): ttl must be a whole number in (min_ttl = %u, 4294967295]",
					 c->min_ttl);
		c->max_ttl = (uint32_t)n;
	}
	return json_out(json_integer(c->max_ttl));
}

char *cache_prop_min_ttl(struct cache *c, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0)
		return error_outf("min_ttl([ttl]): invalid argument");
	if (v && !json_is_null(v)) {
		uint64_t n;
		int ret = uint_from_json(v, 4294967295.0, &n);
		json_decref(v);
		if (ret != 0 || n >= c->max_ttl)
			return error_outf("min_ttl(ttl): ttl must be a whole number in [0, max_ttl = %u)",
					 c->max_ttl);
		c->min_ttl = (uint32_t)n;
	}
	return json_out(json_integer(c->min_ttl));
}

char *cache_prop_prune(struct cache *c, const char *args)
{
	json_t *v;
	uint64_t max = CACHE_DEFAULT_PRUNE;
	if (args_load(args, &v) != 0)
		return error_outf("prune([max_count]): invalid argument");
	if (v && !json_is_null(v)) {
		int ret = uint_from_json(v, 1e9, &max);
		json_decref(v);
		if (ret != 0 || max == 0)
			return error_outf("prune([max_count]): max_count must be a positive whole number");
	}
	int n = cache_prune(c, (unsigned)max, cache_now());
	if (n < 0)
		return error_outf("prune(): the cache is not available: %s", kr_strerror(n));
	return json_out(json_pack("{s:i}", "pruned", n));
}

/* --- get, clear: "name", "*.name", "name P", "*. P" --- */

/** A parsed name argument. */
struct pattern {
	uint8_t prefix[CACHE_KEY_MAX];
	size_t plen;
	bool subtree;      /**< "*.name": the name and all below */
	bool negative;     /**< the "P" namespace: NXDOMAIN/NODATA entries */
};

/** Parse "[*.]name[ P]". @return 0 or -EINVAL with err filled. */
static int pattern_parse(const char *text, struct pattern *p, char *err, size_t errlen)
{
	char buf[KR_DNAME_MAXTEXT + 8];
	memset(p, 0, sizeof(*p));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "name too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	char *sp = strchr(buf, ' ');
	if (sp) {
		*sp++ = '\0';
		while (*sp == ' ')
			++sp;
		if (strcmp(sp, "P") != 0) {
			snprintf(err, errlen, "unknown namespace '%s' (only 'P' is known)", sp);
			return -EINVAL;
		}
		p->negative = true;
	}
	const char *name = buf;
	if (!strcmp(name, "*") || !strcmp(name, "*.")) {
		p->subtree = true;
		name = ".";
	} else if (!strncmp(name, "*.", 2)) {
		p->subtree = true;
		name += 2;
	}
	uint8_t wire[KR_DNAME_MAXLEN];
	if (!*name || kr_dname_from_str(wire, sizeof(wire), name) < 0) {
		snprintf(err, errlen, "invalid name '%s'", text);
		return -EINVAL;
	}
	p->plen = (size_t)cache_key_name(p->prefix, wire);
	if (!p->subtree)
		p->prefix[p->plen++] = 0;   /* only the name's own keys */
	return 0;
}

static bool kind_matches(const struct pattern *p, uint8_t kind)
{
	return p->negative ? kind != CACHE_KIND_RR : kind == CACHE_KIND_RR;
}

static const char *rank_str(uint8_t rank)
{
	if (rank & KR_RANK_BOGUS)
		return "bogus";
	switch (rank & KR_RANK_BASE_MASK) {
	case KR_RANK_GLUE: return "glue";
	case KR_RANK_NONAUTH: return "nonauth";
	case KR_RANK_ANSWER: return "answer";
	case KR_RANK_AUTH: return "auth";
	case KR_RANK_AUTH_ANSWER: return "auth_answer";
	default: return "unknown";
	}
}

struct get_ctx {
	const struct pattern *p;
	json_t *out;
	uint32_t now;
	unsigned count;
	kr_mm_t *mm;
};

static json_t *rdata_list(const kr_rrset_t *rr)
{
	json_t *arr = json_array();
	char buf[8192];
	for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd))
		if (kr_rdata_to_str(rr->type, rd->data, rd->len, buf, sizeof(buf)) >= 0)
			json_array_append_new(arr, json_string(buf));
	return arr;
}

static int get_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *arg)
{
	struct get_ctx *g = arg;
	uint8_t name[KR_DNAME_MAXLEN];
	uint16_t type;
	uint8_t kind;
	struct cache_entry_hdr h;
	if (cache_key_aggr(key, klen)) {
		/* An NSEC/NSEC3 kept for aggressive use: shown under its owner with 'P'. */
		if (!g->p->negative || cache_entry_header(val, vlen, &h) != 0 || vlen < 24 ||
		    kr_dname_check(val + 22, vlen - 22) <= 0)
			return 0;
		memcpy(name, val + 22, kr_dname_size(val + 22));
		type = key[0] == CACHE_TAG_NSEC ? KR_TYPE_NSEC : KR_TYPE_NSEC3;
		kind = CACHE_KIND_AGGR;
	} else if (cache_key_parse(key, klen, name, &type, &kind) != 0 || !kind_matches(g->p, kind) ||
		   cache_entry_header(val, vlen, &h) != 0) {
		return 0;
	}
	uint32_t ttl = cache_ttl_remaining(&h, g->now);
	if (ttl == 0)
		return 0;
	/* Decode from an aligned copy (val belongs to the scan). */
	uint8_t *copy = malloc(vlen);
	if (!copy)
		return 1;
	memcpy(copy, val, vlen);
	struct cache_set sets[24];
	int n = cache_entry_decode(copy, vlen, ttl, sets, 24);
	char ntext[KR_DNAME_MAXTEXT], ttext[32];
	kr_dname_to_str(ntext, sizeof(ntext), name);
	kr_rrtype_to_str(type, ttext, sizeof(ttext));
	char label[64];
	if (kind == CACHE_KIND_RR)
		snprintf(label, sizeof(label), "%s", ttext);
	else if (kind == CACHE_KIND_NODATA)
		snprintf(label, sizeof(label), "NODATA %s", ttext);
	else if (kind == CACHE_KIND_AGGR)
		snprintf(label, sizeof(label), "PROOF %s", type ? ttext : "ZONE");
	else
		snprintf(label, sizeof(label), "NXDOMAIN");
	json_t *e = json_pack("{s:i,s:s}", "ttl", (json_int_t)ttl, "rank", rank_str(h.rank));
	if (h.rank & KR_RANK_SECURE)
		json_object_set_new(e, "secure", json_true());
	if (h.rank & KR_RANK_INSECURE)
		json_object_set_new(e, "insecure", json_true());
	for (int i = 0; i < n; ++i) {
		char st[32];
		kr_rrtype_to_str(sets[i].rr.type, st, sizeof(st));
		if (kind == CACHE_KIND_RR && sets[i].rr.type == type) {
			json_object_set_new(e, "rdata", rdata_list(&sets[i].rr));
		} else {
			char on[KR_DNAME_MAXTEXT], lbl[KR_DNAME_MAXTEXT + 40];
			kr_dname_to_str(on, sizeof(on), sets[i].rr.owner);
			snprintf(lbl, sizeof(lbl), "%s %s", on, st);
			json_t *extra = json_object_get(e, "records");
			if (!extra) {
				extra = json_object();
				json_object_set_new(e, "records", extra);
			}
			json_object_set_new(extra, lbl, rdata_list(&sets[i].rr));
		}
	}
	free(copy);
	json_t *byname = json_object_get(g->out, ntext);
	if (!byname) {
		byname = json_object();
		json_object_set_new(g->out, ntext, byname);
	}
	json_object_set_new(byname, label, e);
	return ++g->count >= GET_MAX;
}

/** The single string argument of get/clear. @return 0 or -EINVAL. */
static int arg_string(const char *args, char *dst, size_t len)
{
	json_t *v;
	if (args_load(args, &v) != 0 || !json_is_string(v)) {
		json_decref(v);
		return -EINVAL;
	}
	int ret = (size_t)snprintf(dst, len, "%s", json_string_value(v)) < len ? 0 : -EINVAL;
	json_decref(v);
	return ret;
}

char *cache_prop_get(struct cache *c, const char *args)
{
	char text[KR_DNAME_MAXTEXT + 8], err[256];
	struct pattern p;
	if (arg_string(args, text, sizeof(text)) != 0)
		return error_outf("get(name): expected a name, '*.name' or 'name P'");
	if (pattern_parse(text, &p, err, sizeof(err)) != 0)
		return error_outf("get('%s'): %s", text, err);
	struct get_ctx g = { .p = &p, .out = json_object(), .now = cache_now() };
	int ret = cache_scan(c, p.prefix, p.plen, get_cb, &g);
	if (ret != 0) {
		json_decref(g.out);
		return error_outf("get('%s'): the cache is not available: %s", text, kr_strerror(ret));
	}
	if (json_object_size(g.out) == 0) {
		json_decref(g.out);
		return NULL;
	}
	return json_out(g.out);
}

static bool keep_cb(const uint8_t *key, size_t klen, void *arg)
{
	return !kind_matches(arg, key[klen - 1]);
}

char *cache_prop_clear(struct cache *c, const char *args)
{
	if (!args || !strcmp(args, "null")) {
		int n = cache_delete_range(c, NULL, 0, NULL, NULL);
		cache_front_bump(&c->front);   /* after deleting: every process's front empties */
		if (n < 0)
			return error_outf("clear(): the cache is not available: %s", kr_strerror(n));
		return json_out(json_true());
	}
	char text[KR_DNAME_MAXTEXT + 8], err[256];
	struct pattern p;
	if (arg_string(args, text, sizeof(text)) != 0)
		return error_outf("clear([name]): expected a name, '*.name' or 'name P'");
	if (pattern_parse(text, &p, err, sizeof(err)) != 0)
		return error_outf("clear('%s'): %s", text, err);
	int n = cache_delete_range(c, p.prefix, p.plen, keep_cb, &p);
	/* And whatever NSEC/NSEC3 could deny a name cleared (aggressive use). */
	uint8_t wire[KR_DNAME_MAXLEN];
	const char *name = !strncmp(text, "*.", 2) ? text + 2 : !strcmp(text, "*") ? "." : text;
	char nbuf[KR_DNAME_MAXTEXT + 8];
	snprintf(nbuf, sizeof(nbuf), "%s", name);
	char *sp = strchr(nbuf, ' ');
	if (sp)
		*sp = '\0';
	if (n >= 0 && kr_dname_from_str(wire, sizeof(wire), nbuf) > 0)
		n = cache_aggr_clear(c, wire);
	cache_front_bump(&c->front);
	if (n < 0)
		return error_outf("clear('%s'): the cache is not available: %s", text, kr_strerror(n));
	return json_out(json_true());
}
