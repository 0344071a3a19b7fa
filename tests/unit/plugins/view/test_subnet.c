/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Views of the view plugin: longest-prefix matching over IPv4 and IPv6, TSIG key views. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/view/view-impl.h"
#include "tests/unit/check_main.h"

#define RULE(act) "{\"filter\":\"all\",\"action\":{\"type\":\"" act "\"}}"

static struct sockaddr_storage sa_of(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
	}
	return ss;
}

/** The prefix lengths of the views matching addr, longest first, as "24,8,0". */
static void lengths(const struct view *v, const char *addr, char *out)
{
	struct sockaddr_storage ss = sa_of(addr);
	struct view_entry *hits[VIEW_MATCH_MAX];
	unsigned n = view_addr_match(v, (struct sockaddr *)&ss, hits, VIEW_MATCH_MAX);
	out[0] = '\0';
	for (unsigned i = 0; i < n; ++i)
		sprintf(out + strlen(out), "%s%u", i ? "," : "", hits[i]->len);
}

static void add(struct view *v, const char *subnet, const char *rule)
{
	char err[POLICY_ERRLEN] = "";
	int id = view_addr_add(v, subnet, rule, err, sizeof(err));
	ck_assert_msg(id > 0, "%s: %s", subnet, err);
}

START_TEST(test_prefixes_v4)
{
	struct view *v = view_new();
	add(v, "0.0.0.0/0", RULE("refuse"));
	add(v, "10.0.0.0/8", RULE("pass"));
	add(v, "10.1.2.0/24", RULE("deny"));
	add(v, "127.0.0.1", RULE("pass"));
	add(v, "10.1.2.0/24", RULE("trace"));   /* the same view gets a second rule */
	ck_assert_uint_eq(v->addr_count, 4);
	char got[64];
	lengths(v, "10.1.2.3", got);
	ck_assert_str_eq(got, "24,8,0");
	lengths(v, "10.1.3.3", got);
	ck_assert_str_eq(got, "8,0");
	lengths(v, "127.0.0.1", got);
	ck_assert_str_eq(got, "32,0");
	lengths(v, "127.0.0.2", got);
	ck_assert_str_eq(got, "0");
	/* An IPv4-mapped IPv6 client is an IPv4 client; IPv6 views are apart. */
	lengths(v, "::ffff:10.1.2.9", got);
	ck_assert_str_eq(got, "24,8,0");
	lengths(v, "2001:db8::1", got);
	ck_assert_str_eq(got, "");
	struct sockaddr_storage ss = sa_of("10.1.2.3");
	struct view_entry *hits[VIEW_MATCH_MAX];
	ck_assert_uint_eq(view_addr_match(v, (struct sockaddr *)&ss, hits, VIEW_MATCH_MAX), 3);
	ck_assert_uint_eq(hits[0]->rules.count, 2);
	view_free(v);
}
END_TEST

START_TEST(test_prefixes_v6)
{
	struct view *v = view_new();
	add(v, "::/0", RULE("refuse"));
	add(v, "2001:db8::/32", RULE("pass"));
	add(v, "2001:db8:1:2::/63", RULE("deny"));
	add(v, "::1", RULE("pass"));
	char got[64];
	lengths(v, "2001:db8:1:3::7", got);
	ck_assert_str_eq(got, "63,32,0");
	lengths(v, "2001:db8:1:4::7", got);
	ck_assert_str_eq(got, "32,0");
	lengths(v, "::1", got);
	ck_assert_str_eq(got, "128,0");
	lengths(v, "192.0.2.1", got);
	ck_assert_str_eq(got, "");
	view_free(v);
}
END_TEST

START_TEST(test_errors_and_tsig)
{
	struct view *v = view_new();
	char err[POLICY_ERRLEN];
	ck_assert_int_eq(view_addr_add(v, "10.0.0.0/40", RULE("pass"), err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "invalid subnet '10.0.0.0/40'"));
	ck_assert_int_eq(view_addr_add(v, "10.0.0.0/8", RULE("nope"), err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown action"));
	ck_assert_uint_eq(v->addr_count, 0);
	ck_assert_int_gt(view_tsig_add(v, "MyKey.", RULE("deny"), err, sizeof(err)), 0);
	uint8_t key[KR_DNAME_MAXLEN];
	kr_dname_from_str(key, sizeof(key), "mykey");
	ck_assert_ptr_nonnull(view_tsig_find(v, key));
	kr_dname_from_str(key, sizeof(key), "other");
	ck_assert_ptr_null(view_tsig_find(v, key));
	/* A query with a TSIG record (after OPT or alone) names its key. */
	kr_pkt_t *q = kr_pkt_new(NULL, 512, NULL);
	uint8_t qname[KR_DNAME_MAXLEN];
	kr_dname_from_str(qname, sizeof(qname), "example.com");
	kr_pkt_put_question(q, qname, KR_CLASS_IN, KR_TYPE_A);
	ck_assert_ptr_null(view_tsig_key(q));
	kr_dname_from_str(key, sizeof(key), "mykey");
	kr_rrset_t tsig;
	kr_rrset_init(&tsig, key, KR_TYPE_TSIG, KR_CLASS_ANY, 0);
	uint8_t rd[] = { 0 };
	kr_rrset_add_rdata(&tsig, rd, sizeof(rd), NULL);
	kr_pkt_begin(q, KR_SECTION_ADDITIONAL);
	ck_assert_int_eq(kr_pkt_put(q, &tsig), 0);
	const uint8_t *owner = view_tsig_key(q);
	ck_assert_ptr_nonnull(owner);
	ck_assert(kr_dname_eq(owner, key));
	kr_rrset_clear(&tsig, NULL);
	kr_pkt_free(q);
	view_free(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("subnet");
	unit_tcase(s, "subnet", NULL, test_prefixes_v4, test_prefixes_v6, test_errors_and_tsig);
	return unit_run(s);
}
