/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the policy plugin: rule sets (filters + actions) matched in
 * C, the Lua pattern matcher, RPZ files and the actions' effects on a request.
 * The view plugin compiles these files too (its views hold rule sets), so
 * nothing here is shared at run time between the two plugins.
 *
 * Usage:
 *   struct policy_ruleset rs;
 *   policy_ruleset_init(&rs);
 *   char err[POLICY_ERRLEN];
 *   int id = policy_ruleset_add(&rs, "{\"filter\":\"suffix\",\"names\":[\"bad.lab.\"],"
 *                                    "\"action\":{\"type\":\"deny\"}}", err, sizeof(err));
 *   // in a layer's begin:
 *   enum kr_layer_state st;
 *   if (policy_run(ctx, &rs, false, &st)) return st;
 *   policy_ruleset_clear(&rs);
 */
#pragma once

#include <sys/types.h>
#include <kres/kres.h>

#define POLICY_ERRLEN 512
/** TTL and SOA timers of the synthetic SOA added to blocked answers. */
#define POLICY_SOA_TTL 10800
/** EDE info codes (RFC 8914) given with blocked answers. */
#define POLICY_EDE_BLOCKED 15
#define POLICY_EDE_PROHIBITED 18

/* --- names: an open-addressing hash keyed by lower-cased wire names --- */

struct policy_names_slot {
	uint8_t *name;   /**< lower-cased wire name; NULL = free; @note malloc()ed, owned by the table */
	uint32_t hash;
	void *val;       /**< the user's value */
};

struct policy_names {
	struct policy_names_slot *slots;  /**< @note owned by the table */
	uint32_t cap;     /**< 0 or a power of two */
	uint32_t count;
};

void policy_names_init(struct policy_names *t);
/** Release the names (and each value with free_val unless NULL); the table is left empty. */
void policy_names_clear(struct policy_names *t, void (*free_val)(void *));
/** Hash of len bytes of a lower-cased wire name. */
uint32_t policy_names_hash(const uint8_t *lname, size_t len);
/**
 * Find a lower-cased name with its hash. O(name length).
 * @return the value slot, or NULL. @note valid until the table changes.
 */
void **policy_names_find(const struct policy_names *t, const uint8_t *lname, size_t len, uint32_t hash);
/**
 * Find or insert name (any case; stored lower-cased).
 * @param created out (may be NULL): true when it was inserted (value NULL)
 * @return the value slot, or NULL on -ENOMEM.
 */
void **policy_names_put(struct policy_names *t, const uint8_t *name, bool *created);
/** Copy a wire name lower-cased into dst (KR_DNAME_MAXLEN bytes). @return its length. */
size_t policy_name_lower(uint8_t *dst, const uint8_t *name);

/* --- Lua patterns (the string.find subset Knot Resolver's policy.pattern relies on) --- */

/**
 * Check that a pattern is well formed (as Lua would accept it).
 * @return 0, or -EINVAL with a reason in err.
 */
int policy_pattern_check(const char *pat, size_t plen, char *err, size_t errlen);
/**
 * string.find(s, pat) of Lua 5.1 (without init or plain): the first match.
 * A pattern may hold NUL bytes (they match themselves, as in LuaJIT).
 * @param start out (may be NULL): 0-based offset of the match
 * @param end   out (may be NULL): offset just past it
 * @return true when it matches; false also for a malformed pattern.
 */
bool policy_pattern_find(const char *s, size_t slen, const char *pat, size_t plen,
			 size_t *start, size_t *end);

/* --- actions --- */

enum policy_act {
	POLICY_PASS,       /**< stop matching, resolve normally */
	POLICY_DENY,       /**< NXDOMAIN, AA, SOA (and TXT msg) */
	POLICY_DROP,       /**< SERVFAIL (Knot Resolver's DROP) */
	POLICY_NO_ANSWER,  /**< send nothing */
	POLICY_REFUSE,     /**< REFUSED */
	POLICY_TC,         /**< UDP: empty TC answer; TCP: as PASS */
	POLICY_TRACE,      /**< non-terminal: log the request verbosely (QTRACE, DEBUG_ALWAYS) */
	POLICY_REROUTE,    /**< non-terminal: rewrite addresses in the answer */
	POLICY_ANSWER,     /**< local answer from the action's records */
	POLICY_FORWARD,    /**< forward with RD, cache and validation */
	POLICY_STUB,       /**< forward with RD, no validation */
	POLICY_FLAGS,      /**< non-terminal: set/clear query flags */
	POLICY_NODATA,     /**< NOERROR, no records, SOA (RPZ CNAME *.) */
	POLICY_LOCAL,      /**< RPZ local data of the matched entry */
	POLICY_TLS_FORWARD,/**< as FORWARD, over TLS to authenticated servers */
};

/** One REROUTE pair: addresses in from/len get the prefix of to. */
struct policy_reroute {
	int family;          /**< AF_INET or AF_INET6 */
	uint8_t len;         /**< prefix length in bits */
	uint8_t from[16];
	uint8_t to[16];
};

struct policy_action {
	enum policy_act type;
	char *msg;                          /**< DENY_MSG text or NULL; @note malloc()ed */
	union kr_sockaddr addrs[KR_NS_MAX]; /**< FORWARD/STUB/TLS_FORWARD targets */
	uint8_t addr_count;
	struct policy_reroute *reroute;     /**< @note malloc()ed */
	uint16_t reroute_count;
	kr_rrset_t *rrs;                    /**< ANSWER records by type, owner NULL (the query
	                                         name is used); @note array and RDATA malloc()ed */
	uint16_t rrs_count;
	bool nodata;                        /**< ANSWER: NODATA for other types (else go on) */
	uint64_t flags_set, flags_clear;    /**< FLAGS */
};

/** Fill act from its JSON description ({"type": "deny", ...}). @return 0 or -EINVAL (err). */
struct json_t;
int policy_action_parse(struct policy_action *act, struct json_t *j, char *err, size_t errlen);
void policy_action_clear(struct policy_action *act);
/** Name of an action type ("deny"). */
const char *policy_act_name(enum policy_act type);
/** Parse "addr", "addr@port" or "addr#port" (default port 53). @return 0 or -EINVAL. */
int policy_addr_parse(const char *text, union kr_sockaddr *out);
/** As policy_addr_parse() with another default port (853 for TLS). @return 0 or -EINVAL. */
int policy_addr_parse_port(const char *text, uint16_t default_port, union kr_sockaddr *out);
/** Parse "addr/len" (or an address alone: full length). @return 0 or -EINVAL. */
int policy_subnet_parse(const char *text, int *family, uint8_t *bytes, uint8_t *len);

/* --- RPZ --- */

/** What an RPZ trigger does. */
struct policy_rpz_entry {
	enum policy_act type;     /**< DENY (the rule's own action), NODATA, PASS, NO_ANSWER, TC, LOCAL */
	kr_rrset_t *rrs;          /**< LOCAL: record sets; @note malloc()ed with their RDATA */
	uint16_t rrs_count;
};

struct policy_rpz {
	struct policy_names exact;   /**< trigger name → entry */
	struct policy_names wild;    /**< "*.name" triggers, keyed by name → entry */
	char *path;                  /**< @note malloc()ed */
	struct timespec mtime;       /**< of the file when loaded */
	uint32_t entries;
	uint32_t ignored;            /**< triggers of kinds not supported (rpz-ip, ...) */
};

/**
 * Load an RPZ zone file.
 * @return the zone (malloc()ed; policy_rpz_free()), or NULL with "FILE:LINE: reason" in err.
 */
struct policy_rpz *policy_rpz_load(const char *path, char *err, size_t errlen);
void policy_rpz_free(struct policy_rpz *z);
/**
 * The entry for a lower-cased name: exact trigger, else the closest "*.parent".
 * @param zone out: the trigger's base name (for the SOA), a pointer into lname
 */
const struct policy_rpz_entry *policy_rpz_match(const struct policy_rpz *z, const uint8_t *lname,
						const uint8_t **zone);

/* --- rule sets --- */

enum policy_filter { POLICY_F_ALL, POLICY_F_SUFFIX, POLICY_F_PATTERN, POLICY_F_RPZ };

struct policy_rule {
	uint32_t id;
	enum policy_filter filter;
	bool post;                 /**< evaluated on the answer (answer_finalize), not in begin */
	uint8_t **names;           /**< SUFFIX: lower-cased wire names indexed; @note malloc()ed */
	uint32_t name_count;
	char *pattern;             /**< PATTERN; @note malloc()ed */
	size_t pattern_len;
	struct policy_rpz *rpz;    /**< RPZ */
	bool watch;                /**< RPZ: reload when the file changes */
	struct policy_action act;
	uint64_t hits;
};

/** A growing list of rules (ordered by id) under one suffix name. */
struct policy_rule_list {
	uint32_t count, cap;
	struct policy_rule *rules[];
};

struct policy_ruleset {
	struct policy_rule **rules;      /**< by id (= order of addition); @note owned */
	uint32_t count, cap;
	uint32_t next_id;
	struct policy_names suffixes;    /**< name → struct policy_rule_list* */
	struct policy_rule **other;      /**< ALL, PATTERN, RPZ rules by id */
	uint32_t other_count, other_cap;
	uint32_t post_count;             /**< answer-phase rules among them */
};

void policy_ruleset_init(struct policy_ruleset *rs);
void policy_ruleset_clear(struct policy_ruleset *rs);
/**
 * Add a rule from JSON: {"filter": "all"|"suffix"|"pattern"|"rpz", "action": {...},
 * "names": [...], "common": name, "pattern": hex, "file": path, "watch": bool, "post": bool}.
 * @return the rule id (> 0), or -EINVAL/-ENOMEM with a reason in err.
 */
int policy_ruleset_add(struct policy_ruleset *rs, const char *json, char *err, size_t errlen);
/** Remove a rule. @return 0 or -ENOENT. */
int policy_ruleset_del(struct policy_ruleset *rs, uint32_t id);
/** The rule of that id, or NULL. */
struct policy_rule *policy_ruleset_get(const struct policy_ruleset *rs, uint32_t id);

/** A rule that matched a name, with what it says to do. */
struct policy_match {
	struct policy_rule *rule;
	const struct policy_action *act;       /**< what to do */
	const struct policy_rpz_entry *entry;  /**< RPZ: the entry (LOCAL data) */
	const uint8_t *zone;                   /**< owner for a synthetic SOA: matched suffix or root */
};

/** Called for each matching rule in order. @return true to stop. */
typedef bool (*policy_match_cb)(const struct policy_match *m, void *baton);
/**
 * Match a name against the rules of one phase (post or not) in rule order.
 * Suffix rules cost one hash lookup per label of qname; ALL, PATTERN and
 * RPZ rules are checked one by one.
 * @return the number of matches passed to cb.
 */
unsigned policy_ruleset_eval(struct policy_ruleset *rs, const uint8_t *qname, bool post,
			     policy_match_cb cb, void *baton);

/* --- effects on a request (actions.c) --- */

/** Per-request state of a plugin using rule sets. @note allocated from the request pool. */
struct policy_req {
	union kr_sockaddr fwd[KR_NS_MAX];   /**< FORWARD/STUB targets */
	uint8_t fwd_count;
	struct policy_reroute *reroute;     /**< copies in the request pool */
	uint16_t reroute_count;
	bool decided;                       /**< a terminal action was taken */
};

/**
 * Evaluate rs for the client's query and apply what matches: in begin
 * (post = false) or in answer_finalize (post = true).
 * @param state out: the layer state to return when a terminal action answered
 * @return true when a terminal action was taken (the caller returns *state).
 */
/** Count the rule hit of a query answered from the core's answer cache. */
void policy_count_reused(struct policy_ruleset *rs, const uint8_t *qname);
bool policy_run(struct kr_layer_ctx *ctx, struct policy_ruleset *rs, bool post,
		enum kr_layer_state *state);
/** produce: write the forwarded query for FORWARD/STUB requests. */
enum kr_layer_state policy_fwd_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
/** consume: take a forwarder's answer. */
enum kr_layer_state policy_fwd_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt);
/** answer_finalize: apply REROUTE to the answer. */
void policy_reroute_apply(struct kr_layer_ctx *ctx);
/** Rewrite one address by the REROUTE pairs. @return true when changed. */
bool policy_reroute_addr(const struct policy_reroute *map, uint16_t n, int family, uint8_t *addr);

/* --- props (props.c): JSON text in (NULL = none), malloc()ed JSON text out --- */
char *policy_prop_rule_add(struct policy_ruleset *rs, const char *args);
char *policy_prop_rule_del(struct policy_ruleset *rs, const char *args);
char *policy_prop_rules(struct policy_ruleset *rs, const char *args);
char *policy_prop_rpz_check(struct policy_ruleset *rs, const char *args);

/* --- helpers --- */

/** Log "[policy] ..." (error level) and keep the text in err (may be NULL). */
void policy_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
