/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Memory contexts and the per-request arena. */
#include <stdlib.h>
#include <string.h>
#include <kres/defines.h>

#define ARENA_DEFAULT_CHUNK (32 * 1024)
#define ARENA_ALIGN 16
/* Chunks kept for reuse across resets, so that a request served by a reused
 * arena allocates nothing from the system. */
#define ARENA_SPARE_MAX (512 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;     /* usable bytes in data */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*cb)(void *data);
	void *data;
};

struct kr_arena {
	kr_mm_t mm;
	struct arena_chunk *chunks;     /* in use, the one being filled first */
	struct arena_chunk *spare;      /* kept by kr_arena_reset() for reuse */
	struct arena_cleanup *cleanups; /* newest first */
	size_t chunk_size;
	size_t used_total;
};

void *kr_mm_alloc(kr_mm_t *mm, size_t size)
{
	return mm ? mm->alloc(mm->ctx, size) : malloc(size);
}

void *kr_mm_calloc(kr_mm_t *mm, size_t size)
{
	if (!mm)
		return calloc(1, size);
	void *p = mm->alloc(mm->ctx, size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kr_mm_free(kr_mm_t *mm, void *ptr)
{
	if (!mm)
		free(ptr);
	else if (mm->free)
		mm->free(mm->ctx, ptr);
}

void *kr_mm_realloc(kr_mm_t *mm, void *ptr, size_t new_size, size_t old_size)
{
	if (!mm)
		return realloc(ptr, new_size);
	void *p = mm->alloc(mm->ctx, new_size);
	if (!p)
		return NULL;
	if (ptr) {
		memcpy(p, ptr, old_size < new_size ? old_size : new_size);
		kr_mm_free(mm, ptr);
	}
	return p;
}

void *kr_mm_memdup(kr_mm_t *mm, const void *src, size_t len)
{
	void *p = kr_mm_alloc(mm, len ? len : 1);
	if (p && len)
		memcpy(p, src, len);
	return p;
}

/** A chunk with at least size bytes: a spare one if it fits, else a new one. */
static struct arena_chunk *chunk_get(struct kr_arena *a, size_t size)
{
	for (struct arena_chunk **pc = &a->spare; *pc; pc = &(*pc)->next) {
		if ((*pc)->size >= size) {
			struct arena_chunk *c = *pc;
			*pc = c->next;
			c->used = 0;
			return c;
		}
	}
	size_t csize = size > a->chunk_size ? size : a->chunk_size;
	struct arena_chunk *c = malloc(sizeof(*c) + csize);
	if (!c)
		return NULL;
	c->size = csize;
	c->used = 0;
	return c;
}

static void *arena_alloc(void *ctx, size_t size)
{
	struct kr_arena *a = ctx;
	/* Neither the rounding below nor the chunk header may wrap around. */
	if (size > SIZE_MAX - ARENA_ALIGN - sizeof(struct arena_chunk))
		return NULL;
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	struct arena_chunk *c = a->chunks;
	if (!c || c->size - c->used < size) {
		struct arena_chunk *n = chunk_get(a, size);
		if (!n)
			return NULL;
		/* A chunk taken for one big block goes behind the current one, whose
		 * free space stays in use. */
		if (c && n->size - size < c->size - c->used) {
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			a->chunks = n;
		}
		c = n;
	}
	void *p = c->data + c->used;
	c->used += size;
	a->used_total += size;
	return p;
}

struct kr_arena *kr_arena_new(size_t chunk)
{
	struct kr_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->chunk_size = chunk ? chunk : ARENA_DEFAULT_CHUNK;
	a->mm.ctx = a;
	a->mm.alloc = arena_alloc;
	a->mm.free = NULL;
	return a;
}

static void run_cleanups(struct kr_arena *a)
{
	while (a->cleanups) {
		struct arena_cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->cb(c->data);
		free(c);
	}
}

void kr_arena_reset(struct kr_arena *a)
{
	if (!a)
		return;
	run_cleanups(a);
	size_t kept = 0;
	for (struct arena_chunk *c = a->spare; c; c = c->next)
		kept += c->size;
	while (a->chunks) {
		struct arena_chunk *c = a->chunks;
		a->chunks = c->next;
		if (kept + c->size <= ARENA_SPARE_MAX) {
			kept += c->size;
			c->next = a->spare;
			a->spare = c;
		} else {
			free(c);
		}
	}
	a->used_total = 0;
}

void kr_arena_delete(struct kr_arena *a)
{
	if (!a)
		return;
	run_cleanups(a);
	struct arena_chunk *lists[2] = { a->chunks, a->spare };
	for (int i = 0; i < 2; ++i) {
		while (lists[i]) {
			struct arena_chunk *next = lists[i]->next;
			free(lists[i]);
			lists[i] = next;
		}
	}
	free(a);
}

kr_mm_t *kr_arena_mm(struct kr_arena *a)
{
	return &a->mm;
}

int kr_arena_cleanup_add(struct kr_arena *a, void (*cb)(void *data), void *data)
{
	struct arena_cleanup *c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cb = cb;
	c->data = data;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

size_t kr_arena_used(const struct kr_arena *a)
{
	return a->used_total;
}
