/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the packet parser, then everything done with a parsed
 * packet — text form of each record, and a rebuild that must parse again to
 * the same records. Names may come back in another letter case (compression
 * matches names case-insensitively), so RDATA is compared in canonical form.
 */
#include <stdlib.h>
#include <string.h>
#include <kres/kres.h>
#include "core/wire/wire-impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > KR_PKT_MAXSIZE)
		return 0;
	struct kr_arena *arena = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(arena);
	uint8_t *wire = kr_mm_memdup(mm, data, size);
	kr_pkt_t *pkt = kr_pkt_new(wire, size, mm);
	pkt->size = size;
	if (kr_pkt_parse(pkt) == 0) {
		static char text[256 * 1024];
		kr_pkt_t *copy = kr_pkt_new(NULL, KR_PKT_MAXSIZE, mm);
		if (pkt->qname_size && kr_pkt_put_question(copy, pkt->qname, pkt->qclass, pkt->qtype) != 0)
			abort();
		for (int s = KR_SECTION_ANSWER; s <= KR_SECTION_ADDITIONAL; ++s) {
			if (kr_pkt_begin(copy, s) != 0)
				abort();
			for (uint16_t i = 0; i < kr_pkt_count(pkt, s); ++i) {
				const kr_rrset_t *rr = kr_pkt_rr(pkt, s, i);
				kr_rrset_to_str(rr, text, sizeof(text));
				int ret = rr->type == KR_TYPE_OPT ? kr_pkt_put_opt(copy, (kr_rrset_t *)rr)
								  : kr_pkt_put(copy, rr);
				/* Compression only shrinks: the rebuilt message always fits. */
				if (ret != 0)
					abort();
			}
		}
		kr_pkt_t *again = kr_pkt_new(copy->wire, copy->size, mm);
		again->size = copy->size;
		if (kr_pkt_parse(again) != 0 || again->rrcount != pkt->rrcount)
			abort();
		for (uint16_t i = 0; i < pkt->rrcount; ++i) {
			const kr_rrset_t *a = &pkt->rr[i], *b = &again->rr[i];
			const struct kr_rdata *ra = kr_rdataset_first(&a->rrs), *rb = kr_rdataset_first(&b->rrs);
			if (a->type != b->type || a->rclass != b->rclass || a->ttl != b->ttl ||
			    !kr_dname_eq(a->owner, b->owner) ||
			    kr__rdata_cmp(a->type, ra->data, ra->len, rb->data, rb->len) != 0)
				abort();
		}
	}
	kr_arena_delete(arena);
	return 0;
}
