/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The root key sentinel label (RFC 8509 section 2) and its verdict. */
#include <stddef.h>
#include <strings.h>
#include "plugins/ta_sentinel/ta_sentinel-impl.h"

#define PREFIX_IS "root-key-sentinel-is-ta-"
#define PREFIX_NOT "root-key-sentinel-not-ta-"
#define TAG_DIGITS 5

static bool read_tag(const uint8_t *p, uint16_t *tag)
{
	unsigned v = 0;
	for (int i = 0; i < TAG_DIGITS; ++i) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > 65535)
		return false;
	*tag = (uint16_t)v;
	return true;
}

enum ta_sentinel_kind ta_sentinel_parse(const uint8_t *name, uint16_t *tag)
{
	if (!name || !tag)
		return TA_SENTINEL_NONE;
	size_t len = name[0];
	const char *label = (const char *)name + 1;
	if (len == sizeof(PREFIX_IS) - 1 + TAG_DIGITS &&
	    strncasecmp(label, PREFIX_IS, sizeof(PREFIX_IS) - 1) == 0 &&
	    read_tag(name + sizeof(PREFIX_IS), tag))
		return TA_SENTINEL_IS_TA;
	if (len == sizeof(PREFIX_NOT) - 1 + TAG_DIGITS &&
	    strncasecmp(label, PREFIX_NOT, sizeof(PREFIX_NOT) - 1) == 0 &&
	    read_tag(name + sizeof(PREFIX_NOT), tag))
		return TA_SENTINEL_NOT_TA;
	return TA_SENTINEL_NONE;
}

bool ta_sentinel_fails(enum ta_sentinel_kind kind, uint16_t tag, const uint16_t *tags, int ntags)
{
	bool anchor = false;
	for (int i = 0; i < ntags && !anchor; ++i)
		anchor = tags[i] == tag;
	return (kind == TA_SENTINEL_IS_TA && !anchor) || (kind == TA_SENTINEL_NOT_TA && anchor);
}
