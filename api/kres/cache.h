/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The cache provider service: cached RR sets and zone cuts for other plugins
 * (iterate looks up the closest cached zone cut, validate looks up DNSKEY and
 * DS and records the trust it established). Offered by the cache plugin.
 *
 * Usage (in a layer, per request; cheap when the cache is not loaded):
 *   const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
 *   uint8_t cut[KR_DNAME_MAXLEN];
 *   kr_rrset_t ns;
 *   if (c && c->size >= KR_CACHE_API_HAS(zone_cut) &&
 *       c->zone_cut(req, qry->sname, cut, &ns) == 0)
 *           ... ns.rrs holds the NS names of zone cut, ns.ttl the remaining TTL ...
 */
#pragma once

#include <kres/defines.h>
#include <kres/request.h>

/** Name of the cache provider service (offered by the cache plugin). */
#define KR_SERVICE_CACHE "cache"

/**
 * Trust rank of cached data: a base (where the data came from, RFC 2181
 * section 5.4.1) in the low 4 bits and DNSSEC flags above.
 * Data of a higher rank is never overwritten by data of a lower one while it
 * is fresh: SECURE outranks anything without it; then the base decides.
 * BOGUS data is never served (it only blocks nothing: anything may replace it,
 * and it never replaces SECURE data).
 */
enum kr_cache_rank {
	KR_RANK_GLUE = 1,          /**< additional section (glue, address hints) */
	KR_RANK_NONAUTH = 2,       /**< authority section of a referral or of a non-AA reply */
	KR_RANK_ANSWER = 3,        /**< answer section of a non-AA reply */
	KR_RANK_AUTH = 4,          /**< authority section of an AA reply (SOA, NS, proofs) */
	KR_RANK_AUTH_ANSWER = 5,   /**< answer section of an AA reply */
	KR_RANK_BASE_MASK = 0x0f,
	KR_RANK_INSECURE = 0x10,   /**< proven insecure (no DNSSEC chain of trust) */
	KR_RANK_SECURE = 0x20,     /**< validated */
	KR_RANK_BOGUS = 0x40,      /**< failed validation: never served */
};

/**
 * Is the data of rank a allowed to replace fresh data of rank b?
 * (the rule stated at enum kr_cache_rank)
 */
static inline bool kr_cache_rank_replaces(uint8_t a, uint8_t b)
{
	if (b & KR_RANK_BOGUS)
		return true;
	if (a & KR_RANK_BOGUS)
		return !(b & KR_RANK_SECURE);
	int sa = !!(a & KR_RANK_SECURE), sb = !!(b & KR_RANK_SECURE);
	if (sa != sb)
		return sa > sb;
	return (a & KR_RANK_BASE_MASK) >= (b & KR_RANK_BASE_MASK);
}

/** The size a provider's struct must have for member m to be present. */
#define KR_CACHE_API_HAS(m) \
	(offsetof(struct kr_cache_api, m) + sizeof(((struct kr_cache_api *)0)->m))

/**
 * The cache provider. Grows by appending members: check size first.
 * Every call may fail with -ENOENT (not cached, expired or bogus), -EIO (the
 * storage failed: treat as a miss) or -ENOMEM.
 */
struct kr_cache_api {
	size_t size;   /**< sizeof(struct kr_cache_api) as the provider was built */
	/**
	 * A fresh cached RR set (name, type, class IN).
	 * @param out     filled with the set: owner, RDATA and TTL (the remaining
	 *                one); @note owner and RDATA are allocated from req->pool
	 * @param rrsigs  NULL, or filled with the covering RRSIGs (count 0 when none);
	 *                @note allocated from req->pool
	 * @param rank    NULL, or out: its enum kr_cache_rank
	 * @return 0, -ENOENT, -EIO, -ENOMEM.
	 */
	int (*peek_rrset)(struct kr_request *req, const uint8_t *name, uint16_t type,
			  kr_rrset_t *out, kr_rrset_t *rrsigs, uint8_t *rank);
	/**
	 * The closest zone cut enclosing name (name itself included) that has a
	 * fresh, non-bogus cached NS set.
	 * @param cut_out  at least KR_DNAME_MAXLEN bytes: the zone's name (lower case)
	 * @param ns_out   filled with the NS set; @note allocated from req->pool
	 * @return 0, -ENOENT (nothing cached up to the root), -EIO, -ENOMEM.
	 */
	int (*zone_cut)(struct kr_request *req, const uint8_t *name, uint8_t *cut_out,
			kr_rrset_t *ns_out);
	/**
	 * Store an RR set (and its RRSIGs, may be NULL) at rank, under the rank
	 * rule; used by validate to record SECURE/BOGUS/INSECURE outcomes.
	 * The set's TTL is clamped by cache.min_ttl/max_ttl.
	 * @return 0, -EPERM (fresh data of a higher rank is kept), -EIO, -ENOMEM.
	 * @note rr and rrsigs are copied; the caller keeps ownership.
	 * @note During a request, the set joins the request's other writes, all
	 *       stored in one transaction when it finishes: 0 is returned then,
	 *       and the rank rule applies at that time.
	 */
	int (*insert_rrset)(struct kr_request *req, const kr_rrset_t *rr,
			    const kr_rrset_t *rrsigs, uint8_t rank);
	/**
	 * A cached RR set (name, type, class IN) even if it expired up to
	 * max_stale seconds ago: RFC 8767 serve-stale (the serve_stale plugin).
	 * Expired entries stay in the storage until eviction needs their space
	 * or cache.prune() removes them. Bogus data is never returned.
	 * @param out      as peek_rrset(); TTL 0 when expired, else the remaining one
	 * @param rrsigs   NULL, or as peek_rrset()
	 * @param rank     NULL, or out: its enum kr_cache_rank
	 * @param expired  NULL, or out: seconds since it expired (0 when fresh)
	 * @return 0, -ENOENT (none, expired longer, or bogus), -EIO, -ENOMEM.
	 */
	int (*peek_stale)(struct kr_request *req, const uint8_t *name, uint16_t type,
			  uint32_t max_stale, kr_rrset_t *out, kr_rrset_t *rrsigs,
			  uint8_t *rank, uint32_t *expired);
};
