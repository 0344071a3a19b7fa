/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A tiny plugin for the tests of config/modules.c, built twice (testmod_a.so
 * and testmod_b.so, TESTMOD_NAME set by the build) so that the call order of
 * two plugins can be checked. Its props show what the Lua bridge hands over:
 *   echo(...)  returns its JSON argument as it came (no argument: null)
 *   seen()     the JSON text of the last config() call, as a string
 *   fail()     {"error": "..."}
 *   nothing()  no result
 *   garbage()  text that is not JSON
 * config('bad') fails with -EINVAL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <kres/plugin.h>

#ifndef TESTMOD_NAME
#error "TESTMOD_NAME must be set"
#endif

/** The plugin's data: the last configuration, as JSON text. */
struct testmod {
	char *seen;
};

static int init_cb(struct kr_plugin *self)
{
	struct testmod *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	kr_plugin_set_data(self, m);
	return 0;
}

static void deinit_cb(struct kr_plugin *self)
{
	struct testmod *m = kr_plugin_data(self);
	free(m->seen);
	free(m);
}

static int config_cb(struct kr_plugin *self, const char *json)
{
	struct testmod *m = kr_plugin_data(self);
	if (json && strcmp(json, "\"bad\"") == 0)
		return -EINVAL;
	free(m->seen);
	m->seen = strdup(json ? json : "(none)");
	return m->seen ? 0 : -ENOMEM;
}

static char *prop_echo(struct kr_plugin *self, const char *args)
{
	return strdup(args ? args : "null");
}

/** A JSON string holding text (which has no quotes or backslashes here but may). */
static char *json_string_of(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(2 * len + 3);
	if (!out)
		return NULL;
	char *o = out;
	*o++ = '"';
	for (const char *t = text; *t; ++t) {
		if (*t == '"' || *t == '\\')
			*o++ = '\\';
		*o++ = *t;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static char *prop_seen(struct kr_plugin *self, const char *args)
{
	struct testmod *m = kr_plugin_data(self);
	return m->seen ? json_string_of(m->seen) : NULL;
}

static char *prop_fail(struct kr_plugin *self, const char *args)
{
	return strdup("{\"error\": \"" TESTMOD_NAME " failed on purpose\"}");
}

static char *prop_nothing(struct kr_plugin *self, const char *args)
{
	return NULL;
}

static char *prop_garbage(struct kr_plugin *self, const char *args)
{
	return strdup("{not json");
}

static const struct kr_plugin_prop props[] = {
	{ "echo", prop_echo, "echo(...): return the arguments" },
	{ "seen", prop_seen, "seen(): the last configuration" },
	{ "fail", prop_fail, "fail(): always an error" },
	{ "nothing", prop_nothing, "nothing(): no result" },
	{ "garbage", prop_garbage, "garbage(): not JSON" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(
	.name = TESTMOD_NAME,
	.init = init_cb,
	.deinit = deinit_cb,
	.config = config_cb,
	.props = props,
);
