/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Domain names in wire format: checks, decompression, text form, comparison. */
#include <string.h>
#include "core/wire/wire-impl.h"

size_t kr_dname_size(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

int kr_dname_labels(const uint8_t *name)
{
	int n = 0;
	for (; *name; name += *name + 1)
		++n;
	return n;
}

int kr_dname_check(const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	for (;;) {
		if (pos >= len || pos >= KR_DNAME_MAXLEN)
			return KR_EMALF;
		uint8_t l = buf[pos];
		if (l > KR_DNAME_MAXLABELLEN)
			return KR_EMALF;
		pos += (size_t)l + 1;
		if (l == 0)
			return pos <= KR_DNAME_MAXLEN ? (int)pos : KR_EMALF;
	}
}

int kr_dname_unpack(uint8_t *dst, const uint8_t *pkt, size_t pkt_len, size_t *pos)
{
	size_t p = *pos;
	size_t run_start = p;   /* a pointer must point strictly before this */
	size_t end = 0;         /* offset after the name in the packet, once known */
	size_t out = 0;

	for (;;) {
		if (p >= pkt_len)
			return KR_EMALF;
		uint8_t l = pkt[p];
		if ((l & 0xC0) == 0xC0) {
			if (p + 1 >= pkt_len)
				return KR_EMALF;
			size_t target = ((size_t)(l & 0x3F) << 8) | pkt[p + 1];
			if (target < KR_PKT_HDRSIZE || target >= run_start)
				return KR_EMALF;
			if (!end)
				end = p + 2;
			p = run_start = target;
			continue;
		}
		if (l > KR_DNAME_MAXLABELLEN)
			return KR_EMALF;   /* 0x40 and 0x80 label types */
		if (out + l + 1 > KR_DNAME_MAXLEN || p + l + 1 > pkt_len)
			return KR_EMALF;
		if (dst)
			memcpy(dst + out, pkt + p, (size_t)l + 1);
		out += (size_t)l + 1;
		p += (size_t)l + 1;
		if (l == 0)
			break;
	}
	*pos = end ? end : p;
	return (int)out;
}

/** Is c a decimal digit? */
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int kr_dname_from_str(uint8_t *dst, size_t maxlen, const char *str)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	size_t out = 0;      /* bytes in buf */
	size_t lab = 0;      /* offset of the current label's length byte */
	const char *s = str;

	if (!str || !*str)
		return KR_EMALF;
	if (s[0] == '.' && s[1] == '\0') {
		out = 1;
		buf[0] = 0;
		goto done;
	}
	buf[0] = 0;
	out = 1;
	while (*s) {
		if (*s == '.') {
			if (out - lab == 1)
				return KR_EMALF;   /* empty label */
			if (out >= KR_DNAME_MAXLEN)
				return KR_EMALF;
			lab = out;
			buf[out++] = 0;
			++s;
			continue;
		}
		uint8_t c = (uint8_t)*s++;
		if (c == '\\') {
			if (is_digit(s[0])) {
				if (!is_digit(s[1]) || !is_digit(s[2]))
					return KR_EMALF;
				int v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
				if (v > 255)
					return KR_EMALF;
				c = (uint8_t)v;
				s += 3;
			} else if (*s) {
				c = (uint8_t)*s++;
			} else {
				return KR_EMALF;   /* lone trailing backslash */
			}
		}
		if (out - lab > KR_DNAME_MAXLABELLEN || out >= KR_DNAME_MAXLEN)
			return KR_EMALF;
		buf[out++] = c;
		++buf[lab];
	}
	/* terminate: a trailing '.' already opened an empty label that becomes the root */
	if (out - lab != 1) {
		if (out >= KR_DNAME_MAXLEN)
			return KR_EMALF;
		buf[out++] = 0;
	}
done:
	if (out > maxlen)
		return KR_ESPACE;
	memcpy(dst, buf, out);
	return (int)out;
}

/** Must the byte be escaped in presentation form, and how: 0 no, 1 \X, 2 \DDD. */
static inline int escape_kind(uint8_t c)
{
	switch (c) {
	case '.': case '\\': case '"': case '(': case ')':
	case ';': case '@': case '$':
		return 1;
	default:
		return (c <= 0x20 || c >= 0x7F) ? 2 : 0;
	}
}

int kr_dname_to_str(char *dst, size_t maxlen, const uint8_t *name)
{
	size_t out = 0;
	if (!*name) {
		if (maxlen < 2)
			return KR_ESPACE;
		dst[0] = '.';
		dst[1] = '\0';
		return 1;
	}
	for (; *name; name += *name + 1) {
		uint8_t l = *name;
		for (uint8_t i = 1; i <= l; ++i) {
			uint8_t c = name[i];
			int k = escape_kind(c);
			size_t need = k == 0 ? 1 : (k == 1 ? 2 : 4);
			if (out + need >= maxlen)
				return KR_ESPACE;
			if (k == 0) {
				dst[out++] = (char)c;
			} else if (k == 1) {
				dst[out++] = '\\';
				dst[out++] = (char)c;
			} else {
				dst[out++] = '\\';
				dst[out++] = (char)('0' + c / 100);
				dst[out++] = (char)('0' + c / 10 % 10);
				dst[out++] = (char)('0' + c % 10);
			}
		}
		if (out + 1 >= maxlen)
			return KR_ESPACE;
		dst[out++] = '.';
	}
	dst[out] = '\0';
	return (int)out;
}

bool kr_dname_eq(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t l = *a;
		if (!l)
			return true;
		for (uint8_t i = 1; i <= l; ++i) {
			if (a[i] != b[i] && kr__lower(a[i]) != kr__lower(b[i]))
				return false;
		}
		a += l + 1;
		b += l + 1;
	}
}

/** Collect the offsets of the labels of a name. @return number of labels. */
static int label_offsets(const uint8_t *name, uint8_t off[KR_DNAME_MAXLABELS])
{
	int n = 0;
	const uint8_t *p = name;
	while (*p && n < KR_DNAME_MAXLABELS) {
		off[n++] = (uint8_t)(p - name);
		p += *p + 1;
	}
	return n;
}

int kr_dname_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[KR_DNAME_MAXLABELS], ob[KR_DNAME_MAXLABELS];
	int na = label_offsets(a, oa);
	int nb = label_offsets(b, ob);
	while (na > 0 && nb > 0) {
		const uint8_t *la = a + oa[--na];
		const uint8_t *lb = b + ob[--nb];
		uint8_t min = la[0] < lb[0] ? la[0] : lb[0];
		for (uint8_t i = 1; i <= min; ++i) {
			uint8_t ca = kr__lower(la[i]), cb = kr__lower(lb[i]);
			if (ca != cb)
				return ca < cb ? -1 : 1;
		}
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	return na == nb ? 0 : (na < nb ? -1 : 1);
}

bool kr_dname_in(const uint8_t *name, const uint8_t *zone)
{
	int nl = kr_dname_labels(name);
	int zl = kr_dname_labels(zone);
	if (nl < zl)
		return false;
	for (; nl > zl; --nl)
		name += *name + 1;
	return kr_dname_eq(name, zone);
}

void kr_dname_lower(uint8_t *name)
{
	for (; *name; name += *name + 1) {
		for (uint8_t i = 1; i <= *name; ++i)
			name[i] = kr__lower(name[i]);
	}
}

const uint8_t *kr_dname_parent(const uint8_t *name)
{
	return *name ? name + *name + 1 : NULL;
}

int kr_dname_wildcard(uint8_t *dst, const uint8_t *name)
{
	size_t len = kr_dname_size(name);
	if (len + 2 > KR_DNAME_MAXLEN)
		return KR_ESPACE;
	memmove(dst + 2, name, len);
	dst[0] = 1;
	dst[1] = '*';
	return (int)len + 2;
}

int kr_dname_subst(uint8_t *dst, const uint8_t *name, const uint8_t *owner, const uint8_t *target)
{
	if (!kr_dname_in(name, owner))
		return -EINVAL;
	size_t prefix = kr_dname_size(name) - kr_dname_size(owner);
	size_t tlen = kr_dname_size(target);
	if (prefix + tlen > KR_DNAME_MAXLEN)
		return KR_ESPACE;
	memmove(dst, name, prefix);
	memmove(dst + prefix, target, tlen);
	return (int)(prefix + tlen);
}

uint8_t *kr_dname_copy(const uint8_t *name, kr_mm_t *mm)
{
	return kr_mm_memdup(mm, name, kr_dname_size(name));
}
