/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Domain lists of the workarounds plugin: the built-in one, configuration, matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/workarounds/workarounds-impl.h"

const char *const workarounds_no_0x20_builtin[] = {
	/* DNS-OARC dns-violations DVE-2017-0003: answers with the name lowercased. */
	"avqs.mcafee.com.", "avts.mcafee.com.",
	/* DVE-2017-0006: the panthercdn.com name servers and the domains they serve. */
	"cdnga.com.", "cdngc.com.", "cdngd.com.", "cdngl.com.", "cdngm.com.",
	"cdngc.net.", "panthercdn.com.",
	"magento.com.",
	NULL,
};

/** Built-in names in wire format, made once. */
static uint8_t builtin_wire[sizeof(workarounds_no_0x20_builtin) / sizeof(char *)][KR_DNAME_MAXLEN];
static bool builtin_ready;

static void builtin_init(void)
{
	if (builtin_ready)
		return;
	for (unsigned i = 0; workarounds_no_0x20_builtin[i]; ++i)
		kr_dname_from_str(builtin_wire[i], KR_DNAME_MAXLEN, workarounds_no_0x20_builtin[i]);
	builtin_ready = true;
}

bool workarounds_no_0x20(const struct workarounds *c, const uint8_t *name)
{
	builtin_init();
	for (unsigned i = 0; workarounds_no_0x20_builtin[i]; ++i)
		if (kr_dname_in(name, builtin_wire[i]))
			return true;
	for (unsigned i = 0; c && i < c->no_0x20.count; ++i)
		if (kr_dname_in(name, c->no_0x20.name[i]))
			return true;
	return false;
}

void workarounds_list_free(struct workarounds_list *l)
{
	for (unsigned i = 0; i < l->count; ++i)
		free(l->name[i]);
	free(l->name);
	l->name = NULL;
	l->count = 0;
}

static int fail(char *err, size_t errlen, const char *msg, const char *what)
{
	snprintf(err, errlen, "%s%s%s", msg, what ? ": " : "", what ? what : "");
	return -EINVAL;
}

/** Parse a JSON list of domain names into l (empty on entry). */
static int list_parse(const json_t *v, struct workarounds_list *l, char *err, size_t errlen)
{
	if (json_is_object(v) && json_object_size(v) == 0)
		return 0;   /* an empty Lua table */
	if (json_is_string(v)) {
		json_t *one = json_array();
		int ret = one && json_array_append(one, (json_t *)v) == 0 ? list_parse(one, l, err, errlen) : -ENOMEM;
		json_decref(one);
		return ret;
	}
	if (!json_is_array(v))
		return fail(err, errlen, "no_0x20 must be a list of domain names", NULL);
	l->name = calloc(json_array_size(v) + 1, sizeof(*l->name));
	if (!l->name)
		return -ENOMEM;
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		uint8_t wire[KR_DNAME_MAXLEN];
		const char *text = json_string_value(item);
		if (!text || kr_dname_from_str(wire, sizeof(wire), text) < 0)
			return fail(err, errlen, "invalid domain name in no_0x20", text);
		kr_dname_lower(wire);
		size_t size = kr_dname_size(wire);
		if (!(l->name[l->count] = malloc(size)))
			return -ENOMEM;
		memcpy(l->name[l->count++], wire, size);
	}
	return 0;
}

int workarounds_configure(struct workarounds *c, const char *json, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, &jerr) : NULL;
	if (!v)
		return fail(err, errlen, "invalid configuration", NULL);
	struct workarounds_list l = { NULL, 0 };
	bool have_list = false;
	int ret = 0;
	if (json_is_object(v)) {
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val) {
			if (!strcmp(key, "no_0x20")) {
				workarounds_list_free(&l);
				ret = list_parse(val, &l, err, errlen);
				have_list = true;
			} else {
				ret = fail(err, errlen, "unknown key", key);
			}
			if (ret)
				break;
		}
	} else {
		ret = fail(err, errlen, "expected {no_0x20 = {'domain', ...}}", NULL);
	}
	json_decref(v);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (ret) {
		workarounds_list_free(&l);
		return ret;
	}
	if (have_list) {
		workarounds_list_free(&c->no_0x20);
		c->no_0x20 = l;
	}
	return 0;
}
