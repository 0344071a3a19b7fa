/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A test plugin whose descriptor claims SIZED_SIZE bytes, as if built against
 * an older header: first_abi1 (ABI 1 before its appended members) must load
 * and read as NULL past its size; short_api (less than ABI 1 ever had) must not.
 */
#include <stddef.h>
#include <kres/kres.h>

#define STR_(x) #x
#define STR(x) STR_(x)

static enum kr_layer_state sized_begin(struct kr_layer_ctx *ctx)
{
	return ctx->state;
}

static const struct kr_layer_api sized_layer = {
	.size = sizeof(sized_layer),
	.begin = sized_begin,
};

/* Written out instead of KR_PLUGIN_DECLARE() to claim another size; the
 * members past it are set, and must never be read. */
KR_EXPORT const struct kr_plugin_api kr_plugin_descriptor = {
	.size = SIZED_SIZE,
	.abi = KR_PLUGIN_ABI,
	.name = STR(SIZED_NAME),
	.layer = &sized_layer,
	.answers_reusable = kr_answer_cache_allow,
};
