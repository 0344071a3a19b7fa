/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fixture of the storage tests (test_bdb.c, test_crash.c): a cache in a
 * fresh directory, an arena, and A records stored and read back by name.
 */
#pragma once

#include <errno.h>
#include <unistd.h>
#include "tests/unit/plugins/cache/testutil.h"

static char *dir;
static struct cache *c;
static struct kr_arena *arena;
static kr_mm_t *mm;

static inline void setup(void)
{
	dir = test_dir();
	c = cache_new();
	ck_assert_ptr_nonnull(c);
	char uri[256];
	snprintf(uri, sizeof(uri), "bdb://%s", dir);
	ck_assert_int_eq(cache_open(c, 4 << 20, uri), 0);
	arena = kr_arena_new(0);
	mm = kr_arena_mm(arena);
}

static inline void teardown(void)
{
	cache_free(c);
	kr_arena_delete(arena);
	test_dir_drop(dir);
}

/*
 * put_a_raw(), peek_a() and get_a() make no check assertion: child_writes()
 * runs them in processes forked by a test, and an assertion there would write
 * check's messages into the channel the test's own process writes to (seen as
 * "Bad message type" when the two interleave).
 */

/** Store name A addr (last byte) with ttl at rank. @return entries stored (0 or 1) or an error. */
static inline int put_a_raw(const char *name, uint8_t last, uint32_t ttl, uint8_t rank, uint32_t now)
{
	uint8_t owner[KR_DNAME_MAXLEN];
	if (kr_dname_from_str(owner, KR_DNAME_MAXLEN, name) <= 0)
		return -EINVAL;
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, ttl);
	uint8_t addr[4] = { 192, 0, 2, last };
	struct cache_write *w = kr_mm_alloc(mm, sizeof(*w));
	if (!w || kr_rrset_add_rdata(&rr, addr, 4, mm) != 0)
		return -ENOMEM;
	int ret = cache_write_rrset(c, w, &rr, NULL, rank, now, mm);
	return ret != 0 ? ret : cache_put(c, w, 1, now);
}

/** Store name A addr (last byte) with ttl at rank. @return entries stored (0 or 1). */
static inline int put_a(const char *name, uint8_t last, uint32_t ttl, uint8_t rank, uint32_t now)
{
	int ret = put_a_raw(name, last, ttl, rank, now);
	ck_assert_int_ge(ret, 0);
	return ret;
}

/** The last address byte of name's cached A at now, looked up where (CACHE_PEEK_*), or -1 when
 * none is served; ttl out. */
static inline int peek_a(const char *name, uint32_t now, unsigned where, uint32_t *ttl)
{
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	if (kr_dname_from_str(owner, KR_DNAME_MAXLEN, name) <= 0)
		return -1;
	int n = cache_peek(c, NULL, mm, owner, KR_TYPE_A, CACHE_KIND_RR, 0, now, where, sets, 4, NULL);
	if (n <= 0)
		return -1;
	if (ttl)
		*ttl = sets[0].rr.ttl;
	return kr_rdataset_first(&sets[0].rr.rrs)->data[3];
}

/** peek_a() in the store only. */
static inline int get_a(const char *name, uint32_t now, uint32_t *ttl)
{
	return peek_a(name, now, CACHE_PEEK_STORE, ttl);
}

/** In a child: write names prefix-0..n-1 and check that each reads back. */
static inline void child_writes(const char *prefix, int n)
{
	uint32_t now = cache_now();
	for (int i = 0; i < n; ++i) {
		char name[64];
		snprintf(name, sizeof(name), "%s-%d.test", prefix, i);
		kr_arena_reset(arena);
		/* Writers contend for locks: a put may time out (-EAGAIN) and is then
		 * retried, as the daemon's next answer would store it again. */
		int ret = -EAGAIN;
		for (int attempt = 0; attempt < 20 && ret == -EAGAIN; ++attempt)
			ret = put_a_raw(name, (uint8_t)i, 300, KR_RANK_ANSWER, now);
		if (ret != 1 || get_a(name, now, NULL) != (uint8_t)i)
			_exit(2);
	}
}
