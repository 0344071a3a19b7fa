/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RDATA layout descriptors: validation, decompression and canonical form of RDATA. */
#include <string.h>
#include "core/wire/wire-impl.h"

#define F(n)	{ KR__RDF_FIXED, (n) }
#define CN	{ KR__RDF_CNAME, 0 }
#define NM	{ KR__RDF_NAME, 0 }
#define NCS	{ KR__RDF_NAME_CS, 0 }
#define STR	{ KR__RDF_STR, 0 }
#define STRS	{ KR__RDF_STRS, 0 }
#define REST	{ KR__RDF_REST, 0 }

/* compress = has a CNAME field, lower = has a CNAME or NAME field */
#define D_PLAIN(t, ...)	[t] = &(const struct kr__rdesc){ (t), false, false, { __VA_ARGS__ } }
#define D_LOWER(t, ...)	[t] = &(const struct kr__rdesc){ (t), false, true, { __VA_ARGS__ } }
#define D_COMPR(t, ...)	[t] = &(const struct kr__rdesc){ (t), true, true, { __VA_ARGS__ } }

#define RDESC_TABLE_SIZE 260

static const struct kr__rdesc *const rdesc_table[RDESC_TABLE_SIZE] = {
	D_PLAIN(KR_TYPE_A, F(4)),
	D_COMPR(KR_TYPE_NS, CN),
	D_COMPR(3 /* MD */, CN),
	D_COMPR(4 /* MF */, CN),
	D_COMPR(KR_TYPE_CNAME, CN),
	D_COMPR(KR_TYPE_SOA, CN, CN, F(20)),
	D_COMPR(7 /* MB */, CN),
	D_COMPR(8 /* MG */, CN),
	D_COMPR(9 /* MR */, CN),
	D_PLAIN(10 /* NULL */, REST),
	D_PLAIN(11 /* WKS */, F(5), REST),
	D_COMPR(KR_TYPE_PTR, CN),
	D_PLAIN(KR_TYPE_HINFO, STR, STR),
	D_COMPR(14 /* MINFO */, CN, CN),
	D_COMPR(KR_TYPE_MX, F(2), CN),
	D_PLAIN(KR_TYPE_TXT, STRS),
	D_LOWER(17 /* RP */, NM, NM),
	D_LOWER(18 /* AFSDB */, F(2), NM),
	D_LOWER(21 /* RT */, F(2), NM),
	D_LOWER(24 /* SIG */, F(18), NM, REST),
	D_LOWER(26 /* PX */, F(2), NM, NM),
	D_PLAIN(KR_TYPE_AAAA, F(16)),
	D_PLAIN(29 /* LOC */, F(16)),
	D_LOWER(30 /* NXT */, NM, REST),
	D_LOWER(KR_TYPE_SRV, F(6), NM),
	D_LOWER(KR_TYPE_NAPTR, F(4), STR, STR, STR, NM),
	D_LOWER(36 /* KX */, F(2), NM),
	D_LOWER(KR_TYPE_DNAME, NM),
	D_PLAIN(KR_TYPE_OPT, REST),
	D_PLAIN(KR_TYPE_DS, F(4), REST),
	D_PLAIN(44 /* SSHFP */, F(2), REST),
	D_LOWER(KR_TYPE_RRSIG, F(18), NM, REST),
	D_PLAIN(KR_TYPE_NSEC, NCS, REST),
	D_PLAIN(KR_TYPE_DNSKEY, F(4), REST),
	D_PLAIN(KR_TYPE_NSEC3, F(4), STR, STR, REST),
	D_PLAIN(KR_TYPE_NSEC3PARAM, F(4), STR),
	D_PLAIN(52 /* TLSA */, F(3), REST),
	D_PLAIN(53 /* SMIMEA */, F(3), REST),
	D_PLAIN(59 /* CDS */, F(4), REST),
	D_PLAIN(60 /* CDNSKEY */, F(4), REST),
	D_PLAIN(63 /* ZONEMD */, F(6), REST),
	D_PLAIN(KR_TYPE_SVCB, F(2), NCS, REST),
	D_PLAIN(KR_TYPE_HTTPS, F(2), NCS, REST),
	D_PLAIN(108 /* EUI48 */, F(6)),
	D_PLAIN(109 /* EUI64 */, F(8)),
	D_PLAIN(KR_TYPE_TSIG, NCS, REST),
	D_PLAIN(256 /* URI */, F(4), REST),
	D_PLAIN(KR_TYPE_CAA, F(1), STR, REST),
};

const struct kr__rdesc *kr__rdesc_get(uint16_t type)
{
	return type < RDESC_TABLE_SIZE ? rdesc_table[type] : NULL;
}

int kr__rdf_len(const struct kr__rdf *f, const uint8_t *p, size_t avail)
{
	size_t pos;

	switch (f->kind) {
	case KR__RDF_END:
		return 0;
	case KR__RDF_FIXED:
		return f->len <= avail ? f->len : KR_EMALF;
	case KR__RDF_CNAME:
	case KR__RDF_NAME:
	case KR__RDF_NAME_CS:
		return kr_dname_check(p, avail);
	case KR__RDF_STR:
		if (avail < 1 || (size_t)p[0] + 1 > avail)
			return KR_EMALF;
		return p[0] + 1;
	case KR__RDF_STRS:
		for (pos = 0; pos < avail; pos += (size_t)p[pos] + 1) {
			if (pos + 1 + p[pos] > avail)
				return KR_EMALF;
		}
		return (int)avail;
	case KR__RDF_REST:
		return (int)avail;
	default:
		return KR_EMALF;
	}
}

int kr__rdata_check(uint16_t type, const uint8_t *rdata, size_t len)
{
	const struct kr__rdesc *d = kr__rdesc_get(type);
	if (!d)
		return 0;
	size_t pos = 0;
	for (const struct kr__rdf *f = d->fields; f->kind != KR__RDF_END; ++f) {
		int flen = kr__rdf_len(f, rdata + pos, len - pos);
		if (flen < 0)
			return KR_EMALF;
		pos += (size_t)flen;
	}
	return pos == len ? 0 : KR_EMALF;
}

#define MAX_NAME_FIELDS 4

/** A byte range of RDATA holding a name to lower-case in the canonical form. */
struct range {
	size_t start, end;
};

/**
 * Find the names of RDATA to lower-case in the canonical form.
 * @return number of ranges found, or KR_EMALF when the RDATA does not match d.
 */
static int lower_ranges(const struct kr__rdesc *d, const uint8_t *rdata, size_t len,
			struct range out[MAX_NAME_FIELDS])
{
	size_t pos = 0;
	int n = 0;
	for (const struct kr__rdf *f = d->fields; f->kind != KR__RDF_END; ++f) {
		int flen = kr__rdf_len(f, rdata + pos, len - pos);
		if (flen < 0)
			return KR_EMALF;
		if ((f->kind == KR__RDF_CNAME || f->kind == KR__RDF_NAME) && n < MAX_NAME_FIELDS) {
			out[n].start = pos;
			out[n].end = pos + (size_t)flen;
			++n;
		}
		pos += (size_t)flen;
	}
	return pos == len ? n : KR_EMALF;
}

int kr__rdata_lower(uint16_t type, uint8_t *rdata, size_t len)
{
	const struct kr__rdesc *d = kr__rdesc_get(type);
	if (!d)
		return 0;
	if (!d->lower)
		return kr__rdata_check(type, rdata, len);
	struct range r[MAX_NAME_FIELDS];
	int n = lower_ranges(d, rdata, len, r);
	if (n < 0)
		return n;
	for (int i = 0; i < n; ++i)
		kr_dname_lower(rdata + r[i].start);
	return 0;
}

/** Plain lexicographic comparison of two octet strings (shorter prefix first). */
static int octets_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/** The i-th byte of RDATA in canonical form, advancing the range cursor *ri. */
static inline uint8_t canon_byte(const uint8_t *rd, size_t i, const struct range *r, int n, int *ri)
{
	while (*ri < n && r[*ri].end <= i)
		++*ri;
	if (*ri < n && r[*ri].start <= i)
		return kr__lower(rd[i]);
	return rd[i];
}

int kr__rdata_cmp(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	const struct kr__rdesc *d = kr__rdesc_get(type);
	if (!d || !d->lower)
		return octets_cmp(a, alen, b, blen);
	struct range ra[MAX_NAME_FIELDS], rb[MAX_NAME_FIELDS];
	int na = lower_ranges(d, a, alen, ra);
	int nb = lower_ranges(d, b, blen, rb);
	if (na < 0 || nb < 0)
		return octets_cmp(a, alen, b, blen);
	int ia = 0, ib = 0;
	size_t min = alen < blen ? alen : blen;
	for (size_t i = 0; i < min; ++i) {
		uint8_t ca = canon_byte(a, i, ra, na, &ia);
		uint8_t cb = canon_byte(b, i, rb, nb, &ib);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

int kr__rdata_unpack(uint16_t type, const uint8_t *pkt, size_t pkt_len, size_t pos,
		     uint16_t rdlen, uint8_t *dst)
{
	size_t end = pos + rdlen;
	if (end > pkt_len)
		return KR_EMALF;
	const struct kr__rdesc *d = kr__rdesc_get(type);
	if (!d) {
		if (dst)
			memcpy(dst, pkt + pos, rdlen);
		return rdlen;
	}
	size_t out = 0;
	for (const struct kr__rdf *f = d->fields; f->kind != KR__RDF_END; ++f) {
		size_t flen;
		if (f->kind == KR__RDF_CNAME || f->kind == KR__RDF_NAME || f->kind == KR__RDF_NAME_CS) {
			uint8_t name[KR_DNAME_MAXLEN];
			size_t p = pos;
			int ret = kr_dname_unpack(dst ? name : NULL, pkt, pkt_len, &p);
			if (ret < 0 || p > end || out + (size_t)ret > UINT16_MAX)
				return KR_EMALF;
			if (dst)
				memcpy(dst + out, name, (size_t)ret);
			out += (size_t)ret;
			pos = p;
			continue;
		}
		int ret = kr__rdf_len(f, pkt + pos, end - pos);
		if (ret < 0)
			return KR_EMALF;
		flen = (size_t)ret;
		if (out + flen > UINT16_MAX)
			return KR_EMALF;
		if (dst)
			memcpy(dst + out, pkt + pos, flen);
		out += flen;
		pos += flen;
	}
	return pos == end ? (int)out : KR_EMALF;
}
