/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/yaml_translate.c and the sections (config/yaml_network.c,
 * yaml_cache.c, yaml_dnssec.c, yaml_forward.c, yaml_local_data.c, yaml_views.c,
 * yaml_modules.c): the Lua each section stands for, and the corpus of broken
 * files in tests/unit/config/yaml/ (NAME.yaml and its expected errors NAME.err).
 */
#include <dirent.h>
#include "tests/unit/config/yaml_check.h"

#ifndef YAML_CORPUS
#error "YAML_CORPUS (the directory of the broken files) must be defined"
#endif

/** Translate text that must be valid; @return the Lua. */
static const char *lua_of(const char *yaml)
{
	kr__yaml_lua_free(&out);
	int ret = kr__yaml_translate(&out, "t.yaml", (const uint8_t *)yaml, strlen(yaml));
	ck_assert_msg(ret == 0, "translation failed (%d):\n%s", ret, out.errors ? out.errors : "");
	ck_assert_ptr_null(out.errors);
	return out.code;
}

/** Translate text that must be refused; @return the errors. */
static const char *errors_of(const char *yaml)
{
	kr__yaml_lua_free(&out);
	ck_assert_int_eq(kr__yaml_translate(&out, "t.yaml", (const uint8_t *)yaml, strlen(yaml)), -EINVAL);
	ck_assert_ptr_null(out.code);
	return out.errors;
}

#define ck_has(code, part) ck_assert_msg(strstr((code), (part)) != NULL, "'%s' not in:\n%s", (part), (code))

START_TEST(network)
{
	const char *lua = lua_of("network:\n"
				 "  listen:\n"
				 "    - interface: [127.0.0.1, '::1']\n"
				 "      port: 5353\n"
				 "    - interface: 192.0.2.1@8853\n"
				 "      kind: dot\n"
				 "    - interface: lo\n"
				 "  do-ipv6: false\n"
				 "  out-interface-v4: 192.0.2.9\n"
				 "  tcp-pipeline: 100\n"
				 "  edns-buffer-size: {upstream: 1232B}\n"
				 "  tls: {cert-file: c.pem, key-file: k.pem, padding: 128}\n");
	ck_has(lua, "net.listen('127.0.0.1', 5353)\nnet.listen('::1', 5353)\n");
	ck_has(lua, "net.listen('192.0.2.1', 8853, { kind = 'tls' })\n");
	ck_has(lua, "net.listen(net['lo'] or error('no network interface \\'lo\\''), 53)\n");
	ck_has(lua, "net.ipv6 = false\n");
	ck_has(lua, "net.outgoing_v4('192.0.2.9')\n");
	ck_has(lua, "net.tcp_pipeline(100)\n");
	ck_has(lua, "net.bufsize(1232)\n");
	ck_has(lua, "net.tls('c.pem', 'k.pem')\nnet.tls_padding(128)\n");
	/* hex letters alone make a name, with digits and dots an address */
	ck_has(lua_of("network: {listen: [{interface: dead}]}\n"), "net.listen(net['dead'] or error(");
	ck_has(errors_of("network: {listen: [{interface: 1.2.3}]}\n"), "'1.2.3' is not an IP address or an interface name");
	/* a DNS listener on 853 says so: net.listen() would take it for TLS */
	ck_has(lua_of("network: {listen: [{interface: 127.0.0.1, port: 853}]}\n"),
	       "net.listen('127.0.0.1', 853, { kind = 'dns' })\n");
}
END_TEST

START_TEST(cache)
{
	const char *lua = lua_of("cache:\n  storage: /var/cache/kresd\n  size-max: 200M\n  ttl-min: 10s\n  ttl-max: 2d\n");
	ck_has(lua, "cache.open(209715200, 'bdb:///var/cache/kresd')\ncache.max_ttl(172800)\ncache.min_ttl(10)\n");
	ck_has(lua_of("cache: {size-max: 1G}\n"), "cache.size = 1073741824\n");
	ck_has(lua_of("cache: {storage: bdb://.}\n"), "cache.storage = 'bdb://.'\n");
	ck_has(lua_of("cache: {answers-size-max: 16M}\n"), "worker.answer_cache(16777216)\n");
	ck_has(lua_of("cache: {answers-size-max: 0}\n"), "worker.answer_cache(0)\n");
	ck_has(errors_of("cache: {answers-size-max: 2G}\n"), "cache.answers-size-max");
}
END_TEST

START_TEST(dnssec)
{
	const char *lua = lua_of("dnssec:\n"
				 "  trust-anchors: ['. DS 20326 8 2 E06D44B8']\n"
				 "  trust-anchors-files: [{file: root.key, read-only: true}, other.key]\n"
				 "  negative-trust-anchors: [bad.lab, Example.org.]\n");
	ck_has(lua, "if not validate then modules.load('validate') end\n"
		    "trust_anchors.add('. DS 20326 8 2 E06D44B8')\n"
		    "trust_anchors.add_file('root.key', true)\n"
		    "trust_anchors.add_file('other.key', false)\n"
		    "trust_anchors.set_insecure({ 'bad.lab.', 'Example.org.' })\n");
	ck_has(lua_of("dnssec: false\n"), "if validate then modules.unload('validate') end\n");
	ck_has(lua_of("dnssec: true\n"), "if not validate then modules.load('validate') end\n");
}
END_TEST

START_TEST(forward)
{
	const char *lua = lua_of("forward:\n"
				 "  - subtree: [fwd.lab, Other.lab]\n"
				 "    servers: ['192.0.2.1@5353', '2001:db8::1#53']\n"
				 "  - subtree: stub.lab\n"
				 "    servers: [192.0.2.2]\n"
				 "    options: {dnssec: false}\n"
				 "  - subtree: .\n"
				 "    servers:\n"
				 "      - address: [192.0.2.3, 192.0.2.4@853]\n"
				 "        transport: tls\n"
				 "        hostname: dns.lab\n"
				 "        ca-file: /etc/ca.pem\n");
	ck_has(lua, "policy.add(policy.suffix(policy.FORWARD({ '192.0.2.1@5353', '2001:db8::1#53' }), "
		    "policy.todnames({ 'fwd.lab.', 'Other.lab.' })))\n");
	ck_has(lua, "policy.add(policy.suffix(policy.STUB({ '192.0.2.2' }), policy.todnames({ 'stub.lab.' })))\n");
	ck_has(lua, "policy.add(policy.suffix(policy.TLS_FORWARD({ { '192.0.2.3', hostname = 'dns.lab.', ca_file = '/etc/ca.pem' }, "
		    "{ '192.0.2.4@853', hostname = 'dns.lab.', ca_file = '/etc/ca.pem' } }), policy.todnames({ '.' })))\n");
}
END_TEST

START_TEST(local_data)
{
	const char *lua = lua_of("local-data:\n"
				 "  ttl: 1m\n"
				 "  addresses:\n"
				 "    router.lan: 192.0.2.1\n"
				 "    nas.lan: [192.0.2.2, '2001:db8::2']\n"
				 "  addresses-files: [/etc/hosts]\n"
				 "  records: |\n"
				 "    ; a comment\n"
				 "    WWW.lab. 300 A 192.0.2.7\n"
				 "    www.lab. TXT \"hi\"\n"
				 "    www.lab. 100 A 192.0.2.8\n"
				 "  rpz: [{file: block.rpz, watchdog: false}]\n");
	ck_has(lua, "hints.ttl(60)\n");
	ck_has(lua, "hints.set('router.lan. 192.0.2.1')\nhints.set('nas.lan. 192.0.2.2 2001:db8::2')\n");
	ck_has(lua, "hints.add_hosts('/etc/hosts')\n");
	/* one rule for the owner: both A records (the smaller TTL), the TXT with the default TTL */
	ck_has(lua, "-- www.lab.\npolicy.add(policy.pattern(policy.ANSWER({\n"
		    "\t[1] = { rdata = { '\\192\\000\\002\\007', '\\192\\000\\002\\008' }, ttl = 100 }, -- A\n"
		    "\t[16] = { rdata = { '\\002hi' }, ttl = 60 }, -- TXT\n"
		    "\t}, true), '^%\\003www%\\003lab%z$'))\n");
	ck_has(lua, "policy.add(policy.rpz(policy.DENY, 'block.rpz', false))\n");
}
END_TEST

START_TEST(views)
{
	const char *lua = lua_of("views:\n"
				 "  - subnets: [10.0.0.0/8, '2001:db8::/32']\n"
				 "    answer: refused\n"
				 "  - subnets: 127.0.0.1\n"
				 "    options: {minimize: false}\n"
				 "    answer: allow\n"
				 "  - subnets: 192.0.2.0/24\n"
				 "    answer: noanswer\n");
	ck_has(lua, "if not view then modules.load('view < policy') end\n"
		    "view:addr('10.0.0.0/8', policy.all(policy.REFUSE))\n"
		    "view:addr('2001:db8::/32', policy.all(policy.REFUSE))\n"
		    "view:addr('127.0.0.1', policy.all(policy.FLAGS('NO_MINIMIZE')))\n"
		    "view:addr('127.0.0.1', policy.all(policy.PASS))\n"
		    "view:addr('192.0.2.0/24', policy.all(policy.NO_ANSWER))\n");
}
END_TEST

START_TEST(modules)
{
	const char *lua = lua_of("modules:\n"
				 "  - stats\n"
				 "  - name: rebinding\n"
				 "    before: iterate\n"
				 "  - name: dns64\n"
				 "    options: {prefix: '64:ff9b::/96', rev_ttl: 300, list: [a, 1, true, ~], 'odd key': \"x'y\"}\n");
	ck_has(lua, "if not stats then modules.load('stats') end\n");
	ck_has(lua, "if not rebinding then modules.load('rebinding < iterate') end\n");
	ck_has(lua, "dns64.config({ prefix = '64:ff9b::/96', rev_ttl = 300, list = { 'a', 1, true, nil }, "
		    "['odd key'] = 'x\\'y' })\n");
}
END_TEST

START_TEST(small_sections)
{
	const char *lua = lua_of("workers: 3\nlogging: {level: debug}\nhostname: resolver1\n"
				 "lua:\n  script: |\n    a = 1\n    b = 2\n  script-file: extra.lua\n");
	ck_assert_int_eq(out.workers, 3);
	ck_assert_int_eq(out.workers_line, 1);
	ck_has(lua, "-- workers: 3 processes (kresd -f 3), started by kresd itself\n");
	ck_has(lua, "verbose(true)\n");
	ck_has(lua, "hostname('resolver1')\n");
	ck_has(lua, "a = 1\nb = 2\ndofile('extra.lua')\n");
	lua_of("logging: {level: info}\n");
	ck_has(out.code, "verbose(false)\n");
	lua_of("workers: auto\n");
	ck_assert_int_ge(out.workers, 1);
}
END_TEST

START_TEST(origins)
{
	lua_of("cache:\n  size-max: 10M\nlua:\n  script: |\n    x = 1\n\n    y = 2\n");
	/* the header is line 1; cache.size is line 2 of the Lua, from YAML line 2 */
	const struct kr_yaml_origin *o = kr__yaml_origin(&out, 2);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(o->line, 2);
	ck_assert_int_eq(o->col, 13);
	ck_assert_str_eq(o->path, "cache.size-max");
	/* the script's lines follow the YAML's lines */
	o = kr__yaml_origin(&out, 5);
	ck_assert(o->verbatim);
	ck_assert_str_eq(o->path, "lua.script");
	ck_assert_int_eq(o->line + (5 - o->lua_line), 7);
}
END_TEST

START_TEST(all_errors_reported)
{
	const char *e = errors_of("cache: {size-max: 1X}\nnetwork: {tcp-pipeline: -1}\nbogus: 1\n");
	ck_assert_str_eq(e, "t.yaml:1:19: cache.size-max: expected a size such as 100M (units B, K, M, G, T), got '1X'\n"
			    "t.yaml:2:25: network.tcp-pipeline: must be 1..65535\n"
			    "t.yaml:3:1: unknown key 'bogus' (known keys: workers, logging, hostname, network, cache, modules, "
			    "dnssec, local-data, forward, views or lua)\n");
	ck_assert_int_eq(out.error_count, 3);
}
END_TEST

/** The whole content of a file (malloc()ed) or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

START_TEST(corpus)
{
	DIR *d = opendir(YAML_CORPUS);
	ck_assert_msg(d != NULL, "cannot open %s", YAML_CORPUS);
	int checked = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
			continue;
		char path[1024], expected_path[1024];
		snprintf(path, sizeof(path), "%s/%s", YAML_CORPUS, e->d_name);
		snprintf(expected_path, sizeof(expected_path), "%s/%.*s.err", YAML_CORPUS, (int)(n - 5), e->d_name);
		size_t len, elen;
		char *text = slurp(path, &len), *expected = slurp(expected_path, &elen);
		ck_assert_msg(text && expected, "%s or its .err is missing", path);
		kr__yaml_lua_free(&out);
		int ret = kr__yaml_translate(&out, e->d_name, (const uint8_t *)text, len);
		ck_assert_msg(ret == -EINVAL, "%s: translated (%d), expected errors", e->d_name, ret);
		ck_assert_msg(strcmp(out.errors, expected) == 0, "%s: got\n%s\nexpected\n%s", e->d_name, out.errors, expected);
		free(text);
		free(expected);
		++checked;
	}
	closedir(d);
	ck_assert_int_ge(checked, 50);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("yaml_translate");
	unit_tcase(s, "kr__yaml_network", &yaml_fx, network);
	unit_tcase(s, "kr__yaml_cache", &yaml_fx, cache);
	unit_tcase(s, "kr__yaml_dnssec", &yaml_fx, dnssec);
	unit_tcase(s, "kr__yaml_forward", &yaml_fx, forward);
	unit_tcase(s, "kr__yaml_local_data", &yaml_fx, local_data);
	unit_tcase(s, "kr__yaml_views", &yaml_fx, views);
	unit_tcase(s, "kr__yaml_modules", &yaml_fx, modules);
	unit_tcase(s, "workers, logging, hostname, lua", &yaml_fx, small_sections);
	unit_tcase(s, "kr__yaml_origin", &yaml_fx, origins);
	unit_tcase(s, "kr__yaml_translate errors", &yaml_fx, all_errors_reported);
	unit_tcase(s, "broken files", &yaml_fx, corpus);
	return unit_run(s);
}
