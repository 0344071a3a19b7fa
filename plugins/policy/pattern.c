/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Lua 5.1 patterns in C, for policy.pattern(): Knot Resolver users write Lua
 * patterns over the wire-format query name, and matching them here keeps Lua
 * off the per-query path. Supported: single characters and escapes (%x),
 * classes %a %c %d %l %p %s %u %w %x %z and their upper-case complements,
 * '.', sets [...] with ranges, classes and '^', quantifiers * + - ?, anchors
 * ^ and $, captures ( ) and position captures (), back-references %1-%9,
 * %bxy and the frontier %f[set]. A backtracking matcher, bounded in depth
 * and in steps: a pattern that needs more than MAX_STEPS steps on one name
 * does not match (Lua itself would take exponential time on it).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "plugins/policy/policy-impl.h"

#define MAX_CAPTURES 32
#define MAX_DEPTH 250
#define MAX_STEPS 100000   /* per find: a pattern that backtracks more does not match */
#define CAP_OPEN (-1)
#define CAP_POSITION (-2)

struct matcher {
	const char *src;      /* subject start */
	const char *src_end;
	const char *pat_end;
	int level;            /* captures in use */
	int depth;
	unsigned steps;
	bool failed;          /* malformed pattern met, or too deep */
	struct {
		const char *init;
		ptrdiff_t len;
	} cap[MAX_CAPTURES];
};

/** End of the single-character class at p (after '%x', '[...]' or one char); NULL if malformed. */
static const char *class_end(const char *p, const char *pend)
{
	char c = *p++;
	if (c == '%')
		return p < pend ? p + 1 : NULL;
	if (c != '[')
		return p;
	if (p < pend && *p == '^')
		++p;
	/* The first character of a set may be ']' itself. */
	do {
		if (p >= pend)
			return NULL;
		c = *p++;
		if (c == '%') {
			if (p >= pend)
				return NULL;
			++p;
		}
	} while (p >= pend || *p != ']');
	return p + 1;
}

static bool class_match(unsigned char c, unsigned char cl)
{
	bool res;
	switch (tolower(cl)) {
	case 'a': res = isalpha(c); break;
	case 'c': res = iscntrl(c); break;
	case 'd': res = isdigit(c); break;
	case 'l': res = islower(c); break;
	case 'p': res = ispunct(c); break;
	case 's': res = isspace(c); break;
	case 'u': res = isupper(c); break;
	case 'w': res = isalnum(c); break;
	case 'x': res = isxdigit(c); break;
	case 'z': res = c == 0; break;
	default: return cl == c;
	}
	return isupper(cl) ? !res : res;
}

/** Is c in the set [p .. ec] (p at '[', ec at the closing ']')? */
static bool set_match(unsigned char c, const char *p, const char *ec)
{
	bool sig = true;
	if (*(p + 1) == '^') {
		sig = false;
		++p;
	}
	while (++p < ec) {
		if (*p == '%') {
			++p;
			if (class_match(c, (unsigned char)*p))
				return sig;
		} else if (*(p + 1) == '-' && p + 2 < ec) {
			if ((unsigned char)*p <= c && c <= (unsigned char)*(p + 2))
				return sig;
			p += 2;
		} else if ((unsigned char)*p == c) {
			return sig;
		}
	}
	return !sig;
}

/** Does the character at s match the class p..ep? */
static bool single_match(const struct matcher *m, const char *s, const char *p, const char *ep)
{
	if (s >= m->src_end)
		return false;
	unsigned char c = (unsigned char)*s;
	switch (*p) {
	case '.': return true;
	case '%': return class_match(c, (unsigned char)*(p + 1));
	case '[': return set_match(c, p, ep - 1);
	default: return (unsigned char)*p == c;
	}
}

static const char *do_match(struct matcher *m, const char *s, const char *p);

static const char *match_balance(struct matcher *m, const char *s, const char *p)
{
	if (p + 1 >= m->pat_end) {
		m->failed = true;   /* missing arguments to '%b' */
		return NULL;
	}
	if (s >= m->src_end || *s != *p)
		return NULL;
	char open = *p, close = *(p + 1);
	int cont = 1;
	while (++s < m->src_end) {
		if (*s == close) {
			if (--cont == 0)
				return s + 1;
		} else if (*s == open) {
			++cont;
		}
	}
	return NULL;
}

/** p* or p+ (greedy): the longest run, then back off. */
static const char *max_expand(struct matcher *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;
	while (single_match(m, s + i, p, ep))
		++i;
	while (i >= 0) {
		const char *res = do_match(m, s + i, ep + 1);
		if (res || m->failed)
			return res;
		--i;
	}
	return NULL;
}

/** p- (lazy): the shortest run that lets the rest match. */
static const char *min_expand(struct matcher *m, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *res = do_match(m, s, ep + 1);
		if (res || m->failed)
			return res;
		if (!single_match(m, s, p, ep))
			return NULL;
		++s;
	}
}

static const char *start_capture(struct matcher *m, const char *s, const char *p, ptrdiff_t what)
{
	if (m->level >= MAX_CAPTURES) {
		m->failed = true;
		return NULL;
	}
	m->cap[m->level].init = s;
	m->cap[m->level].len = what;
	++m->level;
	const char *res = do_match(m, s, p);
	if (!res)
		--m->level;
	return res;
}

static const char *end_capture(struct matcher *m, const char *s, const char *p)
{
	int l = -1;
	for (int i = m->level - 1; i >= 0; --i) {
		if (m->cap[i].len == CAP_OPEN) {
			l = i;
			break;
		}
	}
	if (l < 0) {
		m->failed = true;   /* invalid pattern capture */
		return NULL;
	}
	m->cap[l].len = s - m->cap[l].init;
	const char *res = do_match(m, s, p);
	if (!res)
		m->cap[l].len = CAP_OPEN;
	return res;
}

static const char *match_capture(struct matcher *m, const char *s, int l)
{
	l -= '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN) {
		m->failed = true;   /* invalid capture index */
		return NULL;
	}
	size_t len = m->cap[l].len == CAP_POSITION ? 0 : (size_t)m->cap[l].len;
	if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].init, s, len) == 0)
		return s + len;
	return NULL;
}

static const char *do_match(struct matcher *m, const char *s, const char *p)
{
	if (++m->depth > MAX_DEPTH || ++m->steps > MAX_STEPS) {
		m->failed = true;
		--m->depth;
		return NULL;
	}
	const char *res = NULL;
	for (;;) {
		if (p >= m->pat_end) {
			res = s;
			break;
		}
		if (*p == '(') {
			if (p + 1 < m->pat_end && *(p + 1) == ')')
				res = start_capture(m, s, p + 2, CAP_POSITION);
			else
				res = start_capture(m, s, p + 1, CAP_OPEN);
			break;
		}
		if (*p == ')') {
			res = end_capture(m, s, p + 1);
			break;
		}
		if (*p == '$' && p + 1 == m->pat_end) {
			res = s == m->src_end ? s : NULL;
			break;
		}
		if (*p == '%' && p + 1 < m->pat_end) {
			char c = *(p + 1);
			if (c == 'b') {
				s = match_balance(m, s, p + 2);
				if (!s)
					break;
				p += 4;
				continue;
			}
			if (c == 'f') {
				p += 2;
				if (p >= m->pat_end || *p != '[') {
					m->failed = true;   /* missing '[' after '%f' */
					break;
				}
				const char *ep = class_end(p, m->pat_end);
				if (!ep) {
					m->failed = true;
					break;
				}
				unsigned char prev = s == m->src ? 0 : (unsigned char)*(s - 1);
				unsigned char cur = s < m->src_end ? (unsigned char)*s : 0;
				if (set_match(prev, p, ep - 1) || !set_match(cur, p, ep - 1))
					break;
				p = ep;
				continue;
			}
			if (isdigit((unsigned char)c)) {
				s = match_capture(m, s, (unsigned char)c);
				if (!s)
					break;
				p += 2;
				continue;
			}
		}
		/* A single-character class, maybe with a quantifier. */
		const char *ep = class_end(p, m->pat_end);
		if (!ep) {
			m->failed = true;
			break;
		}
		bool ok = single_match(m, s, p, ep);
		char q = ep < m->pat_end ? *ep : '\0';
		if (ep < m->pat_end && q == '?') {
			if (ok) {
				res = do_match(m, s + 1, ep + 1);
				if (res || m->failed)
					break;
			}
			p = ep + 1;
			continue;
		}
		if (ep < m->pat_end && q == '*') {
			res = max_expand(m, s, p, ep);
			break;
		}
		if (ep < m->pat_end && q == '+') {
			res = ok ? max_expand(m, s + 1, p, ep) : NULL;
			break;
		}
		if (ep < m->pat_end && q == '-') {
			res = min_expand(m, s, p, ep);
			break;
		}
		if (!ok)
			break;
		++s;
		p = ep;
	}
	--m->depth;
	return res;
}

bool policy_pattern_find(const char *s, size_t slen, const char *pat, size_t plen,
			 size_t *start, size_t *end)
{
	bool anchor = plen > 0 && pat[0] == '^';
	const char *p = anchor ? pat + 1 : pat;
	struct matcher m = { .src = s, .src_end = s + slen, .pat_end = pat + plen };
	const char *s1 = s;
	do {
		m.level = 0;
		m.depth = 0;
		const char *e = do_match(&m, s1, p);
		if (m.failed)
			return false;
		if (e) {
			for (int i = 0; i < m.level; ++i)
				if (m.cap[i].len == CAP_OPEN)
					return false;   /* unfinished capture: an error in Lua */
			if (start)
				*start = (size_t)(s1 - s);
			if (end)
				*end = (size_t)(e - s);
			return true;
		}
	} while (s1++ < m.src_end && !anchor);
	return false;
}

int policy_pattern_check(const char *pat, size_t plen, char *err, size_t errlen)
{
	const char *p = pat, *pend = pat + plen;
	if (p < pend && *p == '^')
		++p;
	int open = 0, closed = 0;
	const char *why = NULL;
	while (p < pend && !why) {
		switch (*p) {
		case '(':
			if (p + 1 < pend && *(p + 1) == ')') {
				++closed;
				p += 2;
			} else {
				++open;
				++p;
			}
			if (open + closed > MAX_CAPTURES)
				why = "too many captures";
			continue;
		case ')':
			if (open == 0)
				why = "invalid pattern capture (')' without '(')";
			--open;
			++closed;
			++p;
			continue;
		case '%':
			if (p + 1 >= pend) {
				why = "malformed pattern (ends with '%')";
				continue;
			}
			if (*(p + 1) == 'b') {
				if (p + 3 >= pend)
					why = "missing arguments to '%b'";
				p += 4;
				continue;
			}
			if (*(p + 1) == 'f') {
				p += 2;
				if (p >= pend || *p != '[') {
					why = "missing '[' after '%f' in pattern";
					continue;
				}
				const char *ep = class_end(p, pend);
				if (!ep)
					why = "malformed pattern (missing ']')";
				p = ep;
				continue;
			}
			if (isdigit((unsigned char)*(p + 1))) {
				int l = *(p + 1) - '1';
				if (l < 0 || l >= closed)
					why = "invalid capture index";
				p += 2;
				continue;
			}
			break;
		default:
			break;
		}
		if (why)
			break;
		const char *ep = class_end(p, pend);
		if (!ep) {
			why = *p == '[' ? "malformed pattern (missing ']')" : "malformed pattern";
			continue;
		}
		p = ep;
		if (p < pend && (*p == '*' || *p == '+' || *p == '-' || *p == '?'))
			++p;
	}
	if (!why && open > 0)
		why = "unfinished capture";
	if (why) {
		if (err)
			snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	return 0;
}
