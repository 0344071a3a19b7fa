/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Referrals: is a reply a delegation down towards the name, and DNAME substitution. */
#include <string.h>
#include "plugins/iterate/iterate-impl.h"

enum iter_verdict iter_referral_check(const kr_pkt_t *pkt, const uint8_t *zone, const uint8_t *qname,
				      const uint8_t **zone_out, const char **why)
{
	*zone_out = NULL;
	const uint8_t *ns_owner = NULL;
	bool any_ns = false;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_AUTHORITY); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, i);
		if (rr->rclass != KR_CLASS_IN)
			continue;
		if (rr->type == KR_TYPE_SOA)
			return ITER_NODATA;   /* a negative answer, not a delegation */
		if (rr->type != KR_TYPE_NS)
			continue;
		any_ns = true;
		/* The deepest NS owner on the way to qname. */
		if (kr_dname_in(qname, rr->owner) &&
		    (!ns_owner || kr_dname_labels(rr->owner) > kr_dname_labels(ns_owner)))
			ns_owner = rr->owner;
	}
	if (!any_ns)
		return ITER_NODATA;
	if (!ns_owner) {
		*why = "sideways referral (not towards the name asked)";
		return ITER_LAME;
	}
	if (kr_dname_in(zone, ns_owner)) {
		*why = "upward referral (to the zone asked or above)";
		return ITER_LAME;
	}
	if (!kr_dname_in(ns_owner, zone)) {
		*why = "referral out of the zone's bailiwick";
		return ITER_LAME;
	}
	*zone_out = ns_owner;
	return ITER_REFERRAL;
}
