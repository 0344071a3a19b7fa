/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/wire/edns.c and of OPT handling in packets. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <kres/pkt.h>
#include "tests/unit/check_main.h"

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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/** Parse a copy of pkt's wire into a new packet (wire owned by it). */
static kr_pkt_t *reparse(const kr_pkt_t *pkt)
{
	uint8_t *copy = malloc(pkt->size);
	memcpy(copy, pkt->wire, pkt->size);
	kr_pkt_t *p = kr_pkt_new(copy, pkt->size, NULL);
	p->size = pkt->size;
	p->owns_wire = true;   /* allocated with malloc, like the NULL mm */
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	return p;
}

START_TEST(test_init)
{
	live = 0;
	kr_rrset_t opt;
	ck_assert_int_eq(kr_edns_init(&opt, 1232, 0, &counting_mm), 0);
	ck_assert_int_eq(live, 1);
	ck_assert_ptr_nonnull(opt.owner);
	ck_assert_int_eq(opt.owner[0], 0);
	ck_assert_uint_eq(opt.type, KR_TYPE_OPT);
	ck_assert_uint_eq(opt.rclass, 1232);
	ck_assert_uint_eq(opt.ttl, 0);
	ck_assert_uint_eq(opt.rrs.count, 1);
	ck_assert_uint_eq(kr_rdataset_first(&opt.rrs)->len, 0);
	ck_assert_int_eq(kr_edns_check(&opt), 0);
	kr_rrset_clear(&opt, &counting_mm);
	ck_assert_int_eq(live, 0);
	ck_assert_int_eq(kr_edns_init(&opt, 4096, 1, NULL), 0);
	ck_assert_uint_eq(opt.ttl, 0x00010000);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_bufsize)
{
	kr_rrset_t opt;
	kr_edns_init(&opt, 4096, 0, NULL);
	ck_assert_uint_eq(kr_edns_bufsize(&opt), 4096);
	opt.rclass = 511;
	ck_assert_uint_eq(kr_edns_bufsize(&opt), 512);
	opt.rclass = 0;
	ck_assert_uint_eq(kr_edns_bufsize(&opt), 512);
	opt.rclass = 65535;
	ck_assert_uint_eq(kr_edns_bufsize(&opt), 65535);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_version)
{
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	ck_assert_uint_eq(kr_edns_version(&opt), 0);
	opt.ttl = 0xAB17C0DE;
	ck_assert_uint_eq(kr_edns_version(&opt), 0x17);
	kr_rrset_clear(&opt, NULL);
	kr_edns_init(&opt, 1232, 255, NULL);
	ck_assert_uint_eq(kr_edns_version(&opt), 255);
	ck_assert_uint_eq(kr_edns_ext_rcode(&opt), 0);
	ck_assert(!kr_edns_do(&opt));
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_do)
{
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	opt.ttl = 0x12340001;
	ck_assert(!kr_edns_do(&opt));
	kr_edns_set_do(&opt, true);
	ck_assert(kr_edns_do(&opt));
	ck_assert_uint_eq(opt.ttl, 0x12348001);
	kr_edns_set_do(&opt, true);
	ck_assert_uint_eq(opt.ttl, 0x12348001);
	kr_edns_set_do(&opt, false);
	ck_assert(!kr_edns_do(&opt));
	ck_assert_uint_eq(opt.ttl, 0x12340001);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_ext_rcode)
{
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 3, NULL);
	kr_edns_set_do(&opt, true);
	kr_edns_set_ext_rcode(&opt, 1);
	ck_assert_uint_eq(kr_edns_ext_rcode(&opt), 1);
	ck_assert_uint_eq(opt.ttl, 0x01038000);
	kr_edns_set_ext_rcode(&opt, 0xff);
	ck_assert_uint_eq(opt.ttl, 0xff038000);
	kr_edns_set_ext_rcode(&opt, 0);
	ck_assert_uint_eq(opt.ttl, 0x00038000);
	ck_assert_uint_eq(kr_edns_version(&opt), 3);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_options)
{
	live = 0;
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, &counting_mm);
	uint16_t len = 99;
	ck_assert_ptr_null(kr_edns_get_option(&opt, KR_EDNS_OPT_NSID, &len));
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_NSID, 0, NULL, &counting_mm), 0);
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_COOKIE, 8,
					    (const uint8_t *)"\1\2\3\4\5\6\7\10", &counting_mm), 0);
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_PADDING, 3,
					    (const uint8_t *)"\0\0\0", &counting_mm), 0);
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_COOKIE, 1, (const uint8_t *)"x", &counting_mm), 0);
	ck_assert_int_eq(live, 1);
	ck_assert_uint_eq(opt.rrs.count, 1);
	const struct kr_rdata *rd = kr_rdataset_first(&opt.rrs);
	ck_assert_uint_eq(rd->len, 4 + 12 + 7 + 5);
	ck_assert_mem_eq(rd->data, "\0\3\0\0\0\12\0\10\1\2\3\4\5\6\7\10\0\14\0\3\0\0\0\0\12\0\1x", 28);
	ck_assert_uint_eq(opt.rrs.size, 2 + 28);

	const uint8_t *o = kr_edns_get_option(&opt, KR_EDNS_OPT_NSID, &len);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(len, 0);
	o = kr_edns_get_option(&opt, KR_EDNS_OPT_COOKIE, &len);   /* the first one */
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(o, "\1\2\3\4\5\6\7\10", 8);
	ck_assert_ptr_eq(o, rd->data + 8);
	o = kr_edns_get_option(&opt, KR_EDNS_OPT_PADDING, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_null(kr_edns_get_option(&opt, KR_EDNS_OPT_EDE, &len));
	ck_assert_int_eq(kr_edns_check(&opt), 0);
	kr_rrset_clear(&opt, &counting_mm);
	ck_assert_int_eq(live, 0);

	/* the RDATA limit */
	kr_edns_init(&opt, 1232, 0, NULL);
	uint8_t *big = calloc(1, 65535);
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_PADDING, 65532, big, NULL), -EINVAL);
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_PADDING, 65531, big, NULL), 0);
	ck_assert_int_eq(kr_edns_add_option(&opt, KR_EDNS_OPT_PADDING, 0, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(kr_rdataset_first(&opt.rrs)->len, 65535);
	ck_assert_uint_eq(kr_edns_wire_size(&opt), 11 + 65535);
	free(big);
	kr_rrset_clear(&opt, NULL);

	/* an OPT without any RDATA item yet */
	kr_rrset_init(&opt, (uint8_t *)"", KR_TYPE_OPT, 512, 0);
	ck_assert_ptr_null(kr_edns_get_option(&opt, 3, &len));
	ck_assert_uint_eq(kr_edns_wire_size(&opt), 11);
	ck_assert_int_eq(kr_edns_check(&opt), 0);
	ck_assert_int_eq(kr_edns_add_option(&opt, 3, 2, (const uint8_t *)"id", NULL), 0);
	ck_assert_uint_eq(opt.rrs.count, 1);
	ck_assert_mem_eq(kr_edns_get_option(&opt, 3, &len), "id", 2);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_check)
{
	kr_rrset_t opt;
	kr_rrset_init(&opt, (uint8_t *)"", KR_TYPE_OPT, 1232, 0);
	const uint8_t bad1[] = { 0, 3, 0, 5, 'a' };   /* length beyond the RDATA */
	const uint8_t bad2[] = { 0, 3, 0 };           /* cut header */
	const uint8_t good[] = { 0, 3, 0, 1, 'a', 0, 12, 0, 0 };
	kr_rrset_add_rdata(&opt, bad1, sizeof(bad1), NULL);
	ck_assert_int_eq(kr_edns_check(&opt), KR_EMALF);
	uint16_t len;
	ck_assert_ptr_null(kr_edns_get_option(&opt, 3, &len));   /* never reads past the RDATA */
	kr_rrset_clear(&opt, NULL);
	kr_rrset_add_rdata(&opt, bad2, sizeof(bad2), NULL);
	ck_assert_int_eq(kr_edns_check(&opt), KR_EMALF);
	ck_assert_ptr_null(kr_edns_get_option(&opt, 3, &len));
	kr_rrset_clear(&opt, NULL);
	kr_rrset_add_rdata(&opt, good, sizeof(good), NULL);
	ck_assert_int_eq(kr_edns_check(&opt), 0);
	ck_assert_ptr_nonnull(kr_edns_get_option(&opt, 12, &len));
	ck_assert_uint_eq(len, 0);
	/* two RDATA items, or not an OPT at all */
	kr_rrset_add_rdata(&opt, good, sizeof(good), NULL);
	ck_assert_int_eq(kr_edns_check(&opt), KR_EMALF);
	kr_rrset_clear(&opt, NULL);
	opt.type = KR_TYPE_TXT;
	ck_assert_int_eq(kr_edns_check(&opt), KR_EMALF);
}
END_TEST

START_TEST(test_wire_size)
{
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	ck_assert_uint_eq(kr_edns_wire_size(&opt), 11);
	kr_edns_add_option(&opt, KR_EDNS_OPT_COOKIE, 8, (const uint8_t *)"12345678", NULL);
	ck_assert_uint_eq(kr_edns_wire_size(&opt), 11 + 12);
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	size_t before = pkt->size;
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	ck_assert_uint_eq(pkt->size - before, kr_edns_wire_size(&opt));
	kr_pkt_free(pkt);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

START_TEST(test_put_opt)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	uint8_t qname[] = "\7example\3com";
	kr_pkt_put_question(pkt, qname, KR_CLASS_IN, KR_TYPE_A);
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	kr_edns_set_do(&opt, true);
	kr_edns_add_option(&opt, KR_EDNS_OPT_NSID, 4, (const uint8_t *)"kres", NULL);
	ck_assert_int_eq(kr_pkt_reserve(pkt, (uint16_t)kr_edns_wire_size(&opt)), 0);
	kr_rrset_t a;
	kr_rrset_init(&a, qname, KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&a, (const uint8_t *)"\1\2\3\4", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &a), 0);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	ck_assert_ptr_eq(pkt->opt, &opt);
	ck_assert_uint_eq(pkt->reserved, 0);   /* the reservation was for it */
	ck_assert_uint_eq(get16(pkt->wire + 10), 1);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ADDITIONAL), 1);
	ck_assert_uint_eq(kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, 0)->type, KR_TYPE_OPT);
	/* the wire bytes */
	const uint8_t *w = pkt->wire + pkt->size - 19;
	ck_assert_mem_eq(w, "\0\0\51\4\xd0\0\0\x80\0\0\10\0\3\0\4kres", 19);
	/* a second OPT, or something else */
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), -EINVAL);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &a), -EINVAL);

	kr_pkt_t *p2 = reparse(pkt);
	ck_assert_ptr_nonnull(p2->opt);
	ck_assert_uint_eq(kr_edns_bufsize(p2->opt), 1232);
	ck_assert(kr_edns_do(p2->opt));
	ck_assert_uint_eq(kr_edns_version(p2->opt), 0);
	uint16_t len;
	ck_assert_mem_eq(kr_edns_get_option(p2->opt, KR_EDNS_OPT_NSID, &len), "kres", 4);
	ck_assert_uint_eq(len, 4);
	kr_pkt_free(p2);
	kr_pkt_free(pkt);

	/* no room */
	pkt = kr_pkt_new(NULL, 12 + 11 + 7, NULL);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), KR_ESPACE);
	ck_assert_uint_eq(pkt->size, 12);
	ck_assert_ptr_null(pkt->opt);
	ck_assert_uint_eq(get16(pkt->wire + 10), 0);
	kr_pkt_free(pkt);
	pkt = kr_pkt_new(NULL, 12 + 11 + 8, NULL);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	kr_pkt_free(pkt);
	/* an OPT with a non-root owner is refused */
	opt.owner = qname;
	pkt = kr_pkt_new(NULL, 512, NULL);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), -EINVAL);
	kr_pkt_free(pkt);
	kr_rrset_clear(&opt, NULL);
	kr_rrset_clear(&a, NULL);
}
END_TEST

START_TEST(test_set_rcode)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	kr_pkt_put_question(pkt, (uint8_t *)"", KR_CLASS_IN, KR_TYPE_NS);
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_BADVERS), -EINVAL);   /* no OPT yet */
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	size_t ttl_off = pkt->size - 11 + 5;
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_BADVERS), 0);
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_BADVERS);
	ck_assert_int_eq(pkt->wire[3] & 0x0f, 0);
	ck_assert_uint_eq(kr_edns_ext_rcode(&opt), 1);
	ck_assert_int_eq(pkt->wire[ttl_off], 1);   /* the written OPT is patched */
	ck_assert_uint_eq(kr_edns_ext_rcode(kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, 0)), 1);
	kr_pkt_t *p2 = reparse(pkt);
	ck_assert_uint_eq(kr_pkt_rcode(p2), KR_RCODE_BADVERS);
	ck_assert_uint_eq(kr_edns_ext_rcode(p2->opt), 1);
	/* on a parsed packet: the wire follows too */
	ck_assert_int_eq(kr_pkt_set_rcode(p2, 0x0FF3), 0);
	ck_assert_uint_eq(kr_pkt_rcode(p2), 0x0FF3);
	kr_pkt_t *p3 = reparse(p2);
	ck_assert_uint_eq(kr_pkt_rcode(p3), 0x0FF3);
	kr_pkt_free(p3);
	kr_pkt_free(p2);
	/* back to a plain rcode clears the upper bits */
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_SERVFAIL), 0);
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_SERVFAIL);
	ck_assert_int_eq(pkt->wire[ttl_off], 0);
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, 0x1000), -EINVAL);
	/* after truncation the OPT is gone */
	kr_pkt_truncate(pkt);
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_BADVERS), -EINVAL);
	kr_pkt_free(pkt);

	/* the other order: extended bits on the OPT first, then written */
	pkt = kr_pkt_new(NULL, 512, NULL);
	kr_edns_set_ext_rcode(&opt, KR_RCODE_BADVERS >> 4);
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_BADVERS & 0x0f), 0);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_BADVERS);
	p2 = reparse(pkt);
	ck_assert_uint_eq(kr_pkt_rcode(p2), KR_RCODE_BADVERS);
	kr_pkt_free(p2);
	kr_pkt_free(pkt);
	kr_rrset_clear(&opt, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("edns");
	unit_tcase(s, "init", NULL, test_init);
	unit_tcase(s, "bufsize", NULL, test_bufsize);
	unit_tcase(s, "version", NULL, test_version);
	unit_tcase(s, "do", NULL, test_do);
	unit_tcase(s, "ext_rcode", NULL, test_ext_rcode);
	unit_tcase(s, "options", NULL, test_options);
	unit_tcase(s, "check", NULL, test_check);
	unit_tcase(s, "wire_size", NULL, test_wire_size);
	unit_tcase(s, "put_opt", NULL, test_put_opt);
	unit_tcase(s, "set_rcode", NULL, test_set_rcode);
	return unit_run(s);
}
