/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone cuts: NS names and addresses, glue acceptance by mode(), the root cut. */
#include <arpa/inet.h>
#include <string.h>
#include <kres/cache.h>
#include "plugins/iterate/iterate-impl.h"

enum iter_mode iter_mode_of(uint64_t qflags)
{
	if (qflags & KR_QF_STRICT)
		return ITER_STRICT;
	if (qflags & KR_QF_PERMISSIVE)
		return ITER_PERMISSIVE;
	return ITER_NORMAL;
}

bool iter_glue_ok(const uint8_t *owner, const uint8_t *child, const uint8_t *parent, enum iter_mode mode)
{
	switch (mode) {
	case ITER_PERMISSIVE:
		return true;
	case ITER_NORMAL:
		if (kr_dname_in(owner, parent))
			return true;
		/* fall through */
	case ITER_STRICT:
	default:
		return kr_dname_in(owner, child);
	}
}

bool iter_ns_add_addr(struct iter_ns *ns, const uint8_t *rdata, uint16_t len)
{
	union kr_sockaddr sa;
	memset(&sa, 0, sizeof(sa));
	if (len == 4) {
		sa.ip4.sin_family = AF_INET;
		sa.ip4.sin_port = htons(53);
		memcpy(&sa.ip4.sin_addr, rdata, 4);
	} else if (len == 16) {
		sa.ip6.sin6_family = AF_INET6;
		sa.ip6.sin6_port = htons(53);
		memcpy(&sa.ip6.sin6_addr, rdata, 16);
	} else {
		return false;
	}
	if (ns->addr_count >= ITER_NS_ADDRS)
		return false;
	for (uint8_t i = 0; i < ns->addr_count; ++i)
		if (iter_addr_eq(&ns->addr[i], &sa))
			return false;
	ns->addr[ns->addr_count++] = sa;
	return true;
}

int iter_cut_addr_count(const struct iter_cut *cut)
{
	int n = 0;
	for (uint8_t i = 0; i < cut->ns_count; ++i)
		n += cut->ns[i].addr_count;
	return n;
}

/** The NS entry named name, or NULL. */
static struct iter_ns *ns_find(struct iter_cut *cut, const uint8_t *name)
{
	for (uint8_t i = 0; i < cut->ns_count; ++i)
		if (cut->ns[i].name && kr_dname_eq(cut->ns[i].name, name))
			return &cut->ns[i];
	return NULL;
}

struct iter_cut *iter_cut_from_referral(const kr_pkt_t *pkt, const uint8_t *zone,
					const uint8_t *parent, enum iter_mode mode, kr_mm_t *mm)
{
	struct iter_cut *cut = kr_mm_calloc(mm, sizeof(*cut));
	if (!cut || !(cut->zone = kr_dname_copy(zone, mm)))
		return NULL;
	kr_dname_lower(cut->zone);
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_AUTHORITY); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, i);
		if (rr->type != KR_TYPE_NS || rr->rclass != KR_CLASS_IN || !kr_dname_eq(rr->owner, zone))
			continue;
		for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
			if (cut->ns_count >= ITER_MAX_NS)
				break;   /* NS explosion: the rest is ignored */
			if (kr_dname_check(rd->data, rd->len) <= 0 || ns_find(cut, rd->data))
				continue;
			struct iter_ns *ns = &cut->ns[cut->ns_count];
			if (!(ns->name = kr_dname_copy(rd->data, mm)))
				return NULL;
			kr_dname_lower(ns->name);
			++cut->ns_count;
		}
	}
	if (!cut->ns_count)
		return NULL;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ADDITIONAL); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, i);
		if ((rr->type != KR_TYPE_A && rr->type != KR_TYPE_AAAA) || rr->rclass != KR_CLASS_IN)
			continue;
		struct iter_ns *ns = ns_find(cut, rr->owner);
		if (!ns || !iter_glue_ok(rr->owner, zone, parent, mode))
			continue;
		for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd))
			if (rd->len == (rr->type == KR_TYPE_A ? 4 : 16))
				iter_ns_add_addr(ns, rd->data, rd->len);
	}
	return cut;
}

struct iter_cut *iter_cut_root(kr_mm_t *mm)
{
	const struct kr_root_hints_api *h = kr_service_get(KR_SERVICE_ROOT_HINTS);
	if (!h || h->size < sizeof(*h) || !h->get)
		return NULL;
	union kr_sockaddr addrs[ITER_MAX_NS * ITER_NS_ADDRS];
	int n = h->get(addrs, (int)(sizeof(addrs) / sizeof(addrs[0])));
	if (n <= 0)
		return NULL;
	struct iter_cut *cut = kr_mm_calloc(mm, sizeof(*cut));
	if (!cut || !(cut->zone = kr_dname_copy((const uint8_t *)"", mm)))
		return NULL;
	cut->configured = true;
	/* Hints give addresses without names: spread them over nameless entries. */
	for (int i = 0; i < n; ++i) {
		struct iter_ns *ns = &cut->ns[i / ITER_NS_ADDRS];
		ns->addr[ns->addr_count++] = addrs[i];
		cut->ns_count = (uint8_t)(i / ITER_NS_ADDRS + 1);
	}
	return cut;
}

/** Add the cached A and AAAA addresses of ns->name. */
static void ns_add_cached_addrs(struct kr_request *req, const struct kr_cache_api *cache, struct iter_ns *ns)
{
	static const uint16_t types[] = { KR_TYPE_A, KR_TYPE_AAAA };
	for (size_t t = 0; t < 2; ++t) {
		kr_rrset_t rr;
		if (cache->peek_rrset(req, ns->name, types[t], &rr, NULL, NULL) != 0)
			continue;
		for (struct kr_rdata *rd = kr_rdataset_first(&rr.rrs); rd; rd = kr_rdataset_next(&rr.rrs, rd))
			iter_ns_add_addr(ns, rd->data, rd->len);
	}
}

struct iter_cut *iter_cut_from_cache(struct kr_request *req, const uint8_t *name)
{
	const struct kr_cache_api *cache = kr_service_get(KR_SERVICE_CACHE);
	if (!cache || cache->size < KR_CACHE_API_HAS(peek_rrset) || cache->size < KR_CACHE_API_HAS(zone_cut))
		return NULL;
	/* The deepest cached cut with at least one known address: a cut whose
	 * servers' addresses all expired would need its own names resolved. */
	const uint8_t *from = name;
	uint8_t zone[KR_DNAME_MAXLEN];
	for (int depth = 0; from && depth <= KR_DNAME_MAXLABELS; ++depth) {
		kr_rrset_t ns_set;
		if (cache->zone_cut(req, from, zone, &ns_set) != 0 || zone[0] == 0)
			return NULL;   /* nothing below the root: the root hints do better */
		struct iter_cut *cut = kr_mm_calloc(req->pool, sizeof(*cut));
		if (!cut || !(cut->zone = kr_dname_copy(zone, req->pool)))
			return NULL;
		for (struct kr_rdata *rd = kr_rdataset_first(&ns_set.rrs); rd && cut->ns_count < ITER_MAX_NS;
		     rd = kr_rdataset_next(&ns_set.rrs, rd)) {
			if (kr_dname_check(rd->data, rd->len) <= 0 || ns_find(cut, rd->data))
				continue;
			struct iter_ns *ns = &cut->ns[cut->ns_count];
			if (!(ns->name = kr_dname_copy(rd->data, req->pool)))
				return NULL;
			kr_dname_lower(ns->name);
			ns_add_cached_addrs(req, cache, ns);
			++cut->ns_count;
		}
		if (iter_cut_addr_count(cut) > 0)
			return cut;
		from = kr_dname_parent(cut->zone);
	}
	return NULL;
}
