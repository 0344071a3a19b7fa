/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks of YAML values against the schema's types, with precise errors. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kres/dname.h>
#include "config/yaml.h"

/** Errors after this many are counted, not printed. */
#define MAX_ERRORS 20

/** Printable form of a user's word for a message (control bytes as '?', bounded). */
static const char *shown(const struct kr_yaml_node *n, char *buf, size_t size)
{
	size_t j = 0;
	for (size_t i = 0; n && i < n->len && j + 4 < size; ++i)
		buf[j++] = (n->text[i] >= 0x20 && n->text[i] != 0x7f) ? n->text[i] : '?';
	if (n && n->len > size - 4) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

static void verror(struct kr_yaml_ctx *ctx, int line, int col, const char *path, const char *fmt, va_list ap)
{
	if (++ctx->out->error_count > MAX_ERRORS)
		return;
	if (ctx->errc == ctx->errcap) {
		size_t cap = ctx->errcap ? ctx->errcap * 2 : 8;
		void *v = realloc(ctx->errv, cap * sizeof(*ctx->errv));
		if (!v)
			return;
		ctx->errv = v;
		ctx->errcap = cap;
	}
	char msg[1024], text[1700];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Words from the file may hold anything: one message stays one printable line. */
	for (char *c = msg; *c; ++c)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	int n = snprintf(text, sizeof(text), "%s:%d:%d: %s%s%s\n", ctx->file, line, col, path ? path : "",
			 path && *path ? ": " : "", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text)) {
		n = sizeof(text) - 1;
		text[n - 1] = '\n';
	}
	char *copy = kr_mm_memdup(ctx->mm, text, (size_t)n + 1);
	if (copy)
		ctx->errv[ctx->errc++] = (struct kr_yaml_error){ .line = line, .col = col, .seq = ctx->errc, .text = copy };
}

static int error_cmp(const void *a, const void *b)
{
	const struct kr_yaml_error *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

char *kr__yaml_errors_text(struct kr_yaml_ctx *ctx)
{
	if (ctx->errc)
		qsort(ctx->errv, ctx->errc, sizeof(*ctx->errv), error_cmp);
	struct kr_yaml_buf b = { 0 };
	for (size_t i = 0; i < ctx->errc; ++i)
		kr__yaml_buf_add(&b, ctx->errv[i].text, strlen(ctx->errv[i].text));
	if (ctx->out->error_count > MAX_ERRORS)
		kr__yaml_buf_printf(&b, "%s: %d more errors\n", ctx->file, ctx->out->error_count - MAX_ERRORS);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

void kr__yaml_error_at(struct kr_yaml_ctx *ctx, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(ctx, line, col, path, fmt, ap);
	va_end(ap);
}

void kr__yaml_error(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(ctx, node ? node->line : 1, node ? node->col : 1, path, fmt, ap);
	va_end(ap);
}

const struct kr_yaml_node *kr__yaml_get(const struct kr_yaml_node *map, const char *key)
{
	if (!map || map->kind != KR_YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->count; ++i)
		if (strcmp(map->keys[i]->text, key) == 0)
			return map->items[i];
	return NULL;
}

bool kr__yaml_is_null(const struct kr_yaml_node *n)
{
	if (!n || n->kind != KR_YAML_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
	       strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

/** What a node is, in words. */
static const char *kind_name(const struct kr_yaml_node *n)
{
	if (n->kind == KR_YAML_MAP)
		return "a mapping";
	if (n->kind == KR_YAML_SEQ)
		return "a list";
	if (kr__yaml_is_null(n))
		return "nothing (null)";
	return "a scalar";
}

int kr__yaml_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 1000;
	int row[65];
	for (size_t j = 0; j <= lb; ++j)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; ++i) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; ++j) {
			int up = row[j];
			int cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
			int best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *kr__yaml_suggest(const char *s, const char *const *words)
{
	const char *best = NULL;
	int best_d = 1000;
	for (const char *const *w = words; *w; ++w) {
		int d = kr__yaml_distance(s, *w);
		if (d < best_d) {
			best_d = d;
			best = *w;
		}
	}
	/* Close enough: a third of the word, at least 2 edits for short words. */
	int limit = (int)strlen(s) / 3;
	if (limit < 2)
		limit = 2;
	return best_d <= limit ? best : NULL;
}

/** "a, b or c" into buf. */
static const char *word_list(const char *const *words, char *buf, size_t size)
{
	size_t j = 0;
	buf[0] = '\0';
	for (const char *const *w = words; *w && j < size; ++w) {
		const char *sep = w == words ? "" : w[1] ? ", " : " or ";
		j += (size_t)snprintf(buf + j, size - j, "%s%s", sep, *w);
	}
	return buf;
}

bool kr__yaml_check_keys(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *map, const char *path,
			 const char *const *allowed)
{
	bool ok = true;
	for (size_t i = 0; i < map->count; ++i) {
		const struct kr_yaml_node *k = map->keys[i];
		const char *const *w = allowed;
		while (*w && strcmp(*w, k->text) != 0)
			++w;
		if (*w)
			continue;
		ok = false;
		char word[128], list[1024];
		const char *near = kr__yaml_suggest(k->text, allowed);
		if (near)
			kr__yaml_error(ctx, k, path, "unknown key '%s'; did you mean '%s'?", shown(k, word, sizeof(word)), near);
		else
			kr__yaml_error(ctx, k, path, "unknown key '%s' (known keys: %s)", shown(k, word, sizeof(word)),
				       word_list(allowed, list, sizeof(list)));
	}
	return ok;
}

bool kr__yaml_want_map(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path)
{
	if (n->kind == KR_YAML_MAP)
		return true;
	kr__yaml_error(ctx, n, path, "expected a mapping (key: value lines), got %s", kind_name(n));
	return false;
}

bool kr__yaml_want_seq(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path)
{
	if (n->kind == KR_YAML_SEQ)
		return true;
	kr__yaml_error(ctx, n, path, "expected a list (lines starting with '- '), got %s", kind_name(n));
	return false;
}

bool kr__yaml_string(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, const char **out)
{
	if (n->kind != KR_YAML_SCALAR || kr__yaml_is_null(n)) {
		kr__yaml_error(ctx, n, path, "expected a string, got %s", kind_name(n));
		return false;
	}
	if (n->len == 0 || memchr(n->text, '\0', n->len)) {
		kr__yaml_error(ctx, n, path, "%s", n->len ? "must not contain NUL bytes" : "must not be empty");
		return false;
	}
	*out = n->text;
	return true;
}

bool kr__yaml_bool(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, bool *out)
{
	if (n->kind == KR_YAML_SCALAR && n->plain) {
		static const char *const yes[] = { "true", "True", "TRUE", NULL };
		static const char *const no[] = { "false", "False", "FALSE", NULL };
		for (int i = 0; yes[i]; ++i) {
			if (strcmp(n->text, yes[i]) == 0) {
				*out = true;
				return true;
			}
			if (strcmp(n->text, no[i]) == 0) {
				*out = false;
				return true;
			}
		}
	}
	char word[64];
	if (n->kind == KR_YAML_SCALAR && !kr__yaml_is_null(n))
		kr__yaml_error(ctx, n, path, "expected true or false, got '%s'", shown(n, word, sizeof(word)));
	else
		kr__yaml_error(ctx, n, path, "expected true or false, got %s", kind_name(n));
	return false;
}

/** A decimal number with an optional unit; @return false when the text is not one. */
static bool number_unit(const struct kr_yaml_node *n, long long *num, const char **unit)
{
	if (n->kind != KR_YAML_SCALAR || n->len == 0 || memchr(n->text, '\0', n->len))
		return false;
	const char *s = n->text;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		++s;
	if (!isdigit((unsigned char)*s))
		return false;
	long long v = 0;
	for (; isdigit((unsigned char)*s); ++s) {
		if (v > (1LL << 53))
			v = 1LL << 53;   /* far out of any range: stays so */
		else
			v = v * 10 + (*s - '0');
	}
	while (*s == ' ')
		++s;
	*num = neg ? -v : v;
	*unit = s;
	return true;
}

static bool in_range(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path,
		     long long v, long long min, long long max, const char *unit)
{
	if (v >= min && v <= max)
		return true;
	kr__yaml_error(ctx, n, path, "must be %lld..%lld%s", min, max, unit);
	return false;
}

bool kr__yaml_int(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path,
		  long long min, long long max, long long *out)
{
	long long v;
	const char *unit;
	char word[64];
	if (!number_unit(n, &v, &unit) || *unit) {
		if (n->kind == KR_YAML_SCALAR && !kr__yaml_is_null(n))
			kr__yaml_error(ctx, n, path, "expected an integer, got '%s'", shown(n, word, sizeof(word)));
		else
			kr__yaml_error(ctx, n, path, "expected an integer, got %s", kind_name(n));
		return false;
	}
	if (!in_range(ctx, n, path, v, min, max, ""))
		return false;
	*out = v;
	return true;
}

/** A size as the largest unit divides it: "1M", "1024T", "1232B". */
static const char *size_text(long long v, char *buf, size_t size)
{
	static const char units[] = "BKMGT";
	int u = 0;
	while (u < 4 && v != 0 && v % 1024 == 0) {
		v /= 1024;
		++u;
	}
	snprintf(buf, size, "%lld%c", v, units[u]);
	return buf;
}

bool kr__yaml_size(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path,
		   long long min, long long max, long long *out)
{
	static const struct { const char *unit; int shift; } units[] = {
		{ "", 0 }, { "B", 0 }, { "K", 10 }, { "KB", 10 }, { "KiB", 10 }, { "M", 20 }, { "MB", 20 },
		{ "MiB", 20 }, { "G", 30 }, { "GB", 30 }, { "GiB", 30 }, { "T", 40 }, { "TB", 40 }, { "TiB", 40 },
	};
	long long v;
	const char *unit;
	char word[64];
	if (number_unit(n, &v, &unit)) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); ++i) {
			if (strcmp(unit, units[i].unit) != 0)
				continue;
			if (v > (1LL << 53) >> units[i].shift)
				v = 1LL << 53;
			else
				v = v * (1LL << units[i].shift);
			if (v < min || v > max) {
				char lo[32], hi[32];
				kr__yaml_error(ctx, n, path, "must be %s..%s", size_text(min, lo, sizeof(lo)),
					       size_text(max, hi, sizeof(hi)));
				return false;
			}
			*out = v;
			return true;
		}
	}
	kr__yaml_error(ctx, n, path, "expected a size such as 100M (units B, K, M, G, T), got %s%s%s",
		       n->kind == KR_YAML_SCALAR ? "'" : "", n->kind == KR_YAML_SCALAR ? shown(n, word, sizeof(word)) : kind_name(n),
		       n->kind == KR_YAML_SCALAR ? "'" : "");
	return false;
}

bool kr__yaml_seconds(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path,
		      long long min, long long max, long long *out)
{
	static const struct { const char *unit; long long mult; } units[] = {
		{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { "w", 604800 },
	};
	long long v;
	const char *unit;
	char word[64];
	if (number_unit(n, &v, &unit)) {
		if (strcmp(unit, "ms") == 0) {
			if (v % 1000 != 0) {
				kr__yaml_error(ctx, n, path, "must be whole seconds (%lldms is not)", v);
				return false;
			}
			unit = "s";
			v /= 1000;
		}
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); ++i) {
			if (strcmp(unit, units[i].unit) != 0)
				continue;
			v = v > (1LL << 53) / units[i].mult ? 1LL << 53 : v * units[i].mult;
			if (!in_range(ctx, n, path, v, min, max, " seconds"))
				return false;
			*out = v;
			return true;
		}
	}
	kr__yaml_error(ctx, n, path, "expected a time such as 300s, 5m, 2h or 1d, got %s%s%s",
		       n->kind == KR_YAML_SCALAR ? "'" : "", n->kind == KR_YAML_SCALAR ? shown(n, word, sizeof(word)) : kind_name(n),
		       n->kind == KR_YAML_SCALAR ? "'" : "");
	return false;
}

int kr__yaml_enum(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, const char *const *allowed)
{
	char list[512], word[64];
	if (n->kind != KR_YAML_SCALAR || kr__yaml_is_null(n)) {
		kr__yaml_error(ctx, n, path, "expected one of %s, got %s", word_list(allowed, list, sizeof(list)), kind_name(n));
		return -1;
	}
	for (int i = 0; allowed[i]; ++i)
		if (strcmp(n->text, allowed[i]) == 0)
			return i;
	const char *near = kr__yaml_suggest(n->text, allowed);
	if (near)
		kr__yaml_error(ctx, n, path, "'%s' is not one of %s; did you mean '%s'?", shown(n, word, sizeof(word)),
			       word_list(allowed, list, sizeof(list)), near);
	else
		kr__yaml_error(ctx, n, path, "'%s' is not one of %s", shown(n, word, sizeof(word)),
			       word_list(allowed, list, sizeof(list)));
	return -1;
}

bool kr__yaml_dname(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, const char **out)
{
	const char *s;
	if (!kr__yaml_string(ctx, n, path, &s))
		return false;
	uint8_t wire[KR_DNAME_MAXLEN];
	char text[KR_DNAME_MAXTEXT], word[300];
	if (kr_dname_from_str(wire, sizeof(wire), s) < 0 || kr_dname_to_str(text, sizeof(text), wire) < 0) {
		kr__yaml_error(ctx, n, path, "'%s' is not a domain name", shown(n, word, sizeof(word)));
		return false;
	}
	*out = kr_mm_memdup(ctx->mm, text, strlen(text) + 1);
	return *out != NULL;
}

bool kr__yaml_ip(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, int family, const char **out)
{
	const char *s;
	if (!kr__yaml_string(ctx, n, path, &s))
		return false;
	uint8_t buf[16];
	bool v4 = inet_pton(AF_INET, s, buf) == 1, v6 = !v4 && inet_pton(AF_INET6, s, buf) == 1;
	char word[64];
	if ((family == 0 && (v4 || v6)) || (family == AF_INET && v4) || (family == AF_INET6 && v6)) {
		*out = s;
		return true;
	}
	kr__yaml_error(ctx, n, path, "'%s' is not an %s address", shown(n, word, sizeof(word)),
		       family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IP");
	return false;
}

int kr__yaml_scalar_list(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path,
			 const struct kr_yaml_node ***items)
{
	if (n->kind == KR_YAML_SCALAR && !kr__yaml_is_null(n)) {
		const struct kr_yaml_node **one = kr_mm_alloc(ctx->mm, sizeof(*one));
		if (!one)
			return -1;
		one[0] = n;
		*items = one;
		return 1;
	}
	if (n->kind != KR_YAML_SEQ) {
		kr__yaml_error(ctx, n, path, "expected a string or a list of strings, got %s", kind_name(n));
		return -1;
	}
	if (n->count == 0) {
		kr__yaml_error(ctx, n, path, "the list must not be empty");
		return -1;
	}
	*items = (const struct kr_yaml_node **)n->items;
	return (int)n->count;
}

const char *kr__yaml_path_key(struct kr_yaml_ctx *ctx, const char *parent, const char *key)
{
	bool word = *key != '\0';
	for (const char *c = key; *c; ++c)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			word = false;
	char buf[600];
	if (word)
		snprintf(buf, sizeof(buf), "%s%s%s", parent, *parent ? "." : "", key);
	else
		snprintf(buf, sizeof(buf), "%s['%.200s']", parent, key);
	return kr_mm_memdup(ctx->mm, buf, strlen(buf) + 1) ?: "";
}

const char *kr__yaml_path_index(struct kr_yaml_ctx *ctx, const char *parent, size_t i)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%s[%zu]", parent, i + 1);
	return kr_mm_memdup(ctx->mm, buf, strlen(buf) + 1) ?: "";
}
