/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the iterate plugin: zone cuts, reply classification,
 * QNAME minimisation and the server table, shared by the plugin's files and
 * its unit tests.
 *
 * Usage (what the layer does with a reply):
 *   struct iter_result res;
 *   iter_classify(pkt, cut->zone, asked_name, asked_type, strict, mm, &res);
 *   if (res.verdict == ITER_REFERRAL)
 *           cut = iter_cut_from_referral(pkt, res.zone, cut->zone, mode, mm);
 */
#pragma once

#include <kres/kres.h>

/* --- limits --- */
#define ITER_MAX_QUERIES 50     /**< upstream queries per request (amplification bound) */
#define ITER_MAX_NS 13          /**< NS names kept per zone cut (the rest are ignored) */
#define ITER_NS_ADDRS 8         /**< addresses kept per NS name */
#define ITER_MAX_GLUELESS 3     /**< NS names resolved per zone cut of one sub-query */
#define ITER_MAX_DEPTH 4        /**< nesting of NS-address sub-queries */
#define ITER_MAX_FAILED 32      /**< addresses remembered as failed by one sub-query */
#define ITER_MAX_REFERRALS 30   /**< referrals followed by one sub-query */
#define ITER_MAX_CHAIN 13       /**< CNAME/DNAME links followed inside one reply */
#define ITER_REQ_CUTS 24        /**< zone cuts remembered by one request */
#define ITER_MINIMISE_ONE_LAB 4 /**< RFC 9156: first steps add one label each */
#define ITER_MINIMISE_MAX 10    /**< RFC 9156: at most this many minimised steps */

/* --- the server table (servers.c) --- */
#define ITER_SRV_SLOTS 4096      /**< entries of the table (a power of two) */
#define ITER_SRV_PROBE 8         /**< slots probed per lookup */
#define ITER_SRTT_UNKNOWN 400    /**< smoothed RTT assumed for a server never heard of, ms */
#define ITER_SRTT_TIMEOUT 1500   /**< RTT charged for a timeout, ms */
#define ITER_BACKOFF_BASE 5000   /**< first back-off after a timeout, ms (doubles) */
#define ITER_BACKOFF_MAX 600000  /**< longest back-off, ms */
#define ITER_LAME_TIME 900000    /**< how long a server stays lame for a zone, ms */
#define ITER_EXPLORE_ONE_IN 16   /**< one choice in this many explores another server */

/** What the table knows of one server address. */
struct iter_srv {
	union kr_sockaddr addr;   /**< port included; family 0 = free slot */
	uint32_t srtt;            /**< smoothed RTT, ms */
	uint16_t timeouts;        /**< consecutive timeouts */
	uint64_t backoff_until;   /**< not to be tried before this time (unless nothing else is left) */
	uint32_t lame_zone;       /**< hash of the zone the server was lame for */
	uint64_t lame_until;
	uint64_t last_ms;         /**< last update, for eviction */
};

/** RTT, back-off and lameness by address; one per plugin instance, shared by all requests. */
struct iter_servers {
	struct iter_srv slot[ITER_SRV_SLOTS];
	uint32_t count;           /**< used slots */
};

/** Forget everything. */
void iter_servers_init(struct iter_servers *t);
/** The entry of addr, or NULL when unknown. @note owned by the table. */
const struct iter_srv *iter_servers_get(const struct iter_servers *t, const union kr_sockaddr *addr);
/** A reply came from addr after rtt_ms: update the smoothed RTT and clear back-off. */
void iter_servers_rtt(struct iter_servers *t, const union kr_sockaddr *addr, uint32_t rtt_ms, uint64_t now);
/** addr did not answer (timeout or error): back it off, exponentially per consecutive timeout. */
void iter_servers_timeout(struct iter_servers *t, const union kr_sockaddr *addr, uint64_t now);
/** addr gave a lame answer for zone (REFUSED, SERVFAIL, no AA, bad referral...). */
void iter_servers_lame(struct iter_servers *t, const union kr_sockaddr *addr, const uint8_t *zone, uint64_t now);
/**
 * Order candidate addresses: live servers by smoothed RTT (unknown ones at
 * ITER_SRTT_UNKNOWN, ties broken at random), then servers lame for zone, then
 * backed-off ones. One time in ITER_EXPLORE_ONE_IN, another live server is put
 * first (exploration).
 * @param rnd  random bits (shuffling and exploration)
 * @return the number written to out (at most max).
 */
int iter_servers_order(const struct iter_servers *t, const union kr_sockaddr *cand, int n,
		       const uint8_t *zone, uint64_t now, uint64_t rnd,
		       union kr_sockaddr *out, int max);
/** Same address and port? */
bool iter_addr_eq(const union kr_sockaddr *a, const union kr_sockaddr *b);
/** Loopback or unspecified (127.0.0.0/8, 0.0.0.0/8, ::1, ::, v4-mapped loopback)? */
bool iter_addr_is_local(const union kr_sockaddr *a);
/** Text form "addr#port" for logs. */
void iter_addr_str(const union kr_sockaddr *a, char *dst, size_t len);

/* --- zone cuts (cut.c) --- */

/** mode(): which glue is accepted. */
enum iter_mode { ITER_STRICT, ITER_NORMAL, ITER_PERMISSIVE };

/** The mode a sub-query runs in, from its flags. */
enum iter_mode iter_mode_of(uint64_t qflags);

enum iter_ns_flag {
	ITER_NS_ASKED_A = 1 << 0,     /**< an A sub-query was made for the name */
	ITER_NS_ASKED_AAAA = 1 << 1,  /**< an AAAA sub-query was made for the name */
	ITER_NS_PARENT_SIDE = 1 << 2, /**< resolved again past the cache, taking the parent's glue */
};

/** An NS of a zone cut: its name and the addresses known for it. */
struct iter_ns {
	uint8_t *name;   /**< lower-cased; NULL for root hints (addresses only); @note request pool */
	union kr_sockaddr addr[ITER_NS_ADDRS];
	uint8_t addr_count;
	uint8_t flags;   /**< enum iter_ns_flag */
};

/** A zone cut: the zone and its name servers. @note allocated from the request pool. */
struct iter_cut {
	uint8_t *zone;   /**< lower-cased; @note request pool */
	struct iter_ns ns[ITER_MAX_NS];
	uint8_t ns_count;
	bool configured; /**< the operator's root hints: asked even on loopback (RFC 8806 local root) */
};

/**
 * Is a glue address record owned by owner acceptable in a referral from a
 * server of parent to child, under mode? (strict: owner in child; normal: also
 * in parent; permissive: anywhere)
 */
bool iter_glue_ok(const uint8_t *owner, const uint8_t *child, const uint8_t *parent, enum iter_mode mode);
/**
 * Build the cut of a referral to zone (NS records at zone in the authority
 * section of pkt) with the glue that mode accepts from a server of parent.
 * At most ITER_MAX_NS names and ITER_NS_ADDRS addresses per name are kept.
 * @return the cut or NULL (no NS records, or out of memory). @note allocated from mm.
 */
struct iter_cut *iter_cut_from_referral(const kr_pkt_t *pkt, const uint8_t *zone,
					const uint8_t *parent, enum iter_mode mode, kr_mm_t *mm);
/**
 * The deepest zone cut enclosing name that the cache service knows with at
 * least one server address, or NULL (no cache plugin, nothing below the root).
 * @note allocated from req->pool.
 */
struct iter_cut *iter_cut_from_cache(struct kr_request *req, const uint8_t *name);
/** The root cut from the root hints service. @return NULL when no hints are available. */
struct iter_cut *iter_cut_root(kr_mm_t *mm);
/** Add an address to an NS entry (duplicates and overflow ignored). @return true if added. */
bool iter_ns_add_addr(struct iter_ns *ns, const uint8_t *rdata, uint16_t len);
/** Addresses the cut knows, in total. */
int iter_cut_addr_count(const struct iter_cut *cut);

/* --- reply classification (answer.c, referral.c) --- */

/** What a reply to our query means. */
enum iter_verdict {
	ITER_ANSWER,    /**< final: data (possibly behind an in-zone chain), or a chain ending negatively */
	ITER_NODATA,    /**< final: the name exists, no data of the type */
	ITER_NXDOMAIN,  /**< final: the name does not exist */
	ITER_CNAME,     /**< a CNAME/DNAME chain leads to target: ask for it */
	ITER_LOOP,      /**< final: the chain leads back to target, a name of it (chain holds it) */
	ITER_REFERRAL,  /**< a delegation to zone, below the current cut */
	ITER_LAME,      /**< unusable: try another server */
};

/** The classification of a reply. */
struct iter_result {
	enum iter_verdict verdict;
	const uint8_t *zone;      /**< REFERRAL: the delegated zone; @note owned by the packet */
	const uint8_t *target;    /**< CNAME: the name to ask next, LOOP: the name met again; @note mm */
	const kr_rrset_t **chain; /**< CNAME, LOOP: the chain's records (CNAME, DNAME, synthesized CNAME, RRSIG) */
	uint16_t chain_len;
	uint16_t links;           /**< CNAME/DNAME links followed inside the reply */
	uint16_t rcode;
	const char *why;          /**< LAME: the reason, for logs (static) */
};

/**
 * Classify a reply to (qname, qtype) from a server of zone. Records outside
 * zone are ignored; the answer and authority sections of pkt are scrubbed in
 * place to what the verdict relies on (records out of zone and unrelated to
 * the chain are dropped), owners equal to qname get qname's spelling and other
 * kept names are lower-cased (undoing 0x20). DNAME substitution is checked:
 * a CNAME that does not match it is replaced by the synthesized one.
 * @param require_aa  strict mode: answers, NXDOMAIN and NODATA need the AA bit
 *                    (otherwise a non-AA reply that is not a referral is taken)
 * @param mm  memory for synthesized records and the chain array
 * @return 0 or -ENOMEM.
 */
int iter_classify(kr_pkt_t *pkt, const uint8_t *zone, const uint8_t *qname, uint16_t qtype,
		  bool require_aa, kr_mm_t *mm, struct iter_result *res);
/**
 * The referral in pkt, if it is one (no answer, NS at some zone in the
 * authority section, no SOA): checks it goes down from zone towards qname.
 * @param zone_out  out: the delegated zone, or NULL
 * @return ITER_REFERRAL, ITER_LAME (upward or sideways: why says so), or
 *         ITER_NODATA when there is no NS record in the authority section.
 */
enum iter_verdict iter_referral_check(const kr_pkt_t *pkt, const uint8_t *zone, const uint8_t *qname,
				      const uint8_t **zone_out, const char **why);

/* --- QNAME minimisation (minimise.c) --- */

/** Where minimisation of one sub-query stands. */
struct iter_min {
	uint8_t known_labels;  /**< labels of the deepest name known to exist (or a cut) */
	uint8_t steps;         /**< minimised queries sent */
	bool off;              /**< ask the full name from now on */
};

/**
 * The next name to ask for sname of stype, knowing the cut zone.
 * @param qtype  out: the type to ask (NS for a minimised name, stype for the full name)
 * @return a suffix of sname (a pointer into it).
 */
const uint8_t *iter_minimise_next(const struct iter_min *m, const uint8_t *sname, uint16_t stype,
				  const uint8_t *zone, uint16_t *qtype);
/** The suffix of name with that many labels. */
const uint8_t *iter_name_suffix(const uint8_t *name, int labels);

/* --- the layer (layer.c) --- */

/** The plugin instance. */
struct iterate {
	struct iter_servers servers;
	uint64_t rng;   /**< xorshift state */
};

/** A new instance. @return it or NULL. */
struct iterate *iterate_new(void);
/** Release an instance (NULL is fine). */
void iterate_free(struct iterate *it);
/** 64 random bits from the instance's generator. */
uint64_t iterate_rand(struct iterate *it);
/**
 * The deepest zone cut known for name: today the cuts learned earlier in this
 * request, else the root hints (a cache plugin will offer cuts here later).
 * @return the cut or NULL. @note request pool.
 */
struct iter_cut *iterate_cut_find(struct kr_request *req, const struct kr_plugin *plugin,
				  const uint8_t *name);

enum kr_layer_state iterate_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
enum kr_layer_state iterate_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
/** The sub-query starts over: a server whose answer validate found bogus is not asked again. */
enum kr_layer_state iterate_reset(struct kr_layer_ctx *ctx);
enum kr_layer_state iterate_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt, const void *dst, bool tcp);

/** Props: JSON text in, malloc()ed JSON text out. */
char *iterate_prop_servers(struct iterate *it, const char *args);
