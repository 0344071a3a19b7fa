/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Authenticated denial of existence: what verified NSEC (RFC 4035 5.4,
 * RFC 6840 4) and NSEC3 (RFC 5155 8) records prove about a name.
 * The records handed in must already be verified; this file only reasons.
 */
#include <string.h>
#include "plugins/validate/validate-impl.h"

#define NSEC3_HASH_SHA1 1
#define NSEC3_FLAG_OPTOUT 1
#define NSEC3_HASH_LEN 20

/* --- names --- */

/** The rightmost `labels` labels of name (a pointer into it). */
static const uint8_t *suffix(const uint8_t *name, int labels)
{
	for (int n = kr_dname_labels(name); n > labels; --n)
		name += *name + 1;
	return name;
}

/** Number of rightmost labels a and b share (case-insensitive). */
static int common_labels(const uint8_t *a, const uint8_t *b)
{
	int la = kr_dname_labels(a), lb = kr_dname_labels(b);
	int n = la < lb ? la : lb;
	a = suffix(a, n);
	b = suffix(b, n);
	while (n > 0 && !kr_dname_eq(a, b)) {
		a += *a + 1;
		b += *b + 1;
		--n;
	}
	return n;
}

/* --- NSEC --- */

struct nsec {
	const uint8_t *owner, *next, *bitmap;
	size_t bitmap_len;
};

static bool nsec_parse(const kr_rrset_t *rr, struct nsec *out)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	int nl = rd ? kr_dname_check(rd->data, rd->len) : -1;
	if (nl <= 0)
		return false;
	out->owner = rr->owner;
	out->next = rd->data;
	out->bitmap = rd->data + nl;
	out->bitmap_len = rd->len - (size_t)nl;
	return true;
}

static bool nsec_has(const struct nsec *n, uint16_t type)
{
	return validate_bitmap_has(n->bitmap, n->bitmap_len, type);
}

/**
 * Does n prove that name does not exist? owner < name < next in canonical
 * order (the last NSEC of a zone wraps to the apex). An NSEC at a delegation
 * point or a DNAME proves nothing about names below it (RFC 6840 4.1).
 */
static bool nsec_covers(const struct nsec *n, const uint8_t *name, const uint8_t *zone)
{
	if (!kr_dname_in(name, zone))
		return false;
	int on = kr_dname_cmp(n->owner, n->next);
	int a = kr_dname_cmp(n->owner, name), b = kr_dname_cmp(name, n->next);
	bool covered = on < 0 ? (a < 0 && b < 0) : (a < 0 || b < 0);
	if (!covered)
		return false;
	if (kr_dname_in(name, n->owner) &&
	    (nsec_has(n, KR_TYPE_DNAME) || (nsec_has(n, KR_TYPE_NS) && !nsec_has(n, KR_TYPE_SOA))))
		return false;
	return true;
}

/** Does n (owned by the name asked) say the type is absent, from the right side of a cut? */
static bool nsec_type_absent(const struct nsec *n, uint16_t type)
{
	if (nsec_has(n, type) || nsec_has(n, KR_TYPE_CNAME))
		return false;
	if (type == KR_TYPE_DS)
		return !nsec_has(n, KR_TYPE_SOA);   /* the parent's NSEC, not the child apex's */
	/* The parent side of a delegation says nothing about the child's data. */
	return !(nsec_has(n, KR_TYPE_NS) && !nsec_has(n, KR_TYPE_SOA));
}

static const struct nsec *nsec_find(const struct validate_denial_ctx *d, struct nsec *buf,
				    const uint8_t *name, bool covering)
{
	for (unsigned i = 0; i < d->nsec_count; ++i) {
		if (!nsec_parse(d->nsec[i], buf))
			continue;
		if (covering ? nsec_covers(buf, name, d->zone) : kr_dname_eq(buf->owner, name))
			return buf;
	}
	return NULL;
}

/** The closest encloser of a name that n covers (RFC 4035 5.4). */
static const uint8_t *nsec_closest_encloser(const struct nsec *n, const uint8_t *name)
{
	int a = common_labels(name, n->owner), b = common_labels(name, n->next);
	return suffix(name, a > b ? a : b);
}

static enum validate_denial nsec_deny_name(const struct validate_denial_ctx *d, const uint8_t *name)
{
	struct nsec c, w;
	if (!nsec_find(d, &c, name, true))
		return VALIDATE_DENIAL_MISSING;
	uint8_t wc[KR_DNAME_MAXLEN];
	const uint8_t *ce = nsec_closest_encloser(&c, name);
	if (!kr_dname_in(ce, d->zone) || kr_dname_wildcard(wc, ce) < 0)
		return VALIDATE_DENIAL_MISSING;
	return nsec_find(d, &w, wc, true) ? VALIDATE_DENIAL_PROVEN : VALIDATE_DENIAL_MISSING;
}

static enum validate_denial nsec_deny_type(const struct validate_denial_ctx *d, const uint8_t *name,
					   uint16_t type)
{
	struct nsec n, w;
	if (nsec_find(d, &n, name, false))
		return nsec_type_absent(&n, type) ? VALIDATE_DENIAL_PROVEN : VALIDATE_DENIAL_MISSING;
	if (!nsec_find(d, &n, name, true))
		return VALIDATE_DENIAL_MISSING;
	/* An empty non-terminal: the next name lies below it. */
	if (kr_dname_in(n.next, name) && !kr_dname_eq(n.next, name))
		return VALIDATE_DENIAL_PROVEN;
	if (type == KR_TYPE_DS)
		return VALIDATE_DENIAL_MISSING;
	/* No name, but a wildcard at the closest encloser without the type. */
	uint8_t wc[KR_DNAME_MAXLEN];
	const uint8_t *ce = nsec_closest_encloser(&n, name);
	if (!kr_dname_in(ce, d->zone) || kr_dname_wildcard(wc, ce) < 0 || !nsec_find(d, &w, wc, false))
		return VALIDATE_DENIAL_MISSING;
	return nsec_type_absent(&w, type) ? VALIDATE_DENIAL_PROVEN : VALIDATE_DENIAL_MISSING;
}

static enum validate_denial nsec_deny_expansion(const struct validate_denial_ctx *d, const uint8_t *name,
						int labels)
{
	struct nsec n;
	if (!nsec_find(d, &n, name, true))
		return VALIDATE_DENIAL_MISSING;
	/* The wildcard used must be the one at the closest encloser. */
	const uint8_t *ce = nsec_closest_encloser(&n, name);
	return kr_dname_labels(ce) == labels ? VALIDATE_DENIAL_PROVEN : VALIDATE_DENIAL_MISSING;
}

/* --- NSEC3 --- */

struct nsec3 {
	uint8_t owner_hash[NSEC3_HASH_LEN];
	const uint8_t *next_hash, *bitmap, *salt;
	size_t bitmap_len;
	uint8_t alg, flags, salt_len;
	uint16_t iters;
};

/** Decode a 32-character base32hex label into 20 bytes. */
static bool base32hex_decode(const uint8_t *label, uint8_t out[NSEC3_HASH_LEN])
{
	if (label[0] != 32)
		return false;
	unsigned acc = 0, bits = 0, k = 0;
	for (int i = 1; i <= 32; ++i) {
		int c = label[i] | 0x20, v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else
			return false;
		acc = ((acc << 5) | (unsigned)v) & 0xfff;   /* at most 12 bits pending */
		bits += 5;
		if (bits >= 8) {
			out[k++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return k == NSEC3_HASH_LEN;
}

/** Parse an NSEC3 RR set of zone (owner = hash label + zone). */
static bool nsec3_parse(const kr_rrset_t *rr, const uint8_t *zone, struct nsec3 *out)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (!rd || rd->len < 5 || !base32hex_decode(rr->owner, out->owner_hash) ||
	    !kr_dname_eq(rr->owner + rr->owner[0] + 1, zone))
		return false;
	const uint8_t *p = rd->data;
	out->alg = p[0];
	out->flags = p[1];
	out->iters = (uint16_t)(p[2] << 8 | p[3]);
	out->salt_len = p[4];
	out->salt = p + 5;
	size_t pos = 5u + out->salt_len;
	if (pos + 1 > rd->len || p[pos] != NSEC3_HASH_LEN || pos + 1 + NSEC3_HASH_LEN > rd->len)
		return false;
	out->next_hash = p + pos + 1;
	pos += 1 + NSEC3_HASH_LEN;
	out->bitmap = p + pos;
	out->bitmap_len = rd->len - pos;
	return true;
}

static bool same_params(const struct nsec3 *a, const struct nsec3 *b)
{
	return a->alg == b->alg && a->iters == b->iters && a->salt_len == b->salt_len &&
	       memcmp(a->salt, b->salt, a->salt_len) == 0;
}

/** The NSEC3 records of the zone that share the first one's parameters. */
struct nsec3_set {
	struct nsec3 r[VALIDATE_DENIAL_MAX];
	unsigned n;
};

static enum validate_denial nsec3_collect(const struct validate_denial_ctx *d, struct nsec3_set *s)
{
	s->n = 0;
	for (unsigned i = 0; i < d->nsec3_count; ++i) {
		struct nsec3 x;
		if (!nsec3_parse(d->nsec3[i], d->zone, &x) || (s->n && !same_params(&s->r[0], &x)))
			continue;
		s->r[s->n++] = x;
	}
	if (s->n == 0)
		return VALIDATE_DENIAL_MISSING;
	if (s->r[0].alg != NSEC3_HASH_SHA1 || s->r[0].iters > VALIDATE_NSEC3_MAX_ITER)
		return VALIDATE_DENIAL_UNSUPPORTED;   /* RFC 5155 8.1, RFC 9276 */
	return VALIDATE_DENIAL_PROVEN;
}

static bool nsec3_hash_of(const struct nsec3_set *s, const uint8_t *name, uint8_t h[NSEC3_HASH_LEN])
{
	return validate_nsec3_hash(name, s->r[0].salt, s->r[0].salt_len, s->r[0].iters, h) == 0;
}

static const struct nsec3 *nsec3_match(const struct nsec3_set *s, const uint8_t *h)
{
	for (unsigned i = 0; i < s->n; ++i)
		if (memcmp(s->r[i].owner_hash, h, NSEC3_HASH_LEN) == 0)
			return &s->r[i];
	return NULL;
}

static const struct nsec3 *nsec3_cover(const struct nsec3_set *s, const uint8_t *h)
{
	for (unsigned i = 0; i < s->n; ++i) {
		const struct nsec3 *x = &s->r[i];
		int a = memcmp(x->owner_hash, h, NSEC3_HASH_LEN), b = memcmp(h, x->next_hash, NSEC3_HASH_LEN);
		bool wraps = memcmp(x->owner_hash, x->next_hash, NSEC3_HASH_LEN) >= 0;
		if (wraps ? (a < 0 || b < 0) : (a < 0 && b < 0))
			return x;
	}
	return NULL;
}

static bool nsec3_type_absent(const struct nsec3 *x, uint16_t type)
{
	bool has_ns = validate_bitmap_has(x->bitmap, x->bitmap_len, KR_TYPE_NS);
	bool has_soa = validate_bitmap_has(x->bitmap, x->bitmap_len, KR_TYPE_SOA);
	if (validate_bitmap_has(x->bitmap, x->bitmap_len, type) ||
	    validate_bitmap_has(x->bitmap, x->bitmap_len, KR_TYPE_CNAME))
		return false;
	if (type == KR_TYPE_DS)
		return !has_soa;
	return !has_ns || has_soa;
}

/**
 * The closest encloser proof (RFC 5155 8.3): ce matched, the next closer name
 * covered. @return false when there is none (or the name itself exists).
 */
static bool nsec3_closest_encloser(const struct nsec3_set *s, const uint8_t *zone, const uint8_t *name,
				   const uint8_t **ce, const struct nsec3 **nc_cover)
{
	uint8_t h[NSEC3_HASH_LEN];
	const uint8_t *next_closer = NULL;
	for (const uint8_t *cand = name; cand && kr_dname_in(cand, zone); cand = kr_dname_parent(cand)) {
		if (!nsec3_hash_of(s, cand, h))
			return false;
		const struct nsec3 *m = nsec3_match(s, h);
		if (m) {
			if (!next_closer || !nsec3_hash_of(s, next_closer, h))
				return false;
			/* A delegation or a DNAME hides what lies below it (RFC 5155 8.3, RFC 6672 5.3.4.1). */
			bool ns = validate_bitmap_has(m->bitmap, m->bitmap_len, KR_TYPE_NS);
			if (validate_bitmap_has(m->bitmap, m->bitmap_len, KR_TYPE_DNAME) ||
			    (ns && !validate_bitmap_has(m->bitmap, m->bitmap_len, KR_TYPE_SOA)))
				return false;
			*ce = cand;
			*nc_cover = nsec3_cover(s, h);
			return *nc_cover != NULL;
		}
		next_closer = cand;
	}
	return false;
}

static enum validate_denial nsec3_deny_name(const struct validate_denial_ctx *d, const uint8_t *name)
{
	struct nsec3_set s;
	enum validate_denial st = nsec3_collect(d, &s);
	if (st != VALIDATE_DENIAL_PROVEN)
		return st;
	const uint8_t *ce;
	const struct nsec3 *cover;
	uint8_t wc[KR_DNAME_MAXLEN], h[NSEC3_HASH_LEN];
	if (!nsec3_closest_encloser(&s, d->zone, name, &ce, &cover) || kr_dname_wildcard(wc, ce) < 0 ||
	    !nsec3_hash_of(&s, wc, h) || !nsec3_cover(&s, h))
		return VALIDATE_DENIAL_MISSING;
	return (cover->flags & NSEC3_FLAG_OPTOUT) ? VALIDATE_DENIAL_OPTOUT : VALIDATE_DENIAL_PROVEN;
}

static enum validate_denial nsec3_deny_type(const struct validate_denial_ctx *d, const uint8_t *name,
					    uint16_t type)
{
	struct nsec3_set s;
	enum validate_denial st = nsec3_collect(d, &s);
	if (st != VALIDATE_DENIAL_PROVEN)
		return st;
	uint8_t h[NSEC3_HASH_LEN];
	if (!nsec3_hash_of(&s, name, h))
		return VALIDATE_DENIAL_MISSING;
	const struct nsec3 *x = nsec3_match(&s, h);
	if (x)
		return nsec3_type_absent(x, type) ? VALIDATE_DENIAL_PROVEN : VALIDATE_DENIAL_MISSING;
	const uint8_t *ce;
	const struct nsec3 *cover;
	if (!nsec3_closest_encloser(&s, d->zone, name, &ce, &cover))
		return VALIDATE_DENIAL_MISSING;
	/* RFC 5155 8.6: in an opt-out span the name may be an unsigned delegation (insecure). */
	if (cover->flags & NSEC3_FLAG_OPTOUT)
		return VALIDATE_DENIAL_OPTOUT;
	if (type == KR_TYPE_DS)
		return VALIDATE_DENIAL_MISSING;
	/* RFC 5155 8.7: no name, and the wildcard at the closest encloser lacks the type. */
	uint8_t wc[KR_DNAME_MAXLEN];
	if (kr_dname_wildcard(wc, ce) < 0 || !nsec3_hash_of(&s, wc, h) || !(x = nsec3_match(&s, h)))
		return VALIDATE_DENIAL_MISSING;
	return nsec3_type_absent(x, type) ? VALIDATE_DENIAL_PROVEN : VALIDATE_DENIAL_MISSING;
}

static enum validate_denial nsec3_deny_expansion(const struct validate_denial_ctx *d, const uint8_t *name,
						 int labels)
{
	struct nsec3_set s;
	enum validate_denial st = nsec3_collect(d, &s);
	if (st != VALIDATE_DENIAL_PROVEN)
		return st;
	/* RFC 5155 8.8: the next closer name (one label below the wildcard's parent) is covered. */
	uint8_t h[NSEC3_HASH_LEN];
	if (kr_dname_labels(name) <= labels || !nsec3_hash_of(&s, suffix(name, labels + 1), h))
		return VALIDATE_DENIAL_MISSING;
	const struct nsec3 *cover = nsec3_cover(&s, h);
	if (!cover)
		return VALIDATE_DENIAL_MISSING;
	/* In an opt-out span an unsigned delegation may hold the name (RFC 5155 9.2): insecure. */
	return (cover->flags & NSEC3_FLAG_OPTOUT) ? VALIDATE_DENIAL_OPTOUT : VALIDATE_DENIAL_PROVEN;
}

/* --- the interface: NSEC when present, else NSEC3 --- */

enum validate_denial validate_deny_name(const struct validate_denial_ctx *d, const uint8_t *name)
{
	return d->nsec_count ? nsec_deny_name(d, name) : nsec3_deny_name(d, name);
}

enum validate_denial validate_deny_type(const struct validate_denial_ctx *d, const uint8_t *name,
					uint16_t type)
{
	return d->nsec_count ? nsec_deny_type(d, name, type) : nsec3_deny_type(d, name, type);
}

enum validate_denial validate_deny_expansion(const struct validate_denial_ctx *d, const uint8_t *name,
					     int labels)
{
	return d->nsec_count ? nsec_deny_expansion(d, name, labels) : nsec3_deny_expansion(d, name, labels);
}

bool validate_denial_delegation(const struct validate_denial_ctx *d, const uint8_t *name)
{
	if (d->nsec_count) {
		struct nsec n;
		return nsec_find(d, &n, name, false) && nsec_has(&n, KR_TYPE_NS);
	}
	struct nsec3_set s;
	uint8_t h[NSEC3_HASH_LEN];
	if (nsec3_collect(d, &s) != VALIDATE_DENIAL_PROVEN || !nsec3_hash_of(&s, name, h))
		return true;   /* unusable proof: judged insecure anyway */
	const struct nsec3 *x = nsec3_match(&s, h);
	/* No record of its own: a name in an opt-out span, possibly an unsigned delegation. */
	return !x || validate_bitmap_has(x->bitmap, x->bitmap_len, KR_TYPE_NS);
}

/* --- for other plugins (kr_validate_api): cached records, already validated --- */

int validate_nsec3_hash_rdata(const uint8_t *name, const uint8_t *nsec3, size_t len, uint8_t out[20])
{
	if (!name || !nsec3 || !out || len < 5 || len < 5u + nsec3[4])
		return -EINVAL;
	uint16_t iters = (uint16_t)(nsec3[2] << 8 | nsec3[3]);
	if (nsec3[0] != 1 || iters > VALIDATE_NSEC3_MAX_ITER)
		return -ENOTSUP;   /* RFC 5155 8.1, RFC 9276 */
	return validate_nsec3_hash(name, nsec3 + 5, nsec3[4], iters, out) == 0 ? 0 : -ENOTSUP;
}

int validate_denial_check(const uint8_t *zone, const kr_rrset_t *const *sets, unsigned count,
			  enum kr_denial_claim claim, const uint8_t *name, uint16_t type, int labels)
{
	if (!zone || !name || (!sets && count))
		return -EINVAL;
	struct validate_denial_ctx d = { .zone = zone };
	for (unsigned i = 0; i < count; ++i) {
		if (sets[i]->type == KR_TYPE_NSEC && d.nsec_count < VALIDATE_DENIAL_MAX)
			d.nsec[d.nsec_count++] = sets[i];
		else if (sets[i]->type == KR_TYPE_NSEC3 && d.nsec3_count < VALIDATE_DENIAL_MAX)
			d.nsec3[d.nsec3_count++] = sets[i];
	}
	enum validate_denial e;
	switch (claim) {
	case KR_DENY_NAME: e = validate_deny_name(&d, name); break;
	case KR_DENY_TYPE: e = validate_deny_type(&d, name, type); break;
	case KR_DENY_EXPANSION: e = validate_deny_expansion(&d, name, labels); break;
	default: return -EINVAL;
	}
	return e == VALIDATE_DENIAL_PROVEN ? 0 : e == VALIDATE_DENIAL_MISSING ? -ENOENT : -EOPNOTSUPP;
}
