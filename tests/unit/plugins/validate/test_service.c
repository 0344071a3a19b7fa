/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of plugins/validate/service.c: the key tags of trust anchors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/validate/validate-impl.h"

#define ROOT ((const uint8_t *)"")
#define EXAMPLE_KEY "example.net. IN DNSKEY %d 3 13 QaLFk1xujozp0wc2zlPLjyzdNJKReJm20fUzJl3m43BCeczIy2n137lQBlktrPXdEbp/EsdS2gp22WfvXkLoGw=="

START_TEST(test_ta_keytags)
{
	struct validate v = { 0 };
	uint16_t tags[KR_VALIDATE_MAX_KEYTAGS];
	ck_assert_int_eq(validate_ta_keytags(&v, ROOT, tags, KR_VALIDATE_MAX_KEYTAGS), 0);
	/* DS anchors: their key tag field, ascending, without duplicates. */
	ck_assert_int_eq(validate_ta_add(&v, ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"), 0);
	ck_assert_int_eq(validate_ta_add(&v, ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"), 0);
	ck_assert_int_eq(validate_ta_add(&v, ". IN DS 20326 8 1 0123456789012345678901234567890123456789"), 0);
	ck_assert_int_eq(validate_ta_keytags(&v, ROOT, tags, KR_VALIDATE_MAX_KEYTAGS), 2);
	ck_assert_uint_eq(tags[0], 20326);
	ck_assert_uint_eq(tags[1], 38696);
	/* max: the smallest ones. */
	ck_assert_int_eq(validate_ta_keytags(&v, ROOT, tags, 1), 1);
	ck_assert_uint_eq(tags[0], 20326);
	/* Only the name itself, not its children or parents. */
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), "example.net."), 0);
	ck_assert_int_eq(validate_ta_keytags(&v, name, tags, KR_VALIDATE_MAX_KEYTAGS), 0);
	/* DNSKEY anchors: the key's tag (RFC 4034 B); a revoked key is left out. */
	char line[512];
	snprintf(line, sizeof(line), EXAMPLE_KEY, 257);
	ck_assert_int_eq(validate_ta_add(&v, line), 0);
	snprintf(line, sizeof(line), EXAMPLE_KEY, 257 | VALIDATE_DNSKEY_REVOKE);
	ck_assert_int_eq(validate_ta_add(&v, line), 0);
	ck_assert_int_eq(validate_ta_keytags(&v, name, tags, KR_VALIDATE_MAX_KEYTAGS), 1);
	ck_assert_uint_eq(tags[0], 24399);
	ck_assert_int_eq(validate_ta_keytags(&v, ROOT, tags, KR_VALIDATE_MAX_KEYTAGS), 2);
	ck_assert_int_eq(validate_ta_keytags(NULL, ROOT, tags, KR_VALIDATE_MAX_KEYTAGS), 0);
	validate_ta_free(&v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate_service");
	TCase *t = tcase_create("service");
	tcase_add_test(t, test_ta_keytags);
	suite_add_tcase(s, t);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
