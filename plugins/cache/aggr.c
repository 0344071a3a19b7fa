/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Aggressive use of DNSSEC-validated cache (RFC 8198): a name never asked
 * before is answered from NSEC/NSEC3 records cached, validated, for its zone:
 * NXDOMAIN, NODATA, or an answer expanded from a cached wildcard.
 *
 * The zone is the closest enclosing one with a mark saying which kind of
 * denial it uses (aggr_store.c), not below a cached zone cut without one
 * (as iterate would ask), and with a cached SECURE DNSKEY set. The records are found by range look-ups in
 * the zone's namespace: the NSEC (or NSEC3 in hash order) at or before a name.
 * What they prove is judged by the validate plugin (kr_validate_api.denial),
 * with exactly the records put in the answer; opt-out spans and unusable
 * NSEC3 parameters prove nothing here.
 */
#include <string.h>
#include "plugins/cache/cache-impl.h"

#define AGGR_RECS 16     /* NSEC/NSEC3 records looked at for one name */
#define AGGR_LEVELS 12   /* NSEC3: ancestors searched for the closest encloser */

struct aggr {
	struct cache *c;
	kr_mm_t *mm;
	struct cache_memo *memo;
	const struct kr_validate_api *v;
	uint32_t now;
	uint8_t zone[KR_DNAME_MAXLEN];
	const struct kr_rdata *nsec3;   /**< the zone's NSEC3 parameters, or NULL: NSEC */
	struct cache_set rec[AGGR_RECS][2];   /**< a record and its RRSIGs */
	uint32_t ttl[AGGR_RECS];
	unsigned n;
};

/**
 * The record at key or the one before it in the namespace prefix (see
 * cache_floor()), validated and fresh. @return its index in a->rec, or -1.
 */
static int fetch(struct aggr *a, const uint8_t *prefix, size_t plen, const uint8_t *key, size_t klen,
		 bool *exact)
{
	uint8_t found[CACHE_KEY_MAX];
	size_t flen, len;
	uint8_t *val;
	int ret = cache_floor(a->c, prefix, plen, key, klen, a->mm, found, &flen, &val, &len);
	struct cache_entry_hdr h;
	if (ret <= 0 || cache_entry_header(val, len, &h) != 0 || h.kind != CACHE_KIND_AGGR ||
	    !(h.rank & KR_RANK_SECURE) || (h.rank & KR_RANK_BOGUS))
		return -1;
	*exact = ret == 1;
	uint32_t ttl = cache_ttl_remaining(&h, a->now);
	struct cache_set sets[2];
	uint16_t type = a->nsec3 ? KR_TYPE_NSEC3 : KR_TYPE_NSEC;
	if (ttl == 0 || cache_entry_decode(val, len, ttl, sets, 2) != 2 || sets[0].rr.type != type)
		return -1;
	for (unsigned i = 0; i < a->n; ++i)
		if (kr_dname_eq(a->rec[i][0].rr.owner, sets[0].rr.owner))
			return (int)i;
	if (a->n == AGGR_RECS)
		return -1;
	memcpy(a->rec[a->n], sets, sizeof(sets));
	a->ttl[a->n] = ttl;
	return (int)a->n++;
}

/** A proof: records of a->rec by index (-1 and repeats left out). */
struct proof {
	int idx[4];
	unsigned n;
};

static void proof_add(struct proof *p, int i)
{
	for (unsigned k = 0; k < p->n; ++k)
		if (p->idx[k] == i)
			return;
	if (i >= 0 && p->n < 4)
		p->idx[p->n++] = i;
}

/** Does proof p prove claim about name? */
static bool proves(struct aggr *a, const struct proof *p, enum kr_denial_claim claim,
		   const uint8_t *name, uint16_t type, int labels)
{
	const kr_rrset_t *sets[4];
	for (unsigned k = 0; k < p->n; ++k)
		sets[k] = &a->rec[p->idx[k]][0].rr;
	return p->n && a->v->denial(a->zone, sets, p->n, claim, name, type, labels) == 0;
}

/** Append the proof's records to sets at *at; the least TTL goes to *ttl. */
static bool put_proof(struct aggr *a, const struct proof *p, struct cache_set *sets, unsigned max,
		      int *at, uint32_t *ttl)
{
	for (unsigned k = 0; k < p->n; ++k) {
		if ((unsigned)*at + 2 > max)
			return false;
		memcpy(&sets[*at], a->rec[p->idx[k]], 2 * sizeof(sets[0]));
		*at += 2;
		if (a->ttl[p->idx[k]] < *ttl)
			*ttl = a->ttl[p->idx[k]];
	}
	return true;
}

static void set_ttl(struct cache_set *sets, int n, uint32_t ttl)
{
	for (int i = 0; i < n; ++i)
		sets[i].rr.ttl = ttl;
}

/** A negative answer: the zone's SOA and the proof. */
static enum cache_aggr_result negative(struct aggr *a, const struct proof *p, enum cache_aggr_result res,
				       struct cache_set *sets, unsigned max, int *n)
{
	struct cache_entry_hdr h;
	int ns = cache_peek(a->c, a->memo, a->mm, a->zone, KR_TYPE_SOA, CACHE_KIND_AGGR, 0, a->now,
			    CACHE_PEEK_ALL, sets, max, &h);
	if (ns != 2 || !(h.rank & KR_RANK_SECURE) || sets[0].rr.type != KR_TYPE_SOA)
		return CACHE_AGGR_NONE;
	uint32_t ttl = sets[0].rr.ttl;
	if (!put_proof(a, p, sets, max, &ns, &ttl))
		return CACHE_AGGR_NONE;
	set_ttl(sets, ns, ttl);
	*n = ns;
	return res;
}

/**
 * An answer expanded from the wildcard at closest (its data cached SECURE),
 * when the proof shows that the name does not exist below closest.
 */
static enum cache_aggr_result expand(struct aggr *a, const struct kr_query *qry, const uint8_t *closest,
				     const struct proof *p, struct cache_set *sets, unsigned max, int *n)
{
	uint8_t wild[KR_DNAME_MAXLEN];
	if (kr_dname_wildcard(wild, closest) < 0 || max < 2)
		return CACHE_AGGR_NONE;
	const uint16_t types[2] = { qry->stype, KR_TYPE_CNAME };
	for (int t = 0; t < 2; ++t) {
		struct cache_entry_hdr h;
		int ns = cache_peek(a->c, a->memo, a->mm, wild, types[t], CACHE_KIND_RR, 0, a->now,
				    CACHE_PEEK_ALL | CACHE_PEEK_PROBE, sets, max, &h);
		if (ns == 2 && (h.rank & KR_RANK_SECURE) && sets[0].rr.type == types[t] &&
		    sets[1].rr.type == KR_TYPE_RRSIG &&
		    proves(a, p, KR_DENY_EXPANSION, qry->sname, 0, kr_dname_labels(closest))) {
			uint32_t ttl = sets[0].rr.ttl;
			sets[0].rr.owner = sets[1].rr.owner = qry->sname;
			if (!put_proof(a, p, sets, max, &ns, &ttl))
				return CACHE_AGGR_NONE;
			set_ttl(sets, ns, ttl);
			*n = ns;
			return t == 0 || qry->stype == KR_TYPE_CNAME ? CACHE_AGGR_ANSWER : CACHE_AGGR_CNAME;
		}
		if (ns == -ENOENT && t == 0 && qry->stype == KR_TYPE_CNAME)
			break;
	}
	return CACHE_AGGR_NONE;
}

static enum cache_aggr_result by_nsec(struct aggr *a, const struct kr_query *qry,
				      struct cache_set *sets, unsigned max, int *n)
{
	uint8_t prefix[CACHE_KEY_MAX], key[CACHE_KEY_MAX];
	int plen = cache_key_aggr_zone(prefix, CACHE_TAG_NSEC, a->zone);
	int klen = cache_key_nsec(key, a->zone, qry->sname);
	bool exact = false, wexact = false;
	int r = klen < 0 ? -1 : fetch(a, prefix, (size_t)plen, key, (size_t)klen, &exact);
	if (r < 0)
		return CACHE_AGGR_NONE;
	struct proof p = { .n = 0 };
	proof_add(&p, r);
	if (proves(a, &p, KR_DENY_TYPE, qry->sname, qry->stype, 0))
		return negative(a, &p, CACHE_AGGR_NODATA, sets, max, n);   /* the name, or an empty non-terminal */
	if (exact)
		return CACHE_AGGR_NONE;
	/* The closest encloser: the deepest ancestor of the name that holds the
	 * covering record's owner or next name (both exist). */
	const struct kr_rdata *rd = kr_rdataset_first(&a->rec[r][0].rr.rrs);
	const uint8_t *owner = a->rec[r][0].rr.owner, *next = rd->data;
	if (kr_dname_check(rd->data, rd->len) <= 0)
		return CACHE_AGGR_NONE;
	const uint8_t *closest = kr_dname_parent(qry->sname);
	while (closest && kr_dname_in(closest, a->zone) && !kr_dname_in(owner, closest) &&
	       !kr_dname_in(next, closest))
		closest = kr_dname_parent(closest);
	uint8_t wild[KR_DNAME_MAXLEN];
	if (!closest || !kr_dname_in(closest, a->zone) || kr_dname_wildcard(wild, closest) < 0 ||
	    (klen = cache_key_nsec(key, a->zone, wild)) < 0)
		return CACHE_AGGR_NONE;
	struct proof pw = p;
	proof_add(&pw, fetch(a, prefix, (size_t)plen, key, (size_t)klen, &wexact));
	if (proves(a, &pw, KR_DENY_NAME, qry->sname, 0, 0))
		return negative(a, &pw, CACHE_AGGR_NXDOMAIN, sets, max, n);
	if (proves(a, &pw, KR_DENY_TYPE, qry->sname, qry->stype, 0))
		return negative(a, &pw, CACHE_AGGR_NODATA, sets, max, n);   /* the wildcard lacks the type */
	return expand(a, qry, closest, &p, sets, max, n);
}

/** The NSEC3 record at or before the hash of name. @return its index or -1. */
static int fetch3(struct aggr *a, const uint8_t *name, bool *exact)
{
	uint8_t hash[20], b32[CACHE_NSEC3_LABEL], key[CACHE_KEY_MAX];
	int plen, klen;
	if (a->v->nsec3_hash(name, a->nsec3->data, a->nsec3->len, hash) != 0)
		return -1;
	cache_base32hex(hash, b32);
	klen = cache_key_nsec3(key, a->zone, a->nsec3->data, a->nsec3->len, b32, &plen);
	return klen < 0 ? -1 : fetch(a, key, (size_t)plen, key, (size_t)klen, exact);
}

static enum cache_aggr_result by_nsec3(struct aggr *a, const struct kr_query *qry,
				       struct cache_set *sets, unsigned max, int *n)
{
	/* From the name up: the record at or before the hash of each ancestor,
	 * until one matches (the closest encloser, RFC 5155 8.3). */
	const uint8_t *names[AGGR_LEVELS + 1];
	int recs[AGGR_LEVELS + 1], levels = 0;
	bool exact = false;
	names[0] = qry->sname;
	recs[0] = fetch3(a, qry->sname, &exact);
	struct proof p = { .n = 0 };
	if (recs[0] >= 0 && exact) {
		proof_add(&p, recs[0]);
		return proves(a, &p, KR_DENY_TYPE, qry->sname, qry->stype, 0) ?
		       negative(a, &p, CACHE_AGGR_NODATA, sets, max, n) : CACHE_AGGR_NONE;
	}
	const uint8_t *x = kr_dname_parent(qry->sname);
	for (exact = false; x && kr_dname_in(x, a->zone) && levels < AGGR_LEVELS && !exact;
	     x = kr_dname_parent(x)) {
		++levels;
		names[levels] = x;
		recs[levels] = fetch3(a, x, &exact);
		exact = exact && recs[levels] >= 0;
	}
	if (exact) {
		/* The closest encloser matched, the next closer name covered: and the wildcard? */
		uint8_t wild[KR_DNAME_MAXLEN];
		bool wexact = false;
		proof_add(&p, recs[levels]);
		proof_add(&p, recs[levels - 1]);
		if (kr_dname_wildcard(wild, names[levels]) > 0)
			proof_add(&p, fetch3(a, wild, &wexact));
		if (proves(a, &p, KR_DENY_NAME, qry->sname, 0, 0))
			return negative(a, &p, CACHE_AGGR_NXDOMAIN, sets, max, n);
		if (proves(a, &p, KR_DENY_TYPE, qry->sname, qry->stype, 0))
			return negative(a, &p, CACHE_AGGR_NODATA, sets, max, n);
	}
	/* A cached wildcard whose next closer name is covered (RFC 5155 8.8). */
	for (int l = 1; l <= levels; ++l) {
		struct proof pc = { .n = 0 };
		proof_add(&pc, recs[l - 1]);
		if (pc.n == 0)
			continue;
		enum cache_aggr_result res = expand(a, qry, names[l], &pc, sets, max, n);
		if (res != CACHE_AGGR_NONE)
			return res;
	}
	return CACHE_AGGR_NONE;
}

/**
 * The closest zone enclosing name with a mark (its kind of denial) in mark;
 * the search stops at a cached NS set without one (a zone cut whose proofs
 * are not known; its parent's prove nothing below it). Parent and child
 * served by the same servers have no NS set in between: the signer's mark
 * tells the zone. @return the zone, or NULL.
 */
static const uint8_t *zone_of(struct aggr *a, const uint8_t *name, struct cache_set *mark)
{
	for (const uint8_t *z = name; z; z = kr_dname_parent(z)) {
		struct cache_set sets[4];
		struct cache_entry_hdr h;
		int ret = cache_peek(a->c, a->memo, a->mm, z, 0, CACHE_KIND_AGGR, 0, a->now,
				     CACHE_PEEK_ALL, mark, 2, &h);
		if (ret >= 1)
			return (h.rank & KR_RANK_SECURE) ? z : NULL;
		if (ret != -ENOENT)
			return NULL;
		ret = cache_peek(a->c, a->memo, a->mm, z, KR_TYPE_NS, CACHE_KIND_RR, 0, a->now,
				 CACHE_PEEK_ALL, sets, 4, NULL);
		if (ret != -ENOENT)
			return NULL;
	}
	return NULL;
}

enum cache_aggr_result cache_aggr_find(struct cache *c, struct kr_request *req,
				       const struct kr_query *qry, struct cache_memo *memo,
				       uint32_t now, struct cache_set *sets, unsigned max, int *n)
{
	const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
	if (!v || v->size < KR_VALIDATE_API_HAS(denial) || qry->stype == KR_TYPE_NSEC3)
		return CACHE_AGGR_NONE;
	struct aggr *a = kr_mm_alloc(req->pool, sizeof(*a));
	if (!a)
		return CACHE_AGGR_NONE;
	*a = (struct aggr){ .c = c, .mm = req->pool, .memo = memo, .v = v, .now = now };
	/* A DS lives in the parent zone. */
	const uint8_t *from = qry->stype == KR_TYPE_DS && *qry->sname ? kr_dname_parent(qry->sname) : qry->sname;
	struct cache_set mark[2], keys[4];
	const uint8_t *zone = zone_of(a, from, mark);
	if (!zone)
		return CACHE_AGGR_NONE;
	memcpy(a->zone, zone, kr_dname_size(zone));
	kr_dname_lower(a->zone);
	/* The zone's keys must be validated too. */
	struct cache_entry_hdr h;
	if (cache_peek(c, memo, a->mm, a->zone, KR_TYPE_DNSKEY, CACHE_KIND_RR, 0, now, CACHE_PEEK_ALL,
		       keys, 4, &h) < 1 || !(h.rank & KR_RANK_SECURE))
		return CACHE_AGGR_NONE;
	if (mark[0].rr.type == KR_TYPE_NSEC3) {
		a->nsec3 = kr_rdataset_first(&mark[0].rr.rrs);
		return a->nsec3 ? by_nsec3(a, qry, sets, max, n) : CACHE_AGGR_NONE;
	}
	return mark[0].rr.type == KR_TYPE_NSEC ? by_nsec(a, qry, sets, max, n) : CACHE_AGGR_NONE;
}

/** Delete the namespace of tag under prefix (plen bytes of buf, which has CACHE_KEY_MAX). */
static int clear_ns(struct cache *c, uint8_t *buf, int plen)
{
	int ret = 0;
	for (uint8_t tag = 0; tag < 2 && ret >= 0; ++tag) {
		buf[0] = tag ? CACHE_TAG_NSEC3 : CACHE_TAG_NSEC;
		ret = cache_delete_range(c, buf, (size_t)plen, NULL, NULL);
	}
	return ret < 0 ? ret : 0;
}

int cache_aggr_clear(struct cache *c, const uint8_t *name)
{
	uint8_t buf[CACHE_KEY_MAX];
	/* Zones at or below name: every namespace whose zone encoding starts with name's. */
	int plen = 1 + cache_key_name(buf + 1, name);
	int ret = clear_ns(c, buf, plen);
	/* Zones above it: any of their records may deny a name at or below name. */
	for (const uint8_t *z = kr_dname_parent(name); z && ret == 0; z = kr_dname_parent(z))
		ret = clear_ns(c, buf, cache_key_aggr_zone(buf, CACHE_TAG_NSEC, z));
	return ret;
}
