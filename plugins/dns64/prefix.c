/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Address math of the dns64 plugin: subnets, synthesis (RFC 6052 /96), reverse names. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/dns64/dns64-impl.h"

static void subnet_mask(struct dns64_subnet *s)
{
	for (unsigned i = 0; i < 16; ++i) {
		unsigned bits = i * 8;
		if (bits >= s->len)
			s->addr[i] = 0;
		else if (bits + 8 > s->len)
			s->addr[i] &= (uint8_t)(0xff << (8 - (s->len - bits)));
	}
}

int dns64_subnet_parse(const char *text, bool as_prefix, struct dns64_subnet *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	long len = as_prefix ? 96 : 128;
	char *slash = strchr(buf, '/');
	if (slash) {
		char *end = NULL;
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || len < 0 || len > 128)
			return -EINVAL;
	}
	struct dns64_subnet s = { .len = (uint8_t)len };
	if (inet_pton(AF_INET6, buf, s.addr) != 1)
		return -EINVAL;
	subnet_mask(&s);
	*out = s;
	return 0;
}

bool dns64_subnet_has(const struct dns64_subnet *s, const uint8_t *addr)
{
	unsigned full = s->len / 8, rest = s->len % 8;
	if (memcmp(s->addr, addr, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == s->addr[full];
}

bool dns64_excluded(const struct dns64 *d, const uint8_t *addr)
{
	for (unsigned i = 0; i < d->exclude_count; ++i)
		if (dns64_subnet_has(&d->exclude[i], addr))
			return true;
	return false;
}

void dns64_synth(const struct dns64 *d, const uint8_t *v4, uint8_t *out)
{
	memcpy(out, d->prefix.addr, 12);
	memcpy(out + 12, v4, 4);
}

void dns64_defaults(struct dns64 *d)
{
	memset(d, 0, sizeof(*d));
	dns64_subnet_parse(DNS64_DEFAULT_PREFIX, true, &d->prefix);
	d->rev_ttl = DNS64_DEFAULT_REV_TTL;
	dns64_subnet_parse("::ffff:0:0/96", false, &d->exclude[0]);
	d->exclude_count = 1;
}

/** Value of a hex nibble label ("a" or "A"), or -1. */
static int nibble(const uint8_t *label)
{
	if (label[0] != 1)
		return -1;
	uint8_t c = label[1];
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dns64_reverse_target(const struct dns64 *d, const uint8_t *name, uint8_t *target)
{
	/* 32 nibble labels, least significant first, then ip6.arpa. */
	uint8_t addr[16] = { 0 };
	const uint8_t *p = name;
	for (int i = 31; i >= 0; --i) {
		int v = nibble(p);
		if (v < 0)
			return -ENOENT;
		addr[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
		p += 2;
	}
	static const uint8_t ip6_arpa[] = "\x03ip6\x04" "arpa";
	if (!kr_dname_eq(p, ip6_arpa) || !dns64_subnet_has(&d->prefix, addr))
		return -ENOENT;
	char text[32];
	snprintf(text, sizeof(text), "%u.%u.%u.%u.in-addr.arpa.", addr[15], addr[14], addr[13], addr[12]);
	return kr_dname_from_str(target, KR_DNAME_MAXLEN, text) < 0 ? -ENOENT : 0;
}

static int fail(char *err, size_t errlen, const char *msg, const char *what)
{
	snprintf(err, errlen, "%s%s%s", msg, what ? ": " : "", what ? what : "");
	return -EINVAL;
}

/** The prefix must be a /96 (the only length this plugin maps into). */
static int prefix_from(const char *text, struct dns64_subnet *out, char *err, size_t errlen)
{
	if (dns64_subnet_parse(text, true, out) != 0)
		return fail(err, errlen, "invalid prefix", text);
	if (out->len != 96)
		return fail(err, errlen, "only /96 prefixes are supported", text);
	return 0;
}

int dns64_configure(struct dns64 *d, const char *json, char *err, size_t errlen)
{
	struct dns64 n = *d;
	json_error_t jerr;
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, &jerr) : NULL;
	if (!v)
		return fail(err, errlen, "invalid configuration", NULL);
	int ret = 0;
	if (json_is_string(v)) {
		ret = prefix_from(json_string_value(v), &n.prefix, err, errlen);
	} else if (json_is_object(v)) {
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val) {
			if (!strcmp(key, "prefix")) {
				ret = json_is_string(val) ? prefix_from(json_string_value(val), &n.prefix, err, errlen)
							  : fail(err, errlen, "prefix must be a string", NULL);
			} else if (!strcmp(key, "rev_ttl")) {
				double t = json_number_value(val);
				if (!json_is_number(val) || t < 0 || t > INT32_MAX || t != (double)(int64_t)t)
					ret = fail(err, errlen, "rev_ttl must be a number of seconds", NULL);
				else
					n.rev_ttl = (uint32_t)t;
			} else if (!strcmp(key, "exclude_subnets")) {
				size_t i;
				json_t *item;
				if (!json_is_array(val) && !(json_is_object(val) && json_object_size(val) == 0)) {
					ret = fail(err, errlen, "exclude_subnets must be a list of subnets", NULL);
					break;
				}
				n.exclude_count = 0;
				json_array_foreach(val, i, item) {
					if (n.exclude_count == DNS64_EXCLUDE_MAX) {
						ret = fail(err, errlen, "too many exclude_subnets", NULL);
						break;
					}
					if (!json_is_string(item) ||
					    dns64_subnet_parse(json_string_value(item), false, &n.exclude[n.exclude_count]) != 0) {
						ret = fail(err, errlen, "invalid subnet in exclude_subnets",
							   json_is_string(item) ? json_string_value(item) : NULL);
						break;
					}
					++n.exclude_count;
				}
			} else {
				ret = fail(err, errlen, "unknown key", key);
			}
			if (ret)
				break;
		}
	} else {
		ret = fail(err, errlen, "expected a prefix or {prefix=..., rev_ttl=..., exclude_subnets={...}}", NULL);
	}
	json_decref(v);
	if (ret == 0)
		*d = n;
	return ret;
}
