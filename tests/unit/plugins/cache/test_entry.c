/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of stored entries (entry.c): TTL arithmetic, encoding, and the rank rule. */
#include "tests/unit/plugins/cache/testutil.h"

START_TEST(test_ttl_clamp)
{
	ck_assert_uint_eq(cache_ttl_clamp(300, 0, 518400), 300);
	ck_assert_uint_eq(cache_ttl_clamp(0, 0, 518400), 0);
	ck_assert_uint_eq(cache_ttl_clamp(1000000, 0, 518400), 518400);
	ck_assert_uint_eq(cache_ttl_clamp(5, 60, 518400), 60);
	ck_assert_uint_eq(cache_ttl_clamp(5, 60, 30), 30);   /* max wins */
	ck_assert_uint_eq(cache_ttl_clamp(UINT32_MAX, 0, UINT32_MAX), UINT32_MAX);
}
END_TEST

START_TEST(test_ttl_remaining)
{
	struct cache_entry_hdr h = { .expire = 1000 + 300, .ttl = 300 };
	ck_assert_uint_eq(cache_ttl_remaining(&h, 1000), 300);
	ck_assert_uint_eq(cache_ttl_remaining(&h, 1001), 299);
	ck_assert_uint_eq(cache_ttl_remaining(&h, 1299), 1);
	ck_assert_uint_eq(cache_ttl_remaining(&h, 1300), 0);   /* expired: never served */
	ck_assert_uint_eq(cache_ttl_remaining(&h, 5000), 0);
	ck_assert_uint_eq(cache_ttl_remaining(&h, 10), 300);   /* clock went back */
	struct cache_entry_hdr z = { .expire = 1000, .ttl = 0 };
	ck_assert_uint_eq(cache_ttl_remaining(&z, 1000), 0);
}
END_TEST

START_TEST(test_entry_roundtrip)
{
	struct kr_arena *a = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(a);
	uint8_t owner[KR_DNAME_MAXLEN], soa_owner[KR_DNAME_MAXLEN];
	kr_rrset_t rr, sig;
	kr_rrset_init(&rr, test_name(owner, "WWW.example.com"), KR_TYPE_A, KR_CLASS_IN, 300);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc0\x00\x02\x01", 4, mm);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc0\x00\x02\x02", 4, mm);
	kr_rrset_init(&sig, test_name(soa_owner, "example.com"), KR_TYPE_RRSIG, KR_CLASS_IN, 300);
	kr_rrset_add_rdata(&sig, (const uint8_t *)"\x00\x01\x0d\x02\x00\x00\x01\x2c\x00", 9, mm);
	struct cache_set sets[2] = { { .rr = rr, .section = KR_SECTION_ANSWER },
				     { .rr = sig, .section = KR_SECTION_AUTHORITY } };
	struct cache_entry_hdr h = { .expire = 12345, .ttl = 300, .rank = KR_RANK_AUTH_ANSWER | KR_RANK_SECURE,
				     .kind = CACHE_KIND_RR };
	size_t len;
	uint8_t *val = cache_entry_encode(&h, sets, 2, mm, &len);
	ck_assert_ptr_nonnull(val);
	struct cache_entry_hdr got;
	ck_assert_int_eq(cache_entry_header(val, len, &got), 0);
	ck_assert_uint_eq(got.expire, 12345);
	ck_assert_uint_eq(got.ttl, 300);
	ck_assert_uint_eq(got.rank, KR_RANK_AUTH_ANSWER | KR_RANK_SECURE);
	ck_assert_uint_eq(got.nsets, 2);
	struct cache_set out[4];
	ck_assert_int_eq(cache_entry_decode(val, len, 77, out, 4), 2);
	ck_assert_uint_eq(out[0].rr.type, KR_TYPE_A);
	ck_assert_uint_eq(out[0].rr.ttl, 77);
	ck_assert_uint_eq(out[0].rr.rrs.count, 2);
	ck_assert(kr_dname_eq(out[0].rr.owner, owner));
	ck_assert_int_eq(out[0].rr.owner[1], 'w');   /* stored lower-case */
	ck_assert_mem_eq(kr_rdataset_at(&out[0].rr.rrs, 1)->data, "\xc0\x00\x02\x02", 4);
	ck_assert_uint_eq(out[1].rr.type, KR_TYPE_RRSIG);
	ck_assert_uint_eq(out[1].section, KR_SECTION_AUTHORITY);
	ck_assert_uint_eq(kr_rdataset_first(&out[1].rr.rrs)->len, 9);
	/* RDATA is not copied: it points into the entry. */
	ck_assert(out[0].rr.rrs.data > val && out[0].rr.rrs.data < val + len);
	/* Truncated or too many sets: rejected. */
	ck_assert_int_eq(cache_entry_decode(val, len - 1, 77, out, 4), KR_EMALF);
	ck_assert_int_eq(cache_entry_decode(val, len, 77, out, 1), KR_EMALF);
	ck_assert_int_eq(cache_entry_header(val, 5, &got), KR_EMALF);
	cache_entry_set_rank(val, KR_RANK_GLUE);
	cache_entry_header(val, len, &got);
	ck_assert_uint_eq(got.rank, KR_RANK_GLUE);
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_rank_rule)
{
	/* Answer data is not replaced by authority data, nor anything by glue. */
	ck_assert(!kr_cache_rank_replaces(KR_RANK_AUTH, KR_RANK_AUTH_ANSWER));
	ck_assert(!kr_cache_rank_replaces(KR_RANK_NONAUTH, KR_RANK_ANSWER));
	ck_assert(!kr_cache_rank_replaces(KR_RANK_GLUE, KR_RANK_AUTH));
	ck_assert(!kr_cache_rank_replaces(KR_RANK_GLUE, KR_RANK_NONAUTH));
	ck_assert(kr_cache_rank_replaces(KR_RANK_GLUE, KR_RANK_GLUE));
	ck_assert(kr_cache_rank_replaces(KR_RANK_AUTH_ANSWER, KR_RANK_GLUE));
	ck_assert(kr_cache_rank_replaces(KR_RANK_ANSWER, KR_RANK_ANSWER));
	/* Validated data outranks unvalidated, whatever the base. */
	ck_assert(kr_cache_rank_replaces(KR_RANK_AUTH | KR_RANK_SECURE, KR_RANK_AUTH_ANSWER));
	ck_assert(!kr_cache_rank_replaces(KR_RANK_AUTH_ANSWER, KR_RANK_GLUE | KR_RANK_SECURE));
	ck_assert(!kr_cache_rank_replaces(KR_RANK_AUTH_ANSWER | KR_RANK_INSECURE, KR_RANK_ANSWER | KR_RANK_SECURE));
	/* Bogus: replaced by anything, never replaces validated data. */
	ck_assert(kr_cache_rank_replaces(KR_RANK_GLUE, KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS));
	ck_assert(kr_cache_rank_replaces(KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS, KR_RANK_AUTH_ANSWER));
	ck_assert(!kr_cache_rank_replaces(KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS, KR_RANK_GLUE | KR_RANK_SECURE));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("entry");
	unit_tcase(s, "cache_entry", NULL, test_ttl_clamp, test_ttl_remaining, test_entry_roundtrip,
		   test_rank_rule);
	return unit_run(s);
}
