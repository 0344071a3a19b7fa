/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Logging: one line per event on stderr, prefixed by the subsystem group.
 *
 * Usage:
 *   kr_log_info(HINTS, "loaded %d names from %s", n, path);
 *   kr_log_req(req, KR_LOG_DEBUG, ITERATE, "asking %s", addr);
 */
#pragma once

#include <stdarg.h>
#include <kres/defines.h>

/** syslog-compatible levels. */
enum kr_log_level {
	KR_LOG_CRIT = 2,     /**< the process is dying */
	KR_LOG_ERR = 3,
	KR_LOG_WARNING = 4,
	KR_LOG_NOTICE = 5,
	KR_LOG_INFO = 6,
	KR_LOG_DEBUG = 7,    /**< printed only when verbose logging is on */
};

/**
 * Print one log line "[group] message" if level passes the current threshold.
 * @param group short subsystem name without brackets, e.g. "hints".
 */
KR_EXPORT void kr_log_fmt(enum kr_log_level level, const char *group, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** va_list variant of kr_log_fmt(). */
KR_EXPORT void kr_log_vfmt(enum kr_log_level level, const char *group, const char *fmt, va_list ap);
/** Turn verbose (debug) logging on or off. */
KR_EXPORT void kr_log_set_verbose(bool on);
/** Is verbose (debug) logging on? Cheap; check it before formatting expensive debug output. */
KR_EXPORT bool kr_log_verbose(void);

#define kr_log_crit(grp, ...)    kr_log_fmt(KR_LOG_CRIT, #grp, __VA_ARGS__)
#define kr_log_error(grp, ...)   kr_log_fmt(KR_LOG_ERR, #grp, __VA_ARGS__)
#define kr_log_warning(grp, ...) kr_log_fmt(KR_LOG_WARNING, #grp, __VA_ARGS__)
#define kr_log_notice(grp, ...)  kr_log_fmt(KR_LOG_NOTICE, #grp, __VA_ARGS__)
#define kr_log_info(grp, ...)    kr_log_fmt(KR_LOG_INFO, #grp, __VA_ARGS__)
#define kr_log_debug(grp, ...)   do { if (kr_log_verbose()) kr_log_fmt(KR_LOG_DEBUG, #grp, __VA_ARGS__); } while (0)
