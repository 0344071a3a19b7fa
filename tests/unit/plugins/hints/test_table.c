/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the hints name table, addresses and hosts files (table.c, hosts.c). */
#include <arpa/inet.h>
#include "tests/unit/plugins/hints/testutil.h"

static void name(uint8_t *dst, const char *text)
{
	ck_assert_int_gt(kr_dname_from_str(dst, KR_DNAME_MAXLEN, text), 0);
}

static struct hints_addr addr(const char *text)
{
	struct hints_addr a;
	ck_assert_int_eq(hints_addr_parse(text, &a), 0);
	return a;
}

/** Does the table hold text under name for kind? (text: address or name) */
static bool holds(const struct hints_table *t, const char *owner, enum hints_kind kind,
		  const char *text)
{
	uint8_t n[KR_DNAME_MAXLEN], data[KR_DNAME_MAXLEN];
	name(n, owner);
	const struct hints_entry *e = hints_table_find(t, n);
	if (!e)
		return false;
	uint16_t len;
	if (kind == HINTS_PTR) {
		name(data, text);
		len = (uint16_t)kr_dname_size(data);
	} else {
		struct hints_addr a = addr(text);
		memcpy(data, a.bytes, 16);
		len = hints_addr_len(&a);
	}
	for (uint16_t i = 0; i < e->rd[kind].count; ++i)
		if (e->rd[kind].items[i]->len == len &&
		    memcmp(e->rd[kind].items[i]->data, data, len) == 0)
			return true;
	return false;
}

static uint16_t count_of(const struct hints_table *t, const char *owner, enum hints_kind kind)
{
	uint8_t n[KR_DNAME_MAXLEN];
	name(n, owner);
	const struct hints_entry *e = hints_table_find(t, n);
	return e ? e->rd[kind].count : 0;
}

START_TEST(test_addr_parse)
{
	struct hints_addr a;
	ck_assert_int_eq(hints_addr_parse("192.0.2.1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(hints_addr_len(&a), 4);
	ck_assert_mem_eq(a.bytes, ((uint8_t[]){ 192, 0, 2, 1 }), 4);
	ck_assert_int_eq(hints_addr_parse("2001:db8::1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(hints_addr_len(&a), 16);
	ck_assert_int_eq(a.bytes[0], 0x20);
	ck_assert_int_eq(a.bytes[15], 1);
	ck_assert_int_eq(hints_addr_parse("192.0.2.256", &a), -EINVAL);
	ck_assert_int_eq(hints_addr_parse("localhost", &a), -EINVAL);
	ck_assert_int_eq(hints_addr_parse("", &a), -EINVAL);
}
END_TEST

START_TEST(test_addr_reverse)
{
	uint8_t rev[KR_DNAME_MAXLEN];
	char text[KR_DNAME_MAXTEXT];
	struct hints_addr a = addr("192.0.2.10");
	int len = hints_addr_reverse(&a, rev);
	ck_assert_int_eq(len, (int)kr_dname_size(rev));
	kr_dname_to_str(text, sizeof(text), rev);
	ck_assert_str_eq(text, "10.2.0.192.in-addr.arpa.");
	a = addr("2001:db8::567:89ab");
	len = hints_addr_reverse(&a, rev);
	ck_assert_int_eq(len, (int)kr_dname_size(rev));
	kr_dname_to_str(text, sizeof(text), rev);
	ck_assert_str_eq(text,
		"b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}
END_TEST

START_TEST(test_table_case_and_dedup)
{
	struct hints_table t;
	hints_table_init(&t);
	uint8_t n[KR_DNAME_MAXLEN], upper[KR_DNAME_MAXLEN];
	name(n, "host.example");
	name(upper, "HoSt.ExAmPlE.");
	ck_assert_ptr_null(hints_table_find(&t, n));
	struct hints_addr a = addr("192.0.2.1");
	ck_assert_int_eq(hints_table_add(&t, upper, HINTS_A, a.bytes, 4), 0);
	ck_assert_int_eq(hints_table_add(&t, n, HINTS_A, a.bytes, 4), 0);
	const struct hints_entry *e = hints_table_find(&t, n);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(hints_table_find(&t, upper), e);
	ck_assert_int_eq(e->rd[HINTS_A].count, 1);    /* no duplicate */
	ck_assert_int_eq(t.count, 1);
	/* The stored name is lower-cased. */
	ck_assert_mem_eq(e->name, n, kr_dname_size(n));
	/* PTR targets are stored lower-cased and compared case-insensitively. */
	ck_assert_int_eq(hints_table_add(&t, n, HINTS_PTR, upper, (uint16_t)kr_dname_size(upper)), 0);
	ck_assert_int_eq(hints_table_add(&t, n, HINTS_PTR, n, (uint16_t)kr_dname_size(n)), 0);
	e = hints_table_find(&t, n);
	ck_assert_int_eq(e->rd[HINTS_PTR].count, 1);
	ck_assert_mem_eq(e->rd[HINTS_PTR].items[0]->data, n, kr_dname_size(n));
	ck_assert_int_eq(hints_table_del(&t, upper, HINTS_A, a.bytes, 4), 0);
	ck_assert_int_eq(hints_table_del(&t, n, HINTS_A, a.bytes, 4), -ENOENT);
	ck_assert_ptr_nonnull(hints_table_find(&t, n));   /* still has the PTR */
	ck_assert_int_eq(hints_table_del(&t, n, HINTS_PTR, n, (uint16_t)kr_dname_size(n)), 0);
	ck_assert_ptr_null(hints_table_find(&t, n));      /* empty names leave */
	ck_assert_int_eq(t.count, 0);
	hints_table_clear(&t);
}
END_TEST

START_TEST(test_table_grow_and_delete)
{
	enum { N = 3000 };
	struct hints_table t;
	hints_table_init(&t);
	char text[64];
	uint8_t n[KR_DNAME_MAXLEN];
	for (int i = 0; i < N; ++i) {
		snprintf(text, sizeof(text), "h%d.example.", i);
		name(n, text);
		uint8_t v4[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		ck_assert_int_eq(hints_table_add(&t, n, HINTS_A, v4, 4), 0);
	}
	ck_assert_int_eq(t.count, N);
	ck_assert_uint_ge(t.cap * 3, t.count * 4);   /* load factor at most 3/4 */
	/* Delete every third name: the others must stay reachable (backward shift). */
	for (int i = 0; i < N; i += 3) {
		snprintf(text, sizeof(text), "h%d.example.", i);
		name(n, text);
		ck_assert_int_eq(hints_table_del_name(&t, n), 0);
	}
	for (int i = 0; i < N; ++i) {
		snprintf(text, sizeof(text), "H%d.EXAMPLE.", i);
		name(n, text);
		const struct hints_entry *e = hints_table_find(&t, n);
		if (i % 3 == 0) {
			ck_assert_ptr_null(e);
			continue;
		}
		ck_assert_msg(e != NULL, "%s lost", text);
		ck_assert_int_eq(e->rd[HINTS_A].items[0]->data[3], (uint8_t)i);
	}
	ck_assert_int_eq(t.count, N - (N + 2) / 3);
	hints_table_clear(&t);
	ck_assert_int_eq(t.count, 0);
}
END_TEST

START_TEST(test_pairs_and_reverse)
{
	struct hints_table t;
	hints_table_init(&t);
	uint8_t a_name[KR_DNAME_MAXLEN], b_name[KR_DNAME_MAXLEN];
	name(a_name, "a.lan");
	name(b_name, "b.lan");
	struct hints_addr shared = addr("192.0.2.7"), v6 = addr("2001:db8::7");
	ck_assert_int_eq(hints_pair_add(&t, a_name, &shared), 0);
	ck_assert_int_eq(hints_pair_add(&t, a_name, &v6), 0);
	ck_assert_int_eq(hints_pair_add(&t, b_name, &shared), 0);
	ck_assert(holds(&t, "a.lan", HINTS_A, "192.0.2.7"));
	ck_assert(holds(&t, "a.lan", HINTS_AAAA, "2001:db8::7"));
	ck_assert(holds(&t, "7.2.0.192.in-addr.arpa", HINTS_PTR, "a.lan"));
	ck_assert(holds(&t, "7.2.0.192.in-addr.arpa", HINTS_PTR, "b.lan"));
	ck_assert(holds(&t, "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
			HINTS_PTR, "a.lan"));
	/* Deleting a's address keeps b's reverse record. */
	ck_assert_int_eq(hints_pair_del(&t, a_name, &shared), 0);
	ck_assert_int_eq(hints_pair_del(&t, a_name, &shared), -ENOENT);
	ck_assert(!holds(&t, "7.2.0.192.in-addr.arpa", HINTS_PTR, "a.lan"));
	ck_assert(holds(&t, "7.2.0.192.in-addr.arpa", HINTS_PTR, "b.lan"));
	ck_assert_int_eq(count_of(&t, "a.lan", HINTS_A), 0);
	ck_assert_int_eq(count_of(&t, "a.lan", HINTS_AAAA), 1);
	/* Deleting a name removes its reverse records. */
	ck_assert_int_eq(hints_name_del(&t, a_name), 0);
	ck_assert_int_eq(hints_name_del(&t, a_name), -ENOENT);
	ck_assert_int_eq(count_of(&t, "a.lan", HINTS_AAAA), 0);
	ck_assert_int_eq(count_of(&t,
		"7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", HINTS_PTR), 0);
	ck_assert_int_eq(hints_name_del(&t, b_name), 0);
	ck_assert_int_eq(t.count, 0);
	hints_table_clear(&t);
}
END_TEST

START_TEST(test_defaults)
{
	struct hints_table t;
	hints_table_init(&t);
	ck_assert_int_eq(hints_table_defaults(&t), 0);
	ck_assert(holds(&t, "localhost", HINTS_A, "127.0.0.1"));
	ck_assert(holds(&t, "LOCALHOST.", HINTS_AAAA, "::1"));
	ck_assert_int_eq(count_of(&t, "localhost", HINTS_A), 1);
	ck_assert_int_eq(count_of(&t, "localhost", HINTS_AAAA), 1);
	ck_assert(holds(&t, "1.0.0.127.in-addr.arpa", HINTS_PTR, "localhost"));
	ck_assert(holds(&t, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
			HINTS_PTR, "localhost"));
	ck_assert_int_eq(t.count, 3);
	hints_table_clear(&t);
}
END_TEST

START_TEST(test_hosts_file)
{
	char *path = test_file(
		"# a comment line\n"
		"\n"
		"192.0.2.1\trouter.lan router # trailing comment\n"
		"  2001:db8::1   v6.lan\n"
		"192.0.2.2 Mixed.Case.LAN\n"
		"   # indented comment\n"
		"fe80::1 ip6-link another.lan\r\n");
	struct hints_table t;
	hints_table_init(&t);
	unsigned added = 0;
	char err[HINTS_ERRLEN] = "";
	ck_assert_int_eq(hints_hosts_load(&t, path, &added, err, sizeof(err)), 0);
	ck_assert_uint_eq(added, 6);
	ck_assert_str_eq(err, "");
	ck_assert(holds(&t, "router.lan", HINTS_A, "192.0.2.1"));
	ck_assert(holds(&t, "router", HINTS_A, "192.0.2.1"));
	ck_assert(holds(&t, "v6.lan", HINTS_AAAA, "2001:db8::1"));
	ck_assert(holds(&t, "mixed.case.lan", HINTS_A, "192.0.2.2"));
	ck_assert(holds(&t, "another.lan", HINTS_AAAA, "fe80::1"));
	ck_assert(holds(&t, "1.2.0.192.in-addr.arpa", HINTS_PTR, "router.lan"));
	ck_assert(holds(&t, "1.2.0.192.in-addr.arpa", HINTS_PTR, "router"));
	ck_assert(holds(&t, "2.2.0.192.in-addr.arpa", HINTS_PTR, "mixed.case.lan"));
	ck_assert_ptr_null(hints_table_find(&t, (const uint8_t *)"\x07" "comment"));
	hints_table_clear(&t);
	test_file_drop(path);
}
END_TEST

START_TEST(test_hosts_bad_lines)
{
	char *path = test_file(
		"192.0.2.1 good.lan\n"
		"192.0.2.300 bad-address.lan\n"
		"192.0.2.3\n"
		"192.0.2.4 also-good.lan\n"
		"192.0.2.5 bad..name\n");
	struct hints_table t;
	hints_table_init(&t);
	char err[HINTS_ERRLEN] = "";
	unsigned added = 0;
	ck_assert_int_eq(hints_hosts_load(&t, path, &added, err, sizeof(err)), KR_EMALF);
	char where[600];
	snprintf(where, sizeof(where), "%s:2: invalid address '192.0.2.300'", path);
	ck_assert_msg(strstr(err, where) != NULL, "error '%s' lacks '%s'", err, where);
	ck_assert_msg(strstr(err, "2 more bad lines") != NULL, "error '%s' lacks the count", err);
	/* The good lines are loaded anyway. */
	ck_assert_uint_eq(added, 2);
	ck_assert(holds(&t, "good.lan", HINTS_A, "192.0.2.1"));
	ck_assert(holds(&t, "also-good.lan", HINTS_A, "192.0.2.4"));
	ck_assert_int_eq(count_of(&t, "bad-address.lan", HINTS_A), 0);
	hints_table_clear(&t);
	test_file_drop(path);
}
END_TEST

START_TEST(test_hosts_unreadable)
{
	struct hints_table t;
	hints_table_init(&t);
	char err[HINTS_ERRLEN] = "";
	ck_assert_int_eq(hints_hosts_load(&t, "/nonexistent/hosts", NULL, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/hosts"));
	ck_assert_int_eq(t.count, 0);
	hints_table_clear(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hints_table");
	unit_tcase(s, "hints_addr_parse", NULL, test_addr_parse);
	unit_tcase(s, "hints_addr_reverse", NULL, test_addr_reverse);
	unit_tcase(s, "hints_table_add", NULL, test_table_case_and_dedup);
	unit_tcase(s, "hints_table_del_name", NULL, test_table_grow_and_delete);
	unit_tcase(s, "hints_pair_add", NULL, test_pairs_and_reverse);
	unit_tcase(s, "hints_table_defaults", NULL, test_defaults);
	unit_tcase(s, "hints_hosts_load", NULL, test_hosts_file);
	unit_tcase(s, "hints_hosts_load_bad", NULL, test_hosts_bad_lines);
	unit_tcase(s, "hints_hosts_load_unreadable", NULL, test_hosts_unreadable);
	return unit_run(s);
}
