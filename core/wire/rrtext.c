/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Presentation (text) form of RDATA, both directions.
 *
 * Every type with a text form of its own is described by a layout string,
 * one character per field (see layout_of()); the same layout drives printing
 * and parsing. Any type, known or not, also has the RFC 3597 form "\# LEN HEX".
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include "core/wire/wire-impl.h"

/*
 * Field codes:
 *   b u8, s u16, l u32 (decimal)      4 IPv4 address, 6 IPv6 address
 *   t u32 time (YYYYMMDDHHmmSS)       T u16 RR type mnemonic
 *   n domain name                     c <character-string>
 *   C one or more <character-string>s up to the end
 *   H hex up to the end (non-empty)   B base64 up to the end (non-empty)
 *   x u8-length hex, '-' when empty (NSEC3 salt)
 *   z u8-length base32hex, non-empty (NSEC3 next hashed owner)
 *   m type bitmap up to the end       P SvcParams up to the end
 *   A CAA tag (u8 length, alphanumeric)  V CAA value up to the end
 */
static const char *layout_of(uint16_t type)
{
	switch (type) {
	case KR_TYPE_A:          return "4";
	case KR_TYPE_AAAA:       return "6";
	case KR_TYPE_NS:
	case KR_TYPE_CNAME:
	case KR_TYPE_DNAME:
	case KR_TYPE_PTR:        return "n";
	case KR_TYPE_SOA:        return "nnlllll";
	case KR_TYPE_MX:         return "sn";
	case KR_TYPE_TXT:        return "C";
	case KR_TYPE_SRV:        return "sssn";
	case KR_TYPE_NAPTR:      return "sscccn";
	case KR_TYPE_DS:         return "sbbH";
	case KR_TYPE_DNSKEY:     return "sbbB";
	case KR_TYPE_RRSIG:      return "TbblttsnB";
	case KR_TYPE_NSEC:       return "nm";
	case KR_TYPE_NSEC3:      return "bbsxzm";
	case KR_TYPE_NSEC3PARAM: return "bbsx";
	case KR_TYPE_CAA:        return "bAV";
	case KR_TYPE_SVCB:
	case KR_TYPE_HTTPS:      return "snP";
	default:                 return NULL;   /* RFC 3597 form only (OPT too) */
	}
}

/* SvcParamKey mnemonics (RFC 9460 section 14.3.2), indexed by key. */
static const char *const svc_keys[] = {
	"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
};
#define SVC_KEYS (sizeof(svc_keys) / sizeof(svc_keys[0]))
enum { SVC_MANDATORY = 0, SVC_ALPN, SVC_NODEFALPN, SVC_PORT, SVC_IPV4, SVC_ECH, SVC_IPV6 };

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32_alphabet[] = "0123456789abcdefghijklmnopqrstuv";
static const char hex_upper[] = "0123456789ABCDEF";

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- Calendar (proleptic Gregorian, UTC) for RRSIG times ---- */

/** Days since 1970-01-01 of a date (year >= 1970). */
static int64_t days_from_date(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = y / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/** Date of a day count since 1970-01-01 (non-negative). */
static void date_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return len[m - 1] + (m == 2 && leap);
}

/* ==== Wire -> text ==== */

/** Text output; counts past the end so that overflow is detected once at the end. */
struct tbuf {
	char *p;
	size_t len;
	size_t max;
};

static void t_put(struct tbuf *t, const char *s, size_t n)
{
	if (t->len + n < t->max)   /* keep room for the final NUL */
		memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void t_putc(struct tbuf *t, char c)
{
	t_put(t, &c, 1);
}

static void t_uint(struct tbuf *t, uint32_t v)
{
	char buf[10];
	size_t i = sizeof(buf);
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	t_put(t, buf + i, sizeof(buf) - i);
}

/** Zero-padded decimal of a fixed width. */
static void t_uint_pad(struct tbuf *t, unsigned v, int width)
{
	char buf[8];
	for (int i = width - 1; i >= 0; --i) {
		buf[i] = (char)('0' + v % 10);
		v /= 10;
	}
	t_put(t, buf, (size_t)width);
}

static int t_finish(struct tbuf *t)
{
	if (t->len >= t->max || t->len > INT32_MAX)
		return KR_ESPACE;
	t->p[t->len] = '\0';
	return (int)t->len;
}

static void t_hex(struct tbuf *t, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; ++i) {
		char h[2] = { hex_upper[s[i] >> 4], hex_upper[s[i] & 0xF] };
		t_put(t, h, 2);
	}
}

static void t_base64(struct tbuf *t, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {
			b64_alphabet[v >> 18 & 63], b64_alphabet[v >> 12 & 63],
			i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=',
			i + 2 < n ? b64_alphabet[v & 63] : '=',
		};
		t_put(t, q, 4);
	}
}

/** Base32 with the "extended hex" alphabet, lower-case, no padding (RFC 4648 7, RFC 5155 3.3). */
static void t_base32hex(struct tbuf *t, const uint8_t *s, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; ++i) {
		acc = (acc << 8) | s[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			t_putc(t, b32_alphabet[(acc >> bits) & 31]);
		}
	}
	if (bits > 0)
		t_putc(t, b32_alphabet[(acc << (5 - bits)) & 31]);
}

/** Bytes of a <character-string> body, escaped for use inside quotes. */
static void t_cs_bytes(struct tbuf *t, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; ++i) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			t_put(t, e, 2);
		} else if (c < 0x20 || c >= 0x7F) {
			t_putc(t, '\\');
			t_uint_pad(t, c, 3);
		} else {
			t_putc(t, (char)c);
		}
	}
}

static void t_quoted(struct tbuf *t, const uint8_t *s, size_t n)
{
	t_putc(t, '"');
	t_cs_bytes(t, s, n);
	t_putc(t, '"');
}

static void t_type(struct tbuf *t, uint16_t type)
{
	char buf[16];
	int len = kr_rrtype_to_str(type, buf, sizeof(buf));
	t_put(t, buf, (size_t)len);   /* 16 bytes always suffice */
}

static void t_time(struct tbuf *t, uint32_t v)
{
	unsigned y, m, d;
	date_from_days(v / 86400, &y, &m, &d);
	uint32_t s = v % 86400;
	t_uint_pad(t, y, 4);
	t_uint_pad(t, m, 2);
	t_uint_pad(t, d, 2);
	t_uint_pad(t, s / 3600, 2);
	t_uint_pad(t, s / 60 % 60, 2);
	t_uint_pad(t, s % 60, 2);
}

static void t_addr(struct tbuf *t, int af, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(af, a, buf, sizeof(buf)))
		t_put(t, buf, strlen(buf));
}

/** Position in the RDATA being printed. */
struct rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline size_t rd_avail(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

static int fmt_name(struct tbuf *t, struct rd *r)
{
	int len = kr_dname_check(r->p, rd_avail(r));
	if (len < 0)
		return KR_EMALF;
	char buf[KR_DNAME_MAXTEXT];
	int tlen = kr_dname_to_str(buf, sizeof(buf), r->p);
	if (tlen < 0)
		return KR_EMALF;
	t_put(t, buf, (size_t)tlen);
	r->p += len;
	return 0;
}

static int fmt_cstring(struct tbuf *t, struct rd *r)
{
	if (rd_avail(r) < 1 || rd_avail(r) - 1 < r->p[0])
		return KR_EMALF;
	t_quoted(t, r->p + 1, r->p[0]);
	r->p += 1 + r->p[0];
	return 0;
}

/** Type bitmap (RFC 4034 4.1.2): windows ascending, 1-32 octets, no trailing zero octet. */
static int fmt_bitmap(struct tbuf *t, struct rd *r)
{
	int last = -1;
	while (r->p < r->end) {
		if (rd_avail(r) < 2)
			return KR_EMALF;
		uint8_t win = r->p[0], blen = r->p[1];
		if (win <= last || blen == 0 || blen > 32 || rd_avail(r) - 2 < blen
		    || r->p[1 + blen] == 0)
			return KR_EMALF;
		for (unsigned i = 0; i < blen; ++i) {
			for (unsigned bit = 0; bit < 8; ++bit) {
				if (!(r->p[2 + i] & (0x80 >> bit)))
					continue;
				t_putc(t, ' ');
				t_type(t, (uint16_t)(win * 256 + i * 8 + bit));
			}
		}
		last = win;
		r->p += 2 + blen;
	}
	return 0;
}

static void t_svc_key(struct tbuf *t, uint16_t key)
{
	if (key < SVC_KEYS) {
		t_put(t, svc_keys[key], strlen(svc_keys[key]));
	} else {
		t_put(t, "key", 3);
		t_uint(t, key);
	}
}

/** alpn value: a comma-separated list (RFC 9460 A.1) inside a quoted char-string. */
static int fmt_svc_alpn(struct tbuf *t, const uint8_t *v, uint16_t len)
{
	if (!len)
		return KR_EMALF;
	t_put(t, "=\"", 2);
	for (size_t pos = 0; pos < len; ) {
		uint8_t n = v[pos];
		if (n == 0 || len - pos - 1 < n)
			return KR_EMALF;
		if (pos)
			t_putc(t, ',');
		for (size_t i = pos + 1; i <= pos + n; ++i) {
			if (v[i] == ',' || v[i] == '\\')
				t_put(t, "\\\\", 2);   /* list-level backslash, char-string escaped */
			t_cs_bytes(t, v + i, 1);
		}
		pos += 1 + (size_t)n;
	}
	t_putc(t, '"');
	return 0;
}

/** One SvcParamValue (with its leading '=' when it has one). */
static int fmt_svc_value(struct tbuf *t, uint16_t key, const uint8_t *v, uint16_t len)
{
	switch (key) {
	case SVC_MANDATORY:
		if (!len || len % 2 || kr__get16(v) == SVC_MANDATORY)
			return KR_EMALF;   /* ascending, so key 0 could only come first */
		for (uint16_t i = 0; i < len; i += 2) {
			if (i && kr__get16(v + i) <= kr__get16(v + i - 2))
				return KR_EMALF;
			t_putc(t, i ? ',' : '=');
			t_svc_key(t, kr__get16(v + i));
		}
		return 0;
	case SVC_ALPN:
		return fmt_svc_alpn(t, v, len);
	case SVC_NODEFALPN:
		return len ? KR_EMALF : 0;
	case SVC_PORT:
		if (len != 2)
			return KR_EMALF;
		t_putc(t, '=');
		t_uint(t, kr__get16(v));
		return 0;
	case SVC_IPV4:
	case SVC_IPV6: {
		size_t alen = key == SVC_IPV4 ? 4 : 16;
		if (!len || len % alen)
			return KR_EMALF;
		for (size_t i = 0; i < len; i += alen) {
			t_putc(t, i ? ',' : '=');
			t_addr(t, key == SVC_IPV4 ? AF_INET : AF_INET6, v + i);
		}
		return 0;
	}
	case SVC_ECH:
		if (!len)
			return KR_EMALF;
		t_putc(t, '=');
		t_base64(t, v, len);
		return 0;
	default:
		if (len) {
			t_putc(t, '=');
			t_quoted(t, v, len);
		}
		return 0;
	}
}

/** Is key present among the sorted params in p[0..len)? */
static bool svc_has_key(const uint8_t *p, size_t len, uint16_t key)
{
	for (size_t pos = 0; pos < len; pos += 4 + kr__get16(p + pos + 2)) {
		if (kr__get16(p + pos) == key)
			return true;
	}
	return false;
}

/** Keys listed in a leading mandatory param must be present (RFC 9460 8). */
static int svc_check_mandatory(const uint8_t *p, size_t len)
{
	if (!len || kr__get16(p) != SVC_MANDATORY)
		return 0;
	uint16_t mlen = kr__get16(p + 2);
	for (size_t i = 0; i < mlen; i += 2) {
		if (!svc_has_key(p, len, kr__get16(p + 4 + i)))
			return KR_EMALF;
	}
	return 0;
}

/**
 * SvcParams (RFC 9460 2.2): keys strictly ascending, each value valid for
 * its key, mandatory keys present.
 */
static int fmt_svcparams(struct tbuf *t, struct rd *r)
{
	const uint8_t *start = r->p;
	int32_t last = -1;
	while (r->p < r->end) {
		if (rd_avail(r) < 4)
			return KR_EMALF;
		uint16_t key = kr__get16(r->p), len = kr__get16(r->p + 2);
		if (key <= last || key == UINT16_MAX || rd_avail(r) - 4 < len)
			return KR_EMALF;   /* 65535 is the reserved "invalid key" */
		t_putc(t, ' ');
		t_svc_key(t, key);
		int ret = fmt_svc_value(t, key, r->p + 4, len);
		if (ret)
			return ret;
		last = key;
		r->p += 4 + len;
	}
	return svc_check_mandatory(start, (size_t)(r->end - start));
}

/** CAA tag: non-empty, alphanumeric (RFC 8659 4.1). */
static int fmt_caa_tag(struct tbuf *t, struct rd *r)
{
	if (rd_avail(r) < 1 || r->p[0] == 0 || rd_avail(r) - 1 < r->p[0])
		return KR_EMALF;
	for (unsigned i = 1; i <= r->p[0]; ++i) {
		uint8_t c = r->p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return KR_EMALF;
	}
	t_put(t, (const char *)r->p + 1, r->p[0]);
	r->p += 1 + r->p[0];
	return 0;
}

/** Size of a fixed-size field, 0 for the other codes. */
static size_t fixed_size(char code)
{
	switch (code) {
	case 'b':
		return 1;
	case 's':
	case 'T':
		return 2;
	case 'l':
	case 't':
	case '4':
		return 4;
	case '6':
		return 16;
	default:
		return 0;
	}
}

/** Print a fixed-size field (the caller checked that it is all there). */
static void fmt_fixed(struct tbuf *t, char code, const uint8_t *p)
{
	switch (code) {
	case 'b': t_uint(t, p[0]); break;
	case 's': t_uint(t, kr__get16(p)); break;
	case 'T': t_type(t, kr__get16(p)); break;
	case 'l': t_uint(t, kr__get32(p)); break;
	case 't': t_time(t, kr__get32(p)); break;
	case '4': t_addr(t, AF_INET, p); break;
	case '6': t_addr(t, AF_INET6, p); break;
	}
}

/** Print a u8-length binary field: NSEC3 salt (x) or next hashed owner (z). */
static int fmt_lenbin(struct tbuf *t, char code, struct rd *r)
{
	size_t avail = rd_avail(r);
	if (avail < 1 || avail - 1 < r->p[0] || (code == 'z' && r->p[0] == 0))
		return KR_EMALF;
	if (code == 'z')
		t_base32hex(t, r->p + 1, r->p[0]);
	else if (r->p[0] == 0)
		t_putc(t, '-');
	else
		t_hex(t, r->p + 1, r->p[0]);
	r->p += 1 + r->p[0];
	return 0;
}

/** Print a field taking the rest of the RDATA: C, H, B or V. */
static int fmt_rest(struct tbuf *t, char code, struct rd *r)
{
	size_t avail = rd_avail(r);
	if (!avail && code != 'V')
		return KR_EMALF;
	switch (code) {
	case 'C':
		for (bool first = true; r->p < r->end; first = false) {
			if (!first)
				t_putc(t, ' ');
			if (fmt_cstring(t, r))
				return KR_EMALF;
		}
		return 0;
	case 'H':
		t_hex(t, r->p, avail);
		break;
	case 'B':
		t_base64(t, r->p, avail);
		break;
	case 'V':
		t_quoted(t, r->p, avail);
		break;
	default:
		return KR_EMALF;
	}
	r->p = r->end;
	return 0;
}

/** Print one field of a layout. */
static int fmt_field(struct tbuf *t, char code, struct rd *r)
{
	size_t n = fixed_size(code);
	if (n) {
		if (rd_avail(r) < n)
			return KR_EMALF;
		fmt_fixed(t, code, r->p);
		r->p += n;
		return 0;
	}
	switch (code) {
	case 'n':
		return fmt_name(t, r);
	case 'c':
		return fmt_cstring(t, r);
	case 'x':
	case 'z':
		return fmt_lenbin(t, code, r);
	case 'm':
		return fmt_bitmap(t, r);
	case 'P':
		return fmt_svcparams(t, r);
	case 'A':
		return fmt_caa_tag(t, r);
	default:
		return fmt_rest(t, code, r);
	}
}

/** Print RDATA by a layout; fields separated by one space. */
static int fmt_layout(struct tbuf *t, const char *layout, const uint8_t *rdata, uint16_t len)
{
	struct rd r = { rdata, rdata + len };
	for (const char *f = layout; *f; ++f) {
		if (f != layout && *f != 'm' && *f != 'P')
			t_putc(t, ' ');   /* bitmaps and SvcParams space their own items */
		int ret = fmt_field(t, *f, &r);
		if (ret)
			return ret;
	}
	return r.p == r.end ? 0 : KR_EMALF;
}

/** RFC 3597 generic form. */
static void fmt_generic(struct tbuf *t, const uint8_t *rdata, uint16_t len)
{
	t_put(t, "\\# ", 3);
	t_uint(t, len);
	if (len) {
		t_putc(t, ' ');
		t_hex(t, rdata, len);
	}
}

int kr_rdata_to_str(uint16_t type, const uint8_t *rdata, uint16_t len, char *dst, size_t maxlen)
{
	struct tbuf t = { dst, 0, dst ? maxlen : 0 };
	const char *layout = layout_of(type);
	if (layout) {
		int ret = fmt_layout(&t, layout, rdata, len);
		if (ret)
			return ret;
	} else {
		fmt_generic(&t, rdata, len);
	}
	return t_finish(&t);
}

/* ==== Text -> wire ==== */

/** RDATA output; room is capped at 65535 bytes, and overflowing the cap is malformed. */
struct wbuf {
	uint8_t *p;
	size_t len;
	size_t max;
	int over;       /* error to report on overflow: KR_ESPACE or KR_EMALF */
	int err;        /* sticky error, 0 while fine */
};

/** Room for n more bytes. @return pointer or NULL (w->err is set). */
static uint8_t *w_reserve(struct wbuf *w, size_t n)
{
	if (w->err)
		return NULL;
	if (n > w->max - w->len) {
		w->err = w->over;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}

static int w_put(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = w_reserve(w, n);
	if (!p)
		return w->err;
	memcpy(p, src, n);
	return 0;
}

static int w_byte(struct wbuf *w, uint8_t b)
{
	return w_put(w, &b, 1);
}

static int w_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = w_reserve(w, 2);
	if (!p)
		return w->err;
	kr__put16(p, v);
	return 0;
}

static int w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = w_reserve(w, 4);
	if (!p)
		return w->err;
	kr__put32(p, v);
	return 0;
}

/** A piece of the input text. */
struct token {
	const char *s;
	size_t len;
};

struct lexer {
	const char *p;
};

/** Blanks separate tokens; parentheses only group lines in zone files. */
static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')';
}

/**
 * Next token: a quoted string, or a run of non-blank characters (which may
 * hold quoted parts, as in alpn="h2,h3"). Escapes are kept for the field
 * parsers; ';' outside quotes starts a comment up to the end of the line.
 * @return 1 with a token, 0 at the end, KR_EMALF on an unterminated quote or escape.
 */
static int lex_next(struct lexer *lx, struct token *tok)
{
	const char *p = lx->p;
	for (;;) {
		while (is_blank(*p))
			++p;
		if (*p != ';')
			break;
		while (*p && *p != '\n')
			++p;   /* a comment runs to the end of its line */
	}
	lx->p = p;
	if (!*p)
		return 0;
	bool lead_quote = *p == '"';
	bool quoted = false;
	tok->s = p;
	for (;;) {
		char c = *p;
		if (!c) {
			if (quoted)
				return KR_EMALF;
			break;
		}
		if (!quoted && (is_blank(c) || c == ';'))
			break;
		if (c == '\\') {
			if (!p[1])
				return KR_EMALF;
			p += 2;
			continue;
		}
		++p;
		if (c == '"') {
			quoted = !quoted;
			if (!quoted && lead_quote)
				break;
		}
	}
	tok->len = (size_t)(p - tok->s);
	lx->p = p;
	return 1;
}

/** The next token, which must exist. @return 0 or KR_EMALF. */
static int lex_need(struct lexer *lx, struct token *tok)
{
	int ret = lex_next(lx, tok);
	return ret == 1 ? 0 : KR_EMALF;
}

/** Copy a token into a C string. @return 0 or KR_EMALF when it does not fit. */
static int tok_cstr(const struct token *t, char *buf, size_t size)
{
	if (t->len >= size)
		return KR_EMALF;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	return 0;
}

/** Digits of a token as an unsigned number not above max. */
static int tok_uint(const struct token *t, uint32_t max, uint32_t *out)
{
	if (t->len == 0 || t->len > 10)
		return KR_EMALF;
	uint64_t v = 0;
	for (size_t i = 0; i < t->len; ++i) {
		if (!is_digit(t->s[i]))
			return KR_EMALF;
		v = v * 10 + (uint64_t)(t->s[i] - '0');
	}
	if (v > max)
		return KR_EMALF;
	*out = (uint32_t)v;
	return 0;
}

/** Reader of the bytes a <character-string> token stands for. */
struct csr {
	const char *p;
	const char *end;
	bool done;      /* list reading: the last item was returned */
};

#define CS_END (-1)

/** Next decoded byte (0-255), CS_END, or KR_EMALF on a bad escape. Quotes only delimit. */
static int cs_next(struct csr *c)
{
	while (c->p < c->end && *c->p == '"')
		++c->p;
	if (c->p >= c->end)
		return CS_END;
	char ch = *c->p++;
	if (ch != '\\')
		return (uint8_t)ch;
	if (c->p >= c->end)
		return KR_EMALF;
	if (!is_digit(c->p[0]))
		return (uint8_t)*c->p++;
	if (c->end - c->p < 3 || !is_digit(c->p[1]) || !is_digit(c->p[2]))
		return KR_EMALF;
	int v = (c->p[0] - '0') * 100 + (c->p[1] - '0') * 10 + (c->p[2] - '0');
	c->p += 3;
	return v > 255 ? KR_EMALF : v;
}

/** Copy the decoded bytes of a token, at most limit of them. @return count or KR_EMALF. */
static int cs_copy(struct wbuf *w, const char *s, size_t len, size_t limit)
{
	struct csr c = { s, s + len, false };
	size_t n = 0;
	for (;;) {
		int b = cs_next(&c);
		if (b == CS_END)
			return (int)n;
		if (b < 0 || ++n > limit)
			return KR_EMALF;
		if (w_byte(w, (uint8_t)b))
			return w->err;
	}
}

/**
 * Next item of a comma-separated value list (RFC 9460 A.1): the decoded
 * char-string split at commas, "\," and "\\" standing for ',' and '\'.
 * @return 1 with a non-empty item, 0 after the last one, KR_EMALF.
 */
static int list_item(struct csr *c, uint8_t *buf, size_t size, size_t *out)
{
	size_t n = 0;
	if (c->done)
		return 0;
	for (;;) {
		int b = cs_next(c);
		if (b == CS_END) {
			c->done = true;
			break;
		}
		if (b == ',')
			break;
		if (b == '\\')
			b = cs_next(c);
		if (b < 0 || n >= size)
			return KR_EMALF;
		buf[n++] = (uint8_t)b;
	}
	if (n == 0)
		return KR_EMALF;
	*out = n;
	return 1;
}

/** Does the name text end with an unescaped dot? */
static bool name_is_absolute(const char *s, size_t len)
{
	if (!len || s[len - 1] != '.')
		return false;
	size_t bs = 0;
	while (bs < len - 1 && s[len - 2 - bs] == '\\')
		++bs;
	return bs % 2 == 0;
}

static int parse_name(struct wbuf *w, const struct token *t, const uint8_t *origin)
{
	uint8_t name[KR_DNAME_MAXLEN];
	size_t olen = origin ? kr_dname_size(origin) : 1;
	if (t->len == 1 && t->s[0] == '@')
		return origin ? w_put(w, origin, olen) : w_byte(w, 0);
	char text[KR_DNAME_MAXTEXT];
	if (tok_cstr(t, text, sizeof(text)))
		return KR_EMALF;
	int len = kr_dname_from_str(name, sizeof(name), text);
	if (len < 0)
		return KR_EMALF;
	if (origin && !name_is_absolute(t->s, t->len)) {
		if ((size_t)len - 1 + olen > KR_DNAME_MAXLEN)
			return KR_EMALF;
		if (w_put(w, name, (size_t)len - 1))
			return w->err;
		return w_put(w, origin, olen);
	}
	return w_put(w, name, (size_t)len);
}

/** Value of a hex digit or -1. */
static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/** Streaming hex decoder (digits may be split across tokens). */
struct hexdec {
	int hi;         /* pending high nibble or -1 */
	size_t bytes;
};

static int hex_feed(struct hexdec *d, struct wbuf *w, const struct token *t)
{
	for (size_t i = 0; i < t->len; ++i) {
		int v = hex_val(t->s[i]);
		if (v < 0)
			return KR_EMALF;
		if (d->hi < 0) {
			d->hi = v;
			continue;
		}
		if (w_byte(w, (uint8_t)(d->hi << 4 | v)))
			return w->err;
		d->hi = -1;
		++d->bytes;
	}
	return 0;
}

/** Hex in all remaining tokens. @return bytes written or an error. */
static int parse_hex_rest(struct wbuf *w, struct lexer *lx)
{
	struct hexdec d = { -1, 0 };
	struct token t;
	int ret;
	while ((ret = lex_next(lx, &t)) == 1) {
		ret = hex_feed(&d, w, &t);
		if (ret)
			return ret;
	}
	if (ret < 0 || d.hi >= 0)
		return KR_EMALF;
	return (int)d.bytes;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/** Streaming base64 decoder (RFC 4648 4, padding required). */
struct b64dec {
	uint32_t acc;
	unsigned bits;
	size_t chars;
	unsigned pad;
	size_t bytes;
};

static int b64_feed(struct b64dec *d, struct wbuf *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len; ++i) {
		++d->chars;
		if (s[i] == '=') {
			if (++d->pad > 2)
				return KR_EMALF;
			continue;
		}
		int v = b64_val(s[i]);
		if (v < 0 || d->pad)
			return KR_EMALF;
		d->acc = (d->acc << 6) | (uint32_t)v;
		d->bits += 6;
		if (d->bits >= 8) {
			d->bits -= 8;
			if (w_byte(w, (uint8_t)(d->acc >> d->bits)))
				return w->err;
			++d->bytes;
		}
	}
	return 0;
}

static int b64_finish(const struct b64dec *d)
{
	return (d->chars % 4 == 0 && d->bits == 2 * d->pad) ? 0 : KR_EMALF;
}

/** Base64 in all remaining tokens. @return bytes written or an error. */
static int parse_b64_rest(struct wbuf *w, struct lexer *lx)
{
	struct b64dec d = { 0 };
	struct token t;
	int ret;
	while ((ret = lex_next(lx, &t)) == 1) {
		ret = b64_feed(&d, w, t.s, t.len);
		if (ret)
			return ret;
	}
	if (ret < 0 || b64_finish(&d))
		return KR_EMALF;
	return (int)d.bytes;
}

/** Base32hex token (case-insensitive, unpadded) with a length byte in front. */
static int parse_base32hex(struct wbuf *w, const struct token *t)
{
	uint8_t *lenp = w_reserve(w, 1);
	if (!lenp)
		return w->err;
	size_t at = w->len;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < t->len; ++i) {
		char c = t->s[i];
		int v = -1;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		if (v < 0)
			return KR_EMALF;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (w_byte(w, (uint8_t)(acc >> bits)))
				return w->err;
		}
	}
	size_t n = w->len - at;
	if (bits >= 5 || n == 0 || n > 255)
		return KR_EMALF;   /* a dangling character, or a bad length */
	w->p[at - 1] = (uint8_t)n;
	return 0;
}

/** NSEC3 salt: '-' for none, else hex, with a length byte in front. */
static int parse_salt(struct wbuf *w, const struct token *t)
{
	if (t->len == 1 && t->s[0] == '-')
		return w_byte(w, 0);
	if (t->len % 2 || t->len > 2 * 255)
		return KR_EMALF;
	if (w_byte(w, (uint8_t)(t->len / 2)))
		return w->err;
	struct hexdec d = { -1, 0 };
	return hex_feed(&d, w, t);
}

/** One <character-string> with its length byte. */
static int parse_cstring(struct wbuf *w, const struct token *t)
{
	uint8_t *lenp = w_reserve(w, 1);
	if (!lenp)
		return w->err;
	size_t at = w->len;
	int n = cs_copy(w, t->s, t->len, 255);
	if (n < 0)
		return n;
	w->p[at - 1] = (uint8_t)n;
	return 0;
}

/** RRSIG time: YYYYMMDDHHmmSS (modulo 2^32, RFC 4034 3.2) or a plain integer. */
static int parse_time(const struct token *t, uint32_t *out)
{
	if (t->len != 14)
		return tok_uint(t, UINT32_MAX, out);
	unsigned f[6];
	static const uint8_t width[6] = { 4, 2, 2, 2, 2, 2 };
	const char *s = t->s;
	for (int i = 0; i < 6; ++i) {
		f[i] = 0;
		for (int j = 0; j < width[i]; ++j, ++s) {
			if (!is_digit(*s))
				return KR_EMALF;
			f[i] = f[i] * 10 + (unsigned)(*s - '0');
		}
	}
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > days_in_month(f[0], f[1])
	    || f[3] > 23 || f[4] > 59 || f[5] > 59)
		return KR_EMALF;
	int64_t secs = days_from_date(f[0], f[1], f[2]) * 86400
		+ f[3] * 3600 + f[4] * 60 + f[5];
	*out = (uint32_t)secs;
	return 0;
}

/** Type bitmap from all remaining tokens (type mnemonics or TYPEnnn). */
static int parse_bitmap(struct wbuf *w, struct lexer *lx)
{
	uint8_t bits[256][32];
	uint8_t wlen[256] = { 0 };      /* used octets per window, 0 = window unused */
	struct token t;
	int ret;
	while ((ret = lex_next(lx, &t)) == 1) {
		char text[32];
		if (tok_cstr(&t, text, sizeof(text)))
			return KR_EMALF;
		int type = kr_rrtype_from_str(text);
		if (type < 0)
			return KR_EMALF;
		unsigned win = (unsigned)type >> 8, oct = ((unsigned)type & 0xFF) >> 3;
		if (wlen[win] <= oct) {
			memset(bits[win] + wlen[win], 0, oct + 1 - wlen[win]);
			wlen[win] = (uint8_t)(oct + 1);
		}
		bits[win][oct] |= (uint8_t)(0x80 >> (type & 7));
	}
	if (ret < 0)
		return ret;
	for (unsigned win = 0; win < 256; ++win) {
		if (!wlen[win])
			continue;
		uint8_t hdr[2] = { (uint8_t)win, wlen[win] };
		if (w_put(w, hdr, 2) || w_put(w, bits[win], wlen[win]))
			return w->err;
	}
	return 0;
}

/** SvcParamKey from its name or keyNNNNN. @return the key or KR_EMALF. */
static int svc_key_parse(const char *s, size_t len)
{
	for (size_t i = 0; i < SVC_KEYS; ++i) {
		if (strlen(svc_keys[i]) == len && strncasecmp(s, svc_keys[i], len) == 0)
			return (int)i;
	}
	struct token num = { s + 3, len - 3 };
	uint32_t v;
	if (len <= 3 || strncasecmp(s, "key", 3) != 0 || tok_uint(&num, 65534, &v))
		return KR_EMALF;   /* 65535 is the reserved "invalid key" */
	return (int)v;
}

/** Reverse n bytes in place. */
static void reverse(uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n / 2; ++i) {
		uint8_t c = a[i];
		a[i] = a[n - 1 - i];
		a[n - 1 - i] = c;
	}
}

/** Move the tail bytes that follow head bytes at p in front of them. */
static void rotate(uint8_t *p, size_t head, size_t tail)
{
	reverse(p, head);
	reverse(p + head, tail);
	reverse(p, head + tail);
}

/** Sort the u16 keys of a mandatory value in place; no duplicates, no "mandatory". */
static int svc_sort_mandatory(uint8_t *v, size_t len)
{
	for (size_t i = 2; i < len; i += 2) {
		uint16_t k = kr__get16(v + i);
		size_t j = i;
		for (; j > 0 && kr__get16(v + j - 2) > k; j -= 2)
			memcpy(v + j, v + j - 2, 2);
		kr__put16(v + j, k);
	}
	for (size_t i = 0; i < len; i += 2) {
		if (kr__get16(v + i) == SVC_MANDATORY
		    || (i && kr__get16(v + i) == kr__get16(v + i - 2)))
			return KR_EMALF;
	}
	return 0;
}

/** port (one number), ipv4hint or ipv6hint (lists of addresses). */
static int parse_svc_numeric(struct wbuf *w, int key, struct csr *c)
{
	char text[65];
	size_t n;
	int ret;
	size_t at = w->len;
	while ((ret = list_item(c, (uint8_t *)text, sizeof(text) - 1, &n)) == 1) {
		text[n] = '\0';
		uint8_t addr[16];
		uint32_t port;
		struct token num = { text, n };
		if (key == SVC_PORT) {
			if (w->len != at || tok_uint(&num, UINT16_MAX, &port))
				return KR_EMALF;   /* exactly one number */
			ret = w_u16(w, (uint16_t)port);
		} else if (inet_pton(key == SVC_IPV4 ? AF_INET : AF_INET6, text, addr) == 1) {
			ret = w_put(w, addr, key == SVC_IPV4 ? 4 : 16);
		} else {
			return KR_EMALF;
		}
		if (ret)
			return ret;
	}
	return ret;
}

/** Write a SvcParamValue for key from its (char-string) text. */
static int parse_svc_value(struct wbuf *w, int key, const char *s, size_t len)
{
	struct csr c = { s, s + len, false };
	uint8_t item[256];
	size_t n;
	int ret;
	size_t at = w->len;
	switch (key) {
	case SVC_MANDATORY:
		while ((ret = list_item(&c, item, 32, &n)) == 1) {
			int k = svc_key_parse((const char *)item, n);
			if (k < 0)
				return KR_EMALF;
			if (w_u16(w, (uint16_t)k))
				return w->err;
		}
		if (ret < 0)
			return ret;
		return svc_sort_mandatory(w->p + at, w->len - at);
	case SVC_ALPN:
		while ((ret = list_item(&c, item, 255, &n)) == 1) {
			if (w_byte(w, (uint8_t)n) || w_put(w, item, n))
				return w->err;
		}
		return ret;
	case SVC_PORT:
	case SVC_IPV4:
	case SVC_IPV6:
		return parse_svc_numeric(w, key, &c);
	case SVC_ECH: {
		struct b64dec d = { 0 };
		int b;
		while ((b = cs_next(&c)) >= 0) {
			char ch = (char)b;
			ret = b64_feed(&d, w, &ch, 1);
			if (ret)
				return ret;
		}
		return b == CS_END ? b64_finish(&d) : KR_EMALF;
	}
	default:
		ret = cs_copy(w, s, len, 65535);
		return ret < 0 ? ret : 0;
	}
}

/**
 * One "key[=value]" token: appended, then moved to its place so that the
 * keys stay in ascending order (params start at offset start).
 */
static int parse_svcparam(struct wbuf *w, const struct token *t, size_t start)
{
	const char *eq = memchr(t->s, '=', t->len);
	size_t klen = eq ? (size_t)(eq - t->s) : t->len;
	int key = svc_key_parse(t->s, klen);
	if (key < 0)
		return KR_EMALF;
	size_t at = w->len;
	if (w_u32(w, (uint32_t)key << 16))
		return w->err;
	if (eq) {
		int ret = parse_svc_value(w, key, eq + 1, t->len - klen - 1);
		if (ret)
			return ret;
	}
	size_t vlen = w->len - at - 4;
	if (vlen > UINT16_MAX)
		return KR_EMALF;
	bool empty_ok = key == SVC_NODEFALPN || key > SVC_IPV6;
	if ((vlen == 0 && !empty_ok) || (vlen && key == SVC_NODEFALPN))
		return KR_EMALF;
	kr__put16(w->p + at + 2, (uint16_t)vlen);
	size_t pos = start;
	while (pos < at && kr__get16(w->p + pos) < key)
		pos += 4 + kr__get16(w->p + pos + 2);
	if (pos < at && kr__get16(w->p + pos) == key)
		return KR_EMALF;   /* duplicate key */
	rotate(w->p + pos, at - pos, w->len - at);
	return 0;
}

/** SvcParams from all remaining tokens; keys listed as mandatory must be present. */
static int parse_svcparams(struct wbuf *w, struct lexer *lx)
{
	size_t start = w->len;
	struct token t;
	int ret;
	while ((ret = lex_next(lx, &t)) == 1) {
		ret = parse_svcparam(w, &t, start);
		if (ret)
			return ret;
	}
	if (ret < 0)
		return ret;
	return svc_check_mandatory(w->p + start, w->len - start);
}

/** CAA tag: alphanumeric token with a length byte in front. */
static int parse_caa_tag(struct wbuf *w, const struct token *t)
{
	if (t->len == 0 || t->len > 255)
		return KR_EMALF;
	for (size_t i = 0; i < t->len; ++i) {
		char c = t->s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return KR_EMALF;
	}
	if (w_byte(w, (uint8_t)t->len))
		return w->err;
	return w_put(w, t->s, t->len);
}

/** Parse a field that is a single token. */
static int parse_token_field(struct wbuf *w, char code, const struct token *t,
			     const uint8_t *origin)
{
	uint32_t v;
	uint8_t addr[16];
	char text[INET6_ADDRSTRLEN + 1];
	int ret;
	switch (code) {
	case 'b':
	case 's':
	case 'l':
		ret = tok_uint(t, code == 'b' ? 0xFF : code == 's' ? 0xFFFF : UINT32_MAX, &v);
		if (ret)
			return ret;
		return code == 'b' ? w_byte(w, (uint8_t)v)
			: code == 's' ? w_u16(w, (uint16_t)v) : w_u32(w, v);
	case 't':
		return parse_time(t, &v) ? KR_EMALF : w_u32(w, v);
	case 'T':
		if (tok_cstr(t, text, sizeof(text)))
			return KR_EMALF;
		ret = kr_rrtype_from_str(text);
		return ret < 0 ? KR_EMALF : w_u16(w, (uint16_t)ret);
	case '4':
	case '6':
		if (tok_cstr(t, text, sizeof(text))
		    || inet_pton(code == '4' ? AF_INET : AF_INET6, text, addr) != 1)
			return KR_EMALF;
		return w_put(w, addr, code == '4' ? 4 : 16);
	case 'n':
		return parse_name(w, t, origin);
	case 'c':
		return parse_cstring(w, t);
	case 'x':
		return parse_salt(w, t);
	case 'z':
		return parse_base32hex(w, t);
	case 'A':
		return parse_caa_tag(w, t);
	case 'V':
		ret = cs_copy(w, t->s, t->len, 65535);
		return ret < 0 ? ret : 0;
	default:
		return KR_EMALF;
	}
}

/** Parse one field of a layout from the lexer. */
static int parse_field(struct wbuf *w, char code, struct lexer *lx, const uint8_t *origin)
{
	struct token t;
	int ret;
	switch (code) {
	case 'C':
		if (lex_need(lx, &t))
			return KR_EMALF;
		do {
			ret = parse_cstring(w, &t);
			if (ret)
				return ret;
		} while ((ret = lex_next(lx, &t)) == 1);
		return ret;
	case 'H':
	case 'B':
		ret = code == 'H' ? parse_hex_rest(w, lx) : parse_b64_rest(w, lx);
		return ret < 0 ? ret : (ret == 0 ? KR_EMALF : 0);
	case 'm':
		return parse_bitmap(w, lx);
	case 'P':
		return parse_svcparams(w, lx);
	default:
		if (lex_need(lx, &t))
			return KR_EMALF;
		return parse_token_field(w, code, &t, origin);
	}
}

/** RFC 3597 "\# LEN HEX" (after the "\#" token). */
static int parse_generic(struct wbuf *w, struct lexer *lx)
{
	struct token t;
	uint32_t len;
	if (lex_need(lx, &t) || tok_uint(&t, UINT16_MAX, &len))
		return KR_EMALF;
	int ret = parse_hex_rest(w, lx);
	if (ret < 0)
		return ret;
	return (uint32_t)ret == len ? 0 : KR_EMALF;
}

int kr_rdata_from_str(uint16_t type, const char *str, const uint8_t *origin, uint8_t *dst, size_t maxlen)
{
	struct wbuf w = {
		.p = dst,
		.max = maxlen > UINT16_MAX ? UINT16_MAX : maxlen,
		.over = maxlen >= UINT16_MAX ? KR_EMALF : KR_ESPACE,
	};
	if (!dst)
		w.max = 0;
	if (!str)
		return KR_EMALF;
	struct lexer lx = { str };
	struct lexer peek = lx;
	struct token t;
	const char *layout = layout_of(type);
	int ret;
	if (lex_next(&peek, &t) == 1 && t.len == 2 && memcmp(t.s, "\\#", 2) == 0) {
		ret = parse_generic(&w, &peek);
		if (!ret && layout) {
			struct tbuf none = { NULL, 0, 0 };
			ret = fmt_layout(&none, layout, w.p, (uint16_t)w.len);
		}
		lx = peek;
	} else if (layout) {
		ret = 0;
		for (const char *f = layout; *f && !ret; ++f)
			ret = parse_field(&w, *f, &lx, origin);
	} else {
		ret = KR_EMALF;   /* only the generic form for this type */
	}
	if (w.err)
		return w.err;
	if (ret)
		return ret < 0 ? ret : KR_EMALF;
	if (lex_next(&lx, &t) != 0)
		return KR_EMALF;   /* trailing tokens */
	return (int)w.len;
}
