/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the iterate plugin's unit tests: names and real reply packets. */
#pragma once

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/iterate/iterate-impl.h"
#include "tests/unit/check_main.h"

static struct kr_arena *test_arena;

/** The test's memory (an arena, as the request pool is). */
static inline kr_mm_t *test_mm(void)
{
	if (!test_arena)
		test_arena = kr_arena_new(0);
	ck_assert_ptr_nonnull(test_arena);
	return kr_arena_mm(test_arena);
}

/** A wire name from text, in the test arena. */
static inline uint8_t *N(const char *text)
{
	uint8_t buf[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(buf, sizeof(buf), text), 0);
	return kr_dname_copy(buf, test_mm());
}

/** Text of a wire name (a static buffer per call site is enough for asserts). */
static inline const char *T(const uint8_t *name)
{
	static char buf[4][KR_DNAME_MAXTEXT];
	static int i;
	char *b = buf[i++ % 4];
	kr_dname_to_str(b, KR_DNAME_MAXTEXT, name);
	return b;
}

/** Write the record lines of a NULL-terminated list into the current section. */
static inline void put_lines(kr_pkt_t *p, enum kr_section s, const char *const *lines)
{
	ck_assert_int_eq(kr_pkt_begin(p, s), 0);
	for (; lines && *lines; ++lines) {
		kr_rrset_t *rr = kr_mm_alloc(test_mm(), sizeof(*rr));
		ck_assert_msg(kr_rrset_from_str(rr, *lines, NULL, 300, test_mm()) == 0, "bad line %s", *lines);
		ck_assert_int_eq(kr_pkt_put(p, rr), 0);
	}
}

/**
 * A reply to (qname, qtype) as a server would send it, parsed back from wire:
 * one record per entry, as the engine hands replies to consume.
 */
static inline kr_pkt_t *test_reply(const char *qname, uint16_t qtype, bool aa, uint16_t rcode,
				   const char *const *an, const char *const *ns, const char *const *ar)
{
	kr_mm_t *mm = test_mm();
	kr_pkt_t *p = kr_pkt_new(NULL, KR_PKT_MAXSIZE, mm);
	ck_assert_ptr_nonnull(p);
	kr_pkt_set_id(p, 0x1234);
	kr_pkt_set_flag(p, KR_PKT_QR, true);
	kr_pkt_set_flag(p, KR_PKT_AA, aa);
	ck_assert_int_eq(kr_pkt_put_question(p, N(qname), KR_CLASS_IN, qtype), 0);
	put_lines(p, KR_SECTION_ANSWER, an);
	put_lines(p, KR_SECTION_AUTHORITY, ns);
	put_lines(p, KR_SECTION_ADDITIONAL, ar);
	ck_assert_int_eq(kr_pkt_set_rcode(p, rcode), 0);
	uint8_t *wire = kr_mm_memdup(mm, p->wire, p->size);
	kr_pkt_t *r = kr_pkt_new(wire, p->size, mm);
	r->size = p->size;
	ck_assert_int_eq(kr_pkt_parse(r), 0);
	return r;
}

/** An IPv4 socket address with port 53. */
static inline union kr_sockaddr A4(const char *text)
{
	union kr_sockaddr sa;
	memset(&sa, 0, sizeof(sa));
	sa.ip4.sin_family = AF_INET;
	sa.ip4.sin_port = htons(53);
	ck_assert_int_eq(inet_pton(AF_INET, text, &sa.ip4.sin_addr), 1);
	return sa;
}

/** unit_run(), then free the arena of test_mm(). */
static inline int test_run(Suite *s)
{
	int ret = unit_run(s);
	if (test_arena)
		kr_arena_delete(test_arena);
	return ret;
}
