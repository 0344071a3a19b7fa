/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of plugins/validate/denial.c on the example zones of RFC 4035
 * appendix A (NSEC) and RFC 5155 appendix A (NSEC3, salt aabbccdd, 12
 * iterations), with the questions of their appendix B responses.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "tests/unit/plugins/validate/arena_fixture.h"

static const uint8_t *dname(const char *text)
{
	uint8_t *n = kr_mm_alloc(mm, KR_DNAME_MAXLEN);
	ck_assert_int_gt(kr_dname_from_str(n, KR_DNAME_MAXLEN, text), 0);
	return n;
}

/* --- NSEC: the RFC 4035 zone --- */

static const char *nsec_zone[][2] = {
	{ "example.", "NS SOA MX RRSIG NSEC DNSKEY" },
	{ "a.example.", "NS DS RRSIG NSEC" },
	{ "ai.example.", "A HINFO AAAA RRSIG NSEC" },
	{ "b.example.", "NS RRSIG NSEC" },
	{ "ns1.example.", "A RRSIG NSEC" },
	{ "ns2.example.", "A RRSIG NSEC" },
	{ "*.w.example.", "MX RRSIG NSEC" },
	{ "x.w.example.", "MX RRSIG NSEC" },
	{ "x.y.w.example.", "MX RRSIG NSEC" },
	{ "xx.example.", "A HINFO AAAA RRSIG NSEC" },
};
#define NSEC_N (sizeof(nsec_zone) / sizeof(nsec_zone[0]))

/** A context holding the NSEC records of the listed owners (NULL-terminated). */
static struct validate_denial_ctx nsec_ctx(const char *const *owners)
{
	struct validate_denial_ctx d = { .zone = dname("example.") };
	for (; *owners; ++owners)
		for (size_t i = 0; i < NSEC_N; ++i)
			if (strcmp(nsec_zone[i][0], *owners) == 0) {
				char line[256];
				snprintf(line, sizeof(line), "%s 3600 IN NSEC %s %s", nsec_zone[i][0],
					 nsec_zone[(i + 1) % NSEC_N][0], nsec_zone[i][1]);
				d.nsec[d.nsec_count++] = rr_parse(line);
			}
	return d;
}
#define NSEC_CTX(...) nsec_ctx((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_nsec_name_error)
{
	/* B.2: ml.example is covered by b.example, *.example by the apex NSEC. */
	struct validate_denial_ctx d = NSEC_CTX("b.example.", "example.");
	ck_assert_int_eq(validate_deny_name(&d, dname("ml.example.")), VALIDATE_DENIAL_PROVEN);
	d = NSEC_CTX("b.example.");
	ck_assert_int_eq(validate_deny_name(&d, dname("ml.example.")), VALIDATE_DENIAL_MISSING);
	d = NSEC_CTX("example.");
	ck_assert_int_eq(validate_deny_name(&d, dname("ml.example.")), VALIDATE_DENIAL_MISSING);
	/* A name that exists cannot be denied; nor one below a delegation point. */
	d = NSEC_CTX("ns1.example.", "example.");
	ck_assert_int_eq(validate_deny_name(&d, dname("ns1.example.")), VALIDATE_DENIAL_MISSING);
	d = NSEC_CTX("b.example.", "example.");
	ck_assert_int_eq(validate_deny_name(&d, dname("foo.b.example.")), VALIDATE_DENIAL_MISSING);
	/* Out of the zone. */
	ck_assert_int_eq(validate_deny_name(&d, dname("ml.other.")), VALIDATE_DENIAL_MISSING);
}
END_TEST

START_TEST(test_nsec_no_data)
{
	/* B.3: ns1.example MX. */
	struct validate_denial_ctx d = NSEC_CTX("ns1.example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("ns1.example."), KR_TYPE_MX), VALIDATE_DENIAL_PROVEN);
	ck_assert_int_eq(validate_deny_type(&d, dname("ns1.example."), KR_TYPE_A), VALIDATE_DENIAL_MISSING);
	/* The parent side of the unsigned delegation b.example: no DS, but nothing about A. */
	d = NSEC_CTX("b.example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("b.example."), KR_TYPE_DS), VALIDATE_DENIAL_PROVEN);
	ck_assert_int_eq(validate_deny_type(&d, dname("b.example."), KR_TYPE_A), VALIDATE_DENIAL_MISSING);
	/* a.example has a DS; the apex NSEC says nothing about the parent's DS. */
	d = NSEC_CTX("a.example.", "example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("a.example."), KR_TYPE_DS), VALIDATE_DENIAL_MISSING);
	ck_assert_int_eq(validate_deny_type(&d, dname("example."), KR_TYPE_DS), VALIDATE_DENIAL_MISSING);
	/* The empty non-terminal y.w.example: x.w.example's next name lies below it. */
	d = NSEC_CTX("x.w.example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("y.w.example."), KR_TYPE_A), VALIDATE_DENIAL_PROVEN);
	ck_assert_int_eq(validate_deny_type(&d, dname("y.w.example."), KR_TYPE_DS), VALIDATE_DENIAL_PROVEN);
	/* B.7: wildcard no data, a.z.w.example AAAA: the name is covered, *.w.example has no AAAA. */
	d = NSEC_CTX("x.y.w.example.", "*.w.example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("a.z.w.example."), KR_TYPE_AAAA), VALIDATE_DENIAL_PROVEN);
	ck_assert_int_eq(validate_deny_type(&d, dname("a.z.w.example."), KR_TYPE_MX), VALIDATE_DENIAL_MISSING);
	d = NSEC_CTX("x.y.w.example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("a.z.w.example."), KR_TYPE_AAAA), VALIDATE_DENIAL_MISSING);
}
END_TEST

START_TEST(test_nsec_expansion)
{
	/* B.6: a.z.w.example MX from *.w.example (RRSIG labels 2). */
	struct validate_denial_ctx d = NSEC_CTX("x.y.w.example.");
	ck_assert_int_eq(validate_deny_expansion(&d, dname("a.z.w.example."), 2), VALIDATE_DENIAL_PROVEN);
	/* A claimed expansion from *.example skips the closer encloser w.example. */
	ck_assert_int_eq(validate_deny_expansion(&d, dname("a.z.w.example."), 1), VALIDATE_DENIAL_MISSING);
	d = NSEC_CTX("ns1.example.");
	ck_assert_int_eq(validate_deny_expansion(&d, dname("a.z.w.example."), 2), VALIDATE_DENIAL_MISSING);
}
END_TEST

/* --- NSEC3: the RFC 5155 zone (c.example is an unsigned delegation, not in the chain) --- */

static const char *nsec3_zone[][2] = {
	{ "example.", "NS SOA MX RRSIG DNSKEY NSEC3PARAM" },
	{ "a.example.", "NS DS RRSIG" },
	{ "ai.example.", "A HINFO AAAA RRSIG" },
	{ "ns1.example.", "A RRSIG" },
	{ "ns2.example.", "A RRSIG" },
	{ "w.example.", "" },
	{ "*.w.example.", "MX RRSIG" },
	{ "x.w.example.", "MX RRSIG" },
	{ "y.w.example.", "" },
	{ "x.y.w.example.", "MX RRSIG" },
	{ "xx.example.", "A HINFO AAAA RRSIG" },
};
#define NSEC3_N (sizeof(nsec3_zone) / sizeof(nsec3_zone[0]))

static void b32hex(const uint8_t h[20], char out[33])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	for (int i = 0; i < 32; ++i) {
		int v = 0;
		for (int b = i * 5; b < i * 5 + 5; ++b)
			v = (v << 1) | ((h[b / 8] >> (7 - b % 8)) & 1);
		out[i] = digits[v];
	}
	out[32] = '\0';
}

static void hash_of(const char *name, uint16_t iters, uint8_t h[20])
{
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	ck_assert_int_eq(validate_nsec3_hash(dname(name), salt, 4, iters, h), 0);
}

/** The NSEC3 records (flags, iterations) of the listed owners, with the next hashes of the chain. */
static struct validate_denial_ctx nsec3_ctx(int flags, uint16_t iters, const char *const *owners)
{
	uint8_t h[NSEC3_N][20];
	for (size_t i = 0; i < NSEC3_N; ++i)
		hash_of(nsec3_zone[i][0], iters, h[i]);
	struct validate_denial_ctx d = { .zone = dname("example.") };
	for (; *owners; ++owners) {
		size_t i;
		for (i = 0; i < NSEC3_N && strcmp(nsec3_zone[i][0], *owners) != 0; ++i)
			;
		ck_assert_uint_lt(i, NSEC3_N);
		size_t next = NSEC3_N;   /* the smallest hash above ours, else the smallest of all */
		for (size_t j = 0; j < NSEC3_N; ++j)
			if (memcmp(h[j], h[i], 20) > 0 && (next == NSEC3_N || memcmp(h[j], h[next], 20) < 0))
				next = j;
		if (next == NSEC3_N)
			for (size_t j = 0; j < NSEC3_N; ++j)
				if (next == NSEC3_N || memcmp(h[j], h[next], 20) < 0)
					next = j;
		char own[33], nxt[33], line[300];
		b32hex(h[i], own);
		b32hex(h[next], nxt);
		snprintf(line, sizeof(line), "%s.example. 3600 IN NSEC3 1 %d %u aabbccdd %s %s", own, flags,
			 iters, nxt, nsec3_zone[i][1]);
		d.nsec3[d.nsec3_count++] = rr_parse(line);
	}
	return d;
}
#define NSEC3_CTX(flags, ...) nsec3_ctx(flags, 12, (const char *const[]){ __VA_ARGS__, NULL })
/** The whole chain of the zone. */
#define NSEC3_ALL(flags) NSEC3_CTX(flags, "example.", "a.example.", "ai.example.", "ns1.example.", \
				   "ns2.example.", "w.example.", "*.w.example.", "x.w.example.", \
				   "y.w.example.", "x.y.w.example.", "xx.example.")

/** all without its NSEC3 record number skip. */
static struct validate_denial_ctx without(const struct validate_denial_ctx *all, unsigned skip)
{
	struct validate_denial_ctx d = *all;
	d.nsec3_count = 0;
	for (unsigned i = 0; i < all->nsec3_count; ++i)
		if (i != skip)
			d.nsec3[d.nsec3_count++] = all->nsec3[i];
	return d;
}

START_TEST(test_nsec3_hashes_are_the_rfc_ones)
{
	/* RFC 5155 appendix A: the owner names of the example zone's NSEC3 records. */
	struct validate_denial_ctx d = NSEC3_CTX(0, "example.", "a.example.", "x.y.w.example.");
	ck_assert_msg(strncmp((const char *)d.nsec3[0]->owner + 1, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom", 32) == 0, "apex");
	ck_assert_msg(strncmp((const char *)d.nsec3[1]->owner + 1, "35mthgpgcu1qg68fab165klnsnk3dpvl", 32) == 0, "a");
	ck_assert_msg(strncmp((const char *)d.nsec3[2]->owner + 1, "2vptu5timamqttgl4luu9kg21e0aor3s", 32) == 0, "x.y.w");
}
END_TEST

START_TEST(test_nsec3_name_error)
{
	/* B.1: a.c.x.w.example: closest encloser x.w.example, next closer c.x.w.example covered,
	 * *.x.w.example covered. Which records do that is computed, not assumed. */
	struct validate_denial_ctx all = NSEC3_ALL(0);
	ck_assert_int_eq(validate_deny_name(&all, dname("a.c.x.w.example.")), VALIDATE_DENIAL_PROVEN);
	/* Leaving any one record out of the full chain breaks some proof; each proof needs at most three. */
	unsigned needed = 0;
	for (unsigned skip = 0; skip < all.nsec3_count; ++skip) {
		struct validate_denial_ctx d = without(&all, skip);
		if (validate_deny_name(&d, dname("a.c.x.w.example.")) == VALIDATE_DENIAL_MISSING)
			++needed;
	}
	ck_assert_uint_ge(needed, 2);
	ck_assert_uint_le(needed, 3);
	/* Existing names are never denied. */
	ck_assert_int_eq(validate_deny_name(&all, dname("x.w.example.")), VALIDATE_DENIAL_MISSING);
	ck_assert_int_eq(validate_deny_name(&all, dname("y.w.example.")), VALIDATE_DENIAL_MISSING);
	/* Opt-out on the span: unsigned names may exist there. */
	struct validate_denial_ctx o = NSEC3_ALL(1);
	ck_assert_int_eq(validate_deny_name(&o, dname("a.c.x.w.example.")), VALIDATE_DENIAL_OPTOUT);
}
END_TEST

START_TEST(test_nsec3_no_data)
{
	/* B.2: ns1.example MX; B.2.1: the empty non-terminal y.w.example A. */
	struct validate_denial_ctx d = NSEC3_CTX(0, "ns1.example.", "y.w.example.");
	ck_assert_int_eq(validate_deny_type(&d, dname("ns1.example."), KR_TYPE_MX), VALIDATE_DENIAL_PROVEN);
	ck_assert_int_eq(validate_deny_type(&d, dname("ns1.example."), KR_TYPE_A), VALIDATE_DENIAL_MISSING);
	ck_assert_int_eq(validate_deny_type(&d, dname("y.w.example."), KR_TYPE_A), VALIDATE_DENIAL_PROVEN);
	/* B.3 / 8.6: the DS of the unsigned delegation c.example, in an opt-out span. */
	struct validate_denial_ctx all0 = NSEC3_ALL(0);
	struct validate_denial_ctx all1 = NSEC3_ALL(1);
	ck_assert_int_eq(validate_deny_type(&all1, dname("c.example."), KR_TYPE_DS), VALIDATE_DENIAL_OPTOUT);
	ck_assert_int_eq(validate_deny_type(&all0, dname("c.example."), KR_TYPE_DS), VALIDATE_DENIAL_MISSING);
	/* a.example has a DS; the apex has no DS but its record is the child's side. */
	ck_assert_int_eq(validate_deny_type(&all0, dname("a.example."), KR_TYPE_DS), VALIDATE_DENIAL_MISSING);
	ck_assert_int_eq(validate_deny_type(&all0, dname("example."), KR_TYPE_DS), VALIDATE_DENIAL_MISSING);
	/* B.5: wildcard no data, a.z.w.example AAAA (and *.w.example has MX). */
	ck_assert_int_eq(validate_deny_type(&all0, dname("a.z.w.example."), KR_TYPE_AAAA), VALIDATE_DENIAL_PROVEN);
	ck_assert_int_eq(validate_deny_type(&all0, dname("a.z.w.example."), KR_TYPE_MX), VALIDATE_DENIAL_MISSING);
}
END_TEST

START_TEST(test_nsec3_expansion)
{
	/* B.4: a.z.w.example MX from *.w.example: z.w.example is covered. */
	struct validate_denial_ctx all = NSEC3_ALL(0);
	ck_assert_int_eq(validate_deny_expansion(&all, dname("a.z.w.example."), 2), VALIDATE_DENIAL_PROVEN);
	/* From *.example: the next closer w.example exists. */
	ck_assert_int_eq(validate_deny_expansion(&all, dname("a.z.w.example."), 1), VALIDATE_DENIAL_MISSING);
	/* With opt-out the name might be an unsigned delegation: insecure (as in RFC 5155's own zone). */
	struct validate_denial_ctx o = NSEC3_ALL(1);
	ck_assert_int_eq(validate_deny_expansion(&o, dname("a.z.w.example."), 2), VALIDATE_DENIAL_OPTOUT);
	ck_assert_int_eq(validate_deny_type(&o, dname("a.z.w.example."), KR_TYPE_AAAA), VALIDATE_DENIAL_OPTOUT);
	struct validate_denial_ctx none = NSEC3_CTX(0, "ns1.example.");
	ck_assert_int_eq(validate_deny_expansion(&none, dname("a.z.w.example."), 2), VALIDATE_DENIAL_MISSING);
}
END_TEST

START_TEST(test_nsec3_limits)
{
	/* RFC 9276: above 150 iterations the proof is not checked: insecure. */
	struct validate_denial_ctx d = nsec3_ctx(0, 151, (const char *const[]){ "ns1.example.", NULL });
	ck_assert_int_eq(validate_deny_type(&d, dname("ns1.example."), KR_TYPE_MX), VALIDATE_DENIAL_UNSUPPORTED);
	/* Records of another zone do not count. */
	d = NSEC3_CTX(0, "ns1.example.");
	d.zone = dname("other.");
	ck_assert_int_eq(validate_deny_type(&d, dname("ns1.example."), KR_TYPE_MX), VALIDATE_DENIAL_MISSING);
	/* Nothing at all proves nothing. */
	struct validate_denial_ctx empty = { .zone = dname("example.") };
	ck_assert_int_eq(validate_deny_name(&empty, dname("ml.example.")), VALIDATE_DENIAL_MISSING);
	ck_assert_int_eq(validate_deny_type(&empty, dname("ns1.example."), KR_TYPE_MX), VALIDATE_DENIAL_MISSING);
}
END_TEST

START_TEST(test_nsec3_wrap_around)
{
	/* The record with the greatest hash covers the hashes above it and below the
	 * smallest: a next closer name hashed there is denied by it alone. */
	struct validate_denial_ctx all = NSEC3_ALL(0);
	uint8_t lo[20], hi[20], h[20];
	memset(lo, 0xff, 20);
	memset(hi, 0, 20);
	unsigned last = 0;
	for (unsigned i = 0; i < all.nsec3_count; ++i) {
		const struct kr_rdata *rd = kr_rdataset_first(&all.nsec3[i]->rrs);
		const uint8_t *next = rd->data + 5 + rd->data[4] + 1;
		if (memcmp(next, lo, 20) < 0)
			memcpy(lo, next, 20);
		if (memcmp(next, hi, 20) > 0) {
			memcpy(hi, next, 20);
		}
	}
	/* The wrapping record: its next hash is the smallest one. */
	for (unsigned i = 0; i < all.nsec3_count; ++i) {
		const struct kr_rdata *rd = kr_rdataset_first(&all.nsec3[i]->rrs);
		if (memcmp(rd->data + 5 + rd->data[4] + 1, lo, 20) == 0)
			last = i;
	}
	unsigned found = 0;
	for (int i = 0; i < 400 && found < 2; ++i) {
		char name[64];
		snprintf(name, sizeof(name), "q%d.x.w.example.", i);
		hash_of(name, 12, h);
		bool below = memcmp(h, lo, 20) < 0, above = memcmp(h, hi, 20) > 0;
		if (!below && !above)
			continue;
		++found;
		ck_assert_int_eq(validate_deny_name(&all, dname(name)), VALIDATE_DENIAL_PROVEN);
		struct validate_denial_ctx d = without(&all, last);
		ck_assert_int_eq(validate_deny_name(&d, dname(name)), VALIDATE_DENIAL_MISSING);
	}
	ck_assert_uint_gt(found, 0);
}
END_TEST

START_TEST(test_nsec3_delegation_hides)
{
	/* a.example is a delegation (NS, no SOA): nothing below it is denied by the parent. */
	struct validate_denial_ctx all = NSEC3_ALL(0);
	ck_assert_int_eq(validate_deny_name(&all, dname("foo.a.example.")), VALIDATE_DENIAL_MISSING);
	ck_assert_int_eq(validate_deny_type(&all, dname("foo.a.example."), KR_TYPE_A), VALIDATE_DENIAL_MISSING);
}
END_TEST

START_TEST(test_service_functions)
{
	/* kr_validate_api.denial and .nsec3_hash, as the cache uses them. */
	struct validate_denial_ctx d = NSEC_CTX("b.example.", "example.");
	const kr_rrset_t *sets[2] = { d.nsec[0], d.nsec[1] };
	const uint8_t *zone = dname("example.");
	ck_assert_int_eq(validate_denial_check(zone, sets, 2, KR_DENY_NAME, dname("ml.example."), 0, 0), 0);
	ck_assert_int_eq(validate_denial_check(zone, sets, 1, KR_DENY_NAME, dname("ml.example."), 0, 0), -ENOENT);
	ck_assert_int_eq(validate_denial_check(zone, sets, 2, KR_DENY_TYPE, dname("b.example."), KR_TYPE_DS, 0), 0);
	struct validate_denial_ctx o = NSEC3_ALL(1);
	ck_assert_int_eq(validate_denial_check(zone, o.nsec3, o.nsec3_count, KR_DENY_NAME,
					       dname("a.c.x.w.example."), 0, 0), -EOPNOTSUPP);
	ck_assert_int_eq(validate_denial_check(zone, o.nsec3, o.nsec3_count, KR_DENY_EXPANSION,
					       dname("a.z.w.example."), 0, 2), -EOPNOTSUPP);
	/* The hash with a record's parameters (RFC 5155 appendix A: the apex). */
	const struct kr_rdata *rd = kr_rdataset_first(&o.nsec3[0]->rrs);
	uint8_t h[20], want[20];
	ck_assert_int_eq(validate_nsec3_hash_rdata(zone, rd->data, rd->len, h), 0);
	hash_of("example.", 12, want);
	ck_assert_mem_eq(h, want, 20);
	uint8_t bad[9];
	memcpy(bad, rd->data, 9);
	bad[2] = 0, bad[3] = 151;   /* iterations above the limit */
	ck_assert_int_eq(validate_nsec3_hash_rdata(zone, bad, 9, h), -ENOTSUP);
	bad[2] = 0, bad[3] = 12, bad[0] = 2;   /* not SHA-1 */
	ck_assert_int_eq(validate_nsec3_hash_rdata(zone, bad, 9, h), -ENOTSUP);
	ck_assert_int_eq(validate_nsec3_hash_rdata(zone, bad, 6, h), -EINVAL);   /* salt cut */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate_denial");
	TCase *t = tcase_create("denial");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_nsec_name_error);
	tcase_add_test(t, test_nsec_no_data);
	tcase_add_test(t, test_nsec_expansion);
	tcase_add_test(t, test_nsec3_hashes_are_the_rfc_ones);
	tcase_add_test(t, test_nsec3_name_error);
	tcase_add_test(t, test_nsec3_no_data);
	tcase_add_test(t, test_nsec3_expansion);
	tcase_add_test(t, test_nsec3_limits);
	tcase_add_test(t, test_nsec3_wrap_around);
	tcase_add_test(t, test_nsec3_delegation_hides);
	tcase_add_test(t, test_service_functions);
	suite_add_tcase(s, t);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
