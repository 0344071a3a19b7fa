/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The validate layer: checks answers against the chain of trust.
 * begin:    ask upstream with DO (DNSSEC_WANT) when a trust anchor exists.
 * produce:  note whether this round goes upstream or is answered locally.
 * consume:  for a final answer (state DONE) of the client's query or of our own
 *           DS/DNSKEY sub-queries, find the keys of the signing zone (pushing
 *           DS and DNSKEY sub-queries and yielding when they are not known),
 *           verify every RR set and the proof of a missing DS; bogus -> FAIL.
 * finalize: AD when every answer of the client's chain was validated secure.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "plugins/validate/validate-impl.h"

#define GROUP "validate"
#define MAX_SETS 64
#define MAX_ZONES 32
#define MAX_LINKS 16
#define MAX_REFERRALS 8
#define MAX_BOGUS_RETRIES 3

/* Z_NOTCUT: a name probed with a DS query that turned out to be no zone cut. */
enum zstate { Z_UNKNOWN = 0, Z_DS, Z_SECURE, Z_INSECURE, Z_BOGUS, Z_NOTCUT };

struct zone {
	uint8_t *name;
	enum zstate state;
	kr_rrset_t *ds;
	kr_rrset_t *anchor_keys;   /**< a DNSKEY trust anchor: the zone's key set must be signed by one */
	kr_rrset_t *keys;
};

/** An answer to judge, its RR sets copied to the request's arena. */
struct answer {
	struct set *s;
	int n;
	uint16_t rcode;
	bool link;   /**< a CNAME link of the client's chain, followed elsewhere by iterate */
};

/** A CNAME link whose zone's keys were not known when it arrived. */
struct pending_link {
	struct kr_query *qry;
	struct answer a;
};

/** A referral's authority section (DS or its absence proof) kept for the child zone. */
struct referral {
	uint8_t *child;
	struct answer a;
};

struct req_state {
	struct zone zones[MAX_ZONES];
	unsigned nzones;
	struct referral refs[MAX_REFERRALS];
	unsigned nrefs;
	struct pending_link pending[MAX_LINKS];
	unsigned npending;
	uint16_t ede;              /**< Extended DNS Error of the first bogus answer, or 0 */
	const char *ede_text;
	struct kr_validate_bogus first_bogus;   /**< what failed first (service.c), valid when ede */
	uint32_t now;
};

enum qresult { Q_NONE = 0, Q_SECURE, Q_INSECURE, Q_BOGUS };
struct qry_state {
	bool upstream;   /* this round went to a server */
	bool mine;       /* a DS/DNSKEY sub-query pushed by us */
	uint8_t retries; /* bogus answers for which another server was asked */
	enum qresult result;
};

struct set { kr_rrset_t rr; kr_rrset_t sigs; int section; bool verified; };

static struct req_state *req_get(struct kr_layer_ctx *ctx)
{
	struct req_state *r = kr_request_data(ctx->req, ctx->plugin);
	if (!r && (r = kr_mm_calloc(ctx->req->pool, sizeof(*r)))) {
		r->now = (uint32_t)time(NULL);
		if (kr_request_set_data(ctx->req, ctx->plugin, r) != 0)
			return NULL;
	}
	return r;
}

static struct qry_state *qry_get(struct kr_layer_ctx *ctx, struct kr_query *qry)
{
	struct qry_state *q = kr_query_data(qry, ctx->plugin);
	if (!q && (q = kr_mm_calloc(ctx->req->pool, sizeof(*q)))) {
		if (kr_query_set_data(ctx->req, qry, ctx->plugin, q) != 0)
			return NULL;
	}
	return q;
}

static struct zone *zone_get(struct req_state *r, const uint8_t *name, kr_mm_t *mm, bool create)
{
	for (unsigned i = 0; i < r->nzones; ++i)
		if (kr_dname_eq(r->zones[i].name, name))
			return &r->zones[i];
	if (!create || r->nzones == MAX_ZONES)
		return NULL;
	struct zone *z = &r->zones[r->nzones];
	memset(z, 0, sizeof(*z));
	if (!(z->name = kr_dname_copy(name, mm)))
		return NULL;
	kr_dname_lower(z->name);
	++r->nzones;
	return z;
}

static void logq(struct kr_request *req, struct kr_query *qry, const char *what, const uint8_t *zone)
{
	if (!kr_log_verbose() && !(qry->flags & KR_QF_TRACE))
		return;
	char n[KR_DNAME_MAXTEXT], z[KR_DNAME_MAXTEXT] = "", t[16];
	kr_dname_to_str(n, sizeof(n), qry->sname);
	if (zone)
		kr_dname_to_str(z, sizeof(z), zone);
	kr_rrtype_to_str(qry->stype, t, sizeof(t));
	kr_log_req(req, KR_LOG_DEBUG, GROUP, "%s %s: %s %s", n, t, what, z);
}

static const struct validate *plugin_v(struct kr_layer_ctx *ctx)
{
	return kr_plugin_data(ctx->plugin);
}

/** Group records of the answer and authority sections into sets with their RRSIGs. */
static int gather(const kr_pkt_t *pkt, struct set *s, kr_mm_t *mm)
{
	int n = 0;
	for (int sec = KR_SECTION_ANSWER; sec <= KR_SECTION_AUTHORITY; ++sec) {
		for (uint16_t i = 0; i < kr_pkt_count(pkt, sec); ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, sec, i);
			if (rr->rclass != KR_CLASS_IN)
				continue;
			bool sig = rr->type == KR_TYPE_RRSIG;
			for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
				uint16_t type = rr->type;
				if (sig) {
					if (rd->len < 2)
						continue;
					type = (uint16_t)(rd->data[0] << 8 | rd->data[1]);
				}
				int j;
				for (j = 0; j < n; ++j)
					if (s[j].section == sec && s[j].rr.type == type && kr_dname_eq(s[j].rr.owner, rr->owner))
						break;
				if (j == n) {
					if (n == MAX_SETS)
						return -ENOSPC;
					memset(&s[n], 0, sizeof(s[n]));
					uint8_t *owner = kr_dname_copy(rr->owner, mm);   /* outlives the packet */
					if (!owner)
						return -ENOMEM;
					kr_rrset_init(&s[n].rr, owner, type, KR_CLASS_IN, rr->ttl);
					kr_rrset_init(&s[n].sigs, owner, KR_TYPE_RRSIG, KR_CLASS_IN, rr->ttl);
					s[n].section = sec;
					++n;
				}
				if (kr_rrset_add_rdata(sig ? &s[j].sigs : &s[j].rr, rd->data, rd->len, mm) != 0)
					return -ENOMEM;
			}
		}
	}
	return n;
}

/** Signer of the first RRSIG of a set, or NULL. */
static const uint8_t *signer_of(const struct set *s)
{
	const struct kr_rdata *rd = kr_rdataset_first(&s->sigs.rrs);
	struct validate_rrsig p;
	if (!rd || validate_rrsig_parse(rd, &p) != 0)
		return NULL;
	return p.signer;
}

/**
 * Trust of zone name: Z_SECURE (zone->keys), Z_INSECURE, Z_BOGUS, or
 * Z_UNKNOWN / Z_DS (sub-queries needed).
 */
static enum zstate trust_of(struct kr_layer_ctx *ctx, struct req_state *r, const uint8_t *name,
			    struct zone **out)
{
	const struct validate *v = plugin_v(ctx);
	struct kr_request *req = ctx->req;
	*out = NULL;
	if (validate_nta_covers(v, name))
		return Z_INSECURE;
	const struct validate_ta *ta = validate_ta_find(v, name);
	if (!ta)
		return Z_INSECURE;
	/* An insecure or bogus zone between the anchor and name decides. */
	for (unsigned i = 0; i < r->nzones; ++i) {
		struct zone *z = &r->zones[i];
		if ((z->state == Z_INSECURE || z->state == Z_BOGUS) && kr_dname_in(name, z->name) &&
		    kr_dname_in(z->name, ta->name))
			return z->state;
	}
	struct zone *z = zone_get(r, name, req->pool, true);
	if (!z)
		return Z_BOGUS;
	*out = z;
	if (z->state != Z_UNKNOWN)
		return z->state;
	if (kr_dname_eq(name, ta->name)) {
		if (ta->ds.rrs.count)
			z->ds = kr_rrset_copy(&ta->ds, req->pool);
		if (ta->keys.rrs.count)
			z->anchor_keys = kr_rrset_copy(&ta->keys, req->pool);
		z->state = z->ds || z->anchor_keys ? Z_DS : Z_BOGUS;
	}
	/* Keys validated earlier and cached with the SECURE rank. */
	const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
	if (c && c->size >= KR_CACHE_API_HAS(peek_rrset)) {
		kr_rrset_t keys;
		uint8_t rank = 0;
		if (c->peek_rrset(req, name, KR_TYPE_DNSKEY, &keys, NULL, &rank) == 0 &&
		    (rank & KR_RANK_SECURE) && keys.rrs.count) {
			z->keys = kr_rrset_copy(&keys, req->pool);
			if (z->keys) {
				z->state = Z_SECURE;
				return Z_SECURE;
			}
		}
	}
	return z->state;
}

/** Push what is needed to learn the keys of zone z. @return YIELD or FAIL. */
static enum kr_layer_state fetch_keys(struct kr_layer_ctx *ctx, struct kr_query *qry, struct zone *z)
{
	struct kr_request *req = ctx->req;
	const struct validate_ta *ta = validate_ta_find(plugin_v(ctx), z->name);
	bool need_ds = z->state == Z_UNKNOWN && !(ta && kr_dname_eq(ta->name, z->name));
	bool is_key_q = qry->stype == KR_TYPE_DNSKEY && kr_dname_eq(qry->sname, z->name);
	if (!is_key_q) {
		if (kr_rplan_satisfies(qry, z->name, KR_CLASS_IN, KR_TYPE_DNSKEY))
			return KR_STATE_FAIL;   /* a loop */
		struct kr_query *k = kr_rplan_push(&req->rplan, qry, z->name, KR_CLASS_IN, KR_TYPE_DNSKEY);
		struct qry_state *ks = k ? qry_get(ctx, k) : NULL;
		if (!ks)
			return KR_STATE_FAIL;
		ks->mine = true;
		k->flags |= KR_QF_DNSSEC_WANT;
		qry = k;
	}
	if (need_ds) {
		if (kr_rplan_satisfies(qry, z->name, KR_CLASS_IN, KR_TYPE_DS))
			return KR_STATE_FAIL;
		struct kr_query *d = kr_rplan_push(&req->rplan, qry, z->name, KR_CLASS_IN, KR_TYPE_DS);
		struct qry_state *ds = d ? qry_get(ctx, d) : NULL;
		if (!ds)
			return KR_STATE_FAIL;
		ds->mine = true;
		d->flags |= KR_QF_DNSSEC_WANT;
	}
	logq(req, qry, "fetching keys of", z->name);
	return KR_STATE_YIELD;
}

/** Does the one key k sign the key set? */
static bool key_signs(const struct set *keys, const struct kr_rdata *k, uint32_t now, kr_mm_t *mm)
{
	kr_rrset_t one;
	kr_rrset_init(&one, keys->rr.owner, KR_TYPE_DNSKEY, KR_CLASS_IN, 0);
	return kr_rrset_add_rdata(&one, k->data, k->len, mm) == 0 &&
	       validate_rrset(&keys->rr, &keys->sigs, &one, now, mm) == 0;
}

/** Validate a DNSKEY set of zone z against its DS (or anchor). */
static enum zstate check_dnskey(struct req_state *r, struct zone *z, const struct set *keys, kr_mm_t *mm)
{
	bool usable = false;
	if (z->anchor_keys) {
		/* A DNSKEY anchor: one of its keys signs the zone's key set. */
		for (const struct kr_rdata *k = kr_rdataset_first(&z->anchor_keys->rrs); k;
		     k = kr_rdataset_next(&z->anchor_keys->rrs, k)) {
			if (k->len < 5 || !validate_crypto_alg_supported(k->data[3]))
				continue;
			usable = true;
			if (key_signs(keys, k, r->now, mm))
				return Z_SECURE;
		}
	}
	for (const struct kr_rdata *ds = z->ds ? kr_rdataset_first(&z->ds->rrs) : NULL; ds;
	     ds = kr_rdataset_next(&z->ds->rrs, ds)) {
		if (ds->len < 5 || !validate_crypto_alg_supported(ds->data[2]))
			continue;
		for (const struct kr_rdata *k = kr_rdataset_first(&keys->rr.rrs); k; k = kr_rdataset_next(&keys->rr.rrs, k)) {
			int ret = validate_ds_match(z->name, k, ds);
			if (ret == -ENOTSUP)
				break;
			if (ret != 0)
				continue;
			usable = true;
			if (key_signs(keys, k, r->now, mm))
				return Z_SECURE;
		}
		if (ds->data[3] == 1 || ds->data[3] == 2 || ds->data[3] == 4)
			usable = true;
	}
	return usable ? Z_BOGUS : Z_INSECURE;
}

/**
 * The labels field of a set's RRSIGs when the set is a wildcard expansion,
 * else -1. The smallest of all RRSIGs counts: an added RRSIG can only ask for
 * a proof, never waive one.
 */
static int expansion_labels(const struct set *st)
{
	int owner_labels = kr_dname_labels(st->rr.owner);
	if (st->rr.owner[0] == 1 && st->rr.owner[1] == '*')
		--owner_labels;   /* the wildcard's own records */
	int min = owner_labels;
	for (const struct kr_rdata *rd = kr_rdataset_first(&st->sigs.rrs); rd; rd = kr_rdataset_next(&st->sigs.rrs, rd)) {
		struct validate_rrsig p;
		if (validate_rrsig_parse(rd, &p) == 0 && p.labels < min)
			min = p.labels;
	}
	return min < owner_labels ? min : -1;
}

/** The NSEC/NSEC3 sets of the authority section, not expanded from wildcards. */
static void denial_collect(const struct set *s, int n, const uint8_t *zone, struct validate_denial_ctx *d)
{
	memset(d, 0, sizeof(*d));
	d->zone = zone;
	for (int i = 0; i < n; ++i) {
		if (s[i].section != KR_SECTION_AUTHORITY || expansion_labels(&s[i]) >= 0)
			continue;
		if (s[i].rr.type == KR_TYPE_NSEC && d->nsec_count < VALIDATE_DENIAL_MAX)
			d->nsec[d->nsec_count++] = &s[i].rr;
		else if (s[i].rr.type == KR_TYPE_NSEC3 && d->nsec3_count < VALIDATE_DENIAL_MAX)
			d->nsec3[d->nsec3_count++] = &s[i].rr;
	}
}

/** Follow the CNAME links of the answer section from name; the last target. */
static const uint8_t *chain_target(const struct set *s, int n, const uint8_t *name)
{
	for (int hops = 0; hops < n; ++hops) {
		int i;
		for (i = 0; i < n; ++i)
			if (s[i].section == KR_SECTION_ANSWER && s[i].rr.type == KR_TYPE_CNAME &&
			    kr_dname_eq(s[i].rr.owner, name))
				break;
		if (i == n)
			return name;
		const struct kr_rdata *rd = kr_rdataset_first(&s[i].rr.rrs);
		if (!rd || kr_dname_check(rd->data, rd->len) <= 0)
			return name;
		name = rd->data;
	}
	return name;
}

static void mark(struct kr_query *qry, struct qry_state *qs, enum qresult res)
{
	qs->result = res;
	/* VALIDATED tells the cache that the answer's proofs may serve others (RFC 8198). */
	qry->flags &= ~(uint64_t)(KR_QF_DNSSEC_BOGUS | KR_QF_DNSSEC_INSECURE | KR_QF_DNSSEC_VALIDATED);
	if (res == Q_SECURE)
		qry->flags |= KR_QF_DNSSEC_VALIDATED;
	else if (res == Q_BOGUS)
		qry->flags |= KR_QF_DNSSEC_BOGUS;
	else if (res == Q_INSECURE)
		qry->flags |= KR_QF_DNSSEC_INSECURE;
}

/** Extended DNS Error codes (RFC 8914) of bogus answers. */
enum {
	EDE_BOGUS = 6, EDE_SIG_EXPIRED = 7, EDE_SIG_NOT_YET_VALID = 8, EDE_DNSKEY_MISSING = 9,
	EDE_RRSIGS_MISSING = 10, EDE_NSEC_MISSING = 12,
};

/** The EDE of an RR set whose signatures failed: missing, all expired, all not yet valid, or bogus. */
static uint16_t sigs_ede(const kr_rrset_t *sigs, uint32_t now)
{
	if (!sigs || sigs->rrs.count == 0)
		return EDE_RRSIGS_MISSING;
	bool expired = true, early = true;
	for (const struct kr_rdata *rd = kr_rdataset_first(&sigs->rrs); rd; rd = kr_rdataset_next(&sigs->rrs, rd)) {
		struct validate_rrsig p;
		if (validate_rrsig_parse(rd, &p) != 0)
			return EDE_BOGUS;
		expired = expired && (int32_t)(p.expiration - now) < 0;
		early = early && (int32_t)(now - p.inception) < 0;
	}
	return expired ? EDE_SIG_EXPIRED : early ? EDE_SIG_NOT_YET_VALID : EDE_BOGUS;
}

static enum kr_layer_state bogus(struct kr_layer_ctx *ctx, struct kr_query *qry, struct qry_state *qs,
				 uint16_t ede, const char *why, const uint8_t *zone)
{
	if ((qry->flags & KR_QF_CACHED) && !(qry->flags & (KR_QF_NO_CACHE | KR_QF_RESOLVED))) {
		/* Cached data that does not validate: ask upstream once more. */
		qry->flags = (qry->flags | KR_QF_NO_CACHE) & ~(uint64_t)KR_QF_CACHED;
		logq(ctx->req, qry, "cached data does not validate, asking again:", zone);
		return KR_STATE_YIELD;
	}
	char n[KR_DNAME_MAXTEXT], z[KR_DNAME_MAXTEXT] = "?", t[16];
	kr_dname_to_str(n, sizeof(n), qry->sname);
	if (zone)
		kr_dname_to_str(z, sizeof(z), zone);
	kr_rrtype_to_str(qry->stype, t, sizeof(t));
	kr_log_req(ctx->req, KR_LOG_NOTICE, GROUP, "bogus answer for %s %s (zone %s): %s", n, t, z, why);
	struct req_state *r = req_get(ctx);
	if (r && !r->ede) {   /* the first reason is the one the client hears */
		char text[KR_DNAME_MAXTEXT + 128];
		snprintf(text, sizeof(text), "%s %s (zone %s): %s", n, t, z, why);
		r->ede = ede;
		r->ede_text = kr_mm_memdup(ctx->req->pool, text, strlen(text) + 1);
		r->first_bogus = (struct kr_validate_bogus){
			.name = kr_dname_copy(qry->sname, ctx->req->pool), .type = qry->stype,
			.zone = zone ? kr_dname_copy(zone, ctx->req->pool) : NULL, .ede = ede,
			.reason = kr_mm_memdup(ctx->req->pool, why, strlen(why) + 1),
		};
	}
	/* One broken server of several: iterate asks another (it avoids the one flagged
	 * DNSSEC_BOGUS when the sub-query starts over), a few times at most. */
	if (qry == ctx->req->current_query && ctx->state == KR_STATE_DONE && qs->upstream &&
	    !(qry->flags & (KR_QF_RESOLVED | KR_QF_FORWARD | KR_QF_STUB | KR_QF_CACHED)) &&
	    qs->retries < MAX_BOGUS_RETRIES) {
		++qs->retries;
		qry->flags |= KR_QF_DNSSEC_BOGUS;
		logq(ctx->req, qry, "asking another server of the zone", zone);
		return KR_STATE_CONSUME;
	}
	mark(qry, qs, Q_BOGUS);
	return KR_STATE_FAIL;
}

/** Keep the DS (or the proof of its absence) that a referral to a child zone carries. */
static void harvest_referral(struct kr_layer_ctx *ctx, struct req_state *r, const kr_pkt_t *pkt)
{
	if (r->nrefs == MAX_REFERRALS || kr_pkt_count(pkt, KR_SECTION_ANSWER) != 0)
		return;
	const uint8_t *child = NULL;
	bool signed_data = false;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_AUTHORITY); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_AUTHORITY, i);
		if (rr->type == KR_TYPE_NS && !child)
			child = rr->owner;
		signed_data = signed_data || rr->type == KR_TYPE_RRSIG;
	}
	if (!child || !signed_data)
		return;
	for (unsigned i = 0; i < r->nrefs; ++i)
		if (kr_dname_eq(r->refs[i].child, child))
			return;
	struct referral *ref = &r->refs[r->nrefs];
	kr_mm_t *mm = ctx->req->pool;
	if (!(ref->child = kr_dname_copy(child, mm)))
		return;
	kr_dname_lower(ref->child);
	ref->a.s = kr_mm_alloc(mm, sizeof(*ref->a.s) * MAX_SETS);
	if (!ref->a.s || (ref->a.n = gather(pkt, ref->a.s, mm)) < 0)
		return;
	ref->a.rcode = KR_RCODE_NOERROR;
	ref->a.link = false;
	++r->nrefs;
}

/**
 * A child zone with no known DS: settle it from a kept referral when the
 * parent's keys validate the DS there (Z_DS) or prove it absent (Z_INSECURE).
 * @return DONE (settled or not applicable), YIELD (the parent's keys are
 *         being fetched) or FAIL (the referral's DS set does not validate).
 */
static enum kr_layer_state settle_from_referral(struct kr_layer_ctx *ctx, struct req_state *r, struct zone *z,
						 struct kr_query *attach)
{
	const struct referral *ref = NULL;
	for (unsigned i = 0; i < r->nrefs && !ref; ++i)
		if (kr_dname_eq(r->refs[i].child, z->name))
			ref = &r->refs[i];
	if (!ref || !*z->name)
		return KR_STATE_DONE;
	const struct set *s = ref->a.s, *ds = NULL;
	const uint8_t *parent = NULL;
	for (int i = 0; i < ref->a.n; ++i) {
		const uint8_t *signer = signer_of(&s[i]);
		if (!signer || kr_dname_in(signer, z->name) || !kr_dname_in(z->name, signer))
			continue;   /* the parent signs the DS and the proofs */
		parent = parent ? parent : signer;
		if (s[i].rr.type == KR_TYPE_DS && kr_dname_eq(s[i].rr.owner, z->name))
			ds = &s[i];
	}
	if (!parent)
		return KR_STATE_DONE;
	struct zone *pz = NULL;
	enum zstate pst = trust_of(ctx, r, parent, &pz);
	if (pst == Z_UNKNOWN && pz) {
		/* The parent's own DS may be in an earlier referral too (the name is shorter: this ends). */
		enum kr_layer_state ls = settle_from_referral(ctx, r, pz, attach);
		if (ls != KR_STATE_DONE)
			return ls;
		pst = pz->state;
	}
	if (pst == Z_INSECURE || pst == Z_BOGUS) {
		z->state = pst;
		return KR_STATE_DONE;
	}
	if (pst != Z_SECURE)
		return pz ? fetch_keys(ctx, attach, pz) : KR_STATE_DONE;
	kr_mm_t *mm = ctx->req->pool;
	if (ds) {
		if (validate_rrset(&ds->rr, &ds->sigs, pz->keys, r->now, mm) != 0) {
			/* A broken server may have sent the referral: ask for the DS itself. */
			logq(ctx->req, attach, "the DS in a referral does not validate; asking for it:", z->name);
			return KR_STATE_DONE;
		}
		if (!(z->ds = kr_rrset_copy(&ds->rr, mm)))
			return KR_STATE_FAIL;
		z->state = Z_DS;
		return KR_STATE_DONE;
	}
	/* No DS: the NSEC/NSEC3 of the referral, once verified, may prove an insecure delegation. */
	for (int i = 0; i < ref->a.n; ++i)
		if ((s[i].rr.type == KR_TYPE_NSEC || s[i].rr.type == KR_TYPE_NSEC3) &&
		    validate_rrset(&s[i].rr, &s[i].sigs, pz->keys, r->now, mm) != 0)
			return KR_STATE_DONE;   /* not usable: ask for the DS itself */
	struct validate_denial_ctx d;
	denial_collect(s, ref->a.n, parent, &d);
	enum validate_denial e = validate_deny_type(&d, z->name, KR_TYPE_DS);
	if (e != VALIDATE_DENIAL_MISSING)
		z->state = Z_INSECURE;
	return KR_STATE_DONE;
}

/** The rightmost `labels` labels of name. */
static const uint8_t *name_suffix(const uint8_t *name, int labels)
{
	for (int n = kr_dname_labels(name); n > labels; --n)
		name += *name + 1;
	return name;
}

/**
 * Unsigned data below the signing zone: an unsigned delegation may lie between
 * (parent and child served by the same servers). Probe the names in between,
 * one label at a time, with DS sub-queries pushed under attach.
 * @return Z_INSECURE (an insecure cut lies between), Z_BOGUS (none: the data
 *         should have been signed), or Z_UNKNOWN with *st = YIELD or FAIL.
 * @note Forwarded answers carry data of any zone: `zone` is then the closest
 *       trust anchor above the owner.
 */
static enum zstate probe_cut(struct kr_layer_ctx *ctx, struct req_state *r, const uint8_t *zone,
			     const uint8_t *owner, struct kr_query *attach, enum kr_layer_state *st)
{
	struct kr_request *req = ctx->req;
	for (int l = kr_dname_labels(zone) + 1; l <= kr_dname_labels(owner); ++l) {
		const uint8_t *name = name_suffix(owner, l);
		struct zone *cz = zone_get(r, name, req->pool, true);
		if (!cz)
			return Z_BOGUS;
		if (cz->state == Z_NOTCUT || cz->state == Z_DS || cz->state == Z_SECURE)
			continue;   /* no cut, or a signed one: an insecure cut may still lie deeper */
		if (cz->state != Z_UNKNOWN)
			return cz->state;
		if (kr_rplan_satisfies(attach, name, KR_CLASS_IN, KR_TYPE_DS))
			return Z_BOGUS;
		struct kr_query *d = kr_rplan_push(&req->rplan, attach, name, KR_CLASS_IN, KR_TYPE_DS);
		struct qry_state *ds = d ? qry_get(ctx, d) : NULL;
		if (!ds) {
			*st = KR_STATE_FAIL;
			return Z_UNKNOWN;
		}
		ds->mine = true;
		d->flags |= KR_QF_DNSSEC_WANT;
		logq(req, attach, "unsigned data below the zone, is this a cut:", name);
		*st = KR_STATE_YIELD;
		return Z_UNKNOWN;
	}
	return Z_BOGUS;
}

/**
 * The keys for a set outside the answer's zone (a forwarded answer's CNAME
 * chain goes through several zones): its signer's, once validated.
 * @return Z_SECURE (*zone, *keys set), Z_INSECURE, Z_BOGUS, or Z_UNKNOWN:
 *         keys being fetched (*keys NULL) or a failure (*keys non-NULL).
 */
static enum zstate other_zone_keys(struct kr_layer_ctx *ctx, struct req_state *r, const struct set *st,
				   struct kr_query *attach, const uint8_t **zone, const kr_rrset_t **keys)
{
	const uint8_t *signer = signer_of(st);
	*keys = NULL;
	if (!signer || !kr_dname_in(st->rr.owner, signer) ||
	    (st->rr.type == KR_TYPE_DS && kr_dname_eq(signer, st->rr.owner) && *signer)) {
		/* Unsigned: an insecure cut must lie between its anchor and it. */
		const struct validate_ta *ta = validate_ta_find(plugin_v(ctx), st->rr.owner);
		if (!ta || validate_nta_covers(plugin_v(ctx), st->rr.owner))
			return Z_INSECURE;
		enum kr_layer_state ps = KR_STATE_DONE;
		enum zstate between = probe_cut(ctx, r, ta->name, st->rr.owner, attach, &ps);
		if (ps == KR_STATE_FAIL)
			*keys = &st->rr;
		*zone = ta->name;
		return ps != KR_STATE_DONE ? Z_UNKNOWN : between == Z_INSECURE ? Z_INSECURE : Z_BOGUS;
	}
	struct zone *z = NULL;
	enum zstate zs = trust_of(ctx, r, signer, &z);
	*zone = signer;
	if (zs == Z_SECURE) {
		*keys = z->keys;
		return Z_SECURE;
	}
	if (zs == Z_INSECURE || zs == Z_BOGUS)
		return zs;
	if (!z || fetch_keys(ctx, attach, z) != KR_STATE_YIELD)
		*keys = &st->rr;   /* a failure */
	return Z_UNKNOWN;
}

/** The zone whose signed SOA/NSEC/NSEC3 in the authority section could deny target, or NULL. */
static const uint8_t *proof_zone(const struct set *s, int n, const uint8_t *target)
{
	for (int i = 0; i < n; ++i) {
		const uint8_t *signer = s[i].section == KR_SECTION_AUTHORITY ? signer_of(&s[i]) : NULL;
		if (signer && kr_dname_in(target, signer) &&
		    (s[i].rr.type == KR_TYPE_SOA || s[i].rr.type == KR_TYPE_NSEC || s[i].rr.type == KR_TYPE_NSEC3))
			return signer;
	}
	return NULL;
}

/**
 * The verdict on an answer; a secure one has its verified answer RR sets
 * stored with the SECURE rank (only now: a set whose signature verified can
 * still belong to an answer found bogus, e.g. an unproven wildcard expansion).
 */
static void verdict(struct kr_request *req, struct kr_query *qry, struct qry_state *qs,
		    const struct set *s, int n, bool secure)
{
	mark(qry, qs, secure ? Q_SECURE : Q_INSECURE);
	const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
	if (!secure || !c || c->size < KR_CACHE_API_HAS(insert_rrset) || (qry->flags & KR_QF_NO_CACHE))
		return;
	uint32_t now = (uint32_t)time(NULL);
	for (int i = 0; i < n; ++i) {
		if (!s[i].verified || s[i].section != KR_SECTION_ANSWER)
			continue;
		/* Not kept (as validated) past the signatures' expiration (RFC 4035 5.3.3). */
		kr_rrset_t rr = s[i].rr;
		for (const struct kr_rdata *rd = kr_rdataset_first(&s[i].sigs.rrs); rd;
		     rd = kr_rdataset_next(&s[i].sigs.rrs, rd)) {
			struct validate_rrsig p;
			if (validate_rrsig_parse(rd, &p) == 0 && (int32_t)(p.expiration - now) >= 0 &&
			    p.expiration - now < rr.ttl)
				rr.ttl = p.expiration - now;
		}
		c->insert_rrset(req, &rr, &s[i].sigs, KR_RANK_SECURE | KR_RANK_AUTH_ANSWER);
	}
}

/** Is an answer RR set a wildcard expansion? (Its proof is not cached with it.) */
static bool has_expansion(const struct set *s, int n)
{
	for (int i = 0; i < n; ++i)
		if (s[i].section == KR_SECTION_ANSWER && expansion_labels(&s[i]) >= 0)
			return true;
	return false;
}

/**
 * Judge one answer of qry: find the signing zone's keys (pushing DS/DNSKEY
 * sub-queries under `attach` when unknown), verify every RR set, check the
 * proofs of non-existence. @return ctx->state, YIELD (keys needed) or FAIL (bogus).
 */
static enum kr_layer_state judge(struct kr_layer_ctx *ctx, struct kr_query *qry, struct qry_state *qs,
				 struct kr_query *attach, const struct answer *ans)
{
	struct kr_request *req = ctx->req;
	struct req_state *r = req_get(ctx);
	if (!r)
		return KR_STATE_FAIL;
	kr_mm_t *mm = req->pool;
	struct set *s = ans->s;
	int n = ans->n;
	/* The zone that signs the answer. */
	const uint8_t *zone = NULL;
	for (int i = 0; i < n && !zone; ++i)
		zone = signer_of(&s[i]);
	if (zone && (!kr_dname_in(qry->sname, zone) ||
		     (qry->stype == KR_TYPE_DS && kr_dname_eq(zone, qry->sname) && *zone)))
		zone = NULL;   /* a signer that cannot sign this: judged by the zone asked */
	uint8_t cut[KR_DNAME_MAXLEN];
	if (!zone)
		zone = qry->zone_cut;
	if (!zone || !kr_dname_in(qry->sname, zone) ||
	    (qry->stype == KR_TYPE_DS && kr_dname_eq(zone, qry->sname) && *zone)) {
		const uint8_t *from = qry->stype == KR_TYPE_DS && *qry->sname ? kr_dname_parent(qry->sname) : qry->sname;
		const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
		kr_rrset_t ns;
		if (c && c->size >= KR_CACHE_API_HAS(zone_cut) && c->zone_cut(req, from, cut, &ns) == 0)
			zone = cut;
		else
			zone = (const uint8_t *)"";
	}
	struct zone *z = NULL;
	bool key_q = qry->stype == KR_TYPE_DNSKEY && kr_dname_eq(qry->sname, zone);
	if ((qry->flags & KR_QF_CACHED) && !qs->mine && !ans->link &&
	    (qry->flags & (KR_QF_DNSSEC_VALIDATED | KR_QF_DNSSEC_INSECURE)) && !has_expansion(s, n)) {
		/* The cache served what was judged when it was stored: not checked again. */
		mark(qry, qs, (qry->flags & KR_QF_DNSSEC_VALIDATED) ? Q_SECURE : Q_INSECURE);
		return ctx->state;
	}
	enum zstate st = trust_of(ctx, r, zone, &z);
	if (st == Z_UNKNOWN && z) {
		enum kr_layer_state ls = settle_from_referral(ctx, r, z, attach);
		if (ls != KR_STATE_DONE)
			return ls != KR_STATE_FAIL ? ls :
			       bogus(ctx, qry, qs, EDE_BOGUS, "the DS in a referral does not validate", zone);
		st = z->state;
	}
	if (st == Z_INSECURE) {
		mark(qry, qs, Q_INSECURE);
		logq(req, qry, "insecure, zone", zone);
		return ctx->state;
	}
	if (st == Z_BOGUS)
		return bogus(ctx, qry, qs, EDE_BOGUS, "the zone's keys are bogus", zone);
	/* A key set fetched anew is judged by the DS or anchor, not by the keys cached
	 * before: after a KSK roll only the new key may sign it (RFC 5011 refreshes). */
	if (key_q && st == Z_SECURE && !(qry->flags & KR_QF_CACHED) && z && (z->ds || z->anchor_keys))
		st = Z_DS;
	if (key_q && st == Z_DS) {
		int k;
		for (k = 0; k < n; ++k)
			if (s[k].section == KR_SECTION_ANSWER && s[k].rr.type == KR_TYPE_DNSKEY &&
			    kr_dname_eq(s[k].rr.owner, zone))
				break;
		if (k == n)
			return bogus(ctx, qry, qs, EDE_DNSKEY_MISSING, "no DNSKEY", zone);
		enum zstate ks = check_dnskey(r, z, &s[k], mm);
		if (ks == Z_INSECURE) {
			z->state = Z_INSECURE;
			mark(qry, qs, Q_INSECURE);
			logq(req, qry, "no supported DS algorithm or digest: insecure", zone);
			return ctx->state;
		}
		if (ks != Z_SECURE)   /* the zone stays Z_DS: another server may serve good keys */
			return bogus(ctx, qry, qs, EDE_DNSKEY_MISSING, "no DNSKEY matching the DS validates the key set", zone);
		z->state = Z_SECURE;
		z->keys = kr_rrset_copy(&s[k].rr, mm);
		if (!z->keys)
			return KR_STATE_FAIL;
		st = Z_SECURE;
	}
	if (st != Z_SECURE)
		return fetch_keys(ctx, attach, z);
	/* Every RR set of the answer and the negative proofs must verify with the zone's keys. */
	bool has_dname = false, has_answer = false;
	for (int i = 0; i < n; ++i) {
		has_dname = has_dname || (s[i].section == KR_SECTION_ANSWER && s[i].rr.type == KR_TYPE_DNAME);
		has_answer = has_answer || s[i].section == KR_SECTION_ANSWER;
	}
	const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
	bool have_c = c && c->size >= KR_CACHE_API_HAS(insert_rrset);
	bool insecure = false;   /* some data lies in an insecure zone */
	for (int i = 0; i < n; ++i) {
		kr_rrset_t *rr = &s[i].rr;
		if (rr->rrs.count == 0)
			return bogus(ctx, qry, qs, EDE_BOGUS, "RRSIG without its RR set", zone);
		if (s[i].section == KR_SECTION_AUTHORITY && rr->type == KR_TYPE_NS &&
		    (s[i].sigs.rrs.count == 0 || has_answer))
			continue;   /* beside an answer (or unsigned): not relied on, not passed on */
		if (s[i].section == KR_SECTION_ANSWER && rr->type == KR_TYPE_CNAME && has_dname &&
		    s[i].sigs.rrs.count == 0)
			continue;   /* synthesized from a DNAME, which is checked itself */
		const struct kr_rrset *keys = z->keys;
		const uint8_t *szone = zone;
		const uint8_t *signer = signer_of(&s[i]);
		bool child_signed = signer && !kr_dname_eq(signer, zone) && kr_dname_in(signer, zone) &&
				    kr_dname_in(rr->owner, signer) && rr->type != KR_TYPE_DS;
		if (!kr_dname_in(rr->owner, zone) || child_signed) {
			/* Another zone's data (a CNAME chain through several zones): judged by its own signer. */
			enum zstate other = other_zone_keys(ctx, r, &s[i], attach, &szone, &keys);
			if (other == Z_UNKNOWN)
				return keys ? KR_STATE_FAIL : KR_STATE_YIELD;
			if (other == Z_BOGUS)
				return bogus(ctx, qry, qs, EDE_BOGUS, "the keys of another zone in the answer are bogus", szone);
			if (other == Z_INSECURE) {
				insecure = true;
				continue;
			}
		}
		if ((qry->flags & KR_QF_CACHED) && have_c) {
			uint8_t rank = 0;
			kr_rrset_t tmp;
			if (c->peek_rrset(req, rr->owner, rr->type, &tmp, NULL, &rank) == 0 && (rank & KR_RANK_SECURE))
				continue;   /* validated before */
		}
		int ret = validate_rrset(rr, &s[i].sigs, keys, r->now, mm);
		if (ret == -ENOTSUP) {
			mark(qry, qs, Q_INSECURE);
			return ctx->state;
		}
		if (ret == -ENOENT && !kr_dname_eq(rr->owner, szone)) {
			enum kr_layer_state ps = KR_STATE_DONE;
			enum zstate between = probe_cut(ctx, r, szone, rr->owner, attach, &ps);
			if (ps != KR_STATE_DONE)
				return ps;
			if (between == Z_INSECURE) {
				logq(req, qry, "unsigned data below an insecure delegation of", szone);
				insecure = true;
				continue;
			}
		}
		if (ret != 0) {
			char t[16], o[KR_DNAME_MAXTEXT], why[KR_DNAME_MAXTEXT + 64];
			kr_rrtype_to_str(rr->type, t, sizeof(t));
			kr_dname_to_str(o, sizeof(o), rr->owner);
			snprintf(why, sizeof(why), "%s %s: %s", o, t, ret == -ENOENT ? "no RRSIG" : "no valid RRSIG");
			return bogus(ctx, qry, qs, sigs_ede(&s[i].sigs, r->now), why, zone);
		}
		s[i].verified = true;
	}
	/* What the answer says, and what the proofs of non-existence prove. */
	struct validate_denial_ctx d;
	denial_collect(s, n, zone, &d);
	bool proven = !insecure;
	for (int i = 0; i < n; ++i) {
		int labels = s[i].section == KR_SECTION_ANSWER ? expansion_labels(&s[i]) : -1;
		if (labels < 0)
			continue;
		enum validate_denial e = validate_deny_expansion(&d, s[i].rr.owner, labels);
		if (e == VALIDATE_DENIAL_MISSING)
			return bogus(ctx, qry, qs, EDE_NSEC_MISSING, "a wildcard expansion without proof that the name does not exist", zone);
		proven = proven && e == VALIDATE_DENIAL_PROVEN;
	}
	if (ans->link) {
		/* The link itself is proven; where it leads is judged with the next sub-query. */
		verdict(req, qry, qs, s, n, proven);
		return ctx->state;
	}
	const uint8_t *target = qry->stype == KR_TYPE_CNAME ? qry->sname : chain_target(s, n, qry->sname);
	bool positive = false;
	for (int i = 0; i < n; ++i)
		positive = positive || (s[i].section == KR_SECTION_ANSWER && kr_dname_eq(s[i].rr.owner, target) &&
					(s[i].rr.type == qry->stype || qry->stype == KR_TYPE_ANY));
	uint16_t rcode = ans->rcode;
	/* A forwarded chain may end in another zone, which denies the target. */
	const uint8_t *dzone = kr_dname_in(target, zone) ? zone : proof_zone(s, n, target);
	if (dzone && dzone != zone)
		denial_collect(s, n, dzone, &d);
	enum validate_denial e = VALIDATE_DENIAL_PROVEN;
	if (positive)
		e = VALIDATE_DENIAL_PROVEN;
	else if (!dzone || (dzone != zone && insecure))
		e = VALIDATE_DENIAL_UNSUPPORTED;   /* the chain leaves the zone: judged where it goes */
	else if (rcode == KR_RCODE_NXDOMAIN)
		e = validate_deny_name(&d, target);
	else if (rcode == KR_RCODE_NOERROR)
		e = validate_deny_type(&d, target, qry->stype);
	else
		e = VALIDATE_DENIAL_UNSUPPORTED;
	if (qry->stype == KR_TYPE_DS && qs->mine) {
		struct zone *child = zone_get(r, qry->sname, mm, true);
		if (!child)
			return KR_STATE_FAIL;
		if (positive) {
			for (int i = 0; i < n; ++i)
				if (s[i].section == KR_SECTION_ANSWER && s[i].rr.type == KR_TYPE_DS &&
				    kr_dname_eq(s[i].rr.owner, qry->sname))
					child->ds = kr_rrset_copy(&s[i].rr, mm);
			if (!child->ds)
				return bogus(ctx, qry, qs, EDE_BOGUS, "no DS in the answer", zone);
			child->state = Z_DS;
			verdict(req, qry, qs, s, n, true);
			return ctx->state;
		}
		if (rcode != KR_RCODE_NOERROR || e == VALIDATE_DENIAL_MISSING)
			return bogus(ctx, qry, qs, EDE_NSEC_MISSING, "no proof that the DS is missing", zone);
		mark(qry, qs, e == VALIDATE_DENIAL_PROVEN ? Q_SECURE : Q_INSECURE);
		if (!validate_denial_delegation(&d, qry->sname)) {
			child->state = Z_NOTCUT;
			logq(req, qry, "no DS and no delegation: not a zone cut", qry->sname);
			return ctx->state;
		}
		child->state = Z_INSECURE;
		logq(req, qry, "no DS: insecure delegation", qry->sname);
		return ctx->state;
	}
	if (key_q) {
		verdict(req, qry, qs, s, n, true);
		return ctx->state;
	}
	if (e == VALIDATE_DENIAL_MISSING)
		return bogus(ctx, qry, qs, EDE_NSEC_MISSING, rcode == KR_RCODE_NXDOMAIN ? "no proof that the name does not exist" :
					   "no proof that the type does not exist", zone);
	verdict(req, qry, qs, s, n, proven && e == VALIDATE_DENIAL_PROVEN);
	return ctx->state;
}

/** Is qry's answer ours to check? (DO asked, not stub, no CD, IN, from upstream or cache) */
static bool wanted(const struct kr_request *req, const struct kr_query *qry, const struct qry_state *qs)
{
	/* RRSIG sets are not signed themselves: an RRSIG query is not validated. */
	return (qry->flags & KR_QF_DNSSEC_WANT) && !(qry->flags & KR_QF_STUB) && qry->stype != KR_TYPE_RRSIG &&
	       !(req->options & KR_QF_DNSSEC_CD) && qry->sclass == KR_CLASS_IN &&
	       (!qry->parent || qs->mine) && (qs->upstream || (qry->flags & KR_QF_CACHED));
}

static int answer_read(const kr_pkt_t *pkt, bool link, kr_mm_t *mm, struct answer *a)
{
	a->s = kr_mm_alloc(mm, sizeof(*a->s) * MAX_SETS);
	if (!a->s)
		return -ENOMEM;
	a->n = gather(pkt, a->s, mm);
	a->rcode = kr_pkt_rcode(pkt) & 0xf;
	a->link = link;
	return a->n < 0 ? a->n : 0;
}

/** Judge the CNAME links that waited for their zone's keys. */
static enum kr_layer_state judge_pending(struct kr_layer_ctx *ctx, struct req_state *r, struct kr_query *attach)
{
	while (r->npending) {
		struct pending_link *p = &r->pending[0];
		struct qry_state *qs = qry_get(ctx, p->qry);
		if (!qs)
			return KR_STATE_FAIL;
		enum kr_layer_state st = judge(ctx, p->qry, qs, attach, &p->a);
		if (st == KR_STATE_FAIL || st == KR_STATE_YIELD)
			return st;
		memmove(&r->pending[0], &r->pending[1], --r->npending * sizeof(r->pending[0]));
	}
	return ctx->state;
}

/**
 * iterate met a CNAME (or DNAME) of the client's chain and follows it in a new
 * sub-query (the current one): the link it leaves behind is checked here, or
 * kept until its zone's keys are known.
 */
static enum kr_layer_state consume_link(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *next = req->current_query;
	if (!(next->flags & KR_QF_CNAME) || next->parent || req->rplan.resolved_len == 0)
		return ctx->state;
	struct kr_query *link = req->rplan.resolved[req->rplan.resolved_len - 1];
	struct qry_state *qs = qry_get(ctx, link);
	struct req_state *r = req_get(ctx);
	if (!qs || !r)
		return KR_STATE_FAIL;
	if (link->parent || !(link->flags & KR_QF_RESOLVED) || link->cname_depth + 1 != next->cname_depth ||
	    qs->result != Q_NONE || !wanted(req, link, qs))
		return ctx->state;
	struct answer a;
	if (answer_read(pkt, true, req->pool, &a) != 0)
		return bogus(ctx, link, qs, EDE_BOGUS, "too many RR sets", NULL);
	enum kr_layer_state st = judge(ctx, link, qs, next, &a);
	if (st == KR_STATE_YIELD && qs->result == Q_NONE) {
		if (r->npending == MAX_LINKS)
			return KR_STATE_FAIL;
		r->pending[r->npending++] = (struct pending_link){ .qry = link, .a = a };
	}
	return st;
}

/**
 * A forwarder's answer (policy.FORWARD; policy's consume, after us, takes it):
 * the whole answer, its chain through any zones included, is judged here.
 * @return CONSUME for policy to go on, YIELD (keys needed) or FAIL (bogus).
 */
static enum kr_layer_state consume_forwarded(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	uint16_t rcode = kr_pkt_rcode(pkt) & 0xf;
	struct qry_state *qs = qry_get(ctx, qry);
	struct req_state *r = req_get(ctx);
	if (!qs || !r)
		return KR_STATE_FAIL;
	if ((rcode != KR_RCODE_NOERROR && rcode != KR_RCODE_NXDOMAIN) || kr_pkt_flag(pkt, KR_PKT_TC) ||
	    !wanted(req, qry, qs))
		return ctx->state;
	if (!qry->parent && r->npending) {
		enum kr_layer_state st = judge_pending(ctx, r, qry);
		if (st == KR_STATE_FAIL || st == KR_STATE_YIELD)
			return st;
	}
	struct answer a;
	if (answer_read(pkt, false, req->pool, &a) != 0)
		return bogus(ctx, qry, qs, EDE_BOGUS, "too many RR sets", NULL);
	return judge(ctx, qry, qs, qry, &a);
}

/** Has an RRSIG of the answer section fewer labels than its owner (a wildcard expansion)? */
static bool pkt_has_expansion(const kr_pkt_t *pkt)
{
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		if (!rr || rr->type != KR_TYPE_RRSIG)
			continue;
		int labels = kr_dname_labels(rr->owner);
		if (rr->owner[0] == 1 && rr->owner[1] == '*')
			--labels;
		for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd))
			if (rd->len < 4 || rd->data[3] < labels)
				return true;
	}
	return false;
}

/**
 * The client's query answered by the cache with the verdict stored with the
 * data (not a wildcard expansion, whose proof is not stored with it) and
 * nothing else pending: the verdict stands, nothing is checked again.
 * (The same rule as in judge(), taken before any work on the answer.)
 */
static bool cached_verdict_stands(struct kr_layer_ctx *ctx, struct kr_query *qry, const kr_pkt_t *pkt)
{
	if (!(qry->flags & KR_QF_CACHED) || qry->parent ||
	    !(qry->flags & (KR_QF_DNSSEC_VALIDATED | KR_QF_DNSSEC_INSECURE)))
		return false;
	const struct req_state *r = kr_request_data(ctx->req, ctx->plugin);
	if ((r && r->npending) || pkt_has_expansion(pkt))
		return false;
	struct qry_state *qs = qry_get(ctx, qry);
	if (!qs || !wanted(ctx->req, qry, qs))
		return false;
	mark(qry, qs, (qry->flags & KR_QF_DNSSEC_VALIDATED) ? Q_SECURE : Q_INSECURE);
	return true;
}

static enum kr_layer_state validate_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	if (!qry || !pkt || !plugin_v(ctx))
		return ctx->state;
	if (ctx->state == KR_STATE_YIELD)
		return consume_link(ctx, pkt);
	if (ctx->state == KR_STATE_CONSUME && (qry->flags & KR_QF_FORWARD))
		return consume_forwarded(ctx, pkt);
	if (ctx->state == KR_STATE_PRODUCE && (qry->flags & KR_QF_DNSSEC_WANT)) {
		struct req_state *r = req_get(ctx);
		if (r)
			harvest_referral(ctx, r, pkt);   /* iterate follows a referral */
		return ctx->state;
	}
	if (ctx->state != KR_STATE_DONE)
		return ctx->state;
	if (cached_verdict_stands(ctx, qry, pkt))
		return ctx->state;
	struct qry_state *qs = qry_get(ctx, qry);
	struct req_state *r = req_get(ctx);
	if (!qs || !r)
		return KR_STATE_FAIL;
	if (!qry->parent && r->npending) {
		enum kr_layer_state st = judge_pending(ctx, r, qry);
		if (st == KR_STATE_FAIL || st == KR_STATE_YIELD)
			return st;
	}
	if (!wanted(req, qry, qs))
		return ctx->state;
	struct answer a;
	if (answer_read(pkt, false, req->pool, &a) != 0)
		return bogus(ctx, qry, qs, EDE_BOGUS, "too many RR sets", NULL);
	return judge(ctx, qry, qs, qry, &a);
}

static enum kr_layer_state validate_begin(struct kr_layer_ctx *ctx)
{
	const struct validate *v = plugin_v(ctx);
	struct kr_request *req = ctx->req;
	if (!v || v->ta_count == 0 || (req->options & KR_QF_STUB))
		return ctx->state;
	req->options |= KR_QF_DNSSEC_WANT;
	for (uint32_t i = 0; i < req->rplan.pending_len; ++i)
		req->rplan.pending[i]->flags |= KR_QF_DNSSEC_WANT;
	return ctx->state;
}

static enum kr_layer_state validate_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	(void)pkt;
	struct kr_query *qry = ctx->req->current_query;
	struct qry_state *qs = qry ? kr_query_data(qry, ctx->plugin) : NULL;
	if (!qs)
		return ctx->state;
	qs->upstream = false;
	if (qs->mine && qry->stype == KR_TYPE_DNSKEY) {
		/* The DS asked meanwhile may have settled the zone (no DS: insecure); no keys needed then. */
		struct req_state *r = kr_request_data(ctx->req, ctx->plugin);
		for (unsigned i = 0; r && i < r->nzones; ++i) {
			const struct zone *z = &r->zones[i];
			if ((z->state == Z_INSECURE || z->state == Z_BOGUS) && kr_dname_in(qry->sname, z->name)) {
				logq(ctx->req, qry, "keys not needed, settled by the zone", z->name);
				return KR_STATE_DONE;
			}
		}
	}
	return ctx->state;
}

static enum kr_layer_state validate_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
					     const void *dst, bool tcp)
{
	(void)pkt; (void)dst; (void)tcp;
	struct kr_query *qry = ctx->req->current_query;
	struct qry_state *qs = qry ? qry_get(ctx, qry) : NULL;
	if (qs)
		qs->upstream = true;
	return ctx->state;
}

bool validate_chain_secure(const struct kr_request *req, const struct kr_plugin *self)
{
	if (req->options & KR_QF_DNSSEC_CD)
		return false;
	bool secure = true;
	unsigned chain = 0;
	for (uint32_t i = 0; secure && i < req->rplan.resolved_len; ++i) {
		struct kr_query *qry = req->rplan.resolved[i];
		if (qry->parent)
			continue;
		struct qry_state *qs = kr_query_data(qry, self);
		++chain;
		/* Every link of the client's chain, and its end, proven secure; a link the
		 * cache followed by itself counts when it was stored validated. */
		secure = qs && qs->result == Q_SECURE;
		if (!secure && (!qs || qs->result == Q_NONE) && (qry->flags & KR_QF_CACHED))
			secure = qry->flags & KR_QF_DNSSEC_VALIDATED;
	}
	return secure && chain > 0;
}

int validate_first_bogus(const struct kr_request *req, const struct kr_plugin *self,
			 struct kr_validate_bogus *out)
{
	const struct req_state *r = kr_request_data(req, self);
	if (!r || !r->ede || !r->first_bogus.name)
		return -ENOENT;
	*out = r->first_bogus;
	return 0;
}

static enum kr_layer_state validate_finalize(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	kr_pkt_t *a = req->answer;
	const kr_pkt_t *q = req->qsource.packet;
	/* Internal requests (resolve() from Lua: ta_update, tools) always learn the verdict. */
	bool secure = ctx->state == KR_STATE_DONE && q &&
		      ((q->opt && kr_edns_do(q->opt)) || kr_pkt_flag(q, KR_PKT_AD) ||
		       (req->qsource.flags & KR_REQ_INTERNAL)) &&
		      validate_chain_secure(req, ctx->plugin);
	kr_pkt_set_flag(a, KR_PKT_AD, secure);
	struct req_state *r = kr_request_data(req, ctx->plugin);
	if (ctx->state == KR_STATE_FAIL && r && r->ede)
		kr_request_add_ede(req, r->ede, r->ede_text);
	return ctx->state;
}

const struct kr_layer_api validate_layer = {
	.size = sizeof(validate_layer),
	.begin = validate_begin,
	.produce = validate_produce,
	.consume = validate_consume,
	.checkout = validate_checkout,
	.answer_finalize = validate_finalize,
};
