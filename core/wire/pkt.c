/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS messages: strict parsing, building with name compression, header access. */
#include <stddef.h>
#include <string.h>
#include "core/wire/wire-impl.h"

#define OFF_ID		0
#define OFF_FLAGS	2
#define OFF_QDCOUNT	4
#define OFF_ANCOUNT	6   /* the three record counts follow, 2 bytes each */
#define RR_FIXED	10  /* type, class, TTL, RDLENGTH */
#define RR_MIN		(1 + RR_FIXED)
#define COMP_MAX_OFF	0x3FFF
#define PTR_HOPS_MAX	128

/*
 * The kr_pkt.rr array lives in a block with a private header in front, which
 * keeps what the public structure has no room for: the block holding the
 * owners and RDATA of parsed records (freed with the packet's records), and
 * where the OPT record's TTL sits in the wire (patched by kr_pkt_set_rcode()).
 */
struct rr_store {
	void *parsed;          /* owners and RDATA of parsed records, from pkt->mm */
	uint16_t opt_idx;      /* index of the OPT record in rr[] */
	uint16_t opt_ttl_off;  /* wire offset of the OPT TTL; 0 = no OPT in the wire */
	kr_rrset_t rr[];
};

/** The private header of pkt->rr, or NULL when no array was allocated yet. */
static struct rr_store *store(const kr_pkt_t *pkt)
{
	if (!pkt->rr)
		return NULL;
	return (struct rr_store *)((uint8_t *)pkt->rr - offsetof(struct rr_store, rr));
}

/** Make room for at least n records in pkt->rr. @return 0 or -ENOMEM. */
static int store_reserve(kr_pkt_t *pkt, size_t n)
{
	if (n <= pkt->rrmax)
		return 0;
	if (n > UINT16_MAX)
		return -ENOMEM;
	size_t cap = pkt->rrmax ? (size_t)pkt->rrmax * 2 : 8;
	if (cap < n)
		cap = n;
	if (cap > UINT16_MAX)
		cap = UINT16_MAX;
	struct rr_store *old = store(pkt);
	bool opt_inside = old && old->opt_ttl_off && pkt->opt == &old->rr[old->opt_idx];
	size_t old_bytes = old ? sizeof(*old) + pkt->rrmax * sizeof(kr_rrset_t) : 0;
	struct rr_store *st = kr_mm_realloc(pkt->mm, old, sizeof(*st) + cap * sizeof(kr_rrset_t),
					    old_bytes);
	if (!st)
		return -ENOMEM;
	if (!old) {
		st->parsed = NULL;
		st->opt_idx = 0;
		st->opt_ttl_off = 0;
	}
	pkt->rr = st->rr;
	pkt->rrmax = (uint16_t)cap;
	if (opt_inside)
		pkt->opt = &st->rr[st->opt_idx];
	return 0;
}

/** Forget all records (releasing parsed data) but keep the rr array for reuse. */
static void records_reset(kr_pkt_t *pkt)
{
	struct rr_store *st = store(pkt);
	if (st) {
		kr_mm_free(pkt->mm, st->parsed);
		st->parsed = NULL;
		st->opt_idx = 0;
		st->opt_ttl_off = 0;
	}
	pkt->rrcount = 0;
	memset(pkt->sections, 0, sizeof(pkt->sections));
	pkt->current = KR_SECTION_ANSWER;
	pkt->opt = NULL;
}

/** Make sure the wire holds a header (zeroed if there was none). */
static int ensure_header(kr_pkt_t *pkt)
{
	if (pkt->size >= KR_PKT_HDRSIZE)
		return 0;
	if (pkt->max_size < KR_PKT_HDRSIZE)
		return KR_ESPACE;
	memset(pkt->wire, 0, KR_PKT_HDRSIZE);
	pkt->size = KR_PKT_HDRSIZE;
	return 0;
}

kr_pkt_t *kr_pkt_new(uint8_t *wire, size_t max_size, kr_mm_t *mm)
{
	if (max_size > KR_PKT_MAXSIZE)
		max_size = KR_PKT_MAXSIZE;
	if (!wire && max_size < KR_PKT_HDRSIZE)
		return NULL;
	/* The compression table beyond comp_count is never read: not cleared. */
	kr_pkt_t *pkt = kr_mm_alloc(mm, sizeof(*pkt));
	if (!pkt)
		return NULL;
	memset(pkt, 0, offsetof(kr_pkt_t, comp));
	pkt->mm = mm;
	pkt->max_size = max_size;
	if (wire) {
		pkt->wire = wire;
		pkt->size = 0;
		return pkt;
	}
	pkt->wire = kr_mm_alloc(mm, max_size);
	if (!pkt->wire) {
		kr_mm_free(mm, pkt);
		return NULL;
	}
	pkt->owns_wire = true;
	memset(pkt->wire, 0, KR_PKT_HDRSIZE);
	pkt->size = KR_PKT_HDRSIZE;
	return pkt;
}

void kr_pkt_free(kr_pkt_t *pkt)
{
	if (!pkt)
		return;
	records_reset(pkt);
	kr_mm_t *mm = pkt->mm;
	struct rr_store *st = store(pkt);
	kr_mm_free(mm, st);
	if (pkt->owns_wire)
		kr_mm_free(mm, pkt->wire);
	kr_mm_free(mm, pkt);
}

/** Forget the question. */
static void question_reset(kr_pkt_t *pkt)
{
	pkt->qname = NULL;
	pkt->qname_size = 0;
	pkt->qtype = 0;
	pkt->qclass = 0;
}

void kr_pkt_clear(kr_pkt_t *pkt)
{
	records_reset(pkt);
	question_reset(pkt);
	pkt->reserved = 0;
	pkt->comp_count = 0;
	pkt->size = 0;
	ensure_header(pkt);
}

/** Add a written name's offset to the compression table (if it can be pointed to). */
static void comp_add(kr_pkt_t *pkt, size_t off)
{
	if (off <= COMP_MAX_OFF && pkt->comp_count < KR_PKT_COMP_MAX)
		pkt->comp[pkt->comp_count++].off = (uint16_t)off;
}

/* --- parsing --- */

/** Parse header and question; *pos is set past the question. */
static int parse_question(kr_pkt_t *pkt, size_t *pos)
{
	question_reset(pkt);
	if (pkt->size < KR_PKT_HDRSIZE || pkt->size > pkt->max_size)
		return KR_EMALF;
	uint16_t qdcount = kr__get16(pkt->wire + OFF_QDCOUNT);
	*pos = KR_PKT_HDRSIZE;
	if (qdcount == 0)
		return 0;
	if (qdcount > 1)
		return KR_EMALF;
	/* A pointer here would point into the header or forward: the name is plain. */
	size_t p = KR_PKT_HDRSIZE;
	int len = kr_dname_unpack(NULL, pkt->wire, pkt->size, &p);
	if (len < 0 || p + 4 > pkt->size)
		return KR_EMALF;
	pkt->qname = pkt->wire + KR_PKT_HDRSIZE;
	pkt->qname_size = (uint16_t)len;
	pkt->qtype = kr__get16(pkt->wire + p);
	pkt->qclass = kr__get16(pkt->wire + p + 2);
	*pos = p + 4;
	return 0;
}

int kr_pkt_parse_question(kr_pkt_t *pkt)
{
	records_reset(pkt);
	pkt->comp_count = 0;
	size_t pos;
	int ret = parse_question(pkt, &pos);
	if (ret)
		return ret;
	if (pkt->qname_size)
		comp_add(pkt, KR_PKT_HDRSIZE);
	return 0;
}

/** Section of the i-th record given the header counts. */
static enum kr_section section_of(size_t i, size_t an, size_t ns)
{
	if (i < an)
		return KR_SECTION_ANSWER;
	return i < an + ns ? KR_SECTION_AUTHORITY : KR_SECTION_ADDITIONAL;
}

/**
 * First pass over the records: validate everything and measure the memory
 * the decompressed owners and RDATA will take.
 */
static int records_measure(const kr_pkt_t *pkt, size_t pos, size_t an, size_t ns, size_t total,
			   size_t *need)
{
	const uint8_t *wire = pkt->wire;
	size_t size = pkt->size;
	bool opt_seen = false;
	*need = 0;
	for (size_t i = 0; i < total; ++i) {
		int olen = kr_dname_unpack(NULL, wire, size, &pos);
		if (olen < 0 || size - pos < RR_FIXED)
			return KR_EMALF;
		uint16_t type = kr__get16(wire + pos);
		uint16_t rdlen = kr__get16(wire + pos + 8);
		pos += RR_FIXED;
		if (size - pos < rdlen)
			return KR_EMALF;
		if (type == KR_TYPE_OPT) {
			if (section_of(i, an, ns) != KR_SECTION_ADDITIONAL || opt_seen || olen != 1)
				return KR_EMALF;
			if (kr__edns_opts_check(wire + pos, rdlen))
				return KR_EMALF;
			opt_seen = true;
		}
		int rlen = kr__rdata_unpack(type, wire, size, pos, rdlen, NULL);
		if (rlen < 0)
			return KR_EMALF;
		*need += (size_t)olen + (olen & 1) + kr__rdata_item_size((size_t)rlen);
		pos += rdlen;
	}
	return pos == size ? 0 : KR_EMALF;   /* trailing bytes */
}

/** Second pass: decompress the (already validated) records into block. */
static int records_fill(kr_pkt_t *pkt, size_t pos, size_t total, uint8_t *block)
{
	struct rr_store *st = store(pkt);
	const uint8_t *wire = pkt->wire;
	size_t size = pkt->size;
	size_t off = 0;
	for (size_t i = 0; i < total; ++i) {
		uint8_t *owner = block + off;
		int olen = kr_dname_unpack(owner, wire, size, &pos);
		if (olen < 0)
			return KR_EMALF;
		off += (size_t)olen + (olen & 1);
		uint16_t type = kr__get16(wire + pos);
		uint16_t rclass = kr__get16(wire + pos + 2);
		uint32_t ttl = kr__get32(wire + pos + 4);
		uint16_t rdlen = kr__get16(wire + pos + 8);
		pos += RR_FIXED;
		struct kr_rdata *rd = (struct kr_rdata *)(block + off);
		int rlen = kr__rdata_unpack(type, wire, size, pos, rdlen, rd->data);
		if (rlen < 0)
			return KR_EMALF;
		rd->len = (uint16_t)rlen;
		if (rlen & 1)
			rd->data[rlen] = 0;
		size_t item = kr__rdata_item_size((size_t)rlen);
		off += item;

		kr_rrset_t *rr = &st->rr[i];
		kr_rrset_init(rr, owner, type, rclass, ttl);
		rr->rrs.count = 1;
		rr->rrs.size = (uint32_t)item;
		rr->rrs.data = (uint8_t *)rd;
		if (type == KR_TYPE_OPT) {
			pkt->opt = rr;
			st->opt_idx = (uint16_t)i;
			st->opt_ttl_off = (uint16_t)(pos - RR_FIXED + 4);
		}
		pos += rdlen;
	}
	return 0;
}

int kr_pkt_parse(kr_pkt_t *pkt)
{
	records_reset(pkt);
	pkt->comp_count = 0;
	size_t pos;
	int ret = parse_question(pkt, &pos);
	if (ret)
		return ret;
	if (pkt->qname_size)
		comp_add(pkt, KR_PKT_HDRSIZE);

	size_t an = kr__get16(pkt->wire + OFF_ANCOUNT);
	size_t ns = kr__get16(pkt->wire + OFF_ANCOUNT + 2);
	size_t ar = kr__get16(pkt->wire + OFF_ANCOUNT + 4);
	size_t total = an + ns + ar;
	/* Cheap rejection of absurd counts before any work or allocation. */
	if (total > (pkt->size - pos) / RR_MIN)
		return KR_EMALF;
	size_t need;
	ret = records_measure(pkt, pos, an, ns, total, &need);
	if (ret)
		return ret;
	if (total == 0)
		return 0;

	ret = store_reserve(pkt, total);
	if (ret)
		return ret;
	uint8_t *block = kr_mm_alloc(pkt->mm, need);
	if (!block)
		return -ENOMEM;
	store(pkt)->parsed = block;
	ret = records_fill(pkt, pos, total, block);
	if (ret) {
		records_reset(pkt);
		return ret;
	}
	pkt->rrcount = (uint16_t)total;
	pkt->sections[KR_SECTION_ANSWER] = (struct kr_pkt_section){ 0, (uint16_t)an };
	pkt->sections[KR_SECTION_AUTHORITY] = (struct kr_pkt_section){ (uint16_t)an, (uint16_t)ns };
	pkt->sections[KR_SECTION_ADDITIONAL] = (struct kr_pkt_section){ (uint16_t)(an + ns), (uint16_t)ar };
	pkt->current = KR_SECTION_ADDITIONAL;
	return 0;
}

/* --- header --- */

uint16_t kr_pkt_id(const kr_pkt_t *pkt)
{
	return pkt->max_size >= KR_PKT_HDRSIZE ? kr__get16(pkt->wire + OFF_ID) : 0;
}

void kr_pkt_set_id(kr_pkt_t *pkt, uint16_t id)
{
	if (ensure_header(pkt) == 0)
		kr__put16(pkt->wire + OFF_ID, id);
}

/** The 16-bit flags word of the header. */
static uint16_t flags_word(const kr_pkt_t *pkt)
{
	return pkt->max_size >= KR_PKT_HDRSIZE ? kr__get16(pkt->wire + OFF_FLAGS) : 0;
}

bool kr_pkt_flag(const kr_pkt_t *pkt, enum kr_pkt_flag flag)
{
	return flags_word(pkt) & flag;
}

void kr_pkt_set_flag(kr_pkt_t *pkt, enum kr_pkt_flag flag, bool on)
{
	if (ensure_header(pkt))
		return;
	uint16_t w = flags_word(pkt);
	w = on ? (w | flag) : (w & ~(uint16_t)flag);
	kr__put16(pkt->wire + OFF_FLAGS, w);
}

uint8_t kr_pkt_opcode(const kr_pkt_t *pkt)
{
	return (flags_word(pkt) >> 11) & 0x0F;
}

void kr_pkt_set_opcode(kr_pkt_t *pkt, uint8_t opcode)
{
	if (ensure_header(pkt))
		return;
	uint16_t w = flags_word(pkt);
	w = (uint16_t)((w & ~(0x0Fu << 11)) | ((opcode & 0x0Fu) << 11));
	kr__put16(pkt->wire + OFF_FLAGS, w);
}

uint16_t kr_pkt_rcode(const kr_pkt_t *pkt)
{
	uint16_t rcode = flags_word(pkt) & 0x0F;
	if (pkt->opt)
		rcode |= (uint16_t)(kr_edns_ext_rcode(pkt->opt) << 4);
	return rcode;
}

int kr_pkt_set_rcode(kr_pkt_t *pkt, uint16_t rcode)
{
	if (rcode > 0x0FFF || (rcode > 0x0F && !pkt->opt))
		return -EINVAL;
	if (ensure_header(pkt))
		return -EINVAL;
	pkt->wire[OFF_FLAGS + 1] = (uint8_t)((pkt->wire[OFF_FLAGS + 1] & 0xF0) | (rcode & 0x0F));
	if (!pkt->opt)
		return 0;
	uint8_t ext = (uint8_t)(rcode >> 4);
	kr_edns_set_ext_rcode(pkt->opt, ext);
	struct rr_store *st = store(pkt);
	if (st && st->opt_ttl_off) {
		/* the OPT is already in the wire: patch it and the record kept in pkt->rr */
		pkt->wire[st->opt_ttl_off] = ext;
		kr_edns_set_ext_rcode(&st->rr[st->opt_idx], ext);
	}
	return 0;
}

uint16_t kr_pkt_count(const kr_pkt_t *pkt, enum kr_section section)
{
	if ((unsigned)section > KR_SECTION_ADDITIONAL)
		return 0;
	return pkt->sections[section].count;
}

const kr_rrset_t *kr_pkt_rr(const kr_pkt_t *pkt, enum kr_section section, uint16_t i)
{
	if ((unsigned)section > KR_SECTION_ADDITIONAL || i >= pkt->sections[section].count)
		return NULL;
	return &pkt->rr[pkt->sections[section].pos + i];
}

/** Does the entry a hold a record with RDATA rd? */
static bool rrset_holds(const kr_rrset_t *a, const struct kr_rdata *rd)
{
	for (const struct kr_rdata *x = kr_rdataset_first(&a->rrs); x; x = kr_rdataset_next(&a->rrs, x))
		if (x->len == rd->len && memcmp(x->data, rd->data, rd->len) == 0)
			return true;
	return false;
}

bool kr_pkt_has_rrset(const kr_pkt_t *pkt, enum kr_section section, const kr_rrset_t *rr)
{
	/* Record by record: parsed packets hold one-record entries, and an RR set is never split. */
	for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		bool found = false;
		for (uint16_t i = 0; i < kr_pkt_count(pkt, section) && !found; ++i) {
			const kr_rrset_t *a = kr_pkt_rr(pkt, section, i);
			found = a->type == rr->type && a->rclass == rr->rclass && kr_dname_eq(a->owner, rr->owner) &&
				rrset_holds(a, rd);
		}
		if (!found)
			return false;
	}
	return rr->rrs.count > 0;
}

/* --- writing --- */

/** Bytes the current sections may use (the reservation is kept free). */
static size_t write_limit(const kr_pkt_t *pkt)
{
	return pkt->max_size - pkt->reserved;
}

int kr_pkt_put_question(kr_pkt_t *pkt, const uint8_t *qname, uint16_t qclass, uint16_t qtype)
{
	if (pkt->rrcount)
		return KR_ESECTION;
	if (ensure_header(pkt))
		return KR_ESPACE;
	size_t len = kr_dname_size(qname);
	if (KR_PKT_HDRSIZE + len + 4 > write_limit(pkt))
		return KR_ESPACE;
	uint8_t *p = pkt->wire + KR_PKT_HDRSIZE;
	memmove(p, qname, len);
	kr__put16(p + len, qtype);
	kr__put16(p + len + 2, qclass);
	kr__put16(pkt->wire + OFF_QDCOUNT, 1);
	memset(pkt->wire + OFF_ANCOUNT, 0, 6);
	pkt->size = KR_PKT_HDRSIZE + len + 4;
	pkt->qname = p;
	pkt->qname_size = (uint16_t)len;
	pkt->qtype = qtype;
	pkt->qclass = qclass;
	pkt->comp_count = 0;
	comp_add(pkt, KR_PKT_HDRSIZE);
	return 0;
}

int kr_pkt_begin(kr_pkt_t *pkt, enum kr_section section)
{
	if ((unsigned)section > KR_SECTION_ADDITIONAL || section < pkt->current)
		return KR_ESECTION;
	for (int s = pkt->current + 1; s <= (int)section; ++s) {
		pkt->sections[s].pos = pkt->rrcount;
		pkt->sections[s].count = 0;
	}
	pkt->current = section;
	return 0;
}

/**
 * Collect the offsets of the labels of a name written in the wire at off,
 * following compression pointers (backwards only, a bounded number of times).
 * @return number of labels, or -1 when the wire name is not sane.
 */
static int wire_labels(const kr_pkt_t *pkt, size_t off, uint16_t loff[KR_DNAME_MAXLABELS])
{
	int n = 0;
	int hops = 0;
	while (off < pkt->size) {
		uint8_t l = pkt->wire[off];
		if ((l & 0xC0) == 0xC0) {
			if (off + 1 >= pkt->size || ++hops > PTR_HOPS_MAX)
				return -1;
			size_t target = ((size_t)(l & 0x3F) << 8) | pkt->wire[off + 1];
			if (target >= off)
				return -1;
			off = target;
			continue;
		}
		if (l == 0)
			return n;
		if (l > KR_DNAME_MAXLABELLEN || n >= KR_DNAME_MAXLABELS || off + l + 1 > pkt->size)
			return -1;
		loff[n++] = (uint16_t)off;
		off += (size_t)l + 1;
	}
	return -1;
}

/** Case-insensitive equality of two labels (length byte included). */
static bool label_eq(const uint8_t *a, const uint8_t *b)
{
	if (a[0] != b[0])
		return false;
	for (uint8_t i = 1; i <= a[0]; ++i) {
		if (kr__lower(a[i]) != kr__lower(b[i]))
			return false;
	}
	return true;
}

/**
 * Find the longest suffix of name (labels at noff[0..n)) already in the wire.
 * @param target out: wire offset of that suffix
 * @return number of labels of the suffix (0 = nothing to point to).
 */
static int comp_find(const kr_pkt_t *pkt, const uint8_t *name, const uint8_t *noff, int n,
		     size_t *target)
{
	int best = 0;
	uint16_t woff[KR_DNAME_MAXLABELS];
	for (uint16_t e = 0; e < pkt->comp_count && best < n; ++e) {
		int m = wire_labels(pkt, pkt->comp[e].off, woff);
		int k = 0;
		while (k < n && k < m && label_eq(name + noff[n - 1 - k], pkt->wire + woff[m - 1 - k]))
			++k;
		/* the pointer target must fit in 14 bits; shorter suffixes start further right */
		while (k > best && woff[m - k] > COMP_MAX_OFF)
			--k;
		if (k > best) {
			best = k;
			*target = woff[m - k];
		}
	}
	return best;
}

/**
 * Append a name to the wire, compressed against the names in the compression
 * table (and remembered there when something new was written).
 * @return 0 or KR_ESPACE.
 */
static int write_name(kr_pkt_t *pkt, const uint8_t *name, size_t limit)
{
	size_t len = kr_dname_size(name);
	size_t start = pkt->size;
	/* Most owners are the question's name: a pointer to it without a search. */
	if (len > 1 && pkt->qname_size == len && pkt->qname == pkt->wire + KR_PKT_HDRSIZE &&
	    (memcmp(name, pkt->qname, len) == 0 || kr_dname_eq(name, pkt->qname))) {
		if (start + 2 > limit)
			return KR_ESPACE;
		kr__put16(pkt->wire + start, (uint16_t)(0xC000 | KR_PKT_HDRSIZE));
		pkt->size += 2;
		return 0;
	}
	uint8_t noff[KR_DNAME_MAXLABELS];
	int n = 0;
	for (size_t p = 0; name[p]; p += (size_t)name[p] + 1)
		noff[n++] = (uint8_t)p;
	size_t target = 0;
	int k = n ? comp_find(pkt, name, noff, n, &target) : 0;
	if (k == 0) {
		if (start + len > limit)
			return KR_ESPACE;
		memcpy(pkt->wire + start, name, len);
		pkt->size += len;
	} else {
		size_t prefix = k < n ? noff[n - k] : 0;
		if (start + prefix + 2 > limit)
			return KR_ESPACE;
		memcpy(pkt->wire + start, name, prefix);
		kr__put16(pkt->wire + start + prefix, (uint16_t)(0xC000 | target));
		pkt->size += prefix + 2;
		if (k == n)
			return 0;   /* nothing new to remember */
	}
	if (n)
		comp_add(pkt, start);
	return 0;
}

/** Append RDATA, compressing the names of KR__RDF_CNAME fields. */
static int write_rdata(kr_pkt_t *pkt, uint16_t type, const struct kr_rdata *rd, size_t limit)
{
	const struct kr__rdesc *d = kr__rdesc_get(type);
	if (!d || !d->compress) {
		if (pkt->size + rd->len > limit)
			return KR_ESPACE;
		memcpy(pkt->wire + pkt->size, rd->data, rd->len);
		pkt->size += rd->len;
		return 0;
	}
	size_t pos = 0;
	for (const struct kr__rdf *f = d->fields; f->kind != KR__RDF_END; ++f) {
		int flen = kr__rdf_len(f, rd->data + pos, rd->len - pos);
		if (flen < 0)
			return KR_EMALF;
		if (f->kind == KR__RDF_CNAME) {
			int ret = write_name(pkt, rd->data + pos, limit);
			if (ret)
				return ret;
		} else {
			if (pkt->size + (size_t)flen > limit)
				return KR_ESPACE;
			memcpy(pkt->wire + pkt->size, rd->data + pos, (size_t)flen);
			pkt->size += (size_t)flen;
		}
		pos += (size_t)flen;
	}
	return 0;
}

/** Write one record (owner, fixed fields, RDATA). */
static int write_record(kr_pkt_t *pkt, const kr_rrset_t *rr, const struct kr_rdata *rd,
			size_t limit)
{
	int ret = write_name(pkt, rr->owner, limit);
	if (ret)
		return ret;
	if (pkt->size + RR_FIXED > limit)
		return KR_ESPACE;
	uint8_t *p = pkt->wire + pkt->size;
	kr__put16(p, rr->type);
	kr__put16(p + 2, rr->rclass);
	kr__put32(p + 4, rr->ttl);
	pkt->size += RR_FIXED;
	size_t rdstart = pkt->size;
	ret = write_rdata(pkt, rr->type, rd, limit);
	if (ret)
		return ret;
	kr__put16(p + 8, (uint16_t)(pkt->size - rdstart));
	return 0;
}

/** Append a shallow copy of rr to the current section of pkt->rr. */
static void record_append(kr_pkt_t *pkt, const kr_rrset_t *rr)
{
	pkt->rr[pkt->rrcount++] = *rr;
	pkt->sections[pkt->current].count++;
}

int kr_pkt_put(kr_pkt_t *pkt, const kr_rrset_t *rr)
{
	if (rr->type == KR_TYPE_OPT)
		return -EINVAL;
	if (rr->rrs.count == 0)
		return 0;
	if (ensure_header(pkt))
		return KR_ESPACE;
	const struct kr_rdata *rd;
	for (rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		if (kr__rdata_check(rr->type, rd->data, rd->len))
			return KR_EMALF;
	}
	size_t cnt_off = OFF_ANCOUNT + 2 * (size_t)pkt->current;
	size_t count = (size_t)kr__get16(pkt->wire + cnt_off) + rr->rrs.count;
	if (count > UINT16_MAX)
		return KR_ESPACE;
	int ret = store_reserve(pkt, (size_t)pkt->rrcount + 1);
	if (ret)
		return ret;

	size_t saved_size = pkt->size;
	uint16_t saved_comp = pkt->comp_count;
	size_t limit = write_limit(pkt);
	for (rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		ret = write_record(pkt, rr, rd, limit);
		if (ret) {
			pkt->size = saved_size;
			pkt->comp_count = saved_comp;
			return ret;
		}
	}
	kr__put16(pkt->wire + cnt_off, (uint16_t)count);
	record_append(pkt, rr);
	return 0;
}

int kr_pkt_reserve(kr_pkt_t *pkt, uint16_t size)
{
	size_t used = pkt->size > KR_PKT_HDRSIZE ? pkt->size : KR_PKT_HDRSIZE;
	if (used + pkt->reserved + size > pkt->max_size)
		return KR_ESPACE;
	pkt->reserved += size;
	return 0;
}

void kr_pkt_unreserve(kr_pkt_t *pkt, uint16_t size)
{
	pkt->reserved = pkt->reserved > size ? pkt->reserved - size : 0;
}

int kr_pkt_put_opt(kr_pkt_t *pkt, kr_rrset_t *opt)
{
	if (!opt || opt->type != KR_TYPE_OPT || pkt->opt || kr_edns_check(opt))
		return -EINVAL;
	if (opt->owner && opt->owner[0] != 0)
		return -EINVAL;
	if (ensure_header(pkt))
		return KR_ESPACE;
	size_t count = (size_t)kr__get16(pkt->wire + OFF_ANCOUNT + 4) + 1;
	size_t wsize = kr_edns_wire_size(opt);
	if (count > UINT16_MAX || pkt->size + wsize > pkt->max_size)
		return KR_ESPACE;
	int ret = store_reserve(pkt, (size_t)pkt->rrcount + 1);
	if (ret)
		return ret;
	kr_pkt_begin(pkt, KR_SECTION_ADDITIONAL);

	const struct kr_rdata *rd = kr_rdataset_first(&opt->rrs);
	uint16_t rdlen = rd ? rd->len : 0;
	uint8_t *p = pkt->wire + pkt->size;
	p[0] = 0;   /* owner: the root */
	kr__put16(p + 1, KR_TYPE_OPT);
	kr__put16(p + 3, opt->rclass);
	kr__put32(p + 5, opt->ttl);
	kr__put16(p + 9, rdlen);
	if (rdlen)
		memcpy(p + 11, rd->data, rdlen);
	kr__put16(pkt->wire + OFF_ANCOUNT + 4, (uint16_t)count);

	struct rr_store *st = store(pkt);
	st->opt_idx = pkt->rrcount;
	st->opt_ttl_off = (uint16_t)(pkt->size + 5);
	pkt->size += wsize;
	record_append(pkt, opt);
	pkt->opt = opt;
	pkt->reserved = 0;
	return 0;
}

void kr_pkt_truncate(kr_pkt_t *pkt)
{
	records_reset(pkt);
	if (ensure_header(pkt))
		return;
	pkt->size = KR_PKT_HDRSIZE + (pkt->qname_size ? (size_t)pkt->qname_size + 4 : 0);
	memset(pkt->wire + OFF_ANCOUNT, 0, 6);
	kr_pkt_set_flag(pkt, KR_PKT_TC, true);
	uint16_t keep = 0;
	for (uint16_t i = 0; i < pkt->comp_count; ++i) {
		if (pkt->comp[i].off < pkt->size)
			pkt->comp[keep++] = pkt->comp[i];
	}
	pkt->comp_count = keep;
}
