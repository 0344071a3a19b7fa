/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The renumber plugin's parts shared between its files and the unit tests. */
#pragma once

#include <kres/kres.h>

#define RENUMBER_RULES_MAX 64
#define RENUMBER_ERRLEN 256

/** One rule: addresses inside src/len get their first len bits from dst. */
struct renumber_rule {
	uint8_t src[16];    /**< source prefix; bits past len are zero */
	uint8_t dst[16];    /**< target address */
	uint8_t alen;       /**< address length: 4 (A) or 16 (AAAA) */
	uint8_t len;        /**< source prefix length in bits, 0..alen*8 */
	bool whole;         /**< target written "ADDR!": the whole address becomes dst */
};

/** The configuration: rules in order, the first matching one applies. */
struct renumber {
	struct renumber_rule rule[RENUMBER_RULES_MAX];
	unsigned count;
};

/**
 * Parse one rule from its source prefix ("1.2.3.0/24", "2001:db8::/32"; an
 * address alone is a /32 or /128) and target ("4.5.6.0", or "4.5.6.7!" to map
 * every address of the prefix to that one address).
 * @return 0, or -EINVAL (families differ, bad text; err says why).
 */
int renumber_rule_parse(const char *src, const char *dst, struct renumber_rule *out, char *err, size_t errlen);
/** Is the address of alen bytes inside the rule's source prefix? */
bool renumber_rule_match(const struct renumber_rule *r, const uint8_t *addr, size_t alen);
/** Rewrite addr (alen bytes, inside the prefix) by the rule, in place. */
void renumber_rule_apply(const struct renumber_rule *r, uint8_t *addr);
/**
 * Rewrite addr in place by the first matching rule.
 * @return true when a rule matched (the address may be unchanged: a rule can map onto itself).
 */
bool renumber_rewrite(const struct renumber *c, uint8_t *addr, size_t alen);
/**
 * Configure from JSON text: [[SRC, DST], ...] (or one [SRC, DST]); replaces
 * the rules. On error c is unchanged. @return 0 or -EINVAL (err says why).
 */
int renumber_configure(struct renumber *c, const char *json, char *err, size_t errlen);
