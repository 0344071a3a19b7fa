/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * RPZ zone files (QNAME triggers only): "name CNAME ." → the rule's action
 * (NXDOMAIN), "CNAME *." → NODATA, "CNAME rpz-passthru." → PASSTHRU,
 * "CNAME rpz-drop." → no answer, "CNAME rpz-tcp-only." → TC, other records
 * → local data. "*.name" triggers cover every name below name. Names are
 * relative to the zone's apex (its SOA owner) when the file has one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "plugins/policy/policy-impl.h"

#define LINE_MAX_LEN 65536

static void entry_free(void *v)
{
	struct policy_rpz_entry *e = v;
	if (!e)
		return;
	for (uint16_t i = 0; i < e->rrs_count; ++i)
		kr_rrset_clear(&e->rrs[i], NULL);
	free(e->rrs);
	free(e);
}

void policy_rpz_free(struct policy_rpz *z)
{
	if (!z)
		return;
	policy_names_clear(&z->exact, entry_free);
	policy_names_clear(&z->wild, entry_free);
	free(z->path);
	free(z);
}

/** Is the wire name the single label `label` followed by the root? */
static bool is_special(const uint8_t *name, const char *label)
{
	size_t n = strlen(label);
	if (name[0] != n || name[n + 1] != 0)
		return false;
	for (size_t i = 0; i < n; ++i)
		if (tolower(name[1 + i]) != label[i])
			return false;
	return true;
}

/** Remove the comment and turn the record's parentheses into depth changes. @return depth delta. */
static int strip_comment(char *line)
{
	bool quoted = false;
	int depth = 0;
	for (char *p = line; *p; ++p) {
		if (*p == '\\' && p[1]) {
			++p;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && *p == ';') {
			*p = '\0';
			break;
		} else if (!quoted && *p == '(') {
			++depth;
		} else if (!quoted && *p == ')') {
			--depth;
		}
	}
	return depth;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		++s;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/** TTL with optional unit suffixes (1h30m). @return -1 when invalid. */
static long ttl_parse(const char *s)
{
	long total = 0, cur = 0;
	bool digits = false;
	for (; *s; ++s) {
		if (isdigit((unsigned char)*s)) {
			cur = cur * 10 + (*s - '0');
			digits = true;
			if (cur > INT32_MAX)
				return -1;
			continue;
		}
		long mult;
		switch (tolower((unsigned char)*s)) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 604800; break;
		default: return -1;
		}
		if (!digits)
			return -1;
		total += cur * mult;
		cur = 0;
		digits = false;
	}
	total += cur;
	return total > INT32_MAX ? -1 : total;
}

/** The trigger: owner without the apex labels. @return 0 or -EINVAL (outside the zone). */
static int trigger_of(const uint8_t *owner, const uint8_t *apex, uint8_t *out)
{
	if (!apex || !apex[0]) {
		memcpy(out, owner, kr_dname_size(owner));
		return 0;
	}
	if (!kr_dname_in(owner, apex))
		return -EINVAL;
	int keep = kr_dname_labels(owner) - kr_dname_labels(apex);
	const uint8_t *p = owner;
	size_t off = 0;
	for (int i = 0; i < keep; ++i) {
		memcpy(out + off, p, (size_t)*p + 1);
		off += (size_t)*p + 1;
		p += *p + 1;
	}
	out[off] = 0;
	return 0;
}

/** Add rr (one item) to the entry's local data, merging RR sets by type. */
static int entry_add_rr(struct policy_rpz_entry *e, const kr_rrset_t *rr)
{
	for (uint16_t i = 0; i < e->rrs_count; ++i) {
		kr_rrset_t *have = &e->rrs[i];
		if (have->type != rr->type)
			continue;
		if (rr->ttl < have->ttl)
			have->ttl = rr->ttl;
		struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
		return rd ? kr_rrset_add_rdata(have, rd->data, rd->len, NULL) : 0;
	}
	kr_rrset_t *n = realloc(e->rrs, (e->rrs_count + 1u) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	e->rrs = n;
	kr_rrset_t *dst = &e->rrs[e->rrs_count];
	kr_rrset_init(dst, NULL, rr->type, rr->rclass, rr->ttl);
	struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	int ret = rd ? kr_rrset_add_rdata(dst, rd->data, rd->len, NULL) : 0;
	if (ret == 0)
		++e->rrs_count;
	return ret;
}

/** What a record says for its trigger. */
static enum policy_act record_action(const kr_rrset_t *rr)
{
	if (rr->type != KR_TYPE_CNAME)
		return POLICY_LOCAL;
	struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (!rd || rd->len < 1)
		return POLICY_LOCAL;
	const uint8_t *target = rd->data;
	if (target[0] == 0)
		return POLICY_DENY;
	if (is_special(target, "*"))
		return POLICY_NODATA;
	if (is_special(target, "rpz-passthru"))
		return POLICY_PASS;
	if (is_special(target, "rpz-drop"))
		return POLICY_NO_ANSWER;
	if (is_special(target, "rpz-tcp-only"))
		return POLICY_TC;
	return POLICY_LOCAL;
}

/** Is the trigger of a kind other than QNAME (its last label says so)? */
static bool other_trigger(const uint8_t *trigger)
{
	static const char *kinds[] = { "rpz-ip", "rpz-nsdname", "rpz-nsip", "rpz-client-ip" };
	const uint8_t *last = NULL;
	for (const uint8_t *p = trigger; *p; p += *p + 1)
		last = p;
	if (!last)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); ++i)
		if (is_special(last, kinds[i]))
			return true;
	return false;
}

/** Put one record into the zone. @return 0, -EINVAL (reason in why) or -ENOMEM. */
static int zone_add(struct policy_rpz *z, const kr_rrset_t *rr, const uint8_t *apex, const char **why)
{
	uint8_t trigger[KR_DNAME_MAXLEN];
	if (apex && kr_dname_eq(rr->owner, apex))
		return 0;   /* the apex itself: SOA, NS */
	if (trigger_of(rr->owner, apex, trigger) != 0) {
		*why = "record outside the zone";
		return -EINVAL;
	}
	if (other_trigger(trigger)) {
		++z->ignored;
		return 0;
	}
	struct policy_names *table = &z->exact;
	const uint8_t *key = trigger;
	if (trigger[0] == 1 && trigger[1] == '*') {
		table = &z->wild;
		key = trigger + 2;
	}
	bool created;
	void **slot = policy_names_put(table, key, &created);
	if (!slot)
		return -ENOMEM;
	enum policy_act act = record_action(rr);
	struct policy_rpz_entry *e = *slot;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->type = act;
		*slot = e;
		++z->entries;
	} else if (e->type != act || act != POLICY_LOCAL) {
		*why = "a trigger with a CNAME action cannot have other records";
		return -EINVAL;
	}
	return act == POLICY_LOCAL ? entry_add_rr(e, rr) : 0;
}

struct policy_rpz *policy_rpz_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		policy_error(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct policy_rpz *z = calloc(1, sizeof(*z));
	char *rec = malloc(LINE_MAX_LEN);
	if (!z || !rec || !(z->path = strdup(path))) {
		policy_error(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0)
		z->mtime = st.st_mtim;
	uint8_t origin[KR_DNAME_MAXLEN] = { 0 };
	uint8_t apex[KR_DNAME_MAXLEN];
	bool have_apex = false;
	char prev_owner[KR_DNAME_MAXTEXT] = "";
	uint32_t default_ttl = 3600;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	while (getline(&line, &cap, f) >= 0) {
		++lineno;
		unsigned first = lineno;
		bool owner_omitted = line[0] == ' ' || line[0] == '\t';
		int depth = strip_comment(line);
		size_t used = (size_t)snprintf(rec, LINE_MAX_LEN, "%s", line);
		/* A record in parentheses goes on over the next lines. */
		while (depth > 0 && getline(&line, &cap, f) >= 0) {
			++lineno;
			depth += strip_comment(line);
			used += (size_t)snprintf(rec + used, used < LINE_MAX_LEN ? LINE_MAX_LEN - used : 0, " %s",
						 trim(line));
		}
		if (used >= LINE_MAX_LEN || depth != 0) {
			policy_error(err, errlen, "%s:%u: %s", path, first,
				     depth ? "unbalanced parentheses" : "record too long");
			goto fail_line;
		}
		for (char *p = rec; *p; ++p)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		char *text = trim(rec);
		if (!*text)
			continue;
		if (text[0] == '$') {
			char *arg = text + strcspn(text, " \t");
			if (*arg)
				*arg++ = '\0';
			arg = trim(arg);
			if (strcasecmp(text, "$ORIGIN") == 0) {
				uint8_t o[KR_DNAME_MAXLEN];
				if (kr_rdata_from_str(KR_TYPE_NS, arg, origin, o, sizeof(o)) < 0) {
					policy_error(err, errlen, "%s:%u: invalid $ORIGIN '%s'", path, first, arg);
					goto fail_line;
				}
				memcpy(origin, o, kr_dname_size(o));
			} else if (strcasecmp(text, "$TTL") == 0) {
				long t = ttl_parse(arg);
				if (t < 0 || !*arg) {
					policy_error(err, errlen, "%s:%u: invalid $TTL '%s'", path, first, arg);
					goto fail_line;
				}
				default_ttl = (uint32_t)t;
			} else {
				policy_error(err, errlen, "%s:%u: unsupported directive %s", path, first, text);
				goto fail_line;
			}
			continue;
		}
		char full[LINE_MAX_LEN / 4];
		const char *parse = text;
		if (owner_omitted) {
			if (!prev_owner[0]) {
				policy_error(err, errlen, "%s:%u: no owner name (and no previous record)", path, first);
				goto fail_line;
			}
			if ((size_t)snprintf(full, sizeof(full), "%s %s", prev_owner, text) >= sizeof(full)) {
				policy_error(err, errlen, "%s:%u: record too long", path, first);
				goto fail_line;
			}
			parse = full;
		}
		kr_rrset_t rr;
		int ret = kr_rrset_from_str(&rr, parse, origin, default_ttl, NULL);
		if (ret != 0) {
			policy_error(err, errlen, "%s:%u: cannot parse the record: %s", path, first, kr_strerror(ret));
			goto fail_line;
		}
		kr_dname_to_str(prev_owner, sizeof(prev_owner), rr.owner);
		const char *why = NULL;
		if (rr.type == KR_TYPE_SOA && !have_apex) {
			memcpy(apex, rr.owner, kr_dname_size(rr.owner));
			have_apex = true;
		} else if (rr.rclass != KR_CLASS_IN) {
			why = "only class IN records are supported";
			ret = -EINVAL;
		} else {
			/* Without a SOA, names are taken relative to the current $ORIGIN. */
			const uint8_t *a = have_apex ? apex
				: (origin[0] && kr_dname_in(rr.owner, origin)) ? origin : NULL;
			ret = zone_add(z, &rr, a, &why);
		}
		kr_rrset_clear(&rr, NULL);
		free(rr.owner);
		if (ret != 0) {
			policy_error(err, errlen, "%s:%u: %s", path, first, why ? why : kr_strerror(ret));
			goto fail_line;
		}
	}
	free(line);
	free(rec);
	fclose(f);
	return z;
fail_line:
	free(line);
fail:
	free(rec);
	fclose(f);
	policy_rpz_free(z);
	return NULL;
}

const struct policy_rpz_entry *policy_rpz_match(const struct policy_rpz *z, const uint8_t *lname,
						const uint8_t **zone)
{
	size_t len = kr_dname_size(lname);
	void **v = policy_names_find(&z->exact, lname, len, policy_names_hash(lname, len));
	if (v) {
		*zone = lname;
		return *v;
	}
	if (!z->wild.count)
		return NULL;
	/* The closest "*.parent" trigger covers the name. */
	for (const uint8_t *p = lname; *p;) {
		p += *p + 1;
		size_t plen = len - (size_t)(p - lname);
		v = policy_names_find(&z->wild, p, plen, policy_names_hash(p, plen));
		if (v) {
			*zone = p;
			return *v;
		}
	}
	return NULL;
}
