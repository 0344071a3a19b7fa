/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the answer cache's two parsers. The first input byte picks
 * what the rest is: a client's query looked up in a cache that holds answers
 * for www.example. A (any other query must miss; a hit must be that answer
 * with the query's ID and name), or an answer offered for that query (kept
 * only when well formed; then repeated whole, ID and name from the query).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <kres/kres.h>
#include "core/daemon/daemon.h"
#include "core/net/answer_cache.h"

struct kr_daemon the_daemon;   /* no plugins: the cache is on */

/* www.example. A IN, RD, ID 0x1234, no EDNS. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
};
/* Its answer: one A record (owner compressed to the question), TTL 300. */
static const uint8_t answer[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
	0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1,
};

static void offer(const uint8_t *a, size_t alen)
{
	struct kr_arena *arena = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(arena);
	kr_pkt_t *q = kr_pkt_new(kr_mm_memdup(mm, query, sizeof(query)), sizeof(query), mm);
	q->size = sizeof(query);
	kr_pkt_t *ans = kr_pkt_new(kr_mm_memdup(mm, a, alen), alen, mm);
	ans->size = alen;
	struct kr_request req = { .answer = ans, .pool = mm };
	req.qsource.packet = q;
	kr__answer_cache_offer(&req, kr__answer_cache_gen());
	kr_arena_delete(arena);
}

/** Look q up; a hit must carry q's ID and question, and the answer's rest. */
static void lookup(const uint8_t *q, size_t len)
{
	const struct kr_ac_query aq = { .wire = q, .len = len };
	const uint8_t *a;
	size_t alen = kr__answer_cache_find(&aq, &a);
	if (!alen)
		return;
	size_t qlen = sizeof(query) - 12;   /* name, type, class */
	if (len < 12 + qlen || alen < 12 + qlen || a[0] != q[0] || a[1] != q[1] ||
	    memcmp(a + 12, q + 12, qlen) != 0 || kr_dname_size(q + 12) != 13)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		the_daemon.ctx.bufsize = 1232;
		kr__answer_cache_set_size(1 << 20);
		ready = true;
	}
	if (size < 1 || size > 4096)
		return 0;
	if (data[0] & 1) {
		kr__answer_cache_set_size(1 << 20);   /* empty: only this answer can be there */
		time_t before = time(NULL);
		offer(data + 1, size - 1);
		const uint8_t *a;
		const struct kr_ac_query aq = { .wire = query, .len = sizeof(query) };
		size_t alen = kr__answer_cache_find(&aq, &a);
		if (alen && alen != size - 1)
			abort();
		/* Kept: repeated exactly but the ID and the name's letter case (the
		 * query's), and TTLs only age when a second passed. */
		size_t name_end = 12 + 13;
		if (alen && time(NULL) == before &&
		    (memcmp(a + 2, data + 3, 10) != 0 || memcmp(a + 12, query + 12, 13) != 0 ||
		     memcmp(a + name_end, data + 1 + name_end, alen - name_end) != 0))
			abort();
	} else {
		offer(answer, sizeof(answer));
		lookup(data + 1, size - 1);
	}
	return 0;
}
