/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the cache plugin: keys, stored entries, the Berkeley DB
 * storage, the layer, the props and the cache provider service, shared by the
 * plugin's files and its unit tests.
 *
 * Usage:
 *   struct cache *c = cache_new();
 *   cache_open(c, 10 << 20, "/tmp/dir");          // or lazily on first use
 *   char *out = cache_prop_count(c, NULL);        // "0"
 *   free(out);
 *   cache_free(c);
 */
#pragma once

#include <sys/types.h>
#include <time.h>
#include <kres/kres.h>
#include <kres/cache.h>

#define CACHE_DEFAULT_SIZE (100u << 20)          /**< cache.size until set */
#define CACHE_MIN_SIZE (1u << 20)                /**< smaller sizes are raised to this */
#define CACHE_DEFAULT_MAX_TTL (6 * 24 * 3600)    /**< cache.max_ttl default: 6 days */
#define CACHE_DEFAULT_MIN_TTL 0
#define CACHE_DEFAULT_URI "bdb://."
#define CACHE_DEFAULT_PRUNE 65536
#define CACHE_ERRLEN 512
#define CACHE_KEY_MAX 530       /**< longest key: every name byte escaped, separators, type, kind */
#define CACHE_BATCH_MAX 128     /**< RR sets stored per request */

/* --- keys (key.c) ---
 * key = for each label from the root: escaped lower-cased label, 0x00;
 *       then 0x00, type (big endian), kind.
 * Escaping (0x00 -> 0x01 0x01, 0x01 -> 0x01 0x02) keeps 0x00 a pure label end,
 * so every key of a name and of all names below it starts with the name's
 * encoding: one contiguous B-tree range, the name's own keys first. */

/** What an entry holds (the last byte of its key). */
enum cache_kind {
	CACHE_KIND_RR = 0,        /**< an RR set of the key's type (with its RRSIGs) */
	CACHE_KIND_NODATA = 1,    /**< the name has no data of the key's type: SOA + proofs */
	CACHE_KIND_NXDOMAIN = 2,  /**< the name does not exist (key type 0): SOA + proofs */
};

/**
 * Encode name (reversed labels) into dst, at least CACHE_KEY_MAX bytes.
 * @return bytes written: the prefix shared by name's keys and its subtree's.
 */
int cache_key_name(uint8_t *dst, const uint8_t *name);
/** The whole key of (name, type, kind). @return its length. */
int cache_key_make(uint8_t *dst, const uint8_t *name, uint16_t type, uint8_t kind);
/**
 * Decode a key.
 * @param name  out, KR_DNAME_MAXLEN bytes (lower-case wire name)
 * @return 0 or KR_EMALF.
 */
int cache_key_parse(const uint8_t *key, size_t len, uint8_t *name, uint16_t *type, uint8_t *kind);

/* --- entries (entry.c) --- */

/** One RR set held by an entry (decoded view). */
struct cache_set {
	kr_rrset_t rr;      /**< RDATA points into the entry's buffer */
	uint8_t section;    /**< enum kr_section the set is served in */
};

/** Header of a stored entry (host byte order: the cache is local). */
struct cache_entry_hdr {
	uint32_t expire;    /**< wall clock (seconds) when the entry expires */
	uint32_t ttl;       /**< TTL at insertion, after min/max clamping */
	uint8_t rank;       /**< enum kr_cache_rank */
	uint8_t kind;       /**< enum cache_kind */
	uint8_t rcode;      /**< of a negative entry */
	uint8_t nsets;      /**< RR sets that follow */
};

/** Clamp a TTL by min and max (max wins when min > max). */
uint32_t cache_ttl_clamp(uint32_t ttl, uint32_t min_ttl, uint32_t max_ttl);
/** Remaining TTL at now of an entry; 0 when expired. */
uint32_t cache_ttl_remaining(const struct cache_entry_hdr *h, uint32_t now);
/**
 * Serialize sets into one entry (RR sets of the given sections).
 * @return the entry (allocated from mm) and its length in *len, or NULL.
 */
uint8_t *cache_entry_encode(const struct cache_entry_hdr *h, const struct cache_set *sets,
			    unsigned nsets, kr_mm_t *mm, size_t *len);
/** Change the rank in an encoded entry. */
void cache_entry_set_rank(uint8_t *val, uint8_t rank);
/**
 * Read an entry's header. @return 0 or KR_EMALF (too short).
 */
int cache_entry_header(const uint8_t *val, size_t len, struct cache_entry_hdr *h);
/**
 * Decode an entry's sets without copying RDATA: they point into val, which
 * must be 2-byte aligned and outlive them. Each set's TTL is set to ttl.
 * @param sets  out, room for max sets
 * @return number of sets decoded, or KR_EMALF.
 */
int cache_entry_decode(const uint8_t *val, size_t len, uint32_t ttl, struct cache_set *sets,
		       unsigned max);

/* --- storage (bdb.c) --- */

/** Counters shown by cache.stats(). */
struct cache_stats {
	uint64_t hit, miss, insert, delete, evict, prune, read, write, commit, abort, conflict,
		 recover, recreate, error;
};

struct cache_db;

/** The plugin instance. */
struct cache {
	struct cache_db *db;         /**< the open storage, or NULL; @note owned here */
	pid_t db_pid;                /**< process that opened db (handles never cross fork) */
	size_t max_size;             /**< cache.current_size */
	bool size_set;               /**< set explicitly (then it only grows) */
	char uri[1024];              /**< cache.current_storage */
	char path[1024];             /**< directory of the environment */
	uint32_t min_ttl, max_ttl;
	struct cache_stats stats;
	struct kr_cache_api api;     /**< the service offered */
	bool service;                /**< api registered */
};

/** A new instance, not opened. @return it or NULL. */
struct cache *cache_new(void);
/** Close and release (NULL is fine). Withdraws the service. */
void cache_free(struct cache *c);
/** Offer KR_SERVICE_CACHE. @return 0, -EEXIST, -ENOMEM. */
int cache_service_start(struct cache *c);
/** Withdraw the service offered for c. */
void cache_service_stop(struct cache *c);
/**
 * Parse a storage URI: "bdb://PATH", "lmdb://PATH" (a notice; same backend)
 * or a bare path. @param path out, maxlen bytes. @return 0 or -EINVAL.
 */
int cache_uri_parse(const char *uri, char *path, size_t maxlen, bool *legacy);
/**
 * (Re)open the storage with max_size bytes at uri (NULL: keep the current one).
 * A storage that fails to open or check is removed and created again.
 * @return 0, -EINVAL (bad URI), -errno or -EIO.
 */
int cache_open(struct cache *c, size_t max_size, const char *uri);
/** Close the storage (data stays on disk). */
void cache_close(struct cache *c);
/** End this process's wedge watchdog thread (before the plugin is unloaded); the next open starts it again. */
void cache_guard_stop(void);
/**
 * The storage for this process, opened (again after fork) when needed.
 * @return it or NULL (cannot open; logged).
 */
struct cache_db *cache_db(struct cache *c);

/** Wall clock now, read afresh. */
uint32_t cache_now(void);

/**
 * Look up one entry. @param val out: the entry (allocated from mm, 8-aligned)
 * @return 0, -ENOENT, -EIO, -ENOMEM.
 */
int cache_get(struct cache *c, const uint8_t *key, size_t klen, kr_mm_t *mm,
	      uint8_t **val, size_t *len);

/** One pending write: an entry and its key. */
struct cache_write {
	uint8_t key[CACHE_KEY_MAX];
	uint16_t klen;
	const uint8_t *val;
	size_t vlen;
	struct cache_entry_hdr hdr;
};

/**
 * Store entries in one transaction; each is skipped when fresh data of a
 * higher rank holds its key (rank rule). Evicts when over the size bound.
 * @return number stored, or -EIO/-ENOMEM.
 */
int cache_put(struct cache *c, const struct cache_write *w, unsigned count, uint32_t now);

/** A callback for scans: key and entry; return nonzero to stop. */
typedef int (*cache_scan_cb)(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
			     void *arg);
/** Call cb for every entry whose key starts with prefix (plen 0: all). @return 0 or -EIO. */
int cache_scan(struct cache *c, const uint8_t *prefix, size_t plen, cache_scan_cb cb, void *arg);
/**
 * Delete entries whose key starts with prefix and for which keep (may be NULL)
 * returns false. @return number deleted, or -EIO.
 */
int cache_delete_range(struct cache *c, const uint8_t *prefix, size_t plen,
		       bool (*keep)(const uint8_t *key, size_t klen, void *arg), void *arg);
/** Number of entries, or -EIO. */
int64_t cache_count(struct cache *c);
/** Delete up to max expired entries. @return number deleted or -EIO. */
int cache_prune(struct cache *c, unsigned max, uint32_t now);
/** Approximate bytes held (the eviction budget's measure). */
int64_t cache_usage(struct cache *c);
/** Bytes of data the storage keeps at most (eviction starts above). */
uint64_t cache_budget(const struct cache *c);
/**
 * Evict soonest-to-expire entries until usage is at most target.
 * @return number evicted or -EIO.
 */
int cache_evict(struct cache *c, uint64_t target);

/* --- layer (layer.c) --- */
enum kr_layer_state cache_produce(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
enum kr_layer_state cache_consume(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
enum kr_layer_state cache_finish(struct cache *c, struct kr_layer_ctx *ctx);

/**
 * Read a fresh, not bogus entry of (name, type, kind) whose base rank is at
 * least min_base into sets. (The layer answers clients only from answer-rank
 * data and negative entries; glue and referral data serve iteration.)
 * @param hdr out (may be NULL)
 * @return number of sets (RDATA from mm), -ENOENT, -EIO, -ENOMEM.
 */
int cache_peek(struct cache *c, kr_mm_t *mm, const uint8_t *name, uint16_t type, uint8_t kind,
	       uint8_t min_base, uint32_t now, struct cache_set *sets, unsigned max,
	       struct cache_entry_hdr *hdr);
/**
 * Build the write of an RR set (plus RRSIGs, may be NULL) at rank.
 * @return 0 or -ENOMEM/-EINVAL.
 */
int cache_write_rrset(struct cache *c, struct cache_write *w, const kr_rrset_t *rr,
		      const kr_rrset_t *rrsigs, uint8_t rank, uint32_t now, kr_mm_t *mm);

/* --- props: JSON text in (NULL = no argument), malloc()ed JSON text out --- */
char *cache_prop_open(struct cache *c, const char *args);
char *cache_prop_close(struct cache *c, const char *args);
char *cache_prop_count(struct cache *c, const char *args);
char *cache_prop_stats(struct cache *c, const char *args);
char *cache_prop_backends(struct cache *c, const char *args);
char *cache_prop_current_size(struct cache *c, const char *args);
char *cache_prop_current_storage(struct cache *c, const char *args);
char *cache_prop_storage(struct cache *c, const char *args);
char *cache_prop_max_ttl(struct cache *c, const char *args);
char *cache_prop_min_ttl(struct cache *c, const char *args);
char *cache_prop_prune(struct cache *c, const char *args);
char *cache_prop_get(struct cache *c, const char *args);
char *cache_prop_clear(struct cache *c, const char *args);
