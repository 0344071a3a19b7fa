/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * DNSSEC primitives (RFC 4034, 4035, 5155, 6840): key tags, the canonical
 * signed data of an RR set, RRSIG checks, DS digests, NSEC bitmaps and
 * NSEC3 hashes. No state: the layer decides what to check with what.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/validate/validate-impl.h"
#include "core/wire/wire-impl.h"

uint16_t validate_keytag(const uint8_t *rd, size_t len)
{
	uint32_t ac = 0;
	for (size_t i = 0; i < len; ++i)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

bool validate_time_ok(uint32_t now, uint32_t inception, uint32_t expiration)
{
	/* RFC 1982 serial arithmetic: inception <= now <= expiration. */
	return (int32_t)(now - inception) >= 0 && (int32_t)(expiration - now) >= 0;
}

int validate_rrsig_parse(const struct kr_rdata *rd, struct validate_rrsig *s)
{
	if (rd->len < 18 + 1)
		return -EBADMSG;
	const uint8_t *p = rd->data;
	s->covered = (uint16_t)(p[0] << 8 | p[1]);
	s->alg = p[2];
	s->labels = p[3];
	s->orig_ttl = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	s->expiration = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	s->inception = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15];
	s->keytag = (uint16_t)(p[16] << 8 | p[17]);
	int nlen = kr_dname_check(p + 18, rd->len - 18u);
	if (nlen <= 0)
		return -EBADMSG;
	s->signer = p + 18;
	s->sig = p + 18 + nlen;
	s->siglen = rd->len - 18u - (size_t)nlen;
	s->head_len = 18u + (size_t)nlen;
	return s->siglen ? 0 : -EBADMSG;
}

/** Is name a wildcard expansion per the RRSIG labels? Write the owner to sign into out. */
static int signed_owner(const uint8_t *owner, uint8_t labels, uint8_t *out)
{
	int n = kr_dname_labels(owner);
	if (labels > n)
		return -EBADMSG;
	const uint8_t *p = owner;
	for (int i = labels; i < n; ++i)
		p += *p + 1;
	size_t len = kr_dname_size(p);
	size_t off = 0;
	if (labels < n) {
		out[0] = 1;
		out[1] = '*';
		off = 2;
	}
	if (off + len > KR_DNAME_MAXLEN)
		return -EBADMSG;
	memcpy(out + off, p, len);
	kr_dname_lower(out);
	return (int)(off + len);
}

struct canon_rd { const uint8_t *data; uint16_t len; uint16_t type; };

static int canon_cmp(const void *a, const void *b)
{
	const struct canon_rd *x = a, *y = b;
	return kr__rdata_cmp(x->type, x->data, x->len, y->data, y->len);
}

int validate_signed_data(const kr_rrset_t *rr, const struct kr_rdata *sigrd,
			 const struct validate_rrsig *s, kr_mm_t *mm, uint8_t **out, size_t *outlen)
{
	uint8_t owner[KR_DNAME_MAXLEN + 2];
	int olen = signed_owner(rr->owner, s->labels, owner);
	if (olen < 0)
		return olen;
	uint16_t n = rr->rrs.count;
	struct canon_rd *v = kr_mm_alloc(mm, sizeof(*v) * (n ? n : 1));
	if (!v)
		return -ENOMEM;
	size_t total = s->head_len;
	uint16_t i = 0;
	for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		/* a canonical (lower-cased) copy */
		uint8_t *c = kr_mm_memdup(mm, rd->data, rd->len ? rd->len : 1);
		if (!c)
			return -ENOMEM;
		if (kr__rdata_lower(rr->type, c, rd->len) != 0)
			return -EBADMSG;
		v[i++] = (struct canon_rd){ .data = c, .len = rd->len, .type = rr->type };
		total += (size_t)olen + 10 + rd->len;
	}
	qsort(v, n, sizeof(*v), canon_cmp);
	uint8_t *buf = kr_mm_alloc(mm, total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, sigrd->data, s->head_len);
	kr_dname_lower(buf + 18);
	size_t pos = s->head_len;
	for (i = 0; i < n; ++i) {
		if (i > 0 && v[i].len == v[i - 1].len && memcmp(v[i].data, v[i - 1].data, v[i].len) == 0)
			continue;   /* duplicates are dropped (RFC 4034 6.3) */
		memcpy(buf + pos, owner, (size_t)olen);
		pos += (size_t)olen;
		uint8_t *h = buf + pos;
		h[0] = (uint8_t)(rr->type >> 8); h[1] = (uint8_t)rr->type;
		h[2] = (uint8_t)(rr->rclass >> 8); h[3] = (uint8_t)rr->rclass;
		h[4] = (uint8_t)(s->orig_ttl >> 24); h[5] = (uint8_t)(s->orig_ttl >> 16);
		h[6] = (uint8_t)(s->orig_ttl >> 8); h[7] = (uint8_t)s->orig_ttl;
		h[8] = (uint8_t)(v[i].len >> 8); h[9] = (uint8_t)v[i].len;
		pos += 10;
		memcpy(buf + pos, v[i].data, v[i].len);
		pos += v[i].len;
	}
	*out = buf;
	*outlen = pos;
	return 0;
}

int validate_rrsig_one(const kr_rrset_t *rr, const struct kr_rdata *sigrd, const kr_rrset_t *keys,
		       uint32_t now, kr_mm_t *mm)
{
	struct validate_rrsig s;
	if (validate_rrsig_parse(sigrd, &s) != 0 || s.covered != rr->type)
		return -EBADMSG;
	if (!kr_dname_eq(s.signer, keys->owner) || !kr_dname_in(rr->owner, s.signer))
		return -EBADMSG;
	if (!validate_crypto_alg_supported(s.alg))
		return -ENOTSUP;
	if (!validate_time_ok(now, s.inception, s.expiration))
		return -EBADMSG;
	uint8_t *data = NULL;
	size_t dlen = 0;
	bool built = false;
	int best = -EBADMSG;
	for (const struct kr_rdata *k = kr_rdataset_first(&keys->rrs); k; k = kr_rdataset_next(&keys->rrs, k)) {
		if (k->len < 5 || k->data[3] != s.alg || k->data[2] != 3)
			continue;
		uint16_t flags = (uint16_t)(k->data[0] << 8 | k->data[1]);
		if (!(flags & VALIDATE_DNSKEY_ZONE) || (flags & VALIDATE_DNSKEY_REVOKE))
			continue;
		if (validate_keytag(k->data, k->len) != s.keytag)
			continue;
		if (!built) {
			int ret = validate_signed_data(rr, sigrd, &s, mm, &data, &dlen);
			if (ret != 0)
				return ret;
			built = true;
		}
		int ret = validate_crypto_verify(s.alg, k->data + 4, k->len - 4u, data, dlen, s.sig, s.siglen);
		if (ret == 0)
			return 0;
		if (ret == -ENOMEM)
			best = ret;
	}
	return best;
}

int validate_rrset(const kr_rrset_t *rr, const kr_rrset_t *sigs, const kr_rrset_t *keys,
		   uint32_t now, kr_mm_t *mm)
{
	if (!sigs || sigs->rrs.count == 0)
		return -ENOENT;
	bool any_supported = false;
	for (const struct kr_rdata *rd = kr_rdataset_first(&sigs->rrs); rd; rd = kr_rdataset_next(&sigs->rrs, rd)) {
		int ret = validate_rrsig_one(rr, rd, keys, now, mm);
		if (ret == 0)
			return 0;
		if (ret != -ENOTSUP)
			any_supported = true;
	}
	return any_supported ? -EBADMSG : -ENOTSUP;
}

int validate_ds_match(const uint8_t *owner, const struct kr_rdata *key, const struct kr_rdata *ds)
{
	if (ds->len < 5 || key->len < 4)
		return -EBADMSG;
	uint16_t tag = (uint16_t)(ds->data[0] << 8 | ds->data[1]);
	if (tag != validate_keytag(key->data, key->len) || ds->data[2] != key->data[3])
		return -EBADMSG;
	size_t olen = kr_dname_size(owner);
	uint8_t *b = malloc(olen + key->len);
	if (!b)
		return -ENOMEM;
	memcpy(b, owner, olen);
	kr_dname_lower(b);
	memcpy(b + olen, key->data, key->len);
	uint8_t dig[64];
	int dlen = validate_crypto_digest(ds->data[3], b, olen + key->len, dig, sizeof(dig));
	free(b);
	if (dlen < 0)
		return dlen;
	if ((size_t)dlen != ds->len - 4u || memcmp(dig, ds->data + 4, (size_t)dlen) != 0)
		return -EBADMSG;
	return 0;
}

bool validate_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	uint8_t win = (uint8_t)(type >> 8), bit = (uint8_t)(type & 0xff);
	size_t pos = 0;
	while (pos + 2 <= len) {
		uint8_t w = bm[pos], blen = bm[pos + 1];
		if (blen == 0 || blen > 32 || pos + 2 + blen > len)
			return false;
		if (w == win)
			return (size_t)(bit / 8) < blen && (bm[pos + 2 + bit / 8] & (0x80 >> (bit % 8)));
		pos += 2u + blen;
	}
	return false;
}

int validate_nsec3_hash(const uint8_t *name, const uint8_t *salt, uint8_t saltlen, uint16_t iters,
			uint8_t out[20])
{
	uint8_t lower[KR_DNAME_MAXLEN];
	size_t len = kr_dname_size(name);
	memcpy(lower, name, len);
	kr_dname_lower(lower);
	int ret = validate_crypto_sha1(lower, len, salt, saltlen, out);
	for (uint16_t i = 0; ret == 0 && i < iters; ++i) {
		uint8_t tmp[20];
		memcpy(tmp, out, 20);
		ret = validate_crypto_sha1(tmp, 20, salt, saltlen, out);
	}
	return ret;
}
