/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The clock against the validity windows of signatures. */
#include <stdbool.h>
#include "plugins/detect_time_skew/detect_time_skew-impl.h"

enum skew_verdict skew_judge(uint32_t now, const uint32_t *inception, const uint32_t *expiration,
			     int n, uint32_t *by)
{
	bool behind = false, ahead = false;
	uint32_t behind_by = UINT32_MAX, ahead_by = UINT32_MAX;
	for (int i = 0; i < n; ++i) {
		int32_t since_inception = (int32_t)(now - inception[i]);
		int32_t to_expiration = (int32_t)(expiration[i] - now);
		if (since_inception >= 0 && to_expiration >= 0)
			return SKEW_NONE;
		if (since_inception < 0) {
			behind = true;
			if ((uint32_t)-since_inception < behind_by)
				behind_by = (uint32_t)-since_inception;
		} else {
			ahead = true;
			if ((uint32_t)-to_expiration < ahead_by)
				ahead_by = (uint32_t)-to_expiration;
		}
	}
	if (!behind && !ahead)
		return SKEW_NONE;
	/* Both kinds (a window entirely in the past and one in the future): the nearer edge decides. */
	if (behind && (!ahead || behind_by <= ahead_by)) {
		if (by)
			*by = behind_by;
		return SKEW_BEHIND;
	}
	if (by)
		*by = ahead_by;
	return SKEW_AHEAD;
}
