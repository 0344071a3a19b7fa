/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logging to stderr, one line per event. */
#include <stdio.h>
#include <string.h>
#include <kres/log.h>

static bool verbose_on;

void kr_log_set_verbose(bool on)
{
	verbose_on = on;
}

bool kr_log_verbose(void)
{
	return verbose_on;
}

void kr_log_vfmt(enum kr_log_level level, const char *group, const char *fmt, va_list ap)
{
	if (level >= KR_LOG_DEBUG && !verbose_on)
		return;
	/* Format into one buffer so that concurrent forks do not interleave a line. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "[%s] ", group);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

void kr_log_fmt(enum kr_log_level level, const char *group, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kr_log_vfmt(level, group, fmt, ap);
	va_end(ap);
}
