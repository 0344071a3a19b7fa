/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cache layer.
 * produce: answer the current sub-query from the cache (an RR set, a CNAME to
 *          follow, NXDOMAIN or NODATA) and return DONE.
 * consume: group the upstream reply's records into RR sets, keep those within
 *          the bailiwick of the zone asked, rank them by section, and remember
 *          them for the request.
 * finish:  store what was remembered in one transaction, with the DNSSEC
 *          outcome that the later layers (validate) set on each sub-query.
 */
#include <string.h>
#include <strings.h>
#include "plugins/cache/cache-impl.h"

#define MAX_GROUPS 64       /* RR sets taken from one reply */
#define MAX_CHAIN 13        /* CNAME links followed within one reply */
#define MAX_SETS 24         /* RR sets in one entry */

/* --- reading --- */

/** The per-request memo of names probed in the storage. */
int cache_memo_get(const struct cache_memo *m, const uint8_t *prefix, size_t plen)
{
	unsigned n = m->count < CACHE_MEMO_NAMES ? m->count : CACHE_MEMO_NAMES;
	for (unsigned i = 0; i < n; ++i)
		if (m->len[i] == plen && memcmp(m->name[i], prefix, plen) == 0)
			return m->present[i];
	return -1;
}

void cache_memo_set(struct cache_memo *m, const uint8_t *prefix, size_t plen, bool present)
{
	if (plen > CACHE_KEY_MAX)
		return;
	unsigned i = m->count++ % CACHE_MEMO_NAMES;
	memcpy(m->name[i], prefix, plen);
	m->len[i] = (uint16_t)plen;
	m->present[i] = present;
}

void cache_memo_forget(struct cache_memo *m, const uint8_t *prefix, size_t plen)
{
	unsigned n = m->count < CACHE_MEMO_NAMES ? m->count : CACHE_MEMO_NAMES;
	for (unsigned i = 0; i < n; ++i)
		if (m->len[i] == plen && memcmp(m->name[i], prefix, plen) == 0)
			m->present[i] = true;   /* not absent any more: look it up */
}

struct cache_reqdata *cache_reqdata(struct cache *c, struct kr_request *req)
{
	if (!c->plugin || !req)
		return NULL;
	struct cache_reqdata *r = kr_request_data(req, c->plugin);
	if (r)
		return r;
	r = kr_mm_alloc(req->pool, sizeof(*r));
	if (!r)
		return NULL;
	r->memo.count = 0;
	r->pending = NULL;
	r->proofs = NULL;
	r->nproofs = 0;
	if (kr_request_set_data(req, c->plugin, r) != 0)
		return NULL;
	return r;
}

static int peek_key(struct cache *c, struct cache_memo *memo, kr_mm_t *mm, uint8_t *key, int plen,
		    uint16_t type, uint8_t kind, uint8_t min_base, uint32_t now, unsigned where,
		    struct cache_set *sets, unsigned max, struct cache_entry_hdr *hdr);

/** Check an entry read for (kind, min_base) at now and decode it. @return sets or -ENOENT. */
static int entry_use(const uint8_t *val, size_t len, uint8_t kind, uint8_t min_base, uint32_t now,
		     struct cache_set *sets, unsigned max, struct cache_entry_hdr *hdr)
{
	struct cache_entry_hdr h;
	if (cache_entry_header(val, len, &h) != 0 || h.kind != kind)
		return -ENOENT;
	uint32_t ttl = cache_ttl_remaining(&h, now);
	if (ttl == 0 || (h.rank & KR_RANK_BOGUS) || (h.rank & KR_RANK_BASE_MASK) < min_base)
		return -ENOENT;
	int n = cache_entry_decode(val, len, ttl, sets, max);
	if (n < 0)
		return -ENOENT;
	if (hdr)
		*hdr = h;
	return n;
}

int cache_peek(struct cache *c, struct cache_memo *memo, kr_mm_t *mm, const uint8_t *name,
	       uint16_t type, uint8_t kind, uint8_t min_base, uint32_t now, unsigned where,
	       struct cache_set *sets, unsigned max, struct cache_entry_hdr *hdr)
{
	uint8_t key[CACHE_KEY_MAX];
	int plen = cache_key_name(key, name);
	key[plen++] = 0;
	return peek_key(c, memo, mm, key, plen, type, kind, min_base, now, where, sets, max, hdr);
}

/**
 * cache_peek() for a key whose first plen bytes (the name's own prefix,
 * cache_key_name() + 0x00) are in key already; key has CACHE_KEY_MAX bytes.
 */
static int peek_key(struct cache *c, struct cache_memo *memo, kr_mm_t *mm, uint8_t *key, int plen,
		    uint16_t type, uint8_t kind, uint8_t min_base, uint32_t now, unsigned where,
		    struct cache_set *sets, unsigned max, struct cache_entry_hdr *hdr)
{
	key[plen] = (uint8_t)(type >> 8);
	key[plen + 1] = (uint8_t)type;
	key[plen + 2] = kind;
	size_t klen = (size_t)plen + 3;
	uint8_t *val;
	size_t len;
	int ret;
	if (where & CACHE_PEEK_FRONT) {
		cache_front_sync(&c->front);
		ret = cache_front_get(&c->front, key, klen, now, mm, &val, &len);
		if (ret == 0) {
			ret = entry_use(val, len, kind, min_base, now, sets, max, hdr);
			if (ret > 0)
				return ret;
		} else if (ret == -ENODATA) {
			return -ENOENT;
		}
	}
	if (!(where & CACHE_PEEK_STORE))
		return -ENOENT;
	int known = memo ? cache_memo_get(memo, key, (size_t)plen) : -1;
	if (known == 0)
		return -ENOENT;
	if (known < 0 && memo && (where & CACHE_PEEK_PROBE)) {
		/* The name's first look-up in the storage in this request: one
		 * range look-up says whether it has any entry (a new name has
		 * none) and gives the first, often the one asked for. */
		ret = cache_probe(c, key, (size_t)plen, key, klen, mm, &val, &len);
		if (ret >= 0)
			cache_memo_set(memo, key, (size_t)plen, ret > 0);
		if (ret == 0 && (where & CACHE_PEEK_FRONT))
			cache_front_put_absent(&c->front, key, klen, now);
		if (ret == 0)
			return -ENOENT;
		ret = ret == 2 ? 0 : cache_get(c, key, klen, mm, &val, &len);
	} else {
		ret = cache_get(c, key, klen, mm, &val, &len);
	}
	if (ret == -ENOENT && (where & CACHE_PEEK_FRONT))
		cache_front_put_absent(&c->front, key, klen, now);
	if (ret != 0)
		return ret == -EAGAIN ? -ENOENT : ret;
	cache_front_put(&c->front, key, klen, val, len, now);
	return entry_use(val, len, kind, min_base, now, sets, max, hdr);
}

int cache_peek_stale(struct cache *c, kr_mm_t *mm, const uint8_t *name, uint16_t type,
		     uint32_t now, uint32_t max_stale, struct cache_set *sets, unsigned max,
		     struct cache_entry_hdr *hdr, uint32_t *expired)
{
	uint8_t key[CACHE_KEY_MAX];
	size_t klen = (size_t)cache_key_make(key, name, type, CACHE_KIND_RR);
	uint8_t *val;
	size_t len;
	/* The storage only: the front drops expired entries, the storage keeps
	 * them until eviction needs the space or cache.prune() runs. */
	int ret = cache_get(c, key, klen, mm, &val, &len);
	if (ret != 0)
		return ret == -EAGAIN ? -ENOENT : ret;
	struct cache_entry_hdr h;
	if (cache_entry_header(val, len, &h) != 0 || h.kind != CACHE_KIND_RR ||
	    (h.rank & KR_RANK_BOGUS))
		return -ENOENT;
	uint32_t ttl = cache_ttl_remaining(&h, now);
	uint32_t late = ttl ? 0 : now - h.expire;
	if (late > max_stale)
		return -ENOENT;
	int n = cache_entry_decode(val, len, ttl, sets, max);
	if (n < 0)
		return -ENOENT;
	if (hdr)
		*hdr = h;
	if (expired)
		*expired = late;
	return n;
}

/** Does the request want RRSIGs (client's DO, or validation)? */
static bool want_dnssec(const struct kr_request *req, const struct kr_query *qry, uint8_t rank)
{
	const kr_pkt_t *q = req->qsource.packet;
	if (q && q->opt && kr_edns_do(q->opt))
		return true;
	/* The validator takes the stored verdict of the client's data as it is: without
	 * DO from the client, the signatures would only be written and dropped again. */
	if (!qry->parent && (rank & (KR_RANK_SECURE | KR_RANK_INSECURE)))
		return false;
	return (qry->flags & KR_QF_DNSSEC_WANT) != 0;
}

/** Write sets of section sec into pkt (RRSIGs only when wanted). */
static int put_sets(kr_pkt_t *pkt, struct cache_set *sets, int n, uint8_t sec, bool dnssec,
		    struct kr_query *qry)
{
	for (int i = 0; i < n; ++i) {
		if (sets[i].section != sec || (!dnssec && sets[i].rr.type == KR_TYPE_RRSIG))
			continue;
		if (kr_dname_eq(sets[i].rr.owner, qry->sname))
			sets[i].rr.owner = qry->sname;   /* the asker's letter case */
		int ret = kr_pkt_put(pkt, &sets[i].rr);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/** Tell the validator what the served entry was when stored: validated, or proven insecure. */
static void mark_rank(struct kr_query *qry, uint8_t rank)
{
	qry->flags &= ~(uint64_t)(KR_QF_DNSSEC_VALIDATED | KR_QF_DNSSEC_INSECURE);
	if (rank & KR_RANK_SECURE)
		qry->flags |= KR_QF_DNSSEC_VALIDATED;
	else if (rank & KR_RANK_INSECURE)
		qry->flags |= KR_QF_DNSSEC_INSECURE;
}

/** Make pkt the answer (rcode, sections) from sets. */
static enum kr_layer_state answer(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
				  struct cache_set *sets, int n, uint16_t rcode, uint8_t rank)
{
	struct kr_query *qry = ctx->req->current_query;
	bool dnssec = want_dnssec(ctx->req, qry, rank);
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	kr_pkt_set_flag(pkt, KR_PKT_AA, false);
	kr_pkt_set_rcode(pkt, rcode);
	if (kr_pkt_begin(pkt, KR_SECTION_ANSWER) != 0 ||
	    put_sets(pkt, sets, n, KR_SECTION_ANSWER, dnssec, qry) != 0 ||
	    kr_pkt_begin(pkt, KR_SECTION_AUTHORITY) != 0 ||
	    put_sets(pkt, sets, n, KR_SECTION_AUTHORITY, dnssec, qry) != 0) {
		/* Does not fit: let the others resolve it. */
		kr_pkt_clear(pkt);
		kr_pkt_put_question(pkt, qry->sname, qry->sclass, qry->stype);
		++c->stats.miss;
		return ctx->state;
	}
	qry->flags |= KR_QF_CACHED;
	mark_rank(qry, rank);
	++c->stats.hit;
	return KR_STATE_DONE;
}

/** Keep proofs for the authority section of the client's answer, written at the end (cache_finalize()). */
static void proofs_keep(struct cache_reqdata *r, struct kr_request *req, const struct cache_set *sets, size_t add)
{
	size_t had = r->nproofs;
	struct cache_set *keep = add ? kr_mm_alloc(req->pool, sizeof(*keep) * (had + add)) : NULL;
	if (!keep)
		return;
	if (had)
		memcpy(keep, r->proofs, sizeof(*keep) * had);
	memcpy(keep + had, sets, sizeof(*keep) * add);
	r->proofs = keep;
	r->nproofs = (unsigned)(had + add);
}

/** A CNAME at the name: the chain goes on from its target. */
static enum kr_layer_state follow(struct cache *c, struct kr_layer_ctx *ctx,
				  struct cache_set *sets, int n, uint8_t rank)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	const kr_rrset_t *cname = NULL;
	for (int i = 0; i < n; ++i)
		if (sets[i].rr.type == KR_TYPE_CNAME && sets[i].rr.rrs.count == 1)
			cname = &sets[i].rr;
	if (!cname)
		return ctx->state;
	const struct kr_rdata *rd = kr_rdataset_first(&cname->rrs);
	if (kr_dname_check(rd->data, rd->len) != (int)rd->len)
		return ctx->state;
	if (!qry->parent) {
		bool dnssec = want_dnssec(req, qry, rank);
		if (req->answer->current < KR_SECTION_ANSWER)
			kr_pkt_begin(req->answer, KR_SECTION_ANSWER);
		int proofs = 0;   /* a wildcard expansion's: gathered at the end of sets */
		for (int i = 0; i < n; ++i) {
			if (sets[i].section != KR_SECTION_ANSWER) {
				struct cache_set proof = sets[i];
				memmove(&sets[i], &sets[i + 1], sizeof(sets[0]) * (size_t)(n - i - 1));
				sets[n - 1] = proof;
				--n;
				--i;
				++proofs;
				continue;
			}
			if (!dnssec && sets[i].rr.type == KR_TYPE_RRSIG)
				continue;
			if (kr_dname_eq(sets[i].rr.owner, qry->sname))
				sets[i].rr.owner = qry->sname;
			if (kr_pkt_put(req->answer, &sets[i].rr) != 0)
				return KR_STATE_FAIL;
		}
		struct cache_reqdata *r = dnssec && proofs ? cache_reqdata(c, req) : NULL;
		if (r)
			proofs_keep(r, req, sets + n, (size_t)proofs);
	}
	uint8_t *target = kr_dname_copy(rd->data, req->pool);
	if (!target)
		return KR_STATE_FAIL;
	qry->flags |= KR_QF_CACHED;
	mark_rank(qry, rank);
	if (!kr_rplan_push_cname(&req->rplan, qry, target))
		return KR_STATE_FAIL;
	++c->stats.hit;
	return KR_STATE_YIELD;
}

/** Answer with what cache_aggr_find() synthesized (validated data only: SECURE). */
static enum kr_layer_state aggr_answer(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
				       struct cache_reqdata *r, enum cache_aggr_result ar,
				       struct cache_set *sets, int n)
{
	struct kr_query *qry = ctx->req->current_query;
	const uint8_t rank = KR_RANK_SECURE | KR_RANK_AUTH;
	++c->stats.aggressive;
	if (ar == CACHE_AGGR_NXDOMAIN)
		return answer(c, ctx, pkt, sets, n, KR_RCODE_NXDOMAIN, rank);
	if (ar != CACHE_AGGR_CNAME)
		return answer(c, ctx, pkt, sets, n, KR_RCODE_NOERROR, rank);
	/* The CNAME and its RRSIGs go to the answer now; the proofs to its
	 * authority section at the end, after the rest of the chain. */
	enum kr_layer_state st = follow(c, ctx, sets, 2, rank);
	if (st == KR_STATE_YIELD && !qry->parent && r && n > 2)
		proofs_keep(r, ctx->req, sets + 2, (size_t)n - 2);
	return st;
}

enum kr_layer_state cache_produce(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	if (!c || !qry || ctx->state != KR_STATE_PRODUCE || (qry->flags & KR_QF_NO_CACHE) ||
	    qry->sclass != KR_CLASS_IN)
		return ctx->state;
	c->plugin = ctx->plugin;
	switch (qry->stype) {
	case KR_TYPE_ANY: case KR_TYPE_RRSIG: case KR_TYPE_OPT: case KR_TYPE_AXFR: case KR_TYPE_IXFR:
		return ctx->state;
	}
	qry->flags |= KR_QF_CACHE_TRIED;
	uint32_t now = cache_now();
	/* In order: the RR set, a CNAME to follow, NXDOMAIN, NODATA. The front is
	 * asked for all of them first, so a hot answer of any kind stays out of
	 * the storage; then the storage, in the same order. */
	struct {
		uint16_t type;
		uint8_t kind, min_base;
	} look[4];
	unsigned nlook = 0;
	look[nlook++] = (typeof(look[0])){ qry->stype, CACHE_KIND_RR, KR_RANK_ANSWER };
	if (qry->stype != KR_TYPE_CNAME && qry->stype != KR_TYPE_DS)
		look[nlook++] = (typeof(look[0])){ KR_TYPE_CNAME, CACHE_KIND_RR, KR_RANK_ANSWER };
	look[nlook++] = (typeof(look[0])){ 0, CACHE_KIND_NXDOMAIN, KR_RANK_NONAUTH };
	look[nlook++] = (typeof(look[0])){ qry->stype, CACHE_KIND_NODATA, KR_RANK_NONAUTH };
	struct cache_set sets[MAX_SETS];
	struct cache_memo *memo = NULL;
	uint8_t key[CACHE_KEY_MAX];   /* the name's prefix, built once for every look-up */
	int plen = cache_key_name(key, qry->sname);
	key[plen++] = 0;
	/* First the front only; then the front again (absence markers) and the storage. */
	for (unsigned where = CACHE_PEEK_FRONT; where != 0;
	     where = where == CACHE_PEEK_FRONT ? CACHE_PEEK_ALL | CACHE_PEEK_PROBE : 0) {
		if (where != CACHE_PEEK_FRONT) {
			struct cache_reqdata *r = cache_reqdata(c, req);
			memo = r ? &r->memo : NULL;
		}
		for (unsigned i = 0; i < nlook; ++i) {
			struct cache_entry_hdr h;
			int n = peek_key(c, memo, req->pool, key, plen, look[i].type, look[i].kind,
					 look[i].min_base, now, where, sets, MAX_SETS, &h);
			if (n == -EIO)
				goto miss;
			/* A negative entry may hold no record (an answer without SOA, kept min_ttl). */
			if (n < 0 || (n == 0 && look[i].kind == CACHE_KIND_RR))
				continue;
			if (look[i].kind == CACHE_KIND_NXDOMAIN)
				return answer(c, ctx, pkt, sets, n, KR_RCODE_NXDOMAIN, h.rank);
			if (look[i].kind == CACHE_KIND_RR && look[i].type == KR_TYPE_CNAME &&
			    qry->stype != KR_TYPE_CNAME)
				return follow(c, ctx, sets, n, h.rank);
			return answer(c, ctx, pkt, sets, n, KR_RCODE_NOERROR, h.rank);
		}
	}
	if (qry->stype != KR_TYPE_DS) {
		struct cache_reqdata *r = cache_reqdata(c, req);
		int n = 0;
		uint8_t rank = 0;
		enum cache_dname_result dr = cache_dname_find(c, req, qry, r ? &r->memo : NULL, now, sets,
							      MAX_SETS, &n, &rank);
		if (dr == CACHE_DNAME_YXDOMAIN)
			return answer(c, ctx, pkt, sets, n, KR_RCODE_YXDOMAIN, rank);
		if (dr == CACHE_DNAME_CNAME && qry->stype == KR_TYPE_CNAME)
			return answer(c, ctx, pkt, sets, n, KR_RCODE_NOERROR, rank);
		if (dr == CACHE_DNAME_CNAME)
			return follow(c, ctx, sets, n, rank);
	}
	if (c->aggressive) {
		struct cache_reqdata *r = cache_reqdata(c, req);
		int n = 0;
		enum cache_aggr_result ar = cache_aggr_find(c, req, qry, r ? &r->memo : NULL, now, sets,
							    MAX_SETS, &n);
		if (ar != CACHE_AGGR_NONE)
			return aggr_answer(c, ctx, pkt, r, ar, sets, n);
	}
miss:
	++c->stats.miss;
	return ctx->state;
}

/* --- remembering a reply --- */

static uint16_t sig_covered(const kr_rrset_t *rr)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	return rd && rd->len >= 2 ? (uint16_t)(rd->data[0] << 8 | rd->data[1]) : 0;
}

/** Group the records of a section into sets (RRSIGs with the type they cover). */
static int gather(const kr_pkt_t *pkt, enum kr_section sec, struct cache_group *g, int n, kr_mm_t *mm)
{
	for (uint16_t i = 0; i < kr_pkt_count(pkt, sec); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, sec, i);
		if (!rr || rr->rclass != KR_CLASS_IN || rr->type == KR_TYPE_OPT)
			continue;
		bool sig = rr->type == KR_TYPE_RRSIG;
		uint16_t type = sig ? sig_covered(rr) : rr->type;
		if (!type)
			continue;
		int j;
		for (j = 0; j < n; ++j)
			if (g[j].section == sec && g[j].rr.type == type && kr_dname_eq(g[j].rr.owner, rr->owner))
				break;
		if (j == n) {
			if (n == MAX_GROUPS)
				continue;
			memset(&g[n], 0, sizeof(g[n]));
			kr_rrset_init(&g[n].rr, rr->owner, type, KR_CLASS_IN, rr->ttl);
			kr_rrset_init(&g[n].sigs, rr->owner, KR_TYPE_RRSIG, KR_CLASS_IN, rr->ttl);
			g[n].section = (uint8_t)sec;
			++n;
		}
		kr_rrset_t *dst = sig ? &g[j].sigs : &g[j].rr;
		if (rr->ttl < dst->ttl || dst->rrs.count == 0)
			dst->ttl = rr->ttl;
		for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd))
			if (kr_rrset_add_rdata(dst, rd->data, rd->len, mm) != 0)
				return -ENOMEM;
	}
	return n;
}

static struct cache_pending *pending_get(struct cache *c, struct kr_request *req)
{
	struct cache_reqdata *r = cache_reqdata(c, req);
	if (!r)
		return NULL;
	if (r->pending)
		return r->pending;
	struct cache_pending *p = kr_mm_alloc(req->pool, sizeof(*p));
	if (!p)
		return NULL;
	p->count = 0;
	p->replies = 0;
	p->stored = false;
	r->pending = p;
	return p;
}

int cache_defer_write(struct cache *c, struct kr_request *req, const struct cache_write *w)
{
	/* Only into a batch the layer started: its finish is still to come. */
	struct cache_reqdata *r = c->plugin ? kr_request_data(req, c->plugin) : NULL;
	struct cache_pending *p = r ? r->pending : NULL;
	if (!p || p->stored)
		return -ENOENT;
	unsigned i, first = p->count;
	for (i = 0; i < p->count; ++i) {   /* the layer's unranked copies of the same set */
		if (p->w[i].klen != w->klen || memcmp(p->w[i].key, w->key, w->klen) != 0)
			continue;
		if (first == p->count)
			first = i;
		/* One of this very reply that carries more (the proof of a wildcard
		 * expansion) is kept, with the writer's rank and the earlier expiry of
		 * the two; a copy from an earlier reply (one found bogus) never is. */
		if (p->qry[i] && p->reply[i] == p->replies && p->w[i].hdr.nsets > w->hdr.nsets)
			break;
	}
	if (i < p->count) {
		struct cache_write *l = &p->w[i];
		l->hdr.rank = w->hdr.rank;
		cache_entry_set_rank((uint8_t *)l->val, w->hdr.rank);
		if (w->hdr.expire < l->hdr.expire) {
			l->hdr.expire = w->hdr.expire;
			l->hdr.ttl = w->hdr.ttl;
			cache_entry_set_expire((uint8_t *)l->val, w->hdr.expire, w->hdr.expire - w->hdr.ttl);
		}
		p->qry[i] = NULL;
		p->secure_only[i] = false;
		return 0;
	}
	i = first;
	if (i == p->count) {
		if (p->count == CACHE_BATCH_MAX)
			return -ENOSPC;
		++p->count;
	}
	p->w[i] = *w;
	p->qry[i] = NULL;
	p->secure_only[i] = false;
	p->dname[i] = NULL;
	p->reply[i] = p->replies;
	return 0;
}

/** Fill a write from sets. @return 0 or -ENOMEM/-EINVAL. */
static int write_make(struct cache_write *w, const uint8_t *name, uint16_t type, uint8_t kind,
		      struct cache_set *sets, unsigned n, uint8_t rank, uint8_t rcode,
		      uint32_t ttl, uint32_t now, kr_mm_t *mm)
{
	w->klen = (uint16_t)cache_key_make(w->key, name, type, kind);
	w->hdr = (struct cache_entry_hdr){ .expire = now + ttl, .ttl = ttl, .rank = rank,
					    .kind = kind, .rcode = rcode };
	w->val = cache_entry_encode(&w->hdr, sets, n, mm, &w->vlen);
	w->hdr.nsets = (uint8_t)n;
	return w->val ? 0 : -ENOMEM;
}

int cache_write_rrset(struct cache *c, struct cache_write *w, const kr_rrset_t *rr,
		      const kr_rrset_t *rrsigs, uint8_t rank, uint32_t now, kr_mm_t *mm)
{
	if (!rr || rr->rrs.count == 0)
		return -EINVAL;
	struct cache_set sets[2] = { { .rr = *rr, .section = KR_SECTION_ANSWER } };
	unsigned n = 1;
	uint32_t ttl = rr->ttl;
	if (rrsigs && rrsigs->rrs.count) {
		sets[n].rr = *rrsigs;
		sets[n++].section = KR_SECTION_ANSWER;
		if (rrsigs->ttl < ttl)
			ttl = rrsigs->ttl;
	}
	ttl = cache_ttl_clamp(ttl, c->min_ttl, c->max_ttl);
	return write_make(w, rr->owner, rr->type, CACHE_KIND_RR, sets, n, rank, 0, ttl, now, mm);
}

/**
 * Remember group g at rank; a CNAME synthesized from a DNAME (dname, may be
 * NULL) carries the DNAME set too, so that an answer from the cache shows it.
 */
static void remember(struct cache *c, struct cache_pending *p, struct kr_query *qry, struct cache_group *g,
		     struct cache_group *dname, uint8_t rank, uint32_t now, kr_mm_t *mm)
{
	if (p->count == CACHE_BATCH_MAX || g->rr.rrs.count == 0)
		return;
	kr_rdataset_sort(&g->rr.rrs);
	if (!dname) {
		if (cache_write_rrset(c, &p->w[p->count], &g->rr, g->sigs.rrs.count ? &g->sigs : NULL,
				      rank, now, mm) == 0)
			cache_pending_keep(p, qry, false);
		return;
	}
	struct cache_set sets[4];
	unsigned n = 0;
	uint32_t ttl = g->rr.ttl;
	struct cache_group *parts[2] = { dname, g };
	for (int i = 0; i < 2; ++i) {
		sets[n++] = (struct cache_set){ .rr = parts[i]->rr, .section = KR_SECTION_ANSWER };
		if (parts[i]->rr.ttl < ttl)
			ttl = parts[i]->rr.ttl;
		if (parts[i]->sigs.rrs.count) {
			sets[n++] = (struct cache_set){ .rr = parts[i]->sigs, .section = KR_SECTION_ANSWER };
			if (parts[i]->sigs.ttl < ttl)
				ttl = parts[i]->sigs.ttl;
		}
	}
	ttl = cache_ttl_clamp(ttl, c->min_ttl, c->max_ttl);
	if (write_make(&p->w[p->count], g->rr.owner, KR_TYPE_CNAME, CACHE_KIND_RR, sets, n, rank, 0,
		       ttl, now, mm) == 0) {
		cache_pending_keep(p, qry, false);
		p->dname[p->count - 1] = &dname->rr;
	}
}

/** Is g a wildcard expansion (an RRSIG with fewer labels than the owner)? */
static bool is_expansion(const struct cache_group *g)
{
	int labels = kr_dname_labels(g->rr.owner);
	if (g->rr.owner[0] == 1 && g->rr.owner[1] == '*')
		--labels;   /* the wildcard's own records */
	for (const struct kr_rdata *rd = kr_rdataset_first(&g->sigs.rrs); rd; rd = kr_rdataset_next(&g->sigs.rrs, rd))
		if (rd->len >= 4 && rd->data[3] < labels)
			return true;
	return false;
}

/**
 * Remember the wildcard expansion g with the NSEC/NSEC3 sets (and RRSIGs) of
 * the reply's authority section: the proof that no closer name exists, without
 * which the expansion cannot be checked again nor shown to DO clients when it
 * is answered from the cache. @return false when there is no proof to keep.
 */
static bool remember_expansion(struct cache *c, struct cache_pending *p, struct kr_query *qry,
			       struct cache_group *g, struct cache_group *all, int n, uint8_t rank,
			       uint32_t now, kr_mm_t *mm)
{
	struct cache_set sets[MAX_SETS];
	unsigned ns = 0;
	uint32_t ttl = g->rr.ttl;
	sets[ns++] = (struct cache_set){ .rr = g->rr, .section = KR_SECTION_ANSWER };
	if (g->sigs.rrs.count)
		sets[ns++] = (struct cache_set){ .rr = g->sigs, .section = KR_SECTION_ANSWER };
	for (int i = 0; i < n && ns + 2 <= MAX_SETS; ++i) {
		if (all[i].section != KR_SECTION_AUTHORITY ||
		    (all[i].rr.type != KR_TYPE_NSEC && all[i].rr.type != KR_TYPE_NSEC3) || !all[i].sigs.rrs.count)
			continue;
		sets[ns++] = (struct cache_set){ .rr = all[i].rr, .section = KR_SECTION_AUTHORITY };
		sets[ns++] = (struct cache_set){ .rr = all[i].sigs, .section = KR_SECTION_AUTHORITY };
	}
	if (ns <= 2 || p->count == CACHE_BATCH_MAX)
		return false;
	for (unsigned i = 0; i < ns; ++i)
		if (sets[i].rr.ttl < ttl)
			ttl = sets[i].rr.ttl;
	ttl = cache_ttl_clamp(ttl, c->min_ttl, c->max_ttl);
	if (write_make(&p->w[p->count], g->rr.owner, g->rr.type, CACHE_KIND_RR, sets, ns, rank, 0,
		       ttl, now, mm) == 0)
		cache_pending_keep(p, qry, false);
	return true;
}

/** The single RDATA of rr as a name, or NULL. */
static const uint8_t *rdata_name(const kr_rrset_t *rr)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (rr->rrs.count != 1 || kr_dname_check(rd->data, rd->len) != (int)rd->len)
		return NULL;
	return rd->data;
}

/** Is the CNAME cname exactly the substitution of the DNAME dname (RFC 6672 2.2)? */
static bool dname_synthesized(const kr_rrset_t *cname, const kr_rrset_t *dname)
{
	const uint8_t *target = rdata_name(cname), *dtarget = rdata_name(dname);
	if (!target || !dtarget)
		return false;
	int keep = kr_dname_labels(cname->owner) - kr_dname_labels(dname->owner);
	if (keep <= 0 || kr_dname_labels(target) != keep + kr_dname_labels(dtarget))
		return false;
	const uint8_t *o = cname->owner, *t = target;
	for (int i = 0; i < keep; ++i, o += *o + 1, t += *t + 1)
		if (*o != *t || strncasecmp((const char *)o + 1, (const char *)t + 1, *o) != 0)
			return false;
	return kr_dname_eq(t, dtarget);
}

/** The answer's DNAME that the CNAME g was synthesized from, or NULL. */
static struct cache_group *dname_of(struct cache_group *g, int n, const struct cache_group *cname, const uint8_t *zone)
{
	for (int i = 0; i < n; ++i)
		if (g[i].section == KR_SECTION_ANSWER && g[i].rr.type == KR_TYPE_DNAME &&
		    (!zone || kr_dname_in(g[i].rr.owner, zone)) && dname_synthesized(&cname->rr, &g[i].rr))
			return &g[i];
	return NULL;
}

/**
 * A CNAME synthesized from a DNAME has no signature of its own: it is as
 * validated as its DNAME, which validate stored with the SECURE rank when it
 * verified it (RFC 6672 5.3.3). @return SECURE or 0.
 */
static uint8_t dname_rank(struct cache *c, struct kr_request *req, const struct cache_pending *p,
			  const kr_rrset_t *dname, uint32_t now)
{
	/* Stored by validate in this request: among the writes ranked by their writer. */
	uint8_t key[CACHE_KEY_MAX];
	size_t klen = cache_key_make(key, dname->owner, KR_TYPE_DNAME, CACHE_KIND_RR);
	for (unsigned i = 0; i < p->count; ++i)
		if (!p->qry[i] && p->w[i].klen == klen && memcmp(p->w[i].key, key, klen) == 0)
			return p->w[i].hdr.rank & KR_RANK_SECURE;
	struct cache_set sets[4];
	struct cache_entry_hdr h;
	int n = cache_peek(c, NULL, req->pool, dname->owner, KR_TYPE_DNAME, CACHE_KIND_RR, 0, now,
			   CACHE_PEEK_ALL, sets, 4, &h);
	if (n <= 0 || !(h.rank & KR_RANK_SECURE))
		return 0;
	for (int i = 0; i < n; ++i)
		if (sets[i].rr.type == KR_TYPE_DNAME) {
			const uint8_t *a = rdata_name(&sets[i].rr), *b = rdata_name(dname);
			return a && b && kr_dname_eq(a, b) ? KR_RANK_SECURE : 0;
		}
	return 0;
}

/** Is name the target of an NS record among the groups? */
static bool ns_target(const struct cache_group *g, int n, const uint8_t *name)
{
	for (int i = 0; i < n; ++i) {
		if (g[i].rr.type != KR_TYPE_NS)
			continue;
		const kr_rdataset_t *rrs = &g[i].rr.rrs;
		for (const struct kr_rdata *rd = kr_rdataset_first(rrs); rd; rd = kr_rdataset_next(rrs, rd))
			if (kr_dname_eq(rd->data, name))
				return true;
	}
	return false;
}

uint32_t cache_soa_minimum(const kr_rrset_t *soa)
{
	const struct kr_rdata *rd = kr_rdataset_first(&soa->rrs);
	if (!rd || rd->len < 22)
		return 0;
	const uint8_t *p = rd->data + rd->len - 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/** The SOA of the authority section above name, or NULL. */
static const kr_rrset_t *negative_soa(const struct cache_group *g, int n, const uint8_t *name)
{
	for (int i = 0; i < n; ++i)
		if (g[i].section == KR_SECTION_AUTHORITY && g[i].rr.type == KR_TYPE_SOA &&
		    kr_dname_in(name, g[i].rr.owner))
			return &g[i].rr;
	return NULL;
}

/**
 * Remember the negative answer for (name, type): SOA and proofs with their
 * RRSIGs, and the zone's NS set beside the SOA when the server gave it (the
 * answer from the cache shows what the fresh one showed).
 */
static void remember_negative(struct cache *c, struct cache_pending *p, struct kr_query *qry,
			      struct cache_group *g, int n, const uint8_t *name, uint16_t type,
			      bool nx, uint8_t rank, uint32_t now, kr_mm_t *mm)
{
	struct cache_set sets[MAX_SETS];
	unsigned ns = 0;
	const kr_rrset_t *soa = negative_soa(g, n, name);
	for (int i = 0; i < n; ++i) {
		if (g[i].section != KR_SECTION_AUTHORITY)
			continue;
		uint16_t t = g[i].rr.type;
		if (t != KR_TYPE_SOA && t != KR_TYPE_NSEC && t != KR_TYPE_NSEC3 &&
		    !(t == KR_TYPE_NS && soa && kr_dname_eq(g[i].rr.owner, soa->owner)))
			continue;
		if (t == KR_TYPE_SOA && &g[i].rr != soa)
			continue;
		if (ns + 2 > MAX_SETS)
			break;
		sets[ns++] = (struct cache_set){ .rr = g[i].rr, .section = KR_SECTION_AUTHORITY };
		if (g[i].sigs.rrs.count)
			sets[ns++] = (struct cache_set){ .rr = g[i].sigs, .section = KR_SECTION_AUTHORITY };
	}
	/* Without an SOA (RFC 2308 says: do not cache) only for cache.min_ttl, when set. */
	if ((!soa && c->min_ttl == 0) || p->count == CACHE_BATCH_MAX)
		return;
	uint32_t ttl = 0;
	if (soa) {
		uint32_t min = cache_soa_minimum(soa);
		ttl = min < soa->ttl ? min : soa->ttl;
	}
	ttl = cache_ttl_clamp(ttl, c->min_ttl, c->max_ttl);
	if (write_make(&p->w[p->count], name, nx ? 0 : type, nx ? CACHE_KIND_NXDOMAIN : CACHE_KIND_NODATA,
		       sets, ns, rank, nx ? KR_RCODE_NXDOMAIN : KR_RCODE_NOERROR, ttl, now, mm) == 0)
		cache_pending_keep(p, qry, false);
}

enum kr_layer_state cache_consume(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	if (c && pkt && ctx->state == KR_STATE_CONSUME) {
		/* Every reply gets its number, so that validate's verdict on this one
		 * never lends its rank to a write from an earlier (bogus) reply. */
		struct cache_reqdata *rd = kr_request_data(req, ctx->plugin);
		if (rd && rd->pending)
			++((struct cache_pending *)rd->pending)->replies;
	}
	if (!c || !pkt || !qry || ctx->state != KR_STATE_CONSUME || (qry->flags & (KR_QF_NO_CACHE | KR_QF_CACHED)))
		return ctx->state;
	c->plugin = ctx->plugin;
	uint16_t rcode = kr_pkt_rcode(pkt);
	if ((rcode != KR_RCODE_NOERROR && rcode != KR_RCODE_NXDOMAIN) || kr_pkt_flag(pkt, KR_PKT_TC) ||
	    !pkt->qname_size || pkt->qclass != KR_CLASS_IN)
		return ctx->state;
	uint16_t qtype = pkt->qtype;
	if (qtype == KR_TYPE_ANY || qtype == KR_TYPE_RRSIG || qtype == KR_TYPE_AXFR || qtype == KR_TYPE_IXFR)
		return ctx->state;
	kr_mm_t *mm = req->pool;
	struct cache_group *g = kr_mm_alloc(mm, sizeof(*g) * MAX_GROUPS);
	struct cache_pending *p = pending_get(c, req);
	if (!g || !p)
		return ctx->state;
	int n = 0;
	for (int s = KR_SECTION_ANSWER; s <= KR_SECTION_ADDITIONAL && n >= 0; ++s)
		n = gather(pkt, (enum kr_section)s, g, n, mm);
	if (n < 0)
		return ctx->state;
	const uint8_t *zone = qry->zone_cut;
	bool aa = kr_pkt_flag(pkt, KR_PKT_AA);
	uint32_t now = cache_now();

	/* The chain from the asked name through the answer section's CNAMEs. */
	const uint8_t *chain[MAX_CHAIN + 1];
	int links = 0;
	chain[0] = pkt->qname;
	bool moved = true;
	while (moved && links < MAX_CHAIN) {
		moved = false;
		for (int i = 0; i < n; ++i) {
			if (g[i].section == KR_SECTION_ANSWER && g[i].rr.type == KR_TYPE_CNAME &&
			    g[i].rr.rrs.count == 1 && kr_dname_eq(g[i].rr.owner, chain[links])) {
				const struct kr_rdata *rd = kr_rdataset_first(&g[i].rr.rrs);
				if (kr_dname_check(rd->data, rd->len) != (int)rd->len)
					break;
				bool loop = false;
				for (int k = 0; k <= links; ++k)
					loop = loop || kr_dname_eq(chain[k], rd->data);
				if (loop)
					break;
				chain[++links] = rd->data;
				moved = true;
				break;
			}
		}
	}
	const uint8_t *end = chain[links];
	bool has_answer = false, has_soa = false;
	bool dname_kept[MAX_GROUPS] = { false };
	for (int i = 0; i < n; ++i) {
		struct cache_group *gi = &g[i];
		const uint8_t *owner = gi->rr.owner;
		bool in_zone = zone && kr_dname_in(owner, zone);
		if (gi->section == KR_SECTION_ANSWER) {
			bool in_chain = false;
			for (int k = 0; k <= links && !in_chain; ++k)
				in_chain = kr_dname_eq(owner, chain[k]);
			if (!in_chain || (zone && !in_zone))
				continue;
			if (gi->rr.type != qtype && gi->rr.type != KR_TYPE_CNAME)
				continue;
			if (gi->rr.type == qtype && kr_dname_eq(owner, end))
				has_answer = true;
			uint8_t rank = aa ? KR_RANK_AUTH_ANSWER : KR_RANK_ANSWER;
			struct cache_group *dn = gi->rr.type == KR_TYPE_CNAME ? dname_of(g, n, gi, zone) : NULL;
			if (dn || !is_expansion(gi) || !remember_expansion(c, p, qry, gi, g, n, rank, now, mm))
				remember(c, p, qry, gi, dn, rank, now, mm);
			/* The DNAME on its own too, for the names below it (RFC 6672 3.4). */
			if (dn && dn->rr.type != qtype && !dname_kept[dn - g]) {
				dname_kept[dn - g] = true;
				remember(c, p, qry, dn, NULL, rank, now, mm);
			}
		} else if (gi->section == KR_SECTION_AUTHORITY) {
			if (gi->rr.type == KR_TYPE_SOA && in_zone)
				has_soa = true;
			if (!in_zone)
				continue;
			/* The NS set beside a non-authoritative answer (not a referral) could
			 * replace the delegation with any server (cache poisoning, as in the
			 * scenario iter_ns_spoof): not kept. */
			if (gi->rr.type == KR_TYPE_NS && !aa && kr_pkt_count(pkt, KR_SECTION_ANSWER) > 0)
				continue;
			if (gi->rr.type == KR_TYPE_NS || gi->rr.type == KR_TYPE_DS || gi->rr.type == KR_TYPE_SOA)
				remember(c, p, qry, gi, NULL, aa ? KR_RANK_AUTH : KR_RANK_NONAUTH, now, mm);
		} else if (in_zone && (gi->rr.type == KR_TYPE_A || gi->rr.type == KR_TYPE_AAAA) &&
			   ns_target(g, n, owner)) {
			remember(c, p, qry, gi, NULL, KR_RANK_GLUE, now, mm);
		}
	}
	/* Negative answers, for the end of the chain. */
	bool negative = false;
	if (zone && (has_soa || aa) && kr_dname_in(end, zone)) {
		uint8_t rank = aa ? KR_RANK_AUTH : KR_RANK_NONAUTH;
		negative = rcode == KR_RCODE_NXDOMAIN || !has_answer;
		if (negative)
			remember_negative(c, p, qry, g, n, end, qtype, rcode == KR_RCODE_NXDOMAIN, rank, now, mm);
	}
	if (c->aggressive)
		cache_aggr_remember(c, p, qry, g, n, negative, now, mm);
	return ctx->state;
}

/** Does a write ranked by its writer hold the key of the layer's write i? */
static bool ranked_elsewhere(const struct cache_pending *p, unsigned i)
{
	for (unsigned j = 0; j < p->count; ++j)
		if (!p->qry[j] && p->w[j].klen == p->w[i].klen &&
		    memcmp(p->w[j].key, p->w[i].key, p->w[i].klen) == 0)
			return true;
	return false;
}

enum kr_layer_state cache_finish(struct cache *c, struct kr_layer_ctx *ctx)
{
	if (!c)
		return ctx->state;
	c->plugin = ctx->plugin;
	struct cache_reqdata *r = kr_request_data(ctx->req, ctx->plugin);
	struct cache_pending *p = r ? r->pending : NULL;
	if (p)
		p->stored = true;
	if (!p || p->count == 0)
		return ctx->state;
	/* Data of a sub-query that never completed (a layer failed it: rebinding,
	 * limits, an error) is not stored; bogus data is, ranked so, never served. */
	bool any_ranked = false;
	for (unsigned i = 0; i < p->count; ++i)
		any_ranked = any_ranked || !p->qry[i];
	unsigned kept = 0;
	for (unsigned i = 0; i < p->count; ++i) {
		if (!p->qry[i]) {   /* ranked by its writer (cache_defer_write) */
			cache_pending_move(p, kept++, i);
			continue;
		}
		uint64_t f = p->qry[i]->flags;
		if (!(f & (KR_QF_RESOLVED | KR_QF_DNSSEC_BOGUS)) || (any_ranked && ranked_elsewhere(p, i)))
			continue;
		uint8_t rank = p->w[i].hdr.rank & KR_RANK_BASE_MASK;
		/* Proofs for aggressive use only when validate proved the answer secure. */
		bool secure = (f & KR_QF_DNSSEC_VALIDATED) &&
			      !(f & (KR_QF_DNSSEC_BOGUS | KR_QF_DNSSEC_INSECURE | KR_QF_CACHED));
		if (p->secure_only[i] && !secure)
			continue;
		if (p->secure_only[i])
			rank |= KR_RANK_SECURE;
		else if (f & KR_QF_DNSSEC_BOGUS)
			rank |= KR_RANK_BOGUS;
		else if (f & KR_QF_DNSSEC_INSECURE)
			rank |= KR_RANK_INSECURE;
		else if (p->dname[i])
			rank |= dname_rank(c, ctx->req, p, p->dname[i], cache_now());
		p->w[i].hdr.rank = rank;
		cache_entry_set_rank(p->w[i].val, rank);
		cache_pending_move(p, kept++, i);
	}
	if (kept)
		cache_put(c, p->w, kept, cache_now());
	p->count = 0;
	return ctx->state;
}

enum kr_layer_state cache_finalize(struct cache *c, struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	struct cache_reqdata *r = c && ctx->plugin ? kr_request_data(req, ctx->plugin) : NULL;
	const kr_pkt_t *q = req->qsource.packet;
	kr_pkt_t *a = req->answer;
	if (!r || !r->nproofs || ctx->state != KR_STATE_DONE || !q || !q->opt || !kr_edns_do(q->opt) ||
	    a->current > KR_SECTION_AUTHORITY)
		return ctx->state;
	if (a->current < KR_SECTION_AUTHORITY && kr_pkt_begin(a, KR_SECTION_AUTHORITY) != 0)
		return ctx->state;
	for (unsigned i = 0; i < r->nproofs; ++i)
		if (!kr_pkt_has_rrset(a, KR_SECTION_AUTHORITY, &r->proofs[i].rr) && kr_pkt_put(a, &r->proofs[i].rr) != 0)
			break;   /* no room: the answer goes without the rest */
	return ctx->state;
}
