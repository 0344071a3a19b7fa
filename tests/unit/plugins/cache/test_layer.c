/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the cache layer (layer.c) and service (service.c), driven by
 * the real engine (core/engine) with a fake upstream plugin after the cache:
 * repeated queries answered with zero upstream queries and lowered TTLs,
 * negative answers, CNAME chains, DNAME substitution from the cache, ranks
 * of referral data, bailiwick, NO_CACHE, and bogus data never served.
 */
#include <arpa/inet.h>
#include "core/engine/engine.h"
#include "tests/unit/plugins/cache/testutil.h"

static const uint8_t *dn(const char *str)
{
	static uint8_t ring[16][KR_DNAME_MAXLEN];
	static int next;
	uint8_t *buf = ring[next++ % 16];
	ck_assert_int_gt(kr_dname_from_str(buf, KR_DNAME_MAXLEN, str), 0);
	return buf;
}

/* --- the fixture: the cache, a fake upstream layer and a fake validator --- */

static struct {
	char *dir;
	struct cache *cache;
	struct kr_context ctx;
	struct kr_arena *arena;
	kr_mm_t *pool;
	struct kr_request req;
	kr_pkt_t *out;
	int upstream_calls;
	const char *zone;             /* the zone cut the fake iterator claims */
	const char *const *reply;     /* canned records of the next reply: "SECTION owner ttl type rdata" */
	uint16_t reply_rcode;
	bool reply_aa;
	bool bogus;                   /* the fake validator marks answers bogus */
	bool secure;                  /* ... or stores the answer's first set as validated */
	bool bogus_first;             /* ... or finds the first reply bogus and asks again */
	const char *const *reply_again; /* the reply to the second question, when set */
	int secure_ret, peek_during;  /* what insert_rrset and a peek right after returned */
	bool client_do;               /* the client's query sets DO */
} F;

static enum kr_layer_state c_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return cache_produce(F.cache, ctx, pkt);
}

static enum kr_layer_state c_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return cache_consume(F.cache, ctx, pkt);
}

static enum kr_layer_state c_finish(struct kr_layer_ctx *ctx)
{
	return cache_finish(F.cache, ctx);
}

static const struct kr_layer_api cache_layer = { .size = sizeof(cache_layer), .produce = c_produce,
						 .consume = c_consume, .finish = c_finish };
static const struct kr_plugin_api cache_api = { .size = sizeof(cache_api), .abi = KR_PLUGIN_ABI,
						.name = "cache", .layer = &cache_layer };

/** The fake iterator: asks 198.18.0.1 for the sub-query; any reply is final. */
static enum kr_layer_state up_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	(void)pkt;
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	struct kr_query *qry = ctx->req->current_query;
	qry->ns_count = 1;
	qry->ns_addr[0].ip4.sin_family = AF_INET;
	qry->ns_addr[0].ip4.sin_port = htons(53);
	inet_pton(AF_INET, "198.18.0.1", &qry->ns_addr[0].ip4.sin_addr);
	qry->zone_cut = F.zone ? kr_dname_copy(dn(F.zone), ctx->req->pool) : NULL;
	qry->flags |= KR_QF_NO_0X20;
	return KR_STATE_CONSUME;
}

static enum kr_layer_state up_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	if (ctx->state != KR_STATE_CONSUME)
		return ctx->state;
	return pkt ? KR_STATE_DONE : KR_STATE_FAIL;
}

static const struct kr_layer_api up_layer = { .size = sizeof(up_layer), .produce = up_produce,
					      .consume = up_consume };
static const struct kr_plugin_api up_api = { .size = sizeof(up_api), .abi = KR_PLUGIN_ABI,
					     .name = "upstream", .layer = &up_layer };

/** The fake validator: marks the sub-query bogus when told to. */
static enum kr_layer_state val_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	if (F.bogus && ctx->state == KR_STATE_DONE)
		ctx->req->current_query->flags |= KR_QF_DNSSEC_BOGUS;
	if (F.bogus_first && ctx->state == KR_STATE_DONE && F.upstream_calls == 1) {
		ctx->req->current_query->flags |= KR_QF_DNSSEC_BOGUS;
		return KR_STATE_CONSUME;   /* as validate does: another server, please */
	}
	if (F.secure && ctx->state == KR_STATE_DONE) {
		const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, 0);
		F.secure_ret = api->insert_rrset(ctx->req, rr, NULL, KR_RANK_SECURE | KR_RANK_AUTH_ANSWER);
		kr_rrset_t out;
		F.peek_during = api->peek_rrset(ctx->req, rr->owner, rr->type, &out, NULL, NULL);
	}
	return ctx->state;
}

static const struct kr_layer_api val_layer = { .size = sizeof(val_layer), .consume = val_consume };
static const struct kr_plugin_api val_api = { .size = sizeof(val_api), .abi = KR_PLUGIN_ABI,
					      .name = "validate", .layer = &val_layer };

static void add_plugin(const char *name, const struct kr_plugin_api *api)
{
	struct kr_context *ctx = &F.ctx;
	if (ctx->plugin_count == ctx->plugin_cap) {
		ctx->plugin_cap = 8;
		ctx->plugins = realloc(ctx->plugins, ctx->plugin_cap * sizeof(*ctx->plugins));
	}
	struct kr_plugin *p = calloc(1, sizeof(*p));
	p->api = api;
	p->name = strdup(name);
	ctx->plugins[ctx->plugin_count++] = p;
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	F.dir = test_dir();
	F.cache = cache_new();
	char uri[256];
	snprintf(uri, sizeof(uri), "bdb://%s", F.dir);
	ck_assert_int_eq(cache_open(F.cache, 4 << 20, uri), 0);
	ck_assert_int_eq(cache_service_start(F.cache), 0);
	ck_assert_int_eq(kr_context_init(&F.ctx, "/nowhere"), 0);
	add_plugin("cache", &cache_api);
	add_plugin("upstream", &up_api);
	add_plugin("validate", &val_api);
	F.arena = kr_arena_new(0);
	F.pool = kr_arena_mm(F.arena);
	F.zone = "lab";
	F.reply_aa = true;
}

static void teardown(void)
{
	kr_context_deinit(&F.ctx);
	kr_arena_delete(F.arena);
	cache_free(F.cache);
	test_dir_drop(F.dir);
}

/** The canned reply to query q. */
static kr_pkt_t *upstream(const kr_pkt_t *q)
{
	kr_pkt_t *b = kr_pkt_new(NULL, KR_PKT_MAXSIZE, F.pool);
	kr_pkt_set_id(b, kr_pkt_id(q));
	kr_pkt_set_flag(b, KR_PKT_QR, true);
	kr_pkt_set_flag(b, KR_PKT_AA, F.reply_aa);
	kr_pkt_set_rcode(b, F.reply_rcode);
	ck_assert_int_eq(kr_pkt_put_question(b, q->qname, q->qclass, q->qtype), 0);
	const char *const *reply = F.reply_again && F.upstream_calls > 1 ? F.reply_again : F.reply;
	for (const char *const *r = reply; r && *r; ++r) {
		int sec = (*r)[1] == 'N' ? KR_SECTION_ANSWER : (*r)[1] == 'U' ? KR_SECTION_AUTHORITY
										: KR_SECTION_ADDITIONAL;
		kr_rrset_t *rr = kr_mm_alloc(F.pool, sizeof(*rr));
		ck_assert_int_eq(kr_rrset_from_str(rr, *r + 4, NULL, 300, F.pool), 0);
		ck_assert_int_eq(kr_pkt_begin(b, (enum kr_section)sec), 0);
		ck_assert_int_eq(kr_pkt_put(b, rr), 0);
	}
	uint8_t *wire = kr_mm_memdup(F.pool, b->wire, b->size);
	kr_pkt_t *p = kr_pkt_new(wire, b->size, F.pool);
	p->size = b->size;
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	return p;
}

/** Resolve (name, type) as a client with DO=do_bit; @return the answer as the client reads it. */
static kr_pkt_t *resolve(const char *name, uint16_t type, uint64_t options)
{
	kr_pkt_t *b = kr_pkt_new(NULL, 512, F.pool);
	kr_pkt_set_id(b, 0x1234);
	kr_pkt_set_flag(b, KR_PKT_RD, true);
	ck_assert_int_eq(kr_pkt_put_question(b, dn(name), KR_CLASS_IN, type), 0);
	if (F.client_do) {
		kr_rrset_t *opt = kr_mm_alloc(F.pool, sizeof(*opt));
		ck_assert_int_eq(kr_edns_init(opt, 4096, 0, F.pool), 0);
		kr_edns_set_do(opt, true);
		ck_assert_int_eq(kr_pkt_begin(b, KR_SECTION_ADDITIONAL), 0);
		ck_assert_int_eq(kr_pkt_put_opt(b, opt), 0);
	}
	uint8_t *wire = kr_mm_memdup(F.pool, b->wire, b->size);
	kr_pkt_t *q = kr_pkt_new(wire, b->size, F.pool);
	q->size = b->size;
	ck_assert_int_eq(kr_pkt_parse(q), 0);
	memset(&F.req, 0, sizeof(F.req));
	F.req.pool = F.pool;
	F.req.qsource.packet = q;
	F.req.qsource.size = 4096;
	F.req.options = options;
	F.out = kr_pkt_new(NULL, KR_PKT_MAXSIZE, F.pool);
	F.upstream_calls = 0;
	enum kr_layer_state st = kr_resolve_begin(&F.req, &F.ctx);
	for (int i = 0; st == KR_STATE_PRODUCE; ++i) {
		ck_assert_int_lt(i, 100);
		st = kr_resolve_produce(&F.req, F.out);
		if (st == KR_STATE_CONSUME) {
			++F.upstream_calls;
			st = kr_resolve_consume(&F.req, &F.req.current_query->ns_addr[0].ip, upstream(F.out));
		}
	}
	kr_resolve_finish(&F.req, st);
	kr_pkt_t *a = F.req.answer;
	uint8_t *aw = kr_mm_memdup(F.pool, a->wire, a->size);
	kr_pkt_t *p = kr_pkt_new(aw, a->size, F.pool);
	p->size = a->size;
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	return p;
}

/** The i-th record of a section as text "owner ttl IN TYPE rdata" (without the newline). */
static const char *rr_text(const kr_pkt_t *p, enum kr_section s, uint16_t i)
{
	static char buf[1024];
	const kr_rrset_t *rr = kr_pkt_rr(p, s, i);
	ck_assert_ptr_nonnull(rr);
	ck_assert_int_gt(kr_rrset_to_str(rr, buf, sizeof(buf)), 0);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* --- tests --- */

START_TEST(test_repeat_from_cache)
{
	static const char *const reply[] = {
		"ANS www.lab. 300 A 198.18.1.1",
		"AUT lab. 3600 NS ns.lab.",
		"ADD ns.lab. 3600 A 198.18.0.1",
		"ADD evil.example. 3600 A 192.0.2.66",   /* out of bailiwick */
		NULL };
	F.reply = reply;
	kr_pkt_t *a = resolve("www.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert_int_eq(F.req.state, KR_STATE_DONE);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	/* Again, a second later: from the cache, TTL lowered by the time elapsed. */
	sleep(2);
	F.reply = NULL;
	a = resolve("WWW.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert(!kr_pkt_flag(a, KR_PKT_AA));
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	const kr_rrset_t *rr = kr_pkt_rr(a, KR_SECTION_ANSWER, 0);
	ck_assert_uint_le(rr->ttl, 298);
	ck_assert_uint_ge(rr->ttl, 296);
	ck_assert_str_eq(rr_text(a, KR_SECTION_ANSWER, 0) + strlen("WWW.lab. 29x"), "\tIN\tA\t198.18.1.1");
	ck_assert(F.req.rplan.initial->flags & KR_QF_CACHED);
	/* The referral data went in at authority and glue rank; nothing out of bailiwick. */
	uint8_t rank;
	kr_rrset_t ns;
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	ck_assert_ptr_nonnull(api);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("lab"), KR_TYPE_NS, &ns, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_AUTH);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("ns.lab"), KR_TYPE_A, &ns, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_GLUE);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("evil.example"), KR_TYPE_A, &ns, NULL, &rank), -ENOENT);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("www.lab"), KR_TYPE_A, &ns, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_AUTH_ANSWER);
	/* Zone cuts: the closest enclosing cached NS. */
	uint8_t cut[KR_DNAME_MAXLEN];
	ck_assert_int_eq(api->zone_cut(&F.req, dn("a.b.www.LAB"), cut, &ns), 0);
	ck_assert(kr_dname_eq(cut, dn("lab")));
	ck_assert_uint_eq(ns.rrs.count, 1);
	ck_assert_int_eq(api->zone_cut(&F.req, dn("other.tld"), cut, &ns), -ENOENT);
	ck_assert_uint_ge(F.cache->stats.hit, 1);
}
END_TEST

START_TEST(test_ns_beside_nonauth_answer)
{
	/* The delegation to lab. as the parent gave it (a referral)... */
	static const char *const referral[] = {
		"AUT lab. 3600 NS ns.lab.",
		"ADD ns.lab. 3600 A 198.18.0.1",
		NULL };
	F.reply = referral;
	F.reply_aa = false;
	resolve("x.lab", KR_TYPE_A, 0);
	/* ...is not replaced by an NS set beside a non-authoritative answer (a spoof). */
	static const char *const spoof[] = {
		"ANS bad.lab. 300 A 192.0.2.66",
		"AUT lab. 3600 NS bad.lab.",
		NULL };
	F.reply = spoof;
	resolve("bad.lab", KR_TYPE_A, 0);
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	uint8_t cut[KR_DNAME_MAXLEN];
	kr_rrset_t ns;
	ck_assert_int_eq(api->zone_cut(&F.req, dn("www.lab"), cut, &ns), 0);
	ck_assert_uint_eq(ns.rrs.count, 1);
	ck_assert(kr_dname_eq(kr_rdataset_first(&ns.rrs)->data, dn("ns.lab")));
	F.reply_aa = true;
}
END_TEST

START_TEST(test_glue_ranks)
{
	/* A referral from lab. to sub.lab.: NS at NONAUTH, glue at GLUE. */
	static const char *const referral[] = {
		"AUT sub.lab. 3600 NS ns.sub.lab.",
		"ADD ns.sub.lab. 3600 A 198.18.0.2",
		NULL };
	F.reply = referral;
	F.reply_aa = false;
	resolve("www.sub.lab", KR_TYPE_A, 0);
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	kr_rrset_t rr;
	uint8_t rank;
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("sub.lab"), KR_TYPE_NS, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_NONAUTH);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("ns.sub.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_GLUE);
	/* The authoritative answer for the address replaces the glue ... */
	static const char *const auth[] = { "ANS ns.sub.lab. 3600 A 198.18.0.3", NULL };
	F.reply = auth;
	F.reply_aa = true;
	F.zone = "sub.lab";
	resolve("ns.sub.lab", KR_TYPE_AAAA, KR_QF_NO_CACHE);   /* not stored: NO_CACHE */
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("ns.sub.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_GLUE);
	F.reply = auth;
	resolve("ns.sub.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("ns.sub.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_AUTH_ANSWER);
	ck_assert_uint_eq(kr_rdataset_first(&rr.rrs)->data[3], 3);
	/* ... and later glue does not overwrite it. */
	F.reply = referral;
	F.reply_aa = false;
	F.zone = "lab";
	resolve("www.sub.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("ns.sub.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_AUTH_ANSWER);
	ck_assert_uint_eq(kr_rdataset_first(&rr.rrs)->data[3], 3);
	/* A service insert of validated data wins over everything. */
	kr_rrset_t sec;
	kr_rrset_init(&sec, (uint8_t *)dn("ns.sub.lab"), KR_TYPE_A, KR_CLASS_IN, 100);
	kr_rrset_add_rdata(&sec, (const uint8_t *)"\xc6\x12\x00\x09", 4, F.pool);
	ck_assert_int_eq(api->insert_rrset(&F.req, &sec, NULL, KR_RANK_AUTH_ANSWER | KR_RANK_SECURE), 0);
	ck_assert_int_eq(api->insert_rrset(&F.req, &sec, NULL, KR_RANK_AUTH_ANSWER), -EPERM);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("ns.sub.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_AUTH_ANSWER | KR_RANK_SECURE);
	ck_assert_uint_le(rr.ttl, 100);
}
END_TEST

START_TEST(test_validated_in_batch)
{
	/* A set the validator stores during a request joins the request's own
	 * writes: one transaction at finish, one entry, the validated rank. */
	static const char *const reply[] = { "ANS www.lab. 3600 A 198.18.0.5", NULL };
	F.reply = reply;
	F.secure = true;
	F.secure_ret = F.peek_during = 1;
	uint64_t inserts = F.cache->stats.insert, commits = F.cache->stats.commit;
	resolve("www.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.secure_ret, 0);
	ck_assert_int_eq(F.peek_during, -ENOENT);   /* not stored until the request finishes */
	ck_assert_uint_eq(F.cache->stats.insert - inserts, 1);
	ck_assert_uint_eq(F.cache->stats.commit - commits, 1);
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	kr_rrset_t rr;
	uint8_t rank;
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("www.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_SECURE | KR_RANK_AUTH_ANSWER);
	/* After the request finished, a write goes to the storage at once. */
	ck_assert_int_eq(api->insert_rrset(&F.req, &rr, NULL, KR_RANK_AUTH_ANSWER), -EPERM);
}
END_TEST

START_TEST(test_bogus_reply_never_lends_rank)
{
	/* A forged reply (an "expansion" with a replayed proof) found bogus, then a good
	 * reply validated: the validated rank goes to the good set, never to the
	 * richer copy the layer kept from the forged reply. */
	static const char *const forged[] = {
		"ANS x.lab. 3600 A 203.0.113.66",
		"ANS x.lab. 3600 RRSIG A 13 1 3600 20300101000000 20200101000000 1234 lab. AAAA",
		"AUT w.lab. 3600 NSEC z.lab. A RRSIG NSEC",
		"AUT w.lab. 3600 RRSIG NSEC 13 2 3600 20300101000000 20200101000000 1234 lab. AAAA",
		NULL };
	static const char *const good[] = { "ANS x.lab. 3600 A 192.0.2.1", NULL };
	F.reply = forged;
	F.reply_again = good;
	F.bogus_first = true;
	F.secure = true;
	resolve("x.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 2);
	ck_assert_int_eq(F.secure_ret, 0);
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	kr_rrset_t rr;
	uint8_t rank;
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("x.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_SECURE | KR_RANK_AUTH_ANSWER);
	ck_assert_uint_eq(rr.rrs.count, 1);
	ck_assert_uint_eq(kr_rdataset_first(&rr.rrs)->data[0], 192);
}
END_TEST

START_TEST(test_nxdomain)
{
	static const char *const reply[] = {
		"AUT lab. 3600 SOA ns.lab. admin.lab. 1 3600 600 86400 60",
		"AUT a.lab. 60 NSEC c.lab. A RRSIG NSEC",
		NULL };
	F.reply = reply;
	F.reply_rcode = KR_RCODE_NXDOMAIN;
	kr_pkt_t *a = resolve("b.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NXDOMAIN);
	F.reply = NULL;
	F.reply_rcode = 0;
	a = resolve("b.lab", KR_TYPE_AAAA, 0);   /* NXDOMAIN holds for every type */
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NXDOMAIN);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 1);   /* no DO: no NSEC (RFC 4035 3.2.1) */
	F.client_do = true;
	a = resolve("b.lab", KR_TYPE_AAAA, 0);
	F.client_do = false;
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 2);
	const kr_rrset_t *soa = kr_pkt_rr(a, KR_SECTION_AUTHORITY, 0);
	ck_assert_uint_eq(soa->type, KR_TYPE_SOA);
	ck_assert_uint_le(soa->ttl, 60);   /* the SOA minimum (RFC 2308) */
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_AUTHORITY, 1)->type, KR_TYPE_NSEC);
	/* Only the exact name: a name below is asked upstream. */
	a = resolve("x.b.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
}
END_TEST

START_TEST(test_nodata)
{
	static const char *const reply[] = {
		"AUT lab. 30 SOA ns.lab. admin.lab. 1 3600 600 86400 300",
		"AUT lab. 30 NS ns.lab.",
		NULL };
	F.reply = reply;
	resolve("www.lab", KR_TYPE_AAAA, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	F.reply = NULL;
	kr_pkt_t *a = resolve("www.lab", KR_TYPE_AAAA, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	/* the SOA, and the zone's NS set the server gave beside it */
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_AUTHORITY), 2);
	ck_assert_uint_le(kr_pkt_rr(a, KR_SECTION_AUTHORITY, 0)->ttl, 30);   /* min(SOA TTL, minimum) */
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_AUTHORITY, 1)->type, KR_TYPE_NS);
	/* Other types of the name are not covered. */
	resolve("www.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
}
END_TEST

START_TEST(test_negative_without_soa)
{
	/* An authoritative NODATA without SOA: not cached (RFC 2308)... */
	static const char *const empty[] = { NULL };
	F.reply = empty;
	resolve("nosoa.lab", KR_TYPE_A, 0);
	resolve("nosoa.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	/* ...unless cache.min_ttl is set: then kept that long, with no record. */
	F.cache->min_ttl = 5;
	resolve("nosoa2.lab", KR_TYPE_A, 0);
	kr_pkt_t *a = resolve("nosoa2.lab", KR_TYPE_A, 0);
	F.cache->min_ttl = 0;
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
}
END_TEST

START_TEST(test_cname_chain)
{
	static const char *const reply[] = {
		"ANS www.lab. 300 CNAME web.lab.",
		"ANS web.lab. 300 CNAME host.lab.",
		"ANS host.lab. 300 A 198.18.1.7",
		NULL };
	F.reply = reply;
	kr_pkt_t *a = resolve("www.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 3);
	F.reply = NULL;
	a = resolve("www.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 3);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 0)->type, KR_TYPE_CNAME);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 1)->type, KR_TYPE_CNAME);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 2)->type, KR_TYPE_A);
	/* The CNAME itself when asked for. */
	a = resolve("web.lab", KR_TYPE_CNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	/* A chain leaving the zone is cut there (out of bailiwick). */
	static const char *const out[] = {
		"ANS alias.lab. 300 CNAME target.example.",
		"ANS target.example. 300 A 192.0.2.1",
		NULL };
	F.reply = out;
	resolve("alias.lab", KR_TYPE_A, 0);
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	kr_rrset_t rr;
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("alias.lab"), KR_TYPE_CNAME, &rr, NULL, NULL), 0);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("target.example"), KR_TYPE_A, &rr, NULL, NULL), -ENOENT);
}
END_TEST

START_TEST(test_dname_synthesized_cname)
{
	/* validate stores the DNAME (the reply's first set) as verified in the same request. */
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	static const char *const reply[] = {
		"ANS x.lab. 300 DNAME y.lab.",
		"ANS a.x.lab. 300 CNAME a.y.lab.",
		"ANS a.y.lab. 300 A 198.18.1.9",
		NULL };
	F.reply = reply;
	F.reply_aa = true;
	F.zone = "lab";
	F.secure = true;
	resolve("a.x.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.secure_ret, 0);
	F.secure = false;
	kr_rrset_t rr;
	uint8_t rank = 0;
	/* The CNAME synthesized from the verified DNAME is as validated as the DNAME ... */
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("a.x.lab"), KR_TYPE_CNAME, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_AUTH_ANSWER | KR_RANK_SECURE);
	/* ... and served with its DNAME. */
	F.reply = NULL;
	kr_pkt_t *a = resolve("a.x.lab", KR_TYPE_CNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 2);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 0)->type, KR_TYPE_DNAME);
	/* A CNAME that is not the substitution is no DNAME's: not validated by it. */
	static const char *const forged[] = {
		"ANS z.lab. 300 DNAME y.lab.",
		"ANS b.z.lab. 300 CNAME elsewhere.lab.",
		"ANS elsewhere.lab. 300 A 198.18.1.9",
		NULL };
	F.reply = forged;
	F.secure = true;
	resolve("b.z.lab", KR_TYPE_A, 0);
	F.secure = false;
	rank = 0;
	if (api->peek_rrset(&F.req, dn("b.z.lab"), KR_TYPE_CNAME, &rr, NULL, &rank) == 0)
		ck_assert_uint_eq(rank & KR_RANK_SECURE, 0);
}
END_TEST

/** Store rr (text, "owner ttl TYPE rdata") through the cache service at rank. */
static void insert_text(const char *text, uint8_t rank)
{
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	kr_rrset_t rr;
	F.req.pool = F.pool;   /* also before any request */
	ck_assert_int_eq(kr_rrset_from_str(&rr, text, NULL, 300, F.pool), 0);
	ck_assert_int_eq(api->insert_rrset(&F.req, &rr, NULL, rank), 0);
}

START_TEST(test_dname_substitution)
{
	/* RFC 6672 3.4: the DNAME of one answer is kept on its own ... */
	static const char *const first[] = {
		"ANS old.lab. 300 DNAME new.lab.",
		"ANS a.old.lab. 300 CNAME a.new.lab.",
		"ANS a.new.lab. 300 A 198.18.2.1",
		NULL };
	F.reply = first;
	kr_pkt_t *a = resolve("a.old.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 3);
	/* ... and answers a name below it without asking: only the target is asked. */
	static const char *const target[] = { "ANS b.new.lab. 300 A 198.18.2.2", NULL };
	F.reply = target;
	a = resolve("B.old.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert(kr_dname_eq(F.out->qname, dn("b.new.lab")));
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 3);
	ck_assert_str_eq(rr_text(a, KR_SECTION_ANSWER, 0), "old.lab.\t300\tIN\tDNAME\tnew.lab.");
	ck_assert_str_eq(rr_text(a, KR_SECTION_ANSWER, 1), "B.old.lab.\t300\tIN\tCNAME\tb.new.lab.");
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 2)->type, KR_TYPE_A);
	/* Zero upstream queries for the CNAME itself, and for a name whose target is cached. */
	F.reply = NULL;
	a = resolve("x.y.old.lab", KR_TYPE_CNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 2);
	ck_assert_str_eq(rr_text(a, KR_SECTION_ANSWER, 1), "x.y.old.lab.\t300\tIN\tCNAME\tx.y.new.lab.");
	a = resolve("b.old.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 3);
	/* The owner itself is no substitution: asked (or answered from its own entries). */
	a = resolve("old.lab", KR_TYPE_DNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);

	/* RFC 6672 2.2: a substitution longer than 255 octets is YXDOMAIN, with the DNAME. */
	char text[400] = "s.lab. 300 DNAME ";
	for (int i = 0; i < 3; ++i)
		strcat(text, "ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt.");
	strcat(text, "tttttttttttttttttttttttttttttttttttttttttttttttttttt.lab.");
	insert_text(text, KR_RANK_AUTH_ANSWER);
	a = resolve("toolong.s.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_YXDOMAIN);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
	ck_assert_uint_eq(kr_pkt_rr(a, KR_SECTION_ANSWER, 0)->type, KR_TYPE_DNAME);
	/* a shorter name fits: the CNAME */
	a = resolve("a.s.lab", KR_TYPE_CNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_rcode(a), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 2);

	/* Not past the closest cached zone cut below the DNAME. */
	insert_text("cut.old.lab. 300 NS ns.elsewhere.", KR_RANK_AUTH);
	static const char *const below[] = { "ANS x.cut.old.lab. 300 A 198.18.2.3", NULL };
	F.reply = below;
	a = resolve("x.cut.old.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 1);
}
END_TEST

START_TEST(test_dname_substitution_ranks)
{
	static const char *const answer[] = { "ANS q.v.lab. 300 A 198.18.3.1", NULL };
	/* To be validated: a DNAME stored without a verdict is not used ... */
	insert_text("plain.lab. 300 DNAME v.lab.", KR_RANK_AUTH_ANSWER);
	F.reply = answer;
	kr_pkt_t *a = resolve("q.plain.lab", KR_TYPE_CNAME, KR_QF_DNSSEC_WANT);
	ck_assert_int_eq(F.upstream_calls, 1);
	/* ... a SECURE one gives a validated answer ... */
	insert_text("sec.lab. 300 DNAME v.lab.", KR_RANK_AUTH_ANSWER | KR_RANK_SECURE);
	a = resolve("q.sec.lab", KR_TYPE_CNAME, KR_QF_DNSSEC_WANT);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert_int_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 2);
	ck_assert(F.req.rplan.initial->flags & KR_QF_DNSSEC_VALIDATED);
	ck_assert(!(F.req.rplan.initial->flags & KR_QF_DNSSEC_INSECURE));
	/* ... an INSECURE one an insecure answer ... */
	insert_text("ins.lab. 300 DNAME v.lab.", KR_RANK_AUTH_ANSWER | KR_RANK_INSECURE);
	a = resolve("q.ins.lab", KR_TYPE_CNAME, KR_QF_DNSSEC_WANT);
	ck_assert_int_eq(F.upstream_calls, 0);
	ck_assert(F.req.rplan.initial->flags & KR_QF_DNSSEC_INSECURE);
	ck_assert(!(F.req.rplan.initial->flags & KR_QF_DNSSEC_VALIDATED));
	/* ... and a BOGUS one is never used. */
	insert_text("bog.lab. 300 DNAME v.lab.", KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS);
	a = resolve("q.bog.lab", KR_TYPE_CNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	a = resolve("q.bog.lab", KR_TYPE_CNAME, KR_QF_DNSSEC_WANT);
	ck_assert_int_eq(F.upstream_calls, 1);
	/* Without validation, the unflagged DNAME serves. */
	a = resolve("q.plain.lab", KR_TYPE_CNAME, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
}
END_TEST

START_TEST(test_bogus_and_nocache)
{
	static const char *const reply[] = { "ANS bad.lab. 300 A 198.18.1.66", NULL };
	F.reply = reply;
	F.bogus = true;
	resolve("bad.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
	F.bogus = false;
	resolve("bad.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);   /* stored as bogus: never served */
	resolve("bad.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 0);   /* the good answer replaced it */
	/* NO_CACHE: neither read nor written. */
	resolve("bad.lab", KR_TYPE_A, KR_QF_NO_CACHE);
	ck_assert_int_eq(F.upstream_calls, 1);
	static const char *const other[] = { "ANS nc.lab. 300 A 198.18.1.5", NULL };
	F.reply = other;
	resolve("nc.lab", KR_TYPE_A, KR_QF_NO_CACHE);
	resolve("nc.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 1);
}
END_TEST

START_TEST(test_no_zone_cut)
{
	/* Without a zone cut (a forwarder), only the asked name and its chain are taken. */
	static const char *const reply[] = {
		"ANS fwd.lab. 300 A 198.18.1.9",
		"ANS other.lab. 300 A 198.18.1.10",
		"AUT lab. 300 NS ns.lab.",
		NULL };
	F.reply = reply;
	F.zone = NULL;
	F.reply_aa = false;
	resolve("fwd.lab", KR_TYPE_A, 0);
	F.reply = NULL;
	resolve("fwd.lab", KR_TYPE_A, 0);
	ck_assert_int_eq(F.upstream_calls, 0);
	const struct kr_cache_api *api = kr_service_get(KR_SERVICE_CACHE);
	kr_rrset_t rr;
	uint8_t rank;
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("fwd.lab"), KR_TYPE_A, &rr, NULL, &rank), 0);
	ck_assert_uint_eq(rank, KR_RANK_ANSWER);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("other.lab"), KR_TYPE_A, &rr, NULL, NULL), -ENOENT);
	ck_assert_int_eq(api->peek_rrset(&F.req, dn("lab"), KR_TYPE_NS, &rr, NULL, NULL), -ENOENT);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 60 };
	Suite *s = suite_create("layer");
	unit_tcase(s, "cache_layer", &fx, test_repeat_from_cache, test_ns_beside_nonauth_answer,
		   test_glue_ranks, test_validated_in_batch, test_bogus_reply_never_lends_rank, test_nxdomain, test_nodata,
		   test_negative_without_soa, test_cname_chain, test_dname_synthesized_cname,
		   test_dname_substitution, test_dname_substitution_ranks, test_bogus_and_nocache,
		   test_no_zone_cut);
	return unit_run(s);
}
