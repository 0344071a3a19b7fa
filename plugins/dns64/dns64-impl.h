/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dns64 plugin's parts shared between its files and the unit tests. */
#pragma once

#include <kres/kres.h>

#define DNS64_EXCLUDE_MAX 32
#define DNS64_DEFAULT_PREFIX "64:ff9b::/96"
#define DNS64_DEFAULT_REV_TTL 300
#define DNS64_ERRLEN 256

/** An IPv6 subnet. */
struct dns64_subnet {
	uint8_t addr[16];   /**< bits past len are zero */
	uint8_t len;        /**< prefix length, 0..128 */
};

/** The configuration. */
struct dns64 {
	struct dns64_subnet prefix;     /**< the /96 that A records are mapped into */
	uint32_t rev_ttl;               /**< TTL of the CNAME answering reverse names of the prefix */
	struct dns64_subnet exclude[DNS64_EXCLUDE_MAX]; /**< AAAA records in these count as absent */
	unsigned exclude_count;
};

/** Defaults: 64:ff9b::/96, rev_ttl 300, exclude ::ffff:0:0/96 (RFC 6147 5.1.4). */
void dns64_defaults(struct dns64 *d);
/**
 * Parse "2001:db8::/48" (or an address alone: /128, or /96 when as_prefix).
 * @return 0 or -EINVAL. Bits past the length are cleared.
 */
int dns64_subnet_parse(const char *text, bool as_prefix, struct dns64_subnet *out);
/** Is the 16-byte address inside the subnet? */
bool dns64_subnet_has(const struct dns64_subnet *s, const uint8_t *addr);
/** Is the 16-byte address in one of the excluded subnets? */
bool dns64_excluded(const struct dns64 *d, const uint8_t *addr);
/** Write prefix (12 bytes) + v4 (4 bytes) to out[16]. */
void dns64_synth(const struct dns64 *d, const uint8_t *v4, uint8_t *out);
/**
 * For a reverse name under the prefix (nibbles ... .ip6.arpa. of an address
 * inside it), write the in-addr.arpa. name of the embedded IPv4 address.
 * @return 0, or -ENOENT when name is not such a name.
 */
int dns64_reverse_target(const struct dns64 *d, const uint8_t *name, uint8_t *target);
/**
 * Configure from JSON text: "prefix" or {prefix=..., rev_ttl=n, exclude_subnets={...}}.
 * On error d is unchanged. @return 0 or -EINVAL (err says why).
 */
int dns64_configure(struct dns64 *d, const char *json, char *err, size_t errlen);
