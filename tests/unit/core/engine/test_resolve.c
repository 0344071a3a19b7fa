/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of core/engine/resolve.c: the resolution driver run over real
 * packets with in-process fake plugins registered straight into the context.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "core/engine/engine.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_plugin.h"

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

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* --- fake plugins --- */

/** What a fake plugin does and what it saw; its kr_plugin.data. */
struct fake {
	uint8_t addr;            /**< answering layers write 192.0.2.addr (+i) */
	int answer_count;        /**< ... this many A records */
	/* calls */
	int begin, reset, consume, produce, checkout, finish, finalize;
	/* observations */
	enum kr_layer_state produce_state;   /**< state seen by the last produce */
	enum kr_layer_state consume_state;   /**< state seen by the last consume */
	bool consume_pkt;                    /**< consume got a packet */
	uint16_t consume_ancount;            /**< ... with this many answer entries */
	enum kr_layer_state finish_state;
	enum kr_layer_state finalize_state;
	bool checkout_tcp;
	uint16_t checkout_port;
};

static struct fake *fake_of(struct kr_layer_ctx *ctx)
{
	return kr_plugin_data(ctx->plugin);
}

/** Write count A records for the current query's name into pkt (memory from the request pool). */
static int put_a(struct kr_request *req, kr_pkt_t *pkt, const uint8_t *owner, uint8_t first, int count)
{
	kr_rrset_t *rr = kr_mm_alloc(req->pool, sizeof(*rr));
	uint8_t *o = kr_dname_copy(owner, req->pool);
	if (!rr || !o)
		return -ENOMEM;
	kr_rrset_init(rr, o, KR_TYPE_A, KR_CLASS_IN, 300);
	for (int i = 0; i < count; ++i) {
		uint8_t ip[4] = { 192, 0, 2, (uint8_t)(first + i) };
		int ret = kr_rrset_add_rdata(rr, ip, 4, req->pool);
		if (ret)
			return ret;
	}
	return kr_pkt_put(pkt, rr);
}

/* Callbacks that only watch. */
static enum kr_layer_state watch_begin(struct kr_layer_ctx *ctx)
{
	++fake_of(ctx)->begin;
	return ctx->state;
}

static enum kr_layer_state watch_reset(struct kr_layer_ctx *ctx)
{
	++fake_of(ctx)->reset;
	return ctx->state;
}

static enum kr_layer_state watch_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct fake *f = fake_of(ctx);
	++f->consume;
	f->consume_state = ctx->state;
	f->consume_pkt = pkt != NULL;
	f->consume_ancount = pkt ? kr_pkt_count(pkt, KR_SECTION_ANSWER) : 0;
	return ctx->state;
}

static enum kr_layer_state watch_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct fake *f = fake_of(ctx);
	++f->produce;
	f->produce_state = ctx->state;
	return ctx->state;
}

static enum kr_layer_state watch_finish(struct kr_layer_ctx *ctx)
{
	struct fake *f = fake_of(ctx);
	++f->finish;
	f->finish_state = ctx->state;
	return ctx->state;
}

static enum kr_layer_state watch_finalize(struct kr_layer_ctx *ctx)
{
	struct fake *f = fake_of(ctx);
	++f->finalize;
	f->finalize_state = ctx->state;
	return ctx->state;
}

/** Answers every query it gets first, in produce, with A records. */
static enum kr_layer_state answer_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct fake *f = fake_of(ctx);
	++f->produce;
	f->produce_state = ctx->state;
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	kr_pkt_set_flag(pkt, KR_PKT_AA, true);
	if (put_a(ctx->req, pkt, ctx->req->current_query->sname, f->addr, f->answer_count) != 0)
		return KR_STATE_FAIL;
	return KR_STATE_DONE;
}

/** Fails every query in produce. */
static enum kr_layer_state fail_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	++fake_of(ctx)->produce;
	return KR_STATE_FAIL;
}

/** Adds a record to the additional section and sets AD, last thing before sending. */
static enum kr_layer_state extra_finalize(struct kr_layer_ctx *ctx)
{
	struct fake *f = fake_of(ctx);
	++f->finalize;
	f->finalize_state = ctx->state;
	kr_pkt_t *a = ctx->req->answer;
	kr_pkt_set_flag(a, KR_PKT_AD, true);
	if (kr_pkt_begin(a, KR_SECTION_ADDITIONAL) != 0 ||
	    put_a(ctx->req, a, dn("extra.test"), 77, 1) != 0)
		return KR_STATE_FAIL;
	return ctx->state;
}

/** Sends every query upstream (192.0.2.53 port 53); takes any answer. */
static enum kr_layer_state upstream_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct fake *f = fake_of(ctx);
	++f->produce;
	f->produce_state = ctx->state;
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	struct kr_query *q = ctx->req->current_query;
	memset(&q->ns_addr[0], 0, sizeof(q->ns_addr[0]));
	q->ns_addr[0].ip4.sin_family = AF_INET;
	q->ns_addr[0].ip4.sin_port = htons(53);
	inet_pton(AF_INET, "192.0.2.53", &q->ns_addr[0].ip4.sin_addr);
	q->ns_count = 1;
	return KR_STATE_CONSUME;
}

static enum kr_layer_state upstream_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	watch_consume(ctx, pkt);
	if (!pkt)
		return ctx->state;   /* a timeout: nobody takes it, the query starts over */
	if (kr_pkt_rcode(pkt) == KR_RCODE_SERVFAIL)
		return KR_STATE_FAIL;
	return KR_STATE_DONE;
}

/** Claims to have written a query, without saying where to send it. */
static enum kr_layer_state no_ns_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	++fake_of(ctx)->produce;
	return KR_STATE_CONSUME;
}

/** Vetoes every server. */
static enum kr_layer_state veto_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
					 const void *dst, bool tcp)
{
	struct fake *f = fake_of(ctx);
	++f->checkout;
	f->checkout_tcp = tcp;
	f->checkout_port = ntohs(((const struct sockaddr_in *)dst)->sin_port);
	return KR_STATE_FAIL;
}

static enum kr_layer_state allow_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
					  const void *dst, bool tcp)
{
	++fake_of(ctx)->checkout;
	return ctx->state;
}

/** Pushes a sub-query under the current one at every step (a runaway layer). */
static int subq_attempts, subq_pushed;
static bool subq_fail_on_limit;

static enum kr_layer_state subq_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	struct kr_request *req = ctx->req;
	++subq_attempts;
	if (kr_rplan_push(&req->rplan, req->current_query, dn("sub.example"), KR_CLASS_IN, KR_TYPE_A))
		++subq_pushed;
	else if (subq_fail_on_limit)
		return KR_STATE_FAIL;
	return KR_STATE_YIELD;
}

/** Follows a CNAME chain c0 -> c1 -> ... -> c<cname_len>, which has the A record. */
static int cname_len, cname_pushes;

static enum kr_layer_state cname_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	struct kr_request *req = ctx->req;
	struct kr_query *q = req->current_query;
	if (q->cname_depth >= cname_len) {
		if (put_a(req, pkt, q->sname, 1, 1) != 0)
			return KR_STATE_FAIL;
		return KR_STATE_DONE;
	}
	char next[32];
	snprintf(next, sizeof(next), "c%d.example", q->cname_depth + 1);
	if (!kr_rplan_push_cname(&req->rplan, q, dn(next)))
		return KR_STATE_FAIL;
	++cname_pushes;
	return KR_STATE_YIELD;
}

/** Answers c0.example and c1.example with CNAMEs to each other (a loop), as iterate does. */
static enum kr_layer_state loop_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	(void)pkt;
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	struct kr_request *req = ctx->req;
	struct kr_query *q = req->current_query;
	const uint8_t *next = dn(kr_dname_eq(q->sname, dn("c0.example")) ? "c1.example" : "c0.example");
	kr_rrset_t *rr = kr_mm_alloc(req->pool, sizeof(*rr));
	uint8_t *owner = kr_dname_copy(q->sname, req->pool);
	if (!rr || !owner)
		return KR_STATE_FAIL;
	kr_rrset_init(rr, owner, KR_TYPE_CNAME, KR_CLASS_IN, 300);
	if (kr_rrset_add_rdata(rr, next, (uint16_t)kr_dname_size(next), req->pool) != 0 ||
	    kr_pkt_put(req->answer, rr) != 0)
		return KR_STATE_FAIL;
	if (!kr_rplan_push_cname(&req->rplan, q, kr_dname_copy(next, req->pool)))
		return KR_STATE_FAIL;   /* the loop: KR_QF_CNAME_LOOP is set */
	return KR_STATE_YIELD;
}

/** Needs the address of a server first: resolves ns.example A before the client's query. */
static enum kr_layer_state needs_ns_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct fake *f = fake_of(ctx);
	++f->produce;
	struct kr_request *req = ctx->req;
	if (ctx->state != KR_STATE_PRODUCE || req->current_query->parent || req->rplan.resolved_len)
		return ctx->state;
	if (!kr_rplan_push(&req->rplan, req->current_query, dn("ns.example"), KR_CLASS_IN, KR_TYPE_A))
		return KR_STATE_FAIL;
	return KR_STATE_YIELD;
}

/** Fails the request at the end (a validator finding the answer bogus). */
static enum kr_layer_state fail_finish(struct kr_layer_ctx *ctx)
{
	watch_finish(ctx);
	return KR_STATE_FAIL;
}

static void fake_deinit(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

#define FAKE_API(var, ...) \
	static const struct kr_layer_api var##_layer = { .size = sizeof(struct kr_layer_api), __VA_ARGS__ }; \
	static const struct kr_plugin_api var = { .size = sizeof(struct kr_plugin_api), .abi = KR_PLUGIN_ABI, \
		.name = #var, .deinit = fake_deinit, .layer = &var##_layer }

FAKE_API(watch_api, .begin = watch_begin, .reset = watch_reset, .consume = watch_consume,
	 .produce = watch_produce, .finish = watch_finish, .answer_finalize = watch_finalize);
FAKE_API(answer_api, .begin = watch_begin, .consume = watch_consume, .produce = answer_produce,
	 .finish = watch_finish, .answer_finalize = watch_finalize);
FAKE_API(fail_api, .produce = fail_produce, .finish = watch_finish, .answer_finalize = watch_finalize);
FAKE_API(extra_api, .answer_finalize = extra_finalize);
FAKE_API(upstream_api, .reset = watch_reset, .consume = upstream_consume, .produce = upstream_produce,
	 .finish = watch_finish);
FAKE_API(no_ns_api, .produce = no_ns_produce);
FAKE_API(veto_api, .checkout = veto_checkout);
FAKE_API(allow_api, .checkout = allow_checkout);
FAKE_API(subq_api, .produce = subq_produce);
FAKE_API(cname_api, .produce = cname_produce);
FAKE_API(loop_api, .produce = loop_produce);
FAKE_API(needs_ns_api, .produce = needs_ns_produce);
FAKE_API(fail_finish_api, .finish = fail_finish);
/* a plugin without a layer is skipped by the driver */
static const struct kr_plugin_api nolayer_api = { .size = sizeof(struct kr_plugin_api),
	.abi = KR_PLUGIN_ABI, .name = "nolayer", .deinit = fake_deinit };

/* --- the request fixture --- */

static struct {
	struct kr_context ctx;
	struct kr_arena *arena;
	kr_mm_t *pool;
	struct kr_request req;
	kr_pkt_t *out;    /**< the outgoing query buffer */
	kr_pkt_t *(*upstream)(const kr_pkt_t *query);   /**< NULL: a timeout */
	int upstream_calls;
} F;

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	ck_assert_int_eq(kr_context_init(&F.ctx, "/nowhere"), 0);
	F.arena = kr_arena_new(0);
	ck_assert_ptr_nonnull(F.arena);
	F.pool = kr_arena_mm(F.arena);
	subq_attempts = subq_pushed = 0;
	subq_fail_on_limit = false;
	cname_len = cname_pushes = 0;
}

static void teardown(void)
{
	kr_context_deinit(&F.ctx);
	kr_arena_delete(F.arena);
}

/** Register an in-process plugin at the end of the call order. @return its state. */
static struct fake *add_plugin(const char *name, const struct kr_plugin_api *api, uint8_t addr)
{
	struct fake *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	f->addr = addr;
	f->answer_count = 1;
	unit_add_plugin(&F.ctx, name, api, f);
	return f;
}

/** Options of a client query. */
struct qopts {
	uint16_t id;
	bool rd, cd;
	int edns;          /**< EDNS version, or -1 for none */
	bool do_bit;
	uint16_t bufsize;
	uint8_t opcode;
	bool no_question;
};

static const struct qopts plain = { .id = 0xbeef, .rd = true, .edns = -1 };
static const struct qopts edns0 = { .id = 0x4321, .rd = true, .edns = 0, .bufsize = 4096 };

/** Build a query as a client would and parse it into a fresh packet, as the daemon does. */
static kr_pkt_t *make_query(const char *name, uint16_t cls, uint16_t type, const struct qopts *o)
{
	kr_pkt_t *b = kr_pkt_new(NULL, 512, F.pool);
	ck_assert_ptr_nonnull(b);
	kr_pkt_set_id(b, o->id);
	kr_pkt_set_opcode(b, o->opcode);
	kr_pkt_set_flag(b, KR_PKT_RD, o->rd);
	kr_pkt_set_flag(b, KR_PKT_CD, o->cd);
	if (!o->no_question)
		ck_assert_int_eq(kr_pkt_put_question(b, dn(name), cls, type), 0);
	if (o->edns >= 0) {
		kr_rrset_t *opt = kr_mm_alloc(F.pool, sizeof(*opt));
		ck_assert_int_eq(kr_edns_init(opt, o->bufsize, (uint8_t)o->edns, F.pool), 0);
		kr_edns_set_do(opt, o->do_bit);
		ck_assert_int_eq(kr_pkt_begin(b, KR_SECTION_ADDITIONAL), 0);
		ck_assert_int_eq(kr_pkt_put_opt(b, opt), 0);
	}
	uint8_t *wire = kr_mm_memdup(F.pool, b->wire, b->size);
	kr_pkt_t *q = kr_pkt_new(wire, b->size, F.pool);
	ck_assert_ptr_nonnull(q);
	q->size = b->size;
	ck_assert_int_eq(kr_pkt_parse(q), 0);
	kr_pkt_free(b);
	return q;
}

/** A fresh request (same context and arena). */
static void new_request(void)
{
	memset(&F.req, 0, sizeof(F.req));
	F.req.pool = F.pool;
	F.out = kr_pkt_new(NULL, KR_PKT_MAXSIZE, F.pool);
	ck_assert_ptr_nonnull(F.out);
	F.upstream_calls = 0;
}

static void set_source(const kr_pkt_t *q, uint32_t flags, uint16_t size)
{
	new_request();
	F.req.qsource.packet = q;
	F.req.qsource.flags = flags;
	F.req.qsource.size = size;
}

/** Drive a whole request as the worker does. @return the final state. */
static enum kr_layer_state run_flags(const kr_pkt_t *q, uint32_t flags, uint16_t size)
{
	set_source(q, flags, size);
	enum kr_layer_state st = kr_resolve_begin(&F.req, &F.ctx);
	for (int i = 0; st == KR_STATE_PRODUCE; ++i) {
		ck_assert_int_lt(i, 1000);
		st = kr_resolve_produce(&F.req, F.out);
		if (st == KR_STATE_CONSUME) {
			ck_assert_int_eq(kr_resolve_checkout(&F.req, F.out, &F.req.current_query->ns_addr[0].ip,
							     false), 0);
			++F.upstream_calls;
			kr_pkt_t *resp = F.upstream ? F.upstream(F.out) : NULL;
			st = kr_resolve_consume(&F.req, &F.req.current_query->ns_addr[0].ip, resp);
		}
	}
	ck_assert(st == KR_STATE_DONE || st == KR_STATE_FAIL);
	kr_resolve_finish(&F.req, st);
	return st;
}

/** A UDP client without EDNS. */
static enum kr_layer_state run(const kr_pkt_t *q)
{
	return run_flags(q, 0, q->opt ? kr_edns_bufsize(q->opt) : KR_EDNS_MIN_BUFSIZE);
}

/** The answer as the client receives it: its wire parsed into a fresh packet. */
static kr_pkt_t *answer(void)
{
	kr_pkt_t *a = F.req.answer;
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_ge(a->size, KR_PKT_HDRSIZE);
	uint8_t *wire = kr_mm_memdup(F.pool, a->wire, a->size);
	kr_pkt_t *p = kr_pkt_new(wire, a->size, F.pool);
	p->size = a->size;
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	return p;
}

/** Check what every reply shares with its query. */
static void check_reply(const kr_pkt_t *p, const kr_pkt_t *q, uint16_t rcode)
{
	ck_assert_uint_eq(kr_pkt_id(p), kr_pkt_id(q));
	ck_assert(kr_pkt_flag(p, KR_PKT_QR));
	ck_assert(kr_pkt_flag(p, KR_PKT_RA));
	ck_assert_int_eq(kr_pkt_flag(p, KR_PKT_RD), kr_pkt_flag(q, KR_PKT_RD));
	ck_assert_uint_eq(kr_pkt_opcode(p), kr_pkt_opcode(q));
	ck_assert_uint_eq(kr_pkt_rcode(p), rcode);
	ck_assert_uint_eq(p->qname_size, q->qname_size);
	if (q->qname_size) {
		ck_assert(kr_dname_eq(p->qname, q->qname));
		ck_assert_uint_eq(p->qtype, q->qtype);
		ck_assert_uint_eq(p->qclass, q->qclass);
	}
	/* an OPT in the reply exactly when the query had one */
	ck_assert_int_eq(p->opt != NULL, q->opt != NULL);
	if (p->opt) {
		ck_assert_uint_eq(kr_edns_version(p->opt), 0);
		ck_assert_int_eq(kr_edns_do(p->opt), kr_edns_do(q->opt));
		ck_assert_uint_eq(p->opt->rclass, F.ctx.bufsize);
	}
}

/** Address of the i-th answer record (an A record). */
static uint8_t answer_addr(const kr_pkt_t *p, enum kr_section s, uint16_t i)
{
	const kr_rrset_t *rr = kr_pkt_rr(p, s, i);
	ck_assert_ptr_nonnull(rr);
	ck_assert_uint_eq(rr->type, KR_TYPE_A);
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	ck_assert_uint_eq(rd->len, 4);
	return rd->data[3];
}

/** An upstream answer: the query echoed with one A record 192.0.2.99, AA set. */
static kr_pkt_t *respond_rcode(const kr_pkt_t *query, uint16_t rcode, int records)
{
	kr_pkt_t *r = kr_pkt_new(NULL, 4096, F.pool);
	kr_pkt_set_id(r, kr_pkt_id(query));
	kr_pkt_set_flag(r, KR_PKT_QR, true);
	kr_pkt_set_flag(r, KR_PKT_AA, true);
	kr_pkt_set_rcode(r, rcode);
	ck_assert_int_eq(kr_pkt_put_question(r, query->qname, query->qclass, query->qtype), 0);
	if (records)
		ck_assert_int_eq(put_a(&F.req, r, query->qname, 99, records), 0);
	uint8_t *wire = kr_mm_memdup(F.pool, r->wire, r->size);
	kr_pkt_t *p = kr_pkt_new(wire, r->size, F.pool);
	p->size = r->size;
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	return p;
}

/** Like respond_rcode(), plus one record (A 192.0.2.98, a stand-in for SOA) in the authority section. */
static kr_pkt_t *respond_auth(const kr_pkt_t *query, uint16_t rcode, int records)
{
	kr_pkt_t *r = kr_pkt_new(NULL, 4096, F.pool);
	kr_pkt_set_id(r, kr_pkt_id(query));
	kr_pkt_set_flag(r, KR_PKT_QR, true);
	kr_pkt_set_rcode(r, rcode);
	ck_assert_int_eq(kr_pkt_put_question(r, query->qname, query->qclass, query->qtype), 0);
	if (records)
		ck_assert_int_eq(put_a(&F.req, r, query->qname, 99, records), 0);
	ck_assert_int_eq(kr_pkt_begin(r, KR_SECTION_AUTHORITY), 0);
	ck_assert_int_eq(put_a(&F.req, r, dn("example.org"), 98, 1), 0);
	uint8_t *wire = kr_mm_memdup(F.pool, r->wire, r->size);
	kr_pkt_t *p = kr_pkt_new(wire, r->size, F.pool);
	p->size = r->size;
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	return p;
}

static kr_pkt_t *respond_nxdomain(const kr_pkt_t *query)
{
	return respond_auth(query, KR_RCODE_NXDOMAIN, 0);
}

static kr_pkt_t *respond_nodata(const kr_pkt_t *query)
{
	return respond_auth(query, KR_RCODE_NOERROR, 0);
}

static kr_pkt_t *respond_positive_auth(const kr_pkt_t *query)
{
	return respond_auth(query, KR_RCODE_NOERROR, 2);
}

static kr_pkt_t *respond_a(const kr_pkt_t *query)
{
	return respond_rcode(query, KR_RCODE_NOERROR, 1);
}

static kr_pkt_t *respond_servfail(const kr_pkt_t *query)
{
	return respond_rcode(query, KR_RCODE_SERVFAIL, 0);
}

/* --- kr_resolve_begin --- */

START_TEST(test_no_plugins)
{
	/* nobody can answer: SERVFAIL, a proper reply skeleton */
	kr_pkt_t *q = make_query("www.example.com", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_id(a), 0xbeef);
	ck_assert(kr_pkt_flag(a, KR_PKT_RD));
	ck_assert(!kr_pkt_flag(a, KR_PKT_TC));
	ck_assert(!kr_pkt_flag(a, KR_PKT_AA));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ADDITIONAL), 0);

	/* RD is copied, not forced; so is CD */
	struct qopts o = plain;
	o.rd = false;
	o.cd = true;
	o.id = 7;
	q = make_query("www.example.com", KR_CLASS_IN, KR_TYPE_AAAA, &o);
	run(q);
	a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert(!kr_pkt_flag(a, KR_PKT_RD));
	ck_assert(kr_pkt_flag(a, KR_PKT_CD));
	/* CD reaches the query flags */
	ck_assert(F.req.options & KR_QF_DNSSEC_CD);
	/* request ids differ */
	uint32_t uid = F.req.uid;
	run(q);
	ck_assert_uint_ne(F.req.uid, uid);
}
END_TEST

START_TEST(test_class_ch)
{
	/* CH is accepted, but with nobody to answer it the reply is REFUSED */
	struct fake *w = add_plugin("watch", &watch_api, 0);
	kr_pkt_t *q = make_query("version.bind", KR_CLASS_CH, KR_TYPE_TXT, &plain);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_REFUSED);
	ck_assert_int_eq(w->begin, 1);
	ck_assert_int_eq(w->produce, 1);
}
END_TEST

START_TEST(test_class_other)
{
	/* other classes are refused before any layer runs */
	struct fake *w = add_plugin("watch", &watch_api, 0);
	const uint16_t classes[] = { KR_CLASS_ANY, KR_CLASS_NONE, 2, 4, 42 };
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); ++i) {
		kr_pkt_t *q = make_query("example.com", classes[i], KR_TYPE_A, &plain);
		set_source(q, 0, 512);
		ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_DONE);
		/* nothing to produce */
		ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_DONE);
		kr_resolve_finish(&F.req, KR_STATE_DONE);
		check_reply(answer(), q, KR_RCODE_REFUSED);
	}
	ck_assert_int_eq(w->begin + w->produce + w->consume + w->finish + w->finalize, 0);
}
END_TEST

START_TEST(test_opcode)
{
	struct fake *w = add_plugin("watch", &watch_api, 0);
	const uint8_t opcodes[] = { KR_OPCODE_NOTIFY, KR_OPCODE_IQUERY, KR_OPCODE_STATUS,
				    KR_OPCODE_UPDATE, 15 };
	for (size_t i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); ++i) {
		struct qopts o = plain;
		o.opcode = opcodes[i];
		kr_pkt_t *q = make_query("example.com", KR_CLASS_IN, KR_TYPE_SOA, &o);
		ck_assert_int_eq(run(q), KR_STATE_DONE);
		kr_pkt_t *a = answer();
		check_reply(a, q, KR_RCODE_NOTIMPL);
		ck_assert_uint_eq(kr_pkt_opcode(a), opcodes[i]);
	}
	ck_assert_int_eq(w->begin + w->produce + w->finish + w->finalize, 0);
}
END_TEST

START_TEST(test_badvers)
{
	struct fake *w = add_plugin("watch", &watch_api, 0);
	struct qopts o = edns0;
	o.edns = 1;
	o.do_bit = true;
	kr_pkt_t *q = make_query("example.com", KR_CLASS_IN, KR_TYPE_A, &o);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	/* rcode 16: 0 in the header, 1 in the OPT's extended rcode; the OPT says version 0 */
	check_reply(a, q, KR_RCODE_BADVERS);
	ck_assert_uint_eq(a->wire[3] & 0x0f, 0);
	ck_assert_ptr_nonnull(a->opt);
	ck_assert_uint_eq(kr_edns_ext_rcode(a->opt), 1);
	ck_assert_uint_eq(kr_edns_version(a->opt), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_int_eq(w->begin + w->produce + w->finish + w->finalize, 0);
	/* a higher version as well */
	o.edns = 255;
	o.do_bit = false;
	q = make_query("example.com", KR_CLASS_IN, KR_TYPE_A, &o);
	run(q);
	check_reply(answer(), q, KR_RCODE_BADVERS);
}
END_TEST

START_TEST(test_xfr)
{
	struct fake *w = add_plugin("watch", &watch_api, 0);
	const uint16_t types[] = { KR_TYPE_AXFR, KR_TYPE_IXFR };
	for (int i = 0; i < 2; ++i) {
		kr_pkt_t *q = make_query("example.com", KR_CLASS_IN, types[i], &plain);
		ck_assert_int_eq(run(q), KR_STATE_DONE);
		check_reply(answer(), q, KR_RCODE_NOTIMPL);
	}
	/* meta types that cannot be asked for */
	const uint16_t bad[] = { KR_TYPE_OPT, KR_TYPE_TSIG };
	for (int i = 0; i < 2; ++i) {
		kr_pkt_t *q = make_query("example.com", KR_CLASS_IN, bad[i], &plain);
		ck_assert_int_eq(run(q), KR_STATE_DONE);
		check_reply(answer(), q, KR_RCODE_FORMERR);
	}
	/* no question at all */
	struct qopts o = plain;
	o.no_question = true;
	kr_pkt_t *q = make_query(NULL, 0, 0, &o);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	check_reply(answer(), q, KR_RCODE_FORMERR);
	ck_assert_int_eq(w->begin + w->produce + w->finish + w->finalize, 0);
}
END_TEST

START_TEST(test_begin_layers)
{
	/* begin runs every layer once with the plan holding the client's query */
	struct fake *w1 = add_plugin("w1", &watch_api, 0);
	add_plugin("nolayer", &nolayer_api, 0);
	struct fake *w2 = add_plugin("w2", &watch_api, 0);
	F.ctx.options = KR_QF_NO_0X20;
	kr_pkt_t *q = make_query("Example.COM", KR_CLASS_IN, KR_TYPE_MX, &plain);
	set_source(q, 0, 512);
	F.req.options = KR_QF_TRACE;
	ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_PRODUCE);
	ck_assert_int_eq(w1->begin, 1);
	ck_assert_int_eq(w2->begin, 1);
	struct kr_query *qry = F.req.rplan.initial;
	ck_assert_ptr_nonnull(qry);
	ck_assert_ptr_eq(F.req.current_query, qry);
	ck_assert(kr_dname_eq(qry->sname, dn("example.com")));
	ck_assert_uint_eq(qry->stype, KR_TYPE_MX);
	ck_assert_uint_eq(qry->sclass, KR_CLASS_IN);
	/* context defaults join the request's own options */
	ck_assert(qry->flags & KR_QF_NO_0X20);
	ck_assert(qry->flags & KR_QF_TRACE);
	ck_assert_ptr_eq(F.req.ctx, &F.ctx);
	ck_assert_uint_gt(F.req.started_ms, 0);
	kr_resolve_finish(&F.req, kr_resolve_produce(&F.req, F.out));
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
}
END_TEST

/* --- kr_resolve_produce --- */

START_TEST(test_local_answer)
{
	struct fake *ans = add_plugin("answer", &answer_api, 1);
	struct fake *w = add_plugin("watch", &watch_api, 0);
	kr_pkt_t *q = make_query("www.example.com", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert(!kr_pkt_flag(a, KR_PKT_TC));
	/* the record written in produce, AA from the local answer */
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	const kr_rrset_t *rr = kr_pkt_rr(a, KR_SECTION_ANSWER, 0);
	ck_assert(kr_dname_eq(rr->owner, dn("www.example.com")));
	ck_assert_uint_eq(rr->ttl, 300);
	ck_assert_uint_eq(answer_addr(a, KR_SECTION_ANSWER, 0), 1);
	ck_assert(kr_pkt_flag(a, KR_PKT_AA));
	/* no upstream query was made */
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_uint_eq(F.req.queries_sent, 0);
	/* the later layer saw the answer: in produce with DONE, then in consume */
	ck_assert_int_eq(w->produce, 1);
	ck_assert_int_eq(w->produce_state, KR_STATE_DONE);
	ck_assert_int_eq(w->consume, 1);
	ck_assert_int_eq(w->consume_state, KR_STATE_DONE);
	ck_assert(w->consume_pkt);
	ck_assert_uint_eq(w->consume_ancount, 1);
	/* so did the answering layer itself */
	ck_assert_int_eq(ans->consume, 1);
	ck_assert_int_eq(ans->consume_state, KR_STATE_DONE);
	/* finish and finalize ran with DONE */
	ck_assert_int_eq(w->finish, 1);
	ck_assert_int_eq(w->finish_state, KR_STATE_DONE);
	ck_assert_int_eq(w->finalize, 1);
	ck_assert_int_eq(w->finalize_state, KR_STATE_DONE);
	ck_assert_int_eq(w->begin, 1);
	/* the plan: one query, resolved */
	ck_assert_uint_eq(F.req.rplan.pending_len, 0);
	ck_assert_uint_eq(F.req.rplan.resolved_len, 1);
	ck_assert(F.req.rplan.initial->flags & KR_QF_RESOLVED);
}
END_TEST

START_TEST(test_layer_order)
{
	/* the first layer that answers wins; the later one sees DONE and stays out */
	struct fake *one = add_plugin("one", &answer_api, 1);
	struct fake *two = add_plugin("two", &answer_api, 2);
	kr_pkt_t *q = make_query("order.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	run(q);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert_uint_eq(answer_addr(a, KR_SECTION_ANSWER, 0), 1);
	ck_assert_int_eq(one->produce_state, KR_STATE_PRODUCE);
	ck_assert_int_eq(two->produce_state, KR_STATE_DONE);

	/* swap the order: the other one answers */
	struct kr_plugin *tmp = F.ctx.plugins[0];
	F.ctx.plugins[0] = F.ctx.plugins[1];
	F.ctx.plugins[1] = tmp;
	++F.ctx.plugins_gen;   /* as the loader does on a change of order */
	run(q);
	a = answer();
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert_uint_eq(answer_addr(a, KR_SECTION_ANSWER, 0), 2);
	ck_assert_int_eq(two->produce_state, KR_STATE_PRODUCE);
	ck_assert_int_eq(one->produce_state, KR_STATE_DONE);
}
END_TEST

START_TEST(test_fail)
{
	struct fake *w0 = add_plugin("before", &watch_api, 0);
	struct fake *f = add_plugin("fail", &fail_api, 0);
	struct fake *ans = add_plugin("answer", &answer_api, 1);
	struct fake *w = add_plugin("after", &watch_api, 0);
	struct qopts o = edns0;
	o.do_bit = true;
	kr_pkt_t *q = make_query("fail.test", KR_CLASS_IN, KR_TYPE_A, &o);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	kr_pkt_t *a = answer();
	/* SERVFAIL with no records, still an EDNS reply (OPT and DO echoed) */
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_int_eq(f->produce, 1);
	/* the later layers saw FAIL and left it alone */
	ck_assert_int_eq(w0->produce_state, KR_STATE_PRODUCE);
	ck_assert_int_eq(ans->produce_state, KR_STATE_FAIL);
	ck_assert_int_eq(w->produce_state, KR_STATE_FAIL);
	ck_assert_int_eq(w->consume, 0);
	/* finish and finalize still ran, with FAIL */
	ck_assert_int_eq(f->finish, 1);
	ck_assert_int_eq(f->finish_state, KR_STATE_FAIL);
	ck_assert_int_eq(w->finish, 1);
	ck_assert_int_eq(w->finalize, 1);
	ck_assert_int_eq(w->finalize_state, KR_STATE_FAIL);
}
END_TEST

START_TEST(test_no_ns)
{
	/* CONSUME without a server address: the request fails, nothing is sent */
	struct fake *n = add_plugin("no_ns", &no_ns_api, 0);
	kr_pkt_t *q = make_query("nons.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	set_source(q, 0, 512);
	ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_PRODUCE);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_FAIL);
	ck_assert_uint_eq(F.req.queries_sent, 0);
	kr_resolve_finish(&F.req, KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
	ck_assert_int_eq(n->produce, 1);
}
END_TEST

START_TEST(test_subquery)
{
	/* a layer that needs another name first: the sub-query is answered, then
	 * the client's query; only the client's answer reaches the client */
	struct fake *need = add_plugin("needs_ns", &needs_ns_api, 0);
	struct fake *ans = add_plugin("answer", &answer_api, 5);
	kr_pkt_t *q = make_query("www.example", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert(kr_dname_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 0)->owner, dn("www.example")));
	ck_assert_int_eq(ans->produce, 2);
	ck_assert_int_eq(need->produce, 3);
	ck_assert_uint_eq(F.req.rplan.resolved_len, 2);
	ck_assert(kr_dname_eq(F.req.rplan.resolved[0]->sname, dn("ns.example")));
	ck_assert_ptr_eq(F.req.rplan.resolved[1], F.req.rplan.initial);
	/* local data: AA stays */
	ck_assert(kr_pkt_flag(a, KR_PKT_AA));
}
END_TEST

START_TEST(test_subquery_limit)
{
	/* a runaway layer that keeps pushing and yielding: the request fails cleanly */
	add_plugin("subq", &subq_api, 0);
	kr_pkt_t *q = make_query("loop.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
	ck_assert_int_eq(subq_pushed, KR_DEFAULT_MAX_SUBQUERIES - 1);
	ck_assert_uint_eq(F.req.rplan.pending_len, KR_DEFAULT_MAX_SUBQUERIES);
	/* it even ignored the refused pushes: the step limit ended it */
	ck_assert_int_le(subq_attempts, 4 * KR_DEFAULT_MAX_SUBQUERIES);
	ck_assert_int_gt(subq_attempts, subq_pushed);

	/* a lower configured limit, with a layer that gives up when refused */
	F.ctx.max_subqueries = 10;
	subq_attempts = subq_pushed = 0;
	subq_fail_on_limit = true;
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
	ck_assert_int_eq(subq_pushed, 9);
	ck_assert_int_eq(subq_attempts, 10);
}
END_TEST

START_TEST(test_time_limit)
{
	struct fake *up = add_plugin("upstream", &upstream_api, 0);
	F.ctx.max_time_ms = 50;
	kr_pkt_t *q = make_query("slow.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	set_source(q, 0, 512);
	ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_PRODUCE);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	/* the upstream does not answer in time */
	sleep_ms(120);
	ck_assert_int_eq(kr_resolve_consume(&F.req, NULL, NULL), KR_STATE_PRODUCE);
	ck_assert_int_eq(up->reset, 1);
	/* no new attempt: the time is up */
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_FAIL);
	ck_assert_int_eq(up->produce, 1);
	kr_resolve_finish(&F.req, KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);

	/* a limit of 0 ms: over before any layer produces */
	F.ctx.max_time_ms = 0;
	up->produce = 0;
	set_source(q, 0, 512);
	ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_PRODUCE);
	sleep_ms(5);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_FAIL);
	ck_assert_int_eq(up->produce, 0);
	kr_resolve_finish(&F.req, KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
}
END_TEST

START_TEST(test_cname_loop)
{
	/* RFC 1034 3.6.2: SERVFAIL showing the chain that loops ... */
	add_plugin("loop", &loop_api, 0);
	kr_pkt_t *q = make_query("c0.example", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 2);
	/* ... but not when the answer was to be validated: the looping link was never judged */
	F.ctx.options |= KR_QF_DNSSEC_WANT;
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
}
END_TEST

START_TEST(test_cname_chain)
{
	add_plugin("cname", &cname_api, 0);
	/* a short chain: answered at its end */
	cname_len = 3;
	kr_pkt_t *q = make_query("c0.example", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_int_eq(cname_pushes, 3);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert(kr_dname_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 0)->owner, dn("c3.example")));

	/* exactly the limit still works */
	cname_len = KR_DEFAULT_MAX_CNAME;
	cname_pushes = 0;
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	check_reply(answer(), q, KR_RCODE_NOERROR);
	ck_assert_int_eq(cname_pushes, KR_DEFAULT_MAX_CNAME);

	/* one more link: SERVFAIL */
	cname_len = KR_DEFAULT_MAX_CNAME + 1;
	cname_pushes = 0;
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_int_eq(cname_pushes, KR_DEFAULT_MAX_CNAME);

	/* the configured limit */
	F.ctx.max_cname = 2;
	cname_len = 3;
	cname_pushes = 0;
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	ck_assert_int_eq(cname_pushes, 2);
}
END_TEST

/** Is the i-th letter of name (counting letters only) upper case? -1 past the end. */
static int letter_upper(const uint8_t *name, unsigned idx)
{
	unsigned k = 0;
	for (uint8_t len = *name; len; len = *name) {
		for (uint8_t i = 1; i <= len; ++i) {
			uint8_t c = name[i] | 0x20;
			if (c >= 'a' && c <= 'z' && k++ == idx)
				return name[i] >= 'A' && name[i] <= 'Z';
		}
		name += len + 1;
	}
	return -1;
}

START_TEST(test_outgoing)
{
	/* the outgoing query: question, 0x20 case from the query's secret, EDNS */
	add_plugin("upstream", &upstream_api, 0);
	kr_pkt_t *q = make_query("www.example.org", KR_CLASS_IN, KR_TYPE_AAAA, &plain);
	set_source(q, 0, 512);
	kr_resolve_begin(&F.req, &F.ctx);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	struct kr_query *qry = F.req.current_query;
	ck_assert(kr_dname_eq(F.out->qname, dn("www.example.org")));
	ck_assert_uint_eq(F.out->qtype, KR_TYPE_AAAA);
	ck_assert_uint_eq(F.out->qclass, KR_CLASS_IN);
	for (unsigned i = 0; i < 13; ++i)
		ck_assert_int_eq(letter_upper(F.out->qname, i), (int)((qry->secret >> i) & 1));
	/* the client's query is not touched */
	ck_assert_mem_eq(q->qname, dn("www.example.org"), 17);
	ck_assert_ptr_nonnull(F.out->opt);
	ck_assert_uint_eq(kr_edns_bufsize(F.out->opt), F.ctx.bufsize);
	ck_assert(!kr_edns_do(F.out->opt));
	/* the packet as sent parses */
	uint8_t *wire = kr_mm_memdup(F.pool, F.out->wire, F.out->size);
	kr_pkt_t *sent = kr_pkt_new(wire, F.out->size, F.pool);
	sent->size = F.out->size;
	ck_assert_int_eq(kr_pkt_parse(sent), 0);
	ck_assert_uint_eq(kr_pkt_id(sent), qry->id);
	ck_assert_ptr_nonnull(sent->opt);
	kr_resolve_finish(&F.req, KR_STATE_FAIL);

	/* NO_0X20, NO_EDNS; and DO when validating */
	F.ctx.options = KR_QF_NO_0X20 | KR_QF_NO_EDNS;
	set_source(q, 0, 512);
	kr_resolve_begin(&F.req, &F.ctx);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	ck_assert_mem_eq(F.out->qname, dn("www.example.org"), 17);
	ck_assert_ptr_null(F.out->opt);
	kr_resolve_finish(&F.req, KR_STATE_FAIL);
	F.ctx.options = KR_QF_DNSSEC_WANT;
	set_source(q, 0, 512);
	kr_resolve_begin(&F.req, &F.ctx);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	ck_assert_ptr_nonnull(F.out->opt);
	ck_assert(kr_edns_do(F.out->opt));
	kr_resolve_finish(&F.req, KR_STATE_FAIL);
}
END_TEST

/* --- kr_resolve_consume --- */

START_TEST(test_consume_answer)
{
	struct fake *up = add_plugin("upstream", &upstream_api, 0);
	struct fake *w = add_plugin("watch", &watch_api, 0);
	kr_pkt_t *q = make_query("www.example.org", KR_CLASS_IN, KR_TYPE_A, &plain);
	set_source(q, 0, 512);
	ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_PRODUCE);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	/* the outgoing query: the sub-query's question, a random ID kept in the query */
	struct kr_query *qry = F.req.current_query;
	ck_assert_uint_eq(qry->ns_count, 1);
	ck_assert_uint_eq(ntohs(qry->ns_addr[0].ip4.sin_port), 53);
	ck_assert(kr_dname_eq(F.out->qname, dn("www.example.org")));
	ck_assert_uint_eq(F.out->qtype, KR_TYPE_A);
	ck_assert_uint_eq(kr_pkt_id(F.out), qry->id);
	ck_assert_uint_eq(F.req.queries_sent, 1);
	/* the later layer saw CONSUME in produce, and nothing was consumed yet */
	ck_assert_int_eq(w->produce_state, KR_STATE_CONSUME);
	ck_assert_int_eq(w->consume, 0);
	/* the answer arrives */
	kr_pkt_t *resp = respond_a(F.out);
	ck_assert_int_eq(kr_resolve_consume(&F.req, &qry->ns_addr[0].ip, resp), KR_STATE_DONE);
	ck_assert_int_eq(up->consume, 1);
	ck_assert_int_eq(w->consume, 1);
	ck_assert_int_eq(w->consume_state, KR_STATE_DONE);
	ck_assert_uint_eq(w->consume_ancount, 1);
	/* nothing more to do */
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_DONE);
	kr_resolve_finish(&F.req, KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert_uint_eq(answer_addr(a, KR_SECTION_ANSWER, 0), 99);
	/* a recursive answer is not authoritative, whatever the upstream said */
	ck_assert(!kr_pkt_flag(a, KR_PKT_AA));
	ck_assert_int_eq(up->finish_state, KR_STATE_DONE);
	/* a consume after the end changes nothing */
	ck_assert_int_eq(kr_resolve_consume(&F.req, NULL, resp), KR_STATE_DONE);
	ck_assert_int_eq(up->consume, 1);
}
END_TEST

START_TEST(test_consume_timeout)
{
	/* a timeout: reset, then a new attempt, then the answer */
	struct fake *up = add_plugin("upstream", &upstream_api, 0);
	kr_pkt_t *q = make_query("retry.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	set_source(q, 0, 512);
	ck_assert_int_eq(kr_resolve_begin(&F.req, &F.ctx), KR_STATE_PRODUCE);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	ck_assert_int_eq(kr_resolve_consume(&F.req, NULL, NULL), KR_STATE_PRODUCE);
	ck_assert_int_eq(up->consume, 1);
	ck_assert(!up->consume_pkt);
	ck_assert_int_eq(up->consume_state, KR_STATE_CONSUME);
	ck_assert_int_eq(up->reset, 1);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	ck_assert_int_eq(up->produce, 2);
	ck_assert_uint_eq(F.req.queries_sent, 2);
	ck_assert_int_eq(kr_resolve_consume(&F.req, NULL, respond_a(F.out)), KR_STATE_DONE);
	kr_resolve_finish(&F.req, KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert_int_eq(up->reset, 1);
}
END_TEST

START_TEST(test_consume_fail)
{
	/* a layer rejects the upstream answer: SERVFAIL, the upstream's records are not passed on */
	struct fake *up = add_plugin("upstream", &upstream_api, 0);
	F.upstream = respond_servfail;
	kr_pkt_t *q = make_query("broken.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert_int_eq(up->finish_state, KR_STATE_FAIL);

	/* the whole loop with a good upstream */
	F.upstream = respond_a;
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	check_reply(answer(), q, KR_RCODE_NOERROR);
}
END_TEST

START_TEST(test_consume_sections)
{
	/* what of the upstream's answer reaches the client */
	add_plugin("upstream", &upstream_api, 0);
	kr_pkt_t *q = make_query("www.example.org", KR_CLASS_IN, KR_TYPE_A, &plain);
	/* negative: the rcode and the authority section (SOA, proofs) */
	F.upstream = respond_nxdomain;
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NXDOMAIN);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 1);
	ck_assert_uint_eq(answer_addr(a, KR_SECTION_AUTHORITY, 0), 98);
	/* NODATA likewise */
	F.upstream = respond_nodata;
	run(q);
	a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 1);
	/* positive: the answer section only */
	F.upstream = respond_positive_auth;
	run(q);
	a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 2);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ADDITIONAL), 0);
}
END_TEST

/* --- kr_resolve_checkout --- */

START_TEST(test_checkout)
{
	struct fake *allow = add_plugin("allow", &allow_api, 0);
	add_plugin("upstream", &upstream_api, 0);
	kr_pkt_t *q = make_query("checkout.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	set_source(q, 0, 512);
	kr_resolve_begin(&F.req, &F.ctx);
	ck_assert_int_eq(kr_resolve_produce(&F.req, F.out), KR_STATE_CONSUME);
	const struct sockaddr *dst = &F.req.current_query->ns_addr[0].ip;
	/* nobody objects */
	ck_assert_int_eq(kr_resolve_checkout(&F.req, F.out, dst, false), 0);
	ck_assert_int_eq(allow->checkout, 1);
	/* a veto */
	struct fake *veto = add_plugin("veto", &veto_api, 0);
	ck_assert_int_eq(kr_resolve_checkout(&F.req, F.out, dst, true), -EPERM);
	ck_assert_int_eq(veto->checkout, 1);
	ck_assert(veto->checkout_tcp);
	ck_assert_uint_eq(veto->checkout_port, 53);
	ck_assert_int_eq(allow->checkout, 2);
	/* the request goes on: the worker tries another server or gives up */
	ck_assert_int_eq(F.req.state, KR_STATE_PRODUCE);
	kr_resolve_finish(&F.req, KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_SERVFAIL);
}
END_TEST

/* --- kr_resolve_finish --- */

START_TEST(test_finalize)
{
	add_plugin("answer", &answer_api, 1);
	struct fake *x = add_plugin("extra", &extra_api, 0);
	kr_pkt_t *q = make_query("final.test", KR_CLASS_IN, KR_TYPE_A, &edns0);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_int_eq(x->finalize, 1);
	ck_assert_int_eq(x->finalize_state, KR_STATE_DONE);
	/* its changes are in the reply, and the OPT comes after its record */
	ck_assert(kr_pkt_flag(a, KR_PKT_AD));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ADDITIONAL), 2);
	ck_assert_uint_eq(answer_addr(a, KR_SECTION_ADDITIONAL, 0), 77);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ADDITIONAL, 1)->type, KR_TYPE_OPT);
	/* finalize also runs after a failure */
	F.ctx.plugins[0]->api = &fail_api;
	++F.ctx.plugins_gen;
	x->finalize = 0;
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_int_eq(x->finalize, 1);
	ck_assert_int_eq(x->finalize_state, KR_STATE_FAIL);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ADDITIONAL), 2);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
}
END_TEST

START_TEST(test_finish_fail)
{
	/* a finish layer can still fail a DONE request: SERVFAIL, records dropped */
	struct fake *ans = add_plugin("answer", &answer_api, 1);
	struct fake *ff = add_plugin("fail_finish", &fail_finish_api, 0);
	struct fake *w = add_plugin("watch", &watch_api, 0);
	kr_pkt_t *q = make_query("bogus.test", KR_CLASS_IN, KR_TYPE_A, &edns0);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert(!kr_pkt_flag(a, KR_PKT_AA));
	ck_assert_int_eq(ans->finish_state, KR_STATE_DONE);
	ck_assert_int_eq(ff->finish_state, KR_STATE_DONE);
	ck_assert_int_eq(w->finish_state, KR_STATE_FAIL);
	ck_assert_int_eq(w->finalize_state, KR_STATE_FAIL);
	ck_assert_int_eq(F.req.state, KR_STATE_FAIL);
}
END_TEST

START_TEST(test_truncate_udp)
{
	struct fake *ans = add_plugin("answer", &answer_api, 1);
	ans->answer_count = 40;
	kr_pkt_t *q = make_query("many.example.com", KR_CLASS_IN, KR_TYPE_A, &plain);
	/* UDP, no EDNS, 512 bytes: cut to the question, TC set */
	ck_assert_int_eq(run_flags(q, 0, 512), KR_STATE_DONE);
	ck_assert_uint_le(F.req.answer->size, 512);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert(kr_pkt_flag(a, KR_PKT_TC));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 0);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ADDITIONAL), 0);

	/* the same over TCP: everything */
	ck_assert_int_eq(run_flags(q, KR_REQ_TCP, KR_PKT_MAXSIZE), KR_STATE_DONE);
	a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert(!kr_pkt_flag(a, KR_PKT_TC));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 40);
	for (uint16_t i = 0; i < 40; ++i)
		ck_assert_uint_eq(answer_addr(a, KR_SECTION_ANSWER, i), 1 + i);

	/* UDP with EDNS and room enough: everything, with the OPT */
	kr_pkt_t *qe = make_query("many.example.com", KR_CLASS_IN, KR_TYPE_A, &edns0);
	ck_assert_int_eq(run_flags(qe, 0, KR_DEFAULT_BUFSIZE), KR_STATE_DONE);
	a = answer();
	check_reply(a, qe, KR_RCODE_NOERROR);
	ck_assert(!kr_pkt_flag(a, KR_PKT_TC));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 40);

	/* UDP with EDNS but a small size: TC, and the OPT stays */
	struct qopts o = edns0;
	o.do_bit = true;
	qe = make_query("many.example.com", KR_CLASS_IN, KR_TYPE_A, &o);
	ck_assert_int_eq(run_flags(qe, 0, 512), KR_STATE_DONE);
	ck_assert_uint_le(F.req.answer->size, 512);
	a = answer();
	check_reply(a, qe, KR_RCODE_NOERROR);
	ck_assert(kr_pkt_flag(a, KR_PKT_TC));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_ptr_nonnull(a->opt);

	/* just fitting: no TC */
	ans->answer_count = 5;
	ck_assert_int_eq(run_flags(q, 0, 512), KR_STATE_DONE);
	a = answer();
	ck_assert(!kr_pkt_flag(a, KR_PKT_TC));
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 5);
}
END_TEST

START_TEST(test_edns)
{
	add_plugin("answer", &answer_api, 1);
	/* DO is echoed */
	struct qopts o = edns0;
	o.do_bit = true;
	kr_pkt_t *q = make_query("do.test", KR_CLASS_IN, KR_TYPE_A, &o);
	ck_assert_int_eq(run(q), KR_STATE_DONE);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert(kr_edns_do(a->opt));
	/* ... and not invented */
	o.do_bit = false;
	q = make_query("do.test", KR_CLASS_IN, KR_TYPE_A, &o);
	run(q);
	a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert(!kr_edns_do(a->opt));
	/* our payload size is the configured one, whatever the client's */
	F.ctx.bufsize = 1400;
	run(q);
	a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_uint_eq(a->opt->rclass, 1400);
	/* the OPT is the last record */
	uint16_t n = kr_pkt_count(a, KR_SECTION_ADDITIONAL);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ADDITIONAL, 0)->type, KR_TYPE_OPT);
	/* no EDNS in, no EDNS out */
	q = make_query("do.test", KR_CLASS_IN, KR_TYPE_A, &plain);
	run(q);
	a = answer();
	check_reply(a, q, KR_RCODE_NOERROR);
	ck_assert_ptr_null(a->opt);
}
END_TEST

START_TEST(test_servfail_edns)
{
	/* a failure keeps the OPT of an EDNS client's reply */
	kr_pkt_t *q = make_query("nobody.test", KR_CLASS_IN, KR_TYPE_A, &edns0);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	kr_pkt_t *a = answer();
	check_reply(a, q, KR_RCODE_SERVFAIL);
	ck_assert_ptr_nonnull(a->opt);
	/* a CH query nobody answers: REFUSED, also with the OPT */
	struct qopts o = edns0;
	o.do_bit = true;
	q = make_query("id.server", KR_CLASS_CH, KR_TYPE_TXT, &o);
	ck_assert_int_eq(run(q), KR_STATE_FAIL);
	check_reply(answer(), q, KR_RCODE_REFUSED);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 30 };
	Suite *s = suite_create("resolve");
	unit_tcase(s, "kr_resolve_begin", &fx, test_no_plugins, test_class_ch, test_class_other,
		   test_opcode, test_badvers, test_xfr, test_begin_layers);
	unit_tcase(s, "kr_resolve_produce", &fx, test_local_answer, test_layer_order, test_fail,
		   test_no_ns, test_subquery, test_subquery_limit, test_time_limit, test_cname_chain, test_cname_loop,
		   test_outgoing);
	unit_tcase(s, "kr_resolve_consume", &fx, test_consume_answer, test_consume_timeout,
		   test_consume_fail, test_consume_sections);
	unit_tcase(s, "kr_resolve_checkout", &fx, test_checkout);
	unit_tcase(s, "kr_resolve_finish", &fx, test_finalize, test_finish_fail, test_truncate_udp,
		   test_edns, test_servfail_edns);
	return unit_run(s);
}
