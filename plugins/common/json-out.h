/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Results of plugin props as JSON text, shared by the in-tree plugins (not
 * installed: a third-party plugin writes its JSON however it likes).
 *
 * Usage, in a prop:
 *   return json_out(json_integer(42));          // "42"
 *   return error_out("expected a name");         // {"error":"..."}: a Lua error
 */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/**
 * JSON text of v for the Lua bridge, which frees it with free(); v is released.
 * @return the text, or NULL (v NULL or out of memory: nil in Lua).
 */
static inline char *json_out(json_t *v)
{
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	json_decref(v);
	if (!text)
		return NULL;
	/* jansson may use its own allocator: hand out plain malloc() memory. */
	char *copy = strdup(text);
	json_free_t jfree = NULL;
	json_get_alloc_funcs(NULL, &jfree);
	(jfree ? jfree : free)(text);
	return copy;
}

/** {"error": msg}, which the Lua bridge raises as a Lua error. */
static inline char *error_out(const char *msg)
{
	return json_out(json_pack("{s:s}", "error", msg));
}
