/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/wire/pkt.c: parsing, building, compression, header. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/pkt.h>
#include "tests/unit/check_main.h"

/** Wire form of a presentation name, in one of a ring of static buffers. */
static uint8_t *dn(const char *str)
{
	static uint8_t ring[32][KR_DNAME_MAXLEN];
	static int next;
	uint8_t *buf = ring[next++ % 32];
	int ret = kr_dname_from_str(buf, KR_DNAME_MAXLEN, str);
	ck_assert_msg(ret > 0, "kr_dname_from_str(%s) = %d", str, ret);
	return buf;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/** A packet over an exact-size heap copy of bytes (so that over-reads are caught). */
static kr_pkt_t *pkt_from(const uint8_t *bytes, size_t len, kr_mm_t *mm)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, len);
	kr_pkt_t *pkt = kr_pkt_new(copy, len, mm);
	ck_assert_ptr_nonnull(pkt);
	pkt->size = len;
	return pkt;
}

/** Release a packet made by pkt_from(). */
static void pkt_from_free(kr_pkt_t *pkt)
{
	uint8_t *wire = pkt->wire;
	kr_pkt_free(pkt);
	free(wire);
}

/** Parse bytes in a fresh packet; the packet is gone afterwards. */
static int parse_bytes(const uint8_t *bytes, size_t len)
{
	kr_pkt_t *pkt = pkt_from(bytes, len, NULL);
	int ret = kr_pkt_parse(pkt);
	if (ret) {
		/* a failed parse leaves no records */
		ck_assert_uint_eq(pkt->rrcount, 0);
		for (int s = KR_SECTION_ANSWER; s <= KR_SECTION_ADDITIONAL; ++s)
			ck_assert_uint_eq(kr_pkt_count(pkt, s), 0);
		ck_assert_ptr_null(pkt->opt);
	}
	pkt_from_free(pkt);
	return ret;
}

/*
 * A real-looking response for www.example.com A (106 bytes), with compression:
 *   www.example.com.  3600  IN CNAME example.com.
 *   example.com.      3600  IN A     93.184.216.34
 *   example.com.     86400  IN NS    a.example.com.
 *   a.example.com.   86400  IN A     192.0.2.1
 *   OPT: bufsize 1232, DO
 */
static const uint8_t response[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02,
	/* 12: question www.example.com. A IN */
	0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
	/* 33: CNAME, owner -> 12, target -> 16 */
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x02, 0xc0, 0x10,
	/* 47: A */
	0xc0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 93, 184, 216, 34,
	/* 63: NS a + ptr 16, the "a" label at 75 */
	0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x04, 0x01, 'a', 0xc0, 0x10,
	/* 79: glue A, owner -> 75 */
	0xc0, 0x4b, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x04, 192, 0, 2, 1,
	/* 95: OPT */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
};

START_TEST(test_new_free)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	ck_assert_ptr_nonnull(pkt);
	ck_assert(pkt->owns_wire);
	ck_assert_uint_eq(pkt->size, KR_PKT_HDRSIZE);
	ck_assert_uint_eq(pkt->max_size, 512);
	for (int i = 0; i < KR_PKT_HDRSIZE; ++i)
		ck_assert_int_eq(pkt->wire[i], 0);
	ck_assert_uint_eq(pkt->qname_size, 0);
	ck_assert_uint_eq(pkt->rrcount, 0);
	ck_assert_ptr_null(pkt->opt);
	kr_pkt_free(pkt);
	kr_pkt_free(NULL);

	ck_assert_ptr_null(kr_pkt_new(NULL, 11, NULL));
	pkt = kr_pkt_new(NULL, 100000, NULL);
	ck_assert_uint_eq(pkt->max_size, KR_PKT_MAXSIZE);
	kr_pkt_free(pkt);

	uint8_t buf[600];
	pkt = kr_pkt_new(buf, sizeof(buf), NULL);
	ck_assert_ptr_eq(pkt->wire, buf);
	ck_assert(!pkt->owns_wire);
	ck_assert_uint_eq(pkt->size, 0);
	kr_pkt_free(pkt);

	/* in an arena: nothing to free separately */
	struct kr_arena *a = kr_arena_new(0);
	pkt = kr_pkt_new(NULL, KR_PKT_MAXSIZE, kr_arena_mm(a));
	ck_assert_ptr_nonnull(pkt);
	kr_pkt_t *p2 = pkt_from(response, sizeof(response), kr_arena_mm(a));
	ck_assert_int_eq(kr_pkt_parse(p2), 0);
	ck_assert_uint_eq(p2->rrcount, 5);
	free(p2->wire);
	kr_arena_delete(a);
}
END_TEST

START_TEST(test_clear)
{
	kr_pkt_t *pkt = pkt_from(response, sizeof(response), NULL);
	ck_assert_int_eq(kr_pkt_parse(pkt), 0);
	kr_pkt_clear(pkt);   /* must release the parsed records (leak checker) */
	ck_assert_uint_eq(pkt->size, KR_PKT_HDRSIZE);
	for (int i = 0; i < KR_PKT_HDRSIZE; ++i)
		ck_assert_int_eq(pkt->wire[i], 0);
	ck_assert_uint_eq(pkt->qname_size, 0);
	ck_assert_ptr_null(pkt->qname);
	ck_assert_uint_eq(pkt->rrcount, 0);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 0);
	ck_assert_ptr_null(pkt->opt);
	ck_assert_uint_eq(pkt->comp_count, 0);
	/* usable for writing again */
	ck_assert_int_eq(kr_pkt_put_question(pkt, dn("a."), KR_CLASS_IN, KR_TYPE_A), 0);
	ck_assert_uint_eq(pkt->size, 12 + 3 + 4);
	pkt_from_free(pkt);
}
END_TEST

START_TEST(test_parse)
{
	kr_pkt_t *pkt = pkt_from(response, sizeof(response), NULL);
	ck_assert_int_eq(kr_pkt_parse(pkt), 0);
	ck_assert_uint_eq(kr_pkt_id(pkt), 0x1234);
	ck_assert(kr_pkt_flag(pkt, KR_PKT_QR));
	ck_assert(kr_pkt_flag(pkt, KR_PKT_RD));
	ck_assert(kr_pkt_flag(pkt, KR_PKT_RA));
	ck_assert(!kr_pkt_flag(pkt, KR_PKT_AA));
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_NOERROR);
	ck_assert_ptr_eq(pkt->qname, pkt->wire + 12);
	ck_assert_uint_eq(pkt->qname_size, 17);
	ck_assert(kr_dname_eq(pkt->qname, dn("www.example.com")));
	ck_assert_uint_eq(pkt->qtype, KR_TYPE_A);
	ck_assert_uint_eq(pkt->qclass, KR_CLASS_IN);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 2);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_AUTHORITY), 1);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ADDITIONAL), 2);

	const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, 0);
	ck_assert_mem_eq(rr->owner, "\3www\7example\3com", 17);
	ck_assert_uint_eq(rr->type, KR_TYPE_CNAME);
	ck_assert_uint_eq(rr->rclass, KR_CLASS_IN);
	ck_assert_uint_eq(rr->ttl, 3600);
	ck_assert_uint_eq(rr->rrs.count, 1);
	struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	ck_assert_uint_eq(rd->len, 13);   /* decompressed */
	ck_assert_mem_eq(rd->data, "\7example\3com", 13);

	rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, 1);
	ck_assert_mem_eq(rr->owner, "\7example\3com", 13);
	ck_assert_uint_eq(rr->type, KR_TYPE_A);
	rd = kr_rdataset_first(&rr->rrs);
	ck_assert_uint_eq(rd->len, 4);
	ck_assert_mem_eq(rd->data, "\x5d\xb8\xd8\x22", 4);
	ck_assert_ptr_null(kr_pkt_rr(pkt, KR_SECTION_ANSWER, 2));

	rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, 0);
	ck_assert_uint_eq(rr->type, KR_TYPE_NS);
	ck_assert_uint_eq(rr->ttl, 86400);
	rd = kr_rdataset_first(&rr->rrs);
	ck_assert_uint_eq(rd->len, 15);
	ck_assert_mem_eq(rd->data, "\1a\7example\3com", 15);

	rr = kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, 0);
	ck_assert_mem_eq(rr->owner, "\1a\7example\3com", 15);
	ck_assert_uint_eq(rr->type, KR_TYPE_A);
	ck_assert_mem_eq(kr_rdataset_first(&rr->rrs)->data, "\xc0\x00\x02\x01", 4);

	rr = kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, 1);
	ck_assert_ptr_eq(rr, pkt->opt);
	ck_assert_uint_eq(rr->type, KR_TYPE_OPT);
	ck_assert_uint_eq(kr_edns_bufsize(pkt->opt), 1232);
	ck_assert(kr_edns_do(pkt->opt));
	ck_assert_uint_eq(kr_edns_version(pkt->opt), 0);
	ck_assert_uint_eq(kr_rdataset_first(&rr->rrs)->len, 0);
	ck_assert_ptr_null(kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, 2));
	ck_assert_ptr_null(kr_pkt_rr(pkt, 3, 0));

	/* parsing again releases and rebuilds everything */
	ck_assert_int_eq(kr_pkt_parse(pkt), 0);
	ck_assert_uint_eq(pkt->rrcount, 5);

	/* build it again from the parsed records: the very same bytes */
	kr_pkt_t *out = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	ck_assert_int_eq(kr_pkt_put_question(out, pkt->qname, pkt->qclass, pkt->qtype), 0);
	memcpy(out->wire, pkt->wire, 4);   /* id and flags */
	for (int s = KR_SECTION_ANSWER; s <= KR_SECTION_ADDITIONAL; ++s) {
		ck_assert_int_eq(kr_pkt_begin(out, s), 0);
		for (uint16_t i = 0; i < kr_pkt_count(pkt, s); ++i) {
			const kr_rrset_t *r = kr_pkt_rr(pkt, s, i);
			if (r->type == KR_TYPE_OPT)
				ck_assert_int_eq(kr_pkt_put_opt(out, (kr_rrset_t *)r), 0);
			else
				ck_assert_int_eq(kr_pkt_put(out, r), 0);
		}
	}
	ck_assert_uint_eq(out->size, sizeof(response));
	ck_assert_mem_eq(out->wire, response, sizeof(response));
	kr_pkt_free(out);
	pkt_from_free(pkt);
}
END_TEST

START_TEST(test_parse_truncated)
{
	ck_assert_int_eq(parse_bytes(response, sizeof(response)), 0);
	for (size_t len = 0; len < sizeof(response); ++len)
		ck_assert_msg(parse_bytes(response, len) == KR_EMALF, "cut at %zu", len);
	/* and a trailing byte */
	uint8_t longer[sizeof(response) + 1];
	memcpy(longer, response, sizeof(response));
	longer[sizeof(response)] = 0;
	ck_assert_int_eq(parse_bytes(longer, sizeof(longer)), KR_EMALF);
}
END_TEST

/** Rebuild a parsed packet from its records into a new packet. */
static kr_pkt_t *rebuild(const kr_pkt_t *pkt)
{
	kr_pkt_t *out = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	if (pkt->qname_size)
		ck_assert_int_eq(kr_pkt_put_question(out, pkt->qname, pkt->qclass, pkt->qtype), 0);
	memcpy(out->wire, pkt->wire, 4);
	for (int s = KR_SECTION_ANSWER; s <= KR_SECTION_ADDITIONAL; ++s) {
		ck_assert_int_eq(kr_pkt_begin(out, s), 0);
		for (uint16_t i = 0; i < kr_pkt_count(pkt, s); ++i) {
			const kr_rrset_t *r = kr_pkt_rr(pkt, s, i);
			if (r->type == KR_TYPE_OPT)
				ck_assert_int_eq(kr_pkt_put_opt(out, (kr_rrset_t *)r), 0);
			else
				ck_assert_int_eq(kr_pkt_put(out, r), 0);
		}
	}
	return out;
}

START_TEST(test_parse_mutations)
{
	/* Every byte of the response set to several values: the parser either
	 * rejects the result or gives records that write and parse again. */
	const uint8_t values[] = { 0x00, 0x01, 0x0c, 0x3f, 0x40, 0x80, 0xc0, 0xc1, 0xff };
	int accepted = 0, rejected = 0;
	for (size_t off = 0; off < sizeof(response); ++off) {
		for (size_t v = 0; v <= sizeof(values); ++v) {
			uint8_t buf[sizeof(response)];
			memcpy(buf, response, sizeof(buf));
			buf[off] = v < sizeof(values) ? values[v] : (uint8_t)(response[off] ^ 0x20);
			kr_pkt_t *pkt = pkt_from(buf, sizeof(buf), NULL);
			int ret = kr_pkt_parse(pkt);
			if (ret) {
				ck_assert_int_eq(ret, KR_EMALF);
				++rejected;
				pkt_from_free(pkt);
				continue;
			}
			++accepted;
			kr_pkt_t *out = rebuild(pkt);
			kr_pkt_t *again = pkt_from(out->wire, out->size, NULL);
			ck_assert_int_eq(kr_pkt_parse(again), 0);
			ck_assert_uint_eq(again->rrcount, pkt->rrcount);
			for (uint16_t i = 0; i < pkt->rrcount; ++i) {
				ck_assert(kr_dname_eq(again->rr[i].owner, pkt->rr[i].owner));
				ck_assert_uint_eq(again->rr[i].type, pkt->rr[i].type);
				ck_assert_uint_eq(again->rr[i].rrs.size, pkt->rr[i].rrs.size);
				ck_assert_mem_eq(again->rr[i].rrs.data, pkt->rr[i].rrs.data, pkt->rr[i].rrs.size);
			}
			pkt_from_free(again);
			kr_pkt_free(out);
			pkt_from_free(pkt);
		}
	}
	ck_assert_int_gt(accepted, 100);
	ck_assert_int_gt(rejected, 100);
}
END_TEST

/** Build a response: header with counts, question "a." A IN (offsets 12..18), body from 19. */
static size_t mkpkt(uint8_t *out, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar,
		    const uint8_t *body, size_t blen)
{
	const uint8_t head[] = { 0, 1, 0x80, 0, qd >> 8, qd & 0xff, an >> 8, an & 0xff,
				 ns >> 8, ns & 0xff, ar >> 8, ar & 0xff,
				 1, 'a', 0, 0, 1, 0, 1 };
	memcpy(out, head, sizeof(head));
	memcpy(out + sizeof(head), body, blen);
	return sizeof(head) + blen;
}

#define RR_TAIL_0 0x00, 0x00, 0x00, 0x00, 0x00, 0x00   /* TTL 0, RDLENGTH 0 */

struct bad_case {
	const char *what;
	uint16_t an, ns, ar;
	int expect;
	size_t blen;
	uint8_t body[120];
};

#define CASE(what, an, ns, ar, expect, ...) \
	{ what, an, ns, ar, expect, sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

static const struct bad_case cases[] = {
	CASE("baseline", 1, 0, 0, 0, 0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("pointer to itself", 1, 0, 0, KR_EMALF, 0xc0, 0x13, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("label + pointer to own start", 1, 0, 0, KR_EMALF,
	     0x01, 'b', 0xc0, 0x13, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("forward pointer", 1, 0, 0, KR_EMALF, 0xc0, 0x15, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("pointers to each other", 2, 0, 0, KR_EMALF,
	     0xc0, 0x1f, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0,
	     0xc0, 0x13, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("pointer into header", 1, 0, 0, KR_EMALF, 0xc0, 0x05, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("pointer to 0", 1, 0, 0, KR_EMALF, 0xc0, 0x00, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("pointer beyond packet", 1, 0, 0, KR_EMALF, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("label type 0x40", 1, 0, 0, KR_EMALF, 0x41, 'x', 0x00, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("label type 0x80", 1, 0, 0, KR_EMALF, 0x81, 'x', 0x00, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("ancount 2, 1 record", 2, 0, 0, KR_EMALF, 0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("ancount 65535, 1 record", 65535, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("nscount 65535, 1 record", 1, 65535, 65535, KR_EMALF,
	     0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("arcount 1, no record", 1, 0, 1, KR_EMALF, 0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("trailing byte", 1, 0, 0, KR_EMALF, 0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0, 0x00),
	CASE("fixed part cut", 1, 0, 0, KR_EMALF, 0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0),
	CASE("RDLENGTH overrun", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x05, 1, 2),
	CASE("A of 4 bytes", 1, 0, 0, 0, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 1, 2, 3, 4),
	CASE("A of 5 bytes", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x05, 1, 2, 3, 4, 5),
	CASE("AAAA of 4 bytes", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 1, 2, 3, 4),
	CASE("MX name past RDLENGTH", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x0a, 0x01, 'b', 0x00),
	CASE("MX ok", 1, 0, 0, 0,
	     0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x05, 0x00, 0x0a, 0x01, 'b', 0x00),
	CASE("NS with trailing bytes", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 0xc0, 0x0c, 0x00, 0x00),
	CASE("NS with forward pointer", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x02, 0xc0, 0x20),
	CASE("SOA short", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x17, 0xc0, 0x0c, 0xc0, 0x0c,
	     1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19),
	CASE("TXT string overrun", 1, 0, 0, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x03, 0x01, 'a', 0x05),
	CASE("label of 64", 1, 0, 0, KR_EMALF, 64,
	     'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
	     'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
	     'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
	     'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
	     0x00, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0),
	CASE("OPT ok", 0, 0, 1, 0, 0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00),
	CASE("OPT in answer", 1, 0, 0, KR_EMALF, 0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00),
	CASE("OPT in authority", 0, 1, 0, KR_EMALF, 0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00),
	CASE("two OPTs", 0, 0, 2, KR_EMALF,
	     0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00,
	     0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00),
	CASE("OPT owner not root", 0, 0, 1, KR_EMALF,
	     0xc0, 0x0c, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00),
	CASE("OPT option overrun", 0, 0, 1, KR_EMALF,
	     0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x08, 0x01),
	CASE("OPT option ok", 0, 0, 1, 0,
	     0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x01),
};

START_TEST(test_parse_malformed)
{
	uint8_t buf[200];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
		const struct bad_case *c = &cases[i];
		size_t len = mkpkt(buf, 1, c->an, c->ns, c->ar, c->body, c->blen);
		int ret = parse_bytes(buf, len);
		ck_assert_msg(ret == c->expect, "%s: %d instead of %d", c->what, ret, c->expect);
	}
	/* a name of 256 bytes as owner */
	uint8_t big[400];
	uint8_t body[300];
	size_t p = 0;
	const int lens[] = { 63, 63, 63, 62 };
	for (int i = 0; i < 4; ++i) {
		body[p++] = (uint8_t)lens[i];
		memset(body + p, 'y', (size_t)lens[i]);
		p += (size_t)lens[i];
	}
	body[p++] = 0;
	ck_assert_uint_eq(p, 256);
	memcpy(body + p, (uint8_t[]){ 0xff, 0x00, 0x00, 0x01, RR_TAIL_0 }, 10);
	size_t len = mkpkt(big, 1, 1, 0, 0, body, p + 10);
	ck_assert_int_eq(parse_bytes(big, len), KR_EMALF);
	body[192] = 61;   /* 255 bytes is fine */
	memmove(body + 254, body + 255, 11);
	len = mkpkt(big, 1, 1, 0, 0, body, p + 9);
	ck_assert_int_eq(parse_bytes(big, len), 0);
	/* 256 bytes through compression: "b" + the 254-byte question name */
	uint8_t cq[12 + 254 + 4 + 4 + 10] = { 0, 0, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0 };
	memcpy(cq + 12, body, 254);
	cq[12 + 192] = 60;
	cq[12 + 253] = 0;
	memcpy(cq + 12 + 254, "\0\1\0\1", 4);
	memcpy(cq + 12 + 258, (uint8_t[]){ 1, 'b', 0xc0, 0x0c, 0xff, 0x00, 0x00, 0x01, RR_TAIL_0 }, 14);
	ck_assert_int_eq(parse_bytes(cq, sizeof(cq)), KR_EMALF);
	/* more than one question */
	len = mkpkt(buf, 2, 0, 0, 0, (const uint8_t *)"\1b\0\0\1\0\1", 7);
	ck_assert_int_eq(parse_bytes(buf, len), KR_EMALF);
	/* question name compressed (would point into the header or forward) */
	const uint8_t qptr[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1 };
	ck_assert_int_eq(parse_bytes(qptr, sizeof(qptr)), KR_EMALF);
	/* question without type and class */
	len = mkpkt(buf, 1, 0, 0, 0, (const uint8_t *)"", 0);
	ck_assert_int_eq(parse_bytes(buf, len), 0);
	ck_assert_int_eq(parse_bytes(buf, len - 1), KR_EMALF);
	ck_assert_int_eq(parse_bytes(buf, len - 4), KR_EMALF);
}
END_TEST

START_TEST(test_parse_question)
{
	kr_pkt_t *pkt = pkt_from(response, sizeof(response), NULL);
	ck_assert_int_eq(kr_pkt_parse_question(pkt), 0);
	ck_assert_uint_eq(pkt->qname_size, 17);
	ck_assert_ptr_eq(pkt->qname, pkt->wire + 12);
	ck_assert_uint_eq(pkt->qtype, KR_TYPE_A);
	ck_assert_uint_eq(pkt->rrcount, 0);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 0);
	/* records are not looked at */
	pkt->wire[40] = 0xff;
	ck_assert_int_eq(kr_pkt_parse_question(pkt), 0);
	ck_assert_int_eq(kr_pkt_parse(pkt), 0);   /* TTL byte: harmless */
	pkt->size = 30;
	ck_assert_int_eq(kr_pkt_parse_question(pkt), KR_EMALF);
	ck_assert_uint_eq(pkt->qname_size, 0);
	pkt->size = 11;
	ck_assert_int_eq(kr_pkt_parse_question(pkt), KR_EMALF);
	pkt_from_free(pkt);
	/* no question at all */
	const uint8_t empty[12] = { 0xab, 0xcd };
	pkt = pkt_from(empty, sizeof(empty), NULL);
	ck_assert_int_eq(kr_pkt_parse_question(pkt), 0);
	ck_assert_uint_eq(pkt->qname_size, 0);
	ck_assert_int_eq(kr_pkt_parse(pkt), 0);
	ck_assert_uint_eq(kr_pkt_id(pkt), 0xabcd);
	pkt_from_free(pkt);
}
END_TEST

START_TEST(test_header)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	kr_pkt_set_id(pkt, 0xbeef);
	ck_assert_uint_eq(kr_pkt_id(pkt), 0xbeef);
	ck_assert_int_eq(pkt->wire[0], 0xbe);
	const enum kr_pkt_flag flags[] = { KR_PKT_QR, KR_PKT_AA, KR_PKT_TC, KR_PKT_RD,
					   KR_PKT_RA, KR_PKT_Z, KR_PKT_AD, KR_PKT_CD };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); ++i) {
		ck_assert(!kr_pkt_flag(pkt, flags[i]));
		kr_pkt_set_flag(pkt, flags[i], true);
		ck_assert(kr_pkt_flag(pkt, flags[i]));
		ck_assert_uint_eq(get16(pkt->wire + 2), flags[i]);
		kr_pkt_set_flag(pkt, flags[i], false);
		ck_assert_uint_eq(get16(pkt->wire + 2), 0);
	}
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	kr_pkt_set_opcode(pkt, KR_OPCODE_NOTIFY);
	ck_assert_uint_eq(kr_pkt_opcode(pkt), KR_OPCODE_NOTIFY);
	ck_assert_int_eq(pkt->wire[2], 0x80 | (4 << 3));
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_NXDOMAIN), 0);
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_NXDOMAIN);
	ck_assert_int_eq(pkt->wire[3], 3);
	kr_pkt_set_flag(pkt, KR_PKT_RA, true);
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_NXDOMAIN);
	ck_assert_uint_eq(kr_pkt_opcode(pkt), KR_OPCODE_NOTIFY);
	/* extended rcodes need an OPT */
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, KR_RCODE_BADVERS), -EINVAL);
	ck_assert_int_eq(kr_pkt_set_rcode(pkt, 0x1000), -EINVAL);
	ck_assert_uint_eq(kr_pkt_rcode(pkt), KR_RCODE_NXDOMAIN);
	kr_pkt_free(pkt);

	/* over a caller's buffer with no header yet: setters create one */
	uint8_t buf[64];
	memset(buf, 0x55, sizeof(buf));
	pkt = kr_pkt_new(buf, sizeof(buf), NULL);
	kr_pkt_set_id(pkt, 7);
	ck_assert_uint_eq(pkt->size, 12);
	ck_assert_uint_eq(get16(buf + 2), 0);
	ck_assert_uint_eq(kr_pkt_id(pkt), 7);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_put_question)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	ck_assert_int_eq(kr_pkt_put_question(pkt, dn("www.Example.com"), KR_CLASS_IN, KR_TYPE_AAAA), 0);
	ck_assert_uint_eq(pkt->size, 12 + 17 + 4);
	ck_assert_mem_eq(pkt->wire + 12, "\3www\7Example\3com\0\0\34\0\1", 21);
	ck_assert_uint_eq(get16(pkt->wire + 4), 1);
	ck_assert_ptr_eq(pkt->qname, pkt->wire + 12);
	ck_assert_uint_eq(pkt->qname_size, 17);
	ck_assert_uint_eq(pkt->qtype, KR_TYPE_AAAA);
	ck_assert_uint_eq(pkt->qclass, KR_CLASS_IN);
	/* replace it */
	ck_assert_int_eq(kr_pkt_put_question(pkt, dn("a"), KR_CLASS_CH, KR_TYPE_TXT), 0);
	ck_assert_uint_eq(pkt->size, 12 + 3 + 4);
	ck_assert_mem_eq(pkt->wire + 12, "\1a\0\0\20\0\3", 7);
	/* replacing with its own name works too */
	ck_assert_int_eq(kr_pkt_put_question(pkt, pkt->qname, KR_CLASS_IN, KR_TYPE_A), 0);
	ck_assert_mem_eq(pkt->wire + 12, "\1a\0\0\1\0\1", 7);
	/* parse back */
	kr_pkt_t *p2 = pkt_from(pkt->wire, pkt->size, NULL);
	ck_assert_int_eq(kr_pkt_parse(p2), 0);
	ck_assert(kr_dname_eq(p2->qname, dn("a")));
	pkt_from_free(p2);
	/* not after records */
	kr_rrset_t rr;
	kr_rrset_init(&rr, dn("a"), KR_TYPE_A, KR_CLASS_IN, 1);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\4", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_int_eq(kr_pkt_put_question(pkt, dn("b"), KR_CLASS_IN, KR_TYPE_A), KR_ESECTION);
	kr_rrset_clear(&rr, NULL);
	kr_pkt_free(pkt);
	/* space */
	pkt = kr_pkt_new(NULL, 12 + 17 + 3, NULL);
	ck_assert_int_eq(kr_pkt_put_question(pkt, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_A), KR_ESPACE);
	ck_assert_uint_eq(pkt->size, 12);
	kr_pkt_free(pkt);
	pkt = kr_pkt_new(NULL, 12 + 17 + 4, NULL);
	ck_assert_int_eq(kr_pkt_put_question(pkt, dn("www.example.com"), KR_CLASS_IN, KR_TYPE_A), 0);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_begin)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	kr_pkt_put_question(pkt, dn("example.com"), KR_CLASS_IN, KR_TYPE_NS);
	kr_rrset_t rr;
	kr_rrset_init(&rr, dn("example.com"), KR_TYPE_A, KR_CLASS_IN, 1);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\4", 4, NULL);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_ANSWER), 0);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_ADDITIONAL), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_AUTHORITY), KR_ESECTION);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_ANSWER), KR_ESECTION);
	ck_assert_int_eq(kr_pkt_begin(pkt, 3), KR_ESECTION);
	ck_assert_uint_eq(get16(pkt->wire + 6), 0);
	ck_assert_uint_eq(get16(pkt->wire + 8), 0);
	ck_assert_uint_eq(get16(pkt->wire + 10), 1);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 0);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_AUTHORITY), 0);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ADDITIONAL), 1);
	kr_rrset_clear(&rr, NULL);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_put)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 1232, NULL);
	kr_pkt_put_question(pkt, dn("example.com"), KR_CLASS_IN, KR_TYPE_A);
	kr_rrset_t a, ns, glue;
	kr_rrset_init(&a, dn("example.com"), KR_TYPE_A, KR_CLASS_IN, 300);
	for (uint8_t i = 1; i <= 3; ++i)
		kr_rrset_add_rdata(&a, (const uint8_t[]){ 192, 0, 2, i }, 4, NULL);
	kr_rrset_init(&ns, dn("example.com"), KR_TYPE_NS, KR_CLASS_IN, 3600);
	kr_rrset_add_rdata(&ns, dn("ns1.example.com"), 17, NULL);
	kr_rrset_add_rdata(&ns, dn("ns2.example.com"), 17, NULL);
	kr_rrset_init(&glue, dn("ns1.example.com"), KR_TYPE_A, KR_CLASS_IN, 3600);
	kr_rrset_add_rdata(&glue, (const uint8_t *)"\xc6\x33\x64\x01", 4, NULL);

	ck_assert_int_eq(kr_pkt_put(pkt, &a), 0);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_AUTHORITY), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &ns), 0);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_ADDITIONAL), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &glue), 0);
	/* header counts records, the sections count RR sets */
	ck_assert_uint_eq(get16(pkt->wire + 6), 3);
	ck_assert_uint_eq(get16(pkt->wire + 8), 2);
	ck_assert_uint_eq(get16(pkt->wire + 10), 1);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 1);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_AUTHORITY), 1);
	/* shallow copies */
	const kr_rrset_t *r = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, 0);
	ck_assert_ptr_eq(r->owner, ns.owner);
	ck_assert_ptr_eq(r->rrs.data, ns.rrs.data);
	ck_assert_ptr_eq(kr_pkt_rr(pkt, KR_SECTION_ADDITIONAL, 0)->owner, glue.owner);
	/* wire: 12 + 17 question; A records: ptr owner (2) + 10 + 4 each */
	ck_assert_uint_eq(pkt->size, 12 + 17 + 3 * 16 + 2 * (2 + 10 + 6) + (2 + 10 + 4));
	ck_assert_mem_eq(pkt->wire + 29, "\xc0\x0c\0\1\0\1\0\0\1\x2c\0\4\xc0\0\2\1", 16);
	/* NS rdata: "ns1" + pointer to the question name */
	ck_assert_mem_eq(pkt->wire + 77, "\xc0\x0c\0\2\0\1\0\0\x0e\x10\0\6\3ns1\xc0\x0c", 18);
	/* glue owner points to the NS rdata name at 77 + 12 */
	ck_assert_mem_eq(pkt->wire + 113, "\xc0\x59\0\1", 4);

	kr_pkt_t *p2 = pkt_from(pkt->wire, pkt->size, NULL);
	ck_assert_int_eq(kr_pkt_parse(p2), 0);
	ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_ANSWER), 3);
	ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_AUTHORITY), 2);
	ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_ADDITIONAL), 1);
	for (uint16_t i = 0; i < 3; ++i) {
		r = kr_pkt_rr(p2, KR_SECTION_ANSWER, i);
		ck_assert(kr_dname_eq(r->owner, a.owner));
		ck_assert_uint_eq(r->ttl, 300);
		ck_assert_mem_eq(kr_rdataset_first(&r->rrs)->data, kr_rdataset_at(&a.rrs, i)->data, 4);
	}
	r = kr_pkt_rr(p2, KR_SECTION_AUTHORITY, 1);
	ck_assert_mem_eq(kr_rdataset_first(&r->rrs)->data, "\3ns2\7example\3com", 17);
	r = kr_pkt_rr(p2, KR_SECTION_ADDITIONAL, 0);
	ck_assert(kr_dname_eq(r->owner, glue.owner));
	pkt_from_free(p2);

	/* invalid RDATA, OPT, empty set */
	kr_rrset_t bad;
	kr_rrset_init(&bad, dn("x.example.com"), KR_TYPE_A, KR_CLASS_IN, 1);
	kr_rrset_add_rdata(&bad, (const uint8_t *)"\1\2\3\4\5", 5, NULL);
	size_t size = pkt->size;
	ck_assert_int_eq(kr_pkt_put(pkt, &bad), KR_EMALF);
	ck_assert_uint_eq(pkt->size, size);
	kr_rrset_clear(&bad, NULL);
	kr_rrset_init(&bad, dn("x.example.com"), KR_TYPE_MX, KR_CLASS_IN, 1);
	kr_rrset_add_rdata(&bad, (const uint8_t *)"\0\1\1a\xc0\x0c", 6, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &bad), KR_EMALF);
	kr_rrset_clear(&bad, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &bad), 0);   /* empty: no-op */
	ck_assert_uint_eq(pkt->size, size);
	ck_assert_uint_eq(get16(pkt->wire + 10), 1);
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &opt), -EINVAL);
	kr_rrset_clear(&opt, NULL);
	ck_assert_uint_eq(pkt->size, size);

	kr_rrset_clear(&a, NULL);
	kr_rrset_clear(&ns, NULL);
	kr_rrset_clear(&glue, NULL);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_put_espace)
{
	/* Fill a small packet until it overflows: each failed put leaves no trace. */
	uint8_t snapshot[512];
	kr_pkt_t *pkt = kr_pkt_new(NULL, 300, NULL);
	kr_pkt_put_question(pkt, dn("example.com"), KR_CLASS_IN, KR_TYPE_MX);
	kr_rrset_t rr;
	char name[32];
	int put = 0;
	for (int i = 0; i < 100; ++i) {
		snprintf(name, sizeof(name), "host%d.example.com", i);
		kr_rrset_init(&rr, dn(name), KR_TYPE_MX, KR_CLASS_IN, 60);
		uint8_t mx[64] = { 0, 10 };
		int len = kr_dname_from_str(mx + 2, sizeof(mx) - 2, name);
		kr_rrset_add_rdata(&rr, mx, (uint16_t)(len + 2), NULL);
		mx[1] = 20;
		kr_rrset_add_rdata(&rr, mx, (uint16_t)(len + 2), NULL);
		size_t size = pkt->size;
		uint16_t comp = pkt->comp_count, rrcount = pkt->rrcount;
		memcpy(snapshot, pkt->wire, size);
		int ret = kr_pkt_put(pkt, &rr);
		kr_rrset_clear(&rr, NULL);   /* the shallow copy kept by the packet is never read here */
		if (ret == 0) {
			++put;
			continue;
		}
		ck_assert_int_eq(ret, KR_ESPACE);
		ck_assert_uint_eq(pkt->size, size);
		ck_assert_uint_eq(pkt->comp_count, comp);
		ck_assert_uint_eq(pkt->rrcount, rrcount);
		ck_assert_mem_eq(pkt->wire, snapshot, size);
		break;
	}
	ck_assert_int_gt(put, 3);
	ck_assert_uint_eq(get16(pkt->wire + 6), 2 * put);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), put);
	/* what is there parses */
	kr_pkt_t *p2 = pkt_from(pkt->wire, pkt->size, NULL);
	ck_assert_int_eq(kr_pkt_parse(p2), 0);
	ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_ANSWER), 2 * put);
	pkt_from_free(p2);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_reserve)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 100, NULL);
	kr_pkt_put_question(pkt, dn("example.com"), KR_CLASS_IN, KR_TYPE_A);   /* 29 bytes */
	kr_rrset_t rr;
	kr_rrset_init(&rr, dn("example.com"), KR_TYPE_A, KR_CLASS_IN, 60);
	for (uint8_t i = 0; i < 4; ++i)   /* 4 * 16 = 64 bytes */
		kr_rrset_add_rdata(&rr, (const uint8_t[]){ 10, 0, 0, i }, 4, NULL);
	ck_assert_int_eq(kr_pkt_reserve(pkt, 71), 0);
	ck_assert_int_eq(kr_pkt_reserve(pkt, 1), KR_ESPACE);
	ck_assert_uint_eq(pkt->reserved, 71);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), KR_ESPACE);
	ck_assert_uint_eq(pkt->size, 29);
	kr_pkt_unreserve(pkt, 64);
	ck_assert_uint_eq(pkt->reserved, 7);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_uint_eq(pkt->size, 29 + 64);
	kr_pkt_unreserve(pkt, 1000);
	ck_assert_uint_eq(pkt->reserved, 0);
	kr_rrset_clear(&rr, NULL);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_compression)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	kr_pkt_put_question(pkt, dn("Example.COM"), KR_CLASS_IN, KR_TYPE_A);
	kr_rrset_t rr;
	/* owner equal to the question name (other case): a bare pointer */
	kr_rrset_init(&rr, dn("example.com"), KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\4", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_mem_eq(pkt->wire + 29, "\xc0\x0c", 2);
	kr_rrset_clear(&rr, NULL);
	/* below it: label + pointer (case-insensitive suffix) */
	kr_rrset_init(&rr, dn("WWW.example.com"), KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\4", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_mem_eq(pkt->wire + 45, "\3WWW\xc0\x0c", 6);
	kr_rrset_clear(&rr, NULL);
	/* the same again: a pointer to the previous owner */
	kr_rrset_init(&rr, dn("www.EXAMPLE.com"), KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\5", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_mem_eq(pkt->wire + 65, "\xc0\x2d", 2);
	kr_rrset_clear(&rr, NULL);
	/* an unrelated name: nothing to compress */
	kr_rrset_init(&rr, dn("example.net"), KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\5", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_mem_eq(pkt->wire + 81, "\7example\3net\0", 13);
	kr_rrset_clear(&rr, NULL);
	/* only the common suffix "net" */
	kr_rrset_init(&rr, dn("a.b.net"), KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\5", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_mem_eq(pkt->wire + 108, "\1a\1b\xc0\x59", 6);   /* 81 + 8 = "net" */
	kr_rrset_clear(&rr, NULL);
	/* the root owner */
	kr_rrset_init(&rr, dn("."), KR_TYPE_A, KR_CLASS_IN, 60);
	kr_rrset_add_rdata(&rr, (const uint8_t *)"\1\2\3\5", 4, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &rr), 0);
	ck_assert_int_eq(pkt->wire[128], 0);
	ck_assert_int_eq(pkt->wire[130], KR_TYPE_A);
	kr_rrset_clear(&rr, NULL);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_big_packet)
{
	/* a 64 KiB packet: thousands of owners, the compression table full */
	kr_pkt_t *pkt = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	kr_pkt_put_question(pkt, dn("example.com"), KR_CLASS_IN, KR_TYPE_A);
	static uint8_t owners[4000][KR_DNAME_MAXLEN];
	static kr_rrset_t sets[4000];
	int n = 0;
	char name[40];
	for (; n < 4000; ++n) {
		snprintf(name, sizeof(name), "h%d.sub%d.example.com", n, n % 100);
		kr_dname_from_str(owners[n], KR_DNAME_MAXLEN, name);
		kr_rrset_init(&sets[n], owners[n], KR_TYPE_A, KR_CLASS_IN, (uint32_t)n);
		kr_rrset_add_rdata(&sets[n], (const uint8_t[]){ 10, 0, n >> 8, n & 0xff }, 4, NULL);
		int ret = kr_pkt_put(pkt, &sets[n]);
		if (ret) {
			ck_assert_int_eq(ret, KR_ESPACE);
			kr_rrset_clear(&sets[n], NULL);
			break;
		}
	}
	ck_assert_int_gt(n, 2000);
	ck_assert_uint_eq(pkt->comp_count, KR_PKT_COMP_MAX);
	ck_assert_uint_le(pkt->size, KR_PKT_MAXSIZE);
	kr_pkt_t *p2 = pkt_from(pkt->wire, pkt->size, NULL);
	ck_assert_int_eq(kr_pkt_parse(p2), 0);
	ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_ANSWER), n);
	for (int i = 0; i < n; ++i) {
		const kr_rrset_t *r = kr_pkt_rr(p2, KR_SECTION_ANSWER, (uint16_t)i);
		ck_assert(kr_dname_eq(r->owner, owners[i]));
		ck_assert_uint_eq(r->ttl, (uint32_t)i);
	}
	/* and rebuilding the parsed records gives the same bytes */
	kr_pkt_t *p3 = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	kr_pkt_put_question(p3, p2->qname, p2->qclass, p2->qtype);
	for (int i = 0; i < n; ++i)
		ck_assert_int_eq(kr_pkt_put(p3, kr_pkt_rr(p2, KR_SECTION_ANSWER, (uint16_t)i)), 0);
	ck_assert_uint_eq(p3->size, pkt->size);
	ck_assert_mem_eq(p3->wire, pkt->wire, pkt->size);
	kr_pkt_free(p3);
	pkt_from_free(p2);
	kr_pkt_free(pkt);
	for (int i = 0; i < n; ++i)
		kr_rrset_clear(&sets[i], NULL);
}
END_TEST

/* --- round trips of every type --- */

struct rt_case {
	const char *what;
	uint16_t type;
	bool compressed;   /* must the RDATA name be compressed in the wire? */
	uint16_t len;
	const char *rdata;
};

#define RT(what, type, compressed, rdata) { what, type, compressed, sizeof(rdata) - 1, rdata }
#define EX "\7example\3com\0"

static const struct rt_case rt_cases[] = {
	RT("A", KR_TYPE_A, false, "\xc0\x00\x02\x01"),
	RT("AAAA", KR_TYPE_AAAA, false, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1"),
	RT("NS", KR_TYPE_NS, true, "\3ns1" EX),
	RT("CNAME", KR_TYPE_CNAME, true, "\6target" EX),
	RT("DNAME", KR_TYPE_DNAME, false, "\5dname" EX),
	RT("SOA", KR_TYPE_SOA, true, "\3ns1" EX "\12hostmaster" EX
	   "\x78\xa4\x1c\x75\0\0\x0e\x10\0\0\x03\x84\0\x09\x3a\x80\0\0\x01\x2c"),
	RT("MX", KR_TYPE_MX, true, "\0\12\4mail" EX),
	RT("TXT", KR_TYPE_TXT, false, "\5hello\5world\0"),
	RT("PTR", KR_TYPE_PTR, true, "\4host" EX),
	RT("SRV", KR_TYPE_SRV, false, "\0\0\0\5\x13\xc4\3sip" EX),
	RT("NAPTR", KR_TYPE_NAPTR, false, "\0\144\0\12\1S\7SIP+D2U\0\4_sip\4_udp" EX),
	RT("DS", KR_TYPE_DS, false, "\xec\x45\5\1\x2b\xb1\x83\xaf\x5f\x22\x58\x81\x71\x14"
	   "\x1e\xa1\x46\x09\x5c\x4e\x4c\x8f\xa0\x0a"),
	RT("DNSKEY", KR_TYPE_DNSKEY, false, "\1\0\3\10\3\1\0\1\xa8\x0e\x6f\x2c\x71\x2e"),
	RT("RRSIG", KR_TYPE_RRSIG, false, "\0\1\10\3\0\0\x0e\x10\x65\x00\x00\x00\x64\x00\x00\x00"
	   "\xec\x45" EX "\x01\x02\x03\x04\x05\x06\x07\x08"),
	RT("NSEC", KR_TYPE_NSEC, false, "\4host" EX "\0\6\x40\0\0\0\0\3"),
	RT("NSEC3", KR_TYPE_NSEC3, false, "\1\0\0\12\4\xaa\xbb\xcc\xdd\24"
	   "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
	   "\0\6\x40\0\0\0\0\3"),
	RT("NSEC3PARAM", KR_TYPE_NSEC3PARAM, false, "\1\0\0\12\4\xaa\xbb\xcc\xdd"),
	RT("CAA", KR_TYPE_CAA, false, "\0\5issueca.example.net"),
	RT("SVCB", KR_TYPE_SVCB, false, "\0\1\3svc" EX "\0\1\0\3\2h2"),
	RT("HTTPS", KR_TYPE_HTTPS, false, "\0\1\3svc" EX "\0\1\0\3\2h2\0\4\0\4\xc0\0\2\1"),
	RT("TYPE65280", 65280, false, "\3www" EX "\xff"),
	RT("empty TYPE65280", 65280, false, ""),
};

/** Offset of the first answer's RDATA and its RDLENGTH in a packet with one question. */
static size_t first_rdata(const kr_pkt_t *pkt, uint16_t *rdlen)
{
	size_t pos = 12 + pkt->qname_size + 4;
	ck_assert_int_gt(kr_dname_unpack(NULL, pkt->wire, pkt->size, &pos), 0);
	*rdlen = get16(pkt->wire + pos + 8);
	return pos + 10;
}

START_TEST(test_roundtrip)
{
	for (size_t i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); ++i) {
		const struct rt_case *c = &rt_cases[i];
		kr_pkt_t *p1 = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
		kr_pkt_set_id(p1, (uint16_t)i);
		kr_pkt_set_flag(p1, KR_PKT_QR, true);
		kr_pkt_set_flag(p1, KR_PKT_AA, true);
		ck_assert_int_eq(kr_pkt_put_question(p1, dn("example.com"), KR_CLASS_IN, c->type), 0);
		kr_rrset_t rr;
		kr_rrset_init(&rr, dn("www.example.com"), c->type, KR_CLASS_IN, 3600);
		kr_rrset_add_rdata(&rr, (const uint8_t *)c->rdata, c->len, NULL);
		ck_assert_msg(kr_pkt_put(p1, &rr) == 0, "%s", c->what);
		/* an OPT with an option in every packet */
		kr_rrset_t opt;
		kr_edns_init(&opt, 1232, 0, NULL);
		kr_edns_set_do(&opt, true);
		kr_edns_add_option(&opt, KR_EDNS_OPT_NSID, 3, (const uint8_t *)"abc", NULL);
		ck_assert_int_eq(kr_pkt_put_opt(p1, &opt), 0);

		/* names compressed only for the RFC 1035 types */
		uint16_t rdlen;
		size_t rdpos = first_rdata(p1, &rdlen);
		if (c->compressed) {
			ck_assert_msg(rdlen < c->len, "%s not compressed", c->what);
			ck_assert_ptr_nonnull(memchr(p1->wire + rdpos, 0xc0, rdlen));
		} else {
			ck_assert_msg(rdlen == c->len, "%s: %u != %u", c->what, rdlen, c->len);
			ck_assert_mem_eq(p1->wire + rdpos, c->rdata, c->len);
		}

		/* parse: all fields equal */
		kr_pkt_t *p2 = pkt_from(p1->wire, p1->size, NULL);
		ck_assert_msg(kr_pkt_parse(p2) == 0, "%s does not parse", c->what);
		ck_assert_uint_eq(kr_pkt_id(p2), i);
		ck_assert(kr_pkt_flag(p2, KR_PKT_AA));
		ck_assert_uint_eq(p2->qtype, c->type);
		ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_ANSWER), 1);
		ck_assert_uint_eq(kr_pkt_count(p2, KR_SECTION_ADDITIONAL), 1);
		const kr_rrset_t *r = kr_pkt_rr(p2, KR_SECTION_ANSWER, 0);
		ck_assert(kr_dname_eq(r->owner, rr.owner));
		ck_assert_uint_eq(r->type, c->type);
		ck_assert_uint_eq(r->rclass, KR_CLASS_IN);
		ck_assert_uint_eq(r->ttl, 3600);
		ck_assert_uint_eq(r->rrs.count, 1);
		struct kr_rdata *rd = kr_rdataset_first(&r->rrs);
		ck_assert_msg(rd->len == c->len, "%s: parsed length %u", c->what, rd->len);
		ck_assert_mem_eq(rd->data, c->rdata, c->len);
		ck_assert_ptr_nonnull(p2->opt);
		ck_assert(kr_edns_do(p2->opt));
		uint16_t olen = 0;
		const uint8_t *o = kr_edns_get_option(p2->opt, KR_EDNS_OPT_NSID, &olen);
		ck_assert_uint_eq(olen, 3);
		ck_assert_mem_eq(o, "abc", 3);

		/* build again from the parsed packet: identical bytes */
		kr_pkt_t *p3 = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
		memcpy(p3->wire, p2->wire, 4);
		ck_assert_int_eq(kr_pkt_put_question(p3, p2->qname, p2->qclass, p2->qtype), 0);
		ck_assert_int_eq(kr_pkt_put(p3, r), 0);
		ck_assert_int_eq(kr_pkt_put_opt(p3, p2->opt), 0);
		ck_assert_uint_eq(p3->size, p1->size);
		ck_assert_mem_eq(p3->wire, p1->wire, p1->size);

		kr_pkt_free(p3);
		pkt_from_free(p2);
		kr_pkt_free(p1);
		kr_rrset_clear(&rr, NULL);
		kr_rrset_clear(&opt, NULL);
	}
}
END_TEST

START_TEST(test_parse_decompress_rdata)
{
	/* SRV written compressed by an old server (RFC 2052) is still read (RFC 3597) */
	uint8_t body[] = {
		0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0, 0, 0, 1, 0x00, 0x0a, 0, 0, 0, 0, 0, 0,
		0x01, 'x', 0xc0, 0x0c,
	};
	uint8_t buf[100];
	size_t len = mkpkt(buf, 1, 1, 0, 0, body, sizeof(body));
	kr_pkt_t *pkt = pkt_from(buf, len, NULL);
	ck_assert_int_eq(kr_pkt_parse(pkt), 0);
	const struct kr_rdata *rd = kr_rdataset_first(&kr_pkt_rr(pkt, KR_SECTION_ANSWER, 0)->rrs);
	ck_assert_uint_eq(rd->len, 6 + 5);
	ck_assert_mem_eq(rd->data, "\0\0\0\0\0\0\1x\1a\0", 11);
	pkt_from_free(pkt);
}
END_TEST

START_TEST(test_truncate)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, NULL);
	kr_pkt_put_question(pkt, dn("example.com"), KR_CLASS_IN, KR_TYPE_NS);
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	kr_rrset_t ns;
	kr_rrset_init(&ns, dn("example.com"), KR_TYPE_NS, KR_CLASS_IN, 3600);
	kr_rrset_add_rdata(&ns, dn("ns1.example.com"), 17, NULL);
	kr_rrset_t opt;
	kr_edns_init(&opt, 1232, 0, NULL);
	ck_assert_int_eq(kr_pkt_put(pkt, &ns), 0);
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	kr_pkt_truncate(pkt);
	ck_assert_uint_eq(pkt->size, 12 + 13 + 4);
	ck_assert(kr_pkt_flag(pkt, KR_PKT_TC));
	ck_assert(kr_pkt_flag(pkt, KR_PKT_QR));
	ck_assert_uint_eq(get16(pkt->wire + 4), 1);
	ck_assert_uint_eq(get16(pkt->wire + 6), 0);
	ck_assert_uint_eq(get16(pkt->wire + 8), 0);
	ck_assert_uint_eq(get16(pkt->wire + 10), 0);
	ck_assert_uint_eq(pkt->rrcount, 0);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 0);
	ck_assert_ptr_null(pkt->opt);
	ck_assert_uint_eq(pkt->comp_count, 1);   /* the question name */
	/* writing goes on: the OPT again, and it parses */
	ck_assert_int_eq(kr_pkt_put_opt(pkt, &opt), 0);
	kr_pkt_t *p2 = pkt_from(pkt->wire, pkt->size, NULL);
	ck_assert_int_eq(kr_pkt_parse(p2), 0);
	ck_assert_uint_eq(p2->rrcount, 1);
	ck_assert(kr_pkt_flag(p2, KR_PKT_TC));
	/* truncating a parsed packet releases its records */
	kr_pkt_truncate(p2);
	ck_assert_uint_eq(p2->rrcount, 0);
	pkt_from_free(p2);
	kr_rrset_clear(&ns, NULL);
	kr_rrset_clear(&opt, NULL);
	kr_pkt_free(pkt);
}
END_TEST

START_TEST(test_has_rrset)
{
	/* An NS set of two records, written, then parsed: two one-record entries. */
	kr_pkt_t *w = kr_pkt_new(NULL, 512, NULL);
	ck_assert_int_eq(kr_pkt_put_question(w, dn("lab."), KR_CLASS_IN, KR_TYPE_A), 0);
	kr_rrset_t ns, one, other;
	kr_rrset_init(&ns, dn("lab."), KR_TYPE_NS, KR_CLASS_IN, 60);
	ck_assert_int_eq(kr_rrset_add_rdata(&ns, dn("a.lab."), 7, NULL), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&ns, dn("b.lab."), 7, NULL), 0);
	ck_assert_int_eq(kr_pkt_begin(w, KR_SECTION_AUTHORITY), 0);
	ck_assert_int_eq(kr_pkt_put(w, &ns), 0);
	kr_pkt_t *p = pkt_from(w->wire, w->size, NULL);
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	ck_assert_uint_eq(kr_pkt_count(p, KR_SECTION_AUTHORITY), 2);
	/* The second record is not the first one's duplicate (a set is never split) ... */
	ck_assert(!kr_pkt_has_rrset(w, KR_SECTION_ANSWER, kr_pkt_rr(p, KR_SECTION_AUTHORITY, 1)));
	ck_assert(kr_pkt_has_rrset(w, KR_SECTION_AUTHORITY, kr_pkt_rr(p, KR_SECTION_AUTHORITY, 1)));
	/* ... the whole set is found among one-record entries, in any letter case ... */
	kr_rrset_init(&one, dn("LAB."), KR_TYPE_NS, KR_CLASS_IN, 60);
	ck_assert_int_eq(kr_rrset_add_rdata(&one, dn("b.lab."), 7, NULL), 0);
	ck_assert(kr_pkt_has_rrset(p, KR_SECTION_AUTHORITY, &ns));
	ck_assert(kr_pkt_has_rrset(p, KR_SECTION_AUTHORITY, &one));
	/* ... and a set with one record not there is not. */
	kr_rrset_init(&other, dn("lab."), KR_TYPE_NS, KR_CLASS_IN, 60);
	ck_assert_int_eq(kr_rrset_add_rdata(&other, dn("a.lab."), 7, NULL), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&other, dn("c.lab."), 7, NULL), 0);
	ck_assert(!kr_pkt_has_rrset(p, KR_SECTION_AUTHORITY, &other));
	kr_rrset_clear(&ns, NULL);
	kr_rrset_clear(&one, NULL);
	kr_rrset_clear(&other, NULL);
	pkt_from_free(p);
	kr_pkt_free(w);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { NULL, NULL, 60 };
	Suite *s = suite_create("pkt");
	unit_tcase(s, "new_free", &fx, test_new_free);
	unit_tcase(s, "clear", &fx, test_clear);
	unit_tcase(s, "parse", &fx, test_parse);
	unit_tcase(s, "parse_truncated", &fx, test_parse_truncated);
	unit_tcase(s, "parse_malformed", &fx, test_parse_malformed);
	unit_tcase(s, "parse_question", &fx, test_parse_question);
	unit_tcase(s, "parse_mutations", &fx, test_parse_mutations);
	unit_tcase(s, "parse_decompress_rdata", &fx, test_parse_decompress_rdata);
	unit_tcase(s, "header", &fx, test_header);
	unit_tcase(s, "has_rrset", &fx, test_has_rrset);
	unit_tcase(s, "put_question", &fx, test_put_question);
	unit_tcase(s, "begin", &fx, test_begin);
	unit_tcase(s, "put", &fx, test_put);
	unit_tcase(s, "put_espace", &fx, test_put_espace);
	unit_tcase(s, "reserve", &fx, test_reserve);
	unit_tcase(s, "compression", &fx, test_compression);
	unit_tcase(s, "big_packet", &fx, test_big_packet);
	unit_tcase(s, "roundtrip", &fx, test_roundtrip);
	unit_tcase(s, "truncate", &fx, test_truncate);
	return unit_run(s);
}
