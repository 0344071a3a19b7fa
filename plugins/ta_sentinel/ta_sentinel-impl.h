/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ta_sentinel plugin's internals: the sentinel label (RFC 8509 section 2). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/** What a query name's first label asks. */
enum ta_sentinel_kind {
	TA_SENTINEL_NONE = 0,   /**< not a sentinel label */
	TA_SENTINEL_IS_TA,      /**< root-key-sentinel-is-ta-<key tag> */
	TA_SENTINEL_NOT_TA,     /**< root-key-sentinel-not-ta-<key tag> */
};

/**
 * Read the sentinel label of a name in wire form (letter case ignored; the
 * key tag is five decimal digits, leading zeros included, at most 65535).
 * @param tag out: the key tag, set when the kind is not NONE
 */
enum ta_sentinel_kind ta_sentinel_parse(const uint8_t *name, uint16_t *tag);

/**
 * Does the sentinel turn a validated answer into SERVFAIL?
 * is-ta with a tag that is no root anchor's, not-ta with one that is.
 */
bool ta_sentinel_fails(enum ta_sentinel_kind kind, uint16_t tag, const uint16_t *tags, int ntags);
