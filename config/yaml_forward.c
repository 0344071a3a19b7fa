/* SPDX-License-Identifier: GPL-3.0-or-later */
/* forward: subtrees resolved by asking other resolvers (policy FORWARD, STUB, TLS_FORWARD). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/yaml.h"

/** policy.FORWARD takes 1 to 4 addresses. */
#define MAX_SERVERS 4

/** Check "addr", "addr@port" or "addr#port"; @return false with the error recorded. */
static bool server_address(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, const char **out)
{
	const char *s;
	if (!kr__yaml_string(ctx, n, path, &s))
		return false;
	char addr[128];
	snprintf(addr, sizeof(addr), "%s", s);
	char *sep = strpbrk(addr, "@#");
	if (sep) {
		char *end;
		long port = strtol(sep + 1, &end, 10);
		if (*end || sep[1] == '\0' || port < 1 || port > 65535) {
			kr__yaml_error(ctx, n, path, "the port after '%c' must be 1..65535", *sep);
			return false;
		}
		*sep = '\0';
	}
	uint8_t buf[16];
	if (inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1) {
		kr__yaml_error(ctx, n, path, "'%s' is not an IP address (with an optional @port)", addr);
		return false;
	}
	*out = s;
	return true;
}

/** One servers[] item into list (Lua text); @return how many addresses, -1 on error. */
static int server(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path,
		  struct kr_yaml_buf *list, bool *tls)
{
	static const char *const keys[] = { "address", "transport", "hostname", "ca-file", NULL };
	static const char *const transports[] = { "udp", "tls", NULL };
	const char *s;
	if (n->kind == KR_YAML_SCALAR) {
		if (!server_address(ctx, n, path, &s))
			return -1;
		kr__yaml_buf_printf(list, "%s%s", list->len ? ", " : "", kr__yaml_quote(ctx, s, n->len));
		return 1;
	}
	if (!kr__yaml_want_map(ctx, n, path) || !kr__yaml_check_keys(ctx, n, path, keys))
		return -1;
	const struct kr_yaml_node *addr = kr__yaml_get(n, "address"), *transport = kr__yaml_get(n, "transport");
	const struct kr_yaml_node *hostname = kr__yaml_get(n, "hostname"), *ca = kr__yaml_get(n, "ca-file");
	if (!addr) {
		kr__yaml_error(ctx, n, path, "missing key 'address'");
		return -1;
	}
	int t = 0;
	if (transport && (t = kr__yaml_enum(ctx, transport, kr__yaml_path_key(ctx, path, "transport"), transports)) < 0)
		return -1;
	*tls = t == 1;
	const char *extra = "";
	if (hostname || ca) {
		const char *h = NULL, *c = NULL;
		if (!*tls) {
			kr__yaml_error(ctx, hostname ? hostname : ca, path, "hostname and ca-file need 'transport: tls'");
			return -1;
		}
		if ((hostname && !kr__yaml_dname(ctx, hostname, kr__yaml_path_key(ctx, path, "hostname"), &h)) ||
		    (ca && !kr__yaml_string(ctx, ca, kr__yaml_path_key(ctx, path, "ca-file"), &c)))
			return -1;
		char buf[4400];
		snprintf(buf, sizeof(buf), "%s%s%s%s", h ? ", hostname = " : "", h ? kr__yaml_quote(ctx, h, strlen(h)) : "",
			 c ? ", ca_file = " : "", c ? kr__yaml_quote(ctx, c, ca->len) : "");
		extra = kr_mm_memdup(ctx->mm, buf, strlen(buf) + 1);
		if (!extra)
			return -1;
	}
	const char *apath = kr__yaml_path_key(ctx, path, "address");
	const struct kr_yaml_node **items;
	int count = kr__yaml_scalar_list(ctx, addr, apath, &items);
	for (int i = 0; i < count; ++i) {
		const char *ipath = addr->kind == KR_YAML_SEQ ? kr__yaml_path_index(ctx, apath, (size_t)i) : apath;
		if (!server_address(ctx, items[i], ipath, &s))
			return -1;
		const char *q = kr__yaml_quote(ctx, s, items[i]->len);
		if (*tls)
			kr__yaml_buf_printf(list, "%s{ %s%s }", list->len ? ", " : "", q, extra);
		else
			kr__yaml_buf_printf(list, "%s%s", list->len ? ", " : "", q);
	}
	return count;
}

static void entry(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *e, const char *path)
{
	static const char *const keys[] = { "subtree", "servers", "options", NULL };
	static const char *const okeys[] = { "dnssec", NULL };
	if (!kr__yaml_want_map(ctx, e, path))
		return;
	kr__yaml_check_keys(ctx, e, path, keys);
	const struct kr_yaml_node *subtree = kr__yaml_get(e, "subtree"), *servers = kr__yaml_get(e, "servers");
	const struct kr_yaml_node *options = kr__yaml_get(e, "options");
	if (!subtree || !servers) {
		kr__yaml_error(ctx, e, path, "missing key '%s'", subtree ? "servers" : "subtree");
		return;
	}
	bool dnssec = true;
	const char *opath = kr__yaml_path_key(ctx, path, "options");
	if (options && kr__yaml_want_map(ctx, options, opath) && kr__yaml_check_keys(ctx, options, opath, okeys)) {
		const struct kr_yaml_node *d = kr__yaml_get(options, "dnssec");
		if (d)
			kr__yaml_bool(ctx, d, kr__yaml_path_key(ctx, opath, "dnssec"), &dnssec);
	}
	/* subtree: the names */
	struct kr_yaml_buf names = { 0 }, addrs = { 0 };
	const char *spath = kr__yaml_path_key(ctx, path, "subtree");
	const struct kr_yaml_node **items;
	int count = kr__yaml_scalar_list(ctx, subtree, spath, &items);
	bool ok = count > 0;
	for (int i = 0; i < count; ++i) {
		const char *name;
		if (kr__yaml_dname(ctx, items[i], subtree->kind == KR_YAML_SEQ ? kr__yaml_path_index(ctx, spath, (size_t)i) : spath, &name))
			kr__yaml_buf_printf(&names, "%s%s", i ? ", " : "", kr__yaml_quote(ctx, name, strlen(name)));
		else
			ok = false;
	}
	/* servers: addresses, all plain or all TLS */
	const char *vpath = kr__yaml_path_key(ctx, path, "servers");
	int total = 0, tls_count = 0;
	if (kr__yaml_want_seq(ctx, servers, vpath)) {
		if (servers->count == 0) {
			kr__yaml_error(ctx, servers, vpath, "the list must not be empty");
			ok = false;
		}
		for (size_t i = 0; i < servers->count; ++i) {
			bool tls = false;
			int n = server(ctx, servers->items[i], kr__yaml_path_index(ctx, vpath, i), &addrs, &tls);
			if (n < 0) {
				ok = false;
				continue;
			}
			total += n;
			tls_count += tls ? n : 0;
		}
	} else {
		ok = false;
	}
	if (ok && tls_count && tls_count != total) {
		kr__yaml_error(ctx, servers, vpath, "mixes TLS and plain servers: make one forward entry for each");
		ok = false;
	}
	if (ok && total > MAX_SERVERS) {
		kr__yaml_error(ctx, servers, vpath, "%d addresses: at most %d per forward entry", total, MAX_SERVERS);
		ok = false;
	}
	if (names.failed || addrs.failed)
		ctx->lua.failed = true;
	else if (ok)
		kr__yaml_emit(ctx, e, path, "policy.add(policy.suffix(policy.%s({ %s }), policy.todnames({ %s })))\n",
			      tls_count ? "TLS_FORWARD" : dnssec ? "FORWARD" : "STUB", addrs.data, names.data);
	free(names.data);
	free(addrs.data);
}

void kr__yaml_forward(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	if (!kr__yaml_want_seq(ctx, n, "forward"))
		return;
	for (size_t i = 0; i < n->count; ++i)
		entry(ctx, n->items[i], kr__yaml_path_index(ctx, "forward", i));
}
