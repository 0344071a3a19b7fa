/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the hints plugin: the name table, hosts files, root hints,
 * the props and the layer, shared by the plugin's files and its unit tests.
 *
 * Usage:
 *   struct hints *h = hints_new();
 *   char *out = hints_prop_set(h, "\"router.lan 192.0.2.1\"");  // "true"
 *   free(out);
 *   hints_free(h);
 */
#pragma once

#include <kres/kres.h>

#define HINTS_DEFAULT_TTL 5
#define HINTS_DEFAULT_HOSTS "/etc/hosts"
#define HINTS_ERRLEN 512

/* --- addresses --- */

/** An IPv4 or IPv6 address in network byte order. */
struct hints_addr {
	int family;          /**< AF_INET or AF_INET6 */
	uint8_t bytes[16];   /**< 4 or 16 bytes used */
};

/** Parse the text of an address (no port, no scope). @return 0 or -EINVAL. */
int hints_addr_parse(const char *text, struct hints_addr *out);
/** Bytes used by the address (4 or 16). */
uint16_t hints_addr_len(const struct hints_addr *a);
/**
 * Reverse name of the address (in-addr.arpa or ip6.arpa) in wire form.
 * @param dst at least KR_DNAME_MAXLEN bytes
 * @return the wire length.
 */
int hints_addr_reverse(const struct hints_addr *a, uint8_t *dst);

/* --- the name table --- */

/** What a name in the table can hold; the answer for any other type is NODATA. */
enum hints_kind { HINTS_A, HINTS_AAAA, HINTS_PTR, HINTS_KINDS };

/** One RDATA item: 4 or 16 address bytes, or a lower-cased wire name for PTR. */
struct hints_item {
	uint16_t len;
	uint8_t data[];
};

/** RDATA items of one kind, without duplicates, in insertion order. */
struct hints_rdlist {
	struct hints_item **items;  /**< @note each item is malloc()ed and owned by the list */
	uint16_t count;
	uint16_t cap;
};

/** A slot of the table; name == NULL marks a free slot. */
struct hints_entry {
	uint8_t *name;       /**< lower-cased wire name; @note malloc()ed, owned by the table */
	uint32_t hash;
	struct hints_rdlist rd[HINTS_KINDS];
};

/** Open-addressing hash table (linear probing) keyed by lower-cased wire name. */
struct hints_table {
	struct hints_entry *slots;  /**< @note owned by the table */
	uint32_t cap;               /**< 0 or a power of two */
	uint32_t count;             /**< names held */
	uint64_t lengths[4];        /**< bit L: some name of wire length L was added (most misses stop here) */
};

/** Initialise an empty table. */
void hints_table_init(struct hints_table *t);
/** Release every name and item; the table is left empty and usable. */
void hints_table_clear(struct hints_table *t);
/**
 * Find name (any letter case). O(name length).
 * @return the entry or NULL. @note owned by the table, valid until it changes.
 */
const struct hints_entry *hints_table_find(const struct hints_table *t, const uint8_t *name);
/** Add one item (copied) unless present. @return 0 or -ENOMEM, -EINVAL. */
int hints_table_add(struct hints_table *t, const uint8_t *name, enum hints_kind kind,
		    const uint8_t *data, uint16_t len);
/**
 * Remove one item; a name left with no item leaves the table.
 * @return 0 or -ENOENT.
 */
int hints_table_del(struct hints_table *t, const uint8_t *name, enum hints_kind kind,
		    const uint8_t *data, uint16_t len);
/** Remove a name with all its items. @return 0 or -ENOENT. */
int hints_table_del_name(struct hints_table *t, const uint8_t *name);

/** Add name → addr and the PTR of addr's reverse name → name. @return 0 or -ENOMEM. */
int hints_pair_add(struct hints_table *t, const uint8_t *name, const struct hints_addr *addr);
/** Remove name → addr and its reverse PTR. @return 0 or -ENOENT (name lacks addr). */
int hints_pair_del(struct hints_table *t, const uint8_t *name, const struct hints_addr *addr);
/** Remove name, its addresses and their reverse PTRs to name. @return 0 or -ENOENT. */
int hints_name_del(struct hints_table *t, const uint8_t *name);
/** Put localhost. and its reverse names in the table. @return 0 or -ENOMEM. */
int hints_table_defaults(struct hints_table *t);

/**
 * Add every line of a hosts file ("address name [name...]", '#' comments).
 * Bad lines are logged as FILE:LINE and skipped; the good ones stay added.
 * @param added  out (may be NULL): pairs added
 * @param err    out: the first problem, for the caller to report
 * @return 0; -errno when the file cannot be read; KR_EMALF when some lines were bad.
 */
int hints_hosts_load(struct hints_table *t, const char *path, unsigned *added,
		     char *err, size_t errlen);

/* --- root hints --- */

/** One root server: its name and addresses. */
struct hints_root_ns {
	uint8_t *name;              /**< lower-cased wire name; @note malloc()ed */
	struct hints_addr *addrs;   /**< @note malloc()ed */
	uint16_t count;
};

/** The set of root servers, by name and as a flat address list for the service. */
struct hints_root {
	struct hints_root_ns *ns;   /**< @note owned by the set */
	uint32_t ns_count;
	union kr_sockaddr *sa;      /**< every address, port 53; @note owned by the set */
	uint32_t sa_count;
	uint64_t rng;               /**< state for shuffling in hints_root_get() */
};

/** Initialise an empty set. */
void hints_root_init(struct hints_root *r);
/** Release the set's contents; it is left empty and usable. */
void hints_root_clear(struct hints_root *r);
/** Add name → addr (duplicates ignored). @return 0 or -ENOMEM. */
int hints_root_add(struct hints_root *r, const uint8_t *name, const struct hints_addr *addr);
/** Fill an empty set with the compiled-in IANA root hints. @return 0 or -ENOMEM. */
int hints_root_defaults(struct hints_root *r);
/** Release dst's contents and move src's into it (src is left empty). */
void hints_root_move(struct hints_root *dst, struct hints_root *src);
/**
 * Read root hints from a zone file in named.root format (A and AAAA records
 * are taken, NS and other types ignored, ';' comments) into an empty set.
 * @return 0; -errno (unreadable), KR_EMALF (a bad line: err says FILE:LINE),
 *         -ENOENT (no address in the file).
 */
int hints_root_load_file(struct hints_root *r, const char *path, char *err, size_t errlen);
/** Write up to max addresses in a random order. @return the number written. */
int hints_root_get(struct hints_root *r, union kr_sockaddr *out, int max);

/* --- the plugin instance --- */

/** Everything the plugin holds. */
struct hints {
	struct hints_table table;
	struct hints_root root;
	uint32_t ttl;   /**< TTL of answers */
};

/** A new instance: localhost names, IANA root hints, default TTL. @return it or NULL. */
struct hints *hints_new(void);
/** Release an instance (NULL is fine). */
void hints_free(struct hints *h);
/** Offer KR_SERVICE_ROOT_HINTS backed by h. @return 0, -EEXIST or -ENOMEM. */
int hints_service_start(struct hints *h);
/** Withdraw the service offered for h. */
void hints_service_stop(struct hints *h);
/**
 * Configure from JSON: a hosts file path, or {"file": path, "ttl": n, "root_file": path}
 * (every key optional). With a file, the names held before are dropped first
 * (the localhost defaults are put back). NULL or null changes nothing.
 * @return 0 or an error, with err describing it.
 */
int hints_configure(struct hints *h, const char *json, char *err, size_t errlen);
/** The layer's produce: answer the current sub-query from the table. */
enum kr_layer_state hints_produce(struct hints *h, struct kr_layer_ctx *ctx, kr_pkt_t *pkt);

/* --- props: JSON text in (NULL = no argument), malloc()ed JSON text out --- */
char *hints_prop_config(struct hints *h, const char *args);
char *hints_prop_add_hosts(struct hints *h, const char *args);
char *hints_prop_set(struct hints *h, const char *args);
char *hints_prop_get(struct hints *h, const char *args);
char *hints_prop_del(struct hints *h, const char *args);
char *hints_prop_root(struct hints *h, const char *args);
char *hints_prop_root_file(struct hints *h, const char *args);
char *hints_prop_ttl(struct hints *h, const char *args);

/** Log an error as "[hints] ..." and keep its text in err (may be NULL). */
void hints_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
