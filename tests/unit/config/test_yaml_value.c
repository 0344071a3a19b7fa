/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of config/yaml_value.c: the schema's value checks and their messages. */
#include <sys/socket.h>
#include "tests/unit/config/yaml_check.h"

/** A plain scalar node at line 3 column 7. */
static struct kr_yaml_node *scalar(const char *text)
{
	struct kr_yaml_node *n = yaml_node(KR_YAML_SCALAR, text, true);
	n->line = 3;
	n->col = 7;
	return n;
}

START_TEST(distance_and_suggest)
{
	ck_assert_int_eq(kr__yaml_distance("port", "port"), 0);
	ck_assert_int_eq(kr__yaml_distance("prot", "port"), 2);
	ck_assert_int_eq(kr__yaml_distance("Cache", "cache"), 0);
	ck_assert_int_eq(kr__yaml_distance("tcp-pipline", "tcp-pipeline"), 1);
	ck_assert_int_eq(kr__yaml_distance("", "abc"), 3);
	static const char *const words[] = { "listen", "tcp-pipeline", "tls", NULL };
	ck_assert_str_eq(kr__yaml_suggest("lsiten", words), "listen");
	ck_assert_str_eq(kr__yaml_suggest("tsl", words), "tls");
	ck_assert_ptr_null(kr__yaml_suggest("colour", words));
}
END_TEST

START_TEST(integers)
{
	long long v;
	ck_assert(kr__yaml_int(&ctx, scalar("53"), "p", 1, 65535, &v) && v == 53);
	ck_assert(kr__yaml_int(&ctx, scalar("-5"), "p", -10, 10, &v) && v == -5);
	ck_assert(!kr__yaml_int(&ctx, scalar("65536"), "a.port", 1, 65535, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: a.port: must be 1..65535\n");
	ck_assert(!kr__yaml_int(&ctx, scalar("99999999999999999999999"), "p", 1, 10, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: p: must be 1..10\n");
	ck_assert(!kr__yaml_int(&ctx, scalar("12abc"), "p", 1, 100, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: p: expected an integer, got '12abc'\n");
	ck_assert(!kr__yaml_int(&ctx, scalar("~"), "p", 1, 100, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: p: expected an integer, got nothing (null)\n");
}
END_TEST

START_TEST(sizes)
{
	long long v;
	ck_assert(kr__yaml_size(&ctx, scalar("100M"), "s", 0, 1LL << 40, &v) && v == 100LL << 20);
	ck_assert(kr__yaml_size(&ctx, scalar("2GiB"), "s", 0, 1LL << 40, &v) && v == 2LL << 30);
	ck_assert(kr__yaml_size(&ctx, scalar("1232B"), "s", 0, 1LL << 40, &v) && v == 1232);
	ck_assert(kr__yaml_size(&ctx, scalar("4096"), "s", 0, 1LL << 40, &v) && v == 4096);
	ck_assert(!kr__yaml_size(&ctx, scalar("10 potatoes"), "s", 0, 100, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: s: expected a size such as 100M (units B, K, M, G, T), got '10 potatoes'\n");
	ck_assert(!kr__yaml_size(&ctx, scalar("9999999T"), "s", 0, 1LL << 50, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: s: must be 0B..1024T\n");
}
END_TEST

START_TEST(seconds)
{
	long long v;
	ck_assert(kr__yaml_seconds(&ctx, scalar("300"), "t", 0, 1000000, &v) && v == 300);
	ck_assert(kr__yaml_seconds(&ctx, scalar("5m"), "t", 0, 1000000, &v) && v == 300);
	ck_assert(kr__yaml_seconds(&ctx, scalar("2h"), "t", 0, 1000000, &v) && v == 7200);
	ck_assert(kr__yaml_seconds(&ctx, scalar("1d"), "t", 0, 1000000, &v) && v == 86400);
	ck_assert(kr__yaml_seconds(&ctx, scalar("1w"), "t", 0, 1000000, &v) && v == 604800);
	ck_assert(kr__yaml_seconds(&ctx, scalar("3000ms"), "t", 0, 1000000, &v) && v == 3);
	ck_assert(!kr__yaml_seconds(&ctx, scalar("10y"), "t", 0, 1000000, &v));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: t: expected a time such as 300s, 5m, 2h or 1d, got '10y'\n");
}
END_TEST

START_TEST(booleans_and_words)
{
	bool b;
	ck_assert(kr__yaml_bool(&ctx, scalar("true"), "b", &b) && b);
	ck_assert(kr__yaml_bool(&ctx, scalar("False"), "b", &b) && !b);
	struct kr_yaml_node *quoted = scalar("true");
	quoted->plain = false;
	ck_assert(!kr__yaml_bool(&ctx, quoted, "b", &b));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: b: expected true or false, got 'true'\n");
	static const char *const levels[] = { "info", "debug", NULL };
	ck_assert_int_eq(kr__yaml_enum(&ctx, scalar("debug"), "l", levels), 1);
	ck_assert_int_eq(kr__yaml_enum(&ctx, scalar("debg"), "l", levels), -1);
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: l: 'debg' is not one of info or debug; did you mean 'debug'?\n");
	const char *s;
	ck_assert(!kr__yaml_string(&ctx, scalar(""), "s", &s));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: s: expected a string, got nothing (null)\n");
}
END_TEST

START_TEST(names_and_addresses)
{
	const char *s;
	ck_assert(kr__yaml_dname(&ctx, scalar("Example.COM"), "n", &s));
	ck_assert_str_eq(s, "Example.COM.");
	ck_assert(!kr__yaml_dname(&ctx, scalar("a..b"), "n", &s));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: n: 'a..b' is not a domain name\n");
	ck_assert(kr__yaml_ip(&ctx, scalar("192.0.2.1"), "a", 0, &s));
	ck_assert(kr__yaml_ip(&ctx, scalar("2001:db8::1"), "a", AF_INET6, &s));
	ck_assert(!kr__yaml_ip(&ctx, scalar("2001:db8::1"), "a", AF_INET, &s));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: a: '2001:db8::1' is not an IPv4 address\n");
	/* control characters in a user's word never break the one-line message */
	ck_assert(!kr__yaml_ip(&ctx, scalar("1.2.3.4\nx"), "a", 0, &s));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: a: '1.2.3.4?x' is not an IP address\n");
}
END_TEST

START_TEST(paths_and_order)
{
	ck_assert_str_eq(kr__yaml_path_key(&ctx, "", "network"), "network");
	ck_assert_str_eq(kr__yaml_path_key(&ctx, "network", "tcp-pipeline"), "network.tcp-pipeline");
	ck_assert_str_eq(kr__yaml_path_key(&ctx, "local-data.addresses", "a.lan"), "local-data.addresses['a.lan']");
	ck_assert_str_eq(kr__yaml_path_index(&ctx, "network.listen", 0), "network.listen[1]");
	/* errors come out in the order of the file */
	kr__yaml_error_at(&ctx, 9, 1, "late", "second");
	kr__yaml_error_at(&ctx, 2, 5, "", "first");
	kr__yaml_error_at(&ctx, 9, 1, "late", "third");
	ck_assert_str_eq(yaml_errors(), "t.yaml:2:5: first\nt.yaml:9:1: late: second\nt.yaml:9:1: late: third\n");
}
END_TEST

START_TEST(unknown_keys)
{
	struct kr_yaml_node *map = kr_mm_calloc(ctx.mm, sizeof(*map));
	struct kr_yaml_node *keys[2] = { scalar("storage"), scalar("sise-max") };
	struct kr_yaml_node *vals[2] = { scalar("x"), scalar("y") };
	map->kind = KR_YAML_MAP;
	map->keys = keys;
	map->items = vals;
	map->count = 2;
	static const char *const allowed[] = { "storage", "size-max", NULL };
	ck_assert(!kr__yaml_check_keys(&ctx, map, "cache", allowed));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: cache: unknown key 'sise-max'; did you mean 'size-max'?\n");
	keys[1] = scalar("zzz");
	ck_assert(!kr__yaml_check_keys(&ctx, map, "cache", allowed));
	ck_assert_str_eq(yaml_errors(), "t.yaml:3:7: cache: unknown key 'zzz' (known keys: storage or size-max)\n");
	ck_assert_ptr_eq(kr__yaml_get(map, "storage"), vals[0]);
	ck_assert_ptr_null(kr__yaml_get(map, "size-max"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("yaml_value");
	unit_tcase(s, "kr__yaml_distance", &yaml_fx, distance_and_suggest);
	unit_tcase(s, "kr__yaml_int", &yaml_fx, integers);
	unit_tcase(s, "kr__yaml_size", &yaml_fx, sizes);
	unit_tcase(s, "kr__yaml_seconds", &yaml_fx, seconds);
	unit_tcase(s, "kr__yaml_bool", &yaml_fx, booleans_and_words);
	unit_tcase(s, "kr__yaml_ip", &yaml_fx, names_and_addresses);
	unit_tcase(s, "kr__yaml_error", &yaml_fx, paths_and_order);
	unit_tcase(s, "kr__yaml_check_keys", &yaml_fx, unknown_keys);
	return unit_run(s);
}
