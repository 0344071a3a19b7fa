/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPZ zone files: triggers and their actions, wildcards, errors with FILE:LINE, a big zone. */
#include <time.h>
#include "tests/unit/plugins/policy/testutil.h"

static const char *zone =
	"$TTL 300\n"
	"@ SOA localhost. root.localhost. (\n"
	"      1 ; serial\n"
	"      3600 1200 604800 60 )\n"
	"  NS localhost.\n"
	"; comments and blank lines\n"
	"\n"
	"bad.lab          CNAME .\n"
	"*.bad.lab        CNAME .\n"
	"nodata.lab       CNAME *.\n"
	"ok.bad.lab       CNAME rpz-passthru.\n"
	"drop.lab         CNAME rpz-drop.\n"
	"tcp.lab          CNAME rpz-tcp-only.\n"
	"local.lab        A 192.0.2.7\n"
	"                 A 192.0.2.8\n"
	"local.lab     60 TXT \"local ; data\"\n"
	"alias.lab        CNAME target.example.\n"
	"*.wild.lab       A 192.0.2.9\n"
	"32.1.2.0.192.rpz-ip CNAME .\n";

static const struct policy_rpz_entry *match(const struct policy_rpz *z, const char *name, char *zone_text)
{
	uint8_t wire[KR_DNAME_MAXLEN], lname[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(wire, sizeof(wire), name), 0);
	policy_name_lower(lname, wire);
	const uint8_t *zn = NULL;
	const struct policy_rpz_entry *e = policy_rpz_match(z, lname, &zn);
	if (e && zone_text)
		kr_dname_to_str(zone_text, KR_DNAME_MAXTEXT, zn);
	return e;
}

START_TEST(test_triggers)
{
	char *path = test_file(zone);
	char err[POLICY_ERRLEN] = "";
	struct policy_rpz *z = policy_rpz_load(path, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_uint_eq(z->entries, 9);
	ck_assert_uint_eq(z->ignored, 1);
	char zn[KR_DNAME_MAXTEXT];
	const struct policy_rpz_entry *e = match(z, "bad.lab.", zn);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, POLICY_DENY);
	ck_assert_str_eq(zn, "bad.lab.");
	e = match(z, "www.Bad.Lab.", zn);
	ck_assert_int_eq(e->type, POLICY_DENY);
	ck_assert_str_eq(zn, "bad.lab.");
	/* The exact trigger beats the wildcard of its parent. */
	ck_assert_int_eq(match(z, "ok.bad.lab.", NULL)->type, POLICY_PASS);
	ck_assert_int_eq(match(z, "x.ok.bad.lab.", NULL)->type, POLICY_DENY);
	ck_assert_int_eq(match(z, "nodata.lab.", NULL)->type, POLICY_NODATA);
	ck_assert_ptr_null(match(z, "x.nodata.lab.", NULL));
	ck_assert_int_eq(match(z, "drop.lab.", NULL)->type, POLICY_NO_ANSWER);
	ck_assert_int_eq(match(z, "tcp.lab.", NULL)->type, POLICY_TC);
	e = match(z, "local.lab.", NULL);
	ck_assert_int_eq(e->type, POLICY_LOCAL);
	ck_assert_uint_eq(e->rrs_count, 2);
	ck_assert_uint_eq(e->rrs[0].type, KR_TYPE_A);
	ck_assert_uint_eq(e->rrs[0].rrs.count, 2);
	ck_assert_uint_eq(e->rrs[0].ttl, 300);
	ck_assert_uint_eq(e->rrs[1].type, KR_TYPE_TXT);
	ck_assert_uint_eq(e->rrs[1].ttl, 60);
	e = match(z, "alias.lab.", NULL);
	ck_assert_int_eq(e->type, POLICY_LOCAL);
	ck_assert_uint_eq(e->rrs[0].type, KR_TYPE_CNAME);
	ck_assert_int_eq(match(z, "a.b.wild.lab.", NULL)->type, POLICY_LOCAL);
	ck_assert_ptr_null(match(z, "wild.lab.", NULL));
	ck_assert_ptr_null(match(z, "lab.", NULL));
	ck_assert_ptr_null(match(z, "localhost.", NULL));
	policy_rpz_free(z);
	test_file_drop(path);
}
END_TEST

START_TEST(test_origin)
{
	/* Names relative to the zone's apex; without a SOA, to $ORIGIN. */
	char *path = test_file("$ORIGIN rpz.local.\n@ 3600 IN SOA rpz.local. root.rpz.local. 1 2 3 4 5\n"
			       "bad.example CNAME .\nbad.example.rpz.local. A 192.0.2.1\n");
	char err[POLICY_ERRLEN] = "";
	struct policy_rpz *z = policy_rpz_load(path, err, sizeof(err));
	ck_assert_ptr_null(z);
	ck_assert_msg(strstr(err, ":4: a trigger with a CNAME action cannot have other records"), "%s", err);
	test_file_drop(path);
	path = test_file("$ORIGIN rpz.local.\nbad.example CNAME .\n");
	z = policy_rpz_load(path, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_ptr_nonnull(match(z, "bad.example.", NULL));
	ck_assert_ptr_null(match(z, "bad.example.rpz.local.", NULL));
	policy_rpz_free(z);
	test_file_drop(path);
}
END_TEST

START_TEST(test_errors)
{
	static const char *bad[][2] = {
		{ "ok.lab CNAME .\nbad.lab A 1.2.3\n", ":2: cannot parse the record" },
		{ "ok.lab CNAME .\n\n\nx.lab NOSUCHTYPE foo\n", ":4: cannot parse the record" },
		{ "$INCLUDE other.rpz\n", ":1: unsupported directive $INCLUDE" },
		{ "$TTL forever\n", ":1: invalid $TTL" },
		{ "  A 192.0.2.1\n", ":1: no owner name" },
		{ "a.lab SOA a. b. ( 1 2 3\n 4 5\n", ":1: unbalanced parentheses" },
		{ "$ORIGIN zone.\n@ SOA zone. root.zone. 1 2 3 4 5\nx.other. CNAME .\n", ":3: record outside the zone" },
		{ "x.lab CH TXT \"a\"\n", ":1: only class IN" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		char *path = test_file(bad[i][0]);
		char err[POLICY_ERRLEN] = "";
		struct policy_rpz *z = policy_rpz_load(path, err, sizeof(err));
		ck_assert_msg(z == NULL, "case %zu loaded", i);
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && strstr(err, bad[i][1]),
			      "case %zu: '%s' lacks '%s'", i, err, bad[i][1]);
		test_file_drop(path);
	}
}
END_TEST

START_TEST(test_big_zone)
{
	/* 100k triggers (half of them wildcards) load in reasonable time. */
	size_t cap = 100000 * 48, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "$TTL 60\n@ SOA rpz. root.rpz. 1 2 3 4 5\n");
	for (int i = 0; i < 100000; ++i)
		len += (size_t)snprintf(text + len, cap - len, "%sblock%d.example.com CNAME .\n",
					i % 2 ? "*." : "", i);
	char *path = test_file(text);
	free(text);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char err[POLICY_ERRLEN] = "";
	struct policy_rpz *z = policy_rpz_load(path, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_uint_eq(z->entries, 100000);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("MEASURE: RPZ of 100000 triggers loaded in %.0f ms\n", ms);
	ck_assert_ptr_nonnull(match(z, "block99998.example.com.", NULL));
	ck_assert_ptr_nonnull(match(z, "x.y.block99999.example.com.", NULL));
	ck_assert_ptr_null(match(z, "block99999.example.com.", NULL));
	policy_rpz_free(z);
	test_file_drop(path);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { NULL, NULL, 120 };
	Suite *s = suite_create("rpz");
	unit_tcase(s, "rpz", &fx, test_triggers, test_origin, test_errors, test_big_zone);
	return unit_run(s);
}
