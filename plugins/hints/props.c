/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hints props: JSON text in, JSON text out (see README.md for the shapes). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/hints/hints-impl.h"

#define ARGS_MAX 4096

/** Log and return {"error": ...}. */
#define FAIL(...) do { \
		char msg_[HINTS_ERRLEN]; \
		hints_error(msg_, sizeof(msg_), __VA_ARGS__); \
		return error_out(msg_); \
	} while (0)

/** Parse args; NULL args give NULL. @return 0 or -EINVAL. */
static int args_load(const char *args, json_t **out)
{
	*out = NULL;
	if (!args)
		return 0;
	json_error_t jerr;
	*out = json_loads(args, JSON_DECODE_ANY, &jerr);
	return *out ? 0 : -EINVAL;
}

/**
 * Arguments as one space-separated string: a JSON string, or an array of
 * strings (set('name', 'addr') is set('name addr')).
 * @return 0 or -EINVAL.
 */
static int args_text(const char *args, char *dst, size_t maxlen)
{
	json_t *v;
	if (args_load(args, &v) != 0 || !v)
		return -EINVAL;
	int ret = 0;
	dst[0] = '\0';
	if (json_is_string(v)) {
		if ((size_t)snprintf(dst, maxlen, "%s", json_string_value(v)) >= maxlen)
			ret = -EINVAL;
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		size_t i, used = 0;
		json_t *item;
		json_array_foreach(v, i, item) {
			int n = json_is_string(item)
				? snprintf(dst + used, maxlen - used, "%s%s", i ? " " : "", json_string_value(item))
				: -1;
			if (n < 0 || (size_t)n >= maxlen - used) {
				ret = -EINVAL;
				break;
			}
			used += (size_t)n;
		}
	} else {
		ret = -EINVAL;
	}
	json_decref(v);
	return ret;
}

/** Split "name rest" and parse the name. @return the rest (maybe "") or NULL. */
static char *split_name(char *text, uint8_t *name, const char **name_text)
{
	char *save = NULL;
	char *n = strtok_r(text, " \t", &save);
	if (!n || kr_dname_from_str(name, KR_DNAME_MAXLEN, n) < 0)
		return NULL;
	*name_text = n;
	return save ? save : (char *)"";
}

static const char *addr_text(const struct hints_addr *a, char *buf, size_t len)
{
	return inet_ntop(a->family, a->bytes, buf, (socklen_t)len);
}

/* --- config, add_hosts --- */

/** Drop user names (back to the localhost defaults) and load path. */
static int reset_and_load(struct hints *h, const char *path, char *err, size_t errlen)
{
	hints_table_clear(&h->table);
	int ret = hints_table_defaults(&h->table);
	if (ret != 0) {
		hints_error(err, errlen, "cannot restore localhost hints: %s", kr_strerror(ret));
		return ret;
	}
	return path ? hints_hosts_load(&h->table, path, NULL, err, errlen) : 0;
}

/** Set the TTL from a JSON number. @return 0 or -EINVAL. */
static int ttl_from_json(struct hints *h, const json_t *v)
{
	double d = json_number_value(v);
	if (!json_is_number(v) || d < 0 || d > INT32_MAX || d != (double)(int64_t)d)
		return -EINVAL;
	h->ttl = (uint32_t)d;
	return 0;
}

/** Configure from {"file": path, "ttl": n, "root_file": path}. */
static int configure_object(struct hints *h, json_t *conf, char *err, size_t errlen)
{
	const char *key;
	json_t *val;
	json_object_foreach(conf, key, val) {
		bool known = !strcmp(key, "file") || !strcmp(key, "ttl") || !strcmp(key, "root_file");
		bool is_path = strcmp(key, "ttl") != 0;
		if (!known || (is_path && !json_is_string(val))) {
			hints_error(err, errlen, "config: unknown or invalid key '%s'", key);
			return -EINVAL;
		}
		if (!is_path && ttl_from_json(h, val) != 0) {
			hints_error(err, errlen, "config: invalid ttl");
			return -EINVAL;
		}
	}
	json_t *root_file = json_object_get(conf, "root_file");
	if (root_file) {
		struct hints_root r;
		hints_root_init(&r);
		int ret = hints_root_load_file(&r, json_string_value(root_file), err, errlen);
		if (ret == 0)
			hints_root_move(&h->root, &r);
		hints_root_clear(&r);
		if (ret != 0)
			return ret;
	}
	json_t *file = json_object_get(conf, "file");
	return file ? reset_and_load(h, json_string_value(file), err, errlen) : 0;
}

int hints_configure(struct hints *h, const char *json, char *err, size_t errlen)
{
	json_t *conf;
	if (!h)
		return -EINVAL;
	if (args_load(json, &conf) != 0) {
		hints_error(err, errlen, "config: invalid JSON");
		return -EINVAL;
	}
	int ret = 0;
	if (!conf || json_is_null(conf)) {
		ret = 0;   /* modules = { 'hints' }: keep the defaults */
	} else if (json_is_string(conf)) {
		ret = reset_and_load(h, json_string_value(conf), err, errlen);
	} else if (json_is_object(conf)) {
		ret = configure_object(h, conf, err, errlen);
	} else {
		hints_error(err, errlen, "config: expected a path or {file = path}");
		ret = -EINVAL;
	}
	json_decref(conf);
	return ret;
}

char *hints_prop_config(struct hints *h, const char *args)
{
	char err[HINTS_ERRLEN];
	if (hints_configure(h, args, err, sizeof(err)) != 0)
		return error_out(err);
	return json_out(json_true());
}

char *hints_prop_add_hosts(struct hints *h, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0 || (v && !json_is_string(v) && !json_is_null(v))) {
		json_decref(v);
		FAIL("add_hosts: expected a path");
	}
	char path[ARGS_MAX];
	snprintf(path, sizeof(path), "%s", json_is_string(v) ? json_string_value(v) : HINTS_DEFAULT_HOSTS);
	json_decref(v);
	char err[HINTS_ERRLEN];
	if (hints_hosts_load(&h->table, path, NULL, err, sizeof(err)) != 0)
		return error_out(err);
	return json_out(json_true());
}

/* --- set, get, del --- */

char *hints_prop_set(struct hints *h, const char *args)
{
	char text[ARGS_MAX];
	uint8_t name[KR_DNAME_MAXLEN];
	const char *name_text = NULL;
	if (args_text(args, text, sizeof(text)) != 0)
		FAIL("set: expected 'name address'");
	char *rest = split_name(text, name, &name_text);
	if (!rest)
		FAIL("set: invalid name in '%s'", text);
	/* Check every address before adding any. */
	struct hints_addr addrs[16];
	int count = 0;
	char *save = NULL;
	for (char *a = strtok_r(rest, " \t", &save); a; a = strtok_r(NULL, " \t", &save)) {
		if (count == (int)(sizeof(addrs) / sizeof(addrs[0])))
			FAIL("set: too many addresses for %s", name_text);
		if (hints_addr_parse(a, &addrs[count++]) != 0)
			FAIL("set: invalid address '%s' for %s", a, name_text);
	}
	if (!count)
		FAIL("set: no address for %s", name_text);
	for (int i = 0; i < count; ++i)
		if (hints_pair_add(&h->table, name, &addrs[i]) != 0)
			FAIL("set: out of memory adding %s", name_text);
	return json_out(json_true());
}

/** Append the items of list as text to arr. */
static void list_to_json(json_t *arr, const struct hints_rdlist *list, enum hints_kind kind)
{
	for (uint16_t i = 0; i < list->count; ++i) {
		const struct hints_item *it = list->items[i];
		char buf[KR_DNAME_MAXTEXT];
		if (kind == HINTS_PTR) {
			if (kr_dname_to_str(buf, sizeof(buf), it->data) < 0)
				continue;
		} else {
			struct hints_addr a = { .family = kind == HINTS_A ? AF_INET : AF_INET6 };
			memcpy(a.bytes, it->data, it->len);
			addr_text(&a, buf, sizeof(buf));
		}
		json_array_append_new(arr, json_string(buf));
	}
}

char *hints_prop_get(struct hints *h, const char *args)
{
	char text[ARGS_MAX];
	uint8_t name[KR_DNAME_MAXLEN];
	if (args_text(args, text, sizeof(text)) != 0)
		FAIL("get: expected a name");
	if (kr_dname_from_str(name, sizeof(name), text) < 0)
		FAIL("get: invalid name '%s'", text);
	const struct hints_entry *e = hints_table_find(&h->table, name);
	if (!e)
		return NULL;
	json_t *arr = json_array();
	for (int k = 0; k < HINTS_KINDS; ++k)
		list_to_json(arr, &e->rd[k], (enum hints_kind)k);
	return json_out(arr);
}

char *hints_prop_del(struct hints *h, const char *args)
{
	char text[ARGS_MAX];
	uint8_t name[KR_DNAME_MAXLEN];
	const char *name_text = NULL;
	if (args_text(args, text, sizeof(text)) != 0)
		FAIL("del: expected 'name' or 'name address'");
	char *rest = split_name(text, name, &name_text);
	if (!rest)
		FAIL("del: invalid name in '%s'", text);
	char *save = NULL;
	const char *a = strtok_r(rest, " \t", &save);
	if (!a)
		return json_out(json_boolean(hints_name_del(&h->table, name) == 0));
	struct hints_addr addr;
	if (hints_addr_parse(a, &addr) != 0)
		FAIL("del: invalid address '%s' for %s", a, name_text);
	if (strtok_r(NULL, " \t", &save))
		FAIL("del: expected 'name' or 'name address', got more for %s", name_text);
	return json_out(json_boolean(hints_pair_del(&h->table, name, &addr) == 0));
}

/* --- root hints --- */

/** {"name.": ["addr", ...], ...} of the current root hints. */
static json_t *root_to_json(const struct hints_root *r)
{
	json_t *obj = json_object();
	for (uint32_t i = 0; i < r->ns_count; ++i) {
		char name[KR_DNAME_MAXTEXT], buf[INET6_ADDRSTRLEN];
		if (kr_dname_to_str(name, sizeof(name), r->ns[i].name) < 0)
			continue;
		json_t *arr = json_array();
		for (uint16_t j = 0; j < r->ns[i].count; ++j)
			json_array_append_new(arr, json_string(addr_text(&r->ns[i].addrs[j], buf, sizeof(buf))));
		json_object_set_new(obj, name, arr);
	}
	return obj;
}

/** Add name → addr (text) to r. @return 0 or an error logged into err. */
static int root_add_text(struct hints_root *r, const char *name_text, const json_t *addr,
			 char *err, size_t errlen)
{
	uint8_t name[KR_DNAME_MAXLEN];
	struct hints_addr a;
	if (kr_dname_from_str(name, sizeof(name), name_text) < 0) {
		hints_error(err, errlen, "root: invalid name '%s'", name_text);
		return -EINVAL;
	}
	if (!json_is_string(addr) || hints_addr_parse(json_string_value(addr), &a) != 0) {
		hints_error(err, errlen, "root: invalid address '%s' for %s",
			    json_is_string(addr) ? json_string_value(addr) : "(not a string)", name_text);
		return -EINVAL;
	}
	return hints_root_add(r, name, &a);
}

/** Fill r from {"name": "addr" | ["addr", ...]}. @return 0 or an error. */
static int root_from_json(struct hints_root *r, json_t *conf, char *err, size_t errlen)
{
	const char *key;
	json_t *val;
	int ret = 0;
	if (!json_is_object(conf) || json_object_size(conf) == 0) {
		hints_error(err, errlen, "root: expected {name = address | {address, ...}}");
		return -EINVAL;
	}
	json_object_foreach(conf, key, val) {
		if (!json_is_array(val)) {
			ret = root_add_text(r, key, val, err, errlen);
		} else if (json_array_size(val) == 0) {
			hints_error(err, errlen, "root: no address for %s", key);
			ret = -EINVAL;
		} else {
			size_t i;
			json_t *item;
			json_array_foreach(val, i, item) {
				ret = root_add_text(r, key, item, err, errlen);
				if (ret != 0)
					break;
			}
		}
		if (ret != 0)
			return ret;
	}
	return 0;
}

char *hints_prop_root(struct hints *h, const char *args)
{
	json_t *conf;
	if (args_load(args, &conf) != 0)
		FAIL("root: invalid JSON");
	if (conf && !json_is_null(conf)) {
		char err[HINTS_ERRLEN];
		struct hints_root r;
		hints_root_init(&r);
		int ret = root_from_json(&r, conf, err, sizeof(err));
		if (ret == 0)
			hints_root_move(&h->root, &r);
		hints_root_clear(&r);
		json_decref(conf);
		if (ret != 0)
			return error_out(err);
	}
	return json_out(root_to_json(&h->root));
}

char *hints_prop_root_file(struct hints *h, const char *args)
{
	char path[ARGS_MAX], err[HINTS_ERRLEN];
	if (args_text(args, path, sizeof(path)) != 0)
		FAIL("root_file: expected a path");
	struct hints_root r;
	hints_root_init(&r);
	int ret = hints_root_load_file(&r, path, err, sizeof(err));
	if (ret == 0)
		hints_root_move(&h->root, &r);
	hints_root_clear(&r);
	if (ret != 0)
		return error_out(err);
	return json_out(json_true());
}

char *hints_prop_ttl(struct hints *h, const char *args)
{
	json_t *v;
	if (args_load(args, &v) != 0)
		FAIL("ttl: invalid JSON");
	int ret = v && !json_is_null(v) ? ttl_from_json(h, v) : 0;
	json_decref(v);
	if (ret != 0)
		FAIL("ttl: expected an integer from 0 to %d", INT32_MAX);
	return json_out(json_integer(h->ttl));
}
