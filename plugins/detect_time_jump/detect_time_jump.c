/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The detect_time_jump plugin: notices the wall clock jumping (e.g. set back
 * after a wrong NTP step) by comparing it with the monotonic clock. Its
 * companion detect_time_jump.lua runs the check on a timer and clears the
 * cache on a jump: TTLs are kept in wall-clock time, so after a backward
 * jump cached records would live too long.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/detect_time_jump/detect_time_jump-impl.h"

static int tj_init_cb(struct kr_plugin *self)
{
	struct time_jump_state *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	time_jump_init(s);
	kr_plugin_set_data(self, s);
	return 0;
}

static void tj_deinit_cb(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

/** A positive whole number of milliseconds from JSON. @return 0 or -EINVAL. */
static int ms_from_json(const json_t *v, uint64_t *out)
{
	double d = json_number_value(v);
	if (!json_is_number(v) || d < 1 || d > 1e15 || d != (double)(int64_t)d)
		return -EINVAL;
	*out = (uint64_t)d;
	return 0;
}

/** Configure from {"threshold": ms, "period": ms}. */
static int tj_config_cb(struct kr_plugin *self, const char *json)
{
	struct time_jump_state *s = kr_plugin_data(self);
	if (!json)
		return 0;
	json_error_t jerr;
	json_t *conf = json_loads(json, JSON_DECODE_ANY, &jerr);
	int ret = conf && json_is_object(conf) ? 0 : -EINVAL;
	uint64_t threshold = s->threshold_ms, period = s->period_ms;
	const char *key;
	json_t *val;
	if (ret == 0) {
		json_object_foreach(conf, key, val) {
			if (strcmp(key, "threshold") == 0)
				ret = ms_from_json(val, &threshold);
			else if (strcmp(key, "period") == 0)
				ret = ms_from_json(val, &period);
			else
				ret = -EINVAL;
			if (ret != 0)
				break;
		}
	}
	json_decref(conf);
	if (ret != 0) {
		kr_log_error(detect_time_jump, "config expects {threshold = ms, period = ms}, "
			     "both positive whole numbers");
		return ret;
	}
	s->threshold_ms = threshold;
	s->period_ms = period;
	return 0;
}

/** Compare the clocks now; {"jump": ms, "action": "backward"|"forward"|null}. */
static char *check_now(struct time_jump_state *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t real_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int64_t jump = 0;
	enum time_jump j = time_jump_check(s, kr_now_ms(), real_ms, &jump);
	static const char *names[] = { NULL, "backward", "forward" };
	if (j != TIME_JUMP_NONE)
		kr_log_info(detect_time_jump, "the wall clock jumped %s by %lld s",
			    names[j], (long long)(jump < 0 ? -jump : jump) / 1000);
	return json_out(json_pack("{s:I, s:o}", "jump", (json_int_t)jump,
				  "action", names[j] ? json_string(names[j]) : json_null()));
}

/** settings(): {"threshold": ms, "period": ms, "backward": n, "forward": n}. */
static char *tj_prop_settings(struct kr_plugin *self, const char *args)
{
	struct time_jump_state *s = kr_plugin_data(self);
	return json_out(json_pack("{s:I, s:I, s:I, s:I}", "threshold", (json_int_t)s->threshold_ms,
				  "period", (json_int_t)s->period_ms, "backward", (json_int_t)s->backward,
				  "forward", (json_int_t)s->forward));
}

/** check(): compare the clocks now. */
static char *tj_prop_check(struct kr_plugin *self, const char *args)
{
	return check_now(kr_plugin_data(self));
}

/** poll(): as check() when a period passed since the last check, else null (the companion's timer). */
static char *tj_prop_poll(struct kr_plugin *self, const char *args)
{
	struct time_jump_state *s = kr_plugin_data(self);
	if (s->have_last && kr_now_ms() - s->last_mono_ms < s->period_ms)
		return NULL;
	return check_now(s);
}

static const struct kr_plugin_prop props[] = {
	{ "check", tj_prop_check, "check(): compare the wall and monotonic clocks now" },
	{ "poll", tj_prop_poll, "poll(): check() once a period has passed since the last check, else nil (the timer calls it)" },
	{ "settings", tj_prop_settings, "settings(): threshold and period (ms) and the jumps seen" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(
	.name = "detect_time_jump",
	.init = tj_init_cb,
	.deinit = tj_deinit_cb,
	.config = tj_config_cb,
	.props = props,
);
