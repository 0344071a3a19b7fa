/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the rebinding plugin's address classification (plugins/rebinding/classify.c). */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include "plugins/rebinding/rebinding-impl.h"
#include "tests/unit/check_main.h"

static bool is_private(const char *text)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, text, a) == 1)
		return rebinding_addr_private(a, 4);
	ck_assert_int_eq(inet_pton(AF_INET6, text, a), 1);
	return rebinding_addr_private(a, 16);
}

START_TEST(test_addr_private)
{
	const char *yes[] = { "10.0.0.1", "10.255.255.255", "127.0.0.1", "0.0.0.0", "172.16.0.1",
			      "172.31.255.254", "192.168.1.1", "169.254.1.1", "100.64.0.1", "100.127.0.1",
			      "255.255.255.255", "::", "::1", "fe80::1", "febf::1", "fc00::1", "fd12::1",
			      "::ffff:10.1.2.3", "::ffff:127.0.0.1" };
	const char *no[] = { "192.0.2.1", "8.8.8.8", "172.15.0.1", "172.32.0.1", "11.0.0.1",
			     "100.128.0.1", "192.169.0.1", "2001:db8::1", "fec0::1", "fe00::1",
			     "::ffff:192.0.2.1", "64:ff9b::a00:1", "::2" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); ++i)
		ck_assert_msg(is_private(yes[i]), "%s should be private", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); ++i)
		ck_assert_msg(!is_private(no[i]), "%s should not be private", no[i]);
	const uint8_t odd[5] = { 10 };
	ck_assert(!rebinding_addr_private(odd, 5));
}
END_TEST

START_TEST(test_pkt_check)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	ck_assert_ptr_nonnull(pkt);
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), "www.lab."), 0);
	ck_assert_int_eq(kr_pkt_put_question(pkt, name, KR_CLASS_IN, KR_TYPE_A), 0);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_ANSWER), 0);
	kr_rrset_t ok, bad;
	const uint8_t pub[4] = { 192, 0, 2, 1 }, priv[4] = { 10, 0, 0, 1 };
	kr_rrset_init(&ok, name, KR_TYPE_A, KR_CLASS_IN, 300);
	ck_assert_int_eq(kr_rrset_add_rdata(&ok, pub, 4, NULL), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &ok), 0);
	ck_assert_ptr_null(rebinding_pkt_check(pkt));
	/* A private address in the additional section counts too. */
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_ADDITIONAL), 0);
	kr_rrset_init(&bad, name, KR_TYPE_A, KR_CLASS_IN, 300);
	ck_assert_int_eq(kr_rrset_add_rdata(&bad, priv, 4, NULL), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &bad), 0);
	const kr_rrset_t *found = rebinding_pkt_check(pkt);
	ck_assert_ptr_nonnull(found);
	ck_assert_int_eq(found->type, KR_TYPE_A);
	kr_pkt_free(pkt);
	kr_rrset_clear(&ok, NULL);
	kr_rrset_clear(&bad, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rebinding_classify");
	unit_tcase(s, "rebinding_addr_private", NULL, test_addr_private);
	unit_tcase(s, "rebinding_pkt_check", NULL, test_pkt_check);
	return unit_run(s);
}
