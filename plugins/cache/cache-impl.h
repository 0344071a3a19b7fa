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
	CACHE_KIND_AGGR = 3,      /**< validated proof material for RFC 8198 (aggr.c): in the
	                               NSEC/NSEC3 namespaces; at a zone's name, type 0: the zone's
	                               kind of denial (an NSEC or NSEC3 record), type SOA: its SOA */
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
/** The type of a key made by cache_key_make() (0 when it is too short). */
uint16_t cache_key_type(const uint8_t *key, size_t len);

/* --- the NSEC and NSEC3 namespaces (key.c) ---
 * NSEC:  'N' + cache_key_name(zone) + 0x00 + the owner's labels below the zone
 *        (encoded as in cache_key_name): canonical order within the zone.
 * NSEC3: 'H' + cache_key_name(zone) + 0x00 + algorithm, iterations (2 bytes),
 *        salt length, salt + the hash in lower-case base32hex (the owner's first
 *        label; its text order is the hash order): hash order per parameter set.
 * Upper-case letters never start an ordinary key (names are lower-cased and
 * the root's keys start with 0x00), so the namespaces stay apart. */
#define CACHE_TAG_NSEC 'N'
#define CACHE_TAG_NSEC3 'H'
#define CACHE_NSEC3_LABEL 32   /**< a SHA-1 hash in base32hex */

/** Is key in the NSEC or NSEC3 namespace? */
static inline bool cache_key_aggr(const uint8_t *key, size_t klen)
{
	return klen && (key[0] == CACHE_TAG_NSEC || key[0] == CACHE_TAG_NSEC3);
}
/** The prefix of zone's namespace (tag + zone + 0x00). @return its length. */
int cache_key_aggr_zone(uint8_t *dst, uint8_t tag, const uint8_t *zone);
/** The key of the NSEC of owner in zone. @return its length, or -EINVAL (owner not in zone). */
int cache_key_nsec(uint8_t *dst, const uint8_t *zone, const uint8_t *owner);
/**
 * The key of an NSEC3 hash in zone, with the parameters of an NSEC3 RDATA.
 * @param hash  CACHE_NSEC3_LABEL bytes of base32hex (either case)
 * @param plen  out (may be NULL): the length of the prefix shared by the parameter set
 * @return its length, -EINVAL (malformed RDATA or hash) or -ENOSPC (salt too long for a key).
 */
int cache_key_nsec3(uint8_t *dst, const uint8_t *zone, const uint8_t *nsec3, size_t len,
		    const uint8_t *hash, int *plen);
/** A 20-byte hash in lower-case base32hex (CACHE_NSEC3_LABEL bytes, RFC 4648 7). */
void cache_base32hex(const uint8_t hash[20], uint8_t *out);

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
/** Change the expiry (and the TTL at insertion, expire - now) in an encoded entry. */
void cache_entry_set_expire(uint8_t *val, uint32_t expire, uint32_t now);
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
		 recover, recreate, error, probe, skip, aggressive;
};

struct cache_db;
struct cache;

/* --- the in-memory front (front.c) --- */

#define CACHE_FRONT_DEFAULT (4u << 20)  /**< bytes of slots per process until set */
#define CACHE_FRONT_SLOT 512            /**< bytes per slot: key + entry up to about 480 */
#define CACHE_FRONT_WAYS 4              /**< slots a key may take (set associative) */
#define CACHE_FRONT_ABSENT_TTL 5        /**< seconds a key found absent is not looked up again */

/**
 * Per-process copies of hot entries by key, in preallocated fixed slots;
 * invalidated across processes by a shared generation (cache.gen).
 */
struct cache_front {
	uint8_t *slots;          /**< nslots * CACHE_FRONT_SLOT bytes, allocated at the first insert */
	uint32_t nslots;         /**< a power of two >= CACHE_FRONT_WAYS, or 0: no front */
	uint32_t epoch;          /**< slots of another epoch are empty */
	uint64_t *gen;           /**< the shared generation (mapped), or NULL: front off */
	uint64_t gen_seen;       /**< the generation the slots belong to */
	dev_t gen_dev;           /**< identity of the mapped cache.gen */
	ino_t gen_ino;
	size_t size;             /**< configured bytes */
	uint64_t hit, miss, insert, replace, flush;
};

/** Size the front (empties it; bytes 0: off). @return 0. */
int cache_front_init(struct cache_front *f, size_t bytes);
/** Release the slots and the mapping. */
void cache_front_deinit(struct cache_front *f);
/**
 * Map dir/cache.gen (created if missing) as the shared generation; a no-op
 * when that file is mapped already. @return 0 or -errno (the front stays off).
 */
int cache_front_attach(struct cache_front *f, const char *dir);
/** Unmap the generation (the front is off until attached again). */
void cache_front_detach(struct cache_front *f);
/** Empty this process's front. */
void cache_front_flush(struct cache_front *f);
/** Read the shared generation; empty the front when it moved. Once per look-up. */
void cache_front_sync(struct cache_front *f);
/** Bump the shared generation (after deleting from the storage) and empty this front. */
void cache_front_bump(struct cache_front *f);
/** Is the front on (sized and attached)? */
bool cache_front_usable(const struct cache_front *f);
/**
 * A copy of the entry at key if the front holds it unexpired at now.
 * @param val out: allocated from mm (8-aligned)
 * @return 0, -ENOENT (not known), -ENODATA (the storage had no such key
 *         within the last CACHE_FRONT_ABSENT_TTL seconds), -ENOMEM.
 */
int cache_front_get(struct cache_front *f, const uint8_t *key, size_t klen, uint32_t now,
		    kr_mm_t *mm, uint8_t **val, size_t *len);
/**
 * Keep a copy of the entry (as stored in the database) at key. Expired or
 * bogus entries are not kept (and drop an older copy of the key); entries
 * too big for a slot are not kept.
 */
void cache_front_put(struct cache_front *f, const uint8_t *key, size_t klen, const uint8_t *val,
		     size_t vlen, uint32_t now);
/** Note that the storage has no entry at key (for CACHE_FRONT_ABSENT_TTL seconds). */
void cache_front_put_absent(struct cache_front *f, const uint8_t *key, size_t klen, uint32_t now);
/** Forget key. */
void cache_front_drop(struct cache_front *f, const uint8_t *key, size_t klen);
/**
 * Does the front hold this entry already (the same rank and RR sets, fresh
 * for at least half of the new TTL)? Then storing it again is skipped.
 */
bool cache_front_holds(struct cache_front *f, const uint8_t *key, size_t klen, const uint8_t *val,
		       size_t vlen, uint32_t now);

/* --- per-request memory (layer.c, service.c) --- */

#define CACHE_MEMO_NAMES 8

/** What one request learnt about the storage: names with or without any entry. */
struct cache_memo {
	uint8_t name[CACHE_MEMO_NAMES][CACHE_KEY_MAX];  /**< key prefixes (cache_key_name + 0x00) */
	uint16_t len[CACHE_MEMO_NAMES];
	bool present[CACHE_MEMO_NAMES];  /**< the name had entries when probed */
	unsigned count;       /**< names noted (slots reused round robin beyond) */
};

/** Per-request data of the cache (kr_request_data()); @note from the request pool. */
struct cache_reqdata {
	struct cache_memo memo;
	void *pending;        /**< writes collected by the layer (layer.c) */
	struct cache_set *proofs;   /**< NSEC/NSEC3 of a wildcard CNAME synthesized for the
	                                 client's chain, for the answer's authority section */
	unsigned nproofs;
};

/** The request's cache data, created on first use. @return it, or NULL (no plugin, no memory). */
struct cache_reqdata *cache_reqdata(struct cache *c, struct kr_request *req);
/** Did the request probe prefix? @return 1 present, 0 absent, -1 not known. */
int cache_memo_get(const struct cache_memo *m, const uint8_t *prefix, size_t plen);
/** Note what a probe of prefix found. */
void cache_memo_set(struct cache_memo *m, const uint8_t *prefix, size_t plen, bool present);
/** Forget prefix (the request stored something under it). */
void cache_memo_forget(struct cache_memo *m, const uint8_t *prefix, size_t plen);

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
	struct cache_front front;    /**< hot entries of this process */
	bool aggressive;             /**< RFC 8198 on (cache.aggressive(), default true) */
	const struct kr_plugin *plugin; /**< for per-request data (NULL in some unit tests) */
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
	uint8_t *val;       /**< writable: cache_put() may lower the expiry of an NS set */
	size_t vlen;
	struct cache_entry_hdr hdr;
};

/**
 * Store entries in one transaction; each is skipped when fresh data of a
 * higher rank holds its key (rank rule). An NS set replacing a fresh one of
 * the same standing keeps the old expiry (w's val and hdr are changed), so a
 * child that keeps answering cannot outlive its delegation (ghost domain
 * names, CVE-2012-1033): only the parent's referral renews it once it expired,
 * or data of a higher rank. Evicts when over the size bound.
 * An entry this process's front holds unchanged (cache_front_holds()) is
 * not written again and counts as stored.
 * @return number stored, or -EIO/-ENOMEM.
 */
int cache_put(struct cache *c, struct cache_write *w, unsigned count, uint32_t now);

/**
 * Add w, ranked by its writer, to the writes req stores when it finishes (in
 * the same transaction as the layer's), replacing the layer's own write of
 * the same key. Only while the layer has writes of req still to store.
 * @return 0, -ENOENT (no such batch), -ENOSPC (batch full).
 */
int cache_defer_write(struct cache *c, struct kr_request *req, const struct cache_write *w);

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
/**
 * Has the storage any key starting with prefix (one range look-up), and is
 * the first of them key?
 * @param val  out when 2 is returned: the entry at key (allocated from mm)
 * @return 2 (key found), 1 (other keys with prefix), 0 (none), -EIO, -ENOMEM.
 */
int cache_probe(struct cache *c, const uint8_t *prefix, size_t plen, const uint8_t *key,
		size_t klen, kr_mm_t *mm, uint8_t **val, size_t *len);
/**
 * The entry with the greatest key <= key among those starting with prefix;
 * when there is none, the greatest of them (wrap-around: the last NSEC3 of a
 * zone covers hashes below the first).
 * @param found  out, CACHE_KEY_MAX bytes: its key (*flen bytes)
 * @param val    out: the entry (allocated from mm)
 * @return 1 (key itself), 2 (another key), 0 (no key with prefix), -EIO, -ENOMEM.
 */
int cache_floor(struct cache *c, const uint8_t *prefix, size_t plen, const uint8_t *key, size_t klen,
		kr_mm_t *mm, uint8_t *found, size_t *flen, uint8_t **val, size_t *len);
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

/** An RR set of a reply with its RRSIGs. */
struct cache_group {
	kr_rrset_t rr;
	kr_rrset_t sigs;
	uint8_t section;
};

/** What a request will store at finish. */
struct cache_pending {
	struct cache_write w[CACHE_BATCH_MAX];
	struct kr_query *qry[CACHE_BATCH_MAX];
	bool secure_only[CACHE_BATCH_MAX];   /**< stored (SECURE) only when validate proved qry secure */
	const kr_rrset_t *dname[CACHE_BATCH_MAX];   /**< a CNAME's DNAME (synthesized from it), or NULL */
	uint32_t reply[CACHE_BATCH_MAX];   /**< which reply of the request it came from (cache_reqdata.replies) */
	unsigned count;
	uint32_t replies;   /**< number of the reply being consumed (counted from the first write) */
	bool stored;   /**< finished: later writes go to the storage at once */
};

/** Move pending write `from` to slot `to` (compacting), every field of it. */
static inline void cache_pending_move(struct cache_pending *p, unsigned to, unsigned from)
{
	p->w[to] = p->w[from];
	p->qry[to] = p->qry[from];
	p->dname[to] = p->dname[from];
	p->reply[to] = p->reply[from];
	p->secure_only[to] = p->secure_only[from];
}

/** Keep the write just built at p->w[p->count] for qry. */
static inline void cache_pending_keep(struct cache_pending *p, struct kr_query *qry, bool secure_only)
{
	p->qry[p->count] = qry;
	p->dname[p->count] = NULL;
	p->reply[p->count] = p->replies;
	p->secure_only[p->count++] = secure_only;
}

enum kr_layer_state cache_produce(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
enum kr_layer_state cache_consume(struct cache *c, struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
enum kr_layer_state cache_finish(struct cache *c, struct kr_layer_ctx *ctx);
/** Add the proofs of a wildcard CNAME synthesized for the client's chain to the answer (DO). */
enum kr_layer_state cache_finalize(struct cache *c, struct kr_layer_ctx *ctx);

/** Where cache_peek() looks. */
enum cache_peek_where {
	CACHE_PEEK_FRONT = 1 << 0,   /**< the in-memory front */
	CACHE_PEEK_STORE = 1 << 1,   /**< the storage (what it finds goes to the front) */
	CACHE_PEEK_ALL = CACHE_PEEK_FRONT | CACHE_PEEK_STORE,
	CACHE_PEEK_PROBE = 1 << 2,   /**< on a miss, probe the name for the memo (needs memo) */
};

/**
 * Read a fresh, not bogus entry of (name, type, kind) whose base rank is at
 * least min_base into sets. (The layer answers clients only from answer-rank
 * data and negative entries; glue and referral data serve iteration.)
 * A front copy that does not qualify (too low a rank) sends the look-up on to
 * the storage. With memo, a name the request found to have no entry at all is
 * not looked up again, and with CACHE_PEEK_PROBE the first miss of a name
 * probes it. A miss in the storage leaves an absence marker in the front.
 * @param memo  the request's memo, or NULL
 * @param hdr   out (may be NULL)
 * @return number of sets (RDATA from mm), -ENOENT, -EIO, -ENOMEM.
 */
int cache_peek(struct cache *c, struct cache_memo *memo, kr_mm_t *mm, const uint8_t *name,
	       uint16_t type, uint8_t kind, uint8_t min_base, uint32_t now, unsigned where,
	       struct cache_set *sets, unsigned max, struct cache_entry_hdr *hdr);
/**
 * Read the RR set entry of (name, type) from the storage even when it expired
 * up to max_stale seconds before now (RFC 8767 serve-stale); bogus entries
 * never. The in-memory front is not consulted (it keeps fresh copies only).
 * Sets of an expired entry get TTL 0; a fresh entry its remaining TTL.
 * @param hdr      out (may be NULL)
 * @param expired  out (may be NULL): seconds since the entry expired, 0 if fresh
 * @return number of sets (RDATA from mm), -ENOENT, -EIO, -ENOMEM.
 */
int cache_peek_stale(struct cache *c, kr_mm_t *mm, const uint8_t *name, uint16_t type,
		     uint32_t now, uint32_t max_stale, struct cache_set *sets, unsigned max,
		     struct cache_entry_hdr *hdr, uint32_t *expired);
/**
 * Build the write of an RR set (plus RRSIGs, may be NULL) at rank.
 * @return 0 or -ENOMEM/-EINVAL.
 */
int cache_write_rrset(struct cache *c, struct cache_write *w, const kr_rrset_t *rr,
		      const kr_rrset_t *rrsigs, uint8_t rank, uint32_t now, kr_mm_t *mm);

/** SOA minimum field (RFC 2308): the last 4 bytes of the RDATA; 0 when too short. */
uint32_t cache_soa_minimum(const kr_rrset_t *soa);

/**
 * Remember the validated proof material of a reply for RFC 8198 (aggr_store.c):
 * the NSEC/NSEC3 of the authority section in their namespaces, the zone's
 * kind of denial and (negative answers) its SOA; answer RR sets expanded from
 * a wildcard also at the wildcard's name. All marked secure_only.
 * @param negative  NXDOMAIN or NODATA (its SOA caps the TTLs, RFC 9077)
 */
void cache_aggr_remember(struct cache *c, struct cache_pending *p, struct kr_query *qry,
			 const struct cache_group *g, int n, bool negative, uint32_t now, kr_mm_t *mm);

/** What cache_aggr_find() synthesized. */
enum cache_aggr_result {
	CACHE_AGGR_NONE = 0,   /**< nothing: ask upstream */
	CACHE_AGGR_NXDOMAIN,   /**< sets: SOA and proofs (authority) */
	CACHE_AGGR_NODATA,     /**< sets: SOA and proofs (authority) */
	CACHE_AGGR_ANSWER,     /**< sets: the expanded RR set (answer) and proofs (authority) */
	CACHE_AGGR_CNAME,      /**< as ANSWER, the RR set a CNAME to follow */
};

/**
 * RFC 8198: answer qry from validated NSEC/NSEC3 records cached for the
 * closest cached zone cut, whose DNSKEY is cached SECURE. Used when the
 * ordinary look-ups missed; costs nothing more unless the zone has such data.
 * @param sets  out; TTLs are the least remaining one of the data used
 * @return the result; *n the number of sets (RDATA from the request's pool).
 */
enum cache_aggr_result cache_aggr_find(struct cache *c, struct kr_request *req,
				       const struct kr_query *qry, struct cache_memo *memo,
				       uint32_t now, struct cache_set *sets, unsigned max, int *n);

/** What cache_dname_find() synthesized. */
enum cache_dname_result {
	CACHE_DNAME_NONE = 0,  /**< nothing: go on (aggressive use, upstream) */
	CACHE_DNAME_CNAME,     /**< sets: the DNAME (RRSIGs) and the synthesized CNAME, last */
	CACHE_DNAME_YXDOMAIN,  /**< sets: the DNAME (RRSIGs); the substitution is too long */
};

/**
 * RFC 6672 3.4 (dname.c): answer qry by substitution from a DNAME cached at
 * an ancestor of its name, up to the closest cached zone cut. Used when the
 * ordinary look-ups missed; the names walked are those the zone-cut look-up
 * probes anyway (memo). A query to be validated takes only a DNAME stored
 * SECURE or INSECURE; bogus data is never used.
 * @param sets  out; the CNAME has the DNAME's remaining TTL, owner qry->sname
 * @param rank  out: the DNAME entry's rank (the CNAME's)
 * @return the result; *n the number of sets (RDATA from the request's pool).
 */
enum cache_dname_result cache_dname_find(struct cache *c, struct kr_request *req, const struct kr_query *qry,
					 struct cache_memo *memo, uint32_t now, struct cache_set *sets,
					 unsigned max, int *n, uint8_t *rank);

/** Delete the NSEC/NSEC3 namespaces that could deny a name at or below name. @return 0 or <0. */
int cache_aggr_clear(struct cache *c, const uint8_t *name);

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
char *cache_prop_front(struct cache *c, const char *args);
char *cache_prop_aggressive(struct cache *c, const char *args);
char *cache_prop_min_ttl(struct cache *c, const char *args);
char *cache_prop_prune(struct cache *c, const char *args);
char *cache_prop_get(struct cache *c, const char *args);
char *cache_prop_clear(struct cache *c, const char *args);
