/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The detect_time_jump plugin's logic: compare how far the wall clock moved
 * with how far the monotonic clock moved between two checks.
 */
#pragma once

#include <kres/kres.h>

/** What a check found. */
enum time_jump {
	TIME_JUMP_NONE = 0,
	TIME_JUMP_BACKWARD,   /**< the wall clock went back by more than the threshold */
	TIME_JUMP_FORWARD,    /**< the wall clock went ahead of the monotonic one by more than the threshold */
};

/** The plugin's state. */
struct time_jump_state {
	uint64_t threshold_ms;   /**< a difference above this is a jump (default 10 min) */
	uint64_t period_ms;      /**< how often the companion checks (default 1 min) */
	uint64_t last_mono_ms;   /**< monotonic clock at the last check */
	int64_t last_real_ms;    /**< wall clock at the last check */
	bool have_last;
	uint64_t backward, forward;   /**< jumps seen */
};

#define TIME_JUMP_THRESHOLD_MS (10 * 60 * 1000)
#define TIME_JUMP_PERIOD_MS (60 * 1000)

/** Defaults, no check done yet. */
void time_jump_init(struct time_jump_state *s);
/**
 * Record the clocks now and compare with the last check.
 * @param jump_ms out: wall clock advance minus monotonic advance (0 at the first check)
 * @return what was found; the first check finds nothing.
 */
enum time_jump time_jump_check(struct time_jump_state *s, uint64_t mono_ms, int64_t real_ms,
			       int64_t *jump_ms);
