/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of reply classification (answer.c, referral.c) on real packets. */
#include "tests/unit/plugins/iterate/testutil.h"

#define L(...) (const char *const[]){ __VA_ARGS__, NULL }

static struct iter_result classify(kr_pkt_t *p, const char *zone, const char *qname, uint16_t qtype)
{
	struct iter_result res;
	ck_assert_int_eq(iter_classify(p, N(zone), N(qname), qtype, true, test_mm(), &res), 0);
	return res;
}

START_TEST(answer_authoritative)
{
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("www.example.lab. 300 A 198.18.0.1", "evil.net. 300 A 6.6.6.6"),
				 L("example.lab. 300 NS ns.example.lab.", "net. 300 NS evil.net."), NULL);
	struct iter_result r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_ANSWER);
	ck_assert_int_eq(r.links, 0);
	/* out-of-zone records are scrubbed from both sections */
	ck_assert_int_eq(kr_pkt_count(p, KR_SECTION_ANSWER), 1);
	ck_assert_int_eq(kr_pkt_count(p, KR_SECTION_AUTHORITY), 1);
	ck_assert_str_eq(T(kr_pkt_rr(p, KR_SECTION_AUTHORITY, 0)->owner), "example.lab.");
}
END_TEST

START_TEST(answer_without_aa_is_lame)
{
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR,
				 L("www.example.lab. 300 A 198.18.0.1"), NULL, NULL);
	struct iter_result r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);
	ck_assert_str_eq(r.why, "answer without AA");
}
END_TEST

/* Normal and permissive modes take non-AA answers, as many real servers send them. */
START_TEST(answers_without_aa_outside_strict)
{
	struct iter_result r;
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR,
				 L("www.example.lab. 300 A 198.18.0.1"), NULL, NULL);
	ck_assert_int_eq(iter_classify(p, N("example.lab."), N("www.example.lab."), KR_TYPE_A, false,
				       test_mm(), &r), 0);
	ck_assert_int_eq(r.verdict, ITER_ANSWER);
	p = test_reply("nx.example.lab.", KR_TYPE_A, false, KR_RCODE_NXDOMAIN, NULL, NULL, NULL);
	ck_assert_int_eq(iter_classify(p, N("example.lab."), N("nx.example.lab."), KR_TYPE_A, false,
				       test_mm(), &r), 0);
	ck_assert_int_eq(r.verdict, ITER_NXDOMAIN);
	p = test_reply("www.example.lab.", KR_TYPE_AAAA, false, KR_RCODE_NOERROR, NULL, NULL, NULL);
	ck_assert_int_eq(iter_classify(p, N("example.lab."), N("www.example.lab."), KR_TYPE_AAAA, false,
				       test_mm(), &r), 0);
	ck_assert_int_eq(r.verdict, ITER_NODATA);
	/* ... but an upward referral stays lame in every mode. */
	p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
		       L("lab. 300 NS ns.lab."), NULL);
	ck_assert_int_eq(iter_classify(p, N("example.lab."), N("www.example.lab."), KR_TYPE_A, false,
				       test_mm(), &r), 0);
	ck_assert_int_eq(r.verdict, ITER_LAME);
}
END_TEST

START_TEST(error_rcodes_are_lame)
{
	uint16_t rcodes[] = { KR_RCODE_REFUSED, KR_RCODE_SERVFAIL, KR_RCODE_FORMERR, KR_RCODE_NOTIMPL };
	for (size_t i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); ++i) {
		kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, true, rcodes[i], NULL, NULL, NULL);
		struct iter_result r = classify(p, "lab.", "www.example.lab.", KR_TYPE_A);
		ck_assert_int_eq(r.verdict, ITER_LAME);
		ck_assert_int_eq(r.rcode, rcodes[i]);
	}
}
END_TEST

START_TEST(nxdomain_and_nodata)
{
	kr_pkt_t *p = test_reply("nx.example.lab.", KR_TYPE_A, true, KR_RCODE_NXDOMAIN, NULL,
				 L("example.lab. 300 SOA ns.example.lab. h.example.lab. 1 2 3 4 5",
				   "example.lab. 300 NS ns.example.lab.", "other.net. 300 SOA a.net. b.net. 1 2 3 4 5",
				   "sub.example.lab. 300 NS ns.sub.example.lab."),
				 NULL);
	struct iter_result r = classify(p, "example.lab.", "nx.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_NXDOMAIN);
	/* the in-zone SOA and the zone's NS set beside it; not other zones, not other NS sets */
	ck_assert_int_eq(kr_pkt_count(p, KR_SECTION_AUTHORITY), 2);
	ck_assert_int_eq(kr_pkt_rr(p, KR_SECTION_AUTHORITY, 0)->type, KR_TYPE_SOA);
	ck_assert_int_eq(kr_pkt_rr(p, KR_SECTION_AUTHORITY, 1)->type, KR_TYPE_NS);
	ck_assert_str_eq(T(kr_pkt_rr(p, KR_SECTION_AUTHORITY, 1)->owner), "example.lab.");

	p = test_reply("nx.example.lab.", KR_TYPE_A, false, KR_RCODE_NXDOMAIN, NULL, NULL, NULL);
	r = classify(p, "example.lab.", "nx.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);

	p = test_reply("www.example.lab.", KR_TYPE_AAAA, true, KR_RCODE_NOERROR, NULL,
		       L("example.lab. 300 SOA ns.example.lab. h.example.lab. 1 2 3 4 5"), NULL);
	r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_AAAA);
	ck_assert_int_eq(r.verdict, ITER_NODATA);

	/* no AA, no referral: lame */
	p = test_reply("www.example.lab.", KR_TYPE_AAAA, false, KR_RCODE_NOERROR, NULL, NULL, NULL);
	r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_AAAA);
	ck_assert_int_eq(r.verdict, ITER_LAME);
}
END_TEST

START_TEST(referrals)
{
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
				 L("example.lab. 300 NS ns1.example.lab."),
				 L("ns1.example.lab. 300 A 198.18.1.1"));
	struct iter_result r = classify(p, "lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_REFERRAL);
	ck_assert_str_eq(T(r.zone), "example.lab.");

	/* upward: a server of example.lab. refers to lab. */
	p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
		       L("lab. 300 NS ns.lab."), NULL);
	r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);
	ck_assert_ptr_nonnull(strstr(r.why, "upward"));

	/* to itself: not moving down */
	p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
		       L("example.lab. 300 NS ns.example.lab."), NULL);
	r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);

	/* sideways: to a zone that does not hold the name */
	p = test_reply("www.example.lab.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
		       L("other.lab. 300 NS ns.other.lab."), NULL);
	r = classify(p, "lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);
	ck_assert_ptr_nonnull(strstr(r.why, "sideways"));

	/* out of bailiwick: a lab. server delegating net. names */
	p = test_reply("www.example.net.", KR_TYPE_A, false, KR_RCODE_NOERROR, NULL,
		       L("example.net. 300 NS ns.example.net."), NULL);
	r = classify(p, "lab.", "www.example.net.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);
}
END_TEST

START_TEST(cname_in_zone)
{
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("www.example.lab. 300 CNAME web.example.lab.", "web.example.lab. 300 A 198.18.0.2",
				   "unrelated.example.lab. 300 A 198.18.0.3"), NULL, NULL);
	struct iter_result r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_ANSWER);
	ck_assert_int_eq(r.links, 1);
	ck_assert_int_eq(kr_pkt_count(p, KR_SECTION_ANSWER), 2);
}
END_TEST

START_TEST(cname_out_of_zone)
{
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("www.example.lab. 300 CNAME www.other.net.", "www.other.net. 300 A 6.6.6.6"),
				 NULL, NULL);
	struct iter_result r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_CNAME);
	ck_assert_str_eq(T(r.target), "www.other.net.");
	ck_assert_int_eq(r.chain_len, 1);   /* the A of the other zone is not trusted */
	ck_assert_int_eq(r.chain[0]->type, KR_TYPE_CNAME);
}
END_TEST

START_TEST(cname_into_delegation)
{
	kr_pkt_t *p = test_reply("www.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("www.example.lab. 300 CNAME www.sub.example.lab."),
				 L("sub.example.lab. 300 NS ns.sub.example.lab."), NULL);
	struct iter_result r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_CNAME);
	ck_assert_str_eq(T(r.target), "www.sub.example.lab.");

	/* the chain ends in the zone with NXDOMAIN: final */
	p = test_reply("www.example.lab.", KR_TYPE_A, true, KR_RCODE_NXDOMAIN,
		       L("www.example.lab. 300 CNAME nx.example.lab."),
		       L("example.lab. 300 SOA ns.example.lab. h.example.lab. 1 2 3 4 5"), NULL);
	r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_ANSWER);
	ck_assert_int_eq(r.rcode, KR_RCODE_NXDOMAIN);

	/* ... with NOERROR (a server that did not chase the chain, or a NODATA): the target
	 * is asked by itself */
	p = test_reply("www.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("www.example.lab. 300 CNAME web.example.lab."),
		       L("example.lab. 300 SOA ns.example.lab. h.example.lab. 1 2 3 4 5"), NULL);
	r = classify(p, "example.lab.", "www.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_CNAME);
	ck_assert_str_eq(T(r.target), "web.example.lab.");
}
END_TEST

START_TEST(dname_checked)
{
	/* a DNAME with the matching CNAME: the whole chain is in the reply */
	kr_pkt_t *p = test_reply("x.old.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("old.lab. 300 DNAME new.lab.", "x.old.lab. 300 CNAME x.new.lab.",
				   "x.new.lab. 300 A 198.18.0.9"), NULL, NULL);
	struct iter_result r = classify(p, "lab.", "x.old.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_ANSWER);
	ck_assert_int_eq(kr_pkt_count(p, KR_SECTION_ANSWER), 3);

	/* a forged CNAME beside the DNAME: dropped, ours synthesized, target re-asked */
	p = test_reply("x.old.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("old.lab. 300 DNAME new.lab.", "x.old.lab. 300 CNAME evil.net.",
			 "evil.net. 300 A 6.6.6.6"), NULL, NULL);
	r = classify(p, "lab.", "x.old.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_CNAME);
	ck_assert_str_eq(T(r.target), "x.new.lab.");
	ck_assert_int_eq(r.chain_len, 2);
	ck_assert_int_eq(r.chain[0]->type, KR_TYPE_DNAME);
	ck_assert_int_eq(r.chain[1]->type, KR_TYPE_CNAME);
	ck_assert_str_eq(T(r.chain[1]->owner), "x.old.lab.");
	ck_assert_str_eq(T(kr_rdataset_first(&r.chain[1]->rrs)->data), "x.new.lab.");

	/* the DNAME's RRSIG between the DNAME and its CNAME: the server's CNAME is taken,
	 * none synthesized beside it */
	p = test_reply("x.old.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("old.lab. 300 DNAME new.example.",
			 "old.lab. 300 RRSIG DNAME 8 2 300 20300101000000 20200101000000 1 lab. AAAA",
			 "x.old.lab. 300 CNAME x.new.example."), NULL, NULL);
	r = classify(p, "lab.", "x.old.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_CNAME);
	ck_assert_int_eq(r.chain_len, 3);
	ck_assert_int_eq(r.chain[0]->type, KR_TYPE_DNAME);
	ck_assert_int_eq(r.chain[1]->type, KR_TYPE_RRSIG);
	ck_assert_int_eq(r.chain[2]->type, KR_TYPE_CNAME);

	/* no CNAME at all (old server): synthesized */
	p = test_reply("x.old.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("old.lab. 300 DNAME new.example."), NULL, NULL);
	r = classify(p, "lab.", "x.old.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_CNAME);
	ck_assert_str_eq(T(r.target), "x.new.example.");
	ck_assert_int_eq(r.chain_len, 2);
}
END_TEST

START_TEST(cname_loop)
{
	kr_pkt_t *p = test_reply("a.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("a.example.lab. 300 CNAME b.example.lab.", "b.example.lab. 300 CNAME a.example.lab."),
				 NULL, NULL);
	struct iter_result r = classify(p, "example.lab.", "a.example.lab.", KR_TYPE_A);
	/* RFC 1034 3.6.2: final, with the chain that loops for the answer */
	ck_assert_int_eq(r.verdict, ITER_LOOP);
	ck_assert_str_eq(T(r.target), "a.example.lab.");
	ck_assert_int_eq(r.chain_len, 2);
	ck_assert_str_eq(T(r.chain[0]->owner), "a.example.lab.");
	ck_assert_str_eq(T(r.chain[1]->owner), "b.example.lab.");

	/* back to a name in the middle of the chain, unrelated records scrubbed */
	p = test_reply("a.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("a.example.lab. 300 CNAME b.example.lab.", "b.example.lab. 300 CNAME c.example.lab.",
			 "c.example.lab. 300 CNAME b.example.lab.", "z.example.lab. 300 A 198.18.0.1"),
		       NULL, NULL);
	r = classify(p, "example.lab.", "a.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LOOP);
	ck_assert_str_eq(T(r.target), "b.example.lab.");
	ck_assert_int_eq(r.chain_len, 3);
	ck_assert_int_eq(kr_pkt_count(p, KR_SECTION_ANSWER), 3);

	/* a DNAME onto its own owner: the synthesized CNAME points to itself */
	p = test_reply("cyc.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("example.lab. 300 DNAME example.lab.", "cyc.example.lab. 300 CNAME cyc.example.lab."),
		       NULL, NULL);
	r = classify(p, "example.lab.", "cyc.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LOOP);
	ck_assert_int_eq(r.chain_len, 2);
	ck_assert_int_eq(r.chain[0]->type, KR_TYPE_DNAME);
	ck_assert_int_eq(r.chain[1]->type, KR_TYPE_CNAME);
	/* ... and without the server's CNAME: ours, to itself */
	p = test_reply("cyc.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR,
		       L("example.lab. 300 DNAME example.lab."), NULL, NULL);
	r = classify(p, "example.lab.", "cyc.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LOOP);
	ck_assert_int_eq(r.chain_len, 2);
	ck_assert_str_eq(T(kr_rdataset_first(&r.chain[1]->rrs)->data), "cyc.example.lab.");

	/* a chain longer than ITER_MAX_CHAIN without a loop: lame, as before */
	const char *lines[ITER_MAX_CHAIN + 3];
	char text[ITER_MAX_CHAIN + 2][64];
	for (int i = 0; i <= ITER_MAX_CHAIN + 1; ++i) {
		snprintf(text[i], sizeof(text[i]), "c%d.example.lab. 300 CNAME c%d.example.lab.", i, i + 1);
		lines[i] = text[i];
	}
	lines[ITER_MAX_CHAIN + 2] = NULL;
	p = test_reply("c0.example.lab.", KR_TYPE_A, true, KR_RCODE_NOERROR, lines, NULL, NULL);
	r = classify(p, "example.lab.", "c0.example.lab.", KR_TYPE_A);
	ck_assert_int_eq(r.verdict, ITER_LAME);
}
END_TEST

START_TEST(case_restored)
{
	/* 0x20: the server echoes our random case; the client gets its own spelling back */
	kr_pkt_t *p = test_reply("wWw.ExAmple.lAB.", KR_TYPE_A, true, KR_RCODE_NOERROR,
				 L("wWw.ExAmple.lAB. 300 CNAME WEB.ExAmple.lAB.", "WEB.ExAmple.lAB. 300 A 198.18.0.2"),
				 NULL, NULL);
	const uint8_t *qname = N("Www.example.lab.");
	struct iter_result r;
	ck_assert_int_eq(iter_classify(p, N("lab."), qname, KR_TYPE_A, true, test_mm(), &r), 0);
	ck_assert_int_eq(r.verdict, ITER_ANSWER);
	const kr_rrset_t *cn = kr_pkt_rr(p, KR_SECTION_ANSWER, 0);
	ck_assert_int_eq(memcmp(cn->owner, qname, kr_dname_size(qname)), 0);
	ck_assert_str_eq(T(kr_rdataset_first(&cn->rrs)->data), "web.example.lab.");
	ck_assert_str_eq(T(kr_pkt_rr(p, KR_SECTION_ANSWER, 1)->owner), "web.example.lab.");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iterate_classify");
	unit_tcase(s, "iter_classify", NULL, answer_authoritative, answer_without_aa_is_lame,
		   answers_without_aa_outside_strict, error_rcodes_are_lame, nxdomain_and_nodata,
		   referrals, cname_in_zone, cname_out_of_zone, cname_into_delegation, dname_checked,
		   cname_loop, case_restored);
	return test_run(s);
}
