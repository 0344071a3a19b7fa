/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of config/yaml_tree.c: YAML text to nodes, and what it refuses. */
#include "tests/unit/config/yaml_check.h"

static const struct kr_yaml_node *parse(const char *text, bool *failed)
{
	return kr__yaml_parse(&ctx, (const uint8_t *)text, strlen(text), failed);
}

/** Parse text that must fail; @return the error text (then forgotten). */
static const char *refused(const char *text)
{
	bool failed = false;
	ck_assert_ptr_null(parse(text, &failed));
	ck_assert(failed);
	return yaml_errors();
}

START_TEST(structure)
{
	bool failed = false;
	const struct kr_yaml_node *root = parse("# c\nnetwork:\n  listen:\n    - interface: '::1'\n      port: 53\n"
						"lua:\n  script: |\n    x = 1\n", &failed);
	ck_assert(!failed);
	ck_assert_int_eq(root->kind, KR_YAML_MAP);
	ck_assert_uint_eq(root->count, 2);
	ck_assert_str_eq(root->keys[0]->text, "network");
	ck_assert_int_eq(root->keys[0]->line, 2);
	const struct kr_yaml_node *listen = kr__yaml_get(kr__yaml_get(root, "network"), "listen");
	ck_assert_int_eq(listen->kind, KR_YAML_SEQ);
	ck_assert_uint_eq(listen->count, 1);
	const struct kr_yaml_node *iface = kr__yaml_get(listen->items[0], "interface");
	ck_assert_str_eq(iface->text, "::1");
	ck_assert(!iface->plain);
	ck_assert_int_eq(iface->line, 4);
	ck_assert_int_eq(iface->col, 18);
	const struct kr_yaml_node *port = kr__yaml_get(listen->items[0], "port");
	ck_assert(port->plain && strcmp(port->text, "53") == 0);
	const struct kr_yaml_node *script = kr__yaml_get(kr__yaml_get(root, "lua"), "script");
	ck_assert(script->literal);
	ck_assert_int_eq(script->line, 7);
	ck_assert_str_eq(script->text, "x = 1\n");
}
END_TEST

START_TEST(empty)
{
	bool failed = true;
	ck_assert_ptr_null(parse("", &failed));
	ck_assert(!failed);
	ck_assert_ptr_null(parse("# only a comment\n", &failed));
	ck_assert(!failed);
}
END_TEST

START_TEST(refusals)
{
	ck_assert_str_eq(refused("a: 1\nb: 2\na: 3\n"), "t.yaml:3:1: duplicate key 'a' (first at line 1)\n");
	ck_assert_str_eq(refused("a: &x 1\nb: *x\n"), "t.yaml:1:4: anchors (&x) are not supported\n");
	ck_assert_str_eq(refused("a: 1\n---\nb: 2\n"), "t.yaml:2:1: more than one YAML document (a second '---')\n");
	ck_assert_str_eq(refused("a:\n\tb: 1\n"), "t.yaml:2:1: a tab character: YAML indents with spaces only\n");
	ck_assert_str_eq(refused("a: \x01\n"), "t.yaml:1:4: not a text file: control characters are not allowed (byte 0x01)\n");
	ck_assert_str_eq(refused("? {a: 1}\n: 2\n"), "t.yaml:1:3: a key must be a plain word, not a list or mapping\n");
}
END_TEST

START_TEST(depth)
{
	char text[200];
	bool failed = false;
	/* 32 levels are fine, 33 are not */
	snprintf(text, sizeof(text), "a: %.31s%.31s\n", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	ck_assert_ptr_nonnull(parse(text, &failed));
	ck_assert(!failed);
	snprintf(text, sizeof(text), "a: %.32s%.32s\n", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	ck_assert_str_eq(refused(text), "t.yaml:1:35: nested deeper than 32 levels\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("yaml_tree");
	unit_tcase(s, "kr__yaml_parse", &yaml_fx, structure, empty, refusals, depth);
	return unit_run(s);
}
