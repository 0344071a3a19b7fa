/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Clock comparison of the detect_time_jump plugin. */
#include <string.h>
#include "plugins/detect_time_jump/detect_time_jump-impl.h"

void time_jump_init(struct time_jump_state *s)
{
	memset(s, 0, sizeof(*s));
	s->threshold_ms = TIME_JUMP_THRESHOLD_MS;
	s->period_ms = TIME_JUMP_PERIOD_MS;
}

enum time_jump time_jump_check(struct time_jump_state *s, uint64_t mono_ms, int64_t real_ms,
			       int64_t *jump_ms)
{
	*jump_ms = 0;
	bool first = !s->have_last;
	int64_t mono_delta = (int64_t)(mono_ms - s->last_mono_ms);
	int64_t real_delta = real_ms - s->last_real_ms;
	s->last_mono_ms = mono_ms;
	s->last_real_ms = real_ms;
	s->have_last = true;
	if (first)
		return TIME_JUMP_NONE;
	*jump_ms = real_delta - mono_delta;
	int64_t threshold = s->threshold_ms > INT64_MAX ? INT64_MAX : (int64_t)s->threshold_ms;
	if (*jump_ms < -threshold) {
		++s->backward;
		return TIME_JUMP_BACKWARD;
	}
	if (*jump_ms > threshold) {
		++s->forward;
		return TIME_JUMP_FORWARD;
	}
	return TIME_JUMP_NONE;
}
