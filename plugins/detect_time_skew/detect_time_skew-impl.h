/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The detect_time_skew plugin's internals: the clock against signature windows. */
#pragma once
#include <stdint.h>

/** Where the clock is relative to the validity windows of a set of RRSIGs. */
enum skew_verdict {
	SKEW_NONE = 0,     /**< inside the window of at least one signature */
	SKEW_BEHIND,       /**< before the inception of every signature: the clock is slow */
	SKEW_AHEAD,        /**< after the expiration of every signature: the clock is fast */
};

/**
 * Judge now against n signature windows [inception, expiration] (32-bit
 * times compared in serial-number arithmetic, RFC 4034 section 3.1.5).
 * @param by out: for BEHIND/AHEAD, the seconds to the nearest window edge
 */
enum skew_verdict skew_judge(uint32_t now, const uint32_t *inception, const uint32_t *expiration,
			     int n, uint32_t *by);
