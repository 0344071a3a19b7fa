/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of whole records in presentation form (core/wire/rrline.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/rrset.h>
#include "tests/unit/check_main.h"

#define W(s) (const uint8_t *)(s), sizeof(s) - 1

static const uint8_t example_com[] = "\x07" "example" "\x03" "com";   /* + NUL = root */

/** Parse line (malloc-backed) and check every field; then release it. */
static void check_line(const char *line, const uint8_t *origin, uint32_t default_ttl,
		       const uint8_t *owner, uint16_t type, uint16_t rclass, uint32_t ttl,
		       const uint8_t *rdata, size_t rdlen)
{
	kr_rrset_t rr;
	int ret = kr_rrset_from_str(&rr, line, origin, default_ttl, NULL);
	ck_assert_msg(ret == 0, "'%s': %d", line, ret);
	ck_assert_int_eq(kr_dname_size(rr.owner), kr_dname_size(owner));
	ck_assert_mem_eq(rr.owner, owner, kr_dname_size(owner));
	ck_assert_int_eq(rr.type, type);
	ck_assert_int_eq(rr.rclass, rclass);
	ck_assert_uint_eq(rr.ttl, ttl);
	ck_assert_int_eq(rr.rrs.count, 1);
	struct kr_rdata *rd = kr_rdataset_first(&rr.rrs);
	ck_assert_int_eq(rd->len, rdlen);
	ck_assert_mem_eq(rd->data, rdata, rdlen);
	kr_rrset_clear(&rr, NULL);
	kr_mm_free(NULL, rr.owner);
}

static void check_bad_line(const char *line, int expected)
{
	kr_rrset_t rr;
	int ret = kr_rrset_from_str(&rr, line, example_com, 300, NULL);
	ck_assert_msg(ret == expected, "'%s': %d, expected %d", line, ret, expected);
}

/* ---- kr_rrset_from_str ---- */

START_TEST(from_str_fields)
{
	const uint8_t *www = (const uint8_t *)"\x03" "www" "\x07" "example" "\x03" "com";
	check_line("www.example.com. 3600 IN A 192.0.2.1", NULL, 0,
		   www, KR_TYPE_A, KR_CLASS_IN, 3600, W("\xc0\x00\x02\x01"));
	/* relative owner, BIND TTL units */
	check_line("www 1h30m IN A 192.0.2.1", example_com, 0,
		   www, KR_TYPE_A, KR_CLASS_IN, 5400, W("\xc0\x00\x02\x01"));
	/* class before TTL, '@', relative RDATA name, comment */
	check_line("@ IN 300 MX 10 mail ; the mail server", example_com, 0,
		   example_com, KR_TYPE_MX, KR_CLASS_IN, 300,
		   W("\x00\x0a" "\x04" "mail" "\x07" "example" "\x03" "com" "\x00"));
	/* defaults */
	check_line("host AAAA ::1", example_com, 42,
		   (const uint8_t *)"\x04" "host" "\x07" "example" "\x03" "com", KR_TYPE_AAAA,
		   KR_CLASS_IN, 42, W("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"));
	check_line("version.bind. CH TXT \"kresd\"", NULL, 0,
		   (const uint8_t *)"\x07" "version" "\x04" "bind", KR_TYPE_TXT, KR_CLASS_CH, 0,
		   W("\x05" "kresd"));
	/* RFC 3597 section 5 example */
	check_line("e.example. CLASS32 TYPE731 \\# 6 abcd (\n ef 01 23 45 )", NULL, 0,
		   (const uint8_t *)"\x01" "e" "\x07" "example", 731, 32, 0,
		   W("\xab\xcd\xef\x01\x23\x45"));
	check_line("a.example. 3600 IN A \\# 4 0A000001", NULL, 0,
		   (const uint8_t *)"\x01" "a" "\x07" "example", KR_TYPE_A, KR_CLASS_IN, 3600,
		   W("\x0a\x00\x00\x01"));
	/* parentheses and spacing */
	check_line("  x. ( 1W2d\tIN\n\tA 192.0.2.1 )  ", NULL, 0,
		   (const uint8_t *)"\x01" "x", KR_TYPE_A, KR_CLASS_IN, 777600, W("\xc0\x00\x02\x01"));
	check_line("x. 4294967295 A 192.0.2.1", NULL, 0,
		   (const uint8_t *)"\x01" "x", KR_TYPE_A, KR_CLASS_IN, 4294967295u, W("\xc0\x00\x02\x01"));
	check_line("x. 0s A 192.0.2.1", NULL, 7,
		   (const uint8_t *)"\x01" "x", KR_TYPE_A, KR_CLASS_IN, 0, W("\xc0\x00\x02\x01"));
	/* ANY is a class only when a type follows */
	check_line("x. ANY ANY \\# 0", NULL, 0, (const uint8_t *)"\x01" "x", KR_TYPE_ANY, KR_CLASS_ANY, 0, W(""));
	check_line("x. IN ANY \\# 0", NULL, 0, (const uint8_t *)"\x01" "x", KR_TYPE_ANY, KR_CLASS_IN, 0, W(""));
	check_line("x. ANY \\# 0", NULL, 0, (const uint8_t *)"\x01" "x", KR_TYPE_ANY, KR_CLASS_IN, 0, W(""));
	check_line("x. ANY 60 A 192.0.2.1", NULL, 0,
		   (const uint8_t *)"\x01" "x", KR_TYPE_A, KR_CLASS_ANY, 60, W("\xc0\x00\x02\x01"));
	/* escaped owner */
	check_line("a\\ b\\.c.example. A 192.0.2.1", NULL, 0,
		   (const uint8_t *)"\x05" "a b.c" "\x07" "example", KR_TYPE_A, KR_CLASS_IN, 0,
		   W("\xc0\x00\x02\x01"));
	/* the root as owner */
	check_line(". 518400 IN NS a.root-servers.net.", NULL, 0, (const uint8_t *)"", KR_TYPE_NS,
		   KR_CLASS_IN, 518400, W("\x01" "a" "\x0c" "root-servers" "\x03" "net" "\x00"));
}
END_TEST

START_TEST(from_str_errors)
{
	check_bad_line("", KR_EMALF);
	check_bad_line("   ; nothing", KR_EMALF);
	check_bad_line("x.", KR_EMALF);
	check_bad_line("x. 300", KR_EMALF);
	check_bad_line("x. 300 IN", KR_ETYPE);           /* IN taken as a type */
	check_bad_line("x. FOO 192.0.2.1", KR_ETYPE);
	check_bad_line("x. IN CH A 192.0.2.1", KR_ETYPE);
	check_bad_line("x. A 192.0.2", KR_EMALF);
	check_bad_line("x. A", KR_EMALF);
	check_bad_line("x. A 192.0.2.1 extra", KR_EMALF);
	check_bad_line("x. TYPE731 abcd", KR_EMALF);
	check_bad_line("a..b A 192.0.2.1", KR_EMALF);
	check_bad_line("x. 1x A 192.0.2.1", KR_EMALF);
	check_bad_line("x. 1h30 A 192.0.2.1", KR_EMALF);
	check_bad_line("x. h A 192.0.2.1", KR_ETYPE);
	check_bad_line("x. 4294967296 A 192.0.2.1", KR_EMALF);
	check_bad_line("x. 4294967295s1s A 192.0.2.1", KR_EMALF);
	check_bad_line("x. 7102W A 192.0.2.1", KR_EMALF);
	/* relative owner too long with the origin */
	char line[400];
	memset(line, 'a', 63);
	line[63] = '.';
	memcpy(line + 64, line, 64);
	memcpy(line + 128, line, 64);
	memcpy(line + 192, line, 50);
	strcpy(line + 242, " A 192.0.2.1");
	check_bad_line(line, KR_EMALF);
	ck_assert_int_eq(kr_rrset_from_str(NULL, "x. A 192.0.2.1", NULL, 0, NULL), KR_EMALF);
}
END_TEST

/** RDATA longer than the on-stack buffer, into an arena. */
START_TEST(from_str_long_rdata)
{
	size_t n = 3000;
	char *line = malloc(32 + 2 * n);
	int pos = sprintf(line, "x. TYPE731 \\# %zu ", n);
	for (size_t i = 0; i < n; ++i)
		pos += sprintf(line + pos, "%02x", (unsigned)(i & 0xff));
	struct kr_arena *arena = kr_arena_new(0);
	kr_rrset_t rr;
	ck_assert_int_eq(kr_rrset_from_str(&rr, line, NULL, 0, kr_arena_mm(arena)), 0);
	struct kr_rdata *rd = kr_rdataset_first(&rr.rrs);
	ck_assert_int_eq(rd->len, n);
	for (size_t i = 0; i < n; ++i)
		ck_assert_int_eq(rd->data[i], i & 0xff);
	/* RDATA above 65535 bytes */
	free(line);
	n = 70000;
	line = malloc(32 + 2 * n);
	pos = sprintf(line, "x. TYPE731 \\# %zu ", n);
	memset(line + pos, 'f', 2 * n);
	line[pos + 2 * n] = '\0';
	ck_assert_int_eq(kr_rrset_from_str(&rr, line, NULL, 0, kr_arena_mm(arena)), KR_EMALF);
	free(line);
	kr_arena_delete(arena);
}
END_TEST

/* ---- kr_rrset_to_str ---- */

/** Print into a buffer of exactly size bytes. */
static int to_str_exact(const kr_rrset_t *rr, size_t size, char *copy)
{
	char *buf = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(buf);
	int ret = kr_rrset_to_str(rr, size ? buf : NULL, size);
	if (ret >= 0 && copy)
		memcpy(copy, buf, (size_t)ret + 1);
	free(buf);
	return ret;
}

/** rr prints as text, and not into any smaller buffer. */
static void check_to_str(const kr_rrset_t *rr, const char *text)
{
	size_t need = strlen(text) + 1;
	for (size_t size = 0; size < need; ++size)
		ck_assert_int_eq(to_str_exact(rr, size, NULL), KR_ESPACE);
	char *out = malloc(need);
	ck_assert_int_eq(to_str_exact(rr, need, out), (int)need - 1);
	ck_assert_str_eq(out, text);
	free(out);
}

START_TEST(to_str_lines)
{
	struct kr_arena *arena = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(arena);
	uint8_t owner[] = "\x03" "www" "\x07" "example" "\x03" "com";
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 3600);
	check_to_str(&rr, "");
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc0\x00\x02\x01", 4, mm), 0);
	check_to_str(&rr, "www.example.com.\t3600\tIN\tA\t192.0.2.1\n");
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc0\x00\x02\x02", 4, mm), 0);
	check_to_str(&rr, "www.example.com.\t3600\tIN\tA\t192.0.2.1\n"
		     "www.example.com.\t3600\tIN\tA\t192.0.2.2\n");

	uint8_t odd[] = "\x01" "e" "\x07" "example";
	kr_rrset_init(&rr, odd, 731, 32, 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\xab\xcd\xef", 3, mm), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, NULL, 0, mm), 0);
	check_to_str(&rr, "e.example.\t0\tCLASS32\tTYPE731\t\\# 3 ABCDEF\n"
		     "e.example.\t0\tCLASS32\tTYPE731\t\\# 0\n");

	kr_rrset_init(&rr, (uint8_t *)"", KR_TYPE_TXT, KR_CLASS_CH, 4294967295u);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\x02" "hi" "\x00", 4, mm), 0);
	check_to_str(&rr, ".\t4294967295\tCH\tTXT\t\"hi\" \"\"\n");
	kr_arena_delete(arena);
}
END_TEST

START_TEST(to_str_malformed)
{
	uint8_t owner[] = "\x01" "x";
	kr_rrset_t rr;
	kr_rrset_init(&rr, owner, KR_TYPE_A, KR_CLASS_IN, 1);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc0\x00\x02\x01", 4, NULL), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc0\x00\x02", 3, NULL), 0);
	char out[256];
	ck_assert_int_eq(kr_rrset_to_str(&rr, out, sizeof(out)), KR_EMALF);
	/* even when the buffer is too small, bad RDATA is reported */
	for (size_t size = 0; size < 32; ++size)
		ck_assert_int_eq(to_str_exact(&rr, size, NULL), KR_EMALF);
	kr_rrset_clear(&rr, NULL);
}
END_TEST

/** Text -> set -> text gives the canonical line. */
START_TEST(round_trip)
{
	static const char *const lines[][2] = {
		{ "www 1h IN A 192.0.2.1", "www.example.com.\t3600\tIN\tA\t192.0.2.1\n" },
		{ "@ 300 IN MX 10 mail", "example.com.\t300\tIN\tMX\t10 mail.example.com.\n" },
		{ "_dns.resolver.arpa. 7200 IN SVCB 1 dot.example. alpn=dot port=853",
		  "_dns.resolver.arpa.\t7200\tIN\tSVCB\t1 dot.example. alpn=\"dot\" port=853\n" },
		{ "example.com. 86400 IN DS 60485 5 1 ( 2BB183AF5F22588179A53B0A 98631FAD1A292118 )",
		  "example.com.\t86400\tIN\tDS\t60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118\n" },
		{ "example.com. 0 IN CAA 0 issue \"ca.example.net; account=230123\"",
		  "example.com.\t0\tIN\tCAA\t0 issue \"ca.example.net; account=230123\"\n" },
		{ "x.example.com. 60 IN TYPE62347 \\# 2 0102",
		  "x.example.com.\t60\tIN\tTYPE62347\t\\# 2 0102\n" },
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); ++i) {
		kr_rrset_t rr;
		ck_assert_int_eq(kr_rrset_from_str(&rr, lines[i][0], example_com, 0, NULL), 0);
		check_to_str(&rr, lines[i][1]);
		kr_rrset_clear(&rr, NULL);
		kr_mm_free(NULL, rr.owner);
		/* the printed line parses to the same record */
		ck_assert_int_eq(kr_rrset_from_str(&rr, lines[i][1], NULL, 0, NULL), 0);
		check_to_str(&rr, lines[i][1]);
		kr_rrset_clear(&rr, NULL);
		kr_mm_free(NULL, rr.owner);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rrline");
	unit_tcase(s, "kr_rrset_from_str", NULL, from_str_fields, from_str_errors, from_str_long_rdata,
		   round_trip);
	unit_tcase(s, "kr_rrset_to_str", NULL, to_str_lines, to_str_malformed);
	return unit_run(s);
}
