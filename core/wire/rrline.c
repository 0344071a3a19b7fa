/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whole records in presentation form: "owner TTL CLASS TYPE rdata", one per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/wire/wire-impl.h"

/** Bytes of RDATA parsed on the stack before falling back to a 64 KiB heap buffer. */
#define RDATA_STACK 2048

/** "owner\tTTL\tCLASS\tTYPE\t" of rr into buf (big enough). @return its length or KR_EMALF. */
static int line_prefix(const kr_rrset_t *rr, char *buf, size_t size)
{
	int len = kr_dname_to_str(buf, size, rr->owner);
	if (len < 0)
		return KR_EMALF;
	char cls[16], type[16];
	kr_rrclass_to_str(rr->rclass, cls, sizeof(cls));
	kr_rrtype_to_str(rr->type, type, sizeof(type));
	int n = snprintf(buf + len, size - (size_t)len, "\t%u\t%s\t%s\t", (unsigned)rr->ttl, cls, type);
	return len + n;
}

int kr_rrset_to_str(const kr_rrset_t *rr, char *dst, size_t maxlen)
{
	char prefix[KR_DNAME_MAXTEXT + 64];
	int plen = line_prefix(rr, prefix, sizeof(prefix));
	if (plen < 0)
		return plen;
	size_t len = 0;
	bool over = !dst;
	for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		if (!over && len + (size_t)plen < maxlen)
			memcpy(dst + len, prefix, (size_t)plen);
		else
			over = true;
		len += (size_t)plen;
		/* once out of room, keep going only to report malformed RDATA first */
		int ret = kr_rdata_to_str(rr->type, rd->data, rd->len,
					  over ? NULL : dst + len, over ? 0 : maxlen - len);
		if (ret == KR_EMALF)
			return ret;
		if (ret < 0) {
			over = true;
			continue;
		}
		len += (size_t)ret;
		if (len + 1 < maxlen)
			dst[len] = '\n';
		else
			over = true;
		len += 1;
	}
	if (over || len >= maxlen || len > INT32_MAX)
		return KR_ESPACE;
	dst[len] = '\0';
	return (int)len;
}

/* ---- Parsing ---- */

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')';
}

/**
 * Next bare token of the line head into buf (escapes kept, so "a\ b" is one token).
 * @return 1, 0 at the end of the text, KR_EMALF when too long.
 */
static int head_token(const char **pp, char *buf, size_t size)
{
	const char *p = *pp;
	for (;;) {
		while (is_blank(*p))
			++p;
		if (*p != ';')
			break;
		while (*p && *p != '\n')
			++p;   /* a comment runs to the end of its line */
	}
	if (!*p) {
		*pp = p;
		return 0;
	}
	const char *s = p;
	while (*p && !is_blank(*p) && *p != ';')
		p += (p[0] == '\\' && p[1]) ? 2 : 1;
	size_t len = (size_t)(p - s);
	if (len >= size)
		return KR_EMALF;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*pp = p;
	return 1;
}

/** TTL as seconds or in BIND units ("1h30m", "2W"). @return 0 or KR_EMALF. */
static int parse_ttl(const char *s, uint32_t *out)
{
	uint64_t total = 0, num = 0;
	bool digits = false, units = false;
	for (; *s; ++s) {
		if (*s >= '0' && *s <= '9') {
			num = num * 10 + (uint64_t)(*s - '0');
			if (num > UINT32_MAX)
				return KR_EMALF;
			digits = true;
			continue;
		}
		uint64_t mul;
		switch (*s | 0x20) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		default: return KR_EMALF;
		}
		if (!digits)
			return KR_EMALF;
		total += num * mul;
		if (total > UINT32_MAX)
			return KR_EMALF;
		num = 0;
		digits = false;
		units = true;
	}
	if (digits) {
		if (units)
			return KR_EMALF;   /* "1h30" is ambiguous; BIND rejects it too */
		total = num;
	}
	if (!units && !digits)
		return KR_EMALF;
	*out = (uint32_t)total;
	return 0;
}

/** Does the token look like a TTL (starts with a digit)? */
static bool is_ttl(const char *s)
{
	return *s >= '0' && *s <= '9';
}

/** The head fields after the owner: [TTL] [CLASS] TYPE in either order. */
struct head {
	uint32_t ttl;
	int rclass;
	int type;
};

static int parse_head(const char **pp, struct head *h)
{
	char tok[64];
	bool have_ttl = false, have_class = false;
	for (;;) {
		int ret = head_token(pp, tok, sizeof(tok));
		if (ret == 0)
			return KR_EMALF;   /* no type */
		if (ret < 0)
			return KR_ETYPE;
		if (!have_ttl && is_ttl(tok)) {
			if (parse_ttl(tok, &h->ttl))
				return KR_EMALF;
			have_ttl = true;
			continue;
		}
		int cls = have_class ? KR_ETYPE : kr_rrclass_from_str(tok);
		if (cls >= 0) {
			/* "ANY" is both a class and a type: a class only if a type follows */
			const char *p = *pp;
			char next[64];
			if (head_token(&p, next, sizeof(next)) == 1
			    && (kr_rrtype_from_str(next) >= 0 || (!have_ttl && is_ttl(next)))) {
				h->rclass = cls;
				have_class = true;
				continue;
			}
		}
		h->type = kr_rrtype_from_str(tok);
		return h->type < 0 ? KR_ETYPE : 0;
	}
}

/** Parse RDATA text of type into a new buffer item of rr. */
static int add_rdata_str(kr_rrset_t *rr, const char *text, const uint8_t *origin, kr_mm_t *mm)
{
	uint8_t stack[RDATA_STACK];
	uint8_t *buf = stack;
	int len = kr_rdata_from_str(rr->type, text, origin, buf, sizeof(stack));
	if (len == KR_ESPACE) {
		buf = malloc(UINT16_MAX);
		if (!buf)
			return -ENOMEM;
		len = kr_rdata_from_str(rr->type, text, origin, buf, UINT16_MAX);
	}
	int ret = len < 0 ? KR_EMALF : kr_rrset_add_rdata(rr, buf, (uint16_t)len, mm);
	if (buf != stack)
		free(buf);
	return ret;
}

int kr_rrset_from_str(kr_rrset_t *rr, const char *line, const uint8_t *origin,
		      uint32_t default_ttl, kr_mm_t *mm)
{
	if (!rr || !line)
		return KR_EMALF;
	const char *p = line;
	char otext[KR_DNAME_MAXTEXT];
	uint8_t owner[KR_DNAME_MAXLEN];
	if (head_token(&p, otext, sizeof(otext)) != 1)
		return KR_EMALF;
	/* an owner parses exactly like the RDATA of NS: '@', relative names and all */
	int olen = kr_rdata_from_str(KR_TYPE_NS, otext, origin, owner, sizeof(owner));
	if (olen < 0)
		return KR_EMALF;
	struct head h = { default_ttl, KR_CLASS_IN, 0 };
	int ret = parse_head(&p, &h);
	if (ret)
		return ret;
	uint8_t *copy = kr_dname_copy(owner, mm);
	if (!copy)
		return -ENOMEM;
	kr_rrset_init(rr, copy, (uint16_t)h.type, (uint16_t)h.rclass, h.ttl);
	ret = add_rdata_str(rr, p, origin, mm);
	if (ret) {
		kr_mm_free(mm, copy);
		rr->owner = NULL;
	}
	return ret;
}
