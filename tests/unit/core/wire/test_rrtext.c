/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the RDATA presentation form (core/wire/rrtext.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/rrset.h>
#include "tests/unit/check_main.h"

/** A wire string literal and its length (literals are split after \x escapes). */
#define W(s) (const uint8_t *)(s), sizeof(s) - 1

struct vec {
	uint16_t type;
	const char *text;       /* input text */
	const uint8_t *wire;    /* expected RDATA */
	size_t wlen;
	const char *out;        /* canonical text, NULL when the same as text */
	bool trunc_bad;         /* every proper prefix of the wire is malformed */
};

#define RFC4034_KEY \
	"\x01\x03\xd2\x2a\x6c\xa7\x7f\x35\xb8\x93\x20\x6f\xd3\x5e\x4c\x50" \
	"\x6d\x83\x78\x84\x37\x09\xb9\x7e\x04\x16\x47\xe1\xbf\xf4\x3d\x8d" \
	"\x64\xc6\x49\xaf\x1e\x37\x19\x73\xc9\xe8\x91\xfc\xe3\xdf\x51\x9a" \
	"\x8c\x84\x0a\x63\xee\x42\xa6\xd2\xeb\xdd\xbb\x97\x03\x5d\x21\x5a" \
	"\xa4\xe4\x17\xb1\xfa\x45\xfa\x11\xa9\x74\x1e\xa2\x09\x8c\x1d\xfa" \
	"\x5f\xb5\xfe\xb3\x32\xfd\x4b\xc8\x15\x20\x89\xae\xf3\x6b\xa6\x44" \
	"\xcc\xe2\x41\x3b\x3b\x72\xbe\x18\xcb\xef\x8d\xa2\x53\xf4\xe9\x3d" \
	"\x21\x03\x86\x6d\x92\x34\xa2\xe2\x8d\xf5\x29\xa6\x7d\x54\x68\xdb" \
	"\xef\xe3"
#define RFC4034_KEY_B64 \
	"AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10h" \
	"WqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1U" \
	"aNvv4w=="

#define RFC4034_SIG \
	"\xa0\x90\x75\x5b\xa5\x8d\x1a\xff\xa5\x76\xf4\x37\x58\x31\xb4\x31" \
	"\x09\x20\xe4\x81\x21\x8d\x18\xa9\xf1\x64\xeb\x3d\x81\xaf\xd3\xb8" \
	"\x75\xd3\xc7\x54\x28\x63\x1e\x0c\xf2\xa2\x8d\x50\x87\x5f\x70\xc3" \
	"\x29\xd7\xdb\xfa\xfe\xa8\x07\xdc\x1f\xba\x1d\xc3\x4c\x95\xd4\x01" \
	"\xf2\x3f\x33\x4c\xe6\x3b\xfc\xf3\xf1\xb5\xb4\x47\x39\xe5\xf0\xed" \
	"\xed\x18\xd6\xb3\x3f\x04\x0a\x91\x13\x76\xd1\x73\xd7\x57\xa9\xf0" \
	"\xc1\xfa\x17\x98\x94\x1b\xb0\xb3\x6b\x2d\xf9\x06\x27\x90\xfa\x7f" \
	"\x01\x66\xf2\x73\x7e\xea\x90\x73\x78\x34\x1f\xb1\x2d\xc0\xa7\x7a"
#define RFC4034_SIG_B64 \
	"oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o" \
	"B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG" \
	"J5D6fwFm8nN+6pBzeDQfsS3Ap3o="
/* RRSIG A 5 3 86400 20030322173103 20030220173103 2642 example.com. (RFC 4034 3.3) */
#define RFC4034_RRSIG_HDR \
	"\x00\x01\x05\x03\x00\x01\x51\x80\x3e\x7c\x9d\xd7\x3e\x55\x10\xd7\x0a\x52" \
	"\x07" "example" "\x03" "com" "\x00"

#define FOO_EXAMPLE_COM "\x03" "foo" "\x07" "example" "\x03" "com" "\x00"
#define FOO_EXAMPLE_ORG "\x03" "foo" "\x07" "example" "\x03" "org" "\x00"
/* NSEC3 next hashed owner of RFC 5155 appendix A: 2t7b4g4vsa5smi47k61mv5bv1a22bojr */
#define HASH_2T7B \
	"\x17\x4e\xb2\x40\x9f\xe2\x8b\xcb\x48\x87\xa1\x83\x6f\x95\x7f\x0a\x84\x25\xe2\x7b"
/* 2vptu5timamqttgl4luu9kg21e0aor3s */
#define HASH_2VPT \
	"\x17\xf3\xdf\x17\xb2\xb2\xad\xae\xf6\x15\x25\x7d\xe4\xd2\x02\x0b\x80\xac\x6c\x7c"

#define V13 "vvvvvvvvvvvvv"

static const struct vec vecs[] = {
	/* RFC 1035 types */
	{ KR_TYPE_A, "192.0.2.1", W("\xc0\x00\x02\x01"), NULL, true },
	{ KR_TYPE_A, "10.0.0.1 ; a comment", W("\x0a\x00\x00\x01"), "10.0.0.1", true },
	{ KR_TYPE_AAAA, "2001:DB8:0::0:1",
	  W("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"), "2001:db8::1", true },
	{ KR_TYPE_AAAA, "::ffff:192.0.2.1",
	  W("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xc0\x00\x02\x01"), NULL, true },
	{ KR_TYPE_NS, "ns1.example.com.", W("\x03" "ns1" "\x07" "example" "\x03" "com" "\x00"), NULL, true },
	{ KR_TYPE_CNAME, ".", W("\x00"), NULL, true },
	{ KR_TYPE_DNAME, "Target.Example.", W("\x06" "Target" "\x07" "Example" "\x00"), NULL, true },
	{ KR_TYPE_PTR, "host\\.name.example.", W("\x09" "host.name" "\x07" "example" "\x00"), NULL, true },
	{ KR_TYPE_PTR, "a\\032b.", W("\x03" "a b" "\x00"), NULL, true },
	{ KR_TYPE_SOA, "ns.example. hostmaster.example. 2024010101 7200 3600 1209600 300",
	  W("\x02" "ns" "\x07" "example" "\x00" "\x0a" "hostmaster" "\x07" "example" "\x00"
	    "\x78\xa3\xf1\x75" "\x00\x00\x1c\x20" "\x00\x00\x0e\x10" "\x00\x12\x75\x00"
	    "\x00\x00\x01\x2c"), NULL, true },
	{ KR_TYPE_SOA, "( ns.example. hostmaster.example.\n 1 ; serial\n 2 3 4 5 )",
	  W("\x02" "ns" "\x07" "example" "\x00" "\x0a" "hostmaster" "\x07" "example" "\x00"
	    "\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00\x00\x05"),
	  "ns.example. hostmaster.example. 1 2 3 4 5", true },
	{ KR_TYPE_MX, "10 mail.example.", W("\x00\x0a" "\x04" "mail" "\x07" "example" "\x00"), NULL, true },
	{ KR_TYPE_TXT, "\"hello world\" \"a\\\"b\\\\c\" \"\\009\\255\"",
	  W("\x0b" "hello world" "\x05" "a\"b\\c" "\x02\x09\xff"), NULL, false },
	{ KR_TYPE_TXT, "abc", W("\x03" "abc"), "\"abc\"", false },
	{ KR_TYPE_TXT, "\"\"", W("\x00"), NULL, false },
	{ KR_TYPE_TXT, "\"semi;colon (paren)\"", W("\x12" "semi;colon (paren)"), NULL, false },
	{ KR_TYPE_TXT, "\"\\065\\b\" x\\ y", W("\x02" "Ab" "\x03" "x y"), "\"Ab\" \"x y\"", false },
	/* RFC 2782, RFC 3403 */
	{ KR_TYPE_SRV, "0 5 5060 sip.example.com.",
	  W("\x00\x00\x00\x05\x13\xc4" "\x03" "sip" "\x07" "example" "\x03" "com" "\x00"), NULL, true },
	{ KR_TYPE_NAPTR, "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
	  W("\x00\x64\x00\x0a" "\x01" "u" "\x07" "E2U+sip" "\x1b" "!^.*$!sip:info@example.com!" "\x00"),
	  NULL, true },
	{ KR_TYPE_NAPTR, "100 50 \"s\" \"z3950+I2L+I2C\" \"\" _z3950._tcp.gatech.edu.",
	  W("\x00\x64\x00\x32" "\x01" "s" "\x0d" "z3950+I2L+I2C" "\x00"
	    "\x06" "_z3950" "\x04" "_tcp" "\x06" "gatech" "\x03" "edu" "\x00"), NULL, true },
	/* RFC 4034 examples */
	{ KR_TYPE_DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
	  W("\xec\x45\x05\x01" "\x2b\xb1\x83\xaf\x5f\x22\x58\x81\x79\xa5"
	    "\x3b\x0a\x98\x63\x1f\xad\x1a\x29\x21\x18"), NULL, false },
	{ KR_TYPE_DS, "60485 5 1 ( 2bb183af5f22588179a53b0a\n\t98631FAD1A292118 )",
	  W("\xec\x45\x05\x01" "\x2b\xb1\x83\xaf\x5f\x22\x58\x81\x79\xa5"
	    "\x3b\x0a\x98\x63\x1f\xad\x1a\x29\x21\x18"),
	  "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", false },
	{ KR_TYPE_DNSKEY, "256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3\n"
	  "Cbl+BBZH4b/0PY1kxkmvHjcZc8no\nkfzj31GajIQKY+5CptLr3buXA10h\n"
	  "WqTkF7H6RfoRqXQeogmMHfpftf6z\nMv1LyBUgia7za6ZEzOJBOztyvhjL\n"
	  "742iU/TpPSEDhm2SNKLijfUppn1U\naNvv4w==  )",
	  W("\x01\x00\x03\x05" RFC4034_KEY), "256 3 5 " RFC4034_KEY_B64, false },
	{ KR_TYPE_RRSIG, "A 5 3 86400 20030322173103 ( 20030220173103 2642 example.com.\n"
	  RFC4034_SIG_B64 " )",
	  W(RFC4034_RRSIG_HDR RFC4034_SIG),
	  "A 5 3 86400 20030322173103 20030220173103 2642 example.com. " RFC4034_SIG_B64, false },
	{ KR_TYPE_RRSIG, "A 5 3 86400 1048354263 1045762263 2642 example.com. " RFC4034_SIG_B64,
	  W(RFC4034_RRSIG_HDR RFC4034_SIG),
	  "A 5 3 86400 20030322173103 20030220173103 2642 example.com. " RFC4034_SIG_B64, false },
	{ KR_TYPE_RRSIG, "TYPE1234 8 0 0 21060207062815 20380119031408 0 . AA==",
	  W("\x04\xd2\x08\x00\x00\x00\x00\x00\xff\xff\xff\xff\x80\x00\x00\x00\x00\x00\x00\x00"),
	  NULL, false },
	{ KR_TYPE_RRSIG, "NSEC3PARAM 13 2 3600 21060207062816 0 65535 example. AAAA",
	  W("\x00\x33\x0d\x02\x00\x00\x0e\x10\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff"
	    "\x07" "example" "\x00" "\x00\x00\x00"),
	  "NSEC3PARAM 13 2 3600 19700101000000 19700101000000 65535 example. AAAA", false },
	{ KR_TYPE_NSEC, "host.example.com. ( A MX RRSIG NSEC TYPE1234 )",
	  W("\x04" "host" "\x07" "example" "\x03" "com" "\x00"
	    "\x00\x06\x40\x01\x00\x00\x00\x03"
	    "\x04\x1b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20"),
	  "host.example.com. A MX RRSIG NSEC TYPE1234", false },
	{ KR_TYPE_NSEC, "example. NSEC3PARAM type65535 TYPE0",
	  W("\x07" "example" "\x00" "\x00\x07\x80\x00\x00\x00\x00\x00\x10"
	    "\xff\x20" "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" "\x01"),
	  "example. TYPE0 NSEC3PARAM TYPE65535", false },
	/* RFC 5155 appendix A */
	{ KR_TYPE_NSEC3, "1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS\n"
	  "SOA NSEC3PARAM RRSIG )",
	  W("\x01\x01\x00\x0c\x04\xaa\xbb\xcc\xdd\x14" HASH_2T7B
	    "\x00\x07\x22\x01\x00\x00\x00\x02\x90"),
	  "1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM", false },
	{ KR_TYPE_NSEC3, "1 1 12 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG",
	  W("\x01\x01\x00\x0c\x04\xaa\xbb\xcc\xdd\x14" HASH_2VPT
	    "\x00\x06\x40\x00\x00\x00\x00\x02"),
	  "1 1 12 AABBCCDD 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG", false },
	{ KR_TYPE_NSEC3, "1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3s",
	  W("\x01\x00\x00\x00\x00\x14" HASH_2VPT), NULL, false },
	{ KR_TYPE_NSEC3, "1 0 0 - 00", W("\x01\x00\x00\x00\x00\x01\x00"), NULL, false },
	/* 33 bytes: 53 characters, the last one with one padding bit (set: tolerated) */
	{ KR_TYPE_NSEC3, "1 0 0 - " V13 V13 V13 V13 "v",
	  W("\x01\x00\x00\x00\x00\x21"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
	  "1 0 0 - " V13 V13 V13 V13 "u", false },
	{ KR_TYPE_NSEC3PARAM, "1 0 12 aabbccdd", W("\x01\x00\x00\x0c\x04\xaa\xbb\xcc\xdd"),
	  "1 0 12 AABBCCDD", true },
	{ KR_TYPE_NSEC3PARAM, "1 0 0 -", W("\x01\x00\x00\x00\x00"), NULL, true },
	/* RFC 8659 */
	{ KR_TYPE_CAA, "0 issue \"ca.example.net\"",
	  W("\x00\x05" "issue" "ca.example.net"), NULL, false },
	{ KR_TYPE_CAA, "128 tbs \"Unknown\"", W("\x80\x03" "tbs" "Unknown"), NULL, false },
	{ KR_TYPE_CAA, "0 iodef \"mailto:security@example.com\"",
	  W("\x00\x05" "iodef" "mailto:security@example.com"), NULL, false },
	{ KR_TYPE_CAA, "0 issue \";\"", W("\x00\x05" "issue" ";"), NULL, false },
	{ KR_TYPE_CAA, "0 issue \"\"", W("\x00\x05" "issue"), NULL, false },
	{ KR_TYPE_CAA, "0 issuewild ca.example.net",
	  W("\x00\x09" "issuewild" "ca.example.net"), "0 issuewild \"ca.example.net\"", false },
	/* RFC 9460 appendix D */
	{ KR_TYPE_HTTPS, "0 foo.example.com.", W("\x00\x00" FOO_EXAMPLE_COM), NULL, true },
	{ KR_TYPE_SVCB, "1 .", W("\x00\x01\x00"), NULL, true },
	{ KR_TYPE_SVCB, "16 foo.example.com. port=53",
	  W("\x00\x10" FOO_EXAMPLE_COM "\x00\x03\x00\x02\x00\x35"), NULL, false },
	{ KR_TYPE_SVCB, "1 foo.example.com. key667=hello",
	  W("\x00\x01" FOO_EXAMPLE_COM "\x02\x9b\x00\x05" "hello"),
	  "1 foo.example.com. key667=\"hello\"", false },
	{ KR_TYPE_SVCB, "1 foo.example.com. key667=\"hello\\210qoo\"",
	  W("\x00\x01" FOO_EXAMPLE_COM "\x02\x9b\x00\x09" "hello" "\xd2" "qoo"), NULL, false },
	{ KR_TYPE_SVCB, "1 foo.example.com. (ipv6hint=\"2001:db8::1,2001:db8::53:1\")",
	  W("\x00\x01" FOO_EXAMPLE_COM "\x00\x06\x00\x20"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x53\x00\x01"),
	  "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1", false },
	{ KR_TYPE_SVCB, "1 example.com. (ipv6hint=\"2001:db8:122:344::192.0.2.33\")",
	  W("\x00\x01" "\x07" "example" "\x03" "com" "\x00" "\x00\x06\x00\x10"
	    "\x20\x01\x0d\xb8\x01\x22\x03\x44\x00\x00\x00\x00\xc0\x00\x02\x21"),
	  "1 example.com. ipv6hint=2001:db8:122:344::c000:221", false },
	{ KR_TYPE_SVCB, "16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn\n"
	  "ipv4hint=192.0.2.1)",
	  W("\x00\x10" FOO_EXAMPLE_ORG "\x00\x00\x00\x04\x00\x01\x00\x04"
	    "\x00\x01\x00\x09\x02" "h2" "\x05" "h3-19" "\x00\x04\x00\x04\xc0\x00\x02\x01"),
	  "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1", false },
	{ KR_TYPE_SVCB, "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
	  W("\x00\x10" FOO_EXAMPLE_ORG "\x00\x01\x00\x0c\x08" "f\\oo,bar" "\x02" "h2"), NULL, false },
	{ KR_TYPE_SVCB, "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
	  W("\x00\x10" FOO_EXAMPLE_ORG "\x00\x01\x00\x0c\x08" "f\\oo,bar" "\x02" "h2"),
	  "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", false },
	{ KR_TYPE_HTTPS, "1 . ech=AEX+DQBB port=8443 no-default-alpn alpn=h2 ipv4hint=192.0.2.1,192.0.2.2 key65534",
	  W("\x00\x01\x00" "\x00\x01\x00\x03\x02" "h2" "\x00\x02\x00\x00" "\x00\x03\x00\x02\x20\xfb"
	    "\x00\x04\x00\x08\xc0\x00\x02\x01\xc0\x00\x02\x02"
	    "\x00\x05\x00\x06\x00\x45\xfe\x0d\x00\x41" "\xff\xfe\x00\x00"),
	  "1 . alpn=\"h2\" no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AEX+DQBB key65534",
	  false },
	{ KR_TYPE_HTTPS, "1 svc mandatory=key7,port port=\"443\" key7=\"a\\\"b\\\\\"",
	  W("\x00\x01" "\x03" "svc" "\x00" "\x00\x00\x00\x04\x00\x03\x00\x07"
	    "\x00\x03\x00\x02\x01\xbb" "\x00\x07\x00\x04" "a\"b\\"),
	  "1 svc. mandatory=port,key7 port=443 key7=\"a\\\"b\\\\\"", false },
	/* RFC 3597 */
	{ KR_TYPE_OPT, "\\# 6 000A0002ABCD", W("\x00\x0a\x00\x02\xab\xcd"), NULL, false },
	{ KR_TYPE_OPT, "\\# 0", W(""), NULL, false },
	{ 731, "\\# 6 abcd (\n ef 01 23 45 )", W("\xab\xcd\xef\x01\x23\x45"), "\\# 6 ABCDEF012345", false },
	{ KR_TYPE_HINFO, "\\# 8 03 414243 03 78797A", W("\x03" "ABC" "\x03" "xyz"),
	  "\\# 8 03414243037879" "7A", false },
	{ 65535, "\\# 0", W(""), NULL, false },
};
#define NVECS ((int)(sizeof(vecs) / sizeof(vecs[0])))

static const char *expected_text(const struct vec *v)
{
	return v->out ? v->out : v->text;
}

/** Copy of len bytes in a buffer of exactly that size (for ASan). */
static uint8_t *exact_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, src, len);
	return p;
}

/** Print rdata of type into a buffer of exactly size bytes (ASan catches overflow). */
static int to_str_exact(uint16_t type, const uint8_t *wire, size_t wlen, size_t size, char *out_copy)
{
	uint8_t *rd = exact_copy(wire, wlen);
	char *buf = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(buf);
	int ret = kr_rdata_to_str(type, rd, (uint16_t)wlen, size ? buf : NULL, size);
	if (ret >= 0 && out_copy)
		memcpy(out_copy, buf, (size_t)ret + 1);
	free(buf);
	free(rd);
	return ret;
}

/* ---- kr_rdata_to_str ---- */

START_TEST(to_str_vectors)
{
	const struct vec *v = &vecs[_i];
	static char out[8192];
	int ret = to_str_exact(v->type, v->wire, v->wlen, sizeof(out), out);
	ck_assert_msg(ret >= 0, "vector %d (%s): %d", _i, v->text, ret);
	ck_assert_str_eq(out, expected_text(v));
	ck_assert_int_eq(ret, (int)strlen(expected_text(v)));
}
END_TEST

/** Every proper prefix: KR_EMALF, or text that parses back to exactly that prefix. */
START_TEST(to_str_truncated)
{
	const struct vec *v = &vecs[_i];
	static char out[8192];
	static uint8_t back[8192];
	for (size_t len = 0; len < v->wlen; ++len) {
		int ret = to_str_exact(v->type, v->wire, len, sizeof(out), out);
		if (v->trunc_bad || ret == KR_EMALF) {
			ck_assert_msg(ret == KR_EMALF, "vector %d at %zu: %d", _i, len, ret);
			continue;
		}
		ck_assert_msg(ret >= 0, "vector %d at %zu: %d", _i, len, ret);
		int blen = kr_rdata_from_str(v->type, out, NULL, back, sizeof(back));
		ck_assert_msg(blen == (int)len, "vector %d at %zu: '%s' -> %d", _i, len, out, blen);
		ck_assert_mem_eq(back, v->wire, len);
	}
}
END_TEST

/** Every buffer size below the needed one gives KR_ESPACE; the exact size works. */
START_TEST(to_str_espace)
{
	const struct vec *v = &vecs[_i];
	size_t need = strlen(expected_text(v)) + 1;
	for (size_t size = 0; size < need; ++size)
		ck_assert_int_eq(to_str_exact(v->type, v->wire, v->wlen, size, NULL), KR_ESPACE);
	char *out = malloc(need);
	ck_assert_int_eq(to_str_exact(v->type, v->wire, v->wlen, need, out), (int)need - 1);
	ck_assert_str_eq(out, expected_text(v));
	free(out);
}
END_TEST

START_TEST(to_str_generic)
{
	char out[64];
	/* types without a text form of their own, OPT included */
	ck_assert_int_eq(kr_rdata_to_str(99, (const uint8_t *)"\x01\x02", 2, out, sizeof(out)), 9);
	ck_assert_str_eq(out, "\\# 2 0102");
	ck_assert_int_eq(kr_rdata_to_str(KR_TYPE_OPT, NULL, 0, out, sizeof(out)), 4);
	ck_assert_str_eq(out, "\\# 0");
	ck_assert_int_eq(kr_rdata_to_str(0, (const uint8_t *)"\xfe", 1, out, sizeof(out)), 7);
	ck_assert_str_eq(out, "\\# 1 FE");
	/* a TXT is printed as TXT, the same bytes of an unknown type generically */
	ck_assert_int_eq(kr_rdata_to_str(KR_TYPE_TXT, (const uint8_t *)"\x01" "a", 2, out, sizeof(out)), 3);
	ck_assert_str_eq(out, "\"a\"");
	ck_assert_int_eq(kr_rdata_to_str(4000, (const uint8_t *)"\x01" "a", 2, out, sizeof(out)), 9);
	ck_assert_str_eq(out, "\\# 2 0161");
}
END_TEST

struct bad_wire {
	uint16_t type;
	const uint8_t *wire;
	size_t wlen;
};

static const struct bad_wire bad_wires[] = {
	{ KR_TYPE_A, W("\x01\x02\x03\x04\x05") },
	{ KR_TYPE_AAAA, W("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01") },
	{ KR_TYPE_NS, W("\xc0\x0c") },                              /* compression pointer */
	{ KR_TYPE_NS, W("\x40" "a" "\x00") },                       /* label type 0x40 */
	{ KR_TYPE_NS, W("\x03" "ab") },                             /* label past the end */
	{ KR_TYPE_NS, W("\x01" "a" "\x00" "\x00") },                /* trailing byte */
	{ KR_TYPE_CNAME, W("") },
	{ KR_TYPE_MX, W("\x00\x0a" "\x01" "a") },                   /* no root label */
	{ KR_TYPE_TXT, W("") },
	{ KR_TYPE_TXT, W("\x01" "a" "\x05" "abc") },
	{ KR_TYPE_NAPTR, W("\x00\x01\x00\x02\x01" "u" "\x00\x00") }, /* no replacement */
	{ KR_TYPE_DS, W("\xec\x45\x05\x01") },                      /* no digest */
	{ KR_TYPE_DNSKEY, W("\x01\x00\x03") },
	{ KR_TYPE_RRSIG, W("\x00\x01\x05\x03\x00\x01\x51\x80\x3e\x7c\x9d\xd7\x3e\x55\x10\xd7\x0a\x52\x00") },
	/* bitmaps */
	{ KR_TYPE_NSEC, W("\x00" "\x01\x01\x40" "\x00\x01\x40") },  /* windows out of order */
	{ KR_TYPE_NSEC, W("\x00" "\x00\x01\x40" "\x00\x01\x40") },  /* window repeated */
	{ KR_TYPE_NSEC, W("\x00" "\x00\x00") },                     /* empty window */
	{ KR_TYPE_NSEC, W("\x00" "\x00\x21"
	    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
	    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01") }, /* 33 octets */
	{ KR_TYPE_NSEC, W("\x00" "\x00\x02\x40\x00") },             /* trailing zero octet */
	{ KR_TYPE_NSEC, W("\x00" "\x00\x03\x40\x01") },             /* window past the end */
	{ KR_TYPE_NSEC, W("\x00" "\x00") },                         /* half a window header */
	{ KR_TYPE_NSEC3, W("\x01\x00\x00\x00\x00\x00") },           /* empty next hash */
	{ KR_TYPE_NSEC3, W("\x01\x00\x00\x00\x05\xaa\xbb") },       /* salt past the end */
	{ KR_TYPE_NSEC3PARAM, W("\x01\x00\x00\x00\x00\x00") },      /* trailing byte */
	/* CAA */
	{ KR_TYPE_CAA, W("\x00\x00" "value") },                     /* empty tag */
	{ KR_TYPE_CAA, W("\x00\x05" "is-ue" "x") },                 /* tag not alphanumeric */
	{ KR_TYPE_CAA, W("\x00\x09" "issue") },                     /* tag past the end */
	/* SvcParams */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x03\x00\x02\x01\xbb" "\x00\x01\x00\x03\x02" "h2") },
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x03\x00\x02\x01\xbb" "\x00\x03\x00\x02\x01\xbb") },
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x03\x00\x01\x01") },
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x04\x00\x05\xc0\x00\x02\x01\x01") },
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x06\x00\x04\x20\x01\x0d\xb8") },
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x01\x00\x03\x00\x01" "a") },     /* empty alpn id */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x01\x00\x03\x05" "ab") },        /* alpn id too long */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x01\x00\x00") },                 /* empty alpn */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x00\x00\x03\x00\x01\x00") },     /* odd mandatory */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x00\x00\x04\x00\x03\x00\x01") }, /* unsorted mandatory */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x02\x00\x01" "x") },             /* no-default-alpn=x */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x05\x00\x00") },                 /* empty ech */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x07\x00\x05" "abc") },           /* value past the end */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x07\x00") },                     /* half a header */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x00\x00\x02\x00\x00") },         /* mandatory=mandatory */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\x00\x00\x00\x02\x00\x03") },         /* mandatory key absent */
	{ KR_TYPE_SVCB, W("\x00\x01\x00" "\xff\xff\x00\x00") },                 /* key65535 */
	{ KR_TYPE_HTTPS, W("\x00\x01") },                                       /* no target */
};

/** Deterministic xorshift32. */
static uint32_t rnd(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/**
 * Mutated vectors (bytes changed, cut or appended): never a crash or an
 * over-read, and whatever prints parses back to the very same bytes.
 */
START_TEST(to_str_mutated)
{
	const struct vec *v = &vecs[_i];
	static char out[16384];
	static uint8_t back[8192];
	uint8_t wire[1024];
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)_i;
	for (int iter = 0; iter < 400; ++iter) {
		size_t len = v->wlen < sizeof(wire) - 8 ? v->wlen : sizeof(wire) - 8;
		memcpy(wire, v->wire, len);
		for (int m = 1 + rnd(&seed) % 3; m > 0; --m) {
			uint32_t r = rnd(&seed);
			if (r % 4 == 0 && len)
				len = r / 4 % len;
			else if (r % 4 == 1)
				wire[len++] = (uint8_t)(r >> 8);
			else if (len)
				wire[r / 4 % len] = (uint8_t)(r >> 24);
		}
		int ret = to_str_exact(v->type, wire, len, sizeof(out), out);
		if (ret == KR_EMALF)
			continue;
		ck_assert_msg(ret >= 0, "vector %d iter %d: %d", _i, iter, ret);
		int blen = kr_rdata_from_str(v->type, out, NULL, back, sizeof(back));
		ck_assert_msg(blen == (int)len, "vector %d iter %d: '%s' -> %d", _i, iter, out, blen);
		ck_assert_mem_eq(back, wire, len);
	}
}
END_TEST

START_TEST(to_str_malformed)
{
	const struct bad_wire *b = &bad_wires[_i];
	ck_assert_msg(to_str_exact(b->type, b->wire, b->wlen, 4096, NULL) == KR_EMALF, "bad wire %d", _i);
	/* malformed wins over a small buffer */
	ck_assert_int_eq(to_str_exact(b->type, b->wire, b->wlen, 0, NULL), KR_EMALF);
}
END_TEST

/* ---- kr_rdata_from_str ---- */

/** Parse text into a buffer of exactly size bytes. */
static int from_str_exact(uint16_t type, const char *text, const uint8_t *origin,
			  size_t size, uint8_t *out_copy)
{
	uint8_t *buf = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(buf);
	int ret = kr_rdata_from_str(type, text, origin, size ? buf : NULL, size);
	if (ret >= 0 && out_copy)
		memcpy(out_copy, buf, (size_t)ret);
	free(buf);
	return ret;
}

START_TEST(from_str_vectors)
{
	const struct vec *v = &vecs[_i];
	static uint8_t out[8192];
	int ret = from_str_exact(v->type, v->text, NULL, sizeof(out), out);
	ck_assert_msg(ret == (int)v->wlen, "vector %d (%s): %d", _i, v->text, ret);
	ck_assert_mem_eq(out, v->wire, v->wlen);
	/* the canonical text parses to the same bytes */
	ret = from_str_exact(v->type, expected_text(v), NULL, sizeof(out), out);
	ck_assert_int_eq(ret, (int)v->wlen);
	ck_assert_mem_eq(out, v->wire, v->wlen);
}
END_TEST

START_TEST(from_str_espace)
{
	const struct vec *v = &vecs[_i];
	for (size_t size = 0; size < v->wlen; ++size)
		ck_assert_int_eq(from_str_exact(v->type, v->text, NULL, size, NULL), KR_ESPACE);
	uint8_t *out = malloc(v->wlen + 1);
	ck_assert_int_eq(from_str_exact(v->type, v->text, NULL, v->wlen, out), (int)v->wlen);
	ck_assert_mem_eq(out, v->wire, v->wlen);
	free(out);
}
END_TEST

/** The RFC 3597 form is accepted for every type and gives the same bytes. */
START_TEST(from_str_generic_any_type)
{
	const struct vec *v = &vecs[_i];
	static char text[8192];
	static uint8_t out[8192];
	int n = snprintf(text, sizeof(text), "\\# %zu ( ", v->wlen);
	for (size_t i = 0; i < v->wlen; ++i)
		n += snprintf(text + n, sizeof(text) - (size_t)n, i % 7 ? "%02x" : " %02X", v->wire[i]);
	snprintf(text + n, sizeof(text) - (size_t)n, " )");
	ck_assert_int_eq(from_str_exact(v->type, text, NULL, sizeof(out), out), (int)v->wlen);
	ck_assert_mem_eq(out, v->wire, v->wlen);
}
END_TEST

START_TEST(from_str_origin)
{
	static const uint8_t origin[] = "\x07" "example" "\x03" "com";   /* + NUL = root */
	uint8_t out[512];
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "www", origin, out, sizeof(out)), 17);
	ck_assert_mem_eq(out, "\x03" "www" "\x07" "example" "\x03" "com" "\x00", 17);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "www.", origin, out, sizeof(out)), 5);
	ck_assert_mem_eq(out, "\x03" "www" "\x00", 5);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "@", origin, out, sizeof(out)), 13);
	ck_assert_mem_eq(out, origin, 13);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "@", NULL, out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "www", NULL, out, sizeof(out)), 5);
	ck_assert_mem_eq(out, "\x03" "www" "\x00", 5);
	/* an escaped final dot is part of the label: still relative */
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "a\\.", origin, out, sizeof(out)), 16);
	ck_assert_mem_eq(out, "\x02" "a." "\x07" "example", 11);
	/* an escaped backslash before the dot: absolute */
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_CNAME, "a\\\\.", origin, out, sizeof(out)), 4);
	ck_assert_mem_eq(out, "\x02" "a\\" "\x00", 4);
	/* every name of the RDATA is completed */
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_SOA, "ns @ 1 2 3 4 5", origin, out, sizeof(out)), 16 + 13 + 20);
	ck_assert_mem_eq(out, "\x02" "ns" "\x07" "example" "\x03" "com" "\x00"
			 "\x07" "example" "\x03" "com" "\x00" "\x00\x00\x00\x01", 33);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_MX, "10 mail", origin, out, sizeof(out)), 20);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_SVCB, "1 svc port=1", origin, out, sizeof(out)), 2 + 17 + 6);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_NSEC, "next A", origin, out, sizeof(out)), 18 + 3);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_RRSIG, "A 5 3 1 2 3 4 @ AA==", origin, out, sizeof(out)),
			 18 + 13 + 1);
	/* completion past 255 bytes */
	char name[300];
	memset(name, 'a', 63);
	name[63] = '.';
	memcpy(name + 64, name, 64);
	memcpy(name + 128, name, 64);
	memcpy(name + 192, name, 50);
	name[242] = '\0';   /* 4 labels: 244 wire bytes with the root */
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_NS, name, NULL, out, sizeof(out)), 244);
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_NS, name, origin, out, sizeof(out)), KR_EMALF);
}
END_TEST

struct bad_text {
	uint16_t type;
	const char *text;
};

static const struct bad_text bad_texts[] = {
	{ KR_TYPE_A, "" },
	{ KR_TYPE_A, "192.0.2" },
	{ KR_TYPE_A, "192.0.2.256" },
	{ KR_TYPE_A, "192.0.2.1 192.0.2.2" },
	{ KR_TYPE_A, "\"192.0.2.1" },
	{ KR_TYPE_AAAA, "192.0.2.1" },
	{ KR_TYPE_AAAA, "2001:db8::1::2" },
	{ KR_TYPE_NS, "a..b." },
	{ KR_TYPE_NS, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa." },  /* 64 */
	{ KR_TYPE_NS, "a\\" },
	{ KR_TYPE_NS, "a\\25" },
	{ KR_TYPE_NS, "a\\256." },
	{ KR_TYPE_MX, "10" },
	{ KR_TYPE_MX, "65536 mx." },
	{ KR_TYPE_MX, "-1 mx." },
	{ KR_TYPE_MX, "1x mx." },
	{ KR_TYPE_MX, "10 mx. extra" },
	{ KR_TYPE_SOA, "a. b. 1 2 3 4" },
	{ KR_TYPE_SOA, "a. b. 1 2 3 4 4294967296" },
	{ KR_TYPE_TXT, "" },
	{ KR_TYPE_TXT, "; only a comment" },
	{ KR_TYPE_TXT, "\"abc" },
	{ KR_TYPE_TXT, "\"\\256\"" },
	{ KR_TYPE_TXT, "\"\\1\"" },
	{ KR_TYPE_TXT, "abc\\" },
	{ KR_TYPE_TXT, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" }, /* 256 */
	{ KR_TYPE_SRV, "0 5 65536 sip." },
	{ KR_TYPE_NAPTR, "100 10 u E2U+sip regexp" },
	{ KR_TYPE_DS, "60485 5 1" },
	{ KR_TYPE_DS, "60485 5 1 ABC" },
	{ KR_TYPE_DS, "60485 5 1 ZZ" },
	{ KR_TYPE_DS, "60485 256 1 AA" },
	{ KR_TYPE_DNSKEY, "256 3 5" },
	{ KR_TYPE_DNSKEY, "256 3 5 AQ" },
	{ KR_TYPE_DNSKEY, "256 3 5 AQ=A" },
	{ KR_TYPE_DNSKEY, "256 3 5 A===" },
	{ KR_TYPE_DNSKEY, "256 3 5 AQ==AQ==" },
	{ KR_TYPE_DNSKEY, "256 3 5 AQ*=" },
	{ KR_TYPE_RRSIG, "FOO 5 3 86400 20030322173103 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 20031322173103 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 20030230173103 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 20030222243103 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 19690222173103 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 4294967296 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 2003032217310 20030220173103 2642 example.com. AA==" },
	{ KR_TYPE_RRSIG, "A 5 3 86400 20030322173103 20030220173103 2642 example.com." },
	{ KR_TYPE_NSEC, "host. A FOO" },
	{ KR_TYPE_NSEC, "host. A TYPE65536" },
	{ KR_TYPE_NSEC3, "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojw A" },
	{ KR_TYPE_NSEC3, "1 1 12 aabbccdd 2 A" },
	{ KR_TYPE_NSEC3, "1 1 12 aabbccdd 2t7 A" },
	{ KR_TYPE_NSEC3, "1 1 12 abc 2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
	{ KR_TYPE_NSEC3, "1 1 12 -" },
	{ KR_TYPE_NSEC3, "1 1 12 - -" },
	{ KR_TYPE_NSEC3PARAM, "1 0 12" },
	{ KR_TYPE_NSEC3PARAM, "1 0 12 aabbccdd extra" },
	{ KR_TYPE_CAA, "0 issue" },
	{ KR_TYPE_CAA, "0 is-sue \"x\"" },
	{ KR_TYPE_CAA, "0 issue \"a\" \"b\"" },
	{ KR_TYPE_CAA, "256 issue \"a\"" },
	/* RFC 9460 appendix D.3 failure cases, and a few more */
	{ KR_TYPE_SVCB, "1 foo.example.com. (key123=abc key123=def)" },
	{ KR_TYPE_SVCB, "1 foo.example.com. mandatory" },
	{ KR_TYPE_SVCB, "1 foo.example.com. alpn" },
	{ KR_TYPE_SVCB, "1 foo.example.com. port" },
	{ KR_TYPE_SVCB, "1 foo.example.com. ipv4hint" },
	{ KR_TYPE_SVCB, "1 foo.example.com. ipv6hint" },
	{ KR_TYPE_SVCB, "1 foo.example.com. no-default-alpn=abc" },
	{ KR_TYPE_SVCB, "1 foo.example.com. mandatory=key123" },
	{ KR_TYPE_SVCB, "1 foo.example.com. mandatory=mandatory" },
	{ KR_TYPE_SVCB, "1 foo.example.com. ( mandatory=key123,key123 key123=abc)" },
	{ KR_TYPE_SVCB, "1 foo.example.com. alpn=\"\"" },
	{ KR_TYPE_SVCB, "1 foo.example.com. alpn=h2,,h3" },
	{ KR_TYPE_SVCB, "1 foo.example.com. port=65536" },
	{ KR_TYPE_SVCB, "1 foo.example.com. port=1,2" },
	{ KR_TYPE_SVCB, "1 foo.example.com. ipv4hint=192.0.2.1,::1" },
	{ KR_TYPE_SVCB, "1 foo.example.com. ipv6hint=192.0.2.1" },
	{ KR_TYPE_SVCB, "1 foo.example.com. ech=AQ" },
	{ KR_TYPE_SVCB, "1 foo.example.com. key65535" },
	{ KR_TYPE_SVCB, "1 foo.example.com. key65536=a" },
	{ KR_TYPE_SVCB, "1 foo.example.com. keyx=a" },
	{ KR_TYPE_SVCB, "1 foo.example.com. unknown=a" },
	{ KR_TYPE_SVCB, "1 foo.example.com. key1=\"unterminated" },
	{ KR_TYPE_SVCB, "65536 foo.example.com." },
	{ KR_TYPE_HTTPS, "1" },
	/* RFC 3597 */
	{ 731, "abcd" },
	{ 731, "\\# 2 abcdef" },
	{ 731, "\\# 2 abc" },
	{ 731, "\\# 1" },
	{ 731, "\\# 65536" },
	{ 731, "\\#" },
	{ 731, "\\# x 00" },
	{ KR_TYPE_OPT, "" },
	{ KR_TYPE_A, "\\# 3 0A0000" },             /* not a valid A */
	{ KR_TYPE_NS, "\\# 2 c00c" },
	{ KR_TYPE_TXT, "\\# 0" },
};

START_TEST(from_str_malformed)
{
	const struct bad_text *b = &bad_texts[_i];
	uint8_t out[1024];
	int ret = kr_rdata_from_str(b->type, b->text, NULL, out, sizeof(out));
	ck_assert_msg(ret == KR_EMALF, "bad text %d '%s': %d", _i, b->text, ret);
}
END_TEST

START_TEST(from_str_limits)
{
	/* a value over 65535 bytes in a large buffer is malformed, not KR_ESPACE */
	size_t n = 140000;
	char *text = malloc(n + 16);
	uint8_t *out = malloc(80000);
	strcpy(text, "\\# 2 ");
	memset(text + 5, '0', n);
	text[5 + n] = '\0';
	ck_assert_int_eq(kr_rdata_from_str(731, text, NULL, out, 80000), KR_EMALF);
	ck_assert_int_eq(kr_rdata_from_str(731, text, NULL, out, 65535), KR_EMALF);
	ck_assert_int_eq(kr_rdata_from_str(731, text, NULL, out, 65534), KR_ESPACE);
	ck_assert_int_eq(kr_rdata_from_str(731, text, NULL, out, 1000), KR_ESPACE);
	/* 65535 bytes exactly */
	strcpy(text, "\\# 65535 ");
	memset(text + 9, 'a', 2 * 65535);
	text[9 + 2 * 65535] = '\0';
	ck_assert_int_eq(kr_rdata_from_str(731, text, NULL, out, 80000), 65535);
	ck_assert_int_eq(out[65534], 0xaa);
	/* and printed back */
	char *str = malloc(140000);
	ck_assert_int_eq(kr_rdata_to_str(731, out, 65535, str, 140000), 9 + 2 * 65535);
	ck_assert_int_eq(strncmp(str, "\\# 65535 AAAA", 13), 0);
	free(str);
	free(out);
	free(text);
	/* NULL input */
	uint8_t buf[8];
	ck_assert_int_eq(kr_rdata_from_str(KR_TYPE_A, NULL, NULL, buf, sizeof(buf)), KR_EMALF);
}
END_TEST

static Suite *rrtext_suite(void)
{
	Suite *s = suite_create("rrtext");
	TCase *tc = tcase_create("kr_rdata_to_str");
	tcase_add_loop_test(tc, to_str_vectors, 0, NVECS);
	tcase_add_loop_test(tc, to_str_truncated, 0, NVECS);
	tcase_add_loop_test(tc, to_str_espace, 0, NVECS);
	tcase_add_loop_test(tc, to_str_mutated, 0, NVECS);
	tcase_add_test(tc, to_str_generic);
	tcase_add_loop_test(tc, to_str_malformed, 0, (int)(sizeof(bad_wires) / sizeof(bad_wires[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("kr_rdata_from_str");
	tcase_add_loop_test(tc, from_str_vectors, 0, NVECS);
	tcase_add_loop_test(tc, from_str_espace, 0, NVECS);
	tcase_add_loop_test(tc, from_str_generic_any_type, 0, NVECS);
	tcase_add_test(tc, from_str_origin);
	tcase_add_loop_test(tc, from_str_malformed, 0, (int)(sizeof(bad_texts) / sizeof(bad_texts[0])));
	tcase_add_test(tc, from_str_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(rrtext_suite());
}
