/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the serve_stale plugin (plugins/serve_stale/answer.c): the
 * configuration parser, and the stale answer built from a fake cache service
 * into the SERVFAIL answer of a failed request.
 */
#include <check.h>
#include <string.h>
#include "plugins/serve_stale/serve_stale-impl.h"
#include "tests/unit/check_main.h"

START_TEST(test_parse)
{
	uint32_t v = SERVE_STALE_DEFAULT;
	ck_assert_int_eq(serve_stale_parse("{\"max_stale\": 172800000}", &v), 0);
	ck_assert_uint_eq(v, 172800);
	ck_assert_int_eq(serve_stale_parse("{\"max_stale\": 1000}", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(serve_stale_parse("null", &v), 0);
	ck_assert_uint_eq(v, 1);
	/* Out of range, of the wrong type, unknown keys, garbage: unchanged. */
	ck_assert_int_eq(serve_stale_parse("{\"max_stale\": 999}", &v), -EINVAL);
	ck_assert_int_eq(serve_stale_parse("{\"max_stale\": 604800001}", &v), -EINVAL);
	ck_assert_int_eq(serve_stale_parse("{\"max_stale\": \"1d\"}", &v), -EINVAL);
	ck_assert_int_eq(serve_stale_parse("{\"max_stale\": 5000, \"x\": 1}", &v), -EINVAL);
	ck_assert_int_eq(serve_stale_parse("86400000", &v), -EINVAL);
	ck_assert_int_eq(serve_stale_parse("{", &v), -EINVAL);
	ck_assert_int_eq(serve_stale_parse(NULL, &v), -EINVAL);
	ck_assert_uint_eq(v, 1);
}
END_TEST

/* --- a fake cache: a few RR sets with an age past expiry (0: fresh with TTL 100) --- */

struct fake_set {
	const char *owner, *target;   /* target: CNAME target, or NULL for an A 192.0.2.x */
	uint16_t type;
	uint32_t ago;                 /* seconds since it expired, 0: fresh */
};

static const struct fake_set *sets;
static unsigned nsets;
static int calls;

static const uint8_t *dn(kr_mm_t *mm, const char *str)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	int len = kr_dname_from_str(buf, sizeof(buf), str);
	ck_assert_int_gt(len, 0);
	return kr_dname_copy(buf, mm);
}

static int fake_peek_stale(struct kr_request *req, const uint8_t *name, uint16_t type,
			   uint32_t max_stale, kr_rrset_t *out, kr_rrset_t *rrsigs, uint8_t *rank,
			   uint32_t *expired)
{
	++calls;
	for (unsigned i = 0; i < nsets; ++i) {
		const struct fake_set *f = &sets[i];
		if (f->type != type || !kr_dname_eq(dn(req->pool, f->owner), name) || f->ago > max_stale)
			continue;
		uint8_t *owner = (uint8_t *)dn(req->pool, f->owner);
		kr_rrset_init(out, owner, type, KR_CLASS_IN, f->ago ? 0 : 100);
		if (f->target) {
			const uint8_t *t = dn(req->pool, f->target);
			ck_assert_int_eq(kr_rrset_add_rdata(out, t, (uint16_t)kr_dname_size(t), req->pool), 0);
		} else {
			uint8_t addr[4] = { 192, 0, 2, (uint8_t)(i + 1) };
			ck_assert_int_eq(kr_rrset_add_rdata(out, addr, 4, req->pool), 0);
		}
		if (rrsigs)
			kr_rrset_init(rrsigs, owner, KR_TYPE_RRSIG, KR_CLASS_IN, out->ttl);
		if (rank)
			*rank = KR_RANK_AUTH_ANSWER;
		if (expired)
			*expired = f->ago;
		return 0;
	}
	return -ENOENT;
}

static const struct kr_cache_api cache = { .size = sizeof(cache), .peek_stale = fake_peek_stale };

static struct kr_arena *arena;
static struct kr_request req;

/** A failed request for name/type: the client's query (EDNS when edns) and its SERVFAIL answer. */
static void request(const char *name, uint16_t type, bool edns)
{
	kr_arena_reset(arena);
	kr_mm_t *mm = kr_arena_mm(arena);
	memset(&req, 0, sizeof(req));
	req.pool = mm;
	kr_pkt_t *q = kr_pkt_new(NULL, KR_PKT_MAXSIZE, mm);
	ck_assert_int_eq(kr_pkt_put_question(q, dn(mm, name), KR_CLASS_IN, type), 0);
	kr_pkt_t *a = kr_pkt_new(NULL, KR_PKT_MAXSIZE, mm);
	ck_assert_int_eq(kr_pkt_put_question(a, dn(mm, name), KR_CLASS_IN, type), 0);
	ck_assert_int_eq(kr_pkt_begin(a, KR_SECTION_ANSWER), 0);
	kr_pkt_set_rcode(a, KR_RCODE_SERVFAIL);
	if (edns) {
		q->opt = kr_mm_alloc(mm, sizeof(kr_rrset_t));
		ck_assert_int_eq(kr_edns_init(q->opt, 1232, 0, mm), 0);
		a->opt = kr_mm_alloc(mm, sizeof(kr_rrset_t));
		ck_assert_int_eq(kr_edns_init(a->opt, 1232, 0, mm), 0);
	}
	req.qsource.packet = q;
	req.answer = a;
	calls = 0;
}

static void setup(void)
{
	arena = kr_arena_new(0);
}

static void teardown(void)
{
	kr_arena_delete(arena);
}

static bool has_ede(uint16_t code)
{
	uint16_t len = 0;
	const uint8_t *d = req.answer->opt ? kr_edns_get_option(req.answer->opt, KR_EDNS_OPT_EDE, &len) : NULL;
	return d && len >= 2 && ((d[0] << 8) | d[1]) == code;
}

START_TEST(test_stale_a)
{
	static const struct fake_set s[] = { { "www.lab.", NULL, KR_TYPE_A, 600 } };
	sets = s;
	nsets = 1;
	request("www.lab.", KR_TYPE_A, true);
	uint32_t late = 0;
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, &late), 1);
	ck_assert_uint_eq(late, 600);
	ck_assert_uint_eq(kr_pkt_rcode(req.answer), KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(req.answer, KR_SECTION_ANSWER), 1);
	const kr_rrset_t *rr = kr_pkt_rr(req.answer, KR_SECTION_ANSWER, 0);
	ck_assert_uint_eq(rr->type, KR_TYPE_A);
	ck_assert_uint_eq(rr->ttl, SERVE_STALE_TTL);
	ck_assert(has_ede(SERVE_STALE_EDE));
	ck_assert(!kr_pkt_flag(req.answer, KR_PKT_AD));
	/* Expired longer than max_stale: nothing, the SERVFAIL stays. */
	request("www.lab.", KR_TYPE_A, true);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 599, NULL), 0);
	ck_assert_uint_eq(kr_pkt_rcode(req.answer), KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_count(req.answer, KR_SECTION_ANSWER), 0);
	ck_assert(!has_ede(SERVE_STALE_EDE));
	/* Another type or name: nothing. */
	request("www.lab.", KR_TYPE_AAAA, true);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, NULL), 0);
	request("other.lab.", KR_TYPE_A, true);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, NULL), 0);
	/* Without EDNS: the records, no OPT to carry the EDE. */
	request("www.lab.", KR_TYPE_A, false);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, NULL), 1);
	ck_assert_uint_eq(kr_pkt_count(req.answer, KR_SECTION_ANSWER), 1);
	ck_assert_ptr_null(req.answer->opt);
}
END_TEST

START_TEST(test_cname_chain)
{
	static const struct fake_set s[] = {
		{ "alias.lab.", "mid.lab.", KR_TYPE_CNAME, 100 },
		{ "mid.lab.", "www.lab.", KR_TYPE_CNAME, 0 },
		{ "www.lab.", NULL, KR_TYPE_A, 50 },
		{ "broken.lab.", "gone.lab.", KR_TYPE_CNAME, 10 },
		{ "loop.lab.", "loop.lab.", KR_TYPE_CNAME, 10 },
	};
	sets = s;
	nsets = 5;
	request("alias.lab.", KR_TYPE_A, true);
	uint32_t late = 0;
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, &late), 1);
	ck_assert_uint_eq(late, 100);
	ck_assert_uint_eq(kr_pkt_count(req.answer, KR_SECTION_ANSWER), 3);
	/* Stale links get TTL 30, the fresh one keeps its TTL. */
	ck_assert_uint_eq(kr_pkt_rr(req.answer, KR_SECTION_ANSWER, 0)->ttl, SERVE_STALE_TTL);
	ck_assert_uint_eq(kr_pkt_rr(req.answer, KR_SECTION_ANSWER, 1)->ttl, 100);
	ck_assert_uint_eq(kr_pkt_rr(req.answer, KR_SECTION_ANSWER, 2)->type, KR_TYPE_A);
	ck_assert_uint_eq(kr_pkt_rr(req.answer, KR_SECTION_ANSWER, 2)->ttl, SERVE_STALE_TTL);
	/* The CNAME asked for itself ends the chain. */
	request("alias.lab.", KR_TYPE_CNAME, true);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, NULL), 1);
	ck_assert_uint_eq(kr_pkt_count(req.answer, KR_SECTION_ANSWER), 1);
	/* A chain whose end is not cached, or a loop: no partial answer. */
	request("broken.lab.", KR_TYPE_A, true);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, NULL), 0);
	ck_assert_uint_eq(kr_pkt_count(req.answer, KR_SECTION_ANSWER), 0);
	request("loop.lab.", KR_TYPE_A, true);
	ck_assert_int_eq(serve_stale_answer(&req, &cache, 3600, NULL), 0);
	ck_assert_uint_eq(kr_pkt_rcode(req.answer), KR_RCODE_SERVFAIL);
	ck_assert_int_le(calls, 2 * (SERVE_STALE_CHAIN + 1));
}
END_TEST

START_TEST(test_no_service)
{
	static const struct kr_cache_api old = { .size = KR_CACHE_API_HAS(insert_rrset) };
	nsets = 0;
	request("www.lab.", KR_TYPE_A, true);
	ck_assert_int_eq(serve_stale_answer(&req, &old, 3600, NULL), -EINVAL);
	ck_assert_int_eq(serve_stale_answer(&req, NULL, 3600, NULL), -EINVAL);
	ck_assert_uint_eq(kr_pkt_rcode(req.answer), KR_RCODE_SERVFAIL);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 30 };
	Suite *s = suite_create("serve_stale");
	unit_tcase(s, "serve_stale_parse", NULL, test_parse);
	unit_tcase(s, "serve_stale_answer", &fx, test_stale_a, test_cname_chain, test_no_service);
	return unit_run(s);
}
