/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Root hints: compiled-in IANA defaults, named.root files, the address service. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "plugins/hints/hints-impl.h"

#define ROOT_FILE_TTL 3600000
#define ROOT_LINE_MAX 4096

/* https://www.internic.net/domain/named.root (IANA), as of 2024. */
static const struct {
	const char *name, *v4, *v6;
} iana_roots[] = {
	{ "a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30" },
	{ "b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b" },
	{ "c.root-servers.net.", "192.33.4.12", "2001:500:2::c" },
	{ "d.root-servers.net.", "199.7.91.13", "2001:500:2d::d" },
	{ "e.root-servers.net.", "192.203.230.10", "2001:500:a8::e" },
	{ "f.root-servers.net.", "192.5.5.241", "2001:500:2f::f" },
	{ "g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d" },
	{ "h.root-servers.net.", "198.97.190.53", "2001:500:1::53" },
	{ "i.root-servers.net.", "192.36.148.17", "2001:7fe::53" },
	{ "j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30" },
	{ "k.root-servers.net.", "193.0.14.129", "2001:7fd::1" },
	{ "l.root-servers.net.", "199.7.83.42", "2001:500:9f::42" },
	{ "m.root-servers.net.", "202.12.27.33", "2001:dc3::35" },
};

void hints_root_init(struct hints_root *r)
{
	memset(r, 0, sizeof(*r));
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL) * 6364136223846793005ull ^ (uint64_t)getpid();
	r->rng = seed | 1;   /* xorshift state must not be 0 */
}

void hints_root_clear(struct hints_root *r)
{
	for (uint32_t i = 0; i < r->ns_count; ++i) {
		free(r->ns[i].name);
		free(r->ns[i].addrs);
	}
	free(r->ns);
	free(r->sa);
	uint64_t rng = r->rng;
	memset(r, 0, sizeof(*r));
	r->rng = rng;
}

void hints_root_move(struct hints_root *dst, struct hints_root *src)
{
	hints_root_clear(dst);
	uint64_t rng = dst->rng;
	*dst = *src;
	dst->rng = rng;
	memset(src, 0, sizeof(*src));
	src->rng = rng | 1;
}

/** The server entry of name, appended when missing. @return it or NULL (no memory). */
static struct hints_root_ns *ns_get(struct hints_root *r, const uint8_t *name)
{
	for (uint32_t i = 0; i < r->ns_count; ++i)
		if (kr_dname_eq(r->ns[i].name, name))
			return &r->ns[i];
	struct hints_root_ns *ns = realloc(r->ns, (r->ns_count + 1) * sizeof(*ns));
	if (!ns)
		return NULL;
	r->ns = ns;
	ns = &r->ns[r->ns_count];
	memset(ns, 0, sizeof(*ns));
	ns->name = kr_dname_copy(name, NULL);
	if (!ns->name)
		return NULL;
	kr_dname_lower(ns->name);
	++r->ns_count;
	return ns;
}

static void sockaddr_from(union kr_sockaddr *sa, const struct hints_addr *a)
{
	memset(sa, 0, sizeof(*sa));
	if (a->family == AF_INET) {
		sa->ip4.sin_family = AF_INET;
		sa->ip4.sin_port = htons(53);
		memcpy(&sa->ip4.sin_addr, a->bytes, 4);
	} else {
		sa->ip6.sin6_family = AF_INET6;
		sa->ip6.sin6_port = htons(53);
		memcpy(&sa->ip6.sin6_addr, a->bytes, 16);
	}
}

int hints_root_add(struct hints_root *r, const uint8_t *name, const struct hints_addr *addr)
{
	struct hints_root_ns *ns = ns_get(r, name);
	if (!ns)
		return -ENOMEM;
	for (uint16_t i = 0; i < ns->count; ++i)
		if (ns->addrs[i].family == addr->family &&
		    memcmp(ns->addrs[i].bytes, addr->bytes, hints_addr_len(addr)) == 0)
			return 0;
	if (ns->count == UINT16_MAX)
		return -ENOMEM;
	struct hints_addr *addrs = realloc(ns->addrs, (ns->count + 1) * sizeof(*addrs));
	if (!addrs)
		return -ENOMEM;
	ns->addrs = addrs;
	union kr_sockaddr *sa = realloc(r->sa, (r->sa_count + 1) * sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	r->sa = sa;
	ns->addrs[ns->count++] = *addr;
	sockaddr_from(&r->sa[r->sa_count++], addr);
	return 0;
}

int hints_root_defaults(struct hints_root *r)
{
	for (size_t i = 0; i < sizeof(iana_roots) / sizeof(iana_roots[0]); ++i) {
		uint8_t name[KR_DNAME_MAXLEN];
		struct hints_addr v4, v6;
		if (kr_dname_from_str(name, sizeof(name), iana_roots[i].name) < 0 ||
		    hints_addr_parse(iana_roots[i].v4, &v4) != 0 ||
		    hints_addr_parse(iana_roots[i].v6, &v6) != 0)
			return -EINVAL;
		int ret = hints_root_add(r, name, &v4);
		if (ret == 0)
			ret = hints_root_add(r, name, &v6);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static uint64_t rng_next(struct hints_root *r)
{
	uint64_t x = r->rng;   /* xorshift64 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->rng = x;
	return x;
}

int hints_root_get(struct hints_root *r, union kr_sockaddr *out, int max)
{
	if (!out || max <= 0)
		return 0;
	uint32_t n = r->sa_count < (uint32_t)max ? r->sa_count : (uint32_t)max;
	/* Partial Fisher-Yates in place: the stored order does not matter. */
	for (uint32_t i = 0; i < n; ++i) {
		uint32_t j = i + (uint32_t)(rng_next(r) % (r->sa_count - i));
		union kr_sockaddr tmp = r->sa[i];
		r->sa[i] = r->sa[j];
		r->sa[j] = tmp;
		out[i] = r->sa[i];
	}
	return (int)n;
}

/* --- named.root files --- */

/** Cut a ';' comment and trailing space; @return whether anything is left. */
static bool line_trim(char *line)
{
	char *semi = strchr(line, ';');
	if (semi)
		*semi = '\0';
	size_t len = strlen(line);
	while (len && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	for (const char *p = line; *p; ++p)
		if (!isspace((unsigned char)*p))
			return true;
	return false;
}

/**
 * Parse one record line; a line starting with a blank repeats the previous
 * owner (zone file convention), kept in prev_owner.
 * @return 0 or the kr_rrset_from_str() error.
 */
static int root_line(struct hints_root *r, const char *line, char *prev_owner,
		     size_t prev_len, kr_mm_t *mm)
{
	char buf[ROOT_LINE_MAX + KR_DNAME_MAXTEXT + 2];
	if (isspace((unsigned char)line[0]) && prev_owner[0]) {
		snprintf(buf, sizeof(buf), "%s %s", prev_owner, line);
	} else {
		snprintf(buf, sizeof(buf), "%s", line);
		size_t owner_len = strcspn(line, " \t");
		if (owner_len < prev_len)
			snprintf(prev_owner, prev_len, "%.*s", (int)owner_len, line);
	}
	kr_rrset_t rr;
	int ret = kr_rrset_from_str(&rr, buf, NULL, ROOT_FILE_TTL, mm);
	if (ret != 0)
		return ret;
	if (rr.rclass != KR_CLASS_IN || (rr.type != KR_TYPE_A && rr.type != KR_TYPE_AAAA))
		return 0;
	const struct kr_rdata *rd = kr_rdataset_first(&rr.rrs);
	struct hints_addr addr = { .family = rr.type == KR_TYPE_A ? AF_INET : AF_INET6 };
	if (!rd || rd->len != hints_addr_len(&addr))
		return KR_EMALF;
	memcpy(addr.bytes, rd->data, rd->len);
	return hints_root_add(r, rr.owner, &addr);
}

/** Parse every line of f into r. @return 0, or an error with err set. */
static int root_parse(struct hints_root *r, FILE *f, const char *path, char *err, size_t errlen)
{
	struct kr_arena *arena = kr_arena_new(0);
	if (!arena)
		return -ENOMEM;
	char line[ROOT_LINE_MAX], prev_owner[KR_DNAME_MAXTEXT] = "";
	unsigned lineno = 0;
	int ret = 0;
	while (fgets(line, sizeof(line), f)) {
		++lineno;
		if (!strchr(line, '\n') && !feof(f)) {
			hints_error(err, errlen, "%s:%u: line too long", path, lineno);
			ret = KR_EMALF;
			break;
		}
		if (!line_trim(line))
			continue;
		ret = root_line(r, line, prev_owner, sizeof(prev_owner), kr_arena_mm(arena));
		if (ret != 0) {
			hints_error(err, errlen, "%s:%u: bad record (%s): %s",
				    path, lineno, kr_strerror(ret), line);
			break;
		}
		kr_arena_reset(arena);
	}
	kr_arena_delete(arena);
	return ret;
}

int hints_root_load_file(struct hints_root *r, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int ret = -errno;
		hints_error(err, errlen, "%s: cannot read root hints: %s", path, kr_strerror(ret));
		return ret;
	}
	int ret = root_parse(r, f, path, err, errlen);
	fclose(f);
	if (ret == 0 && r->sa_count == 0) {
		hints_error(err, errlen, "%s: no A or AAAA record of a root server", path);
		ret = -ENOENT;
	}
	if (ret == 0)
		kr_log_info(hints, "loaded %u root servers with %u addresses from %s",
			    r->ns_count, r->sa_count, path);
	return ret;
}
