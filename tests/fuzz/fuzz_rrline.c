/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the record text parser (hosts, root hints, trust anchors,
 * RPZ all go through it). Whatever parses must print and parse back to the
 * same RDATA.
 */
#include <stdlib.h>
#include <string.h>
#include <kres/kres.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	struct kr_arena *arena = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(arena);
	kr_rrset_t rr;
	if (kr_rrset_from_str(&rr, line, NULL, 3600, mm) == 0) {
		static char text[128 * 1024];
		if (kr_rrset_to_str(&rr, text, sizeof(text)) < 0)
			abort();
		kr_rrset_t back;
		if (kr_rrset_from_str(&back, text, NULL, 3600, mm) != 0)
			abort();
		const struct kr_rdata *a = kr_rdataset_first(&rr.rrs), *b = kr_rdataset_first(&back.rrs);
		if (back.type != rr.type || back.ttl != rr.ttl || !kr_dname_eq(back.owner, rr.owner) ||
		    a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
			abort();
	}
	kr_arena_delete(arena);
	free(line);
	return 0;
}
