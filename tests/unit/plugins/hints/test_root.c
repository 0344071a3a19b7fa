/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the root hints (root.c), their props and the root hints service. */
#include <arpa/inet.h>
#include "tests/unit/plugins/hints/testutil.h"

/* Part of a real named.root, with an owner-less continuation line and odd spacing. */
static const char named_root[] =
	";       This file holds the information on root name servers needed to\n"
	";       initialize cache of Internet domain name servers\n"
	";\n"
	"; FORMERLY NS.INTERNIC.NET\n"
	";\n"
	".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
	"A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4\n"
	"A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30\n"
	"; \n"
	".                        3600000      NS    B.ROOT-SERVERS.NET.\n"
	"B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2\n"
	"                         3600000      AAAA  2801:1b8:10::b\n"
	"\n"
	"TEST.ROOT.EXAMPLE.  3600000  IN  A  192.0.2.53 ; trailing comment\n"
	"; End of file\n";

/** Text of a socket address without the port. */
static const char *sa_text(const union kr_sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->ip.sa_family == AF_INET ? (const void *)&sa->ip4.sin_addr
						    : (const void *)&sa->ip6.sin6_addr;
	return inet_ntop(sa->ip.sa_family, a, buf, (socklen_t)len);
}

/** Is text among the first n addresses of out? */
static bool sa_has(const union kr_sockaddr *out, int n, const char *text)
{
	char buf[INET6_ADDRSTRLEN];
	for (int i = 0; i < n; ++i)
		if (strcmp(sa_text(&out[i], buf, sizeof(buf)), text) == 0)
			return true;
	return false;
}

static const char *root_addr(const json_t *root, const char *name, size_t i)
{
	return json_string_value(json_array_get(json_object_get(root, name), i));
}

START_TEST(test_defaults)
{
	struct hints_root r;
	hints_root_init(&r);
	ck_assert_int_eq(hints_root_defaults(&r), 0);
	ck_assert_uint_eq(r.ns_count, 13);
	ck_assert_uint_eq(r.sa_count, 26);
	for (uint32_t i = 0; i < r.ns_count; ++i) {
		char name[KR_DNAME_MAXTEXT], expect[32];
		kr_dname_to_str(name, sizeof(name), r.ns[i].name);
		snprintf(expect, sizeof(expect), "%c.root-servers.net.", 'a' + (int)i);
		ck_assert_str_eq(name, expect);
		ck_assert_int_eq(r.ns[i].count, 2);
		ck_assert_int_eq(r.ns[i].addrs[0].family, AF_INET);
		ck_assert_int_eq(r.ns[i].addrs[1].family, AF_INET6);
	}
	hints_root_clear(&r);
}
END_TEST

START_TEST(test_get_random_order)
{
	struct hints_root r;
	hints_root_init(&r);
	ck_assert_int_eq(hints_root_defaults(&r), 0);
	union kr_sockaddr out[32], first[32];
	ck_assert_int_eq(hints_root_get(&r, out, 0), 0);
	ck_assert_int_eq(hints_root_get(&r, first, 32), 26);
	/* Every address once, all on port 53. */
	ck_assert(sa_has(first, 26, "198.41.0.4"));
	ck_assert(sa_has(first, 26, "2001:dc3::35"));
	ck_assert(sa_has(first, 26, "170.247.170.2"));
	for (int i = 0; i < 26; ++i) {
		ck_assert_int_eq(ntohs(first[i].ip4.sin_port), 53);   /* same offset in both families */
		for (int j = i + 1; j < 26; ++j)
			ck_assert(memcmp(&first[i], &first[j], sizeof(first[i])) != 0);
	}
	/* Some of 20 later calls must start differently (chance of failure 26^-20). */
	bool differs = false;
	for (int k = 0; k < 20 && !differs; ++k) {
		ck_assert_int_eq(hints_root_get(&r, out, 4), 4);
		differs = memcmp(&out[0], &first[0], sizeof(out[0])) != 0;
	}
	ck_assert(differs);
	hints_root_clear(&r);
}
END_TEST

START_TEST(test_load_file)
{
	char *path = test_file(named_root);
	struct hints_root r;
	hints_root_init(&r);
	char err[HINTS_ERRLEN] = "";
	ck_assert_int_eq(hints_root_load_file(&r, path, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(r.ns_count, 3);
	ck_assert_uint_eq(r.sa_count, 5);
	union kr_sockaddr out[8];
	ck_assert_int_eq(hints_root_get(&r, out, 8), 5);
	ck_assert(sa_has(out, 5, "198.41.0.4"));
	ck_assert(sa_has(out, 5, "2001:503:ba3e::2:30"));
	ck_assert(sa_has(out, 5, "170.247.170.2"));
	ck_assert(sa_has(out, 5, "2801:1b8:10::b"));   /* the continuation line's owner is B */
	ck_assert(sa_has(out, 5, "192.0.2.53"));
	char name[KR_DNAME_MAXTEXT];
	kr_dname_to_str(name, sizeof(name), r.ns[1].name);
	ck_assert_str_eq(name, "b.root-servers.net.");
	ck_assert_int_eq(r.ns[1].count, 2);
	hints_root_clear(&r);
	test_file_drop(path);
}
END_TEST

START_TEST(test_load_file_errors)
{
	char err[HINTS_ERRLEN] = "";
	struct hints_root r;
	hints_root_init(&r);
	char *bad = test_file(
		"A.ROOT-SERVERS.NET. 3600000 A 198.41.0.4\n"
		"; comment\n"
		"B.ROOT-SERVERS.NET. 3600000 A 300.1.2.3\n");
	ck_assert_int_eq(hints_root_load_file(&r, bad, err, sizeof(err)), KR_EMALF);
	char where[600];
	snprintf(where, sizeof(where), "%s:3:", bad);
	ck_assert_msg(strstr(err, where) != NULL, "error '%s' lacks '%s'", err, where);
	hints_root_clear(&r);
	test_file_drop(bad);

	char *only_ns = test_file(". 3600000 NS a.root-servers.net.\n");
	ck_assert_int_eq(hints_root_load_file(&r, only_ns, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "no A or AAAA"));
	hints_root_clear(&r);
	test_file_drop(only_ns);

	ck_assert_int_eq(hints_root_load_file(&r, "/nonexistent/named.root", err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/named.root"));
	hints_root_clear(&r);
}
END_TEST

START_TEST(test_prop_root)
{
	struct hints *h = hints_new();
	ck_assert_ptr_nonnull(h);
	/* No argument: the current (default) hints. */
	json_t *v = test_json(hints_prop_root(h, NULL));
	ck_assert_int_eq(json_object_size(v), 13);
	ck_assert_str_eq(root_addr(v, "a.root-servers.net.", 0), "198.41.0.4");
	ck_assert_str_eq(root_addr(v, "a.root-servers.net.", 1), "2001:503:ba3e::2:30");
	ck_assert_str_eq(root_addr(v, "m.root-servers.net.", 0), "202.12.27.33");
	json_decref(v);
	/* Replace: a string or a list per name; names normalised to lower case, absolute. */
	v = test_json(hints_prop_root(h,
		"{\"X.Root.Example\": \"192.0.2.1\", \"y.root.example.\": [\"192.0.2.2\", \"2001:db8::2\"]}"));
	ck_assert_int_eq(json_object_size(v), 2);
	ck_assert_str_eq(root_addr(v, "x.root.example.", 0), "192.0.2.1");
	ck_assert_int_eq(json_array_size(json_object_get(v, "y.root.example.")), 2);
	ck_assert_str_eq(root_addr(v, "y.root.example.", 1), "2001:db8::2");
	json_decref(v);
	ck_assert_uint_eq(h->root.sa_count, 3);
	/* Errors keep the current hints. */
	v = test_json(hints_prop_root(h, "{\"z.root.example.\": \"not-an-address\"}"));
	ck_assert(test_is_error(v, "not-an-address"));
	json_decref(v);
	v = test_json(hints_prop_root(h, "{\"z.root.example.\": []}"));
	ck_assert(test_is_error(v, "no address"));
	json_decref(v);
	v = test_json(hints_prop_root(h, "{}"));
	ck_assert(test_is_error(v, NULL));
	json_decref(v);
	v = test_json(hints_prop_root(h, "[1, 2]"));
	ck_assert(test_is_error(v, NULL));
	json_decref(v);
	ck_prop_eq(hints_prop_root(h, "null"),
		   "{\"x.root.example.\":[\"192.0.2.1\"],\"y.root.example.\":[\"192.0.2.2\",\"2001:db8::2\"]}");
	hints_free(h);
}
END_TEST

START_TEST(test_prop_root_file)
{
	struct hints *h = hints_new();
	char *path = test_file(named_root);
	char args[600];
	snprintf(args, sizeof(args), "\"%s\"", path);
	ck_prop_eq(hints_prop_root_file(h, args), "true");
	json_t *v = test_json(hints_prop_root(h, NULL));
	ck_assert_int_eq(json_object_size(v), 3);
	ck_assert_str_eq(root_addr(v, "b.root-servers.net.", 1), "2801:1b8:10::b");
	ck_assert_str_eq(root_addr(v, "test.root.example.", 0), "192.0.2.53");
	json_decref(v);
	/* A missing file: an error naming it, the hints unchanged. */
	v = test_json(hints_prop_root_file(h, "\"/nonexistent/named.root\""));
	ck_assert(test_is_error(v, "/nonexistent/named.root"));
	json_decref(v);
	ck_assert_uint_eq(h->root.sa_count, 5);
	v = test_json(hints_prop_root_file(h, "42"));
	ck_assert(test_is_error(v, NULL));
	json_decref(v);
	/* config {root_file = path} does the same. */
	ck_prop_eq(hints_prop_root(h, "{\"r.example.\": \"192.0.2.9\"}"),
		   "{\"r.example.\":[\"192.0.2.9\"]}");
	snprintf(args, sizeof(args), "{\"root_file\": \"%s\"}", path);
	ck_prop_eq(hints_prop_config(h, args), "true");
	ck_assert_uint_eq(h->root.sa_count, 5);
	test_file_drop(path);
	hints_free(h);
}
END_TEST

START_TEST(test_service)
{
	ck_assert_ptr_null(kr_service_get(KR_SERVICE_ROOT_HINTS));
	struct hints *h = hints_new();
	ck_assert_int_eq(hints_service_start(h), 0);
	struct hints *other = hints_new();
	ck_assert_int_eq(hints_service_start(other), -EEXIST);
	hints_free(other);
	const struct kr_root_hints_api *api = kr_service_get(KR_SERVICE_ROOT_HINTS);
	ck_assert_ptr_nonnull(api);
	ck_assert_uint_ge(api->size, sizeof(*api));
	union kr_sockaddr out[40];
	ck_assert_int_eq(api->get(out, 40), 26);
	ck_assert(sa_has(out, 26, "198.41.0.4"));
	ck_assert(sa_has(out, 26, "2001:7fd::1"));
	ck_assert_int_eq(api->get(out, 3), 3);
	/* After hints.root{...} the service gives the new addresses. */
	free(hints_prop_root(h, "{\"only.root.\": [\"192.0.2.77\", \"2001:db8::77\"]}"));
	ck_assert_int_eq(api->get(out, 40), 2);
	ck_assert(sa_has(out, 2, "192.0.2.77"));
	ck_assert(sa_has(out, 2, "2001:db8::77"));
	ck_assert_int_eq(ntohs(out[0].ip4.sin_port), 53);
	hints_service_stop(h);
	ck_assert_ptr_null(kr_service_get(KR_SERVICE_ROOT_HINTS));
	ck_assert_int_eq(api->get(out, 40), 0);
	/* Freeing the instance withdraws the service too. */
	ck_assert_int_eq(hints_service_start(h), 0);
	hints_free(h);
	ck_assert_ptr_null(kr_service_get(KR_SERVICE_ROOT_HINTS));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hints_root");
	unit_tcase(s, "hints_root_defaults", NULL, test_defaults);
	unit_tcase(s, "hints_root_get", NULL, test_get_random_order);
	unit_tcase(s, "hints_root_load_file", NULL, test_load_file);
	unit_tcase(s, "hints_root_load_file_errors", NULL, test_load_file_errors);
	unit_tcase(s, "hints_prop_root", NULL, test_prop_root);
	unit_tcase(s, "hints_prop_root_file", NULL, test_prop_root_file);
	unit_tcase(s, "hints_service_start", NULL, test_service);
	return unit_run(s);
}
