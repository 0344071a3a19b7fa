/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of loader/loader.c: dlopen() of real test plugins (built from
 * tests/unit/loader/plugins/), the ABI check, the call order and unloading.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "loader/loader.h"
#include "tests/unit/check_main.h"

/** Where the test plugins were built. */
static const char *plugin_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	const char *build = getenv("KRESD_BUILDDIR");
	if (build && *build) {
		snprintf(dir, sizeof(dir), "%s/tests/unit/loader/plugins/.libs", build);
		return dir;
	}
	/* Run by hand: next to this binary (or its libtool .libs/ directory). */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	*slash = '\0';
	size_t len = strlen(exe);
	if (len >= 6 && strcmp(exe + len - 6, "/.libs") == 0)
		exe[len - 6] = '\0';
	snprintf(dir, sizeof(dir), "%s/plugins/.libs", exe);
	return dir;
}

static struct kr_context ctx;
static char err[512];

static void setup(void)
{
	ck_assert_int_eq(kr_context_init(&ctx, plugin_dir()), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	kr_context_deinit(&ctx);
}

/** The call order as "a b c". */
static const char *order(void)
{
	static char buf[256];
	buf[0] = '\0';
	for (size_t i = 0; i < ctx.plugin_count; ++i) {
		if (i)
			strcat(buf, " ");
		strcat(buf, ctx.plugins[i]->name);
	}
	return buf;
}

static int load(const char *name)
{
	return kr_loader_load(&ctx, name, KR_PLACE_END, NULL, err, sizeof(err));
}

#define ck_err_has(part) \
	ck_assert_msg(strstr(err, (part)) != NULL, "error '%s' lacks '%s'", err, (part))

/** Run the code between CAPTURE_BEGIN and CAPTURE_END with stderr going to captured[]. */
static char captured[4096];
static FILE *capture_file;
static int capture_saved;

static void capture_begin(void)
{
	kr_log_set_verbose(true);   /* the test plugins log their deinit at debug level */
	fflush(stderr);
	capture_file = tmpfile();
	ck_assert_ptr_nonnull(capture_file);
	capture_saved = dup(2);
	ck_assert_int_ge(dup2(fileno(capture_file), 2), 0);
}

static void capture_end(void)
{
	fflush(stderr);
	kr_log_set_verbose(false);
	dup2(capture_saved, 2);
	close(capture_saved);
	rewind(capture_file);
	size_t n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
}

/* --- kr_loader_load --- */

START_TEST(test_load_good)
{
	ck_assert_ptr_null(kr_service_get("loader_test_good"));
	ck_assert_int_eq(load("good"), 0);
	ck_assert_str_eq(err, "");
	struct kr_plugin *p = kr_loader_find(&ctx, "good");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(order(), "good");
	ck_assert_str_eq(kr_plugin_name(p), "good");
	ck_assert_ptr_nonnull(p->dl);
	char expect[PATH_MAX];
	snprintf(expect, sizeof(expect), "%s/good.so", plugin_dir());
	ck_assert_str_eq(p->path, expect);
	ck_assert_uint_eq(p->api->abi, KR_PLUGIN_ABI);
	ck_assert_str_eq(p->api->name, "good");
	/* init ran: it made its data and offered it as a service */
	void *data = kr_plugin_data(p);
	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_eq(kr_service_get("loader_test_good"), data);

	/* the layer is reachable and works on the plugin's own data */
	const struct kr_layer_api *layer = p->api->layer;
	ck_assert_ptr_nonnull(layer);
	ck_assert_uint_eq(layer->size, sizeof(struct kr_layer_api));
	ck_assert_ptr_nonnull(layer->begin);
	struct kr_layer_ctx lctx = { .state = KR_STATE_PRODUCE, .plugin = p };
	ck_assert_int_eq(layer->begin(&lctx), KR_STATE_PRODUCE);
	ck_assert_int_eq(layer->begin(&lctx), KR_STATE_PRODUCE);
	/* the props, by name */
	const struct kr_plugin_prop *props = p->api->props;
	ck_assert_ptr_nonnull(props);
	int found = 0;
	for (; props->name; ++props) {
		char *out = props->cb(p, NULL);
		ck_assert_ptr_nonnull(out);
		if (strcmp(props->name, "begins") == 0) {
			ck_assert_str_eq(out, "2");
			++found;
		} else if (strcmp(props->name, "name") == 0) {
			ck_assert_str_eq(out, "\"good\"");
			++found;
		}
		ck_assert_ptr_nonnull(props->help);
		free(out);
	}
	ck_assert_int_eq(found, 2);

	/* loaded again: nothing happens (no second instance, no second init) */
	ck_assert_int_eq(load("good"), 0);
	ck_assert_uint_eq(ctx.plugin_count, 1);
	ck_assert_ptr_eq(kr_loader_find(&ctx, "good"), p);
	ck_assert_ptr_eq(kr_plugin_data(p), data);
}
END_TEST

START_TEST(test_load_abi)
{
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("abi_next"), KR_EABI);
	/* the reason names the plugin, its file, its ABI and ours */
	ck_err_has("abi_next");
	char expect[256];
	snprintf(expect, sizeof(expect), "%s/abi_next.so", plugin_dir());
	ck_err_has(expect);
	snprintf(expect, sizeof(expect), "was built for ABI %d, this kresd has %d: rebuild it",
		 KR_PLUGIN_ABI + 1, KR_PLUGIN_ABI);
	ck_err_has(expect);
	/* the context is unchanged, and still usable */
	ck_assert_ptr_null(kr_loader_find(&ctx, "abi_next"));
	ck_assert_str_eq(order(), "a");
	ck_assert_int_eq(load("b"), 0);
	ck_assert_str_eq(order(), "a b");
	ck_assert_str_eq(kr_strerror(KR_EABI), kr_strerror(KR_EABI));
}
END_TEST

START_TEST(test_load_old_layer)
{
	/* a layer struct shorter than ours cannot be called safely */
	ck_assert_int_eq(load("old_layer"), KR_EABI);
	ck_err_has("old_layer");
	ck_err_has("layer");
	ck_err_has("rebuild it");
	ck_assert_uint_eq(ctx.plugin_count, 0);
}
END_TEST

START_TEST(test_load_descriptor_size)
{
	/* ABI 1 as first released: loads, and its descriptor ends before the
	 * appended members (which the core then reads as NULL). */
	ck_assert_int_eq(load("first_abi1"), 0);
	ck_assert_uint_eq(ctx.plugin_count, 1);
	const struct kr_plugin_api *api = ctx.plugins[0]->api;
	ck_assert_uint_eq(api->size, KR_PLUGIN_API_MIN_SIZE);
	ck_assert(!KR_PLUGIN_API_HAS(api, answers_reusable));
	ck_assert(!KR_PLUGIN_API_HAS(api, answer_reused));
	/* shorter than ABI 1 ever was: refused */
	ck_assert_int_eq(load("short_api"), KR_EABI);
	ck_err_has("short_api");
	ck_err_has("descriptor of");
	ck_err_has("rebuild it");
	ck_assert_uint_eq(ctx.plugin_count, 1);
}
END_TEST

START_TEST(test_load_missing)
{
	ck_assert_int_eq(load("missing"), KR_ENOPLUGIN);
	ck_err_has("missing");
	char expect[PATH_MAX];
	snprintf(expect, sizeof(expect), "%s/missing.so", plugin_dir());
	ck_err_has(expect);
	ck_assert_uint_eq(ctx.plugin_count, 0);
	/* another directory */
	free(ctx.moduledir);
	ctx.moduledir = strdup("/nonexistent-kresd-dir");
	ck_assert_int_eq(load("good"), KR_ENOPLUGIN);
	ck_err_has("/nonexistent-kresd-dir/good.so");
}
END_TEST

START_TEST(test_load_bad_descriptor)
{
	/* a shared object that is not a plugin */
	ck_assert_int_eq(load("no_symbol"), -EINVAL);
	ck_err_has("no_symbol");
	ck_err_has(KR_PLUGIN_SYMBOL);
	ck_err_has("not a kresd plugin");
	/* a descriptor naming another plugin than its file */
	ck_assert_int_eq(load("wrong_name"), -EINVAL);
	ck_err_has("wrong_name");
	ck_err_has("'other_name'");
	ck_assert_uint_eq(ctx.plugin_count, 0);
	ck_assert_ptr_null(kr_loader_find(&ctx, "other_name"));
	ck_assert_int_eq(load("good"), 0);
}
END_TEST

START_TEST(test_load_init_fail)
{
	ck_assert_int_eq(load("a"), 0);
	capture_begin();
	int ret = load("init_fail");
	capture_end();
	/* the plugin's own error, explained; deinit never runs for a failed init */
	ck_assert_int_eq(ret, -ENOTSUP);
	ck_err_has("init_fail");
	ck_err_has("initialisation failed");
	ck_err_has(kr_strerror(-ENOTSUP));
	ck_assert_msg(strstr(captured, "deinit after a failed init") == NULL, "%s", captured);
	ck_assert_ptr_null(kr_loader_find(&ctx, "init_fail"));
	ck_assert_str_eq(order(), "a");
}
END_TEST

START_TEST(test_load_invalid_name)
{
	const char *bad[] = { "../x", "A", "", "a/b", "a.b", "x y", "good.so", "Good", "/good",
			      "x\n", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		err[0] = 'X';
		ck_assert_msg(load(bad[i]) == -EINVAL, "'%s' accepted", bad[i]);
		ck_err_has("invalid plugin name");
	}
	ck_assert_int_eq(load(NULL), -EINVAL);
	/* 64 characters are allowed (then the file is missing), 65 are not */
	char name[70];
	memset(name, 'x', 65);
	name[65] = '\0';
	ck_assert_int_eq(load(name), -EINVAL);
	name[64] = '\0';
	ck_assert_int_eq(load(name), KR_ENOPLUGIN);
	ck_assert_uint_eq(ctx.plugin_count, 0);
}
END_TEST

START_TEST(test_load_errbuf)
{
	/* no buffer */
	ck_assert_int_eq(kr_loader_load(&ctx, "missing", KR_PLACE_END, NULL, NULL, 0), KR_ENOPLUGIN);
	ck_assert_int_eq(kr_loader_load(&ctx, "../x", KR_PLACE_END, NULL, NULL, 0), -EINVAL);
	/* a small buffer: cut, but terminated and not overrun (ASan) */
	char *small = malloc(10);
	ck_assert_int_eq(kr_loader_load(&ctx, "abi_next", KR_PLACE_END, NULL, small, 10), KR_EABI);
	ck_assert_uint_eq(strlen(small), 9);
	ck_assert(strncmp(small, "plugin ab", 9) == 0);
	free(small);
	/* success clears an old message */
	strcpy(err, "stale");
	ck_assert_int_eq(load("a"), 0);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_load_place)
{
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("b"), 0);
	ck_assert_int_eq(load("c"), 0);
	ck_assert_str_eq(order(), "a b c");
	/* 'c < a': c before a */
	ck_assert_int_eq(kr_loader_load(&ctx, "c", KR_PLACE_BEFORE, "a", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "c a b");
	/* 'a > c': a right after c (already there) */
	ck_assert_int_eq(kr_loader_load(&ctx, "a", KR_PLACE_AFTER, "c", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "c a b");
	/* 'c > b': to the end */
	ck_assert_int_eq(kr_loader_load(&ctx, "c", KR_PLACE_AFTER, "b", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "a b c");
	/* 'b > c', 'c < a' */
	ck_assert_int_eq(kr_loader_load(&ctx, "b", KR_PLACE_AFTER, "c", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "a c b");
	ck_assert_int_eq(kr_loader_load(&ctx, "b", KR_PLACE_BEFORE, "a", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "b a c");
	/* a new plugin placed on load */
	ck_assert_int_eq(kr_loader_load(&ctx, "good", KR_PLACE_AFTER, "b", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "b good a c");
	/* loading without a place keeps the current one */
	ck_assert_int_eq(load("b"), 0);
	ck_assert_str_eq(order(), "b good a c");
	/* moving keeps the plugin (no reload: its data stays) */
	void *data = kr_plugin_data(kr_loader_find(&ctx, "good"));
	ck_assert_int_eq(kr_loader_load(&ctx, "good", KR_PLACE_BEFORE, "b", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "good b a c");
	ck_assert_ptr_eq(kr_plugin_data(kr_loader_find(&ctx, "good")), data);
	ck_assert_ptr_eq(kr_service_get("loader_test_good"), data);
}
END_TEST

START_TEST(test_load_precedence_errors)
{
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("b"), 0);
	/* the reference is not loaded: the plugin is not loaded either */
	ck_assert_int_eq(kr_loader_load(&ctx, "good", KR_PLACE_AFTER, "c", err, sizeof(err)),
			 KR_EPRECEDENCE);
	ck_err_has("good");
	ck_err_has("'c'");
	ck_assert_ptr_null(kr_loader_find(&ctx, "good"));
	ck_assert_ptr_null(kr_service_get("loader_test_good"));
	/* ... nor moved */
	ck_assert_int_eq(kr_loader_load(&ctx, "a", KR_PLACE_AFTER, "c", err, sizeof(err)),
			 KR_EPRECEDENCE);
	ck_assert_str_eq(order(), "a b");
	/* a plugin relative to itself */
	ck_assert_int_eq(kr_loader_load(&ctx, "a", KR_PLACE_BEFORE, "a", err, sizeof(err)),
			 KR_EPRECEDENCE);
	ck_assert_str_eq(order(), "a b");
	/* an invalid reference: the message names it */
	ck_assert_int_eq(kr_loader_load(&ctx, "good", KR_PLACE_AFTER, "../b", err, sizeof(err)), -EINVAL);
	ck_err_has("plugin good:");
	ck_err_has("invalid plugin name '../b'");
	ck_assert_int_eq(kr_loader_load(&ctx, "good", KR_PLACE_BEFORE, NULL, err, sizeof(err)), -EINVAL);
	ck_err_has("invalid plugin name");
	ck_assert_str_eq(order(), "a b");
}
END_TEST

/* --- kr_loader_load_spec --- */

static int spec(const char *s)
{
	return kr_loader_load_spec(&ctx, s, err, sizeof(err));
}

START_TEST(test_load_spec)
{
	ck_assert_int_eq(spec("  a "), 0);
	ck_assert_int_eq(spec("b"), 0);
	ck_assert_str_eq(order(), "a b");
	/* 'c < a' puts c first */
	ck_assert_int_eq(spec("c < a"), 0);
	ck_assert_str_eq(order(), "c a b");
	/* 'a > b' moves a after b; whitespace anywhere or nowhere */
	ck_assert_int_eq(spec("a>b"), 0);
	ck_assert_str_eq(order(), "c b a");
	ck_assert_int_eq(spec("\tb <\tc\n"), 0);
	ck_assert_str_eq(order(), "b c a");
	ck_assert_int_eq(spec("  good>c "), 0);
	ck_assert_str_eq(order(), "b c good a");
	/* both names are trimmed: the error is about 'iterate', not ' iterate ' */
	ck_assert_int_eq(spec("  hints>iterate "), KR_EPRECEDENCE);
	ck_err_has("plugin hints:");
	ck_err_has("'iterate'");
	ck_assert_int_eq(spec("good < missing"), KR_EPRECEDENCE);
	ck_assert_int_eq(spec("missing"), KR_ENOPLUGIN);
	ck_assert_str_eq(order(), "b c good a");
}
END_TEST

START_TEST(test_load_spec_invalid)
{
	const char *bad[] = { "", "   ", "a >", "a > ", "> a", " < a", "a > b > c", "a <> b",
			      "A", "a > B", "a b", "a > b c" };
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("b"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		err[0] = '\0';
		ck_assert_msg(spec(bad[i]) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for '%s'", bad[i]);
	}
	ck_assert_int_eq(spec("a >"), -EINVAL);
	ck_err_has("'name', 'name > other' or 'name < other'");
	/* names longer than any valid one */
	char longspec[200];
	memset(longspec, 'x', 150);
	longspec[150] = '\0';
	ck_assert_int_eq(spec(longspec), -EINVAL);
	strcpy(longspec, "a > ");
	memset(longspec + 4, 'y', 150);
	longspec[154] = '\0';
	ck_assert_int_eq(spec(longspec), -EINVAL);
	ck_assert_int_eq(kr_loader_load_spec(&ctx, "a >", NULL, 0), -EINVAL);
	ck_assert_str_eq(order(), "a b");
}
END_TEST

/* --- kr_loader_unload --- */

START_TEST(test_unload)
{
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("good"), 0);
	ck_assert_int_eq(load("b"), 0);
	ck_assert_ptr_nonnull(kr_service_get("loader_test_good"));
	/* deinit ran (the service is withdrawn), the plugin is gone from the order */
	ck_assert_int_eq(kr_loader_unload(&ctx, "good"), 0);
	ck_assert_ptr_null(kr_service_get("loader_test_good"));
	ck_assert_ptr_null(kr_loader_find(&ctx, "good"));
	ck_assert_str_eq(order(), "a b");
	/* twice */
	ck_assert_int_eq(kr_loader_unload(&ctx, "good"), -ENOENT);
	ck_assert_int_eq(kr_loader_unload(&ctx, "missing"), -ENOENT);
	/* loaded again: a fresh instance */
	ck_assert_int_eq(load("good"), 0);
	ck_assert_ptr_nonnull(kr_service_get("loader_test_good"));
	ck_assert_str_eq(order(), "a b good");
	/* deinit of a plugin without data-owning init */
	capture_begin();
	int ret = kr_loader_unload(&ctx, "a");
	capture_end();
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(strstr(captured, "deinit a") != NULL, "got: %s", captured);
	ck_assert_str_eq(order(), "b good");
}
END_TEST

/* --- kr_loader_find --- */

START_TEST(test_find)
{
	ck_assert_ptr_null(kr_loader_find(&ctx, "a"));
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("b"), 0);
	struct kr_plugin *a = kr_loader_find(&ctx, "a");
	struct kr_plugin *b = kr_loader_find(&ctx, "b");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert_str_eq(a->api->name, "a");
	ck_assert_str_eq(b->api->name, "b");
	ck_assert_ptr_null(kr_loader_find(&ctx, "c"));
	ck_assert_ptr_null(kr_loader_find(&ctx, "A"));
	ck_assert_ptr_null(kr_loader_find(&ctx, ""));
}
END_TEST

/* --- kr_loader_name_valid --- */

START_TEST(test_name_valid)
{
	const char *good[] = { "a", "hints", "policy_2", "dns64", "stats-x", "0", "_", "-" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); ++i)
		ck_assert_msg(kr_loader_name_valid(good[i]), "'%s' refused", good[i]);
	const char *bad[] = { "", "A", "Hints", "../x", "a/b", "a.so", "a b", " a", "a\t", "ä" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(!kr_loader_name_valid(bad[i]), "'%s' accepted", bad[i]);
	ck_assert(!kr_loader_name_valid(NULL));
	char name[66];
	memset(name, 'z', 65);
	name[65] = '\0';
	ck_assert(!kr_loader_name_valid(name));
	name[64] = '\0';
	ck_assert(kr_loader_name_valid(name));
}
END_TEST

/* --- kr_context_init / kr_context_deinit --- */

START_TEST(test_context)
{
	struct kr_context c;
	ck_assert_int_eq(kr_context_init(&c, NULL), 0);
	ck_assert_str_eq(c.moduledir, KR_MODULEDIR);
	ck_assert_uint_eq(c.plugin_count, 0);
	ck_assert_uint_eq(c.max_subqueries, KR_DEFAULT_MAX_SUBQUERIES);
	ck_assert_uint_eq(c.max_cname, KR_DEFAULT_MAX_CNAME);
	ck_assert_uint_eq(c.max_time_ms, KR_DEFAULT_MAX_TIME_MS);
	ck_assert_uint_eq(c.bufsize, KR_DEFAULT_BUFSIZE);
	kr_context_deinit(&c);
	/* the directory is copied */
	char dir[64];
	strcpy(dir, "/some/dir");
	ck_assert_int_eq(kr_context_init(&c, dir), 0);
	strcpy(dir, "/other");
	ck_assert_str_eq(c.moduledir, "/some/dir");
	kr_context_deinit(&c);
}
END_TEST

START_TEST(test_context_deinit)
{
	/* every plugin is unloaded, in reverse call order */
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("b"), 0);
	ck_assert_int_eq(load("c"), 0);
	ck_assert_int_eq(load("good"), 0);
	ck_assert_int_eq(spec("c < a"), 0);
	ck_assert_str_eq(order(), "c a b good");
	capture_begin();
	kr_context_deinit(&ctx);
	capture_end();
	const char *pc = strstr(captured, "deinit c");
	const char *pa = strstr(captured, "deinit a");
	const char *pb = strstr(captured, "deinit b");
	ck_assert_msg(pa && pb && pc && pb < pa && pa < pc, "got: %s", captured);
	ck_assert_ptr_null(kr_service_get("loader_test_good"));
	ck_assert_uint_eq(ctx.plugin_count, 0);
	ck_assert_ptr_null(ctx.plugins);
	ck_assert_ptr_null(ctx.moduledir);
	/* the teardown's second deinit of the emptied context is harmless */
}
END_TEST

/* --- kr_loader_parse_spec --- */

START_TEST(test_parse_spec)
{
	char name[72], ref[72];
	enum kr_loader_place place;
	ck_assert_int_eq(kr_loader_parse_spec("  hints  ", name, &place, ref, err, sizeof(err)), 0);
	ck_assert_str_eq(name, "hints");
	ck_assert_int_eq(place, KR_PLACE_END);
	ck_assert_str_eq(ref, "");
	ck_assert_int_eq(kr_loader_parse_spec("hints  > iterate", name, &place, ref, err, sizeof(err)), 0);
	ck_assert_str_eq(name, "hints");
	ck_assert_int_eq(place, KR_PLACE_AFTER);
	ck_assert_str_eq(ref, "iterate");
	ck_assert_int_eq(kr_loader_parse_spec("view<rrcache", name, &place, ref, err, sizeof(err)), 0);
	ck_assert_str_eq(name, "view");
	ck_assert_int_eq(place, KR_PLACE_BEFORE);
	ck_assert_str_eq(ref, "rrcache");
	ck_assert_int_eq(kr_loader_parse_spec("a >", name, &place, ref, err, sizeof(err)), -EINVAL);
	ck_err_has("invalid plugin declaration 'a >'");
	char longname[100];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(kr_loader_parse_spec(longname, name, &place, ref, NULL, 0), -EINVAL);
}
END_TEST

/* --- kr_loader_add --- */

static int inproc_deinits;

static void inproc_deinit(struct kr_plugin *p)
{
	++inproc_deinits;
	free(kr_plugin_data(p));
}

static const struct kr_plugin_api inproc_api = {
	.size = sizeof(inproc_api), .abi = KR_PLUGIN_ABI, .name = "inproc", .deinit = inproc_deinit,
};

static struct kr_plugin *inproc(const char *name)
{
	struct kr_plugin *p = calloc(1, sizeof(*p));
	ck_assert_ptr_nonnull(p);
	p->api = &inproc_api;
	p->name = strdup(name);
	p->data = malloc(16);
	return p;
}

static void inproc_free(struct kr_plugin *p)
{
	free(p->data);
	free(p->name);
	free(p);
}

START_TEST(test_add)
{
	inproc_deinits = 0;
	ck_assert_int_eq(load("a"), 0);
	ck_assert_int_eq(load("b"), 0);
	struct kr_plugin *x = inproc("x");
	ck_assert_int_eq(kr_loader_add(&ctx, x, KR_PLACE_END, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "a b x");
	ck_assert_ptr_eq(kr_loader_find(&ctx, "x"), x);
	ck_assert_int_eq(kr_loader_add(&ctx, inproc("y"), KR_PLACE_BEFORE, "a", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "y a b x");
	ck_assert_int_eq(kr_loader_add(&ctx, inproc("z"), KR_PLACE_AFTER, "a", NULL, 0), 0);
	ck_assert_str_eq(order(), "y a z b x");
	/* moved like any plugin */
	ck_assert_int_eq(kr_loader_load_spec(&ctx, "x < y", err, sizeof(err)), 0);
	ck_assert_str_eq(order(), "x y a z b");
	/* unloading runs its deinit and frees it */
	ck_assert_int_eq(kr_loader_unload(&ctx, "z"), 0);
	ck_assert_int_eq(inproc_deinits, 1);
	ck_assert_str_eq(order(), "x y a b");
	/* the rest goes with the context (teardown) */
}
END_TEST

START_TEST(test_add_errors)
{
	ck_assert_int_eq(load("a"), 0);
	struct kr_plugin *p = inproc("a");
	ck_assert_int_eq(kr_loader_add(&ctx, p, KR_PLACE_END, NULL, err, sizeof(err)), -EEXIST);
	ck_err_has("plugin a is loaded already");
	inproc_free(p);
	p = inproc("Bad Name");
	ck_assert_int_eq(kr_loader_add(&ctx, p, KR_PLACE_END, NULL, err, sizeof(err)), -EINVAL);
	ck_err_has("invalid plugin name 'Bad Name'");
	inproc_free(p);
	p = inproc("x");
	ck_assert_int_eq(kr_loader_add(&ctx, p, KR_PLACE_AFTER, "nope", err, sizeof(err)), KR_EPRECEDENCE);
	ck_err_has("precedence refers to 'nope', which is not loaded");
	ck_assert_int_eq(kr_loader_add(&ctx, p, KR_PLACE_BEFORE, NULL, err, sizeof(err)), KR_EPRECEDENCE);
	inproc_free(p);
	ck_assert_int_eq(kr_loader_add(&ctx, NULL, KR_PLACE_END, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(order(), "a");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("loader");
	unit_tcase(s, "kr_loader_load", &fx, test_load_good, test_load_abi, test_load_old_layer,
		   test_load_descriptor_size,
		   test_load_missing, test_load_bad_descriptor, test_load_init_fail,
		   test_load_invalid_name, test_load_errbuf, test_load_place, test_load_precedence_errors);
	unit_tcase(s, "kr_loader_load_spec", &fx, test_load_spec, test_load_spec_invalid);
	unit_tcase(s, "kr_loader_parse_spec", &fx, test_parse_spec);
	unit_tcase(s, "kr_loader_add", &fx, test_add, test_add_errors);
	unit_tcase(s, "kr_loader_unload", &fx, test_unload);
	unit_tcase(s, "kr_loader_find", &fx, test_find);
	unit_tcase(s, "kr_loader_name_valid", &fx, test_name_valid);
	unit_tcase(s, "kr_context_init", &fx, test_context, test_context_deinit);
	return unit_run(s);
}
