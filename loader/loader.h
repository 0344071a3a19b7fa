/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The plugin loader: finds NAME.so in the module directory, checks its ABI,
 * places it in the call order and unloads it.
 *
 * Usage:
 *   kr_loader_load(ctx, "hints", NULL);          // append
 *   kr_loader_load_spec(ctx, "policy > hints");  // after hints
 *   kr_loader_unload(ctx, "policy");
 */
#pragma once

#include "core/engine/engine.h"

/** Where a plugin goes in the call order. */
enum kr_loader_place {
	KR_PLACE_END = 0,    /**< append (or keep the current place if loaded) */
	KR_PLACE_AFTER,      /**< right after the reference plugin ('a > b') */
	KR_PLACE_BEFORE,     /**< right before the reference plugin ('a < b') */
};

/**
 * Load plugin name (if not loaded yet) and place it.
 * A plugin already loaded is only moved (when a place is given).
 * @param ref  the reference plugin for AFTER/BEFORE, else NULL
 * @param err  out: a human-readable reason on failure (static or in buf), may be NULL
 * @return 0, KR_ENOPLUGIN, KR_EABI, KR_EPRECEDENCE, -EINVAL (bad name or descriptor),
 *         or the error of the plugin's init.
 */
int kr_loader_load(struct kr_context *ctx, const char *name, enum kr_loader_place place,
		   const char *ref, char *errbuf, size_t errlen);
/**
 * Load from a declaration string: "name", "name > ref" or "name < ref"
 * (whitespace ignored). Errors as kr_loader_load().
 */
int kr_loader_load_spec(struct kr_context *ctx, const char *spec, char *errbuf, size_t errlen);
/**
 * Split a declaration string "name", "name > ref" or "name < ref" (whitespace ignored).
 * @param name out: at least 72 bytes
 * @param ref  out: at least 72 bytes; empty for KR_PLACE_END
 * @return 0 or -EINVAL (with a reason in errbuf).
 */
int kr_loader_parse_spec(const char *spec, char *name, enum kr_loader_place *place, char *ref,
			 char *errbuf, size_t errlen);
/**
 * Put an in-process plugin (made by kresd itself, e.g. a module written in Lua)
 * into the call order. p->api, p->name (malloc()ed) and p->data are set by the
 * caller; p->dl is NULL. The api's init is not called (the caller set p up).
 * @return 0, -EEXIST (a plugin of that name is loaded), -EINVAL (bad name),
 *         KR_EPRECEDENCE or -ENOMEM; on error p is left to the caller.
 * @note on success p is owned by the context: unloading runs api->deinit and
 *       frees p, p->name and p->path.
 */
int kr_loader_add(struct kr_context *ctx, struct kr_plugin *p, enum kr_loader_place place,
		  const char *ref, char *errbuf, size_t errlen);
/** Run deinit, remove the plugin from the order and dlclose it. @return 0 or -ENOENT. */
int kr_loader_unload(struct kr_context *ctx, const char *name);
/** The loaded plugin called name, or NULL. */
struct kr_plugin *kr_loader_find(const struct kr_context *ctx, const char *name);
/** Is name a valid plugin name ([a-z0-9_-], 1-64 characters)? */
bool kr_loader_name_valid(const char *name);
