/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the view plugin: views select policy rules by the client's
 * address (longest prefix first) or by the TSIG key name of its query. Each
 * view holds a policy rule set (plugins/policy, compiled into view.so too).
 *
 * Usage:
 *   struct view *v = view_new();
 *   view_addr_add(v, "10.0.0.0/8", "{\"filter\":\"all\",\"action\":{\"type\":\"pass\"}}", err, len);
 *   struct view_entry *hits[VIEW_MATCH_MAX];
 *   unsigned n = view_addr_match(v, client_sockaddr, hits, VIEW_MATCH_MAX);
 *   view_free(v);
 */
#pragma once

#include "plugins/policy/policy-impl.h"

#define VIEW_MATCH_MAX 64

/** One view: a subnet or a key, and its rules. */
struct view_entry {
	int family;                  /**< AF_INET, AF_INET6; 0 for a TSIG key view */
	uint8_t addr[16];            /**< network bytes, host bits cleared */
	uint8_t len;                 /**< prefix length */
	uint8_t *key;                /**< TSIG key name, lower-cased wire; @note malloc()ed */
	uint32_t seq;                /**< order of creation (ties of equal prefixes) */
	struct policy_ruleset rules;
};

struct view {
	struct view_entry **addrs;   /**< by prefix length, longest first; @note owned */
	uint32_t addr_count, addr_cap;
	struct view_entry **keys;    /**< @note owned */
	uint32_t key_count, key_cap;
	uint32_t seq;
};

struct view *view_new(void);
void view_free(struct view *v);
/**
 * Add a rule (JSON, as policy_ruleset_add()) to the view of subnet ("10.0.0.0/8",
 * "::1", "2001:db8::/32"), creating the view.
 * @return the rule id, or -EINVAL/-ENOMEM with a reason in err.
 */
int view_addr_add(struct view *v, const char *subnet, const char *rule, char *err, size_t errlen);
/** Add a rule to the view of a TSIG key name (text). Errors as view_addr_add(). */
int view_tsig_add(struct view *v, const char *key, const char *rule, char *err, size_t errlen);
/**
 * The address views holding sa (IPv4-mapped IPv6 counts as IPv4), longest prefix first.
 * @return how many were written to out.
 */
unsigned view_addr_match(const struct view *v, const struct sockaddr *sa, struct view_entry **out,
			 unsigned max);
/** The view of the key name (lower-cased or not), or NULL. */
struct view_entry *view_tsig_find(const struct view *v, const uint8_t *key);
/** Owner of the TSIG record of a query (the last record of its additional section), or NULL. */
const uint8_t *view_tsig_key(const kr_pkt_t *q);
