/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reply classification: answer, CNAME/DNAME chain, NXDOMAIN, NODATA,
 * referral or lame; and scrubbing of what is not trusted (records outside
 * the zone of the server asked, records unrelated to the question).
 */
#include <string.h>
#include "plugins/iterate/iterate-impl.h"

/** Drop the records of section s whose keep flag is false, keeping the order. */
static void section_compact(kr_pkt_t *pkt, enum kr_section s, const bool *keep)
{
	struct kr_pkt_section *sec = &pkt->sections[s];
	uint16_t w = 0;
	for (uint16_t i = 0; i < sec->count; ++i) {
		if (!keep[i])
			continue;
		if (w != i)
			pkt->rr[sec->pos + w] = pkt->rr[sec->pos + i];
		++w;
	}
	sec->count = w;
}

/** Lower-case the names inside RDATA of the types whose names we follow or show. */
static void rdata_lower(kr_rrset_t *rr)
{
	for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		switch (rr->type) {
		case KR_TYPE_CNAME: case KR_TYPE_DNAME: case KR_TYPE_NS: case KR_TYPE_PTR:
			if (kr_dname_check(rd->data, rd->len) > 0)
				kr_dname_lower(rd->data);
			break;
		case KR_TYPE_SOA: {
			int l1 = kr_dname_check(rd->data, rd->len);
			if (l1 <= 0)
				break;
			int l2 = kr_dname_check(rd->data + l1, rd->len - (uint16_t)l1);
			if (l2 <= 0)
				break;
			kr_dname_lower(rd->data);
			kr_dname_lower(rd->data + l1);
			break;
		}
		default:
			break;
		}
	}
}

/**
 * Undo 0x20 in a kept record: the owner equal to qname takes qname's spelling,
 * other names are lower-cased.
 */
static int fix_case(kr_rrset_t *rr, const uint8_t *qname, kr_mm_t *mm)
{
	if (kr_dname_eq(rr->owner, qname)) {
		uint8_t *o = kr_dname_copy(qname, mm);
		if (!o)
			return -ENOMEM;
		rr->owner = o;
	} else {
		kr_dname_lower(rr->owner);
	}
	rdata_lower(rr);
	return 0;
}

/** The first RDATA item as a name, or NULL when it is not a valid one. */
static const uint8_t *rdata_name(const kr_rrset_t *rr)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (!rd || kr_dname_check(rd->data, rd->len) <= 0)
		return NULL;
	return rd->data;
}

static bool is_negative_proof(uint16_t type)
{
	return type == KR_TYPE_SOA || type == KR_TYPE_NSEC || type == KR_TYPE_NSEC3 || type == KR_TYPE_RRSIG;
}

/** Is there an SOA owned by apex in the authority section? */
static bool soa_at(const kr_pkt_t *pkt, const uint8_t *apex)
{
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_AUTHORITY); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, i);
		if (rr->type == KR_TYPE_SOA && kr_dname_eq(rr->owner, apex))
			return true;
	}
	return false;
}

/**
 * Does a negative answer keep this authority record? The SOA and the proofs,
 * and the zone's own NS set beside its SOA, as the server gave it.
 */
static bool negative_keeps(const kr_pkt_t *pkt, const kr_rrset_t *rr)
{
	return is_negative_proof(rr->type) || (rr->type == KR_TYPE_NS && soa_at(pkt, rr->owner));
}

static const char *rcode_why(uint16_t rcode)
{
	switch (rcode) {
	case KR_RCODE_FORMERR: return "FORMERR";
	case KR_RCODE_SERVFAIL: return "SERVFAIL";
	case KR_RCODE_NOTIMPL: return "NOTIMP";
	case KR_RCODE_REFUSED: return "REFUSED";
	case KR_RCODE_NOTAUTH: return "NOTAUTH";
	default: return "unexpected rcode";
	}
}

/** Walk state over the answer section. */
struct walk {
	const kr_pkt_t *pkt;
	bool *keep;            /* per answer record */
	const uint8_t **names; /* owners along the chain (loop detection) */
	uint16_t links;
	bool data;             /* data of qtype found at the end of the chain */
	bool synth;            /* a DNAME needed a CNAME the server did not give */
	bool overflow;         /* DNAME substitution too long (YXDOMAIN) */
	bool loop;             /* a link led back to a name of the chain */
	const uint8_t *cur;    /* the name reached */
};

/**
 * Follow CNAME and DNAME links from qname within zone.
 * @return 0, -ENOMEM or KR_ELOOP (w->loop: back to a name of the chain, cur
 *         is that name; else longer than ITER_MAX_CHAIN).
 */
static int chain_walk(struct walk *w, const uint8_t *zone, const uint8_t *qname, uint16_t qtype, kr_mm_t *mm)
{
	const kr_pkt_t *pkt = w->pkt;
	uint16_t an = kr_pkt_count(pkt, KR_SECTION_ANSWER);
	w->cur = qname;
	for (;;) {
		if (!kr_dname_in(w->cur, zone))
			return 0;   /* out of the zone: to be asked elsewhere */
		for (uint16_t i = 0; i < an; ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
			if (rr->rclass != KR_CLASS_IN || !kr_dname_eq(rr->owner, w->cur))
				continue;
			if (rr->type == qtype || (qtype == KR_TYPE_ANY && rr->type != KR_TYPE_RRSIG)) {
				w->keep[i] = true;
				w->data = true;
			}
		}
		if (w->data)
			return 0;
		int dname = -1, cname = -1;
		for (uint16_t i = 0; i < an; ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
			if (rr->rclass != KR_CLASS_IN || !rdata_name(rr))
				continue;
			if (rr->type == KR_TYPE_CNAME && cname < 0 && kr_dname_eq(rr->owner, w->cur))
				cname = i;
			/* The deepest DNAME strictly above cur, inside the zone. */
			if (rr->type == KR_TYPE_DNAME && kr_dname_in(w->cur, rr->owner) &&
			    !kr_dname_eq(w->cur, rr->owner) && kr_dname_in(rr->owner, zone) &&
			    (dname < 0 || kr_dname_labels(rr->owner) >
					  kr_dname_labels(kr_pkt_rr(pkt, KR_SECTION_ANSWER, (uint16_t)dname)->owner)))
				dname = i;
		}
		const uint8_t *next;
		if (dname >= 0) {
			const kr_rrset_t *dn = kr_pkt_rr(pkt, KR_SECTION_ANSWER, (uint16_t)dname);
			uint8_t *synth = kr_mm_alloc(mm, KR_DNAME_MAXLEN);
			if (!synth)
				return -ENOMEM;
			w->keep[dname] = true;
			if (kr_dname_subst(synth, w->cur, dn->owner, rdata_name(dn)) < 0) {
				w->overflow = true;
				return 0;
			}
			const kr_rrset_t *cn = cname >= 0 ? kr_pkt_rr(pkt, KR_SECTION_ANSWER, (uint16_t)cname) : NULL;
			if (cn && kr_dname_eq(rdata_name(cn), synth))
				w->keep[cname] = true;   /* the server's CNAME matches the substitution */
			else
				w->synth = true;         /* missing or forged: ours will be used */
			next = synth;
		} else if (cname >= 0) {
			w->keep[cname] = true;
			next = rdata_name(kr_pkt_rr(pkt, KR_SECTION_ANSWER, (uint16_t)cname));
		} else {
			return 0;
		}
		w->names[w->links++] = w->cur;
		w->cur = next;
		for (uint16_t i = 0; i < w->links; ++i)
			if (kr_dname_eq(w->names[i], next))
				w->loop = true;
		if (w->loop || w->links > ITER_MAX_CHAIN)
			return KR_ELOOP;
	}
}

/** Keep the RRSIGs of kept answer records. */
static void keep_sigs(const kr_pkt_t *pkt, bool *keep)
{
	uint16_t an = kr_pkt_count(pkt, KR_SECTION_ANSWER);
	for (uint16_t i = 0; i < an; ++i) {
		const kr_rrset_t *sig = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		const struct kr_rdata *rd = kr_rdataset_first(&sig->rrs);
		if (sig->type != KR_TYPE_RRSIG || !rd || rd->len < 2)
			continue;
		uint16_t covered = (uint16_t)(rd->data[0] << 8 | rd->data[1]);
		for (uint16_t j = 0; j < an && !keep[i]; ++j) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, j);
			if (keep[j] && rr->type == covered && kr_dname_eq(rr->owner, sig->owner))
				keep[i] = true;
		}
	}
}

/** A CNAME owner → target built from a DNAME, with the DNAME's TTL. */
static kr_rrset_t *synth_cname(const uint8_t *owner, const uint8_t *target, uint32_t ttl, kr_mm_t *mm)
{
	kr_rrset_t *rr = kr_mm_alloc(mm, sizeof(*rr));
	uint8_t *o = kr_dname_copy(owner, mm);
	if (!rr || !o)
		return NULL;
	kr_rrset_init(rr, o, KR_TYPE_CNAME, KR_CLASS_IN, ttl);
	if (kr_rrset_add_rdata(rr, target, (uint16_t)kr_dname_size(target), mm) != 0)
		return NULL;
	return rr;
}

/** Is a CNAME owner → target in the answer section? */
static bool has_cname(const kr_pkt_t *pkt, const uint8_t *owner, const uint8_t *target)
{
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		const uint8_t *t = rr->type == KR_TYPE_CNAME ? rdata_name(rr) : NULL;
		if (t && kr_dname_eq(rr->owner, owner) && kr_dname_eq(t, target))
			return true;
	}
	return false;
}

/**
 * The chain's records for the client's answer, in packet order; DNAMEs whose
 * CNAME was missing or wrong are followed by a synthesized one.
 */
static int chain_collect(const kr_pkt_t *pkt, const uint8_t *qname, kr_mm_t *mm, struct iter_result *res)
{
	uint16_t an = kr_pkt_count(pkt, KR_SECTION_ANSWER);
	res->chain = kr_mm_alloc(mm, sizeof(*res->chain) * (2u * an + 1));
	if (!res->chain)
		return -ENOMEM;
	const uint8_t *cur = qname;
	for (uint16_t i = 0; i < an; ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		res->chain[res->chain_len++] = rr;
		if (rr->type == KR_TYPE_CNAME && kr_dname_eq(rr->owner, cur))
			cur = rdata_name(rr);
		if (rr->type != KR_TYPE_DNAME || !kr_dname_in(cur, rr->owner) || kr_dname_eq(cur, rr->owner))
			continue;
		uint8_t synth[KR_DNAME_MAXLEN];
		if (kr_dname_subst(synth, cur, rr->owner, rdata_name(rr)) < 0)
			continue;
		/* The server's CNAME matching the substitution, wherever it stands
		 * (RRSIGs may come between), is taken rather than a synthesized one. */
		if (has_cname(pkt, cur, synth))
			continue;
		kr_rrset_t *cn = synth_cname(cur, synth, rr->ttl, mm);
		if (!cn)
			return -ENOMEM;
		res->chain[res->chain_len++] = cn;
		cur = rdata_name(cn);
	}
	return 0;
}

int iter_classify(kr_pkt_t *pkt, const uint8_t *zone, const uint8_t *qname, uint16_t qtype,
		  bool require_aa, kr_mm_t *mm, struct iter_result *res)
{
	memset(res, 0, sizeof(*res));
	res->rcode = kr_pkt_rcode(pkt);
	if (res->rcode != KR_RCODE_NOERROR && res->rcode != KR_RCODE_NXDOMAIN &&
	    res->rcode != KR_RCODE_YXDOMAIN) {
		res->verdict = ITER_LAME;
		res->why = rcode_why(res->rcode);
		return 0;
	}
	bool aa = kr_pkt_flag(pkt, KR_PKT_AA);
	uint16_t an = kr_pkt_count(pkt, KR_SECTION_ANSWER);
	uint16_t ns = kr_pkt_count(pkt, KR_SECTION_AUTHORITY);
	bool *keep = kr_mm_calloc(mm, (size_t)an + ns + 1);
	const uint8_t **names = kr_mm_alloc(mm, sizeof(*names) * (ITER_MAX_CHAIN + 1));
	if (!keep || !names)
		return -ENOMEM;
	struct walk w = { .pkt = pkt, .keep = keep, .names = names };
	int ret = chain_walk(&w, zone, qname, qtype, mm);
	if (ret == -ENOMEM)
		return ret;
	if (ret == KR_ELOOP && !w.loop) {
		res->verdict = ITER_LAME;
		res->why = "CNAME/DNAME chain too long in one reply";
		return 0;
	}
	if ((w.data || w.links) && !aa && require_aa) {
		res->verdict = ITER_LAME;
		res->why = "answer without AA";
		return 0;
	}

	/* Decide. */
	bool negative = false;
	if (w.loop) {
		res->verdict = ITER_LOOP;    /* RFC 1034 3.6.2: an error, whichever server is asked */
	} else if (w.links && (w.synth || !kr_dname_in(w.cur, zone))) {
		res->verdict = ITER_CNAME;   /* follow the chain elsewhere (or re-ask a synthesized target) */
	} else if (w.data || w.overflow) {
		res->verdict = ITER_ANSWER;
	} else if (w.links) {
		/*
		 * The chain ends in the zone without data. NXDOMAIN speaks of its last
		 * name (RFC 6604): final. A NOERROR reply may be a server that did not
		 * chase the chain (or a NODATA whose proof is for another name): the
		 * target is asked by itself, as a delegated target would be.
		 */
		if (res->rcode == KR_RCODE_NXDOMAIN) {
			res->verdict = ITER_ANSWER;
			negative = true;
		} else {
			res->verdict = ITER_CNAME;
		}
	} else if (res->rcode == KR_RCODE_NXDOMAIN) {
		if (!aa && require_aa) {
			res->verdict = ITER_LAME;
			res->why = "NXDOMAIN without AA";
			return 0;
		}
		res->verdict = ITER_NXDOMAIN;
		negative = true;
	} else if (res->rcode == KR_RCODE_YXDOMAIN) {
		res->verdict = ITER_LAME;
		res->why = "YXDOMAIN without a DNAME";
		return 0;
	} else {
		const char *why = NULL;
		enum iter_verdict v = iter_referral_check(pkt, zone, qname, &res->zone, &why);
		if (v == ITER_REFERRAL) {
			res->verdict = ITER_REFERRAL;
		} else if (aa || (!require_aa && !why)) {
			/* Apex NS in authority with AA is still NODATA; without AA, an empty
			 * reply that refers nowhere is taken as NODATA too (normal mode). */
			res->verdict = ITER_NODATA;
			negative = true;
		} else {
			res->verdict = ITER_LAME;
			res->why = why ? why : "no answer, no AA, no referral";
			return 0;
		}
	}
	if (res->verdict == ITER_CNAME || res->verdict == ITER_LOOP)
		res->target = w.cur;
	res->links = w.links;

	/* Scrub: the answer keeps the chain and the data; the authority keeps in-zone records. */
	keep_sigs(pkt, keep);
	section_compact(pkt, KR_SECTION_ANSWER, keep);
	bool *akeep = keep + an;
	for (uint16_t i = 0; i < ns; ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, i);
		akeep[i] = kr_dname_in(rr->owner, zone) && (!negative || negative_keeps(pkt, rr));
	}
	section_compact(pkt, KR_SECTION_AUTHORITY, akeep);
	for (int s = KR_SECTION_ANSWER; s <= KR_SECTION_AUTHORITY; ++s)
		for (uint16_t i = 0; i < kr_pkt_count(pkt, s); ++i)
			if (fix_case((kr_rrset_t *)kr_pkt_rr(pkt, s, i), qname, mm) != 0)
				return -ENOMEM;
	if (res->verdict == ITER_REFERRAL) {
		/* The owner may have been re-spelled: point at the scrubbed copy. */
		for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_AUTHORITY); ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, i);
			if (rr->type == KR_TYPE_NS && kr_dname_eq(rr->owner, res->zone)) {
				res->zone = rr->owner;
				break;
			}
		}
	}
	if (res->verdict == ITER_CNAME || res->verdict == ITER_LOOP) {
		ret = chain_collect(pkt, qname, mm, res);
		if (ret != 0)
			return ret;
		/* The target may point into a synthesized name buffer or the packet: copy it lower-cased. */
		uint8_t *t = kr_dname_copy(res->target, mm);
		if (!t)
			return -ENOMEM;
		kr_dname_lower(t);
		res->target = t;
	}
	return 0;
}
