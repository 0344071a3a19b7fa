/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The validate plugin's internals: DNSSEC primitives, trust anchors, the layer. */
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <kres/kres.h>
#include <kres/cache.h>
#include <kres/validate.h>
#include "plugins/validate/crypto.h"

#define VALIDATE_DNSKEY_ZONE   0x0100
#define VALIDATE_DNSKEY_REVOKE 0x0080
#define VALIDATE_DNSKEY_SEP    0x0001
#define VALIDATE_NSEC3_MAX_ITER 150   /* RFC 9276: above this, insecure */

/** A parsed RRSIG RDATA; pointers into the RDATA. */
struct validate_rrsig {
	uint16_t covered;
	uint8_t alg;
	uint8_t labels;
	uint32_t orig_ttl, expiration, inception;
	uint16_t keytag;
	const uint8_t *signer;
	const uint8_t *sig;
	size_t siglen;
	size_t head_len;   /**< RDATA bytes before the signature */
};

/* --- dnssec.c --- */
uint16_t validate_keytag(const uint8_t *rdata, size_t len);
/** inception <= now <= expiration in serial-number arithmetic (RFC 1982, RFC 4034 3.1.5). */
bool validate_time_ok(uint32_t now, uint32_t inception, uint32_t expiration);
int validate_rrsig_parse(const struct kr_rdata *rd, struct validate_rrsig *s);
/** The data an RRSIG signs (RFC 4034 3.1.8.1, 6.2, 6.3); allocated from mm. */
int validate_signed_data(const kr_rrset_t *rr, const struct kr_rdata *sigrd,
			 const struct validate_rrsig *s, kr_mm_t *mm, uint8_t **out, size_t *outlen);
/** One RRSIG over rr with one of keys. @return 0, -EBADMSG, -ENOTSUP, -ENOMEM. */
int validate_rrsig_one(const kr_rrset_t *rr, const struct kr_rdata *sigrd, const kr_rrset_t *keys,
		       uint32_t now, kr_mm_t *mm);
/** Any RRSIG of sigs over rr. @return 0, -ENOENT (no RRSIG), -ENOTSUP (only unsupported algorithms), -EBADMSG. */
int validate_rrset(const kr_rrset_t *rr, const kr_rrset_t *sigs, const kr_rrset_t *keys,
		   uint32_t now, kr_mm_t *mm);
/** Does DS rdata ds match DNSKEY rdata key of owner? @return 0, -EBADMSG, -ENOTSUP (digest). */
int validate_ds_match(const uint8_t *owner, const struct kr_rdata *key, const struct kr_rdata *ds);
bool validate_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);
int validate_nsec3_hash(const uint8_t *name, const uint8_t *salt, uint8_t saltlen, uint16_t iters,
			uint8_t out[20]);

/* --- denial.c: what verified NSEC/NSEC3 records prove --- */
#define VALIDATE_DENIAL_MAX 16
/** Outcome of a denial-of-existence check. */
enum validate_denial {
	VALIDATE_DENIAL_PROVEN = 0,   /**< securely proven */
	VALIDATE_DENIAL_OPTOUT,       /**< in an NSEC3 opt-out span: unsigned names may exist (insecure) */
	VALIDATE_DENIAL_UNSUPPORTED,  /**< NSEC3 hash unknown or too many iterations (insecure) */
	VALIDATE_DENIAL_MISSING,      /**< no proof: bogus in a signed zone */
};
/** The verified NSEC and NSEC3 RR sets of one reply, all of zone. */
struct validate_denial_ctx {
	const uint8_t *zone;
	const kr_rrset_t *nsec[VALIDATE_DENIAL_MAX];
	unsigned nsec_count;
	const kr_rrset_t *nsec3[VALIDATE_DENIAL_MAX];
	unsigned nsec3_count;
};
/** Name error: name and the wildcard at its closest encloser do not exist (NXDOMAIN). */
enum validate_denial validate_deny_name(const struct validate_denial_ctx *d, const uint8_t *name);
/** No data: name has no type (also an empty non-terminal, a wildcard without the type, an opt-out DS). */
enum validate_denial validate_deny_type(const struct validate_denial_ctx *d, const uint8_t *name,
					uint16_t type);
/** A wildcard expansion to name from the wildcard whose RRSIG says `labels`: name does not exist. */
enum validate_denial validate_deny_expansion(const struct validate_denial_ctx *d, const uint8_t *name,
					     int labels);

/** After a proven "no DS": is name a delegation (NS in its NSEC/NSEC3, or an opt-out span)? */
bool validate_denial_delegation(const struct validate_denial_ctx *d, const uint8_t *name);

/* --- ta.c: trust anchors and negative trust anchors (process-wide) --- */
struct validate_ta {
	uint8_t name[KR_DNAME_MAXLEN];
	kr_rrset_t ds;       /**< DS records (malloc) */
	kr_rrset_t keys;     /**< DNSKEY records (malloc) */
};
struct validate {
	struct validate_ta *ta;
	unsigned ta_count;
	uint8_t (*nta)[KR_DNAME_MAXLEN];
	unsigned nta_count;
};
/** Add one "owner [TTL] [IN] DS|DNSKEY rdata" line. @return 0, -EINVAL, -ENOMEM. */
int validate_ta_add(struct validate *v, const char *line);
/** @return 0 or -ENOENT. */
int validate_ta_remove(struct validate *v, const uint8_t *name);
int validate_nta_set(struct validate *v, const uint8_t (*names)[KR_DNAME_MAXLEN], unsigned n);
/** The closest anchor at or above name, or NULL. */
const struct validate_ta *validate_ta_find(const struct validate *v, const uint8_t *name);
bool validate_nta_covers(const struct validate *v, const uint8_t *name);
void validate_ta_free(struct validate *v);

/* --- layer.c --- */
extern const struct kr_layer_api validate_layer;
/** Is req's answer, its whole CNAME chain, proven secure (CD: false)? */
bool validate_chain_secure(const struct kr_request *req, const struct kr_plugin *self);
/** The first bogus answer of req. @return 0 or -ENOENT. */
int validate_first_bogus(const struct kr_request *req, const struct kr_plugin *self,
			 struct kr_validate_bogus *out);

/* --- service.c: KR_SERVICE_VALIDATE (<kres/validate.h>) --- */
/** The key tags of the anchors of exactly name, ascending, no duplicates. @return their number. */
int validate_ta_keytags(const struct validate *v, const uint8_t *name, uint16_t *out, int max);
/** kr_validate_api.nsec3_hash: the hash with an NSEC3 RDATA's parameters. @return 0, -EINVAL, -ENOTSUP. */
int validate_nsec3_hash_rdata(const uint8_t *name, const uint8_t *nsec3, size_t len, uint8_t out[20]);
/** kr_validate_api.denial: what verified NSEC/NSEC3 sets prove. @return 0, -ENOENT, -EOPNOTSUPP, -EINVAL. */
int validate_denial_check(const uint8_t *zone, const kr_rrset_t *const *sets, unsigned count,
			  enum kr_denial_claim claim, const uint8_t *name, uint16_t type, int labels);
/** Offer the service for plugin self. @return 0, -EEXIST, -ENOMEM. */
int validate_service_start(struct kr_plugin *self);
void validate_service_stop(struct kr_plugin *self);
