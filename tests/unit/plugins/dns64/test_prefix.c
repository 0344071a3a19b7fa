/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the dns64 plugin's address math (plugins/dns64/prefix.c). */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include "plugins/dns64/dns64-impl.h"
#include "tests/unit/check_main.h"

static void v6(const char *text, uint8_t *out)
{
	ck_assert_int_eq(inet_pton(AF_INET6, text, out), 1);
}

START_TEST(test_subnet_parse)
{
	struct dns64_subnet s;
	uint8_t a[16];
	ck_assert_int_eq(dns64_subnet_parse("64:ff9b::/96", true, &s), 0);
	ck_assert_int_eq(s.len, 96);
	ck_assert_int_eq(dns64_subnet_parse("64:ff9b::", true, &s), 0);
	ck_assert_int_eq(s.len, 96);
	ck_assert_int_eq(dns64_subnet_parse("2001:db8::1", false, &s), 0);
	ck_assert_int_eq(s.len, 128);
	/* Bits past the length are cleared. */
	ck_assert_int_eq(dns64_subnet_parse("2001:db8:ffff::/36", false, &s), 0);
	v6("2001:db8:f000::", a);
	ck_assert_mem_eq(s.addr, a, 16);
	ck_assert_int_eq(dns64_subnet_parse("2001:db8::/129", false, &s), -EINVAL);
	ck_assert_int_eq(dns64_subnet_parse("2001:db8::/", false, &s), -EINVAL);
	ck_assert_int_eq(dns64_subnet_parse("2001:db8::/x", false, &s), -EINVAL);
	ck_assert_int_eq(dns64_subnet_parse("192.0.2.1", false, &s), -EINVAL);
	ck_assert_int_eq(dns64_subnet_parse(NULL, false, &s), -EINVAL);
}
END_TEST

START_TEST(test_subnet_has)
{
	struct dns64_subnet s;
	uint8_t a[16];
	ck_assert_int_eq(dns64_subnet_parse("::ffff:0:0/96", false, &s), 0);
	v6("::ffff:192.0.2.1", a);
	ck_assert(dns64_subnet_has(&s, a));
	v6("::fffe:192.0.2.1", a);
	ck_assert(!dns64_subnet_has(&s, a));
	ck_assert_int_eq(dns64_subnet_parse("2001:db8:8000::/33", false, &s), 0);
	v6("2001:db8:8000::1", a);
	ck_assert(dns64_subnet_has(&s, a));
	v6("2001:db8:7fff::1", a);
	ck_assert(!dns64_subnet_has(&s, a));
	ck_assert_int_eq(dns64_subnet_parse("::/0", false, &s), 0);
	ck_assert(dns64_subnet_has(&s, a));
}
END_TEST

START_TEST(test_synth_and_exclude)
{
	struct dns64 d;
	dns64_defaults(&d);
	uint8_t out[16], want[16];
	const uint8_t v4[4] = { 192, 0, 2, 33 };
	dns64_synth(&d, v4, out);
	v6("64:ff9b::c000:221", want);
	ck_assert_mem_eq(out, want, 16);
	v6("::ffff:1.2.3.4", want);
	ck_assert(dns64_excluded(&d, want));
	v6("2001:db8::1", want);
	ck_assert(!dns64_excluded(&d, want));
}
END_TEST

START_TEST(test_reverse_target)
{
	struct dns64 d;
	dns64_defaults(&d);
	uint8_t name[KR_DNAME_MAXLEN], target[KR_DNAME_MAXLEN], want[KR_DNAME_MAXLEN];
	/* 64:ff9b::c000:221 = 64:ff9b::192.0.2.33 */
	const char *rev = "1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.";
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), rev), 0);
	ck_assert_int_eq(dns64_reverse_target(&d, name, target), 0);
	ck_assert_int_gt(kr_dname_from_str(want, sizeof(want), "33.2.0.192.in-addr.arpa."), 0);
	ck_assert(kr_dname_eq(target, want));
	/* Upper case nibbles are nibbles too. */
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name),
		"1.2.2.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.IP6.ARPA."), 0);
	ck_assert_int_eq(dns64_reverse_target(&d, name, target), 0);
	/* Outside the prefix, too short, not ip6.arpa, not a nibble. */
	const char *no[] = {
		"1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.1.ip6.arpa.",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.",
		"1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.lab.",
		"1.2.2.0.0.0.0.g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.",
		"ip6.arpa.", ".",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); ++i) {
		ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), no[i]), 0);
		ck_assert_int_eq(dns64_reverse_target(&d, name, target), -ENOENT);
	}
}
END_TEST

START_TEST(test_configure)
{
	struct dns64 d;
	char err[DNS64_ERRLEN];
	uint8_t a[16];
	dns64_defaults(&d);
	ck_assert_int_eq(dns64_configure(&d, "\"fe80::/96\"", err, sizeof(err)), 0);
	v6("fe80::", a);
	ck_assert_mem_eq(d.prefix.addr, a, 16);
	ck_assert_int_eq(dns64_configure(&d,
		"{\"prefix\":\"2001:db8:64::\",\"rev_ttl\":60,\"exclude_subnets\":[\"::ffff:0:0/96\",\"2001:db8:bad::/48\"]}",
		err, sizeof(err)), 0);
	v6("2001:db8:64::", a);
	ck_assert_mem_eq(d.prefix.addr, a, 16);
	ck_assert_int_eq(d.rev_ttl, 60);
	ck_assert_int_eq(d.exclude_count, 2);
	v6("2001:db8:bad::1", a);
	ck_assert(dns64_excluded(&d, a));
	/* Errors leave the configuration as it was. */
	const char *bad[] = { "\"2001:db8::/64\"", "\"nonsense\"", "42", "{\"prefix\":1}",
			      "{\"rev_ttl\":-1}", "{\"exclude_subnets\":[\"x\"]}", "{\"unknown\":1}", "{" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		err[0] = '\0';
		ck_assert_int_eq(dns64_configure(&d, bad[i], err, sizeof(err)), -EINVAL);
		ck_assert_msg(err[0] != '\0', "no message for %s", bad[i]);
	}
	ck_assert_int_eq(d.rev_ttl, 60);
	ck_assert_int_eq(d.exclude_count, 2);
	/* An empty list excludes nothing. */
	ck_assert_int_eq(dns64_configure(&d, "{\"exclude_subnets\":{}}", err, sizeof(err)), 0);
	ck_assert_int_eq(d.exclude_count, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns64_prefix");
	unit_tcase(s, "dns64_subnet_parse", NULL, test_subnet_parse);
	unit_tcase(s, "dns64_subnet_has", NULL, test_subnet_has);
	unit_tcase(s, "dns64_synth_excluded", NULL, test_synth_and_exclude);
	unit_tcase(s, "dns64_reverse_target", NULL, test_reverse_target);
	unit_tcase(s, "dns64_configure", NULL, test_configure);
	return unit_run(s);
}
