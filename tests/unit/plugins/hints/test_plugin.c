/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The built hints.so as the loader sees it: dlopen()ed with every symbol
 * resolved now against this program (which carries the core, like kresd),
 * one exported descriptor, nothing else visible.
 * Then the same through the loader: init, config, props and deinit with the
 * loader's own struct kr_plugin.
 * The plugin is found in $KRESD_MODULE_DIR (set by `make check`).
 */
#include <dlfcn.h>
#include "core/engine/engine.h"
#include "loader/loader.h"
#include "tests/unit/plugins/hints/testutil.h"

static void *plugin;

static void open_plugin(void)
{
	const char *dir = getenv("KRESD_MODULE_DIR");
	ck_assert_msg(dir != NULL, "KRESD_MODULE_DIR is not set (run through make check)");
	char path[4096];
	snprintf(path, sizeof(path), "%s/hints.so", dir);
	plugin = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(plugin != NULL, "dlopen: %s", dlerror());
}

static void close_plugin(void)
{
	if (plugin)
		dlclose(plugin);
	plugin = NULL;
}

START_TEST(test_descriptor)
{
	const struct kr_plugin_api *api = dlsym(plugin, KR_PLUGIN_SYMBOL);
	ck_assert_ptr_nonnull(api);
	ck_assert_uint_eq(api->size, sizeof(struct kr_plugin_api));
	ck_assert_uint_eq(api->abi, KR_PLUGIN_ABI);
	ck_assert_str_eq(api->name, "hints");
	ck_assert_ptr_nonnull(api->init);
	ck_assert_ptr_nonnull(api->deinit);
	ck_assert_ptr_nonnull(api->config);
	ck_assert_ptr_nonnull(api->layer);
	ck_assert_uint_eq(api->layer->size, sizeof(struct kr_layer_api));
	ck_assert_ptr_nonnull(api->layer->produce);
	ck_assert_ptr_null(api->layer->consume);
}
END_TEST

START_TEST(test_props)
{
	const struct kr_plugin_api *api = dlsym(plugin, KR_PLUGIN_SYMBOL);
	ck_assert_ptr_nonnull(api);
	const char *expect[] = { "config", "add_hosts", "set", "get", "del", "root", "root_file", "ttl" };
	size_t n = 0;
	for (const struct kr_plugin_prop *p = api->props; p && p->name; ++p, ++n) {
		ck_assert_uint_lt(n, sizeof(expect) / sizeof(expect[0]));
		ck_assert_str_eq(p->name, expect[n]);
		ck_assert_ptr_nonnull(p->cb);
		ck_assert_ptr_nonnull(p->help);
		ck_assert_ptr_nonnull(strstr(p->help, p->name));
	}
	ck_assert_uint_eq(n, sizeof(expect) / sizeof(expect[0]));
}
END_TEST

START_TEST(test_hidden_symbols)
{
	const char *internal[] = { "hints_new", "hints_produce", "hints_prop_set",
				   "hints_table_find", "hints_root_get", "hints_error" };
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); ++i)
		ck_assert_msg(dlsym(plugin, internal[i]) == NULL, "%s is exported", internal[i]);
}
END_TEST

/** A prop of the loaded plugin, called as the Lua bridge does. */
static char *call_prop(struct kr_plugin *p, const char *name, const char *args)
{
	for (const struct kr_plugin_prop *pr = p->api->props; pr && pr->name; ++pr)
		if (strcmp(pr->name, name) == 0)
			return pr->cb(p, args);
	ck_abort_msg("no prop %s", name);
	return NULL;
}

START_TEST(test_through_loader)
{
	struct kr_context ctx;
	ck_assert_int_eq(kr_context_init(&ctx, getenv("KRESD_MODULE_DIR")), 0);
	char err[1024] = "";
	ck_assert_msg(kr_loader_load(&ctx, "hints", KR_PLACE_END, NULL, err, sizeof(err)) == 0,
		      "load: %s", err);
	struct kr_plugin *p = kr_loader_find(&ctx, "hints");
	ck_assert_ptr_nonnull(p);
	/* init offered the root hints. */
	const struct kr_root_hints_api *rh = kr_service_get(KR_SERVICE_ROOT_HINTS);
	ck_assert_ptr_nonnull(rh);
	union kr_sockaddr sa[32];
	ck_assert_int_eq(rh->get(sa, 32), 26);
	/* Props and config keep their state in the plugin's private data. */
	ck_prop_eq(call_prop(p, "set", "\"loaded.lan 192.0.2.5\""), "true");
	ck_prop_eq(call_prop(p, "get", "\"LOADED.lan\""), "[\"192.0.2.5\"]");
	ck_prop_eq(call_prop(p, "ttl", "17"), "17");
	char *hosts = test_file("192.0.2.6 from-file.lan\n");
	char args[600];
	snprintf(args, sizeof(args), "{\"file\": \"%s\"}", hosts);
	ck_assert_int_eq(p->api->config(p, args), 0);
	ck_prop_eq(call_prop(p, "get", "\"loaded.lan\""), NULL);
	ck_prop_eq(call_prop(p, "get", "\"from-file.lan\""), "[\"192.0.2.6\"]");
	ck_assert_int_ne(p->api->config(p, "\"/nonexistent/hosts\""), 0);
	json_t *v = test_json(call_prop(p, "root", "{\"r.example.\": 42}"));
	ck_assert(test_is_error(v, "root"));
	json_decref(v);
	test_file_drop(hosts);
	/* deinit withdraws the service. */
	ck_assert_int_eq(kr_loader_unload(&ctx, "hints"), 0);
	ck_assert_ptr_null(kr_service_get(KR_SERVICE_ROOT_HINTS));
	kr_context_deinit(&ctx);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { open_plugin, close_plugin, 0 };
	Suite *s = suite_create("hints_plugin");
	unit_tcase(s, "kr_plugin_descriptor", &fx, test_descriptor, test_props, test_hidden_symbols);
	unit_tcase(s, "kr_loader_load", NULL, test_through_loader);
	return unit_run(s);
}
