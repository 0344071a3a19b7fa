/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the workarounds plugin's domain lists (plugins/workarounds/domains.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/workarounds/workarounds-impl.h"
#include "tests/unit/check_main.h"

static bool no_0x20(const struct workarounds *c, const char *text)
{
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), text), 0);
	return workarounds_no_0x20(c, name);
}

START_TEST(test_builtin)
{
	ck_assert(no_0x20(NULL, "avqs.mcafee.com."));
	ck_assert(no_0x20(NULL, "b-0.19-23003008.1481.1518.19cf.3ea1.410.0.ekzijnekvvvg7gb38qcwur561b.avqs.mcafee.COM."));
	ck_assert(no_0x20(NULL, "www.PantherCDN.com"));
	ck_assert(no_0x20(NULL, "x.cdngc.net."));
	ck_assert(!no_0x20(NULL, "mcafee.com."));
	ck_assert(!no_0x20(NULL, "xavqs.mcafee.com."));
	ck_assert(!no_0x20(NULL, "example.com."));
	ck_assert(!no_0x20(NULL, "."));
}
END_TEST

START_TEST(test_configure)
{
	struct workarounds c;
	char err[WORKAROUNDS_ERRLEN];
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(workarounds_configure(&c, "{\"no_0x20\":[\"Example.COM\",\"broken.lab.\"]}", err, sizeof(err)), 0);
	ck_assert_int_eq(c.no_0x20.count, 2);
	ck_assert(no_0x20(&c, "www.example.com."));
	ck_assert(no_0x20(&c, "EXAMPLE.com."));
	ck_assert(no_0x20(&c, "a.b.broken.lab."));
	ck_assert(!no_0x20(&c, "lab."));
	ck_assert(no_0x20(&c, "avqs.mcafee.com."));   /* the built-in list stays */
	/* One name alone; errors leave the list as it was. */
	ck_assert_int_eq(workarounds_configure(&c, "{\"no_0x20\":\"one.lab\"}", err, sizeof(err)), 0);
	ck_assert_int_eq(c.no_0x20.count, 1);
	ck_assert(!no_0x20(&c, "www.example.com."));
	ck_assert(no_0x20(&c, "one.lab."));
	ck_assert_int_eq(workarounds_configure(&c, "{\"no_0x20\":[\"ok.lab\",3]}", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(workarounds_configure(&c, "{\"no_0x20\":[\"bad..name\"]}", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(workarounds_configure(&c, "{\"no_0x20\":3}", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(workarounds_configure(&c, "{\"other\":[]}", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "other"));
	ck_assert_int_eq(workarounds_configure(&c, "[\"x.lab\"]", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(workarounds_configure(&c, "nonsense", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(c.no_0x20.count, 1);
	ck_assert(no_0x20(&c, "one.lab."));
	/* An empty Lua table ({} in JSON) clears the list. */
	ck_assert_int_eq(workarounds_configure(&c, "{\"no_0x20\":{}}", err, sizeof(err)), 0);
	ck_assert_int_eq(c.no_0x20.count, 0);
	ck_assert(!no_0x20(&c, "one.lab."));
	workarounds_list_free(&c.no_0x20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workarounds_domains");
	unit_tcase(s, "workarounds_no_0x20", NULL, test_builtin);
	unit_tcase(s, "workarounds_configure", NULL, test_configure);
	return unit_run(s);
}
