/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dlopen() of plugins with an ABI check, and their call order. */
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader/loader.h"

void *kr_plugin_data(const struct kr_plugin *plugin)
{
	return plugin->data;
}

void kr_plugin_set_data(struct kr_plugin *plugin, void *data)
{
	plugin->data = data;
}

const char *kr_plugin_name(const struct kr_plugin *plugin)
{
	return plugin->name;
}

bool kr_loader_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; ++i)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

struct kr_plugin *kr_loader_find(const struct kr_context *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->plugin_count; ++i)
		if (strcmp(ctx->plugins[i]->name, name) == 0)
			return ctx->plugins[i];
	return NULL;
}

static ssize_t plugin_index(const struct kr_context *ctx, const struct kr_plugin *p)
{
	for (size_t i = 0; i < ctx->plugin_count; ++i)
		if (ctx->plugins[i] == p)
			return (ssize_t)i;
	return -1;
}

static void order_remove(struct kr_context *ctx, size_t i)
{
	memmove(&ctx->plugins[i], &ctx->plugins[i + 1], (ctx->plugin_count - i - 1) * sizeof(ctx->plugins[0]));
	--ctx->plugin_count;
	++ctx->plugins_gen;
}

static int order_insert(struct kr_context *ctx, size_t at, struct kr_plugin *p)
{
	if (ctx->plugin_count == ctx->plugin_cap) {
		size_t ncap = ctx->plugin_cap ? ctx->plugin_cap * 2 : 16;
		void *n = realloc(ctx->plugins, ncap * sizeof(ctx->plugins[0]));
		if (!n)
			return -ENOMEM;
		ctx->plugins = n;
		ctx->plugin_cap = ncap;
	}
	memmove(&ctx->plugins[at + 1], &ctx->plugins[at], (ctx->plugin_count - at) * sizeof(p));
	ctx->plugins[at] = p;
	++ctx->plugin_count;
	++ctx->plugins_gen;
	return 0;
}

/** Put p (not in the order) at its place. */
static int place_plugin(struct kr_context *ctx, struct kr_plugin *p, enum kr_loader_place place,
			const struct kr_plugin *ref)
{
	size_t at = ctx->plugin_count;
	if (place != KR_PLACE_END) {
		ssize_t r = plugin_index(ctx, ref);
		at = (size_t)r + (place == KR_PLACE_AFTER ? 1 : 0);
	}
	return order_insert(ctx, at, p);
}

static void plugin_free(struct kr_plugin *p)
{
	if (p->dl)
		dlclose(p->dl);
	free(p->name);
	free(p->path);
	free(p);
}

/** dlopen() the file and validate its descriptor. */
static int plugin_open(struct kr_context *ctx, const char *name, struct kr_plugin **out,
		       char *errbuf, size_t errlen)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s.so", ctx->moduledir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		snprintf(errbuf, errlen, "plugin %s: cannot load %s: %s", name, path, dlerror());
		return KR_ENOPLUGIN;
	}
	const struct kr_plugin_api *api = dlsym(dl, KR_PLUGIN_SYMBOL);
	int ret = -EINVAL;
	if (!api) {
		snprintf(errbuf, errlen, "plugin %s (%s) has no symbol %s: not a kresd plugin",
			 name, path, KR_PLUGIN_SYMBOL);
		goto fail;
	}
	if (api->abi != KR_PLUGIN_ABI) {
		snprintf(errbuf, errlen, "plugin %s (%s) was built for ABI %u, this kresd has %u: rebuild it",
			 name, path, (unsigned)api->abi, (unsigned)KR_PLUGIN_ABI);
		ret = KR_EABI;
		goto fail;
	}
	if (api->size < KR_PLUGIN_API_MIN_SIZE) {
		snprintf(errbuf, errlen, "plugin %s (%s) has a descriptor of %zu bytes, ABI %u needs %zu: rebuild it",
			 name, path, api->size, (unsigned)KR_PLUGIN_ABI, (size_t)KR_PLUGIN_API_MIN_SIZE);
		ret = KR_EABI;
		goto fail;
	}
	if (!api->name || strcmp(api->name, name) != 0) {
		snprintf(errbuf, errlen, "plugin file %s declares the name '%s', expected '%s'",
			 path, api->name ? api->name : "(null)", name);
		goto fail;
	}
	if (api->layer && api->layer->size < sizeof(struct kr_layer_api)) {
		snprintf(errbuf, errlen, "plugin %s (%s) has a layer of %zu bytes, ABI %u needs %zu: rebuild it",
			 name, path, api->layer->size, (unsigned)KR_PLUGIN_ABI, sizeof(struct kr_layer_api));
		ret = KR_EABI;
		goto fail;
	}
	struct kr_plugin *p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name)) || !(p->path = strdup(path))) {
		if (p)
			free(p->name);
		free(p);
		ret = -ENOMEM;
		snprintf(errbuf, errlen, "plugin %s: out of memory", name);
		goto fail;
	}
	p->api = api;
	p->dl = dl;
	*out = p;
	return 0;
fail:
	dlclose(dl);
	return ret;
}

int kr_loader_load(struct kr_context *ctx, const char *name, enum kr_loader_place place,
		   const char *ref, char *errbuf, size_t errlen)
{
	char dummy[8];
	if (!errbuf) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if (!kr_loader_name_valid(name)) {
		snprintf(errbuf, errlen, "invalid plugin name '%s'", name ? name : "");
		return -EINVAL;
	}
	if (place != KR_PLACE_END && !kr_loader_name_valid(ref)) {
		snprintf(errbuf, errlen, "plugin %s: invalid plugin name '%s' in its precedence",
			 name, ref ? ref : "");
		return -EINVAL;
	}
	struct kr_plugin *refp = NULL;
	if (place != KR_PLACE_END) {
		refp = kr_loader_find(ctx, ref);
		if (!refp || strcmp(ref, name) == 0) {
			snprintf(errbuf, errlen, "plugin %s: precedence refers to '%s', which is not loaded",
				 name, ref);
			return KR_EPRECEDENCE;
		}
	}
	struct kr_plugin *p = kr_loader_find(ctx, name);
	if (p) {
		if (place == KR_PLACE_END)
			return 0;
		order_remove(ctx, (size_t)plugin_index(ctx, p));
		return place_plugin(ctx, p, place, refp);
	}
	int ret = plugin_open(ctx, name, &p, errbuf, errlen);
	if (ret != 0)
		return ret;
	if (p->api->init && (ret = p->api->init(p)) != 0) {
		snprintf(errbuf, errlen, "plugin %s: initialisation failed: %s", name, kr_strerror(ret));
		plugin_free(p);
		return ret;
	}
	ret = place_plugin(ctx, p, place, refp);
	if (ret != 0) {
		if (p->api->deinit)
			p->api->deinit(p);
		plugin_free(p);
	}
	return ret;
}

int kr_loader_parse_spec(const char *spec, char *name, enum kr_loader_place *place, char *ref,
			 char *errbuf, size_t errlen)
{
	const size_t max = 72;
	name[0] = ref[0] = '\0';
	*place = KR_PLACE_END;
	const char *op = strpbrk(spec, "<>");
	const char *start = spec, *end = op ? op : spec + strlen(spec);
	/* Trim the name part. */
	while (start < end && isspace((unsigned char)*start))
		++start;
	while (end > start && isspace((unsigned char)end[-1]))
		--end;
	if ((size_t)(end - start) >= max)
		goto bad;
	memcpy(name, start, end - start);
	name[end - start] = '\0';
	if (op) {
		*place = *op == '>' ? KR_PLACE_AFTER : KR_PLACE_BEFORE;
		const char *r = op + 1, *rend = r + strlen(r);
		while (r < rend && isspace((unsigned char)*r))
			++r;
		while (rend > r && isspace((unsigned char)rend[-1]))
			--rend;
		if ((size_t)(rend - r) >= max || rend == r)
			goto bad;
		memcpy(ref, r, rend - r);
		ref[rend - r] = '\0';
	}
	return 0;
bad:
	if (errbuf)
		snprintf(errbuf, errlen, "invalid plugin declaration '%s': expected 'name', 'name > other' or 'name < other'", spec);
	return -EINVAL;
}

int kr_loader_load_spec(struct kr_context *ctx, const char *spec, char *errbuf, size_t errlen)
{
	char name[72], ref[72];
	enum kr_loader_place place;
	int ret = kr_loader_parse_spec(spec, name, &place, ref, errbuf, errlen);
	if (ret != 0)
		return ret;
	return kr_loader_load(ctx, name, place, place != KR_PLACE_END ? ref : NULL, errbuf, errlen);
}

int kr_loader_add(struct kr_context *ctx, struct kr_plugin *p, enum kr_loader_place place,
		  const char *ref, char *errbuf, size_t errlen)
{
	char dummy[8];
	if (!errbuf) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if (!p || !p->api || !kr_loader_name_valid(p->name)) {
		snprintf(errbuf, errlen, "invalid plugin name '%s'", p && p->name ? p->name : "");
		return -EINVAL;
	}
	if (kr_loader_find(ctx, p->name)) {
		snprintf(errbuf, errlen, "plugin %s is loaded already", p->name);
		return -EEXIST;
	}
	struct kr_plugin *refp = NULL;
	if (place != KR_PLACE_END) {
		refp = ref ? kr_loader_find(ctx, ref) : NULL;
		if (!refp) {
			snprintf(errbuf, errlen, "plugin %s: precedence refers to '%s', which is not loaded",
				 p->name, ref ? ref : "");
			return KR_EPRECEDENCE;
		}
	}
	return place_plugin(ctx, p, place, refp);
}

int kr_loader_unload(struct kr_context *ctx, const char *name)
{
	struct kr_plugin *p = kr_loader_find(ctx, name);
	if (!p)
		return -ENOENT;
	order_remove(ctx, (size_t)plugin_index(ctx, p));
	if (p->api->deinit)
		p->api->deinit(p);
	plugin_free(p);
	return 0;
}

int kr_context_init(struct kr_context *ctx, const char *moduledir)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->moduledir = strdup(moduledir ? moduledir : KR_MODULEDIR);
	if (!ctx->moduledir)
		return -ENOMEM;
	ctx->max_subqueries = KR_DEFAULT_MAX_SUBQUERIES;
	ctx->max_cname = KR_DEFAULT_MAX_CNAME;
	ctx->max_time_ms = KR_DEFAULT_MAX_TIME_MS;
	ctx->bufsize = KR_DEFAULT_BUFSIZE;
	return 0;
}

void kr_context_deinit(struct kr_context *ctx)
{
	while (ctx->plugin_count > 0)
		kr_loader_unload(ctx, ctx->plugins[ctx->plugin_count - 1]->name);
	free(ctx->plugins);
	free(ctx->steps);
	free(ctx->moduledir);
	memset(ctx, 0, sizeof(*ctx));
}
