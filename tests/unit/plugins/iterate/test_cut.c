/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of zone cuts (cut.c): glue acceptance by mode(), NS limits. */
#include "tests/unit/plugins/iterate/testutil.h"

#define L(...) (const char *const[]){ __VA_ARGS__, NULL }

START_TEST(glue_by_mode)
{
	/* the reference's table: org servers delegating example.org */
	const uint8_t *child = N("example.org."), *parent = N("org.");
	ck_assert(iter_glue_ok(N("ns1.example.org."), child, parent, ITER_STRICT));
	ck_assert(iter_glue_ok(N("ns1.example.org."), child, parent, ITER_NORMAL));
	ck_assert(iter_glue_ok(N("ns1.example.org."), child, parent, ITER_PERMISSIVE));
	ck_assert(!iter_glue_ok(N("ns1.example2.org."), child, parent, ITER_STRICT));
	ck_assert(iter_glue_ok(N("ns1.example2.org."), child, parent, ITER_NORMAL));
	ck_assert(iter_glue_ok(N("ns1.example2.org."), child, parent, ITER_PERMISSIVE));
	ck_assert(!iter_glue_ok(N("ns1.example3.net."), child, parent, ITER_STRICT));
	ck_assert(!iter_glue_ok(N("ns1.example3.net."), child, parent, ITER_NORMAL));
	ck_assert(iter_glue_ok(N("ns1.example3.net."), child, parent, ITER_PERMISSIVE));
	ck_assert_int_eq(iter_mode_of(KR_QF_STRICT), ITER_STRICT);
	ck_assert_int_eq(iter_mode_of(KR_QF_PERMISSIVE), ITER_PERMISSIVE);
	ck_assert_int_eq(iter_mode_of(0), ITER_NORMAL);
}
END_TEST

static const struct iter_ns *ns_named(const struct iter_cut *c, const char *name)
{
	for (uint8_t i = 0; i < c->ns_count; ++i)
		if (kr_dname_eq(c->ns[i].name, N(name)))
			return &c->ns[i];
	ck_abort_msg("no NS %s", name);
	return NULL;
}

START_TEST(referral_glue_per_mode)
{
	kr_pkt_t *p = test_reply("www.example.org.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
				 L("example.org. 300 NS ns1.example.org.", "example.org. 300 NS ns1.example2.org.",
				   "example.org. 300 NS ns1.example3.net."),
				 L("ns1.example.org. 300 A 198.18.1.1", "ns1.example.org. 300 AAAA 2001:db8::1",
				   "ns1.example2.org. 300 A 198.18.1.2", "ns1.example3.net. 300 A 198.18.1.3",
				   "unrelated.org. 300 A 198.18.1.4"));
	struct { enum iter_mode mode; int a, b, c; } cases[] = {
		{ ITER_STRICT, 2, 0, 0 }, { ITER_NORMAL, 2, 1, 0 }, { ITER_PERMISSIVE, 2, 1, 1 },
	};
	for (size_t i = 0; i < 3; ++i) {
		struct iter_cut *c = iter_cut_from_referral(p, N("example.org."), N("org."), cases[i].mode, test_mm());
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(T(c->zone), "example.org.");
		ck_assert_int_eq(c->ns_count, 3);
		ck_assert_int_eq(ns_named(c, "ns1.example.org.")->addr_count, cases[i].a);
		ck_assert_int_eq(ns_named(c, "ns1.example2.org.")->addr_count, cases[i].b);
		ck_assert_int_eq(ns_named(c, "ns1.example3.net.")->addr_count, cases[i].c);
		ck_assert_int_eq(iter_cut_addr_count(c), cases[i].a + cases[i].b + cases[i].c);
	}
	/* from the root everything is in bailiwick (normal mode) */
	struct iter_cut *c = iter_cut_from_referral(p, N("example.org."), N("."), ITER_NORMAL, test_mm());
	ck_assert_int_eq(iter_cut_addr_count(c), 4);
}
END_TEST

START_TEST(ns_explosion_bounded)
{
	const char *ns[40];
	char lines[32][64];
	for (int i = 0; i < 32; ++i) {
		snprintf(lines[i], sizeof(lines[i]), "boom.lab. 300 NS ns%d.elsewhere.net.", i);
		ns[i] = lines[i];
	}
	ns[32] = NULL;
	kr_pkt_t *p = test_reply("boom.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL, ns, NULL);
	struct iter_cut *c = iter_cut_from_referral(p, N("boom.lab."), N("lab."), ITER_NORMAL, test_mm());
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->ns_count, ITER_MAX_NS);
	ck_assert_int_eq(iter_cut_addr_count(c), 0);

	/* no NS at the zone: no cut */
	p = test_reply("boom.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL, L("other.lab. 300 NS a.lab."), NULL);
	ck_assert_ptr_null(iter_cut_from_referral(p, N("boom.lab."), N("lab."), ITER_NORMAL, test_mm()));
}
END_TEST

START_TEST(ns_addresses)
{
	struct iter_ns ns;
	memset(&ns, 0, sizeof(ns));
	uint8_t a[4] = { 198, 18, 0, 1 };
	ck_assert(iter_ns_add_addr(&ns, a, 4));
	ck_assert(!iter_ns_add_addr(&ns, a, 4));   /* duplicate */
	ck_assert(!iter_ns_add_addr(&ns, a, 3));   /* bad length */
	for (uint8_t i = 2; i < 20; ++i) {
		a[3] = i;
		iter_ns_add_addr(&ns, a, 4);
	}
	ck_assert_int_eq(ns.addr_count, ITER_NS_ADDRS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iterate_cut");
	unit_tcase(s, "cut", NULL, glue_by_mode, referral_glue_per_mode, ns_explosion_bounded,
		   ns_addresses);
	return test_run(s);
}
