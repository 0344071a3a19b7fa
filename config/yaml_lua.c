/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing the generated Lua: text buffers, string literals, and the map from
 * each Lua line back to its place in the YAML file. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/yaml.h"

void kr__yaml_buf_add(struct kr_yaml_buf *b, const char *data, size_t len)
{
	if (b->failed)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void kr__yaml_buf_printf(struct kr_yaml_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[512];
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		kr__yaml_buf_add(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	kr__yaml_buf_add(b, big, (size_t)n);
	free(big);
}

/** Remember that the next Lua line comes from node at path. */
static void add_origin(struct kr_yaml_ctx *ctx, int line, int col, const char *path, bool verbatim)
{
	struct kr_yaml_lua *out = ctx->out;
	if (out->origin_count == ctx->origin_cap) {
		size_t cap = ctx->origin_cap ? ctx->origin_cap * 2 : 32;
		void *o = realloc(out->origins, cap * sizeof(*out->origins));
		if (!o) {
			ctx->lua.failed = true;
			return;
		}
		out->origins = o;
		ctx->origin_cap = cap;
	}
	out->origins[out->origin_count++] = (struct kr_yaml_origin){
		.lua_line = ctx->lua_lines + 1, .line = line, .col = col, .path = path, .verbatim = verbatim,
	};
}

static void count_lines(struct kr_yaml_ctx *ctx, size_t from)
{
	for (size_t i = from; i < ctx->lua.len; ++i)
		if (ctx->lua.data[i] == '\n')
			++ctx->lua_lines;
}

void kr__yaml_emit(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path, const char *fmt, ...)
{
	if (ctx->out->error_count)
		return;   /* nothing will run: only the checks go on */
	add_origin(ctx, node ? node->line : 1, node ? node->col : 1, path, false);
	size_t from = ctx->lua.len;
	va_list ap;
	va_start(ap, fmt);
	char small[1024];
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(small)) {
		kr__yaml_buf_add(&ctx->lua, small, (size_t)n);
	} else if (n >= 0) {
		char *big = malloc((size_t)n + 1);
		if (!big) {
			ctx->lua.failed = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		kr__yaml_buf_add(&ctx->lua, big, (size_t)n);
		free(big);
	}
	count_lines(ctx, from);
}

void kr__yaml_emit_verbatim(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path)
{
	if (ctx->out->error_count)
		return;
	/* A '|' block starts on the line after its indicator; other styles are mapped to the key. */
	add_origin(ctx, node->line + (node->literal ? 1 : 0), node->literal ? 1 : node->col, path, node->literal);
	size_t from = ctx->lua.len;
	kr__yaml_buf_add(&ctx->lua, node->text, node->len);
	if (node->len == 0 || node->text[node->len - 1] != '\n')
		kr__yaml_buf_add(&ctx->lua, "\n", 1);
	count_lines(ctx, from);
}

const char *kr__yaml_quote(struct kr_yaml_ctx *ctx, const char *s, size_t len)
{
	char *q = kr_mm_alloc(ctx->mm, len * 4 + 3);
	if (!q)
		return "''";
	size_t j = 0;
	q[j++] = '\'';
	for (size_t i = 0; i < len; ++i) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' || c == '\'') {
			q[j++] = '\\';
			q[j++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			j += (size_t)sprintf(q + j, "\\%03u", c);
		} else {
			q[j++] = (char)c;
		}
	}
	q[j++] = '\'';
	q[j] = '\0';
	return q;
}

/** A plain scalar that reads as a number in YAML and in Lua: -12, 3.5, 1e3. */
static bool is_number(const char *s)
{
	if (*s == '-')
		++s;
	const char *digits = s;
	while (*s >= '0' && *s <= '9')
		++s;
	bool whole = s > digits;
	if (*s == '.') {
		++s;
		const char *frac = s;
		while (*s >= '0' && *s <= '9')
			++s;
		whole = whole || s > frac;
	}
	if (whole && (*s == 'e' || *s == 'E')) {
		++s;
		if (*s == '-' || *s == '+')
			++s;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			++s;
	}
	return whole && *s == '\0';
}

/** Can the key be written bare in a Lua table constructor? */
static bool is_identifier(const char *s, size_t len)
{
	static const char *const keywords[] = {
		"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in",
		"local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while", NULL,
	};
	if (len == 0 || len > 64 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < len; ++i)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	for (const char *const *k = keywords; *k; ++k)
		if (strcmp(s, *k) == 0)
			return false;
	return true;
}

/** Append the Lua literal of node to b (depth is bounded by the parser). */
static void lua_value(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, struct kr_yaml_buf *b)
{
	if (n->kind == KR_YAML_SCALAR) {
		if (kr__yaml_is_null(n)) {
			kr__yaml_buf_printf(b, "nil");
		} else if (n->plain && (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0)) {
			kr__yaml_buf_printf(b, "%s", n->text);
		} else if (n->plain && n->len < 64 && is_number(n->text)) {
			kr__yaml_buf_printf(b, "%s", n->text);
		} else {
			kr__yaml_buf_printf(b, "%s", kr__yaml_quote(ctx, n->text, n->len));
		}
		return;
	}
	kr__yaml_buf_printf(b, "{");
	for (size_t i = 0; i < n->count; ++i) {
		kr__yaml_buf_printf(b, "%s", i ? ", " : " ");
		if (n->kind == KR_YAML_MAP) {
			const struct kr_yaml_node *k = n->keys[i];
			if (is_identifier(k->text, k->len))
				kr__yaml_buf_printf(b, "%s = ", k->text);
			else
				kr__yaml_buf_printf(b, "[%s] = ", kr__yaml_quote(ctx, k->text, k->len));
		}
		lua_value(ctx, n->items[i], b);
	}
	kr__yaml_buf_printf(b, "%s}", n->count ? " " : "");
}

const char *kr__yaml_lua_value(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path)
{
	struct kr_yaml_buf b = { 0 };
	lua_value(ctx, node, &b);
	if (b.failed || !b.data) {
		free(b.data);
		ctx->lua.failed = true;
		return "nil";
	}
	const char *ret = kr_mm_memdup(ctx->mm, b.data, b.len + 1);
	free(b.data);
	return ret ? ret : "nil";
}

const struct kr_yaml_origin *kr__yaml_origin(const struct kr_yaml_lua *t, int lua_line)
{
	const struct kr_yaml_origin *found = NULL;
	for (size_t i = 0; i < t->origin_count && t->origins[i].lua_line <= lua_line; ++i)
		found = &t->origins[i];
	return found;
}

void kr__yaml_lua_free(struct kr_yaml_lua *out)
{
	free(out->code);
	free(out->errors);
	free(out->origins);
	if (out->arena)
		kr_arena_delete(out->arena);
	memset(out, 0, sizeof(*out));
}
