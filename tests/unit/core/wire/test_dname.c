/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/wire/dname.c */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <kres/dname.h>
#include <kres/pkt.h>
#include "tests/unit/check_main.h"

/** Wire form of a presentation name, in one of a ring of static buffers. */
static const uint8_t *dn(const char *str)
{
	static uint8_t ring[16][KR_DNAME_MAXLEN];
	static int next;
	uint8_t *buf = ring[next++ % 16];
	int ret = kr_dname_from_str(buf, KR_DNAME_MAXLEN, str);
	ck_assert_msg(ret > 0, "kr_dname_from_str(%s) = %d", str, ret);
	return buf;
}

/** A presentation name with labels of the given lengths (made of 'x'). */
static void long_name(char *out, const int *lens, int n)
{
	char *p = out;
	for (int i = 0; i < n; ++i) {
		memset(p, 'x', (size_t)lens[i]);
		p += lens[i];
		*p++ = '.';
	}
	*p = '\0';
}

START_TEST(test_size)
{
	ck_assert_uint_eq(kr_dname_size((const uint8_t *)""), 1);
	ck_assert_uint_eq(kr_dname_size(dn("www.example.com")), 17);
	ck_assert_uint_eq(kr_dname_size(dn("a.")), 3);
}
END_TEST

START_TEST(test_labels)
{
	ck_assert_int_eq(kr_dname_labels(dn(".")), 0);
	ck_assert_int_eq(kr_dname_labels(dn("com.")), 1);
	ck_assert_int_eq(kr_dname_labels(dn("www.example.com.")), 3);
	ck_assert_int_eq(kr_dname_labels(dn("*.a.b.c.d")), 5);
}
END_TEST

START_TEST(test_check)
{
	const uint8_t ok[] = "\3www\7example\3com";   /* the literal adds the root */
	ck_assert_int_eq(kr_dname_check(ok, sizeof(ok)), 17);
	ck_assert_int_eq(kr_dname_check(ok, sizeof(ok) + 0), 17);
	/* truncated at every length */
	for (size_t i = 0; i < sizeof(ok); ++i) {
		uint8_t *cut = malloc(i ? i : 1);
		memcpy(cut, ok, i);
		ck_assert_int_eq(kr_dname_check(cut, i), KR_EMALF);
		free(cut);
	}
	/* compression pointer and reserved label types are not allowed */
	const uint8_t ptr[] = { 1, 'a', 0xC0, 0x0C };
	ck_assert_int_eq(kr_dname_check(ptr, sizeof(ptr)), KR_EMALF);
	const uint8_t ext[] = { 0x41, 0 };
	ck_assert_int_eq(kr_dname_check(ext, sizeof(ext)), KR_EMALF);
	/* a 64-byte label */
	uint8_t l64[66] = { 64 };
	memset(l64 + 1, 'a', 64);
	l64[65] = 0;
	ck_assert_int_eq(kr_dname_check(l64, sizeof(l64)), KR_EMALF);
	l64[0] = 63;
	l64[64] = 0;
	ck_assert_int_eq(kr_dname_check(l64, sizeof(l64)), 65);
	/* 255 bytes fine, 256 not */
	uint8_t big[300];
	size_t p = 0;
	for (int i = 0; i < 3; ++i) {
		big[p++] = 63;
		memset(big + p, 'b', 63);
		p += 63;
	}
	big[p++] = 61;
	memset(big + p, 'c', 61);
	p += 61;
	big[p++] = 0;
	ck_assert_uint_eq(p, 255);
	ck_assert_int_eq(kr_dname_check(big, sizeof(big)), 255);
	big[192] = 62;
	memset(big + 193, 'c', 62);
	big[255] = 0;
	ck_assert_int_eq(kr_dname_check(big, sizeof(big)), KR_EMALF);
}
END_TEST

/* A packet of a 12-byte header followed by names, for kr_dname_unpack(). */
static const uint8_t upkt[] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 12: example.com. */
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	/* 25: www + ptr to 12 */
	3, 'W', 'W', 'W', 0xC0, 12,
	/* 31: ptr to 25 (double indirection) */
	0xC0, 25,
	/* 33: label + ptr to itself (33) */
	1, 'x', 0xC0, 33,
	/* 37: ptr to itself */
	0xC0, 37,
	/* 39: ptr forward to 43 */
	0xC0, 43,
	/* 41: ptr into the header */
	0xC0, 2,
	/* 43: "ab" + ptr to 39 which points forward to 43: a loop */
	2, 'a', 'b', 0xC0, 39,
	/* 48: ptr beyond the packet */
	0xFF, 0xFF,
	/* 50: reserved label type 0x80 */
	0x80, 0,
	/* 52: a name cut by the end of the packet */
	5, 'a', 'b',
};

START_TEST(test_unpack)
{
	uint8_t out[KR_DNAME_MAXLEN];
	size_t pos = 12;
	ck_assert_int_eq(kr_dname_unpack(out, upkt, sizeof(upkt), &pos), 13);
	ck_assert_uint_eq(pos, 25);
	ck_assert_mem_eq(out, "\7example\3com", 13);

	pos = 25;
	ck_assert_int_eq(kr_dname_unpack(out, upkt, sizeof(upkt), &pos), 17);
	ck_assert_uint_eq(pos, 31);
	ck_assert_mem_eq(out, "\3WWW\7example\3com", 17);

	pos = 31;
	memset(out, 0xAA, sizeof(out));
	ck_assert_int_eq(kr_dname_unpack(out, upkt, sizeof(upkt), &pos), 17);
	ck_assert_uint_eq(pos, 33);
	ck_assert_mem_eq(out, "\3WWW\7example\3com", 17);

	/* validation only */
	pos = 31;
	ck_assert_int_eq(kr_dname_unpack(NULL, upkt, sizeof(upkt), &pos), 17);
	ck_assert_uint_eq(pos, 33);

	/* every bad case, and the position must not move */
	const size_t bad[] = { 33, 37, 39, 41, 43, 48, 50, 52, 54, 1000 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		pos = bad[i];
		ck_assert_msg(kr_dname_unpack(out, upkt, sizeof(upkt), &pos) == KR_EMALF,
			      "offset %zu", bad[i]);
		ck_assert_uint_eq(pos, bad[i]);
	}
	/* packet cut in the middle of the pointer */
	pos = 31;
	ck_assert_int_eq(kr_dname_unpack(out, upkt, 32, &pos), KR_EMALF);
}
END_TEST

START_TEST(test_unpack_long)
{
	/* header + 251-byte name at 12 + "\1a\1b" + ptr (255, fine) + "\1a\1b\1c" + ptr (257) */
	uint8_t pkt[12 + 251 + 6 + 8];
	memset(pkt, 0, 12);
	size_t p = 12;
	const int lens[] = { 63, 63, 63, 57 };
	for (int i = 0; i < 4; ++i) {
		pkt[p++] = (uint8_t)lens[i];
		memset(pkt + p, 'q', (size_t)lens[i]);
		p += (size_t)lens[i];
	}
	pkt[p++] = 0;
	ck_assert_uint_eq(p, 12 + 251);
	size_t ok = p;
	memcpy(pkt + p, "\1a\1b\xC0\x0C", 6);
	p += 6;
	size_t bad = p;
	memcpy(pkt + p, "\1a\1b\1c\xC0\x0C", 8);
	p += 8;
	uint8_t out[KR_DNAME_MAXLEN];
	size_t pos = ok;
	ck_assert_int_eq(kr_dname_unpack(out, pkt, sizeof(pkt), &pos), 255);
	ck_assert_int_eq(kr_dname_check(out, sizeof(out)), 255);
	pos = bad;
	ck_assert_int_eq(kr_dname_unpack(out, pkt, sizeof(pkt), &pos), KR_EMALF);
	/* a 64-byte label */
	uint8_t l64[12 + 66] = { 0 };
	l64[12] = 64;
	memset(l64 + 13, 'z', 64);
	pos = 12;
	ck_assert_int_eq(kr_dname_unpack(out, l64, sizeof(l64), &pos), KR_EMALF);
}
END_TEST

START_TEST(test_from_str)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), "."), 1);
	ck_assert_int_eq(buf[0], 0);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), "www.Example.com"), 17);
	ck_assert_mem_eq(buf, "\3www\7Example\3com", 17);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), "www.Example.com."), 17);
	ck_assert_mem_eq(buf, "\3www\7Example\3com", 17);
	/* escapes */
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), "a\\.b.c"), 7);
	ck_assert_mem_eq(buf, "\3a.b\1c", 7);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), "\\000\\255\\\\.x"), 7);
	ck_assert_mem_eq(buf, "\3\0\377\\\1x", 7);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), "\\065\\ b"), 5);
	ck_assert_mem_eq(buf, "\3A b", 5);
	/* errors */
	const char *bad[] = { "", "..", "a..b", ".a", "\\256", "\\12", "\\1a2", "a\\", "a.b.."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(kr_dname_from_str(buf, sizeof(buf), bad[i]) == KR_EMALF, "%s", bad[i]);
	/* label lengths */
	char text[400];
	const int l63[] = { 63 }, l64[] = { 64 };
	long_name(text, l63, 1);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), 65);
	long_name(text, l64, 1);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), KR_EMALF);
	/* name lengths: 255 fine, 256 malformed (also without the final dot) */
	const int n255[] = { 63, 63, 63, 61 }, n256[] = { 63, 63, 63, 62 };
	long_name(text, n255, 4);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), 255);
	text[strlen(text) - 1] = '\0';
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), 255);
	long_name(text, n256, 4);
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), KR_EMALF);
	text[strlen(text) - 1] = '\0';
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), KR_EMALF);
	/* output space */
	ck_assert_int_eq(kr_dname_from_str(buf, 16, "www.example.com"), KR_ESPACE);
	ck_assert_int_eq(kr_dname_from_str(buf, 17, "www.example.com"), 17);
	ck_assert_int_eq(kr_dname_from_str(buf, 0, "."), KR_ESPACE);
}
END_TEST

START_TEST(test_to_str)
{
	char text[KR_DNAME_MAXTEXT];
	ck_assert_int_eq(kr_dname_to_str(text, sizeof(text), dn(".")), 1);
	ck_assert_str_eq(text, ".");
	ck_assert_int_eq(kr_dname_to_str(text, sizeof(text), dn("www.Example.com")), 16);
	ck_assert_str_eq(text, "www.Example.com.");
	const uint8_t odd[] = "\5a.b\\\"\4\0 \377(\1@";
	ck_assert_int_eq(kr_dname_to_str(text, sizeof(text), odd), 27);
	ck_assert_str_eq(text, "a\\.b\\\\\\\".\\000\\032\\255\\(.\\@.");
	/* round trip of the escaped form */
	uint8_t back[KR_DNAME_MAXLEN];
	ck_assert_int_eq(kr_dname_from_str(back, sizeof(back), text), (int)sizeof(odd));
	ck_assert_mem_eq(back, odd, sizeof(odd));
	/* space: the terminating NUL must fit */
	ck_assert_int_eq(kr_dname_to_str(text, 16, dn("www.Example.com")), KR_ESPACE);
	ck_assert_int_eq(kr_dname_to_str(text, 17, dn("www.Example.com")), 16);
	ck_assert_int_eq(kr_dname_to_str(text, 1, dn(".")), KR_ESPACE);
	ck_assert_int_eq(kr_dname_to_str(text, 5, odd), KR_ESPACE);
	/* the longest possible text fits KR_DNAME_MAXTEXT */
	uint8_t worst[KR_DNAME_MAXLEN];
	size_t p = 0;
	for (int i = 0; i < 4; ++i) {
		uint8_t l = i < 3 ? 63 : 61;
		worst[p++] = l;
		memset(worst + p, 0x01, l);
		p += l;
	}
	worst[p] = 0;
	ck_assert_int_eq(kr_dname_to_str(text, sizeof(text), worst), 250 * 4 + 4);
}
END_TEST

START_TEST(test_eq)
{
	ck_assert(kr_dname_eq(dn("www.example.com"), dn("WWW.eXample.COM.")));
	ck_assert(kr_dname_eq(dn("."), dn(".")));
	ck_assert(!kr_dname_eq(dn("www.example.com"), dn("ww.example.com")));
	ck_assert(!kr_dname_eq(dn("www.example.com"), dn("example.com")));
	ck_assert(!kr_dname_eq(dn("a.b"), dn("ab")));
	/* only ASCII letters are folded */
	ck_assert(!kr_dname_eq(dn("\\192"), dn("\\224")));
	ck_assert(!kr_dname_eq(dn("\\091"), dn("\\123")));   /* '[' vs '{' */
}
END_TEST

START_TEST(test_cmp)
{
	/* RFC 4034 section 6.1 */
	const char *order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	const size_t n = sizeof(order) / sizeof(order[0]);
	uint8_t names[9][KR_DNAME_MAXLEN];
	for (size_t i = 0; i < n; ++i)
		ck_assert_int_gt(kr_dname_from_str(names[i], KR_DNAME_MAXLEN, order[i]), 0);
	for (size_t i = 0; i < n; ++i) {
		ck_assert_int_eq(kr_dname_cmp(names[i], names[i]), 0);
		for (size_t j = i + 1; j < n; ++j) {
			ck_assert_msg(kr_dname_cmp(names[i], names[j]) < 0, "%s < %s", order[i], order[j]);
			ck_assert_msg(kr_dname_cmp(names[j], names[i]) > 0, "%s > %s", order[j], order[i]);
		}
	}
	/* sorting a shuffled list gives the RFC order */
	const uint8_t *list[9];
	const size_t shuffle[] = { 5, 8, 0, 3, 7, 1, 6, 2, 4 };
	for (size_t i = 0; i < n; ++i)
		list[i] = names[shuffle[i]];
	for (size_t i = 1; i < n; ++i)   /* insertion sort */
		for (size_t j = i; j > 0 && kr_dname_cmp(list[j - 1], list[j]) > 0; --j) {
			const uint8_t *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	for (size_t i = 0; i < n; ++i)
		ck_assert_ptr_eq(list[i], names[i]);
	/* case-insensitive equality, root first */
	ck_assert_int_eq(kr_dname_cmp(dn("ExAmple.COM"), dn("example.com")), 0);
	ck_assert_int_lt(kr_dname_cmp(dn("."), dn("com")), 0);
	ck_assert_int_lt(kr_dname_cmp(dn("a.com"), dn("a.net")), 0);
	ck_assert_int_lt(kr_dname_cmp(dn("ab.com"), dn("abc.com")), 0);
}
END_TEST

START_TEST(test_in)
{
	ck_assert(kr_dname_in(dn("www.example.com"), dn("Example.COM")));
	ck_assert(kr_dname_in(dn("example.com"), dn("example.com")));
	ck_assert(kr_dname_in(dn("example.com"), dn(".")));
	ck_assert(kr_dname_in(dn("."), dn(".")));
	ck_assert(!kr_dname_in(dn("example.com"), dn("www.example.com")));
	ck_assert(!kr_dname_in(dn("wwwexample.com"), dn("example.com")));
	ck_assert(!kr_dname_in(dn("www.example.net"), dn("example.com")));
}
END_TEST

START_TEST(test_lower)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	kr_dname_from_str(buf, sizeof(buf), "WwW.EXAMPLE.Com\\065\\200");
	kr_dname_lower(buf);
	ck_assert_mem_eq(buf, "\3www\7example\5coma\310", 19);
	/* label length bytes are never touched */
	char text[70];
	memset(text, 'Q', 63);
	text[63] = '\0';
	kr_dname_from_str(buf, sizeof(buf), text);
	kr_dname_lower(buf);
	ck_assert_int_eq(buf[0], 63);
	ck_assert_int_eq(buf[1], 'q');
	ck_assert_int_eq(buf[64], 0);
}
END_TEST

START_TEST(test_parent)
{
	const uint8_t *n = dn("www.example.com");
	const uint8_t *p = kr_dname_parent(n);
	ck_assert_ptr_eq(p, n + 4);
	ck_assert(kr_dname_eq(p, dn("example.com")));
	p = kr_dname_parent(kr_dname_parent(p));
	ck_assert_int_eq(p[0], 0);
	ck_assert_ptr_null(kr_dname_parent(p));
}
END_TEST

static void *counting_alloc(void *ctx, size_t size)
{
	++*(int *)ctx;
	return malloc(size);
}

static void counting_free(void *ctx, void *ptr)
{
	--*(int *)ctx;
	free(ptr);
}

START_TEST(test_wildcard)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	ck_assert_int_eq(kr_dname_wildcard(buf, dn("Example.com")), 15);
	ck_assert_mem_eq(buf, "\1*\7Example\3com", 15);
	ck_assert_int_eq(kr_dname_wildcard(buf, dn(".")), 3);
	ck_assert_mem_eq(buf, "\1*", 3);
	/* In place, and too long by one byte. */
	kr_dname_from_str(buf, sizeof(buf), "a.b");
	ck_assert_int_eq(kr_dname_wildcard(buf, buf), 7);
	ck_assert_mem_eq(buf, "\1*\1a\1b", 7);
	char text[300];
	memset(text, 'a', 252);
	text[252] = '\0';
	for (int i = 63; i < 252; i += 64)
		text[i] = '.';
	ck_assert_int_eq(kr_dname_from_str(buf, sizeof(buf), text), 254);
	ck_assert_int_eq(kr_dname_wildcard(buf, buf), KR_ESPACE);
}
END_TEST

START_TEST(test_subst)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	/* RFC 6672 2.2, table 1 */
	ck_assert_int_eq(kr_dname_subst(buf, dn("A.b.Example.com"), dn("example.COM"), dn("example.net")), 17);
	ck_assert_mem_eq(buf, "\1A\1b\7example\3net", 17);
	ck_assert_int_eq(kr_dname_subst(buf, dn("a.x.example.com"), dn("x.example.com"), dn("example.net")), 15);
	ck_assert_mem_eq(buf, "\1a\7example\3net", 15);
	ck_assert_int_eq(kr_dname_subst(buf, dn("shortloop.x"), dn("x"), dn(".")), 11);
	ck_assert_mem_eq(buf, "\11shortloop", 11);
	ck_assert_int_eq(kr_dname_subst(buf, dn("cyc.example.com"), dn("example.com"), dn("example.com")), 17);
	ck_assert_mem_eq(buf, "\3cyc\7example\3com", 17);
	/* the owner itself: the target (what a DNAME query is not answered with, but exact) */
	ck_assert_int_eq(kr_dname_subst(buf, dn("example.com"), dn("example.com"), dn("example.net")), 13);
	/* not below the owner (table 1, lines 1 and 5) */
	ck_assert_int_eq(kr_dname_subst(buf, dn("com"), dn("example.com"), dn("example.net")), -EINVAL);
	ck_assert_int_eq(kr_dname_subst(buf, dn("ab.example.com"), dn("b.example.com"), dn("example.net")), -EINVAL);
	/* in place */
	kr_dname_from_str(buf, sizeof(buf), "w.old.lab");
	ck_assert_int_eq(kr_dname_subst(buf, buf, dn("old.lab"), dn("new.example")), 15);
	ck_assert_mem_eq(buf, "\1w\3new\7example", 15);
	/* 255 octets fit, 256 do not (YXDOMAIN) */
	char text[300];
	memset(text, 'a', 250);
	text[250] = '\0';
	for (int i = 63; i < 250; i += 64)
		text[i] = '.';
	uint8_t target[KR_DNAME_MAXLEN];
	ck_assert_int_eq(kr_dname_from_str(target, sizeof(target), text), 252);
	ck_assert_int_eq(kr_dname_subst(buf, dn("b.x"), dn("x"), target), 254);
	ck_assert_int_eq(kr_dname_subst(buf, dn("bb.x"), dn("x"), target), 255);
	ck_assert_int_eq(kr_dname_subst(buf, dn("bbb.x"), dn("x"), target), KR_ESPACE);
}
END_TEST

START_TEST(test_copy)
{
	const uint8_t *n = dn("www.example.com");
	uint8_t *c = kr_dname_copy(n, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(c, n);
	ck_assert_mem_eq(c, n, 17);
	free(c);
	int live = 0;
	kr_mm_t mm = { &live, counting_alloc, counting_free };
	c = kr_dname_copy(dn("."), &mm);
	ck_assert_int_eq(live, 1);
	ck_assert_int_eq(c[0], 0);
	kr_mm_free(&mm, c);
	ck_assert_int_eq(live, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dname");
	unit_tcase(s, "size", NULL, test_size);
	unit_tcase(s, "labels", NULL, test_labels);
	unit_tcase(s, "check", NULL, test_check);
	unit_tcase(s, "unpack", NULL, test_unpack);
	unit_tcase(s, "unpack_long", NULL, test_unpack_long);
	unit_tcase(s, "from_str", NULL, test_from_str);
	unit_tcase(s, "to_str", NULL, test_to_str);
	unit_tcase(s, "eq", NULL, test_eq);
	unit_tcase(s, "cmp", NULL, test_cmp);
	unit_tcase(s, "in", NULL, test_in);
	unit_tcase(s, "lower", NULL, test_lower);
	unit_tcase(s, "parent", NULL, test_parent);
	unit_tcase(s, "wildcard", NULL, test_wildcard);
	unit_tcase(s, "subst", NULL, test_subst);
	unit_tcase(s, "copy", NULL, test_copy);
	return unit_run(s);
}
