/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The key tag query name of RFC 8145 section 5.1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/ta_signal_query/ta_signal_query-impl.h"

static int tag_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int ta_signal_query_name(const uint16_t *tags, int n, const char *zone, char *out, size_t len)
{
	if (!tags || n <= 0)
		return -ENOENT;
	uint16_t sorted[TA_SIGNAL_MAX_TAGS * 8];
	if (n > (int)(sizeof(sorted) / sizeof(sorted[0])))
		n = (int)(sizeof(sorted) / sizeof(sorted[0]));
	memcpy(sorted, tags, (size_t)n * sizeof(*tags));
	qsort(sorted, (size_t)n, sizeof(*sorted), tag_cmp);
	char label[64] = "_ta";
	size_t at = 3;
	for (int i = 0, used = 0; i < n && used < TA_SIGNAL_MAX_TAGS; ++i) {
		if (i > 0 && sorted[i] == sorted[i - 1])
			continue;
		at += (size_t)snprintf(label + at, sizeof(label) - at, "-%04x", (unsigned)sorted[i]);
		++used;
	}
	int w = (zone && strcmp(zone, ".") != 0 && zone[0])
		? snprintf(out, len, "%s.%s", label, zone)
		: snprintf(out, len, "%s.", label);
	return w < 0 || (size_t)w >= len ? -ENOSPC : 0;
}
