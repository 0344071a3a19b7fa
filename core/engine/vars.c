/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-plugin data attached to requests and sub-queries. */
#include "core/engine/engine.h"

/** One plugin's entry; a short list per request or sub-query (few plugins set data). */
struct plugin_var {
	struct plugin_var *next;
	const struct kr_plugin *plugin;
	void *data;
};

static void *vars_get(const struct plugin_var *v, const struct kr_plugin *plugin)
{
	for (; v; v = v->next)
		if (v->plugin == plugin)
			return v->data;
	return NULL;
}

static int vars_set(void **head, kr_mm_t *pool, const struct kr_plugin *plugin, void *data)
{
	for (struct plugin_var *v = *head; v; v = v->next) {
		if (v->plugin == plugin) {
			v->data = data;
			return 0;
		}
	}
	struct plugin_var *v = kr_mm_alloc(pool, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->plugin = plugin;
	v->data = data;
	v->next = *head;
	*head = v;
	return 0;
}

void *kr_request_data(const struct kr_request *req, const struct kr_plugin *plugin)
{
	return vars_get(req->plugin_vars, plugin);
}

int kr_request_set_data(struct kr_request *req, const struct kr_plugin *plugin, void *data)
{
	return vars_set(&req->plugin_vars, req->pool, plugin, data);
}

void *kr_query_data(const struct kr_query *qry, const struct kr_plugin *plugin)
{
	return vars_get(qry->plugin_vars, plugin);
}

int kr_query_set_data(struct kr_request *req, struct kr_query *qry, const struct kr_plugin *plugin, void *data)
{
	return vars_set(&qry->plugin_vars, req->pool, plugin, data);
}
