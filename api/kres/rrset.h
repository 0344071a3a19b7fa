/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Resource record sets: an owner, type, class and TTL with one or more RDATA
 * items stored back to back, and their presentation (text) form.
 *
 * Usage:
 *   kr_rrset_t rr;
 *   kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 300);
 *   kr_rrset_add_rdata(&rr, (uint8_t[]){127,0,0,1}, 4, mm);
 *   for (struct kr_rdata *rd = kr_rdataset_first(&rr.rrs); rd; rd = kr_rdataset_next(&rr.rrs, rd)) ...
 */
#pragma once

#include <kres/dname.h>

/** RR types the core knows by name (any other type is handled as RFC 3597 data). */
enum kr_rrtype {
	KR_TYPE_A = 1, KR_TYPE_NS = 2, KR_TYPE_CNAME = 5, KR_TYPE_SOA = 6,
	KR_TYPE_PTR = 12, KR_TYPE_HINFO = 13, KR_TYPE_MX = 15, KR_TYPE_TXT = 16,
	KR_TYPE_AAAA = 28, KR_TYPE_SRV = 33, KR_TYPE_NAPTR = 35, KR_TYPE_DNAME = 39,
	KR_TYPE_OPT = 41, KR_TYPE_DS = 43, KR_TYPE_RRSIG = 46, KR_TYPE_NSEC = 47,
	KR_TYPE_DNSKEY = 48, KR_TYPE_NSEC3 = 50, KR_TYPE_NSEC3PARAM = 51,
	KR_TYPE_SVCB = 64, KR_TYPE_HTTPS = 65, KR_TYPE_TSIG = 250, KR_TYPE_IXFR = 251,
	KR_TYPE_AXFR = 252, KR_TYPE_ANY = 255, KR_TYPE_CAA = 257,
};

/** Classes. */
enum kr_rrclass { KR_CLASS_IN = 1, KR_CLASS_CH = 3, KR_CLASS_NONE = 254, KR_CLASS_ANY = 255 };

/** One RDATA item: length then bytes (names inside are uncompressed). */
struct kr_rdata {
	uint16_t len;
	uint8_t data[];
};

/** The RDATA items of an RR set stored back to back, each padded to an even size. */
typedef struct kr_rdataset {
	uint16_t count;          /**< number of items */
	uint32_t size;           /**< bytes used in data */
	uint8_t *data;           /**< @note owned by the mm given to kr_rrset_add_rdata() */
} kr_rdataset_t;

/**
 * An RR set. Public for speed; its layout is part of the ABI (tests/abi).
 */
typedef struct kr_rrset {
	uint8_t *owner;          /**< wire name; @note owned by whoever filled the set */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	kr_rdataset_t rrs;
} kr_rrset_t;

/** Initialise rr (no RDATA yet). owner is borrowed, not copied. */
KR_EXPORT void kr_rrset_init(kr_rrset_t *rr, uint8_t *owner, uint16_t type, uint16_t rclass, uint32_t ttl);
/**
 * Append one RDATA item (copied into mm). Duplicates are not removed.
 * @return 0, -ENOMEM, or -EINVAL when len > 65535.
 */
KR_EXPORT int kr_rrset_add_rdata(kr_rrset_t *rr, const uint8_t *data, uint16_t len, kr_mm_t *mm);
/** Release the RDATA storage (not the owner) from mm and empty the set. */
KR_EXPORT void kr_rrset_clear(kr_rrset_t *rr, kr_mm_t *mm);
/**
 * Deep copy of src (owner and RDATA) into mm, as three allocations.
 * @return the copy or NULL. @note owned by mm; with a freeing mm release it with
 *         kr_rrset_clear(rr, mm), kr_mm_free(mm, rr->owner), kr_mm_free(mm, rr).
 */
KR_EXPORT kr_rrset_t *kr_rrset_copy(const kr_rrset_t *src, kr_mm_t *mm);
/** First RDATA item or NULL when empty. */
KR_EXPORT struct kr_rdata *kr_rdataset_first(const kr_rdataset_t *rrs);
/** Item after rd, or NULL at the end. */
KR_EXPORT struct kr_rdata *kr_rdataset_next(const kr_rdataset_t *rrs, const struct kr_rdata *rd);
/** Item at index i (0-based) or NULL. */
KR_EXPORT struct kr_rdata *kr_rdataset_at(const kr_rdataset_t *rrs, uint16_t i);
/**
 * Sort the RDATA items canonically (RFC 4034 6.3: as octet strings) and drop
 * duplicates. The items are compared as they are: for types with names in
 * RDATA (NS, MX, SOA, RRSIG...) lower-case those names first to get the order
 * of the canonical form.
 */
KR_EXPORT void kr_rdataset_sort(kr_rdataset_t *rrs);

/**
 * Mnemonic of a type ("AAAA"), or "TYPEnnn" for others.
 * @return number of characters written, or KR_ESPACE.
 */
KR_EXPORT int kr_rrtype_to_str(uint16_t type, char *dst, size_t maxlen);
/** Parse "AAAA" or "TYPE28" (case-insensitive). @return the type, or KR_ETYPE. */
KR_EXPORT int kr_rrtype_from_str(const char *str);
/** Class mnemonic ("IN", "CH", "CLASSnnn"). @return characters written, or KR_ESPACE. */
KR_EXPORT int kr_rrclass_to_str(uint16_t rclass, char *dst, size_t maxlen);
/** Parse "IN", "CH", "CLASS3". @return the class, or KR_ETYPE. */
KR_EXPORT int kr_rrclass_from_str(const char *str);

/**
 * Presentation form of one RDATA item of the given type, for A, AAAA, NS,
 * CNAME, DNAME, PTR, SOA, MX, TXT, SRV, NAPTR, DS, DNSKEY, RRSIG, NSEC, NSEC3,
 * NSEC3PARAM, CAA, SVCB, HTTPS, OPT; any other type as RFC 3597 "\# len hex".
 * @return string length, KR_ESPACE, or KR_EMALF when the RDATA is invalid for its type.
 */
KR_EXPORT int kr_rdata_to_str(uint16_t type, const uint8_t *rdata, uint16_t len, char *dst, size_t maxlen);
/**
 * Parse the presentation form of RDATA of the given type (also the "\#" form
 * for any type). Relative names in the RDATA are completed with origin
 * (NULL = root).
 * @return the RDATA length, KR_EMALF or KR_ESPACE.
 */
KR_EXPORT int kr_rdata_from_str(uint16_t type, const char *str, const uint8_t *origin, uint8_t *dst, size_t maxlen);
/**
 * Write every record of rr, one per line: "owner TTL CLASS TYPE rdata\n".
 * @return string length, KR_ESPACE or KR_EMALF.
 */
KR_EXPORT int kr_rrset_to_str(const kr_rrset_t *rr, char *dst, size_t maxlen);
/**
 * Parse one record line "owner [TTL] [CLASS] TYPE rdata" (TTL and class in
 * either order; defaults: default_ttl and IN) into a new one-item RR set.
 * A relative owner is completed with origin (NULL = root).
 * @param rr  output; owner and RDATA are allocated from mm
 * @return 0, KR_EMALF, KR_ETYPE or -ENOMEM.
 */
KR_EXPORT int kr_rrset_from_str(kr_rrset_t *rr, const char *line, const uint8_t *origin,
				uint32_t default_ttl, kr_mm_t *mm);
