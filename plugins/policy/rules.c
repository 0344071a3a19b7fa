/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rule sets: rules parsed from JSON, a suffix index by name, and matching in rule order. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/policy/policy-impl.h"

#define HITS_MAX 256   /* suffix hits gathered per name (one per label is the usual case) */

void policy_error(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[POLICY_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* --- addresses --- */

int policy_addr_parse(const char *text, union kr_sockaddr *out)
{
	return policy_addr_parse_port(text, 53, out);
}

int policy_addr_parse_port(const char *text, uint16_t default_port, union kr_sockaddr *out)
{
	char buf[128];
	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	unsigned long port = default_port;
	char *sep = strrchr(buf, '@');
	if (!sep)
		sep = strrchr(buf, '#');
	if (sep) {
		char *end = NULL;
		port = strtoul(sep + 1, &end, 10);
		if (sep[1] == '\0' || *end != '\0' || port == 0 || port > 65535)
			return -EINVAL;
		*sep = '\0';
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, &out->ip4.sin_addr) == 1) {
		out->ip4.sin_family = AF_INET;
		out->ip4.sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &out->ip6.sin6_addr) == 1) {
		out->ip6.sin6_family = AF_INET6;
		out->ip6.sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

int policy_subnet_parse(const char *text, int *family, uint8_t *bytes, uint8_t *len)
{
	char buf[128];
	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	long bits = -1;
	char *slash = strchr(buf, '/');
	if (slash) {
		char *end = NULL;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits < 0)
			return -EINVAL;
		*slash = '\0';
	}
	memset(bytes, 0, 16);
	if (inet_pton(AF_INET, buf, bytes) == 1) {
		*family = AF_INET;
		if (bits > 32)
			return -EINVAL;
		*len = (uint8_t)(bits < 0 ? 32 : bits);
	} else if (inet_pton(AF_INET6, buf, bytes) == 1) {
		*family = AF_INET6;
		if (bits > 128)
			return -EINVAL;
		*len = (uint8_t)(bits < 0 ? 128 : bits);
	} else {
		return -EINVAL;
	}
	/* Clear the host bits: 10.1.2.3/8 is 10.0.0.0/8. */
	int alen = *family == AF_INET ? 4 : 16;
	for (int i = 0; i < alen; ++i) {
		int keep = (int)*len - i * 8;
		if (keep >= 8)
			continue;
		bytes[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
	return 0;
}

/* --- actions --- */

static const char *act_names[] = {
	[POLICY_PASS] = "pass", [POLICY_DENY] = "deny", [POLICY_DROP] = "drop",
	[POLICY_NO_ANSWER] = "no_answer", [POLICY_REFUSE] = "refuse", [POLICY_TC] = "tc",
	[POLICY_TRACE] = "trace", [POLICY_REROUTE] = "reroute", [POLICY_ANSWER] = "answer",
	[POLICY_FORWARD] = "forward", [POLICY_STUB] = "stub", [POLICY_FLAGS] = "flags",
	[POLICY_NODATA] = "nodata", [POLICY_LOCAL] = "local", [POLICY_TLS_FORWARD] = "tls_forward",
};

const char *policy_act_name(enum policy_act type)
{
	return (size_t)type < sizeof(act_names) / sizeof(act_names[0]) ? act_names[type] : "?";
}

void policy_action_clear(struct policy_action *act)
{
	free(act->msg);
	free(act->reroute);
	for (uint16_t i = 0; i < act->rrs_count; ++i)
		kr_rrset_clear(&act->rrs[i], NULL);
	free(act->rrs);
	memset(act, 0, sizeof(*act));
}

static int hex_decode(const char *hex, uint8_t *dst, size_t maxlen)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > maxlen)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; ++i) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		dst[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/** Flags by name from a JSON string or list of strings. */
static int flags_parse(json_t *j, uint64_t *out, char *err, size_t errlen)
{
	*out = 0;
	if (!j || json_is_null(j))
		return 0;
	json_t *one = json_is_string(j) ? j : NULL;
	size_t n = one ? 1 : json_is_array(j) ? json_array_size(j) : 0;
	if (!one && !json_is_array(j)) {
		policy_error(err, errlen, "FLAGS: expected a flag name or a list of names");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; ++i) {
		json_t *v = one ? one : json_array_get(j, i);
		uint64_t f = json_is_string(v) ? kr_qflag_from_str(json_string_value(v)) : 0;
		if (!f) {
			policy_error(err, errlen, "FLAGS: unknown query flag '%s'",
				     json_is_string(v) ? json_string_value(v) : "?");
			return -EINVAL;
		}
		*out |= f;
	}
	return 0;
}

/** ANSWER records: [{"type": n, "ttl": n, "rdata": [hex, ...]}]. */
static int answer_parse(struct policy_action *act, json_t *rrs, char *err, size_t errlen)
{
	size_t n = json_array_size(rrs);
	if (!json_is_array(rrs) || n == 0 || n > 64) {
		policy_error(err, errlen, "ANSWER: expected a table {[type] = {rdata = ..., ttl = ...}}");
		return -EINVAL;
	}
	act->rrs = calloc(n, sizeof(*act->rrs));
	if (!act->rrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; ++i) {
		json_t *o = json_array_get(rrs, i);
		json_t *type = json_object_get(o, "type"), *ttl = json_object_get(o, "ttl");
		json_t *rd = json_object_get(o, "rdata");
		json_int_t t = json_is_integer(type) ? json_integer_value(type) : -1;
		json_int_t tl = json_is_integer(ttl) ? json_integer_value(ttl) : 300;
		if (t <= 0 || t > 65535 || tl < 0 || tl > INT32_MAX || !json_is_array(rd) || !json_array_size(rd)) {
			policy_error(err, errlen, "ANSWER: each type needs rdata (a string or a list) and a valid ttl");
			return -EINVAL;
		}
		kr_rrset_t *rr = &act->rrs[act->rrs_count++];
		kr_rrset_init(rr, NULL, (uint16_t)t, KR_CLASS_IN, (uint32_t)tl);
		size_t k;
		json_t *item;
		json_array_foreach(rd, k, item) {
			uint8_t buf[1024];
			int len = json_is_string(item) ? hex_decode(json_string_value(item), buf, sizeof(buf)) : -1;
			if (len < 0) {
				policy_error(err, errlen, "ANSWER: invalid rdata for type %d", (int)t);
				return -EINVAL;
			}
			int ret = kr_rrset_add_rdata(rr, buf, (uint16_t)len, NULL);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

/**
 * TLS_FORWARD targets: [{"addr": "a[@port]", "hostname": ..., "ca_file": ...,
 * "pins": [...]}]; each address's authentication goes to the core.
 */
static int tls_targets_parse(struct policy_action *act, json_t *targets, char *err, size_t errlen)
{
	size_t n = json_array_size(targets);
	if (n == 0 || n > KR_NS_MAX) {
		policy_error(err, errlen, "tls_forward: give 1 to %d servers", KR_NS_MAX);
		return -EINVAL;
	}
	for (size_t k = 0; k < n; ++k) {
		json_t *tgt = json_array_get(targets, k);
		const char *a = json_string_value(json_object_get(tgt, "addr"));
		if (policy_addr_parse_port(a, 853, &act->addrs[k]) != 0) {
			policy_error(err, errlen, "tls_forward: invalid address '%s' (expected 'addr' or 'addr@port')",
				     a ? a : "?");
			return -EINVAL;
		}
		json_t *pins = json_object_get(tgt, "pins");
		const char *pin_text[16];
		size_t pin_count = json_array_size(pins);
		if (pin_count > sizeof(pin_text) / sizeof(pin_text[0]))
			pin_count = sizeof(pin_text) / sizeof(pin_text[0]);
		for (size_t i = 0; i < pin_count; ++i)
			pin_text[i] = json_string_value(json_array_get(pins, i));
		char e[256];
		int ret = kr_tls_upstream_set(&act->addrs[k].ip, json_string_value(json_object_get(tgt, "hostname")),
					      json_string_value(json_object_get(tgt, "ca_file")), pin_text,
					      json_array_size(pins), e, sizeof(e));
		if (ret != 0) {
			policy_error(err, errlen, "tls_forward: server '%s': %s", a, e);
			return ret;
		}
	}
	act->addr_count = (uint8_t)n;
	return 0;
}

int policy_action_parse(struct policy_action *act, json_t *j, char *err, size_t errlen)
{
	memset(act, 0, sizeof(*act));
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!json_is_object(j) || !type) {
		policy_error(err, errlen, "invalid action (use policy.DENY, policy.PASS, ...)");
		return -EINVAL;
	}
	size_t i;
	for (i = 0; i < sizeof(act_names) / sizeof(act_names[0]); ++i)
		if (act_names[i] && strcmp(act_names[i], type) == 0)
			break;
	if (i == sizeof(act_names) / sizeof(act_names[0]) || i == POLICY_LOCAL) {
		policy_error(err, errlen, "unknown action '%s'", type);
		return -EINVAL;
	}
	act->type = (enum policy_act)i;
	int ret = 0;
	switch (act->type) {
	case POLICY_DENY: {
		const char *msg = json_string_value(json_object_get(j, "msg"));
		if (msg && !(act->msg = strdup(msg)))
			ret = -ENOMEM;
		break;
	}
	case POLICY_FORWARD:
	case POLICY_STUB: {
		json_t *addrs = json_object_get(j, "addrs");
		size_t n = json_array_size(addrs);
		if (n == 0 || n > KR_NS_MAX) {
			policy_error(err, errlen, "%s: give 1 to %d addresses", type, KR_NS_MAX);
			ret = -EINVAL;
			break;
		}
		for (size_t k = 0; k < n && ret == 0; ++k) {
			const char *a = json_string_value(json_array_get(addrs, k));
			if (policy_addr_parse(a, &act->addrs[k]) != 0) {
				policy_error(err, errlen, "%s: invalid address '%s' (expected 'addr', 'addr@port' or 'addr#port')",
					     type, a ? a : "?");
				ret = -EINVAL;
			}
		}
		act->addr_count = (uint8_t)n;
		break;
	}
	case POLICY_TLS_FORWARD:
		ret = tls_targets_parse(act, json_object_get(j, "targets"), err, errlen);
		break;
	case POLICY_REROUTE: {
		json_t *map = json_object_get(j, "map");
		size_t n = json_array_size(map);
		if (n == 0 || n > 1024) {
			policy_error(err, errlen, "REROUTE: expected {{'subnet', 'target'}, ...}");
			ret = -EINVAL;
			break;
		}
		act->reroute = calloc(n, sizeof(*act->reroute));
		if (!act->reroute) {
			ret = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < n && ret == 0; ++k) {
			json_t *pair = json_array_get(map, k);
			const char *from = json_string_value(json_array_get(pair, 0));
			const char *to = json_string_value(json_array_get(pair, 1));
			struct policy_reroute *r = &act->reroute[k];
			int tfam;
			uint8_t tlen;
			if (policy_subnet_parse(from, &r->family, r->from, &r->len) != 0 ||
			    policy_subnet_parse(to, &tfam, r->to, &tlen) != 0 || tfam != r->family) {
				policy_error(err, errlen, "REROUTE: invalid pair {'%s', '%s'}",
					     from ? from : "?", to ? to : "?");
				ret = -EINVAL;
			}
		}
		act->reroute_count = (uint16_t)n;
		break;
	}
	case POLICY_ANSWER:
		act->nodata = json_is_true(json_object_get(j, "nodata"));
		ret = answer_parse(act, json_object_get(j, "rrs"), err, errlen);
		break;
	case POLICY_FLAGS:
		ret = flags_parse(json_object_get(j, "set"), &act->flags_set, err, errlen);
		if (ret == 0)
			ret = flags_parse(json_object_get(j, "clear"), &act->flags_clear, err, errlen);
		break;
	default:
		break;
	}
	if (ret != 0)
		policy_action_clear(act);
	return ret;
}

/* --- rules --- */

static void rule_free(struct policy_rule *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->name_count; ++i)
		free(r->names[i]);
	free(r->names);
	free(r->pattern);
	policy_rpz_free(r->rpz);
	policy_action_clear(&r->act);
	free(r);
}

void policy_ruleset_init(struct policy_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->next_id = 1;
}

void policy_ruleset_clear(struct policy_ruleset *rs)
{
	policy_names_clear(&rs->suffixes, free);
	for (uint32_t i = 0; i < rs->count; ++i)
		rule_free(rs->rules[i]);
	free(rs->rules);
	free(rs->other);
	uint32_t next = rs->next_id;
	policy_ruleset_init(rs);
	rs->next_id = next;   /* ids are never reused */
}

static int ptr_push(struct policy_rule ***arr, uint32_t *count, uint32_t *cap, struct policy_rule *r)
{
	if (*count == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		void *n = realloc(*arr, ncap * sizeof(**arr));
		if (!n)
			return -ENOMEM;
		*arr = n;
		*cap = ncap;
	}
	(*arr)[(*count)++] = r;
	return 0;
}

/** Put r (the newest rule, so the largest id) under each of its names. */
static int index_rule(struct policy_ruleset *rs, struct policy_rule *r)
{
	if (r->filter != POLICY_F_SUFFIX)
		return ptr_push(&rs->other, &rs->other_count, &rs->other_cap, r);
	for (uint32_t i = 0; i < r->name_count; ++i) {
		void **slot = policy_names_put(&rs->suffixes, r->names[i], NULL);
		if (!slot)
			return -ENOMEM;
		struct policy_rule_list *l = *slot;
		if (l && l->count && l->rules[l->count - 1] == r)
			continue;   /* the same name twice in one rule */
		if (!l || l->count == l->cap) {
			uint32_t ncap = l ? l->cap * 2 : 2;
			struct policy_rule_list *n = realloc(l, sizeof(*n) + ncap * sizeof(n->rules[0]));
			if (!n)
				return -ENOMEM;
			if (!l)
				n->count = 0;
			n->cap = ncap;
			*slot = l = n;
		}
		l->rules[l->count++] = r;
	}
	return 0;
}

/** Rebuild the indexes from rs->rules (after a removal). */
static int reindex(struct policy_ruleset *rs)
{
	policy_names_clear(&rs->suffixes, free);
	rs->other_count = 0;
	for (uint32_t i = 0; i < rs->count; ++i) {
		int ret = index_rule(rs, rs->rules[i]);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/** A name from JSON text into a malloc()ed lower-cased wire name. */
static uint8_t *name_from_json(json_t *v)
{
	uint8_t wire[KR_DNAME_MAXLEN];
	const char *text = json_string_value(v);
	if (!text || kr_dname_from_str(wire, sizeof(wire), text) < 0)
		return NULL;
	uint8_t *out = malloc(KR_DNAME_MAXLEN);
	if (out)
		policy_name_lower(out, wire);
	return out;
}

/** The deeper of suffix s and common c when one is under the other, else NULL (never matches). */
static const uint8_t *suffix_with_common(const uint8_t *s, const uint8_t *c)
{
	if (kr_dname_in(s, c))
		return s;
	if (kr_dname_in(c, s))
		return c;
	return NULL;
}

static int rule_parse_suffix(struct policy_rule *r, json_t *j, char *err, size_t errlen)
{
	json_t *names = json_object_get(j, "names");
	size_t n = json_array_size(names);
	if (json_is_object(names) && json_object_size(names) == 0)
		n = 0;   /* an empty Lua table */
	else if (!json_is_array(names)) {
		policy_error(err, errlen, "suffix: expected a list of names (use todname() or policy.todnames())");
		return -EINVAL;
	}
	uint8_t *common = NULL;
	json_t *cj = json_object_get(j, "common");
	if (cj && !json_is_null(cj) && !(common = name_from_json(cj))) {
		policy_error(err, errlen, "suffix_common: invalid common suffix");
		return -EINVAL;
	}
	r->names = calloc(n ? n : 1, sizeof(*r->names));
	if (!r->names) {
		free(common);
		return -ENOMEM;
	}
	int ret = 0;
	for (size_t i = 0; i < n; ++i) {
		json_t *v = json_array_get(names, i);
		uint8_t *name = name_from_json(v);
		if (!name) {
			policy_error(err, errlen, "suffix: invalid name '%s'",
				     json_is_string(v) ? json_string_value(v) : "?");
			ret = -EINVAL;
			break;
		}
		const uint8_t *use = common ? suffix_with_common(name, common) : name;
		if (!use) {
			free(name);   /* outside the common suffix: can never match */
			continue;
		}
		if (use != name)
			memcpy(name, use, kr_dname_size(use));
		r->names[r->name_count++] = name;
	}
	free(common);
	return ret;
}

struct policy_rule *policy_ruleset_get(const struct policy_ruleset *rs, uint32_t id)
{
	for (uint32_t i = 0; i < rs->count; ++i)
		if (rs->rules[i]->id == id)
			return rs->rules[i];
	return NULL;
}

int policy_ruleset_add(struct policy_ruleset *rs, const char *json, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *j = json ? json_loads(json, JSON_DECODE_ANY, &jerr) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		policy_error(err, errlen, "invalid rule (use policy.all(), policy.suffix(), policy.pattern(), policy.rpz())");
		return -EINVAL;
	}
	struct policy_rule *r = calloc(1, sizeof(*r));
	int ret = r ? 0 : -ENOMEM;
	const char *filter = json_string_value(json_object_get(j, "filter"));
	if (ret == 0)
		ret = policy_action_parse(&r->act, json_object_get(j, "action"), err, errlen);
	if (ret == 0) {
		r->post = json_is_true(json_object_get(j, "post"));
		if (!filter) {
			policy_error(err, errlen, "invalid rule: no filter");
			ret = -EINVAL;
		} else if (strcmp(filter, "all") == 0) {
			r->filter = POLICY_F_ALL;
		} else if (strcmp(filter, "suffix") == 0) {
			r->filter = POLICY_F_SUFFIX;
			ret = rule_parse_suffix(r, j, err, errlen);
		} else if (strcmp(filter, "pattern") == 0) {
			r->filter = POLICY_F_PATTERN;
			const char *hex = json_string_value(json_object_get(j, "pattern"));
			size_t hlen = hex ? strlen(hex) : 0;
			r->pattern = malloc(hlen / 2 + 1);
			int plen = r->pattern && hex ? hex_decode(hex, (uint8_t *)r->pattern, hlen / 2 + 1) : -1;
			char why[128];
			if (plen < 0) {
				policy_error(err, errlen, "pattern: expected a string");
				ret = -EINVAL;
			} else if (policy_pattern_check(r->pattern, (size_t)plen, why, sizeof(why)) != 0) {
				policy_error(err, errlen, "pattern: %s", why);
				ret = -EINVAL;
			}
			r->pattern_len = plen < 0 ? 0 : (size_t)plen;
		} else if (strcmp(filter, "rpz") == 0) {
			r->filter = POLICY_F_RPZ;
			const char *path = json_string_value(json_object_get(j, "file"));
			r->watch = json_is_true(json_object_get(j, "watch"));
			r->rpz = path ? policy_rpz_load(path, err, errlen) : NULL;
			if (!path)
				policy_error(err, errlen, "rpz: expected a file name");
			if (!r->rpz)
				ret = -EINVAL;
		} else {
			policy_error(err, errlen, "unknown filter '%s'", filter);
			ret = -EINVAL;
		}
	}
	json_decref(j);
	if (ret == 0 && r->act.type == POLICY_LOCAL)
		ret = -EINVAL;
	if (ret == 0) {
		r->id = rs->next_id;
		ret = ptr_push(&rs->rules, &rs->count, &rs->cap, r);
		if (ret == 0) {
			++rs->next_id;
			rs->post_count += r->post;
			ret = index_rule(rs, r);
			if (ret != 0) {
				--rs->count;
				rs->post_count -= r->post;
				reindex(rs);
			}
		}
	}
	if (ret != 0) {
		rule_free(r);
		return ret;
	}
	return (int)r->id;
}

int policy_ruleset_del(struct policy_ruleset *rs, uint32_t id)
{
	for (uint32_t i = 0; i < rs->count; ++i) {
		if (rs->rules[i]->id != id)
			continue;
		struct policy_rule *r = rs->rules[i];
		memmove(&rs->rules[i], &rs->rules[i + 1], (rs->count - i - 1) * sizeof(r));
		--rs->count;
		rs->post_count -= r->post;
		reindex(rs);
		rule_free(r);
		return 0;
	}
	return -ENOENT;
}

/* --- matching --- */

static const uint8_t root_name[1] = { 0 };
static const struct policy_action act_pass = { .type = POLICY_PASS };
static const struct policy_action act_nodata = { .type = POLICY_NODATA };
static const struct policy_action act_no_answer = { .type = POLICY_NO_ANSWER };
static const struct policy_action act_tc = { .type = POLICY_TC };
static const struct policy_action act_local = { .type = POLICY_LOCAL };

/** Does a non-suffix rule match? Fills m. */
static bool other_match(struct policy_rule *r, const uint8_t *lname, size_t len, struct policy_match *m)
{
	m->rule = r;
	m->act = &r->act;
	m->entry = NULL;
	m->zone = root_name;
	switch (r->filter) {
	case POLICY_F_ALL:
		return true;
	case POLICY_F_PATTERN:
		return policy_pattern_find((const char *)lname, len, r->pattern, r->pattern_len, NULL, NULL);
	case POLICY_F_RPZ: {
		const struct policy_rpz_entry *e = r->rpz ? policy_rpz_match(r->rpz, lname, &m->zone) : NULL;
		if (!e)
			return false;
		m->entry = e;
		switch (e->type) {
		case POLICY_DENY: m->act = &r->act; break;   /* CNAME . : the rule's own action */
		case POLICY_NODATA: m->act = &act_nodata; break;
		case POLICY_PASS: m->act = &act_pass; break;
		case POLICY_NO_ANSWER: m->act = &act_no_answer; break;
		case POLICY_TC: m->act = &act_tc; break;
		default: m->act = &act_local; break;
		}
		return true;
	}
	default:
		return false;
	}
}

/** One suffix hit: the rule and the suffix that matched (for the SOA owner). */
struct hit {
	struct policy_rule *rule;
	const uint8_t *zone;
};

static int hitz_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->rule->id != y->rule->id)
		return x->rule->id < y->rule->id ? -1 : 1;
	/* The same rule under two suffixes: the longer (closer) suffix first. */
	return x->zone < y->zone ? -1 : x->zone > y->zone;
}

unsigned policy_ruleset_eval(struct policy_ruleset *rs, const uint8_t *qname, bool post,
			     policy_match_cb cb, void *baton)
{
	uint32_t phase_rules = post ? rs->post_count : rs->count - rs->post_count;
	if (!phase_rules)
		return 0;
	uint8_t lname[KR_DNAME_MAXLEN];
	size_t len = policy_name_lower(lname, qname);
	/* Suffix rules: one lookup per label. */
	struct hit hits[HITS_MAX];
	unsigned nhits = 0;
	if (rs->suffixes.count) {
		for (const uint8_t *s = lname;; s += *s + 1) {
			size_t slen = len - (size_t)(s - lname);
			void **v = policy_names_find(&rs->suffixes, s, slen, policy_names_hash(s, slen));
			struct policy_rule_list *l = v ? *v : NULL;
			for (uint32_t i = 0; l && i < l->count && nhits < HITS_MAX; ++i)
				if (l->rules[i]->post == post)
					hits[nhits++] = (struct hit){ l->rules[i], s };
			if (*s == 0)
				break;
		}
		if (nhits > 1)
			qsort(hits, nhits, sizeof(hits[0]), hitz_cmp);
	}
	/* Merge with the other rules, in rule order. */
	unsigned matched = 0, h = 0;
	uint32_t o = 0;
	struct policy_match m;
	while (h < nhits || o < rs->other_count) {
		struct policy_rule *next_other = o < rs->other_count ? rs->other[o] : NULL;
		if (h < nhits && (!next_other || hits[h].rule->id < next_other->id)) {
			struct hit *x = &hits[h++];
			while (h < nhits && hits[h].rule == x->rule)
				++h;   /* one match per rule */
			m = (struct policy_match){ .rule = x->rule, .act = &x->rule->act, .zone = x->zone };
		} else {
			++o;
			if (next_other->post != post || !other_match(next_other, lname, len, &m))
				continue;
		}
		++matched;
		++m.rule->hits;
		if (cb(&m, baton))
			break;
	}
	return matched;
}
