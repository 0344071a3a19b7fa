/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The validate layer: checks answers against the chain of trust.
 * begin:    ask upstream with DO (DNSSEC_WANT) when a trust anchor exists.
 * produce:  note whether this round goes upstream or is answered locally.
 * consume:  for a final answer (state DONE) of the client's query or of our own
 *           DS/DNSKEY sub-queries, find the keys of the signing zone (pushing
 *           DS and DNSKEY sub-queries and yielding when they are not known),
 *           verify every RR set and the proof of a missing DS; bogus -> FAIL.
 * finalize: AD when every answer of the client's chain was validated secure.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "plugins/validate/validate-impl.h"

#define GROUP "validate"
#define MAX_SETS 64
#define MAX_ZONES 32

enum zstate { Z_UNKNOWN = 0, Z_DS, Z_SECURE, Z_INSECURE, Z_BOGUS };

struct zone {
	uint8_t *name;
	enum zstate state;
	kr_rrset_t *ds;
	kr_rrset_t *keys;
};

struct req_state {
	struct zone zones[MAX_ZONES];
	unsigned nzones;
	uint32_t now;
};

enum qresult { Q_NONE = 0, Q_SECURE, Q_INSECURE, Q_BOGUS };
struct qry_state {
	bool upstream;   /* this round went to a server */
	bool mine;       /* a DS/DNSKEY sub-query pushed by us */
	enum qresult result;
};

struct set { kr_rrset_t rr; kr_rrset_t sigs; int section; };

static struct req_state *req_get(struct kr_layer_ctx *ctx)
{
	struct req_state *r = kr_request_data(ctx->req, ctx->plugin);
	if (!r && (r = kr_mm_calloc(ctx->req->pool, sizeof(*r)))) {
		r->now = (uint32_t)time(NULL);
		if (kr_request_set_data(ctx->req, ctx->plugin, r) != 0)
			return NULL;
	}
	return r;
}

static struct qry_state *qry_get(struct kr_layer_ctx *ctx, struct kr_query *qry)
{
	struct qry_state *q = kr_query_data(qry, ctx->plugin);
	if (!q && (q = kr_mm_calloc(ctx->req->pool, sizeof(*q)))) {
		if (kr_query_set_data(ctx->req, qry, ctx->plugin, q) != 0)
			return NULL;
	}
	return q;
}

static struct zone *zone_get(struct req_state *r, const uint8_t *name, kr_mm_t *mm, bool create)
{
	for (unsigned i = 0; i < r->nzones; ++i)
		if (kr_dname_eq(r->zones[i].name, name))
			return &r->zones[i];
	if (!create || r->nzones == MAX_ZONES)
		return NULL;
	struct zone *z = &r->zones[r->nzones];
	memset(z, 0, sizeof(*z));
	if (!(z->name = kr_dname_copy(name, mm)))
		return NULL;
	kr_dname_lower(z->name);
	++r->nzones;
	return z;
}

static void logq(struct kr_request *req, struct kr_query *qry, const char *what, const uint8_t *zone)
{
	if (!kr_log_verbose() && !(qry->flags & KR_QF_TRACE))
		return;
	char n[KR_DNAME_MAXTEXT], z[KR_DNAME_MAXTEXT] = "", t[16];
	kr_dname_to_str(n, sizeof(n), qry->sname);
	if (zone)
		kr_dname_to_str(z, sizeof(z), zone);
	kr_rrtype_to_str(qry->stype, t, sizeof(t));
	kr_log_req(req, KR_LOG_DEBUG, GROUP, "%s %s: %s %s", n, t, what, z);
}

static const struct validate *plugin_v(struct kr_layer_ctx *ctx)
{
	return kr_plugin_data(ctx->plugin);
}

/** Group records of the answer and authority sections into sets with their RRSIGs. */
static int gather(const kr_pkt_t *pkt, struct set *s, kr_mm_t *mm)
{
	int n = 0;
	for (int sec = KR_SECTION_ANSWER; sec <= KR_SECTION_AUTHORITY; ++sec) {
		for (uint16_t i = 0; i < kr_pkt_count(pkt, sec); ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, sec, i);
			if (rr->rclass != KR_CLASS_IN)
				continue;
			bool sig = rr->type == KR_TYPE_RRSIG;
			for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
				uint16_t type = rr->type;
				if (sig) {
					if (rd->len < 2)
						continue;
					type = (uint16_t)(rd->data[0] << 8 | rd->data[1]);
				}
				int j;
				for (j = 0; j < n; ++j)
					if (s[j].section == sec && s[j].rr.type == type && kr_dname_eq(s[j].rr.owner, rr->owner))
						break;
				if (j == n) {
					if (n == MAX_SETS)
						return -ENOSPC;
					memset(&s[n], 0, sizeof(s[n]));
					kr_rrset_init(&s[n].rr, rr->owner, type, KR_CLASS_IN, rr->ttl);
					kr_rrset_init(&s[n].sigs, rr->owner, KR_TYPE_RRSIG, KR_CLASS_IN, rr->ttl);
					s[n].section = sec;
					++n;
				}
				if (kr_rrset_add_rdata(sig ? &s[j].sigs : &s[j].rr, rd->data, rd->len, mm) != 0)
					return -ENOMEM;
			}
		}
	}
	return n;
}

/** Signer of the first RRSIG of a set, or NULL. */
static const uint8_t *signer_of(const struct set *s)
{
	const struct kr_rdata *rd = kr_rdataset_first(&s->sigs.rrs);
	struct validate_rrsig p;
	if (!rd || validate_rrsig_parse(rd, &p) != 0)
		return NULL;
	return p.signer;
}

/**
 * Trust of zone name: Z_SECURE (zone->keys), Z_INSECURE, Z_BOGUS, or
 * Z_UNKNOWN / Z_DS (sub-queries needed).
 */
static enum zstate trust_of(struct kr_layer_ctx *ctx, struct req_state *r, const uint8_t *name,
			    struct zone **out)
{
	const struct validate *v = plugin_v(ctx);
	struct kr_request *req = ctx->req;
	*out = NULL;
	if (validate_nta_covers(v, name))
		return Z_INSECURE;
	const struct validate_ta *ta = validate_ta_find(v, name);
	if (!ta)
		return Z_INSECURE;
	/* An insecure or bogus zone between the anchor and name decides. */
	for (unsigned i = 0; i < r->nzones; ++i) {
		struct zone *z = &r->zones[i];
		if ((z->state == Z_INSECURE || z->state == Z_BOGUS) && kr_dname_in(name, z->name) &&
		    kr_dname_in(z->name, ta->name))
			return z->state;
	}
	struct zone *z = zone_get(r, name, req->pool, true);
	if (!z)
		return Z_BOGUS;
	*out = z;
	if (z->state != Z_UNKNOWN)
		return z->state;
	if (kr_dname_eq(name, ta->name)) {
		if (ta->keys.rrs.count && !ta->ds.rrs.count) {
			z->keys = kr_rrset_copy(&ta->keys, req->pool);
			z->state = z->keys ? Z_SECURE : Z_BOGUS;
			return z->state;
		}
		z->ds = kr_rrset_copy(&ta->ds, req->pool);
		z->state = z->ds ? Z_DS : Z_BOGUS;
	}
	/* Keys validated earlier and cached with the SECURE rank. */
	const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
	if (c && c->size >= KR_CACHE_API_HAS(peek_rrset)) {
		kr_rrset_t keys;
		uint8_t rank = 0;
		if (c->peek_rrset(req, name, KR_TYPE_DNSKEY, &keys, NULL, &rank) == 0 &&
		    (rank & KR_RANK_SECURE) && keys.rrs.count) {
			z->keys = kr_rrset_copy(&keys, req->pool);
			if (z->keys) {
				z->state = Z_SECURE;
				return Z_SECURE;
			}
		}
	}
	return z->state;
}

/** Push what is needed to learn the keys of zone z. @return YIELD or FAIL. */
static enum kr_layer_state fetch_keys(struct kr_layer_ctx *ctx, struct kr_query *qry, struct zone *z)
{
	struct kr_request *req = ctx->req;
	const struct validate_ta *ta = validate_ta_find(plugin_v(ctx), z->name);
	bool need_ds = z->state == Z_UNKNOWN && !(ta && kr_dname_eq(ta->name, z->name));
	bool is_key_q = qry->stype == KR_TYPE_DNSKEY && kr_dname_eq(qry->sname, z->name);
	if (!is_key_q) {
		if (kr_rplan_satisfies(qry, z->name, KR_CLASS_IN, KR_TYPE_DNSKEY))
			return KR_STATE_FAIL;   /* a loop */
		struct kr_query *k = kr_rplan_push(&req->rplan, qry, z->name, KR_CLASS_IN, KR_TYPE_DNSKEY);
		struct qry_state *ks = k ? qry_get(ctx, k) : NULL;
		if (!ks)
			return KR_STATE_FAIL;
		ks->mine = true;
		k->flags |= KR_QF_DNSSEC_WANT;
		qry = k;
	}
	if (need_ds) {
		if (kr_rplan_satisfies(qry, z->name, KR_CLASS_IN, KR_TYPE_DS))
			return KR_STATE_FAIL;
		struct kr_query *d = kr_rplan_push(&req->rplan, qry, z->name, KR_CLASS_IN, KR_TYPE_DS);
		struct qry_state *ds = d ? qry_get(ctx, d) : NULL;
		if (!ds)
			return KR_STATE_FAIL;
		ds->mine = true;
		d->flags |= KR_QF_DNSSEC_WANT;
	}
	logq(req, qry, "fetching keys of", z->name);
	return KR_STATE_YIELD;
}

/** Validate a DNSKEY set of zone z against its DS (or anchor). */
static enum zstate check_dnskey(struct req_state *r, struct zone *z, const struct set *keys, kr_mm_t *mm)
{
	bool usable = false;
	for (const struct kr_rdata *ds = kr_rdataset_first(&z->ds->rrs); ds; ds = kr_rdataset_next(&z->ds->rrs, ds)) {
		if (ds->len < 5 || !validate_crypto_alg_supported(ds->data[2]))
			continue;
		for (const struct kr_rdata *k = kr_rdataset_first(&keys->rr.rrs); k; k = kr_rdataset_next(&keys->rr.rrs, k)) {
			int ret = validate_ds_match(z->name, k, ds);
			if (ret == -ENOTSUP)
				break;
			if (ret != 0)
				continue;
			usable = true;
			kr_rrset_t one;
			kr_rrset_init(&one, keys->rr.owner, KR_TYPE_DNSKEY, KR_CLASS_IN, 0);
			if (kr_rrset_add_rdata(&one, k->data, k->len, mm) != 0)
				return Z_BOGUS;
			if (validate_rrset(&keys->rr, &keys->sigs, &one, r->now, mm) == 0)
				return Z_SECURE;
		}
		if (ds->data[3] == 1 || ds->data[3] == 2 || ds->data[3] == 4)
			usable = true;
	}
	return usable ? Z_BOGUS : Z_INSECURE;
}

/** NSEC or NSEC3 proof that name has no type (NODATA); for DS also an opt-out span. */
static int nodata_proof(const struct set *s, int n, const uint8_t *name, uint16_t type)
{
	for (int i = 0; i < n; ++i) {
		if (s[i].section != KR_SECTION_AUTHORITY || s[i].rr.type != KR_TYPE_NSEC)
			continue;
		if (!kr_dname_eq(s[i].rr.owner, name))
			continue;
		const struct kr_rdata *rd = kr_rdataset_first(&s[i].rr.rrs);
		int nl = kr_dname_check(rd->data, rd->len);
		if (nl <= 0)
			continue;
		const uint8_t *bm = rd->data + nl;
		size_t bl = rd->len - (size_t)nl;
		if (!validate_bitmap_has(bm, bl, type) && !validate_bitmap_has(bm, bl, KR_TYPE_CNAME) &&
		    !(type == KR_TYPE_DS && validate_bitmap_has(bm, bl, KR_TYPE_SOA)))
			return 0;
	}
	/* NSEC3: a matching hash; for DS, an opt-out span covering the next closer name. */
	for (int pass = 0; pass < 2; ++pass) {
		for (int i = 0; i < n; ++i) {
			if (s[i].section != KR_SECTION_AUTHORITY || s[i].rr.type != KR_TYPE_NSEC3)
				continue;
			const struct kr_rdata *rd = kr_rdataset_first(&s[i].rr.rrs);
			if (rd->len < 6 || rd->data[0] != 1)
				continue;
			uint8_t flags = rd->data[1];
			uint16_t iters = (uint16_t)(rd->data[2] << 8 | rd->data[3]);
			uint8_t sl = rd->data[4];
			if (iters > VALIDATE_NSEC3_MAX_ITER)
				return -ENOTSUP;
			if (5u + sl + 1 > rd->len)
				continue;
			uint8_t hl = rd->data[5 + sl];
			const uint8_t *next = rd->data + 6 + sl;
			if (6u + sl + hl > rd->len || hl != 20)
				continue;
			const uint8_t *bm = next + hl;
			size_t bl = rd->len - (6u + sl + hl);
			/* owner's first label: base32hex of the hash */
			const uint8_t *o = s[i].rr.owner;
			if (o[0] != 32)
				continue;
			uint8_t own[20];
			int bad = 0;
			for (int b = 0, acc = 0, bits = 0, k = 0; b < 32; ++b) {
				int c = o[1 + b] | 0x20, v;
				if (c >= '0' && c <= '9') v = c - '0';
				else if (c >= 'a' && c <= 'v') v = c - 'a' + 10;
				else { bad = 1; break; }
				acc = (acc << 5) | v;
				bits += 5;
				if (bits >= 8) {
					own[k++] = (uint8_t)(acc >> (bits - 8));
					bits -= 8;
				}
			}
			if (bad)
				continue;
			const uint8_t *zone = o + 33;
			if (!kr_dname_in(name, zone))
				continue;
			uint8_t h[20];
			if (pass == 0) {
				if (validate_nsec3_hash(name, rd->data + 5, sl, iters, h) != 0)
					continue;
				if (memcmp(h, own, 20) == 0 && !validate_bitmap_has(bm, bl, type) &&
				    !validate_bitmap_has(bm, bl, KR_TYPE_CNAME) &&
				    !(type == KR_TYPE_DS && validate_bitmap_has(bm, bl, KR_TYPE_SOA)))
					return 0;
			} else if (type == KR_TYPE_DS && (flags & 1)) {
				/* Opt-out: the next closer name of the closest provable encloser is covered. */
				const uint8_t *nc = name, *ce = kr_dname_parent(name);
				while (ce && kr_dname_in(ce, zone)) {
					if (validate_nsec3_hash(ce, rd->data + 5, sl, iters, h) != 0)
						break;
					bool match = false;
					for (int j = 0; j < n && !match; ++j)
						if (s[j].rr.type == KR_TYPE_NSEC3 && s[j].rr.owner[0] == 32) {
							/* compare by re-encoding is costly: compare owner text */
							static const char b32[] = "0123456789abcdefghijklmnopqrstuv";
							char enc[33];
							for (int b = 0; b < 32; ++b) {
								int bit = b * 5, v = 0;
								for (int q = 0; q < 5; ++q)
									v = (v << 1) | ((h[(bit + q) / 8] >> (7 - (bit + q) % 8)) & 1);
								enc[b] = b32[v];
							}
							bool eq = true;
							for (int b = 0; b < 32 && eq; ++b)
								eq = (s[j].rr.owner[1 + b] | 0x20) == enc[b];
							match = eq;
						}
					if (match)
						break;
					nc = ce;
					ce = kr_dname_parent(ce);
				}
				if (!ce || !kr_dname_in(ce, zone))
					continue;
				if (validate_nsec3_hash(nc, rd->data + 5, sl, iters, h) != 0)
					continue;
				/* covered: own < h < next, or wrapping around the end */
				int a = memcmp(own, h, 20), b = memcmp(h, next, 20), w = memcmp(own, next, 20);
				if ((w < 0 && a < 0 && b < 0) || (w >= 0 && (a < 0 || b < 0)))
					return 1;   /* insecure by opt-out */
			}
		}
	}
	return -EBADMSG;
}

static void mark(struct kr_query *qry, struct qry_state *qs, enum qresult res)
{
	qs->result = res;
	qry->flags &= ~(uint64_t)(KR_QF_DNSSEC_BOGUS | KR_QF_DNSSEC_INSECURE);
	if (res == Q_BOGUS)
		qry->flags |= KR_QF_DNSSEC_BOGUS;
	else if (res == Q_INSECURE)
		qry->flags |= KR_QF_DNSSEC_INSECURE;
}

static enum kr_layer_state bogus(struct kr_layer_ctx *ctx, struct kr_query *qry, struct qry_state *qs,
				 const char *why, const uint8_t *zone)
{
	if ((qry->flags & KR_QF_CACHED) && !(qry->flags & KR_QF_NO_CACHE)) {
		/* Cached data that does not validate: ask upstream once more. */
		qry->flags = (qry->flags | KR_QF_NO_CACHE) & ~(uint64_t)KR_QF_CACHED;
		logq(ctx->req, qry, "cached data does not validate, asking again:", zone);
		return KR_STATE_YIELD;
	}
	mark(qry, qs, Q_BOGUS);
	char n[KR_DNAME_MAXTEXT], z[KR_DNAME_MAXTEXT] = "?", t[16];
	kr_dname_to_str(n, sizeof(n), qry->sname);
	if (zone)
		kr_dname_to_str(z, sizeof(z), zone);
	kr_rrtype_to_str(qry->stype, t, sizeof(t));
	kr_log_req(ctx->req, KR_LOG_NOTICE, GROUP, "bogus answer for %s %s (zone %s): %s", n, t, z, why);
	return KR_STATE_FAIL;
}

static enum kr_layer_state validate_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	if (ctx->state != KR_STATE_DONE || !qry || !pkt || !plugin_v(ctx))
		return ctx->state;
	struct qry_state *qs = qry_get(ctx, qry);
	struct req_state *r = req_get(ctx);
	if (!qs || !r)
		return KR_STATE_FAIL;
	if (!(qry->flags & KR_QF_DNSSEC_WANT) || (qry->flags & KR_QF_STUB) ||
	    (req->options & KR_QF_DNSSEC_CD) || qry->sclass != KR_CLASS_IN ||
	    (qry->parent && !qs->mine) || !(qs->upstream || (qry->flags & KR_QF_CACHED)))
		return ctx->state;
	kr_mm_t *mm = req->pool;
	struct set *s = kr_mm_alloc(mm, sizeof(*s) * MAX_SETS);
	if (!s)
		return KR_STATE_FAIL;
	int n = gather(pkt, s, mm);
	if (n < 0)
		return bogus(ctx, qry, qs, "too many RR sets", NULL);
	/* The zone that signs the answer. */
	const uint8_t *zone = NULL;
	for (int i = 0; i < n && !zone; ++i)
		zone = signer_of(&s[i]);
	if (zone && (!kr_dname_in(qry->sname, zone) ||
		     (qry->stype == KR_TYPE_DS && kr_dname_eq(zone, qry->sname) && *zone)))
		zone = NULL;   /* a signer that cannot sign this: judged by the zone asked */
	uint8_t cut[KR_DNAME_MAXLEN];
	if (!zone)
		zone = qry->zone_cut;
	if (!zone || !kr_dname_in(qry->sname, zone) ||
	    (qry->stype == KR_TYPE_DS && kr_dname_eq(zone, qry->sname) && *zone)) {
		const uint8_t *from = qry->stype == KR_TYPE_DS && *qry->sname ? kr_dname_parent(qry->sname) : qry->sname;
		const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
		kr_rrset_t ns;
		if (c && c->size >= KR_CACHE_API_HAS(zone_cut) && c->zone_cut(req, from, cut, &ns) == 0)
			zone = cut;
		else
			zone = (const uint8_t *)"";
	}
	struct zone *z = NULL;
	bool key_q = qry->stype == KR_TYPE_DNSKEY && kr_dname_eq(qry->sname, zone);
	enum zstate st = trust_of(ctx, r, zone, &z);
	if (st == Z_INSECURE) {
		mark(qry, qs, Q_INSECURE);
		logq(req, qry, "insecure, zone", zone);
		return ctx->state;
	}
	if (st == Z_BOGUS)
		return bogus(ctx, qry, qs, "the zone's keys are bogus", zone);
	if (key_q && st == Z_DS) {
		int k;
		for (k = 0; k < n; ++k)
			if (s[k].section == KR_SECTION_ANSWER && s[k].rr.type == KR_TYPE_DNSKEY &&
			    kr_dname_eq(s[k].rr.owner, zone))
				break;
		if (k == n)
			return bogus(ctx, qry, qs, "no DNSKEY", zone);
		z->state = check_dnskey(r, z, &s[k], mm);
		if (z->state == Z_INSECURE) {
			mark(qry, qs, Q_INSECURE);
			logq(req, qry, "no supported DS algorithm or digest: insecure", zone);
			return ctx->state;
		}
		if (z->state != Z_SECURE)
			return bogus(ctx, qry, qs, "no DNSKEY matching the DS validates the key set", zone);
		z->keys = kr_rrset_copy(&s[k].rr, mm);
		if (!z->keys)
			return KR_STATE_FAIL;
		st = Z_SECURE;
	}
	if (st != Z_SECURE)
		return fetch_keys(ctx, qry, z);
	/* Every RR set of the answer and the negative proofs must verify with the zone's keys. */
	bool has_dname = false;
	for (int i = 0; i < n; ++i)
		has_dname = has_dname || (s[i].section == KR_SECTION_ANSWER && s[i].rr.type == KR_TYPE_DNAME);
	const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
	bool have_c = c && c->size >= KR_CACHE_API_HAS(insert_rrset);
	for (int i = 0; i < n; ++i) {
		kr_rrset_t *rr = &s[i].rr;
		if (rr->rrs.count == 0)
			return bogus(ctx, qry, qs, "RRSIG without its RR set", zone);
		if (s[i].section == KR_SECTION_AUTHORITY && rr->type == KR_TYPE_NS && s[i].sigs.rrs.count == 0)
			continue;   /* unsigned NS in the authority section: not relied on */
		if (s[i].section == KR_SECTION_ANSWER && rr->type == KR_TYPE_CNAME && has_dname &&
		    s[i].sigs.rrs.count == 0)
			continue;   /* synthesized from a DNAME, which is checked itself */
		if (!kr_dname_in(rr->owner, zone))
			return bogus(ctx, qry, qs, "a record outside the signing zone", zone);
		if ((qry->flags & KR_QF_CACHED) && have_c) {
			uint8_t rank = 0;
			kr_rrset_t tmp;
			if (c->peek_rrset(req, rr->owner, rr->type, &tmp, NULL, &rank) == 0 && (rank & KR_RANK_SECURE))
				continue;   /* validated before */
		}
		int ret = validate_rrset(rr, &s[i].sigs, z->keys, r->now, mm);
		if (ret == -ENOTSUP) {
			mark(qry, qs, Q_INSECURE);
			return ctx->state;
		}
		if (ret != 0) {
			char t[16], o[KR_DNAME_MAXTEXT], why[KR_DNAME_MAXTEXT + 64];
			kr_rrtype_to_str(rr->type, t, sizeof(t));
			kr_dname_to_str(o, sizeof(o), rr->owner);
			snprintf(why, sizeof(why), "%s %s: %s", o, t, ret == -ENOENT ? "no RRSIG" : "no valid RRSIG");
			return bogus(ctx, qry, qs, why, zone);
		}
		if (have_c && s[i].section == KR_SECTION_ANSWER && !(qry->flags & KR_QF_NO_CACHE))
			c->insert_rrset(req, rr, &s[i].sigs, KR_RANK_SECURE | KR_RANK_AUTH_ANSWER);
	}
	/* What the answer says. */
	bool positive = false;
	for (int i = 0; i < n; ++i)
		positive = positive || (s[i].section == KR_SECTION_ANSWER &&
					(s[i].rr.type == qry->stype || s[i].rr.type == KR_TYPE_CNAME));
	uint16_t rcode = kr_pkt_rcode(pkt) & 0xf;
	if (qry->stype == KR_TYPE_DS && qs->mine) {
		struct zone *child = zone_get(r, qry->sname, mm, true);
		if (!child)
			return KR_STATE_FAIL;
		if (positive) {
			for (int i = 0; i < n; ++i)
				if (s[i].section == KR_SECTION_ANSWER && s[i].rr.type == KR_TYPE_DS &&
				    kr_dname_eq(s[i].rr.owner, qry->sname))
					child->ds = kr_rrset_copy(&s[i].rr, mm);
			if (!child->ds)
				return bogus(ctx, qry, qs, "no DS in the answer", zone);
			child->state = Z_DS;
			mark(qry, qs, Q_SECURE);
			return ctx->state;
		}
		int p = rcode == KR_RCODE_NOERROR ? nodata_proof(s, n, qry->sname, KR_TYPE_DS) : -EBADMSG;
		if (p < 0 && p != -ENOTSUP)
			return bogus(ctx, qry, qs, "no proof that the DS is missing", zone);
		child->state = Z_INSECURE;
		mark(qry, qs, p == 0 ? Q_SECURE : Q_INSECURE);
		logq(req, qry, "no DS: insecure delegation", qry->sname);
		return ctx->state;
	}
	if (key_q) {
		mark(qry, qs, Q_SECURE);
		return ctx->state;
	}
	if (positive && rcode == KR_RCODE_NOERROR) {
		/* Wildcard expansions need a proof that the name does not exist: not done yet. */
		for (int i = 0; i < n; ++i) {
			if (s[i].section != KR_SECTION_ANSWER)
				continue;
			const struct kr_rdata *rd = kr_rdataset_first(&s[i].sigs.rrs);
			struct validate_rrsig p;
			if (rd && validate_rrsig_parse(rd, &p) == 0 && p.labels < kr_dname_labels(s[i].rr.owner)) {
				mark(qry, qs, Q_INSECURE);   /* signatures verified, expansion unproven: no AD */
				return ctx->state;
			}
		}
		mark(qry, qs, Q_SECURE);
		return ctx->state;
	}
	if (rcode == KR_RCODE_NOERROR && nodata_proof(s, n, qry->sname, qry->stype) == 0) {
		mark(qry, qs, Q_SECURE);
		return ctx->state;
	}
	/* Signatures verified, denial proof not checked (NXDOMAIN, NSEC3 closest encloser): no AD. */
	mark(qry, qs, Q_INSECURE);
	return ctx->state;
}

static enum kr_layer_state validate_begin(struct kr_layer_ctx *ctx)
{
	const struct validate *v = plugin_v(ctx);
	struct kr_request *req = ctx->req;
	if (!v || v->ta_count == 0 || (req->options & KR_QF_STUB))
		return ctx->state;
	req->options |= KR_QF_DNSSEC_WANT;
	for (uint32_t i = 0; i < req->rplan.pending_len; ++i)
		req->rplan.pending[i]->flags |= KR_QF_DNSSEC_WANT;
	return ctx->state;
}

static enum kr_layer_state validate_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	(void)pkt;
	struct kr_query *qry = ctx->req->current_query;
	struct qry_state *qs = qry ? kr_query_data(qry, ctx->plugin) : NULL;
	if (qs)
		qs->upstream = false;
	return ctx->state;
}

static enum kr_layer_state validate_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
					     const void *dst, bool tcp)
{
	(void)pkt; (void)dst; (void)tcp;
	struct kr_query *qry = ctx->req->current_query;
	struct qry_state *qs = qry ? qry_get(ctx, qry) : NULL;
	if (qs)
		qs->upstream = true;
	return ctx->state;
}

static enum kr_layer_state validate_finalize(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	kr_pkt_t *a = req->answer;
	const kr_pkt_t *q = req->qsource.packet;
	bool secure = ctx->state == KR_STATE_DONE && q && !(req->options & KR_QF_DNSSEC_CD) &&
		      ((q->opt && kr_edns_do(q->opt)) || kr_pkt_flag(q, KR_PKT_AD));
	unsigned chain = 0;
	for (uint32_t i = 0; secure && i < req->rplan.resolved_len; ++i) {
		struct kr_query *qry = req->rplan.resolved[i];
		if (qry->parent)
			continue;
		struct qry_state *qs = kr_query_data(qry, ctx->plugin);
		++chain;
		/* CNAME links followed across zones were not all seen by consume: no AD. */
		secure = qs && qs->result == Q_SECURE && qry->cname_depth == 0;
	}
	kr_pkt_set_flag(a, KR_PKT_AD, secure && chain > 0);
	return ctx->state;
}

const struct kr_layer_api validate_layer = {
	.size = sizeof(validate_layer),
	.begin = validate_begin,
	.produce = validate_produce,
	.consume = validate_consume,
	.checkout = validate_checkout,
	.answer_finalize = validate_finalize,
};
