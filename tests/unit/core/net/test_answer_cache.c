/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of core/net/answer_cache.c without a running daemon: queries and
 * answers written byte by byte, offered as a finished request would offer
 * them, then looked up as the worker looks up a datagram. Every buffer is
 * malloc()ed to its exact size, so a read past a message's end is an ASan
 * report. Each test runs in its own process (CK_FORK), so the cache's static
 * state starts empty.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <kres/answer_cache.h>
#include <kres/kres.h>
#include <kres/pkt.h>
#include "core/daemon/daemon.h"
#include "core/net/answer_cache.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_plugin.h"

/* --- messages --- */

struct msg {
	uint8_t b[9000];
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	ck_assert_uint_le(m->len + n, sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void put8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(m, b, 2);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void set16(struct msg *m, size_t off, uint16_t v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)get16(p) << 16) | get16(p + 2);
}

/** "www.lab." in wire form, letter case kept. */
static void put_name(struct msg *m, const char *text)
{
	while (*text) {
		const char *dot = strchr(text, '.');
		size_t n = dot ? (size_t)(dot - text) : strlen(text);
		put8(m, (uint8_t)n);
		put(m, text, n);
		text += n + (dot ? 1 : 0);
	}
	put8(m, 0);
}

#define RD 0x0100
#define QR 0x8000
#define RA 0x0080
#define AD 0x0020
#define CD 0x0010
#define WATCHERS_TESTED 16

/** Query options: EDNS payload (0: no OPT), DO. */
struct qo {
	uint16_t id, flags, qtype, payload;
	bool do_bit;
};

static struct msg query(const char *name, struct qo o)
{
	struct msg m = { .len = 0 };
	put16(&m, o.id);
	put16(&m, o.flags);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, o.payload ? 1 : 0);
	put_name(&m, name);
	put16(&m, o.qtype ? o.qtype : KR_TYPE_A);
	put16(&m, KR_CLASS_IN);
	if (o.payload) {
		put8(&m, 0);
		put16(&m, KR_TYPE_OPT);
		put16(&m, o.payload);
		put32(&m, o.do_bit ? 0x8000 : 0);
		put16(&m, 0);
	}
	return m;
}

/** The answer the slow path would make to q: n A records (TTL ttl, owner compressed to the question). */
static struct msg answer(const struct msg *q, uint16_t rcode, unsigned n, uint32_t ttl)
{
	struct msg m = { .len = 0 };
	size_t qend = KR_PKT_HDRSIZE;
	while (q->b[qend])
		qend += 1 + q->b[qend];
	qend += 1 + 4;
	bool edns = get16(q->b + 10) == 1;
	put(&m, q->b, KR_PKT_HDRSIZE);
	set16(&m, 2, (uint16_t)(QR | RA | (get16(q->b + 2) & (RD | CD | AD)) | rcode));
	set16(&m, 6, (uint16_t)n);
	set16(&m, 10, edns ? 1 : 0);
	put(&m, q->b + KR_PKT_HDRSIZE, qend - KR_PKT_HDRSIZE);
	for (unsigned i = 0; i < n; ++i) {
		put16(&m, 0xC00C);
		put16(&m, KR_TYPE_A);
		put16(&m, KR_CLASS_IN);
		put32(&m, ttl);
		put16(&m, 4);
		put32(&m, 0xC0000200 + i);
	}
	if (edns) {
		put8(&m, 0);
		put16(&m, KR_TYPE_OPT);
		put16(&m, 1232);
		put32(&m, get32(q->b + qend + 5) & 0x8000);
		put16(&m, 0);
	}
	return m;
}

/** An NXDOMAIN answer with the root SOA (TTL soa_ttl, MINIMUM minimum) in the authority section. */
static struct msg nxdomain(const struct msg *q, uint32_t soa_ttl, uint32_t minimum)
{
	struct msg m = answer(q, KR_RCODE_NXDOMAIN, 0, 0);
	bool edns = get16(m.b + 10) == 1;
	if (edns)
		m.len -= 11;
	set16(&m, 8, 1);
	put8(&m, 0);
	put16(&m, KR_TYPE_SOA);
	put16(&m, KR_CLASS_IN);
	put32(&m, soa_ttl);
	put16(&m, 1 + 1 + 20);
	put8(&m, 0);   /* MNAME: the root */
	put8(&m, 0);   /* RNAME: the root */
	put32(&m, 1);
	put32(&m, 1800);
	put32(&m, 900);
	put32(&m, 604800);
	put32(&m, minimum);
	if (edns) {
		put8(&m, 0);
		put16(&m, KR_TYPE_OPT);
		put16(&m, 1232);
		put32(&m, 0);
		put16(&m, 0);
	}
	return m;
}

/** A copy of n bytes in a buffer of exactly n bytes (reads past it are ASan reports). */
static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(b);
	memcpy(b, p, n);
	return b;
}

/* --- the cache as the worker uses it --- */

struct offer_opts {
	bool no_reuse, internal, trace, upstream;
	bool local, mixed;    /* from local data (CACHED and NO_CACHE); with a query from the cache */
	uint32_t gen_delta;   /* the request started that many flushes ago */
};

static void offer_with(const struct msg *q, const struct msg *a, struct offer_opts o)
{
	uint8_t *qw = exact(q->b, q->len), *aw = exact(a->b, a->len);
	kr_pkt_t qp = { .wire = qw, .size = q->len, .max_size = q->len };
	kr_pkt_t ap = { .wire = aw, .size = a->len, .max_size = a->len };
	const uint64_t local = KR_QF_CACHED | KR_QF_NO_CACHE;
	struct kr_query qry = { .flags = o.upstream ? 0 : o.local ? local : KR_QF_CACHED };
	struct kr_query cached = { .flags = KR_QF_CACHED };
	struct kr_query *resolved[2] = { &qry, &cached };
	struct kr_request req = {
		.ctx = &the_daemon.ctx, .answer = &ap,
		.qsource = { .packet = &qp, .flags = o.internal ? KR_REQ_INTERNAL : 0 },
		.options = o.trace ? KR_QF_TRACE : 0,
		.rplan = { .resolved = resolved, .resolved_len = o.mixed ? 2 : 1 },
		.no_answer_reuse = o.no_reuse,
	};
	kr__answer_cache_offer(&req, kr__answer_cache_gen() - o.gen_delta);
	free(qw);
	free(aw);
}

static void offer(const struct msg *q, const struct msg *a)
{
	offer_with(q, a, (struct offer_opts){ 0 });
}

/** Look q up as over UDP (flags 0) or TCP. @return the answer's size; its bytes copied to out. */
static size_t find(const struct msg *q, uint32_t flags, struct msg *out)
{
	uint8_t *qw = exact(q->b, q->len);
	struct sockaddr_storage ss = { .ss_family = AF_INET };
	const struct kr_ac_query aq = { .wire = qw, .len = q->len, .flags = flags,
					.addr = (const struct sockaddr *)&ss };
	const uint8_t *a = NULL;
	size_t len = kr__answer_cache_find(&aq, &a);
	free(qw);
	if (len && out) {
		ck_assert_uint_le(len, sizeof(out->b));
		memcpy(out->b, a, len);
		out->len = len;
	}
	return len;
}

static struct kr_ac_stats stats(void)
{
	struct kr_ac_stats st;
	kr__answer_cache_stats(&st);
	return st;
}

static void setup(void)
{
	memset(&the_daemon, 0, sizeof(the_daemon));
	ck_assert_int_eq(kr_context_init(&the_daemon.ctx, NULL), 0);
	the_daemon.ctx.bufsize = 1232;
	kr_log_set_verbose(false);
	/* As the worker does, which looks each query up before a request starts:
	 * the cache takes in the configuration (a first flush). */
	ck_assert(stats().active);
}

static void teardown(void)
{
	kr__answer_cache_deinit();
	kr_context_deinit(&the_daemon.ctx);
}

static const struct qo PLAIN = { .id = 0x1234, .flags = RD, .payload = 1232 };

/** Is got the answer a with the ID and question name of q (TTLs aged by at most a second)? */
static void assert_repeated(const struct msg *a, const struct msg *q, const struct msg *got)
{
	ck_assert_uint_eq(got->len, a->len);
	ck_assert_mem_eq(got->b, q->b, 2);
	size_t qlen = 0;
	while (q->b[KR_PKT_HDRSIZE + qlen])
		qlen += 1 + q->b[KR_PKT_HDRSIZE + qlen];
	++qlen;
	ck_assert_mem_eq(got->b + KR_PKT_HDRSIZE, q->b + KR_PKT_HDRSIZE, qlen);
	ck_assert_mem_eq(got->b + 2, a->b + 2, KR_PKT_HDRSIZE - 2);
	/* The rest equal but for TTLs (the A records' TTL fields are 6 bytes after their pointers). */
	for (size_t i = KR_PKT_HDRSIZE + qlen; i < a->len; ++i) {
		if (got->b[i] == a->b[i])
			continue;
		size_t rr = i;   /* a differing byte is inside a TTL field: find its start */
		while (rr > KR_PKT_HDRSIZE + qlen && !(a->b[rr - 6] == 0xC0 && a->b[rr - 5] == 0x0C))
			--rr;
		ck_assert_msg(rr > KR_PKT_HDRSIZE + qlen && i - rr < 4, "byte %zu differs", i);
		uint32_t was = get32(a->b + rr), now = get32(got->b + rr);
		ck_assert_msg(was - now <= 1, "TTL %u, was %u", now, was);
		i = rr + 3;
	}
}

/* --- kr__answer_cache_offer and kr__answer_cache_find --- */

START_TEST(test_repeat)
{
	struct msg q = query("www.lab.", PLAIN);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 2, 300);
	ck_assert(stats().active);
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	ck_assert_uint_eq(stats().misses, 1);
	offer(&q, &a);
	struct kr_ac_stats st = stats();
	ck_assert_uint_eq(st.stored, 1);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_gt(st.used, a.len);
	/* Another ID, another letter case: theirs in the answer, the rest as kept. */
	struct qo o = PLAIN;
	o.id = 0xBEEF;
	struct msg q2 = query("wWw.LAB.", o), got;
	ck_assert_uint_eq(find(&q2, 0, &got), a.len);
	assert_repeated(&a, &q2, &got);
	ck_assert_uint_eq(find(&q, KR_REQ_TCP, &got), a.len);
	assert_repeated(&a, &q, &got);
	st = stats();
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(st.misses, 1);
	/* A twin request's answer does not replace the live entry. */
	offer(&q, &a);
	ck_assert_uint_eq(stats().stored, 1);
	/* Other names and types miss. */
	ck_assert_uint_eq(find(&(struct msg){ 0 }, 0, NULL), 0);
	struct msg other = query("ww.lab.", PLAIN);
	ck_assert_uint_eq(find(&other, 0, NULL), 0);
	o = PLAIN;
	o.qtype = KR_TYPE_AAAA;
	other = query("www.lab.", o);
	ck_assert_uint_eq(find(&other, 0, NULL), 0);
	other = query("www.lab.x.", PLAIN);
	ck_assert_uint_eq(find(&other, 0, NULL), 0);
}
END_TEST

START_TEST(test_keys)
{
	/* Each of these is its own entry: none gets another's answer. */
	const struct qo variants[] = {
		{ .id = 1, .flags = RD, .payload = 1232 },
		{ .id = 2, .flags = 0, .payload = 1232 },
		{ .id = 3, .flags = RD },
		{ .id = 4, .flags = RD, .payload = 1232, .do_bit = true },
		{ .id = 5, .flags = RD | CD, .payload = 1232 },
		{ .id = 6, .flags = RD | AD, .payload = 1232 },
		{ .id = 7, .flags = RD | AD | CD, .payload = 1232, .do_bit = true },
		{ .id = 8, .flags = 0 },
	};
	const size_t n = sizeof(variants) / sizeof(variants[0]);
	for (size_t i = 0; i < n; ++i) {
		struct msg q = query("key.lab.", variants[i]);
		ck_assert_uint_eq(find(&q, KR_REQ_TCP, NULL), 0);
		struct msg a = answer(&q, KR_RCODE_NOERROR, (unsigned)i + 1, 300);
		offer(&q, &a);
		ck_assert_uint_eq(stats().entries, i + 1);
	}
	for (size_t i = 0; i < n; ++i) {
		struct qo o = variants[i];
		o.id = (uint16_t)(0x100 + i);
		struct msg q = query("KEY.lab.", o), got;
		ck_assert_uint_ne(find(&q, KR_REQ_TCP, &got), 0);
		ck_assert_uint_eq(get16(got.b + 6), i + 1);   /* its own answer: i + 1 records */
		ck_assert_uint_eq(get16(got.b), 0x100 + i);
	}
	ck_assert_uint_eq(stats().hits, n);
}
END_TEST

START_TEST(test_udp_size)
{
	/* 40 records: more than 512 bytes. */
	struct qo o = PLAIN;
	struct msg q = query("big.lab.", o);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 40, 300);
	ck_assert_uint_gt(a.len, 600);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	ck_assert_uint_eq(find(&q, KR_REQ_TCP, NULL), a.len);
	/* The same key with a smaller payload: only over TCP. Payloads below 512 mean 512. */
	const uint16_t small[] = { 512, (uint16_t)(a.len - 1), 100, 1, 0 };
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); ++i) {
		o.payload = small[i];
		struct msg qs = query("big.lab.", o);
		if (!small[i]) {   /* an OPT with payload 0 */
			qs = query("big.lab.", PLAIN);
			set16(&qs, qs.len - 8, 0);
		}
		ck_assert_uint_eq(find(&qs, 0, NULL), 0);
		ck_assert_uint_eq(find(&qs, KR_REQ_TCP, NULL), a.len);
	}
	o.payload = (uint16_t)a.len;
	struct msg qs = query("big.lab.", o);
	ck_assert_uint_eq(find(&qs, 0, NULL), a.len);
	/* A payload above ours counts as ours. */
	o.payload = 4096;
	qs = query("big.lab.", o);
	the_daemon.ctx.bufsize = (uint16_t)(a.len - 1);
	ck_assert_uint_eq(find(&qs, KR_REQ_TCP, NULL), 0);   /* a change of bufsize flushed */
	offer(&q, &a);
	ck_assert_uint_eq(find(&qs, 0, NULL), 0);
	ck_assert_uint_eq(find(&qs, KR_REQ_TCP, NULL), a.len);
	the_daemon.ctx.bufsize = 1232;
	ck_assert_uint_eq(find(&qs, KR_REQ_TCP, NULL), 0);   /* flushed again */
	offer(&q, &a);
	ck_assert_uint_eq(find(&qs, 0, NULL), a.len);
	/* Without EDNS: 512 bytes over UDP. */
	struct msg qp = query("big.lab.", (struct qo){ .id = 9, .flags = RD });
	struct msg ap = answer(&qp, KR_RCODE_NOERROR, 40, 300);
	offer(&qp, &ap);
	ck_assert_uint_eq(find(&qp, 0, NULL), 0);
	ck_assert_uint_eq(find(&qp, KR_REQ_TCP, NULL), ap.len);
	struct msg qf = query("fits.lab.", (struct qo){ .id = 9, .flags = RD });
	struct msg af = answer(&qf, KR_RCODE_NOERROR, 30, 300);
	ck_assert_uint_le(af.len, 512);
	offer(&qf, &af);
	ck_assert_uint_eq(find(&qf, 0, NULL), af.len);
}
END_TEST

/** q with one change made by fn; never found, whatever the kept answers. */
static void assert_not_found(const struct msg *q, const char *what)
{
	uint64_t hits = stats().hits;
	ck_assert_msg(find(q, 0, NULL) == 0 && find(q, KR_REQ_TCP, NULL) == 0, "%s: found", what);
	ck_assert_uint_eq(stats().hits, hits);
}

START_TEST(test_unusual_queries)
{
	struct msg q = query("u.lab.", PLAIN);
	struct msg plain = query("u.lab.", (struct qo){ .id = 1, .flags = RD });
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	offer(&q, &a);
	struct msg ap = answer(&plain, KR_RCODE_NOERROR, 1, 300);
	offer(&plain, &ap);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	ck_assert_uint_eq(find(&plain, 0, NULL), ap.len);
	const size_t qend = KR_PKT_HDRSIZE + 7 + 4;   /* \1u\3lab\0, type, class */
	/* Every shorter piece of the queries (also cut inside the name and the OPT). */
	for (size_t n = 0; n < q.len; ++n) {
		struct msg cut = q;
		cut.len = n;
		assert_not_found(&cut, "cut");
	}
	for (size_t n = 0; n < plain.len; ++n) {
		struct msg cut = plain;
		cut.len = n;
		assert_not_found(&cut, "cut plain");
	}
	/* Header bits a plain query does not have, and other counts. */
	const struct { size_t off; uint8_t or; const char *what; } bits[] = {
		{ 2, 0x80, "QR" }, { 2, 0x08, "opcode 1" }, { 2, 0x10, "opcode 2" }, { 2, 0x20, "opcode 4" },
		{ 2, 0x04, "AA" }, { 2, 0x02, "TC" }, { 3, 0x80, "RA" }, { 3, 0x40, "Z" },
		{ 3, 0x01, "rcode" }, { 5, 0x02, "qdcount 3" }, { 4, 0x01, "qdcount 257" },
		{ 7, 0x01, "ancount 1" }, { 9, 0x01, "nscount 1" }, { 11, 0x02, "arcount 3" },
		/* the OPT */
		{ qend + 5, 0x01, "extended rcode" }, { qend + 6, 0x01, "EDNS version 1" },
		{ qend + 7, 0x40, "EDNS flag" }, { qend + 8, 0x01, "EDNS flag" },
		{ qend + 1, 0x01, "OPT type" }, { qend + 10, 0x04, "option without bytes" },
		{ qend, 0x01, "OPT owner" },
	};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); ++i) {
		struct msg m = q;
		m.b[bits[i].off] |= bits[i].or;
		assert_not_found(&m, bits[i].what);
	}
	/* Trailing bytes; an OPT with an option; a second record. */
	struct msg m = q;
	put8(&m, 0);
	assert_not_found(&m, "trailing byte");
	m = plain;
	put16(&m, 0);
	assert_not_found(&m, "trailing bytes");
	m = q;
	set16(&m, qend + 9, 4);
	put16(&m, 3);   /* NSID, empty */
	put16(&m, 0);
	assert_not_found(&m, "NSID");
	/* Options kresd ignores: a client cookie (RFC 7873), with a server cookie,
	 * padding; the answer is the one of the plain EDNS query. */
	static const struct { uint16_t code, len; bool found; const char *what; } opts[] = {
		{ KR_EDNS_OPT_COOKIE, 8, true, "client cookie" },
		{ KR_EDNS_OPT_COOKIE, 24, true, "client and server cookie" },
		{ KR_EDNS_OPT_COOKIE, 40, true, "longest cookie" },
		{ KR_EDNS_OPT_COOKIE, 9, false, "cookie of 9 bytes" },
		{ KR_EDNS_OPT_COOKIE, 41, false, "cookie of 41 bytes" },
		{ KR_EDNS_OPT_PADDING, 0, true, "empty padding" },
		{ KR_EDNS_OPT_PADDING, 100, true, "padding" },
		{ KR_EDNS_OPT_KEEPALIVE, 0, false, "keepalive" },
		{ KR_EDNS_OPT_ECS, 4, false, "client subnet" },
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); ++i) {
		m = q;
		set16(&m, qend + 9, (uint16_t)(4 + opts[i].len));
		put16(&m, opts[i].code);
		put16(&m, opts[i].len);
		for (uint16_t j = 0; j < opts[i].len; ++j)
			put8(&m, (uint8_t)j);
		if (opts[i].found)
			ck_assert_msg(find(&m, 0, NULL) == a.len, "%s: not found", opts[i].what);
		else
			assert_not_found(&m, opts[i].what);
	}
	/* A cookie and an NSID: the NSID is for the nsid plugin. */
	m = q;
	set16(&m, qend + 9, 4 + 8 + 4);
	put16(&m, KR_EDNS_OPT_COOKIE);
	put16(&m, 8);
	put(&m, (const uint8_t *)"01234567", 8);
	put16(&m, KR_EDNS_OPT_NSID);
	put16(&m, 0);
	assert_not_found(&m, "cookie and NSID");
	/* An option running past the OPT's RDATA, or cut in its header. */
	m = q;
	set16(&m, qend + 9, 4 + 4);
	put16(&m, KR_EDNS_OPT_COOKIE);
	put16(&m, 8);
	put(&m, (const uint8_t *)"0123", 4);
	assert_not_found(&m, "cookie past the RDATA");
	m = q;
	set16(&m, qend + 9, 2);
	put16(&m, KR_EDNS_OPT_PADDING);
	assert_not_found(&m, "option header cut");
	m = plain;
	set16(&m, 10, 1);
	put(&m, q.b + qend, 11);
	ck_assert_uint_eq(find(&m, 0, NULL), a.len);   /* the OPT appended: the EDNS query */
	m = q;
	set16(&m, 10, 2);
	put(&m, q.b + qend, 11);
	assert_not_found(&m, "two OPT");
	/* Names: compressed, an extended label type, a label past the end, too long. */
	m = (struct msg){ .len = 0 };
	put(&m, q.b, KR_PKT_HDRSIZE);
	put16(&m, 0xC00C);
	put(&m, q.b + qend - 4, 4 + 11);
	assert_not_found(&m, "pointer");
	m = q;
	m.b[KR_PKT_HDRSIZE] = 0x41;
	assert_not_found(&m, "label type 01");
	m = q;
	m.b[KR_PKT_HDRSIZE] = 0x3F;
	assert_not_found(&m, "label past the end");
	m = (struct msg){ .len = 0 };
	put(&m, q.b, KR_PKT_HDRSIZE);
	for (int i = 0; i < 4; ++i) {
		put8(&m, 63);
		for (int j = 0; j < 63; ++j)
			put8(&m, 'a');
	}
	put8(&m, 0);
	put16(&m, KR_TYPE_A);
	put16(&m, KR_CLASS_IN);
	assert_not_found(&m, "name of 257 bytes");
	/* Types and classes kresd answers otherwise. */
	const uint16_t types[] = { 0, KR_TYPE_OPT, 128, 251, 252, 255 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); ++i) {
		m = q;
		set16(&m, qend - 4, types[i]);
		assert_not_found(&m, "type");
	}
	const uint16_t classes[] = { 0, 3, 4, 254, 255 };
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); ++i) {
		m = q;
		set16(&m, qend - 2, classes[i]);
		assert_not_found(&m, "class");
	}
	/* The kept entries are intact. */
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	ck_assert_uint_eq(find(&plain, 0, NULL), ap.len);
}
END_TEST

START_TEST(test_longest_name)
{
	/* A name of 255 bytes: the longest key. */
	char name[300] = "";
	for (int i = 0; i < 3; ++i)
		strcat(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(name, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.");
	struct msg q = query(name, PLAIN);
	ck_assert_uint_eq(q.len, KR_PKT_HDRSIZE + 255 + 4 + 11);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300), got;
	offer(&q, &a);
	name[0] = 'A';
	struct msg q2 = query(name, PLAIN);
	ck_assert_uint_eq(find(&q2, 0, &got), a.len);
	assert_repeated(&a, &q2, &got);
	/* The root. */
	q = query("", PLAIN);
	a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, &got), a.len);
}
END_TEST

/** Offer q's answer a; it must not be kept. */
static void assert_not_kept(const struct msg *q, const struct msg *a, struct offer_opts o, const char *what)
{
	uint64_t stored = stats().stored;
	offer_with(q, a, o);
	ck_assert_msg(stats().stored == stored, "%s: kept", what);
	ck_assert_msg(find(q, KR_REQ_TCP, NULL) == 0, "%s: found", what);
}

START_TEST(test_answers_not_kept)
{
	struct msg q = query("n.lab.", PLAIN);
	const struct offer_opts none = { 0 };
	const uint16_t rcodes[] = { KR_RCODE_SERVFAIL, KR_RCODE_REFUSED, KR_RCODE_FORMERR, KR_RCODE_NOTIMPL, 5 };
	for (size_t i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); ++i) {
		struct msg a = answer(&q, rcodes[i], 1, 300);
		assert_not_kept(&q, &a, none, "rcode");
	}
	struct msg good = answer(&q, KR_RCODE_NOERROR, 2, 300);
	struct msg a = good;
	a.b[2] |= 0x02;
	assert_not_kept(&q, &a, none, "TC");
	a = answer(&q, KR_RCODE_NOERROR, 2, 0);
	assert_not_kept(&q, &a, none, "TTL 0");
	a = answer(&q, KR_RCODE_NOERROR, 2, 0x80000000u);
	assert_not_kept(&q, &a, none, "TTL above 2^31 - 1");
	a = answer(&q, KR_RCODE_NOERROR, 0, 300);
	assert_not_kept(&q, &a, none, "no records but the OPT");
	a = answer(&q, KR_RCODE_NOERROR, 129, 300);
	assert_not_kept(&q, &a, none, "more records than it takes");
	/* The OPT with an option (EDE, padding) or an extended rcode. */
	a = good;
	set16(&a, a.len - 2, 4);
	put16(&a, 15);
	put16(&a, 0);
	assert_not_kept(&q, &a, none, "EDE");
	a = good;
	a.b[a.len - 6] = 1;
	assert_not_kept(&q, &a, none, "extended rcode");
	/* Malformed: cut anywhere, bytes after the last record, counts that lie. */
	for (size_t n = 0; n < good.len; ++n) {
		a = good;
		a.len = n;
		assert_not_kept(&q, &a, none, "cut");
	}
	a = good;
	put8(&a, 0);
	assert_not_kept(&q, &a, none, "trailing byte");
	a = good;
	set16(&a, 6, 3);
	assert_not_kept(&q, &a, none, "ancount 3 of 2");
	a = good;
	set16(&a, 6, 1);
	assert_not_kept(&q, &a, none, "ancount 1 of 2");
	a = good;
	set16(&a, 4, 2);
	assert_not_kept(&q, &a, none, "qdcount 2");
	a = good;
	a.b[KR_PKT_HDRSIZE + 11] = 0x80;   /* the first record's owner: a bad label type */
	assert_not_kept(&q, &a, none, "owner label type");
	a = good;
	set16(&a, KR_PKT_HDRSIZE + 11 + 10, 400);   /* the first record's RDLENGTH past the end */
	assert_not_kept(&q, &a, none, "RDLENGTH");
	/* Another question than the query's. */
	struct msg other = query("m.lab.", PLAIN);
	a = answer(&other, KR_RCODE_NOERROR, 1, 300);
	assert_not_kept(&q, &a, none, "another name");
	struct qo o = PLAIN;
	o.qtype = KR_TYPE_AAAA;
	other = query("n.lab.", o);
	a = answer(&other, KR_RCODE_NOERROR, 1, 300);
	assert_not_kept(&q, &a, none, "another type");
	/* Larger than 8 KiB (TCP). */
	a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	a.len -= 11;
	set16(&a, 6, 2);
	put16(&a, 0xC00C);
	put16(&a, KR_TYPE_TXT);
	put16(&a, KR_CLASS_IN);
	put32(&a, 300);
	put16(&a, 8200);
	for (int i = 0; i < 8200; ++i)
		put8(&a, i % 40 ? 'x' : 39);
	put(&a, good.b + good.len - 11, 11);
	ck_assert_uint_gt(a.len, 8192);
	assert_not_kept(&q, &a, none, "8 KiB");
	/* Marked by a layer, a trace, an internal request, data from upstream, a change meanwhile. */
	assert_not_kept(&q, &good, (struct offer_opts){ .no_reuse = true }, "no_answer_reuse");
	assert_not_kept(&q, &good, (struct offer_opts){ .trace = true }, "TRACE");
	assert_not_kept(&q, &good, (struct offer_opts){ .internal = true }, "internal");
	assert_not_kept(&q, &good, (struct offer_opts){ .upstream = true }, "from upstream");
	assert_not_kept(&q, &good, (struct offer_opts){ .gen_delta = 1 }, "older generation");
	/* And the good one is. */
	offer(&q, &good);
	ck_assert_uint_eq(find(&q, 0, NULL), good.len);
}
END_TEST

START_TEST(test_negative)
{
	struct msg q = query("nx.lab.", PLAIN), got;
	struct msg a = nxdomain(&q, 300, 60);
	offer(&q, &a);
	ck_assert_uint_eq(stats().stored, 1);
	ck_assert_uint_eq(find(&q, 0, &got), a.len);
	ck_assert_uint_eq(get16(got.b + 2) & 0x0F, KR_RCODE_NXDOMAIN);
	q = query("nx2.lab.", (struct qo){ .id = 7, .flags = RD });
	a = nxdomain(&q, 10, 60);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, &got), a.len);
}
END_TEST

START_TEST(test_flush)
{
	struct msg q = query("f.lab.", PLAIN);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	offer(&q, &a);
	uint64_t flushes = stats().flushes;
	kr_answer_cache_flush();
	ck_assert_uint_eq(stats().flushes, flushes + 1);
	ck_assert_uint_eq(stats().entries, 1);   /* dead, freed when met */
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	ck_assert_uint_eq(stats().entries, 0);
	ck_assert_uint_eq(stats().used, 0);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	/* Options that make answers differ: off while set, and what was kept is forgotten. */
	const uint64_t opts[] = { KR_QF_NO_CACHE, KR_QF_REORDER_RR, KR_QF_TRACE };
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); ++i) {
		the_daemon.ctx.options |= opts[i];
		ck_assert(!stats().active);
		ck_assert_uint_eq(find(&q, 0, NULL), 0);
		offer(&q, &a);
		the_daemon.ctx.options &= ~opts[i];
		ck_assert(stats().active);
		ck_assert_uint_eq(find(&q, 0, NULL), 0);
		offer(&q, &a);
		ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	}
	/* Verbose logging: off while on, nothing forgotten. */
	kr_log_set_verbose(true);
	ck_assert(!stats().active);
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	kr_log_set_verbose(false);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	/* The plugins changed. */
	++the_daemon.ctx.plugins_gen;
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
}
END_TEST

START_TEST(test_watch)
{
	static volatile uint64_t counter = 5, other = 0;
	static int owners[WATCHERS_TESTED];
	struct msg q = query("w.lab.", PLAIN);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	ck_assert_int_eq(kr_answer_cache_watch(&owners[0], &counter), 0);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	++counter;   /* another process bumped it */
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	/* Watching another word instead: the old one is not read any more. */
	ck_assert_int_eq(kr_answer_cache_watch(&owners[0], &other), 0);
	offer(&q, &a);
	++counter;
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	++other;
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	/* Unwatched: never read again. */
	ck_assert_int_eq(kr_answer_cache_watch(&owners[0], NULL), 0);
	offer(&q, &a);
	++other;
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	ck_assert_int_eq(kr_answer_cache_watch(&owners[1], NULL), 0);   /* never watched: nothing */
	/* A limited number of owners. */
	int ret = 0, i;
	for (i = 0; i < WATCHERS_TESTED && ret == 0; ++i)
		ret = kr_answer_cache_watch(&owners[i], &counter);
	ck_assert_int_eq(ret, -ENOSPC);
	ck_assert_int_gt(i, 4);
	for (int j = 0; j < i - 1; ++j)
		ck_assert_int_eq(kr_answer_cache_watch(&owners[j], NULL), 0);
	ck_assert_int_eq(kr_answer_cache_watch(&owners[i - 1], &counter), 0);
	ck_assert_int_eq(kr_answer_cache_watch(&owners[i - 1], NULL), 0);
}
END_TEST

START_TEST(test_size)
{
	struct msg q = query("s.lab.", PLAIN);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	ck_assert_int_eq(kr__answer_cache_set_size(0), 0);
	ck_assert(!stats().active);
	offer(&q, &a);
	ck_assert_uint_eq(stats().stored, 0);
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	/* A small limit: the oldest go, the limit holds. */
	ck_assert_int_eq(kr__answer_cache_set_size(4096), 0);
	ck_assert(stats().active);
	char name[32];
	for (int i = 0; i < 100; ++i) {
		snprintf(name, sizeof(name), "n%d.lab.", i);
		struct msg qi = query(name, PLAIN);
		struct msg ai = answer(&qi, KR_RCODE_NOERROR, 1, 300);
		offer(&qi, &ai);
		struct kr_ac_stats st = stats();
		ck_assert_uint_le(st.used, st.size);
		ck_assert_uint_eq(st.stored, i + 1);
		ck_assert_uint_eq(st.entries + st.evicted, i + 1);
		/* n0 asked after each store: referenced, it stays. */
		snprintf(name, sizeof(name), "n%d.lab.", 0);
		struct msg q0 = query(name, PLAIN);
		ck_assert_uint_ne(find(&q0, 0, NULL), 0);
	}
	struct kr_ac_stats st = stats();
	ck_assert_uint_gt(st.evicted, 50);
	ck_assert_uint_gt(st.entries, 10);
	struct msg q99 = query("n99.lab.", PLAIN), q1 = query("n1.lab.", PLAIN);
	ck_assert_uint_ne(find(&q99, 0, NULL), 0);
	ck_assert_uint_eq(find(&q1, 0, NULL), 0);
	/* An answer larger than an eighth of the limit is not kept. */
	struct msg qb = query("big.lab.", PLAIN);
	struct msg ab = answer(&qb, KR_RCODE_NOERROR, 40, 300);
	offer(&qb, &ab);
	ck_assert_uint_eq(find(&qb, KR_REQ_TCP, NULL), 0);
	/* A new size forgets everything. */
	ck_assert_int_eq(kr__answer_cache_set_size(1 << 20), 0);
	st = stats();
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(find(&q99, 0, NULL), 0);
	offer(&qb, &ab);
	ck_assert_uint_eq(find(&qb, KR_REQ_TCP, NULL), ab.len);
}
END_TEST

/**
 * The bucket of a plain A query with RD and EDNS (PLAIN) for name, as
 * answer_cache.c hashes its key (query_key()), in a table of 2048 buckets.
 */
static uint32_t bucket_of(const char *name)
{
	struct msg m = { .len = 0 };
	put_name(&m, name);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < m.len; ++i)
		h = (h ^ (uint8_t)(m.b[i] - 'A' < 26u ? m.b[i] + 32 : m.b[i])) * 16777619u;
	h = (h ^ 0x09) * 16777619u;   /* RD, EDNS */
	h = (h ^ KR_TYPE_A) * 16777619u;
	return (h ^ (h >> 15)) & 2047;
}

START_TEST(test_colliding_names)
{
	/* 1 MiB: 2048 buckets. Names made to share one bucket (the hash is public):
	 * only a few are kept, so that a look-up in it stays cheap. */
	ck_assert_int_eq(kr__answer_cache_set_size(1 << 20), 0);
	enum { N = 40 };
	static char names[N + 1][32];
	uint32_t target = bucket_of("c0.lab.");
	for (unsigned i = 0, n = 0; n <= N; ++i) {
		snprintf(names[n], sizeof(names[n]), "c%u.lab.", i);
		n += bucket_of(names[n]) == target;
	}
	unsigned kept = 0;
	for (unsigned i = 0; i < N; ++i) {
		struct msg q = query(names[i], PLAIN);
		struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
		offer(&q, &a);
		kept += find(&q, 0, NULL) != 0;
	}
	ck_assert_uint_eq(kept, 8);
	ck_assert_uint_eq(stats().entries, 8);
	/* Others are kept as before. */
	struct msg qo = query("other.lab.", PLAIN);
	ck_assert_uint_ne(bucket_of("other.lab."), target);
	struct msg ao = answer(&qo, KR_RCODE_NOERROR, 1, 300);
	offer(&qo, &ao);
	ck_assert_uint_eq(find(&qo, 0, NULL), ao.len);
	/* Flushed entries are no obstacle: the next store frees them. */
	kr_answer_cache_flush();
	struct msg q = query(names[N], PLAIN);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	ck_assert_uint_eq(stats().entries, 2);
}
END_TEST

/* --- plugins --- */

static struct {
	bool reusable;
	int reused;
	struct kr_reused_answer last;
	uint8_t last_qname[KR_DNAME_MAXLEN];
	uint8_t last_answer[KR_PKT_MAXSIZE];
	bool forget;
} P;

static bool reusable_cb(struct kr_plugin *self)
{
	return P.reusable;
}

static void reused_cb(struct kr_plugin *self, struct kr_reused_answer *ans)
{
	++P.reused;
	P.last = *ans;
	memcpy(P.last_qname, ans->qname, kr_dname_size(ans->qname));
	memcpy(P.last_answer, ans->answer, ans->answer_size);
	ans->forget = P.forget;
}

static const struct kr_layer_api some_layer = { .size = sizeof(struct kr_layer_api) };
/* A descriptor of the first ABI 1 plugins (without the appended members). */
static const struct kr_plugin_api old_api = { .size = KR_PLUGIN_API_MIN_SIZE, .abi = KR_PLUGIN_ABI,
					      .name = "old", .layer = &some_layer };
static const struct kr_plugin_api nolayer_api = { .size = KR_PLUGIN_API_MIN_SIZE, .abi = KR_PLUGIN_ABI,
						  .name = "nolayer" };
static const struct kr_plugin_api declared_api = { .size = sizeof(struct kr_plugin_api), .abi = KR_PLUGIN_ABI,
						   .name = "declared", .layer = &some_layer,
						   .answers_reusable = reusable_cb };
static const struct kr_plugin_api counting_api = { .size = sizeof(struct kr_plugin_api), .abi = KR_PLUGIN_ABI,
						   .name = "counting", .answers_reusable = kr_answer_cache_allow,
						   .answer_reused = reused_cb };

static void add_plugin(const struct kr_plugin_api *api)
{
	unit_add_plugin(&the_daemon.ctx, api->name, api, NULL);
	++the_daemon.ctx.plugins_gen;
	stats();   /* the worker's next look-up: the cache takes in the change */
}

START_TEST(test_plugins_allow)
{
	struct msg q = query("p.lab.", PLAIN);
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	add_plugin(&nolayer_api);
	ck_assert(stats().active);
	P.reusable = true;
	add_plugin(&declared_api);
	ck_assert(stats().active);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	/* It says no: asked again after a change (a flush). */
	P.reusable = false;
	kr_answer_cache_flush();
	ck_assert(!stats().active);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	P.reusable = true;
	kr_answer_cache_flush();
	ck_assert(stats().active);
	/* A plugin with a layer that does not say (an older descriptor): off. */
	add_plugin(&old_api);
	ck_assert(!stats().active);
	offer(&q, &a);
	ck_assert_uint_eq(stats().stored, 1);
}
END_TEST

START_TEST(test_plugins_see_reused)
{
	add_plugin(&counting_api);
	struct qo o = PLAIN;
	o.do_bit = true;
	struct msg q = query("r.lab.", o), got;
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	offer(&q, &a);
	ck_assert_int_eq(P.reused, 0);
	o.id = 0x4242;
	struct msg q2 = query("R.Lab.", o);
	ck_assert_uint_eq(find(&q2, KR_REQ_TCP | KR_REQ_TLS, &got), a.len);
	ck_assert_int_eq(P.reused, 1);
	ck_assert_mem_eq(P.last_qname, q2.b + KR_PKT_HDRSIZE, 7);
	ck_assert_uint_eq(P.last.qtype, KR_TYPE_A);
	ck_assert_uint_eq(P.last.flags, KR_REQ_TCP | KR_REQ_TLS);
	ck_assert(P.last.query_edns && P.last.query_do);
	ck_assert_uint_eq(P.last.answer_size, a.len);
	ck_assert_mem_eq(P.last_answer, got.b, got.len);
	ck_assert_uint_eq(get16(P.last_answer), 0x4242);
	/* forget: this answer goes out, the next query is resolved anew. */
	P.forget = true;
	ck_assert_uint_eq(find(&q, 0, &got), a.len);
	assert_repeated(&a, &q, &got);
	ck_assert_int_eq(P.reused, 2);
	ck_assert_uint_eq(stats().entries, 0);
	ck_assert_uint_eq(find(&q, 0, NULL), 0);
	ck_assert_int_eq(P.reused, 2);
	/* Unloaded: not called any more. */
	P.forget = false;
	struct kr_plugin *p = the_daemon.ctx.plugins[--the_daemon.ctx.plugin_count];
	++the_daemon.ctx.plugins_gen;
	free(p->name);
	free(p);
	ck_assert(stats().active);
	offer(&q, &a);
	ck_assert_uint_eq(find(&q, 0, NULL), a.len);
	ck_assert_int_eq(P.reused, 2);
}
END_TEST

START_TEST(test_local_data)
{
	add_plugin(&counting_api);
	struct msg q = query("h.lab.", PLAIN), got;
	struct msg a = answer(&q, KR_RCODE_NOERROR, 1, 300);
	/* A chain of the cache's records and local data (fixed TTLs): not kept. */
	offer_with(&q, &a, (struct offer_opts){ .local = true, .mixed = true });
	ck_assert_uint_eq(stats().stored, 0);
	/* Local data alone: kept, and hooks know it (predict skips it). */
	offer_with(&q, &a, (struct offer_opts){ .local = true });
	ck_assert_uint_eq(find(&q, 0, &got), a.len);
	assert_repeated(&a, &q, &got);
	ck_assert(P.last.local);
	ck_assert(!P.last.forget);
	/* The cache's: not local. */
	struct msg q2 = query("c.lab.", PLAIN);
	struct msg a2 = answer(&q2, KR_RCODE_NOERROR, 1, 300);
	offer(&q2, &a2);
	ck_assert_uint_eq(find(&q2, 0, NULL), a2.len);
	ck_assert(!P.last.local);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 30 };
	Suite *s = suite_create("answer_cache");
	unit_tcase(s, "kr__answer_cache_find", &fx, test_repeat, test_keys, test_udp_size, test_unusual_queries,
		   test_longest_name);
	unit_tcase(s, "kr__answer_cache_offer", &fx, test_answers_not_kept, test_negative);
	unit_tcase(s, "kr_answer_cache_flush", &fx, test_flush);
	unit_tcase(s, "kr_answer_cache_watch", &fx, test_watch);
	unit_tcase(s, "kr__answer_cache_set_size", &fx, test_size, test_colliding_names);
	unit_tcase(s, "answers_reusable", &fx, test_plugins_allow, test_plugins_see_reused,
		   test_local_data);
	return unit_run(s);
}
