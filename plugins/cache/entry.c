/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Stored entries: a header (expiry, TTL, rank) and RR sets whose RDATA is kept
 * in the layout of kr_rdataset_t, so a cached answer points into the entry
 * read from the database instead of copying record by record.
 */
#include <string.h>
#include "plugins/cache/cache-impl.h"

/** Per-set header in an entry; owner name and RDATA follow (RDATA 2-aligned). */
struct set_hdr {
	uint16_t type;
	uint16_t count;
	uint32_t size;
	uint8_t owner_len;
	uint8_t section;
};
#define SET_HDR_LEN 10
#define ENTRY_HDR_LEN 12

uint32_t cache_ttl_clamp(uint32_t ttl, uint32_t min_ttl, uint32_t max_ttl)
{
	if (ttl < min_ttl)
		ttl = min_ttl;
	if (ttl > max_ttl)
		ttl = max_ttl;
	return ttl;
}

uint32_t cache_ttl_remaining(const struct cache_entry_hdr *h, uint32_t now)
{
	if (h->expire <= now)
		return 0;
	uint32_t rem = h->expire - now;
	return rem > h->ttl ? h->ttl : rem;   /* the clock went back: never more than stored */
}

static size_t set_len(const kr_rrset_t *rr)
{
	size_t olen = kr_dname_size(rr->owner);
	return SET_HDR_LEN + olen + (olen & 1) + rr->rrs.size;
}

uint8_t *cache_entry_encode(const struct cache_entry_hdr *h, const struct cache_set *sets,
			    unsigned nsets, kr_mm_t *mm, size_t *len)
{
	if (nsets > 255)
		return NULL;
	size_t total = ENTRY_HDR_LEN;
	for (unsigned i = 0; i < nsets; ++i)
		total += set_len(&sets[i].rr);
	uint8_t *out = kr_mm_alloc(mm, total);
	if (!out)
		return NULL;
	struct cache_entry_hdr hh = *h;
	hh.nsets = (uint8_t)nsets;
	memcpy(out, &hh.expire, 4);
	memcpy(out + 4, &hh.ttl, 4);
	out[8] = hh.rank;
	out[9] = hh.kind;
	out[10] = hh.rcode;
	out[11] = hh.nsets;
	size_t pos = ENTRY_HDR_LEN;
	for (unsigned i = 0; i < nsets; ++i) {
		const kr_rrset_t *rr = &sets[i].rr;
		size_t olen = kr_dname_size(rr->owner);
		struct set_hdr sh = { .type = rr->type, .count = rr->rrs.count, .size = rr->rrs.size,
				      .owner_len = (uint8_t)olen, .section = sets[i].section };
		memcpy(out + pos, &sh.type, 2);
		memcpy(out + pos + 2, &sh.count, 2);
		memcpy(out + pos + 4, &sh.size, 4);
		out[pos + 8] = sh.owner_len;
		out[pos + 9] = sh.section;
		pos += SET_HDR_LEN;
		memcpy(out + pos, rr->owner, olen);
		kr_dname_lower(out + pos);
		pos += olen;
		if (olen & 1)
			out[pos++] = 0;
		if (rr->rrs.size)
			memcpy(out + pos, rr->rrs.data, rr->rrs.size);
		pos += rr->rrs.size;
	}
	*len = total;
	return out;
}

int cache_entry_header(const uint8_t *val, size_t len, struct cache_entry_hdr *h)
{
	if (len < ENTRY_HDR_LEN)
		return KR_EMALF;
	memcpy(&h->expire, val, 4);
	memcpy(&h->ttl, val + 4, 4);
	h->rank = val[8];
	h->kind = val[9];
	h->rcode = val[10];
	h->nsets = val[11];
	return 0;
}

/** Do the RDATA items fill exactly size bytes with count items? */
static bool rdata_ok(const uint8_t *data, uint32_t size, uint16_t count)
{
	uint32_t pos = 0;
	for (uint16_t i = 0; i < count; ++i) {
		if (pos + 2 > size)
			return false;
		uint16_t l;
		memcpy(&l, data + pos, 2);
		pos += 2u + l + (l & 1u);
	}
	return pos == size;
}

int cache_entry_decode(const uint8_t *val, size_t len, uint32_t ttl, struct cache_set *sets,
		       unsigned max)
{
	struct cache_entry_hdr h;
	if (cache_entry_header(val, len, &h) != 0 || h.nsets > max)
		return KR_EMALF;
	size_t pos = ENTRY_HDR_LEN;
	for (unsigned i = 0; i < h.nsets; ++i) {
		if (pos + SET_HDR_LEN > len)
			return KR_EMALF;
		struct set_hdr sh;
		memcpy(&sh.type, val + pos, 2);
		memcpy(&sh.count, val + pos + 2, 2);
		memcpy(&sh.size, val + pos + 4, 4);
		sh.owner_len = val[pos + 8];
		sh.section = val[pos + 9];
		pos += SET_HDR_LEN;
		if (pos + sh.owner_len > len || sh.owner_len == 0 ||
		    kr_dname_check(val + pos, sh.owner_len) != sh.owner_len)
			return KR_EMALF;
		uint8_t *owner = (uint8_t *)val + pos;
		pos += sh.owner_len + (sh.owner_len & 1u);
		if (pos + sh.size > len || sh.section > KR_SECTION_ADDITIONAL ||
		    !rdata_ok(val + pos, sh.size, sh.count))
			return KR_EMALF;
		kr_rrset_init(&sets[i].rr, owner, sh.type, KR_CLASS_IN, ttl);
		sets[i].rr.rrs.count = sh.count;
		sets[i].rr.rrs.size = sh.size;
		sets[i].rr.rrs.data = sh.size ? (uint8_t *)val + pos : NULL;
		sets[i].section = sh.section;
		pos += sh.size;
	}
	return pos == len ? h.nsets : KR_EMALF;
}

void cache_entry_set_rank(uint8_t *val, uint8_t rank)
{
	val[8] = rank;
}

void cache_entry_set_expire(uint8_t *val, uint32_t expire, uint32_t now)
{
	uint32_t ttl = expire > now ? expire - now : 0;
	memcpy(val, &expire, 4);
	memcpy(val + 4, &ttl, 4);
}
