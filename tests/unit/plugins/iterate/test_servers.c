/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the server table (servers.c): ordering by RTT, back-off, lameness, exploration. */
#include "tests/unit/plugins/iterate/testutil.h"

static struct iter_servers *table(void)
{
	struct iter_servers *t = kr_mm_alloc(test_mm(), sizeof(*t));
	iter_servers_init(t);
	return t;
}

/** Order cand with fixed random bits that never trigger exploration. @return the first. */
static union kr_sockaddr first(struct iter_servers *t, union kr_sockaddr *cand, int n, uint64_t now)
{
	union kr_sockaddr out[KR_NS_MAX];
	/* rnd = 1: xorshift sequence whose exploration draw is not 0 mod 16 (checked below) */
	ck_assert_int_eq(iter_servers_order(t, cand, n, N("lab."), now, 1, out, KR_NS_MAX), n < KR_NS_MAX ? n : KR_NS_MAX);
	return out[0];
}

START_TEST(order_by_rtt)
{
	struct iter_servers *t = table();
	union kr_sockaddr c[3] = { A4("198.18.0.1"), A4("198.18.0.2"), A4("198.18.0.3") };
	iter_servers_rtt(t, &c[0], 80, 1000);
	iter_servers_rtt(t, &c[1], 10, 1000);
	iter_servers_rtt(t, &c[2], 40, 1000);
	union kr_sockaddr out[3];
	ck_assert_int_eq(iter_servers_order(t, c, 3, N("lab."), 1000, 1, out, 3), 3);
	ck_assert(iter_addr_eq(&out[0], &c[1]));
	ck_assert(iter_addr_eq(&out[1], &c[2]));
	ck_assert(iter_addr_eq(&out[2], &c[0]));
	/* smoothing: one slow answer does not make the best server the worst */
	iter_servers_rtt(t, &c[1], 100, 1001);
	ck_assert_uint_lt(iter_servers_get(t, &c[1])->srtt, 40);
	/* an unknown server comes after known fast ones */
	union kr_sockaddr d[2] = { A4("198.18.0.9"), c[1] };
	ck_assert(iter_addr_eq(&(union kr_sockaddr){ .ip4 = first(t, d, 2, 1000).ip4 }, &c[1]));
}
END_TEST

START_TEST(timeout_backoff)
{
	struct iter_servers *t = table();
	union kr_sockaddr c[2] = { A4("198.18.0.1"), A4("198.18.0.2") };
	iter_servers_rtt(t, &c[0], 5, 1000);
	iter_servers_rtt(t, &c[1], 50, 1000);
	iter_servers_timeout(t, &c[0], 2000);
	/* backed off: last, even though it was the fastest */
	union kr_sockaddr f = first(t, c, 2, 2001);
	ck_assert(iter_addr_eq(&f, &c[1]));
	const struct iter_srv *s = iter_servers_get(t, &c[0]);
	ck_assert_uint_eq(s->timeouts, 1);
	ck_assert_uint_eq(s->backoff_until, 2000 + ITER_BACKOFF_BASE);
	/* a second timeout doubles the back-off */
	iter_servers_timeout(t, &c[0], 3000);
	ck_assert_uint_eq(iter_servers_get(t, &c[0])->backoff_until, 3000 + 2 * ITER_BACKOFF_BASE);
	/* still ordered (as a last resort), not dropped */
	union kr_sockaddr out[2];
	ck_assert_int_eq(iter_servers_order(t, c, 2, N("lab."), 3001, 1, out, 2), 2);
	ck_assert(iter_addr_eq(&out[1], &c[0]));
	/* an answer clears the back-off */
	iter_servers_rtt(t, &c[0], 3, 4000);
	ck_assert_uint_eq(iter_servers_get(t, &c[0])->timeouts, 0);
	ck_assert_uint_eq(iter_servers_get(t, &c[0])->srtt, 3);
	ck_assert(iter_addr_eq(&(union kr_sockaddr){ .ip4 = first(t, c, 2, 4001).ip4 }, &c[0]));
	/* the back-off is capped */
	for (int i = 0; i < 20; ++i)
		iter_servers_timeout(t, &c[1], 5000);
	ck_assert_uint_eq(iter_servers_get(t, &c[1])->backoff_until, 5000 + ITER_BACKOFF_MAX);
}
END_TEST

START_TEST(lame_per_zone)
{
	struct iter_servers *t = table();
	union kr_sockaddr c[2] = { A4("198.18.0.1"), A4("198.18.0.2") };
	iter_servers_rtt(t, &c[0], 5, 1000);
	iter_servers_rtt(t, &c[1], 50, 1000);
	iter_servers_lame(t, &c[0], N("LAB."), 1000);
	union kr_sockaddr out[2];
	iter_servers_order(t, c, 2, N("lab."), 1001, 1, out, 2);
	ck_assert(iter_addr_eq(&out[0], &c[1]));
	/* other zones are not affected */
	iter_servers_order(t, c, 2, N("net."), 1001, 1, out, 2);
	ck_assert(iter_addr_eq(&out[0], &c[0]));
	/* lameness expires */
	iter_servers_order(t, c, 2, N("lab."), 1001 + ITER_LAME_TIME, 1, out, 2);
	ck_assert(iter_addr_eq(&out[0], &c[0]));
}
END_TEST

START_TEST(exploration)
{
	struct iter_servers *t = table();
	union kr_sockaddr c[3] = { A4("198.18.0.1"), A4("198.18.0.2"), A4("198.18.0.3") };
	iter_servers_rtt(t, &c[0], 5, 1000);
	iter_servers_rtt(t, &c[1], 50, 1000);
	iter_servers_rtt(t, &c[2], 60, 1000);
	iter_servers_timeout(t, &c[2], 1000);
	int best = 0, other = 0, dead = 0;
	uint64_t rnd = 12345;
	for (int i = 0; i < 4000; ++i) {
		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		union kr_sockaddr out[3];
		iter_servers_order(t, c, 3, N("lab."), 1001, rnd, out, 3);
		if (iter_addr_eq(&out[0], &c[0]))
			++best;
		else if (iter_addr_eq(&out[0], &c[1]))
			++other;
		else
			++dead;
	}
	/* mostly the best, sometimes another live one, never the backed-off one first */
	ck_assert_int_eq(dead, 0);
	ck_assert_int_gt(other, 4000 / ITER_EXPLORE_ONE_IN / 2);
	ck_assert_int_lt(other, 4000 / ITER_EXPLORE_ONE_IN * 2);
	ck_assert_int_gt(best, 3000);
	/* max bounds the output */
	union kr_sockaddr out[1];
	ck_assert_int_eq(iter_servers_order(t, c, 3, N("lab."), 1001, 1, out, 1), 1);
	ck_assert_int_eq(iter_servers_order(t, c, 0, N("lab."), 1001, 1, out, 1), 0);
}
END_TEST

START_TEST(table_eviction)
{
	struct iter_servers *t = table();
	/* many more servers than slots: the table stays bounded and keeps working */
	for (uint32_t i = 0; i < 3 * ITER_SRV_SLOTS; ++i) {
		union kr_sockaddr sa = A4("198.18.0.0");
		sa.ip4.sin_addr.s_addr = htonl(0xc6120000u + i);
		iter_servers_rtt(t, &sa, 10, i);
	}
	ck_assert_uint_le(t->count, ITER_SRV_SLOTS);
	union kr_sockaddr last = A4("198.18.0.0");
	last.ip4.sin_addr.s_addr = htonl(0xc6120000u + 3 * ITER_SRV_SLOTS - 1);
	ck_assert_ptr_nonnull(iter_servers_get(t, &last));
}
END_TEST

START_TEST(local_addresses)
{
	union kr_sockaddr sa = A4("127.0.0.1");
	ck_assert(iter_addr_is_local(&sa));
	sa = A4("127.53.0.9");
	ck_assert(iter_addr_is_local(&sa));
	sa = A4("0.0.0.0");
	ck_assert(iter_addr_is_local(&sa));
	sa = A4("198.41.0.4");
	ck_assert(!iter_addr_is_local(&sa));
	memset(&sa, 0, sizeof(sa));
	sa.ip6.sin6_family = AF_INET6;
	ck_assert(iter_addr_is_local(&sa));              /* :: */
	sa.ip6.sin6_addr.s6_addr[15] = 1;
	ck_assert(iter_addr_is_local(&sa));              /* ::1 */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa.ip6.sin6_addr);
	ck_assert(iter_addr_is_local(&sa));
	inet_pton(AF_INET6, "2001:503:ba3e::2:30", &sa.ip6.sin6_addr);
	ck_assert(!iter_addr_is_local(&sa));
	char text[64];
	sa = A4("198.41.0.4");
	iter_addr_str(&sa, text, sizeof(text));
	ck_assert_str_eq(text, "198.41.0.4#53");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iterate_servers");
	unit_tcase(s, "servers", NULL, order_by_rtt, timeout_backoff, lame_per_zone, exploration,
		   table_eviction, local_addresses);
	return test_run(s);
}
