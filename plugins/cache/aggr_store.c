/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Keeping validated proofs for aggressive use (RFC 8198): the NSEC and NSEC3
 * records of a reply's authority section go to their zone's namespace
 * (cache-impl.h), with a mark at the zone's name saying which kind of denial
 * the zone uses (and the NSEC3 parameters), and the zone's SOA of a negative
 * answer for synthesized negative answers. An answer RR set expanded from a
 * wildcard is kept at the wildcard's name too (its RRSIG signs the wildcard).
 * Every write is marked secure_only: finish stores it, with the SECURE rank,
 * only when validate proved the answer secure.
 */
#include <string.h>
#include "plugins/cache/cache-impl.h"

/** What the RRSIGs of a set say: one signer, the least labels field, the latest expiration. */
struct sig_info {
	const uint8_t *signer;
	int labels;
	uint32_t expire;
};

static bool sig_info(const kr_rrset_t *sigs, struct sig_info *si)
{
	*si = (struct sig_info){ .labels = 255 };
	for (const struct kr_rdata *rd = kr_rdataset_first(&sigs->rrs); rd; rd = kr_rdataset_next(&sigs->rrs, rd)) {
		if (rd->len < 19 || kr_dname_check(rd->data + 18, rd->len - 18u) <= 0)
			return false;
		if (si->signer && !kr_dname_eq(si->signer, rd->data + 18))
			return false;   /* several signers: not ours to sort out */
		si->signer = rd->data + 18;
		if (rd->data[3] < si->labels)
			si->labels = rd->data[3];
		uint32_t exp = (uint32_t)rd->data[8] << 24 | (uint32_t)rd->data[9] << 16 |
			       (uint32_t)rd->data[10] << 8 | rd->data[11];
		if (si->expire == 0 || (int32_t)(exp - si->expire) > 0)
			si->expire = exp;
	}
	return si->signer != NULL;
}

/** Labels an RRSIG of owner's own records states (a wildcard's '*' does not count). */
static int signed_labels(const uint8_t *owner)
{
	int n = kr_dname_labels(owner);
	return owner[0] == 1 && owner[1] == '*' ? n - 1 : n;
}

/** The TTL to keep: ttl capped by cap, clamped, and never past the signatures' expiration. */
static uint32_t keep_ttl(const struct cache *c, uint32_t ttl, uint32_t cap, uint32_t expire, uint32_t now)
{
	if (cap < ttl)
		ttl = cap;
	ttl = cache_ttl_clamp(ttl, c->min_ttl, c->max_ttl);
	uint32_t left = (int32_t)(expire - now) > 0 ? expire - now : 0;   /* RFC 4035 5.3.3 */
	return ttl < left ? ttl : left;
}

static uint32_t set_ttl(const struct cache_group *g)
{
	return g->sigs.ttl < g->rr.ttl ? g->sigs.ttl : g->rr.ttl;
}

/** Add a secure_only write of sets at key. */
static void add(struct cache_pending *p, struct kr_query *qry, const uint8_t *key, int klen,
		const struct cache_set *sets, unsigned n, uint8_t rank, uint8_t kind, uint32_t ttl,
		uint32_t now, kr_mm_t *mm)
{
	if (p->count == CACHE_BATCH_MAX || ttl == 0 || klen <= 0)
		return;
	struct cache_write *w = &p->w[p->count];
	memcpy(w->key, key, (size_t)klen);
	w->klen = (uint16_t)klen;
	w->hdr = (struct cache_entry_hdr){ .expire = now + ttl, .ttl = ttl, .rank = rank, .kind = kind };
	w->val = cache_entry_encode(&w->hdr, sets, n, mm, &w->vlen);
	if (w->val)
		cache_pending_keep(p, qry, true);
}

/** The key of an authority NSEC/NSEC3 set in the namespace of zone. @return its length or <0. */
static int proof_key(uint8_t *key, const kr_rrset_t *rr, const uint8_t *zone)
{
	if (rr->type == KR_TYPE_NSEC)
		return cache_key_nsec(key, zone, rr->owner);
	/* NSEC3: the owner is the hash label right below the zone. */
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (rr->owner[0] != CACHE_NSEC3_LABEL || !kr_dname_eq(kr_dname_parent(rr->owner), zone))
		return -EINVAL;
	return cache_key_nsec3(key, zone, rd->data, rd->len, rr->owner + 1, NULL);
}

/** Remember the answer sets of g expanded from a wildcard at the wildcard's name. */
static void remember_wildcards(struct cache *c, struct cache_pending *p, struct kr_query *qry,
			       const struct cache_group *g, int n, uint32_t now, kr_mm_t *mm)
{
	for (int i = 0; i < n; ++i) {
		struct sig_info si;
		if (g[i].section != KR_SECTION_ANSWER || !g[i].rr.rrs.count || !sig_info(&g[i].sigs, &si) ||
		    si.labels >= signed_labels(g[i].rr.owner) || !kr_dname_in(g[i].rr.owner, si.signer))
			continue;
		const uint8_t *closest = g[i].rr.owner;
		while (kr_dname_labels(closest) > si.labels)
			closest = kr_dname_parent(closest);
		uint8_t *wild = kr_mm_alloc(mm, KR_DNAME_MAXLEN);
		if (!wild || kr_dname_wildcard(wild, closest) < 0 || !kr_dname_in(closest, si.signer))
			continue;
		struct cache_set sets[2] = {
			{ .rr = g[i].rr, .section = KR_SECTION_ANSWER },
			{ .rr = g[i].sigs, .section = KR_SECTION_ANSWER },
		};
		sets[0].rr.owner = sets[1].rr.owner = wild;
		uint8_t key[CACHE_KEY_MAX];
		int klen = cache_key_make(key, wild, g[i].rr.type, CACHE_KIND_RR);
		add(p, qry, key, klen, sets, 2, KR_RANK_ANSWER, CACHE_KIND_RR,
		    keep_ttl(c, set_ttl(&g[i]), UINT32_MAX, si.expire, now), now, mm);
	}
}

void cache_aggr_remember(struct cache *c, struct cache_pending *p, struct kr_query *qry,
			 const struct cache_group *g, int n, bool negative, uint32_t now, kr_mm_t *mm)
{
	/* Validate judges a query's last reply: what earlier ones (a referral, a
	 * minimised question) brought is not what it proved. */
	unsigned kept = 0;
	for (unsigned i = 0; i < p->count; ++i) {
		if (p->secure_only[i] && p->qry[i] == qry)
			continue;
		cache_pending_move(p, kept++, i);
	}
	p->count = kept;
	if (!(qry->flags & KR_QF_DNSSEC_WANT))
		return;   /* not validated: nothing would be kept */
	const struct cache_group *soa = NULL;
	for (int i = 0; negative && i < n && !soa; ++i)
		if (g[i].section == KR_SECTION_AUTHORITY && g[i].rr.type == KR_TYPE_SOA &&
		    g[i].rr.rrs.count == 1 && g[i].sigs.rrs.count)
			soa = &g[i];
	/* RFC 9077: a proof lives no longer than the negative answer it came with. */
	uint32_t cap = UINT32_MAX;
	if (soa) {
		uint32_t min = cache_soa_minimum(&soa->rr);
		cap = min < soa->rr.ttl ? min : soa->rr.ttl;
	}
	uint8_t key[CACHE_KEY_MAX];
	const uint8_t *marked = NULL;   /* zone whose kind of denial was noted */
	bool soa_zone = false;
	for (int i = 0; i < n; ++i) {
		const kr_rrset_t *rr = &g[i].rr;
		struct sig_info si;
		if (g[i].section != KR_SECTION_AUTHORITY || (rr->type != KR_TYPE_NSEC && rr->type != KR_TYPE_NSEC3) ||
		    rr->rrs.count != 1 || !sig_info(&g[i].sigs, &si) || si.labels != signed_labels(rr->owner))
			continue;   /* one record, signed as its own (not expanded from a wildcard) */
		uint8_t zone[KR_DNAME_MAXLEN];
		memcpy(zone, si.signer, kr_dname_size(si.signer));
		kr_dname_lower(zone);
		int klen = proof_key(key, rr, zone);
		if (klen < 0)
			continue;
		uint32_t ttl = keep_ttl(c, set_ttl(&g[i]), cap, si.expire, now);
		struct cache_set sets[2] = {
			{ .rr = *rr, .section = KR_SECTION_AUTHORITY },
			{ .rr = g[i].sigs, .section = KR_SECTION_AUTHORITY },
		};
		add(p, qry, key, klen, sets, 2, KR_RANK_AUTH, CACHE_KIND_AGGR, ttl, now, mm);
		if (!marked || !kr_dname_eq(marked, zone)) {
			marked = kr_dname_copy(zone, mm);
			klen = cache_key_make(key, zone, 0, CACHE_KIND_AGGR);
			add(p, qry, key, klen, sets, 1, KR_RANK_AUTH, CACHE_KIND_AGGR, ttl, now, mm);
		}
		soa_zone = soa_zone || (soa && kr_dname_eq(soa->rr.owner, zone));
	}
	struct sig_info si;
	if (soa_zone && sig_info(&soa->sigs, &si) && kr_dname_eq(si.signer, soa->rr.owner)) {
		struct cache_set sets[2] = {
			{ .rr = soa->rr, .section = KR_SECTION_AUTHORITY },
			{ .rr = soa->sigs, .section = KR_SECTION_AUTHORITY },
		};
		int klen = cache_key_make(key, soa->rr.owner, KR_TYPE_SOA, CACHE_KIND_AGGR);
		add(p, qry, key, klen, sets, 2, KR_RANK_AUTH, CACHE_KIND_AGGR,
		    keep_ttl(c, set_ttl(soa), cap, si.expire, now), now, mm);
	}
	remember_wildcards(c, p, qry, g, n, now, mm);
}
