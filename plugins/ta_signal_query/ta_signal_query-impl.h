/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ta_signal_query plugin's internals: the key tag query name (RFC 8145 section 5.1). */
#pragma once
#include <stddef.h>
#include <stdint.h>

/** Key tags that fit one label: "_ta" and 12 "-xxxx" make 63 characters. */
#define TA_SIGNAL_MAX_TAGS 12

/**
 * The signalling name for key tags of anchors of zone (text, "." for the
 * root): "_ta-xxxx[-yyyy...].zone" with each tag as four lower-case hex digits,
 * ascending, duplicates left out; the first TA_SIGNAL_MAX_TAGS tags when more.
 * @return 0, -ENOENT (no tags), -ENOSPC (out too small).
 */
int ta_signal_query_name(const uint16_t *tags, int n, const char *zone, char *out, size_t len);
