/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cache provider service (api/kres/cache.h) for iterate, validate and serve_stale. */
#include <string.h>
#include "plugins/cache/cache-impl.h"

/* The service has no instance argument: one cache plugin offers it at a time. */
static struct cache *provider;

/** From an entry's sets: the one of type into out, its RRSIGs into rrsigs (may be NULL). */
static bool pick_set(const struct cache_set *sets, int n, uint16_t type, kr_rrset_t *out,
		     kr_rrset_t *rrsigs)
{
	bool found = false;
	if (rrsigs)
		kr_rrset_init(rrsigs, sets[0].rr.owner, KR_TYPE_RRSIG, KR_CLASS_IN, sets[0].rr.ttl);
	for (int i = 0; i < n; ++i) {
		if (sets[i].rr.type == type && !found) {
			*out = sets[i].rr;
			found = true;
		} else if (sets[i].rr.type == KR_TYPE_RRSIG && rrsigs) {
			*rrsigs = sets[i].rr;
		}
	}
	return found;
}

static int peek_rrset(struct kr_request *req, const uint8_t *name, uint16_t type,
		      kr_rrset_t *out, kr_rrset_t *rrsigs, uint8_t *rank)
{
	if (!provider || !req || !name || !out)
		return -EINVAL;
	struct cache_set sets[4];
	struct cache_entry_hdr h;
	struct cache_reqdata *r = cache_reqdata(provider, req);
	int n = cache_peek(provider, r ? &r->memo : NULL, req->pool, name, type, CACHE_KIND_RR, 0,
			   cache_now(), CACHE_PEEK_ALL, sets, 4, &h);
	if (n < 0)
		return n;
	if (!pick_set(sets, n, type, out, rrsigs))
		return -ENOENT;
	if (rank)
		*rank = h.rank;
	return 0;
}

static int zone_cut(struct kr_request *req, const uint8_t *name, uint8_t *cut_out, kr_rrset_t *ns_out)
{
	if (!provider || !req || !name || !cut_out || !ns_out)
		return -EINVAL;
	for (const uint8_t *n = name; n; n = kr_dname_parent(n)) {
		int ret = peek_rrset(req, n, KR_TYPE_NS, ns_out, NULL, NULL);
		if (ret == 0) {
			size_t len = kr_dname_size(n);
			memcpy(cut_out, n, len);
			kr_dname_lower(cut_out);
			return 0;
		}
		if (ret != -ENOENT)
			return ret;
	}
	return -ENOENT;
}

static int insert_rrset(struct kr_request *req, const kr_rrset_t *rr, const kr_rrset_t *rrsigs,
			uint8_t rank)
{
	if (!provider || !req || !rr)
		return -EINVAL;
	struct cache_write *w = kr_mm_alloc(req->pool, sizeof(*w));
	if (!w)
		return -ENOMEM;
	uint32_t now = cache_now();
	int ret = cache_write_rrset(provider, w, rr, rrsigs, rank, now, req->pool);
	if (ret != 0)
		return ret;
	if (cache_defer_write(provider, req, w) == 0)
		return 0;   /* stored with the request's other writes */
	ret = cache_put(provider, w, 1, now);
	struct cache_reqdata *r = cache_reqdata(provider, req);
	if (r)   /* the name has an entry now */
		cache_memo_forget(&r->memo, w->key, w->klen - 3);
	return ret < 0 ? ret : ret == 0 ? -EPERM : 0;
}

static int peek_stale(struct kr_request *req, const uint8_t *name, uint16_t type,
		      uint32_t max_stale, kr_rrset_t *out, kr_rrset_t *rrsigs, uint8_t *rank,
		      uint32_t *expired)
{
	if (!provider || !req || !name || !out)
		return -EINVAL;
	struct cache_set sets[4];
	struct cache_entry_hdr h;
	uint32_t late = 0;
	int n = cache_peek_stale(provider, req->pool, name, type, cache_now(), max_stale, sets, 4,
				 &h, &late);
	if (n < 0)
		return n;
	if (!pick_set(sets, n, type, out, rrsigs))
		return -ENOENT;
	if (rank)
		*rank = h.rank;
	if (expired)
		*expired = late;
	return 0;
}

int cache_service_start(struct cache *c)
{
	c->api = (struct kr_cache_api){
		.size = sizeof(struct kr_cache_api),
		.peek_rrset = peek_rrset,
		.zone_cut = zone_cut,
		.insert_rrset = insert_rrset,
		.peek_stale = peek_stale,
	};
	int ret = kr_service_register(KR_SERVICE_CACHE, &c->api);
	if (ret == 0) {
		c->service = true;
		provider = c;
	}
	return ret;
}

void cache_service_stop(struct cache *c)
{
	if (!c->service)
		return;
	kr_service_unregister(KR_SERVICE_CACHE, &c->api);
	c->service = false;
	if (provider == c)
		provider = NULL;
}
