/* SPDX-License-Identifier: GPL-3.0-or-later */
/* YAML text to a tree of nodes with libyaml's event parser: one document,
 * no anchors, aliases or tags, no duplicate keys, bounded nesting. */
#include <errno.h>
#include <string.h>
#include <yaml.h>
#include "config/yaml.h"

/** Deeper nesting than any schema needs is refused (and bounds the recursion of the checks). */
#define MAX_DEPTH 32

struct builder {
	struct kr_yaml_ctx *ctx;
	const uint8_t *text;
	size_t len;
	struct kr_yaml_node *stack[MAX_DEPTH];
	size_t caps[MAX_DEPTH];
	int depth;
	struct kr_yaml_node *root;
	int documents;
	bool failed;
};

/** Line and column (1-based) of a byte offset. */
static void offset_place(const struct builder *b, size_t offset, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && i < b->len; ++i) {
		if (b->text[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

static void fail(struct builder *b, int line, int col, const char *fmt, const char *arg)
{
	if (!b->failed)
		kr__yaml_error_at(b->ctx, line, col, "", fmt, arg);
	b->failed = true;
}

/** Report what libyaml refused, in words a user can act on. */
static void parser_error(struct builder *b, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR) {
		fail(b, 1, 1, "%s", "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		int line, col;
		offset_place(b, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			kr__yaml_error_at(b->ctx, line, col, "", "not a text file: %s (byte 0x%02X)",
					  p->problem, (unsigned)p->problem_value & 0xff);
		else
			kr__yaml_error_at(b->ctx, line, col, "", "not a text file: %s", p->problem);
		b->failed = true;
		return;
	}
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	size_t at = p->problem_mark.index;
	if (at < b->len && b->text[at] == '\t') {
		fail(b, line, col, "%s", "a tab character: YAML indents with spaces only");
		return;
	}
	char msg[512];
	if (p->context)
		snprintf(msg, sizeof(msg), "%s %s (line %d, column %d)", p->problem ? p->problem : "invalid YAML",
			 p->context, (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		snprintf(msg, sizeof(msg), "%s", p->problem ? p->problem : "invalid YAML");
	fail(b, line, col, "invalid YAML: %s", msg);
}

static struct kr_yaml_node *new_node(struct builder *b, enum kr_yaml_kind kind, const yaml_mark_t *m)
{
	struct kr_yaml_node *n = kr_mm_calloc(b->ctx->mm, sizeof(*n));
	if (!n) {
		fail(b, 1, 1, "%s", "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

/** Add a finished node to the open collection (or make it the root). */
static void attach(struct builder *b, struct kr_yaml_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return;
	}
	struct kr_yaml_node *parent = b->stack[b->depth - 1];
	size_t *cap = &b->caps[b->depth - 1];
	kr_mm_t *mm = b->ctx->mm;
	if (parent->kind == KR_YAML_MAP) {
		/* keys[count] is set while the value is pending */
		if (!parent->keys || parent->keys[parent->count] == NULL) {
			if (n->kind != KR_YAML_SCALAR) {
				fail(b, n->line, n->col, "%s", "a key must be a plain word, not a list or mapping");
				return;
			}
			for (size_t i = 0; i < parent->count; ++i) {
				const struct kr_yaml_node *k = parent->keys[i];
				if (k->len == n->len && memcmp(k->text, n->text, n->len) == 0) {
					char where[64];
					snprintf(where, sizeof(where), "%d", k->line);
					kr__yaml_error_at(b->ctx, n->line, n->col, "", "duplicate key '%s' (first at line %s)",
							  n->text, where);
					b->failed = true;
					return;
				}
			}
			if (parent->count + 1 >= *cap) {
				size_t ncap = *cap ? *cap * 2 : 8;
				void *k = kr_mm_realloc(mm, parent->keys, ncap * sizeof(void *), *cap * sizeof(void *));
				void *v = k ? kr_mm_realloc(mm, parent->items, ncap * sizeof(void *), *cap * sizeof(void *)) : NULL;
				if (!k || !v) {
					fail(b, 1, 1, "%s", "out of memory");
					return;
				}
				parent->keys = k;
				parent->items = v;
				for (size_t i = *cap; i < ncap; ++i)
					parent->keys[i] = parent->items[i] = NULL;
				*cap = ncap;
			}
			parent->keys[parent->count] = n;
		} else {
			parent->items[parent->count++] = n;
		}
		return;
	}
	if (parent->count >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *v = kr_mm_realloc(mm, parent->items, ncap * sizeof(void *), *cap * sizeof(void *));
		if (!v) {
			fail(b, 1, 1, "%s", "out of memory");
			return;
		}
		parent->items = v;
		*cap = ncap;
	}
	parent->items[parent->count++] = n;
}

/** Anchors and tags have no meaning in kresd's schema: refuse them. */
static bool plain_node(struct builder *b, const yaml_event_t *e, const yaml_char_t *anchor,
		       const yaml_char_t *tag, bool implicit_tag)
{
	int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
	if (anchor) {
		fail(b, line, col, "anchors (&%s) are not supported", (const char *)anchor);
		return false;
	}
	if (tag && !implicit_tag) {
		fail(b, line, col, "tags (%s) are not supported", (const char *)tag);
		return false;
	}
	return true;
}

static void on_event(struct builder *b, const yaml_event_t *e)
{
	int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			fail(b, line, col, "%s", "more than one YAML document (a second '---')");
		break;
	case YAML_ALIAS_EVENT:
		fail(b, line, col, "aliases (*%s) are not supported", (const char *)e->data.alias.anchor);
		break;
	case YAML_SCALAR_EVENT: {
		const yaml_char_t *tag = e->data.scalar.tag;
		if (!plain_node(b, e, e->data.scalar.anchor, tag,
				e->data.scalar.plain_implicit || e->data.scalar.quoted_implicit))
			break;
		struct kr_yaml_node *n = new_node(b, KR_YAML_SCALAR, &e->start_mark);
		if (!n)
			break;
		n->len = e->data.scalar.length;
		n->text = kr_mm_memdup(b->ctx->mm, e->data.scalar.value, n->len + 1);
		n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->literal = e->data.scalar.style == YAML_LITERAL_SCALAR_STYLE;
		if (!n->text) {
			fail(b, 1, 1, "%s", "out of memory");
			break;
		}
		attach(b, n);
		break;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = e->type == YAML_SEQUENCE_START_EVENT;
		if (!plain_node(b, e, seq ? e->data.sequence_start.anchor : e->data.mapping_start.anchor,
				seq ? e->data.sequence_start.tag : e->data.mapping_start.tag,
				seq ? e->data.sequence_start.implicit : e->data.mapping_start.implicit))
			break;
		if (b->depth == MAX_DEPTH) {
			fail(b, line, col, "%s", "nested deeper than 32 levels");
			break;
		}
		struct kr_yaml_node *n = new_node(b, seq ? KR_YAML_SEQ : KR_YAML_MAP, &e->start_mark);
		if (!n)
			break;
		attach(b, n);
		if (b->failed)
			break;
		b->caps[b->depth] = 0;
		b->stack[b->depth++] = n;
		break;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			--b->depth;
		break;
	default:
		break;
	}
}

struct kr_yaml_node *kr__yaml_parse(struct kr_yaml_ctx *ctx, const uint8_t *text, size_t len, bool *failed)
{
	struct builder b = { .ctx = ctx, .text = text, .len = len };
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		*failed = true;
		return NULL;
	}
	yaml_parser_set_input_string(&p, text, len);
	for (bool done = false; !done && !b.failed;) {
		yaml_event_t e;
		if (!yaml_parser_parse(&p, &e)) {
			parser_error(&b, &p);
			break;
		}
		on_event(&b, &e);
		done = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	*failed = b.failed;
	return b.failed ? NULL : b.root;
}
