/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The layout of every public struct of the plugin ABI, as of KR_PLUGIN_ABI 1
 * on x86_64. A change here without a bump of KR_PLUGIN_ABI would silently
 * break plugins built against the installed headers: when this test fails,
 * either restore the layout or bump the ABI and update the expectations
 * (appending members at the end of a struct the core allocates is compatible:
 * update the size and note it in NEWS).
 */
#include <stddef.h>
#include <stdio.h>
#include <kres/kres.h>

static int failures;

/* Signatures of functions added within ABI 1 (a plugin calling one needs a kresd that has it). */
_Static_assert(__builtin_types_compatible_p(__typeof__(kr_net_tcp_idle_ms), uint32_t (void)),
	       "kr_net_tcp_idle_ms() changed its signature: bump KR_PLUGIN_ABI");
_Static_assert(__builtin_types_compatible_p(__typeof__(kr_answer_cache_flush), void (void)),
	       "kr_answer_cache_flush() changed its signature: bump KR_PLUGIN_ABI");
_Static_assert(__builtin_types_compatible_p(__typeof__(kr_answer_cache_watch),
					    int (const void *, const volatile uint64_t *)),
	       "kr_answer_cache_watch() changed its signature: bump KR_PLUGIN_ABI");
_Static_assert(__builtin_types_compatible_p(__typeof__(kr_answer_cache_allow), bool (struct kr_plugin *)),
	       "kr_answer_cache_allow() changed its signature: bump KR_PLUGIN_ABI");

#define SIZE(type, expected) check(#type, "sizeof", sizeof(type), expected)
#define OFF(type, field, expected) check(#type, #field, offsetof(type, field), expected)

static void check(const char *type, const char *what, size_t got, size_t expected)
{
	if (got == expected)
		return;
	printf("FAIL: %s %s is %zu, ABI %d expects %zu\n", type, what, got, KR_PLUGIN_ABI, expected);
	++failures;
}

int main(void)
{
#if !defined(__x86_64__)
	printf("SKIP: ABI layout expectations are recorded for x86_64 only\n");
	return 77;
#else
	if (KR_PLUGIN_ABI != 1) {
		printf("FAIL: KR_PLUGIN_ABI is %d, the expectations below are for ABI 1: update them\n", KR_PLUGIN_ABI);
		return 1;
	}
	SIZE(kr_rdataset_t, 16);
	OFF(kr_rdataset_t, count, 0);
	OFF(kr_rdataset_t, size, 4);
	OFF(kr_rdataset_t, data, 8);
	SIZE(kr_rrset_t, 32);
	OFF(kr_rrset_t, owner, 0);
	OFF(kr_rrset_t, type, 8);
	OFF(kr_rrset_t, rclass, 10);
	OFF(kr_rrset_t, ttl, 12);
	OFF(kr_rrset_t, rrs, 16);
	SIZE(kr_pkt_t, 232);
	OFF(kr_pkt_t, wire, 0);
	OFF(kr_pkt_t, size, 8);
	OFF(kr_pkt_t, max_size, 16);
	OFF(kr_pkt_t, reserved, 24);
	OFF(kr_pkt_t, mm, 32);
	OFF(kr_pkt_t, qname_size, 40);
	OFF(kr_pkt_t, qtype, 42);
	OFF(kr_pkt_t, qclass, 44);
	OFF(kr_pkt_t, qname, 48);
	OFF(kr_pkt_t, rr, 56);
	OFF(kr_pkt_t, rrcount, 64);
	OFF(kr_pkt_t, rrmax, 66);
	OFF(kr_pkt_t, sections, 68);
	OFF(kr_pkt_t, current, 80);
	OFF(kr_pkt_t, opt, 88);
	OFF(kr_pkt_t, owns_wire, 96);
	OFF(kr_pkt_t, comp_count, 98);
	OFF(kr_pkt_t, comp, 100);
	SIZE(struct kr_query, 184);
	OFF(struct kr_query, parent, 0);
	OFF(struct kr_query, sname, 8);
	OFF(struct kr_query, stype, 16);
	OFF(struct kr_query, sclass, 18);
	OFF(struct kr_query, id, 20);
	OFF(struct kr_query, cname_depth, 22);
	OFF(struct kr_query, ns_count, 23);
	OFF(struct kr_query, uid, 24);
	OFF(struct kr_query, flags, 32);
	OFF(struct kr_query, started_ms, 40);
	OFF(struct kr_query, secret, 48);
	OFF(struct kr_query, cname_from, 52);
	OFF(struct kr_query, ns_addr, 56);
	OFF(struct kr_query, zone_cut, 168);
	OFF(struct kr_query, plugin_vars, 176);
	SIZE(struct kr_rplan, 56);
	OFF(struct kr_rplan, pending, 0);
	OFF(struct kr_rplan, pending_len, 8);
	OFF(struct kr_rplan, resolved, 16);
	OFF(struct kr_rplan, resolved_len, 24);
	OFF(struct kr_rplan, initial, 32);
	OFF(struct kr_rplan, request, 40);
	OFF(struct kr_rplan, next_uid, 48);
	SIZE(struct kr_request, 176);
	OFF(struct kr_request, ctx, 0);
	OFF(struct kr_request, answer, 8);
	OFF(struct kr_request, current_query, 16);
	OFF(struct kr_request, qsource, 24);
	OFF(struct kr_request, qsource.packet, 24);
	OFF(struct kr_request, qsource.addr, 32);
	OFF(struct kr_request, qsource.dst_addr, 40);
	OFF(struct kr_request, qsource.flags, 48);
	OFF(struct kr_request, qsource.size, 52);
	OFF(struct kr_request, state, 56);
	OFF(struct kr_request, options, 64);
	OFF(struct kr_request, rplan, 72);
	OFF(struct kr_request, pool, 128);
	OFF(struct kr_request, uid, 136);
	OFF(struct kr_request, queries_sent, 140);
	OFF(struct kr_request, started_ms, 144);
	OFF(struct kr_request, daemon_data, 152);
	OFF(struct kr_request, plugin_vars, 160);
	OFF(struct kr_request, no_answer_reuse, 168);
	SIZE(struct kr_layer_ctx, 24);
	OFF(struct kr_layer_ctx, state, 0);
	OFF(struct kr_layer_ctx, req, 8);
	OFF(struct kr_layer_ctx, plugin, 16);
	SIZE(struct kr_layer_api, 64);
	OFF(struct kr_layer_api, size, 0);
	OFF(struct kr_layer_api, begin, 8);
	OFF(struct kr_layer_api, reset, 16);
	OFF(struct kr_layer_api, consume, 24);
	OFF(struct kr_layer_api, produce, 32);
	OFF(struct kr_layer_api, checkout, 40);
	OFF(struct kr_layer_api, finish, 48);
	OFF(struct kr_layer_api, answer_finalize, 56);
	SIZE(struct kr_plugin_prop, 24);
	OFF(struct kr_plugin_prop, name, 0);
	OFF(struct kr_plugin_prop, cb, 8);
	OFF(struct kr_plugin_prop, help, 16);
	SIZE(struct kr_plugin_api, 80);
	OFF(struct kr_plugin_api, size, 0);
	OFF(struct kr_plugin_api, abi, 8);
	OFF(struct kr_plugin_api, name, 16);
	OFF(struct kr_plugin_api, init, 24);
	OFF(struct kr_plugin_api, deinit, 32);
	OFF(struct kr_plugin_api, config, 40);
	OFF(struct kr_plugin_api, layer, 48);
	OFF(struct kr_plugin_api, props, 56);
	OFF(struct kr_plugin_api, answers_reusable, 64);
	OFF(struct kr_plugin_api, answer_reused, 72);
	check("struct kr_plugin_api", "KR_PLUGIN_API_MIN_SIZE (ABI 1 as first released)",
	      KR_PLUGIN_API_MIN_SIZE, 64);
	SIZE(struct kr_reused_answer, 40);
	OFF(struct kr_reused_answer, qname, 0);
	OFF(struct kr_reused_answer, qtype, 8);
	OFF(struct kr_reused_answer, flags, 12);
	OFF(struct kr_reused_answer, addr, 16);
	OFF(struct kr_reused_answer, answer, 24);
	OFF(struct kr_reused_answer, answer_size, 32);
	OFF(struct kr_reused_answer, query_edns, 34);
	OFF(struct kr_reused_answer, query_do, 35);
	OFF(struct kr_reused_answer, forget, 36);
	OFF(struct kr_reused_answer, local, 37);
	SIZE(struct kr_root_hints_api, 16);
	OFF(struct kr_root_hints_api, get, 8);
	/* kr_cache_api grows by appending (KR_CACHE_API_HAS): peek_stale appended within ABI 1. */
	SIZE(struct kr_cache_api, 40);
	OFF(struct kr_cache_api, size, 0);
	OFF(struct kr_cache_api, peek_rrset, 8);
	OFF(struct kr_cache_api, zone_cut, 16);
	OFF(struct kr_cache_api, insert_rrset, 24);
	OFF(struct kr_cache_api, peek_stale, 32);
	/* kr_validate_api grows by appending (KR_VALIDATE_API_HAS): nsec3_hash, denial within ABI 1. */
	SIZE(struct kr_validate_api, 48);
	OFF(struct kr_validate_api, ta_keytags, 8);
	OFF(struct kr_validate_api, answer_secure, 16);
	OFF(struct kr_validate_api, bogus, 24);
	OFF(struct kr_validate_api, nsec3_hash, 32);
	OFF(struct kr_validate_api, denial, 40);
	SIZE(struct kr_validate_bogus, 40);
	OFF(struct kr_validate_bogus, name, 0);
	OFF(struct kr_validate_bogus, type, 8);
	OFF(struct kr_validate_bogus, zone, 16);
	OFF(struct kr_validate_bogus, ede, 24);
	OFF(struct kr_validate_bogus, reason, 32);
	SIZE(union kr_sockaddr, 28);
	SIZE(kr_mm_t, 24);
	OFF(kr_mm_t, ctx, 0);
	OFF(kr_mm_t, alloc, 8);
	OFF(kr_mm_t, free, 16);
	SIZE(struct kr_rdata, 2);
	OFF(struct kr_rdata, data, 2);
	printf("%s: %d layout differences\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
#endif
}
