/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * QNAME minimisation (RFC 9156): ask each zone only for the next label below
 * it, with type NS (RFC 9156 2.1 allows A, AAAA or NS; NS, as RFC 7816 and
 * Knot Resolver do, answers with the zone cut itself where parent and child
 * share servers), until the full name is reached. The first
 * ITER_MINIMISE_ONE_LAB steps add one label each; after that the remaining
 * labels are spread so that at most ITER_MINIMISE_MAX steps are made (long
 * names such as ip6.arpa ones would cost too many queries otherwise).
 */
#include "plugins/iterate/iterate-impl.h"

const uint8_t *iter_name_suffix(const uint8_t *name, int labels)
{
	int skip = kr_dname_labels(name) - labels;
	while (skip-- > 0 && *name)
		name += *name + 1;
	return name;
}

const uint8_t *iter_minimise_next(const struct iter_min *m, const uint8_t *sname, uint16_t stype,
				  const uint8_t *zone, uint16_t *qtype)
{
	*qtype = stype;
	int total = kr_dname_labels(sname);
	/* DS lives in the parent: minimise down to the parent of sname only. */
	int target = stype == KR_TYPE_DS ? total - 1 : total;
	int known = kr_dname_labels(zone);
	if (m->known_labels > known)
		known = m->known_labels;
	if (m->off || known >= target || m->steps >= ITER_MINIMISE_MAX)
		return sname;
	int step = 1;
	if (m->steps >= ITER_MINIMISE_ONE_LAB) {
		int left = ITER_MINIMISE_MAX - m->steps;
		step = (target - known + left - 1) / left;
		if (step < 1)
			step = 1;
	}
	int ask = known + step;
	if (ask >= total)
		return sname;
	*qtype = KR_TYPE_NS;
	return iter_name_suffix(sname, ask);
}
