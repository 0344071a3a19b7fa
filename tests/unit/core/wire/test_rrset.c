/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/wire/rrset.c and of the RDATA descriptors of core/wire/rdesc.c */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <kres/rrset.h>
#include "core/wire/wire-impl.h"
#include "tests/unit/check_main.h"

/* A memory context that counts live blocks, to catch leaks and wrong frees. */
static int live;

static void *counting_alloc(void *ctx, size_t size)
{
	++*(int *)ctx;
	return malloc(size);
}

static void counting_free(void *ctx, void *ptr)
{
	if (ptr)
		--*(int *)ctx;
	free(ptr);
}

static kr_mm_t counting_mm = { &live, counting_alloc, counting_free };

static uint8_t owner[] = "\3www\7example\3com";

START_TEST(test_init)
{
	kr_rrset_t rr;
	memset(&rr, 0xAB, sizeof(rr));
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 300);
	ck_assert_ptr_eq(rr.owner, owner);
	ck_assert_uint_eq(rr.type, KR_TYPE_A);
	ck_assert_uint_eq(rr.rclass, KR_CLASS_IN);
	ck_assert_uint_eq(rr.ttl, 300);
	ck_assert_uint_eq(rr.rrs.count, 0);
	ck_assert_uint_eq(rr.rrs.size, 0);
	ck_assert_ptr_null(rr.rrs.data);
	ck_assert_ptr_null(kr_rdataset_first(&rr.rrs));
}
END_TEST

START_TEST(test_add_rdata)
{
	live = 0;
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_TXT, KR_CLASS_IN, 60);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\3abc", 4, &counting_mm), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\2ab", 3, &counting_mm), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, NULL, 0, &counting_mm), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\3abc", 4, &counting_mm), 0);
	ck_assert_uint_eq(rr.rrs.count, 4);
	/* items of even size: 2+4, 2+3+1, 2+0, 2+4 */
	ck_assert_uint_eq(rr.rrs.size, 6 + 6 + 2 + 6);
	ck_assert_int_eq(live, 1);
	struct kr_rdata *rd = kr_rdataset_first(&rr.rrs);
	ck_assert_uint_eq(rd->len, 4);
	ck_assert_mem_eq(rd->data, "\3abc", 4);
	ck_assert_uint_eq(((uintptr_t)rd) % 2, 0);
	rd = kr_rdataset_next(&rr.rrs, rd);
	ck_assert_uint_eq(rd->len, 3);
	ck_assert_mem_eq(rd->data, "\2ab", 3);
	rd = kr_rdataset_next(&rr.rrs, rd);
	ck_assert_uint_eq(rd->len, 0);
	ck_assert_uint_eq(((uintptr_t)rd) % 2, 0);
	rd = kr_rdataset_next(&rr.rrs, rd);
	ck_assert_uint_eq(rd->len, 4);   /* duplicates are kept */
	ck_assert_ptr_null(kr_rdataset_next(&rr.rrs, rd));
	/* a big item */
	uint8_t big[65535];
	memset(big, 7, sizeof(big));
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, big, 65535, &counting_mm), 0);
	rd = kr_rdataset_at(&rr.rrs, 4);
	ck_assert_uint_eq(rd->len, 65535);
	ck_assert_mem_eq(rd->data, big, 65535);
	kr_rrset_clear(&rr, &counting_mm);
	ck_assert_int_eq(live, 0);
}
END_TEST

START_TEST(test_clear)
{
	live = 0;
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 300);
	kr_rrset_clear(&rr, &counting_mm);   /* empty set: fine */
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\4", 4, &counting_mm), 0);
	kr_rrset_clear(&rr, &counting_mm);
	ck_assert_int_eq(live, 0);
	ck_assert_uint_eq(rr.rrs.count, 0);
	ck_assert_uint_eq(rr.rrs.size, 0);
	ck_assert_ptr_null(rr.rrs.data);
	ck_assert_ptr_eq(rr.owner, owner);   /* the owner is not released */
	/* reusable after clear */
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\5", 4, &counting_mm), 0);
	ck_assert_uint_eq(rr.rrs.count, 1);
	kr_rrset_clear(&rr, &counting_mm);
	ck_assert_int_eq(live, 0);
}
END_TEST

START_TEST(test_copy)
{
	live = 0;
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 300);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\4", 4, &counting_mm);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\5\6\7\10", 4, &counting_mm);
	kr_rrset_t *c = kr_rrset_copy(&rr, &counting_mm);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(live, 4);
	ck_assert_ptr_ne(c->owner, rr.owner);
	ck_assert_mem_eq(c->owner, owner, sizeof(owner));
	ck_assert_ptr_ne(c->rrs.data, rr.rrs.data);
	ck_assert_uint_eq(c->rrs.count, 2);
	ck_assert_uint_eq(c->rrs.size, rr.rrs.size);
	ck_assert_mem_eq(c->rrs.data, rr.rrs.data, rr.rrs.size);
	ck_assert_uint_eq(c->type, KR_TYPE_A);
	ck_assert_uint_eq(c->ttl, 300);
	/* independent */
	kr_rrset_clear(&rr, &counting_mm);
	ck_assert_mem_eq(kr_rdataset_at(&c->rrs, 1)->data, "\5\6\7\10", 4);
	kr_rrset_clear(c, &counting_mm);
	kr_mm_free(&counting_mm, c->owner);
	kr_mm_free(&counting_mm, c);
	ck_assert_int_eq(live, 0);
	/* empty set copies too */
	kr_rrset_init(&rr, owner, KR_TYPE_NS, KR_CLASS_IN, 1);
	c = kr_rrset_copy(&rr, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->rrs.count, 0);
	ck_assert_ptr_null(c->rrs.data);
	free(c->owner);
	free(c);
}
END_TEST

START_TEST(test_first_next)
{
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_TXT, KR_CLASS_IN, 1);
	ck_assert_ptr_null(kr_rdataset_first(&rr.rrs));
	char item[8];
	for (int i = 0; i < 50; ++i) {
		int len = i % 7;
		memset(item, 'a' + i % 26, sizeof(item));
		item[0] = (char)(len ? len - 1 : 0);
		kr_rrset_add_rdata(&rr, (const uint8_t *)item, (uint16_t)len, NULL);
	}
	int n = 0;
	for (struct kr_rdata *rd = kr_rdataset_first(&rr.rrs); rd; rd = kr_rdataset_next(&rr.rrs, rd)) {
		ck_assert_uint_eq(rd->len, n % 7);
		if (rd->len > 1)
			ck_assert_int_eq(rd->data[1], 'a' + n % 26);
		++n;
	}
	ck_assert_int_eq(n, 50);
	kr_rrset_clear(&rr, NULL);
}
END_TEST

START_TEST(test_at)
{
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 1);
	ck_assert_ptr_null(kr_rdataset_at(&rr.rrs, 0));
	for (uint8_t i = 0; i < 10; ++i)
		kr_rrset_add_rdata(&rr, (const uint8_t[]){ 10, 0, 0, i }, 4, NULL);
	for (uint8_t i = 0; i < 10; ++i)
		ck_assert_int_eq(kr_rdataset_at(&rr.rrs, i)->data[3], i);
	ck_assert_ptr_null(kr_rdataset_at(&rr.rrs, 10));
	ck_assert_ptr_null(kr_rdataset_at(&rr.rrs, 65535));
	kr_rrset_clear(&rr, NULL);
}
END_TEST

START_TEST(test_sort)
{
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_TXT, KR_CLASS_IN, 1);
	kr_rdataset_sort(&rr.rrs);   /* empty: no-op */
	const char *items[] = { "\3zzz", "\1a", "\2ab", "\1a", "\2aa", "\3abc", "\2ab", "" };
	const uint16_t lens[] = { 4, 2, 3, 2, 3, 4, 3, 0 };
	for (int i = 0; i < 8; ++i)
		kr_rrset_add_rdata(&rr, (const uint8_t *)items[i], lens[i], NULL);
	kr_rdataset_sort(&rr.rrs);
	/* octet order, shorter prefix first, duplicates dropped */
	const char *sorted[] = { "", "\1a", "\2aa", "\2ab", "\3abc", "\3zzz" };
	ck_assert_uint_eq(rr.rrs.count, 6);
	ck_assert_uint_eq(rr.rrs.size, 2 + 4 + 6 + 6 + 6 + 6);
	for (int i = 0; i < 6; ++i) {
		struct kr_rdata *rd = kr_rdataset_at(&rr.rrs, (uint16_t)i);
		ck_assert_uint_eq(rd->len, strlen(sorted[i]) ? (unsigned)sorted[i][0] + 1 : 0);
		ck_assert_mem_eq(rd->data, sorted[i], rd->len);
	}
	kr_rrset_clear(&rr, NULL);

	/* many items (beyond the on-stack fast path), in reverse order, each twice */
	kr_rrset_init(&rr, owner, KR_TYPE_AAAA, KR_CLASS_IN, 1);
	for (int i = 999; i >= 0; --i) {
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		kr_rrset_add_rdata(&rr, a, 16, NULL);
		kr_rrset_add_rdata(&rr, a, 16, NULL);
	}
	kr_rdataset_sort(&rr.rrs);
	ck_assert_uint_eq(rr.rrs.count, 1000);
	ck_assert_uint_eq(rr.rrs.size, 1000 * 18);
	int i = 0;
	for (struct kr_rdata *rd = kr_rdataset_first(&rr.rrs); rd; rd = kr_rdataset_next(&rr.rrs, rd), ++i)
		ck_assert_int_eq((rd->data[14] << 8) | rd->data[15], i);
	kr_rrset_clear(&rr, NULL);
}
END_TEST

/* --- the internal RDATA descriptors --- */

START_TEST(test_rdesc)
{
	const struct kr__rdesc *d = kr__rdesc_get(KR_TYPE_SOA);
	ck_assert_ptr_nonnull(d);
	ck_assert(d->compress);
	ck_assert_int_eq(d->fields[0].kind, KR__RDF_CNAME);
	ck_assert_int_eq(d->fields[1].kind, KR__RDF_CNAME);
	ck_assert_int_eq(d->fields[2].kind, KR__RDF_FIXED);
	ck_assert_int_eq(d->fields[2].len, 20);
	ck_assert_int_eq(d->fields[3].kind, KR__RDF_END);
	/* only the RFC 1035 types compress */
	const uint16_t compress[] = { KR_TYPE_NS, KR_TYPE_CNAME, KR_TYPE_SOA, KR_TYPE_PTR, KR_TYPE_MX };
	for (size_t i = 0; i < sizeof(compress) / sizeof(compress[0]); ++i)
		ck_assert(kr__rdesc_get(compress[i])->compress);
	const uint16_t plain[] = { KR_TYPE_SRV, KR_TYPE_NAPTR, KR_TYPE_DNAME, KR_TYPE_RRSIG,
				   KR_TYPE_NSEC, KR_TYPE_SVCB, KR_TYPE_HTTPS, KR_TYPE_A, KR_TYPE_TXT };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); ++i)
		ck_assert(!kr__rdesc_get(plain[i])->compress);
	ck_assert(kr__rdesc_get(KR_TYPE_RRSIG)->lower);
	ck_assert(!kr__rdesc_get(KR_TYPE_NSEC)->lower);   /* RFC 6840 5.1 */
	ck_assert_ptr_null(kr__rdesc_get(65280));
	ck_assert_ptr_null(kr__rdesc_get(0));
	d = kr__rdesc_get(KR_TYPE_MX);
	ck_assert_int_eq(d->fields[0].kind, KR__RDF_FIXED);
	ck_assert_int_eq(d->fields[0].len, 2);
	ck_assert_int_eq(d->fields[1].kind, KR__RDF_CNAME);
	d = kr__rdesc_get(KR_TYPE_SRV);
	ck_assert_int_eq(d->fields[1].kind, KR__RDF_NAME);
}
END_TEST

START_TEST(test_rdata_check)
{
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_A, (const uint8_t *)"\1\2\3\4", 4), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_A, (const uint8_t *)"\1\2\3\4\5", 5), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_A, (const uint8_t *)"\1\2\3", 3), KR_EMALF);
	uint8_t aaaa[16] = { 0x20, 1 };
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_AAAA, aaaa, 16), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_AAAA, aaaa, 4), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_MX, (const uint8_t *)"\0\12\4mail\0", 8), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_MX, (const uint8_t *)"\0\12\4mail\0x", 9), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_MX, (const uint8_t *)"\0\12\4mai", 6), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_NS, (const uint8_t *)"\1a\xC0\x0C", 4), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_TXT, (const uint8_t *)"\2ab\0\1c", 6), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_TXT, (const uint8_t *)"\2ab\3c", 5), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_TXT, (const uint8_t *)"", 0), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_NAPTR,
		(const uint8_t *)"\0\144\0\12\1S\7SIP+D2U\0\4_sip\0", 21), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_NAPTR,
		(const uint8_t *)"\0\144\0\12\1S\7SIP+D2U", 14), KR_EMALF);
	ck_assert_int_eq(kr__rdata_check(65280, (const uint8_t *)"anything", 8), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_NSEC3PARAM, (const uint8_t *)"\1\0\0\12\0", 5), 0);
	ck_assert_int_eq(kr__rdata_check(KR_TYPE_NSEC3PARAM, (const uint8_t *)"\1\0\0\12\2a", 6), KR_EMALF);
	/* field walking */
	const struct kr__rdf f = { KR__RDF_STR, 0 };
	ck_assert_int_eq(kr__rdf_len(&f, (const uint8_t *)"\2ab", 3), 3);
	ck_assert_int_eq(kr__rdf_len(&f, (const uint8_t *)"\2ab", 2), KR_EMALF);
}
END_TEST

START_TEST(test_rdata_lower)
{
	uint8_t soa[] = "\3NS1\7EXAMPLE\0\5Admin\1X\0SERIALREFRESHRETRYEXPIR";
	const size_t len = 13 + 9 + 20;
	ck_assert_int_eq(kr__rdata_lower(KR_TYPE_SOA, soa, len), 0);
	ck_assert_mem_eq(soa, "\3ns1\7example\0\5admin\1x\0SERIALREFRESHRETRYEXPIR", len);
	uint8_t nsec[] = "\4HOST\7Example\0\0\1\100";
	ck_assert_int_eq(kr__rdata_lower(KR_TYPE_NSEC, nsec, 17), 0);
	ck_assert_mem_eq(nsec, "\4HOST\7Example\0\0\1\100", 17);   /* RFC 6840: untouched */
	uint8_t rrsig[18 + 5 + 3] = { 0, 1 };
	memcpy(rrsig + 18, "\3COM\0SIG", 8);
	ck_assert_int_eq(kr__rdata_lower(KR_TYPE_RRSIG, rrsig, sizeof(rrsig)), 0);
	ck_assert_mem_eq(rrsig + 18, "\3com\0SIG", 8);
	uint8_t txt[] = "\2AB";
	ck_assert_int_eq(kr__rdata_lower(KR_TYPE_TXT, txt, 3), 0);
	ck_assert_mem_eq(txt, "\2AB", 3);
	uint8_t bad[] = "\0\1\3ABC";
	ck_assert_int_eq(kr__rdata_lower(KR_TYPE_MX, bad, 6), KR_EMALF);
	ck_assert_mem_eq(bad, "\0\1\3ABC", 6);
}
END_TEST

START_TEST(test_rdata_cmp)
{
	const uint8_t a[] = "\0\12\4MAIL\0", b[] = "\0\12\4mail\0", c[] = "\0\12\4mailx\0";
	ck_assert_int_eq(kr__rdata_cmp(KR_TYPE_MX, a, 8, b, 8), 0);
	ck_assert_int_lt(kr__rdata_cmp(KR_TYPE_MX, a, 8, c, 9), 0);
	ck_assert_int_gt(kr__rdata_cmp(KR_TYPE_MX, c, 9, a, 8), 0);
	/* without names, plain octets: 'M' < 'm' */
	ck_assert_int_lt(kr__rdata_cmp(KR_TYPE_TXT, (const uint8_t *)"\1M", 2, (const uint8_t *)"\1m", 2), 0);
	ck_assert_int_lt(kr__rdata_cmp(KR_TYPE_A, (const uint8_t *)"\1\2\3\4", 4,
				       (const uint8_t *)"\1\2\3\5", 4), 0);
	ck_assert_int_lt(kr__rdata_cmp(65280, (const uint8_t *)"ab", 2, (const uint8_t *)"abc", 3), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rrset");
	unit_tcase(s, "init", NULL, test_init);
	unit_tcase(s, "add_rdata", NULL, test_add_rdata);
	unit_tcase(s, "clear", NULL, test_clear);
	unit_tcase(s, "copy", NULL, test_copy);
	unit_tcase(s, "first_next", NULL, test_first_next);
	unit_tcase(s, "at", NULL, test_at);
	unit_tcase(s, "sort", NULL, test_sort);
	unit_tcase(s, "rdesc", NULL, test_rdesc);
	unit_tcase(s, "rdata_check", NULL, test_rdata_check);
	unit_tcase(s, "rdata_lower", NULL, test_rdata_lower);
	unit_tcase(s, "rdata_cmp", NULL, test_rdata_cmp);
	return unit_run(s);
}
