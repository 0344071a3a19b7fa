/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Trust anchors (DS or DNSKEY per name) and negative trust anchors. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
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

/** The number of an algorithm mnemonic (RFC 4034 A.1, RFC 5155, 5702, 6605, 8080), or -1. */
static int alg_number(const char *tok, size_t len)
{
	static const struct { const char *name; int num; } algs[] = {
		{ "RSAMD5", 1 }, { "DH", 2 }, { "DSA", 3 }, { "RSASHA1", 5 }, { "DSA-NSEC3-SHA1", 6 },
		{ "RSASHA1-NSEC3-SHA1", 7 }, { "RSASHA256", 8 }, { "RSASHA512", 10 }, { "ECC-GOST", 12 },
		{ "ECDSAP256SHA256", 13 }, { "ECDSAP384SHA384", 14 }, { "ED25519", 15 }, { "ED448", 16 },
	};
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); ++i)
		if (strlen(algs[i].name) == len && strncasecmp(algs[i].name, tok, len) == 0)
			return algs[i].num;
	return -1;
}

/**
 * Anchors are often written with the algorithm's mnemonic ("DS 30899 RSASHA1 1 ...",
 * "DNSKEY 257 3 RSASHA256 ..."): write the number instead, into out.
 */
static void alg_to_number(const char *line, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", line);
	const char *tok[8];
	size_t len[8], n = 0;
	for (const char *p = line; *p && n < 8;) {
		while (*p == ' ' || *p == '\t')
			++p;
		if (!*p)
			break;
		tok[n] = p;
		while (*p && *p != ' ' && *p != '\t')
			++p;
		len[n] = (size_t)(p - tok[n]);
		++n;
	}
	for (size_t i = 0; i < n; ++i) {
		size_t at = 0;
		if (len[i] == 2 && strncasecmp(tok[i], "DS", 2) == 0)
			at = i + 2;
		else if (len[i] == 6 && strncasecmp(tok[i], "DNSKEY", 6) == 0)
			at = i + 3;
		else
			continue;
		int num = at < n ? alg_number(tok[at], len[at]) : -1;
		if (num >= 0)
			snprintf(out, outlen, "%.*s%d%s", (int)(tok[at] - line), line, num, tok[at] + len[at]);
		return;
	}
}

int validate_ta_add(struct validate *v, const char *line)
{
	kr_rrset_t rr;
	char fixed[4096];
	alg_to_number(line, fixed, sizeof(fixed));
	if (strlen(line) >= sizeof(fixed) || kr_rrset_from_str(&rr, fixed, NULL, 0, NULL) != 0)
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
