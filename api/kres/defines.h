/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Basic definitions shared by every public kresd header: export macro,
 * error codes and the memory-context type.
 *
 * Usage:
 *   void *p = kr_mm_alloc(req->pool, 64);   // NULL pool means malloc()
 *   if (ret < 0) kr_log_error(PLUGIN, "load failed: %s", kr_strerror(ret));
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>

/** Marks a symbol that is part of the installed API. */
#define KR_EXPORT __attribute__((visibility("default")))

#define kr_likely(x) __builtin_expect(!!(x), 1)
#define kr_unlikely(x) __builtin_expect(!!(x), 0)

/** kresd-specific error codes; they live below -1000, apart from -errno. */
enum kr_error {
	KR_EOK = 0,
	KR_EMALF = -1001,      /**< malformed wire data or text */
	KR_ESPACE = -1002,     /**< not enough room in the output buffer */
	KR_EABI = -1003,       /**< plugin built for another ABI */
	KR_ELIMIT = -1004,     /**< a resolution limit was reached */
	KR_ESECTION = -1005,   /**< section written out of order */
	KR_ETYPE = -1006,      /**< unknown or unsupported RR type */
	KR_ELOOP = -1007,      /**< loop detected (names, sub-queries) */
	KR_ENOPLUGIN = -1008,  /**< plugin file not found */
	KR_EPRECEDENCE = -1009,/**< precedence names a plugin that is not loaded */
};

/**
 * Describe an error code (a negative errno value or a kr_error).
 * @return static string, never NULL.
 */
KR_EXPORT const char *kr_strerror(int err);

/**
 * A memory context: allocator callbacks plus their state.
 * @note A NULL kr_mm_t pointer wherever one is accepted means malloc()/free().
 */
typedef struct kr_mm {
	void *ctx;                                  /**< allocator state */
	void *(*alloc)(void *ctx, size_t size);     /**< never NULL */
	void (*free)(void *ctx, void *ptr);         /**< may be NULL (arena: freeing is a no-op) */
} kr_mm_t;

/** Allocate from mm (NULL = malloc). @return NULL on exhaustion. */
KR_EXPORT void *kr_mm_alloc(kr_mm_t *mm, size_t size);
/** Allocate zeroed memory from mm (NULL = calloc). */
KR_EXPORT void *kr_mm_calloc(kr_mm_t *mm, size_t size);
/** Release memory from mm; a no-op for arenas and for NULL ptr. */
KR_EXPORT void kr_mm_free(kr_mm_t *mm, void *ptr);
/**
 * Grow a block: allocate new_size, copy old_size bytes, release the old block.
 * @return the new block or NULL (the old block is then untouched).
 */
KR_EXPORT void *kr_mm_realloc(kr_mm_t *mm, void *ptr, size_t new_size, size_t old_size);
/** Duplicate len bytes into mm. @return the copy or NULL. */
KR_EXPORT void *kr_mm_memdup(kr_mm_t *mm, const void *src, size_t len);

/** Opaque arena: bump allocation, freed as a whole, with cleanup handlers. */
struct kr_arena;

/**
 * Create an arena. @param chunk preferred chunk size (0 = default 32 KiB).
 * @return the arena or NULL; @note owned by the caller, release with kr_arena_delete().
 */
KR_EXPORT struct kr_arena *kr_arena_new(size_t chunk);
/** Run cleanup handlers (last added first) and release every block of the arena. */
KR_EXPORT void kr_arena_delete(struct kr_arena *arena);
/** Run cleanup handlers and forget all allocations; memory chunks are kept for reuse (up to 512 KiB). */
KR_EXPORT void kr_arena_reset(struct kr_arena *arena);
/** The arena's memory context. @note owned by the arena, valid until it is deleted. */
KR_EXPORT kr_mm_t *kr_arena_mm(struct kr_arena *arena);
/**
 * Register cb(data) to run when the arena is reset or deleted
 * (closing file descriptors, cursors, TLS contexts tied to a request).
 * @return 0 or -ENOMEM (then cb will never run).
 */
KR_EXPORT int kr_arena_cleanup_add(struct kr_arena *arena, void (*cb)(void *data), void *data);
/** Bytes handed out since creation or the last reset (for statistics). */
KR_EXPORT size_t kr_arena_used(const struct kr_arena *arena);
