/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of cache keys (key.c): subtree contiguity, case, round trips. */
#include "tests/unit/plugins/cache/testutil.h"

static int key_of(uint8_t *key, const char *name, uint16_t type, uint8_t kind)
{
	uint8_t n[KR_DNAME_MAXLEN];
	return cache_key_make(key, test_name(n, name), type, kind);
}

/** memcmp order of keys as the B-tree sorts them (shorter first on a tie). */
static int key_cmp(const uint8_t *a, int alen, const uint8_t *b, int blen)
{
	int r = memcmp(a, b, (size_t)(alen < blen ? alen : blen));
	return r ? r : alen - blen;
}

START_TEST(test_key_case)
{
	uint8_t a[CACHE_KEY_MAX], b[CACHE_KEY_MAX];
	int la = key_of(a, "WWW.Example.COM", KR_TYPE_A, CACHE_KIND_RR);
	int lb = key_of(b, "www.example.com", KR_TYPE_A, CACHE_KIND_RR);
	ck_assert_int_eq(la, lb);
	ck_assert_mem_eq(a, b, (size_t)la);
	ck_assert_mem_eq(a, "com\0example\0www\0\0\0\1\0", (size_t)la);
}
END_TEST

START_TEST(test_key_subtree)
{
	/* Every key of example.com and below shares its prefix, and no other key
	 * sorts between them: a name and its subtree are one range. */
	const char *inside[] = { "example.com", "www.example.com", "a.b.example.com", "\\000.example.com",
				 "\\001x.example.com", "zzz.example.com", "-.example.com" };
	const char *outside[] = { "com", "example.co", "examplf.com", "exampla.com", "aexample.com",
				  "example.com.x", "example\\000.com", "example\\001.com", "." };
	uint8_t prefix[CACHE_KEY_MAX], n[KR_DNAME_MAXLEN];
	int plen = cache_key_name(prefix, test_name(n, "example.com"));
	uint8_t lo[CACHE_KEY_MAX], hi[CACHE_KEY_MAX], k[CACHE_KEY_MAX];
	int lolen = 0, hilen = 0;
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); ++i) {
		for (uint16_t t = 0; t < 3; ++t) {
			int len = key_of(k, inside[i], t ? 0xffff : 1, (uint8_t)t);
			ck_assert_msg(len >= plen && !memcmp(k, prefix, (size_t)plen), "%s lacks the prefix", inside[i]);
			if (!lolen || key_cmp(k, len, lo, lolen) < 0)
				memcpy(lo, k, (size_t)(lolen = len));
			if (!hilen || key_cmp(k, len, hi, hilen) > 0)
				memcpy(hi, k, (size_t)(hilen = len));
		}
	}
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); ++i) {
		int len = key_of(k, outside[i], KR_TYPE_A, CACHE_KIND_RR);
		bool between = key_cmp(k, len, lo, lolen) > 0 && key_cmp(k, len, hi, hilen) < 0;
		ck_assert_msg(!between, "%s sorts inside the example.com range", outside[i]);
		ck_assert(len < plen || memcmp(k, prefix, (size_t)plen) != 0);
	}
	/* The name's own keys come before its children's. */
	int own = key_of(k, "example.com", 0xffff, CACHE_KIND_NXDOMAIN);
	uint8_t c[CACHE_KEY_MAX];
	int child = key_of(c, "\\000.example.com", 0, 0);
	ck_assert_int_lt(key_cmp(k, own, c, child), 0);
}
END_TEST

START_TEST(test_key_parse)
{
	const char *names[] = { ".", "com", "www.Example.com", "\\000\\001\\002.x", "a.b.c.d.e.f.g" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
		uint8_t k[CACHE_KEY_MAX], n[KR_DNAME_MAXLEN], out[KR_DNAME_MAXLEN];
		int len = cache_key_make(k, test_name(n, names[i]), KR_TYPE_AAAA, CACHE_KIND_NODATA);
		uint16_t type;
		uint8_t kind;
		ck_assert_int_eq(cache_key_parse(k, (size_t)len, out, &type, &kind), 0);
		kr_dname_lower(n);
		ck_assert(kr_dname_eq(out, n));
		ck_assert_mem_eq(out, n, kr_dname_size(n));
		ck_assert_int_eq(type, KR_TYPE_AAAA);
		ck_assert_int_eq(kind, CACHE_KIND_NODATA);
	}
	uint8_t out[KR_DNAME_MAXLEN];
	uint16_t type;
	uint8_t kind;
	ck_assert_int_eq(cache_key_parse((const uint8_t *)"com", 3, out, &type, &kind), KR_EMALF);
	ck_assert_int_eq(cache_key_parse((const uint8_t *)"co\1\0\0\0\1\0", 8, out, &type, &kind), KR_EMALF);
	/* The longest name fits the key buffer. */
	uint8_t n[KR_DNAME_MAXLEN], k[CACHE_KEY_MAX];
	memset(n, 0, sizeof(n));
	for (int i = 0; i < 3; ++i)
		n[i * 64] = 63;    /* labels of 63 zero bytes: each byte escaped */
	n[192] = 61;
	n[254] = 0;        /* 3 * 64 + 62 + 1 = 255 bytes */
	int len = cache_key_make(k, n, 1, 0);
	ck_assert_int_le(len, CACHE_KEY_MAX);
	ck_assert_int_eq(cache_key_parse(k, (size_t)len, out, &type, &kind), 0);
	ck_assert_mem_eq(out, n, kr_dname_size(n));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("key");
	unit_tcase(s, "cache_key", NULL, test_key_case, test_key_subtree, test_key_parse);
	return unit_run(s);
}
