/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * DNAME substitution from the cache (RFC 6672 3.4): a name without entries
 * of its own, below a cached DNAME, is answered with the CNAME the DNAME
 * synthesizes, without asking anybody.
 */
#include "plugins/cache/cache-impl.h"

/** The single RDATA of a DNAME set as a name, or NULL. */
static const uint8_t *dname_target(const kr_rrset_t *rr)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (rr->rrs.count != 1 || !rd || kr_dname_check(rd->data, rd->len) != (int)rd->len)
		return NULL;
	return rd->data;
}

/**
 * Does the DNAME entry's rank fit qry? Never bogus (the look-up refuses it);
 * a query whose answer is to be validated takes only a DNAME stored with a
 * verdict (SECURE or INSECURE), which the cached CNAME inherits.
 */
static bool rank_fits(const struct kr_query *qry, uint8_t rank)
{
	if (!(qry->flags & KR_QF_DNSSEC_WANT) || (qry->flags & KR_QF_DNSSEC_CD))
		return true;
	return (rank & (KR_RANK_SECURE | KR_RANK_INSECURE)) != 0;
}

enum cache_dname_result cache_dname_find(struct cache *c, struct kr_request *req, const struct kr_query *qry,
					 struct cache_memo *memo, uint32_t now, struct cache_set *sets,
					 unsigned max, int *n, uint8_t *rank)
{
	*n = 0;
	if (max < 3 || !*qry->sname)
		return CACHE_DNAME_NONE;
	unsigned where = CACHE_PEEK_ALL | (memo ? CACHE_PEEK_PROBE : 0);
	/* Up from the parent to the closest cached zone cut (a DNAME at its apex
	 * counts); the root holds no DNAME worth a look-up per query. */
	for (const uint8_t *name = kr_dname_parent(qry->sname); name && *name; name = kr_dname_parent(name)) {
		struct cache_entry_hdr h;
		int k = cache_peek(c, memo, req->pool, name, KR_TYPE_DNAME, CACHE_KIND_RR, KR_RANK_ANSWER,
				   now, where, sets, max - 1, &h);
		if (k > 0) {
			const kr_rrset_t *dn = NULL;
			for (int i = 0; i < k && !dn; ++i)
				if (sets[i].rr.type == KR_TYPE_DNAME)
					dn = &sets[i].rr;
			const uint8_t *target = dn ? dname_target(dn) : NULL;
			if (!target || !rank_fits(qry, h.rank))
				return CACHE_DNAME_NONE;
			*rank = h.rank;
			uint8_t buf[KR_DNAME_MAXLEN];
			int len = kr_dname_subst(buf, qry->sname, dn->owner, target);
			if (len == KR_ESPACE) {
				*n = k;
				return CACHE_DNAME_YXDOMAIN;   /* RFC 6672 2.2 */
			}
			if (len < 0)
				return CACHE_DNAME_NONE;
			kr_dname_lower(buf);   /* the owner keeps the asker's spelling, the target not */
			kr_rrset_t *cname = &sets[k].rr;
			kr_rrset_init(cname, qry->sname, KR_TYPE_CNAME, KR_CLASS_IN, dn->ttl);
			if (kr_rrset_add_rdata(cname, buf, (uint16_t)len, req->pool) != 0)
				return CACHE_DNAME_NONE;
			sets[k].section = KR_SECTION_ANSWER;
			*n = k + 1;
			return CACHE_DNAME_CNAME;
		}
		if (k == -EIO)
			return CACHE_DNAME_NONE;
		struct cache_set ns[4];
		if (cache_peek(c, memo, req->pool, name, KR_TYPE_NS, CACHE_KIND_RR, 0, now, where, ns, 4, NULL) > 0)
			return CACHE_DNAME_NONE;   /* the closest cached zone cut: nothing above applies */
	}
	return CACHE_DNAME_NONE;
}
