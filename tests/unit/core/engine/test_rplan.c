/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/engine/rplan.c: the resolution plan. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/engine/engine.h"
#include "tests/unit/check_main.h"

/** Wire form of a presentation name, in one of a ring of static buffers. */
static const uint8_t *dn(const char *str)
{
	static uint8_t ring[16][KR_DNAME_MAXLEN];
	static int next;
	uint8_t *buf = ring[next++ % 16];
	int ret = kr_dname_from_str(buf, KR_DNAME_MAXLEN, str);
	ck_assert_msg(ret > 0, "kr_dname_from_str(%s) = %d", str, ret);
	return buf;
}

/** A request with a pool, as kr_resolve_begin() leaves it for the plan. */
struct fixture {
	struct kr_arena *arena;
	struct kr_request req;
	struct kr_context ctx;
};

static void fixture_init(struct fixture *f, bool with_ctx)
{
	memset(f, 0, sizeof(*f));
	f->arena = kr_arena_new(0);
	ck_assert_ptr_nonnull(f->arena);
	f->req.pool = kr_arena_mm(f->arena);
	f->req.rplan.request = &f->req;
	if (with_ctx) {
		ck_assert_int_eq(kr_context_init(&f->ctx, "/nowhere"), 0);
		f->req.ctx = &f->ctx;
	}
}

static void fixture_deinit(struct fixture *f)
{
	if (f->req.ctx)
		kr_context_deinit(&f->ctx);
	kr_arena_delete(f->arena);
}

START_TEST(test_push)
{
	struct fixture f;
	fixture_init(&f, false);
	struct kr_rplan *rp = &f.req.rplan;
	f.req.options = KR_QF_NO_MINIMIZE | KR_QF_DNSSEC_WANT;
	ck_assert_ptr_null(kr_rplan_current(rp));

	uint8_t name[KR_DNAME_MAXLEN];
	memcpy(name, dn("www.example.com"), 17);
	uint64_t before = kr_now_ms();
	struct kr_query *q = kr_rplan_push(rp, NULL, name, KR_CLASS_IN, KR_TYPE_AAAA);
	ck_assert_ptr_nonnull(q);
	/* the name is copied (into the pool): the caller's buffer may change */
	ck_assert_ptr_ne(q->sname, name);
	memset(name, 0, sizeof(name));
	ck_assert(kr_dname_eq(q->sname, dn("www.example.com")));
	ck_assert_uint_eq(q->sclass, KR_CLASS_IN);
	ck_assert_uint_eq(q->stype, KR_TYPE_AAAA);
	ck_assert_ptr_null(q->parent);
	ck_assert_uint_eq(q->uid, 0);
	ck_assert_uint_eq(q->cname_depth, 0);
	ck_assert_uint_eq(q->ns_count, 0);
	ck_assert(q->flags == (KR_QF_NO_MINIMIZE | KR_QF_DNSSEC_WANT));
	ck_assert_uint_ge(q->started_ms, before);
	ck_assert_uint_le(q->started_ms, kr_now_ms());
	/* it is the current one, and the initial one */
	ck_assert_ptr_eq(rp->initial, q);
	ck_assert_ptr_eq(f.req.current_query, q);
	ck_assert_ptr_eq(kr_rplan_current(rp), q);
	ck_assert_uint_eq(rp->pending_len, 1);
	ck_assert_uint_eq(rp->resolved_len, 0);

	/* a sub-query: current, but not initial; distinct uid and secret */
	struct kr_query *ns = kr_rplan_push(rp, q, dn("ns.example.net"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_ptr_nonnull(ns);
	ck_assert_ptr_eq(ns->parent, q);
	ck_assert_uint_eq(ns->uid, 1);
	ck_assert_ptr_eq(rp->initial, q);
	ck_assert_ptr_eq(kr_rplan_current(rp), ns);
	ck_assert_ptr_eq(f.req.current_query, ns);
	ck_assert_uint_eq(rp->pending_len, 2);

	/* many: the pending array grows, every entry stays right */
	struct kr_query *all[60];
	all[0] = q;
	all[1] = ns;
	for (int i = 2; i < 60; ++i) {
		char buf[32];
		snprintf(buf, sizeof(buf), "n%d.example", i);
		all[i] = kr_rplan_push(rp, all[i - 1], dn(buf), KR_CLASS_IN, KR_TYPE_A);
		ck_assert_ptr_nonnull(all[i]);
		ck_assert_uint_eq(all[i]->uid, (uint32_t)i);
	}
	ck_assert_uint_eq(rp->pending_len, 60);
	for (int i = 0; i < 60; ++i)
		ck_assert_ptr_eq(rp->pending[i], all[i]);
	/* secrets are random per query */
	int same = 0;
	for (int i = 1; i < 60; ++i)
		same += all[i]->secret == all[i - 1]->secret;
	ck_assert_int_lt(same, 3);
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_push_inherit)
{
	struct fixture f;
	fixture_init(&f, false);
	struct kr_rplan *rp = &f.req.rplan;
	f.req.options = KR_QF_TRACE;
	struct kr_query *q = kr_rplan_push(rp, NULL, dn("example.com"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_ptr_nonnull(q);
	/* the parent's options carry over, its per-query state does not */
	q->flags |= KR_QF_NO_MINIMIZE | KR_QF_TCP | KR_QF_STUB | KR_QF_RESOLVED | KR_QF_CNAME |
		    KR_QF_CACHED;
	q->cname_depth = 4;
	struct kr_query *c = kr_rplan_push(rp, q, dn("ns1.example.com"), KR_CLASS_IN, KR_TYPE_AAAA);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->flags & KR_QF_TRACE);
	ck_assert(c->flags & KR_QF_NO_MINIMIZE);
	ck_assert(c->flags & KR_QF_TCP);
	ck_assert(c->flags & KR_QF_STUB);
	ck_assert(!(c->flags & KR_QF_RESOLVED));
	ck_assert(!(c->flags & KR_QF_CNAME));
	ck_assert(!(c->flags & KR_QF_CACHED));
	/* the CNAME depth is per chain: a sub-query continues its parent's */
	ck_assert_uint_eq(c->cname_depth, 4);
	/* a query without a parent starts from the request options only */
	struct kr_query *other = kr_rplan_push(rp, NULL, dn("other.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert(other->flags == KR_QF_TRACE);
	ck_assert_uint_eq(other->cname_depth, 0);
	/* the parent itself is not changed by pushing */
	ck_assert(q->flags & KR_QF_RESOLVED);
	ck_assert_uint_eq(q->cname_depth, 4);
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_push_limit)
{
	/* the context's limit */
	struct fixture f;
	fixture_init(&f, true);
	f.ctx.max_subqueries = 5;
	struct kr_rplan *rp = &f.req.rplan;
	struct kr_query *last = NULL;
	for (int i = 0; i < 5; ++i) {
		last = kr_rplan_push(rp, last, dn("a.example"), KR_CLASS_IN, KR_TYPE_A);
		ck_assert_ptr_nonnull(last);
	}
	ck_assert_ptr_null(kr_rplan_push(rp, last, dn("b.example"), KR_CLASS_IN, KR_TYPE_A));
	ck_assert_uint_eq(rp->pending_len, 5);
	ck_assert_ptr_eq(kr_rplan_current(rp), last);
	/* popping does not give the budget back: it counts the request's work */
	ck_assert_int_eq(kr_rplan_pop(rp, last), 0);
	ck_assert_ptr_null(kr_rplan_push(rp, NULL, dn("c.example"), KR_CLASS_IN, KR_TYPE_A));
	fixture_deinit(&f);

	/* without a context: the default limit */
	fixture_init(&f, false);
	rp = &f.req.rplan;
	int n = 0;
	while (kr_rplan_push(rp, NULL, dn("d.example"), KR_CLASS_IN, KR_TYPE_A))
		ck_assert_int_le(++n, KR_DEFAULT_MAX_SUBQUERIES);
	ck_assert_int_eq(n, KR_DEFAULT_MAX_SUBQUERIES);
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_pop)
{
	struct fixture f;
	fixture_init(&f, false);
	struct kr_rplan *rp = &f.req.rplan;
	struct kr_query *a = kr_rplan_push(rp, NULL, dn("a.test"), KR_CLASS_IN, KR_TYPE_A);
	struct kr_query *b = kr_rplan_push(rp, a, dn("b.test"), KR_CLASS_IN, KR_TYPE_A);
	struct kr_query *c = kr_rplan_push(rp, b, dn("c.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_ptr_eq(kr_rplan_current(rp), c);
	/* the current one: its parent is current again */
	ck_assert_int_eq(kr_rplan_pop(rp, c), 0);
	ck_assert_ptr_eq(kr_rplan_current(rp), b);
	ck_assert_uint_eq(rp->pending_len, 2);
	ck_assert_uint_eq(rp->resolved_len, 1);
	ck_assert_ptr_eq(rp->resolved[0], c);
	/* twice: not pending any more */
	ck_assert_int_eq(kr_rplan_pop(rp, c), -ENOENT);
	ck_assert_uint_eq(rp->resolved_len, 1);
	/* one in the middle of the stack keeps the order of the others */
	struct kr_query *d = kr_rplan_push(rp, b, dn("d.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_int_eq(kr_rplan_pop(rp, b), 0);
	ck_assert_uint_eq(rp->pending_len, 2);
	ck_assert_ptr_eq(rp->pending[0], a);
	ck_assert_ptr_eq(rp->pending[1], d);
	ck_assert_ptr_eq(kr_rplan_current(rp), d);
	ck_assert_ptr_eq(rp->resolved[1], b);
	/* a query of another plan */
	struct fixture g;
	fixture_init(&g, false);
	struct kr_query *x = kr_rplan_push(&g.req.rplan, NULL, dn("x.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_int_eq(kr_rplan_pop(rp, x), -ENOENT);
	fixture_deinit(&g);
	/* everything: nothing current */
	ck_assert_int_eq(kr_rplan_pop(rp, d), 0);
	ck_assert_int_eq(kr_rplan_pop(rp, a), 0);
	ck_assert_ptr_null(kr_rplan_current(rp));
	ck_assert_uint_eq(rp->resolved_len, 4);
	/* the resolved list grows past its first allocation */
	for (int i = 0; i < 40; ++i) {
		struct kr_query *q = kr_rplan_push(rp, NULL, dn("e.test"), KR_CLASS_IN, KR_TYPE_A);
		ck_assert_int_eq(kr_rplan_pop(rp, q), 0);
		ck_assert_ptr_eq(rp->resolved[rp->resolved_len - 1], q);
	}
	ck_assert_uint_eq(rp->resolved_len, 44);
	ck_assert_ptr_eq(rp->resolved[0], c);
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_current)
{
	struct fixture f;
	fixture_init(&f, false);
	struct kr_rplan *rp = &f.req.rplan;
	ck_assert_ptr_null(kr_rplan_current(rp));
	struct kr_query *a = kr_rplan_push(rp, NULL, dn("a.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_ptr_eq(kr_rplan_current(rp), a);
	/* the last pushed, whatever its parent */
	struct kr_query *b = kr_rplan_push(rp, NULL, dn("b.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert_ptr_eq(kr_rplan_current(rp), b);
	kr_rplan_pop(rp, b);
	ck_assert_ptr_eq(kr_rplan_current(rp), a);
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_push_cname)
{
	struct fixture f;
	fixture_init(&f, true);
	f.ctx.max_cname = 3;
	struct kr_rplan *rp = &f.req.rplan;
	struct kr_query *top = kr_rplan_push(rp, NULL, dn("top.test"), KR_CLASS_IN, KR_TYPE_NS);
	struct kr_query *q = kr_rplan_push(rp, top, dn("c0.test"), KR_CLASS_IN, KR_TYPE_AAAA);
	q->flags |= KR_QF_TCP | KR_QF_CACHED;
	/* each link replaces the query, one deeper, same type and parent */
	const char *names[] = { "c1.test", "c2.test", "c3.test" };
	for (int i = 0; i < 3; ++i) {
		struct kr_query *next = kr_rplan_push_cname(rp, q, dn(names[i]));
		ck_assert_ptr_nonnull(next);
		ck_assert(kr_dname_eq(next->sname, dn(names[i])));
		ck_assert_uint_eq(next->stype, KR_TYPE_AAAA);
		ck_assert_uint_eq(next->sclass, KR_CLASS_IN);
		ck_assert_ptr_eq(next->parent, top);
		ck_assert_uint_eq(next->cname_depth, (unsigned)i + 1);
		ck_assert(next->flags & KR_QF_CNAME);
		ck_assert(next->flags & KR_QF_TCP);
		ck_assert(!(next->flags & KR_QF_RESOLVED));
		ck_assert(!(next->flags & KR_QF_CACHED));
		/* the old one is resolved, the new one current */
		ck_assert(q->flags & KR_QF_RESOLVED);
		ck_assert_ptr_eq(rp->resolved[rp->resolved_len - 1], q);
		ck_assert_ptr_eq(kr_rplan_current(rp), next);
		ck_assert_ptr_eq(f.req.current_query, next);
		ck_assert_uint_eq(rp->pending_len, 2);
		q = next;
	}
	/* the chain limit */
	ck_assert_ptr_null(kr_rplan_push_cname(rp, q, dn("c4.test")));
	ck_assert_ptr_eq(rp->initial, top);
	fixture_deinit(&f);

	/* the default limit without a context */
	fixture_init(&f, false);
	rp = &f.req.rplan;
	q = kr_rplan_push(rp, NULL, dn("start.test"), KR_CLASS_IN, KR_TYPE_A);
	int links = 0;
	struct kr_query *next;
	char name[32];
	for (;;) {
		snprintf(name, sizeof(name), "next%d.test", links);
		if (!(next = kr_rplan_push_cname(rp, q, dn(name))))
			break;
		q = next;
		ck_assert_int_le(++links, KR_DEFAULT_MAX_CNAME);
	}
	ck_assert_int_eq(links, KR_DEFAULT_MAX_CNAME);
	ck_assert(!(q->flags & KR_QF_CNAME_LOOP));   /* the limit, not a loop */
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_push_cname_loop)
{
	struct fixture f;
	fixture_init(&f, true);
	struct kr_rplan *rp = &f.req.rplan;
	struct kr_query *top = kr_rplan_push(rp, NULL, dn("a.test"), KR_CLASS_IN, KR_TYPE_A);
	/* to itself (a DNAME onto its own owner) */
	ck_assert_ptr_null(kr_rplan_push_cname(rp, top, dn("A.Test")));
	ck_assert(top->flags & KR_QF_CNAME_LOOP);
	ck_assert_ptr_eq(kr_rplan_current(rp), top);   /* left in place, for the caller to fail */
	top->flags &= ~(uint64_t)KR_QF_CNAME_LOOP;
	/* a -> b -> c -> a, across replies: the links are remembered */
	struct kr_query *b = kr_rplan_push_cname(rp, top, dn("b.test"));
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->cname_from, top->uid);
	struct kr_query *c = kr_rplan_push_cname(rp, b, dn("c.test"));
	ck_assert_ptr_nonnull(c);
	ck_assert(!(c->flags & KR_QF_CNAME_LOOP));
	ck_assert_ptr_null(kr_rplan_push_cname(rp, c, dn("a.test")));
	ck_assert(c->flags & KR_QF_CNAME_LOOP);
	c->flags &= ~(uint64_t)KR_QF_CNAME_LOOP;
	ck_assert_ptr_null(kr_rplan_push_cname(rp, c, dn("b.test")));
	ck_assert(c->flags & KR_QF_CNAME_LOOP);
	fixture_deinit(&f);

	fixture_init(&f, true);
	rp = &f.req.rplan;
	struct kr_query *p = kr_rplan_push(rp, NULL, dn("parent.test"), KR_CLASS_IN, KR_TYPE_NS);
	struct kr_query *s1 = kr_rplan_push(rp, p, dn("ns.test"), KR_CLASS_IN, KR_TYPE_A);
	struct kr_query *t1 = kr_rplan_push_cname(rp, s1, dn("target.test"));
	ck_assert_ptr_nonnull(t1);
	t1->flags |= KR_QF_RESOLVED;
	ck_assert_int_eq(kr_rplan_pop(rp, t1), 0);
	/* the same name again (past the cache, say): its chain starts afresh */
	struct kr_query *s2 = kr_rplan_push(rp, p, dn("ns.test"), KR_CLASS_IN, KR_TYPE_A);
	ck_assert(!(s2->flags & KR_QF_CNAME));
	struct kr_query *t2 = kr_rplan_push_cname(rp, s2, dn("target.test"));
	ck_assert_ptr_nonnull(t2);
	ck_assert(!(t2->flags & KR_QF_CNAME_LOOP));
	/* a sub-query of a looping one does not inherit the mark */
	t2->flags |= KR_QF_CNAME_LOOP;
	struct kr_query *child = kr_rplan_push(rp, t2, dn("x.test"), KR_CLASS_IN, KR_TYPE_DS);
	ck_assert(!(child->flags & KR_QF_CNAME_LOOP));
	fixture_deinit(&f);
}
END_TEST

START_TEST(test_satisfies)
{
	struct fixture f;
	fixture_init(&f, false);
	struct kr_rplan *rp = &f.req.rplan;
	struct kr_query *a = kr_rplan_push(rp, NULL, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_A);
	struct kr_query *b = kr_rplan_push(rp, a, dn("ns1.example.net"), KR_CLASS_IN, KR_TYPE_AAAA);
	struct kr_query *c = kr_rplan_push(rp, b, dn("ns2.example.org"), KR_CLASS_IN, KR_TYPE_A);
	struct kr_query *other = kr_rplan_push(rp, NULL, dn("other.test"), KR_CLASS_IN, KR_TYPE_A);
	/* anything in the ancestry, including the query itself: a loop */
	ck_assert(kr_rplan_satisfies(c, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_A));
	ck_assert(kr_rplan_satisfies(c, dn("ns1.example.net"), KR_CLASS_IN, KR_TYPE_AAAA));
	ck_assert(kr_rplan_satisfies(c, dn("ns2.example.org"), KR_CLASS_IN, KR_TYPE_A));
	/* names compare case-insensitively */
	ck_assert(kr_rplan_satisfies(c, dn("WWW.Example.COM"), KR_CLASS_IN, KR_TYPE_A));
	/* type, class and name must all match */
	ck_assert(!kr_rplan_satisfies(c, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_AAAA));
	ck_assert(!kr_rplan_satisfies(c, dn("www.example.com"), KR_CLASS_CH, KR_TYPE_A));
	ck_assert(!kr_rplan_satisfies(c, dn("example.com"), KR_CLASS_IN, KR_TYPE_A));
	/* descendants and unrelated queries do not count */
	ck_assert(!kr_rplan_satisfies(b, dn("ns2.example.org"), KR_CLASS_IN, KR_TYPE_A));
	ck_assert(!kr_rplan_satisfies(c, dn("other.test"), KR_CLASS_IN, KR_TYPE_A));
	ck_assert(!kr_rplan_satisfies(other, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_A));
	ck_assert(!kr_rplan_satisfies(NULL, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_A));
	fixture_deinit(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rplan");
	unit_tcase(s, "kr_rplan_push", NULL, test_push, test_push_inherit, test_push_limit);
	unit_tcase(s, "kr_rplan_pop", NULL, test_pop);
	unit_tcase(s, "kr_rplan_current", NULL, test_current);
	unit_tcase(s, "kr_rplan_push_cname", NULL, test_push_cname, test_push_cname_loop);
	unit_tcase(s, "kr_rplan_satisfies", NULL, test_satisfies);
	return unit_run(s);
}
