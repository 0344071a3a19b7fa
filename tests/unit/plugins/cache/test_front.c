/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the in-memory front (front.c) and of its use by cache_peek():
 * hits, expiry by the wall clock, eviction when full, invalidation by the
 * shared generation (also from another process), bogus data never kept, TTLs
 * counted down.
 */
#include <sys/wait.h>
#include "tests/unit/plugins/cache/store_fixture.h"

/** An encoded A entry for name (last address byte), expiring at expire, at rank. */
static struct cache_write *entry(const char *name, uint8_t last, uint32_t now, uint32_t expire,
				 uint8_t rank)
{
	uint8_t owner[KR_DNAME_MAXLEN];
	kr_rrset_t rr;
	kr_rrset_init(&rr, test_name(owner, name), KR_TYPE_A, KR_CLASS_IN, expire - now);
	uint8_t addr[4] = { 192, 0, 2, last };
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, addr, 4, mm), 0);
	struct cache_write *w = kr_mm_alloc(mm, sizeof(*w));
	ck_assert_int_eq(cache_write_rrset(c, w, &rr, NULL, rank, now, mm), 0);
	return w;
}

/** The last address byte of the front's copy of w's key at now, or -1. */
static int front_a(struct cache_front *f, const struct cache_write *w, uint32_t now)
{
	uint8_t *val;
	size_t len;
	if (cache_front_get(f, w->key, w->klen, now, mm, &val, &len) != 0)
		return -1;
	struct cache_set sets[2];
	struct cache_entry_hdr h;
	ck_assert_int_eq(cache_entry_header(val, len, &h), 0);
	ck_assert_int_eq(cache_entry_decode(val, len, cache_ttl_remaining(&h, now), sets, 2), 1);
	return kr_rdataset_first(&sets[0].rr.rrs)->data[3];
}

/** A front of nslots slots attached to the test directory. */
static void front_make(struct cache_front *f, uint32_t nslots)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(cache_front_init(f, (size_t)nslots * CACHE_FRONT_SLOT), 0);
	ck_assert_uint_eq(f->nslots, nslots);
	ck_assert_int_eq(cache_front_attach(f, dir), 0);
	ck_assert(cache_front_usable(f));
}

START_TEST(test_hit)
{
	struct cache_front f;
	front_make(&f, 64);
	uint32_t now = 1000000;
	struct cache_write *w = entry("a.lab.", 7, now, now + 300, KR_RANK_AUTH_ANSWER);
	ck_assert_int_eq(front_a(&f, w, now), -1);
	cache_front_put(&f, w->key, w->klen, w->val, w->vlen, now);
	ck_assert_int_eq(front_a(&f, w, now), 7);
	ck_assert_uint_eq(f.hit, 1);
	/* The same key again replaces the copy in place. */
	struct cache_write *w2 = entry("a.lab.", 8, now, now + 300, KR_RANK_AUTH_ANSWER);
	cache_front_put(&f, w2->key, w2->klen, w2->val, w2->vlen, now);
	ck_assert_int_eq(front_a(&f, w, now), 8);
	ck_assert_uint_eq(f.replace, 0);
	/* Another key misses. */
	struct cache_write *o = entry("b.lab.", 1, now, now + 300, KR_RANK_AUTH_ANSWER);
	ck_assert_int_eq(front_a(&f, o, now), -1);
	/* Off: nothing kept. */
	cache_front_init(&f, 0);
	ck_assert(!cache_front_usable(&f));
	cache_front_put(&f, w->key, w->klen, w->val, w->vlen, now);
	ck_assert_int_eq(front_a(&f, w, now), -1);
	cache_front_deinit(&f);
}
END_TEST

START_TEST(test_expiry)
{
	struct cache_front f;
	front_make(&f, 64);
	uint32_t now = 1000000;
	struct cache_write *w = entry("a.lab.", 7, now, now + 10, KR_RANK_AUTH_ANSWER);
	cache_front_put(&f, w->key, w->klen, w->val, w->vlen, now);
	ck_assert_int_eq(front_a(&f, w, now + 9), 7);
	ck_assert_int_eq(front_a(&f, w, now + 10), -1);
	ck_assert_int_eq(front_a(&f, w, now + 9), -1);   /* the expired copy was dropped */
	/* Already expired entries are not kept. */
	cache_front_put(&f, w->key, w->klen, w->val, w->vlen, now + 10);
	ck_assert_int_eq(front_a(&f, w, now), -1);
	cache_front_deinit(&f);
}
END_TEST

START_TEST(test_eviction)
{
	/* Four slots: one set, every key competes for it. */
	struct cache_front f;
	front_make(&f, CACHE_FRONT_WAYS);
	uint32_t now = 1000000;
	struct cache_write *w[6];
	for (int i = 0; i < 6; ++i) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.lab.", i);
		/* n0 expires last, n1 soonest, then n2, n3 ... */
		w[i] = entry(name, (uint8_t)i, now, now + (i == 0 ? 1000 : 100 + (uint32_t)i), KR_RANK_ANSWER);
	}
	for (int i = 0; i < 4; ++i)
		cache_front_put(&f, w[i]->key, w[i]->klen, w[i]->val, w[i]->vlen, now);
	for (int i = 0; i < 4; ++i)
		ck_assert_int_eq(front_a(&f, w[i], now), i);
	/* Full: the one that expires soonest (n1) goes. */
	cache_front_put(&f, w[4]->key, w[4]->klen, w[4]->val, w[4]->vlen, now);
	ck_assert_uint_eq(f.replace, 1);
	ck_assert_int_eq(front_a(&f, w[1], now), -1);
	ck_assert_int_eq(front_a(&f, w[0], now), 0);
	ck_assert_int_eq(front_a(&f, w[4], now), 4);
	/* An expired slot is taken before any live one. */
	cache_front_put(&f, w[5]->key, w[5]->klen, w[5]->val, w[5]->vlen, now + 103);
	ck_assert_int_eq(front_a(&f, w[2], now), -1);   /* n2 expired at now + 102 */
	ck_assert_int_eq(front_a(&f, w[5], now), 5);
	ck_assert_int_eq(front_a(&f, w[3], now), 3);
	/* Entries too big for a slot are not kept. */
	uint8_t big[CACHE_FRONT_SLOT];
	memcpy(big, w[0]->val, w[0]->vlen);
	cache_front_put(&f, (const uint8_t *)"k", 1, big, sizeof(big), now);
	ck_assert_uint_eq(f.insert, 6);
	cache_front_deinit(&f);
}
END_TEST

START_TEST(test_generation)
{
	/* Two fronts on one cache.gen: as two processes. */
	struct cache_front a, b;
	front_make(&a, 64);
	front_make(&b, 64);
	uint32_t now = 1000000;
	struct cache_write *w = entry("a.lab.", 7, now, now + 300, KR_RANK_AUTH_ANSWER);
	cache_front_put(&a, w->key, w->klen, w->val, w->vlen, now);
	cache_front_put(&b, w->key, w->klen, w->val, w->vlen, now);
	cache_front_bump(&b);   /* b cleared the storage */
	ck_assert_int_eq(front_a(&b, w, now), -1);
	ck_assert_int_eq(front_a(&a, w, now), 7);   /* a has not looked at the generation yet */
	cache_front_sync(&a);
	ck_assert_int_eq(front_a(&a, w, now), -1);
	/* What is kept after the bump is served. */
	cache_front_put(&a, w->key, w->klen, w->val, w->vlen, now);
	cache_front_sync(&a);
	ck_assert_int_eq(front_a(&a, w, now), 7);
	cache_front_deinit(&a);
	cache_front_deinit(&b);
}
END_TEST

START_TEST(test_clear_other_process)
{
	/* A store fills the front; clear() in another process empties it here. */
	uint32_t now = cache_now();
	put_a("x.example.", 5, 300, KR_RANK_AUTH_ANSWER, now);
	put_a("y.lab.", 6, 300, KR_RANK_AUTH_ANSWER, now);
	ck_assert_int_eq(peek_a("x.example.", now, CACHE_PEEK_FRONT, NULL), 5);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *out = cache_prop_clear(c, "\"*.example.\"");
		_exit(out && !strcmp(out, "true") ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(peek_a("x.example.", now, CACHE_PEEK_FRONT, NULL), -1);
	ck_assert_int_eq(peek_a("x.example.", now, CACHE_PEEK_ALL, NULL), -1);
	/* The rest comes back from the storage, and into the front again. */
	ck_assert_int_eq(peek_a("y.lab.", now, CACHE_PEEK_FRONT, NULL), -1);
	ck_assert_int_eq(peek_a("y.lab.", now, CACHE_PEEK_ALL, NULL), 6);
	ck_assert_int_eq(peek_a("y.lab.", now, CACHE_PEEK_FRONT, NULL), 6);
	/* clear() with no argument, here. */
	char *out = cache_prop_clear(c, NULL);
	ck_assert_str_eq(out, "true");
	free(out);
	ck_assert_int_eq(peek_a("y.lab.", now, CACHE_PEEK_ALL, NULL), -1);
}
END_TEST

START_TEST(test_bogus)
{
	struct cache_front f;
	front_make(&f, 64);
	uint32_t now = 1000000;
	struct cache_write *good = entry("a.lab.", 7, now, now + 300, KR_RANK_AUTH_ANSWER);
	struct cache_write *bad = entry("a.lab.", 9, now, now + 300, KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS);
	cache_front_put(&f, bad->key, bad->klen, bad->val, bad->vlen, now);
	ck_assert_int_eq(front_a(&f, bad, now), -1);
	cache_front_put(&f, good->key, good->klen, good->val, good->vlen, now);
	ck_assert_int_eq(front_a(&f, good, now), 7);
	/* Bogus now: the older copy goes too. */
	cache_front_put(&f, bad->key, bad->klen, bad->val, bad->vlen, now);
	ck_assert_int_eq(front_a(&f, good, now), -1);
	cache_front_deinit(&f);
	/* Through the cache: bogus data stored is served from neither. */
	now = cache_now();
	put_a("b.lab.", 3, 300, KR_RANK_ANSWER | KR_RANK_BOGUS, now);
	ck_assert_int_eq(peek_a("b.lab.", now, CACHE_PEEK_FRONT, NULL), -1);
	ck_assert_int_eq(peek_a("b.lab.", now, CACHE_PEEK_ALL, NULL), -1);
	/* Secure data replaces it and is served from the front with its rank. */
	put_a("b.lab.", 4, 300, KR_RANK_ANSWER | KR_RANK_SECURE, now);
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	struct cache_entry_hdr h;
	ck_assert_int_eq(cache_peek(c, NULL, mm, test_name(owner, "b.lab."), KR_TYPE_A, CACHE_KIND_RR,
				    0, now, CACHE_PEEK_FRONT, sets, 4, &h), 1);
	ck_assert_uint_eq(h.rank, KR_RANK_ANSWER | KR_RANK_SECURE);
}
END_TEST

START_TEST(test_ttl)
{
	uint32_t now = cache_now();
	put_a("t.lab.", 1, 100, KR_RANK_AUTH_ANSWER, now);
	uint64_t hits = c->front.hit;
	uint32_t ttl = 0;
	ck_assert_int_eq(peek_a("t.lab.", now + 30, CACHE_PEEK_FRONT, &ttl), 1);
	ck_assert_uint_eq(ttl, 70);
	ck_assert_int_eq(peek_a("t.lab.", now + 99, CACHE_PEEK_ALL, &ttl), 1);
	ck_assert_uint_eq(ttl, 1);
	ck_assert_uint_eq(c->front.hit, hits + 2);   /* both from the front */
	ck_assert_int_eq(peek_a("t.lab.", now + 100, CACHE_PEEK_ALL, &ttl), -1);
	/* A rank too low for the asker sends the look-up on to the storage (same answer). */
	put_a("g.lab.", 2, 100, KR_RANK_GLUE, now);
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	uint64_t reads = c->stats.read;
	ck_assert_int_eq(cache_peek(c, NULL, mm, test_name(owner, "g.lab."), KR_TYPE_A, CACHE_KIND_RR,
				    KR_RANK_ANSWER, now, CACHE_PEEK_ALL, sets, 4, NULL), -ENOENT);
	ck_assert_uint_eq(c->stats.read, reads + 1);
}
END_TEST

START_TEST(test_memo)
{
	/* A request's memo: a name without entries is probed once, then not looked up. */
	uint32_t now = cache_now();
	put_a("p.lab.", 1, 100, KR_RANK_AUTH_ANSWER, now);
	struct cache_memo memo = { .count = 0 };
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	uint64_t reads = c->stats.read, probes = c->stats.probe;
	for (uint16_t t = 1; t < 5; ++t)
		ck_assert_int_eq(cache_peek(c, &memo, mm, test_name(owner, "new.lab."), t, CACHE_KIND_RR, 0,
					    now, CACHE_PEEK_STORE | CACHE_PEEK_PROBE, sets, 4, NULL), -ENOENT);
	ck_assert_uint_eq(c->stats.read, reads);
	ck_assert_uint_eq(c->stats.probe, probes + 1);
	/* A name with entries is looked up every time (it was probed once). */
	for (uint16_t t = 2; t < 5; ++t)
		ck_assert_int_eq(cache_peek(c, &memo, mm, test_name(owner, "p.lab."), t, CACHE_KIND_RR, 0,
					    now, CACHE_PEEK_STORE | CACHE_PEEK_PROBE, sets, 4, NULL), -ENOENT);
	ck_assert_uint_eq(c->stats.read, reads + 3);
	ck_assert_uint_eq(c->stats.probe, probes + 2);
	/* The probe gives the name's first entry when it is the one asked for. */
	struct cache_memo memo2 = { .count = 0 };
	ck_assert_int_eq(cache_peek(c, &memo2, mm, test_name(owner, "p.lab."), KR_TYPE_A, CACHE_KIND_RR, 0,
				    now, CACHE_PEEK_STORE | CACHE_PEEK_PROBE, sets, 4, NULL), 1);
	ck_assert_uint_eq(kr_rdataset_first(&sets[0].rr.rrs)->data[3], 1);
	ck_assert_uint_eq(c->stats.read, reads + 4);
	ck_assert_uint_eq(c->stats.probe, probes + 3);
	/* Forgotten after the request stores under it. */
	uint8_t prefix[CACHE_KEY_MAX];
	int plen = cache_key_name(prefix, test_name(owner, "new.lab."));
	prefix[plen++] = 0;
	ck_assert_int_eq(cache_memo_get(&memo, prefix, (size_t)plen), 0);
	cache_memo_forget(&memo, prefix, (size_t)plen);
	ck_assert_int_eq(cache_memo_get(&memo, prefix, (size_t)plen), 1);
}
END_TEST

START_TEST(test_absent)
{
	/* A miss in the storage is remembered for CACHE_FRONT_ABSENT_TTL seconds. */
	uint32_t now = cache_now();
	uint64_t reads = c->stats.read;
	ck_assert_int_eq(peek_a("m.lab.", now, CACHE_PEEK_ALL, NULL), -1);
	ck_assert_int_eq(peek_a("m.lab.", now + 1, CACHE_PEEK_ALL, NULL), -1);
	ck_assert_uint_eq(c->stats.read, reads + 1);
	ck_assert_int_eq(peek_a("m.lab.", now + CACHE_FRONT_ABSENT_TTL, CACHE_PEEK_ALL, NULL), -1);
	ck_assert_uint_eq(c->stats.read, reads + 2);
	/* A marker does not outlive its 5 s when the wall clock goes back. */
	ck_assert_int_eq(peek_a("m.lab.", now - 100, CACHE_PEEK_ALL, NULL), -1);
	ck_assert_uint_eq(c->stats.read, reads + 3);
	/* This process's store replaces the marker at once. */
	put_a("m.lab.", 9, 300, KR_RANK_AUTH_ANSWER, now);
	ck_assert_int_eq(peek_a("m.lab.", now + 1, CACHE_PEEK_ALL, NULL), 9);
	ck_assert_uint_eq(c->stats.read, reads + 3);
	/* Storing what the front holds unchanged is skipped, and counts as stored. */
	uint64_t commits = c->stats.commit;
	ck_assert_int_eq(put_a_raw("m.lab.", 9, 300, KR_RANK_AUTH_ANSWER, now + 1), 1);
	ck_assert_uint_eq(c->stats.commit, commits);
	/* Other data, or a fresher copy needed, is written. */
	ck_assert_int_eq(put_a_raw("m.lab.", 8, 300, KR_RANK_AUTH_ANSWER, now + 1), 1);
	ck_assert_uint_eq(c->stats.commit, commits + 1);
	ck_assert_int_eq(put_a_raw("m.lab.", 8, 300, KR_RANK_AUTH_ANSWER, now + 200), 1);
	ck_assert_uint_eq(c->stats.commit, commits + 2);
	ck_assert_int_eq(peek_a("m.lab.", now + 450, CACHE_PEEK_STORE, NULL), 8);
	/* A marker never hides what this process stores right after. */
	ck_assert_int_eq(peek_a("q.lab.", now, CACHE_PEEK_ALL, NULL), -1);
	put_a("q.lab.", 3, 300, KR_RANK_AUTH_ANSWER, now);
	ck_assert_int_eq(peek_a("q.lab.", now, CACHE_PEEK_ALL, NULL), 3);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 60 };
	Suite *s = suite_create("front");
	unit_tcase(s, "front", &fx, test_hit, test_expiry, test_eviction, test_generation,
		   test_clear_other_process, test_bogus, test_ttl, test_memo, test_absent);
	return unit_run(s);
}
