/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The YAML configuration: a file checked against kresd's schema
 * (config/README.md) and translated to the Lua the Lua config would hold
 * (internal to kresd). Needs no Lua state, so it is also a fuzz target.
 *
 * Usage:
 *   struct kr_yaml_lua out;
 *   if (kr__yaml_translate(&out, "config.yaml", text, len) != 0)
 *       fputs(out.errors, stderr);   // "config.yaml:3:11: network.listen[1].port: must be 1..65535\n"
 *   else
 *       run(out.code);               // kr__yaml_origin() maps a Lua line back to the YAML
 *   kr__yaml_lua_free(&out);
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kres/defines.h>

/** Where a line of the generated Lua comes from. */
struct kr_yaml_origin {
	int lua_line;       /**< first Lua line (1-based) of the statement */
	int line, col;      /**< its place in the YAML file (1-based) */
	const char *path;   /**< key path such as "cache.size-max"; @note owned by the kr_yaml_lua */
	bool verbatim;      /**< lua.script text: Lua line n is YAML line + (n - lua_line) */
};

/** A translation: Lua text, or the errors that stopped it. */
struct kr_yaml_lua {
	char *code;         /**< the Lua (NUL-terminated), NULL on errors; @note owned by this struct */
	size_t code_len;
	char *errors;       /**< error lines "FILE:LINE:COL: PATH: message\n", NULL when none; @note owned */
	int error_count;
	int workers;        /**< the `workers` value, 0 when not given */
	int workers_line, workers_col;   /**< where `workers` is, for messages */
	struct kr_yaml_origin *origins;  /**< sorted by lua_line; @note owned */
	size_t origin_count;
	struct kr_arena *arena;          /**< holds the origins' paths; @note owned */
};

/**
 * Translate YAML text to Lua.
 * @param out   filled in any case; release with kr__yaml_lua_free()
 * @param file  the file name used in messages
 * @return 0, -EINVAL with out->errors set, or -ENOMEM.
 */
int kr__yaml_translate(struct kr_yaml_lua *out, const char *file, const uint8_t *text, size_t len);
/** Release what a translation holds (out stays usable for another one). */
void kr__yaml_lua_free(struct kr_yaml_lua *out);
/** The origin of Lua line lua_line, or NULL when it is no statement's (the header). */
const struct kr_yaml_origin *kr__yaml_origin(const struct kr_yaml_lua *t, int lua_line);

/* --- internal to config/yaml_*.c ----------------------------------------- */

/** A node of the YAML document. */
enum kr_yaml_kind { KR_YAML_SCALAR, KR_YAML_SEQ, KR_YAML_MAP };

struct kr_yaml_node {
	enum kr_yaml_kind kind;
	int line, col;                 /**< start of the node, 1-based */
	const char *text;              /**< scalar: its value (NUL-terminated, may hold NULs) */
	size_t len;
	bool plain;                    /**< scalar: unquoted, not a block (may mean null, bool, number) */
	bool literal;                  /**< scalar: a '|' block, whose text starts on the next line */
	struct kr_yaml_node **keys;    /**< map: key scalars */
	struct kr_yaml_node **items;   /**< seq: items; map: values (keys[i] -> items[i]) */
	size_t count;
};

/** A growable text buffer (malloc). */
struct kr_yaml_buf {
	char *data;
	size_t len, cap;
	bool failed;   /**< an allocation failed: the text is incomplete */
};

/** One error message and its place. */
struct kr_yaml_error {
	int line, col;
	size_t seq;      /**< order of recording, for a stable sort */
	char *text;      /**< the whole line with its newline; @note in the arena */
};

/** The state of one translation. */
struct kr_yaml_ctx {
	const char *file;
	kr_mm_t *mm;                  /**< the arena of out */
	struct kr_yaml_lua *out;
	struct kr_yaml_error *errv;   /**< the errors, sorted by place at the end (malloc) */
	size_t errc, errcap;
	struct kr_yaml_buf lua;
	int lua_lines;                /**< lines in lua so far */
	size_t origin_cap;
	uint32_t default_ttl;         /**< local-data.ttl for records */
};

/** Append printf-formatted text. */
void kr__yaml_buf_printf(struct kr_yaml_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Append bytes. */
void kr__yaml_buf_add(struct kr_yaml_buf *b, const char *data, size_t len);

/** Build the document tree; errors go to ctx. @return the root (NULL for an empty file or an error). */
struct kr_yaml_node *kr__yaml_parse(struct kr_yaml_ctx *ctx, const uint8_t *text, size_t len, bool *failed);

/** Record an error at node (line 1 col 1 when NULL): "FILE:L:C: PATH: message". */
void kr__yaml_error(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** Record an error at an explicit place. */
void kr__yaml_error_at(struct kr_yaml_ctx *ctx, int line, int col, const char *path,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** The recorded errors sorted by their place, as text (malloc()ed), or NULL when out of memory. */
char *kr__yaml_errors_text(struct kr_yaml_ctx *ctx);
/** Append Lua statement text (whole lines) coming from node at path. */
void kr__yaml_emit(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** Append Lua text copied from the YAML (lua.script); its lines map one to one. */
void kr__yaml_emit_verbatim(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path);
/** A Lua string literal of the bytes (allocated from ctx->mm). */
const char *kr__yaml_quote(struct kr_yaml_ctx *ctx, const char *s, size_t len);
/** The path of a child: "parent.key" (or "parent['odd key']"), in ctx->mm. */
const char *kr__yaml_path_key(struct kr_yaml_ctx *ctx, const char *parent, const char *key);
/** The path of a list item: "parent[i + 1]" (i from 0, shown from 1 as in Lua), in ctx->mm. */
const char *kr__yaml_path_index(struct kr_yaml_ctx *ctx, const char *parent, size_t i);

/* Checks of values: each records its error and returns false on a bad value. */

/** The value of key in map, or NULL. */
const struct kr_yaml_node *kr__yaml_get(const struct kr_yaml_node *map, const char *key);
/** Is node an explicit null (plain ~, null, empty)? */
bool kr__yaml_is_null(const struct kr_yaml_node *node);
/** Is every key of map in allowed (a NULL-ended list)? Unknown keys say "did you mean". */
bool kr__yaml_check_keys(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *map, const char *path,
			 const char *const *allowed);
/** Is node a mapping (the error names what was expected)? */
bool kr__yaml_want_map(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path);
/** Is node a list? */
bool kr__yaml_want_seq(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path);
/** A non-empty string scalar without NUL bytes. */
bool kr__yaml_string(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		     const char **out);
/** true or false. */
bool kr__yaml_bool(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path, bool *out);
/** A decimal integer in min..max. */
bool kr__yaml_int(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		  long long min, long long max, long long *out);
/** A size in bytes: 1048576, 100K, 100M, 2G (powers of 1024; "B" or "iB" may follow), in min..max. */
bool kr__yaml_size(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		   long long min, long long max, long long *out);
/** A time in whole seconds: 300, 300s, 5m, 2h, 1d, 1w, 1500ms (whole seconds only), in min..max. */
bool kr__yaml_seconds(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		      long long min, long long max, long long *out);
/** One of the words in allowed; @return its index or -1 (the error says "did you mean"). */
int kr__yaml_enum(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		  const char *const *allowed);
/** A domain name in text form; out gets it with the final dot (in ctx->mm). */
bool kr__yaml_dname(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		    const char **out);
/** An IPv4 or IPv6 address (family 0), or only of family AF_INET / AF_INET6. */
bool kr__yaml_ip(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
		 int family, const char **out);
/** The closest of the words to s, or NULL when none is close (edit distance). */
const char *kr__yaml_suggest(const char *s, const char *const *words);
/** Levenshtein distance of two strings (bounded: long strings count as far). */
int kr__yaml_distance(const char *a, const char *b);
/** A list of one string or the scalar alone ("x" or [x, y]); @return the count, -1 on error. */
int kr__yaml_scalar_list(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path,
			 const struct kr_yaml_node ***items);

/* Sections: each checks its node, records every error, and emits its Lua. */

/** network: listen, do-ipv4/6, out-interface-v4/6, tcp-pipeline, edns-buffer-size, tls. */
void kr__yaml_network(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** cache: storage, size-max, ttl-min, ttl-max. */
void kr__yaml_cache(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** dnssec: a boolean, or trust-anchors, trust-anchors-files, negative-trust-anchors. */
void kr__yaml_dnssec(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** forward: a list of subtree, servers, options. */
void kr__yaml_forward(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** local-data: ttl, addresses, addresses-files, records, rpz. */
void kr__yaml_local_data(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** views: a list of subnets, answer, options. */
void kr__yaml_views(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** modules: a list of names or of name, before/after, options. */
void kr__yaml_modules(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node);
/** A YAML value as a Lua value literal (module options). */
const char *kr__yaml_lua_value(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *node, const char *path);
