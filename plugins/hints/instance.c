/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A hints instance: its lifetime and the root hints service it offers. */
#include <stdlib.h>
#include "plugins/hints/hints-impl.h"

/* The instance behind KR_SERVICE_ROOT_HINTS (the service API has no context). */
static struct hints *service_owner;

struct hints *hints_new(void)
{
	struct hints *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	hints_table_init(&h->table);
	hints_root_init(&h->root);
	h->ttl = HINTS_DEFAULT_TTL;
	if (hints_table_defaults(&h->table) != 0 || hints_root_defaults(&h->root) != 0) {
		hints_free(h);
		return NULL;
	}
	return h;
}

void hints_free(struct hints *h)
{
	if (!h)
		return;
	if (service_owner == h)
		hints_service_stop(h);
	hints_table_clear(&h->table);
	hints_root_clear(&h->root);
	free(h);
}

static int root_hints_get(union kr_sockaddr *out, int max)
{
	return service_owner ? hints_root_get(&service_owner->root, out, max) : 0;
}

static const struct kr_root_hints_api root_hints_api = {
	.size = sizeof(root_hints_api),
	.get = root_hints_get,
};

int hints_service_start(struct hints *h)
{
	if (service_owner)
		return -EEXIST;
	int ret = kr_service_register(KR_SERVICE_ROOT_HINTS, &root_hints_api);
	if (ret == 0)
		service_owner = h;
	return ret;
}

void hints_service_stop(struct hints *h)
{
	if (service_owner != h)
		return;
	kr_service_unregister(KR_SERVICE_ROOT_HINTS, &root_hints_api);
	service_owner = NULL;
}
