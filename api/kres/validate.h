/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The validation service: what the validate plugin knows of the trust anchors
 * and of a request's DNSSEC outcome, for other plugins (ta_sentinel,
 * ta_signal_query, detect_time_skew, bogus_log). Offered by the validate plugin.
 *
 * Usage (in a finish layer; cheap when validate is not loaded):
 *   const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
 *   uint16_t tags[KR_VALIDATE_MAX_KEYTAGS];
 *   if (v && v->size >= KR_VALIDATE_API_HAS(ta_keytags)) {
 *           int n = v->ta_keytags((const uint8_t *)"", tags, KR_VALIDATE_MAX_KEYTAGS);
 *           ... tags[0..n) are the key tags of the root's anchors, ascending ...
 *   }
 */
#pragma once

#include <kres/defines.h>
#include <kres/request.h>

/** Name of the validation service (offered by the validate plugin). */
#define KR_SERVICE_VALIDATE "validate"

/** A size of key tag buffer that holds every anchor of a name in practice. */
#define KR_VALIDATE_MAX_KEYTAGS 32

/** The size a provider's struct must have for member m to be present. */
#define KR_VALIDATE_API_HAS(m) \
	(offsetof(struct kr_validate_api, m) + sizeof(((struct kr_validate_api *)0)->m))

/** Why a request's answer failed validation (the first bogus answer it met). */
struct kr_validate_bogus {
	const uint8_t *name;   /**< owner asked (a sub-query's: the client's name, a DNSKEY, a DS);
	                            @note owned by the request's pool */
	uint16_t type;         /**< its type */
	const uint8_t *zone;   /**< the zone whose keys judged it, or NULL; @note request's pool */
	uint16_t ede;          /**< its Extended DNS Error code (RFC 8914) */
	const char *reason;    /**< one line of text; @note owned by the request's pool */
};

/** What a set of NSEC/NSEC3 records is asked to prove (kr_validate_api.denial). */
enum kr_denial_claim {
	KR_DENY_NAME = 0,        /**< the name does not exist (NXDOMAIN) */
	KR_DENY_TYPE = 1,        /**< the name has no record of the type (NODATA) */
	KR_DENY_EXPANSION = 2,   /**< a wildcard of `labels` labels may expand to the name */
};

/** The validation provider. Grows by appending members: check size first. */
struct kr_validate_api {
	size_t size;   /**< sizeof(struct kr_validate_api) as the provider was built */
	/**
	 * The key tags of the trust anchors of exactly name (DS anchors: their
	 * key tag field; DNSKEY anchors: the key's tag; revoked keys left out),
	 * without duplicates, in ascending order.
	 * @param out  at least max entries
	 * @return the number of tags (at most max written; 0: no anchor for name).
	 */
	int (*ta_keytags)(const uint8_t *name, uint16_t *out, int max);
	/**
	 * Was the answer of req, every link of its CNAME chain included, proven
	 * secure? Independent of the client's DO and AD bits (unlike the AD
	 * flag); false when the client set CD. Meaningful from the finish layer
	 * on, for a request that ends in KR_STATE_DONE.
	 */
	bool (*answer_secure)(const struct kr_request *req);
	/**
	 * The first validation failure of req.
	 * @param out  filled on success
	 * @return 0, or -ENOENT (nothing of req failed validation).
	 */
	int (*bogus)(const struct kr_request *req, struct kr_validate_bogus *out);
	/**
	 * The NSEC3 hash of name with the parameters of an NSEC3 record (RFC 5155 5).
	 * @param nsec3  the NSEC3 RDATA (algorithm, flags, iterations, salt, ...)
	 * @param out    20 bytes
	 * @return 0, -EINVAL (malformed RDATA), -ENOTSUP (not SHA-1, or more
	 *         iterations than validation accepts: such records prove nothing).
	 */
	int (*nsec3_hash)(const uint8_t *name, const uint8_t *nsec3, size_t len, uint8_t out[20]);
	/**
	 * Do these NSEC or NSEC3 records of zone, already validated (e.g. cached
	 * with the SECURE rank), securely prove the claim about name? The same
	 * reasoning as for denials in answers (RFC 4035 5.4, RFC 5155 8, RFC 6840 4).
	 * @param sets    NSEC or NSEC3 RR sets (NSEC are used when any is present)
	 * @param type    for KR_DENY_TYPE
	 * @param labels  for KR_DENY_EXPANSION: labels of the wildcard's RRSIGs
	 * @return 0 (proven), -ENOENT (not proven), -EOPNOTSUPP (an NSEC3 opt-out
	 *         span or unusable NSEC3 parameters: at best insecure).
	 */
	int (*denial)(const uint8_t *zone, const kr_rrset_t *const *sets, unsigned count,
		      enum kr_denial_claim claim, const uint8_t *name, uint16_t type, int labels);
};
