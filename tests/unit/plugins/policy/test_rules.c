/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rule sets of the policy plugin: parsing, the suffix index, rule order, removal. */
#include <arpa/inet.h>
#include "tests/unit/plugins/policy/testutil.h"

#define DENY "{\"type\":\"deny\"}"
#define PASS "{\"type\":\"pass\"}"

START_TEST(test_suffix)
{
	struct policy_ruleset rs;
	policy_ruleset_init(&rs);
	int id = test_add(&rs, "{\"filter\":\"suffix\",\"names\":[\"bad.lab.\",\"Evil.Example.\"],\"action\":" DENY "}");
	ck_assert_int_eq(id, 1);
	struct test_matches t = test_eval(&rs, "bad.lab.", false, false);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_str_eq(t.zones[0], "bad.lab.");
	t = test_eval(&rs, "www.deep.BAD.lab.", false, false);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(t.acts[0], POLICY_DENY);
	ck_assert_uint_eq(test_eval(&rs, "x.evil.example.", false, false).n, 1);
	/* Label-wise: a name merely ending in the same bytes does not match. */
	ck_assert_uint_eq(test_eval(&rs, "notbad.lab.", false, false).n, 0);
	ck_assert_uint_eq(test_eval(&rs, "lab.", false, false).n, 0);
	ck_assert_uint_eq(test_eval(&rs, ".", false, false).n, 0);
	/* Not an answer-phase rule. */
	ck_assert_uint_eq(test_eval(&rs, "bad.lab.", true, false).n, 0);
	ck_assert_uint_eq(rs.rules[0]->hits, 3);
	policy_ruleset_clear(&rs);
}
END_TEST

START_TEST(test_order)
{
	struct policy_ruleset rs;
	policy_ruleset_init(&rs);
	int a = test_add(&rs, "{\"filter\":\"pattern\",\"pattern\":\"0564756d6d79\",\"action\":" PASS "}");  /* \5dummy */
	int b = test_add(&rs, "{\"filter\":\"suffix\",\"names\":[\"example.cz.\"],\"action\":" DENY "}");
	int c = test_add(&rs, "{\"filter\":\"all\",\"action\":{\"type\":\"trace\"}}");
	int d = test_add(&rs, "{\"filter\":\"suffix\",\"names\":[\"cz.\", \"dummy.example.cz.\"],\"action\":{\"type\":\"refuse\"}}");
	struct test_matches t = test_eval(&rs, "dummy.example.cz.", false, false);
	ck_assert_uint_eq(t.n, 4);
	ck_assert_uint_eq(t.ids[0], (uint32_t)a);
	ck_assert_uint_eq(t.ids[1], (uint32_t)b);
	ck_assert_uint_eq(t.ids[2], (uint32_t)c);
	ck_assert_uint_eq(t.ids[3], (uint32_t)d);
	/* One match per rule, with the closest of its suffixes. */
	ck_assert_str_eq(t.zones[3], "dummy.example.cz.");
	ck_assert_str_eq(t.zones[1], "example.cz.");
	t = test_eval(&rs, "fake.example.cz.", false, true);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.ids[0], (uint32_t)b);
	/* Removal: the next rule takes over; ids are not reused. */
	ck_assert_int_eq(policy_ruleset_del(&rs, (uint32_t)b), 0);
	ck_assert_int_eq(policy_ruleset_del(&rs, (uint32_t)b), -ENOENT);
	t = test_eval(&rs, "fake.example.cz.", false, true);
	ck_assert_uint_eq(t.ids[0], (uint32_t)c);
	int e = test_add(&rs, "{\"filter\":\"all\",\"action\":" PASS ",\"post\":true}");
	ck_assert_int_gt(e, d);
	ck_assert_uint_eq(test_eval(&rs, "fake.example.cz.", true, false).n, 1);
	policy_ruleset_clear(&rs);
}
END_TEST

START_TEST(test_suffix_common)
{
	struct policy_ruleset rs;
	policy_ruleset_init(&rs);
	test_add(&rs, "{\"filter\":\"suffix\",\"names\":[\"example.cz.\",\"nic.cz.\",\"other.com.\",\"cz.\"],"
		 "\"common\":\"example.cz.\",\"action\":" DENY "}");
	ck_assert_uint_eq(test_eval(&rs, "www.example.cz.", false, false).n, 1);
	/* nic.cz. is outside the common suffix; cz. narrows to example.cz. */
	ck_assert_uint_eq(test_eval(&rs, "www.nic.cz.", false, false).n, 0);
	ck_assert_uint_eq(test_eval(&rs, "www.other.com.", false, false).n, 0);
	ck_assert_uint_eq(test_eval(&rs, "cz.", false, false).n, 0);
	policy_ruleset_clear(&rs);
}
END_TEST

START_TEST(test_many_suffixes)
{
	/* 20000 rules of one name each: a query costs one lookup per label. */
	struct policy_ruleset rs;
	policy_ruleset_init(&rs);
	char json[256];
	for (int i = 0; i < 20000; ++i) {
		snprintf(json, sizeof(json), "{\"filter\":\"suffix\",\"names\":[\"d%d.lab.\"],\"action\":" DENY "}", i);
		test_add(&rs, json);
	}
	ck_assert_uint_eq(rs.other_count, 0);
	struct test_matches t = test_eval(&rs, "www.d12345.lab.", false, false);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.ids[0], 12346);
	ck_assert_uint_eq(test_eval(&rs, "www.d20000.lab.", false, false).n, 0);
	policy_ruleset_clear(&rs);
}
END_TEST

START_TEST(test_bad_rules)
{
	static const char *bad[][2] = {
		{ "{\"filter\":\"all\"}", "invalid action" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"nope\"}}", "unknown action 'nope'" },
		{ "{\"filter\":\"odd\",\"action\":" DENY "}", "unknown filter" },
		{ "{\"filter\":\"suffix\",\"names\":[\"a..b\"],\"action\":" DENY "}", "invalid name" },
		{ "{\"filter\":\"pattern\",\"pattern\":\"5b61\",\"action\":" DENY "}", "missing ']'" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"forward\",\"addrs\":[\"1.2.3\"]}}", "invalid address '1.2.3'" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"forward\",\"addrs\":[]}}", "give 1 to 4" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"reroute\",\"map\":[[\"1.2.3.0/24\",\"::1\"]]}}", "REROUTE" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"flags\",\"set\":\"NO_SUCH\"}}", "unknown query flag" },
		{ "{\"filter\":\"rpz\",\"file\":\"/nonexistent.rpz\",\"action\":" DENY "}", "/nonexistent.rpz: cannot open" },
		{ "[1]", "invalid rule" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"tls_forward\",\"targets\":[]}}", "give 1 to 4 servers" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"tls_forward\",\"targets\":[{\"addr\":\"x\",\"hostname\":\"a\"}]}}",
		  "invalid address 'x'" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"tls_forward\",\"targets\":[{\"addr\":\"192.0.2.1\"}]}}",
		  "server '192.0.2.1': give hostname" },
		{ "{\"filter\":\"all\",\"action\":{\"type\":\"tls_forward\",\"targets\":[{\"addr\":\"192.0.2.1\",\"pins\":[\"xyz\"]}]}}",
		  "pin_sha256 'xyz' is not the base64" },
	};
	struct policy_ruleset rs;
	policy_ruleset_init(&rs);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		char err[POLICY_ERRLEN] = "";
		ck_assert_int_eq(policy_ruleset_add(&rs, bad[i][0], err, sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, bad[i][1]), "rule %s: error '%s' lacks '%s'", bad[i][0], err, bad[i][1]);
	}
	ck_assert_uint_eq(rs.count, 0);
	policy_ruleset_clear(&rs);
}
END_TEST

START_TEST(test_actions_parse)
{
	struct policy_ruleset rs;
	policy_ruleset_init(&rs);
	int id = test_add(&rs, "{\"filter\":\"all\",\"action\":{\"type\":\"forward\",\"addrs\":"
			  "[\"192.0.2.1\",\"192.0.2.2@5353\",\"2001:db8::1#853\"]}}");
	const struct policy_action *a = &policy_ruleset_get(&rs, (uint32_t)id)->act;
	ck_assert_uint_eq(a->addr_count, 3);
	ck_assert_uint_eq(ntohs(a->addrs[0].ip4.sin_port), 53);
	ck_assert_uint_eq(ntohs(a->addrs[1].ip4.sin_port), 5353);
	ck_assert_int_eq(a->addrs[2].ip.sa_family, AF_INET6);
	ck_assert_uint_eq(ntohs(a->addrs[2].ip6.sin6_port), 853);
	id = test_add(&rs, "{\"filter\":\"all\",\"action\":{\"type\":\"answer\",\"nodata\":true,"
		      "\"rrs\":[{\"type\":1,\"ttl\":60,\"rdata\":[\"c0000201\",\"c0000202\"]}]}}");
	a = &policy_ruleset_get(&rs, (uint32_t)id)->act;
	ck_assert_uint_eq(a->rrs_count, 1);
	ck_assert_uint_eq(a->rrs[0].rrs.count, 2);
	ck_assert_uint_eq(a->rrs[0].ttl, 60);
	ck_assert(a->nodata);
	id = test_add(&rs, "{\"filter\":\"all\",\"action\":{\"type\":\"flags\",\"set\":[\"NO_CACHE\"],\"clear\":\"NO_MINIMIZE\"}}");
	a = &policy_ruleset_get(&rs, (uint32_t)id)->act;
	ck_assert_uint_eq(a->flags_set, KR_QF_NO_CACHE);
	ck_assert_uint_eq(a->flags_clear, KR_QF_NO_MINIMIZE);
	/* TLS_FORWARD: port 853 by default; each server's authentication is handed to the core */
	id = test_add(&rs, "{\"filter\":\"all\",\"action\":{\"type\":\"tls_forward\",\"targets\":["
		      "{\"addr\":\"192.0.2.7\",\"pins\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]},"
		      "{\"addr\":\"192.0.2.8@8853\",\"hostname\":\"dot.lab\",\"pins\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]}]}}");
	a = &policy_ruleset_get(&rs, (uint32_t)id)->act;
	ck_assert_int_eq(a->type, POLICY_TLS_FORWARD);
	ck_assert_uint_eq(a->addr_count, 2);
	ck_assert_uint_eq(ntohs(a->addrs[0].ip4.sin_port), 853);
	ck_assert_uint_eq(ntohs(a->addrs[1].ip4.sin_port), 8853);
	ck_assert_str_eq(policy_act_name(a->type), "tls_forward");
	id = test_add(&rs, "{\"filter\":\"all\",\"action\":{\"type\":\"deny\",\"msg\":\"blocked by the lab\"}}");
	ck_assert_str_eq(policy_ruleset_get(&rs, (uint32_t)id)->act.msg, "blocked by the lab");
	policy_ruleset_clear(&rs);
}
END_TEST

START_TEST(test_reroute)
{
	struct policy_reroute map[2];
	memset(map, 0, sizeof(map));
	int fam;
	uint8_t len;
	ck_assert_int_eq(policy_subnet_parse("1.2.3.0/24", &map[0].family, map[0].from, &map[0].len), 0);
	ck_assert_int_eq(policy_subnet_parse("4.5.6.0", &fam, map[0].to, &len), 0);
	ck_assert_int_eq(policy_subnet_parse("2001:db8::/32", &map[1].family, map[1].from, &map[1].len), 0);
	ck_assert_int_eq(policy_subnet_parse("fd00:1::", &fam, map[1].to, &len), 0);
	uint8_t a[16] = { 1, 2, 3, 77 };
	ck_assert(policy_reroute_addr(map, 2, AF_INET, a));
	ck_assert_uint_eq(a[0], 4);
	ck_assert_uint_eq(a[2], 6);
	ck_assert_uint_eq(a[3], 77);
	uint8_t b[4] = { 1, 2, 4, 1 };
	ck_assert(!policy_reroute_addr(map, 2, AF_INET, b));
	uint8_t c[16];
	inet_pton(AF_INET6, "2001:db8:aa::5", c);
	ck_assert(policy_reroute_addr(map, 2, AF_INET6, c));
	char text[64];
	inet_ntop(AF_INET6, c, text, sizeof(text));
	ck_assert_str_eq(text, "fd00:1:aa::5");
	/* Host bits of a subnet are cleared; bad lengths refused. */
	uint8_t bytes[16];
	ck_assert_int_eq(policy_subnet_parse("10.1.2.3/8", &fam, bytes, &len), 0);
	ck_assert_uint_eq(bytes[1], 0);
	ck_assert_int_eq(policy_subnet_parse("10.0.0.0/33", &fam, bytes, &len), -EINVAL);
	ck_assert_int_eq(policy_subnet_parse("nope/8", &fam, bytes, &len), -EINVAL);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { NULL, NULL, 60 };
	Suite *s = suite_create("rules");
	unit_tcase(s, "rules", &fx, test_suffix, test_order, test_suffix_common, test_many_suffixes,
		   test_bad_rules, test_actions_parse, test_reroute);
	return unit_run(s);
}
