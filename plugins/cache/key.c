/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cache keys: a name's labels reversed and lower-cased, so a subtree is one B-tree range. */
#include <string.h>
#include "plugins/cache/cache-impl.h"

int cache_key_name(uint8_t *dst, const uint8_t *name)
{
	const uint8_t *labels[KR_DNAME_MAXLABELS + 1];
	int n = 0;
	for (const uint8_t *p = name; *p && n <= KR_DNAME_MAXLABELS; p += *p + 1)
		labels[n++] = p;
	uint8_t *out = dst;
	while (n-- > 0) {
		const uint8_t *src = labels[n] + 1, *end = src + labels[n][0];
		while (src < end) {
			uint8_t c = *src++;
			if (__builtin_expect(c <= 1, 0)) {
				*out++ = 1;
				*out++ = (uint8_t)(c + 1);
			} else {
				*out++ = (uint8_t)((unsigned)(c - 'A') < 26u ? c | 0x20 : c);
			}
		}
		*out++ = 0;
	}
	return (int)(out - dst);
}

int cache_key_make(uint8_t *dst, const uint8_t *name, uint16_t type, uint8_t kind)
{
	int len = cache_key_name(dst, name);
	dst[len++] = 0;
	dst[len++] = (uint8_t)(type >> 8);
	dst[len++] = (uint8_t)type;
	dst[len++] = kind;
	return len;
}

uint16_t cache_key_type(const uint8_t *key, size_t len)
{
	return len < 4 ? 0 : (uint16_t)(key[len - 3] << 8 | key[len - 2]);
}

int cache_key_parse(const uint8_t *key, size_t len, uint8_t *name, uint16_t *type, uint8_t *kind)
{
	/* Labels as they are in the key (root first), then reversed into name. */
	uint8_t tmp[KR_DNAME_MAXLEN];
	uint8_t starts[KR_DNAME_MAXLABELS + 1];
	size_t t = 0, i = 0;
	int n = 0;
	if (len < 4)
		return KR_EMALF;
	size_t end = len - 4;   /* the separator 0x00, type, kind */
	if (key[end] != 0)
		return KR_EMALF;
	while (i < end) {
		if (n > KR_DNAME_MAXLABELS || t + 1 >= sizeof(tmp))
			return KR_EMALF;
		starts[n++] = (uint8_t)t;
		size_t lpos = t++;
		while (i < end && key[i] != 0) {
			uint8_t c = key[i++];
			if (c == 1) {
				if (i >= end || key[i] < 1 || key[i] > 2)
					return KR_EMALF;
				c = (uint8_t)(key[i++] - 1);
			}
			if (t >= sizeof(tmp) - 1)
				return KR_EMALF;
			tmp[t++] = c;
		}
		if (i >= end)
			return KR_EMALF;   /* a label must end with 0x00 */
		++i;
		size_t llen = t - lpos - 1;
		if (llen == 0 || llen > KR_DNAME_MAXLABELLEN)
			return KR_EMALF;
		tmp[lpos] = (uint8_t)llen;
	}
	if (t + 1 > KR_DNAME_MAXLEN)
		return KR_EMALF;
	size_t w = 0;
	while (n-- > 0) {
		uint8_t l = tmp[starts[n]];
		memcpy(name + w, tmp + starts[n], (size_t)l + 1);
		w += (size_t)l + 1;
	}
	name[w] = 0;
	*type = (uint16_t)(key[end + 1] << 8 | key[end + 2]);
	*kind = key[end + 3];
	return 0;
}

int cache_key_aggr_zone(uint8_t *dst, uint8_t tag, const uint8_t *zone)
{
	dst[0] = tag;
	int len = 1 + cache_key_name(dst + 1, zone);
	dst[len++] = 0;
	return len;
}

int cache_key_nsec(uint8_t *dst, const uint8_t *zone, const uint8_t *owner)
{
	if (!kr_dname_in(owner, zone))
		return -EINVAL;
	/* The owner's encoding starts with the zone's: keep only what follows. */
	uint8_t tmp[CACHE_KEY_MAX];
	int zlen = cache_key_name(tmp, zone);
	int olen = cache_key_name(tmp, owner);
	int len = cache_key_aggr_zone(dst, CACHE_TAG_NSEC, zone);
	memcpy(dst + len, tmp + zlen, (size_t)(olen - zlen));
	return len + olen - zlen;
}

int cache_key_nsec3(uint8_t *dst, const uint8_t *zone, const uint8_t *nsec3, size_t len,
		    const uint8_t *hash, int *plen)
{
	if (len < 5 || len < 5u + nsec3[4])
		return -EINVAL;
	int k = cache_key_aggr_zone(dst, CACHE_TAG_NSEC3, zone);
	size_t params = 4u + nsec3[4];
	if ((size_t)k + params + CACHE_NSEC3_LABEL > CACHE_KEY_MAX)
		return -ENOSPC;
	dst[k++] = nsec3[0];   /* algorithm; the flags (opt-out) belong to each record */
	memcpy(dst + k, nsec3 + 2, params - 1);   /* iterations, salt length, salt */
	k += (int)params - 1;
	if (plen)
		*plen = k;
	for (int i = 0; i < CACHE_NSEC3_LABEL; ++i) {
		uint8_t c = hash[i] | 0x20;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'v')))
			return -EINVAL;
		dst[k++] = c;
	}
	return k;
}

void cache_base32hex(const uint8_t hash[20], uint8_t *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	for (int i = 0; i < CACHE_NSEC3_LABEL; ++i) {
		int bit = i * 5, byte = bit / 8;
		unsigned two = (unsigned)hash[byte] << 8 | (byte + 1 < 20 ? hash[byte + 1] : 0);
		out[i] = (uint8_t)digits[(two >> (11 - bit % 8)) & 31];
	}
}
