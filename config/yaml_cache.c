/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cache: storage, size-max, ttl-min, ttl-max, answers-size-max. */
#include <stdio.h>
#include <string.h>
#include "config/yaml.h"

void kr__yaml_cache(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "storage", "size-max", "ttl-min", "ttl-max", "answers-size-max", NULL };
	if (!kr__yaml_want_map(ctx, n, "cache"))
		return;
	kr__yaml_check_keys(ctx, n, "cache", keys);
	const struct kr_yaml_node *storage = kr__yaml_get(n, "storage"), *size = kr__yaml_get(n, "size-max");
	const struct kr_yaml_node *min = kr__yaml_get(n, "ttl-min"), *max = kr__yaml_get(n, "ttl-max");
	const char *dir = NULL, *uri = NULL;
	long long bytes = 0, tmin = -1, tmax = -1;
	if (storage && kr__yaml_string(ctx, storage, "cache.storage", &dir)) {
		/* A directory, as in Knot Resolver 6; a URI such as bdb:///var/cache/kresd as it is. */
		char buf[4200];
		snprintf(buf, sizeof(buf), "%s%s", strstr(dir, "://") ? "" : "bdb://", dir);
		uri = kr__yaml_quote(ctx, buf, strlen(buf));
	}
	if (size && !kr__yaml_size(ctx, size, "cache.size-max", 1LL << 20, 1LL << 50, &bytes))
		size = NULL;
	if (min && !kr__yaml_seconds(ctx, min, "cache.ttl-min", 0, 4294967294LL, &tmin))
		min = NULL;
	if (max && !kr__yaml_seconds(ctx, max, "cache.ttl-max", 1, 4294967295LL, &tmax))
		max = NULL;
	if (min && max && tmin >= tmax)
		kr__yaml_error(ctx, min, "cache.ttl-min", "must be less than ttl-max (%lld seconds)", tmax);
	if (uri && size)
		kr__yaml_emit(ctx, size, "cache.size-max", "cache.open(%lld, %s)\n", bytes, uri);
	else if (uri)
		kr__yaml_emit(ctx, storage, "cache.storage", "cache.storage = %s\n", uri);
	else if (size)
		kr__yaml_emit(ctx, size, "cache.size-max", "cache.size = %lld\n", bytes);
	/* The largest first: the smallest must stay below it. */
	if (max)
		kr__yaml_emit(ctx, max, "cache.ttl-max", "cache.max_ttl(%lld)\n", tmax);
	if (min)
		kr__yaml_emit(ctx, min, "cache.ttl-min", "cache.min_ttl(%lld)\n", tmin);
	/* The core's answer cache (per process, in memory), not the cache plugin's. */
	const struct kr_yaml_node *answers = kr__yaml_get(n, "answers-size-max");
	long long abytes;
	if (answers && kr__yaml_size(ctx, answers, "cache.answers-size-max", 0, 1LL << 30, &abytes))
		kr__yaml_emit(ctx, answers, "cache.answers-size-max", "worker.answer_cache(%lld)\n", abytes);
}
