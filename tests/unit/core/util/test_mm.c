/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/util/mm.c: memory contexts and the per-request arena. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <kres/defines.h>
#include "tests/unit/check_main.h"

/** A malloc-backed context that counts live blocks. */
static void *counting_alloc(void *ctx, size_t size)
{
	++*(int *)ctx;
	return malloc(size);
}

static void counting_free(void *ctx, void *ptr)
{
	--*(int *)ctx;
	free(ptr);
}

/** Fill a block with a pattern derived from seed. */
static void fill(void *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; ++i)
		((uint8_t *)p)[i] = (uint8_t)(seed * 31 + i);
}

static bool check_fill(const void *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; ++i)
		if (((const uint8_t *)p)[i] != (uint8_t)(seed * 31 + i))
			return false;
	return true;
}

START_TEST(test_mm_alloc)
{
	/* NULL mm: malloc(); ASan would report a leak or a bad free otherwise */
	void *p = kr_mm_alloc(NULL, 100);
	ck_assert_ptr_nonnull(p);
	memset(p, 0xab, 100);
	kr_mm_free(NULL, p);
	kr_mm_free(NULL, NULL);

	int live = 0;
	kr_mm_t mm = { &live, counting_alloc, counting_free };
	p = kr_mm_alloc(&mm, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(live, 1);
	kr_mm_free(&mm, p);
	ck_assert_int_eq(live, 0);

	/* a context without free: kr_mm_free() is a no-op (arena semantics) */
	struct kr_arena *a = kr_arena_new(0);
	kr_mm_free(kr_arena_mm(a), kr_mm_alloc(kr_arena_mm(a), 8));
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_mm_calloc)
{
	uint8_t *p = kr_mm_calloc(NULL, 64);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 64; ++i)
		ck_assert_uint_eq(p[i], 0);
	free(p);

	/* the arena reuses dirty memory after a reset: calloc must still zero it */
	struct kr_arena *a = kr_arena_new(4096);
	kr_mm_t *mm = kr_arena_mm(a);
	memset(kr_mm_alloc(mm, 1024), 0xff, 1024);
	kr_arena_reset(a);
	p = kr_mm_calloc(mm, 1024);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 1024; ++i)
		ck_assert_uint_eq(p[i], 0);
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_mm_realloc)
{
	/* NULL mm: realloc() keeps the content */
	char *p = kr_mm_realloc(NULL, NULL, 8, 0);
	ck_assert_ptr_nonnull(p);
	memcpy(p, "abcdefg", 8);
	p = kr_mm_realloc(NULL, p, 4096, 8);
	ck_assert_str_eq(p, "abcdefg");
	free(p);

	/* a freeing context: the old block is released, the content copied */
	int live = 0;
	kr_mm_t mm = { &live, counting_alloc, counting_free };
	p = kr_mm_alloc(&mm, 16);
	fill(p, 16, 1);
	char *q = kr_mm_realloc(&mm, p, 64, 16);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(live, 1);
	ck_assert(check_fill(q, 16, 1));
	/* shrinking copies only new_size bytes */
	char *r = kr_mm_realloc(&mm, q, 4, 64);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(live, 1);
	ck_assert(check_fill(r, 4, 1));
	kr_mm_free(&mm, r);
	ck_assert_int_eq(live, 0);

	/* an arena: a new block with the old content, the old one untouched */
	struct kr_arena *a = kr_arena_new(0);
	kr_mm_t *am = kr_arena_mm(a);
	uint8_t *old = kr_mm_alloc(am, 100);
	fill(old, 100, 7);
	uint8_t *grown = kr_mm_realloc(am, old, 10000, 100);
	ck_assert_ptr_nonnull(grown);
	ck_assert_ptr_ne(grown, old);
	ck_assert(check_fill(grown, 100, 7));
	ck_assert(check_fill(old, 100, 7));
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_mm_memdup)
{
	const char src[] = "hello, world";
	char *d = kr_mm_memdup(NULL, src, sizeof(src));
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_ne(d, src);
	ck_assert_str_eq(d, src);
	free(d);
	/* zero length gives a valid (freeable) pointer */
	d = kr_mm_memdup(NULL, src, 0);
	ck_assert_ptr_nonnull(d);
	free(d);

	struct kr_arena *a = kr_arena_new(0);
	d = kr_mm_memdup(kr_arena_mm(a), src, sizeof(src));
	ck_assert_str_eq(d, src);
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_arena_alloc)
{
	struct kr_arena *a = kr_arena_new(1024);
	ck_assert_ptr_nonnull(a);
	kr_mm_t *mm = kr_arena_mm(a);
	ck_assert_ptr_nonnull(mm);
	ck_assert_ptr_null(mm->free);
	ck_assert_uint_eq(kr_arena_used(a), 0);

	/* every block is 16-byte aligned, whatever the sizes before it */
	const size_t sizes[] = { 1, 3, 0, 17, 8, 100, 15, 16, 33, 2 };
	void *blocks[10];
	for (int i = 0; i < 10; ++i) {
		blocks[i] = kr_mm_alloc(mm, sizes[i]);
		ck_assert_ptr_nonnull(blocks[i]);
		ck_assert_uint_eq((uintptr_t)blocks[i] % 16, 0);
		fill(blocks[i], sizes[i], (unsigned)i);
	}
	/* blocks do not overlap: each keeps its pattern */
	for (int i = 0; i < 10; ++i)
		ck_assert_msg(check_fill(blocks[i], sizes[i], (unsigned)i), "block %d overwritten", i);
	/* used counts rounded sizes (a zero-size request still takes a slot) */
	ck_assert_uint_eq(kr_arena_used(a), 7 * 16 + 32 + 112 + 48);

	/* many chunks' worth of small blocks */
	for (int i = 0; i < 1000; ++i) {
		uint64_t *p = kr_mm_alloc(mm, sizeof(*p));
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		*p = (uint64_t)i;
	}
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_arena_big)
{
	struct kr_arena *a = kr_arena_new(1024);
	kr_mm_t *mm = kr_arena_mm(a);
	uint8_t *small1 = kr_mm_alloc(mm, 100);
	fill(small1, 100, 1);
	/* a block larger than the chunk size gets a chunk of its own */
	uint8_t *big = kr_mm_alloc(mm, 100000);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq((uintptr_t)big % 16, 0);
	fill(big, 100000, 2);
	/* the free space of the current chunk stays in use: the next small
	 * block follows the first one */
	uint8_t *small2 = kr_mm_alloc(mm, 100);
	ck_assert_ptr_eq(small2, small1 + 112);
	fill(small2, 100, 3);
	ck_assert(check_fill(small1, 100, 1));
	ck_assert(check_fill(big, 100000, 2));
	ck_assert(check_fill(small2, 100, 3));
	ck_assert_uint_eq(kr_arena_used(a), 112 + 100000 + 112);

	/* several big blocks in a row */
	uint8_t *bigs[5];
	for (int i = 0; i < 5; ++i) {
		bigs[i] = kr_mm_alloc(mm, 5000 + (size_t)i);
		ck_assert_ptr_nonnull(bigs[i]);
		fill(bigs[i], 5000 + (size_t)i, 10 + (unsigned)i);
	}
	for (int i = 0; i < 5; ++i)
		ck_assert(check_fill(bigs[i], 5000 + (size_t)i, 10 + (unsigned)i));
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_arena_huge)
{
	/* sizes that cannot be served fail cleanly instead of wrapping around */
	struct kr_arena *a = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(a);
	ck_assert_ptr_null(kr_mm_alloc(mm, SIZE_MAX));
	ck_assert_ptr_null(kr_mm_alloc(mm, SIZE_MAX - 8));
	/* rounds without wrapping, but the chunk header would wrap */
	ck_assert_ptr_null(kr_mm_alloc(mm, SIZE_MAX - 40));
	ck_assert_uint_eq(kr_arena_used(a), 0);
	/* the arena still works */
	ck_assert_ptr_nonnull(kr_mm_alloc(mm, 10));
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_arena_reset)
{
	struct kr_arena *a = kr_arena_new(4096);
	kr_mm_t *mm = kr_arena_mm(a);
	ck_assert_ptr_nonnull(kr_mm_alloc(mm, 100));
	for (int i = 0; i < 50; ++i)
		ck_assert_ptr_nonnull(kr_mm_alloc(mm, 1000));   /* about 13 chunks */
	ck_assert_ptr_nonnull(kr_mm_alloc(mm, 20000));      /* a chunk of its own */
	ck_assert_uint_gt(kr_arena_used(a), 60000);

	kr_arena_reset(a);
	ck_assert_uint_eq(kr_arena_used(a), 0);
	/* the memory is reused: allocations come from the kept chunks */
	uint8_t *again = kr_mm_alloc(mm, 100);
	ck_assert_ptr_nonnull(again);
	ck_assert_uint_eq(kr_arena_used(a), 112);
	/* the same allocation pattern again: every block is valid and distinct */
	uint8_t *blocks[50];
	for (int i = 0; i < 50; ++i) {
		blocks[i] = kr_mm_alloc(mm, 1000);
		ck_assert_ptr_nonnull(blocks[i]);
		fill(blocks[i], 1000, (unsigned)i);
	}
	uint8_t *big2 = kr_mm_alloc(mm, 20000);
	ck_assert_ptr_nonnull(big2);
	fill(big2, 20000, 99);
	fill(again, 100, 98);
	for (int i = 0; i < 50; ++i)
		ck_assert_msg(check_fill(blocks[i], 1000, (unsigned)i), "block %d overwritten", i);
	ck_assert(check_fill(big2, 20000, 99));
	ck_assert(check_fill(again, 100, 98));
	ck_assert_uint_eq(kr_arena_used(a), 112 + 50 * 1008 + 20000);

	/* reset of a single-chunk arena hands out the very same memory */
	kr_arena_reset(a);
	struct kr_arena *b = kr_arena_new(4096);
	kr_mm_t *bm = kr_arena_mm(b);
	uint8_t *b1 = kr_mm_alloc(bm, 64);
	kr_arena_reset(b);
	uint8_t *b2 = kr_mm_alloc(bm, 64);
	ck_assert_ptr_eq(b1, b2);
	memset(b2, 0x5a, 64);

	/* many resets in a row neither leak nor grow without bound (ASan/LSan) */
	for (int r = 0; r < 100; ++r) {
		for (int i = 0; i < 300; ++i)
			ck_assert_ptr_nonnull(kr_mm_alloc(bm, 100 + (size_t)i));
		kr_mm_alloc(bm, 600000);   /* bigger than what is kept */
		kr_arena_reset(b);
	}
	kr_arena_reset(NULL);
	kr_arena_delete(b);
	kr_arena_delete(a);
	kr_arena_delete(NULL);
}
END_TEST

/** Cleanup handlers append their tag to this log. */
static char cleanup_log[64];

static void log_cleanup(void *data)
{
	size_t len = strlen(cleanup_log);
	ck_assert_uint_lt(len + 1, sizeof(cleanup_log));
	cleanup_log[len] = *(const char *)data;
	cleanup_log[len + 1] = '\0';
}

/** Frees its data: a leak or a double free shows up under ASan. */
static void free_cleanup(void *data)
{
	free(data);
}

START_TEST(test_arena_cleanup_add)
{
	static const char tags[] = "abc";
	cleanup_log[0] = '\0';
	struct kr_arena *a = kr_arena_new(0);
	for (int i = 0; i < 3; ++i)
		ck_assert_int_eq(kr_arena_cleanup_add(a, log_cleanup, (void *)&tags[i]), 0);
	ck_assert_str_eq(cleanup_log, "");
	/* reset runs them, last added first */
	kr_arena_reset(a);
	ck_assert_str_eq(cleanup_log, "cba");
	/* ... and only once */
	kr_arena_reset(a);
	ck_assert_str_eq(cleanup_log, "cba");
	/* handlers added after a reset run at delete, again in reverse */
	ck_assert_int_eq(kr_arena_cleanup_add(a, log_cleanup, (void *)&tags[0]), 0);
	ck_assert_int_eq(kr_arena_cleanup_add(a, log_cleanup, (void *)&tags[1]), 0);
	ck_assert_int_eq(kr_arena_cleanup_add(a, free_cleanup, malloc(32)), 0);
	kr_arena_delete(a);
	ck_assert_str_eq(cleanup_log, "cbaba");
}
END_TEST

/** Uses arena memory in its cleanup: the memory must still be valid then. */
static void check_memory_cleanup(void *data)
{
	ck_assert(check_fill(data, 256, 5));
	cleanup_log[0] = 'x';
	cleanup_log[1] = '\0';
}

START_TEST(test_arena_cleanup_memory)
{
	/* a handler may read arena memory (e.g. a cursor kept in the request pool) */
	struct kr_arena *a = kr_arena_new(0);
	void *p = kr_mm_alloc(kr_arena_mm(a), 256);
	fill(p, 256, 5);
	cleanup_log[0] = '\0';
	ck_assert_int_eq(kr_arena_cleanup_add(a, check_memory_cleanup, p), 0);
	kr_arena_reset(a);
	ck_assert_str_eq(cleanup_log, "x");
	p = kr_mm_alloc(kr_arena_mm(a), 256);
	fill(p, 256, 5);
	cleanup_log[0] = '\0';
	ck_assert_int_eq(kr_arena_cleanup_add(a, check_memory_cleanup, p), 0);
	kr_arena_delete(a);
	ck_assert_str_eq(cleanup_log, "x");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mm");
	unit_tcase(s, "kr_mm_alloc", NULL, test_mm_alloc);
	unit_tcase(s, "kr_mm_calloc", NULL, test_mm_calloc);
	unit_tcase(s, "kr_mm_realloc", NULL, test_mm_realloc);
	unit_tcase(s, "kr_mm_memdup", NULL, test_mm_memdup);
	unit_tcase(s, "kr_arena_alloc", NULL, test_arena_alloc, test_arena_big, test_arena_huge);
	unit_tcase(s, "kr_arena_reset", NULL, test_arena_reset);
	unit_tcase(s, "kr_arena_cleanup_add", NULL, test_arena_cleanup_add, test_arena_cleanup_memory);
	return unit_run(s);
}
