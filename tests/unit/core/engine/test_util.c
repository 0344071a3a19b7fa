/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/engine/util.c: clock, randomness, flag names, request logging. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/engine/engine.h"
#include "tests/unit/check_main.h"

/** Every flag with its configuration name, written out independently of util.c. */
static const struct {
	const char *name;
	uint64_t flag;
} all_flags[] = {
	{ "NO_MINIMIZE", KR_QF_NO_MINIMIZE }, { "NO_IPV6", KR_QF_NO_IPV6 },
	{ "NO_IPV4", KR_QF_NO_IPV4 }, { "TCP", KR_QF_TCP }, { "RESOLVED", KR_QF_RESOLVED },
	{ "AWAIT_IPV4", KR_QF_AWAIT_IPV4 }, { "AWAIT_IPV6", KR_QF_AWAIT_IPV6 },
	{ "AWAIT_CUT", KR_QF_AWAIT_CUT }, { "NO_EDNS", KR_QF_NO_EDNS },
	{ "CACHED", KR_QF_CACHED }, { "NO_CACHE", KR_QF_NO_CACHE },
	{ "EXPIRING", KR_QF_EXPIRING }, { "ALLOW_LOCAL", KR_QF_ALLOW_LOCAL },
	{ "DNSSEC_WANT", KR_QF_DNSSEC_WANT }, { "DNSSEC_BOGUS", KR_QF_DNSSEC_BOGUS },
	{ "DNSSEC_INSECURE", KR_QF_DNSSEC_INSECURE }, { "DNSSEC_CD", KR_QF_DNSSEC_CD },
	{ "STUB", KR_QF_STUB }, { "ALWAYS_CUT", KR_QF_ALWAYS_CUT },
	{ "DNSSEC_WEXPAND", KR_QF_DNSSEC_WEXPAND }, { "PERMISSIVE", KR_QF_PERMISSIVE },
	{ "STRICT", KR_QF_STRICT }, { "BADCOOKIE_AGAIN", KR_QF_BADCOOKIE_AGAIN },
	{ "CNAME", KR_QF_CNAME }, { "REORDER_RR", KR_QF_REORDER_RR }, { "TRACE", KR_QF_TRACE },
	{ "NO_0X20", KR_QF_NO_0X20 }, { "DNSSEC_NODS", KR_QF_DNSSEC_NODS },
	{ "DNSSEC_OPTOUT", KR_QF_DNSSEC_OPTOUT }, { "NONAUTH", KR_QF_NONAUTH },
	{ "FORWARD", KR_QF_FORWARD }, { "DNS64_MARK", KR_QF_DNS64_MARK },
	{ "CACHE_TRIED", KR_QF_CACHE_TRIED }, { "NO_NS_FOUND", KR_QF_NO_NS_FOUND },
	{ "PKT_IS_SANE", KR_QF_PKT_IS_SANE }, { "DNS64_DISABLE", KR_QF_DNS64_DISABLE },
	{ "TLS", KR_QF_TLS }, { "DNSSEC_VALIDATED", KR_QF_DNSSEC_VALIDATED },
	{ "CNAME_LOOP", KR_QF_CNAME_LOOP },
};
#define FLAG_COUNT (sizeof(all_flags) / sizeof(all_flags[0]))

START_TEST(test_qflag_from_str)
{
	uint64_t seen = 0;
	for (size_t i = 0; i < FLAG_COUNT; ++i) {
		const char *name = all_flags[i].name;
		ck_assert_msg(kr_qflag_from_str(name) == all_flags[i].flag, "%s", name);
		/* case-insensitive, as option('no_minimize', true) is written in configs */
		char lower[32], mixed[32];
		size_t len = strlen(name);
		for (size_t j = 0; j <= len; ++j) {
			lower[j] = (char)tolower((unsigned char)name[j]);
			mixed[j] = j % 2 ? lower[j] : name[j];
		}
		ck_assert_msg(kr_qflag_from_str(lower) == all_flags[i].flag, "%s", lower);
		ck_assert_msg(kr_qflag_from_str(mixed) == all_flags[i].flag, "%s", mixed);
		/* each flag is a distinct single bit */
		ck_assert_uint_eq(__builtin_popcountll(all_flags[i].flag), 1);
		ck_assert_uint_eq(seen & all_flags[i].flag, 0);
		seen |= all_flags[i].flag;
	}
	/* unknown names, prefixes, padding */
	const char *bad[] = { "", "NO", "NO_MINIMIZ", "NO_MINIMIZEX", " TCP", "TCP ", "NO-MINIMIZE",
			      "QF_TCP", "KR_QF_TCP", "0", "unknown" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(kr_qflag_from_str(bad[i]) == 0, "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(test_qflag_to_str)
{
	for (size_t i = 0; i < FLAG_COUNT; ++i) {
		const char *s = kr_qflag_to_str(all_flags[i].flag);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s, all_flags[i].name);
		/* round trip */
		ck_assert(kr_qflag_from_str(s) == all_flags[i].flag);
	}
	/* no flag, several flags, bits without a name */
	ck_assert_ptr_null(kr_qflag_to_str(0));
	ck_assert_ptr_null(kr_qflag_to_str(KR_QF_TCP | KR_QF_STUB));
	ck_assert_ptr_null(kr_qflag_to_str(1ull << 39));
	ck_assert_ptr_null(kr_qflag_to_str(1ull << 63));
}
END_TEST

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

START_TEST(test_rand32)
{
	/* 1000 draws of 32 bits: a repeat is a ~1e-4 event, > 10 is broken */
	enum { N = 1000 };
	uint32_t v[N];
	uint32_t or_all = 0, and_all = UINT32_MAX;
	for (int i = 0; i < N; ++i) {
		v[i] = kr_rand32();
		or_all |= v[i];
		and_all &= v[i];
	}
	qsort(v, N, sizeof(v[0]), cmp_u32);
	int distinct = 1;
	for (int i = 1; i < N; ++i)
		distinct += v[i] != v[i - 1];
	ck_assert_int_gt(distinct, 990);
	/* every bit varies (IDs use the low 16 bits, 0x20 uses others) */
	ck_assert_uint_eq(or_all, UINT32_MAX);
	ck_assert_uint_eq(and_all, 0);
	/* low 16 bits alone, as message IDs: also well spread */
	int buckets[16] = { 0 };
	for (int i = 0; i < N; ++i)
		++buckets[(kr_rand32() & 0xffff) >> 12];
	for (int i = 0; i < 16; ++i)
		ck_assert_msg(buckets[i] > 20 && buckets[i] < 130, "bucket %d has %d", i, buckets[i]);
}
END_TEST

START_TEST(test_rand32_fork)
{
	/* a child process must not replay the parent's buffered randomness
	 * (the daemon may fork workers after drawing) */
	(void)kr_rand32();
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	uint32_t mine[8];
	if (pid == 0) {
		for (int i = 0; i < 8; ++i)
			mine[i] = kr_rand32();
		ssize_t w = write(fds[1], mine, sizeof(mine));
		_exit(w == (ssize_t)sizeof(mine) ? 0 : 1);
	}
	for (int i = 0; i < 8; ++i)
		mine[i] = kr_rand32();
	uint32_t theirs[8];
	ck_assert_int_eq(read(fds[0], theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
	close(fds[0]);
	close(fds[1]);
	ck_assert_msg(memcmp(mine, theirs, sizeof(mine)) != 0,
		      "parent and child drew the same random numbers");
}
END_TEST

START_TEST(test_now_ms)
{
	uint64_t t0 = kr_now_ms();
	ck_assert_uint_gt(t0, 0);
	uint64_t prev = t0;
	for (int i = 0; i < 10000; ++i) {
		uint64_t t = kr_now_ms();
		ck_assert_uint_ge(t, prev);
		prev = t;
	}
	/* it advances in milliseconds */
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	uint64_t t1 = kr_now_ms();
	ck_assert_uint_ge(t1 - t0, 30);
	ck_assert_uint_lt(t1 - t0, 10000);
}
END_TEST

/** Run fn with stderr captured; @return what was written (static buffer). */
static const char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char out[4096];
	fflush(stderr);
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	int saved = dup(2);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), 2), 0);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static void log_error_line(void *arg)
{
	kr_log_req(arg, KR_LOG_ERR, "testgrp", "upstream %s said %d", "192.0.2.1", 42);
}

static void log_debug_line(void *arg)
{
	kr_log_req(arg, KR_LOG_DEBUG, "testgrp", "details %d", 7);
}

START_TEST(test_log_req)
{
	struct kr_query q = { .uid = 7 };
	struct kr_request req = { .uid = 1234567, .current_query = &q };
	kr_log_set_verbose(false);
	/* tagged with the request id (5 digits) and the sub-query id */
	const char *out = capture_stderr(log_error_line, &req);
	ck_assert_msg(strstr(out, "[testgrp]") && strstr(out, "[34567.07]") &&
		      strstr(out, "upstream 192.0.2.1 said 42"), "got: %s", out);
	ck_assert_uint_eq(out[strlen(out) - 1], '\n');
	/* debug lines are dropped unless verbose or the request is traced */
	out = capture_stderr(log_debug_line, &req);
	ck_assert_str_eq(out, "");
	req.options |= KR_QF_TRACE;
	out = capture_stderr(log_debug_line, &req);
	ck_assert_msg(strstr(out, "details 7") != NULL, "got: %s", out);
	req.options = 0;
	kr_log_set_verbose(true);
	out = capture_stderr(log_debug_line, &req);
	ck_assert_msg(strstr(out, "details 7") != NULL, "got: %s", out);
	kr_log_set_verbose(false);
	/* without a request or a query */
	out = capture_stderr(log_error_line, NULL);
	ck_assert_msg(strstr(out, "[00000.00]") != NULL, "got: %s", out);
	req.current_query = NULL;
	out = capture_stderr(log_error_line, &req);
	ck_assert_msg(strstr(out, "[34567.00]") != NULL, "got: %s", out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	unit_tcase(s, "kr_qflag_from_str", NULL, test_qflag_from_str);
	unit_tcase(s, "kr_qflag_to_str", NULL, test_qflag_to_str);
	unit_tcase(s, "kr_rand32", NULL, test_rand32, test_rand32_fork);
	unit_tcase(s, "kr_now_ms", NULL, test_now_ms);
	unit_tcase(s, "kr_log_req", NULL, test_log_req);
	return unit_run(s);
}
