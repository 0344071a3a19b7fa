/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Trust anchors (DS or DNSKEY per name) and negative trust anchors. */
#include <stdlib.h>
#include <string.h>
#include "plugins/validate/validate-impl.h"

static struct validate_ta *ta_get(struct validate *v, const uint8_t *name, bool create)
{
	for (unsigned i = 0; i < v->ta_count; ++i)
		if (kr_dname_eq(v->ta[i].name, name))
			return &v->ta[i];
	if (!create)
		return NULL;
	struct validate_ta *n = realloc(v->ta, sizeof(*n) * (v->ta_count + 1));
	if (!n)
		return NULL;
	v->ta = n;
	struct validate_ta *t = &v->ta[v->ta_count++];
	memset(t, 0, sizeof(*t));
	memcpy(t->name, name, kr_dname_size(name));
	kr_dname_lower(t->name);
	kr_rrset_init(&t->ds, t->name, KR_TYPE_DS, KR_CLASS_IN, 0);
	kr_rrset_init(&t->keys, t->name, KR_TYPE_DNSKEY, KR_CLASS_IN, 0);
	return t;
}

static void ta_fix_owners(struct validate *v)
{
	/* realloc() moves the array: owners point into it. */
	for (unsigned i = 0; i < v->ta_count; ++i) {
		v->ta[i].ds.owner = v->ta[i].name;
		v->ta[i].keys.owner = v->ta[i].name;
	}
}

int validate_ta_add(struct validate *v, const char *line)
{
	kr_rrset_t rr;
	if (kr_rrset_from_str(&rr, line, NULL, 0, NULL) != 0)
		return -EINVAL;
	int ret = -EINVAL;
	if (rr.type == KR_TYPE_DS || rr.type == KR_TYPE_DNSKEY) {
		struct validate_ta *t = ta_get(v, rr.owner, true);
		ta_fix_owners(v);
		const struct kr_rdata *rd = kr_rdataset_first(&rr.rrs);
		if (!t)
			ret = -ENOMEM;
		else
			ret = kr_rrset_add_rdata(rr.type == KR_TYPE_DS ? &t->ds : &t->keys, rd->data, rd->len, NULL);
	}
	kr_rrset_clear(&rr, NULL);
	free(rr.owner);
	return ret;
}

int validate_ta_remove(struct validate *v, const uint8_t *name)
{
	for (unsigned i = 0; i < v->ta_count; ++i) {
		if (!kr_dname_eq(v->ta[i].name, name))
			continue;
		kr_rrset_clear(&v->ta[i].ds, NULL);
		kr_rrset_clear(&v->ta[i].keys, NULL);
		v->ta[i] = v->ta[--v->ta_count];
		ta_fix_owners(v);
		return 0;
	}
	return -ENOENT;
}

int validate_nta_set(struct validate *v, const uint8_t (*names)[KR_DNAME_MAXLEN], unsigned n)
{
	uint8_t (*copy)[KR_DNAME_MAXLEN] = NULL;
	if (n) {
		copy = malloc(sizeof(*copy) * n);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, names, sizeof(*copy) * n);
	}
	free(v->nta);
	v->nta = copy;
	v->nta_count = n;
	return 0;
}

const struct validate_ta *validate_ta_find(const struct validate *v, const uint8_t *name)
{
	const struct validate_ta *best = NULL;
	for (unsigned i = 0; i < v->ta_count; ++i) {
		const struct validate_ta *t = &v->ta[i];
		if ((t->ds.rrs.count || t->keys.rrs.count) && kr_dname_in(name, t->name) &&
		    (!best || kr_dname_labels(t->name) > kr_dname_labels(best->name)))
			best = t;
	}
	return best;
}

bool validate_nta_covers(const struct validate *v, const uint8_t *name)
{
	for (unsigned i = 0; i < v->nta_count; ++i)
		if (kr_dname_in(name, v->nta[i]))
			return true;
	return false;
}

void validate_ta_free(struct validate *v)
{
	while (v->ta_count)
		validate_ta_remove(v, v->ta[0].name);
	free(v->ta);
	free(v->nta);
	v->ta = NULL;
	v->nta = NULL;
	v->nta_count = 0;
}
