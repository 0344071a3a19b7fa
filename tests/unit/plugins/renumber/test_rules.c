/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the renumber plugin's prefix math (plugins/renumber/rules.c). */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/renumber/renumber-impl.h"
#include "tests/unit/check_main.h"

/** Rewrite text by c; @return the result as text (static buffer) or "-" when no rule matched. */
static const char *rewrite(const struct renumber *c, const char *text)
{
	static char out[INET6_ADDRSTRLEN];
	uint8_t a[16];
	int af = strchr(text, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(af, text, a), 1);
	if (!renumber_rewrite(c, a, af == AF_INET ? 4 : 16))
		return "-";
	ck_assert_ptr_nonnull(inet_ntop(af, a, out, sizeof(out)));
	return out;
}

START_TEST(test_rule_parse)
{
	struct renumber_rule r;
	char err[RENUMBER_ERRLEN];
	ck_assert_int_eq(renumber_rule_parse("1.2.3.0/24", "4.5.6.0", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.alen, 4);
	ck_assert_int_eq(r.len, 24);
	ck_assert(!r.whole);
	/* Host bits of the source are cleared. */
	ck_assert_int_eq(renumber_rule_parse("1.2.3.77/24", "4.5.6.0", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.src[3], 0);
	ck_assert_int_eq(renumber_rule_parse("10.0.0.0/9", "4.5.6.0", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(renumber_rule_parse("10.255.0.0/9", "4.5.6.0", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.src[1], 0x80);
	ck_assert_int_eq(renumber_rule_parse("2001:db8::/32", "2001:db9::", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.alen, 16);
	ck_assert_int_eq(r.len, 32);
	/* An address alone is a host prefix; "!" maps onto one address. */
	ck_assert_int_eq(renumber_rule_parse("192.0.2.1", "192.0.2.2", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.len, 32);
	ck_assert_int_eq(renumber_rule_parse("2001:db8::/32", "::1!", &r, err, sizeof(err)), 0);
	ck_assert(r.whole);
	/* Errors. */
	ck_assert_int_eq(renumber_rule_parse("1.2.3.0/33", "4.5.6.0", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_rule_parse("1.2.3.0/", "4.5.6.0", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_rule_parse("1.2.3.0/-1", "4.5.6.0", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_rule_parse("1.2.3/24", "4.5.6.0", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_rule_parse("1.2.3.0/24", "nonsense", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_rule_parse("1.2.3.0/24", "2001:db8::", &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "family"));
	ck_assert_int_eq(renumber_rule_parse("2001:db8::/129", "2001:db9::", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_rule_parse(NULL, "4.5.6.0", &r, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_rule_match_apply)
{
	struct renumber_rule r;
	char err[RENUMBER_ERRLEN];
	uint8_t a[16];
	ck_assert_int_eq(renumber_rule_parse("10.128.0.0/9", "192.168.0.0", &r, err, sizeof(err)), 0);
	inet_pton(AF_INET, "10.200.3.4", a);
	ck_assert(renumber_rule_match(&r, a, 4));
	ck_assert(!renumber_rule_match(&r, a, 16));
	renumber_rule_apply(&r, a);
	/* 10.200 = 00001010.1 1001000 -> 11000000.1 1001000 (192.200): bit 9 from the target is 1. */
	uint8_t want[4] = { 192, 200, 3, 4 };
	ck_assert_mem_eq(a, want, 4);
	inet_pton(AF_INET, "10.127.3.4", a);
	ck_assert(!renumber_rule_match(&r, a, 4));
	/* /0 matches everything of its family. */
	ck_assert_int_eq(renumber_rule_parse("0.0.0.0/0", "1.1.1.1", &r, err, sizeof(err)), 0);
	ck_assert(renumber_rule_match(&r, a, 4));
	renumber_rule_apply(&r, a);
	uint8_t same[4] = { 10, 127, 3, 4 };
	ck_assert_mem_eq(a, same, 4);
}
END_TEST

START_TEST(test_rewrite)
{
	struct renumber c;
	char err[RENUMBER_ERRLEN];
	memset(&c, 0, sizeof(c));
	ck_assert_str_eq(rewrite(&c, "1.2.3.4"), "-");
	const char *conf = "[[\"1.2.3.0/24\",\"4.5.6.0\"],[\"1.2.0.0/16\",\"7.7.0.0\"],"
			   "[\"2001:db8::/32\",\"2001:db9::\"],[\"166.55.77.128/26\",\"127.0.0.192\"],"
			   "[\"2001:db8:ffff::/48\",\"::1!\"],[\"198.51.100.0/24\",\"192.0.2.1!\"]]";
	ck_assert_int_eq(renumber_configure(&c, conf, err, sizeof(err)), 0);
	ck_assert_int_eq(c.count, 6);
	ck_assert_str_eq(rewrite(&c, "1.2.3.4"), "4.5.6.4");
	ck_assert_str_eq(rewrite(&c, "1.2.3.255"), "4.5.6.255");
	/* The first matching rule wins. */
	ck_assert_str_eq(rewrite(&c, "1.2.4.5"), "7.7.4.5");
	ck_assert_str_eq(rewrite(&c, "1.3.4.5"), "-");
	ck_assert_str_eq(rewrite(&c, "2001:db8::1"), "2001:db9::1");
	ck_assert_str_eq(rewrite(&c, "2001:db8:ffff::1"), "2001:db9:ffff::1");
	ck_assert_str_eq(rewrite(&c, "2001:db7::1"), "-");
	ck_assert_str_eq(rewrite(&c, "166.55.77.130"), "127.0.0.194");
	ck_assert_str_eq(rewrite(&c, "166.55.77.127"), "-");
	ck_assert_str_eq(rewrite(&c, "198.51.100.77"), "192.0.2.1");
	/* IPv4-mapped IPv6 is IPv6: no IPv4 rule applies. */
	ck_assert_str_eq(rewrite(&c, "::ffff:1.2.3.4"), "-");
}
END_TEST

START_TEST(test_configure)
{
	struct renumber c;
	char err[RENUMBER_ERRLEN];
	memset(&c, 0, sizeof(c));
	/* One rule alone. */
	ck_assert_int_eq(renumber_configure(&c, "[\"1.2.3.0/24\",\"4.5.6.0\"]", err, sizeof(err)), 0);
	ck_assert_int_eq(c.count, 1);
	/* Errors leave the rules as they were. */
	ck_assert_int_eq(renumber_configure(&c, "[[\"1.2.3.0/24\",\"::1\"]]", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_configure(&c, "[[\"1.2.3.0/24\"]]", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_configure(&c, "\"1.2.3.0/24\"", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_configure(&c, "{\"a\":1}", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_configure(&c, "not json", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(renumber_configure(&c, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(c.count, 1);
	/* Configuration replaces the rules; an empty table removes them. */
	ck_assert_int_eq(renumber_configure(&c, "[[\"10.0.0.0/8\",\"11.0.0.0\"],[\"::/0\",\"::\"]]", err, sizeof(err)), 0);
	ck_assert_int_eq(c.count, 2);
	ck_assert_int_eq(renumber_configure(&c, "{}", err, sizeof(err)), 0);
	ck_assert_int_eq(c.count, 0);
	/* Too many rules. */
	char big[RENUMBER_RULES_MAX * 32 + 64] = "[";
	for (int i = 0; i <= RENUMBER_RULES_MAX; ++i)
		strcat(big, i ? ",[\"10.0.0.0/8\",\"11.0.0.0\"]" : "[\"10.0.0.0/8\",\"11.0.0.0\"]");
	strcat(big, "]");
	ck_assert_int_eq(renumber_configure(&c, big, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(c.count, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("renumber_rules");
	unit_tcase(s, "renumber_rule_parse", NULL, test_rule_parse);
	unit_tcase(s, "renumber_rule_match_apply", NULL, test_rule_match_apply);
	unit_tcase(s, "renumber_rewrite", NULL, test_rewrite);
	unit_tcase(s, "renumber_configure", NULL, test_configure);
	return unit_run(s);
}
