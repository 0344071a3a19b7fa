/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RR type and class mnemonics. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <kres/rrset.h>

struct mnemonic {
	uint16_t value;
	const char *name;
};

/* IANA "Resource Record (RR) TYPEs", sorted by value (binary search). */
static const struct mnemonic types[] = {
	{ 1, "A" }, { 2, "NS" }, { 3, "MD" }, { 4, "MF" }, { 5, "CNAME" },
	{ 6, "SOA" }, { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 10, "NULL" },
	{ 11, "WKS" }, { 12, "PTR" }, { 13, "HINFO" }, { 14, "MINFO" },
	{ 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ 19, "X25" }, { 20, "ISDN" }, { 21, "RT" }, { 22, "NSAP" },
	{ 23, "NSAP-PTR" }, { 24, "SIG" }, { 25, "KEY" }, { 26, "PX" },
	{ 27, "GPOS" }, { 28, "AAAA" }, { 29, "LOC" }, { 30, "NXT" },
	{ 31, "EID" }, { 32, "NIMLOC" }, { 33, "SRV" }, { 34, "ATMA" },
	{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 38, "A6" },
	{ 39, "DNAME" }, { 40, "SINK" }, { 41, "OPT" }, { 42, "APL" },
	{ 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 56, "NINFO" }, { 57, "RKEY" }, { 58, "TALINK" }, { 59, "CDS" },
	{ 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 100, "UINFO" }, { 101, "UID" }, { 102, "GID" }, { 103, "UNSPEC" },
	{ 104, "NID" }, { 105, "L32" }, { 106, "L64" }, { 107, "LP" },
	{ 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" },
	{ 251, "IXFR" }, { 252, "AXFR" }, { 253, "MAILB" }, { 254, "MAILA" },
	{ 255, "ANY" }, { 256, "URI" }, { 257, "CAA" }, { 258, "AVC" },
	{ 259, "DOA" }, { 260, "AMTRELAY" }, { 261, "RESINFO" },
	{ 32768, "TA" }, { 32769, "DLV" },
};

static const struct mnemonic classes[] = {
	{ 1, "IN" }, { 3, "CH" }, { 4, "HS" }, { 254, "NONE" }, { 255, "ANY" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/** Name of value in a table sorted by value, or NULL. */
static const char *lookup_name(const struct mnemonic *tab, size_t n, uint16_t value)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tab[mid].value == value)
			return tab[mid].name;
		if (tab[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/** Mnemonic or PREFIXnnn into dst. @return length or KR_ESPACE. */
static int value_to_str(const struct mnemonic *tab, size_t n, const char *prefix,
			uint16_t value, char *dst, size_t maxlen)
{
	const char *name = lookup_name(tab, n, value);
	char buf[16];
	size_t len;
	if (name) {
		len = strlen(name);
	} else {
		len = (size_t)snprintf(buf, sizeof(buf), "%s%u", prefix, (unsigned)value);
		name = buf;
	}
	if (len >= maxlen)
		return KR_ESPACE;
	memcpy(dst, name, len + 1);
	return (int)len;
}

/** Parse a mnemonic or PREFIXnnn (case-insensitive). @return value or KR_ETYPE. */
static int value_from_str(const struct mnemonic *tab, size_t n, const char *prefix,
			  const char *str)
{
	if (!str)
		return KR_ETYPE;
	for (size_t i = 0; i < n; ++i) {
		if (strcasecmp(str, tab[i].name) == 0)
			return tab[i].value;
	}
	size_t plen = strlen(prefix);
	if (strncasecmp(str, prefix, plen) != 0)
		return KR_ETYPE;
	const char *p = str + plen;
	if (!*p)
		return KR_ETYPE;
	uint32_t v = 0;
	for (; *p; ++p) {
		if (*p < '0' || *p > '9')
			return KR_ETYPE;
		v = v * 10 + (uint32_t)(*p - '0');
		if (v > UINT16_MAX)
			return KR_ETYPE;
	}
	return (int)v;
}

int kr_rrtype_to_str(uint16_t type, char *dst, size_t maxlen)
{
	return value_to_str(types, COUNT(types), "TYPE", type, dst, maxlen);
}

int kr_rrtype_from_str(const char *str)
{
	return value_from_str(types, COUNT(types), "TYPE", str);
}

int kr_rrclass_to_str(uint16_t rclass, char *dst, size_t maxlen)
{
	return value_to_str(classes, COUNT(classes), "CLASS", rclass, dst, maxlen);
}

int kr_rrclass_from_str(const char *str)
{
	return value_from_str(classes, COUNT(classes), "CLASS", str);
}
